"""The audit log people can read (issue 18), through the real main window against the sandbox.

A budget and a name are edited in the editors of two accounts that do not bill in dollars (EUR,
Europe/Warsaw and JPY, Asia/Tokyo), posted in dry-run and then live, and the audit log must
show, per row: the entity by name, the ad account by name, each field's old → new value in the
account's currency, the time in the account's zone, the login's email (not the profile key
"default"), the outcome and the mode; filters narrow the rows; the CSV export has the table's
columns and values. Hostile: a post Snap refuses shows Snap's message; an entity deleted since
and a change reverted after its dry run still read well.
"""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from snapdesk.changes import ChangeRepository
from snapdesk.core.kinds import AD_ACCOUNT, CAMPAIGN, ORGANIZATION
from snapdesk.sandbox import SandboxServer
from snapdesk.store import AccountRow, EntityRow, Store
from snapdesk.ui import audit_rows
from snapdesk.ui.dialogs.post_results import PostResultsDialog
from snapdesk.ui.editors.campaign import CampaignEditor
from snapdesk.ui.main_window import MainWindow
from snapdesk.ui.session import Session
from snapdesk.ui.views.audit_log import AuditLogDialog
from tests.ui.changes_env import control, usd_account

TIMEOUT = 20_000
SANDBOX_EMAIL = "alex.morgan@northwind-media.example"


@pytest.fixture
def window(main_window: MainWindow) -> MainWindow:
    return main_window


def account_in(store: Store, currency: str) -> AccountRow:
    return next(a for a in store.ad_accounts() if a.currency == currency)


def campaign_named(store: Store, account: AccountRow, name: str) -> EntityRow:
    return next(c for c in store.campaigns(account.id) if c.name == name)


def edit_campaign(
    qtbot: QtBot,
    window: MainWindow,
    account: AccountRow,
    campaign: EntityRow,
    *,
    name: str | None = None,
    budget: str | None = None,
) -> None:
    """Select the campaign in the tree, type into its editor and apply, as a user does."""
    path = ((ORGANIZATION, account.organization_id), (AD_ACCOUNT, account.id))
    window.tree.expand(window.tree.expand_path(path))
    window.tree.select(window.model.locate((*path, (CAMPAIGN, campaign.id))))
    window.show_editor()
    editor = window.editing.editor_pane.current_editor
    assert isinstance(editor, CampaignEditor)
    if name is not None:
        editor.name_edit.clear()
        QTest.keyClicks(editor.name_edit, name)
    if budget is not None:
        editor.daily_budget.edit.clear()
        QTest.keyClicks(editor.daily_budget.edit, budget)
    qtbot.waitUntil(editor.apply_button.isEnabled)
    qtbot.mouseClick(editor.apply_button, Qt.MouseButton.LeftButton)


def post(qtbot: QtBot, window: MainWindow) -> None:
    with qtbot.waitSignal(window.editing.flow.finished, timeout=TIMEOUT):
        qtbot.mouseClick(window.post_button, Qt.MouseButton.LeftButton)
    for dialog in window.findChildren(PostResultsDialog):
        dialog.close()


def table(dialog: AuditLogDialog) -> list[dict[str, str]]:
    model = dialog.model
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    return [
        {h: model.index(r, c).data() for c, h in enumerate(headers)}
        for r in range(model.rowCount())
    ]


def only(rows: list[dict[str, str]], **where: str) -> dict[str, str]:
    found = [r for r in rows if all(v in r[k] for k, v in where.items())]
    assert len(found) == 1, (where, rows)
    return found[0]


def test_audit_log_journey_names_diffs_money_zone_email_filters_and_csv(
    qtbot: QtBot, window: MainWindow, synced: Store, tmp_path: Path
) -> None:
    eur = account_in(synced, "EUR")
    jpy = account_in(synced, "JPY")
    clearance = campaign_named(synced, eur, "Clearance — Last Chance")  # €50.00 a day
    loyalty = campaign_named(synced, jpy, "Loyalty Members — Win-back")  # ¥11,250 a day
    edit_campaign(qtbot, window, eur, clearance, name="Clearance Audit", budget="55")
    edit_campaign(qtbot, window, jpy, loyalty, budget="12000")
    assert window.editing.panel.count_label.text() == "Pending changes (2)"

    post(qtbot, window)  # dry-run
    window.editing.set_live(True)
    post(qtbot, window)  # live
    assert ChangeRepository(synced).list() == []

    dialog = window.editing.open_audit_log()
    qtbot.waitUntil(dialog.isVisible)
    rows = table(dialog)
    assert len(rows) == 4 and dialog.count_label.text() == "4 entries"
    assert list(rows[0]) == list(audit_rows.COLUMNS)

    eur_live = only(rows, **{"Ad account": eur.name or "", "Mode": "Live"})
    assert eur_live["Entity"] == "Campaign · Clearance Audit"
    assert "Daily budget: €50.00 → €55.00" in eur_live["Change"]
    assert "Name: “Clearance — Last Chance” → “Clearance Audit”" in eur_live["Change"]
    assert eur_live["Outcome"] == "OK"
    assert eur_live["Who"] == SANDBOX_EMAIL  # not the profile key "default"
    assert eur_live["When"].endswith((" CET", " CEST"))  # Europe/Warsaw
    eur_dry = only(rows, **{"Ad account": eur.name or "", "Mode": "Dry-run"})
    assert eur_dry["Outcome"] == "Dry-run" and eur_dry["Change"] == eur_live["Change"]

    jpy_live = only(rows, **{"Ad account": jpy.name or "", "Mode": "Live"})
    assert jpy_live["Entity"] == "Campaign · Loyalty Members — Win-back"
    assert jpy_live["Change"] == "Daily budget: ¥11,250 → ¥12,000"
    assert jpy_live["When"].endswith(" JST")  # Asia/Tokyo

    # it fits what a 1280×800 screen leaves, and no essential text is cut
    hint = dialog.minimumSizeHint()
    assert hint.width() <= 1240 and hint.height() <= 730, hint
    dialog.resize(1240, 720)
    qtbot.wait(100)  # the rows are fitted again after the columns move
    metrics = dialog.table.fontMetrics()
    header = dialog.table.horizontalHeader()
    who = header.sectionSize(audit_rows.WHO_COLUMN)
    for r, row in enumerate(rows):
        assert metrics.horizontalAdvance(row["Who"]) <= who  # an email is never cut in two
        lines = row["Change"].count("\n") + 1
        assert dialog.table.rowHeight(r) >= lines * metrics.lineSpacing()
    assert dialog.table.rowHeight(rows.index(eur_live)) > dialog.table.rowHeight(
        rows.index(jpy_live)
    )  # two fields, two lines

    # the detail pane keeps the exact request and response for experts
    dialog.table.selectRow(rows.index(eur_live))
    detail = dialog.detail.toPlainText()
    assert "Daily budget: €50.00 → €55.00" in detail and "Europe/Warsaw" in detail
    assert f"PUT /adaccounts/{eur.id}/campaigns" in detail and "Idempotency-Key: " in detail
    assert '"daily_budget_micro": 55000000' in detail

    # filters narrow the rows
    dialog.account_combo.setCurrentIndex(dialog.account_combo.findData(jpy.id))
    assert {r["Ad account"] for r in table(dialog)} == {jpy.name} and len(table(dialog)) == 2
    dialog.account_combo.setCurrentIndex(0)
    dialog.mode_combo.setCurrentIndex(dialog.mode_combo.findData("live"))
    assert {r["Mode"] for r in table(dialog)} == {"Live"} and len(table(dialog)) == 2
    dialog.mode_combo.setCurrentIndex(0)
    dialog.result_combo.setCurrentIndex(dialog.result_combo.findData("dry-run"))
    assert {r["Outcome"] for r in table(dialog)} == {"Dry-run"}
    dialog.result_combo.setCurrentIndex(0)
    QTest.keyClicks(dialog.entity_edit, "clearance")  # by name, any case
    qtbot.waitUntil(lambda: len(table(dialog)) == 2)
    assert {r["Entity"] for r in table(dialog)} == {"Campaign · Clearance Audit"}
    dialog.entity_edit.setText(loyalty.id)  # by id
    qtbot.waitUntil(lambda: {r["Entity"] for r in table(dialog)} == {jpy_live["Entity"]})
    dialog.entity_edit.clear()
    qtbot.waitUntil(lambda: len(table(dialog)) == 4)
    today = date.today()
    dialog.set_date_range(today + timedelta(days=3), today + timedelta(days=9))
    assert table(dialog) == [] and dialog.count_label.text() == "0 entries"
    dialog.set_date_range(today - timedelta(days=2), today + timedelta(days=2))
    assert len(table(dialog)) == 4
    dialog.set_date_range(None, None)

    # CSV: the same columns and values as the table, one line per field change
    exported = dialog.export_to(tmp_path / "audit.csv")
    with exported.open(encoding="utf-8-sig", newline="") as fh:
        lines = list(csv.reader(fh))
    assert tuple(lines[0]) == audit_rows.COLUMNS
    shown = table(dialog)
    by_id: dict[str, list[dict[str, str]]] = {}
    for line in lines[1:]:
        by_id.setdefault(line[0], []).append(dict(zip(audit_rows.COLUMNS, line, strict=True)))
    assert set(by_id) == {r["#"] for r in shown}
    for row in shown:
        lines_of_row = by_id[row["#"]]
        assert "\n".join(line["Change"] for line in lines_of_row) == row["Change"]
        for line in lines_of_row:
            assert {k: v for k, v in line.items() if k != "Change"} == {
                k: v for k, v in row.items() if k != "Change"
            }
    assert len(by_id[eur_live["#"]]) == 2  # budget and name: two lines
    assert (tmp_path / "audit.csv").stat().st_mode & 0o077 == 0  # owner-only, like other exports
    raw = dialog.export_to(tmp_path / "audit.json").read_text(encoding="utf-8")
    assert '"request_body"' in raw and '"profile": "default"' in raw
    with pytest.raises(ValueError, match=r"\.csv or \.json"):
        dialog.export_to(tmp_path / "audit.txt")


def test_a_post_snap_refuses_shows_snaps_message(
    qtbot: QtBot, window: MainWindow, synced: Store, server: SandboxServer
) -> None:
    eur = account_in(synced, "EUR")
    clearance = campaign_named(synced, eur, "Clearance — Last Chance")
    edit_campaign(qtbot, window, eur, clearance, budget="56")
    message = "Daily budget is below the minimum for this objective"
    control(
        server,
        "POST",
        "faults",
        {
            "path": f"/v1/adaccounts/{eur.id}/campaigns",
            "method": "PUT",
            "status": 400,
            "body": {
                "request_status": "ERROR",
                "request_id": "fault",
                "debug_message": message,
                "display_message": "We're sorry, but the request could not be completed",
                "error_code": "E2002",
            },
        },
    )
    try:
        window.editing.set_live(True)
        post(qtbot, window)
    finally:
        control(server, "DELETE", "faults")
    dialog = window.editing.open_audit_log()
    [row] = table(dialog)
    assert row["Outcome"].startswith("Failed: ") and message in row["Outcome"]
    assert row["Change"] == "Daily budget: €50.00 → €56.00"
    assert row["Entity"] == "Campaign · Clearance — Last Chance" and row["Mode"] == "Live"
    dialog.table.selectRow(0)
    assert message in dialog.detail.toPlainText()


def test_old_entries_read_well_after_a_revert_and_a_delete(
    qtbot: QtBot, window: MainWindow, synced: Store, qtmodeltester: Any
) -> None:
    """Entries are derived when shown: a change reverted after its dry run still shows its diff
    (against the cache); an entity deleted since keeps its name with "(deleted)"."""
    usd = usd_account(synced)
    spring = campaign_named(synced, usd, "Spring Sale US 18-34")  # $200.00 a day
    edit_campaign(qtbot, window, usd, spring, budget="210")
    post(qtbot, window)  # dry-run
    edits = window.editing.edits
    edits.undo()  # the change is gone from the pending set; its audit entry stays
    window.state.poll()
    assert ChangeRepository(synced).list() == []
    edits.delete([(CAMPAIGN, spring.id)])
    window.state.poll()
    window.editing.set_live(True)
    post(qtbot, window)
    assert synced.get(CAMPAIGN, spring.id) is None

    dialog = window.editing.open_audit_log()
    rows = table(dialog)
    rehearsed = only(rows, Mode="Dry-run")
    assert rehearsed["Change"] == "Daily budget: $200.00 → $210.00"
    assert rehearsed["Entity"] == "Campaign · Spring Sale US 18-34 (deleted)"
    deleted = only(rows, Mode="Live")
    assert deleted["Change"] == "Deleted" and deleted["Outcome"] == "OK"
    assert deleted["Entity"] == "Campaign · Spring Sale US 18-34 (deleted)"
    qtmodeltester.check(dialog.model)


def test_who_is_the_logins_email_from_profiles(qtbot: QtBot, synced: Store, qloop: Any) -> None:
    """An entry written by the CLI or an older version names only the profile key; the dialog
    shows the email profiles.json keeps for that login."""
    from snapdesk.api import Me
    from snapdesk.auth.profiles import AccessSummary
    from snapdesk.ui.views.audit_log import session_who

    session = Session(store=synced, loop=qloop, profile="agency")
    session.profiles.add("agency")
    me = Me.model_validate({"id": "u-1", "email": "ops@agency.example"})
    session.profiles.record_access("agency", AccessSummary(me=me, organizations=[]))
    who = session_who(session)
    assert who("agency") == "ops@agency.example"
    assert who("someone") == "someone" and who(None) == "—"


def _entry(**kw: Any) -> Any:
    from snapdesk.changes import AuditEntry

    base: dict[str, Any] = {
        "id": 1,
        "at": "2026-07-01T12:00:00.000Z",
        "profile": "default",
        "mode": "live",
        "ad_account_id": None,
        "change_id": None,
        "kind": CAMPAIGN,
        "entity_id": "cmp-gone",
        "action": "update",
        "method": "PUT",
        "path": "/adaccounts/x/campaigns",
        "request_body": None,
        "idempotency_key": "k",
        "response_status": None,
        "response_excerpt": None,
        "result": "ok",
    }
    return AuditEntry(**{**base, **kw})


def test_outcome_messages_values_and_formula_safe_csv(store: Store, tmp_path: Path) -> None:
    """Hostile and odd entries: Snap's words first, why a change was blocked or skipped, the
    fields of a conflict, an entity with no record left, and names a spreadsheet would run."""
    reader = audit_rows.AuditReader(store)
    failed = reader.row(
        _entry(
            result="failed",
            response_excerpt="Snap rejected the request (E2002): Budget too low",
        ),
        None,
    )
    assert failed.outcome_text == "Failed: Budget too low (E2002)"
    blocked = reader.row(
        _entry(result="blocked", response_excerpt="check changes: bid_micro: above the budget"),
        None,
    )
    assert blocked.outcome_text == "Blocked: Check changes: Bid: above the budget"
    conflict = reader.row(
        _entry(
            result="conflict",
            response_excerpt='{"conflicts":[{"field":"status","base":"ACTIVE","mine":"PAUSED",'
            '"theirs":"ARCHIVED"}]}',
        ),
        None,
    )
    assert conflict.outcome_text == "Conflict: changed on Snap too: Status is Archived on Snap"
    body = {"campaigns": [{"id": "cmp-gone", "name": '=HYPERLINK("http://x","y")'}]}
    gone = reader.row(_entry(request_body=body, ad_account_id="=1+2"), None)
    assert gone.entity == 'Campaign · =HYPERLINK("http://x","y") (deleted)'
    assert gone.change_text == "Updated (earlier values not recorded: see the request)"
    assert gone.when == "2026-07-01 12:00:00 UTC" and gone.who == "default"
    [header, line] = list(csv.reader(audit_rows.rows_to_csv([gone]).splitlines()))
    cells = dict(zip(header, line, strict=True))
    assert cells["Ad account"] == "'=1+2"  # neutralised: a spreadsheet shows it, never runs it
    assert cells["Entity"] == gone.entity  # starts with the kind: nothing to neutralise
    with pytest.raises(ValueError, match=r"\.csv"):
        audit_rows.export_rows_csv([gone], tmp_path / "audit.xlsx")
    assert not (tmp_path / "audit.xlsx").exists()

    value = audit_rows.readable_value
    assert value("bid_micro", 1_500_000_000, currency="JPY", timezone=None) == "¥1,500"
    assert value("daily_budget_micro", 55_000_000, currency="EUR", timezone=None) == "€55.00"
    assert value("objective", "WEB_CONVERSION", currency=None, timezone=None) == "Web conversion"
    when = value("start_time", "2026-07-01T12:00:00Z", currency=None, timezone="Asia/Tokyo")
    assert when == "1 Jul 2026, 21:00 JST"
    assert value("targeting", {"geos": [{"country_code": "de"}]}, currency=None, timezone=None) == (
        "Countries: DE"
    )
    assert value("name", None, currency=None, timezone=None) == "not set"
