"""Benchmark: snapdesk vs polars + polars-hash on the same email list, in the same run.

Run: python benchmarks/hash_polars.py [--rows N] [--dir DIR] [--repeat K]
Generates DIR/emails_N.csv once (the same generator as hash_emails.py: 0.5% invalid, ~4.5%
repeats, 5% padded with spaces), then runs each contender K times in a fresh process, alternating
so that load on the machine falls on both alike:
- snapdesk's `hash_file` (start-up, workers, de-duplication and the output file included);
- a polars script doing the same: trim, lowercase, the same email syntax check (as a regex),
  SHA-256 with polars-hash, de-duplication in first-seen order, CSV out.
Prints each run, the medians, the ratio (polars time / snapdesk time; above 1.0 snapdesk is
faster) and the peak memory of each process tree; the outputs must be byte-identical.
polars and polars-hash are benchmark-only tools (`pip install -e ".[bench]"`), not snapdesk
dependencies.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _hash_bench import SNAPDESK, email_row, run, write_lines

POLARS_EMAIL = r"""
import sys
import polars as pl
import polars_hash as plh
rx = (r"^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@"
      r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")
df = pl.read_csv(sys.argv[1], infer_schema_length=0, has_header=True)
col = pl.col(df.columns[0]).str.strip_chars().str.to_lowercase()
out = (
    df.lazy()
    .select(col.alias("v"))
    .filter(pl.col("v").str.contains(rx) & (pl.col("v").str.len_bytes() <= 254))
    .select(plh.col("v").chash.sha2_256().alias("EMAIL_SHA256"))
    .unique(maintain_order=True)
    .collect()
)
out.write_csv(sys.argv[2])
print(out.height)
"""


def have_polars() -> bool:
    try:
        import polars  # noqa: F401
        import polars_hash  # noqa: F401
    except ImportError:
        return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "snapdesk-bench")
    args = parser.parse_args()
    if not have_polars():
        raise SystemExit('polars and polars-hash are needed: pip install -e ".[bench]"')
    args.dir.mkdir(parents=True, exist_ok=True)
    src = args.dir / f"emails_{args.rows}.csv"
    write_lines(src, "email", args.rows, email_row)
    print(f"{src} ({src.stat().st_size / 2**20:.0f} MB, {args.rows:,} rows), {os.cpu_count()} CPUs")
    ours_out, theirs_out = args.dir / "out_snapdesk.csv", args.dir / "out_polars.csv"
    ours, theirs = [], []
    for n in range(args.repeat):
        ours.append(run("snapdesk", SNAPDESK, str(src), str(ours_out), "email", ""))
        theirs.append(run("polars", POLARS_EMAIL, str(src), str(theirs_out)))
        print(
            f"  run {n + 1}: snapdesk {ours[-1].seconds:6.2f} s peak {ours[-1].peak_mb:5.0f} MB"
            f" | polars {theirs[-1].seconds:6.2f} s peak {theirs[-1].peak_mb:5.0f} MB"
        )
    same = ours_out.read_bytes() == theirs_out.read_bytes()
    ours_s = statistics.median(r.seconds for r in ours)
    theirs_s = statistics.median(r.seconds for r in theirs)
    ours_mb = statistics.median(r.peak_mb for r in ours)
    theirs_mb = statistics.median(r.peak_mb for r in theirs)
    print(f"  outputs identical: {same}")
    print(
        f"  median: snapdesk {ours_s:.2f} s ({args.rows / ours_s / 1e6:.2f} M rows/s, "
        f"{ours_mb:.0f} MB) vs polars+polars-hash {theirs_s:.2f} s "
        f"({args.rows / theirs_s / 1e6:.2f} M rows/s, {theirs_mb:.0f} MB)"
    )
    print(
        f"  snapdesk is {theirs_s / ours_s:.2f}x polars' speed at "
        f"{ours_mb / theirs_mb:.2f}x its memory (target: speed ratio >= 1.0)"
    )


if __name__ == "__main__":
    main()
