"""The stats cache in SQLite (tables from the `_STATS_CACHE` migration), as plain functions over a
connection; `StatsService` runs them through the store's single writer.

- `stats_rows`: one row per entity, granularity and period (DAY: the local date; HOUR: the UTC
  start), Snap's numbers as JSON, the USD conversion made at ingestion, `finalized` (the period
  ended before Snap's `finalized_data_end_time`) and `fetched_at`.
- `stats_coverage`: which local days a query (entity + breakdown) has fetched, with which
  fields, and whether those days were final. A final day is never fetched again.
- `stats_members`: the children a breakdown query returned (deleted ones included).
- `stats_watch`: the last seen state of entities, for change notices.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

__all__ = [
    "CachedRow",
    "Coverage",
    "add_members",
    "load_coverage",
    "load_members",
    "load_rows",
    "load_watch",
    "open_days",
    "save_coverage",
    "save_rows",
    "save_watch",
]

_CHUNK = 500


@lru_cache(maxsize=4096)
def _date(text: str) -> date:
    return date.fromisoformat(text)


@lru_cache(maxsize=1024)
def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


@dataclass(frozen=True, slots=True)
class CachedRow:
    entity_id: str
    granularity: str
    period: str
    ad_account_id: str
    level: str
    day: date
    currency: str
    stats: dict[str, int | float]
    fx_rate: Decimal | None
    fx_rate_date: date | None
    spend_usd: Decimal | None
    value_usd: Decimal | None
    finalized: bool
    fetched_at: datetime


@dataclass(frozen=True)
class Coverage:
    day: date
    fields: frozenset[str]
    finalized: bool
    fetched_at: datetime


def _dec(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def save_rows(conn: sqlite3.Connection, rows: Iterable[CachedRow]) -> int:
    """Insert or replace rows; returns how many were written."""
    dumps = json.JSONEncoder(separators=(",", ":")).encode
    stamps: dict[datetime, str] = {}
    days: dict[date, str] = {}
    data = []
    for r in rows:
        stamp = stamps.get(r.fetched_at)
        if stamp is None:
            stamp = stamps[r.fetched_at] = r.fetched_at.isoformat()
        day = days.get(r.day)
        if day is None:
            day = days[r.day] = r.day.isoformat()
        spend = r.stats.get("spend")
        data.append(
            (
                r.entity_id,
                r.granularity,
                r.period,
                r.ad_account_id,
                r.level,
                day,
                r.currency,
                dumps(r.stats),
                int(spend) if spend is not None else None,
                _dec(r.fx_rate),
                r.fx_rate_date.isoformat() if r.fx_rate_date else None,
                _dec(r.spend_usd),
                _dec(r.value_usd),
                int(r.finalized),
                stamp,
            )
        )
    conn.executemany(
        "INSERT OR REPLACE INTO stats_rows(entity_id, granularity, period, ad_account_id, level, "
        "day, currency, stats, spend_micro, fx_rate, fx_rate_date, spend_usd, value_usd, "
        "finalized, fetched_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        data,
    )
    return len(data)


_loads = json.JSONDecoder().decode


def _row(r: Sequence[Any]) -> CachedRow:
    return CachedRow(
        r[0],
        r[1],
        r[2],
        r[3],
        r[4],
        _date(r[5]),
        r[6],
        _loads(r[7]),
        Decimal(r[8]) if r[8] is not None else None,
        _date(r[9]) if r[9] else None,
        Decimal(r[10]) if r[10] is not None else None,
        Decimal(r[11]) if r[11] is not None else None,
        bool(r[12]),
        _moment(r[13]),
    )


def load_rows(
    conn: sqlite3.Connection,
    entity_ids: Sequence[str],
    *,
    granularity: str,
    first_day: date,
    last_day: date,
) -> list[CachedRow]:
    """Cached rows of the entities whose local day is within first_day..last_day."""
    out: list[CachedRow] = []
    ids = list(dict.fromkeys(entity_ids))
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        marks = ",".join("?" * len(chunk))
        cursor = conn.execute(
            "SELECT entity_id, granularity, period, ad_account_id, level, day, currency, stats, "
            "fx_rate, fx_rate_date, spend_usd, value_usd, finalized, fetched_at FROM stats_rows "
            f"WHERE granularity = ? AND day BETWEEN ? AND ? AND entity_id IN ({marks}) "
            "ORDER BY entity_id, period",
            (granularity, first_day.isoformat(), last_day.isoformat(), *chunk),
        )
        out.extend(_row(r) for r in cursor)
    return out


def save_coverage(
    conn: sqlite3.Connection,
    *,
    query_key: str,
    granularity: str,
    ad_account_id: str,
    days: Mapping[date, bool],
    fields: Iterable[str],
    fetched_at: datetime,
) -> None:
    """Remember that `query_key` fetched these days (day -> finalized) with these fields."""
    text = ",".join(sorted(set(fields)))
    conn.executemany(
        "INSERT OR REPLACE INTO stats_coverage(query_key, granularity, day, ad_account_id, "
        "fields, finalized, fetched_at) VALUES (?,?,?,?,?,?,?)",
        [
            (
                query_key,
                granularity,
                d.isoformat(),
                ad_account_id,
                text,
                int(f),
                fetched_at.isoformat(),
            )
            for d, f in days.items()
        ],
    )


def load_coverage(
    conn: sqlite3.Connection, *, query_key: str, granularity: str, first_day: date, last_day: date
) -> dict[date, Coverage]:
    cursor = conn.execute(
        "SELECT day, fields, finalized, fetched_at FROM stats_coverage "
        "WHERE query_key = ? AND granularity = ? AND day BETWEEN ? AND ?",
        (query_key, granularity, first_day.isoformat(), last_day.isoformat()),
    )
    out = {}
    for day, fields, finalized, fetched_at in cursor:
        d = date.fromisoformat(day)
        out[d] = Coverage(
            day=d,
            fields=frozenset(f for f in fields.split(",") if f),
            finalized=bool(finalized),
            fetched_at=datetime.fromisoformat(fetched_at),
        )
    return out


def open_days(conn: sqlite3.Connection, *, ad_account_id: str, granularity: str) -> list[date]:
    """Days of the account fetched while not final yet (they are fetched again on refresh)."""
    cursor = conn.execute(
        "SELECT DISTINCT day FROM stats_coverage "
        "WHERE ad_account_id = ? AND granularity = ? AND finalized = 0 ORDER BY day",
        (ad_account_id, granularity),
    )
    return [date.fromisoformat(r[0]) for r in cursor]


def add_members(conn: sqlite3.Connection, query_key: str, child_ids: Iterable[str]) -> None:
    conn.executemany(
        "INSERT OR IGNORE INTO stats_members(query_key, child_id) VALUES (?, ?)",
        [(query_key, c) for c in child_ids],
    )


def load_members(conn: sqlite3.Connection, query_key: str) -> list[str]:
    cursor = conn.execute(
        "SELECT child_id FROM stats_members WHERE query_key = ? ORDER BY child_id", (query_key,)
    )
    return [r[0] for r in cursor]


def load_watch(conn: sqlite3.Connection, ad_account_id: str) -> dict[str, dict[str, Any]]:
    """entity id -> last seen state (with its `kind`)."""
    cursor = conn.execute(
        "SELECT entity_id, kind, state FROM stats_watch WHERE ad_account_id = ?", (ad_account_id,)
    )
    return {eid: {**json.loads(state), "kind": kind} for eid, kind, state in cursor}


def save_watch(
    conn: sqlite3.Connection,
    ad_account_id: str,
    states: Mapping[str, Mapping[str, Any]],
    *,
    at: datetime,
) -> None:
    conn.executemany(
        "INSERT OR REPLACE INTO stats_watch(entity_id, ad_account_id, kind, state, updated_at) "
        "VALUES (?,?,?,?,?)",
        [
            (
                eid,
                ad_account_id,
                str(state.get("kind", "")),
                json.dumps({k: v for k, v in state.items() if k != "kind"}, sort_keys=True),
                at.isoformat(),
            )
            for eid, state in states.items()
        ],
    )
