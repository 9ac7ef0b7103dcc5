"""People's identifiers: e-mail addresses, phone numbers and mobile advertiser ids.

The one module that normalizes, validates, rejects and hashes them (DESIGN.md "Normalization",
"Application state: one owner each"). Every pipeline goes through it:
- customer lists (`snapdesk.audience`): `audience.normalize` re-exports it, and the vectorized
  and C fast paths (`audience._fast`, `audience/_sha256batch.c`) accept only what these
  functions accept, computing the same value, and hand every other line back to them;
- the Conversions API (`snapdesk.conversions`): `em`, `ph` and `madid` are normalized here
  (`conversions.normalize` delegates); the fields only the Conversions API has (names, city,
  state, zip, country, gender, external id) keep their own rules there.
So a person hashes to the same SHA-256, or is rejected for the same reason, on every path.

Rules, in order. Snap's own words are quoted from the Conversions API parameters page
(https://developers.snap.com/api/marketing-api/Conversions-API/Parameters), whose rules
reference/snap-api.md §5 takes for customer lists too ("Segment's audiences code applies the
same rules"):
- Invisible characters are ignored wherever they stand: Unicode format characters (category
  Cf: U+FEFF byte order mark, U+200B–U+200F zero-width space/joiners and marks, U+2060–U+2064
  word joiner and invisible operators, U+00AD soft hyphen, U+202A–U+202E and U+2066–U+2069
  bidi controls, …) and the other default-ignorable code points (U+034F, Hangul fillers,
  variation selectors). They come from copy and paste and spreadsheets, never from the person.
  Then surrounding white space (any Unicode space, U+00A0 no-break space included) is trimmed.
  A value with nothing left is blank: no identifier, neither valid nor rejected.
- Already hashed: a value of 64 hex digits is taken for the SHA-256 of a normalized value and
  passes through lower-cased, not hashed again. The hex of another hash function (MD5, SHA-1,
  SHA-224/384/512) is rejected (`other_hash`): Snap matches only SHA-256 of the normalized
  value, so hashing it again could match no one.
- E-mail (Snap: "Trim any additional characters (such as spaces) and convert to lowercase
  before hashing"): lower-cased, Unicode NFC (so a composed and a decomposed "é" hash alike),
  then checked: one "@"; a local part of 1–64 characters from RFC 5322 "atext" (plus
  non-ASCII letters and digits) in dot-separated runs; a domain of at least two dot-separated
  labels of letters, digits and inner hyphens (1–63 characters each), whose last label has at
  least 2 characters and is not all digits; 254 characters at most.
- Phone: E.164 digits, i.e. country code + national significant number, no "+". Snap:
  "including the country code, remove any double 0 in front of the country code. If the number
  itself begins with a 0, this should be removed. Also exclude any non-numeric characters such
  as whitespace, parentheses, '+', or '-'" (example: "+44 844 412 4653" → 448444124653).
  - Separators (any white space, - ( ) . / and the Unicode dashes) are dropped; any other
    character (letters, "ext", "#", "*", a "+" not in front) rejects the number: "+1 800
    FLOWERS" is not read as a vanity number.
  - "+CC…" or "00CC…" carry the country code, which must be an ITU code phonenumbers knows.
    A national trunk "0" right after it ("+44 (0)20 …") is dropped for the countries that dial
    one; where the 0 belongs to the number itself (Italy: +39 06 …, San Marino, Vatican City)
    it is kept, because it is part of the E.164 number Snap matches.
  - 4 to 15 digits after the country code, 15 in all at most (E.164).
  - Anything else has no country code. It is rejected (`no_country_code`) unless the caller
    gives a default country (an ISO 3166 alpha-2 region), in which case phonenumbers reads it
    as a number of that region (trunk prefix and international call prefixes understood) and
    it must be a possible number there. The country is never guessed: Snap's own SDK defaults
    a missing code to 1 (snap-api.md §5), which makes every non-US national number match the
    wrong person or no one. Where the default country comes from is the pipeline's choice:
    customer lists take `--default-country` / the list dialogs' country (preset from the
    Preferences); the Conversions API takes the row's own `country` column when it names a
    country, else the Preferences' default country, else rejects the phone, naming both.
- Mobile advertiser id (IDFA/GAID): lower-cased, hyphens kept ([CODE] RudderStack, Segment:
  snap-api.md §5), UUID form 8-4-4-4-12 hex; the all-zero id (ad tracking disabled) is
  rejected.
- A cell longer than `MAX_CELL` characters (after trimming) is rejected before any parsing.
- Hash: SHA-256 of the UTF-8 normalized value, lowercase hex.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from typing import Final, Literal

__all__ = [
    "ID_TYPES",
    "INVALID_EMAIL",
    "INVALID_MAID",
    "INVALID_PHONE",
    "MAX_CELL",
    "NO_COUNTRY_CODE",
    "OTHER_HASH",
    "REASONS",
    "TOO_LONG",
    "UNKNOWN_COUNTRY_CODE",
    "ZERO_MAID",
    "ZERO_UUID",
    "IdType",
    "Normalized",
    "Rejected",
    "check_country",
    "clean",
    "describe_reason",
    "hash_identifier",
    "is_other_hash",
    "is_sha256_hex",
    "known_region",
    "normalize",
    "normalize_email",
    "normalize_maid",
    "normalize_phone",
    "sha256_hex",
    "strip_invisible",
]

IdType = Literal["email", "phone", "maid"]
ID_TYPES: Final[tuple[IdType, ...]] = ("email", "phone", "maid")

# Reject reasons: stable codes (rejects files, JSON, reports) → what the user can do about it.
INVALID_EMAIL: Final = "invalid_email"
INVALID_PHONE: Final = "invalid_phone"
NO_COUNTRY_CODE: Final = "no_country_code"
UNKNOWN_COUNTRY_CODE: Final = "unknown_country_code"
INVALID_MAID: Final = "invalid_maid"
ZERO_MAID: Final = "zero_maid"
OTHER_HASH: Final = "other_hash"
TOO_LONG: Final = "too_long"
REASONS: Final[dict[str, str]] = {
    INVALID_EMAIL: "not a valid e-mail address",
    INVALID_PHONE: "not a phone number",
    NO_COUNTRY_CODE: "phone number without country code (write it with +<country code>, "
    "or give a default country)",
    UNKNOWN_COUNTRY_CODE: "unknown country code",
    INVALID_MAID: "not a mobile advertiser id (IDFA/GAID in UUID form)",
    ZERO_MAID: "all-zero advertiser id (ad tracking disabled)",
    OTHER_HASH: "hashed with another function than SHA-256 (MD5, SHA-1, …): give the value "
    "itself or its SHA-256",
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
_OTHER_HASH_RE: Final = re.compile(
    r"[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{56}|[0-9a-f]{96}|[0-9a-f]{128}"
)
UUID_RE: Final = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
ZERO_UUID: Final = "00000000-0000-0000-0000-000000000000"
# Separators people write phone numbers with (besides white space, which always separates);
# anything else (letters, "ext", "#") rejects the number.
PHONE_SEPARATORS: Final = " \t\u00a0-()./\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
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
    """64 hex digits (either case), nothing around them: an already hashed value."""
    return len(value) == 64 and HEX64_RE.fullmatch(value.lower()) is not None


def is_other_hash(value: str) -> bool:
    """The hex of MD5, SHA-1, SHA-224, SHA-384 or SHA-512 (either case)."""
    return _OTHER_HASH_RE.fullmatch(value.lower()) is not None


def describe_reason(reason: str) -> str:
    return REASONS.get(reason, reason)


# ---------------------------------------------------------------------------- invisible


# Default-ignorable code points that are not format characters (category Cf).
_IGNORABLE: Final = frozenset(
    "\u034f\u115f\u1160\u17b4\u17b5\u3164\uffa0"
    + "".join(map(chr, range(0x180B, 0x1810)))  # Mongolian free variation selectors
    + "".join(map(chr, range(0xFE00, 0xFE10)))  # variation selectors
)


def _invisible(ch: str) -> bool:
    return (
        unicodedata.category(ch) == "Cf"
        or ch in _IGNORABLE
        or 0xE0100 <= ord(ch) <= 0xE01EF  # variation selectors supplement
    )


def strip_invisible(text: str) -> str:
    """`text` without its invisible characters (see the module docstring); ASCII has none."""
    if text.isascii():
        return text
    return "".join(ch for ch in text if not _invisible(ch))


def clean(value: str) -> str:
    """Invisible characters removed, then surrounding white space trimmed. Empty: blank."""
    return strip_invisible(value).strip()


# ---------------------------------------------------------------------------- email


def _email_label_ok(label: str) -> bool:
    if not 1 <= len(label) <= 63 or label[0] == "-" or label[-1] == "-":
        return False
    return all(c.isalnum() or c == "-" for c in label)


def normalize_email(value: str) -> str:
    """Trim, lowercase and check an email address; raises `Rejected`."""
    text = clean(value).lower()
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    if not _email_ok(text):
        raise Rejected(OTHER_HASH if is_other_hash(text) else INVALID_EMAIL)
    return text


def _email_ok(text: str) -> bool:
    if len(text) > 254:
        return False
    if text.isascii():
        if EMAIL_ASCII_RE.fullmatch(text) is None:
            return False
        local, _, domain = text.partition("@")
        labels = domain.split(".")
        return not (
            len(local) > 64
            or any(len(label) > 63 for label in labels)
            or len(labels[-1]) < 2
            or labels[-1].isdigit()
        )
    # Internationalized address: the same shape, letters and digits of any script allowed.
    local, at, domain = text.partition("@")
    if not at or "@" in domain or not 1 <= len(local) <= 64:
        return False
    if local[0] == "." or local[-1] == "." or ".." in local:
        return False
    if not all(c in _ATEXT_SET or c == "." or (not c.isascii() and c.isalnum()) for c in local):
        return False
    labels = domain.split(".")
    if len(labels) < 2 or not all(_email_label_ok(label) for label in labels):
        return False
    return len(labels[-1]) >= 2 and not labels[-1].isdigit()


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
            rest = rest[1:]  # the national trunk prefix (Snap: "begins with a 0 … removed")
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


def known_region(code: str | None) -> str | None:
    """`code` upper-cased when it is a region phonenumbers can read numbers of, else None."""
    if code is None:
        return None
    upper = code.strip().upper()
    if len(upper) != 2 or not upper.isalpha():
        return None
    try:
        _region(upper)
    except ValueError:
        return None
    return upper


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
    # E.164 keeps a significant leading zero (Italy's "06 …" → 39 06 …)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)[1:]


def _phone_compact(text: str) -> str:
    if text.isascii():
        return text.translate(_PHONE_SEP_TABLE)
    return "".join(c for c in text if not (c.isspace() or c in PHONE_SEPARATORS))


def normalize_phone(value: str, *, default_country: str | None = None) -> str:
    """E.164 digits (no "+"); raises `Rejected`. `default_country`: an ISO region code for
    numbers written without country code (else they are rejected)."""
    text = clean(value)
    if not text:
        raise Rejected(INVALID_PHONE)
    compact = _phone_compact(text)
    plus = compact.startswith("+")
    digits = compact[1:] if plus else compact
    if not digits.isdigit() or not digits.isascii():
        if is_other_hash(text):
            raise Rejected(OTHER_HASH)
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
    """A mobile advertiser id, lower-cased with its hyphens; raises `Rejected`."""
    text = clean(value).lower()
    if len(text) != 36 or UUID_RE.fullmatch(text) is None:
        raise Rejected(INVALID_MAID)
    if text == ZERO_UUID:
        raise Rejected(ZERO_MAID)
    return text


# ---------------------------------------------------------------------------- dispatch


def normalize(value: str, id_type: str, *, default_country: str | None = None) -> Normalized:
    """Normalize one identifier of `id_type`; a 64-hex value passes through as pre-hashed.

    Raises `Rejected` (with `.reason`) for a value that is not an identifier of that type.
    A blank value (`clean(value) == ""`) is the caller's business: skip it before calling."""
    text = clean(value)
    if len(text) > MAX_CELL:
        raise Rejected(TOO_LONG)
    if len(text) == 64 and HEX64_RE.fullmatch(text.lower()):
        return Normalized(text.lower(), prehashed=True)
    if id_type == "email":
        return Normalized(normalize_email(text))
    if id_type == "phone":
        return Normalized(normalize_phone(text, default_country=default_country))
    if id_type == "maid":
        return Normalized(normalize_maid(text))
    raise ValueError(f"unknown identifier type {id_type!r}")


def hash_identifier(value: str, id_type: str, *, default_country: str | None = None) -> str:
    """The lowercase hex SHA-256 Snap expects for `value` (pre-hashed values pass through)."""
    return normalize(value, id_type, default_country=default_country).sha256
