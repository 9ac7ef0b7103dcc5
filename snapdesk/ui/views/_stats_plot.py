"""The pyqtgraph plot of the stats chart: time on x in the ad account's zone, one or two y-axes
(one per unit), a crosshair and a tooltip with the exact values under the cursor.

x values are the periods' real instants (epoch seconds); `ZoneDateAxis` puts ticks on local
midnights (or hours) of the account's zone, so a DST day keeps its 23 or 25 hours. Curves are
numpy arrays drawn with 1 px cosmetic pens when there are many (100 × 365 points draw in a
fraction of a second); a missing value is NaN, drawn as a gap, never as 0.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from snapdesk.stats.periods import local_midnight
from snapdesk.ui import theme
from snapdesk.ui.metric_format import Unit, format_metric, format_tick
from snapdesk.ui.views._stats_data import ChartData, ChartSeries

# Above this many curves lines are 1 px without antialiasing (the fast path).
FAST_CURVES: Final = 12
TOOLTIP_ROWS: Final = 12
_DAY: Final = 86400.0


class CurveBundle(pg.GraphicsObject):
    """Many curves as one item: one QPainterPath per curve, painted with its own pen.

    One item instead of one PlotDataItem per curve keeps a 100-series chart cheap to build and to
    paint (no per-item bookkeeping in the view box); pens are cosmetic, so widths stay in pixels.
    """

    def __init__(self) -> None:
        super().__init__()
        self._paths: list[tuple[QPainterPath, QPen]] = []
        self._symbols: list[tuple[np.ndarray, np.ndarray, QColor]] = []
        self._rect = QRectF()
        self.antialias = True

    def set_curves(
        self, xs: np.ndarray, curves: Sequence[tuple[np.ndarray, QPen]], *, antialias: bool
    ) -> None:
        self.prepareGeometryChange()
        self.antialias = antialias
        self._paths = [(pg.arrayToQPath(xs, ys, connect="finite"), pen) for ys, pen in curves]
        finite = [ys[np.isfinite(ys)] for ys, _ in curves]
        finite = [f for f in finite if len(f)]
        if len(xs) and finite:
            low = min(float(f.min()) for f in finite)
            high = max(float(f.max()) for f in finite)
            self._rect = QRectF(float(xs[0]), low, float(xs[-1] - xs[0]), high - low)
        else:
            self._rect = QRectF()
        self.update()

    @property
    def count(self) -> int:
        return len(self._paths)

    @contextmanager
    def pens_scaled(self, factor: float) -> Iterator[None]:
        """Cosmetic pens are device pixels: an image painted at 2× would get hairlines. Widen
        them by `factor` while the image is painted (`StatsPlot.export_pens`)."""
        saved = [QPen(pen) for _, pen in self._paths]
        for _, pen in self._paths:
            pen.setWidthF(pen.widthF() * factor)
        self.update()
        try:
            yield
        finally:
            for (_, pen), old in zip(self._paths, saved, strict=True):
                pen.setWidthF(old.widthF())
            self.update()

    def boundingRect(self) -> QRectF:
        return self._rect

    def paint(self, painter: QPainter, *_args: Any) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, self.antialias)
        for path, pen in self._paths:
            painter.setPen(pen)
            painter.drawPath(path)


class ZoneDateAxis(pg.AxisItem):
    """A time axis labelled in one IANA zone: days (`21 Nov`), months or hours (`14:00`)."""

    def __init__(self) -> None:
        super().__init__("bottom")
        self.tz: ZoneInfo = ZoneInfo("UTC")
        self._mode = "day"
        self.enableAutoSIPrefix(False)

    def set_zone(self, tz: ZoneInfo) -> None:
        self.tz = tz
        self.picture = None
        self.update()

    def _local(self, x: float) -> datetime:
        return datetime.fromtimestamp(x, UTC).astimezone(self.tz)

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list[Any]:
        if not (math.isfinite(minVal) and math.isfinite(maxVal)) or maxVal <= minVal:
            return []
        slots = max(2.0, size / 86.0)
        hours = (maxVal - minVal) / 3600.0
        if hours / 24.0 <= 4:
            step = next((s for s in (1, 2, 3, 4, 6, 12) if hours / s <= slots), 24)
            if step < 24:
                self._mode = "hour"
                return [(step * 3600.0, self._hour_ticks(minVal, maxVal, step))]
        days = hours / 24.0
        for step in (1, 2, 7, 14):
            if days / step <= slots:
                self._mode = "day"
                return [(step * _DAY, self._day_ticks(minVal, maxVal, step))]
        months = days / 30.4
        step = next((s for s in (1, 2, 3, 6, 12) if months / s <= slots), 12)
        self._mode = "month"
        return [(step * 30.4 * _DAY, self._month_ticks(minVal, maxVal, step))]

    def _hour_ticks(self, lo: float, hi: float, step: int) -> list[float]:
        start = math.floor(lo / 3600.0) * 3600.0
        out = []
        t = start
        while t <= hi:
            if t >= lo and self._local(t).hour % step == 0:
                out.append(t)
            t += 3600.0
        return out

    def _day_ticks(self, lo: float, hi: float, step: int) -> list[float]:
        day = self._local(lo).date()
        last = self._local(hi).date()
        out = []
        while day <= last:
            if step == 1 or (step == 2 and day.toordinal() % 2 == 0) or _is_week_tick(day, step):
                t = local_midnight(day, self.tz).timestamp()
                if lo <= t <= hi:
                    out.append(t)
            day += timedelta(days=1)
        return out

    def _month_ticks(self, lo: float, hi: float, step: int) -> list[float]:
        first = self._local(lo).date().replace(day=1)
        last = self._local(hi).date()
        out = []
        month = first
        while month <= last:
            if (month.month - 1) % step == 0:
                t = local_midnight(month, self.tz).timestamp()
                if lo <= t <= hi:
                    out.append(t)
            month = (month + timedelta(days=32)).replace(day=1)
        return out

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        out = []
        for value in values:
            local = self._local(value)
            if self._mode == "hour":
                out.append(f"{local:%a} {local.day}" if local.hour == 0 else f"{local:%H:%M}")
            elif self._mode == "day":
                out.append(f"{local.day} {local:%b}")
            else:
                out.append(
                    f"{local:%b %Y}" if local.month == 1 or value == values[0] else f"{local:%b}"
                )
        return out


def _is_week_tick(day: date, step: int) -> bool:
    if step not in (7, 14) or day.weekday() != 0:
        return False
    return step == 7 or (day.toordinal() // 7) % 2 == 0


class UnitAxis(pg.AxisItem):
    """A y-axis whose ticks are compact numbers of one unit (the title names the unit)."""

    def __init__(self, orientation: str) -> None:
        super().__init__(orientation)
        self.unit: Unit = "count"
        self.enableAutoSIPrefix(False)

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list[Any]:
        levels = super().tickValues(minVal, maxVal, size)
        return levels[:1]  # major ticks only: one grid line per label

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        return [format_tick(v * scale, self.unit, spacing * scale) for v in values]


class StatsPlot(pg.PlotWidget):
    """Curves on a left and (when a second unit is shown) a right view box sharing x."""

    def __init__(self, parent: QWidget | None = None) -> None:
        self.bottom_axis = ZoneDateAxis()
        self.left_axis = UnitAxis("left")
        self.right_axis = UnitAxis("right")
        super().__init__(
            parent,
            axisItems={
                "bottom": self.bottom_axis,
                "left": self.left_axis,
                "right": self.right_axis,
            },
        )
        self.setObjectName("statsPlot")
        self.setMinimumHeight(220)
        item = self.getPlotItem()
        item.hideButtons()
        item.setMenuEnabled(False)
        item.vb.setMouseEnabled(x=True, y=False)
        item.showAxis("right")
        self.right_view = pg.ViewBox(enableMenu=False)
        self.right_view.setMouseEnabled(x=True, y=False)
        item.scene().addItem(self.right_view)
        self.right_axis.linkToView(self.right_view)
        self.right_view.setXLink(item.vb)
        item.vb.sigResized.connect(self._on_view_resized)
        self._series: list[ChartSeries] = []
        self.chart: ChartData | None = None
        self.xs = np.zeros(0)
        self.left_curves = CurveBundle()
        self.right_curves = CurveBundle()
        item.vb.disableAutoRange()
        self.right_view.disableAutoRange()
        item.addItem(self.left_curves)
        self.right_view.addItem(self.right_curves)
        self.left_symbols = pg.ScatterPlotItem(size=5, pxMode=True, pen=None)
        self.right_symbols = pg.ScatterPlotItem(size=5, pxMode=True, pen=None)
        item.addItem(self.left_symbols, ignoreBounds=True)
        self.right_view.addItem(self.right_symbols, ignoreBounds=True)
        self.currency = "USD"
        self.sort_tooltip = False
        self.hovered_index: int | None = None
        self.on_hover: Callable[[int | None], None] | None = None
        self.crosshair = pg.InfiniteLine(angle=90, movable=False)
        self.crosshair.hide()
        item.addItem(self.crosshair, ignoreBounds=True)
        self.left_markers = pg.ScatterPlotItem(size=7, pxMode=True)
        self.right_markers = pg.ScatterPlotItem(size=7, pxMode=True)
        item.addItem(self.left_markers, ignoreBounds=True)
        self.right_view.addItem(self.right_markers, ignoreBounds=True)
        self.tooltip = QLabel(self)
        self.tooltip.setObjectName("chartTooltip")
        self.tooltip.setTextFormat(Qt.TextFormat.RichText)
        self.tooltip.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.tooltip.hide()
        self.scene().sigMouseMoved.connect(self._on_scene_mouse_moved)
        theme.on_change(self, lambda _c: self.apply_theme())

    # -- look ----------------------------------------------------------------------------------

    def apply_theme(self) -> None:
        c = theme.colors()
        self.setBackground(QColor(c.base))
        font = QFont(QApplication.font())
        font.setPointSizeF(max(8.0, font.pointSizeF() - 1))
        for axis in (self.bottom_axis, self.left_axis, self.right_axis):
            axis.setPen(pg.mkPen(c.border, width=1))
            axis.setTextPen(pg.mkPen(c.muted))
            axis.setStyle(tickFont=font, tickLength=-4, tickTextOffset=6)
            axis.label.setFont(font)
        self.getPlotItem().showGrid(x=False, y=True, alpha=0.55)
        self.crosshair.setPen(pg.mkPen(c.muted, width=1, style=Qt.PenStyle.DashLine))
        self.tooltip.setStyleSheet(
            f"QLabel#chartTooltip {{ background: {c.base}; color: {c.text};"
            f" border: 1px solid {c.border}; border-radius: 6px; padding: 6px 8px; }}"
        )

    def set_axis_titles(self, left: str, right: str | None) -> None:
        """Axis titles with their units; without a second unit the right axis is hidden."""
        muted = theme.colors().muted
        item = self.getPlotItem()
        self.left_axis.setLabel(left, color=muted)
        if right:
            self.right_axis.setLabel(right, color=muted)
            item.showAxis("right")
        else:
            item.hideAxis("right")

    # -- data ----------------------------------------------------------------------------------

    def set_chart(self, chart: ChartData, *, tz: ZoneInfo, currency: str, step: float) -> None:
        """Draw `chart` (replacing every curve); `step` is one period in seconds (x padding)."""
        self.hide_hover()
        self.chart = chart
        self._series = list(chart.series)
        self.xs = chart.xs
        self.currency = currency
        self.bottom_axis.set_zone(tz)
        self.left_axis.unit = chart.units[0]
        self.right_axis.unit = chart.units[1] or "count"
        self.set_axis_titles(*chart.titles)
        fast = len(self._series) > FAST_CURVES
        for bundle, symbols, right in (
            (self.left_curves, self.left_symbols, False),
            (self.right_curves, self.right_symbols, True),
        ):
            mine = [s for s in self._series if s.right == right]
            pens = []
            for s in mine:
                pen = pg.mkPen(s.color, width=1 if fast else 2)
                pen.setCosmetic(True)
                pens.append((s.ys, pen))
            bundle.set_curves(self.xs, pens, antialias=not fast)
            # a few points only: dots, so a one-day range is not an empty chart
            if len(self.xs) <= 16 and len(mine) <= FAST_CURVES:
                spots = [
                    {"pos": (float(x), float(y)), "brush": pg.mkBrush(s.color)}
                    for s in mine
                    for x, y in zip(self.xs, s.ys, strict=True)
                    if np.isfinite(y)
                ]
                symbols.setData(spots)
            else:
                symbols.clear()
        self._fit(step)

    def _fit(self, step: float) -> None:
        """x: the periods plus a little air; y: from 0 (or the lowest value) to 8 % above the
        highest, per view box (the ranges are set, not auto-ranged: cheaper and stable)."""
        item = self.getPlotItem()
        if len(self.xs):
            pad = step * 0.3
            item.vb.setXRange(float(self.xs[0]) - pad, float(self.xs[-1]) + pad, padding=0)
        for view, right in ((item.vb, False), (self.right_view, True)):
            top = 0.0
            bottom = 0.0
            for s in self._series:
                if s.right != right:
                    continue
                finite = s.ys[np.isfinite(s.ys)]
                if len(finite):
                    top = max(top, float(finite.max()))
                    bottom = min(bottom, float(finite.min()))
            if top <= bottom:
                top = bottom + 1.0
            view.setYRange(bottom, top + (top - bottom) * 0.08, padding=0)

    @contextmanager
    def export_pens(self, factor: float) -> Iterator[None]:
        """Curves as thick in an image painted at `factor`× device pixels as on screen."""
        with self.left_curves.pens_scaled(factor), self.right_curves.pens_scaled(factor):
            yield

    @property
    def series(self) -> list[ChartSeries]:
        return list(self._series)

    @property
    def curve_count(self) -> int:
        return self.left_curves.count + self.right_curves.count

    def _on_view_resized(self) -> None:
        self.right_view.setGeometry(self.getPlotItem().vb.sceneBoundingRect())
        self.right_view.linkedViewChanged(self.getPlotItem().vb, self.right_view.XAxis)

    # -- hover ---------------------------------------------------------------------------------

    def _on_scene_mouse_moved(self, pos: QPointF) -> None:
        view = self.getPlotItem().vb
        if not len(self.xs) or not view.sceneBoundingRect().contains(pos):
            self.hide_hover()
            return
        x = view.mapSceneToView(pos).x()
        self.hover_index(self.nearest_index(x))

    def nearest_index(self, x: float) -> int:
        i = int(np.searchsorted(self.xs, x))
        if i <= 0:
            return 0
        if i >= len(self.xs):
            return len(self.xs) - 1
        return i if self.xs[i] - x < x - self.xs[i - 1] else i - 1

    def leaveEvent(self, event: Any) -> None:
        self.hide_hover()
        super().leaveEvent(event)

    def hide_hover(self) -> None:
        if self.hovered_index is None and not self.tooltip.isVisible():
            return
        self.hovered_index = None
        self.crosshair.hide()
        self.left_markers.clear()
        self.right_markers.clear()
        self.tooltip.hide()
        if self.on_hover is not None:
            self.on_hover(None)

    def tooltip_rows(self, index: int) -> list[tuple[ChartSeries, str]]:
        """(series, exact value text) of the curves at `index`; sorted by value in compare
        mode (`sort_tooltip`), else in legend order."""
        rows = [(s, s.value_at(index)) for s in self._series]
        if self.sort_tooltip:
            rows.sort(key=lambda r: (r[1] is None, -(float(r[1]) if r[1] is not None else 0.0)))
        return [(s, format_metric(s.metric, value, self.currency)) for s, value in rows]

    def x_label(self, index: int) -> str:
        return self.chart.arrays.x_label(index) if self.chart is not None else ""

    def tooltip_html(self, index: int) -> str:
        c = theme.colors()
        rows = self.tooltip_rows(index)
        lines = [
            f"<div style='font-weight:600; margin-bottom:4px'>{html.escape(self.x_label(index))}</div>"
        ]
        lines.append("<table cellspacing='0' cellpadding='1'>")
        for s, text in rows[:TOOLTIP_ROWS]:
            lines.append(
                f"<tr><td><span style='color:{s.color}'>&#9632;</span>&nbsp;</td>"
                f"<td style='padding-right:12px'>{html.escape(s.label)}</td>"
                f"<td align='right' style='font-weight:600'>{html.escape(text)}</td></tr>"
            )
        lines.append("</table>")
        if len(rows) > TOOLTIP_ROWS:
            more = len(rows) - TOOLTIP_ROWS
            lines.append(f"<div style='color:{c.muted}'>and {more} more (see the table)</div>")
        return "".join(lines)

    def hover_index(self, index: int) -> None:
        """Show the crosshair, markers and tooltip at period `index` (also used by tests)."""
        if not 0 <= index < len(self.xs):
            self.hide_hover()
            return
        x = float(self.xs[index])
        self.hovered_index = index
        self.crosshair.setPos(x)
        self.crosshair.show()
        for markers, right in ((self.left_markers, False), (self.right_markers, True)):
            spots = [
                {
                    "pos": (x, float(s.ys[index])),
                    "brush": pg.mkBrush(s.color),
                    "pen": pg.mkPen(theme.colors().base, width=1.5),
                }
                for s in self._series[: TOOLTIP_ROWS * 2]
                if s.right == right and not math.isnan(float(s.ys[index]))
            ]
            markers.setData(spots)
        self.tooltip.setText(self.tooltip_html(index))
        self.tooltip.adjustSize()
        self._place_tooltip(x)
        self.tooltip.show()
        self.tooltip.raise_()
        if self.on_hover is not None:
            self.on_hover(index)

    def _place_tooltip(self, x: float) -> None:
        view = self.getPlotItem().vb
        area: QRectF = self.mapFromScene(view.sceneBoundingRect()).boundingRect()
        scene_x = view.mapViewToScene(QPointF(x, 0)).x()
        px = self.mapFromScene(QPointF(scene_x, 0)).x()
        width, height = self.tooltip.width(), self.tooltip.height()
        left = px + 14
        if left + width > area.right() - 4:
            left = px - 14 - width
        left = max(area.left() + 4, left)
        top = area.top() + 8
        if top + height > self.height() - 4:
            top = max(0, self.height() - height - 4)
        self.tooltip.move(int(left), int(top))
