"""Fixtures: the sandbox over real loopback HTTP, a client, a cache, the upload journal."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from snapdesk.api import RetryPolicy, SnapApi, StaticTokenProvider
from snapdesk.changes import SegmentUploads
from snapdesk.sandbox import SandboxServer
from snapdesk.store import Store

WRITES = ("POST", "PUT", "DELETE", "PATCH")


@pytest.fixture(scope="session")
def server() -> Iterator[SandboxServer]:
    with SandboxServer(seed=42, scale="demo") as srv:
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


@pytest.fixture
def sandbox(server: SandboxServer) -> SandboxServer:
    control(server, "POST", "reset", {"seed": 42, "scale": "demo"})
    control(server, "POST", "rate_limit", {"per_second": 100000, "burst": 100000})
    control(server, "POST", "segment_processing", {"seconds": 0})
    return server


def first_account(server: SandboxServer) -> str:
    for account in server.state.iter_objects("ad_account"):
        return str(account["id"])
    raise AssertionError("no ad account")


def new_segment(server: SandboxServer, account_id: str, name: str = "Test list") -> str:
    body = {"segments": [{"name": name, "source_type": "FIRST_PARTY", "retention_in_days": 180}]}
    response = httpx.post(
        f"{server.api_base}/adaccounts/{account_id}/segments",
        json=body,
        headers={"Authorization": f"Bearer {server.token}"},
    )
    response.raise_for_status()
    return str(response.json()["segments"][0]["segment"]["id"])


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
async def api(sandbox: SandboxServer) -> AsyncIterator[SnapApi]:
    async with make_api(sandbox) as client:
        yield client


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "cache.sqlite3"


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    s = Store(db_path)
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def uploads(api: SnapApi, store: Store) -> SegmentUploads:
    return SegmentUploads(api=api, store=store, profile="tester", poll_seconds=0.05)


def digests(n: int, start: int = 0, domain: str = "example.com") -> bytes:
    return b"".join(
        hashlib.sha256(f"user{i}@{domain}".encode()).digest() for i in range(start, start + n)
    )
