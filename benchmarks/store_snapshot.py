"""Benchmark: replace a large account snapshot and read it back (not part of the test suite).

Run: python benchmarks/store_snapshot.py [DIR]. Prints seconds per step; the UI-tree reads
are reported as a ratio against a primary-key lookup measured in the same run.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from snapdesk.store import Store

ACCOUNT = "00000000-0000-4000-8000-000000000001"


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def large_snapshot(
    seed: int = 7, *, campaigns: int = 2000, squads: int = 20000, ads: int = 50000
) -> dict[str, list[dict[str, Any]]]:
    rng = random.Random(seed)
    camp = [
        {
            "id": _uuid(rng),
            "name": f"Campaign {i} Łódź" if i % 97 == 0 else f"Campaign {i}",
            "ad_account_id": ACCOUNT,
            "status": rng.choice(["ACTIVE", "PAUSED"]),
            "objective": "BRAND_AWARENESS",
            "start_time": "2026-01-01T00:00:00.000Z",
            "daily_budget_micro": 50_000_000,
            "delivery_status": ["VALID"],
        }
        for i in range(campaigns)
    ]
    sq = [
        {
            "id": _uuid(rng),
            "name": f"Ad squad {i}",
            "campaign_id": camp[i % campaigns]["id"],
            "status": "ACTIVE",
            "type": "SNAP_ADS",
            "targeting": {"geos": [{"country_code": "us"}], "demographics": [{"min_age": "18"}]},
            "bid_micro": 1_000_000,
            "daily_budget_micro": 20_000_000,
            "optimization_goal": "IMPRESSIONS",
        }
        for i in range(squads)
    ]
    creatives = [
        {"id": _uuid(rng), "name": f"Creative {i}", "ad_account_id": ACCOUNT, "type": "SNAP_AD"}
        for i in range(2000)
    ]
    ad = [
        {
            "id": _uuid(rng),
            "name": f"Ad {i}",
            "ad_squad_id": sq[i % squads]["id"],
            "creative_id": creatives[i % 2000]["id"],
            "status": "ACTIVE",
            "type": "SNAP_AD",
            "review_status": "APPROVED",
            "delivery_status": ["VALID"],
        }
        for i in range(ads)
    ]
    media = [
        {"id": _uuid(rng), "name": f"Media {i}", "ad_account_id": ACCOUNT, "media_status": "READY"}
        for i in range(2000)
    ]
    segments = [
        {"id": _uuid(rng), "name": f"Segment {i}", "ad_account_id": ACCOUNT, "status": "ACTIVE"}
        for i in range(200)
    ]
    return {
        "campaigns": camp,
        "ad_squads": sq,
        "ads": ad,
        "creatives": creatives,
        "media": media,
        "segments": segments,
    }


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
