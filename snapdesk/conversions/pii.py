"""Does a cell hold an e-mail address or a phone number? And the same text with them hidden.

The Conversions API import never sends such a value unhashed, whatever its column: a column
that holds them is either mapped to a hashed `user_data` field or refused (`mapping.py`). This
module only looks at text; it knows nothing of columns.

    kinds("call +1 206 555 0000")        # {"phone"}
    kinds("ORD-2024-555-1234")           # set(): an order id, not a phone
    redact("bad: jo@example")            # "bad: <e-mail hidden>"

What "looks like a phone" means here, so that order ids, prices, timestamps and zip codes pass:
- a number written with a `+` or `00` international prefix that `phonenumbers` finds possible
  (`+1 206 555 0000`, `+44 20 7946 0958`, `0033 6 12 34 56 78`);
- a number written the way phone numbers are written nationally: 8 to 15 digits in groups
  separated by spaces, dashes, dots, slashes or parentheses (`(206) 555-0000`, `206.555.0000`,
  `06 12 34 56 78`, `020 7946 0958`) — except dates and times, ZIP+4 and similar postal codes,
  amounts with thousands separators, IP addresses and version numbers;
- inside free text, the same shapes standing on their own (not glued to letters, `-`, `/` or `.`,
  so `ORD-2024-555-1234`, `Chrome/120.0.6099.144` and UUIDs are not phones).
A bare run of digits (`2065550000`) is NOT taken for a phone: order ids, epoch timestamps,
amounts in cents, app ids and SKUs look exactly the same, and refusing them would refuse
ordinary files. A column of bare-digit phones is recognised by its header instead (`phone`,
`mobile`, … in `aliases.py`).
"""

from __future__ import annotations

import ipaddress
import re
from typing import Final, Literal
from urllib.parse import unquote

import phonenumbers

__all__ = [
    "EMAIL",
    "PHONE",
    "PiiKind",
    "contains_email",
    "contains_phone",
    "kinds",
    "looks_like_phone",
    "redact",
]

PiiKind = Literal["email", "phone"]
EMAIL: Final = "email"
PHONE: Final = "phone"

# local@domain.tld, anywhere in the text; \w keeps internationalised addresses, and a top-level
# domain starts with a letter of any script ("com", "рф", punycode "xn--p1ai").
_EMAIL = re.compile(
    r"[\w.!#$%&'*+/=?^`{|}~-]+@(?:[\w-]+\.)+(?P<tld>[^\W\d_][\w-]{1,62})(?![\w-])", re.UNICODE
)
# "logo@2x.png" is a file name, not an address: file extensions are not top-level domains.
_FILE_SUFFIXES: Final = frozenset(
    "png jpg jpeg gif svg webp bmp ico tif tiff pdf css js json html htm xml txt csv mp4 mov "
    "webm mp3 wav zip gz".split()
)
# For hiding: anything with an @ between two non-blank runs (broader than an address on purpose,
# so "jo@example" in an invalid-email report is hidden too).
_AT_TOKEN = re.compile(r"[^\s@'\"<>()]*[^\s@'\"<>()]@[^\s@'\"<>()]+")

# Dates and times are blanked out before looking for phones. The lookarounds keep a date shape
# inside a longer digit run ("06.12.34.56.78") from being taken for a date.
_DATETIME = re.compile(
    r"(?<![\d/.-])(?:"
    r"\d{4}([-/.])\d{1,2}\1\d{1,2}(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?"
    r"|\d{1,2}([-/.])\d{1,2}\2(?:\d{4}|\d{2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?"
    r")(?:\s?(?:Z|[+-]\d{2}:?\d{2}))?(?![/.-]?\d)"
    r"|(?<![\d:])\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?![\d:])"
)
# A run of digits and the separators phone numbers are written with, standing on its own.
_CANDIDATE = re.compile(r"(?<![\w/.-])(?:\+|\()?\d[\d ().\-/]{5,}\d\)?(?![\w/-]|\.\d)")
_PHONE_CHARS = re.compile(r"\+?[\d ().\-/]+")
_GROUPS = re.compile(r"\d+")
# 1.234.567 (dots), 12 345 678 (spaces; "612 345 678" is a Spanish mobile, so not 3 digits first).
_THOUSANDS = re.compile(r"\d{1,3}(?:\.\d{3})+|\d{1,2}(?: \d{3})+")
_POSTAL = re.compile(r"\d{5}[- ]\d{4}|\d{5}-\d{3}|\d{3}-\d{4}")
_EXTENSION = re.compile(r"\s*(?:ext\.?|x|#)\s*\d{1,6}\s*$", re.IGNORECASE)
# Seven digits or more, each within three characters of the next: every phone number has this;
# a regex (C speed) so that the common cell without one costs next to nothing.
_SEVEN_DIGITS = re.compile(r"\d(?:\D{0,3}\d){6}")
_MIN_DIGITS: Final = 8  # national numbers with an area code have 8 or more digits
_MAX_DIGITS: Final = 15  # E.164


def contains_email(text: str) -> bool:
    """An e-mail address anywhere in `text` (also percent-encoded, as in a URL's query)."""
    if "@" not in text and "%40" not in text.lower():
        return False
    decoded = unquote(text) if "%" in text else text
    return any(m.group("tld").lower() not in _FILE_SUFFIXES for m in _EMAIL.finditer(decoded))


def _international(digits: str) -> bool:
    try:
        number = phonenumbers.parse("+" + digits, None)
    except phonenumbers.NumberParseException:
        return False
    return bool(phonenumbers.is_possible_number(number))


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def looks_like_phone(value: str) -> bool:
    """The whole of `value` is written like a phone number (see the module docstring)."""
    text = _EXTENSION.sub("", value.strip())
    if not _PHONE_CHARS.fullmatch(text) or "+" in text[1:]:
        return False
    groups = _GROUPS.findall(text)
    digits = "".join(groups)
    if not _MIN_DIGITS - 1 <= len(digits) <= _MAX_DIGITS:
        return False
    if text.startswith("+"):
        return _international(digits)
    if text.startswith("00") and len(groups[0]) <= 5 and len(digits) > 9:
        return _international(digits[2:])
    if len(groups) < 2 or len(digits) < _MIN_DIGITS:
        return False  # a bare run of digits: an id, a timestamp, an amount (see above)
    if _THOUSANDS.fullmatch(text) or _POSTAL.fullmatch(text) or _is_ip(text):
        return False
    if _DATETIME.fullmatch(text):
        return False
    # Phone numbers are written in groups of 2 to 5 digits (one leading single digit allowed,
    # a country or trunk code); longer groups only after a trunk 0 ("01632 960123").
    # Version numbers ("120.0.6099.144") have single digits in the middle; ids have long runs.
    if any(len(g) == 1 for g in groups[1:]):
        return False
    longest = max(len(g) for g in groups)
    return longest <= 5 or (text.lstrip("(").startswith("0") and longest <= 8)


def contains_phone(text: str) -> bool:
    """A phone number anywhere in `text`: the whole value, or one standing on its own in free
    text (dates and times are ignored)."""
    if _SEVEN_DIGITS.search(text) is None:
        return False
    if looks_like_phone(text):
        return True
    blanked = _DATETIME.sub(" ", text)
    return any(looks_like_phone(m.group(0)) for m in _CANDIDATE.finditer(blanked))


def kinds(text: str) -> set[PiiKind]:
    """Which kinds of personal identifier `text` holds: "email", "phone", both or none."""
    found: set[PiiKind] = set()
    if contains_email(text):
        found.add(EMAIL)
    if contains_phone(text):
        found.add(PHONE)
    return found


def redact(text: str) -> str:
    """`text` with e-mail addresses and phone numbers replaced by placeholders (for reports,
    messages and logs, which must never show them)."""
    if "@" in text or "%40" in text.lower():
        text = _AT_TOKEN.sub("<e-mail hidden>", unquote(text) if "%" in text else text)
    if _SEVEN_DIGITS.search(text) is None:
        return text
    if looks_like_phone(text):
        return "<phone hidden>"
    blanked = _DATETIME.sub(lambda m: "\0" * len(m.group(0)), text)
    spans = [m.span() for m in _CANDIDATE.finditer(blanked) if looks_like_phone(m.group(0))]
    for start, end in reversed(spans):
        text = text[:start] + "<phone hidden>" + text[end:]
    return text
