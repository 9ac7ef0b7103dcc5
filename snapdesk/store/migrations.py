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

# Stats (snapdesk/stats): cached DAY/HOUR rows per entity with the USD conversion made on
# ingestion (native currency and amount, rate used and its date; NULL rate = no rate known), which
# query windows were fetched and whether they were final, the children a breakdown query returned,
# and the last seen state of entities for change notices. IF NOT EXISTS keeps the script valid
# whatever order it lands in relative to other features' migrations.
_STATS_CACHE = """
CREATE TABLE IF NOT EXISTS stats_rows (
    entity_id     TEXT NOT NULL,
    granularity   TEXT NOT NULL CHECK (granularity IN ('DAY', 'HOUR')),
    period        TEXT NOT NULL,
    ad_account_id TEXT NOT NULL,
    level         TEXT NOT NULL,
    day           TEXT NOT NULL,
    currency      TEXT NOT NULL,
    stats         TEXT NOT NULL,
    spend_micro   INTEGER,
    fx_rate       TEXT,
    fx_rate_date  TEXT,
    spend_usd     TEXT,
    value_usd     TEXT,
    finalized     INTEGER NOT NULL,
    fetched_at    TEXT NOT NULL,
    PRIMARY KEY (entity_id, granularity, period)
);
CREATE INDEX IF NOT EXISTS stats_rows_account ON stats_rows(ad_account_id, granularity, day);

CREATE TABLE IF NOT EXISTS stats_coverage (
    query_key     TEXT NOT NULL,
    granularity   TEXT NOT NULL,
    day           TEXT NOT NULL,
    ad_account_id TEXT NOT NULL,
    fields        TEXT NOT NULL,
    finalized     INTEGER NOT NULL,
    fetched_at    TEXT NOT NULL,
    PRIMARY KEY (query_key, granularity, day)
);
CREATE INDEX IF NOT EXISTS stats_coverage_account ON stats_coverage(ad_account_id, finalized);

CREATE TABLE IF NOT EXISTS stats_members (
    query_key TEXT NOT NULL,
    child_id  TEXT NOT NULL,
    PRIMARY KEY (query_key, child_id)
);

CREATE TABLE IF NOT EXISTS stats_watch (
    entity_id     TEXT PRIMARY KEY,
    ad_account_id TEXT NOT NULL,
    kind          TEXT NOT NULL,
    state         TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS stats_watch_account ON stats_watch(ad_account_id);
"""

# Customer-list uploads (snapdesk/changes/segment_uploads.py): one row per upload and one per
# batch; each batch's Idempotency-Key is minted and stored here before anything is sent.
# `digests` holds only SHA-256 hashes (32 bytes each), never a raw identifier, and is cleared once
# the batch is sent. IF NOT EXISTS keeps the script valid whatever order it lands in.
_SEGMENT_UPLOADS = """
CREATE TABLE IF NOT EXISTS segment_uploads (
    id            TEXT PRIMARY KEY,
    ad_account_id TEXT NOT NULL,
    segment_id    TEXT NOT NULL,
    segment_name  TEXT,
    create_change TEXT,
    mode          TEXT NOT NULL CHECK (mode IN ('add', 'remove', 'replace')),
    source        TEXT,
    fingerprint   TEXT NOT NULL,
    identifiers   INTEGER NOT NULL,
    state         TEXT NOT NULL
                  CHECK (state IN ('pending', 'sending', 'sent', 'complete', 'failed', 'cancelled')),
    error         TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    finished_at   TEXT
);
CREATE INDEX IF NOT EXISTS segment_uploads_state ON segment_uploads(state);
CREATE INDEX IF NOT EXISTS segment_uploads_fingerprint ON segment_uploads(fingerprint);
CREATE INDEX IF NOT EXISTS segment_uploads_account ON segment_uploads(ad_account_id);

CREATE TABLE IF NOT EXISTS segment_upload_batches (
    upload_id       TEXT NOT NULL REFERENCES segment_uploads(id) ON DELETE CASCADE,
    seq             INTEGER NOT NULL,
    method          TEXT NOT NULL CHECK (method IN ('POST', 'DELETE')),
    path            TEXT NOT NULL,
    schema          TEXT,
    identifiers     INTEGER NOT NULL,
    digests         BLOB,
    idempotency_key TEXT NOT NULL UNIQUE,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    response_status INTEGER,
    accepted        INTEGER,
    error           TEXT,
    sent_at         TEXT,
    PRIMARY KEY (upload_id, seq)
);
"""

# Version 6: experiments (variants are ad squads) and their applied rotation steps.
_EXPERIMENTS = """
CREATE TABLE experiments (
    id            TEXT PRIMARY KEY,
    ad_account_id TEXT NOT NULL,
    campaign_id   TEXT NOT NULL,
    name          TEXT NOT NULL,
    state         TEXT NOT NULL,
    data          TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX experiments_campaign ON experiments(campaign_id);
CREATE INDEX experiments_state ON experiments(state);

CREATE TABLE experiment_steps (
    experiment_id TEXT NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
    step          INTEGER NOT NULL,
    slot_start    TEXT NOT NULL,
    active        TEXT NOT NULL,
    recorded_at   TEXT NOT NULL,
    change_ids    TEXT NOT NULL DEFAULT '[]',
    applied_at    TEXT,
    PRIMARY KEY (experiment_id, step)
);
"""

# Version 7: the change feed. Every insert, update or delete of a pending change appends a row to
# `change_events` (triggers, so no code path and no other snapdesk process can forget to), and
# writes to the entity cache append to `entity_events` (kind '*' = the whole account was
# replaced by a sync). Views poll both from the last seq they saw (`snapdesk.store.feed`).
# `post_leases` makes one process at a time post a change: a lease names its owner process and
# expires unless renewed, so a crashed poster's changes are free again.
_FEED_AND_LEASES = """
CREATE TABLE change_events (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    change_id     TEXT NOT NULL,
    ad_account_id TEXT,
    kind          TEXT,
    entity_id     TEXT,
    state         TEXT
);
CREATE TRIGGER pending_changes_feed_insert AFTER INSERT ON pending_changes
BEGIN
    INSERT INTO change_events (change_id, ad_account_id, kind, entity_id, state)
    VALUES (new.id, new.ad_account_id, new.kind, new.entity_id, new.state);
END;
CREATE TRIGGER pending_changes_feed_update AFTER UPDATE ON pending_changes
BEGIN
    INSERT INTO change_events (change_id, ad_account_id, kind, entity_id, state)
    VALUES (new.id, new.ad_account_id, new.kind, new.entity_id, new.state);
END;
CREATE TRIGGER pending_changes_feed_delete AFTER DELETE ON pending_changes
BEGIN
    INSERT INTO change_events (change_id, ad_account_id, kind, entity_id, state)
    VALUES (old.id, old.ad_account_id, old.kind, old.entity_id, NULL);
END;

CREATE TABLE entity_events (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    kind          TEXT NOT NULL,
    entity_id     TEXT,
    ad_account_id TEXT
);

CREATE TABLE post_leases (
    change_id   TEXT PRIMARY KEY,
    owner       TEXT NOT NULL,
    pid         INTEGER NOT NULL,
    host        TEXT NOT NULL,
    acquired_at TEXT NOT NULL,
    expires_at  REAL NOT NULL
);
CREATE INDEX post_leases_owner ON post_leases(owner);
"""

# A pending change looked up by its entity alone (the edit service does it for every edit; the
# (kind, entity_id) index can't serve it): a 10,000-row import queued in O(n^2) without it.
_CHANGES_BY_ENTITY = """
CREATE INDEX pending_changes_entity_id ON pending_changes(entity_id);
"""

# Targeting (snapdesk/targeting): the catalogues behind the editor's pickers, cached per
# (dimension, country) with one fetch record each so a whole list is replaced at once, and the
# audience-size / bid estimates keyed by a hash of what they were asked for. '' stands for "no
# country" so the primary keys stay plain TEXT.
_TARGETING_CACHE = """
CREATE TABLE targeting_fetches (
    dimension  TEXT NOT NULL,
    country    TEXT NOT NULL,
    fetched_at TEXT NOT NULL,
    count      INTEGER NOT NULL,
    PRIMARY KEY (dimension, country)
);

CREATE TABLE targeting_options (
    dimension TEXT NOT NULL,
    country   TEXT NOT NULL,
    seq       INTEGER NOT NULL,
    id        TEXT NOT NULL,
    name      TEXT,
    data      TEXT NOT NULL,
    fetched_at TEXT NOT NULL,
    PRIMARY KEY (dimension, country, seq)
);
CREATE INDEX targeting_options_id ON targeting_options(dimension, id);

CREATE TABLE targeting_estimates (
    key           TEXT NOT NULL,
    kind          TEXT NOT NULL,
    ad_account_id TEXT NOT NULL,
    data          TEXT NOT NULL,
    fetched_at    TEXT NOT NULL,
    PRIMARY KEY (kind, key)
);
CREATE INDEX targeting_estimates_account ON targeting_estimates(ad_account_id);
"""

MIGRATIONS: tuple[str, ...] = (
    _V1_ENTITIES,
    _V2_SYNC_META,
    _V3_CHANGES,
    _STATS_CACHE,
    _SEGMENT_UPLOADS,
    _EXPERIMENTS,
    _FEED_AND_LEASES,
    _CHANGES_BY_ENTITY,
    _TARGETING_CACHE,
)

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
