"""Fixtures: the sandbox in-process (httpx.ASGITransport) with a CAPI client, a cache, helpers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

from snapdesk.api import RetryPolicy
from snapdesk.api.capi import CapiClient
from snapdesk.conversions import LoadOptions, LoadResult, load_rows
from snapdesk.sandbox import SandboxState, create_app
from snapdesk.sandbox.capi import DEMO_PIXEL_ID, SANDBOX_CAPI_TOKEN
from snapdesk.store import Store

NOW = datetime(2025, 6, 2, 12, 0, tzinfo=UTC)
PIXEL = DEMO_PIXEL_ID
CAPI_BASE = "http://sandbox.test/v3"


async def no_sleep(seconds: float) -> None:
    await asyncio.sleep(0)


def load(
    header: Sequence[str], *rows: Sequence[str], now: datetime | None = NOW, **options: Any
) -> LoadResult:
    return load_rows(list(header), [list(r) for r in rows], LoadOptions(now=now, **options))


def event_of(result: LoadResult, index: int = 0) -> dict[str, Any]:
    assert result.file_errors == (), result.file_errors
    assert len(result.events) > index, result.report_lines()
    return dict(result.events[index].event)


def reasons(result: LoadResult) -> list[tuple[int, str, str]]:
    return [(i.row, i.field, i.reason) for i in result.errors]


@pytest.fixture
def state() -> SandboxState:
    return SandboxState()


@pytest.fixture
def transport(state: SandboxState) -> httpx.ASGITransport:
    return httpx.ASGITransport(app=create_app(state))


@pytest.fixture
async def capi(transport: httpx.ASGITransport) -> AsyncIterator[CapiClient]:
    async with CapiClient(
        token=SANDBOX_CAPI_TOKEN,
        base_url=CAPI_BASE,
        transport=transport,
        sleep=no_sleep,
        retry=RetryPolicy(max_attempts=4),
    ) as client:
        yield client


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / "cache.sqlite3")
    try:
        yield s
    finally:
        s.close()


class MemoryKeyring(KeyringBackend):
    """A keyring backend in a dict: no test may touch the user's real keyring."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.entries:
            raise PasswordDeleteError("not found")
        del self.entries[(service, username)]


@pytest.fixture(autouse=True)
def memory_keyring(monkeypatch: pytest.MonkeyPatch) -> Iterator[MemoryKeyring]:
    monkeypatch.delenv("SNAPDESK_CAPI_TOKEN", raising=False)
    monkeypatch.delenv("SNAPDESK_CAPI_BASE", raising=False)
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)
