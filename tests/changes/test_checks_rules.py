"""Check changes, the rule set (issue 16): one test per rule (the error or warning, and the case
that passes), rules across entities that see pending parents (`$ref:` creates and pending edits),
the 5,000-change timing, and a consistency test against the sandbox: every error rule is refused
when the same request is posted live, every passing case is accepted.

The evidence and severity of each rule are in the README's "Check changes: rules" table and in
comments beside each rule (snapdesk/core/validation.py, snapdesk/changes/checks.py)."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from snapdesk.api import SnapApi
from snapdesk.api.errors import ApiError
from snapdesk.changes.checks import ChangeChecks, check_changes
from snapdesk.changes.model import CREATE, UPDATE, Change, RequestSpec, ref
from snapdesk.changes.requests import create_request
from snapdesk.core.kinds import AD, AD_SQUAD, CAMPAIGN, CREATIVE
from snapdesk.core.settings import SpendGuards
from snapdesk.core.validation import validate
from snapdesk.sandbox import SandboxServer
from snapdesk.store import Store

NOW = datetime(2026, 3, 1, tzinfo=UTC)
NO_GUARDS = SpendGuards(max_bid_percent_of_daily_budget=None)


# -- a cache in memory ---------------------------------------------------------------------------


@dataclass
class Account:
    id: str
    currency: str | None
    data: dict[str, Any] = field(default_factory=dict)
    name: str = "Account"


@dataclass
class Row:
    kind: str
    id: str
    data: dict[str, Any]


class Cache:
    """What the checks read: accounts (currency, test flag), entities, a campaign's ad squads."""

    def __init__(self) -> None:
        self.accounts = {
            "usd": Account("usd", "USD"),
            "jpy": Account("jpy", "JPY"),
            "test": Account("test", "USD", {"test": True}),
        }
        self.entities: dict[tuple[str, str], dict[str, Any]] = {}

    def add(self, kind: str, id: str, data: dict[str, Any]) -> None:
        self.entities[(kind, id)] = data

    def ad_account(self, id: str) -> Account | None:
        return self.accounts.get(id)

    def get(self, kind: str, id: str) -> Row | None:
        data = self.entities.get((kind, id))
        return None if data is None else Row(kind, id, data)

    def ad_squads(self, campaign_id: str) -> list[Row]:
        return [
            Row(k, i, d)
            for (k, i), d in self.entities.items()
            if k == AD_SQUAD and d.get("campaign_id") == campaign_id
        ]


def campaign(**kw: Any) -> dict[str, Any]:
    return {
        "name": "Spring",
        "status": "PAUSED",
        "objective": "WEB_CONVERSION",
        "start_time": "2026-04-01T00:00:00.000Z",
        "end_time": "2026-06-30T00:00:00.000Z",
        **kw,
    }


def squad(**kw: Any) -> dict[str, Any]:
    return {
        "name": "US 18-34",
        "campaign_id": "c1",
        "status": "PAUSED",
        "type": "SNAP_ADS",
        "billing_event": "IMPRESSION",
        "optimization_goal": "SWIPES",
        "placement_v2": {"config": "AUTOMATIC"},
        "bid_strategy": "LOWEST_COST_WITH_MAX_BID",
        "bid_micro": 2_000_000,
        "daily_budget_micro": 50_000_000,
        "targeting": {"geos": [{"country_code": "us"}]},
        "start_time": "2026-04-01T00:00:00.000Z",
        "end_time": "2026-06-01T00:00:00.000Z",
        **kw,
    }


def creative(**kw: Any) -> dict[str, Any]:
    return {
        "name": "Creative",
        "type": "SNAP_AD",
        "headline": "Hello",
        "brand_name": "Brand",
        "top_snap_media_id": "m1",
        **kw,
    }


def ad(**kw: Any) -> dict[str, Any]:
    return {
        "name": "Ad",
        "ad_squad_id": "s1",
        "status": "PAUSED",
        "type": "SNAP_AD",
        "creative_id": "cr1",
        **kw,
    }


def cache() -> Cache:
    c = Cache()
    c.add(CAMPAIGN, "c1", campaign())
    c.add(AD_SQUAD, "s1", squad())
    c.add(CREATIVE, "cr1", creative())
    c.add(
        CREATIVE,
        "web",
        creative(type="WEB_VIEW", name="Web", web_view_properties={"url": "https://a.example"}),
    )
    return c


_seq = iter(range(1, 10**9))


def change(
    kind: str,
    after: dict[str, Any],
    *,
    before: dict[str, Any] | None = None,
    account: str = "usd",
    entity_id: str | None = None,
) -> Change:
    action = UPDATE if before is not None else CREATE
    return Change(
        id=uuid.uuid4().hex,
        seq=next(_seq),
        group_id="g",
        ad_account_id=account,
        kind=kind,
        entity_id=entity_id or (f"new-{uuid.uuid4()}" if action == CREATE else f"{kind}-x"),
        action=action,
        request=RequestSpec("POST", "/x"),
        idempotency_key=str(uuid.uuid4()),
        label=after.get("name"),
        before=before,
        after=after,
    )


def edit(kind: str, entity_id: str, data: dict[str, Any], **fields: Any) -> Change:
    return change(kind, {**data, **fields}, before=data, entity_id=entity_id)


def check(
    *changes: Change, store: Cache | None = None, guards: SpendGuards = NO_GUARDS
) -> ChangeChecks:
    return check_changes(changes, store=store or cache(), guards=guards, now=NOW)


def found(result: ChangeChecks) -> list[tuple[str, str, str]]:
    """(severity, code, field) of every issue, spend-guard and review warnings aside."""
    return [
        (i.severity, i.code, i.field)
        for i in result.issues
        if i.code not in ("no_spend_guard", "review_reset")
    ]


def clean(result: ChangeChecks) -> bool:
    return found(result) == []


# -- budgets ---------------------------------------------------------------------------------------


def test_an_ad_squad_needs_a_daily_or_a_lifetime_budget() -> None:
    assert found(check(change(AD_SQUAD, squad(daily_budget_micro=None)))) == [
        ("error", "budget_required", "daily_budget_micro")
    ]
    assert clean(check(change(AD_SQUAD, squad())))


def test_daily_and_lifetime_budgets_are_exclusive() -> None:
    both = squad(lifetime_budget_micro=500_000_000)
    assert found(check(change(AD_SQUAD, both))) == [
        ("error", "budget_both", "lifetime_budget_micro")
    ]
    lifetime = squad(daily_budget_micro=None, lifetime_budget_micro=500_000_000)
    assert clean(check(change(AD_SQUAD, lifetime)))


@pytest.mark.parametrize(
    ("account", "shown"),
    [("usd", "5 USD ($5.00; 5,000,000 micro)"), ("jpy", "5 JPY (¥5; 5,000,000 micro)")],
)
def test_the_ad_squad_daily_minimum_is_the_same_micro_amount_in_every_currency(
    account: str, shown: str
) -> None:
    low = check(change(AD_SQUAD, squad(daily_budget_micro=4_999_999), account=account))
    [error] = low.errors
    assert (error.code, error.field) == ("budget_minimum", "daily_budget_micro")
    assert error.message == f"Daily budget must be at least {shown}"
    at_minimum = squad(daily_budget_micro=5_000_000, bid_micro=1_000_000)
    assert clean(check(change(AD_SQUAD, at_minimum, account=account)))


def test_the_daily_minimum_is_a_warning_on_a_test_account() -> None:
    """A recorded test-account create with 1,000,000 succeeded (k0va1 AdSquad create)."""
    result = check(
        change(AD_SQUAD, squad(daily_budget_micro=1_000_000, bid_micro=100_000), account="test")
    )
    assert not result.blocked
    assert found(result) == [("warning", "budget_minimum_test", "daily_budget_micro")]


def test_a_lifetime_budget_below_the_daily_minimum_is_a_warning() -> None:
    low = squad(daily_budget_micro=None, lifetime_budget_micro=4_000_000, bid_micro=1_000_000)
    assert found(check(change(AD_SQUAD, low))) == [
        ("warning", "lifetime_budget_minimum", "lifetime_budget_micro")
    ]


def test_a_campaign_budget_below_20_is_a_warning_for_daily_and_lifetime_caps() -> None:
    result = check(
        change(
            CAMPAIGN, campaign(daily_budget_micro=19_000_000, lifetime_spend_cap_micro=1_000_000)
        )
    )
    assert not result.blocked
    assert found(result) == [
        ("warning", "campaign_budget_minimum", "daily_budget_micro"),
        ("warning", "campaign_budget_minimum", "lifetime_spend_cap_micro"),
    ]
    recorded = campaign(daily_budget_micro=20_000_000, lifetime_spend_cap_micro=20_000_000)
    assert clean(check(change(CAMPAIGN, recorded)))


def test_a_lifetime_budget_needs_an_end_time() -> None:
    no_end = squad(daily_budget_micro=None, lifetime_budget_micro=500_000_000, end_time=None)
    assert found(check(change(AD_SQUAD, no_end))) == [("warning", "lifetime_needs_end", "end_time")]
    assert clean(check(change(AD_SQUAD, {**no_end, "end_time": "2026-05-01T00:00:00Z"})))


# -- bids ------------------------------------------------------------------------------------------


def test_a_bid_above_the_whole_budget_is_a_warning_unless_the_guard_already_asks() -> None:
    over = change(AD_SQUAD, squad(bid_micro=60_000_000))
    result = check(over)
    assert found(result) == [("warning", "bid_over_budget", "bid_micro")]
    assert "$60.00 is more than the daily budget $50.00" in result.warnings[0].message
    guarded = check(over, guards=SpendGuards())  # the default guard: confirm above 100 %
    assert [v.guard for v in guarded.violations if v.guard == "bid_over_budget"]
    assert "bid_over_budget" not in [w.code for w in guarded.warnings]
    cpm = check(change(AD_SQUAD, squad(optimization_goal="IMPRESSIONS", bid_micro=60_000_000)))
    assert "CPM" in cpm.warnings[0].message
    assert clean(check(change(AD_SQUAD, squad(bid_micro=50_000_000))))


@pytest.mark.parametrize("strategy", ["LOWEST_COST_WITH_MAX_BID", "TARGET_COST"])
def test_a_bid_is_required_with_max_bid_and_target_cost(strategy: str) -> None:
    assert found(check(change(AD_SQUAD, squad(bid_strategy=strategy, bid_micro=None)))) == [
        ("error", "bid_required", "bid_micro")
    ]
    assert found(check(change(AD_SQUAD, squad(bid_strategy=strategy, bid_micro=0)))) == [
        ("error", "bid_required", "bid_micro")
    ]
    assert clean(check(change(AD_SQUAD, squad(bid_strategy=strategy))))


def test_auto_bid_takes_no_bid() -> None:
    assert found(check(change(AD_SQUAD, squad(bid_strategy="AUTO_BID")))) == [
        ("warning", "bid_ignored", "bid_micro")
    ]
    assert clean(check(change(AD_SQUAD, squad(bid_strategy="AUTO_BID", bid_micro=None))))


def test_target_cost_does_not_fit_impressions() -> None:
    target = squad(bid_strategy="TARGET_COST", optimization_goal="IMPRESSIONS")
    assert found(check(change(AD_SQUAD, target))) == [
        ("warning", "target_cost_goal", "bid_strategy")
    ]
    assert clean(check(change(AD_SQUAD, {**target, "optimization_goal": "SWIPES"})))


def test_min_roas_is_not_checked_and_says_so() -> None:
    roas = squad(bid_strategy="MIN_ROAS", optimization_goal="PIXEL_PURCHASE", pixel_id="px")
    assert found(check(change(AD_SQUAD, roas))) == [
        ("warning", "min_roas_unverified", "bid_strategy")
    ]
    assert found(check(change(AD_SQUAD, squad(bid_strategy="MAX_ROAS")))) == [
        ("error", "enum", "bid_strategy")
    ]


# -- times -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "make"), [(CAMPAIGN, campaign), (AD_SQUAD, squad)])
def test_the_end_comes_after_the_start(kind: str, make: Any) -> None:
    reversed_times = make(end_time="2026-03-15T00:00:00.000Z")
    assert ("warning", "start_after_end", "end_time") in found(check(change(kind, reversed_times)))
    assert clean(check(change(kind, make())))


def test_an_end_time_in_the_past_is_a_warning() -> None:
    ended = campaign(start_time="2026-01-01T00:00:00Z", end_time="2026-02-01T00:00:00Z")
    assert found(check(change(CAMPAIGN, ended))) == [("warning", "end_in_past", "end_time")]


# -- required fields, goals, pixels ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "make", "missing"),
    [
        (CAMPAIGN, campaign, "start_time"),
        (CAMPAIGN, campaign, "status"),
        (AD_SQUAD, squad, "optimization_goal"),
        (AD_SQUAD, squad, "billing_event"),
        (AD_SQUAD, squad, "placement_v2"),
        (AD, ad, "creative_id"),
        (AD, ad, "type"),
        (CREATIVE, creative, "headline"),
        (CREATIVE, creative, "top_snap_media_id"),
    ],
)
def test_required_fields(kind: str, make: Any, missing: str) -> None:
    result = check(change(kind, make(**{missing: None})))
    assert ("error", "required", missing) in found(result)
    assert clean(check(change(kind, make())))


def test_pixel_goals_need_a_pixel() -> None:
    purchase = squad(optimization_goal="PIXEL_PURCHASE")
    assert found(check(change(AD_SQUAD, purchase))) == [("warning", "pixel_required", "pixel_id")]
    assert clean(check(change(AD_SQUAD, {**purchase, "pixel_id": "px-1"})))


def test_the_goal_fits_the_campaign_objective() -> None:
    store = cache()
    store.add(CAMPAIGN, "app", campaign(objective="APP_INSTALL", name="App"))
    web_goal_in_app = squad(campaign_id="app", optimization_goal="LANDING_PAGE_VIEW")
    [warning] = check(change(AD_SQUAD, web_goal_in_app), store=store).warnings
    assert (warning.code, warning.field) == ("goal_objective", "optimization_goal")
    assert "its campaign 'App' has APP_INSTALL" in warning.message
    app_goal_in_web = squad(optimization_goal="APP_INSTALLS")
    assert found(check(change(AD_SQUAD, app_goal_in_web), store=store)) == [
        ("warning", "goal_objective", "optimization_goal")
    ]
    assert clean(
        check(
            change(AD_SQUAD, squad(campaign_id="app", optimization_goal="APP_INSTALLS")),
            store=store,
        )
    )
    v2 = campaign(objective=None, objective_v2_properties={"objective_v2_type": "SALES"})
    store.add(CAMPAIGN, "sales", v2)
    assert clean(
        check(
            change(AD_SQUAD, squad(campaign_id="sales", optimization_goal="LANDING_PAGE_VIEW")),
            store=store,
        )
    )


# -- targeting -------------------------------------------------------------------------------------


def targeting(**kw: Any) -> dict[str, Any]:
    return squad(targeting={"geos": [{"country_code": "us"}], **kw})


def test_an_ad_squad_needs_a_country_to_post_but_may_be_queued_without() -> None:
    draft = squad(targeting=None)
    assert found(check(change(AD_SQUAD, draft))) == [("error", "geos_required", "targeting.geos")]
    assert found(check(change(AD_SQUAD, squad(targeting={"geos": []})))) == [
        ("error", "geos_required", "targeting.geos")
    ]
    assert validate(AD_SQUAD, draft) == []  # the editor and a file import may queue a draft
    assert clean(check(change(AD_SQUAD, squad())))


def test_country_codes() -> None:
    bad = squad(targeting={"geos": [{"country_code": "usa"}]})
    assert found(check(change(AD_SQUAD, bad))) == [("error", "country_code", "targeting.geos")]
    upper = squad(targeting={"geos": [{"country_code": "GB"}]})
    assert found(check(change(AD_SQUAD, upper))) == [
        ("warning", "country_code_case", "targeting.geos")
    ]
    assert clean(check(change(AD_SQUAD, squad(targeting={"geos": [{"country_code": "gb"}]}))))


def test_age_bounds() -> None:
    assert found(check(change(AD_SQUAD, targeting(demographics=[{"min_age": "adult"}])))) == [
        ("error", "age_format", "targeting.age")
    ]
    assert found(check(change(AD_SQUAD, targeting(demographics=[{"min_age": 12}])))) == [
        ("warning", "age_range", "targeting.age")
    ]
    assert found(
        check(change(AD_SQUAD, targeting(demographics=[{"min_age": "35", "max_age": 21}])))
    ) == [("warning", "age_order", "targeting.age")]
    for ages in ({"min_age": 13, "max_age": "50+"}, {"min_age": "18", "max_age": "54"}):
        assert clean(check(change(AD_SQUAD, targeting(demographics=[ages]))))


def test_gender_values() -> None:
    assert found(check(change(AD_SQUAD, targeting(demographics=[{"gender": "WOMEN"}])))) == [
        ("error", "gender", "targeting.gender")
    ]
    assert clean(check(change(AD_SQUAD, targeting(demographics=[{"gender": "FEMALE"}]))))


def test_demographics_and_devices_only_include() -> None:
    excluded = targeting(demographics=[{"min_age": 18, "operation": "EXCLUDE"}])
    assert found(check(change(AD_SQUAD, excluded))) == [
        ("error", "include_only", "targeting.demographics")
    ]
    devices = targeting(devices=[{"os_type": "iOS", "operation": "EXCLUDE"}])
    assert found(check(change(AD_SQUAD, devices))) == [
        ("error", "include_only", "targeting.devices")
    ]
    geo_exclude = squad(
        targeting={
            "geos": [
                {"country_code": "us"},
                {"country_code": "us", "postal_code": ["94105"], "operation": "EXCLUDE"},
            ]
        }
    )
    assert clean(check(change(AD_SQUAD, geo_exclude)))


def test_several_countries_need_exactly_one_language() -> None:
    two = {"geos": [{"country_code": "us"}, {"country_code": "ca"}]}
    assert found(check(change(AD_SQUAD, squad(targeting=two)))) == [
        ("error", "multi_country_language", "targeting.languages")
    ]
    both = {**two, "demographics": [{"languages": ["en", "fr"]}]}
    assert found(check(change(AD_SQUAD, squad(targeting=both)))) == [
        ("error", "multi_country_language", "targeting.languages")
    ]
    one = {**two, "demographics": [{"languages": ["en"]}]}
    assert clean(check(change(AD_SQUAD, squad(targeting=one))))


def test_language_codes() -> None:
    assert found(check(change(AD_SQUAD, targeting(demographics=[{"languages": ["English"]}])))) == [
        ("warning", "language_code", "targeting.languages")
    ]


# -- creatives and ads -----------------------------------------------------------------------------


def test_the_ad_type_needs_its_creative_type() -> None:
    [error] = check(change(AD, ad(creative_id="web"))).errors
    assert (error.code, error.field) == ("creative_type", "creative_id")
    assert clean(check(change(AD, ad(creative_id="web", type="REMOTE_WEBPAGE"))))


def test_an_edited_creative_is_what_its_ads_are_checked_against() -> None:
    store = cache()
    retyped = edit(CREATIVE, "cr1", store.entities[(CREATIVE, "cr1")], type="APP_INSTALL")
    result = check(retyped, change(AD, ad()), store=store)
    assert ("error", "creative_type", "creative_id") in found(result)


def test_the_ad_type_matches_the_ad_squads_other_ads() -> None:
    store = cache()
    store.add(AD_SQUAD, "story", squad(child_ad_type="STORY", name="Stories"))
    [warning] = check(change(AD, ad(ad_squad_id="story")), store=store).warnings
    assert (warning.code, warning.field) == ("child_ad_type", "type")
    assert "'Stories'" in warning.message
    assert clean(check(change(AD, ad(ad_squad_id="s1")), store=store))  # no child_ad_type yet


def test_app_ads_need_the_campaigns_measurement_spec() -> None:
    store = cache()
    store.add(CREATIVE, "app", creative(type="APP_INSTALL", name="App"))
    app_ad = ad(type="APP_INSTALL", creative_id="app")
    assert found(check(change(AD, app_ad), store=store)) == [
        ("warning", "measurement_spec", "type")
    ]
    store.add(CAMPAIGN, "c1", campaign(measurement_spec={"ios_app_id": "1234"}))
    assert clean(check(change(AD, app_ad), store=store))


def test_landing_pages() -> None:
    web = creative(type="WEB_VIEW", web_view_properties={"url": "http://shop.example/a"})
    assert found(check(change(CREATIVE, web))) == [("warning", "url_http", "web_view_properties")]
    bare = {**web, "web_view_properties": {"url": "shop"}}
    assert found(check(change(CREATIVE, bare))) == [("error", "url", "web_view_properties")]


# -- across entities: pending parents --------------------------------------------------------------


def test_a_new_squad_is_checked_against_its_new_campaign() -> None:
    parent = change(CAMPAIGN, campaign(end_time="2026-05-01T00:00:00.000Z", name="New"))
    child = change(AD_SQUAD, squad(campaign_id=ref(parent.id)))
    [warning] = check(parent, child).warnings
    assert (warning.change_id, warning.code, warning.field) == (
        child.id,
        "outside_campaign",
        "end_time",
    )
    assert "its campaign 'New' (new, pending) ends 2026-05-01 00:00 UTC" in warning.message
    late = change(
        AD_SQUAD,
        squad(campaign_id=ref(parent.id), start_time="2026-05-02T00:00:00Z", end_time=None),
    )
    assert [(w.code, w.field) for w in check(parent, late).warnings] == [
        ("outside_campaign", "start_time")
    ]
    early = change(
        AD_SQUAD,
        squad(campaign_id=ref(parent.id), start_time="2026-03-15T00:00:00Z", end_time=None),
    )
    assert [(w.code, w.field) for w in check(parent, early).warnings] == [
        ("outside_campaign", "start_time")
    ]
    inside = change(AD_SQUAD, squad(campaign_id=ref(parent.id), end_time="2026-04-30T00:00:00Z"))
    assert clean(check(parent, inside))


def test_a_squad_edit_sees_the_pending_end_time_of_its_campaign() -> None:
    store = cache()
    renamed = edit(AD_SQUAD, "s1", store.entities[(AD_SQUAD, "s1")], name="Renamed")
    assert clean(check(renamed, store=store))  # nothing about dates changes
    shorter = edit(
        CAMPAIGN, "c1", store.entities[(CAMPAIGN, "c1")], end_time="2026-05-15T00:00:00Z"
    )
    result = check(shorter, renamed, store=store)
    squad_issues = [i for i in result.issues if i.change_id == renamed.id]
    assert [(i.code, i.field) for i in squad_issues] == [("outside_campaign", "end_time")]
    assert "(as edited, pending)" in squad_issues[0].message
    # the campaign edit itself names no squad twice: s1 has its own change in the set
    assert [i.code for i in result.issues if i.change_id == shorter.id] == []


def test_a_campaign_edit_is_checked_against_its_cached_squads() -> None:
    store = cache()
    shorter = edit(
        CAMPAIGN, "c1", store.entities[(CAMPAIGN, "c1")], end_time="2026-05-15T00:00:00Z"
    )
    [warning] = check(shorter, store=store).warnings
    assert (warning.code, warning.field, warning.kind) == (
        "campaign_shorter_than_squads",
        "end_time",
        CAMPAIGN,
    )
    assert "1 of this campaign's ad squads" in warning.message and "'US 18-34'" in warning.message
    longer = edit(CAMPAIGN, "c1", store.entities[(CAMPAIGN, "c1")], end_time="2026-07-15T00:00:00Z")
    assert clean(check(longer, store=store))


def test_a_parent_edit_outside_the_checked_set_is_not_what_snap_will_hold() -> None:
    store = cache()
    late = change(
        AD_SQUAD, squad(start_time="2026-04-01T00:00:00Z", end_time="2026-06-15T00:00:00Z")
    )
    assert clean(check(late, store=store))  # the cached campaign ends 2026-06-30
    shorter = edit(
        CAMPAIGN, "c1", store.entities[(CAMPAIGN, "c1")], end_time="2026-06-01T00:00:00Z"
    )
    assert [
        w.code for w in check(shorter, late, store=store).warnings if w.change_id == late.id
    ] == ["outside_campaign"]


def test_a_new_ad_under_a_new_squad_under_a_new_campaign() -> None:
    store = cache()
    store.add(CREATIVE, "app", creative(type="APP_INSTALL", name="App"))
    new_campaign = change(CAMPAIGN, campaign(objective="APP_INSTALL", name="Launch"))
    new_squad = change(
        AD_SQUAD,
        squad(
            campaign_id=ref(new_campaign.id),
            optimization_goal="APP_INSTALLS",
            child_ad_type="SNAP_AD",
        ),
    )
    new_creative = change(
        CREATIVE, creative(type="WEB_VIEW", web_view_properties={"url": "https://a.example"})
    )
    wrong = change(
        AD, ad(ad_squad_id=ref(new_squad.id), type="APP_INSTALL", creative_id=ref(new_creative.id))
    )
    result = check(new_campaign, new_squad, new_creative, wrong, store=store)
    mine = {(i.severity, i.code, i.field) for i in result.issues if i.change_id == wrong.id}
    assert mine == {
        ("error", "creative_type", "creative_id"),  # the new creative is a WEB_VIEW
        ("warning", "child_ad_type", "type"),  # the new squad's ads are SNAP_AD
        ("warning", "measurement_spec", "type"),  # the new campaign tracks no app
    }
    assert all(
        i.entity_id == wrong.entity_id and i.kind == AD
        for i in result.issues
        if i.change_id == wrong.id
    )
    fixed_campaign = change(
        CAMPAIGN, campaign(objective="APP_INSTALL", measurement_spec={"ios_app_id": "1"})
    )
    fixed_squad = change(
        AD_SQUAD, squad(campaign_id=ref(fixed_campaign.id), optimization_goal="APP_INSTALLS")
    )
    good = change(AD, ad(ad_squad_id=ref(fixed_squad.id), type="APP_INSTALL", creative_id="app"))
    assert clean(check(fixed_campaign, fixed_squad, good, store=store))


def test_every_issue_names_what_go_to_needs() -> None:
    parent = change(CAMPAIGN, campaign(name="New"))
    child = change(AD_SQUAD, squad(campaign_id=ref(parent.id), daily_budget_micro=1))
    [error] = check(parent, child).errors
    assert (error.kind, error.entity_id, error.field) == (
        AD_SQUAD,
        child.entity_id,
        "daily_budget_micro",
    )
    assert error.entity_id.startswith("new-")


# -- 5,000 pending changes -------------------------------------------------------------------------


def big_set(store: Store) -> list[Change]:
    """5,000 changes over the synced demo cache: edits of cached campaigns and ad squads, and new
    campaigns with new squads and ads under them (parents as `$ref:`)."""
    changes: list[Change] = []
    campaigns = [c for a in store.ad_accounts() for c in store.campaigns(a.id)]
    squads = [s for c in campaigns for s in store.ad_squads(c.id)]
    creatives = [c for a in store.ad_accounts() for c in store.creatives(a.id)]
    while len(changes) < 2_000:
        for row in squads:
            data = dict(row.data)
            changes.append(
                change(
                    AD_SQUAD,
                    {
                        **data,
                        "name": f"{data['name']} {len(changes)}",
                        "end_time": "2026-12-01T00:00:00Z",
                    },
                    before=data,
                    account=row.ad_account_id or "",
                    entity_id=row.id,
                )
            )
        for row in campaigns:
            data = dict(row.data)
            changes.append(
                change(
                    CAMPAIGN,
                    {**data, "end_time": "2026-11-01T00:00:00Z"},
                    before=data,
                    account=row.ad_account_id or "",
                    entity_id=row.id,
                )
            )
    changes = changes[:2_000]
    account = campaigns[0].ad_account_id or ""
    web = next(
        c for c in creatives if c.data.get("type") == "WEB_VIEW" and c.ad_account_id == account
    )
    while len(changes) < 5_000:
        new_campaign = change(CAMPAIGN, campaign(name=f"C{len(changes)}"), account=account)
        new_squad = change(AD_SQUAD, squad(campaign_id=ref(new_campaign.id)), account=account)
        ads = [
            change(
                AD,
                ad(ad_squad_id=ref(new_squad.id), creative_id=web.id, type="REMOTE_WEBPAGE"),
                account=account,
            )
            for _ in range(8)
        ]
        changes.extend([new_campaign, new_squad, *ads])
    return changes[:5_000]


def test_5000_pending_changes_check_in_under_a_second(store: Store) -> None:
    changes = big_set(store)
    assert len(changes) == 5_000
    check_changes(changes[:50], store=store, guards=SpendGuards(), now=NOW)  # warm up
    started = time.perf_counter()
    result = check_changes(changes, store=store, guards=SpendGuards(), now=NOW)
    elapsed = time.perf_counter() - started
    print(
        f"\nCheck changes: 5,000 changes in {elapsed * 1000:.0f} ms ({len(result.issues)} issues)"
    )
    assert result.checked == 5_000
    assert any(i.code == "campaign_shorter_than_squads" for i in result.issues) or any(
        i.code == "outside_campaign" for i in result.issues
    )
    assert elapsed < 3.0  # the target is 1 s; the bound is generous for slow CI machines


# -- the sandbox refuses what the checks call errors, and accepts what they allow -------------------


@dataclass(frozen=True)
class Case:
    name: str
    kind: str
    body: dict[str, Any]
    code: str | None = None  # the error code Check changes gives; None: Snap accepts it
    account: str = "real"  # "real" (USD) or "test" (the USD test account)


def real_squad(**kw: Any) -> dict[str, Any]:
    data = squad(start_time="2026-09-01T00:00:00.000Z", end_time="2026-10-01T00:00:00.000Z")
    return {k: v for k, v in {**data, **kw}.items() if v is not None}


CASES = [
    # errors: Snap is documented or recorded to refuse them
    Case("no budget", AD_SQUAD, real_squad(daily_budget_micro=None), "budget_required"),
    Case("both budgets", AD_SQUAD, real_squad(lifetime_budget_micro=900_000_000), "budget_both"),
    Case(
        "daily below 5",
        AD_SQUAD,
        real_squad(daily_budget_micro=4_000_000, bid_micro=1_000_000),
        "budget_minimum",
    ),
    Case("max bid without bid", AD_SQUAD, real_squad(bid_micro=None), "bid_required"),
    Case(
        "target cost without bid",
        AD_SQUAD,
        real_squad(bid_strategy="TARGET_COST", bid_micro=None),
        "bid_required",
    ),
    Case("unknown bid strategy", AD_SQUAD, real_squad(bid_strategy="MAX_ROAS"), "enum"),
    Case("no goal", AD_SQUAD, real_squad(optimization_goal=None), "required"),
    Case("no placement", AD_SQUAD, real_squad(placement_v2=None), "required"),
    Case("no targeting", AD_SQUAD, real_squad(targeting=None), "geos_required"),
    Case(
        "bad country",
        AD_SQUAD,
        real_squad(targeting={"geos": [{"country_code": "usa"}]}),
        "country_code",
    ),
    Case(
        "excluded ages",
        AD_SQUAD,
        real_squad(
            targeting={
                "geos": [{"country_code": "us"}],
                "demographics": [{"min_age": 18, "operation": "EXCLUDE"}],
            }
        ),
        "include_only",
    ),
    Case(
        "two countries",
        AD_SQUAD,
        real_squad(targeting={"geos": [{"country_code": "us"}, {"country_code": "ca"}]}),
        "multi_country_language",
    ),
    Case(
        "bad gender",
        AD_SQUAD,
        real_squad(
            targeting={"geos": [{"country_code": "us"}], "demographics": [{"gender": "WOMEN"}]}
        ),
        "gender",
    ),
    Case(
        "bad age",
        AD_SQUAD,
        real_squad(
            targeting={"geos": [{"country_code": "us"}], "demographics": [{"min_age": "adult"}]}
        ),
        "age_format",
    ),
    Case("campaign without start", CAMPAIGN, campaign(start_time=None), "required"),
    Case("long name", CAMPAIGN, campaign(name="x" * 376), "too_long"),
    Case("unknown objective", CAMPAIGN, campaign(objective="FAME"), "enum"),
    Case("ad type vs creative", AD, ad(type="SNAP_AD"), "creative_type"),
    Case(
        "bare url", CREATIVE, creative(type="WEB_VIEW", web_view_properties={"url": "shop"}), "url"
    ),
    # allowed: Snap accepts them (warnings at most)
    Case("valid squad", AD_SQUAD, real_squad()),
    Case("daily at 5", AD_SQUAD, real_squad(daily_budget_micro=5_000_000, bid_micro=1_000_000)),
    Case(
        "lifetime with end",
        AD_SQUAD,
        real_squad(daily_budget_micro=None, lifetime_budget_micro=900_000_000),
    ),
    Case(
        "lifetime below 5",
        AD_SQUAD,
        real_squad(daily_budget_micro=None, lifetime_budget_micro=4_000_000, bid_micro=1_000_000),
    ),
    Case(
        "test account 1",
        AD_SQUAD,
        real_squad(daily_budget_micro=1_000_000, bid_micro=100_000),
        account="test",
    ),
    Case("auto bid with a bid", AD_SQUAD, real_squad(bid_strategy="AUTO_BID")),
    Case("auto bid", AD_SQUAD, real_squad(bid_strategy="AUTO_BID", bid_micro=None)),
    Case(
        "target cost impressions",
        AD_SQUAD,
        real_squad(bid_strategy="TARGET_COST", optimization_goal="IMPRESSIONS"),
    ),
    Case("bid over budget", AD_SQUAD, real_squad(bid_micro=80_000_000)),
    Case("pixel goal, no pixel", AD_SQUAD, real_squad(optimization_goal="PIXEL_PURCHASE")),
    Case("upper-case country", AD_SQUAD, real_squad(targeting={"geos": [{"country_code": "US"}]})),
    Case(
        "ages 12 to 60",
        AD_SQUAD,
        real_squad(
            targeting={
                "geos": [{"country_code": "us"}],
                "demographics": [{"min_age": 12, "max_age": "60"}],
            }
        ),
    ),
    Case(
        "two countries, one language",
        AD_SQUAD,
        real_squad(
            targeting={
                "geos": [{"country_code": "us"}, {"country_code": "ca"}],
                "demographics": [{"languages": ["en"]}],
            }
        ),
    ),
    Case(
        "geo exclude",
        AD_SQUAD,
        real_squad(
            targeting={
                "geos": [
                    {"country_code": "us"},
                    {"country_code": "us", "postal_code": ["94105"], "operation": "EXCLUDE"},
                ]
            }
        ),
    ),
    Case(
        "squad after its campaign",
        AD_SQUAD,
        real_squad(start_time="2031-01-01T00:00:00Z", end_time=None),
    ),
    Case("campaign under 20", CAMPAIGN, campaign(daily_budget_micro=1_000_000)),
    Case(
        "valid campaign",
        CAMPAIGN,
        campaign(start_time="2026-09-01T00:00:00Z", end_time="2026-10-01T00:00:00Z"),
    ),
    Case("remote webpage ad", AD, ad(type="REMOTE_WEBPAGE")),
    Case(
        "http url",
        CREATIVE,
        creative(type="WEB_VIEW", web_view_properties={"url": "http://shop.example/a"}),
    ),
]
# Warnings whose weak source says Snap refuses them: the sandbox follows that source (a live post
# fails for that change with Snap's reason); Check changes does not block them.
REFUSED_WARNINGS = [
    Case(
        "end before start", CAMPAIGN, campaign(end_time="2026-03-15T00:00:00Z"), "start_after_end"
    ),
    Case(
        "lifetime without end",
        AD_SQUAD,
        real_squad(daily_budget_micro=None, lifetime_budget_micro=900_000_000, end_time=None),
        "lifetime_needs_end",
    ),
]


def _place(case: Case, store: Store, server: SandboxServer) -> tuple[str, dict[str, Any]]:
    """The case's body with real ids of the synced sandbox (its account, campaign, ad squad,
    creatives, media)."""
    state = server.state
    accounts = list(state.iter_objects("ad_account"))
    account = next(
        a
        for a in accounts
        if a["currency"] == "USD" and bool(a.get("test")) == (case.account == "test")
    )
    account_id = account["id"]
    camp = next(c for c in state.iter_objects("campaign") if c["ad_account_id"] == account_id)
    squad_row = next(s for s in state.iter_objects("ad_squad") if s["campaign_id"] == camp["id"])
    media = next(
        m
        for m in state.iter_objects("media")
        if m["ad_account_id"] == account_id and m["media_status"] == "READY"
    )
    web = next(
        c
        for c in state.iter_objects("creative")
        if c["ad_account_id"] == account_id and c["type"] == "WEB_VIEW"
    )
    body = dict(case.body)
    if case.kind == AD_SQUAD:
        body["campaign_id"] = camp["id"]
    elif case.kind == AD:
        body.update(ad_squad_id=squad_row["id"], creative_id=web["id"])
    elif case.kind == CREATIVE:
        body.update(top_snap_media_id=media["id"], ad_account_id=account_id)
    elif case.kind == CAMPAIGN:
        body["ad_account_id"] = account_id
    return account_id, {k: v for k, v in body.items() if v is not None}


async def _post(api: SnapApi, kind: str, body: dict[str, Any], account_id: str) -> ApiError | None:
    request = create_request(kind, body, ad_account_id=account_id)
    try:
        await api.send(
            request.method, request.path, json=request.body, idempotency_key=str(uuid.uuid4())
        )
    except ApiError as exc:
        return exc
    return None


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
async def test_the_sandbox_refuses_exactly_the_errors(
    case: Case, api: SnapApi, store: Store, server: SandboxServer
) -> None:
    account_id, body = _place(case, store, server)
    checked = check_changes(
        [change(case.kind, body, account=account_id)], store=store, guards=SpendGuards(), now=NOW
    )
    errors = {i.code for i in checked.errors}
    refused = await _post(api, case.kind, body, account_id)
    if case.code is None:
        assert errors == set(), checked.errors
        assert refused is None, f"the sandbox refused an allowed case: {refused!r}"
    else:
        assert case.code in errors, checked.issues
        assert refused is not None, "the sandbox accepted what Check changes calls an error"


@pytest.mark.parametrize("case", REFUSED_WARNINGS, ids=[c.name for c in REFUSED_WARNINGS])
async def test_warnings_the_sandbox_refuses_are_pinned(
    case: Case, api: SnapApi, store: Store, server: SandboxServer
) -> None:
    account_id, body = _place(case, store, server)
    checked = check_changes(
        [change(case.kind, body, account=account_id)], store=store, guards=SpendGuards(), now=NOW
    )
    assert not checked.blocked and case.code in {w.code for w in checked.warnings}
    assert await _post(api, case.kind, body, account_id) is not None


def test_guards_and_rules_are_independent() -> None:
    """Spend guards (confirmations) and rules (errors, warnings) stay separate lists."""
    result = check(
        change(AD_SQUAD, squad(bid_micro=90_000_000)),
        guards=SpendGuards(max_bid_percent_of_daily_budget=Decimal(100)),
    )
    assert {v.guard for v in result.violations} >= {"bid_over_budget"}
    assert "bid_over_budget" not in {i.code for i in result.issues}
