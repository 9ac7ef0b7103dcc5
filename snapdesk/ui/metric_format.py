"""Units and display of stats metrics for the chart, its tooltip and its totals table (no Qt).

Every metric has one unit: money (the ad account's currency), a count, a percent (swipe rate,
plotted ×100) or a ratio (ROAS). A chart has two y-axes, so at most two units are shown at once.

    format_metric("spend", Decimal("1234.5"), "USD")      -> "USD 1,234.50"
    format_metric("swipe_rate", Decimal("0.012345"), "USD") -> "1.23 %"
    format_metric("impressions", 120345, "USD")             -> "120,345"
    format_metric("roas", None, "USD")                      -> "—"
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Final, Literal

from snapdesk.core.money import exponent
from snapdesk.stats import DERIVED_METRICS, METRIC_LABELS, MONEY_METRICS

__all__ = [
    "CHART_METRICS",
    "MISSING",
    "Unit",
    "axis_title",
    "format_date_range",
    "format_metric",
    "format_money",
    "format_tick",
    "limit_units",
    "metric_label",
    "plot_value",
    "unit_of",
]

Unit = Literal["money", "count", "percent", "ratio"]
MISSING: Final = "—"

# The metrics offered by the chart, in the order of its metric list.
CHART_METRICS: Final[tuple[str, ...]] = (
    "impressions",
    "swipes",
    "spend",
    "swipe_rate",
    "ecpm",
    "cost_per_swipe",
    "video_views",
    "view_completion",
    "conversion_purchases",
    "cpa",
    "conversion_purchases_value",
    "roas",
)

_UNIT_NAMES: Final[dict[str, str]] = {"count": "count", "percent": "%", "ratio": "×"}


def unit_of(metric: str) -> Unit:
    if metric in MONEY_METRICS:
        return "money"
    if metric == "swipe_rate":
        return "percent"
    if metric == "roas":
        return "ratio"
    return "count"


def metric_label(metric: str) -> str:
    return METRIC_LABELS.get(metric, metric.replace("_", " ").capitalize())


def _group(digits: str) -> str:
    """`1234567.5` → `1,234,567.5` (the integer part only is grouped)."""
    sign = "-" if digits.startswith("-") else ""
    digits = digits.lstrip("-")
    whole, dot, fraction = digits.partition(".")
    return f"{sign}{int(whole):,}{dot}{fraction}"


def format_money(value: Decimal | int | float, currency: str, *, exact: bool = False) -> str:
    """`USD 1,234.50`; `exact` keeps digits finer than the minor unit (never rounds them away)."""
    places = exponent(currency)
    amount = Decimal(value) if not isinstance(value, Decimal) else value
    quantum = Decimal(1).scaleb(-places)
    if not exact or amount == amount.quantize(quantum):
        amount = amount.quantize(quantum)
    return f"{currency} {_group(f'{amount:f}')}"


def format_metric(
    metric: str, value: int | float | Decimal | None, currency: str, *, exact: bool = True
) -> str:
    """A metric's value for a tooltip or a table cell: money with the currency (spend to the
    micro unit when `exact`, else to the minor unit), percents with 2 decimals, ROAS with 2
    decimals and ×, counts grouped; None is `—`."""
    if value is None:
        return MISSING
    unit = unit_of(metric)
    if unit == "money":
        return format_money(Decimal(value), currency, exact=exact and metric not in DERIVED_METRICS)
    if unit == "percent":
        return f"{_half_up(Decimal(value) * 100)} %"
    if unit == "ratio":
        return f"{_half_up(Decimal(value))}×"
    if isinstance(value, Decimal) and value != value.to_integral_value():
        return _group(f"{value:.2f}")
    return f"{int(value):,}"


def _half_up(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):f}"


def plot_value(metric: str, value: int | float | Decimal | None) -> float:
    """The y value drawn for a metric (percent ×100); NaN when undefined (a gap, never 0)."""
    if value is None:
        return float("nan")
    if unit_of(metric) == "percent":
        return float(value) * 100.0
    return float(value)


def axis_title(unit: Unit, metrics: Iterable[str], currency: str) -> str:
    """`Spend, eCPM (USD)`, `Impressions, Swipes`, `Swipe rate (%)`, `ROAS (×)`."""
    names = ", ".join(metric_label(m) for m in metrics)
    if unit == "money":
        return f"{names} ({currency})"
    if unit == "count":
        return names
    return f"{names} ({_UNIT_NAMES[unit]})"


def _places(step: float) -> int:
    """The decimals that show every multiple of `step` exactly (0.25 → 2, 5 → 0)."""
    for places in range(4):
        scaled = step * 10**places
        if abs(scaled - round(scaled)) < 1e-6 * max(1.0, scaled):
            return places
    return 4


def format_tick(value: float, unit: Unit, spacing: float) -> str:
    """A compact axis tick: `1.25M`, `850k`, `12.5`, `0.50` (the axis title has the unit)."""
    size = max(abs(value), abs(spacing))
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if size >= limit:
            places = _places(spacing / limit) if spacing else 0
            return f"{value / limit:.{places}f}{suffix}"
    places = _places(spacing) if spacing else 0
    if unit == "money" and 0 < places < 2:
        places = 2
    return f"{value:,.{places}f}"


def limit_units(chosen: Sequence[str], added: str, *, max_units: int = 2) -> list[str]:
    """The metric selection after the user checked `added`: when that makes more units than the
    chart has axes, the metrics of the least recently chosen other unit are dropped."""
    result = [m for m in chosen if m != added] + [added]
    while True:
        units = list(dict.fromkeys(unit_of(m) for m in result))
        if len(units) <= max_units:
            return result
        oldest = next(u for u in units if u != unit_of(added))
        result = [m for m in result if unit_of(m) != oldest]


def format_date_range(first: date, last: date) -> str:
    """`3–9 Nov 2026`, `28 Oct – 3 Nov 2026`, `15 Dec 2025 – 3 Jan 2026`, `9 Nov 2026`."""
    if first == last:
        return f"{first.day} {first:%b %Y}"
    if first.year != last.year:
        return f"{first.day} {first:%b %Y} – {last.day} {last:%b %Y}"
    if first.month != last.month:
        return f"{first.day} {first:%b} – {last.day} {last:%b %Y}"
    return f"{first.day}–{last.day} {last:%b %Y}"
