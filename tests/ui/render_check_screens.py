"""Render Check changes (issue 13) to PNG files for a visual check.

    QT_QPA_PLATFORM=offscreen python -m tests.ui.render_check_screens [OUT_DIR]

Writes check-changes-dry-run.png (a dry run blocked by a Check-changes error: the ad squad, the
field and what to do, nothing rehearsed) and check-changes.png (F7 in Pending Changes: an error,
spend guards to confirm and a warning) into OUT_DIR (default docs/screenshots), from a sandbox
synced into a temporary cache.
"""

from __future__ import annotations

import asyncio
import sqlite3
import sys
import tempfile
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
from snapdesk.ui.dialogs.post_results import PostResultsDialog
from snapdesk.ui.post_flow import PostFlow
from snapdesk.ui.views.pending_changes import PendingChangesPanel
from tests.ui.changes_env import Host, control, make_api, usd_account
from tests.ui.helpers import run_in_loop
from tests.ui.render_screens import settle, wait_until

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
    tmp = Path(tempfile.mkdtemp(prefix="snapdesk-check-screens-"))
    with SandboxServer(seed=42, scale="demo") as server:
        control(server, "POST", "rate_limit", {"per_second": 100000, "burst": 100000})
        api = make_api(server)
        store = Store(tmp / "cache.sqlite3")
        run_in_loop(app, loop, SyncService(api=api, store=store).sync(), timeout=60)
        edits = EditService(store=store)
        us = usd_account(store)
        campaigns = store.campaigns(us.id)
        squads = [s for c in campaigns for s in store.ad_squads(c.id)]

        # An ad squad whose daily budget is below Snap's minimum, queued as an older snapdesk
        # could have (the editor refuses it today), and a sound rename next to it.
        tiny = squads[0]
        stored = edits.edit(
            kind=AD_SQUAD, entity_id=tiny.id, fields={"name": f"{tiny.name} — test"}
        ).changes[0]
        after = {**(stored.after or {}), "daily_budget_micro": 2_000_000}

        def save_change(conn: sqlite3.Connection) -> None:
            request = update_request(AD_SQUAD, after, ad_account_id=stored.ad_account_id)
            repo.save_change(conn, stored.evolve(after=after, request=request))

        store.write(save_change)
        edits.edit(
            kind=CAMPAIGN, entity_id=campaigns[1].id, fields={"name": f"{campaigns[1].name} v2"}
        )

        host = Host(store=store, loop=loop, api=api)
        flow = PostFlow(host, parent_widget=host)
        flow.post(None)
        wait_until(app, lambda: isinstance(flow.dialog, PostResultsDialog))
        blocked = flow.dialog
        assert isinstance(blocked, PostResultsDialog)
        blocked.resize(1180, 420)
        settle(app, 0.3)
        save(blocked, out, "check-changes-dry-run.png")
        blocked.accept()

        # F7: the same checks on demand, with a spend guard to confirm and a warning.
        big_bid = next(s for s in squads[1:] if s.data.get("bid_micro"))
        edits.edit(
            kind=AD_SQUAD,
            entity_id=big_bid.id,
            fields={"daily_budget_micro": 50_000_000, "bid_micro": 100_000 * 1_000_000},
        )
        edits.edit(
            kind=CAMPAIGN, entity_id=campaigns[2].id, fields={"daily_budget_micro": 1_000_000}
        )
        panel = PendingChangesPanel(edits)
        panel.settings_source = lambda: AppSettings()
        panel.resize(1240, 560)
        panel.show()
        settle(app, 0.2)
        dialog = panel.check_changes()
        assert dialog is not None
        dialog.resize(1180, 460)
        settle(app, 0.3)
        save(dialog, out, "check-changes.png")
        dialog.accept()

        run_in_loop(app, loop, api.aclose())
        store.close()
    asyncio.events._set_running_loop(None)
    loop._QEventLoop__is_running = False  # see tests/ui/conftest.py
    loop.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
