"""SQLite cache of organizations, ad accounts and their entities (single writer, WAL)."""

from __future__ import annotations

from snapdesk.store import writes
from snapdesk.store._writer import StoreClosed
from snapdesk.store.migrations import MIGRATIONS, SCHEMA_VERSION, MigrationError, migrate
from snapdesk.store.rows import (
    AccountRow,
    EntityRow,
    KindChanges,
    OrganizationRow,
    SnapshotChanges,
    SyncMeta,
    SyncStatus,
)
from snapdesk.store.store import COUNT_KEYS, Store

__all__ = [
    "COUNT_KEYS",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "AccountRow",
    "EntityRow",
    "KindChanges",
    "MigrationError",
    "OrganizationRow",
    "SnapshotChanges",
    "Store",
    "StoreClosed",
    "SyncMeta",
    "SyncStatus",
    "migrate",
    "writes",
]
