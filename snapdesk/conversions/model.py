"""The records of a Conversions API import: options, column mapping, issues, mapped events."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from snapdesk.conversions.fields import (
    DEFAULT_WINDOW_DAYS,
    MAX_WINDOW_DAYS,
    SOURCES,
    Source,
)

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class LoadOptions:
    """How a file of events is read.

    `source` is the event source type (web, app, offline) and sets `action_source`.
    `window_days`: events older than this are invalid (the connector's 7 by default; Snap accepts
    up to 37). `stop_on_invalid`: stop at the first invalid row instead of skipping invalid rows.
    `mint_event_ids`: give events without an `event_id` a deterministic one (a hash of the event),
    so a retried or re-run send is deduplicated by Snap. `now` fixes the clock (tests).
    """

    source: Source = "web"
    window_days: int = DEFAULT_WINDOW_DAYS
    stop_on_invalid: bool = False
    mint_event_ids: bool = True
    now: datetime | None = None

    def __post_init__(self) -> None:
        if self.source not in SOURCES:
            raise ValueError(f"source must be one of {', '.join(SOURCES)}, not {self.source!r}")
        if not 1 <= self.window_days <= MAX_WINDOW_DAYS:
            raise ValueError(
                f"the event time window must be 1 to {MAX_WINDOW_DAYS} days, not {self.window_days}"
            )


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

    def to_json(self) -> dict[str, Any]:
        return {
            "column": self.column,
            "target": self.target,
            "handling": self.handling,
            "standard": self.standard,
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
    rows_read: int = 0
    stopped_at: int | None = None
    invalid_rows: tuple[int, ...] = field(default=())

    @property
    def ok(self) -> bool:
        """The file can be sent: no blocking error and not stopped at an invalid row."""
        return not self.file_errors and self.stopped_at is None

    @property
    def valid_count(self) -> int:
        return len(self.events)

    @property
    def invalid_count(self) -> int:
        return len(self.invalid_rows)

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
            "columns": [c.to_json() for c in self.columns],
            "issues": [i.to_json() for i in self.issues],
        }


class ConversionsError(Exception):
    """An expected failure of the conversions workflow; `message` is one line for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
