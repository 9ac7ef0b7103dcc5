"""Fixtures: the sandbox over real loopback HTTP, a SnapApi on it, a fresh cache, a fake clock."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from snapdesk.api import RetryPolicy, SnapApi, StaticTokenProvider
from snapdesk.sandbox import SandboxServer, SandboxState, seed_state
from snapdesk.store import Store


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    state = SandboxState(rate_limit=None, segment_processing_seconds=0.0)
    seed_state(state, seed=42, scale="demo")
    with SandboxServer(state=state) as srv:
        yield srv


@pytest.fixture
def live(server: SandboxServer) -> SandboxServer:
    server.state.reset(seed=42, scale="demo")
    control(server, "DELETE", "faults")
    control(server, "DELETE", "requests")
    return server


def control(server: SandboxServer, method: str, path: str, body: Any = None) -> Any:
    response = httpx.request(method, f"{server.base_url}/__sandbox__/{path}", json=body)
    response.raise_for_status()
    return response.json() if response.content else None


def requests_to(server: SandboxServer, prefix: str) -> list[dict[str, Any]]:
    """The /v1 requests the sandbox recorded whose path starts with `prefix`."""
    entries: list[dict[str, Any]] = control(server, "GET", "requests")
    return [e for e in entries if str(e["path"]).startswith(prefix)]


async def _no_sleep(seconds: float) -> None:
    await asyncio.sleep(0)


@pytest.fixture
async def api(live: SandboxServer) -> AsyncIterator[SnapApi]:
    async with SnapApi(
        token_provider=StaticTokenProvider(live.token),
        base_url=live.api_base,
        rate_limit=None,
        retry=RetryPolicy(max_attempts=2),
        sleep=_no_sleep,
    ) as client:
        yield client


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "cache.sqlite3") as s:
        yield s


@dataclass
class Clock:
    now: datetime = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()
