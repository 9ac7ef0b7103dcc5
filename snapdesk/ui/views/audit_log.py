"""The audit log viewer: every attempt to write to Snap (live and dry-run) as people read it —
when (in the ad account's time zone), the ad account, the entity by name, each field's old →
new value, the outcome with Snap's message, live or dry-run, and who (the login's email).

Filters: ad account, entity (name or id), date range (local days of each entry's account),
outcome and mode. The request and response stay in the detail pane for experts. Export writes
the rows shown as CSV (the columns of the table, one line per field change) or the raw
entries as JSON."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Final

from PySide6.QtCore import QDate, QModelIndex, QRect, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
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
from snapdesk.ui import audit_rows
from snapdesk.ui.models.changes import AuditLogModel
from snapdesk.ui.views import _changes_style

RESULTS: Final = tuple(audit_rows.OUTCOME_LABEL)
ANY_DATE: Final = "any"
CUSTOM: Final = "custom"
DATE_PRESETS: Final = (
    (ANY_DATE, "Any date"),
    ("today", "Today"),
    ("last_7_days", "Last 7 days"),
    ("last_30_days", "Last 30 days"),
    (CUSTOM, "Custom dates"),
)
CSV_FILTER: Final = "CSV — the columns shown (*.csv)"
JSON_FILTER: Final = "JSON — raw entries with requests and responses (*.json)"
# Initial widths of the columns; Change takes the rest.
_WIDTHS: Final = {
    audit_rows.ID_COLUMN: 34,
    audit_rows.WHEN_COLUMN: 104,
    audit_rows.ACCOUNT_COLUMN: 132,
    audit_rows.ENTITY_COLUMN: 176,
    audit_rows.OUTCOME_COLUMN: 150,
    audit_rows.MODE_COLUMN: 56,
    audit_rows.WHO_COLUMN: 200,
}
# Cells wrap (date above time, long names, one field per line, Snap's message); a row is as
# tall as its tallest cell, up to this many lines (the tooltip and the detail pane show all).
MAX_LINES: Final = 6


def session_who(session: Any) -> audit_rows.Who:
    """Who a profile key is, for the audit log: the login's email (profiles.json keeps it for
    every login, old entries included); on the sandbox, the sandbox user's email."""
    sandbox_email: str | None = None
    if session is not None and getattr(session, "is_sandbox", False):
        me = getattr(getattr(session.sandbox, "state", None), "me", None)
        if isinstance(me, dict) and me.get("email"):
            sandbox_email = str(me["email"])

    def who(profile: str | None) -> str:
        if not profile:
            return sandbox_email or "—"
        name = str(session.login_who(profile)) if session is not None else profile
        if name == profile and sandbox_email:
            return sandbox_email
        return name

    return who


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


class AuditLogDialog(QDialog):
    """Non-modal window over the append-only audit log; `reload()` re-reads it."""

    def __init__(self, store: Store, parent: QWidget | None = None, *, session: Any = None) -> None:
        super().__init__(parent)
        self._store = store
        self._repository = ChangeRepository(store)
        self._export_dialog: QFileDialog | None = None
        self._updating = False
        self._who = session_who(session)
        self.model = AuditLogModel(store, self, who=self._who)
        self._setup_ui()
        _changes_style.apply(self)
        self.reload()

    # -- construction ----------------------------------------------------------------------------

    def _setup_ui(self) -> None:
        self.setWindowTitle("Audit log")
        screen = QGuiApplication.primaryScreen()
        room = screen.availableGeometry() if screen is not None else None
        # as much as a 1280×800 screen leaves (less on a smaller one), never off the screen
        width = min(1240, room.width() - 40) if room is not None else 1240
        height = min(720, room.height() - 70) if room is not None else 720
        self.resize(max(480, width), max(400, height))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.setSpacing(8)
        title = QLabel("Audit log")
        title.setObjectName("dialogTitle")
        layout.addWidget(title)
        note = QLabel(
            "Every change snapdesk sent to Snap (live) or rehearsed (dry-run): when, in the ad "
            "account's time zone; the entity; each field's old → new value; the outcome and who "
            "posted it. Entries are never changed or removed. Select one for the exact request "
            "and Snap's answer."
        )
        note.setObjectName("muted")
        note.setWordWrap(True)
        layout.addWidget(note)

        filters = QHBoxLayout()
        filters.setSpacing(8)
        self.account_combo = QComboBox()
        self.account_combo.setAccessibleName("Ad account")
        self.account_combo.addItem("All ad accounts", None)
        for account in self._store.ad_accounts():
            self.account_combo.addItem(account.name or account.id, account.id)
        self.entity_edit = QLineEdit()
        self.entity_edit.setAccessibleName("Entity name or id")
        self.entity_edit.setPlaceholderText("Entity name or id…")
        self.entity_edit.setClearButtonEnabled(True)
        self.date_combo = QComboBox()
        self.date_combo.setAccessibleName("Dates")
        for key, text in DATE_PRESETS:
            self.date_combo.addItem(text, key)
        self.date_combo.setToolTip("Days in each entry's ad account time zone")
        self.from_edit = QDateEdit()
        self.from_edit.setAccessibleName("From")
        self.to_edit = QDateEdit()
        self.to_edit.setAccessibleName("To")
        today = date.today()
        for edit, tip in ((self.from_edit, "First day"), (self.to_edit, "Last day")):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("d MMM yyyy")
            edit.setDate(_qdate(today))
            edit.setToolTip(f"{tip} (included), in each entry's ad account time zone")
            edit.dateChanged.connect(self._on_date_edit_changed)
        dash = QLabel("–")
        dash.setObjectName("muted")
        self.result_combo = QComboBox()
        self.result_combo.setAccessibleName("Outcome")
        self.result_combo.addItem("Any outcome", None)
        for result in RESULTS:
            self.result_combo.addItem(audit_rows.OUTCOME_LABEL[result], result)
        self.mode_combo = QComboBox()
        self.mode_combo.setAccessibleName("Mode")
        self.mode_combo.addItem("Live and dry-run", None)
        self.mode_combo.addItem("Live only", "live")
        self.mode_combo.addItem("Dry-run only", "dry-run")
        filters.addWidget(self.account_combo)
        filters.addWidget(self.entity_edit, 1)
        for widget in (self.date_combo, self.from_edit, dash, self.to_edit):
            filters.addWidget(widget)
        filters.addWidget(self.result_combo)
        filters.addWidget(self.mode_combo)
        for combo in (self.account_combo, self.result_combo, self.mode_combo):
            combo.currentIndexChanged.connect(self.reload)
        self.date_combo.currentIndexChanged.connect(self._on_date_combo_changed)
        layout.addLayout(filters)
        self._text_timer = QTimer(self)
        self._text_timer.setSingleShot(True)
        self._text_timer.setInterval(250)
        self._text_timer.timeout.connect(self.reload)
        self.entity_edit.textChanged.connect(self._text_timer.start)
        self._apply_date_preset()

        splitter = QSplitter(Qt.Orientation.Vertical)
        self.table = QTableView()
        self.table.setAccessibleName("Posted changes")
        self.table.setTabKeyNavigation(False)
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(True)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(audit_rows.CHANGE_COLUMN, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(40)
        for column, width in _WIDTHS.items():
            header.resizeSection(column, width)
        self._fit_timer = QTimer(self)
        self._fit_timer.setSingleShot(True)
        self._fit_timer.setInterval(40)
        self._fit_timer.timeout.connect(self.fit_rows)
        header.sectionResized.connect(self._fit_timer.start)
        self.table.selectionModel().currentRowChanged.connect(self._on_table_current_row_changed)
        splitter.addWidget(self.table)
        self.detail = QPlainTextEdit()
        self.detail.setAccessibleName("The selected entry: its changes, request and response")
        self.detail.setObjectName("requestPreview")
        self.detail.setReadOnly(True)
        self.detail.setPlaceholderText(
            "Select an entry to see each change, the exact request and Snap's answer"
        )
        splitter.addWidget(self.detail)
        splitter.setSizes([420, 200])
        layout.addWidget(splitter, 1)

        bottom = QHBoxLayout()
        self.count_label = QLabel()
        self.count_label.setObjectName("muted")
        bottom.addWidget(self.count_label, 1)
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip(
            "Save the entries shown: CSV with the columns of the table (one line per field "
            "change), or JSON with the raw requests and responses"
        )
        self.export_button.clicked.connect(self.choose_export_file)
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.close)
        bottom.addWidget(self.export_button)
        bottom.addWidget(self.close_button)
        layout.addLayout(bottom)

    # -- public API ------------------------------------------------------------------------------

    @property
    def date_range(self) -> tuple[date | None, date | None]:
        """The local days shown (None: no bound)."""
        if self.date_combo.currentData() == ANY_DATE:
            return None, None
        first = self.from_edit.date().toPython()
        last = self.to_edit.date().toPython()
        assert isinstance(first, date) and isinstance(last, date)
        return first, last

    def set_date_range(self, first: date | None, last: date | None) -> None:
        """Show the entries of local days `first`..`last` (both None: any date)."""
        self._updating = True
        try:
            if first is None and last is None:
                self.date_combo.setCurrentIndex(self.date_combo.findData(ANY_DATE))
            else:
                start, end = first or last, last or first
                assert start is not None and end is not None
                if end < start:
                    start, end = end, start
                self.date_combo.setCurrentIndex(self.date_combo.findData(CUSTOM))
                self.from_edit.setDate(_qdate(start))
                self.to_edit.setDate(_qdate(end))
            self._enable_date_edits()
        finally:
            self._updating = False
        self.reload()

    def reload(self) -> None:
        self._text_timer.stop()
        first, last = self.date_range
        # a day anywhere on Earth lies within a day of the same UTC day
        since = f"{first - timedelta(days=1):%Y-%m-%d}" if first else None
        until = f"{last + timedelta(days=2):%Y-%m-%d}" if last else None
        entries = self._repository.audit_log(
            ad_account_id=self.account_combo.currentData(),
            result=self.result_combo.currentData(),
            mode=self.mode_combo.currentData(),
            since=since,
            until=until,
        )
        reader = audit_rows.AuditReader(self._store, who=self._who)
        rows = audit_rows.filter_rows(
            reader.rows(entries), entity=self.entity_edit.text(), first=first, last=last
        )
        self.model.set_rows(rows)
        self._fit_who(rows)
        self.fit_rows()
        n = len(rows)
        self.count_label.setText(f"{n:,} entr{'ies' if n != 1 else 'y'}")
        self.export_button.setEnabled(bool(rows))
        self.detail.clear()

    def _fit_who(self, rows: list[audit_rows.AuditRow]) -> None:
        """Widen Who to the longest email shown (an address is not cut in two), up to 340 px."""
        metrics = self.table.fontMetrics()
        needed = max((metrics.horizontalAdvance(r.who) for r in rows), default=0) + 14
        header = self.table.horizontalHeader()
        if header.sectionSize(audit_rows.WHO_COLUMN) < needed:
            header.resizeSection(audit_rows.WHO_COLUMN, min(340, needed))

    def fit_rows(self) -> None:
        """Make each row as tall as its wrapped cells need (at most `MAX_LINES` lines). Measured
        with the table's font, not through the delegates: cheap for thousands of rows."""
        self._fit_timer.stop()
        metrics = self.table.fontMetrics()
        line = metrics.lineSpacing()
        header = self.table.horizontalHeader()
        widths = [max(24, header.sectionSize(c) - 12) for c in range(len(audit_rows.COLUMNS))]
        vertical = self.table.verticalHeader()
        smallest = line + 10
        flags = int(Qt.TextFlag.TextWordWrap)
        for index, row in enumerate(self.model.rows):
            lines = 1
            for column, text in enumerate(row.cells()):
                width = widths[column]
                if "\n" not in text and metrics.horizontalAdvance(text) <= width:
                    continue
                box = metrics.boundingRect(QRect(0, 0, width, 100_000), flags, text)
                wrapped = max(
                    -(-box.height() // line),
                    sum(-(-metrics.horizontalAdvance(part) // width) for part in text.split("\n")),
                )
                lines = max(lines, min(MAX_LINES, wrapped))
            vertical.resizeSection(index, max(smallest, lines * line + 10))

    def export_to(self, path: str | Path) -> Path:
        """CSV: the rows shown with the table's columns; JSON: the raw entries."""
        target = Path(path)
        suffix = target.suffix.lower()
        if suffix == ".json":
            return export_audit(self.model.entries, target, fmt="json")
        if suffix == ".csv":
            return audit_rows.export_rows_csv(self.model.rows, target)
        raise ValueError(f"{target.name}: choose a .csv or .json file name")

    def choose_export_file(self) -> None:
        dialog = QFileDialog(self, "Export audit log")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setNameFilters([CSV_FILTER, JSON_FILTER])
        dialog.setDefaultSuffix("csv")
        dialog.selectFile("snapdesk-audit.csv")
        dialog.filterSelected.connect(
            lambda name: dialog.setDefaultSuffix("json" if "json" in name.lower() else "csv")
        )
        dialog.fileSelected.connect(self._on_export_file_selected)
        self._export_dialog = dialog
        dialog.open()

    # -- slots -----------------------------------------------------------------------------------

    def _on_export_file_selected(self, path: str) -> None:
        try:
            target = self.export_to(path)
        except (OSError, ValueError) as exc:
            self.count_label.setText(f"Export failed: {exc}")
            return
        n = len(self.model.entries)
        self.count_label.setText(f"Exported {n:,} entr{'ies' if n != 1 else 'y'} to {target}")

    def _on_table_current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        row = self.model.audit_row(current.row())
        if row is None:
            self.detail.clear()
            return
        self.detail.setPlainText(row.details())

    def _on_date_combo_changed(self, _index: int) -> None:
        if self._updating:
            return
        self._apply_date_preset()
        self.reload()

    def _on_date_edit_changed(self, _day: QDate) -> None:
        if self._updating:
            return
        self._updating = True
        try:
            if self.to_edit.date() < self.from_edit.date():
                other = self.to_edit if self.sender() is self.from_edit else self.from_edit
                other.setDate(self.sender().date())  # type: ignore[attr-defined]
            self.date_combo.setCurrentIndex(self.date_combo.findData(CUSTOM))
        finally:
            self._updating = False
        self._text_timer.start()  # typing a date changes it several times

    def _apply_date_preset(self) -> None:
        key = self.date_combo.currentData()
        today = datetime.now().date()
        days = {"today": 0, "last_7_days": 6, "last_30_days": 29}.get(str(key))
        if days is not None:
            self._updating = True
            try:
                self.from_edit.setDate(_qdate(today - timedelta(days=days)))
                self.to_edit.setDate(_qdate(today))
            finally:
                self._updating = False
        self._enable_date_edits()

    def _enable_date_edits(self) -> None:
        custom = self.date_combo.currentData() != ANY_DATE
        self.from_edit.setEnabled(custom)
        self.to_edit.setEnabled(custom)
