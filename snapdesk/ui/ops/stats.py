"""Stats for the chart and the hourly refresh, run as `AsyncOp`s on the qasync loop.

    services = StatsServices(session, fx=FxTable(settings.fx_rates))
    op = load_report(loop=loop, service=services.for_account(aid), query=StatsQuery(...))
    op.succeeded.connect(...)                     # a StatsReport

    op = refresh_accounts(loop=loop, services=services, ad_account_ids=[...])
    op.succeeded.connect(...)                     # a RefreshOutcome with the notices

    op = apply_fx_rates(loop=loop, services=services, fx=FxTable(new_rates))
    op.succeeded.connect(...)                     # cached rows converted again (a count)

Each login has its own `StatsService` (its own client); all of them share the cache and the FX
table.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from PySide6.QtCore import QObject

from snapdesk.api import SnapApi, SnapError
from snapdesk.stats import FxTable, Notice, RefreshResult, StatsReport, StatsService
from snapdesk.stats.reconvert import reconvert_rows
from snapdesk.store import Store
from snapdesk.ui.ops._op import AsyncOp, error_message
from snapdesk.ui.session import Session

__all__ = [
    "RefreshOutcome",
    "StatsQuery",
    "StatsServices",
    "apply_fx_rates",
    "load_report",
    "refresh_accounts",
]


@dataclass(frozen=True)
class StatsQuery:
    """What the chart asks for: one entity (or its children with `breakdown`) over local days."""

    ad_account_id: str
    kind: str
    entity_id: str
    first_day: date
    last_day: date
    granularity: str = "DAY"
    breakdown: str | None = None


@dataclass(frozen=True)
class RefreshOutcome:
    """What one refresh of several ad accounts found; `failed` maps an account to its error."""

    results: list[RefreshResult]
    failed: dict[str, str] = field(default_factory=dict)

    @property
    def notices(self) -> list[Notice]:
        return [notice for result in self.results for notice in result.notices]


class StatsServices:
    """One `StatsService` per login client, created on first use, sharing the FX table."""

    def __init__(
        self,
        session: Session,
        *,
        fx: FxTable | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self._session = session
        self._fx = fx or FxTable()
        self._now = now
        self._services: dict[int, tuple[SnapApi, StatsService]] = {}

    @property
    def fx(self) -> FxTable:
        return self._fx

    @property
    def store(self) -> Store:
        return self._session.store

    def set_fx(self, fx: FxTable) -> None:
        """Use a new FX table from now on (rows already cached keep the rate they were given)."""
        self._fx = fx
        for _, service in self._services.values():
            service.fx = fx

    def for_account(self, ad_account_id: str) -> StatsService | None:
        """The service of the login that sees the account (the active login when unknown)."""
        profile = self._session.profile_of_account(ad_account_id) or self._session.profile
        api = self._session.api_for(profile) or self._session.api
        if api is None:
            return None
        known = self._services.get(id(api))
        if known is not None and known[0] is api:
            return known[1]
        service = StatsService(api=api, store=self._session.store, fx=self._fx, now=self._now)
        self._services[id(api)] = (api, service)
        return service

    def refreshable_accounts(self) -> list[str]:
        """Synced ad accounts whose login has a client now."""
        out = []
        for account in self._session.store.ad_accounts():
            profile = account.profile or self._session.profile
            if self._session.api_for(profile) is not None:
                out.append(account.id)
        return out


def load_report(
    *,
    loop: asyncio.AbstractEventLoop,
    service: StatsService,
    query: StatsQuery,
    refresh: bool = False,
    parent: QObject | None = None,
) -> AsyncOp:
    """Start fetching (or reading from the cache) the report of `query`; the running op's
    `succeeded` carries the `StatsReport`, `failed` a `StatsError` or `SnapError`."""
    op = AsyncOp(loop=loop, name="stats", parent=parent)
    return op.start(_report(service, query, refresh))


async def _report(service: StatsService, query: StatsQuery, refresh: bool) -> StatsReport:
    return await service.report(
        query.ad_account_id,
        kind=query.kind,
        entity_id=query.entity_id,
        first_day=query.first_day,
        last_day=query.last_day,
        granularity=query.granularity,
        breakdown=query.breakdown,
        refresh=refresh,
    )


def refresh_accounts(
    *,
    loop: asyncio.AbstractEventLoop,
    services: StatsServices,
    ad_account_ids: Sequence[str],
    parent: QObject | None = None,
) -> AsyncOp:
    """Start the refresh of every account in turn (open days re-fetched, state compared); the
    op's `succeeded` carries a `RefreshOutcome`. One account failing does not stop the others."""
    op = AsyncOp(loop=loop, name="stats-refresh", parent=parent)
    return op.start(_refresh(services, list(ad_account_ids)))


async def _refresh(services: StatsServices, ad_account_ids: list[str]) -> RefreshOutcome:
    results: list[RefreshResult] = []
    failed: dict[str, str] = {}
    for account_id in ad_account_ids:
        service = services.for_account(account_id)
        if service is None:
            continue
        try:
            results.append(await service.refresh(account_id))
        except SnapError as exc:
            failed[account_id] = error_message(exc)
        except ValueError as exc:  # an account without a usable time zone
            failed[account_id] = str(exc)
    return RefreshOutcome(results=results, failed=failed)


def apply_fx_rates(
    *,
    loop: asyncio.AbstractEventLoop,
    services: StatsServices,
    fx: FxTable,
    parent: QObject | None = None,
) -> AsyncOp:
    """Use `fx` from now on and convert the cached stats to USD again with it (a day cached
    before its rate was entered gets one); the op's `succeeded` carries the rows changed."""
    services.set_fx(fx)
    store = services.store
    op = AsyncOp(loop=loop, name="fx-rates", parent=parent)
    return op.start(store.awrite(lambda conn: reconvert_rows(conn, fx)))
