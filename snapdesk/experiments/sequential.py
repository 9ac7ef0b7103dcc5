"""Always-valid inference on unit-level data: the anytime-valid t-test and its confidence
sequence, with the running minimum of p and the running intersection of intervals.

Why units. Impressions of one variant are not independent draws: Snap's traffic changes from
day to day (and hour to hour), users see several impressions, and in a rotation each variant
runs in different slots — so the variance of a difference is not p(1−p)/n per impression. The
unit of replication is the slot (rotation) or the day (split mode). Units are paired into
*rounds* (one slot of every variant, in a counterbalanced order; in split mode a day holds all
variants), and each comparison is a sequence of per-round log ratios

    Y_r = log(metric of the treatment in round r) − log(metric of the control in round r)

whose spread is *observed*, not assumed: day-to-day swings, user clustering and auction noise
are all in it, whatever their size.

The test. For Y_1..Y_n with unknown mean μ and unknown variance σ², the Bayes factor of
H1: δ = (μ − μ0)/σ ~ N(0, c²) against H0: μ = μ0, with the right Haar prior dσ/σ on the scale,
is in closed form (Rouder, Speckman, Sun, Morey & Iverson 2009, with a normal prior on δ):

    BF_n(μ0) = (1 + n c²)^(−1/2) · [(1 + t²/ν) / (1 + t² / (ν (1 + n c²)))]^((ν+1)/2)

with t = (Ȳ − μ0)/(s/√n) and ν = n − 1. Because the prior on σ is the right Haar measure of
the scale group, BF_n is a nonnegative martingale under H0 for *every* σ (Lai 1976, "On
confidence sequences"; Pérez-Ortiz, Lardy, de Heide & Grünwald 2024, "E-statistics, group
invariance and anytime-valid testing", Ann. Statist.), so by Ville's inequality
P(sup_n BF_n ≥ 1/α) ≤ α: the p-value p_n = min(p_{n−1}, 1/BF_n) (Johari, Koomen, Pekelis &
Walsh 2022) and the confidence sequence ∩_m {μ0 : BF_m(μ0) < 1/α} stay valid however often
they are looked at. The exactness needs Gaussian Y; per-round log ratios of counts in the
hundreds are close to Gaussian, and `MIN_ROUNDS` keeps verdicts off the first few rounds.
The simulation benchmark (`benchmarks/experiment_sim.py`) measures the error rate on a world
with day-to-day noise, drift and user clustering.

`c` (the standardized effect the test is tuned for) is fixed before the data: the plan's
minimum detectable effect divided by its planned round-to-round spread.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np

MIN_ROUNDS: Final = 5  # complete rounds before any verdict (the t-test's variance needs them)
DEFAULT_C: Final = 0.5  # the standardized effect the mixture is tuned for without a plan


def log_bf(t: float, n: int, c: float) -> float:
    """log BF_n for a t statistic of n observations (n >= 2), mixture scale c."""
    if n < 2:
        return 0.0
    nu = n - 1
    a = 1.0 + n * c * c
    return -0.5 * math.log(a) + (nu + 1) / 2 * (
        math.log1p(t * t / nu) - math.log1p(t * t / (nu * a))
    )


def t_stat(values: Sequence[float], mu0: float = 0.0) -> tuple[float, float, float]:
    """(mean, standard deviation (n−1), t) of `values` against `mu0`."""
    n = len(values)
    mean = sum(values) / n
    if n < 2:
        return mean, math.inf, 0.0
    var = sum((v - mean) ** 2 for v in values) / (n - 1)
    sd = math.sqrt(var)
    if sd == 0.0:
        t = 0.0 if mean == mu0 else math.copysign(math.inf, mean - mu0)
    else:
        t = (mean - mu0) / (sd / math.sqrt(n))
    return mean, sd, t


def critical_t(n: int, c: float, alpha: float) -> float:
    """The |t| at which BF_n reaches 1/alpha (inf when it can't at this n): the half-width of
    the confidence sequence is critical_t · s/√n."""
    if n < 2:
        return math.inf
    nu = n - 1
    a = 1.0 + n * c * c
    # BF = a^(-1/2) · ((1+x)/(1+x/a))^((nu+1)/2) with x = t²/nu; solve BF = 1/alpha for x.
    r = math.exp((math.log(1 / alpha) + 0.5 * math.log(a)) * 2 / (nu + 1))
    if r >= a:
        return math.inf  # the ratio (1+x)/(1+x/a) never exceeds a: no evidence can reach 1/α
    x = (r - 1.0) / (1.0 - r / a)
    return math.sqrt(max(0.0, x) * nu)


@dataclass(frozen=True)
class SequentialResult:
    """The anytime-valid readout of one comparison after `n` rounds (`values`).

    `p_value` is the running minimum of 1/BF over every prefix of at least `MIN_ROUNDS`
    rounds; `low`/`high` the running intersection of the confidence sequence (on the scale of
    the values: log ratios). `estimate` is the mean of the values."""

    n: int
    estimate: float
    sd: float
    p_value: float
    low: float
    high: float
    bf: float  # BF_n now

    @property
    def ready(self) -> bool:
        return self.n >= MIN_ROUNDS


def sequential(values: Sequence[float], *, alpha: float, c: float = DEFAULT_C) -> SequentialResult:
    """Replay the anytime-valid t-test over every prefix of `values` (one per round, in the
    order the rounds completed): running-minimum p-value (H0: mean 0) and the running
    intersection of the (1 − alpha) confidence sequence for the mean."""
    n = len(values)
    p = 1.0
    low, high = -math.inf, math.inf
    bf = 1.0
    mean, sd = (values[0] if values else 0.0), math.inf
    for m in range(2, n + 1):
        prefix = values[:m]
        mean, sd, t = t_stat(prefix)
        bf = math.exp(min(700.0, log_bf(t, m, c)))
        if m >= MIN_ROUNDS:
            p = min(p, 1.0 / bf if bf > 0 else 1.0)
            half = critical_t(m, c, alpha) * sd / math.sqrt(m) if sd < math.inf else math.inf
            low, high = max(low, mean - half), min(high, mean + half)
    if n >= 1 and n < 2:
        mean = values[0]
    if low > high:  # the intersection emptied: only possible with vanishing probability
        low = high = mean
    return SequentialResult(
        n=n, estimate=mean, sd=sd, p_value=min(1.0, p), low=low, high=high, bf=bf
    )


# --------------------------------------------------------------------------- planning


def log_bf_array(mean: np.ndarray, sum_sq: np.ndarray, n: np.ndarray, c: float) -> np.ndarray:
    """`log_bf` for arrays: from the running mean, the running sum of squares and the count
    (broadcast together; against a mean of 0). NaN where n < 2 or the spread is 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        var = (sum_sq - n * mean * mean) / (n - 1)
        t = mean / np.sqrt(var / n)
        nu = n - 1
        a = 1.0 + n * c * c
        result: np.ndarray = -0.5 * np.log(a) + (nu + 1) / 2 * (
            np.log1p(t * t / nu) - np.log1p(t * t / (nu * a))
        )
    return result


def power_curve(
    *,
    theta: float,
    alpha: float,
    c: float,
    max_rounds: int,
    paths: int = 4000,
    seed: int = 20261207,
) -> np.ndarray:
    """P(the running-minimum p falls to `alpha` within n rounds), n = 1..max_rounds, for
    Gaussian rounds with standardized mean `theta` (effect / round SD), by simulation."""
    rng = np.random.default_rng(seed)
    y = rng.standard_normal((paths, max_rounds)) + theta
    n = np.arange(1, max_rounds + 1, dtype=float)
    csum = np.cumsum(y, axis=1)
    csq = np.cumsum(y * y, axis=1)
    mean = csum / n
    lbf = log_bf_array(mean, csq, n, c)
    lbf[:, : max(1, MIN_ROUNDS - 1)] = -np.inf
    lbf = np.nan_to_num(lbf, nan=-np.inf)
    crossed = np.maximum.accumulate(lbf >= math.log(1 / alpha), axis=1)
    result: np.ndarray = crossed.mean(axis=0)
    return result


def rounds_for_power(
    *, theta: float, alpha: float, c: float, power: float = 0.8, max_rounds: int = 2000
) -> int | None:
    """The fewest rounds by which the sequential test reaches `power` (None past max_rounds).
    θ and c are rounded to 3 significant digits, so a plan is reproducible and cached."""
    if theta <= 0 or not math.isfinite(theta):
        return MIN_ROUNDS if math.isfinite(theta) is False and theta > 0 else None
    return _rounds_for_power(_sig3(theta), alpha, _sig3(c), power, max_rounds)


def _sig3(x: float) -> float:
    return float(f"{x:.3g}")


@functools.lru_cache(maxsize=4096)
def _rounds_for_power(
    theta: float, alpha: float, c: float, power: float, max_rounds: int
) -> int | None:
    limit = 64
    while limit <= max_rounds:
        curve = power_curve(theta=theta, alpha=alpha, c=c, max_rounds=limit)
        hit = np.nonzero(curve >= power)[0]
        if hit.size:
            return int(hit[0]) + 1
        limit *= 2
    return None


def fixed_rounds(*, theta: float, alpha: float, power: float = 0.8) -> int:
    """Rounds for a fixed-horizon two-sided test at `alpha` (normal approximation, +1 for the
    t distribution's heavier tails at small n) — the baseline the sequential factor is
    stated against."""
    from statistics import NormalDist

    z = NormalDist()
    n = ((z.inv_cdf(1 - alpha / 2) + z.inv_cdf(power)) / theta) ** 2
    return max(2, math.ceil(n) + 1)
