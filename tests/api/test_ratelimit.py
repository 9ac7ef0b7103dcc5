"""The client-side limiter spaces requests evenly (token bucket, burst 1)."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable

import httpx
import pytest

from snapdesk.api import RateLimiter, SnapApi, StaticTokenProvider
from tests.api.conftest import BASE, TOKEN, envelope


class FakeClock:
    """A clock that only moves when something sleeps on it."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_reservations_are_evenly_spaced() -> None:
    clock = FakeClock()
    limiter = RateLimiter(10.0, clock=clock, sleep=clock.sleep)
    waits = [limiter.reserve() for _ in range(5)]
    assert waits == pytest.approx([0.0, 0.1, 0.2, 0.3, 0.4])


def test_idle_time_is_not_banked_beyond_burst_one() -> None:
    clock = FakeClock()
    limiter = RateLimiter(10.0, clock=clock, sleep=clock.sleep)
    assert limiter.reserve() == 0.0
    clock.now += 5.0  # a long pause earns no burst
    assert limiter.reserve() == 0.0
    assert limiter.reserve() == pytest.approx(0.1)


def test_rate_must_be_positive() -> None:
    with pytest.raises(ValueError):
        RateLimiter(0)


async def test_concurrent_requests_share_one_bucket() -> None:
    clock = FakeClock()
    sent_at: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent_at.append(clock.now)
        return httpx.Response(200, json=envelope("campaigns", "campaign", [{"id": "c"}]))

    api = SnapApi(
        token_provider=StaticTokenProvider(TOKEN),
        base_url=BASE,
        transport=httpx.MockTransport(handler),
        rate_limit=10.0,
        sleep=clock.sleep,
        clock=clock,
    )
    async with api:
        await asyncio.gather(*(api.campaigns.get("c") for _ in range(20)))
    assert len(sent_at) == 20
    gaps = [b - a for a, b in itertools.pairwise(sent_at)]
    assert min(gaps) >= 0.1 - 1e-9
    assert sent_at[-1] - sent_at[0] == pytest.approx(1.9)
    assert api.stats.waiting_seconds == pytest.approx(1.9)  # the fake sleep moves the clock
    assert api.stats.requests == 20


async def test_real_clock_spacing_with_rate_100() -> None:
    sent_at: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent_at.append(time.monotonic())
        return httpx.Response(200, json=envelope("campaigns", "campaign", [{"id": "c"}]))

    async with SnapApi(
        token_provider=StaticTokenProvider(TOKEN),
        base_url=BASE,
        transport=httpx.MockTransport(handler),
        rate_limit=100.0,
    ) as api:
        await asyncio.gather(*(api.campaigns.get("c") for _ in range(11)))
        rate = api.stats.recent_rate()
    elapsed = sent_at[-1] - sent_at[0]
    assert elapsed >= 0.09  # 10 intervals of 10 ms, loosely
    assert rate == pytest.approx(11 / 5.0)


async def test_limiter_can_be_disabled_and_shared(make_api: Callable[..., SnapApi]) -> None:
    clock = FakeClock()
    shared = RateLimiter(5.0, clock=clock, sleep=clock.sleep)
    ok = envelope("campaigns", "campaign", [{"id": "c"}])
    a = make_api(lambda r: httpx.Response(200, json=ok), limiter=shared)
    b = make_api(lambda r: httpx.Response(200, json=ok), limiter=shared)
    await a.campaigns.get("c")
    await b.campaigns.get("c")
    await a.campaigns.get("c")
    assert clock.sleeps == pytest.approx([0.2, 0.2])


def test_recent_rate_window() -> None:
    from snapdesk.api import ClientStats

    clock = FakeClock()
    stats = ClientStats(clock=clock)
    for _ in range(10):
        stats.record_request()
        clock.now += 0.1
    assert stats.recent_rate() == pytest.approx(2.0)
    clock.now += 10
    assert stats.recent_rate() == 0.0
    assert stats.requests == 10
