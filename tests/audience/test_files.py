"""Reading files: encodings, delimiters, header, quoting, blank lines, malformed inputs."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from snapdesk.audience import InputError, hash_file, inspect_file, select_columns
from snapdesk.audience import normalize as nz

EMAILS = ["Person@Example.com", "  Test123@gmail.com    ", "anna@example.org"]


def _hashes(path: Path) -> list[str]:
    return path.read_text().splitlines()


def _expected(values: list[str], kind: str = "email") -> list[str]:
    return [nz.hash_identifier(v, kind) for v in values]


@pytest.mark.parametrize(
    ("encoding", "bom", "note"),
    [
        ("utf-8", b"", None),
        ("utf-8", b"\xef\xbb\xbf", None),
        ("utf-16-le", b"\xff\xfe", None),
        ("utf-16-be", b"\xfe\xff", None),
        ("utf-16-le", b"", "UTF-16 without byte-order mark"),
    ],
)
def test_encodings(tmp_path: Path, encoding: str, bom: bytes, note: str | None) -> None:
    src = tmp_path / "list.csv"
    text = "email,name\r\n" + "".join(f"{e},Zoë {i}\r\n" for i, e in enumerate(EMAILS))
    src.write_bytes(bom + text.encode(encoding))
    info = inspect_file(src)
    assert info.encoding_note == note
    report = hash_file(src, output=tmp_path / "out.csv")
    assert _hashes(tmp_path / "out.csv") == ["EMAIL_SHA256", *_expected(EMAILS)]
    assert report.rows == 3 and report.valid == 3


def test_latin1_is_a_declared_fallback(tmp_path: Path) -> None:
    src = tmp_path / "list.csv"
    src.write_bytes("email;name\nJosé@example.com;José\nanna@example.org;Ånna\n".encode("latin-1"))
    report = hash_file(src, output=tmp_path / "out.csv")
    assert report.encoding == "latin-1"
    assert report.encoding_note and "Latin-1" in report.encoding_note
    assert _hashes(tmp_path / "out.csv")[1:] == _expected(["josé@example.com", "anna@example.org"])


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiters_are_sniffed(tmp_path: Path, delimiter: str) -> None:
    src = tmp_path / "list.txt"
    rows = [["id", "E-Mail", "city"]] + [[str(i), e, "Paris"] for i, e in enumerate(EMAILS)]
    src.write_text("\n".join(delimiter.join(r) for r in rows) + "\n")
    info = inspect_file(src)
    assert info.delimiter == delimiter and info.has_header
    assert [c.name for c in info.identifier_columns] == ["E-Mail"]
    hash_file(src, output=tmp_path / "out.csv")
    assert _hashes(tmp_path / "out.csv")[1:] == _expected(EMAILS)


def test_no_header_and_detection_by_content(tmp_path: Path) -> None:
    src = tmp_path / "list.csv"
    src.write_text("".join(f"{i},{e}\n" for i, e in enumerate(EMAILS)))
    info = inspect_file(src)
    assert not info.has_header
    assert info.columns[1].detected == "email" and info.columns[1].by == "content"
    report = hash_file(src, output=tmp_path / "out.csv")
    assert report.rows == 3


def test_quoted_fields_blank_lines_and_crlf(tmp_path: Path) -> None:
    src = tmp_path / "export.csv"
    src.write_bytes(
        b'"Name","Email","Note"\r\n'
        b'"Doe, Jane","Person@Example.com","says ""hi"""\r\n'
        b"\r\n"
        b'"Roe, Rick","not an email","multi\r\nline note"\r\n'
        b'"Poe, Pat","anna@example.org",""\r\n'
    )
    report = hash_file(src, output=tmp_path / "out.csv", rejects=tmp_path / "rejects.csv")
    # every record after the header is a row read, the blank one too (issue 14)
    assert report.rows == 4 and report.blank == 1
    assert report.rows == report.valid + report.rejected + report.blank_cells
    assert _hashes(tmp_path / "out.csv")[1:] == _expected(
        ["Person@Example.com", "anna@example.org"]
    )
    assert (tmp_path / "rejects.csv").read_text().splitlines() == [
        "row,column,reason,value",
        "4,Email,invalid_email,not an email",
    ]


def test_single_column_with_blank_lines_keeps_row_numbers(tmp_path: Path) -> None:
    src = tmp_path / "list.csv"
    src.write_text("email\n\nPerson@Example.com\n   \nbroken@\nanna@example.org\n")
    report = hash_file(src, output=tmp_path / "out.csv")
    assert report.engine == "bytes" and report.blank == 2
    assert [(r.row, r.value) for r in report.reject_samples] == [(5, "broken@")]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"\n\n  \n", "only blank lines"),
        (b"email\n", "header but no data rows"),
        (b"PK\x03\x04\x14\x00\x06\x00" + bytes(200), "Excel workbook"),
        (bytes(range(256)) * 20, "binary"),
        (b"name,city\nAnna,Paris\nBob,Rome\n", "no email, phone or mobile ad id column"),
        (b"\xff\xfe\x00\x00abc", "UTF-32"),
    ],
)
def test_malformed_inputs_give_one_clear_line(tmp_path: Path, content: bytes, message: str) -> None:
    src = tmp_path / "input.csv"
    src.write_bytes(content)
    with pytest.raises(InputError) as info:
        hash_file(src, output=tmp_path / "out.csv")
    assert message in info.value.message
    assert "input.csv" in info.value.message and "\n" not in info.value.message
    assert not list(tmp_path.glob("out*")) and not list(tmp_path.glob(".out*"))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        inspect_file(tmp_path / "nope.csv")


def test_wrong_encoding_after_the_sample_names_the_row(tmp_path: Path) -> None:
    src = tmp_path / "list.csv"
    with src.open("wb") as fh:
        fh.write(b"email\n")
        for i in range(20_000):
            fh.write(f"user{i}@example.com\n".encode())
        fh.write("mañana@example.com\n".encode("latin-1"))
    info = inspect_file(src, sample_bytes=4096)
    assert info.encoding == "utf-8"
    with pytest.raises(InputError, match=r"row 20002 is not valid UTF-8"):
        hash_file(src, output=tmp_path / "out.csv", info=info, chunk_bytes=64 * 1024)
    assert not list(tmp_path.glob("out*"))


def test_a_2gb_sparse_file_is_refused_from_its_first_bytes(tmp_path: Path) -> None:
    src = tmp_path / "huge.csv"
    with src.open("wb") as fh:
        fh.truncate(2 * 1024**3)  # sparse: no disk space used
    with pytest.raises(InputError, match="binary"):
        hash_file(src, output=tmp_path / "out.csv")


@pytest.mark.parametrize("engine_file", ["single", "multi"])
def test_streaming_in_small_chunks_gives_the_same_result(tmp_path: Path, engine_file: str) -> None:
    src = tmp_path / "big.csv"
    lines = ["email,id" if engine_file == "multi" else "email"]
    for i in range(30_000):
        email = f"User{i % 25_000}@Example.com"
        lines.append(f"{email},{i}" if engine_file == "multi" else email)
    src.write_text("\n".join(lines) + "\n")
    whole = hash_file(src, output=tmp_path / "a.csv", chunk_bytes=1 << 30, batch_rows=10**9)
    pieces = hash_file(src, output=tmp_path / "b.csv", chunk_bytes=4096, batch_rows=500)
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert whole.to_json()["written"] == pieces.to_json()["written"] == 25_000
    assert pieces.duplicates == 5_000
    first = hashlib.sha256(b"user0@example.com").hexdigest()
    assert (tmp_path / "b.csv").read_text().splitlines()[1] == first


def test_column_and_type_override(tmp_path: Path) -> None:
    src = tmp_path / "list.csv"
    src.write_text("a,b\n+44 844 412 4653,x@example.com\n001-234-567-8910,y@example.com\n")
    info = inspect_file(src)
    assert [c.detected for c in info.columns] == ["phone", "email"]
    (only,) = select_columns(info, column="a")
    assert only.schema == "PHONE_SHA256"
    with pytest.raises(InputError, match="no column 'c'"):
        select_columns(info, column="c")
    hash_file(src, output=tmp_path / "out.csv", column="1", id_type="phone")
    assert _hashes(tmp_path / "out.csv")[1:] == [
        hashlib.sha256(b"448444124653").hexdigest(),
        hashlib.sha256(b"12345678910").hexdigest(),
    ]
