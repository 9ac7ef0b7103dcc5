"""Alignment and chunking in the account's time zone, across DST changes."""

from __future__ import annotations

from datetime import UTC, date, timedelta
from zoneinfo import ZoneInfo

import pytest

from snapdesk.api import format_stats_time
from snapdesk.stats.periods import (
    contiguous_runs,
    day_bounds,
    day_chunks,
    hour_chunks,
    hours_of_day,
    preset_range,
    today_in,
)

LA = ZoneInfo("America/Los_Angeles")
WARSAW = ZoneInfo("Europe/Warsaw")


@pytest.mark.parametrize(
    ("tz", "day", "hours", "start", "end"),
    [
        (LA, date(2026, 3, 8), 23, "2026-03-08T00:00:00-08:00", "2026-03-09T00:00:00-07:00"),
        (LA, date(2026, 11, 1), 25, "2026-11-01T00:00:00-07:00", "2026-11-02T00:00:00-08:00"),
        (LA, date(2026, 7, 1), 24, "2026-07-01T00:00:00-07:00", "2026-07-02T00:00:00-07:00"),
        (WARSAW, date(2026, 3, 29), 23, "2026-03-29T00:00:00+01:00", "2026-03-30T00:00:00+02:00"),
        (WARSAW, date(2026, 10, 25), 25, "2026-10-25T00:00:00+02:00", "2026-10-26T00:00:00+01:00"),
    ],
)
def test_local_days_across_dst(tz: ZoneInfo, day: date, hours: int, start: str, end: str) -> None:
    lo, hi = day_bounds(day, tz)
    assert (format_stats_time(lo), format_stats_time(hi)) == (start, end)
    assert hi.astimezone(UTC) - lo.astimezone(UTC) == timedelta(hours=hours)
    starts = hours_of_day(day, tz)
    assert len(starts) == hours
    assert all(s.minute == 0 and s.second == 0 for s in starts)
    assert len({s.astimezone(UTC) for s in starts}) == hours


def test_a_year_of_days_is_twelve_chunks_each_from_local_midnight_to_local_midnight() -> None:
    first, last = date(2025, 11, 23), date(2026, 11, 22)
    chunks = day_chunks(first, last, LA)
    assert len(chunks) == 12
    assert chunks[0][0].date() == first and chunks[-1][1].date() == last + timedelta(days=1)
    covered = 0
    for (lo, hi), nxt in zip(chunks, [*chunks[1:], None], strict=True):
        for moment in (lo, hi):
            local = moment.astimezone(LA)
            assert (local.hour, local.minute, local.second) == (0, 0, 0)
            assert moment.utcoffset() == local.utcoffset()  # offset valid on that date
        days = (hi.date() - lo.date()).days
        assert 1 <= days <= 31
        covered += days
        if nxt is not None:
            assert nxt[0] == hi  # exclusive end = next start
    assert covered == 365
    offsets = {format_stats_time(lo)[-6:] for lo, _ in chunks}
    assert offsets == {"-08:00", "-07:00"}  # winter and summer chunks


def test_hour_chunks_never_exceed_seven_days_or_168_hours() -> None:
    # the week of the November change has 169 hours: that chunk is cut to six days
    chunks = hour_chunks(date(2026, 10, 26), date(2026, 11, 15), LA)
    assert all(hi.astimezone(UTC) - lo.astimezone(UTC) <= timedelta(hours=168) for lo, hi in chunks)
    assert all((hi.date() - lo.date()).days <= 7 for lo, hi in chunks)
    assert chunks[0][0].date() == date(2026, 10, 26)
    assert chunks[-1][1].date() == date(2026, 11, 16)
    assert any((hi.date() - lo.date()).days == 6 for lo, hi in chunks)
    spring = hour_chunks(date(2026, 3, 2), date(2026, 3, 8), LA)
    assert len(spring) == 1
    assert spring[0][1].astimezone(UTC) - spring[0][0].astimezone(UTC) == timedelta(hours=167)


def test_contiguous_runs_and_presets() -> None:
    days = [date(2026, 1, d) for d in (5, 1, 2, 3, 7, 8)]
    assert contiguous_runs(days) == [
        (date(2026, 1, 1), date(2026, 1, 3)),
        (date(2026, 1, 5), date(2026, 1, 5)),
        (date(2026, 1, 7), date(2026, 1, 8)),
    ]
    today = date(2026, 3, 15)
    assert preset_range("today", today=today) == (today, today)
    assert preset_range("last_7_days", today=today) == (date(2026, 3, 8), date(2026, 3, 14))
    assert preset_range("last_month", today=today) == (date(2026, 2, 1), date(2026, 2, 28))
    assert preset_range("this_month", today=today) == (date(2026, 3, 1), today)
    with pytest.raises(ValueError):
        preset_range("fortnight", today=today)


def test_today_is_the_accounts_local_date() -> None:
    from datetime import datetime

    moment = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)  # 19:00 on the 22nd in Los Angeles
    assert today_in(LA, moment) == date(2026, 11, 22)
    assert today_in(WARSAW, moment) == date(2026, 11, 23)
