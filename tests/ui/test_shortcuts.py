"""Keyboard shortcuts: the registry is what the main window binds (every entry on a real
action, no key used twice, no shortcut outside the registry), the keys do what they say when
pressed, going live by keyboard still asks first, and Help → Keyboard Shortcuts lists every
entry."""

from __future__ import annotations

import asyncio
from collections import defaultdict

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMenu, QWidget
from pytestqt.qtbot import QtBot

from snapdesk.changes import ChangeRepository, EditService
from snapdesk.core.kinds import AD_ACCOUNT, CAMPAIGN, ORGANIZATION
from snapdesk.store import Store
from snapdesk.ui import shortcuts
from snapdesk.ui.dialogs.command_palette import CommandPalette
from snapdesk.ui.dialogs.live_mode import LiveModeDialog
from snapdesk.ui.dialogs.shortcuts import KEY_SEPARATOR, KEYS, ShortcutsDialog
from snapdesk.ui.main_window import MainWindow
from snapdesk.ui.session import Session
from snapdesk.ui.views.audit_log import AuditLogDialog
from tests.ui import data

Mod = Qt.KeyboardModifier


@pytest.fixture
def window(qtbot: QtBot, filled_store: Store, qloop: asyncio.AbstractEventLoop) -> MainWindow:
    w = MainWindow(Session(store=filled_store, loop=qloop, api=None, profile="default"))
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    w.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w)
    return w


def press(widget: QWidget, sequence: str) -> None:
    """Type `sequence` ("Ctrl+Shift+P") into `widget` as the keyboard would."""
    combo = QKeySequence(sequence)[0]
    QTest.keyClick(widget, combo.key(), combo.keyboardModifiers())


def focus(window: MainWindow) -> QWidget:
    return QApplication.focusWidget() or window


def all_actions(window: MainWindow) -> list[QAction]:
    found: dict[int, QAction] = {id(a): a for a in window.findChildren(QAction)}
    for menu in window.findChildren(QMenu):
        found.update({id(a): a for a in menu.actions()})
    found.update({id(a): a for a in window.actions()})
    return list(found.values())


def select_campaign(window: MainWindow) -> None:
    path = ((ORGANIZATION, data.ORG), (AD_ACCOUNT, data.US))
    window.tree.expand(window.tree.expand_path(path))
    window.tree.select(window.model.locate((*path, (CAMPAIGN, "cmp-us-spring"))))


# -- the registry is what is bound ----------------------------------------------------------


def test_every_registry_entry_is_bound_on_a_real_action(window: MainWindow) -> None:
    owned = {id(a) for a in all_actions(window)}
    for entry in shortcuts.SHORTCUTS:
        actions = shortcuts.resolve(window, entry)
        assert actions, f"{entry.id}: no action {entry.target}"
        assert entry.sequences(), entry.id
        for action in actions:
            assert id(action) in owned, entry.id  # an action of this window
            assert action.shortcuts() == entry.sequences(), entry.id
            assert action.property(shortcuts.SHORTCUT_ID) == entry.id
            assert action.shortcutContext() == entry.context, entry.id
            if entry.window_wide:
                assert action in window.actions(), entry.id  # works wherever the focus is


def test_no_key_is_used_twice_and_none_is_outside_the_registry(window: MainWindow) -> None:
    users: dict[str, set[str]] = defaultdict(set)
    for action in all_actions(window):
        for sequence in action.shortcuts():
            entry = action.property(shortcuts.SHORTCUT_ID)
            assert entry in shortcuts.BY_ID, (
                f"{action.text()!r} has {sequence.toString()} outside the shortcut registry"
            )
            users[sequence.toString()].add(str(entry))
    duplicates = {key: ids for key, ids in users.items() if len(ids) > 1}
    assert not duplicates
    registry_keys = [k for e in shortcuts.SHORTCUTS for k in e.portable_keys()]
    assert len(registry_keys) == len(set(registry_keys))


def test_main_actions_have_the_expected_keys() -> None:
    keys = {e.id: e.portable_keys() for e in shortcuts.SHORTCUTS}
    assert keys["sync"] == ["F5", "Ctrl+R"]
    assert keys["sync_all"] == ["Ctrl+Shift+R"]
    assert keys["find"][0] == "Ctrl+F"
    assert keys["undo"][0] == "Ctrl+Z"
    assert "Ctrl+Shift+Z" in keys["redo"]
    assert keys["post"][0] == "Ctrl+Return"
    assert keys["palette"] == ["Ctrl+Shift+P", "Ctrl+K"]
    assert keys["shortcuts"] == ["Ctrl+/", "F1"]
    assert keys["context_menu"] == ["Shift+F10", "Menu"]


# -- the keys do what they say ---------------------------------------------------------------


def test_ctrl_f_focuses_the_filter_and_esc_clears_it(qtbot: QtBot, window: MainWindow) -> None:
    window.tree.setFocus()
    press(window.tree, "Ctrl+F")
    assert window.filter_edit.hasFocus()
    QTest.keyClicks(window.filter_edit, "spring")
    press(window.filter_edit, "Esc")
    assert window.filter_edit.text() == ""
    press(window.filter_edit, "Esc")
    assert window.tree.hasFocus()


def test_sync_keys_start_a_sync(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[object] = []
    monkeypatch.setattr(window, "start_sync", lambda ids, **kw: started.append(ids))
    select_campaign(window)
    window.sync_action.setEnabled(True)  # no login in this test: enable the action by hand
    window.sync_all_action.setEnabled(True)
    window.tree.setFocus()
    press(window.tree, "F5")
    press(window.tree, "Ctrl+R")
    press(window.tree, "Ctrl+Shift+R")
    assert started == [[data.US], [data.US], None]


def test_panel_and_window_keys(qtbot: QtBot, window: MainWindow) -> None:
    window.tree.setFocus()
    press(focus(window), "Ctrl+2")
    assert window.right_tabs.currentWidget() is window.editing.editor_pane
    press(focus(window), "Ctrl+1")
    assert window.right_tabs.currentWidget() is window.details
    press(focus(window), "Ctrl+3")
    assert window.right_tabs.currentWidget() is window.performance.chart_view

    dock = window.editing.dock
    visible = dock.isVisible()
    press(focus(window), "Ctrl+J")
    assert dock.isVisible() is not visible
    press(focus(window), "Ctrl+J")
    assert dock.isVisible() is visible

    press(focus(window), "Ctrl+H")
    assert isinstance(window.editing.audit_dialog, AuditLogDialog)
    qtbot.waitUntil(window.editing.audit_dialog.isVisible)
    window.editing.audit_dialog.close()


def test_undo_and_redo_keys_act_on_pending_changes(
    qtbot: QtBot, window: MainWindow, filled_store: Store
) -> None:
    EditService(store=filled_store).edit(
        kind=CAMPAIGN, entity_id="cmp-us-spring", fields={"name": "Renamed"}
    )
    window.editing.refresh()
    assert len(ChangeRepository(filled_store).list()) == 1
    window.tree.setFocus()
    press(window.tree, "Ctrl+Z")
    qtbot.waitUntil(lambda: not ChangeRepository(filled_store).list())
    press(window.tree, "Ctrl+Shift+Z")
    qtbot.waitUntil(lambda: len(ChangeRepository(filled_store).list()) == 1)


def test_live_mode_key_asks_for_confirmation_instead_of_going_live(
    qtbot: QtBot, window: MainWindow
) -> None:
    window.tree.setFocus()
    press(window.tree, "Ctrl+Shift+L")
    dialog = window.editing.live_dialog
    assert isinstance(dialog, LiveModeDialog)
    qtbot.waitUntil(dialog.isVisible)
    assert window.editing.live is False
    assert not window.editing.live_action.isChecked()
    dialog.reject()
    assert window.editing.live is False

    window.editing.set_live(True)  # confirmed earlier: the key switches back at once
    press(focus(window), "Ctrl+Shift+L")
    assert window.editing.live is False


def test_keyboard_context_menu_on_the_tree(qtbot: QtBot, window: MainWindow) -> None:
    select_campaign(window)
    window.tree.setFocus()
    requested: list[object] = []
    window.tree.customContextMenuRequested.connect(requested.append)
    press(window.tree, "Shift+F10")
    press(window.tree, "Menu")
    assert len(requested) == 2
    rect = window.tree.visualRect(window.tree.currentIndex())
    assert rect.contains(requested[0])  # at the current row, like a right-click there
    for menu in window.tree.findChildren(QMenu):
        menu.close()


def test_help_keys_open_the_shortcuts_dialog_and_the_palette(
    qtbot: QtBot, window: MainWindow
) -> None:
    window.tree.setFocus()
    press(window.tree, "F1")
    dialog = window.help_actions.shortcuts_dialog
    assert isinstance(dialog, ShortcutsDialog)
    qtbot.waitUntil(dialog.isVisible)
    dialog.close()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    press(focus(window), "Ctrl+/")
    qtbot.waitUntil(lambda: window.help_actions.shortcuts_dialog.isVisible())
    window.help_actions.shortcuts_dialog.close()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    for keys in ("Ctrl+Shift+P", "Ctrl+K"):
        press(focus(window), keys)
        palette = window.help_actions.palette
        assert isinstance(palette, CommandPalette)
        qtbot.waitUntil(palette.isVisible)
        palette.reject()
        window.help_actions.palette = None
        window.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window)


# -- the dialog ------------------------------------------------------------------------------


def test_shortcuts_dialog_lists_every_entry_with_native_keys(qtbot: QtBot) -> None:
    dialog = ShortcutsDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    assert list(dialog.items) == [e.id for e in shortcuts.SHORTCUTS if e.area in dialog.area_items]
    assert set(dialog.items) == set(shortcuts.BY_ID)
    for entry in shortcuts.SHORTCUTS:
        item = dialog.items[entry.id]
        assert item.text(0) == entry.label
        assert item.text(KEYS) == KEY_SEPARATOR.join(
            s.toString(QKeySequence.SequenceFormat.NativeText) for s in entry.sequences()
        )
        assert item.parent() is dialog.area_items[entry.area]
    assert dialog.focusWidget() is dialog.search_edit
    assert dialog.count_label.text() == f"{len(shortcuts.SHORTCUTS)} shortcuts"


def test_shortcuts_dialog_search_matches_names_descriptions_and_keys(qtbot: QtBot) -> None:
    dialog = ShortcutsDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.search_edit.setText("ctrl+r")
    assert dialog.visible_ids() == ["sync"]
    dialog.search_edit.setText("post")
    assert "post" in dialog.visible_ids()
    dialog.search_edit.setText("switch live")
    assert dialog.visible_ids() == ["live"]
    assert dialog.area_items[shortcuts.SYNC].isHidden()
    dialog.search_edit.setText("nothing like this")
    assert dialog.visible_ids() == []
    assert dialog.empty_label.isVisibleTo(dialog) and not dialog.table.isVisibleTo(dialog)
    dialog.search_edit.clear()
    assert len(dialog.visible_ids()) == len(shortcuts.SHORTCUTS)


def test_markdown_table_has_a_row_per_entry() -> None:
    table = shortcuts.markdown_table().splitlines()
    assert len(table) == 2 + len(shortcuts.SHORTCUTS)
    assert "| Sync | Sync | `F5` or `Ctrl+R` |" in table
