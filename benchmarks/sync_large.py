"""Benchmark: sync the `large` sandbox (2,000 campaigns, 20,000 ad squads, 50,000 ads) into an
empty cache.

    python benchmarks/sync_large.py [--skip-ui]

The sandbox runs in its own process (`snapdesk sandbox --scale large`), as a real server would.
Each measured run happens in a fresh child process so peak memory is its own. Reported:

- baseline: the same list requests made by a bare httpx loop (paced at the same 10 req/s,
  JSON decoded, nothing parsed or stored) — the network floor of this machine;
- sync: `SyncService` into an empty SQLite cache — wall time, requests, share of wall time the
  process spent waiting (1 − CPU/wall), peak RSS, and the ratio to the baseline;
- ui: the main window syncing the same data on the Qt event loop (offscreen), with a 5 ms timer
  measuring the longest event-loop stall.

Targets (issue 2): sync ≤ 30 s, UI stall ≤ 100 ms. Absolute times depend on the machine; the
ratio to the baseline measured in the same run is the comparable figure.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

_CHILD_BASELINE = r"""
import asyncio, json, resource, sys, time
import httpx
base, token, account = sys.argv[1], sys.argv[2], sys.argv[3]

async def main():
    started = time.monotonic(); cpu0 = time.process_time()
    requests = 0
    interval = 0.1  # 10 requests/s, the same budget the client keeps
    next_slot = time.monotonic()
    lock = asyncio.Lock()
    async def pace():
        nonlocal next_slot
        async with lock:
            now = time.monotonic()
            wait = next_slot - now
            next_slot = max(now, next_slot) + interval
        if wait > 0:
            await asyncio.sleep(wait)
    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=60) as c:
        async def walk(kind):
            nonlocal requests
            url = f"{base}/adaccounts/{account}/{kind}?limit=1000"
            items = 0
            while url:
                await pace()
                r = await c.get(url); requests += 1
                r.raise_for_status()
                body = r.json()
                items += len(body.get(kind, []))
                url = (body.get("paging") or {}).get("next_link")
            return items
        kinds = ["campaigns", "adsquads", "ads", "creatives", "media", "segments"]
        counts = await asyncio.gather(*(walk(k) for k in kinds))
    wall = time.monotonic() - started
    print(json.dumps({"wall_s": wall, "cpu_s": time.process_time() - cpu0, "requests": requests,
                      "items": dict(zip(kinds, counts)),
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
asyncio.run(main())
"""

_CHILD_SYNC = r"""
import asyncio, json, resource, sys, time
from pathlib import Path
from snapdesk.api import SnapApi, StaticTokenProvider
from snapdesk.store import Store
from snapdesk.sync import SyncService
base, token, db = sys.argv[1], sys.argv[2], sys.argv[3]

async def main():
    started = time.monotonic(); cpu0 = time.process_time()
    async with SnapApi(base_url=base, token_provider=StaticTokenProvider(token)) as api:
        store = Store(Path(db))
        try:
            result = await SyncService(api=api, store=store).sync()
        finally:
            store.close()
        waited = api.stats.waiting_seconds
    wall = time.monotonic() - started
    print(json.dumps({"wall_s": wall, "cpu_s": time.process_time() - cpu0,
                      "requests": result.requests, "counts": result.counts,
                      "errors": result.errors, "limiter_wait_s": waited,
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
asyncio.run(main())
"""


def _start_sandbox() -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "snapdesk", "sandbox", "--scale", "large", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    assert proc.stdout is not None
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        match = re.search(r"listening on (http://\S+)", line)
        if match:
            return proc, match.group(1)
    proc.kill()
    raise SystemExit("the sandbox did not start within 120 s")


def _run_child(code: str, *args: str, env: dict[str, str] | None = None) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"child failed:\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _reset(base_url: str) -> None:
    import httpx

    httpx.post(f"{base_url}/__sandbox__/reset", json={"seed": 42, "scale": "large"}, timeout=120)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skip-ui", action="store_true", help="skip the UI stall measurement")
    args = parser.parse_args()

    import httpx

    proc, base_url = _start_sandbox()
    api_base = base_url + "/v1"
    token = "sandbox-demo-token"
    try:
        orgs = httpx.get(
            f"{api_base}/me/organizations",
            params={"with_ad_accounts": "true"},
            headers={"Authorization": f"Bearer {token}"},
        ).json()
        account = orgs["organizations"][0]["organization"]["ad_accounts"][0]["id"]

        baseline = _run_child(_CHILD_BASELINE, api_base, token, account)
        with tempfile.TemporaryDirectory() as tmp:
            sync = _run_child(_CHILD_SYNC, api_base, token, str(Path(tmp) / "cache.sqlite3"))
        ui: dict[str, object] | None = None
        if not args.skip_ui:
            env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
            with tempfile.TemporaryDirectory() as tmp:
                env["SNAPDESK_DATA_DIR"] = tmp
                ui = _run_child(_CHILD_UI, api_base, token, env=env)
    finally:
        proc.terminate()
        proc.wait(timeout=30)

    wall = float(sync["wall_s"])  # type: ignore[arg-type]
    cpu = float(sync["cpu_s"])  # type: ignore[arg-type]
    report = {
        "baseline_httpx": baseline,
        "sync": {**sync, "waiting_share": round(1 - cpu / wall, 3)},
        "ratio_sync_to_baseline": round(wall / float(baseline["wall_s"]), 2),  # type: ignore[arg-type]
        "ui": ui,
    }
    print(json.dumps(report, indent=2))
    print()
    print(
        f"baseline (bare httpx, same pacing): {baseline['wall_s']:.1f} s, {baseline['requests']} requests"
    )
    print(
        f"sync into empty cache: {wall:.1f} s ({report['ratio_sync_to_baseline']}x baseline), "
        f"{sync['requests']} requests, waiting {report['sync']['waiting_share']:.0%} of wall time, "  # type: ignore[index]
        f"peak RSS {float(sync['peak_rss_mb']):.0f} MB"  # type: ignore[arg-type]
    )
    if ui:
        print(
            f"ui: sync on the Qt loop {float(ui['wall_s']):.1f} s, "  # type: ignore[arg-type]
            f"longest event-loop stall {float(ui['max_stall_ms']):.0f} ms "  # type: ignore[arg-type]
            f"(p99 {float(ui['p99_stall_ms']):.0f} ms)"  # type: ignore[arg-type]
        )
    ok = wall <= 30 and (ui is None or float(ui["max_stall_ms"]) <= 100)  # type: ignore[arg-type]
    print("targets met" if ok else "TARGETS MISSED (sync ≤ 30 s, stall ≤ 100 ms)")
    return 0


_CHILD_UI = r"""
import asyncio, gc, json, resource, sys, time
import qasync
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from snapdesk import config
from snapdesk.api import SnapApi, StaticTokenProvider
from snapdesk.store import Store
from snapdesk.ui import theme
from snapdesk.ui._gc import MainThreadCollector
from snapdesk.ui._preload import preload_network_stack
from snapdesk.ui.main_window import MainWindow
from snapdesk.ui.session import Session

base, token = sys.argv[1], sys.argv[2]
gc_times = []
_gc_start = [0.0]
def _gc_cb(phase, info):
    if phase == "start":
        _gc_start[0] = time.perf_counter()
    else:
        gc_times.append((info["generation"], time.perf_counter() - _gc_start[0]))
gc.callbacks.append(_gc_cb)
app = QApplication([])
theme.apply_theme(app)
preload_network_stack()  # as run_app does
collector = MainThreadCollector(); collector.start()
gaps = []

async def main():
    loop = asyncio.get_running_loop()
    paths = config.Paths.from_env().ensure()
    store = Store(paths.database)
    api = SnapApi(base_url=base, token_provider=StaticTokenProvider(token))
    window = MainWindow(Session(store=store, loop=loop, api=api))
    window.resize(1360, 820); window.show()
    last = [time.perf_counter()]
    timer = QTimer(); timer.setInterval(5)
    def tick():
        now = time.perf_counter(); gaps.append(now - last[0] - 0.005); last[0] = now
    timer.timeout.connect(tick)
    done = asyncio.Event()
    result = {}
    def finished(r):
        result["ok"] = r is not None; done.set()
    window.sync_finished.connect(finished)
    await asyncio.sleep(0.2)
    timer.start(); last[0] = time.perf_counter(); gaps.clear(); gc_times.clear()
    started = time.monotonic()
    window.start_sync(None)
    await done.wait()
    wall = time.monotonic() - started
    timer.stop()
    rows = window.model.rowCount()
    await api.aclose(); window.close(); store.close()
    ordered = sorted(gaps)
    by_gen = {g: [t for gg, t in gc_times if gg == g] for g in (0, 1, 2)}
    print(json.dumps({"wall_s": wall, "ok": result.get("ok"), "tree_top_rows": rows,
                      "ticks": len(gaps), "max_stall_ms": max(gaps) * 1000,
                      "p99_stall_ms": ordered[int(len(ordered) * 0.99)] * 1000,
                      "gc_runs": {g: len(v) for g, v in by_gen.items()},
                      "gc_max_ms": {g: round(max(v or [0]) * 1000, 1) for g, v in by_gen.items()},
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))

runner = asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app))
with runner:
    runner.run(main())
collector.stop()
"""

if __name__ == "__main__":
    sys.exit(main())
