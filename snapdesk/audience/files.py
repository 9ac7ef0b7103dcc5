"""Customer-list files: which columns hold identifiers, on top of the one file reader.

    info = inspect_file(path)          # reads a sample only; raises InputError with a fix
    info.columns                       # detected columns (name, type, sample values)
    for batch, offset, blank in iter_rows(info, issues=issues): ...  # [(row, cells)], bounded memory

Reading itself — encodings, delimiters, physical records and row numbers, runaway quotes,
ragged rows, size bounds — is `snapdesk.core.records` (re-exported here); this module adds
header and content detection of e-mails, phone numbers and mobile ad ids.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from snapdesk.audience import normalize as nz
from snapdesk.core.records import (
    BATCH_ROWS,
    DELIMITERS,
    LONG_ROWS,
    MAX_LINE,
    MULTILINE,
    QUOTED_CHARS,
    QUOTED_LINE_BREAKS,
    RUNAWAY_QUOTE,
    SAMPLE_BYTES,
    SAMPLE_ROWS,
    SHORT_ROWS,
    InputError,
    LineTooLong,
    ReadIssues,
    RecordIssue,
    RecordReader,
    closes_properly,
    file_label,
    iter_rows,
    open_text,
    rows_text,
    sample_file,
    split_line,
    text_lines,
)

__all__ = [
    "BATCH_ROWS",
    "DELIMITERS",
    "LONG_ROWS",
    "MAX_LINE",
    "MULTILINE",
    "PREVIEW_ROWS",
    "QUOTED_CHARS",
    "QUOTED_LINE_BREAKS",
    "RUNAWAY_QUOTE",
    "SAMPLE_BYTES",
    "SAMPLE_ROWS",
    "SHORT_ROWS",
    "Column",
    "FileInfo",
    "InputError",
    "LineTooLong",
    "ReadIssues",
    "RecordIssue",
    "RecordReader",
    "closes_properly",
    "header_type",
    "inspect_file",
    "iter_rows",
    "open_text",
    "rows_text",
    "split_line",
    "text_lines",
]

PREVIEW_ROWS: Final = 20

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
    fields: int = 0  # fields of the header (no header: of the widest sampled row)
    preview_rows: tuple[int, ...] = ()  # the spreadsheet row of each preview row

    @property
    def identifier_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.detected)

    @property
    def single_column(self) -> bool:
        return self.delimiter is None


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

    The sample is `sample_bytes`, grown (doubling) until it holds the header and a data row,
    however long they are (up to `MAX_LINE`). Raises `InputError` (message names the file and
    the fix) for an empty, header-only, binary or undecodable file."""
    sample = sample_file(path, sample_bytes=sample_bytes)
    name, text, delimiter = file_label(sample.path), sample.text, sample.delimiter
    data_rows, numbers = list(sample.rows), list(sample.numbers)
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
        examples = tuple(v for v in values if v.strip())[:5]
        columns.append(
            Column(
                index=i,
                name=column_name,
                detected=detected,
                by=by,
                prehashed=prehashed,
                share=round(share, 3),
                sample=examples,
            )
        )
    preview = tuple(tuple(r) for r in body_rows[:PREVIEW_ROWS])
    preview_rows = tuple(numbers[1 if has_header else 0 :][:PREVIEW_ROWS])
    return FileInfo(
        path=sample.path,
        size=sample.size,
        encoding=sample.encoding,
        bom=sample.bom,
        encoding_note=sample.encoding_note,
        delimiter=delimiter,
        has_header=has_header,
        columns=tuple(columns),
        preview=preview,
        quoted='"' in text,
        crlf="\r\n" in text,
        fields=len(first) if has_header else width,
        preview_rows=preview_rows,
    )
