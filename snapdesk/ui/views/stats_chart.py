"""The performance chart of the node selected in the account tree (ad account, campaign, ad squad
or ad): chosen metrics over a date range of the account's time zone, or — in compare mode — one
line per ad squad or ad of a campaign (one breakdown query), with the totals table underneath.

States: nothing to chart, loading, error (Snap's refusal in plain words, Retry), "No delivery in
this period", and the chart. A new selection or range cancels the fetch in flight (the latest
wins); metric and top-N changes redraw from the report already loaded. Fetches run as `AsyncOp`s
on the qasync loop and are skipped while the view is hidden (a hidden tab costs nothing).
"""

from __future__ import annotations

import asyncio
import functools
import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Final
from zoneinfo import ZoneInfo

import shiboken6
from PySide6.QtCore import QDate, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QHideEvent, QIcon, QPainter, QPixmap, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from snapdesk.api import ApiError, SnapError
from snapdesk.core.kinds import AD, AD_ACCOUNT, AD_SQUAD, CAMPAIGN, LABEL
from snapdesk.core.outputs import write_text
from snapdesk.stats import (
    PRESETS,
    StatsError,
    StatsReport,
    StatsService,
    explain_stats_error,
    preset_range,
    today_in,
)
from snapdesk.stats.export import write_export
from snapdesk.ui import theme
from snapdesk.ui._signals import emit
from snapdesk.ui.dialogs._widgets import Spinner
from snapdesk.ui.metric_format import (
    CHART_METRICS,
    format_date_range,
    limit_units,
    metric_label,
    unit_of,
)
from snapdesk.ui.models.stats_table import KEYS, StatsTableModel
from snapdesk.ui.models.tree_nodes import TreeNode
from snapdesk.ui.ops._op import AsyncOp, error_message
from snapdesk.ui.ops.stats import StatsQuery, load_report
from snapdesk.ui.views import _chart_export
from snapdesk.ui.views._chart_export import ChartTitle
from snapdesk.ui.views._flow import FlowLayout
from snapdesk.ui.views._stats_data import (
    ChartData,
    ReportArrays,
    build_chart,
    has_delivery,
    series_colors,
)
from snapdesk.ui.views._stats_plot import StatsPlot
from snapdesk.ui.views.states import StatePage

__all__ = [
    "CHARTABLE_KINDS",
    "COMPARE_CHOICES",
    "DEFAULT_METRICS",
    "DEFAULT_PRESET",
    "EMPTY_TITLE",
    "HOUR_MAX_DAYS",
    "TOP_N",
    "ChartData",
    "ChartTarget",
    "StatsChartView",
    "build_chart",
    "has_delivery",
    "series_colors",
]

CHARTABLE_KINDS: Final = (AD_ACCOUNT, CAMPAIGN, AD_SQUAD, AD)
# What each kind can be compared by (breakdown kinds), with the menu text.
COMPARE_CHOICES: Final[dict[str, tuple[tuple[str, str], ...]]] = {
    AD_ACCOUNT: ((CAMPAIGN, "Campaigns"), (AD_SQUAD, "Ad squads")),
    CAMPAIGN: ((AD_SQUAD, "Ad squads"), (AD, "Ads")),
    AD_SQUAD: ((AD, "Ads"),),
    AD: (),
}
PRESET_LABELS: Final[dict[str, str]] = {
    "today": "Today",
    "yesterday": "Yesterday",
    "last_7_days": "Last 7 days",
    "last_14_days": "Last 14 days",
    "last_30_days": "Last 30 days",
    "last_90_days": "Last 90 days",
    "this_month": "This month",
    "last_month": "Last month",
    "last_365_days": "Last 365 days",
}
CUSTOM: Final = "custom"
DEFAULT_PRESET: Final = "last_30_days"
DEFAULT_METRICS: Final = ("spend", "impressions")
HOUR_MAX_DAYS: Final = 7
TOP_N: Final = 10
EMPTY_TITLE: Final = "No delivery in this period"
NOTHING_TEXT: Final = "Select an ad account, campaign, ad squad or ad to see how it performs."
LOADING_TITLE: Final = "Loading stats…"
_EARLIEST: Final = date(2016, 1, 1)
PNG_FILTER: Final = "PNG image, 2× pixels (*.png)"
SVG_FILTER: Final = "SVG image (*.svg)"


@dataclass(frozen=True)
class ChartTarget:
    """The entity charted, with what its ad account says about money and time."""

    ad_account_id: str
    kind: str
    entity_id: str
    name: str
    currency: str | None = None
    timezone: str | None = None

    @classmethod
    def of(cls, node: TreeNode | None) -> ChartTarget | None:
        if node is None or node.kind not in CHARTABLE_KINDS or node.account is None:
            return None
        return cls(
            ad_account_id=node.account.id,
            kind=node.kind,
            entity_id=node.id,
            name=node.display_name,
            currency=node.account.currency,
            timezone=node.account.timezone,
        )

    @property
    def tz(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.timezone or "UTC")
        except (ValueError, KeyError):
            return ZoneInfo("UTC")


def _dot_icon(color: str) -> QIcon:
    pixmap = QPixmap(20, 20)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(color))
    painter.drawEllipse(4, 4, 12, 12)
    painter.end()
    pixmap.setDevicePixelRatio(2)
    return QIcon(pixmap)


def _group() -> tuple[QWidget, QHBoxLayout]:
    widget = QWidget()
    row = QHBoxLayout(widget)
    row.setContentsMargins(0, 0, 0, 0)
    row.setSpacing(6)
    return widget, row


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()[:60] or "stats"


class _Body(QWidget):
    """The scrolled content: it fills the viewport and scrolls only below its minimum height.
    Without this the scroll area, seeing wrapping (height-for-width) chip rows inside, would size
    the content by its preferred height and scroll even when everything fits."""

    def hasHeightForWidth(self) -> bool:
        return False


class _LoadingPage(QWidget):
    """A spinner, "Loading stats…" and what is being loaded."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.addStretch(2)
        self.spinner = Spinner(28)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.spinner)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addSpacing(10)
        self.title_label = QLabel(LOADING_TITLE)
        self.title_label.setObjectName("stateTitle")
        self.title_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.title_label)
        self.text_label = QLabel()
        self.text_label.setObjectName("stateText")
        self.text_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text_label.setWordWrap(True)
        layout.addWidget(self.text_label)
        layout.addStretch(3)

    def set_text(self, text: str) -> None:
        self.text_label.setText(text)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.spinner.start()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self.spinner.stop()


class StatsChartView(QWidget):
    """Signals: `report_loaded(object)` with each StatsReport shown; `exported(str)` with the
    path of a written file."""

    report_loaded = Signal(object)
    exported = Signal(str)

    def __init__(
        self,
        *,
        loop: asyncio.AbstractEventLoop,
        services: Callable[[str], StatsService | None],
        now: Callable[[], datetime] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._loop = loop
        self._services = services
        self._now = now or (lambda: datetime.now(UTC))
        self._target: ChartTarget | None = None
        self._loaded_query: StatsQuery | None = None
        self._pending_refresh = False
        self._op: AsyncOp | None = None
        self._error: BaseException | None = None
        self.report: StatsReport | None = None
        self.chart: ChartData | None = None
        self._arrays: ReportArrays | None = None
        self._metrics: list[str] = list(DEFAULT_METRICS)
        self._compare_metric = "spend"
        self._preset = DEFAULT_PRESET
        self._first, self._last = preset_range(DEFAULT_PRESET, today=self._today())
        self._granularity = "DAY"
        self._compare: str | None = None
        self._updating = False
        self._setup_ui()
        self._apply_range_to_editors()
        self._update_controls()
        self._show_page(self.nothing_page)

    # -- construction --------------------------------------------------------------------------

    def _setup_ui(self) -> None:
        self.setObjectName("statsChart")
        theme.follow(self, lambda _c: self._stylesheet())
        # In a short pane the view scrolls instead of squeezing the chart below readable.
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.scroll_area = QScrollArea()
        self.scroll_area.setObjectName("statsScroll")
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        holder = QWidget()
        holder.setObjectName("statsBody")
        holder_layout = QVBoxLayout(holder)
        holder_layout.setContentsMargins(0, 0, 0, 0)
        body = _Body()
        body.setObjectName("statsBody")
        holder_layout.addWidget(body)
        self.scroll_area.setWidget(holder)
        outer.addWidget(self.scroll_area)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(14, 10, 14, 6)
        layout.setSpacing(8)

        header = QHBoxLayout()
        header.setSpacing(8)
        self.kind_icon = QLabel()
        self.title_label = QLabel()
        self.title_label.setObjectName("chartTitle")
        self.title_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.title_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.zone_label = QLabel()
        self.zone_label.setObjectName("chip")
        self.zone_label.setToolTip("Days start and end at midnight in the ad account's time zone")
        header.addWidget(self.kind_icon)
        header.addWidget(self.title_label, 1)
        header.addWidget(self.zone_label)
        layout.addLayout(header)

        # groups of controls that wrap onto a second line in a narrow pane
        self.controls_host = QWidget()
        controls = FlowLayout(self.controls_host, spacing=14)
        range_group, range_row = _group()
        granularity_group, granularity_row = _group()
        compare_group, compare_row = _group()
        actions_group, actions_row = _group()
        self.preset_combo = QComboBox()
        self.preset_combo.setAccessibleName("Date range")
        for name in PRESETS:
            self.preset_combo.addItem(PRESET_LABELS.get(name, name.replace("_", " ")), name)
        self.preset_combo.addItem("Custom range", CUSTOM)
        self.preset_combo.setToolTip("Date range, in the ad account's time zone")
        self.preset_combo.currentIndexChanged.connect(self._on_preset_combo_changed)
        range_row.addWidget(self.preset_combo)
        self.first_edit = QDateEdit()
        self.last_edit = QDateEdit()
        self.first_edit.setAccessibleName("First day")
        self.last_edit.setAccessibleName("Last day")
        for edit, tip in ((self.first_edit, "First day"), (self.last_edit, "Last day")):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("d MMM yyyy")
            edit.setToolTip(f"{tip} (included), in the ad account's time zone")
            edit.dateChanged.connect(self._on_date_edit_changed)
        range_row.addWidget(self.first_edit)
        dash = QLabel("–")
        dash.setObjectName("muted")
        range_row.addWidget(dash)
        range_row.addWidget(self.last_edit)

        self.day_button = QPushButton("Day")
        self.hour_button = QPushButton("Hour")
        self.granularity_group = QButtonGroup(self)
        for button, name in ((self.day_button, "segmentLeft"), (self.hour_button, "segmentRight")):
            button.setObjectName(name)
            button.setCheckable(True)
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            self.granularity_group.addButton(button)
        self.day_button.setChecked(True)
        self.day_button.setToolTip("One point per day")
        self.granularity_group.buttonToggled.connect(self._on_granularity_group_toggled)
        granularity_row.setSpacing(0)
        granularity_row.addWidget(self.day_button)
        granularity_row.addWidget(self.hour_button)

        self.compare_combo = QComboBox()
        self.compare_combo.setAccessibleName("Compare")
        self.compare_combo.setToolTip(
            "Compare the ad squads or ads of this campaign: one line each, from one query"
        )
        self.compare_combo.currentIndexChanged.connect(self._on_compare_combo_changed)
        compare_row.addWidget(self.compare_combo)
        self.top_check = QCheckBox(f"Top {TOP_N} by spend")
        self.top_check.setChecked(True)
        self.top_check.setToolTip(f"Draw only the {TOP_N} biggest spenders; the table lists all")
        self.top_check.toggled.connect(self._on_top_check_toggled)
        compare_row.addWidget(self.top_check)

        self.refresh_button = QToolButton()
        self.refresh_button.setAccessibleName("Refresh stats")
        theme.follow_icon(self.refresh_button, "sync_accent")
        self.refresh_button.setToolTip("Fetch the days that are not final yet again from Snap")
        self.refresh_button.setAutoRaise(True)
        self.refresh_button.clicked.connect(self._on_refresh_button_clicked)
        actions_row.addWidget(self.refresh_button)
        self.export_button = QToolButton()
        self.export_button.setText("Export")
        self.export_button.setObjectName("exportButton")
        self.export_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.export_menu = QMenu(self.export_button)
        self.export_png_action = self.export_menu.addAction("Chart as image (PNG or SVG)…")
        self.export_png_action.setToolTip(
            "A picture to send: the chart with a title naming the entity, the metrics, the "
            "dates, the time zone and the currency; PNG at 2× pixels, or SVG"
        )
        self.export_png_action.triggered.connect(self._on_export_png_action_triggered)
        self.export_csv_action = self.export_menu.addAction("Daily stats as CSV…")
        self.export_csv_action.triggered.connect(self._on_export_csv_action_triggered)
        self.export_totals_action = self.export_menu.addAction("Totals table as CSV…")
        self.export_totals_action.triggered.connect(self._on_export_totals_action_triggered)
        self.export_button.setMenu(self.export_menu)
        actions_row.addWidget(self.export_button)
        for group in (range_group, granularity_group, compare_group, actions_group):
            controls.addWidget(group)
        layout.addWidget(self.controls_host)

        self.metrics_host = QWidget()
        self.metrics_layout = FlowLayout(self.metrics_host, spacing=6)
        self.metric_buttons: dict[str, QToolButton] = {}
        for metric in CHART_METRICS:
            chip = QToolButton()
            chip.setObjectName("metricChip")
            chip.setText(metric_label(metric))
            chip.setCheckable(True)
            chip.setCursor(Qt.CursorShape.PointingHandCursor)
            chip.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            chip.setIconSize(QSize(10, 10))
            chip.toggled.connect(functools.partial(self._on_metric_button_toggled, metric))
            self.metrics_layout.addWidget(chip)
            self.metric_buttons[metric] = chip
        layout.addWidget(self.metrics_host)

        self.stack = QStackedWidget()
        layout.addWidget(self.stack, 1)

        self.nothing_page = StatePage(icon="search", title="Nothing to chart", text=NOTHING_TEXT)
        self.loading_page = _LoadingPage()
        self.empty_page = StatePage(icon="info", title=EMPTY_TITLE)
        self.wider_button = self.empty_page.add_button(
            "Show the last 90 days", self._on_wider_button_clicked
        )
        self.error_page = StatePage(icon="error", title="Couldn't load the stats")
        self.retry_button = self.error_page.add_button(
            "Retry", self._on_retry_button_clicked, primary=True
        )
        for page in (self.nothing_page, self.loading_page, self.empty_page, self.error_page):
            self.stack.addWidget(page)

        self.chart_page = QSplitter(Qt.Orientation.Vertical)
        self.chart_page.setChildrenCollapsible(False)
        self.chart_page.setHandleWidth(8)
        self.chart_area = QFrame()
        self.chart_area.setMinimumHeight(300)
        self.chart_area.setObjectName("chartCard")
        chart_layout = QVBoxLayout(self.chart_area)
        chart_layout.setContentsMargins(10, 8, 6, 6)
        chart_layout.setSpacing(4)
        self.legend_host = QWidget()
        self.legend_layout = FlowLayout(self.legend_host, spacing=12)
        self.legend_entries: list[QLabel] = []
        chart_layout.addWidget(self.legend_host)
        self.plot = StatsPlot()
        self.plot.sort_tooltip = False
        chart_layout.addWidget(self.plot, 1)
        self.footnote = QLabel()
        self.footnote.setObjectName("hint")
        self.footnote.setWordWrap(True)
        chart_layout.addWidget(self.footnote)
        self.chart_page.addWidget(self.chart_area)

        self.table_model = StatsTableModel(self)
        self.table = QTableView()
        self.table.setMinimumHeight(84)
        self.table.setObjectName("totalsTable")
        self.table.setAccessibleName("Totals")
        self.table.setTabKeyNavigation(False)
        self.table.setModel(self.table_model)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(KEYS.index("spend"), Qt.SortOrder.DescendingOrder)
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        self.table.setIconSize(QSize(12, 12))
        header_view = self.table.horizontalHeader()
        header_view.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header_view.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header_view.setMinimumSectionSize(56)
        header_view.setStretchLastSection(False)
        self.table.verticalHeader().setDefaultSectionSize(26)
        self.chart_page.addWidget(self.table)
        self.chart_page.setStretchFactor(0, 3)
        self.chart_page.setStretchFactor(1, 1)
        self.stack.addWidget(self.chart_page)

        self.status_label = QLabel()
        self.status_label.setObjectName("hint")
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.status_label)

        self._reload_timer = QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(350)
        self._reload_timer.timeout.connect(self._load_if_visible)

    def _stylesheet(self) -> str:
        c = theme.colors()
        checked = theme._mix(c.accent, c.base, 0.13)
        return f"""
QLabel#chartTitle {{ font-size: 13pt; font-weight: 600; }}
QFrame#chartCard {{ background: {c.base}; border: 1px solid {c.border}; border-radius: 8px; }}
QToolButton#metricChip {{
    background: {c.base}; color: {c.text}; border: 1px solid {c.border}; border-radius: 10px;
    padding: 1px 9px;
}}
QToolButton#metricChip:hover {{ background: {c.chip_bg}; }}
QToolButton#metricChip:checked {{
    background: {checked}; border-color: {c.accent}; font-weight: 600;
}}
QToolButton#metricChip:disabled {{ color: {c.muted}; border-style: dashed; }}
QPushButton#segmentLeft, QPushButton#segmentRight {{ padding: 4px 12px; }}
QPushButton#segmentLeft {{ border-top-right-radius: 0; border-bottom-right-radius: 0; }}
QPushButton#segmentRight {{
    border-top-left-radius: 0; border-bottom-left-radius: 0; border-left: none;
}}
QPushButton#segmentLeft:checked, QPushButton#segmentRight:checked {{
    background: {checked}; color: {c.text}; font-weight: 600;
}}
QToolButton#exportButton {{
    border: 1px solid {c.border}; border-radius: 6px; padding: 4px 10px; background: {c.base};
}}
QToolButton#exportButton::menu-indicator {{ image: none; }}
QLabel#legendEntry {{ color: {c.text}; }}
QLabel#legendMore {{ color: {c.muted}; }}
QScrollArea#statsScroll, QWidget#statsBody {{ background: transparent; border: none; }}
QTableView#totalsTable QHeaderView::section {{ padding: 5px 12px 5px 6px; }}
QTableView#totalsTable {{
    background: {c.base}; alternate-background-color: {c.alt_base};
    border: 1px solid {c.border}; border-radius: 8px; gridline-color: transparent;
}}
"""

    # -- public API ----------------------------------------------------------------------------

    @property
    def target(self) -> ChartTarget | None:
        return self._target

    @property
    def metrics(self) -> list[str]:
        return list(self._metrics)

    @property
    def granularity(self) -> str:
        return self._granularity

    @property
    def date_range(self) -> tuple[date, date]:
        return self._first, self._last

    @property
    def compare(self) -> str | None:
        return self._compare

    @property
    def loading(self) -> bool:
        return self._op is not None and self._op.running

    @property
    def page(self) -> str:
        """`nothing`, `loading`, `empty`, `error` or `chart`."""
        current = self.stack.currentWidget()
        names: dict[QWidget | None, str] = {
            self.nothing_page: "nothing",
            self.loading_page: "loading",
            self.empty_page: "empty",
            self.error_page: "error",
            self.chart_page: "chart",
        }
        return names.get(current, "nothing")

    def show_node(self, node: TreeNode | None) -> None:
        """Chart `node` (None or a kind without stats shows the "nothing to chart" page)."""
        self.set_target(ChartTarget.of(node))

    def set_target(self, target: ChartTarget | None) -> None:
        if target == self._target:
            return
        previous = self._target
        self._target = target
        self._cancel_load()
        self.report = None  # another entity's numbers are never shown under this title
        self._loaded_query = None
        if target is None:
            self.table_model.clear()
            self._update_header()
            self._update_controls()
            self._show_page(self.nothing_page)
            return
        if previous is None or previous.ad_account_id != target.ad_account_id:
            if self._preset != CUSTOM:  # "last 30 days" of the new account's zone
                self._first, self._last = preset_range(self._preset, today=self._today())
                self._apply_range_to_editors()
        choices = [kind for kind, _ in COMPARE_CHOICES[target.kind]]
        if self._compare not in choices:
            self._compare = None
        self._update_header()
        self._update_controls()
        self._load_if_visible()

    def set_range(self, first: date, last: date, *, preset: str = CUSTOM) -> None:
        """Chart the local days `first`..`last` (inclusive) of the account's zone."""
        if last < first:
            first, last = last, first
        self._preset = preset
        self._first, self._last = first, last
        if self._granularity == "HOUR" and not self.hour_allowed():
            self._granularity = "DAY"
        self._apply_range_to_editors()
        self._update_controls()
        self._load_if_visible()

    def set_preset(self, name: str) -> None:
        first, last = preset_range(name, today=self._today())
        self.set_range(first, last, preset=name)

    def set_granularity(self, granularity: str) -> None:
        granularity = granularity.upper()
        if granularity == "HOUR" and not self.hour_allowed():
            raise ValueError(f"hourly stats need a range of {HOUR_MAX_DAYS} days or less")
        if granularity == self._granularity:
            return
        self._granularity = granularity
        self._update_controls()
        self._load_if_visible()

    def set_compare(self, breakdown: str | None) -> None:
        """Compare the children of the target (`ad_squad`, `ad`, `campaign`) or stop (None)."""
        if breakdown == self._compare:
            return
        if breakdown is not None:
            if self._target is None:
                raise ValueError("nothing is charted")
            allowed = [kind for kind, _ in COMPARE_CHOICES[self._target.kind]]
            if breakdown not in allowed:
                raise ValueError(f"a {self._target.kind} can't be compared by {breakdown}")
            self._compare_metric = self._metrics[0] if self._metrics else "spend"
        self._compare = breakdown
        self._update_controls()
        self._load_if_visible()

    def set_metrics(self, metrics: Sequence[str]) -> None:
        """Chart these metrics (at most two units; in compare mode the first one)."""
        chosen: list[str] = []
        for metric in metrics:
            if metric not in CHART_METRICS:
                raise ValueError(f"unknown metric {metric!r}")
            chosen = limit_units(chosen, metric)
        if not chosen:
            raise ValueError("choose at least one metric")
        if self._compare:
            self._compare_metric = chosen[0]
        else:
            self._metrics = chosen
        self._update_controls()
        self._redraw()

    def set_top_only(self, on: bool) -> None:
        self.top_check.setChecked(on)

    def hour_allowed(self) -> bool:
        return (self._last - self._first).days + 1 <= HOUR_MAX_DAYS

    def reload(self, *, refresh: bool = False) -> None:
        """Fetch again now (from the cache where final; `refresh` re-asks Snap for open days)."""
        self._loaded_query = None
        self._pending_refresh = refresh
        self._load_if_visible()

    def export_title(self) -> ChartTitle:
        """The title block of an image export: the entity; then the metrics, the date range,
        the time zone and the currency of the report shown."""
        report, target = self.report, self._target
        if report is None or target is None:
            raise ValueError("nothing is charted: select an entity with stats first")
        title = f"{LABEL.get(target.kind, target.kind)} · {target.name}"
        if report.breakdown is not None:
            noun = dict(COMPARE_CHOICES.get(target.kind, ())).get(report.breakdown, "")
            title += f" — {noun.lower() or report.breakdown} compared"
        metrics = [self._compare_metric] if report.breakdown else self._metrics
        names = [metric_label(m) for m in metrics]
        named = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        step = "hourly" if report.granularity == "HOUR" else "daily"
        tz = report.account.tz
        noon = [
            datetime(day.year, day.month, day.day, 12, tzinfo=tz).tzname() or ""
            for day in (report.first_day, report.last_day)
        ]
        abbreviation = "/".join(dict.fromkeys(a for a in noon if a))
        zone = report.account.timezone or "UTC"
        zone_text = f"{zone} ({abbreviation})" if abbreviation and abbreviation != zone else zone
        subtitle = " · ".join(
            [
                f"{named}, {step}",
                format_date_range(report.first_day, report.last_day),
                f"Times in {zone_text}",
                f"Amounts in {report.currency}",
            ]
        )
        return ChartTitle(title=title, subtitle=subtitle)

    def export_image(self, path: str | Path) -> Path:
        """Write the chart as a PNG (2× pixels) or SVG image, chosen by the file's suffix."""
        suffix = Path(path).suffix.lower()
        if suffix == ".png":
            return self.export_png(path)
        if suffix == ".svg":
            return self.export_svg(path)
        raise ValueError(f"{Path(path).name}: choose a .png or .svg file name")

    def export_png(self, path: str | Path, *, scale: float = _chart_export.SCALE) -> Path:
        """Write the chart (title block, legend, plot, footnote) as a PNG image at `scale`
        device pixels per pixel on screen (2× by default)."""
        title = self.export_title()
        self.plot.hide_hover()
        with self.plot.export_pens(scale):
            image = _chart_export.render_png(self.chart_area, title, scale=scale)
        target = _chart_export.write_bytes(path, _chart_export.png_bytes(image))
        self._set_status(f"Saved the chart to {target} ({image.width()}×{image.height()} px)")
        emit(self.exported, str(target))
        return target

    def export_svg(self, path: str | Path) -> Path:
        """Write the chart (title block, legend, plot, footnote) as an SVG image."""
        title = self.export_title()
        self.plot.hide_hover()
        target = _chart_export.write_bytes(path, _chart_export.render_svg(self.chart_area, title))
        self._set_status(f"Saved the chart to {target}")
        emit(self.exported, str(target))
        return target

    def export_csv(self, path: str | Path) -> int:
        """Write the report's daily rows (snapdesk's export format). Returns the row count."""
        if self.report is None:
            raise ValueError("nothing is charted")
        if self.report.granularity != "DAY":
            raise ValueError("the CSV export is one row per day: switch to Day")
        count = write_export(path, self.report)
        self._set_status(f"Saved {count:,} rows to {path}")
        emit(self.exported, str(path))
        return count

    def export_totals_csv(self, path: str | Path) -> Path:
        target = Path(path)
        write_text(target, self.table_model.to_csv())  # atomic: no half-written file
        self._set_status(f"Saved the totals to {target}")
        emit(self.exported, str(target))
        return target

    # -- loading -------------------------------------------------------------------------------

    def _today(self) -> date:
        tz = self._target.tz if self._target is not None else ZoneInfo("UTC")
        return today_in(tz, self._now())

    def _query(self) -> StatsQuery | None:
        if self._target is None:
            return None
        return StatsQuery(
            ad_account_id=self._target.ad_account_id,
            kind=self._target.kind,
            entity_id=self._target.entity_id,
            first_day=self._first,
            last_day=self._last,
            granularity=self._granularity,
            breakdown=self._compare,
        )

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        QTimer.singleShot(0, self._load_if_visible)

    def _load_if_visible(self) -> None:
        self._reload_timer.stop()
        if not shiboken6.isValid(self) or not self.isVisible():
            return
        query = self._query()
        if query is None or (query == self._loaded_query and not self._pending_refresh):
            return
        self._start_load(query, refresh=self._pending_refresh)

    def _start_load(self, query: StatsQuery, *, refresh: bool) -> None:
        self._cancel_load()
        self._pending_refresh = False
        self._loaded_query = query
        service = self._services(query.ad_account_id)
        if service is None:
            self._error = None
            self.error_page.set_title("No Snap login for this ad account")
            self.error_page.set_text(
                "Sign in with the login that sees this ad account to chart it."
            )
            self._show_page(self.error_page)
            return
        self.loading_page.set_text(
            f"{html.escape(self._target.name if self._target else '')} · "
            f"{format_date_range(query.first_day, query.last_day)}"
        )
        self._show_page(self.loading_page)
        op = load_report(
            loop=self._loop, service=service, query=query, refresh=refresh, parent=self
        )
        op.succeeded.connect(functools.partial(self._on_load_op_succeeded, op, query))
        op.failed.connect(functools.partial(self._on_load_op_failed, op, query))
        self._op = op

    def _cancel_load(self) -> None:
        op, self._op = self._op, None
        if op is not None and op.running:
            op.cancel()

    def _on_load_op_succeeded(self, op: AsyncOp, query: StatsQuery, report: object) -> None:
        if op is not self._op or not isinstance(report, StatsReport):
            return  # a fetch the user moved away from
        self._op = None
        self.report = report
        self._error = None
        if self._target is not None and (
            self._target.currency != report.currency
            or self._target.timezone != report.account.timezone
        ):
            self._target = ChartTarget(
                ad_account_id=self._target.ad_account_id,
                kind=self._target.kind,
                entity_id=self._target.entity_id,
                name=self._target.name,
                currency=report.currency,
                timezone=report.account.timezone,
            )
            self._update_header()
        self._redraw()
        emit(self.report_loaded, report)

    def _on_load_op_failed(self, op: AsyncOp, query: StatsQuery, exc: object) -> None:
        if op is not self._op:
            return
        self._op = None
        self._loaded_query = None  # so Retry or showing the view again tries again
        self._error = exc if isinstance(exc, BaseException) else None
        self.report = None
        self.table_model.clear()
        self.error_page.set_title("Couldn't load the stats")
        self.error_page.set_text(html.escape(self.error_text(exc)))
        self._show_page(self.error_page)

    def error_text(self, exc: object) -> str:
        timezone = self._target.timezone if self._target else None
        if isinstance(exc, StatsError):
            return exc.message
        if isinstance(exc, ApiError) and exc.status == 400:
            return explain_stats_error(exc, timezone=timezone)
        if isinstance(exc, (SnapError, BaseException)):
            return error_message(exc)
        return str(exc)

    # -- drawing -------------------------------------------------------------------------------

    def _redraw(self) -> None:
        report = self.report
        if report is None or self.loading:
            return  # the report on its way is drawn when it arrives
        if not has_delivery(report):
            self.chart = None
            self.table_model.set_report(report)
            zone = report.account.timezone
            self.empty_page.set_text(
                f"Nothing was delivered {_range_phrase(report.first_day, report.last_day)} "
                f"({zone})."
            )
            span = (report.last_day - report.first_day).days + 1
            self.wider_button.setVisible(span < 90)
            self._update_controls()
            self._show_page(self.empty_page)
            return
        compare = report.breakdown is not None
        metrics = [self._compare_metric] if compare else self._metrics
        top = TOP_N if compare and self.top_check.isChecked() else None
        if self._arrays is None or self._arrays.report is not report:
            self._arrays = ReportArrays(report)
        chart = build_chart(self._arrays, metrics=metrics, compare=compare, top_n=top)
        self.chart = chart
        self.plot.sort_tooltip = compare
        self.plot.set_chart(
            chart,
            tz=report.account.tz,
            currency=report.currency,
            step=3600.0 if report.granularity == "HOUR" else 86400.0,
        )
        arrays = self._arrays
        self.table_model.set_report(
            report,
            chart.entity_colors if compare else {},
            {s.entity_id: arrays.totals(s.entity_id) for s in report.series},
        )
        self._fit_table()
        self._update_legend(chart, compare)
        self._update_footnote(report)
        self._update_controls()
        self._show_page(self.chart_page)

    def _update_legend(self, chart: ChartData, compare: bool) -> None:
        for entry in self.legend_entries:
            entry.hide()  # deleted later; hidden now so no stale entry is painted or grabbed
            entry.deleteLater()
        self.legend_entries = []
        self.legend_layout.clear()
        shown = chart.series[: TOP_N * 2]
        for s in shown:
            side = ""
            if not compare and chart.units[1] is not None:
                side = " (right axis)" if s.right else " (left axis)"
            entry = QLabel(
                f"<span style='color:{s.color}; font-size:14pt'>&#9644;</span>&nbsp;"
                f"{html.escape(s.label)}<span style='color:{theme.colors().muted}'>{side}</span>"
            )
            entry.setObjectName("legendEntry")
            entry.setToolTip(s.label)
            self.legend_layout.addWidget(entry)
            self.legend_entries.append(entry)
        rest = len(chart.series) - len(shown) + chart.hidden
        if rest:
            more = QLabel(
                f"+ {rest} more — colours in the table below"
                if len(chart.series) > len(shown)
                else f"+ {rest} more not drawn (Top {TOP_N} by spend)"
            )
            more.setObjectName("legendMore")
            self.legend_layout.addWidget(more)
            self.legend_entries.append(more)
        self.legend_host.updateGeometry()

    def _fit_table(self) -> None:
        """Give the totals table the height of its rows (up to 8), the chart the rest."""
        rows = min(6, max(1, self.table_model.rowCount()))
        self.table.setColumnWidth(0, max(140, min(240, self.table.width() // 6)))
        row_height = self.table.verticalHeader().defaultSectionSize()
        wanted = self.table.horizontalHeader().sizeHint().height() + rows * row_height + 6
        if self.table.horizontalScrollBar().isVisible() or self.table.width() < 900:
            wanted += self.table.horizontalScrollBar().sizeHint().height()
        total = sum(self.chart_page.sizes()) or self.chart_page.height()
        if total > 0:
            wanted = min(wanted, int(total * 0.36))
            self.chart_page.setSizes([total - wanted, wanted])

    def _update_footnote(self, report: StatsReport) -> None:
        parts = [f"Times in {report.account.timezone}"]
        if report.finalized_data_end_time is not None:
            final = report.finalized_data_end_time.astimezone(report.account.tz)
            parts.append(
                f"final up to {final.day} {final:%b, %H:%M}; later numbers may still change"
            )
        if report.requests:
            parts.append(f"{report.requests} request{'s' if report.requests != 1 else ''} to Snap")
        else:
            parts.append("from the cache")
        self.footnote.setText(" · ".join(parts))

    # -- controls ------------------------------------------------------------------------------

    def _show_page(self, page: QWidget) -> None:
        self.stack.setCurrentWidget(page)
        has_report = page is self.chart_page and self.report is not None
        self.export_png_action.setEnabled(has_report)
        self.export_totals_action.setEnabled(has_report)
        self.export_csv_action.setEnabled(has_report and self._granularity == "DAY")
        self.export_button.setEnabled(has_report)

    def _set_status(self, text: str) -> None:
        self.status_label.setText(text)

    def _update_header(self) -> None:
        target = self._target
        if target is None:
            self.title_label.setText("Performance")
            self.kind_icon.clear()
            self.zone_label.hide()
            return
        self.kind_icon.setPixmap(theme.icon(target.kind).pixmap(16, 16))
        self.title_label.setText(f"{LABEL.get(target.kind, target.kind)} · {target.name}")
        self.title_label.setToolTip(f"{target.name}\n{target.entity_id}")
        zone = target.timezone or "UTC"
        abbreviation = datetime.now(UTC).astimezone(target.tz).tzname() or ""
        money = f" · {target.currency}" if target.currency else ""
        self.zone_label.setText(f"{zone} ({abbreviation}){money}")
        self.zone_label.show()

    def _apply_range_to_editors(self) -> None:
        self._updating = True
        try:
            today = self._today()
            for edit in (self.first_edit, self.last_edit):
                edit.setMinimumDate(QDate(_EARLIEST.year, _EARLIEST.month, _EARLIEST.day))
                edit.setMaximumDate(QDate(today.year, today.month, today.day))
            self.first_edit.setDate(QDate(self._first.year, self._first.month, self._first.day))
            self.last_edit.setDate(QDate(self._last.year, self._last.month, self._last.day))
            index = self.preset_combo.findData(self._preset)
            self.preset_combo.setCurrentIndex(
                index if index >= 0 else self.preset_combo.count() - 1
            )
        finally:
            self._updating = False

    def _update_controls(self) -> None:
        self._updating = True
        try:
            target = self._target
            enabled = target is not None
            for widget in (
                self.preset_combo,
                self.first_edit,
                self.last_edit,
                self.day_button,
                self.metrics_host,
                self.refresh_button,
            ):
                widget.setEnabled(enabled)
            days = (self._last - self._first).days + 1
            hour_ok = enabled and self.hour_allowed()
            self.hour_button.setEnabled(hour_ok)
            self.hour_button.setToolTip(
                "One point per hour (every metric of the chart, conversions included)"
                if hour_ok
                else f"Hourly stats need a range of {HOUR_MAX_DAYS} days or less "
                f"(this range has {days} days)"
            )
            (self.hour_button if self._granularity == "HOUR" else self.day_button).setChecked(True)

            self.compare_combo.clear()
            self.compare_combo.addItem("Compare: off", None)
            choices = COMPARE_CHOICES[target.kind] if target is not None else ()
            for kind, text in choices:
                self.compare_combo.addItem(f"Compare: {text.lower()}", kind)
            index = self.compare_combo.findData(self._compare) if self._compare else 0
            self.compare_combo.setCurrentIndex(max(0, index))
            self.compare_combo.setVisible(bool(choices))
            self.compare_combo.setEnabled(enabled and bool(choices))
            entities = len(self.report.series) if self.report and self._compare else 0
            self.top_check.setVisible(self._compare is not None)
            self.top_check.setEnabled(entities > TOP_N)

            selected = [self._compare_metric] if self._compare else self._metrics
            colors = {}
            if not self._compare and self.chart is not None:
                colors = {s.metric: s.color for s in self.chart.series}
            for metric, button in self.metric_buttons.items():
                button.setEnabled(enabled)
                button.setChecked(metric in selected)
                color = colors.get(metric)
                button.setIcon(_dot_icon(color) if color and metric in selected else QIcon())
                unit = unit_of(metric)
                button.setToolTip(
                    f"{metric_label(metric)} ({unit}); a chart shows two units at most"
                    if not self._compare
                    else f"Compare {metric_label(metric)} across the lines"
                )
        finally:
            self._updating = False

    # -- slots ---------------------------------------------------------------------------------

    def _on_preset_combo_changed(self, _index: int) -> None:
        if self._updating:
            return
        name = self.preset_combo.currentData()
        if name == CUSTOM:
            self._preset = CUSTOM
            return
        self.set_preset(str(name))

    def _on_date_edit_changed(self, _date: QDate) -> None:
        if self._updating:
            return
        first = self.first_edit.date().toPython()
        last = self.last_edit.date().toPython()
        assert isinstance(first, date) and isinstance(last, date)
        if last < first:
            if self.sender() is self.first_edit:
                last = first
            else:
                first = last
        self._preset = CUSTOM
        self._first, self._last = first, last
        if self._granularity == "HOUR" and not self.hour_allowed():
            self._granularity = "DAY"
        self._apply_range_to_editors()
        self._update_controls()
        self._reload_timer.start()  # typing a date changes it several times

    def _on_granularity_group_toggled(self, button: QPushButton, checked: bool) -> None:
        if self._updating or not checked:
            return
        self.set_granularity("HOUR" if button is self.hour_button else "DAY")

    def _on_compare_combo_changed(self, _index: int) -> None:
        if self._updating:
            return
        data = self.compare_combo.currentData()
        self.set_compare(str(data) if data else None)

    def _on_top_check_toggled(self, _checked: bool) -> None:
        if not self._updating:
            self._redraw()

    def _on_metric_button_toggled(self, metric: str, checked: bool) -> None:
        if self._updating:
            return
        if self._compare:
            self._compare_metric = metric
        elif checked:
            before = list(self._metrics)
            self._metrics = limit_units(self._metrics, metric)
            dropped = [m for m in before if m not in self._metrics]
            if dropped:
                self._set_status(
                    "A chart has two axes: "
                    + ", ".join(metric_label(m) for m in dropped)
                    + " hidden to show "
                    + metric_label(metric)
                )
        elif len(self._metrics) > 1:
            self._metrics = [m for m in self._metrics if m != metric]
        self._update_controls()
        self._redraw()
        self._update_controls()

    def _on_refresh_button_clicked(self) -> None:
        self.reload(refresh=True)

    def _on_retry_button_clicked(self) -> None:
        self.reload()

    def _on_wider_button_clicked(self) -> None:
        self.set_preset("last_90_days")

    def _ask_path(self, title: str, suffix: str, filter_text: str) -> str | None:
        target = self._target
        name = _slug(target.name) if target else "stats"
        default = f"{name}-{self._first.isoformat()}-{self._last.isoformat()}.{suffix}"
        path, _ = QFileDialog.getSaveFileName(self, title, default, filter_text)
        if not path:
            return None
        return path if path.lower().endswith(f".{suffix}") else f"{path}.{suffix}"

    def _on_export_png_action_triggered(self) -> None:
        target = self._target
        name = _slug(target.name) if target else "stats"
        default = f"{name}-{self._first.isoformat()}-{self._last.isoformat()}.png"
        path, chosen = QFileDialog.getSaveFileName(
            self, "Export the chart", default, f"{PNG_FILTER};;{SVG_FILTER}"
        )
        if not path:
            return
        if Path(path).suffix.lower() not in (".png", ".svg"):
            path = f"{path}.{'svg' if chosen == SVG_FILTER else 'png'}"
        try:
            self.export_image(path)
        except (OSError, ValueError) as exc:
            self._set_status(f"Couldn't export: {exc}")

    def _on_export_csv_action_triggered(self) -> None:
        path = self._ask_path("Export daily stats", "csv", "CSV file (*.csv)")
        if path:
            try:
                self.export_csv(path)
            except (OSError, ValueError) as exc:
                self._set_status(f"Couldn't export: {exc}")

    def _on_export_totals_action_triggered(self) -> None:
        path = self._ask_path("Export the totals", "csv", "CSV file (*.csv)")
        if path:
            try:
                self.export_totals_csv(path)
            except OSError as exc:
                self._set_status(f"Couldn't export: {exc}")


def _range_phrase(first: date, last: date) -> str:
    if first == last:
        return f"on {format_date_range(first, last)}"
    return f"between {format_date_range(first, first)} and {format_date_range(last, last)}"
