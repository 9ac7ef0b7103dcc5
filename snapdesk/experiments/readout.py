"""The readout of an experiment: per-variant metrics, lifts with always-valid intervals, Holm,
delivery checks, guardrails and a verdict. `compute_readout` is pure (units in, readout out).

The unit of replication is the slot (rotation) or the day (split mode), paired into rounds
(`units.py`): every comparison of a treatment with the control is the sequence of per-round log
ratios of their metric, tested with the anytime-valid t-test of `sequential.py` — its p-value
the running minimum over the rounds, its interval the running intersection of the confidence
sequence, both safe to look at every day. Before `MIN_ROUNDS` complete rounds there is no
verdict.

Metrics:
- rates (swipe rate, completion rate, conversions per swipe) and costs (cost per swipe, cost per
  conversion) are ratios of sums per unit, compared by the log ratio per round — a conversion is
  never a binomial share of swipes (one swipe may lead to several purchases, over 28 days);
- conversion metrics only use rounds old enough for their conversions to have matured
  (`units.MATURITY_DAYS`), so both variants are compared at the same maturity;
- eCPM (1000 × spend / impressions) is set by the auction, not a count: it is a descriptive
  guardrail — shown with a delta-method interval over the units and flagged when a treatment's
  eCPM is higher than the control's by more than the experiment's `price_limit` — never tested.

Per-variant values carry descriptive intervals (ratio of sums, delta-method standard error over
the variant's units). Delivery: in rotation a per-slot check (slots that did not run or
delivered under half the usual impressions; their rounds are left out); in split mode also a
chi-square test of the impression shares against the budgets, on complete days only.

Verdicts: `winner` (a treatment better than control on the primary metric by the
Holm-corrected always-valid test, none of its guardrails significantly worse), `guardrail
violated`, `no difference yet` (keep running), `inconclusive` (ended, or past the planned
horizon, without a detected difference). A verdict, once reached, stays (the service stores it)
unless the experiment is reset.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from snapdesk.experiments.model import ARCHIVED, ENDED, Experiment, MetricSpec, metric
from snapdesk.experiments.planning import Plan
from snapdesk.experiments.schedule import ROTATION
from snapdesk.experiments.sequential import (
    DEFAULT_C,
    MIN_ROUNDS,
    SequentialResult,
    sequential,
)
from snapdesk.experiments.stats import SrmCheck, holm, srm_check
from snapdesk.experiments.units import (
    DeliveryIssue,
    Round,
    Unit,
    complete_rounds,
    delivery_check,
    delta_interval,
    maturity_cutoff,
    round_values,
    value_of,
)

WINNER: Final = "winner"
NO_DIFFERENCE_YET: Final = "no difference yet"
INCONCLUSIVE: Final = "inconclusive"
GUARDRAIL_VIOLATED: Final = "guardrail violated"
VERDICTS: Final = (WINNER, NO_DIFFERENCE_YET, INCONCLUSIVE, GUARDRAIL_VIOLATED)

SEQUENTIAL_METHOD: Final = (
    "Anytime-valid t-test on per-round log ratios (the slot or day is the unit; Lai 1976, "
    "Pérez-Ortiz et al. 2024): running-minimum p-values and intersected confidence sequences, "
    "safe to check every day"
)
SEQUENTIAL_METHOD_SHORT: Final = "anytime-valid t-test per round"
DESCRIPTIVE_METRICS: Final = frozenset({"ecpm"})  # set by the auction: shown, never tested


@dataclass(frozen=True)
class Comparison:
    """One treatment against control on one metric. `rel_lift` = treatment / control − 1 from
    the mean per-round log ratio, its interval the always-valid one (running intersection);
    `abs_lift` the difference of the two values over the compared rounds."""

    key: str
    metric: str
    control_value: float | None
    value: float | None
    rounds: int
    abs_lift: float | None
    rel_lift: float | None
    rel_low: float | None
    rel_high: float | None
    p_value: float
    p_adjusted: float
    better: bool  # significantly better than control (after Holm for the primary metric)
    worse: bool  # significantly worse
    tested: bool = True  # False: a descriptive metric (eCPM), compared to a limit only
    flagged: bool = False  # descriptive: beyond the experiment's limit

    @property
    def ready(self) -> bool:
        return self.rounds >= MIN_ROUNDS


@dataclass(frozen=True)
class ArmSummary:
    key: str
    squad_id: str
    name: str
    value: float | None
    low: float | None  # descriptive interval (delta method over units)
    high: float | None
    units: int
    events: float
    base: float
    impressions: float
    spend_micro: float
    exposure_hours: float


@dataclass(frozen=True)
class Readout:
    experiment_id: str
    metric: str
    confidence: float
    method: str
    method_short: str
    unit: str  # "slot of 24 h" / "day": the unit of replication, in words
    round_label: str  # what a round is, in words
    rounds: int  # complete rounds compared on the primary metric
    arms: tuple[ArmSummary, ...]
    comparisons: tuple[Comparison, ...]
    guardrails: tuple[Comparison, ...]
    srm: SrmCheck | None
    delivery: tuple[DeliveryIssue, ...]
    warnings: tuple[str, ...]
    verdict: str
    winner: str | None  # variant key
    explanation: str
    power_so_far: float | None = None  # chance to have detected an MDE-sized effect by now
    planned_rounds: int | None = None
    planned_days: float | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def trustworthy(self) -> bool:
        return (self.srm is None or not self.srm.flagged) and not self.delivery


def _interval(result: SequentialResult) -> tuple[float | None, float | None]:
    low = math.exp(result.low) - 1 if math.isfinite(result.low) else None
    high = math.exp(result.high) - 1 if math.isfinite(result.high) else None
    return low, high


def _compare(
    spec: MetricSpec,
    rounds: Sequence[Round],
    control: str,
    key: str,
    *,
    alpha: float,
    c: float,
) -> tuple[SequentialResult, Comparison]:
    values = round_values(rounds, control, key, spec)
    result = sequential(values, alpha=alpha, c=c)
    c_val = value_of([r.units[control] for r in rounds], spec)
    t_val = value_of([r.units[key] for r in rounds], spec)
    low, high = _interval(result) if result.ready else (None, None)
    comparison = Comparison(
        key=key,
        metric=spec.key,
        control_value=c_val,
        value=t_val,
        rounds=len(values),
        abs_lift=(t_val - c_val) if t_val is not None and c_val is not None else None,
        rel_lift=math.exp(result.estimate) - 1 if values else None,
        rel_low=low,
        rel_high=high,
        p_value=result.p_value if result.ready else 1.0,
        p_adjusted=result.p_value if result.ready else 1.0,
        better=False,
        worse=False,
    )
    return result, comparison


def _judged(
    comparison: Comparison, spec: MetricSpec, *, p_adjusted: float, alpha: float
) -> Comparison:
    significant = comparison.ready and p_adjusted <= alpha
    up = (comparison.rel_lift or 0.0) > 0
    good = up if spec.higher_is_better else not up
    return Comparison(
        **{
            **comparison.__dict__,
            "p_adjusted": p_adjusted,
            "better": significant and good,
            "worse": significant and not good,
        }
    )


def _describe_price(
    spec: MetricSpec, units: Sequence[Unit], control: str, key: str, *, limit: float
) -> Comparison:
    c_val = value_of([u for u in units if u.key == control], spec)
    t_val = value_of([u for u in units if u.key == key], spec)
    rel = (t_val / c_val - 1) if t_val is not None and c_val else None
    return Comparison(
        key=key,
        metric=spec.key,
        control_value=c_val,
        value=t_val,
        rounds=0,
        abs_lift=(t_val - c_val) if t_val is not None and c_val is not None else None,
        rel_lift=rel,
        rel_low=None,
        rel_high=None,
        p_value=1.0,
        p_adjusted=1.0,
        better=False,
        worse=False,
        tested=False,
        flagged=rel is not None and rel > limit,
    )


def compute_readout(
    experiment: Experiment,
    units: Sequence[Unit],
    *,
    now: datetime,
    plan: Plan | None = None,
    expected_slots: Sequence[tuple[str, int, datetime]] = (),
    expected_shares: Sequence[float] | None = None,
    ended: bool | None = None,
    extra_warnings: Sequence[str] = (),
) -> Readout:
    """The readout from the experiment's units (see the module docstring)."""
    keys = [v.key for v in experiment.variants]
    control = keys[0]
    spec = metric(experiment.primary_metric)
    alpha = experiment.alpha
    if spec.key in DESCRIPTIVE_METRICS:
        raise ValueError(f"{spec.label} is set by the auction: a guardrail, not a primary metric")
    if ended is None:
        ended = experiment.state in (ENDED, ARCHIVED)
    c = plan.c if plan is not None else (experiment.mixture_c or DEFAULT_C)
    warnings = list(extra_warnings)
    notes: list[str] = []

    if experiment.mode == ROTATION:
        delivery = tuple(delivery_check(units, expected=expected_slots))
    else:  # split: a day a variant did not deliver at all is left out too
        delivery = tuple(d for d in delivery_check(units) if d.kind == "missing")
    excluded = frozenset((d.key, d.index) for d in delivery)

    def rounds_for(s: MetricSpec) -> list[Round]:
        cutoff = maturity_cutoff(now, s)
        return complete_rounds(units, keys, mature_before=cutoff, exclude=excluded)

    primary_rounds = rounds_for(spec)
    if "conversion" in spec.events:
        all_rounds = complete_rounds(units, keys, exclude=excluded)
        notes.append(
            f"Conversions compared over {len(primary_rounds)} of {len(all_rounds)} complete "
            "rounds: only rounds that ended 7 days or more ago, so both variants' conversions "
            "have matured alike (later conversions of those rounds still count)."
        )
    primary = [_compare(spec, primary_rounds, control, key, alpha=alpha, c=c) for key in keys[1:]]
    adjusted = holm([comp.p_value for _, comp in primary])
    comparisons = [
        _judged(comp, spec, p_adjusted=p, alpha=alpha)
        for (_, comp), p in zip(primary, adjusted, strict=True)
    ]

    guardrails: list[Comparison] = []
    for g in experiment.guardrails:
        g_spec = metric(g)
        for key in keys[1:]:
            if g_spec.key in DESCRIPTIVE_METRICS:
                guardrails.append(
                    _describe_price(g_spec, units, control, key, limit=experiment.price_limit)
                )
                continue
            _, comp = _compare(g_spec, rounds_for(g_spec), control, key, alpha=alpha, c=c)
            # Not corrected: protecting against harm errs on the side of flagging.
            guardrails.append(_judged(comp, g_spec, p_adjusted=comp.p_value, alpha=alpha))

    srm: SrmCheck | None = None
    if experiment.mode != ROTATION:
        impressions = [sum(u.count("impressions") for u in units if u.key == k) for k in keys]
        if sum(impressions) > 0:
            srm = srm_check([round(i) for i in impressions], expected_shares or [1.0] * len(keys))
            if srm.flagged:
                warnings.append(srm.message)
    for issue in delivery:
        warnings.append(f"Delivery: {issue.message}; that round is not compared.")

    n = len(primary_rounds)
    unit_word, round_word = _unit_words(experiment)
    harmed = {g.key for g in guardrails if g.worse or g.flagged}
    better = [comp for comp in comparisons if comp.better]
    winner: str | None = None
    power_so_far = plan.power_at(n) if plan is not None else None
    planned_rounds = plan.rounds if plan is not None else None
    if n < MIN_ROUNDS:
        verdict = NO_DIFFERENCE_YET
        explanation = (
            f"{n} complete round{'s' if n != 1 else ''} of {MIN_ROUNDS} needed before any "
            f"verdict (a round is {round_word})."
        )
    elif better:
        best = max(better, key=lambda x: (x.rel_lift or 0.0) * (1 if spec.higher_is_better else -1))
        if best.key in harmed:
            verdict = GUARDRAIL_VIOLATED
            names = sorted(
                {g.metric for g in guardrails if (g.worse or g.flagged) and g.key == best.key}
            )
            explanation = (
                f"Variant {best.key} beats control on {spec.label} but is worse on "
                f"{', '.join(metric(x).label for x in names)}; not promoting it."
            )
        else:
            verdict, winner = WINNER, best.key
            explanation = (
                f"Variant {best.key} beats control on {spec.label} (always-valid p = "
                f"{best.p_adjusted:.3g} after Holm, over {n} rounds of {round_word})."
            )
    elif all(comp.worse for comp in comparisons):
        verdict, winner = WINNER, control
        explanation = f"Control beats every treatment on {spec.label} over {n} rounds."
    elif harmed:
        verdict = GUARDRAIL_VIOLATED
        names = sorted(harmed)
        explanation = (
            f"Variant{'s' if len(names) > 1 else ''} {', '.join(names)} "
            f"{'are' if len(names) > 1 else 'is'} worse on a guardrail metric; consider "
            "stopping "
            f"{'them' if len(names) > 1 else 'it'}."
        )
    else:
        so_far = (
            f" By now the test had a {power_so_far:.0%} chance to detect a "
            f"{experiment.relative_mde:+.0%} change."
            if power_so_far is not None
            else ""
        )
        if ended or (planned_rounds is not None and n >= planned_rounds):
            verdict = INCONCLUSIVE
            explanation = (
                f"No difference detected at this sample ({n} rounds).{so_far} A smaller effect "
                "may exist; this does not show the variants are equal."
            )
        else:
            verdict = NO_DIFFERENCE_YET
            horizon = (
                f" The {plan.power:.0%}-power horizon is {planned_rounds} rounds."
                if plan is not None and planned_rounds is not None
                else ""
            )
            explanation = f"Not detected yet at this sample ({n} rounds).{so_far}{horizon}"

    summaries = []
    for v in experiment.variants:
        own = [u for u in units if u.key == v.key]
        interval = delta_interval(own, spec)
        summaries.append(
            ArmSummary(
                key=v.key,
                squad_id=v.squad_id,
                name=v.name,
                value=value_of(own, spec),
                low=interval[0] if interval else None,
                high=interval[1] if interval else None,
                units=len(own),
                events=sum(u.count(spec.events) for u in own),
                base=sum(u.count(spec.base) for u in own),
                impressions=sum(u.count("impressions") for u in own),
                spend_micro=sum(u.count("spend") for u in own),
                exposure_hours=sum(u.hours for u in own),
            )
        )
    return Readout(
        experiment_id=experiment.id,
        metric=spec.key,
        confidence=experiment.confidence,
        method=SEQUENTIAL_METHOD,
        method_short=SEQUENTIAL_METHOD_SHORT,
        unit=unit_word,
        round_label=round_word,
        rounds=n,
        arms=tuple(summaries),
        comparisons=tuple(comparisons),
        guardrails=tuple(guardrails),
        srm=srm,
        delivery=delivery,
        warnings=tuple(warnings),
        verdict=verdict,
        winner=winner,
        explanation=explanation,
        power_so_far=power_so_far,
        planned_rounds=planned_rounds,
        planned_days=plan.days if plan is not None else None,
        notes=tuple(notes),
    )


def _unit_words(experiment: Experiment) -> tuple[str, str]:
    k = len(experiment.variants)
    if experiment.mode == ROTATION:
        hours = experiment.rotation_hours or 24
        slot = f"{hours / 24:g}-day slot" if hours % 24 == 0 else f"{hours:g}-hour slot"
        order = "a counterbalanced order" if experiment.balanced else "a fixed order"
        return f"one {slot}", f"{k} {slot}s, one per variant, in {order}"
    return "one day", "one day with every variant running side by side"
