"""Client-side pacing so one access token stays under Snap's per-token limit (10 req/s)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

__all__ = ["RateLimiter"]


class RateLimiter:
    """An async token bucket with burst 1: requests leave at most every `1/rate` seconds.

    Each caller reserves the next free slot synchronously (no await in between), so concurrent
    tasks on one event loop share the bucket without a lock and are served in arrival order.
    """

    def __init__(
        self,
        rate: float = 10.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self._interval = 1.0 / rate
        self._clock = clock
        self._sleep = sleep
        self._next_free: float | None = None

    @property
    def interval(self) -> float:
        return self._interval

    def reserve(self) -> float:
        """Claim the next slot; return how long the caller must wait for it."""
        now = self._clock()
        slot = now if self._next_free is None else max(now, self._next_free)
        self._next_free = slot + self._interval
        return slot - now

    async def acquire(self) -> float:
        """Wait for a slot; return the seconds spent waiting."""
        wait = self.reserve()
        if wait > 0:
            await self._sleep(wait)
        return wait

    def __repr__(self) -> str:
        return f"RateLimiter(rate={self.rate})"
