"""An experiment changes state only when the changes that make the change have posted (issue 13,
item 6), against the sandbox over loopback HTTP.

Promoting or pausing queues the changes through Pending Changes and records them as *pending*
on the experiment: it ends (or pauses) only once every one of those changes posted live —
whoever posted them (this service, another connection or process on the same cache). A dry-run
rehearsal changes nothing; reverting the changes in Pending Changes drops the pending
transition; cancelling it restores the pending changes and the experiment's row exactly as they
were. A rotation step is marked applied from what the store says posted, never from the mode a
gateway reports afterwards; a resumed experiment counts no active time until its step posted.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from snapdesk.changes import EditService, WriteGateway
from snapdesk.changes import repository as change_repo
from snapdesk.changes.mode import LiveMode
from snapdesk.changes.model import ChangeError
from snapdesk.core.kinds import AD_SQUAD
from snapdesk.experiments import ENDED, PAUSED, RUNNING, Created, ExperimentService
from snapdesk.sandbox import SandboxServer
from snapdesk.store import EntityRow, Store
from tests.changes.conftest import (
    clear_recorded,
    control,
    first_squad,
    no_sleep,
    recorded_writes,
)

Gateway = Callable[..., WriteGateway]


@pytest.fixture
def service(store: Store, edits: EditService) -> ExperimentService:
    return ExperimentService(store=store, edits=edits)


def _create(service: ExperimentService, squad: EntityRow, *, k: int, mode: str) -> Created:
    bid = int(squad.data["bid_micro"])
    return service.create(
        name="Bid test",
        hypothesis="A higher max bid wins more swipes",
        campaign_id=str(squad.parent_id),
        control_squad_id=squad.id,
        dimension="bid",
        treatments=[{"bid_micro": bid + 100_000 * i} for i in range(1, k)],
        primary_metric="swipe_rate",
        mode=mode,  # type: ignore[arg-type]
        rotation_hours=24 if mode == "rotation" else None,
    )


async def _running(
    service: ExperimentService,
    gateway: Gateway,
    store: Store,
    *,
    k: int = 3,
    mode: str = "rotation",
    start: datetime | None = None,
) -> str:
    """Created, posted live, started and its first step applied: in rotation A is active and
    the others paused on Snap; in split every variant is active."""
    created = _create(service, first_squad(store), k=k, mode=mode)
    report = await gateway(live=True).post(created.change_ids)
    assert report.ok and all(r.outcome == "posted" for r in report.results)
    moment = start or datetime.now(UTC)
    exp_id = service.start(created.experiment.id, at=moment).id
    (step,) = await service.tick(gateway(live=True), now=moment)
    assert step.applied
    return exp_id


def _experiment_row(store: Store, exp_id: str) -> tuple[Any, ...]:
    return store.write(
        lambda c: c.execute(
            "SELECT state, data, updated_at FROM experiments WHERE id = ?", (exp_id,)
        ).fetchone()
    )


def _pending_rows(store: Store) -> list[tuple[Any, ...]]:
    return store.write(lambda c: c.execute("SELECT * FROM pending_changes ORDER BY seq").fetchall())


def _history(store: Store) -> list[tuple[Any, ...]]:
    return store.write(
        lambda c: c.execute("SELECT stack, group_id, label FROM change_history ORDER BY seq")
        .fetchall()
    )  # fmt: skip


def _on_snap(server: SandboxServer, squad_id: str) -> str:
    with server.state.lock:
        return str(server.state.collections[AD_SQUAD].objects[squad_id]["status"])


# -- promotion ----------------------------------------------------------------------------------


async def test_promotion_ends_the_experiment_only_once_its_changes_posted_live(
    store: Store, service: ExperimentService, gateway: Gateway, server: SandboxServer
) -> None:
    exp_id = await _running(service, gateway, store)
    a, b, c = service.get(exp_id).squad_ids
    assert [_on_snap(server, s) for s in (a, b, c)] == ["ACTIVE", "PAUSED", "PAUSED"]
    clear_recorded(server)

    promotion = service.promote(exp_id, winner="B")
    queued = service.get(exp_id)
    assert queued.state == RUNNING and queued.winner is None and queued.end_at is None
    assert queued.pending is not None and queued.pending.action == "promote"
    assert queued.pending.winner == "B"
    assert set(queued.pending.change_ids) == set(promotion.change_ids)
    assert _experiment_row(store, exp_id)[0] == RUNNING  # the SQL row, not only the object

    # a dry-run rehearsal sends nothing and changes nothing
    rehearsal = await gateway(live=False).post(promotion.change_ids)
    assert {r.outcome for r in rehearsal.results} == {"dry-run"}
    assert service.get(exp_id).state == RUNNING and service.get(exp_id).winner is None
    assert recorded_writes(server) == []

    # posted live: now it has ended, with B as its winner
    report = await gateway(live=True).post(promotion.change_ids)
    assert report.ok and {r.outcome for r in report.results} == {"posted"}
    ended = service.get(exp_id)
    assert ended.state == ENDED and ended.winner == "B" and ended.pending is None
    assert ended.end_at is not None
    assert [_on_snap(server, s) for s in (a, b, c)] == ["PAUSED", "ACTIVE", "PAUSED"]
    assert _experiment_row(store, exp_id)[0] == ENDED
    assert await service.tick(gateway(live=True)) == []  # no more rotation


async def test_a_promotion_posted_by_another_process_is_seen_after_a_restart(
    store: Store,
    service: ExperimentService,
    gateway: Gateway,
    server: SandboxServer,
    db_path: Path,
    api: Any,
) -> None:
    exp_id = await _running(service, gateway, store, mode="split", k=2)
    promotion = service.promote(exp_id, winner="B")

    # `snapdesk changes post --live` in another process: its own connection to the cache
    other = Store(db_path)
    try:
        cli = WriteGateway(api=api, store=other, live=True, profile="cli", sleep=no_sleep)
        assert (await cli.post()).ok
    finally:
        other.close()

    assert service.get(exp_id).state == ENDED  # this process sees it
    [listed] = [e for e in service.experiments() if e.id == exp_id]
    assert listed.state == ENDED and listed.winner == "B"
    restarted = ExperimentService(store=Store(db_path))  # a restart
    try:
        again = restarted.get(exp_id)
        assert again.state == ENDED and again.winner == "B"
        assert set(promotion.change_ids) <= {
            c.id
            for c in restarted.store.write(
                lambda conn: change_repo.load_changes(conn, states=("posted",))
            )
        }
    finally:
        restarted.store.close()


async def test_cancelling_a_queued_promotion_restores_everything_exactly(
    store: Store, service: ExperimentService, gateway: Gateway, edits: EditService
) -> None:
    exp_id = await _running(service, gateway, store)
    a, _b, _c = service.get(exp_id).squad_ids
    # the user already had an edit of A queued: the promotion's pause merges into it
    bid = int(store.get(AD_SQUAD, a).data["bid_micro"])  # type: ignore[union-attr]
    edits.edit(kind=AD_SQUAD, entity_id=a, fields={"bid_micro": bid + 10_000})
    pending_before = _pending_rows(store)
    row_before = _experiment_row(store, exp_id)
    history_before = _history(store)

    promotion = service.promote(exp_id, winner="B", move_budget=True)
    assert len(promotion.change_ids) == 2  # A's (merged) and B's; C is paused already
    assert _pending_rows(store) != pending_before

    restored = service.cancel_pending(exp_id)
    assert restored.pending is None and restored.state == RUNNING
    assert _pending_rows(store) == pending_before  # the user's edit of A as it was, nothing else
    assert _experiment_row(store, exp_id) == row_before
    assert _history(store) == history_before  # no undo entry left that would queue it again
    assert service.effective_status(a) == "ACTIVE"


async def test_reverting_the_promotions_changes_drops_the_pending_promotion(
    store: Store, service: ExperimentService, gateway: Gateway, edits: EditService
) -> None:
    exp_id = await _running(service, gateway, store)
    promotion = service.promote(exp_id, winner="C")
    edits.revert(promotion.change_ids)  # in Pending Changes
    experiment = service.get(exp_id)
    assert experiment.state == RUNNING and experiment.pending is None
    assert experiment.winner is None


async def test_a_failed_live_post_leaves_the_experiment_running(
    store: Store, service: ExperimentService, gateway: Gateway, server: SandboxServer
) -> None:
    exp_id = await _running(service, gateway, store)
    a, b, _c = service.get(exp_id).squad_ids
    promotion = service.promote(exp_id, winner="B")
    campaign = store.get(AD_SQUAD, a).parent_id  # type: ignore[union-attr]
    control(
        server,
        "POST",
        "faults",
        {"path": f"/v1/campaigns/{campaign}/adsquads", "method": "PUT", "status": 400, "times": 1},
    )
    try:
        report = await gateway(live=True).post(promotion.change_ids)
    finally:
        control(server, "DELETE", "faults")
    assert report.failed and report.posted  # the pause of A failed, the resume of B posted
    experiment = service.get(exp_id)
    assert experiment.state == RUNNING and experiment.winner is None
    assert experiment.pending is not None
    progress = service.pending_progress(exp_id)
    assert (progress.posted, progress.failed, progress.total) == (1, 1, 2)

    report = await gateway(live=True).post(promotion.change_ids)  # posted again: now it ends
    assert report.ok
    assert service.get(exp_id).state == ENDED
    assert _on_snap(server, a) == "PAUSED" and _on_snap(server, b) == "ACTIVE"


async def test_a_pending_promotion_holds_the_rotation_and_other_transitions(
    store: Store, service: ExperimentService, gateway: Gateway, server: SandboxServer
) -> None:
    start = datetime.now(UTC) - timedelta(hours=2)
    exp_id = await _running(service, gateway, store, start=start)
    promotion = service.promote(exp_id, winner="B")
    queued = {c.id: c.after for c in service.edits.pending()}
    clear_recorded(server)

    # the next slot is due (C), but the promotion waits: the tick leaves its changes alone
    (outcome,) = await service.tick(gateway(live=True), now=start + timedelta(hours=49))
    assert not outcome.applied and "promotion" in outcome.message
    assert recorded_writes(server) == []
    assert {c.id: c.after for c in service.edits.pending()} == queued
    for transition in (service.end, service.archive, service.pause):
        with pytest.raises(ChangeError, match="waits to be posted"):
            transition(exp_id)
    with pytest.raises(ChangeError, match="waits to be posted"):
        service.promote(exp_id, winner="C")
    assert set(service.get(exp_id).pending.change_ids) == set(promotion.change_ids)  # type: ignore[union-attr]


# -- pause and resume ---------------------------------------------------------------------------


async def test_pause_takes_effect_only_once_its_changes_posted_live(
    store: Store, service: ExperimentService, gateway: Gateway, server: SandboxServer
) -> None:
    start = datetime.now(UTC) - timedelta(hours=3)
    exp_id = await _running(service, gateway, store, mode="split", start=start)
    asked = start + timedelta(hours=1)
    paused = service.pause(exp_id, at=asked)
    assert paused.experiment.state == RUNNING and paused.experiment.pauses == ()
    assert paused.experiment.pending is not None and paused.experiment.pending.action == "pause"

    clear_recorded(server)
    await gateway(live=False).post(paused.change_ids)
    assert service.get(exp_id).state == RUNNING and recorded_writes(server) == []
    windows = service.windows(service.get(exp_id), now=start + timedelta(hours=3))
    assert all(w == [(start, start + timedelta(hours=3))] for w in windows.values())
    with pytest.raises(ChangeError):
        service.resume(exp_id)  # not paused yet

    assert (await gateway(live=True).post(paused.change_ids)).ok
    experiment = service.get(exp_id)
    assert experiment.state == PAUSED and experiment.pending is None
    assert experiment.pauses == ((asked, None),)
    assert all(_on_snap(server, s) == "PAUSED" for s in experiment.squad_ids)


async def test_cancelling_a_rehearsed_pause_leaves_the_experiment_as_it_was(
    store: Store, service: ExperimentService, gateway: Gateway
) -> None:
    exp_id = await _running(service, gateway, store, mode="split", k=2)
    pending_before = _pending_rows(store)
    row_before = _experiment_row(store, exp_id)
    paused = service.pause(exp_id)
    await gateway(live=False).post(paused.change_ids)
    service.mark_rehearsed(exp_id)
    assert service.get(exp_id).pending.rehearsed_at is not None  # type: ignore[union-attr]
    service.cancel_pending(exp_id)
    assert _pending_rows(store) == pending_before
    assert _experiment_row(store, exp_id) == row_before


async def test_resume_counts_no_active_time_until_its_step_posted(
    store: Store, service: ExperimentService, gateway: Gateway
) -> None:
    start = datetime.now(UTC) - timedelta(hours=4)
    exp_id = await _running(service, gateway, store, mode="split", k=2, start=start)
    h = timedelta(hours=1)
    paused = service.pause(exp_id, at=start + h)
    assert (await gateway(live=True).post(paused.change_ids)).ok
    assert service.get(exp_id).state == PAUSED

    assert service.resume(exp_id, at=start + 2 * h).state == RUNNING
    (rehearsal,) = await service.tick(gateway(live=False), now=start + 2 * h)
    assert not rehearsal.applied
    windows = service.windows(service.get(exp_id), now=start + 3 * h)
    # every variant is still paused on Snap: no time after the pause counts for anyone
    assert all(w == [(start, start + h)] for w in windows.values())

    (applied,) = await service.tick(gateway(live=True), now=start + 2.5 * h)
    assert applied.applied
    windows = service.windows(service.get(exp_id), now=start + 3 * h)
    assert all(
        w == [(start, start + h), (start + 2.5 * h, start + 3 * h)] for w in windows.values()
    )
    assert service.get(exp_id).pauses == ((start + h, start + 2.5 * h),)


# -- rotation steps -----------------------------------------------------------------------------


async def test_a_rehearsed_step_is_not_marked_applied_when_live_mode_comes_on_after_it(
    store: Store,
    service: ExperimentService,
    gateway: Gateway,
    api: Any,
    server: SandboxServer,
) -> None:
    start = datetime.now(UTC) - timedelta(hours=3)
    exp_id = await _running(service, gateway, store, mode="split", k=2, start=start)
    paused = service.pause(exp_id, at=start + timedelta(hours=1))
    assert (await gateway(live=True).post(paused.change_ids)).ok
    service.resume(exp_id, at=start + timedelta(hours=2))
    mode = LiveMode(False)

    class SwitchedOnRightAfter(WriteGateway):
        """The user switches live mode on just as a dry-run rehearsal finishes."""

        async def post(self, *args: Any, **kw: Any) -> Any:
            report = await super().post(*args, **kw)
            mode.set(True, reason="toolbar")
            return report

    clear_recorded(server)
    rehearsing = SwitchedOnRightAfter(api=api, store=store, live=mode, sleep=no_sleep)
    (outcome,) = await service.tick(rehearsing, now=start + timedelta(hours=2))
    assert recorded_writes(server) == []  # it was a rehearsal
    assert not outcome.applied
    assert outcome.mode == "dry-run" and "rehearsed" in outcome.message  # not "failed"
    experiment = service.get(exp_id)
    assert experiment.reapply  # still to apply for real
    assert experiment.pauses[-1][1] is None  # and nothing counts as active yet
