"""Units of replication and rounds: how an experiment's stats become comparable numbers.

A *unit* is what one variant delivered in one stretch of time that the schedule gave it: a slot
(rotation mode: N hours during which only that variant's ad squad was active) or a local day
(split mode: every variant active side by side). Traffic, prices and user mix change from unit
to unit; within a unit the variant's impressions are one cluster, not independent draws.

A *round* holds one unit of every variant: in rotation the k slots `r·k … r·k + k − 1` (their
order counterbalanced across rounds, `schedule.slot_variant`), in split mode one day. Only
complete rounds are compared, so each comparison sees the treatment and the control under
neighbouring conditions; a round a variant missed (a slot that did not run or delivered too
little) is left out and reported by `delivery_check`.

Per round and metric the value compared is the log ratio of the two variants' metrics, each a
ratio of sums over the unit (swipes / impressions, spend / conversions, …), with ½ added to
each count so an empty unit doesn't give log 0. Its round-to-round spread — day-to-day swings,
user clustering, auction noise — is measured, never assumed (`snapdesk.experiments.sequential`).

Conversions mature: Snap attributes a conversion to the day of the swipe or view for up to 28
days (1 day after a view), so a recent unit has fewer conversions than it will have. Metrics
with conversions compare only rounds whose every unit ended at least `maturity_days` ago, so
both variants are measured at the same maturity (the readout says how many rounds that leaves).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import median
from typing import Final

from snapdesk.experiments.model import MetricSpec

Window = tuple[datetime, datetime]
COUNT_FIELDS: Final = (
    "impressions",
    "swipes",
    "spend",
    "view_completion",
    "conversion_purchases",
)
UNDER_DELIVERY: Final = 0.5  # a unit below half the median delivery of its variant is flagged
MATURITY_DAYS: Final = 7  # conversions of a unit count once it ended this long ago


@dataclass(frozen=True)
class Unit:
    """One variant's delivery in one slot (rotation) or local day (split). `round` numbers the
    round it belongs to; `hours` is how long it was scheduled."""

    key: str  # the variant
    round: int
    index: int  # slot index (rotation) or day number (split), for messages
    start: datetime
    end: datetime
    counts: Mapping[str, float] = field(default_factory=dict)
    hours: float = 0.0

    def count(self, name: str) -> float:
        return float(self.counts.get(name) or 0.0)


@dataclass(frozen=True)
class Round:
    number: int
    units: Mapping[str, Unit]  # variant key → unit

    @property
    def end(self) -> datetime:
        return max(u.end for u in self.units.values())


@dataclass(frozen=True)
class DeliveryIssue:
    """A unit that did not run (`missing`) or delivered far less than its variant usually
    does (`low`): its round is not compared."""

    key: str
    index: int
    start: datetime
    kind: str  # "missing" | "low"
    impressions: float
    typical: float

    @property
    def message(self) -> str:
        when = self.start.strftime("%Y-%m-%d %H:%M UTC")
        if self.kind == "missing":
            return f"variant {self.key}: the slot from {when} did not run (no impressions)"
        share = self.impressions / self.typical if self.typical else 0.0
        return (
            f"variant {self.key}: the slot from {when} delivered {self.impressions:,.0f} "
            f"impressions, {share:.0%} of its usual {self.typical:,.0f}"
        )


# ------------------------------------------------------------------------------- metrics


def metric_parts(spec: MetricSpec) -> tuple[str, str, float]:
    """(numerator field, denominator field, scale): the metric of a unit is
    scale × numerator / denominator (swipe rate: swipes / impressions; cost per conversion:
    spend / conversions in currency units; eCPM: 1000 × spend / impressions)."""
    if spec.kind == "proportion":
        return spec.events, spec.base, 1.0
    scale = 1e-6 * (1000.0 if spec.key == "ecpm" else 1.0)  # spend is micro-currency
    return spec.base, spec.events, scale


def value_of(units: Sequence[Unit], spec: MetricSpec) -> float | None:
    """The metric over several units: a ratio of sums (None when the denominator is 0)."""
    num_field, den_field, scale = metric_parts(spec)
    num = sum(u.count(num_field) for u in units)
    den = sum(u.count(den_field) for u in units)
    return scale * num / den if den else None


def log_metric(unit: Unit, spec: MetricSpec) -> float:
    num_field, den_field, _ = metric_parts(spec)
    return math.log(unit.count(num_field) + 0.5) - math.log(unit.count(den_field) + 0.5)


def round_values(rounds: Sequence[Round], control: str, key: str, spec: MetricSpec) -> list[float]:
    """Per round, log(metric of `key`) − log(metric of `control`): the numbers the sequential
    test compares (positive: the treatment's metric is higher)."""
    return [log_metric(r.units[key], spec) - log_metric(r.units[control], spec) for r in rounds]


def delta_interval(
    units: Sequence[Unit], spec: MetricSpec, *, z: float = 1.959963984540054
) -> tuple[float, float] | None:
    """A descriptive interval for one variant's metric over its units: the ratio of sums with
    its delta-method (cluster-robust) standard error across units,
    se² = Σ (a_u − R·b_u)² / (m (m − 1) b̄²). None with fewer than 2 units."""
    num_field, den_field, scale = metric_parts(spec)
    m = len(units)
    if m < 2:
        return None
    a = [u.count(num_field) for u in units]
    b = [u.count(den_field) for u in units]
    total_b = sum(b)
    if total_b <= 0:
        return None
    ratio = sum(a) / total_b
    mean_b = total_b / m
    resid = sum((ai - ratio * bi) ** 2 for ai, bi in zip(a, b, strict=True))
    se = math.sqrt(resid / (m * (m - 1))) / mean_b
    return scale * (ratio - z * se), scale * (ratio + z * se)


# ------------------------------------------------------------------------------- rounds


def complete_rounds(
    units: Sequence[Unit],
    keys: Sequence[str],
    *,
    mature_before: datetime | None = None,
    exclude: frozenset[tuple[str, int]] = frozenset(),
) -> list[Round]:
    """The rounds that hold a unit of every variant (none excluded), in the order they ended;
    with `mature_before`, only rounds that ended before it."""
    by_round: dict[int, dict[str, Unit]] = {}
    for unit in units:
        if (unit.key, unit.index) in exclude:
            continue
        by_round.setdefault(unit.round, {})[unit.key] = unit
    rounds = [
        Round(number, dict(found))
        for number, found in sorted(by_round.items())
        if all(k in found for k in keys)
    ]
    if mature_before is not None:
        rounds = [r for r in rounds if r.end <= mature_before]
    rounds.sort(key=lambda r: (r.end, r.number))
    return rounds


def delivery_check(
    units: Sequence[Unit],
    *,
    expected: Sequence[tuple[str, int, datetime]] = (),
) -> list[DeliveryIssue]:
    """Slots that did not run, or delivered less than `UNDER_DELIVERY` of the median slot:
    shown as such (a rotation is not a randomized split, so a multinomial test of shares would
    only measure the auction), and their rounds are not compared. Every slot of a rotation gets
    the campaign's whole traffic, so the yardstick is the median over all slots of all variants
    — a variant that never delivers can't hide behind its own median of zero. `expected` lists
    the (variant, slot index, start) the schedule gave; one with no unit did not run."""
    issues: list[DeliveryIssue] = []
    delivered = [u.count("impressions") for u in units]
    typical = median(delivered) if delivered else 0.0
    for unit in units:
        shown = unit.count("impressions")
        if shown <= 0:
            issues.append(DeliveryIssue(unit.key, unit.index, unit.start, "missing", 0.0, typical))
        elif typical and shown < UNDER_DELIVERY * typical:
            issues.append(DeliveryIssue(unit.key, unit.index, unit.start, "low", shown, typical))
    present = {(u.key, u.index) for u in units}
    for key, index, start in expected:
        if (key, index) not in present:
            issues.append(DeliveryIssue(key, index, start, "missing", 0.0, typical))
    issues.sort(key=lambda i: (i.start, i.key))
    return issues


# ------------------------------------------------------------------------------- from stats

Row = tuple[datetime, datetime, Mapping[str, int | float | None]]


def _inside(start: datetime, end: datetime, window: Window, *, hourly: bool) -> bool:
    lo, hi = max(start, window[0]), min(end, window[1])
    if hi <= lo:
        return False
    share = (hi - lo).total_seconds() / max(1.0, (end - start).total_seconds())
    return share >= (0.999 if hourly else 0.5)


def sum_unit(rows: Sequence[Row], window: Window, *, hourly: bool) -> dict[str, float]:
    """A unit's counts: HOUR rows entirely inside the window, DAY rows at least half inside."""
    out = dict.fromkeys(COUNT_FIELDS, 0.0)
    for start, end, values in rows:
        if not _inside(start, end, window, hourly=hourly):
            continue
        for name in COUNT_FIELDS:
            value = values.get(name)
            if value is not None:
                out[name] += float(value)
    return out


def rotation_units(
    slots: Sequence[tuple[int, str, datetime, datetime]],
    rows: Mapping[str, Sequence[Row]],
    *,
    arms: int,
    hourly: bool,
) -> list[Unit]:
    """Units of a rotation from its slots — (slot index, variant key, start, end) with the
    real toggle times — and each variant's stats rows (keyed by variant key)."""
    units = []
    for index, key, start, end in slots:
        if end <= start:
            continue
        counts = sum_unit(rows.get(key, ()), (start, end), hourly=hourly)
        hours = (end - start).total_seconds() / 3600
        units.append(Unit(key, index // arms, index, start, end, counts, hours))
    return units


def split_units(
    days: Sequence[tuple[int, datetime, datetime]],
    keys: Sequence[str],
    rows: Mapping[str, Sequence[Row]],
    *,
    hourly: bool,
) -> list[Unit]:
    """Units of a split test: one per variant and complete local day — (day number, start,
    end) — all of a day forming one round."""
    units = []
    for number, start, end in days:
        for key in keys:
            counts = sum_unit(rows.get(key, ()), (start, end), hourly=hourly)
            hours = (end - start).total_seconds() / 3600
            units.append(Unit(key, number, number, start, end, counts, hours))
    return units


def maturity_cutoff(
    now: datetime, spec: MetricSpec, *, days: int = MATURITY_DAYS
) -> datetime | None:
    """The moment before which rounds count for `spec` (None: no maturity needed)."""
    return now - timedelta(days=days) if "conversion" in spec.events else None
