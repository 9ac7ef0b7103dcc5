"""StatsService against the sandbox: chunking, breakdowns, cache and re-fetch, FX, errors."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs

import pytest

from snapdesk.api import SnapApi, StatsQueryError
from snapdesk.core.settings import FxRate
from snapdesk.sandbox import SandboxState
from snapdesk.stats import FxTable, StatsError, StatsService, explain_stats_error
from snapdesk.stats.periods import account_zone
from tests.stats.conftest import NOW, account_of, children

YEAR_END = date(2026, 11, 22)
YEAR_START = YEAR_END - timedelta(days=364)


def stats_requests(state: SandboxState) -> list[dict[str, Any]]:
    return [r for r in state.recorded() if r["path"].endswith("/stats")]


def add_campaign(state: SandboxState, account_id: str, squads: int) -> tuple[str, list[str]]:
    start = "2025-06-01T00:00:00.000Z"
    (campaign,) = state.create(
        "campaign",
        account_id,
        [{"name": "Many squads", "status": "ACTIVE", "start_time": start,
          "ad_account_id": account_id}],
    )  # fmt: skip
    items = [
        {"name": f"Squad {i:03d}", "campaign_id": campaign["id"], "status": "ACTIVE",
         "billing_event": "IMPRESSION", "optimization_goal": "SWIPES",
         "placement_v2": {"config": "AUTOMATIC"}, "daily_budget_micro": 40_000_000,
         "targeting": {"geos": [{"country_code": "us"}]}, "start_time": start}
        for i in range(squads)
    ]  # fmt: skip
    created = state.create("ad_squad", campaign["id"], items)
    return campaign["id"], [s["id"] for s in created]


async def test_a_year_of_a_100_squad_campaign_is_one_breakdown_query_per_31_days(
    state: SandboxState, make_service: Callable[..., StatsService]
) -> None:
    la = account_of(state, "USD", timezone="America/Los_Angeles")
    campaign_id, squad_ids = add_campaign(state, la["id"], 100)
    service = make_service()
    state.requests.clear()
    report = await service.report(
        la["id"], kind="campaign", entity_id=campaign_id,
        first_day=YEAR_START, last_day=YEAR_END, breakdown="ad_squad",
    )  # fmt: skip
    calls = stats_requests(state)
    assert len(calls) == 12  # ≤ 12 per entity-level query
    assert len(state.recorded()) <= 15  # everything, account and names included
    assert {c["query"]["breakdown"] for c in calls} == {"adsquad"}
    assert all(c["path"] == f"/v1/campaigns/{campaign_id}/stats" for c in calls)
    assert sorted(s.entity_id for s in report.series) == sorted(squad_ids)
    assert all(len(s.rows) == 365 for s in report.series)
    assert {s.name for s in report.series} >= {"Squad 000", "Squad 099"}
    assert len(report.periods()) == 365
    # every window is aligned to local midnight, with the offset of its own date
    tz = account_zone(la["timezone"])
    for call in calls:
        for key in ("start_time", "end_time"):
            moment = datetime.fromisoformat(call["query"][key])
            local = moment.astimezone(tz)
            assert (local.hour, local.minute) == (0, 0)
            assert moment.utcoffset() == local.utcoffset()

    # a second look is served from the cache: only the still-open recent days are asked again
    state.requests.clear()
    again = await service.report(
        la["id"], kind="campaign", entity_id=campaign_id,
        first_day=YEAR_START, last_day=YEAR_END, breakdown="ad_squad", refresh=True,
    )  # fmt: skip
    (call,) = stats_requests(state)
    assert call["query"]["start_time"].startswith("2026-11-22")  # today is the only open day
    assert again.total() == report.total()


async def test_entity_level_year_query_is_twelve_requests(
    state: SandboxState, make_service: Callable[..., StatsService]
) -> None:
    warsaw = account_of(state, "EUR")
    campaign = children(state, "campaign", "ad_account", warsaw["id"])[0]
    service = make_service()
    state.requests.clear()
    report = await service.report(
        warsaw["id"], kind="campaign", entity_id=campaign["id"],
        first_day=YEAR_START, last_day=YEAR_END,
    )  # fmt: skip
    calls = stats_requests(state)
    assert len(calls) == 12
    assert all("+01:00" in c["query"]["start_time"] or "+02:00" in c["query"]["start_time"]
               for c in calls)  # fmt: skip
    (series,) = report.series
    assert len(series.rows) == 365
    assert series.rows[0].start.isoformat() == f"{YEAR_START}T00:00:00+01:00"


async def test_only_days_after_finalized_data_end_time_are_fetched_again(
    state: SandboxState, make_service: Callable[..., StatsService]
) -> None:
    la = account_of(state, "USD", timezone="America/Los_Angeles")
    clock = {"now": datetime(2026, 11, 20, 12, 0, tzinfo=UTC)}  # 04:00 on the 20th in LA
    state.stats_now = clock["now"]
    service = make_service(now=lambda: clock["now"])
    first, last = date(2026, 11, 10), date(2026, 11, 22)
    state.requests.clear()
    report = await service.report(
        la["id"], kind="ad_account", entity_id=la["id"], first_day=first, last_day=last,
        breakdown="campaign",
    )  # fmt: skip
    (call,) = stats_requests(state)
    assert call["query"]["end_time"].startswith("2026-11-21")  # not beyond today (the 20th)
    rows = {r.day: r for r in report.series[0].rows}
    # finalized_data_end_time = 10:00Z = 02:00 on the 20th in LA: the 19th is final
    assert rows[date(2026, 11, 19)].finalized and not rows[date(2026, 11, 20)].finalized

    # an hour later: only the open day (the 20th) is asked again
    clock["now"] = state.stats_now = clock["now"] + timedelta(hours=1)
    state.requests.clear()
    await service.report(
        la["id"], kind="ad_account", entity_id=la["id"], first_day=first, last_day=last,
        breakdown="campaign", refresh=True,
    )  # fmt: skip
    (call,) = stats_requests(state)
    assert call["query"]["start_time"].startswith("2026-11-20T00:00:00")
    assert call["query"]["end_time"].startswith("2026-11-21T00:00:00")

    # without refresh, an open day fetched less than 15 minutes ago is not asked again
    state.requests.clear()
    await service.report(
        la["id"], kind="ad_account", entity_id=la["id"], first_day=first, last_day=last,
        breakdown="campaign",
    )  # fmt: skip
    assert stats_requests(state) == []

    # two days later the 20th is final once fetched again, then never again
    clock["now"] = state.stats_now = clock["now"] + timedelta(days=2)
    for expected in (["2026-11-20", "2026-11-21", "2026-11-22"], ["2026-11-22"]):
        state.requests.clear()
        report = await service.report(
            la["id"], kind="ad_account", entity_id=la["id"], first_day=first, last_day=last,
            breakdown="campaign", refresh=True,
        )  # fmt: skip
        (call,) = stats_requests(state)
        assert call["query"]["start_time"][:10] == expected[0]
        days = (date.fromisoformat(call["query"]["end_time"][:10])
                - date.fromisoformat(call["query"]["start_time"][:10])).days  # fmt: skip
        assert days == len(expected)


async def test_account_level_series_adds_up_its_campaigns(
    state: SandboxState, make_service: Callable[..., StatsService]
) -> None:
    gb = account_of(state, "GBP")
    service = make_service()
    first, last = date(2026, 11, 1), date(2026, 11, 14)
    account = await service.report(
        gb["id"], kind="ad_account", entity_id=gb["id"], first_day=first, last_day=last
    )
    per_campaign = await service.report(
        gb["id"], kind="ad_account", entity_id=gb["id"], first_day=first, last_day=last,
        breakdown="campaign",
    )  # fmt: skip
    (own,) = account.series
    assert own.level == "ad_account" and len(own.rows) == 14
    assert own.total() == per_campaign.total()
    purchases = own.total().purchases
    assert purchases is not None and purchases > 0
    # spend-only needs no breakdown
    state.requests.clear()
    spend = await service.report(
        gb["id"], kind="ad_account", entity_id=gb["id"], first_day=first, last_day=last,
        fields=["spend"],
    )  # fmt: skip
    (call,) = stats_requests(state)
    assert "breakdown" not in call["query"] and call["query"]["fields"] == "spend"
    assert spend.total().spend == own.total().spend


async def test_hour_reports_keep_conversion_fields_and_cover_dst_days(
    state: SandboxState, make_service: Callable[..., StatsService]
) -> None:
    la = account_of(state, "USD", timezone="America/Los_Angeles")
    service = make_service()
    report = await service.report(
        la["id"], kind="ad_account", entity_id=la["id"], granularity="HOUR",
        first_day=date(2026, 10, 28), last_day=date(2026, 11, 3),
    )  # fmt: skip
    # real hourly rows carry conversions (tests/fixtures/snap_stats_recorded/)
    assert "conversion_purchases" in report.fields
    (series,) = report.series
    assert len(series.rows) == 7 * 24 + 1  # one 25-hour day
    assert len(report.periods()) == 169
    day = await service.report(
        la["id"], kind="ad_account", entity_id=la["id"], first_day=date(2026, 10, 28),
        last_day=date(2026, 11, 3), fields=report.fields,
    )  # fmt: skip
    assert day.series[0].total() == series.total()


async def test_fx_conversion_keeps_native_values_and_shows_a_missing_rate_as_none(
    state: SandboxState, make_service: Callable[..., StatsService]
) -> None:
    eur = account_of(state, "EUR")
    rate = FxRate(date(2026, 11, 5), "EUR", Decimal("1.0812"))
    service = make_service(fx=FxTable([rate]))
    report = await service.report(
        eur["id"], kind="ad_account", entity_id=eur["id"], first_day=date(2026, 11, 3),
        last_day=date(2026, 11, 8), breakdown="campaign",
    )  # fmt: skip
    rows = [r for s in report.series for r in s.rows if r.metrics.micro("spend")]
    assert rows
    for row in rows:
        if row.day < date(2026, 11, 5):
            assert (row.spend_usd, row.fx_rate, row.fx_rate_date) == (None, None, None)
        else:
            assert row.fx_rate == Decimal("1.0812") and row.fx_rate_date == date(2026, 11, 5)
            spend = row.metrics.spend
            assert spend is not None and row.spend_usd == spend * Decimal("1.0812")
        assert row.metrics.currency == "EUR"  # native currency and amount kept
    series = next(s for s in report.series if s.total().micro("spend"))
    assert series.spend_usd() is None  # some days had no rate: the total is missing, not 0
    usd = account_of(state, "USD", timezone="America/Los_Angeles")
    usd_report = await service.report(
        usd["id"], kind="ad_account", entity_id=usd["id"], first_day=date(2026, 11, 3),
        last_day=date(2026, 11, 3),
    )  # fmt: skip
    (row,) = usd_report.series[0].rows
    assert row.fx_rate == 1 and row.spend_usd == row.metrics.spend


async def test_snaps_e1008_is_explained_in_plain_words(
    state: SandboxState, api: SnapApi, make_service: Callable[..., StatsService]
) -> None:
    la = account_of(state, "USD", timezone="America/Los_Angeles")
    # a hand-made query: midnight UTC is not midnight in Los Angeles
    with pytest.raises(StatsQueryError) as info:
        await api.measurement.get(
            "ad_account", la["id"], granularity="DAY", fields=["spend"],
            start=datetime(2026, 11, 1, tzinfo=UTC), end=datetime(2026, 11, 2, tzinfo=UTC),
        )  # fmt: skip
    assert info.value.error_code == "E1008"
    text = explain_stats_error(info.value, timezone="America/Los_Angeles")
    assert text.startswith("Snap refused the stats query: daily stats must start and end at "
                           "midnight in the ad account's time zone (America/Los_Angeles).")  # fmt: skip
    assert "aligns and splits stats queries automatically" in text

    # the service turns it into a StatsError with that sentence: here the cached time zone is
    # wrong (the account moved), so snapdesk's aligned query is misaligned for Snap
    service = make_service()
    assert (await service.account(la["id"])).timezone == "America/Los_Angeles"
    state.collections["ad_account"].objects[la["id"]]["timezone"] = "Europe/Warsaw"
    with pytest.raises(StatsError) as err:
        await service.report(
            la["id"], kind="ad_account", entity_id=la["id"], first_day=date(2026, 11, 1),
            last_day=date(2026, 11, 2), fields=["spend"],
        )  # fmt: skip
    state.collections["ad_account"].objects[la["id"]]["timezone"] = "America/Los_Angeles"
    await service.account(la["id"], fresh=True)
    assert "midnight in the ad account's time zone (Europe/Warsaw)" in err.value.message
    assert err.value.snap_message and "Unsupported Stats Query" in err.value.snap_message


@pytest.mark.parametrize(
    ("snap", "expected"),
    [
        ("Unsupported Stats Query: Timeseries queries with DAY granularity cannot query time "
         "intervals of more than 32 days", "at most 32 days per request"),
        ("Unsupported Stats Query: End time should end at the beginning of an hour.",
         "must fall on the hour"),
        ("Unsupported Stats Query: End time should be after start time.", "end was not after"),
        ("Unsupported Stats Query: Only field 'spend' should be used when querying AdAccount "
         "stats.", "only reports spend for a whole ad account"),
        ("Invalid query parameters in request URL: [Invalid StartDateTime, "
         "2026-06-24T00:00:00.000 03:00]", "reached it as a space"),
        ("Unsupported Stats Query: HOUR granularity does not support the fields: uniques.",
         "reach metrics (uniques, frequency, reach) are not available hourly"),
    ],
)  # fmt: skip
def test_every_stats_error_has_a_plain_sentence(snap: str, expected: str) -> None:
    error = StatsQueryError("x", debug_message=snap, error_code="E1008", status=400)
    assert expected in explain_stats_error(error)


async def test_totals_and_breakdown_queries_are_one_request(
    state: SandboxState, make_service: Callable[..., StatsService]
) -> None:
    la = account_of(state, "USD", timezone="America/Los_Angeles")
    service = make_service()
    state.requests.clear()
    totals = await service.total(
        la["id"], kind="ad_account", entity_id=la["id"], first_day=date(2026, 11, 1),
        last_day=date(2026, 11, 21), breakdown="ad_squad",
    )  # fmt: skip
    assert len(stats_requests(state)) == 1
    daily = await service.report(
        la["id"], kind="ad_account", entity_id=la["id"], first_day=date(2026, 11, 1),
        last_day=date(2026, 11, 21), breakdown="ad_squad",
    )  # fmt: skip
    by_id = daily.by_id()
    for series in totals.series:
        assert series.total() == by_id[series.entity_id].total()
    query = parse_qs(f"x={stats_requests(state)[0]['query']['start_time']}")
    assert query


async def test_over_real_loopback_http(state: SandboxState, store: Any) -> None:
    """The real client against the sandbox served by uvicorn: offsets survive the trip."""
    from snapdesk.api import StaticTokenProvider
    from snapdesk.sandbox import SANDBOX_TOKEN, SandboxServer

    la = account_of(state, "USD", timezone="America/Los_Angeles")
    with SandboxServer(state=state) as server:
        api = SnapApi(
            token_provider=StaticTokenProvider(SANDBOX_TOKEN), base_url=server.api_base,
            rate_limit=None,
        )  # fmt: skip
        try:
            service = StatsService(api=api, store=store, now=lambda: NOW)
            report = await service.report(
                la["id"], kind="ad_account", entity_id=la["id"], first_day=date(2026, 3, 1),
                last_day=date(2026, 4, 15), breakdown="campaign",
            )  # fmt: skip
        finally:
            await api.aclose()
    calls = stats_requests(state)
    assert len(calls) == 2
    assert calls[0]["query"]["end_time"] == "2026-04-01T00:00:00-07:00"  # '+'/'-' intact
    assert len(report.periods()) == 46
    assert api.stats.limit == 1666
