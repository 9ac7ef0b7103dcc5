"""Helpers for the editing/posting UI tests: a real sandbox over loopback HTTP, a cache synced
from it, and a minimal window hosting posts (what `post_changes` and `PostFlow` need)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from PySide6.QtWidgets import QApplication, QWidget

from snapdesk.api import RetryPolicy, SnapApi, StaticTokenProvider
from snapdesk.core.settings import AppSettings
from snapdesk.sandbox import SandboxServer
from snapdesk.store import AccountRow, Store
from snapdesk.sync import SyncService
from snapdesk.ui.session import Session
from tests.ui.helpers import run_in_loop

WRITES = ("POST", "PUT", "DELETE", "PATCH")
SEED = 42


def control(server: SandboxServer, method: str, path: str, body: Any = None) -> Any:
    response = httpx.request(method, f"{server.base_url}/__sandbox__/{path}", json=body)
    response.raise_for_status()
    return response.json() if response.content else None


def recorded(server: SandboxServer) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = control(server, "GET", "requests")
    return result


# POSTs that only read: Snap's estimates take the squad spec as a body and store nothing
# (snap-targeting.md §3.1, §3.4); the editor and the grid ask for them as you look.
READ_ONLY_POSTS = ("/audience_size_v2", "/audience_size", "/bid_estimate")


def recorded_writes(server: SandboxServer) -> list[dict[str, Any]]:
    return [
        r
        for r in recorded(server)
        if r["method"] in WRITES and not str(r["path"]).endswith(READ_ONLY_POSTS)
    ]


def clear_recorded(server: SandboxServer) -> None:
    control(server, "DELETE", "requests")


def reset(server: SandboxServer) -> None:
    control(server, "POST", "reset", {"seed": SEED, "scale": "demo"})
    control(server, "POST", "rate_limit", {"per_second": 100000, "burst": 100000})


def make_api(server: SandboxServer) -> SnapApi:
    return SnapApi(
        token_provider=StaticTokenProvider(server.token),
        base_url=server.api_base,
        rate_limit=1000,
        retry=RetryPolicy(max_attempts=3, base=0.01, cap=0.05),
    )


def sync(qapp: QApplication, loop: asyncio.AbstractEventLoop, api: SnapApi, store: Store) -> None:
    result = run_in_loop(qapp, loop, SyncService(api=api, store=store).sync(), timeout=60)
    assert result.ok


def usd_account(store: Store) -> AccountRow:
    return next(a for a in store.ad_accounts() if a.currency == "USD" and not a.data.get("test"))


def server_put(server: SandboxServer, path: str, body: dict[str, Any], key: str) -> dict[str, Any]:
    """Someone else changes an entity on Snap (a PUT with its own Idempotency-Key)."""
    response = httpx.put(
        f"{server.api_base}{path}",
        json=body,
        headers={"Authorization": f"Bearer {server.token}", "Idempotency-Key": key},
    )
    response.raise_for_status()
    result: dict[str, Any] = response.json()
    return result


def server_get(server: SandboxServer, path: str) -> dict[str, Any]:
    response = httpx.get(
        f"{server.api_base}{path}", headers={"Authorization": f"Bearer {server.token}"}
    )
    response.raise_for_status()
    result: dict[str, Any] = response.json()
    return result


class Host(QWidget):
    """The window side of posting: loop, store, session, settings."""

    def __init__(
        self,
        *,
        store: Store,
        loop: asyncio.AbstractEventLoop,
        api: SnapApi | None,
        settings: AppSettings | None = None,
    ) -> None:
        super().__init__()
        self._session = Session(store=store, loop=loop, api=api, profile="default")
        self._settings = settings or AppSettings(media_poll_seconds=0.0)

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        return self._session.loop

    @property
    def store(self) -> Store:
        return self._session.store

    @property
    def session(self) -> Session:
        return self._session

    @property
    def app_settings(self) -> AppSettings:
        return self._settings
