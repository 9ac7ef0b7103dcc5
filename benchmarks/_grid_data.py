"""A large synthetic cache for the grid benchmark: 40 ad accounts in six currencies and as many
time zones, 1,000 campaigns, 5,000 ad squads and 50,000 ads, with 30 days of DAY stats for every
campaign, ad squad and ad (1.68M stats rows), written through the store's own writers.

Building takes about a minute; the file is kept (keyed by its parameters) and reused.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from snapdesk.stats.cache import CachedRow, save_rows
from snapdesk.store import Store

ACCOUNTS = 40
CAMPAIGNS_PER_ACCOUNT = 25
SQUADS_PER_CAMPAIGN = 5
ADS_PER_SQUAD = 10
DAYS = 30
VERSION = 1

CURRENCIES = [
    ("USD", "America/Los_Angeles", Decimal("1")),
    ("GBP", "Europe/London", Decimal("1.27")),
    ("EUR", "Europe/Berlin", Decimal("1.08")),
    ("JPY", "Asia/Tokyo", Decimal("0.0067")),
    ("AUD", "Australia/Sydney", Decimal("0.66")),
    ("CAD", "America/Toronto", Decimal("0.74")),
]
WORDS = ["Spring", "Summer", "Launch", "Retarget", "Brand", "Promo", "Holiday", "Łódź", "Café"]
STATUSES = ["ACTIVE", "ACTIVE", "ACTIVE", "PAUSED"]


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def today() -> date:
    return datetime.now(UTC).date()


def cache_path(directory: Path) -> Path:
    return directory / (
        f"grid-bench-v{VERSION}-{ACCOUNTS}x{CAMPAIGNS_PER_ACCOUNT}x{SQUADS_PER_CAMPAIGN}x"
        f"{ADS_PER_SQUAD}-{DAYS}d-{today().isoformat()}.sqlite3"
    )


def build(path: Path, *, log: Any = print) -> Path:
    """Write the cache at `path` unless it is there already."""
    if path.exists():
        return path
    part = path.with_suffix(".part")
    for stale in (part, Path(f"{part}-wal"), Path(f"{part}-shm")):
        stale.unlink(missing_ok=True)
    rng = random.Random(16)
    with Store(part) as store:
        orgs = [{"id": f"org-{i}", "name": f"Agency {i}"} for i in range(4)]
        accounts = []
        for i in range(ACCOUNTS):
            currency, tz, _rate = CURRENCIES[i % len(CURRENCIES)]
            accounts.append(
                {
                    "id": _uuid(rng),
                    "organization_id": orgs[i % 4]["id"],
                    "name": f"{rng.choice(WORDS)} {currency} {i:02d}",
                    "status": "ACTIVE",
                    "currency": currency,
                    "timezone": tz,
                    "type": "PARTNER",
                }
            )
        store.replace_organizations("default", orgs, accounts)
        first = today() - timedelta(days=DAYS - 1)
        fetched = datetime.now(UTC)
        for n, account in enumerate(accounts):
            snapshot = _snapshot(rng, account)
            store.replace_account_snapshot(account["id"], snapshot)
            rate = CURRENCIES[n % len(CURRENCIES)][2]
            rows = list(_stats(rng, account, snapshot, first, rate, fetched))
            store.write(lambda conn, rows=rows: save_rows(conn, rows))
            if log and n % 10 == 9:
                log(f"  built {n + 1}/{ACCOUNTS} accounts")
    part.replace(path)
    return path


def _snapshot(rng: random.Random, account: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    aid = account["id"]
    campaigns, squads, ads, creatives = [], [], [], []
    for c in range(CAMPAIGNS_PER_ACCOUNT):
        cid = _uuid(rng)
        daily = rng.random() < 0.7
        campaign: dict[str, Any] = {
            "id": cid,
            "ad_account_id": aid,
            "name": f"{rng.choice(WORDS)} campaign {c}",
            "status": rng.choice(STATUSES),
            "objective": rng.choice(["BRAND_AWARENESS", "WEB_CONVERSION", "APP_INSTALL"]),
            "start_time": "2026-01-01T08:00:00.000Z",
            "delivery_status": ["VALID"],
        }
        if daily:
            campaign["daily_budget_micro"] = rng.randrange(50, 5000) * 1_000_000
        else:
            campaign["lifetime_spend_cap_micro"] = rng.randrange(1000, 90000) * 1_000_000
        campaigns.append(campaign)
        for s in range(SQUADS_PER_CAMPAIGN):
            sid = _uuid(rng)
            squads.append(
                {
                    "id": sid,
                    "campaign_id": cid,
                    "ad_account_id": aid,
                    "name": f"{rng.choice(WORDS)} {rng.randrange(18, 35)}-{rng.randrange(35, 65)} "
                    f"#{c}.{s}",
                    "status": rng.choice(STATUSES),
                    "type": "SNAP_ADS",
                    "placement_v2": {"config": "AUTOMATIC"},
                    "bid_strategy": rng.choice(["AUTO_BID", "LOWEST_COST_WITH_MAX_BID"]),
                    "bid_micro": rng.randrange(50, 900) * 10_000,
                    "daily_budget_micro": rng.randrange(20, 900) * 1_000_000,
                    "optimization_goal": "SWIPES",
                    "start_time": "2026-01-01T08:00:00.000Z",
                    "delivery_status": rng.choice([["VALID"], ["VALID"], ["INVALID_BUDGET"]]),
                    "targeting": {
                        "geos": [{"country_code": rng.choice(["us", "gb", "de", "jp"])}],
                        "demographics": [{"min_age": "18", "max_age": "34"}],
                    },
                }
            )
            for a in range(ADS_PER_SQUAD):
                crid = _uuid(rng)
                creatives.append(
                    {
                        "id": crid,
                        "ad_account_id": aid,
                        "name": f"Creative {c}.{s}.{a}",
                        "type": "SNAP_AD",
                    }
                )
                ads.append(
                    {
                        "id": _uuid(rng),
                        "ad_squad_id": sid,
                        "creative_id": crid,
                        "name": f"{rng.choice(WORDS)} ad {c}.{s}.{a}",
                        "status": rng.choice(STATUSES),
                        "type": "SNAP_AD",
                        "review_status": rng.choice(["APPROVED", "APPROVED", "PENDING"]),
                        "delivery_status": ["VALID"],
                    }
                )
    return {"campaigns": campaigns, "ad_squads": squads, "ads": ads, "creatives": creatives}


def _stats(
    rng: random.Random,
    account: dict[str, Any],
    snapshot: dict[str, list[dict[str, Any]]],
    first: date,
    rate: Decimal,
    fetched: datetime,
) -> Any:
    currency = account["currency"]
    for level, table in (("campaign", "campaigns"), ("ad_squad", "ad_squads"), ("ad", "ads")):
        scale = {"campaign": 50, "ad_squad": 10, "ad": 1}[level]
        for obj in snapshot[table]:
            for d in range(DAYS):
                day = first + timedelta(days=d)
                impressions = rng.randrange(0, 4000) * scale
                swipes = impressions // rng.randrange(40, 200)
                spend = impressions * rng.randrange(2_000, 12_000)
                if currency == "JPY":
                    spend = spend * 150 // 1_000_000 * 1_000_000
                purchases = swipes // 30
                value = purchases * rng.randrange(5, 80) * 1_000_000
                stats = {
                    "impressions": impressions,
                    "swipes": swipes,
                    "spend": spend,
                    "video_views": impressions // 3,
                    "view_completion": impressions // 9,
                    "conversion_purchases": purchases,
                    "conversion_purchases_value": value,
                }
                spend_usd = (Decimal(spend) / 1_000_000 * rate).quantize(Decimal("0.01"))
                value_usd = (Decimal(value) / 1_000_000 * rate).quantize(Decimal("0.01"))
                yield CachedRow(
                    entity_id=obj["id"],
                    granularity="DAY",
                    period=day.isoformat(),
                    ad_account_id=account["id"],
                    level=level,
                    day=day,
                    currency=currency,
                    stats=stats,
                    fx_rate=rate,
                    fx_rate_date=day,
                    spend_usd=spend_usd,
                    value_usd=value_usd,
                    finalized=d < DAYS - 2,
                    fetched_at=fetched,
                )
