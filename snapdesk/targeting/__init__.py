"""Targeting (Qt-free): the catalogues behind the editor's pickers, and reach/bid estimates.

Both are cached in the SQLite store and fetched through `SnapApi.targeting`
(reference/snap-targeting.md §1 and §3).
"""

from snapdesk.targeting.catalog import (
    COUNTRY_ALIASES,
    CachedOptions,
    TargetingCatalog,
    TargetingOption,
    option_from_item,
    utcnow,
)
from snapdesk.targeting.dimensions import DIMENSIONS, FAMILIES, INTEREST_DIMENSIONS, Dimension
from snapdesk.targeting.estimates import BidEstimate, Estimates, ReachEstimate

__all__ = [
    "COUNTRY_ALIASES",
    "DIMENSIONS",
    "FAMILIES",
    "INTEREST_DIMENSIONS",
    "BidEstimate",
    "CachedOptions",
    "Dimension",
    "Estimates",
    "ReachEstimate",
    "TargetingCatalog",
    "TargetingOption",
    "option_from_item",
    "utcnow",
]
