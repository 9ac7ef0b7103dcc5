"""Estimates against the sandbox over loopback: cached per targeting, TTL, offline."""

from __future__ import annotations

from datetime import timedelta

import pytest

from snapdesk.api import SnapApi, SnapError
from snapdesk.sandbox import SandboxServer
from snapdesk.store import Store
from snapdesk.targeting import BidEstimate, Estimates
from tests.targeting.conftest import Clock, control, requests_to

US = {"geos": [{"country_code": "us"}]}


def usd_account(server: SandboxServer) -> str:
    return next(
        str(a["id"]) for a in server.state.iter_objects("ad_account") if a["currency"] == "USD"
    )


@pytest.fixture
def estimates(store: Store, clock: Clock) -> Estimates:
    return Estimates(store, ttl=timedelta(hours=24), clock=clock)


def squad(targeting: dict[str, object], **extra: object) -> dict[str, object]:
    return {"targeting": targeting, "placement_v2": {"config": "AUTOMATIC"}, **extra}


def test_key_is_deterministic_and_order_free() -> None:
    a = Estimates.key("acc", {"targeting": {"geos": [1], "demographics": []}, "k": 1})
    b = Estimates.key("acc", {"k": 1, "targeting": {"demographics": [], "geos": [1]}})
    assert a == b and len(a) == 64
    assert Estimates.key("other", {"k": 1}) != Estimates.key("acc", {"k": 1})


async def test_reach_is_cached_per_targeting(
    estimates: Estimates, api: SnapApi, live: SandboxServer
) -> None:
    account = usd_account(live)
    assert estimates.cached_reach(account, squad(US)) is None
    first = await estimates.reach(api, account, squad(US, optimization_goal="SWIPES"))
    assert 0 < first.minimum < first.maximum and first.minimum % 25_000 == 0
    # the same targeting (goal and budget don't feed the key): no new request
    again = await estimates.reach(api, account, squad(US, optimization_goal="PIXEL_PURCHASE"))
    assert again == first
    assert len(requests_to(live, f"/v1/adaccounts/{account}/audience_size_v2")) == 1
    assert estimates.cached_reach(account, squad(US)) == first
    # changed targeting: a new request, a smaller audience
    narrower = {**US, "demographics": [{"min_age": "25", "max_age": "34"}]}
    second = await estimates.reach(api, account, squad(narrower))
    assert second.maximum < first.maximum
    calls = requests_to(live, f"/v1/adaccounts/{account}/audience_size_v2")
    assert len(calls) == 2
    assert calls[1]["json"]["targeting"] == narrower  # the bare squad body [DOC]
    # a different placement is a different question
    await estimates.reach(api, account, {"targeting": US, "placement_v2": {"config": "CUSTOM"}})
    assert len(requests_to(live, f"/v1/adaccounts/{account}/audience_size_v2")) == 3


async def test_reach_ttl(
    estimates: Estimates, api: SnapApi, live: SandboxServer, clock: Clock
) -> None:
    account = usd_account(live)
    first = await estimates.reach(api, account, squad(US))
    clock.advance(hours=23)
    await estimates.reach(api, account, squad(US))
    assert len(requests_to(live, f"/v1/adaccounts/{account}/audience_size_v2")) == 1
    clock.advance(hours=2)
    assert (estimates.cached_reach(account, squad(US)) or pytest.fail()).stale
    refreshed = await estimates.reach(api, account, squad(US))
    assert not refreshed.stale and refreshed.fetched_at > first.fetched_at
    assert len(requests_to(live, f"/v1/adaccounts/{account}/audience_size_v2")) == 2


async def test_reach_offline_gives_the_stale_estimate(
    estimates: Estimates, api: SnapApi, live: SandboxServer, clock: Clock
) -> None:
    account = usd_account(live)
    first = await estimates.reach(api, account, squad(US))
    clock.advance(days=2)
    control(live, "POST", "faults", {"path": "/v1/adaccounts/*/audience_size_v2", "status": 503})
    stale = await estimates.reach(api, account, squad(US))
    assert stale.stale and (stale.minimum, stale.maximum) == (first.minimum, first.maximum)
    with pytest.raises(SnapError):
        await estimates.reach(api, account, squad({"geos": [{"country_code": "gb"}]}))


async def test_invalid_targeting_raises_the_sandbox_reason(
    estimates: Estimates, api: SnapApi, live: SandboxServer
) -> None:
    account = usd_account(live)
    bad = {"geos": [{"country_code": "us", "region_id": ["21001"]}]}
    with pytest.raises(SnapError) as caught:
        await estimates.reach(api, account, squad(bad))
    assert "region_id" in str(caught.value)
    assert estimates.cached_reach(account, squad(bad)) is None


async def test_bid_is_cached_per_goal_and_targeting(
    estimates: Estimates, api: SnapApi, live: SandboxServer, clock: Clock
) -> None:
    account = usd_account(live)
    path = f"/v1/adaccounts/{account}/bid_estimate"
    swipes = await estimates.bid(api, account, "SWIPES", US)
    assert swipes.goal == "SWIPES" and 0 < swipes.minimum_micro <= swipes.maximum_micro
    assert swipes.label == "Target cost"
    assert await estimates.bid(api, account, "SWIPES", US) == swipes
    assert len(requests_to(live, path)) == 1
    cpm = await estimates.bid(api, account, "IMPRESSIONS", US)
    assert cpm.label == "CPM"
    purchase = await estimates.bid(api, account, "PIXEL_PURCHASE", US)
    assert purchase.minimum_micro > swipes.minimum_micro
    assert len(requests_to(live, path)) == 3
    assert estimates.cached_bid(account, "SWIPES", US) == swipes
    assert estimates.cached_bid(account, "SWIPES", {"geos": [{"country_code": "gb"}]}) is None
    clock.advance(hours=25)
    assert (estimates.cached_bid(account, "SWIPES", US) or pytest.fail()).stale
    await estimates.bid(api, account, "SWIPES", US)
    assert len(requests_to(live, path)) == 4


def test_bid_labels() -> None:
    from datetime import UTC, datetime

    at = datetime(2026, 1, 1, tzinfo=UTC)
    assert BidEstimate("IMPRESSIONS", 1, 2, at).label == "CPM"
    assert BidEstimate("impressions", 1, 2, at).label == "CPM"
    assert BidEstimate("APP_INSTALLS", 1, 2, at).label == "Target cost"


async def test_estimates_survive_reopening_the_cache(
    tmp_path_factory: pytest.TempPathFactory, api: SnapApi, live: SandboxServer, clock: Clock
) -> None:
    path = tmp_path_factory.mktemp("c") / "cache.sqlite3"
    account = usd_account(live)
    with Store(path) as first_store:
        first = await Estimates(first_store, clock=clock).reach(api, account, squad(US))
    with Store(path) as second_store:
        assert Estimates(second_store, clock=clock).cached_reach(account, squad(US)) == first
