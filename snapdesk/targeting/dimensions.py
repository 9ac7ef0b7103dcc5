"""The targeting dimensions the editor offers, grouped the way Ads Manager groups them.

Paths and item keys come from the API client's endpoint table (reference/snap-targeting.md §1.2).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from snapdesk.api import TARGETING_ENDPOINTS

__all__ = ["DIMENSIONS", "FAMILIES", "INTEREST_DIMENSIONS", "Dimension"]

FAMILIES: tuple[str, ...] = ("Locations", "Demographics", "Interests", "Devices")


@dataclass(frozen=True)
class Dimension:
    key: str
    label: str
    family: str  # "Locations" | "Demographics" | "Interests" | "Devices"
    path: str  # e.g. "/targeting/geo/{country}/region"
    item_key: str
    country_scoped: bool  # the country is part of the path (the list needs one)
    interest_group: str | None  # Ads Manager's group for interest sources


def _dim(
    key: str, label: str, family: str, *, scoped: bool = False, group: str | None = None
) -> Dimension:
    endpoint = TARGETING_ENDPOINTS[key]
    return Dimension(
        key=key,
        label=label,
        family=family,
        path=endpoint.path,
        item_key=endpoint.item_key,
        country_scoped=scoped,
        interest_group=group,
    )


# Interest groups. Ads Manager browses predefined audiences as Lifestyles, Shoppers, Viewers,
# Visitors [3P hodgespart blog; marketingprofs/AdvertiseMint infographic].
# - scls -> Lifestyles: "Snap Lifestyle Categories", names like "Adventure Seekers" [CODE OQ8];
#   the newer path calls it lifestyle [CODE-weak CES].
# - shp -> Shoppers, vac -> Visitors: the newer paths' own names [CODE-weak CES].
# - dlxs/dlxc/dlxp -> Shoppers: Oracle Datalogix audiences are purchase-based [GUESS].
# - nln -> Viewers: Nielsen audiences are TV-viewing based [GUESS].
# - plc -> Visitors: Placed is foot-traffic (visitation) data [GUESS].
# - categories_loi -> Places: location categories go into `locations[].location_type`, not
#   `interests` (§2.2) [CODE S4J], so it is a Locations dimension browsed like a tree [GUESS].
_ALL: tuple[Dimension, ...] = (
    _dim("country", "Countries", "Locations"),
    _dim("region", "Regions", "Locations", scoped=True),
    _dim("metro", "Metros (DMA)", "Locations", scoped=True),
    _dim("postal_code", "Postal codes", "Locations", scoped=True),
    _dim("categories_loi", "Location categories", "Locations", group="Places"),
    _dim("age_group", "Age groups", "Demographics"),
    _dim("gender", "Gender", "Demographics"),
    _dim("languages", "Languages", "Demographics"),
    _dim("advanced_demographics", "Advanced demographics", "Demographics"),
    _dim("scls", "Lifestyles (Snap Lifestyle Categories)", "Interests", group="Lifestyles"),
    _dim("dlxs", "Shoppers (Oracle Datalogix)", "Interests", group="Shoppers"),
    _dim("dlxc", "Shoppers (Oracle Datalogix, CPG)", "Interests", group="Shoppers"),
    _dim("dlxp", "Shoppers (Oracle Datalogix, purchase)", "Interests", group="Shoppers"),
    _dim("nln", "Viewers (Nielsen)", "Interests", group="Viewers"),
    _dim("plc", "Visitors (Placed)", "Interests", group="Visitors"),
    _dim("shp", "Shoppers", "Interests", group="Shoppers"),
    _dim("vac", "Visitors", "Interests", group="Visitors"),
    _dim("connection_type", "Connection type", "Devices"),
    _dim("os_type", "Operating system", "Devices"),
    _dim("os_version", "OS version", "Devices"),
    _dim("carrier", "Carriers", "Devices"),
    _dim("marketing_name", "Device makes", "Devices"),
)

DIMENSIONS: Mapping[str, Dimension] = MappingProxyType({d.key: d for d in _ALL})

# The catalogues whose ids go into `targeting.interests[].category_id` (§2.2 [REC AB-rec]).
# `shp`/`vac` (the newer paths, [CODE-weak]) are left out until a live probe confirms them.
INTEREST_DIMENSIONS: tuple[str, ...] = ("scls", "dlxs", "dlxc", "dlxp", "nln", "plc")
