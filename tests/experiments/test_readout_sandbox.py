"""The readout against sandbox stats: a true effect is found; equal squads are not a winner."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from snapdesk.api import SnapApi
from snapdesk.changes import EditService, WriteGateway
from snapdesk.core.kinds import AD, AD_SQUAD
from snapdesk.experiments import NO_DIFFERENCE_YET, SEQUENTIAL_METHOD, WINNER, ExperimentService
from snapdesk.experiments.readout import Readout
from snapdesk.sandbox import SandboxServer
from snapdesk.sandbox.stats import _uniforms
from snapdesk.stats import FxTable, StatsService
from snapdesk.store import EntityRow, Store
from tests.changes.conftest import control, usd_account

Gateway = Callable[..., WriteGateway]
BASE_RATE = 0.01  # the calibrated swipe rate of the control


def _delivering_squad(store: Store) -> EntityRow:
    account = usd_account(store)
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
                and all(a.data.get("review_status") == "APPROVED" for a in store.ads(squad.id))
            ):
                return squad
    raise AssertionError("no delivering ad squad in the demo data")


def _base_swipe_rate(squad_id: str) -> float:
    """The sandbox's own swipe rate of a squad (its profile), so effects can be calibrated."""
    return 0.004 + 0.012 * _uniforms(squad_id, "profile")[2]


async def _run_experiment(
    *,
    store: Store,
    edits: EditService,
    gateway: Gateway,
    server: SandboxServer,
    api: SnapApi,
    lift: float,
    days: int,
) -> Readout:
    squad = _delivering_squad(store)
    service = ExperimentService(store=store, edits=edits)
    created = service.create(
        name="Bid +10%",
        hypothesis="A higher max bid raises the swipe rate",
        campaign_id=str(squad.parent_id),
        control_squad_id=squad.id,
        dimension="bid",
        treatments=[{"bid_micro": int(squad.data["bid_micro"]) + 100_000}],
        primary_metric="swipe_rate",
        mode="split",
        rotation_hours=None,
        baseline=BASE_RATE,
        relative_mde=0.1,
    )
    report = await gateway(live=True).post(created.change_ids)
    assert report.ok
    start = datetime.now(UTC)
    exp_id = service.start(created.experiment.id, at=start).id
    (step,) = await service.tick(gateway(live=True), now=start)
    assert step.applied
    exp = service.get(exp_id)
    ctrl, treat = exp.squad_ids
    state = server.state
    with state.lock:  # Snap's review of the copied ads (the sandbox leaves them pending)
        ads = state.collections[AD]
        for ad_id in ads.ids(AD_SQUAD, treat):
            ads.objects[ad_id]["review_status"] = "APPROVED"
    control(
        server,
        "POST",
        "stats_effects",
        {"ad_squad_id": ctrl, "swipe_rate_multiplier": BASE_RATE / _base_swipe_rate(ctrl)},
    )
    control(server, "POST", "stats_effects",
            {"ad_squad_id": treat,
             "swipe_rate_multiplier": BASE_RATE * lift / _base_swipe_rate(treat)})  # fmt: skip
    clock = start + timedelta(days=days)
    control(server, "POST", "stats_clock", {"now": clock.isoformat()})
    stats = StatsService(api=api, store=store, fx=FxTable(), now=lambda: clock)
    return await service.readout(stats, exp_id, now=clock)


async def test_readout_finds_a_true_effect(
    store: Store, edits: EditService, gateway: Gateway, server: SandboxServer, api: SnapApi
) -> None:
    readout = await _run_experiment(
        store=store, edits=edits, gateway=gateway, server=server, api=api, lift=1.5, days=14
    )
    assert readout.verdict == WINNER, (readout.explanation, readout.warnings, readout.arms)
    assert readout.winner == "B"
    (cmp,) = readout.comparisons
    assert cmp.rel_low is not None and cmp.rel_high is not None
    assert cmp.rel_low < 0.5 < cmp.rel_high  # the interval covers the true +50%
    assert readout.method == SEQUENTIAL_METHOD
    assert all(a.impressions > 0 for a in readout.arms)


@pytest.mark.usefixtures("fixed_ids")
async def test_equal_squads_are_not_a_winner(
    store: Store, edits: EditService, gateway: Gateway, server: SandboxServer, api: SnapApi
) -> None:
    readout = await _run_experiment(
        store=store, edits=edits, gateway=gateway, server=server, api=api, lift=1.0, days=14
    )
    assert readout.verdict in (NO_DIFFERENCE_YET, "inconclusive"), readout.explanation
    assert readout.winner is None


async def test_planner_uses_the_campaigns_recent_traffic(
    store: Store, edits: EditService, server: SandboxServer, api: SnapApi
) -> None:
    squad = _delivering_squad(store)
    service = ExperimentService(store=store, edits=edits)
    clock = datetime.now(UTC)
    control(server, "POST", "stats_clock", {"now": clock.isoformat()})
    stats = StatsService(api=api, store=store, fx=FxTable(), now=lambda: clock)
    plan = await service.plan(
        stats,
        ad_account_id=str(squad.ad_account_id),
        campaign_id=str(squad.parent_id),
        primary_metric="swipe_rate",
        relative_mde=0.2,
        arms=2,
        rotation=True,
        now=clock,
    )
    assert plan.baseline is not None and 0.001 < plan.baseline < 0.05
    assert plan.history_windows >= 7 and plan.daily_base > 0
    assert plan.mode == "rotation" and plan.round_days == 2  # two one-day slots per round
    assert plan.rounds is not None and plan.rounds >= 5
    assert plan.days == pytest.approx(plan.rounds * 2)
    assert plan.alpha_first == pytest.approx(0.05)  # one comparison: no multiplicity
    assert "day-to-day spread" in plan.spread_source


@pytest.mark.usefixtures("fixed_ids")
async def test_a_verdict_once_reached_stays(
    store: Store, edits: EditService, gateway: Gateway, server: SandboxServer, api: SnapApi
) -> None:
    """The readout stores the first winner; a later readout whose data alone would not repeat
    it (revised stats, a reset of the numbers) still shows it, saying when it was reached."""
    first = await _run_experiment(
        store=store, edits=edits, gateway=gateway, server=server, api=api, lift=1.5, days=14
    )
    assert first.verdict == WINNER
    service = ExperimentService(store=store, edits=edits)
    (exp,) = service.experiments()
    assert exp.decision is not None and exp.decision.winner == "B"
    assert exp.decision.rounds == first.rounds
    revised = replace(first, verdict=NO_DIFFERENCE_YET, winner=None, explanation="no")
    kept = service._sticky(exp, revised, at=datetime.now(UTC))
    assert kept.verdict == WINNER and kept.winner == "B"
    assert "stays once reached" in kept.explanation


async def test_planner_sizes_sub_day_slots_from_hourly_history(
    store: Store, edits: EditService, server: SandboxServer, api: SnapApi
) -> None:
    """A rotation in 6-hour slots compares variants across hours of the day, so its spread is
    measured on the hourly history (the sandbox's delivery follows the hour of the day), not on
    daily totals that hide those swings."""
    squad = _delivering_squad(store)
    service = ExperimentService(store=store, edits=edits)
    clock = datetime.now(UTC)
    control(server, "POST", "stats_clock", {"now": clock.isoformat()})
    stats = StatsService(api=api, store=store, fx=FxTable(), now=lambda: clock)
    common = dict(
        ad_account_id=str(squad.ad_account_id),
        campaign_id=str(squad.parent_id),
        primary_metric="swipe_rate",
        relative_mde=0.2,
        arms=2,
        rotation=True,
        now=clock,
    )
    daily = await service.plan(stats, rotation_hours=24.0, **common)  # type: ignore[arg-type]
    six = await service.plan(stats, rotation_hours=6.0, **common)  # type: ignore[arg-type]
    history = await service.history(
        stats, ad_account_id=str(squad.ad_account_id), campaign_id=str(squad.parent_id),
        now=clock, hourly=True,
    )  # fmt: skip
    assert len(history) >= 27 * 24  # one window per real hour of the 28 days
    assert "hourly history" in six.spread_source and "6-hour windows" in six.spread_source
    assert "day-to-day" in daily.spread_source
    assert six.round_days == pytest.approx(0.5)
    assert six.rounds is not None and daily.rounds is not None
    # a 6-hour slot holds a quarter of a day's traffic and lands at a different hour each
    # round: its spread is wider, so it needs more rounds than a daily rotation (before, it
    # reused the daily spread and planned too few)
    assert six.measured_sd > daily.measured_sd
    assert six.rounds > daily.rounds
