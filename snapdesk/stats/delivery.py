"""What an entity is doing, in one word a user can believe: the single rule the account tree,
the details panel and the notices agree on.

Snap's own `delivery_status` says nothing about money: a campaign that has spent its lifetime
spend cap still reads `["VALID"]` while the notices (from the stats) say it stopped. So the
state here combines the entity's status, its schedule, Snap's delivery and review statuses, and
what the stats refresh last saw (the `stats_watch` entry: `cap_reached`, `daily_reached`).

    state = delivery_state(CAMPAIGN, row.data, status=row.status, watch=watch.get(row.id),
                           today=today, now=now)
    state.label, state.tone, state.reasons
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

from snapdesk.core.kinds import AD, AD_SQUAD, CAMPAIGN

# Snap's delivery statuses that mean "fine" [REC k0va1: ["VALID"]; the sandbox and older
# recordings also use ACTIVE/DELIVERING].
OK_DELIVERY: Final = frozenset({"VALID", "ACTIVE", "DELIVERING"})

# tones: how a view colours the state
ACTIVE: Final = "active"
PAUSED: Final = "paused"
NEUTRAL: Final = "neutral"
WARNING: Final = "warning"
ERROR: Final = "error"

# keys
DELIVERING: Final = "delivering"
NOT_ACTIVE: Final = "paused"
SCHEDULED: Final = "scheduled"
ENDED: Final = "ended"
CAPPED: Final = "capped"
LIMITED: Final = "limited"
IN_REVIEW: Final = "in_review"
REJECTED: Final = "rejected"
NOT_DELIVERING: Final = "not_delivering"


@dataclass(frozen=True)
class Delivery:
    key: str
    label: str
    tone: str
    reasons: tuple[str, ...] = ()


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _humanize(value: str) -> str:
    text = value.removeprefix("INVALID_").replace("_", " ").strip().lower()
    return text[:1].upper() + text[1:]


def delivery_problems(delivery_status: Sequence[str] | None, *, status: str | None) -> list[str]:
    """Snap's delivery statuses that mean an ACTIVE entity is not delivering as intended."""
    if (status or "").upper() != "ACTIVE":
        return []
    return [s for s in delivery_status or [] if str(s).upper() not in OK_DELIVERY]


def delivery_state(
    kind: str,
    data: Mapping[str, Any],
    *,
    status: str | None,
    watch: Mapping[str, Any] | None = None,
    today: date | None = None,
    now: datetime,
) -> Delivery:
    """The state of a campaign, ad squad or ad (other kinds: their status as a word).

    Order: not active → Paused; an ad Rejected or In review; past its end → Ended; before its
    start → Scheduled; lifetime cap/budget spent → Lifetime cap reached; today's budget spent
    → Daily budget reached (limited until midnight in the account's zone); any other of Snap's
    delivery problems → Not delivering (with Snap's reasons); else Active."""
    upper = (status or "").upper()
    label = upper.replace("_", " ").capitalize() if upper else "—"
    if kind not in (CAMPAIGN, AD_SQUAD, AD):
        return Delivery(upper.lower() or "unknown", label, ACTIVE if upper == "ACTIVE" else NEUTRAL)
    review = str(data.get("review_status") or "").upper()
    if kind == AD and review == "REJECTED":
        reasons = tuple(str(r) for r in data.get("review_status_reasons") or [])
        return Delivery(REJECTED, "Rejected", ERROR, reasons or ("Rejected by Snap's review",))
    if upper != "ACTIVE":
        return Delivery(NOT_ACTIVE, label, PAUSED if upper == "PAUSED" else NEUTRAL)
    if kind == AD and review == "PENDING":
        return Delivery(IN_REVIEW, "In review", NEUTRAL, ("Waiting for Snap's review",))
    end = _time(data.get("end_time"))
    if end is not None and end <= now:
        return Delivery(ENDED, "Ended", NEUTRAL, (f"Ended {end:%Y-%m-%d %H:%M} UTC",))
    start = _time(data.get("start_time"))
    if start is not None and start > now:
        return Delivery(SCHEDULED, "Scheduled", NEUTRAL, (f"Starts {start:%Y-%m-%d %H:%M} UTC",))
    watch = watch or {}
    what = "lifetime spend cap" if kind == CAMPAIGN else "lifetime budget"
    if watch.get("cap_reached"):
        return Delivery(
            CAPPED,
            "Lifetime cap reached",
            WARNING,
            (f"Its {what} is spent: it no longer delivers",),
        )
    if today is not None and watch.get("daily_reached") == today.isoformat():
        return Delivery(
            LIMITED,
            "Daily budget reached",
            WARNING,
            ("Today's budget is spent: delivery resumes tomorrow",),
        )
    problems = delivery_problems(data.get("delivery_status"), status=status)
    if problems:
        return Delivery(
            NOT_DELIVERING, "Not delivering", WARNING, tuple(_humanize(p) for p in problems)
        )
    return Delivery(DELIVERING, "Active", ACTIVE)
