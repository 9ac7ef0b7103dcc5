"""The editable FX table of the settings (date, currency, rate to USD), one `RateRow` per line.

Cells hold the text the user typed; `rates()` turns the rows into `FxRate`s or raises `FxError`
naming the first bad row. Bad cells are tinted and carry the reason as their tooltip.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from snapdesk.core.money import MoneyError, normalize_currency
from snapdesk.core.settings import FxRate, SettingsError
from snapdesk.stats import FxError
from snapdesk.ui import theme
from snapdesk.ui._signals import emit

HEADERS: Final = ("Date", "Currency", "Rate to USD")
DATE, CURRENCY, RATE = range(3)


@dataclass
class RateRow:
    date: str
    currency: str
    rate: str

    @classmethod
    def of(cls, rate: FxRate) -> RateRow:
        return cls(rate.date.isoformat(), rate.currency, f"{rate.rate_to_usd:f}")

    def cell(self, column: int) -> str:
        return (self.date, self.currency, self.rate)[column]

    def problem(self, column: int) -> str | None:
        """Why the cell can't be saved, or None."""
        text = self.cell(column).strip()
        if column == DATE:
            try:
                date.fromisoformat(text)
            except ValueError:
                return f"{text!r} is not a date (YYYY-MM-DD)" if text else "Enter the date"
            return None
        if column == CURRENCY:
            try:
                normalize_currency(text)
            except MoneyError:
                return f"{text!r} is not a 3-letter currency code" if text else "Enter a currency"
            return None
        try:
            value = Decimal(text)
        except InvalidOperation:
            return f"{text!r} is not a number" if text else "Enter the rate"
        if not value.is_finite() or value <= 0:
            return "The rate must be a positive number (USD per 1 unit of the currency)"
        return None

    def to_rate(self) -> FxRate:
        return FxRate(
            date.fromisoformat(self.date.strip()),
            normalize_currency(self.currency),
            Decimal(self.rate.strip()),
        )


class FxRatesModel(QAbstractTableModel):
    def __init__(self, rates: Iterable[FxRate] = (), parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[RateRow] = [RateRow.of(r) for r in sorted(rates)]

    # -- content -------------------------------------------------------------------------------

    def row(self, number: int) -> RateRow:
        return self._rows[number]

    def add_row(self, *, day: date, currency: str = "", rate: str = "") -> int:
        number = len(self._rows)
        self.beginInsertRows(QModelIndex(), number, number)
        self._rows.append(RateRow(day.isoformat(), currency, rate))
        self.endInsertRows()
        return number

    def remove_rows(self, numbers: Iterable[int]) -> None:
        for number in sorted(set(numbers), reverse=True):
            if 0 <= number < len(self._rows):
                self.beginRemoveRows(QModelIndex(), number, number)
                del self._rows[number]
                self.endRemoveRows()

    def merge(self, rates: Iterable[FxRate]) -> tuple[int, int]:
        """Add `rates`; a rate with the date and currency of an existing row replaces it.
        Returns (added, replaced)."""
        index = {}
        for number, row in enumerate(self._rows):
            if row.problem(DATE) is None and row.problem(CURRENCY) is None:
                index[(row.date.strip(), normalize_currency(row.currency))] = number
        added = replaced = 0
        self.beginResetModel()
        for rate in rates:
            new = RateRow.of(rate)
            at = index.get((new.date, new.currency))
            if at is None:
                index[(new.date, new.currency)] = len(self._rows)
                self._rows.append(new)
                added += 1
            else:
                self._rows[at] = new
                replaced += 1
        self._rows.sort(key=lambda r: (r.date, r.currency))
        self.endResetModel()
        return added, replaced

    def problems(self) -> list[str]:
        out = []
        for number, row in enumerate(self._rows, start=1):
            for column in (DATE, CURRENCY, RATE):
                problem = row.problem(column)
                if problem:
                    out.append(f"Row {number}: {problem}")
        return out

    def rates(self) -> tuple[FxRate, ...]:
        """Every row as an `FxRate` (sorted); `FxError` names the first row that isn't one or a
        date and currency given twice."""
        problems = self.problems()
        if problems:
            raise FxError(problems[0])
        seen: dict[tuple[date, str], int] = {}
        out = []
        for number, row in enumerate(self._rows, start=1):
            try:
                rate = row.to_rate()
            except (SettingsError, MoneyError) as exc:
                raise FxError(f"Row {number}: {exc}") from None
            key = (rate.date, rate.currency)
            if key in seen:
                raise FxError(
                    f"Rows {seen[key]} and {number} both give {rate.currency} on {rate.date}"
                )
            seen[key] = number
            out.append(rate)
        return tuple(sorted(out))

    # -- Qt model ------------------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(HEADERS):
            if role == Qt.ItemDataRole.DisplayRole:
                return HEADERS[section]
            if role == Qt.ItemDataRole.ToolTipRole and section == RATE:
                return "US dollars for one unit of the currency on that date"
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEditable

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return row.cell(column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column == RATE:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        problem = row.problem(column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return problem
        if role == Qt.ItemDataRole.BackgroundRole and problem:
            c = theme.colors()
            return QColor(theme._mix(c.danger, c.base, 0.14))
        return None

    def setData(
        self, index: QModelIndex | QPersistentModelIndex, value: Any, role: int = 2
    ) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        row = self._rows[index.row()]
        text = str(value).strip()
        if index.column() == DATE:
            row.date = text
        elif index.column() == CURRENCY:
            row.currency = text.upper()
        else:
            row.rate = text.replace(",", ".")
        emit(self.dataChanged, index, index)
        return True
