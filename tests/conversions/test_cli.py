"""`snapdesk conversions push` against the sandbox over real loopback HTTP."""

from __future__ import annotations

import argparse
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from snapdesk.changes import AuditEntry, ChangeRepository
from snapdesk.conversions import write_sample
from snapdesk.conversions.cli import cmd_conversions_push
from snapdesk.sandbox import SandboxServer, SandboxState
from snapdesk.sandbox.capi import DEMO_PIXEL_ID, DEMO_SNAP_APP_ID, SANDBOX_CAPI_TOKEN, capi_state
from snapdesk.store import Store


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    with SandboxServer(state=SandboxState()) as srv:
        yield srv


@pytest.fixture(autouse=True)
def _env(server: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> None:
    server.state.requests.clear()
    server.state.faults.clear()
    capi_state(server.state).clear()
    monkeypatch.setenv("SNAPDESK_CAPI_BASE", f"{server.base_url}/v3")
    monkeypatch.setenv("SNAPDESK_CAPI_TOKEN", SANDBOX_CAPI_TOKEN)
    monkeypatch.delenv("SNAPCHAT_ADS_LIVE_MODE", raising=False)


def run(path: Path | str, pixel: str = DEMO_PIXEL_ID, **flags: Any) -> tuple[int, str, str]:
    args = argparse.Namespace(
        input=str(path),
        pixel=pixel,
        source=flags.get("source", "web"),
        test=flags.get("test", False),
        stop_on_invalid=flags.get("stop_on_invalid", False),
        live=flags.get("live", False),
    )
    out, err = io.StringIO(), io.StringIO()
    code = cmd_conversions_push(args, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def audit() -> list[AuditEntry]:
    store = Store.open_default()
    try:
        return ChangeRepository(store).audit_log()
    finally:
        store.close()


def test_dry_run_prints_payloads_and_sends_nothing(tmp_path: Path, server: SandboxServer) -> None:
    code, out, err = run(write_sample(tmp_path / "web.csv", "web"))
    assert code == 0, err
    assert f"DRY-RUN  POST /v3/{DEMO_PIXEL_ID}/events?access_token=<token> (8 event(s))" in out
    body = json.loads(out[out.index("{") : out.rindex("}") + 1])
    assert len(body["data"]) == 8
    assert "ava.jones@example.com" not in out and "Ava" not in out
    assert "nothing was sent" in out
    assert server.state.recorded() == []
    assert [a.mode for a in audit()] == ["dry-run"]


def test_live(tmp_path: Path, server: SandboxServer) -> None:
    code, out, err = run(write_sample(tmp_path / "web.csv", "web"), live=True)
    assert code == 0, err
    assert f"Sent 8 of 8 event(s) to {DEMO_PIXEL_ID}" in out
    assert len(capi_state(server.state).live_events(DEMO_PIXEL_ID)) == 8
    assert [(a.mode, a.result) for a in audit()] == [("live", "ok")]
    assert SANDBOX_CAPI_TOKEN not in str([a.to_json() for a in audit()])


def test_live_from_environment(
    tmp_path: Path, server: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SNAPCHAT_ADS_LIVE_MODE", "true")
    code, _out, err = run(write_sample(tmp_path / "web.csv", "web"))
    assert code == 0, err
    assert len(capi_state(server.state).live_events()) == 8


def test_test_mode_shows_logs_and_counts(tmp_path: Path, server: SandboxServer) -> None:
    code, out, err = run(
        write_sample(tmp_path / "app.csv", "app"), pixel=DEMO_SNAP_APP_ID, source="app", test=True
    )
    assert code == 0, err
    assert "Snap's counts, past hour: 4 test event(s), 0 live event(s)" in out
    assert "Snap's validation log (last 24 h): 4 test event(s)" in out
    assert "Test: 4 of 4 event(s) valid" in out
    assert capi_state(server.state).live_events() == []


def test_invalid_rows_reported_and_skipped(tmp_path: Path, server: SandboxServer) -> None:
    code, _out, err = run(write_sample(tmp_path / "bad.csv", "web_errors"), live=True)
    assert code == 0, err
    assert "row 11: em: not a valid e-mail address ('not-an-email')" in err
    assert "row 10: currency: required for PURCHASE events" in err
    assert "14 row(s) read: 8 valid, 6 invalid (skipped)" in err
    assert len(capi_state(server.state).live_events()) == 8


def test_stop_on_invalid_sends_nothing(tmp_path: Path, server: SandboxServer) -> None:
    code, _out, err = run(
        write_sample(tmp_path / "bad.csv", "web_errors"), live=True, stop_on_invalid=True
    )
    assert code == 1
    assert err.strip().splitlines()[-1] == (
        "snapdesk: stopped at the first invalid row (row 10); nothing was sent"
    )
    assert server.state.recorded() == []


def test_offline_source(tmp_path: Path, server: SandboxServer) -> None:
    code, _out, err = run(
        write_sample(tmp_path / "pos.csv", "offline"), source="offline", live=True
    )
    assert code == 0, err
    assert {e.event["action_source"] for e in capi_state(server.state).live_events()} == {"OFFLINE"}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("em,em\na@b.co,c@d.co\n", "duplicate column names are not allowed"),
        ("", "the file is empty"),
    ],
)
def test_file_errors(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "x.csv"
    path.write_text(content, encoding="utf-8")
    code, _out, err = run(path)
    assert code == 1 and message in err.strip().splitlines()[-1]


def test_missing_file_and_pixel(tmp_path: Path) -> None:
    code, _out, err = run(tmp_path / "nope.csv")
    assert code == 1 and err.strip() == f"snapdesk: {tmp_path / 'nope.csv'} does not exist"
    code, _out, err = run(tmp_path / "nope.csv", pixel=" ")
    assert code == 1 and "--pixel is required" in err


def test_no_token_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, server: SandboxServer
) -> None:
    monkeypatch.delenv("SNAPDESK_CAPI_TOKEN")
    code, _out, err = run(write_sample(tmp_path / "web.csv", "web"), live=True)
    assert code == 1
    assert (
        err.strip()
        .splitlines()[-1]
        .startswith(f"snapdesk: No Conversions API token for {DEMO_PIXEL_ID}")
    )
    assert server.state.recorded() == []


def test_refused_pixel_exits_1(tmp_path: Path) -> None:
    code, out, err = run(
        write_sample(tmp_path / "web.csv", "web"),
        pixel="11111111-2222-4333-8444-555555555555",
        live=True,
    )
    assert code == 1
    assert "Unauthorized resources" in out + err
