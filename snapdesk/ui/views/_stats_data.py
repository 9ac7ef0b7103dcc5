"""From a `StatsReport` to what the chart draws: numpy arrays aligned on the report's periods.

`ReportArrays` reads every row once (Snap's raw numbers: counts and micro-currency) into one
float array per field and entity; derived metrics are computed on whole arrays. Undefined
values (no row, a zero denominator) are NaN, drawn as gaps, never as 0. The exact values for
the tooltip come from the rows themselves, looked up only for the hovered period.
"""

from __future__ import annotations

import colorsys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import numpy as np
from PySide6.QtGui import QColor

from snapdesk.stats import STANDARD_FIELDS, StatsReport, StatsRow
from snapdesk.ui import theme
from snapdesk.ui.metric_format import (
    CHART_METRICS,
    Unit,
    axis_title,
    metric_label,
    unit_of,
)

__all__ = [
    "ChartData",
    "ChartSeries",
    "ReportArrays",
    "build_chart",
    "has_delivery",
    "series_colors",
]

_MICRO: Final = 1e6
# Line colours that read on both themes; the first is the theme's accent.
_PALETTE_LIGHT: Final = (
    "#ea580c", "#16a34a", "#db2777", "#7c3aed", "#0891b2", "#ca8a04", "#dc2626", "#4f46e5",
    "#0d9488", "#65a30d", "#9333ea",
)  # fmt: skip
_PALETTE_DARK: Final = (
    "#fb923c", "#4ade80", "#f472b6", "#a78bfa", "#22d3ee", "#facc15", "#f87171", "#818cf8",
    "#2dd4bf", "#a3e635", "#c084fc",
)  # fmt: skip


def series_colors(count: int, *, dark: bool | None = None) -> list[str]:
    """`count` distinct line colours: the accent, then a fixed palette, then hues spread by
    golden-ratio steps for long comparisons."""
    c = theme.colors()
    if dark is None:
        dark = QColor(c.base).lightness() < 128
    out = [c.accent, *(_PALETTE_DARK if dark else _PALETTE_LIGHT)]
    hue = 0.08
    while len(out) < count:
        hue = (hue + 0.618034) % 1.0
        value = (0.92 if dark else 0.72) - 0.06 * (len(out) % 3)
        r, g, b = colorsys.hsv_to_rgb(hue, 0.55 if dark else 0.75, value)
        out.append(f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}")
    return out[:count]


def has_delivery(report: StatsReport) -> bool:
    """Whether anything was delivered: an impression, a swipe or some spend in any row."""
    for series in report.series:
        for row in series.rows:
            values = row.metrics.values
            if values.get("impressions") or values.get("spend") or values.get("swipes"):
                return True
    return False


def _ratio(numerator: np.ndarray, denominator: np.ndarray, scale: float = 1.0) -> np.ndarray:
    out = np.full(numerator.shape, np.nan)
    ok = np.isfinite(numerator) & np.isfinite(denominator) & (denominator != 0)
    np.divide(numerator * scale, denominator, out=out, where=ok)
    return out


class ReportArrays:
    """The report's raw numbers as arrays: `xs` (period starts, epoch seconds), per entity one
    array per Snap field, and the rows at each position (for exact tooltip values)."""

    def __init__(self, report: StatsReport) -> None:
        self.report = report
        starts: dict[float, datetime] = {}
        stamps: list[list[float]] = []
        for series in report.series:
            mine = [row.start.timestamp() for row in series.rows]
            stamps.append(mine)
            for stamp, row in zip(mine, series.rows, strict=True):
                if stamp not in starts:
                    starts[stamp] = row.start
        keys = sorted(starts)
        self.xs = np.array(keys, dtype=float)
        self.starts = [starts[k] for k in keys]
        position = {k: i for i, k in enumerate(keys)}
        size = len(keys)
        fields = tuple(dict.fromkeys((*STANDARD_FIELDS, *report.fields)))
        self.fields: dict[str, dict[str, np.ndarray]] = {}
        self.rows: dict[str, list[StatsRow | None]] = {}
        for series, mine in zip(report.series, stamps, strict=True):
            at: list[StatsRow | None] = [None] * size
            columns = {name: [np.nan] * size for name in fields}
            for stamp, row in zip(mine, series.rows, strict=True):
                i = position[stamp]
                at[i] = row
                for name, value in row.metrics.values.items():
                    column = columns.get(name)
                    if column is not None:
                        column[i] = value
            self.rows[series.entity_id] = at
            self.fields[series.entity_id] = {
                name: np.asarray(column, dtype=float) for name, column in columns.items()
            }

    def totals(self, entity_id: str) -> dict[str, int | float]:
        """The entity's raw numbers summed over its rows (what `EntitySeries.total()` sums):
        exact, as integers are exact in float64 far beyond any ad budget (2**53 micro)."""
        out: dict[str, int | float] = {}
        for name, column in self.fields[entity_id].items():
            present = column[np.isfinite(column)]
            if not len(present):
                continue
            total = float(present.sum())
            out[name] = int(total) if total.is_integer() and np.all(present % 1 == 0) else total
        return out

    def spend_micro(self, entity_id: str) -> float:
        return float(np.nansum(self.fields[entity_id]["spend"]))

    def metric(self, entity_id: str, metric: str) -> np.ndarray:
        """The y values drawn for `metric` (money in currency units, swipe rate in %)."""
        f = self.fields[entity_id]
        if metric in ("spend", "conversion_purchases_value"):
            return f[metric] / _MICRO
        if metric == "swipe_rate":
            return _ratio(f["swipes"], f["impressions"], 100.0)
        if metric == "ecpm":
            return _ratio(f["spend"], f["impressions"], 1000.0 / _MICRO)
        if metric == "cost_per_swipe":
            return _ratio(f["spend"], f["swipes"], 1.0 / _MICRO)
        if metric == "cpa":
            return _ratio(f["spend"], f["conversion_purchases"], 1.0 / _MICRO)
        if metric == "roas":
            return _ratio(f["conversion_purchases_value"], f["spend"])
        return f[metric].copy()

    def x_label(self, index: int) -> str:
        moment = self.starts[index]
        text = f"{moment:%a} {moment.day} {moment:%b %Y}"
        if self.report.granularity == "HOUR":
            text += f", {moment:%H:%M} {moment.tzname() or ''}".rstrip()
        return text


@dataclass
class ChartSeries:
    """One curve: `ys` is drawn (NaN where undefined); the exact value at a period is read from
    its row (`value_at`). `right` puts it on the right axis."""

    key: str
    label: str
    metric: str
    color: str
    ys: np.ndarray
    rows: Sequence[StatsRow | None]
    right: bool = False

    def value_at(self, index: int) -> Any:
        row = self.rows[index]
        return None if row is None else row.metrics.value(self.metric)


@dataclass
class ChartData:
    """What the plot draws for one report and one choice of metrics."""

    arrays: ReportArrays
    series: list[ChartSeries]
    units: tuple[Unit, Unit | None]
    titles: tuple[str, str | None]
    entity_colors: dict[str, str]
    hidden: int  # entities left out by top-N

    @property
    def xs(self) -> np.ndarray:
        return self.arrays.xs


def build_chart(
    report: StatsReport | ReportArrays,
    *,
    metrics: Sequence[str],
    compare: bool,
    top_n: int | None,
) -> ChartData:
    """Curves for a report: one per metric (two units at most, the second on the right axis),
    or in compare mode one per entity for `metrics[0]`, the `top_n` biggest spenders first."""
    arrays = report if isinstance(report, ReportArrays) else ReportArrays(report)
    report = arrays.report
    currency = report.currency
    if compare:
        metric = metrics[0]
        unit = unit_of(metric)
        spend = {s.entity_id: arrays.spend_micro(s.entity_id) for s in report.series}
        ranked = sorted(
            report.series, key=lambda s: (-spend[s.entity_id], (s.name or "").casefold())
        )
        shown = ranked[:top_n] if top_n else ranked
        colors = series_colors(len(ranked))
        entity_colors = {s.entity_id: colors[i] for i, s in enumerate(ranked)}
        out = [
            ChartSeries(
                key=s.entity_id,
                label=s.name or s.entity_id,
                metric=metric,
                color=entity_colors[s.entity_id],
                ys=arrays.metric(s.entity_id, metric),
                rows=arrays.rows[s.entity_id],
            )
            for s in shown
        ]
        return ChartData(
            arrays=arrays,
            series=out,
            units=(unit, None),
            titles=(axis_title(unit, [metric], currency), None),
            entity_colors=entity_colors,
            hidden=len(ranked) - len(shown),
        )
    units = list(dict.fromkeys(unit_of(m) for m in metrics))[:2]
    left_unit: Unit = units[0] if units else "count"
    right_unit: Unit | None = units[1] if len(units) > 1 else None
    palette = series_colors(len(CHART_METRICS))
    entity = report.series[0].entity_id if report.series else None
    out = []
    for metric in metrics:
        unit = unit_of(metric)
        if entity is None or unit not in units:
            continue
        out.append(
            ChartSeries(
                key=metric,
                label=metric_label(metric),
                metric=metric,
                color=palette[CHART_METRICS.index(metric) % len(palette)],
                ys=arrays.metric(entity, metric),
                rows=arrays.rows[entity],
                right=unit == right_unit,
            )
        )
    left = [m for m in metrics if unit_of(m) == left_unit]
    right = [m for m in metrics if right_unit and unit_of(m) == right_unit]
    return ChartData(
        arrays=arrays,
        series=out,
        units=(left_unit, right_unit),
        titles=(
            axis_title(left_unit, left, currency),
            axis_title(right_unit, right, currency) if right_unit else None,
        ),
        entity_colors={entity: palette[0]} if entity else {},
        hidden=0,
    )
