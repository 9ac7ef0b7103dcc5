"""Render Check changes with Go to (issue 16) to PNG files for a visual check.

    QT_QPA_PLATFORM=offscreen python -m tests.ui.render_check_goto_screen [OUT_DIR] [--dark]

Writes check-changes-goto.png (F7's results: errors and warnings across entities — a new ad squad
under a new campaign, a campaign whose new end date cuts its squads short — with the "Go to ›"
cells and the Go to button for the selected finding) and pending-check-markers.png (the Pending
Changes panel: error and warning markers on the rows, the selected change's findings with Go to)
into OUT_DIR (default docs/screenshots), from a sandbox synced into a temporary cache.
"""

from __future__ import annotations

import asyncio
import sqlite3
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import qasync
from PySide6.QtWidgets import QApplication, QWidget

from snapdesk.changes import EditService
from snapdesk.changes import repository as repo
from snapdesk.changes.requests import update_request
from snapdesk.core.kinds import AD_SQUAD, CAMPAIGN
from snapdesk.core.settings import AppSettings
from snapdesk.sandbox import SandboxServer
from snapdesk.store import Store
from snapdesk.sync import SyncService
from snapdesk.ui import theme
from snapdesk.ui.views.pending_changes import PendingChangesPanel
from tests.ui.changes_env import control, make_api, usd_account
from tests.ui.helpers import run_in_loop
from tests.ui.render_screens import settle

REPO = Path(__file__).resolve().parents[2]


def save(widget: QWidget, out: Path, name: str) -> None:
    QApplication.processEvents()
    path = out / name
    widget.grab().save(str(path))
    print(path)


def main() -> int:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    out = Path(args[0]) if args else REPO / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    theme.apply_theme(app, dark="--dark" in sys.argv)
    loop = qasync.QEventLoop(app, already_running=True)
    tmp = Path(tempfile.mkdtemp(prefix="snapdesk-goto-screens-"))
    with SandboxServer(seed=42, scale="demo") as server:
        control(server, "POST", "rate_limit", {"per_second": 100000, "burst": 100000})
        api = make_api(server)
        store = Store(tmp / "cache.sqlite3")
        run_in_loop(app, loop, SyncService(api=api, store=store).sync(), timeout=60)
        edits = EditService(store=store)
        us = usd_account(store)
        campaigns = store.campaigns(us.id)

        base = datetime.now(UTC).replace(hour=8, minute=0, second=0, microsecond=0)

        def day(offset: int) -> str:
            return (base + timedelta(days=offset)).isoformat(timespec="milliseconds")[:23] + "Z"

        # A new campaign of four weeks and, under it, a new ad squad drafted from a file: no
        # countries yet (an error when posting), a pixel goal without its pixel and an end date
        # after the campaign's (warnings).
        launch = edits.create_campaign(
            ad_account_id=us.id,
            fields={
                "name": "Winter launch",
                "objective": "WEB_CONVERSION",
                "start_time": day(20),
                "end_time": day(48),
            },
        ).changes[0]
        edits.create_ad_squad(
            campaign_id=launch.entity_id,
            fields={
                "name": "Winter — retargeting",
                "optimization_goal": "PIXEL_PURCHASE",
                "daily_budget_micro": 40_000_000,
                "start_time": day(20),
                "end_time": day(62),
            },
        )
        # An existing campaign moved to a later, shorter run than its ad squads'.
        spring = campaigns[0]
        edits.edit(
            kind=CAMPAIGN,
            entity_id=spring.id,
            fields={"start_time": day(5), "end_time": day(12)},
        )
        # An ad squad whose daily budget is below Snap's minimum, stored as an older snapdesk
        # could have (the editor refuses it today), with a bid above its budget.
        squad = next(
            s
            for c in campaigns[1:]
            for s in store.ad_squads(c.id)
            if s.data.get("bid_strategy") == "LOWEST_COST_WITH_MAX_BID"
        )
        stored = edits.edit(
            kind=AD_SQUAD, entity_id=squad.id, fields={"name": f"{squad.name} — test"}
        ).changes[0]
        after = {**(stored.after or {}), "daily_budget_micro": 3_000_000, "bid_micro": 4_000_000}

        def save_change(conn: sqlite3.Connection) -> None:
            request = update_request(AD_SQUAD, after, ad_account_id=stored.ad_account_id)
            repo.save_change(conn, stored.evolve(after=after, request=request))

        store.write(save_change)

        panel = PendingChangesPanel(edits)
        panel.settings_source = lambda: AppSettings()
        panel.refresh()
        panel.resize(1240, 600)
        panel.show()
        settle(app, 0.2)
        draft = next(c for c in panel.changes if c.label == "Winter — retargeting")
        panel.select_change(draft.id)
        panel.issue_list.setCurrentRow(0)
        settle(app, 0.3)
        save(panel, out, "pending-check-markers.png")

        dialog = panel.check_changes()
        assert dialog is not None
        dialog.resize(1240, 560)
        settle(app, 0.2)
        dialog.issues_table.selectRow(0)
        settle(app, 0.3)
        save(dialog, out, "check-changes-goto.png")
        dialog.accept()

        run_in_loop(app, loop, api.aclose())
        store.close()
    asyncio.events._set_running_loop(None)
    loop._QEventLoop__is_running = False  # see tests/ui/conftest.py
    loop.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
