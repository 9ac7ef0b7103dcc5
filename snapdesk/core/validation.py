"""Snap's rules for campaigns, ad squads, ads, creatives and media, checked before queuing.

`validate(kind, obj, ...)` returns a list of `Issue`s: errors block queuing a change, warnings
advise. For an update, pass `base` (the server copy the edit was made against): problems in
fields the edit did not touch are then reported as warnings (the user can still rename a
campaign whose old settings Snap would reject today), and edits that send an ad back to review
are flagged with code `review_reset`.

Choices where Snap's documentation leaves room (see reference/snap-api.md §3):
- Ad squad budget: `daily_budget_micro` or `lifetime_budget_micro` is required (not both), and
  the documented minimum of 5 000 000 micro "across all supported currencies" is an error in
  every currency. Snap may ask more in some currencies; it says so when posting.
- Campaign budget: Snap's campaigns table lists no minimum, but API users report Snap rejects a
  `daily_budget_micro` / `lifetime_spend_cap_micro` below 20 000 000 ($20): [CODE-weak]
  hyperfx-ai/marketing-skills `snapchat-ads/SKILL.md` ("Minimum campaign daily budget / lifetime
  spend cap is $20 (20000000)") and amdsolutions007/AMD-Control-Center
  `apps/website/docs/SNAPCHAT_ADS_RULES.md` ("Snapchat enforces a $20.00 minimum"); the reference
  marks it UNVERIFIED. An unverified rule is a *warning* (code `campaign_budget_minimum`), never
  an error: snapdesk must not refuse what Snap may accept; if Snap does refuse, the post fails
  for that change and says so.
- With `now`, an end time that has already passed is a warning (`end_in_past`): Snap will not
  deliver, and whether it refuses the change is UNVERIFIED.
- Warnings about a value (`campaign_budget_minimum`, `end_in_past`) speak only when the object
  is new or the edit changes that value.
- Creatives need `brand_name` (≤ 32) or a public profile (`profile_properties.profile_id`).
- A WEB_VIEW URL must use https (Snap's reviewers reject plain http landing pages).
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
AGES: Final = (*(str(n) for n in range(13, 50)), "50+")
GENDERS: Final = ("MALE", "FEMALE", "OTHER")
OPERATIONS: Final = ("INCLUDE", "EXCLUDE")

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

_COUNTRY: Final = re.compile(r"^[a-z]{2}$")


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
    def __init__(self, obj: Mapping[str, Any]) -> None:
        self.obj = obj
        self.issues: list[Issue] = []

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


def _validate_campaign(c: _Checker) -> None:
    c.text("name", "Name", max_len=NAME_MAX)
    c.enum("status", "Status", STATUSES, required=True)
    start = c.time("start_time", "Start time", required=True)
    end = c.time("end_time", "End time")
    if start is not None and end is not None and end <= start:
        c.error("end_time", "The campaign must start before it ends", "start_after_end")
    for field, label in (
        ("daily_budget_micro", "Daily budget"),
        ("lifetime_spend_cap_micro", "Lifetime spend cap"),
    ):
        value = c.micro(field, label)
        if value is not None and value < MIN_CAMPAIGN_BUDGET_MICRO:
            c.warn(
                field,
                f"{label} is below 20 (20,000,000 micro) in the account's currency: API users "
                "report Snap refuses campaign budgets under 20, though it is not in Snap's "
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


def _validate_targeting(c: _Checker) -> None:
    targeting = c.obj.get("targeting")
    if targeting is None:
        return
    if not isinstance(targeting, Mapping):
        c.error("targeting", "Targeting must be an object")
        return
    for geo in targeting.get("geos") or []:
        code = geo.get("country_code") if isinstance(geo, Mapping) else None
        if not isinstance(code, str) or not _COUNTRY.match(code):
            c.error(
                "targeting",
                f"Country code {code!r} must be two lowercase letters (ISO 3166, e.g. 'us')",
                "country_code",
            )
        if isinstance(geo, Mapping) and geo.get("operation", "INCLUDE") not in OPERATIONS:
            c.error("targeting", f"Geo operation {geo.get('operation')!r} is not INCLUDE/EXCLUDE")
    for demo in targeting.get("demographics") or []:
        if not isinstance(demo, Mapping):
            continue
        low, high = demo.get("min_age"), demo.get("max_age")
        for key, value in (("min_age", low), ("max_age", high)):
            if value is not None and value not in AGES:
                c.error(
                    "targeting",
                    f"{key} {value!r} must be an age from '13' to '49' or '50+' (as text)",
                    "age",
                )
        if low in AGES and high in AGES and AGES.index(low) > AGES.index(high):
            c.error("targeting", f"Minimum age {low} is above maximum age {high}", "age")
        gender = demo.get("gender")
        if gender is not None and gender not in GENDERS:
            c.error("targeting", f"Gender {gender!r} is not one of {', '.join(GENDERS)}")
        languages = demo.get("languages") or []
        for lang in languages:
            if not isinstance(lang, str) or not re.fullmatch(r"[a-z]{2}", lang):
                c.error("targeting", f"Language {lang!r} must be a two-letter code like 'en'")


def _validate_ad_squad(c: _Checker) -> None:
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
    if daily is None and lifetime is None and not c.issues_for("daily_budget_micro"):
        c.error("daily_budget_micro", "Set a daily or a lifetime budget", "budget_required")
    if daily is not None and lifetime is not None:
        c.error("lifetime_budget_micro", "Set a daily or a lifetime budget, not both")
    for field, value, label in (
        ("daily_budget_micro", daily, "Daily budget"),
        ("lifetime_budget_micro", lifetime, "Lifetime budget"),
    ):
        if value is not None and value < MIN_AD_SQUAD_BUDGET_MICRO:
            c.error(
                field,
                f"{label} must be at least 5 (5,000,000 micro) in the account's currency",
                "budget_minimum",
            )
    strategy = c.obj.get("bid_strategy")
    c.enum("bid_strategy", "Bid strategy", BID_STRATEGIES)
    bid = c.micro("bid_micro", "Bid")
    if strategy in BID_REQUIRED and bid is None and "bid_micro" not in c.fields_with_issues():
        c.error("bid_micro", f"A bid is required with {strategy}", "bid_required")
    if strategy == "AUTO_BID" and bid is not None:
        c.error("bid_micro", "Remove the bid: AUTO_BID lets Snap set it", "bid_not_allowed")
    if bid is not None and bid == 0 and strategy in BID_REQUIRED:
        c.error("bid_micro", "The bid must be more than zero", "bid_required")
    start = c.time("start_time", "Start time")
    end = c.time("end_time", "End time")
    if start is not None and end is not None and end <= start:
        c.error("end_time", "The ad squad must start before it ends", "start_after_end")
    if lifetime is not None and not c.present("end_time"):
        c.error("end_time", "A lifetime budget needs an end time", "required")
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
            if parsed.scheme != "https" or not parsed.netloc or "." not in parsed.netloc:
                c.error(
                    "web_view_properties",
                    f"The URL must be a full https:// address (got {url!r})",
                    "url",
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
_EDIT_ONLY_WARNINGS: Final = frozenset({"campaign_budget_minimum", "end_in_past"})


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
    "bid_not_allowed": ("bid_micro", "bid_strategy"),
    "start_after_end": ("start_time", "end_time"),
    "budget_required": ("daily_budget_micro", "lifetime_budget_micro"),
}


def _caused_by_edit(issue: Issue, changed: set[str]) -> bool:
    return issue.field in changed or any(f in changed for f in _RELATED_FIELDS.get(issue.code, ()))


def validate(
    kind: str,
    obj: Mapping[str, Any],
    *,
    base: Mapping[str, Any] | None = None,
    creative_lookup: Callable[[str], Mapping[str, Any] | None] | None = None,
    now: datetime | None = None,
) -> list[Issue]:
    """Check `obj` (the complete object that would be sent) against Snap's rules.

    `base`: the server copy an update starts from; issues in fields the update does not change
    become warnings, and review-resetting edits of ads and creatives are flagged.
    `creative_lookup`: finds a creative by id, to check an ad's type against its creative.
    `now` (aware): also warn about an end time that has passed (rules that depend on the clock
    apply only when it is given).
    """
    checker = _Checker(obj)
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
