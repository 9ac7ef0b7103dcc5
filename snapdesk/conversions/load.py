"""Reading a CSV of conversion events into mapped, validated v3 events.

    result = load_events("events.csv", LoadOptions(source="web"))
    result.events      # the valid events, ready to send (hashes only)
    result.issues      # the row-level report (row number, field, reason, offending cell)

Invalid rows are skipped by default; with `stop_on_invalid` reading stops at the first one.
The CPU work (hashing) is synchronous: the UI runs it in a worker thread and may pass `progress`
and `cancelled`.

Files of any size (`snapdesk conversions push`) are read twice, row by row, never whole:

    checked = scan_events("events.csv", options)     # counts, the first issues, refusals
    if checked.ok:
        events = iter_events("events.csv", options, now=checked_now)   # the valid events again

The first pass decides everything that must be known before anything is sent (columns that
would send personal data raw, every invalid row); the second yields the valid events in file
order for the sender to batch. Both read the file with the customer-list reader
(`snapdesk.audience.files`: encodings, delimiters, quoted cells of any size, row numbers as a
spreadsheet shows them), so memory stays bounded whatever the file's size.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Final

from snapdesk.conversions.mapping import (
    ColumnPlan,
    RefusalScan,
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
from snapdesk.core.records import InputError, RecordSource, TextSource, iter_rows, sample_file

__all__ = ["iter_events", "load_events", "load_rows", "read_csv", "read_rows", "scan_events"]

ISSUES_KEPT: Final = 1000  # issues a streamed check lists one by one (all are counted)
_BATCH_ROWS: Final = 2000  # rows read at a time: events are ~1 KB each once mapped

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
    """Read, map and validate a CSV file of events (see the module docstring), keeping every
    event (the window shows them row by row). Row numbers are the reader's: what a spreadsheet
    shows."""
    header, rows = read_rows(path)
    result = _load_numbered(header, list(rows), options, progress=progress, cancelled=cancelled)
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
    numbered = [(offset + 2, list(cells)) for offset, cells in enumerate(rows)]
    return _load_numbered(header, numbered, options, progress=progress, cancelled=cancelled)


def _load_numbered(
    header: Sequence[str],
    rows: Sequence[tuple[int, Sequence[str]]],
    options: LoadOptions | None,
    *,
    progress: Progress | None,
    cancelled: Callable[[], bool] | None,
) -> LoadResult:
    options = options or LoadOptions()
    plan = plan_columns(
        header,
        options.source,
        column_map=options.column_map,
        drop_columns=options.drop_columns,
    )
    holding: set[str] = set()
    scan = RefusalScan(plan)
    for index, (row, cells) in enumerate(rows):
        if cancelled is not None and index % 1000 == 0 and cancelled():
            raise ConversionsError("reading the file was cancelled")
        scan.feed(row, cells)
    refusals = (*plan.refusals, *scan.refusals(holding))
    columns = with_refusals(plan.mappings, refusals, holding)
    if plan.errors or refusals:
        return LoadResult(
            options=options,
            rows_read=sum(1 for _row, cells in rows if any(cell.strip() for cell in cells)),
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
    for row, cells in rows:
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
    mappings = _with_minted(plan, options, columns)
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


# ---------------------------------------------------------------------------- streaming


def read_rows(path: str | Path) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The header and an iterator of (spreadsheet row number, cells) for the rows after it.

    Reads with the customer-list reader, batch by batch; raises `ConversionsError` (naming the
    file and the fix) for a file that can't be read."""
    file = Path(path)
    if not file.exists():
        raise ConversionsError(f"{path} does not exist")  # named as the user typed it
    try:
        empty = file.is_file() and file.stat().st_size == 0
    except OSError:
        empty = False  # the reader says what is wrong
    if empty:
        raise ConversionsError(f"{file.name}: the file is empty; it needs a header row and events")
    try:
        sample = sample_file(path)
    except InputError as exc:
        raise ConversionsError(exc.message) from None
    records = _records(TextSource.of(sample, has_header=False))  # the header: first record
    for _row, cells in records:
        if any(cell.strip() for cell in cells):
            return list(cells), records
    raise ConversionsError(f"{file.name}: the file is empty; it needs a header row and events")


def _records(info: RecordSource) -> Iterator[tuple[int, list[str]]]:
    try:
        for batch, _offset, _blank in iter_rows(info, batch_rows=_BATCH_ROWS):
            yield from batch
    except InputError as exc:
        raise ConversionsError(exc.message) from None


def scan_events(
    path: str | Path,
    options: LoadOptions | None = None,
    *,
    now: datetime | None = None,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
    issues_kept: int = ISSUES_KEPT,
) -> LoadResult:
    """Check every row of `path` without keeping events: counts, the first `issues_kept`
    issues, refused columns, where a stop-on-invalid read stopped. Memory is bounded."""
    options = options or LoadOptions()
    header, rows = read_rows(path)
    plan = plan_columns(
        header, options.source, column_map=options.column_map, drop_columns=options.drop_columns
    )
    if plan.errors:
        return LoadResult(
            options=options,
            path=Path(path),
            columns=plan.mappings,
            file_errors=plan.errors,
            file_warnings=plan.warnings,
        )
    when = now or now_utc(options)
    scan = RefusalScan(plan)
    issues: list[RowIssue] = []
    invalid: list[int] = []
    counts = {"read": 0, "valid": 0, "invalid": 0, "issues": 0}
    stopped: int | None = None
    for row, cells in rows:
        if not any(cell.strip() for cell in cells):
            continue
        if cancelled is not None and counts["read"] % 1000 == 0 and cancelled():
            raise ConversionsError("reading the file was cancelled")
        counts["read"] += 1
        scan.feed(row, cells)
        outcome = map_row(plan, cells, row=row, options=options, now=when)
        counts["issues"] += len(outcome.issues)
        room = issues_kept - len(issues)
        if room > 0:
            issues.extend(outcome.issues[:room])
        if outcome.event is None:
            counts["invalid"] += 1
            if len(invalid) < issues_kept:
                invalid.append(row)
            if options.stop_on_invalid:
                stopped = row
                break
        else:
            counts["valid"] += 1
        if progress is not None and counts["read"] % 10_000 == 0:
            progress(counts["read"])
    if progress is not None:
        progress(counts["read"])
    holding: set[str] = set()
    refusals = (*plan.refusals, *scan.refusals(holding))
    columns = with_refusals(_with_minted(plan, options), refusals, holding)
    return LoadResult(
        options=options,
        path=Path(path),
        columns=columns,
        issues=tuple(issues),
        file_errors=tuple(r.message() for r in refusals),
        file_warnings=plan.warnings,
        refusals=tuple(refusals),
        rows_read=counts["read"],
        stopped_at=stopped,
        invalid_rows=tuple(invalid),
        valid_total=counts["valid"],
        invalid_total=counts["invalid"],
        issues_total=counts["issues"],
    )


def iter_events(
    path: str | Path, options: LoadOptions | None = None, *, now: datetime
) -> Iterator[MappedEvent]:
    """The valid events of `path` in file order, read row by row (run `scan_events` first:
    this pass neither reports nor refuses). `now` must be the time the scan used."""
    options = options or LoadOptions()
    header, rows = read_rows(path)
    plan = plan_columns(
        header, options.source, column_map=options.column_map, drop_columns=options.drop_columns
    )
    for row, cells in rows:
        if not any(cell.strip() for cell in cells):
            continue
        outcome = map_row(plan, cells, row=row, options=options, now=now)
        if outcome.event is not None:
            yield MappedEvent(row, outcome.event, outcome.minted_id)


def _with_minted(
    plan: ColumnPlan, options: LoadOptions, mappings: Sequence[ColumnMapping] | None = None
) -> tuple[ColumnMapping, ...]:
    """The mapping table, plus the event_id row when snapdesk mints the ids."""
    mappings = tuple(plan.mappings if mappings is None else mappings)
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
    return mappings
