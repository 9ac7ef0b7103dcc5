"""Helpers for driving the Qt-run asyncio loop from tests."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Coroutine
from typing import Any, TypeVar

from PySide6.QtWidgets import QApplication

T = TypeVar("T")


def run_in_loop(
    qapp: QApplication,
    loop: asyncio.AbstractEventLoop,
    coro: Coroutine[Any, Any, T],
    *,
    timeout: float = 20.0,
) -> T:
    """Run `coro` on the (Qt-driven) loop, processing Qt events until it is done."""
    task = loop.create_task(coro)
    deadline = time.monotonic() + timeout
    while not task.done():
        if time.monotonic() > deadline:
            task.cancel()
            raise TimeoutError("coroutine did not finish in time")
        qapp.processEvents()
        time.sleep(0.005)
    return task.result()
