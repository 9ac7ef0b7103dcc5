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
