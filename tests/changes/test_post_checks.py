"""Check changes inside the write gateway (issue 13), against the sandbox over real loopback
HTTP: a change Snap would refuse stops a dry run and a live post alike — nothing rehearsed,
nothing sent (the sandbox's recorder stays empty) — and the report names change, entity and
field. Spend guards, including the new bid-over-budget guard, still ask for a confirmation."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

from snapdesk.changes import ChangeRepository, EditService, WriteGateway
from snapdesk.changes import repository as repo
from snapdesk.changes.requests import update_request
from snapdesk.core.kinds import AD_SQUAD, CAMPAIGN
from snapdesk.sandbox import SandboxServer
from snapdesk.store import Store

from .conftest import first_campaign, first_squad, recorded, recorded_writes

GatewayFactory = Callable[..., WriteGateway]


def queue_below_minimum(edits: EditService, store: Store) -> tuple[str, str]:
    """An ad squad update with a daily budget below Snap's minimum, as an older snapdesk (or
    a hand-edited import) could have stored it: the edit service refuses to queue it today."""
    squad = first_squad(store)
    stored = edits.edit(kind=AD_SQUAD, entity_id=squad.id, fields={"name": "Tiny budget"}).changes[
        0
    ]
    after = {**(stored.after or {}), "daily_budget_micro": 1_000_000}
    request = update_request(AD_SQUAD, after, ad_account_id=stored.ad_account_id)

    def save(conn: sqlite3.Connection) -> None:
        repo.save_change(conn, stored.evolve(after=after, request=request))

    store.write(save)
    return stored.id, squad.id


async def test_a_check_error_blocks_a_dry_run_and_a_live_post(
    server: SandboxServer, store: Store, edits: EditService, gateway: GatewayFactory
) -> None:
    change_id, squad_id = queue_below_minimum(edits, store)
    fine = edits.edit(
        kind=CAMPAIGN, entity_id=first_campaign(store).id, fields={"name": "Fine rename"}
    ).changes[0]

    rehearsal = await gateway(live=False).post()
    assert rehearsal.blocked and not rehearsal.ok
    assert rehearsal.results == ()  # not even the valid rename is rehearsed as if fine
    [error] = rehearsal.check_errors
    assert (error.change_id, error.kind, error.entity_id, error.field) == (
        change_id,
        AD_SQUAD,
        squad_id,
        "daily_budget_micro",
    )
    assert error.name == "Tiny budget" and "at least 5" in error.message
    assert ChangeRepository(store).audit_log(result="dry-run") == []

    async def approve(violations: Any) -> bool:
        return True

    live = await gateway(live=True).post(confirm=approve)  # a confirmation can't override it
    assert live.blocked and live.live and live.results == ()
    assert [e.change_id for e in live.check_errors] == [change_id]
    assert recorded(server) == []  # nothing sent, not even the re-read before a PUT
    pending = {c.id: c.state for c in ChangeRepository(store).list()}
    assert pending == {change_id: "pending", fine.id: "pending"}
    blocked = ChangeRepository(store).audit_log(result="blocked")
    assert [(a.mode, a.change_id) for a in blocked] == [
        ("dry-run", change_id),
        ("live", change_id),
    ]
    assert "daily_budget_micro" in (blocked[0].response_excerpt or "")


async def test_checks_on_demand_match_the_post(
    store: Store, edits: EditService, gateway: GatewayFactory
) -> None:
    change_id, _ = queue_below_minimum(edits, store)
    checked = gateway(live=False).check_changes()
    assert checked.blocked and [e.change_id for e in checked.errors] == [change_id]


async def test_a_huge_bid_on_a_small_squad_needs_confirmation_before_it_is_sent(
    server: SandboxServer, store: Store, edits: EditService, gateway: GatewayFactory
) -> None:
    """Regression (issue 13): a $100,000 max bid on a $50/day ad squad posted live with no
    second confirmation."""
    squad = first_squad(store)
    edits.edit(
        kind=AD_SQUAD,
        entity_id=squad.id,
        fields={"daily_budget_micro": 50_000_000, "bid_micro": 100_000 * 1_000_000},
    )
    rehearsal = await gateway(live=False).post()
    assert rehearsal.ok and len(rehearsal.results) == 1  # a dry run lists them, blocks nothing
    assert {"max_bid", "bid_over_budget"} <= {v.guard for v in rehearsal.guard_violations}

    blocked = await gateway(live=True).post()  # no confirmation given
    assert blocked.blocked and blocked.results == ()
    assert {"max_bid", "bid_over_budget"} <= {v.guard for v in blocked.guard_violations}
    assert recorded_writes(server) == []


async def test_warnings_ride_along_and_block_nothing(
    store: Store, edits: EditService, gateway: GatewayFactory
) -> None:
    """Regression (issue 13): a $1/day campaign budget; the minimum is unverified: a warning."""
    campaign = first_campaign(store)
    edits.edit(kind=CAMPAIGN, entity_id=campaign.id, fields={"daily_budget_micro": 1_000_000})
    rehearsal = await gateway(live=False).post()
    assert rehearsal.ok and len(rehearsal.results) == 1
    assert [(w.field, w.code) for w in rehearsal.check_warnings] == [
        ("daily_budget_micro", "campaign_budget_minimum")
    ]
