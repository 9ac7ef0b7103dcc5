"""`AsyncOp`: run one coroutine on the qasync loop from an ordinary slot.

The op keeps a strong reference to itself and its task until the task ends (a bare task can be
garbage-collected mid-flight), reports the outcome through Qt signals that are delivered on the
GUI thread, and can be cancelled. Progress may be reported from any thread.

    op = AsyncOp(loop=loop, parent=window)
    op.succeeded.connect(self._on_sync_succeeded)
    op.start(service.sync(...))
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Signal

from snapdesk.api import SnapError
from snapdesk.ui._signals import emit

log = logging.getLogger(__name__)

_RUNNING: set[AsyncOp] = set()


def error_message(exc: BaseException) -> str:
    """One line a user can act on: SnapError messages as they are, anything else named."""
    if isinstance(exc, SnapError):
        return exc.message
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def running_ops() -> frozenset[AsyncOp]:
    return frozenset(_RUNNING)


async def cancel_all() -> None:
    """Cancel every running op and wait for their tasks to finish (used at shutdown)."""
    tasks = [op.task for op in list(_RUNNING) if op.task is not None and not op.task.done()]
    for task in tasks:
        task.cancel()
    if tasks:
        await asyncio.gather(*tasks, return_exceptions=True)


class AsyncOp(QObject):
    """One coroutine run as a task. Signals: `progressed(object)`, `succeeded(object)`,
    `failed(object)` (the exception), `cancelled()`, then always `finished()`."""

    progressed = Signal(object)
    succeeded = Signal(object)
    failed = Signal(object)
    cancelled = Signal()
    finished = Signal()

    def __init__(
        self, *, loop: asyncio.AbstractEventLoop, name: str = "op", parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._loop = loop
        self._name = name
        self.task: asyncio.Task[Any] | None = None
        self.error: BaseException | None = None
        self.result: Any = None

    @property
    def name(self) -> str:
        return self._name

    @property
    def running(self) -> bool:
        return self.task is not None and not self.task.done()

    def start(self, coro: Coroutine[Any, Any, Any]) -> AsyncOp:
        if self.task is not None:
            coro.close()
            raise RuntimeError(f"{self._name} was already started")
        self.task = self._loop.create_task(coro, name=self._name)
        _RUNNING.add(self)
        self.task.add_done_callback(self._on_task_done)
        return self

    def cancel(self) -> bool:
        """Ask the task to stop; `cancelled` is emitted once it has."""
        if self.task is None or self.task.done():
            return False
        return self.task.cancel()

    def report_progress(self, value: object) -> None:
        """Thread-safe: the signal is queued to the GUI thread when called from elsewhere."""
        if shiboken6.isValid(self):
            emit(self.progressed, value)

    def _on_task_done(self, task: asyncio.Task[Any]) -> None:
        _RUNNING.discard(self)
        if not shiboken6.isValid(self):
            if not task.cancelled() and task.exception() is not None:
                log.error(
                    "%s failed after its owner was deleted", self._name, exc_info=task.exception()
                )
            return
        if task.cancelled():
            log.info("%s cancelled", self._name)
            emit(self.cancelled)
        elif task.exception() is not None:
            self.error = task.exception()
            if isinstance(self.error, SnapError):
                log.warning("%s failed: %s", self._name, self.error)
            else:
                log.error("%s failed", self._name, exc_info=self.error)
            emit(self.failed, self.error)
        else:
            self.result = task.result()
            emit(self.succeeded, self.result)
        emit(self.finished)
