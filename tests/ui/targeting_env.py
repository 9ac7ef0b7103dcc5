"""Helpers for the targeting editor tests: a small Snap targeting catalogue in its raw shapes
(reference/snap-targeting.md §1.2), a client that serves it and answers audience size and bid
estimates (counting requests, optionally slow or offline), and `TargetingServices` on it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

from PySide6.QtWidgets import QApplication

from snapdesk.api import ConnectionFailed
from snapdesk.store import Store
from snapdesk.targeting import TargetingCatalog
from snapdesk.ui.ops.targeting import EDITOR_DIMENSIONS, TargetingServices
from tests.ui.helpers import run_in_loop


def _country(code: str, name: str) -> dict[str, Any]:
    return {
        "continent": {"id": "6255149", "name": "North America"},
        "country": {"id": code, "name": name, "code": code.upper(), "code2": code},
    }


def _region(cc: str, country: str, rid: str, code: str, name: str) -> dict[str, Any]:
    return {
        "country": {"name": country, "code2": cc},
        "region": {"id": rid, "code": code, "name": name},
    }


def _slc(ident: str, name: str, parent: str = "SLC_0", path: str | None = None) -> dict[str, Any]:
    return {
        "id": ident,
        "name": name,
        "path": path or f"/{name}",
        "parent_id": parent,
        "source": "SNAPCHAT",
    }


CATALOGUE: dict[tuple[str, str], list[dict[str, Any]]] = {
    ("country", ""): [
        _country("us", "United States"),
        _country("gb", "United Kingdom"),
        _country("fr", "France"),
        _country("de", "Germany"),
        _country("ca", "Canada"),
    ],
    ("region", "us"): [
        _region("us", "United States", "3", "az", "Arizona"),
        _region("us", "United States", "44", "tx", "Texas"),
        _region("us", "United States", "5", "ca", "California"),
    ],
    ("metro", "us"): [
        {"metro": {"id": "807", "name": "San Francisco-Oakland-San Jose", "regions": "ca"}},
        {"metro": {"id": "623", "name": "Dallas-Ft. Worth", "regions": "tx"}},
    ],
    ("postal_code", "us"): [{"postalCode": f"941{n:02d}"} for n in range(0, 20)]
    + [{"postalCode": "30090"}],
    ("region", "gb"): [
        _region("gb", "United Kingdom", "1001", "eng", "England"),
        _region("gb", "United Kingdom", "1002", "sct", "Scotland"),
    ],
    ("metro", "gb"): [{"metro": {"id": "2643743", "name": "London", "regions": "eng"}}],
    ("postal_code", "gb"): [{"postalCode": "SW1A"}],
    ("languages", ""): [
        {"id": "en", "name": "English"},
        {"id": "es", "name": "Spanish"},
        {"id": "fr", "name": "French"},
        {"id": "de", "name": "German"},
    ],
    ("scls", ""): [
        _slc("SLC_28", "Foodies"),
        _slc("SLC_104", "Coffee Lovers", "SLC_28", "/Foodies/Coffee Lovers"),
        _slc("SLC_87", "Foodies & Cooks", "SLC_28", "/Foodies/Foodies & Cooks"),
        _slc("SLC_20", "Beauty Mavens"),
        _slc("SLC_229", "Skincare Enthusiasts", "SLC_20", "/Beauty Mavens/Skincare Enthusiasts"),
        _slc("SLC_112", "Fitness Enthusiasts"),
        _slc("SLC_1", "Adventure Seekers"),
        _slc("SLC_164", "Outdoor & Nature Enthusiasts", "SLC_1"),
        {
            "id": "SLC_51",
            "name": "Fashion & Style Gurus",
            "path": "/Fashion & Style Gurus",
            "parentId": "SLC_0",
            "hasChild": 0,
        },
        _slc("SLC_31", "Tech & Gadget Fans"),
        _slc("SLC_92", "Travel Enthusiasts"),
    ],
    ("dlxs", ""): [
        {
            "id": "DLXS_1",
            "name": "Auto Intenders",
            "path": "/Auto Intenders",
            "parent_id": None,
            "source": "DATALOGIX",
        }
    ],
    ("dlxc", ""): [],
    ("dlxp", ""): [],
    ("nln", ""): [
        {"id": "NLN_7", "name": "Sports Viewers", "path": "/Sports Viewers", "source": "NIELSEN"}
    ],
    ("plc", ""): [],
    ("os_type", ""): [{"id": "iOS", "name": "iOS"}, {"id": "ANDROID", "name": "Android"}],
    ("os_version", ""): [
        {"id": "15.0", "name": "15.0", "os_type": "iOS"},
        {"id": "16.0", "name": "16.0", "os_type": "iOS"},
        {"id": "17.0", "name": "17.0", "os_type": "iOS"},
        {"id": "12", "name": "12", "os_type": "ANDROID"},
        {"id": "13", "name": "13", "os_type": "ANDROID"},
    ],
    ("connection_type", ""): [{"id": "WIFI", "name": "Wi-Fi"}, {"id": "CELL", "name": "Cellular"}],
    ("carrier", ""): [
        {"id": "US_VERIZON", "name": "Verizon"},
        {"id": "US_ATT", "name": "AT&T"},
        {"id": "GB_EE", "name": "EE"},
    ],
    ("marketing_name", ""): [
        {"id": "Apple iPhone 15", "name": "Apple iPhone 15"},
        {"id": "Samsung Galaxy S24", "name": "Samsung Galaxy S24"},
    ],
}


class _Targeting:
    def __init__(self, owner: FakeTargetingApi) -> None:
        self._owner = owner

    async def options(
        self, dimension: str, country: str | None = None, *, limit: int | None = None
    ) -> AsyncIterator[dict[str, Any]]:
        self._owner.catalogue_requests.append((dimension, country or ""))
        if self._owner.offline:
            raise ConnectionFailed("Can't reach Snap: the network is down")
        scoped = dimension in ("region", "metro", "postal_code")
        for item in CATALOGUE.get((dimension, (country or "") if scoped else ""), []):
            yield item

    async def audience_size(self, ad_account_id: str, squad: dict[str, Any]) -> dict[str, Any]:
        self._owner.reach_requests.append(squad)
        if self._owner.delay:
            await asyncio.sleep(self._owner.delay)
        if self._owner.offline:
            raise ConnectionFailed("Can't reach Snap: the network is down")
        return self._owner.size_of(squad["targeting"])

    async def bid_estimate(
        self, ad_account_id: str, goal: str, targeting: dict[str, Any]
    ) -> dict[str, Any]:
        self._owner.bid_requests.append((goal, targeting))
        if self._owner.delay:
            await asyncio.sleep(self._owner.delay)
        if self._owner.offline:
            raise ConnectionFailed("Can't reach Snap: the network is down")
        return {
            "optimization_goal": goal,
            "bid_estimate_minimum": 2_400_000,
            "bid_estimate_maximum": 3_100_000,
        }


def default_size(targeting: dict[str, Any]) -> dict[str, Any]:
    """Deterministic, narrowing as targeting narrows (country base × shares), rounded."""
    base = 0
    for geo in targeting.get("geos") or []:
        if geo.get("operation", "INCLUDE") != "INCLUDE":
            continue
        whole = not any(geo.get(k) for k in ("region_id", "metro_id", "postal_code"))
        base += (
            90_000_000
            if whole
            else 9_000_000 * len([*geo.get("region_id", []), *geo.get("metro_id", [])])
            + 40_000 * len(geo.get("postal_code", []))
        )
    share = 1.0
    for demo in targeting.get("demographics") or []:
        if demo.get("gender"):
            share *= 0.5
        if demo.get("min_age") or demo.get("max_age"):
            share *= 0.45
    for block in targeting.get("interests") or []:
        share *= min(0.9, 0.12 * len(block.get("category_id") or []))
    low = int(base * share * 0.85) // 25_000 * 25_000
    high = int(base * share * 1.1) // 25_000 * 25_000
    return {"audience_size_minimum": low, "audience_size_maximum": max(high, low + 25_000)}


class FakeTargetingApi:
    """What `TargetingCatalog.load` and `Estimates` call (`api.targeting`)."""

    def __init__(self, size_of: Callable[[dict[str, Any]], dict[str, Any]] = default_size):
        self.targeting = _Targeting(self)
        self.size_of = size_of
        self.catalogue_requests: list[tuple[str, str]] = []
        self.reach_requests: list[dict[str, Any]] = []
        self.bid_requests: list[tuple[str, dict[str, Any]]] = []
        self.delay = 0.0
        self.offline = False


def fill_catalogue(
    qapp: QApplication, loop: asyncio.AbstractEventLoop, store: Store, countries: tuple[str, ...]
) -> None:
    """Load every list the editor uses into the cache (as a sync would have)."""
    catalog = TargetingCatalog(store)
    api: Any = FakeTargetingApi()

    async def load_all() -> None:
        for dimension in EDITOR_DIMENSIONS:
            await catalog.load(api, dimension)
        for country in countries:
            for dimension in ("region", "metro", "postal_code"):
                await catalog.load(api, dimension, country)

    run_in_loop(qapp, loop, load_all(), timeout=30)


def make_services(
    store: Store, loop: asyncio.AbstractEventLoop, api: FakeTargetingApi | None
) -> TargetingServices:
    return TargetingServices(store=store, loop=loop, api_for_account=lambda _id: api)  # type: ignore[arg-type,return-value]
