"""Rotation schedules: order, catch-up after a gap, DST, no overlap, split mode."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from snapdesk.experiments import (
    RUNNING,
    Experiment,
    Variant,
    active_variant,
    due_step,
    due_steps,
    slot_variant,
)

LA = ZoneInfo("America/Los_Angeles")
V = ("ctrl", "b", "c")


def experiment(*, start: datetime, hours: float = 6, mode: str = "rotation") -> Experiment:
    return Experiment(
        id="e1",
        name="test",
        hypothesis="",
        ad_account_id="acc",
        campaign_id="camp",
        primary_metric="swipe_rate",
        guardrails=(),
        dimension="targeting",
        variants=(
            Variant("A", "ctrl", "control", "A"),
            Variant("B", "b", "treatment", "B"),
            Variant("C", "c", "treatment", "C"),
        ),
        mode=mode,  # type: ignore[arg-type]
        rotation_hours=hours if mode == "rotation" else None,
        state=RUNNING,
        start_at=start,
    )


def test_counterbalanced_order() -> None:
    """Rounds of one slot per variant, their order from a Williams design: no variant always
    runs first (or always after the same one)."""
    start = datetime(2026, 6, 1, 9, tzinfo=UTC)
    seen = [
        active_variant(start=start, every_hours=6, variants=V, now=start + timedelta(hours=h))
        for h in range(0, 6 * 9, 6)
    ]
    assert seen == ["ctrl", "b", "c", "b", "c", "ctrl", "c", "ctrl", "b"]
    # an experiment created before the counterbalanced order keeps its cyclic rhythm
    cyclic = [
        active_variant(
            start=start, every_hours=6, variants=V, now=start + timedelta(hours=h), balanced=False
        )
        for h in range(0, 6 * 7, 6)
    ]
    assert cyclic == ["ctrl", "b", "c", "ctrl", "b", "c", "ctrl"]
    assert active_variant(start=start, every_hours=6, variants=V, now=start - timedelta(1)) is None
    # the slot changes exactly at its boundary
    edge = start + timedelta(hours=6)
    assert (
        active_variant(start=start, every_hours=6, variants=V, now=edge - timedelta(seconds=1))
        == "ctrl"
    )
    assert active_variant(start=start, every_hours=6, variants=V, now=edge) == "b"


def test_catch_up_jumps_to_the_current_slot() -> None:
    start = datetime(2026, 6, 1, 9, tzinfo=UTC)
    exp = experiment(start=start)
    # applied step 1 (b); the app was closed for 5 days: slot 20 is current (20 % 3 = 2 -> c)
    now = start + timedelta(hours=6 * 20 + 1)
    steps = due_steps(exp, 1, now)
    assert len(steps) == 1
    (step,) = steps
    assert step.index == 20 and step.active == ("c",)
    assert set(step.pause) == {"ctrl", "b"}
    assert due_steps(exp, 20, now) == []  # idempotent: nothing more to do in the slot
    assert due_steps(exp, 20, now + timedelta(hours=4, minutes=59)) == []
    # slot 21 opens round 7, whose order (Williams row 1: b, c, ctrl) starts with b
    assert due_steps(exp, 20, now + timedelta(hours=5))[0].active == ("b",)


def test_dst_uses_real_elapsed_hours() -> None:
    # 24 h slots starting 20:00 PST on Sat 7 March 2026; clocks spring forward on 8 March.
    start = datetime(2026, 3, 7, 20, tzinfo=LA)
    two = ("ctrl", "b")
    # Mon 9 March 20:00 PDT is only 47 real hours later: still slot 1 (b), not slot 2.
    monday_20 = datetime(2026, 3, 9, 20, tzinfo=LA)
    assert (monday_20.astimezone(UTC) - start.astimezone(UTC)).total_seconds() == 47 * 3600
    assert active_variant(start=start, every_hours=24, variants=two, now=monday_20) == "b"
    # …and slot 2 starts at 21:00 PDT: it opens round 1, whose order is b, then ctrl
    assert (
        active_variant(
            start=start, every_hours=24, variants=two, now=datetime(2026, 3, 9, 21, tzinfo=LA)
        )
        == "b"
    )
    # Autumn: 1 Nov 2026 falls back; a 24 h slot from 20:00 PDT 31 Oct ends at 19:00 PST.
    autumn = datetime(2026, 10, 31, 20, tzinfo=LA)
    step = due_step(
        mode="rotation", start=autumn, every_hours=24, variants=two, last_applied_step=None,
        now=datetime(2026, 11, 1, 19, 30, tzinfo=LA),
    )  # fmt: skip
    assert step is not None and step.index == 1 and step.active == ("b",)
    assert step.slot_start == datetime(2026, 11, 1, 19, tzinfo=LA).astimezone(UTC)


def test_catch_up_across_dst_after_a_long_gap() -> None:
    start = datetime(2026, 3, 1, 8, tzinfo=LA)  # PST
    exp = experiment(start=start, hours=5)
    now = datetime(2026, 3, 12, 8, tzinfo=LA)  # PDT: 11 days minus one hour = 263 h
    (step,) = due_steps(exp, 3, now)
    assert step.index == 263 // 5 == 52
    assert step.active == (V[slot_variant(52, 3)],)


def test_never_two_variants_active() -> None:
    start = datetime(2026, 3, 5, 0, tzinfo=LA)
    exp = experiment(start=start, hours=7)
    last: int | None = None
    active = "ctrl"
    moment = start
    # irregular ticks (some very long gaps) across the DST change
    for gap in [1, 3, 50, 2, 7, 7, 170, 1, 0.5, 30, 12, 300, 6]:
        moment += timedelta(hours=gap)
        for step in due_steps(exp, last, moment):
            assert len(step.active) == 1
            assert set(step.pause) | set(step.active) == set(V)
            assert not set(step.pause) & set(step.active)
            active = step.active[0]
            last = step.index
        assert active == active_variant(start=start, every_hours=7, variants=V, now=moment)


def test_split_mode_activates_everything_once() -> None:
    start = datetime(2026, 6, 1, tzinfo=UTC)
    exp = experiment(start=start, mode="split")
    (step,) = due_steps(exp, None, start + timedelta(days=3))
    assert step.active == V and step.pause == ()
    assert due_steps(exp, 0, start + timedelta(days=30)) == []


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError):
        active_variant(start=datetime(2026, 1, 1), every_hours=1, variants=V, now=datetime.now(UTC))
