"""The audit log viewer: every attempt to write to Snap (live and dry-run), filterable by ad
account, result, mode and text, exportable as CSV or JSON."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from snapdesk.changes import ChangeRepository, export_audit
from snapdesk.store import Store
from snapdesk.ui.models.changes import AuditLogModel
from snapdesk.ui.views import _changes_style

RESULTS = ("ok", "failed", "dry-run", "conflict", "blocked", "skipped")


class AuditLogDialog(QDialog):
    """Non-modal window over the append-only audit log; `reload()` re-reads it."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._repository = ChangeRepository(store)
        self._export_dialog: QFileDialog | None = None
        self.model = AuditLogModel(store, self)
        self.setWindowTitle("Audit log")
        self.resize(1100, 640)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.setSpacing(8)
        title = QLabel("Audit log")
        title.setObjectName("dialogTitle")
        layout.addWidget(title)
        note = QLabel(
            "Every request the write gateway sent (live) or rehearsed (dry-run): who, when, the "
            "request, Snap's answer and the result. Entries are never changed or removed."
        )
        note.setObjectName("muted")
        note.setWordWrap(True)
        layout.addWidget(note)

        filters = QHBoxLayout()
        filters.setSpacing(8)
        self.account_combo = QComboBox()
        self.account_combo.setAccessibleName("Ad account")
        self.account_combo.addItem("All ad accounts", None)
        for account in store.ad_accounts():
            self.account_combo.addItem(account.name or account.id, account.id)
        self.result_combo = QComboBox()
        self.result_combo.setAccessibleName("Result")
        self.result_combo.addItem("Any result", None)
        for result in RESULTS:
            self.result_combo.addItem(result, result)
        self.mode_combo = QComboBox()
        self.mode_combo.setAccessibleName("Mode")
        self.mode_combo.addItem("Live and dry-run", None)
        self.mode_combo.addItem("Live only", "live")
        self.mode_combo.addItem("Dry-run only", "dry-run")
        self.text_edit = QLineEdit()
        self.text_edit.setAccessibleName("Find in path or request body")
        self.text_edit.setPlaceholderText("Find in path or request body…")
        self.text_edit.setClearButtonEnabled(True)
        for widget in (self.account_combo, self.result_combo, self.mode_combo):
            filters.addWidget(widget)
            widget.currentIndexChanged.connect(self.reload)
        filters.addWidget(self.text_edit, 1)
        layout.addLayout(filters)
        self._text_timer = QTimer(self)
        self._text_timer.setSingleShot(True)
        self._text_timer.setInterval(250)
        self._text_timer.timeout.connect(self.reload)
        self.text_edit.textChanged.connect(self._text_timer.start)

        splitter = QSplitter(Qt.Orientation.Vertical)
        self.table = QTableView()
        self.table.setAccessibleName("Posted changes")
        self.table.setTabKeyNavigation(False)
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        for column, width in ((0, 150), (1, 70), (2, 70), (3, 170), (5, 60), (6, 120), (7, 90)):
            header.resizeSection(column, width)
        self.table.selectionModel().currentRowChanged.connect(self._on_table_current_row_changed)
        splitter.addWidget(self.table)
        self.detail = QPlainTextEdit()
        self.detail.setAccessibleName("Request and response of the selected change")
        self.detail.setObjectName("requestPreview")
        self.detail.setReadOnly(True)
        splitter.addWidget(self.detail)
        splitter.setSizes([400, 200])
        layout.addWidget(splitter, 1)

        bottom = QHBoxLayout()
        self.count_label = QLabel()
        self.count_label.setObjectName("muted")
        bottom.addWidget(self.count_label, 1)
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip("Save the entries shown as CSV or JSON")
        self.export_button.clicked.connect(self.choose_export_file)
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.close)
        bottom.addWidget(self.export_button)
        bottom.addWidget(self.close_button)
        layout.addLayout(bottom)
        _changes_style.apply(self)
        self.reload()

    def reload(self) -> None:
        self._text_timer.stop()
        entries = self._repository.audit_log(
            ad_account_id=self.account_combo.currentData(),
            result=self.result_combo.currentData(),
            mode=self.mode_combo.currentData(),
            text=self.text_edit.text().strip() or None,
        )
        self.model.set_entries(entries)
        n = len(entries)
        self.count_label.setText(f"{n:,} entr{'ies' if n != 1 else 'y'}")
        self.export_button.setEnabled(bool(entries))
        self.detail.clear()

    def export_to(self, path: str | Path) -> Path:
        return export_audit(self.model.entries, path)

    def choose_export_file(self) -> None:
        dialog = QFileDialog(self, "Export audit log")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setNameFilters(["CSV (*.csv)", "JSON (*.json)"])
        dialog.setDefaultSuffix("csv")
        dialog.selectFile("snapdesk-audit.csv")
        dialog.filterSelected.connect(
            lambda name: dialog.setDefaultSuffix("json" if "json" in name else "csv")
        )
        dialog.fileSelected.connect(self._on_export_file_selected)
        self._export_dialog = dialog
        dialog.open()

    def _on_export_file_selected(self, path: str) -> None:
        try:
            target = self.export_to(path)
        except (OSError, ValueError) as exc:
            self.count_label.setText(f"Export failed: {exc}")
            return
        self.count_label.setText(f"Exported {len(self.model.entries):,} entries to {target}")

    def _on_table_current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        entry = self.model.entry(current.row())
        if entry is None:
            self.detail.clear()
            return
        body = (
            json.dumps(entry.request_body, indent=2, ensure_ascii=False)
            if entry.request_body is not None
            else "(no body)"
        )
        self.detail.setPlainText(
            f"{entry.method} {entry.path}\nIdempotency-Key: {entry.idempotency_key or '—'}\n"
            f"Mode: {entry.mode} · result: {entry.result} · by {entry.profile or '—'} at {entry.at}\n"
            f"\n{body}\n\nResponse ({entry.response_status or '—'}):\n{entry.response_excerpt or ''}"
        )
