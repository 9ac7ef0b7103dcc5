"""Shared parts of the hashing benchmarks: data generation, a process-tree memory meter, runs.

Not part of the test suite. Each contender runs in its own fresh process (so start-up, imports
and the process pool are included, and memory is measured per contender); the peak resident
memory of the whole process tree (parent + pool workers) is sampled every 20 ms from /proc.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

FIRST = ["anna", "Bob", "carla", "DAVID", "eve", "frank", "Gina", "hugo", "ivy", "jack", "Kim"]
DOMAINS = ["gmail.com", "Example.com", "yahoo.co.uk", "hotmail.fr", "web.de", "outlook.com"]


def write_lines(
    path: Path, header: str, rows: int, make: Callable[[random.Random, int], str]
) -> None:
    if path.exists() and path.stat().st_size > 0:
        return
    rnd = random.Random(7)
    tmp = path.with_suffix(".part")
    with tmp.open("w", newline="") as fh:
        fh.write(header + "\n")
        block: list[str] = []
        for i in range(rows):
            block.append(make(rnd, i))
            if len(block) >= 100_000:
                fh.write("\n".join(block) + "\n")
                block.clear()
        if block:
            fh.write("\n".join(block) + "\n")
    tmp.replace(path)


def email_row(rnd: random.Random, i: int) -> str:
    r = rnd.random()
    if r < 0.005:
        return "not an email"
    if r < 0.05:  # repeats
        return f"{rnd.choice(FIRST)}.{rnd.randrange(max(1, i // 10 + 1))}@{rnd.choice(DOMAINS)}"
    email = f"{rnd.choice(FIRST)}.{i}@{rnd.choice(DOMAINS)}"
    return f"  {email} " if r > 0.95 else email


def intl_phone_row(rnd: random.Random, i: int) -> str:
    r = rnd.random()
    if r < 0.005:
        return "n/a"
    if r < 0.35:
        return f"+44 7{rnd.randrange(100, 999)} {rnd.randrange(100000, 999999)}"
    if r < 0.6:
        return (
            f"+1 ({rnd.randrange(201, 989)}) {rnd.randrange(200, 999)}-{rnd.randrange(1000, 9999)}"
        )
    if r < 0.8:
        return f"0049 151 {rnd.randrange(1000000, 9999999)}"
    return f"+33 (0)6 {rnd.randrange(10000000, 99999999)}"


def national_phone_row(rnd: random.Random, i: int) -> str:
    r = rnd.random()
    if r < 0.005:
        return "n/a"
    if r < 0.9:
        return f"07{rnd.randrange(100, 999)} {rnd.randrange(100000, 999999)}"
    return f"020 {rnd.randrange(1000, 9999)} {rnd.randrange(1000, 9999)}"


def _tree_rss(pid: int) -> int:
    total = 0
    stack = [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    stack.extend(int(c) for c in fh.read().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


@dataclass
class Run:
    name: str
    seconds: float
    peak_mb: float
    output: str


def run(name: str, code: str, *args: str) -> Run:
    """Run `code` (a Python program) in a fresh interpreter; time it and meter its memory."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *args], env=env, stdout=subprocess.PIPE, text=True
    )
    peak = 0
    done = threading.Event()

    def meter() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss(proc.pid))
            time.sleep(0.02)

    thread = threading.Thread(target=meter, daemon=True)
    thread.start()
    out, _ = proc.communicate()
    elapsed = time.perf_counter() - started
    done.set()
    thread.join()
    if proc.returncode != 0:
        raise SystemExit(f"{name} failed (exit {proc.returncode})")
    return Run(name, elapsed, peak / 2**20, out.strip())


SNAPDESK = """
import sys, json
from snapdesk.audience import hash_file
report = hash_file(sys.argv[1], output=sys.argv[2], id_type=sys.argv[3],
                   default_country=(sys.argv[4] or None))
print(json.dumps({"rows": report.rows, "written": report.written, "engine": report.engine,
                  "workers": report.workers}))
"""

NAIVE_EMAIL = """
import sys, hashlib, re
import pandas as pd
rx = re.compile(r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\\.)+[a-z0-9](?:[a-z0-9-]*[a-z0-9])?")
df = pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False)
values = df.iloc[:, 0].str.strip().str.lower()
values = values[values.map(lambda v: rx.fullmatch(v) is not None)]
hashes = values.map(lambda v: hashlib.sha256(v.encode()).hexdigest()).drop_duplicates()
hashes.to_frame("EMAIL_SHA256").to_csv(sys.argv[2], index=False)
print(len(hashes))
"""

NAIVE_PHONE = """
import sys, hashlib, re
import pandas as pd
import phonenumbers
country = sys.argv[3] or None
def norm(v):
    try:
        p = phonenumbers.parse(v, country)
    except phonenumbers.NumberParseException:
        return None
    return f"{p.country_code}{p.national_number}" if phonenumbers.is_possible_number(p) else None
df = pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False)
values = df.iloc[:, 0].map(norm).dropna()
hashes = values.map(lambda v: hashlib.sha256(v.encode()).hexdigest()).drop_duplicates()
hashes.to_frame("PHONE_SHA256").to_csv(sys.argv[2], index=False)
print(len(hashes))
"""


def have_pandas() -> bool:
    try:
        import pandas  # noqa: F401
    except ImportError:
        return False
    return True


def report(rows: int, ours: Run, naive: Run | None, target: float) -> None:
    rate = rows / ours.seconds
    print(f"  snapdesk hash_file: {ours.seconds:7.2f} s  {rate / 1e6:5.2f} M rows/s  "
          f"peak {ours.peak_mb:6.0f} MB  {ours.output}")  # fmt: skip
    if naive is not None:
        naive_rate = rows / naive.seconds
        print(f"  naive pandas+hashlib: {naive.seconds:5.2f} s  {naive_rate / 1e6:5.2f} M rows/s  "
              f"peak {naive.peak_mb:6.0f} MB")  # fmt: skip
        print(f"  ratio: {naive.seconds / ours.seconds:.1f}x the naive script")
    elif not have_pandas():
        print("  naive baseline skipped: pandas is not installed (pip install pandas; it is a "
              "benchmark-only tool, not a snapdesk dependency)")  # fmt: skip
    else:
        print("  naive baseline skipped (--no-baseline)")
    verdict = "meets" if rate >= target else "below"
    print(f"  target {target / 1e6:.2f} M rows/s: {verdict}")
