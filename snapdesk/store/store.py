"""The SQLite cache: reads from any thread, writes through one writer thread."""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from snapdesk.config import Paths
from snapdesk.core.kinds import (
    ACCOUNT_KINDS,
    AD,
    AD_ACCOUNT,
    AD_SQUAD,
    ALL_KINDS,
    CAMPAIGN,
    CREATIVE,
    MEDIA,
    ORGANIZATION,
    PLURAL,
    SEGMENT,
)
from snapdesk.core.outputs import create_private, make_private_dirs, private_file
from snapdesk.store import feed, writes
from snapdesk.store._writer import Writer, connect
from snapdesk.store.migrations import MIGRATIONS
from snapdesk.store.rows import (
    AccountRow,
    EntityRow,
    OrganizationRow,
    SnapshotChanges,
    SyncMeta,
    SyncStatus,
)

T = TypeVar("T")

# Keys of `counts()` (and of `snapdesk sync --json`), in display order.
COUNT_KEYS: tuple[str, ...] = (PLURAL[AD_ACCOUNT], *(PLURAL[k] for k in ACCOUNT_KINDS))

_ENTITY_COLUMNS = "id, name, status, ad_account_id, parent_id, data"
_ACCOUNT_COLUMNS = "id, organization_id, profile, name, status, currency, timezone, data"
_ORDER = "ORDER BY lower(name), id"
_CHUNK = 500
_FEED_VERSION = 7  # the schema version that added the change feed


def _private_database(path: Path) -> None:
    """The cache holds account data and upload journals: its folder (when snapdesk creates it)
    is 0700, the database 0600 before SQLite opens it, and SQLite gives its -wal and -shm files
    the database's mode (an older world-readable cache and its side files are tightened)."""
    if str(path) == ":memory:" or str(path).startswith("file:"):
        return
    make_private_dirs(path.parent)
    create_private(path)
    for tail in ("-wal", "-shm", "-journal"):
        private_file(f"{path}{tail}")


def _casefold(value: str | None) -> str | None:
    return value.casefold() if value is not None else None


def _parse_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class Store:
    """The local cache of everything synced from Snap.

    Opening runs the schema migrations. Reads use one connection per calling thread and see the
    last committed state. Every write runs on the single writer thread, each `fn(conn)` in its
    own transaction: `write(fn)` blocks, `await awrite(fn)` does not block the event loop.
    """

    def __init__(
        self, path: str | os.PathLike[str], *, migrations: Sequence[str] = MIGRATIONS
    ) -> None:
        self.path = Path(path)
        _private_database(self.path)
        self._writer = Writer(self.path, migrations=migrations)
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._closed = False
        if self._writer.migrated[1] >= _FEED_VERSION:
            self.write(feed.prune)

    @classmethod
    def open_default(cls, paths: Paths | None = None) -> Store:
        """The cache in the user's data directory (`SNAPDESK_DATA_DIR` overrides it)."""
        paths = (paths or Paths.from_env()).ensure()
        return cls(paths.database)

    @property
    def migrated(self) -> tuple[int, int]:
        """Schema version found on opening and the version now."""
        return self._writer.migrated

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._writer.close()
        with self._readers_lock:
            for conn in self._readers:
                conn.close()
            self._readers.clear()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing -----------------------------------------------------------------------------

    def write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run `fn(conn)` in one transaction on the writer thread and return its result."""
        return self._writer.write(fn)

    async def awrite(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Like `write`, awaited: the event loop keeps running while SQLite works."""
        return await self._writer.awrite(fn)

    def replace_organizations(
        self,
        profile: str,
        orgs: Sequence[Mapping[str, Any]],
        accounts: Sequence[Mapping[str, Any]],
    ) -> SnapshotChanges:
        return self.write(lambda c: writes.replace_organizations(c, profile, orgs, accounts))

    async def areplace_organizations(
        self,
        profile: str,
        orgs: Sequence[Mapping[str, Any]],
        accounts: Sequence[Mapping[str, Any]],
    ) -> SnapshotChanges:
        return await self.awrite(lambda c: writes.replace_organizations(c, profile, orgs, accounts))

    def replace_account_snapshot(
        self, ad_account_id: str, snapshot: Mapping[str, Sequence[Mapping[str, Any]]]
    ) -> SnapshotChanges:
        return self.write(lambda c: writes.replace_account_snapshot(c, ad_account_id, snapshot))

    async def areplace_account_snapshot(
        self, ad_account_id: str, snapshot: Mapping[str, Sequence[Mapping[str, Any]]]
    ) -> SnapshotChanges:
        return await self.awrite(
            lambda c: writes.replace_account_snapshot(c, ad_account_id, snapshot)
        )

    def set_sync_meta(
        self,
        ad_account_id: str,
        *,
        status: SyncStatus,
        error: str | None = None,
        counts: Mapping[str, int] | None = None,
        duration_s: float | None = None,
        at: datetime | None = None,
    ) -> None:
        self.write(
            lambda c: writes.set_sync_meta(
                c,
                ad_account_id,
                status=status,
                error=error,
                counts=counts,
                duration_s=duration_s,
                at=at,
            )
        )

    async def aset_sync_meta(
        self,
        ad_account_id: str,
        *,
        status: SyncStatus,
        error: str | None = None,
        counts: Mapping[str, int] | None = None,
        duration_s: float | None = None,
        at: datetime | None = None,
    ) -> None:
        await self.awrite(
            lambda c: writes.set_sync_meta(
                c,
                ad_account_id,
                status=status,
                error=error,
                counts=counts,
                duration_s=duration_s,
                at=at,
            )
        )

    # -- reading -----------------------------------------------------------------------------

    def reader(self) -> sqlite3.Connection:
        """This thread's read-only connection (the last committed state)."""
        return self._conn()

    def add_commit_listener(self, listener: Callable[[], object]) -> Callable[[], None]:
        """Call `listener()` (on the writer thread) after every committed write of this
        process; returns the function that removes it. Used by the change feed."""
        return self._writer.add_commit_listener(listener)

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            if self._closed:
                raise sqlite3.ProgrammingError("the cache is closed")
            conn = connect(self.path, readonly=True)
            conn.create_function("casefold", 1, _casefold, deterministic=True)
            with self._readers_lock:
                self._readers.append(conn)
            self._local.conn = conn
        return conn

    def _query(
        self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()
    ) -> list[tuple[Any, ...]]:
        args = params if isinstance(params, Mapping) else tuple(params)
        return self._conn().execute(sql, args).fetchall()

    @staticmethod
    def _entity(kind: str, row: Sequence[Any]) -> EntityRow:
        return EntityRow(
            kind=kind,
            id=row[0],
            name=row[1],
            status=row[2],
            ad_account_id=row[3],
            parent_id=row[4],
            data=json.loads(row[5]),
        )

    @staticmethod
    def _account(row: Sequence[Any]) -> AccountRow:
        return AccountRow(
            id=row[0],
            organization_id=row[1],
            profile=row[2],
            name=row[3],
            status=row[4],
            currency=row[5],
            timezone=row[6],
            data=json.loads(row[7]),
        )

    @staticmethod
    def _organization(row: Sequence[Any]) -> OrganizationRow:
        return OrganizationRow(id=row[0], profile=row[1], name=row[2], data=json.loads(row[3]))

    def organizations(self, profile: str | None = None) -> list[OrganizationRow]:
        sql = "SELECT id, profile, name, data FROM organizations"
        params: tuple[str, ...] = ()
        if profile is not None:
            sql, params = sql + " WHERE profile = ?", (profile,)
        return [self._organization(r) for r in self._query(f"{sql} {_ORDER}", params)]

    def ad_accounts(
        self, organization_id: str | None = None, *, profile: str | None = None
    ) -> list[AccountRow]:
        where, params = [], []
        if organization_id is not None:
            where.append("organization_id = ?")
            params.append(organization_id)
        if profile is not None:
            where.append("profile = ?")
            params.append(profile)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        rows = self._query(f"SELECT {_ACCOUNT_COLUMNS} FROM ad_accounts{clause} {_ORDER}", params)
        return [self._account(r) for r in rows]

    def ad_account(self, id: str) -> AccountRow | None:
        rows = self._query(f"SELECT {_ACCOUNT_COLUMNS} FROM ad_accounts WHERE id = ?", (id,))
        return self._account(rows[0]) if rows else None

    def organization(self, id: str) -> OrganizationRow | None:
        rows = self._query("SELECT id, profile, name, data FROM organizations WHERE id = ?", (id,))
        return self._organization(rows[0]) if rows else None

    def _children(self, kind: str, column: str, value: str) -> list[EntityRow]:
        table = PLURAL[kind]
        rows = self._query(
            f"SELECT {_ENTITY_COLUMNS} FROM {table} WHERE {column} = ? {_ORDER}", (value,)
        )
        return [self._entity(kind, r) for r in rows]

    def campaigns(self, ad_account_id: str) -> list[EntityRow]:
        return self._children(CAMPAIGN, "ad_account_id", ad_account_id)

    def ad_squads(self, campaign_id: str) -> list[EntityRow]:
        return self._children(AD_SQUAD, "parent_id", campaign_id)

    def ads(self, ad_squad_id: str) -> list[EntityRow]:
        return self._children(AD, "parent_id", ad_squad_id)

    def creatives(self, ad_account_id: str) -> list[EntityRow]:
        return self._children(CREATIVE, "ad_account_id", ad_account_id)

    def media(self, ad_account_id: str) -> list[EntityRow]:
        return self._children(MEDIA, "ad_account_id", ad_account_id)

    def segments(self, ad_account_id: str) -> list[EntityRow]:
        return self._children(SEGMENT, "ad_account_id", ad_account_id)

    def entities(self, kind: str, ad_account_id: str) -> list[EntityRow]:
        """Every cached entity of `kind` (an account-level kind) in one ad account."""
        return self._children(writes.normalize_kind(kind), "ad_account_id", ad_account_id)

    def get(self, kind: str, id: str) -> EntityRow | None:
        """Any cached entity, organizations and ad accounts included, as an `EntityRow`."""
        if kind == ORGANIZATION:
            org = self.organization(id)
            return self._org_entity(org) if org else None
        if kind == AD_ACCOUNT:
            account = self.ad_account(id)
            return self._account_entity(account) if account else None
        if kind not in ACCOUNT_KINDS:
            raise ValueError(f"unknown entity kind {kind!r}")
        rows = self._query(f"SELECT {_ENTITY_COLUMNS} FROM {PLURAL[kind]} WHERE id = ?", (id,))
        return self._entity(kind, rows[0]) if rows else None

    @staticmethod
    def _org_entity(org: OrganizationRow) -> EntityRow:
        state = org.data.get("state")
        return EntityRow(
            kind=ORGANIZATION,
            id=org.id,
            name=org.name,
            status=str(state) if state is not None else None,
            ad_account_id=None,
            parent_id=None,
            data=org.data,
        )

    @staticmethod
    def _account_entity(account: AccountRow) -> EntityRow:
        return EntityRow(
            kind=AD_ACCOUNT,
            id=account.id,
            name=account.name,
            status=account.status,
            ad_account_id=account.id,
            parent_id=account.organization_id,
            data=account.data,
        )

    @staticmethod
    def _parent_column(kind: str) -> tuple[str, str]:
        if kind == AD_ACCOUNT:
            return "ad_accounts", "organization_id"
        if kind in ACCOUNT_KINDS:
            return PLURAL[kind], "parent_id"
        raise ValueError(f"{kind!r} has no parent in the cache")

    def child_count(self, kind: str, parent_id: str) -> int:
        """How many entities of `kind` sit directly under `parent_id`.

        The parent of an ad account is its organization; of a campaign, creative, media or
        segment its ad account; of an ad squad its campaign; of an ad its ad squad.
        """
        table, column = self._parent_column(kind)
        return int(
            self._query(f"SELECT count(*) FROM {table} WHERE {column} = ?", (parent_id,))[0][0]
        )

    def child_counts(self, kind: str, parent_ids: Sequence[str]) -> dict[str, int]:
        """`child_count` for many parents in one go (0 for parents without children)."""
        table, column = self._parent_column(kind)
        result = dict.fromkeys(parent_ids, 0)
        unique = list(result)
        for start in range(0, len(unique), _CHUNK):
            chunk = unique[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            for parent, n in self._query(
                f"SELECT {column}, count(*) FROM {table} WHERE {column} IN ({marks}) "
                f"GROUP BY {column}",
                chunk,
            ):
                result[parent] = int(n)
        return result

    def search(self, text: str, *, limit: int = 500) -> list[EntityRow]:
        """Entities whose name contains `text` (case-insensitive) or whose id starts with it.

        Results come kind by kind (organizations, ad accounts, campaigns, ad squads, ads,
        creatives, media, segments); within a kind id matches first, then by name.
        """
        needle = text.strip()
        if not needle or limit <= 0:
            return []
        lo = needle.lower()
        hi = lo + "\U0010ffff"
        folded = needle.casefold()
        # SQLite's lower() folds ASCII only; names with other letters go through casefold().
        name_match = (
            "(instr(lower(name), :needle) > 0 OR "
            "(name GLOB '*[^ -~]*' AND instr(casefold(name), :needle) > 0))"
        )
        id_match = "(id >= :lo AND id < :hi)"
        found: list[EntityRow] = []
        for kind in ALL_KINDS:
            remaining = limit - len(found)
            if remaining <= 0:
                break
            params = {"lo": lo, "hi": hi, "needle": folded, "limit": remaining}
            if kind == ORGANIZATION:
                rows = self._query(
                    "SELECT id, profile, name, data FROM organizations "
                    f"WHERE {id_match} OR {name_match} "
                    f"ORDER BY {id_match} DESC, lower(name), id LIMIT :limit",
                    params,
                )
                found.extend(self._org_entity(self._organization(r)) for r in rows)
            elif kind == AD_ACCOUNT:
                rows = self._query(
                    f"SELECT {_ACCOUNT_COLUMNS} FROM ad_accounts "
                    f"WHERE {id_match} OR {name_match} "
                    f"ORDER BY {id_match} DESC, lower(name), id LIMIT :limit",
                    params,
                )
                found.extend(self._account_entity(self._account(r)) for r in rows)
            else:
                rows = self._query(
                    f"SELECT {_ENTITY_COLUMNS} FROM {PLURAL[kind]} "
                    f"WHERE {id_match} OR {name_match} "
                    f"ORDER BY {id_match} DESC, lower(name), id LIMIT :limit",
                    params,
                )
                found.extend(self._entity(kind, r) for r in rows)
        return found

    def counts(self, ad_account_ids: Sequence[str] | None = None) -> dict[str, int]:
        """Row counts keyed `ad_accounts, campaigns, ad_squads, ads, creatives, media, segments`."""
        result: dict[str, int] = {}
        for key in COUNT_KEYS:
            column = "id" if key == PLURAL[AD_ACCOUNT] else "ad_account_id"
            if ad_account_ids is None:
                result[key] = int(self._query(f"SELECT count(*) FROM {key}")[0][0])
                continue
            total = 0
            ids = list(dict.fromkeys(ad_account_ids))
            for start in range(0, len(ids), _CHUNK):
                chunk = ids[start : start + _CHUNK]
                marks = ",".join("?" * len(chunk))
                total += int(
                    self._query(f"SELECT count(*) FROM {key} WHERE {column} IN ({marks})", chunk)[
                        0
                    ][0]
                )
            result[key] = total
        return result

    def sync_meta(self, ad_account_id: str) -> SyncMeta | None:
        rows = self._query(
            "SELECT ad_account_id, last_sync_at, last_success_at, last_status, last_error, "
            "counts, duration_s FROM sync_meta WHERE ad_account_id = ?",
            (ad_account_id,),
        )
        if not rows:
            return None
        r = rows[0]
        return SyncMeta(
            ad_account_id=r[0],
            last_sync_at=_parse_time(r[1]),
            last_success_at=_parse_time(r[2]),
            last_status=r[3],
            last_error=r[4],
            counts=json.loads(r[5]) if r[5] else {},
            duration_s=r[6],
        )

    def last_sync_at(self) -> datetime | None:
        """When any ad account was last synced successfully (None if never)."""
        return _parse_time(self._query("SELECT max(last_success_at) FROM sync_meta")[0][0])

    def journal_mode(self) -> str:
        return str(self._query("PRAGMA journal_mode")[0][0])

    def schema_version(self) -> int:
        return int(self._query("PRAGMA user_version")[0][0])
