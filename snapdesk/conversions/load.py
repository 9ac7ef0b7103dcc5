"""Reading a CSV of conversion events into mapped, validated v3 events.

    result = load_events("events.csv", LoadOptions(source="web"))
    result.events      # the valid events, ready to send (hashes only)
    result.issues      # the row-level report (row number, field, reason, offending cell)

Invalid rows are skipped by default; with `stop_on_invalid` reading stops at the first one.
The CPU work (hashing) is synchronous: the UI runs it in a worker thread and may pass `progress`
and `cancelled`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from snapdesk.conversions.mapping import (
    find_refusals,
    map_row,
    now_utc,
    plan_columns,
    with_refusals,
)
from snapdesk.conversions.model import (
    ColumnMapping,
    ConversionsError,
    LoadOptions,
    LoadResult,
    MappedEvent,
    RowIssue,
)

__all__ = ["load_events", "load_rows", "read_csv"]

Progress = Callable[[int], object]
_DELIMITERS = ",;\t|"


def read_csv(path: str | Path) -> tuple[list[str], list[list[str]]]:
    """The header and the rows of a CSV file (UTF-8, with or without BOM; the delimiter , ; tab
    or | is detected). Blank lines are dropped. Raises `ConversionsError` for unreadable files."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConversionsError(f"{file} does not exist") from None
    except UnicodeDecodeError:
        raise ConversionsError(f"{file} is not UTF-8 text; save it as UTF-8 CSV") from None
    except OSError as exc:
        raise ConversionsError(f"can't read {file} ({exc.strerror or exc})") from None
    return parse_csv(text)


def parse_csv(text: str) -> tuple[list[str], list[list[str]]]:
    sample = text[:8192]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(
            sample.splitlines()[0] if sample else ",", delimiters=_DELIMITERS
        )
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    rows = [row for row in reader]
    if not rows:
        raise ConversionsError("the file is empty; it needs a header row and event rows")
    header, body = rows[0], rows[1:]
    return header, body


def load_events(
    path: str | Path,
    options: LoadOptions | None = None,
    *,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> LoadResult:
    """Read, map and validate a CSV file of events (see the module docstring)."""
    header, rows = read_csv(path)
    result = load_rows(header, rows, options, progress=progress, cancelled=cancelled)
    return LoadResult(
        options=result.options,
        path=Path(path),
        columns=result.columns,
        events=result.events,
        issues=result.issues,
        file_errors=result.file_errors,
        file_warnings=result.file_warnings,
        refusals=result.refusals,
        rows_read=result.rows_read,
        stopped_at=result.stopped_at,
        invalid_rows=result.invalid_rows,
    )


def load_rows(
    header: Sequence[str],
    rows: Iterable[Sequence[str]],
    options: LoadOptions | None = None,
    *,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> LoadResult:
    """Map and validate rows under `header`. Row numbers are spreadsheet rows: the header is
    row 1, so the first event is row 2.

    Before any row is mapped, every column whose values would be sent unhashed is scanned for
    e-mail addresses and phone numbers (`mapping.find_refusals`): such a column stops the whole
    file, with a message naming it and how to map or drop it. Raises `MappingError` when the
    options map or drop a column the header doesn't have."""
    options = options or LoadOptions()
    plan = plan_columns(
        header,
        options.source,
        column_map=options.column_map,
        drop_columns=options.drop_columns,
    )
    rows = rows if isinstance(rows, Sequence) else list(rows)
    holding: set[str] = set()
    refusals = (
        *plan.refusals,
        *find_refusals(plan, rows, cancelled=cancelled, holding=holding),
    )
    columns = with_refusals(plan.mappings, refusals, holding)
    if plan.errors or refusals:
        return LoadResult(
            options=options,
            rows_read=sum(1 for cells in rows if any(cell.strip() for cell in cells)),
            columns=columns,
            file_errors=(*plan.errors, *(r.message() for r in refusals)),
            file_warnings=plan.warnings,
            refusals=tuple(refusals),
        )
    now = now_utc(options)
    events: list[MappedEvent] = []
    issues: list[RowIssue] = []
    invalid: list[int] = []
    read = 0
    stopped: int | None = None
    for offset, cells in enumerate(rows):
        row = offset + 2
        if not any(cell.strip() for cell in cells):
            continue  # a blank line
        if cancelled is not None and cancelled():
            raise ConversionsError("reading the file was cancelled")
        read += 1
        outcome = map_row(plan, cells, row=row, options=options, now=now)
        issues.extend(outcome.issues)
        if outcome.event is None:
            invalid.append(row)
            if options.stop_on_invalid:
                stopped = row
                break
        else:
            events.append(MappedEvent(row, outcome.event, outcome.minted_id))
        if progress is not None and read % 1000 == 0:
            progress(read)
    if progress is not None:
        progress(read)
    mappings = columns
    if options.mint_event_ids and not plan.has("top", "event_id"):
        mappings = (
            *mappings,
            ColumnMapping(
                "",
                "event_id",
                "minted by snapdesk (hash of row and event) so Snap deduplicates retries",
                True,
            ),
        )
    return LoadResult(
        options=options,
        columns=mappings,
        events=tuple(events),
        issues=tuple(issues),
        file_warnings=plan.warnings,
        rows_read=read,
        stopped_at=stopped,
        invalid_rows=tuple(invalid),
    )
