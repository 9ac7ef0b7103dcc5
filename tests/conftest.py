"""Suite-wide test setup: offscreen Qt and private data directories for every test."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(autouse=True)
def _private_dirs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No test may read or write the real user's snapdesk data, config or cache."""
    base = tmp_path_factory.mktemp("snapdesk-home")
    for name in ("SNAPDESK_DATA_DIR", "SNAPDESK_CONFIG_DIR", "SNAPDESK_CACHE_DIR"):
        monkeypatch.setenv(name, str(base / name.lower()))
    for name in ("SNAPDESK_ACCESS_TOKEN", "SNAPCHAT_ADS_LIVE_MODE", "SNAPDESK_API_BASE"):
        monkeypatch.delenv(name, raising=False)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Let snapdesk's worker threads (grid figures, spreadsheet jobs) end before the interpreter
    and Qt are torn down: a daemon thread still emitting into Qt at exit can crash the process
    after every test passed."""
    import threading
    import time

    try:  # Qt deletes the clipboard's data after the interpreter: no Python-made QMimeData then
        from snapdesk.ui.views.grid_editing import release_clipboard

        release_clipboard()
    except ImportError:
        pass
    deadline = time.monotonic() + 10
    for thread in threading.enumerate():
        if thread is threading.current_thread() or not thread.name.startswith("snapdesk-"):
            continue
        thread.join(max(0.0, deadline - time.monotonic()))
