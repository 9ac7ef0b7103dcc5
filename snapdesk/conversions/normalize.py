"""Normalization and SHA-256 of the Conversions API `user_data` fields, as seed 003 specifies.

E-mail (`em`), phone (`ph`) and mobile advertiser id (`madid`) are people's identifiers: their
rules are `snapdesk.core.identity`'s, the one module customer lists use too, so a person hashes
alike in a customer list and in a conversion event (see that module for the rules and Snap's
words). Only the fields the Conversions API alone has keep their rules here: names keep their
inner spaces, cities and states lose them, countries become ISO alpha-2 codes, zip codes lose
spaces and dashes, gender is f or m, external ids keep their case.

A phone number without country code is read with a default country: the row's own `country`
(any spelling `country_alpha2` knows, if phonenumbers can read numbers of it), else the
`default_country` given (the Preferences' default country, `LoadOptions.default_country`),
else it is rejected, naming those three ways out. It is never hashed as it is: its digits
without a country code could match no one.

Hashed-field handling (seed 003):
- a value that already is SHA-256 hex (64 hex characters) is used as it is (lower-cased);
- for the Conversions-only fields, a value hashed with something else (MD5, SHA-1,
  SHA-224/384/512 hex) is raw data: it is re-hashed (trimmed and lower-cased, no other
  normalization, no format validation). For `em` and `ph` such a value is rejected instead,
  as in customer lists: seed 003 validates raw e-mails (and no hex digest is an address), and
  Snap matches only SHA-256 of the normalized value, so re-hashing could match no one;
- raw e-mail addresses are validated, then normalized and hashed; phone numbers too (identity's
  rules: digits with a country code); the other fields are normalized and hashed without
  format validation (gender excepted: only f and m exist).
Invisible characters (U+FEFF, zero-width spaces, …) around a value of any field are trimmed
with the white space; inside `em`, `ph` and `madid` they are ignored too.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from snapdesk.conversions._iso import US_STATES, country_alpha2
from snapdesk.core import identity

__all__ = [
    "PUNCTUATION",
    "HashedValue",
    "NormalizationError",
    "hash_user_value",
    "is_blank",
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
    "phone_region",
    "sha256_hex",
]

# "Punctuation Marks Removal": basic punctuation and special characters, exactly as listed.
PUNCTUATION: Final = frozenset(".,!?;:-—\"'()[]{}/_" + "&*+=@#$%^~|")

_ZIP_PLUS4 = re.compile(r"(\d{5})-?\d{4}")
_GENDERS: Final = {"f": "f", "female": "f", "m": "m", "male": "m"}


class NormalizationError(ValueError):
    """A value that cannot be normalized; `reason` says why in words a user understands, and
    `code` is identity's reject code for `em`, `ph` and `madid` ("" for the other fields)."""

    def __init__(self, reason: str, code: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


#: The advice for a phone without country code, with the ways a Conversions row can give one.
NO_COUNTRY_CODE_REASON: Final = (
    "phone number without country code: write it with +<country code>, give the row a "
    "country (column country), or set a default country in Preferences"
)


def _rejected(exc: identity.Rejected) -> NormalizationError:
    if exc.reason == identity.NO_COUNTRY_CODE:
        return NormalizationError(NO_COUNTRY_CODE_REASON, exc.reason)
    return NormalizationError(identity.describe_reason(exc.reason), exc.reason)


def sha256_hex(text: str) -> str:
    return identity.sha256_hex(text)


def is_sha256(value: str) -> bool:
    return identity.is_sha256_hex(_trim(value))


def is_other_hash(value: str) -> bool:
    """Hex of another hash function (MD5, SHA-1, SHA-224, SHA-384, SHA-512)."""
    return identity.is_other_hash(_trim(value))


def is_blank(value: str) -> bool:
    """Nothing but white space and invisible characters: a null value, ignored."""
    return not identity.clean(value)


def _trim(text: str) -> str:
    """White space and invisible characters (identity's) trimmed from both ends; inside a
    Conversions-only value they are kept (a zero-width non-joiner spells some names)."""
    text = text.strip()
    if text.isascii():
        return text
    start, end = 0, len(text)
    while start < end and not identity.clean(text[start]):
        start += 1
    while end > start and not identity.clean(text[end - 1]):
        end -= 1
    return text[start:end]


def _utf8(text: str) -> str:
    """NFC, so "Raphaël" hashes the same whether typed composed or decomposed."""
    return unicodedata.normalize("NFC", text)


def _strip_punctuation(text: str) -> str:
    return "".join(ch for ch in text if ch not in PUNCTUATION)


def normalize_email(value: str) -> str:
    """Identity's e-mail rules: trimmed, lower case, NFC; must be an e-mail address."""
    try:
        return identity.normalize_email(value)
    except identity.Rejected as exc:
        raise _rejected(exc) from None


def phone_region(country: str | None, default_country: str | None = None) -> str | None:
    """The region a phone number without country code is read in: the row's `country` (any
    spelling) when phonenumbers knows it, else `default_country`, else None."""
    if country is not None:
        region = identity.known_region(country_alpha2(country))
        if region is not None:
            return region
    return identity.known_region(default_country)


def normalize_phone(
    value: str, *, country: str | None = None, default_country: str | None = None
) -> str:
    """Identity's phone rules: E.164 digits. A number without country code is read in
    `phone_region(country, default_country)`, and rejected when there is none."""
    try:
        return identity.normalize_phone(
            value, default_country=phone_region(country, default_country)
        )
    except identity.Rejected as exc:
        raise _rejected(exc) from None


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
    """Mobile advertiser id (sent unhashed): identity's rules, lower case with hyphens, UUID
    form, not all zeros; a SHA-256 hex passes through lower-cased."""
    try:
        return identity.normalize(value, "maid").value
    except identity.Rejected as exc:
        raise _rejected(exc) from None


_NORMALIZERS: Final[dict[str, Callable[[str], str]]] = {
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


def hash_user_value(
    field: str, raw: str, *, country: str | None = None, default_country: str | None = None
) -> HashedValue:
    """Normalize and hash one value of a hashed `user_data` field (see the module docstring).

    `country` is the row's user country (any spelling), used for US ZIP+4 codes and, with
    `default_country` after it, for phone numbers without country code.
    Raises `NormalizationError` for a value the rules reject.
    """
    if field in _IDENTIFIERS:
        try:
            norm = identity.normalize(
                raw,
                _IDENTIFIERS[field],
                default_country=phone_region(country, default_country) if field == "ph" else None,
            )
        except identity.Rejected as exc:
            raise _rejected(exc) from None
        return HashedValue(norm.sha256, "passthrough" if norm.prehashed else "hashed")
    text = _trim(raw)
    if identity.is_sha256_hex(text):
        return HashedValue(text.lower(), "passthrough")
    if identity.is_other_hash(text):
        return HashedValue(sha256_hex(text.lower()), "rehashed")
    if field == "zp":
        code = country_alpha2(country) if country else None
        normalized = normalize_zip(text, country=code or country)
    else:
        normalized = _NORMALIZERS[field](text)
    return HashedValue(sha256_hex(normalized), "hashed")


_IDENTIFIERS: Final = {"em": "email", "ph": "phone"}
