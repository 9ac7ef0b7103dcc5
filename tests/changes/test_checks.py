"""Check changes (issue 13): every rule snapdesk knows Snap enforces, plus the spend guards, run
over pending changes without a network or a display. Each issue names the change, the entity
and the field."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from snapdesk.changes.checks import check_changes, guard_violations
from snapdesk.changes.model import CREATE, DELETE, UPDATE, Change, RequestSpec, ref
from snapdesk.core.kinds import AD, AD_SQUAD, CAMPAIGN, CREATIVE
from snapdesk.core.settings import SpendGuards

NOW = datetime(2026, 3, 1, tzinfo=UTC)


@dataclass
class Account:
    id: str
    currency: str | None
    name: str = "Account"


class Lookup:
    """What the checks read from the cache: accounts (for the currency) and entities."""

    def __init__(self, **currencies: str | None) -> None:
        self.accounts = {k: Account(k, v) for k, v in currencies.items()}
        self.entities: dict[tuple[str, str], dict[str, Any]] = {}

    def ad_account(self, id: str) -> Account | None:
        return self.accounts.get(id)

    def get(self, kind: str, id: str) -> Any:
        data = self.entities.get((kind, id))
        return None if data is None else type("Row", (), {"data": data})()


STORE = Lookup(usd="USD", jpy="JPY", krw="KRW", unknown=None)


def campaign(**kw: Any) -> dict[str, Any]:
    return {
        "name": "Spring",
        "status": "ACTIVE",
        "start_time": "2026-04-01T00:00:00.000Z",
        "daily_budget_micro": 100_000_000,
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
        **kw,
    }


_seq = iter(range(1, 10_000))


def change(
    kind: str,
    after: dict[str, Any] | None,
    *,
    before: dict[str, Any] | None = None,
    account: str = "usd",
    action: str | None = None,
    entity_id: str | None = None,
    change_id: str | None = None,
) -> Change:
    action = action or (UPDATE if before is not None else CREATE)
    return Change(
        id=change_id or uuid.uuid4().hex,
        seq=next(_seq),
        group_id="g",
        ad_account_id=account,
        kind=kind,
        entity_id=entity_id or f"{kind}-{uuid.uuid4().hex[:6]}",
        action=action,
        request=RequestSpec("POST", "/x"),
        idempotency_key=str(uuid.uuid4()),
        label=(after or before or {}).get("name"),
        before=before,
        after=after,
    )


def check(*changes: Change, guards: SpendGuards | None = None) -> Any:
    return check_changes(changes, store=STORE, guards=guards or SpendGuards(), now=NOW)


# -- the three reproduced cases -------------------------------------------------------------------


def test_a_100000_dollar_bid_on_a_50_dollar_squad_needs_confirmation() -> None:
    """Regression (issue 13): it posted live with no second confirmation."""
    old = squad()
    edited = change(AD_SQUAD, {**old, "bid_micro": 100_000 * 1_000_000}, before=old)
    result = check(edited)
    assert not result.blocked  # Snap is not known to refuse it: a confirmation, not an error
    guards = {v.guard: v for v in result.violations}
    assert set(guards) == {"max_bid", "bid_over_budget"}
    over = guards["bid_over_budget"]
    assert (over.change_id, over.field, over.entity_id) == (
        edited.id,
        "bid_micro",
        edited.entity_id,
    )
    assert "$100,000.00" in over.message and "$50.00" in over.message
    assert "$100,000.00 is above the maximum bid $50.00" in guards["max_bid"].message


def test_a_one_dollar_campaign_budget_is_a_warning() -> None:
    """Regression (issue 13): accepted silently. Snap's campaign minimum is unverified, so
    Check changes warns (naming the field) and does not block."""
    result = check(change(CAMPAIGN, campaign(daily_budget_micro=1_000_000)))
    assert not result.blocked and result.errors == ()
    [warning] = result.warnings
    assert (warning.field, warning.code, warning.severity) == (
        "daily_budget_micro",
        "campaign_budget_minimum",
        "warning",
    )
    assert warning.entity == "Campaign 'Spring'"


def test_the_default_guards_apply_without_any_settings() -> None:
    """Regression (issue 13): the per-currency table started empty, so nothing was checked."""
    old = squad(daily_budget_micro=500_000_000)
    result = check(change(AD_SQUAD, {**old, "bid_micro": 60_000_000}, before=old))
    assert [v.guard for v in result.violations] == ["max_bid"]  # default USD max bid: 50


# -- errors: what Snap would refuse -----------------------------------------------------------


def test_an_ad_squad_budget_below_snaps_minimum_is_an_error_naming_the_field() -> None:
    bad = change(AD_SQUAD, squad(daily_budget_micro=1_000_000))
    result = check(bad)
    assert result.blocked
    [error] = result.errors
    assert (error.change_id, error.kind, error.entity_id, error.field, error.code) == (
        bad.id,
        AD_SQUAD,
        bad.entity_id,
        "daily_budget_micro",
        "budget_minimum",
    )
    assert error.name == "US 18-34" and error.action == CREATE
    assert "at least 5" in error.message
    assert error.remedy  # says what to do


def test_lifetime_and_daily_budget_together_is_an_error() -> None:
    both = squad(lifetime_budget_micro=500_000_000, end_time="2026-05-01T00:00:00Z")
    result = check(change(AD_SQUAD, both))
    assert [(e.field, e.message) for e in result.errors] == [
        ("lifetime_budget_micro", "Set a daily or a lifetime budget, not both")
    ]


def test_a_lifetime_budget_needs_an_end_time() -> None:
    # Only third-party help says Snap requires it: a warning (see core/validation.py, issue 16).
    result = check(change(AD_SQUAD, squad(daily_budget_micro=None, lifetime_budget_micro=9**9)))
    assert not result.blocked
    assert [(w.field, w.code) for w in result.warnings] == [("end_time", "lifetime_needs_end")]


def test_the_bid_strategy_decides_whether_a_bid_is_required() -> None:
    old = squad(bid_strategy="AUTO_BID", bid_micro=None)
    switched = change(AD_SQUAD, {**old, "bid_strategy": "TARGET_COST"}, before=old)
    [error] = check(switched).errors
    assert (error.field, error.code) == ("bid_micro", "bid_required")
    auto = change(AD_SQUAD, squad(bid_strategy="AUTO_BID"))
    # Snap sets the bid itself; a bid sent along is dropped (issue 16: a warning, not an error).
    assert [w.code for w in check(auto).warnings] == ["bid_ignored"] and not check(auto).blocked


def test_start_and_end_times() -> None:
    reversed_times = change(CAMPAIGN, campaign(end_time="2026-03-15T00:00:00.000Z"))
    # No Snap source says it is refused (issue 16): a warning, on the end time.
    assert [(w.field, w.code, w.severity) for w in check(reversed_times).warnings] == [
        ("end_time", "start_after_end", "warning")
    ]
    ended = change(
        CAMPAIGN,
        campaign(start_time="2026-01-01T00:00:00Z", end_time="2026-02-01T00:00:00Z"),
    )
    result = check(ended)
    assert not result.blocked
    assert [(w.field, w.code) for w in result.warnings] == [("end_time", "end_in_past")]


def test_required_fields() -> None:
    result = check(change(CAMPAIGN, {"name": "No start", "status": "ACTIVE"}))
    assert [(e.field, e.code) for e in result.errors] == [("start_time", "required")]


def test_problems_the_edit_did_not_make_are_warnings() -> None:
    old = squad(daily_budget_micro=1_000_000)  # already below the minimum on Snap
    renamed = change(AD_SQUAD, {**old, "name": "Renamed"}, before=old)
    result = check(renamed)
    assert not result.blocked
    assert [w.code for w in result.warnings] == ["budget_minimum"]


def test_an_ad_is_checked_against_the_creative_it_will_use_even_when_new() -> None:
    creative = change(
        CREATIVE,
        {
            "name": "Web",
            "type": "WEB_VIEW",
            "headline": "Hi",
            "brand_name": "B",
            "top_snap_media_id": "m1",
            "web_view_properties": {"url": "https://example.com"},
        },
    )
    ad = change(
        AD,
        {
            "name": "Ad",
            "ad_squad_id": "s1",
            "status": "ACTIVE",
            "type": "SNAP_AD",
            "creative_id": ref(creative.id),
        },
    )
    [error] = check(creative, ad).errors
    assert (error.change_id, error.field, error.code) == (ad.id, "creative_id", "creative_type")


def test_deletes_are_not_validated() -> None:
    gone = change(AD_SQUAD, None, before=squad(daily_budget_micro=1), action=DELETE)
    assert check(gone).issues == () and check(gone).violations == ()


# -- spend guards: confirmations ------------------------------------------------------------


def test_budget_increase_guards_percent_and_absolute() -> None:
    old = squad(daily_budget_micro=500_000_000)
    raised = change(AD_SQUAD, {**old, "daily_budget_micro": 900_000_000}, before=old)
    guards = {v.guard: v for v in check(raised).violations}
    assert set(guards) == {"budget_increase_percent"}  # +$400: under the $1,000 default
    assert "+80.0%, above the 50% limit per post" in guards["budget_increase_percent"].message
    big = change(CAMPAIGN, campaign(daily_budget_micro=1_500_000_000))
    [violation] = check(big).violations
    assert (violation.guard, violation.old_micro) == ("budget_increase", None)
    assert "rises by $1,500.00, above the $1,000.00 limit" in violation.message
    off = SpendGuards(max_budget_increase_percent=None)
    assert check(raised, guards=off).violations == ()


def test_bid_over_budget_uses_the_setting_and_the_lifetime_budget() -> None:
    old = squad()
    edited = change(AD_SQUAD, {**old, "bid_micro": 30_000_000}, before=old)
    assert check(edited).violations == ()  # $30 on $50/day: under 100 %
    half = SpendGuards(max_bid_percent_of_daily_budget=Decimal(50))
    [violation] = check(edited, guards=half).violations
    assert violation.guard == "bid_over_budget" and "50% of the daily budget" in violation.message
    assert check(edited, guards=SpendGuards(max_bid_percent_of_daily_budget=None)).violations == ()
    lifetime = squad(
        daily_budget_micro=None,
        lifetime_budget_micro=40_000_000,
        end_time="2026-05-01T00:00:00Z",
        bid_micro=45_000_000,
    )
    [over] = check(change(AD_SQUAD, lifetime)).violations
    assert over.guard == "bid_over_budget" and "lifetime budget" in over.message


def test_unchanged_amounts_are_not_guarded_again() -> None:
    old = squad(bid_micro=80_000_000)  # already above the default max bid on Snap
    renamed = change(AD_SQUAD, {**old, "name": "Renamed"}, before=old)
    assert check(renamed).violations == ()


def test_yen_limits_are_in_yen() -> None:
    old = squad(daily_budget_micro=30_000 * 1_000_000, bid_micro=1_000 * 1_000_000)
    fine = change(AD_SQUAD, {**old, "bid_micro": 5_000 * 1_000_000}, before=old, account="jpy")
    assert check(fine).violations == ()
    high = change(AD_SQUAD, {**old, "bid_micro": 9_000 * 1_000_000}, before=old, account="jpy")
    [violation] = check(high).violations
    assert violation.guard == "max_bid" and violation.currency == "JPY"
    assert "¥7,500" in violation.message


def test_a_currency_without_guards_is_flagged_unless_the_user_chose_no_limit() -> None:
    old = squad(daily_budget_micro=70_000 * 1_000_000)
    edited = change(AD_SQUAD, {**old, "bid_micro": 9_000 * 1_000_000}, before=old, account="krw")
    result = check(edited)
    assert [(w.field, w.code) for w in result.warnings] == [("bid_micro", "no_spend_guard")]
    assert "KRW" in result.warnings[0].message and "Preferences → Safety" in (
        result.warnings[0].remedy
    )
    chosen = SpendGuards(max_bid={"KRW": None}, max_budget_increase={"KRW": None})
    assert check(edited, guards=chosen).warnings == ()
    unknown = change(AD_SQUAD, {**old, "bid_micro": 1}, before=old, account="unknown")
    assert [w.code for w in check(unknown).warnings] == ["no_spend_guard"]


def test_guard_violations_alone_match_the_full_check() -> None:
    old = squad()
    edited = change(AD_SQUAD, {**old, "bid_micro": 100_000_000_000}, before=old)
    assert guard_violations([edited], store=STORE, guards=SpendGuards()) == list(
        check(edited).violations
    )


@pytest.mark.parametrize("severity", ["error", "warning"])
def test_issues_serialise_with_change_entity_and_field(severity: str) -> None:
    bad = change(AD_SQUAD, squad(daily_budget_micro=1_000_000))
    old = squad(daily_budget_micro=1_000_000)
    warned = change(AD_SQUAD, {**old, "name": "Renamed"}, before=old)
    issue = (check(bad).errors if severity == "error" else check(warned).warnings)[0]
    data = issue.to_json()
    assert data["severity"] == severity and data["field"] == "daily_budget_micro"
    assert data["change_id"] and data["entity_id"] and data["kind"] == AD_SQUAD
