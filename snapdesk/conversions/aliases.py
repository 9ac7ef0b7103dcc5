"""Column names → payload fields: the one alias table of the Conversions API import.

Seed 003's standard names (`em`, `event_time`, `order_id`, …) are matched in any case. Marketers'
exports name the same things differently (`Email Address`, `Phone Number`, `Zip`, `Customer ID`,
`IP Address`, `Event Time`), so a header is also compared with case, spaces, dashes, underscores
and other punctuation ignored: first against this table, then against the standard names. The
CLI (`--map COLUMN=FIELD`) and the GUI's mapping table read targets through `parse_target` and
`TARGETS` below; nothing else keeps a list of field names.

    automatic_field("E-mail Address")    # ("em", "alias")
    automatic_field("Event Time")        # ("event_time", "standard")
    automatic_field("Notes")             # (None, "custom")
    parse_target("email")                # "em"
    parse_target("custom_data.store")    # "custom_data.store"
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final, Literal

from snapdesk.conversions.fields import (
    ANON_ID,
    APP_FIELDS,
    CUSTOM_COUNTRY,
    CUSTOM_FIELDS,
    EXTINFO_COLUMNS,
    HASHED_USER_FIELDS,
    PLAIN_USER_FIELDS,
    STANDARD_COLUMNS,
    TOP_LEVEL,
)

__all__ = [
    "ALIASES",
    "CUSTOM_PREFIX",
    "DESCRIPTIONS",
    "DROP",
    "TARGETS",
    "Origin",
    "TargetError",
    "aliases_of",
    "allowed_targets",
    "automatic_field",
    "numbered_alias",
    "parse_target",
    "squash",
    "target_group",
]

Origin = Literal["standard", "alias", "mapped", "dropped", "custom"]
CUSTOM_PREFIX: Final = "custom_data."
DROP: Final = "drop"

# Each user_data field and the header spellings that mean it, written squashed (lower case,
# letters and digits only). Prefixes such as "billing", "customer" or "primary" are tried off
# as well (`_PREFIXES`), so "Billing Zip" and "Customer Email" need no entry of their own.
_USER_ALIASES: Final[dict[str, tuple[str, ...]]] = {
    "em": (
        "email", "emails", "emailaddress", "emailaddresses", "emailaddr", "mail",
        "mailaddress", "emailid", "hashedemail", "emailhash", "emailsha256", "sha256email",
    ),
    "ph": (
        "phone", "phones", "phonenumber", "phonenumbers", "phoneno", "phonenr", "mobile",
        "mobilephone", "mobilenumber", "mobileno", "mobilephonenumber", "cell", "cellphone",
        "cellnumber", "cellphonenumber", "cellular", "telephone", "telephonenumber", "tel",
        "telnumber", "msisdn", "hashedphone", "phonehash", "phonesha256", "sha256phone",
    ),
    "fn": ("firstname", "fname", "givenname", "forename", "first"),
    "ln": ("lastname", "lname", "surname", "familyname", "last"),
    "ge": ("gender", "sex"),
    "ct": ("city", "town", "cityname"),
    "st": ("state", "province", "stateprovince", "stateorprovince", "statecode", "provincecode"),
    "zp": (
        "zip", "zipcode", "postalcode", "postcode", "postal", "zippostalcode",
        "postalzipcode", "zipcodepostalcode",
    ),
    "country": ("countrycode", "countryname", "countryiso", "nation"),
    "external_id": (
        "externalid", "customerid", "customerno", "customernumber", "crmid", "memberid",
        "loyaltyid", "loyaltynumber", "clientid", "userid", "contactid",
    ),
    "client_ip_address": (
        "ip", "ipaddress", "ipaddr", "ipv4", "ipv6", "clientip", "clientipaddress", "remoteip",
    ),
    "client_user_agent": ("useragent", "ua", "browseruseragent", "clientuseragent"),
    "madid": (
        "madid", "maid", "idfa", "gaid", "aaid", "adid", "advertisingid", "mobileadid",
        "mobileadvertisingid", "mobileadvertiserid", "deviceadid", "googleadid",
        "androidadvertisingid", "appleidfa",
    ),
    "sc_click_id": ("clickid", "snapclickid", "scclickid", "sccid"),
    "sc_cookie1": ("scid", "snapcookie", "scookie"),
    "idfv": ("vendorid", "identifierforvendor"),
}  # fmt: skip
_PREFIXES: Final = (
    "customer", "contact", "user", "billing", "shipping", "primary", "personal", "home", "work",
    "main", "buyer", "client",
)  # fmt: skip

ALIASES: Final[Mapping[str, str]] = {
    alias: field for field, names in _USER_ALIASES.items() for alias in names
}


def squash(text: str) -> str:
    """Lower case, letters and digits only: "E-mail Address" → "emailaddress"."""
    return "".join(ch for ch in text.lower() if ch.isalnum())


_SQUASHED_STANDARD: Final[dict[str, str]] = {squash(name): name for name in STANDARD_COLUMNS}
_TRAILING_DIGITS = re.compile(r"(.*?[a-z])(\d+)")


def _alias(squashed: str) -> str | None:
    if squashed in ALIASES:
        return ALIASES[squashed]
    for prefix in _PREFIXES:
        rest = squashed.removeprefix(prefix)
        if rest != squashed and rest in ALIASES:
            return ALIASES[rest]
    return None


def automatic_field(header: str) -> tuple[str | None, Origin]:
    """The standard field a header means, and how it was recognised: ("em", "alias") for
    "Email Address", ("event_time", "standard") for "Event Time"; (None, "custom") for a column
    that is none of them (it goes to custom_data under its own name)."""
    key = header.strip().lower()
    if key in STANDARD_COLUMNS:
        return key, "standard"
    squashed = squash(header)
    alias = _alias(squashed)
    if alias is not None:
        return alias, "alias"
    if squashed in _SQUASHED_STANDARD:
        return _SQUASHED_STANDARD[squashed], "standard"
    return None, "custom"


def numbered_alias(header: str) -> tuple[str, int] | None:
    """ "Email 2" / "phone_3" / "Mobile2": (field, n) when the header is an alias followed by an
    element number (several columns of one array field)."""
    match = _TRAILING_DIGITS.fullmatch(squash(header))
    if match is None:
        return None
    base = _alias(match.group(1)) or _SQUASHED_STANDARD.get(match.group(1))
    if base is None:
        return None
    return base, int(match.group(2))


def aliases_of(field: str) -> tuple[str, ...]:
    """The squashed header spellings recognised for `field` (for documentation and tooltips)."""
    return _USER_ALIASES.get(field, ())


# -- targets: what a column can be mapped to (--map COLUMN=FIELD, the GUI's mapping table) ------

TargetGroup = Literal["hashed", "plain", "event", "custom", "app"]

#: Every field a column can be mapped to, in the order the GUI lists them, with its group:
#: hashed user_data identifiers, plain (unhashed) user_data fields, event fields, custom_data
#: fields and app_data fields (app events only).
TARGETS: Final[tuple[tuple[str, TargetGroup], ...]] = (
    *((name, "hashed") for name in HASHED_USER_FIELDS),
    *((name, "plain") for name in PLAIN_USER_FIELDS),
    *((name, "event") for name in TOP_LEVEL if name != "action_source"),
    *((name, "custom") for name in CUSTOM_FIELDS),
    (ANON_ID, "custom"),
    *((name, "app") for name in (*APP_FIELDS, *EXTINFO_COLUMNS)),
)
_TARGET_NAMES: Final = frozenset(name for name, _group in TARGETS)
_CUSTOM_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,99}")


class TargetError(ValueError):
    """A --map FIELD that names no field; `message` is one line for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def parse_target(text: str) -> str:
    """A mapping target as the user wrote it → its canonical form: a standard field name
    ("em", "order_id", "event_time", "custom_country"), "custom_data.NAME" (a custom field of
    that name) or "drop". Aliases are accepted ("email" → "em"), and so are "user_data.em" and
    "custom_data.order_id". Raises `TargetError` for anything else."""
    raw = text.strip()
    lowered = raw.lower()
    if lowered == DROP:
        return DROP
    if lowered.startswith("user_data."):
        name = lowered.removeprefix("user_data.")
        if name in HASHED_USER_FIELDS or name in PLAIN_USER_FIELDS:
            return name
        raise TargetError(_unknown(raw))
    if lowered.startswith(CUSTOM_PREFIX):
        name = raw[len(CUSTOM_PREFIX) :].strip()
        if name.lower() == "country":
            return CUSTOM_COUNTRY
        if name.lower() in CUSTOM_FIELDS or name.lower() == ANON_ID:
            return name.lower()
        if not _CUSTOM_NAME.fullmatch(name):
            raise TargetError(_unknown(raw))
        return CUSTOM_PREFIX + name
    if lowered in _TARGET_NAMES:
        return lowered
    field, origin = automatic_field(raw)
    if field is not None and origin == "alias":
        return field
    raise TargetError(_unknown(raw))


def _unknown(text: str) -> str:
    return (
        f"unknown field {text!r}: use a user_data field ({', '.join(HASHED_USER_FIELDS)}, "
        "client_ip_address, client_user_agent, madid, …), an event or custom_data field "
        "(event_time, order_id, value, …), custom_data.NAME, or drop"
    )


#: What the user_data fields are, in words (for the mapping table's field chooser).
DESCRIPTIONS: Final[dict[str, str]] = {
    "em": "email",
    "ph": "phone",
    "fn": "first name",
    "ln": "last name",
    "ge": "gender",
    "ct": "city",
    "st": "state",
    "zp": "zip / postal code",
    "country": "country",
    "external_id": "customer id",
    "client_ip_address": "IP address",
    "client_user_agent": "user agent",
    "madid": "mobile ad id",
    "sc_click_id": "Snap click id",
    "sc_cookie1": "Snap cookie",
    "idfv": "iOS vendor id",
    "subscription_id": "subscription id",
    "lead_id": "lead id",
    "download_id": "download id",
}


def allowed_targets(*, personal: bool, source: str) -> tuple[str, ...]:
    """What a column may be mapped to, in the chooser's order (canonical names, "drop" last).

    A personal column — hashed now, or holding e-mail addresses or phone numbers — may only be
    sent as a hashed user_data field, or dropped: nothing else would keep it hashed. App-data
    fields are offered for app events only."""
    if personal:
        return (*HASHED_USER_FIELDS, DROP)
    names = [n for n, g in TARGETS if g != "app" or source == "app"]
    return (*names, DROP)


def target_group(target: str) -> TargetGroup:
    """The group of a canonical target (custom_data.NAME is "custom")."""
    for name, group in TARGETS:
        if name == target:
            return group
    return "custom"
