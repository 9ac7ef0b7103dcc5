"""Check changes in the UI (issue 13), against a real sandbox: a dry-run or live post blocked by a
check error sends nothing and the results dialog names the entity, the field and what to do;
F7 in Pending Changes runs the same checks on demand and shows them in the same dialog."""

from __future__ import annotations

import asyncio
import sqlite3
from types import SimpleNamespace

import pytest
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from snapdesk.api import SnapApi
from snapdesk.changes import ChangeRepository, EditService, WriteGateway
from snapdesk.changes import repository as repo
from snapdesk.changes.model import CheckIssue, GuardViolation, PostReport
from snapdesk.changes.requests import update_request
from snapdesk.core.kinds import AD_SQUAD, CAMPAIGN
from snapdesk.core.settings import AppSettings
from snapdesk.sandbox import SandboxServer
from snapdesk.store import Store
from snapdesk.ui.dialogs.post_results import PostResultsDialog, summary_text
from snapdesk.ui.ops.changes import _post_live
from snapdesk.ui.post_flow import PostFlow
from snapdesk.ui.views.pending_changes import PendingChangesPanel
from tests.ui.changes_env import Host, recorded, usd_account
from tests.ui.helpers import run_in_loop


def queue_below_minimum(store: Store) -> tuple[str, str]:
    """An ad squad update with a daily budget below Snap's 5-unit minimum, stored as an older
    snapdesk could have (the edit service refuses it today)."""
    edits = EditService(store=store)
    account = usd_account(store)
    squad = next(
        s
        for c in store.campaigns(account.id)
        for s in store.ad_squads(c.id)
        if s.data.get("daily_budget_micro")
    )
    stored = edits.edit(kind=AD_SQUAD, entity_id=squad.id, fields={"name": "Tiny budget"}).changes[
        0
    ]
    after = {**(stored.after or {}), "daily_budget_micro": 1_000_000}
    request = update_request(AD_SQUAD, after, ad_account_id=stored.ad_account_id)

    def save(conn: sqlite3.Connection) -> None:
        repo.save_change(conn, stored.evolve(after=after, request=request))

    store.write(save)
    return stored.id, squad.id


def make_flow(
    qtbot: QtBot, store: Store, loop: asyncio.AbstractEventLoop, api: SnapApi
) -> tuple[Host, PostFlow]:
    host = Host(store=store, loop=loop, api=api)
    qtbot.addWidget(host)
    return host, PostFlow(host, parent_widget=host)


def issue_rows(dialog: PostResultsDialog) -> list[list[str]]:
    table = dialog.issues_table
    return [
        [table.item(r, c).text() for c in range(table.columnCount())]
        for r in range(table.rowCount())
    ]


def test_a_blocked_dry_run_shows_the_errors_instead_of_pretending_success(
    qtbot: QtBot,
    server: SandboxServer,
    synced: Store,
    api: SnapApi,
    qloop: asyncio.AbstractEventLoop,
) -> None:
    _, squad_id = queue_below_minimum(synced)
    _host, flow = make_flow(qtbot, synced, qloop, api)
    with qtbot.waitSignal(flow.finished, timeout=20000) as signal:
        flow.post(None)
    report = signal.args[0]
    assert report.blocked and report.results == ()
    assert recorded(server) == []
    dialog = flow.dialog
    assert isinstance(dialog, PostResultsDialog) and dialog.isVisible()
    text = dialog.summary_label.text()
    assert "1 error" in text and "nothing was rehearsed" in text
    assert "rehearsed ·" not in text  # no "N changes rehearsed" success line
    assert not dialog.issues_table.isHidden() and dialog.table.isHidden()
    [row] = issue_rows(dialog)
    assert row[0] == "Error"
    assert "Ad squad" in row[1] and "Tiny budget" in row[1]
    assert "Daily budget" in row[2] and "daily_budget_micro" in row[2]
    assert "at least 5" in row[3]
    assert "Fix the daily budget" in row[4]
    assert {c.state for c in ChangeRepository(synced).list()} == {"pending"}
    assert squad_id in dialog.issues_table.item(0, 1).toolTip()


def test_a_blocked_live_post_sends_nothing(
    qtbot: QtBot,
    server: SandboxServer,
    synced: Store,
    api: SnapApi,
    qloop: asyncio.AbstractEventLoop,
) -> None:
    queue_below_minimum(synced)
    host, flow = make_flow(qtbot, synced, qloop, api)
    with qtbot.waitSignal(flow.finished, timeout=20000) as signal:
        host.session.live_mode.set(True)
        flow.post(None)
    report = signal.args[0]
    assert report.live and report.blocked and report.check_errors
    assert recorded(server) == []  # not a write, not even the re-read of the ad squad
    dialog = flow.dialog
    assert isinstance(dialog, PostResultsDialog)  # the errors, not the spend-guard dialog
    assert "nothing was sent to Snap" in dialog.summary_label.text()


def test_f7_checks_the_pending_changes_on_demand(
    qtbot: QtBot, server: SandboxServer, synced: Store
) -> None:
    queue_below_minimum(synced)
    edits = EditService(store=synced)
    account = usd_account(synced)
    campaign = synced.campaigns(account.id)[0]
    edits.edit(kind=CAMPAIGN, entity_id=campaign.id, fields={"daily_budget_micro": 1_000_000})
    panel = PendingChangesPanel(edits)
    panel.settings_source = lambda: AppSettings()
    qtbot.addWidget(panel)
    panel.show()
    assert panel.check_action.shortcut() == QKeySequence("F7")
    assert panel.check_button.isVisible()
    panel.check_action.trigger()
    dialog = panel.check_dialog
    assert isinstance(dialog, PostResultsDialog) and dialog.isVisible()
    assert dialog.windowTitle() == "Check changes"
    rows = issue_rows(dialog)
    assert [r[0] for r in rows] == ["Error", "Warning"]  # errors first
    assert "below 20" in rows[1][3]
    assert "1 error" in dialog.summary_label.text() and "1 warning" in dialog.summary_label.text()
    assert recorded(server) == []


def test_check_changes_with_nothing_wrong_says_so(qtbot: QtBot, synced: Store) -> None:
    edits = EditService(store=synced)
    campaign = synced.campaigns(usd_account(synced).id)[0]
    edits.edit(kind=CAMPAIGN, entity_id=campaign.id, fields={"name": "Just a rename"})
    panel = PendingChangesPanel(edits)
    panel.settings_source = lambda: AppSettings()
    qtbot.addWidget(panel)
    panel.check_action.trigger()
    dialog = panel.check_dialog
    assert dialog is not None
    assert dialog.summary_label.text().startswith("No problems found")
    assert dialog.issues_table.isHidden()


def test_the_dialog_lists_errors_confirmations_and_warnings(qtbot: QtBot) -> None:
    def issue(severity: str, field: str) -> CheckIssue:
        return CheckIssue(
            change_id="c1",
            ad_account_id="a",
            kind=AD_SQUAD,
            entity_id="s1",
            name="Squad",
            action="update",
            field=field,
            message=f"{severity} message",
            severity=severity,  # type: ignore[arg-type]
            code="x",
            remedy=f"{severity} remedy",
        )

    guard = GuardViolation(
        change_id="c1",
        ad_account_id="a",
        kind=AD_SQUAD,
        entity_id="s1",
        name="Squad",
        field="bid_micro",
        guard="bid_over_budget",
        old_micro=1_000_000,
        new_micro=100_000_000_000,
        limit="daily budget $50.00",
        currency="USD",
        message="Ad squad 'Squad': bid $100,000.00 is more than the whole daily budget",
    )
    report = PostReport(
        live=False,
        check_issues=(issue("warning", "end_time"), issue("error", "daily_budget_micro")),
        guard_violations=(guard,),
        blocked=True,
    )
    dialog = PostResultsDialog(report, check_only=True)
    qtbot.addWidget(dialog)
    rows = issue_rows(dialog)
    assert [r[0] for r in rows] == ["Error", "Confirm", "Warning"]
    assert "Bid" in rows[1][2] and "$100,000.00" in rows[1][3]
    assert "confirm" in rows[1][4].lower()
    assert "2 errors" not in summary_text(report)


def test_f7_is_in_the_shortcut_registry() -> None:
    from snapdesk.ui import shortcuts

    entry = shortcuts.BY_ID["check"]
    assert entry.portable_keys() == ["F7"] and entry.target == "editing.panel.check_action"


@pytest.mark.parametrize("confirm", [False, True])
def test_live_posting_for_several_logins_checks_all_before_sending_anything(
    qapp: QApplication,
    server: SandboxServer,
    synced: Store,
    api: SnapApi,
    qloop: asyncio.AbstractEventLoop,
    confirm: bool,
) -> None:
    """One login's clean change must not go out while another login's change has an error,
    even after the user confirmed the spend guards."""
    bad_id, _ = queue_below_minimum(synced)
    campaign = synced.campaigns(usd_account(synced).id)[0]
    good = EditService(store=synced).edit(
        kind=CAMPAIGN, entity_id=campaign.id, fields={"name": "Clean rename"}
    )
    settings = AppSettings(media_poll_seconds=0.0)
    jobs = [
        (
            WriteGateway(api=api, store=synced, live=True, settings=settings, profile=profile),
            ids,
        )
        for profile, ids in (("first", [good.changes[0].id]), ("second", [bad_id]))
    ]
    op = SimpleNamespace(report_progress=lambda _progress: None)
    report = run_in_loop(qapp, qloop, _post_live(jobs, op=op, confirm=confirm))  # type: ignore[arg-type]
    assert report.blocked and report.live and report.results == ()
    assert [e.change_id for e in report.check_errors] == [bad_id]
    assert recorded(server) == []
