"""The stats resource: `%2B` in offsets, the recorded exchanges, every response shape."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import httpx
import pytest

from snapdesk.api import SnapApi, StaticTokenProvider, StatsQueryError, parse_stats_body
from tests.conftest import SHARED

RECORDED = sorted((SHARED / "fixtures" / "snap-recorded").glob("*get_stats*.json"))
WARSAW = ZoneInfo("Europe/Warsaw")


def _api(handler: Any) -> SnapApi:
    return SnapApi(
        token_provider=StaticTokenProvider("tok"),
        base_url="https://adsapi.snapchat.com/v1",
        transport=httpx.MockTransport(handler),
        rate_limit=None,
    )


def _stats_exchange(path: Path) -> dict[str, Any]:
    exchanges = json.loads(path.read_text(encoding="utf-8"))["exchanges"]
    return next(e for e in exchanges if "/stats" in e["url"])


def test_the_recorded_stats_files_are_all_there() -> None:
    assert len(RECORDED) == 6


@pytest.mark.parametrize("path", RECORDED, ids=lambda p: p.stem)
async def test_recorded_exchange_replays_and_our_request_matches(path: Path) -> None:
    exchange = _stats_exchange(path)
    recorded = urlsplit(exchange["url"])
    recorded_query = parse_qs(recorded.query)
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            exchange["status"],
            json=exchange["response_body"],
            headers=exchange["response_headers"],
        )

    noun = recorded.path.split("/")[2]
    kind = {"campaigns": "campaign", "adsquads": "ad_squad", "ads": "ad"}[noun]
    entity_id = recorded.path.split("/")[3]
    api = _api(handler)
    try:
        result = await api.measurement.get(
            kind,
            entity_id,
            granularity=recorded_query["granularity"][0],
            start=datetime(2025, 7, 1, tzinfo=WARSAW),
            end=datetime(2025, 7, 31, tzinfo=WARSAW),
        )
    finally:
        await api.aclose()

    (request,) = seen
    assert request.url.path == recorded.path
    raw_query = request.url.query.decode()
    assert "%2B02" in raw_query and "+" not in raw_query  # never a raw '+'
    assert parse_qs(raw_query) == recorded_query  # same parameters, same decoded values
    assert api.stats.limit == 1666  # X-Rate-Limit-* read from the stats answer

    body = exchange["response_body"]
    stat = (body.get("timeseries_stats") or body["total_stats"])[0]
    inner = stat.get("timeseries_stat") or stat["total_stat"]
    assert result.id == entity_id and result.type == inner["type"]
    assert result.granularity == recorded_query["granularity"][0]
    assert result.finalized_data_end_time == datetime(2025, 7, 29, 9, tzinfo=UTC)
    assert result.start is not None and result.start.utcoffset() is not None
    assert result.start.isoformat() == "2025-07-01T00:00:00+02:00"
    assert result.series is not None
    if result.granularity == "DAY":
        assert len(result.series.periods) == 30
        assert result.series.periods[0].stats == {"impressions": 0, "spend": 0}
        assert result.series.periods[-1].end == datetime(2025, 7, 31, tzinfo=WARSAW)
    else:
        assert len(result.series.periods) == 1
        assert result.series.periods[0].stats == {"impressions": 0, "spend": 0}


async def test_offsets_are_sent_as_percent_2b() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"request_status": "SUCCESS", "total_stats": []})

    api = _api(handler)
    tokyo = ZoneInfo("Asia/Tokyo")
    try:
        with pytest.raises(Exception, match="none of total_stats"):
            await api.measurement.get(
                "campaign",
                "c1",
                granularity="TOTAL",
                start=datetime(2026, 6, 24, tzinfo=tokyo),
                end=datetime(2026, 6, 25, tzinfo=tokyo),
                fields=["impressions", "spend"],
            )
    finally:
        await api.aclose()
    url = str(seen[0].url)
    assert "start_time=2026-06-24T00%3A00%3A00%2B09%3A00" in url
    assert "end_time=2026-06-25T00%3A00%3A00%2B09%3A00" in url
    assert " " not in url and "+" not in url


def test_naive_times_are_refused() -> None:
    from snapdesk.api import format_stats_time

    with pytest.raises(ValueError, match="offset"):
        format_stats_time(datetime(2026, 1, 1))


def test_breakdown_shapes_parse() -> None:
    day = {
        "request_status": "success",
        "timeseries_stats": [
            {
                "sub_request_status": "success",
                "timeseries_stat": {
                    "id": "c1",
                    "type": "CAMPAIGN",
                    "granularity": "DAY",
                    "start_time": "2026-03-08T00:00:00.000-08:00",
                    "end_time": "2026-03-10T00:00:00.000-07:00",
                    "finalized_data_end_time": "2026-03-09T09:00:00.000Z",
                    "breakdown_stats": {
                        "adsquad": [
                            {
                                "id": "s1",
                                "type": "AD_SQUAD",
                                "timeseries": [
                                    {
                                        "start_time": "2026-03-08T00:00:00.000-08:00",
                                        "end_time": "2026-03-09T00:00:00.000-07:00",
                                        "stats": {"impressions": 10, "spend": 1500000},
                                    },
                                    {
                                        "start_time": "2026-03-09T00:00:00.000-07:00",
                                        "end_time": "2026-03-10T00:00:00.000-07:00",
                                        "stats": {"impressions": "7", "spend": 0},
                                    },
                                ],
                            },
                            {"id": "s2", "type": "AD_SQUAD", "timeseries": []},
                        ]
                    },
                },
            }
        ],
    }
    (result,) = parse_stats_body(day)
    assert result.series is None
    squads = result.breakdown["adsquad"]
    assert [s.id for s in squads] == ["s1", "s2"]
    assert squads[0].periods[0].stats == {"impressions": 10, "spend": 1500000}
    assert squads[0].periods[1].stats["impressions"] == 7
    first = squads[0].periods[0]
    assert first.start is not None and first.end is not None
    assert first.end.astimezone(UTC) - first.start.astimezone(UTC) == (
        datetime(2026, 3, 9, 7, tzinfo=UTC) - datetime(2026, 3, 8, 8, tzinfo=UTC)
    )  # the 23-hour day

    total = {
        "request_status": "SUCCESS",
        "total_stats": [
            {
                "sub_request_status": "SUCCESS",
                "total_stat": {
                    "id": "a1",
                    "type": "AD_ACCOUNT",
                    "granularity": "TOTAL",
                    "breakdown_stats": {
                        "campaign": [
                            {"id": "c1", "type": "CAMPAIGN", "stats": {"spend": 5}},
                            {"id": "c2", "type": "CAMPAIGN", "stats": {"spend": 7}},
                        ]
                    },
                },
            }
        ],
    }
    (result,) = parse_stats_body(total)
    assert [(s.id, s.periods[0].stats) for s in result.breakdown["campaign"]] == [
        ("c1", {"spend": 5}),
        ("c2", {"spend": 7}),
    ]

    lifetime = {
        "lifetime_stats": [
            {
                "sub_request_status": "SUCCESS",
                "lifetime_stat": {
                    "id": "c1",
                    "type": "CAMPAIGN",
                    "granularity": "LIFETIME",
                    "stats": {"spend": 42, "swipe_up_percent": 1.25},
                },
            }
        ]
    }
    (result,) = parse_stats_body(lifetime)
    assert result.granularity == "LIFETIME"
    assert result.series is not None
    assert result.series.periods[0].stats == {"spend": 42, "swipe_up_percent": 1.25}


async def test_e1008_raises_stats_query_error_with_snaps_words() -> None:
    text = (
        "Unsupported Stats Query: Timeseries queries with DAY granularity must have a start time "
        "that is the start of day (00:00:00) for the account's timezone. This account's "
        "timezone is: America/Los_Angeles"
    )

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            400,
            json={
                "request_status": "ERROR",
                "request_id": "r",
                "debug_message": text,
                "display_message": "x",
                "error_code": "E1008",
            },
        )

    api = _api(handler)
    try:
        with pytest.raises(StatsQueryError) as info:
            await api.measurement.get(
                "campaign",
                "c1",
                granularity="DAY",
                start=datetime(2026, 1, 1, 5, tzinfo=UTC),
                end=datetime(2026, 1, 2, 5, tzinfo=UTC),
            )
    finally:
        await api.aclose()
    assert info.value.debug_message == text
