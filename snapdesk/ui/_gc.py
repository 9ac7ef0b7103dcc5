"""Run Python's cyclic garbage collector on the GUI thread only, in small steps.

Other threads live in this process (the store's writer, the in-process sandbox server, executor
workers). If the collector kicks in on one of them it can destroy Qt objects held in reference
cycles there, and Qt objects must die on the thread that owns them (a socket notifier freed on
the wrong thread leaves the event dispatcher in a broken state). So automatic collection is
switched off and this timer collects on the GUI thread.

The timer runs often (every 50 ms) so each young-generation pass only sees the objects of the
last few milliseconds: a sync decodes ~30,000 JSON objects per page, and letting them pile up
for half a second made one generation-1 pass stall the window for over 100 ms. Full
(generation 2) passes scan every live object; while a background operation is running the
heap is full of page data that dies by reference counting once the operation ends, so full
passes wait until no operation is running (`busy` returns False).
"""

from __future__ import annotations

import gc
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer


def _no_ops_running() -> bool:
    from snapdesk.ui.ops._op import running_ops

    return bool(running_ops())


class MainThreadCollector(QObject):
    def __init__(
        self,
        parent: QObject | None = None,
        *,
        interval_ms: int = 50,
        busy: Callable[[], bool] = _no_ops_running,
    ) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._busy = busy
        self._was_enabled = gc.isenabled()

    def start(self) -> None:
        gc.disable()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        if self._was_enabled:
            gc.enable()

    def _on_timer_timeout(self) -> None:
        counts = gc.get_count()
        thresholds = gc.get_threshold()
        generation = -1
        for level in range(3):
            if counts[level] > thresholds[level]:
                generation = level
        if generation == 2 and self._busy():
            generation = 1
        if generation >= 0:
            gc.collect(generation)
