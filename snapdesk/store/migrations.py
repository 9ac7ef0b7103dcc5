"""Schema migrations, keyed by `PRAGMA user_version`.

`MIGRATIONS[i]` upgrades a database from version `i` to version `i + 1`. A new schema change is a
new script appended to the tuple; scripts already released are never edited. Each script runs in
its own transaction together with the `user_version` bump, so a failed upgrade leaves the database
at the last good version.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from snapdesk.core.kinds import ACCOUNT_KINDS, PLURAL


class MigrationError(Exception):
    """The cache cannot be brought to the schema this version of snapdesk expects."""


def _entity_table(table: str) -> str:
    return f"""
CREATE TABLE {table} (
    id            TEXT PRIMARY KEY,
    ad_account_id TEXT NOT NULL,
    parent_id     TEXT NOT NULL,
    name          TEXT,
    status        TEXT,
    data          TEXT NOT NULL
);
CREATE INDEX {table}_ad_account ON {table}(ad_account_id);
CREATE INDEX {table}_parent ON {table}(parent_id);
CREATE INDEX {table}_name ON {table}(lower(name));
"""


# Version 1: the entity cache (organizations, ad accounts, one table per account-level kind).
_V1_ENTITIES = """
CREATE TABLE organizations (
    id      TEXT PRIMARY KEY,
    profile TEXT NOT NULL,
    name    TEXT,
    data    TEXT NOT NULL
);
CREATE INDEX organizations_profile ON organizations(profile);
CREATE INDEX organizations_name ON organizations(lower(name));

CREATE TABLE ad_accounts (
    id              TEXT PRIMARY KEY,
    organization_id TEXT,
    profile         TEXT NOT NULL,
    name            TEXT,
    status          TEXT,
    currency        TEXT,
    timezone        TEXT,
    data            TEXT NOT NULL
);
CREATE INDEX ad_accounts_organization ON ad_accounts(organization_id);
CREATE INDEX ad_accounts_profile ON ad_accounts(profile);
CREATE INDEX ad_accounts_name ON ad_accounts(lower(name));
""" + "".join(_entity_table(PLURAL[kind]) for kind in ACCOUNT_KINDS)

# Version 2: per-account sync bookkeeping.
_V2_SYNC_META = """
CREATE TABLE sync_meta (
    ad_account_id   TEXT PRIMARY KEY,
    last_sync_at    TEXT,
    last_success_at TEXT,
    last_status     TEXT CHECK (last_status IN ('ok', 'failed', 'cancelled')),
    last_error      TEXT,
    counts          TEXT,
    duration_s      REAL
);
"""

# Version 3: the write gateway — pending changes, the undo/redo history, the audit log.
# JSON columns hold compact JSON text. The audit log refuses UPDATE and DELETE.
_V3_CHANGES = """
CREATE TABLE pending_changes (
    id              TEXT PRIMARY KEY,
    seq             INTEGER NOT NULL UNIQUE,
    group_id        TEXT NOT NULL,
    ad_account_id   TEXT NOT NULL,
    kind            TEXT NOT NULL,
    entity_id       TEXT NOT NULL,
    action          TEXT NOT NULL,
    label           TEXT,
    before          TEXT,
    after           TEXT,
    base            TEXT,
    request         TEXT NOT NULL,
    sent_request    TEXT,
    idempotency_key TEXT NOT NULL UNIQUE,
    depends_on      TEXT NOT NULL DEFAULT '[]',
    resolutions     TEXT NOT NULL DEFAULT '{}',
    issues          TEXT NOT NULL DEFAULT '[]',
    state           TEXT NOT NULL
                    CHECK (state IN ('pending', 'sending', 'posted', 'failed', 'reverted')),
    result          TEXT,
    error           TEXT,
    attempts        INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    posted_at       TEXT
);
CREATE INDEX pending_changes_state ON pending_changes(state);
CREATE INDEX pending_changes_account ON pending_changes(ad_account_id);
CREATE INDEX pending_changes_entity ON pending_changes(kind, entity_id);
CREATE INDEX pending_changes_group ON pending_changes(group_id);

CREATE TABLE change_history (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    stack      TEXT NOT NULL CHECK (stack IN ('undo', 'redo')),
    group_id   TEXT NOT NULL,
    label      TEXT NOT NULL,
    items      TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX change_history_stack ON change_history(stack, seq);

CREATE TABLE audit_log (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    at               TEXT NOT NULL,
    profile          TEXT,
    mode             TEXT NOT NULL CHECK (mode IN ('live', 'dry-run')),
    ad_account_id    TEXT,
    change_id        TEXT,
    kind             TEXT,
    entity_id        TEXT,
    action           TEXT,
    method           TEXT NOT NULL,
    path             TEXT NOT NULL,
    request_body     TEXT,
    idempotency_key  TEXT,
    response_status  INTEGER,
    response_excerpt TEXT,
    result           TEXT NOT NULL
                     CHECK (result IN ('ok', 'failed', 'dry-run', 'conflict', 'blocked', 'skipped'))
);
CREATE INDEX audit_log_at ON audit_log(at);
CREATE INDEX audit_log_account ON audit_log(ad_account_id);
CREATE INDEX audit_log_change ON audit_log(change_id);
CREATE TRIGGER audit_log_append_only_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_append_only_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"""

MIGRATIONS: tuple[str, ...] = (_V1_ENTITIES, _V2_SYNC_META, _V3_CHANGES)

SCHEMA_VERSION = len(MIGRATIONS)


def user_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, migrations: Sequence[str] = MIGRATIONS) -> tuple[int, int]:
    """Bring the database to `len(migrations)`; return (version before, version after).

    `conn` must be in autocommit mode (`isolation_level=None`). Re-running on an up-to-date
    database does nothing.
    """
    target = len(migrations)
    before = user_version(conn)
    if before > target:
        raise MigrationError(
            f"The cache at schema version {before} was written by a newer snapdesk "
            f"(this one knows version {target}); update snapdesk or delete the cache file."
        )
    for version in range(before, target):
        script = migrations[version]
        try:
            conn.executescript(
                f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {version + 1};\nCOMMIT;"
            )
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise MigrationError(
                f"Upgrading the cache to schema version {version + 1} failed: {exc}"
            ) from exc
    return before, user_version(conn)
