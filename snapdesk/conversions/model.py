"""The records of a Conversions API import: options, column mapping, issues, mapped events."""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from snapdesk.conversions.aliases import DROP, parse_target
from snapdesk.conversions.fields import (
    DEFAULT_WINDOW_DAYS,
    MAX_WINDOW_DAYS,
    SOURCES,
    Source,
)
from snapdesk.conversions.pii import PiiKind
from snapdesk.core.identity import check_country

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class LoadOptions:
    """How a file of events is read.

    `source` is the event source type (web, app, offline) and sets `action_source`.
    `window_days`: events older than this are invalid (the connector's 7 by default; Snap accepts
    up to 37). `stop_on_invalid`: stop at the first invalid row instead of skipping invalid rows.
    `mint_event_ids`: give events without an `event_id` a deterministic one (a hash of the event),
    so a retried or re-run send is deduplicated by Snap. `now` fixes the clock (tests).
    `column_map`: (column, field) pairs chosen by the user (`--map COLUMN=FIELD`, the GUI's
    mapping table), the field in any spelling `aliases.parse_target` accepts (stored canonical);
    `drop_columns`: columns not sent at all (`--drop COLUMN`). A column named in neither is
    mapped automatically (`aliases.automatic_field`). Raises `ValueError` (with a `message`
    line) for an unknown field or a column both mapped and dropped.
    `default_country`: the ISO 3166 alpha-2 region phone numbers without country code are read
    in when their row has no `country` (the Preferences' default country; None: such numbers
    are rejected — `snapdesk.core.identity`). Raises ValueError for a region phonenumbers
    doesn't know.
    """

    source: Source = "web"
    window_days: int = DEFAULT_WINDOW_DAYS
    stop_on_invalid: bool = False
    mint_event_ids: bool = True
    now: datetime | None = None
    column_map: tuple[tuple[str, str], ...] = ()
    drop_columns: tuple[str, ...] = ()
    default_country: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "default_country", check_country(self.default_country))
        if self.source not in SOURCES:
            raise ValueError(f"source must be one of {', '.join(SOURCES)}, not {self.source!r}")
        if not 1 <= self.window_days <= MAX_WINDOW_DAYS:
            raise ValueError(
                f"the event time window must be 1 to {MAX_WINDOW_DAYS} days, not {self.window_days}"
            )
        pairs = _pairs(self.column_map)
        mapped: list[tuple[str, str]] = []
        dropped = [str(c).strip() for c in self.drop_columns]
        for column, target in pairs:
            canonical = parse_target(target)  # TargetError (a ValueError) names the field
            if canonical == DROP:
                dropped.append(column)
            else:
                mapped.append((column, canonical))
        both = {c.lower() for c, _ in mapped} & {c.lower() for c in dropped}
        if both:
            name = next(c for c, _ in mapped if c.lower() in both)
            raise MappingError(f"column {name!r} is both mapped and dropped: choose one")
        object.__setattr__(self, "column_map", tuple(mapped))
        object.__setattr__(self, "drop_columns", tuple(dict.fromkeys(dropped)))


def _pairs(value: Any) -> list[tuple[str, str]]:
    items: Iterable[Any] = value.items() if isinstance(value, Mapping) else value
    return [(str(column).strip(), str(target).strip()) for column, target in items]


@dataclass(frozen=True)
class ColumnMapping:
    """Where one column of the file goes in the payload (for the mapping table)."""

    column: str
    #: payload path, e.g. "user_data.em", "custom_data.contents[2].quantity",
    #: "app_data.extinfo[9]", "custom_data.cont_id[1]"; "" when the column is not sent.
    target: str
    #: how the value is treated, in words: "normalized + SHA-256", "as-is", ...
    handling: str
    standard: bool
    #: the field as `--map` names it: "em", "order_id", "custom_data.Notes"; "drop" when the
    #: user dropped the column; "" when it can't be remapped as a whole (contents[2].id, ...).
    field: str = ""
    #: how the field was chosen: "standard" (seed 003's name), "alias" (a header such as
    #: "Email Address"), "mapped" (--map / the mapping table), "dropped", "custom" (unknown
    #: name: custom_data as-is).
    origin: str = "standard"
    #: the column holds personal data: it is hashed, or its values look like e-mail addresses
    #: or phone numbers. Such a column can only be mapped to a hashed field or dropped.
    personal: bool = False
    #: why the column stops the file ("" when it doesn't): its values would go out unhashed.
    refused: str = ""

    @property
    def hashed(self) -> bool:
        return "SHA-256" in self.handling

    def to_json(self) -> dict[str, Any]:
        return {
            "column": self.column,
            "target": self.target,
            "handling": self.handling,
            "standard": self.standard,
            "field": self.field,
            "origin": self.origin,
            "personal": self.personal,
            "refused": self.refused,
        }


_KIND_WORDS: dict[str, str] = {"email": "email addresses", "phone": "phone numbers"}


def _arg(column: str, value: str | None = None) -> str:
    """`column` (or `column=value`) quoted for a shell when it needs to be."""
    text = column if value is None else f"{column}={value}"
    return shlex.quote(text)


@dataclass(frozen=True)
class ColumnRefusal:
    """A column the file can't be sent with: its values would leave the computer unhashed.

    `kinds`: what its values hold ("email", "phone"); `rows`: the first rows found (spreadsheet
    numbers), `count`: how many rows in all — never the values themselves. `suggest` is the
    hashed field to map it to. `mapped_to` is set when the user's own mapping sends a personal
    column raw (then `kinds` is empty and `personal_field` names what the header means).
    """

    column: str
    kinds: tuple[PiiKind, ...] = ()
    rows: tuple[int, ...] = ()
    count: int = 0
    suggest: str = "em"
    mapped_to: str = ""
    personal_field: str = ""
    #: the column is one of the event's own fields (event_source_url, event_id, ...), which
    #: no hashed identifier can replace: the values must be fixed in the file, or dropped.
    event_field: bool = False

    @property
    def holds(self) -> str:
        """ "email addresses", "phone numbers" or "email addresses and phone numbers"."""
        return " and ".join(_KIND_WORDS[k] for k in self.kinds)

    def _where(self) -> str:
        if not self.rows:
            return ""
        shown = ", ".join(str(r) for r in self.rows)
        more = self.count - len(self.rows)
        word = "row" if self.count == 1 else "rows"
        return f" (found in {word} {shown}{f' and {more:,} more' if more > 0 else ''})"

    def message(self) -> str:
        """One line for the command line, naming the column and the --map / --drop to use."""
        col = self.column
        if self.mapped_to:
            return (
                f'column "{col}" holds personal data ({self.personal_field}) and can only be '
                f"sent hashed, not as {self.mapped_to}: map it with --map "
                f"{_arg(col, self.personal_field)} or drop it with --drop {_arg(col)}"
            )
        if self.event_field:
            return (
                f'column "{col}" holds {self.holds}{self._where()}: they would be sent '
                f"unhashed; remove them from the file or drop the column with --drop {_arg(col)}"
            )
        return (
            f'column "{col}" holds {self.holds}: map it with --map {_arg(col, self.suggest)} '
            f"or drop it with --drop {_arg(col)}{self._where()}"
        )

    def gui_message(self) -> str:
        """The same for the mapping table (which has a field chooser instead of flags)."""
        col = self.column
        if self.mapped_to:
            return (
                f"“{col}” holds personal data ({self.personal_field}): it can only be sent "
                f"hashed. Choose {self.personal_field} or another hashed field, or “drop”."
            )
        if self.event_field:
            return (
                f"“{col}” holds {self.holds}{self._where()}, which would be sent unhashed. "
                "Remove them from the file, or choose “drop”."
            )
        return (
            f"“{col}” holds {self.holds}{self._where()}. Send it hashed as {self.suggest} "
            "(or another hashed field), or choose “drop”."
        )

    def short(self) -> str:
        """A few words for the column's row in the mapping table."""
        if self.mapped_to:
            return f"personal data ({self.personal_field}): send it hashed, or drop it"
        if self.event_field:
            return f"holds {self.holds}{self._where()}: fix the file, or drop it"
        return f"holds {self.holds}{self._where()}: send it hashed, or drop it"

    def to_json(self) -> dict[str, Any]:
        return {
            "column": self.column,
            "kinds": list(self.kinds),
            "rows": list(self.rows),
            "count": self.count,
            "suggest": self.suggest,
            "mapped_to": self.mapped_to,
            "message": self.message(),
        }


@dataclass(frozen=True)
class RowIssue:
    """A problem with one row. `row` is the spreadsheet row number (the header is row 1).

    `value` is the offending cell as it is in the file and nothing else of the row, so the report
    never holds more personal data than the cell that needs fixing (None when no cell is at
    fault, e.g. a missing identifier).
    """

    row: int
    field: str
    reason: str
    value: str | None = None
    severity: Severity = "error"

    def describe(self) -> str:
        cell = f" ({self.value!r})" if self.value is not None else ""
        label = "" if self.severity == "error" else "warning: "
        return f"row {self.row}: {label}{self.field}: {self.reason}{cell}"

    def to_json(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "field": self.field,
            "reason": self.reason,
            "value": self.value,
            "severity": self.severity,
        }


@dataclass(frozen=True)
class MappedEvent:
    """One valid row as the v3 event Snap will receive (hashes only, no raw PII)."""

    row: int
    event: Mapping[str, Any]
    #: True when snapdesk minted the `event_id` (the file had none for this row).
    minted_id: bool = False

    @property
    def event_id(self) -> str | None:
        value = self.event.get("event_id")
        return str(value) if value is not None else None

    @property
    def event_name(self) -> str:
        return str(self.event.get("event_name", ""))


@dataclass(frozen=True)
class LoadResult:
    """A file read, mapped and validated: the valid events and the row-level report.

    `file_errors` block the whole file (duplicate columns, required columns missing); then there
    are no events. `stopped_at` is the row where reading stopped (stop-at-first-invalid).
    """

    options: LoadOptions
    path: Path | None = None
    columns: tuple[ColumnMapping, ...] = ()
    events: tuple[MappedEvent, ...] = ()
    issues: tuple[RowIssue, ...] = ()
    file_errors: tuple[str, ...] = ()
    file_warnings: tuple[str, ...] = ()
    #: columns whose values would be sent unhashed (their messages are in `file_errors` too)
    refusals: tuple[ColumnRefusal, ...] = ()
    rows_read: int = 0
    stopped_at: int | None = None
    invalid_rows: tuple[int, ...] = field(default=())
    # A streamed check (`load.scan_events`) keeps no events and only the first issues: these
    # hold the full counts then (None: count `events`, `invalid_rows` and `issues`).
    valid_total: int | None = None
    invalid_total: int | None = None
    issues_total: int | None = None
    blank_rows: int = 0

    @property
    def ok(self) -> bool:
        """The file can be sent: no blocking error and not stopped at an invalid row."""
        return not self.file_errors and self.stopped_at is None

    @property
    def valid_count(self) -> int:
        return self.valid_total if self.valid_total is not None else len(self.events)

    @property
    def invalid_count(self) -> int:
        return self.invalid_total if self.invalid_total is not None else len(self.invalid_rows)

    @property
    def errors(self) -> list[RowIssue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[RowIssue]:
        return [i for i in self.issues if i.severity == "warning"]

    def issues_for(self, row: int) -> list[RowIssue]:
        return [i for i in self.issues if i.row == row]

    def summary(self) -> str:
        if self.file_errors:
            return f"The file can't be sent: {self.file_errors[0]}"
        text = (
            f"{self.rows_read:,} row(s) read: {self.valid_count:,} valid, "
            f"{self.invalid_count:,} invalid"
        )
        if self.stopped_at is not None:
            text += f"; stopped at the first invalid row (row {self.stopped_at})"
        elif self.invalid_count:
            text += " (skipped)"
        if self.warnings:
            text += f"; {len(self.warnings):,} warning(s)"
        return text

    def report_lines(self) -> list[str]:
        """The row-level report, one line per issue, file-level problems first."""
        lines = [f"file: {e}" for e in self.file_errors]
        lines += [f"file: warning: {w}" for w in self.file_warnings]
        lines += [issue.describe() for issue in self.issues]
        if self.issues_total is not None and self.issues_total > len(self.issues):
            lines.append(f"… and {self.issues_total - len(self.issues):,} more issue(s)")
        return lines

    def to_json(self) -> dict[str, Any]:
        return {
            "path": str(self.path) if self.path else None,
            "source": self.options.source,
            "rows_read": self.rows_read,
            "valid": self.valid_count,
            "invalid": self.invalid_count,
            "stopped_at": self.stopped_at,
            "file_errors": list(self.file_errors),
            "file_warnings": list(self.file_warnings),
            "refusals": [r.to_json() for r in self.refusals],
            "columns": [c.to_json() for c in self.columns],
            "issues": [i.to_json() for i in self.issues],
        }


class ConversionsError(Exception):
    """An expected failure of the conversions workflow; `message` is one line for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class MappingError(ConversionsError, ValueError):
    """A column mapping that can't apply: `--map`/`--drop` naming a column the file doesn't
    have, or a column both mapped and dropped."""
