"""Render the grid's Import… window (issue 16) to PNGs for a visual check.

    QT_QPA_PLATFORM=offscreen python -m tests.ui.render_grid_import_screens [OUT_DIR] [--dark]

Writes, from an ad squads export of three accounts (GBP in London, JPY in Tokyo, USD in Los
Angeles) edited the way people do:
- grid-import-report-errors.png: a file with problems (text in a budget, a date in a bid, an id
  Excel turned into a number, the same ad squad twice, an ambiguous parent name, a formula in a
  CSV): the problems by row, column, value and reason, "Nothing was queued", Queue disabled;
- grid-import-plan.png: a valid file (a budget, a pause, a rename, an end time typed as
  "7/17/2026 6:00 PM", a new ad squad): the plan, old → new, and "Queue 6 changes".
"""

from __future__ import annotations

import csv
import io
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QApplication

from snapdesk.changes import EditService
from snapdesk.core.kinds import AD_SQUAD
from snapdesk.grid import columns_for, load_rows
from snapdesk.grid.sheets import export_rows
from snapdesk.store import Store
from snapdesk.ui import theme
from snapdesk.ui.dialogs.grid_import import GridImportDialog
from tests.grid import sheets_data
from tests.ui.render_screens import settle, wait_until


class _State:
    def poll(self) -> None:
        return None


def _edited(store: Store, path: Path, change: Callable[[list[dict[str, str]]], object]) -> Path:
    export_rows(load_rows(store, AD_SQUAD), list(columns_for(AD_SQUAD)), path, level=AD_SQUAD)
    rows = list(csv.DictReader(io.StringIO(path.read_text("utf-8-sig"), newline="")))
    change(rows)
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), "utf-8-sig")
    return path


def _with_problems(rows: list[dict[str, str]]) -> None:
    by_id = {r["id"]: r for r in rows}
    by_id["sq-gb-young"]["daily_budget"] = "fifty"
    by_id["sq-us-young"]["bid"] = "2026-03-17"
    by_id["sq-jp-wide"]["id"] = "1.23457E+15"
    by_id["sq-us-brand"]["id"] = "sq-us-wide"  # the same ad squad twice
    by_id["sq-gb-wide"]["name"] = '=HYPERLINK("http://example.com","Wide")'
    blank = dict.fromkeys(rows[0], "")
    rows.append({**blank, "campaign_name": "Always On", "name": "Weekend push",
                 "optimization_goal": "SWIPES", "daily_budget": "25"})  # fmt: skip


def _valid(rows: list[dict[str, str]]) -> None:
    by_id = {r["id"]: r for r in rows}
    by_id["sq-gb-young"]["daily_budget"] = "55"
    by_id["sq-us-brand"]["status"] = "PAUSED"
    by_id["sq-jp-young"]["name"] = "18-34 Tokyo"
    by_id["sq-us-wide"]["end_time"] = "7/17/2026 6:00 PM"
    by_id["sq-gb-brand"]["bid_strategy"] = "LOWEST_COST_WITH_MAX_BID"
    by_id["sq-gb-brand"]["bid"] = "1.10"
    blank = dict.fromkeys(rows[0], "")
    rows.append({**blank, "campaign_id": "cmp-gb-always", "name": "Weekend push",
                 "optimization_goal": "SWIPES", "daily_budget": "25",
                 "status": "ACTIVE"})  # fmt: skip


def main() -> int:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    out = Path(args[0] if args else "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    dark = "--dark" in sys.argv
    theme.apply_theme(app, dark=dark)
    folder = Path(tempfile.mkdtemp(prefix="snapdesk-grid-import-"))
    suffix = "-dark" if dark else ""
    with Store(folder / "cache.sqlite3") as store:
        sheets_data.fill(store)
        edits = EditService(store=store)
        for name, change in (
            (f"grid-import-report-errors{suffix}.png", _with_problems),
            (f"grid-import-plan{suffix}.png", _valid),
        ):
            source = _edited(store, folder / "ad-squads-2026-05-04.csv", change)
            dialog = GridImportDialog(None, store=store, edits=edits, state=_State())
            dialog.resize(1060, 620)
            dialog.show()
            shown: list[object] = []
            dialog.report_shown.connect(shown.append)
            dialog.load(source)
            wait_until(app, lambda shown=shown: bool(shown), 60)
            settle(app, 0.3)
            path = out / name
            dialog.grab().save(str(path))
            print(path)
            dialog.reject()
            dialog.deleteLater()
            settle(app, 0.1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
