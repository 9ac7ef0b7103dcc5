"""Regression: emitting from Python must not eat references to `True` (PySide6 6.12.0 bug),
or the interpreter aborts with "bool_dealloc" after a few thousand emits."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal

from snapdesk.ui._signals import emit


class _Emitter(QObject):
    plain = Signal()
    carrying = Signal(object)


def test_emit_keeps_true_alive(qapp) -> None:
    emitter = _Emitter()
    received: list[object] = []
    emitter.carrying.connect(received.append)
    before = sys.getrefcount(True)
    for i in range(5000):
        emit(emitter.plain)
        emit(emitter.carrying, i)
    assert len(received) == 5000
    assert sys.getrefcount(True) >= before - 50
