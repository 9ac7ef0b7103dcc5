"""Render the editor grid to PNG files for a visual check.

    QT_QPA_PLATFORM=offscreen python -m tests.ui.render_grid_screens [OUT_DIR] [--dark]

From a demo sandbox synced over loopback HTTP, in the main window: an organization with four
ad accounts in GBP, USD, JPY and EUR, stats fetched with Refresh stats (FX rates set, so spend
also shows in USD), performance columns, the totals per currency
(grid-accounts-performance.png); and filter chips with a saved view applied
(grid-filters.png).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import qasync
from PySide6.QtWidgets import QApplication, QWidget

from snapdesk.core.kinds import AD_SQUAD, CAMPAIGN, ORGANIZATION
from snapdesk.core.settings import FxRate
from snapdesk.grid.perf import DateRange
from snapdesk.grid.query import Condition
from snapdesk.sandbox import SandboxServer
from snapdesk.stats import FxTable
from snapdesk.store import Store
from snapdesk.ui import theme
from snapdesk.ui.main_window import MainWindow
from snapdesk.ui.session import Session
from tests.ui.changes_env import make_api, reset
from tests.ui.helpers import run_in_loop
from tests.ui.render_screens import settle, wait_until

PERFORMANCE_COLUMNS = [
    "name",
    "account",
    "status",
    "budget",
    "stats_spend",
    "stats_spend_usd",
    "stats_impressions",
    "stats_swipes",
    "stats_swipe_rate",
    "stats_ecpm",
    "stats_conversions",
    "stats_roas",
]
FX = [
    FxRate(date(2025, 1, 1), "GBP", Decimal("1.2710")),
    FxRate(date(2025, 1, 1), "EUR", Decimal("1.0842")),
    FxRate(date(2025, 1, 1), "JPY", Decimal("0.006612")),
    FxRate(date(2025, 1, 1), "AUD", Decimal("0.6590")),
]


def save(widget: QWidget, out: Path, name: str, suffix: str) -> None:
    QApplication.processEvents()
    path = out / f"{name}{suffix}.png"
    widget.grab().save(str(path))
    print(path)


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    dark = "--dark" in sys.argv
    out = Path(args[0]) if args else Path("docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    suffix = "-dark" if dark else ""
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    theme.apply_theme(app, dark=dark)
    loop = qasync.QEventLoop(app, already_running=True)
    asyncio.set_event_loop(loop)
    with SandboxServer(seed=42, scale="demo") as server, tempfile.TemporaryDirectory() as tmp:
        reset(server)
        store = Store(Path(tmp) / "cache.sqlite3")
        api = make_api(server)
        session = Session(
            store=store,
            loop=loop,
            api=api,
            profile="default",
            sandbox=server,
            settings_path=Path(tmp) / "window.ini",
        )
        window = MainWindow(session)
        window.resize(1900, 1000)
        window.show()
        window.start_sync(None)
        wait_until(app, lambda: not window.sync_running and window.model.has_content(), 60)
        settle(app)
        window.performance.services.set_fx(FxTable(FX))
        window.editing.dock.hide()  # Ctrl+J brings the pending changes back
        window.tree.setColumnHidden(2, True)  # room for the names in a narrow tree
        window.splitter.setSizes([400, 1480])
        grid = window.grid

        org = next(o for o in store.organizations() if o.name == "Northwind Media Group")
        window.tree.select(window.tree.expand_path(((ORGANIZATION, org.id),)))
        window.tree.expand(window.tree.currentIndex())
        settle(app)
        grid.set_date_range(DateRange.of("last_30"))
        grid.set_columns(PERFORMANCE_COLUMNS)
        grid.refresh_stats()
        wait_until(app, lambda: not grid.refreshing, 60)
        header = grid.table.horizontalHeader()
        header.resizeSection(grid.model.column_of("name"), 225)
        header.resizeSection(grid.model.column_of("account"), 175)
        grid.set_sort("stats_spend_usd", descending=True)
        grid.save_view("Spend by account")
        settle(app, 0.5)
        save(window, out, "grid-accounts-performance", suffix)

        grid.set_level(AD_SQUAD)
        grid.refresh_stats()
        wait_until(app, lambda: not grid.refreshing, 60)
        grid.set_columns(["name", "account", "campaign", "status", "bid_strategy", "bid",
                          "budget", "stats_spend", "stats_swipes", "stats_ecpswipe"])  # fmt: skip
        for key, width in (("name", 215), ("account", 165), ("campaign", 190)):
            header.resizeSection(grid.model.column_of(key), width)
        header.resizeSection(grid.model.column_of("bid_strategy"), 190)
        grid.add_condition(Condition("status", "is", ("ACTIVE",)))
        grid.add_condition(Condition("stats_spend", "gt", "50"))
        grid.add_condition(Condition("budget", "lt", "500"))
        grid.set_search("")
        grid.set_sort("stats_spend", descending=True)
        grid.save_view("Active squads spending")
        grid.toolbar.set_views(grid.views.views() if grid.views else [], "Active squads spending")
        settle(app, 0.5)
        save(window, out, "grid-filters", suffix)

        grid.set_level(CAMPAIGN)
        window.close()
        run_in_loop(app, loop, api.aclose())
        store.close()


if __name__ == "__main__":
    main()
