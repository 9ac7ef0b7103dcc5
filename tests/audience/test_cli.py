"""`snapdesk hash` (exact output, exit codes) and `snapdesk audience push` dry-run."""

from __future__ import annotations

import argparse
import hashlib
import io
import json
from pathlib import Path
from typing import Any

import pytest

from snapdesk.audience.cli import cmd_audience_push, cmd_hash
from snapdesk.sandbox import SandboxServer

from .conftest import first_account, recorded_writes

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"


def hash_args(src: Path, **kw: Any) -> argparse.Namespace:
    values: dict[str, Any] = {
        "input": str(src),
        "output": None,
        "type": "auto",
        "column": None,
        "default_country": None,
        "rejects": None,
        "keep_duplicates": False,
        "json": False,
    }
    values.update(kw)
    return argparse.Namespace(**values)


def run(fn: Any, args: argparse.Namespace, **kw: Any) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = fn(args, stdout=out, stderr=err, **kw)
    return code, out.getvalue(), err.getvalue()


def test_hash_writes_the_design_format_to_a_file(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("email\nPerson@Example.com\n   Test123@gmail.com    \nperson@example.com\n")
    out = tmp_path / "out.csv"
    code, stdout, stderr = run(cmd_hash, hash_args(src, output=str(out)))
    assert code == 0 and stderr == ""
    assert out.read_bytes() == (
        b"EMAIL_SHA256\n"
        b"542d240129883c019e106e3b1b2d3f3cb3537c43c425364de8e951d5a3083345\n"
        b"cc779c04191c2e736d89e45c11339c8382832bcaf70383f7df94e3d08ba7a6d9\n"
    )
    # the totals add up (issue 14): rows = valid + rejected + blank; duplicates among the valid
    assert "3 rows = 3 valid + 0 rejected + 0 blank; 1 of the valid is a duplicate" in stdout


def test_hash_to_standard_output(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("phone\n+44 844 412 4653\n001-234-567-8910\n")
    code, stdout, stderr = run(cmd_hash, hash_args(src))
    assert code == 0
    assert stdout.splitlines() == [
        "PHONE_SHA256",
        "dc008fda46e2e64002cf2f82a4906236282d431c4f75e5b60bfe79fc48546383",
        hashlib.sha256(b"12345678910").hexdigest(),
    ]
    assert "2 rows" in stderr


def test_hash_json_summary_and_rejects(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("email\na@example.com\nbad\nA@example.com\n")
    args = hash_args(
        src, output=str(tmp_path / "o.csv"), rejects=str(tmp_path / "r.csv"), json=True
    )
    code, stdout, _ = run(cmd_hash, args)
    assert code == 0
    summary = json.loads(stdout)
    assert {k: summary[k] for k in ("rows", "valid", "rejected", "duplicates", "schema")} == {
        "rows": 3,
        "valid": 2,
        "rejected": 1,
        "duplicates": 1,
        "schema": "EMAIL_SHA256",
    }
    assert summary["rejected_by_reason"] == {"invalid_email": 1}
    assert (tmp_path / "r.csv").read_text().splitlines()[1] == "3,email,invalid_email,bad"


def test_keep_duplicates_flag(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("email\na@example.com\na@example.com\n")
    code, stdout, _ = run(cmd_hash, hash_args(src, keep_duplicates=True))
    assert code == 0 and len(stdout.splitlines()) == 3


def test_several_schemas_need_an_output_name(tmp_path: Path) -> None:
    src = SAMPLES / "messy_export.csv"
    code, stdout, stderr = run(cmd_hash, hash_args(src))
    assert code == 1 and stdout == ""
    assert stderr.startswith("snapdesk: several identifier columns") and stderr.count("\n") == 1
    code, _, _ = run(cmd_hash, hash_args(src, output=str(tmp_path / "out.csv")))
    assert code == 0
    assert (tmp_path / "out.EMAIL_SHA256.csv").exists()
    assert (tmp_path / "out.PHONE_SHA256.csv").exists()


@pytest.mark.parametrize(
    ("content", "kw", "code", "text"),
    [
        (b"", {}, 1, "in.csv is empty"),
        (b"email\n", {}, 1, "header but no data rows"),
        (b"\x00\x01\x02\x03" * 100, {}, 1, "binary"),
        (b"name\nAnna\n", {}, 1, "no email, phone or mobile ad id column"),
        (b"email\na@example.com\n", {"default_country": "Atlantis"}, 2, "unknown country"),
        (b"email\na@example.com\n", {"json": True, "output": None}, 2, "--json needs -o OUT"),
        (b"email\na@example.com\n", {"column": "nope"}, 1, "no column 'nope'"),
    ],
)
def test_hash_failures_are_one_line_without_traceback(
    tmp_path: Path, content: bytes, kw: dict[str, Any], code: int, text: str
) -> None:
    src = tmp_path / "in.csv"
    src.write_bytes(content)
    out = tmp_path / "out.csv"
    args = hash_args(src, output=str(out))
    vars(args).update(kw)
    got, _, stderr = run(cmd_hash, args)
    assert got == code
    assert text in stderr and stderr.startswith("snapdesk: ") and stderr.count("\n") == 1
    assert "Traceback" not in stderr
    assert not out.exists()


def test_unwritable_output_is_a_clean_failure(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("email\na@example.com\n")
    blocker = tmp_path / "file"
    blocker.write_text("")
    code, _, stderr = run(cmd_hash, hash_args(src, output=str(blocker / "out.csv")))
    assert code == 1 and stderr.startswith("snapdesk: cannot write")


def push_args(src: Path, **kw: Any) -> argparse.Namespace:
    values: dict[str, Any] = {
        "input": str(src),
        "ad_account": "acc",
        "segment": None,
        "new_segment": None,
        "type": "auto",
        "mode": "add",
        "retention_days": None,
        "live": False,
    }
    values.update(kw)
    return argparse.Namespace(**values)


@pytest.mark.parametrize(
    ("kw", "text"),
    [
        ({}, "exactly one of --segment"),
        ({"segment": "1", "new_segment": "x"}, "exactly one of --segment"),
        ({"segment": "1", "retention_days": 30}, "--retention-days applies"),
        ({"segment": "1", "mode": "merge"}, "--mode must be"),
        ({"new_segment": "x", "mode": "replace"}, "needs an existing --segment"),
        ({"new_segment": "x", "retention_days": 0}, "retention days must be"),
    ],
)
def test_push_usage_errors(kw: dict[str, Any], text: str) -> None:
    code, _, stderr = run(cmd_audience_push, push_args(SAMPLES / "emails.csv", **kw))
    assert code == 2 and text in stderr


def test_push_dry_run_prints_the_plan_and_sends_nothing(sandbox: SandboxServer) -> None:
    account = first_account(sandbox)
    args = push_args(
        SAMPLES / "emails.csv", ad_account=account, new_segment="Q4 list", retention_days=9999
    )
    code, stdout, _ = run(cmd_audience_push, args)
    assert code == 0
    assert f"POST /v1/adaccounts/{account}/segments" in stdout
    assert '"retention_in_days": 9999' in stdout
    assert "1 batch(es)" in stdout and "198 EMAIL_SHA256 hashes" in stdout
    assert "Dry run: nothing was sent" in stdout
    assert recorded_writes(sandbox) == []
