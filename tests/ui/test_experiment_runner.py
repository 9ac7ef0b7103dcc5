"""The experiment runner of the main window: due rotation steps through the window's gateway,
live or dry-run, one run at a time, with a notice in the status bar (real sandbox over loopback
HTTP)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from snapdesk.api import SnapApi
from snapdesk.changes import ChangeRepository
from snapdesk.experiments import ExperimentService
from snapdesk.sandbox import SandboxServer
from snapdesk.store import Store
from snapdesk.ui.experiment_runner import FIRST_RUN_MS, INTERVAL_MS, ExperimentRunner
from snapdesk.ui.main_window import MainWindow
from snapdesk.ui.session import Session
from tests.ui.changes_env import clear_recorded, recorded_writes, reset, sync
from tests.ui.experiments_env import create, delivering_squad, launch


@pytest.fixture
def window(
    qtbot: QtBot,
    server: SandboxServer,
    api: SnapApi,
    store: Store,
    qapp: QApplication,
    qloop: asyncio.AbstractEventLoop,
) -> MainWindow:
    reset(server)
    sync(qapp, qloop, api, store)
    clear_recorded(server)
    main = MainWindow(Session(store=store, loop=qloop, api=api, profile="default"))
    qtbot.addWidget(main)
    main.experiment_runner.stop()  # driven by hand below
    main.show()
    return main


def _rotation(
    window: MainWindow, qapp: QApplication, qloop: asyncio.AbstractEventLoop, api: SnapApi
) -> tuple[ExperimentService, str, datetime]:
    """A 3-variant, 6-hour rotation launched 7 hours ago: step 0 applied, step 1 (B) due."""
    service = ExperimentService(store=window.store, edits=window.editing.edits)
    start = datetime.now(UTC) - timedelta(hours=7)
    created = create(service, delivering_squad(window.store), k=3, mode="rotation", hours=6)
    exp_id = launch(qapp, qloop, service=service, store=window.store, api=api, created=created,
                    start=start)  # fmt: skip
    return service, exp_id, start


def _statuses(writes: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [
        (squad["id"], squad["status"])
        for w in writes
        for squad in (w.get("json") or {}).get("adsquads", [])
    ]


def test_the_window_installs_a_runner_that_ticks_every_minute(
    qtbot: QtBot, store: Store, qloop: asyncio.AbstractEventLoop
) -> None:
    main = MainWindow(Session(store=store, loop=qloop, api=None, profile="default"))
    qtbot.addWidget(main)
    runner = main.experiment_runner
    assert isinstance(runner, ExperimentRunner)
    assert runner.timer.isActive() and runner.timer.interval() == INTERVAL_MS
    assert runner._first.isActive() and FIRST_RUN_MS < 5_000  # right after start-up
    qtbot.wait(FIRST_RUN_MS + 300)  # nothing running: the first run has nothing to do
    assert runner.runs == 0
    main.close()
    assert not runner.timer.isActive()


def test_live_tick_sends_only_the_due_toggles_and_never_overlaps(
    qtbot: QtBot,
    window: MainWindow,
    qapp: QApplication,
    qloop: asyncio.AbstractEventLoop,
    api: SnapApi,
    server: SandboxServer,
) -> None:
    service, exp_id, _start = _rotation(window, qapp, qloop, api)
    a, b, _c = service.get(exp_id).squad_ids
    clear_recorded(server)
    runner = window.experiment_runner
    runner.timer.start()  # as in the app (a finished run re-runs a request made meanwhile)
    window.editing.set_live(True)

    op = runner.tick_now()
    assert op is not None and runner.running
    assert runner.tick_now() is None  # while one runs, no second run starts
    assert runner.tick_now() is None
    qtbot.waitUntil(lambda: not runner.running, timeout=20_000)
    qtbot.wait(300)  # the remembered request ran after it: nothing was due any more
    assert runner.runs == 1
    assert _statuses(recorded_writes(server)) == [(a, "PAUSED"), (b, "ACTIVE")]
    assert service.repository.last_applied_step(exp_id) == 1
    assert "step 1: variant B active — sent to Snap" in window.message_label.text()
    assert ChangeRepository(window.store).list() == []  # posted, nothing left pending

    clear_recorded(server)
    assert runner.tick_now() is None  # same slot: nothing due, nothing sent
    assert recorded_writes(server) == []
    runner.stop()


def test_live_tick_follows_the_counterbalanced_order(
    qtbot: QtBot,
    window: MainWindow,
    qapp: QApplication,
    qloop: asyncio.AbstractEventLoop,
    api: SnapApi,
    server: SandboxServer,
) -> None:
    """Slot 3 opens round 2 of a three-variant rotation, whose order is B → C → A (a Williams
    design): the runner activates B, not A as a cyclic order would (issue 15)."""
    service = ExperimentService(store=window.store, edits=window.editing.edits)
    start = datetime.now(UTC) - timedelta(hours=19)
    created = create(service, delivering_squad(window.store), k=3, mode="rotation", hours=6)
    exp_id = launch(qapp, qloop, service=service, store=window.store, api=api, created=created,
                    start=start)  # fmt: skip
    a, b, _c = service.get(exp_id).squad_ids
    clear_recorded(server)
    runner = window.experiment_runner
    window.editing.set_live(True)
    assert runner.tick_now() is not None
    qtbot.waitUntil(lambda: not runner.running, timeout=20_000)
    # A (active in slot 0) paused first, then B activated; C was paused already
    assert _statuses(recorded_writes(server)) == [(a, "PAUSED"), (b, "ACTIVE")]
    assert service.repository.last_applied_step(exp_id) == 3
    assert "step 3: variant B active" in window.message_label.text()


def test_dry_run_rehearses_a_due_step_once_and_sends_nothing(
    qtbot: QtBot,
    window: MainWindow,
    qapp: QApplication,
    qloop: asyncio.AbstractEventLoop,
    api: SnapApi,
    server: SandboxServer,
) -> None:
    service, exp_id, _start = _rotation(window, qapp, qloop, api)
    a, b, _c = service.get(exp_id).squad_ids
    clear_recorded(server)
    runner = window.experiment_runner
    assert window.editing.live is False

    op = runner.tick_now()
    assert op is not None
    qtbot.waitUntil(lambda: not runner.running, timeout=20_000)
    assert recorded_writes(server) == []
    assert service.repository.last_applied_step(exp_id) == 0  # not applied
    assert "rehearsed in dry-run — nothing sent" in window.message_label.text()
    queued = {(c.entity_id, (c.after or {}).get("status")) for c in window.editing.panel.changes}
    assert queued == {(a, "PAUSED"), (b, "ACTIVE")}  # previewed in Pending Changes
    outcome = runner.outcome(exp_id, 1)
    assert outcome is not None and outcome.mode == "dry-run" and not outcome.applied

    assert runner.tick_now() is None  # rehearsed once per session, not every minute
    assert runner.runs == 1


def test_live_tick_without_the_accounts_login_says_so(
    qtbot: QtBot,
    window: MainWindow,
    qapp: QApplication,
    qloop: asyncio.AbstractEventLoop,
    api: SnapApi,
    server: SandboxServer,
) -> None:
    _service, _exp_id, _start = _rotation(window, qapp, qloop, api)
    clear_recorded(server)
    runner = window.experiment_runner
    window.editing.set_live(True)
    session = window.session
    runner._session = Session(
        store=session.store,
        loop=session.loop,
        api=None,
        profile="nobody",
        live_mode=session.live_mode,  # the same owner: a login changes, the mode doesn't
    )
    assert runner.tick_now() is None
    assert "sign in as" in window.message_label.text()
    assert recorded_writes(server) == []
