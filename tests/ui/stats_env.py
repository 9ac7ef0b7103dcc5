"""Helpers for the stats chart tests and screenshots: a demo sandbox with its stats clock fixed,
a campaign with many ad squads, a cache synced from it and a StatsService on the same clock."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from PySide6.QtWidgets import QApplication

from snapdesk.api import RetryPolicy, SnapApi, StaticTokenProvider
from snapdesk.core.kinds import CAMPAIGN
from snapdesk.sandbox import SandboxServer
from snapdesk.stats import FxTable, StatsService
from snapdesk.store import AccountRow, Store
from snapdesk.sync import SyncService
from snapdesk.ui.models.tree_nodes import AccountContext, TreeNode
from tests.ui.helpers import run_in_loop

# A Sunday evening in Los Angeles (Monday morning in Warsaw and Sydney).
NOW = datetime(2026, 11, 22, 20, 30, tzinfo=UTC)
MANY_SQUADS = 14
MANY_NAME = "Holiday Push — 14 squads"


def clock() -> datetime:
    return NOW


def control(server: SandboxServer, method: str, path: str, body: Any = None) -> Any:
    response = httpx.request(method, f"{server.base_url}/__sandbox__/{path}", json=body)
    response.raise_for_status()
    return response.json() if response.content else None


def recorded_stats(server: SandboxServer) -> list[dict[str, Any]]:
    """The stats requests the sandbox recorded (`GET /__sandbox__/requests`)."""
    return [r for r in control(server, "GET", "requests") if "/stats" in r["path"]]


def prepare(server: SandboxServer) -> None:
    """No rate limit, the stats clock at NOW, and a USD campaign with MANY_SQUADS ad squads."""
    control(server, "POST", "rate_limit", {"per_second": 100000, "burst": 100000})
    control(server, "POST", "stats_clock", {"now": NOW.isoformat()})
    state = server.state
    account = next(
        a for a in state.iter_objects("ad_account") if a["currency"] == "USD" and not a.get("test")
    )
    start = (NOW - timedelta(days=120)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    (campaign,) = state.create(
        "campaign",
        account["id"],
        [
            {
                "name": MANY_NAME,
                "status": "ACTIVE",
                "start_time": start,
                "ad_account_id": account["id"],
                "objective": "WEB_CONVERSION",
            }
        ],
    )
    state.create(
        "ad_squad",
        campaign["id"],
        [
            {
                "name": f"Squad {i + 1:02d} — {geo.upper()}",
                "campaign_id": campaign["id"],
                "status": "ACTIVE",
                "billing_event": "IMPRESSION",
                "optimization_goal": "SWIPES",
                "placement_v2": {"config": "AUTOMATIC"},
                "daily_budget_micro": (20 + (i % 7) * 15) * 1_000_000,
                "start_time": start,
                "targeting": {"geos": [{"country_code": geo}]},
            }
            for i, geo in enumerate(["us", "ca", "gb", "au", "de", "fr", "nl"] * 2)
        ],
    )


def make_api(server: SandboxServer) -> SnapApi:
    return SnapApi(
        token_provider=StaticTokenProvider(server.token),
        base_url=server.api_base,
        rate_limit=None,
        retry=RetryPolicy(max_attempts=2, base=0.01, cap=0.05),
    )


def sync(qapp: QApplication, loop: asyncio.AbstractEventLoop, api: SnapApi, store: Store) -> None:
    result = run_in_loop(qapp, loop, SyncService(api=api, store=store).sync(), timeout=60)
    assert result.ok


def make_service(api: SnapApi, store: Store, fx: FxTable | None = None) -> StatsService:
    return StatsService(api=api, store=store, fx=fx or FxTable(), now=clock)


def account(store: Store, currency: str) -> AccountRow:
    return next(a for a in store.ad_accounts() if a.currency == currency and not a.data.get("test"))


def campaign_node(store: Store, name: str | None = None, currency: str = "USD") -> TreeNode:
    """A tree node for a synced campaign (the one named `name`, else the account's first)."""
    acc = account(store, currency)
    rows = store.campaigns(acc.id)
    row = next(r for r in rows if r.name == name) if name else rows[0]
    return node_for(acc, CAMPAIGN, row.id, row.name)


def node_for(acc: AccountRow, kind: str, entity_id: str, name: str | None) -> TreeNode:
    return TreeNode(
        kind=kind,
        id=entity_id,
        name=name,
        account=AccountContext(acc.id, acc.name, acc.currency, acc.timezone, acc.profile),
    )


def services_of(service: StatsService) -> Callable[[str], StatsService | None]:
    return lambda _account_id: service
