"""The targeting editor as a marketer uses it, in the real main window against the sandbox over
loopback: pick a US ad squad in the tree, narrow it to Texas and coffee lovers by name, watch
the estimated audience shrink, apply, rehearse (nothing sent), post live, and find on Snap
exactly the new targeting with every field the editor doesn't show kept."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from snapdesk.core.kinds import AD_ACCOUNT, AD_SQUAD, CAMPAIGN, ORGANIZATION
from snapdesk.sandbox import SandboxServer
from snapdesk.store import Store
from snapdesk.ui.dialogs.post_results import PostResultsDialog
from snapdesk.ui.editors.ad_squad import AdSquadEditor
from snapdesk.ui.main_window import MainWindow
from tests.ui.changes_env import recorded, recorded_writes, server_get, usd_account

TIMEOUT = 30_000


@pytest.fixture
def window(main_window: MainWindow) -> MainWindow:
    return main_window


def _settle(qtbot: QtBot, editor: AdSquadEditor) -> tuple[int, int]:
    editor.revalidate()
    editor.estimates.flush()
    qtbot.waitUntil(lambda: editor.estimates.state not in ("", "loading"), timeout=TIMEOUT)
    assert editor.estimates.state == "ready", editor.estimate_view.state_label.text()
    return editor.estimate_view.gauge.range


def test_narrow_a_squad_by_name_watch_the_audience_and_post_it(
    qtbot: QtBot, window: MainWindow, server: SandboxServer, synced: Store
) -> None:
    account = usd_account(synced)
    campaign, squad = next(
        (c, s)
        for c in synced.campaigns(account.id)
        for s in synced.ad_squads(c.id)
        if [g.get("country_code") for g in s.data["targeting"]["geos"]] == ["us"]
        and not s.data["targeting"].get("interests")
    )
    before_on_snap = server_get(server, f"/adsquads/{squad.id}")["adsquads"][0]["adsquad"]
    path = (
        (ORGANIZATION, account.organization_id),
        (AD_ACCOUNT, account.id),
        (CAMPAIGN, campaign.id),
        (AD_SQUAD, squad.id),
    )
    window.tree.expand(window.tree.expand_path(path[:-1]))
    window.tree.select(window.model.locate(path))
    window.show_editor()
    editor = window.editing.editor_pane.current_editor
    assert isinstance(editor, AdSquadEditor)
    services = window.editing.targeting
    qtbot.waitUntil(lambda: not services.loading() and not editor.names_pending, timeout=TIMEOUT)
    assert [c.name for c in editor.location_table.choices()] == ["United States"]

    editor.goal_combo.set_value("SWIPES")
    broad = _settle(qtbot, editor)
    assert editor.estimate_view.bid_label.text().endswith("(target cost)")

    # Texas, found by its name, narrows the United States
    [texas] = editor.location_search.type_text("Texas")
    editor.location_search.choose(texas)
    texas_only = _settle(qtbot, editor)
    assert texas_only[1] < broad[1]

    # an interest found in the browser by searching
    editor.interest_browser.search_edit.setText("coffee")
    options = editor.interest_browser.visible_options()
    coffee = next(o for o in options if o.name == "Coffee Lovers")
    item = editor.interest_browser.item_for(coffee.id)
    assert item is not None
    item.setCheckState(0, Qt.CheckState.Checked)
    narrow = _settle(qtbot, editor)
    assert narrow[1] < texas_only[1]  # the gauge moves as targeting narrows

    qtbot.waitUntil(editor.apply_button.isEnabled)
    assert set(editor.changed_fields()) == {"targeting", "optimization_goal"}
    qtbot.mouseClick(editor.apply_button, Qt.MouseButton.LeftButton)
    panel = window.editing.panel
    assert panel.count_label.text() == "Pending changes (1)"

    # the grid's targeting summary shows the new audience size, from the same cache: the
    # campaign's ad squads, the edited one with its queued targeting
    window.tree.select(window.model.locate(path[:-1]))
    window.right_tabs.setCurrentWidget(window.grid)
    grid = window.grid
    qtbot.waitUntil(lambda: grid.model.row_for(squad.id) is not None, timeout=TIMEOUT)
    row = grid.model.row_for(squad.id)
    assert row is not None
    qtbot.waitUntil(lambda: row.reach is not None, timeout=TIMEOUT)
    assert (row.reach.minimum, row.reach.maximum) == narrow
    index = grid.model.index_for(squad.id, "targeting")
    assert "≈" in index.data() and "1 interest" in index.data()

    # dry-run: nothing reaches Snap (the estimates are reads: POSTed specs, nothing stored)
    with qtbot.waitSignal(window.editing.flow.finished, timeout=TIMEOUT):
        qtbot.mouseClick(window.post_button, Qt.MouseButton.LeftButton)
    assert recorded_writes(server) == []  # the estimates are reads, not counted
    results = window.editing.flow.dialog
    assert isinstance(results, PostResultsDialog)
    results.accept()

    # live: exactly the new targeting, and every field the editor doesn't show kept
    qtbot.mouseClick(window.live_switch, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: window.editing.live_dialog is not None and window.editing.live_dialog.isVisible()
    )
    dialog = window.editing.live_dialog
    assert dialog is not None
    qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(window.editing.flow.finished, timeout=TIMEOUT):
        qtbot.mouseClick(window.post_button, Qt.MouseButton.LeftButton)
    [put] = [r for r in recorded(server) if r["method"] == "PUT"]
    assert put["path"].endswith(f"/campaigns/{campaign.id}/adsquads")
    on_snap = server_get(server, f"/adsquads/{squad.id}")["adsquads"][0]["adsquad"]
    targeting = on_snap["targeting"]
    assert targeting["geos"] == [
        {"country_code": "us", "region_id": ["44"], "operation": "INCLUDE"}
    ]
    assert targeting["interests"] == [{"category_id": [coffee.id], "operation": "INCLUDE"}]
    assert on_snap["optimization_goal"] == "SWIPES"
    for kept in ("demographics", "regulated_content", "auto_expansion_options", "devices"):
        assert targeting.get(kept) == before_on_snap["targeting"].get(kept), kept
    qtbot.waitUntil(lambda: panel.count_label.text() == "Pending changes")
