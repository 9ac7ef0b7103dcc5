"""Qt tests run offscreen (the suite conftest also points SNAPDESK_*_DIR at temporary
directories), against a temporary cache, with a qasync loop driven by Qt itself."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import qasync
from PySide6.QtWidgets import QApplication

from snapdesk.store import Store
from snapdesk.ui import theme
from tests.ui import data


@pytest.fixture(autouse=True)
def _themed(qapp: QApplication) -> None:
    theme.apply_theme(qapp, dark=False)


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
