"""`snapdesk stats export`'s CSV: one row per entity per day (the ad account's time zone).

Header (DESIGN.md): `date,level,id,name,currency,impressions,swipes,spend,` followed by the
further fields `video_views,view_completion,conversion_purchases,conversion_purchases_value`
and the USD conversion `spend_usd,fx_rate,fx_rate_date`. Money is in the account's currency
units (not micro) with a dot as decimal separator, exactly (Decimal, never float); a missing
value is an empty cell (a missing FX rate is empty, never 0). The file is written atomically:
a temporary file in the same directory, then a rename.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Final

from snapdesk.core.outputs import write_text
from snapdesk.stats.metrics import is_money_field
from snapdesk.stats.service import StatsReport

__all__ = ["EXPORT_FIELDS", "EXPORT_LEVELS", "export_header", "export_rows", "write_export"]

# CLI level name -> snapdesk kind
EXPORT_LEVELS: Final[dict[str, str]] = {"campaign": "campaign", "adsquad": "ad_squad", "ad": "ad"}
_LEVEL_NAME: Final = {kind: name for name, kind in EXPORT_LEVELS.items()}

BASE_COLUMNS: Final = ("date", "level", "id", "name", "currency", "impressions", "swipes", "spend")
EXPORT_FIELDS: Final[tuple[str, ...]] = (
    "impressions",
    "swipes",
    "spend",
    "video_views",
    "view_completion",
    "conversion_purchases",
    "conversion_purchases_value",
)
USD_COLUMNS: Final = ("spend_usd", "fx_rate", "fx_rate_date")


def export_header(fields: Sequence[str] = EXPORT_FIELDS) -> list[str]:
    further = [f for f in fields if f not in BASE_COLUMNS]
    return [*BASE_COLUMNS, *further, *USD_COLUMNS]


def _plain(value: Decimal) -> str:
    """A Decimal as plain digits with a dot (no exponent, no grouping)."""
    return f"{value:f}"


def export_rows(report: StatsReport, fields: Sequence[str] = EXPORT_FIELDS) -> list[list[str]]:
    """The CSV rows (without header) of a DAY report: sorted by date, then name, then id."""
    if report.granularity != "DAY":
        raise ValueError("the export is one row per day: use a DAY report")
    further = [f for f in fields if f not in BASE_COLUMNS]
    columns = ["impressions", "swipes", "spend", *further]
    out: list[tuple[tuple[str, str, str], list[str]]] = []
    for series in report.series:
        level = _LEVEL_NAME.get(series.level, series.level)
        for row in series.rows:
            cells = [
                row.day.isoformat(),
                level,
                series.entity_id,
                series.name or "",
                report.currency,
            ]
            for name in columns:
                if is_money_field(name):
                    money = row.metrics.money(name)
                    cells.append("" if money is None else _plain(money))
                else:
                    raw = row.metrics.raw(name)
                    cells.append("" if raw is None else str(raw))
            cells.append("" if row.spend_usd is None else _plain(row.spend_usd))
            cells.append("" if row.fx_rate is None else _plain(row.fx_rate))
            cells.append("" if row.fx_rate_date is None else row.fx_rate_date.isoformat())
            out.append(
                ((row.day.isoformat(), (series.name or "").casefold(), series.entity_id), cells)
            )
    out.sort(key=lambda item: item[0])
    return [cells for _, cells in out]


def render_csv(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def write_export(
    path: str | os.PathLike[str], report: StatsReport, fields: Sequence[str] = EXPORT_FIELDS
) -> int:
    """Write the report's CSV to `path` atomically (snapdesk.core.outputs: a temporary file
    beside it, renamed; nothing left behind on a failure, which is raised as an
    `OutputWriteError` naming `path`); returns the number of data rows."""
    rows = export_rows(report, fields)
    write_text(path, render_csv(export_header(fields), rows))
    return len(rows)
