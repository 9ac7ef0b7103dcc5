"""The hostile corpus (issue 14): messy customer-list files through the real `snapdesk hash`.

Every physical record is accounted for. Each `Case` is one generated input file (bytes, or a
builder for big or special files) with what a user must see: the exit code, a message fragment,
and the totals — rows read, valid, rejected, blank. `run_case` runs it through the real CLI
(in-process `snapdesk.cli.main` by default, `python -m snapdesk` in a subprocess for the cases
marked so), then checks the invariants that hold for every file:

- no traceback, ever; a failure is one line on stderr and writes no file;
- rows × identifier columns = valid + rejected + blank, in the `--json` summary and in the
  text summary (the first line spells the sum out); duplicates are a subset of valid
  (valid = written + duplicates per list);
- the rejects file has one line per rejected cell, with the row number, column, reason and that
  cell only: no other cell of the row (non-identifier cells of the corpus contain "SECRET"),
  and never more than a cell's worth of text.

To add a case, append a `Case` to `CASES`. Another module can reuse the harness:

    from tests.audience.test_hostile_corpus import Case, run_case
    result = run_case(Case("mine", b"email\\na@example.com\\n", rows=1, valid=1), tmp_path)
    assert result.summary["written"] == 1

Row numbers are spreadsheet rows: the header is row 1 and every record counts, blank or not
(`snapdesk.audience.files` defines a physical record).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import random
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from snapdesk.cli import main

E = "example.com"
SECRET = "SECRET"  # in every non-identifier cell: must never reach the rejects file
BIG = 15_000  # emails that fill more than the 256 KB sample
CELL_MAX = 1024 + 1  # the longest value the rejects file may show (a cell, cut with "…")


def emails(n: int, start: int = 0) -> list[str]:
    return [f"user{i}@{E}" for i in range(start, start + n)]


def text(*lines: str, end: str = "\n") -> bytes:
    """UTF-8 lines, each ended by `end`."""
    return "".join(line + end for line in lines).encode()


def mixed_ends(lines: list[str]) -> bytes:
    """Lines ended in turn by LF, CRLF and a bare CR."""
    ends = ("\n", "\r\n", "\r")
    return "".join(line + ends[i % 3] for i, line in enumerate(lines)).encode()


def crm(
    n: int, *, notes: dict[int, str] | None = None, email: dict[int, str] | None = None
) -> bytes:
    """`email,name,notes` with `n` customers; `notes`/`email` replace the cell of customer i
    (customer i is on spreadsheet row i + 2)."""
    notes, email = notes or {}, email or {}
    rows = ["email,name,notes"]
    for i, value in enumerate(emails(n)):
        rows.append(f"{email.get(i, value)},{SECRET} Name {i},{notes.get(i, 'ok')}")
    return text(*rows)


def _write(content: bytes) -> Callable[[Path], Path]:
    def make(base: Path) -> Path:
        path = base / "in.csv"
        path.write_bytes(content)
        return path

    return make


@dataclass(frozen=True)
class Case:
    """One input file and what must come of it. `content`: the file's bytes (written to
    `in.csv`) or a builder that makes the input in the given folder and returns its path.
    `rows`/`valid`/`rejected`/`blank` None: not checked (with exit != 0 they must be None).
    `rejects`: the exact rejects file (row, column, reason, value) after its header.
    `command`: "hash" (`--json` and text runs) or "push" (`audience push` dry-run, text)."""

    name: str
    content: bytes | Callable[[Path], Path]
    rows: int | None = None
    valid: int | None = None
    rejected: int | None = None
    blank: int | None = None
    exit: int = 0
    message: str | None = None
    args: tuple[str, ...] = ()
    duplicates: int | None = None
    rejects: tuple[tuple[str, str, str, str], ...] | None = None
    issues: dict[str, list[int]] | None = None  # kind -> first rows, as in the JSON summary
    command: str = "hash"
    subprocess: bool = False
    check: Callable[[Result], None] | None = None
    marks: tuple[Any, ...] = ()

    def param(self) -> Any:
        return pytest.param(self, id=self.name, marks=self.marks)


@dataclass
class Result:
    case: Case
    base: Path
    input: Path
    code: int
    stdout: str
    stderr: str
    summary: dict[str, Any] | None = None  # the --json object
    text: str = ""  # the text summary (success) of a second run without --json
    rejects: list[list[str]] = field(default_factory=list)  # rejects file rows after the header

    @property
    def output(self) -> Path:
        return self.base / "out.csv"


def invoke(argv: list[str], *, use_subprocess: bool = False) -> tuple[int, str, str]:
    """Run `snapdesk ARGV`: in this process (`snapdesk.cli.main`) or as `python -m snapdesk`."""
    if use_subprocess:
        done = subprocess.run(
            [sys.executable, "-m", "snapdesk", *argv],
            capture_output=True,
            timeout=300,
            env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        )
        return done.returncode, done.stdout.decode(), done.stderr.decode()
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse usage errors
            code = exc.code if isinstance(exc.code, int) else 2
    return code, out.getvalue(), err.getvalue()


_TOTALS = re.compile(
    r"(?P<rows>[\d,]+) rows(?: × (?P<k>\d+) identifier columns = (?P<cells>[\d,]+) cells)? = "
    r"(?P<valid>[\d,]+) valid \+ (?P<rejected>[\d,]+) rejected \+ (?P<blank>[\d,]+) blank"
)


def text_totals(summary_text: str) -> dict[str, int]:
    """rows, k, cells, valid, rejected, blank from a text summary (its first totals line)."""
    match = _TOTALS.search(summary_text)
    assert match, f"no totals line in {summary_text!r}"
    got = {k: int(v.replace(",", "")) for k, v in match.groupdict().items() if v is not None}
    got.setdefault("k", 1)
    got.setdefault("cells", got["rows"])
    return got


def _no_traceback(*streams: str) -> None:
    for stream in streams:
        assert "Traceback" not in stream and 'File "' not in stream, stream


def _check_failure(result: Result) -> None:
    case = result.case
    assert result.stdout == ""
    assert result.stderr.startswith("snapdesk: ") and result.stderr.count("\n") == 1, result.stderr
    assert not result.output.exists() and not (result.base / "rejects.csv").exists()
    assert not list(result.base.glob(".*.part"))
    assert case.rows is None and case.valid is None, "a failing case reads no rows"


def _check_rejects(result: Result, rows_read: int, header: bool) -> None:
    path = result.base / "rejects.csv"
    raw = path.read_text(encoding="utf-8")
    assert SECRET not in raw, "the rejects file holds another cell of a row"
    table = list(csv.reader(io.StringIO(raw, newline="")))
    assert table[0] == ["row", "column", "reason", "value"]
    result.rejects = table[1:]
    seen = set()
    for row, column, reason, value in result.rejects:
        assert 1 <= int(row) <= rows_read + header, (row, rows_read)
        assert (row, column) not in seen
        seen.add((row, column))
        assert reason and len(value) <= CELL_MAX, (row, reason, len(value))


def _check_success(result: Result) -> None:
    case = result.case
    summary = result.summary
    assert summary is not None
    k = len(summary["columns"])
    rows, valid, rejected, blank = (summary[n] for n in ("rows", "valid", "rejected", "blank"))
    assert rows * k == valid + rejected + blank, summary
    assert summary["blank"] == summary["blank_lines"] * k + summary["empty_cells"]
    for schema, item in summary["lists"].items():
        assert item["valid"] == item["written"] + item["duplicates"], schema
        lines = Path(item["output"]).read_text(encoding="ascii").splitlines()
        assert lines[0] == schema and len(lines) == item["written"] + 1
    assert summary["duplicates"] <= summary["valid"]
    _check_rejects(result, rows, summary["header"])
    assert len(result.rejects) == rejected
    totals = text_totals(result.text)
    assert totals == {
        "rows": rows,
        "k": k,
        "cells": rows * k,
        "valid": valid,
        "rejected": rejected,
        "blank": blank,
    }
    assert totals["cells"] == totals["valid"] + totals["rejected"] + totals["blank"]
    expected = {"rows": case.rows, "valid": case.valid, "rejected": case.rejected}
    expected["blank"] = case.blank
    expected["duplicates"] = case.duplicates
    for key, want in expected.items():
        if want is not None:
            assert summary[key] == want, (key, summary[key], want)
    if case.rejects is not None:
        assert [tuple(r) for r in result.rejects] == list(case.rejects)
    if case.issues is not None:
        got = {item["kind"]: item["rows"] for item in summary["row_issues"]}
        assert got == case.issues, got


def run_case(case: Case, base: Path, *, use_subprocess: bool | None = None) -> Result:
    """Make the case's input in `base`, run it through `snapdesk` and check everything the
    case and the invariants say; returns the `Result` for further checks."""
    base.mkdir(parents=True, exist_ok=True)
    source = case.content(base) if callable(case.content) else _write(case.content)(base)
    spawn = case.subprocess if use_subprocess is None else use_subprocess
    out, rejects = base / "out.csv", base / "rejects.csv"
    if case.command == "push":
        argv = ["audience", "push", str(source), "--ad-account", "acc-1", "--segment", "seg-1"]
        code, stdout, stderr = invoke([*argv, *case.args], use_subprocess=spawn)
        result = Result(case, base, source, code, stdout, stderr, text=stderr)
        _no_traceback(stdout, stderr)
        assert code == case.exit, (code, stderr)
        if case.message is not None:
            assert case.message in stdout + stderr, (case.message, stdout, stderr)
        if code == 0:
            totals = text_totals(stderr)
            assert totals["cells"] == totals["valid"] + totals["rejected"] + totals["blank"]
            for key in ("rows", "valid", "rejected", "blank"):
                want = getattr(case, key)
                assert want is None or totals[key] == want, (key, totals[key], want)
        if case.check is not None:
            case.check(result)
        return result
    argv = ["hash", str(source), "-o", str(out), "--rejects", str(rejects), *case.args]
    code, stdout, stderr = invoke([*argv, "--json"], use_subprocess=spawn)
    result = Result(case, base, source, code, stdout, stderr)
    _no_traceback(stdout, stderr)
    assert code == case.exit, (code, stderr)
    if case.message is not None:
        assert case.message in stdout + stderr, (case.message, stdout, stderr)
    if code != 0:
        _check_failure(result)
    else:
        assert stderr == ""
        result.summary = json.loads(stdout.strip().splitlines()[-1])
        text_code, result.text, text_err = invoke(argv)  # the same run, text summary
        _no_traceback(result.text, text_err)
        assert text_code == 0 and text_err == ""
        if case.message is not None:
            assert case.message in result.text, (case.message, result.text)
        _check_success(result)
    if case.check is not None:
        case.check(result)
    return result


# ---------------------------------------------------------------------------- the corpus

ZOE = ["email,name", f"Person@{E},Zoë {SECRET}", f"  Test123@{E}  ,Ånne {SECRET}", f"anna@{E},x"]


def _enc(encoding: str, bom: bytes = b"") -> bytes:
    return bom + "".join(line + "\r\n" for line in ZOE).encode(encoding)


def _delimited(d: str) -> bytes:
    other = ";" if d != ";" else ","
    rows = [f"id{d}E-Mail{d}city"]
    rows += [f'{i}{d}"{e}"{d}"{SECRET} Paris{other} {d}x"' for i, e in enumerate(emails(3))]
    return text(*rows)


def _directory(base: Path) -> Path:
    path = base / "in.csv"
    path.mkdir()
    return path


def _missing(base: Path) -> Path:
    return base / "in.csv"


def _unreadable(base: Path) -> Path:
    path = _write(text("email", f"a@{E}"))(base)
    path.chmod(0)
    return path


def _single_then(*tail: bytes, head: int = BIG, after: int = 100) -> bytes:
    """A one-column list longer than the sample, `tail` lines, then `after` more emails."""
    return (
        text("email", *emails(head)) + b"".join(tail) + text(*emails(after, start=head + 1_000_000))
    )


def _huge_first_row(base: Path) -> Path:
    path = base / "in.csv"
    with path.open("wb") as fh:
        fh.write(f"email,notes\nfirst@{E},{SECRET}".encode() + b"x" * 300_000 + b"\n")
        fh.write(text(f"second@{E},{SECRET}"))
    return path


def _ragged_trailing() -> bytes:
    rows = ["email,name,city,notes,extra"]
    for i, e in enumerate(emails(1000)):
        rows.append([f"{e},{SECRET} {i}", f"{e},{SECRET} {i},{SECRET}", e][i % 3])
    return text(*rows)


def _ragged_phones() -> bytes:
    rows = ["email,phone,name,notes"]
    for i, e in enumerate(emails(300)):
        phone = f"+44 20 7946 0{i % 1000:03d}"
        rows.append([f"{e},{phone}", f"{e},{phone},{SECRET} {i}", e][i % 3])
    return text(*rows)


def _ragged_mostly_single() -> bytes:
    rows = ["email,phone"]
    for i, e in enumerate(emails(100)):
        rows.append(f"{e},+44 20 7946 0{i:03d}" if i % 10 == 0 else e)
    return text(*rows)


def _blank_everywhere(end: str) -> bytes:
    lines = ["", "", "email,name", "", f"a@{E},{SECRET}", "   ", ",,", f"b@{E},{SECRET}"]
    lines += [f" ,{SECRET}", "", ""]
    return text(*lines, end=end)


def _runaway_long() -> bytes:
    notes = {2: '"call back'} | {i: "ok" for i in range(3, 299)} | {299: 'done"'}
    return crm(1000, notes=notes)


def _phone_maid() -> bytes:
    rows = ["email,phone,idfa"]
    for i in range(20):
        email = f"user{i}@{E}" if i % 5 else "not-an-email"
        phone = f"+44 20 7946 0{i:03d}" if i % 4 else ""
        idfa = f"6D92078A-8246-4BA4-AE5B-{i:012d}" if i % 2 else "zzz"
        rows.append(f"{email},{phone},{idfa}")
    return text(*rows)


PREHASHED = [f"{i:064x}" for i in range(1, 6)]
QUOTE_CALL = '"call'  # a stray quote opening a notes cell


CASES: list[Case] = [
    # -- encodings
    Case("utf8", _enc("utf-8"), rows=3, valid=3, rejected=0, blank=0),
    Case("utf8-bom", _enc("utf-8", b"\xef\xbb\xbf"), rows=3, valid=3, rejected=0),
    Case("utf16le-bom", _enc("utf-16-le", b"\xff\xfe"), rows=3, valid=3, subprocess=True),
    Case("utf16be-bom", _enc("utf-16-be", b"\xfe\xff"), rows=3, valid=3),
    Case("utf16le-no-bom", _enc("utf-16-le"), rows=3, valid=3, message="without byte-order mark"),
    Case("utf16be-no-bom", _enc("utf-16-be"), rows=3, valid=3, message="without byte-order mark"),
    Case(
        "latin1",
        f"email;name\nJosé@{E};José {SECRET}\nanna@{E};Ånna {SECRET}\n".encode("latin-1"),
        rows=2,
        valid=2,
        message="Latin-1",
    ),
    Case("utf32", b"\xff\xfe\x00\x00" + "email\n".encode("utf-32-le"), exit=1, message="UTF-32"),
    # -- delimiters
    Case("comma", _delimited(","), rows=3, valid=3, rejected=0),
    Case("semicolon", _delimited(";"), rows=3, valid=3, rejected=0),
    Case("tab", _delimited("\t"), rows=3, valid=3, rejected=0),
    Case("pipe", _delimited("|"), rows=3, valid=3, rejected=0),
    # -- unusable files: one line, exit 1, nothing written
    Case("empty", b"", exit=1, message="in.csv is empty"),
    Case("header-only", b"email\n", exit=1, message="header but no data rows"),
    Case("header-and-blanks", b"email\r\n\r\n   \r\n", exit=1, message="header but no data rows"),
    Case("only-blank", b"\n\n \t\n\r\n\r", exit=1, message="only blank lines"),
    Case("random-binary", random.Random(14).randbytes(4096), exit=1, message="binary"),
    Case("xlsx", b"PK\x03\x04\x14\x00\x06\x00" + bytes(300), exit=1, message="Excel workbook"),
    Case("pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + bytes(100), exit=1, message="PDF"),
    Case(
        "nul-in-sample", b"email\na@example.com\n\x00\x00b@example.com\n", exit=1, message="binary"
    ),
    Case("directory", _directory, exit=1, message="is a folder", subprocess=True),
    Case("missing", _missing, exit=1, message="no such file"),
    Case(
        "unreadable",
        _unreadable,
        exit=1,
        message="permission denied",
        marks=(
            pytest.mark.skipif(
                hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads any file"
            ),
        ),
    ),
    Case("no-identifier-column", text("name,city", "Anna,Paris"), exit=1, message="no email"),
    Case(
        "bad-utf8-after-sample",
        _single_then("mañana@example.com\n".encode("latin-1")),
        exit=1,
        message=f"row {BIG + 2} is not valid UTF-8",
    ),
    Case(
        "bad-utf8-after-sample-csv",
        text("email,id", *(f"{e},{i}" for i, e in enumerate(emails(BIG))))
        + "mañana@example.com,1\n".encode("latin-1"),
        exit=1,
        message=f"row {BIG + 2} is not valid UTF-8",
    ),
    # -- record ends: LF, CRLF, CR, mixed, in both engines
    Case(
        "crlf",
        text("email,name", *(f"{e},{SECRET}" for e in emails(3)), end="\r\n"),
        rows=3,
        valid=3,
    ),
    Case(
        "cr-only-single",
        text("email", *emails(1000), end="\r"),
        rows=1000,
        valid=1000,
        subprocess=True,
    ),
    Case(
        "cr-only-csv",
        text("email,name", *(f"{e},{SECRET}" for e in emails(100)), end="\r"),
        rows=100,
        valid=100,
    ),
    Case("mixed-ends-single", mixed_ends(["email", *emails(1000)]), rows=1000, valid=1000),
    Case(
        "bare-cr-few",  # issue 14: a few records ended by a bare CR were glued together
        b"email\n"
        + b"".join(
            f"{e}{chr(13) if i % 100 == 5 else chr(10)}".encode()
            for i, e in enumerate(emails(1000))
        ),
        rows=1000,
        valid=1000,
        rejected=0,
    ),
    Case("mixed-ends-single-big", mixed_ends(["email", *emails(BIG)]), rows=BIG, valid=BIG),
    Case(
        "mixed-ends-csv",
        mixed_ends(
            ["email,name,notes", *(f'{e},{SECRET},"a{chr(13)}b{chr(10)}c"' for e in emails(30))]
        ),
        rows=30,
        valid=30,
        message="line breaks",
    ),
    # -- quotes: runaway, unclosed at the end, badly closed, legitimate multi-line cells
    Case(
        "runaway-quote-notes",  # issue 14: 3 rows read of 1,000
        crm(1000, notes={2: '"call back'}),
        rows=1000,
        valid=1000,
        rejected=0,
        message="row 4",
        issues={"runaway_quote": [4]},
        subprocess=True,
    ),
    Case(
        "runaway-quote-push",
        crm(1000, notes={2: '"call back'}),
        rows=1000,
        valid=1000,
        rejected=0,
        message="DRY-RUN  add 1,000 hashed identifiers",
        command="push",
    ),
    Case(
        "unclosed-quote-at-end",
        crm(1000, notes={999: '"never closed'}),
        rows=1000,
        valid=1000,
        issues={"runaway_quote": [1001]},
    ),
    Case(
        "runaway-quote-in-email",
        crm(1000, email={2: f'"user2@{E}'}),
        rows=1000,
        valid=999,
        rejected=1,
        rejects=(("4", "email", "invalid_email", f'"user2@{E}'),),
        issues={"runaway_quote": [4]},
    ),
    Case(
        "two-stray-quotes",
        crm(1000, notes={2: '"call back', 8: '"vip'}),
        rows=1000,
        valid=1000,
        issues={"runaway_quote": [4, 10]},
    ),
    Case(
        "quote-spanning-300-lines",  # more line breaks than a spreadsheet cell holds
        _runaway_long(),
        rows=1000,
        valid=1000,
        issues={"runaway_quote": [4]},
    ),
    Case(
        "quote-spanning-40k-chars",
        crm(10, notes={2: '"' + "y" * 100}) + text("z" * 40_000 + '"', *emails(5, start=100)),
        rows=16,
        valid=15,
        rejected=1,
        issues={"runaway_quote": [4], "short_rows": [12, 13, 14, 15, 16]},
    ),
    Case(
        "multiline-cell-within-limits",  # a closed quoted cell: one row, as in a spreadsheet
        crm(1000, notes={2: '"call back', 6: 'done"'}),
        rows=996,
        valid=996,
        message="line breaks",
        issues={"multiline": [4]},
    ),
    Case(
        "multiline-notes-then-reject",
        text(
            "email,name,notes",
            f'a@{E},{SECRET},"line 1',
            "line 2\r\nline 3\rline 4",
            'end"',
            f"not-an-email,{SECRET},x",
        ),
        rows=2,
        valid=1,
        rejected=1,
        rejects=(("3", "email", "invalid_email", "not-an-email"),),
        issues={"multiline": [2]},
    ),
    Case(
        "single-column-quoted",
        text("email", *(f'"{e}"' for e in emails(50))),
        rows=50,
        valid=50,
    ),
    Case(
        "single-column-simple-quote-after-sample",
        _single_then(b'"quoted@example.com"\n'),
        rows=BIG + 101,
        valid=BIG + 101,
    ),
    Case(
        "single-column-multiline-after-sample",
        _single_then(b'"late@example.com\nlate2@example.com"\n'),
        rows=BIG + 101,
        valid=BIG + 100,
        rejected=1,
        issues={"multiline": [BIG + 2]},
    ),
    Case(
        "single-column-stray-quote-after-sample",
        _single_then(b'"stray@example.com\n'),
        rows=BIG + 101,
        valid=BIG + 100,
        rejected=1,
        rejects=((str(BIG + 2), "email", "invalid_email", '"stray@example.com'),),
        issues={"runaway_quote": [BIG + 2]},
    ),
    Case(
        "multiline-cell-across-the-sample-end",
        text("email,notes", *(f"{e},{SECRET}" for e in emails(BIG - 3_000)))
        + text(f'last@{E},"{SECRET} {"n" * 60_000}', f'{SECRET} still the same cell"')
        + text(*(f"{e},{SECRET}" for e in emails(100, start=BIG))),
        rows=BIG - 3_000 + 101,
        valid=BIG - 3_000 + 101,
        issues={"multiline": [BIG - 3_000 + 2]},
    ),
    Case(
        "utf16-runaway-quote-cr-ends",
        "\ufeff".encode("utf-16-le")
        + "".join(
            line + "\r"
            for line in [
                "email,notes",
                *(f"{e},{QUOTE_CALL if i == 5 else 'ok'}" for i, e in enumerate(emails(300))),
            ]
        ).encode("utf-16-le"),
        rows=300,
        valid=300,
        issues={"runaway_quote": [7]},
    ),
    # -- ragged rows
    Case(
        "latin1-ragged-crlf",
        "".join(
            f"{line}\r\n"
            for line in [
                "e-mail;Prénom;Ville",
                *(f"{e};{SECRET} Zoé" if i % 2 else e for i, e in enumerate(emails(60))),
            ]
        ).encode("latin-1")
        + "Zoë@example.com\r\n".encode("latin-1"),
        rows=61,
        valid=61,
        message="Latin-1",
        issues={"short_rows": [2, 3, 4, 5, 6]},  # every row: 1 or 2 fields of 3
    ),
    Case(
        "single-column-row-with-delimiters",  # one odd line: the rejects show its first cell
        text("email", *emails(99), f"bad-email,{SECRET} +44 20 7946 0000,{SECRET} Name"),
        rows=100,
        valid=99,
        rejected=1,
        rejects=(("101", "email", "invalid_email", "bad-email,…"),),
    ),
    Case(
        "single-column-row-with-delimiters-after-sample",
        _single_then(f"bad-email;{SECRET} +44 20 7946 0000\n".encode()),
        rows=BIG + 101,
        valid=BIG + 100,
        rejected=1,
        rejects=((str(BIG + 2), "email", "invalid_email", "bad-email;…"),),
    ),
    Case(
        "ragged-trailing-empties",  # issue 14: collapsed into one column, every email rejected
        _ragged_trailing(),
        rows=1000,
        valid=1000,
        rejected=0,
        message="fewer fields",
        issues={"short_rows": [2, 3, 4, 5, 6]},
    ),
    Case("ragged-with-phones", _ragged_phones(), rows=300, valid=500, rejected=0, blank=100),
    Case("ragged-mostly-one-field", _ragged_mostly_single(), rows=100, valid=110, blank=90),
    Case(
        "ragged-extra-fields",
        text("email,name", *(f"{e},{SECRET},{SECRET},{SECRET}" for e in emails(20))),
        rows=20,
        valid=20,
        message="more fields",
        issues={"long_rows": [2, 3, 4, 5, 6]},
    ),
    Case(
        "ragged-rejects-hold-one-cell",
        text(
            "name,email,phone,notes",
            f"{SECRET} Jane,not-an-email",
            f"{SECRET} John,bad@,+44 20 7946 0000,{SECRET}",
            f"{SECRET} Ann,ann@{E},07911 123456",
            f"{SECRET} Bo,bo@{E},+44 20 7946 0001,{SECRET},{SECRET}",
        ),
        rows=4,
        valid=4,
        rejected=3,
        blank=1,
        rejects=(
            ("2", "email", "invalid_email", "not-an-email"),
            ("3", "email", "invalid_email", "bad@"),
            ("4", "phone", "no_country_code", "07911 123456"),
        ),
    ),
    Case(
        "ragged-no-header",
        text(*[e if i % 2 else f"{e},{SECRET}" for i, e in enumerate(emails(40))]),
        rows=40,
        valid=40,
    ),
    # -- huge rows and cells (no limit below bounded memory)
    Case("huge-first-row", _huge_first_row, rows=2, valid=2, subprocess=True),
    Case(
        "huge-first-row-single-column",
        text("email", "x" * 300_000, *emails(3)),
        rows=4,
        valid=3,
        rejected=1,
    ),
    Case(
        "huge-quoted-cell",
        text("email,notes", f'a@{E},"{SECRET}{"x" * 1_000_000}"', f"b@{E},y"),
        rows=2,
        valid=2,
    ),
    Case(
        "long-line-without-delimiters",
        text("email", *emails(50), "abc" * 200_000, *emails(50, start=50)),
        rows=101,
        valid=100,
        rejected=1,
    ),
    Case(
        "huge-identifier-cell",
        text("email,name", f"{'q' * 100_000}@{E},{SECRET}", f"b@{E},{SECRET}"),
        rows=2,
        valid=1,
        rejected=1,
    ),
    # -- blank lines
    Case("blank-everywhere-csv", _blank_everywhere("\n"), rows=10, valid=2, rejected=0, blank=8),
    Case("blank-everywhere-csv-crlf", _blank_everywhere("\r\n"), rows=10, valid=2, blank=8),
    Case(
        "blank-everywhere-single",
        text("", "", "email", "", f"a@{E}", "  ", "\t", f"b@{E}", ""),
        rows=8,
        valid=2,
        rejected=0,
        blank=6,
    ),
    Case(
        "blank-everywhere-single-cr",
        text("", "email", "", f"a@{E}", "  ", f"b@{E}", "", end="\r"),
        rows=6,
        valid=2,
        blank=4,
    ),
    # -- odd bytes
    Case(
        "bom-mid-file",  # two exports concatenated: the second header is a rejected row
        f"\ufeffemail\na@{E}\n\ufeffemail\nb@{E}\n".encode(),
        rows=3,
        valid=2,
        rejected=1,
    ),
    Case(
        "bom-mid-file-csv",
        f"\ufeffemail,name\na@{E},{SECRET}\n\ufeffemail,name\nb@{E},{SECRET}\n".encode(),
        rows=3,
        valid=2,
        rejected=1,
    ),
    Case(
        "nul-after-sample-single",
        _single_then(b"nul\x00l@example.com\n"),
        rows=BIG + 101,
        rejected=1,
    ),
    Case(
        "nul-after-sample-csv",
        text("email,name", *(f"{e},{SECRET}" for e in emails(BIG)))
        + f"z@{E},{SECRET}\x00\n".encode(),
        rows=BIG + 1,
        valid=BIG + 1,
    ),
    # -- identifiers
    Case("emails-phones-maids", _phone_maid(), rows=20, valid=41, rejected=14, blank=5),
    Case(
        "mixed-in-one-column",
        text("contact", *emails(7), "+44 20 7946 0000", "+44 20 7946 0001", "+1 415 555 0100"),
        rows=10,
        valid=7,
        rejected=3,
    ),
    Case(
        "duplicates",
        text("email", *emails(6), f"USER1@{E}", f" user2@{E} ", f"user3@{E}", f"user1@{E}"),
        rows=10,
        valid=10,
        duplicates=4,
    ),
    Case(
        "keep-duplicates",
        text("email", *emails(3), *emails(3)),
        rows=6,
        valid=6,
        duplicates=0,
        args=("--keep-duplicates",),
    ),
    Case("prehashed", text("hash", *PREHASHED), rows=5, valid=5, args=("--type", "email")),
]


@pytest.mark.parametrize("case", [c.param() for c in CASES])
def test_hostile_corpus(case: Case, tmp_path: Path) -> None:
    run_case(case, tmp_path)


def test_the_corpus_is_big_enough_and_named_once() -> None:
    names = [c.name for c in CASES]
    assert len(names) >= 40 and len(set(names)) == len(names)
    assert sum(c.subprocess for c in CASES) >= 4


def test_unreadable_file_even_as_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The permission-denied message, for root too (who reads any file): the open is refused."""
    real_open = Path.open
    source = text("email", f"a@{E}")

    def make(base: Path) -> Path:
        path = _write(source)(base)
        monkeypatch.setattr(Path, "open", refuse)
        return path

    def refuse(self: Path, *args: Any, **kw: Any) -> Any:
        if self.name == "in.csv":
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kw)

    run_case(Case("unreadable-patched", make, exit=1, message="permission denied"), tmp_path)
