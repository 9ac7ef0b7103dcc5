"""Convert cached stats to USD again after the user edited the FX table.

Stats are converted to USD when they are fetched (`StatsService`); a final day is never fetched
again, so without this a day cached before its rate was entered would read "no rate" for ever.
`reconvert_rows` gives every cached row of the currencies concerned the rate the new table has
for its day (the most recent on or before it) — or none, when the table has none — keeping the
native amounts as they are.

    changed = store.write(lambda conn: reconvert_rows(conn, fx, currencies={"EUR"}))
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from snapdesk.stats.fx import FxTable

__all__ = ["reconvert_rows"]


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def reconvert_rows(
    conn: sqlite3.Connection, fx: FxTable, *, currencies: Iterable[str] | None = None
) -> int:
    """Re-apply `fx` to the cached rows (of `currencies`, else of every currency but USD);
    returns how many rows changed."""
    where = "currency <> 'USD'"
    params: list[str] = []
    if currencies is not None:
        wanted = sorted({c.upper() for c in currencies} - {"USD"})
        if not wanted:
            return 0
        where = f"currency IN ({','.join('?' * len(wanted))})"
        params = wanted
    rows = conn.execute(
        "SELECT rowid, currency, day, stats, spend_micro, fx_rate, fx_rate_date "
        f"FROM stats_rows WHERE {where}",
        params,
    ).fetchall()
    updates = []
    for rowid, currency, day_text, stats_text, spend_micro, old_rate, old_date in rows:
        found = fx.rate(currency, date.fromisoformat(day_text))
        new: tuple[str | None, str | None, str | None, str | None]
        if found is None:
            new = (None, None, None, None)
        else:
            rate, rate_date = found
            value = json.loads(stats_text).get("conversion_purchases_value")
            new = (
                str(rate),
                rate_date.isoformat(),
                _text(Decimal(spend_micro).scaleb(-6) * rate if spend_micro is not None else None),
                _text(Decimal(int(value)).scaleb(-6) * rate if value is not None else None),
            )
        if (new[0], new[1]) != (old_rate, old_date):
            updates.append((*new, rowid))
    conn.executemany(
        "UPDATE stats_rows SET fx_rate = ?, fx_rate_date = ?, spend_usd = ?, value_usd = ? "
        "WHERE rowid = ?",
        updates,
    )
    return len(updates)
