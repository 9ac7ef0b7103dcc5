"""The editor's grid, without Qt: campaigns, ad squads and ads of many accounts as rows with
settings and performance columns, the values they show and export, and what an edited cell
means as API fields.

    rows = load_rows(store, CAMPAIGN, scope=Scope.all())          # from the cache, with edits
    col = COLUMNS["daily_budget"]
    col.display(rows[0])            # "£75.00"
    col.export(rows[0])             # "75.00" (currency units, dot decimal)
    parse_cell(rows[0], col, "+10%")    # {"daily_budget_micro": 82_500_000}

The Qt model (`snapdesk.ui.models.grid`), the spreadsheet round trip (`snapdesk.grid.sheets`)
and `snapdesk export` / `snapdesk import` all read these definitions, so a column means the
same thing on screen, in a file and on the command line.
"""

from __future__ import annotations

from snapdesk.grid.columns import (
    COLUMNS,
    LEVELS,
    CellError,
    Column,
    columns_for,
    parse_cell,
)
from snapdesk.grid.rows import AccountInfo, GridRow, Scope, load_rows

__all__ = [
    "COLUMNS",
    "LEVELS",
    "AccountInfo",
    "CellError",
    "Column",
    "GridRow",
    "Scope",
    "columns_for",
    "load_rows",
    "parse_cell",
]
