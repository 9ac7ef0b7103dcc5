"""Normalization and SHA-256 of the Conversions API `user_data` fields, as seed 003 specifies.

These rules are the CAPI connector's, not the customer-list ones (`snapdesk.audience`): names keep
their inner spaces, cities and states lose them, countries become ISO alpha-2 codes, zip codes
lose spaces and dashes.

Hashed-field handling (seed 003):
- a value that already is SHA-256 hex (64 hex characters) is used as it is (lower-cased);
- a value hashed with something else (MD5, SHA-1, SHA-224/384/512 hex) is raw data: it is
  re-hashed (trimmed and lower-cased, no other normalization, no format validation);
- raw e-mail addresses are validated, then normalized and hashed; the other fields are normalized
  and hashed without format validation (gender excepted: only f and m exist).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from snapdesk.conversions._iso import US_STATES, country_alpha2

__all__ = [
    "PUNCTUATION",
    "HashedValue",
    "NormalizationError",
    "hash_user_value",
    "is_other_hash",
    "is_sha256",
    "normalize_city",
    "normalize_country",
    "normalize_email",
    "normalize_external_id",
    "normalize_gender",
    "normalize_madid",
    "normalize_name",
    "normalize_phone",
    "normalize_state",
    "normalize_zip",
    "sha256_hex",
]

# "Punctuation Marks Removal": basic punctuation and special characters, exactly as listed.
PUNCTUATION: Final = frozenset(".,!?;:-—\"'()[]{}/_" + "&*+=@#$%^~|")

_SHA256 = re.compile(r"[0-9a-fA-F]{64}")
_OTHER_HASH = re.compile(
    r"(?:[0-9a-fA-F]{32}|[0-9a-fA-F]{40}|[0-9a-fA-F]{56}|[0-9a-fA-F]{96}|[0-9a-fA-F]{128})"
)
_EMAIL = re.compile(r"[^\s@]+@[^\s@.]+(?:\.[^\s@.]+)*\.[^\s@.]{2,}")
_ZIP_PLUS4 = re.compile(r"(\d{5})-?\d{4}")
_GENDERS: Final = {"f": "f", "female": "f", "m": "m", "male": "m"}


class NormalizationError(ValueError):
    """A value that cannot be normalized; `reason` says why in words a user understands."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def is_sha256(value: str) -> bool:
    return _SHA256.fullmatch(value.strip()) is not None


def is_other_hash(value: str) -> bool:
    """Hex of another hash function (MD5, SHA-1, SHA-224, SHA-384, SHA-512)."""
    return _OTHER_HASH.fullmatch(value.strip()) is not None


def _utf8(text: str) -> str:
    """NFC, so "Raphaël" hashes the same whether typed composed or decomposed."""
    return unicodedata.normalize("NFC", text)


def _strip_punctuation(text: str) -> str:
    return "".join(ch for ch in text if ch not in PUNCTUATION)


def normalize_email(value: str) -> str:
    """Spaces trimmed, lower case; must be an e-mail address."""
    text = _utf8(value).strip().lower()
    if not _EMAIL.fullmatch(text):
        raise NormalizationError("not a valid e-mail address")
    return text


def normalize_phone(value: str) -> str:
    """Digits only (spaces, '+', '-' and other characters removed), then a leading '00' or '0'
    removed. The number must already include its country code."""
    digits = "".join(ch for ch in value if ch.isascii() and ch.isdigit())
    if digits.startswith("00"):
        digits = digits[2:]
    elif digits.startswith("0"):
        digits = digits[1:]
    if not digits:
        raise NormalizationError("no digits in the phone number")
    return digits


def normalize_name(value: str) -> str:
    """First or last name: lower case, punctuation removed, UTF-8 kept (inner spaces kept)."""
    text = _utf8(" ".join(_strip_punctuation(_utf8(value).lower()).split()))
    if not text:
        raise NormalizationError("nothing left after removing punctuation")
    return text


def normalize_gender(value: str) -> str:
    """'f' for female, 'm' for male (the words are accepted too)."""
    text = value.strip().lower()
    if text not in _GENDERS:
        raise NormalizationError("gender must be 'f' or 'm'")
    return _GENDERS[text]


def normalize_city(value: str) -> str:
    """Lower case, punctuation and spaces removed, UTF-8 kept."""
    text = _utf8("".join(_strip_punctuation(_utf8(value).lower()).split()))
    if not text:
        raise NormalizationError("nothing left after removing punctuation and spaces")
    return text


def normalize_state(value: str) -> str:
    """Lower case without punctuation, special characters or spaces; US state names become their
    two-letter ANSI code ("New York" → "ny")."""
    folded = " ".join(_utf8(value).lower().split())
    if folded in US_STATES:
        return US_STATES[folded]
    text = _utf8("".join(ch for ch in folded if ch.isalnum()))
    if not text:
        raise NormalizationError("nothing left after removing punctuation and spaces")
    return text


def normalize_zip(value: str, *, country: str | None = None) -> str:
    """Lower case, spaces and '-' removed; US ZIP+4 codes keep their first 5 digits."""
    text = value.strip()
    us = country is None or country.lower() in ("us", "usa")
    plus4 = _ZIP_PLUS4.fullmatch(text)
    if plus4 and us and ("-" in text or country is not None):
        return plus4.group(1)
    out = "".join(ch for ch in text.lower() if ch not in " -" and not ch.isspace())
    if not out:
        raise NormalizationError("empty postal code")
    return out


def normalize_country(value: str) -> str:
    """The ISO 3166-1 alpha-2 code in lower case ("United States", "USA", "us" → "us")."""
    code = country_alpha2(value)
    if code is None:
        raise NormalizationError("not an ISO 3166-1 country code or name")
    return code.lower()


def normalize_external_id(value: str) -> str:
    """Trimmed only: ids may be case-sensitive."""
    text = _utf8(value).strip()
    if not text:
        raise NormalizationError("empty id")
    return text


def normalize_madid(value: str) -> str:
    """Mobile advertiser id: lower case (not hashed)."""
    return value.strip().lower()


_NORMALIZERS: Final[dict[str, Callable[[str], str]]] = {
    "em": normalize_email,
    "ph": normalize_phone,
    "fn": normalize_name,
    "ln": normalize_name,
    "ge": normalize_gender,
    "ct": normalize_city,
    "st": normalize_state,
    "country": normalize_country,
    "external_id": normalize_external_id,
}


@dataclass(frozen=True)
class HashedValue:
    """The SHA-256 hex that goes into `user_data`, and how it was obtained."""

    value: str
    #: "hashed" (normalized and hashed here), "passthrough" (already SHA-256) or
    #: "rehashed" (another hash's hex, hashed again as raw data).
    how: str


def hash_user_value(field: str, raw: str, *, country: str | None = None) -> HashedValue:
    """Normalize and hash one value of a hashed `user_data` field (see the module docstring).

    `country` is the row's user country (any spelling), used for US ZIP+4 codes.
    Raises `NormalizationError` for a value the rules reject.
    """
    text = raw.strip()
    if is_sha256(text):
        return HashedValue(text.lower(), "passthrough")
    if is_other_hash(text):
        return HashedValue(sha256_hex(text.lower()), "rehashed")
    if field == "zp":
        code = country_alpha2(country) if country else None
        normalized = normalize_zip(text, country=code or country)
    else:
        normalized = _NORMALIZERS[field](text)
    return HashedValue(sha256_hex(normalized), "hashed")
