"""Performance in the main window: the stats chart of the tree selection (a "Performance" tab
next to the details), the hourly stats refresh with its notifications (banners in the window,
a status-bar line and a tray message — never a modal popup), and the FX rates editor.

    self.performance = PerformanceController(window)
    window.right_tabs.addTab(self.performance.chart_view, "Performance")
    self.performance.fill_menu(window.menuBar().addMenu("&Stats"))
    self.performance.show_node(node)          # on every tree selection
    self.performance.start()                  # the hourly timer
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any, Final

import shiboken6
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QWidget

from snapdesk.core.kinds import AD, AD_ACCOUNT, AD_SQUAD, CAMPAIGN, ORGANIZATION
from snapdesk.core.settings import AppSettings, SettingsError, load_settings
from snapdesk.stats import FxTable, Notice
from snapdesk.ui._signals import emit
from snapdesk.ui.dialogs.fx_rates import FxRatesDialog
from snapdesk.ui.models.tree_nodes import TreeNode
from snapdesk.ui.ops.stats import RefreshOutcome, StatsServices, apply_fx_rates
from snapdesk.ui.prefs import load_preferences, preferences_paths
from snapdesk.ui.stats_refresh import StatsRefresher
from snapdesk.ui.views.notices import NoticeArea, TrayNotifier, summary
from snapdesk.ui.views.stats_chart import StatsChartView

log = logging.getLogger(__name__)

# The first refresh comes a little after start-up (not at once: the window and a sync come
# first), then every REFRESH_INTERVAL.
FIRST_REFRESH_DELAY: Final = timedelta(minutes=2)
_PERFORMANCE_MIN_WIDTH: Final = 720


class PerformanceController(QObject):
    """Signals: `message_posted(str, bool)` (text, is_error) for the status bar."""

    message_posted = Signal(str, bool)

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self._window = window
        session = window.session
        try:
            settings = load_settings(session.paths)
        except SettingsError as exc:
            log.warning("settings not readable, no FX rates: %s", exc)
            settings = AppSettings()
        self.services = StatsServices(session, fx=FxTable(settings.fx_rates))
        self.chart_view = StatsChartView(loop=window.loop, services=self.services.for_account)
        self.notice_area = NoticeArea()
        self.notice_area.notice_activated.connect(self._on_notice_area_notice_activated)
        self.tray = TrayNotifier(window)
        minutes = load_preferences(preferences_paths(session)).refresh_interval_minutes
        self.refresher = StatsRefresher(
            loop=window.loop, services=self.services, interval=_interval(minutes), parent=self
        )
        self.refresher.notices_raised.connect(self._on_refresher_notices_raised)
        self.refresher.refreshed.connect(self._on_refresher_refreshed)
        self.refresher.refresh_failed.connect(self._on_refresher_refresh_failed)
        self.fx_dialog: FxRatesDialog | None = None
        self.fx_action = QAction("Edit FX rates…", self)
        self.fx_action.setToolTip("Rates to USD used to convert spend in other currencies")
        self.fx_action.triggered.connect(self._on_fx_action_triggered)
        self.refresh_action = QAction("Refresh stats now", self)
        self.refresh_action.setToolTip(
            "Fetch the days that are not final yet for every synced ad account and check for "
            "rejected ads and budgets reached"
        )
        self.refresh_action.triggered.connect(self._on_refresh_action_triggered)
        self.performance_action = QAction("Performance", self)
        self.performance_action.setToolTip("Show the performance chart of the selection")
        self.performance_action.triggered.connect(self.show_performance)
        self._first_timer = QTimer(self)
        self._first_timer.setSingleShot(True)
        self._first_timer.setInterval(int(FIRST_REFRESH_DELAY.total_seconds() * 1000))
        self._first_timer.timeout.connect(self._on_first_timer_timeout)

    # -- wiring --------------------------------------------------------------------------------

    def fill_menu(self, menu: QMenu) -> None:
        menu.addAction(self.performance_action)
        menu.addAction(self.refresh_action)
        menu.addSeparator()
        menu.addAction(self.fx_action)

    def start(self) -> None:
        """Start the hourly refresh (a first one shortly after start-up) unless it is off."""
        self.refresher.start()
        if self.refresher.enabled:
            self._first_timer.start()

    def set_refresh_interval(self, minutes: int) -> None:
        """The interval chosen in the Preferences, from now on (0: no automatic refresh)."""
        self.refresher.set_interval(_interval(minutes))
        if not self.refresher.enabled:
            self._first_timer.stop()

    def stop(self) -> None:
        self._first_timer.stop()
        self.refresher.stop()
        self.tray.hide()

    def show_node(self, node: TreeNode | None) -> None:
        """Chart the tree selection (fetched only while the Performance tab is visible)."""
        self.chart_view.show_node(node)

    def show_performance(self) -> None:
        """Bring the chart to the front, widening the right-hand pane for it when narrow."""
        tabs = self._window.right_tabs
        tabs.setCurrentWidget(self.chart_view)
        splitter = self._window.splitter
        sizes = splitter.sizes()
        if len(sizes) == 2 and sum(sizes) and sizes[1] < _PERFORMANCE_MIN_WIDTH:
            right = min(_PERFORMANCE_MIN_WIDTH, int(sum(sizes) * 0.68))
            splitter.setSizes([sum(sizes) - right, right])

    def refresh_now(self) -> bool:
        op = self.refresher.refresh_now()
        if op is None:
            emit(self.message_posted, "No synced ad account to refresh", False)
            return False
        emit(self.message_posted, "Refreshing stats…", False)
        return True

    # -- FX rates ------------------------------------------------------------------------------

    def open_fx_rates(self, parent: QWidget | None = None) -> FxRatesDialog:
        """The FX rates editor (over `parent`, the main window by default)."""
        if self.fx_dialog is not None and shiboken6.isValid(self.fx_dialog):
            self.fx_dialog.raise_()
            self.fx_dialog.activateWindow()
            return self.fx_dialog
        store = self._window.store
        currencies = sorted({a.currency for a in store.ad_accounts() if a.currency})
        dialog = FxRatesDialog(
            paths=self._window.session.paths, currencies=currencies, parent=parent or self._window
        )
        dialog.rates_saved.connect(self._on_fx_dialog_rates_saved)
        dialog.finished.connect(self._on_fx_dialog_finished)
        self.fx_dialog = dialog
        dialog.show()
        return dialog

    def _on_fx_action_triggered(self) -> None:
        self.open_fx_rates()

    def _on_fx_dialog_rates_saved(self, settings: object) -> None:
        if not isinstance(settings, AppSettings):
            return
        op = apply_fx_rates(
            loop=self._window.loop,
            services=self.services,
            fx=FxTable(settings.fx_rates),
            parent=self,
        )
        op.succeeded.connect(self._on_fx_op_succeeded)
        op.failed.connect(self._on_fx_op_failed)

    def _on_fx_op_succeeded(self, changed: object) -> None:
        count = changed if isinstance(changed, int) else 0
        emit(
            self.message_posted,
            f"FX rates saved; {count:,} cached day{'s' if count != 1 else ''} converted again",
            False,
        )
        self.chart_view.reload()

    def _on_fx_op_failed(self, exc: object) -> None:
        emit(
            self.message_posted,
            f"FX rates saved, but the cached stats were not updated: {exc}",
            True,
        )

    def _on_fx_dialog_finished(self, _result: int) -> None:
        if self.fx_dialog is not None:
            self.fx_dialog.deleteLater()
        self.fx_dialog = None

    # -- refresh and notices -------------------------------------------------------------------

    def _on_first_timer_timeout(self) -> None:
        self.refresher.refresh_now()

    def _on_refresh_action_triggered(self) -> None:
        self.refresh_now()
        self.chart_view.reload(refresh=True)

    def _on_refresher_notices_raised(self, notices: list[Notice]) -> None:
        self.notice_area.add_notices(notices)
        emit(self.message_posted, summary(notices), False)
        self.tray.notify(notices)

    def _on_refresher_refreshed(self, outcome: object) -> None:
        if not isinstance(outcome, RefreshOutcome):
            return
        # What the refresh saw (lifetime cap, daily budget reached) is now in the cache: the
        # tree's status and the details say it at once, as the notices do.
        refreshed = [result.ad_account_id for result in outcome.results]
        if refreshed:
            self._window.model.refresh_delivery(refreshed)
            self._window.refresh_details()
        if outcome.failed:
            first = next(iter(outcome.failed.values()))
            emit(self.message_posted, f"Stats refresh: {first}", True)
        elif not outcome.notices:
            count = len(outcome.results)
            emit(
                self.message_posted,
                f"Stats refreshed for {count} ad account{'s' if count != 1 else ''}",
                False,
            )

    def _on_refresher_refresh_failed(self, text: str) -> None:
        emit(self.message_posted, f"Stats refresh failed: {text}", True)

    def _on_notice_area_notice_activated(self, notice: object) -> None:
        if not isinstance(notice, Notice):
            return
        path = entity_path(self._window.store, notice.entity_kind, notice.entity_id)
        if not path:
            return
        tree = self._window.tree
        index = tree.expand_path(path)
        if index.isValid():
            tree.select(index)


def _interval(minutes: int) -> timedelta | None:
    return timedelta(minutes=minutes) if minutes > 0 else None


def entity_path(store: Any, kind: str, entity_id: str) -> tuple[tuple[str, str], ...]:
    """The tree path (organization → ad account → … → the entity) of a cached entity."""
    keys: list[tuple[str, str]] = []
    current_kind, current_id = kind, entity_id
    parents = {AD: AD_SQUAD, AD_SQUAD: CAMPAIGN}
    while current_kind in (AD, AD_SQUAD, CAMPAIGN):
        row = store.get(current_kind, current_id)
        if row is None:
            return ()
        keys.append((current_kind, current_id))
        if current_kind == CAMPAIGN:
            current_kind, current_id = AD_ACCOUNT, row.ad_account_id or ""
        else:
            current_kind, current_id = parents[current_kind], row.parent_id or ""
    if current_kind != AD_ACCOUNT:
        return ()
    account = store.ad_account(current_id)
    if account is None or account.organization_id is None:
        return ()
    keys.append((AD_ACCOUNT, current_id))
    keys.append((ORGANIZATION, account.organization_id))
    return tuple(reversed(keys))
