"""Write operations, as functions of the writer connection.

Each function here runs inside the transaction `Store.write` / `Store.awrite` opened on the
writer thread, so several of them can be composed into one atomic write::

    await store.awrite(lambda conn: (
        writes.replace_account_snapshot(conn, account_id, snapshot),
        writes.set_sync_meta(conn, account_id, status="ok", counts=...),
    ))

JSON encoding happens here too, i.e. on the writer thread, never on the caller's event loop.
Nothing private is stored: personal contact fields and anything token-like are dropped first.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from snapdesk.core.kinds import (
    ACCOUNT_KINDS,
    AD,
    AD_ACCOUNT,
    AD_SQUAD,
    CAMPAIGN,
    CREATIVE,
    MEDIA,
    ORGANIZATION,
    PLURAL,
)
from snapdesk.store.rows import KindChanges, SnapshotChanges, SyncStatus

_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False)

# Personal data (organization contacts, the caller's own e-mail) and credentials never reach
# the cache. Nested ad accounts are stored as their own rows.
PRIVATE_KEYS: frozenset[str] = frozenset(
    {
        "contact_name",
        "contact_email",
        "contact_phone",
        "my_display_name",
        "my_invited_email",
        "tax_id",
        "email",
        "phone",
        "phone_number",
        "access_token",
        "refresh_token",
        "token",
        "client_secret",
    }
)
_ORGANIZATION_DROP = PRIVATE_KEYS | {"ad_accounts"}

# Field holding the parent's id, per kind; None means the parent is the ad account itself.
_PARENT_FIELD: dict[str, str | None] = {
    AD_SQUAD: "campaign_id",
    AD: "ad_squad_id",
}
# Where the status shown in lists comes from, per kind (first present field wins).
_STATUS_FIELDS: dict[str, tuple[str, ...]] = {
    CREATIVE: ("status", "review_status"),
    MEDIA: ("status", "media_status"),
}

_TABLE_TO_KIND = {table: kind for kind, table in PLURAL.items()}
_ACCOUNT_TABLES = tuple(PLURAL[kind] for kind in ACCOUNT_KINDS)


def encode(obj: Mapping[str, Any]) -> str:
    """Compact JSON, UTF-8 kept as is."""
    return _ENCODER.encode(obj)


def scrub(obj: Mapping[str, Any], drop: frozenset[str] = PRIVATE_KEYS) -> Mapping[str, Any]:
    """`obj` without private top-level keys (the same object when there are none)."""
    if obj.keys().isdisjoint(drop):
        return obj
    return {k: v for k, v in obj.items() if k not in drop}


def _status(kind: str, obj: Mapping[str, Any]) -> str | None:
    for name in _STATUS_FIELDS.get(kind, ("status",)):
        value = obj.get(name)
        if value is not None:
            return str(value)
    return None


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def normalize_kind(key: str) -> str:
    """Accept a kind (`ad_squad`) or its table name (`ad_squads`); return the kind."""
    kind = _TABLE_TO_KIND.get(key, key)
    if kind not in ACCOUNT_KINDS:
        raise ValueError(f"{key!r} is not an ad-account entity kind ({', '.join(ACCOUNT_KINDS)})")
    return kind


def _fill_temp_ids(conn: sqlite3.Connection, ids: Iterable[str]) -> None:
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS _keep_ids (id TEXT PRIMARY KEY)")
    conn.execute("DELETE FROM temp._keep_ids")
    conn.executemany("INSERT OR IGNORE INTO temp._keep_ids(id) VALUES (?)", ((i,) for i in ids))


def _replace_kind(
    conn: sqlite3.Connection, *, ad_account_id: str, kind: str, objects: Sequence[Mapping[str, Any]]
) -> KindChanges:
    table = PLURAL[kind]
    parent_field = _PARENT_FIELD.get(kind)
    # A page boundary moving under us can repeat an object; the last copy wins.
    by_id: dict[str, tuple[str, str, str, str | None, str | None, str]] = {}
    for obj in objects:
        obj = scrub(obj)
        oid = str(obj["id"])
        parent = obj.get(parent_field) if parent_field else None
        by_id[oid] = (
            oid,
            ad_account_id,
            str(parent) if parent is not None else ad_account_id,
            _text(obj.get("name")),
            _status(kind, obj),
            encode(obj),
        )
    rows = list(by_id.values())
    total = len(rows)
    _fill_temp_ids(conn, by_id)
    deleted = conn.execute(
        f"DELETE FROM {table} WHERE ad_account_id = ? "
        "AND id NOT IN (SELECT id FROM temp._keep_ids)",
        (ad_account_id,),
    ).rowcount
    existing = conn.execute(
        f"SELECT count(*) FROM temp._keep_ids k JOIN {table} t ON t.id = k.id"
    ).fetchone()[0]
    inserted = total - existing
    before = conn.total_changes
    conn.executemany(
        f"INSERT INTO {table} AS t (id, ad_account_id, parent_id, name, status, data) "
        "VALUES (?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(id) DO UPDATE SET ad_account_id = excluded.ad_account_id, "
        "parent_id = excluded.parent_id, name = excluded.name, status = excluded.status, "
        "data = excluded.data "
        "WHERE t.data IS NOT excluded.data OR t.ad_account_id IS NOT excluded.ad_account_id "
        "OR t.parent_id IS NOT excluded.parent_id",
        rows,
    )
    written = conn.total_changes - before
    conn.execute("DELETE FROM temp._keep_ids")
    return KindChanges(inserted=inserted, updated=written - inserted, deleted=deleted, total=total)


def entity_event(
    conn: sqlite3.Connection, kind: str, entity_id: str | None, ad_account_id: str | None
) -> None:
    """Tell the feed (`snapdesk.store.feed`) that cached entities changed. `kind` "*" with an
    ad account: the whole account was replaced; "organization" with no id: the account list."""
    conn.execute(
        "INSERT INTO entity_events (kind, entity_id, ad_account_id) VALUES (?, ?, ?)",
        (kind, entity_id, ad_account_id),
    )


def replace_account_snapshot(
    conn: sqlite3.Connection,
    ad_account_id: str,
    snapshot: Mapping[str, Sequence[Mapping[str, Any]]],
) -> SnapshotChanges:
    """Make the cached entities of one ad account equal to `snapshot`.

    `snapshot` maps a kind (`campaign`) or table name (`campaigns`) to the raw objects the server
    returned. For every kind present, rows of this account that are not in the snapshot are
    deleted; kinds absent from the mapping are left as they are.
    """
    per_kind: dict[str, Sequence[Mapping[str, Any]]] = {}
    for key, objects in snapshot.items():
        per_kind[normalize_kind(key)] = objects
    tables: dict[str, KindChanges] = {}
    for kind in ACCOUNT_KINDS:
        if kind in per_kind:
            tables[PLURAL[kind]] = _replace_kind(
                conn, ad_account_id=ad_account_id, kind=kind, objects=per_kind[kind]
            )
    entity_event(conn, "*", None, ad_account_id)
    return SnapshotChanges(ad_account_id=ad_account_id, tables=tables)


def delete_account_entities(conn: sqlite3.Connection, ad_account_ids: Sequence[str]) -> int:
    """Remove everything cached under these ad accounts (entities and sync metadata)."""
    if not ad_account_ids:
        return 0
    removed = 0
    marks = ",".join("?" * len(ad_account_ids))
    for table in _ACCOUNT_TABLES:
        removed += conn.execute(
            f"DELETE FROM {table} WHERE ad_account_id IN ({marks})", tuple(ad_account_ids)
        ).rowcount
    conn.execute(f"DELETE FROM sync_meta WHERE ad_account_id IN ({marks})", tuple(ad_account_ids))
    for account_id in ad_account_ids:
        entity_event(conn, "*", None, account_id)
    return removed


def replace_organizations(
    conn: sqlite3.Connection,
    profile: str,
    orgs: Sequence[Mapping[str, Any]],
    accounts: Sequence[Mapping[str, Any]],
) -> SnapshotChanges:
    """Make the organizations and ad accounts cached for `profile` equal to the ones given.

    Accounts are flat dicts and must carry `organization_id` (the discovery response nests them
    without it; the caller adds it). Accounts of this profile that are gone are removed together
    with everything cached under them.
    """
    tables: dict[str, KindChanges] = {}

    org_rows = []
    for org in orgs:
        clean = scrub(org, _ORGANIZATION_DROP)
        org_rows.append((str(clean["id"]), profile, _text(clean.get("name")), encode(clean)))
    _fill_temp_ids(conn, (row[0] for row in org_rows))
    deleted = conn.execute(
        "DELETE FROM organizations WHERE profile = ? AND id NOT IN (SELECT id FROM temp._keep_ids)",
        (profile,),
    ).rowcount
    tables[PLURAL[ORGANIZATION]] = _upsert(
        conn,
        table="organizations",
        columns=("id", "profile", "name", "data"),
        rows=org_rows,
        deleted=deleted,
    )

    account_rows = []
    for account in accounts:
        clean = scrub(account)
        account_rows.append(
            (
                str(clean["id"]),
                _text(clean.get("organization_id")),
                profile,
                _text(clean.get("name")),
                _text(clean.get("status")),
                _text(clean.get("currency")),
                _text(clean.get("timezone")),
                encode(clean),
            )
        )
    _fill_temp_ids(conn, (row[0] for row in account_rows))
    gone = [
        r[0]
        for r in conn.execute(
            "SELECT id FROM ad_accounts WHERE profile = ? "
            "AND id NOT IN (SELECT id FROM temp._keep_ids)",
            (profile,),
        )
    ]
    if gone:
        delete_account_entities(conn, gone)
        conn.executemany("DELETE FROM ad_accounts WHERE id = ?", ((i,) for i in gone))
    tables[PLURAL[AD_ACCOUNT]] = _upsert(
        conn,
        table="ad_accounts",
        columns=(
            "id",
            "organization_id",
            "profile",
            "name",
            "status",
            "currency",
            "timezone",
            "data",
        ),
        rows=account_rows,
        deleted=len(gone),
    )
    conn.execute("DELETE FROM temp._keep_ids")
    entity_event(conn, ORGANIZATION, None, None)
    return SnapshotChanges(ad_account_id=None, tables=tables)


def _upsert(
    conn: sqlite3.Connection,
    *,
    table: str,
    columns: tuple[str, ...],
    rows: Sequence[tuple[Any, ...]],
    deleted: int,
) -> KindChanges:
    ids = {row[0] for row in rows}
    existing = 0
    for chunk in _chunks(sorted(ids), 500):
        marks = ",".join("?" * len(chunk))
        existing += conn.execute(
            f"SELECT count(*) FROM {table} WHERE id IN ({marks})", chunk
        ).fetchone()[0]
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns[1:])
    changed = " OR ".join(f"t.{c} IS NOT excluded.{c}" for c in columns[1:])
    before = conn.total_changes
    conn.executemany(
        f"INSERT INTO {table} AS t ({', '.join(columns)}) VALUES ({','.join('?' * len(columns))}) "
        f"ON CONFLICT(id) DO UPDATE SET {updates} WHERE {changed}",
        rows,
    )
    written = conn.total_changes - before
    inserted = len(ids) - existing
    return KindChanges(
        inserted=inserted, updated=max(0, written - inserted), deleted=deleted, total=len(ids)
    )


def _chunks(items: Sequence[str], size: int) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _iso(at: datetime) -> str:
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).isoformat(timespec="seconds")


def set_sync_meta(
    conn: sqlite3.Connection,
    ad_account_id: str,
    *,
    status: SyncStatus,
    error: str | None = None,
    counts: Mapping[str, int] | None = None,
    duration_s: float | None = None,
    at: datetime | None = None,
) -> None:
    """Record the outcome of syncing one account.

    A failed or cancelled sync keeps the counts and `last_success_at` of the last good one.
    """
    if status not in ("ok", "failed", "cancelled"):
        raise ValueError(f"unknown sync status {status!r}")
    when = _iso(at or datetime.now(UTC))
    conn.execute(
        "INSERT INTO sync_meta AS m (ad_account_id, last_sync_at, last_success_at, last_status, "
        "last_error, counts, duration_s) VALUES (?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(ad_account_id) DO UPDATE SET last_sync_at = excluded.last_sync_at, "
        "last_success_at = coalesce(excluded.last_success_at, m.last_success_at), "
        "last_status = excluded.last_status, last_error = excluded.last_error, "
        "counts = coalesce(excluded.counts, m.counts), duration_s = excluded.duration_s",
        (
            ad_account_id,
            when,
            when if status == "ok" else None,
            status,
            error,
            encode(dict(counts)) if counts is not None else None,
            duration_s,
        ),
    )


def upsert_entity(
    conn: sqlite3.Connection, kind: str, obj: Mapping[str, Any], *, ad_account_id: str
) -> None:
    """Insert or replace one account-level entity from a server response (a write's answer).

    The row is built exactly as a sync builds it, so a posted change and the next sync agree.
    """
    kind = normalize_kind(kind)
    clean = scrub(obj)
    oid = str(clean["id"])
    parent_field = _PARENT_FIELD.get(kind)
    parent = clean.get(parent_field) if parent_field else None
    conn.execute(
        f"INSERT INTO {PLURAL[kind]} (id, ad_account_id, parent_id, name, status, data) "
        "VALUES (?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(id) DO UPDATE SET ad_account_id = excluded.ad_account_id, "
        "parent_id = excluded.parent_id, name = excluded.name, status = excluded.status, "
        "data = excluded.data",
        (
            oid,
            ad_account_id,
            str(parent) if parent is not None else ad_account_id,
            _text(clean.get("name")),
            _status(kind, clean),
            encode(clean),
        ),
    )
    entity_event(conn, kind, oid, ad_account_id)


def child_ids(conn: sqlite3.Connection, kind: str, parent_id: str) -> list[str]:
    """Ids of the cached `kind` entities under `parent_id` (an ad account, campaign, ad squad)."""
    kind = normalize_kind(kind)
    return [
        str(r[0])
        for r in conn.execute(
            f"SELECT id FROM {PLURAL[kind]} WHERE parent_id = ? OR ad_account_id = ?",
            (parent_id, parent_id),
        )
    ]


def remove_entity(conn: sqlite3.Connection, kind: str, entity_id: str) -> int:
    """Drop one entity (and, for campaigns and ad squads, what Snap deletes with it)."""
    kind = normalize_kind(kind)
    removed = 0
    if kind == CAMPAIGN:
        squads = [
            r[0]
            for r in conn.execute(
                f"SELECT id FROM {PLURAL[AD_SQUAD]} WHERE parent_id = ?", (entity_id,)
            )
        ]
        for squad in squads:
            removed += remove_entity(conn, AD_SQUAD, squad)
    elif kind == AD_SQUAD:
        removed += conn.execute(
            f"DELETE FROM {PLURAL[AD]} WHERE parent_id = ?", (entity_id,)
        ).rowcount
    row = conn.execute(
        f"SELECT ad_account_id FROM {PLURAL[kind]} WHERE id = ?", (entity_id,)
    ).fetchone()
    removed += conn.execute(f"DELETE FROM {PLURAL[kind]} WHERE id = ?", (entity_id,)).rowcount
    entity_event(conn, kind, entity_id, row[0] if row else None)
    return removed
