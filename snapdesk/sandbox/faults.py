"""Injected faults: failing statuses, dropped connections, latency, matched by method and path."""

from __future__ import annotations

import fnmatch
import random
import threading
from dataclasses import asdict, dataclass
from typing import Any

from snapdesk.sandbox import _knobs as knobs
from snapdesk.sandbox.errors import bad_request


@dataclass
class FaultRule:
    """One rule of `POST /__sandbox__/faults`.

    `path` is a glob over the request path (`/v1/adaccounts/*/ads`); `method` None or "*" matches
    any method. The rule fires on a matching request with probability `fraction` (None = always),
    at most `times` times (None = forever). When it fires it waits `latency_ms`, then answers
    `status` (with `body`, or Snap's error envelope for that status), or drops the connection
    (`drop`), or does neither (a latency-only rule). With `after_processing` the request is
    handled (and its effects kept) before the failure is delivered.
    """

    path: str = "*"
    method: str | None = None
    status: int | None = None
    times: int | None = None
    fraction: float | None = None
    drop: bool = False
    after_processing: bool = False
    latency_ms: int = 0
    body: Any = None

    def matches(self, method: str, path: str) -> bool:
        if self.method not in (None, "*") and self.method.upper() != method.upper():
            return False
        return fnmatch.fnmatchcase(path, self.path)

    def describe(self) -> dict[str, Any]:
        return asdict(self)


_FIELDS = set(FaultRule.__dataclass_fields__)


def parse_rule(spec: Any) -> FaultRule:
    if not isinstance(spec, dict):
        raise bad_request("E1002", "a fault must be a JSON object")
    unknown = set(spec) - _FIELDS
    if unknown:
        raise bad_request("E1002", f"unknown fault fields: {', '.join(sorted(unknown))}")
    # Every field is checked (a non-string path used to make every /v1 request fail with 500).
    method = knobs.text(spec, "method", default=None, nullable=True)
    fraction = knobs.number(spec, "fraction", low=0, high=1, default=None, nullable=True)
    rule = FaultRule(
        path=knobs.text(spec, "path", default="*") or "*",
        method=method,
        status=knobs.integer(spec, "status", low=100, high=599, default=None, nullable=True),
        times=knobs.integer(
            spec, "times", low=1, high=knobs.MAX_FAULT_TIMES, default=None, nullable=True
        ),
        fraction=fraction,
        drop=knobs.boolean(spec, "drop", default=False),
        after_processing=knobs.boolean(spec, "after_processing", default=False),
        latency_ms=knobs.integer(spec, "latency_ms", low=0, high=knobs.MAX_LATENCY_MS, default=0)
        or 0,
        body=spec.get("body"),
    )
    if rule.status is None and not rule.drop and rule.after_processing:
        raise bad_request("E1002", "after_processing needs a status or drop")
    return rule


class FaultSet:
    def __init__(self, *, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._rng = random.Random(seed)

    def add(self, rule: FaultRule) -> None:
        with self._lock:
            self._rules.append(rule)

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def rules(self) -> list[FaultRule]:
        with self._lock:
            return list(self._rules)

    def fire(self, method: str, path: str) -> FaultRule | None:
        """The first matching rule that fires for this request, its shot counted."""
        with self._lock:
            for rule in self._rules:
                if not rule.matches(method, path):
                    continue
                if rule.fraction is not None and self._rng.random() >= rule.fraction:
                    continue
                if rule.times is not None:
                    rule.times -= 1
                    if rule.times <= 0:
                        self._rules.remove(rule)
                return rule
        return None
