"""Snap's stats endpoint (`GET /{campaigns|adsquads|ads|adaccounts}/{id}/stats`), one query at a time.

`api.measurement.get(...)` sends exactly one query (plus breakdown pages, if Snap paginates
them) and parses every envelope Snap uses: `total_stats/total_stat`,
`timeseries_stats/timeseries_stat`, `lifetime_stats/lifetime_stat`, and `breakdown_stats` inside
either. Times are sent as ISO-8601 with the offset, through httpx's `params`, so the `+` of an
offset goes out as `%2B` (a raw `+` would reach Snap as a space: "Invalid StartDateTime").

Alignment and chunking are not done here; `snapdesk.stats` does them. Snap's E1008 answers raise
`StatsQueryError` with Snap's own text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final, Literal
from urllib.parse import quote

from snapdesk.api.errors import ApiError

if TYPE_CHECKING:
    from snapdesk.api._client import SnapApi

__all__ = [
    "BREAKDOWNS",
    "GRANULARITIES",
    "STATS_ENTITY_PATHS",
    "Measurement",
    "StatsPeriod",
    "StatsResult",
    "StatsSeries",
    "format_stats_time",
    "parse_stats_body",
    "parse_stats_time",
]

Granularity = Literal["TOTAL", "DAY", "HOUR", "LIFETIME"]
Breakdown = Literal["campaign", "adsquad", "ad"]

GRANULARITIES: Final = ("TOTAL", "DAY", "HOUR", "LIFETIME")
BREAKDOWNS: Final = ("campaign", "adsquad", "ad")

# snapdesk's entity kinds (snapdesk.core.kinds) -> Snap's URL noun for stats.
STATS_ENTITY_PATHS: Final[dict[str, str]] = {
    "ad_account": "adaccounts",
    "campaign": "campaigns",
    "ad_squad": "adsquads",
    "ad": "ads",
}

_ENVELOPES: Final = (
    ("timeseries_stats", "timeseries_stat"),
    ("total_stats", "total_stat"),
    ("lifetime_stats", "lifetime_stat"),
)

StatValue = int | float


def format_stats_time(moment: datetime) -> str:
    """`2025-07-01T00:00:00+02:00`: seconds and the offset, as the recorded client sent it.

    `moment` must be aware (carry the account's offset for that date); naive times are refused
    because Snap would read them in the account's zone, which hides DST mistakes.
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("stats times must carry a UTC offset (use the account's time zone)")
    return moment.isoformat(timespec="seconds")


def parse_stats_time(value: object) -> datetime | None:
    """Snap's stats timestamps (`...000+02:00`, `...Z`, or an old naive form, read as UTC)."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _numbers(raw: object) -> dict[str, StatValue]:
    if not isinstance(raw, Mapping):
        return {}
    out: dict[str, StatValue] = {}
    for key, value in raw.items():
        if isinstance(value, bool):
            continue
        if isinstance(value, int | float):
            out[str(key)] = value
        elif isinstance(value, str):
            try:
                out[str(key)] = int(value)
            except ValueError:
                try:
                    out[str(key)] = float(value)
                except ValueError:
                    continue
    return out


@dataclass(frozen=True)
class StatsPeriod:
    """One row: a time bucket (None bounds for LIFETIME) and its numbers as Snap sent them
    (`spend` and `*_value` in micro-currency)."""

    start: datetime | None
    end: datetime | None
    stats: dict[str, StatValue]


@dataclass(frozen=True)
class StatsSeries:
    """The stats of one entity: a single period for TOTAL/LIFETIME, one per bucket otherwise."""

    id: str
    type: str
    periods: tuple[StatsPeriod, ...]


@dataclass(frozen=True)
class StatsResult:
    """One parsed stats answer. `series` is the queried entity's own numbers (empty for a
    breakdown query unless Snap also sent them); `breakdown` maps the breakdown level
    (`campaign`, `adsquad`, `ad`) to one series per child."""

    id: str
    type: str
    granularity: str
    start: datetime | None
    end: datetime | None
    finalized_data_end_time: datetime | None
    series: StatsSeries | None
    breakdown: dict[str, list[StatsSeries]] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


def _series(obj: Mapping[str, Any], *, default_id: str, default_type: str) -> StatsSeries | None:
    oid = str(obj.get("id") or default_id)
    otype = str(obj.get("type") or default_type)
    timeseries = obj.get("timeseries")
    if isinstance(timeseries, list):
        periods = tuple(
            StatsPeriod(
                start=parse_stats_time(row.get("start_time")),
                end=parse_stats_time(row.get("end_time")),
                stats=_numbers(row.get("stats")),
            )
            for row in timeseries
            if isinstance(row, Mapping)
        )
        return StatsSeries(oid, otype, periods)
    if "stats" in obj:
        period = StatsPeriod(
            start=parse_stats_time(obj.get("start_time")),
            end=parse_stats_time(obj.get("end_time")),
            stats=_numbers(obj.get("stats")),
        )
        return StatsSeries(oid, otype, (period,))
    return None


def parse_stats_body(body: Mapping[str, Any]) -> list[StatsResult]:
    """Every stat object of a checked stats envelope, whichever of the three shapes it uses."""
    results: list[StatsResult] = []
    for plural, item in _ENVELOPES:
        raw = body.get(plural)
        if not isinstance(raw, list):
            continue
        for wrapper in raw:
            if not isinstance(wrapper, Mapping):
                continue
            stat = wrapper.get(item) if item in wrapper else wrapper
            if not isinstance(stat, Mapping):
                continue
            oid = str(stat.get("id") or "")
            otype = str(stat.get("type") or "")
            breakdown: dict[str, list[StatsSeries]] = {}
            raw_breakdown = stat.get("breakdown_stats")
            if isinstance(raw_breakdown, Mapping):
                for level, rows in raw_breakdown.items():
                    if not isinstance(rows, list):
                        continue
                    breakdown[str(level)] = [
                        s
                        for row in rows
                        if isinstance(row, Mapping)
                        and (s := _series(row, default_id="", default_type="")) is not None
                    ]
            results.append(
                StatsResult(
                    id=oid,
                    type=otype,
                    granularity=str(stat.get("granularity") or item.split("_")[0].upper()),
                    start=parse_stats_time(stat.get("start_time")),
                    end=parse_stats_time(stat.get("end_time")),
                    finalized_data_end_time=parse_stats_time(stat.get("finalized_data_end_time")),
                    series=_series(stat, default_id=oid, default_type=otype),
                    breakdown=breakdown,
                    raw=dict(stat),
                )
            )
    return results


def _merge(first: StatsResult, more: StatsResult) -> StatsResult:
    """A breakdown answer continued on another page: the children lists concatenated."""
    merged = {level: list(rows) for level, rows in first.breakdown.items()}
    for level, rows in more.breakdown.items():
        merged.setdefault(level, []).extend(rows)
    return StatsResult(
        id=first.id,
        type=first.type,
        granularity=first.granularity,
        start=first.start,
        end=first.end,
        finalized_data_end_time=first.finalized_data_end_time or more.finalized_data_end_time,
        series=first.series,
        breakdown=merged,
        raw=first.raw,
    )


class Measurement:
    """`api.measurement`: stats queries. One call is one query (Snap's limits apply)."""

    def __init__(self, api: SnapApi) -> None:
        self._api = api

    @staticmethod
    def params(
        *,
        granularity: Granularity | str,
        start: datetime | None = None,
        end: datetime | None = None,
        fields: Sequence[str] | None = None,
        breakdown: Breakdown | str | None = None,
        extra: Mapping[str, str] | None = None,
    ) -> dict[str, str]:
        """The query parameters of one stats request (times with their offsets)."""
        gran = granularity.upper()
        if gran not in GRANULARITIES:
            raise ValueError(f"granularity must be one of {', '.join(GRANULARITIES)}")
        params: dict[str, str] = {"granularity": gran}
        if fields:
            params["fields"] = ",".join(fields)
        if start is not None:
            params["start_time"] = format_stats_time(start)
        if end is not None:
            params["end_time"] = format_stats_time(end)
        if breakdown:
            if breakdown not in BREAKDOWNS:
                raise ValueError(f"breakdown must be one of {', '.join(BREAKDOWNS)}")
            params["breakdown"] = breakdown
        if extra:
            params.update(extra)
        return params

    @staticmethod
    def path(kind: str, entity_id: str) -> str:
        try:
            noun = STATS_ENTITY_PATHS[kind]
        except KeyError:
            raise ValueError(f"no stats for entity kind {kind!r}") from None
        if not entity_id:
            raise ValueError("an id is required")
        return f"/{noun}/{quote(entity_id, safe='')}/stats"

    async def get(
        self,
        kind: str,
        entity_id: str,
        *,
        granularity: Granularity | str,
        start: datetime | None = None,
        end: datetime | None = None,
        fields: Sequence[str] | None = None,
        breakdown: Breakdown | str | None = None,
        extra: Mapping[str, str] | None = None,
    ) -> StatsResult:
        """Send one stats query for the entity (`kind` is a snapdesk kind: `ad_account`,
        `campaign`, `ad_squad`, `ad`) and return the parsed answer. Breakdown pages announced
        by `paging.next_link` are followed and merged."""
        path = self.path(kind, entity_id)
        params = self.params(
            granularity=granularity,
            start=start,
            end=end,
            fields=fields,
            breakdown=breakdown,
            extra=extra,
        )
        body = await self._api.get_json(path, params=params)
        results = parse_stats_body(body)
        if not results:
            raise ApiError(
                "Snap's stats answer has none of total_stats, timeseries_stats or lifetime_stats",
                method="GET",
                path=path,
            )
        result = results[0]
        seen: set[str] = set()
        link = _next_link(body)
        while link is not None and link not in seen:
            seen.add(link)
            body = await self._api.get_json(link)
            more = parse_stats_body(body)
            if more:
                result = _merge(result, more[0])
            link = _next_link(body)
        return result


def _next_link(body: Mapping[str, Any]) -> str | None:
    paging = body.get("paging")
    if not isinstance(paging, Mapping):
        return None
    link = paging.get("next_link")
    return link.strip() if isinstance(link, str) and link.strip() else None
