"""Small synthetic cache: one organization, two ad accounts (USD and JPY) with campaigns,
ad squads, ads, a creative, media and a segment."""

from __future__ import annotations

from snapdesk.store import Store

ORG = "org-acme"
US = "acc-us-0001"
JP = "acc-jp-0002"


def fill(store: Store) -> None:
    store.replace_organizations(
        "default",
        [{"id": ORG, "name": "Acme Group", "is_agency": True, "state": "ACTIVE", "country": "US"}],
        [
            {
                "id": US,
                "organization_id": ORG,
                "name": "Acme US",
                "status": "ACTIVE",
                "currency": "USD",
                "timezone": "America/Los_Angeles",
                "type": "PARTNER",
            },
            {
                "id": JP,
                "organization_id": ORG,
                "name": "Acme Japan",
                "status": "ACTIVE",
                "currency": "JPY",
                "timezone": "Asia/Tokyo",
                "type": "PARTNER",
            },
        ],
    )
    store.replace_account_snapshot(
        US,
        {
            "campaigns": [
                {
                    "id": "cmp-us-spring",
                    "ad_account_id": US,
                    "name": "Spring Sale",
                    "status": "ACTIVE",
                    "objective": "BRAND_AWARENESS",
                    "daily_budget_micro": 12_500_000,
                    "start_time": "2026-03-01T08:00:00.000Z",
                    "delivery_status": ["VALID"],
                },
                {
                    "id": "cmp-us-brand",
                    "ad_account_id": US,
                    "name": "Brand Lift",
                    "status": "PAUSED",
                    "lifetime_spend_cap_micro": 1_000_000_000,
                    "delivery_status": ["INVALID_NOT_ACTIVE"],
                },
            ],
            "ad_squads": [
                {
                    "id": "sq-us-1",
                    "ad_account_id": US,
                    "campaign_id": "cmp-us-spring",
                    "name": "US 18-34",
                    "status": "ACTIVE",
                    "type": "SNAP_ADS",
                    "bid_strategy": "AUTO_BID",
                    "daily_budget_micro": 20_000_000,
                    "targeting": {
                        "geos": [{"country_code": "us"}],
                        "demographics": [{"min_age": 18, "max_age": 34}],
                    },
                    "delivery_status": ["VALID"],
                }
            ],
            "ads": [
                {
                    "id": "ad-us-approved",
                    "ad_squad_id": "sq-us-1",
                    "name": "Spring video",
                    "status": "ACTIVE",
                    "type": "SNAP_AD",
                    "review_status": "APPROVED",
                    "creative_id": "cr-us-1",
                    "delivery_status": ["VALID"],
                },
                {
                    "id": "ad-us-rejected",
                    "ad_squad_id": "sq-us-1",
                    "name": "Spring still",
                    "status": "ACTIVE",
                    "type": "SNAP_AD",
                    "review_status": "REJECTED",
                    "review_status_reasons": ["Image quality is too low"],
                    "creative_id": "cr-us-1",
                    "delivery_status": ["INVALID_REJECTED"],
                },
            ],
            "creatives": [
                {
                    "id": "cr-us-1",
                    "ad_account_id": US,
                    "name": "Spring creative",
                    "type": "SNAP_AD",
                    "headline": "Fresh for spring",
                    "brand_name": "Acme",
                    "review_status": "APPROVED",
                    "top_snap_media_id": "md-us-1",
                }
            ],
            "media": [
                {
                    "id": "md-us-1",
                    "ad_account_id": US,
                    "name": "spring.mp4",
                    "type": "VIDEO",
                    "media_status": "READY",
                    "file_size_in_bytes": 2_490_939,
                }
            ],
            "segments": [
                {
                    "id": "seg-us-1",
                    "ad_account_id": US,
                    "name": "Newsletter subscribers",
                    "status": "ACTIVE",
                    "approximate_number_users": 12000,
                }
            ],
        },
    )
    store.replace_account_snapshot(
        JP,
        {
            "campaigns": [
                {
                    "id": "cmp-jp-tokyo",
                    "ad_account_id": JP,
                    "name": "Tokyo Launch",
                    "status": "ACTIVE",
                    "daily_budget_micro": 5_000_000_000,
                    "start_time": "2026-03-01T08:00:00.000Z",
                    "delivery_status": ["INVALID_CAMPAIGN_HAS_NO_ACTIVE_AD_SQUAD"],
                }
            ]
        },
    )
