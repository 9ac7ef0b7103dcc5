"""The readout tab of the Experiments window: the verdict (with the power reached so far when
no difference is detected yet), the unit of replication and what a round is, the method, the
delivery check (rotation: per slot) or the sample-ratio check (split: on complete days), notes
and warnings, per-variant values with descriptive intervals and lifts with always-valid
intervals, a forest plot of the relative lifts, and the guardrails — tested ones, and the
descriptive price guardrail (eCPM) against its limit.

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

from snapdesk.experiments import MIN_ROUNDS, ROTATION, WINNER, Experiment, Readout, metric
from snapdesk.ui import theme
from snapdesk.ui._signals import emit
from snapdesk.ui.dialogs._widgets import Banner, Spinner
from snapdesk.ui.models.experiments import (
    CHIP_ROLE,
    GUARDRAIL_COLUMNS,
    RowsTable,
    experiment_plan,
    guardrail_rows,
    readout_columns,
    readout_headline,
    readout_rows,
    tone_color,
    unit_text,
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
    view.horizontalScrollBar().rangeChanged.connect(lambda *_: _fit_scrollbar(view))
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
    view.setProperty("rowsHeight", height)
    _fit_scrollbar(view)


def _fit_scrollbar(view: QTableView) -> None:
    """The rows' height, plus the horizontal scrollbar's while the columns don't fit (so it
    never covers the last row)."""
    height = int(view.property("rowsHeight") or 0)
    bar = view.horizontalScrollBar()
    if bar.maximum() > 0:
        height += bar.sizeHint().height()
    if height:
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

        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setObjectName("detailsScroll")
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
        self.unit_label = QLabel()
        self.unit_label.setObjectName("unitLabel")
        self.unit_label.setWordWrap(True)
        self.unit_label.setTextFormat(Qt.TextFormat.RichText)
        self.method_label = QLabel()
        self.method_label.setObjectName("hint")
        self.method_label.setWordWrap(True)
        text.addWidget(self.verdict_label)
        text.addWidget(self.explanation_label)
        text.addWidget(self.unit_label)
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

        # The delivery check (rotation) or the sample-ratio check (split); rebuilt with each
        # readout (a wrapped label grows).
        self.srm_banner = Banner("ok")
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
        self.guardrails_hint = QLabel()
        self.guardrails_hint.setObjectName("hint")
        self.guardrails_hint.setWordWrap(True)
        layout.addWidget(self.guardrails_hint)
        layout.addStretch(1)
        self.scroll_area.setWidget(body)
        self.stack.addWidget(self.scroll_area)

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
        return self.stack.currentWidget() is self.scroll_area

    def show_readout(
        self, readout: Readout, *, experiment: Experiment, currency: str, can_promote: bool
    ) -> None:
        self.readout = readout
        self.experiment = experiment
        spec = metric(readout.metric)
        plan = experiment_plan(experiment)
        rotation = experiment.mode == ROTATION
        c = theme.colors()
        tone = verdict_tone(readout.verdict)
        color = tone_color(tone)
        self.verdict_label.setText(verdict_label(readout.verdict, readout.winner))
        self.verdict_label.setStyleSheet(
            f"QLabel#verdictChip {{ background: {theme._mix(color, c.base, 0.14)}; "
            f"color: {color}; border-radius: 12px; padding: 4px 14px; font-size: 13pt; "
            "font-weight: 700; }"
        )
        explanation = readout_headline(readout, relative_mde=experiment.relative_mde, plan=plan)
        if readout.verdict == WINNER and not readout.trustworthy:
            explanation += (
                " Check the delivery warning before promoting it."
                if rotation
                else " Check the sample-ratio warning before promoting it."
            )
        self.explanation_label.setText(explanation)
        head, _sep, rest = unit_text(readout, experiment).partition(": ")
        self.unit_label.setText(
            f"<b>{html.escape(head, quote=False)}:</b> {html.escape(rest, quote=False)}"
        )
        k = len(readout.comparisons)
        holm = (
            f"with {k} treatments the verdict uses the p-values after Holm's correction"
            if k > 1
            else "one treatment, so no correction for several comparisons"
        )
        self.method_label.setText(
            f"Method: {readout.method}. {readout.confidence:.0%} confidence; {holm}; no "
            f"verdict before {MIN_ROUNDS} complete rounds."
        )
        self.promote_button.setVisible(can_promote)
        winner = readout.winner if readout.verdict == WINNER else None
        self.promote_button.setText(f"Promote {winner}…" if winner else "Promote a variant…")
        self.promote_button.setObjectName("primaryButton" if winner else "")
        self.promote_button.style().unpolish(self.promote_button)
        self.promote_button.style().polish(self.promote_button)

        self._show_banners(readout, rotation=rotation)
        self.primary_title.setText(
            f"{spec.label} — {'higher' if spec.higher_is_better else 'lower'} is better"
        )
        rows = readout_rows(readout, currency=currency)
        columns = readout_columns(spec, mode=experiment.mode, comparisons=len(readout.comparisons))
        self.arms_model = RowsTable(columns, self)
        self.arms_model.set_rows(rows)
        self.arms_view.setModel(self.arms_model)
        lift = next(i for i, c in enumerate(columns) if c.title.startswith("Lift"))
        fit_table(self.arms_view, stretch=lift)

        tones = {r.key: r.tone for r in rows}
        self.plot_title.setText(
            f"Relative lift vs control — {readout.confidence:.0%} always-valid intervals, one "
            "per comparison"
        )
        mde = experiment.relative_mde
        self.plot.set_rows(
            [
                (cmp.key, cmp.rel_lift, cmp.rel_low, cmp.rel_high, tones.get(cmp.key, "muted"))
                for cmp in readout.comparisons
            ],
            mde=mde,
        )
        self.plot_hint.setText(self._plot_hint(readout, higher_is_better=spec.higher_is_better,
                                               mde=mde))  # fmt: skip
        guardrails = guardrail_rows(readout, currency=currency, price_limit=experiment.price_limit)
        self.guardrails_model.set_rows(guardrails)
        fit_table(self.guardrails_view)
        for widget in (self.guardrails_title, self.guardrails_view, self.guardrails_hint):
            widget.setVisible(bool(guardrails))
        self.guardrails_hint.setText(self._guardrails_hint(readout, experiment))
        self.stack.setCurrentWidget(self.scroll_area)

    def _show_banners(self, readout: Readout, *, rotation: bool) -> None:
        """The delivery (rotation) or sample-ratio (split) check first, then the readout's notes
        and any other warning (those two checks' own warnings are in their banner)."""
        for banner in self.warning_banners:
            self.warnings_box.removeWidget(banner)
            banner.hide()
            banner.deleteLater()
        self.warning_banners = []
        srm_message = readout.srm.message if readout.srm is not None else None
        delivery = [issue.message for issue in readout.delivery]
        for note in readout.notes:
            banner = Banner("info", html.escape(note, quote=False))
            self.warnings_box.addWidget(banner)
            self.warning_banners.append(banner)
        for warning in readout.warnings:
            if warning == srm_message or any(message in warning for message in delivery):
                continue  # shown in the check's banner
            banner = Banner("warning", html.escape(warning, quote=False))
            self.warnings_box.addWidget(banner)
            self.warning_banners.append(banner)
        kind, text = self._delivery_text(readout) if rotation else self._srm_text(readout)
        self.warnings_box.removeWidget(self.srm_banner)
        self.srm_banner.hide()
        self.srm_banner.deleteLater()
        self.srm_banner = Banner(kind, text)
        self.warnings_box.insertWidget(0, self.srm_banner)

    @staticmethod
    def _plot_hint(readout: Readout, *, higher_is_better: bool, mde: float) -> str:
        """What the intervals are — always-valid, one per comparison — and what the verdict
        uses (the p-values, after Holm's correction when there are several treatments)."""
        direction = "" if higher_is_better else " (a cost change: lower is better)"
        alpha = 1 - readout.confidence
        k = len(readout.comparisons)
        rule = (
            f"A treatment is called better or worse only when its p-value, corrected with "
            f"Holm's method across the {k} treatments, is below {alpha:.0%} — so an interval "
            "that only just leaves zero may not be enough."
            if k > 1
            else f"A treatment is called better or worse only when its p-value is below "
            f"{alpha:.0%}."
        )
        pending = any(c.rel_low is None for c in readout.comparisons)
        return (
            f"Each line is the lift's {readout.confidence:.0%} always-valid interval{direction}: "
            f"valid however often you look, for its own comparison. {rule} Dashed lines mark "
            f"the minimum detectable effect (±{mde:.0%})."
            + (f" Intervals appear after {MIN_ROUNDS} complete rounds." if pending else "")
        )

    @staticmethod
    def _guardrails_hint(readout: Readout, experiment: Experiment) -> str:
        parts = []
        if any(g.tested for g in readout.guardrails):
            parts.append(
                "Tested guardrails use the same always-valid test as the primary metric, "
                "without Holm's correction (erring on the side of flagging harm): a treatment "
                "significantly worse on one is not promoted as the winner."
            )
        if any(not g.tested for g in readout.guardrails):
            limit = f"{experiment.price_limit * 100:+.0f}%".replace("-", "−")
            parts.append(
                "eCPM (1,000 × spend / impressions) is set by the auction, not by how people "
                "respond: it is described over each variant's whole delivery and compared with "
                f"your limit of {limit} over the control — never tested, so it has no interval "
                "of the change and no p-value. A treatment above the limit is not promoted as "
                "the winner."
            )
        return " ".join(parts)

    @staticmethod
    def _delivery_text(readout: Readout) -> tuple[str, str]:
        """The rotation's per-slot delivery check as a banner: (kind, rich text)."""
        issues = readout.delivery
        if not issues:
            if not any(a.impressions for a in readout.arms):
                return "info", "<b>Delivery check:</b> no impressions yet."
            return "ok", (
                "<b>Delivery check passed:</b> every slot ran and delivered at least half of "
                "its variant's usual impressions. (A rotation's impression shares follow the "
                "auction, not a randomized split, so they are not tested — each slot is checked.)"
            )
        shown = issues[:6]
        lines = "".join(f"<br>• {html.escape(i.message, quote=False)}" for i in shown)
        more = f"<br>… and {len(issues) - len(shown)} more" if len(issues) > len(shown) else ""
        n = len(issues)
        return "warning", (
            f"<b>Delivery check: {n} slot{'s' if n != 1 else ''} did not run or under-delivered"
            f"</b> — their rounds are left out of the comparison.{lines}{more}"
        )

    @staticmethod
    def _srm_text(readout: Readout) -> tuple[str, str]:
        """The split's sample-ratio check (impressions on complete days) as a banner."""
        srm = readout.srm
        if srm is None:
            return "info", "<b>Sample ratio check:</b> no complete day with impressions yet."
        total = max(1, sum(srm.observed))
        keys = [a.key for a in readout.arms]
        observed = " · ".join(
            f"{k} {o / total:.1%}" for k, o in zip(keys, srm.observed, strict=True)
        )
        wanted = " · ".join(f"{s:.1%}" for s in srm.expected_shares)
        p = "p &lt; 0.001" if srm.p_value < 0.001 else f"p = {srm.p_value:.2g}"
        if not srm.flagged:
            return "ok", (
                f"<b>Sample ratio check passed:</b> impressions on complete days {observed}; "
                f"intended {wanted} (χ² {p})."
            )
        return "warning", (
            f"<b>Sample ratio mismatch:</b> impressions on complete days {observed}; intended "
            f"{wanted} (χ² {p}). Delivery did not follow the plan — ad squads are not "
            "randomized users, and bids, budgets, approvals or edits shift the auction. Check "
            "them before trusting a winner."
        )

    # -- slots -------------------------------------------------------------------------------

    def _on_promote_clicked(self) -> None:
        readout = self.readout
        key = readout.winner if readout is not None and readout.verdict == WINNER else ""
        emit(self.promote_requested, key or "")

    def _on_retry_clicked(self) -> None:
        emit(self.refresh_requested)
