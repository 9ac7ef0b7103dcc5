"""The totals table under the stats chart: one row per entity of a report (plus a total row when
there are several), with spend converted to USD at the rates the rows used.

`TotalsRow` is plain Python; `StatsTableModel` shows rows sorted by any column with the total row
kept last. A missing FX rate reads "no rate" in both USD columns, never 0.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Final

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPixmap

from snapdesk.stats import EntitySeries, Metrics, StatsReport
from snapdesk.ui import theme
from snapdesk.ui._signals import emit
from snapdesk.ui.metric_format import MISSING, format_metric, format_money, metric_label

NO_RATE: Final = "no rate"
TOTAL_NAME: Final = "Total"

# (key, header) of every column: the name, counts, spend in the account's currency and in USD
# with the rate used, then the ratios.
COLUMNS: Final[tuple[tuple[str, str], ...]] = (
    ("name", "Name"),
    ("impressions", "Impressions"),
    ("swipes", "Swipes"),
    ("spend", "Spend"),
    ("spend_usd", "Spend (USD)"),
    ("fx_rate", "FX rate"),
    ("swipe_rate", "Swipe rate"),
    ("ecpm", "eCPM"),
    ("cost_per_swipe", "CPS"),
    ("conversion_purchases", "Purchases"),
    ("cpa", "CPA"),
    ("roas", "ROAS"),
)
KEYS: Final[tuple[str, ...]] = tuple(key for key, _ in COLUMNS)
HEADERS: Final[tuple[str, ...]] = tuple(header for _, header in COLUMNS)
METRICS: Final[tuple[str, ...]] = tuple(
    k for k in KEYS if k not in ("name", "spend_usd", "fx_rate")
)
NAME_COLUMN: Final = KEYS.index("name")
SPEND_USD_COLUMN: Final = KEYS.index("spend_usd")
FX_COLUMN: Final = KEYS.index("fx_rate")
SORT_ROLE: Final = Qt.ItemDataRole.UserRole + 1


@dataclass(frozen=True)
class FxSummary:
    """The rates an entity's spend was converted with: none missing, or `missing` days."""

    rates: tuple[tuple[Decimal, date], ...]  # distinct (rate, rate date), oldest first
    missing: bool

    @classmethod
    def of(cls, series: Sequence[EntitySeries]) -> FxSummary:
        seen: dict[tuple[Decimal, date], None] = {}
        missing = False
        for s in series:
            for row in s.rows:
                if not row.metrics.values.get("spend"):
                    continue
                if row.spend_usd is None or row.fx_rate is None or row.fx_rate_date is None:
                    missing = True
                else:
                    seen[(row.fx_rate, row.fx_rate_date)] = None
        return cls(tuple(sorted(seen, key=lambda r: r[1])), missing)

    @classmethod
    def merged(cls, parts: Sequence[FxSummary]) -> FxSummary:
        rates = dict.fromkeys(rate for part in parts for rate in part.rates)
        return cls(tuple(sorted(rates, key=lambda r: r[1])), any(p.missing for p in parts))

    def text(self) -> str:
        if self.missing:
            return NO_RATE
        values = sorted({rate for rate, _ in self.rates})
        if not values:
            return MISSING
        if len(values) == 1:
            return _rate(values[0])
        return f"{_rate(values[0])}–{_rate(values[-1])}"

    def tooltip(self, currency: str) -> str:
        if self.missing:
            return (
                f"No {currency}→USD rate on or before some of these days: add one in "
                "Settings → Edit FX rates…"
            )
        if not self.rates:
            return "Nothing was spent"
        lines = [f"1 {currency} = {_rate(rate)} USD (rate of {day})" for rate, day in self.rates]
        return "\n".join(lines[-8:])


def _rate(value: Decimal) -> str:
    return f"{value.normalize():f}" if value == value.normalize() else f"{value:f}"


@dataclass(frozen=True)
class TotalsRow:
    entity_id: str
    name: str
    metrics: Metrics
    spend_usd: Decimal | None
    fx: FxSummary
    color: str | None = None
    is_total: bool = False


def _summed(currency: str, parts: Iterable[Mapping[str, int | float]]) -> Metrics:
    """`Metrics.total` of rows given by their raw numbers, in one pass (the same result without
    a Metrics object per row: a year of 100 squads is 36,500 rows)."""
    totals: dict[str, int | float] = {}
    for values in parts:
        for name, value in values.items():
            totals[name] = totals.get(name, 0) + value
    return Metrics(currency, totals)


def totals_rows(
    report: StatsReport,
    colors: Mapping[str, str] | None = None,
    sums: Mapping[str, Mapping[str, int | float]] | None = None,
) -> list[TotalsRow]:
    """One row per series (named, coloured like its line) and, with several, a total row.
    `sums` may give each entity's raw numbers already summed (the chart has them)."""
    colors = colors or {}

    def summed(s: EntitySeries) -> Metrics:
        if sums is not None and s.entity_id in sums:
            return Metrics(report.currency, dict(sums[s.entity_id]))
        return _summed(report.currency, (row.metrics.values for row in s.rows))

    rows = [
        TotalsRow(
            entity_id=s.entity_id,
            name=s.name or s.entity_id,
            metrics=summed(s),
            spend_usd=s.spend_usd(),
            fx=FxSummary.of([s]),
            color=colors.get(s.entity_id),
        )
        for s in report.series
    ]
    if len(rows) > 1:
        known = [r.spend_usd for r in rows if r.spend_usd is not None]
        rows.append(
            TotalsRow(
                entity_id="",
                name=TOTAL_NAME,
                metrics=_summed(report.currency, (r.metrics.values for r in rows)),
                spend_usd=sum(known, Decimal(0)) if len(known) == len(rows) else None,
                fx=FxSummary.merged([r.fx for r in rows]),
                is_total=True,
            )
        )
    return rows


def _swatch(color: str) -> QIcon:
    pixmap = QPixmap(24, 24)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(color))
    painter.drawRoundedRect(4, 9, 16, 6, 3, 3)
    painter.end()
    pixmap.setDevicePixelRatio(2)
    return QIcon(pixmap)


class StatsTableModel(QAbstractTableModel):
    """Totals per entity: formatted cells (exact values), raw values under `SORT_ROLE`."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[TotalsRow] = []
        self._currency = "USD"
        self._icons: dict[str, QIcon] = {}
        self._texts: dict[tuple[int, int], str] = {}
        self._sort: tuple[int, Qt.SortOrder] | None = None

    # -- content -------------------------------------------------------------------------------

    def set_report(
        self,
        report: StatsReport | None,
        colors: Mapping[str, str] | None = None,
        sums: Mapping[str, Mapping[str, int | float]] | None = None,
    ) -> None:
        self.beginResetModel()
        self._rows = totals_rows(report, colors, sums) if report is not None else []
        self._currency = report.currency if report is not None else "USD"
        self._icons = {}
        self._texts = {}
        if self._sort is not None:
            self._sort_rows(*self._sort)
        self.endResetModel()

    def clear(self) -> None:
        self.set_report(None)

    @property
    def currency(self) -> str:
        return self._currency

    def rows(self) -> list[TotalsRow]:
        return list(self._rows)

    def row_of(self, entity_id: str) -> int:
        for number, row in enumerate(self._rows):
            if row.entity_id == entity_id and not row.is_total:
                return number
        return -1

    def total_row(self) -> TotalsRow | None:
        return next((r for r in self._rows if r.is_total), None)

    # -- Qt model ------------------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(HEADERS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            align = Qt.AlignmentFlag.AlignLeft if section == 0 else Qt.AlignmentFlag.AlignRight
            return int(align | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and KEYS[section] in METRICS:
            return metric_label(KEYS[section])
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            key = (id(row), column)
            text = self._texts.get(key)
            if text is None:
                text = self._texts[key] = self.text(row, column)
            return text
        if role == SORT_ROLE:
            return self._sort_value(row, column)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            align = Qt.AlignmentFlag.AlignLeft if column == 0 else Qt.AlignmentFlag.AlignRight
            return int(align | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.DecorationRole and column == NAME_COLUMN and row.color:
            icon = self._icons.get(row.color)
            if icon is None:
                icon = self._icons[row.color] = _swatch(row.color)
            return icon
        if role == Qt.ItemDataRole.FontRole and row.is_total:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole:
            text = self.data(index, Qt.ItemDataRole.DisplayRole)
            if text in (NO_RATE, MISSING):
                c = theme.colors()
                return QColor(c.warning if text == NO_RATE else c.muted)
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == NAME_COLUMN:
                return row.name if row.is_total else f"{row.name}\n{row.entity_id}"
            if column in (SPEND_USD_COLUMN, FX_COLUMN):
                return row.fx.tooltip(self._currency)
            metric = KEYS[column]
            return format_metric(metric, row.metrics.value(metric), self._currency)
        return None

    def text(self, row: TotalsRow, column: int) -> str:
        if column == NAME_COLUMN:
            return row.name
        if column == SPEND_USD_COLUMN:
            if row.fx.missing or (row.spend_usd is None and row.metrics.micro("spend")):
                return NO_RATE
            if row.spend_usd is None:
                return MISSING
            return format_money(row.spend_usd, "USD")
        if column == FX_COLUMN:
            return row.fx.text()
        metric = KEYS[column]
        return format_metric(metric, row.metrics.value(metric), self._currency, exact=False)

    def _sort_value(self, row: TotalsRow, column: int) -> Any:
        if column == NAME_COLUMN:
            return row.name.casefold()
        if column == SPEND_USD_COLUMN:
            return row.spend_usd
        if column == FX_COLUMN:
            return row.fx.rates[-1][0] if row.fx.rates and not row.fx.missing else None
        value = row.metrics.value(KEYS[column])
        return None if value is None else Decimal(value)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(HEADERS):
            return
        self._sort = (column, order)
        emit(self.layoutAboutToBeChanged)
        old = [self.index(r, c) for r in range(len(self._rows)) for c in range(len(HEADERS))]
        before = list(self._rows)
        self._sort_rows(column, order)
        positions = {id(row): number for number, row in enumerate(self._rows)}
        self.changePersistentIndexList(
            old,
            [self.index(positions[id(before[i.row()])], i.column()) for i in old],
        )
        emit(self.layoutChanged)

    def _sort_rows(self, column: int, order: Qt.SortOrder) -> None:
        entities = [r for r in self._rows if not r.is_total]
        totals = [r for r in self._rows if r.is_total]
        descending = order == Qt.SortOrder.DescendingOrder
        present = [r for r in entities if self._sort_value(r, column) is not None]
        absent = [r for r in entities if self._sort_value(r, column) is None]
        present.sort(key=lambda r: self._sort_value(r, column), reverse=descending)
        self._rows = present + absent + totals  # undefined values last, the total row last

    # -- export --------------------------------------------------------------------------------

    def to_csv(self) -> str:
        """The table as shown, with plain numbers (no grouping) and the currency in the header."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        header = ["id", "name", *METRICS, "spend_usd", "fx_rate"]
        header[header.index("spend")] = f"spend_{self._currency.lower()}"
        writer.writerow(header)
        for row in self._rows:
            cells: list[str] = [row.entity_id, row.name]
            for metric in METRICS:
                value = row.metrics.value(metric)
                cells.append("" if value is None else _plain(value))
            if row.fx.missing:
                cells += [NO_RATE, NO_RATE]
            else:
                cells.append("" if row.spend_usd is None else _plain(row.spend_usd))
                cells.append(row.fx.text() if row.fx.rates else "")
            writer.writerow(cells)
        return buffer.getvalue()


def _plain(value: int | float | Decimal) -> str:
    if isinstance(value, Decimal):
        return f"{value:f}"
    return str(value)
