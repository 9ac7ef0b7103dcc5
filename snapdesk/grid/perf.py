"""Performance columns: totals per entity for a date range, from the stats cache, fetched on
demand with breakdown queries (one query per ad account and 31 days, never one per row).

    window = DateRange.preset("last_7")
    perf = cached_perf(store, AD_SQUAD, account_ids, window)        # what the cache holds
    perf, errors = await fetch_perf(service_for, AD_SQUAD, account_ids, window)  # fills gaps

A range is resolved in each account's own time zone ("today" in Tokyo is not today in Los
Angeles). Spend in USD uses the rate stored with each day at ingestion; an entity with spend on
a day without a rate has no USD total (None), never a partial one.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from snapdesk.core.kinds import AD, AD_ACCOUNT
from snapdesk.grid.rows import AccountInfo, GridRow, account_infos
from snapdesk.stats.metrics import STANDARD_FIELDS, Metrics
from snapdesk.store import Store

__all__ = ["PRESETS", "DateRange", "Perf", "cached_perf", "fetch_perf", "totals"]

PRESETS: Final[dict[str, str]] = {
    "today": "Today",
    "yesterday": "Yesterday",
    "last_7": "Last 7 days",
    "last_14": "Last 14 days",
    "last_30": "Last 30 days",
    "this_month": "This month",
    "last_month": "Last month",
    "custom": "Custom…",
}


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


@dataclass(frozen=True)
class DateRange:
    """A preset ("last_7") resolved per account's zone, or fixed local dates (custom)."""

    preset: str = "last_7"
    first: date | None = None
    last: date | None = None

    @classmethod
    def of(cls, preset: str) -> DateRange:
        if preset not in PRESETS or preset == "custom":
            raise ValueError(f"unknown date range {preset!r}")
        return cls(preset)

    @classmethod
    def custom(cls, first: date, last: date) -> DateRange:
        if last < first:
            raise ValueError("The date range ends before it starts")
        return cls("custom", first, last)

    def days(self, timezone: str, now: datetime | None = None) -> tuple[date, date]:
        """First and last local day of the range in `timezone` (inclusive)."""
        if self.preset == "custom":
            assert self.first is not None and self.last is not None
            return self.first, self.last
        today = (now or datetime.now(UTC)).astimezone(_zone(timezone)).date()
        if self.preset == "today":
            return today, today
        if self.preset == "yesterday":
            day = today - timedelta(days=1)
            return day, day
        if self.preset.startswith("last_") and self.preset[5:].isdigit():
            n = int(self.preset[5:])
            return today - timedelta(days=n - 1), today
        if self.preset == "this_month":
            return today.replace(day=1), today
        if self.preset == "last_month":
            last = today.replace(day=1) - timedelta(days=1)
            return last.replace(day=1), last
        raise ValueError(f"unknown date range {self.preset!r}")

    def label(self) -> str:
        if self.preset == "custom":
            assert self.first is not None and self.last is not None
            return f"{self.first.isoformat()} – {self.last.isoformat()}"
        return PRESETS[self.preset]

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"preset": self.preset}
        if self.preset == "custom":
            out["first"] = self.first.isoformat() if self.first else None
            out["last"] = self.last.isoformat() if self.last else None
        return out

    @classmethod
    def from_json(cls, raw: Mapping[str, Any] | None) -> DateRange:
        if not raw:
            return cls()
        preset = str(raw.get("preset") or "last_7")
        if preset == "custom":
            try:
                return cls.custom(
                    date.fromisoformat(str(raw["first"])), date.fromisoformat(str(raw["last"]))
                )
            except (KeyError, ValueError):
                return cls()
        return cls(preset) if preset in PRESETS else cls()


class Perf:
    """One entity's totals over the range (attributes named as the grid's getters)."""

    __slots__ = ("metrics", "spend_usd")

    def __init__(self, metrics: Metrics, spend_usd: Decimal | None) -> None:
        self.metrics = metrics
        self.spend_usd = spend_usd

    @property
    def spend(self) -> Decimal | None:
        return self.metrics.spend

    @property
    def impressions(self) -> int | None:
        return self.metrics.impressions

    @property
    def swipes(self) -> int | None:
        return self.metrics.swipes

    @property
    def video_views(self) -> int | None:
        return self.metrics.video_views

    @property
    def purchases(self) -> int | None:
        return self.metrics.purchases

    @property
    def purchase_value(self) -> Decimal | None:
        return self.metrics.purchase_value

    @property
    def swipe_rate(self) -> Decimal | None:
        return self.metrics.swipe_rate

    @property
    def ecpm(self) -> Decimal | None:
        return self.metrics.ecpm

    @property
    def cost_per_swipe(self) -> Decimal | None:
        return self.metrics.cost_per_swipe

    @property
    def cpa(self) -> Decimal | None:
        return self.metrics.cpa

    @property
    def roas(self) -> Decimal | None:
        return self.metrics.roas

    @classmethod
    def empty(cls, currency: str) -> Perf:
        """No delivery in the range (zeros, which Snap reports for an idle entity)."""
        return cls(Metrics(currency, {f: 0 for f in STANDARD_FIELDS}), Decimal(0))


# every standard field but spend (its own column) and view_completion (no grid column shows it;
# each JSON field read costs about 5 % of the query)
_FIELDS_NO_SPEND: Final = tuple(f for f in STANDARD_FIELDS if f not in ("spend", "view_completion"))
_SUMS: Final = ", ".join(f"SUM(json_extract(stats, '$.{f}'))" for f in _FIELDS_NO_SPEND)
# spend, the other fields, USD, days with spend but no rate, days that carry spend at all
_AGGREGATE: Final = (
    f"SELECT entity_id, MAX(currency), SUM(spend_micro), {_SUMS}, SUM(CAST(spend_usd AS REAL)), "
    "SUM(spend_usd IS NULL AND spend_micro > 0), COUNT(spend_micro) FROM stats_rows "
)
_CHUNK: Final = 2000


def cached_perf(
    store: Store | sqlite3.Connection,
    level: str,
    account_ids: Sequence[str] | None,
    window: DateRange,
    *,
    now: datetime | None = None,
    accounts: Mapping[str, AccountInfo] | None = None,
    entity_ids: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, Perf]:
    """Totals per entity of `level` from the cached DAY rows (no network). Entities without a
    cached row in the range are absent (unknown), not zero.

    `entity_ids` (ad account id → the entities wanted) reads only those, through the cache's
    primary key (about twice as fast as scanning an account's days when the grid already
    knows its rows: 50,000 ads × 30 days in `benchmarks/grid.py`)."""
    conn = store.reader() if isinstance(store, Store) else store
    if accounts is None:
        accounts = (
            account_infos(store, account_ids)
            if isinstance(store, Store)
            else _accounts_of(conn, account_ids)
        )
    out: dict[str, Perf] = {}
    for account in accounts.values():
        first, last = window.days(account.timezone, now)
        if entity_ids is None:
            cursor = conn.execute(
                _AGGREGATE + "WHERE ad_account_id = ? AND granularity = 'DAY' AND level = ? "
                "AND day BETWEEN ? AND ? GROUP BY entity_id",
                (account.id, level, first.isoformat(), last.isoformat()),
            )
            _collect(cursor, out)
            continue
        ids = list(entity_ids.get(account.id) or ())
        for start in range(0, len(ids), _CHUNK):
            cursor = conn.execute(
                _AGGREGATE + "WHERE entity_id IN (SELECT value FROM json_each(?)) "
                "AND granularity = 'DAY' AND period BETWEEN ? AND ? GROUP BY entity_id",
                (json.dumps(ids[start : start + _CHUNK]), first.isoformat(), last.isoformat()),
            )
            _collect(cursor, out)
    return out


def _collect(cursor: Iterable[Sequence[Any]], out: dict[str, Perf]) -> None:
    for entity_id, currency, spend, *rest in cursor:
        sums, usd, missing_rate, with_spend = rest[:-3], rest[-3], rest[-2], rest[-1]
        values: dict[str, int | float] = {}
        if with_spend:
            values["spend"] = int(spend or 0)
        for name, total in zip(_FIELDS_NO_SPEND, sums, strict=True):
            if total is not None:
                values[name] = int(total) if float(total).is_integer() else float(total)
        spend_usd = None
        if not missing_rate and usd is not None:
            spend_usd = Decimal(str(usd)).quantize(Decimal("0.01"))
        elif not missing_rate and not spend:
            spend_usd = Decimal(0)
        out[entity_id] = Perf(Metrics(currency, values), spend_usd)


def _accounts_of(conn: sqlite3.Connection, ids: Sequence[str] | None) -> dict[str, AccountInfo]:
    from snapdesk.grid.rows import _accounts

    return _accounts(conn, ids)


ProgressFn = Callable[[int, int, str], object]


async def fetch_perf(
    services: Callable[[str], Any],
    level: str,
    account_ids: Iterable[str],
    window: DateRange,
    *,
    now: datetime | None = None,
    refresh: bool = False,
    progress: ProgressFn | None = None,
    concurrency: int = 3,
) -> tuple[dict[str, Perf], dict[str, str]]:
    """Fetch what the cache lacks (one breakdown query per account and 31 days, through
    `StatsService.report`) and return the totals per entity, plus an error message per account
    that could not be fetched (the others still count).

    `services(ad_account_id)` gives the `snapdesk.stats.StatsService` of the login that sees
    the account (None: no login for it; the account is reported, not fetched)."""
    ids = list(dict.fromkeys(account_ids))
    out: dict[str, Perf] = {}
    errors: dict[str, str] = {}
    done = 0
    gate = asyncio.Semaphore(max(1, concurrency))

    async def one(aid: str) -> None:
        nonlocal done
        async with gate:
            service = services(aid)
            try:
                if service is None:
                    raise LookupError("no signed-in login can see this ad account")
                info = await service.account(aid)
                first, last = window.days(info.timezone, now)
                report = await service.report(
                    aid,
                    kind=AD_ACCOUNT,
                    entity_id=aid,
                    first_day=first,
                    last_day=last,
                    breakdown=level,
                    refresh=refresh,
                    with_names=False,
                )
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # one account's failure must not hide the others
                errors[aid] = str(exc) or type(exc).__name__
            else:
                for series in report.series:
                    out[series.entity_id] = Perf(series.total(), series.spend_usd())
            finally:
                done += 1
                if progress is not None:
                    progress(done, len(ids), aid)

    await asyncio.gather(*(one(a) for a in ids))
    return out, errors


# -- totals -----------------------------------------------------------------------------------

TOTAL_PREFIX: Final = "total:"
ALL_CURRENCIES: Final = "*"


def totals(rows: Iterable[GridRow]) -> list[GridRow]:
    """The totals rows under the grid: one per currency (performance summed in that currency,
    ratios computed from the sums, never averaged; daily budgets summed) and, when several
    currencies are shown, one for all of them in USD (spend converted at each day's stored
    rate; counts summed; ratios in USD). Spend in USD is empty when any summed row has spend
    without a rate.

    Each is a `GridRow` (id `total:<currency>`, `total:*` for all) so the columns format it
    like any other row."""
    groups: dict[str, list[GridRow]] = {}
    for row in rows:
        groups.setdefault(row.currency, []).append(row)
    out: list[GridRow] = []
    usd_total = Decimal(0)
    usd_known = True
    usd_counts: dict[str, int | float] = {}
    level = ""
    for currency in sorted(groups):
        group = groups[currency]
        level = group[0].kind
        metrics = Metrics.total(currency, (r.perf.metrics for r in group if r.perf is not None))
        spend_usd: Decimal | None = Decimal(0)
        for r in group:
            if r.perf is None:
                continue
            if r.perf.spend_usd is None:
                if r.perf.metrics.micro("spend"):
                    spend_usd = None
            elif spend_usd is not None:
                spend_usd += r.perf.spend_usd
        if spend_usd is None:
            usd_known = False
        else:
            usd_total += spend_usd
        for name, value in metrics.values.items():
            if name not in ("spend", "conversion_purchases_value"):
                usd_counts[name] = usd_counts.get(name, 0) + value
        daily = sum(int(r.data.get("daily_budget_micro") or 0) for r in group)
        out.append(
            _total_row(
                level,
                currency,
                f"Total {currency} · {len(group):,} row{'s' if len(group) != 1 else ''}",
                Perf(metrics, spend_usd),
                daily,
            )
        )
    if len(groups) > 1:
        values = dict(usd_counts)
        if usd_known:
            values["spend"] = int(usd_total * 1_000_000)
        count = sum(len(g) for g in groups.values())
        out.append(
            _total_row(
                level,
                ALL_CURRENCIES,
                f"All currencies in USD · {count:,} rows",
                Perf(Metrics("USD", values), usd_total if usd_known else None),
                None,
            )
        )
    return out


def _total_row(
    level: str, currency: str, label: str, perf: Perf, daily_budget_micro: int | None
) -> GridRow:
    shown = "USD" if currency == ALL_CURRENCIES else currency
    account = AccountInfo(id="", name=label, currency=shown, timezone="UTC")
    data: dict[str, Any] = {"name": label}
    if daily_budget_micro:
        data["daily_budget_micro"] = daily_budget_micro
    row = GridRow(level or AD, TOTAL_PREFIX + currency, account, data)
    row.perf = perf
    return row
