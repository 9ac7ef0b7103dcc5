"""The Experiments window, its setup dialog and promotion, against a real sandbox over loopback
HTTP with a cache synced from it and a real main window (its edit service, Pending Changes dock
and post flow)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from snapdesk.api import SnapApi
from snapdesk.changes import ChangeRepository
from snapdesk.changes.model import CREATE, PAUSE, RESUME, UPDATE
from snapdesk.core.kinds import AD, AD_SQUAD
from snapdesk.experiments import (
    ENDED,
    GUARDRAIL_VIOLATED,
    INCONCLUSIVE,
    NO_DIFFERENCE_YET,
    PAUSED,
    RUNNING,
    SEQUENTIAL_METHOD,
    WINNER,
    ExperimentService,
    Plan,
    compute_readout,
    slot_variant,
)
from snapdesk.sandbox import SandboxServer
from snapdesk.store import Store
from snapdesk.ui import theme
from snapdesk.ui.dialogs.experiment_setup import (
    PLAN,
    SCHEDULE,
    VARIANTS,
    ExperimentSetupDialog,
)
from snapdesk.ui.dialogs.post_results import PostResultsDialog
from snapdesk.ui.main_window import MainWindow
from snapdesk.ui.models.experiments import STEP_COLUMNS, ExperimentListModel, RowsTable
from snapdesk.ui.session import Session
from snapdesk.ui.views._experiment_readout import ReadoutPanel
from snapdesk.ui.views.experiments import READOUT_TAB, ExperimentsPage
from tests.experiments.conftest import fixed_ids  # noqa: F401  (pytest fixture)
from tests.ui.changes_env import (
    clear_recorded,
    control,
    recorded_writes,
    reset,
    sync,
    usd_account,
)
from tests.ui.experiments_env import (
    T0,
    configure_effects,
    create,
    delivering_squad,
    experiment_of,
    launch,
    noisy_rounds,
    plan_of,
    stats_at,
    units_of,
)
from tests.ui.helpers import run_in_loop


@pytest.fixture
def synced(
    server: SandboxServer,
    api: SnapApi,
    store: Store,
    qapp: QApplication,
    qloop: asyncio.AbstractEventLoop,
) -> Store:
    reset(server)
    control(server, "POST", "stats_clock", {"now": None})
    control(server, "DELETE", "stats_effects")
    sync(qapp, qloop, api, store)
    clear_recorded(server)
    return store


@pytest.fixture
def window(
    qtbot: QtBot, synced: Store, qloop: asyncio.AbstractEventLoop, api: SnapApi
) -> MainWindow:
    main = MainWindow(Session(store=synced, loop=qloop, api=api, profile="default"))
    qtbot.addWidget(main)
    main.experiment_runner.stop()  # the tests drive it by hand
    main.resize(1300, 800)
    main.show()
    return main


def make_page(
    qtbot: QtBot,
    window: MainWindow,
    *,
    stats_for: Callable[[str], object] | None = None,
    clock: Callable[[], datetime] | None = None,
    account: str | None = None,
) -> ExperimentsPage:
    page = ExperimentsPage(
        session=window.session,
        editing=window.editing,
        stats_for=stats_for,  # type: ignore[arg-type]
        runner=window.experiment_runner,
        ad_account_id=account or usd_account(window.store).id,
        clock=clock,
    )
    qtbot.addWidget(page)
    page.resize(1260, 800)
    page.show()
    return page


def service_of(window: MainWindow) -> ExperimentService:
    return ExperimentService(store=window.store, edits=window.editing.edits)


def fill_first_page(dialog: ExperimentSetupDialog, *, campaign: str) -> None:
    dialog.campaign_combo.setCurrentIndex(dialog.campaign_combo.findData(campaign))
    dialog.name_edit.setText("Bid +20%")
    dialog.hypothesis_edit.setPlainText("A higher max bid raises the swipe rate")


def close_post_results(qtbot: QtBot, window: MainWindow) -> None:
    for dialog in window.findChildren(PostResultsDialog):
        dialog.close()


def _rows(store: Store, exp_id: str) -> tuple[Any, ...]:
    """The engine's rows of the experiment and every pending change, as stored."""
    return store.write(
        lambda c: (
            c.execute("SELECT state, data, updated_at FROM experiments WHERE id = ?", (exp_id,))
            .fetchall(),
            c.execute("SELECT * FROM experiment_steps WHERE experiment_id = ?", (exp_id,))
            .fetchall(),
            c.execute("SELECT * FROM pending_changes ORDER BY seq").fetchall(),
        )
    )  # fmt: skip


# -- models ---------------------------------------------------------------------------------------


def test_models_pass_the_model_tester(
    qtmodeltester: object, window: MainWindow, qapp: QApplication, qloop: asyncio.AbstractEventLoop,
    api: SnapApi,
) -> None:  # fmt: skip
    service = service_of(window)
    created = create(service, delivering_squad(window.store), k=3, mode="rotation", hours=6)
    page_model = ExperimentListModel()
    from snapdesk.ui.models.experiments import experiment_item

    page_model.set_items([experiment_item(created.experiment, campaign_name="Spring")])
    qtmodeltester.check(page_model)  # type: ignore[attr-defined]
    steps = RowsTable(STEP_COLUMNS)
    qtmodeltester.check(steps)  # type: ignore[attr-defined]


# -- empty state and tools menu -------------------------------------------------------------------


def test_empty_state_explains_and_offers_a_new_experiment(qtbot: QtBot, window: MainWindow) -> None:
    page = make_page(qtbot, window)
    assert page.body_stack.currentWidget() is page.empty_page
    assert "No experiments" in page.empty_page.title_label.text()
    assert "Pending Changes" in page.empty_page.text_label.text()
    page.empty_button.click()
    dialog = page.setup_dialog
    assert isinstance(dialog, ExperimentSetupDialog) and dialog.isVisible()
    dialog.reject()


def test_tools_menu_opens_one_experiments_window(qtbot: QtBot, window: MainWindow) -> None:
    action = next(a for a in window.tools_menu.actions() if a.objectName() == "experimentsAction")
    assert action.text() == "&Experiments…"
    assert QKeySequence("Ctrl+Shift+E") in action.shortcuts()  # from the shortcut registry
    assert action in window.actions()  # works wherever the focus is
    action.trigger()
    qtbot.waitUntil(lambda: any(p.isVisible() for p in window.findChildren(ExperimentsPage)))
    action.trigger()  # a second time: the open window comes to the front, no second one
    pages = [p for p in window.findChildren(ExperimentsPage) if p.isVisible()]
    assert len(pages) == 1 and pages[0].isWindow()
    assert not pages[0].isModal()
    for page in pages:
        page.close()


# -- the setup dialog -----------------------------------------------------------------------------


def test_setup_dialog_names_what_to_fix(qtbot: QtBot, window: MainWindow) -> None:
    squad = delivering_squad(window.store)
    page = make_page(qtbot, window)
    dialog = page.open_setup()
    assert dialog is not None

    # page 1: name and hypothesis are required
    assert dialog.go_next() is False
    assert dialog.problem.isVisible()
    assert "Name the experiment." in dialog.problem.text()
    fill_first_page(dialog, campaign=str(squad.parent_id))
    assert dialog.go_next() and dialog.page == VARIANTS
    dialog.control_combo.setCurrentIndex(dialog.control_combo.findData(squad.id))

    # no treatment at all
    dialog.remove_treatment(0)
    assert dialog.go_next() is False
    assert "Add at least one treatment" in dialog.problem.text()

    # a treatment changing two dimensions
    dialog.add_treatment()
    dialog.select_variant(1)
    dialog.bid_field.set_text("9.99")
    dialog.placement_combo.set_value("CUSTOM")
    dialog.position_boxes["FEED"].setChecked(True)
    assert dialog.go_next() is False
    assert "differs from the control in bid and placement" in dialog.problem.text()
    assert dialog.variant_issues.isVisible()  # inline, below the table
    # the table marks the off-dimension change
    row = dialog.variants_model.rows()[1]
    assert row.differs == ("bid", "placement")

    # only the other dimension changed
    dialog.bid_field.set_text(f"{int(squad.data['bid_micro']) / 1e6:.2f}")
    problems = dialog.problems(VARIANTS)
    assert problems == [
        "Variant B changes the placement, but the experiment tests the bid: change its bid "
        "instead (or test placement)."
    ]

    # switching the declared dimension to placement makes it valid
    dialog.dimension_buttons["placement"].setChecked(True)
    assert dialog.problems(VARIANTS) == []

    # two identical treatments
    dialog.dimension_buttons["bid"].setChecked(True)
    dialog.select_variant(1)
    dialog.bid_field.set_text("7.00")
    dialog.add_treatment()
    dialog.select_variant(2)
    dialog.bid_field.set_text("7.00")
    assert "Variants B and C are the same." in dialog.problems(VARIANTS)
    dialog.bid_field.set_text("8.00")
    assert dialog.problems(VARIANTS) == []
    assert dialog.go_next() and dialog.page == SCHEDULE
    # the rotation's rounds in their counterbalanced order (a Williams design), not A → B → C
    # every round
    summary = dialog.schedule_summary.text()
    assert "round 1: A → B → C · round 2: B → C → A · round 3: C → A → B" in summary

    # split with declared budgets below Snap's minimum
    dialog.split_radio.setChecked(True)
    dialog.declared_radio.setChecked(True)
    dialog.budget_fields[1].set_text("2.00")
    assert dialog.go_next() is False
    assert "Daily budget of B below Snap's minimum" in dialog.problem.text()
    dialog.reject()


def _planner_dialog(
    qtbot: QtBot, page: ExperimentsPage, squad: Any, *, treatments: int = 2
) -> ExperimentSetupDialog:
    """The setup dialog on its plan page: a rotation every 24 h of the squad and `treatments`
    bid treatments."""
    dialog = page.open_setup()
    assert dialog is not None
    fill_first_page(dialog, campaign=str(squad.parent_id))
    dialog.go_next()
    dialog.control_combo.setCurrentIndex(dialog.control_combo.findData(squad.id))
    for index in range(2, treatments + 1):
        dialog.add_treatment()
        dialog.select_variant(index)
        dialog.bid_field.set_text(f"{9 + index}.50")
    assert dialog.go_next() and dialog.go_next() and dialog.page == PLAN
    return dialog


def _engine_plan(page: ExperimentsPage, squad: Any, clock: datetime, **inputs: Any) -> Plan:
    values: dict[str, Any] = {
        "primary_metric": "swipe_rate",
        "relative_mde": 0.1,
        "arms": 3,
        "rotation": True,
        "rotation_hours": 24.0,
        "confidence": 0.95,
        **inputs,
    }
    plan: Plan = run_in_loop(
        QApplication.instance(),  # type: ignore[arg-type]
        page.session.loop,
        page.service.plan(
            page.stats_for(page.ad_account_id or ""),  # type: ignore[arg-type]
            ad_account_id=page.ad_account_id or "",
            campaign_id=str(squad.parent_id),
            now=clock,
            **values,
        ),
    )
    return plan


def test_planner_shows_the_engines_plan_with_its_factors(
    qtbot: QtBot, window: MainWindow, server: SandboxServer, api: SnapApi
) -> None:
    """The planner is the engine's (`ExperimentService.plan`, the campaign's last 28 days per
    ad squad): its cards show the measured round-to-round spread and where it came from, the
    multiplicity factor (α split over k−1 comparisons), the sequential factor (always-valid vs
    fixed horizon, simulated) and the duration as the 80%-power horizon — never "≤ N days"
    (issue 15). Replaces the check of the old per-impression sample sizes."""
    squad = delivering_squad(window.store)
    clock = datetime.now(UTC)
    page = make_page(qtbot, window, stats_for=stats_at(server, api, window.store, clock),
                     clock=lambda: clock)  # fmt: skip
    dialog = _planner_dialog(qtbot, page, squad)
    qtbot.waitUntil(lambda: dialog.plan is not None, timeout=30_000)
    expected = _engine_plan(page, squad, clock)
    assert dialog.plan == expected
    assert expected.rounds is not None and expected.days is not None
    assert expected.sequential_factor is not None

    spread = dialog.spread_card
    assert spread.value.text() == f"±{expected.round_sd:.1%}"
    source = expected.spread_source
    assert source[:1].upper() + source[1:] in spread.detail.text()
    multiplicity = dialog.multiplicity_card.detail.text()
    assert "α split over 2 comparisons" in multiplicity
    assert f"α/2 = 0.05/2 = {expected.alpha_first:.3g}" in multiplicity
    assert f"×{expected.multiplicity_factor:.2f} the rounds of a single comparison" in multiplicity
    assert dialog.multiplicity_card.value.text() == f"×{expected.multiplicity_factor:.2f}"
    sequential = dialog.sequential_card.detail.text()
    assert f"Always-valid test: ×{expected.sequential_factor:.1f} the fixed-horizon rounds" in (
        sequential
    )
    assert "simulated for 3 arms" in sequential
    days = dialog.days_card
    assert days.value.text() == f"≈ {expected.days:.0f} days"
    assert f"{expected.rounds} rounds of 3 slots of 24 h for 80% power" in days.detail.text()
    assert "still missed 1 time in 5 by then" in days.detail.text()
    cards = (dialog.spread_card, dialog.multiplicity_card, dialog.sequential_card, days)
    assert not any("≤" in c.value.text() + c.detail.text() for c in cards)
    assert not dialog.plan_problem.isVisibleTo(dialog)
    assert "last 28 days" in dialog.fetch_status.text()

    # changed inputs are planned again, by the engine, for exactly those inputs
    dialog.mde_spin.setValue(15.0)
    dialog.confidence_combo.setCurrentIndex(dialog.confidence_combo.findData(0.90))
    assert dialog.plan is None  # the old plan is gone at once
    assert dialog.problems(PLAN)  # and Create waits for the new one
    qtbot.waitUntil(lambda: dialog.plan is not None, timeout=30_000)
    again = _engine_plan(page, squad, clock, relative_mde=0.15, confidence=0.90)
    assert dialog.plan == again
    assert dialog.days_card.value.text() == f"≈ {again.days:.0f} days"

    # Create stores that plan with the experiment: its mixture scale is fixed before any data
    with qtbot.waitSignal(dialog.created):
        assert dialog.go_next()
    assert dialog.created_result is not None
    stored = page.service.get(dialog.created_result.experiment.id)
    assert stored.plan == again.to_json() and stored.mixture_c == again.c
    assert stored.relative_mde == pytest.approx(0.15) and stored.confidence == 0.90


def test_planner_names_a_history_too_short_to_plan(
    qtbot: QtBot, window: MainWindow, server: SandboxServer, api: SnapApi
) -> None:
    """A campaign with too little history gets the engine's sentence inline, with what to do;
    the experiment can still be created (without a plan)."""
    squad = delivering_squad(window.store)
    campaign = window.store.get("campaign", str(squad.parent_id))
    assert campaign is not None
    started = datetime.fromisoformat(str(campaign.data["start_time"]).replace("Z", "+00:00"))
    clock = started + timedelta(days=4)  # three complete days of history
    page = make_page(qtbot, window, stats_for=stats_at(server, api, window.store, clock),
                     clock=lambda: clock)  # fmt: skip
    dialog = _planner_dialog(qtbot, page, squad)
    qtbot.waitUntil(lambda: dialog.plan_error is not None, timeout=30_000)
    assert dialog.plan is None
    problem = dialog.plan_problem
    assert problem.isVisibleTo(dialog) and problem.kind == "warning"
    text = problem.text()
    assert "The planner can't size this experiment" in text
    assert "day(s) of history; the planner needs 7" in text
    assert "measure again" in text and "without a plan" in text
    assert dialog.days_card.value.text() == "—"
    assert dialog.problems(PLAN) == []  # not blocking
    dialog.reject()


def test_creating_in_dry_run_queues_the_variants_and_sends_nothing(
    qtbot: QtBot, window: MainWindow, server: SandboxServer
) -> None:
    squad = delivering_squad(window.store)
    page = make_page(qtbot, window)
    dialog = page.open_setup()
    assert dialog is not None
    fill_first_page(dialog, campaign=str(squad.parent_id))
    # eCPM is a guardrail compared with a limit, never the metric a winner is judged by
    assert dialog.metric_combo.findData("ecpm") < 0
    assert not dialog.price_limit_spin.isVisibleTo(dialog)
    dialog.guardrail_boxes["ecpm"].setChecked(True)
    assert dialog.price_limit_spin.isVisibleTo(dialog) and dialog.price_limit_spin.value() == 20
    dialog.price_limit_spin.setValue(30)
    dialog.go_next()
    dialog.control_combo.setCurrentIndex(dialog.control_combo.findData(squad.id))
    dialog.go_next()
    dialog.go_next()
    # no stats service (not signed in): no plan, said so, and creating is still possible
    assert dialog.plan is None and dialog.plan_problem.isVisibleTo(dialog)
    assert "Sign in to plan" in dialog.plan_problem.text()
    with qtbot.waitSignal(dialog.created):
        assert dialog.go_next()  # "Create experiment"
    assert dialog.created_result is not None
    created = dialog.created_result
    assert created.experiment.guardrails == ("ecpm",)
    assert created.experiment.price_limit == pytest.approx(0.30)
    assert created.experiment.plan is None and created.experiment.mixture_c is None

    # queued in the window's edit service: the Pending Changes dock lists them
    panel_ids = {c.id for c in window.editing.panel.changes}
    assert set(created.change_ids) <= panel_ids
    squad_creates = [
        c
        for c in ChangeRepository(window.store).list(change_ids=created.change_ids)
        if c.kind == AD_SQUAD and c.action == CREATE
    ]
    assert len(squad_creates) == 1
    assert squad_creates[0].after is not None and squad_creates[0].after["status"] == "PAUSED"
    ads = [c for c in ChangeRepository(window.store).list() if c.kind == AD]
    assert len(ads) == len(window.store.ads(squad.id))
    service = service_of(window)
    assert service.effective_status(squad.id) == "ACTIVE"  # the control ships active

    # the window shows the draft with what launching will do
    experiment = page.current()
    assert experiment is not None and experiment.id == created.experiment.id
    assert experiment.state == "draft"
    assert page.draft_banner.isVisible() and "rehearses them" in page.draft_banner.text()
    assert page.launch_button.text() == "Launch (dry-run)"

    # launching in dry-run rehearses through the post flow: nothing reaches the sandbox
    said: list[str] = []  # what the post flow told the status bar (names a failure if one comes)
    window.editing.flow.message_posted.connect(lambda text, _error: said.append(text))
    assert page.launch(experiment.id)
    qtbot.waitUntil(lambda: page.posting is None, timeout=20_000)
    report = window.editing.last_report()
    assert report is not None and not report.live, (said, page.message.text())
    assert {r.outcome for r in report.results} == {"dry-run"}
    assert recorded_writes(server) == []
    assert service.get(experiment.id).state == "draft"  # not started: nothing exists on Snap
    assert "Launch rehearsed" in page.message.text()
    assert set(service.pending_change_ids(experiment.id)) == set(created.change_ids)
    close_post_results(qtbot, window)


def test_launch_in_live_mode_creates_the_variants_and_starts(
    qtbot: QtBot, window: MainWindow, server: SandboxServer
) -> None:
    squad = delivering_squad(window.store)
    service = service_of(window)
    created = create(service, squad, k=2, mode="rotation", hours=24)
    page = make_page(qtbot, window)
    window.editing.set_live(True)
    assert page.launch_button.text() == "Launch"
    page.select(created.experiment.id)
    assert page.launch(created.experiment.id)
    qtbot.waitUntil(lambda: service.get(created.experiment.id).state == RUNNING, timeout=30_000)
    experiment = service.get(created.experiment.id)
    assert not any(s.startswith("new-") for s in experiment.squad_ids)
    posts = [w for w in recorded_writes(server) if w["method"] == "POST"]
    assert posts  # the copies were created on Snap
    assert service.pending_change_ids(experiment.id) == ()
    close_post_results(qtbot, window)


# -- the schedule -------------------------------------------------------------------------------


def test_schedule_shows_the_active_variant_next_rotation_and_steps(
    qtbot: QtBot,
    window: MainWindow,
    qapp: QApplication,
    qloop: asyncio.AbstractEventLoop,
    api: SnapApi,
) -> None:
    service = service_of(window)
    start = datetime.now(UTC) - timedelta(hours=7)  # slot 1 of 6 h: variant B
    created = create(service, delivering_squad(window.store), k=3, mode="rotation", hours=6)
    exp_id = launch(qapp, qloop, service=service, store=window.store, api=api, created=created,
                    start=start)  # fmt: skip
    page = make_page(qtbot, window)
    page.select(exp_id)
    panel = page.schedule_panel
    assert panel.active_card.value.text() == "A"  # B's step is due but has not run yet
    runner = window.experiment_runner
    window.editing.set_live(True)
    op = runner.tick_now()
    assert op is not None
    qtbot.waitUntil(lambda: not runner.running, timeout=20_000)
    qtbot.waitUntil(lambda: panel.active_card.value.text() == "B")
    next_at = start + timedelta(hours=12)
    local = next_at.astimezone()
    assert panel.next_card.value.text() == f"{local:%H:%M} {local.tzname()}"
    assert f"{local:%a} {local.day} {local:%b}" in panel.next_card.detail.text()
    assert "variant C" in panel.next_card.detail.text()
    steps = panel.steps_model.rows()
    assert [s.step for s in steps] == [1, 0]
    assert all(s.result.startswith("Applied") for s in steps)
    statuses = {r.key: (r.status, r.scheduled) for r in panel.variants_model.rows()}
    assert statuses == {"A": ("PAUSED", False), "B": ("ACTIVE", True), "C": ("PAUSED", False)}


def test_schedule_follows_the_counterbalanced_order(
    qtbot: QtBot,
    window: MainWindow,
    qapp: QApplication,
    qloop: asyncio.AbstractEventLoop,
    api: SnapApi,
) -> None:
    """Slot 3 of a three-variant rotation opens round 2, whose order is B → C → A (a Williams
    design): the cards, the variants' schedule and the strip say B — `index % k` said A."""
    service = service_of(window)
    start = datetime.now(UTC) - timedelta(hours=19)  # slot 3 of 6 h
    created = create(service, delivering_squad(window.store), k=3, mode="rotation", hours=6)
    exp_id = launch(qapp, qloop, service=service, store=window.store, api=api, created=created,
                    start=start)  # fmt: skip
    assert service.get(exp_id).balanced
    page = make_page(qtbot, window)
    page.select(exp_id)
    panel = page.schedule_panel
    window.editing.set_live(True)
    runner = window.experiment_runner
    assert runner.tick_now() is not None
    qtbot.waitUntil(lambda: not runner.running, timeout=20_000)
    qtbot.waitUntil(lambda: panel.active_card.value.text() == "B")
    assert "variant C" in panel.next_card.detail.text()  # slot 4: the round's second
    scheduled = {r.key for r in panel.variants_model.rows() if r.scheduled}
    assert scheduled == {"B"}
    keys = [v.key for v in service.get(exp_id).variants]
    drawn = [keys[v] for _i, _b, v, _now in panel.strip.slots()]
    assert drawn == [keys[slot_variant(i, 3)] for i in range(9)] == list("ABCBCACAB")
    order = panel.order_label.text()
    assert "This round <b>B → C → A</b>, next <b>C → A → B</b>, then <b>C → B → A</b>" in order
    assert "counterbalanced" in order


# -- pause, resume, end, archive --------------------------------------------------------------


def _accept_confirm(page: ExperimentsPage) -> None:
    box = page.confirm_box
    assert isinstance(box, QMessageBox)
    accept = next(
        b for b in box.buttons() if box.buttonRole(b) == QMessageBox.ButtonRole.AcceptRole
    )
    accept.click()


def test_pause_resume_end_and_archive(
    qtbot: QtBot,
    window: MainWindow,
    qapp: QApplication,
    qloop: asyncio.AbstractEventLoop,
    api: SnapApi,
    server: SandboxServer,
) -> None:
    service = service_of(window)
    created = create(service, delivering_squad(window.store), k=2, mode="split")
    exp_id = launch(qapp, qloop, service=service, store=window.store, api=api, created=created,
                    start=datetime.now(UTC))  # fmt: skip
    clear_recorded(server)
    page = make_page(qtbot, window)
    page.select(exp_id)
    assert page.pause_button.isVisible() and not page.resume_button.isVisible()

    before = _rows(window.store, exp_id)
    page.pause_button.click()
    _accept_confirm(page)
    pauses = ChangeRepository(window.store).list()
    assert {(c.entity_id, c.action) for c in pauses} == {
        (s, PAUSE) for s in service.get(exp_id).squad_ids
    }
    qtbot.waitUntil(lambda: page.posting is None, timeout=20_000)
    assert recorded_writes(server) == []  # dry-run: rehearsed only
    close_post_results(qtbot, window)
    # rehearsed, not done: still running, the pause waits (issue 13)
    assert service.get(exp_id).state == RUNNING
    assert page.state_chip.text() == "Running"
    assert page.model.item(page.model.row_of(exp_id)).summary == "Pause not posted"  # type: ignore[union-attr]
    assert "rehearsed in dry-run" in page.pending_banner.text()
    assert page.post_pending_button.text() == "Post pause (dry-run)"
    assert not page.pause_button.isVisible() and not page.resume_button.isVisible()
    assert page.schedule_panel.next_card.value.text() == "On hold"

    page.cancel_pending_button.click()  # taken back: exactly as before
    assert _rows(window.store, exp_id) == before
    assert page.pause_button.isVisible() and not page.pending_banner.isVisible()

    window.editing.set_live(True)
    page.pause_button.click()
    _accept_confirm(page)
    qtbot.waitUntil(lambda: service.get(exp_id).state == PAUSED, timeout=20_000)
    qtbot.waitUntil(lambda: page.posting is None, timeout=20_000)
    close_post_results(qtbot, window)
    assert {w["method"] for w in recorded_writes(server)} == {"PUT"}
    assert page.resume_button.isVisible() and not page.pause_button.isVisible()
    assert page.schedule_panel.active_card.value.text() == "None"
    assert page.state_chip.text() == "Paused" and not page.pending_banner.isVisible()
    window.editing.set_live(False)

    page.resume_button.click()
    assert service.get(exp_id).state == RUNNING and service.get(exp_id).reapply

    page.end_button.click()
    _accept_confirm(page)
    assert service.get(exp_id).state == ENDED
    assert page.archive_button.isVisible()
    page.archive_button.click()
    _accept_confirm(page)
    assert page.model.row_of(exp_id) < 0  # archived: hidden
    page.archived_check.setChecked(True)
    assert page.model.row_of(exp_id) >= 0


# -- readout -------------------------------------------------------------------------------------


def _readout_page(
    qtbot: QtBot,
    window: MainWindow,
    *,
    qapp: QApplication,
    qloop: asyncio.AbstractEventLoop,
    api: SnapApi,
    server: SandboxServer,
    lift: float,
) -> tuple[ExperimentsPage, str]:
    service = service_of(window)
    # No guardrail: the sandbox gives every ad squad its own CPM, so a cost guardrail can differ
    # for real between equal-rate arms (tested with fixed counts below).
    created = create(service, delivering_squad(window.store), k=2, mode="split")
    start = datetime.now(UTC)
    exp_id = launch(qapp, qloop, service=service, store=window.store, api=api, created=created,
                    start=start)  # fmt: skip
    configure_effects(server, service.get(exp_id).squad_ids, (1.0, lift))
    clock = start + timedelta(days=14)
    page = make_page(qtbot, window, stats_for=stats_at(server, api, window.store, clock),
                     clock=lambda: clock)  # fmt: skip
    page.select(exp_id)
    page.tabs.setCurrentIndex(READOUT_TAB)
    qtbot.waitUntil(lambda: page.readout_panel.showing_readout, timeout=60_000)
    return page, exp_id


def test_readout_shows_a_winner_for_a_true_effect(
    qtbot: QtBot,
    window: MainWindow,
    qapp: QApplication,
    qloop: asyncio.AbstractEventLoop,
    api: SnapApi,
    server: SandboxServer,
) -> None:
    page, _exp_id = _readout_page(
        qtbot, window, qapp=qapp, qloop=qloop, api=api, server=server, lift=1.5
    )
    panel = page.readout_panel
    assert panel.verdict_label.text() == "Winner: variant B"
    # the method is the anytime-valid t-test on per-round log ratios (was: mSPRT on
    # impressions); one treatment, so no correction for several comparisons is claimed
    assert SEQUENTIAL_METHOD in panel.method_label.text()
    assert "every day" in panel.method_label.text()
    assert "one treatment, so no correction" in panel.method_label.text()
    assert "Unit of replication: one day" in panel.unit_label.text().replace("</b>", "")
    rows = panel.arms_model.rows()
    assert [r.key for r in rows] == ["A", "B"]
    assert rows[1].verdict == "Better" and rows[1].rel_ci.startswith("[+")
    assert panel.promote_button.isVisible() and panel.promote_button.text() == "Promote B…"
    assert "Sample ratio" in panel.srm_banner.text()
    assert not panel.guardrails_view.isVisible()  # none declared
    assert len(panel.plot.rows) == 1  # one treatment in the forest plot


def test_readout_follows_a_theme_switch(
    qtbot: QtBot,
    window: MainWindow,
    qapp: QApplication,
    qloop: asyncio.AbstractEventLoop,
    api: SnapApi,
    server: SandboxServer,
) -> None:
    # The page re-shows its readout on a theme switch; it called the `showing_readout` property
    # like a method, so the first switch raised after restyling, the theme dropped the page from
    # its followers and every later switch left the readout in the previous theme's colours.
    page, _exp_id = _readout_page(
        qtbot, window, qapp=qapp, qloop=qloop, api=api, server=server, lift=1.5
    )
    chip = page.readout_panel.verdict_label
    light = chip.styleSheet()
    try:
        dark = theme.apply_theme(qapp, dark=True)
        assert chip.styleSheet() != light
        assert f"background: {theme._mix(dark.success, dark.base, 0.14)};" in chip.styleSheet()
        assert f"color: {dark.success};" in chip.styleSheet()
        theme.apply_theme(qapp, dark=False)  # still following after the first switch
        assert chip.styleSheet() == light
    finally:
        theme.apply_theme(qapp, dark=False)


@pytest.mark.usefixtures("fixed_ids")
def test_readout_shows_no_difference_yet_for_equal_arms(
    qtbot: QtBot,
    window: MainWindow,
    qapp: QApplication,
    qloop: asyncio.AbstractEventLoop,
    api: SnapApi,
    server: SandboxServer,
) -> None:
    page, _exp_id = _readout_page(
        qtbot, window, qapp=qapp, qloop=qloop, api=api, server=server, lift=1.0
    )
    panel = page.readout_panel
    assert panel.verdict_label.text() in ("No difference yet", "Inconclusive")
    assert panel.arms_model.rows()[1].verdict in ("Not detected yet", "None detected")
    assert panel.promote_button.text() == "Promote a variant…"
    assert "smaller than the test can detect" not in panel.explanation_label.text()


def test_readout_states_for_a_draft_and_without_login(qtbot: QtBot, window: MainWindow) -> None:
    created = create(service_of(window), delivering_squad(window.store), k=2)
    page = make_page(qtbot, window)  # no stats service: as without a signed-in login
    page.select(created.experiment.id)
    page.tabs.setCurrentIndex(READOUT_TAB)
    assert page.readout_panel.state_page.title_label.text() == "No results yet"
    service = service_of(window)
    service.start(created.experiment.id)
    page.refresh()
    page.load_readout()
    assert page.readout_panel.state_page.title_label.text() == "Sign in to read results"


def _panel(qtbot: QtBot, readout: Any, experiment: Any) -> ReadoutPanel:
    panel = ReadoutPanel()
    qtbot.addWidget(panel)
    panel.resize(960, 1000)
    panel.show()
    panel.show_readout(readout, experiment=experiment, currency="USD", can_promote=True)
    return panel


NOW = T0 + timedelta(days=90)


def test_readout_panel_names_a_guardrail_violation(qtbot: QtBot) -> None:
    """More swipes at three times the spend: better on the swipe rate, significantly worse on
    the cost per swipe. (Was computed from summed counts per arm; now from the daily units.)"""
    experiment = experiment_of(2, guardrails=("cost_per_swipe",))
    rounds = noisy_rounds(5, 10, [0.01, 0.013], impressions=100_000, cpm=[5.0, 15.0])
    readout = compute_readout(experiment, units_of(rounds), now=NOW)
    assert readout.verdict == GUARDRAIL_VIOLATED
    panel = _panel(qtbot, readout, experiment)
    assert panel.verdict_label.text() == "Guardrail violated"
    assert "Cost per swipe" in panel.explanation_label.text()
    [row] = panel.guardrails_model.rows()
    assert (row.metric, row.key, row.verdict) == ("Cost per swipe", "B", "Significantly worse")
    (guard,) = readout.guardrails
    assert (
        row.control == f"USD {guard.control_value:,.2f}" and row.value == f"USD {guard.value:,.2f}"
    )
    # $5 CPM at a 1% swipe rate: $0.50 a swipe; $15 at 1.3%: $1.15 (up to the day noise)
    assert guard.control_value == pytest.approx(0.50, rel=0.05)
    assert guard.value == pytest.approx(1.15, rel=0.05)
    assert row.rel_ci.startswith("[+") and float(row.p_value) <= 0.05  # tested: interval and p
    assert panel.arms_model.rows()[1].verdict == "Better"  # on the primary metric it is
    assert panel.promote_button.text() == "Promote a variant…"  # not offered as the winner
    assert panel.srm_banner.kind == "ok" and "passed" in panel.srm_banner.text()
    assert "complete days" in panel.srm_banner.text()  # split: shares of complete days


def test_readout_names_the_unit_of_replication_and_what_a_round_is(qtbot: QtBot) -> None:
    """Issue 15: the slot (rotation) or the day (split) is the unit; the readout says so, and
    what a round is and how many were compared. A rotation has a per-slot delivery check
    instead of a sample-ratio test."""
    rotation = experiment_of(3, mode="rotation", rotation_hours=24.0)
    rounds = noisy_rounds(3, 8, [0.01, 0.0125, 0.0101])
    readout = compute_readout(
        rotation,
        units_of(rounds, rotation_hours=24),
        now=NOW,
    )
    panel = _panel(qtbot, readout, rotation)
    text = panel.unit_label.text()
    assert text.startswith("<b>Unit of replication:</b> ")
    assert readout.unit == "one 1-day slot" and readout.unit in text
    assert f"A round is {readout.round_label}" in text
    assert "3 1-day slots, one per variant, in a counterbalanced order" in text
    assert "8 complete rounds compared on swipe rate" in text
    assert "Delivery check passed" in panel.srm_banner.text()
    assert "Sample ratio" not in panel.srm_banner.text()
    titles = [
        panel.arms_model.headerData(c, Qt.Orientation.Horizontal)
        for c in range(panel.arms_model.columnCount())
    ]
    assert "Range (descriptive)" in titles  # per-variant intervals are labelled descriptive
    rows = panel.arms_model.rows()
    arm = readout.arms[0]
    assert arm.low is not None and arm.high is not None
    assert rows[0].interval == f"{arm.low * 100:.2f}–{arm.high * 100:.2f}%"
    assert rows[0].units == 8

    # a slot that under-delivered: named, its round left out
    rounds[4][1] = {**rounds[4][1], "impressions": 10_000.0, "swipes": 100.0}
    short = compute_readout(
        rotation,
        units_of(rounds, rotation_hours=24),
        now=NOW,
    )
    panel.show_readout(short, experiment=rotation, currency="USD", can_promote=True)
    banner = panel.srm_banner
    assert banner.kind == "warning" and "Delivery check: 1 slot" in banner.text()
    assert "variant B: the slot from 2026-06-14 00:00 UTC delivered 10,000" in banner.text()
    assert "7 complete rounds" in panel.unit_label.text()
    assert not any("Delivery:" in b.text() for b in panel.warning_banners)  # not twice

    split = experiment_of(2)
    day = compute_readout(split, units_of(noisy_rounds(4, 6, [0.01, 0.01])), now=NOW)
    panel.show_readout(day, experiment=split, currency="USD", can_promote=True)
    assert "Unit of replication:</b> one day. A round is one day with every variant" in (
        panel.unit_label.text()
    )
    assert panel.arms_model.rows()[0].units == 6


def test_plot_hint_calls_the_intervals_always_valid_never_holm_adjusted(qtbot: QtBot) -> None:
    """Issue 15: the intervals are always-valid per comparison; the verdict uses Holm's
    correction of the p-values. The hint said the intervals were Holm-adjusted."""
    experiment = experiment_of(3)
    readout = compute_readout(
        experiment, units_of(noisy_rounds(9, 12, [0.01, 0.0115, 0.0101])), now=NOW
    )
    panel = _panel(qtbot, readout, experiment)
    hint_text = panel.plot_hint.text()
    assert "always-valid interval" in hint_text and "for its own comparison" in hint_text
    assert "corrected with Holm's method across the 2 treatments" in hint_text  # the p-values
    assert "holm-adjusted" not in hint_text.lower()
    assert "always-valid intervals, one per comparison" in panel.plot_title.text()
    # both p-values: the running minimum and (what the verdict uses) after Holm
    titles = [
        panel.arms_model.headerData(c, Qt.Orientation.Horizontal)
        for c in range(panel.arms_model.columnCount())
    ]
    assert "p" in titles and "p (Holm)" in titles
    for row, cmp in zip(panel.arms_model.rows()[1:], readout.comparisons, strict=True):
        assert row.p_value == f"{cmp.p_value:.3g}" and row.p_holm == f"{cmp.p_adjusted:.3g}"
        assert cmp.p_adjusted >= cmp.p_value


def test_a_readout_without_a_difference_states_the_power_it_had(qtbot: QtBot) -> None:
    """Issue 15: "no difference yet" / "inconclusive" say how likely the test was to detect the
    planned effect by now and where the 80%-power horizon is — never that the effect "is
    smaller than the test can detect"."""
    plan = plan_of()
    assert plan.rounds is not None
    running = experiment_of(2, plan=plan.to_json(), mixture_c=plan.c)
    flat = noisy_rounds(1, plan.rounds + 4, [0.01, 0.01])
    early = compute_readout(running, units_of(flat[:8]), now=NOW, plan=plan)
    assert early.verdict == NO_DIFFERENCE_YET and early.power_so_far is not None
    panel = _panel(qtbot, early, running)
    assert panel.explanation_label.text() == (
        f"Not detected yet at this sample (8 rounds) — by now the test had a "
        f"{early.power_so_far:.0%} chance to detect a +10% change; the 80%-power horizon is "
        f"{plan.rounds} rounds (≈ {plan.rounds * plan.round_days:.0f} days)."
    )
    assert f"8 complete rounds of the {plan.rounds} planned" in panel.unit_label.text()
    assert panel.arms_model.rows()[1].verdict == "Not detected yet"

    ended = experiment_of(2, plan=plan.to_json(), mixture_c=plan.c, state="ended")
    final = compute_readout(ended, units_of(flat), now=NOW, plan=plan)
    assert final.verdict == INCONCLUSIVE and final.power_so_far is not None
    panel.show_readout(final, experiment=ended, currency="USD", can_promote=True)
    text = panel.explanation_label.text()
    assert text.startswith(f"No difference detected at this sample ({plan.rounds + 4} rounds)")
    assert f"chance to detect a +10% change; the 80%-power horizon was {plan.rounds}" in text
    assert f"{final.power_so_far:.0%} chance" in text
    assert "does not show the variants are equal" in text
    assert "smaller than the test can detect" not in text
    assert panel.arms_model.rows()[1].verdict == "None detected"

    # without a plan: said so, no invented power
    bare = experiment_of(2)
    unplanned = compute_readout(bare, units_of(flat[:8]), now=NOW)
    panel.show_readout(unplanned, experiment=bare, currency="USD", can_promote=True)
    assert "created without a plan" in panel.explanation_label.text()
    assert "% chance" not in panel.explanation_label.text()


def test_ecpm_guardrail_is_described_against_its_limit_never_tested(
    qtbot: QtBot, qtmodeltester: Any
) -> None:
    """Issue 15: eCPM is set by the auction — a descriptive guardrail compared with the
    experiment's limit, shown without an interval of the change and without a p-value."""
    experiment = experiment_of(2, guardrails=("ecpm", "cost_per_swipe"), price_limit=0.2)
    rounds = noisy_rounds(11, 15, [0.010, 0.0125], cpm=[5.0, 5.5])
    readout = compute_readout(experiment, units_of(rounds), now=NOW)
    assert readout.verdict == WINNER
    panel = _panel(qtbot, readout, experiment)
    price, cost = panel.guardrails_model.rows()
    assert (price.metric, price.key) == ("eCPM", "B") and not price.tested
    assert price.p_value == "not tested" and price.rel_ci == "descriptive"
    assert price.rounds == "—" and price.verdict == "Within +20% limit"
    # 1,000 × spend / impressions: a $5 CPM (up to the day noise), not "USD 0.01"
    assert float(price.control.removeprefix("USD ")) == pytest.approx(5.0, rel=0.02)
    assert cost.tested and cost.p_value not in ("not tested", "—")
    float(cost.p_value)
    hint_text = panel.guardrails_hint.text()
    assert "never tested" in hint_text and "no p-value" in hint_text and "+20%" in hint_text
    qtmodeltester.check(panel.arms_model)
    qtmodeltester.check(panel.guardrails_model)

    strict = experiment_of(2, guardrails=("ecpm",), price_limit=0.05)
    flagged = compute_readout(strict, units_of(rounds), now=NOW)
    assert flagged.verdict == GUARDRAIL_VIOLATED
    panel.show_readout(flagged, experiment=strict, currency="USD", can_promote=True)
    [row] = panel.guardrails_model.rows()
    assert row.verdict == "Above +5% limit" and row.tone == "danger"
    assert row.p_value == "not tested"
    assert panel.verdict_label.text() == "Guardrail violated"


# -- promotion ------------------------------------------------------------------------------------


def test_promote_queues_exactly_the_expected_change_set(
    qtbot: QtBot,
    window: MainWindow,
    qapp: QApplication,
    qloop: asyncio.AbstractEventLoop,
    api: SnapApi,
    server: SandboxServer,
) -> None:
    service = service_of(window)
    created = create(service, delivering_squad(window.store), k=3, mode="split")
    exp_id = launch(qapp, qloop, service=service, store=window.store, api=api, created=created,
                    start=datetime.now(UTC))  # fmt: skip
    a, b, c = service.get(exp_id).squad_ids
    budgets = [int(window.store.get(AD_SQUAD, s).data["daily_budget_micro"]) for s in (a, b, c)]  # type: ignore[union-attr]
    clear_recorded(server)
    page = make_page(qtbot, window)
    page.select(exp_id)
    dialog = page.open_promote(exp_id, "B")
    dialog.budget_check.setChecked(True)
    lines = dialog.change_lines()
    assert lines[0].startswith("Pause A · ") and lines[1].startswith("Pause C · ")
    assert lines[2].startswith("Set the daily budget of B to USD ")
    assert f"{sum(budgets) / 1e6:,.2f}" in lines[2]
    assert len(lines) == 3
    assert "Dry-run" in dialog.mode_banner.text()
    dialog.promote_button.click()

    changes = ChangeRepository(window.store).list()
    assert {(ch.entity_id, ch.action) for ch in changes} == {(a, PAUSE), (c, PAUSE), (b, UPDATE)}
    update = next(ch for ch in changes if ch.entity_id == b)
    assert update.after is not None and update.after["daily_budget_micro"] == sum(budgets)
    assert RESUME not in {ch.action for ch in changes}
    qtbot.waitUntil(lambda: page.posting is None, timeout=20_000)
    assert recorded_writes(server) == []  # dry-run: the change set is rehearsed, not sent
    experiment = service.get(exp_id)
    # rehearsed, not done: it ends only once the change set posted live (issue 13)
    assert experiment.state == RUNNING and experiment.winner is None
    assert experiment.pending is not None and experiment.pending.winner == "B"
    assert not page.promote_button.isVisible() and page.post_pending_button.isVisible()
    assert "Promotion of B rehearsed in dry-run" in page.pending_banner.text()
    close_post_results(qtbot, window)


def _running_rotation(
    window: MainWindow, qapp: QApplication, qloop: asyncio.AbstractEventLoop, api: SnapApi
) -> str:
    """A rotation (A now, B next) launched live with its first step applied."""
    service = service_of(window)
    created = create(service, delivering_squad(window.store), k=2, mode="rotation", hours=24)
    return launch(qapp, qloop, service=service, store=window.store, api=api, created=created,
                  start=datetime.now(UTC))  # fmt: skip


def test_declining_the_live_confirmation_leaves_everything_as_it_was(
    qtbot: QtBot,
    window: MainWindow,
    qapp: QApplication,
    qloop: asyncio.AbstractEventLoop,
    api: SnapApi,
    server: SandboxServer,
) -> None:
    from snapdesk.core.settings import AppSettings, save_settings
    from snapdesk.ui.dialogs.live_post import LivePostDialog

    save_settings(AppSettings(live_confirmation="each_post"))  # confirm every live post
    exp_id = _running_rotation(window, qapp, qloop, api)
    clear_recorded(server)
    page = make_page(qtbot, window)
    page.select(exp_id)
    window.editing.set_live(True)
    before = _rows(window.store, exp_id)

    dialog = page.open_promote(exp_id, "B")
    assert dialog.promote_button.text() == "Promote B" and "Live mode" in dialog.mode_banner.text()
    dialog.promote_button.click()
    asked = window.editing.live_post_dialog
    assert isinstance(asked, LivePostDialog) and asked.isVisible()
    asked.cancel_button.click()  # "Don't post"
    qtbot.waitUntil(lambda: page.posting is None)
    qtbot.wait(200)
    assert _rows(window.store, exp_id) == before  # the queued promotion was taken back
    assert recorded_writes(server) == []
    assert page.state_chip.text() == "Running" and not page.pending_banner.isVisible()
    assert page.promote_button.isVisible() and not page.pending_banner.isVisible()
    assert "Not posted" in page.message.text() and "as before" in page.message.text()
    assert window.editing.panel.changes == []


def test_a_failed_live_post_leaves_the_experiment_running(
    qtbot: QtBot,
    window: MainWindow,
    qapp: QApplication,
    qloop: asyncio.AbstractEventLoop,
    api: SnapApi,
    server: SandboxServer,
) -> None:
    exp_id = _running_rotation(window, qapp, qloop, api)
    page = make_page(qtbot, window)
    page.select(exp_id)
    window.editing.set_live(True)
    before = _rows(window.store, exp_id)
    control(server, "POST", "faults", {"path": "/v1/campaigns/*/adsquads", "method": "PUT",
                                       "status": 400})  # fmt: skip
    try:
        dialog = page.open_promote(exp_id, "B")
        dialog.promote_button.click()
        qtbot.waitUntil(lambda: page.posting is None, timeout=20_000)
    finally:
        control(server, "DELETE", "faults")
    close_post_results(qtbot, window)
    assert _rows(window.store, exp_id) == before
    assert service_of(window).get(exp_id).state == RUNNING
    assert page.state_chip.text() == "Running" and page.promote_button.isVisible()
    assert "Not posted" in page.message.text() and page.message.kind == "error"


def test_a_promotion_posted_by_another_process_shows_as_ended(
    qtbot: QtBot,
    window: MainWindow,
    qapp: QApplication,
    qloop: asyncio.AbstractEventLoop,
    api: SnapApi,
) -> None:
    from snapdesk.changes import WriteGateway
    from snapdesk.core.settings import AppSettings

    exp_id = _running_rotation(window, qapp, qloop, api)
    page = make_page(qtbot, window)
    page.select(exp_id)
    dialog = page.open_promote(exp_id, "B")
    dialog.promote_button.click()  # dry-run: rehearsed, waits
    qtbot.waitUntil(lambda: page.posting is None, timeout=20_000)
    close_post_results(qtbot, window)
    assert page.model.item(page.model.row_of(exp_id)).summary == "Promotion of B not posted"  # type: ignore[union-attr]

    other = Store(window.store.path)  # `snapdesk changes post --live` in another process
    try:
        gateway = WriteGateway(api=api, store=other, live=True,
                               settings=AppSettings(media_poll_seconds=0.0), profile="cli")  # fmt: skip
        assert run_in_loop(qapp, qloop, gateway.post()).ok
    finally:
        other.close()
    # the window hears of it from the change feed and reconciles
    qtbot.waitUntil(lambda: page.state_chip.text() == "Ended · winner B", timeout=10_000)
    assert not page.pending_banner.isVisible()
    item = page.model.item(page.model.row_of(exp_id))
    assert item is not None and item.state_label == "Ended · B won"


# -- accessibility --------------------------------------------------------------------------------


def test_every_control_has_a_name_a_screen_reader_can_announce(
    qtbot: QtBot,
    window: MainWindow,
    qapp: QApplication,
    qloop: asyncio.AbstractEventLoop,
    api: SnapApi,
) -> None:
    from tests.ui.a11y import unnamed_controls

    service = service_of(window)
    created = create(service, delivering_squad(window.store), k=2, mode="split")
    exp_id = launch(qapp, qloop, service=service, store=window.store, api=api, created=created,
                    start=datetime.now(UTC))  # fmt: skip
    page = make_page(qtbot, window)
    page.select(exp_id)
    problems = {"window": unnamed_controls(page)}
    dialog = page.open_setup()
    assert dialog is not None
    problems["setup"] = unnamed_controls(dialog)
    dialog.reject()
    promote = page.open_promote(exp_id, "B")
    problems["promote"] = unnamed_controls(promote)
    promote.reject()
    missing = {k: v for k, v in problems.items() if v}
    assert not missing, "\n".join(f"{k}: {x}" for k, v in missing.items() for x in v)
