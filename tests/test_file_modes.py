"""Files holding hashes, login metadata or the cache are owner-only (issue 14): files 0600,
the folders snapdesk creates 0700, and a folder the user chose keeps its mode. (Hashed lists
and rejects: tests/audience/test_hostile_outputs.py; the app's saves: tests/ui.)"""

from __future__ import annotations

import os
import stat
from datetime import datetime
from pathlib import Path

import pytest

from snapdesk import config
from snapdesk.auth import MemoryTokenStore
from snapdesk.auth.profiles import Profiles
from snapdesk.core import workdirs
from snapdesk.core.settings import AppSettings, save_settings
from snapdesk.store import Store


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> config.Paths:
    """Data, config and cache folders that don't exist yet, as on a first start."""
    home = tmp_path / "home"
    for name in ("DATA", "CONFIG", "CACHE"):
        monkeypatch.setenv(f"SNAPDESK_{name}_DIR", str(home / name.lower() / "snapdesk"))
    return config.Paths.from_env()


def test_the_folders_snapdesk_creates_are_owner_only(fresh: config.Paths) -> None:
    fresh.ensure()
    for folder in (fresh.data_dir, fresh.config_dir, fresh.cache_dir, fresh.log_dir):
        assert mode(folder) == 0o700, folder
        assert mode(folder.parent) == 0o700, folder.parent  # created for us too


def test_a_folder_the_user_chose_keeps_its_mode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chosen = tmp_path / "Documents" / "snapdesk-data"
    chosen.mkdir(parents=True)
    os.chmod(chosen, 0o755)
    monkeypatch.setenv("SNAPDESK_DATA_DIR", str(chosen))
    paths = config.Paths.from_env().ensure()
    assert mode(chosen) == 0o755
    assert mode(paths.log_dir) == 0o700  # `logs` is snapdesk's own
    store = Store(paths.database)
    store.close()
    assert mode(chosen) == 0o755 and mode(paths.database) == 0o600


def test_the_cache_and_its_wal_and_shm_are_owner_only(fresh: config.Paths) -> None:
    store = Store.open_default(fresh)
    try:
        store.write(lambda conn: conn.execute("CREATE TABLE IF NOT EXISTS t (x)"))
        store.write(lambda conn: conn.execute("INSERT INTO t VALUES (1)"))
        db = fresh.database
        side = [Path(f"{db}-wal"), Path(f"{db}-shm")]
        assert all(p.exists() for p in side)
        for path in (db, *side):
            assert mode(path) == 0o600, path
        assert mode(db.parent) == 0o700
    finally:
        store.close()


def test_an_older_world_readable_cache_is_tightened(tmp_path: Path) -> None:
    db = tmp_path / "cache.sqlite3"
    Store(db).close()
    os.chmod(db, 0o644)
    Path(f"{db}-wal").write_bytes(b"")
    os.chmod(f"{db}-wal", 0o644)
    Store(db).close()
    assert mode(db) == 0o600
    if Path(f"{db}-wal").exists():
        assert mode(Path(f"{db}-wal")) == 0o600


def test_profiles_and_settings_are_owner_only(fresh: config.Paths) -> None:
    profiles = Profiles(store=MemoryTokenStore(), paths=fresh)
    profiles.add("work", activate=True)
    assert mode(profiles.path) == 0o600
    assert mode(profiles.path.parent) == 0o700
    saved = save_settings(AppSettings(), fresh)
    assert mode(saved) == 0o600


def test_work_folders_are_owner_only(fresh: config.Paths) -> None:
    with workdirs.workdir("push") as work:
        assert mode(work) == 0o700
        assert mode(work.parent) == 0o700
        assert work.parent == fresh.cache_dir / workdirs.ROOT_NAME


def test_crash_reports_and_logs_are_owner_only(fresh: config.Paths) -> None:
    pytest.importorskip("PySide6")
    import logging

    from snapdesk.ui.app import private_log_handler
    from snapdesk.ui.crash import write_report

    report = write_report(fresh.log_dir, "report", when=datetime(2024, 1, 2, 3, 4, 5))
    assert mode(report) == 0o600 and mode(fresh.log_dir) == 0o700
    handler = private_log_handler(fresh.log_dir)
    try:
        handler.maxBytes = 200
        record = logging.LogRecord("t", logging.INFO, __file__, 1, "x" * 150, None, None)
        for _ in range(4):
            handler.emit(record)  # rotates: every file, old and new, stays 0600
    finally:
        handler.close()
    logs = sorted(fresh.log_dir.glob("snapdesk.log*"))
    assert len(logs) >= 2
    for path in logs:
        assert mode(path) == 0o600, path


def test_an_older_world_readable_log_is_tightened(fresh: config.Paths) -> None:
    pytest.importorskip("PySide6")
    from snapdesk.ui.app import private_log_handler

    fresh.ensure()
    old = fresh.log_dir / "snapdesk.log.1"
    old.write_text("old")
    os.chmod(old, 0o644)
    private_log_handler(fresh.log_dir).close()
    assert mode(old) == 0o600
