"""Fixtures: the sandbox in-process (httpx.ASGITransport) and over real loopback HTTP."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from snapdesk.sandbox import SANDBOX_TOKEN, SandboxServer, SandboxState, create_app, seed_state

AUTH = {"Authorization": f"Bearer {SANDBOX_TOKEN}"}


def make_state(**knobs: Any) -> SandboxState:
    """A demo-seeded state; tests get no rate limit and instant segment processing by default."""
    knobs.setdefault("rate_limit", None)
    knobs.setdefault("segment_processing_seconds", 0.0)
    state = SandboxState(**knobs)
    seed_state(state, seed=42, scale="demo")
    return state


def sha(i: int, domain: str = "example.com") -> str:
    return hashlib.sha256(f"user{i}@{domain}".encode()).hexdigest()


@pytest.fixture
def state() -> SandboxState:
    return make_state()


@pytest.fixture
async def client(state: SandboxState) -> AsyncIterator[httpx.AsyncClient]:
    """In-process client; base URL deliberately not 'testserver' to check next_link hosts."""
    transport = httpx.ASGITransport(app=create_app(state))
    async with httpx.AsyncClient(
        transport=transport, base_url="http://sandbox.local", headers=AUTH
    ) as c:
        yield c


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    with SandboxServer(state=make_state()) as srv:
        yield srv


@pytest.fixture
def live(server: SandboxServer) -> SandboxServer:
    """The shared loopback server, its state reset to the demo seed for this test."""
    server.state.reset(seed=42, scale="demo")
    return server


@pytest.fixture(params=["asgi", "http"])
async def api(
    request: pytest.FixtureRequest, state: SandboxState, server: SandboxServer
) -> AsyncIterator[tuple[httpx.AsyncClient, SandboxState]]:
    """The same tests against both transports: (client with token, the state it talks to)."""
    if request.param == "asgi":
        transport = httpx.ASGITransport(app=create_app(state))
        async with httpx.AsyncClient(
            transport=transport, base_url="http://sandbox.local", headers=AUTH
        ) as c:
            yield c, state
    else:
        server.state.reset(seed=42, scale="demo")
        async with httpx.AsyncClient(base_url=server.base_url, headers=AUTH) as c:
            yield c, server.state


def first_account(state: SandboxState, *, currency: str | None = None) -> str:
    for account in state.iter_objects("ad_account"):
        if currency is None or account["currency"] == currency:
            return str(account["id"])
    raise AssertionError(f"no {currency} account")


def first_of(state: SandboxState, kind: str, **match: Any) -> dict[str, Any]:
    for obj in state.iter_objects(kind):
        if all(obj.get(k) == v for k, v in match.items()):
            return obj
    raise AssertionError(f"no {kind} with {match}")
