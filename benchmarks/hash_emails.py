"""Benchmark: hash a 10-million-row email CSV end to end vs a naive pandas + hashlib script.

Run: python benchmarks/hash_emails.py [--rows N] [--dir DIR]
Generates DIR/emails_N.csv once (deterministic; 0.5% invalid, ~4.5% repeats, 5% padded with
spaces), then times, each in a fresh process: snapdesk's `hash_file` (start-up, process pool,
de-duplication and the output file included) and a naive pandas + hashlib script doing the same
normalization. Reports rows/s, the ratio, and the peak memory of each process tree.
The issue's target: >= 2M rows/s on a 2-core machine, >= 10x the naive script, <= 500 MB.
pandas is needed only for the baseline (pip install pandas); it is not a snapdesk dependency.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _hash_bench import NAIVE_EMAIL, SNAPDESK, email_row, have_pandas, report, run, write_lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "snapdesk-bench")
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    src = args.dir / f"emails_{args.rows}.csv"
    write_lines(src, "email", args.rows, email_row)
    print(f"{src} ({src.stat().st_size / 2**20:.0f} MB, {args.rows:,} rows), {os.cpu_count()} CPUs")
    ours = run("snapdesk", SNAPDESK, str(src), str(args.dir / "out_snapdesk.csv"), "email", "")
    naive = None
    if have_pandas() and not args.no_baseline:
        naive = run("naive", NAIVE_EMAIL, str(src), str(args.dir / "out_naive.csv"))
        same = (args.dir / "out_snapdesk.csv").read_bytes() == (
            args.dir / "out_naive.csv"
        ).read_bytes()
        print(f"  outputs identical: {same}")
    report(args.rows, ours, naive, 2_000_000)


if __name__ == "__main__":
    main()
