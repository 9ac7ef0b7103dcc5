"""Spreadsheet import at scale (issue 16): export the 50,000 ads of the grid benchmark's cache
(benchmarks/_grid_data.py), rename N of them in the CSV as a user would, then time planning the
import (read + check, nothing stored) and queuing it (one transaction, one undo step). The
baseline in the same run queues the same N edits one EditService.edit call (one transaction)
each, as a naive importer would.

    PYTHONPATH=. python benchmarks/grid_import.py [N ...] [--no-baseline]
"""

from __future__ import annotations

import argparse
import csv
import shutil
import tempfile
import time
from pathlib import Path

from benchmarks import _grid_data as gd
from snapdesk.changes.edits import EditService
from snapdesk.core.kinds import AD
from snapdesk.grid import sheets
from snapdesk.grid.columns import columns_for
from snapdesk.grid.rows import Scope, load_rows
from snapdesk.store import Store


def _work_copy(source: Path, folder: Path, n: int) -> Store:
    db = folder / f"work-{n}.sqlite3"
    shutil.copy(source, db)
    return Store(db)


def run(n: int, source: Path, folder: Path, *, baseline: bool) -> dict[str, float]:
    store = _work_copy(source, folder, n)
    rows = load_rows(store, AD, Scope(None))
    out = folder / f"ads-{n}.csv"
    sheets.export_rows(rows, sheets.file_columns(AD, columns_for(AD)), out, level=AD)
    with out.open(encoding="utf-8-sig", newline="") as fh:
        lines = list(csv.reader(fh))
    name = lines[0].index("name")
    for line in lines[1 : n + 1]:
        line[name] += " v2"
    with out.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(lines)
    edits = EditService(store=store)
    t0 = time.perf_counter()
    plan = sheets.plan_import(store, out, edits=edits)
    t1 = time.perf_counter()
    assert plan.ok and plan.change_count == n, (plan.errors[:3], plan.change_count)
    sheets.apply(plan, edits)
    t2 = time.perf_counter()
    figures = {"rows": len(rows), "changes": n, "plan_s": t1 - t0, "queue_s": t2 - t1}
    store.close()
    if baseline:
        store = _work_copy(source, folder, n)
        edits = EditService(store=store)
        t3 = time.perf_counter()
        for item in plan.items:
            assert item.entity_id is not None
            edits.edit(kind=item.kind, entity_id=item.entity_id, fields=item.fields)
        figures["baseline_queue_s"] = time.perf_counter() - t3
        store.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("counts", nargs="*", type=int, default=[1000, 5000, 10000])
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()
    cache = Path(tempfile.gettempdir()) / "snapdesk-grid-bench"
    cache.mkdir(exist_ok=True)
    source = gd.build(gd.cache_path(cache))
    with tempfile.TemporaryDirectory() as tmp:
        print(f"{'changes':>8} {'plan s':>8} {'queue s':>8} {'baseline queue s':>17}")
        for n in args.counts:
            f = run(n, source, Path(tmp), baseline=not args.no_baseline)
            base = f.get("baseline_queue_s")
            print(
                f"{n:>8,} {f['plan_s']:>8.1f} {f['queue_s']:>8.1f} "
                f"{'' if base is None else f'{base:>17.1f}'}",
                flush=True,
            )


if __name__ == "__main__":
    main()
