"""Pausing and resuming an experiment, the changes still to post for a draft, and the promotion
plan a confirmation shows (against the sandbox over loopback HTTP).

Regression tests for what the experiments pages need from the engine: a running experiment
could not be paused (ending was the only way to stop the rotation), the change set of a
promotion could only be seen after it was queued and the experiment ended, and nothing said
which queued changes a draft still needed posted before it could start."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from snapdesk.changes import ChangeRepository, EditService, WriteGateway
from snapdesk.changes.model import CREATE, PAUSE, UPDATE, ChangeError
from snapdesk.core.kinds import AD, AD_SQUAD
from snapdesk.experiments import PAUSED, RUNNING, Created, ExperimentService
from snapdesk.experiments.model import Experiment
from snapdesk.experiments.service import _without
from snapdesk.sandbox import SandboxServer
from snapdesk.store import EntityRow, Store
from tests.changes.conftest import clear_recorded, first_squad, recorded_writes

Gateway = Callable[..., WriteGateway]
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def service(store: Store, edits: EditService) -> ExperimentService:
    return ExperimentService(store=store, edits=edits)


def _create(service: ExperimentService, control: EntityRow, *, mode: str = "rotation") -> Created:
    bid = int(control.data["bid_micro"])
    return service.create(
        name="Bid test",
        hypothesis="A higher max bid wins more swipes",
        campaign_id=str(control.parent_id),
        control_squad_id=control.id,
        dimension="bid",
        treatments=[{"bid_micro": bid + 100_000}, {"bid_micro": bid + 200_000}],
        primary_metric="swipe_rate",
        mode=mode,  # type: ignore[arg-type]
        rotation_hours=6 if mode == "rotation" else None,
    )


def _statuses(writes: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [
        (squad["id"], squad["status"])
        for w in writes
        for squad in (w.get("json") or {}).get("adsquads", [])
    ]


def test_pending_change_ids_are_the_creation_set_until_posted(
    store: Store, service: ExperimentService, gateway: Gateway
) -> None:
    control = first_squad(store)
    created = _create(service, control)
    pending = service.pending_change_ids(created.experiment.id)
    assert set(pending) == set(created.change_ids)
    kinds = {c.kind for c in ChangeRepository(store).list(change_ids=pending)}
    assert kinds <= {AD_SQUAD, AD}
    assert any(
        c.action == CREATE and c.kind == AD
        for c in ChangeRepository(store).list(change_ids=pending)
    )  # the copied ads come with their squads


async def test_pending_change_ids_empty_once_posted(
    store: Store, service: ExperimentService, gateway: Gateway
) -> None:
    created = _create(service, first_squad(store))
    report = await gateway(live=True).post(list(created.change_ids))
    assert report.ok
    assert service.pending_change_ids(created.experiment.id) == ()


async def test_pause_holds_the_rotation_and_resume_reapplies_the_current_step(
    store: Store, service: ExperimentService, gateway: Gateway, server: SandboxServer
) -> None:
    created = _create(service, first_squad(store))
    assert (await gateway(live=True).post(list(created.change_ids))).ok
    start = datetime.now(UTC) - timedelta(hours=7)  # slot 1: variant B
    exp_id = service.start(created.experiment.id, at=start).id
    _a, b, c = service.get(exp_id).squad_ids
    (step,) = await service.tick(gateway(live=True), now=start + timedelta(hours=6, minutes=5))
    assert step.applied and step.active == (b,)
    clear_recorded(server)

    paused_at = start + timedelta(hours=6, minutes=30)
    paused = service.pause(exp_id, at=paused_at)
    assert paused.experiment.state == RUNNING  # paused once its change posted (issue 13)
    [change] = [ch for g in paused.groups for ch in g.changes]
    assert change.entity_id == b and change.action == PAUSE  # only B was active
    assert paused.change_ids == (change.id,)
    with pytest.raises(ChangeError):
        service.pause(exp_id)
    assert (await gateway(live=True).post(list(paused.change_ids))).ok
    assert _statuses(recorded_writes(server)) == [(b, "PAUSED")]
    assert service.get(exp_id).state == PAUSED
    clear_recorded(server)

    # paused: no step is due, whatever the clock says
    assert await service.tick(gateway(live=True), now=start + timedelta(hours=13)) == []
    (idle,) = await service.tick(
        gateway(live=True), now=start + timedelta(hours=13), experiment_ids=[exp_id]
    )
    assert idle.message == "nothing due" and recorded_writes(server) == []

    # resumed in the same slot: B is activated again (its step was applied before the pause)
    resumed_at = start + timedelta(hours=6, minutes=50)
    assert service.resume(exp_id, at=resumed_at).state == RUNNING
    (again,) = await service.tick(gateway(live=True), now=resumed_at)
    assert again.applied and again.step == 1
    assert _statuses(recorded_writes(server)) == [(b, "ACTIVE")]
    assert service.get(exp_id).reapply is False
    clear_recorded(server)
    (quiet,) = await service.tick(gateway(live=True), now=resumed_at + timedelta(minutes=1))
    assert quiet.message == "nothing due" and recorded_writes(server) == []

    # the paused 20 minutes count for no variant
    windows = service.windows(service.get(exp_id), now=start + timedelta(hours=7))
    (w1, w2) = windows[b]
    assert w1[1] == paused_at and w2[0] == resumed_at
    assert windows[c] == []


async def test_dry_run_resume_rehearses_and_keeps_reapplying(
    store: Store, service: ExperimentService, gateway: Gateway, server: SandboxServer
) -> None:
    created = _create(service, first_squad(store), mode="split")
    assert (await gateway(live=True).post(list(created.change_ids))).ok
    start = datetime.now(UTC) - timedelta(hours=2)
    exp_id = service.start(created.experiment.id, at=start).id
    assert (await service.tick(gateway(live=True), now=start))[0].applied
    paused = service.pause(exp_id, at=start + timedelta(hours=1))
    assert len(paused.change_ids) == 3  # split: every variant was active
    assert (await gateway(live=True).post(list(paused.change_ids))).ok
    service.resume(exp_id, at=start + timedelta(hours=1, minutes=30))
    clear_recorded(server)
    (rehearsal,) = await service.tick(gateway(live=False), now=start + timedelta(hours=2))
    assert not rehearsal.applied and len(rehearsal.active) == 3
    assert recorded_writes(server) == []
    assert service.get(exp_id).reapply is True  # still to apply for real


async def test_end_closes_an_open_pause(
    store: Store, service: ExperimentService, gateway: Gateway
) -> None:
    created = _create(service, first_squad(store))
    exp_id = service.start(created.experiment.id, at=T0).id
    paused = service.pause(exp_id, at=T0 + timedelta(hours=1))
    assert (await gateway(live=True).post(list(paused.change_ids))).ok  # paused once posted
    ended = service.end(exp_id, at=T0 + timedelta(hours=3))
    assert ended.state == "ended"
    assert ended.pauses == ((T0 + timedelta(hours=1), T0 + timedelta(hours=3)),)
    stored = service.repository.get(exp_id)
    assert stored is not None and stored.pauses == ended.pauses  # survives the JSON round trip


def test_without_cuts_pauses_out_of_windows() -> None:
    h = timedelta(hours=1)
    windows = [(T0, T0 + 5 * h), (T0 + 8 * h, T0 + 10 * h)]
    pauses = [(T0 + 1 * h, T0 + 2 * h), (T0 + 4 * h, T0 + 9 * h), (T0 + 20 * h, None)]
    assert _without(windows, pauses, end=T0 + 30 * h) == [
        (T0, T0 + 1 * h),
        (T0 + 2 * h, T0 + 4 * h),
        (T0 + 9 * h, T0 + 10 * h),
    ]


def test_experiment_json_keeps_pauses_and_reapply() -> None:
    raw = {
        "id": "e",
        "name": "n",
        "ad_account_id": "acc",
        "campaign_id": "c",
        "primary_metric": "swipe_rate",
        "dimension": "bid",
        "rotation_hours": 24,
        "variants": [
            {"key": "A", "squad_id": "s1", "role": "control", "name": "A"},
            {"key": "B", "squad_id": "s2", "role": "treatment", "name": "B"},
        ],
        "state": "paused",
        "pauses": [[T0.isoformat(), None]],
        "reapply": False,
    }
    exp = Experiment.from_json(raw)
    assert exp.pauses == ((T0, None),)
    assert Experiment.from_json(exp.to_json()) == exp
    legacy = {k: v for k, v in raw.items() if k not in ("pauses", "reapply")}
    assert Experiment.from_json({**legacy, "state": "running"}).pauses == ()


async def test_plan_promotion_is_exactly_what_promote_queues(
    store: Store, service: ExperimentService, gateway: Gateway
) -> None:
    created = _create(service, first_squad(store), mode="split")
    assert (await gateway(live=True).post(list(created.change_ids))).ok
    exp_id = service.start(created.experiment.id, at=datetime.now(UTC)).id
    assert (await service.tick(gateway(live=True)))[0].applied
    before = len(ChangeRepository(store).list())
    plan = service.plan_promotion(exp_id, winner="C", move_budget=True)
    assert len(ChangeRepository(store).list()) == before  # nothing queued
    assert service.get(exp_id).state == RUNNING  # nor ended
    a, b, c = service.get(exp_id).squad_ids
    assert [v.squad_id for v in plan.pause] == [a, b]
    assert plan.resume_winner is False and plan.currency == "USD"
    assert plan.budget_micro == sum(x for x in plan.budgets if x is not None)

    promotion = service.promote(exp_id, winner="C", move_budget=True)
    changes = [ch for g in promotion.groups for ch in g.changes]
    assert {(ch.entity_id, ch.action) for ch in changes} == {(a, PAUSE), (b, PAUSE), (c, UPDATE)}
    budget_change = next(ch for ch in changes if ch.entity_id == c)
    assert budget_change.after is not None
    assert budget_change.after["daily_budget_micro"] == plan.budget_micro
