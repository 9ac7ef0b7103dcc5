"""Physical records (issue 14): the record reader, the byte ranges of the fast path, and the two
engines agreeing on every record of any single-column file (line ends, quotes, blank lines)."""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from snapdesk.audience import InputError, hash_file, hashing, inspect_file
from snapdesk.audience.files import (
    MULTILINE,
    QUOTED_LINE_BREAKS,
    RUNAWAY_QUOTE,
    ReadIssues,
    RecordReader,
    closes_properly,
    split_line,
    text_lines,
)
from snapdesk.core import records as records_mod


def records(
    text: str, delimiter: str | None = ","
) -> tuple[list[tuple[int, int, list[str]]], dict[str, tuple[int, ...]]]:
    issues = ReadIssues()
    got = list(RecordReader(text_lines(text), delimiter, issues=issues))
    return got, {issue.kind: issue.rows for issue in issues.summary()}


def test_a_record_is_a_line_whatever_ends_it() -> None:
    got, issues = records("a,b\r\nc,d\re,f\ng,h")
    assert got == [(1, 1, ["a", "b"]), (2, 2, ["c", "d"]), (3, 3, ["e", "f"]), (4, 4, ["g", "h"])]
    assert issues == {}


def test_a_closed_quoted_cell_spans_lines_and_later_rows_are_numbered_as_records() -> None:
    got, issues = records('h,n\na,"x\r\ny\rz"\nb,c\n')
    assert got == [(1, 1, ["h", "n"]), (2, 2, ["a", "x\r\ny\rz"]), (3, 5, ["b", "c"])]
    assert issues == {MULTILINE: (2,)}


@pytest.mark.parametrize(
    ("text", "rows"),
    [
        ('h,n\na,"open\nb,c\nd,e\n', [["h", "n"], ["a", '"open'], ["b", "c"], ["d", "e"]]),
        ('h,n\na,"x\nb,"y\nd,e\n', [["h", "n"], ["a", '"x'], ["b", '"y'], ["d", "e"]]),
        ('h,n\na,"x\nb,y"z\nd,e\n', [["h", "n"], ["a", '"x'], ["b", 'y"z'], ["d", "e"]]),
        ('h,n\na,"x', [["h", "n"], ["a", '"x']]),
    ],
    ids=["eof", "closed-by-another-cell's-quote", "junk-after-closing", "eof-no-line-end"],
)
def test_a_runaway_quote_is_read_as_text_and_swallows_nothing(
    text: str, rows: list[list[str]]
) -> None:
    got, issues = records(text)
    assert [cells for _, _, cells in got] == rows
    assert [row for row, _, _ in got] == list(range(1, len(rows) + 1))
    assert issues[RUNAWAY_QUOTE][0] == 2


def test_a_quoted_cell_longer_than_a_spreadsheet_cell_runs_away() -> None:
    inside = "".join(f"u{i}@example.com,x\n" for i in range(QUOTED_LINE_BREAKS))
    got, issues = records(f'h,n\na,"open\n{inside}b,end"\n')
    assert len(got) == 2 + QUOTED_LINE_BREAKS + 1  # every line is a row of its own
    assert issues == {RUNAWAY_QUOTE: (2,)}
    shorter = "".join(f"u{i}@example.com,x\n" for i in range(QUOTED_LINE_BREAKS - 1))
    got, issues = records(f'h,n\na,"open\n{shorter}b,end"\n')
    assert len(got) == 2 and issues == {MULTILINE: (2,)}  # 253 line breaks: still a cell


def test_one_column_records_honour_quotes_and_keep_delimiter_like_text() -> None:
    got, _ = records('email\n"a@x.com"\n"Doe, Jane"\nb@x.com;junk\n', None)
    assert [cells for _, _, cells in got] == [
        ["email"],
        ["a@x.com"],
        ["Doe, Jane"],
        ["b@x.com;junk"],
    ]


def test_split_line_and_closes_properly() -> None:
    assert split_line('a,"x",y,"notes,more\r\n', ",") == (["a", "x", "y", '"notes', "more"], True)
    assert split_line('"a""b"c,d\n', ",") == (['a"bc', "d"], False)
    assert split_line("a,\n", ",") == (["a", ""], False)
    assert not closes_properly('a,"x\ny"z,w\n', ",")
    assert closes_properly('a,"x\ny",w\n', ",")
    assert closes_properly('"x"y,"a\nb",c\n', ",")


def test_a_sample_cut_inside_a_quoted_cell_drops_that_record() -> None:
    reader = RecordReader(text_lines('h,n\na,"open\nb,c\n'), ",", complete=False)
    assert [cells for _, _, cells in reader] == [["h", "n"]] and reader.truncated


# ---------------------------------------------------------------------------- fast path


@pytest.mark.parametrize("end", ["\n", "\r\n", "\r"])
def test_byte_ranges_cut_at_every_kind_of_line_end(tmp_path: Path, end: str) -> None:
    src = tmp_path / "list.csv"
    src.write_bytes(
        ("email" + end + "".join(f"u{i}@example.com{end}" for i in range(3000))).encode()
    )
    size = src.stat().st_size
    ranges = list(hashing._byte_ranges(src, 6, size, 1000))
    assert ranges[0][0] == 6 and ranges[-1][1] == size
    assert all(a[1] == b[0] for a, b in itertools.pairwise(ranges))
    data = src.read_bytes()
    for _lo, hi in ranges[:-1]:
        assert data[hi - 1 : hi] in (b"\n", b"\r") and data[hi : hi + 1] not in (b"\n",)


def test_a_crlf_cut_by_a_read_stays_whole(tmp_path: Path) -> None:
    src = tmp_path / "list.csv"
    src.write_bytes(b"x" * 65535 + b"\r\nnext\r\n")
    with src.open("rb") as fh:
        assert hashing._line_end(fh, 0, src.stat().st_size) == 65537


@pytest.mark.parametrize("engine", ["bytes", "rows"])
def test_a_line_over_the_memory_bound_is_refused_with_its_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, engine: str
) -> None:
    monkeypatch.setattr(records_mod, "MAX_LINE", 4096)  # the reader's bound (core.records)
    monkeypatch.setattr(hashing, "MAX_LINE", 4096)
    src = tmp_path / "list.csv"
    head = "email" if engine == "bytes" else "email,id"
    rows = [f"u{i}@example.com" + ("" if engine == "bytes" else f",{i}") for i in range(200)]
    src.write_text("\n".join([head, *rows, "x" * 100_000, *rows]) + "\n")
    info = inspect_file(src, sample_bytes=1024)
    with pytest.raises(InputError) as exc:
        hash_file(src, output=tmp_path / "out.csv", info=info, chunk_bytes=2048, workers=1)
    assert "longer than" in exc.value.message and "\n" not in exc.value.message
    if engine == "rows":
        assert "row 202" in exc.value.message
    assert not (tmp_path / "out.csv").exists()


# ---------------------------------------------------------------------------- engines agree

TOKENS = [
    "a@example.com",
    "B@Example.org",
    "bad",
    "ünï@exämple.de",
    " ",
    "\t",
    '"',
    '""',
    "\n",
    "\r",
    "\r\n",
    "\n",
    "\n",
    hashlib.sha256(b"x").hexdigest(),
]


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.sampled_from(TOKENS), max_size=60), st.sampled_from(["", "\n", "\r\n\r\n"]))
def test_both_engines_read_the_same_records(tmp_path: Path, tokens: list[str], lead: str) -> None:
    """Whatever the line ends and quotes, the byte-range engine (falling back to the record
    reader when it must) and the record reader count, number and hash the same records."""
    src = tmp_path / "list.csv"
    src.write_bytes((lead + "email\n" + "".join(tokens) + "\na@example.com\n").encode())
    info = inspect_file(src)
    one_column = dataclasses.replace(info, delimiter=None, has_header=True)
    fast = hash_file(
        src,
        output=tmp_path / "fast.csv",
        rejects=tmp_path / "fast.rejects.csv",
        info=dataclasses.replace(one_column, quoted=False),
        id_type="email",
        column="1",
        chunk_bytes=16,
        workers=1,
    )
    slow = hashing._hash_file(
        src,
        output=tmp_path / "slow.csv",
        rejects=tmp_path / "slow.rejects.csv",
        info=one_column,
        id_type="email",
        column="1",
        default_country=None,
        keep_duplicates=False,
        progress=None,
        cancel=None,
        workers=1,
        chunk_bytes=16,
        batch_rows=7,
        records_only=True,
    )
    assert slow.engine == "rows"
    keys = ("rows", "valid", "rejected", "blank", "duplicates", "written", "records")
    assert {k: fast.to_json()[k] for k in keys} == {k: slow.to_json()[k] for k in keys}
    assert fast.rows == fast.cells == fast.valid + fast.rejected + fast.blank_cells
    assert (tmp_path / "fast.csv").read_bytes() == (tmp_path / "slow.csv").read_bytes()
    assert (tmp_path / "fast.rejects.csv").read_bytes() == (
        tmp_path / "slow.rejects.csv"
    ).read_bytes()
    lines = src.read_bytes().replace(b"\r\n", b"\n").replace(b"\r", b"\n").count(b"\n")
    if b'"' not in src.read_bytes():  # no quoted cell: a record per line
        assert fast.engine == "bytes" and fast.records == lines


@pytest.mark.parametrize("id_type", ["email", "maid"])  # threads (C accelerator) / processes
def test_mixed_line_ends_across_a_worker_pool(tmp_path: Path, id_type: str) -> None:
    """Many byte ranges cut at LF, CRLF and bare CR, hashed by two workers: every record once."""
    ends = ("\n", "\r\n", "\r")
    if id_type == "email":
        values = [f"user{i}@example.com" for i in range(15_000)]
    else:
        values = [f"6d92078a-8246-4ba4-ae5b-{i:012x}" for i in range(15_000)]
    src = tmp_path / "list.csv"
    src.write_bytes(
        (
            "\r\n\r" + id_type + "\r" + "".join(v + ends[i % 3] for i, v in enumerate(values))
        ).encode()
    )
    report = hash_file(src, output=tmp_path / "out.csv", workers=2, chunk_bytes=64 * 1024)
    assert report.engine == "bytes" and report.workers == 2
    assert (report.rows, report.valid, report.rejected, report.blank) == (15_002, 15_000, 0, 2)
    expected = [hashlib.sha256(v.encode()).hexdigest() for v in values]
    assert (tmp_path / "out.csv").read_text().splitlines() == [report.schemas[0], *expected]


def test_the_preview_knows_each_rows_spreadsheet_row(tmp_path: Path) -> None:
    src = tmp_path / "list.csv"
    src.write_text('\n\nemail,notes\na@example.com,"two\nlines"\n\nb@example.com,x\n')
    info = inspect_file(src)
    assert info.preview == (("a@example.com", "two\nlines"), ("b@example.com", "x"))
    assert info.preview_rows == (4, 6)
