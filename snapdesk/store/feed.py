"""The change feed: what changed in the cache since a reader last looked.

Anki's model, made independent of who did the writing: an operation's writes land in SQLite,
SQLite triggers log every pending-change row that was inserted, updated or deleted
(`change_events`), the entity writers log what they replaced (`entity_events`), and a reader
turns the rows after its last seen position into one `OpChanges`. The app polls after every
commit of its own (the store's commit listeners) and on a timer (other snapdesk processes on the
same cache: the CLI, `experiments tick` from cron), then tells every view once.

    feed = Feed(store)            # starts at "now": only later changes are reported
    ...
    changes = feed.poll()         # None when nothing changed
    if changes and changes.pending:
        panel.refresh()
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from snapdesk.store.store import Store

# Rows kept in each log table; older ones are pruned by `prune` (a reader that fell further
# behind gets `everything=True` and reloads all it shows).
KEEP_EVENTS = 20_000


@dataclass(frozen=True)
class OpChanges:
    """What changed. `pending` is true when any pending change was added, edited, reverted,
    posted or removed; `change_ids`, `entity_ids` and `ad_account_ids` say which. `entities`
    holds cached entities that a post or a sync replaced (`(kind, id)`; kind "*" = the whole
    account in `ad_account_ids`). `everything`: the reader fell behind, reload all."""

    change_ids: frozenset[str] = frozenset()
    entities: frozenset[tuple[str, str]] = frozenset()
    ad_account_ids: frozenset[str] = frozenset()
    accounts_replaced: frozenset[str] = frozenset()
    organizations: bool = False
    everything: bool = False
    states: dict[str, str | None] = field(default_factory=dict)

    @property
    def pending(self) -> bool:
        return self.everything or bool(self.change_ids)

    @property
    def cache(self) -> bool:
        return (
            self.everything
            or bool(self.entities)
            or bool(self.accounts_replaced)
            or self.organizations
        )

    def touches_entity(self, kind: str | None, entity_id: str | None) -> bool:
        """Whether a view showing this entity should reload."""
        if self.everything or self.organizations:
            return True
        if entity_id is None:
            return False
        return (kind or "", entity_id) in self.entities or any(
            eid == entity_id for _kind, eid in self.entities
        )

    def touches_account(self, ad_account_id: str | None) -> bool:
        if self.everything or self.organizations:
            return True
        return ad_account_id is not None and (
            ad_account_id in self.ad_account_ids or ad_account_id in self.accounts_replaced
        )

    def merged(self, other: OpChanges) -> OpChanges:
        return OpChanges(
            change_ids=self.change_ids | other.change_ids,
            entities=self.entities | other.entities,
            ad_account_ids=self.ad_account_ids | other.ad_account_ids,
            accounts_replaced=self.accounts_replaced | other.accounts_replaced,
            organizations=self.organizations or other.organizations,
            everything=self.everything or other.everything,
            states={**self.states, **other.states},
        )


def _max_seq(conn: sqlite3.Connection, table: str) -> int:
    return int(conn.execute(f"SELECT coalesce(max(seq), 0) FROM {table}").fetchone()[0])


def _min_seq(conn: sqlite3.Connection, table: str) -> int:
    return int(conn.execute(f"SELECT coalesce(min(seq), 0) FROM {table}").fetchone()[0])


class Feed:
    """One reader of the change feed (each window's app state has one)."""

    def __init__(self, store: Store) -> None:
        self._store = store
        conn = store.reader()
        self._change_seq = _max_seq(conn, "change_events")
        self._entity_seq = _max_seq(conn, "entity_events")

    @property
    def position(self) -> tuple[int, int]:
        return self._change_seq, self._entity_seq

    def poll(self) -> OpChanges | None:
        """Everything logged since the last poll, or None."""
        conn = self._store.reader()
        change_rows = conn.execute(
            "SELECT seq, change_id, ad_account_id, kind, entity_id, state FROM change_events "
            "WHERE seq > ? ORDER BY seq",
            (self._change_seq,),
        ).fetchall()
        entity_rows = conn.execute(
            "SELECT seq, kind, entity_id, ad_account_id FROM entity_events "
            "WHERE seq > ? ORDER BY seq",
            (self._entity_seq,),
        ).fetchall()
        if not change_rows and not entity_rows:
            return None
        everything = False
        if change_rows and change_rows[0][0] > self._change_seq + 1:
            everything = _min_seq(conn, "change_events") > self._change_seq + 1
        if entity_rows and entity_rows[0][0] > self._entity_seq + 1:
            everything = everything or _min_seq(conn, "entity_events") > self._entity_seq + 1
        if change_rows:
            self._change_seq = change_rows[-1][0]
        if entity_rows:
            self._entity_seq = entity_rows[-1][0]
        change_ids = set()
        accounts = set()
        entities = set()
        replaced = set()
        states: dict[str, str | None] = {}
        organizations = False
        for _seq, change_id, account, kind, entity_id, state in change_rows:
            change_ids.add(change_id)
            states[change_id] = state
            if account:
                accounts.add(account)
            if kind and entity_id:
                entities.add((kind, entity_id))
        for _seq, kind, entity_id, account in entity_rows:
            if kind == "*":
                if account:
                    replaced.add(account)
            elif kind == "organization":
                organizations = True
            elif entity_id:
                entities.add((kind, entity_id))
                if account:
                    accounts.add(account)
        return OpChanges(
            change_ids=frozenset(change_ids),
            entities=frozenset(entities),
            ad_account_ids=frozenset(accounts),
            accounts_replaced=frozenset(replaced),
            organizations=organizations,
            everything=everything,
            states=states,
        )


def prune(conn: sqlite3.Connection, keep: int = KEEP_EVENTS) -> None:
    """Drop all but the last `keep` rows of each log (run in a write transaction)."""
    for table in ("change_events", "entity_events"):
        top = _max_seq(conn, table)
        conn.execute(f"DELETE FROM {table} WHERE seq <= ?", (top - keep,))
