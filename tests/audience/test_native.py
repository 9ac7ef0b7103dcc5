"""The optional C accelerator (`_sha256batch`): SHA-256 against hashlib, the email chunk against
the scalar rules, and the whole pipeline with and without it (its absence is simulated)."""

from __future__ import annotations

import array
import hashlib
import os
import string
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from snapdesk.audience import _fast, hash_file
from snapdesk.core import identity as nz

native = pytest.importorskip("snapdesk.audience._sha256batch")
EXAMPLES = int(os.environ.get("HYPOTHESIS_EXAMPLES", "300"))
BACKENDS = native.backends()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> object:
    previous = native.backend()
    native.set_backend(request.param)
    yield request.param
    native.set_backend(previous)


GOLDEN = [  # FIPS 180-4 / NIST examples
    (b"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    (b"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
    (
        b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
    ),
    (b"a" * 1_000_000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"),
]


@pytest.mark.parametrize(("data", "expected"), GOLDEN)
def test_golden_vectors(backend: object, data: bytes, expected: str) -> None:
    assert native.sha256(data).hex() == expected
    if data:
        assert native.hash_lines(data).hex() == expected


def test_block_boundaries(backend: object) -> None:
    for n in [*range(0, 130), 191, 192, 193, 255, 256, 257, 1000, 4096, 10_007]:
        data = bytes((i * 31 + n) % 256 for i in range(n))
        assert native.sha256(data) == hashlib.sha256(data).digest(), n


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    st.lists(
        st.one_of(
            st.binary(max_size=200),
            st.sampled_from([55, 56, 63, 64, 65, 119, 120, 128]).flatmap(
                lambda n: st.binary(min_size=n, max_size=n)
            ),
            st.binary(min_size=500, max_size=3000),
        ),
        max_size=20,
    )
)
def test_batches_equal_hashlib(backend: object, values: list[bytes]) -> None:
    expected = b"".join(hashlib.sha256(v).digest() for v in values)
    offsets = array.array("q", [0])
    for v in values:
        offsets.append(offsets[-1] + len(v))
    assert native.hash_values(b"".join(values), offsets) == expected
    lines = [v.replace(b"\n", b"") for v in values]
    if lines:
        joined = b"\n".join(lines) + b"\n"  # every line ends with a newline, empty ones too
        assert native.hash_lines(joined) == b"".join(hashlib.sha256(v).digest() for v in lines)
    for v in values:
        assert native.sha256(v) == hashlib.sha256(v).digest()


def test_hash_values_checks_offsets() -> None:
    with pytest.raises(ValueError):
        native.hash_values(b"abc", array.array("q", [0, 5]))
    with pytest.raises(ValueError):
        native.hash_values(b"abc", array.array("q", [2, 1]))
    assert native.hash_values(b"abc", array.array("q", [0])) == b""


def test_hex_lines() -> None:
    digests = b"".join(hashlib.sha256(bytes([i])).digest() for i in range(50))
    assert native.hex_lines(digests) == b"".join(
        hashlib.sha256(bytes([i])).hexdigest().encode() + b"\n" for i in range(50)
    )
    with pytest.raises(ValueError):
        native.hex_lines(b"x" * 31)


# ---------------------------------------------------------------------------- email chunks

_atext = string.ascii_letters + string.digits + "!#$%&'*+/=?^_`{|}~-"
_label = st.text(alphabet=string.ascii_letters + string.digits + "-", min_size=0, max_size=66)
_local = st.text(alphabet=_atext + ".", min_size=0, max_size=70)
# Invisible characters (issue 14): the C path must never vouch for a line holding one, so the
# identity rules (which ignore them) decide it.
_INVISIBLE = ["\ufeff", "\u200b", "\u200c", "\u200d", "\u2060", "\u00ad", "\u202f", "\u200e"]
_emailish = st.builds(
    lambda pad1, local, inner, at, labels, pad2: (
        f"{pad1}{local}{inner}{at}{'.'.join(labels)}{pad2}"
    ),
    st.sampled_from(["", " ", "\t", "\r", "\x0b", "\x1c", " \xa0", "\u3000", *_INVISIBLE]),
    _local,
    st.sampled_from(["", "", "", "\u200b", "\u2060", "\u0301", "É"]),
    st.sampled_from(["@", "@", "@", "", "@@", "@x@"]),
    st.lists(_label, min_size=0, max_size=4),
    st.sampled_from(["", " ", "\t ", "\r", "\x0c", "\x1f", "\u2028", "\x85", *_INVISIBLE]),
)
_lines = st.one_of(
    _emailish,
    st.text(alphabet=string.printable.replace("\n", ""), max_size=40),
    st.text(max_size=30).map(lambda t: t.replace("\n", "")),
    st.binary(min_size=32, max_size=32).map(lambda b: b.hex().upper()),
    st.binary(min_size=32, max_size=32).map(lambda b: f" {b.hex()}\t"),
    st.binary(min_size=32, max_size=32).map(lambda b: f"\ufeff{b.hex()}\u200b"),
    st.sampled_from([16, 20, 64]).flatmap(  # MD5, SHA-1, SHA-512 hex: another hash
        lambda n: st.binary(min_size=n, max_size=n).map(bytes.hex)
    ),
    st.just("x" * 1100 + "@example.com"),
    st.just(" " * 1020 + "a@example.com"),
    st.just("a" * 64 + "@" + "b" * 63 + ".com"),
    st.just("a" * 65 + "@example.com"),
    st.just("a@" + ".".join(["b" * 63] * 3) + ".com"),
    st.just("a@" + "b" * 64 + ".com"),
    st.sampled_from(["", " ", '"a@b.com"', "a@b.c", "a@b.12", "a@1.2b", "A.B@C-D.EF"]),
)


def _python_chunk(data: bytes) -> _fast.ChunkOut:
    """The chunk as the pure-Python/numpy path computes it (the accelerator switched off)."""
    saved = _fast._native
    _fast._native = None
    try:
        return _fast.process_single_column(data, id_type="email", default_country=None, schema="S")
    finally:
        _fast._native = saved


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_lines, min_size=1, max_size=40), st.booleans(), st.booleans())
def test_email_chunks_equal_the_python_path_and_the_scalar_rules(
    lines: list[str], crlf: bool, final_newline: bool
) -> None:
    text = ("\r\n" if crlf else "\n").join(lines) + ("\n" if final_newline else "")
    data = text.encode("utf-8")
    ours = _fast.process_single_column(data, id_type="email", default_country=None, schema="S")
    assert ours == _python_chunk(data)
    # and both are the scalar rules, line by line
    expected: list[bytes] = []
    rejected: list[int] = []
    for i, line in enumerate(data.replace(b"\r\n", b"\n").decode().split("\n")):
        if i == ours.lines:
            break
        cell = line[:-1] if line.endswith("\r") else line
        if len(cell) > 1 and cell[0] == cell[-1] == '"':
            cell = cell[1:-1].replace('""', '"')  # a quoted cell
        if not nz.clean(cell):  # blank, or nothing but invisible characters
            continue
        try:
            expected.append(bytes.fromhex(nz.normalize(cell, "email").sha256))
        except nz.Rejected:
            rejected.append(i)
    assert ours.digests.get("S", b"") == b"".join(expected)
    assert [r[0] for r in ours.rejects] == rejected


def test_email_chunk_statuses() -> None:
    data = b"A@B.CO\n\n  \nnot an email\n" + b"ab" * 32 + b"\n\xc3\xa9@x.com"
    digests, status, flagged = native.email_chunk(data)
    assert list(status) == [
        native.HASHED,
        native.BLANK,
        native.BLANK,
        native.FLAGGED,
        native.PREHASHED,
        native.FLAGGED,
    ]
    assert digests[:32] == hashlib.sha256(b"a@b.co").digest()
    assert digests[128:160] == bytes.fromhex("ab" * 32)
    assert [(i, data[lo:hi]) for i, lo, hi in flagged] == [
        (3, b"not an email"),
        (5, "é@x.com".encode()),
    ]


def test_bad_utf8_names_the_same_line() -> None:
    data = b"a@b.com\n\xff@x.com\nc@d.com\n"
    with pytest.raises(_fast.BadEncoding) as ours:
        _fast.process_single_column(data, id_type="email", default_country=None, schema="S")
    with pytest.raises(_fast.BadEncoding) as python:
        _python_chunk(data)
    assert ours.value.line == python.value.line == 1


def test_phone_chunks_equal_the_python_path() -> None:
    data = b"+44 7911 123456\n0044 7911 123457\nn/a\n+1 (201) 555-0100\n+33 (0)6 12345678\n"
    ours = _fast.process_single_column(data, id_type="phone", default_country=None, schema="P")
    saved = _fast._native
    _fast._native = None
    try:
        python = _fast.process_single_column(
            data, id_type="phone", default_country=None, schema="P"
        )
        clean = b"+447911123456\n+12015550100\n"
        python_clean = _fast.process_single_column(
            clean, id_type="phone", default_country=None, schema="P"
        )
    finally:
        _fast._native = saved
    assert ours == python and ours.rejects and ours.valid["P"] == 4
    assert python_clean == _fast.process_single_column(
        clean, id_type="phone", default_country=None, schema="P"
    )


# ---------------------------------------------------------------------------- the pipeline


def _mixed_file(path: Path) -> None:
    rows = [
        "Email",
        *[f"User.{i % 700}@Example.com" for i in range(3000)],
        "  padded@example.org\t",
        "not an email",
        "",
        hashlib.sha256(b"x").hexdigest().upper(),
        "ümlaut@exämple.de",
        "a@b.c",
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("keep", [False, True])
def test_pipeline_is_identical_without_the_extension(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int, keep: bool
) -> None:
    src = tmp_path / "list.csv"
    _mixed_file(src)
    kwargs = {"workers": workers, "chunk_bytes": 4096, "keep_duplicates": keep}
    with_c = hash_file(src, output=tmp_path / "c.csv", rejects=tmp_path / "c.rej", **kwargs)
    monkeypatch.setattr(_fast, "_native", None)
    assert _fast.native() is None
    without = hash_file(src, output=tmp_path / "py.csv", rejects=tmp_path / "py.rej", **kwargs)
    assert (tmp_path / "c.csv").read_bytes() == (tmp_path / "py.csv").read_bytes()
    assert (tmp_path / "c.rej").read_bytes() == (tmp_path / "py.rej").read_bytes()
    a, b = with_c.to_json(), without.to_json()
    for report in (a, b):
        report.pop("elapsed_s")
        report.pop("rejects_file")
        report["lists"]["EMAIL_SHA256"].pop("output")
    assert a == b
    assert with_c.written == (3003 if keep else 703) and with_c.rejected == 2


def test_without_a_compiler_the_package_falls_back(tmp_path: Path) -> None:
    """What an installation without the compiled module sees (simulated in a fresh interpreter
    where importing it fails): `_fast` and `_dedupe` fall back to hashlib/numpy/binascii and
    `hash_file` writes the same file."""
    src = tmp_path / "list.csv"
    _mixed_file(src)
    hash_file(src, output=tmp_path / "c.csv", workers=1)
    code = (
        "import sys; sys.modules['snapdesk.audience._sha256batch'] = None\n"
        "from snapdesk.audience import _fast, _dedupe, hash_file\n"
        "assert _fast.native() is None\n"
        "hash_file(sys.argv[1], output=sys.argv[2], workers=2, chunk_bytes=4096)\n"
        "assert _dedupe._hex_lines(bytes(32)) == b'0' * 64 + b'\\n'\n"
    )
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    subprocess.run(
        [sys.executable, "-c", code, str(src), str(tmp_path / "py.csv")], check=True, env=env
    )
    assert (tmp_path / "c.csv").read_bytes() == (tmp_path / "py.csv").read_bytes()


def test_setup_declares_the_extension_optional() -> None:
    setup_py = (Path(__file__).resolve().parents[2] / "setup.py").read_text()
    assert "snapdesk.audience._sha256batch" in setup_py and "optional=True" in setup_py


# ---------------------------------------------------------------------------- phone chunks

_phone_sep = st.sampled_from(
    ["", " ", "-", "(", ")", ".", "/", "\t", "\xa0", "\u2013", "  ", *_INVISIBLE, "\u3000"]
)
_digit_run = st.text(alphabet=string.digits, min_size=0, max_size=12)
_phoneish = st.builds(
    lambda pad, prefix, parts, seps, tail: (
        pad + prefix + "".join(p + s for p, s in zip(parts, seps, strict=False)) + tail
    ),
    st.sampled_from(["", " ", "\t", "\u3000", "\ufeff", "\u200b"]),
    st.sampled_from(["+", "00", "0", "", "+0", "000", "+ ", "(+", "++", "1", "07", "020",
                     "+44 (0)", "+33(0)", "0044 (0)", "+39 0", "\ufeff+", "+\u2060"]),
    st.lists(_digit_run, min_size=0, max_size=5),
    st.lists(_phone_sep, min_size=5, max_size=5),
    st.sampled_from(["", " ", "x", " ext 12", "\r", "٣", "\x0c", " FLOWERS", "ABC", "\ufeff"]),
)  # fmt: skip
_phone_lines = st.one_of(
    _phoneish,
    _phoneish,
    st.text(alphabet=string.digits + " +-()", max_size=24),
    st.text(max_size=20).map(lambda t: t.replace("\n", "")),
    st.binary(min_size=32, max_size=32).map(lambda b: b.hex().upper()),
    st.just("0" * 64),
    st.just("1" * 1030),
    st.sampled_from(["", '"+44 7911 123456"', "+44 20 7946 0958", "07911 123456", "+1 201 555",
                     "+1 800 FLOWERS", "1-800-FLOWERS", "+44 (0)20 7946 0958", "(415) 555-2671",
                     "\ufeff+44 844 412 4653", "+44\u00a0844\u200b412 4653", "06 1234 5678"]),
    st.binary(min_size=16, max_size=16).map(bytes.hex),  # an MD5 hex: another hash
)  # fmt: skip


def _scalar_expectation(data: bytes, lines: int, country: str | None) -> tuple[bytes, list[int]]:
    expected: list[bytes] = []
    rejected: list[int] = []
    for i, line in enumerate(data.replace(b"\r\n", b"\n").decode().split("\n")):
        if i == lines:
            break
        cell = line[:-1] if line.endswith("\r") else line
        if len(cell) > 1 and cell[0] == cell[-1] == '"':
            cell = cell[1:-1].replace('""', '"')
        if not nz.clean(cell):  # blank, or nothing but invisible characters
            continue
        try:
            expected.append(
                bytes.fromhex(nz.normalize(cell, "phone", default_country=country).sha256)
            )
        except nz.Rejected:
            rejected.append(i)
    return b"".join(expected), rejected


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(_phone_lines, min_size=1, max_size=40),
    st.sampled_from([None, "GB", "US", "DE", "FR", "IN", "RU", "JP", "BR", "IT", "AU"]),
    st.booleans(),
)
def test_phone_chunks_equal_the_python_path_and_the_scalar_rules(
    lines: list[str], country: str | None, crlf: bool
) -> None:
    data = (("\r\n" if crlf else "\n").join(lines) + "\n").encode("utf-8")
    ours = _fast.process_single_column(data, id_type="phone", default_country=country, schema="P")
    saved = _fast._native
    _fast._native = None
    try:
        python = _fast.process_single_column(
            data, id_type="phone", default_country=country, schema="P"
        )
    finally:
        _fast._native = saved
    assert ours == python
    digests, rejected = _scalar_expectation(data, ours.lines, country)
    assert ours.digests.get("P", b"") == digests
    assert [r[0] for r in ours.rejects] == rejected


def test_national_numbers_that_miss_the_pattern_go_to_the_rules() -> None:
    # 07911 123456 matches GB's pattern; 01000 000000 has a possible length but no GB number
    # starts 1000, so the pattern check sends it to phonenumbers (which rejects or accepts it
    # exactly as the scalar rules do).
    data = b"07911 123456\n01000 000000\n+44 7911 123457\n020 7946 0958\n"
    digests, status, flagged, national_rows, blob = native.phone_chunk(
        data, _fast._phone_table(), _fast._national_rule("GB").args
    )
    assert national_rows == [0, 1, 3] and flagged == []
    assert blob == b"7911123456\n1000000000\n2079460958\n"
    assert list(status) == [native.NATIONAL, native.NATIONAL, native.HASHED, native.NATIONAL]
    assert digests[64:96] == hashlib.sha256(b"447911123457").digest()
    ours = _fast.process_single_column(data, id_type="phone", default_country="GB", schema="P")
    expected, rejected = _scalar_expectation(data, 4, "GB")
    assert ours.digests["P"] == expected and [r[0] for r in ours.rejects] == rejected


# ---------------------------------------------------------------------------- de-duplication

_M1, _M2, _MASK = 0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53, (1 << 64) - 1


def _mix(x: int) -> int:
    x ^= x >> 33
    x = (x * _M1) & _MASK
    x ^= x >> 33
    x = (x * _M2) & _MASK
    return x ^ (x >> 33)


def _unmix(y: int) -> int:
    y ^= y >> 33
    y = (y * pow(_M2, -1, 1 << 64)) & _MASK
    y ^= y >> 33
    y = (y * pow(_M1, -1, 1 << 64)) & _MASK
    return y ^ (y >> 33)


def _colliding(key: int, tail: tuple[int, int, int]) -> bytes:
    """A digest whose table key (see digest_key in the C source) is `key`."""
    import struct

    w1, w2, w3 = tail
    inner = _mix(w1 ^ _mix(w2 ^ _mix((w3 + 0x9E3779B97F4A7C15) & _MASK)))
    return struct.pack("<4Q", _unmix(key) ^ inner, w1, w2, w3)


def _sink_output(
    digests: list[bytes], tmp_path: Path, *, batch: int, name: str, **kwargs: object
) -> tuple[list[str], int, bool]:
    from snapdesk.audience._dedupe import DigestSink

    path = tmp_path / name
    spool = tmp_path / f"{name}-tmp"
    spool.mkdir()
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC)
    with os.fdopen(fd, "wb") as out:
        sink = DigestSink(
            out, header="H", keep_duplicates=False, tmp_dir=spool, out_fd=fd, **kwargs
        )
        try:
            for start in range(0, len(digests), batch):
                sink.add(b"".join(digests[start : start + batch]))
            in_memory = sink.in_memory
            sink.finish()
        finally:
            sink.close()
    assert list(spool.iterdir()) == []
    assert sink.written == len(path.read_text().splitlines()) - 1
    return path.read_text().splitlines(), sink.duplicates, in_memory


def test_table_confirms_equal_keys_against_the_digest_written_earlier(tmp_path: Path) -> None:
    key = 0x0123456789ABCDEF
    a, b, c = (_colliding(key, t) for t in [(1, 2, 3), (4, 5, 6), (7, 8, 9)])
    assert len({a, b, c}) == 3
    other = hashlib.sha256(b"x").digest()
    stream = [a, b, a, other, c, b, c, a, other]  # first occurrences: a b other c
    for batch in (1, 2, 4, 9):  # earlier digests in the same batch and read back from the file
        lines, duplicates, in_memory = _sink_output(
            stream, tmp_path, batch=batch, name=f"out{batch}"
        )
        assert in_memory
        assert lines == ["H", a.hex(), b.hex(), other.hex(), c.hex()]
        assert duplicates == 5


def test_table_over_budget_switches_to_the_buckets_with_the_same_result(tmp_path: Path) -> None:
    import random

    rnd = random.Random(3)
    pool = [hashlib.sha256(str(i).encode()).digest() for i in range(70_000)]
    stream = [pool[rnd.randrange(len(pool))] for _ in range(150_000)]
    first_seen = list(dict.fromkeys(stream))
    roomy, d1, mem1 = _sink_output(stream, tmp_path, batch=20_000, name="roomy")
    # 65,536 slots fit 1 MiB; ~49,000 distinct digests later the table must give up
    tight, d2, mem2 = _sink_output(
        stream, tmp_path, batch=20_000, name="tight", memory_budget=1 << 20
    )
    assert mem1 and not mem2
    assert roomy == tight == ["H", *(d.hex() for d in first_seen)]
    assert d1 == d2 == len(stream) - len(first_seen)


def test_table_grows_past_its_estimate(tmp_path: Path) -> None:
    stream = [hashlib.sha256(str(i % 90_000).encode()).digest() for i in range(120_000)]
    lines, duplicates, in_memory = _sink_output(
        stream, tmp_path, batch=7_000, name="grow", expected_rows=10
    )
    assert in_memory and duplicates == 30_000
    assert lines[1:] == [d.hex() for d in stream[:90_000]]
