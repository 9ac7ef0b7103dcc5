"""`GridEditController`: editing in the grid, spreadsheet style, on the write gateway.

    controller = GridEditController(view.table, view.model, edits=edits, state=state,
                                    store=store, parent=view)
    controller.message.connect(status_bar_slot)      # (text, is_error) after every action

- F2, a double-click or simply typing edits the current cell, with the rules of the forms:
  the editor shows what is wrong right under itself (red border and message), Enter does
  nothing while the text is refused, Esc cancels; nothing is queued while invalid. With
  several rows selected in the column, the value goes to all of them (one undo step), each
  read in its row's currency and time zone (`+10%`, `-5`, `=120` on amounts).
- Ctrl+C copies the selected cells as tab-separated text (and the rows, for Paste rows);
  Ctrl+V pastes a block from a spreadsheet; Ctrl+D fills down; Ctrl+H finds & replaces in
  names; Ctrl+Shift+C copies rows, Ctrl+Shift+V pastes them into another account, campaign or
  ad squad; the context menu has all of these plus Pause, Activate and Delete.
- The wheel over an open editor scrolls the grid; it never steps the editor's value.

Every action goes through `snapdesk.grid.editing` (Qt-free) and `EditService`, calls
`AppState.poll()` so every view hears `operation_did_execute`, and says what it did in
`message(str, bool)`. The grid keys win over window shortcuts while the grid has the focus
(Ctrl+H is the audit log elsewhere).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Final, cast

from PySide6.QtCore import (
    QAbstractItemModel,
    QEvent,
    QItemSelectionModel,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QRect,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QGuiApplication, QKeyEvent, QKeySequence, QWheelEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QLabel,
    QLineEdit,
    QMenu,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from snapdesk.changes import EditService
from snapdesk.grid.columns import CellError, Column, parse_cell
from snapdesk.grid.editing import (
    ROWS_MIME,
    EditOutcome,
    RowsPayload,
    cell_text,
    copy_cells,
    copy_rows,
    fill_down,
    paste_block,
    set_value,
)
from snapdesk.grid.rows import GridRow
from snapdesk.stats.fx import FxTable
from snapdesk.store import Store
from snapdesk.ui import theme
from snapdesk.ui._signals import emit
from snapdesk.ui._wheel import pass_on
from snapdesk.ui.dialogs.grid_find_replace import GridFindReplaceDialog
from snapdesk.ui.dialogs.grid_paste_rows import GridPasteRowsDialog
from snapdesk.ui.models.grid import GridModel
from snapdesk.ui.views.bulk_actions import BulkActions

__all__ = ["GridCellDelegate", "GridEditController"]

# Above this many target rows the editor checks only the text while typing; Enter still
# checks every row with the forms' rules.
LIVE_CHECK_MAX: Final = 200
CHECK_DELAY_MS: Final = 150
_EDIT_TRIGGERS: Final = (
    QAbstractItemView.EditTrigger.DoubleClicked
    | QAbstractItemView.EditTrigger.EditKeyPressed
    | QAbstractItemView.EditTrigger.AnyKeyPressed
)


def _mix(color: str, base: str, amount: float) -> str:
    a, b = color.lstrip("#"), base.lstrip("#")
    parts = (
        round(int(a[i : i + 2], 16) * amount + int(b[i : i + 2], 16) * (1 - amount))
        for i in (0, 2, 4)
    )
    return "#" + "".join(f"{p:02x}" for p in parts)


class _WheelBlocker(QObject):
    """On a cell editor: the wheel scrolls the grid (the editor's parents), never the value."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Wheel and isinstance(event, QWheelEvent):
            if isinstance(watched, QWidget):
                event.setAccepted(pass_on(watched, event))
            return True
        return False


class _CellMessage(QLabel):
    """The message under an open cell editor: an error (red) or a warning (amber)."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("gridCellMessage")
        self.setWordWrap(True)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.severity = ""
        self.hide()

    def show_at(self, rect: QRect, text: str, severity: str) -> None:
        c = theme.colors()
        color = c.danger if severity == "error" else c.warning
        self.severity = severity
        self.setStyleSheet(
            f"QLabel#gridCellMessage {{ background: {_mix(color, c.base, 0.10)}; color: "
            f"{c.text}; border: 1px solid {color}; border-left: 3px solid {color}; "
            "border-radius: 4px; padding: 4px 7px; }"
        )
        parent = self.parentWidget()
        room = parent.width() if parent is not None else 480
        width = max(min(max(rect.width(), 260), 460, room - 4), 120)
        self.setFixedWidth(width)
        self.setText(text)
        self.adjustSize()
        height = self.sizeHint().height()
        self.setFixedHeight(height)
        y = rect.bottom() + 2
        if parent is not None and y + height > parent.height():
            y = max(rect.top() - height - 2, 0)
        x = max(min(rect.left(), room - width - 2), 0)
        self.move(x, y)
        self.raise_()
        self.show()


class GridCellDelegate(QStyledItemDelegate):
    """Editors for the grid's cells: a line edit (a combo box for choices) checked as the user
    types, with the message under it; Enter commits only a valid value."""

    def __init__(self, controller: GridEditController) -> None:
        super().__init__(controller)
        self._controller = controller
        self.message_label = _CellMessage(controller.table.viewport())
        self._wheel = _WheelBlocker(self)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(CHECK_DELAY_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        self.editor: QWidget | None = None
        self._index: QPersistentModelIndex | None = None
        self._ids: list[str] = []
        self._column: Column | None = None
        self.error = ""

    # -- QStyledItemDelegate -------------------------------------------------------------------

    def createEditor(
        self, parent: QWidget, option: QStyleOptionViewItem, index: QModelIndex | Any
    ) -> QWidget:
        column = self._controller.model.column_at(index.column())
        editor: QWidget
        if column.type == "enum" and column.choices:
            combo = QComboBox(parent)
            combo.addItems(list(column.choices))
            combo.currentIndexChanged.connect(self._on_editor_changed)
            editor = combo
        else:
            line = QLineEdit(parent)
            line.textEdited.connect(self._on_editor_changed)
            if column.type == "money":
                line.setPlaceholderText("75.00, +10%, -5, =120")
            elif column.type == "datetime":
                line.setPlaceholderText("2026-05-01 09:00")
            editor = line
        editor.setObjectName("gridCellEditor")
        editor.setToolTip(column.tip)
        editor.installEventFilter(self._wheel)
        self.editor = editor
        self._index = QPersistentModelIndex(index)
        self._ids = self._controller.target_ids(index)
        self._column = column
        self._show_issue("", "")
        return editor

    def setEditorData(self, editor: QWidget, index: QModelIndex | Any) -> None:
        if editor.property("filled"):
            return  # the rows were refreshed while editing: keep what the user typed
        text = str(index.data(Qt.ItemDataRole.EditRole) or "")
        if isinstance(editor, QComboBox):
            editor.setCurrentIndex(editor.findText(text))
        elif isinstance(editor, QLineEdit):
            editor.setText(text)
            editor.selectAll()
        editor.setProperty("filled", True)

    def setModelData(
        self, editor: QWidget, model: QAbstractItemModel, index: QModelIndex | Any
    ) -> None:
        self._timer.stop()
        self.message_label.hide()
        if self._column is None:
            return
        self._controller.commit_edit(list(self._ids), self._column, self.text_of(editor))

    def updateEditorGeometry(
        self, editor: QWidget, option: QStyleOptionViewItem, index: QModelIndex | Any
    ) -> None:
        editor.setGeometry(option.rect)
        if self.message_label.isVisible():
            self.message_label.show_at(
                editor.geometry(), self.message_label.text(), self.message_label.severity
            )

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.editor and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            key = event.key()
            popup_open = isinstance(watched, QComboBox) and watched.view().isVisible()
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Tab, Qt.Key.Key_Backtab):
                if not popup_open and not self.check():
                    return True  # Enter does nothing while the value is refused
            elif key == Qt.Key.Key_Escape:
                self._timer.stop()
                self.message_label.hide()
        return bool(super().eventFilter(watched, event))

    def destroyEditor(self, editor: QWidget, index: QModelIndex | Any) -> None:
        self._forget(editor)
        super().destroyEditor(editor, index)

    # -- checking ------------------------------------------------------------------------------

    @staticmethod
    def text_of(editor: QWidget) -> str:
        if isinstance(editor, QComboBox):
            return editor.currentText()
        if isinstance(editor, QLineEdit):
            return editor.text()
        return ""

    @property
    def is_valid(self) -> bool:
        return not self.error

    def check(self, *, full: bool = True) -> bool:
        """Check what the open editor holds with the forms' rules (a rehearsal through the
        edit service for every target row); show the message; whether it may be committed."""
        self._timer.stop()
        editor, column = self.editor, self._column
        if editor is None or column is None:
            return True
        error, warning = self._controller.check_value(
            self._ids, column, self.text_of(editor), full=full
        )
        self._show_issue(error, warning)
        return not error

    def _show_issue(self, error: str, warning: str) -> None:
        self.error = error
        editor = self.editor
        if editor is None:
            return
        c = theme.colors()
        if error:
            editor.setStyleSheet(
                f"#gridCellEditor {{ border: 2px solid {c.danger}; border-radius: 2px; }}"
            )
            editor.setAccessibleDescription(error)
            self.message_label.show_at(editor.geometry(), error, "error")
        elif warning:
            editor.setStyleSheet(f"#gridCellEditor {{ border: 2px solid {c.warning}; }}")
            editor.setAccessibleDescription(warning)
            self.message_label.show_at(editor.geometry(), warning, "warning")
        else:
            editor.setStyleSheet("")
            editor.setAccessibleDescription("")
            self.message_label.hide()

    def _forget(self, editor: QObject) -> None:
        if editor is self.editor:
            self._timer.stop()
            self.editor = None
            self._index = None
            self._ids = []
            self._column = None
            self.error = ""
            self.message_label.hide()

    def _on_editor_changed(self, *_args: object) -> None:
        self._timer.start()

    def _on_timer_timeout(self) -> None:
        self.check(full=len(self._ids) <= LIVE_CHECK_MAX)


class GridEditController(QObject):
    """Signals: `message(str, bool)` — what an action did, and whether it is an error;
    `changes_made(object)` — the `EditOutcome` of an action that queued changes."""

    message = Signal(str, bool)
    changes_made = Signal(object)

    def __init__(
        self,
        table: QTableView,
        model: GridModel,
        *,
        edits: EditService,
        state: Any,
        store: Store,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.table = table
        self.model = model
        self.edits = edits
        self.state = state
        self.store = store
        #: FX rates for converting pasted amounts (None: Paste rows offers no conversion).
        self.fx: FxTable | None = None
        self.dialog: QDialog | None = None
        self.menu: QMenu | None = None
        model.set_edit_handler(self._on_model_edit)
        self.delegate = GridCellDelegate(self)
        table.setItemDelegate(self.delegate)
        table.setEditTriggers(_EDIT_TRIGGERS)
        table.installEventFilter(self)
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        table.customContextMenuRequested.connect(self._on_table_custom_context_menu_requested)
        self._bulk = BulkActions(edits, parent_widget=table)
        self._bulk.changes_made.connect(self._on_bulk_changes_made)
        self._bulk.message_posted.connect(self._on_bulk_message_posted)
        self._setup_actions()

    # -- construction --------------------------------------------------------------------------

    def _action(
        self, text: str, keys: str | QKeySequence.StandardKey | None, slot: Callable[[], object]
    ) -> QAction:
        """A context-menu action. Its keys are shown in the menu (after a tab) but not bound
        as a shortcut: `eventFilter` handles them while the grid has the focus, so they never
        clash with the window's (Ctrl+H is the audit log outside the grid)."""
        if keys is not None:
            shown = QKeySequence(keys).toString(QKeySequence.SequenceFormat.NativeText)
            text = f"{text}\t{shown}"
        action = QAction(text, self)
        action.triggered.connect(lambda *_: slot())
        return action

    def _setup_actions(self) -> None:
        self.edit_action = self._action("Edit", "F2", self.edit_current)
        self.copy_action = self._action("Copy", QKeySequence.StandardKey.Copy, self.copy)
        self.paste_action = self._action("Paste", QKeySequence.StandardKey.Paste, self.paste)
        self.fill_down_action = self._action("Fill down", "Ctrl+D", self.fill_down)
        self.find_replace_action = self._action(
            "Find && replace in names…", "Ctrl+H", self.find_replace
        )
        self.copy_rows_action = self._action("Copy rows", "Ctrl+Shift+C", self.copy_rows)
        self.paste_rows_action = self._action("Paste rows into…", "Ctrl+Shift+V", self.paste_rows)
        self.pause_action = self._action("Pause", None, self.pause)
        self.activate_action = self._action("Activate", None, self.activate)
        self.delete_action = self._action("Delete…", None, self.delete)
        # (key, method): custom keys first (Ctrl+Shift+V is not Paste)
        self._keys: list[tuple[QKeySequence | QKeySequence.StandardKey, Callable[[], object]]] = [
            (QKeySequence("Ctrl+Shift+C"), self.copy_rows),
            (QKeySequence("Ctrl+Shift+V"), self.paste_rows),
            (QKeySequence("Ctrl+D"), self.fill_down),
            (QKeySequence("Ctrl+H"), self.find_replace),
            (QKeySequence.StandardKey.Copy, self.copy),
            (QKeySequence.StandardKey.Paste, self.paste),
        ]

    def actions(self) -> list[QAction | None]:
        """The context menu's actions, in order; None is a separator."""
        return [
            self.edit_action,
            self.copy_action,
            self.paste_action,
            self.fill_down_action,
            self.find_replace_action,
            None,
            self.copy_rows_action,
            self.paste_rows_action,
            None,
            self.pause_action,
            self.activate_action,
            self.delete_action,
        ]

    def fill_menu(self, menu: QMenu) -> None:
        self.update_actions()
        for action in self.actions():
            if action is None:
                menu.addSeparator()
            else:
                menu.addAction(action)

    def update_actions(self) -> None:
        current = self.table.currentIndex()
        rows = self.selected_rows()
        editable = current.isValid() and bool(
            self.model.flags(current) & Qt.ItemFlag.ItemIsEditable
        )
        self.edit_action.setEnabled(editable)
        self.copy_action.setEnabled(bool(self.selected_cells()))
        clipboard = QGuiApplication.clipboard().mimeData()
        self.paste_action.setEnabled(
            bool(clipboard and clipboard.hasText()) and bool(self.selected_cells())
        )
        self.fill_down_action.setEnabled(bool(rows))
        self.find_replace_action.setEnabled(self.model.rowCount() > 0)
        self.copy_rows_action.setEnabled(bool(rows))
        self.paste_rows_action.setEnabled(bool(clipboard and clipboard.hasFormat(ROWS_MIME)))
        for action in (self.pause_action, self.activate_action, self.delete_action):
            action.setEnabled(bool(rows))
        n = len(rows)
        what = f" {n} rows" if n > 1 else ""
        self.pause_action.setText(f"Pause{what}")
        self.activate_action.setText(f"Activate{what}")
        self.delete_action.setText(f"Delete{what}…")

    # -- the selection -------------------------------------------------------------------------

    def selected_cells(self) -> list[tuple[int, int]]:
        """(view row, view column) of every selected cell, in view order."""
        selection = self.table.selectionModel()
        if selection is None:
            return []
        cells = sorted({(i.row(), i.column()) for i in selection.selectedIndexes()})
        if not cells:
            current = self.table.currentIndex()
            if current.isValid():
                cells = [(current.row(), current.column())]
        return cells

    def selected_rows(self) -> list[GridRow]:
        """The rows with a selected cell, in view order."""
        view_rows = sorted({r for r, _ in self.selected_cells()})
        return [self.model.row_at(r) for r in view_rows]

    def target_ids(self, index: QModelIndex | Any) -> list[str]:
        """The rows an edit of `index` goes to: every row selected in its column when the cell
        is one of them, else the cell's own row."""
        column = index.column()
        rows = sorted({r for r, c in self.selected_cells() if c == column})
        if index.row() not in rows:
            rows = [index.row()]
        return [self.model.row_at(r).id for r in rows]

    def _rows_for(self, ids: Sequence[str]) -> list[GridRow]:
        found = (self.model.row_for(i) for i in ids)
        return [row for row in found if row is not None]

    # -- typing --------------------------------------------------------------------------------

    def edit_current(self) -> bool:
        index = self.table.currentIndex()
        if not index.isValid():
            return False
        # cast: QAbstractItemView::edit takes a null event (C++ nullptr, None here); the stub
        # requires a QEvent.
        no_event = cast(QEvent, None)
        return bool(self.table.edit(index, QAbstractItemView.EditTrigger.EditKeyPressed, no_event))

    def check_value(
        self, ids: Sequence[str], column: Column, text: str, *, full: bool = True
    ) -> tuple[str, str]:
        """(error, warning) for `text` in `column` of these rows; "" when there is none.
        `full`: rehearse through the edit service (the forms' rules), else parse only."""
        rows = self._rows_for(ids)
        if not rows or all(text == cell_text(r, column) for r in rows):
            return "", ""
        if not full:
            for row in rows:
                try:
                    parse_cell(row, column, text)
                except CellError as exc:
                    return _one_line(rows, row, str(exc)), ""
            return "", ""
        outcome = set_value(self.edits, rows, column, text, rehearse=True)
        if outcome.errors:
            first = outcome.errors[0]
            extra = len(outcome.errors) - 1
            text_ = first.message if len(rows) == 1 else str(first)
            if extra:
                text_ += f" (and {extra} more row{'s' if extra != 1 else ''})"
            return text_, ""
        warnings = [i.message for i in (outcome.group.issues if outcome.group else ()) if
                    not i.is_error]  # fmt: skip
        return "", (warnings[0] if warnings else "")

    def commit_edit(self, ids: Sequence[str], column: Column, text: str) -> EditOutcome | None:
        """What closing an editor with Enter (or by leaving it) does: the value goes to every
        target row; nothing is queued when the text is what the cells hold, or is refused."""
        rows = self._rows_for(ids)
        if not rows or all(text == cell_text(r, column) for r in rows):
            return None
        outcome = set_value(self.edits, rows, column, text)
        # the editor is still open: let every view refresh once it has closed
        self._finish(outcome, deferred=True)
        return outcome

    def set_value(self, rows: Sequence[GridRow], column: Column, text: str) -> EditOutcome:
        outcome = set_value(self.edits, rows, column, text)
        self._finish(outcome)
        return outcome

    def _on_model_edit(self, rows: list[GridRow], column: Column, value: Any) -> str | None:
        """The model's edit handler (`GridModel.setData`)."""
        outcome = set_value(self.edits, rows, column, value)
        self._finish(outcome)
        return None if outcome.ok else outcome.message

    # -- clipboard, fill down ------------------------------------------------------------------

    def copy(self) -> str:
        """Ctrl+C: the selected cells as TSV (for a spreadsheet), with the rows (for Paste
        rows into…)."""
        cells = self.selected_cells()
        if not cells:
            return ""
        text = copy_cells(self.model.rows(), self.model.visible_columns(), cells)
        mime = QMimeData()
        mime.setText(text)
        rows = self.selected_rows()
        if rows and len({r.kind for r in rows}) == 1:
            mime.setData(ROWS_MIME, copy_rows(rows).json().encode("utf-8"))
        QGuiApplication.clipboard().setMimeData(mime)
        n = len(cells)
        self._say(f"Copied {n} cell{'s' if n != 1 else ''}")
        return text

    def copy_rows(self) -> RowsPayload | None:
        """Ctrl+Shift+C: the selected rows, to paste into another account, campaign or ad squad
        (and as TSV with a header line for a spreadsheet)."""
        rows = self.selected_rows()
        if not rows:
            self._say("Select the rows to copy", error=True)
            return None
        columns = [c for c in self.model.visible_columns() if not c.performance]
        payload = copy_rows(rows, columns)
        mime = QMimeData()
        mime.setText(payload.text)
        mime.setData(ROWS_MIME, payload.json().encode("utf-8"))
        QGuiApplication.clipboard().setMimeData(mime)
        n = len(rows)
        self._say(f"Copied {n} row{'s' if n != 1 else ''}: Paste rows into… (Ctrl+Shift+V) "
                  "copies them with everything under them")  # fmt: skip
        return payload

    def paste(self, text: str | None = None) -> EditOutcome | None:
        """Ctrl+V: a block copied from a spreadsheet (or the grid) onto the selection."""
        if text is None:
            mime = QGuiApplication.clipboard().mimeData()
            text = mime.text() if mime is not None and mime.hasText() else ""
        cells = self.selected_cells()
        if not cells:
            self._say("Select the cell to paste into", error=True)
            return None
        if not text:
            self._say("The clipboard holds no text to paste", error=True)
            return None
        outcome = paste_block(
            self.edits, self.model.rows(), self.model.visible_columns(), text, cells
        )
        self._finish(outcome)
        return outcome

    def fill_down(self) -> EditOutcome | None:
        """Ctrl+D: each selected column's first selected value into the selected rows below
        it; with one row selected, the value of the row above."""
        cells = self.selected_cells()
        if not cells:
            self._say("Select the cells to fill", error=True)
            return None
        view_rows = sorted({r for r, _ in cells})
        view_columns = sorted({c for _, c in cells})
        if len(view_rows) == 1:
            if view_rows[0] == 0:
                self._say("Select the rows to fill: the first one's value goes into the others",
                          error=True)  # fmt: skip
                return None
            view_rows = [view_rows[0] - 1, view_rows[0]]
        rows = [self.model.row_at(r) for r in view_rows]
        columns = [self.model.column_at(c) for c in view_columns]
        outcome = fill_down(self.edits, rows, columns)
        self._finish(outcome)
        return outcome

    # -- dialogs -------------------------------------------------------------------------------

    def find_replace(self) -> GridFindReplaceDialog:
        """Ctrl+H: find & replace in the names of the selected rows (all shown rows when one
        row or none is selected)."""
        rows = self.selected_rows()
        if len(rows) > 1:
            scope = f"Find & replace in the names of {len(rows)} selected rows"
        else:
            rows = self.model.rows()
            scope = f"Find & replace in the names of all {len(rows)} rows shown"
        dialog = GridFindReplaceDialog(self.edits, rows, scope_text=scope,
                                       parent=self.table.window())  # fmt: skip
        dialog.applied.connect(self._on_dialog_applied)
        self.dialog = dialog
        dialog.open()
        return dialog

    def paste_rows(self, payload: RowsPayload | None = None) -> GridPasteRowsDialog | None:
        """Ctrl+Shift+V: the Paste rows into… dialog for the rows on the clipboard."""
        if payload is None:
            mime = QGuiApplication.clipboard().mimeData()
            raw = bytes(mime.data(ROWS_MIME).data()) if mime is not None else b""
            try:
                payload = RowsPayload.from_json(raw) if raw else None
            except ValueError:
                payload = None
            if payload is None:
                self._say("Copy rows first (Ctrl+Shift+C), then paste them into another "
                          "account, campaign or ad squad", error=True)  # fmt: skip
                return None
        dialog = GridPasteRowsDialog(self.edits, self.store, payload, fx=self.fx,
                                     parent=self.table.window())  # fmt: skip
        dialog.applied.connect(self._on_dialog_applied)
        self.dialog = dialog
        dialog.open()
        return dialog

    # -- pause, activate, delete ---------------------------------------------------------------

    def _bulk_on_selection(self) -> bool:
        rows = self.selected_rows()
        self._bulk.set_selection([(r.kind, r.id) for r in rows])
        if not rows:
            self._say("Select the rows first", error=True)
        return bool(rows)

    def pause(self) -> None:
        if self._bulk_on_selection():
            self._bulk.pause()

    def activate(self) -> None:
        if self._bulk_on_selection():
            self._bulk.resume()

    def delete(self) -> QDialog | None:
        """Delete… asks first (the deletion is a pending change, undoable until posted)."""
        if not self._bulk_on_selection():
            return None
        return self._bulk.confirm_delete()

    # -- context menu and keys -----------------------------------------------------------------

    def context_menu(self, pos: QPoint) -> QMenu:
        """The grid's context menu at `pos` (viewport coordinates); right-clicking a cell
        outside the selection selects it first, as spreadsheets do."""
        index = self.table.indexAt(pos)
        selection = self.table.selectionModel()
        if index.isValid() and selection is not None and not selection.isSelected(index):
            selection.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        menu = QMenu(self.table)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.fill_menu(menu)
        self.menu = menu
        menu.popup(self.table.viewport().mapToGlobal(pos))
        return menu

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if watched is self.table and kind in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress):
            assert isinstance(event, QKeyEvent)
            handler = self._handler_for(event)
            if handler is not None:
                event.accept()  # the grid's key, not a window shortcut (Ctrl+H)
                if kind == QEvent.Type.KeyPress:
                    handler()
                return True
        return False

    def _handler_for(self, event: QKeyEvent) -> Callable[[], object] | None:
        pressed = QKeySequence(event.keyCombination())
        for key, handler in self._keys:
            if isinstance(key, QKeySequence.StandardKey):
                if event.matches(key):
                    return handler
            elif pressed.matches(key) == QKeySequence.SequenceMatch.ExactMatch:
                return handler
        return None

    # -- outcomes ------------------------------------------------------------------------------

    def _finish(self, outcome: EditOutcome, *, deferred: bool = False) -> None:
        if outcome.group is not None and not outcome.group.empty:
            if deferred:
                QTimer.singleShot(0, self._poll)
            else:
                self._poll()
            emit(self.changes_made, outcome)
        self._say(outcome.message, error=not outcome.ok)

    def _poll(self) -> None:
        if self.state is not None:
            self.state.poll()

    def _say(self, text: str, *, error: bool = False) -> None:
        emit(self.message, text, error)

    def _on_table_custom_context_menu_requested(self, pos: QPoint) -> None:
        self.context_menu(pos)

    def _on_dialog_applied(self, outcome: object) -> None:
        if isinstance(outcome, EditOutcome):
            self._finish(outcome)

    def _on_bulk_changes_made(self, _group: object) -> None:
        self._poll()

    def _on_bulk_message_posted(self, text: str, error: bool) -> None:
        self._say(text, error=error)


def _one_line(rows: Sequence[GridRow], row: GridRow, message: str) -> str:
    return message if len(rows) == 1 else f"“{row.name}”: {message}"


def release_clipboard() -> None:
    """Before the application ends: a clipboard holding a QMimeData made in Python (the grid's
    cells and rows) keeps the text as Qt's own data. Qt deletes the clipboard's data after the
    interpreter is gone, and deleting a Python-made QMimeData then crashes the process."""
    app = QGuiApplication.instance()
    if app is None:
        return
    clipboard = QGuiApplication.clipboard()
    mime = clipboard.mimeData()
    if mime is None or not mime.formats():
        return
    text = mime.text() if mime.hasText() else ""
    if text:
        clipboard.setText(text)  # the user keeps what they copied, as plain text
    else:
        clipboard.clear()
