"""Stats endpoints of the sandbox: `GET /v1/{campaigns|adsquads|ads|adaccounts}/{id}/stats`.

Deterministic, realistic delivery: every number is drawn from a hash of (entity id, local day),
so the same query always answers the same (until "now" moves past more hours).

Model, per ad squad and local day of the ad account's time zone:
- spend = the squad's daily cap (daily budget, or lifetime budget spread over its flight) times a
  utilisation that follows a weekday pattern, a slow season and ±12 % noise, never above 1; the
  campaign's daily budget then scales all its squads down when their sum would exceed it, and a
  campaign lifetime spend cap stops delivery once reached. Spend never exceeds a budget.
- impressions from a per-squad CPM; swipes, video views and completions from per-squad rates
  (swipe rate and conversion rate multiplied by the "true effect" knobs of
  `POST /__sandbox__/stats_effects`); purchases and purchase value only in accounts whose currency
  is USD or GBP (the demo's pixel accounts), zero elsewhere. Test accounts deliver nothing (as the
  recorded test account shows).
- a day is split into its real local hours (23 or 25 on DST days) with an hourly curve; a day
  only partly inside the squad's flight (start, end, pause, "now") counts only its covered
  hours, so DAY rows are always the exact sum of their HOUR rows. Ads share their squad's
  numbers by fixed weights (approved ads only); campaigns and accounts are sums.

Query rules enforced (E1008 "Unsupported Stats Query: ..." with Snap's words where they are
known, see reference/snap-api.md §4.5-4.6; each rule's evidence is cited where it is checked,
strongest first): DAY start/end at local midnight of the account's time zone, other times on the
hour, end after start, DAY ≤ 32 days, HOUR ≤ 7 days, ad-account stats without breakdown only
`spend`, HOUR without the six reach fields. Conversion and attachment fields are served at every
granularity: real hourly rows carry them (tests/fixtures/snap_stats_recorded/). A raw `+` that
became a space answers E1001 "Invalid query parameters in request URL: [Invalid StartDateTime,
...]". Naive times are read in the account's time zone. `finalized_data_end_time` is now minus
two hours, floored to the hour. Stats responses carry X-Rate-Limit-* headers (limit 1666 per
minute and token, as recorded).

Control plane (no token):
    POST   /__sandbox__/stats_effects  {"ad_squad_id", "swipe_rate_multiplier",
                                         "conversion_rate_multiplier"}
    GET    /__sandbox__/stats_effects  the knobs; DELETE clears them
    POST   /__sandbox__/stats_clock    {"now": ISO-8601 | null}  fix the stats clock
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from snapdesk.sandbox._common import JsonObj, iso_ms, utc_now
from snapdesk.sandbox.envelopes import error_response, json_response
from snapdesk.sandbox.errors import SnapApiError, bad_request
from snapdesk.sandbox.routes import request_id_of
from snapdesk.sandbox.seed import CURRENCY_SCALE
from snapdesk.sandbox.state import AD, AD_ACCOUNT, AD_SQUAD, CAMPAIGN, SandboxState

__all__ = ["BASE_FIELDS", "StatsApi", "stats_routes"]

# ------------------------------------------------------------------------------ catalogue

# The vector every computation carries; every served field derives from it.
BASE_FIELDS = (
    "impressions",
    "swipes",
    "spend",
    "video_views",
    "view_completion",
    "conversion_purchases",
    "conversion_purchases_value",
)
_IMP, _SWIPES, _SPEND, _VIEWS, _COMPLETIONS, _PURCHASES, _VALUE = range(len(BASE_FIELDS))
Vec = list[int]

# The field catalogue. Evidence, strongest first:
# [REC] real rows read from Snap's live API by Airbyte's connector tests (expected_records.jsonl,
#   airbytehq/airbyte@48db013c, kept in tests/fixtures/snap_stats_recorded/): 69 metric fields at
#   DAY, 63 at HOUR (all but the reach fields), `spend` only for an ad account;
# [CODE] the same connector's METRICS / METRICS_NOT_HOURLY lists, Singer tap-snapchat-ads
#   ALL_STATS_FIELDS; [REF] reference/snap-api.md §4.4 for the fields no recording carries
#   (`conversion_sign_ups`, `video_views_5s`, `attachment_video_views`, `_swipe_up`/`_view`/
#   `_web`/`_app` conversion variants).

# Reach (deduplicated people): refused at HOUR. [REC] the hourly rows carry none of these six
# while the daily rows of the same entities carry all of them; [CODE] Airbyte's
# METRICS_NOT_HOURLY is exactly this list, Singer's get_hourly_stats_fields() drops them too.
_REACH_FIELDS = frozenset(
    {
        "uniques",
        "frequency",
        "total_reach",
        "earned_reach",
        "attachment_uniques",
        "attachment_frequency",
    }
)
_CONVERSION_EVENTS = (
    "purchases",
    "save",
    "start_checkout",
    "add_cart",
    "view_content",
    "add_billing",
    "sign_ups",
    "searches",
    "level_completes",
    "app_opens",
    "page_views",
    "subscribe",
    "ad_click",
    "ad_view",
    "complete_tutorial",
    "invite",
    "login",
    "share",
    "reserve",
    "achievement_unlocked",
    "add_to_wishlist",
    "spend_credits",
    "rate",
    "start_trial",
    "list_view",
)
_CONVERSION_FIELDS = frozenset(
    name
    for event in _CONVERSION_EVENTS
    for name in (
        f"conversion_{event}",
        f"conversion_{event}_value",
        f"conversion_{event}_swipe_up",
        f"conversion_{event}_view",
        f"conversion_{event}_web",
        f"conversion_{event}_app",
    )
)
_DELIVERY_FIELDS = frozenset(
    {
        "impressions",
        "swipes",
        "spend",
        "swipe_up_percent",
        "video_views",
        "video_views_time_based",
        "video_views_15s",
        "video_views_5s",
        "screen_time_millis",
        "avg_screen_time_millis",
        "view_time_millis",
        "avg_view_time_millis",
        "quartile_1",
        "quartile_2",
        "quartile_3",
        "view_completion",
        "paid_impressions",
        "earned_impressions",
        "total_impressions",
        "play_time_millis",
        "shares",
        "saves",
        "story_opens",
        "story_completes",
        "native_leads",
        "attachment_impressions",
        "attachment_video_views",
        # [REC] on every DAY and HOUR row of ads, ad squads and campaigns in the recording
        "attachment_avg_view_time_millis",
        "attachment_quartile_1",
        "attachment_quartile_2",
        "attachment_quartile_3",
        "attachment_total_view_time_millis",
        "attachment_view_completion",
        "android_installs",
        "ios_installs",
        "total_installs",
        *(f"custom_event_{i}" for i in range(1, 6)),
    }
)
KNOWN_FIELDS = _DELIVERY_FIELDS | _REACH_FIELDS | _CONVERSION_FIELDS
DEFAULT_FIELDS = ("impressions", "spend")  # what the real API returned without `fields`

# Accounts in these currencies have a pixel and report conversions (the demo's US and UK shops).
CONVERSION_CURRENCIES = frozenset({"USD", "GBP"})

GRANULARITIES = ("TOTAL", "DAY", "HOUR", "LIFETIME")
MAX_DAY_SPAN_DAYS = 32
MAX_HOUR_SPAN_DAYS = 7
STATS_RATE_LIMIT = 1666  # per minute and token, the X-Rate-Limit-Limit recorded on stats GETs
FINALIZED_LAG = timedelta(hours=2)

_ENTITY: dict[str, tuple[str, str]] = {
    # URL noun -> (state kind, Snap's stats type)
    "adaccounts": (AD_ACCOUNT, "AD_ACCOUNT"),
    "campaigns": (CAMPAIGN, "CAMPAIGN"),
    "adsquads": (AD_SQUAD, "AD_SQUAD"),
    "ads": (AD, "AD"),
}
_TYPE_OF = {AD_ACCOUNT: "AD_ACCOUNT", CAMPAIGN: "CAMPAIGN", AD_SQUAD: "AD_SQUAD", AD: "AD"}
# breakdown value -> kind; which breakdowns each entity kind accepts
_BREAKDOWN_KIND = {"campaign": CAMPAIGN, "adsquad": AD_SQUAD, "ad": AD}
_BREAKDOWNS_FOR = {
    AD_ACCOUNT: ("campaign", "adsquad", "ad"),
    CAMPAIGN: ("adsquad", "ad"),
    AD_SQUAD: ("ad",),
    AD: (),
}

_WEEKDAY = (0.93, 0.96, 0.98, 1.0, 1.04, 1.09, 1.02)  # Monday .. Sunday
_HOUR_WEIGHTS = (
    0.30, 0.18, 0.12, 0.09, 0.08, 0.10, 0.22, 0.45, 0.62, 0.70, 0.74, 0.80,
    0.88, 0.86, 0.82, 0.84, 0.92, 1.02, 1.12, 1.22, 1.28, 1.18, 0.90, 0.55,
)  # fmt: skip
_HOUR = timedelta(hours=1)
_HALF_HOUR = timedelta(minutes=30)


def unsupported(message: str) -> SnapApiError:
    """E1008 with Snap's prefix."""
    return bad_request("E1008", f"Unsupported Stats Query: {message}")


# ------------------------------------------------------------------------------ arithmetic


def _uniforms(*parts: str) -> list[float]:
    """Eight deterministic uniforms in [0, 1) from the parts."""
    digest = hashlib.blake2b("|".join(parts).encode(), digest_size=64).digest()
    return [int.from_bytes(digest[i : i + 8], "big") / 2.0**64 for i in range(0, 64, 8)]


def split(total: int, weights: Sequence[float]) -> list[int]:
    """`total` split by `weights` into integers that sum to `total` exactly (largest remainder)."""
    weight_sum = sum(weights)
    if total == 0 or weight_sum <= 0:
        return [0] * len(weights)
    raw = [total * w / weight_sum for w in weights]
    parts = [math.floor(x) for x in raw]
    short = total - sum(parts)
    order = sorted(range(len(raw)), key=lambda i: (parts[i] - raw[i], i))
    for i in order[:short]:
        parts[i] += 1
    return parts


def _split_vec(vec: Vec, weights: Sequence[float]) -> list[Vec]:
    columns = [split(value, weights) for value in vec]
    return [[col[i] for col in columns] for i in range(len(weights))]


def _add(into: Vec, vec: Vec) -> None:
    for i, value in enumerate(vec):
        into[i] += value


def _zero() -> Vec:
    return [0] * len(BASE_FIELDS)


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _floor_hour(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """00:00 of `day` in `tz`, as an aware datetime (the earlier one if 00:00 repeats)."""
    return datetime(day.year, day.month, day.day, tzinfo=tz)


def day_hours(day: date, tz: ZoneInfo) -> list[datetime]:
    """The UTC starts of the real hours of local `day` (23, 24 or 25 of them)."""
    start = local_midnight(day, tz).astimezone(UTC)
    end = local_midnight(day + timedelta(days=1), tz).astimezone(UTC)
    hours = []
    moment = start
    while moment < end:
        hours.append(moment)
        moment += _HOUR
    return hours


def fmt_local(moment: datetime, tz: ZoneInfo) -> str:
    """Snap's stats timestamp: local time with milliseconds and the account's offset."""
    return moment.astimezone(tz).isoformat(timespec="milliseconds")


# ------------------------------------------------------------------------------ the model


@dataclass(frozen=True)
class _Profile:
    util: float
    cpm_micro: float
    swipe_rate: float
    view_rate: float
    completion: float
    cvr: float
    aov_micro: float


@dataclass
class _Squad:
    obj: JsonObj
    profile: _Profile
    cap_micro: int
    start: datetime | None
    end: datetime | None  # exclusive; flight end, pause or deletion
    delivers: bool
    ad_ids: list[str]
    ad_weights: list[float]


class _Model:
    """One query's view of the sandbox world: profiles, flights and per-day vectors, memoized."""

    def __init__(self, state: SandboxState, account: JsonObj, now: datetime) -> None:
        self.state = state
        self.account = account
        self.tz = _account_zone(account)
        self.now = now
        self.now_hour = _floor_hour(now)
        currency = str(account.get("currency") or "USD")
        self.scale = float(CURRENCY_SCALE.get(currency, 1))
        self.conversions = currency in CONVERSION_CURRENCIES and not account.get("test")
        self.test = bool(account.get("test")) or account["id"] in state.test_accounts
        self._squads: dict[str, _Squad] = {}
        self._campaign_days: dict[tuple[str, date], dict[str, tuple[Vec, list[bool] | None]]] = {}
        self._hours: dict[date, list[datetime]] = {}
        self._lifetime_used: dict[str, tuple[date, int]] = {}

    # -- entities --------------------------------------------------------------------------

    def live(self, kind: str, index: str, key: str) -> list[JsonObj]:
        coll = self.state.collections[kind]
        return [
            coll.objects[oid]
            for oid in coll.ids(index, key)
            if not coll.objects[oid].get("deleted")
        ]

    def squads_of_campaign(self, campaign_id: str) -> list[JsonObj]:
        return self.live(AD_SQUAD, CAMPAIGN, campaign_id)

    def campaigns(self) -> list[JsonObj]:
        return self.live(CAMPAIGN, AD_ACCOUNT, self.account["id"])

    def ads_of_squad(self, squad_id: str) -> list[JsonObj]:
        return self.live(AD, AD_SQUAD, squad_id)

    def hours(self, day: date) -> list[datetime]:
        hours = self._hours.get(day)
        if hours is None:
            hours = self._hours[day] = day_hours(day, self.tz)
        return hours

    def squad(self, obj: JsonObj, campaign: JsonObj) -> _Squad:
        cached = self._squads.get(obj["id"])
        if cached is not None:
            return cached
        sid = obj["id"]
        u = _uniforms(sid, "profile")
        effect = self.state.stats_effects.get(sid, {})
        swipe_mult = float(effect.get("swipe_rate_multiplier", 1.0))
        conv_mult = float(effect.get("conversion_rate_multiplier", 1.0))
        profile = _Profile(
            util=0.62 + 0.33 * u[0],
            cpm_micro=(2.5 + 6.5 * u[1]) * self.scale * 1_000_000,
            swipe_rate=(0.004 + 0.012 * u[2]) * swipe_mult,
            view_rate=0.25 + 0.25 * u[3],
            completion=0.15 + 0.25 * u[4],
            cvr=(0.01 + 0.04 * u[5]) * conv_mult,
            aov_micro=(20 + 70 * u[6]) * self.scale * 1_000_000,
        )
        start_candidates = [
            t for t in (_parse_time(obj.get("start_time")), _parse_time(campaign.get("start_time")))
            if t is not None
        ]  # fmt: skip
        start = max(start_candidates) if start_candidates else _parse_time(obj.get("created_at"))
        ends = [
            t
            for t in (_parse_time(obj.get("end_time")), _parse_time(campaign.get("end_time")))
            if t is not None
        ]
        for entity in (obj, campaign):
            if entity.get("status") != "ACTIVE":
                paused_at = _parse_time(entity.get("updated_at"))
                if paused_at is not None:
                    ends.append(paused_at)
        end = min(ends) if ends else None
        ads = self.ads_of_squad(sid)
        eligible = [ad for ad in ads if ad.get("review_status", "APPROVED") == "APPROVED"]
        delivers = not self.test and (not ads or bool(eligible))
        cap = self._daily_cap(obj, start)
        squad = _Squad(
            obj=obj,
            profile=profile,
            cap_micro=cap,
            start=start,
            end=end,
            delivers=delivers and cap > 0,
            ad_ids=[ad["id"] for ad in ads],
            ad_weights=[
                (0.5 + 1.5 * _uniforms(ad["id"], "weight")[0]) if ad in eligible else 0.0
                for ad in ads
            ],
        )
        self._squads[sid] = squad
        return squad

    def _daily_cap(self, obj: JsonObj, start: datetime | None) -> int:
        daily = obj.get("daily_budget_micro")
        if isinstance(daily, int) and daily > 0:
            return daily
        lifetime = obj.get("lifetime_budget_micro")
        if isinstance(lifetime, int) and lifetime > 0:
            end = _parse_time(obj.get("end_time"))
            days = 30.0
            if start is not None and end is not None and end > start:
                days = max(1.0, math.ceil((end - start).total_seconds() / 86_400))
            return int(lifetime / days)
        return int(50 * self.scale * 1_000_000)

    # -- one squad, one day ----------------------------------------------------------------

    def full_day(self, squad: _Squad, day: date) -> Vec:
        """The squad's numbers for a whole local day, before campaign caps and coverage."""
        p = squad.profile
        u = _uniforms(squad.obj["id"], day.isoformat())
        season = 1.0 + 0.06 * math.sin(2 * math.pi * day.timetuple().tm_yday / 365.0)
        util = min(1.0, p.util * _WEEKDAY[day.weekday()] * (0.88 + 0.24 * u[0]) * season)
        spend = int(squad.cap_micro * util)
        impressions = int(spend * 1000 / p.cpm_micro * (0.92 + 0.16 * u[1]))
        swipes = min(impressions, round(impressions * p.swipe_rate * (0.85 + 0.3 * u[2])))
        views = round(impressions * p.view_rate * (0.9 + 0.2 * u[3]))
        completions = round(views * p.completion * (0.9 + 0.2 * u[4]))
        purchases = value = 0
        if self.conversions:
            purchases = round(swipes * p.cvr * (0.7 + 0.6 * u[5]))
            value = int(purchases * p.aov_micro * (0.8 + 0.4 * u[6]))
        return [impressions, swipes, spend, views, completions, purchases, value]

    def coverage(self, squad: _Squad, day: date) -> list[bool] | None:
        """None when the squad delivers the whole day; else which of its hours it delivers."""
        hours = self.hours(day)
        day_start, day_end = hours[0], hours[-1] + _HOUR
        start = squad.start or day_start
        end = min(t for t in (squad.end, self.now_hour) if t is not None)
        if start <= day_start and end >= day_end:
            return None
        return [start <= h + _HALF_HOUR < end for h in hours]

    def _active(self, squad: _Squad, day: date) -> bool:
        if not squad.delivers:
            return False
        hours = self.hours(day)
        day_start, day_end = hours[0], hours[-1] + _HOUR
        if squad.start is not None and squad.start >= day_end:
            return False
        if squad.end is not None and squad.end <= day_start:
            return False
        return self.now_hour > day_start

    def campaign_day(
        self, campaign: JsonObj, day: date
    ) -> dict[str, tuple[Vec, list[bool] | None]]:
        """Per squad of the campaign: (full-day vector after campaign caps, hour coverage)."""
        key = (campaign["id"], day)
        cached = self._campaign_days.get(key)
        if cached is not None:
            return cached
        weights = [_HOUR_WEIGHTS[h.astimezone(self.tz).hour] for h in self.hours(day)]
        weight_sum = sum(weights)
        raw: dict[str, tuple[Vec, list[bool] | None, float]] = {}
        expected = 0.0
        for obj in self.squads_of_campaign(campaign["id"]):
            squad = self.squad(obj, campaign)
            if not self._active(squad, day):
                continue
            vec = self.full_day(squad, day)
            cover = self.coverage(squad, day)
            fraction = (
                1.0
                if cover is None
                else sum(w for w, c in zip(weights, cover, strict=True) if c) / weight_sum
            )
            if fraction <= 0:
                continue
            raw[obj["id"]] = (vec, cover, fraction)
            expected += vec[_SPEND] * fraction
        factor = 1.0
        margin = 100 * max(1, len(raw))
        budget = campaign.get("daily_budget_micro")
        if isinstance(budget, int) and budget > 0 and expected > budget - margin:
            factor = max(0.0, (budget - margin) / expected)
        cap = campaign.get("lifetime_spend_cap_micro")
        if isinstance(cap, int) and cap > 0 and expected > 0:
            remaining = cap - self._used_before(campaign, day) - margin
            if expected * factor > remaining:
                factor = max(0.0, remaining / expected)
        out: dict[str, tuple[Vec, list[bool] | None]] = {}
        for sid, (vec, cover, _fraction) in raw.items():
            scaled = vec if factor >= 1.0 else [int(v * factor) for v in vec]
            out[sid] = (scaled, cover)
        self._campaign_days[key] = out
        return out

    def _used_before(self, campaign: JsonObj, day: date) -> int:
        """Spend the campaign delivered on the local days before `day` (for its lifetime cap)."""
        first = self._first_day(campaign)
        if first is None or first >= day:
            return 0
        cursor, used = self._lifetime_used.get(campaign["id"], (first, 0))
        if cursor > day:
            cursor, used = first, 0
        while cursor < day:
            for sid, (vec, cover) in self.campaign_day(campaign, cursor).items():
                used += self._delivered(sid, cursor, vec, cover)[_SPEND]
            cursor += timedelta(days=1)
        self._lifetime_used[campaign["id"]] = (cursor, used)
        return used

    def _first_day(self, campaign: JsonObj) -> date | None:
        starts = [
            s.start
            for obj in self.squads_of_campaign(campaign["id"])
            if (s := self.squad(obj, campaign)).start is not None
        ]
        return min(starts).astimezone(self.tz).date() if starts else None

    def _delivered(self, sid: str, day: date, vec: Vec, cover: list[bool] | None) -> Vec:
        if cover is None:
            return vec
        total = _zero()
        for hour_vec, covered in zip(self._hour_split(vec, day), cover, strict=True):
            if covered:
                _add(total, hour_vec)
        return total

    def _hour_split(self, vec: Vec, day: date) -> list[Vec]:
        weights = [_HOUR_WEIGHTS[h.astimezone(self.tz).hour] for h in self.hours(day)]
        return _split_vec(vec, weights)

    # -- leaves: squads (and ads) per day / hour -------------------------------------------

    @staticmethod
    def _constrained(campaign: JsonObj) -> bool:
        """Whether the campaign's own budget or cap ties its squads together."""
        budget, cap = campaign.get("daily_budget_micro"), campaign.get("lifetime_spend_cap_micro")
        return (isinstance(budget, int) and budget > 0) or (isinstance(cap, int) and cap > 0)

    def _entry(
        self, campaign: JsonObj, sid: str, day: date
    ) -> tuple[Vec, list[bool] | None] | None:
        if self._constrained(campaign):
            return self.campaign_day(campaign, day).get(sid)
        squad = self._squads.get(sid)  # unconstrained: only this squad needs computing
        if squad is None or not self._active(squad, day):
            return None
        cover = self.coverage(squad, day)
        if cover is not None and not any(cover):
            return None
        return self.full_day(squad, day), cover

    def squad_day(self, campaign: JsonObj, sid: str, day: date) -> Vec:
        entry = self._entry(campaign, sid, day)
        if entry is None:
            return _zero()
        return self._delivered(sid, day, *entry)

    def squad_hours(self, campaign: JsonObj, sid: str, day: date) -> list[Vec]:
        """The squad's vector for every real hour of the local day (zeros where not covered)."""
        entry = self._entry(campaign, sid, day)
        count = len(self.hours(day))
        if entry is None:
            return [_zero() for _ in range(count)]
        vec, cover = entry
        hours = self._hour_split(vec, day)
        if cover is not None:
            hours = [h if c else _zero() for h, c in zip(hours, cover, strict=True)]
        return hours

    def ad_split(self, squad_id: str, vec: Vec) -> dict[str, Vec]:
        squad = self._squads.get(squad_id)
        if squad is None or not squad.ad_ids:
            return {}
        parts = _split_vec(vec, squad.ad_weights)
        return dict(zip(squad.ad_ids, parts, strict=True))


def _account_zone(account: JsonObj) -> ZoneInfo:
    try:
        return ZoneInfo(str(account.get("timezone") or "UTC"))
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


# ------------------------------------------------------------------------------ a query


@dataclass(frozen=True)
class _Query:
    kind: str
    entity: JsonObj
    account: JsonObj
    granularity: str
    fields: tuple[str, ...]
    breakdown: str | None
    start: datetime | None
    end: datetime | None
    echo: dict[str, str]


class _Leaves:
    """The squads (with their campaigns) under the queried entity, and how leaves roll up."""

    def __init__(self, model: _Model, query: _Query) -> None:
        self.model = model
        self.query = query
        kind, entity = query.kind, query.entity
        state = model.state
        campaigns = {c["id"]: c for c in model.campaigns()}
        self.squads: list[tuple[JsonObj, JsonObj]] = []  # (campaign, squad)
        self.only_ad: str | None = None
        if kind == AD_ACCOUNT:
            for campaign in campaigns.values():
                self.squads.extend((campaign, s) for s in model.squads_of_campaign(campaign["id"]))
        elif kind == CAMPAIGN:
            self.squads = [(entity, s) for s in model.squads_of_campaign(entity["id"])]
        else:
            squad = entity if kind == AD_SQUAD else state.get(AD_SQUAD, entity["ad_squad_id"])
            campaign = state.get(CAMPAIGN, squad["campaign_id"])
            self.squads = [(campaign, squad)]
            if kind == AD:
                self.only_ad = entity["id"]
        for campaign, squad in self.squads:
            model.squad(squad, campaign)
        self.need_ads = self.only_ad is not None or query.breakdown == "ad"

    def children(self) -> list[tuple[str, str]]:
        """(id, stats type) of the breakdown rows, in Snap's id order."""
        level = self.query.breakdown
        if level == "campaign":
            ids = sorted({c["id"] for c, _ in self.squads})
            return [(i, "CAMPAIGN") for i in ids]
        if level == "adsquad":
            return [(s["id"], "AD_SQUAD") for _, s in sorted(self.squads, key=lambda x: x[1]["id"])]
        if level == "ad":
            ids = sorted(
                ad["id"] for _, s in self.squads for ad in self.model.ads_of_squad(s["id"])
            )
            return [(i, "AD") for i in ids]
        return []

    def rollup(self, per_squad: Iterable[tuple[JsonObj, JsonObj, Vec]]) -> dict[str, Vec]:
        """Leaf vectors → {row id: vector}; the queried entity's own row is keyed ""."""
        out: dict[str, Vec] = {}
        level = self.query.breakdown
        for campaign, squad, vec in per_squad:
            if self.need_ads:
                for ad_id, ad_vec in self.model.ad_split(squad["id"], vec).items():
                    if self.only_ad is not None and ad_id != self.only_ad:
                        continue
                    _add(out.setdefault(ad_id if level == "ad" else "", _zero()), ad_vec)
                continue
            key = {"campaign": campaign["id"], "adsquad": squad["id"]}.get(level or "", "")
            _add(out.setdefault(key, _zero()), vec)
        return out

    def day(self, day: date) -> dict[str, Vec]:
        m = self.model
        return self.rollup((c, s, m.squad_day(c, s["id"], day)) for c, s in self.squads)

    def hours(self, day: date) -> list[tuple[datetime, dict[str, Vec]]]:
        m = self.model
        per_squad = [(c, s, m.squad_hours(c, s["id"], day)) for c, s in self.squads]
        out = []
        for index, moment in enumerate(m.hours(day)):
            out.append((moment, self.rollup((c, s, hours[index]) for c, s, hours in per_squad)))
        return out

    def between(self, start: datetime, end: datetime) -> dict[str, Vec]:
        """Sum over [start, end): whole days as days, partial days hour by hour."""
        m = self.model
        total: dict[str, Vec] = {}
        day = start.astimezone(m.tz).date()
        last = (end - timedelta(microseconds=1)).astimezone(m.tz).date()
        while day <= last:
            hours = m.hours(day)
            if start <= hours[0] and hours[-1] + _HOUR <= end:
                parts = self.day(day)
            else:
                parts = {}
                for moment, rows in self.hours(day):
                    if start <= moment < end:
                        for key, vec in rows.items():
                            _add(parts.setdefault(key, _zero()), vec)
            for key, vec in parts.items():
                _add(total.setdefault(key, _zero()), vec)
            day += timedelta(days=1)
        return total

    def first_start(self) -> datetime | None:
        starts = [
            squad.start
            for _, s in self.squads
            if (squad := self.model._squads[s["id"]]).start is not None
        ]
        return min(starts) if starts else None


def _attachment_fields(swipes: int) -> dict[str, int | float]:
    """What a swipe opens (the attachment: web page, long-form video, app install page).

    Every swipe shows the attachment once; of those views 62 % pass the first quartile, 45 %
    the second, 33 % the third and 24 % play to the end, so the quartiles never increase and
    completions never exceed the third quartile. Total view time is 2 s for every view plus 3 s
    for every quartile passed (a 12 s attachment), the average is that total per view in whole
    milliseconds (Snap sends these as integers)."""
    views = swipes
    q1, q2, q3 = views * 62 // 100, views * 45 // 100, views * 33 // 100
    done = views * 24 // 100
    total_ms = views * 2_000 + (q1 + q2 + q3 + done) * 3_000
    return {
        "attachment_impressions": views,
        "attachment_quartile_1": q1,
        "attachment_quartile_2": q2,
        "attachment_quartile_3": q3,
        "attachment_view_completion": done,
        "attachment_total_view_time_millis": total_ms,
        "attachment_avg_view_time_millis": total_ms // views if views else 0,
        "attachment_uniques": views * 10 // 13,
        "attachment_frequency": round(views / (views * 10 // 13), 4)
        if views >= 2
        else float(views),
    }


def _fields_of(vec: Vec, fields: Sequence[str]) -> JsonObj:
    imp, swipes, spend, views, completions, purchases, value = vec
    derived: dict[str, int | float] = {
        "impressions": imp,
        "swipes": swipes,
        "spend": spend,
        "video_views": views,
        "view_completion": completions,
        "conversion_purchases": purchases,
        "conversion_purchases_value": value,
        "paid_impressions": imp,
        "total_impressions": imp,
        "earned_impressions": 0,
        "swipe_up_percent": round(swipes * 100 / imp, 4) if imp else 0.0,
        "quartile_1": completions + (views - completions) * 3 // 4,
        "quartile_2": completions + (views - completions) // 2,
        "quartile_3": completions + (views - completions) // 4,
        "video_views_time_based": views,
        "screen_time_millis": imp * 1850,
        # integers, as recorded ([REC] avg_*_millis are 0, not 0.0, next to swipe_up_percent 0.0)
        "avg_screen_time_millis": 1850 if imp else 0,
        "view_time_millis": views * 4200,
        "avg_view_time_millis": 4200 if views else 0,
        "uniques": imp * 10 // 17,
        "frequency": round(imp / (imp * 10 // 17), 4) if imp >= 2 else float(imp),
        "total_reach": imp * 10 // 17,
        **_attachment_fields(swipes),
        "conversion_add_cart": purchases * 3,
        "conversion_page_views": swipes * 4 // 5,
        "conversion_sign_ups": purchases // 2,
        "conversion_view_content": swipes // 2,
    }
    return {name: derived.get(name, 0) for name in fields}


# ------------------------------------------------------------------------------ endpoint


class StatsApi:
    """The stats routes bound to one SandboxState."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[int, int]] = {}  # token -> (window start ms, count)

    def now(self) -> datetime:
        return self.state.stats_now or utc_now()

    def _quota_headers(self, request: Request) -> dict[str, str]:
        token = request.headers.get("authorization", "").partition(" ")[2].strip()
        now_ms = int(time.time() * 1000)
        window = now_ms - now_ms % 60_000
        with self._lock:
            start, count = self._windows.get(token, (window, 0))
            if start != window:
                start, count = window, 0
            count += 1
            self._windows[token] = (start, count)
        return {
            "X-Rate-Limit-Limit": str(STATS_RATE_LIMIT),
            "X-Rate-Limit-Remaining": str(max(0, STATS_RATE_LIMIT - count)),
            "X-Rate-Limit-Reset": str(start + 60_000),
        }

    def handler(self, noun: str) -> Any:
        kind, _ = _ENTITY[noun]

        async def stats(request: Request) -> Response:
            rid = request_id_of(request)
            headers = self._quota_headers(request)
            try:
                with self.state.lock:
                    body = self.answer(kind, request.path_params["id"], request, rid)
            except SnapApiError as exc:
                response = error_response(exc, request_id=rid)
                response.headers.update(headers)
                return response
            return json_response(body, headers=headers)

        stats.__name__ = f"{noun}_stats"
        return stats

    # -- parsing and validation ------------------------------------------------------------

    def parse(self, kind: str, entity_id: str, request: Request) -> _Query:
        state = self.state
        if kind == AD_ACCOUNT:
            entity = account = state.require_account(entity_id)
        else:
            entity = state.get(kind, entity_id)
            account = state.require_account(state.collections[kind].account_of[entity_id])
        tz = _account_zone(account)
        q = request.query_params
        # [DOC] measurement page: TOTAL, DAY, HOUR; [REC] Airbyte's LIFETIME streams. The E1001
        # wording follows Snap's recorded "Invalid query parameters in request URL: [...]" form.
        granularity = (q.get("granularity") or "TOTAL").strip().upper()
        if granularity not in GRANULARITIES:
            raise bad_request(
                "E1001",
                f"Invalid query parameters in request URL: [Invalid granularity, {q.get('granularity')}]",
            )
        raw_fields = q.get("fields")
        fields = (
            tuple(f.strip() for f in raw_fields.split(",") if f.strip())
            if raw_fields
            else DEFAULT_FIELDS
        )
        # Unknown fields: [CODE] an Airbyte fork's note that 'conversion_signups' (a misspelling)
        # gives "Invalid query parameters in request URL"; the catalogue's evidence is above.
        unknown = [f for f in fields if f not in KNOWN_FIELDS]
        if unknown:
            raise bad_request(
                "E1001", f"Invalid query parameters in request URL: [Invalid fields, {unknown[0]}]"
            )
        breakdown = (q.get("breakdown") or "").strip().lower() or None
        # Only a lower level breaks down a higher one: [CODE] PostHog/ingestr ask ad accounts
        # for campaign|adsquad|ad and campaigns for adsquad|ad; Snap's wording here is unknown.
        if breakdown is not None and breakdown not in _BREAKDOWNS_FOR[kind]:
            raise unsupported(
                f"Breakdown '{breakdown}' is not supported for {_TYPE_OF[kind]} stats."
            )
        # [CODE] a third-party C# Snap reporting client drops `limit` without a breakdown because
        # "the API will throw" E1008 "Unsupported Stats Query: Pagination limit can only be used
        # with breakdown query." (quoted in its comment); [REF] snap-api.md §4.2: `limit`
        # paginates breakdown rows.
        if q.get("limit") is not None and breakdown is None:
            raise unsupported("Pagination limit can only be used with breakdown query.")
        start = self._time(q.get("start_time"), "StartDateTime", tz)
        end = self._time(q.get("end_time"), "EndDateTime", tz)
        # [DOC] measurement page: start_time and end_time are required for DAY and HOUR.
        if granularity in ("DAY", "HOUR") and (start is None or end is None):
            raise unsupported(
                f"Timeseries queries with {granularity} granularity require start_time and end_time."
            )
        if granularity != "LIFETIME" and start is not None and end is not None:
            self._check_range(granularity, start, end, tz, account)
        # [REC] the recorded ad-account rows (no breakdown) carry `spend` only; [CODE] the error
        # text is quoted by several clients, Airbyte and Singer ask ad accounts for `spend` only.
        if kind == AD_ACCOUNT and breakdown is None and set(fields) != {"spend"}:
            raise unsupported("Only field 'spend' should be used when querying AdAccount stats.")
        # HOUR refuses the reach fields only (evidence at _REACH_FIELDS). Conversion and
        # attachment fields are NOT refused: [REC] Snap's hourly rows carry conversion_purchases
        # … conversion_list_view and attachment_quartile_1 … attachment_view_completion. (A
        # third-party page, Fivetran's custom-report docs, says HOUR can't have conversion
        # fields; the recording outranks it.) Snap's exact error text here is not known.
        if granularity == "HOUR":
            refused = [f for f in fields if f in _REACH_FIELDS]
            if refused:
                raise unsupported(
                    f"HOUR granularity does not support the fields: {', '.join(refused)}."
                )
        echo = {
            key: q[key]
            for key in ("swipe_up_attribution_window", "view_attribution_window")
            if q.get(key)
        }
        return _Query(kind, entity, account, granularity, fields, breakdown, start, end, echo)

    @staticmethod
    def _time(raw: str | None, label: str, tz: ZoneInfo) -> datetime | None:
        if raw is None or not raw.strip():
            return None
        text = raw.strip()
        moment = None
        if " " not in text:  # a raw '+' arrives as a space: Snap can't read it
            if text.endswith(("Z", "z")):
                text = text[:-1] + "+00:00"
            try:
                moment = datetime.fromisoformat(text)
            except ValueError:
                moment = None
        # [CODE] the error text quoted by clients whose raw '+' reached Snap as a space
        # ("[Invalid StartDateTime, 2026-06-24T00:00:00.000 03:00]"); [REC] k0va1 sends %2B.
        if moment is None:
            raise bad_request(
                "E1001", f"Invalid query parameters in request URL: [Invalid {label}, {raw}]"
            )
        if moment.tzinfo is None:  # naive: read in the account's time zone
            moment = moment.replace(tzinfo=tz)
        return moment

    @staticmethod
    def _check_range(
        granularity: str, start: datetime, end: datetime, tz: ZoneInfo, account: JsonObj
    ) -> None:
        # [CODE] Singer tap-snapchat-ads bumps the end to avoid "End time should be after start
        # time." (E1008, quoted).
        if end <= start:
            raise unsupported("End time should be after start time.")
        local_start, local_end = start.astimezone(tz), end.astimezone(tz)
        # DAY: local midnight of the account's zone. [DOC] ad-accounts page ("timings are stored
        # in UTC … add/remove hours to make up a full 24 hours when using the DAY granularity");
        # [3P] sixfootfour.net quotes the error text; [REC] Airbyte's DAY rows carry the
        # account's offset. 32 days at most: [CODE] clients quoting the API's E1008 text.
        if granularity == "DAY":
            zone = account.get("timezone") or "UTC"
            for moment, which in ((local_start, "a start"), (local_end, "an end")):
                if (moment.hour, moment.minute, moment.second, moment.microsecond) != (0, 0, 0, 0):
                    raise unsupported(
                        f"Timeseries queries with DAY granularity must have {which} time that "
                        "is the start of day (00:00:00) for the account's timezone. "
                        f"This account's timezone is: {zone}"
                    )
            if (local_end.date() - local_start.date()).days > MAX_DAY_SPAN_DAYS:
                raise unsupported(
                    "Timeseries queries with DAY granularity cannot query time intervals of "
                    f"more than {MAX_DAY_SPAN_DAYS} days"
                )
            return
        # On the hour: [CODE] clients quote "End time should end at the beginning of an hour."
        # (the start's wording is by analogy). HOUR ≤ 7 days: [CODE] Singer's 7-day HOUR windows,
        # Airbyte's slice_period 7; [3P] CData's 7-day default; the exact error text is unknown.
        if (local_start.minute, local_start.second, local_start.microsecond) != (0, 0, 0):
            raise unsupported("Start time should start at the beginning of an hour.")
        if (local_end.minute, local_end.second, local_end.microsecond) != (0, 0, 0):
            raise unsupported("End time should end at the beginning of an hour.")
        if granularity == "HOUR":
            naive_span = local_end.replace(tzinfo=None) - local_start.replace(tzinfo=None)
            if naive_span > timedelta(days=MAX_HOUR_SPAN_DAYS):
                raise unsupported(
                    "Timeseries queries with HOUR granularity cannot query time intervals of "
                    f"more than {MAX_HOUR_SPAN_DAYS} days"
                )

    # -- answering -------------------------------------------------------------------------

    def answer(self, kind: str, entity_id: str, request: Request, rid: str) -> JsonObj:
        query = self.parse(kind, entity_id, request)
        now = self.now()
        model = _Model(self.state, query.account, now)
        leaves = _Leaves(model, query)
        tz = model.tz
        finalized = iso_ms(_floor_hour(now - FINALIZED_LAG))
        head: JsonObj = {
            "id": query.entity["id"],
            "type": _TYPE_OF[kind],
            "granularity": query.granularity,
        }
        if query.granularity in ("DAY", "HOUR"):
            assert query.start is not None and query.end is not None
            stat: JsonObj = {
                **head,
                "start_time": fmt_local(query.start, tz),
                "end_time": fmt_local(query.end, tz),
                "finalized_data_end_time": finalized,
                **query.echo,
            }
            periods = self._periods(leaves, query, tz)
            if query.breakdown is None:
                stat["timeseries"] = [
                    {"start_time": s, "end_time": e, "stats": _fields_of(rows.get("", _zero()), query.fields)}
                    for s, e, rows in periods
                ]  # fmt: skip
            else:
                stat["breakdown_stats"] = {
                    query.breakdown: [
                        {
                            "id": child_id,
                            "type": child_type,
                            "granularity": query.granularity,
                            "timeseries": [
                                {
                                    "start_time": s,
                                    "end_time": e,
                                    "stats": _fields_of(rows.get(child_id, _zero()), query.fields),
                                }
                                for s, e, rows in periods
                            ],
                        }
                        for child_id, child_type in leaves.children()
                    ]
                }
            stat["attributing_party"] = "SNAPCHAT"
            return {
                "request_status": "SUCCESS",
                "request_id": rid,
                "timeseries_stats": [{"sub_request_status": "SUCCESS", "timeseries_stat": stat}],
            }

        if query.granularity == "TOTAL" and query.start is not None and query.end is not None:
            start, end = query.start, query.end
        else:
            start = leaves.first_start() or model.now_hour
            end = model.now_hour
        rows = leaves.between(start, end) if end > start else {}
        stat = dict(head)
        if query.breakdown is None:
            stat["stats"] = _fields_of(rows.get("", _zero()), query.fields)
        else:
            stat["breakdown_stats"] = {
                query.breakdown: [
                    {
                        "id": child_id,
                        "type": child_type,
                        "stats": _fields_of(rows.get(child_id, _zero()), query.fields),
                    }
                    for child_id, child_type in leaves.children()
                ]
            }
        if query.granularity == "LIFETIME":
            stat["finalized_data_end_time"] = finalized
            return {
                "request_status": "SUCCESS",
                "request_id": rid,
                "lifetime_stats": [{"sub_request_status": "SUCCESS", "lifetime_stat": stat}],
            }
        if query.start is not None and query.end is not None:
            stat["start_time"] = fmt_local(query.start, tz)
            stat["end_time"] = fmt_local(query.end, tz)
        stat["finalized_data_end_time"] = finalized
        stat.update(query.echo)
        return {
            "request_status": "SUCCESS",
            "request_id": rid,
            "total_stats": [{"sub_request_status": "SUCCESS", "total_stat": stat}],
        }

    @staticmethod
    def _periods(
        leaves: _Leaves, query: _Query, tz: ZoneInfo
    ) -> list[tuple[str, str, dict[str, Vec]]]:
        assert query.start is not None and query.end is not None
        out: list[tuple[str, str, dict[str, Vec]]] = []
        day = query.start.astimezone(tz).date()
        if query.granularity == "DAY":
            last = query.end.astimezone(tz).date()
            while day < last:
                nxt = day + timedelta(days=1)
                out.append(
                    (
                        fmt_local(local_midnight(day, tz), tz),
                        fmt_local(local_midnight(nxt, tz), tz),
                        leaves.day(day),
                    )
                )
                day = nxt
            return out
        last = (query.end - timedelta(microseconds=1)).astimezone(tz).date()
        while day <= last:
            for moment, rows in leaves.hours(day):
                if query.start <= moment < query.end:
                    out.append((fmt_local(moment, tz), fmt_local(moment + _HOUR, tz), rows))
            day += timedelta(days=1)
        return out


# ------------------------------------------------------------------------------ control plane


async def _json_object(request: Request) -> JsonObj:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise bad_request("E1002", "The request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise bad_request("E1002", "The request body must be a JSON object")
    return body


def _multiplier(body: JsonObj, key: str) -> float:
    value = body.get(key, 1.0)
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
        raise bad_request("E1002", f"'{key}' must be a non-negative number")
    return float(value)


class StatsControl:
    """`/__sandbox__/stats_effects` and `/__sandbox__/stats_clock`."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state

    async def effects(self, request: Request) -> Response:
        try:
            if request.method == "POST":
                body = await _json_object(request)
                squad_id = body.get("ad_squad_id")
                if not isinstance(squad_id, str) or not squad_id:
                    raise bad_request("E1002", "'ad_squad_id' is required")
                self.state.get(AD_SQUAD, squad_id)
                with self.state.lock:
                    self.state.stats_effects[squad_id] = {
                        "swipe_rate_multiplier": _multiplier(body, "swipe_rate_multiplier"),
                        "conversion_rate_multiplier": _multiplier(
                            body, "conversion_rate_multiplier"
                        ),
                    }
            elif request.method == "DELETE":
                with self.state.lock:
                    self.state.stats_effects.clear()
        except SnapApiError as exc:
            return error_response(exc, request_id=request_id_of(request))
        return json_response({"effects": dict(self.state.stats_effects)})

    async def clock(self, request: Request) -> Response:
        try:
            body = await _json_object(request)
            raw = body.get("now")
            if raw is None:
                self.state.stats_now = None
            else:
                moment = _parse_time(raw)
                if moment is None:
                    raise bad_request("E1002", "'now' must be an ISO-8601 timestamp or null")
                self.state.stats_now = moment
        except SnapApiError as exc:
            return error_response(exc, request_id=request_id_of(request))
        now = self.state.stats_now
        return json_response({"now": iso_ms(now) if now is not None else None})


def stats_routes(state: SandboxState) -> list[Route]:
    """The /v1 stats routes and their control-plane knobs, for `create_app`."""
    api = StatsApi(state)
    control = StatsControl(state)
    return [
        *(
            Route(f"/v1/{noun}/{{id}}/stats", api.handler(noun), methods=["GET"])
            for noun in _ENTITY
        ),
        Route("/__sandbox__/stats_effects", control.effects, methods=["GET", "POST", "DELETE"]),
        Route("/__sandbox__/stats_clock", control.clock, methods=["POST"]),
    ]
