"""The sandbox's targeting surface over real loopback HTTP (reference/snap-targeting.md §7)."""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from snapdesk.api import SnapApi, StaticTokenProvider
from snapdesk.sandbox import SandboxServer, SandboxState, entities, seed_state
from snapdesk.sandbox import targeting_data as catalogue
from snapdesk.sandbox.seed import AUDIENCES
from tests.sandbox.conftest import AUTH, first_account, first_of

RECORDED = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "snap-recorded"


@pytest.fixture
async def http(live: SandboxServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=live.base_url, headers=AUTH, timeout=30) as c:
        yield c


@pytest.fixture
async def snap(live: SandboxServer) -> AsyncIterator[SnapApi]:
    async with SnapApi(
        token_provider=StaticTokenProvider(live.token), base_url=live.api_base, rate_limit=None
    ) as api:
        yield api


async def pages(http: httpx.AsyncClient, path: str, item_key: str) -> list[list[dict[str, Any]]]:
    """Every page of a catalogue, following next_link verbatim; each must be a valid envelope."""
    out: list[list[dict[str, Any]]] = []
    url: str | None = path
    while url is not None:
        response = await http.get(url)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["request_status"] == "SUCCESS"
        assert "paging" in body
        page = []
        for wrapped in body["targeting_dimensions"]:
            assert wrapped["sub_request_status"] == "SUCCESS"
            assert set(wrapped) == {"sub_request_status", item_key}
            page.append(wrapped[item_key])
        out.append(page)
        url = body["paging"].get("next_link")
        if url is not None:
            assert url.startswith(str(http.base_url).rstrip("/") + "/v1/targeting/")
    return out


def squad_body(campaign_id: str, targeting: dict[str, Any]) -> dict[str, Any]:
    return {
        "adsquads": [
            {
                "campaign_id": campaign_id,
                "name": "Targeting check",
                "type": "SNAP_ADS",
                "placement_v2": {"config": "AUTOMATIC"},
                "optimization_goal": "SWIPES",
                "billing_event": "IMPRESSION",
                "daily_budget_micro": 20_000_000,
                "targeting": targeting,
            }
        ]
    }


# --------------------------------------------------------------------------- catalogues

CATALOGUES = [
    ("/v1/targeting/geo/country", "country", 60),
    ("/v1/targeting/geo/us/region", "region", 51),
    ("/v1/targeting/geo/gb/region", "region", 4),
    ("/v1/targeting/geo/us/metro", "metro", 100),
    ("/v1/targeting/geo/us/postal_code", "postal_code", 1001),
    ("/v1/targeting/geo/gb/postal_code", "postal_code", 200),
    ("/v1/targeting/geo/ca/postal_code", "postal_code", 200),
    ("/v1/targeting/demographics/age_group", "age_group", 5),
    ("/v1/targeting/demographics/gender", "gender", 3),
    ("/v1/targeting/demographics/languages", "languages", 21),
    ("/v1/targeting/demographics/advanced_demographics", "advanced_demographics", 20),
    ("/v1/targeting/device/connection_type", "connection_type", 2),
    ("/v1/targeting/device/os_type", "os_type", 2),
    ("/v1/targeting/device/iOS/os_version", "os_version", 30),
    ("/v1/targeting/device/ANDROID/os_version", "os_version", 10),
    ("/v1/targeting/device/carrier", "carrier", 24),
    ("/v1/targeting/device/marketing_name", "marketing_name", 24),
    ("/v1/targeting/interests/scls", "scls", 124),
    ("/v1/targeting/interests/dlxs", "dlxs", 10),
    ("/v1/targeting/interests/dlxc", "dlxc", 10),
    ("/v1/targeting/interests/dlxp", "dlxp", 0),
    ("/v1/targeting/interests/nln", "nln", 10),
    ("/v1/targeting/interests/plc", "plc", 0),
    ("/v1/targeting/location/categories_loi", "categories_loi", 10),
    ("/v1/targeting/v1/interests/scls", "scls", 124),
    ("/v1/targeting/v1/interests/shp", "shp", 5),
    ("/v1/targeting/v1/interests/vac", "vac", 5),
]


@pytest.mark.parametrize(("path", "item_key", "at_least"), CATALOGUES)
async def test_every_catalogue_answers_in_the_targeting_dimensions_envelope(
    http: httpx.AsyncClient, path: str, item_key: str, at_least: int
) -> None:
    limit = 10000 if item_key == "postal_code" else 1000
    found = [item for page in await pages(http, f"{path}?limit={limit}", item_key) for item in page]
    assert len(found) >= at_least
    for item in found:
        assert isinstance(item, dict) and item


async def test_item_shapes_follow_the_recorded_fields(http: httpx.AsyncClient) -> None:
    (countries,) = await pages(http, "/v1/targeting/geo/country?limit=1000", "country")
    us = next(c for c in countries if c["country"]["code"] == "us")
    assert us["country"] == {"id": "6252001", "name": "United States", "code": "us", "code2": "usa"}
    assert us["continent"]["name"] == "North America"
    (regions,) = await pages(http, "/v1/targeting/geo/us/region?limit=1000", "region")
    by_id = {r["region"]["id"]: r["region"]["name"] for r in regions}
    assert by_id["3"] == "Arizona" and by_id["44"] == "Texas"  # the docs' example spec
    (metros,) = await pages(http, "/v1/targeting/geo/us/metro?limit=1000", "metro")
    assert all(isinstance(m["metro"]["regions"], str) for m in metros)
    (scls,) = await pages(http, "/v1/targeting/interests/scls?limit=1000", "scls")
    coffee = next(s for s in scls if s["id"] == "SLC_104")
    assert coffee == {
        "id": "SLC_104",
        "name": "Coffee Lovers",
        "path": "/Foodies/Coffee Lovers",
        "parent_id": "SLC_28",
        "source": "SNAPCHAT",
    }
    assert sum(1 for s in scls if "parentId" in s) == 1  # the camelCase variant (§7 item 2)
    assert sum(1 for s in scls if s.get("parent_id", s.get("parentId")) == "SLC_0") == 42


def test_every_seeded_interest_is_in_the_catalogue_under_its_label() -> None:
    names = {item["id"]: item["name"] for item in catalogue.items("scls")}
    for label, category in AUDIENCES:
        if category is not None:
            assert names[category] == label


async def test_postal_codes_page_over_two_pages_at_limit_1000(http: httpx.AsyncClient) -> None:
    found = await pages(http, "/v1/targeting/geo/us/postal_code?limit=1000", "postal_code")
    assert len(found) >= 2 and [len(p) for p in found[:-1]] == [1000] * (len(found) - 1)
    codes = [item["postalCode"] for page in found for item in page]
    assert len(codes) == len(set(codes)) and codes == sorted(codes)
    assert {"94105", "30090"} <= set(codes)
    first = found[0][0]
    assert set(first) >= {"postalCode", "country", "region", "metro", "city"}
    (whole,) = await pages(http, "/v1/targeting/geo/us/postal_code?limit=10000", "postal_code")
    assert [i["postalCode"] for i in whole] == codes


async def test_last_page_has_empty_paging(http: httpx.AsyncClient) -> None:
    body = (await http.get("/v1/targeting/demographics/gender")).json()
    assert body["paging"] == {}
    first = (await http.get("/v1/targeting/geo/us/region?limit=50")).json()
    assert "cursor=" in first["paging"]["next_link"]
    assert len(first["targeting_dimensions"]) == 50


@pytest.mark.parametrize(
    ("path", "limit"),
    [
        ("/v1/targeting/geo/us/region", 49),
        ("/v1/targeting/geo/us/region", 1001),
        ("/v1/targeting/interests/scls", 5000),
        ("/v1/targeting/geo/us/postal_code", 10001),
        ("/v1/targeting/geo/us/postal_code", 10),
    ],
)
async def test_limits_out_of_range_get_the_entity_lists_400(
    http: httpx.AsyncClient, live: SandboxServer, path: str, limit: int
) -> None:
    account = first_account(live.state)
    entity = await http.get(f"/v1/adaccounts/{account}/campaigns?limit=1001")
    response = await http.get(f"{path}?limit={limit}")
    assert response.status_code == entity.status_code == 400
    body, reference = response.json(), entity.json()
    assert body["request_status"] == "ERROR" and body["error_code"] == reference["error_code"]
    assert body["debug_message"].startswith("Invalid query parameters in request URL: limit")


async def test_postal_codes_accept_limit_up_to_10000(http: httpx.AsyncClient) -> None:
    response = await http.get("/v1/targeting/geo/us/postal_code?limit=10000")
    assert response.status_code == 200


@pytest.mark.parametrize("dimension", ["region", "metro", "postal_code"])
async def test_unknown_country_is_an_error_envelope(
    http: httpx.AsyncClient, dimension: str
) -> None:
    response = await http.get(f"/v1/targeting/geo/xx/{dimension}")
    assert response.status_code == 400
    body = response.json()
    assert body["request_status"] == "ERROR" and body["error_code"] == "E2004"
    assert "'xx'" in body["debug_message"]


async def test_uk_and_upper_case_name_the_same_country(http: httpx.AsyncClient) -> None:
    gb = (await http.get("/v1/targeting/geo/gb/region?limit=1000")).json()
    uk = (await http.get("/v1/targeting/geo/uk/region?limit=1000")).json()
    upper = (await http.get("/v1/targeting/geo/GB/region?limit=1000")).json()
    assert gb["targeting_dimensions"] == uk["targeting_dimensions"] == upper["targeting_dimensions"]


async def test_country_code_query_on_interest_and_demographic_lists(
    http: httpx.AsyncClient,
) -> None:
    for path in ("/v1/targeting/interests/scls", "/v1/targeting/demographics/languages"):
        assert (await http.get(f"{path}?country_code=de")).status_code == 200
        bad = await http.get(f"{path}?country_code=zz")
        assert bad.status_code == 400 and bad.json()["request_status"] == "ERROR"


async def test_os_version_needs_a_known_os(http: httpx.AsyncClient) -> None:
    assert (await http.get("/v1/targeting/device/BLACKBERRY/os_version")).status_code == 400


async def test_a_known_country_without_regions_lists_none(http: httpx.AsyncClient) -> None:
    body = (await http.get("/v1/targeting/geo/jp/region")).json()
    assert body["request_status"] == "SUCCESS" and body["targeting_dimensions"] == []


# --------------------------------------------------------------------------- validation


def _segment(state: SandboxState, account_id: str, *, ready: bool) -> str:
    for segment in state.iter_objects("segment"):
        if segment["ad_account_id"] == account_id and (
            (segment["targetable_status"] == "READY") == ready
        ):
            return str(segment["id"])
    raise AssertionError("no such segment")


def _other_account_segment(state: SandboxState, account_id: str) -> str:
    for segment in state.iter_objects("segment"):
        if segment["ad_account_id"] != account_id and segment["targetable_status"] == "READY":
            return str(segment["id"])
    raise AssertionError("no segment elsewhere")


US = {"country_code": "us"}

# (name, targeting, the field the error names); segment ids are filled in per test.
REFUSALS: list[tuple[str, dict[str, Any], str]] = [
    ("no geos", {"geos": []}, "targeting.geos"),
    ("unknown country", {"geos": [{"country_code": "zz"}]}, "country_code"),
    ("region of another country", {"geos": [{**US, "region_id": ["21001"]}]}, "region_id"),
    ("unknown region", {"geos": [{**US, "region_id": ["999"]}]}, "region_id"),
    ("metro of another country", {"geos": [{"country_code": "gb", "metro_id": ["501"]}]}, "metro_id"),
    ("postal code of another country", {"geos": [{**US, "postal_code": ["SW1"]}]}, "postal_code"),
    ("uk postcode in canada", {"geos": [{"country_code": "ca", "postal_code": ["94105"]}]}, "postal_code"),
    ("unknown interest", {"geos": [US], "interests": [{"category_id": ["SLC_9999"]}]}, "category_id"),
    ("min above max", {"geos": [US], "demographics": [{"min_age": "35", "max_age": "21"}]}, "min_age"),
    ("age out of range", {"geos": [US], "demographics": [{"min_age": 150}]}, "min_age"),
    ("unknown age group", {"geos": [US], "demographics": [{"age_groups": ["30-40"]}]}, "age_groups"),
    ("gender", {"geos": [US], "demographics": [{"gender": "WOMEN"}]}, "gender"),
    (
        "exclude demographics",
        {"geos": [US], "demographics": [{"min_age": 18, "operation": "EXCLUDE"}]},
        "targeting.demographics",
    ),
    (
        "exclude devices",
        {"geos": [US], "devices": [{"os_type": "iOS", "operation": "EXCLUDE"}]},
        "targeting.devices",
    ),
    ("os type", {"geos": [US], "devices": [{"os_type": "WINDOWS"}]}, "os_type"),
    ("connection type", {"geos": [US], "devices": [{"connection_type": "5G"}]}, "connection_type"),
    (
        "os versions reversed",
        {"geos": [US], "devices": [{"os_type": "iOS", "os_version_min": "17.0", "os_version_max": "15.0"}]},
        "os_version_min",
    ),
    (
        "two countries, two languages",
        {"geos": [US, {"country_code": "ca"}], "demographics": [{"languages": ["en", "fr"]}]},
        "languages",
    ),
    ("unknown segment", {"geos": [US], "segments": [{"segment_id": ["1234567890123456"]}]}, "segment_id"),
    ("segment not ready", {"geos": [US], "segments": [{"segment_id": ["<not-ready>"]}]}, "segment_id"),
    ("segment of another account", {"geos": [US], "segments": [{"segment_id": ["<elsewhere>"]}]}, "segment_id"),
]  # fmt: skip


def _fill(targeting: dict[str, Any], state: SandboxState, account_id: str) -> dict[str, Any]:
    text = json.dumps(targeting)
    text = text.replace("<not-ready>", _segment(state, account_id, ready=False))
    text = text.replace("<elsewhere>", _other_account_segment(state, account_id))
    result: dict[str, Any] = json.loads(text)
    return result


@pytest.mark.parametrize(("name", "targeting", "field"), REFUSALS, ids=[r[0] for r in REFUSALS])
async def test_ad_squad_create_refuses_invalid_targeting(
    http: httpx.AsyncClient, live: SandboxServer, name: str, targeting: dict[str, Any], field: str
) -> None:
    account = first_account(live.state, currency="USD")
    campaign = first_of(live.state, "campaign", ad_account_id=account)
    body = squad_body(campaign["id"], _fill(targeting, live.state, account))
    response = await http.post(f"/v1/campaigns/{campaign['id']}/adsquads", json=body)
    assert response.status_code == 400, response.text
    payload = response.json()
    assert payload["request_status"] == "ERROR"
    (item,) = payload["adsquads"]
    assert item["sub_request_status"] == "ERROR"
    assert field in item["sub_request_error_reason"], item
    # The estimate endpoints refuse it with the same per-item error.
    estimate = await http.post(
        f"/v1/adaccounts/{account}/audience_size_v2", json=body["adsquads"][0]
    )
    assert estimate.status_code == 400
    assert estimate.json()["adsquads"] == payload["adsquads"]


ACCEPTED: list[tuple[str, dict[str, Any]]] = [
    ("regions arizona texas", {"geos": [{**US, "region_id": ["3", "44"], "operation": "EXCLUDE"}, US]}),
    ("metros", {"geos": [{**US, "metro_id": ["501", "803"]}]}),
    ("a real zip not in the list", {"geos": [{**US, "postal_code": ["59801"]}]}),
    ("uk", {"geos": [{"country_code": "uk"}]}),
    ("upper case", {"geos": [{"country_code": "GB", "postal_code": ["SW1", "M1"]}]}),
    ("age groups", {"geos": [US], "demographics": [{"age_groups": ["18-20", "21-24"]}]}),
    ("ages 12 to 60", {"geos": [US], "demographics": [{"min_age": 12, "max_age": "60"}]}),
    ("55+", {"geos": [US], "demographics": [{"min_age": "35", "max_age": "55+"}]}),
    ("interests of every source", {"geos": [US], "interests": [{"category_id": ["SLC_104", "DLXS_2", "NLN_5"]}]}),
    ("devices", {"geos": [US], "devices": [{"os_type": "ANDROID", "os_version_min": "12.0", "connection_type": "WIFI", "carrier_id": ["3100"]}]}),
    ("ready segment", {"geos": [US], "segments": [{"segment_id": ["<ready>"], "operation": "EXCLUDE"}]}),
]  # fmt: skip


@pytest.mark.parametrize(("name", "targeting"), ACCEPTED, ids=[a[0] for a in ACCEPTED])
async def test_ad_squad_create_accepts_valid_targeting(
    http: httpx.AsyncClient, live: SandboxServer, name: str, targeting: dict[str, Any]
) -> None:
    account = first_account(live.state, currency="USD")
    campaign = first_of(live.state, "campaign", ad_account_id=account)
    text = json.dumps(targeting).replace("<ready>", _segment(live.state, account, ready=True))
    body = squad_body(campaign["id"], json.loads(text))
    response = await http.post(f"/v1/campaigns/{campaign['id']}/adsquads", json=body)
    assert response.status_code == 200, response.text


def _seeded_states() -> list[SandboxState]:
    states = []
    for seed, scale in ((42, "demo"), (7, "demo"), (42, "large")):
        state = SandboxState(rate_limit=None, segment_processing_seconds=0.0)
        seed_state(state, seed=seed, scale=scale)
        states.append(state)
    return states


def test_every_seeded_squad_passes_the_targeting_checks_unchanged() -> None:
    """Real-world-shaped squads are never refused: every seeded squad of every account (demo
    and large seeds) and every recorded real targeting passes as it is."""
    checked = 0
    for state in _seeded_states():
        for squad in state.iter_objects("ad_squad"):
            account_id = state.collections["ad_squad"].account_of[squad["id"]]
            entities._check_targeting(squad["targeting"], segments=state.segment_lookup(account_id))
            checked += 1
    assert checked > 1000


def test_recorded_real_targeting_passes_the_checks() -> None:
    if not RECORDED.exists():
        pytest.skip("shared recordings are not available")
    found = 0

    def walk(value: Any) -> None:
        nonlocal found
        if isinstance(value, dict):
            targeting = value.get("targeting")
            if isinstance(targeting, dict) and "geos" in targeting:
                entities._check_targeting(targeting)
                found += 1
            for inner in value.values():
                walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    for path in RECORDED.glob("*.json"):
        walk(json.loads(path.read_text()))
    assert found > 10


async def test_seeded_squads_round_trip_over_http(
    http: httpx.AsyncClient, live: SandboxServer
) -> None:
    """A PUT of each seeded squad's own targeting is accepted (one squad per account)."""
    seen: set[str] = set()
    for squad in list(live.state.iter_objects("ad_squad")):
        account_id = live.state.collections["ad_squad"].account_of[squad["id"]]
        if account_id in seen:
            continue
        seen.add(account_id)
        response = await http.put(
            f"/v1/campaigns/{squad['campaign_id']}/adsquads", json={"adsquads": [squad]}
        )
        assert response.status_code == 200, response.text
        assert (
            response.json()["adsquads"][0]["adsquad"]["targeting"]["geos"]
            == (squad["targeting"]["geos"])
        )
    assert len(seen) >= 5


# --------------------------------------------------------------------------- audience size


async def _size(
    http: httpx.AsyncClient, account: str, targeting: dict[str, Any]
) -> tuple[int, int]:
    response = await http.post(
        f"/v1/adaccounts/{account}/audience_size_v2",
        json={"name": "estimate", "placement_v2": {"config": "AUTOMATIC"}, "targeting": targeting},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["request_status"] == "SUCCESS"
    size = body["audience_size"]
    low, high = size["audience_size_minimum"], size["audience_size_maximum"]
    assert isinstance(low, int) and isinstance(high, int)
    assert 0 < low < high and low % 25_000 == 0 and high % 25_000 == 0
    return low, high


async def test_audience_size_shrinks_as_targeting_narrows(
    http: httpx.AsyncClient, live: SandboxServer
) -> None:
    account = first_account(live.state, currency="USD")
    country = {"geos": [US]}
    aged = {**country, "demographics": [{"min_age": "25", "max_age": "34"}]}
    interested = {**aged, "interests": [{"category_id": ["SLC_104"], "operation": "INCLUDE"}]}
    zipped = {**interested, "geos": [{**US, "postal_code": ["94105"]}]}
    sizes = [await _size(http, account, t) for t in (country, aged, interested, zipped)]
    for wider, narrower in itertools.pairwise(sizes):
        assert narrower[1] < wider[1] and narrower[0] <= wider[0]
    assert sizes[-1][0] == 25_000  # the floor
    # deterministic
    assert await _size(http, account, interested) == sizes[2]


async def test_audience_size_narrowing_in_other_dimensions(
    http: httpx.AsyncClient, live: SandboxServer
) -> None:
    account = first_account(live.state, currency="USD")
    base = await _size(http, account, {"geos": [US]})
    for narrower in (
        {"geos": [{**US, "region_id": ["44"]}]},
        {"geos": [{**US, "metro_id": ["501"]}]},
        {"geos": [US], "demographics": [{"gender": "FEMALE"}]},
        {"geos": [US], "demographics": [{"languages": ["es"]}]},
        {"geos": [US], "devices": [{"os_type": "iOS"}]},
        {"geos": [US, {**US, "region_id": ["5"], "operation": "EXCLUDE"}]},
    ):
        assert (await _size(http, account, narrower))[1] < base[1], narrower
    two = await _size(
        http,
        account,
        {"geos": [US, {"country_code": "ca"}], "demographics": [{"languages": ["en"]}]},
    )
    one = await _size(http, account, {"geos": [US], "demographics": [{"languages": ["en"]}]})
    assert two[1] > one[1]


async def test_audience_size_of_segments(http: httpx.AsyncClient, live: SandboxServer) -> None:
    account = first_account(live.state, currency="USD")
    ready = _segment(live.state, account, ready=True)
    users = live.state.get("segment", ready)["approximate_number_users"]
    low, _high = await _size(http, account, {"geos": [US], "segments": [{"segment_id": [ready]}]})
    assert low <= max(25_000, users * 1.1)
    everyone = await _size(http, account, {"geos": [US]})
    excluded = await _size(
        http, account, {"geos": [US], "segments": [{"segment_id": [ready], "operation": "EXCLUDE"}]}
    )
    assert excluded[1] <= everyone[1]


async def test_audience_size_by_squad_and_the_deprecated_path(
    http: httpx.AsyncClient, live: SandboxServer
) -> None:
    squad = first_of(live.state, "ad_squad")
    v2 = (await http.get(f"/v1/adsquads/{squad['id']}/audience_size_v2")).json()
    v1 = (await http.get(f"/v1/adsquads/{squad['id']}/audience_size")).json()
    assert v2["audience_size"]["ad_squad_id"] == squad["id"]
    assert v1["audience_size"] == v2["audience_size"]
    account = live.state.collections["ad_squad"].account_of[squad["id"]]
    by_spec = await http.post(f"/v1/adaccounts/{account}/audience_size", json=squad)
    size = by_spec.json()["audience_size"]
    assert size["audience_size_minimum"] == v2["audience_size"]["audience_size_minimum"]
    missing = await http.get("/v1/adsquads/00000000-0000-4000-8000-000000000000/audience_size_v2")
    assert missing.status_code == 404


async def test_audience_size_needs_targeting(http: httpx.AsyncClient, live: SandboxServer) -> None:
    account = first_account(live.state)
    response = await http.post(f"/v1/adaccounts/{account}/audience_size_v2", json={"name": "x"})
    assert response.status_code == 400
    assert "targeting" in response.json()["adsquads"][0]["sub_request_error_reason"]


# --------------------------------------------------------------------------- bid estimate


async def _bid(
    http: httpx.AsyncClient, account: str, goal: str, targeting: dict[str, Any]
) -> tuple[int, int]:
    response = await http.post(
        f"/v1/adaccounts/{account}/bid_estimate",
        json={"optimization_goal": goal, "targeting": targeting},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["request_status"] == "success"  # lowercase, as the docs' example
    estimate = body["bid_estimate"]
    assert estimate["optimization_goal"] == goal
    low, high = estimate["bid_estimate_minimum"], estimate["bid_estimate_maximum"]
    assert isinstance(low, int) and isinstance(high, int) and 0 < low <= high
    return low, high


async def test_bid_estimate_by_spec(http: httpx.AsyncClient, live: SandboxServer) -> None:
    account = first_account(live.state, currency="USD")
    wide = {"geos": [US]}
    narrow = {"geos": [{**US, "metro_id": ["744"]}], "interests": [{"category_id": ["SLC_104"]}]}
    swipes = await _bid(http, account, "SWIPES", wide)
    purchase = await _bid(http, account, "PIXEL_PURCHASE", wide)
    assert purchase[0] > swipes[0]  # conversion goals cost more
    assert (await _bid(http, account, "SWIPES", narrow))[0] > swipes[0]  # narrower costs more
    cpm = await _bid(http, account, "IMPRESSIONS", wide)
    assert 1_000_000 <= cpm[0] <= 10_000_000  # a few dollars per thousand


async def test_bid_estimate_is_in_the_account_currency(
    http: httpx.AsyncClient, live: SandboxServer
) -> None:
    usd = first_account(live.state, currency="USD")
    jpy = next(
        (a["id"] for a in live.state.iter_objects("ad_account") if a["currency"] == "JPY"), None
    )
    if jpy is None:
        pytest.skip("no JPY account in the demo seed")
    targeting = {"geos": [{"country_code": "jp"}]}
    assert (await _bid(http, jpy, "SWIPES", targeting))[0] == 150 * (
        await _bid(http, usd, "SWIPES", targeting)
    )[0]


async def test_bid_estimate_by_squad(http: httpx.AsyncClient, live: SandboxServer) -> None:
    squad = first_of(live.state, "ad_squad")
    body = (await http.get(f"/v1/adsquads/{squad['id']}/bid_estimate")).json()
    assert body["request_status"].upper() == "SUCCESS"
    estimate = body["bid_estimate"]
    assert estimate["ad_squad_id"] == squad["id"]
    assert estimate["optimization_goal"] == squad["optimization_goal"]
    assert 0 < estimate["bid_estimate_minimum"] <= estimate["bid_estimate_maximum"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"targeting": {"geos": [US]}}, "optimization_goal"),
        ({"optimization_goal": "SWIPES"}, "targeting"),
        ({"optimization_goal": "FAME", "targeting": {"geos": [US]}}, "optimization_goal"),
    ],
)
async def test_bid_estimate_needs_goal_and_targeting(
    http: httpx.AsyncClient, live: SandboxServer, body: dict[str, Any], field: str
) -> None:
    account = first_account(live.state)
    response = await http.post(f"/v1/adaccounts/{account}/bid_estimate", json=body)
    assert response.status_code == 400
    payload = response.json()
    assert payload["request_status"] == "ERROR" and field in payload["debug_message"]


async def test_the_client_parses_the_lowercase_success(snap: SnapApi, live: SandboxServer) -> None:
    account = first_account(live.state, currency="USD")
    estimate = await snap.targeting.bid_estimate(account, "SWIPES", {"geos": [US]})
    assert estimate["optimization_goal"] == "SWIPES"
    squad = first_of(live.state, "ad_squad")
    by_squad = await snap.targeting.bid_estimate_of_squad(squad["id"])
    assert by_squad["ad_squad_id"] == squad["id"]
    size = await snap.targeting.audience_size_of_squad(squad["id"])
    assert size["ad_squad_id"] == squad["id"]


async def test_the_client_raises_the_per_item_error(snap: SnapApi, live: SandboxServer) -> None:
    from snapdesk.api import ApiError

    account = first_account(live.state, currency="USD")
    with pytest.raises(ApiError) as caught:
        await snap.targeting.audience_size(
            account, {"targeting": {"geos": [{"country_code": "zz"}]}}
        )
    assert "country_code" in str(caught.value)


async def test_insights_and_outcome_estimates_say_unsupported(
    http: httpx.AsyncClient, live: SandboxServer
) -> None:
    account = first_account(live.state)
    for path in ("targeting_insights", "ad_squad_outcome_estimates_v2"):
        response = await http.post(f"/v1/adaccounts/{account}/{path}", json={})
        assert response.status_code == 400
        body = response.json()
        assert body["request_status"] == "ERROR" and "not supported" in body["debug_message"]


# --------------------------------------------------------------------------- lookalikes


def _lookalike(account: str, spec: dict[str, Any] | None) -> dict[str, Any]:
    segment: dict[str, Any] = {
        "name": "Lookalike — Purchasers",
        "ad_account_id": account,
        "description": "1% lookalike",
        "retention_in_days": 180,
        "source_type": "LOOKALIKE",
    }
    if spec is not None:
        segment["creation_spec"] = spec
    return {"segments": [segment]}


async def test_a_lookalike_starts_not_ready_and_becomes_targetable(
    http: httpx.AsyncClient, live: SandboxServer
) -> None:
    account = first_account(live.state, currency="USD")
    seed = _segment(live.state, account, ready=True)
    spec = {"seed_segment_id": seed, "country": "US", "type": "BALANCE"}
    response = await http.post(f"/v1/adaccounts/{account}/segments", json=_lookalike(account, spec))
    assert response.status_code == 200, response.text
    created = response.json()["segments"][0]["segment"]
    assert created["creation_spec"] == spec
    assert created["approximate_number_users"] == 0
    assert created["targetable_status"] == "NOT_READY"
    campaign = first_of(live.state, "campaign", ad_account_id=account)
    targeting = {"geos": [US], "segments": [{"segment_id": [created["id"]]}]}
    refused = await http.post(
        f"/v1/campaigns/{campaign['id']}/adsquads", json=squad_body(campaign["id"], targeting)
    )
    assert refused.status_code == 400
    assert "not targetable" in refused.json()["adsquads"][0]["sub_request_error_reason"]
    hook = await http.post(f"/__sandbox__/segments/{created['id']}/ready", json={})
    assert hook.status_code == 200
    assert hook.json()["segment"]["approximate_number_users"] == 11_487_000
    accepted = await http.post(
        f"/v1/campaigns/{campaign['id']}/adsquads", json=squad_body(campaign["id"], targeting)
    )
    assert accepted.status_code == 200, accepted.text
    low, _high = await _size(http, account, targeting)
    assert low <= 11_487_000


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        (None, "creation_spec"),
        ({"country": "US", "type": "BALANCE"}, "seed_segment_id"),
        ({"seed_segment_id": "1234567890123456", "country": "US"}, "seed_segment_id"),
        ({"seed_segment_id": "<seed>", "country": "ZZ"}, "creation_spec.country"),
        ({"seed_segment_id": "<seed>", "country": "US", "type": "WIDE"}, "creation_spec.type"),
    ],
)
async def test_lookalike_creation_spec_is_checked(
    http: httpx.AsyncClient, live: SandboxServer, spec: dict[str, Any] | None, field: str
) -> None:
    account = first_account(live.state, currency="USD")
    if spec is not None and spec.get("seed_segment_id") == "<seed>":
        spec = {**spec, "seed_segment_id": _segment(live.state, account, ready=True)}
    response = await http.post(f"/v1/adaccounts/{account}/segments", json=_lookalike(account, spec))
    assert response.status_code == 400, response.text
    assert field in response.json()["segments"][0]["sub_request_error_reason"]
