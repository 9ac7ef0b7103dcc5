"""The pipeline: process pool, order, de-duplication, outputs, rejects, progress, cancel."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import pytest

from snapdesk.audience import HashCancelled, HashProgress, hash_file, output_path_for
from snapdesk.audience import normalize as nz

TRICKY = [
    "Person@Example.com", "a!b#c@example.com", "a@x!y.com", "x@y.co-", "x@y.c0m", "a@x.123",
    "ümlaut@exämple.de", "A@B.COM\r", '"quoted@x.com"', "a-.b@x.com", "a@b-.c.com", "a@b.c",
    "\tTAB@example.org ", "sha@example.com", hashlib.sha256(b"x").hexdigest().upper(),
    "dup@example.com", "DUP@example.com", "a" * 70 + "@x.com", "Person@Example.com",
]  # fmt: skip


def _scalar_expectation(values: list[str]) -> tuple[list[str], int]:
    seen: dict[str, None] = {}
    rejected = 0
    for value in values:
        try:
            seen.setdefault(nz.normalize(value.strip('"\r'), "email").sha256)
        except nz.Rejected:
            rejected += 1
    return list(seen), rejected


@pytest.mark.parametrize("workers", [1, 2])
def test_both_engines_agree_with_the_scalar_rules(tmp_path: Path, workers: int) -> None:
    unquoted = [v for v in TRICKY if '"' not in v]
    single = tmp_path / "single.csv"
    single.write_bytes(("email\n" + "\n".join(unquoted) + "\n").encode())
    multi = tmp_path / "multi.csv"
    multi.write_text(
        "id;email\n" + "".join(f"{i};{v.strip(chr(13))}\n" for i, v in enumerate(TRICKY))
    )
    for src, engine, values in ((single, "bytes", unquoted), (multi, "rows", TRICKY)):
        expected, rejected = _scalar_expectation(values)
        out = tmp_path / f"{src.stem}.out.csv"
        report = hash_file(src, output=out, workers=workers, chunk_bytes=64)
        assert report.engine == engine
        assert out.read_text().splitlines() == ["EMAIL_SHA256", *expected]
        assert report.rejected == rejected
        assert report.prehashed == 1


def test_pool_with_many_chunks_keeps_first_seen_order(tmp_path: Path) -> None:
    src = tmp_path / "list.csv"
    values = [f"u{(i * 7919) % 5000}@example.com" for i in range(12_000)]
    src.write_text("email\n" + "\n".join(values) + "\n")
    report = hash_file(src, output=tmp_path / "out.csv", workers=2, chunk_bytes=2048)
    ordered = list(dict.fromkeys(hashlib.sha256(v.encode()).hexdigest() for v in values))
    assert (tmp_path / "out.csv").read_text().splitlines()[1:] == ordered
    assert report.duplicates == 12_000 - 5_000 and report.workers == 2


def test_keep_duplicates(tmp_path: Path) -> None:
    src = tmp_path / "list.csv"
    src.write_text("email\na@example.com\nA@example.com\nb@example.com\n")
    report = hash_file(src, output=tmp_path / "out.csv", keep_duplicates=True)
    lines = (tmp_path / "out.csv").read_text().splitlines()
    assert len(lines) == 4 and lines[1] == lines[2] and report.duplicates == 0


def test_several_schemas_write_one_file_each(tmp_path: Path) -> None:
    src = tmp_path / "crm.csv"
    src.write_text(
        "email,phone,idfa\n"
        "a@example.com,+44 844 412 4653,6D92078A-8246-4BA4-AE5B-76104861E7DC\n"
        "b@example.com,,\n"
    )
    out = tmp_path / "out.csv"
    report = hash_file(src, output=out)
    assert report.schemas == ("EMAIL_SHA256", "PHONE_SHA256", "MOBILE_AD_ID_SHA256")
    assert output_path_for(out, "PHONE_SHA256", several=True) == tmp_path / "out.PHONE_SHA256.csv"
    assert not out.exists()
    phones = (tmp_path / "out.PHONE_SHA256.csv").read_text().splitlines()
    assert phones == ["PHONE_SHA256", hashlib.sha256(b"448444124653").hexdigest()]
    assert (tmp_path / "out.EMAIL_SHA256.csv").read_text().count("\n") == 3
    assert report.empty == 2 and report.rejected == 0


def test_rejects_file_holds_only_the_rejected_cell(tmp_path: Path) -> None:
    src = tmp_path / "crm.csv"
    src.write_text(
        "name,email,phone\n"
        "Jane Secret,jane@example.com,07911 123456\n"
        "John Hidden,john(at)example.com,+44 7911 123456\n"
    )
    rejects = tmp_path / "rejects.csv"
    hash_file(src, output=tmp_path / "out.csv", rejects=rejects)
    text = rejects.read_text()
    assert text.splitlines() == [
        "row,column,reason,value",
        "2,phone,no_country_code,07911 123456",
        "3,email,invalid_email,john(at)example.com",
    ]
    assert "Secret" not in text and "Hidden" not in text and "jane@" not in text


def test_default_country_for_national_numbers(tmp_path: Path) -> None:
    src = tmp_path / "phones.csv"
    src.write_text("mobile\n07911 123456\n+33 6 12 34 56 78\n")
    hash_file(src, output=tmp_path / "out.csv", default_country="gb")
    assert (tmp_path / "out.csv").read_text().splitlines()[1:] == [
        hashlib.sha256(b"447911123456").hexdigest(),
        hashlib.sha256(b"33612345678").hexdigest(),
    ]
    with pytest.raises(ValueError, match="unknown country"):
        hash_file(src, output=tmp_path / "x.csv", default_country="XX")


def test_progress_reaches_one(tmp_path: Path) -> None:
    src = tmp_path / "list.csv"
    src.write_text("email\n" + "".join(f"u{i}@example.com\n" for i in range(5000)))
    seen: list[HashProgress] = []
    hash_file(src, output=tmp_path / "out.csv", progress=seen.append, chunk_bytes=4096)
    fractions = [p.fraction for p in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert seen[-1].rows == 5000


def test_cancel_writes_nothing(tmp_path: Path) -> None:
    src = tmp_path / "list.csv"
    src.write_text("email\n" + "".join(f"u{i}@example.com\n" for i in range(20_000)))
    flag = threading.Event()

    def stop_soon(p: HashProgress) -> None:
        if p.fraction > 0.2:
            flag.set()

    with pytest.raises(HashCancelled):
        hash_file(
            src,
            output=tmp_path / "out.csv",
            rejects=tmp_path / "rejects.csv",
            progress=stop_soon,
            cancel=flag,
            chunk_bytes=4096,
            workers=2,
        )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["list.csv"]


def test_hashing_in_a_worker_thread(tmp_path: Path) -> None:
    """The UI runs hash_file in a thread; the pool (spawn) must work from there."""
    src = tmp_path / "list.csv"
    src.write_text("email\n" + "".join(f"u{i}@example.com\n" for i in range(3000)))
    result: list[int] = []
    thread = threading.Thread(
        target=lambda: result.append(
            hash_file(src, output=tmp_path / "out.csv", workers=2, chunk_bytes=8192).written
        )
    )
    thread.start()
    thread.join(60)
    assert result == [3000]


@pytest.mark.parametrize("keep", [False, True])
def test_digest_sink_dedupes_exactly_even_on_prefix_collisions(tmp_path: Path, keep: bool) -> None:
    import io

    from snapdesk.audience._dedupe import DigestSink

    a = b"\x01" * 8 + b"A" * 24
    b = b"\x01" * 8 + b"B" * 24  # same 8-byte prefix as `a`, a different hash
    c = b"\xff" * 32
    stream = [a, b, c, b, a, c, b"\x02" * 32, b]
    out = io.BytesIO()
    sink = DigestSink(out, header="EMAIL_SHA256", keep_duplicates=keep, tmp_dir=tmp_path)
    try:
        sink.add(b"".join(stream[:3]))
        sink.add(b"".join(stream[3:]))
        sink.finish()
    finally:
        sink.close()
    expected = stream if keep else [a, b, c, b"\x02" * 32]
    assert out.getvalue().decode().splitlines() == ["EMAIL_SHA256", *(d.hex() for d in expected)]
    assert sink.duplicates == (0 if keep else 4)
    assert list(tmp_path.iterdir()) == []
