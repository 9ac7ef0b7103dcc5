"""Editing in the grid, without Qt: what typing, pasting, filling down, find & replace and
copying rows between accounts queue, each as ONE undo step of exact pending changes.

    set_value(edits, rows, COLUMNS["budget"], "+10%")        # every selected row, one step
    paste_block(edits, view_rows, view_columns, clipboard_text, anchor=(3, 2))
    fill_down(edits, rows, COLUMNS["bid"])
    find_replace(edits, rows, "Spring", "Summer", whole=True)
    payload = copy_rows(rows)                                 # JSON (ROWS_MIME) + TSV
    plan = plan_paste_rows(edits, payload, target_account_id) # what will be created, flags
    paste_rows(edits, payload, target_account_id, confirmed=True)

A cell is parsed the way the forms and the spreadsheet import read it (`columns.parse_cell`:
the row's currency and time zone, `+10%` / `-5` / `=120` on money) and each row's fields go
through `EditService.edit`, whose validation is the forms'. If any row is refused, nothing is
queued and the outcome names every refused row and why. `rehearse=True` checks the same way
and rolls back (the inline error under a grid editor comes from it).

Copied rows are pasted as new entities with their children (campaign → ad squads → ads) under
the target the user picks, PAUSED, ids bound through `$ref` placeholders
(`EditService.copy_tree`). Budgets and bids going to an account of another currency are
flagged: the number is kept (or converted at the user's FX rates with `convert=True`) and the
paste is refused until the caller says the user confirmed them.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Final

from snapdesk.changes.edits import CopySource, EditService
from snapdesk.changes.model import (
    CREATE,
    Change,
    ChangeError,
    ChangeGroup,
    ValidationFailed,
)
from snapdesk.core.kinds import AD, AD_SQUAD, CAMPAIGN, CREATIVE, LABEL
from snapdesk.core.money import format_money, round_micro
from snapdesk.core.validation import entity_field
from snapdesk.grid.columns import (
    COLUMNS,
    CellError,
    Column,
    default_visible,
    format_local,
    parse_cell,
)
from snapdesk.grid.rows import MARK_DELETE, GridRow
from snapdesk.stats.fx import FxTable

__all__ = [
    "ROWS_MIME",
    "CopiedRow",
    "CurrencyFlag",
    "EditOutcome",
    "FindError",
    "PastePlan",
    "Rename",
    "RowError",
    "RowsPayload",
    "cell_text",
    "copy_cells",
    "copy_rows",
    "fill_down",
    "find_pattern",
    "find_replace",
    "paste_block",
    "paste_rows",
    "plan_paste_rows",
    "preview_find_replace",
    "read_tsv",
    "set_value",
    "target_kind",
    "to_tsv",
]

ROWS_MIME: Final = "application/x-snapdesk-rows+json"
COPY_SUFFIX: Final = " (copy)"
# What a copy of each level goes under.
TARGET_KIND: Final = {CAMPAIGN: "ad_account", AD_SQUAD: CAMPAIGN, AD: AD_SQUAD}
_PLURAL_NOUN: Final = {
    CAMPAIGN: "campaigns",
    AD_SQUAD: "ad squads",
    AD: "ads",
    CREATIVE: "creatives",
}
_FIELD_WORDS: Final = {
    "daily_budget_micro": "daily budget",
    "lifetime_budget_micro": "lifetime budget",
    "lifetime_spend_cap_micro": "lifetime spend cap",
    "bid_micro": "bid",
}
_SHOWN: Final = 3  # refused rows named in a one-line message


def target_kind(level: str) -> str:
    """What rows of `level` are pasted into: an ad account, a campaign or an ad squad."""
    return TARGET_KIND[level]


def _noun(kind: str, n: int) -> str:
    if n == 1:
        return LABEL.get(kind, kind).lower()
    return _PLURAL_NOUN.get(kind, f"{LABEL.get(kind, kind).lower()}s")


# -- outcomes ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    """Why one row (or cell) was refused."""

    entity_id: str | None
    name: str
    message: str
    column: str | None = None

    def __str__(self) -> str:
        where = f"“{self.name}”" if self.name else ""
        if self.column:
            where = f"{where} ({self.column})".strip()
        return f"{where}: {self.message}" if where else self.message


@dataclass(frozen=True)
class EditOutcome:
    """What one grid action did: the queued group (None when nothing was queued), or the rows
    refused (then nothing was queued), and notes the user should read either way."""

    label: str
    group: ChangeGroup | None = None
    errors: tuple[RowError, ...] = ()
    notes: tuple[str, ...] = ()
    rehearsed: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def changes(self) -> tuple[Change, ...]:
        return self.group.changes if self.group is not None else ()

    @property
    def message(self) -> str:
        """One line for a status bar."""
        if self.errors:
            shown = "; ".join(str(e) for e in self.errors[:_SHOWN])
            more = len(self.errors) - _SHOWN
            extra = f" (and {more} more)" if more > 0 else ""
            return f"Nothing queued — {shown}{extra}"
        n = len(self.changes)
        if self.group is None or (n == 0 and not self.group.removed):
            text = f"{self.label}: nothing changed"
        else:
            verb = "Checked" if self.rehearsed else "Queued"
            text = f"{verb}: {self.label} ({n} pending change{'s' if n != 1 else ''})"
        if self.notes:
            text += " · " + " · ".join(self.notes[:2])
        return text


class _Refused(Exception):
    """Ends a combined action whose rows were refused: the transaction rolls back."""


def _field_column(columns: Sequence[Column], api_field: str, fallback: str | None) -> str | None:
    api_field = entity_field(api_field)  # targeting.geos: the Targeting column
    for column in columns:
        if column.field == api_field:
            return column.header
        if column.key == "budget" and api_field in _FIELD_WORDS and api_field != "bid_micro":
            return column.header
    return fallback


def _error_of(
    row: GridRow, exc: ChangeError, columns: Sequence[Column], fallback: str | None
) -> RowError:
    if isinstance(exc, ValidationFailed):
        found = [i for i in exc.issues if i.is_error]
        if found:
            first = found[0]
            return RowError(
                row.id, row.name, first.message, _field_column(columns, first.field, fallback)
            )
    return RowError(row.id, row.name, exc.message, fallback)


def _queue(
    edits: EditService,
    label: str,
    plan: Sequence[tuple[GridRow, Mapping[str, Any], Sequence[Column]]],
    *,
    rehearse: bool,
    notes: Sequence[str] = (),
) -> EditOutcome:
    """Queue `plan` (row, fields, the columns they came from) as one action: each row through
    `EditService.edit`; if any is refused, nothing is queued."""
    refused: list[RowError] = []

    def run() -> None:
        for row, fields, columns in plan:
            fallback = columns[0].header if len(columns) == 1 else None
            try:
                edits.edit(kind=row.kind, entity_id=row.id, fields=fields)
            except ChangeError as exc:
                refused.append(_error_of(row, exc, columns, fallback))
        if refused:
            raise _Refused

    try:
        group = edits.combined(label, run, rehearse=rehearse)
    except _Refused:
        return EditOutcome(label, None, tuple(refused), tuple(notes), rehearse)
    except ChangeError as exc:  # the cache closed, a row posted meanwhile, ...
        return EditOutcome(label, None, (RowError(None, "", exc.message),), tuple(notes), rehearse)
    return EditOutcome(label, group, (), tuple(notes), rehearse)


def _refusal(label: str, *errors: RowError, notes: Sequence[str] = ()) -> EditOutcome:
    return EditOutcome(label, None, tuple(errors), tuple(notes))


# -- cell text -----------------------------------------------------------------------------


def cell_text(row: GridRow, column: Column) -> str:
    """The cell as a user edits and copies it: money plain in units ("75.00"), times in the
    account's zone ("2026-03-17 04:26"), enums as the API spells them, targeting as JSON.
    Typing or pasting this text back changes nothing."""
    value = column.value(row)
    if value is None or value == "":
        return ""
    kind = column.type
    if kind == "datetime":
        return format_local(value, row.account.timezone)
    if kind in ("money", "percent", "ratio", "count"):
        return column.export_text(row)
    if kind == "json":
        return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    if kind == "list":
        return "; ".join(str(v) for v in value)
    return str(value)


def read_tsv(text: str) -> list[list[str]]:
    """A block copied from Excel, Google Sheets or LibreOffice: rows end with CRLF or LF, cells
    are separated by tabs, and a cell holding a tab, a line break or a quote is quoted ("…",
    a quote doubled). One final line break ends the block; it is not an empty row."""
    if text == "":
        return []
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter="\t", quotechar='"', doublequote=True, strict=False
    )
    rows = [row if row else [""] for row in reader]
    while rows and rows[-1] == [""] and len(rows) > 1:
        rows.pop()
    return rows


def _quote(cell: str) -> str:
    if any(ch in cell for ch in '\t\n\r"'):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def to_tsv(rows: Iterable[Sequence[str]]) -> str:
    """Cells as a spreadsheet pastes them: tabs, CRLF line ends, quoted where needed."""
    return "".join("\t".join(_quote(c) for c in row) + "\r\n" for row in rows)


def copy_cells(
    rows_by_view: Sequence[GridRow],
    columns_by_view: Sequence[Column],
    cells: Collection[tuple[int, int]],
) -> str:
    """The selected cells (view row, view column) as TSV: the rows and columns they span, in
    view order; cells inside that span but not selected are empty."""
    if not cells:
        return ""
    chosen = set(cells)
    view_rows = sorted({r for r, _ in chosen})
    view_columns = sorted({c for _, c in chosen})
    block = [
        [
            cell_text(rows_by_view[r], columns_by_view[c]) if (r, c) in chosen else ""
            for c in view_columns
        ]
        for r in view_rows
    ]
    return to_tsv(block)


# -- typing, pasting, filling --------------------------------------------------------------


def _assign(
    edits: EditService,
    label: str,
    cells: Sequence[tuple[GridRow, Column, Any]],
    *,
    rehearse: bool,
    notes: Sequence[str] = (),
) -> EditOutcome:
    """Parse each (row, column, value) as the forms would, merge each row's fields (one change
    per entity), and queue them as one action; any refused cell queues nothing."""
    refused: list[RowError] = []
    fields_of: dict[str, dict[str, Any]] = {}
    setters: dict[str, dict[str, str]] = {}
    columns_of: dict[str, list[Column]] = {}
    rows: dict[str, GridRow] = {}
    for row, column, value in cells:
        if row.mark == MARK_DELETE:
            refused.append(
                RowError(
                    row.id,
                    row.name,
                    "queued for deletion: revert the deletion in Pending changes to edit it",
                )
            )
            continue
        if isinstance(value, str) and value in (cell_text(row, column), column.display(row)):
            continue  # what the cell already says: nothing to change, nothing to refuse
        if not column.editable:
            if isinstance(value, str) and value.strip() in (
                cell_text(row, column).strip(),
                column.display(row).strip(),
            ):
                continue
            why = "performance, not a setting" if column.performance else "read-only"
            refused.append(RowError(row.id, row.name, f"{column.header} is {why}", column.header))
            continue
        if row.kind not in column.kinds:
            refused.append(
                RowError(
                    row.id,
                    row.name,
                    f"a {LABEL[row.kind].lower()} has no {column.header.lower()}",
                    column.header,
                )
            )
            continue
        try:
            fields = parse_cell(row, column, value)
        except CellError as exc:
            refused.append(RowError(row.id, row.name, str(exc), column.header))
            continue
        held = fields_of.setdefault(row.id, {})
        who = setters.setdefault(row.id, {})
        clash = next((k for k, v in fields.items() if k in held and held[k] != v), None)
        if clash is not None:
            refused.append(
                RowError(
                    row.id,
                    row.name,
                    f"says something else than {who[clash]} about the same setting",
                    column.header,
                )
            )
            continue
        held.update(fields)
        for key in fields:
            who.setdefault(key, column.header)
        columns_of.setdefault(row.id, []).append(column)
        rows[row.id] = row
    if refused:
        return _refusal(label, *refused, notes=notes)
    plan = [(rows[i], fields_of[i], columns_of[i]) for i in rows]
    if not plan:
        return EditOutcome(label, None, (), tuple(notes), rehearse)
    return _queue(edits, label, plan, rehearse=rehearse, notes=notes)


def _rows_label(verb: str, column: Column, rows: Sequence[GridRow]) -> str:
    kinds = {r.kind for r in rows}
    kind = next(iter(kinds)) if len(kinds) == 1 else ""
    if len(rows) == 1:
        return f"{verb} {column.header} of “{rows[0].name}”"
    noun = _noun(kind, len(rows)) if kind else "rows"
    return f"{verb} {column.header} of {len(rows)} {noun}"


def set_value(
    edits: EditService,
    rows: Sequence[GridRow],
    column: Column,
    text: Any,
    *,
    rehearse: bool = False,
) -> EditOutcome:
    """Type `text` into `column` of every row in `rows` (one undo step). Each row reads it in
    its own currency and time zone; `+10%`, `-5`, `=120` change each row's own amount."""
    label = _rows_label("Set", column, rows) if rows else f"Set {column.header}"
    if not rows:
        return _refusal(label, RowError(None, "", "select the rows to change"))
    return _assign(edits, label, [(row, column, text) for row in rows], rehearse=rehearse)


def _money_notes(source: GridRow, rows: Sequence[GridRow], columns: Sequence[Column]) -> list[str]:
    if not any(c.type == "money" for c in columns):
        return []
    others = sorted({r.currency for r in rows if r.currency != source.currency})
    if not others:
        return []
    return [f"amounts copied as numbers from {source.currency} into {', '.join(others)} rows"]


def fill_down(
    edits: EditService,
    rows: Sequence[GridRow],
    column: Column | Sequence[Column],
    *,
    rehearse: bool = False,
) -> EditOutcome:
    """Copy the first row's value of `column` (or of each column) to the other rows, as the
    text the cell shows; one undo step. Amounts are copied as numbers (flagged in the notes
    when rows have another currency)."""
    columns = [column] if isinstance(column, Column) else list(column)
    header = columns[0].header if len(columns) == 1 else f"{len(columns)} columns"
    label = f"Fill down {header}" + (f" into {len(rows) - 1} rows" if len(rows) > 2 else "")
    if len(rows) < 2:
        return _refusal(
            label,
            RowError(
                None, "", "select two or more rows: the first one's value is copied into the others"
            ),
        )
    source = rows[0]
    cells = [(row, col, cell_text(source, col)) for col in columns for row in rows[1:]]
    notes = _money_notes(source, rows[1:], columns)
    return _assign(edits, label, cells, rehearse=rehearse, notes=notes)


Anchor = tuple[int, int] | Collection[tuple[int, int]]


def _selection(anchor: Anchor) -> set[tuple[int, int]]:
    if isinstance(anchor, tuple) and len(anchor) == 2 and all(isinstance(v, int) for v in anchor):
        return {(int(anchor[0]), int(anchor[1]))}
    return {(int(r), int(c)) for r, c in anchor}  # type: ignore[misc]


def paste_block(
    edits: EditService,
    rows_by_view: Sequence[GridRow],
    columns_by_view: Sequence[Column],
    tsv_text: str,
    anchor: Anchor,
    *,
    rehearse: bool = False,
) -> EditOutcome:
    """Paste a block copied from a spreadsheet onto the grid (one undo step).

    `anchor` is the top-left cell (view row, view column) or the selected cells. A single
    value fills every selected cell; a block fills the selection when the selection is a whole
    number of blocks tall and wide (as Excel does); otherwise it goes from the top-left
    selected cell. A block reaching past the last row or column is refused. Cells in read-only
    or performance columns are refused unless they say what the cell already holds."""
    block = read_tsv(tsv_text)
    label = "Paste"
    if not block:
        return _refusal(label, RowError(None, "", "the clipboard holds no cells"))
    chosen = _selection(anchor)
    if not chosen:
        return _refusal(label, RowError(None, "", "select the cell to paste into"))
    height = len(block)
    width = max(len(r) for r in block)
    top = min(r for r, _ in chosen)
    left = min(c for _, c in chosen)
    bottom = max(r for r, _ in chosen)
    right = max(c for _, c in chosen)
    sel_h, sel_w = bottom - top + 1, right - left + 1
    rectangle = len(chosen) == sel_h * sel_w
    targets: list[tuple[int, int, str]] = []
    if height == 1 and width == 1 and len(chosen) > 1:
        targets = [(r, c, block[0][0]) for r, c in sorted(chosen)]
        label = f"Paste into {len(chosen)} cells"
    elif (
        rectangle
        and sel_h % height == 0
        and sel_w % width == 0
        and (sel_h, sel_w)
        != (
            height,
            width,
        )
    ):
        targets = [
            (top + i, left + j, block[i % height][j % width])
            for i in range(sel_h)
            for j in range(sel_w)
            if j % width < len(block[i % height])
        ]
        label = f"Paste {height}×{width} into {sel_h}×{sel_w} cells"
    else:
        rows_left = len(rows_by_view) - top
        columns_left = len(columns_by_view) - left
        if height > rows_left or width > columns_left:
            where = (
                f"from row {top + 1}, column {columns_by_view[left].header}"
                if (top < len(rows_by_view) and left < len(columns_by_view))
                else "there"
            )
            return _refusal(
                label,
                RowError(
                    None,
                    "",
                    f"the copied block is {height} row{'s' if height != 1 else ''} × {width} "
                    f"column{'s' if width != 1 else ''}, but {where} the grid has "
                    f"{max(rows_left, 0)} row{'s' if rows_left != 1 else ''} × "
                    f"{max(columns_left, 0)} column{'s' if columns_left != 1 else ''}: select a "
                    "cell further up or left, show more rows or columns, or copy less",
                ),
            )
        targets = [
            (top + i, left + j, value)
            for i, line in enumerate(block)
            for j, value in enumerate(line)
        ]
        label = "Paste 1 cell" if height == width == 1 else f"Paste {height}×{width} cells"
    cells = [(rows_by_view[r], columns_by_view[c], value) for r, c, value in targets]
    return _assign(edits, label, cells, rehearse=rehearse)


# -- find & replace in names ---------------------------------------------------------------


class FindError(ValueError):
    """A find pattern or replacement that can't be used; the message says why."""


@dataclass(frozen=True)
class Rename:
    row: GridRow
    old: str
    new: str
    count: int  # occurrences replaced


def find_pattern(
    find: str, *, case: bool = False, whole: bool = False, regex: bool = False
) -> re.Pattern[str]:
    """The pattern find & replace looks for. `whole`: only where the match is not inside a
    longer word (letters, digits, underscore on neither side)."""
    if not find:
        raise FindError("Type the text to find")
    body = find if regex else re.escape(find)
    if whole:
        body = rf"(?<!\w)(?:{body})(?!\w)"
    try:
        return re.compile(body, 0 if case else re.IGNORECASE)
    except re.error as exc:
        raise FindError(
            f"Not a regular expression: {exc.msg}"
            + (f" at position {exc.pos}" if exc.pos is not None else "")
        ) from None


def preview_find_replace(
    rows: Sequence[GridRow],
    find: str,
    replace: str,
    *,
    case: bool = False,
    whole: bool = False,
    regex: bool = False,
) -> list[Rename]:
    """The names that would change (old → new), in row order; rows queued for deletion are
    left alone. With `regex`, the replacement may use \\1 or \\g<name>."""
    pattern = find_pattern(find, case=case, whole=whole, regex=regex)
    out: list[Rename] = []
    for row in rows:
        if row.mark == MARK_DELETE:
            continue
        old = row.name
        try:
            if regex:
                new, n = pattern.subn(replace, old)
            else:
                new, n = pattern.subn(lambda _m: replace, old)
        except (re.error, IndexError) as exc:
            raise FindError(f"The replacement can't be used: {exc}") from None
        if n and new != old:
            out.append(Rename(row, old, new, n))
    return out


def find_replace(
    edits: EditService,
    rows: Sequence[GridRow],
    find: str,
    replace: str,
    *,
    case: bool = False,
    whole: bool = False,
    regex: bool = False,
    rehearse: bool = False,
) -> EditOutcome:
    """Rename by find & replace in the rows' names (one undo step); see `preview_find_replace`."""
    label = "Find & replace in names"
    try:
        renames = preview_find_replace(rows, find, replace, case=case, whole=whole, regex=regex)
    except FindError as exc:
        return _refusal(label, RowError(None, "", str(exc)))
    if not renames:
        return EditOutcome(label, None, (), (f"no name contains {find!r}",), rehearse)
    label = f"Rename {len(renames)} {_noun(renames[0].row.kind, len(renames))}"
    name = COLUMNS["name"]
    return _assign(edits, label, [(r.row, name, r.new) for r in renames], rehearse=rehearse)


# -- copying rows between accounts ---------------------------------------------------------


@dataclass(frozen=True)
class CopiedRow:
    kind: str
    id: str
    name: str
    ad_account_id: str
    currency: str
    parent_id: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.id,
            "name": self.name,
            "ad_account_id": self.ad_account_id,
            "currency": self.currency,
            "parent_id": self.parent_id,
        }


@dataclass(frozen=True)
class RowsPayload:
    """Rows on the clipboard: `json()` under `ROWS_MIME` (what Paste rows reads) and `text`,
    the rows as TSV for a spreadsheet."""

    level: str
    rows: tuple[CopiedRow, ...]
    text: str = ""
    mime: str = ROWS_MIME

    def json(self) -> str:
        return json.dumps(
            {
                "snapdesk": "rows",
                "version": 1,
                "level": self.level,
                "rows": [r.to_json() for r in self.rows],
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, raw: str | bytes) -> RowsPayload:
        try:
            data = json.loads(raw)
            if data.get("snapdesk") != "rows" or data.get("level") not in TARGET_KIND:
                raise ValueError
            rows = tuple(
                CopiedRow(
                    str(r["kind"]),
                    str(r["id"]),
                    str(r.get("name") or ""),
                    str(r["ad_account_id"]),
                    str(r.get("currency") or ""),
                    r.get("parent_id"),
                )
                for r in data["rows"]
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            raise ValueError("The clipboard holds no rows copied from snapdesk") from None
        return cls(level=str(data["level"]), rows=rows)


def copy_rows(rows: Sequence[GridRow], columns: Sequence[Column] | None = None) -> RowsPayload:
    """Rows to put on the clipboard: the ids Paste rows copies from (it copies them as they are
    when pasting, with their children) and the rows as TSV with a header line."""
    if not rows:
        raise ValueError("Select the rows to copy")
    levels = {r.kind for r in rows}
    if len(levels) != 1:
        raise ValueError("Copy campaigns, ad squads or ads, one kind at a time")
    level = next(iter(levels))
    shown = list(columns) if columns is not None else [COLUMNS[k] for k in default_visible(level)]
    shown = [c for c in shown if level in c.kinds and (columns is not None or not c.performance)]
    text = to_tsv([[c.header for c in shown], *([cell_text(r, c) for c in shown] for r in rows)])
    copied = tuple(
        CopiedRow(r.kind, r.id, r.name, r.account.id, r.account.currency, r.parent_id) for r in rows
    )
    return RowsPayload(level=level, rows=copied, text=text)


@dataclass(frozen=True)
class CurrencyFlag:
    """A budget or bid copied into an account of another currency."""

    kind: str
    source_id: str
    name: str
    field: str
    source_currency: str
    target_currency: str
    amount_micro: int  # in the source currency
    pasted_micro: int  # what the copy gets, in the target currency
    converted: bool
    rate_note: str = ""

    def __str__(self) -> str:
        word = _FIELD_WORDS.get(self.field, self.field.removesuffix("_micro").replace("_", " "))
        old = format_money(self.amount_micro, self.source_currency)
        new = format_money(self.pasted_micro, self.target_currency)
        how = "converted" if self.converted else "same number"
        note = f"; {self.rate_note}" if self.rate_note else ""
        return (
            f"{LABEL.get(self.kind, self.kind)} “{self.name}”: {word} {old} → {new} ({how}{note})"
        )


@dataclass(frozen=True)
class PastePlan:
    """What pasting rows would create (rehearsed: validated, nothing stored)."""

    level: str
    target_id: str
    target_name: str
    target_currency: str
    counts: dict[str, int] = field(default_factory=dict)
    top: tuple[str, ...] = ()  # names of the top-level copies, as they will be
    flags: tuple[CurrencyFlag, ...] = ()
    notes: tuple[str, ...] = ()
    errors: tuple[RowError, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def summary(self) -> str:
        """ "2 campaigns, 5 ad squads, 9 ads and 3 creatives, all paused"."""
        parts = [
            f"{n} {_noun(k, n)}"
            for k in (CAMPAIGN, AD_SQUAD, AD, CREATIVE)
            if (n := self.counts.get(k, 0))
        ]
        if not parts:
            return "nothing"
        text = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
        return text + (", all paused" if self.counts.get(self.level) else "")


def _target_info(edits: EditService, level: str, target: str) -> tuple[str, str, str] | None:
    """(name, ad account id, currency) of a paste target, or None if it isn't known."""
    store = edits.store
    if level == CAMPAIGN:
        account = store.ad_account(target)
        if account is None:
            return None
        return account.name or target, account.id, account.currency or "USD"
    kind = TARGET_KIND[level]
    row = store.get(kind, target)
    if row is not None and row.ad_account_id:
        account = store.ad_account(row.ad_account_id)
        return row.name or target, row.ad_account_id, _currency_of(account)
    for change in edits.repository.list():
        if change.entity_id == target and change.action == CREATE and change.kind == kind:
            account = store.ad_account(change.ad_account_id)
            return change.label or target, change.ad_account_id, _currency_of(account)
    return None


def _currency_of(account: Any) -> str:
    return str(account.currency or "USD") if account is not None else "USD"


def _converter(
    store: Any, *, flags: list[CurrencyFlag], convert: bool, fx: FxTable | None, on: date
) -> Callable[[CopySource, dict[str, Any]], None]:
    """The `copy_tree` hook: flag (and with `convert`, convert) every amount of a copy going
    to an account of another currency."""
    currencies: dict[str, str] = {}

    def currency(account_id: str) -> str:
        if account_id not in currencies:
            currencies[account_id] = _currency_of(store.ad_account(account_id))
        return currencies[account_id]

    def hook(source: CopySource, obj: dict[str, Any]) -> None:
        old_cur = currency(source.ad_account_id)
        new_cur = currency(source.target_account_id)
        if source.kind not in (CAMPAIGN, AD_SQUAD) or old_cur == new_cur:
            return
        for key in sorted(obj):
            value = obj[key]
            if not key.endswith("_micro") or not isinstance(value, int) or isinstance(value, bool):
                continue
            pasted, converted, note = round_micro(value, new_cur), False, ""
            if convert:
                old_rate = fx.rate(old_cur, on) if fx else None
                new_rate = fx.rate(new_cur, on) if fx else None
                if old_rate is None or new_rate is None:
                    missing = old_cur if old_rate is None else new_cur
                    note = f"no FX rate for {missing} in Preferences: number kept"
                else:
                    ratio = old_rate[0] / new_rate[0]
                    pasted, converted = round_micro(Decimal(value) * ratio, new_cur), True
                    note = f"at {ratio:.6g} {new_cur} per {old_cur}"
            if not converted and pasted != value:
                note = note or f"rounded to whole {new_cur}"
            obj[key] = pasted
            flags.append(
                CurrencyFlag(
                    source.kind,
                    source.entity_id,
                    source.name,
                    key,
                    old_cur,
                    new_cur,
                    value,
                    pasted,
                    converted,
                    note,
                )
            )

    return hook


def _paste_run(
    edits: EditService,
    payload: RowsPayload,
    target: str,
    *,
    convert: bool,
    fx: FxTable | None,
    rehearse: bool,
    label: str,
) -> tuple[ChangeGroup | None, list[CurrencyFlag], list[RowError]]:
    flags: list[CurrencyFlag] = []
    hook = _converter(edits.store, flags=flags, convert=convert, fx=fx, on=date.today())

    def run() -> None:
        edits.copy_tree(
            [(r.kind, r.id) for r in payload.rows],
            parent_id=target,
            suffix=COPY_SUFFIX,
            status="PAUSED",
            adjust=hook,
        )

    try:
        group = edits.combined(label, run, rehearse=rehearse)
    except ChangeError as exc:
        return None, flags, [RowError(None, "", exc.message)]
    return group, flags, []


def _paste_label(payload: RowsPayload, target_name: str) -> str:
    n = len(payload.rows)
    return f"Paste {n} {_noun(payload.level, n)} into {target_name}"


def plan_paste_rows(
    edits: EditService,
    payload: RowsPayload,
    target: str,
    *,
    convert: bool = False,
    fx: FxTable | None = None,
) -> PastePlan:
    """What pasting `payload` under `target` (an ad account for campaigns, a campaign for ad
    squads, an ad squad for ads) would create, rehearsed through the edit service: the counts,
    the copies' names, the currency flags and what is left out; nothing is stored."""
    info = _target_info(edits, payload.level, target)
    if info is None:
        noun = "ad account" if payload.level == CAMPAIGN else LABEL[TARGET_KIND[payload.level]]
        return PastePlan(
            payload.level,
            target,
            target,
            "",
            errors=(
                RowError(
                    None, "", f"{noun.lower()} {target} is not in the local cache — sync it first"
                ),
            ),
        )
    name, _account, currency = info
    group, flags, errors = _paste_run(
        edits,
        payload,
        target,
        convert=convert,
        fx=fx,
        rehearse=True,
        label=_paste_label(payload, name),
    )
    if group is None:
        return PastePlan(
            payload.level, target, name, currency, flags=tuple(flags), errors=tuple(errors)
        )
    counts: dict[str, int] = {}
    for change in group.changes:
        if change.action == CREATE:
            counts[change.kind] = counts.get(change.kind, 0) + 1
    top = tuple(
        str(c.label or "") for c in group.changes if c.action == CREATE and c.kind == payload.level
    )
    notes = tuple(i.message for i in group.issues if i.code == "not_copied")
    return PastePlan(payload.level, target, name, currency, counts, top, tuple(flags), notes)


def paste_rows(
    edits: EditService,
    payload: RowsPayload,
    target: str,
    *,
    convert: bool = False,
    fx: FxTable | None = None,
    confirmed: bool = False,
) -> tuple[EditOutcome, tuple[CurrencyFlag, ...]]:
    """Queue copies of the payload's rows, with their children, under `target` (one undo
    step): PAUSED, " (copy)" on names only beside their originals. Budgets and bids going to
    another currency are flagged; unless `confirmed` (the user checked them), a paste with
    flags queues nothing. Returns the outcome and the flags."""
    info = _target_info(edits, payload.level, target)
    if info is None:
        plan = plan_paste_rows(edits, payload, target)
        return _refusal("Paste rows", *plan.errors), ()
    name = info[0]
    label = _paste_label(payload, name)
    if not confirmed:
        plan = plan_paste_rows(edits, payload, target, convert=convert, fx=fx)
        if plan.errors:
            return _refusal(label, *plan.errors), plan.flags
        if plan.flags:
            n = len(plan.flags)
            return (
                _refusal(
                    label,
                    RowError(
                        None,
                        "",
                        f"{n} budget{'s' if n != 1 else ''} or bid"
                        f"{'s' if n != 1 else ''} go from {plan.flags[0].source_currency} "
                        f"to {plan.target_currency}: check them, then confirm",
                    ),
                    notes=plan.notes,
                ),
                plan.flags,
            )
    group, flags, errors = _paste_run(
        edits, payload, target, convert=convert, fx=fx, rehearse=False, label=label
    )
    if group is None:
        return _refusal(label, *errors), tuple(flags)
    notes = tuple(i.message for i in group.issues if i.code == "not_copied")
    return EditOutcome(label, group, (), notes), tuple(flags)
