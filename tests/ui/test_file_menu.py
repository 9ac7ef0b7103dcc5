"""File menu: Open sample data / Use my Snap account, Close window, Quit (Ctrl+Q), and what
closing says about pending changes (they are kept)."""

from __future__ import annotations

import asyncio
import sys

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from snapdesk.core.kinds import CAMPAIGN
from snapdesk.store import Store
from snapdesk.ui.main_window import MainWindow
from snapdesk.ui.session import Session


@pytest.fixture
def window(main_window: MainWindow) -> MainWindow:
    return main_window


def _menu_texts(window: MainWindow) -> list[str]:
    return [a.text() for a in window.file_menu.actions() if not a.isSeparator()]


def _queue_one_change(window: MainWindow) -> None:
    account = window.store.ad_accounts()[0]
    campaign = window.store.entities(CAMPAIGN, account.id)[0]
    window.editing.edits.edit(
        kind=CAMPAIGN, entity_id=campaign.id, fields={"name": f"{campaign.name} (renamed)"}
    )


def _answer(qtbot: QtBot, window: MainWindow, button: str) -> list[str]:
    """Answer the close question with `button` ("leave" or "cancel") once it shows; returns
    its text and informative text."""
    seen: list[str] = []

    def click() -> None:
        box = window.close_prompt
        if box is None or not box.isVisible():
            QTimer.singleShot(20, click)
            return
        seen.extend([box.text(), box.informativeText()])
        if button == "cancel":
            box.button(QMessageBox.StandardButton.Cancel).click()
        else:
            box.defaultButton().click()

    QTimer.singleShot(0, click)
    return seen


def test_the_file_menu_has_sample_data_close_and_quit(window: MainWindow) -> None:
    assert window.menuBar().actions()[0].text() == "&File"
    # this window is the sample data (sandbox session): the way back is one item away
    assert _menu_texts(window) == ["Use my Snap account", "Close window", "Quit"]
    quit_keys = [k.toString() for k in window.quit_action.shortcuts()]
    assert "Ctrl+Q" in quit_keys
    close_keys = window.close_window_action.shortcuts()
    assert close_keys and close_keys[0] in QKeySequence.keyBindings(QKeySequence.StandardKey.Close)
    if sys.platform.startswith("linux"):
        assert "Ctrl+W" in [k.toString() for k in close_keys]


def test_ctrl_q_quits(qtbot: QtBot, window: MainWindow) -> None:
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    with qtbot.waitSignal(window.closed, timeout=5000):
        QTest.keyClick(window.tree, "q", QKeySequence("Ctrl+Q")[0].keyboardModifiers())
    assert not window.isVisible()
    assert window.switch_request is None


def test_closing_with_pending_changes_says_they_are_kept(qtbot: QtBot, window: MainWindow) -> None:
    _queue_one_change(window)
    seen = _answer(qtbot, window, "cancel")
    assert window.request_close() is False  # Cancel: the window stays
    assert window.isVisible()
    assert seen[0] == "1 pending change is not posted yet."
    assert "kept" in seen[1] and "Pending Changes" in seen[1] and "Nothing is sent" in seen[1]
    seen = _answer(qtbot, window, "leave")
    with qtbot.waitSignal(window.closed, timeout=5000):
        window.quit_action.trigger()
    assert not window.isVisible()
    assert len(window.editing.edits.pending()) == 1  # kept in the cache for the next start


def test_declining_a_switch_keeps_the_window_and_the_choice(
    qtbot: QtBot, window: MainWindow
) -> None:
    _queue_one_change(window)
    _answer(qtbot, window, "cancel")
    assert window.switch_session() is False
    assert window.isVisible() and window.switch_request is None
    _answer(qtbot, window, "leave")
    with qtbot.waitSignal(window.closed, timeout=5000):
        window.sample_data_action.trigger()
    assert window.switch_request == MainWindow.SWITCH_TO_ACCOUNT


def test_no_login_page_offers_the_sample_data(
    qtbot: QtBot, store: Store, qloop: asyncio.AbstractEventLoop
) -> None:
    session = Session(store=store, loop=qloop)
    win = MainWindow(session)
    qtbot.addWidget(win)
    win.show()
    assert win.tree_stack.currentWidget() is win.no_login_page
    assert win.sample_data_action.text() == "Open sample data…"
    assert win.no_login_sample_button.isVisible()
    with qtbot.waitSignal(win.closed, timeout=5000):
        win.no_login_sample_button.click()
    assert win.switch_request == MainWindow.SWITCH_TO_SAMPLE
    win.experiment_runner.stop()
