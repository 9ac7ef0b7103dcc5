"""Snap's stats errors (E1008 "Unsupported Stats Query", "Invalid StartDateTime") in plain words.

snapdesk aligns and chunks every query itself, so one of these reaching a user means something
outside snapdesk's control changed (most often the ad account's time zone) or a query was built
by hand. The sentence says what Snap objected to and what to do.
"""

from __future__ import annotations

import re

from snapdesk.api.errors import ApiError, SnapError

__all__ = ["StatsError", "explain_stats_error"]

_AUTO = "snapdesk aligns and splits stats queries automatically"


class StatsError(SnapError):
    """A stats query failed; `message` is one plain sentence, `snap_message` Snap's own text."""

    def __init__(self, message: str, *, snap_message: str | None = None) -> None:
        super().__init__(message)
        self.snap_message = snap_message


def explain_stats_error(error: BaseException, *, timezone: str | None = None) -> str:
    """One sentence saying what Snap refused in a stats query and what to do about it."""
    snap = ""
    if isinstance(error, ApiError):
        snap = error.debug_message or error.message or ""
    elif isinstance(error, SnapError):
        return error.message
    else:
        snap = str(error)
    text = snap.lower()
    said = re.search(r"timezone is:\s*([A-Za-z0-9_+\-/]+)", snap)
    if said:  # Snap names the zone it uses: trust it over what snapdesk had cached
        timezone = said.group(1)
    zone = f" ({timezone})" if timezone else ""
    if "invalid startdatetime" in text or "invalid enddatetime" in text:
        return (
            "Snap could not read the time in the stats query (the '+' of the time-zone offset "
            "reached it as a space). snapdesk encodes it as %2B; a proxy or a hand-built URL "
            "probably decoded it."
        )
    if "start of day" in text:
        return (
            "Snap refused the stats query: daily stats must start and end at midnight in the "
            f"ad account's time zone{zone}. {_AUTO}, so the account's time zone has probably "
            "changed — sync the ad account and try again."
        )
    if "more than 32 days" in text or ("day granularity" in text and "more than" in text):
        return (
            "Snap refused the stats query: daily stats can cover at most 32 days per request. "
            f"{_AUTO}; try again, and report it if it keeps happening."
        )
    if "hour granularity" in text and "more than" in text:
        return (
            "Snap refused the stats query: hourly stats can cover at most 7 days per request. "
            f"{_AUTO}; choose daily stats for longer ranges."
        )
    if "beginning of an hour" in text:
        return (
            "Snap refused the stats query: its start and end must fall on the hour in the ad "
            f"account's time zone{zone}. {_AUTO}; try again after syncing the account."
        )
    if "after start time" in text:
        return (
            "Snap refused the stats query because its end was not after its start — pick a "
            "date range whose last day is on or after its first day."
        )
    if "only field 'spend'" in text:
        return (
            "Snap only reports spend for a whole ad account; snapdesk asks per campaign and "
            "adds them up — try again, and report it if it keeps happening."
        )
    if "hour granularity does not support" in text:
        return (
            "Snap refused the stats query: reach metrics (uniques, frequency, reach) are not "
            "available hourly — switch to daily stats to see them."
        )
    if "conversion" in text:
        return (
            "Snap refused the conversion metrics of this stats query — the ad account may have "
            "no pixel or app events yet."
        )
    if snap:
        return f"Snap refused the stats query: {snap}"
    return "Snap refused the stats query."
