"""Conversion of stats money to USD with the user's FX table (settings `fx_rates`).

The rate for an amount dated D is the most recent rate for its currency dated on or before D;
a currency with no such rate has no USD value (None, shown as missing, never 0). USD itself
converts at 1 with the amount's own date. Every conversion keeps the native currency, the
native amount, the rate used and the rate's date, as seed 002 asks.

The table can be imported from CSV with the header `date,currency,rate_to_usd` (rate = USD per
one unit of the currency); imported rows replace rows with the same date and currency.
"""

from __future__ import annotations

import bisect
import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from snapdesk.core.money import MoneyError, normalize_currency
from snapdesk.core.settings import FxRate, SettingsError

__all__ = [
    "CSV_HEADER",
    "FxError",
    "FxTable",
    "UsdAmount",
    "merge_rates",
    "read_rates_csv",
    "write_rates_csv",
]

CSV_HEADER = ("date", "currency", "rate_to_usd")


class FxError(ValueError):
    """An FX CSV that can't be imported; the message names the row and what is wrong."""


@dataclass(frozen=True)
class UsdAmount:
    """An amount in its native currency and, when a rate was known, in USD."""

    currency: str
    amount: Decimal
    rate: Decimal | None
    rate_date: date | None
    usd: Decimal | None

    @property
    def missing(self) -> bool:
        return self.usd is None


class FxTable:
    """Rates to USD by currency and date; `convert` picks the latest rate on or before a day."""

    def __init__(self, rates: Iterable[FxRate] = ()) -> None:
        by_currency: dict[str, dict[date, Decimal]] = {}
        for rate in rates:
            by_currency.setdefault(rate.currency, {})[rate.date] = rate.rate_to_usd
        self._dates: dict[str, list[date]] = {}
        self._rates: dict[str, list[Decimal]] = {}
        for currency, table in by_currency.items():
            days = sorted(table)
            self._dates[currency] = days
            self._rates[currency] = [table[d] for d in days]

    def __bool__(self) -> bool:
        return bool(self._dates)

    def rate(self, currency: str, on: date) -> tuple[Decimal, date] | None:
        """(rate, its date) for `currency` on `on`, or None if the table has none yet."""
        code = normalize_currency(currency)
        if code == "USD":
            return Decimal(1), on
        days = self._dates.get(code)
        if not days:
            return None
        index = bisect.bisect_right(days, on) - 1
        if index < 0:
            return None
        return self._rates[code][index], days[index]

    def convert(self, amount: Decimal, currency: str, on: date) -> UsdAmount:
        """`amount` of `currency` (dated `on`) in USD, exactly (no rounding)."""
        code = normalize_currency(currency)
        found = self.rate(code, on)
        if found is None:
            return UsdAmount(code, amount, None, None, None)
        rate, rate_date = found
        return UsdAmount(code, amount, rate, rate_date, amount * rate)


def _parse_rows(rows: Iterable[Sequence[str]], source: str) -> list[FxRate]:
    iterator = iter(rows)
    try:
        header = [h.strip().lower() for h in next(iterator)]
    except StopIteration:
        raise FxError(f"{source} is empty; expected the header {','.join(CSV_HEADER)}") from None
    if header and header[0].startswith("\ufeff"):
        header[0] = header[0][1:]
    missing = [name for name in CSV_HEADER if name not in header]
    if missing:
        raise FxError(
            f"{source}: the header must have {','.join(CSV_HEADER)} (missing {', '.join(missing)})"
        )
    at = {name: header.index(name) for name in CSV_HEADER}
    out: dict[tuple[str, date], FxRate] = {}
    for number, row in enumerate(iterator, start=2):
        if not any(cell.strip() for cell in row):
            continue
        try:
            cells = {name: row[i].strip() for name, i in at.items()}
        except IndexError:
            raise FxError(f"{source} row {number}: expected {len(header)} columns") from None
        try:
            day = date.fromisoformat(cells["date"])
        except ValueError:
            raise FxError(
                f"{source} row {number}: {cells['date']!r} is not a date (YYYY-MM-DD)"
            ) from None
        try:
            currency = normalize_currency(cells["currency"])
        except MoneyError as exc:
            raise FxError(f"{source} row {number}: {exc}") from None
        try:
            rate = Decimal(cells["rate_to_usd"])
        except InvalidOperation:
            raise FxError(
                f"{source} row {number}: {cells['rate_to_usd']!r} is not a number"
            ) from None
        try:
            out[(currency, day)] = FxRate(day, currency, rate)
        except SettingsError as exc:
            raise FxError(f"{source} row {number}: {exc}") from None
    return sorted(out.values())


def read_rates_csv(source: str | Path) -> list[FxRate]:
    """Rates from a CSV file (a `Path`) or CSV text (a `str`) with `date,currency,rate_to_usd`."""
    if isinstance(source, Path):
        try:
            text = source.read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise FxError(f"can't read {source} ({exc.strerror or exc})") from None
        name = str(source)
    else:
        text, name = source, "the FX table"
    return _parse_rows(csv.reader(io.StringIO(text)), name)


def write_rates_csv(rates: Iterable[FxRate]) -> str:
    """The table as CSV text (the import format)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for rate in sorted(rates):
        writer.writerow((rate.date.isoformat(), rate.currency, str(rate.rate_to_usd)))
    return buffer.getvalue()


def merge_rates(existing: Iterable[FxRate], new: Iterable[FxRate]) -> tuple[FxRate, ...]:
    """`existing` with `new` added; a new rate replaces one with the same date and currency."""
    table = {(r.currency, r.date): r for r in existing}
    table.update({(r.currency, r.date): r for r in new})
    return tuple(sorted(table.values()))
