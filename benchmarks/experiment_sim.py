"""Simulation benchmark of the experiment readout: false winners and power on a realistic world.

Run: python benchmarks/experiment_sim.py [--reps N] [--workers W] [--quick]

The world (per run):
- 100,000 impressions a day, a 1 % swipe rate;
- day-to-day variation of the swipe rate: a log-normal day factor with relative SD 0 / 2 / 5 /
  10 %, autocorrelated from one day to the next (AR(1), ρ = 0.3: drift, not just noise);
- user clustering: the sampling variance of swipes multiplied by 1 / 2 / 3 (a user who sees
  several impressions swipes on several or none), drawn as DE × Binomial(n / DE, p);
- rotation: 24 h slots in the engine's counterbalanced order (`schedule.slot_variant`), the
  active variant getting the day's traffic; split: every variant every day with 1/k of the
  traffic and its own 3 % daily noise (ad squads in separate auctions).

Per cell (mode × arms × day variation × clustering):
- A/A: every variant identical; the readout is looked at every day for 30 days; a false winner
  is any day on which a treatment or the control is declared better (Holm over the treatments'
  always-valid p-values). Target ≤ 5 %.
- Power: one treatment better by the MDE (+10 % relative); the planner sizes the experiment
  from 28 days of the same world's history (before the start), and the run succeeds when that
  treatment is declared the winner by the planned horizon. Target ≥ 80 %.

The readout's numbers come from the engine (`snapdesk.experiments`): the planner, the
counterbalanced schedule, the per-round log ratios of `units.round_values` (checked against the
engine's own objects on the first runs of every cell) and the anytime-valid t-test of
`sequential.py`, vectorized over runs with the same formulas. Prints a table (Markdown) for
the README.
"""

from __future__ import annotations

import argparse
import itertools
import math
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from snapdesk.experiments.model import metric
from snapdesk.experiments.planning import Window, plan_experiment
from snapdesk.experiments.schedule import slot_variant
from snapdesk.experiments.sequential import MIN_ROUNDS, log_bf_array, sequential
from snapdesk.experiments.units import Unit, complete_rounds, round_values

DAILY = 100_000
P0 = 0.01
MDE = 0.10
ALPHA = 0.05
AR = 0.3
ARM_NOISE = 0.03
LOOK_DAYS = 30
HISTORY_DAYS = 28
SPEC = metric("swipe_rate")


@dataclass(frozen=True)
class Cell:
    mode: str
    arms: int
    day_sd: float
    cluster: float


def _day_factors(rng: np.random.Generator, reps: int, days: int, sd: float) -> np.ndarray:
    """log day factors, AR(1) with marginal SD `sd`."""
    if sd == 0:
        return np.zeros((reps, days))
    eps = rng.standard_normal((reps, days)) * sd * math.sqrt(1 - AR * AR)
    out = np.empty((reps, days))
    out[:, 0] = rng.standard_normal(reps) * sd
    for d in range(1, days):
        out[:, d] = AR * out[:, d - 1] + eps[:, d]
    return out - sd * sd / 2  # mean-one factors


def _swipes(rng: np.random.Generator, n: np.ndarray, p: np.ndarray, de: float) -> np.ndarray:
    trials = np.maximum(1, np.round(n / de)).astype(np.int64)
    return rng.binomial(trials, np.clip(p, 0, 1)) * de


def _history(rng: np.random.Generator, cell: Cell) -> list[Window]:
    """28 days before the start: the campaign at full traffic (rotation), or two ad squads side
    by side (split), in the same world."""
    f = _day_factors(rng, 1, HISTORY_DAYS, cell.day_sd)[0]
    windows = []
    for d in range(HISTORY_DAYS):
        if cell.mode == "rotation":
            n = np.array([DAILY])
            s = _swipes(rng, n, P0 * np.exp(f[d]) * np.ones(1), cell.cluster)
            windows.append(Window({"c": {"impressions": float(n[0]), "swipes": float(s[0])}}))
        else:
            counts = {}
            for squad in ("s1", "s2"):
                noise = rng.standard_normal() * ARM_NOISE - ARM_NOISE**2 / 2
                n = np.array([DAILY / 2])
                s = _swipes(rng, n, P0 * np.exp(f[d] + noise) * np.ones(1), cell.cluster)
                counts[squad] = {"impressions": float(n[0]), "swipes": float(s[0])}
            windows.append(Window(counts))
    return windows


def _round_values(
    rng: np.random.Generator, cell: Cell, reps: int, rounds: int, lift: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per run, round and treatment: Y = log(metric treatment) − log(metric control); and the
    raw unit counts (impressions, swipes) per run, round, arm for the engine check."""
    k = cell.arms
    if cell.mode == "rotation":
        days = rounds * k
        f = _day_factors(rng, reps, days, cell.day_sd)
        order = np.array([[slot_variant(r * k + j, k) for j in range(k)] for r in range(rounds)])
        # arm a's day in round r: r·k + position of a in that round's order
        pos = np.argsort(order, axis=1)  # (rounds, k): position of each arm
        day_of = np.arange(rounds)[:, None] * k + pos  # (rounds, k)
        logf = f[:, day_of]  # (reps, rounds, k)
        n = np.full((reps, rounds, k), float(DAILY))
    else:
        f = _day_factors(rng, reps, rounds, cell.day_sd)
        noise = rng.standard_normal((reps, rounds, k)) * ARM_NOISE - ARM_NOISE**2 / 2
        logf = f[:, :, None] + noise
        n = np.full((reps, rounds, k), DAILY / k)
    p = P0 * np.exp(logf) * lift[None, None, :]
    s = _swipes(rng, n, p, cell.cluster)
    z = np.log(s + 0.5) - np.log(n + 0.5)
    y = z[:, :, 1:] - z[:, :, :1]
    return y, n, s


def _engine_check(cell: Cell, n: np.ndarray, s: np.ndarray, y: np.ndarray, runs: int) -> None:
    """The vectorized Y equal the engine's own objects (Unit → complete_rounds → round_values)
    and the engine's replay gives the same running-minimum p as the vectorized one."""
    k = cell.arms
    keys = [chr(ord("A") + i) for i in range(k)]
    base = datetime(2026, 1, 1, tzinfo=UTC)
    for run in range(min(runs, n.shape[0])):
        units = []
        for r in range(n.shape[1]):
            for a in range(k):
                start = base + timedelta(days=r * k + a if cell.mode == "rotation" else r)
                counts = {"impressions": float(n[run, r, a]), "swipes": float(s[run, r, a])}
                units.append(Unit(keys[a], r, r * k + a, start, start + timedelta(days=1), counts))
        rounds = complete_rounds(units, keys)
        for t in range(1, k):
            values = round_values(rounds, keys[0], keys[t], SPEC)
            if not np.allclose(values, y[run, :, t - 1]):
                raise SystemExit(f"engine mismatch in {cell}")


def _running_p(y: np.ndarray, c: float) -> tuple[np.ndarray, np.ndarray]:
    """Running-minimum p after each round, for every run and treatment: y (reps, R, T)."""
    _reps, rounds, _ = y.shape
    nn = np.arange(1, rounds + 1, dtype=float)[None, :, None]
    csum = np.cumsum(y, axis=1)
    csq = np.cumsum(y * y, axis=1)
    mean = csum / nn
    lbf = log_bf_array(mean, csq, nn, c)
    lbf = np.nan_to_num(lbf, nan=-np.inf, posinf=700.0)
    lbf[:, : MIN_ROUNDS - 1, :] = -np.inf
    p = np.minimum(1.0, np.exp(-lbf))
    result: np.ndarray = np.minimum.accumulate(p, axis=1)
    return result, mean


def _holm_winner(p: np.ndarray, est: np.ndarray) -> np.ndarray:
    """Per run and round: the index of the declared winner (treatment t ≥ 0, −1 for the
    control, −2 for none) with Holm over the treatments."""
    reps, rounds, k1 = p.shape
    order = np.argsort(p, axis=2)
    sorted_p = np.take_along_axis(p, order, axis=2)
    thresholds = ALPHA / (k1 - np.arange(k1))
    passed = np.cumprod(sorted_p <= thresholds, axis=2).astype(bool)
    rejected = np.zeros_like(passed)
    np.put_along_axis(rejected, order, passed, axis=2)
    better = rejected & (est > 0)
    worse = rejected & (est < 0)
    winner = np.full((reps, rounds), -2)
    any_better = better.any(axis=2)
    best = np.argmax(np.where(better, est, -np.inf), axis=2)
    winner[any_better] = best[any_better]
    all_worse = worse.all(axis=2)
    winner[all_worse & ~any_better] = -1
    return winner


def _round_done_day(cell: Cell, rounds: int) -> np.ndarray:
    """The day (1-based, end of day) on which each round completes."""
    if cell.mode == "rotation":
        return (np.arange(rounds) + 1) * cell.arms
    return np.arange(rounds) + 1


def run_cell(cell: Cell, reps: int, seed: int) -> dict[str, float]:
    rng = np.random.default_rng(seed)
    k = cell.arms
    # -- A/A over 30 days of daily looks
    rounds_aa = LOOK_DAYS // (k if cell.mode == "rotation" else 1)
    plan = plan_experiment(
        _history(rng, cell),
        spec=SPEC,
        relative_mde=MDE,
        arms=k,
        mode=cell.mode,
        slot_hours=24 if cell.mode == "rotation" else None,
        confidence=1 - ALPHA,
    )
    c = plan.c
    y, n, s = _round_values(rng, cell, reps, rounds_aa, np.ones(k))
    _engine_check(cell, n, s, y, runs=5)
    p, est = _running_p(y, c)
    # the engine's own replay agrees with the vectorized running minimum
    for run in range(3):
        replay = sequential(list(y[run, :, 0]), alpha=ALPHA, c=c)
        if not math.isclose(replay.p_value, p[run, -1, 0], rel_tol=1e-9, abs_tol=1e-12):
            raise SystemExit(f"running minimum mismatch in {cell}")
    winner = _holm_winner(p, est)
    false_aa = float((winner != -2).any(axis=1).mean())

    # -- power at the planned horizon, each run planned from its own history
    found = 0
    horizons = []
    batch = 10  # runs per planned history: each run's experiment is planned from its own past
    for start in range(0, reps, batch):
        m = min(batch, reps - start)
        plan = plan_experiment(
            _history(rng, cell),
            spec=SPEC,
            relative_mde=MDE,
            arms=k,
            mode=cell.mode,
            slot_hours=24 if cell.mode == "rotation" else None,
            confidence=1 - ALPHA,
        )
        if plan.rounds is None:
            continue
        horizons.append(plan.days or 0.0)
        lift = np.ones(k)
        lift[1] = 1 + MDE
        y, _n, _s = _round_values(rng, cell, m, plan.rounds, lift)
        p, est = _running_p(y, plan.c)
        winner = _holm_winner(p, est)
        found += int((winner == 0).any(axis=1).sum())
    power = found / reps
    return {
        "false": false_aa,
        "power": power,
        "days": float(np.median(horizons)) if horizons else float("nan"),
    }


def _work(args: tuple[Cell, int, int]) -> tuple[Cell, dict[str, float]]:
    cell, reps, seed = args
    return cell, run_cell(cell, reps, seed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--quick", action="store_true", help="2 arms and 10 % only")
    args = parser.parse_args()
    cells = [
        Cell(mode, arms, sd, de)
        for mode, arms, sd, de in itertools.product(
            ("rotation", "split"), (2, 3, 4), (0.0, 0.02, 0.05, 0.10), (1.0, 2.0, 3.0)
        )
    ]
    if args.quick:
        cells = [c for c in cells if c.arms == 2 and c.day_sd in (0.0, 0.10)]
    started = time.perf_counter()
    jobs = [(cell, args.reps, 1000 + i) for i, cell in enumerate(cells)]
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        results = dict(pool.map(_work, jobs))
    print(f"{len(cells)} cells × {args.reps} runs each, {time.perf_counter() - started:.0f} s\n")
    print("| mode | arms | day-to-day SD | clustering | A/A false winners (30 daily looks) | "
          "power by the planned horizon | planned horizon (median days) |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    worst_false, worst_power = 0.0, 1.0
    for cell in cells:
        r = results[cell]
        worst_false = max(worst_false, r["false"])
        worst_power = min(worst_power, r["power"])
        print(
            f"| {cell.mode} | {cell.arms} | {cell.day_sd:.0%} | ×{cell.cluster:g} | "
            f"{r['false']:.1%} | {r['power']:.1%} | {r['days']:.0f} |"
        )
    print(f"\nworst A/A false-winner rate {worst_false:.1%} (target ≤ 5 %); "
          f"lowest power {worst_power:.1%} (target ≥ 80 %)")  # fmt: skip


if __name__ == "__main__":
    main()
