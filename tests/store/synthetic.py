"""Synthetic account snapshots of any size, for store tests and the store benchmark."""

from __future__ import annotations

import random
import uuid
from typing import Any

ACCOUNT = "00000000-0000-4000-8000-000000000001"


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def large_snapshot(
    seed: int = 7, *, campaigns: int = 2000, squads: int = 20000, ads: int = 50000
) -> dict[str, list[dict[str, Any]]]:
    rng = random.Random(seed)
    camp = [
        {
            "id": _uuid(rng),
            "name": f"Campaign {i} Łódź" if i % 97 == 0 else f"Campaign {i}",
            "ad_account_id": ACCOUNT,
            "status": rng.choice(["ACTIVE", "PAUSED"]),
            "objective": "BRAND_AWARENESS",
            "start_time": "2026-01-01T00:00:00.000Z",
            "daily_budget_micro": 50_000_000,
            "delivery_status": ["VALID"],
        }
        for i in range(campaigns)
    ]
    sq = [
        {
            "id": _uuid(rng),
            "name": f"Ad squad {i}",
            "campaign_id": camp[i % campaigns]["id"],
            "status": "ACTIVE",
            "type": "SNAP_ADS",
            "targeting": {"geos": [{"country_code": "us"}], "demographics": [{"min_age": "18"}]},
            "bid_micro": 1_000_000,
            "daily_budget_micro": 20_000_000,
            "optimization_goal": "IMPRESSIONS",
        }
        for i in range(squads)
    ]
    creatives = [
        {"id": _uuid(rng), "name": f"Creative {i}", "ad_account_id": ACCOUNT, "type": "SNAP_AD"}
        for i in range(2000)
    ]
    ad = [
        {
            "id": _uuid(rng),
            "name": f"Ad {i}",
            "ad_squad_id": sq[i % squads]["id"],
            "creative_id": creatives[i % 2000]["id"],
            "status": "ACTIVE",
            "type": "SNAP_AD",
            "review_status": "APPROVED",
            "delivery_status": ["VALID"],
        }
        for i in range(ads)
    ]
    media = [
        {"id": _uuid(rng), "name": f"Media {i}", "ad_account_id": ACCOUNT, "media_status": "READY"}
        for i in range(2000)
    ]
    segments = [
        {"id": _uuid(rng), "name": f"Segment {i}", "ad_account_id": ACCOUNT, "status": "ACTIVE"}
        for i in range(200)
    ]
    return {
        "campaigns": camp,
        "ad_squads": sq,
        "ads": ad,
        "creatives": creatives,
        "media": media,
        "segments": segments,
    }
