"""The hashing pipeline: a customer-list file in, one hashed CSV per schema out, and a report.

    info = inspect_file(path)                              # preview + detected columns
    report = hash_file(path, output="out.csv", progress=cb, cancel=event)

Runs in the calling thread (the UI calls it from a worker thread); CPU work is spread over a
process pool (spawn). Single-column UTF-8 files are cut into byte ranges on line ends (LF, CRLF
or a bare CR) and each worker normalizes and hashes its range with the vectorized checks of
`_fast`; other files are parsed into physical records (`files.RecordReader`) in this thread and
hashed by the pool in batches of rows. A byte range holding a line that may open a multi-line
quoted cell (possible only past the inspected sample) sends the whole file to the record reader,
so both engines count and number the same records. Results are consumed in file order, so
de-duplication keeps the first occurrence.

Every record after the header is accounted for: `HashReport.rows` counts them all (blank ones
too), and rows × identifier columns = valid + rejected + blank cells (`HashReport.cells`);
duplicates are a subset of valid. The rejects file holds, per rejected cell, its row, column,
reason and that cell only (cut to `normalize.MAX_CELL` characters). Outputs and the rejects file are
written to temporary files beside their targets and renamed at the end: a failure or a cancel
leaves no half-written file.

Output naming: one schema → exactly `output`. Several schemas → `output` with the schema name
before the suffix, e.g. `out.csv` → `out.EMAIL_SHA256.csv`, `out.PHONE_SHA256.csv`.
"""

from __future__ import annotations

import concurrent.futures as cf
import csv
import io
import multiprocessing
import os
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Final, Protocol

from snapdesk.audience import _fast
from snapdesk.audience import normalize as nz
from snapdesk.audience._dedupe import TABLE_BUDGET, DigestSink
from snapdesk.audience.files import (
    DELIMITERS,
    MAX_LINE,
    FileInfo,
    InputError,
    ReadIssues,
    RecordIssue,
    inspect_file,
    iter_rows,
)
from snapdesk.audience.outputs import check_outputs, output_path_for
from snapdesk.core import workdirs
from snapdesk.core.outputs import AtomicFiles

CHUNK_BYTES: Final = 4 << 20
INLINE_BYTES: Final = 2 << 20  # smaller inputs are hashed in this thread (no pool start-up)
REJECT_SAMPLES: Final = 200
AUTO: Final = "auto"
TYPE_CHOICES: Final = ("auto", "email", "phone", "maid")


class CancelFlag(Protocol):
    def is_set(self) -> bool: ...


class HashCancelled(Exception):
    """The user cancelled; nothing was written."""


@dataclass(frozen=True)
class SelectedColumn:
    index: int
    name: str
    id_type: str
    schema: str


@dataclass(frozen=True)
class Reject:
    row: int
    column: str
    reason: str
    value: str

    @property
    def message(self) -> str:
        return nz.describe_reason(self.reason)


@dataclass(frozen=True)
class HashProgress:
    phase: str  # "hashing" | "writing"
    bytes_done: int
    bytes_total: int
    rows: int
    fraction: float  # 0..1 over the whole run


@dataclass(frozen=True)
class ListReport:
    schema: str
    valid: int  # identifiers that normalized (incl. duplicates and pre-hashed)
    prehashed: int
    duplicates: int  # dropped as repeats (0 with keep_duplicates)
    written: int
    output: Path | None


@dataclass(frozen=True)
class HashReport:
    source: Path
    encoding: str
    encoding_note: str | None
    delimiter: str | None
    has_header: bool
    columns: tuple[SelectedColumn, ...]
    rows: int  # records read after the header, blank ones included (a spreadsheet's rows - 1)
    blank: int  # blank records (nothing but spaces and delimiters)
    empty: int  # empty identifier cells of the other records (not rejected)
    lists: tuple[ListReport, ...]
    rejected: int
    reasons: dict[str, int]
    reject_samples: tuple[Reject, ...]
    rejects_path: Path | None
    keep_duplicates: bool
    engine: str  # "bytes" (single-column fast path) | "rows" (csv)
    workers: int
    elapsed_s: float
    issues: tuple[RecordIssue, ...] = ()  # runaway quotes, multi-line and ragged records

    @property
    def cells(self) -> int:
        """Identifier cells read: rows × identifier columns (= valid + rejected + blank)."""
        return self.rows * len(self.columns)

    @property
    def blank_cells(self) -> int:
        """Identifier cells with nothing to hash: those of blank records, and empty cells."""
        return self.blank * len(self.columns) + self.empty

    @property
    def records(self) -> int:
        """The file's physical records, header included: the rows a spreadsheet shows."""
        return self.rows + (1 if self.has_header else 0)

    def totals_line(self) -> str:
        """`1,000 rows = 990 valid + 7 rejected + 3 blank` (with several identifier columns:
        `… rows × 2 identifier columns = 2,000 cells = …`)."""
        k = len(self.columns)
        read = f"{self.rows:,} rows"
        if k > 1:
            read += f" × {k} identifier columns = {self.cells:,} cells"
        return (
            f"{read} = {self.valid:,} valid + {self.rejected:,} rejected + "
            f"{self.blank_cells:,} blank"
        )

    def summary_lines(self, *, paths: bool = True) -> list[str]:
        """The summary `snapdesk hash` prints: the totals (they add up), notes and warnings
        about the file, the lists written, the rejects by reason with their first rows."""
        first = f"{self.source.name}: {self.totals_line()}"
        if self.duplicates:
            verb = "is a duplicate" if self.duplicates == 1 else "are duplicates"
            first += f"; {self.duplicates:,} of the valid {verb}, dropped"
        if self.prehashed:
            first += f"; {self.prehashed:,} already hashed"
        lines = [first]
        if self.empty:
            lines.append(
                f"  blank: {self.blank * len(self.columns):,} in blank rows, "
                f"{self.empty:,} empty cells in other rows"
            )
        if self.encoding_note:
            lines.append(f"  note: {self.encoding_note}")
        for issue in self.issues:
            lines.append(f"  {'warning' if issue.warning else 'note'}: {issue.message}")
        for item in self.lists:
            target = f" -> {item.output}" if item.output and paths else ""
            lines.append(f"  {item.schema}: {item.written:,} hashes{target}")
        for reason, count in sorted(self.reasons.items(), key=lambda kv: -kv[1]):
            rows = [r.row for r in self.reject_samples if r.reason == reason][:5]
            shown = ", ".join(str(r) for r in rows)
            more = " …" if count > len(rows) else ""
            lines.append(f"  rejected {count:,}: {nz.describe_reason(reason)} (rows {shown}{more})")
        return lines

    @property
    def valid(self) -> int:
        return sum(item.valid for item in self.lists)

    @property
    def duplicates(self) -> int:
        return sum(item.duplicates for item in self.lists)

    @property
    def written(self) -> int:
        return sum(item.written for item in self.lists)

    @property
    def prehashed(self) -> int:
        return sum(item.prehashed for item in self.lists)

    @property
    def schemas(self) -> tuple[str, ...]:
        return tuple(item.schema for item in self.lists)

    def to_json(self) -> dict[str, Any]:
        schemas = list(self.schemas)
        return {
            "rows": self.rows,
            "valid": self.valid,
            "rejected": self.rejected,
            "duplicates": self.duplicates,
            "schema": schemas[0] if len(schemas) == 1 else schemas,
            "written": self.written,
            "prehashed": self.prehashed,
            "blank": self.blank_cells,
            "cells": self.cells,
            "records": self.records,
            "header": self.has_header,
            "blank_lines": self.blank,
            "empty_cells": self.empty,
            "row_issues": [issue.to_json() for issue in self.issues],
            "rejected_by_reason": dict(sorted(self.reasons.items())),
            "lists": {
                item.schema: {
                    "valid": item.valid,
                    "prehashed": item.prehashed,
                    "duplicates": item.duplicates,
                    "written": item.written,
                    "output": str(item.output) if item.output else None,
                }
                for item in self.lists
            },
            "columns": [
                {"name": c.name, "index": c.index + 1, "type": c.id_type, "schema": c.schema}
                for c in self.columns
            ],
            "encoding": self.encoding,
            "encoding_note": self.encoding_note,
            "rejects_file": str(self.rejects_path) if self.rejects_path else None,
            "elapsed_s": round(self.elapsed_s, 3),
        }


# ---------------------------------------------------------------------------- selection


def _find_column(info: FileInfo, column: str) -> int:
    wanted = column.strip()
    for c in info.columns:
        if c.name == wanted:
            return c.index
    for c in info.columns:
        if c.name.casefold() == wanted.casefold():
            return c.index
    if wanted.isdigit() and 1 <= int(wanted) <= len(info.columns):
        return int(wanted) - 1
    names = ", ".join(repr(c.name) for c in info.columns)
    raise InputError(f"{info.path.name} has no column {column!r}; its columns are {names}")


def select_columns(
    info: FileInfo, *, id_type: str = AUTO, column: str | None = None
) -> tuple[SelectedColumn, ...]:
    """The identifier columns to hash: the user's `column`/`id_type`, else what was detected.

    Raises `InputError` when nothing usable is found (the message says which option to pass)."""
    if id_type not in TYPE_CHOICES:
        raise ValueError(f"--type must be one of {', '.join(TYPE_CHOICES)}")
    name = info.path.name
    if column is not None:
        col = info.columns[_find_column(info, column)]
        kind = col.detected if id_type == AUTO else id_type
        if kind is None:
            hint = " (its values are already SHA-256 hashes)" if col.prehashed else ""
            raise InputError(
                f"{name}: cannot tell what column {col.name!r} holds{hint}; "
                "pass --type email, phone or maid"
            )
        return (SelectedColumn(col.index, col.name, kind, nz.SCHEMA_FOR_TYPE[kind]),)
    if id_type != AUTO:
        matching = [c for c in info.columns if c.detected == id_type]
        if not matching and len(info.columns) == 1:
            matching = list(info.columns)
        if not matching:
            prehashed = [c for c in info.columns if c.prehashed]
            if len(prehashed) == 1:
                matching = prehashed
        if not matching:
            raise InputError(
                f"{name}: no {id_type} column found; pass --column NAME to choose one "
                f"(columns: {', '.join(c.name for c in info.columns)})"
            )
        return tuple(
            SelectedColumn(c.index, c.name, id_type, nz.SCHEMA_FOR_TYPE[id_type]) for c in matching
        )
    found = [c for c in info.columns if c.detected]
    if not found:
        prehashed = [c for c in info.columns if c.prehashed]
        if prehashed:
            raise InputError(
                f"{name}: column {prehashed[0].name!r} holds SHA-256 hashes; pass --type "
                "email, phone or maid to say what was hashed"
            )
        raise InputError(
            f"{name}: no email, phone or mobile ad id column found; pass --column NAME and "
            f"--type (columns: {', '.join(c.name for c in info.columns)})"
        )
    return tuple(
        SelectedColumn(c.index, c.name, str(c.detected), nz.SCHEMA_FOR_TYPE[str(c.detected)])
        for c in found
    )


# ---------------------------------------------------------------------------- work


def _run_bytes(
    path: str, start: int, end: int, id_type: str, country: str | None, schema: str
) -> _fast.ChunkOut:
    fd = os.open(path, os.O_RDONLY)
    try:
        data = os.pread(fd, end - start, start)
    finally:
        os.close(fd)
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n")
        if b"\r" in data:
            data = data.replace(b"\r", b"\n")  # a bare CR ends a record too
    if b'"' in data:
        _check_one_line_records(data)
    return _fast.process_single_column(
        data, id_type=id_type, default_country=country, schema=schema
    )


def _run_rows(
    rows: list[tuple[int, list[str]]], columns: list[tuple[int, str, str]], country: str | None
) -> _fast.ChunkOut:
    return _fast.process_rows(rows, columns=columns, default_country=country)


class _MultiLineRecord(Exception):
    """A single-column byte range holds a line that may open a quoted cell spanning lines (or
    whose quotes `csv` reads otherwise): the file needs the record reader."""


_QUOTED_LINE: Final = re.compile(rb'(?m)^"[^\n]*')


def _check_one_line_records(data: bytes) -> None:
    """Raise `_MultiLineRecord` unless every line of `data` (LF-ended) that starts with a quote
    is one whole quoted cell (`"…"`, inner quotes doubled), read alike by `csv` and `_fast`."""
    for match in _QUOTED_LINE.finditer(data):
        line = match.group()
        if len(line) < 2 or not line.endswith(b'"') or b'"' in line[1:-1].replace(b'""', b""):
            raise _MultiLineRecord()


_LINE_END: Final = re.compile(rb"\r\n?|\n")


def _line_end(fh: IO[bytes], pos: int, size: int) -> int:
    """The offset just past the first line end (LF, CRLF or CR) at or after `pos`, or `size`.
    Raises `InputError` for a line longer than `MAX_LINE` bytes."""
    fh.seek(pos)
    at = pos
    while True:
        piece = fh.read(65536)
        if not piece:
            return size
        match = _LINE_END.search(piece)
        if (at + (match.start() if match else len(piece))) - pos > MAX_LINE:
            name = Path(str(getattr(fh, "name", "the file"))).name
            raise InputError(
                f"{name}: a line after byte {pos:,} is longer than {MAX_LINE >> 20} MiB, more "
                "than a customer list holds: export it as CSV (UTF-8) and try again"
            )
        if match is not None:
            end = at + match.end()
            if match.end() == len(piece) and piece.endswith(b"\r") and fh.read(1) == b"\n":
                end += 1  # a CRLF cut by the read: keep it whole
            return end
        at += len(piece)


def _byte_ranges(path: Path, start: int, size: int, chunk: int) -> Iterator[tuple[int, int]]:
    """[start, end) ranges of whole lines (ended by LF, CRLF or CR), about `chunk` bytes each."""
    with path.open("rb") as fh:
        pos = start
        while pos < size:
            if pos + chunk >= size:
                yield pos, size
                return
            end = _line_end(fh, pos + chunk, size)
            yield pos, end
            pos = end


def _data_start(info: FileInfo) -> tuple[int, int]:
    """(byte offset of the first data line, lines before it: blank lines and the header) for
    the single-column fast path."""
    offset, lines = info.bom, 0
    if not info.has_header:
        return offset, 0
    with info.path.open("rb") as fh:
        while offset < info.size:
            end = _line_end(fh, offset, info.size)
            fh.seek(offset)
            line = fh.read(end - offset)
            offset, lines = end, lines + 1
            if line.strip():  # the header is the first non-blank line
                return offset, lines
    return offset, lines


def _shown_value(value: str, *, one_column: bool) -> str:
    """A rejected cell as the rejects file shows it: only that cell. In a one-column file a
    line holding a delimiter is several cells to a spreadsheet: only the first is shown; a
    cell longer than `normalize.MAX_CELL` is cut there."""
    if one_column:
        cuts = [i for i in (value.find(d) for d in DELIMITERS) if i >= 0]
        if cuts:
            value = value[: min(cuts) + 1] + "…"
    if len(value) > nz.MAX_CELL:
        value = value[: nz.MAX_CELL] + "…"
    return value


class _Executor:
    """A process pool (spawn), a thread pool (`threads`: the work releases the GIL, as the C
    accelerator does) or, for small inputs, this thread."""

    def __init__(self, workers: int, *, threads: bool = False) -> None:
        self.workers = workers
        self._pool: cf.Executor | None = None
        if workers > 1 and threads:
            self._pool = cf.ThreadPoolExecutor(max_workers=workers)
        elif workers > 1:
            self._pool = cf.ProcessPoolExecutor(
                max_workers=workers, mp_context=multiprocessing.get_context("spawn")
            )

    def submit(self, fn: Callable[..., _fast.ChunkOut], *args: Any) -> cf.Future[_fast.ChunkOut]:
        if self._pool is not None:
            return self._pool.submit(fn, *args)
        future: cf.Future[_fast.ChunkOut] = cf.Future()
        try:
            future.set_result(fn(*args))
        except BaseException as exc:
            future.set_exception(exc)
        return future

    def close(self, *, cancel: bool = False) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=cancel)


@dataclass
class _Totals:
    rows: int = 0
    blank: int = 0
    empty: int = 0
    valid: Counter[str] = field(default_factory=Counter)
    prehashed: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    rejected: int = 0
    samples: list[Reject] = field(default_factory=list)


class _Outputs(AtomicFiles):
    """Temporary files beside the targets (owner-only: they hold hashes), renamed into place by
    `commit()`; a failure or a cancel removes them (snapdesk.core.outputs has the rules).

    `commit()` makes the files durable (fsync) before the rename, so a crash never leaves a
    half-written list under the target's name. To keep that final wait short, `nudge()` (called
    as the files grow) syncs what is already written in a background thread while hashing goes
    on."""

    SYNC_EVERY: Final = 64 << 20

    def __init__(self) -> None:
        super().__init__()
        self._synced = 0
        self._syncer: threading.Thread | None = None

    def nudge(self) -> None:
        if self._syncer is not None and self._syncer.is_alive():
            return
        try:
            size = sum(fh.tell() for fh in self.handles)
        except (OSError, ValueError):
            return
        if size - self._synced < self.SYNC_EVERY:
            return
        fds = [fh.fileno() for fh in self.handles]

        def sync() -> None:
            for fd in fds:
                try:
                    os.fsync(fd)
                except OSError:
                    return  # the final fsync in commit() reports it

        self._synced = size
        self._syncer = threading.Thread(target=sync, name="snapdesk-hash-sync", daemon=True)
        self._syncer.start()

    def _join(self) -> None:
        if self._syncer is not None:
            self._syncer.join()
            self._syncer = None

    def open(  # type: ignore[override]
        self, target: Path, *, private: bool = True, shown: str | None = None
    ) -> IO[bytes]:
        return super().open(target, private=private, shown=shown)

    def commit(self) -> None:
        self._join()
        super().commit()

    def discard(self) -> None:
        self._join()
        super().discard()


def _expected_rows(info: FileInfo) -> int:
    """About how many rows the file holds, from the preview's average line length."""
    sample = info.preview  # data rows only
    if not sample:
        return 0
    sep = info.delimiter or ","
    average = sum(len(sep.join(row)) + 1 for row in sample) / len(sample)
    return int(info.size / max(2.0, average) * 1.05)


def _default_workers() -> int:
    return max(1, min(8, os.cpu_count() or 1))


def hash_file(
    path: str | os.PathLike[str],
    *,
    output: str | os.PathLike[str],
    id_type: str = AUTO,
    column: str | None = None,
    default_country: str | None = None,
    keep_duplicates: bool = False,
    rejects: str | os.PathLike[str] | None = None,
    info: FileInfo | None = None,
    progress: Callable[[HashProgress], object] | None = None,
    cancel: CancelFlag | None = None,
    workers: int | None = None,
    chunk_bytes: int = CHUNK_BYTES,
    batch_rows: int = 20_000,
) -> HashReport:
    """Normalize, hash and de-duplicate the identifiers of `path` into `output` (see module doc).

    Raises `InputError` for an unusable file (nothing written), `HashCancelled` when `cancel`
    is set (nothing written), ValueError for a bad `default_country`, `OutputClash` (nothing
    read) when an output is the input or another output, `OutputWriteError` (an OSError naming
    the output as given, never its temporary file) when writing fails: nothing is left behind."""
    options: dict[str, Any] = dict(
        output=output,
        id_type=id_type,
        column=column,
        default_country=default_country,
        keep_duplicates=keep_duplicates,
        rejects=rejects,
        info=info,
        progress=progress,
        cancel=cancel,
        workers=workers,
        chunk_bytes=chunk_bytes,
        batch_rows=batch_rows,
    )
    try:
        return _hash_file(path, **options)
    except _MultiLineRecord:  # past the sample, a one-column file has a quoted multi-line cell
        return _hash_file(path, records_only=True, **options)


def _hash_file(
    path: str | os.PathLike[str],
    *,
    output: str | os.PathLike[str],
    id_type: str,
    column: str | None,
    default_country: str | None,
    keep_duplicates: bool,
    rejects: str | os.PathLike[str] | None,
    info: FileInfo | None,
    progress: Callable[[HashProgress], object] | None,
    cancel: CancelFlag | None,
    workers: int | None,
    chunk_bytes: int,
    batch_rows: int,
    records_only: bool = False,
) -> HashReport:
    """`hash_file`; `records_only`: never the single-column byte-range engine.

    Raises `InputError` for an unusable file (nothing written), `HashCancelled` when `cancel`
    is set (nothing written), ValueError for a bad `default_country`, `OutputClash` (nothing
    read) when an output is the input or another output, `OutputWriteError` (an OSError naming
    the output as given, never its temporary file) when writing fails: nothing is left behind."""
    started = time.perf_counter()
    country = nz.check_country(default_country)
    check_outputs(path, output=output, rejects=rejects)
    info = info or inspect_file(path)
    columns = select_columns(info, id_type=id_type, column=column)
    schemas = list(dict.fromkeys(c.schema for c in columns))
    several = len(schemas) > 1
    fast = (
        not records_only
        and info.single_column
        and info.encoding in ("utf-8", "utf-8-sig")
        and not info.quoted
        and len(columns) == 1
    )
    n_workers = workers if workers is not None else _default_workers()
    if workers is None and info.size < INLINE_BYTES:
        n_workers = 1
    outputs = _Outputs()
    scratch: Path | None = None  # the de-duplication's spill files, swept if we are killed
    sinks: dict[str, DigestSink] = {}
    rejects_fh: io.TextIOWrapper | None = None
    rejects_target = Path(rejects) if rejects is not None else None
    totals = _Totals()
    issues = ReadIssues()
    executor: _Executor | None = None
    total_bytes = max(1, info.size)

    def report(phase: str, done: int, fraction: float) -> None:
        if progress is not None:
            progress(HashProgress(phase, done, info.size, totals.rows, min(1.0, fraction)))

    def cancelled() -> bool:
        return cancel is not None and cancel.is_set()

    try:
        if not keep_duplicates:
            scratch = workdirs.make("hash")
        for schema in schemas:
            target = output_path_for(output, schema, several=several)
            out = outputs.open(target)
            sinks[schema] = DigestSink(
                out,
                header=schema,
                keep_duplicates=keep_duplicates,
                tmp_dir=str(scratch) if scratch is not None else None,
                out_fd=out.fileno(),  # mkstemp opens it for reading and writing
                expected_rows=_expected_rows(info),
                memory_budget=TABLE_BUDGET // len(schemas),
            )
        rejects_writer = None
        if rejects_target is not None:
            rejects_fh = io.TextIOWrapper(
                outputs.open(rejects_target), encoding="utf-8", newline=""
            )
            rejects_writer = csv.writer(rejects_fh)
            rejects_writer.writerow(["row", "column", "reason", "value"])
        names = {c.index: c.name for c in columns}

        def absorb(out: _fast.ChunkOut, row_base: int | None) -> None:
            totals.rows += out.lines  # bytes: every line (blank ones too); rows: data records
            totals.blank += out.blank
            totals.empty += out.empty
            for schema, digests in out.digests.items():
                sinks[schema].add(digests)
            outputs.nudge()
            totals.valid.update(out.valid)
            totals.prehashed.update(out.prehashed)
            for row, col, reason, value in out.rejects:
                number = row_base + row + 1 if row_base is not None else row
                totals.rejected += 1
                totals.reasons[reason] += 1
                value = _shown_value(value, one_column=info.single_column)
                rejected = Reject(number, names.get(col, str(col + 1)), reason, value)
                if len(totals.samples) < REJECT_SAMPLES:
                    totals.samples.append(rejected)
                if rejects_writer is not None:
                    rejects_writer.writerow([number, rejected.column, reason, value])

        # The C accelerator normalizes and hashes email and phone chunks without the GIL:
        # threads then do as well as processes, without their start-up or copying the results
        # back. (Device ids, and every file without the accelerator, use processes.)
        threads = fast and columns[0].id_type in ("email", "phone") and _fast.native() is not None
        executor = _Executor(n_workers, threads=threads)
        window = max(2, 2 * n_workers)
        pending: list[tuple[cf.Future[_fast.ChunkOut], int, int]] = []
        if fast:
            col = columns[0]
            start, lines_before = _data_start(info)
            line_base = lines_before
            before_header = max(0, lines_before - 1)  # blank lines above the header
            totals.rows += before_header
            totals.blank += before_header
            source = str(info.path)
            # at least a few chunks per worker, so small files use the whole pool too
            step = max(64 * 1024, min(chunk_bytes, (info.size - start) // (4 * n_workers) + 1))
            for lo, hi in _byte_ranges(info.path, start, info.size, step):
                if cancelled():
                    raise HashCancelled()
                future = executor.submit(
                    _run_bytes, source, lo, hi, col.id_type, country, col.schema
                )
                pending.append((future, hi, 0))
                while len(pending) >= window or (pending and pending[0][0].done()):
                    done_future, reached, _ = pending.pop(0)
                    line_base = _take_bytes(done_future, absorb, line_base, info)
                    report("hashing", reached, 0.9 * reached / total_bytes)
            while pending:
                if cancelled():
                    raise HashCancelled()
                done_future, reached, _ = pending.pop(0)
                line_base = _take_bytes(done_future, absorb, line_base, info)
                report("hashing", reached, 0.9 * reached / total_bytes)
        else:
            specs = [(c.index, c.id_type, c.schema) for c in columns]
            for batch, reached, blank in iter_rows(info, batch_rows=batch_rows, issues=issues):
                if cancelled():
                    raise HashCancelled()
                totals.rows += blank
                totals.blank += blank
                pending.append((executor.submit(_run_rows, batch, specs, country), reached, 0))
                while len(pending) >= window or (pending and pending[0][0].done()):
                    done_future, done_at, _ = pending.pop(0)
                    absorb(done_future.result(), None)
                    report("hashing", done_at, 0.9 * done_at / total_bytes)
            while pending:
                if cancelled():
                    raise HashCancelled()
                done_future, done_at, _ = pending.pop(0)
                absorb(done_future.result(), None)
                report("hashing", done_at, 0.9 * done_at / total_bytes)
        executor.close()
        executor = None
        if totals.rows == totals.blank:
            raise InputError(f"{info.path.name} has no data rows: export the list again")
        for i, schema in enumerate(schemas):
            if cancelled():
                raise HashCancelled()
            share = 0.1 / len(schemas)

            def written(f: float, i: int = i, share: float = share) -> None:
                report("writing", info.size, 0.9 + share * (i + f))

            sinks[schema].finish(written)
        if rejects_fh is not None:
            rejects_fh.flush()
            rejects_fh.detach()
            rejects_fh = None
        if cancelled():
            raise HashCancelled()
        outputs.commit()
        report("writing", info.size, 1.0)
    except BaseException:
        if executor is not None:
            executor.close(cancel=True)
        if rejects_fh is not None:
            try:
                rejects_fh.detach()  # flushes: fails again on a full disk
            except (OSError, ValueError):
                pass
        outputs.discard()
        raise
    finally:
        for sink in sinks.values():
            sink.close()
        if scratch is not None:
            workdirs.remove(scratch)
    lists = tuple(
        ListReport(
            schema=schema,
            valid=totals.valid[schema],
            prehashed=totals.prehashed[schema],
            duplicates=sinks[schema].duplicates,
            written=sinks[schema].written,
            output=output_path_for(output, schema, several=several),
        )
        for schema in schemas
    )
    return HashReport(
        source=info.path,
        encoding=info.encoding,
        encoding_note=info.encoding_note,
        delimiter=info.delimiter,
        has_header=info.has_header,
        columns=columns,
        rows=totals.rows,
        blank=totals.blank,
        empty=totals.empty,
        lists=lists,
        rejected=totals.rejected,
        reasons=dict(totals.reasons),
        reject_samples=tuple(totals.samples),
        rejects_path=rejects_target,
        keep_duplicates=keep_duplicates,
        engine="bytes" if fast else "rows",
        workers=n_workers,
        elapsed_s=time.perf_counter() - started,
        issues=issues.summary(),
    )


def _take_bytes(
    future: cf.Future[_fast.ChunkOut],
    absorb: Callable[[_fast.ChunkOut, int | None], None],
    line_base: int,
    info: FileInfo,
) -> int:
    try:
        out = future.result()
    except _fast.BadEncoding as exc:
        raise InputError(
            f"{info.path.name}: row {line_base + exc.line + 1} is not valid UTF-8 (the start of "
            "the file was): save the whole file as CSV (UTF-8) and try again"
        ) from None
    absorb(out, line_base)
    return line_base + out.lines
