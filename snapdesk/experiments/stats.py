"""The statistics of an experiment readout: planner, always-valid intervals, Holm, SRM.

Everything here is pure Python (math only) so the UI, the CLI and the simulation tests share it.

Always-valid inference — `SEQUENTIAL_METHOD`: a mixture sequential probability ratio test
(mSPRT, Johari, Koomen, Pekelis & Walsh 2017/2022) with a normal mixing distribution
N(0, tau^2) on the effect, applied to the normal approximation of the estimated effect
(difference of proportions, or log ratio of Poisson rates for cost metrics). With `v` the
estimate's variance, the mixture likelihood ratio against H0: effect = theta0 is

    L = sqrt(v / (v + tau^2)) * exp(tau^2 (est - theta0)^2 / (2 v (v + tau^2)))

and by Ville's inequality P(sup_n L_n >= 1/alpha) <= alpha under H0, so the p-value
`min(1, 1/L)` and the interval {theta0 : L < 1/alpha} stay valid however often the results are
looked at (daily looks included). This is the same boundary as the two-sided normal-mixture
confidence sequence of Howard, Ramdas, McAuliffe & Sekhon (2021). It is asymptotic (normal
approximation, plug-in variance): `MIN_EVENTS` per arm are required before a verdict.

Fixed-horizon z-tests are here only to show (in the tests) why daily peeking needs this.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Final

SEQUENTIAL_METHOD: Final = (
    "mSPRT — always-valid p-values and confidence intervals (normal mixture, "
    "Johari et al. 2017; Howard et al. 2021): safe to check every day"
)
SEQUENTIAL_METHOD_SHORT: Final = "mSPRT (always-valid, normal mixture)"
MIN_EVENTS: Final = 30  # successes per arm before any verdict
SRM_ALPHA: Final = 0.001
_N = NormalDist()


def z_quantile(p: float) -> float:
    return _N.inv_cdf(p)


# --------------------------------------------------------------------------- planner


@dataclass(frozen=True)
class Plan:
    """Sample and duration for 80% power (fixed horizon) and the sequential inflation."""

    baseline: float
    relative_mde: float
    confidence: float
    power: float
    per_arm: int  # units (impressions or swipes) per arm, fixed-horizon two-sided test
    arms: int
    total: int
    daily_units: float | None
    days: float | None  # None without traffic
    exposure_share: float  # 1/k in rotation mode, 1 in split mode (each arm gets its budget)
    sequential_per_arm: int  # a conservative planning figure for the always-valid test

    @property
    def note(self) -> str:
        return (
            f"{self.per_arm:,} per arm for {self.power:.0%} power at {self.confidence:.0%} "
            f"confidence (two-sided); the always-valid test may need up to "
            f"{self.sequential_per_arm:,} per arm."
        )


def sample_size_per_arm(
    *, baseline: float, relative_mde: float, confidence: float = 0.95, power: float = 0.8
) -> int:
    """Units per arm to detect p -> p(1+mde) with a two-sided test at `confidence`."""
    if not 0 < baseline < 1:
        raise ValueError("the baseline rate must be between 0 and 1")
    if relative_mde == 0:
        raise ValueError("the minimum detectable effect must not be zero")
    treated = baseline * (1 + relative_mde)
    if not 0 < treated < 1:
        raise ValueError("baseline × (1 + effect) must stay between 0 and 1")
    alpha = 1 - confidence
    z_a = z_quantile(1 - alpha / 2)
    z_b = z_quantile(power)
    pooled = (baseline + treated) / 2
    delta = abs(treated - baseline)
    n = (
        z_a * math.sqrt(2 * pooled * (1 - pooled))
        + z_b * math.sqrt(baseline * (1 - baseline) + treated * (1 - treated))
    ) ** 2 / delta**2
    return math.ceil(n)


def plan(
    *,
    baseline: float,
    relative_mde: float,
    arms: int,
    daily_units: float | None,
    rotation: bool,
    confidence: float = 0.95,
    power: float = 0.8,
) -> Plan:
    """The planner. `daily_units` is the campaign's recent daily volume of the metric's
    denominator (impressions for swipe rate, swipes for conversion rate) at the budget the
    experiment will run with. Split mode divides it across the arms; rotation mode gives each
    arm the whole volume a 1/k share of the time — both give daily_units/k per arm."""
    if arms < 2:
        raise ValueError("an experiment needs a control and at least one treatment")
    n = sample_size_per_arm(
        baseline=baseline, relative_mde=relative_mde, confidence=confidence, power=power
    )
    share = 1 / arms if rotation else 1.0
    per_arm_daily = daily_units / arms if daily_units else None
    days = n / per_arm_daily if per_arm_daily else None
    # Sequential tests pay for optional stopping; ~2x the fixed sample is a common planning
    # bound for an mSPRT tuned to the MDE (Johari et al. report 1.5-2.5x at the MDE).
    return Plan(
        baseline=baseline,
        relative_mde=relative_mde,
        confidence=confidence,
        power=power,
        per_arm=n,
        arms=arms,
        total=n * arms,
        daily_units=daily_units,
        days=days,
        exposure_share=share,
        sequential_per_arm=2 * n,
    )


# --------------------------------------------------------------------------- mSPRT


@dataclass(frozen=True)
class Estimate:
    """An effect estimate on its inference scale with an always-valid interval and p-value."""

    estimate: float
    variance: float
    low: float
    high: float
    p_value: float
    alpha: float


def default_tau(*, baseline: float, relative_mde: float = 0.1) -> float:
    """The mixing scale for a difference of proportions: the absolute MDE."""
    return max(abs(baseline * relative_mde), 1e-9)


def msprt(*, estimate: float, variance: float, tau: float, alpha: float) -> Estimate:
    """Always-valid p-value (against 0) and interval for a normally approximated estimate."""
    if variance <= 0 or not math.isfinite(variance):
        return Estimate(estimate, variance, -math.inf, math.inf, 1.0, alpha)
    t2 = tau * tau
    log_lr = 0.5 * math.log(variance / (variance + t2)) + t2 * estimate**2 / (
        2 * variance * (variance + t2)
    )
    p = 1.0 if log_lr <= 0 else min(1.0, math.exp(-log_lr))
    half = math.sqrt(
        variance
        * (variance + t2)
        / t2
        * (2 * math.log(1 / alpha) + math.log((variance + t2) / variance))
    )
    return Estimate(estimate, variance, estimate - half, estimate + half, p, alpha)


def diff_of_proportions(
    *, x_t: int, n_t: int, x_c: int, n_c: int, tau: float, alpha: float
) -> Estimate:
    """p_t - p_c with an always-valid interval (unpooled plug-in variance)."""
    if n_t <= 0 or n_c <= 0:
        return Estimate(0.0, math.inf, -math.inf, math.inf, 1.0, alpha)
    p_t, p_c = x_t / n_t, x_c / n_c
    var = p_t * (1 - p_t) / n_t + p_c * (1 - p_c) / n_c
    return msprt(estimate=p_t - p_c, variance=var, tau=tau, alpha=alpha)


def log_rate_ratio(
    *, events_t: int, exposure_t: float, events_c: int, exposure_c: float, tau: float, alpha: float
) -> Estimate:
    """log(rate_t / rate_c) for Poisson counts over exposures (conversions per unit spend)."""
    if events_t <= 0 or events_c <= 0 or exposure_t <= 0 or exposure_c <= 0:
        return Estimate(0.0, math.inf, -math.inf, math.inf, 1.0, alpha)
    est = math.log(events_t / exposure_t) - math.log(events_c / exposure_c)
    return msprt(estimate=est, variance=1 / events_t + 1 / events_c, tau=tau, alpha=alpha)


def fixed_z_p_value(*, x_t: int, n_t: int, x_c: int, n_c: int) -> float:
    """The naive fixed-horizon two-sided z-test (pooled) — wrong under repeated looks."""
    if n_t <= 0 or n_c <= 0:
        return 1.0
    pooled = (x_t + x_c) / (n_t + n_c)
    var = pooled * (1 - pooled) * (1 / n_t + 1 / n_c)
    if var <= 0:
        return 1.0
    z = (x_t / n_t - x_c / n_c) / math.sqrt(var)
    return 2 * (1 - _N.cdf(abs(z)))


# --------------------------------------------------------------------------- Holm, SRM


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm–Bonferroni adjusted p-values (same order as given)."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [1.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


def chi2_sf(x: float, df: int) -> float:
    """Survival function of the chi-square distribution (regularized upper gamma)."""
    if x <= 0:
        return 1.0
    return _gammaincc(df / 2, x / 2)


def _gammaincc(a: float, x: float) -> float:
    if x < a + 1:  # series for the lower function
        term = total = 1 / a
        k = a
        for _ in range(10_000):
            k += 1
            term *= x / k
            total += term
            if abs(term) < abs(total) * 1e-15:
                break
        lower = total * math.exp(-x + a * math.log(x) - math.lgamma(a))
        return max(0.0, 1 - lower)
    # continued fraction (Lentz) for the upper function
    tiny = 1e-300
    b = x + 1 - a
    c = 1 / tiny
    d = 1 / b
    h = d
    for i in range(1, 10_000):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1 / d
        delta = d * c
        h *= delta
        if abs(delta - 1) < 1e-15:
            break
    return math.exp(-x + a * math.log(x) - math.lgamma(a)) * h


@dataclass(frozen=True)
class SrmCheck:
    observed: tuple[int, ...]
    expected_shares: tuple[float, ...]
    chi2: float
    p_value: float
    flagged: bool

    @property
    def message(self) -> str:
        if not self.flagged:
            return "Impressions follow the intended split."
        shares = ", ".join(f"{o / max(1, sum(self.observed)):.1%}" for o in self.observed)
        wanted = ", ".join(f"{s:.1%}" for s in self.expected_shares)
        return (
            f"Sample ratio mismatch: impressions split {shares}, intended {wanted} "
            f"(chi-square p = {self.p_value:.2g} < {SRM_ALPHA}). Delivery did not follow the "
            "plan; check budgets, approvals and edits before trusting a winner."
        )


def srm_check(
    observed: Sequence[int], expected_shares: Sequence[float], *, alpha: float = SRM_ALPHA
) -> SrmCheck:
    """Chi-square goodness of fit of observed counts against the intended shares."""
    if len(observed) != len(expected_shares) or len(observed) < 2:
        raise ValueError("one expected share per arm, at least two arms")
    total = sum(observed)
    share_sum = sum(expected_shares)
    shares = tuple(s / share_sum for s in expected_shares)
    if total == 0:
        return SrmCheck(tuple(observed), shares, 0.0, 1.0, False)
    chi2 = sum((o - total * s) ** 2 / (total * s) for o, s in zip(observed, shares, strict=True))
    p = chi2_sf(chi2, len(observed) - 1)
    return SrmCheck(tuple(observed), shares, chi2, p, p < alpha)
