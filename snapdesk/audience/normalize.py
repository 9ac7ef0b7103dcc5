"""Customer-list identifiers: Snap's schema names, what a cell looks like, and the rules.

The rules themselves (normalization, validation, reject reasons, SHA-256) are not here: they
are `snapdesk.core.identity`'s, the one module every pipeline uses (the Conversions API too),
re-exported below under the names the customer-list code has always used. The fast paths in
`_fast` (numpy, and the C accelerator) only ever accept what those functions accept, and hand
everything else back to them.
"""

from __future__ import annotations

import re
from typing import Final

from snapdesk.core.identity import (
    HEX64_RE,
    ID_TYPES,
    INVALID_EMAIL,
    INVALID_MAID,
    INVALID_PHONE,
    MAX_CELL,
    NO_COUNTRY_CODE,
    OTHER_HASH,
    REASONS,
    TOO_LONG,
    UNKNOWN_COUNTRY_CODE,
    UUID_RE,
    ZERO_MAID,
    ZERO_UUID,
    IdType,
    Normalized,
    Rejected,
    check_country,
    clean,
    country_code_of,
    describe_reason,
    hash_identifier,
    international_digits,
    is_sha256_hex,
    normalize,
    normalize_email,
    normalize_maid,
    normalize_phone,
    sha256_hex,
)

__all__ = [
    "EMAIL_SHA256",
    "ID_TYPES",
    "INVALID_EMAIL",
    "INVALID_MAID",
    "INVALID_PHONE",
    "MAX_CELL",
    "MOBILE_AD_ID_SHA256",
    "NO_COUNTRY_CODE",
    "OTHER_HASH",
    "PHONE_SHA256",
    "REASONS",
    "SCHEMAS",
    "SCHEMA_FOR_TYPE",
    "TOO_LONG",
    "TYPE_FOR_SCHEMA",
    "UNKNOWN_COUNTRY_CODE",
    "ZERO_MAID",
    "ZERO_UUID",
    "IdType",
    "Normalized",
    "Rejected",
    "check_country",
    "clean",
    "country_code_of",
    "describe_reason",
    "hash_identifier",
    "international_digits",
    "is_sha256_hex",
    "looks_like",
    "normalize",
    "normalize_email",
    "normalize_maid",
    "normalize_phone",
    "sha256_hex",
]

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


def looks_like(value: str) -> str | None:
    """What a single cell looks like for content sniffing: email, maid, phone, sha256 or None."""
    text = clean(value)
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
