"""State-change notices: Snap has no webhooks, so every refresh compares what it sees with what it
saw last time (`stats_watch`, or the synced entity cache on the first refresh) and reports:

- `ad_rejected`: an ad's review status became REJECTED;
- `daily_budget_reached`: a campaign's or ad squad's spend today (account time zone) reached its
  daily budget (once per entity and day);
- `lifetime_cap_reached`: a campaign's lifetime spend cap or an ad squad's lifetime budget was
  reached (once, until the cap is raised);
- `account_not_active`: the ad account's status is no longer ACTIVE.

"Reached" means spend ≥ budget − 1 %: Snap's pacing stops delivery just short of the budget.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Final, Literal

from snapdesk.core.kinds import AD, AD_ACCOUNT, AD_SQUAD, CAMPAIGN, LABEL
from snapdesk.core.money import format_money

__all__ = ["NOTICE_KINDS", "Notice", "NoticeKind", "budget_reached", "detect_notices"]

NoticeKind = Literal[
    "ad_rejected", "daily_budget_reached", "lifetime_cap_reached", "account_not_active"
]
NOTICE_KINDS: Final = (
    "ad_rejected",
    "daily_budget_reached",
    "lifetime_cap_reached",
    "account_not_active",
)
BUDGET_TOLERANCE: Final = 100  # 1 / 100 of the budget


@dataclass(frozen=True)
class Notice:
    """Something the user should hear about now; `message` is one sentence for a notification."""

    kind: NoticeKind
    ad_account_id: str
    entity_kind: str
    entity_id: str
    name: str | None
    message: str
    at: datetime
    details: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def title(self) -> str:
        return {
            "ad_rejected": "Ad rejected",
            "daily_budget_reached": "Daily budget reached",
            "lifetime_cap_reached": "Lifetime budget reached",
            "account_not_active": "Ad account needs attention",
        }[self.kind]


def budget_reached(spend_micro: int | None, budget_micro: object) -> bool:
    if spend_micro is None or not isinstance(budget_micro, int) or budget_micro <= 0:
        return False
    return spend_micro >= budget_micro - budget_micro // BUDGET_TOLERANCE


def _label(kind: str, obj: Mapping[str, Any]) -> str:
    name = obj.get("name")
    return (
        f"{LABEL.get(kind, kind)} “{name}”" if name else f"{LABEL.get(kind, kind)} {obj.get('id')}"
    )


def detect_notices(
    *,
    ad_account_id: str,
    account: Mapping[str, Any],
    campaigns: Sequence[Mapping[str, Any]],
    ad_squads: Sequence[Mapping[str, Any]],
    ads: Sequence[Mapping[str, Any]],
    previous: Mapping[str, Mapping[str, Any]],
    baseline: bool,
    today: date,
    spend_today: Mapping[str, int],
    spend_lifetime: Mapping[str, int],
    now: datetime,
) -> tuple[list[Notice], dict[str, dict[str, Any]]]:
    """Notices for what changed since `previous`, and the new state to remember.

    `baseline` is True when nothing was known before (the very first look at the account):
    then existing rejections are remembered silently; an inactive account is still reported.
    `spend_today` and `spend_lifetime` map campaign / ad squad ids to micro-currency spend.
    """
    notices: list[Notice] = []
    state: dict[str, dict[str, Any]] = {}
    currency = str(account.get("currency") or "USD")

    def notice(
        kind: NoticeKind, entity_kind: str, obj: Mapping[str, Any], message: str, **details: Any
    ) -> None:
        notices.append(
            Notice(
                kind=kind,
                ad_account_id=ad_account_id,
                entity_kind=entity_kind,
                entity_id=str(obj.get("id")),
                name=obj.get("name") if isinstance(obj.get("name"), str) else None,
                message=message,
                at=now,
                details=details,
            )
        )

    # the account
    status = str(account.get("status") or "")
    before = previous.get(ad_account_id, {})
    if status and status != "ACTIVE" and before.get("status") != status:
        notice(
            "account_not_active",
            AD_ACCOUNT,
            {**account, "id": ad_account_id},
            f"{_label(AD_ACCOUNT, account)} is {status.replace('_', ' ').lower()}, not active — "
            "its ads are not delivering; check billing and the account in Snap's Ads Manager.",
            status=status,
            previous_status=before.get("status"),
        )
    state[ad_account_id] = {"kind": AD_ACCOUNT, "status": status}

    # ads: review status
    for ad in ads:
        if ad.get("deleted"):
            continue
        ad_id = str(ad.get("id"))
        review = str(ad.get("review_status") or "")
        prior = previous.get(ad_id)
        was = prior.get("review_status") if prior else None
        if review == "REJECTED" and was != "REJECTED" and not (baseline and prior is None):
            reasons = [str(r) for r in ad.get("review_status_reasons") or []]
            why = f" ({'; '.join(reasons)})" if reasons else ""
            notice(
                "ad_rejected",
                AD,
                ad,
                f"{_label(AD, ad)} was rejected by Snap's review{why} — edit the creative and "
                "resubmit it.",
                previous_review_status=was,
                reasons=reasons,
            )
        state[ad_id] = {"kind": AD, "review_status": review}

    # campaigns and ad squads: daily budget, lifetime cap
    day = today.isoformat()
    for kind, objs, cap_key in (
        (CAMPAIGN, campaigns, "lifetime_spend_cap_micro"),
        (AD_SQUAD, ad_squads, "lifetime_budget_micro"),
    ):
        for obj in objs:
            if obj.get("deleted"):
                continue
            oid = str(obj.get("id"))
            prior = previous.get(oid) or {}
            entry: dict[str, Any] = {"kind": kind}
            daily = obj.get("daily_budget_micro")
            spent = spend_today.get(oid)
            reached_day = prior.get("daily_reached")
            if budget_reached(spent, daily):
                if reached_day != day:
                    assert isinstance(daily, int) and spent is not None
                    notice(
                        "daily_budget_reached",
                        kind,
                        obj,
                        f"{_label(kind, obj)} has spent {format_money(spent, currency)} today, "
                        f"its daily budget of {format_money(daily, currency)} — delivery stops "
                        "until tomorrow unless you raise the budget.",
                        spend_micro=spent,
                        budget_micro=daily,
                        day=day,
                    )
                reached_day = day
            entry["daily_reached"] = reached_day
            cap = obj.get(cap_key)
            lifetime = spend_lifetime.get(oid)
            cap_reached = budget_reached(lifetime, cap)
            if cap_reached and not (prior.get("cap_reached") and prior.get("cap") == cap):
                assert isinstance(cap, int) and lifetime is not None
                what = "lifetime spend cap" if kind == CAMPAIGN else "lifetime budget"
                notice(
                    "lifetime_cap_reached",
                    kind,
                    obj,
                    f"{_label(kind, obj)} has spent {format_money(lifetime, currency)}, its "
                    f"{what} of {format_money(cap, currency)} — it no longer delivers; raise "
                    "the cap to continue.",
                    spend_micro=lifetime,
                    cap_micro=cap,
                )
            entry["cap_reached"] = cap_reached
            entry["cap"] = cap if isinstance(cap, int) else None
            state[oid] = entry
    return notices, state
