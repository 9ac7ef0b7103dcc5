"""Stats fields, the numbers of one row, and the metrics derived from them.

Snap sends counts as integers and money (`spend`, `*_value`) as micro-currency integers. `Metrics`
keeps them as sent and converts money to the account's currency exactly (`Decimal`, via
`snapdesk.core.money`). Derived metrics are `Decimal`, computed at 28 significant digits, and
None when undefined (nothing divided by zero ever turns into 0):

    swipe rate      swipes / impressions
    eCPM            spend * 1000 / impressions       (account currency)
    cost per swipe  spend / swipes                   (account currency)
    CPA             spend / conversion_purchases     (account currency)
    ROAS            conversion_purchases_value / spend
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Final

from snapdesk.core.money import from_micro, normalize_currency

__all__ = [
    "DERIVED_METRICS",
    "HOUR_FIELDS",
    "KNOWN_FIELDS",
    "METRIC_LABELS",
    "MONEY_METRICS",
    "REACH_FIELDS",
    "STANDARD_FIELDS",
    "Metrics",
    "fields_for",
    "is_money_field",
]

STANDARD_FIELDS: Final[tuple[str, ...]] = (
    "impressions",
    "swipes",
    "spend",
    "view_completion",
    "video_views",
    "conversion_purchases",
    "conversion_purchases_value",
)

# Every stats field snapdesk knows Snap to return: the 69 metric fields of the real DAY rows
# Airbyte recorded from Snap's live API (airbytehq/airbyte@48db013c expected_records.jsonl, kept
# in tests/fixtures/snap_stats_recorded/) plus `spend`, plus `conversion_sign_ups`: no recording
# carries it, but [CODE] Singer tap-snapchat-ads requests it in ALL_STATS_FIELDS and Airbyte's
# commented-out `conversion_signups` was the invalid spelling (airbytehq/airbyte#28775).
_CONVERSION_EVENTS: Final = (
    "purchases", "save", "start_checkout", "add_cart", "view_content", "add_billing", "sign_ups",
    "searches", "level_completes", "app_opens", "page_views", "subscribe", "ad_click", "ad_view",
    "complete_tutorial", "invite", "login", "share", "reserve", "achievement_unlocked",
    "add_to_wishlist", "spend_credits", "rate", "start_trial", "list_view",
)  # fmt: skip
# Reach (deduplicated people): DAY, TOTAL and LIFETIME only. The recorded HOUR rows carry every
# other field — all `conversion_*` and `attachment_*` ones included — but none of these six,
# and Airbyte's connector leaves exactly these out of its HOUR requests (METRICS_NOT_HOURLY).
REACH_FIELDS: Final = frozenset(
    {"uniques", "frequency", "total_reach", "earned_reach", "attachment_uniques",
     "attachment_frequency"}
)  # fmt: skip
KNOWN_FIELDS: Final[tuple[str, ...]] = (
    "spend", "impressions", "paid_impressions", "earned_impressions", "total_impressions",
    "swipes", "swipe_up_percent", "video_views", "video_views_time_based", "video_views_15s",
    "view_completion", "quartile_1", "quartile_2", "quartile_3", "view_time_millis",
    "avg_view_time_millis", "screen_time_millis", "avg_screen_time_millis", "play_time_millis",
    "attachment_impressions", "attachment_quartile_1", "attachment_quartile_2",
    "attachment_quartile_3", "attachment_view_completion", "attachment_total_view_time_millis",
    "attachment_avg_view_time_millis", "shares", "saves", "story_opens", "story_completes",
    "native_leads", "android_installs", "ios_installs", "total_installs",
    "conversion_purchases_value",
    *(f"conversion_{event}" for event in _CONVERSION_EVENTS),
    *(f"custom_event_{i}" for i in range(1, 6)),
    "uniques", "frequency", "total_reach", "earned_reach", "attachment_uniques",
    "attachment_frequency",
)  # fmt: skip
HOUR_FIELDS: Final[tuple[str, ...]] = tuple(f for f in STANDARD_FIELDS if f not in REACH_FIELDS)

DERIVED_METRICS: Final[tuple[str, ...]] = ("swipe_rate", "ecpm", "cost_per_swipe", "cpa", "roas")

# Metrics whose unit is the account's currency (the chart puts them on a money axis).
MONEY_METRICS: Final = frozenset(
    {"spend", "conversion_purchases_value", "ecpm", "cost_per_swipe", "cpa"}
)

METRIC_LABELS: Final[dict[str, str]] = {
    "impressions": "Impressions",
    "swipes": "Swipes",
    "spend": "Spend",
    "view_completion": "Video completions",
    "video_views": "Video views",
    "conversion_purchases": "Purchases",
    "conversion_purchases_value": "Purchase value",
    "swipe_rate": "Swipe rate",
    "ecpm": "eCPM",
    "cost_per_swipe": "Cost per swipe",
    "cpa": "CPA",
    "roas": "ROAS",
}


_currency = lru_cache(maxsize=64)(normalize_currency)


def is_money_field(name: str) -> bool:
    """Snap fields in micro-currency: `spend` and the conversion `*_value` fields."""
    return name == "spend" or name.endswith("_value")


def fields_for(granularity: str, fields: Iterable[str] | None = None) -> tuple[str, ...]:
    """The fields to request: the standard set by default, minus the reach fields at HOUR (the
    only ones Snap has no hourly values for; conversions are hourly too)."""
    chosen = tuple(dict.fromkeys(fields if fields is not None else STANDARD_FIELDS))
    if granularity.upper() != "HOUR":
        return chosen
    return tuple(f for f in chosen if f not in REACH_FIELDS)


def _ratio(numerator: Decimal | int | None, denominator: Decimal | int | None) -> Decimal | None:
    if numerator is None or denominator is None or denominator == 0:
        return None
    return Decimal(numerator) / Decimal(denominator)


@dataclass(frozen=True, slots=True)
class Metrics:
    """The numbers of one row (or a sum of rows) in one currency.

    `values` holds Snap's numbers as sent; a field that was not fetched is absent and reads as
    None, never as 0.
    """

    currency: str
    values: Mapping[str, int | float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "currency", _currency(self.currency))

    # -- raw access ------------------------------------------------------------------------

    def raw(self, name: str) -> int | float | None:
        return self.values.get(name)

    def count(self, name: str) -> int | None:
        value = self.values.get(name)
        if value is None:
            return None
        return int(value)

    def money(self, name: str) -> Decimal | None:
        """A micro-currency field in the account's currency, exactly."""
        value = self.values.get(name)
        if value is None:
            return None
        return from_micro(int(value), self.currency)

    def micro(self, name: str) -> int | None:
        value = self.values.get(name)
        return None if value is None else int(value)

    @property
    def impressions(self) -> int | None:
        return self.count("impressions")

    @property
    def swipes(self) -> int | None:
        return self.count("swipes")

    @property
    def spend(self) -> Decimal | None:
        return self.money("spend")

    @property
    def video_views(self) -> int | None:
        return self.count("video_views")

    @property
    def view_completion(self) -> int | None:
        return self.count("view_completion")

    @property
    def purchases(self) -> int | None:
        return self.count("conversion_purchases")

    @property
    def purchase_value(self) -> Decimal | None:
        return self.money("conversion_purchases_value")

    # -- derived ---------------------------------------------------------------------------

    @property
    def swipe_rate(self) -> Decimal | None:
        return _ratio(self.swipes, self.impressions)

    @property
    def ecpm(self) -> Decimal | None:
        spend = self.spend
        return _ratio(spend * 1000 if spend is not None else None, self.impressions)

    @property
    def cost_per_swipe(self) -> Decimal | None:
        return _ratio(self.spend, self.swipes)

    @property
    def cpa(self) -> Decimal | None:
        return _ratio(self.spend, self.purchases)

    @property
    def roas(self) -> Decimal | None:
        return _ratio(self.purchase_value, self.spend)

    def derived(self) -> dict[str, Decimal | None]:
        return {name: getattr(self, name) for name in DERIVED_METRICS}

    def value(self, metric: str) -> int | float | Decimal | None:
        """Any field or derived metric by name: money in currency units (Decimal), counts as
        int, derived metrics as Decimal; None when missing or undefined."""
        if metric in DERIVED_METRICS:
            result: Decimal | None = getattr(self, metric)
            return result
        if is_money_field(metric):
            return self.money(metric)
        return self.values.get(metric)

    # -- arithmetic ------------------------------------------------------------------------

    def __add__(self, other: Metrics) -> Metrics:
        if not isinstance(other, Metrics):
            return NotImplemented
        if other.currency != self.currency:
            raise ValueError(f"can't add {other.currency} stats to {self.currency} stats")
        merged: dict[str, int | float] = dict(self.values)
        for name, value in other.values.items():
            merged[name] = merged.get(name, 0) + value
        return Metrics(self.currency, merged)

    @classmethod
    def total(cls, currency: str, rows: Iterable[Metrics]) -> Metrics:
        """The sum of rows (a field present in any row is summed over the rows that have it)."""
        code = _currency(currency)
        merged: dict[str, int | float] = {}
        get = merged.get
        for row in rows:  # one dict for all of them: `+` copies one per row (50,000 in a grid)
            if row.currency != code:
                raise ValueError(f"can't add {row.currency} stats to {code} stats")
            for name, value in row.values.items():
                merged[name] = get(name, 0) + value
        return cls(code, merged)
