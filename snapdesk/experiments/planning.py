"""The planner: how many rounds an experiment needs, from the campaign's own recent history.

    plan = plan_experiment(history, spec=metric("swipe_rate"), relative_mde=0.10, arms=3,
                           mode="rotation", slot_hours=24, confidence=0.95)
    plan.rounds, plan.days            # the 80 %-power horizon of the sequential test
    plan.multiplicity_factor          # Holm's first step: alpha / (arms − 1)
    plan.sequential_factor            # always-valid vs a fixed-horizon test, simulated

What decides the size is the round-to-round spread of the per-round log ratio (see
`units.py`), not the number of impressions: a day that converts 8 % better than the day before
moves the comparison whatever the volume. The planner measures that spread in the campaign's
last days:

- rotation with slots of whole days: the day-to-day variation of the campaign's daily metric,
  taken as the semi-variogram γ(L) = ½·E[(z_{d+L} − z_d)²] of z = log(daily metric) at the lags
  that separate the variants of a round (1 … k−1 slots), so a slow trend doesn't count and the
  sampling noise at the campaign's volume is included: Var(Y) = 2·γ̄;
- rotation with shorter slots: the same on the campaign's hourly history aggregated into
  slot-long windows;
- split mode: when the campaign ran two or more ad squads side by side, the spread of their
  same-day differences (what a split compares); otherwise an assumption — 3 % independent daily
  noise per ad squad on top of sampling noise doubled for user clustering — shown as such.

The spread is taken at the upper end of its 70 % interval (a plan from 28 days of history would
otherwise fall short of its power half the time), the effect is log(1 + MDE), the mixture scale
`c` is the standardized effect, the test level is alpha / (arms − 1) (Holm's first step), and
the number of rounds is the first at which the simulated sequential test has found the effect in
`power` of the runs (`sequential.rounds_for_power`). The horizon is where 80 % power is reached
— not a bound: a true effect of exactly the MDE is still missed one time in five by then.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from statistics import NormalDist
from typing import Any, Final

from snapdesk.experiments.model import MetricSpec
from snapdesk.experiments.schedule import ROTATION, SPLIT
from snapdesk.experiments.sequential import (
    MIN_ROUNDS,
    fixed_rounds,
    power_curve,
    rounds_for_power,
)
from snapdesk.experiments.units import metric_parts

ASSUMED_ARM_NOISE: Final = 0.03  # relative SD of one ad squad's daily metric, when unmeasurable
ASSUMED_CLUSTERING: Final = 2.0  # variance inflation of sampling noise by user clustering
PLAN_QUANTILE: Final = 0.70  # the spread is planned at this upper confidence quantile
MIN_HISTORY: Final = 7  # days (or windows) of history needed to measure the spread
HISTORY_DAYS: Final = 28  # the history the planner reads by default


class PlanningError(ValueError):
    """The history can't size the experiment; `message` says what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Window:
    """History aggregated over one window (a day, or a slot-long stretch of hours), per squad:
    the counts the metric needs."""

    counts: Mapping[str, Mapping[str, float]]  # squad id → field → count


@dataclass(frozen=True)
class Plan:
    metric: str
    mode: str
    arms: int
    slot_hours: float | None
    confidence: float
    power: float
    relative_mde: float
    baseline: float | None  # the metric over the history
    round_sd: float  # planned SD of the per-round log ratio
    measured_sd: float  # as measured (before the conservative quantile)
    spread_source: str  # how the spread was measured, in words
    history_windows: int
    theta: float  # standardized effect: log(1 + MDE) / round_sd
    c: float  # mixture scale of the test
    alpha: float
    alpha_first: float  # Holm's first step: alpha / comparisons
    fixed_rounds_alpha: int  # fixed-horizon rounds at alpha
    fixed_rounds: int  # fixed-horizon rounds at alpha_first
    rounds: int | None  # sequential rounds to reach `power` (None: beyond reach)
    round_days: float
    daily_base: float  # the metric's denominator per day (impressions, swipes, spend)
    assumptions: tuple[str, ...] = field(default=())

    @property
    def comparisons(self) -> int:
        return self.arms - 1

    @property
    def multiplicity_factor(self) -> float:
        return self.fixed_rounds / self.fixed_rounds_alpha

    @property
    def sequential_factor(self) -> float | None:
        return None if self.rounds is None else self.rounds / self.fixed_rounds

    @property
    def days(self) -> float | None:
        return None if self.rounds is None else self.rounds * self.round_days

    def power_at(self, rounds: int) -> float:
        """The chance the test has found an effect of exactly the MDE by `rounds` rounds."""
        if rounds < 1 or self.theta <= 0:
            return 0.0
        curve = power_curve(
            theta=self.theta, alpha=self.alpha_first, c=self.c, max_rounds=max(rounds, 2)
        )
        return float(curve[rounds - 1])

    @property
    def note(self) -> str:
        if self.rounds is None:
            return "Out of reach: the campaign's day-to-day spread is too large for this MDE."
        return (
            f"{self.rounds} rounds ≈ {self.days:.0f} days for {self.power:.0%} power "
            f"(always-valid test at α/{self.comparisons} = {self.alpha_first:.3g})"
        )

    def to_json(self) -> dict[str, object]:
        out = dict(self.__dict__)
        out["assumptions"] = list(self.assumptions)
        return out

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Plan:
        names = {f.name for f in fields(cls)}
        values = {k: v for k, v in raw.items() if k in names}
        values["assumptions"] = tuple(values.get("assumptions") or ())
        return cls(**values)


def _z(window_counts: Mapping[str, float], spec: MetricSpec) -> float | None:
    num_field, den_field, _ = metric_parts(spec)
    num, den = float(window_counts.get(num_field) or 0), float(window_counts.get(den_field) or 0)
    if num <= 0 or den <= 0:
        return None
    return math.log(num) - math.log(den)


def _merge(counts: Mapping[str, Mapping[str, float]]) -> dict[str, float]:
    out: dict[str, float] = {}
    for per_squad in counts.values():
        for name, value in per_squad.items():
            out[name] = out.get(name, 0.0) + float(value or 0)
    return out


def _upper(variance: float, df: int, quantile: float = PLAN_QUANTILE) -> float:
    """The `quantile` upper confidence bound of a variance estimated with `df` degrees of
    freedom (Wilson–Hilferty approximation of the chi-square quantile)."""
    if df <= 0:
        return variance
    z = NormalDist().inv_cdf(1 - quantile)
    chi2 = df * (1 - 2 / (9 * df) + z * math.sqrt(2 / (9 * df))) ** 3
    return variance * df / max(chi2, 1e-9)


def semivariogram(z: Sequence[float | None], lags: Sequence[int]) -> tuple[float, int]:
    """Mean of ½(z_{i+L} − z_i)² over the lags (pairs with a missing z skipped), and the
    number of pairs."""
    total, pairs = 0.0, 0
    for lag in lags:
        for i in range(len(z) - lag):
            a, b = z[i], z[i + lag]
            if a is None or b is None:
                continue
            total += 0.5 * (b - a) ** 2
            pairs += 1
    if pairs == 0:
        raise PlanningError("the history has no two usable windows to compare")
    return total / pairs, pairs


def plan_experiment(
    history: Sequence[Window],
    *,
    spec: MetricSpec,
    relative_mde: float,
    arms: int,
    mode: str,
    slot_hours: float | None,
    confidence: float = 0.95,
    power: float = 0.8,
    window_hours: float = 24.0,
) -> Plan:
    """The plan from `history` (oldest first; windows of `window_hours`: days, or slot-long
    stretches of hours for rotations with slots shorter than a day)."""
    if arms < 2:
        raise PlanningError("an experiment needs a control and at least one treatment")
    if relative_mde == 0 or relative_mde <= -1:
        raise PlanningError("the minimum detectable effect must be a change, e.g. 10 %")
    usable = [w for w in history if any(w.counts.values())]
    if len(usable) < MIN_HISTORY:
        raise PlanningError(
            f"the campaign has {len(usable)} day(s) of history; the planner needs "
            f"{MIN_HISTORY} to measure its day-to-day spread"
        )
    merged = [_merge(w.counts) for w in history]
    num_field, den_field, scale = metric_parts(spec)
    total_num = sum(m.get(num_field, 0.0) for m in merged)
    total_den = sum(m.get(den_field, 0.0) for m in merged)
    if total_num <= 0 or total_den <= 0:
        raise PlanningError(
            f"the campaign has no {num_field} or {den_field} in its recent history; "
            "the planner can't size this metric yet"
        )
    baseline = scale * total_num / total_den
    days = len(history) * window_hours / 24
    daily_base = total_den / max(days, 1e-9)
    alpha = 1 - confidence
    assumptions: list[str] = []

    if mode == ROTATION:
        if slot_hours is None or slot_hours <= 0:
            raise PlanningError("a rotation needs a slot length in hours")
        per_window = max(1, round(slot_hours / window_hours))
        z = _aggregate_z(merged, per_window, spec)
        lags = list(range(1, arms))
        gamma, pairs = semivariogram(z, lags)
        variance = 2 * gamma
        df = max(1, pairs // max(1, len(lags)))
        lag_text = f"lags of {', '.join(map(str, lags))} slot{'s' if arms > 2 else ''}"
        if window_hours >= 24:
            source = (
                f"day-to-day spread of the campaign's {spec.label.lower()} over {len(usable)} "
                f"days ({lag_text})"
            )
        else:
            source = (
                f"slot-to-slot spread of the campaign's {spec.label.lower()} over "
                f"{len(z)} {slot_hours:g}-hour windows of its hourly history, time-of-day "
                f"swings included ({lag_text})"
            )
        round_days = arms * slot_hours / 24
    elif mode == SPLIT:
        squads = sorted({s for w in history for s in w.counts})
        pairs_z = _squad_differences(history, squads, spec)
        events_field = spec.events
        per_arm_events = sum(m.get(events_field, 0.0) for m in merged) / max(days, 1e-9) / arms
        sampling = 2 * ASSUMED_CLUSTERING / max(per_arm_events, 1e-9)
        diffs, history_events = pairs_z
        if len(diffs) >= MIN_HISTORY:
            mean = sum(diffs) / len(diffs)
            var_d = sum((d - mean) ** 2 for d in diffs) / (len(diffs) - 1)
            # Measured on ad squads with `history_events` events a day each; an arm of the
            # experiment gets `per_arm_events`. The share of the spread that is sampling noise
            # (and grows as traffic is split) can't be told apart from the squads' own daily
            # noise, so all of it is scaled as if it were sampling noise: conservative.
            growth = max(1.0, history_events / max(per_arm_events, 1e-9))
            variance = max(var_d * growth, sampling)
            df = len(diffs) - 1
            source = (
                "spread of same-day differences between the campaign's two busiest ad squads "
                f"over {len(diffs)} days"
                + (
                    f", scaled ×{growth:.2g} for the smaller share of traffic each arm gets"
                    if growth > 1
                    else ""
                )
            )
        else:
            variance = 2 * ASSUMED_ARM_NOISE**2 + sampling
            df = 0
            source = (
                "assumed: the campaign has no two ad squads with a common history to measure "
                "how ad squads differ from day to day"
            )
            assumptions.append(
                f"{ASSUMED_ARM_NOISE:.0%} independent daily noise per ad squad and sampling noise "
                f"×{ASSUMED_CLUSTERING:g} for user clustering"
            )
        round_days = 1.0
    else:
        raise PlanningError("mode must be rotation or split")

    measured_sd = math.sqrt(variance)
    planned_var = _upper(variance, df) if df else variance
    round_sd = math.sqrt(planned_var)
    effect = abs(math.log1p(relative_mde))
    theta = effect / round_sd if round_sd > 0 else math.inf
    c = min(max(theta, 0.05), 5.0)
    alpha_first = alpha / (arms - 1)
    seq = rounds_for_power(theta=theta, alpha=alpha_first, c=c, power=power)
    if seq is not None:
        seq = max(seq, MIN_ROUNDS)
    return Plan(
        metric=spec.key,
        mode=mode,
        arms=arms,
        slot_hours=slot_hours if mode == ROTATION else None,
        confidence=confidence,
        power=power,
        relative_mde=relative_mde,
        baseline=baseline,
        round_sd=round_sd,
        measured_sd=measured_sd,
        spread_source=source,
        history_windows=len(usable),
        theta=theta,
        c=c,
        alpha=alpha,
        alpha_first=alpha_first,
        fixed_rounds_alpha=fixed_rounds(theta=theta, alpha=alpha, power=power),
        fixed_rounds=fixed_rounds(theta=theta, alpha=alpha_first, power=power),
        rounds=seq,
        round_days=round_days,
        daily_base=daily_base,
        assumptions=tuple(assumptions),
    )


def _aggregate_z(
    merged: Sequence[Mapping[str, float]], per: int, spec: MetricSpec
) -> list[float | None]:
    """z = log(metric) of consecutive groups of `per` windows (a slot of several days)."""
    out: list[float | None] = []
    for start in range(0, len(merged) - per + 1, per):
        total: dict[str, float] = {}
        for m in merged[start : start + per]:
            for name, value in m.items():
                total[name] = total.get(name, 0.0) + value
        out.append(_z(total, spec))
    return out


def _squad_differences(
    history: Sequence[Window], squads: Sequence[str], spec: MetricSpec
) -> tuple[list[float], float]:
    """Per day, the difference of log metrics between the two busiest ad squads, and the
    events a day of the smaller of the two (what the differences' sampling noise rests on)."""
    if len(squads) < 2:
        return [], 0.0
    volume = {
        s: sum(float(w.counts.get(s, {}).get(spec.base) or 0) for w in history) for s in squads
    }
    first, second = sorted(squads, key=lambda s: -volume[s])[:2]
    out = []
    events = 0.0
    for w in history:
        a, b = _z(w.counts.get(first, {}), spec), _z(w.counts.get(second, {}), spec)
        if a is not None and b is not None:
            out.append(a - b)
            events += min(
                float(w.counts[first].get(spec.events) or 0),
                float(w.counts[second].get(spec.events) or 0),
            )
    return out, events / max(1, len(out))
