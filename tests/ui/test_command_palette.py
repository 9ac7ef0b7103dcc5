"""The command palette: offers every enabled, named action of the main window with its menu
path and shortcut, filters fuzzily as you type, runs the highlighted command on Enter (after
closing), and closes on Esc without running anything."""

from __future__ import annotations

import asyncio

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMenu
from pytestqt.qtbot import QtBot

from snapdesk.store import Store
from snapdesk.ui.dialogs.command_palette import CommandPalette, collect_commands, fuzzy_score, rank
from snapdesk.ui.dialogs.live_mode import LiveModeDialog
from snapdesk.ui.main_window import MainWindow
from snapdesk.ui.session import Session
from snapdesk.ui.shortcuts import plain_text
from snapdesk.ui.views.audit_log import AuditLogDialog


@pytest.fixture
def window(qtbot: QtBot, filled_store: Store, qloop: asyncio.AbstractEventLoop) -> MainWindow:
    w = MainWindow(Session(store=filled_store, loop=qloop, api=None, profile="default"))
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    w.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w)
    return w


def open_palette(qtbot: QtBot, window: MainWindow) -> CommandPalette:
    palette = window.help_actions.open_palette()
    qtbot.waitUntil(palette.isVisible)
    qtbot.waitUntil(palette.isActiveWindow)
    return palette


def test_fuzzy_score_needs_the_letters_in_order_and_prefers_word_starts() -> None:
    assert fuzzy_score("aud", "Audit log") is not None
    assert fuzzy_score("dua", "Audit log") is None
    assert fuzzy_score("", "anything") == 0.0
    # "pc" at word starts ("Pending Changes") beats "pc" scattered inside a word
    starts = fuzzy_score("pc", "Pending changes")
    inside = fuzzy_score("pc", "Help contents")
    assert starts is not None and inside is not None and starts > inside
    # a run of letters beats the same letters spread out
    run = fuzzy_score("sync", "Sync all")
    spread = fuzzy_score("sync", "Start your next campaign")
    assert run is not None and spread is not None and run > spread


def test_palette_offers_every_enabled_menu_action_with_its_shortcut(
    qtbot: QtBot, window: MainWindow
) -> None:
    palette = open_palette(qtbot, window)
    titles = {c.title: c for c in palette.commands}
    menu_actions = []
    for top in window.menuBar().actions():
        menu = top.menu()
        assert isinstance(menu, QMenu)
        stack = [menu]
        while stack:
            current = stack.pop()
            for action in current.actions():
                if isinstance(action.menu(), QMenu):
                    stack.append(action.menu())
                elif action.text() and not action.isSeparator():
                    menu_actions.append(action)
    offered = {id(c.action) for c in palette.commands}
    for action in menu_actions:
        if action is window.help_actions.palette_action:
            assert id(action) not in offered  # the palette doesn't offer itself
        elif action.isEnabled() and action.isVisible():
            assert id(action) in offered, action.text()
        else:
            assert id(action) not in offered, action.text()  # disabled: not offered
    audit = titles["Audit log"]
    assert audit.path == "View" and audit.keys == "Ctrl+H"
    assert titles["Live mode: off"].keys == "Ctrl+Shift+L"
    assert palette.list.count() == len(palette.commands)
    assert palette.search_edit.hasFocus()


def test_typing_filters_and_enter_runs_the_command_after_closing(
    qtbot: QtBot, window: MainWindow
) -> None:
    palette = open_palette(qtbot, window)
    QTest.keyClicks(palette.search_edit, "audit")
    assert palette.shown[0].title == "Audit log"
    assert all(fuzzy_score("audit", c.haystack) is not None for c in palette.shown)
    QTest.keyClick(palette.search_edit, Qt.Key.Key_Return)
    assert not palette.isVisible()
    assert palette.triggered_action is window.editing.audit_action
    qtbot.waitUntil(lambda: isinstance(window.editing.audit_dialog, AuditLogDialog))
    dialog = window.editing.audit_dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    dialog.close()


def test_arrow_keys_choose_and_esc_closes_without_running(qtbot: QtBot, window: MainWindow) -> None:
    triggered: list[str] = []
    for action in window.findChildren(QAction):
        action.triggered.connect(lambda _c=False, a=action: triggered.append(a.text()))
    palette = open_palette(qtbot, window)
    assert palette.list.currentRow() == 0
    QTest.keyClick(palette.search_edit, Qt.Key.Key_Down)
    QTest.keyClick(palette.search_edit, Qt.Key.Key_Down)
    assert palette.list.currentRow() == 2
    QTest.keyClick(palette.search_edit, Qt.Key.Key_Up)
    assert palette.list.currentRow() == 1
    QTest.keyClick(palette.search_edit, Qt.Key.Key_Up)
    QTest.keyClick(palette.search_edit, Qt.Key.Key_Up)
    assert palette.list.currentRow() == palette.list.count() - 1  # wraps like a menu
    QTest.keyClick(palette.search_edit, Qt.Key.Key_Escape)
    assert not palette.isVisible()
    qtbot.wait(20)
    assert triggered == [] and palette.triggered_action is None


def test_no_match_shows_a_message_and_enter_does_nothing(qtbot: QtBot, window: MainWindow) -> None:
    palette = open_palette(qtbot, window)
    QTest.keyClicks(palette.search_edit, "zzqqxx")
    assert palette.shown == []
    assert palette.empty_label.isVisible() and not palette.list.isVisible()
    assert "zzqqxx" in palette.empty_label.text()
    QTest.keyClick(palette.search_edit, Qt.Key.Key_Return)
    assert palette.isVisible() and palette.triggered_action is None
    palette.reject()


def test_live_mode_from_the_palette_still_asks(qtbot: QtBot, window: MainWindow) -> None:
    palette = open_palette(qtbot, window)
    QTest.keyClicks(palette.search_edit, "live mode")
    assert palette.shown[0].action is window.editing.live_action
    QTest.keyClick(palette.search_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: isinstance(window.editing.live_dialog, LiveModeDialog))
    assert window.editing.live is False
    dialog = window.editing.live_dialog
    assert dialog is not None
    dialog.reject()


def test_rank_prefers_title_matches_over_menu_path_matches(window: MainWindow) -> None:
    commands = collect_commands(window)
    ranked = rank(commands, "tools")
    # "Tools" matches only menu paths here: those commands are all Tools-menu ones
    assert ranked and all(c.path == "Tools" for c in ranked[:3])
    titles = [c.title for c in rank(commands, "about")]
    assert titles[0] == "About snapdesk"
    assert all(plain_text(c.action.text()).strip() for c in commands)


def test_panel_buttons_are_offered_under_their_panel(
    qtbot: QtBot, window: MainWindow, filled_store: Store
) -> None:
    from snapdesk.changes import EditService

    EditService(store=filled_store).edit(
        kind="campaign", entity_id="cmp-us-spring", fields={"name": "Renamed"}
    )
    window.editing.refresh()
    window.editing.dock.show()
    commands = {c.title: c for c in collect_commands(window)}
    export = commands["Export change set…"]
    assert export.path == "Pending changes"
    assert export.action is window.editing.panel.export_action
    assert any(t.startswith("Undo") for t in commands)  # enabled: there is something to undo


def test_clicking_elsewhere_closes_the_palette(qtbot: QtBot, window: MainWindow) -> None:
    palette = open_palette(qtbot, window)
    with qtbot.waitSignal(palette.finished, timeout=3000):
        window.activateWindow()
    assert palette.triggered_action is None
