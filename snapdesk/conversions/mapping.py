"""Columns → v3 event payloads, with seed 003's validation rules.

`plan_columns(headers, source)` decides once where every column goes (the mapping table) and
finds the file-level problems; `map_row(plan, cells, ...)` turns one row into an event or into
row-level issues. Both are pure functions; `load.py` reads files with them.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import math
import re
import shlex
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Final, Literal

from snapdesk.conversions import pii
from snapdesk.conversions._iso import CURRENCIES
from snapdesk.conversions.aliases import (
    CUSTOM_PREFIX,
    DROP,
    Origin,
    automatic_field,
    numbered_alias,
    squash,
)
from snapdesk.conversions.fields import (
    ACTION_SOURCE,
    ANON_ID,
    APP_FIELDS,
    ARRAY_CAPABLE,
    CONTENT_PROPERTIES,
    CONTENT_TYPES,
    CONTENTS,
    CUSTOM_ARRAY,
    CUSTOM_COUNTRY,
    CUSTOM_FIELDS,
    CUSTOM_FLOAT,
    CUSTOM_INT,
    CUSTOM_STRING_OR_ARRAY,
    DATA_PROCESSING_OPTIONS,
    DATE_FIELDS,
    DESTINATION_FIELDS,
    EVENT_NAMES,
    EXTINFO_COLUMNS,
    EXTINFO_INT64,
    EXTINFO_LENGTH,
    EXTINFO_PLATFORMS,
    FUTURE_TOLERANCE_SECONDS,
    HASHED_USER_FIELDS,
    IDENTIFIER_FIELDS,
    PLAIN_USER_FIELDS,
    TOP_LEVEL,
    TRAVEL_FIELDS,
    USER_FIELDS,
    Source,
)
from snapdesk.conversions.model import (
    ColumnMapping,
    ColumnRefusal,
    ConversionsError,
    LoadOptions,
    MappingError,
    PiiKind,
    RowIssue,
    Severity,
)
from snapdesk.conversions.normalize import (
    NormalizationError,
    hash_user_value,
    is_blank,
    normalize_madid,
)

__all__ = [
    "ColumnPlan",
    "EventTimeError",
    "RowOutcome",
    "find_refusals",
    "map_row",
    "mint_event_id",
    "parse_event_time",
    "plan_columns",
    "sends_raw",
    "with_refusals",
]

Kind = Literal[
    "top",
    "user",
    "anon",
    "custom",
    "custom_country",
    "contents",
    "content_item",
    "app",
    "extinfo",
    "extinfo_item",
    "flat",
    "extra",
    "extra_item",
    "ignored",
]

_CONTENT_ITEM = re.compile(r"content_(id|quantity|item_price|delivery_category)_(\d+)")
_FLAT = re.compile(r"(.+)_(\d+)")
_ISO_Z = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?[Zz]")
_EPOCH = re.compile(r"\d+(?:\.\d+)?")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_DATE_COMPACT = re.compile(r"\d{8}")
_DATE_DASHED = re.compile(r"\d{4}-\d{2}-\d{2}")
_IOS_APP_ID = re.compile(r"\d+")
_ANDROID_PACKAGE = re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)+")
_INT64 = re.compile(r"[+-]?\d+")
_TRUE: Final = {"1", "true", "yes", "y", "t", "opt_in"}
_FALSE: Final = {"0", "false", "no", "n", "f", "opt_out"}
_INT64_MAX: Final = 2**63 - 1


# ------------------------------------------------------------------------------- columns


@dataclass(frozen=True)
class Column:
    """One column of the file and where it goes."""

    index: int
    header: str
    kind: Kind
    field: str
    n: int = 0
    prop: str = ""
    origin: Origin = "standard"


@dataclass(frozen=True)
class ColumnPlan:
    """Where every column goes, and the file-level problems found from the header alone."""

    source: Source
    columns: tuple[Column, ...]
    mappings: tuple[ColumnMapping, ...]
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    #: mappings the user chose that would send a personal column raw (header-level)
    refusals: tuple[ColumnRefusal, ...] = ()
    single: dict[str, Column] = field(default_factory=dict)
    #: further columns of an array-capable field ("Email" and "Email Address" → em)
    more: dict[str, tuple[Column, ...]] = field(default_factory=dict)
    flats: dict[str, tuple[Column, ...]] = field(default_factory=dict)
    content_items: dict[int, tuple[Column, ...]] = field(default_factory=dict)
    extinfo_items: tuple[Column | None, ...] = ()
    extras: tuple[Column, ...] = ()
    extra_groups: dict[str, tuple[Column, ...]] = field(default_factory=dict)

    @property
    def width(self) -> int:
        return len(self.columns)

    def has(self, kind: str, name: str) -> bool:
        key = f"{kind}:{name}"
        return key in self.single or key in self.flats


def _section(field_name: str) -> str:
    if field_name in USER_FIELDS:
        return "user_data"
    if field_name in CUSTOM_FIELDS:
        return "custom_data"
    return ""


def _handling(kind: Kind, name: str) -> str:
    if kind == "top":
        return {
            "event_name": "upper-cased; one of Snap's event names",
            "event_time": "epoch milliseconds (from epoch, ISO 8601 or timestamp)",
            "event_source_url": "as-is; must start with http:// or https://",
            "event_id": "as-is (deduplication key)",
            "data_processing_options": "array of LMU / LDU / DELETE",
            "advertiser_tracking_enabled": "boolean (1 = opt-in, 0 = opt-out)",
        }.get(name, "as-is")
    if kind == "user":
        if name in HASHED_USER_FIELDS:
            return "normalized + SHA-256 (SHA-256 hex passes through)"
        if name == "madid":
            return "lower-cased IDFA/GAID (UUID form), not hashed"
        if name in ("sc_click_id", "sc_cookie1"):
            return "as-is (UUID), not hashed"
        if name == "client_ip_address":
            return "as-is (IPv4/IPv6), never hashed"
        return "as-is, never hashed" if name == "client_user_agent" else "as-is"
    if kind == "custom":
        if name in CUSTOM_FLOAT:
            return "number"
        if name in CUSTOM_INT:
            return "whole number"
        if name == "currency":
            return "ISO 4217 code, upper-cased"
        if name == "content_type":
            return "product or product_group"
        if name in DATE_FIELDS:
            return "date: YYYYMMDD or YYYY-MM-DD"
        if name in CUSTOM_ARRAY:
            return "array (single id, comma-separated list or JSON array)"
        if name in CUSTOM_STRING_OR_ARRAY:
            return "string, or array for several values"
        return "as-is"
    return "as-is"


def plan_columns(
    headers: Sequence[str],
    source: Source,
    *,
    column_map: Sequence[tuple[str, str]] = (),
    drop_columns: Sequence[str] = (),
) -> ColumnPlan:
    """Classify the header: standard names case-insensitively, the alias table's spellings
    (`aliases.py`), flattened arrays, object arrays, extinfo columns, custom fields; then the
    user's `column_map` ((column, canonical field) pairs) and `drop_columns` override that.
    File-level rules of seed 003 become `errors`/`warnings`. Raises `MappingError` when
    `column_map` or `drop_columns` name a column the header doesn't have."""
    errors: list[str] = []
    warnings: list[str] = []
    refusals: list[ColumnRefusal] = []
    app = source == "app"

    seen: dict[str, list[str]] = {}
    for raw in headers:
        seen.setdefault(raw.strip().lower(), []).append(raw.strip())
    dupes = [names for key, names in seen.items() if key and len(names) > 1]
    if dupes:
        listed = "; ".join(" = ".join(repr(n) for n in names) for names in dupes)
        errors.append(f"duplicate column names are not allowed: {listed}")

    overrides = {_find_column(headers, c, "--map"): t for c, t in column_map}
    dropped = {_find_column(headers, c, "--drop") for c in drop_columns}

    columns: list[Column] = []
    candidates: list[tuple[int, str, str, int]] = []  # unknown columns named <base>_<n>
    ignored_app: list[str] = []
    for index, raw in enumerate(headers):
        header = raw.strip()
        key = header.lower()
        if not header:
            errors.append(f"column {index + 1} has no name")
            continue
        if index in dropped:
            columns.append(Column(index, header, "ignored", key, origin="dropped"))
            continue
        if index in overrides:
            target = overrides[index]
            col = _target_column(index, header, target, app, warnings, ignored_app)
            columns.append(col)
            refusal = _downgrade(header, col)
            if refusal is not None:
                refusals.append(refusal)
            continue
        item = _CONTENT_ITEM.fullmatch(key)
        field_name, origin = automatic_field(header)
        flat = _FLAT.fullmatch(key)
        numbered = numbered_alias(header)
        if item:
            columns.append(
                Column(index, header, "content_item", CONTENTS, int(item.group(2)), item.group(1))
            )
        elif field_name is not None:
            col = _standard(index, header, field_name, app, warnings, ignored_app)
            columns.append(replace(col, origin=origin))
        elif flat and flat.group(1) in ARRAY_CAPABLE:
            columns.append(Column(index, header, "flat", flat.group(1), int(flat.group(2))))
        elif numbered is not None and numbered[0] in ARRAY_CAPABLE:
            columns.append(Column(index, header, "flat", numbered[0], numbered[1], origin="alias"))
        elif flat:
            base = header[: len(flat.group(1))]
            candidates.append((index, header, base, int(flat.group(2))))
        else:
            columns.append(Column(index, header, "extra", header, origin="custom"))
    if ignored_app:
        warnings.append(
            f"app-event columns are ignored for {source} events: {', '.join(ignored_app)}"
        )

    groups: dict[str, list[tuple[int, str, str, int]]] = {}
    for cand in candidates:
        groups.setdefault(cand[2].lower(), []).append(cand)
    for group in groups.values():
        if any(n == 1 for *_, n in group):
            for index, header, _base, n in group:
                columns.append(Column(index, header, "extra_item", group[0][2], n, origin="custom"))
        else:  # not a flattened array (no element 1): an ordinary custom field
            for index, header, _base, _n in group:
                columns.append(Column(index, header, "extra", header, origin="custom"))
    columns.sort(key=lambda c: c.index)
    columns = _place_locations(columns, warnings)

    single: dict[str, Column] = {}
    more: dict[str, list[Column]] = {}
    flats: dict[str, list[Column]] = {}
    content_items: dict[int, list[Column]] = {}
    extinfo: list[Column | None] = [None] * EXTINFO_LENGTH
    extras: list[Column] = []
    extra_groups: dict[str, list[Column]] = {}
    for col in columns:
        if col.kind == "flat":
            flats.setdefault(f"{_section(col.field) or 'top'}:{col.field}", []).append(col)
        elif col.kind == "content_item":
            content_items.setdefault(col.n, []).append(col)
        elif col.kind == "extinfo_item":
            extinfo[EXTINFO_COLUMNS.index(col.field)] = col
        elif col.kind == "extra":
            extras.append(col)
        elif col.kind == "extra_item":
            extra_groups.setdefault(col.field, []).append(col)
        elif col.kind != "ignored":
            key = f"{col.kind}:{col.field}"
            first = single.setdefault(key, col)
            if first is col:
                continue
            if col.field in ARRAY_CAPABLE:  # "Email" and "Email Address": both hashed into em
                more.setdefault(key, []).append(col)
            elif first.header.lower() != col.header.lower():  # (same name: reported above)
                errors.append(
                    f'columns "{first.header}" and "{col.header}" both map to {col.field}: '
                    f"drop one with --drop {shlex.quote(col.header)}"
                )

    plan = ColumnPlan(
        source=source,
        columns=tuple(columns),
        mappings=(),
        single=single,
        more={k: tuple(v) for k, v in more.items()},
        flats={k: tuple(sorted(v, key=lambda c: c.n)) for k, v in flats.items()},
        content_items={k: tuple(v) for k, v in sorted(content_items.items())},
        extinfo_items=tuple(extinfo),
        extras=tuple(extras),
        extra_groups={k: tuple(sorted(v, key=lambda c: c.n)) for k, v in extra_groups.items()},
    )
    _required_columns(plan, errors, warnings)
    return replace(
        plan,
        mappings=tuple(_mappings(plan)),
        errors=tuple(errors),
        warnings=tuple(warnings),
        refusals=tuple(refusals),
    )


def _find_column(headers: Sequence[str], name: str, flag: str) -> int:
    """The index of the column the user named: exactly, else in any case, else with spaces
    and punctuation ignored (when that names one column only)."""
    wanted = name.strip()
    stripped = [h.strip() for h in headers]
    for test in (
        lambda h: h == wanted,
        lambda h: h.lower() == wanted.lower(),
        lambda h: squash(h) == squash(wanted) and squash(wanted) != "",
    ):
        found = [i for i, h in enumerate(stripped) if test(h)]
        if len(found) == 1:
            return found[0]
    listed = ", ".join(f'"{h}"' for h in stripped if h)
    what = "map" if flag == "--map" else "drop"
    raise MappingError(
        f'{flag} names a column the file doesn\'t have: "{wanted}" '
        f"(nothing to {what}; the columns are {listed})"
    )


def _target_column(
    index: int, header: str, target: str, app: bool, warnings: list[str], ignored_app: list[str]
) -> Column:
    """The column as the user mapped it (`target` canonical, see `aliases.parse_target`)."""
    if target.startswith(CUSTOM_PREFIX):
        return Column(index, header, "extra", target[len(CUSTOM_PREFIX) :], origin="mapped")
    col = _standard(index, header, target, app, warnings, ignored_app)
    return replace(col, origin="mapped")


def _downgrade(header: str, col: Column) -> ColumnRefusal | None:
    """A user's mapping that would send raw what snapdesk hashes: "First Name" → custom_data."""
    meant, _origin = automatic_field(header)
    if meant is None:
        numbered = numbered_alias(header)
        meant = numbered[0] if numbered is not None else None
    if meant not in HASHED_USER_FIELDS or _hashed(col):
        return None
    target = _target_path(col) or col.field
    return ColumnRefusal(col.header, mapped_to=target, personal_field=meant, suggest=meant)


def _place_locations(columns: list[Column], warnings: list[str]) -> list[Column]:
    """Seed 003's destination `city` is the customer's city (ct, hashed) in a file without
    travel fields; `postal_code`/`region` stay the destination's, with a warning naming the
    hashed field for a customer's address."""
    travel = any(c.field in TRAVEL_FIELDS or c.kind == "custom_country" for c in columns)
    out: list[Column] = []
    for col in columns:
        automatic = col.origin == "standard" and col.kind == "custom"
        if automatic and col.field == "city" and not travel:
            col = replace(col, kind="user", field="ct", origin="alias")
        elif automatic and col.field in DESTINATION_FIELDS and not travel:
            hashed = DESTINATION_FIELDS[col.field]
            warnings.append(
                f'column "{col.header}" is sent as custom_data.{col.field}, a travel '
                f"destination, as it is; if it holds the customer's address, map it with "
                f"--map {shlex.quote(col.header + '=' + hashed)}"
            )
        out.append(col)
    return out


def _hashed(col: Column) -> bool:
    return col.kind in ("user", "flat") and col.field in HASHED_USER_FIELDS


def sends_raw(col: Column) -> bool:
    """The column's values leave the computer as they are (not hashed, not dropped)."""
    return col.kind != "ignored" and not _hashed(col)


def _standard(
    index: int, header: str, key: str, app: bool, warnings: list[str], ignored_app: list[str]
) -> Column:
    if key == "action_source":
        warnings.append(
            f"column {header!r} is ignored: action_source is set from the event source type"
        )
        return Column(index, header, "ignored", key)
    if key == "advertiser_tracking_enabled":
        return Column(index, header, "app" if app else "top", key)
    if key in TOP_LEVEL:
        return Column(index, header, "top", key)
    if key in USER_FIELDS:
        return Column(index, header, "user", key)
    if key == ANON_ID:
        return Column(index, header, "anon", key)
    if key == CUSTOM_COUNTRY:
        return Column(index, header, "custom_country", "country")
    if key == CONTENTS:
        return Column(index, header, "contents", key)
    if key in CUSTOM_FIELDS:
        return Column(index, header, "custom", key)
    if not app:
        ignored_app.append(header)
        return Column(index, header, "ignored", key)
    if key == "extinfo":
        return Column(index, header, "extinfo", key)
    if key in APP_FIELDS:
        return Column(index, header, "app", key)
    return Column(index, header, "extinfo_item", key)  # one of the 16 named extinfo columns


def _required_columns(plan: ColumnPlan, errors: list[str], warnings: list[str]) -> None:
    for name in ("event_name", "event_time"):
        if not plan.has("top", name):
            errors.append(f"the required column {name} is missing")
    if plan.source == "web" and not plan.has("top", "event_source_url"):
        errors.append("the column event_source_url is required for web events")
    if not any(plan.has("user", f) or plan.has("user_data", f) for f in IDENTIFIER_FIELDS):
        errors.append(
            "at least one identifier column is required: em, ph, sc_click_id, "
            "client_ip_address, client_user_agent or madid"
        )
    if plan.source != "app":
        return
    for name in ("advertiser_tracking_enabled", "app_id"):
        if not plan.has("app", name):
            errors.append(f"the column {name} is required for app events")
    has_named = any(c is not None for c in plan.extinfo_items)
    if plan.has("extinfo", "extinfo"):
        if has_named:
            warnings.append("the extinfo column is used; the named extinfo columns are ignored")
    else:
        missing = [EXTINFO_COLUMNS[i] for i, c in enumerate(plan.extinfo_items) if c is None]
        if missing:
            errors.append(
                "app events need extinfo: an extinfo column, or all 16 named columns "
                f"(missing: {', '.join(missing)})"
            )


def _target_path(col: Column) -> str:
    """Where the column's value goes in the payload ("" when it is not sent)."""
    kind, name = col.kind, col.field
    if kind == "top":
        return name
    if kind == "user":
        return f"user_data.{name}"
    if kind == "anon":
        return "custom_data.anon_id"
    if kind in ("custom", "contents", "extra"):
        return f"custom_data.{name}"
    if kind == "custom_country":
        return "custom_data.country"
    if kind == "content_item":
        return f"custom_data.contents[{col.n}].{col.prop}"
    if kind == "app":
        return f"app_data.{name}"
    if kind == "extinfo":
        return "app_data.extinfo"
    if kind == "extinfo_item":
        return f"app_data.extinfo[{EXTINFO_COLUMNS.index(name)}]"
    if kind == "flat":
        section = _section(name)
        return f"{section + '.' if section else ''}{name}[{col.n}]"
    if kind == "extra_item":
        return f"custom_data.{name}[{col.n}]"
    return ""


def _field_key(col: Column) -> str:
    """The column's field as `--map` would name it (see `ColumnMapping.field`)."""
    if col.origin == "dropped":
        return DROP
    if col.kind in ("top", "user", "anon", "custom", "contents", "app", "extinfo"):
        return col.field
    if col.kind == "custom_country":
        return "custom_country"
    if col.kind == "extinfo_item":
        return col.field
    if col.kind == "flat":
        return col.field
    if col.kind == "extra":
        return CUSTOM_PREFIX + col.field
    return ""


def _mappings(plan: ColumnPlan) -> list[ColumnMapping]:
    out: list[ColumnMapping] = []
    for col in plan.columns:
        kind, name = col.kind, col.field
        target = _target_path(col)
        if col.origin == "dropped":
            handling = "not sent"
        elif kind == "ignored":
            handling = "not sent"
        elif kind == "anon":
            handling = "as-is (Snap rejects anon_id inside user_data)"
        elif kind == "extra":
            handling = "custom field, as-is (ISO 8601 date-times ending in Z → Unix ms)"
        elif kind == "extra_item":
            handling = f"custom field, array element {col.n}, as-is"
        elif kind == "flat":
            handling = f"array element {col.n}; " + _handling(
                "user" if _section(name) == "user_data" else "custom", name
            )
        elif kind == "content_item":
            handling = f"contents object {col.n}, {CONTENT_PROPERTIES[col.prop]}"
        elif kind == "extinfo_item":
            handling = "Int64" if name in EXTINFO_INT64 else "string"
            if name == "device_os":
                handling = "i2 (iOS) or a2 (Android)"
        elif kind == "extinfo":
            handling = "JSON array of 16 elements"
        elif kind == "contents":
            handling = "JSON array of objects (id, quantity, item_price, delivery_category)"
        elif kind == "app":
            handling = (
                "boolean (1 = opt-in, 0 = opt-out)"
                if name == "advertiser_tracking_enabled"
                else "iOS App Store id or Android package name"
            )
        else:
            handling = _handling(kind, name)
        standard = kind not in ("extra", "extra_item")
        out.append(
            ColumnMapping(
                col.header,
                target,
                handling,
                standard,
                field=_field_key(col),
                origin=col.origin,
                personal=_hashed(col),
            )
        )
    return out


# ------------------------------------------------------------------------------- values


class EventTimeError(ValueError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def parse_event_time(text: str) -> int:
    """`event_time` as epoch milliseconds.

    Accepts a Unix epoch of 10 or more digits (10–11: seconds, 12–14: milliseconds, 15–17:
    microseconds, longer: nanoseconds), an ISO 8601 date-time, or a timestamp such as
    "2024-08-28 15:30:00". Values without a time zone are UTC.
    """
    value = text.strip()
    if _EPOCH.fullmatch(value):
        digits = len(value.split(".")[0])
        if digits < 10:
            raise EventTimeError("a Unix epoch needs 10 or more digits")
        number = Decimal(value)
        if digits <= 11:
            number *= 1000
        elif digits >= 18:
            number /= 1_000_000
        elif digits >= 15:
            number /= 1000
        return int(number)
    moment = _parse_datetime(value)
    if moment is None:
        raise EventTimeError(
            "must be a Unix epoch (10+ digits), an ISO 8601 date-time or a timestamp"
        )
    return int(moment.timestamp() * 1000)


def _parse_datetime(value: str) -> datetime | None:
    text = value.strip()
    if not text or not text[0].isdigit():
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


def _cell_values(text: str, *, comma: bool = False) -> list[str]:
    """A cell that holds several values: a JSON array, or (when `comma`) a comma list."""
    stripped = text.strip()
    if stripped.startswith("[") and stripped.endswith("]"):
        try:
            parsed = json.loads(stripped)
        except ValueError:
            parsed = None
        if isinstance(parsed, list):
            return [_scalar_text(v) for v in parsed if v is not None and _scalar_text(v) != ""]
    if comma:
        return [part.strip() for part in stripped.split(",") if part.strip()]
    return [stripped]


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _number(text: str) -> float | None:
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        return None
    value = float(number)
    return value if math.isfinite(value) else None


def _whole(text: str) -> int | None:
    value = text.strip()
    if not _INT64.fullmatch(value):
        number = _number(value)
        if number is None or not number.is_integer():
            return None
        return int(number)
    return int(value)


def _boolean(text: str) -> bool | None:
    value = text.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    return None


def _valid_date(text: str) -> bool:
    value = text.strip()
    if _DATE_COMPACT.fullmatch(value):
        fmt = "%Y%m%d"
    elif _DATE_DASHED.fullmatch(value):
        fmt = "%Y-%m-%d"
    else:
        return False
    try:
        datetime.strptime(value, fmt)
    except ValueError:
        return False
    return True


def _unix_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def mint_event_id(event: dict[str, Any], row: int) -> str:
    """A deterministic event id: the same row of the same file always gets the same id, so a
    retried or repeated send is deduplicated by Snap."""
    canonical = json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    digest = hashlib.sha256(f"{row}\n{canonical}".encode()).hexdigest()
    return f"sd-{digest[:32]}"


# ------------------------------------------------------------------------------- rows


@dataclass
class RowOutcome:
    """What `map_row` made of one row: the event (None if invalid) and its issues."""

    row: int
    event: dict[str, Any] | None
    issues: list[RowIssue]
    minted_id: bool = False

    @property
    def valid(self) -> bool:
        return self.event is not None


class _Row:
    def __init__(self, plan: ColumnPlan, cells: Sequence[str], row: int) -> None:
        self.plan = plan
        self.cells = cells
        self.row = row
        self.issues: list[RowIssue] = []

    def cell(self, col: Column | None) -> str | None:
        """The cell stripped; None when empty (null values are ignored)."""
        if col is None or col.index >= len(self.cells):
            return None
        value = self.cells[col.index].strip()
        return value or None

    def get(self, kind: str, name: str) -> tuple[Column | None, str | None]:
        col = self.plan.single.get(f"{kind}:{name}")
        return col, self.cell(col)

    def values(
        self, kind: str, section: str, name: str, *, comma: bool = False
    ) -> list[tuple[Column, str]]:
        """Every value of an array-capable field: its own column (maybe holding an array), the
        other columns mapped to it ("Email", "Email Address"), then the flattened `<name>_<n>`
        columns in index order."""
        out: list[tuple[Column, str]] = []
        col, text = self.get(kind, name)
        if col is not None and text is not None:
            out.extend((col, v) for v in _cell_values(text, comma=comma))
        for other in self.plan.more.get(f"{kind}:{name}", ()):
            value = self.cell(other)
            if value is not None:
                out.extend((other, v) for v in _cell_values(value, comma=comma))
        for flat in self.plan.flats.get(f"{section}:{name}", ()):
            value = self.cell(flat)
            if value is not None:
                out.append((flat, value))
        return out

    def issue(
        self, field_name: str, reason: str, value: str | None = None, severity: Severity = "error"
    ) -> None:
        # The offending cell goes into the report, messages and saved reports: e-mail
        # addresses and phone numbers in it are hidden (the row number says where to look).
        shown = pii.redact(value) if value is not None else None
        self.issues.append(RowIssue(self.row, field_name, reason, shown, severity))

    @property
    def has_errors(self) -> bool:
        return any(i.severity == "error" for i in self.issues)


def map_row(
    plan: ColumnPlan,
    cells: Sequence[str],
    *,
    row: int,
    options: LoadOptions,
    now: datetime,
) -> RowOutcome:
    """One row → one v3 event (`event` None when the row has errors; see `issues`)."""
    r = _Row(plan, cells, row)
    if len(cells) != plan.width:
        r.issue("(row)", f"has {len(cells)} cells but the header has {plan.width} columns")
        return RowOutcome(row, None, r.issues)

    event: dict[str, Any] = {}
    _top_level(r, event, options, now)
    user = _user_data(r, options)
    custom = _custom_data(r)
    if event.get("event_name") == "PURCHASE":
        for name in ("currency", "value"):
            col, text = r.get("custom", name)
            if text is None:
                where = "" if col is not None else " (the file has no such column)"
                r.issue(name, f"required for PURCHASE events{where}")
    event["user_data"] = user
    if custom:
        event["custom_data"] = custom
    if options.source == "app":
        event["app_data"] = _app_data(r)
    if r.has_errors:
        return RowOutcome(row, None, r.issues)
    minted = False
    if "event_id" not in event and options.mint_event_ids:
        event = {"event_id": mint_event_id(event, row), **event}
        minted = True
    return RowOutcome(row, _ordered(event), r.issues, minted)


_ORDER: Final = (
    "event_name",
    "event_time",
    "action_source",
    "event_source_url",
    "event_id",
    "data_processing_options",
    "advertiser_tracking_enabled",
    "user_data",
    "custom_data",
    "app_data",
)


def _ordered(event: dict[str, Any]) -> dict[str, Any]:
    return {k: event[k] for k in _ORDER if k in event}


def _top_level(r: _Row, event: dict[str, Any], options: LoadOptions, now: datetime) -> None:
    _, name = r.get("top", "event_name")
    if name is None:
        r.issue("event_name", "required")
    elif name.upper() not in EVENT_NAMES:
        r.issue("event_name", "not one of Snap's event names (e.g. PURCHASE, PAGE_VIEW)", name)
    else:
        event["event_name"] = name.upper()

    _, when = r.get("top", "event_time")
    if when is None:
        r.issue("event_time", "required")
    else:
        try:
            millis = parse_event_time(when)
        except EventTimeError as exc:
            r.issue("event_time", exc.reason, when)
        else:
            oldest = now - timedelta(days=options.window_days)
            latest = now + timedelta(seconds=FUTURE_TOLERANCE_SECONDS)
            if millis < _unix_ms(oldest):
                r.issue(
                    "event_time",
                    f"more than {options.window_days} days in the past (older events are skipped)",
                    when,
                )
            elif millis > _unix_ms(latest):
                r.issue("event_time", "in the future", when)
            else:
                event["event_time"] = millis

    event["action_source"] = ACTION_SOURCE[options.source]

    _, url = r.get("top", "event_source_url")
    if url is None:
        if options.source == "web":
            r.issue("event_source_url", "required for web events")
    else:
        scheme = url.split(":", 1)[0].lower() if "://" in url else ""
        if scheme not in ("http", "https") or len(url.split("://", 1)[1]) == 0:
            r.issue("event_source_url", "must include the protocol (http:// or https://)", url)
        else:
            event["event_source_url"] = url

    _, event_id = r.get("top", "event_id")
    if event_id is not None:
        event["event_id"] = event_id

    options_found = r.values("top", "top", "data_processing_options", comma=True)
    if options_found:
        chosen: list[str] = []
        for _col, value in options_found:
            upper = value.upper()
            if upper not in DATA_PROCESSING_OPTIONS:
                r.issue("data_processing_options", "accepted values are LMU and DELETE", value)
            elif upper not in chosen:
                chosen.append(upper)
        event["data_processing_options"] = chosen

    if options.source != "app":
        _, tracking = r.get("top", "advertiser_tracking_enabled")
        if tracking is not None:
            flag = _boolean(tracking)
            if flag is None:
                r.issue(
                    "advertiser_tracking_enabled", "must be 1 (opt-in) or 0 (opt-out)", tracking
                )
            else:
                event["advertiser_tracking_enabled"] = flag


_HARD_USER_ERRORS: Final = frozenset({"em", "ge", "country"})


def _user_data(r: _Row, options: LoadOptions) -> dict[str, Any]:
    user: dict[str, Any] = {}
    _, country = r.get("user", "country")
    if country is None:
        flats = r.values("user", "user_data", "country")
        country = flats[0][1] if flats else None
    for name in HASHED_USER_FIELDS:
        hashes: list[str] = []
        for _col, value in r.values("user", "user_data", name):
            if is_blank(value):
                continue  # nothing but invisible characters: a null value
            try:
                hashed = hash_user_value(
                    name, value, country=country, default_country=options.default_country
                )
            except NormalizationError as exc:
                if name in _HARD_USER_ERRORS:
                    r.issue(name, exc.reason, value)
                else:
                    r.issue(name, f"{exc.reason}; value not sent", value, "warning")
                continue
            if hashed.value not in hashes:
                hashes.append(hashed.value)
        if hashes:
            user[name] = hashes
    for name in PLAIN_USER_FIELDS:
        _, plain = r.get("user", name)
        if plain is None:
            continue
        if name in ("sc_click_id", "sc_cookie1") and not _UUID.fullmatch(plain):
            r.issue(name, "must be a UUID", plain)
            continue
        if name == "client_ip_address":
            try:
                ipaddress.ip_address(plain)
            except ValueError:
                r.issue(name, "not an IPv4 or IPv6 address", plain)
                continue
        if name == "madid":
            if is_blank(plain):
                continue
            try:
                plain = normalize_madid(plain)
            except NormalizationError as exc:
                r.issue(name, f"{exc.reason}; value not sent", plain, "warning")
                continue
        user[name] = plain
    if not any(name in user for name in IDENTIFIER_FIELDS):
        r.issue(
            "user_data",
            "no identifier: give at least one of em, ph, sc_click_id, client_ip_address, "
            "client_user_agent or madid",
        )
    return user


def _custom_data(r: _Row) -> dict[str, Any]:
    custom: dict[str, Any] = {}
    for col in r.plan.columns:
        if col.kind != "custom":
            continue
        name = col.field
        if name in CUSTOM_STRING_OR_ARRAY or name in CUSTOM_ARRAY:
            continue  # below, with their flattened columns
        value = r.cell(col)
        if value is None:
            continue
        if name in CUSTOM_FLOAT:
            number = _number(value)
            if number is None:
                r.issue(name, "must be a number", value)
            else:
                custom[name] = number
        elif name in CUSTOM_INT:
            whole = _whole(value)
            if whole is None:
                r.issue(name, "must be a whole number", value)
            else:
                custom[name] = whole
        elif name == "currency":
            code = value.upper()
            if code not in CURRENCIES:
                r.issue(name, "not an ISO 4217 currency code (e.g. USD, EUR, AED)", value)
            else:
                custom[name] = code
        elif name == "content_type":
            if value.lower() not in CONTENT_TYPES:
                r.issue(name, "accepted values are product and product_group", value)
            else:
                custom[name] = value.lower()
        elif name in DATE_FIELDS:
            if not _valid_date(value):
                r.issue(name, "must be a date as YYYYMMDD or YYYY-MM-DD", value)
            else:
                custom[name] = value
        else:
            custom[name] = value
    for name in CUSTOM_STRING_OR_ARRAY:
        found = r.values("custom", "custom_data", name)
        if not found:
            continue
        _, own = r.get("custom", name)
        as_array = (
            len(found) > 1
            or bool(r.plan.flats.get(f"custom_data:{name}"))
            or (own is not None and own.startswith("[") and own.endswith("]"))
        )
        custom[name] = [v for _c, v in found] if as_array else found[0][1]
    for name in CUSTOM_ARRAY:
        values = [v for _c, v in r.values("custom", "custom_data", name, comma=True)]
        if values:
            custom[name] = values
    contents = _contents(r)
    if contents:
        custom[CONTENTS] = contents
    _, destination = r.get("custom_country", "country")
    if destination is not None:
        custom["country"] = destination
    _, anon = r.get("anon", ANON_ID)
    if anon is not None:
        custom[ANON_ID] = anon
    for col in r.plan.extras:
        value = r.cell(col)
        if value is not None:
            custom[col.field] = _custom_value(value)
    for name, group in r.plan.extra_groups.items():
        items = [v for v in (r.cell(c) for c in group) if v is not None]
        if items:
            custom[name] = items
    return custom


def _custom_value(value: str) -> Any:
    """Custom fields go as-is, except ISO 8601 date-times ending in Z (→ Unix milliseconds)."""
    if _ISO_Z.fullmatch(value):
        moment = _parse_datetime(value)
        if moment is not None:
            return _unix_ms(moment)
    return value


def _content_item(r: _Row, obj: dict[str, Any], prop: str, value: Any, where: str) -> None:
    kind = CONTENT_PROPERTIES.get(prop)
    text = _scalar_text(value)
    if kind == "integer":
        whole = _whole(text)
        if whole is None:
            r.issue(where, "quantity must be a whole number", text)
            return
        obj[prop] = whole
    elif kind == "float":
        number = _number(text)
        if number is None:
            r.issue(where, "item_price must be a number", text)
            return
        obj[prop] = number
    else:
        obj[prop] = text


def _contents(r: _Row) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    _, raw = r.get("contents", CONTENTS)
    if raw is not None:
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            parsed = [parsed]
        if not isinstance(parsed, list) or not all(isinstance(o, dict) for o in parsed):
            r.issue(
                CONTENTS,
                "must be a JSON array of objects (id, quantity, item_price, delivery_category)",
                raw,
            )
        else:
            for item in parsed:
                obj: dict[str, Any] = {}
                for prop, value in item.items():
                    if prop not in CONTENT_PROPERTIES:
                        r.issue(CONTENTS, f"unknown property {prop!r} in contents", raw)
                        continue
                    if value is not None:
                        _content_item(r, obj, prop, value, CONTENTS)
                if obj:
                    out.append(obj)
    for group in r.plan.content_items.values():
        obj = {}
        for col in sorted(group, key=lambda c: list(CONTENT_PROPERTIES).index(c.prop)):
            value = r.cell(col)
            if value is not None:
                _content_item(r, obj, col.prop, value, col.header)
        if obj:
            out.append(obj)
    return out


def _app_data(r: _Row) -> dict[str, Any]:
    app: dict[str, Any] = {}
    _, tracking = r.get("app", "advertiser_tracking_enabled")
    if tracking is None:
        r.issue("advertiser_tracking_enabled", "required for app events")
    else:
        flag = _boolean(tracking)
        if flag is None:
            r.issue("advertiser_tracking_enabled", "must be 1 (opt-in) or 0 (opt-out)", tracking)
        else:
            app["advertiser_tracking_enabled"] = flag
    _, app_id = r.get("app", "app_id")
    if app_id is None:
        r.issue("app_id", "required for app events")
    elif not (_IOS_APP_ID.fullmatch(app_id) or _ANDROID_PACKAGE.fullmatch(app_id)):
        r.issue("app_id", "must be an iOS App Store id (digits) or an Android package name", app_id)
    else:
        app["app_id"] = app_id
    extinfo = _extinfo(r)
    if extinfo is not None:
        app["extinfo"] = extinfo
    return app


def _extinfo(r: _Row) -> list[str] | None:
    col, raw = r.get("extinfo", "extinfo")
    labels = [f"extinfo[{i}] ({name})" for i, name in enumerate(EXTINFO_COLUMNS)]
    if col is not None:
        if raw is None:
            r.issue("extinfo", "required for app events")
            return None
        if raw.startswith("["):
            try:
                parsed = json.loads(raw)
            except ValueError:
                parsed = None
            if not isinstance(parsed, list):
                r.issue("extinfo", "must be a JSON array or a comma-separated list", raw)
                return None
            values = ["" if v is None else _scalar_text(v) for v in parsed]
        else:
            values = [v.strip() for v in raw.split(",")]
        if len(values) != EXTINFO_LENGTH:
            r.issue("extinfo", f"must have exactly 16 elements, not {len(values)}", raw)
            return None
        shown: list[str | None] = [raw] * EXTINFO_LENGTH
    else:
        cells = [r.cell(c) for c in r.plan.extinfo_items]
        if all(v is None for v in cells):
            r.issue("extinfo", "required for app events (the extinfo columns are empty)")
            return None
        values = [v or "" for v in cells]
        shown = list(cells)
        labels = [
            c.header if c is not None else labels[i] for i, c in enumerate(r.plan.extinfo_items)
        ]
    before = len(r.issues)
    platform = values[0].strip().lower()
    if platform not in EXTINFO_PLATFORMS:
        r.issue(labels[0], "the first extinfo element must be i2 (iOS) or a2 (Android)", shown[0])
    values[0] = platform
    for i, name in enumerate(EXTINFO_COLUMNS):
        if name in EXTINFO_INT64 and values[i]:
            whole = _whole(values[i])
            if whole is None or not -_INT64_MAX - 1 <= whole <= _INT64_MAX:
                r.issue(labels[i], "must be a whole number (Int64)", shown[i])
            else:
                values[i] = str(whole)
    return values if len(r.issues) == before else None


def now_utc(options: LoadOptions) -> datetime:
    moment = options.now or datetime.now(UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# ------------------------------------------------------------------------------- personal data


def find_refusals(
    plan: ColumnPlan,
    rows: Iterable[Sequence[str]],
    *,
    cancelled: Callable[[], bool] | None = None,
    holding: set[str] | None = None,
) -> tuple[ColumnRefusal, ...]:
    """The columns whose values would leave the computer unhashed although some look like
    e-mail addresses or phone numbers (`pii.kinds`), each with the first rows found. `rows`
    are the rows after the header (row numbers from 2); see `RefusalScan` for the rule."""
    scan = RefusalScan(plan)
    for offset, cells in enumerate(rows):
        if cancelled is not None and offset % 1000 == 0 and cancelled():
            raise ConversionsError("reading the file was cancelled")
        scan.feed(offset + 2, cells)
    return scan.refusals(holding)


class RefusalScan:
    """`find_refusals`, one row at a time (a file streamed row by row keeps only this).

    One such value is enough to refuse its column, whatever the share: a column that is
    "mostly order ids" but holds one customer's phone would send that phone raw, and nothing
    sent can be taken back. The cost of a false alarm is one `--map`/`--drop` (or one choice in
    the mapping table), and `pii` is strict enough that ids, amounts, dates and zip codes
    don't raise one. Row numbers are shown, values never."""

    def __init__(self, plan: ColumnPlan) -> None:
        self._watched = [c for c in plan.columns if sends_raw(c) or c.origin == "dropped"]
        self._found: dict[int, dict[PiiKind, list[int]]] = {}
        self._counts: dict[int, int] = {}

    def feed(self, row: int, cells: Sequence[str]) -> None:
        for col in self._watched:
            if col.index >= len(cells):
                continue
            cell = cells[col.index]
            if not cell or cell.isspace():
                continue
            kinds = pii.kinds(cell)
            if not kinds:
                continue
            self._counts[col.index] = self._counts.get(col.index, 0) + 1
            rows_of = self._found.setdefault(col.index, {})
            for kind in kinds:
                listed = rows_of.setdefault(kind, [])
                if len(listed) < _ROWS_SHOWN:
                    listed.append(row)

    def refusals(self, holding: set[str] | None = None) -> tuple[ColumnRefusal, ...]:
        """The refused columns; `holding`, when given, receives the names of the columns
        holding such values, dropped ones included (the mapping table offers those only hashed
        fields or "drop")."""
        refusals: list[ColumnRefusal] = []
        for col in self._watched:
            if col.index not in self._found:
                continue
            if holding is not None:
                holding.add(col.header)
            if not sends_raw(col):
                continue
            by_kind = self._found[col.index]
            held: tuple[PiiKind, ...] = tuple(k for k in (pii.EMAIL, pii.PHONE) if k in by_kind)
            shown = sorted({r for listed in by_kind.values() for r in listed})[:_ROWS_SHOWN]
            refusals.append(
                ColumnRefusal(
                    col.header,
                    kinds=held,
                    rows=tuple(shown),
                    count=self._counts[col.index],
                    suggest="em" if pii.EMAIL in by_kind else "ph",
                    event_field=col.kind == "top",
                )
            )
        return tuple(refusals)


_ROWS_SHOWN: Final = 3


def with_refusals(
    mappings: Sequence[ColumnMapping],
    refusals: Sequence[ColumnRefusal],
    holding: Iterable[str] = (),
) -> tuple[ColumnMapping, ...]:
    """The mapping table with each refused column marked (personal, and why it is refused),
    and the columns in `holding` marked personal."""
    by_column = {r.column: r for r in refusals}
    personal = set(holding)
    out: list[ColumnMapping] = []
    for mapping in mappings:
        refusal = by_column.get(mapping.column)
        if refusal is not None and mapping.column:
            out.append(replace(mapping, personal=True, refused=refusal.short()))
        elif mapping.column and mapping.column in personal and not mapping.personal:
            out.append(replace(mapping, personal=True))
        else:
            out.append(mapping)
    return tuple(out)
