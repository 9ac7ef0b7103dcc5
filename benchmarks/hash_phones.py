"""Benchmark: hash phone numbers — with country codes (10M rows) and national numbers with a
default country (1M rows, GB) — end to end vs a naive pandas + phonenumbers + hashlib script.

Run: python benchmarks/hash_phones.py [--rows N] [--national-rows N] [--dir DIR]
Targets from the issue: international >= 2M rows/s (like emails); national with a default
country >= 100k rows/s. pandas is needed only for the baseline (pip install pandas).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _hash_bench import (
    NAIVE_PHONE,
    SNAPDESK,
    have_pandas,
    intl_phone_row,
    national_phone_row,
    report,
    run,
    write_lines,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--national-rows", type=int, default=1_000_000)
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "snapdesk-bench")
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    baseline = have_pandas() and not args.no_baseline
    print(f"{os.cpu_count()} CPUs")
    for label, rows, make, country, target in (
        ("international", args.rows, intl_phone_row, "", 2_000_000),
        ("national, --default-country GB", args.national_rows, national_phone_row, "GB", 100_000),
    ):
        src = args.dir / f"phones_{'intl' if not country else 'national'}_{rows}.csv"
        write_lines(src, "phone", rows, make)
        print(f"{label}: {src} ({src.stat().st_size / 2**20:.0f} MB, {rows:,} rows)")
        ours = run(
            "snapdesk", SNAPDESK, str(src), str(args.dir / "out_phones.csv"), "phone", country
        )
        naive = None
        if baseline:
            naive = run(
                "naive", NAIVE_PHONE, str(src), str(args.dir / "out_phones_naive.csv"), country
            )
        report(rows, ours, naive, target)


if __name__ == "__main__":
    main()
