"""Normalization and hashing of identifiers for Snap Audience Match (DESIGN.md "Normalization").

This module is the authority: the vectorized fast paths in `_fast` only ever accept what these
functions accept, and hand everything else back to them.

- Email: trim (Unicode whitespace), lowercase, then a syntax check: one `@`; a local part of
  1–64 characters from RFC 5322 "atext" (plus non-ASCII letters and digits) in dot-separated
  runs; a domain of at least two dot-separated labels of letters, digits and inner hyphens
  (1–63 characters each), whose last label has at least 2 characters and is not all digits;
  254 characters at most.
- Phone: digits only, with the country code. `+CC…` or `00CC…` carry an explicit country code
  (which must be an ITU code phonenumbers knows); a national trunk `0` right after the country
  code is dropped for countries whose trunk prefix is `0` (so Italy's significant leading 0
  stays). Anything else has no country code and is rejected — unless a default country is
  given, in which case it is parsed with phonenumbers for that region. Never guessed.
- Mobile advertiser id (IDFA/GAID): trimmed, lowercased, hyphens kept, UUID form
  8-4-4-4-12 hex; the all-zero id (tracking disabled) is rejected.
- Already hashed (64 hex characters): passes through lowercased, not hashed again.
- Hash: SHA-256 of the UTF-8 normalized value, lowercase hex.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass
from typing import Final, Literal

IdType = Literal["email", "phone", "maid"]
ID_TYPES: Final[tuple[IdType, ...]] = ("email", "phone", "maid")

EMAIL_SHA256: Final = "EMAIL_SHA256"
PHONE_SHA256: Final = "PHONE_SHA256"
MOBILE_AD_ID_SHA256: Final = "MOBILE_AD_ID_SHA256"
SCHEMAS: Final = (EMAIL_SHA256, PHONE_SHA256, MOBILE_AD_ID_SHA256)
SCHEMA_FOR_TYPE: Final[dict[str, str]] = {
    "email": EMAIL_SHA256,
    "phone": PHONE_SHA256,
    "maid": MOBILE_AD_ID_SHA256,
}
TYPE_FOR_SCHEMA: Final[dict[str, str]] = {v: k for k, v in SCHEMA_FOR_TYPE.items()}

# Reject reasons: stable codes (rejects file, JSON) → what the user can do about it.
INVALID_EMAIL: Final = "invalid_email"
INVALID_PHONE: Final = "invalid_phone"
NO_COUNTRY_CODE: Final = "no_country_code"
UNKNOWN_COUNTRY_CODE: Final = "unknown_country_code"
INVALID_MAID: Final = "invalid_maid"
ZERO_MAID: Final = "zero_maid"
TOO_LONG: Final = "too_long"
REASONS: Final[dict[str, str]] = {
    INVALID_EMAIL: "not an email address",
    INVALID_PHONE: "not a phone number",
    NO_COUNTRY_CODE: "phone number without country code (give a default country)",
    UNKNOWN_COUNTRY_CODE: "unknown country code",
    INVALID_MAID: "not a mobile advertiser id (IDFA/GAID in UUID form)",
    ZERO_MAID: "all-zero advertiser id (ad tracking disabled)",
    TOO_LONG: "value too long",
}

MAX_CELL: Final = 1024  # longer cells are rejected before any parsing

_ATEXT: Final = "a-z0-9!#$%&'*+/=?^_`{|}~-"
EMAIL_ASCII_RE: Final = re.compile(
    rf"[{_ATEXT}]+(?:\.[{_ATEXT}]+)*@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+"
    r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)"
)
_ATEXT_SET: Final = frozenset("abcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+/=?^_`{|}~-")
HEX64_RE: Final = re.compile(r"[0-9a-f]{64}")
UUID_RE: Final = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
ZERO_UUID: Final = "00000000-0000-0000-0000-000000000000"
# Separators people put in phone numbers; anything else (letters, "ext") is rejected.
PHONE_SEPARATORS: Final = " \t\u00a0-()./\u2010\u2011\u2012\u2013\u2014"
_PHONE_SEP_TABLE: Final = {ord(c): None for c in PHONE_SEPARATORS}


class Rejected(ValueError):
    """A value that cannot be normalized; `reason` is one of `REASONS`."""

    def __init__(self, reason: str) -> None:
        super().__init__(REASONS.get(reason, reason))
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Normalized:
    """A normalized identifier: `value` to hash, or an already hashed `value` (`prehashed`)."""

    value: str
    prehashed: bool = False

    @property
    def sha256(self) -> str:
        return self.value if self.prehashed else sha256_hex(self.value)


def sha256_hex(normalized: str) -> str:
    """SHA-256 of the UTF-8 bytes, lowercase hex."""
    return hashlib.sha256(normalized.encode("utf-8")).hexdigest()


def is_sha256_hex(value: str) -> bool:
    return len(value) == 64 and HEX64_RE.fullmatch(value.lower()) is not None


# ---------------------------------------------------------------------------- email


def _email_label_ok(label: str) -> bool:
    if not 1 <= len(label) <= 63 or label[0] == "-" or label[-1] == "-":
        return False
    return all(c.isalnum() or c == "-" for c in label)


def normalize_email(value: str) -> str:
    """Trim, lowercase and check an email address; raises `Rejected`."""
    text = value.strip().lower()
    if len(text) > 254:
        raise Rejected(INVALID_EMAIL)
    if text.isascii():
        if EMAIL_ASCII_RE.fullmatch(text) is None:
            raise Rejected(INVALID_EMAIL)
        local, _, domain = text.partition("@")
        labels = domain.split(".")
        if (
            len(local) > 64
            or any(len(label) > 63 for label in labels)
            or len(labels[-1]) < 2
            or labels[-1].isdigit()
        ):
            raise Rejected(INVALID_EMAIL)
        return text
    # Internationalized address: the same shape, letters and digits of any script allowed.
    local, at, domain = text.partition("@")
    if not at or "@" in domain or not 1 <= len(local) <= 64:
        raise Rejected(INVALID_EMAIL)
    if local[0] == "." or local[-1] == "." or ".." in local:
        raise Rejected(INVALID_EMAIL)
    if not all(c in _ATEXT_SET or c == "." or (not c.isascii() and c.isalnum()) for c in local):
        raise Rejected(INVALID_EMAIL)
    labels = domain.split(".")
    if len(labels) < 2 or not all(_email_label_ok(label) for label in labels):
        raise Rejected(INVALID_EMAIL)
    if len(labels[-1]) < 2 or labels[-1].isdigit():
        raise Rejected(INVALID_EMAIL)
    return text


# ---------------------------------------------------------------------------- phone


@dataclass(frozen=True)
class _PhoneTables:
    codes: frozenset[str]  # every ITU country calling code phonenumbers knows
    trunk_zero: frozenset[str]  # codes whose main region dials a trunk prefix "0"


@functools.cache
def _phone_tables() -> _PhoneTables:
    from phonenumbers import PhoneMetadata
    from phonenumbers.phonenumberutil import COUNTRY_CODE_TO_REGION_CODE

    codes: set[str] = set()
    trunk: set[str] = set()
    for cc, regions in COUNTRY_CODE_TO_REGION_CODE.items():
        codes.add(str(cc))
        meta = PhoneMetadata.metadata_for_region(regions[0]) if regions else None
        if meta is not None and meta.national_prefix == "0":
            trunk.add(str(cc))
    return _PhoneTables(frozenset(codes), frozenset(trunk))


def country_code_of(digits: str) -> str | None:
    """The ITU country code `digits` (international, no prefix) starts with (codes are
    prefix-free, so at most one of the 1-, 2- and 3-digit prefixes is a code)."""
    codes = _phone_tables().codes
    for n in (1, 2, 3):
        if digits[:n] in codes:
            return digits[:n]
    return None


def international_digits(digits: str) -> str:
    """Country code + national number (digits after a `+`/`00`): trunk 0 dropped, checked."""
    cc = country_code_of(digits)
    if cc is None:
        raise Rejected(UNKNOWN_COUNTRY_CODE)
    rest = digits[len(cc) :]
    if cc in _phone_tables().trunk_zero:
        if rest[:1] == "0":
            rest = rest[1:]  # the national trunk prefix
        if rest[:1] == "0":  # no national number of these countries starts with 0
            raise Rejected(INVALID_PHONE)
    if not rest.isdigit() or not 4 <= len(rest) or len(cc) + len(rest) > 15:
        raise Rejected(INVALID_PHONE)
    return cc + rest


@dataclass(frozen=True)
class _Region:
    code: str
    cc: str
    trunk: str | None
    lengths: frozenset[int]
    pattern: re.Pattern[str] | None


@functools.cache
def _region(code: str) -> _Region:
    from phonenumbers import PhoneMetadata

    meta = PhoneMetadata.metadata_for_region(code)
    if meta is None:
        raise ValueError(f"unknown country {code!r}: use a two-letter ISO code such as GB or US")
    general = meta.general_desc
    lengths = frozenset(general.possible_length or ()) if general else frozenset()
    pattern = (
        re.compile(general.national_number_pattern)
        if general and general.national_number_pattern
        else None
    )
    simple = meta.national_prefix_transform_rule is None
    return _Region(
        code=code,
        cc=str(meta.country_code),
        trunk=meta.national_prefix if simple and meta.national_prefix else None,
        lengths=lengths,
        pattern=pattern,
    )


def check_country(code: str | None) -> str | None:
    """The default-country argument, upper-cased and checked (ValueError names the fix)."""
    if code is None or not code.strip():
        return None
    upper = code.strip().upper()
    _region(upper)
    return upper


def _national(digits: str, region: _Region, original: str) -> str:
    """A number without explicit country code, read as a number of `region`."""
    trunk = region.trunk
    if trunk and digits.startswith(trunk) and not digits.startswith("00"):
        national = digits[len(trunk) :]
        if (
            national[:1] != "0"
            and len(national) in region.lengths
            and region.pattern is not None
            and region.pattern.fullmatch(national)
        ):
            return region.cc + national
    import phonenumbers

    try:
        parsed = phonenumbers.parse(original, region.code)
    except phonenumbers.NumberParseException:
        raise Rejected(INVALID_PHONE) from None
    if parsed.extension or not phonenumbers.is_possible_number(parsed):
        raise Rejected(INVALID_PHONE)
    return f"{parsed.country_code}{parsed.national_number}"


def normalize_phone(value: str, *, default_country: str | None = None) -> str:
    """Digits with country code; raises `Rejected`. `default_country` is an ISO region code."""
    text = value.strip()
    if not text:
        raise Rejected(INVALID_PHONE)
    compact = text.translate(_PHONE_SEP_TABLE)
    plus = compact.startswith("+")
    digits = compact[1:] if plus else compact
    if not digits.isdigit() or not digits.isascii():
        raise Rejected(INVALID_PHONE)
    if plus:
        if digits.startswith("0"):
            raise Rejected(INVALID_PHONE)
        return international_digits(digits)
    if digits.startswith("00"):
        if digits.startswith("000"):
            raise Rejected(INVALID_PHONE)
        return international_digits(digits[2:])
    if default_country is None:
        raise Rejected(NO_COUNTRY_CODE)
    return _national(digits, _region(default_country), text)


# ---------------------------------------------------------------------------- MAID


def normalize_maid(value: str) -> str:
    text = value.strip().lower()
    if len(text) != 36 or UUID_RE.fullmatch(text) is None:
        raise Rejected(INVALID_MAID)
    if text == ZERO_UUID:
        raise Rejected(ZERO_MAID)
    return text


# ---------------------------------------------------------------------------- dispatch


def normalize(value: str, id_type: str, *, default_country: str | None = None) -> Normalized:
    """Normalize one identifier of `id_type`; a 64-hex value passes through as pre-hashed.

    Raises `Rejected` (with `.reason`) for a value that is not an identifier of that type.
    An empty value is the caller's business (it is neither valid nor rejected)."""
    if len(value) > MAX_CELL:
        raise Rejected(TOO_LONG)
    stripped = value.strip()
    if len(stripped) == 64 and HEX64_RE.fullmatch(stripped.lower()):
        return Normalized(stripped.lower(), prehashed=True)
    if id_type == "email":
        return Normalized(normalize_email(stripped))
    if id_type == "phone":
        return Normalized(normalize_phone(stripped, default_country=default_country))
    if id_type == "maid":
        return Normalized(normalize_maid(stripped))
    raise ValueError(f"unknown identifier type {id_type!r}")


def hash_identifier(value: str, id_type: str, *, default_country: str | None = None) -> str:
    """The lowercase hex SHA-256 Snap expects for `value` (pre-hashed values pass through)."""
    return normalize(value, id_type, default_country=default_country).sha256


def looks_like(value: str) -> str | None:
    """What a single cell looks like for content sniffing: email, maid, phone, sha256 or None."""
    text = value.strip()
    if not text:
        return None
    lower = text.lower()
    if len(lower) == 64 and HEX64_RE.fullmatch(lower):
        return "sha256"
    if "@" in lower:
        try:
            normalize_email(lower)
            return "email"
        except Rejected:
            return None
    if len(lower) == 36 and UUID_RE.fullmatch(lower):
        return "maid"
    if _PHONEISH.fullmatch(text) and not _DATEISH.fullmatch(text):
        digits = sum(c.isdigit() for c in text)
        if 7 <= digits <= 15:
            return "phone"
    return None


_PHONEISH: Final = re.compile(r"(?:\+|00)?[0-9 ()./\-\u00a0]{6,24}")
_DATEISH: Final = re.compile(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}")


def describe_reason(reason: str) -> str:
    return REASONS.get(reason, reason)
