"""Benchmark: replace a large account snapshot and read it back (not part of the test suite).

Run: python benchmarks/store_snapshot.py [DIR]. Prints seconds per step; the UI-tree reads
are reported as a ratio against a primary-key lookup measured in the same run.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from snapdesk.store import Store
from tests.store.synthetic import ACCOUNT, large_snapshot


def main(directory: Path) -> None:
    snap = large_snapshot()
    with Store(directory / "bench.sqlite3") as store:
        store.replace_organizations(
            "default",
            [{"id": "org-1", "name": "Org"}],
            [{"id": ACCOUNT, "name": "Big", "organization_id": "org-1"}],
        )
        t = time.perf_counter()
        store.replace_account_snapshot(ACCOUNT, snap)
        print(f"first replace (all inserts):      {time.perf_counter() - t:.2f} s")
        t = time.perf_counter()
        store.replace_account_snapshot(ACCOUNT, snap)
        print(f"identical replace (no changes):   {time.perf_counter() - t:.2f} s")
        snap2 = large_snapshot()
        snap2["ads"] = snap2["ads"][: len(snap2["ads"]) // 2]
        for obj in snap2["campaigns"]:
            obj["status"] = "PAUSED"
        t = time.perf_counter()
        changes = store.replace_account_snapshot(ACCOUNT, snap2)
        print(f"replace (25k deletes, updates):   {time.perf_counter() - t:.2f} s")
        print("  ", {k: (v.inserted, v.updated, v.deleted) for k, v in changes.tables.items()})

        camp_id = snap["campaigns"][5]["id"]
        squad_id = snap["ad_squads"][5]["id"]
        n = 200
        t = time.perf_counter()
        for _ in range(n):
            store.get("campaign", camp_id)
        pk = (time.perf_counter() - t) / n
        t = time.perf_counter()
        for _ in range(n):
            store.ad_squads(camp_id)
            store.ads(squad_id)
            store.child_count("ad", squad_id)
        tree = (time.perf_counter() - t) / n
        t = time.perf_counter()
        store.campaigns(ACCOUNT)
        print(f"campaigns(account) 2000 rows:     {(time.perf_counter() - t) * 1000:.1f} ms")
        print(f"tree reads per node: {tree * 1000:.2f} ms ({tree / pk:.1f}x a pk lookup)")
        for q in ("squad 1234", "łódź", snap["ads"][0]["id"][:6]):
            t = time.perf_counter()
            hits = store.search(q)
            print(f"search {q!r}: {len(hits)} hits in {(time.perf_counter() - t) * 1000:.1f} ms")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(Path(sys.argv[1]))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            main(Path(tmp))
