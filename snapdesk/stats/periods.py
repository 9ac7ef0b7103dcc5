"""Time alignment and chunking of stats queries, in the ad account's time zone (DST-correct).

Snap's rules (reference/snap-api.md §4.5-4.6): a DAY query starts and ends at local midnight of
the account's zone, with the offset valid on that date; other times fall on the hour; the end is
exclusive; DAY spans at most 32 days and HOUR at most 7 days per query. snapdesk asks DAY in
chunks of at most 31 local days and HOUR in chunks of at most 7 local days (never more than 168
real hours), every chunk from one local midnight to another.

Everything here is pure: dates in, aware datetimes out, computed with `zoneinfo` (a local day
has 23, 24 or 25 hours). Beware: Python subtracts and compares two datetimes of the *same* zone
by wall time; convert to UTC first to measure real time or to key hours (01:00 repeats in autumn).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "DAY_CHUNK_DAYS",
    "HOUR_CHUNK_DAYS",
    "PRESETS",
    "account_zone",
    "contiguous_runs",
    "day_bounds",
    "day_chunks",
    "days_between",
    "hour_chunks",
    "hours_of_day",
    "local_midnight",
    "preset_range",
    "today_in",
]

DAY_CHUNK_DAYS: Final = 31  # Snap allows 32; one day of headroom, as PostHog uses
HOUR_CHUNK_DAYS: Final = 7
_MAX_HOUR_SPAN: Final = timedelta(days=7)

# Date-range presets for the chart, inclusive, relative to "today" in the account's zone.
PRESETS: Final[tuple[str, ...]] = (
    "today",
    "yesterday",
    "last_7_days",
    "last_14_days",
    "last_30_days",
    "last_90_days",
    "this_month",
    "last_month",
    "last_365_days",
)


def account_zone(name: str | None) -> ZoneInfo:
    """The account's IANA zone; an unknown or empty name is an error, not silently UTC."""
    if not name:
        raise ValueError("the ad account has no time zone; sync it first")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r}") from None


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """00:00 of `day` in `tz`, carrying the offset valid on that date."""
    return datetime(day.year, day.month, day.day, tzinfo=tz)


def day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) of the local day: midnight to the next midnight (23-25 real hours)."""
    return local_midnight(day, tz), local_midnight(day + timedelta(days=1), tz)


def hours_of_day(day: date, tz: ZoneInfo) -> list[datetime]:
    """The starts of the real hours of the local day, in `tz` (23, 24 or 25 of them)."""
    start, end = (m.astimezone(UTC) for m in day_bounds(day, tz))
    out = []
    moment = start
    while moment < end:
        out.append(moment.astimezone(tz))
        moment += timedelta(hours=1)
    return out


def days_between(start: date, end: date) -> list[date]:
    """Every date from `start` to `end`, both included."""
    if end < start:
        return []
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def day_chunks(
    start: date, end: date, tz: ZoneInfo, *, max_days: int = DAY_CHUNK_DAYS
) -> list[tuple[datetime, datetime]]:
    """DAY query windows covering the local dates `start`..`end` (inclusive): each from one
    local midnight to another (exclusive end), at most `max_days` days long."""
    if max_days < 1:
        raise ValueError("max_days must be at least 1")
    out = []
    day = start
    while day <= end:
        last = min(end, day + timedelta(days=max_days - 1))
        out.append((local_midnight(day, tz), local_midnight(last + timedelta(days=1), tz)))
        day = last + timedelta(days=1)
    return out


def hour_chunks(
    start: date, end: date, tz: ZoneInfo, *, max_days: int = HOUR_CHUNK_DAYS
) -> list[tuple[datetime, datetime]]:
    """HOUR query windows covering the local dates `start`..`end`, from local midnight to local
    midnight, each at most `max_days` local days and never longer than 168 real hours (a week
    that gains an hour in autumn is cut a day shorter)."""
    if max_days < 1:
        raise ValueError("max_days must be at least 1")
    out = []
    day = start
    while day <= end:
        span = min(max_days, (end - day).days + 1)
        while span > 1:
            lo = local_midnight(day, tz).astimezone(UTC)
            hi = local_midnight(day + timedelta(days=span), tz).astimezone(UTC)
            if hi - lo <= _MAX_HOUR_SPAN:  # in UTC: same-zone subtraction ignores DST
                break
            span -= 1
        out.append((local_midnight(day, tz), local_midnight(day + timedelta(days=span), tz)))
        day += timedelta(days=span)
    return out


def contiguous_runs(days: Iterable[date]) -> list[tuple[date, date]]:
    """Sorted, de-duplicated dates grouped into (first, last) runs of consecutive days."""
    runs: list[tuple[date, date]] = []
    for day in sorted(set(days)):
        if runs and runs[-1][1] + timedelta(days=1) == day:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def today_in(tz: ZoneInfo, now: datetime | None = None) -> date:
    """The current local date in the account's zone."""
    moment = now or datetime.now(UTC)
    if moment.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    return moment.astimezone(tz).date()


def preset_range(name: str, *, today: date) -> tuple[date, date]:
    """An inclusive (first, last) date range for a chart preset (see `PRESETS`)."""
    if name == "today":
        return today, today
    if name == "yesterday":
        day = today - timedelta(days=1)
        return day, day
    if name.startswith("last_") and name.endswith("_days"):
        try:
            count = int(name[len("last_") : -len("_days")])
        except ValueError:
            raise ValueError(f"unknown date range preset {name!r}") from None
        if count < 1:
            raise ValueError(f"unknown date range preset {name!r}")
        # "Last 7 days" ends yesterday, the last complete day, as ad managers count it.
        return today - timedelta(days=count), today - timedelta(days=1)
    if name == "this_month":
        return today.replace(day=1), today
    if name == "last_month":
        last = today.replace(day=1) - timedelta(days=1)
        return last.replace(day=1), last
    raise ValueError(f"unknown date range preset {name!r}")
