"""Editing in the grid (GridEditController) on a cache synced from the sandbox over loopback
HTTP: the inline error of a cell editor, typing into several selected rows, Ctrl+V, Ctrl+D,
Ctrl+H, Paste rows into… with a currency to confirm, the context menu, and the wheel over an
open editor. Every queued change is checked exactly; a refused edit queues nothing."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from PySide6.QtCore import (
    QEvent,
    QItemSelection,
    QItemSelectionModel,
    QMimeData,
    QPoint,
    QPointF,
    Qt,
)
from PySide6.QtGui import QAction, QGuiApplication, QKeyEvent, QKeySequence, QWheelEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QLineEdit,
    QMainWindow,
    QTableView,
)

from snapdesk.changes import EditService
from snapdesk.changes.model import CREATE, Change
from snapdesk.changes.repository import ChangeRepository
from snapdesk.core.kinds import AD_SQUAD, CAMPAIGN
from snapdesk.core.money import apply_percent
from snapdesk.grid.columns import COLUMNS
from snapdesk.grid.editing import ROWS_MIME
from snapdesk.grid.rows import Scope, load_rows
from snapdesk.store import AccountRow, Store
from snapdesk.ui._wheel import install_wheel_guard
from snapdesk.ui.app_state import app_state
from snapdesk.ui.dialogs.grid_find_replace import GridFindReplaceDialog
from snapdesk.ui.dialogs.grid_paste_rows import GridPasteRowsDialog
from snapdesk.ui.models.grid import GridModel
from snapdesk.ui.views.grid_editing import GridEditController
from tests.ui.changes_env import Host


class Grid:
    """A GridModel in a QTableView with the controller, reloaded on every change (as the
    grid view does)."""

    def __init__(self, store: Store, level: str, scope: Scope, host: Host) -> None:
        self.store = store
        self.level = level
        self.scope = scope
        self.edits = EditService(store=store)
        self.state = app_state(host.session)
        self.model = GridModel(level)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.controller = GridEditController(
            self.table, self.model, edits=self.edits, state=self.state, store=store,
            parent=self.table,
        )  # fmt: skip
        self.messages: list[tuple[str, bool]] = []
        self.controller.message.connect(lambda text, error: self.messages.append((text, error)))
        self.state.operation_did_execute.connect(self.reload)
        self.reload()
        self.table.resize(1300, 640)

    def reload(self, *_args: Any) -> None:
        self.model.set_rows(load_rows(self.store, self.level, self.scope))

    def index(self, entity_id: str, key: str) -> Any:
        index = self.model.index_for(entity_id, key)
        assert index.isValid(), (entity_id, key)
        return index

    def select(self, cells: list[tuple[str, str]]) -> None:
        """Select these (entity id, column key) cells; the first is current."""
        selection = self.table.selectionModel()
        first = self.index(*cells[0])
        selection.setCurrentIndex(first, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        for cell in cells[1:]:
            index = self.index(*cell)
            selection.select(QItemSelection(index, index), QItemSelectionModel.SelectionFlag.Select)

    def pending(self) -> list[Change]:
        return ChangeRepository(self.store).list()


def account(store: Store, currency: str) -> AccountRow:
    return next(a for a in store.ad_accounts() if a.currency == currency and not a.data.get("test"))


def squads_with_daily_budget(store: Store, account_id: str, n: int) -> list[Any]:
    rows = [r for r in load_rows(store, AD_SQUAD, Scope.accounts([account_id]))
            if r.data.get("daily_budget_micro")]  # fmt: skip
    assert len(rows) >= n
    return rows[:n]


@pytest.fixture
def host(synced: Store, qloop: asyncio.AbstractEventLoop) -> Host:
    return Host(store=synced, loop=qloop, api=None)


@pytest.fixture
def squads_grid(qtbot: Any, synced: Store, host: Host) -> Iterator[Grid]:
    gb = account(synced, "GBP")
    grid = Grid(synced, AD_SQUAD, Scope.accounts([gb.id]), host)
    qtbot.addWidget(grid.table)
    grid.table.show()
    qtbot.waitExposed(grid.table)
    grid.table.setFocus()
    yield grid
    grid.state.operation_did_execute.disconnect(grid.reload)


def test_f2_with_invalid_text_shows_the_error_under_the_editor_and_queues_nothing(
    qtbot: Any, squads_grid: Grid
) -> None:
    grid = squads_grid
    row = squads_with_daily_budget(grid.store, grid.scope.ad_account_ids[0], 1)[0]  # type: ignore[index]
    grid.select([(row.id, "budget")])
    qtbot.keyClick(grid.table, Qt.Key.Key_F2)
    editor = grid.controller.delegate.editor
    assert isinstance(editor, QLineEdit)
    assert editor.text() == COLUMNS["budget"].export_text(row)  # "45.00": what Snap has
    editor.selectAll()
    qtbot.keyClicks(editor, "12.345")
    label = grid.controller.delegate.message_label
    qtbot.waitUntil(label.isVisible)  # checked as the user types
    assert "at most 2 decimals" in label.text()
    assert "border: 2px solid" in editor.styleSheet()
    # Enter does nothing while invalid: the editor stays open, nothing is queued
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert grid.table.state() == QAbstractItemView.State.EditingState
    assert grid.controller.delegate.editor is editor
    assert grid.pending() == []
    # below the ad squad minimum: the forms' rule, from the edit service
    editor.selectAll()
    qtbot.keyClicks(editor, "=1")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert grid.table.state() == QAbstractItemView.State.EditingState
    assert label.isVisible() and "budget" in label.text().lower()
    assert grid.pending() == []
    # Esc cancels
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    assert grid.table.state() != QAbstractItemView.State.EditingState
    assert not label.isVisible()
    assert grid.pending() == []


def test_typing_with_three_rows_selected_sets_all_three_as_one_undo_step(
    qtbot: Any, squads_grid: Grid
) -> None:
    grid = squads_grid
    rows = squads_with_daily_budget(grid.store, grid.scope.ad_account_ids[0], 3)  # type: ignore[index]
    grid.select([(r.id, "budget") for r in rows])
    qtbot.keyClicks(grid.table, "+")  # typing starts the editor
    editor = grid.controller.delegate.editor
    assert isinstance(editor, QLineEdit)
    assert editor.text() == "+"
    qtbot.keyClicks(editor, "10%")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(grid.pending()) == 3)
    changes = {c.entity_id: c for c in grid.pending()}
    for row in rows:
        old = row.data["daily_budget_micro"]
        change = changes[row.id]
        assert [(d.field, d.before, d.after) for d in change.diff] == [
            ("daily_budget_micro", old, apply_percent(old, Decimal(10), "GBP"))
        ]
    assert len({c.group_id for c in changes.values()}) == 1
    assert ChangeRepository(grid.store).undo_label() == "Set Budget of 3 ad squads"
    # every view heard it: the grid shows the new values, old → new on hover
    qtbot.waitUntil(lambda: grid.model.row_for(rows[0].id).mark == "Δ")  # type: ignore[union-attr]
    tip = grid.index(rows[0].id, "budget").data(Qt.ItemDataRole.ToolTipRole)
    assert tip.startswith("Was: £") and "(pending)" in tip
    assert grid.messages[-1] == ("Queued: Set Budget of 3 ad squads (3 pending changes)", False)
    grid.edits.undo()
    assert grid.pending() == []


def test_ctrl_v_pastes_a_block_from_a_spreadsheet(qtbot: Any, squads_grid: Grid) -> None:
    grid = squads_grid
    a, b = squads_with_daily_budget(grid.store, grid.scope.ad_account_ids[0], 2)  # type: ignore[index]
    grid.model.set_columns(["name", "budget", "status"])
    grid.select([(a.id, "name")])
    view_rows = [grid.index(r.id, "name").row() for r in (a, b)]
    # the block goes onto the rows below the anchor in view order
    below = grid.model.row_at(view_rows[0] + 1)
    mime = QMimeData()
    mime.setText('"Teens, ""UK"""\t30\r\nSecond\t=25.5\r\n')
    QGuiApplication.clipboard().setMimeData(mime)
    qtbot.keyClick(grid.table, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    changes = {c.entity_id: c for c in grid.pending()}
    assert changes[a.id].after["name"] == 'Teens, "UK"'  # type: ignore[index]
    assert changes[a.id].after["daily_budget_micro"] == 30_000_000  # type: ignore[index]
    assert changes[below.id].after["name"] == "Second"  # type: ignore[index]
    assert len(changes) == 2
    assert grid.messages[-1][0].startswith("Queued: Paste 2×2 cells")


def test_ctrl_v_of_a_too_large_block_says_so(qtbot: Any, squads_grid: Grid) -> None:
    grid = squads_grid
    grid.model.set_columns(["name", "budget"])
    last = grid.model.row_at(grid.model.rowCount() - 1)
    grid.select([(last.id, "budget")])
    mime = QMimeData()
    mime.setText("1\t2\r\n3\t4\r\n")
    QGuiApplication.clipboard().setMimeData(mime)
    qtbot.keyClick(grid.table, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    text, error = grid.messages[-1]
    assert error and "the copied block is 2 rows × 2 columns" in text
    assert grid.pending() == []


def test_ctrl_d_fills_the_first_value_down(qtbot: Any, squads_grid: Grid) -> None:
    grid = squads_grid
    rows = squads_with_daily_budget(grid.store, grid.scope.ad_account_ids[0], 3)  # type: ignore[index]
    grid.select([(r.id, "budget") for r in rows])
    view = sorted(rows, key=lambda r: grid.index(r.id, "budget").row())
    qtbot.keyClick(grid.table, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    first = view[0].data["daily_budget_micro"]
    changed = {c.entity_id: c.after["daily_budget_micro"] for c in grid.pending()}  # type: ignore[index]
    expected = {r.id: first for r in view[1:] if r.data["daily_budget_micro"] != first}
    assert changed == expected


def test_ctrl_h_opens_find_and_replace_and_cancel_queues_nothing(
    qtbot: Any, squads_grid: Grid
) -> None:
    grid = squads_grid
    first = grid.model.row_at(0)
    grid.select([(first.id, "name")])
    qtbot.keyClick(grid.table, Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier)
    dialog = grid.controller.dialog
    assert isinstance(dialog, GridFindReplaceDialog) and dialog.isVisible()
    word = first.name.split()[0]
    dialog.find_edit.setText(word)
    dialog.replace_edit.setText("Renamed")
    dialog.whole_box.setChecked(True)
    renames = dialog.update_preview()
    assert renames and all(r.new != r.old for r in renames)
    assert dialog.table.rowCount() == len(renames)
    assert dialog.apply_button.isEnabled()
    dialog.cancel_button.click()
    assert not dialog.isVisible()
    assert grid.pending() == []
    # a bad regular expression says so and offers nothing to apply
    again = grid.controller.find_replace()
    again.regex_box.setChecked(True)
    again.find_edit.setText("(")
    again.update_preview()
    assert "Not a regular expression" in again.summary_label.text()
    assert not again.apply_button.isEnabled()
    again.find_edit.setText(word)
    again.replace_edit.setText("Renamed")
    again.regex_box.setChecked(False)
    again.whole_box.setChecked(True)
    again.update_preview()
    again.apply_button.click()
    assert {c.after["name"] for c in grid.pending()} == {r.new for r in renames}  # type: ignore[index]


def test_paste_rows_into_another_currency_needs_the_confirmation(
    qtbot: Any, synced: Store, host: Host
) -> None:
    gb, us = account(synced, "GBP"), account(synced, "USD")
    grid = Grid(synced, CAMPAIGN, Scope.accounts([gb.id]), host)
    qtbot.addWidget(grid.table)
    grid.table.show()
    grid.table.setFocus()
    source = grid.model.row_at(0)
    grid.select([(source.id, "name")])
    qtbot.keyClick(grid.table, Qt.Key.Key_C,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)  # fmt: skip
    assert QGuiApplication.clipboard().mimeData().hasFormat(ROWS_MIME)
    qtbot.keyClick(grid.table, Qt.Key.Key_V,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)  # fmt: skip
    dialog = grid.controller.dialog
    assert isinstance(dialog, GridPasteRowsDialog) and dialog.isVisible()
    assert not dialog.paste_button.isEnabled()  # no target yet
    assert dialog.select_target(us.id)
    plan = dialog.plan
    assert plan is not None and plan.ok and plan.flags
    assert plan.counts[CAMPAIGN] == 1
    assert dialog.flags_banner.isVisible()
    assert dialog.confirm_box.text() == "I checked the budgets in USD"
    assert not dialog.paste_button.isEnabled()
    assert dialog.paste() is None  # declined: not confirmed
    assert grid.pending() == []
    dialog.cancel_button.click()
    assert grid.pending() == []
    # confirmed, it queues the copies: paused, in the USD account, one undo step
    dialog = grid.controller.paste_rows()
    assert isinstance(dialog, GridPasteRowsDialog)
    dialog.select_target(us.id)
    dialog.confirm_box.setChecked(True)
    assert dialog.paste_button.isEnabled()
    dialog.paste_button.click()
    made = [c for c in grid.pending() if c.action == CREATE]
    assert made and {c.ad_account_id for c in made} == {us.id}
    assert {c.after["status"] for c in made if c.after and "status" in c.after} == {"PAUSED"}
    top = [c for c in made if c.kind == CAMPAIGN]
    assert [c.label for c in top] == [source.name]  # another account: no " (copy)"
    assert len({c.group_id for c in made}) == 1
    assert grid.messages[-1][0].startswith(f"Queued: Paste 1 campaign into {us.name}")
    grid.edits.undo()
    assert grid.pending() == []
    grid.state.operation_did_execute.disconnect(grid.reload)


def test_paste_rows_beside_the_original_adds_copy(qtbot: Any, synced: Store, host: Host) -> None:
    gb = account(synced, "GBP")
    grid = Grid(synced, CAMPAIGN, Scope.accounts([gb.id]), host)
    qtbot.addWidget(grid.table)
    source = grid.model.row_at(0)
    grid.select([(source.id, "name")])
    payload = grid.controller.copy_rows()
    assert payload is not None
    dialog = grid.controller.paste_rows(payload)
    assert isinstance(dialog, GridPasteRowsDialog)
    dialog.select_target(gb.id)
    assert dialog.plan is not None and not dialog.plan.flags
    assert dialog.plan.top == (f"{source.name} (copy)",)
    assert dialog.paste_button.isEnabled()
    dialog.paste_button.click()
    assert [c.label for c in grid.pending() if c.kind == CAMPAIGN] == [f"{source.name} (copy)"]
    grid.state.operation_did_execute.disconnect(grid.reload)


def test_the_wheel_over_an_open_editor_changes_nothing(
    qtbot: Any, qapp: QApplication, squads_grid: Grid
) -> None:
    install_wheel_guard(qapp)
    grid = squads_grid
    row = grid.model.row_at(0)
    grid.select([(row.id, "status")])
    qtbot.keyClick(grid.table, Qt.Key.Key_F2)
    editor = grid.controller.delegate.editor
    assert isinstance(editor, QComboBox)
    editor.setFocus()
    before = editor.currentText()
    for delta in (120, -120, -120, -120):
        event = QWheelEvent(
            QPointF(5, 5), QPointF(editor.mapToGlobal(QPoint(5, 5))), QPoint(0, 0),
            QPoint(0, delta), Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
            Qt.ScrollPhase.NoScrollPhase, False,
        )  # fmt: skip
        QApplication.sendEvent(editor, event)
        assert editor.currentText() == before, delta
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert grid.pending() == []  # the same value: nothing to queue
    # the budget's line edit: the wheel doesn't touch the text either
    budget_row = squads_with_daily_budget(grid.store, grid.scope.ad_account_ids[0], 1)[0]  # type: ignore[index]
    grid.select([(budget_row.id, "budget")])
    qtbot.keyClick(grid.table, Qt.Key.Key_F2)
    line = grid.controller.delegate.editor
    assert isinstance(line, QLineEdit)
    text = line.text()
    event = QWheelEvent(
        QPointF(5, 5), QPointF(line.mapToGlobal(QPoint(5, 5))), QPoint(0, 0), QPoint(0, -120),
        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase,
        False,
    )  # fmt: skip
    QApplication.sendEvent(line, event)
    assert line.text() == text


def test_the_models_edit_handler_queues_through_the_gateway(squads_grid: Grid) -> None:
    grid = squads_grid
    row = squads_with_daily_budget(grid.store, grid.scope.ad_account_ids[0], 1)[0]  # type: ignore[index]
    index = grid.index(row.id, "budget")
    assert not grid.model.setData(index, "lots")
    assert grid.model.last_error is not None and "lots" in grid.model.last_error
    assert grid.pending() == []
    assert grid.model.setData(index, "=50")
    assert [(d.field, d.after) for d in grid.pending()[0].diff] == [
        ("daily_budget_micro", 50_000_000)
    ]


def test_context_menu_lists_the_grid_actions(squads_grid: Grid) -> None:
    grid = squads_grid
    row = grid.model.row_at(1)
    rect = grid.table.visualRect(grid.index(row.id, "name"))
    menu = grid.controller.context_menu(rect.center())
    texts = [a.text().split("\t")[0] for a in menu.actions() if not a.isSeparator()]
    keys = [a.text().partition("\t")[2] for a in menu.actions() if not a.isSeparator()]
    assert keys[:7] == ["F2", "Ctrl+C", "Ctrl+V", "Ctrl+D", "Ctrl+H", "Ctrl+Shift+C",
                        "Ctrl+Shift+V"]  # fmt: skip
    assert all(not a.shortcuts() for a in menu.actions())  # shown, not bound
    assert texts == [
        "Edit", "Copy", "Paste", "Fill down", "Find && replace in names…", "Copy rows",
        "Paste rows into…", "Pause", "Activate", "Delete…",
    ]  # fmt: skip
    assert grid.table.currentIndex() == grid.index(row.id, "name")  # right-click selects
    menu.close()
    grid.controller.edit_action.trigger()  # Edit: the current cell's editor
    opened = grid.controller.delegate.editor
    assert isinstance(opened, QLineEdit)
    escape = QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Escape, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(opened, escape)
    assert grid.table.state() != QAbstractItemView.State.EditingState
    grid.controller.pause()
    assert [c.action for c in grid.pending()] == (
        ["pause"] if row.data.get("status") == "ACTIVE" else []
    )


def test_grid_keys_win_over_the_windows_shortcuts(qtbot: Any, synced: Store, host: Host) -> None:
    """Ctrl+H is the audit log elsewhere in the window; in the grid it is find & replace."""
    window = QMainWindow()
    qtbot.addWidget(window)
    audit = QAction("Audit log", window)
    audit.setShortcut(QKeySequence("Ctrl+H"))
    window.addAction(audit)
    fired: list[bool] = []
    audit.triggered.connect(lambda *_: fired.append(True))
    gb = account(synced, "GBP")
    grid = Grid(synced, AD_SQUAD, Scope.accounts([gb.id]), host)
    window.setCentralWidget(grid.table)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)  # shortcuts are live
    grid.table.setFocus()
    grid.select([(grid.model.row_at(0).id, "name")])
    qtbot.keyClick(grid.table, Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier)
    assert isinstance(grid.controller.dialog, GridFindReplaceDialog)
    assert fired == []
    grid.controller.dialog.reject()
    window.setFocus()  # outside the grid, the window's shortcut works as before
    qtbot.keyClick(window, Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier)
    assert fired == [True]
    grid.state.operation_did_execute.disconnect(grid.reload)
