"""The one identity module (issue 14): the issue's examples, the phone corpus against
phonenumbers' own E.164, and that the pipelines use it rather than rules of their own. (Snap's
golden vectors are in tests/audience/test_normalize.py and tests/conversions/test_normalize.py,
which go through the pipelines' names for these functions.)"""

from __future__ import annotations

import ast
import csv
from pathlib import Path

import phonenumbers
import pytest

from snapdesk.core import identity

CORPUS = Path(__file__).parent / "data" / "phone_corpus.csv"
PKG = Path(__file__).resolve().parents[2] / "snapdesk"


@pytest.mark.parametrize(
    ("raw", "country", "expected"),
    [
        ("+44 (0)20 7946 0958", None, "442079460958"),
        ("0044 (0)20 7946 0958", None, "442079460958"),
        ("(415) 555-2671", "US", "14155552671"),
        ("+39 06 1234 5678", None, "390612345678"),
        ("06 1234 5678", "IT", "390612345678"),
        ("\ufeff+44 844 412 4653", None, "448444124653"),
    ],
)
def test_the_issues_phone_examples(raw: str, country: str | None, expected: str) -> None:
    assert identity.normalize_phone(raw, default_country=country) == expected


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("(415) 555-2671", identity.NO_COUNTRY_CODE),
        ("+1 800 FLOWERS", identity.INVALID_PHONE),
        ("+44 20 7946 0958 ext 12", identity.INVALID_PHONE),
        ("+999 1234 5678", identity.UNKNOWN_COUNTRY_CODE),
        ("+44 12", identity.INVALID_PHONE),
        ("+44 7911 123456 7890 12", identity.INVALID_PHONE),
    ],
)
def test_phone_rejections(raw: str, reason: str) -> None:
    with pytest.raises(identity.Rejected) as info:
        identity.normalize_phone(raw)
    assert info.value.reason == reason
    assert str(info.value) == identity.describe_reason(reason)


def test_every_reason_has_words() -> None:
    codes = [
        identity.INVALID_EMAIL, identity.INVALID_PHONE, identity.NO_COUNTRY_CODE,
        identity.UNKNOWN_COUNTRY_CODE, identity.INVALID_MAID, identity.ZERO_MAID,
        identity.OTHER_HASH, identity.TOO_LONG,
    ]  # fmt: skip
    assert sorted(identity.REASONS) == sorted(codes)
    assert all(identity.describe_reason(c) for c in codes)


@pytest.mark.parametrize(
    "mark",
    ["\ufeff", "\u200b", "\u200c", "\u200d", "\u2060", "\u2061", "\u00ad", "\u200e", "\u202e",
     "\u2066", "\u034f", "\ufe0f", "\u180e", "\U000e0001"],
)  # fmt: skip
def test_invisible_characters(mark: str) -> None:
    assert identity.strip_invisible(f"a{mark}b{mark}") == "ab"
    assert identity.clean(f" {mark}\u00a0x\u00a0{mark} ") == "x"
    assert identity.clean(mark * 3) == ""  # blank


def test_visible_text_is_kept() -> None:
    for text in ("josé", "日本語", "\u00a0a b\u00a0", "a\u0301"):
        assert identity.strip_invisible(text) == text


def test_a_blank_value_is_not_an_identifier() -> None:
    with pytest.raises(identity.Rejected):
        identity.normalize_email("\ufeff")


def test_too_long_is_measured_after_trimming() -> None:
    assert identity.normalize(" " * 2000 + "a@example.com", "email").value == "a@example.com"
    with pytest.raises(identity.Rejected) as info:
        identity.normalize("a" * 2000 + "@example.com", "email")
    assert info.value.reason == identity.TOO_LONG


def test_known_region() -> None:
    assert identity.known_region("gb") == "GB"
    assert identity.known_region(" us ") == "US"
    assert identity.known_region("XX") is None
    assert identity.known_region("United Kingdom") is None
    assert identity.known_region(None) is None
    with pytest.raises(ValueError, match="two-letter ISO code"):
        identity.check_country("XX")


def _corpus() -> list[dict[str, str]]:
    with CORPUS.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_the_corpus_expectations_are_phonenumbers_own() -> None:
    """The corpus' expected digits are what phonenumbers itself formats as E.164 (an oracle
    that shares no code with identity)."""
    for row in _corpus():
        raw, region = row["raw"], row["default_country"] or None
        if region is None and raw.startswith("00"):
            raw = "+" + raw[2:]  # phonenumbers needs a region to read an international prefix
        parsed = phonenumbers.parse(raw, region)
        e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
        assert e164 == "+" + row["e164_digits"], row


def test_the_corpus_normalizes_to_e164() -> None:
    rows = _corpus()
    assert len(rows) >= 150 and len({r["region"] for r in rows}) >= 20
    for row in rows:
        got = identity.normalize_phone(row["raw"], default_country=row["default_country"] or None)
        assert got == row["e164_digits"], row


# ---------------------------------------------------------------------------- one owner


def test_the_pipelines_use_identitys_functions() -> None:
    from snapdesk.audience import _fast
    from snapdesk.audience import normalize as audience

    for name in ("normalize", "normalize_email", "normalize_phone", "normalize_maid", "Rejected"):
        assert getattr(audience, name) is getattr(identity, name)
    assert _fast.nz is identity


def _defined_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.ClassDef)
    } | {
        target.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }


def test_no_second_implementation_of_the_rules() -> None:
    """The pipelines define none of identity's rule tables and helpers, nor the regexes the
    Conversions normalizer had of its own (the C accelerator aside, which is checked against
    identity by tests/audience/test_native.py). Detection of personal data in free text
    (`conversions.pii`, `ui._redact`) and the sandbox's emulation of Snap's checks are other
    jobs and not looked at."""
    owned = {
        "EMAIL_ASCII_RE", "HEX64_RE", "UUID_RE", "ZERO_UUID", "PHONE_SEPARATORS", "REASONS",
        "_PHONE_SEP_TABLE", "_phone_tables", "_region", "_national", "international_digits",
        "country_code_of", "_email_ok", "_email_label_ok", "_OTHER_HASH", "_SHA256", "_EMAIL",
        "_OTHER_HASH_RE", "_invisible", "strip_invisible", "clean",
    }  # fmt: skip
    pipelines = [
        *(PKG / "audience").glob("*.py"),
        PKG / "conversions" / "normalize.py",
        PKG / "conversions" / "mapping.py",
        PKG / "conversions" / "load.py",
    ]
    offenders = []
    for path in pipelines:
        clash = _defined_names(path) & owned
        if clash:
            offenders.append(f"{path.relative_to(PKG)}: {sorted(clash)}")
    assert offenders == []


def test_identity_is_qt_free_and_light() -> None:
    tree = ast.parse((PKG / "core" / "identity.py").read_text(encoding="utf-8"))
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {
        (node.module or "").split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
    }
    assert imported <= {"__future__", "functools", "hashlib", "re", "unicodedata",
                        "dataclasses", "typing", "phonenumbers"}  # fmt: skip
