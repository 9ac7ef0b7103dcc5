"""The first-run welcome: when it shows (first run only), what each button does and records,
and the app start end to end: "Explore with sample data" opens the sandbox session in the same
process (demo data in its own cache), "Connect your Snap account" opens the OAuth app setup, and
the welcome does not come back once answered."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from snapdesk.config import Paths
from snapdesk.core.settings import AppSettings, load_settings, save_settings, settings_path
from snapdesk.store import Store
from snapdesk.ui.dialogs.welcome import (
    CONNECT,
    DRY_RUN_SENTENCE,
    NO_CHOICE,
    SANDBOX,
    WelcomeDialog,
    ask_welcome,
    is_first_run,
    mark_welcomed,
)
from tests.ui.helpers import run_in_loop

REPO = Path(__file__).resolve().parents[2]


def make_dialog(qtbot: QtBot) -> WelcomeDialog:
    dialog = WelcomeDialog(paths=Paths.from_env())
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_first_run_only_when_nothing_was_set_up(tmp_path: Path) -> None:
    paths = Paths.from_env()
    assert is_first_run(paths)
    for name in ("profiles.json", "oauth_app.json"):
        marker = paths.config_dir / name
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text("{}", encoding="utf-8")
        assert not is_first_run(paths), name
        marker.unlink()
    assert is_first_run(paths)
    paths.data_dir.mkdir(parents=True, exist_ok=True)
    Store(paths.database).close()  # someone used snapdesk here before
    assert not is_first_run(paths)
    paths.database.unlink()
    save_settings(AppSettings(theme="dark"))  # preferences alone don't count
    assert is_first_run(paths)
    assert mark_welcomed(paths)
    assert not is_first_run(paths)
    assert load_settings().theme == "dark"  # the rest of the file is kept


def test_the_dialog_explains_dry_run_in_one_sentence(qtbot: QtBot) -> None:
    dialog = make_dialog(qtbot)
    texts = [label.text() for label in dialog.findChildren(QLabel)]
    assert DRY_RUN_SENTENCE == (
        "Every change is previewed as a dry run until you switch on live mode; only then is "
        "anything sent to Snap."
    )
    assert DRY_RUN_SENTENCE in texts
    assert "Welcome to snapdesk" in texts
    assert dialog.sandbox_button.accessibleName() == "Explore with sample data"
    assert dialog.connect_button.accessibleName() == "Connect your Snap account"
    icon = next(label for label in dialog.findChildren(QLabel) if label.pixmap().width() >= 64)
    assert not icon.pixmap().isNull()


@pytest.mark.parametrize(("button", "choice"), [("sandbox", SANDBOX), ("connect", CONNECT)])
def test_each_choice_is_reported_once_and_recorded(qtbot: QtBot, button: str, choice: str) -> None:
    dialog = make_dialog(qtbot)
    with qtbot.waitSignal(dialog.chosen) as signal:
        getattr(dialog, f"{button}_button").click()
    assert signal.args == [choice]
    assert not dialog.isVisible()
    assert load_settings().welcomed is True
    assert not is_first_run(Paths.from_env())


def test_not_now_asks_again_next_time_unless_told_not_to(qtbot: QtBot) -> None:
    dialog = make_dialog(qtbot)
    with qtbot.waitSignal(dialog.chosen) as signal:
        dialog.close_button.click()
    assert signal.args == [NO_CHOICE]
    assert not settings_path().exists()  # nothing recorded: it shows again at the next start

    dialog = make_dialog(qtbot)
    dialog.dont_show_check.setChecked(True)
    with qtbot.waitSignal(dialog.chosen) as signal:
        dialog.close()  # the window's close button
    assert signal.args == [NO_CHOICE]
    assert load_settings().welcomed is True


def test_ask_welcome_waits_for_the_choice_without_a_nested_loop(
    qapp: QApplication, qloop: asyncio.AbstractEventLoop
) -> None:
    def click_sandbox() -> None:
        dialogs = [w for w in qapp.topLevelWidgets() if isinstance(w, WelcomeDialog)]
        visible = [d for d in dialogs if d.isVisible()]
        if visible:
            visible[0].sandbox_button.click()
        else:
            QTimer.singleShot(20, click_sandbox)

    QTimer.singleShot(20, click_sandbox)
    choice = run_in_loop(qapp, qloop, ask_welcome(paths=Paths.from_env()), timeout=10)
    assert choice == SANDBOX
    assert not any(isinstance(w, WelcomeDialog) and w.isVisible() for w in qapp.topLevelWidgets())


# -- the app start, end to end (own process: its own QApplication and event loop) ---------------

DRIVER = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

app = QApplication(sys.argv[:1])
from snapdesk.ui.app import run_app
from snapdesk.ui.dialogs.welcome import WelcomeDialog
from snapdesk.ui.main_window import MainWindow

CHOICE = sys.argv[1]
seen = set()


def report(*parts):
    print(*parts, flush=True)


def finish(window):
    dialog = window.oauth_dialog
    report("OAUTH", dialog is not None and dialog.isVisible())
    window.close()


def poll():
    for widget in app.topLevelWidgets():
        if isinstance(widget, WelcomeDialog) and widget.isVisible() and "welcome" not in seen:
            seen.add("welcome")
            report("WELCOME")
            getattr(widget, CHOICE + "_button").click()
        if isinstance(widget, MainWindow) and widget.isVisible() and "window" not in seen:
            seen.add("window")
            report("WINDOW sandbox=%s" % widget.session.is_sandbox)
            if widget.session.is_sandbox:
                def synced(result, window=widget):
                    report("SYNCED", result is not None)
                    window.close()
                widget.sync_finished.connect(synced)
            else:
                QTimer.singleShot(400, lambda window=widget: finish(window))
    QTimer.singleShot(30, poll)


QTimer.singleShot(0, poll)
sys.exit(run_app(sandbox=False, argv=sys.argv[:1]))
"""


def _start(tmp_path: Path, choice: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "SNAPDESK_DATA_DIR": str(tmp_path / "data"),
        "SNAPDESK_CONFIG_DIR": str(tmp_path / "config"),
        "SNAPDESK_CACHE_DIR": str(tmp_path / "cache"),
        "PYTHONPATH": str(REPO),
    }
    env.pop("SNAPDESK_ACCESS_TOKEN", None)
    return subprocess.run(
        [sys.executable, "-c", DRIVER, choice],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.slow
def test_explore_starts_the_sandbox_in_process_and_the_welcome_does_not_return(
    tmp_path: Path,
) -> None:
    first = _start(tmp_path, "sandbox")
    assert first.returncode == 0, first.stderr
    assert "Traceback" not in first.stderr
    assert first.stdout.split("\n")[:3] == ["WELCOME", "WINDOW sandbox=True", "SYNCED True"]
    assert (tmp_path / "data" / "sandbox.sqlite3").exists()
    assert not (tmp_path / "data" / "cache.sqlite3").exists()  # demo data never mixes in
    saved = json.loads((tmp_path / "config" / "settings.json").read_text(encoding="utf-8"))
    assert saved["welcomed"] is True

    second = _start(tmp_path, "sandbox")
    assert second.returncode == 0, second.stderr
    assert "WELCOME" not in second.stdout
    # straight to the app, where the user left off: the sample data again (it used to open the
    # user's empty cache, "No Snap login configured", with no way back but --sandbox); File →
    # Use my Snap account switches (tests/ui/test_app.py)
    assert "WINDOW sandbox=True" in second.stdout
    assert saved["sample_data"] is True


def test_connect_opens_the_snap_app_setup(tmp_path: Path) -> None:
    result = _start(tmp_path, "connect")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout.split("\n")[:3] == ["WELCOME", "WINDOW sandbox=False", "OAUTH True"]
