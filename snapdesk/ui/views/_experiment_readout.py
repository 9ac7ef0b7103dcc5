"""The readout tab of the Experiments window: the verdict with its method, warnings, the
sample-ratio check, per-variant metrics with lifts and confidence intervals, a forest plot of the
relative lifts, and the guardrails.

    panel = ReadoutPanel()
    panel.promote_requested.connect(...)      # the variant key to promote
    panel.refresh_requested.connect(...)
    panel.show_loading() / panel.show_error(text) / panel.show_unavailable(title, text)
    panel.show_readout(readout, experiment=experiment, currency="USD")
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import Any, Final

import pyqtgraph as pg
from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from snapdesk.experiments import WINNER, Experiment, Readout, metric
from snapdesk.ui import theme
from snapdesk.ui._signals import emit
from snapdesk.ui.dialogs._widgets import Banner, Spinner
from snapdesk.ui.models.experiments import (
    CHIP_ROLE,
    GUARDRAIL_COLUMNS,
    RowsTable,
    guardrail_rows,
    readout_columns,
    readout_rows,
    tone_color,
    verdict_label,
    verdict_tone,
)
from snapdesk.ui.views.states import StatePage

__all__ = ["ChipDelegate", "ForestPlot", "ReadoutPanel", "fit_table"]

ROW_HEIGHT: Final = 30


class ChipDelegate(QStyledItemDelegate):
    """Cells with a `CHIP_ROLE` drawn as small rounded chips in the tone's colour."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        kind = index.data(CHIP_ROLE)
        text = index.data(Qt.ItemDataRole.DisplayRole)
        if not kind or not text:
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        style = opt.widget.style() if opt.widget else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        c = theme.colors()
        fg = tone_color(kind)
        bg = theme._mix(fg, c.base, 0.14)
        font = QFont(opt.font)
        font.setPointSizeF(max(7.5, font.pointSizeF() - 1.0))
        font.setBold(True)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setFont(font)
        metrics = painter.fontMetrics()
        width = metrics.horizontalAdvance(str(text)) + 18
        height = metrics.height() + 5
        rect = QRect(
            opt.rect.left() + 4,
            opt.rect.center().y() - height // 2 + 1,
            min(width, opt.rect.width() - 8),
            height,
        )
        path = QPainterPath()
        path.addRoundedRect(rect, height / 2, height / 2)
        painter.fillPath(path, QColor(bg))
        painter.setPen(QColor(fg))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, str(text))
        painter.restore()

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        size = super().sizeHint(option, index)
        extra = 24 if index.data(CHIP_ROLE) else 8
        return QSize(size.width() + extra, max(size.height(), ROW_HEIGHT))


def make_table(model: RowsTable) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setItemDelegate(ChipDelegate(view))
    view.verticalHeader().hide()
    view.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
    view.setShowGrid(False)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    view.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
    view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    view.setTextElideMode(Qt.TextElideMode.ElideRight)
    header = view.horizontalHeader()
    header.setHighlightSections(False)
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    return view


def fit_table(view: QTableView, *, stretch: int | None = None, max_rows: int = 12) -> None:
    """Columns to their contents except `stretch`, which takes the width left (its text
    elided), and the height to the rows: no scrollbar inside a scrolling page."""
    header = view.horizontalHeader()
    for column in range(view.model().columnCount()):
        mode = (
            QHeaderView.ResizeMode.Stretch
            if column == stretch
            else QHeaderView.ResizeMode.ResizeToContents
        )
        header.setSectionResizeMode(column, mode)
    header.setStretchLastSection(stretch is None)
    header.setMinimumSectionSize(40)
    rows = min(view.model().rowCount(), max_rows)
    view.setVerticalScrollBarPolicy(
        Qt.ScrollBarPolicy.ScrollBarAsNeeded
        if view.model().rowCount() > max_rows
        else Qt.ScrollBarPolicy.ScrollBarAlwaysOff
    )
    height = header.sizeHint().height() + max(rows, 1) * ROW_HEIGHT + 4
    view.setFixedHeight(height)


class PercentAxis(pg.AxisItem):
    """An axis of relative lifts: ticks as signed percentages."""

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        places = 0 if spacing * scale >= 0.01 else 1
        out = []
        for v in values:
            value = v * scale * 100
            text = f"{value:+.{places}f}%" if abs(value) > 1e-9 else "0%"
            out.append(text.replace("-", "−"))
        return out


class KeyAxis(pg.AxisItem):
    """The variants down the left side (fixed ticks set by the plot)."""

    def __init__(self) -> None:
        super().__init__("left")
        self.labels: dict[int, str] = {}

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list[Any]:
        return [(1.0, [float(y) for y in self.labels if minVal <= y <= maxVal])]

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        return [self.labels.get(round(v), "") for v in values]


class ForestPlot(pg.PlotWidget):
    """Each treatment's relative lift vs control as a point with its interval, a zero line and
    dashed lines at ± the minimum detectable effect."""

    def __init__(self, parent: QWidget | None = None) -> None:
        self.bottom_axis = PercentAxis("bottom")
        self.left_axis = KeyAxis()
        super().__init__(parent, axisItems={"bottom": self.bottom_axis, "left": self.left_axis})
        self.setObjectName("forestPlot")
        item = self.getPlotItem()
        item.hideButtons()
        item.setMenuEnabled(False)
        item.vb.setMouseEnabled(x=False, y=False)
        item.showGrid(x=True, y=False, alpha=0.25)
        self.rows: list[tuple[str, float | None, float | None, float | None, str]] = []
        c = theme.colors()
        self.setBackground(QColor(c.base))
        font = QFont(QApplication.font())
        font.setPointSizeF(max(8.0, font.pointSizeF() - 1))
        for axis in (self.bottom_axis, self.left_axis):
            axis.setPen(pg.mkPen(c.border, width=1))
            axis.setTextPen(pg.mkPen(c.text))
            axis.setStyle(tickFont=font, tickLength=0, tickTextOffset=8)
        self.left_axis.setWidth(40)

    def set_rows(
        self,
        rows: Sequence[tuple[str, float | None, float | None, float | None, str]],
        *,
        mde: float | None,
    ) -> None:
        """`rows`: (label, estimate, low, high, tone) per treatment, top to bottom."""
        self.rows = list(rows)
        item = self.getPlotItem()
        item.clear()
        c = theme.colors()
        n = len(rows)
        self.left_axis.labels = {n - 1 - i: row[0] for i, row in enumerate(rows)}
        item.addItem(pg.InfiniteLine(pos=0, angle=90, pen=pg.mkPen(c.muted, width=1.2)))
        spans: list[float] = [0.0]
        if mde:
            dash = pg.mkPen(c.border, width=1, style=Qt.PenStyle.DashLine)
            for x in (-mde, mde):
                item.addItem(pg.InfiniteLine(pos=x, angle=90, pen=dash))
            spans += [-mde * 1.4, mde * 1.4]
        for i, (_label, estimate, low, high, tone) in enumerate(rows):
            y = n - 1 - i
            color = QColor(tone_color(tone))
            finite = low is not None and high is not None and math.isfinite(low + high)
            if finite:
                assert low is not None and high is not None
                item.addItem(pg.PlotDataItem([low, high], [y, y], pen=pg.mkPen(color, width=3)))
                for x in (low, high):
                    item.addItem(
                        pg.PlotDataItem([x, x], [y - 0.12, y + 0.12], pen=pg.mkPen(color, width=2))
                    )
                spans += [low, high]
            if estimate is not None and math.isfinite(estimate):
                item.addItem(
                    pg.ScatterPlotItem(
                        [estimate], [y], size=12, brush=pg.mkBrush(color),
                        pen=pg.mkPen(c.base, width=2),
                    )
                )  # fmt: skip
                spans.append(estimate)
        low_x, high_x = min(spans), max(spans)
        pad = max((high_x - low_x) * 0.12, 0.02)
        item.setXRange(low_x - pad, high_x + pad, padding=0)
        item.setYRange(-0.7, max(n, 1) - 0.3, padding=0)
        self.setFixedHeight(70 + 42 * max(n, 1))


def _section(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("sectionTitle")
    return label


class ReadoutPanel(QWidget):
    """Signals: `promote_requested(str)` with the variant key; `refresh_requested()`."""

    promote_requested = Signal(str)
    refresh_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.readout: Readout | None = None
        self.experiment: Experiment | None = None
        self._setup_ui()

    def _setup_ui(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.stack = QStackedWidget()
        outer.addWidget(self.stack)
        self.state_page = StatePage(icon="info", title="")
        self.state_spinner = Spinner(26)
        self.state_spinner.hide()
        self.retry_button = self.state_page.add_button("Try again", self._on_retry_clicked)
        self.stack.addWidget(self.state_page)

        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setObjectName("detailsScroll")
        body = QWidget()
        body.setObjectName("detailsBody")
        layout = QVBoxLayout(body)
        layout.setContentsMargins(2, 4, 8, 8)
        layout.setSpacing(12)

        self.verdict_card = QFrame()
        self.verdict_card.setObjectName("card")
        card = QHBoxLayout(self.verdict_card)
        card.setContentsMargins(18, 14, 18, 14)
        card.setSpacing(16)
        text = QVBoxLayout()
        text.setSpacing(6)
        self.verdict_label = QLabel()
        self.verdict_label.setObjectName("verdictChip")
        self.verdict_label.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        self.explanation_label = QLabel()
        self.explanation_label.setWordWrap(True)
        self.explanation_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.method_label = QLabel()
        self.method_label.setObjectName("hint")
        self.method_label.setWordWrap(True)
        text.addWidget(self.verdict_label)
        text.addWidget(self.explanation_label)
        text.addWidget(self.method_label)
        card.addLayout(text, 1)
        buttons = QVBoxLayout()
        buttons.setSpacing(6)
        self.promote_button = QPushButton("Promote…")
        self.promote_button.setObjectName("primaryButton")
        self.promote_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.promote_button.clicked.connect(self._on_promote_clicked)
        self.refresh_button = QPushButton("Refresh stats")
        self.refresh_button.setToolTip("Fetch the days that are not final yet and read out again")
        self.refresh_button.clicked.connect(self._on_retry_clicked)
        buttons.addWidget(self.promote_button)
        buttons.addWidget(self.refresh_button)
        buttons.addStretch(1)
        card.addLayout(buttons)
        layout.addWidget(self.verdict_card)

        self.warnings_box = QVBoxLayout()
        self.warnings_box.setSpacing(8)
        layout.addLayout(self.warnings_box)
        self.warning_banners: list[Banner] = []

        self.srm_banner = Banner("ok")  # rebuilt with each readout (a wrapped label grows)
        self.warnings_box.addWidget(self.srm_banner)

        self.primary_title = _section("")
        layout.addWidget(self.primary_title)
        self.arms_model = RowsTable(readout_columns(metric("swipe_rate")), self)
        self.arms_view = make_table(self.arms_model)
        self.arms_view.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        layout.addWidget(self.arms_view)

        self.plot_title = _section("")
        layout.addWidget(self.plot_title)
        self.plot = ForestPlot()
        layout.addWidget(self.plot)
        self.plot_hint = QLabel()
        self.plot_hint.setObjectName("hint")
        self.plot_hint.setWordWrap(True)
        layout.addWidget(self.plot_hint)

        self.guardrails_title = _section("Guardrails")
        layout.addWidget(self.guardrails_title)
        self.guardrails_model = RowsTable(GUARDRAIL_COLUMNS, self)
        self.guardrails_view = make_table(self.guardrails_model)
        layout.addWidget(self.guardrails_view)
        layout.addStretch(1)
        self.scroll.setWidget(body)
        self.stack.addWidget(self.scroll)

    # -- states ------------------------------------------------------------------------------

    def show_loading(self, text: str = "Fetching the variants' stats from Snap…") -> None:
        self.state_page.set_icon("sync_accent")
        self.state_page.set_title("Reading out the experiment…")
        self.state_page.set_text(text)
        self.state_page.set_progress(None, None)
        self.retry_button.hide()
        self.stack.setCurrentWidget(self.state_page)

    def show_error(self, message: str) -> None:
        self.state_page.set_icon("error")
        self.state_page.set_title("Couldn't read the results")
        self.state_page.set_text(html.escape(message, quote=False))
        self.state_page.hide_progress()
        self.retry_button.show()
        self.stack.setCurrentWidget(self.state_page)

    def show_unavailable(self, title: str, text: str, *, icon: str = "info") -> None:
        self.state_page.set_icon(icon)
        self.state_page.set_title(title)
        self.state_page.set_text(text)
        self.state_page.hide_progress()
        self.retry_button.hide()
        self.stack.setCurrentWidget(self.state_page)

    @property
    def showing_readout(self) -> bool:
        return self.stack.currentWidget() is self.scroll

    def show_readout(
        self, readout: Readout, *, experiment: Experiment, currency: str, can_promote: bool
    ) -> None:
        self.readout = readout
        self.experiment = experiment
        spec = metric(readout.metric)
        c = theme.colors()
        tone = verdict_tone(readout.verdict)
        color = tone_color(tone)
        self.verdict_label.setText(verdict_label(readout.verdict, readout.winner))
        self.verdict_label.setStyleSheet(
            f"QLabel#verdictChip {{ background: {theme._mix(color, c.base, 0.14)}; "
            f"color: {color}; border-radius: 12px; padding: 4px 14px; font-size: 13pt; "
            "font-weight: 700; }"
        )
        explanation = readout.explanation
        if readout.verdict == WINNER and not readout.trustworthy:
            explanation += " Check the sample-ratio warning before promoting it."
        self.explanation_label.setText(explanation)
        self.method_label.setText(
            f"Method: {readout.method}. {readout.confidence:.0%} confidence; several "
            "treatments are corrected with Holm's method."
        )
        self.promote_button.setVisible(can_promote)
        winner = readout.winner if readout.verdict == WINNER else None
        self.promote_button.setText(f"Promote {winner}…" if winner else "Promote a variant…")
        self.promote_button.setObjectName("primaryButton" if winner else "")
        self.promote_button.style().unpolish(self.promote_button)
        self.promote_button.style().polish(self.promote_button)

        for banner in self.warning_banners:
            self.warnings_box.removeWidget(banner)
            banner.deleteLater()
        self.warning_banners = []
        srm_message = readout.srm.message if readout.srm is not None else None
        for warning in readout.warnings:
            if warning == srm_message:
                continue  # shown in the sample-ratio banner below
            banner = Banner("warning", html.escape(warning, quote=False))
            self.warnings_box.addWidget(banner)
            self.warning_banners.append(banner)

        kind, text = self._srm_text(readout)
        self.warnings_box.removeWidget(self.srm_banner)
        self.srm_banner.deleteLater()
        self.srm_banner = Banner(kind, text)
        self.warnings_box.insertWidget(0, self.srm_banner)
        self.primary_title.setText(
            f"{spec.label} — {'higher' if spec.higher_is_better else 'lower'} is better"
        )
        self.arms_model = RowsTable(readout_columns(spec), self)
        self.arms_model.set_rows(readout_rows(readout, currency=currency))
        self.arms_view.setModel(self.arms_model)
        fit_table(self.arms_view, stretch=1)

        rows = readout_rows(readout, currency=currency)
        tones = {r.key: r.tone for r in rows}
        self.plot_title.setText(
            f"Relative lift vs control — {readout.confidence:.0%} always-valid intervals"
        )
        mde = experiment.relative_mde
        self.plot.set_rows(
            [
                (
                    cmp.key,
                    cmp.rel_lift,
                    cmp.rel_low,
                    cmp.rel_high,
                    tones.get(cmp.key, "muted"),
                )
                for cmp in readout.comparisons
            ],
            mde=mde,
        )
        direction = "" if spec.higher_is_better else " (cost change; lower is better)"
        self.plot_hint.setText(
            f"Each line is the range the true lift lies in{direction}; dashed lines mark the "
            f"minimum detectable effect (±{mde:.0%}). A treatment is declared better or worse "
            "only when its whole interval, after Holm's correction, clears zero."
        )
        guardrails = guardrail_rows(readout, currency=currency)
        self.guardrails_model.set_rows(guardrails)
        fit_table(self.guardrails_view, stretch=0)
        self.guardrails_title.setVisible(bool(guardrails))
        self.guardrails_view.setVisible(bool(guardrails))
        self.stack.setCurrentWidget(self.scroll)

    @staticmethod
    def _srm_text(readout: Readout) -> tuple[str, str]:
        """The sample-ratio check as a banner: (kind, rich text)."""
        srm = readout.srm
        if srm is None:
            return "info", "<b>Sample ratio check:</b> no impressions yet."
        total = max(1, sum(srm.observed))
        keys = [a.key for a in readout.arms]
        observed = " · ".join(
            f"{k} {o / total:.1%}" for k, o in zip(keys, srm.observed, strict=True)
        )
        wanted = " · ".join(f"{s:.1%}" for s in srm.expected_shares)
        p = "p &lt; 0.001" if srm.p_value < 0.001 else f"p = {srm.p_value:.2g}"
        if not srm.flagged:
            return "ok", (
                f"<b>Sample ratio check passed:</b> impressions {observed}; intended {wanted} "
                f"(χ² {p})."
            )
        return "warning", (
            f"<b>Sample ratio mismatch:</b> impressions {observed}; intended {wanted} (χ² {p}). "
            "Delivery did not follow the plan — ad squads are not randomized users, and bids, "
            "budgets, approvals or edits shift the auction. Check them before trusting a winner."
        )

    # -- slots -------------------------------------------------------------------------------

    def _on_promote_clicked(self) -> None:
        readout = self.readout
        key = readout.winner if readout is not None and readout.verdict == WINNER else ""
        emit(self.promote_requested, key or "")

    def _on_retry_clicked(self) -> None:
        emit(self.refresh_requested)
