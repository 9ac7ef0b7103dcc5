"""The crash handler: one redacted report per error in the log folder (traceback and type, no
token, secret, e-mail address, phone number or variable value), one dialog for a storm of the
same error, no loop when the dialog itself fails, and pending changes intact (Quit closes the
window through its normal shutdown)."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from snapdesk.api import SnapApi
from snapdesk.auth import MemoryTokenStore, RefreshingTokenProvider, TokenSet
from snapdesk.changes import ChangeRepository, EditService
from snapdesk.core.kinds import AD_ACCOUNT, CAMPAIGN, ORGANIZATION
from snapdesk.store import Store
from snapdesk.ui._redact import RecentLogHandler, RedactingFormatter, Redactor
from snapdesk.ui.crash import DIALOG_TITLE, CrashDialog, CrashHandler, write_report
from snapdesk.ui.editors.campaign import CampaignEditor
from snapdesk.ui.main_window import MainWindow
from snapdesk.ui.session import Session
from tests.ui import data

SANDBOX_TOKEN = "sandbox-demo-token"
EMAIL = "jane.doe@example.com"
PHONE = "+1 415 555 0100"
REFRESH = "rt-plain-77Qz"  # no recognisable shape: only the session's own tokens reveal it
ACCESS = "at-plain-42Xy"
LOCAL_SECRET = "local-variable-value-91"


@pytest.fixture
def session(filled_store: Store, qloop: asyncio.AbstractEventLoop) -> Session:
    tokens = TokenSet(access_token=ACCESS, refresh_token=REFRESH, expires_at=4e9)
    memory = MemoryTokenStore()
    memory.save("default", tokens)
    provider = RefreshingTokenProvider(
        profile="default", store=memory, endpoint=None, tokens=tokens
    )
    api = SnapApi(token_provider=provider, base_url="http://127.0.0.1:9/v1")
    return Session(store=filled_store, loop=qloop, api=api, profile="default", memory=memory)


@pytest.fixture
def window(qtbot: QtBot, session: Session) -> MainWindow:
    w = MainWindow(session)
    qtbot.addWidget(w)
    w.resize(1200, 760)
    w.show()
    return w


@pytest.fixture
def opened() -> list[QUrl]:
    return []


@pytest.fixture
def handler(tmp_path: Path, window: MainWindow, opened: list[QUrl]) -> Iterator[CrashHandler]:
    h = CrashHandler(log_dir=tmp_path / "logs", recent=RecentLogHandler(), open_url=opened.append)
    logging.getLogger().addHandler(h.recent)  # type: ignore[arg-type]
    h.attach(window)
    h.install()
    try:
        yield h
    finally:
        h.uninstall()
        h.detach()
        logging.getLogger().removeHandler(h.recent)  # type: ignore[arg-type]
        if h.dialog is not None:
            h.dialog.close()


def _fail_with_secrets() -> None:
    secret = LOCAL_SECRET  # a local variable: its value must not reach the report
    raise RuntimeError(
        f"upload failed for {EMAIL} / {PHONE}: Authorization: Bearer {SANDBOX_TOKEN}, "
        f"refresh {REFRESH}, access {ACCESS} ({len(secret)})"
    )


def _raise_through_hook() -> None:
    try:
        _fail_with_secrets()
    except RuntimeError:
        sys.excepthook(*sys.exc_info())


def _queue_pending(store: Store) -> None:
    EditService(store=store).edit(kind=CAMPAIGN, entity_id="cmp-us-spring", fields={"name": "B"})


def _reports(handler: CrashHandler) -> list[Path]:
    return sorted(handler.log_dir.glob("crash-*.txt"))


def test_excepthook_writes_a_redacted_report_and_opens_one_dialog(
    qtbot: QtBot, handler: CrashHandler, window: MainWindow, opened: list[QUrl]
) -> None:
    logging.getLogger("snapdesk.test").warning(
        "syncing for %s, phone %s, token %s", EMAIL, PHONE, SANDBOX_TOKEN
    )
    with qtbot.waitSignal(handler.dialog_opened, timeout=3000):
        _raise_through_hook()

    [path] = _reports(handler)
    text = path.read_text(encoding="utf-8")
    assert path.name.startswith("crash-") and len(path.stem) == len("crash-20260101-120000")
    assert "Traceback (most recent call last)" in text
    assert "RuntimeError: upload failed" in text
    assert "_fail_with_secrets" in text  # the frames are there
    assert "snapdesk.test" in text  # the log lines before the crash are there
    assert "Python:" in text and "Qt:" in text and "snapdesk:" in text
    for secret in (SANDBOX_TOKEN, EMAIL, PHONE, "415 555", REFRESH, ACCESS, LOCAL_SECRET):
        assert secret not in text, secret
    assert "<email>" in text and "<phone>" in text and "<redacted>" in text
    assert not list(handler.log_dir.glob("*.tmp"))  # written atomically, nothing left over

    dialog = handler.dialog
    assert isinstance(dialog, CrashDialog) and dialog.isVisible()
    assert dialog.windowTitle() == DIALOG_TITLE
    assert dialog.parent() is window
    assert dialog.windowModality() == Qt.WindowModality.WindowModal  # open(), not exec()
    assert "RuntimeError" in dialog.what_label.text()
    assert EMAIL not in dialog.what_label.text() and EMAIL not in dialog.what_label.toolTip()
    assert "Your pending changes are saved" in dialog.safe_banner.text()
    assert dialog.editor_banner.isHidden()
    assert path.name in dialog.path_label.text()

    dialog.copy_button.click()
    assert QGuiApplication.clipboard().text() == text
    dialog.open_button.click()
    assert [u.toLocalFile() for u in opened] == [str(handler.log_dir)]
    dialog.continue_button.click()
    assert handler.dialog is None and window.isVisible()


def test_log_file_formatter_redacts_the_same_things(tmp_path: Path) -> None:
    scrub = Redactor()
    scrub.add_source(lambda: [REFRESH])
    path = tmp_path / "snapdesk.log"
    file_handler = logging.FileHandler(path, encoding="utf-8")
    file_handler.setFormatter(RedactingFormatter("%(levelname)s %(message)s", scrubber=scrub))
    logger = logging.getLogger("snapdesk.test.redaction")
    logger.addHandler(file_handler)
    logger.propagate = False
    try:
        logger.error("refresh %s for %s %s", REFRESH, EMAIL, PHONE)
        try:
            raise ValueError(f"access_token=abc123def&x=1 {SANDBOX_TOKEN}")
        except ValueError:
            logger.exception("failed")
    finally:
        logger.removeHandler(file_handler)
        file_handler.close()
    text = path.read_text(encoding="utf-8")
    for secret in (REFRESH, EMAIL, PHONE, SANDBOX_TOKEN, "abc123def"):
        assert secret not in text, secret
    assert "ValueError: access_token=<redacted>" in text


def test_a_storm_of_the_same_error_shows_one_dialog_and_counts_it(
    qtbot: QtBot, handler: CrashHandler
) -> None:
    opened_dialogs: list[object] = []
    handler.dialog_opened.connect(opened_dialogs.append)
    for _ in range(25):
        _raise_through_hook()
    qtbot.waitUntil(lambda: handler.dialog is not None and handler.dialog.count_label.isVisible())
    assert len(opened_dialogs) == 1
    assert len(_reports(handler)) == 1
    assert handler.dialog is not None
    assert handler.dialog.count_label.text() == "This error happened 25 times"

    # Continue, and the same error again at once: still no second dialog (rate limit).
    handler.dialog.continue_button.click()
    _raise_through_hook()
    qtbot.wait(50)
    assert len(opened_dialogs) == 1 and handler.dialog is None

    # A different error while a dialog is open is counted on it, not shown in a new one.
    with qtbot.waitSignal(handler.dialog_opened):
        try:
            {}["missing"]
        except KeyError:
            sys.excepthook(*sys.exc_info())
    dialog = handler.dialog
    try:
        raise ZeroDivisionError("division by zero")
    except ZeroDivisionError:
        sys.excepthook(*sys.exc_info())
    qtbot.waitUntil(lambda: dialog is not None and dialog.count_label.isVisible())
    assert handler.dialog is dialog and len(opened_dialogs) == 2
    assert "1 other error happened since" in dialog.count_label.text()
    assert len(_reports(handler)) == 3


def test_an_error_while_showing_the_dialog_does_not_loop(
    qtbot: QtBot, handler: CrashHandler, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = 0

    def broken_init(self: CrashDialog, *args: object, **kwargs: object) -> None:
        nonlocal calls
        calls += 1
        raise RuntimeError("the dialog itself is broken")

    monkeypatch.setattr(CrashDialog, "__init__", broken_init)
    _raise_through_hook()
    assert calls == 1
    assert handler.dialog is None
    assert len(_reports(handler)) == 1  # the original error still got its report


def test_an_error_inside_the_handler_is_only_logged(
    handler: CrashHandler, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def recursive(*args: object, **kwargs: object) -> list[str]:
        _raise_through_hook()  # an error while building the report re-enters the hook
        return []

    monkeypatch.setattr(handler, "_log_lines", recursive)
    with caplog.at_level(logging.CRITICAL):
        _raise_through_hook()
    assert "error while reporting an error" in caplog.text
    assert len(_reports(handler)) == 1


def test_worker_thread_and_asyncio_errors_reach_the_same_handler(
    qtbot: QtBot, handler: CrashHandler, qloop: asyncio.AbstractEventLoop
) -> None:
    def work() -> None:
        raise OSError(f"disk full while writing {EMAIL}")

    thread = threading.Thread(target=work, name="hash-worker")
    with qtbot.waitSignal(handler.dialog_opened, timeout=3000):
        thread.start()
        thread.join()
    [report] = handler.reports
    assert report.where == "thread hash-worker"
    assert EMAIL not in report.text and "OSError: disk full" in report.text
    assert handler.dialog is not None
    handler.dialog.continue_button.click()

    async def background() -> None:
        raise LookupError("no such ad squad")

    task = qloop.create_task(background(), name="stats-refresh")
    qtbot.waitUntil(task.done)
    handler.loop_exception_handler(
        qloop,
        {
            "message": "Task exception was never retrieved",
            "exception": task.exception(),
            "task": task,
        },
    )
    assert handler.reports[-1].where == "background task stats-refresh"
    assert "LookupError: no such ad squad" in handler.reports[-1].text


def test_pending_changes_survive_the_hook_and_quit(
    qtbot: QtBot, handler: CrashHandler, window: MainWindow, filled_store: Store
) -> None:
    _queue_pending(filled_store)
    before = [c.id for c in ChangeRepository(filled_store).list()]
    assert before
    with qtbot.waitSignal(handler.dialog_opened):
        _raise_through_hook()
    dialog = handler.dialog
    assert dialog is not None
    assert "1 pending change is in snapdesk's database" in dialog.safe_banner.text()
    assert [c.id for c in ChangeRepository(filled_store).list()] == before

    with qtbot.waitSignal(window.closed, timeout=3000):
        dialog.quit_button.click()
    assert not window.isVisible()
    path = filled_store.path
    filled_store.close()  # what the app does after the window closed
    with Store(path) as reopened:
        assert [c.id for c in ChangeRepository(reopened).list()] == before


def test_unapplied_editor_edits_are_named_honestly(
    qtbot: QtBot, handler: CrashHandler, window: MainWindow
) -> None:
    path = ((ORGANIZATION, data.ORG), (AD_ACCOUNT, data.US))
    window.tree.expand(window.tree.expand_path(path))
    window.tree.select(window.model.locate((*path, (CAMPAIGN, "cmp-us-spring"))))
    editor = window.editing.editor_pane.current_editor
    assert isinstance(editor, CampaignEditor)
    editor.name_edit.setText("Typed but not applied")
    with qtbot.waitSignal(handler.dialog_opened):
        _raise_through_hook()
    dialog = handler.dialog
    assert dialog is not None and dialog.editor_banner.isVisibleTo(dialog)
    assert "haven't applied" in dialog.editor_banner.text()
    assert "campaign" in dialog.editor_banner.text()
    assert editor.name_edit.text() == "Typed but not applied"  # nothing thrown away


def test_reports_are_written_atomically_with_unique_names(tmp_path: Path) -> None:
    from datetime import datetime

    when = datetime(2026, 1, 2, 3, 4, 5)
    first = write_report(tmp_path, "one", when=when)
    second = write_report(tmp_path, "two", when=when)
    assert first.name == "crash-20260102-030405.txt"
    assert second.name == "crash-20260102-030405-2.txt"
    assert first.read_text() == "one" and second.read_text() == "two"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([first.name, second.name])


APP_SCRIPT = """
import sys
from PySide6.QtCore import QTimer
from snapdesk.ui import app, crash
from snapdesk.ui.main_window import MainWindow

original = MainWindow._on_status_timer_timeout
ticks = {"n": 0}


def failing_tick(self):
    ticks["n"] += 1
    if ticks["n"] == 2:  # a bug in an ordinary slot, once the window is up
        raise RuntimeError("tick failed for jane.doe@example.com with sandbox-demo-token")
    return original(self)


MainWindow._on_status_timer_timeout = failing_tick
show = crash.CrashHandler._show


def show_then_quit(self, report):
    show(self, report)
    if self.dialog is not None:
        print("dialog:", self.dialog.windowTitle(), flush=True)
        QTimer.singleShot(300, self.dialog.quit_button.click)


crash.CrashHandler._show = show_then_quit
if hasattr(app, "is_first_run"):
    app.is_first_run = lambda paths: False  # no welcome: straight to the window
sys.exit(app.run_app(sandbox=False))
"""


EARLY_SCRIPT = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from snapdesk.ui import app, crash

show = crash.CrashHandler._show


def show_then_quit(self, report):
    show(self, report)
    if self.dialog is not None:
        print("dialog before the window:", self._window is None, flush=True)
        QTimer.singleShot(300, self.dialog.quit_button.click)


crash.CrashHandler._show = show_then_quit
qapp = QApplication(sys.argv)
QTimer.singleShot(0, lambda: 1 / 0)  # fails as soon as the event loop runs
sys.exit(app.run_app(sandbox=False))
"""


def _run_app_script(tmp_path: Path, script: str) -> subprocess.CompletedProcess[str]:
    repo = Path(__file__).resolve().parents[2]
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "SNAPDESK_DATA_DIR": str(tmp_path / "data"),
        "SNAPDESK_CONFIG_DIR": str(tmp_path / "config"),
        "SNAPDESK_CACHE_DIR": str(tmp_path / "cache"),
        "PYTHONPATH": str(repo),
    }
    env.pop("SNAPDESK_ACCESS_TOKEN", None)
    return subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )


def test_the_app_routes_a_slot_error_to_the_dialog_and_quits_cleanly(tmp_path: Path) -> None:
    result = _run_app_script(tmp_path, APP_SCRIPT)
    assert result.returncode == 0, result.stderr
    assert f"dialog: {DIALOG_TITLE}" in result.stdout
    [report] = (tmp_path / "data" / "logs").glob("crash-*.txt")
    text = report.read_text(encoding="utf-8")
    assert "RuntimeError: tick failed for <email> with <redacted>" in text
    log = (tmp_path / "data" / "logs" / "snapdesk.log").read_text(encoding="utf-8")
    assert "RuntimeError: tick failed" in log
    for leaked in (EMAIL, SANDBOX_TOKEN):
        assert leaked not in text and leaked not in log and leaked not in result.stderr


def test_quit_before_the_window_exists_ends_the_app_without_a_traceback(tmp_path: Path) -> None:
    result = _run_app_script(tmp_path, EARLY_SCRIPT)
    assert "dialog before the window: True" in result.stdout
    assert result.returncode == 1  # a failure, reported in the crash report
    # The error itself is logged (scrubbed); nothing else escapes: no traceback out of run_app.
    for escaped in ("in run_app", "CancelledError", "Event loop stopped", "AttributeError"):
        assert escaped not in result.stderr, result.stderr
    assert list((tmp_path / "data" / "logs").glob("crash-*.txt"))
