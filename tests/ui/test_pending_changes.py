"""The Pending Changes panel: grouping, diff, request preview, revert/undo/redo, export; and the
bulk actions that fill it (budget preview, rename, delete confirmation)."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from snapdesk.changes import EditService
from snapdesk.changes.mode import LiveMode
from snapdesk.core.kinds import AD_SQUAD, CAMPAIGN
from snapdesk.store import Store
from snapdesk.ui.app_state import app_state
from snapdesk.ui.models.changes import PendingChangesModel
from snapdesk.ui.views.bulk_actions import BulkActions, describe_items
from snapdesk.ui.views.pending_changes import PendingChangesPanel
from tests.ui import data


@pytest.fixture
def edits(filled_store: Store) -> EditService:
    return EditService(store=filled_store)


def panel_for(qtbot: QtBot, edits: EditService) -> PendingChangesPanel:
    session = SimpleNamespace(store=edits.store, live_mode=LiveMode())
    panel = PendingChangesPanel(edits, state=app_state(session))
    qtbot.addWidget(panel)
    panel.resize(1100, 520)
    return panel


def diff_rows(panel: PendingChangesPanel) -> list[tuple[str, str, str]]:
    table = panel.diff_table
    return [
        tuple(table.item(r, c).text() for c in range(3))  # type: ignore[misc]
        for r in range(table.rowCount())
    ]


def test_model_passes_the_model_tester(qtmodeltester: object, edits: EditService) -> None:
    edits.edit(kind=CAMPAIGN, entity_id="cmp-us-spring", fields={"name": "A"})
    edits.pause(["cmp-jp-tokyo"])
    model = PendingChangesModel(edits.store)
    model.set_changes(edits.pending())
    qtmodeltester.check(model)  # type: ignore[attr-defined]


def test_panel_groups_by_account_and_shows_diff_and_request(
    qtbot: QtBot, edits: EditService
) -> None:
    panel = panel_for(qtbot, edits)
    assert panel.stack.currentWidget() is panel.empty_page
    edits.edit(
        kind=CAMPAIGN,
        entity_id="cmp-us-spring",
        fields={"name": "Spring Sale 2", "daily_budget_micro": 15_250_000},
    )
    edits.pause(["cmp-jp-tokyo"])
    panel.refresh()
    model = panel.model
    assert panel.count_label.text() == "Pending changes (2)"
    accounts = [model.index(r, 0).data() for r in range(model.rowCount())]
    assert accounts == ["Acme US  (1 item)", "Acme Japan  (1 item)"]
    us = model.index(0, 0)
    entity = model.index(0, 0, us)
    assert entity.data() == "Δ  Campaign · Spring Sale 2"
    assert entity.siblingAtColumn(1).data() == "Pending"
    assert model.data(entity, Qt.ItemDataRole.FontRole).bold()  # bold = not posted yet

    panel.tree.setCurrentIndex(entity)
    assert ("Name", "Spring Sale", "Spring Sale 2") in diff_rows(panel)
    assert ("Daily budget", "$12.50", "$15.25") in diff_rows(panel)
    preview = panel.request_view.toPlainText()
    change = edits.pending()[0]
    assert preview.startswith(f"PUT /v1/adaccounts/{data.US}/campaigns\n")
    assert f"Idempotency-Key: {change.idempotency_key}" in preview
    body = json.loads(preview.split("\n\n", 1)[1])
    assert body == change.request.body and body["campaigns"][0]["name"] == "Spring Sale 2"
    assert panel.state_chip.text() == "Pending"

    jp = model.index(1, 0)
    panel.tree.setCurrentIndex(model.index(0, 0, jp))
    assert diff_rows(panel) == [("Status", "ACTIVE", "PAUSED")]


def test_revert_undo_redo_update_the_panel(qtbot: QtBot, edits: EditService) -> None:
    panel = panel_for(qtbot, edits)
    edits.edit(kind=CAMPAIGN, entity_id="cmp-us-spring", fields={"name": "One"})
    edits.edit(kind=CAMPAIGN, entity_id="cmp-us-brand", fields={"name": "Two"})
    panel.refresh()
    assert len(panel.changes) == 2
    assert panel.undo_action.text() == "Undo Edit campaign"
    assert not panel.redo_action.isEnabled()

    panel.select_change(panel.changes[0].id)
    with qtbot.waitSignal(panel.changes_modified):
        panel.revert_button.click()
    assert [c.label for c in panel.changes] == ["Two"]

    panel.undo()  # undoes the revert
    assert {c.label for c in panel.changes} == {"One", "Two"}
    assert panel.redo_action.isEnabled() and panel.redo_action.text().startswith("Redo Revert")
    panel.undo()  # undoes the second edit
    assert [c.label for c in panel.changes] == ["One"]
    panel.redo()
    assert {c.label for c in panel.changes} == {"One", "Two"}
    assert panel.undo_action.shortcut().toString() == "Ctrl+Z"
    assert panel.redo_action.shortcut().toString() == "Ctrl+Shift+Z"
    panel.undo_action.trigger()
    assert len(panel.changes) == 1


def test_export_writes_json_and_csv(qtbot: QtBot, edits: EditService, tmp_path: Path) -> None:
    panel = panel_for(qtbot, edits)
    edits.pause(["cmp-us-spring", "sq-us-1"])
    panel.refresh()
    target = panel.export_to(tmp_path / "changes.json")
    exported = json.loads(target.read_text())
    assert len(exported) == 2
    csv_text = panel.export_to(tmp_path / "changes.csv").read_text()
    assert csv_text.splitlines()[0].startswith("id,seq,state")


def test_post_button_asks_for_all_or_selected(qtbot: QtBot, edits: EditService) -> None:
    panel = panel_for(qtbot, edits)
    edits.pause(["cmp-us-spring"])
    panel.refresh()
    assert panel.post_button.text() == "Post (dry-run)"
    with qtbot.waitSignal(panel.post_requested) as signal:
        panel.post_button.click()
    assert signal.args == [None]
    panel._state.live_mode.set(True)  # the owner switches; the panel only reflects it
    assert panel.post_button.text() == "Post live"
    panel.select_change(panel.changes[0].id)
    with qtbot.waitSignal(panel.post_requested) as signal:
        panel.post_selected_action.trigger()
    assert signal.args == [[panel.changes[0].id]]


# -- bulk actions --------------------------------------------------------------------------


def test_bulk_budget_preview_shows_old_and_new(qtbot: QtBot, edits: EditService) -> None:
    host = QWidget()
    qtbot.addWidget(host)
    bulk = BulkActions(edits, parent_widget=host)
    bulk.set_selection(
        [(CAMPAIGN, "cmp-us-spring"), (CAMPAIGN, "cmp-jp-tokyo"), (AD_SQUAD, "sq-us-1")]
    )
    assert bulk.budget_action.isEnabled() and bulk.bid_action.isEnabled()
    dialog = bulk.change_budgets()
    dialog.set_percent("+10")
    rows = [
        tuple(dialog.table.item(r, c).text() for c in range(4))
        for r in range(dialog.table.rowCount())
    ]
    assert rows == [
        ("Campaign · Spring Sale", "daily budget", "$12.50", "$13.75"),
        ("Campaign · Tokyo Launch", "daily budget", "¥5,000", "¥5,500"),
        ("Ad squad · US 18-34", "daily budget", "$20.00", "$22.00"),
    ]
    assert dialog.apply_button.isEnabled()
    with qtbot.waitSignal(bulk.changes_made) as signal:
        dialog.apply_button.click()
    assert len(signal.args[0].changes) == 3
    squad = next(c for c in edits.pending() if c.entity_id == "sq-us-1")
    assert [(d.field, d.before, d.after) for d in squad.diff] == [
        ("daily_budget_micro", 20_000_000, 22_000_000)
    ]


def test_bulk_budget_value_below_minimum_is_flagged(qtbot: QtBot, edits: EditService) -> None:
    host = QWidget()
    qtbot.addWidget(host)
    bulk = BulkActions(edits, parent_widget=host)
    bulk.set_selection([(AD_SQUAD, "sq-us-1")])
    dialog = bulk.change_budgets()
    dialog.set_value("4")
    assert "at least 5" in dialog.table.item(0, 4).text()
    assert not dialog.apply_button.isEnabled()


def test_bulk_bids_skip_auto_bid(qtbot: QtBot, edits: EditService) -> None:
    host = QWidget()
    qtbot.addWidget(host)
    bulk = BulkActions(edits, parent_widget=host)
    bulk.set_selection([(AD_SQUAD, "sq-us-1")])
    dialog = bulk.change_bids()
    dialog.set_value("2.00")
    assert "AUTO_BID" in dialog.table.item(0, 4).text()
    assert not dialog.apply_button.isEnabled()


def test_bulk_rename_previews_find_and_replace(qtbot: QtBot, edits: EditService) -> None:
    host = QWidget()
    qtbot.addWidget(host)
    bulk = BulkActions(edits, parent_widget=host)
    bulk.set_selection([(CAMPAIGN, "cmp-us-spring"), (CAMPAIGN, "cmp-us-brand")])
    dialog = bulk.rename()
    dialog.find_edit.setText("Spring")
    dialog.replace_edit.setText("Autumn")
    dialog.update_preview()
    assert [(p.old_name, p.new_name) for p in dialog.previews] == [("Spring Sale", "Autumn Sale")]
    assert dialog.table.item(0, 2).text() == "Autumn Sale"
    dialog.apply_button.click()
    assert [c.label for c in edits.pending()] == ["Autumn Sale"]


def test_bulk_pause_resume_duplicate_and_confirmed_delete(qtbot: QtBot, edits: EditService) -> None:
    host = QWidget()
    qtbot.addWidget(host)
    bulk = BulkActions(edits, parent_widget=host)
    bulk.set_selection([(CAMPAIGN, "cmp-us-spring"), (AD_SQUAD, "sq-us-1")])
    assert bulk.pause_action.text() == "Pause 1 campaign and 1 ad squad"
    assert not bulk.duplicate_action.isEnabled()
    bulk.pause_action.trigger()
    assert {c.action for c in edits.pending()} == {"pause"}

    box = bulk.confirm_delete()
    assert isinstance(box, QMessageBox)
    assert box.text() == "Delete 1 campaign and 1 ad squad?"
    box.reject()
    assert {c.action for c in edits.pending()} == {"pause"}
    box = bulk.confirm_delete()
    assert box is not None
    delete_button = next(b for b in box.buttons() if b.text().startswith("Delete"))
    with qtbot.waitSignal(bulk.changes_made):
        delete_button.click()
    assert {c.action for c in edits.pending()} == {"delete"}

    bulk.set_selection([(CAMPAIGN, "cmp-us-brand")])
    assert bulk.duplicate_action.isEnabled()
    group = bulk.duplicate()
    assert group is not None and group.changes[0].action == "create"
    assert group.changes[0].label == "Brand Lift (copy)"
    assert describe_items([(CAMPAIGN, "a"), (CAMPAIGN, "b")]) == "2 campaigns"


# -- audit log -----------------------------------------------------------------------------


def test_audit_log_filters_and_exports(
    qtbot: QtBot,
    qapp: object,
    qloop: object,
    edits: EditService,
    tmp_path: Path,
) -> None:
    from snapdesk.changes import WriteGateway
    from snapdesk.ui import audit_rows
    from snapdesk.ui.views.audit_log import AuditLogDialog
    from tests.ui.helpers import run_in_loop

    edits.pause(["cmp-us-spring"])
    edits.pause(["cmp-jp-tokyo"])
    gateway = WriteGateway(api=None, store=edits.store, live=False, profile="default")
    run_in_loop(qapp, qloop, gateway.post())  # type: ignore[arg-type]
    dialog = AuditLogDialog(edits.store)
    qtbot.addWidget(dialog)
    assert dialog.model.rowCount() == 2
    assert dialog.count_label.text() == "2 entries"
    dialog.account_combo.setCurrentIndex(dialog.account_combo.findData(data.JP))
    assert dialog.model.rowCount() == 1
    assert dialog.model.index(0, audit_rows.ACCOUNT_COLUMN).data() == "Acme Japan"
    assert dialog.model.index(0, audit_rows.MODE_COLUMN).data() == "Dry-run"
    assert dialog.model.index(0, audit_rows.CHANGE_COLUMN).data() == "Status: Active → Paused"
    dialog.table.selectRow(0)
    assert "Idempotency-Key:" in dialog.detail.toPlainText()
    dialog.account_combo.setCurrentIndex(0)
    dialog.mode_combo.setCurrentIndex(dialog.mode_combo.findData("live"))
    assert dialog.model.rowCount() == 0
    dialog.mode_combo.setCurrentIndex(0)
    dialog.entity_edit.setText("cmp-us-spring")
    dialog.reload()
    assert dialog.model.rowCount() == 1
    csv_path = dialog.export_to(tmp_path / "audit.csv")
    assert len(csv_path.read_text(encoding="utf-8-sig").splitlines()) == 2
    exported = json.loads(dialog.export_to(tmp_path / "audit.json").read_text())
    assert [e["mode"] for e in exported] == ["dry-run"]
