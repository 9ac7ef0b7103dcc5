"""The stats refresh while the app runs: every `REFRESH_INTERVAL` (or the interval chosen in the
Preferences; None turns it off) the synced ad accounts are refreshed (open days fetched again, state compared with the last look) and what changed
comes back as `Notice`s — Snap has no webhooks, so this is how the app hears about a rejected
ad or a budget reached.

    refresher = StatsRefresher(loop=loop, services=services, parent=window)
    refresher.notices_raised.connect(window._on_stats_refresher_notices_raised)
    refresher.start()
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from PySide6.QtCore import QObject, QTimer, Signal

from snapdesk.stats import REFRESH_INTERVAL
from snapdesk.ui._signals import emit
from snapdesk.ui.ops._op import AsyncOp, error_message
from snapdesk.ui.ops.stats import RefreshOutcome, StatsServices, refresh_accounts

log = logging.getLogger(__name__)


class StatsRefresher(QObject):
    """Signals: `refreshed(object)` with each `RefreshOutcome`; `notices_raised(list)` when it
    has notices; `refresh_failed(str)` when the whole refresh failed."""

    refreshed = Signal(object)
    notices_raised = Signal(list)
    refresh_failed = Signal(str)

    def __init__(
        self,
        *,
        loop: asyncio.AbstractEventLoop,
        services: StatsServices,
        interval: timedelta | None = REFRESH_INTERVAL,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._loop = loop
        self._services = services
        self._op: AsyncOp | None = None
        self._started = False
        self.interval: timedelta | None = None
        self.timer = QTimer(self)
        self.timer.timeout.connect(self._on_timer_timeout)
        self.set_interval(interval)

    @property
    def running(self) -> bool:
        return self._op is not None and self._op.running

    @property
    def enabled(self) -> bool:
        """False when the automatic refresh is off ("Refresh stats now" still works)."""
        return self.interval is not None

    def set_interval(self, interval: timedelta | None) -> None:
        """Refresh every `interval` from now on (None: never on its own)."""
        self.interval = interval if interval is not None and interval.total_seconds() > 0 else None
        if self.interval is None:
            self.timer.stop()
            return
        self.timer.setInterval(int(self.interval.total_seconds() * 1000))
        if self._started:
            self.timer.start()  # restarts the countdown with the new interval

    def start(self) -> None:
        self._started = True
        if self.interval is not None:
            self.timer.start()

    def stop(self) -> None:
        self._started = False
        self.timer.stop()
        if self._op is not None:
            self._op.cancel()

    def refresh_now(self, ad_account_ids: list[str] | None = None) -> AsyncOp | None:
        """Refresh the given accounts (every synced account with a login by default) unless a
        refresh is already running; returns the running op, or None when there was nothing."""
        if self.running:
            return self._op
        ids = (
            ad_account_ids if ad_account_ids is not None else self._services.refreshable_accounts()
        )
        if not ids:
            return None
        op = refresh_accounts(
            loop=self._loop, services=self._services, ad_account_ids=ids, parent=self
        )
        op.succeeded.connect(self._on_refresh_op_succeeded)
        op.failed.connect(self._on_refresh_op_failed)
        self._op = op
        return op

    def _on_timer_timeout(self) -> None:
        self.refresh_now()

    def _on_refresh_op_succeeded(self, outcome: object) -> None:
        if not isinstance(outcome, RefreshOutcome):
            return
        for account_id, message in outcome.failed.items():
            log.warning("stats refresh of %s failed: %s", account_id, message)
        emit(self.refreshed, outcome)
        if outcome.notices:
            emit(self.notices_raised, outcome.notices)

    def _on_refresh_op_failed(self, exc: object) -> None:
        text = error_message(exc) if isinstance(exc, BaseException) else str(exc)
        emit(self.refresh_failed, text)
