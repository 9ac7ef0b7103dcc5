"""Render the Experiments UI to PNG files for a visual check.

    QT_QPA_PLATFORM=offscreen python -m tests.ui.render_experiment_screens [OUT_DIR] [--dark]

Writes (default OUT_DIR docs/screenshots): experiments-empty.png (no experiment yet),
experiments-setup.png (the variants step of the setup dialog), experiments-planner-factors.png
(the planner for three variants: the measured round-to-round spread, the multiplicity and
sequential factors, the 80%-power horizon), experiments-planner.png (the same for two variants:
one comparison), experiments-running.png (a rotation with its schedule in counterbalanced
rounds and applied steps), experiments-readout.png (a planned split with a true effect on B:
the verdict, lifts with always-valid intervals, forest plot, guardrails with the descriptive
eCPM and its limit — the sandbox's delivery varies from run to run, so does the verdict),
experiments-readout-units.png (a three-week rotation of 24-h slots: the unit of replication
and what a round is, the per-slot delivery check — read out by the engine from generated slot
counts, as the sandbox can't deliver a rotation in simulated time),
experiments-inconclusive-power.png (an ended split without a detected difference: the power it
had and its planned horizon),
experiments-promote.png (the promotion change set), experiments-promote-cancelled.png (the
rotation after "Don't post" at the live confirmation: still running, nothing changed) and
experiments-promote-rehearsed.png (the rotation after its promotion was rehearsed in dry-run:
still running, the promotion waiting), from a demo sandbox synced into a temporary cache (and
temporary preferences). Times are shown in this computer's zone.
"""

from __future__ import annotations

import math
import os
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import qasync
from PySide6.QtWidgets import QApplication, QWidget

from snapdesk.core.settings import AppSettings, save_settings
from snapdesk.experiments import (
    ExperimentService,
    Plan,
    Readout,
    Unit,
    compute_readout,
    slot_variant,
)
from snapdesk.experiments.schedule import slot_bounds
from snapdesk.sandbox import SandboxServer
from snapdesk.stats import StatsService
from snapdesk.store import EntityRow, Store
from snapdesk.sync import SyncService
from snapdesk.ui import theme
from snapdesk.ui.dialogs.experiment_setup import PLAN, VARIANTS
from snapdesk.ui.dialogs.live_post import LivePostDialog
from snapdesk.ui.dialogs.post_results import PostResultsDialog
from snapdesk.ui.main_window import MainWindow
from snapdesk.ui.session import Session
from snapdesk.ui.views.experiments import READOUT_TAB, SCHEDULE_TAB, ExperimentsPage
from tests.ui.changes_env import control, make_api, usd_account
from tests.ui.experiments_env import configure_effects, delivering_squad, gateway, stats_at
from tests.ui.helpers import run_in_loop
from tests.ui.render_screens import settle, wait_until

ROOT = Path(__file__).resolve().parents[2]


def save(widget: QWidget, out: Path, name: str) -> None:
    QApplication.processEvents()
    path = out / name
    widget.grab().save(str(path))
    print(path)


def _squad(store: Store, account_id: str, *, avoid: set[str], bid: bool = False) -> EntityRow:
    """Another ad squad with ads (and a max bid when `bid`) to build an experiment on."""
    for campaign in store.campaigns(account_id):
        for row in store.ad_squads(campaign.id):
            if row.id in avoid or not store.ads(row.id):
                continue
            if bid and not row.data.get("bid_micro"):
                continue
            if row.data.get("status") == "ACTIVE" or bid:
                return row
    raise AssertionError("no ad squad to build the screenshots on")


def _custom(position: str) -> dict[str, object]:
    return {
        "placement_v2": {
            "config": "CUSTOM",
            "platforms": ["SNAPCHAT"],
            "snapchat_positions": [position],
        }
    }


def _tick_every_slot(
    app: QApplication,
    loop: object,
    service: ExperimentService,
    gateway: object,
    experiment_id: str,
    *,
    start: datetime,
    hours: float,
    slots: int,
) -> None:
    """Apply each slot's step as the runner would have, one minute into the slot."""
    for slot in range(slots):
        moment = start + timedelta(hours=hours * slot, minutes=1)
        run_in_loop(app, loop, service.tick(gateway, now=moment,  # type: ignore[arg-type]
                                            experiment_ids=[experiment_id]))  # fmt: skip


def _plan(
    app: QApplication,
    loop: object,
    service: ExperimentService,
    stats: StatsService,
    squad: EntityRow,
    *,
    at: datetime,
    **inputs: object,
) -> Plan:
    """The engine's plan from the campaign's 28 days before `at` (as the setup dialog makes)."""
    plan: Plan = run_in_loop(
        app,
        loop,  # type: ignore[arg-type]
        service.plan(stats, ad_account_id=str(squad.ad_account_id),
                     campaign_id=str(squad.parent_id), now=at, **inputs),  # type: ignore[arg-type]
    )  # fmt: skip
    return plan


def _rotation_readout(
    service: ExperimentService, experiment_id: str, *, now: datetime, plan: Plan
) -> Readout:
    """The engine's readout (`compute_readout`) of a rotation from generated per-slot counts:
    ~20,000 impressions a slot, a 1.1% swipe rate with day-to-day swings, B +25% and C +10%,
    and one slot of B that delivered a quarter of its usual. (The sandbox can't deliver a
    rotation run in simulated time: it stops a paused ad squad's delivery at the real time
    it was paused, and copies deliver only from their creation.)"""
    experiment = service.get(experiment_id)
    assert experiment.start_at is not None and experiment.rotation_hours is not None
    hours = experiment.rotation_hours
    k = len(experiment.variants)
    lifts = (1.0, 1.25, 1.1)
    rng = np.random.default_rng(15)
    slots = int((now - experiment.start_at).total_seconds() // (hours * 3600))
    units = []
    for index in range(slots):
        begin, end = slot_bounds(start=experiment.start_at, every_hours=hours, index=index)
        position = slot_variant(index, k, balanced=experiment.balanced)
        day = math.exp(rng.normal(0, 0.06))
        impressions = round(20_000 * math.exp(rng.normal(0, 0.05)) * (0.25 if index == 10 else 1))
        counts = {
            "impressions": float(impressions),
            "swipes": float(rng.binomial(impressions, 0.011 * lifts[position] * day)),
            "spend": impressions / 1000 * 5.2 * math.exp(rng.normal(0, 0.03)) * 1e6,
        }
        key = experiment.variants[position].key
        units.append(Unit(key, index // k, index, begin, end, counts, hours))
    return compute_readout(experiment, units, now=now, plan=plan)


def main() -> int:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    out = Path(args[0]) if args else ROOT / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    theme.apply_theme(app, dark="--dark" in sys.argv)
    loop = qasync.QEventLoop(app, already_running=True)
    tmp = Path(tempfile.mkdtemp(prefix="snapdesk-experiment-screens-"))
    os.environ["SNAPDESK_CONFIG_DIR"] = str(tmp / "config")  # never the user's preferences
    save_settings(AppSettings(live_confirmation="each_post"))  # ask before every live post
    with SandboxServer(seed=42, scale="demo") as server:
        control(server, "POST", "rate_limit", {"per_second": 100000, "burst": 100000})
        api = make_api(server)
        store = Store(tmp / "cache.sqlite3")
        run_in_loop(app, loop, SyncService(api=api, store=store).sync(), timeout=60)
        window = MainWindow(Session(store=store, loop=loop, api=api, profile="default"))
        window.experiment_runner.stop()
        service = ExperimentService(store=store, edits=window.editing.edits)
        account = usd_account(store)
        started = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        clock = started + timedelta(days=14, hours=2)  # "now" for every screen
        stats_for = stats_at(server, api, store, clock)

        page = ExperimentsPage(
            session=window.session,
            editing=window.editing,
            stats_for=stats_for,
            runner=window.experiment_runner,
            ad_account_id=account.id,
            clock=lambda: clock,
        )
        page.resize(1280, 820)
        page.show()
        settle(app, 0.3)
        save(page, out, "experiments-empty.png")

        # -- the setup dialog: variants, then the planner
        squad = delivering_squad(store)
        dialog = page.open_setup()
        assert dialog is not None
        dialog.campaign_combo.setCurrentIndex(dialog.campaign_combo.findData(squad.parent_id))
        dialog.name_edit.setText("Max bid +20% / +40%")
        dialog.hypothesis_edit.setPlainText(
            "A higher max bid wins better placements and raises the swipe rate, without "
            "raising the cost per swipe."
        )
        dialog.guardrail_boxes["cost_per_swipe"].setChecked(True)
        dialog.go_next()
        dialog.control_combo.setCurrentIndex(dialog.control_combo.findData(squad.id))
        dialog.add_treatment()
        dialog.select_variant(2)
        bid = int(squad.data["bid_micro"])
        dialog.bid_field.set_text(f"{bid * 1.4 / 1e6:.2f}")
        dialog.select_variant(1)
        assert dialog.page == VARIANTS
        dialog.resize(1000, 760)
        settle(app, 0.3)
        save(dialog, out, "experiments-setup.png")
        dialog.go_next()
        dialog.go_next()
        assert dialog.page == PLAN
        dialog.mde_spin.setValue(15.0)
        wait_until(app, lambda: dialog.plan is not None, 60)
        dialog.resize(1000, 860)
        settle(app, 0.3)
        save(dialog, out, "experiments-planner-factors.png")
        dialog.steps.buttons[VARIANTS].click()  # back: two variants, one comparison
        dialog.remove_treatment(1)
        dialog.go_next()
        dialog.go_next()
        wait_until(app, lambda: dialog.plan is not None, 60)
        settle(app, 0.3)
        save(dialog, out, "experiments-planner.png")
        dialog.reject()
        settle(app, 0.2)

        stats = stats_for(account.id)
        assert stats is not None
        # -- a split with a true effect (read out at `clock`), created `started`, planned
        split_plan = _plan(app, loop, service, stats, squad, at=started, primary_metric="swipe_rate",
                           relative_mde=0.1, arms=3, rotation=False)  # fmt: skip
        split = service.create(
            name="Max bid +20% / +40%",
            hypothesis="A higher max bid raises the swipe rate without raising the cost per swipe.",
            campaign_id=str(squad.parent_id),
            control_squad_id=squad.id,
            dimension="bid",
            treatments=[{"bid_micro": int(bid * 1.2)}, {"bid_micro": int(bid * 1.4)}],
            primary_metric="swipe_rate",
            guardrails=("cost_per_swipe", "ecpm"),
            mode="split",
            rotation_hours=None,
            relative_mde=0.1,
            plan=split_plan,
            price_limit=0.2,
        )
        live = gateway(store, api, live=True)
        assert run_in_loop(app, loop, live.post(split.change_ids)).ok
        split_id = service.start(split.experiment.id, at=started).id
        run_in_loop(app, loop, service.tick(live, now=started, experiment_ids=[split_id]))
        configure_effects(server, service.get(split_id).squad_ids, (1.0, 1.35, 1.02))

        # -- a 12-hour rotation of three placements, started 2½ days before `clock`
        other = _squad(store, account.id, avoid={squad.id})
        rotation = service.create(
            name="Placement: feed vs Stories",
            hypothesis="Ads between friends' Stories get more swipes than the automatic mix.",
            campaign_id=str(other.parent_id),
            control_squad_id=other.id,
            dimension="placement",
            treatments=[_custom("INTERSTITIAL_USER"), _custom("FEED")],
            primary_metric="swipe_rate",
            guardrails=("cost_per_swipe",),
            mode="rotation",
            rotation_hours=12,
        )
        assert run_in_loop(app, loop, live.post(rotation.change_ids)).ok
        rot_start = clock - timedelta(hours=12 * 5 + 4)
        rot_id = service.start(rotation.experiment.id, at=rot_start).id
        for slot in range(6):
            moment = rot_start + timedelta(hours=12 * slot, minutes=1)
            run_in_loop(app, loop, service.tick(live, now=moment, experiment_ids=[rot_id]))

        # -- a three-week rotation of 24-h slots (seven rounds), planned before its start; its
        # readout is the engine's on generated slot counts (see `_rotation_readout`)
        fourth = _squad(store, account.id, avoid={squad.id, other.id}, bid=True)
        long_start = clock - timedelta(days=21, hours=2)
        long_plan = _plan(app, loop, service, stats, fourth, at=long_start,
                          primary_metric="swipe_rate", relative_mde=0.2, arms=3, rotation=True,
                          rotation_hours=24.0)  # fmt: skip
        fourth_bid = int(fourth.data["bid_micro"])
        long_rotation = service.create(
            name="Max bid +15% / +30%, daily rotation",
            hypothesis="A higher max bid raises the swipe rate on the retargeting squad.",
            campaign_id=str(fourth.parent_id),
            control_squad_id=fourth.id,
            dimension="bid",
            treatments=[
                {"bid_micro": int(fourth_bid * 1.15)},
                {"bid_micro": int(fourth_bid * 1.3)},
            ],
            primary_metric="swipe_rate",
            guardrails=("cost_per_swipe",),
            mode="rotation",
            rotation_hours=24,
            relative_mde=0.2,
            plan=long_plan,
        )
        assert run_in_loop(app, loop, live.post(long_rotation.change_ids)).ok
        long_id = service.start(long_rotation.experiment.id, at=long_start).id
        _tick_every_slot(app, loop, service, live, long_id, start=long_start, hours=24, slots=22)

        # -- an ended split of two equal variants: nothing detected, with the power it had
        fifth = _squad(store, account.id, avoid={squad.id, other.id, fourth.id}, bid=True)
        flat_start = started
        flat_plan = _plan(app, loop, service, stats, fifth, at=flat_start,
                          primary_metric="swipe_rate", relative_mde=0.2, arms=2,
                          rotation=False)  # fmt: skip
        flat = service.create(
            name="Max bid +10%, split",
            hypothesis="A 10% higher max bid raises the swipe rate.",
            campaign_id=str(fifth.parent_id),
            control_squad_id=fifth.id,
            dimension="bid",
            treatments=[{"bid_micro": int(int(fifth.data["bid_micro"]) * 1.1)}],
            primary_metric="swipe_rate",
            mode="split",
            rotation_hours=None,
            relative_mde=0.2,
            plan=flat_plan,
        )
        assert run_in_loop(app, loop, live.post(flat.change_ids)).ok
        flat_id = service.start(flat.experiment.id, at=flat_start).id
        run_in_loop(app, loop, service.tick(live, now=flat_start, experiment_ids=[flat_id]))
        configure_effects(server, service.get(flat_id).squad_ids, (1.0, 1.0))
        service.end(flat_id, at=clock - timedelta(hours=1))

        # -- a draft, for the list
        third = _squad(store, account.id, avoid={squad.id, other.id, fourth.id, fifth.id},
                       bid=True)  # fmt: skip
        service.create(
            name="Max bid +0.25 on retargeting",
            hypothesis="A higher max bid wins back more cart abandoners.",
            campaign_id=str(third.parent_id),
            control_squad_id=third.id,
            dimension="bid",
            treatments=[{"bid_micro": int(third.data["bid_micro"]) + 250_000}],
            primary_metric="swipe_rate",
            mode="rotation",
            rotation_hours=24,
        )

        page.refresh()
        page.select(rot_id)
        page.tabs.setCurrentIndex(SCHEDULE_TAB)
        settle(app, 0.4)
        save(page, out, "experiments-running.png")

        page.select(split_id)
        page.tabs.setCurrentIndex(READOUT_TAB)
        wait_until(app, lambda: page.readout_panel.showing_readout, 90)
        settle(app, 0.5)
        save(page, out, "experiments-readout.png")

        page.readouts[long_id] = _rotation_readout(service, long_id, now=clock, plan=long_plan)
        page.select(long_id)
        wait_until(app, lambda: page.readout_panel.showing_readout, 120)
        settle(app, 0.5)
        save(page, out, "experiments-readout-units.png")

        page.select(flat_id)
        wait_until(app, lambda: page.readout_panel.showing_readout, 120)
        settle(app, 0.5)
        save(page, out, "experiments-inconclusive-power.png")
        page.select(split_id)

        promote = page.open_promote(split_id)
        promote.budget_check.setChecked(True)
        settle(app, 0.3)
        save(promote, out, "experiments-promote.png")
        promote.reject()

        # -- promoting B of the rotation: "Don't post" at the live confirmation, then dry-run
        page.select(rot_id)
        page.tabs.setCurrentIndex(SCHEDULE_TAB)
        window.editing.set_live(True)
        promote = page.open_promote(rot_id, "B")
        promote.promote_button.click()
        asked = window.editing.live_post_dialog
        assert isinstance(asked, LivePostDialog)
        asked.cancel_button.click()
        wait_until(app, lambda: page.posting is None, 30)
        settle(app, 0.4)
        save(page, out, "experiments-promote-cancelled.png")

        window.editing.set_live(False)
        promote = page.open_promote(rot_id, "B")
        promote.promote_button.click()
        wait_until(app, lambda: page.posting is None, 30)
        for results in window.findChildren(PostResultsDialog):
            results.close()
        settle(app, 0.4)
        save(page, out, "experiments-promote-rehearsed.png")

        page.close()
        window.close()
        run_in_loop(app, loop, api.aclose())
        store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
