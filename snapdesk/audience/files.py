"""Reading customer-list files: encoding, delimiter, header and column detection, streaming rows.

    info = inspect_file(path)          # reads a sample only; raises InputError with a fix
    info.columns                       # detected columns (name, type, sample values)
    for batch in iter_rows(info): ...  # [(row number, cells)], bounded memory

Encodings: UTF-8 (with or without BOM), UTF-16 LE/BE (with BOM, as Excel's "Unicode text" writes
it, or without BOM when the NUL pattern is unmistakable), and Latin-1 as the declared fallback
when the sample is not valid UTF-8 (`FileInfo.encoding_note` says so). Delimiters `,` `;` tab
`|` are sniffed; a file with none of them is one column. Row numbers are the file's record
numbers counted from 1 with the header as row 1 (what a spreadsheet shows), blank lines
included.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from snapdesk.audience import normalize as nz

SAMPLE_BYTES: Final = 256 * 1024
SAMPLE_ROWS: Final = 500
PREVIEW_ROWS: Final = 20
DELIMITERS: Final = (",", ";", "\t", "|")
BATCH_ROWS: Final = 20_000

csv.field_size_limit(16 * 1024 * 1024)


class InputError(Exception):
    """An input file snapdesk cannot use; `message` names the file and what to do (one line)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# Header names (lowercase, letters and digits only) → identifier type.
_HEADER_TYPES: Final[dict[str, str]] = {
    **dict.fromkeys(
        (
            "email emails mail emailaddress emailaddr mailaddress courriel correo em "
            "hashedemail emailhash emailsha256 sha256email emailhashed useremail "
            "customeremail contactemail primaryemail"
        ).split(),
        "email",
    ),
    **dict.fromkeys(
        (
            "phone phones phonenumber phonenr mobile mobilenumber mobilephone mobileno cell "
            "cellphone cellular tel telephone telephonenumber msisdn ph handy telefono "
            "hashedphone phonehash phonesha256 sha256phone whatsapp contactphone"
        ).split(),
        "phone",
    ),
    **dict.fromkeys(
        (
            "idfa gaid aaid maid madid ifa deviceid mobileadid mobileadvertiserid "
            "advertisingid advertiserid adid googleadid androidadid appleidfa mobileid "
            "hashedmaid maidsha256 mobileadidsha256 devicead"
        ).split(),
        "maid",
    ),
}
_HEADER_TOKENS: Final = (
    ("mobileadid", "maid"),
    ("advertisingid", "maid"),
    ("deviceid", "maid"),
    ("idfa", "maid"),
    ("gaid", "maid"),
    ("email", "email"),
    ("mail", "email"),
    ("phone", "phone"),
    ("mobile", "phone"),
    ("msisdn", "phone"),
)
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


def header_type(name: str) -> str | None:
    """The identifier type a column header names, if any."""
    key = re.sub(r"[^0-9a-z]", "", name.lower())
    if not key:
        return None
    if key in _HEADER_TYPES:
        return _HEADER_TYPES[key]
    for token, kind in _HEADER_TOKENS:
        if token in key:
            return kind
    return None


@dataclass(frozen=True)
class Column:
    """A column of the file. `detected` is the identifier type (email, phone, maid) found by
    header name or content; `prehashed` when its values are already SHA-256 hashes."""

    index: int
    name: str
    detected: str | None = None
    by: str | None = None  # "header" | "content"
    prehashed: bool = False
    share: float = 0.0  # share of sampled non-empty cells that look like `detected`
    sample: tuple[str, ...] = ()

    @property
    def schema(self) -> str | None:
        return nz.SCHEMA_FOR_TYPE.get(self.detected) if self.detected else None


@dataclass(frozen=True)
class FileInfo:
    path: Path
    size: int
    encoding: str  # a Python codec name: utf-8, utf-8-sig, utf-16-le, utf-16-be, latin-1
    bom: int  # bytes of BOM to skip
    encoding_note: str | None
    delimiter: str | None  # None: one column
    has_header: bool
    columns: tuple[Column, ...]
    preview: tuple[tuple[str, ...], ...] = ()
    quoted: bool = False  # the sample holds quote characters
    crlf: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def identifier_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.detected)

    @property
    def single_column(self) -> bool:
        return self.delimiter is None


def _where(path: Path) -> str:
    return path.name


def _detect_encoding(path: Path, head: bytes, size: int) -> tuple[str, int, str | None]:
    name = _where(path)
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


def _mostly_controls(text: str) -> bool:
    """More than 1% control characters (not tab/CR/LF): binary data, whatever the codec said."""
    controls = sum(1 for c in text if (ord(c) < 32 and c not in "\t\r\n") or 0x7F <= ord(c) < 0xA0)
    return controls > 0.01 * max(1, len(text))


def _sniff_delimiter(lines: list[str]) -> str | None:
    best: tuple[float, str] | None = None
    for delimiter in DELIMITERS:
        if not any(delimiter in line for line in lines):
            continue
        counts = [len(r) for r in csv.reader(lines, delimiter=delimiter) if r]
        if not counts:
            continue
        mode, freq = Counter(counts).most_common(1)[0]
        if mode < 2:
            continue
        score = freq / len(counts) + 0.001 * mode
        if best is None or score > best[0]:
            best = (score, delimiter)
    if best is None or best[0] < 0.5:
        return None
    return best[1]


def _unquote(line: str) -> str:
    if '"' in line:
        row = next(csv.reader([line]), [""])
        return row[0] if len(row) == 1 else line
    return line


def _split(lines: list[str], delimiter: str | None) -> list[list[str]]:
    if delimiter is None:
        return [[_unquote(line)] if line.strip() else [] for line in lines]
    return [
        row if any(c.strip() for c in row) else [] for row in csv.reader(lines, delimiter=delimiter)
    ]


def _kind_shares(values: list[str]) -> tuple[str | None, float, bool]:
    """(type, share, prehashed) from sampled cell values."""
    cells = [v for v in values if v.strip()]
    if not cells:
        return None, 0.0, False
    kinds = Counter(nz.looks_like(v) for v in cells)
    hashed = kinds.pop("sha256", 0)
    kinds.pop(None, None)
    if hashed >= 0.6 * len(cells):
        return None, hashed / len(cells), True
    if not kinds:
        return None, 0.0, False
    kind, count = kinds.most_common(1)[0]
    share = (count + hashed) / len(cells)
    return (kind, share, False) if share >= 0.6 else (None, share, False)


def inspect_file(path: str | os.PathLike[str], *, sample_bytes: int = SAMPLE_BYTES) -> FileInfo:
    """Look at the start of `path`: encoding, delimiter, header, columns and a preview.

    Raises `InputError` (message names the file and the fix) for an empty, header-only,
    binary or undecodable file."""
    file = Path(path)
    name = _where(file)
    try:
        size = file.stat().st_size
        if file.is_dir():
            raise InputError(f"{name} is a folder: give a CSV/TSV/TXT file")
        with file.open("rb") as fh:
            head = fh.read(sample_bytes)
    except FileNotFoundError:
        raise InputError(f"{name}: no such file; check the path") from None
    except PermissionError:
        raise InputError(f"{name}: permission denied; check the file's permissions") from None
    except IsADirectoryError:
        raise InputError(f"{name} is a folder: give a CSV/TSV/TXT file") from None
    except OSError as exc:
        raise InputError(f"{name}: cannot read ({exc.strerror or exc})") from None
    if size == 0 or not head:
        raise InputError(f"{name} is empty: export the list again with at least one row")
    encoding, bom, note = _detect_encoding(file, head, size)
    body = head[bom:]
    if encoding.startswith("utf-16") and len(body) % 2:
        body = body[:-1]
    try:
        text = codecs.getincrementaldecoder(encoding)(errors="strict").decode(
            body, final=len(head) >= size
        )
    except UnicodeDecodeError:
        raise InputError(
            f"{name}: cannot be decoded as {encoding}: save it as CSV (UTF-8) and try again"
        ) from None
    if len(head) < size and "\n" in text:
        text = text[: text.rfind("\n") + 1]  # whole lines only
    if "\x00" in text or _mostly_controls(text):
        raise InputError(f"{name} looks like a binary file, not text: {_SAVE_AS}")
    lines = text.splitlines()
    nonblank = [line for line in lines if line.strip()]
    if not nonblank:
        raise InputError(f"{name} has only blank lines: export the list again")
    delimiter = _sniff_delimiter(nonblank[:SAMPLE_ROWS])
    rows = _split(lines[: SAMPLE_ROWS + 1], delimiter)
    data_rows = [r for r in rows if r]
    first = data_rows[0]
    width = max(len(r) for r in data_rows)
    header_kinds = [header_type(c) for c in first]
    first_looks = [nz.looks_like(c) for c in first]
    rest = data_rows[1:]
    has_header = any(header_kinds) or (
        not any(first_looks)
        and any(
            any(nz.looks_like(r[i]) for r in rest[:50] if i < len(r)) for i in range(len(first))
        )
    )
    if not has_header and len(data_rows) == 1 and not any(first_looks):
        has_header = True  # a single row naming no identifiers: a header
    body_rows = rest if has_header else data_rows
    if has_header and not body_rows:
        raise InputError(f"{name} has a header but no data rows: export the list again")
    names = [c.strip() or f"column {i + 1}" for i, c in enumerate(first)] if has_header else []
    names += [f"column {i + 1}" for i in range(len(names), width)]
    columns = []
    for i, column_name in enumerate(names):
        values = [r[i] for r in body_rows if i < len(r)]
        by_header = header_type(column_name) if has_header else None
        kind, share, prehashed = _kind_shares(values)
        detected, by = (by_header, "header") if by_header else (kind, "content" if kind else None)
        if prehashed and by_header is None:
            detected, by = None, "content"
        sample = tuple(v for v in values if v.strip())[:5]
        columns.append(
            Column(
                index=i,
                name=column_name,
                detected=detected,
                by=by,
                prehashed=prehashed,
                share=round(share, 3),
                sample=sample,
            )
        )
    preview = tuple(tuple(r) for r in body_rows[:PREVIEW_ROWS])
    return FileInfo(
        path=file,
        size=size,
        encoding=encoding,
        bom=bom,
        encoding_note=note,
        delimiter=delimiter,
        has_header=has_header,
        columns=tuple(columns),
        preview=preview,
        quoted='"' in text,
        crlf="\r\n" in text,
    )


def open_text(info: FileInfo) -> io.TextIOWrapper:
    """The file as text (BOM skipped), strict decoding, universal newlines off (for csv)."""
    raw = info.path.open("rb")
    raw.seek(info.bom)
    return io.TextIOWrapper(raw, encoding=info.encoding, errors="strict", newline="")


def iter_rows(
    info: FileInfo, *, batch_rows: int = BATCH_ROWS
) -> Iterator[tuple[list[tuple[int, list[str]]], int, int]]:
    """Batches of (row number, cells) in file order, with the byte offset reached and the count
    of blank lines in the batch. The header row is skipped. Raises `InputError` naming the row
    when the text cannot be decoded."""
    name = _where(info.path)
    raw = info.path.open("rb")
    raw.seek(info.bom)
    with io.TextIOWrapper(raw, encoding=info.encoding, errors="strict", newline="") as fh:
        line_no = 0
        batch: list[tuple[int, list[str]]] = []
        blank = 0
        header_pending = info.has_header
        try:
            if info.delimiter is None:
                for line in fh:
                    line_no += 1
                    cell = line.rstrip("\r\n")
                    if not cell.strip():
                        blank += 1
                        continue
                    if header_pending:
                        header_pending = False
                        continue
                    batch.append((line_no, [_unquote(cell)]))
                    if len(batch) >= batch_rows:
                        yield batch, raw.tell(), blank
                        batch, blank = [], 0
            else:
                reader = csv.reader(fh, delimiter=info.delimiter)
                for row in reader:
                    start = line_no + 1
                    line_no = reader.line_num
                    if not row or not any(c.strip() for c in row):
                        blank += 1
                        continue
                    if header_pending:
                        header_pending = False
                        continue
                    batch.append((start, row))
                    if len(batch) >= batch_rows:
                        yield batch, raw.tell(), blank
                        batch, blank = [], 0
        except UnicodeDecodeError:
            raise InputError(
                f"{name}: row {line_no + 1} is not valid {info.encoding} (the start of the file "
                "was): save the whole file as CSV (UTF-8) and try again"
            ) from None
        except csv.Error as exc:
            raise InputError(f"{name}: row {line_no + 1}: {exc}; fix that row") from None
        if batch or blank:
            yield batch, info.size, blank
