"""The readout on units and rounds: verdicts, guardrails, metrics modelled as what they are,
delivery checks, the counterbalanced schedule — and the exact inputs issue 15 quoted."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from snapdesk.experiments import (
    GUARDRAIL_VIOLATED,
    INCONCLUSIVE,
    NO_DIFFERENCE_YET,
    WINNER,
    Experiment,
    Unit,
    Variant,
    compute_readout,
    metric,
)
from snapdesk.experiments.schedule import slot_variant, williams
from snapdesk.experiments.stats import chi2_sf, fixed_z_p_value, srm_check
from snapdesk.experiments.units import (
    complete_rounds,
    delta_interval,
    round_values,
    sum_unit,
    value_of,
)

ALPHA = 0.05
T0 = datetime(2026, 6, 1, tzinfo=UTC)
NOW = T0 + timedelta(days=200)


def _experiment(arms: int, **changes: object) -> Experiment:
    variants = tuple(
        Variant(chr(ord("A") + i), f"s{i}", "control" if i == 0 else "treatment", f"V{i}")
        for i in range(arms)
    )
    exp = Experiment(
        id="e1",
        name="x",
        hypothesis="",
        ad_account_id="acc",
        campaign_id="cmp",
        primary_metric="swipe_rate",
        guardrails=(),
        dimension="bid",
        variants=variants,
        mode="split",
        rotation_hours=None,
        state="running",
        start_at=T0,
    )
    return Experiment(**{**exp.__dict__, **changes})


def _units(
    per_round: Sequence[Sequence[dict[str, float]]], *, rotation_hours: float | None = None
) -> list[Unit]:
    """Units from counts per round and variant (split: one day per round)."""
    out = []
    for r, arms in enumerate(per_round):
        for a, counts in enumerate(arms):
            key = chr(ord("A") + a)
            if rotation_hours:
                index = r * len(arms) + a
                start = T0 + timedelta(hours=rotation_hours * index)
                end = start + timedelta(hours=rotation_hours)
            else:
                index, start, end = r, T0 + timedelta(days=r), T0 + timedelta(days=r + 1)
            out.append(
                Unit(key, r, index, start, end, counts, (end - start).total_seconds() / 3600)
            )
    return out


def _noisy_rounds(
    rng: np.random.Generator, rounds: int, rates: Sequence[float], day_sd: float = 0.05
) -> list[list[dict[str, float]]]:
    out = []
    for _ in range(rounds):
        day = math.exp(rng.normal(0, day_sd))
        arms = []
        for rate in rates:
            n = 50_000
            arms.append({"impressions": n, "swipes": float(rng.binomial(n, rate * day))})
        out.append(arms)
    return out


# ------------------------------------------------------------------------- verdicts


def test_verdicts_follow_the_rounds() -> None:
    rng = np.random.default_rng(3)
    exp = _experiment(2)
    few = compute_readout(exp, _units(_noisy_rounds(rng, 3, [0.01, 0.015])), now=NOW)
    assert few.verdict == NO_DIFFERENCE_YET and "3 complete rounds of 5" in few.explanation
    win = compute_readout(exp, _units(_noisy_rounds(rng, 12, [0.01, 0.015])), now=NOW)
    assert win.verdict == WINNER and win.winner == "B", win.explanation
    (cmp,) = win.comparisons
    assert cmp.rel_low is not None and cmp.rel_high is not None
    assert cmp.rel_low < 0.5 < cmp.rel_high
    assert win.unit == "one day" and win.rounds == 12
    assert "per round" in win.method_short and "unit" in win.method
    ended = _experiment(2, state="ended")
    flat = compute_readout(ended, _units(_noisy_rounds(rng, 12, [0.01, 0.01])), now=NOW)
    assert flat.verdict == INCONCLUSIVE
    assert "not show the variants are equal" in flat.explanation


def test_guardrail_blocks_a_winner() -> None:
    exp = _experiment(2, guardrails=("cost_per_swipe",))
    rng = np.random.default_rng(5)
    rounds = []
    for _ in range(10):
        a_sw, b_sw = rng.binomial(100_000, 0.01), rng.binomial(100_000, 0.015)
        rounds.append(
            [
                {"impressions": 100_000, "swipes": a_sw, "spend": 500_000_000},
                # more swipes at three times the spend: cost per swipe is much worse
                {"impressions": 100_000, "swipes": b_sw, "spend": 2_250_000_000},
            ]
        )
    readout = compute_readout(exp, _units(rounds), now=NOW)
    assert readout.verdict == GUARDRAIL_VIOLATED and readout.winner is None
    assert readout.guardrails[0].worse


# ------------------------------------------------------------------------- issue 15's inputs


def test_ecpm_is_a_thousand_times_spend_per_impression() -> None:
    """$500 over 100,000 impressions showed "USD 0.01"; it is 5.00."""
    unit = Unit("A", 0, 0, T0, T0 + timedelta(days=1), {"impressions": 100_000, "spend": 500e6})
    assert value_of([unit], metric("ecpm")) == pytest.approx(5.0)


def test_ecpm_is_a_descriptive_guardrail_and_never_blocks_a_winner_by_a_test() -> None:
    """An auction price is not a Poisson count: the guardrail compares it with the
    experiment's limit (here +20 %), shown; a +13 % swipe-rate winner with +10 % eCPM wins."""
    exp = _experiment(2, guardrails=("ecpm",), price_limit=0.2)
    rng = np.random.default_rng(11)
    rounds = []
    for _ in range(15):
        rounds.append(
            [
                {"impressions": 100_000, "swipes": rng.binomial(100_000, 0.010), "spend": 500e6},
                {"impressions": 100_000, "swipes": rng.binomial(100_000, 0.0113), "spend": 550e6},
            ]
        )
    readout = compute_readout(exp, _units(rounds), now=NOW)
    (price,) = readout.guardrails
    assert not price.tested and not price.flagged and price.rel_lift == pytest.approx(0.10)
    assert readout.verdict == WINNER and readout.winner == "B"
    expensive = compute_readout(
        _experiment(2, guardrails=("ecpm",), price_limit=0.05), _units(rounds), now=NOW
    )
    assert expensive.guardrails[0].flagged and expensive.verdict == GUARDRAIL_VIOLATED


@pytest.mark.parametrize(("conversions", "swipes"), [(120, 100), (260, 200)])
def test_more_conversions_than_swipes_is_fine(conversions: int, swipes: int) -> None:
    """120 conversions on 100 swipes gave p = 0; 260 on 200 a negative variance and no
    interval. Conversions are counts per unit, compared by their per-round ratio."""
    exp = _experiment(2, primary_metric="conversion_rate")
    rng = np.random.default_rng(conversions)
    rounds = [
        [
            {"impressions": 10_000, "swipes": swipes, "conversion_purchases": conversions},
            {
                "impressions": 10_000,
                "swipes": swipes,
                "conversion_purchases": float(rng.poisson(conversions)),
            },
        ]
        for _ in range(8)
    ]
    readout = compute_readout(exp, _units(rounds), now=NOW)
    (cmp,) = readout.comparisons
    assert 0 < cmp.p_value <= 1 and cmp.p_value > 1e-6
    assert cmp.rel_low is not None and cmp.rel_high is not None
    assert math.isfinite(cmp.rel_low) and math.isfinite(cmp.rel_high)
    assert readout.verdict != WINNER


def test_conversions_compare_only_matured_rounds() -> None:
    exp = _experiment(2, primary_metric="cpa")
    rounds = [
        [
            {"impressions": 10_000, "swipes": 100, "spend": 100e6, "conversion_purchases": 20},
            {"impressions": 10_000, "swipes": 100, "spend": 100e6, "conversion_purchases": 21},
        ]
        for _ in range(20)
    ]
    now = T0 + timedelta(days=20)  # the last 7 rounds (days) have not matured
    readout = compute_readout(exp, _units(rounds), now=now)
    assert readout.rounds == 13  # rounds 13..19 ended less than 7 days before `now`
    assert any("matured alike" in n for n in readout.notes)


def test_a_mid_day_look_is_not_a_sample_ratio_mismatch() -> None:
    """Expected shares used partial hours while counts used full ones: a uniform mid-day look
    flagged p = 1.3e-8. Split mode now tests shares on complete days only."""
    exp = _experiment(2)
    rounds = [[{"impressions": 100_000, "swipes": 1000}, {"impressions": 100_000, "swipes": 1000}]]
    readout = compute_readout(exp, _units(rounds * 6), now=T0 + timedelta(days=6, hours=12))
    assert readout.srm is not None and not readout.srm.flagged


def test_rotation_has_a_delivery_check_not_a_multinomial_test() -> None:
    """Two whole days at 100,000 vs 95,000 impressions flagged p = 1e-29 in a rotation; a
    rotation is not a randomized split: only slots that didn't run or under-delivered are
    reported, and their rounds left out."""
    exp = _experiment(2, mode="rotation", rotation_hours=24.0)
    rounds = [[{"impressions": 100_000, "swipes": 1000}, {"impressions": 95_000, "swipes": 950}]]
    rounds = rounds * 6 + [
        [{"impressions": 100_000, "swipes": 1000}, {"impressions": 20_000, "swipes": 200}]
    ]
    readout = compute_readout(exp, _units(rounds, rotation_hours=24), now=NOW)
    assert readout.srm is None
    assert [d.kind for d in readout.delivery] == ["low"]
    assert readout.rounds == 6
    assert "delivered 20,000 impressions" in readout.delivery[0].message


# ------------------------------------------------------------------------- units


def test_units_count_only_rows_inside_their_window() -> None:
    hours = [
        (T0 + timedelta(hours=h), T0 + timedelta(hours=h + 1), {"impressions": 100, "swipes": 1})
        for h in range(48)
    ]
    window = (T0 + timedelta(hours=5, minutes=10), T0 + timedelta(hours=11))
    assert sum_unit(hours, window, hourly=True)["impressions"] == 500  # hours 6..10


def test_a_round_a_variant_missed_is_not_compared() -> None:
    units = _units([[{"impressions": 10, "swipes": 1}] * 3] * 4, rotation_hours=24)
    units = [u for u in units if not (u.key == "C" and u.round == 2)]
    rounds = complete_rounds(units, ["A", "B", "C"])
    assert [r.number for r in rounds] == [0, 1, 3]


def test_round_values_are_log_ratios_with_a_half_added() -> None:
    units = _units([[{"impressions": 1000, "swipes": 10}, {"impressions": 1000, "swipes": 0}]])
    (value,) = round_values(complete_rounds(units, ["A", "B"]), "A", "B", metric("swipe_rate"))
    assert value == pytest.approx(math.log(0.5 / 1000.5) - math.log(10.5 / 1000.5))


def test_delta_method_interval_matches_its_linearization() -> None:
    """se(R) for R = Σa/Σb: the cluster-robust delta method, checked against the variance of
    the linearized per-unit values (a − R·b)/b̄ computed independently with numpy."""
    rng = np.random.default_rng(2)
    b = rng.integers(5_000, 20_000, size=30).astype(float)
    a = rng.binomial(b.astype(int), 0.012).astype(float)
    units = [
        Unit("A", i, i, T0, T0 + timedelta(days=1), {"impressions": bi, "swipes": ai})
        for i, (ai, bi) in enumerate(zip(a, b, strict=True))
    ]
    low, high = delta_interval(units, metric("swipe_rate"))  # type: ignore[misc]
    ratio = a.sum() / b.sum()
    z = (a - ratio * b) / b.mean()
    se = math.sqrt(np.var(z, ddof=1) / len(z))
    assert (high - low) / 2 == pytest.approx(1.959963984540054 * se, rel=1e-9)


# ------------------------------------------------------------------------- schedule


@pytest.mark.parametrize("k", [2, 3, 4, 5])
def test_rotation_order_is_counterbalanced(k: int) -> None:
    rows = williams(k)
    positions = {(row[j], j) for row in rows for j in range(k)}
    assert len(positions) == k * k  # every variant in every position
    counts: dict[tuple[int, int], int] = {}
    for row in rows:
        for j in range(k - 1):
            counts[(row[j], row[j + 1])] = counts.get((row[j], row[j + 1]), 0) + 1
    assert len(set(counts.values())) == 1  # every variant follows every other equally often
    assert slot_variant(0, k) == 0  # the launch slot is the control
    # no variant always runs first in its round
    firsts = {slot_variant(r * k, k) for r in range(len(rows))}
    assert firsts == set(range(k))


# ------------------------------------------------------------------------- helpers


def test_chi2_survival_function() -> None:
    assert chi2_sf(3.841458820694124, 1) == pytest.approx(0.05, rel=1e-6)
    assert chi2_sf(5.991464547107979, 2) == pytest.approx(0.05, rel=1e-6)


def test_srm_flags_a_skewed_split_and_not_a_fair_one() -> None:
    assert srm_check([50_400, 49_600], [1, 1]).flagged is False
    assert srm_check([52_000, 48_000], [1, 1]).flagged is True


def test_naive_daily_z_test_would_find_false_winners() -> None:
    """Why the anytime-valid test: the same A/A data looked at daily with a fixed-horizon z-test
    declares a winner far more often than 5 %."""
    rng = np.random.default_rng(8)
    naive = 0
    sims = 300
    for _ in range(sims):
        xa = xb = na = nb = 0
        for _day in range(30):
            na += 20_000
            nb += 20_000
            xa += int(rng.binomial(20_000, 0.01))
            xb += int(rng.binomial(20_000, 0.01))
            if fixed_z_p_value(x_t=xb, n_t=nb, x_c=xa, n_c=na) < ALPHA:
                naive += 1
                break
    assert naive / sims > 0.1


def test_a_variant_that_never_delivers_is_never_the_winner() -> None:
    """Found by the UI work: with 0 impressions in every slot, the ½ added to counts made B's
    rate 100 % and B "won" at +9,347 %; the delivery check compared B with its own median of 0.
    Now every empty slot is a delivery issue and its round is left out."""
    exp = _experiment(2, mode="rotation", rotation_hours=24.0)
    rounds = [[{"impressions": 100_000, "swipes": 1000}, {"impressions": 0, "swipes": 0}]] * 8
    readout = compute_readout(exp, _units(rounds, rotation_hours=24), now=NOW)
    assert readout.verdict == NO_DIFFERENCE_YET and readout.winner is None
    assert readout.rounds == 0
    assert len(readout.delivery) == 8 and {d.kind for d in readout.delivery} == {"missing"}
    split = compute_readout(_experiment(2), _units(rounds), now=NOW)
    assert split.verdict == NO_DIFFERENCE_YET and split.winner is None


def test_a_slot_the_schedule_held_but_that_never_ran_is_named_with_its_own_time() -> None:
    exp = _experiment(2, mode="rotation", rotation_hours=24.0)
    rounds = [[{"impressions": 100_000, "swipes": 1000}, {"impressions": 100_000, "swipes": 990}]]
    units = _units(rounds * 6, rotation_hours=24)
    units = [u for u in units if u.index != 7]  # round 3's B slot never ran
    missing_start = T0 + timedelta(days=7)
    expected = [(u.key, u.index, u.start) for u in _units(rounds * 6, rotation_hours=24)]
    readout = compute_readout(exp, units, now=NOW, expected_slots=expected)
    (issue,) = readout.delivery
    assert issue.kind == "missing" and issue.index == 7 and issue.start == missing_start
    assert readout.rounds == 5


def test_ecpm_cannot_be_the_primary_metric() -> None:
    with pytest.raises(ValueError, match="auction"):
        compute_readout(_experiment(2, primary_metric="ecpm"), [], now=NOW)
