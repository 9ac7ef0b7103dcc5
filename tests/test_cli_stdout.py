"""Every command that writes to standard output ends quietly on a closed pipe (`| head -1`:
exit 141 like a tool killed by SIGPIPE, nothing on stderr about it) and with one line on a full
disk (`> /dev/full`: exit 1); never a traceback or an "Exception ignored" at shutdown (issue 14).
Run as real processes: the interpreter's own shutdown is part of what is checked."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from snapdesk._stdout import BROKEN_PIPE_EXIT
from snapdesk.sandbox import SandboxServer

FULL = "snapdesk: cannot write to standard output: no space left on device"


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    with SandboxServer(seed=42, scale="demo") as srv:
        yield srv


@pytest.fixture
def env(server: SandboxServer, tmp_path: Path) -> dict[str, str]:
    values = dict(os.environ)
    values.pop("PYTHONUNBUFFERED", None)  # as a user runs it: errors surface at flush time
    values.update(SNAPDESK_API_BASE=server.api_base, SNAPDESK_ACCESS_TOKEN=server.token)
    (tmp_path / "in.csv").write_text(
        "email\n" + "".join(f"user{i}@example.com\n" for i in range(3000))
    )
    now = int(time.time()) - 3600  # within Snap's 7-day window, so the dry-run prints payloads
    (tmp_path / "events.csv").write_text(
        "event_id,event_name,event_time,event_source_url,em,client_ip_address,client_user_agent\n"
        + "".join(
            f"e{i},PAGE_VIEW,{now},https://shop.example.com/,u{i}@example.com,203.0.113.10,"
            "Mozilla/5.0\n"
            for i in range(50)
        )
    )
    return values


def _run(args: list[str], env: dict[str, str], cwd: Path, stdout: int) -> tuple[int, str]:
    done = subprocess.run(
        [sys.executable, "-m", "snapdesk", *args],
        env=env,
        cwd=cwd,
        stdout=stdout,
        stderr=subprocess.PIPE,
        timeout=180,
    )
    return done.returncode, done.stderr.decode("utf-8", "replace")


def _closed_pipe(args: list[str], env: dict[str, str], cwd: Path) -> tuple[int, str]:
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return _run(args, env, cwd, write_end)
    finally:
        os.close(write_end)


def _dev_full(args: list[str], env: dict[str, str], cwd: Path) -> tuple[int, str]:
    fd = os.open("/dev/full", os.O_WRONLY)
    try:
        return _run(args, env, cwd, fd)
    finally:
        os.close(fd)


def _account(env: dict[str, str], cwd: Path) -> str:
    code, err = _run(["sync"], env, cwd, subprocess.DEVNULL)
    assert code == 0, err
    from snapdesk.store import Store

    store = Store(Path(env["SNAPDESK_DATA_DIR"]) / "cache.sqlite3")
    try:
        return store.ad_accounts()[0].id
    finally:
        store.close()


COMMANDS = {
    "hash": ["hash", "in.csv"],
    "hash --json": ["hash", "in.csv", "-o", "out.csv", "--json"],
    "audience push (dry-run)": [
        "audience", "push", "in.csv", "--ad-account", "a1", "--new-segment", "S",
    ],
    "changes list": ["changes", "list"],
    "changes list --json": ["changes", "list", "--json"],
    "changes post (dry-run)": ["changes", "post"],
    "sync --json": ["sync", "--json"],
    "stats export": ["stats", "export", "--ad-account", "{account}", "--from", "2024-01-01",
                     "--to", "2024-01-03", "-o", "stats.csv"],
    "conversions push": ["conversions", "push", "events.csv", "--pixel", "p1"],
    "profiles": ["profiles"],
    "--version": ["--version"],
}  # fmt: skip


def _argv(name: str, env: dict[str, str], cwd: Path) -> list[str]:
    args = COMMANDS[name]
    if any("{account}" in a for a in args):
        account = _account(env, cwd)
        args = [a.replace("{account}", account) for a in args]
    return args


@pytest.mark.parametrize("name", list(COMMANDS))
def test_closed_pipe_ends_quietly(name: str, env: dict[str, str], tmp_path: Path) -> None:
    args = _argv(name, env, tmp_path)
    code, err = _closed_pipe(args, env, tmp_path)
    assert "Traceback" not in err and "Exception ignored" not in err, err
    assert "Broken pipe" not in err and "BrokenPipe" not in err, err
    if name == "--version":
        return  # argparse prints and exits before snapdesk runs; the point is no traceback
    # a command that failed before printing anything may exit 1; one that printed ends 141
    assert code in (BROKEN_PIPE_EXIT, 1), (code, err)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
@pytest.mark.parametrize("name", [n for n in COMMANDS if n != "--version"])
def test_full_disk_says_one_line(name: str, env: dict[str, str], tmp_path: Path) -> None:
    args = _argv(name, env, tmp_path)
    code, err = _dev_full(args, env, tmp_path)
    assert "Traceback" not in err and "Exception ignored" not in err, err
    assert code == 1, err
    assert err.rstrip().splitlines()[-1] == FULL, err
    assert err.count(FULL) <= 1


def test_hash_into_a_closed_pipe_exits_141(env: dict[str, str], tmp_path: Path) -> None:
    code, err = _closed_pipe(["hash", "in.csv"], env, tmp_path)
    assert (code, err) == (BROKEN_PIPE_EXIT, "")  # the reader has gone: nothing to say
