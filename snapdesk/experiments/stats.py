"""Small statistical helpers of the readout: Holm's correction, the sample-ratio (delivery-share)
chi-square, and the naive fixed-horizon z-test the tests use to show why daily looks need the
anytime-valid test (`sequential.py`).

Pure Python (math only). The planner is `planning.py`; the readout's inference is
`sequential.py` on the units and rounds of `units.py`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Final

SRM_ALPHA: Final = 0.001
_N = NormalDist()


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
