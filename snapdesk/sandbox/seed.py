"""Deterministic seed data: realistic organizations, accounts and everything below them.

`seed_state(state, seed=42, scale="demo")` draws everything (ids included) from
`random.Random(seed)` against a fixed "now" (2026-11-01T00:00:00Z), so two runs with the same
seed produce identical data. Delivery statuses are computed against that fixed now.

demo:  2 organizations (one agency), 6 ad accounts (USD, EUR, GBP, JPY, AUD and a USD test
       account), 45 campaigns with ad squads, ads, creatives, media and segments.
large: 1 organization, 1 ad account with 2,000 campaigns, 20,000 ad squads, 50,000 ads,
       2,000 creatives, 2,000 media and 40 segments.
"""

from __future__ import annotations

import base64
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from snapdesk.sandbox import entities
from snapdesk.sandbox._common import JsonObj, rng_uuid
from snapdesk.sandbox.state import (
    AD,
    AD_ACCOUNT,
    AD_SQUAD,
    CAMPAIGN,
    CREATIVE,
    FILES_PREFIX,
    FUNDING_SOURCE,
    MEDIA,
    ORGANIZATION,
    SEGMENT,
    SandboxState,
)

Scale = Literal["demo", "large"]

NOW = datetime(2026, 11, 1, tzinfo=UTC)
_NOW_TS = NOW.timestamp()
_DAY = 86_400


_DAY_PREFIX: dict[int, str] = {}


def _iso(ts: float) -> str:
    """Epoch seconds as Snap's UTC timestamp with milliseconds (fast: ~150k calls per seed)."""
    seconds, millis = divmod(int(ts * 1000), 1000)
    day, rest = divmod(seconds, _DAY)
    prefix = _DAY_PREFIX.get(day)
    if prefix is None:
        prefix = _DAY_PREFIX[day] = time.strftime("%Y-%m-%dT", time.gmtime(day * _DAY))
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{prefix}{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}Z"


@dataclass(frozen=True)
class AccountPlan:
    name: str
    currency: str
    timezone: str
    brand: str
    domain: str
    country: str  # lowercase, as Snap's targeting spells it
    campaigns: int
    squads: tuple[int, int]  # per campaign (min, max) or exact count when equal
    ads: tuple[int, int]  # per ad squad
    creatives: int
    media: int
    segments: int
    ads_cycle: tuple[int, ...] | None = None  # exact ads per ad squad, cycling (large scale)
    test: bool = False


@dataclass(frozen=True)
class OrgPlan:
    name: str
    is_agency: bool
    country: str
    locality: str
    district: str
    postal_code: str
    address: str
    contact_name: str
    contact_email: str
    accounts: tuple[AccountPlan, ...] = field(default_factory=tuple)


DEMO: tuple[OrgPlan, ...] = (
    OrgPlan(
        name="Northwind Media Group",
        is_agency=True,
        country="US",
        locality="Los Angeles",
        district="US-CA",
        postal_code="90017",
        address="811 Wilshire Blvd, Suite 1400",
        contact_name="Alex Morgan",
        contact_email="alex.morgan@northwind-media.example",
        accounts=(
            AccountPlan(
                name="Lumen Skincare — US",
                currency="USD",
                timezone="America/Los_Angeles",
                brand="Lumen Skincare",
                domain="lumenskincare.example",
                country="us",
                campaigns=10,
                squads=(2, 4),
                ads=(1, 4),
                creatives=12,
                media=14,
                segments=5,
            ),
            AccountPlan(
                name="Velo Cycling — EU",
                currency="EUR",
                timezone="Europe/Warsaw",
                brand="Velo Cycling",
                domain="velocycling.example",
                country="pl",
                campaigns=8,
                squads=(2, 4),
                ads=(1, 3),
                creatives=10,
                media=12,
                segments=4,
            ),
            AccountPlan(
                name="Harbour & Co — UK",
                currency="GBP",
                timezone="Europe/London",
                brand="Harbour & Co",
                domain="harbourandco.example",
                country="gb",
                campaigns=8,
                squads=(2, 3),
                ads=(1, 3),
                creatives=10,
                media=12,
                segments=4,
            ),
            AccountPlan(
                name="Sakura Tea House — JP",
                currency="JPY",
                timezone="Asia/Tokyo",
                brand="Sakura Tea House",
                domain="sakuratea.example",
                country="jp",
                campaigns=8,
                squads=(2, 3),
                ads=(1, 3),
                creatives=10,
                media=12,
                segments=4,
            ),
        ),
    ),
    OrgPlan(
        name="Brightside Brands Pty Ltd",
        is_agency=False,
        country="AU",
        locality="Sydney",
        district="AU-NSW",
        postal_code="2000",
        address="1 Martin Place, Level 12",
        contact_name="Priya Raman",
        contact_email="priya.raman@brightside.example",
        accounts=(
            AccountPlan(
                name="Koala Coffee Roasters — AU",
                currency="AUD",
                timezone="Australia/Sydney",
                brand="Koala Coffee",
                domain="koalacoffee.example",
                country="au",
                campaigns=8,
                squads=(2, 4),
                ads=(1, 4),
                creatives=10,
                media=12,
                segments=5,
            ),
            AccountPlan(
                name="Koala Coffee — QA Test Account",
                currency="USD",
                timezone="America/New_York",
                brand="Koala Coffee",
                domain="koalacoffee.example",
                country="us",
                campaigns=3,
                squads=(1, 2),
                ads=(1, 2),
                creatives=4,
                media=5,
                segments=2,
                test=True,
            ),
        ),
    ),
)

LARGE: tuple[OrgPlan, ...] = (
    OrgPlan(
        name="Megamart Global Retail",
        is_agency=False,
        country="US",
        locality="Chicago",
        district="US-IL",
        postal_code="60606",
        address="200 W Madison St",
        contact_name="Jordan Lee",
        contact_email="jordan.lee@megamart.example",
        accounts=(
            AccountPlan(
                name="Megamart US — Performance",
                currency="USD",
                timezone="America/New_York",
                brand="Megamart",
                domain="megamart.example",
                country="us",
                campaigns=2_000,
                squads=(10, 10),
                ads=(2, 3),
                ads_cycle=(2, 3),
                creatives=2_000,
                media=2_000,
                segments=40,
            ),
        ),
    ),
)

# Budgets are micro-currency; a unit of JPY is worth far less than a unit of USD.
CURRENCY_SCALE = {"USD": 1, "EUR": 1, "GBP": 1, "AUD": 1.5, "CAD": 1.4, "JPY": 150}

# (name, legacy objective, v2 objective)
CAMPAIGN_THEMES: tuple[tuple[str, str, str], ...] = (
    ("Black Friday — Retargeting", "WEB_CONVERSION", "SALES"),
    ("Black Friday — Prospecting", "WEB_CONVERSION", "SALES"),
    ("Cyber Monday — Lookalikes", "WEB_CONVERSION", "SALES"),
    ("Spring Sale {CC} 18-34", "WEB_CONVERSION", "SALES"),
    ("Summer Launch — Video Views", "VIDEO_VIEW", "AWARENESS_AND_ENGAGEMENT"),
    ("Holiday Gift Guide — Prospecting", "WEB_CONVERSION", "SALES"),
    ("Always-On Brand Awareness", "BRAND_AWARENESS", "AWARENESS_AND_ENGAGEMENT"),
    ("New Collection Launch 2026", "BRAND_AWARENESS", "AWARENESS_AND_ENGAGEMENT"),
    ("Back to School {CC} 18-24", "WEB_CONVERSION", "TRAFFIC"),
    ("Evergreen Retargeting — Cart Abandoners", "WEB_CONVERSION", "SALES"),
    ("App Install — iOS {CC}", "APP_INSTALL", "APP_PROMOTION"),
    ("Valentine's Day — Couples 25-44", "WEB_CONVERSION", "SALES"),
    ("Lead Gen — Newsletter Sign-ups", "LEAD_GENERATION", "LEADS"),
    ("Clearance — Last Chance", "WEB_CONVERSION", "SALES"),
    ("Loyalty Members — Win-back", "WEB_CONVERSION", "SALES"),
    ("Mother's Day Gifting {CC}", "WEB_CONVERSION", "SALES"),
    ("Weekend Promo — Site Traffic", "WEB_CONVERSION", "TRAFFIC"),
    ("Singles Day Flash Sale", "WEB_CONVERSION", "SALES"),
    ("Easter Weekend — Traffic {CC}", "WEB_CONVERSION", "TRAFFIC"),
    ("Autumn Essentials 25-44", "WEB_CONVERSION", "SALES"),
)
GOALS_BY_V2 = {
    "SALES": ("PIXEL_PURCHASE", "PIXEL_ADD_TO_CART"),
    "TRAFFIC": ("SWIPES", "LANDING_PAGE_VIEW"),
    "AWARENESS_AND_ENGAGEMENT": ("IMPRESSIONS", "VIDEO_VIEWS"),
    "APP_PROMOTION": ("APP_INSTALLS",),
    "LEADS": ("PIXEL_SIGNUP",),
}
AGE_BANDS = (("18", "24"), ("18", "34"), ("25", "34"), ("25", "44"), ("35", "54"), ("45", None))
# (squad name label, SLC category): each label is the category's name in the sandbox's interest
# catalogue (targeting_data.py), so a squad's name says what it targets.
AUDIENCES = (
    ("Broad", None),
    ("Skincare Enthusiasts", "SLC_229"),
    ("Gym & Workout Enthusiasts", "SLC_112"),
    ("Frequent Travelers", "SLC_87"),
    ("Urban & Hip-Hop Music Fans", "SLC_51"),
    ("Hikers & Campers", "SLC_164"),
    ("Fast Food Junkies", "SLC_31"),
    ("Budget Travelers", "SLC_92"),
    ("Lookalike 1% — Purchasers", None),
    ("Retargeting — Site Visitors 30d", None),
)
AD_CONCEPTS = (
    "Hero Video 9:16",
    "UGC Testimonial",
    "Product Close-up",
    "Lifestyle Static",
    "Founder Story",
    "Unboxing",
    "Offer Card",
    "Before & After",
    "How-to Tutorial",
    "Countdown Teaser",
)
HEADLINES = (
    "New season, new favourites",
    "Free shipping this weekend",
    "Up to 40% off — today only",
    "Tap to shop the collection",
    "Limited stock — don't miss out",
    "Made to last. Made for you.",
    "Your new everyday essential",
    "Loved by 10,000+ customers",
    "Try it risk-free for 30 days",
    "Gifts they'll actually use",
    "Fresh drops every Friday",
    "Swipe up for the full story",
)
CTAS = ("SHOP_NOW", "LEARN_MORE", "ORDER_NOW", "SIGN_UP", "BOOK_NOW")
REJECTION_REASONS = (
    "Ad makes exaggerated or unsubstantiated claims",
    "Landing page does not match the advertised offer",
    "Text in the Top Snap is too small to read",
    "Ad uses prohibited before-and-after imagery",
    "Call to action is misleading",
)
SEGMENT_PLANS: tuple[tuple[str, str, int, str, int], ...] = (
    # (name, upload_status, users, description, retention_in_days)
    (
        "Newsletter Subscribers — Hashed Emails",
        "COMPLETE",
        48_300,
        "Opted-in newsletter list",
        9999,
    ),
    ("Purchasers — Last 180 Days", "COMPLETE", 12_400, "Customers with an order in 180 days", 180),
    ("VIP Customers", "COMPLETE", 600, "Top spenders, hashed emails", 365),
    ("Cart Abandoners — 30 Days", "PROCESSING", 0, "Checkout started, no purchase", 30),
    ("App Users — Churned", "NO_UPLOAD", 0, "No app open in 90 days (MAIDs)", 180),
)
IMAGE_NAMES = (
    "hero_{slug}_1080x1920.png",
    "offer_card_{slug}.jpg",
    "lifestyle_{slug}_01.png",
    "product_closeup_{slug}.png",
    "collection_grid_{slug}.jpg",
)
VIDEO_NAMES = (
    "ugc_testimonial_{slug}.mp4",
    "hero_video_{slug}_15s.mp4",
    "unboxing_{slug}.mov",
    "countdown_teaser_{slug}_6s.mp4",
)


class _Gen:
    """One seeding run: the rng and the state being filled."""

    def __init__(self, state: SandboxState, rng: random.Random) -> None:
        self.state = state
        self.rng = rng
        self.created: dict[str, float] = {}  # id -> created_at (epoch s), for children
        self.started: dict[str, float] = {}  # campaign id -> start_time (epoch s)

    def uuid(self) -> str:
        return rng_uuid(self.rng)

    def past(self, *, max_days: float, min_days: float = 0.0) -> float:
        return _NOW_TS - self.rng.uniform(min_days * _DAY, max_days * _DAY)

    def after(self, ts: float, *, max_days: float) -> float:
        return min(_NOW_TS - 1.0, ts + self.rng.uniform(0, max_days * _DAY))

    def add(self, kind: str, obj: JsonObj, *, account_id: str, scopes: dict[str, str]) -> None:
        self.state.collections[kind].bulk_insert(obj, account_id=account_id, scopes=scopes)


def seed_state(state: SandboxState, *, seed: int = 42, scale: Scale | str = "demo") -> None:
    """Replace the state's data with deterministic seed data (tokens and knobs are kept)."""
    if scale not in ("demo", "large"):
        raise ValueError(f"unknown scale {scale!r} (use 'demo' or 'large')")
    rng = random.Random(seed)
    gen = _Gen(state, rng)
    plans = DEMO if scale == "demo" else LARGE
    with state.lock:
        state.clear_data()
        org_ids = [_seed_organization(gen, plan) for plan in plans]
        created = gen.past(max_days=900, min_days=700)
        state.me = {
            "id": gen.uuid(),
            "updated_at": _iso(gen.after(created, max_days=300)),
            "created_at": _iso(created),
            "email": plans[0].contact_email,
            "organization_id": org_ids[0],
            "display_name": plans[0].contact_name,
            "snapchat_username": plans[0].contact_name.lower().replace(" ", "_") + "_ads",
            "member_status": "ACTIVE",
        }
        for coll in state.collections.values():
            coll.sort_indexes()
        state.seed_info = {"seed": seed, "scale": scale}


def _seed_organization(gen: _Gen, plan: OrgPlan) -> str:
    rng = gen.rng
    org_id = gen.uuid()
    created = gen.past(max_days=2000, min_days=1000)
    org: JsonObj = {
        "id": org_id,
        "updated_at": _iso(gen.after(created, max_days=600)),
        "created_at": _iso(created),
        "name": plan.name,
        "country": plan.country,
        "postal_code": plan.postal_code,
        "locality": plan.locality,
        "contact_name": plan.contact_name,
        "contact_email": plan.contact_email,
        "address_line_1": plan.address,
        "administrative_district_level_1": plan.district,
        "accepted_term_version": "8",
        "marketing_optin": False,
        "is_agency": plan.is_agency,
        "contact_phone_optin": False,
        "configuration_settings": {"notifications_enabled": True},
        "type": "ENTERPRISE",
        "state": "ACTIVE",
        "verification_request_id": gen.uuid(),
        "demand_source": "SNAPCHAT",
        "roles": ["admin", "business_admin", "data_admin", "member"],
        "my_display_name": plan.contact_email,
        "my_invited_email": plan.contact_email,
        "my_member_id": gen.uuid(),
        "createdByCaller": False,
    }
    gen.add(ORGANIZATION, org, account_id="", scopes={})
    currency = plan.accounts[0].currency
    scale = CURRENCY_SCALE.get(currency, 1)
    card_created = gen.past(max_days=900, min_days=300)
    card: JsonObj = {
        "id": gen.uuid(),
        "updated_at": _iso(card_created),
        "created_at": _iso(card_created),
        "type": "CREDIT_CARD",
        "organization_id": org_id,
        "name": rng.choice(("Amex Corporate", "Visa Business", "Mastercard Company Card")),
        "card_type": rng.choice(("AMEX", "VISA", "MASTERCARD")),
        "last_4": f"{rng.randrange(10_000):04d}",
        "daily_spend_limit_micro": int(15_000 * scale) * 1_000_000,
        "daily_spend_limit_currency": currency,
        "expiration_month": f"{rng.randrange(1, 13):02d}",
        "expiration_year": str(rng.randrange(2027, 2031)),
        "status": "ACTIVE",
        "billing_address": {"country_code": plan.country},
    }
    loc_created = gen.past(max_days=700, min_days=100)
    total = int(250_000 * scale) * 1_000_000
    spent = int(total * rng.uniform(0.1, 0.7)) // 1_000_000 * 1_000_000
    credit: JsonObj = {
        "id": gen.uuid(),
        "updated_at": _iso(gen.after(loc_created, max_days=90)),
        "created_at": _iso(loc_created),
        "type": "LINE_OF_CREDIT",
        "organization_id": org_id,
        "name": f"Line of credit — {plan.name}",
        "currency": currency,
        "total_budget_micro": total,
        "budget_spent_micro": spent,
        "available_credit_micro": total - spent,
        "status": "ACTIVE",
    }
    funding_ids = [card["id"], credit["id"]]
    for fs in (card, credit):
        gen.add(FUNDING_SOURCE, fs, account_id="", scopes={ORGANIZATION: org_id})
    for account_plan in plan.accounts:
        _seed_account(gen, plan, account_plan, org_id=org_id, funding_ids=funding_ids)
    return org_id


def _seed_account(
    gen: _Gen, org: OrgPlan, plan: AccountPlan, *, org_id: str, funding_ids: list[str]
) -> None:
    rng = gen.rng
    account_id = gen.uuid()
    created = gen.past(max_days=1000, min_days=420)
    account: JsonObj = {
        "id": account_id,
        "updated_at": _iso(gen.after(created, max_days=300)),
        "created_at": _iso(created),
        "name": plan.name,
        "type": "PARTNER" if org.is_agency else "DIRECT",
        "status": "ACTIVE",
        "organization_id": org_id,
        "funding_source_ids": list(funding_ids),
        "currency": plan.currency,
        "timezone": plan.timezone,
        "advertiser_organization_id": org_id,
        "billing_center_id": gen.uuid(),
        "billing_type": "IO" if org.is_agency else "REVOLVING",
        "agency_representing_client": org.is_agency,
        "client_paying_invoices": False,
        "regulations": {"restricted_delivery_signals": False},
    }
    if plan.test:
        account["test"] = True
        gen.state.test_accounts.add(account_id)
    gen.add(AD_ACCOUNT, account, account_id=account_id, scopes={ORGANIZATION: org_id})

    scale = CURRENCY_SCALE.get(plan.currency, 1)
    slug = plan.brand.lower().replace(" & ", "_").replace(" ", "_")
    profile_id = gen.uuid()
    pixel_id = gen.uuid()
    ready_media = _seed_media(gen, plan, account_id=account_id, slug=slug, created=created)
    creatives = _seed_creatives(
        gen, plan, account_id=account_id, profile_id=profile_id, media=ready_media, slug=slug
    )
    _seed_segments(gen, plan, account_id=account_id, org_id=org_id)

    themes = list(CAMPAIGN_THEMES)
    cc = plan.country.upper()
    for index in range(plan.campaigns):
        if plan.campaigns <= len(themes):
            theme = themes.pop(rng.randrange(len(themes)))
            name = theme[0].replace("{CC}", cc)
        else:
            theme = CAMPAIGN_THEMES[rng.randrange(len(CAMPAIGN_THEMES))]
            name = f"{theme[0].replace('{CC}', cc)} · Wave {index + 1}"
        campaign = _seed_campaign(
            gen, plan, account_id=account_id, name=name, theme=theme, scale=scale
        )
        low, high = plan.squads
        squads = [
            _seed_ad_squad(
                gen, plan, campaign=campaign, v2=theme[2], scale=scale, pixel_id=pixel_id
            )
            for _ in range(low if low == high else rng.randint(low, high))
        ]
        if campaign["delivery_status"] == ["VALID"] and not any(
            s["status"] == "ACTIVE" for s in squads
        ):
            campaign["delivery_status"] = [
                "INVALID_CAMPAIGN_HAS_NO_ACTIVE_AD_SQUAD",
                "INVALID_NOT_EFFECTIVE_ACTIVE",
            ]
        for number, squad in enumerate(squads):
            if plan.ads_cycle is not None:
                count = plan.ads_cycle[number % len(plan.ads_cycle)]
            else:
                count = rng.randint(*plan.ads)
            for _ in range(count):
                _seed_ad(gen, squad=squad, account_id=account_id, creatives=creatives)


def _seed_campaign(
    gen: _Gen,
    plan: AccountPlan,
    *,
    account_id: str,
    name: str,
    theme: tuple[str, str, str],
    scale: float,
) -> JsonObj:
    rng = gen.rng
    created = gen.past(max_days=240, min_days=2)
    roll = rng.random()
    if roll < 0.12:
        start = _NOW_TS + rng.uniform(3 * _DAY, 40 * _DAY)  # scheduled
    else:
        start = created + rng.uniform(0, 2 * _DAY)
    end = start + rng.uniform(21 * _DAY, 365 * _DAY) if rng.random() < 0.5 else None
    status = "ACTIVE" if rng.random() < 0.68 else "PAUSED"
    campaign_id = gen.uuid()
    gen.created[campaign_id] = created
    gen.started[campaign_id] = start
    campaign: JsonObj = {
        "id": campaign_id,
        "updated_at": _iso(gen.after(created, max_days=60)),
        "created_at": _iso(created),
        "name": name,
        "ad_account_id": account_id,
    }
    if rng.random() < 0.6:
        units = rng.choice((50, 75, 100, 150, 200, 250, 500, 1000))
        campaign["daily_budget_micro"] = int(units * scale) * 1_000_000
    campaign["status"] = status
    campaign["objective"] = theme[1]
    campaign["start_time"] = _iso(start)
    if end is not None:
        campaign["end_time"] = _iso(end)
    if rng.random() < 0.3:
        units = rng.choice((5_000, 10_000, 25_000, 50_000))
        campaign["lifetime_spend_cap_micro"] = int(units * scale) * 1_000_000
    campaign["delivery_status"] = entities.campaign_delivery_status(
        campaign, now=NOW, test_account=plan.test
    )
    campaign["creation_state"] = "PUBLISHED"
    campaign["objective_v2_properties"] = {
        "objective_v2_type": theme[2],
        "is_auto_generated": theme[1] == "BRAND_AWARENESS",
    }
    campaign["pacing_properties_version"] = 0
    gen.add(CAMPAIGN, campaign, account_id=account_id, scopes={AD_ACCOUNT: account_id})
    return campaign


def _seed_ad_squad(
    gen: _Gen, plan: AccountPlan, *, campaign: JsonObj, v2: str, scale: float, pixel_id: str
) -> JsonObj:
    rng = gen.rng
    account_id = campaign["ad_account_id"]
    created = gen.after(gen.created[campaign["id"]], max_days=5)
    min_age, max_age = AGE_BANDS[rng.randrange(len(AGE_BANDS))]
    audience, category = AUDIENCES[rng.randrange(len(AUDIENCES))]
    age_label = f"{min_age}-{max_age}" if max_age else f"{min_age}+"
    demographic: JsonObj = {"min_age": min_age}
    if max_age:
        demographic["max_age"] = max_age
    demographic["operation"] = "INCLUDE"
    targeting: JsonObj = {"regulated_content": False, "demographics": [demographic]}
    if category:
        targeting["interests"] = [{"category_id": [category], "operation": "INCLUDE"}]
    if rng.random() < 0.3:
        targeting["devices"] = [{"os_type": rng.choice(("iOS", "ANDROID"))}]
    targeting["geos"] = [{"country_code": plan.country, "operation": "INCLUDE"}]
    targeting["enable_targeting_expansion"] = True
    targeting["auto_expansion_options"] = {
        "interest_expansion_option": {"enabled": True},
        "custom_audience_expansion_option": {"enabled": True},
    }
    status = "ACTIVE" if campaign["status"] == "ACTIVE" and rng.random() < 0.7 else "PAUSED"
    roll = rng.random()
    strategy = (
        "AUTO_BID" if roll < 0.5 else "LOWEST_COST_WITH_MAX_BID" if roll < 0.8 else "TARGET_COST"
    )
    squad_id = gen.uuid()
    gen.created[squad_id] = created
    squad: JsonObj = {
        "id": squad_id,
        "updated_at": _iso(gen.after(created, max_days=30)),
        "created_at": _iso(created),
        "name": f"{plan.country.upper()} · {age_label} · {audience}",
        "status": status,
        "campaign_id": campaign["id"],
        "type": "SNAP_ADS",
        "targeting": targeting,
        "targeting_reach_status": "VALID",
        "placement_v2": {"config": "AUTOMATIC"},
        "billing_event": "IMPRESSION",
    }
    if strategy != "AUTO_BID":
        squad["bid_micro"] = int(rng.choice((0.5, 1, 1.5, 2.5, 4, 8)) * scale * 1_000_000)
    squad["auto_bid"] = strategy == "AUTO_BID"
    squad["target_bid"] = strategy == "TARGET_COST"
    squad["bid_strategy"] = strategy
    start = gen.started[campaign["id"]]
    lifetime = rng.random() < 0.15
    units = rng.choice((20, 30, 50, 75, 100, 150, 300))
    if lifetime:
        squad["lifetime_budget_micro"] = int(units * 20 * scale) * 1_000_000
    else:
        squad["daily_budget_micro"] = int(units * scale) * 1_000_000
    squad["start_time"] = _iso(start)
    if lifetime:
        squad["end_time"] = _iso(start + rng.uniform(10 * _DAY, 60 * _DAY))
    goals = GOALS_BY_V2[v2]
    goal = goals[rng.randrange(len(goals))]
    squad["optimization_goal"] = goal
    if goal.startswith("PIXEL_"):
        squad["conversion_window"] = "SWIPE_28DAY_VIEW_1DAY"
        squad["pixel_id"] = pixel_id
    squad["delivery_constraint"] = "LIFETIME_BUDGET" if lifetime else "DAILY_BUDGET"
    squad["pacing_type"] = "STANDARD"
    squad["forced_view_setting"] = "NONE"
    squad["creation_state"] = "PUBLISHED"
    squad["delivery_status"] = entities.ad_squad_delivery_status(squad, campaign=campaign, now=NOW)
    squad["skadnetwork_properties"] = {"status": "NEVER_ENROLLED"}
    squad["brand_safety_config"] = {"inventory_option": "FULL_INVENTORY"}
    gen.add(
        AD_SQUAD,
        squad,
        account_id=account_id,
        scopes={AD_ACCOUNT: account_id, CAMPAIGN: campaign["id"]},
    )
    return squad


def _seed_ad(gen: _Gen, *, squad: JsonObj, account_id: str, creatives: list[JsonObj]) -> None:
    rng = gen.rng
    creative = creatives[rng.randrange(len(creatives))]
    created = gen.after(gen.created[squad["id"]], max_days=3)
    roll = rng.random()
    review = "APPROVED" if roll < 0.8 else "PENDING" if roll < 0.9 else "REJECTED"
    concept = AD_CONCEPTS[rng.randrange(len(AD_CONCEPTS))]
    ad: JsonObj = {
        "id": gen.uuid(),
        "updated_at": _iso(gen.after(created, max_days=20)),
        "created_at": _iso(created),
        "name": f"{concept} — v{rng.randint(1, 6)}",
        "ad_squad_id": squad["id"],
        "creative_id": creative["id"],
        "status": "ACTIVE" if squad["status"] == "ACTIVE" and rng.random() < 0.85 else "PAUSED",
        "type": "REMOTE_WEBPAGE" if creative["type"] == "WEB_VIEW" else "SNAP_AD",
        "render_type": "STATIC",
        "review_status": review,
    }
    if review == "REJECTED":
        ad["review_status_reasons"] = [REJECTION_REASONS[rng.randrange(len(REJECTION_REASONS))]]
    ad["delivery_status"] = entities.ad_delivery_status(ad, ad_squad=squad)
    gen.add(AD, ad, account_id=account_id, scopes={AD_ACCOUNT: account_id, AD_SQUAD: squad["id"]})


def _seed_media(
    gen: _Gen, plan: AccountPlan, *, account_id: str, slug: str, created: float
) -> list[JsonObj]:
    rng = gen.rng
    ready: list[JsonObj] = []
    for index in range(plan.media):
        media_id = gen.uuid()
        made = gen.after(created, max_days=400)
        gen.created[media_id] = made
        is_video = index % 3 == 2
        pending = index == plan.media - 1
        names = VIDEO_NAMES if is_video else IMAGE_NAMES
        name = names[rng.randrange(len(names))].format(slug=slug)
        if plan.media > len(IMAGE_NAMES) + len(VIDEO_NAMES):
            stem, dot, ext = name.rpartition(".")
            name = f"{stem}_{index + 1:04d}{dot}{ext}"
        media: JsonObj = {
            "id": media_id,
            "updated_at": _iso(gen.after(made, max_days=1)),
            "created_at": _iso(made),
            "name": name,
            "ad_account_id": account_id,
            "type": "VIDEO" if is_video else "IMAGE",
        }
        if pending:
            media.update(
                {"media_status": "PENDING_UPLOAD", "is_demo_media": False, "visibility": "VISIBLE"}
            )
        else:
            ext = name.rsplit(".", 1)[-1]
            file_name = f"{gen.uuid()}.{ext}"
            media["media_status"] = "READY"
            media["file_name"] = file_name
            media["download_link"] = f"{FILES_PREFIX}{media_id}/{file_name}"
            if is_video:
                media["video_metadata"] = {
                    "width_px": 1080,
                    "height_px": 1920,
                    "rotation": 0,
                    "duration_in_seconds": float(rng.choice((6, 10, 15, 30))),
                }
                size = rng.randrange(3_000_000, 30_000_000)
            else:
                media["image_metadata"] = {
                    "height_px": 1920,
                    "width_px": 1080,
                    "image_format": "JPG" if ext == "jpg" else "PNG",
                }
                size = rng.randrange(300_000, 4_000_000)
            media["file_size_in_bytes"] = size
            media["is_demo_media"] = False
            media["hash"] = base64.b64encode(rng.randbytes(4)).decode()
            media["visibility"] = "VISIBLE"
            media["media_usages"] = ["TOP_SNAP"]
            ready.append(media)
        gen.add(MEDIA, media, account_id=account_id, scopes={AD_ACCOUNT: account_id})
    return ready


def _seed_creatives(
    gen: _Gen,
    plan: AccountPlan,
    *,
    account_id: str,
    profile_id: str,
    media: list[JsonObj],
    slug: str,
) -> list[JsonObj]:
    rng = gen.rng
    creatives: list[JsonObj] = []
    for index in range(plan.creatives):
        top = media[rng.randrange(len(media))]
        made = gen.after(gen.created[top["id"]], max_days=10)
        web = rng.random() < 0.45
        concept = AD_CONCEPTS[rng.randrange(len(AD_CONCEPTS))]
        name = f"{plan.brand} — {concept}"
        if plan.creatives > len(AD_CONCEPTS):
            name = f"{name} #{index + 1}"
        roll = rng.random()
        review = "APPROVED" if roll < 0.8 else "PENDING_REVIEW" if roll < 0.93 else "REJECTED"
        creative: JsonObj = {
            "id": gen.uuid(),
            "updated_at": _iso(gen.after(made, max_days=15)),
            "created_at": _iso(made),
            "name": name,
            "ad_account_id": account_id,
            "type": "WEB_VIEW" if web else "SNAP_AD",
            "packaging_status": "SUCCESS",
            "review_status": review,
            "shareable": True,
            "headline": HEADLINES[rng.randrange(len(HEADLINES))],
            "brand_name": plan.brand[:32],
            "render_type": "STATIC",
            "top_snap_media_id": top["id"],
            "top_snap_crop_position": "MIDDLE",
        }
        if review == "REJECTED":
            creative["review_status_reasons"] = [
                REJECTION_REASONS[rng.randrange(len(REJECTION_REASONS))]
            ]
        if web:
            creative["call_to_action"] = CTAS[rng.randrange(len(CTAS))]
            page = rng.choice(("collections/new", "sale", "bestsellers", "gift-guide", ""))
            creative["web_view_properties"] = {
                "url": f"https://www.{plan.domain}/{page}?utm_source=snapchat&utm_medium=paid"
                f"&utm_campaign={slug}",
                "allow_snap_javascript_sdk": False,
                "block_preload": True,
                "use_immersive_mode": False,
                "deep_link_urls": [],
            }
        creative["ad_product"] = "SNAP_AD"
        creative["profile_properties"] = {"profile_id": profile_id}
        creative["semantic_id"] = str(rng.randint(-(2**31), 2**31 - 1))
        gen.add(CREATIVE, creative, account_id=account_id, scopes={AD_ACCOUNT: account_id})
        creatives.append(creative)
    return creatives


def _seed_segments(gen: _Gen, plan: AccountPlan, *, account_id: str, org_id: str) -> None:
    rng = gen.rng
    state = gen.state
    for index in range(plan.segments):
        name, upload, users, description, retention = SEGMENT_PLANS[index % len(SEGMENT_PLANS)]
        if plan.segments > len(SEGMENT_PLANS):
            name = f"{name} — {index // len(SEGMENT_PLANS) + 1}"
            users = users * (1 + index % 7) // 2 // 100 * 100 if users >= 1_000 else users
        segment_id = str(rng.randrange(10**15, 10**16))
        made = gen.past(max_days=300, min_days=5)
        if upload == "COMPLETE":
            targetable = "READY" if users >= 1_000 else "TOO_FEW_USERS"
        else:
            targetable = "NOT_READY"
        segment: JsonObj = {
            "id": segment_id,
            "updated_at": _iso(gen.after(made, max_days=4)),
            "created_at": _iso(made),
            "name": name,
            "description": description,
            "ad_account_id": account_id,
            "organization_id": org_id,
            "status": "ACTIVE",
            "source_type": "FIRST_PARTY",
            "retention_in_days": retention,
            "approximate_number_users": users,
            "upload_status": upload,
            "targetable_status": targetable,
            "visible_to": [f"AdAccountEntity_{account_id}"],
        }
        state.segment_base_users[segment_id] = users
        state.segment_users[segment_id] = set()
        gen.add(SEGMENT, segment, account_id=account_id, scopes={AD_ACCOUNT: account_id})
