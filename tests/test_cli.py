"""The console script's public surface (DESIGN.md, 'Public surfaces')."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from snapdesk import __version__
from snapdesk.cli import main


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"snapdesk {__version__}"


def test_python_dash_m_version() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "snapdesk", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == f"snapdesk {__version__}"


def test_usage_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["no-such-command"])
    assert exc.value.code == 2


def test_sync_without_token_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sync"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "snapdesk login" in err[0]
    assert "Traceback" not in err[0]


def test_sandbox_refuses_non_loopback(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sandbox", "--host", "0.0.0.0"]) == 1
    err = capsys.readouterr().err
    assert "loopback" in err
    assert "Traceback" not in err


def test_sync_json_against_sandbox(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from snapdesk.sandbox import SandboxServer

    with SandboxServer(seed=7, scale="demo") as server:
        monkeypatch.setenv("SNAPDESK_API_BASE", server.api_base)
        monkeypatch.setenv("SNAPDESK_ACCESS_TOKEN", server.token)
        assert main(["sync", "--json"]) == 0
        summary = server.state.summary() if hasattr(server.state, "summary") else None
    last = capsys.readouterr().out.strip().splitlines()[-1]
    counts = json.loads(last)
    assert list(counts) == [
        "ad_accounts",
        "campaigns",
        "ad_squads",
        "ads",
        "creatives",
        "media",
        "segments",
    ]
    assert counts["ad_accounts"] >= 5
    assert counts["campaigns"] >= 40
    assert all(n > 0 for n in counts.values())
    if summary is not None:
        assert counts["campaigns"] == summary.get("campaigns", counts["campaigns"])


def test_sync_bad_token_fails_cleanly(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from snapdesk.sandbox import SandboxServer

    with SandboxServer(seed=7, scale="demo") as server:
        monkeypatch.setenv("SNAPDESK_API_BASE", server.api_base)
        monkeypatch.setenv("SNAPDESK_ACCESS_TOKEN", "not-a-valid-token")
        assert main(["sync", "--json"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "not-a-valid-token" not in err
    assert len(err.strip().splitlines()) == 1


def test_login_commands_are_wired(capsys: pytest.CaptureFixture[str]) -> None:
    """`snapdesk profiles` / `logout` run through the console script (behaviour: tests/auth)."""
    assert main(["profiles"]) == 0
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    with pytest.raises(SystemExit) as exc:
        main(["login", "--help"])
    assert exc.value.code == 0
    assert "--no-browser" in capsys.readouterr().out


def test_changes_commands_are_wired(capsys: pytest.CaptureFixture[str]) -> None:
    """`snapdesk changes list|post` run through the console script (behaviour: tests/changes)."""
    assert main(["changes", "list"]) == 0
    assert "No pending changes" in capsys.readouterr().out
    assert main(["changes", "post"]) == 0
    with pytest.raises(SystemExit) as exc:
        main(["changes"])
    assert exc.value.code == 2


def test_stats_and_conversions_commands_are_wired(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`snapdesk stats export` and `conversions push` parse and fail cleanly without a login."""
    events = tmp_path / "events.csv"
    events.write_text("event_name,event_time,em\nPURCHASE,1700000000,a@b.example\n", "utf-8")
    code = main(["conversions", "push", str(events), "--pixel", "p-1", "--test"])
    assert code == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) >= 1
    code = main(
        [
            "stats",
            "export",
            "--ad-account",
            "a",
            "--from",
            "2026-01-01",
            "--to",
            "2026-01-31",
            "-o",
            str(tmp_path / "s.csv"),
        ]
    )
    assert code == 1
    assert "Traceback" not in capsys.readouterr().err
    assert not (tmp_path / "s.csv").exists()


def test_hash_is_wired_and_offline(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`snapdesk hash` works with no login and writes the DESIGN.md format."""
    src = tmp_path / "list.csv"
    src.write_text("email\nPerson@Example.com\nnot-an-email\n", "utf-8")
    out = tmp_path / "out.csv"
    assert main(["hash", str(src), "-o", str(out), "--json"]) == 0
    assert out.read_text("utf-8").splitlines() == [
        "EMAIL_SHA256",
        "542d240129883c019e106e3b1b2d3f3cb3537c43c425364de8e951d5a3083345",
    ]
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert (summary["rows"], summary["valid"], summary["rejected"]) == (2, 1, 1)
    assert summary["schema"] == "EMAIL_SHA256"


def test_sync_that_fails_says_so_and_counts_only_what_was_synced(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """It printed "Synced 1 ad account(s) … 0 ad accounts" for an account that failed."""
    from snapdesk.sandbox import SandboxServer

    with SandboxServer(seed=7, scale="demo") as server:
        monkeypatch.setenv("SNAPDESK_API_BASE", server.api_base)
        monkeypatch.setenv("SNAPDESK_ACCESS_TOKEN", server.token)
        missing = "00000000-0000-4000-8000-000000000000"
        assert main(["sync", "--ad-account", missing]) == 1
        out, err = capsys.readouterr()
        assert f"ad account {missing}" in err
        last = out.strip().splitlines()[-1]
        assert last.startswith("Sync failed: none of the 1 ad account was synced")
        assert "Synced" not in out
        real = sorted(server.state.collections["ad_account"].objects)[0]
        assert main(["sync", "--ad-account", real, "--ad-account", missing]) == 1
        last = capsys.readouterr().out.strip().splitlines()[-1]
        assert last.startswith("Synced 1 ad account in ")
        assert last.endswith("; 1 failed (see the errors above)")


@pytest.mark.parametrize("command", ["hash", "import"])
def test_a_missing_file_is_named_as_typed(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`/nope.csv` was reported as `nope.csv`, hiding which folder was looked in."""
    typed = str(tmp_path / "no-folder" / "nope.csv")
    assert main([command, typed]) == 1
    err = capsys.readouterr().err
    assert err == f"snapdesk: {typed}: no such file; check the path\n"
