"""Qt tests run offscreen (the suite conftest also points SNAPDESK_*_DIR at temporary
directories), against a temporary cache, with a qasync loop driven by Qt itself."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import asyncio
import gc
import time
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
import qasync
from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from snapdesk.api import SnapApi
from snapdesk.sandbox import SandboxServer
from snapdesk.store import Store
from snapdesk.ui import theme
from snapdesk.ui.main_window import MainWindow
from snapdesk.ui.session import Session
from tests.ui import data
from tests.ui.auth_helpers import MemoryKeyring
from tests.ui.changes_env import clear_recorded, make_api, reset, sync
from tests.ui.helpers import run_in_loop


@pytest.fixture(autouse=True)
def _themed(qapp: QApplication) -> None:
    theme.apply_theme(qapp, dark=False)


@pytest.fixture(autouse=True, scope="session")
def _gc_on_gui_thread() -> Iterator[None]:
    """As in the app (`snapdesk/ui/_gc.py`): the cyclic collector never runs on a worker thread
    (sandbox server, store writer, test "browsers"), where it could free Qt objects of the GUI
    thread; it runs here, between tests."""
    enabled = gc.isenabled()
    gc.disable()
    yield
    if enabled:
        gc.enable()


@pytest.fixture(autouse=True)
def _collect_after_test(_gc_on_gui_thread: None) -> Iterator[None]:
    yield
    gc.collect()


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    """No UI test touches the user's keyring: every test gets an empty in-memory one."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / "cache.sqlite3")
    yield s
    s.close()


@pytest.fixture
def filled_store(store: Store) -> Store:
    data.fill(store)
    return store


@pytest.fixture
def qloop(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    """A qasync loop marked as running, so tasks advance whenever Qt processes events
    (qtbot.waitUntil, qtbot.wait) exactly as they do inside the app."""
    loop = qasync.QEventLoop(qapp, already_running=True)
    try:
        yield loop
    finally:
        pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for task in pending:
            task.cancel()
        deadline = time.monotonic() + 5
        while any(not t.done() for t in pending) and time.monotonic() < deadline:
            qapp.processEvents()
            time.sleep(0.005)
        qapp.processEvents()  # let done-callbacks (AsyncOp's outcome handling) run
        for task in pending:
            # A task that ended with an error while the test tore down (e.g. the store closed
            # under it) has no one left to read it; reading it here keeps asyncio from printing
            # "Task exception was never retrieved" at interpreter exit.
            if task.done() and not task.cancelled():
                task.exception()
        try:
            qapp.aboutToQuit.disconnect(loop._after_run_forever)
        except (RuntimeError, TypeError):
            pass
        asyncio.events._set_running_loop(None)
        # Not loop.stop(): it calls QApplication.exit(), and outside app.exec() that leaves Qt's
        # "quit now" flag set, so every later nested QEventLoop.exec() (qtbot.waitSignal,
        # qtbot.waitUntil) would return at once. Mark the loop stopped directly instead.
        loop._QEventLoop__is_running = False
        loop.close()


# -- the sandbox, for the modules that talk to one (a module may define its own instead) ------


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    """One emulator per test module."""
    with SandboxServer(seed=42, scale="demo") as srv:
        yield srv


@pytest.fixture
def api(
    server: SandboxServer, qapp: QApplication, qloop: asyncio.AbstractEventLoop
) -> Iterator[SnapApi]:
    client = make_api(server)
    yield client
    run_in_loop(qapp, qloop, client.aclose())


@pytest.fixture
def synced(
    server: SandboxServer,
    api: SnapApi,
    store: Store,
    qapp: QApplication,
    qloop: asyncio.AbstractEventLoop,
) -> Store:
    """The test's cache synced from a freshly reset sandbox, with the recorder cleared (so a
    test sees only its own requests)."""
    reset(server)
    sync(qapp, qloop, api, store)
    clear_recorded(server)
    return store


@pytest.fixture
def main_window(
    qtbot: QtBot,
    synced: Store,
    api: SnapApi,
    server: SandboxServer,
    qloop: asyncio.AbstractEventLoop,
) -> Iterator[MainWindow]:
    """The real main window at 1280×800 over the test's synced cache and the module's sandbox
    (login "default"); afterwards its runner is stopped and the windows it opened are closed."""
    session = Session(store=synced, loop=qloop, api=api, profile="default", sandbox=server)
    win = MainWindow(session)
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.experiment_runner.stop()
    win.editing.targeting.shutdown()
    for widget in QApplication.topLevelWidgets():
        if widget is not win and widget.isVisible() and widget.isWindow():
            widget.close()
    # deleted now, with its timers (the ad squad editor's catalogue refresh), before the cache
    # fixture closes the store under them
    win.close()
    win.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
