"""Render the editing and posting UI to PNG files for a visual check.

    QT_QPA_PLATFORM=offscreen python -m tests.ui.render_changes_screens [OUT_DIR]

Writes editor-campaign-error.png, editor-ad-squad.png, pending-changes.png, bulk-budget.png,
dry-run-results.png, conflicts.png and live-banner.png (the main window in live mode), from a
sandbox synced into a temporary cache.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import uuid
from decimal import Decimal
from pathlib import Path

import qasync
from PySide6.QtWidgets import QApplication, QWidget

from snapdesk.changes import ChangeRepository, EditService
from snapdesk.changes.requests import update_request, writable
from snapdesk.core.kinds import AD_SQUAD, CAMPAIGN
from snapdesk.sandbox import SandboxServer
from snapdesk.store import Store
from snapdesk.ui import theme
from snapdesk.ui.dialogs.conflicts import ConflictsDialog
from snapdesk.ui.dialogs.post_results import PostResultsDialog
from snapdesk.ui.editors.ad_squad import AdSquadEditor
from snapdesk.ui.editors.campaign import CampaignEditor
from snapdesk.ui.post_flow import PostFlow
from snapdesk.ui.views.bulk_actions import BulkActions
from snapdesk.ui.views.pending_changes import PendingChangesPanel
from tests.ui.changes_env import (
    Host,
    control,
    make_api,
    server_get,
    server_put,
    usd_account,
)
from tests.ui.helpers import run_in_loop
from tests.ui.render_screens import settle, wait_until


def save(widget: QWidget, out: Path, name: str) -> None:
    QApplication.processEvents()
    path = out / name
    widget.grab().save(str(path))
    print(path)


def show(widget: QWidget, size: tuple[int, int]) -> None:
    widget.resize(*size)
    widget.show()
    settle(QApplication.instance(), 0.2)  # type: ignore[arg-type]


def main() -> int:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    out = Path(args[0] if args else "/work/screens")
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    theme.apply_theme(app, dark="--dark" in sys.argv)
    loop = qasync.QEventLoop(app, already_running=True)
    tmp = Path(tempfile.mkdtemp(prefix="snapdesk-change-screens-"))
    with SandboxServer(seed=42, scale="demo") as server:
        control(server, "POST", "rate_limit", {"per_second": 100000, "burst": 100000})
        api = make_api(server)
        store = Store(tmp / "cache.sqlite3")
        from snapdesk.sync import SyncService

        run_in_loop(app, loop, SyncService(api=api, store=store).sync(), timeout=60)
        edits = EditService(store=store)
        gb = next(a for a in store.ad_accounts() if a.currency == "GBP")
        us = usd_account(store)
        campaign = store.campaigns(gb.id)[0]

        editor = CampaignEditor(edits=edits)
        editor.load(campaign.id)
        editor.end_field.set_local("2026-01-15 09:00")
        editor.daily_budget.set_text("250.555")
        editor.revalidate()
        show(editor, (600, 820))
        save(editor, out, "editor-campaign-error.png")

        squad = store.ad_squads(campaign.id)[0]
        squad_editor = AdSquadEditor(edits=edits)
        squad_editor.load(squad.id)
        squad_editor.countries_edit.setText("gb, ie")
        squad_editor.gender_combo.set_value("FEMALE")
        squad_editor.languages_edit.setText("en")
        squad_editor.device_boxes["iOS"].setChecked(True)
        squad_editor.include_list.item(0).setCheckState(
            squad_editor.include_list.item(0).checkState().Checked
        )
        squad_editor.revalidate()
        show(squad_editor, (620, 1560))
        save(squad_editor, out, "editor-ad-squad.png")

        # A change set: an edit, a pause, a new campaign with an ad squad.
        edits.edit(
            kind=CAMPAIGN,
            entity_id=campaign.id,
            fields={"name": f"{campaign.name} — wave 2", "daily_budget_micro": 300_000_000},
        )
        squad_editor.apply()
        others = store.campaigns(us.id)
        edits.pause([others[0].id])
        made = edits.create_campaign(ad_account_id=us.id, fields={"name": "Holiday Gifting 2026"})
        edits.create_ad_squad(
            campaign_id=made.changes[0].entity_id,
            fields={
                "name": "US · 25-44 · Gifting",
                "optimization_goal": "SWIPES",
                "daily_budget_micro": 50_000_000,
            },
        )
        panel = PendingChangesPanel(edits)
        show(panel, (1240, 560))
        panel.select_change(ChangeRepository(store).list()[0].id)
        settle(app, 0.2)
        save(panel, out, "pending-changes.png")

        host = QWidget()
        bulk = BulkActions(edits, parent_widget=host)
        ids = [(CAMPAIGN, c.id) for c in store.campaigns(gb.id)[:3]]
        ids += [(AD_SQUAD, s.id) for s in store.ad_squads(campaign.id)[:2]]
        bulk.set_selection(ids)
        dialog = bulk.change_budgets()
        dialog.set_percent("+15")
        settle(app, 0.3)
        save(dialog, out, "bulk-budget.png")
        dialog.reject()

        post_host = Host(store=store, loop=loop, api=api)
        flow = PostFlow(post_host, parent_widget=post_host)
        flow.post(None)
        wait_until(app, lambda: isinstance(flow.dialog, PostResultsDialog))
        results = flow.dialog
        assert isinstance(results, PostResultsDialog)
        results.table.selectRow(3)
        settle(app, 0.3)
        save(results, out, "dry-run-results.png")
        results.accept()

        # Conflicts: a colleague renames the campaign on Snap and changes its budget.
        body = server_get(server, f"/campaigns/{campaign.id}")["campaigns"][0]["campaign"]
        obj = {
            **writable(CAMPAIGN, body),
            "name": "Autumn Essentials (agency rename)",
            "daily_budget_micro": 275_000_000,
        }
        request = update_request(CAMPAIGN, obj, ad_account_id=gb.id)
        server_put(server, request.path, request.body, key=str(uuid.uuid4()))
        campaign_change = next(
            c for c in ChangeRepository(store).list() if c.entity_id == campaign.id
        )
        post_host.session.live_mode.set(True)
        flow.post([campaign_change.id])
        wait_until(app, lambda: isinstance(flow.dialog, ConflictsDialog))
        conflicts = flow.dialog
        assert conflicts is not None
        conflicts.resize(940, 420)
        settle(app, 0.3)
        save(conflicts, out, "conflicts.png")
        conflicts.close()

        # The main window: editor beside the tree, marks in the tree, the dock; then live.
        from snapdesk.ui.main_window import MainWindow
        from snapdesk.ui.session import Session

        session = Session(store=store, loop=loop, api=api, sandbox=server, profile="default")
        window = MainWindow(session)
        window.resize(1440, 940)
        window.show()
        path = (("organization", gb.organization_id), ("ad_account", gb.id))
        window.tree.expand(window.tree.expand_path(path))
        index = window.model.locate((*path, ("campaign", campaign.id)))
        window.tree.expand(index)
        window.tree.select(index)
        window.show_editor()
        window.editing.panel.select_change(ChangeRepository(store).list()[0].id)
        settle(app, 0.5)
        save(window, out, "main-editing.png")
        window.editing.live_action.trigger()
        live_dialog = window.editing.live_dialog
        assert live_dialog is not None
        settle(app, 0.3)
        save(live_dialog, out, "live-confirm.png")
        live_dialog.confirm_button.click()
        settle(app, 0.5)
        save(window, out, "live-banner.png")
        window.close()

        _ = Decimal  # keep the import for percentage screens
        run_in_loop(app, loop, api.aclose())
        store.close()
    asyncio.events._set_running_loop(None)
    loop._QEventLoop__is_running = False  # see tests/ui/conftest.py
    loop.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
