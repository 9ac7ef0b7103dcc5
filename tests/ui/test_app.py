"""`run_app` end to end in a subprocess (its own QApplication and event loop)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from snapdesk.store import Store

REPO = Path(__file__).resolve().parents[2]
SCRIPT = (
    "import sys\n"
    "from snapdesk.ui.app import run_app\n"
    "sys.exit(run_app(sandbox={sandbox}, quit_after_sync=True))\n"
)


def _run(tmp_path: Path, *, sandbox: bool) -> subprocess.CompletedProcess[str]:
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
        [sys.executable, "-c", SCRIPT.format(sandbox=sandbox)],
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )


@pytest.mark.slow
def test_sandbox_app_syncs_into_its_own_cache_and_exits_cleanly(tmp_path: Path) -> None:
    result = _run(tmp_path, sandbox=True)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    sandbox_db = tmp_path / "data" / "sandbox.sqlite3"
    assert sandbox_db.exists()
    assert not (tmp_path / "data" / "cache.sqlite3").exists()  # demo data never mixes in
    with Store(sandbox_db) as store:
        assert len(store.organizations()) >= 2
        assert store.last_sync_at() is not None
    assert (tmp_path / "config" / "window.ini").exists()


def test_app_without_login_opens_and_closes(tmp_path: Path) -> None:
    result = _run(tmp_path, sandbox=False)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr


SWITCH_SCRIPT = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from snapdesk.ui.app import run_app
from snapdesk.ui.main_window import MainWindow

app = QApplication(sys.argv[:1])
steps = sys.argv[1].split(",")
seen = set()

def act(window, step):
    if step == "switch":
        window.sample_data_action.trigger()
    else:
        window.quit_action.trigger()

def poll():
    for w in app.topLevelWidgets():
        if isinstance(w, MainWindow) and w.isVisible() and id(w) not in seen:
            seen.add(id(w))
            print("WINDOW", "sample" if w.session.is_sandbox else "account",
                  w.sample_data_action.text(), flush=True)
            step = steps.pop(0)
            QTimer.singleShot(1500 if w.session.is_sandbox else 300, lambda w=w, s=step: act(w, s))

timer = QTimer()
timer.timeout.connect(poll)
timer.start(100)
sys.exit(run_app(sandbox=False))
"""


def _switch_run(tmp_path: Path, steps: str) -> list[str]:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "SNAPDESK_DATA_DIR": str(tmp_path / "data"),
        "SNAPDESK_CONFIG_DIR": str(tmp_path / "config"),
        "SNAPDESK_CACHE_DIR": str(tmp_path / "cache"),
        "PYTHONPATH": str(REPO),
    }
    env.pop("SNAPDESK_ACCESS_TOKEN", None)
    done = subprocess.run(
        [sys.executable, "-c", SWITCH_SCRIPT, steps],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    return [line for line in done.stdout.splitlines() if line.startswith("WINDOW")]


@pytest.mark.slow
def test_sample_data_is_one_menu_item_away_and_remembered(tmp_path: Path) -> None:
    """File → Open sample data… opens the sandbox in the same run; the next start opens it
    again (it showed "No Snap login configured" with no way back but --sandbox); File → Use my
    Snap account switches back, and that is remembered too."""
    (tmp_path / "config").mkdir(parents=True)
    (tmp_path / "config" / "settings.json").write_text('{"welcomed": true}')
    assert _switch_run(tmp_path, "switch,quit") == [
        "WINDOW account Open sample data…",
        "WINDOW sample Use my Snap account",
    ]
    settings = json.loads((tmp_path / "config" / "settings.json").read_text())
    assert settings["sample_data"] is True
    assert _switch_run(tmp_path, "switch,quit") == [
        "WINDOW sample Use my Snap account",  # where the user left off
        "WINDOW account Open sample data…",
    ]
    settings = json.loads((tmp_path / "config" / "settings.json").read_text())
    assert settings["sample_data"] is False
