"""Seed 003's user-data normalization and hashing, with the golden vectors of snap-api.md §5."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from snapdesk.conversions.normalize import (
    PUNCTUATION,
    NormalizationError,
    hash_user_value,
    normalize_city,
    normalize_country,
    normalize_email,
    normalize_gender,
    normalize_madid,
    normalize_name,
    normalize_phone,
    normalize_state,
    normalize_zip,
    sha256_hex,
)


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.mark.parametrize(
    ("field", "raw", "expected"),
    [
        ("fn", "John", "96d9632f363564cc3032521409cf22a852f2032eec099ed5967c0d000cec607a"),
        ("fn", "Raphaël", "e74bb89e718fe1e19c422a48382870399f8bf7ca8dfa008739e75b0be76627b7"),
        # the same name typed with a combining diaeresis (NFD) hashes the same
        ("fn", "Raphae\u0308l", "e74bb89e718fe1e19c422a48382870399f8bf7ca8dfa008739e75b0be76627b7"),
        (
            "em",
            "   Test123@gmail.com    ",
            "cc779c04191c2e736d89e45c11339c8382832bcaf70383f7df94e3d08ba7a6d9",
        ),
        (
            "em",
            "Person@Example.com",
            "542d240129883c019e106e3b1b2d3f3cb3537c43c425364de8e951d5a3083345",
        ),
        (
            "ph",
            "+44 844 412 4653",
            "dc008fda46e2e64002cf2f82a4906236282d431c4f75e5b60bfe79fc48546383",
        ),
    ],
)
def test_golden_hashes(field: str, raw: str, expected: str) -> None:
    hashed = hash_user_value(field, raw)
    assert hashed.value == expected
    assert hashed.how == "hashed"


# --- em: "Spaces are trimmed - Converted to lowercase - Must be valid email format"


def test_email_trimmed_lowercased() -> None:
    assert normalize_email("  Person@Example.COM ") == "person@example.com"


@pytest.mark.parametrize(
    "bad", ["not-an-email", "a@b", "a b@example.com", "@example.com", "a@@b.com"]
)
def test_email_must_be_valid(bad: str) -> None:
    with pytest.raises(NormalizationError, match="e-mail"):
        normalize_email(bad)


# --- ph: Snap's rules, identity's implementation (snapdesk.core.identity): E.164 digits, "00"
# and the national trunk 0 after the country code dropped, no other characters; a number
# without country code is read with a default country or rejected (issue 14)


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("+44 844 412 4653", "448444124653"),
        ("0044 844 412 4653", "448444124653"),
        ("0033 6 12 34 56 78", "33612345678"),
        ("+1-415-555-0134", "14155550134"),
        ("+44 (0)20 7946 0958", "442079460958"),  # the trunk 0, not 4402079460958
        ("+39 06 1234 5678", "390612345678"),  # Italy's leading 0 is part of the number
        ("\ufeff+44 844 412 4653\u200b", "448444124653"),  # invisible characters ignored
    ],
)
def test_phone_normalization(raw: str, normalized: str) -> None:
    assert normalize_phone(raw) == normalized


@pytest.mark.parametrize("raw", ["(415) 555-0134", "07700 900123", "4155552671"])
def test_phone_without_country_code_is_rejected_without_a_country(raw: str) -> None:
    # its digits alone (4155550134, 7700900123) could match no one: never hashed bare
    with pytest.raises(NormalizationError, match="without country code") as info:
        normalize_phone(raw)
    assert "default country in Preferences" in info.value.reason


@pytest.mark.parametrize(
    ("raw", "country", "default", "normalized"),
    [
        ("(415) 555-0134", None, "US", "14155550134"),
        ("07700 900123", None, "GB", "447700900123"),
        ("07700 900123", "United Kingdom", None, "447700900123"),
        ("07700 900123", "gb", "US", "447700900123"),  # the row's country comes first
        ("(415) 555-0134", "Atlantis", "US", "14155550134"),  # not a country: the default
        ("06 1234 5678", "IT", None, "390612345678"),
        ("+33 6 12 34 56 78", "US", "US", "33612345678"),  # an explicit code always wins
    ],
)
def test_phone_without_country_code_read_in_the_rows_or_the_default_country(
    raw: str, country: str | None, default: str | None, normalized: str
) -> None:
    assert normalize_phone(raw, country=country, default_country=default) == normalized
    hashed = hash_user_value("ph", raw, country=country, default_country=default)
    assert hashed.value == sha(normalized)


@pytest.mark.parametrize("bad", ["n/a", "+1 800 FLOWERS", "1-800-FLOWERS", "+44 20 7946 0958 x12"])
def test_phone_with_letters_is_rejected(bad: str) -> None:
    with pytest.raises(NormalizationError, match="not a phone number"):
        normalize_phone(bad, default_country="US")


# --- fn / ln: lowercase, punctuation removed, UTF-8


def test_names_lose_punctuation_and_case() -> None:
    assert normalize_name("O'Neil") == "oneil"
    assert normalize_name("Dupont-Léger") == "dupontléger"
    assert normalize_name("Mary Ann") == "mary ann"
    assert normalize_name("J.R.R.") == "jrr"


def test_every_listed_punctuation_mark_is_removed() -> None:
    listed = ". , ! ? ; : - — \" ' ( ) [ ] { } / _ & * + = @ # $ % ^ ~ |".split()
    assert set(listed) == set(PUNCTUATION)
    assert normalize_name("a" + "".join(listed) + "b") == "ab"
    assert normalize_city("a" + "".join(listed) + "b") == "ab"


# --- ge: lowercase, f or m


@pytest.mark.parametrize(("raw", "out"), [("F", "f"), ("m", "m"), ("Female", "f"), ("MALE", "m")])
def test_gender(raw: str, out: str) -> None:
    assert normalize_gender(raw) == out


def test_gender_other_values_rejected() -> None:
    with pytest.raises(NormalizationError, match="'f' or 'm'"):
        normalize_gender("x")


# --- ct: lowercase, punctuation and spaces removed


def test_city() -> None:
    assert normalize_city("New York") == "newyork"
    assert normalize_city("St. John's") == "stjohns"
    assert normalize_city("São Paulo") == "sãopaulo"


# --- st: 2-character ANSI code for US, lowercase, no punctuation/special chars/spaces


def test_state() -> None:
    assert normalize_state("CA") == "ca"
    assert normalize_state("California") == "ca"
    assert normalize_state("new  york") == "ny"
    assert normalize_state("Île-de-France") == "îledefrance"
    assert normalize_state("N.S.W.") == "nsw"


# --- zp: lowercase, spaces and '-' removed, US 5 digits


def test_zip() -> None:
    assert normalize_zip("SW1A 1AA") == "sw1a1aa"
    assert normalize_zip("94107-1234") == "94107"
    assert normalize_zip("941071234", country="US") == "94107"
    assert normalize_zip("1234-567", country="PT") == "1234567"
    assert normalize_zip("94107") == "94107"


def test_zip_uses_the_rows_country() -> None:
    assert hash_user_value("zp", "941071234", country="United States").value == sha("94107")
    assert hash_user_value("zp", "941071234", country="DE").value == sha("941071234")


# --- country: 2-letter ISO 3166-1 alpha-2, lowercase


@pytest.mark.parametrize(
    "raw", ["US", "us", "USA", "United States", "united states of america", " usa "]
)
def test_country_to_alpha2(raw: str) -> None:
    assert normalize_country(raw) == "us"


def test_country_names_with_accents() -> None:
    assert normalize_country("Côte d'Ivoire") == "ci"
    assert normalize_country("United Kingdom") == "gb"
    assert normalize_country("DEU") == "de"


def test_unknown_country_rejected() -> None:
    with pytest.raises(NormalizationError, match="ISO 3166"):
        normalize_country("Atlantis")


# --- madid: lowercase, not hashed; identity's IDFA/GAID rules


def test_madid_lowercase() -> None:
    assert normalize_madid(" 6D92078A-8246-4BA4-AE5B-76104861E7DC ") == (
        "6d92078a-8246-4ba4-ae5b-76104861e7dc"
    )
    assert normalize_madid("\ufeff6D92078A-8246-4BA4-AE5B-76104861E7DC") == (
        "6d92078a-8246-4ba4-ae5b-76104861e7dc"
    )


@pytest.mark.parametrize(
    "bad", ["123ABC", "6d92078a82464ba4ae5b76104861e7dc", "00000000-0000-0000-0000-000000000000"]
)
def test_madid_must_be_an_advertiser_id(bad: str) -> None:
    with pytest.raises(NormalizationError, match="advertiser id"):
        normalize_madid(bad)


# --- external_id: hashed (trimmed, case kept)


def test_external_id_hashed_case_kept() -> None:
    assert hash_user_value("external_id", " LOYALTY-88121 ").value == sha("LOYALTY-88121")


# --- Hashed Field Handling


def test_sha256_passes_through_lowercased() -> None:
    digest = sha("person@example.com")
    for field in ("em", "ph", "fn", "country", "zp"):
        hashed = hash_user_value(field, digest.upper())
        assert hashed.value == digest
        assert hashed.how == "passthrough"


def test_other_hashes_are_raw_data_and_rehashed() -> None:
    md5 = hashlib.md5(b"John").hexdigest()
    sha1 = hashlib.sha1(b"John").hexdigest()
    for raw in (md5, sha1, md5.upper()):
        for field in ("fn", "ln", "ct", "external_id"):
            hashed = hash_user_value(field, raw)  # no format check for hashed data
            assert hashed.how == "rehashed"
            assert hashed.value == sha(raw.lower())


def test_other_hashes_of_emails_and_phones_are_rejected() -> None:
    # Changed by issue 14: em and ph follow the identity rules customer lists follow. Snap
    # matches only SHA-256 of the normalized value, so the SHA-256 of an MD5 digest matches no
    # one; seed 003 itself validates raw e-mails, and no digest is an e-mail address.
    md5 = hashlib.md5(b"person@example.com").hexdigest()
    sha1 = hashlib.sha1(b"person@example.com").hexdigest()
    for raw in (md5, sha1, md5.upper()):
        for field in ("em", "ph"):
            with pytest.raises(NormalizationError, match="another function than SHA-256"):
                hash_user_value(field, raw)


@given(st.emails())
def test_hashing_is_idempotent(email: str) -> None:
    first = hash_user_value("em", email).value
    assert len(first) == 64
    assert hash_user_value("em", first).value == first


@given(st.text(min_size=1).filter(lambda s: any(c.isalnum() for c in s)))
def test_name_normalization_is_stable(text: str) -> None:
    once = normalize_name(text)
    assert normalize_name(once) == once
    assert not set(once) & PUNCTUATION


def test_sha256_hex() -> None:
    assert sha256_hex("john") == "96d9632f363564cc3032521409cf22a852f2032eec099ed5967c0d000cec607a"
