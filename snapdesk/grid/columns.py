"""The grid's columns: what each shows, how it sorts, how it is written to a file, and what an
edited cell means as API fields.

A column's `value(row)` is typed (money as `Decimal` in the row's currency, times as aware
`datetime`, counts as `int`); `display` is the text on screen, `export` the cell in a file
(CSV text or an XLSX value) and `parse_cell` turns what a user typed, pasted or imported into
the fields an `EditService.edit` queues. The file header of a column is the API field name
where one exists (`daily_budget` for `daily_budget_micro`: money is in currency units, not
micro); performance columns start with `stats_`.

Money cells accept arithmetic on the current value: `+10%`, `-5%`, `+5`, `-5`, `=120` (or a
plain `120`). A relative edit of an empty budget is refused with a message, never read as 0.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any, Final, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from snapdesk.core.kinds import AD, AD_SQUAD, CAMPAIGN
from snapdesk.core.money import (
    MoneyError,
    exponent,
    format_money,
    from_micro,
    parse_money,
    round_micro,
    to_micro,
)
from snapdesk.core.validation import (
    BID_STRATEGIES,
    OPTIMIZATION_GOALS,
    STATUSES,
)
from snapdesk.grid.rows import LEVEL_KINDS, GridRow

__all__ = [
    "COLUMNS",
    "LEVELS",
    "CellError",
    "Column",
    "ColumnType",
    "columns_for",
    "format_local",
    "parse_cell",
    "parse_local",
]

LEVELS: Final = LEVEL_KINDS
LEVEL_NAMES: Final = {CAMPAIGN: "Campaigns", AD_SQUAD: "Ad squads", AD: "Ads"}

ColumnType = Literal[
    "id", "text", "enum", "money", "count", "percent", "ratio", "datetime", "list", "json",
    "reach", "bid_range",
]  # fmt: skip

_OK_DELIVERY: Final = frozenset({"VALID", "ACTIVE", "DELIVERING"})
_ALL: Final = frozenset(LEVEL_KINDS)


class CellError(ValueError):
    """A value that can't go in this cell; the message says what to type instead."""


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _parse_iso(value: Any) -> datetime | None:
    if not value or not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def format_local(moment: datetime | None, timezone: str, *, seconds: bool = False) -> str:
    """ "2026-03-17 04:26" in the account's zone (with seconds for files)."""
    if moment is None:
        return ""
    local = moment.astimezone(_zone(timezone))
    if seconds:
        return local.replace(microsecond=0).isoformat()
    return local.strftime("%Y-%m-%d %H:%M")


_LOCAL_FORMATS: Final = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d")


def parse_local(text: Any, timezone: str) -> datetime:
    """A time typed in the account's zone ("2026-05-01 09:00", "2026-05-01"), an ISO time with
    an offset, or a spreadsheet datetime (naive: the account's zone) → aware UTC datetime."""
    if isinstance(text, datetime):
        moment = text
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=_zone(timezone))
        return moment.astimezone(UTC)
    raw = str(text or "").strip()
    if not raw:
        raise CellError("Enter a date and time")
    iso = raw.replace("Z", "+00:00")
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        moment = None  # type: ignore[assignment]
        for pattern in _LOCAL_FORMATS:
            try:
                moment = datetime.strptime(raw, pattern)
                break
            except ValueError:
                continue
        if moment is None:
            raise CellError(
                f"{raw!r} is not a date and time: type it as 2026-05-01 09:00 "
                f"(in the account's time zone, {timezone})"
            ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_zone(timezone))
    return moment.astimezone(UTC)


def _iso_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def delivery_issues(row: GridRow) -> list[str]:
    """Delivery statuses that mean an ACTIVE entity is not delivering as intended."""
    if str(row.data.get("status") or "").upper() != "ACTIVE":
        return []
    return [s for s in row.data.get("delivery_status") or [] if str(s).upper() not in _OK_DELIVERY]


def humanize(value: Any) -> str:
    if value is None or value == "":
        return ""
    text = str(value).removeprefix("INVALID_").replace("_", " ").strip().lower()
    return text[:1].upper() + text[1:]


# -- value getters -------------------------------------------------------------------------


def _money(field_name: str) -> Callable[[GridRow], Decimal | None]:
    def get(row: GridRow) -> Decimal | None:
        micro = row.data.get(field_name)
        if micro is None or isinstance(micro, bool):
            return None
        try:
            return from_micro(int(micro), row.currency)
        except (TypeError, ValueError):
            return None

    return get


def _time(field_name: str) -> Callable[[GridRow], datetime | None]:
    return lambda row: _parse_iso(row.data.get(field_name))


def _budget_field(row: GridRow) -> str:
    """Which budget field the Budget column shows and edits for this row."""
    lifetime = "lifetime_spend_cap_micro" if row.kind == CAMPAIGN else "lifetime_budget_micro"
    if row.data.get("daily_budget_micro") is None and row.data.get(lifetime) is not None:
        return lifetime
    return "daily_budget_micro"


def _budget(row: GridRow) -> Decimal | None:
    return _money(_budget_field(row))(row)


def _objective(row: GridRow) -> str | None:
    obj = row.data if row.kind == CAMPAIGN else (row.campaign or {})
    v2 = obj.get("objective_v2_properties")
    if isinstance(v2, Mapping) and v2.get("objective_v2_type"):
        return str(v2["objective_v2_type"])
    value = obj.get("objective")
    return str(value) if value else None


def _placement(row: GridRow) -> str | None:
    placement = row.data.get("placement_v2")
    if isinstance(placement, Mapping):
        return str(placement.get("config") or "") or None
    value = row.data.get("placement")
    return str(value) if value else None


def targeting_summary(targeting: Any) -> str:
    """One line: "AU · 25–44 · female · 2 interests · 1 audience"."""
    if not isinstance(targeting, Mapping) or not targeting:
        return "Everyone"
    parts: list[str] = []
    include = [g for g in targeting.get("geos") or [] if isinstance(g, Mapping)]
    countries = sorted(
        {str(g.get("country_code", "")).upper() for g in include if g.get("operation") != "EXCLUDE"}
        - {""}
    )
    if countries:
        parts.append(", ".join(countries) if len(countries) <= 3 else f"{len(countries)} countries")
    for demo in targeting.get("demographics") or []:
        if not isinstance(demo, Mapping):
            continue
        low, high = demo.get("min_age"), demo.get("max_age")
        if low or high:
            parts.append(f"{low or 13}–{high or '50+'}")
        for group in demo.get("age_groups") or []:
            parts.append(str(group))
        if demo.get("gender"):
            parts.append(str(demo["gender"]).lower())
        if demo.get("languages"):
            parts.append("/".join(map(str, demo["languages"])))
    devices = [str(d.get("os_type")) for d in targeting.get("devices") or [] if d.get("os_type")]
    if devices:
        parts.append("/".join(d.title() if d != "IOS" else "iOS" for d in devices))
    interests = sum(len(b.get("category_id") or []) for b in targeting.get("interests") or [])
    if interests:
        parts.append(f"{interests} interest{'s' if interests != 1 else ''}")
    segments = sum(len(b.get("segment_id") or []) for b in targeting.get("segments") or [])
    if segments:
        parts.append(f"{segments} audience{'s' if segments != 1 else ''}")
    return " · ".join(parts) if parts else "Everyone"


def compact_count(value: int) -> str:
    """1_250_000 → "1.25M", 48_000 → "48K", 900 → "900"."""
    for size, suffix in ((1_000_000_000, "B"), (1_000_000, "M"), (1_000, "K")):
        if value >= size:
            text = f"{value / size:.2f}".rstrip("0").rstrip(".")
            return f"{text}{suffix}"
    return f"{value:,}"


def _perf(attr: str) -> Callable[[GridRow], Any]:
    def get(row: GridRow) -> Any:
        perf = row.perf
        if perf is None:
            return None
        return getattr(perf, attr)

    return get


# -- the column ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One grid column. `field` is the API field an edit of the cell sets (None: read-only);
    `file_name` the header in CSV/XLSX files."""

    key: str
    header: str
    type: ColumnType
    get: Callable[[GridRow], Any] = field(repr=False, compare=False)
    kinds: frozenset[str] = _ALL
    field: str | None = None
    file_name: str | None = None
    performance: bool = False
    visible: frozenset[str] = _ALL
    choices: tuple[str, ...] = ()
    tip: str = ""
    width: int = 110
    usd: bool = False
    import_only: bool = False  # editable from a file, not typed into the grid (JSON)

    @property
    def editable(self) -> bool:
        return self.field is not None and not self.import_only

    @property
    def importable(self) -> bool:
        return self.field is not None

    @property
    def export_name(self) -> str:
        return self.file_name or self.key

    @property
    def numeric(self) -> bool:
        return self.type in ("money", "count", "percent", "ratio")

    def value(self, row: GridRow) -> Any:
        return self.get(row)

    def currency(self, row: GridRow) -> str:
        return "USD" if self.usd else row.currency

    def display(self, row: GridRow) -> str:
        return self.format(row, self.get(row))

    def format(self, row: GridRow, value: Any) -> str:
        if value is None or value == "":
            return ""
        kind = self.type
        if kind == "money":
            return format_money(to_micro_rounded(value, self.currency(row)), self.currency(row))
        if kind == "count":
            return f"{int(value):,}"
        if kind == "percent":
            return f"{Decimal(value) * 100:.2f}%"
        if kind == "ratio":
            return f"{Decimal(value):.2f}"
        if kind == "datetime":
            return format_local(value, row.account.timezone)
        if kind == "enum":
            return humanize(value)
        if kind == "list":
            return ", ".join(humanize(v) for v in value)
        if kind == "json":
            text = targeting_summary(value)
            reach = getattr(row, "reach", None) if self.key == "targeting" else None
            if reach is not None:
                text += f" · ≈ {compact_count(reach.minimum)}–{compact_count(reach.maximum)}"
            return text
        if kind == "reach":
            return f"{compact_count(value.minimum)}–{compact_count(value.maximum)}"
        if kind == "bid_range":
            currency = row.currency
            low = format_money(value.minimum_micro, currency)
            high = format_money(value.maximum_micro, currency)
            return f"{low}–{high} {value.label}"
        return str(value)

    def sort_key(self, row: GridRow) -> Any:
        """A key that orders like the values; empty cells compare as the smallest."""
        value = self.get(row)
        if value is None or value == "":
            return (0, 0)
        if self.type in ("text", "enum", "id", "list", "json"):
            return (1, self.format(row, value).casefold())
        if self.type == "datetime":
            return (1, value.timestamp())
        if self.type == "reach":
            return (1, value.minimum)
        if self.type == "bid_range":
            return (1, value.minimum_micro)
        return (1, value)

    def export(self, row: GridRow) -> str | int | Decimal | None:
        """The cell in a file: money in currency units with a dot, times with their offset in
        the account's zone, enums as the API spells them, targeting as JSON."""
        value = self.get(row)
        if value is None or value == "":
            return None
        kind = self.type
        if kind == "money":
            return value if isinstance(value, Decimal) else Decimal(value)
        if kind in ("count",):
            return int(value)
        if kind in ("percent", "ratio"):
            return Decimal(value).quantize(Decimal("0.000001"), rounding=ROUND_HALF_EVEN)
        if kind == "datetime":
            return format_local(value, row.account.timezone, seconds=True)
        if kind == "list":
            return "; ".join(str(v) for v in value)
        if kind == "json":
            return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
        if kind in ("reach", "bid_range"):
            return self.format(row, value)
        return str(value)

    def export_text(self, row: GridRow) -> str:
        value = self.export(row)
        if value is None:
            return ""
        if isinstance(value, Decimal):
            return f"{value:f}"
        return str(value)


def to_micro_rounded(value: Decimal | int, currency: str) -> int:
    """Units → micro for display (derived metrics may be finer than the minor unit)."""
    return round_micro(Decimal(value) * 1_000_000, currency)


def _c(
    key: str, header: str, type_: ColumnType, get: Callable[[GridRow], Any], **kw: Any
) -> Column:
    return Column(key=key, header=header, type=type_, get=get, **kw)


_CAMPAIGN: Final = frozenset({CAMPAIGN})
_SQUAD: Final = frozenset({AD_SQUAD})
_AD: Final = frozenset({AD})
_SQUAD_AD: Final = frozenset({AD_SQUAD, AD})
_CAMPAIGN_SQUAD: Final = frozenset({CAMPAIGN, AD_SQUAD})
_NONE: Final[frozenset[str]] = frozenset()

_DEFS: Final[tuple[Column, ...]] = (
    _c("name", "Name", "text", lambda r: r.data.get("name"), field="name", width=260),
    _c("id", "ID", "id", lambda r: r.id, visible=_NONE, width=280),
    _c("account", "Account", "text", lambda r: r.account.name, file_name="account_name",
       width=180),
    _c("ad_account_id", "Account ID", "id", lambda r: r.account.id, visible=_NONE, width=280),
    _c("organization", "Organization", "text", lambda r: r.account.organization_name,
       file_name="organization_name", visible=_NONE, width=160),
    _c("currency", "Currency", "text", lambda r: r.account.currency, visible=_NONE, width=70),
    _c("campaign", "Campaign", "text", lambda r: r.campaign_name, kinds=_SQUAD_AD,
       file_name="campaign_name", visible=_SQUAD, width=200),
    _c("campaign_id", "Campaign ID", "id", lambda r: r.campaign_id, kinds=_SQUAD_AD,
       visible=_NONE, width=280),
    _c("ad_squad", "Ad squad", "text", lambda r: r.ad_squad_name, kinds=_AD,
       file_name="ad_squad_name", width=200),
    _c("ad_squad_id", "Ad squad ID", "id", lambda r: r.ad_squad_id, kinds=_AD, visible=_NONE,
       width=280),
    _c("status", "Status", "enum", lambda r: r.data.get("status"), field="status",
       choices=STATUSES, width=80),
    _c("delivery_status", "Delivery", "list", lambda r: r.data.get("delivery_status") or None,
       tip="What Snap says about delivery (read-only)", width=150),
    _c("budget", "Budget", "money", _budget, kinds=_CAMPAIGN_SQUAD, field="$budget",
       file_name="budget", tip="The daily budget, or the lifetime budget when that is the one "
       "set; accepts +10%, -5, =120", width=110),
    _c("budget_type", "Budget type", "enum",
       lambda r: None if _budget(r) is None else
       ("DAILY" if _budget_field(r) == "daily_budget_micro" else "LIFETIME"),
       kinds=_CAMPAIGN_SQUAD, width=90),
    _c("daily_budget", "Daily budget", "money", _money("daily_budget_micro"),
       kinds=_CAMPAIGN_SQUAD, field="daily_budget_micro", visible=_NONE),
    _c("lifetime_spend_cap", "Lifetime spend cap", "money", _money("lifetime_spend_cap_micro"),
       kinds=_CAMPAIGN, field="lifetime_spend_cap_micro", visible=_NONE),
    _c("lifetime_budget", "Lifetime budget", "money", _money("lifetime_budget_micro"),
       kinds=_SQUAD, field="lifetime_budget_micro", visible=_NONE),
    _c("bid_strategy", "Bid strategy", "enum", lambda r: r.data.get("bid_strategy"),
       kinds=_SQUAD, field="bid_strategy", choices=BID_STRATEGIES, width=150),
    _c("bid", "Bid", "money", _money("bid_micro"), kinds=_SQUAD, field="bid_micro",
       tip="Accepts +10%, -5, =1.20", width=90),
    _c("optimization_goal", "Optimization goal", "enum",
       lambda r: r.data.get("optimization_goal"), kinds=_SQUAD, field="optimization_goal",
       choices=OPTIMIZATION_GOALS, visible=_NONE, width=150),
    _c("start_time", "Start", "datetime", _time("start_time"), kinds=_CAMPAIGN_SQUAD,
       field="start_time", tip="In the account's time zone", width=130),
    _c("end_time", "End", "datetime", _time("end_time"), kinds=_CAMPAIGN_SQUAD,
       field="end_time", tip="In the account's time zone; empty: no end", width=130),
    _c("objective", "Objective", "enum", _objective, kinds=_CAMPAIGN_SQUAD, width=150),
    _c("placement", "Placement", "enum", _placement, kinds=_SQUAD, width=100),
    _c("targeting", "Targeting", "json", lambda r: r.data.get("targeting"), kinds=_SQUAD,
       field="targeting", import_only=True, width=220,
       tip="Summary; files carry the full targeting as JSON"),
    # Snap's estimates for the squad's targeting (audience_size_v2, bid_estimate), from the
    # estimate cache the ad squad editor shares; fetched for the rows on screen.
    _c("audience_size", "Audience size", "reach", lambda r: r.reach, kinds=_SQUAD, width=120,
       tip="Snap's predicted audience for the targeting (Snapchatters reachable over ~28 days)"),
    _c("suggested_bid", "Suggested bid", "bid_range", lambda r: r.bid, kinds=_SQUAD,
       width=170, visible=_NONE,
       tip="Snap's bid estimate for the optimization goal: a CPM for impressions, else a "
           "target cost per result"),
    _c("type", "Type", "enum", lambda r: r.data.get("type"), kinds=_AD, width=130),
    _c("creative", "Creative", "text", lambda r: r.creative_name, kinds=_AD,
       file_name="creative_name", width=200),
    _c("creative_id", "Creative ID", "id", lambda r: r.data.get("creative_id"), kinds=_AD,
       field="creative_id", visible=_NONE, width=280),
    _c("review_status", "Review", "enum", lambda r: r.data.get("review_status"), kinds=_AD,
       width=100),
    # performance for the chosen date range (snapdesk.grid.perf)
    _c("stats_spend", "Spend", "money", _perf("spend"), performance=True, width=110),
    _c("stats_spend_usd", "Spend (USD)", "money", _perf("spend_usd"), performance=True,
       usd=True, width=110),
    _c("stats_impressions", "Impressions", "count", _perf("impressions"), performance=True),
    _c("stats_swipes", "Swipes", "count", _perf("swipes"), performance=True, width=90),
    _c("stats_swipe_rate", "Swipe rate", "percent", _perf("swipe_rate"), performance=True,
       width=90),
    _c("stats_ecpm", "eCPM", "money", _perf("ecpm"), performance=True, width=90),
    _c("stats_ecpswipe", "eCPSwipe", "money", _perf("cost_per_swipe"), performance=True,
       width=90),
    _c("stats_video_views", "Video views", "count", _perf("video_views"), performance=True,
       visible=_NONE),
    _c("stats_conversions", "Conversions", "count", _perf("purchases"), performance=True,
       tip="Purchases (conversion_purchases)"),
    _c("stats_cost_per_conversion", "Cost/conv.", "money", _perf("cpa"), performance=True,
       width=100),
    _c("stats_roas", "ROAS", "ratio", _perf("roas"), performance=True, width=80,
       tip="Purchase value ÷ spend"),
)  # fmt: skip

COLUMNS: Final[dict[str, Column]] = {c.key: c for c in _DEFS}


def columns_for(level: str) -> list[Column]:
    """The columns of a level, in their default order."""
    return [c for c in _DEFS if level in c.kinds]


def default_visible(level: str) -> list[str]:
    return [c.key for c in _DEFS if level in c.kinds and level in c.visible]


def by_file_name(level: str) -> dict[str, Column]:
    """Columns of a level by their file header (and by key, for hand-written files)."""
    out: dict[str, Column] = {}
    for column in columns_for(level):
        out.setdefault(column.key, column)
        out[column.export_name] = column
    return out


# -- parsing what the user typed -----------------------------------------------------------


def _money_expression(text: str, current: Decimal | None, currency: str) -> Decimal:
    """`+10%`, `-5%`, `+5`, `-5`, `=120`, `120` → the new amount in units."""
    raw = text.strip().replace("\u2212", "-")
    if raw.startswith("="):
        return parse_money(raw[1:], currency)
    relative = raw[:1] in "+-"
    if raw.endswith("%"):
        if not relative:
            raise CellError(f"{raw!r}: write a change in percent with its sign, e.g. +10% or -5%")
        try:
            percent = Decimal(raw[:-1].strip())
        except InvalidOperation:
            raise CellError(f"{raw!r} is not a percentage (e.g. +10% or -5%)") from None
        if current is None:
            raise CellError(f"{raw}: there is no amount to change yet; type the new amount")
        micro = (current * 1_000_000).to_integral_value()
        new = round_micro(micro * (1 + percent / 100), currency)
        return from_micro(new, currency)
    if relative:
        delta = parse_money(raw, currency, allow_negative=True)
        if current is None:
            raise CellError(f"{raw}: there is no amount to change yet; type the new amount")
        return current + delta
    return parse_money(raw, currency)


def _to_decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise CellError(f"{value!r} is not an amount")
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)


def parse_money_cell(value: Any, current: Decimal | None, currency: str) -> Decimal:
    """An amount from a typed/pasted string (expressions allowed) or a spreadsheet number."""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        amount = _to_decimal(value)
        allowed = Decimal(1).scaleb(-exponent(currency))
        if amount != amount.quantize(allowed):
            raise CellError(f"{amount}: {currency} amounts have at most {exponent(currency)} "
                            "decimals")  # fmt: skip
        return amount.quantize(allowed)
    try:
        return _money_expression(str(value), current, currency)
    except MoneyError as exc:
        raise CellError(str(exc)) from None


def parse_cell(row: GridRow, column: Column, value: Any) -> dict[str, Any]:
    """What `value` (typed, pasted or read from a file) in `column` of `row` means: the API
    fields to set (None removes a field). Raises `CellError` with what to type instead."""
    if column.field is None:
        raise CellError(f"{column.header} is read-only")
    text = "" if value is None else value
    if isinstance(text, str):
        text = text.strip()
    kind = column.type
    empty = text == ""
    if column.key == "name":
        if empty:
            raise CellError("Enter a name")
        return {"name": str(text)}
    if column.key == "status":
        status = str(text).strip().upper()
        if status not in STATUSES:
            raise CellError(f"{text!r}: the status is ACTIVE or PAUSED")
        return {"status": status}
    if kind == "enum":
        choice = str(text).strip().upper().replace(" ", "_")
        if column.choices and choice not in column.choices:
            raise CellError(f"{text!r} is not one of {', '.join(column.choices)}")
        if empty:
            raise CellError(f"Choose a {column.header.lower()}")
        fields: dict[str, Any] = {column.field: choice}
        if column.key == "bid_strategy" and choice == "AUTO_BID":
            fields["bid_micro"] = None
        return fields
    if kind == "money":
        target = _budget_field(row) if column.field == "$budget" else column.field
        if empty:
            return {target: None}
        current = _money(target)(row)
        amount = parse_money_cell(text, current, row.currency)
        if amount < 0:
            raise CellError(f"{amount}: the amount can't be negative")
        try:
            return {target: to_micro(amount, row.currency)}
        except MoneyError as exc:
            raise CellError(str(exc)) from None
    if kind == "datetime":
        if empty:
            if column.field == "start_time":
                raise CellError("The start time is required")
            return {column.field: None}
        moment = parse_local(text, row.account.timezone)
        held = _parse_iso(row.data.get(column.field))
        if held is not None and abs(held - moment) < timedelta(seconds=1):
            return {column.field: row.data.get(column.field)}
        return {column.field: _iso_utc(moment)}
    if kind == "json":
        if empty:
            return {column.field: None}
        if isinstance(text, Mapping):
            return {column.field: dict(text)}
        try:
            parsed = json.loads(str(text))
        except json.JSONDecodeError as exc:
            raise CellError(f"{column.header} is not valid JSON ({exc.msg} at {exc.pos})") from None
        if not isinstance(parsed, dict):
            raise CellError(f"{column.header} must be a JSON object {{...}}")
        return {column.field: parsed}
    if kind == "id":
        if empty:
            raise CellError(f"Enter the {column.header}")
        return {column.field: str(text)}
    return {column.field: None if empty else str(text)}


def same_value(row: GridRow, column: Column, value: Any) -> bool:
    """Whether a file's cell says what the row already holds (so importing an unchanged export
    queues nothing): compared as values, at the precision the file carries."""
    current = column.value(row)
    if value is None or (isinstance(value, str) and not value.strip()):
        return current is None or current == ""
    if current is None or current == "":
        return False
    kind = column.type
    try:
        if kind == "money":
            return parse_money_cell(value, current, column.currency(row)) == current
        if kind == "datetime":
            moment = parse_local(value, row.account.timezone)
            return abs(moment - current) < timedelta(seconds=1)
        if kind == "json":
            parsed = value if isinstance(value, Mapping) else json.loads(str(value))
            return bool(parsed == current)
        if kind == "enum":
            return str(value).strip().upper().replace(" ", "_") == str(current).upper()
        if kind in ("count",):
            return int(_to_decimal(value)) == int(current)
        if kind in ("percent", "ratio"):
            return abs(_to_decimal(value) - Decimal(current)) < Decimal("0.000001")
        if kind == "list":
            return str(value).strip() == "; ".join(str(v) for v in current)
    except (CellError, ValueError, InvalidOperation, json.JSONDecodeError):
        return False
    return str(value).strip() == str(current).strip()  # parse_cell strips what it reads
