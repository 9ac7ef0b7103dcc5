"""`snapdesk conversions push` streams (issue 14): bounded memory at any file size, cells of any
size, nothing sent before the whole file is checked, progress on stderr for long files."""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from snapdesk.conversions.cli import cmd_conversions_push
from snapdesk.sandbox import SandboxServer, SandboxState
from snapdesk.sandbox.capi import DEMO_PIXEL_ID, SANDBOX_CAPI_TOKEN, capi_state

REPO = Path(__file__).resolve().parents[2]
HEADER = "event_name,event_time,event_source_url,em,ph,client_user_agent,order_id,value,currency\n"


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    with SandboxServer(state=SandboxState()) as srv:
        yield srv


@pytest.fixture(autouse=True)
def _env(server: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> None:
    server.state.requests.clear()
    capi_state(server.state).clear()
    monkeypatch.setenv("SNAPDESK_CAPI_BASE", f"{server.base_url}/v3")
    monkeypatch.setenv("SNAPDESK_CAPI_TOKEN", SANDBOX_CAPI_TOKEN)
    monkeypatch.delenv("SNAPCHAT_ADS_LIVE_MODE", raising=False)


def _stamp() -> int:
    return int((datetime.now(UTC) - timedelta(hours=2)).timestamp() * 1000)


def write_events(
    path: Path, rows: int, *, agent: str = "Mozilla/5.0", bad_at: int | None = None
) -> Path:
    stamp = _stamp()
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(HEADER)
        block = []
        for i in range(rows):
            name = "NOT_AN_EVENT" if bad_at is not None and i == bad_at else "PURCHASE"
            block.append(
                f"{name},{stamp},https://shop.example/checkout,person{i}@example.com,"
                f"+44 7700 {900000 + i % 99999},"
                f'"{agent}",order-{i},{10 + i % 90}.50,GBP\n'
            )
            if len(block) == 10_000:
                fh.write("".join(block))
                block.clear()
        fh.write("".join(block))
    return path


def run(path: Path, **flags: object) -> tuple[int, str, str]:
    args = argparse.Namespace(
        input=str(path),
        pixel=DEMO_PIXEL_ID,
        source="web",
        test=flags.get("test", False),
        stop_on_invalid=flags.get("stop_on_invalid", False),
        live=flags.get("live", False),
        map=[],
        drop=[],
    )
    out, err = io.StringIO(), io.StringIO()
    code = cmd_conversions_push(args, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_a_cell_longer_than_the_csv_default_limit_is_read(tmp_path: Path) -> None:
    long_agent = "Mozilla/5.0 " + "x" * 200_000  # > csv's 131,072-character default
    path = write_events(tmp_path / "agents.csv", 3, agent=long_agent)
    code, _out, err = run(path, test=True)
    assert code == 0, err
    assert "Traceback" not in err


def test_an_invalid_row_late_in_the_file_stops_everything_before_sending(
    tmp_path: Path, server: SandboxServer
) -> None:
    path = write_events(tmp_path / "late.csv", 3_500, bad_at=3_400)
    code, _out, err = run(path, stop_on_invalid=True, test=True)
    assert code == 1
    assert "row 3402" in err and "nothing was sent" in err
    assert [r for r in server.state.recorded() if "/v3/" in r.get("path", "")] == []


def test_a_long_file_is_sent_in_batches_with_progress(
    tmp_path: Path, server: SandboxServer
) -> None:
    path = write_events(tmp_path / "many.csv", 2_500)
    code, out, err = run(path, test=True)
    assert code == 0, err
    posts = [r for r in server.state.recorded() if r["path"].endswith("/events/validate")]
    assert len(posts) == 3  # 1000 + 1000 + 500
    assert "request 3 of 3" in err
    assert "2,500 of 2,500 event(s) valid" in out


# VmHWM, not getrusage's ru_maxrss: on Linux the latter keeps the forking parent's high-water
# mark across exec, so it would report pytest's own size.
PEAK = """
import sys
from snapdesk.cli import main
code = main(["conversions", "push", sys.argv[1], "--pixel", sys.argv[2]])
with open("/proc/self/status") as fh:
    peak_kb = next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:"))
print(f"PEAK {peak_kb}", file=sys.stderr)
sys.exit(code)
"""


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads VmHWM from /proc")
def test_memory_stays_bounded_for_200k_rows(tmp_path: Path) -> None:
    """The reported case: 200k rows held the whole file (476 MB); now ≤ 200 MB, dry-run
    printing every payload to stdout (sent to /dev/null here)."""
    path = write_events(tmp_path / "big.csv", 200_000)
    env = {**os.environ, "PYTHONPATH": str(REPO), "SNAPDESK_CAPI_TOKEN": SANDBOX_CAPI_TOKEN}
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", PEAK, str(path), DEMO_PIXEL_ID],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    peak_mb = int(done.stderr.rsplit("PEAK ", 1)[1].split()[0]) / 1024
    assert peak_mb <= 200, f"peak {peak_mb:.0f} MB"
    print(f"200k rows: peak {peak_mb:.0f} MB in {time.monotonic() - started:.1f} s")
