"""Display formatting shared by the UI: money, times, statuses, sizes. No Qt here."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from snapdesk.stats.delivery import delivery_problems as delivery_problems  # one rule

# ISO 4217 currencies without minor units that Snap ad accounts can use.
_ZERO_DECIMAL = frozenset(
    {"JPY", "KRW", "CLP", "ISK", "VND", "TWD", "HUF", "IDR", "UGX", "XAF", "XOF"}
)

MICRO = 1_000_000

# Statuses shown as "working as intended" rather than as a problem.


def currency_decimals(currency: str | None) -> int:
    return 0 if (currency or "").upper() in _ZERO_DECIMAL else 2


def format_money_micro(micro: int | float | None, currency: str | None) -> str:
    """`12500000, "USD"` → `USD 12.50`; `5000000000, "JPY"` → `JPY 5,000`; None → `—`."""
    if micro is None:
        return "—"
    code = (currency or "").upper()
    decimals = currency_decimals(code)
    amount = float(micro) / MICRO
    text = f"{amount:,.{decimals}f}"
    return f"{code} {text}" if code else text


def parse_time(value: str | None) -> datetime | None:
    """Parse Snap's ISO-8601 timestamps (`2025-04-06T12:50:12.849Z`) into aware datetimes."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def zone(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def format_time_in_zone(value: str | None, timezone: str | None) -> str:
    """`2026-11-01T08:00:00Z` in `America/Los_Angeles` → `1 Nov 2026, 01:00 PDT`."""
    moment = parse_time(value)
    if moment is None:
        return "—"
    tz = zone(timezone)
    local = moment.astimezone(tz) if tz else moment.astimezone(UTC)
    abbreviation = local.tzname() or "UTC"
    return f"{local.day} {local:%b %Y, %H:%M} {abbreviation}"


def humanize_ago(moment: datetime | None, *, now: datetime | None = None) -> str:
    """`Synced just now`, `Synced 2 min ago`, `Synced 3 h ago`, `Synced 2 days ago`."""
    if moment is None:
        return "Never synced"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    current = now or datetime.now(UTC)
    seconds = max(0.0, (current - moment).total_seconds())
    if seconds < 45:
        return "Synced just now"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"Synced {max(1, minutes)} min ago"
    hours = round(seconds / 3600)
    if hours < 24:
        return f"Synced {hours} h ago"
    days = round(seconds / 86400)
    return "Synced yesterday" if days == 1 else f"Synced {days} days ago"


def humanize_enum(value: str | None) -> str:
    """`BRAND_AWARENESS` → `Brand awareness`; `AUTO_BID` → `Auto bid`."""
    if not value:
        return "—"
    text = str(value).replace("_", " ").strip().lower()
    return text[:1].upper() + text[1:]


def humanize_delivery(value: str) -> str:
    """`INVALID_CAMPAIGN_HAS_NO_ACTIVE_AD_SQUAD` → `Campaign has no active ad squad`."""
    text = value.removeprefix("INVALID_")
    return humanize_enum(text)


def format_bytes(size: int | float | None) -> str:
    if size is None:
        return "—"
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{int(value)} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


def format_count(value: int | float | None) -> str:
    return "—" if value is None else f"{int(value):,}"
