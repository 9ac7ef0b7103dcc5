"""Journeys through the grid in the real main window against the sandbox over loopback, the way
a user works (issue 16): select an organization, edit three ad squads at once by typing +10%,
see the marks and old → new, post in dry-run (nothing reaches Snap, the audit log says dry-run);
export the grid to XLSX, edit it as a spreadsheet would, import it and queue exactly those
changes (and an unchanged export queues nothing); Check changes finds an ad squad Snap would
refuse, marks its cell in the grid, and Go to selects that cell."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from PySide6.QtCore import QItemSelection, QItemSelectionModel, Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QMessageBox
from pytestqt.qtbot import QtBot

from snapdesk.changes import ChangeRepository
from snapdesk.changes.model import Change
from snapdesk.core.kinds import AD_SQUAD, CAMPAIGN
from snapdesk.core.money import apply_percent
from snapdesk.sandbox import SandboxServer
from snapdesk.store import Store
from snapdesk.ui.dialogs.grid_import import GridImportDialog
from snapdesk.ui.dialogs.post_results import PostResultsDialog
from snapdesk.ui.main_window import MainWindow
from snapdesk.ui.models.grid import ISSUE_ROLE
from tests.ui.changes_env import clear_recorded, recorded_writes
from tests.ui.test_grid_view import (  # noqa: F401  (pytest fixtures)
    api,
    select_org,
    server,
    store,
    synced_db,
    window,
)

TIMEOUT = 20_000


@pytest.fixture(autouse=True)
def quiet_sandbox(server: SandboxServer) -> Iterator[None]:  # noqa: F811
    clear_recorded(server)
    yield


def pending(store: Store) -> list[Change]:  # noqa: F811
    return ChangeRepository(store).list()


def close_boxes() -> None:
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, (QMessageBox, PostResultsDialog)) and widget.isVisible():
            widget.close()


def gbp_squads(window: MainWindow, n: int) -> list[Any]:  # noqa: F811
    rows = [
        r
        for r in window.grid.shown_rows()
        if r.currency == "GBP" and isinstance(r.data.get("daily_budget_micro"), int)
    ]
    assert len(rows) >= n
    return rows[:n]


def select_cells(window: MainWindow, cells: list[tuple[str, str]]) -> None:  # noqa: F811
    table, model = window.grid.table, window.grid.model
    selection = table.selectionModel()
    first = model.index_for(*cells[0])
    selection.setCurrentIndex(first, QItemSelectionModel.SelectionFlag.ClearAndSelect)
    for cell in cells[1:]:
        index = model.index_for(*cell)
        selection.select(QItemSelection(index, index), QItemSelectionModel.SelectionFlag.Select)
    table.setFocus()


def test_typing_into_three_rows_then_a_dry_run_post_sends_nothing(
    qtbot: QtBot,
    window: MainWindow,  # noqa: F811
    store: Store,  # noqa: F811
    server: SandboxServer,  # noqa: F811
) -> None:
    grid = window.grid
    select_org(window)
    grid.toolbar.levels.buttons[AD_SQUAD].click()
    rows = gbp_squads(window, 3)
    select_cells(window, [(r.id, "budget") for r in rows])

    qtbot.keyClicks(grid.table, "+")  # typing starts the editor on the current cell
    editor = grid.edits.delegate.editor
    assert isinstance(editor, QLineEdit)
    qtbot.keyClicks(editor, "10%")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(pending(store)) == 3, timeout=TIMEOUT)

    # exact changes, one undo step, in the window's one Pending Changes panel
    changes = {c.entity_id: c for c in pending(store)}
    for row in rows:
        old = row.data["daily_budget_micro"]
        assert [(d.field, d.before, d.after) for d in changes[row.id].diff] == [
            ("daily_budget_micro", old, apply_percent(old, Decimal(10), "GBP"))
        ]
    assert len({c.group_id for c in changes.values()}) == 1
    qtbot.waitUntil(lambda: {c.id for c in window.editing.panel.changes} == {
        c.id for c in changes.values()
    }, timeout=TIMEOUT)  # fmt: skip
    # what the user sees in the grid: the marks, the new budget, old → new on hover
    qtbot.waitUntil(lambda: all(grid.model.row_for(r.id).mark == "Δ" for r in rows))  # type: ignore[union-attr]
    cell = grid.model.index_for(rows[0].id, "budget")
    new = apply_percent(rows[0].data["daily_budget_micro"], Decimal(10), "GBP")
    assert cell.data() == f"£{Decimal(new) / 1_000_000:,.2f}"
    tip = cell.data(Qt.ItemDataRole.ToolTipRole)
    assert tip.startswith("Was: £") and "(pending)" in tip

    # Post in dry-run: rehearsed, nothing reaches Snap, the changes stay pending
    assert not window.editing.live
    with qtbot.waitSignal(window.editing.flow.finished, timeout=TIMEOUT):
        window.editing.post(None)
    report = window.editing.last_report()
    assert report is not None and not report.live
    assert {r.outcome for r in report.results} == {"dry-run"} and len(report.results) == 3
    assert recorded_writes(server) == []
    assert {c.entity_id for c in pending(store)} == {r.id for r in rows}
    audit = window.editing.open_audit_log()
    cells = {
        audit.model.index(r, c).data()
        for r in range(audit.model.rowCount())
        for c in range(audit.model.columnCount())
    }
    assert "Dry-run" in cells
    audit.close()
    close_boxes()

    # one undo takes all three back; every view hears it
    window.editing.edits.undo()
    window.state.poll()
    assert pending(store) == []
    qtbot.waitUntil(lambda: grid.model.row_for(rows[0].id).mark == "")  # type: ignore[union-attr]


def _import(qtbot: QtBot, window: MainWindow, path: Path) -> GridImportDialog:  # noqa: F811
    qtbot.mouseClick(window.grid.import_button, Qt.MouseButton.LeftButton)  # Import…
    dialog = window.import_dialog
    assert isinstance(dialog, GridImportDialog) and dialog.isVisible()
    with qtbot.waitSignal(dialog.report_shown, timeout=TIMEOUT):
        dialog.load(path)
    return dialog


def test_export_edit_in_a_spreadsheet_and_import_queues_exactly_the_edits(
    qtbot: QtBot,
    window: MainWindow,  # noqa: F811
    store: Store,  # noqa: F811
    server: SandboxServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    grid = window.grid
    select_org(window)
    grid.toolbar.levels.buttons[AD_SQUAD].click()
    shown = grid.shown_rows()

    # an unchanged export imports as nothing to do
    unchanged = window.export_grid(tmp_path / "squads.xlsx")
    close_boxes()
    assert unchanged == tmp_path / "squads.xlsx" and unchanged.exists()
    dialog = _import(qtbot, window, unchanged)
    plan = dialog.plan
    assert plan is not None and plan.ok and plan.change_count == 0
    assert not dialog.queue_button.isEnabled()
    dialog.reject()
    assert pending(store) == []

    # the user edits two cells in the workbook: a budget and a status
    book = openpyxl.load_workbook(unchanged)
    sheet = next(ws for ws in book.worksheets if ws.cell(1, 1).value == "id")
    header = [c.value for c in sheet[1]]
    col = {name: header.index(name) + 1 for name in ("id", "daily_budget", "status")}
    by_id = {sheet.cell(r, col["id"]).value: r for r in range(2, sheet.max_row + 1)}
    budget_row = next(r for r in shown if isinstance(r.data.get("daily_budget_micro"), int))
    status_row = next(r for r in shown if r.data.get("status") == "ACTIVE" and r is not budget_row)
    old_budget = budget_row.data["daily_budget_micro"]
    sheet.cell(by_id[budget_row.id], col["daily_budget"]).value = old_budget / 1_000_000 + 7
    sheet.cell(by_id[status_row.id], col["status"]).value = "PAUSED"
    edited = tmp_path / "squads-edited.xlsx"
    book.save(edited)

    dialog = _import(qtbot, window, edited)
    assert dialog.summary_label.text().startswith("0 creates, 2 updates, ")
    assert pending(store) == []  # reading and checking stored nothing
    with qtbot.waitSignal(dialog.queued, timeout=TIMEOUT):
        qtbot.mouseClick(dialog.queue_button, Qt.MouseButton.LeftButton)
    queued = {c.entity_id: c for c in pending(store)}
    assert set(queued) == {budget_row.id, status_row.id}
    assert queued[budget_row.id].after["daily_budget_micro"] == old_budget + 7_000_000  # type: ignore[index]
    assert queued[status_row.id].after["status"] == "PAUSED"  # type: ignore[index]
    qtbot.waitUntil(lambda: grid.model.row_for(budget_row.id).mark == "Δ", timeout=TIMEOUT)  # type: ignore[union-attr]
    qtbot.waitUntil(
        lambda: {c.entity_id for c in window.editing.panel.changes} == set(queued),
        timeout=TIMEOUT,
    )
    assert recorded_writes(server) == []  # importing sends nothing


def test_check_changes_marks_the_cell_and_go_to_selects_it(
    qtbot: QtBot,
    window: MainWindow,  # noqa: F811
    store: Store,  # noqa: F811
) -> None:
    grid = window.grid
    select_org(window)
    assert grid.level == CAMPAIGN
    squad = next(
        s for a in store.ad_accounts() for c in store.campaigns(a.id) for s in store.ad_squads(c.id)
    )
    targeting = dict(squad.data.get("targeting") or {})
    targeting.pop("geos", None)  # Snap refuses an ad squad without countries
    window.editing.edits.edit(kind=AD_SQUAD, entity_id=squad.id, fields={"targeting": targeting})
    window.state.poll()

    dialog = window.editing.panel.check_changes()
    assert isinstance(dialog, PostResultsDialog)
    rows = [
        r
        for r in range(dialog.issues_table.rowCount())
        # findings name the targeting part they are about (issue 17); the grid shows them on
        # its one Targeting column
        if dialog.go_to_target(r) == (AD_SQUAD, squad.id, "targeting.geos")
    ]
    assert rows, "Check changes names the ad squad's targeting"
    assert dialog.go_to(rows[0])
    # the grid came to the front at the ad squad's targeting cell, with the finding on it
    assert window.right_tabs.currentWidget() is grid
    assert grid.level == AD_SQUAD
    current = grid.table.currentIndex()
    assert grid.model.row_at(current.row()).id == squad.id
    assert grid.model.column_at(current.column()).field == "targeting"
    issues = current.data(ISSUE_ROLE)
    assert issues and any(i.code == "geos_required" and i.is_error for i in issues)
    assert not dialog.isVisible()  # it would cover the cell
    close_boxes()
