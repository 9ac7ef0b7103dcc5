"""`run_app` end to end in a subprocess (its own QApplication and event loop)."""

from __future__ import annotations

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
