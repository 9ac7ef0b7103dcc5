"""Run Python's cyclic garbage collector on the GUI thread only.

Other threads live in this process (the store's writer, the in-process sandbox server, executor
workers). If the collector kicks in on one of them it can destroy Qt objects held in reference
cycles there, and Qt objects must die on the thread that owns them (a socket notifier freed on
the wrong thread leaves the event dispatcher in a broken state). So automatic collection is
switched off and this timer collects, generation by generation, on the GUI thread.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer


class MainThreadCollector(QObject):
    def __init__(self, parent: QObject | None = None, *, interval_ms: int = 500) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._on_timer_timeout)
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
        if generation >= 0:
            gc.collect(generation)
