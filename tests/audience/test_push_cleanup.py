"""A killed `snapdesk audience push` leaves its work folder behind (SIGKILL can't be caught);
the next snapdesk start removes it (issue 14, snapdesk.core.workdirs)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from snapdesk.core import workdirs


def test_a_push_killed_mid_way_is_cleaned_at_the_next_start(tmp_path: Path) -> None:
    big = tmp_path / "big.csv"
    with big.open("w", encoding="utf-8") as fh:  # two columns: the slower row path
        fh.write("email;name\n")
        fh.writelines(f"someone{i}@example.com;x\n" for i in range(300_000))
    root = workdirs.root()
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "snapdesk",
            "audience",
            "push",
            str(big),
            "--ad-account",
            "acct",
            "--new-segment",
            "Killed",
        ],
        env=dict(os.environ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    prefix = f"push-{child.pid}-"
    found: list[Path] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and child.poll() is None:
        found = [p for p in root.iterdir() if p.name.startswith(prefix)]
        if found:
            break
        time.sleep(0.005)
    if not found:
        child.kill()
        child.wait()
        pytest.fail("the push never made its work folder under the snapdesk temp root")
    time.sleep(0.2)  # let it write into it
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert child.returncode == -signal.SIGKILL
    assert found[0].exists(), "SIGKILL can't clean up: the folder must still be there"
    done = subprocess.run(
        [sys.executable, "-m", "snapdesk", "profiles"],
        env=dict(os.environ),
        capture_output=True,
        timeout=120,
    )
    assert b"Traceback" not in done.stderr
    assert not found[0].exists()
