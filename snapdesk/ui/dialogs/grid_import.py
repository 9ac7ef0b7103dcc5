"""The grid's spreadsheet round trip in the app (issue 16): Export… writes what the grid shows
to a CSV or XLSX file; Import… reads an edited file in the background and shows its report.

    path = export_grid(self, rows=rows, columns=columns, level=AD_SQUAD)
    dialog = open_import_dialog(self, store=store, edits=edits, state=state)

`export_grid` asks where to save (CSV or XLSX), writes the file atomically off the GUI thread
(`snapdesk.grid.sheets.export_rows`: never over snapdesk's own files), then says where it went
or, on failure, names the path and the cause. `GridImportDialog` takes a file chosen or dropped
on it, reads and checks it on a worker thread (progress, Stop; the window never freezes), then
shows the summary ("2 creates, 5 updates, 113 unchanged") and either the problems, by row,
column, value and reason, with "Nothing was queued" and Queue disabled, or the plan, one line
per changed cell (row, entity, field, old → new). "Queue N changes" queues the whole file as one
undo step (on a worker thread too) and announces it through `state.poll()`; Cancel, at any
stage, queues nothing.
"""

from __future__ import annotations

import html
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any, Final, Protocol

import shiboken6
from PySide6.QtCore import QEventLoop, QObject, Qt, Signal
from PySide6.QtGui import (
    QCloseEvent,
    QColor,
    QDragEnterEvent,
    QDragLeaveEvent,
    QDropEvent,
    QResizeEvent,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QProgressBar,
    QProgressDialog,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from snapdesk.changes import ChangeError, ChangeGroup, EditService
from snapdesk.core.kinds import CAMPAIGN
from snapdesk.core.outputs import OutputClash, OutputWriteError
from snapdesk.grid.columns import Column
from snapdesk.grid.rows import GridRow
from snapdesk.grid.sheets import (
    NOUN,
    NOUNS,
    ImportCancelled,
    ImportPlan,
    PlannedRow,
    Problem,
    SheetError,
    apply,
    export_rows,
    plan_import,
)
from snapdesk.store import Store
from snapdesk.ui import theme
from snapdesk.ui._signals import emit
from snapdesk.ui.dialogs._widgets import Banner, hint
from snapdesk.ui.ops._op import error_message
from snapdesk.ui.views import _changes_style

__all__ = [
    "EXPORT_FILTERS",
    "IMPORT_FILTER",
    "GridImportDialog",
    "SheetJob",
    "export_grid",
    "open_import_dialog",
]

EXPORT_FILTERS: Final = ("Excel workbook (*.xlsx)", "CSV, UTF-8 (*.csv)")
IMPORT_FILTER: Final = "Spreadsheets (*.xlsx *.csv *.txt *.tsv);;All files (*)"
IMPORT_SUFFIXES: Final = (".xlsx", ".csv", ".txt", ".tsv")
SHOWN_ROWS: Final = 2_000  # lines in the report's table (the summary counts them all)
PROGRESS_INTERVAL: Final = 0.05  # seconds between progress signals
BUSY_AFTER_MS: Final = 400  # an export that takes longer shows a progress window

_RUNNING: set[SheetJob] = set()  # jobs keep themselves alive until their thread ends


class _Polls(Protocol):
    """What the dialog needs of `AppState`: announce the queued changes to every view."""

    def poll(self) -> object: ...


Work = Callable[[Callable[[float, str], None], threading.Event], object]


class SheetJob(QObject):
    """`work(progress, cancel)` on a worker thread. Signals (delivered on the GUI thread):
    `progressed(float, str)`, then one of `succeeded(object)`, `failed(str)` (a message to
    show), `cancelled()`; then always `finished()`."""

    progressed = Signal(float, str)
    succeeded = Signal(object)
    failed = Signal(str)
    cancelled = Signal()
    finished = Signal()

    def __init__(self, work: Work, *, kind: str) -> None:
        super().__init__()
        self._work = work
        self.kind = kind  # "export", "read" or "queue"
        self._cancel = threading.Event()
        self._thread: threading.Thread | None = None
        self._last = 0.0
        self.result: object = None  # what `work` returned
        self.failure: str | None = None  # the message `failed` carried

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def cancelling(self) -> bool:
        return self._cancel.is_set()

    def start(self) -> SheetJob:
        if self._thread is not None:
            raise RuntimeError("this job was already started")
        _RUNNING.add(self)
        self._thread = threading.Thread(
            target=self._run, name=f"snapdesk-sheet-{self.kind}", daemon=True
        )
        self._thread.start()
        return self

    def cancel(self) -> None:
        self._cancel.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the thread has ended (tests, shutdown)."""
        if self._thread is not None:
            self._thread.join(timeout)
        return not self.running

    def _emit(self, signal_name: str, *args: Any) -> None:
        if shiboken6.isValid(self):
            emit(getattr(self, signal_name), *args)

    def _on_progress(self, fraction: float, text: str) -> None:
        now = time.monotonic()
        if now - self._last < PROGRESS_INTERVAL and fraction < 1.0:
            return
        self._last = now
        self._emit("progressed", float(fraction), text)

    def _fail(self, message: str) -> None:
        self.failure = message
        self._emit("failed", message)

    def _run(self) -> None:
        try:
            result = self._work(self._on_progress, self._cancel)
        except ImportCancelled:
            self._emit("cancelled")
        except (SheetError, ChangeError, OutputClash, OutputWriteError) as exc:
            self._fail(exc.message)
        except OSError as exc:
            self._fail(f"{exc.strerror or exc}")
        except Exception as exc:
            self._fail(error_message(exc))
        else:
            self.result = result
            self._emit("succeeded", result)
        self._emit("finished")
        _RUNNING.discard(self)


# ---------------------------------------------------------------------------------- export


def _default_name(level: str) -> str:
    return f"{NOUNS[level].replace(' ', '-')}-{date.today().isoformat()}.xlsx"


def _ask_export_path(parent: QWidget | None, level: str) -> Path | None:
    start = str(Path.home() / _default_name(level))
    chosen, selected = QFileDialog.getSaveFileName(
        parent, f"Export {NOUNS[level]}", start, ";;".join(EXPORT_FILTERS), EXPORT_FILTERS[0]
    )
    if not chosen:
        return None
    path = Path(chosen)
    if path.suffix.lower() not in (".csv", ".xlsx"):
        path = path.with_name(path.name + (".csv" if selected == EXPORT_FILTERS[1] else ".xlsx"))
    return path


def _show_message(parent: QWidget | None, icon: QMessageBox.Icon, title: str, text: str) -> QMessageBox:  # fmt: skip
    box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("gridExportMessage")
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()  # not exec(): no nested loop, and a test never hangs on it
    return box


def export_grid(
    parent: QWidget | None,
    *,
    rows: Sequence[GridRow],
    columns: Iterable[Column],
    level: str,
    path: Path | None = None,
    date_range: str | None = None,
) -> Path | None:
    """Write `rows` (what the grid shows, with `columns`) to a CSV or XLSX file: `path`, or
    one the user chooses. Returns the file written, or None (no file chosen, or a failure,
    shown in a message box naming the path and the cause)."""
    target = path or _ask_export_path(parent, level)
    if target is None:
        return None
    rows = list(rows)
    columns = list(columns)

    def work(_progress: Callable[[float, str], None], _cancel: threading.Event) -> int:
        return export_rows(rows, columns, target, level=level, date_range=date_range)

    job = SheetJob(work, kind="export")
    waiting = QEventLoop()
    job.finished.connect(waiting.quit)
    busy = QProgressDialog(f"Writing {len(rows):,} {NOUNS[level]} to {target.name}…", "", 0, 0, parent)  # fmt: skip
    busy.setWindowTitle("Export")
    busy.setCancelButton(None)
    busy.setMinimumDuration(BUSY_AFTER_MS)
    busy.setWindowModality(Qt.WindowModality.WindowModal)
    job.start()
    if job.running:
        waiting.exec()  # the GUI keeps painting while the file is written
    job.wait()
    busy.reset()
    busy.deleteLater()
    if job.result is None:
        failure = job.failure or "the file could not be written"
        _show_message(
            parent,
            QMessageBox.Icon.Warning,
            "Couldn't export",
            failure if str(target) in failure else f"Couldn't write {target}: {failure}",
        )
        return None
    count = int(job.result)  # type: ignore[call-overload]
    _show_message(
        parent,
        QMessageBox.Icon.Information,
        "Exported",
        f"Exported {count:,} {NOUNS[level] if count != 1 else NOUN[level]} to {target}",
    )
    return target


# ---------------------------------------------------------------------------------- import


def dropped_sheet(event: QDragEnterEvent | QDropEvent) -> Path | None:
    """The one local spreadsheet file a drag carries, if it carries exactly one."""
    mime = event.mimeData()
    if not mime.hasUrls():
        return None
    files = [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile()]
    if len(files) != 1 or files[0].suffix.lower() not in IMPORT_SUFFIXES:
        return None
    return files[0]


def _entity(item: PlannedRow, account: str) -> str:
    """ "Ad squad 'Wide reach' · Harbour UK", "New ad squad 'Push' under 'Always On' · …"."""
    name = item.name or item.entity_id or ""
    if item.action == "create":
        if item.kind == CAMPAIGN:
            return f"New campaign {name!r} · {account}"
        return f"New {NOUN[item.kind]} {name!r} under {item.parent_name!r} · {account}"
    return f"{NOUN[item.kind].capitalize()} {name!r} · {account}"


def _count(n: int, word: str) -> str:
    return f"{n:,} {word}{'s' if n != 1 else ''}"


class GridImportDialog(QDialog):
    """Import an edited export. Signals: `report_shown(object)` with the `ImportPlan` once a
    file is read and checked (valid or not); `read_failed(str)` for a file that can't be read
    at all; `read_stopped()` when reading was stopped; `queued(object)` with the queued
    `ChangeGroup`, just before the dialog closes."""

    report_shown = Signal(object)
    read_failed = Signal(str)
    read_stopped = Signal()
    queued = Signal(object)

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        store: Store,
        edits: EditService,
        state: _Polls,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._edits = edits
        self._state = state
        self._path: Path | None = None
        self._plan: ImportPlan | None = None
        self._job: SheetJob | None = None
        self._closing = False
        self.file_dialog: QFileDialog | None = None
        self.setWindowTitle("Import a spreadsheet")
        self.setAcceptDrops(True)
        self.resize(980, 640)
        self._setup_ui()
        _changes_style.apply(self)
        self._show_empty()

    # -- construction ----------------------------------------------------------------------

    def _setup_ui(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 14)
        layout.setSpacing(10)
        title = QLabel("Import a spreadsheet")
        title.setObjectName("dialogTitle")
        layout.addWidget(title)
        layout.addWidget(
            hint(
                "An export of the grid (CSV or XLSX), edited in any spreadsheet app. Rows with "
                "an id update only the cells that differ; rows without one create under the "
                "campaign_id / ad_squad_id they name. Nothing is queued unless the whole file "
                "is valid, and nothing is sent until you post."
            )
        )

        self.drop_zone = QFrame()
        self.drop_zone.setObjectName("dropZone")
        zone = QHBoxLayout(self.drop_zone)
        zone.setContentsMargins(16, 12, 16, 12)
        self.file_label = QLabel()
        self.file_label.setWordWrap(True)
        self.file_label.setTextFormat(Qt.TextFormat.RichText)
        self.file_label.setAccessibleName("File")
        zone.addWidget(self.file_label, 1)
        self.choose_button = QPushButton("Choose file…")
        self.choose_button.clicked.connect(self._on_choose_button_clicked)
        zone.addWidget(self.choose_button)
        layout.addWidget(self.drop_zone)

        self.progress_row = QWidget()
        progress = QHBoxLayout(self.progress_row)
        progress.setContentsMargins(0, 0, 0, 0)
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setTextVisible(False)
        self.progress_bar.setAccessibleName("Progress")
        self.progress_label = QLabel()
        self.progress_label.setObjectName("muted")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Stop reading the file (nothing is queued)")
        self.stop_button.clicked.connect(self._on_stop_button_clicked)
        progress.addWidget(self.progress_bar, 1)
        progress.addWidget(self.progress_label)
        progress.addWidget(self.stop_button)
        layout.addWidget(self.progress_row)

        self.banner = Banner("info")
        layout.addWidget(self.banner)
        self.summary_label = QLabel()
        self.summary_label.setObjectName("sectionTitle")
        self.summary_label.setAccessibleName("Summary")
        layout.addWidget(self.summary_label)
        self.notes_label = QLabel()
        self.notes_label.setObjectName("hint")
        self.notes_label.setWordWrap(True)
        self.notes_label.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.notes_label)

        self.table = QTableWidget(0, 4)
        self.table.setAccessibleName("Import report")
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(True)
        self.table.setAlternatingRowColors(True)
        self.table.setStyleSheet("QTableWidget::item { padding-top: 3px; padding-bottom: 3px; }")
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)
        self.more_label = QLabel()
        self.more_label.setObjectName("hint")
        layout.addWidget(self.more_label)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Close without queuing anything")
        self.cancel_button.clicked.connect(self.reject)
        self.queue_button = QPushButton("Queue changes")
        self.queue_button.setObjectName("primaryButton")
        self.queue_button.setEnabled(False)
        self.queue_button.clicked.connect(self._on_queue_button_clicked)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.queue_button)
        layout.addLayout(buttons)

    # -- public API ------------------------------------------------------------------------

    @property
    def plan(self) -> ImportPlan | None:
        """The plan shown (None before a file is read and checked)."""
        return self._plan

    @property
    def path(self) -> Path | None:
        return self._path

    @property
    def job(self) -> SheetJob | None:
        """The read or the queuing running now (None when idle)."""
        return self._job if self._job is not None and self._job.running else None

    def load(self, path: str | Path) -> SheetJob:
        """Read and check `path` on a worker thread; the report follows (`report_shown`)."""
        self._stop_job()
        self._path = Path(path)
        self._plan = None
        store, edits, target = self._store, self._edits, self._path

        def work(progress: Callable[[float, str], None], cancel: threading.Event) -> ImportPlan:
            return plan_import(store, target, edits=edits, progress=progress, cancel=cancel)

        job = SheetJob(work, kind="read")
        job.progressed.connect(self._on_job_progressed)
        job.succeeded.connect(self._on_read_succeeded)
        job.failed.connect(self._on_read_failed)
        job.cancelled.connect(self._on_read_cancelled)
        self._job = job
        self._show_busy(f"Reading {target.name}…")
        self._set_file_text(target, None)
        return job.start()

    def stop_reading(self) -> None:
        """Stop the read running now (the dialog stays open; nothing is queued)."""
        if self._job is not None and self._job.running:
            self._job.cancel()
            self.stop_button.setEnabled(False)
            self.progress_label.setText("Stopping…")

    def queue_changes(self) -> SheetJob | None:
        """Queue the plan shown as one undo step, on a worker thread (`queued` follows)."""
        plan = self._plan
        if plan is None or not plan.ok or not plan.items or self.job is not None:
            return None
        edits = self._edits

        def work(progress: Callable[[float, str], None], cancel: threading.Event) -> ChangeGroup:
            return apply(plan, edits, progress=progress, cancel=cancel)

        job = SheetJob(work, kind="queue")
        job.progressed.connect(self._on_job_progressed)
        job.succeeded.connect(self._on_queue_succeeded)
        job.failed.connect(self._on_queue_failed)
        job.cancelled.connect(self._on_queue_cancelled)
        self._job = job
        self._show_busy(f"Queuing {_count(plan.change_count, 'change')}…")
        self.stop_button.hide()  # Cancel stops queuing and closes the window
        self.queue_button.setEnabled(False)
        self.choose_button.setEnabled(False)
        return job.start()

    def shown_rows(self) -> list[list[str]]:
        """The report's table as text (tests, accessibility checks)."""
        return [
            [
                (self.table.item(r, c).text() if self.table.item(r, c) else "")  # type: ignore[union-attr]
                for c in range(self.table.columnCount())
            ]
            for r in range(self.table.rowCount())
        ]

    # -- closing ---------------------------------------------------------------------------

    def reject(self) -> None:
        """Cancel: a read is stopped and left behind (it queues nothing); queuing is cancelled
        inside its transaction, and the window closes once it is rolled back."""
        job = self._job
        if job is not None and job.running and job.kind == "queue":
            job.cancel()
            self._closing = True
            self.cancel_button.setEnabled(False)
            self.progress_label.setText("Cancelling…")
            return
        self._stop_job()
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        job = self._job
        if job is not None and job.running and job.kind == "queue":
            event.ignore()
            self.reject()
            return
        self._stop_job()
        super().closeEvent(event)

    def _stop_job(self) -> None:
        job = self._job
        if job is not None and job.running:
            job.cancel()
            for signal in (job.progressed, job.succeeded, job.failed, job.cancelled):
                signal.disconnect()
        self._job = None

    # -- drag and drop ---------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if dropped_sheet(event) is not None and self.choose_button.isEnabled():
            event.acceptProposedAction()
            self._set_hover(True)
        else:
            event.ignore()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        self._set_hover(False)
        super().dragLeaveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        self._set_hover(False)
        path = dropped_sheet(event)
        if path is None or not self.choose_button.isEnabled():
            event.ignore()
            return
        event.acceptProposedAction()
        self.load(path)

    def _set_hover(self, on: bool) -> None:
        self.drop_zone.setProperty("hover", on)
        self.drop_zone.style().unpolish(self.drop_zone)
        self.drop_zone.style().polish(self.drop_zone)

    # -- states ----------------------------------------------------------------------------

    def _set_file_text(self, path: Path | None, source: str | None) -> None:
        if path is None:
            self.file_label.setText("<b>Drop an exported CSV or XLSX file here</b>, or choose one.")
            return
        where = html.escape(str(path.parent))
        how = f" · read as {html.escape(source)}" if source else ""
        self.file_label.setText(f"<b>{html.escape(path.name)}</b>{how}<br><small>{where}</small>")

    def _show_empty(self) -> None:
        self._set_file_text(None, None)
        self.progress_row.hide()
        self.banner.hide()
        self.summary_label.hide()
        self.notes_label.hide()
        self.table.hide()
        self.more_label.hide()
        self.queue_button.setText("Queue changes")
        self.queue_button.setEnabled(False)

    def _show_busy(self, text: str) -> None:
        self.progress_bar.setValue(0)
        self.progress_label.setText(text)
        self.progress_row.show()
        self.stop_button.show()
        self.stop_button.setEnabled(True)
        self.banner.hide()
        self.summary_label.hide()
        self.notes_label.hide()
        self.table.hide()
        self.more_label.hide()
        self.queue_button.setText("Queue changes")
        self.queue_button.setEnabled(False)

    def _show_message(self, kind: str, text: str) -> None:
        self.progress_row.hide()
        self.banner.set_kind(kind)
        self.banner.set_text(text)
        self.banner.show()
        self.choose_button.setEnabled(True)
        self.choose_button.setText("Choose another file…")

    def show_report(self, plan: ImportPlan) -> None:
        """Show a checked file: its problems (nothing queued) or its plan."""
        self._plan = plan
        self._set_file_text(plan.path, plan.source)
        self.summary_label.setText(plan.summary())
        self.summary_label.show()
        notes = list(plan.notes)
        ignored = plan.ignored_note()
        if ignored:
            notes.append(ignored)
        if plan.ok and plan.warnings:
            notes += [f"Warning, {p}" for p in plan.warnings[:5]]
            if len(plan.warnings) > 5:
                notes.append(f"… and {len(plan.warnings) - 5:,} more warnings")
        self.notes_label.setText("<br>".join(html.escape(n) for n in notes))
        self.notes_label.setVisible(bool(notes))
        name = html.escape(plan.path.name)
        if not plan.ok:
            rows, problems = plan.problem_rows, len(plan.errors)
            if rows == 0:
                where = f"{name} has {_count(problems, 'problem')}"
            elif rows == problems:
                where = f"{_count(rows, 'row')} of {name} {'has' if rows == 1 else 'have'} problems"  # fmt: skip
            else:
                where = f"{name} has {_count(problems, 'problem')} in {_count(rows, 'row')}"
            self._show_message(
                "error",
                f"<b>{where}. Nothing was queued.</b> Fix the file and import it again.",
            )
            self._fill_problems(plan.errors)
            self.queue_button.setText("Queue changes")
            self.queue_button.setEnabled(False)
        elif not plan.items:
            self._show_message(
                "info",
                f"<b>Nothing to queue:</b> every row of {name} matches what the grid holds.",
            )
            self._fill_plan([])
            self.table.setVisible(False)
            self.queue_button.setText("Queue changes")
            self.queue_button.setEnabled(False)
        else:
            n = plan.change_count
            self._show_message(
                "ok",
                f"<b>{name} is valid.</b> Queuing adds {_count(n, 'pending change')} as one "
                "undo step; nothing is sent until you post.",
            )
            self._fill_plan(plan.items)
            self.queue_button.setText(f"Queue {_count(n, 'change')}")
            self.queue_button.setEnabled(True)
            self.queue_button.setDefault(True)
        emit(self.report_shown, plan)

    def _fill(self, headers: list[str], lines: list[list[str]], total: int) -> None:
        self.table.setUpdatesEnabled(False)
        self.table.clearContents()
        self.table.setHorizontalHeaderLabels(headers)
        self.table.setRowCount(len(lines))
        for r, line in enumerate(lines):
            for c, text in enumerate(line):
                item = QTableWidgetItem(text)
                if len(text) > 40:
                    item.setToolTip(text)  # the whole text, should a narrow window clip it
                self.table.setItem(r, c, item)
        self.table.setUpdatesEnabled(True)
        header = self.table.horizontalHeader()
        header.resizeSection(1, 280 if headers[1] == "Entity" else 140)
        header.resizeSection(2, 140 if headers[1] == "Entity" else 220)
        self.table.show()
        self._fit_rows()
        more = total - len(lines)
        self.more_label.setText(f"… and {more:,} more lines not shown" if more > 0 else "")
        self.more_label.setVisible(more > 0)

    def _fit_rows(self) -> None:
        """Row heights for the columns' widths as laid out now (wrapped reasons)."""
        if self.table.isVisible() and self.table.rowCount() <= SHOWN_ROWS:
            self.table.resizeRowsToContents()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_rows()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._fit_rows()

    def _fill_problems(self, problems: Sequence[Problem]) -> None:
        lines = [
            [str(p.row) if p.row else "—", p.column or "—", p.value or "", p.message]
            for p in problems[:SHOWN_ROWS]
        ]
        self._fill(["Row", "Column", "Value", "Reason"], lines, len(problems))
        danger = QColor(theme.colors().danger)
        for r in range(self.table.rowCount()):
            self.table.item(r, 3).setForeground(danger)  # type: ignore[union-attr]

    def _fill_plan(self, items: Sequence[PlannedRow]) -> None:
        """One line per changed cell; the row and the entity on the first line of each row."""
        accounts = {a.id: a.name or a.id for a in self._store.ad_accounts()} if items else {}
        lines: list[list[str]] = []
        total = 0
        for item in items:
            for n, cell in enumerate(item.cells):
                total += 1
                if len(lines) < SHOWN_ROWS:
                    old = cell.old or "(empty)"
                    new = cell.new or "(empty)"
                    change = new if item.action == "create" else f"{old} → {new}"
                    account = accounts.get(item.ad_account_id, item.ad_account_id)
                    first = [str(item.row), _entity(item, account)] if n == 0 else ["", ""]
                    lines.append([*first, cell.column, change])
        self._fill(["Row", "Entity", "Field", "Old → New"], lines, total)

    # -- slots -----------------------------------------------------------------------------

    def _on_choose_button_clicked(self) -> None:
        dialog = QFileDialog(self, "Import a spreadsheet")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setNameFilter(IMPORT_FILTER)
        if self._path is not None:
            dialog.setDirectory(str(self._path.parent))
        dialog.fileSelected.connect(self._on_file_dialog_file_selected)
        self.file_dialog = dialog
        dialog.open()

    def _on_file_dialog_file_selected(self, path: str) -> None:
        if path:
            self.load(path)

    def _on_stop_button_clicked(self) -> None:
        self.stop_reading()

    def _on_job_progressed(self, fraction: float, text: str) -> None:
        self.progress_bar.setValue(round(max(0.0, min(1.0, fraction)) * 1000))
        if not (self._job is not None and self._job.cancelling):
            self.progress_label.setText(text)

    def _on_read_succeeded(self, plan: object) -> None:
        self._job = None
        assert isinstance(plan, ImportPlan)
        self.show_report(plan)

    def _on_read_failed(self, message: str) -> None:
        self._job = None
        self._show_message(
            "error",
            f"<b>Couldn't read {html.escape(self._path.name if self._path else 'the file')}.</b> "
            f"{html.escape(message)}. Nothing was queued.",
        )
        emit(self.read_failed, message)

    def _on_read_cancelled(self) -> None:
        self._job = None
        name = html.escape(self._path.name if self._path else "the file")
        self._show_message("info", f"<b>Reading {name} was stopped.</b> Nothing was queued.")
        emit(self.read_stopped)

    def _on_queue_button_clicked(self) -> None:
        self.queue_changes()

    def _on_queue_succeeded(self, group: object) -> None:
        self._job = None
        assert isinstance(group, ChangeGroup)
        self._state.poll()  # every view (Pending Changes, the grid's marks) hears of it now
        emit(self.queued, group)
        self.accept()

    def _on_queue_failed(self, message: str) -> None:
        self._job = None
        if self._closing:
            super().reject()
            return
        self._show_message("error", f"<b>Nothing was queued.</b> {html.escape(message)}")
        self.stop_button.show()
        self.queue_button.setEnabled(False)

    def _on_queue_cancelled(self) -> None:
        self._job = None
        if self._closing:
            super().reject()
            return
        self._show_message("info", "<b>Queuing was cancelled.</b> Nothing was queued.")
        self.queue_button.setEnabled(self._plan is not None and self._plan.ok)


def open_import_dialog(
    parent: QWidget | None,
    *,
    store: Store,
    edits: EditService,
    state: _Polls,
    path: Path | None = None,
) -> GridImportDialog:
    """Open the import window (not modal-blocking: `open()`), reading `path` at once if
    given; otherwise the user chooses or drops a file."""
    dialog = GridImportDialog(parent, store=store, edits=edits, state=state)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    if path is not None:
        dialog.load(path)
    return dialog
