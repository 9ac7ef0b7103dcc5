"""The spreadsheet round trip: grid rows to a CSV or XLSX file, and an edited file back to
pending changes (no Qt; the app's Export…/Import… and `snapdesk export` / `snapdesk import`).

    export_rows(rows, columns, "squads.xlsx", level=AD_SQUAD)      # or a text stream, CSV
    plan = plan_import(store, "squads.xlsx")                        # reads, checks, queues nothing
    plan.errors        # [Problem(row=7, column="daily_budget", message="'abc' is not an amount…")]
    group = apply(plan, edits)                                      # one undo step

Files. The header holds the API field names (`id`, `name`, `status`, `ad_account_id`,
`campaign_id`, `ad_squad_id`, `daily_budget`, …); money is in currency units with a dot;
times are in the account's zone with their offset; performance columns start with `stats_`.
A file always holds the identifying columns of its level (`id`, `ad_account_id` and the parent
ids), and the grid's combined Budget / Budget type columns are written as the explicit API
columns (`daily_budget` + `lifetime_spend_cap` for campaigns, `daily_budget` +
`lifetime_budget` for ad squads).

- CSV written to a file is UTF-8 with a byte-order mark and CRLF line ends (RFC 4180): Excel
  opens a BOM-less UTF-8 file in the system code page (£ becomes Â£), and every CSV reader
  snapdesk knows of skips the BOM. Written to a stream (standard output, for scripts), it has
  neither BOM nor CR. Cells are quoted only when they need it. A text cell a spreadsheet would
  run as a formula (starting with = + - @, a tab or a CR, after any apostrophes) is written
  with one apostrophe more in front (`'=HYPERLINK(…)`, OWASP's "CSV injection"); reading a CSV
  takes exactly that apostrophe off again, so every name reads back as it was.
- XLSX has one sheet named after the level (header bold and frozen, a filter on it), money as
  numbers with the currency's decimals, ids, names and times as text cells (Excel does not turn
  an id into a number or a time into its own date), and a visible "About" sheet naming the
  level, the export time, the date range and the ad accounts.

Reading. CSV in UTF-8 (with or without BOM), UTF-16 with a BOM (Excel's "Unicode text" is
tab-separated UTF-16), Windows-1252 as a declared fallback; comma, semicolon and tab are
sniffed (snapdesk.core.records). Amounts written as text follow ONE decimal separator per
file, told by the cells that show it (45,00 or 1.234,50: a decimal comma, the dots grouping
thousands; 45.00 or 1,234.50: a decimal point); a file showing neither reads a semicolon file
with a decimal comma (European Excel) and any other with a point; a file showing both is an
error naming a cell of each. Dates: ISO text (with or without an offset), Excel dates and day
numbers (serials, 2000–2099) and what spreadsheets write in the user's locale (3/17/2026
4:26 PM, 17/03/2026 16:26, 17.03.2026) are read in the account's time zone; slash dates
follow the order of day and month that the file's unambiguous dates show, and 03/04/2026 in
a file that shows no order is an error naming both readings.
XLSX: the sheet whose first row is a grid header; several such sheets are an error naming
them, unless exactly one holds the level the About sheet names. Formulas are read by the
value Excel saved with them, and a formula never calculated is an error naming its cell; in a
CSV (which keeps no formula results) a cell starting with = is refused, except an amount set
with =120 and text neutralised on export. Blank rows and trailing empty columns are skipped;
row numbers are the spreadsheet's (the header is row 1).

Importing. The level comes from the About sheet or the header. A row with an `id` updates only
the importable cells that differ from the grid's row (pending edits count as current), a
`status` of ACTIVE / PAUSED pauses or resumes; a row without an `id` creates a campaign in
`ad_account_id` (or the account named by `account_name`), an ad squad under `campaign_id` (or
`campaign_name`, unambiguous in the account), an ad under `ad_squad_id` (or `ad_squad_name`).
`stats_*` columns, columns whose header starts with `#` (the user's own) and read-only columns
are not imported (`plan.ignored` and `ignored_note()` say so; a read-only cell that differs is
noted once per column); every other unknown header is an error, so a typo never passes
silently. An empty cell of an existing row changes nothing (noted once per column), except in
the columns of `CLEARABLE` (budgets, bid, end time), where it removes the setting. The same id
in several rows is an error on each of them. Everything is checked by the edit service's own
validation in transactions that are rolled back; `apply` queues the same calls for real, as
one undo step, only when nothing is wrong. Reading, checking and applying report progress and
stop on `cancel`, leaving nothing queued.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import difflib
import functools
import itertools
import math
import os
import re
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, Final, Literal, Protocol, cast

from snapdesk.changes.edits import EditService
from snapdesk.changes.model import ChangeError, ChangeGroup, ValidationFailed
from snapdesk.core import records
from snapdesk.core.kinds import AD, AD_SQUAD, CAMPAIGN, CREATIVE
from snapdesk.core.money import exponent
from snapdesk.core.outputs import AtomicFiles, check_distinct, named, open_text, snapdesk_files
from snapdesk.core.validation import Issue, entity_field
from snapdesk.grid.columns import (
    COLUMNS,
    LEVEL_NAMES,
    LEVELS,
    CellError,
    Column,
    columns_for,
    parse_cell,
    same_value,
)
from snapdesk.grid.rows import MARK_DELETE, AccountInfo, GridRow, account_infos, load_rows
from snapdesk.store import Store

__all__ = [
    "ABOUT_SHEET",
    "CELL_MAX",
    "CLEARABLE",
    "FORMATS",
    "CellChange",
    "ImportCancelled",
    "ImportPlan",
    "PlannedRow",
    "Problem",
    "SheetError",
    "apply",
    "export_rows",
    "file_columns",
    "format_for",
    "neutralise",
    "plan_import",
    "unneutralise",
]

FORMATS: Final = ("csv", "xlsx")
ABOUT_SHEET: Final = "About"
CELL_MAX: Final = 32_767  # characters in one spreadsheet cell (Excel's limit)
REHEARSAL_ROWS: Final = 500  # rows checked in one rolled-back transaction
MESSAGE_MAX: Final = 300  # characters of one problem's message (a huge cell is not repeated)

NOUN: Final = {CAMPAIGN: "campaign", AD_SQUAD: "ad squad", AD: "ad"}
NOUNS: Final = {CAMPAIGN: "campaigns", AD_SQUAD: "ad squads", AD: "ads"}
SHEET_TITLES: Final = LEVEL_NAMES
IDENTITY: Final[dict[str, tuple[str, ...]]] = {
    CAMPAIGN: ("id", "ad_account_id"),
    AD_SQUAD: ("id", "ad_account_id", "campaign_id"),
    AD: ("id", "ad_account_id", "campaign_id", "ad_squad_id"),
}
EXPLICIT_BUDGETS: Final[dict[str, tuple[str, ...]]] = {
    CAMPAIGN: ("daily_budget", "lifetime_spend_cap"),
    AD_SQUAD: ("daily_budget", "lifetime_budget"),
}
_COMBINED: Final = ("budget", "budget_type")
# The settings an empty cell clears on an existing row (a budget to switch budget types, a bid
# with an automatic bid strategy, no end time). An empty cell anywhere else changes nothing.
CLEARABLE: Final[dict[str, tuple[str, ...]]] = {
    CAMPAIGN: ("daily_budget", "lifetime_spend_cap", "budget", "end_time"),
    AD_SQUAD: ("daily_budget", "lifetime_budget", "budget", "bid", "end_time"),
    AD: (),
}
# The parent a new row is created under: the id column and the name column naming it.
_PARENT: Final[dict[str, tuple[str, str]]] = {
    CAMPAIGN: ("ad_account_id", "account"),
    AD_SQUAD: ("campaign_id", "campaign"),
    AD: ("ad_squad_id", "ad_squad"),
}
_EXCEL_ERRORS: Final = frozenset(
    {"#NAME?", "#VALUE!", "#REF!", "#DIV/0!", "#N/A", "#NUM!", "#NULL!", "#SPILL!", "#CALC!"}
)
_SCIENTIFIC: Final = re.compile(r"^[+-]?\d+(?:[.,]\d+)?[eE][+-]?\d+$")
_NUMERIC_TYPES: Final = ("money", "count", "percent", "ratio")
# CSV cells a spreadsheet would run as a formula (after any apostrophes), and the same cells
# once neutralised (one apostrophe more).
_INJECTION: Final = re.compile(r"^'*[=+\-@\t\r]")
_NEUTRALISED: Final = re.compile(r"^'+[=+\-@\t\r]")
_DELIMITER_NAMES: Final = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
_CODEC_NAMES: Final = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8",
    "utf-16-le": "UTF-16",
    "utf-16-be": "UTF-16",
    "cp1252": "Windows-1252",
    "latin-1": "Latin-1",
}

Progress = Callable[[float, str], object]


class _Cancel(Protocol):
    def is_set(self) -> bool: ...


class SheetError(Exception):
    """A file snapdesk can't import or write at all; `message` names it and what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ImportCancelled(Exception):
    """The user cancelled reading or checking a file."""


def _letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA (a spreadsheet column)."""
    out = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def _clip(text: str, limit: int = MESSAGE_MAX) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _short(value: Any, limit: int = 40) -> str:
    text = str(value)
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


# ---------------------------------------------------------------------------- export


def format_for(target: str | os.PathLike[str]) -> str:
    """`xlsx` for a name ending in .xlsx, else `csv`."""
    return "xlsx" if os.fspath(target).lower().endswith(".xlsx") else "csv"


def file_columns(level: str, columns: Iterable[Column]) -> list[Column]:
    """The columns a file of `level` holds: the identifying ones first (`id`, `ad_account_id`,
    the parent ids), then `columns` in order, with the grid's combined Budget / Budget type
    written as the explicit API columns."""
    keys: list[str] = list(IDENTITY[level])
    for column in columns:
        if level not in column.kinds:
            continue
        names = EXPLICIT_BUDGETS.get(level, ()) if column.key in _COMBINED else (column.key,)
        for key in names:
            if key not in keys:
                keys.append(key)
    return [COLUMNS[k] for k in keys]


def export_rows(
    rows: Sequence[GridRow],
    columns: Iterable[Column],
    target: str | os.PathLike[str] | IO[str] | IO[bytes],
    *,
    level: str,
    fmt: str | None = None,
    date_range: str | None = None,
    now: datetime | None = None,
) -> int:
    """Write `rows` with `columns` (see `file_columns`) to a file path (atomically; never over
    snapdesk's own files) or a stream, as CSV or XLSX (`fmt`; default from the file name, CSV
    for a stream). `date_range` labels the performance columns in the About sheet. Returns the
    number of rows. Raises `SheetError` (a cell XLSX can't hold), `OutputClash` and
    `OutputWriteError` (naming the path as given)."""
    if level not in LEVELS:
        raise ValueError(f"the grid has campaigns, ad squads and ads, not {level!r}")
    cols = file_columns(level, columns)
    if isinstance(target, str | os.PathLike):
        fmt = fmt or format_for(target)
        check_distinct(inputs=snapdesk_files(), outputs=[named("", target)])
        if fmt == "xlsx":
            book = _workbook(rows, cols, level=level, date_range=date_range, now=now)
            try:
                with AtomicFiles() as files:
                    book.save(files.open(target, private=False))
                    files.commit()
            except BaseException:
                _discard(book)
                raise
        else:
            with open_text(target, encoding="utf-8-sig") as fh:
                _write_csv(fh, rows, cols, lineterminator="\r\n")
        return len(rows)
    fmt = fmt or "csv"
    if fmt == "xlsx":
        _workbook(rows, cols, level=level, date_range=date_range, now=now).save(target)
    else:
        _write_csv(cast(IO[str], target), rows, cols, lineterminator="\n")
    return len(rows)


def neutralise(text: str) -> str:
    """A CSV cell a spreadsheet app will not run as a formula (OWASP "CSV injection"): text
    starting with = + - @, a tab or a carriage return, optionally after apostrophes, gets one
    more apostrophe in front. `unneutralise` takes exactly that one off again, so every text
    reads back as it was ("'=1+1" → "''=1+1" → "'=1+1")."""
    return "'" + text if _INJECTION.match(text) else text


def unneutralise(text: str) -> str:
    """The text `neutralise` was given (other text is returned as it is)."""
    return text[1:] if _NEUTRALISED.match(text) else text


def _write_csv(fh: IO[str], rows: Sequence[GridRow], cols: Sequence[Column], *, lineterminator: str) -> None:  # fmt: skip
    writer = csv.writer(fh, lineterminator=lineterminator, quoting=csv.QUOTE_MINIMAL)
    writer.writerow([c.export_name for c in cols])
    textual = [c.type not in _NUMERIC_TYPES for c in cols]
    for row in rows:
        cells = [c.export_text(row) for c in cols]
        writer.writerow([neutralise(v) if t else v for v, t in zip(cells, textual, strict=True)])


def _number_format(column: Column, row: GridRow) -> str:
    if column.type == "money":
        places = exponent(column.currency(row))
        return "#,##0" + ("." + "0" * places if places else "")
    if column.type == "count":
        return "#,##0"
    if column.type == "percent":
        return "0.00%"
    return "0.00"


def _width(column: Column) -> float:
    if column.type == "id":
        return 38
    if column.key == "name" or column.type == "json":
        return 42
    if column.type == "datetime":
        return 27
    return max(12.0, min(30.0, len(column.export_name) + 3))


def _workbook(
    rows: Sequence[GridRow],
    cols: Sequence[Column],
    *,
    level: str,
    date_range: str | None,
    now: datetime | None,
) -> Any:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    try:
        _fill_workbook(book, rows, cols, level=level, date_range=date_range, now=now)
    except BaseException:
        _discard(book)
        raise
    return book


def _discard(book: Any) -> None:
    """Close a write-only workbook that will not be saved (its sheets hold open temp files
    that would otherwise complain when collected)."""
    for sheet in book.worksheets:
        with contextlib.suppress(Exception):
            sheet.close()


def _fill_workbook(
    book: Any,
    rows: Sequence[GridRow],
    cols: Sequence[Column],
    *,
    level: str,
    date_range: str | None,
    now: datetime | None,
) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils.exceptions import IllegalCharacterError

    sheet = book.create_sheet(SHEET_TITLES[level])
    sheet.freeze_panes = "A2"
    for i, column in enumerate(cols):
        sheet.column_dimensions[_letter(i)].width = _width(column)
    bold = Font(bold=True)
    header = []
    for column in cols:
        cell = WriteOnlyCell(sheet, value=column.export_name)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in rows:
        line: list[Any] = []
        for column in cols:
            value = column.export(row)
            if value is None:
                line.append(None)
                continue
            if column.type in _NUMERIC_TYPES:
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = _number_format(column, row)
            else:
                text = str(value)
                if len(text) > CELL_MAX:
                    raise SheetError(
                        f"the {column.export_name} of {NOUN[level]} {row.name!r} has "
                        f"{len(text):,} characters, more than an Excel cell holds ({CELL_MAX:,}): "
                        "export as CSV instead"
                    )
                try:
                    cell = WriteOnlyCell(sheet, value=text)
                except IllegalCharacterError:
                    raise SheetError(
                        f"the {column.export_name} of {NOUN[level]} {row.name!r} holds a control "
                        "character an Excel workbook can't store: export as CSV instead"
                    ) from None
                cell.data_type = "s"  # never a formula, whatever the text starts with
                cell.number_format = "@"
            line.append(cell)
        sheet.append(line)
    sheet.auto_filter.ref = f"A1:{_letter(len(cols) - 1)}{len(rows) + 1}"
    _about_sheet(book, rows, level=level, date_range=date_range, now=now)


def _about_sheet(
    book: Any, rows: Sequence[GridRow], *, level: str, date_range: str | None, now: datetime | None
) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    sheet = book.create_sheet(ABOUT_SHEET)
    sheet.column_dimensions["A"].width = 16
    sheet.column_dimensions["B"].width = 110
    moment = (now or datetime.now(UTC)).astimezone()
    accounts: dict[str, AccountInfo] = {}
    for row in rows:
        accounts.setdefault(row.account.id, row.account)
    title = WriteOnlyCell(sheet, value=f"snapdesk export: {SHEET_TITLES[level]}")
    title.font = Font(bold=True, size=13)
    sheet.append([title])
    lines: list[tuple[str, str]] = [
        ("level", level),
        ("exported_at", moment.isoformat(timespec="seconds")),
        (
            "date_range",
            f"{date_range} (each ad account's own days)"
            if date_range
            else "none (no stats_ columns)",
        ),
        ("rows", str(len(rows))),
    ]
    lines += [
        ("ad_account", f"{a.name} ({a.id}) · {a.currency} · {a.timezone}")
        for a in sorted(accounts.values(), key=lambda a: a.name.casefold())
    ]
    lines += [
        ("", ""),
        ("import", f"Edit the {SHEET_TITLES[level]} sheet, then import the file: the grid's "
                   "Import… button or `snapdesk import FILE`. Nothing is sent until you post."),
        ("", "A row with an id updates that entity (only the cells that differ); a row without "
             "an id creates one under the campaign_id / ad_squad_id (or ad_account_id) it names."),
        ("", "status ACTIVE or PAUSED resumes or pauses. Columns starting with stats_ are "
             "performance for the date range above: import ignores them, as it ignores headers "
             "starting with # (your own columns)."),
        ("", "Money is in each account's currency units (not micro), with a dot for decimals; "
             "times are in each account's time zone, with their UTC offset."),
        ("", "Keep the id columns as text: an id Excel turned into a number can't be read back."),
    ]  # fmt: skip
    bold = Font(bold=True)
    for key, value in lines:
        key_cell = WriteOnlyCell(sheet, value=key or None)
        key_cell.font = bold
        value_cell = WriteOnlyCell(sheet, value=value or None)
        if value:
            value_cell.data_type = "s"
        sheet.append([key_cell, value_cell])


# ---------------------------------------------------------------------------- reading


class _Bad:
    """A cell that holds no usable value: an Excel error, or a formula never calculated.
    It is a problem only where the column is imported."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message

    def __repr__(self) -> str:
        return f"_Bad({self.message!r})"


class _Literal(str):
    """A CSV cell that was neutralised on export (`'=…`): its text, taken literally."""

    __slots__ = ()


def _csv_cell(text: str) -> str:
    return _Literal(text[1:]) if text[:1] == "'" and _NEUTRALISED.match(text) else text


@dataclass
class _Table:
    """A file read as a spreadsheet shows it."""

    header: list[str]
    header_row: int
    rows: list[tuple[int, list[Any]]]  # (spreadsheet row, cells), blank rows left out
    source: str  # how it was read: "CSV (UTF-8, comma-separated)", "sheet 'Ad squads'"
    level: str | None = None  # named by the About sheet
    text_file: bool = False  # CSV / text: numbers and times are text, formulas have no values
    decimal_comma: bool = False  # the default decimal separator of a text file (semicolons)
    epoch: datetime | None = None  # an XLSX workbook's date system (serial day 0)
    notes: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _name(path: Path) -> str:
    return path.name


def read_table(
    path: str | os.PathLike[str],
    *,
    progress: Progress | None = None,
    cancel: _Cancel | None = None,
) -> _Table:
    """Read an exported (and edited) file: XLSX by its content, anything else as delimited
    text. Raises `SheetError` for a file that can't be read at all."""
    file = Path(path)
    name = _name(file)
    typed = str(file)  # open failures name the path as typed: the folder is part of them
    try:
        if file.is_dir():
            raise SheetError(f"{typed} is a folder: choose a CSV or XLSX file")
        with file.open("rb") as fh:
            head = fh.read(8)
    except FileNotFoundError:
        raise SheetError(f"{typed}: no such file; check the path") from None
    except PermissionError:
        raise SheetError(f"{typed}: permission denied; check the file's permissions") from None
    except OSError as exc:
        raise SheetError(f"{typed}: can't be read ({exc.strerror or exc})") from None
    if not head:
        raise SheetError(f"{name} is empty: export the grid again and edit that file")
    if head.startswith(b"PK\x03\x04"):
        return _read_xlsx(file, progress=progress, cancel=cancel)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise SheetError(
            f"{name} is an Excel 97-2003 workbook (.xls): save it as an Excel Workbook (.xlsx) "
            "or as CSV and import that"
        )
    return _read_csv(file, progress=progress, cancel=cancel)


def _read_csv(file: Path, *, progress: Progress | None, cancel: _Cancel | None) -> _Table:
    name = _name(file)
    try:
        sample = records.sample_file(file)
    except records.InputError as exc:
        if "only blank lines" in exc.message:
            raise SheetError(f"{name} has only blank lines: nothing to import") from None
        raise SheetError(exc.message) from None
    encoding, note = sample.encoding, sample.encoding_note
    if encoding == "latin-1":
        try:
            file.read_bytes()[sample.bom :].decode("cp1252")
        except UnicodeDecodeError:
            pass
        else:
            encoding = "cp1252"
            note = "not valid UTF-8: read as Windows-1252 (Excel's Western European encoding)"
    source = dataclasses.replace(records.TextSource.of(sample, has_header=True), encoding=encoding)
    issues = records.ReadIssues()
    rows: list[tuple[int, list[Any]]] = []
    try:
        for batch, offset, _blank in records.iter_rows(source, issues=issues):
            if cancel is not None and cancel.is_set():
                raise ImportCancelled
            rows.extend((number, [_csv_cell(c) for c in cells]) for number, cells in batch)
            if progress is not None:
                progress(0.4 * offset / max(1, sample.size), f"Reading {name}…")
    except records.InputError as exc:
        raise SheetError(exc.message) from None
    delimiter = sample.delimiter
    how = (
        f"{_DELIMITER_NAMES.get(delimiter, repr(delimiter))}-separated"
        if delimiter
        else "one column"
    )
    table = _Table(
        header=[c.strip() for c in sample.rows[0]],
        header_row=sample.numbers[0],
        rows=rows,
        source=f"CSV ({_CODEC_NAMES.get(encoding, encoding)}, {how})",
        text_file=True,
        decimal_comma=delimiter == ";",
    )
    if note:
        table.notes.append(f"{name}: {note}")
    for issue in issues.summary():
        if issue.kind == records.RUNAWAY_QUOTE:
            table.problems.append(Problem(issue.rows[0], None, issue.message))
    width = len(table.header)
    for number, cells in rows:
        extra = [(i, c) for i, c in enumerate(cells[width:], width) if c.strip()]
        if extra:
            index, text = extra[0]
            table.problems.append(
                Problem(
                    number,
                    f"column {_letter(index)}",
                    f"{_short(text)} lies beyond the last column of the header: a delimiter "
                    "inside a cell that is not quoted? Quote the cell, or remove the value",
                )
            )
    return table


def _xlsx_value(value_cell: Any, formula_cell: Any, ref: str) -> Any:
    value = getattr(value_cell, "value", None)
    if getattr(value_cell, "data_type", None) == "e" or (
        isinstance(value, str) and value.strip() in _EXCEL_ERRORS
    ):
        return _Bad(
            f"{value!s} in {ref} is an Excel error, not a value: Excel read the cell as a "
            "formula; type the value again (start it with ' to keep it as text)"
        )
    if value is None and getattr(formula_cell, "data_type", None) == "f":
        return _Bad(
            f"{ref} holds a formula without a saved value — open and save the file in Excel"
        )
    return value


def _first_row(sheet: Any, limit: int = 50) -> tuple[int, list[str]] | None:
    """The first non-empty row (its number and cells as text), within the first `limit`."""
    for number, cells in enumerate(sheet.iter_rows(min_row=1, max_row=limit, values_only=True), 1):
        texts = ["" if v is None else str(v).strip() for v in cells]
        if any(texts):
            return number, texts
    return None


def _about_level(book: Any) -> str | None:
    if ABOUT_SHEET not in book.sheetnames:
        return None
    for cells in book[ABOUT_SHEET].iter_rows(min_row=1, max_row=30, values_only=True):
        if len(cells) >= 2 and str(cells[0] or "").strip() == "level":
            level = str(cells[1] or "").strip()
            return level if level in LEVELS else None
    return None


def _grid_header(texts: Sequence[str]) -> bool:
    """True when a row reads as a grid header: an `id` or `name` column and another one."""
    names = {_norm(t) for t in texts if t}
    known = {n for n in names if any(n in _lookup(level) for level in LEVELS)}
    return bool(known & {"id", "name"}) and len(known) >= 2


def _header_level(texts: Sequence[str]) -> str | None:
    """The one level whose columns explain a header best (None: a tie)."""
    names = [_norm(t) for t in texts if t and not _ignored(t)]
    unknown = {level: sum(1 for n in names if n not in _lookup(level)) for level in LEVELS}
    fewest = min(unknown.values())
    found = [level for level in LEVELS if unknown[level] == fewest]
    return found[0] if len(found) == 1 else None


_FORMULA_TAG: Final = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")


def _has_formulas(file: Path, member: str | None) -> bool:
    """Whether a worksheet's XML holds a formula element (read in blocks; True when unsure)."""
    if not member:
        return True
    try:
        with zipfile.ZipFile(file) as archive, archive.open(member.lstrip("/")) as fh:
            tail = b""
            while block := fh.read(1 << 20):
                if _FORMULA_TAG.search(tail + block):
                    return True
                tail = block[-32:]
    except (KeyError, OSError, zipfile.BadZipFile):
        return True
    return False


def _read_xlsx(file: Path, *, progress: Progress | None, cancel: _Cancel | None) -> _Table:
    """Read the grid's sheet: by saved values, and, only when the sheet holds formulas, with
    the formulas beside them (a formula Excel never calculated has no saved value)."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    name = _name(file)
    unreadable = (zipfile.BadZipFile, KeyError, ValueError, TypeError, InvalidFileException, OSError)  # fmt: skip

    def load(data_only: bool) -> Any:
        try:
            return openpyxl.load_workbook(file, read_only=True, data_only=data_only)
        except PermissionError:
            raise SheetError(f"{name}: permission denied; check the file's permissions") from None
        except unreadable as exc:
            raise SheetError(
                f"{name} can't be read as an Excel workbook ({exc}): open it in Excel and save "
                "it again as .xlsx, or save it as CSV"
            ) from None

    values = load(True)
    formulas = None
    try:
        title, header_row, header, about_level = _choose_sheet(file, values)
        if _has_formulas(file, getattr(values[title], "_worksheet_path", None)):
            formulas = load(False)
        table = _read_sheet(
            file, values, formulas, title, header_row, header, progress=progress, cancel=cancel
        )
        table.level = about_level
        return table
    finally:
        values.close()
        if formulas is not None:
            formulas.close()


def _choose_sheet(file: Path, values: Any) -> tuple[str, int, list[str], str | None]:
    """The sheet to import: the one whose first row is a grid header. Several such sheets
    are an error naming them, unless exactly one holds the level the About sheet names (a
    campaigns sheet pasted into an ad squads export)."""
    name = _name(file)
    about_level = _about_level(values)
    titles = [ws.title for ws in values.worksheets]
    candidates: list[tuple[str, int, list[str]]] = []
    for sheet in values.worksheets:
        if sheet.title == ABOUT_SHEET:
            continue
        first = _first_row(sheet)
        if first is not None and _grid_header(first[1]):
            candidates.append((sheet.title, *first))
    listed = ", ".join(repr(t) for t in titles)
    if not candidates:
        raise SheetError(
            f"{name}: no sheet starts with a header row of grid columns (id, name, status, …); "
            f"its sheets: {listed}"
        )
    if about_level is not None and len(candidates) > 1:
        mine = [c for c in candidates if _header_level(c[2]) == about_level]
        if len(mine) == 1:
            candidates = mine
    if len(candidates) > 1:
        raise SheetError(
            f"{name} has {len(candidates)} sheets with grid columns "
            f"({', '.join(repr(c[0]) for c in candidates)}): snapdesk can't tell which one to "
            "import; delete the others (or move them to a workbook of their own) and import "
            "again"
        )
    title, header_row, header = candidates[0]
    return title, header_row, header, about_level


def _read_sheet(
    file: Path,
    values: Any,
    formulas: Any | None,
    title: str,
    header_row: int,
    header: list[str],
    *,
    progress: Progress | None,
    cancel: _Cancel | None,
) -> _Table:
    name = _name(file)
    titles = [ws.title for ws in values.worksheets]
    value_sheet = values[title]
    total = value_sheet.max_row or 0
    while header and not header[-1]:
        header.pop()
    width = len(header)
    rows: list[tuple[int, list[Any]]] = []
    formulas_read: list[str] = []
    stray: dict[int, int] = {}  # column index beyond the header → first row with a value
    value_rows = value_sheet.iter_rows(min_row=header_row + 1)
    formula_rows: Iterable[Any] = (
        formulas[title].iter_rows(min_row=header_row + 1) if formulas is not None else ()
    )
    pairs = itertools.zip_longest(value_rows, formula_rows, fillvalue=())
    for number, (value_cells, formula_cells) in enumerate(pairs, header_row + 1):
        if number % 500 == 0:
            if cancel is not None and cancel.is_set():
                raise ImportCancelled
            if progress is not None and total:
                progress(0.4 * number / total, f"Reading {name}…")
        cells: list[Any] = []
        filled = False
        for index, value_cell in enumerate(value_cells):
            formula_cell = formula_cells[index] if index < len(formula_cells) else None
            ref = f"{_letter(index)}{number}"
            value = _xlsx_value(value_cell, formula_cell, ref)
            if isinstance(value, str) and not value.strip():
                value = None
            if value is None:
                cells.append(None)
                continue
            filled = True
            if index >= width:
                stray.setdefault(index, number)
                continue
            if (
                getattr(formula_cell, "data_type", None) == "f"
                and not isinstance(value, _Bad)
                and len(formulas_read) < 3
            ):
                formulas_read.append(ref)
            cells.append(value)
        if filled:
            rows.append((number, cells[:width] + [None] * (width - len(cells[:width]))))
    table = _Table(
        header=header,
        header_row=header_row,
        rows=rows,
        source=f"sheet {title!r}",
        epoch=getattr(values, "epoch", None),
    )
    others = [t for t in titles if t not in (title, ABOUT_SHEET)]
    if others:
        listed = ", ".join(repr(t) for t in others)
        table.notes.append(f"Read the sheet {title!r}; the others were not read ({listed})")
    if formulas_read:
        table.notes.append(
            f"Cells holding formulas were read by the values Excel saved with them (e.g. "
            f"{formulas_read[0]})"
        )
    for index, number in sorted(stray.items()):
        table.problems.append(
            Problem(
                number,
                f"column {_letter(index)}",
                "holds values but has no header: name the column, or clear it",
            )
        )
    return table


# ---------------------------------------------------------------------------- the plan


@dataclass(frozen=True)
class Problem:
    """Something wrong with the file: the spreadsheet row (None: the whole file or a column),
    the column header as written, and the reason."""

    row: int | None
    column: str | None
    message: str
    value: str | None = None  # the cell as the file holds it (row and column known)

    def __str__(self) -> str:
        where = ", ".join(
            p for p in (f"row {self.row}" if self.row else "", self.column or "") if p
        )
        return f"{where}: {self.message}" if where else self.message

    def to_json(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "value": self.value, "message": self.message}  # fmt: skip


@dataclass(frozen=True)
class CellChange:
    """One cell that changes, as the file shows values (old is empty for a create)."""

    column: str
    old: str
    new: str


Action = Literal["create", "update"]


@dataclass(frozen=True)
class PlannedRow:
    """One row that queues a change."""

    row: int
    action: Action
    kind: str
    entity_id: str | None  # None for a create
    name: str
    ad_account_id: str
    parent_id: str | None  # a create's campaign / ad squad (the account for a campaign)
    parent_name: str | None
    fields: Mapping[str, Any]  # API fields, as EditService takes them
    cells: tuple[CellChange, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "action": self.action,
            "kind": self.kind,
            "id": self.entity_id,
            "name": self.name,
            "ad_account_id": self.ad_account_id,
            "parent_id": self.parent_id,
            "parent_name": self.parent_name,
            "cells": {c.column: {"old": c.old, "new": c.new} for c in self.cells},
        }


@dataclass
class ImportPlan:
    """What importing a file would queue, and everything wrong with it."""

    path: Path
    level: str
    source: str
    rows: int = 0
    items: list[PlannedRow] = field(default_factory=list)
    unchanged: int = 0
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # stats_ and # headers: never imported

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def creates(self) -> list[PlannedRow]:
        return [i for i in self.items if i.action == "create"]

    @property
    def updates(self) -> list[PlannedRow]:
        return [i for i in self.items if i.action == "update"]

    @property
    def change_count(self) -> int:
        return len(self.items)

    @property
    def label(self) -> str:
        """The undo step's name."""
        n = self.change_count
        return f"Import {self.path.name}: {n} change{'s' if n != 1 else ''}"

    @property
    def problem_rows(self) -> int:
        return len({e.row for e in self.errors if e.row is not None})

    def summary(self) -> str:
        """'2 creates, 5 updates, 113 unchanged' (', 3 rows with problems')."""

        def count(n: int, word: str) -> str:
            return f"{n} {word}{'s' if n != 1 else ''}"

        parts = [
            count(len(self.creates), "create"),
            count(len(self.updates), "update"),
            f"{self.unchanged} unchanged",
        ]
        if self.problem_rows:
            parts.append(count(self.problem_rows, "row") + " with problems")
        return ", ".join(parts)

    def to_json(self) -> dict[str, Any]:
        return {
            "file": str(self.path),
            "level": self.level,
            "source": self.source,
            "rows": self.rows,
            "creates": len(self.creates),
            "updates": len(self.updates),
            "unchanged": self.unchanged,
            "problem_rows": self.problem_rows,
            "ok": self.ok,
            "changes": [i.to_json() for i in self.items],
            "errors": [e.to_json() for e in self.errors],
            "warnings": [w.to_json() for w in self.warnings],
            "notes": list(self.notes),
            "ignored_columns": list(self.ignored),
        }

    def ignored_note(self) -> str | None:
        """'Not imported: 11 performance columns (stats_spend, …): edits there change
        nothing; 1 column of your own (# notes)', or None."""
        stats = [h for h in self.ignored if not h.startswith("#")]
        own = [h for h in self.ignored if h.startswith("#")]
        parts = []
        if stats:
            shown = ", ".join(stats[:2]) + (", …" if len(stats) > 2 else "")
            noun = "performance column" + ("s" if len(stats) != 1 else "")
            parts.append(f"{len(stats)} {noun} ({shown}): edits there change nothing")
        if own:
            shown = ", ".join(own[:2]) + (", …" if len(own) > 2 else "")
            parts.append(f"{len(own)} column{'s' if len(own) != 1 else ''} of your own ({shown})")
        return "Not imported: " + "; ".join(parts) if parts else None


def _norm(header: str) -> str:
    return re.sub(r"[\s\-]+", "_", header.strip().lstrip("\ufeff").casefold())


_LOOKUPS: dict[str, dict[str, Column]] = {}


def _lookup(level: str) -> dict[str, Column]:
    """A level's columns by normalized file name, key and screen header."""
    found = _LOOKUPS.get(level)
    if found is None:
        found = {}
        for column in columns_for(level):
            for spelling in (column.export_name, column.key, column.header):
                found.setdefault(_norm(spelling), column)
        _LOOKUPS[level] = found
    return found


def _ignored(header: str) -> bool:
    """Performance columns and the user's own (`# notes`): never imported."""
    return _norm(header).startswith("stats_") or header.startswith("#")


@dataclass(frozen=True)
class _FileColumn:
    index: int
    header: str  # as written
    column: Column


# -- numbers and times written as text (CSV, or text cells of a workbook) -----------------------

_NUMBER_TOKEN: Final = re.compile(r"\d[\d.,]*")
_GROUPS_OF_THREE: Final = re.compile(r"^\d{1,3}(?:[.,]\d{3})+$")


def _separator_of(text: str) -> str | None:
    """The decimal separator a number written as text shows: "," for 45,00 or 1.234,50,
    "." for 45.00 or 1,234.50; None when it can't tell (12, 1.234, 1,234)."""
    match = _NUMBER_TOKEN.search(text)
    if match is None:
        return None
    token = match.group().rstrip(".,")
    if "." in token and "," in token:
        return "," if token.rfind(",") > token.rfind(".") else "."
    if _GROUPS_OF_THREE.match(token) or ("." not in token and "," not in token):
        return None
    return "," if "," in token else "."


def _decimal_comma_to_point(text: str) -> str:
    """45,00 → 45.00 and 1.234,50 → 1234.50 (the dots group thousands)."""

    def swap(match: re.Match[str]) -> str:
        return match.group().replace(".", "").replace(",", ".")

    return _NUMBER_TOKEN.sub(swap, text, count=1)


_SERIAL: Final = re.compile(r"^\d{5}(?:[.,]\d+)?$")
# Excel's day numbers for 2000-01-01 and 2100-01-01: a number outside is not meant as a date.
_SERIAL_FIRST: Final = 36526
_SERIAL_END: Final = 73051
_WINDOWS_EPOCH: Final = datetime(1899, 12, 30)
_DAY_FIRST_SEPARATORS: Final = ".-"
_LOCAL_TEXT: Final = re.compile(
    r"^(?P<a>\d{1,4})(?P<sep>[/.\-])(?P<b>\d{1,2})(?P=sep)(?P<c>\d{2,4})"
    r"(?:[ T,]+(?P<h>\d{1,2})[:.](?P<m>\d{2})(?:[:.](?P<s>\d{2}))?(?:[.,]\d+)?"
    r"\s*(?P<ampm>[AaPp]\.?\s?[Mm]\.?)?)?$"
)
_ISO_DAY: Final = re.compile(r"^\d{4}-\d{2}-\d{2}")


def _is_local_date(text: str) -> bool:
    match = _LOCAL_TEXT.match(text.strip())
    return match is not None and (len(match["a"]) == 4 or len(match["c"]) == 4)


def _from_serial(number: float, epoch: datetime | None) -> datetime:
    """An Excel date serial (days since the workbook's day 0, fractions of a day) as a naive
    datetime rounded to the second."""
    if not _SERIAL_FIRST <= number < _SERIAL_END:
        raise CellError(f"{number:g} is a number, not a date and time: type it as 2026-05-01 09:00")
    base = epoch or _WINDOWS_EPOCH
    seconds = round(number * 86_400)
    return base + timedelta(seconds=seconds)


def _day_order(text: str) -> str | None:
    """What a date like 17/03/2026 says about the file's order of day and month: "dmy",
    "mdy" or None (03/04/2026, or not such a date)."""
    match = _LOCAL_TEXT.match(text.strip())
    if match is None or len(match["a"]) > 2 or match["sep"] != "/":
        return None
    first, second = int(match["a"]), int(match["b"])
    if first > 12 >= second:
        return "dmy"
    if second > 12 >= first:
        return "mdy"
    return None


def _local_text(text: str, order: str | None) -> datetime | None:
    """A date and time as spreadsheets write them in the user's locale, as a naive datetime
    (the account's zone is applied later): 3/17/2026 4:26 PM, 17/03/2026 16:26, 17.03.2026,
    2026/03/17 16:26, or an Excel day number (46098.68). None: not such a text (ISO text and
    everything else go to the grid's own parser). A slash date whose day and month can't be
    told apart (03/04/2026) raises, unless another cell of the file told the order."""
    raw = text.strip()
    if _SERIAL.match(raw):
        return _from_serial(float(raw.replace(",", ".")), None)
    if _ISO_DAY.match(raw):
        return None
    match = _LOCAL_TEXT.match(raw)
    if match is None:
        return None
    a, b, c = match["a"], int(match["b"]), match["c"]
    if len(a) == 4:  # 2026/03/17
        year, month, day = int(a), b, int(c)
    else:
        if len(c) != 4:
            raise CellError(f"{raw!r}: write the year with four digits, or type 2026-05-01 09:00")
        year = int(c)
        first = int(a)
        if match["sep"] in _DAY_FIRST_SEPARATORS:
            day, month = first, b
        elif first == b:
            day = month = first
        else:
            said = _day_order(raw) or order
            if said is None:
                raise CellError(
                    f"{raw!r} can be {first} {_MONTHS[b - 1]} or {b} {_MONTHS[first - 1]}: "
                    "type it as 2026-05-01 09:00 (year-month-day)"
                    if first <= 12 and b <= 12
                    else f"{raw!r} is not a date"
                )
            day, month = (first, b) if said == "dmy" else (b, first)
    hour = int(match["h"] or 0)
    minute = int(match["m"] or 0)
    second = int(match["s"] or 0)
    ampm = (match["ampm"] or "").replace(".", "").replace(" ", "").upper()
    if ampm:
        if not 1 <= hour <= 12:
            raise CellError(f"{raw!r}: with AM or PM the hour is 1 to 12")
        hour = hour % 12 + (12 if ampm == "PM" else 0)
    try:
        return datetime(year, month, day, hour, minute, second)
    except ValueError:
        raise CellError(f"{raw!r} is not a date and time: type it as 2026-05-01 09:00") from None


_MONTHS: Final = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip


def _detect_level(store: Store, table: _Table) -> str | None:
    """The level whose columns explain the header best; a tie is settled by the ids."""
    names = [_norm(h) for h in table.header if h and not _ignored(h)]
    unknown = {level: sum(1 for n in names if n not in _lookup(level)) for level in LEVELS}
    fewest = min(unknown.values())
    candidates = [level for level in LEVELS if unknown[level] == fewest]
    if len(candidates) == 1:
        return candidates[0]
    if "id" not in names:
        return None
    index = names.index("id")
    found: Counter[str] = Counter()
    for _number, cells in table.rows[:200]:
        value = cells[index] if index < len(cells) else None
        if not isinstance(value, str) or not value.strip():
            continue
        for level in candidates:
            if store.get(level, value.strip()) is not None:
                found[level] += 1
    return found.most_common(1)[0][0] if found else None


class _Planner:
    """Turns a table into a plan (one per import)."""

    def __init__(self, store: Store, table: _Table, plan: ImportPlan) -> None:
        self.store = store
        self.table = table
        self.plan = plan
        self.level = plan.level
        self.columns: list[_FileColumn] = []
        self.by_key: dict[str, _FileColumn] = {}
        self._rows: dict[str, GridRow] | None = None
        self._parents: list[GridRow] | None = None
        self._accounts: dict[str, AccountInfo] | None = None
        self.read_only_diffs: dict[str, list[int]] = {}
        self.left_empty: dict[str, list[int]] = {}  # header → rows whose empty cell changed nothing
        self.decimal_comma = table.decimal_comma
        self.day_order: str | None = None  # "dmy" / "mdy", when a date of the file says

    # -- how the file writes numbers and dates ---------------------------------------------

    def read_conventions(self) -> None:
        """Decide, for the whole file, the decimal separator of amounts written as text and
        the order of day and month in dates like 03/04/2026, from the cells that show them
        (45,00 or 1.234,50: a decimal comma; 17/03/2026: day first). A file that shows both
        ways is an error naming a cell of each: snapdesk never guesses per cell."""
        money = [p for p in self.columns if p.column.type == "money" and p.column.importable]
        times = [p for p in self.columns if p.column.type == "datetime" and p.column.importable]
        if not money and not times:
            return
        seps: dict[str, tuple[int, str, str]] = {}
        orders: dict[str, tuple[int, str, str]] = {}
        for number, cells in self.table.rows:
            for placed in money:
                raw = cells[placed.index] if placed.index < len(cells) else None
                if isinstance(raw, str) and raw:
                    sep = _separator_of(raw)
                    if sep is not None and sep not in seps:
                        seps[sep] = (number, placed.header, raw.strip())
            for placed in times:
                raw = cells[placed.index] if placed.index < len(cells) else None
                if isinstance(raw, str) and "/" in raw:
                    order = _day_order(raw)
                    if order is not None and order not in orders:
                        orders[order] = (number, placed.header, raw.strip())
        if len(seps) == 2:
            (n1, h1, v1), (n2, h2, v2) = sorted(seps.values())
            self.error(
                n2,
                h2,
                f"{_short(v2)} and {_short(v1)} (row {n1}, {h1}) use different decimal "
                "separators: write every amount of the file the same way (45.00, or 45,00 "
                "in a semicolon-separated file)",
            )
        elif seps:
            self.decimal_comma = "," in seps
        if self.decimal_comma:
            self.plan.notes.append(
                "Amounts were read with a decimal comma, as European Excel writes them "
                "(1.234,50 is 1234.50)"
            )
        if len(orders) == 2:
            (n1, h1, v1), (n2, h2, v2) = sorted(orders.values())
            self.error(
                n2,
                h2,
                f"{_short(v2)} and {_short(v1)} (row {n1}, {h1}) put the day and the month in "
                "different orders: type dates as 2026-05-01 09:00 (year-month-day)",
            )
        elif orders:
            self.day_order = next(iter(orders))
            first = next(iter(orders.values()))
            how = "day/month/year" if self.day_order == "dmy" else "month/day/year"
            self.plan.notes.append(
                f"Dates with slashes were read as {how}, as {_short(first[2])} (row {first[0]}) "
                "shows"
            )

    # -- columns -------------------------------------------------------------------------

    def map_columns(self) -> None:
        level = self.level
        lookup = _lookup(level)
        seen: dict[str, _FileColumn] = {}
        width = len(self.table.header)
        for index, header in enumerate(self.table.header):
            if not header:
                if any(index < len(c) and c[index] is not None for _, c in self.table.rows):
                    self.error(None, f"column {_letter(index)}", "holds values but has no header: name the column, or clear it")  # fmt: skip
                continue
            if _ignored(header):
                self.plan.ignored.append(header)
                continue
            column = lookup.get(_norm(header))
            if column is None:
                self.error(None, header, self._unknown(header, index))
                continue
            if column.key in seen:
                first = seen[column.key]
                self.error(
                    None,
                    header,
                    f"column {_letter(index)} repeats column {_letter(first.index)} "
                    f"({first.header}): keep one of them",
                )
                continue
            placed = _FileColumn(index, header, column)
            seen[column.key] = placed
            self.columns.append(placed)
        self.by_key = seen
        if "id" not in seen and width:
            self.error(
                None,
                None,
                f"the file has no id column: every row would create a new {NOUN[level]}; keep "
                "the id column of the export (empty in the rows that create)",
            )

    def _unknown(self, header: str, index: int) -> str:
        norm = _norm(header)
        owners = [NOUNS[lv] for lv in LEVELS if lv != self.level and norm in _lookup(lv)]
        where = f"column {_letter(index)}"
        if owners:
            return (
                f"{' and '.join(owners)} have this column, {NOUNS[self.level]} don't ({where}): "
                f"this file holds {NOUNS[self.level]}; remove the column"
            )
        names = sorted({c.export_name for c in columns_for(self.level)})
        close = difflib.get_close_matches(norm, names, n=1, cutoff=0.75)
        hint = f"; did you mean {close[0]}?" if close else ""
        return (
            f"unknown column ({where}){hint} A column of your own must start with # "
            "(it is then not imported)"
        )

    # -- helpers --------------------------------------------------------------------------

    def error(self, row: int | None, column: str | None, message: str) -> None:
        self.plan.errors.append(Problem(row, column, _clip(message)))

    def header_of(self, key: str) -> str:
        placed = self.by_key.get(key)
        return placed.header if placed else COLUMNS[key].export_name

    def header_for_field(self, api_field: str) -> str:
        api_field = entity_field(api_field)  # targeting.geos: the targeting column
        for placed in self.columns:
            if placed.column.field == api_field:
                return placed.header
        return api_field.removesuffix("_micro")

    @property
    def rows_by_id(self) -> dict[str, GridRow]:
        if self._rows is None:
            self._rows = {r.id: r for r in load_rows(self.store, self.level)}
        return self._rows

    @property
    def parents(self) -> list[GridRow]:
        if self._parents is None:
            kind = {AD_SQUAD: CAMPAIGN, AD: AD_SQUAD}[self.level]
            self._parents = load_rows(self.store, kind)
        return self._parents

    @property
    def accounts(self) -> dict[str, AccountInfo]:
        if self._accounts is None:
            self._accounts = account_infos(self.store)
        return self._accounts

    def cell(self, cells: list[Any], key: str) -> Any:
        placed = self.by_key.get(key)
        if placed is None or placed.index >= len(cells):
            return None
        return cells[placed.index]

    def value_for(self, number: int, placed: _FileColumn, raw: Any) -> Any:
        """A cell made ready for `parse_cell` / `same_value`, or raises CellError."""
        column = placed.column
        if isinstance(raw, _Bad):
            raise CellError(raw.message)
        if isinstance(raw, str) and len(raw) > CELL_MAX:
            raise CellError(
                f"the cell holds {len(raw):,} characters; a spreadsheet cell holds at most "
                f"{CELL_MAX:,}"
            )
        if isinstance(raw, bool):
            raw = "TRUE" if raw else "FALSE"
        if isinstance(raw, str) and not isinstance(raw, _Literal):
            self.refuse_formula(raw, column)
        if column.type == "id":
            return self.id_value(raw)
        if isinstance(raw, str) and raw.strip() in _EXCEL_ERRORS:
            raise CellError(
                f"{raw.strip()} is an Excel error, not a value: Excel read the cell as a "
                "formula; type the value again"
            )
        if column.type in _NUMERIC_TYPES:
            if isinstance(raw, float):
                if not math.isfinite(raw):
                    raise CellError(f"{raw} is not an amount")
                return Decimal(f"{raw:.15g}")  # what the spreadsheet shows: 15 digits
            if isinstance(raw, date | time):
                shown = raw.isoformat(sep=" ") if isinstance(raw, datetime) else raw.isoformat()
                raise CellError(
                    f"{shown} is a date or time, not an amount (did the spreadsheet read what "
                    "was typed as a date? Format the cell as a number and type the amount)"
                )
            if isinstance(raw, str) and (_ISO_DAY.match(raw.strip()) or _is_local_date(raw)):
                raise CellError(
                    f"{_short(raw.strip())} is a date, not an amount: type the amount in the "
                    "account's currency (e.g. 12.50)"
                )
            if isinstance(raw, str) and self.decimal_comma:
                return _decimal_comma_to_point(raw.strip())
            return raw
        if column.type == "datetime":
            if isinstance(raw, datetime):
                return _whole_second(raw)
            if isinstance(raw, date):
                return datetime.combine(raw, time())
            if isinstance(raw, time):
                raise CellError(f"{raw} is only a time: give a date and time")
            if isinstance(raw, int | float | Decimal):
                return _from_serial(float(raw), self.table.epoch)
            if isinstance(raw, str):
                return _local_text(raw, self.day_order) or raw
            return raw
        if isinstance(raw, float):
            return f"{raw:.15g}"
        if isinstance(raw, int | Decimal):
            return str(raw)
        if isinstance(raw, datetime):
            return raw.isoformat(sep=" ")
        return raw

    def refuse_formula(self, raw: str, column: Column) -> None:
        """A text file keeps no formula results: a cell starting with = is refused unless it
        is an amount set with =120 (a grid expression), or was neutralised on export."""
        text = raw.strip()
        if not self.table.text_file or not text.startswith("="):
            return
        if column.type == "money" and re.fullmatch(r"=\s*[\d.,\s]+", text):
            return
        raise CellError(
            f"{_short(text)} is a formula, and a CSV file keeps no formula results: type the "
            "value, or save the file as XLSX (text that really starts with = is written '=…)"
        )

    def id_value(self, raw: Any) -> str | None:
        if raw is None:
            return None
        if isinstance(raw, _Bad):
            raise CellError(raw.message)
        if isinstance(raw, float | int | Decimal) or (
            isinstance(raw, str) and _SCIENTIFIC.match(raw.strip())
        ):
            text = raw.strip() if isinstance(raw, str) else str(raw)
            if isinstance(raw, int) and text in self.rows_by_id:
                return text
            raise CellError(
                f"{text} is a number, not an id: Excel turned the id into a number and its digits "
                "are lost; export again and keep the id columns as text"
            )
        text = str(raw).strip()
        return text or None

    # -- rows -----------------------------------------------------------------------------

    def duplicates(self) -> dict[str, list[int]]:
        """Ids that name several rows, with those rows."""
        placed = self.by_key.get("id")
        if placed is None:
            return {}
        found: dict[str, list[int]] = {}
        for number, cells in self.table.rows:
            raw = cells[placed.index] if placed.index < len(cells) else None
            if isinstance(raw, str) and raw.strip():
                found.setdefault(raw.strip(), []).append(number)
        return {key: numbers for key, numbers in found.items() if len(numbers) > 1}

    def plan_rows(self, progress: Progress | None, cancel: _Cancel | None) -> None:
        repeated = self.duplicates()
        total = len(self.table.rows)
        id_column = self.by_key.get("id")
        for done, (number, cells) in enumerate(self.table.rows):
            if done % 200 == 0:
                if cancel is not None and cancel.is_set():
                    raise ImportCancelled
                if progress is not None:
                    progress(0.4 + 0.4 * done / max(1, total), "Checking rows…")
            if not any(
                v is not None and not (isinstance(v, str) and not v.strip())
                for i, v in enumerate(cells)
                if i < len(self.table.header) and not _ignored(self.table.header[i])
            ):
                continue  # only performance or comment cells (a totals row): nothing to import
            self.plan.rows += 1
            entity_id: str | None = None
            if id_column is not None:
                try:
                    entity_id = self.id_value(self.cell(cells, "id"))
                except CellError as exc:
                    self.error(number, id_column.header, str(exc))
                    continue
            if entity_id is None:
                self.plan_create(number, cells)
                continue
            if entity_id in repeated:
                others = [n for n in repeated[entity_id] if n != number]
                listed = _and(others[:5]) + (f" and {len(others) - 5} more" if len(others) > 5 else "")  # fmt: skip
                self.error(
                    number,
                    self.header_of("id"),
                    f"{_short(entity_id)} is also in row{'s' if len(others) > 1 else ''} "
                    f"{listed}: a file may hold each {NOUN[self.level]} once; keep one of these "
                    "rows",
                )
                continue
            self.plan_update(number, cells, entity_id)

    def unknown_id(self, entity_id: str) -> str:
        for kind in (CAMPAIGN, AD_SQUAD, AD, CREATIVE):
            if kind != self.level and self.store.get(kind, entity_id) is not None:
                noun = "creative" if kind == CREATIVE else NOUN[kind]
                return (
                    f"{_short(entity_id)} is the id of {_a(noun)}, not of "
                    f"{_a(NOUN[self.level])}: this file holds {NOUNS[self.level]}"
                )
        return (
            f"no {NOUN[self.level]} with id {_short(entity_id)} in the local cache: it was "
            "deleted on Snap, or its ad account is not synced (snapdesk sync)"
        )

    def plan_update(self, number: int, cells: list[Any], entity_id: str) -> None:
        row = self.rows_by_id.get(entity_id)
        id_header = self.header_of("id")
        if row is None:
            self.error(number, id_header, self.unknown_id(entity_id))
            return
        noun = f"{NOUN[self.level]} {row.name!r}"
        if not self.identity_agrees(number, cells, row):
            return
        fields: dict[str, Any] = {}
        setters: dict[str, str] = {}
        changed: list[_FileColumn] = []
        failed = False
        for placed in self.columns:
            column = placed.column
            if column.key in IDENTITY[self.level]:
                continue
            raw = cells[placed.index] if placed.index < len(cells) else None
            if not column.importable:
                if not isinstance(raw, _Bad) and not self.same(row, placed, number, raw):
                    self.read_only_diffs.setdefault(placed.header, []).append(number)
                continue
            try:
                value = self.value_for(number, placed, raw)
                if _as_text(value) == column.export_text(row) or same_value(row, column, value):
                    continue  # (the text check: a cached value finer than the file can say)
                if not _as_text(value) and column.key not in CLEARABLE[self.level]:
                    self.left_empty.setdefault(placed.header, []).append(number)
                    continue  # an empty cell leaves the setting as it is
                new_fields = parse_cell(row, column, value)
            except CellError as exc:
                self.error(number, placed.header, str(exc))
                failed = True
                continue
            if not self.merge(number, placed, new_fields, fields, setters):
                failed = True
                continue
            changed.append(placed)
        if failed or not fields:
            if not failed:
                self.plan.unchanged += 1
            return
        if row.mark == MARK_DELETE:
            self.error(
                number,
                id_header,
                f"the {noun} is queued for deletion: revert the deletion in Pending Changes to "
                "edit it",
            )
            return
        if row.data.get("deleted"):
            self.error(number, id_header, f"the {noun} was deleted on Snap")
            return
        after = _with_fields(row, fields)
        self.plan.items.append(
            PlannedRow(
                row=number,
                action="update",
                kind=self.level,
                entity_id=row.id,
                name=after.name or row.name,
                ad_account_id=row.account.id,
                parent_id=row.parent_id,
                parent_name=row.campaign_name if self.level == AD_SQUAD else row.ad_squad_name,
                fields=fields,
                cells=tuple(
                    CellChange(p.header, p.column.export_text(row), p.column.export_text(after))
                    for p in changed
                ),
            )
        )

    def same(self, row: GridRow, placed: _FileColumn, number: int, raw: Any) -> bool:
        try:
            return same_value(row, placed.column, self.value_for(number, placed, raw))
        except CellError:
            return False

    def merge(
        self,
        number: int,
        placed: _FileColumn,
        new: Mapping[str, Any],
        fields: dict[str, Any],
        setters: dict[str, str],
    ) -> bool:
        """Add a cell's fields to the row's; two cells setting one field differently is an
        error (a hand-made file with both `budget` and `daily_budget`)."""
        for key, value in new.items():
            if key in fields and fields[key] != value:
                self.error(
                    number,
                    placed.header,
                    f"says something else than {setters[key]} about the same setting: keep one",
                )
                return False
        for key, value in new.items():
            fields[key] = value
            setters.setdefault(key, placed.header)
        return True

    def identity_agrees(self, number: int, cells: list[Any], row: GridRow) -> bool:
        """The account and parent cells of an existing row must be the row's own: an entity
        can't move, and a mismatch means rows were mixed up (sorted apart from each other)."""
        held = {"ad_account_id": row.account.id, "campaign_id": row.campaign_id, "ad_squad_id": row.ad_squad_id}  # fmt: skip
        what = {"ad_account_id": "ad account", "campaign_id": "campaign", "ad_squad_id": "ad squad"}
        for key in IDENTITY[self.level][1:]:
            placed = self.by_key.get(key)
            if placed is None:
                continue
            try:
                given = self.id_value(cells[placed.index] if placed.index < len(cells) else None)
            except CellError as exc:
                self.error(number, placed.header, str(exc))
                return False
            if given is None or given == held[key]:
                continue
            self.error(
                number,
                placed.header,
                f"the {NOUN[self.level]} {row.name!r} is in {what[key]} {_short(held[key])}, "
                f"not {_short(given)}: it can't move to another {what[key]} (were some columns "
                "sorted apart from the others?)",
            )
            return False
        return True

    # -- creates --------------------------------------------------------------------------

    def plan_create(self, number: int, cells: list[Any]) -> None:
        parent = self.resolve_parent(number, cells)
        if parent is None:
            return
        account, parent_id, parent_name = parent
        row = GridRow(self.level, "", account, {})
        fields: dict[str, Any] = {}
        setters: dict[str, str] = {}
        shown: list[_FileColumn] = []
        failed = False
        for placed in self.columns:
            column = placed.column
            if not column.importable or column.key in IDENTITY[self.level]:
                continue
            raw = cells[placed.index] if placed.index < len(cells) else None
            try:
                value = self.value_for(number, placed, raw)
                if value is None or (isinstance(value, str) and not value.strip()):
                    continue
                new_fields = parse_cell(row, column, value)
            except CellError as exc:
                self.error(number, placed.header, str(exc))
                failed = True
                continue
            if not self.merge(number, placed, new_fields, fields, setters):
                failed = True
                continue
            shown.append(placed)
        if failed:
            return
        after = _with_fields(row, fields)
        self.plan.items.append(
            PlannedRow(
                row=number,
                action="create",
                kind=self.level,
                entity_id=None,
                name=after.name,
                ad_account_id=account.id,
                parent_id=parent_id,
                parent_name=parent_name,
                fields=fields,
                cells=tuple(CellChange(p.header, "", p.column.export_text(after)) for p in shown),
            )
        )

    def resolve_parent(
        self, number: int, cells: list[Any]
    ) -> tuple[AccountInfo, str, str | None] | None:
        """The account, parent id and parent name a new row goes under (None: an error)."""
        id_key, name_key = _PARENT[self.level]
        try:
            account_id = self.id_value(self.cell(cells, "ad_account_id"))
        except CellError as exc:
            self.error(number, self.header_of("ad_account_id"), str(exc))
            return None
        account_name = self.text(cells, "account")
        if self.level == CAMPAIGN:
            account = self.find_account(number, account_id, account_name)
            return None if account is None else (account, account.id, account.name)
        try:
            parent_id = self.id_value(self.cell(cells, id_key))
        except CellError as exc:
            self.error(number, self.header_of(id_key), str(exc))
            return None
        parent_name = self.text(cells, name_key)
        parent_noun = NOUN[CAMPAIGN if self.level == AD_SQUAD else AD_SQUAD]
        if parent_id is None and parent_name is None:
            self.error(
                number,
                self.header_of(id_key),
                f"a new {NOUN[self.level]} needs its {parent_noun}: fill {self.header_of(id_key)}"
                f" (or {COLUMNS[name_key].export_name})",
            )
            return None
        if parent_id is not None:
            found = [p for p in self.parents if p.id == parent_id]
            if not found:
                self.error(
                    number,
                    self.header_of(id_key),
                    f"no {parent_noun} with id {_short(parent_id)} in the local cache",
                )
                return None
        else:
            found = [p for p in self.parents if _same_name(p.name, parent_name)]
            if account_id is not None:
                found = [p for p in found if p.account.id == account_id]
            elif account_name is not None:
                found = [p for p in found if _same_name(p.account.name, account_name)]
            if self.level == AD:
                campaign_id = self.text(cells, "campaign_id")
                campaign_name = self.text(cells, "campaign")
                if campaign_id is not None:
                    found = [p for p in found if p.campaign_id == campaign_id]
                elif campaign_name is not None:
                    found = [p for p in found if _same_name(p.campaign_name, campaign_name)]
            header = self.header_of(name_key)
            if not found:
                self.error(number, header, f"no {parent_noun} named {_short(parent_name)} in the local cache")  # fmt: skip
                return None
            if len(found) > 1:
                listed = "; ".join(f"{p.id} in {p.account.name}" for p in found[:5])
                more = f" and {len(found) - 5} more" if len(found) > 5 else ""
                self.error(
                    number,
                    header,
                    f"{_short(parent_name)} names {len(found)} {parent_noun}s ({listed}{more}): "
                    f"fill {self.header_of(id_key)}",
                )
                return None
        parent = found[0]
        if account_id is not None and parent.account.id != account_id:
            self.error(
                number,
                self.header_of("ad_account_id"),
                f"the {parent_noun} {parent.name!r} is in ad account {_short(parent.account.id)}, "
                f"not {_short(account_id)}",
            )
            return None
        if parent.mark == MARK_DELETE or parent.data.get("deleted"):
            self.error(
                number,
                self.header_of(id_key),
                f"the {parent_noun} {parent.name!r} is deleted or queued for deletion",
            )
            return None
        return parent.account, parent.id, parent.name

    def text(self, cells: list[Any], key: str) -> str | None:
        raw = self.cell(cells, key)
        if raw is None or isinstance(raw, _Bad):
            return None
        text = (f"{raw:.15g}" if isinstance(raw, float) else str(raw)).strip()
        return text or None

    def find_account(
        self, number: int, account_id: str | None, account_name: str | None
    ) -> AccountInfo | None:
        if account_id is not None:
            account = self.accounts.get(account_id)
            if account is None:
                self.error(
                    number,
                    self.header_of("ad_account_id"),
                    f"no ad account with id {_short(account_id)} in the local cache (snapdesk sync)",
                )
            return account
        if account_name is None:
            self.error(
                number,
                self.header_of("ad_account_id"),
                "a new campaign needs its ad account: fill ad_account_id (or account_name)",
            )
            return None
        found = [a for a in self.accounts.values() if _same_name(a.name, account_name)]
        header = self.header_of("account")
        if not found:
            self.error(number, header, f"no ad account named {_short(account_name)} in the local cache")  # fmt: skip
            return None
        if len(found) > 1:
            self.error(
                number,
                header,
                f"{_short(account_name)} names {len(found)} ad accounts "
                f"({'; '.join(a.id for a in found)}): fill ad_account_id",
            )
            return None
        return found[0]

    def note_read_only(self) -> None:
        def rows(numbers: list[int]) -> str:
            n = len(numbers)
            return f"row {numbers[0]}" if n == 1 else f"{n} rows (first: row {numbers[0]})"

        for header, numbers in self.read_only_diffs.items():
            self.plan.notes.append(
                f"{header} differs from the cache in {rows(numbers)}: it is read-only and was "
                "not imported"
            )
        keys = [k for k in CLEARABLE[self.level] if k != "budget" or k in self.by_key]
        clears = (
            f"an empty cell clears only {_and([self.header_of(k) for k in keys])}"
            if keys
            else f"an empty cell never clears a setting of {_a(NOUN[self.level])}"
        )
        for header, numbers in self.left_empty.items():
            self.plan.notes.append(f"{header} is empty in {rows(numbers)}: left unchanged ({clears})")  # fmt: skip


def _same_name(held: str | None, typed: str | None) -> bool:
    """A parent named in a file: the same text, spaces around it aside ("18-34 " is "18-34")."""
    return held is not None and typed is not None and held.strip() == typed.strip()


def _and(items: Sequence[object]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    texts = [str(i) for i in items]
    return texts[0] if len(texts) == 1 else ", ".join(texts[:-1]) + " and " + texts[-1]


def _a(noun: str) -> str:
    return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"


def _whole_second(moment: datetime) -> datetime:
    """A spreadsheet time to the nearest second (Excel stores days as binary fractions:
    4:26 PM reads back as 16:25:59.999998)."""
    rounded = moment.replace(microsecond=0)
    return rounded + timedelta(seconds=1) if moment.microsecond >= 500_000 else rounded


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:f}"
    return str(value).strip() if isinstance(value, str) else str(value)


def _with_fields(row: GridRow, fields: Mapping[str, Any]) -> GridRow:
    """A copy of `row` with `fields` applied (None removes), for showing the new cells."""
    data = dict(row.data)
    for key, value in fields.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    copy = GridRow(row.kind, row.id, row.account, data, base=row.base)
    for attr in ("campaign_id", "campaign_name", "ad_squad_id", "ad_squad_name", "campaign",
                 "creative_name", "mark"):  # fmt: skip
        setattr(copy, attr, getattr(row, attr))
    return copy


def plan_import(
    store: Store,
    path: str | os.PathLike[str],
    *,
    level: str | None = None,
    edits: EditService | None = None,
    progress: Progress | None = None,
    cancel: _Cancel | None = None,
) -> ImportPlan:
    """Read `path` and work out what importing it queues; nothing is stored. Raises
    `SheetError` for a file that can't be read at all and `ImportCancelled`; every other
    problem is in `plan.errors`, by row, column and reason."""
    file = Path(path)
    table = read_table(file, progress=progress, cancel=cancel)
    chosen = level or table.level or _detect_level(store, table)
    if chosen is None:
        raise SheetError(
            f"{file.name}: can't tell whether the rows are campaigns, ad squads or ads; keep "
            "the identifying columns of the export (ad_account_id, campaign_id, ad_squad_id)"
        )
    if chosen not in LEVELS:
        raise ValueError(f"unknown level {chosen!r}")
    plan = ImportPlan(path=file, level=chosen, source=table.source, notes=list(table.notes))
    plan.errors.extend(table.problems)
    planner = _Planner(store, table, plan)
    planner.map_columns()
    planner.read_conventions()
    if not table.rows:
        plan.notes.append("The file has a header but no rows: nothing to import")
    if "id" in planner.by_key:
        planner.plan_rows(progress, cancel)
    planner.note_read_only()
    if plan.items:
        _rehearse(plan, edits or EditService(store=store), planner, progress=progress, cancel=cancel)  # fmt: skip
    plan.errors = _with_values(table, plan.errors)
    plan.warnings = _with_values(table, plan.warnings)
    plan.errors.sort(key=lambda p: (p.row or 0, p.column or ""))
    if progress is not None:
        progress(1.0, "Checked")
    return plan


def _cell_text(raw: Any) -> str:
    if raw is None or isinstance(raw, _Bad):
        return ""
    if isinstance(raw, float):
        return f"{raw:.15g}"
    if isinstance(raw, datetime):
        return raw.isoformat(sep=" ")
    return _clip(str(raw), 120)


def _with_values(table: _Table, problems: list[Problem]) -> list[Problem]:
    """The problems with the cell each names, as the file holds it."""
    if not any(p.row and p.column for p in problems):
        return problems
    index = {h: i for i, h in enumerate(table.header) if h}
    cells = dict(table.rows)
    out = []
    for problem in problems:
        where = index.get(problem.column or "")
        row = cells.get(problem.row or 0)
        if where is not None and row is not None and problem.value is None:
            problem = dataclasses.replace(problem, value=_cell_text(row[where] if where < len(row) else None))  # fmt: skip
        out.append(problem)
    return out


def _call(item: PlannedRow, edits: EditService) -> ChangeGroup:
    if item.action == "update":
        assert item.entity_id is not None
        return edits.edit(kind=item.kind, entity_id=item.entity_id, fields=item.fields)
    assert item.parent_id is not None
    if item.kind == CAMPAIGN:
        return edits.create_campaign(ad_account_id=item.parent_id, fields=item.fields)
    if item.kind == AD_SQUAD:
        return edits.create_ad_squad(campaign_id=item.parent_id, fields=item.fields)
    return edits.create_ad(ad_squad_id=item.parent_id, fields=item.fields)


def _size(group: ChangeGroup) -> int:
    return len(group.changes) + len(group.removed)


def _rehearse(
    plan: ImportPlan,
    edits: EditService,
    planner: _Planner,
    *,
    progress: Progress | None = None,
    cancel: _Cancel | None = None,
) -> None:
    """Queue the plan's rows through the edit service in transactions that are rolled back:
    each row's validation errors and warnings, by row and column; rows that turn out to
    change nothing are counted as unchanged. Rows are checked `REHEARSAL_ROWS` at a time (a
    row's checks read the cache and its own pending changes, never another row of the file),
    so the cache's writer is never held for long and a cancel is heard between batches."""
    kept: list[PlannedRow] = []

    def problems(item: PlannedRow, issues: Iterable[Issue]) -> list[Problem]:
        return [Problem(item.row, planner.header_for_field(i.field), i.message) for i in issues]

    def run(batch: Sequence[PlannedRow]) -> None:
        for item in batch:
            try:
                group = _call(item, edits)
            except ValidationFailed as exc:
                found = problems(item, [i for i in exc.issues if i.is_error])
                plan.errors.extend(found or [Problem(item.row, None, exc.message)])
                continue
            except ChangeError as exc:
                header = planner.header_of("id") if item.action == "update" else None
                plan.errors.append(Problem(item.row, header, exc.message))
                continue
            plan.warnings.extend(problems(item, group.issues))  # this row's own findings
            if not _size(group):  # edited to what it already was
                plan.unchanged += 1
            else:
                kept.append(item)

    total = len(plan.items)
    for first in range(0, total, REHEARSAL_ROWS):
        if cancel is not None and cancel.is_set():
            raise ImportCancelled
        if progress is not None:
            progress(0.8 + 0.2 * first / total, f"Checking changes ({first:,} of {total:,})…")
        batch = plan.items[first : first + REHEARSAL_ROWS]
        edits.combined(plan.label, functools.partial(run, batch), rehearse=True)
    plan.items = kept


def apply(
    plan: ImportPlan,
    edits: EditService,
    *,
    progress: Progress | None = None,
    cancel: _Cancel | None = None,
) -> ChangeGroup:
    """Queue the plan as ONE undo step ("Import FILE: N changes"), in one transaction; only a
    plan without errors. Raises `ChangeError` (nothing queued) when the plan has errors or
    the cache changed since it was made so that a row no longer passes, and
    `ImportCancelled` (nothing queued) when `cancel` is set before the transaction ends.
    `progress` is called from the cache's writer thread."""
    if plan.errors:
        n = len(plan.errors)
        raise ChangeError(
            f"{plan.path.name} has {n} problem{'s' if n != 1 else ''}: nothing was queued"
        )
    if not plan.items:
        raise ChangeError(f"Nothing to import: every row of {plan.path.name} matches the cache")

    total = len(plan.items)

    def run() -> None:
        for done, item in enumerate(plan.items):
            if done % 100 == 0:
                if cancel is not None and cancel.is_set():
                    raise ImportCancelled
                if progress is not None:
                    progress(done / total, f"Queuing changes ({done:,} of {total:,})…")
            try:
                _call(item, edits)
            except ChangeError as exc:
                raise ChangeError(
                    f"row {item.row}: {exc.message} — nothing was queued; check the file again",
                    issues=exc.issues,
                ) from exc
        if cancel is not None and cancel.is_set():  # the last word before the commit
            raise ImportCancelled

    return edits.combined(plan.label, run)
