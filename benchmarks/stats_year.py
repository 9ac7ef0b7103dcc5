"""Benchmark: one year of DAY stats for a campaign with 100 ad squads (not part of the test suite).

Run: python benchmarks/stats_year.py [--squads N] [--no-chart]

A fresh demo sandbox gets a campaign with N (100) active ad squads, created through the sandbox's
state API, and is served over real loopback HTTP. Then, each against an empty cache:

- snapdesk's way: `StatsService.report(kind="campaign", breakdown="ad_squad")` — one query per
  31 days brings every squad back (target ≤ 15 requests);
- the baseline: one query per squad per 31 days (what a client without breakdowns does);
- a second call of snapdesk's way, answered from the cache.

Both fetches run without the client-side limiter, so the times are the sandbox's and the
client's work; the "at 10 req/s" column is the floor Snap's per-token rate limit would add.
If PySide6 and pyqtgraph import (offscreen), it also times drawing N series × 365 points into a
pyqtgraph PlotWidget and grabbing it as an image (target ≤ 1 s), against one series drawn the
same way in the same run. Times depend on the machine; the ratios are what to compare.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from snapdesk.api import SnapApi, StaticTokenProvider
from snapdesk.sandbox import SANDBOX_TOKEN, SandboxServer, SandboxState, seed_state
from snapdesk.stats import StatsReport, StatsService
from snapdesk.stats.periods import today_in
from snapdesk.store import Store

NOW = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)  # the stats clock: results are reproducible


def build_state(squads: int) -> tuple[SandboxState, str, str, list[str]]:
    """A demo sandbox plus one campaign with `squads` active ad squads (a year old)."""
    state = SandboxState(rate_limit=None)
    seed_state(state, seed=42, scale="demo")
    state.stats_now = NOW
    account = next(a for a in state.iter_objects("ad_account") if a["currency"] == "USD")
    start = (NOW - timedelta(days=400)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    (campaign,) = state.create(
        "campaign",
        account["id"],
        [
            {
                "name": "Benchmark — 100 squads",
                "status": "ACTIVE",
                "start_time": start,
                "ad_account_id": account["id"],
                "objective": "WEB_CONVERSION",
            }
        ],
    )
    items = [
        {
            "name": f"Squad {i + 1:03d}",
            "campaign_id": campaign["id"],
            "status": "ACTIVE",
            "billing_event": "IMPRESSION",
            "optimization_goal": "SWIPES",
            "placement_v2": {"config": "AUTOMATIC"},
            "daily_budget_micro": (20 + (i % 8) * 10) * 1_000_000,
            "start_time": start,
            "targeting": {"geos": [{"country_code": "us"}]},
        }
        for i in range(squads)
    ]
    created = state.create("ad_squad", campaign["id"], items)
    return state, account["id"], campaign["id"], [s["id"] for s in created]


async def fetch(base_url: str, db: Path, fn: Any) -> tuple[Any, int, float]:
    api = SnapApi(
        token_provider=StaticTokenProvider(SANDBOX_TOKEN), base_url=base_url, rate_limit=None
    )
    store = Store(db)
    try:
        service = StatsService(api=api, store=store)
        started = time.perf_counter()
        result = await fn(service)
        return result, api.stats.requests, time.perf_counter() - started
    finally:
        await api.aclose()
        store.close()


def chart(report: StatsReport) -> tuple[float, float] | None:
    """(seconds for all series, seconds for one series) to draw and grab offscreen, or None."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    try:
        import numpy as np
        import pyqtgraph as pg
        from PySide6.QtWidgets import QApplication
    except ImportError as exc:  # pragma: no cover - optional
        print(f"chart: skipped ({exc})")
        return None
    app = QApplication.instance() or QApplication([])
    # pyqtgraph's fast path: numpy arrays, finite values, 1-px cosmetic pens (wider pens are
    # several times slower to rasterise with 100 series)
    xs = np.array([p.timestamp() for p in report.periods()])
    series = [
        np.array([float(v) if v is not None else np.nan for v in s.values("spend")])
        for s in report.series
    ]

    def draw(count: int) -> float:
        started = time.perf_counter()
        widget = pg.PlotWidget(axisItems={"bottom": pg.DateAxisItem()})
        widget.resize(1280, 720)
        widget.addLegend()
        for index, ys in enumerate(series[:count]):
            pen = pg.mkPen(pg.intColor(index, hues=max(count, 9)), width=1)
            widget.plot(xs[: len(ys)], ys, pen=pen, name=f"Squad {index + 1}", connect="finite")
        widget.show()
        app.processEvents()
        image = widget.grab()
        elapsed = time.perf_counter() - started
        assert not image.isNull()
        widget.close()
        widget.deleteLater()
        app.processEvents()
        return elapsed

    draw(1)  # warm-up: first use of fonts and shaders
    one = min(draw(1) for _ in range(3))
    everything = min(draw(len(series)) for _ in range(3))
    return everything, one


async def main(squads: int, with_chart: bool) -> None:
    t = time.perf_counter()
    state, account_id, campaign_id, squad_ids = build_state(squads)
    print(
        f"sandbox: demo seed + campaign with {len(squad_ids)} ad squads in "
        f"{time.perf_counter() - t:.2f} s"
    )
    tz_name = state.collections["ad_account"].objects[account_id]["timezone"]
    from zoneinfo import ZoneInfo

    last = today_in(ZoneInfo(tz_name), NOW)
    first = last - timedelta(days=364)
    print(f"range: {first} .. {last} ({(last - first).days + 1} days, {tz_name})\n")

    with SandboxServer(state=state) as server, tempfile.TemporaryDirectory() as tmp:

        async def breakdown(service: StatsService) -> StatsReport:
            return await service.report(
                account_id,
                kind="campaign",
                entity_id=campaign_id,
                first_day=first,
                last_day=last,
                breakdown="ad_squad",
            )

        async def per_squad(service: StatsService) -> list[StatsReport]:
            return [
                await service.report(
                    account_id,
                    kind="ad_squad",
                    entity_id=sid,
                    first_day=first,
                    last_day=last,
                    with_names=False,
                )
                for sid in squad_ids
            ]

        db = Path(tmp) / "a.sqlite3"
        report, n_fast, t_fast = await fetch(server.api_base, db, breakdown)
        _, n_cached, t_cached = await fetch(server.api_base, db, breakdown)
        reports, n_base, t_base = await fetch(server.api_base, Path(tmp) / "b.sqlite3", per_squad)

    points = sum(len(s.rows) for s in report.series)
    base_points = sum(len(r.series[0].rows) for r in reports)
    assert points == base_points, (points, base_points)
    same = all(
        r.series[0].total() == report.by_id()[sid].total()
        for sid, r in zip(squad_ids, reports, strict=True)
    )
    print(f"{'':32}{'requests':>9}{'time':>10}{'at 10 req/s':>13}")
    print(f"{'breakdown=adsquad (snapdesk)':32}{n_fast:>9}{t_fast:>9.2f}s{n_fast / 10:>12.1f}s")
    print(f"{'one query per squad (baseline)':32}{n_base:>9}{t_base:>9.2f}s{n_base / 10:>12.1f}s")
    print(f"{'breakdown again, from the cache':32}{n_cached:>9}{t_cached:>9.2f}s")
    print(
        f"\n{len(report.series)} series × {points // max(1, len(report.series))} days = {points} "
        f"points; same totals as the baseline: {same}"
    )
    print(
        f"requests: {n_fast} (target ≤ 15) — {n_base / n_fast:.0f}× fewer than the baseline; "
        f"fetch {t_base / t_fast:.1f}× faster"
    )
    if with_chart:
        timed = chart(report)
        if timed is not None:
            everything, one = timed
            print(
                f"chart: {len(report.series)} series × 365 points drawn and grabbed offscreen in "
                f"{everything:.3f} s (target ≤ 1 s); one series {one:.3f} s "
                f"({everything / one:.1f}× of one)"
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--squads", type=int, default=100)
    parser.add_argument("--no-chart", action="store_true")
    args = parser.parse_args()
    asyncio.run(main(args.squads, not args.no_chart))
