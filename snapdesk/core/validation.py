"""Snap's rules for campaigns, ad squads, ads, creatives and media, checked before queuing.

`validate(kind, obj, ...)` returns a list of `Issue`s: errors block queuing a change, warnings
advise. For an update, pass `base` (the server copy the edit was made against): problems in
fields the edit did not touch are then reported as warnings (the user can still rename a
campaign whose old settings Snap would reject today), and edits that send an ad back to review
are flagged with code `review_reset`.

Severity follows evidence (the README's "Check changes: rules" table lists every rule with its
source, strongest first): a rule is an *error* only when Snap's documentation states it [DOC] or a
recorded exchange with the live API shows it [REC] (reference/snap-api.md, snap-targeting.md,
fixtures/snap-recorded/). A rule known only from third-party code or prose, or inferred, is a
*warning*: snapdesk must not refuse what Snap may accept; if Snap does refuse, the post fails for
that change and says so. The sandbox (snapdesk/sandbox/entities.py) refuses exactly the errors.

Notable choices:
- Ad squad budget: `daily_budget_micro` or `lifetime_budget_micro`, one of them [DOC ad-squads]. The
  daily minimum of 5,000,000 micro "across all supported currencies" [DOC] is an error in every
  currency (no per-currency table exists), except in a *test* ad account, where a recorded create
  with 1,000,000 succeeded [REC AdSquad___create__creates_the_ad_squad.json]: a warning there.
  The lifetime minimum is not visible in the stored docs: a warning.
- Campaign budget: no documented minimum; API users report 20,000,000 ($20) [CODE-weak]
  hyperfx-ai/marketing-skills `snapchat-ads/SKILL.md`, amdsolutions007/AMD-Control-Center
  `SNAPCHAT_ADS_RULES.md`; a recorded create at exactly 20,000,000 succeeded [REC
  Campaign___create__creates_the_campaign.json]. A warning (`campaign_budget_minimum`).
- Start/end: an end at or before the start, and a lifetime budget without an end, are warnings:
  no Snap source says they are refused (Snap flags schedules with a delivery status,
  INVALID_START_TIME_AFTER_END_TIME [REC]; "the end date is mandatory with a lifetime budget" is
  third-party help [3P help.paragone.ai]).
- With `now`, an end time that has already passed is a warning (`end_in_past`).
- Warnings about a value speak only when the object is new or the edit changes that value (or a
  field the rule also reads).
- Creatives need `brand_name` (<= 32) or a public profile (`profile_properties.profile_id`) [REC].
- Targeting issues name the part of the form they are about (`targeting.geos`, `targeting.age`,
  `targeting.gender`, `targeting.languages`, `targeting.demographics`, `targeting.devices`): the
  editor shows each under its field, the grid in its Targeting column (`entity_field`). Ages run
  13 to 55 ("55+") [3P]; outside that is a warning (no Snap source refuses it).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Literal
from urllib.parse import urlparse

from snapdesk.core.kinds import AD, AD_SQUAD, CAMPAIGN, CREATIVE, MEDIA, SEGMENT

Severity = Literal["error", "warning"]

NAME_MAX: Final = 375
HEADLINE_MAX: Final = 34
BRAND_NAME_MAX: Final = 32
MIN_AD_SQUAD_BUDGET_MICRO: Final = 5_000_000
# UNVERIFIED (see the module docstring): a warning, not an error.
MIN_CAMPAIGN_BUDGET_MICRO: Final = 20_000_000

STATUSES: Final = ("ACTIVE", "PAUSED")
OBJECTIVES: Final = (
    "BRAND_AWARENESS",
    "APP_CONVERSION",
    "APP_INSTALL",
    "CATALOG_SALES",
    "ENGAGEMENT",
    "LEAD_GENERATION",
    "VIDEO_VIEW",
    "WEB_CONVERSION",
    "PROMOTE_STORIES",
    "PROMOTE_PLACES",
)
OBJECTIVE_V2_TYPES: Final = (
    "AWARENESS_AND_ENGAGEMENT",
    "TRAFFIC",
    "SALES",
    "APP_PROMOTION",
    "LEADS",
)
BUY_MODELS: Final = ("AUCTION", "RESERVED")
BID_STRATEGIES: Final = ("AUTO_BID", "LOWEST_COST_WITH_MAX_BID", "TARGET_COST", "MIN_ROAS")
BID_REQUIRED: Final = ("LOWEST_COST_WITH_MAX_BID", "TARGET_COST")
BILLING_EVENTS: Final = ("IMPRESSION",)
OPTIMIZATION_GOALS: Final = (
    "IMPRESSIONS",
    "SWIPES",
    "APP_INSTALLS",
    "VIDEO_VIEWS",
    "VIDEO_VIEWS_15_SEC",
    "USES",
    "STORY_OPENS",
    "PIXEL_PAGE_VIEW",
    "PIXEL_ADD_TO_CART",
    "LANDING_PAGE_VIEW",
    "PIXEL_PURCHASE",
    "PIXEL_SIGNUP",
    "APP_ADD_TO_CART",
    "APP_PURCHASE",
    "APP_SIGNUP",
)
PLACEMENT_CONFIGS: Final = ("AUTOMATIC", "CUSTOM")
AD_TYPES: Final = (
    "SNAP_AD",
    "APP_INSTALL",
    "REMOTE_WEBPAGE",
    "DEEP_LINK",
    "STORY",
    "AD_TO_LENS",
    "AD_TO_CALL",
    "AD_TO_MESSAGE",
    "FILTER",
    "LENS",
    "LENS_WEB_VIEW",
    "LENS_APP_INSTALL",
    "LENS_DEEP_LINK",
    "COLLECTION",
    "LEAD_GENERATION",
)
CREATIVE_TYPES: Final = (
    "SNAP_AD",
    "APP_INSTALL",
    "WEB_VIEW",
    "DEEP_LINK",
    "AD_TO_LENS",
    "AD_TO_CALL",
    "AD_TO_MESSAGE",
    "PREVIEW",
    "COMPOSITE",
    "LENS",
    "LENS_WEB_VIEW",
    "LENS_APP_INSTALL",
    "LENS_DEEP_LINK",
    "COLLECTION",
    "LEAD_GENERATION",
)
# Ad type -> the creative type it needs; every other ad type needs the creative type of its name.
_AD_TO_CREATIVE: Final = {"REMOTE_WEBPAGE": "WEB_VIEW", "STORY": "COMPOSITE"}
MEDIA_TYPES: Final = ("IMAGE", "VIDEO", "LENS_PACKAGE", "PLAYABLE")
# Age bounds of the targeting UI: 13 to 55, the top shown as "55+" [3P Whathead docs]; older UIs
# ended at "50+" [GUESS]. The API's own bounds were not found (snap-targeting.md §2.2): out of
# range is a warning (on `targeting.age`). AGES lists every age a picker offers, as Snap echoes
# ages (strings); a max age of 55 means "55 and older".
MIN_AGE: Final = 13
MAX_AGE: Final = 55
AGES: Final = tuple(str(n) for n in range(MIN_AGE, MAX_AGE + 1))
# MALE/FEMALE [DOC targeting page]; the gender catalogue has a third entry [REC-count, Singer run]
# whose id is unknown: OTHER is allowed, anything else is an error.
GENDERS: Final = ("MALE", "FEMALE", "OTHER")
OPERATIONS: Final = ("INCLUDE", "EXCLUDE")
# "demographics and devices are INCLUDE-only" [DOC targeting page, support table].
INCLUDE_ONLY: Final = ("demographics", "devices")
# Goals whose bid is a maximum CPM that "will not be exceeded" [DOC bid-estimate page]: a target
# cost makes no sense there; third-party help lists the goals TARGET_COST supports and leaves
# impressions out [3P ppc.land "Starting with Snapchat Ads Manager"]. A warning.
TARGET_COST_EXCLUDED_GOALS: Final = ("IMPRESSIONS",)
PIXEL_GOALS: Final = ("PIXEL_PAGE_VIEW", "PIXEL_ADD_TO_CART", "PIXEL_PURCHASE", "PIXEL_SIGNUP")

# Fields of an ad or creative whose change sends the ad back to Snap's review.
AD_REVIEW_FIELDS: Final = frozenset({"creative_id", "type"})
CREATIVE_REVIEW_FIELDS: Final = frozenset(
    {
        "type",
        "headline",
        "brand_name",
        "top_snap_media_id",
        "web_view_properties",
        "call_to_action",
        "app_install_properties",
        "deep_link_properties",
        "composite_properties",
        "profile_properties",
    }
)

_COUNTRY: Final = re.compile(r"^[A-Za-z]{2}$")
_AGE: Final = re.compile(r"^\s*(\d{1,3})\s*(\+?)\s*$")


def creative_type_for_ad(ad_type: str) -> str:
    """The creative type an ad of `ad_type` needs (REMOTE_WEBPAGE → WEB_VIEW, STORY → COMPOSITE)."""
    return _AD_TO_CREATIVE.get(ad_type, ad_type)


@dataclass(frozen=True)
class Issue:
    """One finding: the field it is about, a message a user can act on, error or warning."""

    field: str
    message: str
    severity: Severity = "error"
    code: str = "invalid"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def to_json(self) -> dict[str, str]:
        return {
            "field": self.field,
            "message": self.message,
            "severity": self.severity,
            "code": self.code,
        }


def errors(issues: list[Issue]) -> list[Issue]:
    return [i for i in issues if i.is_error]


def warnings(issues: list[Issue]) -> list[Issue]:
    return [i for i in issues if not i.is_error]


class _Checker:
    def __init__(
        self,
        obj: Mapping[str, Any],
        *,
        currency: str | None = None,
        test_account: bool = False,
        for_post: bool = False,
    ) -> None:
        self.obj = obj
        self.currency = currency
        self.test_account = test_account
        self.for_post = for_post
        self.issues: list[Issue] = []

    def money(self, micro: int) -> str:
        """ "5 JPY (¥5; 5,000,000 micro)" when the account's currency is known."""
        units = f"{micro / 1_000_000:g}"
        if self.currency:
            from snapdesk.core.money import format_money

            try:
                shown = format_money(micro, self.currency)
            except ValueError:
                pass
            else:
                return f"{units} {self.currency.upper()} ({shown}; {micro:,} micro)"
        return f"{units} ({micro:,} micro) in the account's currency"

    def error(self, field: str, message: str, code: str = "invalid") -> None:
        self.issues.append(Issue(field, message, "error", code))

    def warn(self, field: str, message: str, code: str = "advice") -> None:
        self.issues.append(Issue(field, message, "warning", code))

    def fields_with_issues(self) -> set[str]:
        return {issue.field for issue in self.issues}

    def issues_for(self, field: str) -> list[Issue]:
        return [issue for issue in self.issues if issue.field == field]

    def present(self, field: str) -> bool:
        value = self.obj.get(field)
        return not (value is None or (isinstance(value, str) and not value.strip()))

    def required(self, field: str, label: str) -> bool:
        if not self.present(field):
            self.error(field, f"{label} is required", "required")
            return False
        return True

    def text(self, field: str, label: str, *, max_len: int, required: bool = True) -> None:
        if required and not self.required(field, label):
            return
        value = self.obj.get(field)
        if value is None:
            return
        if not isinstance(value, str):
            self.error(field, f"{label} must be text")
        elif len(value) > max_len:
            self.error(
                field,
                f"{label} is {len(value)} characters; Snap allows at most {max_len}",
                "too_long",
            )

    def enum(
        self, field: str, label: str, allowed: tuple[str, ...], *, required: bool = False
    ) -> None:
        if not self.present(field):
            if required:
                self.error(field, f"{label} is required", "required")
            return
        value = self.obj.get(field)
        if value not in allowed:
            self.error(field, f"{label} {value!r} is not one of {', '.join(allowed)}", "enum")

    def micro(self, field: str, label: str) -> int | None:
        value = self.obj.get(field)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(field, f"{label} must be a whole number of micro-currency")
            return None
        if value < 0:
            self.error(field, f"{label} can't be negative")
            return None
        return value

    def time(self, field: str, label: str, *, required: bool = False) -> datetime | None:
        if not self.present(field):
            if required:
                self.error(field, f"{label} is required", "required")
            return None
        value = self.obj.get(field)
        moment = _parse_time(value)
        if moment is None:
            self.error(field, f"{label} must be a date and time (ISO 8601), not {value!r}")
        return moment


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _schedule(c: _Checker, noun: str) -> tuple[datetime | None, datetime | None]:
    start = c.time("start_time", "Start time", required=noun == "campaign")
    end = c.time("end_time", "End time")
    if start is not None and end is not None and end <= start:
        # No Snap source says this is refused; Snap reports schedules it can't run in
        # `delivery_status` (INVALID_START_TIME_AFTER_END_TIME [REC k0va1 creates]). A warning.
        c.warn("end_time", f"The {noun} must start before it ends", "start_after_end")
    return start, end


def _validate_campaign(c: _Checker) -> None:
    # Required fields and enums [DOC campaigns page: ad_account_id, name <= 375, status, start_time].
    c.text("name", "Name", max_len=NAME_MAX)
    c.enum("status", "Status", STATUSES, required=True)
    _schedule(c, "campaign")
    for field, label in (
        ("daily_budget_micro", "Daily budget"),
        ("lifetime_spend_cap_micro", "Lifetime spend cap"),
    ):
        value = c.micro(field, label)
        if value is not None and value < MIN_CAMPAIGN_BUDGET_MICRO:
            # [CODE-weak] two third-party sources (module docstring); not in Snap's docs.
            c.warn(
                field,
                f"{label} is below {c.money(MIN_CAMPAIGN_BUDGET_MICRO)}: API users report Snap "
                "refuses campaign budgets under 20 in any currency, though it is not in Snap's "
                "documentation",
                "campaign_budget_minimum",
            )
    c.enum("objective", "Objective", OBJECTIVES)
    v2 = c.obj.get("objective_v2_properties")
    if isinstance(v2, Mapping) and v2.get("objective_v2_type") not in OBJECTIVE_V2_TYPES:
        c.error(
            "objective_v2_properties",
            f"Objective type {v2.get('objective_v2_type')!r} is not one of "
            f"{', '.join(OBJECTIVE_V2_TYPES)}",
            "enum",
        )
    c.enum("buy_model", "Buy model", BUY_MODELS)


def _age(value: Any) -> tuple[int, bool] | None:
    """An age as Snap takes it: an integer in the docs' examples [DOC], a string of digits as Snap
    echoes it [REC], or "50+"-style text (the top bucket) [GUESS]. None when it is none of these."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value, False
    if isinstance(value, str):
        match = _AGE.match(value)
        if match:
            return int(match.group(1)), bool(match.group(2))
    return None


def _validate_targeting(c: _Checker) -> None:
    targeting = c.obj.get("targeting")
    if targeting is not None and not isinstance(targeting, Mapping):
        c.error("targeting", "Targeting must be an object")
        return
    targeting = targeting or {}
    geos = targeting.get("geos")
    if not isinstance(geos, list) or not geos:
        # `geos` is required [DOC targeting page, "Required"; snap-targeting.md §2.1; the real
        # minimal create carries one, REC]. A draft may be queued without targeting (a file
        # import, a copy); posting it is what Snap refuses, so Check changes blocks the post.
        if c.for_post:
            c.error(
                "targeting.geos",
                "Target at least one country (targeting.geos is required)",
                "geos_required",
            )
        geos = []
    countries: set[str] = set()
    for geo in geos:
        code = geo.get("country_code") if isinstance(geo, Mapping) else None
        if not isinstance(code, str) or not _COUNTRY.match(code):
            # An ISO 3166 alpha-2 code: every real body carries one [REC]; the catalogue of
            # countries is a list of such codes [REC-count /targeting/geo/country].
            c.error(
                "targeting.geos",
                f"Country code {code!r} must be two lowercase letters (ISO 3166, e.g. 'us')",
                "country_code",
            )
            continue
        if code != code.lower():
            # Snap echoes lowercase codes [REC]; some clients send upper case [CODE-weak].
            c.warn(
                "targeting.geos",
                f"Country code {code!r}: Snap uses lower case ({code.lower()!r})",
                "country_code_case",
            )
        operation = geo.get("operation", "INCLUDE")
        if operation not in OPERATIONS:
            c.error("targeting.geos", f"Geo operation {operation!r} is not INCLUDE/EXCLUDE", "enum")
        elif operation == "INCLUDE":
            countries.add(code.lower())
    for key in INCLUDE_ONLY:
        for entry in targeting.get(key) or []:
            if isinstance(entry, Mapping) and entry.get("operation", "INCLUDE") != "INCLUDE":
                c.error(
                    f"targeting.{key}",
                    f"{key.capitalize()} can only include (operation {entry.get('operation')!r}): "
                    "Snap's targeting supports EXCLUDE only for geos, segments and locations",
                    "include_only",
                )
    languages: set[str] = set()
    for demo in targeting.get("demographics") or []:
        if not isinstance(demo, Mapping):
            continue
        ages: dict[str, tuple[int, bool]] = {}
        for key in ("min_age", "max_age"):
            value = demo.get(key)
            if value is None:
                continue
            age = _age(value)
            if age is None:
                c.error(
                    "targeting.age",
                    f"{key} {value!r} is not an age (e.g. 18 or '35')",
                    "age_format",
                )
                continue
            ages[key] = age
            if not MIN_AGE <= age[0] <= MAX_AGE:
                c.warn(
                    "targeting.age",
                    f"{key} {value!r} is outside the {MIN_AGE}–{MAX_AGE} Snap's targeting offers",
                    "age_range",
                )
        low, high = ages.get("min_age"), ages.get("max_age")
        if low is not None and high is not None and low[0] > high[0]:
            c.warn(
                "targeting.age",
                f"Minimum age {demo.get('min_age')} is above maximum age {demo.get('max_age')}: "
                "nobody matches",
                "age_order",
            )
        gender = demo.get("gender")
        if gender is not None and gender not in GENDERS:
            c.error(
                "targeting.gender",
                f"Gender {gender!r} is not one of {', '.join(GENDERS)}",
                "gender",
            )
        for lang in demo.get("languages") or []:
            if isinstance(lang, str):
                languages.add(lang)
            if not isinstance(lang, str) or not re.fullmatch(r"[a-z]{2}", lang):
                # The docs' examples use two-letter codes ("en") [DOC]; refusal is unverified.
                c.warn(
                    "targeting.languages",
                    f"Language {lang!r} is not a two-letter code like 'en'",
                    "language_code",
                )
    if len(countries) > 1 and len(languages) != 1:
        # "Multi-country targeting … requires a demographics entry with a single languages
        # entry" [DOC targeting page; snap-targeting.md §2.1].
        c.error(
            "targeting.languages",
            f"Targeting {len(countries)} countries needs exactly one language in demographics "
            f"(has {len(languages) or 'none'})",
            "multi_country_language",
        )


def _validate_ad_squad(c: _Checker) -> None:
    # Required fields and enums [DOC ad-squads page; REC minimal create body].
    c.text("name", "Name", max_len=NAME_MAX)
    c.required("campaign_id", "Campaign")
    c.enum("status", "Status", STATUSES)
    c.enum("billing_event", "Billing event", BILLING_EVENTS, required=True)
    c.enum("optimization_goal", "Optimization goal", OPTIMIZATION_GOALS, required=True)
    placement = c.obj.get("placement_v2")
    if not isinstance(placement, Mapping):
        c.error("placement_v2", "Placement is required", "required")
    elif placement.get("config") not in PLACEMENT_CONFIGS:
        c.error("placement_v2", f"Placement must be one of {', '.join(PLACEMENT_CONFIGS)}")
    daily = c.micro("daily_budget_micro", "Daily budget")
    lifetime = c.micro("lifetime_budget_micro", "Lifetime budget")
    # "one of daily_budget_micro or lifetime_budget_micro must be set" [DOC ad-squads page]; Snap
    # keeps one `delivery_constraint`, DAILY_BUDGET or LIFETIME_BUDGET [REC].
    if daily is None and lifetime is None and not c.issues_for("daily_budget_micro"):
        c.error("daily_budget_micro", "Set a daily or a lifetime budget", "budget_required")
    if daily is not None and lifetime is not None:
        c.error(
            "lifetime_budget_micro", "Set a daily or a lifetime budget, not both", "budget_both"
        )
    minimum = c.money(MIN_AD_SQUAD_BUDGET_MICRO)
    if daily is not None and daily < MIN_AD_SQUAD_BUDGET_MICRO:
        # "Minimum value 5000000 across all supported currencies" [DOC ad-squads page]; a test
        # account accepted 1,000,000 [REC AdSquad___create__creates_the_ad_squad.json].
        if c.test_account:
            c.warn(
                "daily_budget_micro",
                f"Daily budget is below Snap's documented minimum of {minimum}; this test "
                "account may accept it (a recorded test-account create did), a real one won't",
                "budget_minimum_test",
            )
        else:
            c.error(
                "daily_budget_micro", f"Daily budget must be at least {minimum}", "budget_minimum"
            )
    if lifetime is not None and lifetime < MIN_AD_SQUAD_BUDGET_MICRO:
        c.warn(
            "lifetime_budget_micro",
            f"Lifetime budget is below {minimum}, Snap's minimum for a daily budget; Snap's "
            "lifetime minimum is not documented",
            "lifetime_budget_minimum",
        )
    strategy = c.obj.get("bid_strategy")
    c.enum("bid_strategy", "Bid strategy", BID_STRATEGIES)
    bid = c.micro("bid_micro", "Bid")
    # bid_micro is "R" [DOC ad-squads page]; AUTO_BID squads carry none [REC GET AdSquad]: a bid
    # is required with the strategies that use one.
    if strategy in BID_REQUIRED and bid is None and "bid_micro" not in c.fields_with_issues():
        c.error("bid_micro", f"A bid is required with {strategy}", "bid_required")
    if bid is not None and bid == 0 and strategy in BID_REQUIRED:
        c.error("bid_micro", "The bid must be more than zero", "bid_required")
    if strategy == "AUTO_BID" and bid is not None:
        # Snap sets the bid with AUTO_BID ("auto_bid:true and no bid_micro" [REC]); whether it
        # refuses a bid sent along is not known — the sandbox drops it.
        c.warn("bid_micro", "Remove the bid: AUTO_BID lets Snap set it", "bid_ignored")
    goal = c.obj.get("optimization_goal")
    if strategy == "TARGET_COST" and goal in TARGET_COST_EXCLUDED_GOALS:
        c.warn(
            "bid_strategy",
            f"TARGET_COST with {goal}: the {goal} bid is a maximum CPM, not a target cost; "
            "Snap's help lists target cost only for swipes, installs, video views, pixel events "
            "and story opens",
            "target_cost_goal",
        )
    if strategy == "MIN_ROAS":
        # Known only from a third-party SDK's enum [CODE SnapAds4J BidStrategyEnum].
        c.warn(
            "bid_strategy",
            "MIN_ROAS is not in Snap's documentation snapdesk has: what it needs is not checked",
            "min_roas_unverified",
        )
    if goal in PIXEL_GOALS and not c.present("pixel_id"):
        # Optimizing for pixel events needs the pixel; no Snap source states the refusal
        # [3P Sprinklr "Snapchat Smart Budget": Pixel Purchase shares a Pixel ID].
        c.warn(
            "pixel_id",
            f"{goal} optimizes for events of a Snap Pixel: choose the pixel (pixel_id)",
            "pixel_required",
        )
    _start, end = _schedule(c, "ad squad")
    if lifetime is not None and end is None and not c.issues_for("end_time"):
        c.warn("end_time", "A lifetime budget needs an end time", "lifetime_needs_end")
    _validate_targeting(c)


def _validate_ad(c: _Checker, creative_lookup: Callable[[str], Mapping[str, Any] | None]) -> None:
    c.text("name", "Name", max_len=NAME_MAX)
    c.required("ad_squad_id", "Ad squad")
    c.enum("status", "Status", STATUSES, required=True)
    c.enum("type", "Ad type", AD_TYPES, required=True)
    if not c.required("creative_id", "Creative"):
        return
    ad_type = c.obj.get("type")
    creative_id = str(c.obj["creative_id"])
    creative = creative_lookup(creative_id)
    if creative is None or ad_type not in AD_TYPES:
        return
    needed = creative_type_for_ad(str(ad_type))
    if creative.get("type") != needed:
        c.error(
            "creative_id",
            f"A {ad_type} ad needs a {needed} creative; "
            f"{creative.get('name') or creative_id} is {creative.get('type')}",
            "creative_type",
        )


def _validate_creative(c: _Checker) -> None:
    c.text("name", "Name", max_len=NAME_MAX)
    c.enum("type", "Creative type", CREATIVE_TYPES, required=True)
    c.text("headline", "Headline", max_len=HEADLINE_MAX)
    c.text("brand_name", "Brand name", max_len=BRAND_NAME_MAX, required=False)
    profile = c.obj.get("profile_properties")
    has_profile = isinstance(profile, Mapping) and bool(profile.get("profile_id"))
    if not c.present("brand_name") and not has_profile:
        c.error("brand_name", "Enter a brand name or choose a public profile", "required")
    creative_type = c.obj.get("type")
    if creative_type != "COMPOSITE":
        c.required("top_snap_media_id", "Top Snap media")
    if creative_type == "WEB_VIEW":
        web_view = c.obj.get("web_view_properties")
        url = web_view.get("url") if isinstance(web_view, Mapping) else None
        if not url:
            c.error("web_view_properties", "A web view creative needs a URL", "required")
        else:
            parsed = urlparse(str(url))
            if parsed.scheme not in ("http", "https") or "." not in parsed.netloc:
                c.error(
                    "web_view_properties",
                    f"The URL must be a full https:// address (got {url!r})",
                    "url",
                )
            elif parsed.scheme != "https":
                # No Snap source refuses plain http; review may reject it [unsourced]: a warning.
                c.warn(
                    "web_view_properties",
                    f"Use an https:// address (got {url!r}): plain http landing pages may be "
                    "rejected in review",
                    "url_http",
                )


def _validate_media(c: _Checker) -> None:
    c.text("name", "Name", max_len=NAME_MAX)
    c.enum("type", "Media type", MEDIA_TYPES, required=True)


def _validate_segment(c: _Checker) -> None:
    c.text("name", "Name", max_len=NAME_MAX)


def _ended_warnings(kind: str, obj: Mapping[str, Any], now: datetime) -> list[Issue]:
    if kind not in (CAMPAIGN, AD_SQUAD):
        return []
    end = _parse_time(obj.get("end_time"))
    if end is None or end > now:
        return []
    return [
        Issue(
            "end_time",
            f"The end time {obj.get('end_time')} has passed: Snap won't deliver it; set a "
            "later end time or none",
            "warning",
            "end_in_past",
        )
    ]


# Warnings about a value that speak only when the object is new or the edit changes that value.
_EDIT_ONLY_WARNINGS: Final = frozenset(
    {
        "campaign_budget_minimum",
        "end_in_past",
        "start_after_end",
        "budget_minimum_test",
        "lifetime_budget_minimum",
        "bid_ignored",
        "target_cost_goal",
        "min_roas_unverified",
        "pixel_required",
        "lifetime_needs_end",
        "country_code_case",
        "age_range",
        "age_order",
        "language_code",
        "url_http",
    }
)


def _review_warnings(kind: str, obj: Mapping[str, Any], base: Mapping[str, Any]) -> list[Issue]:
    fields = AD_REVIEW_FIELDS if kind == AD else CREATIVE_REVIEW_FIELDS if kind == CREATIVE else ()
    changed = sorted(f for f in fields if obj.get(f) != base.get(f))
    if not changed:
        return []
    what = "ad" if kind == AD else "ads using this creative"
    return [
        Issue(
            field,
            f"Changing {field.replace('_', ' ')} sends the {what} back to Snap's review; "
            "delivery pauses until it is approved again",
            "warning",
            "review_reset",
        )
        for field in changed
    ]


# Rules that span several fields: the error sits on the first field, but an edit of any of them
# makes it this edit's error (switching the bid strategy without a bid is an error, not a
# pre-existing condition on Snap).
_RELATED_FIELDS: dict[str, tuple[str, ...]] = {
    "bid_required": ("bid_micro", "bid_strategy"),
    "bid_ignored": ("bid_micro", "bid_strategy"),
    "start_after_end": ("start_time", "end_time"),
    "budget_required": ("daily_budget_micro", "lifetime_budget_micro"),
    "budget_both": ("daily_budget_micro", "lifetime_budget_micro"),
    "target_cost_goal": ("bid_strategy", "optimization_goal"),
    "pixel_required": ("optimization_goal", "pixel_id"),
    "lifetime_needs_end": ("lifetime_budget_micro", "end_time"),
}


# Targeting findings sit on the part of the form they are about (`targeting.geos`, …); each is
# this edit's only when the edit changed the lists it reads (editing the gender doesn't make an
# old region problem the user's). Keys: the issue field; values: the `targeting` keys read.
TARGETING_FIELDS: Final[dict[str, tuple[str, ...]]] = {
    "targeting.geos": ("geos",),
    "targeting.age": ("demographics",),
    "targeting.gender": ("demographics",),
    "targeting.languages": ("demographics",),
    "targeting.demographics": ("demographics",),
    "targeting.interests": ("interests",),
    "targeting.devices": ("devices",),
    "targeting.segments": ("segments",),
    "targeting.locations": ("locations",),
}
_TARGETING_RELATED: Final[dict[str, tuple[str, ...]]] = {
    # one language for several countries: adding a country makes it this edit's
    "multi_country_language": ("geos", "demographics"),
}
TARGETING_LABELS: Final[dict[str, str]] = {
    "targeting.geos": "Locations",
    "targeting.age": "Age",
    "targeting.gender": "Gender",
    "targeting.languages": "Languages",
    "targeting.demographics": "Demographics",
    "targeting.interests": "Interests",
    "targeting.devices": "Devices",
    "targeting.segments": "Audiences",
    "targeting.locations": "Locations",
}


def entity_field(field: str) -> str:
    """The entity's API field an issue field is about: `targeting.geos` → `targeting`."""
    return field.split(".", 1)[0]


def field_label(field: str) -> str:
    """How to name an issue field to a user: "Targeting · Locations", "Daily budget"."""
    part = TARGETING_LABELS.get(field)
    if part is not None:
        return f"Targeting · {part}"
    text = field.removesuffix("_micro").replace("_", " ").replace(".", " · ")
    return text[:1].upper() + text[1:]


def _targeting_parts_changed(obj: Mapping[str, Any], base: Mapping[str, Any]) -> set[str]:
    now, before = obj.get("targeting"), base.get("targeting")
    if not isinstance(now, Mapping) or not isinstance(before, Mapping):
        return {"targeting:*"} if now != before else set()
    return {f"targeting:{k}" for k in set(now) | set(before) if now.get(k) != before.get(k)}


def _caused_by_edit(issue: Issue, changed: set[str]) -> bool:
    if issue.field in changed or any(f in changed for f in _RELATED_FIELDS.get(issue.code, ())):
        return True
    parts = TARGETING_FIELDS.get(issue.field)
    if parts is None:
        return issue.field.startswith("targeting.") and "targeting" in changed
    if "targeting:*" in changed:
        return True
    parts = parts + _TARGETING_RELATED.get(issue.code, ())
    return any(f"targeting:{p}" in changed for p in parts)


def validate(
    kind: str,
    obj: Mapping[str, Any],
    *,
    base: Mapping[str, Any] | None = None,
    creative_lookup: Callable[[str], Mapping[str, Any] | None] | None = None,
    now: datetime | None = None,
    currency: str | None = None,
    test_account: bool = False,
    for_post: bool = False,
) -> list[Issue]:
    """Check `obj` (the complete object that would be sent) against Snap's rules.

    `base`: the server copy an update starts from; issues in fields the update does not change
    become warnings, and review-resetting edits of ads and creatives are flagged.
    `creative_lookup`: finds a creative by id, to check an ad's type against its creative.
    `now` (aware): also warn about an end time that has passed (rules that depend on the clock
    apply only when it is given).
    `currency`: the ad account's, to state minimums in it; `test_account`: the ad account is a
    Snap test account (its ad squad budget minimum is a warning, see the module docstring).
    `for_post`: also the rules a queued draft may break but a post may not (Check changes):
    an ad squad's countries (`geos_required`).
    """
    checker = _Checker(obj, currency=currency, test_account=test_account, for_post=for_post)
    if kind == CAMPAIGN:
        _validate_campaign(checker)
    elif kind == AD_SQUAD:
        _validate_ad_squad(checker)
    elif kind == AD:
        _validate_ad(checker, creative_lookup or (lambda _id: None))
    elif kind == CREATIVE:
        _validate_creative(checker)
    elif kind == MEDIA:
        _validate_media(checker)
    elif kind == SEGMENT:
        _validate_segment(checker)
    else:
        raise ValueError(f"no validation rules for {kind!r}")
    issues = checker.issues
    if now is not None:
        issues.extend(_ended_warnings(kind, obj, now))
    if base is None:
        return issues
    changed = {f for f in set(obj) | set(base) if obj.get(f) != base.get(f)}
    if "targeting" in changed:
        changed |= _targeting_parts_changed(obj, base)
    out: list[Issue] = []
    for issue in issues:
        if issue.code in _EDIT_ONLY_WARNINGS and not _caused_by_edit(issue, changed):
            continue
        if issue.is_error and not _caused_by_edit(issue, changed):
            issue = Issue(
                issue.field,
                f"{issue.message} (already so on Snap; not changed by this edit)",
                "warning",
                issue.code,
            )
        out.append(issue)
    out.extend(_review_warnings(kind, obj, base))
    return out
