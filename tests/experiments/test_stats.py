"""Planner, Holm, SRM, intervals — and the simulation showing daily looks stay honest."""

from __future__ import annotations

import math

import numpy as np
import pytest

from snapdesk.experiments import (
    INCONCLUSIVE,
    NO_DIFFERENCE_YET,
    WINNER,
    ArmData,
    Experiment,
    Variant,
    compute_readout,
    holm,
    plan,
    sample_size_per_arm,
    srm_check,
)
from snapdesk.experiments.stats import chi2_sf, diff_of_proportions, fixed_z_p_value

ALPHA = 0.05


def test_sample_size_matches_the_textbook_formula() -> None:
    # Classic two-proportion example: 10% -> 12% at 95% / 80% needs about 3,841 per arm.
    assert sample_size_per_arm(baseline=0.10, relative_mde=0.2) == pytest.approx(3841, abs=3)
    # smaller effects need quadratically more
    n5 = sample_size_per_arm(baseline=0.01, relative_mde=0.05)
    n10 = sample_size_per_arm(baseline=0.01, relative_mde=0.10)
    assert 3.5 < n5 / n10 < 4.2


def test_plan_duration_splits_traffic_across_arms() -> None:
    p = plan(baseline=0.01, relative_mde=0.1, arms=3, daily_units=300_000, rotation=True)
    assert p.per_arm == sample_size_per_arm(baseline=0.01, relative_mde=0.1)
    assert p.exposure_share == pytest.approx(1 / 3)
    assert p.days == pytest.approx(p.per_arm / 100_000)
    assert p.sequential_per_arm > p.per_arm
    assert (
        plan(baseline=0.01, relative_mde=0.1, arms=2, daily_units=None, rotation=False).days is None
    )
    with pytest.raises(ValueError):
        plan(baseline=0.01, relative_mde=0.1, arms=1, daily_units=1, rotation=False)


def test_holm() -> None:
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert holm([0.5]) == [0.5]


def test_chi2_survival_function() -> None:
    assert chi2_sf(3.841458820694124, 1) == pytest.approx(0.05, rel=1e-6)
    assert chi2_sf(5.991464547107979, 2) == pytest.approx(0.05, rel=1e-6)
    assert chi2_sf(13.815510557964274, 2) == pytest.approx(0.001, rel=1e-6)
    assert chi2_sf(0, 3) == 1.0


def test_srm_flags_a_skewed_split_and_not_a_fair_one() -> None:
    rng = np.random.default_rng(7)
    fair = rng.multinomial(200_000, [0.5, 0.5])
    assert not srm_check(list(fair), [1, 1]).flagged
    skewed = srm_check([101_500, 98_500], [1, 1])  # a 50.75 / 49.25 split of 200k
    assert skewed.flagged and skewed.p_value < 0.001
    assert "Sample ratio mismatch" in skewed.message
    # declared unequal budgets are the expectation
    assert not srm_check([66_800, 33_200], [2, 1]).flagged


def test_interval_covers_and_excludes() -> None:
    est = diff_of_proportions(x_t=1500, n_t=100_000, x_c=1000, n_c=100_000, tau=0.001, alpha=ALPHA)
    assert est.low > 0 and est.p_value < ALPHA
    null = diff_of_proportions(x_t=1010, n_t=100_000, x_c=1000, n_c=100_000, tau=0.001, alpha=ALPHA)
    assert null.low < 0 < null.high and null.p_value > ALPHA
    # the always-valid interval is wider than the fixed 95% one
    fixed_half = 1.96 * math.sqrt(2 * 0.0101 * 0.9899 / 100_000)
    assert (null.high - null.low) / 2 > fixed_half


def _simulate(
    n_sims: int, days: int, daily: int, p: float, rng: np.random.Generator
) -> tuple[float, float]:
    """False-winner rates (any look significant) of mSPRT and of the naive daily z-test."""
    x_c = rng.binomial(daily, p, size=(n_sims, days)).cumsum(axis=1)
    x_t = rng.binomial(daily, p, size=(n_sims, days)).cumsum(axis=1)
    tau = p * 0.1
    seq_false = naive_false = 0
    for i in range(n_sims):
        seq_hit = naive_hit = False
        for d in range(days):
            n = daily * (d + 1)
            xt, xc = int(x_t[i, d]), int(x_c[i, d])
            if not seq_hit:
                est = diff_of_proportions(x_t=xt, n_t=n, x_c=xc, n_c=n, tau=tau, alpha=ALPHA)
                seq_hit = est.p_value < ALPHA
            if not naive_hit:
                naive_hit = fixed_z_p_value(x_t=xt, n_t=n, x_c=xc, n_c=n) < ALPHA
        seq_false += seq_hit
        naive_false += naive_hit
    return seq_false / n_sims, naive_false / n_sims


def test_daily_peeking_simulation() -> None:
    """1,000 equal-arm experiments checked daily for 30 days: the always-valid test declares
    a false winner at most alpha of the time; the naive fixed-horizon z-test far more often."""
    rng = np.random.default_rng(20261123)
    seq_rate, naive_rate = _simulate(1000, 30, 20_000, 0.01, rng)
    # binomial noise on 1,000 runs at 5% is ±0.7%; the bound is the stated alpha itself
    assert seq_rate <= ALPHA, seq_rate
    assert naive_rate > 2 * ALPHA, naive_rate  # typically ~25-30%


def _experiment(k: int) -> Experiment:
    return Experiment(
        id="sim",
        name="sim",
        hypothesis="",
        ad_account_id="a",
        campaign_id="c",
        primary_metric="swipe_rate",
        guardrails=(),
        dimension="creative",
        variants=tuple(
            Variant("ABC"[i], f"s{i}", "control" if i == 0 else "treatment", "ABC"[i])
            for i in range(k)
        ),
        mode="split",
        rotation_hours=None,
        relative_mde=0.1,
        baseline=0.01,
    )


def test_three_arm_readouts_checked_daily_keep_the_error_rate() -> None:
    """500 A/A/A experiments read out every day for 30 days through `compute_readout`
    (mSPRT + Holm): the verdict 'winner' appears in at most alpha of them."""
    rng = np.random.default_rng(11)
    exp = _experiment(3)
    sims, days, daily, p = 500, 30, 20_000, 0.01
    counts = rng.binomial(daily, p, size=(sims, 3, days)).cumsum(axis=2)
    false = 0
    for i in range(sims):
        for d in range(days):
            n = daily * (d + 1)
            arms = [
                ArmData(
                    v.key, v.squad_id, v.name, {"impressions": n, "swipes": int(counts[i, j, d])}
                )
                for j, v in enumerate(exp.variants)
            ]
            if compute_readout(exp, arms).verdict == WINNER:
                false += 1
                break
    assert false / sims <= ALPHA


def test_verdicts() -> None:
    exp = _experiment(2)

    def arms(xc: int, nc: int, xt: int, nt: int) -> list[ArmData]:
        return [
            ArmData("A", "s0", "A", {"impressions": nc, "swipes": xc}),
            ArmData("B", "s1", "B", {"impressions": nt, "swipes": xt}),
        ]

    few = compute_readout(exp, arms(5, 1000, 9, 1000))
    assert few.verdict == NO_DIFFERENCE_YET and any("Too little data" in w for w in few.warnings)
    win = compute_readout(exp, arms(1000, 100_000, 1500, 100_000))
    assert win.verdict == WINNER and win.winner == "B"
    (cmp,) = win.comparisons
    assert cmp.rel_lift == pytest.approx(0.5)
    assert cmp.rel_low is not None and cmp.rel_low > 0
    assert "mSPRT" in win.method
    ended = Experiment(**{**exp.__dict__, "state": "ended"})
    flat = compute_readout(ended, arms(1000, 100_000, 1005, 100_000))
    assert flat.verdict == INCONCLUSIVE


def test_guardrail_blocks_a_winner() -> None:
    exp = Experiment(**{**_experiment(2).__dict__, "guardrails": ("cost_per_swipe",)})
    arms = [
        ArmData("A", "s0", "A", {"impressions": 100_000, "swipes": 1000, "spend": 500_000_000}),
        # more swipes but at three times the spend: cost per swipe is much worse
        ArmData("B", "s1", "B", {"impressions": 100_000, "swipes": 1500, "spend": 2_250_000_000}),
    ]
    readout = compute_readout(exp, arms)
    assert readout.verdict == "guardrail violated" and readout.winner is None
    assert readout.guardrails[0].worse


def test_rows_count_only_inside_active_windows() -> None:
    from datetime import UTC, datetime, timedelta

    from snapdesk.experiments.readout import sum_rows

    t0 = datetime(2026, 6, 1, tzinfo=UTC)
    hours = [
        (t0 + timedelta(hours=h), t0 + timedelta(hours=h + 1), {"impressions": 100, "swipes": 1})
        for h in range(48)
    ]
    window = [(t0 + timedelta(hours=5, minutes=10), t0 + timedelta(hours=11))]
    # hours 6..10 are fully inside; the toggle hour 5 is left out
    assert sum_rows(hours, window, hourly=True)["impressions"] == 500
    days = [
        (t0 + timedelta(days=d), t0 + timedelta(days=d + 1), {"impressions": 1000})
        for d in range(3)
    ]
    day_window = [(t0 + timedelta(hours=2), t0 + timedelta(days=1, hours=10))]
    # day 0 is 22/24 inside, day 1 10/24 (left out), day 2 not at all
    assert sum_rows(days, day_window, hourly=False)["impressions"] == 1000
