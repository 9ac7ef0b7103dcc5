"""RefreshingTokenProvider: early refresh, one refresh for many callers, 401, persistence."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from snapdesk.api import SnapApi
from snapdesk.auth import (
    KeyringTokenStore,
    MemoryTokenStore,
    OAuthApp,
    RefreshingTokenProvider,
    SignInRequired,
    TokenEndpoint,
    TokenSet,
)

APP = OAuthApp(
    client_id="cid",
    client_secret="csecret",
    redirect_uri="http://127.0.0.1:1/cb",
    oauth_base="https://accounts.example.test",
)


class Clock:
    def __init__(self, now: float = 10_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class FakeTokenServer:
    """Token endpoint fake: counts refreshes, optionally rotates, can refuse."""

    def __init__(self, *, rotate: bool = False, delay: float = 0.0, expires_in: int = 3600) -> None:
        self.rotate = rotate
        self.delay = delay
        self.expires_in = expires_in
        self.refreshes = 0
        self.refuse = False

    async def handler(self, request: httpx.Request) -> httpx.Response:
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.refuse:
            return httpx.Response(400, json={"error": "invalid_grant"})
        self.refreshes += 1
        body = {
            "access_token": f"at-{self.refreshes + 1}",
            "expires_in": self.expires_in,
            "scope": "snapchat-marketing-api",
        }
        if self.rotate:
            body["refresh_token"] = f"rt-{self.refreshes + 1}"
        return httpx.Response(200, json=body)


def make(
    server: FakeTokenServer,
    clock: Clock,
    *,
    expires_in: float = 3600,
    store: MemoryTokenStore | KeyringTokenStore | None = None,
) -> tuple[RefreshingTokenProvider, MemoryTokenStore | KeyringTokenStore]:
    store = store or MemoryTokenStore()
    store.save("default", TokenSet("at-1", "rt-1", clock.now + expires_in, lifetime=expires_in))
    endpoint = TokenEndpoint(APP, transport=httpx.MockTransport(server.handler), clock=clock)
    return RefreshingTokenProvider(
        profile="default", store=store, endpoint=endpoint, clock=clock
    ), store


async def test_uses_stored_token_until_five_minutes_before_expiry() -> None:
    clock, server = Clock(), FakeTokenServer()
    provider, store = make(server, clock)
    assert await provider.token() == "at-1"
    clock.now += 3600 - 301
    assert await provider.token() == "at-1"
    clock.now += 1
    assert await provider.token() == "at-2"
    assert server.refreshes == 1
    saved = store.load("default")
    assert saved is not None and saved.access_token == "at-2" and saved.refresh_token == "rt-1"


async def test_short_tokens_refresh_at_half_life() -> None:
    clock, server = Clock(), FakeTokenServer(expires_in=120)
    provider, _ = make(server, clock, expires_in=120)
    clock.now += 59
    assert await provider.token() == "at-1"
    clock.now += 1
    assert await provider.token() == "at-2"  # half of 120 s
    clock.now += 59
    assert await provider.token() == "at-2"
    clock.now += 1
    assert await provider.token() == "at-3"
    assert server.refreshes == 2


async def test_token_reloaded_from_keyring_uses_the_full_margin() -> None:
    clock, server = Clock(), FakeTokenServer()
    provider, _ = make(server, clock, expires_in=120, store=KeyringTokenStore())
    assert await provider.token() == "at-2"  # lifetime unknown after a restart: 5 minutes early


async def test_many_concurrent_callers_trigger_one_refresh() -> None:
    clock, server = Clock(), FakeTokenServer(delay=0.05)
    provider, _ = make(server, clock)
    clock.now += 3600
    results = await asyncio.gather(*(provider.token() for _ in range(50)))
    assert set(results) == {"at-2"}
    assert server.refreshes == 1


async def test_concurrent_401s_trigger_one_refresh() -> None:
    clock, server = Clock(), FakeTokenServer(delay=0.05)
    provider, _ = make(server, clock)
    answers = await asyncio.gather(*(provider.refresh_after_unauthorized() for _ in range(20)))
    assert all(answers)
    assert server.refreshes == 1


async def test_rotated_refresh_token_is_persisted() -> None:
    clock, server = Clock(), FakeTokenServer(rotate=True)
    provider, store = make(server, clock, store=KeyringTokenStore())
    assert await provider.refresh_after_unauthorized()
    saved = store.load("default")
    assert saved is not None and saved.refresh_token == "rt-2" and saved.access_token == "at-2"


async def test_refused_refresh_raises_sign_in_required_and_keeps_the_login() -> None:
    clock, server = Clock(), FakeTokenServer()
    server.refuse = True
    provider, store = make(server, clock)
    clock.now += 4000
    with pytest.raises(SignInRequired):
        await provider.token()
    assert store.load("default") is not None  # nothing deleted behind the user's back


async def test_proactive_refresh_failure_keeps_a_still_valid_token() -> None:
    clock = Clock()

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("offline")

    store = MemoryTokenStore()
    store.save("default", TokenSet("at-1", "rt-1", clock.now + 200, lifetime=3600))

    async def no_sleep(_: float) -> None:
        return None

    endpoint = TokenEndpoint(APP, transport=httpx.MockTransport(down), sleep=no_sleep, clock=clock)
    provider = RefreshingTokenProvider(
        profile="default", store=store, endpoint=endpoint, clock=clock
    )
    assert await provider.token() == "at-1"


async def test_snap_api_refreshes_once_on_401_and_retries() -> None:
    clock, server = Clock(), FakeTokenServer()
    provider, _ = make(server, clock)
    seen: list[str] = []

    def api(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["authorization"])
        if request.headers["authorization"] == "Bearer at-1":
            return httpx.Response(401, text="unauthorized")
        return httpx.Response(
            200, json={"request_status": "SUCCESS", "request_id": "r", "me": {"id": "u1"}}
        )

    async with SnapApi(
        token_provider=provider,
        base_url="https://adsapi.example.test/v1",
        transport=httpx.MockTransport(api),
    ) as client:
        me = await client.me.get()
    assert me.id == "u1"
    assert seen == ["Bearer at-1", "Bearer at-2"]
    assert server.refreshes == 1


async def test_401s_arriving_after_the_refresh_do_not_refresh_again() -> None:
    """Requests that were in flight with the old token get one refresh between them."""
    clock, server = Clock(), FakeTokenServer(delay=0.02)
    provider, _ = make(server, clock)
    gate = asyncio.Event()
    arrived = 0

    async def api(request: httpx.Request) -> httpx.Response:
        nonlocal arrived
        if request.headers["authorization"] == "Bearer at-1":
            arrived += 1
            if arrived == 20:
                gate.set()
            await gate.wait()  # all 20 requests are sent with at-1 before any 401 comes back
            return httpx.Response(401, text="unauthorized")
        return httpx.Response(
            200, json={"request_status": "SUCCESS", "request_id": "r", "me": {"id": "u1"}}
        )

    async with SnapApi(
        token_provider=provider,
        base_url="https://adsapi.example.test/v1",
        transport=httpx.MockTransport(api),
        rate_limit=None,
    ) as client:
        first = await asyncio.gather(*(client.me.get() for _ in range(20)))
        assert {me.id for me in first} == {"u1"}
    assert server.refreshes == 1
