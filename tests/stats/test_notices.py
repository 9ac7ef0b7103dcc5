"""State-change notices from the hourly refresh (Snap has no webhooks)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from snapdesk.sandbox import SandboxState
from snapdesk.stats import StatsService
from snapdesk.stats.notices import Notice, budget_reached, detect_notices
from tests.stats.conftest import account_of, children

NOW = datetime(2026, 11, 22, 20, 0, tzinfo=UTC)
TODAY = date(2026, 11, 22)


def _detect(**kwargs: object) -> tuple[list[Notice], dict[str, dict[str, Any]]]:
    base: dict[str, object] = {
        "ad_account_id": "acc",
        "account": {"id": "acc", "name": "Shop", "status": "ACTIVE", "currency": "USD"},
        "campaigns": [],
        "ad_squads": [],
        "ads": [],
        "previous": {},
        "baseline": False,
        "today": TODAY,
        "spend_today": {},
        "spend_lifetime": {},
        "now": NOW,
    }
    base.update(kwargs)
    return detect_notices(**base)  # type: ignore[arg-type]


def test_budget_reached_allows_pacing_one_percent_short() -> None:
    assert budget_reached(99_000_000, 100_000_000)
    assert not budget_reached(98_999_999, 100_000_000)
    assert not budget_reached(None, 100_000_000) and not budget_reached(5, None)


def test_each_notice_fires_once_per_change() -> None:
    campaign = {"id": "c1", "name": "Winter", "daily_budget_micro": 50_000_000}
    squad = {"id": "s1", "name": "US 18-24", "lifetime_budget_micro": 1_000_000_000}
    ad = {"id": "a1", "name": "Hero", "review_status": "REJECTED",
          "review_status_reasons": ["Misleading claims"]}  # fmt: skip
    previous = {"a1": {"kind": "ad", "review_status": "APPROVED"}}
    notices, state = _detect(
        campaigns=[campaign], ad_squads=[squad], ads=[ad], previous=previous,
        spend_today={"c1": 50_000_000}, spend_lifetime={"s1": 1_000_000_000},
    )  # fmt: skip
    assert sorted(n.kind for n in notices) == [
        "ad_rejected", "daily_budget_reached", "lifetime_cap_reached",
    ]  # fmt: skip
    by_kind = {n.kind: n for n in notices}
    assert by_kind["ad_rejected"].message == (
        "Ad “Hero” was rejected by Snap's review (Misleading claims) — edit the creative and "
        "resubmit it."
    )
    assert by_kind["daily_budget_reached"].message.startswith(
        "Campaign “Winter” has spent $50.00 today, its daily budget of $50.00"
    )
    assert by_kind["lifetime_cap_reached"].entity_id == "s1"
    again, _ = _detect(
        campaigns=[campaign], ad_squads=[squad], ads=[ad], previous=state,
        spend_today={"c1": 50_000_000}, spend_lifetime={"s1": 1_000_000_000},
    )  # fmt: skip
    assert again == []
    tomorrow, _ = _detect(
        campaigns=[campaign], previous=state, today=date(2026, 11, 23),
        spend_today={"c1": 49_600_000},
    )  # fmt: skip
    assert [n.kind for n in tomorrow] == ["daily_budget_reached"]


def test_first_look_is_a_silent_baseline_except_for_an_inactive_account() -> None:
    ad = {"id": "a1", "name": "Hero", "review_status": "REJECTED"}
    notices, _ = _detect(
        ads=[ad], baseline=True,
        account={"id": "acc", "name": "Shop", "status": "PAYMENT_ISSUE"},
    )  # fmt: skip
    assert [n.kind for n in notices] == ["account_not_active"]
    assert notices[0].message.startswith("Ad account “Shop” is payment issue, not active")


async def test_refresh_reports_rejections_caps_and_account_problems(
    state: SandboxState, make_service: Callable[..., StatsService]
) -> None:
    la = account_of(state, "USD", timezone="America/Los_Angeles")
    state.stats_now = NOW
    service = make_service(now=lambda: NOW)
    first = await service.refresh(la["id"])
    assert first.notices == ()
    assert first.last_day == TODAY and set(first.reports) == {"campaign", "ad_squad", "ad"}
    assert first.requests <= 12

    # things happen at Snap between two hourly refreshes
    ad = next(a for a in state.iter_objects("ad")
              if state.collections["ad"].account_of[a["id"]] == la["id"]
              and a["review_status"] == "APPROVED")  # fmt: skip
    ad["review_status"] = "REJECTED"
    ad["review_status_reasons"] = ["Unsupported claims"]
    spending = next(
        r.entity_id for r in first.reports["campaign"].series
        if any(row.day == TODAY and row.metrics.micro("spend") for row in r.rows)
    )  # fmt: skip
    campaign = state.collections["campaign"].objects[spending]
    campaign["daily_budget_micro"] = 2_000_000  # $2: already spent today
    state.collections["ad_account"].objects[la["id"]]["status"] = "SUSPENDED"

    second = await service.refresh(la["id"])
    kinds = sorted((n.kind, n.entity_id) for n in second.notices)
    assert ("ad_rejected", ad["id"]) in kinds
    assert ("daily_budget_reached", spending) in kinds
    assert ("account_not_active", la["id"]) in kinds
    assert all(n.message and n.title for n in second.notices)

    third = await service.refresh(la["id"])
    assert third.notices == ()
    assert children(state, "campaign", "ad_account", la["id"])
