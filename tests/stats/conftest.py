"""Fixtures: a demo sandbox in-process, a SnapApi on it, a fresh cache and a StatsService."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from snapdesk.api import SnapApi, StaticTokenProvider
from snapdesk.sandbox import SANDBOX_TOKEN, SandboxState, create_app, seed_state
from snapdesk.stats import FxTable, StatsService
from snapdesk.store import Store

# The stats clock of these tests: a Sunday evening in Los Angeles, after the seed's "now".
NOW = datetime(2026, 11, 22, 20, 30, tzinfo=UTC)


def account_of(
    state: SandboxState, currency: str, *, timezone: str | None = None
) -> dict[str, Any]:
    for account in state.iter_objects("ad_account"):
        if account["currency"] == currency and not account.get("test"):
            if timezone is None or account["timezone"] == timezone:
                return account
    raise AssertionError(f"no {currency} account")


def children(state: SandboxState, kind: str, index: str, key: str) -> list[dict[str, Any]]:
    coll = state.collections[kind]
    return [coll.objects[i] for i in coll.ids(index, key) if not coll.objects[i].get("deleted")]


@pytest.fixture
def state() -> SandboxState:
    st = SandboxState(rate_limit=None, segment_processing_seconds=0.0)
    seed_state(st, seed=42, scale="demo")
    st.stats_now = NOW
    return st


@pytest.fixture
async def api(state: SandboxState) -> AsyncIterator[SnapApi]:
    client = SnapApi(
        token_provider=StaticTokenProvider(SANDBOX_TOKEN),
        base_url="http://sandbox.local/v1",
        transport=httpx.ASGITransport(app=create_app(state)),
        rate_limit=None,
    )
    yield client
    await client.aclose()


@pytest.fixture
def store(tmp_path: Path) -> Any:
    s = Store(tmp_path / "cache.sqlite3")
    yield s
    s.close()


@pytest.fixture
def make_service(api: SnapApi, store: Store) -> Callable[..., StatsService]:
    def factory(**kwargs: Any) -> StatsService:
        kwargs.setdefault("now", lambda: NOW)
        kwargs.setdefault("fx", FxTable())
        return StatsService(api=api, store=store, **kwargs)

    return factory
