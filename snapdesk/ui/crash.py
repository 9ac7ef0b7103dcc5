"""Crash safety: one handler for every unhandled exception (`sys.excepthook`,
`threading.excepthook`, the asyncio loop's exception handler).

For each new error it
- writes `crash-YYYYmmdd-HHMMSS.txt` to the log directory, atomically: versions, platform, where
  it happened, the traceback text (never frame locals), the last log lines and whether pending
  changes are safe — all through the redactor (no tokens, client secrets, e-mail addresses or
  phone numbers; the home directory becomes `~`);
- logs it, traceback scrubbed the same way (whatever handlers the root logger has);
- shows `CrashDialog` (window-modal, opened with `open()`: the event loop keeps running) saying
  what happened in one line, whether pending changes are saved (they live in SQLite and are
  committed when made; the editor's unapplied form edits are the one thing in memory, and the
  dialog says so), with Open report folder / Copy report / Continue / Quit.

Guards: a re-entrant call (an error while handling an error) is only logged; while a crash
dialog is open, later errors are counted on it instead of opening another; the same error
(type and innermost frame) within `repeat_window_s` after its dialog is only logged and counted;
at most `max_reports` report files are written per session.
"""

from __future__ import annotations

import asyncio
import html
import logging
import os
import platform
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import PySide6
from PySide6.QtCore import QObject, Qt, QThread, QTimer, QUrl, Signal, qVersion
from PySide6.QtGui import QDesktopServices, QFont, QFontMetrics, QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from snapdesk import __version__
from snapdesk.core.kinds import LABEL
from snapdesk.core.outputs import make_private_dirs
from snapdesk.ui import theme
from snapdesk.ui._redact import RecentLogHandler, Redactor, redactor
from snapdesk.ui._signals import emit
from snapdesk.ui.dialogs._widgets import Banner

log = logging.getLogger(__name__)

DIALOG_TITLE = "snapdesk hit an unexpected error"
DIALOG_WIDTH = 620
DIALOG_MARGIN = 22
LOG_FILE = "snapdesk.log"
LOG_LINES = 200
MAX_REPORTS = 20
REPEAT_WINDOW_S = 60.0

Signature = tuple[str, str, int]
_NAMING = threading.Lock()
OpenUrl = Callable[[QUrl], object]


# --------------------------------------------------------------------------------- the report


@dataclass(frozen=True)
class SafetyState:
    """What the dialog and the report say about the user's work."""

    pending: int | None = None  # pending changes in the database; None: couldn't be counted
    pending_error: str | None = None
    unapplied: str | None = None  # "campaign “Spring Sale”" when the editor has unapplied edits
    editor_error: str | None = None


@dataclass
class CrashReport:
    """One handled error: the redacted report text and where it was saved."""

    summary: str  # one line: "KeyError: 'budget'"
    where: str
    text: str
    signature: Signature
    path: Path | None = None
    write_error: str | None = None
    safety: SafetyState = field(default_factory=SafetyState)


def signature_of(kind: type[BaseException], tb: TracebackType | None) -> Signature:
    """Type and innermost frame: a storm of the same error has one signature."""
    frames = traceback.extract_tb(tb) if tb is not None else []
    last = frames[-1] if frames else None
    return (kind.__qualname__, last.filename if last else "", last.lineno or 0 if last else 0)


def summary_of(kind: type[BaseException], value: BaseException, *, scrub: Redactor) -> str:
    message = " ".join(str(value).split())
    text = f"{kind.__name__}: {message}" if message else kind.__name__
    text = scrub.scrub(text)
    return text if len(text) <= 300 else text[:299] + "…"


def environment_lines() -> list[str]:
    frozen = " (installed bundle)" if getattr(sys, "frozen", False) else ""
    app = QGuiApplication.instance()
    qpa = QGuiApplication.platformName() if app is not None else "none"
    return [
        f"snapdesk: {__version__}{frozen}",
        f"Python: {platform.python_version()} ({platform.python_implementation()})",
        f"Qt: {qVersion()} · PySide6 {PySide6.__version__} · platform plugin {qpa}",
        f"OS: {platform.platform()}",
    ]


def traceback_text(
    kind: type[BaseException], value: BaseException, tb: TracebackType | None
) -> str:
    """The traceback as Python prints it: file, line, function and source line of each frame,
    and the exception with its chain. Frame locals are never included."""
    return "".join(traceback.format_exception(kind, value, tb, chain=True))


def build_report_text(
    *,
    title: str,
    when: datetime,
    where: str,
    trace: str | None,
    safety: SafetyState,
    log_lines: list[str],
    scrub: Redactor,
) -> str:
    lines = [
        title,
        "=" * len(title),
        f"When: {when:%Y-%m-%d %H:%M:%S} (local time)",
    ]
    if where:
        lines.append(f"Where: {where}")
    lines.extend(environment_lines())
    lines.append(f"Pending changes: {_pending_line(safety)}")
    if safety.unapplied:
        lines.append(f"Editor: unapplied edits to a {safety.unapplied.split(' ', 1)[0]}")
    lines.append("")
    lines.append(
        "Tokens, client secrets, e-mail addresses and phone numbers are replaced by <redacted>, "
        "<email> and <phone>; variable values are not included."
    )
    if trace is not None:
        lines += ["", "Traceback", "---------", trace.rstrip()]
    heading = f"Last {len(log_lines)} log lines" if log_lines else "No log lines yet"
    lines += ["", heading, "-" * len(heading), *log_lines, ""]
    return scrub.scrub("\n".join(lines))


def _pending_line(safety: SafetyState) -> str:
    if safety.pending is None:
        return f"could not be counted ({safety.pending_error or 'unknown'})"
    return f"{safety.pending} saved in the local database"


def write_report(directory: Path, text: str, *, when: datetime, prefix: str = "crash") -> Path:
    """Write `text` to `<prefix>-YYYYmmdd-HHMMSS.txt` in `directory`, atomically (a temporary
    file in the same directory, fsynced, then renamed): a reader never sees half a report."""
    make_private_dirs(directory)  # 0700 when snapdesk creates it; mkstemp makes the file 0600
    stem = f"{prefix}-{when:%Y%m%d-%H%M%S}"
    fd, tmp_name = tempfile.mkstemp(prefix=f".{stem}-", suffix=".tmp", dir=directory)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        with _NAMING:  # two threads crashing in the same second get two files
            n = 1
            target = directory / f"{stem}.txt"
            while target.exists():
                n += 1
                target = directory / f"{stem}-{n}.txt"
            os.replace(tmp, target)
        return target
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def tail_lines(path: Path, count: int) -> list[str]:
    """The last `count` lines of a text file (reading at most its last 256 KB)."""
    try:
        with path.open("rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - 256_000))
            data = fh.read()
    except OSError:
        return []
    return data.decode("utf-8", errors="replace").splitlines()[-count:]


# --------------------------------------------------------------------------------- the state


def session_secrets(session: Any) -> list[str]:
    """The secrets a session holds in memory right now: each signed-in login's access and
    refresh tokens (and its OAuth app's client secret), a static token (`SNAPDESK_ACCESS_TOKEN`,
    the sandbox's), the session-only token store and the fixed OAuth app. Token objects never
    expose these publicly (their reprs are redacted), so this reads their attributes directly."""
    found: list[str] = []

    def add_tokens(tokens: Any) -> None:
        for name in ("access_token", "refresh_token"):
            value = getattr(tokens, name, None)
            if isinstance(value, str):
                found.append(value)

    def add_app(app: Any) -> None:
        secret = getattr(app, "client_secret", None)
        if isinstance(secret, str):
            found.append(secret)

    for api in list(getattr(session, "apis", {}).values()):
        provider = getattr(api, "_tokens", None)
        for _ in range(4):  # WatchedTokens → RefreshingTokenProvider / StaticTokenProvider
            if provider is None:
                break
            add_tokens(getattr(provider, "tokens", None))
            static = getattr(provider, "_token", None)
            if isinstance(static, str):
                found.append(static)
            add_app(getattr(getattr(provider, "_endpoint", None), "app", None))
            provider = getattr(provider, "inner", None)
    memory = getattr(session, "memory", None)
    for tokens in list(getattr(memory, "_tokens", {}).values()):
        add_tokens(tokens)
    found.extend(v for v in list(getattr(memory, "_secrets", {}).values()) if isinstance(v, str))
    add_app(getattr(session, "oauth_app", None))
    return found


def safety_of(window: Any, *, gui_thread: bool) -> SafetyState:
    """Count the pending changes (a read of the database) and, on the GUI thread, look at the
    editor for unapplied form edits. Never raises: each failure is described instead."""
    pending: int | None = None
    pending_error: str | None = None
    unapplied: str | None = None
    editor_error: str | None = None
    if window is None:
        return SafetyState(pending_error="the main window isn't open yet")
    try:
        pending = len(window.editing.edits.pending())
    except Exception as exc:
        pending_error = type(exc).__name__
    if gui_thread:
        try:
            unapplied = unapplied_edits(window)
        except Exception as exc:
            editor_error = type(exc).__name__
    return SafetyState(
        pending=pending, pending_error=pending_error, unapplied=unapplied, editor_error=editor_error
    )


def unapplied_edits(window: Any) -> str | None:
    """ "campaign “Spring Sale”" when the editor shows form edits not yet applied (queued)."""
    from snapdesk.ui.editors._editor import EntityEditor

    editor = window.editing.editor_pane.current_editor
    if not isinstance(editor, EntityEditor) or not editor.isEnabled():
        return None
    if not editor.changed_fields():
        return None
    noun = LABEL.get(editor.kind, "item").lower()
    if editor.is_new:
        return f"new {noun}"
    return f"{noun} “{editor.title_label.text()}”"


# --------------------------------------------------------------------------------- the handler


class CrashHandler(QObject):
    """Routes every unhandled exception to one place (see the module docstring).

    Signals: `dialog_opened(object)` with the `CrashDialog` (tests, screenshots);
    `_report_ready(object)` carries a report from a worker thread to the GUI thread.
    """

    dialog_opened = Signal(object)
    _report_ready = Signal(object)
    _counts_changed = Signal()

    def __init__(
        self,
        *,
        log_dir: Path,
        recent: RecentLogHandler | None = None,
        scrub: Redactor | None = None,
        open_url: OpenUrl | None = None,
        repeat_window_s: float = REPEAT_WINDOW_S,
        max_reports: int = MAX_REPORTS,
        clock: Callable[[], float] = time.monotonic,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.log_dir = log_dir
        self.recent = recent
        self.scrub = scrub or redactor
        self.open_url: OpenUrl = open_url or QDesktopServices.openUrl
        self.repeat_window_s = repeat_window_s
        self.max_reports = max_reports
        self._clock = clock
        self._lock = threading.RLock()
        self._local = threading.local()
        self._window: Any = None
        self._quit: Callable[[], object] | None = None
        self._secrets: Callable[[], list[str]] | None = None
        #: How Quit ends the app while no window is attached (the app cancels its main task).
        self.fallback_quit: Callable[[], object] | None = None
        #: The user chose Quit in a crash dialog.
        self.quit_requested = False
        self._last_shown: dict[Signature, float] = {}
        self._counts: dict[Signature, int] = {}
        self.reports: list[CrashReport] = []
        self.reports_written = 0
        self.dialog: CrashDialog | None = None
        self._previous: tuple[Any, Any] | None = None
        self._others = 0  # errors of other kinds since the open dialog's
        self._report_ready.connect(self._show, Qt.ConnectionType.QueuedConnection)
        self._counts_changed.connect(self._refresh_counts, Qt.ConnectionType.QueuedConnection)

    # -- wiring ----------------------------------------------------------------------------

    def install(self) -> None:
        """Take over `sys.excepthook` and `threading.excepthook` (until `uninstall`)."""
        if self._previous is None:
            self._previous = (sys.excepthook, threading.excepthook)
        sys.excepthook = self.excepthook
        threading.excepthook = self.threading_excepthook

    def uninstall(self) -> None:
        if self._previous is not None:
            sys.excepthook, threading.excepthook = self._previous
            self._previous = None

    def install_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        loop.set_exception_handler(self.loop_exception_handler)

    def attach(self, window: Any, *, quit: Callable[[], object] | None = None) -> None:
        """The main window: the dialog's parent, where pending changes and the editor are, and
        what Quit closes (default: the window, whose normal shutdown closes the database).
        The tokens and secrets its session holds are scrubbed from logs and reports from now on."""
        self.detach()
        self._window = window
        self._quit = quit
        session = getattr(window, "session", None)
        if session is not None:
            self._secrets = lambda: session_secrets(session)
            self.scrub.add_source(self._secrets)

    def detach(self) -> None:
        if self._secrets is not None:
            self.scrub.remove_source(self._secrets)
            self._secrets = None
        self._window = None
        self._quit = None

    # -- entry points ----------------------------------------------------------------------

    def excepthook(
        self, kind: type[BaseException], value: BaseException, tb: TracebackType | None
    ) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, value, tb)
            return
        self.handle(kind, value, tb, where="the main thread")

    def threading_excepthook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit or args.exc_value is None:
            return
        name = args.thread.name if args.thread is not None else "a worker thread"
        self.handle(args.exc_type, args.exc_value, args.exc_traceback, where=f"thread {name}")

    def loop_exception_handler(
        self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]
    ) -> None:
        exc = context.get("exception")
        message = str(context.get("message") or "unhandled error in the event loop")
        if not isinstance(exc, BaseException) or isinstance(exc, asyncio.CancelledError):
            log.error("%s", message)
            return
        task = context.get("task") or context.get("future")
        name = task.get_name() if isinstance(task, asyncio.Task) else None
        where = f"background task {name}" if name else "a background task"
        self.handle(type(exc), exc, exc.__traceback__, where=where)

    # -- the work --------------------------------------------------------------------------

    def handle(
        self,
        kind: type[BaseException],
        value: BaseException,
        tb: TracebackType | None,
        *,
        where: str,
    ) -> CrashReport | None:
        """Report one error; returns the report, or None when it was only logged (a repeat,
        or an error while handling another)."""
        if getattr(self._local, "busy", False):
            self._log_only("error while reporting an error", kind, value, tb)
            return None
        self._local.busy = True
        try:
            return self._handle(kind, value, tb, where=where)
        except Exception:
            # The handler itself failed: say so in the log, never raise from a hook.
            self._log_only("the crash handler failed", *sys.exc_info())
            return None
        finally:
            self._local.busy = False

    def _handle(
        self,
        kind: type[BaseException],
        value: BaseException,
        tb: TracebackType | None,
        *,
        where: str,
    ) -> CrashReport | None:
        signature = signature_of(kind, tb)
        now = self._clock()
        with self._lock:
            self._counts[signature] = self._counts.get(signature, 0) + 1
            shown = self._last_shown.get(signature)
            repeat = shown is not None and now - shown < self.repeat_window_s
            dialog = self.dialog
            if dialog is not None and signature != dialog.report.signature:
                self._others += 1
            if repeat or self.reports_written >= self.max_reports:
                self._log_only(f"unhandled exception in {where} (repeat)", kind, value, tb)
                if dialog is not None:
                    emit(self._counts_changed)
                return None
            self._last_shown[signature] = now
            self.reports_written += 1
        gui = _on_gui_thread()
        safety = safety_of(self._window, gui_thread=gui)
        report = CrashReport(
            summary=summary_of(kind, value, scrub=self.scrub),
            where=where,
            text=build_report_text(
                title="snapdesk crash report",
                when=datetime.now(),
                where=where,
                trace=traceback_text(kind, value, tb),
                safety=safety,
                log_lines=self._log_lines(),
                scrub=self.scrub,
            ),
            signature=signature,
            safety=safety,
        )
        try:
            report.path = write_report(self.log_dir, report.text, when=datetime.now())
        except OSError as exc:
            report.write_error = exc.strerror or type(exc).__name__
        # The traceback goes to the log already scrubbed: whatever handlers are configured.
        log.critical(
            "unhandled exception in %s (report: %s)\n%s",
            where,
            report.path.name if report.path else "not written",
            self.scrub.scrub(traceback_text(kind, value, tb)).rstrip(),
        )
        with self._lock:
            self.reports.append(report)
        if gui:
            self._show(report)
        else:
            emit(self._report_ready, report)
        return report

    def _log_lines(self) -> list[str]:
        if self.recent is not None:
            return self.recent.lines()[-LOG_LINES:]
        return [self.scrub.scrub(line) for line in tail_lines(self.log_dir / LOG_FILE, LOG_LINES)]

    def _log_only(
        self,
        what: str,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if kind is None or value is None:
                log.critical("%s", what)
            else:
                trace = self.scrub.scrub(traceback_text(kind, value, tb)).rstrip()
                log.critical("%s\n%s", what, trace)
        except Exception:  # logging (or scrubbing) itself is broken: nothing more can be done
            pass

    # -- the dialog ------------------------------------------------------------------------

    def _show(self, report: object) -> None:
        if not isinstance(report, CrashReport):
            return
        if self.dialog is not None:
            self._refresh_counts()
            return
        if report.safety.unapplied is None and self._window is not None:
            # Reports from worker threads could not look at the editor: look now.
            try:
                unapplied = unapplied_edits(self._window)
            except Exception:
                unapplied = None
            if unapplied:
                report.safety = SafetyState(
                    pending=report.safety.pending,
                    pending_error=report.safety.pending_error,
                    unapplied=unapplied,
                )
        self._local.busy = True
        try:
            parent = self._window if isinstance(self._window, QWidget) else None
            dialog = CrashDialog(report, open_url=self.open_url, parent=parent)
            dialog.quit_requested.connect(self._on_dialog_quit_requested)
            dialog.finished.connect(self._on_dialog_finished)
            self.dialog = dialog
            with self._lock:
                self._others = 0
            dialog.open()
            emit(self.dialog_opened, dialog)
        except Exception:
            self.dialog = None
            self._log_only("could not show the crash dialog", *sys.exc_info())
        finally:
            self._local.busy = False

    def _refresh_counts(self) -> None:
        dialog = self.dialog
        if dialog is None:
            return
        with self._lock:
            same = self._counts.get(dialog.report.signature, 1)
            others = self._others
        dialog.set_counts(same=same, others=others)

    def _on_dialog_finished(self, _result: int) -> None:
        dialog, self.dialog = self.dialog, None
        if dialog is not None:
            dialog.deleteLater()

    def _on_dialog_quit_requested(self) -> None:
        self.quit_requested = True
        if self._quit is not None:
            self._quit()
        elif isinstance(self._window, QWidget):
            self._window.close()
        elif self.fallback_quit is not None:
            self.fallback_quit()
        else:
            app = QApplication.instance()
            if app is not None:
                app.quit()


def _on_gui_thread() -> bool:
    app = QApplication.instance()
    return app is not None and QThread.currentThread() is app.thread()


# --------------------------------------------------------------------------------- dialogs


class ReportDialog(QDialog):
    """The frame both dialogs share: an icon and title, body rows, the report's path, and the
    Open report folder / Copy report buttons."""

    def __init__(
        self,
        *,
        title: str,
        icon: str,
        report_text: str,
        report_path: Path | None,
        log_dir: Path,
        open_url: OpenUrl,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._text = report_text
        self._path = report_path
        self._log_dir = log_dir
        self._open_url = open_url
        self.setWindowTitle(title)
        self.setFixedWidth(DIALOG_WIDTH)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(DIALOG_MARGIN, 20, DIALOG_MARGIN, 18)
        outer.setSpacing(12)
        head = QHBoxLayout()
        head.setSpacing(14)
        icon_label = QLabel()
        icon_label.setPixmap(theme.large_icon(icon, 32))
        head.addWidget(icon_label, 0, Qt.AlignmentFlag.AlignVCenter)
        self.title_label = QLabel(title)
        self.title_label.setObjectName("dialogTitle")
        self.title_label.setWordWrap(True)
        head.addWidget(self.title_label, 1)
        outer.addLayout(head)
        self.body = QVBoxLayout()
        self.body.setSpacing(10)
        outer.addLayout(self.body)
        self.path_label = QLabel()
        self.path_label.setObjectName("muted")
        self.path_label.setWordWrap(True)
        self.path_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        outer.addWidget(self.path_label)
        outer.addSpacing(4)
        self.buttons = QHBoxLayout()
        self.buttons.setSpacing(8)
        self.open_button = QPushButton("Open report folder")
        self.open_button.setToolTip(str(log_dir))
        self.open_button.clicked.connect(self._on_open_button_clicked)
        self.copy_button = QPushButton("Copy report")
        self.copy_button.setToolTip("Copy the report (no tokens or personal data) to paste it")
        self.copy_button.clicked.connect(self._on_copy_button_clicked)
        self.buttons.addWidget(self.open_button)
        self.buttons.addWidget(self.copy_button)
        self.buttons.addStretch(1)
        outer.addLayout(self.buttons)

    @property
    def report_text(self) -> str:
        return self._text

    def folder(self) -> Path:
        return self._path.parent if self._path is not None else self._log_dir

    def _on_open_button_clicked(self) -> None:
        self._open_url(QUrl.fromLocalFile(str(self.folder())))

    def _on_copy_button_clicked(self) -> None:
        QGuiApplication.clipboard().setText(self._text)
        self.copy_button.setText("Copied")
        QTimer.singleShot(2500, self, lambda: self.copy_button.setText("Copy report"))


class CrashDialog(ReportDialog):
    """“snapdesk hit an unexpected error”: what happened, whether work is safe, the report.
    Signals: `quit_requested()` when the user chose Quit."""

    quit_requested = Signal()

    def __init__(
        self, report: CrashReport, *, open_url: OpenUrl, parent: QWidget | None = None
    ) -> None:
        log_dir = report.path.parent if report.path is not None else Path.home()
        super().__init__(
            title=DIALOG_TITLE,
            icon="error",
            report_text=report.text,
            report_path=report.path,
            log_dir=log_dir,
            open_url=open_url,
            parent=parent,
        )
        self.report = report
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.what_label = QLabel()
        self.what_label.setTextFormat(Qt.TextFormat.RichText)
        self.what_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.what_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._set_what()
        self.body.addWidget(self.what_label)
        self.safe_banner = Banner(*_safety_banner(report.safety))
        self.body.addWidget(self.safe_banner)
        self.editor_banner = Banner("warning")
        if report.safety.unapplied:
            what = html.escape(report.safety.unapplied)
            self.editor_banner.set_text(
                f"<b>The editor has edits to {what} that you haven't applied.</b> They are only "
                "on screen: choose Continue, then Apply, to keep them. Quit discards them."
            )
        else:
            self.editor_banner.hide()
        self.body.addWidget(self.editor_banner)
        self.count_label = QLabel()
        self.count_label.setObjectName("muted")
        self.count_label.hide()
        self.body.addWidget(self.count_label)
        if report.path is not None:
            self.path_label.setText(
                "A report without tokens or personal data was saved as "
                f"<b>{html.escape(report.path.name)}</b> in the log folder. Send it with a few "
                "words about what you were doing."
            )
        else:
            self.open_button.setEnabled(False)
            self.path_label.setText(
                f"The report couldn't be saved ({html.escape(report.write_error or 'unknown')}); "
                "use Copy report to keep it."
            )
        self.quit_button = QPushButton("Quit")
        self.quit_button.setToolTip("Close snapdesk; pending changes stay in the database")
        self.quit_button.clicked.connect(self._on_quit_button_clicked)
        self.continue_button = QPushButton("Continue")
        self.continue_button.setObjectName("primaryButton")
        self.continue_button.setDefault(True)
        self.continue_button.setToolTip("Close this message and keep working")
        self.continue_button.clicked.connect(self.accept)
        self.buttons.addWidget(self.quit_button)
        self.buttons.addWidget(self.continue_button)
        self.continue_button.setFocus()

    def _set_what(self) -> None:
        """One line, elided to the dialog's width; the whole text and where it happened are in
        the tooltip (and the report)."""
        prefix = "What happened: "
        bold = QFont(self.what_label.font())
        bold.setBold(True)
        room = DIALOG_WIDTH - 2 * DIALOG_MARGIN - QFontMetrics(bold).horizontalAdvance(prefix) - 8
        short = self.what_label.fontMetrics().elidedText(
            self.report.summary, Qt.TextElideMode.ElideRight, room
        )
        self.what_label.setText(f"<b>{prefix}</b>{html.escape(short)}")
        self.what_label.setToolTip(f"{self.report.summary}\n(in {self.report.where})")

    def set_counts(self, *, same: int, others: int) -> None:
        parts = []
        if same > 1:
            parts.append(f"This error happened {same} times")
        if others:
            parts.append(
                f"{others} other error{'s' if others != 1 else ''} happened since; "
                "see the log folder"
            )
        self.count_label.setText(" · ".join(parts))
        self.count_label.setVisible(bool(parts))

    def _on_quit_button_clicked(self) -> None:
        self.accept()
        emit(self.quit_requested)


def _safety_banner(safety: SafetyState) -> tuple[str, str]:
    if safety.pending is None:
        return (
            "warning",
            "<b>snapdesk couldn't check its pending changes</b> "
            f"({html.escape(safety.pending_error or 'unknown')}). Changes you queued were "
            "saved in the local database the moment you made them.",
        )
    n = safety.pending
    if n == 0:
        detail = "Nothing was waiting to be posted, so nothing is lost."
    else:
        detail = (
            f"{n:,} pending change{'s are' if n != 1 else ' is'} in snapdesk's database on "
            "this computer and will be there after a restart."
        )
    return "ok", f"<b>Your pending changes are saved.</b> {detail}"


class ProblemReportDialog(ReportDialog):
    """Help → Report a problem…: a diagnostics report (versions, platform, recent log lines, no
    tokens or personal data) saved to the log folder, ready to send."""

    def __init__(
        self,
        *,
        report_text: str,
        report_path: Path | None,
        log_dir: Path,
        write_error: str | None = None,
        open_url: OpenUrl,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            title="Report a problem",
            icon="info",
            report_text=report_text,
            report_path=report_path,
            log_dir=log_dir,
            open_url=open_url,
            parent=parent,
        )
        intro = QLabel(
            "Describe what you were doing and what went wrong, and attach the report below. "
            "Crash reports (<b>crash-….txt</b>) from earlier errors are in the same folder."
        )
        intro.setWordWrap(True)
        self.body.addWidget(intro)
        if report_path is not None:
            self.path_label.setText(
                f"Saved <b>{html.escape(report_path.name)}</b> (versions, platform and the last "
                "log lines — no tokens or personal data) in "
                f"<span style='white-space: nowrap;'>{html.escape(str(log_dir))}</span>."
            )
        else:
            self.path_label.setText(
                f"The report couldn't be saved ({html.escape(write_error or 'unknown')}); "
                "use Copy report instead."
            )
        self.close_button = QPushButton("Close")
        self.close_button.setObjectName("primaryButton")
        self.close_button.setDefault(True)
        self.close_button.clicked.connect(self.accept)
        self.buttons.addWidget(self.close_button)


def open_problem_report(
    *,
    window: Any,
    log_dir: Path,
    recent: RecentLogHandler | None = None,
    open_url: OpenUrl | None = None,
) -> ProblemReportDialog:
    """Write a diagnostics report to the log folder and show it (Help → Report a problem…)."""
    scrub = redactor
    lines = recent.lines()[-LOG_LINES:] if recent is not None else None
    if lines is None:
        lines = [scrub.scrub(line) for line in tail_lines(log_dir / LOG_FILE, LOG_LINES)]
    when = datetime.now()
    text = build_report_text(
        title="snapdesk diagnostics report",
        when=when,
        where="",
        trace=None,
        safety=safety_of(window, gui_thread=True),
        log_lines=lines,
        scrub=scrub,
    )
    path: Path | None = None
    error: str | None = None
    try:
        path = write_report(log_dir, text, when=when, prefix="report")
    except OSError as exc:
        error = exc.strerror or type(exc).__name__
    dialog = ProblemReportDialog(
        report_text=text,
        report_path=path,
        log_dir=log_dir,
        write_error=error,
        open_url=open_url or QDesktopServices.openUrl,
        parent=window if isinstance(window, QWidget) else None,
    )
    dialog.finished.connect(dialog.deleteLater)
    dialog.open()
    return dialog
