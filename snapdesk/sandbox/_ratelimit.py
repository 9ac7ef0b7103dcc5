"""Per-token token bucket, as Snap limits each access token (about 10 requests/s)."""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    reset_ms: int  # epoch milliseconds, like Snap's X-Rate-Limit-Reset

    def headers(self) -> dict[str, str]:
        return {
            "X-Rate-Limit-Limit": str(self.limit),
            "X-Rate-Limit-Remaining": str(self.remaining),
            "X-Rate-Limit-Reset": str(self.reset_ms),
        }


class TokenBucketLimiter:
    """`per_second` tokens per second up to `burst`; `per_second=None` disables limiting.

    X-Rate-Limit-Reset is the epoch-ms moment the bucket is full again; on a refusal it is the
    moment the next request will be accepted.
    """

    def __init__(self, per_second: float | None = 10.0, burst: int = 10) -> None:
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}
        self.per_second = per_second
        self.burst = burst
        self.configure(per_second=per_second, burst=burst)

    def configure(self, *, per_second: float | None, burst: int) -> None:
        if per_second is not None and per_second <= 0:
            raise ValueError("per_second must be positive (or None to disable limiting)")
        if burst < 1:
            raise ValueError("burst must be at least 1")
        with self._lock:
            self.per_second = per_second
            self.burst = burst
            self._buckets.clear()

    def take(self, key: str) -> Verdict:
        now = time.monotonic()
        wall = time.time()
        with self._lock:
            rate = self.per_second
            if rate is None:
                return Verdict(True, self.burst, self.burst, int(wall * 1000))
            tokens, last = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * rate)
            if tokens >= 1.0:
                tokens -= 1.0
                self._buckets[key] = (tokens, now)
                full_in = (self.burst - tokens) / rate
                return Verdict(True, self.burst, math.floor(tokens), _ms(wall + full_in))
            self._buckets[key] = (tokens, now)
            return Verdict(False, self.burst, 0, _ms(wall + (1.0 - tokens) / rate))


def _ms(epoch_seconds: float) -> int:
    return math.ceil(epoch_seconds * 1000)
