"""Fixtures: a sandbox over real loopback HTTP, a synced cache, the edit service, gateways."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from snapdesk.api import RetryPolicy, SnapApi, StaticTokenProvider
from snapdesk.changes import EditService, WriteGateway
from snapdesk.core.settings import AppSettings
from snapdesk.sandbox import SandboxServer
from snapdesk.store import AccountRow, EntityRow, Store
from snapdesk.sync import SyncService

SEED = 42
WRITES = ("POST", "PUT", "DELETE", "PATCH")


@pytest.fixture(scope="session")
def server() -> Iterator[SandboxServer]:
    with SandboxServer(seed=SEED, scale="demo") as srv:
        yield srv


def control(server: SandboxServer, method: str, path: str, body: Any = None) -> Any:
    response = httpx.request(method, f"{server.base_url}/__sandbox__/{path}", json=body)
    response.raise_for_status()
    return response.json()


def recorded(server: SandboxServer) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = control(server, "GET", "requests")
    return result


def recorded_writes(server: SandboxServer) -> list[dict[str, Any]]:
    return [r for r in recorded(server) if r["method"] in WRITES]


def clear_recorded(server: SandboxServer) -> None:
    control(server, "DELETE", "requests")


@pytest.fixture(autouse=True)
def _fresh_sandbox(server: SandboxServer) -> None:
    control(server, "POST", "reset", {"seed": SEED, "scale": "demo"})
    control(server, "POST", "rate_limit", {"per_second": 100000, "burst": 100000})


async def no_sleep(seconds: float) -> None:
    await asyncio.sleep(0)


def make_api(server: SandboxServer) -> SnapApi:
    return SnapApi(
        token_provider=StaticTokenProvider(server.token),
        base_url=server.api_base,
        rate_limit=1000,
        retry=RetryPolicy(max_attempts=5),
        sleep=no_sleep,
    )


@pytest.fixture
async def api(server: SandboxServer) -> AsyncIterator[SnapApi]:
    async with make_api(server) as client:
        yield client


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "cache.sqlite3"


@pytest.fixture
async def store(db_path: Path, api: SnapApi, server: SandboxServer) -> AsyncIterator[Store]:
    s = Store(db_path)
    try:
        result = await SyncService(api=api, store=s).sync()
        assert result.ok
        clear_recorded(server)
        yield s
    finally:
        s.close()


@pytest.fixture
def edits(store: Store) -> EditService:
    return EditService(store=store)


@pytest.fixture
def settings() -> AppSettings:
    return AppSettings(media_poll_seconds=0.0)


@pytest.fixture
def gateway(api: SnapApi, store: Store, settings: AppSettings) -> Callable[..., WriteGateway]:
    def make(*, live: bool, **kw: Any) -> WriteGateway:
        kw.setdefault("settings", settings)
        kw.setdefault("sleep", no_sleep)
        return WriteGateway(api=api, store=store, live=live, profile="tester", **kw)

    return make


def usd_account(store: Store) -> AccountRow:
    return next(a for a in store.ad_accounts() if a.currency == "USD" and not a.data.get("test"))


def account(store: Store, currency: str) -> AccountRow:
    return next(a for a in store.ad_accounts() if a.currency == currency)


def first_campaign(store: Store, currency: str = "USD") -> EntityRow:
    acc = account(store, currency) if currency != "USD" else usd_account(store)
    return store.campaigns(acc.id)[0]


def first_squad(store: Store, currency: str = "USD") -> EntityRow:
    acc = account(store, currency) if currency != "USD" else usd_account(store)
    for campaign in store.campaigns(acc.id):
        for squad in store.ad_squads(campaign.id):
            if squad.data.get("bid_strategy") == "LOWEST_COST_WITH_MAX_BID" and squad.data.get(
                "daily_budget_micro"
            ):
                return squad
    raise AssertionError("no ad squad with a max bid and a daily budget")
