"""`TargetingServices`: the window's one owner of the targeting catalogues and estimates.

It holds one `TargetingCatalog` and one `Estimates` on the window's store, loads catalogues on
demand on the qasync loop (`AsyncOp`), and announces every list that changed with one signal,
`options_changed(dimension, country)`, so every picker refreshes from the cache (pickers keep
no copies beyond what they display). Reach and bid estimates are started here too
(`estimate_reach`, `estimate_bid`), returning the running op.

    services = TargetingServices(store=store, loop=loop, api_for_account=session_api_for)
    services.options_changed.connect(picker.refresh)
    services.ensure("country", ad_account_id=account_id)
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from PySide6.QtCore import QObject, Signal

from snapdesk.api import SnapApi
from snapdesk.store import Store
from snapdesk.targeting import (
    DIMENSIONS,
    INTEREST_DIMENSIONS,
    CachedOptions,
    Estimates,
    TargetingCatalog,
)
from snapdesk.ui._signals import emit
from snapdesk.ui.ops._op import AsyncOp, error_message

#: What the ad squad editor needs as soon as it shows (the rest follows the chosen countries).
EDITOR_DIMENSIONS: Final = (
    "country",
    "languages",
    *INTEREST_DIMENSIONS,
    "os_type",
    "os_version",
    "connection_type",
    "carrier",
    "marketing_name",
)
#: Lists per country, loaded for every country the targeting names.
COUNTRY_DIMENSIONS: Final = ("region", "metro", "postal_code")

LOADING: Final = "loading"
READY: Final = "ready"
STALE: Final = "stale"
FAILED: Final = "failed"
NO_API: Final = "no_api"
MISSING: Final = "missing"


@dataclass(frozen=True)
class ListStatus:
    """Where one catalogue list stands: `state` is one of LOADING, READY, STALE (an old copy:
    Snap couldn't be reached), FAILED (nothing cached, the load failed: `message`), NO_API
    (nothing cached, not signed in), MISSING (never asked for)."""

    state: str
    fetched_at: datetime | None = None
    message: str = ""

    def note(self) -> str:
        """One line for under a picker ("" when there's nothing to say)."""
        if self.state == STALE and self.fetched_at is not None:
            return (
                "Offline — showing the catalogue saved on "
                f"{self.fetched_at.astimezone().strftime('%Y-%m-%d')}"
            )
        if self.state == LOADING:
            return "Loading Snap's catalogue…"
        if self.state == FAILED:
            return f"Snap's catalogue couldn't be loaded: {self.message}"
        if self.state == NO_API:
            return "Sign in to load Snap's catalogue of names"
        return ""


def _key(dimension: str, country: str | None) -> tuple[str, str]:
    return dimension, (country or "").lower()


class TargetingServices(QObject):
    """Signals: `options_changed(dimension, country)` (country "" for lists not per country)
    whenever a list was loaded, failed or started loading."""

    options_changed = Signal(str, str)

    def __init__(
        self,
        *,
        store: Store,
        loop: asyncio.AbstractEventLoop,
        api_for_account: Callable[[str], SnapApi | None],
        catalog: TargetingCatalog | None = None,
        estimates: Estimates | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._loop = loop
        self._api_for_account = api_for_account
        self.catalog = catalog or TargetingCatalog(store)
        self.estimates = estimates or Estimates(store)
        self._ops: dict[tuple[str, str], AsyncOp] = {}
        self._status: dict[tuple[str, str], ListStatus] = {}

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        return self._loop

    def api(self, ad_account_id: str | None) -> SnapApi | None:
        if not ad_account_id:
            return None
        return self._api_for_account(ad_account_id)

    # -- catalogues ------------------------------------------------------------------------

    def cached(self, dimension: str, country: str | None = None) -> CachedOptions | None:
        if DIMENSIONS[dimension].country_scoped and not country:
            return None
        return self.catalog.cached(dimension, country)

    def status(self, dimension: str, country: str | None = None) -> ListStatus:
        key = _key(dimension, country if DIMENSIONS[dimension].country_scoped else None)
        known = self._status.get(key)
        if known is not None and known.state in (LOADING, FAILED, NO_API):
            cached = self.cached(dimension, country)
            if cached is not None and known.state != LOADING:
                return ListStatus(STALE, cached.fetched_at)
            return known
        cached = self.cached(dimension, country)
        if cached is None:
            return known or ListStatus(MISSING)
        if cached.stale:
            return ListStatus(STALE, cached.fetched_at)
        return ListStatus(READY, cached.fetched_at)

    def ensure(
        self, dimension: str, country: str | None = None, *, ad_account_id: str | None
    ) -> AsyncOp | None:
        """Load a list unless a fresh copy is cached or it is loading; returns the op started
        (None when nothing had to be done or there is no login to ask with)."""
        scoped = DIMENSIONS[dimension].country_scoped
        if scoped and not country:
            return None
        country = country.lower() if scoped and country else None
        key = _key(dimension, country)
        if key in self._ops:
            return None
        cached = self.cached(dimension, country)
        if cached is not None and not cached.stale:
            return None
        known = self._status.get(key)
        if known is not None and known.state == FAILED and cached is None:
            return None  # asked once this session; `reload` asks again
        api = self.api(ad_account_id)
        if api is None:
            self._status[key] = ListStatus(NO_API)
            emit(self.options_changed, dimension, country or "")
            return None
        op = AsyncOp(loop=self._loop, name=f"targeting catalogue {dimension}", parent=self)
        self._ops[key] = op
        self._status[key] = ListStatus(LOADING)
        op.succeeded.connect(lambda result, k=key: self._on_load_succeeded(k, result))
        op.failed.connect(lambda exc, k=key: self._on_load_failed(k, exc))
        op.finished.connect(lambda k=key: self._on_load_finished(k))
        op.start(self.catalog.load(api, dimension, country))
        emit(self.options_changed, dimension, country or "")
        return op

    def ensure_all(
        self, *, ad_account_id: str | None, countries: tuple[str, ...] | list[str] = ()
    ) -> None:
        """What the ad squad editor shows: the lists not per country, then each country's."""
        for dimension in EDITOR_DIMENSIONS:
            self.ensure(dimension, ad_account_id=ad_account_id)
        for country in dict.fromkeys(c.lower() for c in countries if c):
            for dimension in COUNTRY_DIMENSIONS:
                self.ensure(dimension, country, ad_account_id=ad_account_id)

    def reload(self, *, ad_account_id: str | None) -> None:
        """Ask again for the lists that failed."""
        for key, status in list(self._status.items()):
            if status.state in (FAILED, NO_API):
                del self._status[key]
                self.ensure(key[0], key[1] or None, ad_account_id=ad_account_id)

    def loading(self) -> bool:
        return bool(self._ops)

    def shutdown(self) -> None:
        """Stop loading and announcing (before the store closes)."""
        self.blockSignals(True)
        for op in list(self._ops.values()):
            op.cancel()
        self._ops.clear()

    def _on_load_succeeded(self, key: tuple[str, str], result: object) -> None:
        if isinstance(result, CachedOptions) and result.stale:
            self._status[key] = ListStatus(STALE, result.fetched_at)
        else:
            self._status.pop(key, None)

    def _on_load_failed(self, key: tuple[str, str], exc: object) -> None:
        message = error_message(exc) if isinstance(exc, BaseException) else str(exc)
        self._status[key] = ListStatus(FAILED, message=message)

    def _on_load_finished(self, key: tuple[str, str]) -> None:
        op = self._ops.pop(key, None)
        if op is not None:
            op.deleteLater()
        emit(self.options_changed, key[0], key[1])

    # -- estimates -------------------------------------------------------------------------

    def estimate_reach(self, *, ad_account_id: str, squad: Mapping[str, Any]) -> AsyncOp | None:
        """Start an audience size estimate (None without a login)."""
        api = self.api(ad_account_id)
        if api is None:
            return None
        op = AsyncOp(loop=self._loop, name="audience size estimate", parent=self)
        op.start(self.estimates.reach(api, ad_account_id, dict(squad)))
        return op

    def estimate_bid(
        self, *, ad_account_id: str, goal: str, targeting: Mapping[str, Any]
    ) -> AsyncOp | None:
        api = self.api(ad_account_id)
        if api is None:
            return None
        op = AsyncOp(loop=self._loop, name="bid estimate", parent=self)
        op.start(self.estimates.bid(api, ad_account_id, goal, dict(targeting)))
        return op


def session_api_for(session: Any) -> Callable[[str], SnapApi | None]:
    """The api of the login an ad account was synced with (else the active one), as the
    Audiences page picks it."""

    def api_for_account(ad_account_id: str) -> SnapApi | None:
        profile = session.profile_of_account(ad_account_id) or session.profile
        api: SnapApi | None = session.api_for(profile) or session.api
        return api

    return api_for_account
