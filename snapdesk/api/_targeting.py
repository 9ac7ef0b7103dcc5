"""`api.targeting`: the targeting catalogues, audience size and bid estimates.

Contract: reference/snap-targeting.md §1 (catalogues) and §3 (estimates). Everything here only
reads: the two POSTs (audience size by spec, bid estimate by spec) ask Snap a question and change
nothing, so they don't go through the write gateway (`SnapApi.send`) and carry no idempotency key.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import quote

from snapdesk.api.errors import ApiError

if TYPE_CHECKING:
    from snapdesk.api._client import SnapApi

__all__ = ["OS_TYPES", "TARGETING_ENDPOINTS", "Targeting", "TargetingEndpoint"]


class TargetingEndpoint(NamedTuple):
    path: str  # relative to /v1; "{country}" / "{os_type}" are filled in per request
    item_key: str  # the key each `targeting_dimensions` item is wrapped under
    page_limit: int  # the largest page Snap serves for it


# snap-targeting.md §1.2 (paths and item keys: [CODE Singer, TSwap, GH, CES]). Page sizes: 50-1000
# like the entity lists, postal codes up to 10000 [CODE-weak CES clamps].
TARGETING_ENDPOINTS: Mapping[str, TargetingEndpoint] = {
    "country": TargetingEndpoint("/targeting/geo/country", "country", 1000),
    "region": TargetingEndpoint("/targeting/geo/{country}/region", "region", 1000),
    "metro": TargetingEndpoint("/targeting/geo/{country}/metro", "metro", 1000),
    "postal_code": TargetingEndpoint("/targeting/geo/{country}/postal_code", "postal_code", 10000),
    "age_group": TargetingEndpoint("/targeting/demographics/age_group", "age_group", 1000),
    "gender": TargetingEndpoint("/targeting/demographics/gender", "gender", 1000),
    "languages": TargetingEndpoint("/targeting/demographics/languages", "languages", 1000),
    "advanced_demographics": TargetingEndpoint(
        "/targeting/demographics/advanced_demographics", "advanced_demographics", 1000
    ),
    "connection_type": TargetingEndpoint(
        "/targeting/device/connection_type", "connection_type", 1000
    ),
    "os_type": TargetingEndpoint("/targeting/device/os_type", "os_type", 1000),
    "os_version": TargetingEndpoint("/targeting/device/{os_type}/os_version", "os_version", 1000),
    "carrier": TargetingEndpoint("/targeting/device/carrier", "carrier", 1000),
    "marketing_name": TargetingEndpoint("/targeting/device/marketing_name", "marketing_name", 1000),
    "scls": TargetingEndpoint("/targeting/interests/scls", "scls", 1000),
    "dlxs": TargetingEndpoint("/targeting/interests/dlxs", "dlxs", 1000),
    "dlxc": TargetingEndpoint("/targeting/interests/dlxc", "dlxc", 1000),
    "dlxp": TargetingEndpoint("/targeting/interests/dlxp", "dlxp", 1000),
    "nln": TargetingEndpoint("/targeting/interests/nln", "nln", 1000),
    "plc": TargetingEndpoint("/targeting/interests/plc", "plc", 1000),
    "categories_loi": TargetingEndpoint(
        "/targeting/location/categories_loi", "categories_loi", 1000
    ),
    # The newer interest paths [CODE-weak: CES and a generated client; unverified live].
    "shp": TargetingEndpoint("/targeting/v1/interests/shp", "shp", 1000),
    "vac": TargetingEndpoint("/targeting/v1/interests/vac", "vac", 1000),
}

# `os_version` is listed per OS type: `/targeting/device/iOS/os_version` and `.../ANDROID/...`
# [CODE GH OSVersionRoot; Singer's streams]. The client lists both and tags each item.
OS_TYPES: tuple[str, ...] = ("iOS", "ANDROID")

_PLURAL = "targeting_dimensions"


def _seg(value: str) -> str:
    if not value:
        raise ValueError("an id is required")
    return quote(str(value), safe="")


def _is_success(value: object) -> bool:
    return isinstance(value, str) and value.strip().upper() == "SUCCESS"


class Targeting:
    """Targeting catalogues and estimates (reference/snap-targeting.md §1, §3)."""

    def __init__(self, api: SnapApi) -> None:
        self._api = api

    async def options(
        self, dimension: str, country: str | None = None, *, limit: int | None = None
    ) -> AsyncIterator[dict[str, Any]]:
        """Every raw item of a catalogue, page by page (`paging.next_link`).

        `country` (lowercase ISO-2) goes into the path for region/metro/postal_code, and into
        `?country_code=` for the other lists (interest availability varies by country [3P];
        clients send it [CODE CES]). `os_version` items carry the `os_type` they were listed under.
        """
        endpoint = TARGETING_ENDPOINTS.get(dimension)
        if endpoint is None:
            raise ValueError(f"unknown targeting dimension {dimension!r}")
        page = limit or endpoint.page_limit
        params: dict[str, Any] = {}
        if "{country}" in endpoint.path:
            if not country:
                raise ValueError(f"the {dimension} list needs a country")
            paths = [endpoint.path.format(country=_seg(country.strip().lower()))]
        elif dimension == "os_version":
            paths = [endpoint.path.format(os_type=_seg(os)) for os in OS_TYPES]
        else:
            paths = [endpoint.path]
            if country:
                params["country_code"] = country.strip().lower()
        for index, path in enumerate(paths):
            async for item in self._api.paginate(
                path, item_key=endpoint.item_key, plural_key=_PLURAL, params=params, limit=page
            ):
                if dimension == "os_version":
                    item = {**item, "os_type": item.get("os_type") or OS_TYPES[index]}
                yield item

    async def audience_size(self, ad_account_id: str, squad: Mapping[str, Any]) -> dict[str, Any]:
        """`POST /adaccounts/{id}/audience_size_v2` with a bare ad squad body [DOC audience-size;
        CODE S4J, CES]; returns the `audience_size` object (`audience_size_minimum`/`_maximum`)."""
        path = f"/adaccounts/{_seg(ad_account_id)}/audience_size_v2"
        body = await self._api._request("POST", path, json=dict(squad))
        return self._object(body, "audience_size", path)

    async def audience_size_of_squad(self, ad_squad_id: str) -> dict[str, Any]:
        """`GET /adsquads/{id}/audience_size_v2` (the object adds `ad_squad_id`) [DOC]."""
        path = f"/adsquads/{_seg(ad_squad_id)}/audience_size_v2"
        return self._object(await self._api.get_json(path), "audience_size", path)

    async def bid_estimate(
        self, ad_account_id: str, goal: str, targeting: Mapping[str, Any]
    ) -> dict[str, Any]:
        """`POST /adaccounts/{id}/bid_estimate` with `{"optimization_goal", "targeting"}` (both
        required [CODE S4J TargetingSpecBidEstimate]); returns the `bid_estimate` object. The docs'
        example answers `request_status: "success"` in lowercase [DOC bid-estimate]."""
        path = f"/adaccounts/{_seg(ad_account_id)}/bid_estimate"
        payload = {"optimization_goal": goal, "targeting": dict(targeting)}
        body = await self._api._request("POST", path, json=payload)
        return self._object(body, "bid_estimate", path)

    async def bid_estimate_of_squad(self, ad_squad_id: str) -> dict[str, Any]:
        """`GET /adsquads/{id}/bid_estimate` [DOC bid-estimate]."""
        path = f"/adsquads/{_seg(ad_squad_id)}/bid_estimate"
        return self._object(await self._api.get_json(path), "bid_estimate", path)

    @staticmethod
    def _object(body: Mapping[str, Any], key: str, path: str) -> dict[str, Any]:
        """The answer's `key` object: flat as documented, or (tolerated) a plural wrapper."""
        value = body.get(key)
        if isinstance(value, list):  # e.g. [{"sub_request_status": "SUCCESS", key: {...}}]
            for item in value:
                if isinstance(item, Mapping):
                    inner = item.get(key, item)
                    if isinstance(inner, Mapping) and (
                        "sub_request_status" not in item or _is_success(item["sub_request_status"])
                    ):
                        return dict(inner)
            value = None
        if not isinstance(value, Mapping):
            raise ApiError(f"Snap's answer has no '{key}' object", path=path)
        return dict(value)
