"""Change the budgets or bids of many entities at once: a new amount or ±%, previewed per
entity (old → new, in its account's currency) before anything is queued."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Literal

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from snapdesk.changes import BudgetPreview, ChangeError, ChangeGroup, EditService
from snapdesk.changes.edits import EntityRef
from snapdesk.core.kinds import LABEL
from snapdesk.core.money import MoneyError, format_money
from snapdesk.ui import theme
from snapdesk.ui._signals import emit
from snapdesk.ui.views import _changes_style

Mode = Literal["budget", "bid"]


def _money(micro: int | None, currency: str | None) -> str:
    if micro is None:
        return "—"
    return format_money(micro, currency) if currency else f"{micro:,} micro"


class BulkAmountDialog(QDialog):
    """Signals: `applied(object)` with the queued `ChangeGroup`."""

    applied = Signal(object)

    def __init__(
        self,
        edits: EditService,
        items: Sequence[EntityRef],
        *,
        mode: Mode = "budget",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._edits = edits
        self._items = list(items)
        self._mode = mode
        self._previews: list[BudgetPreview] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(200)
        self._timer.timeout.connect(self.update_preview)
        noun = "budgets" if mode == "budget" else "bids"
        self.setWindowTitle(f"Change {noun}")
        self.resize(900, 520)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 14)
        layout.setSpacing(10)
        title = QLabel(
            f"Change {noun} of {len(self._items)} selected item{'s' if len(self._items) != 1 else ''}"
        )
        title.setObjectName("dialogTitle")
        layout.addWidget(title)
        hint = QLabel(
            "Campaigns change their daily budget, ad squads their daily or lifetime budget."
            if mode == "budget"
            else "Only ad squads with a max bid or target cost have a bid; auto-bid squads are "
            "skipped."
        )
        hint.setObjectName("muted")
        hint.setWordWrap(True)
        layout.addWidget(hint)

        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        self.value_radio = QRadioButton("Set to")
        self.percent_radio = QRadioButton("Change by")
        self._group = QButtonGroup(self)
        self._group.addButton(self.value_radio)
        self._group.addButton(self.percent_radio)
        self.percent_radio.setChecked(True)
        self.value_edit = QLineEdit()
        self.value_edit.setAccessibleName("New amount")
        self.value_edit.setPlaceholderText("e.g. 25.00 (in each account's currency)")
        self.value_edit.setMinimumWidth(300)
        self.percent_edit = QLineEdit()
        self.percent_edit.setAccessibleName("Change by percent")
        self.percent_edit.setPlaceholderText("e.g. +10 or -15")
        percent_suffix = QLabel("%")
        percent_suffix.setObjectName("muted")
        grid.addWidget(self.value_radio, 0, 0)
        grid.addWidget(self.value_edit, 0, 1)
        grid.addWidget(self.percent_radio, 1, 0)
        percent_row = QHBoxLayout()
        percent_row.addWidget(self.percent_edit)
        percent_row.addWidget(percent_suffix)
        grid.addLayout(percent_row, 1, 1)
        grid.setColumnStretch(2, 1)
        layout.addLayout(grid)
        self.error_label = QLabel()
        self.error_label.setObjectName("fieldError")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        layout.addWidget(self.error_label)

        self.table = QTableWidget(0, 5)
        self.table.setAccessibleName("Preview of the new amounts")
        self.table.setTabKeyNavigation(False)
        self.table.setHorizontalHeaderLabels(["Item", "Field", "Now", "→ New", "Note"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(0, 300)
        for column in (1, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)
        self.summary_label = QLabel()
        self.summary_label.setObjectName("muted")
        layout.addWidget(self.summary_label)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.reject)
        self.apply_button = QPushButton("Queue changes")
        self.apply_button.setObjectName("primaryButton")
        self.apply_button.setEnabled(False)
        self.apply_button.clicked.connect(self._on_apply_button_clicked)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.apply_button)
        layout.addLayout(buttons)
        for edit in (self.value_edit, self.percent_edit):
            edit.textEdited.connect(self._on_input_edited)
        self._group.buttonToggled.connect(self._on_input_edited)
        _changes_style.apply(self)
        self.update_preview()

    # -- public API ------------------------------------------------------------------------

    @property
    def previews(self) -> list[BudgetPreview]:
        return list(self._previews)

    def set_value(self, text: str) -> None:
        self.value_radio.setChecked(True)
        self.value_edit.setText(text)
        self.update_preview()

    def set_percent(self, text: str) -> None:
        self.percent_radio.setChecked(True)
        self.percent_edit.setText(text)
        self.update_preview()

    def _arguments(self) -> dict[str, object] | None:
        if self.value_radio.isChecked():
            text = self.value_edit.text().strip()
            return {"value": text} if text else None
        text = self.percent_edit.text().strip().rstrip("%").strip()
        if not text:
            return None
        try:
            return {"percent": Decimal(text.replace("−", "-"))}
        except InvalidOperation:
            raise ChangeError(f"{text!r} is not a percentage (type e.g. 10 or -15)") from None

    def update_preview(self) -> list[BudgetPreview]:
        self._timer.stop()
        self.table.setRowCount(0)
        self._previews = []
        self.error_label.hide()
        try:
            args = self._arguments()
            if args is not None:
                preview = (
                    self._edits.preview_budgets
                    if self._mode == "budget"
                    else self._edits.preview_bids
                )
                self._previews = preview(self._items, **args)  # type: ignore[arg-type]
        except (ChangeError, MoneyError) as exc:
            message = exc.message if isinstance(exc, ChangeError) else str(exc)
            self.error_label.setText(message)
            self.error_label.show()
        c = theme.colors()
        for item in self._previews:
            row = self.table.rowCount()
            self.table.insertRow(row)
            noun = LABEL.get(item.kind, item.kind)
            note = item.skipped or "; ".join(i.message for i in item.issues)
            if not note and item.new_micro == item.old_micro:
                note = "No change"
            cells = [
                QTableWidgetItem(f"{noun} · {item.name or item.entity_id}"),
                QTableWidgetItem(
                    (item.field or "").removesuffix("_micro").replace("_", " ") or "—"
                ),
                QTableWidgetItem(_money(item.old_micro, item.currency)),
                QTableWidgetItem(
                    _money(item.new_micro, item.currency) if item.new_micro is not None else "—"
                ),
                QTableWidgetItem(note),
            ]
            if item.applies:
                up = (item.new_micro or 0) > (item.old_micro or 0)
                cells[3].setForeground(QColor(c.warning if up else c.success))
            else:
                for cell in cells:
                    cell.setForeground(QColor(c.muted))
            if any(i.is_error for i in item.issues):
                cells[4].setForeground(QColor(c.danger))
            for column, cell in enumerate(cells):
                self.table.setItem(row, column, cell)
        self.table.resizeRowsToContents()
        applies = sum(1 for p in self._previews if p.applies)
        if self._previews:
            skipped = len(self._previews) - applies
            self.summary_label.setText(
                f"{applies} will change" + (f" · {skipped} unchanged or skipped" if skipped else "")
            )
        else:
            self.summary_label.setText("Type an amount or a percentage to preview")
        self.apply_button.setEnabled(applies > 0)
        return self._previews

    def apply(self) -> ChangeGroup | None:
        self.update_preview()
        try:
            args = self._arguments()
            if args is None:
                return None
            adjust = (
                self._edits.adjust_budgets if self._mode == "budget" else self._edits.adjust_bids
            )
            group = adjust(self._items, **args)  # type: ignore[arg-type]
        except (ChangeError, MoneyError) as exc:
            self.error_label.setText(exc.message if isinstance(exc, ChangeError) else str(exc))
            self.error_label.show()
            return None
        emit(self.applied, group)
        self.accept()
        return group

    def _on_input_edited(self, *_args: object) -> None:
        self._timer.start()

    def _on_apply_button_clicked(self) -> None:
        self.apply()
