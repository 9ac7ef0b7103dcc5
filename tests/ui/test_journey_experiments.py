"""Journey (issue 13, item 6): an experiment changes state only when its changes actually post.

The real main window against the sandbox over loopback HTTP: set up an experiment in the setup
dialog, switch live mode on through its real confirmation and launch it, go back to dry-run,
then promote B —
1. "Don't post" (and Esc): nothing changes — not the window, not the engine's rows, not Snap;
2. posted in dry-run: rehearsed, shown as rehearsed, still running (nothing sent);
3. live mode on (real confirmation), the rehearsed promotion posted: ended with B as winner,
   and the sandbox holds B active and A paused.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from snapdesk.api import SnapApi
from snapdesk.core.kinds import AD_SQUAD
from snapdesk.experiments import ENDED, RUNNING, ExperimentService
from snapdesk.sandbox import SandboxServer
from snapdesk.store import Store
from snapdesk.ui.dialogs.live_mode import LiveModeDialog
from snapdesk.ui.dialogs.post_results import PostResultsDialog
from snapdesk.ui.main_window import MainWindow
from snapdesk.ui.session import Session
from snapdesk.ui.views.experiments import ExperimentsPage, PromoteDialog
from tests.experiments.conftest import fixed_ids  # noqa: F401  (pytest fixture)
from tests.ui.changes_env import clear_recorded, control, recorded_writes, reset, sync, usd_account
from tests.ui.experiments_env import delivering_squad

TIMEOUT = 30_000


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
    main.experiment_runner.stop()  # no timer: the launch runs its first step by itself
    main.resize(1300, 800)
    main.show()
    return main


def _on_snap(server: SandboxServer, squad_id: str) -> str:
    with server.state.lock:
        return str(server.state.collections[AD_SQUAD].objects[squad_id]["status"])


def _rows(store: Store, exp_id: str) -> tuple[Any, ...]:
    """The engine's SQLite rows of the experiment, and every pending change."""
    return store.write(
        lambda c: (
            c.execute("SELECT state, data, updated_at FROM experiments WHERE id = ?", (exp_id,))
            .fetchall(),
            c.execute("SELECT * FROM experiment_steps WHERE experiment_id = ?", (exp_id,))
            .fetchall(),
            c.execute("SELECT * FROM pending_changes ORDER BY seq").fetchall(),
        )
    )  # fmt: skip


def _switch_live_on(qtbot: QtBot, window: MainWindow) -> None:
    """Through the toolbar's Live mode and its real confirmation dialog."""
    window.editing.live_action.trigger()
    dialog = window.editing.live_dialog
    assert isinstance(dialog, LiveModeDialog) and dialog.isVisible()
    dialog.confirm_button.click()
    qtbot.waitUntil(lambda: window.session.live_mode.live)


def _close_results(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.waitUntil(lambda: not window.editing.flow.running, timeout=TIMEOUT)
    for dialog in window.findChildren(PostResultsDialog):
        dialog.close()


def _open_promote(page: ExperimentsPage, key: str) -> PromoteDialog:
    page.promote_button.click()
    dialog = page.promote_dialog
    assert isinstance(dialog, PromoteDialog) and dialog.isVisible()
    dialog.variant_combo.setCurrentIndex(dialog.variant_combo.findData(key))
    return dialog


@pytest.mark.usefixtures("fixed_ids")
def test_promotion_changes_the_experiment_only_once_it_posted(
    qtbot: QtBot, window: MainWindow, server: SandboxServer
) -> None:
    store = window.store
    squad = delivering_squad(store)

    # -- set up in the setup dialog (rotation every 24 h: A now, B next) -------------------
    action = next(a for a in window.tools_menu.actions() if a.objectName() == "experimentsAction")
    action.trigger()
    qtbot.waitUntil(lambda: any(p.isVisible() for p in window.findChildren(ExperimentsPage)))
    [page] = [p for p in window.findChildren(ExperimentsPage) if p.isVisible()]
    page.set_account(usd_account(store).id)
    page.new_button.click()
    setup = page.setup_dialog
    assert setup is not None
    setup.campaign_combo.setCurrentIndex(setup.campaign_combo.findData(str(squad.parent_id)))
    setup.name_edit.setText("Bid +20%")
    setup.hypothesis_edit.setPlainText("A higher max bid raises the swipe rate")
    assert setup.go_next()
    setup.control_combo.setCurrentIndex(setup.control_combo.findData(squad.id))
    assert setup.go_next() and setup.go_next()
    # the planner measures the campaign's last 28 days; Create waits for that plan
    qtbot.waitUntil(lambda: not setup.planning, timeout=TIMEOUT)
    plan = setup.plan
    assert plan is not None and plan.arms == 2 and plan.mode == "rotation"
    with qtbot.waitSignal(setup.created):
        assert setup.go_next()  # Create experiment
    assert setup.created_result is not None
    exp_id = setup.created_result.experiment.id
    service = ExperimentService(store=store)
    assert service.get(exp_id).plan == plan.to_json()  # fixed before any data

    # -- launch in live mode ---------------------------------------------------------------
    _switch_live_on(qtbot, window)
    assert page.launch_button.text() == "Launch"
    page.launch_button.click()
    qtbot.waitUntil(lambda: service.get(exp_id).state == RUNNING, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: not window.experiment_runner.running, timeout=TIMEOUT)
    _close_results(qtbot, window)
    a, b = service.get(exp_id).squad_ids
    assert (_on_snap(server, a), _on_snap(server, b)) == ("ACTIVE", "PAUSED")
    assert service.repository.last_applied_step(exp_id) == 0
    window.editing.live_action.trigger()  # back to dry-run (no confirmation needed)
    qtbot.waitUntil(lambda: not window.session.live_mode.live)
    page.select(exp_id)
    assert page.state_chip.text() == "Running"
    before = _rows(store, exp_id)
    clear_recorded(server)

    # -- 1. Promote → Don't post, and Promote → Esc: nothing changes ------------------------
    dialog = _open_promote(page, "B")
    assert dialog.cancel_button.text() == "Don't post"
    assert "Dry-run" in dialog.mode_banner.text()
    dialog.cancel_button.click()
    qtbot.waitUntil(lambda: not dialog.isVisible())
    dialog = _open_promote(page, "B")
    QTest.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    qtbot.wait(300)  # the feed's poll, any late signal
    assert _rows(store, exp_id) == before
    assert page.state_chip.text() == "Running"
    assert page.promote_button.isVisible() and not page.pending_banner.isVisible()
    item = page.model.item(page.model.row_of(exp_id))
    assert item is not None and item.state_label == "Running"
    assert recorded_writes(server) == []

    # -- 2. Promote → post in dry-run: rehearsed, still running -----------------------------
    dialog = _open_promote(page, "B")
    assert dialog.promote_button.text() == "Promote B (dry-run)"
    dialog.promote_button.click()
    qtbot.waitUntil(lambda: page.posting is None, timeout=TIMEOUT)
    _close_results(qtbot, window)
    experiment = service.get(exp_id)
    assert experiment.state == RUNNING and experiment.winner is None
    assert experiment.pending is not None and experiment.pending.rehearsed_at is not None
    assert page.state_chip.text().startswith("Running") and "Ended" not in page.state_chip.text()
    assert page.pending_banner.isVisible()
    assert "rehearsed in dry-run" in page.pending_banner.text()
    assert "not done" in page.pending_banner.text()
    assert "rehearsed" in page.message.text().lower() and "ended" not in page.message.text()
    assert page.post_pending_button.isVisible()
    assert page.post_pending_button.text() == "Post promotion (dry-run)"
    assert not page.promote_button.isVisible()
    assert recorded_writes(server) == []
    assert (_on_snap(server, a), _on_snap(server, b)) == ("ACTIVE", "PAUSED")

    # -- 3. live mode on through its confirmation, the promotion posted: ended --------------
    _switch_live_on(qtbot, window)
    assert page.post_pending_button.text() == "Post promotion"  # redrawn from the owner
    page.post_pending_button.click()
    qtbot.waitUntil(lambda: service.get(exp_id).state == ENDED, timeout=TIMEOUT)
    _close_results(qtbot, window)
    qtbot.waitUntil(lambda: page.state_chip.text() == "Ended · winner B")
    experiment = service.get(exp_id)
    assert experiment.winner == "B" and experiment.pending is None
    assert (_on_snap(server, a), _on_snap(server, b)) == ("PAUSED", "ACTIVE")
    statuses = [
        (s["id"], s["status"])
        for w in recorded_writes(server)
        for s in (w.get("json") or {}).get("adsquads", [])
    ]
    assert sorted(statuses) == sorted([(a, "PAUSED"), (b, "ACTIVE")])
    assert not page.pending_banner.isVisible() and not page.promote_button.isVisible()
    assert "ended with B" in page.message.text()
