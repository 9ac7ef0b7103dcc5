"""Uploads against the sandbox over loopback HTTP, checked with its request recorder."""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from snapdesk.audience.cli import cmd_audience_push
from snapdesk.changes import (
    POSTED,
    ChangeRepository,
    SegmentUpload,
    SegmentUploads,
    UploadOutcome,
    UploadProgress,
)
from snapdesk.sandbox import SandboxServer
from snapdesk.store import Store

from .conftest import (
    control,
    digests,
    first_account,
    make_api,
    new_segment,
    recorded,
    recorded_writes,
)

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "resources" / "samples"


def users_posts(server: SandboxServer, method: str = "POST") -> list[dict[str, Any]]:
    return [r for r in recorded(server) if r["method"] == method and r["path"].endswith("/users")]


def _raw_values(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8-sig").splitlines()[1:]
    return [v.strip() for v in lines if v.strip()]


def test_cli_live_push_sends_only_hashes(sandbox: SandboxServer, tmp_path: Path) -> None:
    account = first_account(sandbox)
    args = argparse.Namespace(
        input=str(SAMPLES / "emails.csv"),
        ad_account=account,
        segment=None,
        new_segment="Newsletter",
        type="auto",
        mode="add",
        retention_days=None,
        live=True,
    )
    out, err = io.StringIO(), io.StringIO()
    code = cmd_audience_push(
        args, stdout=out, stderr=err, api_factory=lambda: make_api(sandbox), poll_seconds=0.05
    )
    assert code == 0, err.getvalue()
    assert "upload COMPLETE" in out.getvalue() and "targetable TOO_FEW_USERS" in out.getvalue()
    assert "fewer than 1,000 matched users" in err.getvalue()
    writes = recorded_writes(sandbox)
    assert [w["path"].rsplit("/", 1)[-1] for w in writes] == ["segments", "users"]
    raw = _raw_values(SAMPLES / "emails.csv")
    everything = repr([w["json"] for w in recorded(sandbox)])
    assert all(value not in everything and value.lower() not in everything for value in raw)
    body = writes[1]["json"]
    assert body["users"][0]["schema"] == ["EMAIL_SHA256"]
    assert len(body["users"][0]["data"]) == 198
    # nothing raw in the cache, the journal or the audit log either
    data_dir = Path(os.environ["SNAPDESK_DATA_DIR"])
    stored = b"".join(p.read_bytes() for p in data_dir.rglob("*") if p.is_file())
    assert stored and not any(value.lower().encode() in stored.lower() for value in raw)


async def test_250001_identifiers_go_in_three_batches(
    sandbox: SandboxServer, uploads: SegmentUploads
) -> None:
    account = first_account(sandbox)
    segment = new_segment(sandbox, account)
    upload = uploads.create(
        ad_account_id=account,
        segment_id=segment,
        mode="add",
        lists={"EMAIL_SHA256": [digests(250_001)]},
    )
    assert [b.identifiers for b in upload.batches] == [100_000, 100_000, 50_001]
    assert len({b.idempotency_key for b in upload.batches}) == 3
    outcome = await uploads.send(upload.id)
    assert outcome.ok and outcome.sent == 3
    posts = users_posts(sandbox)
    assert len(posts) == 3 and all(p["status"] == 200 for p in posts)
    assert [p["idempotency_key"] for p in posts] == [b.idempotency_key for b in upload.batches]
    assert sandbox.state.segment_user_count(segment) == 250_001
    segment_obj = await uploads.wait_until_complete(upload.id)
    assert segment_obj["upload_status"] == "COMPLETE"


async def test_retries_reuse_the_batch_key_and_every_id_arrives_once(
    sandbox: SandboxServer, uploads: SegmentUploads
) -> None:
    account = first_account(sandbox)
    segment = new_segment(sandbox, account)
    users = "/v1/segments/*/users"
    control(sandbox, "POST", "faults", {"faults": [
        {"path": users, "method": "POST", "status": 500, "times": 1},
        {"path": users, "method": "POST", "drop": True, "after_processing": True, "times": 1},
    ]})  # fmt: skip
    upload = uploads.create(
        ad_account_id=account,
        segment_id=segment,
        mode="add",
        lists={"EMAIL_SHA256": [digests(25_000)]},
        batch_size=10_000,
    )
    outcome = await uploads.send(upload.id)
    assert outcome.ok
    posts = users_posts(sandbox)
    keys = Counter(p["idempotency_key"] for p in posts)
    assert set(keys) == {b.idempotency_key for b in upload.batches}
    assert keys[upload.batches[0].idempotency_key] == 3  # 500, dropped after processing, replay
    assert [p["status"] for p in posts[:3]] == [500, None, 200]
    assert sandbox.state.segment_user_count(segment) == 25_000
    final = uploads.get(upload.id)
    assert final is not None and [b.accepted for b in final.batches] == [10_000, 10_000, 5_000]


async def test_dry_run_sends_no_write(sandbox: SandboxServer) -> None:
    account = first_account(sandbox)
    plan = SegmentUploads.rehearse(
        ad_account_id=account,
        segment_id=None,
        new_segment={"name": "Preview", "retention_in_days": 180, "source_type": "FIRST_PARTY"},
        mode="add",
        lists={"PHONE_SHA256": [digests(120_000)]},
    )
    assert plan.segment_request is not None and plan.segment_request.method == "POST"
    assert [b.identifiers for b in plan.batches] == [100_000, 20_000]
    assert len(plan.samples["PHONE_SHA256"]) == 5
    assert plan.requests[1].body["users"][0]["data"][-1] == "… 99,995 more"
    assert recorded_writes(sandbox) == []


async def test_replace_removes_everyone_first(
    sandbox: SandboxServer, uploads: SegmentUploads
) -> None:
    account = first_account(sandbox)
    segment = new_segment(sandbox, account)
    first = uploads.create(
        ad_account_id=account,
        segment_id=segment,
        mode="add",
        lists={"EMAIL_SHA256": [digests(3000)]},
    )
    assert (await uploads.send(first.id)).ok
    replace = uploads.create(
        ad_account_id=account,
        segment_id=segment,
        mode="replace",
        lists={"EMAIL_SHA256": [digests(1500, start=10_000)]},
    )
    assert [b.action for b in replace.batches] == ["remove_all_users", "add_users"]
    control(sandbox, "DELETE", "requests")
    assert (await uploads.send(replace.id)).ok
    writes = recorded_writes(sandbox)
    assert [(w["method"], w["path"].rsplit("/", 1)[-1]) for w in writes] == [
        ("DELETE", "all_users"),
        ("POST", "users"),
    ]
    assert sandbox.state.segment_user_count(segment) == 1500


async def test_remove_sends_delete_with_the_same_body(
    sandbox: SandboxServer, uploads: SegmentUploads
) -> None:
    account = first_account(sandbox)
    segment = new_segment(sandbox, account)
    add = uploads.create(
        ad_account_id=account,
        segment_id=segment,
        mode="add",
        lists={"EMAIL_SHA256": [digests(100)]},
    )
    assert (await uploads.send(add.id)).ok
    remove = uploads.create(
        ad_account_id=account,
        segment_id=segment,
        mode="remove",
        lists={"EMAIL_SHA256": [digests(40)]},
    )
    assert (await uploads.send(remove.id)).ok
    (delete,) = users_posts(sandbox, "DELETE")
    assert delete["json"]["users"][0]["schema"] == ["EMAIL_SHA256"]
    assert len(delete["json"]["users"][0]["data"]) == 40
    assert sandbox.state.segment_user_count(segment) == 60


async def test_status_is_polled_until_complete(
    sandbox: SandboxServer, uploads: SegmentUploads
) -> None:
    control(sandbox, "POST", "segment_processing", {"seconds": 0.4})
    account = first_account(sandbox)
    segment = new_segment(sandbox, account)
    upload = uploads.create(
        ad_account_id=account,
        segment_id=segment,
        mode="add",
        lists={"EMAIL_SHA256": [digests(1200)]},
    )
    assert (await uploads.send(upload.id)).ok
    phases: list[str] = []
    result = await uploads.wait_until_complete(upload.id, progress=lambda p: phases.append(p.phase))
    assert result["upload_status"] == "COMPLETE" and result["targetable_status"] == "READY"
    assert "processing" in phases and phases[-1] == "complete"
    gets = [r for r in recorded(sandbox) if r["method"] == "GET" and r["path"].endswith(segment)]
    assert len(gets) >= 2
    done = uploads.get(upload.id)
    assert done is not None and done.state == "complete"


async def test_new_segment_is_created_through_the_gateway(
    sandbox: SandboxServer, uploads: SegmentUploads, store: Store
) -> None:
    account = first_account(sandbox)
    upload = uploads.create(
        ad_account_id=account,
        segment_id=None,
        new_segment={"name": "Fresh", "retention_in_days": 9999},
        mode="add",
        lists={"MOBILE_AD_ID_SHA256": [digests(10)]},
    )
    assert upload.segment_id.startswith("$ref:")
    outcome = await uploads.send(upload.id)
    assert outcome.ok
    change = ChangeRepository(store).get(upload.create_change or "")
    assert change is not None and change.state == POSTED
    assert outcome.upload.segment_id == change.created_id
    writes = recorded_writes(sandbox)
    assert writes[0]["json"]["segments"][0]["retention_in_days"] == 9999
    assert writes[1]["path"] == f"/v1/segments/{change.created_id}/users"
    audit = ChangeRepository(store).audit_log(change_id=upload.id)
    assert [a.action for a in audit] == ["add_users"]
    assert audit[0].request_body["users"][0]["data"] == "<10 hashes>"


async def test_cancel_then_resume_sends_the_rest_once(
    sandbox: SandboxServer, uploads: SegmentUploads
) -> None:
    account = first_account(sandbox)
    segment = new_segment(sandbox, account)
    upload = uploads.create(
        ad_account_id=account,
        segment_id=segment,
        mode="add",
        lists={"EMAIL_SHA256": [digests(5000)]},
        batch_size=1000,
    )
    flag = threading.Event()

    def stop_after_two(p: UploadProgress) -> None:
        if p.batches_done >= 2:
            flag.set()

    first = await uploads.send(upload.id, progress=stop_after_two, cancel=flag)
    assert first.cancelled and first.sent == 2
    assert [u.id for u in uploads.unfinished(ad_account_id=account)] == [upload.id]
    second = await uploads.send(upload.id)
    assert second.ok and second.sent == 3
    keys = [p["idempotency_key"] for p in users_posts(sandbox)]
    assert keys == [b.idempotency_key for b in upload.batches]
    assert sandbox.state.segment_user_count(segment) == 5000


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_kill_mid_upload_then_resume_sends_only_the_remaining_batches(
    sandbox: SandboxServer, db_path: Path
) -> None:
    account = first_account(sandbox)
    segment = new_segment(sandbox, account)
    store = Store(db_path)
    try:
        upload = SegmentUploads(api=None, store=store).create(
            ad_account_id=account,
            segment_id=segment,
            mode="add",
            lists={"EMAIL_SHA256": [digests(250_001)]},
        )
    finally:
        store.close()
    # the second batch hangs on the server long enough to kill the uploader mid-request
    control(sandbox, "POST", "faults", {"faults": [
        {"path": "/v1/segments/*/users", "method": "POST", "times": 1, "latency_ms": 0},
        {"path": "/v1/segments/*/users", "method": "POST", "times": 1, "latency_ms": 30_000},
    ]})  # fmt: skip
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.audience._upload_child", str(db_path),
         sandbox.api_base, sandbox.token, upload.id],
        cwd=REPO,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if (
                len(users_posts(sandbox)) >= 1
                and _journal_state(db_path, upload.id, 1) == "sending"
            ):
                break
            time.sleep(0.05)
        else:
            pytest.fail("the child never got to the second batch")
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
    control(sandbox, "DELETE", "faults")
    control(sandbox, "DELETE", "requests")
    before, outcome = asyncio.run(_resume(sandbox, db_path, upload.id))
    assert [b.state for b in before.batches] == ["sent", "sending", "pending"]
    assert outcome.ok and outcome.sent == 2
    resent = [p["idempotency_key"] for p in users_posts(sandbox)]
    assert resent == [upload.batches[1].idempotency_key, upload.batches[2].idempotency_key]
    assert sandbox.state.segment_user_count(segment) == 250_001


async def _resume(
    sandbox: SandboxServer, db_path: Path, upload_id: str
) -> tuple[SegmentUpload, UploadOutcome]:
    store = Store(db_path)
    try:
        async with make_api(sandbox) as api:
            uploads = SegmentUploads(api=api, store=store)
            before = uploads.get(upload_id)
            assert before is not None
            return before, await uploads.send(upload_id)
    finally:
        store.close()


def _journal_state(db_path: Path, upload_id: str, seq: int) -> str | None:
    import sqlite3

    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5)
    try:
        row = conn.execute(
            "SELECT state FROM segment_upload_batches WHERE upload_id = ? AND seq = ?",
            (upload_id, seq),
        ).fetchone()
        return row[0] if row else None
    except sqlite3.Error:
        return None
    finally:
        conn.close()
