"""Grid rows from the cache: one `GridRow` per campaign, ad squad or ad in a scope, with the
pending changes applied (what will be sent, not what Snap had), marked and diffed.

A row keeps the server copy's changed values (`before`) so an edited cell can say "old → new";
an entity queued for creation is a row with its temporary id (`new-…`) and mark "+"; one
queued for deletion keeps its values with mark "−".

Loading reads each table once with plain SQL (no per-row queries) and parses the JSON objects;
50,000 ads across accounts load well under a second (`benchmarks/grid.py`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from snapdesk.changes import repository as repo
from snapdesk.changes.model import (
    CREATE,
    DELETE,
    OPEN_STATES,
    REF_PREFIX,
    UPDATE_ACTIONS,
    Change,
)
from snapdesk.changes.requests import read_only_fields
from snapdesk.core.kinds import AD, AD_SQUAD, CAMPAIGN, CREATIVE, PLURAL
from snapdesk.store import Store

__all__ = ["LEVEL_KINDS", "MARK_CREATE", "MARK_DELETE", "MARK_UPDATE", "AccountInfo", "GridRow",
           "Scope", "base_row", "count_rows", "load_rows", "overlay", "refresh_rows"]  # fmt: skip

LEVEL_KINDS: Final = (CAMPAIGN, AD_SQUAD, AD)
MARK_CREATE: Final = "+"
MARK_UPDATE: Final = "Δ"
MARK_DELETE: Final = "−"


@dataclass(frozen=True, slots=True)
class AccountInfo:
    """What a row needs of its ad account (shared by every row of the account)."""

    id: str
    name: str
    currency: str
    timezone: str
    organization_id: str | None = None
    organization_name: str | None = None
    profile: str | None = None


@dataclass(frozen=True)
class Scope:
    """Which rows the grid shows: the tree's selection.

    `ad_account_ids` None means every cached account of every login; `campaign_id` /
    `ad_squad_id` narrow to the children of one campaign or ad squad.
    """

    ad_account_ids: tuple[str, ...] | None = None
    campaign_id: str | None = None
    ad_squad_id: str | None = None
    label: str = "All accounts"

    @classmethod
    def all(cls) -> Scope:
        return cls()

    @classmethod
    def accounts(cls, ids: Iterable[str], label: str = "") -> Scope:
        ids = tuple(dict.fromkeys(ids))
        return cls(ad_account_ids=ids, label=label or f"{len(ids)} ad accounts")


class GridRow:
    """One entity in the grid. `data` is the object as it will be after the pending changes;
    `base` Snap's copy (None for a queued create)."""

    __slots__ = (
        "account",
        "ad_squad_id",
        "ad_squad_name",
        "base",
        "before",
        "bid",
        "campaign",
        "campaign_id",
        "campaign_name",
        "change_ids",
        "changed",
        "creative_name",
        "data",
        "id",
        "kind",
        "mark",
        "perf",
        "reach",
        "status_text",
    )

    def __init__(
        self,
        kind: str,
        id: str,
        account: AccountInfo,
        data: dict[str, Any],
        *,
        base: dict[str, Any] | None = None,
    ) -> None:
        self.kind = kind
        self.id = id
        self.account = account
        self.data = data
        self.base = base
        self.campaign_id: str | None = None
        self.campaign_name: str | None = None
        self.ad_squad_id: str | None = None
        self.ad_squad_name: str | None = None
        self.creative_name: str | None = None
        # The campaign object of an ad squad or ad (its objective and schedule show there).
        self.campaign: Mapping[str, Any] | None = None
        self.mark = ""
        self.changed: frozenset[str] = frozenset()
        self.before: dict[str, Any] = {}
        self.change_ids: tuple[str, ...] = ()
        self.perf: Any = None  # snapdesk.grid.perf.Perf once performance is loaded
        # ad squads: Snap's estimates for the targeting (snapdesk.targeting), once known
        self.reach: Any = None
        self.bid: Any = None
        self.status_text = ""

    @property
    def name(self) -> str:
        return str(self.data.get("name") or "")

    @property
    def ad_account_id(self) -> str:
        return self.account.id

    @property
    def currency(self) -> str:
        return self.account.currency

    @property
    def is_new(self) -> bool:
        return self.mark == MARK_CREATE

    @property
    def parent_id(self) -> str | None:
        if self.kind == AD:
            return self.ad_squad_id
        if self.kind == AD_SQUAD:
            return self.campaign_id
        return self.account.id

    def __repr__(self) -> str:
        return f"GridRow({self.kind}, {self.id!r}, {self.name!r}, mark={self.mark!r})"


def _accounts(conn: sqlite3.Connection, ids: Sequence[str] | None) -> dict[str, AccountInfo]:
    sql = (
        "SELECT a.id, a.name, a.currency, a.timezone, a.organization_id, o.name, a.profile "
        "FROM ad_accounts a LEFT JOIN organizations o ON o.id = a.organization_id"
    )
    params: list[str] = []
    if ids is not None:
        sql += f" WHERE a.id IN ({','.join('?' * len(ids))})"
        params = list(ids)
    out: dict[str, AccountInfo] = {}
    for aid, name, currency, tz, org_id, org_name, profile in conn.execute(sql, params):
        out[aid] = AccountInfo(
            id=aid,
            name=name or aid,
            currency=currency or "USD",
            timezone=tz or "UTC",
            organization_id=org_id,
            organization_name=org_name,
            profile=profile,
        )
    return out


def _select(
    conn: sqlite3.Connection,
    kind: str,
    account_ids: Sequence[str],
    *,
    parent_ids: Sequence[str] | None = None,
    entity_ids: Sequence[str] | None = None,
    columns: str = "id, ad_account_id, parent_id, name, data",
) -> list[tuple[Any, ...]]:
    table = PLURAL[kind]
    where = f"ad_account_id IN ({','.join('?' * len(account_ids))})"
    params: list[str] = list(account_ids)
    if parent_ids is not None:
        where += f" AND parent_id IN ({','.join('?' * len(parent_ids))})"
        params.extend(parent_ids)
    if entity_ids is not None:
        where += f" AND id IN ({','.join('?' * len(entity_ids))})"
        params.extend(entity_ids)
    return conn.execute(f"SELECT {columns} FROM {table} WHERE {where}", params).fetchall()


def _ref_target(value: Any, temp_ids: Mapping[str, str]) -> Any:
    """`$ref:<change id>` (how a pending create is referred to) → that create's temp id."""
    if isinstance(value, str) and value.startswith(REF_PREFIX):
        return temp_ids.get(value[len(REF_PREFIX) :], value)
    return value


def overlay(row: GridRow, changes: Sequence[Change]) -> None:
    """Apply the entity's open changes to `row` (update → values, delete → mark)."""
    if not changes:
        return
    row.change_ids = tuple(c.id for c in changes)
    if any(c.action == DELETE for c in changes):
        row.mark = MARK_DELETE
        return
    update = next((c for c in changes if c.action in UPDATE_ACTIONS and c.after), None)
    if update is None or update.after is None:
        return
    before = update.before or {}
    after = update.after
    shown = {k: v for k, v in row.data.items() if k in after or k not in before}
    shown.update(after)
    changed = {
        k
        for k in set(before) | set(after)
        if before.get(k) != after.get(k) and k not in read_only_fields(row.kind)
    }
    row.data = shown
    row.changed = frozenset(changed)
    row.before = {k: before.get(k) for k in changed}
    row.mark = MARK_UPDATE if changed else ""


def load_rows(
    store: Store | sqlite3.Connection,
    level: str,
    scope: Scope | None = None,
) -> list[GridRow]:
    """Every `level` entity (campaign, ad_squad or ad) of the scope, with pending edits applied
    and queued creates added. Deleted-on-Snap entities the cache still holds are included with
    their status."""
    if level not in LEVEL_KINDS:
        raise ValueError(f"the grid shows campaigns, ad squads or ads, not {level!r}")
    conn = store.reader() if isinstance(store, Store) else store
    return _build(conn, level, scope or Scope.all(), None)


def refresh_rows(
    store: Store | sqlite3.Connection,
    level: str,
    entity_ids: Iterable[str],
    scope: Scope | None = None,
) -> list[GridRow]:
    """The rows of `entity_ids` as `load_rows` would build them now (cached or queued for
    creation, in the scope); an id missing from the result is no longer a row (reverted create,
    posted create now under its real id, removed by a sync, outside the scope). For reloading
    only what a change touched."""
    if level not in LEVEL_KINDS:
        raise ValueError(f"the grid shows campaigns, ad squads or ads, not {level!r}")
    wanted = set(entity_ids)
    if not wanted:
        return []
    conn = store.reader() if isinstance(store, Store) else store
    return _build(conn, level, scope or Scope.all(), wanted)


def count_rows(store: Store | sqlite3.Connection, level: str, scope: Scope | None = None) -> int:
    """How many rows `load_rows` would give (cached entities plus queued creates), counted in
    SQL without building them (for the level buttons)."""
    scope = scope or Scope.all()
    conn = store.reader() if isinstance(store, Store) else store
    accounts = _accounts(conn, scope.ad_account_ids)
    ids = list(accounts)
    if not ids:
        return 0
    table = PLURAL[level]
    where = f"ad_account_id IN ({','.join('?' * len(ids))})"
    params: list[str] = list(ids)
    if level == AD_SQUAD and scope.campaign_id:
        where += " AND parent_id = ?"
        params.append(scope.campaign_id)
    elif level == AD and scope.ad_squad_id:
        where += " AND parent_id = ?"
        params.append(scope.ad_squad_id)
    elif level == AD and scope.campaign_id:
        where += " AND parent_id IN (SELECT id FROM ad_squads WHERE parent_id = ?)"
        params.append(scope.campaign_id)
    cached = int(conn.execute(f"SELECT count(*) FROM {table} WHERE {where}", params).fetchone()[0])
    narrowed = bool(scope.campaign_id or scope.ad_squad_id)
    creates = 0
    if narrowed:  # rare and small: build them to see which parent they are under
        creates = sum(1 for row in _build(conn, level, scope, None, cached=False))
    else:
        marks = ",".join("?" * len(OPEN_STATES))
        creates = int(
            conn.execute(
                f"SELECT count(*) FROM pending_changes WHERE kind = ? AND action = ? "
                f"AND state IN ({marks}) AND ad_account_id IN ({','.join('?' * len(ids))})",
                (level, CREATE, *OPEN_STATES, *ids),
            ).fetchone()[0]
        )
    return cached + creates


def base_row(row: GridRow) -> GridRow:
    """The row as Snap has it (the values before the pending changes), for "old → new"."""
    if not row.before:
        return row
    data = dict(row.data)
    for key, value in row.before.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    old = GridRow(row.kind, row.id, row.account, data, base=row.base)
    old.campaign_id = row.campaign_id
    old.campaign_name = row.campaign_name
    old.ad_squad_id = row.ad_squad_id
    old.ad_squad_name = row.ad_squad_name
    old.creative_name = row.creative_name
    old.campaign = row.campaign
    old.perf = row.perf
    return old


def _entity_accounts(
    conn: sqlite3.Connection, level: str, ids: Sequence[str], changes: Sequence[Change]
) -> set[str]:
    """The ad accounts the entities belong to (cached or queued)."""
    wanted = set(ids)
    found = {c.ad_account_id for c in changes if c.entity_id in wanted}
    table = PLURAL[level]
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        found.update(
            r[0]
            for r in conn.execute(
                f"SELECT DISTINCT ad_account_id FROM {table} "
                f"WHERE id IN ({','.join('?' * len(chunk))})",
                chunk,
            )
        )
    return found


def _build(
    conn: sqlite3.Connection,
    level: str,
    scope: Scope,
    only: set[str] | None,
    *,
    cached: bool = True,
) -> list[GridRow]:
    accounts = _accounts(conn, scope.ad_account_ids)
    ids = list(accounts)
    if not ids:
        return []
    open_changes = repo.load_changes(conn, states=OPEN_STATES, ad_account_ids=ids)
    if only is not None:
        touched = _entity_accounts(conn, level, sorted(only), open_changes)
        ids = [a for a in ids if a in touched]
        if not ids:
            return []
        open_changes = [c for c in open_changes if c.ad_account_id in touched]
    temp_ids = {c.id: c.entity_id for c in open_changes if c.action == CREATE}
    by_entity: dict[str, list[Change]] = {}
    for change in open_changes:
        by_entity.setdefault(change.entity_id, []).append(change)
    creates = [c for c in open_changes if c.action == CREATE]

    # Parent names (and the campaign objects, for objective and schedule).
    campaigns: dict[str, tuple[str, dict[str, Any] | None]] = {}
    squads: dict[str, tuple[str, str]] = {}
    if level in (AD_SQUAD, AD):
        for cid, _aid, _pid, name, data in _select(conn, CAMPAIGN, ids):
            campaigns[cid] = (name or "", json.loads(data))
        for change in creates:
            if change.kind == CAMPAIGN:
                campaigns[change.entity_id] = (change.label or "", dict(change.after or {}))
        for change in open_changes:
            if change.kind == CAMPAIGN and change.action in UPDATE_ACTIONS and change.after:
                known = campaigns.get(change.entity_id)
                if known is not None:
                    merged = {**(known[1] or {}), **change.after}
                    campaigns[change.entity_id] = (str(merged.get("name") or ""), merged)
    if level == AD:
        for sid, _aid, pid, name in _select(
            conn, AD_SQUAD, ids, columns="id, ad_account_id, parent_id, name"
        ):
            squads[sid] = (name or "", pid)
        for change in creates:
            if change.kind == AD_SQUAD:
                parent = _ref_target((change.after or {}).get("campaign_id"), temp_ids)
                squads[change.entity_id] = (change.label or "", str(parent or ""))
        for change in open_changes:
            if change.kind == AD_SQUAD and change.action in UPDATE_ACTIONS and change.after:
                known_squad = squads.get(change.entity_id)
                if known_squad is not None and "name" in change.after:
                    squads[change.entity_id] = (str(change.after["name"] or ""), known_squad[1])
    creative_names: dict[str, str] = {}
    if level == AD:
        for crid, name in _select(conn, CREATIVE, ids, columns="id, name"):
            creative_names[crid] = name or ""
        for change in creates:
            if change.kind == CREATIVE:
                creative_names[change.entity_id] = change.label or ""

    parent_filter: list[str] | None = None
    if level == AD_SQUAD and scope.campaign_id:
        parent_filter = [scope.campaign_id]
    elif level == AD and scope.ad_squad_id:
        parent_filter = [scope.ad_squad_id]
    elif level == AD and scope.campaign_id:
        parent_filter = [s for s, (_n, c) in squads.items() if c == scope.campaign_id]

    rows: list[GridRow] = []
    loads = json.loads
    raw: list[tuple[Any, ...]] = []
    if cached and parent_filter != []:
        if only is None:
            raw = _select(conn, level, ids, parent_ids=parent_filter)
        else:
            wanted = sorted(only)
            for start in range(0, len(wanted), 500):
                raw.extend(
                    _select(conn, level, ids, parent_ids=parent_filter,
                            entity_ids=wanted[start : start + 500])
                )  # fmt: skip
    for eid, aid, pid, _name, data in raw:
        obj = loads(data)
        row = GridRow(level, eid, accounts[aid], obj, base=obj)
        _parents(row, pid, campaigns, squads, creative_names)
        changes = by_entity.get(eid)
        if changes:
            overlay(row, changes)
        rows.append(row)
    for change in creates:
        if change.kind != level or change.ad_account_id not in accounts:
            continue
        if only is not None and change.entity_id not in only:
            continue
        after = {k: _ref_target(v, temp_ids) for k, v in (change.after or {}).items()}
        after.setdefault("id", change.entity_id)
        parent = after.get({AD_SQUAD: "campaign_id", AD: "ad_squad_id"}.get(level, ""), None)
        if parent_filter is not None and parent not in parent_filter:
            continue
        row = GridRow(level, change.entity_id, accounts[change.ad_account_id], after)
        row.mark = MARK_CREATE
        row.change_ids = (change.id,)
        row.changed = frozenset(after)
        _parents(row, str(parent or change.ad_account_id), campaigns, squads, creative_names)
        rows.append(row)
    return rows


def _parents(
    row: GridRow,
    parent_id: str,
    campaigns: Mapping[str, tuple[str, dict[str, Any] | None]],
    squads: Mapping[str, tuple[str, str]],
    creative_names: Mapping[str, str],
) -> None:
    if row.kind == AD_SQUAD:
        campaign_id = str(row.data.get("campaign_id") or parent_id)
        row.campaign_id = campaign_id
        name, obj = campaigns.get(campaign_id, ("", None))
        row.campaign_name, row.campaign = name, obj
    elif row.kind == AD:
        squad_id = str(row.data.get("ad_squad_id") or parent_id)
        row.ad_squad_id = squad_id
        squad_name, campaign_id = squads.get(squad_id, ("", ""))
        row.ad_squad_name = squad_name
        row.campaign_id = campaign_id or None
        name, obj = campaigns.get(campaign_id, ("", None))
        row.campaign_name, row.campaign = name, obj
        creative = row.data.get("creative_id")
        row.creative_name = creative_names.get(str(creative)) if creative else None


def account_infos(store: Store, ids: Sequence[str] | None = None) -> dict[str, AccountInfo]:
    """The accounts a scope covers (all cached ones when `ids` is None)."""
    return _accounts(store.reader(), ids)
