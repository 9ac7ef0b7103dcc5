"""Normalization and hashing: golden vectors (reference §5) and properties (hypothesis)."""

from __future__ import annotations

import hashlib
import os
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from snapdesk.audience import _fast
from snapdesk.audience import normalize as nz

GOLDEN = [
    ("email", "Person@Example.com", "542d240129883c019e106e3b1b2d3f3cb3537c43c425364de8e951d5a3083345"),
    ("email", "   Test123@gmail.com    ", "cc779c04191c2e736d89e45c11339c8382832bcaf70383f7df94e3d08ba7a6d9"),
    ("phone", "+44 844 412 4653", "dc008fda46e2e64002cf2f82a4906236282d431c4f75e5b60bfe79fc48546383"),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "raw", "expected"), GOLDEN)
def test_golden_hashes(kind: str, raw: str, expected: str) -> None:
    assert nz.hash_identifier(raw, kind) == expected


def test_golden_normalized_values() -> None:
    assert nz.normalize_email("Person@Example.com") == "person@example.com"
    assert nz.normalize_phone("+44 844 412 4653") == "448444124653"
    assert nz.normalize_phone("001-234-567-8910") == "12345678910"


@pytest.mark.parametrize(
    ("raw", "country", "expected"),
    [
        ("+44 (0)20 7946 0958", None, "442079460958"),  # trunk 0 after the country code
        ("0044 20 7946 0958", None, "442079460958"),
        ("+39 06 1234 5678", None, "390612345678"),  # Italy keeps its leading 0
        ("07911 123456", "GB", "447911123456"),  # national, explicit default country
        ("447911123456", "GB", "447911123456"),
        ("(212) 555-1234", "US", "12125551234"),
        ("+1 (212) 555-1234", "GB", "12125551234"),  # explicit code wins over the default
        # a significant leading 0 stays, written nationally too (it gave 39212345678)
        ("02 1234 5678", "IT", "390212345678"),
        ("0549 886377", "SM", "3780549886377"),
        ("01 23 45 6789", "CI", "2250123456789"),
        ("\ufeff+44\u00a0(0)20\u200b7946 0958\u2060", None, "442079460958"),  # invisible
        ("(415) 555-2671", "US", "14155552671"),
    ],
)
def test_phone_rules(raw: str, country: str | None, expected: str) -> None:
    assert nz.normalize_phone(raw, default_country=country) == expected


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("07911 123456", nz.NO_COUNTRY_CODE),  # never guess a country
        ("2125551234", nz.NO_COUNTRY_CODE),
        ("+999 1234 5678", nz.UNKNOWN_COUNTRY_CODE),
        ("+44 12", nz.INVALID_PHONE),
        ("call me", nz.INVALID_PHONE),
        ("+44 20 7946 0958 ext 12", nz.INVALID_PHONE),
        ("+1 800 FLOWERS", nz.INVALID_PHONE),  # letters: not read as a vanity number
        ("1-800-FLOWERS", nz.INVALID_PHONE),
        ("(415) 555-2671", nz.NO_COUNTRY_CODE),
        ("d41d8cd98f00b204e9800998ecf8427e", nz.OTHER_HASH),  # an MD5 hex
    ],
)
def test_phone_rejects(raw: str, reason: str) -> None:
    with pytest.raises(nz.Rejected) as info:
        nz.normalize_phone(raw)
    assert info.value.reason == reason


@pytest.mark.parametrize(
    "raw", ["a@b", "a..b@x.com", ".a@x.com", "a.@x.com", "a@-x.com", "a@x-.com", "a@x.c",
            "a@1.2.3.4", "a b@x.com", "a@b@c.com", "@x.com", "a@x..com", "a@_x.com", ""]
)  # fmt: skip
def test_email_rejects(raw: str) -> None:
    with pytest.raises(nz.Rejected):
        nz.normalize_email(raw)


def test_email_accepts_plus_tags_and_international_addresses() -> None:
    assert nz.normalize_email(" A.B+tag@Sub.Example.CO.uk ") == "a.b+tag@sub.example.co.uk"
    assert nz.normalize_email("JOSÉ@Exämple.de") == "josé@exämple.de"


@pytest.mark.parametrize("mark", ["\ufeff", "\u200b", "\u200c", "\u200d", "\u2060", "\u00ad"])
def test_invisible_characters_are_ignored(mark: str) -> None:
    assert nz.normalize_email(f"{mark}Per{mark}son@Example.com{mark}") == "person@example.com"
    assert nz.normalize_phone(f"{mark}+44 844{mark} 412 4653") == "448444124653"
    maid = f"{mark}6D92078A-8246-4BA4-AE5B-76104861E7DC{mark}"
    assert nz.normalize_maid(maid) == "6d92078a-8246-4ba4-ae5b-76104861e7dc"
    digest = hashlib.sha256(b"x").hexdigest()
    assert nz.normalize(f"{mark}{digest.upper()}{mark}", "email") == nz.Normalized(digest, True)


def test_emails_are_nfc() -> None:
    assert nz.normalize_email("Jose\u0301@example.com") == "jos\u00e9@example.com"


def test_other_hashes_are_rejected_not_rehashed() -> None:
    md5 = hashlib.md5(b"someone@example.com").hexdigest()
    sha1 = hashlib.sha1(b"someone@example.com").hexdigest()
    for kind in ("email", "phone"):
        for value in (md5, sha1.upper()):
            with pytest.raises(nz.Rejected) as info:
                nz.normalize(value, kind)
            assert info.value.reason == nz.OTHER_HASH


def test_maid_rules() -> None:
    raw = " 6D92078A-8246-4BA4-AE5B-76104861E7DC "
    assert nz.normalize_maid(raw) == "6d92078a-8246-4ba4-ae5b-76104861e7dc"
    with pytest.raises(nz.Rejected) as info:
        nz.normalize_maid(nz.ZERO_UUID)
    assert info.value.reason == nz.ZERO_MAID
    with pytest.raises(nz.Rejected):
        nz.normalize_maid("6d92078a82464ba4ae5b76104861e7dc")


def test_prehashed_passes_through_lowercased() -> None:
    value = hashlib.sha256(b"someone@example.com").hexdigest()
    for kind in nz.ID_TYPES:
        out = nz.normalize(value.upper(), kind)
        assert out.prehashed and out.value == value and out.sha256 == value


# ---------------------------------------------------------------------------- properties

_local = st.text(alphabet=string.ascii_letters + string.digits + "._+-", min_size=1, max_size=20)
_label = st.text(alphabet=string.ascii_letters + string.digits + "-", min_size=1, max_size=12)
emails = st.builds(
    lambda local, labels, tld, pad: f"{pad}{local}@{'.'.join(labels)}.{tld}{pad}",
    _local,
    st.lists(_label, min_size=1, max_size=3),
    st.text(alphabet=string.ascii_letters, min_size=2, max_size=6),
    st.sampled_from(["", " ", "\t", "  "]),
)
phones = st.builds(
    lambda cc, rest, sep, prefix: prefix + cc + sep + sep.join(rest),
    st.sampled_from(["1", "44", "49", "33", "39", "7", "81", "353", "971"]),
    st.lists(st.text(alphabet=string.digits, min_size=2, max_size=4), min_size=2, max_size=4),
    st.sampled_from(["", " ", "-", "."]),
    st.sampled_from(["+", "00", "+ "]),
)
maids = st.uuids().map(lambda u: str(u).upper() if u.int % 2 else str(u))
hex64 = st.binary(min_size=32, max_size=32).map(lambda b: b.hex().upper())
anything = st.one_of(
    st.tuples(st.just("email"), emails),
    st.tuples(st.just("phone"), phones),
    st.tuples(st.just("maid"), maids),
    st.tuples(st.sampled_from(["email", "phone", "maid"]), hex64),
    st.tuples(st.sampled_from(["email", "phone", "maid"]), st.text(max_size=40)),
)


def _normalized(kind: str, raw: str) -> nz.Normalized | None:
    try:
        return nz.normalize(raw, kind)
    except nz.Rejected:
        return None


@settings(
    max_examples=int(os.environ.get("HYPOTHESIS_EXAMPLES", "400")),
    suppress_health_check=[HealthCheck.too_slow],
)
@given(anything)
def test_normalization_is_idempotent_and_hash_is_sha256_of_it(case: tuple[str, str]) -> None:
    kind, raw = case
    norm = _normalized(kind, raw)
    if norm is None or not nz.clean(raw):
        return
    digest = norm.sha256
    assert len(digest) == 64 and set(digest) <= set("0123456789abcdef")
    if norm.prehashed:
        assert digest == nz.clean(raw).lower()  # passes through, not hashed again
        return
    assert digest == hashlib.sha256(norm.value.encode("utf-8")).hexdigest()
    again = nz.normalize("+" + norm.value if kind == "phone" else norm.value, kind)
    assert again.value == norm.value  # idempotent (a phone's normal form is E.164 digits)


@settings(
    max_examples=int(os.environ.get("HYPOTHESIS_EXAMPLES", "300")),
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.sampled_from(["email", "phone", "maid"]), st.lists(anything, min_size=1, max_size=40))
def test_vectorized_chunks_equal_the_scalar_rules(kind: str, cases: list[tuple[str, str]]) -> None:
    lines = [raw.replace("\n", " ").replace("\r", " ") for _, raw in cases]
    data = ("\n".join(lines) + "\n").encode("utf-8")
    out = _fast.process_single_column(data, id_type=kind, default_country=None, schema="S")
    expected: list[bytes] = []
    rejected: list[int] = []
    for i, line in enumerate(data.decode("utf-8").split("\n")[:-1]):
        if not nz.clean(line):  # blank, or nothing but invisible characters
            continue
        norm = _normalized(kind, line)
        if norm is None:
            rejected.append(i)
        else:
            expected.append(bytes.fromhex(norm.sha256))
    assert out.digests["S"] == b"".join(expected)
    assert [r[0] for r in out.rejects] == rejected
