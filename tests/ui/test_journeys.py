"""User journeys through the real main window against the sandbox over loopback (issue 13).

Each test clicks, types and presses keys the way a user does and then checks two things: what
the user sees (labels, counts, the switch, the banner, every Post button, other windows) and
what Snap (the sandbox) holds. These are the tests that would have caught the seams where the
safety promise broke: a switch that showed LIVE after "Stay in dry-run", a segment queued in
Audiences that the main window never showed, a stale budget after "keep theirs", a second
campaign after an ambiguous failure, and changes queued or posted by another process.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from snapdesk.core.kinds import AD_ACCOUNT, AD_SQUAD, CAMPAIGN, ORGANIZATION
from snapdesk.sandbox import SandboxServer
from snapdesk.store import Store
from snapdesk.ui import theme
from snapdesk.ui.dialogs.conflicts import ConflictsDialog
from snapdesk.ui.dialogs.live_mode import GuardViolationsDialog, LiveModeDialog
from snapdesk.ui.dialogs.post_results import PostResultsDialog
from snapdesk.ui.editors.campaign import CampaignEditor
from snapdesk.ui.main_window import WINDOW_TITLE, MainWindow
from snapdesk.ui.models.changes import STATE_COLUMN
from snapdesk.ui.views.audiences import AudiencesPage
from snapdesk.ui.views.conversions import ConversionsPage
from tests.ui.changes_env import (
    control,
    recorded,
    recorded_writes,
    server_get,
    server_put,
    usd_account,
)

REPO = Path(__file__).resolve().parents[2]
TIMEOUT = 20_000


@pytest.fixture
def window(main_window: MainWindow) -> MainWindow:
    return main_window


def press(qtbot: QtBot, widget: QWidget, sequence: str) -> None:
    """Type `sequence` into `widget` with its window active, as the keyboard would."""
    window = widget.window()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    widget.setFocus()
    key = QKeySequence(sequence)[0]
    QTest.keyClick(QApplication.focusWidget() or widget, key.key(), key.keyboardModifiers())


def select(window: MainWindow, account: Any, *rest: tuple[str, str]) -> None:
    path = ((ORGANIZATION, account.organization_id), (AD_ACCOUNT, account.id), *rest)
    window.tree.expand(window.tree.expand_path(path[:-1]))
    window.tree.select(window.model.locate(path))


def live_dialog(qtbot: QtBot, window: MainWindow) -> LiveModeDialog:
    qtbot.waitUntil(
        lambda: window.editing.live_dialog is not None and window.editing.live_dialog.isVisible()
    )
    dialog = window.editing.live_dialog
    assert dialog is not None
    return dialog


def assert_everyone_agrees(window: MainWindow, live: bool, *others: QWidget) -> None:
    """Every place that shows or uses the mode says the same as its one owner."""
    editing = window.editing
    assert window.session.live_mode.live is live
    assert editing.live is live
    assert editing.live_action.isChecked() is live
    switch = window.live_switch
    assert switch.shows_live is live, switch.text()
    danger = theme.colors().danger
    assert (danger in switch.styleSheet()) is live
    assert editing.live_banner.isVisible() is live
    assert editing.post_action.text() == ("Post live" if live else "Post (dry-run)")
    assert editing.panel.post_button.text() == ("Post live" if live else "Post (dry-run)")
    assert window.windowTitle() == (f"{WINDOW_TITLE} — LIVE" if live else WINDOW_TITLE)
    assert window.experiment_runner._session.live_mode.live is live
    for other in others:
        if isinstance(other, AudiencesPage):
            assert other.live() is live
        elif isinstance(other, ConversionsPage):
            assert other.is_live() is live
            assert other.send_button.text() == ("Send" if live else "Send (dry-run)")


# ------------------------------------------------------------------------------ live mode


def test_every_way_of_switching_live_mode_agrees_with_the_owner(
    qtbot: QtBot, window: MainWindow, server: SandboxServer
) -> None:
    window.tools_menu.actions()[0].trigger()  # Tools → Audiences… (another window)
    audiences = next(w for w in QApplication.topLevelWidgets() if isinstance(w, AudiencesPage))
    qtbot.addWidget(audiences)
    window.tools_menu.actions()[2].trigger()  # Tools → Conversions API…
    conversions = next(w for w in QApplication.topLevelWidgets() if isinstance(w, ConversionsPage))
    qtbot.addWidget(conversions)
    others = (audiences, conversions)
    assert_everyone_agrees(window, False, *others)

    # 1. The toolbar switch: nothing turns red before the user confirms; declining keeps it off.
    qtbot.mouseClick(window.live_switch, Qt.MouseButton.LeftButton)
    dialog = live_dialog(qtbot, window)
    assert_everyone_agrees(window, False, *others)
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)  # "Stay in dry-run"
    assert_everyone_agrees(window, False, *others)

    # 2. The shortcut, declined with Escape.
    press(qtbot, window.tree, "Ctrl+Shift+L")
    dialog = live_dialog(qtbot, window)
    assert_everyone_agrees(window, False, *others)
    QTest.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert_everyone_agrees(window, False, *others)

    # 3. The command palette, accepted.
    palette = window.help_actions.open_palette()
    qtbot.waitUntil(palette.isVisible)
    QTest.keyClicks(palette.search_edit, "live mode")
    QTest.keyClick(palette.search_edit, Qt.Key.Key_Return)
    dialog = live_dialog(qtbot, window)
    assert_everyone_agrees(window, False, *others)
    qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)
    assert_everyone_agrees(window, True, *others)

    # 4. Back to dry-run from the toolbar: no confirmation needed.
    qtbot.mouseClick(window.live_switch, Qt.MouseButton.LeftButton)
    assert_everyone_agrees(window, False, *others)

    # 5. The Edit menu's action, accepted; then the shortcut switches it off at once.
    window.editing.live_action.trigger()
    qtbot.mouseClick(live_dialog(qtbot, window).confirm_button, Qt.MouseButton.LeftButton)
    assert_everyone_agrees(window, True, *others)
    press(qtbot, window.tree, "Ctrl+Shift+L")
    assert_everyone_agrees(window, False, *others)

    # 6. Another window switching the owner (e.g. a future control there) is reflected too.
    window.session.live_mode.set(True)
    assert_everyone_agrees(window, True, *others)
    window.session.live_mode.set(False)
    assert_everyone_agrees(window, False, *others)
    assert [r for r in recorded(server) if r["method"] != "GET"] == []
    audiences.close()
    conversions.close()


# ------------------------------------------------------------------------------ edit → post


def test_edit_then_dry_run_then_declined_then_live_post_journey(
    qtbot: QtBot, window: MainWindow, server: SandboxServer, synced: Store
) -> None:
    account = usd_account(synced)
    campaign = next(c for c in synced.campaigns(account.id) if c.status == "ACTIVE")
    select(window, account, (CAMPAIGN, campaign.id))
    window.show_editor()
    editor = window.editing.editor_pane.current_editor
    assert isinstance(editor, CampaignEditor)
    editor.name_edit.clear()
    QTest.keyClicks(editor.name_edit, "Journey rename")
    qtbot.waitUntil(editor.apply_button.isEnabled)
    qtbot.mouseClick(editor.apply_button, Qt.MouseButton.LeftButton)

    panel = window.editing.panel
    assert panel.count_label.text() == "Pending changes (1)"
    assert window.post_button.isEnabled()
    assert window.post_button.text() == "Post (dry-run)"
    index = window.model.locate(
        ((ORGANIZATION, account.organization_id), (AD_ACCOUNT, account.id), (CAMPAIGN, campaign.id))
    )
    assert index.data().startswith("Δ ")

    # Dry-run: the exact request is shown, nothing reaches Snap.
    with qtbot.waitSignal(window.editing.flow.finished, timeout=TIMEOUT):
        qtbot.mouseClick(window.post_button, Qt.MouseButton.LeftButton)
    results = window.editing.flow.dialog
    assert isinstance(results, PostResultsDialog)
    assert "nothing was sent" in results.summary_label.text()
    results.accept()
    assert recorded(server) == []

    # Live confirmation declined: still dry-run, posting still rehearses.
    qtbot.mouseClick(window.live_switch, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(live_dialog(qtbot, window).cancel_button, Qt.MouseButton.LeftButton)
    assert_everyone_agrees(window, False)
    with qtbot.waitSignal(window.editing.flow.finished, timeout=TIMEOUT):
        qtbot.mouseClick(window.post_button, Qt.MouseButton.LeftButton)
    assert recorded_writes(server) == []
    window.editing.flow.dialog.accept()  # type: ignore[union-attr]

    # Accepted: one live post sends exactly the previewed request.
    qtbot.mouseClick(window.live_switch, Qt.MouseButton.LeftButton)
    dialog = live_dialog(qtbot, window)
    assert dialog.account_names() == [account.name]
    qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)
    assert_everyone_agrees(window, True)
    with qtbot.waitSignal(window.editing.flow.finished, timeout=TIMEOUT):
        qtbot.mouseClick(window.post_button, Qt.MouseButton.LeftButton)
    [put] = recorded_writes(server)
    assert put["method"] == "PUT" and put["json"]["campaigns"][0]["name"] == "Journey rename"
    on_snap = server_get(server, f"/campaigns/{campaign.id}")["campaigns"][0]["campaign"]
    assert on_snap["name"] == "Journey rename"
    qtbot.waitUntil(lambda: panel.count_label.text() == "Pending changes")
    assert not window.post_button.isEnabled()
    index = window.model.locate(
        ((ORGANIZATION, account.organization_id), (AD_ACCOUNT, account.id), (CAMPAIGN, campaign.id))
    )
    assert index.data() == "Journey rename"

    audit = window.editing.open_audit_log()
    results_column = [
        audit.model.index(r, c).data()
        for r in range(audit.model.rowCount())
        for c in range(audit.model.columnCount())
    ]
    assert "Live" in results_column and "Dry-run" in results_column
    audit.close()


# ------------------------------------------------------------------------------ audiences


def test_segment_queued_in_audiences_shows_everywhere_at_once(
    qtbot: QtBot, window: MainWindow, server: SandboxServer, synced: Store
) -> None:
    account = usd_account(synced)
    select(window, account, (CAMPAIGN, synced.campaigns(account.id)[0].id))
    window.tools_menu.actions()[0].trigger()
    audiences = next(w for w in QApplication.topLevelWidgets() if isinstance(w, AudiencesPage))
    qtbot.addWidget(audiences)
    assert audiences.ad_account_id == account.id
    assert window.editing.panel.count_label.text() == "Pending changes"
    assert not window.post_button.isEnabled()

    qtbot.mouseClick(audiences.new_button, Qt.MouseButton.LeftButton)
    dialog = audiences.segment_dialog
    assert dialog is not None
    QTest.keyClicks(dialog.name_edit, "Newsletter subscribers")
    dialog._on_buttons_accepted()  # the "Queue" button

    # At once, not after a restart: the panel, the toolbar and the live-mode confirmation agree.
    assert window.editing.panel.count_label.text() == "Pending changes (1)"
    assert window.post_button.isEnabled()
    [change] = window.editing.panel.changes
    assert change.kind == "segment" and change.label == "Newsletter subscribers"
    qtbot.mouseClick(window.live_switch, Qt.MouseButton.LeftButton)
    confirm = live_dialog(qtbot, window)
    assert confirm.account_names() == [account.name]
    qtbot.mouseClick(confirm.confirm_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(window.editing.flow.finished, timeout=TIMEOUT):
        qtbot.mouseClick(window.post_button, Qt.MouseButton.LeftButton)
    segments = server.state.collections["segment"]
    made = [
        o
        for i, o in segments.objects.items()
        if o.get("name") == "Newsletter subscribers" and o.get("ad_account_id") == account.id
    ]
    assert len(made) == 1
    qtbot.waitUntil(lambda: window.editing.panel.count_label.text() == "Pending changes")
    qtbot.waitUntil(
        lambda: any(
            item.name == "Newsletter subscribers" and not item.queued_create
            for item in audiences.model.items
        )
    )
    audiences.close()


# ------------------------------------------------------------------------------ conflicts


def test_keep_theirs_after_a_conflict_refreshes_every_view(
    qtbot: QtBot, window: MainWindow, server: SandboxServer, synced: Store
) -> None:
    account = usd_account(synced)
    squad = next(
        s
        for c in synced.campaigns(account.id)
        for s in synced.ad_squads(c.id)
        if s.data.get("daily_budget_micro")
    )
    campaign_id = squad.data["campaign_id"]
    select(window, account, (CAMPAIGN, campaign_id), (AD_SQUAD, squad.id))
    window.editing.edits.edit(
        kind=AD_SQUAD, entity_id=squad.id, fields={"daily_budget_micro": 61_000_000}
    )
    window.editing.state.poll()
    # A colleague sets another budget in Ads Manager.
    obj = server_get(server, f"/adsquads/{squad.id}")["adsquads"][0]["adsquad"]
    from snapdesk.changes.requests import update_request, writable

    request = update_request(
        AD_SQUAD,
        {**writable(AD_SQUAD, obj), "daily_budget_micro": 88_000_000},
        ad_account_id=account.id,
    )
    server_put(server, request.path, request.body, key="colleague-1")

    window.session.live_mode.set(True)
    with qtbot.waitSignal(window.editing.flow.finished, timeout=TIMEOUT):
        qtbot.mouseClick(window.post_button, Qt.MouseButton.LeftButton)
    if isinstance(window.editing.flow.dialog, GuardViolationsDialog):  # a spend guard asks first
        with qtbot.waitSignal(window.editing.flow.finished, timeout=TIMEOUT):
            window.editing.flow.dialog.accept()
    conflicts = window.editing.flow.dialog
    assert isinstance(conflicts, ConflictsDialog)
    conflicts.choose_all("theirs")
    conflicts.accept()

    # Without F5: the cache, the details and the editor hold Snap's 88.00.
    qtbot.waitUntil(lambda: window.editing.panel.count_label.text() == "Pending changes")
    cached = synced.get(AD_SQUAD, squad.id)
    assert cached is not None and cached.data["daily_budget_micro"] == 88_000_000
    window.right_tabs.setCurrentWidget(window.details)
    qtbot.waitUntil(lambda: "88.00" in window.details.field_text())
    writes = [w for w in recorded_writes(server) if w.get("idempotency_key") != "colleague-1"]
    assert writes == []


# ------------------------------------------------------------------------------ ambiguous


def test_create_that_may_have_happened_is_never_made_twice_from_the_window(
    qtbot: QtBot, window: MainWindow, server: SandboxServer, synced: Store
) -> None:
    control(server, "POST", "idempotency", {"honour": False})
    account = usd_account(synced)
    select(window, account, (CAMPAIGN, synced.campaigns(account.id)[0].id))
    window.editing.new_campaign_action.trigger()
    editor = window.editing.editor_pane.current_editor
    assert isinstance(editor, CampaignEditor) and editor.is_new
    QTest.keyClicks(editor.name_edit, "Flash sale")
    qtbot.waitUntil(editor.apply_button.isEnabled)
    qtbot.mouseClick(editor.apply_button, Qt.MouseButton.LeftButton)

    # Snap creates it but the answer is lost, and Snap can't be read back just then.
    control(
        server,
        "POST",
        "faults",
        {
            "faults": [
                {
                    "path": "/v1/adaccounts/*/campaigns",
                    "method": "POST",
                    "status": 500,
                    "after_processing": True,
                },
                {"path": "/v1/adaccounts/*/campaigns", "method": "GET", "status": 503},
            ]
        },
    )
    window.session.live_mode.set(True)
    with qtbot.waitSignal(window.editing.flow.finished, timeout=TIMEOUT):
        qtbot.mouseClick(window.post_button, Qt.MouseButton.LeftButton)
    window.editing.flow.dialog.accept()  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: bool(window.editing.panel.changes))
    [change] = window.editing.panel.changes
    assert change.outcome_unknown

    def state_column() -> list[str]:
        model = window.editing.panel.model
        account_row = model.index(0, 0)
        return [
            str(model.index(r, STATE_COLUMN, account_row).data())
            for r in range(model.rowCount(account_row))
        ]

    assert state_column() == ["May have been created"]

    # The user renames it and posts again once Snap answers: still one campaign.
    window.editing.edits.edit(kind=CAMPAIGN, entity_id=change.entity_id, fields={"name": "Flash"})
    window.editing.state.poll()
    assert state_column() == ["May have been created"]  # an edit doesn't make it "new" again
    control(server, "DELETE", "faults")
    with qtbot.waitSignal(window.editing.flow.finished, timeout=TIMEOUT):
        qtbot.mouseClick(window.post_button, Qt.MouseButton.LeftButton)
    col = server.state.collections[CAMPAIGN]
    names = [col.objects[i]["name"] for i in col.ids("ad_account", account.id)]
    assert names.count("Flash") == 1 and "Flash sale" not in names
    qtbot.waitUntil(lambda: window.editing.panel.count_label.text() == "Pending changes")


# ------------------------------------------------------------------------------ other process

QUEUE_CHILD = """
import sys
from snapdesk.changes import EditService
from snapdesk.store import Store
store = Store(sys.argv[1])
EditService(store=store).edit(kind="campaign", entity_id=sys.argv[2], fields={"name": sys.argv[3]})
store.close()
"""


def test_changes_queued_and_posted_by_another_process_appear(
    qtbot: QtBot, window: MainWindow, server: SandboxServer, synced: Store
) -> None:
    account = usd_account(synced)
    campaign = synced.campaigns(account.id)[0]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    subprocess.run(
        [sys.executable, "-c", QUEUE_CHILD, str(synced.path), campaign.id, "From the CLI"],
        env=env,
        check=True,
    )
    qtbot.waitUntil(
        lambda: window.editing.panel.count_label.text() == "Pending changes (1)", timeout=5000
    )
    assert window.post_button.isEnabled()

    env.update(
        SNAPDESK_ACCESS_TOKEN=server.token,
        SNAPDESK_API_BASE=server.api_base,
        SNAPDESK_DATA_DIR=str(synced.path.parent),
    )
    done = subprocess.run(
        [sys.executable, "-m", "snapdesk", "changes", "post", "--live"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    qtbot.waitUntil(
        lambda: window.editing.panel.count_label.text() == "Pending changes", timeout=5000
    )
    index = window.model.locate(
        ((ORGANIZATION, account.organization_id), (AD_ACCOUNT, account.id), (CAMPAIGN, campaign.id))
    )
    qtbot.waitUntil(lambda: index.isValid() and index.data() == "From the CLI", timeout=5000)


# ------------------------------------------------------------------------------ cancel


def test_cancelling_the_conflicts_dialog_sends_nothing_and_keeps_the_edit(
    qtbot: QtBot, window: MainWindow, server: SandboxServer, synced: Store
) -> None:
    account = usd_account(synced)
    campaign = synced.campaigns(account.id)[0]
    window.editing.edits.edit(kind=CAMPAIGN, entity_id=campaign.id, fields={"name": "Mine"})
    window.editing.state.poll()
    from snapdesk.changes.requests import update_request, writable

    obj = server_get(server, f"/campaigns/{campaign.id}")["campaigns"][0]["campaign"]
    request = update_request(
        CAMPAIGN, {**writable(CAMPAIGN, obj), "name": "Theirs"}, ad_account_id=account.id
    )
    server_put(server, request.path, request.body, key="colleague-2")
    window.session.live_mode.set(True)
    with qtbot.waitSignal(window.editing.flow.finished, timeout=TIMEOUT):
        qtbot.mouseClick(window.post_button, Qt.MouseButton.LeftButton)
    conflicts = window.editing.flow.dialog
    assert isinstance(conflicts, ConflictsDialog)
    QTest.keyClick(conflicts, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not conflicts.isVisible())
    assert [w for w in recorded_writes(server) if w.get("idempotency_key") != "colleague-2"] == []
    [change] = window.editing.panel.changes
    assert change.after is not None and change.after["name"] == "Mine"
    assert change.conflicts  # still to resolve, shown as such
    assert window.editing.panel.count_label.text() == "Pending changes (1)"
    # the tree shows Snap's name with the pending edit marked, not a stale copy
    cached = synced.get(CAMPAIGN, campaign.id)
    assert cached is not None and cached.name == "Theirs"


def test_declining_the_each_post_confirmation_sends_nothing(
    qtbot: QtBot, window: MainWindow, server: SandboxServer, synced: Store
) -> None:
    from snapdesk.core.settings import LIVE_CONFIRM_EACH_POST, load_settings, save_settings
    from snapdesk.ui.prefs import preferences_paths

    paths = preferences_paths(window.session)
    save_settings(
        replace_settings(load_settings(paths), live_confirmation=LIVE_CONFIRM_EACH_POST), paths
    )
    account = usd_account(synced)
    campaign = synced.campaigns(account.id)[0]
    window.editing.edits.edit(kind=CAMPAIGN, entity_id=campaign.id, fields={"name": "Asked"})
    window.editing.state.poll()
    window.session.live_mode.set(True)
    qtbot.mouseClick(window.post_button, Qt.MouseButton.LeftButton)
    dialog = window.editing.live_post_dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    dialog.reject()
    qtbot.wait(200)
    assert recorded_writes(server) == []
    assert window.editing.panel.count_label.text() == "Pending changes (1)"
    assert_everyone_agrees(window, True)


def replace_settings(settings: Any, **changes: Any) -> Any:
    from dataclasses import replace

    return replace(settings, **changes)
