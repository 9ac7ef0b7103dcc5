"""Injected faults: failing statuses, dropped connections, latency, matched by method and path."""

from __future__ import annotations

import fnmatch
import random
import threading
from dataclasses import asdict, dataclass
from typing import Any

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
    rule = FaultRule(**spec)
    if rule.status is not None and not (isinstance(rule.status, int) and 100 <= rule.status < 600):
        raise bad_request("E1002", "status must be an HTTP status code")
    if rule.times is not None and (not isinstance(rule.times, int) or rule.times < 1):
        raise bad_request("E1002", "times must be a positive integer or null")
    if rule.fraction is not None and not (
        isinstance(rule.fraction, int | float) and 0.0 <= rule.fraction <= 1.0
    ):
        raise bad_request("E1002", "fraction must be between 0 and 1, or null")
    if not isinstance(rule.latency_ms, int) or rule.latency_ms < 0:
        raise bad_request("E1002", "latency_ms must be a non-negative integer")
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
