"""A small cache for the spreadsheet round trip: three ad accounts (GBP in London, JPY in Tokyo,
USD in Los Angeles: two zones with daylight saving and one without) with campaigns, ad squads
(daily and lifetime budgets, bids, targeting, end times on both sides of a clock change), ads
and creatives; names that repeat across accounts and inside one; and cached daily stats."""

from __future__ import annotations

import json
from typing import Any

from snapdesk.core.kinds import AD, AD_SQUAD, CAMPAIGN
from snapdesk.store import Store

ORG = "org-harbour"
GB = "acc-gb-0001"
JP = "acc-jp-0002"
US = "acc-us-0003"

ACCOUNTS = {
    GB: ("Harbour UK", "GBP", "Europe/London"),
    JP: ("Sakura JP", "JPY", "Asia/Tokyo"),
    US: ("Lumen US", "USD", "America/Los_Angeles"),
}
# Budgets per currency unit: a yen is worth far less than a pound.
SCALE = {GB: 1, JP: 150, US: 1}


def _campaigns(aid: str, tag: str) -> list[dict[str, Any]]:
    s = SCALE[aid]
    return [
        {
            "id": f"cmp-{tag}-spring",
            "ad_account_id": aid,
            "name": "Spring Sale",
            "status": "ACTIVE",
            "objective": "WEB_CONVERSION",
            "daily_budget_micro": 75_000_000 * s,
            "start_time": "2026-03-01T08:00:00.000Z",
            "end_time": "2026-10-25T00:30:00.000Z",  # the night the clocks go back in Europe
            "delivery_status": ["VALID"],
            "created_at": "2026-02-01T10:00:00.000Z",
        },
        {
            "id": f"cmp-{tag}-always",
            "ad_account_id": aid,
            "name": "Always On",  # the same name in every account
            "status": "PAUSED",
            "objective": "BRAND_AWARENESS",
            "lifetime_spend_cap_micro": 2_500_000_000 * s,
            "start_time": "2026-01-10T23:00:00.000Z",
            "delivery_status": ["INVALID_NOT_ACTIVE"],
        },
    ]


def _squads(aid: str, tag: str) -> list[dict[str, Any]]:
    s = SCALE[aid]
    country = {GB: "gb", JP: "jp", US: "us"}[aid]
    return [
        {
            "id": f"sq-{tag}-young",
            "ad_account_id": aid,
            "campaign_id": f"cmp-{tag}-spring",
            "name": "18-34 ",  # a trailing space, as users type them
            "status": "ACTIVE",
            "type": "SNAP_ADS",
            "billing_event": "IMPRESSION",
            "optimization_goal": "SWIPES",
            "bid_strategy": "LOWEST_COST_WITH_MAX_BID",
            "bid_micro": 190_000_000 if aid == JP else 1_250_000,
            "daily_budget_micro": 45_000_000 * s,
            "start_time": "2026-03-16T17:26:11.924Z",
            "placement_v2": {"config": "AUTOMATIC"},
            "targeting": {
                "geos": [{"country_code": country, "operation": "INCLUDE"}],
                "demographics": [{"min_age": "18", "max_age": "34"}],
            },
            "delivery_status": ["VALID"],
        },
        {
            "id": f"sq-{tag}-wide",
            "ad_account_id": aid,
            "campaign_id": f"cmp-{tag}-spring",
            "name": "Wide reach",
            "status": "PAUSED",
            "type": "SNAP_ADS",
            "billing_event": "IMPRESSION",
            "optimization_goal": "IMPRESSIONS",
            "bid_strategy": "AUTO_BID",
            "lifetime_budget_micro": 900_000_000 * s,
            "start_time": "2026-03-28T23:30:00.000Z",
            "end_time": "2026-04-30T22:59:59.000Z",
            "placement_v2": {"config": "AUTOMATIC"},
            "targeting": {"geos": [{"country_code": country}]},
            "delivery_status": ["INVALID_NOT_ACTIVE"],
        },
        {
            "id": f"sq-{tag}-brand",
            "ad_account_id": aid,
            "campaign_id": f"cmp-{tag}-always",
            "name": "Wide reach",  # the same name under another campaign of the account
            "status": "ACTIVE",
            "type": "SNAP_ADS",
            "billing_event": "IMPRESSION",
            "optimization_goal": "IMPRESSIONS",
            "bid_strategy": "AUTO_BID",
            "daily_budget_micro": 20_000_000 * s,
            "placement_v2": {"config": "AUTOMATIC"},
            "targeting": {"geos": [{"country_code": country}]},
            "delivery_status": ["VALID"],
        },
    ]


def _ads(aid: str, tag: str) -> list[dict[str, Any]]:
    return [
        {
            "id": f"ad-{tag}-video",
            "ad_squad_id": f"sq-{tag}-young",
            "name": "Spring video",
            "status": "ACTIVE",
            "type": "SNAP_AD",
            "review_status": "APPROVED",
            "creative_id": f"cr-{tag}-1",
            "delivery_status": ["VALID"],
        },
        {
            "id": f"ad-{tag}-still",
            "ad_squad_id": f"sq-{tag}-wide",
            "name": "Spring still, “quoted”; and a comma",
            "status": "PAUSED",
            "type": "SNAP_AD",
            "review_status": "PENDING_REVIEW",
            "creative_id": f"cr-{tag}-1",
            "delivery_status": ["INVALID_NOT_ACTIVE"],
        },
    ]


def _creatives(aid: str, tag: str) -> list[dict[str, Any]]:
    return [
        {
            "id": f"cr-{tag}-1",
            "ad_account_id": aid,
            "name": "Spring creative",
            "type": "SNAP_AD",
            "headline": "Fresh for spring",
            "brand_name": "Harbour",
            "top_snap_media_id": f"md-{tag}-1",
        }
    ]


TAGS = {GB: "gb", JP: "jp", US: "us"}


def fill(store: Store) -> None:
    store.replace_organizations(
        "default",
        [{"id": ORG, "name": "Harbour Group", "is_agency": True, "state": "ACTIVE"}],
        [
            {
                "id": aid,
                "organization_id": ORG,
                "name": name,
                "status": "ACTIVE",
                "currency": currency,
                "timezone": zone,
                "type": "PARTNER",
            }
            for aid, (name, currency, zone) in ACCOUNTS.items()
        ],
    )
    for aid, tag in TAGS.items():
        store.replace_account_snapshot(
            aid,
            {
                "campaigns": _campaigns(aid, tag),
                "ad_squads": _squads(aid, tag),
                "ads": _ads(aid, tag),
                "creatives": _creatives(aid, tag),
            },
        )


def add_day_stats(
    store: Store, *, entity_id: str, ad_account_id: str, level: str, day: str, **stats: int
) -> None:
    """One cached DAY row (what a stats fetch stores), spend in micro."""
    currency = ACCOUNTS[ad_account_id][1]
    spend = int(stats.get("spend", 0))
    store.write(
        lambda c: c.execute(
            "INSERT OR REPLACE INTO stats_rows(entity_id, granularity, period, ad_account_id, "
            "level, day, currency, stats, spend_micro, fx_rate, fx_rate_date, spend_usd, "
            "value_usd, finalized, fetched_at) VALUES (?, 'DAY', ?, ?, ?, ?, ?, ?, ?, NULL, "
            "NULL, NULL, NULL, 1, '2026-05-01T00:00:00Z')",
            (
                entity_id,
                day,
                ad_account_id,
                level,
                day,
                currency,
                json.dumps(stats),
                spend,
            ),
        )
    )


LEVEL_IDS = {
    CAMPAIGN: [f"cmp-{t}-{n}" for t in TAGS.values() for n in ("spring", "always")],
    AD_SQUAD: [f"sq-{t}-{n}" for t in TAGS.values() for n in ("young", "wide", "brand")],
    AD: [f"ad-{t}-{n}" for t in TAGS.values() for n in ("video", "still")],
}
