"""Work folders live under one snapdesk-owned root, carry their owner's pid, and the next start
removes those of processes that were killed (issue 14)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from snapdesk.cli import main
from snapdesk.core import workdirs


def _dead_pid() -> int:
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(done.stdout)


def _planted(pid: int, purpose: str = "push", host: str = workdirs.HOST) -> Path:
    folder = workdirs.root() / f"{purpose}-{pid}-{host}-abcd1234"
    folder.mkdir()
    (folder / "list.csv").write_text("EMAIL_SHA256\n" + "0" * 64 + "\n")
    return folder


def test_names_carry_the_owner(tmp_path: Path) -> None:
    with workdirs.workdir("list") as work:
        assert work.name.startswith(f"list-{os.getpid()}-{workdirs.HOST}-")
        assert work.parent == workdirs.root()
    assert not work.exists()


def test_sweep_removes_dead_owners_only() -> None:
    dead = _planted(_dead_pid())
    alive = _planted(os.getppid())  # the pytest runner's parent is running
    mine = _planted(os.getpid())
    other_machine = _planted(_dead_pid(), host="00000000")
    stranger = workdirs.root() / "not-ours"
    stranger.mkdir()
    assert workdirs.sweep() == [dead]
    assert not dead.exists()
    for kept in (alive, mine, other_machine, stranger):
        assert kept.exists(), kept


def test_every_cli_start_sweeps(capsys: pytest.CaptureFixture[str]) -> None:
    dead = _planted(_dead_pid(), purpose="hash")
    with pytest.raises(SystemExit):
        main(["hash", "--help"])  # argparse exits before any command runs
    assert dead.exists()
    assert main(["profiles"]) in (0, 1)
    assert not dead.exists()
