"""`GridTotalsModel`: the totals rows under the editor grid, one per currency (and one for all
currencies in USD when several are shown), in the grid's own columns so each total sits under
the column it sums.

    totals = GridTotalsModel()
    totals.set_columns(grid_model.visible_columns())
    totals.set_rows(grid_model.rows())        # the shown rows (filters apply to the totals)

The sums come from `snapdesk.grid.perf.totals` (ratios computed from the sums, never averaged;
spend in USD only where every summed day had a rate); the row for all currencies in USD comes
first. Only the columns that add up show a value: performance and daily budgets; the first
text column names the row ("Total GBP · 8 rows").
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

from snapdesk.grid.columns import Column
from snapdesk.grid.perf import ALL_CURRENCIES, TOTAL_PREFIX, totals
from snapdesk.grid.rows import GridRow

__all__ = ["SUMMED", "GridTotalsModel", "sums"]

Index = QModelIndex | QPersistentModelIndex

# Settings columns that add up (performance columns always do).
SUMMED: Final = frozenset({"budget", "daily_budget"})
_RIGHT: Final = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_LEFT: Final = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
NO_RATE_TIP: Final = (
    "Some of these rows spent on days without a rate to USD — add rates in Stats → Edit FX rates…"
)


def sums(column: Column) -> bool:
    """Whether the totals rows show a value in this column."""
    return column.performance or column.key in SUMMED


class GridTotalsModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._columns: list[Column] = []
        self._rows: list[GridRow] = []
        self._label_column = 0
        self._bold = QFont()
        self._bold.setBold(True)

    # -- API ---------------------------------------------------------------------------------

    def set_columns(self, columns: Sequence[Column]) -> None:
        self.beginResetModel()
        self._columns = list(columns)
        self._label_column = next((i for i, c in enumerate(self._columns) if not sums(c)), 0)
        self.endResetModel()

    def set_rows(self, rows: Sequence[GridRow]) -> None:
        """Total these rows (the grid's shown rows)."""
        self.set_totals(totals(rows))

    def set_totals(self, rows: Sequence[GridRow]) -> None:
        """Show totals rows already computed (`snapdesk.grid.perf.totals`), the one for all
        currencies in USD first (the grid shows a few totals rows; the wheel scrolls on)."""
        every = TOTAL_PREFIX + ALL_CURRENCIES
        self.beginResetModel()
        self._rows = sorted(rows, key=lambda row: row.id != every)  # stable: currencies A–Z
        self.endResetModel()

    def totals_rows(self) -> list[GridRow]:
        return list(self._rows)

    def row_of(self, currency: str) -> GridRow | None:
        """The totals row of `currency` ("*" for all currencies in USD)."""
        return next((r for r in self._rows if r.id == TOTAL_PREFIX + currency), None)

    def text(self, currency: str, column_key: str) -> str:
        """What the totals row of `currency` shows in a column (for tests and screen readers)."""
        row = self.row_of(currency)
        column = next((c for c in self._columns if c.key == column_key), None)
        if row is None or column is None or not sums(column):
            return ""
        return column.display(row)

    # -- QAbstractTableModel -------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._columns)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        column = self._columns[index.column()]
        label = index.column() == self._label_column and not sums(column)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            if label:
                return row.name
            return column.display(row) if sums(column) else ""
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if column.numeric else _LEFT
        if role == Qt.ItemDataRole.FontRole:
            return self._bold
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, column, label)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self._columns):
            return self._columns[section].header
        if orientation == Qt.Orientation.Vertical and 0 <= section < len(self._rows):
            return self._rows[section].currency
        return None

    # -- internals ---------------------------------------------------------------------------

    def _tooltip(self, row: GridRow, column: Column, label: bool) -> str | None:
        every = row.id == TOTAL_PREFIX + ALL_CURRENCIES
        if label:
            if every:
                return (
                    "Every shown row, spend converted to USD at each day's stored rate; "
                    "counts summed; ratios from the sums"
                )
            return f"The shown {row.currency} rows summed; ratios from the sums, not averaged"
        if column.key in SUMMED:
            return "Sum of the daily budgets (lifetime budgets are not included)"
        if column.key in ("stats_spend", "stats_spend_usd") and row.perf is not None:
            if row.perf.spend_usd is None and (column.usd or every):
                return NO_RATE_TIP
        return None
