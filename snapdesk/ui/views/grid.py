"""`GridView`: the editor's grid — every campaign, ad squad or ad of the tree's selection in
sortable columns, settings beside performance, with search, filter chips, a column chooser,
saved views, a date range for the performance columns and a totals row per currency.

    grid = GridView(store=session.store, state=app_state, services=stats.for_account,
                    paths=session.paths, loop=loop)
    grid.set_scope(Scope.accounts([account_id], label="Harbour UK"))
    grid.set_level(AD_SQUAD)
    grid.go_to(AD_SQUAD, squad_id, "bid_micro")    # the cell, focused (filters cleared if needed)

Rows come from the cache with pending changes applied (`snapdesk.grid.rows`); the model
(`snapdesk.ui.models.grid.GridModel`) filters and sorts them itself. Loading happens when the
grid is shown: a selection made while another tab is in front is read when the grid comes to
the front. Performance opens from the stats cache at once (`cached_perf`); "Refresh stats"
fetches one breakdown query per ad account in the background (`fetch_perf` on the window's
qasync loop) and replaces those figures, keeping the cached ones of an account that failed.
What changed in the cache or the pending changes reaches the grid through
`AppState.operation_did_execute`: only the rows a change touched are read again.

Signals: `rows_reloaded()` after the rows were (re)read; `export_requested()` /
`import_requested()` from the toolbar's Export… / Import…; `stats_refreshed(object)` with the
error per ad account after a refresh (empty when every account was fetched);
`message_posted(str, bool)` for the status bar.
"""

from __future__ import annotations

import asyncio
import functools
import html
import json
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

import shiboken6
from PySide6.QtCore import (
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QFont, QFontMetrics, QKeyEvent, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from snapdesk.api import SnapError
from snapdesk.changes import EditService
from snapdesk.config import Paths
from snapdesk.core.kinds import AD, AD_ACCOUNT, AD_SQUAD, CAMPAIGN, ORGANIZATION, PLURAL
from snapdesk.core.validation import entity_field
from snapdesk.grid.columns import COLUMNS, LEVEL_NAMES, Column, columns_for, default_visible
from snapdesk.grid.perf import DateRange, Perf, cached_perf, fetch_perf
from snapdesk.grid.query import Condition, FilterSpec, QueryError, RowCache
from snapdesk.grid.rows import (
    LEVEL_KINDS,
    AccountInfo,
    GridRow,
    Scope,
    count_rows,
    load_rows,
    refresh_rows,
)
from snapdesk.grid.views import SavedView, ViewStore
from snapdesk.store import Store
from snapdesk.store.feed import OpChanges
from snapdesk.ui import theme
from snapdesk.ui._signals import emit
from snapdesk.ui.dialogs._widgets import Banner
from snapdesk.ui.models.grid import BUDGET_FIELDS, GridModel
from snapdesk.ui.models.grid_totals import GridTotalsModel, sums
from snapdesk.ui.models.tree_nodes import TreeNode
from snapdesk.ui.ops._op import AsyncOp, error_message
from snapdesk.ui.views._grid_toolbar import (
    ColumnChooser,
    ConditionDialog,
    FilterBar,
    GridToolbar,
    column_choices,
    stylesheet,
)
from snapdesk.ui.views.grid_editing import GridEditController
from snapdesk.ui.views.states import StatePage

__all__ = ["GridTarget", "GridView", "focus_is_inside", "target_for_nodes"]

NO_SELECTION_TITLE: Final = "Select accounts in the tree…"
NO_SELECTION_TEXT: Final = (
    "Choose an organization, an ad account, a campaign or an ad squad on the left to see its "
    "campaigns, ad squads or ads here, settings and performance side by side."
)
NO_MATCH_TITLE: Final = "No rows match"
ROW_HEIGHT: Final = 28
HEADER_ROOM: Final = 30  # a header's padding (8 + 8) and a margin (the sort arrow sits above)
# From this many rows the cached figures are read on a worker thread after the rows show.
BACKGROUND_PERF_ROWS: Final = 5000
TOTALS_DELAY_MS: Final = 60
ESTIMATE_DELAY_MS: Final = 400  # after a scroll or a change, before estimates are looked up
ESTIMATE_BATCH: Final = 24  # ad squads estimated per background round
ESTIMATE_PARALLEL: Final = 4
PREPARE_SLICE: Final = 2500  # rows of a performance column computed per idle slice (~5 ms)
WARM_DELAY_MS: Final = 150
# Above this many touched rows a change reloads everything (cheaper than a long IN list).
_INCREMENTAL_MAX: Final = 3000


def _narrowed(scope: Scope | None) -> bool:
    return scope is not None and bool(scope.campaign_id or scope.ad_squad_id)


def _spec_text(squad: dict[str, Any], goal: str | None) -> str:
    return json.dumps([squad, goal], sort_keys=True, default=str)


def _narrow(rows: list[GridRow], level: str, scope: Scope) -> list[GridRow]:
    """The scope's own entity when the grid shows its level (a campaign's scope at the
    Campaigns level is that campaign, not every campaign of its account)."""
    if level == CAMPAIGN and scope.campaign_id:
        return [r for r in rows if r.id == scope.campaign_id]
    if level == AD_SQUAD and scope.ad_squad_id:
        return [r for r in rows if r.id == scope.ad_squad_id]
    return rows


# -- the tree's selection as a scope ---------------------------------------------------------


@dataclass(frozen=True)
class GridTarget:
    """What the grid shows for a tree selection: the scope, the level it calls for (None: the
    level the user chose last) and a row to select (an ad picked in the tree)."""

    scope: Scope
    level: str | None = None
    entity_id: str | None = None


def _ancestor(node: TreeNode, kind: str) -> TreeNode | None:
    parent = node.parent
    while parent is not None:
        if parent.kind == kind:
            return parent
        parent = parent.parent
    return None


def target_for_nodes(store: Store, nodes: Sequence[TreeNode]) -> GridTarget | None:
    """The grid's scope for tree nodes: an organization → its ad accounts, an ad account →
    itself, a campaign → its ad squads, an ad squad → its ads, an ad → its ad squad's ads with
    the ad selected, a library folder → its account; several nodes → the union of their ad
    accounts. None when nothing is selected."""
    if not nodes:
        return None
    if len(nodes) == 1:
        node = nodes[0]
        name = node.display_name
        account = node.account.id if node.account is not None else None
        if node.kind == ORGANIZATION:
            ids = [a.id for a in store.ad_accounts(node.id)]
            return GridTarget(Scope.accounts(ids, label=name))
        if node.kind == AD_ACCOUNT:
            return GridTarget(Scope.accounts([node.id], label=name))
        if account is None:
            return None
        if node.kind == CAMPAIGN:
            scope = Scope(ad_account_ids=(account,), campaign_id=node.id, label=name)
            return GridTarget(scope, AD_SQUAD)
        if node.kind == AD_SQUAD:
            campaign = _ancestor(node, CAMPAIGN)
            scope = Scope(
                ad_account_ids=(account,),
                campaign_id=campaign.id if campaign is not None else None,
                ad_squad_id=node.id,
                label=name,
            )
            return GridTarget(scope, AD)
        if node.kind == AD:
            squad = _ancestor(node, AD_SQUAD)
            campaign = _ancestor(node, CAMPAIGN)
            if squad is None:
                return GridTarget(Scope.accounts([account], label=account), AD, node.id)
            scope = Scope(
                ad_account_ids=(account,),
                campaign_id=campaign.id if campaign is not None else None,
                ad_squad_id=squad.id,
                label=squad.display_name,
            )
            return GridTarget(scope, AD, node.id)
        label = node.account.name if node.account is not None and node.account.name else account
        return GridTarget(Scope.accounts([account], label=label or ""))
    ids = []
    for node in nodes:
        if node.kind == ORGANIZATION:
            ids.extend(a.id for a in store.ad_accounts(node.id))
        elif node.kind == AD_ACCOUNT:
            ids.append(node.id)
        elif node.account is not None:
            ids.append(node.account.id)
    if not ids:
        return None
    return GridTarget(Scope.accounts(ids))


# -- helpers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _PerfRequest:
    """What reading cached figures needs, taken on the GUI thread (the worker touches no
    widget and no row)."""

    level: str
    window: DateRange
    now: datetime | None
    accounts: dict[str, AccountInfo]
    ids: dict[str, list[str]]


PerfThen = Callable[[dict[str, Perf]], None]


@dataclass
class _Preparation:
    """The performance columns' values being computed a slice at a time while idle."""

    cache: RowCache
    columns: list[Column]
    column: int = 0
    start: int = 0
    values: list[Any] = field(default_factory=list)


class _PerfReader(QObject):
    """Carries figures read on a worker thread back to the GUI thread (a queued signal)."""

    read = Signal(int, object)


# -- widgets ---------------------------------------------------------------------------------


TOTALS_MAX_ROWS: Final = 3


class _TotalsTable(QTableView):
    """The totals under the grid: no headers or scroll bars of its own; it follows the grid's
    column widths and horizontal scrolling."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("gridTotals")
        self.setAccessibleName("Totals per currency")
        self.horizontalHeader().hide()
        self.verticalHeader().hide()
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # the grid scrolls per pixel and hands this table its scroll bar value: read it in
        # pixels too (per item, the totals slid columns away from their figures)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setWordWrap(False)
        self.setShowGrid(False)
        self.setTabKeyNavigation(False)
        self.verticalHeader().setDefaultSectionSize(ROW_HEIGHT - 2)

    resized = Signal()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        emit(self.resized)

    def set_right_margin(self, pixels: int) -> None:
        self.setViewportMargins(0, 0, pixels, 0)
        # the scroll range follows the narrower viewport now, not at the next resize (the
        # totals stopped 14 px short of the grid at the far right)
        self.updateGeometries()

    def fit_height(self) -> None:
        """Tall enough for every totals row, up to TOTALS_MAX_ROWS (the grid keeps its room on
        a 1280x800 screen; the wheel scrolls the rest, the all-currency row comes first)."""
        rows = self.model().rowCount() if self.model() is not None else 0
        shown = min(rows, TOTALS_MAX_ROWS)
        self.setFixedHeight(shown * self.verticalHeader().defaultSectionSize() + 2)
        self.setToolTip(
            f"{rows} totals rows: scroll with the wheel to see them all" if rows > shown else ""
        )


class GridView(QWidget):
    rows_reloaded = Signal()
    export_requested = Signal()
    import_requested = Signal()
    stats_refreshed = Signal(object)
    message_posted = Signal(str, bool)

    def __init__(
        self,
        *,
        store: Store,
        state: Any = None,
        services: Callable[[str], Any] | None = None,
        paths: Paths | None = None,
        loop: asyncio.AbstractEventLoop | None = None,
        now: Callable[[], datetime] | None = None,
        edits: EditService | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._state = state
        self._services = services
        self._loop = loop
        self._now = now
        self.views: ViewStore | None = ViewStore.for_paths(paths) if paths is not None else None
        #: The grid's edit controller (set by whoever adds editing; None: read-only grid).
        self.edits: Any = None
        self._scope: Scope | None = None
        self._level = CAMPAIGN
        self._account_level = CAMPAIGN  # the level chosen last outside a campaign / ad squad
        self._range = DateRange()
        self._stale = True
        self._widths: dict[str, int] = {}
        self._columns_by_level: dict[str, list[str]] = {}
        self._applying_widths = False
        self._current_view: str | None = None
        self._op: AsyncOp | None = None
        self._op_key: tuple[Any, ...] | None = None
        self._perf_source = "cache"
        self._fetched_at: datetime | None = None
        self.stats_errors: dict[str, str] = {}
        self._pending_select: str | None = None
        self._rows_version = 0
        self._perf_version = 0
        self._perf_generation = 0
        self._perf_waiting: dict[int, Callable[[dict[str, Perf]], None]] = {}
        self._perf_reading = False
        self._totals_key: tuple[Any, ...] | None = None
        self._perf_reader = _PerfReader(self)
        self._perf_threads: list[threading.Thread] = []  # reading cached figures
        self._perf_reader.read.connect(self._on_perf_reader_read)
        self._preparation: _Preparation | None = None
        self._preparing = False
        self.condition_dialog: ConditionDialog | None = None
        self.save_dialog: QInputDialog | None = None
        self.model = GridModel(CAMPAIGN, self)
        self.totals_model = GridTotalsModel(self)
        # Snap's audience size / bid estimates for the ad squads on screen (set_targeting)
        self._targeting: Any = None
        self._estimate_op: AsyncOp | None = None
        self._estimating: set[str] = set()
        # ad squad id -> (why Snap gave no estimate, for which spec): not asked again until
        # the targeting changes
        self.estimate_errors: dict[str, tuple[str, str]] = {}
        self._estimate_timer = QTimer(self)
        self._estimate_timer.setSingleShot(True)
        self._estimate_timer.setInterval(ESTIMATE_DELAY_MS)
        self._estimate_timer.timeout.connect(self._update_estimates)
        self._setup_ui()
        self.edits = GridEditController(
            self.table,
            self.model,
            edits=edits if edits is not None else EditService(store=store),
            state=state,
            store=store,
            parent=self,
        )
        self.edits.message.connect(self.message_posted)
        self.model.shown_changed.connect(self._on_model_shown_changed)
        self.model.perf_changed.connect(self._on_model_perf_changed)
        self.model.modelReset.connect(self._on_model_reset)
        if state is not None:
            state.operation_did_execute.connect(self._on_state_operation_did_execute)
        self._on_model_reset()
        self._update_views_ui()
        if self.views is not None and self.views.messages:
            self._show_banner(
                "warning",
                "<b>Saved views:</b> " + "<br>".join(html.escape(m) for m in self.views.messages),
            )
        self._update_page()

    # -- construction --------------------------------------------------------------------------

    def _setup_ui(self) -> None:
        self.setObjectName("gridView")
        theme.follow(self, lambda _c: stylesheet())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 6)
        layout.setSpacing(8)

        self.toolbar = GridToolbar()
        self.toolbar.level_chosen.connect(self._on_toolbar_level_chosen)
        self.toolbar.search_changed.connect(self._on_toolbar_search_changed)
        self.toolbar.range_chosen.connect(self._on_toolbar_range_chosen)
        self.toolbar.refresh_clicked.connect(self._on_toolbar_refresh_clicked)
        self.toolbar.view_chosen.connect(self._on_toolbar_view_chosen)
        self.toolbar.save_view_clicked.connect(self._on_toolbar_save_view_clicked)
        self.toolbar.delete_view_clicked.connect(self._on_toolbar_delete_view_clicked)
        self.toolbar.export_clicked.connect(self._on_toolbar_export_clicked)
        self.toolbar.import_clicked.connect(self._on_toolbar_import_clicked)
        self.export_button = self.toolbar.export_button
        self.import_button = self.toolbar.import_button
        self.search_edit: QLineEdit = self.toolbar.search_edit
        layout.addWidget(self.toolbar)

        filter_row = QHBoxLayout()
        filter_row.setSpacing(10)
        self.filter_bar = FilterBar()
        self.filter_bar.row_condition_chosen.connect(self._on_filter_bar_row_condition_chosen)
        self.filter_bar.column_chosen.connect(self._on_filter_bar_column_chosen)
        self.filter_bar.removed.connect(self._on_filter_bar_removed)
        self.filter_bar.cleared.connect(self.clear_filters)
        filter_row.addWidget(self.filter_bar, 1)
        self.count_label = QLabel()
        self.count_label.setObjectName("gridCount")
        filter_row.addWidget(self.count_label, 0, Qt.AlignmentFlag.AlignVCenter)
        self.column_chooser = ColumnChooser()
        self.column_chooser.columns_changed.connect(self._on_column_chooser_columns_changed)
        filter_row.addWidget(self.column_chooser, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(filter_row)

        self.progress_frame = QFrame()
        self.progress_frame.setObjectName("statsProgress")
        progress_row = QHBoxLayout(self.progress_frame)
        progress_row.setContentsMargins(10, 6, 8, 6)
        progress_row.setSpacing(10)
        self.progress_label = QLabel()
        progress_row.addWidget(self.progress_label)
        self.progress_bar = QProgressBar()
        self.progress_bar.setTextVisible(False)
        self.progress_bar.setFixedWidth(180)
        progress_row.addWidget(self.progress_bar)
        progress_row.addStretch(1)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop fetching; accounts already fetched stay updated")
        self.cancel_button.clicked.connect(self.cancel_refresh)
        progress_row.addWidget(self.cancel_button)
        self.progress_frame.hide()
        layout.addWidget(self.progress_frame)

        self.banner = Banner("warning")
        self.banner_close = QPushButton("Dismiss")
        self.banner_close.clicked.connect(self._hide_banner)
        self.banner.add_widget(self.banner_close)
        self.banner.hide()
        layout.addWidget(self.banner)

        self.stack = QStackedWidget()
        layout.addWidget(self.stack, 1)

        self.table_page = QWidget()
        table_layout = QVBoxLayout(self.table_page)
        table_layout.setContentsMargins(0, 0, 0, 0)
        table_layout.setSpacing(0)
        self.table = QTableView()
        self.table.setObjectName("gridTable")
        self.table.setAccessibleName("Grid")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTabKeyNavigation(False)
        self.table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        vertical = self.table.verticalHeader()
        vertical.hide()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(ROW_HEIGHT)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setStretchLastSection(False)
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(True)
        header.setSortIndicatorClearable(True)
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        header.setMinimumSectionSize(48)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setTextElideMode(Qt.TextElideMode.ElideRight)
        header.sortIndicatorChanged.connect(self._on_header_sort_indicator_changed)
        header.sectionResized.connect(self._on_header_section_resized)
        table_layout.addWidget(self.table, 1)

        self.totals_table = _TotalsTable()
        self.totals_table.setModel(self.totals_model)
        self.table.horizontalScrollBar().rangeChanged.connect(self._match_totals_width)
        self.totals_table.resized.connect(self._match_totals_width)
        self.totals_table.horizontalScrollBar().rangeChanged.connect(self._resync_totals_scroll)
        self.table.horizontalScrollBar().valueChanged.connect(self._resync_totals_scroll)
        self.table.verticalScrollBar().rangeChanged.connect(self._on_table_vscroll_range_changed)
        self.totals_table.hide()  # until there are figures to sum
        table_layout.addWidget(self.totals_table)
        self.stack.addWidget(self.table_page)

        self.no_selection_page = StatePage(
            icon="organization", title=NO_SELECTION_TITLE, text=NO_SELECTION_TEXT
        )
        self.all_accounts_button = self.no_selection_page.add_button(
            "Show all ad accounts", self._on_all_accounts_clicked
        )
        self.stack.addWidget(self.no_selection_page)
        self.empty_page = StatePage(icon="search", title="Nothing here")
        self.stack.addWidget(self.empty_page)
        self.no_match_page = StatePage(
            icon="search",
            title=NO_MATCH_TITLE,
            text="The search and the filters hide every row.",
        )
        self.clear_filters_button = self.no_match_page.add_button(
            "Clear filters", self.clear_filters, primary=True
        )
        self.stack.addWidget(self.no_match_page)

        # Esc in the search box: clear it, then back to the table (a key of the box, not a
        # window shortcut: the registry in snapdesk.ui.shortcuts owns those)
        self.search_edit.installEventFilter(self)

        # The totals follow a moment after the table (a burst of typing sums once).
        self._totals_timer = QTimer(self)
        self._totals_timer.setSingleShot(True)
        self._totals_timer.setInterval(TOTALS_DELAY_MS)
        self._totals_timer.timeout.connect(self._update_totals)
        self._prepare_timer = QTimer(self)
        self._prepare_timer.setSingleShot(True)
        self._prepare_timer.timeout.connect(self._on_prepare_timer_timeout)
        # While the user looks, the sort keys of the shown columns are computed, one column
        # per turn of the event loop, so a header click finds them ready.
        self._warm_queue: list[str | None] = []
        self._warm_timer = QTimer(self)
        self._warm_timer.setSingleShot(True)
        self._warm_timer.setInterval(WARM_DELAY_MS)
        self._warm_timer.timeout.connect(self._on_warm_timer_timeout)

    # -- the API others rely on ----------------------------------------------------------------

    @property
    def scope(self) -> Scope | None:
        return self._scope

    @property
    def level(self) -> str:
        return self._level

    @property
    def date_range(self) -> DateRange:
        return self._range

    @property
    def refreshing(self) -> bool:
        """From Refresh stats until its outcome is shown (cancelled, failed or done)."""
        return self._op is not None

    @property
    def perf_source(self) -> str:
        """ "cache" (figures read from the stats cache) or "fetched" (just refreshed)."""
        return self._perf_source

    def set_scope(self, scope: Scope | None, *, level: str | None = None) -> None:
        """Show the rows of `scope` (None: nothing selected) at `level` (None: the level chosen
        last). Read now when the grid is shown, else when it comes to the front."""
        if level is not None and level not in LEVEL_KINDS:
            raise ValueError(f"the grid shows campaigns, ad squads or ads, not {level!r}")
        if level is None:
            level = self._level if not _narrowed(self._scope) else self._account_level
            if _narrowed(scope):
                level = self._level
        if scope == self._scope and level == self._level and not self._stale:
            return
        if self.refreshing and scope != self._scope:
            self.cancel_refresh()
        self._scope = scope
        if not _narrowed(scope):
            self._account_level = level
        self._switch_level(level)
        self._stale = True
        self._load_if_shown()

    def set_level(self, level: str) -> None:
        """Show campaigns, ad squads or ads of the same scope."""
        if level not in LEVEL_KINDS:
            raise ValueError(f"the grid shows campaigns, ad squads or ads, not {level!r}")
        if not _narrowed(self._scope):
            self._account_level = level
        if level == self._level and not self._stale:
            return
        self._switch_level(level)
        self._stale = True
        self._load_if_shown()

    def reload(self) -> None:
        """Read every row of the scope again (keeping filters, sort and selection)."""
        self._load()

    def go_to(self, kind: str, entity_id: str, field: str | None = None) -> bool:
        """Bring the grid to the front at the cell of `entity_id` showing `field` (an API field
        or a column key; the name when no column shows it): the level switched if needed, the
        filters cleared if they hide the row, the column shown if hidden, the cell selected,
        scrolled to and focused. False when the entity is not in the cache."""
        if kind not in LEVEL_KINDS:
            return False
        self._bring_to_front()
        if kind != self._level:
            self.set_level(kind)
        self._ensure_loaded()
        if self.model.row_for(entity_id) is None:
            account = self._account_of(kind, entity_id)
            if account is None:
                return False
            info = self._store.ad_account(account)
            label = info.name if info is not None and info.name else account
            self.set_scope(Scope.accounts([account], label=label), level=kind)
            self._ensure_loaded()
            if self.model.row_for(entity_id) is None:
                return False
        key = self._column_for_field(field)
        if self.model.column_of(key) < 0:
            keys = [c.key for c in self.model.visible_columns()]
            self._set_columns([*keys, key])
        if not self.model.is_shown(entity_id):
            self.clear_filters()
        index = self.model.index_for(entity_id, key)
        if not index.isValid():
            return False
        self._select_index(index)
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
        return True

    def select(self, entity_id: str) -> bool:
        """Select the row of `entity_id` (its name cell) without taking the focus; when the
        rows are not read yet (the grid is behind another tab), once they are. Returns whether
        it was selected now."""
        if self._stale:
            self._pending_select = entity_id
            return False
        index = self.model.index_for(entity_id, None)
        if not index.isValid():
            return False
        self._select_index(index)
        return True

    def selected_rows(self) -> list[GridRow]:
        """The rows with a selected cell, in view order."""
        selection = self.table.selectionModel()
        rows = sorted({i.row() for i in selection.selectedIndexes()})
        return [self.model.row_at(r) for r in rows if 0 <= r < self.model.rowCount()]

    def shown_rows(self) -> list[GridRow]:
        """The rows the filters let through, in view order."""
        return self.model.rows()

    def visible_columns(self) -> list[Column]:
        return self.model.visible_columns()

    def focus_search(self) -> None:
        """Ctrl+F in the grid."""
        self.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_edit.selectAll()

    # -- columns, filters, sort, date range ------------------------------------------------------

    def set_columns(self, keys: Sequence[str]) -> None:
        """Show these columns (of this level) in this order."""
        self._set_columns(keys)

    def set_search(self, text: str) -> None:
        """Search now (the box waits for typing to pause)."""
        if self.search_edit.text() != text:
            self.search_edit.blockSignals(True)
            self.search_edit.setText(text)
            self.search_edit.blockSignals(False)
        self._apply_filter(self.model.filter_spec.with_text(text))

    def set_filter(self, spec: FilterSpec) -> None:
        self._apply_filter(spec)

    def add_condition(self, condition: Condition) -> None:
        """Add a filter chip; raises `QueryError` when the condition can't be used."""
        self._apply_filter(self.model.filter_spec.with_condition(condition))

    def remove_condition(self, position: int) -> None:
        self._apply_filter(self.model.filter_spec.without(position))

    def clear_filters(self) -> None:
        """No search text, no conditions."""
        if self.search_edit.text():
            self.search_edit.blockSignals(True)
            self.search_edit.clear()
            self.search_edit.blockSignals(False)
        self._apply_filter(FilterSpec())

    def set_sort(self, key: str | None, descending: bool = False) -> None:
        self.model.set_sort(key, descending)
        self._sync_sort_indicator()

    def set_date_range(self, window: DateRange) -> None:
        """Performance over `window`: the cached figures at once (Refresh stats fetches)."""
        self._range = window
        self.toolbar.set_date_range(window)
        if self._stale or self._scope is None:
            return
        self._reload_cached_perf()

    # -- stats -------------------------------------------------------------------------------

    def refresh_stats(self) -> AsyncOp | None:
        """Fetch the performance of every ad account of the scope for the date range (one
        breakdown query per account and 31 days) in the background. Returns the running op
        (None when there is nothing to fetch or no login to fetch with)."""
        if self.refreshing:
            return self._op
        if self._services is None or self._loop is None:
            self._say("No Snap login: the grid shows the cached stats", error=True)
            return None
        if self._scope is None:
            return None
        self._ensure_loaded()
        ids = self._scope_account_ids()
        if not ids:
            return None
        op = AsyncOp(loop=self._loop, name="grid-stats", parent=self)
        key = self._perf_key()
        op.progressed.connect(self._on_stats_op_progressed)
        op.succeeded.connect(functools.partial(self._on_stats_op_succeeded, key))
        op.failed.connect(self._on_stats_op_failed)
        op.cancelled.connect(self._on_stats_op_cancelled)
        op.finished.connect(self._on_stats_op_finished)
        self._op = op
        self._op_key = key
        self.progress_bar.setRange(0, len(ids))
        self.progress_bar.setValue(0)
        self.progress_label.setText(f"Fetching stats for {_accounts_phrase(len(ids))}…")
        self.progress_frame.show()
        self.toolbar.refresh_button.setEnabled(False)
        services = self._services
        op.start(
            fetch_perf(
                services,
                self._level,
                ids,
                self._range,
                now=self._now_value(),
                refresh=True,
                progress=lambda done, total, aid: op.report_progress((done, total, aid)),
            )
        )
        return op

    def cancel_refresh(self) -> None:
        if self._op is not None:
            self.progress_label.setText("Cancelling…")
            self._op.cancel()

    # -- saved views -------------------------------------------------------------------------

    def save_view(self, name: str) -> SavedView:
        """Save the columns (and widths), filters, sort and date range as `name` (replacing a
        view of that name). Raises ValueError for an unusable name, `OutputWriteError` when the
        file can't be written."""
        if self.views is None:
            raise ValueError("Saved views are not available here")
        header = self.table.horizontalHeader()
        columns = [c.key for c in self.model.visible_columns()]
        view = SavedView(
            name=name.strip(),
            level=self._level,
            columns=tuple(columns),
            filters=self.model.filter_spec,
            sort=self.model.sort_key,
            date_range=self._range,
            widths={key: header.sectionSize(i) for i, key in enumerate(columns)},
        )
        self.views.save(view)
        self._current_view = view.name
        self._update_views_ui()
        return view

    def apply_view(self, name: str) -> bool:
        """Show a saved view (its level, columns, filters, sort and date range)."""
        view = self.views.get(name) if self.views is not None else None
        if view is None:
            return False
        if view.level != self._level:
            self.set_level(view.level)
        self._widths.update(view.widths)
        self._set_columns(view.columns)
        self._apply_filter(view.filters)
        if view.sort is not None:
            self.model.set_sort(view.sort[0], view.sort[1])
        else:
            self.model.set_sort(None)
        self._sync_sort_indicator()
        if view.date_range != self._range:
            self.set_date_range(view.date_range)
        self._current_view = view.name
        self._update_views_ui()
        return True

    def delete_view(self, name: str) -> bool:
        if self.views is None or not self.views.delete(name):
            return False
        if self._current_view and self._current_view.casefold() == name.casefold():
            self._current_view = None
        self._update_views_ui()
        return True

    # -- estimates ---------------------------------------------------------------------------

    def set_targeting(self, services: Any) -> None:
        """Show Snap's audience size and bid estimates for ad squads (the Audience size and
        Suggested bid columns, and the targeting summary), from `services.estimates` — the
        cache the ad squad editor fills — fetching those missing for the rows on screen."""
        first = self._targeting is None
        self._targeting = services
        if first:
            self.table.verticalScrollBar().valueChanged.connect(self._schedule_estimates)
            self.model.modelReset.connect(self._schedule_estimates)
            self.model.shown_changed.connect(self._schedule_estimates)
            self.model.rowsInserted.connect(self._schedule_estimates)
        self._schedule_estimates()

    @property
    def estimating(self) -> bool:
        return self._estimate_op is not None and self._estimate_op.running

    def _schedule_estimates(self, *_args: object) -> None:
        if self._targeting is not None and self._level == AD_SQUAD:
            self._estimate_timer.start()

    def _rows_on_screen(self) -> list[GridRow]:
        count = self.model.rowCount()
        if count == 0:
            return []
        first = max(self.table.rowAt(0), 0)
        last = self.table.rowAt(self.table.viewport().height() - 1)
        last = count - 1 if last < 0 else last
        return [self.model.row_at(n) for n in range(first, min(last, count - 1) + 1)]

    def _update_estimates(self) -> None:
        """Give the rows on screen what the estimate cache knows; fetch what it doesn't (one
        batch at a time in the background, the UI never waits)."""
        services = self._targeting
        if services is None or self._level != AD_SQUAD or not self.isVisible():
            return
        estimates = services.estimates
        changed: list[GridRow] = []
        missing: list[tuple[str, str, dict[str, Any], str | None]] = []
        for row in self._rows_on_screen():
            targeting = row.data.get("targeting")
            if not isinstance(targeting, dict) or not targeting.get("geos"):
                continue
            squad = {"targeting": targeting, "placement_v2": row.data.get("placement_v2")}
            goal = row.data.get("optimization_goal")
            goal = str(goal) if goal else None
            reach = estimates.cached_reach(row.ad_account_id, squad)
            bid = estimates.cached_bid(row.ad_account_id, goal, targeting) if goal else None
            if reach != row.reach or bid != row.bid:
                row.reach, row.bid = reach, bid
                changed.append(row)
            stale = (
                reach is None or reach.stale or (goal is not None and (bid is None or bid.stale))
            )
            spec = _spec_text(squad, goal)
            failed = self.estimate_errors.get(row.id)
            if stale and row.id not in self._estimating and (failed is None or failed[1] != spec):
                missing.append((row.id, row.ad_account_id, squad, goal))
        self.model.estimates_changed(changed)
        if missing and not self.estimating and self._loop is not None:
            self._fetch_estimates(missing[:ESTIMATE_BATCH])

    def _fetch_estimates(self, items: list[tuple[str, str, dict[str, Any], str | None]]) -> None:
        services = self._targeting
        assert services is not None and self._loop is not None
        self._estimating = {item[0] for item in items}
        op = AsyncOp(loop=self._loop, name="grid-estimates", parent=self)
        op.succeeded.connect(self._on_estimate_op_succeeded)
        op.finished.connect(self._on_estimate_op_finished)
        self._estimate_op = op

        async def fetch() -> dict[str, tuple[str, str]]:
            gate = asyncio.Semaphore(ESTIMATE_PARALLEL)
            failures: dict[str, tuple[str, str]] = {}

            async def one(
                squad_id: str, account_id: str, squad: dict[str, Any], goal: str | None
            ) -> None:
                api = services.api(account_id)
                if api is None:
                    failures[squad_id] = (
                        "No Snap login for this ad account",
                        _spec_text(squad, goal),
                    )
                    return
                async with gate:
                    try:
                        await services.estimates.reach(api, account_id, squad)
                        if goal:
                            await services.estimates.bid(api, account_id, goal, squad["targeting"])
                    except SnapError as exc:
                        failures[squad_id] = (exc.message, _spec_text(squad, goal))

            await asyncio.gather(*(one(*item) for item in items))
            return failures

        op.start(fetch())

    def _on_estimate_op_succeeded(self, failures: object) -> None:
        if isinstance(failures, dict):
            self.estimate_errors.update(failures)

    def _on_estimate_op_finished(self) -> None:
        op, self._estimate_op = self._estimate_op, None
        self._estimating = set()
        if op is not None:
            op.deleteLater()
        self._update_estimates()  # what came back, and the next batch

    # -- Qt events -----------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            QTimer.singleShot(0, self._load_if_shown)
        self._schedule_estimates()

    # -- loading -------------------------------------------------------------------------------

    def _load_if_shown(self) -> None:
        if self._stale and self.isVisible():
            self._load()

    def _ensure_loaded(self) -> None:
        if self._stale:
            self._load()

    def _load(self) -> None:
        self._stale = False
        scope = self._scope
        if scope is None:
            self.model.set_rows([])
            self._update_counts()
            self._update_page()
            return
        rows = self._read_rows(scope)
        self._rows_version += 1
        small = len(rows) < BACKGROUND_PERF_ROWS
        if small:  # read at once: the rows arrive with their figures
            perf = self._cached_perf(self._perf_request(rows))
            for row in rows:
                row.perf = perf.get(row.id)
        self._perf_source = "cache"
        self.model.set_rows(rows)
        self._update_counts()
        self._update_page()
        if self._pending_select is not None:
            wanted, self._pending_select = self._pending_select, None
            self.select(wanted)
        emit(self.rows_reloaded)
        self._schedule_warm()
        if not small:  # many rows: shown now, their figures read in the background
            self._read_perf(rows, self._apply_cached_perf)

    def _read_rows(self, scope: Scope) -> list[GridRow]:
        return _narrow(load_rows(self._store, self._level, scope), self._level, scope)

    def _perf_request(self, rows: Iterable[GridRow]) -> _PerfRequest:
        accounts: dict[str, AccountInfo] = {}
        ids: dict[str, list[str]] = {}
        for row in rows:
            accounts[row.account.id] = row.account
            if not row.is_new:
                ids.setdefault(row.account.id, []).append(row.id)
        return _PerfRequest(self._level, self._range, self._now_value(), accounts, ids)

    def _cached_perf(self, request: _PerfRequest) -> dict[str, Perf]:
        if not request.accounts:
            return {}
        return cached_perf(
            self._store,
            request.level,
            list(request.accounts),
            request.window,
            now=request.now,
            accounts=request.accounts,
            entity_ids=request.ids,
        )

    def _read_perf(self, rows: Sequence[GridRow], then: PerfThen) -> None:
        """The cached figures of `rows`, handed to `then` on the GUI thread: at once for a
        small scope, from a worker thread for a big one (50,000 ads × 30 days is a second of
        SQL; the rows are usable meanwhile). A newer request makes an older one moot."""
        self._perf_generation += 1
        generation = self._perf_generation
        request = self._perf_request(rows)
        if len(rows) < BACKGROUND_PERF_ROWS:
            then(self._cached_perf(request))
            return
        self._perf_waiting[generation] = then
        self._perf_reading = True
        self._update_count_label()
        reader = self._perf_reader

        def work() -> None:
            try:
                result: object = self._cached_perf(request)
            except Exception as exc:  # the cache closed under us, or a bad file
                result = exc
            if shiboken6.isValid(reader):
                emit(reader.read, generation, result)

        # A plain Python thread, not QThreadPool.globalInstance().start(callable): Qt's global
        # pool outlives the interpreter and dropping a Python runnable after finalization
        # crashed the process at exit (SIGSEGV after the last test).
        thread = threading.Thread(target=work, name="snapdesk-grid-perf", daemon=True)
        self._perf_threads = [t for t in self._perf_threads if t.is_alive()] + [thread]
        thread.start()

    def _on_perf_reader_read(self, generation: int, result: object) -> None:
        then = self._perf_waiting.pop(generation, None)
        if generation != self._perf_generation or then is None:
            return
        self._perf_reading = False
        if isinstance(result, BaseException):
            self._say(f"Couldn't read the cached stats: {error_message(result)}", error=True)
            self._update_count_label()
            return
        if isinstance(result, dict):
            then(result)

    def _set_perf(self, perf: dict[str, Perf], source: str) -> None:
        """Show these figures; for a big scope, then compute the shown performance columns'
        values and sort keys a slice at a time while the user looks (a first click on Spend
        would otherwise do 0.15 s of Decimal arithmetic over 50,000 rows)."""
        self._perf_source = source
        self.model.set_perf(perf)
        self._update_count_label()
        rows = self.model.all_rows()
        columns = [c for c in self.model.visible_columns() if c.performance]
        if len(rows) < BACKGROUND_PERF_ROWS or not columns:
            self._preparation = None
            self._preparing = False
            return
        self._preparation = _Preparation(RowCache(rows), columns)
        self._preparing = True
        self._prepare_timer.start(WARM_DELAY_MS)

    def _on_prepare_timer_timeout(self) -> None:
        """One slice: PREPARE_SLICE rows of one column, or that column's keys and ranks."""
        job = self._preparation
        if job is None:
            self._preparing = False
            return
        rows = job.cache.rows
        column = job.columns[job.column]
        if job.start < len(rows):
            get = column.get
            job.values.extend(get(row) for row in rows[job.start : job.start + PREPARE_SLICE])
            job.start += PREPARE_SLICE
        else:
            job.cache.set_values(column, job.values)
            job.cache.ranks(column)
            if not self.model.adopt(job.cache):  # reloaded or other figures meanwhile
                self._preparation = None
                self._preparing = False
                return
            job.column += 1
            job.start = 0
            job.values = []
            if job.column >= len(job.columns):
                self._preparation = None
                self._preparing = False
                return
        self._prepare_timer.start(0)

    def _apply_cached_perf(self, perf: dict[str, Perf]) -> None:
        self._set_perf(perf, "cache")

    def _reload_cached_perf(self) -> None:
        self._read_perf(self.model.all_rows(), self._apply_cached_perf)

    @property
    def stats_loading(self) -> bool:
        """Cached figures are being read in the background (not shown yet)."""
        return self._perf_reading

    @property
    def stats_preparing(self) -> bool:
        """Shown figures' sort keys are being computed in idle slices."""
        return self._preparing

    def wait_for_stats(self, timeout_ms: int = 30_000, *, prepared: bool = True) -> bool:
        """Block (processing events) until the cached figures being read in the background
        are shown (and, with `prepared`, ready for sorting); for scripts and benchmarks.
        False on timeout."""
        deadline = time.monotonic() + timeout_ms / 1000
        while self._perf_reading or (prepared and self._preparing):
            if time.monotonic() > deadline:
                return False
            for thread in self._perf_threads:
                thread.join(0.01)
            QApplication.processEvents()
        return True

    def _perf_key(self) -> tuple[Any, ...]:
        return (self._level, self._scope, self._range)

    def _now_value(self) -> datetime | None:
        return self._now() if self._now is not None else None

    def _scope_account_ids(self) -> list[str]:
        scope = self._scope
        if scope is None:
            return []
        if scope.ad_account_ids is not None:
            return list(scope.ad_account_ids)
        return [a.id for a in self._store.ad_accounts()]

    def _switch_level(self, level: str) -> None:
        if level == self._level:
            return
        self._level = level
        self.model.set_level(level)
        remembered = self._columns_by_level.get(level)
        if remembered:
            self.model.set_columns(remembered)
        self.toolbar.levels.set_level(level)
        self.filter_bar.set_level(level)
        self._sync_filter_ui()

    def _update_counts(self) -> None:
        scope = self._scope
        counts: dict[str, int | None] = {}
        if scope is not None:
            for level in LEVEL_KINDS:
                if level == self._level:
                    counts[level] = self.model.total_count
                elif (level == CAMPAIGN and scope.campaign_id) or (
                    level == AD_SQUAD and scope.ad_squad_id
                ):
                    counts[level] = 1
                else:
                    counts[level] = count_rows(self._store, level, scope)
        self.toolbar.levels.set_counts(counts)

    # -- incremental refresh -------------------------------------------------------------------

    def _on_state_operation_did_execute(self, changes: object) -> None:
        if not isinstance(changes, OpChanges) or self._scope is None:
            return
        if not (changes.pending or changes.cache):
            return
        if self._stale:
            return  # read in full when shown
        if not self.isVisible():
            self._stale = True
            return
        scope_ids = set(self._scope_account_ids())
        if changes.everything or changes.organizations or (changes.accounts_replaced & scope_ids):
            self._load()
            return
        ids = self._touched_ids(changes)
        if not ids:
            return
        if len(ids) > _INCREMENTAL_MAX:
            self._load()
            return
        scope = self._scope
        rows = _narrow(refresh_rows(self._store, self._level, ids, scope), self._level, scope)
        found = {row.id for row in rows}
        removed = [i for i in ids if i not in found and self.model.row_for(i) is not None]
        if not rows and not removed:
            return
        self._rows_version += 1
        self.model.update_rows(rows, removed)
        self._update_counts()
        self._update_page()
        emit(self.rows_reloaded)

    def _touched_ids(self, changes: OpChanges) -> set[str]:
        """The rows of this level a change may have altered: the entities themselves, and the
        children of a changed campaign / ad squad / creative (whose names they show)."""
        level = self._level
        direct = {eid for kind, eid in changes.entities if kind == level}
        campaigns = {eid for kind, eid in changes.entities if kind == CAMPAIGN}
        squads = {eid for kind, eid in changes.entities if kind == AD_SQUAD}
        creatives = {eid for kind, eid in changes.entities if kind == "creative"}
        if level == CAMPAIGN or not (campaigns or squads or creatives):
            return direct
        for row in self.model.all_rows():
            if (
                (row.campaign_id in campaigns)
                or (level == AD and row.ad_squad_id in squads)
                or (level == AD and row.data.get("creative_id") in creatives)
            ):
                direct.add(row.id)
        return direct

    # -- helpers -------------------------------------------------------------------------------

    def _account_of(self, kind: str, entity_id: str) -> str | None:
        conn = self._store.reader()
        found = conn.execute(
            f"SELECT ad_account_id FROM {PLURAL[kind]} WHERE id = ?", (entity_id,)
        ).fetchone()
        if found is None:
            found = conn.execute(
                "SELECT ad_account_id FROM pending_changes WHERE entity_id = ? LIMIT 1",
                (entity_id,),
            ).fetchone()
        return str(found[0]) if found is not None and found[0] else None

    def _column_for_field(self, field: str | None) -> str:
        """The column to show `field` in: a shown one where possible (a budget field in the
        Budget column), else one to show, else the name."""
        allowed = {c.key for c in columns_for(self._level)}
        if not field:
            return "name"
        field = entity_field(field)  # a finding's part of a field (targeting.geos)
        if field in allowed:
            return field
        shown = self.model.visible_columns()
        budget = field in BUDGET_FIELDS and "budget" in allowed
        for column in shown:
            if column.field == field or (budget and column.key == "budget"):
                return column.key
        if budget:
            return "budget"
        for column in columns_for(self._level):
            if column.field == field:
                return column.key
        return "name"

    def _bring_to_front(self) -> None:
        widget: QWidget | None = self.parentWidget()
        while widget is not None:
            if isinstance(widget, QTabWidget) and widget.indexOf(self) >= 0:
                widget.setCurrentWidget(self)
                break
            widget = widget.parentWidget()

    def _select_index(self, index: QModelIndex) -> None:
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect
        self.table.selectionModel().setCurrentIndex(index, flags)
        self.table.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)

    def _say(self, text: str, *, error: bool = False) -> None:
        emit(self.message_posted, text, error)

    def _show_banner(self, kind: str, text: str) -> None:
        self.banner.set_kind(kind)
        self.banner.set_text(text)
        self.banner.show()

    def _hide_banner(self) -> None:
        self.banner.hide()

    # -- keeping the UI in step ------------------------------------------------------------------

    def _set_columns(self, keys: Sequence[str]) -> None:
        allowed = {c.key for c in columns_for(self._level)}
        wanted = [k for k in dict.fromkeys(keys) if k in allowed]
        if not wanted:
            wanted = default_visible(self._level)
        self._columns_by_level[self._level] = wanted
        before = [c.key for c in self.model.visible_columns()]
        self.model.set_columns(wanted)
        if before == wanted:
            self._apply_widths()

    def _apply_filter(self, spec: FilterSpec) -> None:
        self.model.set_filter(spec)
        self._sync_filter_ui()
        self._update_page()

    def _sync_filter_ui(self) -> None:
        spec = self.model.filter_spec
        self.filter_bar.set_conditions(spec.conditions, text=spec.text)
        if self.search_edit.text().strip() != spec.text.strip():
            self.search_edit.blockSignals(True)
            self.search_edit.setText(spec.text)
            self.search_edit.blockSignals(False)

    def _sync_sort_indicator(self) -> None:
        header = self.table.horizontalHeader()
        key = self.model.sort_key
        section = self.model.column_of(key[0]) if key is not None else -1
        order = (
            Qt.SortOrder.DescendingOrder
            if key is not None and key[1]
            else Qt.SortOrder.AscendingOrder
        )
        header.blockSignals(True)
        header.setSortIndicator(section, order)
        header.blockSignals(False)
        header.viewport().update()

    def _apply_widths(self) -> None:
        header = self.table.horizontalHeader()
        bold = QFont(header.font())
        bold.setBold(True)
        metrics = QFontMetrics(bold)
        self._applying_widths = True
        try:
            for i, column in enumerate(self.model.visible_columns()):
                # never narrower than its bold header, the padding and the sort arrow
                least = metrics.horizontalAdvance(column.header) + HEADER_ROOM
                width = self._widths.get(column.key, max(column.width, least))
                header.resizeSection(i, width)
                self.totals_table.setColumnWidth(i, width)
        finally:
            self._applying_widths = False

    def _update_views_ui(self) -> None:
        views = self.views.views() if self.views is not None else []
        self.toolbar.set_views(views, self._current_view)
        self.toolbar.views_combo.setEnabled(self.views is not None)
        self.toolbar.views_button.setEnabled(self.views is not None)

    def _update_page(self) -> None:
        scope = self._scope
        has_scope = scope is not None
        self.toolbar.setEnabled(has_scope)
        self.filter_bar.setEnabled(has_scope)
        self.column_chooser.setEnabled(has_scope)
        if scope is None:
            page: QWidget = self.no_selection_page
        elif self._stale:
            page = self.table_page
        elif self.model.total_count == 0:
            plural = LEVEL_NAMES[self._level].lower()
            self.empty_page.set_title(f"No {plural} in {scope.label}")
            self.empty_page.set_text(
                "Nothing in the cache yet: sync, or create one with New in the toolbar."
            )
            page = self.empty_page
        elif self.model.shown_count == 0:
            page = self.no_match_page
            spec = self.model.filter_spec
            parts = []
            if spec.text.strip():
                parts.append(f"the search “{html.escape(spec.text.strip())}”")
            if spec.conditions:
                n = len(spec.conditions)
                parts.append(f"{n} filter{'s' if n != 1 else ''}")
            self.no_match_page.set_text(
                f"{' and '.join(parts).capitalize() or 'The filters'} hide all "
                f"{self.model.total_count:,} {LEVEL_NAMES[self._level].lower()}."
            )
        else:
            page = self.table_page
        self.stack.setCurrentWidget(page)
        self._update_count_label()

    def _update_count_label(self) -> None:
        model = self.model
        plural = LEVEL_NAMES[self._level].lower()
        if self._scope is None:
            text = ""
        elif model.shown_count == model.total_count:
            text = f"{model.total_count:,} {plural}"
        else:
            text = f"{model.shown_count:,} of {model.total_count:,} {plural}"
        if text and any(c.performance for c in model.visible_columns()):
            if self._perf_reading:
                text += " · reading cached stats…"
            elif self._perf_source == "fetched" and self._fetched_at is not None:
                text += f" · stats fetched {self._fetched_at:%H:%M}"
            elif model.total_count and not any(r.perf is not None for r in model.all_rows()):
                text += " · no stats cached: Refresh stats"
            else:
                text += " · cached stats"
        self.count_label.setText(text)

    def _update_totals(self) -> None:
        model = self.model
        # sorting changes no sum: only other rows, other figures or other findings do
        key = (
            self._rows_version,
            self._perf_version,
            model.filter_spec,
            model.shown_count,
            id(model.severities),
        )
        if key == self._totals_key:
            return
        self._totals_key = key
        rows = model.rows()
        self.totals_model.set_rows(rows if any(r.perf is not None for r in rows) else [])
        self._span_totals_labels()
        self.totals_table.fit_height()
        self.totals_table.setVisible(self.totals_model.rowCount() > 0)

    def _span_totals_labels(self) -> None:
        """ "Total GBP · 8 rows" spans the columns that have nothing to sum before the first
        one that has."""
        table = self.totals_table
        table.clearSpans()
        columns = self.model.visible_columns()
        label = next((i for i, c in enumerate(columns) if not sums(c)), None)
        if label is None:
            return
        end = next((i for i in range(label + 1, len(columns)) if sums(columns[i])), len(columns))
        if end - label > 1:
            for row in range(self.totals_model.rowCount()):
                table.setSpan(row, label, 1, end - label)

    # -- slots ---------------------------------------------------------------------------------

    def _on_model_perf_changed(self) -> None:
        self._perf_version += 1
        self._schedule_warm()

    @property
    def warming(self) -> bool:
        """Sort keys are still being computed ahead (idle work)."""
        return bool(self._warm_queue)

    def _schedule_warm(self) -> None:
        """Queue the shown columns (name first, then left to right) and the search text."""
        if self.model.total_count < BACKGROUND_PERF_ROWS // 5:
            self._warm_queue = []
            return  # small: everything is computed in a blink when asked
        # a big scope's performance columns are prepared in slices (`_set_perf`)
        big = self.model.total_count >= BACKGROUND_PERF_ROWS
        keys: list[str | None] = [
            c.key for c in self.model.visible_columns() if not (big and c.performance)
        ]
        self._warm_queue = [None, *keys]
        self._warm_timer.start(WARM_DELAY_MS)

    def _on_warm_timer_timeout(self) -> None:
        if not self._warm_queue:
            return
        key = self._warm_queue.pop(0)
        self.model.warm(key)
        if self._warm_queue:
            self._warm_timer.start(0)

    def _on_model_shown_changed(self) -> None:
        self._totals_timer.start()
        self._update_count_label()

    def _on_model_reset(self) -> None:
        columns = self.model.visible_columns()
        self.totals_model.set_columns(columns)
        self._span_totals_labels()
        self._apply_widths()
        self._sync_sort_indicator()
        self.column_chooser.set_columns(
            self._level, [c.key for c in columns], default_visible(self._level)
        )
        self.table.setAccessibleName(f"Grid of {LEVEL_NAMES[self._level].lower()}")
        self._totals_timer.start()
        self._schedule_warm()

    def _on_header_sort_indicator_changed(self, section: int, order: Qt.SortOrder) -> None:
        self.model.sort(section, order)

    def _on_header_section_resized(self, section: int, _old: int, new: int) -> None:
        self.totals_table.setColumnWidth(section, new)
        if self._applying_widths or not 0 <= section < self.model.columnCount():
            return
        self._widths[self.model.column_at(section).key] = new

    def _on_table_vscroll_range_changed(self, _low: int, _high: int) -> None:
        self._match_totals_width()

    def _resync_totals_scroll(self, *_args: object) -> None:
        """The totals' columns at the grid's horizontal offset. Set on their header, which
        places the cells: the totals' own (hidden) scroll bar can end short of the grid's."""
        totals = self.totals_table
        offset = self.table.horizontalScrollBar().value()
        totals.horizontalScrollBar().setValue(offset)
        if totals.horizontalHeader().offset() != offset:
            totals.horizontalHeader().setOffset(offset)
            totals.viewport().update()

    def _match_totals_width(self, *_args: object) -> None:
        """The totals' viewport exactly as wide as the grid's (whose vertical scroll bar takes
        some of it), so both scroll the same pixels and line up at the far right too."""
        totals = self.totals_table
        margin = totals.viewportMargins().right()
        margin += totals.viewport().width() - self.table.viewport().width()
        if margin != totals.viewportMargins().right():
            totals.set_right_margin(max(0, margin))
            totals.horizontalScrollBar().setValue(self.table.horizontalScrollBar().value())

    def _on_toolbar_level_chosen(self, level: str) -> None:
        self.set_level(level)

    def _on_toolbar_search_changed(self, text: str) -> None:
        self._apply_filter(self.model.filter_spec.with_text(text))

    def _on_toolbar_range_chosen(self, window: object) -> None:
        if isinstance(window, DateRange):
            self.set_date_range(window)

    def _on_toolbar_refresh_clicked(self) -> None:
        self.refresh_stats()

    def _on_toolbar_view_chosen(self, name: str) -> None:
        if not self.apply_view(name):
            self._say(f"There is no saved view “{name}” any more", error=True)
            self._update_views_ui()

    def _on_toolbar_save_view_clicked(self) -> None:
        dialog = QInputDialog(self)
        dialog.setWindowTitle("Save view")
        dialog.setLabelText(
            "Name of the view (columns, filters, sort and date range of "
            f"{LEVEL_NAMES[self._level].lower()}):"
        )
        dialog.setTextValue(self._current_view or "")
        dialog.textValueSelected.connect(self._on_save_dialog_text_selected)
        dialog.finished.connect(dialog.deleteLater)
        self.save_dialog = dialog
        dialog.open()

    def _on_save_dialog_text_selected(self, name: str) -> None:
        self.save_dialog = None
        try:
            view = self.save_view(name)
        except (ValueError, OSError) as exc:
            self._show_banner("error", f"Couldn't save the view: {html.escape(str(exc))}")
            return
        self._say(f"Saved the view “{view.name}”")

    def _on_toolbar_delete_view_clicked(self) -> None:
        name = self.toolbar.current_view()
        if not name:
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Delete view",
            f"Delete the saved view “{name}”?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.accepted.connect(functools.partial(self._delete_view_confirmed, name))
        box.finished.connect(box.deleteLater)
        box.open()

    def _delete_view_confirmed(self, name: str) -> None:
        if self.delete_view(name):
            self._say(f"Deleted the view “{name}”")

    def _on_toolbar_export_clicked(self) -> None:
        emit(self.export_requested)

    def _on_toolbar_import_clicked(self) -> None:
        emit(self.import_requested)

    def _on_filter_bar_row_condition_chosen(self, op: str) -> None:
        self.add_condition(Condition("", op))

    def _on_filter_bar_column_chosen(self, key: str) -> None:
        column = COLUMNS[key]
        choices: list[str] = []
        if column.type in ("enum", "list"):
            choices = column_choices(column, (column.value(r) for r in self.model.all_rows()))
        dialog = ConditionDialog(column, choices=choices, parent=self)
        dialog.accepted.connect(functools.partial(self._on_condition_dialog_accepted, dialog))
        dialog.finished.connect(dialog.deleteLater)
        self.condition_dialog = dialog
        dialog.open()

    def _on_condition_dialog_accepted(self, dialog: ConditionDialog) -> None:
        self.condition_dialog = None
        condition = dialog.result_condition()
        if condition is None:
            return
        try:
            self.add_condition(condition)
        except QueryError as exc:
            self._say(str(exc), error=True)

    def _on_filter_bar_removed(self, position: int) -> None:
        self.remove_condition(position)

    def _on_column_chooser_columns_changed(self, keys: list[str]) -> None:
        self._set_columns(keys)

    def _on_all_accounts_clicked(self) -> None:
        self.set_scope(Scope.all())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.search_edit
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Escape
            and event.modifiers() == Qt.KeyboardModifier.NoModifier
        ):
            self._on_search_escape_pressed()
            return True
        return super().eventFilter(watched, event)

    def _on_search_escape_pressed(self) -> None:
        if self.search_edit.text():
            self.set_search("")
        else:
            self.table.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _on_stats_op_progressed(self, value: object) -> None:
        if not isinstance(value, tuple) or len(value) != 3:
            return
        done, total, _aid = value
        self.progress_bar.setRange(0, total)
        self.progress_bar.setValue(done)
        self.progress_label.setText(f"Fetching stats… {done} of {_accounts_phrase(total)}")

    def _on_stats_op_succeeded(self, key: tuple[Any, ...], result: object) -> None:
        fetched, errors = result if isinstance(result, tuple) else ({}, {})
        self.stats_errors = dict(errors)
        self._fetched_at = datetime.now()
        if key == self._perf_key() and not self._stale:

            def merge(cached: dict[str, Perf]) -> None:
                cached.update(fetched)  # fetched figures replace the cached ones
                self._set_perf(cached, "fetched")

            self._read_perf(self.model.all_rows(), merge)
        elif not self._stale:
            self._reload_cached_perf()
        total = len(self._scope_account_ids()) if key[1] == self._scope else len(errors)
        if errors:
            items = "".join(
                f"<li><b>{html.escape(self._account_name(aid))}</b>: {html.escape(message)}</li>"
                for aid, message in errors.items()
            )
            fetched_count = max(total - len(errors), 0)
            self._show_banner(
                "warning",
                f"Couldn't fetch the stats of {_accounts_phrase(len(errors))}; "
                f"{fetched_count} fetched, the others show what is cached."
                f"<ul style='margin: 2px 0 0 -20px;'>{items}</ul>",
            )
            self._say(f"Stats: {_accounts_phrase(len(errors))} failed", error=True)
        else:
            self._hide_banner()
            self._say(f"Stats updated for {_accounts_phrase(total)}")
        emit(self.stats_refreshed, dict(errors))

    def _on_stats_op_failed(self, exc: object) -> None:
        message = error_message(exc) if isinstance(exc, BaseException) else str(exc)
        self._show_banner("error", f"Couldn't fetch the stats: {html.escape(message)}")
        self._say(f"Couldn't fetch the stats: {message}", error=True)
        emit(self.stats_refreshed, {"*": message})

    def _on_stats_op_cancelled(self) -> None:
        if not self._stale and self._scope is not None:
            self._reload_cached_perf()  # what was fetched before the cancel is cached
        self._say("Stats refresh cancelled — the grid shows the cached figures")

    def _on_stats_op_finished(self) -> None:
        self._op = None
        self._op_key = None
        self.progress_frame.hide()
        self.toolbar.refresh_button.setEnabled(True)

    def _account_name(self, account_id: str) -> str:
        account = self._store.ad_account(account_id)
        return account.name if account is not None and account.name else account_id


def _accounts_phrase(n: int) -> str:
    return f"{n} ad account{'s' if n != 1 else ''}"


def focus_is_inside(widget: QWidget) -> bool:
    """Whether the keyboard focus is in `widget` (the main window routes Ctrl+F by it)."""
    focus = QApplication.focusWidget()
    return focus is not None and (focus is widget or widget.isAncestorOf(focus))
