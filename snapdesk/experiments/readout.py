"""The readout of an experiment: per-arm metrics, lifts with always-valid intervals, Holm, SRM,
guardrails and a verdict. `compute_readout` is pure; `arms_from_report` sums a stats report
over each variant's active windows.

Active windows. Each variant's ad squad only delivers while it is ACTIVE, so its own stats
rows are its exposure; the windows exclude what lies outside the experiment (the control's
history before the start, anything after the end) and the hours around a toggle:
- HOUR rows (rotation mode when every metric exists hourly — swipes, impressions, spend,
  completions) count only when the hour lies entirely inside one of the variant's windows;
- DAY rows (conversion metrics: Snap has no hourly conversions) count when at least half of the
  local day is inside the variant's windows. Rotation slots should then be whole days (N a
  multiple of 24); shorter slots with a conversion metric lose most days (a warning says so).

Intervals. Rates: the always-valid interval of p_t − p_c; the relative interval divides it by
the control's rate (treated as known — fine at ad volumes, slightly narrow with few events).
Costs: the interval of log(events per spend) ratio, turned into a cost ratio. The mixing scale
tau is fixed before the data: the experiment's planned `baseline` × `relative_mde` (without a
planned baseline the control's observed rate stands in — set one for strict validity).
Confidence intervals are per comparison at the experiment's confidence; "better"/"worse" on
the primary metric use Holm-adjusted always-valid p-values across the treatments.

Verdicts: `winner` (a treatment is better than control on the primary metric by the
Holm-corrected always-valid test, and no guardrail metric is significantly worse), `guardrail
violated`, `no difference yet` (keep running), `inconclusive` (ended or past the planned
sample without a significant difference). A sample-ratio mismatch does not change the verdict
but is flagged as a warning and `trustworthy` is False: ad squads are not randomized units —
auctions deliver unevenly even at equal budgets — so the UI must show it next to any winner.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from snapdesk.experiments.model import ARCHIVED, ENDED, Experiment, MetricSpec, metric
from snapdesk.experiments.stats import (
    MIN_EVENTS,
    SEQUENTIAL_METHOD,
    SEQUENTIAL_METHOD_SHORT,
    Estimate,
    SrmCheck,
    diff_of_proportions,
    holm,
    log_rate_ratio,
    srm_check,
)

WINNER: Final = "winner"
NO_DIFFERENCE_YET: Final = "no difference yet"
INCONCLUSIVE: Final = "inconclusive"
GUARDRAIL_VIOLATED: Final = "guardrail violated"
VERDICTS: Final = (WINNER, NO_DIFFERENCE_YET, INCONCLUSIVE, GUARDRAIL_VIOLATED)

Window = tuple[datetime, datetime]
_FIELDS: Final = ("impressions", "swipes", "spend", "view_completion", "conversion_purchases")


@dataclass(frozen=True)
class ArmData:
    """The summed counts of one variant over its active windows (spend in micro-currency)."""

    key: str
    squad_id: str
    name: str
    counts: Mapping[str, int] = field(default_factory=dict)
    exposure_hours: float = 0.0

    def count(self, name: str) -> int:
        return int(self.counts.get(name, 0))

    def value(self, spec: MetricSpec) -> float | None:
        """The metric: a rate, or a cost in currency units per event."""
        events, base = self.count(spec.events), self.count(spec.base)
        if spec.kind == "proportion":
            return events / base if base else None
        return base / 1_000_000 / events if events else None


@dataclass(frozen=True)
class Comparison:
    """One treatment against control on one metric. Lifts are treatment − control (absolute,
    in the metric's unit) and treatment / control − 1 (relative); intervals always-valid."""

    key: str
    metric: str
    control_value: float | None
    value: float | None
    abs_lift: float | None
    abs_low: float | None
    abs_high: float | None
    rel_lift: float | None
    rel_low: float | None
    rel_high: float | None
    p_value: float
    p_adjusted: float
    better: bool  # significantly better than control (after Holm for the primary metric)
    worse: bool  # significantly worse


@dataclass(frozen=True)
class ArmSummary:
    key: str
    squad_id: str
    name: str
    value: float | None
    events: int
    base: int
    impressions: int
    spend_micro: int
    exposure_hours: float


@dataclass(frozen=True)
class Readout:
    experiment_id: str
    metric: str
    confidence: float
    method: str
    method_short: str
    arms: tuple[ArmSummary, ...]
    comparisons: tuple[Comparison, ...]
    guardrails: tuple[Comparison, ...]
    srm: SrmCheck | None
    warnings: tuple[str, ...]
    verdict: str
    winner: str | None  # variant key
    explanation: str

    @property
    def trustworthy(self) -> bool:
        return self.srm is None or not self.srm.flagged


def _compare(
    spec: MetricSpec,
    control: ArmData,
    arm: ArmData,
    *,
    alpha: float,
    relative_mde: float,
    baseline: float | None,
) -> tuple[Estimate, Comparison]:
    c_val, t_val = control.value(spec), arm.value(spec)
    if spec.kind == "proportion":
        base_rate = baseline if baseline else (c_val or 0.0)
        tau = max(abs(base_rate * relative_mde), 1e-6)
        est = diff_of_proportions(
            x_t=arm.count(spec.events),
            n_t=arm.count(spec.base),
            x_c=control.count(spec.events),
            n_c=control.count(spec.base),
            tau=tau,
            alpha=alpha,
        )
        finite = math.isfinite(est.low)
        rel = est.estimate / c_val if c_val else None
        comparison = Comparison(
            key=arm.key,
            metric=spec.key,
            control_value=c_val,
            value=t_val,
            abs_lift=est.estimate if t_val is not None and c_val is not None else None,
            abs_low=est.low if finite else None,
            abs_high=est.high if finite else None,
            rel_lift=rel,
            rel_low=est.low / c_val if c_val and finite else None,
            rel_high=est.high / c_val if c_val and finite else None,
            p_value=est.p_value,
            p_adjusted=est.p_value,
            better=False,
            worse=False,
        )
        return est, comparison
    # Cost metrics: events per unit of spend (Poisson); cost ratio = exp(-log rate ratio).
    tau = max(abs(math.log1p(relative_mde)), 1e-6)
    est = log_rate_ratio(
        events_t=arm.count(spec.events),
        exposure_t=arm.count(spec.base) / 1_000_000,
        events_c=control.count(spec.events),
        exposure_c=control.count(spec.base) / 1_000_000,
        tau=tau,
        alpha=alpha,
    )
    finite = math.isfinite(est.low)
    rel = math.exp(-est.estimate) - 1 if finite else None
    rel_low = math.exp(-est.high) - 1 if finite else None
    rel_high = math.exp(-est.low) - 1 if finite else None
    comparison = Comparison(
        key=arm.key,
        metric=spec.key,
        control_value=c_val,
        value=t_val,
        abs_lift=(t_val - c_val) if t_val is not None and c_val is not None else None,
        abs_low=c_val * rel_low if c_val is not None and rel_low is not None else None,
        abs_high=c_val * rel_high if c_val is not None and rel_high is not None else None,
        rel_lift=rel,
        rel_low=rel_low,
        rel_high=rel_high,
        p_value=est.p_value,
        p_adjusted=est.p_value,
        better=False,
        worse=False,
    )
    return est, comparison


def _improves(spec: MetricSpec, est: Estimate) -> bool:
    # proportion: higher is better; cost: a higher event rate per spend is a lower cost.
    return est.estimate > 0


def _with(comparison: Comparison, *, p_adjusted: float, alpha: float, good: bool) -> Comparison:
    significant = p_adjusted < alpha
    return Comparison(
        **{
            **comparison.__dict__,
            "p_adjusted": p_adjusted,
            "better": significant and good,
            "worse": significant and not good,
        }
    )


def compute_readout(
    experiment: Experiment,
    arms: Sequence[ArmData],
    *,
    expected_shares: Sequence[float] | None = None,
    planned_per_arm: int | None = None,
    ended: bool | None = None,
    extra_warnings: Sequence[str] = (),
) -> Readout:
    """The readout from per-arm counts (arms in the experiment's variant order, control first)."""
    if len(arms) != len(experiment.variants) or len(arms) < 2:
        raise ValueError("one ArmData per variant, control first")
    spec = metric(experiment.primary_metric)
    alpha = experiment.alpha
    if ended is None:
        ended = experiment.state in (ENDED, ARCHIVED)
    control, treatments = arms[0], list(arms[1:])
    warnings = list(extra_warnings)

    primary: list[tuple[Estimate, Comparison]] = [
        _compare(
            spec,
            control,
            arm,
            alpha=alpha,
            relative_mde=experiment.relative_mde,
            baseline=experiment.baseline,
        )
        for arm in treatments
    ]
    adjusted = holm([c.p_value for _, c in primary])
    comparisons = [
        _with(c, p_adjusted=p, alpha=alpha, good=_improves(spec, est))
        for (est, c), p in zip(primary, adjusted, strict=True)
    ]

    guardrails: list[Comparison] = []
    for key in experiment.guardrails:
        g_spec = metric(key)
        for arm in treatments:
            est, c = _compare(
                g_spec, control, arm, alpha=alpha, relative_mde=experiment.relative_mde,
                baseline=None,
            )  # fmt: skip
            # Guardrails are not corrected: protecting against harm errs on the side of flagging.
            guardrails.append(
                _with(c, p_adjusted=c.p_value, alpha=alpha, good=_improves(g_spec, est))
            )

    srm: SrmCheck | None = None
    impressions = [a.count("impressions") for a in arms]
    if sum(impressions) > 0:
        shares = list(expected_shares) if expected_shares else [1.0] * len(arms)
        srm = srm_check(impressions, shares)
        if srm.flagged:
            warnings.append(srm.message)

    low = [a.name for a in arms if a.count(spec.events) < MIN_EVENTS]
    too_little = bool(low)
    if too_little:
        noun = METRIC_EVENT_NOUN.get(spec.events, spec.events)
        warnings.append(
            f"Too little data: {', '.join(low)} ha{'s' if len(low) == 1 else 've'} fewer than "
            f"{MIN_EVENTS} {noun}; no verdict before every variant has at least {MIN_EVENTS}."
        )
    if planned_per_arm is not None:
        behind = [a.name for a in arms if a.count(spec.base) < planned_per_arm]
        if behind and not too_little:
            warnings.append(
                f"Below the planned sample ({planned_per_arm:,} {spec.base} per variant): "
                + ", ".join(behind)
            )

    harmed = {g.key for g in guardrails if g.worse}
    better = [c for c in comparisons if c.better]
    winner: str | None = None
    if too_little:
        verdict = NO_DIFFERENCE_YET
        explanation = "Not enough data yet to compare the variants."
    elif better:
        best = max(better, key=lambda c: (c.rel_lift or 0.0) * (1 if spec.higher_is_better else -1))
        if best.key in harmed:
            verdict = GUARDRAIL_VIOLATED
            names = sorted({g.metric for g in guardrails if g.worse and g.key == best.key})
            explanation = (
                f"Variant {best.key} beats control on {spec.label} but is significantly worse "
                f"on {', '.join(metric(n).label for n in names)}; not promoting it."
            )
        else:
            verdict, winner = WINNER, best.key
            explanation = (
                f"Variant {best.key} beats control on {spec.label} "
                f"(always-valid p = {best.p_adjusted:.3g} after Holm, {experiment.confidence:.0%} "
                "confidence)."
            )
    elif all(c.worse for c in comparisons):
        verdict, winner = WINNER, control.key
        explanation = f"Control beats every treatment on {spec.label}."
    elif harmed:
        verdict = GUARDRAIL_VIOLATED
        explanation = (
            f"Variant(s) {', '.join(sorted(harmed))} are significantly worse on a guardrail "
            "metric; consider stopping them."
        )
    elif ended or (
        planned_per_arm is not None and all(a.count(spec.base) >= planned_per_arm for a in arms)
    ):
        verdict = INCONCLUSIVE
        explanation = (
            "No significant difference after the planned sample; the effect, if any, is "
            "smaller than the test can detect."
        )
    else:
        verdict = NO_DIFFERENCE_YET
        explanation = "No significant difference yet; keep the experiment running."

    summaries = tuple(
        ArmSummary(
            key=a.key,
            squad_id=a.squad_id,
            name=a.name,
            value=a.value(spec),
            events=a.count(spec.events),
            base=a.count(spec.base),
            impressions=a.count("impressions"),
            spend_micro=a.count("spend"),
            exposure_hours=a.exposure_hours,
        )
        for a in arms
    )
    return Readout(
        experiment_id=experiment.id,
        metric=spec.key,
        confidence=experiment.confidence,
        method=SEQUENTIAL_METHOD,
        method_short=SEQUENTIAL_METHOD_SHORT,
        arms=summaries,
        comparisons=tuple(comparisons),
        guardrails=tuple(guardrails),
        srm=srm,
        warnings=tuple(warnings),
        verdict=verdict,
        winner=winner,
        explanation=explanation,
    )


METRIC_EVENT_NOUN: Final = {
    "swipes": "swipes",
    "conversion_purchases": "conversions",
    "view_completion": "completions",
    "impressions": "impressions",
}


def _covered(start: datetime, end: datetime, windows: Sequence[Window]) -> float:
    total = (end - start).total_seconds()
    if total <= 0:
        return 0.0
    inside = 0.0
    for w_start, w_end in windows:
        lo, hi = max(start, w_start), min(end, w_end)
        if hi > lo:
            inside += (hi - lo).total_seconds()
    return inside / total


def sum_rows(
    rows: Sequence[tuple[datetime, datetime, Mapping[str, int | float | None]]],
    windows: Sequence[Window],
    *,
    hourly: bool,
) -> dict[str, int]:
    """Sum the counts of rows inside the windows (HOUR: fully inside; DAY: at least half)."""
    need = 0.999 if hourly else 0.5
    out = dict.fromkeys(_FIELDS, 0)
    for start, end, values in rows:
        if _covered(start, end, windows) < need:
            continue
        for name in _FIELDS:
            value = values.get(name)
            if value is not None:
                out[name] += int(value)
    return out


def window_hours(windows: Sequence[Window]) -> float:
    return sum((e - s).total_seconds() for s, e in windows) / 3600
