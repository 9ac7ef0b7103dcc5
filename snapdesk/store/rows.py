"""Typed rows returned by the store's read API, and the records its writes return."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

SyncStatus = Literal["ok", "failed", "cancelled"]


@dataclass(frozen=True)
class EntityRow:
    """One cached entity of any kind; `data` is the full JSON object Snap returned."""

    kind: str
    id: str
    name: str | None
    status: str | None
    ad_account_id: str | None
    parent_id: str | None
    data: dict[str, Any] = field(compare=False, hash=False)


@dataclass(frozen=True)
class AccountRow:
    id: str
    organization_id: str | None
    profile: str
    name: str | None
    status: str | None
    currency: str | None
    timezone: str | None
    data: dict[str, Any] = field(compare=False, hash=False)


@dataclass(frozen=True)
class OrganizationRow:
    id: str
    profile: str
    name: str | None
    data: dict[str, Any] = field(compare=False, hash=False)


@dataclass(frozen=True)
class SyncMeta:
    """What the last sync of one ad account did. `last_success_at` survives later failures."""

    ad_account_id: str
    last_sync_at: datetime | None
    last_success_at: datetime | None
    last_status: SyncStatus | None
    last_error: str | None
    counts: dict[str, int]
    duration_s: float | None


@dataclass(frozen=True)
class KindChanges:
    """Rows of one table touched by a replace: new ids, changed ids and removed ids (counts)."""

    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    total: int = 0


@dataclass(frozen=True)
class SnapshotChanges:
    """The record a replace returns: per table name (`campaigns`, `ads`, ...) what changed."""

    ad_account_id: str | None
    tables: dict[str, KindChanges]

    @property
    def changed(self) -> bool:
        return any(c.inserted or c.updated or c.deleted for c in self.tables.values())

    @property
    def counts(self) -> dict[str, int]:
        return {table: c.total for table, c in self.tables.items()}
