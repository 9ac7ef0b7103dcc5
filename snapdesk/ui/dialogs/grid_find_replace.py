"""Find & replace in the names of grid rows (Ctrl+H in the grid): match case, whole word,
regular expression; a preview of every name that changes (old → new) before anything is
queued, then one undo step (`snapdesk.grid.editing.find_replace`)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
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

from snapdesk.changes import EditService
from snapdesk.core.kinds import LABEL
from snapdesk.grid.editing import (
    EditOutcome,
    FindError,
    Rename,
    find_replace,
    preview_find_replace,
)
from snapdesk.grid.rows import GridRow
from snapdesk.ui._signals import emit
from snapdesk.ui.views import _changes_style


class GridFindReplaceDialog(QDialog):
    """Signals: `applied(object)` with the `EditOutcome` once the renames are queued."""

    applied = Signal(object)

    def __init__(
        self,
        edits: EditService,
        rows: Sequence[GridRow],
        *,
        scope_text: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._edits = edits
        self._rows = list(rows)
        self._renames: list[Rename] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(150)
        self._timer.timeout.connect(self.update_preview)
        self.setWindowTitle("Find & replace in names")
        self.resize(780, 500)
        self._setup_ui(scope_text)
        _changes_style.apply(self)
        self.update_preview()

    def _setup_ui(self, scope_text: str) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 14)
        layout.setSpacing(10)
        n = len(self._rows)
        title = QLabel(
            scope_text or f"Find & replace in the names of {n} row{'s' if n != 1 else ''}"
        )
        title.setObjectName("dialogTitle")
        layout.addWidget(title)
        form = QFormLayout()
        self.find_edit = QLineEdit()
        self.find_edit.setPlaceholderText("Text to find")
        self.replace_edit = QLineEdit()
        self.replace_edit.setPlaceholderText("Replace with (empty: remove)")
        form.addRow("&Find", self.find_edit)
        form.addRow("&Replace with", self.replace_edit)
        layout.addLayout(form)
        options = QHBoxLayout()
        self.case_box = QCheckBox("Match &case")
        self.whole_box = QCheckBox("&Whole word")
        self.regex_box = QCheckBox("Regular e&xpression")
        self.regex_box.setToolTip(r"Python syntax; the replacement may use \1 or \g<name>")
        for box in (self.case_box, self.whole_box, self.regex_box):
            options.addWidget(box)
            box.toggled.connect(self._on_option_toggled)
        options.addStretch(1)
        layout.addLayout(options)
        self.table = QTableWidget(0, 3)
        self.table.setAccessibleName("Preview of the new names")
        self.table.setTabKeyNavigation(False)
        self.table.setHorizontalHeaderLabels(["Item", "Name now", "→ New name"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)
        self.summary_label = QLabel()
        self.summary_label.setObjectName("muted")
        self.summary_label.setWordWrap(True)
        self.summary_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.summary_label)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.reject)
        self.apply_button = QPushButton("Replace")
        self.apply_button.setObjectName("primaryButton")
        self.apply_button.setEnabled(False)
        self.apply_button.setDefault(True)
        self.apply_button.clicked.connect(self._on_apply_button_clicked)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.apply_button)
        layout.addLayout(buttons)
        self.find_edit.textEdited.connect(self._on_input_edited)
        self.replace_edit.textEdited.connect(self._on_input_edited)

    @property
    def renames(self) -> list[Rename]:
        return list(self._renames)

    def _options(self) -> dict[str, bool]:
        return {
            "case": self.case_box.isChecked(),
            "whole": self.whole_box.isChecked(),
            "regex": self.regex_box.isChecked(),
        }

    def update_preview(self) -> list[Rename]:
        """Recompute the preview from what is typed now."""
        self._timer.stop()
        self._renames = []
        find = self.find_edit.text()
        error = ""
        if find:
            try:
                self._renames = preview_find_replace(
                    self._rows, find, self.replace_edit.text(), **self._options()
                )
            except FindError as exc:
                error = str(exc)
        self.table.setRowCount(len(self._renames))
        for i, rename in enumerate(self._renames):
            kind = QTableWidgetItem(LABEL.get(rename.row.kind, rename.row.kind))
            old = QTableWidgetItem(rename.old)
            new = QTableWidgetItem(rename.new)
            old.setToolTip(rename.old)
            new.setToolTip(rename.new)
            for column, item in enumerate((kind, old, new)):
                self.table.setItem(i, column, item)
        n = len(self._renames)
        if error:
            self.summary_label.setText(error)
            self.summary_label.setObjectName("fieldError")
        elif not find:
            self.summary_label.setText("Type the text to find")
            self.summary_label.setObjectName("muted")
        else:
            self.summary_label.setText(
                f"{n} of {len(self._rows)} name{'s' if len(self._rows) != 1 else ''} change"
            )
            self.summary_label.setObjectName("muted")
        self.summary_label.style().unpolish(self.summary_label)
        self.summary_label.style().polish(self.summary_label)
        self.apply_button.setText(f"Replace in {n} name{'s' if n != 1 else ''}" if n else "Replace")
        self.apply_button.setEnabled(bool(n))
        return self._renames

    def apply(self) -> EditOutcome | None:
        """Queue the renames (what Replace does); the dialog stays open when they are refused."""
        if not self.update_preview():
            return None
        outcome = find_replace(
            self._edits, self._rows, self.find_edit.text(), self.replace_edit.text(),
            **self._options(),
        )  # fmt: skip
        if not outcome.ok:
            self.summary_label.setText(outcome.message)
            self.summary_label.setObjectName("fieldError")
            self.summary_label.style().unpolish(self.summary_label)
            self.summary_label.style().polish(self.summary_label)
            return outcome
        emit(self.applied, outcome)
        self.accept()
        return outcome

    def _on_input_edited(self, *_args: object) -> None:
        self._timer.start()

    def _on_option_toggled(self, *_args: object) -> None:
        self.update_preview()

    def _on_apply_button_clicked(self) -> None:
        self.apply()
