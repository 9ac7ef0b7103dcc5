"""Rename many entities with find & replace, previewed (old → new) before it is queued."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from snapdesk.changes import ChangeError, ChangeGroup, EditService, RenamePreview
from snapdesk.changes.edits import EntityRef
from snapdesk.core.kinds import LABEL
from snapdesk.ui._signals import emit
from snapdesk.ui.views import _changes_style


class BulkRenameDialog(QDialog):
    """Signals: `applied(object)` with the queued `ChangeGroup`."""

    applied = Signal(object)

    def __init__(
        self, edits: EditService, items: Sequence[EntityRef], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._edits = edits
        self._items = list(items)
        self._previews: list[RenamePreview] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(200)
        self._timer.timeout.connect(self.update_preview)
        self.setWindowTitle("Find & replace in names")
        self.resize(760, 480)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 14)
        layout.setSpacing(10)
        n = len(self._items)
        title = QLabel(f"Rename {n} selected item{'s' if n != 1 else ''}")
        title.setObjectName("dialogTitle")
        layout.addWidget(title)
        form = QFormLayout()
        self.find_edit = QLineEdit()
        self.find_edit.setPlaceholderText("Text to find (case-sensitive)")
        self.replace_edit = QLineEdit()
        self.replace_edit.setPlaceholderText("Replace with (empty: remove)")
        form.addRow("Find", self.find_edit)
        form.addRow("Replace with", self.replace_edit)
        layout.addLayout(form)
        self.table = QTableWidget(0, 3)
        self.table.setAccessibleName("Preview of the new names")
        self.table.setTabKeyNavigation(False)
        self.table.setHorizontalHeaderLabels(["Item", "Name now", "→ New name"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)
        self.summary_label = QLabel()
        self.summary_label.setObjectName("muted")
        layout.addWidget(self.summary_label)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.reject)
        self.apply_button = QPushButton("Queue renames")
        self.apply_button.setObjectName("primaryButton")
        self.apply_button.setEnabled(False)
        self.apply_button.clicked.connect(self._on_apply_button_clicked)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.apply_button)
        layout.addLayout(buttons)
        self.find_edit.textEdited.connect(self._on_input_edited)
        self.replace_edit.textEdited.connect(self._on_input_edited)
        _changes_style.apply(self)
        self.update_preview()

    @property
    def previews(self) -> list[RenamePreview]:
        return list(self._previews)

    def update_preview(self) -> list[RenamePreview]:
        self._timer.stop()
        self.table.setRowCount(0)
        self._previews = []
        find = self.find_edit.text()
        if find:
            try:
                self._previews = self._edits.preview_rename(
                    self._items, find, self.replace_edit.text()
                )
            except ChangeError as exc:
                self.summary_label.setText(exc.message)
        for item in self._previews:
            row = self.table.rowCount()
            self.table.insertRow(row)
            self.table.setItem(row, 0, QTableWidgetItem(LABEL.get(item.kind, item.kind)))
            self.table.setItem(row, 1, QTableWidgetItem(item.old_name))
            self.table.setItem(row, 2, QTableWidgetItem(item.new_name))
        if not find:
            self.summary_label.setText("Type the text to find")
        else:
            n = len(self._previews)
            self.summary_label.setText(
                f"{n} of {len(self._items)} name{'s' if len(self._items) != 1 else ''} change"
            )
        self.apply_button.setEnabled(bool(self._previews))
        return self._previews

    def apply(self) -> ChangeGroup | None:
        if not self.update_preview():
            return None
        try:
            group = self._edits.rename(self._items, self.find_edit.text(), self.replace_edit.text())
        except ChangeError as exc:
            self.summary_label.setText(exc.message)
            return None
        emit(self.applied, group)
        self.accept()
        return group

    def _on_input_edited(self, *_args: object) -> None:
        self._timer.start()

    def _on_apply_button_clicked(self) -> None:
        self.apply()
