"""Sending through the write gateway: dry-run sends nothing, live batches and retries keep the
event ids (each event counted once), test mode shows Snap's logs and counts, the audit log."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from snapdesk.api import RetryPolicy
from snapdesk.api.capi import CapiClient
from snapdesk.changes import ChangeRepository
from snapdesk.changes.conversions import (
    AUDIT_KIND,
    CapiProgress,
    ConversionSender,
    plan_batches,
)
from snapdesk.conversions import LoadOptions, MappedEvent, load_rows
from snapdesk.sandbox import SandboxState
from snapdesk.sandbox.capi import DEMO_PIXEL_ID, capi_state
from snapdesk.sandbox.faults import FaultRule
from snapdesk.store import Store
from tests.conversions.conftest import CAPI_BASE, PIXEL, no_sleep

HEADER = ["event_name", "event_time", "event_source_url", "em", "fn", "currency", "value"]


def events(n: int, *, bad: Sequence[int] = ()) -> list[MappedEvent]:
    """`n` valid web events of now (rows 2..n+1); rows in `bad` get a name Snap refuses later."""
    now = datetime.now(UTC)
    rows = [
        ["PURCHASE", (now - timedelta(minutes=i)).isoformat(), "https://shop.example.com/",
         f"buyer{i}@example.com", f"Name{i}", "USD", f"{i}.5"]
        for i in range(n)
    ]  # fmt: skip
    result = load_rows(HEADER, rows, LoadOptions())
    assert result.valid_count == n, result.report_lines()
    out = list(result.events)
    for i in bad:  # bypass local validation to exercise Snap's per-event rejection
        out[i] = MappedEvent(out[i].row, {**out[i].event, "event_name": "NOT_A_NAME"}, True)
    return out


def live_ids(state: SandboxState) -> list[str]:
    return [str(r.event["event_id"]) for r in capi_state(state).live_events(PIXEL)]


async def test_dry_run_sends_nothing(capi: CapiClient, state: SandboxState, store: Store) -> None:
    batch = events(5)
    sender = ConversionSender(client=capi, store=store, mode="dry-run", batch_size=2)
    report = await sender.send(batch, asset_id=PIXEL)
    assert state.recorded() == []  # the network was never reached
    assert capi_state(state).live_events() == []
    assert [b.outcome for b in report.batches] == ["dry-run"] * 3
    assert report.accepted == 5 and report.ok
    assert report.summary().startswith("Dry run: 5 event(s) in 3 request(s)")
    first = report.plan[0]
    assert first.describe() == f"POST /v3/{PIXEL}/events?access_token=<token> (2 event(s))"
    assert first.body == {"data": [dict(e.event) for e in batch[:2]]}
    payload = str(first.body)
    assert "buyer0@example.com" not in payload and "Name0" not in payload  # hashes only
    audit = ChangeRepository(store).audit_log()
    assert [(a.mode, a.result, a.kind, a.entity_id) for a in audit] == [
        ("dry-run", "dry-run", AUDIT_KIND, PIXEL)
    ] * 3
    assert audit[0].request_body["event_ids"] == [e.event_id for e in batch[:2]]


async def test_dry_run_needs_no_client(store: Store) -> None:
    report = await ConversionSender(client=None, store=store).send(events(1), asset_id=PIXEL)
    assert report.mode == "dry-run" and report.accepted == 1


async def test_live_batches(capi: CapiClient, state: SandboxState, store: Store) -> None:
    batch = events(7)
    seen: list[CapiProgress] = []
    sender = ConversionSender(client=capi, store=store, mode="live", batch_size=3)
    report = await sender.send(batch, asset_id=PIXEL, progress=seen.append)
    assert report.ok and report.count("sent") == 7
    sizes = [len(r["json"]["data"]) for r in state.recorded()]
    assert sizes == [3, 3, 1]
    assert sorted(live_ids(state)) == sorted(str(e.event_id) for e in batch)
    assert [(p.batches_done, p.events_done) for p in seen] == [(0, 0), (1, 3), (2, 6), (3, 7)]
    audit = ChangeRepository(store).audit_log(mode="live")
    assert [(a.result, a.response_status, a.action) for a in audit] == [
        ("ok", 200, "send_events")
    ] * 3
    assert audit[0].path == f"/v3/{PIXEL}/events"


def test_batch_size_limits() -> None:
    assert len(plan_batches(events(3), asset_id=PIXEL, batch_size=1000)) == 1
    for size in (0, 1001):
        with pytest.raises(ValueError, match="1 to 1000"):
            plan_batches(events(1), asset_id=PIXEL, batch_size=size)
    with pytest.raises(ValueError, match="pixel or app id"):
        plan_batches(events(1), asset_id=" ")


def test_default_batch_is_1000() -> None:
    many = events(1) * 2500
    assert [len(b.events) for b in plan_batches(many, asset_id=PIXEL)] == [1000, 1000, 500]


@pytest.mark.parametrize(
    "rule",
    [
        FaultRule(path="/v3/*/events", method="POST", status=500, times=2, after_processing=True),
        FaultRule(path="/v3/*/events", method="POST", drop=True, times=2, after_processing=True),
        FaultRule(path="/v3/*/events", method="POST", status=429, times=1, after_processing=True),
    ],
    ids=["500-after-processing", "dropped-after-processing", "429-after-processing"],
)
async def test_retries_reuse_event_ids_each_event_counted_once(
    capi: CapiClient, state: SandboxState, store: Store, rule: FaultRule
) -> None:
    batch = events(5)
    state.faults.add(rule)
    report = await ConversionSender(client=capi, store=store, mode="live", batch_size=2).send(
        batch, asset_id=PIXEL
    )
    assert report.ok and report.count("sent") == 5
    ids = live_ids(state)
    assert sorted(ids) == sorted(str(e.event_id) for e in batch)  # each event exactly once
    posts = state.recorded()
    assert len(posts) > len(report.batches)  # there were retries…
    first = [p["json"] for p in posts if p["json"]["data"][0]["event_id"] == batch[0].event_id]
    assert len(first) > 1 and all(body == first[0] for body in first)  # …with identical bodies


async def test_rerunning_the_same_file_counts_nothing_twice(
    capi: CapiClient, state: SandboxState
) -> None:
    batch = events(4)
    sender = ConversionSender(client=capi, store=None, mode="live")
    await sender.send(batch, asset_id=PIXEL)
    await sender.send(batch, asset_id=PIXEL)
    assert len(live_ids(state)) == 4


async def test_rejected_event_reported_rest_resent(
    capi: CapiClient, state: SandboxState, store: Store
) -> None:
    batch = events(4, bad=[1])
    report = await ConversionSender(client=capi, store=store, mode="live").send(
        batch, asset_id=PIXEL
    )
    assert [(e.row, e.outcome) for e in report.events] == [
        (2, "sent"), (3, "rejected"), (4, "sent"), (5, "sent")
    ]  # fmt: skip
    rejected = report.problems[0]
    assert rejected.reason == "Unrecognized event type: NOT_A_NAME." and rejected.codes == ("902",)
    assert report.batches[0].outcome == "partial"
    assert not report.ok
    assert sorted(live_ids(state)) == sorted(str(e.event_id) for i, e in enumerate(batch) if i != 1)
    results = [a.result for a in ChangeRepository(store).audit_log()]
    assert results == ["failed", "ok"]


async def test_permission_refusal_stops_the_rest(capi: CapiClient, state: SandboxState) -> None:
    other = "11111111-2222-4333-8444-555555555555"
    report = await ConversionSender(client=capi, store=None, mode="live", batch_size=2).send(
        events(5), asset_id=other
    )
    assert len(state.recorded()) == 1
    assert report.aborted is not None and "Unauthorized resources" in report.aborted
    assert [b.outcome for b in report.batches] == ["failed"] * 3
    assert report.count("failed") == 5


async def test_cancel_between_batches(capi: CapiClient, state: SandboxState) -> None:
    cancel = asyncio.Event()

    def progress(p: CapiProgress) -> None:
        if p.batches_done == 1:
            cancel.set()

    report = await ConversionSender(client=capi, store=None, mode="live", batch_size=2).send(
        events(5), asset_id=PIXEL, progress=progress, cancel=cancel
    )
    assert report.cancelled and report.count("sent") == 2 and report.count("cancelled") == 3
    assert len(state.recorded()) == 1
    assert "cancelled (3 not sent)" in report.summary()


async def test_test_mode_validates_and_fetches_logs_and_stats(
    capi: CapiClient, state: SandboxState, store: Store
) -> None:
    batch = events(3, bad=[2])
    report = await ConversionSender(client=capi, store=store, mode="test").send(
        batch, asset_id=PIXEL
    )
    assert [r["path"] for r in state.recorded()] == [
        f"/v3/{PIXEL}/events/validate",
        f"/v3/{PIXEL}/events/validate/logs",
        f"/v3/{PIXEL}/events/validate/stats",
    ]
    assert [e.outcome for e in report.events] == ["valid", "valid", "invalid"]
    assert capi_state(state).live_events() == []  # nothing processed
    assert report.stats is not None and report.stats.test.event_count_past_hour == 3
    assert report.stats.live.event_count_past_hour == 0
    assert report.logs is not None and len(report.logs.logs) == 3
    assert (
        report.summary()
        == "Test: 2 of 3 event(s) valid, 1 invalid (validation only, not processed)"
    )
    [entry] = ChangeRepository(store).audit_log()
    assert (entry.mode, entry.action, entry.result) == ("live", "validate_events", "failed")


async def test_audit_never_holds_the_token(transport: httpx.ASGITransport, store: Store) -> None:
    async with CapiClient(
        token="tok-visible-nowhere", base_url=CAPI_BASE, transport=transport, sleep=no_sleep,
        retry=RetryPolicy(max_attempts=1),
    ) as capi:  # fmt: skip
        report = await ConversionSender(client=capi, store=store, mode="live").send(
            events(1), asset_id=DEMO_PIXEL_ID
        )
    assert report.aborted and "tok-visible-nowhere" not in report.aborted
    [entry] = ChangeRepository(store).audit_log()
    assert entry.result == "failed" and entry.response_status == 401
    assert "tok-visible-nowhere" not in str(entry.to_json())


def test_sender_arguments() -> None:
    with pytest.raises(ValueError, match="needs a Conversions API client"):
        ConversionSender(client=None, store=None, mode="live")
    with pytest.raises(ValueError, match="mode"):
        ConversionSender(client=None, store=None, mode="sometimes")  # type: ignore[arg-type]


def test_report_json_roundtrip_fields() -> None:
    report = asyncio.run(ConversionSender(client=None, store=None).send(events(2), asset_id=PIXEL))
    data = report.to_json()
    assert data["mode"] == "dry-run" and data["accepted"] == 2
    assert data["batches"][0]["request"].startswith("POST /v3/")
