"""What a post did, change by change: the outcome, the exact resolved requests (with the
`dryrun-…` ids of a rehearsal), the idempotency key, and Snap's answer or the error."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from snapdesk.changes import ChangeResult, PostReport
from snapdesk.core.kinds import LABEL
from snapdesk.ui._signals import emit
from snapdesk.ui.models.changes import ACTION_LABEL
from snapdesk.ui.views import _changes_style

OUTCOME_LABEL = {
    "posted": "Posted",
    "dry-run": "Rehearsed",
    "failed": "Failed",
    "conflict": "Conflict",
    "skipped": "Skipped",
    "blocked": "Blocked",
}


def summary_text(report: PostReport) -> str:
    counts: dict[str, int] = {}
    for result in report.results:
        counts[result.outcome] = counts.get(result.outcome, 0) + 1
    if report.blocked:
        return "Live post stopped by the spend guards: nothing was sent"
    if not report.live:
        n = counts.get("dry-run", 0)
        text = (
            f"Dry-run: {n} change{'s' if n != 1 else ''} rehearsed · nothing was sent to Snap · "
            "the changes stay pending"
        )
    else:
        n = counts.get("posted", 0)
        text = f"Live: {n} change{'s' if n != 1 else ''} posted to Snap"
    others = [
        f"{count} {OUTCOME_LABEL.get(outcome, outcome).lower()}"
        for outcome, count in counts.items()
        if outcome not in ("dry-run", "posted")
    ]
    return text + (" · " + ", ".join(others) if others else "")


def result_text(result: ChangeResult) -> str:
    lines = [f"Idempotency-Key: {result.idempotency_key or '—'}"]
    if result.created_id:
        lines.append(f"Created id: {result.created_id}")
    if result.error:
        lines.append(f"Error: {result.error}")
    for conflict in result.conflicts:
        lines.append(
            f"Conflict on {conflict.field}: base {conflict.base!r}, yours {conflict.mine!r}, "
            f"Snap's {conflict.theirs!r}"
        )
    for request in result.requests:
        lines.append("")
        lines.append(request.describe())
        if request.upload is not None:
            upload = request.upload
            lines.append(
                f"file = {upload.get('file_name')} ({int(upload.get('file_size') or 0):,} bytes)"
            )
        elif request.body is not None:
            lines.append(json.dumps(request.body, indent=2, ensure_ascii=False))
    if result.response is not None:
        lines.append("")
        lines.append("Response:")
        lines.append(json.dumps(result.response, indent=2, ensure_ascii=False)[:4000])
    return "\n".join(lines)


class PostResultsDialog(QDialog):
    """Non-modal; open with `open()`/`show()`. `resolve_requested()` when the user asks to
    resolve the conflicts the post found."""

    resolve_requested = Signal()

    def __init__(self, report: PostReport, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.report = report
        self.setWindowTitle("Live post results" if report.live else "Dry-run results")
        self.resize(1180, 640)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 14)
        layout.setSpacing(10)
        title = QLabel("Live post" if report.live else "Dry-run rehearsal")
        title.setObjectName("dialogTitle")
        layout.addWidget(title)
        self.summary_label = QLabel(summary_text(report))
        self.summary_label.setWordWrap(True)
        layout.addWidget(self.summary_label)

        splitter = QSplitter(Qt.Orientation.Vertical)
        self.table = QTableWidget(0, 4)
        self.table.setAccessibleName("Results per change")
        self.table.setTabKeyNavigation(False)
        self.table.setHorizontalHeaderLabels(["Result", "Change", "Request", "Id"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(1, 330)
        header.resizeSection(3, 230)
        header.setStretchLastSection(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        for result in report.results:
            self._add(result)
        self.table.currentCellChanged.connect(self._on_table_current_cell_changed)
        splitter.addWidget(self.table)
        self.detail = QPlainTextEdit()
        self.detail.setAccessibleName("Requests and answers of the selected change")
        self.detail.setObjectName("requestPreview")
        self.detail.setReadOnly(True)
        self.detail.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        splitter.addWidget(self.detail)
        splitter.setSizes([260, 300])
        layout.addWidget(splitter, 1)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.resolve_button = QPushButton("Resolve conflicts…")
        self.resolve_button.setVisible(bool(report.conflicts))
        self.resolve_button.clicked.connect(self._on_resolve_button_clicked)
        self.close_button = QPushButton("Close")
        self.close_button.setObjectName("primaryButton")
        self.close_button.setDefault(True)
        self.close_button.clicked.connect(self.accept)
        buttons.addWidget(self.resolve_button)
        buttons.addWidget(self.close_button)
        layout.addLayout(buttons)
        _changes_style.apply(self)
        if report.results:
            self.table.selectRow(0)
            self._show(0)

    def _add(self, result: ChangeResult) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        background, color = _changes_style.state_colors(result.outcome)
        outcome = QTableWidgetItem(OUTCOME_LABEL.get(result.outcome, result.outcome))
        from PySide6.QtGui import QColor

        outcome.setForeground(QColor(color))
        outcome.setBackground(QColor(background))
        noun = LABEL.get(result.kind, result.kind).lower()
        action = ACTION_LABEL.get(result.action, result.action)
        change = QTableWidgetItem(f"{action} {noun} · {result.label or result.entity_id}")
        requests = " ; ".join(r.describe() for r in result.requests) or (result.error or "—")
        request = QTableWidgetItem(requests)
        request.setToolTip(requests)
        created = QTableWidgetItem(result.created_id or "")
        for column, item in enumerate((outcome, change, request, created)):
            self.table.setItem(row, column, item)

    def _show(self, row: int) -> None:
        if 0 <= row < len(self.report.results):
            self.detail.setPlainText(result_text(self.report.results[row]))

    def _on_table_current_cell_changed(self, row: int, *_args: int) -> None:
        self._show(row)

    def _on_resolve_button_clicked(self) -> None:
        emit(self.resolve_requested)
        self.accept()
