"""Stats fields as real Snap answers them (issue 17).

The evidence is `tests/fixtures/snap_stats_recorded/`: rows Airbyte's connector read from Snap's
live API (DAY and HOUR, ads, ad squads, campaigns, an ad account). They carry the six
`attachment_*` view-time/quartile fields and every `conversion_*` field at HOUR too, and no reach
field at HOUR. The sandbox must accept exactly what those rows carry, the client must know every
field name in them, and every field the client knows must come back at DAY, HOUR, TOTAL and
LIFETIME on campaigns, ad squads and ads — over real HTTP on loopback.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from snapdesk.api import SnapApi, StaticTokenProvider
from snapdesk.sandbox import SANDBOX_TOKEN, SandboxServer, SandboxState
from snapdesk.sandbox.stats import KNOWN_FIELDS as SANDBOX_FIELDS
from snapdesk.stats import FxTable, StatsService
from snapdesk.stats.metrics import KNOWN_FIELDS, REACH_FIELDS, fields_for
from snapdesk.store import Store
from tests.stats.conftest import NOW, account_of

FIXTURE = (
    Path(__file__).parents[1] / "fixtures/snap_stats_recorded/airbyte_expected_stats_rows.jsonl"
)
_NOT_METRICS = {"start_time", "end_time", "id", "type", "granularity"}
_NOUN = {"AD_ACCOUNT": "adaccounts", "CAMPAIGN": "campaigns", "AD_SQUAD": "adsquads", "AD": "ads"}
WEEK = (date(2026, 11, 15), date(2026, 11, 21))  # the last full week before NOW, in LA


def recorded_rows() -> list[dict[str, Any]]:
    rows = [json.loads(line)["data"] for line in FIXTURE.read_text().splitlines() if line]
    assert {(r["type"], r["granularity"]) for r in rows} == {
        ("AD", "DAY"), ("AD_SQUAD", "DAY"), ("CAMPAIGN", "DAY"),
        ("AD", "HOUR"), ("AD_SQUAD", "HOUR"), ("CAMPAIGN", "HOUR"), ("AD_ACCOUNT", "HOUR"),
    }  # fmt: skip
    return rows


def metric_names(row: dict[str, Any]) -> list[str]:
    return [k for k in row if k not in _NOT_METRICS]


async def delivering(server: SandboxServer, state: SandboxState) -> dict[str, str]:
    """Ids of the LA dollar account and of the ad that converted most in WEEK, its ad squad and
    its campaign (asked of the sandbox itself, so the seed may change)."""
    la = account_of(state, "USD", timezone="America/Los_Angeles")
    async with httpx.AsyncClient(
        base_url=server.api_base, headers={"Authorization": f"Bearer {SANDBOX_TOKEN}"}
    ) as client:
        response = await client.get(
            f"/adaccounts/{la['id']}/stats",
            params={"granularity": "TOTAL", "breakdown": "ad",
                    "fields": "impressions,conversion_purchases",
                    "start_time": "2026-11-15T00:00:00-08:00",
                    "end_time": "2026-11-22T00:00:00-08:00"},
        )  # fmt: skip
    response.raise_for_status()
    stat = response.json()["total_stats"][0]["total_stat"]
    best = max(stat["breakdown_stats"]["ad"], key=lambda a: a["stats"]["conversion_purchases"])
    assert best["stats"]["conversion_purchases"] > 0
    ad = state.collections["ad"].objects[best["id"]]
    squad = state.collections["ad_squad"].objects[ad["ad_squad_id"]]
    return {
        "AD_ACCOUNT": la["id"],
        "CAMPAIGN": squad["campaign_id"],
        "AD_SQUAD": squad["id"],
        "AD": ad["id"],
    }


@pytest.fixture
def server(state: SandboxState) -> Any:
    with SandboxServer(state=state) as srv:
        yield srv


@pytest.fixture
async def loopback_api(server: SandboxServer) -> AsyncIterator[SnapApi]:
    api = SnapApi(
        token_provider=StaticTokenProvider(server.token), base_url=server.api_base, rate_limit=None
    )
    yield api
    await api.aclose()


def test_the_client_and_the_sandbox_know_every_recorded_field() -> None:
    rows = recorded_rows()
    recorded = {name for row in rows for name in metric_names(row)}
    assert recorded <= set(KNOWN_FIELDS)
    assert recorded <= SANDBOX_FIELDS
    for name in (
        "attachment_avg_view_time_millis", "attachment_quartile_1", "attachment_quartile_2",
        "attachment_quartile_3", "attachment_total_view_time_millis", "attachment_view_completion",
    ):  # fmt: skip
        assert all(name in row for row in rows if row["type"] != "AD_ACCOUNT"), name
    hourly = {n for r in rows if r["granularity"] == "HOUR" for n in metric_names(r)}
    assert {"conversion_purchases", "conversion_purchases_value", "conversion_list_view"} <= hourly
    assert not hourly & REACH_FIELDS  # the one HOUR rule the recording supports
    daily = {n for r in rows if r["granularity"] == "DAY" for n in metric_names(r)}
    assert REACH_FIELDS <= daily
    # what the client asks for at HOUR is what the recorded hourly rows carry, plus `spend`
    # and `conversion_sign_ups` (known from Singer's field list; no recorded row has it)
    assert set(fields_for("HOUR", KNOWN_FIELDS)) == hourly | {"spend", "conversion_sign_ups"}
    assert set(KNOWN_FIELDS) <= SANDBOX_FIELDS


async def test_the_sandbox_accepts_each_recorded_row_query_over_loopback(
    server: SandboxServer, state: SandboxState
) -> None:
    ids = await delivering(server, state)
    async with httpx.AsyncClient(
        base_url=server.api_base, headers={"Authorization": f"Bearer {SANDBOX_TOKEN}"}
    ) as client:
        for row in recorded_rows():
            names = metric_names(row)
            params = {
                "granularity": row["granularity"],
                "fields": ",".join(names),
                "start_time": "2026-11-20T00:00:00-08:00",
                "end_time": "2026-11-21T00:00:00-08:00",
            }
            response = await client.get(
                f"/{_NOUN[row['type']]}/{ids[row['type']]}/stats", params=params
            )
            assert response.status_code == 200, (row["type"], row["granularity"], response.text)
            stat = response.json()["timeseries_stats"][0]["timeseries_stat"]
            points = stat["timeseries"]
            assert len(points) == (24 if row["granularity"] == "HOUR" else 1)
            for point in points:
                assert list(point["stats"]) == names
                # same JSON types as the recording: floats stay floats, counts are integers
                for name in names:
                    assert type(point["stats"][name]) is type(row[name]), name
        # and reach at HOUR is still refused, with the fields named
        response = await client.get(
            f"/campaigns/{ids['CAMPAIGN']}/stats",
            params={"granularity": "HOUR", "fields": "impressions,uniques",
                    "start_time": "2026-11-20T00:00:00-08:00",
                    "end_time": "2026-11-20T05:00:00-08:00"},
        )  # fmt: skip
        assert response.status_code == 400
        body = response.json()
        assert body["error_code"] == "E1008" and "uniques" in body["debug_message"]


def _assert_realistic(values: dict[str, Any]) -> None:
    q1, q2, q3 = (values[f"attachment_quartile_{i}"] for i in (1, 2, 3))
    done, shown = values["attachment_view_completion"], values["attachment_impressions"]
    assert shown >= q1 >= q2 >= q3 >= done >= 0
    assert values["quartile_1"] >= values["quartile_2"] >= values["quartile_3"]
    assert values["quartile_3"] >= values["view_completion"]
    total, avg = (
        values["attachment_total_view_time_millis"],
        values["attachment_avg_view_time_millis"],
    )
    if shown:
        assert avg == total // shown and 2_000 <= avg <= 14_000
    else:
        assert total == avg == 0
    assert values["swipes"] <= values["impressions"]


async def test_every_known_field_at_every_granularity_on_every_level_over_loopback(
    loopback_api: SnapApi, store: Store, state: SandboxState, server: SandboxServer
) -> None:
    ids = await delivering(server, state)
    service = StatsService(api=loopback_api, store=store, now=lambda: NOW, fx=FxTable())
    first, last = WEEK
    for kind, key in (("campaign", "CAMPAIGN"), ("ad_squad", "AD_SQUAD"), ("ad", "AD")):
        for granularity in ("DAY", "HOUR"):
            report = await service.report(
                ids["AD_ACCOUNT"], kind=kind, entity_id=ids[key], first_day=first,
                last_day=last, granularity=granularity, fields=KNOWN_FIELDS,
            )  # fmt: skip
            expected = fields_for(granularity, KNOWN_FIELDS)
            assert report.fields == expected
            (series,) = report.series
            assert len(series.rows) == (7 if granularity == "DAY" else 7 * 24)
            for row in series.rows:
                assert set(row.metrics.values) == set(expected), (kind, granularity)
                _assert_realistic(dict(row.metrics.values))
            total = series.total()
            assert (total.impressions or 0) > 0, (kind, granularity)
            # hourly conversions are real numbers, not a refusal or zeros
            assert (total.count("conversion_purchases") or 0) > 0, (kind, granularity)
            assert (total.count("attachment_quartile_1") or 0) > 0, (kind, granularity)
        for lifetime in (False, True):
            report = await service.total(
                ids["AD_ACCOUNT"], kind=kind, entity_id=ids[key], first_day=first,
                last_day=last, fields=KNOWN_FIELDS, lifetime=lifetime,
            )  # fmt: skip
            assert report.fields == KNOWN_FIELDS
            (series,) = report.series
            (row,) = series.rows
            values = dict(row.metrics.values)
            assert set(values) == set(KNOWN_FIELDS), (kind, lifetime)
            _assert_realistic(values)
            assert values["impressions"] > 0 and values["uniques"] > 0
            assert values["attachment_uniques"] <= values["attachment_impressions"]


# The request Airbyte's production connector sends for `ads_stats_hourly` (manifest.yaml,
# airbytehq/airbyte@02856422): its field list, its parameters and its time format.
AIRBYTE_HOURLY_FIELDS = (
    "android_installs,attachment_avg_view_time_millis,attachment_impressions,"
    "attachment_quartile_1,attachment_quartile_2,attachment_quartile_3,"
    "attachment_total_view_time_millis,attachment_view_completion,avg_screen_time_millis,"
    "avg_view_time_millis,impressions,ios_installs,quartile_1,quartile_2,quartile_3,"
    "screen_time_millis,spend,swipe_up_percent,swipes,total_installs,video_views,"
    "video_views_time_based,video_views_15s,view_completion,view_time_millis,paid_impressions,"
    "earned_impressions,total_impressions,play_time_millis,shares,saves,native_leads,"
    "conversion_purchases,conversion_purchases_value,conversion_save,conversion_start_checkout,"
    "conversion_add_cart,conversion_view_content,conversion_add_billing,conversion_searches,"
    "conversion_level_completes,conversion_app_opens,conversion_page_views,conversion_subscribe,"
    "conversion_ad_click,conversion_ad_view,conversion_complete_tutorial,conversion_invite,"
    "conversion_login,conversion_share,conversion_reserve,conversion_achievement_unlocked,"
    "conversion_add_to_wishlist,conversion_spend_credits,conversion_rate,"
    "conversion_start_trial,conversion_list_view,custom_event_1,custom_event_2,custom_event_3,"
    "custom_event_4,custom_event_5,story_opens,story_completes"
)


async def test_the_independent_connectors_hourly_stats_request_is_answered(
    server: SandboxServer, state: SandboxState
) -> None:
    ids = await delivering(server, state)
    hourly = {n for r in recorded_rows() if r["granularity"] == "HOUR" for n in metric_names(r)}
    assert set(AIRBYTE_HOURLY_FIELDS.split(",")) == hourly | {"spend"}
    async with httpx.AsyncClient(
        base_url=server.api_base, headers={"Authorization": f"Bearer {SANDBOX_TOKEN}"}
    ) as client:
        for noun, key in (("campaigns", "CAMPAIGN"), ("adsquads", "AD_SQUAD"), ("ads", "AD")):
            response = await client.get(
                f"/{noun}/{ids[key]}/stats",
                params={
                    "fields": AIRBYTE_HOURLY_FIELDS,
                    "granularity": "HOUR",
                    "action_report_time": "conversion",
                    "view_attribution_window": "1_DAY",
                    "swipe_up_attribution_window": "28_DAY",
                    # step P1W, datetime_format "%Y-%m-%dT%H:00:00.0000000%z"
                    "start_time": "2026-11-15T00:00:00.0000000-0800",
                    "end_time": "2026-11-22T00:00:00.0000000-0800",
                },
            )
            assert response.status_code == 200, (noun, response.text)
            points = response.json()["timeseries_stats"][0]["timeseries_stat"]["timeseries"]
            assert len(points) == 7 * 24
            assert sum(p["stats"]["conversion_purchases"] for p in points) > 0, noun
            assert sum(p["stats"]["attachment_quartile_1"] for p in points) > 0, noun
