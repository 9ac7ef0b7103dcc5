"""TargetingCatalog against the sandbox over loopback: caching, expiry, offline, search, tree."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from snapdesk.api import RetryPolicy, SnapApi, SnapError, StaticTokenProvider
from snapdesk.sandbox import SandboxServer
from snapdesk.store import Store
from snapdesk.targeting import (
    DIMENSIONS,
    INTEREST_DIMENSIONS,
    TargetingCatalog,
    TargetingOption,
    option_from_item,
)
from tests.targeting.conftest import Clock, control, requests_to


@pytest.fixture
def catalog(store: Store, clock: Clock) -> TargetingCatalog:
    return TargetingCatalog(store, ttl=timedelta(days=7), clock=clock)


def test_dimensions_cover_every_family_and_catalogue() -> None:
    assert {d.family for d in DIMENSIONS.values()} == {
        "Locations",
        "Demographics",
        "Interests",
        "Devices",
    }
    for key in ("country", "region", "metro", "postal_code", "scls", "os_version", "carrier"):
        assert DIMENSIONS[key].key == key
    assert DIMENSIONS["region"].path == "/targeting/geo/{country}/region"
    assert DIMENSIONS["region"].country_scoped and not DIMENSIONS["scls"].country_scoped
    assert DIMENSIONS["scls"].interest_group == "Lifestyles"
    assert all(DIMENSIONS[k].family == "Interests" for k in INTEREST_DIMENSIONS)


async def test_load_caches_and_a_fresh_cache_makes_no_request(
    catalog: TargetingCatalog, api: SnapApi, live: SandboxServer
) -> None:
    assert catalog.cached("country") is None
    loaded = await catalog.load(api, "country")
    assert not loaded.stale and len(loaded.options) >= 60
    assert len(requests_to(live, "/v1/targeting/geo/country")) == 1
    again = await catalog.load(api, "country")
    assert again.options == loaded.options
    assert len(requests_to(live, "/v1/targeting/geo/country")) == 1  # no new request
    cached = catalog.cached("country")
    assert cached is not None and cached.options == loaded.options
    gb = catalog.option("country", "gb")
    assert gb is not None and gb.name == "United Kingdom" and gb.country == "gb"


async def test_cached_is_readable_from_another_thread(
    catalog: TargetingCatalog, api: SnapApi
) -> None:
    await catalog.load(api, "gender")
    seen: list[int] = []
    thread = threading.Thread(
        target=lambda: seen.append(len((catalog.cached("gender") or pytest.fail()).options))
    )
    thread.start()
    thread.join()
    assert seen == [3]


async def test_expiry_refetches_and_force_refetches(
    catalog: TargetingCatalog, api: SnapApi, live: SandboxServer, clock: Clock
) -> None:
    first = await catalog.load(api, "age_group")
    clock.advance(days=6)
    assert not (catalog.cached("age_group") or pytest.fail()).stale
    await catalog.load(api, "age_group")
    assert len(requests_to(live, "/v1/targeting/demographics/age_group")) == 1
    clock.advance(days=2)
    assert (catalog.cached("age_group") or pytest.fail()).stale
    second = await catalog.load(api, "age_group")
    assert not second.stale and second.fetched_at > first.fetched_at
    assert len(requests_to(live, "/v1/targeting/demographics/age_group")) == 2
    await catalog.load(api, "age_group", force=True)
    assert len(requests_to(live, "/v1/targeting/demographics/age_group")) == 3


async def test_postal_codes_are_paged_with_limit_10000_and_replaced_atomically(
    catalog: TargetingCatalog, api: SnapApi, live: SandboxServer
) -> None:
    loaded = await catalog.load(api, "postal_code", "us")
    calls = requests_to(live, "/v1/targeting/geo/us/postal_code")
    assert [c["query"].get("limit") for c in calls] == ["10000"]
    assert len(loaded.options) > 1000 and loaded.country == "us"
    assert loaded.options[0].dimension == "postal_code" and loaded.options[0].id.isdigit()
    regions = await catalog.load(api, "region", "us")
    assert len(regions.options) == 51
    reloaded = await catalog.load(api, "postal_code", "us", force=True)
    assert reloaded.options == loaded.options  # replaced, not appended


async def test_a_list_of_more_than_one_page_is_followed(
    store: Store, api: SnapApi, live: SandboxServer, clock: Clock
) -> None:
    catalog = TargetingCatalog(store, clock=clock)
    items = [item async for item in api.targeting.options("postal_code", "us", limit=1000)]
    assert len(requests_to(live, "/v1/targeting/geo/us/postal_code")) >= 2
    loaded = await catalog.load(api, "postal_code", "us")
    assert [o.id for o in loaded.options] == [i["postalCode"] for i in items]


async def test_offline_returns_the_stale_cache(
    catalog: TargetingCatalog, api: SnapApi, live: SandboxServer, clock: Clock
) -> None:
    loaded = await catalog.load(api, "region", "us")
    clock.advance(days=30)
    control(live, "POST", "faults", {"path": "/v1/targeting/*", "status": 503})
    stale = await catalog.load(api, "region", "us")
    assert stale.stale and stale.options == loaded.options
    assert stale.fetched_at == loaded.fetched_at
    with pytest.raises(SnapError):  # nothing cached: the error comes through
        await catalog.load(api, "metro", "us")


async def test_sandbox_stopped_returns_the_stale_cache(
    catalog: TargetingCatalog, api: SnapApi, clock: Clock
) -> None:
    loaded = await catalog.load(api, "languages")
    clock.advance(days=8)
    async with SnapApi(
        token_provider=StaticTokenProvider("x"),
        base_url="http://127.0.0.1:9/v1",  # nothing listens on the discard port
        rate_limit=None,
        retry=RetryPolicy(max_attempts=1),
    ) as offline:
        stale = await catalog.load(offline, "languages")
        assert stale.stale and stale.options == loaded.options
        with pytest.raises(SnapError):
            await catalog.load(offline, "carrier")


async def test_unknown_country_raises(catalog: TargetingCatalog, api: SnapApi) -> None:
    with pytest.raises(SnapError) as caught:
        await catalog.load(api, "region", "xx")
    assert "xx" in str(caught.value)
    with pytest.raises(ValueError):
        catalog.cached("region")  # a country-scoped list needs a country


@pytest.fixture
async def filled(catalog: TargetingCatalog, api: SnapApi) -> TargetingCatalog:
    await catalog.load(api, "country")
    for cc in ("us", "gb", "de", "pl"):
        await catalog.load(api, "region", cc)
    await catalog.load(api, "postal_code", "us")
    await catalog.load(api, "scls")
    await catalog.load(api, "languages")
    return catalog


def _ids(found: list[TargetingOption]) -> list[str]:
    return [o.id for o in found]


async def test_search_finds_countries_by_name_and_code(filled: TargetingCatalog) -> None:
    assert _ids(filled.search("United Kingdom", dimensions=["country"]))[0] == "gb"
    assert _ids(filled.search("united k", dimensions=["country"]))[0] == "gb"
    assert _ids(filled.search("uk", dimensions=["country"]))[0] == "gb"
    assert _ids(filled.search("GB", dimensions=["country"]))[0] == "gb"
    assert _ids(filled.search("de", dimensions=["country"]))[0] == "de"
    # prefix matches rank before substring matches
    found = filled.search("ind", dimensions=["country"])
    assert _ids(found)[:2] == ["in", "id"]  # India, Indonesia before e.g. "…ind…"
    assert filled.search("zzz", dimensions=["country"]) == []


async def test_search_regions_is_accent_insensitive(filled: TargetingCatalog) -> None:
    texas = filled.search("tex", dimensions=["region"], countries=["us"])
    assert texas[0].name == "Texas" and texas[0].id == "44" and texas[0].country == "us"
    assert filled.search("thuringen", dimensions=["region"])[0].name == "Thüringen"
    assert filled.search("SLASKIE", dimensions=["region"])[0].name == "Śląskie"
    everywhere = filled.search("new", dimensions=["region"])
    assert {o.country for o in everywhere} == {"us"}
    assert filled.search("tex", dimensions=["region"], countries=["gb"]) == []


async def test_search_postal_codes_by_prefix(filled: TargetingCatalog) -> None:
    found = filled.search("941", dimensions=["postal_code"], countries=["us"], limit=500)
    assert found and all(o.id.startswith("941") for o in found)
    assert "94105" in _ids(found)
    assert len(filled.search("941", dimensions=["postal_code"], limit=10)) == 10


async def test_search_over_several_dimensions_and_interest_paths(
    filled: TargetingCatalog,
) -> None:
    found = filled.search("coffee", dimensions=["scls", "country"])
    assert found[0].id == "SLC_104" and found[0].path == "/Foodies/Coffee Lovers"
    assert _ids(filled.search("foodies", dimensions=["scls"]))[0] == "SLC_28"
    assert _ids(filled.search("english", dimensions=["languages"])) == ["en"]


async def test_option_gives_names_for_ids(filled: TargetingCatalog) -> None:
    assert (filled.option("region", "3", "us") or pytest.fail()).name == "Arizona"
    assert (filled.option("scls", "SLC_229") or pytest.fail()).name == "Skincare Enthusiasts"
    assert (filled.option("country", "uk") or pytest.fail()).id == "gb"
    assert filled.option("scls", "SLC_9999") is None
    assert filled.option("metro", "501", "us") is None  # not loaded


async def test_children_browse_the_interest_tree(filled: TargetingCatalog) -> None:
    top = filled.children("scls", None)
    assert len(top) == 42 and all(o.parent_id == "SLC_0" for o in top)
    assert filled.children("scls", "SLC_0") == top
    foodies = filled.children("scls", "SLC_28")
    assert {"Coffee Lovers", "Pizza Lovers", "Fast Food Junkies"} <= {o.name for o in foodies}
    pizza = next(o for o in foodies if o.name == "Pizza Lovers")
    assert pizza.parent_id == "SLC_28" and "parentId" in pizza.extra  # camelCase accepted
    assert filled.children("scls", "SLC_104") == []


def test_option_from_raw_items() -> None:
    camel = option_from_item("scls", {"id": "SLC_7", "name": "X", "parentId": "SLC_0"})
    assert camel is not None and camel.parent_id == "SLC_0"
    country = option_from_item(
        "country", {"country": {"id": "1", "name": "Narnia", "code": "NAR", "code2": "NA"}}
    )
    assert country is not None and country.id == "na"
    postal = option_from_item("postal_code", {"postal_code": "94105"}, "us")
    assert postal is not None and postal.id == "94105" and postal.country == "us"
    assert option_from_item("region", {"region": {"name": "no id"}}) is None
    metro = option_from_item(
        "metro", {"metro": {"id": "501", "name": "New York", "regions": "ny,nj"}}, "us"
    )
    assert metro is not None and metro.extra["metro"]["regions"] == "ny,nj"
    assert len({metro, metro, camel}) == 2  # hashable despite the raw item


async def test_os_versions_carry_their_os(catalog: TargetingCatalog, api: SnapApi) -> None:
    loaded = await catalog.load(api, "os_version")
    kinds = {o.extra["os_type"] for o in loaded.options}
    assert kinds == {"iOS", "ANDROID"}
    assert any(o.id == "17.4" and o.extra["os_type"] == "iOS" for o in loaded.options)


async def test_interest_lists_per_country(
    catalog: TargetingCatalog, api: SnapApi, live: SandboxServer
) -> None:
    de = await catalog.load(api, "scls", "de")
    (call,) = requests_to(live, "/v1/targeting/interests/scls")
    assert call["query"]["country_code"] == "de"
    assert de.country == "de" and catalog.cached("scls") is None
    assert catalog.search("coffee", dimensions=["scls"], countries=["de"])[0].id == "SLC_104"
