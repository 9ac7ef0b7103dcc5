"""Helpers for the Experiments UI tests and screenshots: a delivering ad squad of the demo
sandbox, experiments created and launched through the engine (live, over loopback HTTP), true
effects configured in the sandbox, a stats service on the sandbox's stats clock — and, for the
readout panel alone, experiments read out from units with known counts (`compute_readout`)."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from PySide6.QtWidgets import QApplication

from snapdesk.api import SnapApi
from snapdesk.changes import WriteGateway
from snapdesk.core.kinds import AD, AD_SQUAD
from snapdesk.core.settings import AppSettings
from snapdesk.experiments import (
    Created,
    Experiment,
    ExperimentService,
    Plan,
    Unit,
    Variant,
    metric,
    plan_experiment,
)
from snapdesk.experiments.planning import Window
from snapdesk.sandbox import SandboxServer
from snapdesk.sandbox.stats import _uniforms
from snapdesk.stats import FxTable, StatsService
from snapdesk.store import EntityRow, Store
from tests.ui.changes_env import control, usd_account
from tests.ui.helpers import run_in_loop

BASE_RATE = 0.01  # the swipe rate every experiment squad is calibrated to


def delivering_squad(store: Store, *, skip: int = 0) -> EntityRow:
    """An ACTIVE ad squad with a max bid and a daily budget whose ads are all approved, in an
    active USD campaign without an end: it delivers in the sandbox's stats."""
    account = usd_account(store)
    found = 0
    for campaign in store.campaigns(account.id):
        if campaign.data.get("status") != "ACTIVE" or campaign.data.get("end_time"):
            continue
        for squad in store.ad_squads(campaign.id):
            d = squad.data
            if (
                d.get("status") == "ACTIVE"
                and d.get("bid_micro")
                and d.get("daily_budget_micro")
                and not d.get("end_time")
                and store.ads(squad.id)
                and all(a.data.get("review_status") == "APPROVED" for a in store.ads(squad.id))
            ):
                if found == skip:
                    return squad
                found += 1
    raise AssertionError("no delivering ad squad in the demo data")


def gateway(store: Store, api: SnapApi, *, live: bool) -> WriteGateway:
    return WriteGateway(
        api=api if live else None,
        store=store,
        live=live,
        settings=AppSettings(media_poll_seconds=0.0),
        profile="default",
    )


def create(
    service: ExperimentService,
    squad: EntityRow,
    *,
    k: int = 2,
    mode: str = "split",
    hours: float | None = None,
    name: str = "Bid +10%",
    guardrails: tuple[str, ...] = (),
    plan: Plan | None = None,
) -> Created:
    bid = int(squad.data["bid_micro"])
    return service.create(
        name=name,
        hypothesis="A higher max bid raises the swipe rate",
        campaign_id=str(squad.parent_id),
        control_squad_id=squad.id,
        dimension="bid",
        treatments=[{"bid_micro": bid + 100_000 * i} for i in range(1, k)],
        primary_metric="swipe_rate",
        guardrails=guardrails,
        mode=mode,  # type: ignore[arg-type]
        rotation_hours=hours if mode == "rotation" else None,
        baseline=BASE_RATE,
        relative_mde=0.1,
        plan=plan,
    )


def launch(
    qapp: QApplication,
    loop: asyncio.AbstractEventLoop,
    *,
    service: ExperimentService,
    store: Store,
    api: SnapApi,
    created: Created,
    start: datetime,
    tick: bool = True,
) -> str:
    """Post the creation live, start the experiment at `start` and apply its first step."""
    report = run_in_loop(qapp, loop, gateway(store, api, live=True).post(created.change_ids))
    assert report.ok and all(r.outcome == "posted" for r in report.results), report
    experiment_id = service.start(created.experiment.id, at=start).id
    if tick:
        (step,) = run_in_loop(qapp, loop, service.tick(gateway(store, api, live=True), now=start))
        assert step.applied
    return experiment_id


def base_swipe_rate(squad_id: str) -> float:
    """The sandbox's own swipe rate of a squad (its profile), so effects can be calibrated."""
    return 0.004 + 0.012 * _uniforms(squad_id, "profile")[2]


def configure_effects(
    server: SandboxServer, squad_ids: tuple[str, ...], lifts: tuple[float, ...]
) -> None:
    """Every squad's true swipe rate = BASE_RATE × its lift; the copied ads approved."""
    state = server.state
    with state.lock:  # Snap's review of the copied ads (the sandbox leaves them pending)
        ads = state.collections[AD]
        for squad_id in squad_ids:
            for ad_id in ads.ids(AD_SQUAD, squad_id):
                ads.objects[ad_id]["review_status"] = "APPROVED"
    for squad_id, lift in zip(squad_ids, lifts, strict=True):
        control(
            server,
            "POST",
            "stats_effects",
            {
                "ad_squad_id": squad_id,
                "swipe_rate_multiplier": BASE_RATE * lift / base_swipe_rate(squad_id),
            },
        )


def stats_at(
    server: SandboxServer, api: SnapApi, store: Store, clock: datetime
) -> Callable[[str], StatsService | None]:
    """The sandbox's stats clock at `clock`, and a StatsService on the same clock."""
    control(server, "POST", "stats_clock", {"now": clock.isoformat()})
    service = StatsService(api=api, store=store, fx=FxTable(), now=lambda: clock)
    return lambda _account: service


def now_minus(**kw: Any) -> datetime:
    return datetime.now(UTC) - timedelta(**kw)


# -- readouts from known counts (no sandbox) ------------------------------------------------------

T0 = datetime(2026, 6, 1, tzinfo=UTC)


def experiment_of(arms: int, **changes: Any) -> Experiment:
    """A running split of `arms` variants on the swipe rate (changed by `changes`)."""
    variants = tuple(
        Variant(chr(ord("A") + i), f"s{i}", "control" if i == 0 else "treatment", f"Squad {i}")
        for i in range(arms)
    )
    fields: dict[str, Any] = {
        "id": "e1",
        "name": "Bid",
        "hypothesis": "",
        "ad_account_id": "acc",
        "campaign_id": "cmp",
        "primary_metric": "swipe_rate",
        "guardrails": (),
        "dimension": "bid",
        "variants": variants,
        "mode": "split",
        "rotation_hours": None,
        "state": "running",
        "start_at": T0,
    }
    return Experiment(**{**fields, **changes})


def units_of(
    per_round: Sequence[Sequence[dict[str, float]]], *, rotation_hours: float | None = None
) -> list[Unit]:
    """Units from counts per round and variant: a split's days, or a rotation's slots."""
    out = []
    for r, arms in enumerate(per_round):
        for a, counts in enumerate(arms):
            key = chr(ord("A") + a)
            if rotation_hours:
                index = r * len(arms) + a
                start = T0 + timedelta(hours=rotation_hours * index)
                end = start + timedelta(hours=rotation_hours)
            else:
                index, start, end = r, T0 + timedelta(days=r), T0 + timedelta(days=r + 1)
            out.append(
                Unit(key, r, index, start, end, counts, (end - start).total_seconds() / 3600)
            )
    return out


def noisy_rounds(
    seed: int,
    rounds: int,
    rates: Sequence[float],
    *,
    impressions: int = 50_000,
    cpm: Sequence[float] | None = None,
    day_sd: float = 0.05,
) -> list[list[dict[str, float]]]:
    """Per round and variant: impressions, swipes at `rates` (with a shared day effect) and
    spend at `cpm` (USD per 1,000 impressions, micro-currency in the counts)."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(rounds):
        day = math.exp(rng.normal(0, day_sd))
        arms = []
        for i, rate in enumerate(rates):
            price = (cpm or [5.0] * len(rates))[i] * math.exp(rng.normal(0, 0.02))
            arms.append(
                {
                    "impressions": float(impressions),
                    "swipes": float(rng.binomial(impressions, rate * day)),
                    "spend": impressions / 1000 * price * 1e6,
                }
            )
        out.append(arms)
    return out


def plan_of(
    *, arms: int = 2, relative_mde: float = 0.1, mode: str = "split", hours: float | None = None
) -> Plan:
    """A plan from 28 days of a campaign with two ad squads at a 1% swipe rate."""
    rng = np.random.default_rng(7)
    history = []
    for _ in range(28):
        day = math.exp(rng.normal(0, 0.05))
        history.append(
            Window(
                {
                    squad: {
                        "impressions": 50_000.0,
                        "swipes": float(rng.binomial(50_000, 0.01 * day)),
                        "spend": 250e6,
                    }
                    for squad in ("s0", "s1")
                }
            )
        )
    return plan_experiment(
        history,
        spec=metric("swipe_rate"),
        relative_mde=relative_mde,
        arms=arms,
        mode=mode,
        slot_hours=hours,
    )
