"""What a post did, change by change: the outcome, the exact resolved requests (with the
`dryrun-…` ids of a rehearsal), the idempotency key, and Snap's answer or the error.

Above the results, what Check changes found (issue 13): errors (the post was blocked: nothing
rehearsed or sent), spend guards that need a confirmation when posted live, and warnings — each
with the entity, the field and what to do. `check_only=True` shows Check changes run on demand
(F7 in Pending Changes), where nothing was posted at all.

Go to (issue 16): double-clicking a finding, its "Go to ›" cell, or the Go to button with a
finding selected emits `go_to_requested(kind, entity_id, field)`; the window connects it to the
grid (`GridView.go_to`), which selects that cell. The dialog stays open for the next finding."""

from __future__ import annotations

import json

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QResizeEvent, QShowEvent
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
from snapdesk.changes.model import CheckIssue, GuardViolation
from snapdesk.core.kinds import LABEL
from snapdesk.ui import theme
from snapdesk.ui._signals import emit
from snapdesk.ui.models.changes import ACTION_LABEL, field_label
from snapdesk.ui.views import _changes_style

OUTCOME_LABEL = {
    "posted": "Posted",
    "dry-run": "Rehearsed",
    "failed": "Failed",
    "conflict": "Conflict",
    "skipped": "Skipped",
    "blocked": "Blocked",
}


ISSUE_LABEL = {"error": "Error", "confirm": "Confirm", "warning": "Warning"}
# Go to (issue 16): where each finding row points, on its first cell; the link column.
GO_TO_ROLE = Qt.ItemDataRole.UserRole + 31
GO_TO_COLUMN = 5
GO_TO_TEXT = "Go to ›"
# The outcome colours of the results table that each kind of finding borrows.
_ISSUE_TONE = {"error": "failed", "confirm": "sending", "warning": "skipped"}
GUARD_REMEDY = (
    "Post live and confirm it if the amount is right; otherwise change it in the editor. "
    "The limits are in Preferences → Safety"
)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def check_summary_text(report: PostReport) -> str:
    """Check changes on demand: what was found, or that nothing was."""
    errors, warnings = len(report.check_errors), len(report.check_warnings)
    confirms = len(report.guard_violations)
    if not (errors or warnings or confirms):
        return "No problems found: Snap's rules and your spend guards allow every pending change"
    parts = []
    if errors:
        parts.append(f"{_plural(errors, 'error')} {'block' if errors != 1 else 'blocks'} posting")
    if confirms:
        parts.append(
            f"{confirms} need{'s' if confirms == 1 else ''} your confirmation to post live"
        )
    if warnings:
        parts.append(_plural(warnings, "warning"))
    return "Check changes: " + " · ".join(parts) + " · nothing was sent"


def summary_text(report: PostReport) -> str:
    counts: dict[str, int] = {}
    for result in report.results:
        counts[result.outcome] = counts.get(result.outcome, 0) + 1
    errors = report.check_errors
    if report.blocked and errors:
        done = "nothing was sent to Snap" if report.live else "nothing was rehearsed"
        return (
            f"Check changes found {_plural(len(errors), 'error')}: {done}. Fix the fields "
            "listed below (or revert those changes), then post again"
        )
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
    if not report.live and report.guard_violations:
        n = len(report.guard_violations)
        others.append(f"{n} need{'s' if n == 1 else ''} confirmation when posted live")
    if report.check_warnings:
        others.append(_plural(len(report.check_warnings), "warning"))
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


def _fit_rows(table: QTableWidget, padding: int = 10) -> None:
    """Rows as tall as their wrapped text, with some air."""
    table.resizeRowsToContents()
    for row in range(table.rowCount()):
        table.setRowHeight(row, table.rowHeight(row) + padding)


class PostResultsDialog(QDialog):
    """Non-modal; open with `open()`/`show()`. `resolve_requested()` when the user asks to
    resolve the conflicts the post found; `go_to_requested(kind, entity_id, field)` when the
    user asks to see a finding's cell."""

    resolve_requested = Signal()
    go_to_requested = Signal(str, str, str)

    def __init__(
        self, report: PostReport, parent: QWidget | None = None, *, check_only: bool = False
    ) -> None:
        super().__init__(parent)
        self.report = report
        self.check_only = check_only
        if check_only:
            window_title = heading = "Check changes"
        elif report.live:
            window_title, heading = "Live post results", "Live post"
        else:
            window_title, heading = "Dry-run results", "Dry-run rehearsal"
        if report.blocked and report.check_errors and not check_only:
            heading += " — blocked by Check changes"
        self.setWindowTitle(window_title)
        self.resize(1180, 640)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 14)
        layout.setSpacing(10)
        title = QLabel(heading)
        title.setObjectName("dialogTitle")
        layout.addWidget(title)
        self.summary_label = QLabel(
            check_summary_text(report) if check_only else summary_text(report)
        )
        self.summary_label.setWordWrap(True)
        layout.addWidget(self.summary_label)

        splitter = QSplitter(Qt.Orientation.Vertical)
        self.issues_table = self._issues_table(report)
        splitter.addWidget(self.issues_table)
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
        has_results = bool(report.results)
        self.table.setVisible(has_results)
        self.detail.setVisible(has_results)
        if has_results and self.issues_table.rowCount():
            splitter.setSizes([150, 220, 260])
        else:
            splitter.setSizes([260, 260, 300])
        layout.addWidget(splitter, 1)

        buttons = QHBoxLayout()
        # Go to (issue 16): the selected finding's cell in the grid.
        self.go_to_button = QPushButton("Go to")
        self.go_to_button.setToolTip("Select the entity and field of the selected finding (Enter)")
        self.go_to_button.setEnabled(False)
        self.go_to_button.setVisible(self.issues_table.rowCount() > 0)
        self.go_to_button.clicked.connect(self._on_go_to_button_clicked)
        self.issues_table.cellClicked.connect(self._on_issues_table_cell_clicked)
        self.issues_table.activated.connect(self._on_issues_table_activated)
        self.issues_table.itemSelectionChanged.connect(self._on_issues_table_item_selection_changed)
        buttons.addWidget(self.go_to_button)
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

    # -- Check changes -------------------------------------------------------------------------

    def _issues_table(self, report: PostReport) -> QTableWidget:
        """Errors first, then spend guards to confirm, then warnings: one row per finding."""
        table = QTableWidget(0, 6)
        table.setAccessibleName("What Check changes found")
        table.setObjectName("checkIssues")
        table.setTabKeyNavigation(False)
        table.setHorizontalHeaderLabels(["Check", "Change", "Field", "Problem", "What to do", ""])
        table.verticalHeader().hide()
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setWordWrap(True)
        header = table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(GO_TO_COLUMN, QHeaderView.ResizeMode.ResizeToContents)
        header.resizeSection(1, 250)
        header.resizeSection(2, 190)
        for issue in report.check_errors:
            self._add_issue(table, issue)
        for violation in report.guard_violations:
            self._add_violation(table, violation)
        for issue in report.check_warnings:
            self._add_issue(table, issue)
        # Wrapped text: re-fit the rows whenever the columns get their real widths.
        header.sectionResized.connect(lambda *_: _fit_rows(table))
        _fit_rows(table)
        table.setCurrentCell(-1, -1)
        table.setVisible(table.rowCount() > 0)
        return table

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        _fit_rows(self.issues_table)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        _fit_rows(self.issues_table)

    @staticmethod
    def _field_text(field: str) -> str:
        return f"{field_label(field)} ({field})"

    def _add_issue(self, table: QTableWidget, issue: CheckIssue) -> None:
        self._add_issue_row(
            table,
            issue.severity,
            kind=issue.kind,
            name=issue.name,
            entity_id=issue.entity_id,
            action=issue.action,
            field=issue.field,
            problem=issue.message,
            remedy=issue.remedy,
        )

    def _add_violation(self, table: QTableWidget, violation: GuardViolation) -> None:
        problem = violation.message.split(": ", 1)[-1]  # the entity has its own column
        self._add_issue_row(
            table,
            "confirm",
            kind=violation.kind,
            name=violation.name,
            entity_id=violation.entity_id,
            action=None,
            field=violation.field,
            problem=f"Spend guard: {problem}",
            remedy=GUARD_REMEDY,
        )

    def _add_issue_row(
        self,
        table: QTableWidget,
        severity: str,
        *,
        kind: str,
        name: str | None,
        entity_id: str,
        action: str | None,
        field: str,
        problem: str,
        remedy: str,
    ) -> None:
        from PySide6.QtGui import QColor

        row = table.rowCount()
        table.insertRow(row)
        background, color = _changes_style.state_colors(_ISSUE_TONE[severity])
        check = QTableWidgetItem(ISSUE_LABEL[severity])
        check.setForeground(QColor(color))
        check.setBackground(QColor(background))
        noun = LABEL.get(kind, kind)
        change = QTableWidgetItem(f"{noun} · {name or entity_id}")
        what = f"{ACTION_LABEL.get(action, action)}: " if action else ""
        change.setToolTip(f"{what}{noun} {name!r} ({entity_id})" if name else entity_id)
        items = [
            check,
            change,
            QTableWidgetItem(self._field_text(field)),
            QTableWidgetItem(problem),
            QTableWidgetItem(remedy),
        ]
        for column, item in enumerate(items):
            if column > 1:
                item.setToolTip(item.text())
            table.setItem(row, column, item)
        check.setData(GO_TO_ROLE, (kind, entity_id, field))
        link = QTableWidgetItem(GO_TO_TEXT)
        link.setForeground(QColor(theme.colors().accent))
        link.setToolTip(f"Select {noun.lower()} {name or entity_id!r}, field {field}")
        table.setItem(row, GO_TO_COLUMN, link)

    # -- Go to (issue 16) ----------------------------------------------------------------------

    def go_to_target(self, row: int) -> tuple[str, str, str] | None:
        """(kind, entity_id, field) of the finding on `row` of the issues table."""
        item = self.issues_table.item(row, 0)
        target = item.data(GO_TO_ROLE) if item is not None else None
        return tuple(target) if target else None

    def go_to(self, row: int) -> bool:
        """Emit `go_to_requested` for the finding on `row` and close (the window is modal: the
        grid behind it could not be used); False when there is none."""
        target = self.go_to_target(row)
        if target is None:
            return False
        self.close()
        emit(self.go_to_requested, *target)
        return True

    def _on_issues_table_cell_clicked(self, row: int, column: int) -> None:
        if column == GO_TO_COLUMN:
            self.go_to(row)

    def _on_issues_table_activated(self, index: QModelIndex) -> None:
        """Double-click (or Enter, or a single click where the platform activates on one)."""
        if index.column() != GO_TO_COLUMN:  # the link cell answers its click itself
            self.go_to(index.row())

    def _on_issues_table_item_selection_changed(self) -> None:
        self.go_to_button.setEnabled(bool(self.issues_table.selectionModel().selectedRows()))

    def _on_go_to_button_clicked(self) -> None:
        rows = self.issues_table.selectionModel().selectedRows()
        if rows:
            self.go_to(rows[0].row())

    # -- results -------------------------------------------------------------------------------

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
