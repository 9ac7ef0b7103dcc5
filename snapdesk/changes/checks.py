"""Check changes: everything snapdesk knows Snap would refuse, and the spend guards, over a set
of pending changes — before a dry run, before a live post, and on demand (F7).

    checked = check_changes(changes, store=store, guards=settings.spend_guards)
    if checked.blocked:          # an error: post nothing, rehearse nothing
        return checked.blocked_report(live=live)

Three kinds of finding, each naming the change, the entity and the field:
- errors (`CheckIssue`, severity "error"): a rule Snap enforces (budget minimums of ad squads,
  daily or lifetime budget, a bid for the bid strategy, start before end, required fields…).
  Any error blocks the whole post, dry-run and live alike, so a rehearsal never pretends that
  Snap would accept it. The rules themselves live in `snapdesk.core.validation` (one owner per
  rule); this module runs them over stored changes, as they will be sent.
- confirmations (`GuardViolation`): the user's spend guards (`core.settings.SpendGuards`): a
  daily budget raised by more than a percentage or an amount per post, a bid above the
  currency's maximum, a bid above a share of the ad squad's budget. A live post stops until the
  user confirms them; a dry run lists them.
- warnings (`CheckIssue`, severity "warning"): rules that are not verified (Snap's reported
  campaign minimum), problems the edit did not make (already so on Snap), end times that have
  passed, edits that send an ad back to review, and amounts in a currency no guard covers.

Qt-free: the gateway, the CLI and the Pending Changes panel all call `check_changes`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Final, Protocol

from snapdesk.changes import repository as repo
from snapdesk.changes.model import (
    CREATE,
    UPDATE_ACTIONS,
    Change,
    CheckIssue,
    GuardViolation,
    PostReport,
    refs_in,
)
from snapdesk.core.kinds import AD, AD_SQUAD, CAMPAIGN, CREATIVE, LABEL, MEDIA, SEGMENT
from snapdesk.core.money import format_money
from snapdesk.core.settings import SpendGuards
from snapdesk.core.validation import Issue, validate

_VALIDATED_KINDS: Final = (CAMPAIGN, AD_SQUAD, AD, CREATIVE, MEDIA, SEGMENT)
_GUARDED_KINDS: Final = (CAMPAIGN, AD_SQUAD)
_BUDGET_FIELDS: Final = ("daily_budget_micro", "lifetime_budget_micro")

# What to do about a warning, by code (errors all get the same advice: fix the field).
_WARNING_REMEDIES: Final[dict[str, str]] = {
    "campaign_budget_minimum": "Nothing is blocked; if Snap refuses the post, raise it to 20 or "
    "more in the editor",
    "end_in_past": "Set a later end time (or none) in the editor",
    "review_reset": "Nothing is blocked; expect delivery to pause until Snap approves it again",
    "no_spend_guard": "Add the currency with its limits in Preferences → Safety",
}


class EntityLookup(Protocol):
    """What the checks read from the cache (a `snapdesk.store.Store` does)."""

    def ad_account(self, id: str) -> Any: ...

    def get(self, kind: str, id: str) -> Any: ...


@dataclass(frozen=True)
class ChangeChecks:
    """The result of `check_changes`."""

    issues: tuple[CheckIssue, ...] = ()
    violations: tuple[GuardViolation, ...] = ()
    checked: int = 0

    @property
    def errors(self) -> tuple[CheckIssue, ...]:
        return tuple(i for i in self.issues if i.is_error)

    @property
    def warnings(self) -> tuple[CheckIssue, ...]:
        return tuple(i for i in self.issues if not i.is_error)

    @property
    def blocked(self) -> bool:
        """An error: nothing may be sent or rehearsed."""
        return any(i.is_error for i in self.issues)

    def blocked_report(self, *, live: bool) -> PostReport:
        """The answer of a post these errors stopped: no results, every issue."""
        return PostReport(live=live, check_issues=self.issues, blocked=True)

    def report(self) -> PostReport:
        """Check changes on demand, as a report for the results dialog (nothing was posted)."""
        return PostReport(
            live=False,
            check_issues=self.issues,
            guard_violations=self.violations,
            blocked=self.blocked,
        )


def check_changes(
    changes: Sequence[Change],
    *,
    store: EntityLookup,
    guards: SpendGuards,
    now: datetime | None = None,
) -> ChangeChecks:
    """Check `changes` (the set about to be posted, in any order) against Snap's rules and the
    spend guards. `now` (aware, default: the current time) dates the end-time warnings."""
    moment = now or datetime.now(UTC)
    currency = _currency_lookup(store)
    creatives = _creative_lookup(store, changes)
    issues: list[CheckIssue] = []
    for change in changes:
        for found in _validation(change, creatives, moment):
            issues.append(_issue(change, found))
        issues.extend(_unguarded(change, currency(change.ad_account_id), guards))
    return ChangeChecks(
        issues=tuple(issues),
        violations=tuple(_violations(changes, currency, guards)),
        checked=len(changes),
    )


def guard_violations(
    changes: Sequence[Change], *, store: EntityLookup, guards: SpendGuards
) -> list[GuardViolation]:
    """Only the spend guards (what a live post needs confirmed)."""
    return _violations(changes, _currency_lookup(store), guards)


def audit_blocked(
    conn: sqlite3.Connection,
    changes: Sequence[Change],
    checked: ChangeChecks,
    *,
    profile: str | None,
    mode: str,
) -> None:
    """One audit entry (result "blocked") per change with a Check-changes error."""
    first: dict[str, CheckIssue] = {}
    for issue in checked.errors:
        first.setdefault(issue.change_id, issue)
    for change in changes:
        found = first.get(change.id)
        if found is None:
            continue
        repo.audit_unsent(
            conn,
            profile=profile,
            mode=mode,
            change=change,
            response=f"check changes: {found.field}: {found.message}",
            result="blocked",
        )


# -- validation ------------------------------------------------------------------------------


def _validation(
    change: Change,
    creatives: Callable[[str], Mapping[str, Any] | None],
    now: datetime,
) -> list[Issue]:
    if change.kind not in _VALIDATED_KINDS or change.after is None:
        return []
    if change.action == CREATE:
        return validate(change.kind, change.after, creative_lookup=creatives, now=now)
    if change.action in UPDATE_ACTIONS:
        return validate(
            change.kind,
            change.after,
            base=change.before or {},
            creative_lookup=creatives,
            now=now,
        )
    return []  # deletes and uploads carry no object to check


def _issue(change: Change, found: Issue) -> CheckIssue:
    noun = LABEL.get(change.kind, change.kind).lower()
    if found.is_error:
        remedy = (
            f"Fix the {_label(found.field)} of this {noun} in the editor (or revert the "
            "change), then post again"
        )
    else:
        remedy = _WARNING_REMEDIES.get(found.code, "Nothing is blocked")
    return CheckIssue(
        change_id=change.id,
        ad_account_id=change.ad_account_id,
        kind=change.kind,
        entity_id=change.entity_id,
        name=_name(change),
        action=change.action,
        field=found.field,
        message=found.message,
        severity=found.severity,
        code=found.code,
        remedy=remedy,
    )


def _creative_lookup(
    store: EntityLookup, changes: Sequence[Change]
) -> Callable[[str], Mapping[str, Any] | None]:
    """A creative as it will be when the ad is sent: a new one from its create in this set,
    an edited one from its pending update, else the cached copy."""
    by_id = {c.id: c for c in changes}
    edited = {
        c.entity_id: c.after
        for c in changes
        if c.kind == CREATIVE and c.action in UPDATE_ACTIONS and c.after is not None
    }

    def lookup(creative_id: str) -> Mapping[str, Any] | None:
        refs = refs_in(creative_id)
        if refs:
            create = by_id.get(next(iter(refs)))
            return create.after if create is not None else None
        if creative_id in edited:
            return edited[creative_id]
        row = store.get(CREATIVE, creative_id)
        data = getattr(row, "data", None)
        return data if isinstance(data, Mapping) else None

    return lookup


# -- spend guards ----------------------------------------------------------------------------


def _currency_lookup(store: EntityLookup) -> Callable[[str], str | None]:
    known: dict[str, str | None] = {}

    def currency(ad_account_id: str) -> str | None:
        if ad_account_id not in known:
            account = store.ad_account(ad_account_id)
            code = getattr(account, "currency", None) if account is not None else None
            known[ad_account_id] = code.upper() if isinstance(code, str) and code else None
        return known[ad_account_id]

    return currency


def _micro(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _guarded(change: Change) -> bool:
    return change.kind in _GUARDED_KINDS and change.action in (CREATE, *UPDATE_ACTIONS)


def _money(micro: int, currency: str | None) -> str:
    return format_money(micro, currency) if currency else f"{micro:,} micro"


def _violations(
    changes: Sequence[Change], currency_of: Callable[[str], str | None], guards: SpendGuards
) -> list[GuardViolation]:
    found: list[GuardViolation] = []
    for change in changes:
        if _guarded(change):
            found.extend(_change_violations(change, currency_of(change.ad_account_id), guards))
    return found


def _change_violations(
    change: Change, currency: str | None, guards: SpendGuards
) -> list[GuardViolation]:
    after = change.after or {}
    before = change.before or {}
    name = _name(change)
    found: list[GuardViolation] = []

    def violation(field: str, guard: str, old: int | None, new: int, limit: str, text: str) -> None:
        found.append(
            GuardViolation(
                change_id=change.id,
                ad_account_id=change.ad_account_id,
                kind=change.kind,
                entity_id=change.entity_id,
                name=name,
                field=field,
                guard=guard,
                old_micro=old,
                new_micro=new,
                limit=limit,
                currency=currency,
                message=f"{LABEL[change.kind]} {name!r}: {text}",
            )
        )

    def money(micro: int) -> str:
        return _money(micro, currency)

    new = _micro(after.get("daily_budget_micro"))
    old = _micro(before.get("daily_budget_micro"))
    if new is not None:
        old_value = old or 0
        increase = new - old_value
        pct_limit = guards.max_budget_increase_percent
        if increase > 0 and pct_limit is not None and old_value > 0:
            pct = increase * 100 / old_value
            if pct > pct_limit:
                violation(
                    "daily_budget_micro",
                    "budget_increase_percent",
                    old_value,
                    new,
                    f"{pct_limit}%",
                    f"daily budget {money(old_value)} → {money(new)} is +{pct:.1f}%, "
                    f"above the {pct_limit}% limit per post",
                )
        abs_limit = guards.max_increase_micro(currency)
        if increase > 0 and abs_limit is not None and increase > abs_limit:
            violation(
                "daily_budget_micro",
                "budget_increase",
                old,
                new,
                money(abs_limit),
                f"daily budget rises by {money(increase)}, above the {money(abs_limit)} "
                "limit per post",
            )
    if change.kind != AD_SQUAD:
        return found
    bid = _micro(after.get("bid_micro"))
    if bid is None:
        return found
    old_bid = _micro(before.get("bid_micro"))
    bid_limit = guards.max_bid_micro(currency)
    if bid_limit is not None and bid > bid_limit and bid != old_bid:
        violation(
            "bid_micro",
            "max_bid",
            old_bid,
            bid,
            money(bid_limit),
            f"bid {money(bid)} is above the maximum bid {money(bid_limit)}",
        )
    share = guards.max_bid_percent_of_daily_budget
    budget, label = _squad_budget(after)
    touched = any(after.get(f) != before.get(f) for f in ("bid_micro", *_BUDGET_FIELDS))
    if share is not None and budget is not None and touched and bid * 100 > budget * share:
        cap = int(budget * share / 100)
        whole = share == Decimal(100)
        violation(
            "bid_micro",
            "bid_over_budget",
            old_bid,
            bid,
            money(cap) if not whole else f"{label} {money(budget)}",
            (
                f"bid {money(bid)} is more than the whole {label} of {money(budget)}: it "
                "can't buy a single result a day"
                if whole
                else f"bid {money(bid)} is more than {share}% of the {label} ({money(budget)})"
            ),
        )
    return found


def _squad_budget(obj: Mapping[str, Any]) -> tuple[int | None, str]:
    daily = _micro(obj.get("daily_budget_micro"))
    if daily:
        return daily, "daily budget"
    lifetime = _micro(obj.get("lifetime_budget_micro"))
    if lifetime:
        return lifetime, "lifetime budget"
    return None, ""


def _unguarded(change: Change, currency: str | None, guards: SpendGuards) -> list[CheckIssue]:
    """A warning when a bid or a daily-budget rise is in a currency no guard row covers."""
    if not _guarded(change) or guards.covers(currency):
        return []
    after = change.after or {}
    before = change.before or {}
    fields = []
    new_budget = _micro(after.get("daily_budget_micro"))
    if new_budget is not None and new_budget > (_micro(before.get("daily_budget_micro")) or 0):
        fields.append("daily_budget_micro")
    bid = _micro(after.get("bid_micro"))
    if change.kind == AD_SQUAD and bid is not None and bid != _micro(before.get("bid_micro")):
        fields.append("bid_micro")
    what = (
        f"No spend guard covers {currency}: this amount is not checked against a maximum"
        if currency
        else "The ad account's currency is unknown (sync it): this amount is not checked "
        "against a maximum"
    )
    return [
        CheckIssue(
            change_id=change.id,
            ad_account_id=change.ad_account_id,
            kind=change.kind,
            entity_id=change.entity_id,
            name=_name(change),
            action=change.action,
            field=field,
            message=what,
            severity="warning",
            code="no_spend_guard",
            remedy=_WARNING_REMEDIES["no_spend_guard"],
        )
        for field in fields
    ]


# -- helpers ---------------------------------------------------------------------------------


def _name(change: Change) -> str | None:
    for obj in (change.after, change.before):
        if obj and isinstance(obj.get("name"), str) and obj["name"]:
            return str(obj["name"])
    return change.label


def _label(field: str) -> str:
    return field.removesuffix("_micro").replace("_", " ")
