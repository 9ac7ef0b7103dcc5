"""Schema migrations by PRAGMA user_version."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from snapdesk.store import MIGRATIONS, SCHEMA_VERSION, MigrationError, Store, migrate


def _version(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])


def _tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def test_new_database_is_created_at_the_current_version(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    with Store(path) as store:
        assert store.migrated == (0, SCHEMA_VERSION)
        assert store.schema_version() == SCHEMA_VERSION
    assert _version(path) == SCHEMA_VERSION == len(MIGRATIONS)
    assert {
        "organizations",
        "ad_accounts",
        "campaigns",
        "ad_squads",
        "ads",
        "creatives",
        "media",
        "segments",
        "sync_meta",
    } <= _tables(path)


def test_old_version_database_is_upgraded_and_keeps_its_data(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    assert migrate(conn, MIGRATIONS[:1]) == (0, 1)
    conn.execute(
        "INSERT INTO campaigns(id, ad_account_id, parent_id, name, status, data) "
        "VALUES ('c1', 'a1', 'a1', 'Old campaign', 'ACTIVE', '{\"id\":\"c1\"}')"
    )
    conn.close()
    assert "sync_meta" not in _tables(path)

    with Store(path) as store:
        assert store.migrated == (1, SCHEMA_VERSION)
        row = store.get("campaign", "c1")
        assert row is not None and row.name == "Old campaign"
        store.set_sync_meta("a1", status="ok", counts={"campaigns": 1})
    assert _version(path) == SCHEMA_VERSION
    assert "sync_meta" in _tables(path)


def test_reopening_an_up_to_date_database_is_a_no_op(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    with Store(path) as store:
        store.replace_account_snapshot("a1", {"campaigns": [{"id": "c1", "name": "Kept"}]})
    with sqlite3.connect(path) as conn:
        schema_before = conn.execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall()
    with Store(path) as store:
        assert store.migrated == (SCHEMA_VERSION, SCHEMA_VERSION)
        assert [r.name for r in store.campaigns("a1")] == ["Kept"]
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall() == (
            schema_before
        )


def test_the_migration_list_is_extended_by_appending(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    Store(path).close()
    later = (*MIGRATIONS, "CREATE TABLE changes (id INTEGER PRIMARY KEY, payload TEXT NOT NULL);")
    with Store(path, migrations=later) as store:
        assert store.migrated == (SCHEMA_VERSION, SCHEMA_VERSION + 1)
        store.write(lambda c: c.execute("INSERT INTO changes(payload) VALUES ('x')"))
    assert "changes" in _tables(path)


def test_a_failing_migration_leaves_the_last_good_version(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    Store(path).close()
    broken = (*MIGRATIONS, "CREATE TABLE ok_table (id TEXT); CREATE TABLE campaigns (id TEXT);")
    with pytest.raises(MigrationError, match="schema version"):
        Store(path, migrations=broken)
    assert _version(path) == SCHEMA_VERSION
    assert "ok_table" not in _tables(path)


def test_a_database_from_a_newer_snapdesk_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    Store(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    with pytest.raises(MigrationError, match="newer snapdesk"):
        Store(path)
