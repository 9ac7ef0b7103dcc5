"""Vectorized normalization + hashing of one chunk of a single-column file (bytes in, digests out).

Whole-chunk C operations (`bytes.lower`, `translate`, `find`, `split`) check every line at once
against a conservative subset of the identifier rules; any line they cannot vouch for (a blank
line, a suspicious character or pattern, a pre-hashed value, a national phone number…) is
handed to the scalar functions of `snapdesk.core.identity`, the one authority every pipeline
shares. So the result is exactly the scalar result, only faster for the common case. Only
plain printable ASCII is ever vouched for: a line with any other byte (invisible characters
such as U+FEFF or U+200B, a no-break space, any non-ASCII letter) goes to the scalar path.
"""

from __future__ import annotations

import binascii
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

from snapdesk.core import identity as nz

_native: Any
try:  # the optional C accelerator (built at install time when a C compiler is present)
    from snapdesk.audience import _sha256batch as _native
except ImportError:  # pragma: no cover - depends on the installation
    _native = None

_sha = hashlib.sha256
_DIGITS: Final = b"0123456789"
_LOWER: Final = b"abcdefghijklmnopqrstuvwxyz"
_SPECIALS: Final = b"!#$%&'*+/=?^_`{|}~"  # atext besides letters, digits and "-"
_WHITESPACE: Final = (b" ", b"\t", b"\r", b"\x0b", b"\x0c")
_ALNUM_DOT_DASH: Final = _LOWER + _DIGITS + b".-"
_CONTROL: Final = bytes(range(0x20)).replace(b"\t", b"").replace(b"\n", b"").replace(b"\r", b"")
_UUID_B: Final = re.compile(nz.UUID_RE.pattern.encode("ascii"))  # identity's, on bytes
_ZERO_UUID_B: Final = nz.ZERO_UUID.encode()
_PHONE_SEPS_B: Final = b" \t-()./"
_HEX_NL: Final = b"0123456789abcdef\n"


def native() -> Any:
    """The C accelerator module, or None (then hashlib + numpy do the work)."""
    return _native


class BadEncoding(ValueError):
    """A line that is not valid UTF-8 (`line` is its index in the chunk)."""

    def __init__(self, line: int) -> None:
        super().__init__(f"line {line} is not valid UTF-8")
        self.line = line


@dataclass
class ChunkOut:
    """What one chunk produced. Row numbers in `rejects` are 0-based line indexes in the chunk
    (single-column files) or absolute row numbers (rows mode); the parent makes them absolute."""

    lines: int = 0
    blank: int = 0
    digests: dict[str, bytes] = field(default_factory=dict)
    valid: dict[str, int] = field(default_factory=dict)
    prehashed: dict[str, int] = field(default_factory=dict)
    empty: int = 0
    rejects: list[tuple[int, int, str, str]] = field(default_factory=list)  # row, col, reason, cell


@dataclass(frozen=True)
class _Phone3:
    cc_len: int
    trunk_zero: bool


def _phone_prefixes() -> dict[bytes, _Phone3]:
    """Every 3-digit start of an international number → its country code length."""
    out: dict[bytes, _Phone3] = {}
    tables = nz._phone_tables()
    for n in range(1000):
        key = f"{n:03d}"
        cc = nz.country_code_of(key)
        if cc is not None:
            out[key.encode()] = _Phone3(len(cc), cc in tables.trunk_zero)
    return out


_PHONE3: dict[bytes, _Phone3] | None = None


# ---------------------------------------------------------------------------- per type


# Byte classes for the email check (`_email_flags`).
_LETTER, _DIGIT, _DOT, _AT, _DASH, _NL, _SPECIAL, _OTHER = range(8)


def _email_tables() -> tuple[bytes, bytes]:
    classes = bytearray([_OTHER] * 256)
    for c in _LOWER:
        classes[c] = _LETTER
    for c in _DIGITS:
        classes[c] = _DIGIT
    for c in _SPECIALS:
        classes[c] = _SPECIAL
    classes[0x2E], classes[0x40], classes[0x2D], classes[0x0A] = _DOT, _AT, _DASH, _NL
    bad_pairs = bytearray(256)
    suspect = [
        (_DOT, _DOT), (_DOT, _AT), (_AT, _DOT), (_NL, _DOT), (_DOT, _NL), (_AT, _DASH),
        (_DASH, _NL), (_DASH, _DOT), (_DOT, _DASH), (_AT, _NL), (_NL, _AT), (_NL, _NL),
        (_DIGIT, _NL),  # last label ending in a digit: maybe all digits, the scalar decides
    ]  # fmt: skip
    for first, second in suspect:
        bad_pairs[first << 3 | second] = 1
    for other in range(8):
        bad_pairs[_OTHER << 3 | other] = bad_pairs[other << 3 | _OTHER] = 1
    return bytes(classes), bytes(bad_pairs)


_CLASSES, _BAD_PAIRS = _email_tables()


def _email_flags(lines: list[bytes], body: bytes) -> set[int]:
    """Lines the vectorized check cannot vouch for (a superset of the invalid ones).

    `body` is the lines joined with newlines (ending with one). Checked at once for all lines:
    only atext, dots, one "@" and a domain of letters, digits, hyphens and dots; no suspicious
    neighbours (`..`, `.@`, `@-`, `-.`, a leading/trailing dot or hyphen, …); a dot in the domain
    with a last label of at least two characters; atext specials only before the "@"; at most
    63 characters."""
    import numpy as np

    n = len(lines)
    cls = np.frombuffer((b"\n" + body).translate(_CLASSES), dtype=np.uint8)
    nl = np.flatnonzero(cls == _NL)  # nl[i] ends line i-1; line i spans (nl[i], nl[i+1])
    flags: set[int] = set()
    pairs = ((cls[:-1] << 3) | cls[1:]).tobytes().translate(_BAD_PAIRS)
    if b"\x01" in pairs:
        bad = np.flatnonzero(np.frombuffer(pairs, dtype=np.uint8))
        flags.update((np.searchsorted(nl, bad, side="right") - 1).tolist())
        flags.update((np.searchsorted(nl, bad + 1, side="right") - 1).tolist())
    at = np.flatnonzero(cls == _AT)
    if len(at) == n and bool(np.all(at > nl[:-1])) and bool(np.all(at < nl[1:])):
        at_of_line = at
    else:
        line_of_at = np.searchsorted(nl, at) - 1
        counts = np.bincount(line_of_at, minlength=n)
        flags.update(np.flatnonzero(counts != 1).tolist())
        at_of_line = np.zeros(n, dtype=np.int64)
        at_of_line[line_of_at] = at
    dots = np.flatnonzero(cls == _DOT)
    if len(dots):
        before = np.searchsorted(dots, nl[1:]) - 1
        last_dot = np.where(before >= 0, dots[np.maximum(before, 0)], -1)
    else:
        last_dot = np.full(n, -1, dtype=np.int64)
    wrong = (last_dot <= at_of_line) | (nl[1:] - last_dot < 3) | (np.diff(nl) > 64)
    flags.update(np.flatnonzero(wrong).tolist())
    specials = np.flatnonzero(cls == _SPECIAL)
    if len(specials):
        line_of = np.searchsorted(nl, specials) - 1
        flags.update(line_of[specials > at_of_line[line_of]].tolist())
    flags.discard(-1)
    flags.discard(n)
    return flags


def _maid_flags(lines: list[bytes], body: bytes) -> set[int]:
    n = len(lines)
    lengths = set(map(len, lines))
    if lengths == {36}:
        ok = (
            all(body[off::37].count(b"-") == n for off in (8, 13, 18, 23))
            and body.translate(None, b"0123456789abcdef") == b"----\n" * n
            and _ZERO_UUID_B not in body
        )
        if ok:
            return set()
    return {i for i, x in enumerate(lines) if len(x) != 36 or not _UUID_B.fullmatch(x)} | {
        i for i, x in enumerate(lines) if x == _ZERO_UUID_B
    }


def _phone_digits(lines: list[bytes]) -> tuple[list[bytes | None], set[int]]:
    """Normalized digits per line (None = flagged for the scalar path)."""
    global _PHONE3
    table = _PHONE3
    if table is None:
        table = _PHONE3 = _phone_prefixes()
    out: list[bytes | None] = []
    flags: set[int] = set()
    append = out.append
    get = table.get
    for i, x in enumerate(lines):
        if x[:1] == b"+":
            d = x[1:]
        elif x[:2] == b"00":
            d = x[2:]
        else:
            flags.add(i)
            append(None)
            continue
        info = get(d[:3])
        if info is None or not d.isdigit():
            flags.add(i)
            append(None)
            continue
        k = info.cc_len
        if info.trunk_zero and d[k : k + 1] == b"0":
            d = d[:k] + d[k + 1 :]
        if len(d) > 15 or len(d) - k < 4 or (info.trunk_zero and d[k : k + 1] == b"0"):
            flags.add(i)
            append(None)
            continue
        append(d)
    return out, flags


# ---------------------------------------------------------------------------- chunks


def _scalar(
    raw: bytes, id_type: str, default_country: str | None, index: int
) -> tuple[nz.Normalized | None, str | None, str]:
    """(normalized, reject reason, cell text) for one line; (None, None, "") when blank."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadEncoding(index) from None
    if text.endswith("\r"):
        text = text[:-1]
    if text.startswith('"') and text.endswith('"') and len(text) > 1:
        text = text[1:-1].replace('""', '"')  # a quoted cell (past the inspected sample)
    if not nz.clean(text):  # blank, or nothing but invisible characters
        return None, None, ""
    try:
        return nz.normalize(text, id_type, default_country=default_country), None, text
    except nz.Rejected as exc:
        return None, exc.reason, text


def _digest_of(norm: nz.Normalized) -> bytes:
    if norm.prehashed:
        return binascii.unhexlify(norm.value)
    return _sha(norm.value.encode("utf-8")).digest()


def process_single_column(
    data: bytes, *, id_type: str, default_country: str | None, schema: str
) -> ChunkOut:
    """Normalize and hash every line of `data` (complete lines of a one-column file)."""
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n")
    c = _native
    if c is not None and id_type == "email":
        return _email_native(c, data, default_country, schema)
    if c is not None and id_type == "phone":
        return _phone_native(c, data, default_country, schema)
    raw_lines = data.split(b"\n")
    if raw_lines and raw_lines[-1] == b"":
        raw_lines.pop()
    n = len(raw_lines)
    out = ChunkOut(lines=n)
    if n == 0:
        return out
    fast = data.isascii() and not data.translate(None, bytes(range(0x20, 0x80)) + b"\t\n\r")
    results: list[bytes | None]
    flags: set[int]
    too_long: set[int] = set()  # left to the scalar rules (which trim first, then measure)
    if fast and len(data) > nz.MAX_CELL and max(map(len, raw_lines)) > nz.MAX_CELL:
        too_long = {i for i, x in enumerate(raw_lines) if len(x) > nz.MAX_CELL}
    if not fast:
        results = [None] * n
        flags = set(range(n))
    elif id_type == "phone":
        if b"\t" in data or any(sep in data for sep in _PHONE_SEPS_B):
            body = data.translate(None, _PHONE_SEPS_B)
            lines = body.split(b"\n")[:n]
        else:
            lines = raw_lines
        digits, flags = _phone_digits(lines)
        if c is not None:
            blob = c.hash_lines(b"\n".join(d for d in digits if d is not None))
            if not flags:
                out.digests[schema] = blob
                out.valid[schema] = n
                out.prehashed[schema] = 0
                return out
            pieces = iter([blob[k : k + 32] for k in range(0, len(blob), 32)])
            results = [None if d is None else next(pieces) for d in digits]
        else:
            results = [None if d is None else _sha(d).digest() for d in digits]
    else:
        low = data.lower()
        lines = low.split(b"\n")[:n]
        if any(ws in low for ws in _WHITESPACE):
            lines = list(map(bytes.strip, lines))
            body = b"\n".join(lines) + b"\n"
        else:
            body = low if low.endswith(b"\n") else low + b"\n"
        flags = set(i for i, x in enumerate(lines) if not x) if b"" in lines else set()
        hex_lines = (
            not too_long
            and len(body) == 65 * n
            and not body.translate(None, _HEX_NL)
            and set(map(len, lines)) == {64}
        )
        if hex_lines:  # a pre-hashed chunk: passes through
            blob = binascii.unhexlify(body.replace(b"\n", b""))
            out.digests[schema] = blob
            out.valid[schema] = out.prehashed[schema] = n
            return out
        if id_type == "email":
            flags |= _email_flags(lines, body)
        elif id_type == "maid":
            flags |= _maid_flags(lines, body)
        else:
            raise ValueError(f"unknown identifier type {id_type!r}")
        results = [_sha(x).digest() for x in lines]
    flags |= too_long
    prehashed = 0
    for i in sorted(flags):
        norm, reason, cell = _scalar(raw_lines[i], id_type, default_country, i)
        if norm is not None:
            results[i] = _digest_of(norm)
            prehashed += norm.prehashed
        else:
            results[i] = None
            if reason is None:
                out.blank += 1
            else:
                out.rejects.append((i, 0, reason, cell))
    digests = b"".join(filter(None, results))
    out.digests[schema] = digests
    out.valid[schema] = len(digests) // 32
    out.prehashed[schema] = prehashed
    return out


def _email_native(c: Any, data: bytes, default_country: str | None, schema: str) -> ChunkOut:
    """`process_single_column` for emails with the C accelerator: it trims, lowercases, checks
    and hashes every plain-ASCII line exactly as `normalize` would (pre-hashed and blank lines
    too) and flags the rest, which the scalar rules decide here, in line order."""
    digests, status, flagged = c.email_chunk(data)
    return _native_out(c, data, digests, status, flagged, "email", default_country, schema)


def _native_out(
    c: Any,
    data: bytes,
    digests: bytearray,
    status: bytearray,
    flagged: list[tuple[int, int, int]],
    id_type: str,
    default_country: str | None,
    schema: str,
) -> ChunkOut:
    """The chunk's result from a C pass: the lines C flagged are decided by the scalar rules
    here, in line order (`flagged` sorted by line), then the kept digests are compacted."""
    n = len(status)
    out = ChunkOut(lines=n)
    if n == 0:
        return out
    prehashed = status.count(c.PREHASHED)
    out.blank = status.count(c.BLANK)
    for i, lo, hi in flagged:
        norm, reason, cell = _scalar(data[lo:hi], id_type, default_country, i)
        if norm is not None:
            digests[32 * i : 32 * i + 32] = _digest_of(norm)
            status[i] = c.PREHASHED if norm.prehashed else c.HASHED
            prehashed += norm.prehashed
        else:
            status[i] = c.DROPPED
            if reason is None:
                out.blank += 1
            else:
                out.rejects.append((i, 0, reason, cell))
    blob = c.compact(digests, status)
    out.digests[schema] = blob
    out.valid[schema] = len(blob) // 32
    out.prehashed[schema] = prehashed
    return out


_PHONE_TABLE: bytes | None = None


def _phone_table() -> bytes:
    """For `phone_chunk`: each 3-digit start of an international number → its country code
    length (low nibble; 0 = none) | 0x10 when that code's main region dials a trunk "0"."""
    global _PHONE3, _PHONE_TABLE
    if _PHONE_TABLE is None:
        if _PHONE3 is None:
            _PHONE3 = _phone_prefixes()
        table = bytearray(1000)
        for key, info in _PHONE3.items():
            table[int(key)] = info.cc_len | (0x10 if info.trunk_zero else 0)
        _PHONE_TABLE = bytes(table)
    return _PHONE_TABLE


@dataclass(frozen=True)
class _NationalRule:
    args: tuple[bytes, bytes, int]  # (country code, trunk prefix, possible lengths bitmask)
    lines: re.Pattern[bytes] | None  # the region's pattern, one national number per line
    full: re.Pattern[bytes] | None


_NATIONAL: dict[str, _NationalRule | None] = {}


def _national_rule(country: str | None) -> _NationalRule | None:
    """The fast national-number rule of `identity._national` for `country` (None: none)."""
    if country is None:
        return None
    if country not in _NATIONAL:
        region = nz._region(country)
        rule = None
        if region.trunk and region.pattern is not None:
            mask = sum(1 << n for n in region.lengths if 0 < n < 64)
            pattern = region.pattern.pattern.encode("ascii")
            rule = _NationalRule(
                args=(region.cc.encode("ascii"), region.trunk.encode("ascii"), mask),
                lines=re.compile(rb"(?m)^(?:" + pattern + rb")$"),
                full=re.compile(pattern),
            )
        _NATIONAL[country] = rule
    return _NATIONAL[country]


def _phone_native(c: Any, data: bytes, default_country: str | None, schema: str) -> ChunkOut:
    """`process_single_column` for phones with the C accelerator: international numbers (and,
    with a default country, national numbers with a possible length) are normalized and hashed
    in C exactly as `normalize` would; national ones are then checked against the region's
    number pattern all at once, and every line C or the pattern did not vouch for is decided
    by the scalar rules here, in line order."""
    rule = _national_rule(default_country)
    digests, status, flagged, national_rows, blob = c.phone_chunk(
        data, _phone_table(), None if rule is None else rule.args
    )
    if national_rows and rule is not None and rule.lines is not None and rule.full is not None:
        matched = sum(1 for _ in rule.lines.finditer(blob))
        if matched != len(national_rows):  # some do not match: find them, let the rules decide
            full = rule.full.fullmatch
            misses = [
                row
                for row, number in zip(national_rows, blob.split(b"\n"), strict=False)
                if not full(number)
            ]
            if misses:
                import numpy as np

                ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)
                for row in misses:
                    lo = int(ends[row - 1]) + 1 if row else 0
                    hi = int(ends[row]) if row < len(ends) else len(data)
                    status[row] = c.FLAGGED
                    flagged.append((row, lo, hi))
                flagged.sort()
    return _native_out(c, data, digests, status, flagged, "phone", default_country, schema)


Cell = tuple[int, str]  # (column index, cell text)


def process_rows(
    rows: list[tuple[int, list[str]]],
    *,
    columns: list[tuple[int, str, str]],
    default_country: str | None,
) -> ChunkOut:
    """Normalize and hash the identifier cells of parsed rows.

    `rows`: (row number, cells); `columns`: (column index, id type, schema). Rejects carry
    absolute row numbers."""
    out = ChunkOut(lines=len(rows))
    buffers: dict[str, list[bytes]] = {schema: [] for _, _, schema in columns}
    for schema in buffers:
        out.valid[schema] = 0
        out.prehashed[schema] = 0
    normalize: Callable[..., nz.Normalized] = nz.normalize
    for row_number, cells in rows:
        for index, id_type, schema in columns:
            cell = cells[index] if index < len(cells) else ""
            if not cell or not nz.clean(cell):
                out.empty += 1
                continue
            try:
                norm = normalize(cell, id_type, default_country=default_country)
            except nz.Rejected as exc:
                out.rejects.append((row_number, index, exc.reason, cell))
                continue
            buffers[schema].append(_digest_of(norm))
            out.valid[schema] += 1
            out.prehashed[schema] += norm.prehashed
    for schema, digests in buffers.items():
        out.digests[schema] = b"".join(digests)
    return out
