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
        map=flags.get("map", []),
        drop=flags.get("drop", []),
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


# -- issue 13: CRM headers, --map and --drop, no raw e-mail address or phone number ----------------

CRM_HEADER = ["Email Address", "Phone Number", "First Name", "Zip", "Order ID", "Value",
              "Currency", "Event Name", "Event Time", "Notes"]  # fmt: skip
CRM_EMAIL, CRM_PHONE = "Ava.Jones@Example.com", "+1 206 555 0134"


def crm_file(tmp_path: Path, notes: str = "VIP") -> Path:
    from datetime import UTC, datetime, timedelta

    when = (datetime.now(UTC) - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    rows = [
        [CRM_EMAIL, CRM_PHONE, "Ava", "94107", "ORD-5001", "89.97", "USD", "PURCHASE", when,
         "VIP"],
        ["lee.wong@example.com", "(415) 555-0199", "Lee", "10001", "ORD-5002", "12.50", "USD",
         "PURCHASE", when, notes],
    ]  # fmt: skip
    path = tmp_path / "crm_export.csv"
    path.write_text(
        "\n".join(",".join(f'"{c}"' for c in r) for r in [CRM_HEADER, *rows]) + "\n",
        encoding="utf-8",
    )
    return path


def assert_no_raw(text: str) -> None:
    lowered = text.lower()
    for raw in ("ava.jones", "lee.wong", "555-0134", "555 0134", "555-0199", "2065550134",
                "4155550199", "ava", "jane"):  # fmt: skip
        assert raw not in lowered, raw


def test_crm_export_is_mapped_and_hashed(tmp_path: Path, server: SandboxServer) -> None:
    code, out, err = run(crm_file(tmp_path), source="offline")
    assert code == 0, err
    body = json.loads(out[out.index("{") : out.rindex("}") + 1])
    user = body["data"][0]["user_data"]
    assert set(user) == {"em", "ph", "fn", "zp"}
    assert body["data"][0]["custom_data"] == {
        "order_id": "ORD-5001", "value": 89.97, "currency": "USD", "Notes": "VIP"}  # fmt: skip
    assert_no_raw(out + err)
    assert server.state.recorded() == []


def test_notes_with_an_email_stop_the_file(tmp_path: Path, server: SandboxServer) -> None:
    path = crm_file(tmp_path, notes="wants invoices at jane@example.org")
    code, out, err = run(path, source="offline", live=True)
    assert code == 1
    assert err.strip().splitlines()[-1] == (
        'snapdesk: column "Notes" holds email addresses: map it with --map Notes=em or drop it '
        "with --drop Notes (found in row 3)"
    )
    assert_no_raw(out + err)
    assert server.state.recorded() == []


def test_drop_and_map_let_it_through(tmp_path: Path, server: SandboxServer) -> None:
    path = crm_file(tmp_path, notes="wants invoices at jane@example.org")
    code, out, err = run(path, source="offline", test=True, drop=["notes"])
    assert code == 0, err
    [request] = [r for r in server.state.recorded() if r["method"] == "POST"]
    assert request["path"] == f"/v3/{DEMO_PIXEL_ID}/events/validate"
    sent = json.dumps(request["json"])
    assert "Notes" not in sent
    assert_no_raw(sent + out + err)

    server.state.requests.clear()
    path = crm_file(tmp_path, notes="jane@example.org")
    code, out, err = run(path, source="offline", test=True, map=["Notes=em", "Order ID=drop"])
    assert code == 0, err  # row 2's "VIP" is no e-mail address: that row is skipped
    assert "row 2: em: not a valid e-mail address ('VIP')" in err
    [request] = [r for r in server.state.recorded() if r["method"] == "POST"]
    [event] = request["json"]["data"]
    assert len(event["user_data"]["em"]) == 2 and "order_id" not in event["custom_data"]
    assert_no_raw(json.dumps(request["json"]) + out + err)


@pytest.mark.parametrize(
    ("flags", "line"),
    [
        ({"map": ["Notes=emial"]}, "snapdesk: --map Notes=emial: unknown field 'emial': use a "
                                   "user_data field (em, ph, fn"),
        ({"map": ["Notes"]}, "snapdesk: --map takes COLUMN=FIELD (e.g. --map contact=em), "
                             "not 'Notes'"),
        ({"map": ["Notes=em"], "drop": ["Notes"]}, "snapdesk: column 'Notes' is both mapped "
                                                   "and dropped: choose one"),
    ],
)  # fmt: skip
def test_bad_map_is_a_usage_error(
    tmp_path: Path, server: SandboxServer, flags: dict[str, Any], line: str
) -> None:
    code, out, err = run(crm_file(tmp_path), source="offline", **flags)
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and err.startswith(line), err
    assert out == ""


def test_map_of_a_missing_column_names_the_columns(tmp_path: Path, server: SandboxServer) -> None:
    code, _out, err = run(crm_file(tmp_path), source="offline", map=["Contact=em"])
    assert code == 1
    assert err.strip() == (
        'snapdesk: --map names a column the file doesn\'t have: "Contact" (nothing to map; the '
        'columns are "Email Address", "Phone Number", "First Name", "Zip", "Order ID", '
        '"Value", "Currency", "Event Name", "Event Time", "Notes")'
    )


def test_map_and_drop_through_the_console_script(
    tmp_path: Path, server: SandboxServer, capsys: pytest.CaptureFixture[str]
) -> None:
    from snapdesk.cli import main

    path = crm_file(tmp_path, notes="call (206) 555-0000")
    argv = ["conversions", "push", str(path), "--pixel", DEMO_PIXEL_ID, "--source", "offline"]
    assert main(argv) == 1
    assert "--map Notes=ph or drop it with --drop Notes" in capsys.readouterr().err
    assert main([*argv, "--drop", "Notes", "--map", "Zip=zp"]) == 0
    captured = capsys.readouterr()
    assert_no_raw(captured.out + captured.err)
    assert main([*argv, "--map", "Notes=phone number"]) == 0
    assert main([*argv, "--map", "Notes=nope"]) == 2
