"""Rotation schedules: which variant should be active at a moment, and which step is due.

Pure functions of (start, every N hours, variants, now). Times are timezone-aware and compared
in UTC; a slot is N *real elapsed* hours, so a rotation keeps its rhythm across a DST change
(a "24 h" slot that starts at 20:00 PST ends at 21:00 PDT, not at 20:00 local time).

Slot `i` covers `[start + i*N h, start + (i+1)*N h)`. Slots come in rounds of k (one slot per
variant); the order within round `r = i // k` is row `r` of a Williams design
(`slot_variant`), so across rounds every variant runs first, second, … equally often and
follows every other variant equally often — no variant always gets the first slot after the
control, the same weekday, or the same carry-over. Round 0 starts with the control (the launch,
which ships ACTIVE). Experiments created before this order (`balanced=False`) keep the cyclic
order `variants[i % k]`. Catch-up never replays missed slots:
`due_steps` returns at most one step, the CURRENT slot's, which pauses every other variant and
activates the current one (pauses are sent before the activation, so two variants are never
active together).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final, Literal

Mode = Literal["rotation", "split"]
ROTATION: Final = "rotation"
SPLIT: Final = "split"


@dataclass(frozen=True)
class Step:
    """One schedule step: make `active` the active variant(s), pause `pause`."""

    index: int
    slot_start: datetime
    slot_end: datetime | None
    active: tuple[str, ...]
    pause: tuple[str, ...]


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("schedule times must be timezone-aware")
    return moment.astimezone(UTC)


def williams(k: int) -> list[list[int]]:
    """A Williams design for k treatments: rows are orders of 0..k−1 in which every treatment
    takes every position equally often and follows every other treatment equally often (k
    rows for even k, 2k for odd k). Row 0 starts with 0 (the control)."""
    if k < 1:
        raise ValueError("k must be positive")
    # row 0 is 0, 1, k−1, 2, k−2, …; row r adds r (mod k)
    base = [0] + [((j + 1) // 2 if j % 2 else k - j // 2) % k for j in range(1, k)]
    rows = [[(v + r) % k for v in base] for r in range(k)]
    if k % 2:
        rows += [list(reversed(row)) for row in rows]
    return rows


def slot_variant(index: int, k: int, *, balanced: bool = True) -> int:
    """The variant (position in the variants list) that slot `index` belongs to."""
    if not balanced:
        return index % k
    rows = williams(k)
    return rows[(index // k) % len(rows)][index % k]


def slot_index(*, start: datetime, every_hours: float, now: datetime) -> int | None:
    """The slot `now` falls in (None before the start)."""
    if every_hours <= 0:
        raise ValueError("the rotation interval must be positive")
    elapsed = (_utc(now) - _utc(start)).total_seconds()
    if elapsed < 0:
        return None
    return int(elapsed // (every_hours * 3600))


def slot_bounds(*, start: datetime, every_hours: float, index: int) -> tuple[datetime, datetime]:
    length = timedelta(hours=every_hours)
    begin = _utc(start) + index * length
    return begin, begin + length


def active_variant(
    *,
    start: datetime,
    every_hours: float,
    variants: Sequence[str],
    now: datetime,
    balanced: bool = True,
) -> str | None:
    """The variant that should be active at `now` in rotation mode (None before the start)."""
    if not variants:
        raise ValueError("an experiment needs at least one variant")
    index = slot_index(start=start, every_hours=every_hours, now=now)
    if index is None:
        return None
    return variants[slot_variant(index, len(variants), balanced=balanced)]


def rotation_windows(
    *,
    start: datetime,
    every_hours: float,
    variants: Sequence[str],
    until: datetime,
    balanced: bool = True,
) -> dict[str, list[tuple[datetime, datetime]]]:
    """Per variant, the scheduled [start, end) windows up to `until` (the last one clipped)."""
    out: dict[str, list[tuple[datetime, datetime]]] = {v: [] for v in variants}
    last = slot_index(start=start, every_hours=every_hours, now=until)
    if last is None:
        return out
    end_at = _utc(until)
    for index in range(last + 1):
        begin, end = slot_bounds(start=start, every_hours=every_hours, index=index)
        if begin >= end_at:
            break
        key = variants[slot_variant(index, len(variants), balanced=balanced)]
        out[key].append((begin, min(end, end_at)))
    return out


def due_step(
    *,
    mode: Mode,
    start: datetime,
    every_hours: float | None,
    variants: Sequence[str],
    last_applied_step: int | None,
    now: datetime,
    balanced: bool = True,
) -> Step | None:
    """The step to apply now, or None. Rotation: the current slot's step if it is newer than
    the last applied one (never the missed ones). Split: step 0 (all active), once."""
    if not variants:
        raise ValueError("an experiment needs at least one variant")
    if _utc(now) < _utc(start):
        return None
    if mode == SPLIT:
        if last_applied_step is not None:
            return None
        return Step(0, _utc(start), None, tuple(variants), ())
    if every_hours is None:
        raise ValueError("rotation mode needs an interval in hours")
    index = slot_index(start=start, every_hours=every_hours, now=now)
    assert index is not None
    if last_applied_step is not None and index <= last_applied_step:
        return None
    begin, end = slot_bounds(start=start, every_hours=every_hours, index=index)
    active = variants[slot_variant(index, len(variants), balanced=balanced)]
    return Step(index, begin, end, (active,), tuple(v for v in variants if v != active))
