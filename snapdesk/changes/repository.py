"""Persistence of changes, the undo/redo history and the audit log (tables of schema v3).

Every function taking `conn` runs inside a `Store.write` transaction, so an edit, its history
entry and anything else of one user action commit together or not at all. Reads go through the
writer as well (short queries), so a read always sees the last write of this process.
"""

from __future__ import annotations

import builtins
import json
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from snapdesk.changes.model import (
    OPEN_STATES,
    AuditEntry,
    Change,
    RequestSpec,
    now_iso,
)
from snapdesk.core.validation import Issue
from snapdesk.store import Store

T = TypeVar("T")

EXCERPT_MAX = 4000

_COLUMNS = (
    "id, seq, group_id, ad_account_id, kind, entity_id, action, label, before, after, base, "
    "request, sent_request, idempotency_key, depends_on, resolutions, issues, state, result, "
    "error, attempts, created_at, updated_at, posted_at"
)

Stack = Literal["undo", "redo"]


def _dumps(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def _loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def _row(change: Change) -> tuple[Any, ...]:
    return (
        change.id,
        change.seq,
        change.group_id,
        change.ad_account_id,
        change.kind,
        change.entity_id,
        change.action,
        change.label,
        _dumps(change.before),
        _dumps(change.after),
        _dumps(change.base),
        _dumps(change.request.to_json()),
        _dumps(change.sent_request.to_json()) if change.sent_request else None,
        change.idempotency_key,
        _dumps(list(change.depends_on)),
        _dumps(change.resolutions),
        _dumps([i.to_json() for i in change.issues]),
        change.state,
        _dumps(change.result),
        change.error,
        change.attempts,
        change.created_at,
        change.updated_at,
        change.posted_at,
    )


def _change(row: Sequence[Any]) -> Change:
    sent = _loads(row[12])
    return Change(
        id=row[0],
        seq=int(row[1]),
        group_id=row[2],
        ad_account_id=row[3],
        kind=row[4],
        entity_id=row[5],
        action=row[6],
        label=row[7],
        before=_loads(row[8]),
        after=_loads(row[9]),
        base=_loads(row[10]),
        request=RequestSpec.from_json(_loads(row[11])),
        sent_request=RequestSpec.from_json(sent) if sent else None,
        idempotency_key=row[13],
        depends_on=tuple(_loads(row[14]) or ()),
        resolutions=dict(_loads(row[15]) or {}),
        issues=tuple(
            Issue(i["field"], i["message"], i["severity"], i.get("code", "invalid"))
            for i in _loads(row[16]) or ()
        ),
        state=row[17],
        result=_loads(row[18]),
        error=row[19],
        attempts=int(row[20]),
        created_at=row[21],
        updated_at=row[22],
        posted_at=row[23],
    )


# ---------------------------------------------------------------------------- changes


def save_change(conn: sqlite3.Connection, change: Change) -> None:
    marks = ",".join("?" * 24)
    conn.execute(
        f"INSERT OR REPLACE INTO pending_changes ({_COLUMNS}) VALUES ({marks})", _row(change)
    )


def delete_change(conn: sqlite3.Connection, change_id: str) -> None:
    conn.execute("DELETE FROM pending_changes WHERE id = ?", (change_id,))


def next_seq(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT coalesce(max(seq), 0) + 1 FROM pending_changes").fetchone()[0])


def load_change(conn: sqlite3.Connection, change_id: str) -> Change | None:
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM pending_changes WHERE id = ?", (change_id,)
    ).fetchone()
    return _change(row) if row else None


def load_changes(
    conn: sqlite3.Connection,
    *,
    states: Iterable[str] | None = OPEN_STATES,
    change_ids: Iterable[str] | None = None,
    ad_account_ids: Iterable[str] | None = None,
    entity_id: str | None = None,
    group_id: str | None = None,
) -> list[Change]:
    where: list[str] = []
    params: list[Any] = []
    for column, values in (
        ("state", states),
        ("id", change_ids),
        ("ad_account_id", ad_account_ids),
    ):
        if values is None:
            continue
        values = list(values)
        if not values:
            return []
        where.append(f"{column} IN ({','.join('?' * len(values))})")
        params.extend(values)
    if entity_id is not None:
        where.append("entity_id = ?")
        params.append(entity_id)
    if group_id is not None:
        where.append("group_id = ?")
        params.append(group_id)
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM pending_changes{clause} ORDER BY seq", params
    ).fetchall()
    return [_change(r) for r in rows]


# ---------------------------------------------------------------------------- history


@dataclass(frozen=True)
class HistoryItem:
    """One change as it was before and after a user action (None = did not exist)."""

    change_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None

    def to_json(self) -> dict[str, Any]:
        return {"change_id": self.change_id, "before": self.before, "after": self.after}

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> HistoryItem:
        return cls(raw["change_id"], raw.get("before"), raw.get("after"))


@dataclass(frozen=True)
class HistoryEntry:
    seq: int
    stack: Stack
    group_id: str
    label: str
    items: tuple[HistoryItem, ...]


def push_history(
    conn: sqlite3.Connection,
    *,
    stack: Stack,
    group_id: str,
    label: str,
    items: Sequence[HistoryItem],
) -> None:
    conn.execute(
        "INSERT INTO change_history (stack, group_id, label, items, created_at) "
        "VALUES (?, ?, ?, ?, ?)",
        (stack, group_id, label, _dumps([i.to_json() for i in items]), now_iso()),
    )


def peek_history(conn: sqlite3.Connection, stack: Stack) -> HistoryEntry | None:
    row = conn.execute(
        "SELECT seq, stack, group_id, label, items FROM change_history WHERE stack = ? "
        "ORDER BY seq DESC LIMIT 1",
        (stack,),
    ).fetchone()
    if row is None:
        return None
    items = tuple(HistoryItem.from_json(i) for i in json.loads(row[4]))
    return HistoryEntry(int(row[0]), row[1], row[2], row[3], items)


def drop_history(conn: sqlite3.Connection, seq: int) -> None:
    conn.execute("DELETE FROM change_history WHERE seq = ?", (seq,))


def clear_history(conn: sqlite3.Connection, stack: Stack) -> None:
    conn.execute("DELETE FROM change_history WHERE stack = ?", (stack,))


def drop_history_groups(conn: sqlite3.Connection, group_ids: Iterable[str]) -> None:
    """Drop the undo/redo entries of these actions (the code that made them took them back,
    e.g. a cancelled experiment promotion, so undo or redo must not bring them back)."""
    ids = list(group_ids)
    if ids:
        conn.execute(
            f"DELETE FROM change_history WHERE group_id IN ({','.join('?' * len(ids))})", ids
        )


def forget_posted(conn: sqlite3.Connection, change_ids: Iterable[str]) -> int:
    """Drop history entries touching changes that were posted: Snap can't be undone from here."""
    posted = set(change_ids)
    if not posted:
        return 0
    dropped = 0
    for seq, items in conn.execute("SELECT seq, items FROM change_history").fetchall():
        if any(i["change_id"] in posted for i in json.loads(items)):
            conn.execute("DELETE FROM change_history WHERE seq = ?", (seq,))
            dropped += 1
    return dropped


# ---------------------------------------------------------------------------- audit log


def excerpt(value: Any, limit: int = EXCERPT_MAX) -> str | None:
    if value is None:
        return None
    text = value if isinstance(value, str) else _dumps(value) or ""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def append_audit(
    conn: sqlite3.Connection,
    *,
    profile: str | None,
    mode: str,
    change: Change | None,
    method: str,
    path: str,
    request_body: Any,
    idempotency_key: str | None,
    response_status: int | None,
    response: Any,
    result: str,
    at: str | None = None,
) -> None:
    conn.execute(
        "INSERT INTO audit_log (at, profile, mode, ad_account_id, change_id, kind, entity_id, "
        "action, method, path, request_body, idempotency_key, response_status, "
        "response_excerpt, result) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            at or now_iso(),
            profile,
            mode,
            change.ad_account_id if change else None,
            change.id if change else None,
            change.kind if change else None,
            change.entity_id if change else None,
            change.action if change else None,
            method,
            path,
            _dumps(request_body),
            idempotency_key,
            response_status,
            excerpt(response),
            result,
        ),
    )


def audit_unsent(
    conn: sqlite3.Connection,
    *,
    profile: str | None,
    mode: str,
    change: Change,
    response: Any,
    result: str,
) -> None:
    """An audit entry for a change that was not sent (blocked, skipped, in conflict): its
    stored request as it would have gone out, and why not."""
    append_audit(
        conn,
        profile=profile,
        mode=mode,
        change=change,
        method=change.request.method,
        path=change.request.path,
        request_body=change.request.body,
        idempotency_key=change.idempotency_key,
        response_status=None,
        response=response,
        result=result,
    )


def load_audit(
    conn: sqlite3.Connection,
    *,
    ad_account_id: str | None = None,
    change_id: str | None = None,
    result: str | None = None,
    mode: str | None = None,
    since: str | None = None,
    until: str | None = None,
    text: str | None = None,
    limit: int | None = None,
) -> list[AuditEntry]:
    where: list[str] = []
    params: list[Any] = []
    for column, value in (
        ("ad_account_id", ad_account_id),
        ("change_id", change_id),
        ("result", result),
        ("mode", mode),
    ):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    if since is not None:
        where.append("at >= ?")
        params.append(since)
    if until is not None:
        where.append("at < ?")
        params.append(until)
    if text:
        where.append("(instr(path, ?) > 0 OR instr(coalesce(request_body, ''), ?) > 0)")
        params.extend([text, text])
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    sql = (
        "SELECT id, at, profile, mode, ad_account_id, change_id, kind, entity_id, action, method, "
        "path, request_body, idempotency_key, response_status, response_excerpt, result "
        f"FROM audit_log{clause} ORDER BY id"
    )
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return [
        AuditEntry(
            id=int(r[0]),
            at=r[1],
            profile=r[2],
            mode=r[3],
            ad_account_id=r[4],
            change_id=r[5],
            kind=r[6],
            entity_id=r[7],
            action=r[8],
            method=r[9],
            path=r[10],
            request_body=_loads(r[11]),
            idempotency_key=r[12],
            response_status=r[13],
            response_excerpt=r[14],
            result=r[15],
        )
        for r in conn.execute(sql, params).fetchall()
    ]


# ---------------------------------------------------------------------------- facade


class ChangeRepository:
    """Reads of the gateway's tables for services and views (each in its own transaction)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        return self.store.write(fn)

    async def aread(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        return await self.store.awrite(fn)

    def get(self, change_id: str) -> Change | None:
        return self.read(lambda c: load_change(c, change_id))

    def list(
        self,
        *,
        states: Iterable[str] | None = OPEN_STATES,
        change_ids: Iterable[str] | None = None,
        ad_account_ids: Iterable[str] | None = None,
    ) -> builtins.list[Change]:
        """Changes in the order they were made (default: the ones still to post)."""
        states = list(states) if states is not None else None
        ids = list(change_ids) if change_ids is not None else None
        accounts = list(ad_account_ids) if ad_account_ids is not None else None
        return self.read(
            lambda c: load_changes(c, states=states, change_ids=ids, ad_account_ids=accounts)
        )

    def audit_log(
        self,
        *,
        ad_account_id: str | None = None,
        change_id: str | None = None,
        result: str | None = None,
        mode: str | None = None,
        since: str | None = None,
        until: str | None = None,
        text: str | None = None,
        limit: int | None = None,
    ) -> builtins.list[AuditEntry]:
        """The audit log, oldest first, filtered by any of the arguments."""
        return self.read(
            lambda c: load_audit(
                c,
                ad_account_id=ad_account_id,
                change_id=change_id,
                result=result,
                mode=mode,
                since=since,
                until=until,
                text=text,
                limit=limit,
            )
        )

    def undo_label(self) -> str | None:
        entry = self.read(lambda c: peek_history(c, "undo"))
        return entry.label if entry else None

    def redo_label(self) -> str | None:
        entry = self.read(lambda c: peek_history(c, "redo"))
        return entry.label if entry else None


__all__ = [
    "ChangeRepository",
    "HistoryEntry",
    "HistoryItem",
    "append_audit",
    "clear_history",
    "delete_change",
    "drop_history",
    "forget_posted",
    "load_audit",
    "load_change",
    "load_changes",
    "next_seq",
    "peek_history",
    "push_history",
    "save_change",
]
