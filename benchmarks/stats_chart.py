"""Benchmark: the app's stats chart drawing one year of DAY stats of 100 ad squads (not a test).

Run: QT_QPA_PLATFORM=offscreen python benchmarks/stats_chart.py [--squads N] [--repeat R]

`stats_year.py` times raw pyqtgraph; this times what the user waits for in the app, on the same
report (a campaign with N active ad squads, a year of DAY stats fetched from a demo sandbox over
loopback with one breakdown query per 31 days):

- build: turning the report into numpy arrays (`build_chart`: values aligned on the periods,
  exact values kept for the tooltip);
- draw: `build_chart` plus `StatsPlot.set_chart` (N curves, 1 px pens in one item) plus
  painting and grabbing the plot;
- hover: one crosshair + tooltip update with N values;
- all: the whole `StatsChartView` redraw (chart, legend, totals table) plus a grab.

Each against one series drawn the same way in the same run (the ratio is what to compare;
target ≤ 1 s for the whole chart).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from stats_year import NOW, build_state, fetch

from snapdesk.sandbox import SandboxServer
from snapdesk.stats import StatsReport, StatsService
from snapdesk.stats.periods import today_in


async def year_report(squads: int) -> StatsReport:
    state, account_id, campaign_id, _ = build_state(squads)
    tz = ZoneInfo(state.collections["ad_account"].objects[account_id]["timezone"])
    last = today_in(tz, NOW)
    first = last - timedelta(days=364)
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

        report, requests, seconds = await fetch(server.api_base, Path(tmp) / "a.sqlite3", breakdown)
    print(f"fetched {len(report.series)} squads × 365 days: {requests} requests, {seconds:.2f} s")
    return report


def main(squads: int, repeat: int) -> None:
    report = asyncio.run(year_report(squads))

    from PySide6.QtWidgets import QApplication

    from snapdesk.ui import theme
    from snapdesk.ui.views._stats_plot import StatsPlot
    from snapdesk.ui.views.stats_chart import StatsChartView, build_chart

    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    theme.apply_theme(app, dark=False)
    one = StatsReport(**{**report.__dict__, "series": report.series[:1]})

    def timed(fn) -> float:  # type: ignore[no-untyped-def]
        runs = []
        for _ in range(repeat):
            started = time.perf_counter()
            fn()
            runs.append(time.perf_counter() - started)
        return statistics.median(runs)

    plot = StatsPlot()
    plot.resize(1280, 720)
    plot.show()
    app.processEvents()

    def build(r: StatsReport):  # type: ignore[no-untyped-def]
        return build_chart(r, metrics=["spend"], compare=True, top_n=None)

    def draw(r: StatsReport) -> None:
        chart = build(r)
        plot.set_chart(chart, tz=r.account.tz, currency=r.currency, step=86400.0)
        app.processEvents()
        assert not plot.grab().isNull()

    draw(one)  # warm-up: fonts, first paint
    results = {
        "build": (timed(lambda: build(report)), timed(lambda: build(one))),
        "draw": (timed(lambda: draw(report)), timed(lambda: draw(one))),
    }
    draw(report)
    results["hover"] = (timed(lambda: plot.hover_index(180)), 0.0)
    draw(one)
    results["hover"] = (results["hover"][0], timed(lambda: plot.hover_index(180)))
    plot.close()

    view = StatsChartView(loop=asyncio.new_event_loop(), services=lambda _: None)
    view.resize(1280, 900)
    view.show()
    app.processEvents()
    view.top_check.setChecked(False)

    def whole(r: StatsReport) -> None:
        view.report = r
        view._compare_metric = "spend"
        view._redraw()
        app.processEvents()
        assert not view.grab().isNull()

    whole(one)
    results["all"] = (timed(lambda: whole(report)), timed(lambda: whole(one)))
    whole(report)
    drawn = view.plot.curve_count
    view.close()

    points = sum(len(s.rows) for s in report.series)
    print(
        f"\n{drawn} series × {points // max(1, drawn)} points, median of {repeat} runs (offscreen):"
    )
    print(f"{'':8}{f'{drawn} series':>14}{'1 series':>12}{'ratio':>9}")
    for name, (many, single) in results.items():
        ratio = f"{many / single:.1f}×" if single else "—"
        print(f"{name:8}{many * 1000:>12.1f}ms{single * 1000:>10.1f}ms{ratio:>9}")
    total = results["all"][0]
    print(f"\nwhole chart redraw + grab: {total:.3f} s (target ≤ 1 s)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--squads", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    main(args.squads, args.repeat)
