"""Posting from the UI against a real sandbox: dry-run sends no write and shows the rehearsed
requests; live mode is confirmed naming the ad accounts and sends exactly the previewed
requests; spend guards need an extra confirmation."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

from pytestqt.qtbot import QtBot

from snapdesk.api import SnapApi
from snapdesk.changes import ChangeRepository, EditService, WriteGateway
from snapdesk.core.kinds import CAMPAIGN
from snapdesk.core.settings import AppSettings, SpendGuards
from snapdesk.sandbox import SandboxServer
from snapdesk.store import Store
from snapdesk.ui.dialogs.live_mode import GuardViolationsDialog, LiveModeDialog
from snapdesk.ui.dialogs.post_results import PostResultsDialog
from snapdesk.ui.post_flow import PostFlow
from tests.ui.changes_env import (
    Host,
    recorded,
    recorded_writes,
    usd_account,
)


def make_flow(
    qtbot: QtBot, store: Store, loop: asyncio.AbstractEventLoop, api: SnapApi, **kw: object
) -> tuple[Host, PostFlow]:
    host = Host(store=store, loop=loop, api=api, **kw)  # type: ignore[arg-type]
    qtbot.addWidget(host)
    return host, PostFlow(host, parent_widget=host)


def test_dry_run_post_sends_nothing_and_shows_dryrun_ids(
    qtbot: QtBot,
    server: SandboxServer,
    synced: Store,
    api: SnapApi,
    qloop: asyncio.AbstractEventLoop,
    tmp_path: Path,
) -> None:
    edits = EditService(store=synced)
    account = usd_account(synced)
    campaign = synced.campaigns(account.id)[0]
    edits.edit(kind=CAMPAIGN, entity_id=campaign.id, fields={"name": "Rehearsed"})
    made = edits.create_campaign(ad_account_id=account.id, fields={"name": "Brand new"})
    edits.create_ad_squad(
        campaign_id=made.changes[0].entity_id,
        fields={
            "name": "Squad",
            "optimization_goal": "IMPRESSIONS",
            "daily_budget_micro": 20_000_000,
            "targeting": {"geos": [{"country_code": "us"}]},  # required to post (issue 16)
        },
    )
    _host, flow = make_flow(qtbot, synced, qloop, api)

    with qtbot.waitSignal(flow.finished, timeout=20000) as signal:
        flow.post(None)
    report = signal.args[0]

    assert recorded(server) == []  # no write, not even a read
    assert recorded_writes(server) == []
    assert [r.outcome for r in report.results] == ["dry-run"] * 3
    dialog = flow.dialog
    assert isinstance(dialog, PostResultsDialog) and dialog.isVisible()
    assert "nothing was sent" in dialog.summary_label.text()
    assert dialog.table.rowCount() == 3
    created = report.results[1].created_id
    assert created.startswith("dryrun-")
    dialog.table.selectRow(2)
    detail = dialog.detail.toPlainText()
    assert f"/campaigns/{created}/adsquads" in detail and "Idempotency-Key:" in detail
    assert {c.state for c in ChangeRepository(synced).list()} == {"pending"}


def test_live_mode_confirmation_names_the_accounts(qtbot: QtBot, synced: Store) -> None:
    edits = EditService(store=synced)
    accounts = synced.ad_accounts()
    active = [next(c for c in synced.campaigns(a.id) if c.status == "ACTIVE") for a in accounts[:2]]
    edits.pause([c.id for c in active])
    affected = WriteGateway(api=None, store=synced, live=False).affected_accounts()
    dialog = LiveModeDialog(affected)
    qtbot.addWidget(dialog)
    names = [dialog.table.item(r, 0).text() for r in range(dialog.table.rowCount())]
    assert sorted(names) == sorted([accounts[0].name, accounts[1].name])
    assert dialog.cancel_button.isDefault()
    assert dialog.confirm_button.text() == "Turn on live mode"


def test_live_post_sends_exactly_the_previewed_requests(
    qtbot: QtBot,
    server: SandboxServer,
    synced: Store,
    api: SnapApi,
    qloop: asyncio.AbstractEventLoop,
) -> None:
    edits = EditService(store=synced)
    account = usd_account(synced)
    one, two = synced.campaigns(account.id)[:2]
    edits.edit(kind=CAMPAIGN, entity_id=one.id, fields={"name": "Live one"})
    edits.pause([two.id])
    previewed = {c.id: c for c in ChangeRepository(synced).list()}
    host, flow = make_flow(qtbot, synced, qloop, api)

    with qtbot.waitSignal(flow.finished, timeout=20000) as signal:
        host.session.live_mode.set(True)
        flow.post(None)
    report = signal.args[0]

    assert [r.outcome for r in report.results] == ["posted", "posted"]
    writes = recorded_writes(server)
    assert len(writes) == 2
    by_key = {w["headers"].get("idempotency-key"): w for w in writes}
    for change in previewed.values():
        sent = by_key[change.idempotency_key]
        assert sent["method"] == change.request.method
        assert sent["path"] == "/v1" + change.request.path
        assert sent["json"] == change.request.body
    assert ChangeRepository(synced).list() == []
    cached = synced.get(CAMPAIGN, one.id)
    assert cached is not None and cached.name == "Live one"
    assert isinstance(flow.dialog, PostResultsDialog)
    assert "2 changes posted" in flow.dialog.summary_label.text()


def test_spend_guard_violations_need_an_extra_confirmation(
    qtbot: QtBot,
    server: SandboxServer,
    synced: Store,
    api: SnapApi,
    qloop: asyncio.AbstractEventLoop,
) -> None:
    edits = EditService(store=synced)
    account = usd_account(synced)
    campaign = next(c for c in synced.campaigns(account.id) if c.data.get("daily_budget_micro"))
    edits.adjust_budgets([campaign.id], percent=Decimal("200"))
    settings = AppSettings(
        # Only the percentage guard: USD's default absolute limit (issue 13) is switched off so
        # that exactly one guard speaks.
        spend_guards=SpendGuards(
            max_budget_increase_percent=Decimal("50"), max_budget_increase={"USD": None}
        ),
        media_poll_seconds=0.0,
    )
    host, flow = make_flow(qtbot, synced, qloop, api, settings=settings)

    with qtbot.waitSignal(flow.finished, timeout=20000) as signal:
        host.session.live_mode.set(True)
        flow.post(None)
    assert signal.args[0].blocked
    assert recorded_writes(server) == []
    dialog = flow.dialog
    assert isinstance(dialog, GuardViolationsDialog)
    assert dialog.table.rowCount() == 1
    assert campaign.name in dialog.table.item(0, 0).text()
    assert not dialog.confirm_button.isEnabled()
    dialog.ack_box.setChecked(True)
    with qtbot.waitSignal(flow.finished, timeout=20000) as signal:
        dialog.confirm_button.click()
    assert [r.outcome for r in signal.args[0].results] == ["posted"]
    [put] = recorded_writes(server)
    assert (
        put["json"]["campaigns"][0]["daily_budget_micro"] == campaign.data["daily_budget_micro"] * 3
    )
