"""`LiveMode`: the one owner of live / dry-run.

Every window, button, runner and gateway of one app session reads this object; nothing keeps a
copy. Switching goes through `set()` (after whatever confirmation the caller asks for), which
announces the new value to every subscriber exactly once per real change:

    mode = LiveMode()                  # dry-run: every session starts there
    unsubscribe = mode.subscribe(lambda live: print("live" if live else "dry-run"))
    mode.set(True, reason="toolbar")   # → listeners called with True
    mode.set(True)                     # no change, no notification

The gateway reads `mode.live` when it starts posting and before every write it sends, so a
switch back to dry-run in the middle of a live post stops what has not been sent yet.

Qt-free on purpose: the CLI (`--live`, `SNAPCHAT_ADS_LIVE_MODE`), the experiment runner and
the tests use the same object; the UI bridges it to a Qt signal (`snapdesk.ui.app_state`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

Listener = Callable[[bool], object]


class LiveMode:
    """Holds whether posting sends to Snap (live) or only rehearses (dry-run)."""

    def __init__(self, live: bool = False) -> None:
        self._live = bool(live)
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()
        self.last_reason: str | None = None

    @property
    def live(self) -> bool:
        return self._live

    @property
    def name(self) -> str:
        return "live" if self._live else "dry-run"

    def set(self, live: bool, *, reason: str | None = None) -> bool:
        """Switch to `live`; returns whether anything changed. Listeners hear of real changes
        only, in the order they subscribed; a failing listener is logged and skipped so it can't
        leave the others showing the old mode."""
        live = bool(live)
        with self._lock:
            if live == self._live:
                return False
            self._live = live
            self.last_reason = reason
            listeners = list(self._listeners)
        log.info("mode: %s (%s)", "live" if live else "dry-run", reason or "unspecified")
        for listener in listeners:
            try:
                listener(live)
            except Exception:
                log.exception("live-mode listener failed")
        return True

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener(live)` on every change; returns the function that unsubscribes."""
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def __bool__(self) -> bool:  # pragma: no cover - guard against `if mode:` mistakes
        raise TypeError("use LiveMode.live, not the object's truth value")

    def __repr__(self) -> str:
        return f"LiveMode({self.name})"
