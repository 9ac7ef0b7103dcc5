"""When and how long to wait before retrying a request."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

__all__ = ["RETRYABLE_STATUSES", "RetryPolicy"]

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})

# Transport failures worth another attempt. Writes are safe to repeat because every attempt
# carries the same Idempotency-Key. RemoteProtocolError covers "peer closed connection".
_RETRYABLE_EXCEPTIONS: tuple[type[Exception], ...] = (
    httpx.ConnectError,
    httpx.ReadError,
    httpx.WriteError,
    httpx.RemoteProtocolError,
    httpx.TimeoutException,
)


@dataclass
class RetryPolicy:
    """Exponential backoff with jitter, honouring Snap's rate-limit hints.

    `max_attempts` counts the first try. The n-th retry waits `min(cap, base * 2**(n-1))`,
    jittered by `jitter()`, or longer if the server said so via `Retry-After` (seconds) or
    `X-Rate-Limit-Reset` (epoch **milliseconds**); server hints are capped at `max_hint`.
    """

    max_attempts: int = 5
    base: float = 0.5
    cap: float = 8.0
    max_hint: float = 60.0
    clock: Callable[[], float] = field(default=time.time, repr=False)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")

    def should_retry_status(self, status: int) -> bool:
        return status in RETRYABLE_STATUSES

    def should_retry_exception(self, exc: BaseException) -> bool:
        return isinstance(exc, _RETRYABLE_EXCEPTIONS)

    def backoff(self, attempt: int) -> float:
        """The un-jittered delay after failed attempt number `attempt` (1-based)."""
        return min(self.cap, self.base * (2 ** max(0, attempt - 1)))

    def jitter(self, delay: float) -> float:
        """Spread retries out: somewhere between half the delay and the full delay."""
        return delay / 2 + random.uniform(0, delay / 2)

    def reset_wait(self, rate_limit_reset: float | None, *, now: float | None = None) -> float:
        """Seconds until `X-Rate-Limit-Reset` (epoch ms), clamped to [0, max_hint]."""
        if rate_limit_reset is None:
            return 0.0
        current = self.clock() if now is None else now
        wait = rate_limit_reset / 1000.0 - current
        return min(self.max_hint, max(0.0, wait))

    def delay_for(
        self,
        attempt: int,
        *,
        retry_after: float | None = None,
        rate_limit_reset: float | None = None,
        now: float | None = None,
    ) -> float:
        """How long to sleep after failed attempt `attempt` (1-based) before the next one."""
        delay = self.jitter(self.backoff(attempt))
        if retry_after is not None:
            delay = max(delay, min(self.max_hint, max(0.0, retry_after)))
        if rate_limit_reset is not None:
            delay = max(delay, self.reset_wait(rate_limit_reset, now=now))
        return delay
