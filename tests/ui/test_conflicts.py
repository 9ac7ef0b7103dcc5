"""Conflicts: someone changes a campaign on Snap between the edit and the live post; the dialog
shows field / base / mine / theirs, resolves per field or for all, and posts again."""

from __future__ import annotations

import asyncio
import uuid

from pytestqt.qtbot import QtBot

from snapdesk.api import SnapApi
from snapdesk.changes import ChangeRepository, EditService
from snapdesk.changes.requests import update_request, writable
from snapdesk.core.kinds import CAMPAIGN
from snapdesk.sandbox import SandboxServer
from snapdesk.store import EntityRow, Store
from snapdesk.ui.dialogs.conflicts import ConflictsDialog
from snapdesk.ui.dialogs.post_results import PostResultsDialog
from snapdesk.ui.post_flow import PostFlow
from tests.ui.changes_env import (
    Host,
    clear_recorded,
    recorded_writes,
    server_get,
    server_put,
    usd_account,
)


def change_on_snap(server: SandboxServer, campaign: EntityRow, **fields: object) -> None:
    """A colleague edits the campaign in Ads Manager: GET, change, PUT the full object."""
    current = server_get(server, f"/campaigns/{campaign.id}")["campaigns"][0]["campaign"]
    obj = {**writable(CAMPAIGN, current), **fields}
    request = update_request(CAMPAIGN, obj, ad_account_id=str(current["ad_account_id"]))
    server_put(server, request.path, request.body, key=str(uuid.uuid4()))


def conflicting_post(
    qtbot: QtBot,
    server: SandboxServer,
    store: Store,
    api: SnapApi,
    loop: asyncio.AbstractEventLoop,
) -> tuple[PostFlow, EntityRow, EntityRow]:
    edits = EditService(store=store)
    account = usd_account(store)
    one, two = [c for c in store.campaigns(account.id) if c.data.get("daily_budget_micro")][:2]
    edits.edit(
        kind=CAMPAIGN,
        entity_id=one.id,
        fields={"name": "Mine one", "daily_budget_micro": 111_000_000},
    )
    edits.edit(kind=CAMPAIGN, entity_id=two.id, fields={"name": "Mine two"})
    change_on_snap(server, one, name="Theirs one", daily_budget_micro=222_000_000, status="PAUSED")
    change_on_snap(server, two, name="Theirs two")
    clear_recorded(server)
    host = Host(store=store, loop=loop, api=api)
    qtbot.addWidget(host)
    flow = PostFlow(host, parent_widget=host)
    with qtbot.waitSignal(flow.finished, timeout=20000) as signal:
        host.session.live_mode.set(True)
        flow.post(None)
    report = signal.args[0]
    assert [r.outcome for r in report.results] == ["conflict", "conflict"]
    assert recorded_writes(server) == []
    return flow, one, two


def test_conflicts_dialog_resolves_per_field_and_posts_again(
    qtbot: QtBot,
    server: SandboxServer,
    synced: Store,
    api: SnapApi,
    qloop: asyncio.AbstractEventLoop,
) -> None:
    flow, one, two = conflicting_post(qtbot, server, synced, api, qloop)
    dialog = flow.dialog
    assert isinstance(dialog, ConflictsDialog) and dialog.isVisible()
    changes = {c.entity_id: c for c in ChangeRepository(synced).list()}
    one_change, two_change = changes[one.id], changes[two.id]
    table = dialog.tables[one_change.id]
    rows = {table.item(r, 0).text(): r for r in range(table.rowCount())}
    assert set(rows) == {"Name", "Daily budget"}
    row = rows["Daily budget"]
    assert table.item(row, 1).text().startswith("$")  # base, money formatted
    assert dialog.radio(one_change.id, "daily_budget_micro", "mine").text() == "$111.00"
    assert dialog.radio(one_change.id, "daily_budget_micro", "theirs").text() == "$222.00"
    assert dialog.radio(one_change.id, "name", "mine").isChecked()  # mine by default

    dialog.choose(one_change.id, "name", "mine")
    dialog.choose(one_change.id, "daily_budget_micro", "theirs")
    dialog.choose(two_change.id, "name", "theirs")
    assert dialog.choices() == {
        one_change.id: {"name": "mine", "daily_budget_micro": "theirs"},
        two_change.id: {"name": "theirs"},
    }
    with qtbot.waitSignal(flow.finished, timeout=20000) as signal:
        dialog.apply_button.click()
    report = signal.args[0]
    assert [r.outcome for r in report.results] == ["posted"]  # two had nothing left to send
    [put] = recorded_writes(server)
    body = put["json"]["campaigns"][0]
    assert body["name"] == "Mine one"
    assert body["daily_budget_micro"] == 222_000_000
    assert body["status"] == "PAUSED"  # changed only on Snap: kept, not clobbered
    assert isinstance(flow.dialog, PostResultsDialog)
    assert ChangeRepository(synced).list() == []


def test_keep_all_theirs(
    qtbot: QtBot,
    server: SandboxServer,
    synced: Store,
    api: SnapApi,
    qloop: asyncio.AbstractEventLoop,
) -> None:
    flow, _one, _two = conflicting_post(qtbot, server, synced, api, qloop)
    dialog = flow.dialog
    assert isinstance(dialog, ConflictsDialog)
    dialog.all_theirs_button.click()
    assert {c for fields in dialog.choices().values() for c in fields.values()} == {"theirs"}
    with qtbot.waitSignal(flow.message_posted, timeout=20000) as signal:
        dialog.apply_button.click()
    # keeping Snap's value for every conflicting field leaves nothing to send
    assert "nothing left to send" in signal.args[0]
    assert recorded_writes(server) == []
    assert ChangeRepository(synced).list() == []
