"""Status you can believe: a campaign that has spent its lifetime cap shows it in the tree and
the details, as its notice says (it showed a green Active dot next to a "cap reached" notice)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from snapdesk.core.kinds import AD, AD_SQUAD, CAMPAIGN
from snapdesk.sandbox import SandboxServer
from snapdesk.stats.delivery import delivery_state
from snapdesk.store import Store
from snapdesk.ui.main_window import MainWindow
from snapdesk.ui.models.account_tree import STATUS_COLUMN
from snapdesk.ui.performance import entity_path
from tests.ui.changes_env import control, usd_account

NOW = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)


def test_the_one_rule_in_order() -> None:
    day = date(2026, 12, 7)
    active = {"delivery_status": ["VALID"]}
    assert delivery_state(CAMPAIGN, active, status="ACTIVE", now=NOW).label == "Active"
    assert delivery_state(CAMPAIGN, active, status="PAUSED", now=NOW).label == "Paused"
    capped = delivery_state(
        CAMPAIGN, active, status="ACTIVE", watch={"cap_reached": True}, today=day, now=NOW
    )
    assert (capped.label, capped.tone) == ("Lifetime cap reached", "warning")
    assert "lifetime spend cap" in capped.reasons[0]
    limited = delivery_state(
        AD_SQUAD, active, status="ACTIVE", watch={"daily_reached": "2026-12-07"}, today=day,
        now=NOW,
    )  # fmt: skip
    assert limited.label == "Daily budget reached"
    yesterday = delivery_state(
        AD_SQUAD, active, status="ACTIVE", watch={"daily_reached": "2026-12-06"}, today=day,
        now=NOW,
    )  # fmt: skip
    assert yesterday.label == "Active"  # a new day in the account's zone: delivering again
    ended = {**active, "end_time": (NOW - timedelta(days=1)).isoformat()}
    assert delivery_state(CAMPAIGN, ended, status="ACTIVE", now=NOW).label == "Ended"
    later = {**active, "start_time": (NOW + timedelta(days=2)).isoformat()}
    assert delivery_state(CAMPAIGN, later, status="ACTIVE", now=NOW).label == "Scheduled"
    review = {"review_status": "PENDING", "delivery_status": ["INVALID_PENDING_REVIEW_STATUS"]}
    assert delivery_state(AD, review, status="ACTIVE", now=NOW).label == "In review"
    rejected = {"review_status": "REJECTED", "review_status_reasons": ["Blurry image"]}
    state = delivery_state(AD, rejected, status="PAUSED", now=NOW)
    assert (state.label, state.tone, state.reasons) == ("Rejected", "error", ("Blurry image",))
    blocked = {"delivery_status": ["INVALID_EFFECTIVE_INVALID"]}
    state = delivery_state(AD_SQUAD, blocked, status="ACTIVE", now=NOW)
    assert state.label == "Not delivering" and state.reasons == ("Effective invalid",)


@pytest.fixture
def window(main_window: MainWindow, server: SandboxServer) -> MainWindow:
    control(server, "POST", "stats_clock", {"now": None})
    return main_window


def test_a_capped_campaign_says_so_in_the_tree_the_details_and_a_notice(
    qtbot: QtBot, window: MainWindow, synced: Store, server: SandboxServer
) -> None:
    account = usd_account(synced)
    active = [c for c in synced.campaigns(account.id) if (c.status or "") == "ACTIVE"]
    assert active
    # every active campaign gets a lifetime spend cap of 1.00: those that delivered have spent it
    by_id = {c["id"]: c for c in server.state.iter_objects("campaign")}
    for row in active:
        by_id[row.id]["lifetime_spend_cap_micro"] = 1_000_000

    def status(campaign_id: str) -> tuple[str, str]:
        index = window.tree.expand_path(entity_path(synced, CAMPAIGN, campaign_id))
        node = window.model.node(index)
        assert node is not None
        cell = index.siblingAtColumn(STATUS_COLUMN)
        return str(cell.data()), window.model.delivery(node).tone

    before = {row.id: status(row.id) for row in active}
    assert all(text != "Lifetime cap reached" for text, _ in before.values())
    # the ones delivering now (an ended or scheduled one stays "Ended"/"Scheduled")
    active = [row for row in active if before[row.id] == ("Active", "active")]
    assert active

    refresher = window.performance.refresher
    with qtbot.waitSignal(refresher.refreshed, timeout=90_000) as done:
        refresher.refresh_now([account.id])
    notices = [n for n in done.args[0].notices if n.kind == "lifetime_cap_reached"]
    capped = {n.entity_id for n in notices} & {row.id for row in active}
    assert capped, "no active USD campaign had spent 1.00"
    for row in active:
        text, tone = status(row.id)
        if row.id in capped:
            assert (text, tone) == ("Lifetime cap reached", "warning")
        else:
            assert text != "Lifetime cap reached"
    # the details say the same as the tree and the notice
    first = next(iter(capped))
    window.tree.select(window.tree.expand_path(entity_path(synced, CAMPAIGN, first)))
    chips = [label.text() for label in window.details._chips_host.findChildren(QLabel)]
    assert "Lifetime cap reached" in chips
    assert "Active" not in chips


def test_a_new_selection_shows_its_title_not_the_old_scroll_position(
    qtbot: QtBot, window: MainWindow, synced: Store
) -> None:
    account = usd_account(synced)
    first, second = synced.campaigns(account.id)[:2]
    window.resize(1280, 500)  # short enough that the details scroll
    window.details_tab_action.trigger()
    window.tree.select(window.tree.expand_path(entity_path(synced, CAMPAIGN, first.id)))
    bar = window.details.details_page.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0)
    bar.setValue(bar.maximum())
    window.tree.select(window.tree.expand_path(entity_path(synced, CAMPAIGN, second.id)))
    assert bar.value() == 0
    # the same selection shown again (a refresh) keeps where the user is reading
    bar.setValue(bar.maximum())
    window.refresh_details()
    assert bar.value() == bar.maximum()
