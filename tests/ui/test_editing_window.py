"""Editing in the main window: the editor beside the tree, change marks in the tree, the
Pending Changes dock, the toolbar's Post / Undo / Redo, and the live-mode switch with its
confirmation and banner (against a real sandbox)."""

from __future__ import annotations

import asyncio

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QAbstractItemView
from pytestqt.qtbot import QtBot

from snapdesk.api import SnapApi
from snapdesk.changes import ChangeRepository
from snapdesk.core.kinds import AD_ACCOUNT, CAMPAIGN, ORGANIZATION
from snapdesk.sandbox import SandboxServer
from snapdesk.store import Store
from snapdesk.ui.dialogs.live_mode import LIVE_BANNER_TEXT
from snapdesk.ui.dialogs.post_results import PostResultsDialog
from snapdesk.ui.editors.campaign import CampaignEditor
from snapdesk.ui.main_window import MainWindow
from snapdesk.ui.session import Session
from tests.ui import data
from tests.ui.changes_env import (
    recorded,
    recorded_writes,
    usd_account,
)


def window_for(
    qtbot: QtBot, store: Store, loop: asyncio.AbstractEventLoop, api: SnapApi | None = None
) -> MainWindow:
    session = Session(store=store, loop=loop, api=api, profile="default")
    window = MainWindow(session)
    qtbot.addWidget(window)
    window.resize(1360, 860)
    window.show()
    return window


def select_campaign(window: MainWindow, org: str, account: str, campaign: str) -> None:
    path = ((ORGANIZATION, org), (AD_ACCOUNT, account))
    window.tree.expand(window.tree.expand_path(path))
    window.tree.select(window.model.locate((*path, (CAMPAIGN, campaign))))


# -- synthetic cache -----------------------------------------------------------------------


def test_selecting_a_campaign_loads_its_editor_and_apply_marks_the_tree(
    qtbot: QtBot, filled_store: Store, qloop: asyncio.AbstractEventLoop
) -> None:
    window = window_for(qtbot, filled_store, qloop)
    editing = window.editing
    assert window.tree.selectionMode() == QAbstractItemView.SelectionMode.ExtendedSelection
    select_campaign(window, data.ORG, data.US, "cmp-us-spring")
    editor = editing.editor_pane.current_editor
    assert isinstance(editor, CampaignEditor) and editor.entity_id == "cmp-us-spring"
    window.show_editor()
    assert window.right_tabs.currentWidget() is editing.editor_pane

    editor.name_edit.setText("Spring Sale 2")
    qtbot.waitUntil(editor.apply_button.isEnabled)  # validated as you type
    editor.apply_button.click()
    [change] = ChangeRepository(filled_store).list()
    index = window.model.locate(
        ((ORGANIZATION, data.ORG), (AD_ACCOUNT, data.US), (CAMPAIGN, "cmp-us-spring"))
    )
    assert index.data().startswith("Δ ")
    assert index.data(Qt.ItemDataRole.FontRole).bold()  # bold = not posted yet
    assert editing.panel.changes == [change]
    assert editing.post_action.isEnabled()
    assert editing.undo_action.text() == "Undo Edit campaign"

    editing.undo_action.trigger()
    assert ChangeRepository(filled_store).list() == []
    index = window.model.locate(
        ((ORGANIZATION, data.ORG), (AD_ACCOUNT, data.US), (CAMPAIGN, "cmp-us-spring"))
    )
    assert not index.data().startswith("Δ")
    editing.redo_action.trigger()
    assert len(ChangeRepository(filled_store).list()) == 1


def test_new_campaign_shows_in_the_tree_as_added(
    qtbot: QtBot, filled_store: Store, qloop: asyncio.AbstractEventLoop
) -> None:
    window = window_for(qtbot, filled_store, qloop)
    select_campaign(window, data.ORG, data.US, "cmp-us-spring")
    editing = window.editing
    assert editing.new_campaign_action.isEnabled()
    editing.new_campaign_action.trigger()
    editor = editing.editor_pane.current_editor
    assert isinstance(editor, CampaignEditor) and editor.is_new
    editor.name_edit.setText("Holiday")
    qtbot.waitUntil(editor.apply_button.isEnabled)
    editor.apply_button.click()
    account = window.model.locate(((ORGANIZATION, data.ORG), (AD_ACCOUNT, data.US)))
    names = [
        window.model.index(r, 0, account).data() for r in range(window.model.rowCount(account))
    ]
    assert "+ Holiday" in names


def test_multi_selection_drives_bulk_actions(
    qtbot: QtBot, filled_store: Store, qloop: asyncio.AbstractEventLoop
) -> None:
    window = window_for(qtbot, filled_store, qloop)
    select_campaign(window, data.ORG, data.US, "cmp-us-spring")
    other = window.model.locate(
        ((ORGANIZATION, data.ORG), (AD_ACCOUNT, data.US), (CAMPAIGN, "cmp-us-brand"))
    )
    window.tree.selectionModel().select(
        other, QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    )
    bulk = window.editing.bulk
    assert bulk.items == [(CAMPAIGN, "cmp-us-spring"), (CAMPAIGN, "cmp-us-brand")]
    assert bulk.pause_action.text() == "Pause 2 campaigns"
    menu = window.editing.tree_context_menu(window.tree.visualRect(other).center())
    texts = [a.text() for a in menu.actions()]
    assert "Pause 2 campaigns" in texts and "Delete 2 campaigns…" in texts
    menu.close()
    bulk.pause_action.trigger()
    # "Brand Lift" is paused already: only "Spring Sale" needs a change
    assert [c.entity_id for c in ChangeRepository(filled_store).list()] == ["cmp-us-spring"]
    assert "1 pending change" in window.message_label.text()


def test_live_mode_is_off_at_start_and_cancel_keeps_dry_run(
    qtbot: QtBot, filled_store: Store, qloop: asyncio.AbstractEventLoop
) -> None:
    window = window_for(qtbot, filled_store, qloop)
    editing = window.editing
    assert not editing.live and not editing.live_action.isChecked()
    assert not editing.live_banner.isVisible()
    editing.bulk.set_selection([(CAMPAIGN, "cmp-jp-tokyo")])
    editing.bulk.pause_action.trigger()
    editing.live_action.trigger()
    dialog = editing.live_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.account_names() == ["Acme Japan"]
    assert not editing.live_action.isChecked()  # not before it is confirmed
    dialog.cancel_button.click()
    assert not editing.live and not editing.live_banner.isVisible()
    assert editing.post_action.text() == "Post (dry-run)"


# -- sandbox -------------------------------------------------------------------------------


def test_dry_run_then_live_post_from_the_window(
    qtbot: QtBot,
    server: SandboxServer,
    synced: Store,
    api: SnapApi,
    qloop: asyncio.AbstractEventLoop,
) -> None:
    window = window_for(qtbot, synced, qloop, api)
    editing = window.editing
    account = usd_account(synced)
    campaign = next(c for c in synced.campaigns(account.id) if c.status == "ACTIVE")
    editing.bulk.set_selection([(CAMPAIGN, campaign.id)])
    editing.bulk.pause_action.trigger()
    [change] = ChangeRepository(synced).list()

    # Dry-run (the default): nothing reaches the network, the change stays pending.
    with qtbot.waitSignal(editing.flow.finished, timeout=20000):
        editing.post_action.trigger()
    assert recorded(server) == []
    assert isinstance(editing.flow.dialog, PostResultsDialog)
    editing.flow.dialog.accept()
    assert [c.id for c in ChangeRepository(synced).list()] == [change.id]

    # Live: confirmed naming the account, a banner while on, the Post button says so.
    editing.live_action.trigger()
    dialog = editing.live_dialog
    assert dialog is not None and dialog.account_names() == [account.name]
    dialog.confirm_button.click()
    assert editing.live and editing.live_action.isChecked()
    assert editing.live_banner.isVisible()
    assert editing.banner_label.text() == LIVE_BANNER_TEXT
    assert editing.post_action.text() == "Post live"
    assert editing.panel.post_button.text() == "Post live"

    with qtbot.waitSignal(editing.flow.finished, timeout=20000):
        editing.panel.post_button.click()
    [put] = recorded_writes(server)
    assert put["method"] == change.request.method
    assert put["path"] == "/v1" + change.request.path
    assert put["json"] == change.request.body
    assert put["headers"]["idempotency-key"] == change.idempotency_key
    assert ChangeRepository(synced).list() == []
    cached = synced.get(CAMPAIGN, campaign.id)
    assert cached is not None and cached.status == "PAUSED"

    audit = editing.open_audit_log()
    assert audit.model.rowCount() >= 2  # the rehearsal and the live post
    editing.live_action.trigger()  # off again, no confirmation needed
    assert not editing.live and not editing.live_banner.isVisible()
