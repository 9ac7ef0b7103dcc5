"""Reading delimited text files as a spreadsheet does: encoding, delimiter, physical records.

The one reader for every file snapdesk reads (customer lists, Conversions API events):

    sample = sample_file(path)       # encoding, delimiter and the first records; InputError
    for batch, offset, blank in iter_rows(source, issues=issues): ...   # [(row, cells)], bounded memory

`snapdesk.audience.files` detects identifier columns on top of it; `snapdesk.conversions.load`
reads event files with it.

info = inspect_file(path)          # reads a sample only; raises InputError with a fix
    info.columns                       # detected columns (name, type, sample values)
    for batch, offset, blank in iter_rows(info, issues=issues): ...  # [(row, cells)], bounded memory

Encodings: UTF-8 (with or without BOM), UTF-16 LE/BE (with BOM, as Excel's "Unicode text" writes
it, or without BOM when the NUL pattern is unmistakable), and Latin-1 as the declared fallback
when the sample is not valid UTF-8 (`FileInfo.encoding_note` says so). Delimiters `,` `;` tab
`|` are sniffed; a file in which (nearly) no line holds one of them is one column.

Physical records — what is counted, numbered and read:

- A record is a line. A line ends at LF, CRLF or a bare CR (all three may mix in one file), or
  at the end of the file; a final line end does not start another record.
- Except that a quoted field — one whose first character is `"` — may span lines, as in Excel
  and LibreOffice, when it is *properly closed*: by a `"` (not doubled) that is followed by the
  delimiter, a line end or the end of the file, and within what a spreadsheet cell can hold:
  at most 253 line breaks and 32,767 characters after the line it opened on (Excel's limits for
  one cell: no spreadsheet shows a longer cell, and a real CRM note is far shorter).
- A quote that runs away — still open at the end of the file, closed by a `"` followed by other
  text, or past those limits — is not a cell: it is almost always a stray `"` in a notes cell,
  and reading on would swallow the customers on the following lines. Its first line is read
  as a record with the quote kept as text, and the lines after it are read again as records of
  their own. `ReadIssues` records it (`RUNAWAY_QUOTE`), and every report names those rows.
- A blank record (nothing but spaces, tabs or delimiters) is still a record: it is counted, and
  it has a row number.
- A record with fewer fields than the header is read with the missing cells empty; one with
  more keeps the extra fields as columns of their own (never glued to another cell). Both are
  counted (`SHORT_ROWS`, `LONG_ROWS`).

Row numbers are record numbers counted from 1, with the header as row 1 and blank records
included: the row a spreadsheet shows. They equal line numbers unless a quoted cell spans lines.
A line may be as long as memory allows up to `MAX_LINE` characters (64 Mi: a bound on memory,
not on real data; a longer line is refused with its row number).
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import os
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Final, Protocol

SAMPLE_BYTES: Final = 256 * 1024  # first read; grown until it holds a data row
SAMPLE_ROWS: Final = 500
DELIMITERS: Final = (",", ";", "\t", "|")
DELIMITED_SHARE: Final = 0.02  # a delimiter in this share of sampled rows makes the file delimited
BATCH_ROWS: Final = 20_000
QUOTED_LINE_BREAKS: Final = 253  # Excel: line feeds per cell
QUOTED_CHARS: Final = 32_767  # Excel: characters per cell
MAX_LINE: Final = 64 << 20  # characters (bytes on the single-column fast path) in one line
ISSUE_ROWS: Final = 5  # row numbers kept per kind of record issue

RUNAWAY_QUOTE: Final = "runaway_quote"
MULTILINE: Final = "multiline"
SHORT_ROWS: Final = "short_rows"
LONG_ROWS: Final = "long_rows"

csv.field_size_limit(max(csv.field_size_limit(), MAX_LINE + QUOTED_CHARS + 1))


class InputError(Exception):
    """An input file snapdesk cannot use; `message` names the file and what to do (one line)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


_MAGIC: Final = (
    (b"PK\x03\x04", "a ZIP archive or an Excel workbook (.xlsx)"),
    (b"\xd0\xcf\x11\xe0", "an Excel 97-2003 workbook (.xls)"),
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"SQLite format 3", "an SQLite database"),
)
_SAVE_AS: Final = "export it as CSV (UTF-8) and try again"


# ---------------------------------------------------------------------------- record issues


def rows_text(count: int, rows: Iterable[int]) -> str:
    """How rows are named in messages: `row 4`, `3 rows (4, 10, 20)`, `1,200 rows (2, 3, …)`."""
    shown = list(rows)
    if count == 1 and shown:
        return f"row {shown[0]}"
    more = ", …" if count > len(shown) else ""
    return f"{count:,} rows ({', '.join(str(r) for r in shown)}{more})"


@dataclass(frozen=True)
class RecordIssue:
    """Records read in an unusual way, counted by kind, with the first rows (spreadsheet row
    numbers) and the file lines each of them spans."""

    kind: str  # RUNAWAY_QUOTE | MULTILINE | SHORT_ROWS | LONG_ROWS
    count: int
    rows: tuple[int, ...]
    lines: tuple[tuple[int, int], ...]  # (first, last) file line of each row in `rows`
    fields: int = 0  # SHORT_ROWS / LONG_ROWS: the fields a row should have

    @property
    def warning(self) -> bool:
        """True when the file is probably damaged there (a user should look at those rows)."""
        return self.kind == RUNAWAY_QUOTE

    @property
    def message(self) -> str:
        where = rows_text(self.count, self.rows)
        if self.kind == RUNAWAY_QUOTE:
            return (
                f"{where}: a quote opens a cell but never closes properly, so each of its lines "
                "was read as a row of its own, with the quote kept as text; check the file there"
            )
        if self.kind == MULTILINE:
            first, last = self.lines[0] if self.lines else (0, 0)
            return (
                f"{where} hold a quoted cell with line breaks (row {self.rows[0]} is lines "
                f"{first}–{last}); each counts as one row, as in a spreadsheet"
            )
        if self.kind == SHORT_ROWS:
            return (
                f"{where} have fewer fields than the {self.fields} columns: the missing cells "
                "are read as empty"
            )
        if self.kind == LONG_ROWS:
            return (
                f"{where} have more fields than the {self.fields} columns: the extra fields are "
                "kept apart and not used"
            )
        return f"{where}: {self.kind}"

    def to_json(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "count": self.count,
            "rows": list(self.rows),
            "lines": [list(span) for span in self.lines],
            "warning": self.warning,
            "message": self.message,
        }


class ReadIssues:
    """Collects `RecordIssue`s while a file is read (pass one to `iter_rows`)."""

    KINDS: Final = (RUNAWAY_QUOTE, MULTILINE, SHORT_ROWS, LONG_ROWS)

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self._kept: dict[str, list[tuple[int, int, int]]] = {}
        self.fields = 0

    def add(self, kind: str, row: int, line: int, lines: int = 1) -> None:
        self.counts[kind] += 1
        kept = self._kept.setdefault(kind, [])
        if len(kept) < ISSUE_ROWS:
            kept.append((row, line, line + lines - 1))

    def summary(self) -> tuple[RecordIssue, ...]:
        return tuple(
            RecordIssue(
                kind=kind,
                count=self.counts[kind],
                rows=tuple(r for r, _, _ in self._kept[kind]),
                lines=tuple((a, b) for _, a, b in self._kept[kind]),
                fields=self.fields if kind in (SHORT_ROWS, LONG_ROWS) else 0,
            )
            for kind in self.KINDS
            if self.counts[kind]
        )


# ---------------------------------------------------------------------------- encoding


def file_label(path: Path) -> str:
    """How messages name a file."""
    return path.name


def _detect_encoding(path: Path, head: bytes, size: int) -> tuple[str, int, str | None]:
    name = file_label(path)
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig", 3, None
    if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        raise InputError(f"{name}: UTF-32 text is not supported; save it as CSV (UTF-8)")
    if head.startswith(b"\xff\xfe"):
        return "utf-16-le", 2, None
    if head.startswith(b"\xfe\xff"):
        return "utf-16-be", 2, None
    for magic, what in _MAGIC:
        if head.startswith(magic):
            raise InputError(f"{name} is {what}, not a text file: {_SAVE_AS}")
    if b"\x00" in head:
        even, odd = head[0::2], head[1::2]
        if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * max(1, len(even)):
            return "utf-16-le", 0, "UTF-16 without byte-order mark"
        if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * max(1, len(odd)):
            return "utf-16-be", 0, "UTF-16 without byte-order mark"
        raise InputError(f"{name} looks like a binary file, not text: {_SAVE_AS}")
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(head, final=len(head) >= size)
        return "utf-8", 0, None
    except UnicodeDecodeError:
        pass
    if _mostly_controls(head.decode("latin-1")):
        raise InputError(f"{name} looks like a binary file, not text: {_SAVE_AS}")
    return "latin-1", 0, "not valid UTF-8: read as Latin-1 (ISO-8859-1)"


_CONTROLS: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _mostly_controls(text: str) -> bool:
    """More than 1% control characters (not tab/CR/LF): binary data, whatever the codec said."""
    limit = 0.01 * max(1, len(text))
    return any(i > limit for i, _ in enumerate(_CONTROLS.finditer(text)))


# ---------------------------------------------------------------------------- records


class LineTooLong(Exception):
    """A line longer than `MAX_LINE` (`line`: its number in the file)."""

    def __init__(self, line: int) -> None:
        super().__init__(f"line {line} is longer than {MAX_LINE} characters")
        self.line = line


class _Runaway(Exception):
    """The record being read holds a quote that is not a spreadsheet cell."""


def text_lines(text: str) -> list[str]:
    """`text` cut after each LF, CRLF or bare CR (and nothing else: not at form feeds or the
    Unicode line separators `str.splitlines` also cuts at), line ends kept."""
    return io.StringIO(text, newline="").readlines()


def _filled(cells: list[str]) -> bool:
    return any(c.strip() for c in cells)


def _body(line: str) -> str:
    if line.endswith("\r\n"):
        return line[:-2]
    if line.endswith(("\n", "\r")):
        return line[:-1]
    return line


def split_line(line: str, delimiter: str | None) -> tuple[list[str], bool]:
    """The cells of one line as a spreadsheet reads them, except that a quote which does not
    close on this line is kept as text (the field is then read unquoted, up to the delimiter).
    Returns (cells, whether such a quote was found)."""
    body = _body(line)
    n = len(body)
    cells: list[str] = []
    unclosed = False
    i = 0
    while True:
        if i < n and body[i] == '"':
            parts, j, closed = [], i + 1, False
            while True:
                k = body.find('"', j)
                if k < 0:
                    break
                if body.startswith('"', k + 1):
                    parts.append(body[j : k + 1])
                    j = k + 2
                    continue
                parts.append(body[j:k])
                j, closed = k + 1, True
                break
            end = body.find(delimiter, j if closed else i) if delimiter else -1
            end = n if end < 0 else end
            if closed:  # text after the closing quote joins the cell, as csv and Excel do
                cells.append("".join(parts) + body[j:end])
            else:
                unclosed = True
                cells.append(body[i:end])
        else:
            end = body.find(delimiter, i) if delimiter else -1
            end = n if end < 0 else end
            cells.append(body[i:end])
        if end >= n:
            return cells, unclosed
        i = end + 1


def closes_properly(record: str, delimiter: str | None) -> bool:
    """False when a quoted field of `record` (the text of a record read by `csv`) that spans a
    line break is closed by a quote followed by something other than the delimiter or the end
    of the record, or is not closed at all."""
    stop = len(_body(record))
    i = 0
    while True:
        if i < stop and record[i] == '"':
            j = i + 1
            while True:
                k = record.find('"', j)
                if k < 0:
                    return False
                if record.startswith('"', k + 1):
                    j = k + 2
                    continue
                break
            after = k + 1
            spans = "\n" in record[i:k] or "\r" in record[i:k]
            if spans and after < stop and record[after] != delimiter:
                return False
            i = after
        if delimiter is None:
            return True
        nxt = record.find(delimiter, i, stop)
        if nxt < 0:
            return True
        i = nxt + 1


class RecordReader:
    """The physical records of text lines (see the module doc): iterating yields
    (row, line, cells) for every record, blank ones included, where `row` is the record's
    spreadsheet row and `line` the file line it starts on. `delimiter` None: one cell per
    record. `complete` False: the lines are a sample cut short, and a record the sample's end
    cuts off is dropped (`truncated` is then set). `issues` collects runaway quotes and
    multi-line records. Raises `LineTooLong`; decoding errors of `lines` pass through."""

    def __init__(
        self,
        lines: Iterable[str],
        delimiter: str | None,
        *,
        complete: bool = True,
        issues: ReadIssues | None = None,
    ) -> None:
        self._lines = iter(lines)
        self.delimiter = delimiter
        self.complete = complete
        self.issues = issues
        self.row = 1  # the row of the next record
        self.line = 1  # the line it starts on
        self.truncated = False

    def __iter__(self) -> Iterator[tuple[int, int, list[str]]]:
        delimiter = self.delimiter
        sep = delimiter or "\x00"  # one column: csv splits at nothing real, quotes still count
        issues = self.issues
        buf: list[str] = []  # the lines of the record being read
        extra = 0  # characters in buf after its first line
        ended = False
        pending: list[str] = []

        def feed(source: Iterator[str]) -> Iterator[str]:
            nonlocal extra, ended
            for text in source:
                if len(text) > MAX_LINE:
                    raise LineTooLong(self.line + len(buf))
                buf.append(text)
                if len(buf) > 1:  # a quoted field goes on: is it still a cell?
                    extra += len(text)
                    if len(buf) > QUOTED_LINE_BREAKS + 1 or extra > QUOTED_CHARS:
                        raise _Runaway
                yield text
            ended = True

        while True:
            source = itertools.chain(pending, self._lines) if pending else self._lines
            pending = []
            reader = csv.reader(feed(source), delimiter=sep, quotechar='"', strict=False)
            try:
                for cells in reader:
                    n = len(buf)
                    if ended:  # the file ended inside a quoted field
                        if not self.complete:
                            self.truncated = True
                            return
                        raise _Runaway
                    if n > 1:
                        if not closes_properly("".join(buf), delimiter):
                            raise _Runaway
                        if issues is not None:
                            issues.add(MULTILINE, self.row, self.line, n)
                    if delimiter is None and len(cells) > 1:
                        cells = [sep.join(cells)]
                    yield self.row, self.line, cells
                    self.row += 1
                    self.line += n
                    buf.clear()
                    extra = 0
                return
            except _Runaway:
                pass
            cells, _ = split_line(buf[0], delimiter)
            pending = buf[1:]
            if issues is not None:
                issues.add(RUNAWAY_QUOTE, self.row, self.line)
            yield self.row, self.line, cells
            self.row += 1
            self.line += 1
            buf.clear()
            extra = 0
            ended = False


# ---------------------------------------------------------------------------- sniffing


def _sniff_delimiter(lines: list[str], *, complete: bool) -> str | None:
    """The delimiter that splits the most sampled records, and most consistently; None (one
    column) when none does. A delimiter counts when it splits the first record into two
    non-empty fields (a header or a first row), or most records into the same number of
    fields, or `DELIMITED_SHARE` of them into two non-empty fields: rows may be ragged
    (spreadsheets drop trailing empty cells), and a delimited file read as one column would
    take whole rows for cells. (Empty fields do not count: a tab padding one value is not a
    delimiter.)"""
    best: tuple[float, str] | None = None
    for delimiter in DELIMITERS:
        if not any(delimiter in line for line in lines):
            continue
        counts: list[int] = []
        filled: list[int] = []
        for _, _, cells in RecordReader(lines, delimiter, complete=complete):
            if _filled(cells):
                counts.append(len(cells))
                filled.append(sum(1 for c in cells if c.strip()))
                if len(counts) >= SAMPLE_ROWS:
                    break
        split = [c for c in counts if c >= 2]
        if not split:
            continue
        mode, freq = Counter(split).most_common(1)[0]
        share = sum(1 for f in filled if f >= 2) / len(counts)
        consistent = freq / len(counts)
        if filled[0] < 2 and consistent < 0.5 and share < DELIMITED_SHARE:
            continue
        score = share + consistent + 0.001 * mode
        if best is None or score > best[0]:
            best = (score, delimiter)
    return best[1] if best is not None else None


def _read_head(file: Path, count: int) -> tuple[int, bytes]:
    # The path as the user typed it: "nope.csv" for "/nope.csv" hides which folder was meant.
    name = str(file)
    try:
        size = file.stat().st_size
        if file.is_dir():
            raise InputError(f"{name} is a folder: give a CSV/TSV/TXT file")
        with file.open("rb") as fh:
            return size, fh.read(count)
    except FileNotFoundError:
        raise InputError(f"{name}: no such file; check the path") from None
    except PermissionError:
        raise InputError(f"{name}: permission denied; check the file's permissions") from None
    except IsADirectoryError:
        raise InputError(f"{name} is a folder: give a CSV/TSV/TXT file") from None
    except OSError as exc:
        raise InputError(f"{name}: cannot read ({exc.strerror or exc})") from None


def _sample_text(name: str, head: bytes, size: int, encoding: str, bom: int) -> tuple[str, bool]:
    """The sample decoded, cut after its last line end unless it is the whole file."""
    complete = len(head) >= size
    body = head[bom:]
    if encoding.startswith("utf-16") and len(body) % 2:
        body = body[:-1]
    try:
        text = codecs.getincrementaldecoder(encoding)(errors="strict").decode(body, final=complete)
    except UnicodeDecodeError:
        raise InputError(
            f"{name}: cannot be decoded as {encoding}: save it as CSV (UTF-8) and try again"
        ) from None
    if not complete:
        cut = max(text.rfind("\n"), text.rfind("\r"))
        text = text[: cut + 1]  # whole lines only ("" when no line has ended yet)
    return text, complete


@dataclass(frozen=True)
class Sample:
    """The start of a file as `sample_file` read it: how to decode and split it, and its first
    non-blank records (`rows`, with their spreadsheet row numbers in `numbers`)."""

    path: Path
    size: int
    encoding: str  # a Python codec name: utf-8, utf-8-sig, utf-16-le, utf-16-be, latin-1
    bom: int  # bytes of BOM to skip
    encoding_note: str | None
    delimiter: str | None  # None: one column
    text: str  # the decoded sample (whole lines)
    rows: tuple[list[str], ...]
    numbers: tuple[int, ...]


def sample_file(path: str | os.PathLike[str], *, sample_bytes: int = SAMPLE_BYTES) -> Sample:
    """Read the start of `path`: encoding, delimiter and up to `SAMPLE_ROWS` + 1 non-blank
    records. The sample is `sample_bytes`, grown (doubling) until it holds two records (or the
    whole file), however long they are (up to `MAX_LINE`). Raises `InputError` (naming the file
    and the fix) for a missing, empty, binary, undecodable or blank-only file."""
    file = Path(path)
    name = file_label(file)
    size, head = _read_head(file, sample_bytes)
    if size == 0 or not head:
        raise InputError(f"{name} is empty: export the list again with at least one row")
    encoding, bom, note = _detect_encoding(file, head, size)
    while True:
        text, complete = _sample_text(name, head, size, encoding, bom)
        if "\x00" in text or _mostly_controls(text):
            raise InputError(f"{name} looks like a binary file, not text: {_SAVE_AS}")
        lines = text_lines(text)
        sniffed = lines[: 4 * SAMPLE_ROWS]
        delimiter = _sniff_delimiter(sniffed, complete=complete and len(sniffed) == len(lines))
        records = RecordReader(lines, delimiter, complete=complete)
        data_rows: list[list[str]] = []
        numbers: list[int] = []
        for row, _, cells in records:
            if _filled(cells):
                data_rows.append(cells)
                numbers.append(row)
                if len(data_rows) > SAMPLE_ROWS:
                    break
        if complete or len(data_rows) >= 2:
            break
        if len(head) > 2 * MAX_LINE + sample_bytes:
            raise InputError(
                f"{name}: row {records.row} is longer than {MAX_LINE >> 20} MiB, more than a "
                f"customer list holds: {_SAVE_AS}"
            )
        size, head = _read_head(file, 2 * len(head))
    if not data_rows:
        raise InputError(f"{name} has only blank lines: export the list again")
    return Sample(
        path=file,
        size=size,
        encoding=encoding,
        bom=bom,
        encoding_note=note,
        delimiter=delimiter,
        text=text,
        rows=tuple(data_rows),
        numbers=tuple(numbers),
    )


class RecordSource(Protocol):
    """What `iter_rows` needs to know of a file (`audience.files.FileInfo` is one)."""

    @property
    def path(self) -> Path: ...
    @property
    def size(self) -> int: ...
    @property
    def encoding(self) -> str: ...
    @property
    def bom(self) -> int: ...
    @property
    def delimiter(self) -> str | None: ...
    @property
    def has_header(self) -> bool: ...
    @property
    def fields(self) -> int: ...


@dataclass(frozen=True)
class TextSource:
    """A `RecordSource` made from a `Sample` (what a reader that has its own idea of the header
    passes to `iter_rows`)."""

    path: Path
    size: int
    encoding: str
    bom: int
    delimiter: str | None
    has_header: bool
    fields: int

    @classmethod
    def of(cls, sample: Sample, *, has_header: bool) -> TextSource:
        width = len(sample.rows[0]) if has_header else max(len(r) for r in sample.rows)
        return cls(
            sample.path,
            sample.size,
            sample.encoding,
            sample.bom,
            sample.delimiter,
            has_header,
            width,
        )


_BLOCK: Final = 1 << 20


def _decoded_lines(raw: io.BufferedReader, encoding: str) -> Iterator[str]:
    """The lines (LF, CRLF or CR ended, ends kept) of an ASCII-compatible byte stream, decoded
    a block at a time; a line that does not decode raises UnicodeDecodeError when it is
    reached, not before (so the error names its row). A line longer than `MAX_LINE` is passed
    on as read so far (the reader refuses it)."""
    codec = "utf-8" if encoding == "utf-8-sig" else encoding
    carry = b""
    while True:
        block = raw.read(max(_BLOCK, len(carry)))  # doubling: a long line costs O(its length)
        if not block:
            if carry:
                yield carry.decode(codec)
            return
        data = carry + block if carry else block
        lines = data.splitlines(keepends=True)
        carry = b"" if lines[-1].endswith(b"\n") else lines.pop()  # a CR may precede an LF
        if len(carry) > MAX_LINE:
            yield carry.decode(codec, errors="replace")
            return
        if not lines:
            continue
        try:
            text = data[: len(data) - len(carry)].decode(codec)
        except UnicodeDecodeError:
            for line in lines:
                yield line.decode(codec)  # raises at the line that does not decode
            raise
        yield from io.StringIO(text, newline="")


def _lines_of(raw: io.BufferedReader, info: RecordSource) -> Iterator[str]:
    """The file's text lines (`raw` is past the BOM); UTF-16 goes through a TextIOWrapper."""
    if info.encoding.startswith("utf-16"):
        fh = io.TextIOWrapper(raw, encoding=info.encoding, errors="strict", newline="")
        return iter(partial(fh.readline, MAX_LINE + 1), "")
    return _decoded_lines(raw, info.encoding)


_CODEC_NAMES: Final = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8", "utf-16-le": "UTF-16"}


def open_text(info: RecordSource) -> io.TextIOWrapper:
    """The file as text (BOM skipped), strict decoding, universal newlines off (for csv)."""
    raw = info.path.open("rb")
    raw.seek(info.bom)
    return io.TextIOWrapper(raw, encoding=info.encoding, errors="strict", newline="")


def iter_rows(
    info: RecordSource, *, batch_rows: int = BATCH_ROWS, issues: ReadIssues | None = None
) -> Iterator[tuple[list[tuple[int, list[str]]], int, int]]:
    """Batches of (row number, cells) in file order, with the byte offset reached and the count
    of blank records in the batch (`len(batch) + blank` records in all). The header row is
    skipped. `issues` (optional) collects runaway quotes, multi-line records and rows with
    fewer or more fields than the header. Raises `InputError` naming the row when the text
    cannot be decoded or a line is longer than `MAX_LINE`."""
    name = file_label(info.path)
    codec = _CODEC_NAMES.get(info.encoding, info.encoding.upper())
    with info.path.open("rb") as raw:
        raw.seek(info.bom)
        records = RecordReader(_lines_of(raw, info), info.delimiter, issues=issues)
        width = info.fields or len(getattr(info, "columns", ()))
        if issues is not None:
            issues.fields = width
        ragged = issues is not None and info.delimiter is not None
        batch: list[tuple[int, list[str]]] = []
        blank = 0
        header_pending = info.has_header
        try:
            for row, line, cells in records:
                if not _filled(cells):
                    blank += 1
                    continue
                if header_pending:
                    header_pending = False
                    continue
                if ragged and len(cells) != width and issues is not None:
                    issues.add(SHORT_ROWS if len(cells) < width else LONG_ROWS, row, line)
                batch.append((row, cells))
                if len(batch) >= batch_rows:
                    yield batch, raw.tell(), blank
                    batch, blank = [], 0
        except UnicodeDecodeError:
            raise InputError(
                f"{name}: row {records.row} is not valid {codec} (the start of the file "
                "was): save the whole file as CSV (UTF-8) and try again"
            ) from None
        except LineTooLong as exc:
            raise InputError(
                f"{name}: row {records.row} (line {exc.line}) is longer than {MAX_LINE >> 20} "
                f"MiB, more than a customer list holds: {_SAVE_AS}"
            ) from None
        except csv.Error as exc:
            raise InputError(f"{name}: row {records.row}: {exc}; fix that row") from None
        if batch or blank:
            yield batch, info.size, blank
