"""The sandbox's stats: Snap's envelopes, its query rules (E1008), realistic deterministic data."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from snapdesk.sandbox import SANDBOX_TOKEN, SandboxState, create_app
from tests.stats.conftest import account_of

DAY_LA = {"start_time": "2026-11-01T00:00:00-07:00", "end_time": "2026-11-02T00:00:00-08:00"}


@pytest.fixture
async def client(state: SandboxState) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(state)),
        base_url="http://sandbox.local",
        headers={"Authorization": f"Bearer {SANDBOX_TOKEN}"},
    ) as c:
        yield c


def _error(response: httpx.Response) -> tuple[int, str, str]:
    body = response.json()
    assert body["request_status"] == "ERROR"
    return response.status_code, body["error_code"], body["debug_message"]


async def test_misaligned_and_oversized_queries_get_snaps_e1008(
    client: httpx.AsyncClient, state: SandboxState
) -> None:
    la = account_of(state, "USD", timezone="America/Los_Angeles")
    path = f"/v1/adaccounts/{la['id']}/stats"
    cases: list[tuple[dict[str, str], str]] = [
        (
            # midnight in UTC, not in Los Angeles: a hand-made misaligned query
            {"granularity": "DAY", "start_time": "2026-11-01T00:00:00Z",
             "end_time": "2026-11-02T08:00:00Z"},
            "Unsupported Stats Query: Timeseries queries with DAY granularity must have a start "
            "time that is the start of day (00:00:00) for the account's timezone. This account's "
            "timezone is: America/Los_Angeles",
        ),
        (
            # the right date with last week's offset: 23:00 local after the DST change
            {"granularity": "DAY", "start_time": "2026-11-02T00:00:00-07:00",
             "end_time": "2026-11-03T00:00:00-08:00"},
            "must have a start time that is the start of day",
        ),
        (
            {"granularity": "DAY", "start_time": "2026-11-01T00:00:00-07:00",
             "end_time": "2026-11-02T05:00:00-08:00"},
            "must have an end time that is the start of day",
        ),
        (
            {"granularity": "HOUR", "start_time": "2026-11-01T00:30:00-07:00",
             "end_time": "2026-11-01T05:00:00-07:00"},
            "Unsupported Stats Query: Start time should start at the beginning of an hour.",
        ),
        (
            {"granularity": "HOUR", "start_time": "2026-11-01T00:00:00-07:00",
             "end_time": "2026-11-01T05:15:00-07:00"},
            "Unsupported Stats Query: End time should end at the beginning of an hour.",
        ),
        (
            {"granularity": "DAY", "start_time": "2026-11-02T00:00:00-08:00",
             "end_time": "2026-11-01T00:00:00-07:00"},
            "Unsupported Stats Query: End time should be after start time.",
        ),
        (
            {"granularity": "DAY", "start_time": "2026-09-01T00:00:00-07:00",
             "end_time": "2026-10-04T00:00:00-07:00"},
            "Unsupported Stats Query: Timeseries queries with DAY granularity cannot query time "
            "intervals of more than 32 days",
        ),
        (
            {"granularity": "HOUR", "start_time": "2026-10-01T00:00:00-07:00",
             "end_time": "2026-10-09T00:00:00-07:00"},
            "cannot query time intervals of more than 7 days",
        ),
        (
            {**DAY_LA, "granularity": "DAY", "fields": "impressions,spend"},
            "Unsupported Stats Query: Only field 'spend' should be used when querying AdAccount "
            "stats.",
        ),
        (
            {**DAY_LA, "granularity": "DAY", "limit": "50"},
            "Unsupported Stats Query: Pagination limit can only be used with breakdown query.",
        ),
    ]  # fmt: skip
    for params, message in cases:
        params.setdefault("fields", "spend")
        response = await client.get(path, params=params)
        status, code, text = _error(response)
        assert (status, code) == (400, "E1008"), params
        assert message in text, (params, text)
        assert response.headers["X-Rate-Limit-Limit"] == "1666"
    # 32 days is allowed, and spend-only or a breakdown is fine on an ad account
    ok = await client.get(
        path,
        params={"granularity": "DAY", "start_time": "2026-09-01T00:00:00-07:00",
                "end_time": "2026-10-03T00:00:00-07:00", "fields": "spend"},
    )  # fmt: skip
    assert ok.status_code == 200
    ok = await client.get(
        path, params={**DAY_LA, "granularity": "DAY", "breakdown": "campaign",
                      "fields": "impressions,spend"}
    )  # fmt: skip
    assert ok.status_code == 200
    ok = await client.get(
        path, params={**DAY_LA, "granularity": "DAY", "breakdown": "campaign", "limit": "50",
                      "fields": "spend"}
    )  # fmt: skip
    assert ok.status_code == 200


async def test_a_raw_plus_is_an_invalid_start_date_time(
    client: httpx.AsyncClient, state: SandboxState
) -> None:
    tokyo = account_of(state, "JPY")
    raw = (
        f"/v1/adaccounts/{tokyo['id']}/stats?granularity=DAY&fields=spend"
        "&start_time=2026-06-24T00:00:00.000+09:00&end_time=2026-06-25T00:00:00.000%2B09:00"
    )
    status, code, text = _error(await client.get(raw))
    assert (status, code) == (400, "E1001")
    assert text == (
        "Invalid query parameters in request URL: "
        "[Invalid StartDateTime, 2026-06-24T00:00:00.000 09:00]"
    )
    ok = await client.get(raw.replace("000+09", "000%2B09"))
    assert ok.status_code == 200


async def test_day_rows_carry_the_account_offset_and_sum_their_hours_across_dst(
    client: httpx.AsyncClient, state: SandboxState
) -> None:
    la = account_of(state, "USD", timezone="America/Los_Angeles")
    path = f"/v1/adaccounts/{la['id']}/stats"
    day = (
        await client.get(
            path,
            params={
                **DAY_LA,
                "granularity": "DAY",
                "breakdown": "campaign",
                "fields": "impressions,swipes,spend",
            },
        )
    ).json()
    hour = (await client.get(path, params={**DAY_LA, "granularity": "HOUR", "breakdown": "campaign",
                                           "fields": "impressions,swipes,spend"})).json()  # fmt: skip
    day_stat = day["timeseries_stats"][0]["timeseries_stat"]
    hour_stat = hour["timeseries_stats"][0]["timeseries_stat"]
    assert day_stat["finalized_data_end_time"] == "2026-11-22T18:00:00.000Z"
    assert day_stat["start_time"] == "2026-11-01T00:00:00.000-07:00"
    assert day_stat["end_time"] == "2026-11-02T00:00:00.000-08:00"
    total_spend = 0
    for by_day, by_hour in zip(
        day_stat["breakdown_stats"]["campaign"],
        hour_stat["breakdown_stats"]["campaign"],
        strict=True,
    ):
        assert by_day["id"] == by_hour["id"] and by_day["type"] == "CAMPAIGN"
        (row,) = by_day["timeseries"]
        hours = by_hour["timeseries"]
        assert len(hours) == 25  # the day the clocks go back
        assert [h["start_time"][11:] for h in hours[1:3]] == [
            "01:00:00.000-07:00", "01:00:00.000-08:00"
        ]  # fmt: skip
        for field in ("impressions", "swipes", "spend"):
            assert row["stats"][field] == sum(h["stats"][field] for h in hours)
        total_spend += row["stats"]["spend"]
    assert total_spend > 0


async def test_spend_never_exceeds_budgets_and_conversions_only_where_there_is_a_pixel(
    client: httpx.AsyncClient, state: SandboxState
) -> None:
    params = {"granularity": "DAY", "breakdown": "adsquad",
              "fields": "impressions,swipes,spend,conversion_purchases,conversion_purchases_value"}  # fmt: skip
    windows = {
        "America/Los_Angeles": ("2026-10-01T00:00:00-07:00", "2026-11-01T00:00:00-07:00"),
        "Europe/Warsaw": ("2026-10-01T00:00:00+02:00", "2026-11-01T00:00:00+01:00"),
        "Europe/London": ("2026-10-01T00:00:00+01:00", "2026-11-01T00:00:00Z"),
    }
    purchases: dict[str, int] = {}
    for account in state.iter_objects("ad_account"):
        if account["timezone"] not in windows:
            continue
        start, end = windows[account["timezone"]]
        body = (
            await client.get(
                f"/v1/adaccounts/{account['id']}/stats",
                params={**params, "start_time": start, "end_time": end},
            )
        ).json()
        squads = {s["id"]: s for s in state.iter_objects("ad_squad") if s.get("campaign_id")}
        stat = body["timeseries_stats"][0]["timeseries_stat"]
        bought = 0
        by_campaign_day: dict[tuple[str, str], int] = {}
        for row in stat["breakdown_stats"]["adsquad"]:
            squad = squads[row["id"]]
            daily = squad.get("daily_budget_micro")
            for point in row["timeseries"]:
                spend = point["stats"]["spend"]
                if daily:
                    assert spend <= daily
                assert point["stats"]["swipes"] <= point["stats"]["impressions"]
                bought += point["stats"]["conversion_purchases"]
                key = (squad["campaign_id"], point["start_time"])
                by_campaign_day[key] = by_campaign_day.get(key, 0) + spend
        for (campaign_id, _), spend in by_campaign_day.items():
            budget = state.collections["campaign"].objects[campaign_id].get("daily_budget_micro")
            if budget:
                assert spend <= budget
        purchases[account["currency"]] = bought
    assert purchases["USD"] > 0 and purchases["GBP"] > 0
    assert purchases["EUR"] == 0


async def test_deterministic_and_the_true_effect_knob_moves_swipes(
    client: httpx.AsyncClient, state: SandboxState
) -> None:
    la = account_of(state, "USD", timezone="America/Los_Angeles")
    params = {"granularity": "TOTAL", "start_time": "2026-11-10T00:00:00-08:00",
              "end_time": "2026-11-20T00:00:00-08:00", "fields": "impressions,swipes,spend"}  # fmt: skip
    squads = [s for s in state.iter_objects("ad_squad")
              if state.collections["ad_squad"].account_of[s["id"]] == la["id"]]  # fmt: skip
    for squad in squads:  # the first squad that delivered in that window
        body = (await client.get(f"/v1/adsquads/{squad['id']}/stats", params=params)).json()
        if body["total_stats"][0]["total_stat"]["stats"]["spend"] > 0:
            break

    async def totals() -> dict[str, Any]:
        body = (await client.get(f"/v1/adsquads/{squad['id']}/stats", params=params)).json()
        stat = body["total_stats"][0]["total_stat"]
        assert stat["type"] == "AD_SQUAD" and stat["granularity"] == "TOTAL"
        return dict(stat["stats"])

    before = await totals()
    assert before == await totals()
    assert before["spend"] > 0
    knob = await client.post(
        "/__sandbox__/stats_effects",
        json={"ad_squad_id": squad["id"], "swipe_rate_multiplier": 2.0,
              "conversion_rate_multiplier": 1.5},
    )  # fmt: skip
    assert knob.status_code == 200
    after = await totals()
    assert after["impressions"] == before["impressions"]
    assert after["spend"] == before["spend"]
    assert 1.8 < after["swipes"] / before["swipes"] < 2.2
    bad = await client.post("/__sandbox__/stats_effects", json={"ad_squad_id": "nope"})
    assert bad.status_code == 404


async def test_lifetime_and_test_accounts(client: httpx.AsyncClient, state: SandboxState) -> None:
    la = account_of(state, "USD", timezone="America/Los_Angeles")
    body = (
        await client.get(
            f"/v1/adaccounts/{la['id']}/stats",
            params={"granularity": "LIFETIME", "breakdown": "campaign", "fields": "spend"},
        )
    ).json()
    stat = body["lifetime_stats"][0]["lifetime_stat"]
    assert stat["granularity"] == "LIFETIME"
    assert sum(r["stats"]["spend"] for r in stat["breakdown_stats"]["campaign"]) > 0
    test_account = next(a for a in state.iter_objects("ad_account") if a.get("test"))
    body = (
        await client.get(
            f"/v1/adaccounts/{test_account['id']}/stats",
            params={"granularity": "LIFETIME", "fields": "spend"},
        )
    ).json()
    assert body["lifetime_stats"][0]["lifetime_stat"]["stats"] == {"spend": 0}
