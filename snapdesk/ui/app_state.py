"""`AppState`: the one place a window learns that shared state changed.

Two pieces of state are shared by every window of a session, and each has one owner:
- live / dry-run: `session.live_mode` (`snapdesk.changes.mode.LiveMode`);
- pending changes and the cached entities: the SQLite cache, whose triggers log every change
  (`snapdesk.store.feed`).

`AppState` bridges both to Qt signals, and nothing else announces them:
- `live_changed(bool)` after the owner switched (toolbar, shortcut, palette, any window);
- `operation_did_execute(OpChanges)` after anything changed pending changes or the cache, in this
  process (polled right after each commit) or in another snapdesk process on the same cache
  (polled every `POLL_MS`).

Views connect once and redraw from the owner; none keeps its own copy:

    state = app_state(session)
    state.live_changed.connect(self._on_live_changed)
    state.operation_did_execute.connect(self._on_operation_did_execute)
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication

from snapdesk.changes.mode import LiveMode
from snapdesk.store.feed import Feed, OpChanges
from snapdesk.ui._signals import emit

log = logging.getLogger(__name__)

POLL_MS = 1000  # how often another process's writes are looked for


class AppState(QObject):
    live_changed = Signal(bool)
    operation_did_execute = Signal(object)
    _commit_nudged = Signal()

    def __init__(self, session: Any) -> None:
        super().__init__(QApplication.instance())
        self._session = session
        self.live_mode: LiveMode = session.live_mode
        self.feed = Feed(session.store)
        self._nudge_lock = threading.Lock()
        self._nudge_pending = False
        self._commit_nudged.connect(self.poll)
        self._unsubscribe_mode = self.live_mode.subscribe(self._on_live_mode_changed)
        self._remove_listener = session.store.add_commit_listener(self._on_store_committed)
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.poll)
        self.timer.start()

    @property
    def live(self) -> bool:
        return self.live_mode.live

    def poll(self) -> OpChanges | None:
        """Announce what changed since the last poll (nothing when nothing did)."""
        with self._nudge_lock:
            self._nudge_pending = False
        try:
            changes = self.feed.poll()
        except Exception as exc:  # the cache closed under us (window closing, tests)
            log.debug("change feed poll failed: %s", exc)
            return None
        if changes is not None:
            emit(self.operation_did_execute, changes)
        return changes

    def close(self) -> None:
        self.timer.stop()
        self._unsubscribe_mode()
        self._remove_listener()

    def _on_live_mode_changed(self, live: bool) -> None:
        if shiboken6.isValid(self):
            emit(self.live_changed, live)

    def _on_store_committed(self) -> None:
        # On the writer thread: ask the GUI thread to poll (a queued signal), once per burst.
        with self._nudge_lock:
            if self._nudge_pending:
                return
            self._nudge_pending = True
        if shiboken6.isValid(self):
            emit(self._commit_nudged)


def app_state(session: Any) -> AppState:
    """The session's `AppState` (made on first use; one per session)."""
    state = getattr(session, "_app_state", None)
    if state is None or not shiboken6.isValid(state):
        state = AppState(session)
        session._app_state = state
    return state
