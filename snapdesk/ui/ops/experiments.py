"""Experiment work that waits on the network, run as `AsyncOp`s on the qasync loop.

    op = load_readout(loop=loop, service=service, stats=stats, experiment_id=eid)
    op.succeeded.connect(...)             # a Readout

    op = load_plan(loop=loop, service=service, stats=stats, request=PlanRequest(...))
    op.succeeded.connect(...)             # a Plan from the campaign's last 28 days, or the
                                          # sentence saying why its history can't give one

    op = run_ticks(loop=loop, service=service, jobs=[(gateway, ["exp-id", ...])])
    op.succeeded.connect(...)             # the TickOutcomes, in job order

Queuing (create, pause, promote) is synchronous SQLite work of `ExperimentService` and needs
no op; posting what was queued goes through the window's post flow like any other edit.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from PySide6.QtCore import QObject

from snapdesk.changes import ChangeError, WriteGateway
from snapdesk.experiments import ExperimentService, Plan, TickOutcome
from snapdesk.stats import StatsService
from snapdesk.ui.ops._op import AsyncOp

__all__ = ["PlanRequest", "load_plan", "load_readout", "run_ticks"]


def load_readout(
    *,
    loop: asyncio.AbstractEventLoop,
    service: ExperimentService,
    stats: StatsService,
    experiment_id: str,
    now: datetime | None = None,
    refresh: bool = False,
    parent: QObject | None = None,
) -> AsyncOp:
    """Start reading the experiment's stats out; `succeeded` carries the `Readout` (its plan,
    power so far and horizon come from the plan stored with the experiment)."""
    op = AsyncOp(loop=loop, name="experiment-readout", parent=parent)
    return op.start(service.readout(stats, experiment_id, now=now, refresh=refresh))


@dataclass(frozen=True)
class PlanRequest:
    """What the planner sizes: the plan is only valid for exactly these inputs."""

    ad_account_id: str
    campaign_id: str
    primary_metric: str
    relative_mde: float
    arms: int
    rotation: bool
    confidence: float
    rotation_hours: float | None = 24.0
    now: datetime | None = field(default=None, compare=False)  # the clock, not an input


def load_plan(
    *,
    loop: asyncio.AbstractEventLoop,
    service: ExperimentService,
    stats: StatsService,
    request: PlanRequest,
    parent: QObject | None = None,
) -> AsyncOp:
    """Start sizing the experiment from the campaign's last 28 days, per ad squad
    (`ExperimentService.plan`): `succeeded` carries the `Plan` — the measured round-to-round
    spread, the multiplicity and sequential factors, the rounds for 80% power — or the
    sentence saying why the history can't give one (too few days, no events)."""
    op = AsyncOp(loop=loop, name="experiment-plan", parent=parent)
    return op.start(_plan(service, stats, request))


async def _plan(
    service: ExperimentService, stats: StatsService, request: PlanRequest
) -> Plan | str:
    try:
        return await _service_plan(service, stats, request)
    except ChangeError as exc:  # expected: a campaign with too little recent history
        return exc.message


async def _service_plan(
    service: ExperimentService, stats: StatsService, request: PlanRequest
) -> Plan:
    return await service.plan(
        stats,
        ad_account_id=request.ad_account_id,
        campaign_id=request.campaign_id,
        primary_metric=request.primary_metric,
        relative_mde=request.relative_mde,
        arms=request.arms,
        rotation=request.rotation,
        rotation_hours=request.rotation_hours if request.rotation else None,
        confidence=request.confidence,
        now=request.now,
    )


def run_ticks(
    *,
    loop: asyncio.AbstractEventLoop,
    service: ExperimentService,
    jobs: Sequence[tuple[WriteGateway, Sequence[str]]],
    now: datetime | None = None,
    parent: QObject | None = None,
) -> AsyncOp:
    """Apply the due rotation steps: each job is a gateway (dry-run, or live with the client
    of the login owning the experiments' ad account) and the experiments it runs. `succeeded`
    carries every `TickOutcome`."""
    op = AsyncOp(loop=loop, name="experiment-tick", parent=parent)
    return op.start(_ticks(service, list(jobs), now))


async def _ticks(
    service: ExperimentService,
    jobs: list[tuple[WriteGateway, Sequence[str]]],
    now: datetime | None,
) -> list[TickOutcome]:
    outcomes: list[TickOutcome] = []
    for gateway, ids in jobs:
        outcomes.extend(await service.tick(gateway, now=now, experiment_ids=list(ids)))
    return outcomes
