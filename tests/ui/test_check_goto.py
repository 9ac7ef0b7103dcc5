"""Go to from Check changes (issue 16): the Pending Changes panel marks rows with their findings
(error or warning icon, the messages as tooltip) and emits `go_to_requested(kind, entity_id,
field)` when a finding or a row is double-clicked or Go to is pressed; the results dialog (F7's
Check changes, or a blocked post) does the same from its findings table."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import QApplication, QToolTip, QWidget
from pytestqt.qtbot import QtBot

from snapdesk.changes import Change, EditService
from snapdesk.changes.mode import LiveMode
from snapdesk.changes.model import CheckIssue, GuardViolation, PostReport
from snapdesk.core.kinds import AD_SQUAD, CAMPAIGN
from snapdesk.store import Store
from snapdesk.ui.app_state import app_state
from snapdesk.ui.dialogs.post_results import GO_TO_COLUMN, GO_TO_TEXT, PostResultsDialog
from snapdesk.ui.views.pending_changes import PendingChangesPanel, _IssueMarkerDelegate
from tests.ui import data


@pytest.fixture
def edits(filled_store: Store) -> EditService:
    return EditService(store=filled_store)


def queue_draft(edits: EditService) -> tuple[Change, Change]:
    """A new campaign and, under it (a `$ref:`), a new ad squad queued as a draft: no countries
    (an error when posting) and a pixel goal without a pixel (a warning)."""
    campaign = edits.create_campaign(
        ad_account_id=data.US, fields={"name": "Launch", "objective": "WEB_CONVERSION"}
    ).changes[0]
    squad = edits.create_ad_squad(
        campaign_id=campaign.entity_id,
        fields={
            "name": "No countries",
            "optimization_goal": "PIXEL_PURCHASE",
            "daily_budget_micro": 20_000_000,
        },
    ).changes[0]
    return campaign, squad


def make_panel(qtbot: QtBot, edits: EditService) -> PendingChangesPanel:
    session = SimpleNamespace(store=edits.store, live_mode=LiveMode())
    panel = PendingChangesPanel(edits, state=app_state(session))
    qtbot.addWidget(panel)
    panel.resize(1200, 600)
    panel.show()
    return panel


def double_click(qtbot: QtBot, widget: QWidget, pos: QPoint) -> None:
    """A real double-click: item views act on a double-click only after a press on the same
    item (QTest's double-click event alone is not one)."""
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=pos)
    qtbot.mouseDClick(widget, Qt.MouseButton.LeftButton, pos=pos)


def row_rect(panel: PendingChangesPanel, change_id: str) -> tuple[object, QPoint]:
    index = panel.model.index_of_change(change_id)
    assert index.isValid()
    return index, panel.tree.visualRect(index).center()


def test_rows_carry_error_and_warning_markers_with_the_messages_as_tooltip(
    qtbot: QtBot, edits: EditService
) -> None:
    campaign, squad = queue_draft(edits)
    panel = make_panel(qtbot, edits)
    assert isinstance(panel.tree.itemDelegateForColumn(0), _IssueMarkerDelegate)
    squad_index, center = row_rect(panel, squad.id)
    found = [(i.severity, i.code, i.field) for i in panel.issues_at(squad_index)]
    assert found == [
        ("error", "geos_required", "targeting.geos"),
        ("warning", "pixel_required", "pixel_id"),
    ]
    campaign_index, _ = row_rect(panel, campaign.id)
    assert panel.issues_at(campaign_index) == []

    QToolTip.hideText()
    viewport = panel.tree.viewport()
    event = QHelpEvent(QEvent.Type.ToolTip, center, viewport.mapToGlobal(center))
    QApplication.sendEvent(viewport, event)
    qtbot.waitUntil(lambda: "Target at least one country" in QToolTip.text(), timeout=2000)
    assert "Error · Targeting · Locations: Target at least one country" in QToolTip.text()
    assert "Warning · Pixel id: PIXEL_PURCHASE optimizes for events of a Snap Pixel" in (
        QToolTip.text()
    )
    QToolTip.hideText()


def test_double_click_a_finding_in_the_pending_panel_emits_go_to(
    qtbot: QtBot, edits: EditService
) -> None:
    _, squad = queue_draft(edits)
    panel = make_panel(qtbot, edits)
    panel.select_change(squad.id)
    assert panel.issues_box.isVisible() and panel.issue_list.count() == 2
    item = panel.issue_list.item(0)
    assert item.text().startswith("Targeting · Locations: Target at least one country")
    rect = panel.issue_list.visualItemRect(item)
    with qtbot.waitSignal(panel.go_to_requested, timeout=2000) as signal:
        double_click(qtbot, panel.issue_list.viewport(), rect.center())
    assert signal.args == [AD_SQUAD, squad.entity_id, "targeting.geos"]
    assert squad.entity_id.startswith("new-")  # a pending create: the grid's row of the draft


def test_the_go_to_button_takes_the_selected_finding(qtbot: QtBot, edits: EditService) -> None:
    _, squad = queue_draft(edits)
    panel = make_panel(qtbot, edits)
    panel.select_change(squad.id)
    assert not panel.go_to_button.isEnabled()
    panel.issue_list.setCurrentRow(1)
    assert panel.go_to_button.isEnabled()
    with qtbot.waitSignal(panel.go_to_requested, timeout=2000) as signal:
        qtbot.mouseClick(panel.go_to_button, Qt.MouseButton.LeftButton)
    assert signal.args == [AD_SQUAD, squad.entity_id, "pixel_id"]


def test_double_click_a_row_goes_to_its_first_finding_or_to_the_entity(
    qtbot: QtBot, edits: EditService
) -> None:
    campaign, squad = queue_draft(edits)
    panel = make_panel(qtbot, edits)
    _, center = row_rect(panel, squad.id)
    with qtbot.waitSignal(panel.go_to_requested, timeout=2000) as signal:
        double_click(qtbot, panel.tree.viewport(), center)
    assert signal.args == [AD_SQUAD, squad.entity_id, "targeting.geos"]  # errors first
    _, center = row_rect(panel, campaign.id)
    with qtbot.waitSignal(panel.go_to_requested, timeout=2000) as signal:
        double_click(qtbot, panel.tree.viewport(), center)
    assert signal.args == [CAMPAIGN, campaign.entity_id, ""]  # no finding: the entity


def test_markers_follow_the_pending_set(qtbot: QtBot, edits: EditService) -> None:
    _, squad = queue_draft(edits)
    panel = make_panel(qtbot, edits)
    assert panel.issues_of([squad])
    edits.edit(
        kind=AD_SQUAD,
        entity_id=squad.entity_id,
        fields={"targeting": {"geos": [{"country_code": "us"}]}, "pixel_id": "px-1"},
    )
    panel.refresh()
    fixed = next(c for c in panel.changes if c.entity_id == squad.entity_id)
    assert panel.issues_of([fixed]) == []
    panel.select_change(fixed.id)
    assert not panel.issues_box.isVisible()


# -- the results dialog ---------------------------------------------------------------------------


def issue(severity: str, field: str, code: str, entity_id: str = "sq-1") -> CheckIssue:
    return CheckIssue(
        change_id="ch-" + entity_id,
        ad_account_id=data.US,
        kind=AD_SQUAD,
        entity_id=entity_id,
        name="US 18-34",
        action="update",
        field=field,
        message=f"{code} message",
        severity=severity,  # type: ignore[arg-type]
        code=code,
        remedy="Fix it",
    )


def report() -> PostReport:
    violation = GuardViolation(
        change_id="ch-sq-2",
        ad_account_id=data.US,
        kind=AD_SQUAD,
        entity_id="sq-2",
        name="EU",
        field="bid_micro",
        guard="max_bid",
        old_micro=1,
        new_micro=2,
        limit="$50.00",
        currency="USD",
        message="Ad squad 'EU': bid $60.00 is above the maximum bid $50.00",
    )
    return PostReport(
        live=False,
        check_issues=(
            issue("error", "daily_budget_micro", "budget_minimum"),
            issue("warning", "end_time", "outside_campaign", "sq-3"),
        ),
        guard_violations=(violation,),
        blocked=True,
    )


def dialog_for(qtbot: QtBot) -> PostResultsDialog:
    dialog = PostResultsDialog(report(), check_only=True)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def cell_center(dialog: PostResultsDialog, row: int, column: int) -> QPoint:
    table = dialog.issues_table
    return table.visualRect(table.model().index(row, column)).center()


def test_double_click_a_finding_in_the_results_dialog_emits_go_to(qtbot: QtBot) -> None:
    dialog = dialog_for(qtbot)
    table = dialog.issues_table
    # errors, then spend guards to confirm, then warnings
    assert [table.item(r, 0).text() for r in range(3)] == ["Error", "Confirm", "Warning"]
    assert all(table.item(r, GO_TO_COLUMN).text() == GO_TO_TEXT for r in range(3))
    with qtbot.waitSignal(dialog.go_to_requested, timeout=2000) as signal:
        double_click(qtbot, table.viewport(), cell_center(dialog, 0, 3))
    assert signal.args == [AD_SQUAD, "sq-1", "daily_budget_micro"]
    assert not dialog.isVisible()  # closed: the window is modal, the grid behind must be usable
    dialog.show()  # F7 again
    with qtbot.waitSignal(dialog.go_to_requested, timeout=2000) as signal:
        double_click(qtbot, table.viewport(), cell_center(dialog, 1, 2))
    assert signal.args == [AD_SQUAD, "sq-2", "bid_micro"]  # a spend guard points at its field
    dialog.show()
    emitted: list[tuple[str, ...]] = []
    dialog.go_to_requested.connect(lambda *args: emitted.append(args))
    double_click(qtbot, table.viewport(), cell_center(dialog, 2, 1))
    qtbot.wait(50)
    assert emitted == [(AD_SQUAD, "sq-3", "end_time")]  # once per double-click


def test_the_go_to_link_and_button_of_the_results_dialog(qtbot: QtBot) -> None:
    dialog = dialog_for(qtbot)
    table = dialog.issues_table
    with qtbot.waitSignal(dialog.go_to_requested, timeout=2000) as signal:
        qtbot.mouseClick(
            table.viewport(), Qt.MouseButton.LeftButton, pos=cell_center(dialog, 2, GO_TO_COLUMN)
        )
    assert signal.args == [AD_SQUAD, "sq-3", "end_time"]
    table.clearSelection()
    assert not dialog.go_to_button.isEnabled()
    table.selectRow(0)
    assert dialog.go_to_button.isEnabled()
    with qtbot.waitSignal(dialog.go_to_requested, timeout=2000) as signal:
        qtbot.mouseClick(dialog.go_to_button, Qt.MouseButton.LeftButton)
    assert signal.args == [AD_SQUAD, "sq-1", "daily_budget_micro"]


def test_f7_results_relay_go_to_through_the_panel(qtbot: QtBot, edits: EditService) -> None:
    _, squad = queue_draft(edits)
    panel = make_panel(qtbot, edits)
    dialog = panel.check_changes()
    assert dialog is not None and dialog.check_only
    qtbot.addWidget(dialog)
    table = dialog.issues_table
    rows = [(table.item(r, 0).text(), dialog.go_to_target(r)) for r in range(table.rowCount())]
    assert ("Error", (AD_SQUAD, squad.entity_id, "targeting.geos")) in rows
    with qtbot.waitSignal(panel.go_to_requested, timeout=2000) as signal:
        double_click(qtbot, table.viewport(), cell_center(dialog, 0, 3))
    assert signal.args == [AD_SQUAD, squad.entity_id, "targeting.geos"]
