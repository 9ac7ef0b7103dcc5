"""Counters the status bar shows: requests, retries, 429s, Snap's rate-limit headers."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

__all__ = ["RECENT_WINDOW", "ClientStats"]

RECENT_WINDOW = 5.0  # seconds covered by recent_rate()


def _int_header(headers: Mapping[str, str], name: str) -> int | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        return int(float(value.strip()))
    except ValueError:
        return None


@dataclass
class ClientStats:
    """What one `SnapApi` has done so far. Times are epoch seconds; `waiting_seconds` sums the
    sleeps in the client-side limiter and in retry backoff."""

    requests: int = 0
    retries: int = 0
    rate_limited: int = 0
    limit: int | None = None
    remaining: int | None = None
    reset_at: float | None = None
    waiting_seconds: float = 0.0
    clock: Callable[[], float] = field(default=time.monotonic, repr=False, compare=False)
    _sent: deque[float] = field(default_factory=deque, repr=False, compare=False)

    def record_request(self) -> None:
        self.requests += 1
        now = self.clock()
        self._sent.append(now)
        self._trim(now)

    def record_headers(self, headers: Mapping[str, str]) -> None:
        """Remember `X-Rate-Limit-*` (Reset is epoch **milliseconds**)."""
        limit = _int_header(headers, "X-Rate-Limit-Limit")
        if limit is None:
            return
        self.limit = limit
        self.remaining = _int_header(headers, "X-Rate-Limit-Remaining")
        reset_ms = _int_header(headers, "X-Rate-Limit-Reset")
        self.reset_at = reset_ms / 1000.0 if reset_ms is not None else None

    def recent_rate(self) -> float:
        """Requests per second over the last `RECENT_WINDOW` seconds."""
        self._trim(self.clock())
        return len(self._sent) / RECENT_WINDOW

    def _trim(self, now: float) -> None:
        while self._sent and self._sent[0] <= now - RECENT_WINDOW:
            self._sent.popleft()
