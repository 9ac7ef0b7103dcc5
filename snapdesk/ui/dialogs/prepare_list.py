"""Preparing a customer list: preview and column types, the check (hash) with progress, the
report; and the "Prepare list offline" window built from them (no login, no session).

`ListPreview` shows the first rows of a file with the detected identifier columns highlighted,
a type per column the user can override, and the default country for phone numbers.
`CheckPanel` runs the check in a worker thread (progress bar, Cancel) and shows the report:
rows read, valid per schema, rejected by reason with the first row numbers, blank, duplicates
and pre-hashed (among the valid), the sum that ties them (rows = valid + rejected + blank), and
a banner naming rows read in an unusual way (a runaway quote, cells spanning lines, rows with
fewer or more fields than the header); "Save rejects…" copies the rejects file. `PrepareListWindow` puts them together
and saves the hashed CSV exactly as `snapdesk hash` writes it (one file per schema).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Final

import phonenumbers
from PySide6.QtCore import QLocale, QSize, Qt, Signal
from PySide6.QtGui import QCloseEvent, QColor, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from snapdesk.audience import (
    REASONS,
    FileInfo,
    HashProgress,
    HashReport,
    InputError,
    inspect_file,
    output_path_for,
    select_columns,
)
from snapdesk.audience.outputs import save_outputs, save_problem
from snapdesk.core import workdirs
from snapdesk.core.outputs import OutputClash
from snapdesk.ui import theme
from snapdesk.ui.dialogs._widgets import Banner, hint
from snapdesk.ui.formatting import format_bytes
from snapdesk.ui.ops.audiences import IGNORE, CheckJob, check_list, with_overrides

LIST_FILTER: Final = "Customer lists (*.csv *.tsv *.txt);;All files (*)"
LIST_SUFFIXES: Final = (".csv", ".tsv", ".txt")
TYPE_LABELS: Final = {"email": "Email", "phone": "Phone", "maid": "Mobile ad id"}
SCHEMA_LABELS: Final = {
    "EMAIL_SHA256": "Emails",
    "PHONE_SHA256": "Phones",
    "MOBILE_AD_ID_SHA256": "Mobile ad ids",
}
COUNTRY_HINT: Final = (
    "Phone numbers without a country code (like 07700 900123) are rejected unless you choose "
    "a default country; numbers with +44 or 0044 are read as they are."
)
FIRST_ROWS: Final = 5  # row numbers listed per reject reason


def dropped_list(event: QDragEnterEvent | QDropEvent) -> Path | None:
    """The one local file a drag carries, if it is a file at all."""
    mime = event.mimeData()
    if not mime.hasUrls():
        return None
    files = [u.toLocalFile() for u in mime.urls() if u.isLocalFile()]
    return Path(files[0]) if len(files) == 1 and files[0] else None


def ask_path(
    parent: QWidget,
    *,
    title: str,
    on_selected: Callable[[str], object],
    save: bool = False,
    name_filter: str = LIST_FILTER,
    suggested: str = "",
) -> QFileDialog:
    """A non-blocking file dialog (open() + fileSelected)."""
    dialog = QFileDialog(parent, title)
    dialog.setNameFilter(name_filter)
    if save:
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setFileMode(QFileDialog.FileMode.AnyFile)
        dialog.setDefaultSuffix("csv")
        if suggested:
            dialog.selectFile(suggested)
    else:
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.fileSelected.connect(on_selected)
    dialog.open()
    return dialog


def countries() -> list[tuple[str, str]]:
    """(ISO code, "Name (CC)") for every region `phonenumbers` knows, by name."""
    out = []
    for code in phonenumbers.SUPPORTED_REGIONS:
        if code == "001":
            continue
        name = QLocale.territoryToString(QLocale.codeToTerritory(code))
        out.append((code, f"{name or code} ({code})"))
    return sorted(out, key=lambda pair: pair[1].casefold())


def chip(text: str, kind: str = "") -> QLabel:
    label = QLabel(text)
    label.setObjectName(
        {"ok": "chipOk", "warning": "chipWarning", "danger": "chipDanger"}.get(
            kind, "chipMuted" if kind == "muted" else "chip"
        )
    )
    return label


def describe_file(info: FileInfo) -> str:
    delimiters = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
    parts = [
        format_bytes(info.size),
        info.encoding.upper().replace("-SIG", " (BOM)"),
        f"{delimiters.get(info.delimiter or '', 'one column')}-separated"
        if info.delimiter
        else "one column",
        "with header row" if info.has_header else "no header row",
    ]
    return " · ".join(parts)


# -- preview -----------------------------------------------------------------------------------


class ListPreview(QWidget):
    """The first rows of a file, one type combo per column, and the default country.
    `changed()` whenever a type or the country changes."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.info: FileInfo | None = None
        self.type_combos: list[QComboBox] = []
        self._setup_ui()

    def _setup_ui(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        self.file_label = QLabel()
        self.file_label.setObjectName("sectionTitle")
        self.file_details = QLabel()
        self.file_details.setObjectName("muted")
        self.file_details.setWordWrap(True)
        layout.addWidget(self.file_label)
        layout.addWidget(self.file_details)
        self.table = QTableWidget()
        self.table.setObjectName("listPreview")
        self.table.setAccessibleName("First rows of the file")
        self.table.setTabKeyNavigation(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.verticalHeader().setDefaultSectionSize(26)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setMinimumHeight(200)
        theme.follow(
            self.table,
            lambda c: (
                f"QTableWidget#listPreview {{ background: {c.base}; border: 1px solid "
                f"{c.border}; border-radius: 8px; gridline-color: {c.border}; }}"
            ),
        )
        layout.addWidget(self.table, 1)
        country_row = QHBoxLayout()
        country_row.setSpacing(8)
        country_row.addWidget(QLabel("Default country for phone numbers:"))
        self.country_combo = QComboBox()
        self.country_combo.setAccessibleName("Default country for phone numbers")
        self.country_combo.addItem("None — reject numbers without country code", "")
        for code, label in countries():
            self.country_combo.addItem(label, code)
        self.country_combo.setMinimumWidth(280)
        self.country_combo.currentIndexChanged.connect(self._on_country_combo_changed)
        country_row.addWidget(self.country_combo)
        country_row.addStretch(1)
        layout.addLayout(country_row)
        layout.addWidget(hint(COUNTRY_HINT))
        self.problem = Banner("warning")
        self.problem.hide()
        layout.addWidget(self.problem)

    # -- public ------------------------------------------------------------------------------

    def set_info(self, info: FileInfo) -> None:
        self.info = info
        self.file_label.setText(info.path.name)
        notes = [describe_file(info), *(n for n in (info.encoding_note, *info.notes) if n)]
        self.file_details.setText(" — ".join(notes))
        columns = info.columns
        preview = info.preview
        self.table.clear()
        self.table.setColumnCount(len(columns))
        self.table.setRowCount(1 + len(preview))
        self.table.setHorizontalHeaderLabels(
            [c.name if info.has_header else f"Column {c.index + 1}" for c in columns]
        )
        numbers = info.preview_rows or tuple(range(2, 2 + len(preview)))
        self.table.setVerticalHeaderLabels(["Type", *(str(n) for n in numbers)])  # sheet rows
        self.type_combos = []
        for column in columns:
            self.table.setCellWidget(0, column.index, self._type_cell(column))
        self.table.setRowHeight(0, 40)
        for r, row in enumerate(preview, start=1):
            for col in columns:
                value = row[col.index] if col.index < len(row) else ""
                self.table.setItem(r, col.index, QTableWidgetItem(value))
        for column in columns:
            self.table.setColumnWidth(column.index, 270 if column.detected else 150)
        self._paint_columns()
        self._update_problem()

    def column_types(self) -> dict[int, str | None]:
        """Column index → chosen type (`IGNORE`, a type, or None for the detected one)."""
        return {i: combo.currentData() for i, combo in enumerate(self.type_combos)}

    def effective_info(self) -> FileInfo | None:
        if self.info is None:
            return None
        return with_overrides(self.info, self.column_types())

    def default_country(self) -> str | None:
        return self.country_combo.currentData() or None

    def set_default_country(self, code: str | None) -> None:
        index = self.country_combo.findData(code or "")
        self.country_combo.setCurrentIndex(max(0, index))

    def set_column_type(self, index: int, id_type: str | None) -> None:
        combo = self.type_combos[index]
        combo.setCurrentIndex(max(0, combo.findData(id_type)))

    def problem_text(self) -> str | None:
        """Why no list can be made with the current types (None: it can)."""
        info = self.effective_info()
        if info is None:
            return "Choose a file"
        try:
            select_columns(info)
        except InputError as exc:
            message = exc.message.split(";")[0]
            return f"{message}. Choose a type for the column that holds emails, phones or ids."
        return None

    # -- helpers -----------------------------------------------------------------------------

    def _type_cell(self, column: object) -> QWidget:
        from snapdesk.audience import Column

        assert isinstance(column, Column)
        cell = QWidget()
        row = QHBoxLayout(cell)
        row.setContentsMargins(4, 2, 4, 2)
        row.setSpacing(6)
        combo = QComboBox()
        combo.setObjectName(f"typeCombo{column.index}")
        combo.setAccessibleName(f"Type of column {column.name}")
        detected = TYPE_LABELS.get(column.detected or "")
        combo.addItem(f"Auto ({detected.lower()})" if detected else "Not used", None)
        for key, label in TYPE_LABELS.items():
            combo.addItem(label, key)
        combo.addItem("Ignore", IGNORE)
        combo.setToolTip(self._column_tip(column))
        combo.currentIndexChanged.connect(self._on_type_combo_changed)
        self.type_combos.append(combo)
        if column.detected:
            share = f" {round(column.share * 100)}%" if column.share else ""
            row.addWidget(chip(f"{(detected or '').upper()}{share}", "ok"))
        elif column.prehashed:
            row.addWidget(chip("SHA-256", "warning"))
        row.addWidget(combo, 1)
        return cell

    @staticmethod
    def _column_tip(column: object) -> str:
        from snapdesk.audience import Column

        assert isinstance(column, Column)
        if column.detected:
            how = "its header" if column.by == "header" else "its values"
            text = f"Detected as {TYPE_LABELS[column.detected].lower()} from {how}"
            if column.share:
                text += f" ({round(column.share * 100)}% of sampled values look like one)"
            if column.prehashed:
                text += "; the values are already SHA-256 hashes and pass through"
            return text
        if column.prehashed:
            return "Already SHA-256 hashes: say what was hashed (email, phone or ad id)"
        return "Not detected as an identifier; choose a type to hash it"

    def _paint_columns(self) -> None:
        info = self.effective_info()
        if info is None:
            return
        c = theme.colors()
        tint = QColor(theme._mix(c.success, c.base, 0.10))
        plain = QColor(c.base)
        muted = QColor(c.muted)
        text = QColor(c.text)
        for column in info.columns:
            used = column.detected is not None
            for r in range(1, self.table.rowCount()):
                item = self.table.item(r, column.index)
                if item is None:
                    continue
                item.setBackground(tint if used else plain)
                item.setForeground(text if used else muted)

    def _update_problem(self) -> None:
        problem = self.problem_text()
        self.problem.setVisible(problem is not None)
        if problem:
            self.problem.set_text(problem)

    def _on_type_combo_changed(self, _index: int) -> None:
        self._paint_columns()
        self._update_problem()
        self.changed.emit()

    def _on_country_combo_changed(self, _index: int) -> None:
        self.changed.emit()


# -- check and report --------------------------------------------------------------------------


class CheckPanel(QWidget):
    """Runs a check with a progress bar and Cancel; then shows the report.
    Signals: `checked(HashReport)`, `check_failed(str)`, `check_cancelled()`."""

    checked = Signal(object)
    check_failed = Signal(str)
    check_cancelled = Signal()
    ended = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.job: CheckJob | None = None
        self._ended = True
        self.report: HashReport | None = None
        self._setup_ui()

    def _setup_ui(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        self.progress_box = QFrame()
        self.progress_box.setObjectName("card")
        box = QVBoxLayout(self.progress_box)
        box.setContentsMargins(14, 12, 14, 12)
        self.progress_label = QLabel("Checking…")
        self.progress_label.setObjectName("sectionTitle")
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1000)
        self.progress_detail = QLabel()
        self.progress_detail.setObjectName("muted")
        bar_row = QHBoxLayout()
        bar_row.addWidget(self.progress_bar, 1)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self._on_cancel_button_clicked)
        bar_row.addWidget(self.cancel_button)
        box.addWidget(self.progress_label)
        box.addLayout(bar_row)
        box.addWidget(self.progress_detail)
        layout.addWidget(self.progress_box)
        self.message = Banner("error")
        self.message.hide()
        layout.addWidget(self.message)
        self.report_box = QFrame()
        self.report_box.setObjectName("card")
        report = QVBoxLayout(self.report_box)
        report.setContentsMargins(14, 12, 14, 12)
        report.setSpacing(8)
        title = QLabel("Report")
        title.setObjectName("sectionTitle")
        report.addWidget(title)
        self.numbers = QGridLayout()
        self.numbers.setHorizontalSpacing(24)
        self.numbers.setVerticalSpacing(4)
        report.addLayout(self.numbers)
        self.totals = QLabel()
        self.totals.setObjectName("muted")
        self.totals.setAccessibleName("Totals")
        report.addWidget(self.totals)
        self.file_issues = Banner("warning")
        self.file_issues.setAccessibleName("Rows read in an unusual way")
        self.file_issues.hide()
        report.addWidget(self.file_issues)
        self.reasons_title = QLabel("Rejected rows")
        self.reasons_title.setObjectName("sectionTitle")
        report.addWidget(self.reasons_title)
        self.reasons = QTableWidget(0, 3)
        self.reasons.setAccessibleName("Rejected rows by reason")
        self.reasons.setTabKeyNavigation(False)
        self.reasons.setHorizontalHeaderLabels(["Reason", "Rows", "First rows"])
        self.reasons.verticalHeader().hide()
        self.reasons.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.reasons.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.reasons.horizontalHeader().setSectionResizeMode(
            1, QHeaderView.ResizeMode.ResizeToContents
        )
        self.reasons.horizontalHeader().setSectionResizeMode(
            2, QHeaderView.ResizeMode.ResizeToContents
        )
        self.reasons.horizontalHeader().setDefaultAlignment(
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        )
        self.reasons.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        report.addWidget(self.reasons)
        self.report_hint = hint("")
        report.addWidget(self.report_hint)
        layout.addWidget(self.report_box)
        layout.addStretch(1)
        self.progress_box.hide()
        self.report_box.hide()

    # -- running -----------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self.job is not None and not self._ended

    def start(
        self,
        *,
        path: Path,
        info: FileInfo,
        output: Path,
        default_country: str | None,
        rejects: Path | None,
    ) -> CheckJob:
        self.report = None
        self.message.hide()
        self.report_box.hide()
        self.progress_box.show()
        self.progress_label.setText(f"Checking {path.name}…")
        self.progress_bar.setValue(0)
        self.progress_detail.setText("Reading the file")
        self.cancel_button.setEnabled(True)
        job = check_list(
            parent=self,
            path=path,
            output=output,
            info=info,
            default_country=default_country,
            rejects=rejects,
        )
        job.progressed.connect(partial(self._on_job_progressed, job))
        job.succeeded.connect(partial(self._on_job_succeeded, job))
        job.failed.connect(partial(self._on_job_failed, job))
        job.cancelled.connect(partial(self._on_job_cancelled, job))
        job.finished.connect(partial(self._on_job_finished, job))
        self.job = job
        self._ended = False
        job.start()
        return job

    def cancel(self) -> None:
        if self.job is not None and self.job.running:
            self.job.cancel()
            self.cancel_button.setEnabled(False)
            self.progress_detail.setText("Cancelling…")

    def stop_and_wait(self) -> None:
        """Cancel a running check and wait for its thread (closing)."""
        job, self.job = self.job, None
        self._ended = True
        if job is not None and job.running:
            job.cancel()
            job.wait(30)

    # -- slots -------------------------------------------------------------------------------

    def _on_cancel_button_clicked(self) -> None:
        self.cancel()

    def _on_job_finished(self, job: CheckJob) -> None:
        if job is not self.job:
            return
        self._ended = True
        self.ended.emit()

    def _on_job_progressed(self, job: CheckJob, progress: object) -> None:
        if job is not self.job:
            return
        assert isinstance(progress, HashProgress)
        self.progress_bar.setValue(round(progress.fraction * 1000))
        verb = "Writing the lists" if progress.phase == "writing" else "Hashing"
        self.progress_detail.setText(
            f"{verb} · {progress.rows:,} rows · "
            f"{format_bytes(progress.bytes_done)} of {format_bytes(progress.bytes_total)}"
        )

    def _on_job_succeeded(self, job: CheckJob, report: object) -> None:
        if job is not self.job:
            return
        assert isinstance(report, HashReport)
        self.report = report
        self.progress_box.hide()
        self.show_report(report)
        self.checked.emit(report)

    def _on_job_failed(self, job: CheckJob, message: str) -> None:
        if job is not self.job:
            return
        self.progress_box.hide()
        self.show_message(message)
        self.check_failed.emit(message)

    def _on_job_cancelled(self, job: CheckJob) -> None:
        if job is not self.job:
            return
        self.progress_box.hide()
        self.message.set_kind("info")
        self.message.set_text("Check cancelled — nothing was written.")
        self.message.show()
        self.check_cancelled.emit()

    # -- report ------------------------------------------------------------------------------

    def show_message(self, text: str, kind: str = "error") -> None:
        self.message.set_kind(kind)
        self.message.set_text(text)
        self.message.show()

    def numbers_shown(self) -> dict[str, str]:
        """Label → value of the report grid (for tests and screenshots)."""
        out = {}
        for r in range(self.numbers.rowCount()):
            label = self.numbers.itemAtPosition(r, 0)
            value = self.numbers.itemAtPosition(r, 1)
            if label is None or value is None:
                continue
            lw, vw = label.widget(), value.widget()
            if isinstance(lw, QLabel) and isinstance(vw, QLabel):
                out[lw.text()] = vw.text()
        return out

    def show_report(self, report: HashReport) -> None:
        while self.numbers.count():
            taken = self.numbers.takeAt(0)
            widget = taken.widget() if taken is not None else None
            if widget is not None:
                widget.deleteLater()
        k = len(report.columns)
        read = "every row after the header, blank ones too"
        if k > 1:
            read = f"× {k} identifier columns = {report.cells:,} cells"
        rows: list[tuple[str, str, str]] = [("Rows read", f"{report.rows:,}", read)]
        for item in report.lists:
            label = SCHEMA_LABELS.get(item.schema, item.schema)
            rows.append(
                (f"Valid {label.lower()}", f"{item.valid:,}", f"{item.written:,} unique hashes")
            )
        rows.append(("Rejected", f"{report.rejected:,}", "warning" if report.rejected else ""))
        blank = f"nothing to hash: {report.blank:,} blank row{'' if report.blank == 1 else 's'}"
        if report.empty:
            blank += f", {report.empty:,} empty cells in other rows"
        rows.append(("Blank", f"{report.blank_cells:,}", blank))
        rows.append(
            ("Duplicates", f"{report.duplicates:,}", "among the valid: dropped, first kept")
        )
        rows.append(("Already hashed", f"{report.prehashed:,}", "among the valid: passed through"))
        for r, (label, value, note) in enumerate(rows):
            name = QLabel(label)
            name.setObjectName("formLabel")
            number = QLabel(value)
            number.setObjectName("sectionTitle")
            number.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.numbers.addWidget(name, r, 0)
            self.numbers.addWidget(number, r, 1)
            if note == "warning":
                self.numbers.addWidget(
                    chip("see below", "warning"), r, 2, Qt.AlignmentFlag.AlignLeft
                )
            elif note:
                extra = QLabel(note)
                extra.setObjectName("muted")
                self.numbers.addWidget(extra, r, 2)
        self.numbers.setColumnStretch(3, 1)
        firsts: dict[str, list[int]] = {}
        for sample in report.reject_samples:
            rows_of = firsts.setdefault(sample.reason, [])
            if len(rows_of) < FIRST_ROWS:
                rows_of.append(sample.row)
        reasons = sorted(report.reasons.items(), key=lambda kv: -kv[1])
        self.reasons.setRowCount(len(reasons))
        for r, (reason, count) in enumerate(reasons):
            first = ", ".join(str(n) for n in firsts.get(reason, []))
            if count > len(firsts.get(reason, [])) and first:
                first += ", …"
            for col, text in enumerate((REASONS.get(reason, reason), f"{count:,}", first)):
                cell = QTableWidgetItem(text)
                if col == 1:
                    cell.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.reasons.setItem(r, col, cell)
        self.reasons.setVisible(bool(reasons))
        self.reasons_title.setVisible(bool(reasons))
        if reasons:
            self.reasons.resizeRowsToContents()
            header = self.reasons.horizontalHeader().sizeHint().height()
            rows_height = self.reasons.verticalHeader().length()
            self.reasons.setFixedHeight(min(170, header + rows_height + 4))
        schemas = ", ".join(report.schemas)
        self.totals.setText(f"{report.totals_line()} (duplicates are among the valid)")
        self.show_issues(report)
        self.report_hint.setText(
            f"Columns: {', '.join(c.name for c in report.columns)} → {schemas}. "
            f"Row numbers count the header as row 1, as a spreadsheet does. "
            f"Checked in {report.elapsed_s:.1f} s."
        )
        self.report_box.show()

    def show_issues(self, report: HashReport) -> None:
        """Runaway quotes (a warning: look at those rows), multi-line cells and ragged rows."""
        issues = report.issues
        self.file_issues.setVisible(bool(issues))
        if not issues:
            return
        warning = any(issue.warning for issue in issues)
        self.file_issues.set_kind("warning" if warning else "info")
        title = "Check these rows in the file" if warning else "How some rows were read"
        items = "".join(f"<li>{html.escape(issue.message)}</li>" for issue in issues)
        self.file_issues.set_text(
            f"<b>{title}</b><ul style='margin: 0; -qt-list-indent: 1;'>{items}</ul>"
        )


# -- the offline window ------------------------------------------------------------------------


class PrepareListWindow(QWidget):
    """Prepare a hashed customer list on this machine: no login, nothing sent anywhere.
    Signals: `list_saved(list)` (paths written), `rejects_saved(str)`."""

    list_saved = Signal(list)
    rejects_saved = Signal(str)

    def __init__(
        self, parent: QWidget | None = None, *, default_country: str | None = None
    ) -> None:
        """`default_country`: the country preselected for phone numbers (the Preferences)."""
        super().__init__(parent)
        self.setWindowFlag(Qt.WindowType.Window, True)
        self.setWindowTitle("Prepare list offline — snapdesk")
        self.setAcceptDrops(True)
        self.setObjectName("centralArea")
        self._workdir = workdirs.make("prepare")  # swept at the next start after a crash
        self.path: Path | None = None
        self.file_dialog: QFileDialog | None = None
        self._setup_ui()
        self.preview.set_default_country(default_country)
        self._update_buttons()

    def sizeHint(self) -> QSize:
        return QSize(1040, 900)

    def _setup_ui(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.setSpacing(12)
        title = QLabel("Prepare list offline")
        title.setObjectName("dialogTitle")
        layout.addWidget(title)
        layout.addWidget(
            hint(
                "Normalizes and hashes a customer list (emails, phone numbers, mobile ad ids) "
                "on this computer and writes the hashed CSV Snap accepts. No sign-in needed; "
                "raw values never leave the machine."
            )
        )
        self.drop_zone = QFrame()
        self.drop_zone.setObjectName("helpPanel")
        zone = QHBoxLayout(self.drop_zone)
        zone.setContentsMargins(14, 12, 14, 12)
        zone_text = QLabel("Drop a CSV, TSV or TXT file here, or")
        zone.addWidget(zone_text)
        self.choose_button = QPushButton("Choose file…")
        self.choose_button.clicked.connect(self._on_choose_button_clicked)
        zone.addWidget(self.choose_button)
        zone.addStretch(1)
        layout.addWidget(self.drop_zone)
        self.error = Banner("error")
        self.error.hide()
        layout.addWidget(self.error)
        self.preview = ListPreview()
        self.preview.changed.connect(self._on_preview_changed)
        self.preview.hide()
        layout.addWidget(self.preview, 3)
        actions = QHBoxLayout()
        self.check_button = QPushButton("Check list")
        self.check_button.setObjectName("primaryButton")
        self.check_button.clicked.connect(self._on_check_button_clicked)
        actions.addWidget(self.check_button)
        actions.addStretch(1)
        self.save_rejects_button = QPushButton("Save rejects…")
        self.save_rejects_button.clicked.connect(self._on_save_rejects_button_clicked)
        self.save_button = QPushButton("Save hashed CSV…")
        self.save_button.setObjectName("primaryButton")
        self.save_button.clicked.connect(self._on_save_button_clicked)
        actions.addWidget(self.save_rejects_button)
        actions.addWidget(self.save_button)
        layout.addLayout(actions)
        self.check = CheckPanel()
        self.check.ended.connect(self._on_check_ended)
        layout.addWidget(self.check, 2)
        self.saved = Banner("ok")
        self.saved.hide()
        layout.addWidget(self.saved)

    # -- public ------------------------------------------------------------------------------

    @property
    def report(self) -> HashReport | None:
        return self.check.report

    def load_file(self, path: str | Path) -> bool:
        """Inspect `path` and show its preview; False (with the reason shown) if unusable."""
        file = Path(path)
        self.check.stop_and_wait()
        self.check.report = None
        self.check.report_box.hide()
        self.check.message.hide()
        self.saved.hide()
        try:
            info = inspect_file(file)
        except InputError as exc:
            self._show_error(exc.message)
            return False
        except OSError as exc:
            self._show_error(f"{file.name}: {exc.strerror or exc}")
            return False
        self.error.hide()
        self.path = file
        self.preview.set_info(info)
        self.preview.show()
        self._update_buttons()
        return True

    def start_check(self) -> CheckJob | None:
        info = self.preview.effective_info()
        if self.path is None or info is None or self.preview.problem_text():
            return None
        self._clear_outputs()
        job = self.check.start(
            path=self.path,
            info=info,
            output=self._workdir / "hashed.csv",
            default_country=self.preview.default_country(),
            rejects=self._workdir / "rejects.csv",
        )
        self._update_buttons()
        return job

    def save_list(self, target: str | Path) -> list[Path]:
        """Copy the hashed list(s) to `target` (`out.SCHEMA.csv` each for several schemas),
        owner-only and atomically. Refused (the reason shown, nothing written) when a file would
        replace the customer list itself or snapdesk's own files."""
        report = self.report
        if report is None:
            return []
        several = len(report.lists) > 1
        items = [item for item in report.lists if item.output is not None]
        plan = [(item, output_path_for(target, item.schema, several=several)) for item in items]
        try:
            save_outputs(self.path, [(Path(str(item.output)), dest) for item, dest in plan])
        except (OutputClash, OSError) as exc:
            self._show_save_error(exc)
            return []
        written = [dest for _, dest in plan]
        names = ", ".join(p.name for p in written)
        self.saved.set_kind("ok")
        self.saved.set_text(f"Saved {names} in {Path(target).parent}")
        self.saved.show()
        self.list_saved.emit(written)
        return written

    def save_rejects(self, target: str | Path) -> Path | None:
        report = self.report
        if report is None or report.rejects_path is None:
            return None
        destination = Path(target)
        try:
            save_outputs(self.path, [(report.rejects_path, destination)])
        except (OutputClash, OSError) as exc:
            self._show_save_error(exc)
            return None
        self.saved.set_kind("ok")
        self.saved.set_text(f"Saved the rejected rows to {destination}")
        self.saved.show()
        self.rejects_saved.emit(str(destination))
        return destination

    # -- events ------------------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if dropped_list(event) is not None:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        path = dropped_list(event)
        if path is not None:
            event.acceptProposedAction()
            self.load_file(path)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.check.stop_and_wait()
        workdirs.remove(self._workdir)
        super().closeEvent(event)

    # -- slots -------------------------------------------------------------------------------

    def _on_choose_button_clicked(self) -> None:
        self.file_dialog = ask_path(
            self, title="Choose a customer list", on_selected=self.load_file
        )

    def _on_preview_changed(self) -> None:
        self._update_buttons()

    def _on_check_button_clicked(self) -> None:
        self.start_check()

    def _on_check_ended(self) -> None:
        self._update_buttons()

    def _on_save_button_clicked(self) -> None:
        stem = self.path.stem if self.path else "list"
        self.file_dialog = ask_path(
            self,
            title="Save hashed CSV",
            on_selected=self.save_list,
            save=True,
            name_filter="CSV (*.csv)",
            suggested=f"{stem}.hashed.csv",
        )

    def _on_save_rejects_button_clicked(self) -> None:
        stem = self.path.stem if self.path else "list"
        self.file_dialog = ask_path(
            self,
            title="Save rejected rows",
            on_selected=self.save_rejects,
            save=True,
            name_filter="CSV (*.csv)",
            suggested=f"{stem}.rejects.csv",
        )

    # -- helpers -----------------------------------------------------------------------------

    def _show_save_error(self, exc: Exception) -> None:
        self.saved.set_kind("error")
        self.saved.set_text(save_problem(exc))
        self.saved.show()

    def _show_error(self, text: str) -> None:
        self.error.set_text(text)
        self.error.show()
        self.preview.hide()
        self.path = None
        self._update_buttons()

    def _clear_outputs(self) -> None:
        for child in self._workdir.iterdir():
            child.unlink(missing_ok=True)

    def _update_buttons(self) -> None:
        running = self.check.running
        ready = self.path is not None and self.preview.problem_text() is None
        self.check_button.setEnabled(ready and not running)
        report = self.report
        self.save_button.setEnabled(report is not None and report.written > 0 and not running)
        self.save_rejects_button.setEnabled(
            report is not None and report.rejects_path is not None and report.rejected > 0
        )
        self.choose_button.setEnabled(not running)
