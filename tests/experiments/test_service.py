"""Experiments against the sandbox over loopback HTTP: creation, rotation ticks, dry-run,
catch-up, crash re-run, promotion — every toggle through the write gateway."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from snapdesk.changes import EditService, WriteGateway
from snapdesk.changes.model import CREATE, PAUSE, RESUME, UPDATE
from snapdesk.changes.requests import writable
from snapdesk.core.kinds import AD, AD_SQUAD
from snapdesk.experiments import Created, ExperimentService
from snapdesk.sandbox import SandboxServer
from snapdesk.stats import FxTable, StatsService
from snapdesk.store import EntityRow, Store
from tests.changes.conftest import clear_recorded, control, first_squad, recorded, recorded_writes

Gateway = Callable[..., WriteGateway]


def _create(
    service: ExperimentService, control: EntityRow, *, k: int = 3, mode: str = "rotation"
) -> Created:
    bid = int(control.data["bid_micro"])
    return service.create(
        name="Bid test",
        hypothesis="A higher max bid wins more swipes",
        campaign_id=str(control.parent_id),
        control_squad_id=control.id,
        dimension="bid",
        treatments=[{"bid_micro": bid + 100_000 * i} for i in range(1, k)],
        primary_metric="swipe_rate",
        guardrails=("cost_per_swipe",),
        mode=mode,  # type: ignore[arg-type]
        rotation_hours=6 if mode == "rotation" else None,
    )


async def _launch(
    service: ExperimentService, gateway: Gateway, created: Created, *, start: datetime
) -> str:
    report = await gateway(live=True).post(created.change_ids)
    assert report.ok and all(r.outcome == "posted" for r in report.results)
    return service.start(created.experiment.id, at=start).id


def _statuses(writes: list[dict[str, Any]]) -> list[tuple[str, str]]:
    out = []
    for w in writes:
        for squad in (w.get("json") or {}).get("adsquads", []):
            out.append((squad["id"], squad["status"]))
    return out


async def test_creation_queues_copies_paused_and_dry_run_sends_nothing(
    store: Store, edits: EditService, gateway: Gateway, server: SandboxServer
) -> None:
    control = first_squad(store)
    service = ExperimentService(store=store, edits=edits)
    created = _create(service, control)
    creates = [
        c for g in created.groups for c in g.changes if c.action == CREATE and c.kind == AD_SQUAD
    ]
    assert len(creates) == 2
    ad_copies = [c for g in created.groups for c in g.changes if c.kind == AD]
    assert len(ad_copies) == 2 * len(store.ads(control.id))  # each copy gets the control's ads
    for change in creates:
        assert change.kind == AD_SQUAD and change.after is not None
        assert change.after["status"] == "PAUSED"
        base = writable(AD_SQUAD, control.data)
        differing = {
            k for k in set(change.after) | set(base) if change.after.get(k) != base.get(k)
        }  # fmt: skip
        # one declared dimension (bid) plus what every copy changes
        assert differing <= {"bid_micro", "name", "status", "start_time", "id", "end_time"}
        assert "bid_micro" in differing
    assert service.effective_status(control.id) == "ACTIVE"
    assert created.experiment.state == "draft"
    assert service.repository.get(created.experiment.id) == created.experiment

    report = await gateway(live=False).post(created.change_ids)
    assert report.results and all(r.outcome == "dry-run" for r in report.results)
    assert recorded_writes(server) == []


@pytest.fixture
def service(store: Store, edits: EditService) -> ExperimentService:
    return ExperimentService(store=store, edits=edits)


async def test_rotation_catch_up_is_one_pause_then_one_activation(
    store: Store, service: ExperimentService, gateway: Gateway, server: SandboxServer
) -> None:
    control = first_squad(store)
    created = _create(service, control, k=3)
    start = datetime.now(UTC) - timedelta(minutes=30)
    exp_id = await _launch(service, gateway, created, start=start)
    exp = service.get(exp_id)
    a, b, c = exp.squad_ids
    assert not any(s.startswith("new-") for s in exp.squad_ids)
    clear_recorded(server)

    # step 0: the control is already ACTIVE and the treatments PAUSED: nothing to send
    (first,) = await service.tick(gateway(live=True), now=start + timedelta(minutes=31))
    assert first.step == 0 and first.applied
    assert recorded_writes(server) == []

    # dry-run after the app was closed for 5 days: rehearsed, nothing sent, not applied
    later = start + timedelta(hours=6 * 20 + 2)  # slot 20 -> variant 20 % 3 = 2 (c)
    (rehearsal,) = await service.tick(gateway(live=False), now=later)
    assert rehearsal.step == 20 and not rehearsal.applied and rehearsal.active == (c,)
    assert recorded_writes(server) == []
    assert service.repository.last_applied_step(exp_id) == 0

    # live (a re-run of the same step, as after a crash): exactly one pause, then one resume
    (outcome,) = await service.tick(gateway(live=True), now=later)
    assert outcome.applied and outcome.step == 20
    writes = recorded_writes(server)
    assert [w["method"] for w in writes] == ["PUT", "PUT"]
    assert _statuses(writes) == [(a, "PAUSED"), (c, "ACTIVE")]
    assert store.get(AD_SQUAD, c).data["status"] == "ACTIVE"  # type: ignore[union-attr]
    assert store.get(AD_SQUAD, a).data["status"] == "PAUSED"  # type: ignore[union-attr]
    assert store.get(AD_SQUAD, b).data["status"] == "PAUSED"  # type: ignore[union-attr]

    # ticking again in the same slot never toggles twice
    clear_recorded(server)
    (again,) = await service.tick(gateway(live=True), now=later + timedelta(hours=1))
    assert again.message == "nothing due"
    assert recorded_writes(server) == []

    # the next slot opens round 7 (counterbalanced order b, c, a): pause c, then activate b
    (nxt,) = await service.tick(gateway(live=True), now=start + timedelta(hours=6 * 21))
    assert _statuses(recorded_writes(server)) == [(c, "PAUSED"), (b, "ACTIVE")]
    assert nxt.applied

    windows = service.windows(service.get(exp_id), now=start + timedelta(hours=6 * 21 + 1))
    assert [len(windows[s]) for s in (a, b, c)] == [1, 1, 1]


async def test_split_mode_and_promotion_change_set(
    store: Store, service: ExperimentService, gateway: Gateway, server: SandboxServer
) -> None:
    control = first_squad(store)
    created = _create(service, control, k=3, mode="split")
    exp_id = await _launch(service, gateway, created, start=datetime.now(UTC))
    (step,) = await service.tick(gateway(live=True))
    assert step.applied and len(step.active) == 3
    exp = service.get(exp_id)
    a, b, c = exp.squad_ids
    assert all(store.get(AD_SQUAD, s).data["status"] == "ACTIVE" for s in exp.squad_ids)  # type: ignore[union-attr]
    clear_recorded(server)

    budgets = [int(store.get(AD_SQUAD, s).data["daily_budget_micro"]) for s in exp.squad_ids]  # type: ignore[union-attr]
    promotion = service.promote(exp_id, winner="B", move_budget=True)
    assert promotion.winner.squad_id == b and promotion.budget_micro == sum(budgets)
    changes = [ch for g in promotion.groups for ch in g.changes]
    by_entity = {ch.entity_id: ch for ch in changes}
    assert len(promotion.change_ids) == 3 and set(by_entity) == {a, b, c}
    assert by_entity[a].action == PAUSE and by_entity[c].action == PAUSE
    assert by_entity[b].action == UPDATE
    after = by_entity[b].after
    assert after is not None
    assert after["daily_budget_micro"] == sum(budgets) and after["status"] == "ACTIVE"
    # queued, not posted: it ends only once the change set posted live (issue 13)
    assert service.get(exp_id).state == "running" and service.get(exp_id).winner is None

    report = await gateway(live=False).post(promotion.change_ids)
    assert len(report.results) == 3 and all(r.outcome == "dry-run" for r in report.results)
    assert recorded_writes(server) == []
    assert RESUME not in {ch.action for ch in changes}
    assert service.get(exp_id).state == "running"  # rehearsed, not done

    blocked = await gateway(live=True).post(promotion.change_ids)  # B's budget triples
    assert blocked.blocked and service.get(exp_id).state == "running"
    assert (await gateway(live=True).post(promotion.change_ids, confirm=True)).ok
    assert service.get(exp_id).state == "ended" and service.get(exp_id).winner == "B"


async def test_a_rotation_on_conversions_is_read_hourly(
    store: Store, service: ExperimentService, gateway: Gateway, server: SandboxServer, api: Any
) -> None:
    """Snap's hourly stats carry conversions (tests/fixtures/snap_stats_recorded/), so a
    rotation judged on CPA with 6-hour slots reads its slots hour by hour, conversions included,
    and never warns that conversions exist only per day (the old, mistaken rule)."""
    control_row = first_squad(store)
    bid = int(control_row.data["bid_micro"])
    created = service.create(
        name="Bid test on CPA",
        hypothesis="A higher max bid lowers the cost per conversion",
        campaign_id=str(control_row.parent_id),
        control_squad_id=control_row.id,
        dimension="bid",
        treatments=[{"bid_micro": bid + 100_000}],
        primary_metric="cpa",
        guardrails=("conversion_rate",),
        mode="rotation",
        rotation_hours=6,
    )
    start = datetime.now(UTC) - timedelta(minutes=30)
    exp_id = await _launch(service, gateway, created, start=start)
    clock = start + timedelta(days=2)
    control(server, "POST", "stats_clock", {"now": clock.isoformat()})
    control(server, "DELETE", "requests")
    stats = StatsService(api=api, store=store, fx=FxTable(), now=lambda: clock)
    readout = await service.readout(stats, exp_id, now=clock)
    queries = [r["query"] for r in recorded(server) if r["path"].endswith("/stats")]
    assert queries and all(q["granularity"] == "HOUR" for q in queries)
    assert all("conversion_purchases" in q["fields"].split(",") for q in queries)
    assert not any("per day" in w for w in readout.warnings)
