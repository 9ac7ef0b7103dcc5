"""`emit(signal, *args)`: emit a Qt signal from Python without corrupting `True`'s refcount.

PySide6 6.12.0's `SignalInstance.emit()` returns `True` without taking a new reference to it,
so every emit from Python drops one reference to the `True` singleton. On Python 3.11 `True`
is not immortal: after a few thousand emits (one sync reports hundreds of progress steps) the
interpreter aborts with "Fatal Python error: bool_dealloc". At import we measure what one emit
costs and give the references back after each emit; on a fixed PySide6 this measures 0 and
`emit` is a plain emit.
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable
from typing import Any, cast

from PySide6.QtCore import QObject, Signal, SignalInstance

_PROBES = 16


class _Probe(QObject):
    fired = Signal()


def _references_lost_per_emit() -> int:
    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(_PROBES):
        probe.fired.emit()
    lost = before - sys.getrefcount(True)
    probe.deleteLater()
    return max(0, round(lost / _PROBES))


_LOST_PER_EMIT = _references_lost_per_emit()
_incref = ctypes.pythonapi.Py_IncRef
_incref.argtypes = [ctypes.py_object]
_incref.restype = None
# Give back what the probe itself cost.
for _ in range(_LOST_PER_EMIT * _PROBES):
    _incref(True)


def emit(signal: SignalInstance, *args: Any) -> None:
    # cast: the stub declares `emit` -> None; PySide6 6.12.0 returns True (see above).
    result = cast(Callable[..., object], signal.emit)(*args)
    if result is True:
        for _ in range(_LOST_PER_EMIT):
            _incref(True)
