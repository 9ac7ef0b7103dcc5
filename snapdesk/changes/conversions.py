"""Sending Conversions API events through the write gateway: dry-run, test or live.

    sender = ConversionSender(client=capi, store=store, mode="live")
    report = await sender.send(result.events, asset_id=pixel_id, progress=..., cancel=...)

`send` also takes an iterator of events (a file read as it is sent, `snapdesk conversions push`):
batches are cut as the events arrive, and with `keep=False` the report keeps counts and the
problems (up to `PROBLEMS_KEPT`) instead of every event, so memory stays bounded at any size;
`on_batch(batch, result)` sees each request as it is done (the CLI prints dry-run payloads there).

- dry-run (the default everywhere): plans the batches and reports the exact requests and
  payloads (hashes only, never raw PII); nothing reaches the network. Each batch is audited as
  `dry-run`.
- test: each batch goes to `/{asset}/events/validate` (Snap checks the events and does not
  process them); afterwards Snap's validation logs (last 24 h) and test/live counts (past hour)
  are fetched.
- live: each batch goes to `/{asset}/events`. The client retries 429/5xx/dropped connections
  with the very same body, so every event keeps its `event_id` and Snap counts it once. When Snap
  rejects a batch naming one event, that event is reported and the rest of the batch is sent
  again (same ids). An authentication or permission refusal stops the remaining batches.
Every HTTP exchange is recorded in the audit log (kind `conversion_events`, the batch's event ids,
Snap's answer); the access token never is.
"""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import logging
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Final, Literal

from snapdesk.api import AuthError, PermissionError, SnapError
from snapdesk.api.capi import CapiClient, CapiLogs, CapiStats
from snapdesk.changes import repository as repo
from snapdesk.changes.model import RequestSpec, now_iso
from snapdesk.conversions.model import MappedEvent
from snapdesk.store import Store

__all__ = [
    "AUDIT_KIND",
    "MAX_BATCH_SIZE",
    "BatchResult",
    "CapiBatch",
    "CapiProgress",
    "CapiSendReport",
    "ConversionSender",
    "EventResult",
    "Mode",
    "iter_batches",
    "plan_batches",
]

log = logging.getLogger(__name__)

Mode = Literal["dry-run", "test", "live"]
MODES: Final[tuple[Mode, ...]] = ("dry-run", "test", "live")
MAX_BATCH_SIZE: Final = 1000
PROBLEMS_KEPT: Final = 1000  # problem events a streamed (keep=False) report lists one by one
AUDIT_KIND: Final = "conversion_events"
TOKEN_PLACEHOLDER: Final = "<token>"

EventOutcome = Literal["sent", "valid", "invalid", "rejected", "failed", "dry-run", "cancelled"]
BatchOutcome = Literal["sent", "valid", "invalid", "partial", "failed", "dry-run", "cancelled"]
Cancel = asyncio.Event | Callable[[], bool] | None


@dataclass(frozen=True)
class CapiBatch:
    """One request: up to `MAX_BATCH_SIZE` events for one pixel or app."""

    number: int
    asset_id: str
    mode: Mode
    events: tuple[MappedEvent, ...]

    @property
    def endpoint(self) -> str:
        """The path relative to the Conversions API base (`/v3`)."""
        suffix = "/events/validate" if self.mode == "test" else "/events"
        return f"/{self.asset_id}{suffix}"

    @property
    def payloads(self) -> list[Mapping[str, Any]]:
        return [e.event for e in self.events]

    @property
    def body(self) -> dict[str, Any]:
        return {"data": self.payloads}

    @property
    def request(self) -> RequestSpec:
        """The exact request (the token shown as a placeholder)."""
        return RequestSpec(
            "POST", self.endpoint, params={"access_token": TOKEN_PLACEHOLDER}, body=self.body
        )

    @property
    def event_ids(self) -> list[str | None]:
        return [e.event_id for e in self.events]

    @property
    def key(self) -> str:
        """A stable id of the batch (asset + its event ids), recorded in the audit log."""
        text = "\n".join([self.asset_id, *(str(i) for i in self.event_ids)])
        return "capi-" + hashlib.sha256(text.encode()).hexdigest()[:32]

    def describe(self) -> str:
        return f"{self.request.describe('/v3')} ({len(self.events)} event(s))"


def iter_batches(
    events: Iterable[MappedEvent],
    *,
    asset_id: str,
    mode: Mode = "dry-run",
    batch_size: int = MAX_BATCH_SIZE,
) -> Iterator[CapiBatch]:
    """The events cut into requests of at most `batch_size` (1..1000) events, in file order,
    as they arrive (an iterator of events is read only as far as the batches are used)."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}")
    if not 1 <= batch_size <= MAX_BATCH_SIZE:
        raise ValueError(f"the batch size must be 1 to {MAX_BATCH_SIZE} events")
    asset = asset_id.strip()
    if not asset:
        raise ValueError("a pixel or app id is required")
    number = 0
    chunk: list[MappedEvent] = []
    for event in events:
        chunk.append(event)
        if len(chunk) == batch_size:
            number += 1
            yield CapiBatch(number, asset, mode, tuple(chunk))
            chunk = []
    if chunk:
        yield CapiBatch(number + 1, asset, mode, tuple(chunk))


def plan_batches(
    events: Iterable[MappedEvent],
    *,
    asset_id: str,
    mode: Mode = "dry-run",
    batch_size: int = MAX_BATCH_SIZE,
) -> list[CapiBatch]:
    """Every batch at once (see `iter_batches`)."""
    return list(iter_batches(events, asset_id=asset_id, mode=mode, batch_size=batch_size))


@dataclass(frozen=True)
class EventResult:
    """What happened to one event (one valid row of the file)."""

    row: int
    event_id: str | None
    event_name: str
    outcome: EventOutcome
    batch: int
    reason: str | None = None
    codes: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "event_id": self.event_id,
            "event_name": self.event_name,
            "outcome": self.outcome,
            "batch": self.batch,
            "reason": self.reason,
            "codes": list(self.codes),
        }


@dataclass(frozen=True)
class BatchResult:
    number: int
    outcome: BatchOutcome
    events: int
    request: RequestSpec
    http_status: int | None = None
    reason: str | None = None
    attempts: int = 0
    response: Mapping[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "batch": self.number,
            "outcome": self.outcome,
            "events": self.events,
            "request": self.request.describe("/v3"),
            "http_status": self.http_status,
            "reason": self.reason,
            "attempts": self.attempts,
            "response": dict(self.response) if self.response is not None else None,
        }


@dataclass(frozen=True)
class CapiProgress:
    batches_done: int
    batches_total: int
    events_done: int
    events_total: int
    message: str


@dataclass(frozen=True)
class CapiSendReport:
    """The answer of `ConversionSender.send`."""

    mode: Mode
    asset_id: str
    batches: tuple[BatchResult, ...] = ()
    events: tuple[EventResult, ...] = ()
    logs: CapiLogs | None = None
    stats: CapiStats | None = None
    followup_error: str | None = None
    cancelled: bool = False
    aborted: str | None = None
    plan: tuple[CapiBatch, ...] = field(default=(), repr=False)
    # Events per outcome. A streamed report (keep=False) has these and `problem_events` (the
    # first PROBLEMS_KEPT problems) instead of `events`; None: count `events`.
    outcomes: Mapping[str, int] | None = None
    problem_events: tuple[EventResult, ...] | None = None

    def count(self, *outcomes: EventOutcome) -> int:
        if self.outcomes is not None:
            return sum(self.outcomes.get(o, 0) for o in outcomes)
        return sum(1 for e in self.events if e.outcome in outcomes)

    @property
    def total(self) -> int:
        if self.outcomes is not None:
            return sum(self.outcomes.values())
        return len(self.events)

    @property
    def accepted(self) -> int:
        """Events Snap took (live: processed; test: valid); dry-run: would be sent."""
        return self.count("sent", "valid", "dry-run")

    @property
    def problems(self) -> list[EventResult]:
        """Events Snap refused or that failed (a streamed report: the first PROBLEMS_KEPT)."""
        if self.problem_events is not None:
            return list(self.problem_events)
        return [e for e in self.events if e.outcome in PROBLEM_OUTCOMES]

    @property
    def problem_count(self) -> int:
        return self.count(*PROBLEM_OUTCOMES)

    @property
    def ok(self) -> bool:
        return not self.problem_count and not self.cancelled and self.aborted is None

    def summary(self) -> str:
        total = self.total
        if self.mode == "dry-run":
            text = (
                f"Dry run: {total:,} event(s) in {len(self.batches)} request(s) to "
                f"{self.asset_id}; nothing was sent"
            )
        elif self.mode == "test":
            text = (
                f"Test: {self.count('valid'):,} of {total:,} event(s) valid, "
                f"{self.count('invalid'):,} invalid (validation only, not processed)"
            )
        else:
            text = f"Sent {self.count('sent'):,} of {total:,} event(s) to {self.asset_id}"
            if self.count("rejected", "failed"):
                text += (
                    f"; {self.count('rejected'):,} rejected by Snap, "
                    f"{self.count('failed'):,} failed"
                )
        if self.cancelled:
            text += f"; cancelled ({self.count('cancelled'):,} not sent)"
        if self.aborted:
            text += f"; stopped: {self.aborted}"
        return text

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "mode": self.mode,
            "asset_id": self.asset_id,
            "summary": self.summary(),
            "accepted": self.accepted,
            "cancelled": self.cancelled,
            "aborted": self.aborted,
            "batches": [b.to_json() for b in self.batches],
            "events": [e.to_json() for e in self.events],
        }
        if self.outcomes is not None:
            out["outcomes"] = dict(self.outcomes)
            out["problems"] = [e.to_json() for e in self.problems]
        if self.stats is not None:
            out["stats"] = {
                "test": vars(self.stats.test),
                "live": vars(self.stats.live),
            }
        if self.logs is not None:
            out["logs"] = [
                {"event_name": x.event_name, "status": x.status, "errors": list(x.errors)}
                for x in self.logs.logs
            ]
        if self.followup_error:
            out["followup_error"] = self.followup_error
        return out


ProgressCallback = Callable[[CapiProgress], object]
BatchCallback = Callable[[CapiBatch, BatchResult], object]
PROBLEM_OUTCOMES: Final[tuple[EventOutcome, ...]] = ("invalid", "rejected", "failed")


class ConversionSender:
    """Sends mapped events to the Conversions API in batches (see the module docstring).

    `client` may be None in dry-run. `store` (optional) receives the audit log entries;
    `profile` is recorded as who sent.
    """

    def __init__(
        self,
        *,
        client: CapiClient | None,
        store: Store | None,
        mode: Mode = "dry-run",
        profile: str | None = "default",
        batch_size: int = MAX_BATCH_SIZE,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}")
        if mode != "dry-run" and client is None:
            raise ValueError(f"{mode} mode needs a Conversions API client")
        if not 1 <= batch_size <= MAX_BATCH_SIZE:
            raise ValueError(f"the batch size must be 1 to {MAX_BATCH_SIZE} events")
        self.client = client
        self.store = store
        self.mode: Mode = mode
        self.profile = profile
        self.batch_size = batch_size

    def plan(self, events: Sequence[MappedEvent], *, asset_id: str) -> list[CapiBatch]:
        return plan_batches(events, asset_id=asset_id, mode=self.mode, batch_size=self.batch_size)

    async def send(
        self,
        events: Iterable[MappedEvent],
        *,
        asset_id: str,
        progress: ProgressCallback | None = None,
        cancel: Cancel = None,
        fetch_validation: bool = True,
        total: int | None = None,
        keep: bool = True,
        on_batch: BatchCallback | None = None,
    ) -> CapiSendReport:
        """Send (or rehearse, or validate) `events`; never raises for a refused request.

        `events` may be an iterator (read batch by batch); `total` is then its length for
        progress. `keep=False`: the report holds counts and the first problems, not every event
        and batch plan (bounded memory for any file size)."""
        if total is None:
            total = len(events) if isinstance(events, Sequence) else 0
        batches_total = -(-total // self.batch_size) if total else 0
        kept_batches: list[CapiBatch] = []
        batch_results: list[BatchResult] = []
        event_results: list[EventResult] = []
        outcomes: Counter[str] = Counter()
        problems: list[EventResult] = []
        cancelled = False
        aborted: str | None = None
        done = 0
        first_asset: str | None = None

        def record(batch: CapiBatch, result: BatchResult, per_event: list[EventResult]) -> None:
            if on_batch is not None:
                try:
                    on_batch(batch, result)
                except Exception:  # a broken printer must not stop a send half-way
                    log.exception("conversions batch callback failed")
            if not keep:  # the request without its payloads (they are the file, again)
                spec = result.request
                result = replace(
                    result, request=RequestSpec(spec.method, spec.path, params=spec.params)
                )
            batch_results.append(result)
            for event in per_event:
                outcomes[event.outcome] += 1
                if not keep and event.outcome in PROBLEM_OUTCOMES and len(problems) < PROBLEMS_KEPT:
                    problems.append(event)
            if keep:
                kept_batches.append(batch)
                event_results.extend(per_event)

        self._report(progress, 0, batches_total, 0, total, f"{self.mode}: {total:,} event(s)")
        for batch in iter_batches(
            events, asset_id=asset_id, mode=self.mode, batch_size=self.batch_size
        ):
            first_asset = first_asset or batch.asset_id
            if not cancelled and aborted is None and _is_cancelled(cancel):
                cancelled = True
            if cancelled or aborted is not None:
                outcome: EventOutcome = "cancelled" if cancelled else "failed"
                reason = "cancelled before sending" if cancelled else f"not sent: {aborted}"
                record(
                    batch,
                    BatchResult(
                        batch.number,
                        "cancelled" if cancelled else "failed",
                        len(batch.events),
                        batch.request,
                        reason=reason,
                    ),
                    [_event(e, batch, outcome, reason) for e in batch.events],
                )
                continue
            if self.mode == "dry-run":
                result, per_event = await self._rehearse(batch)
            elif self.mode == "test":
                result, per_event, aborted = await self._validate(batch)
            else:
                result, per_event, aborted = await self._live(batch)
            record(batch, result, per_event)
            done += len(batch.events)
            shown_total = max(batches_total, batch.number)
            self._report(
                progress,
                batch.number,
                shown_total,
                done,
                max(total, done),
                f"{self.mode}: request {batch.number} of {shown_total}: {result.outcome}",
            )
        logs: CapiLogs | None = None
        stats: CapiStats | None = None
        followup: str | None = None
        if self.mode == "test" and fetch_validation and first_asset and aborted is None:
            assert self.client is not None
            try:
                logs = await self.client.validate_logs(first_asset)
                stats = await self.client.validate_stats(first_asset)
            except SnapError as exc:
                followup = exc.message
        return CapiSendReport(
            mode=self.mode,
            asset_id=asset_id.strip(),
            batches=tuple(batch_results),
            events=tuple(event_results),
            logs=logs,
            stats=stats,
            followup_error=followup,
            cancelled=cancelled,
            aborted=aborted,
            plan=tuple(kept_batches),
            outcomes=None if keep else dict(outcomes),
            problem_events=None if keep else tuple(problems),
        )

    # ------------------------------------------------------------------ modes

    async def _rehearse(self, batch: CapiBatch) -> tuple[BatchResult, list[EventResult]]:
        await self._audit(batch, status=None, response=None, result="dry-run", events=batch.events)
        return (
            BatchResult(batch.number, "dry-run", len(batch.events), batch.request),
            [_event(e, batch, "dry-run") for e in batch.events],
        )

    async def _validate(
        self, batch: CapiBatch
    ) -> tuple[BatchResult, list[EventResult], str | None]:
        assert self.client is not None
        try:
            answer = await self.client.validate_events(batch.asset_id, batch.payloads)
        except SnapError as exc:
            return await self._failed(batch, batch.events, exc)
        await self._audit(
            batch,
            status=answer.http_status,
            response=answer.raw,
            result="ok" if answer.valid else "failed",
            events=batch.events,
        )
        results = []
        for index, mapped in enumerate(batch.events):
            entry = answer.log_for(index)
            if entry is None:
                ok = answer.valid
                reason = None if ok else answer.reason
                codes: tuple[str, ...] = ()
            else:
                ok = entry.valid
                reason = None if ok else "; ".join(entry.messages) or answer.reason
                codes = entry.codes
            results.append(_event(mapped, batch, "valid" if ok else "invalid", reason, codes))
        outcome: BatchOutcome = "valid" if answer.valid else "invalid"
        return (
            BatchResult(
                batch.number,
                outcome,
                len(batch.events),
                batch.request,
                http_status=answer.http_status,
                reason=answer.reason,
                attempts=answer.attempts,
                response=answer.raw,
            ),
            results,
            None,
        )

    async def _live(self, batch: CapiBatch) -> tuple[BatchResult, list[EventResult], str | None]:
        assert self.client is not None
        pending = list(batch.events)
        results: list[EventResult] = []
        attempts = 0
        last_status: int | None = None
        last_raw: Mapping[str, Any] | None = None
        reason: str | None = None
        while pending:
            try:
                answer = await self.client.send_events(batch.asset_id, [e.event for e in pending])
            except SnapError as exc:
                failed, failed_events, aborted = await self._failed(batch, tuple(pending), exc)
                results += failed_events
                results.sort(key=lambda r: r.row)
                return (
                    BatchResult(
                        batch.number,
                        "failed",
                        len(batch.events),
                        batch.request,
                        http_status=failed.http_status,
                        reason=failed.reason,
                        attempts=attempts + 1,
                    ),
                    results,
                    aborted,
                )
            attempts += answer.attempts
            last_status, last_raw, reason = answer.http_status, answer.raw, answer.reason
            await self._audit(
                batch,
                status=answer.http_status,
                response=answer.raw,
                result="ok" if answer.valid else "failed",
                events=tuple(pending),
            )
            if answer.valid:
                results += [_event(e, batch, "sent") for e in pending]
                pending = []
            elif answer.index is not None and 0 <= answer.index < len(pending):
                bad = pending.pop(answer.index)
                why = "; ".join(answer.messages) or answer.reason or "rejected by Snap"
                results.append(_event(bad, batch, "rejected", why, answer.codes))
            else:
                why = answer.reason or "rejected by Snap"
                results += [_event(e, batch, "rejected", why, answer.codes) for e in pending]
                pending = []
        sent = sum(1 for r in results if r.outcome == "sent")
        outcome: BatchOutcome = (
            "sent" if sent == len(batch.events) else ("partial" if sent else "failed")
        )
        results.sort(key=lambda r: r.row)
        return (
            BatchResult(
                batch.number,
                outcome,
                len(batch.events),
                batch.request,
                http_status=last_status,
                reason=reason,
                attempts=attempts,
                response=last_raw,
            ),
            results,
            None,
        )

    async def _failed(
        self, batch: CapiBatch, events: Sequence[MappedEvent], exc: SnapError
    ) -> tuple[BatchResult, list[EventResult], str | None]:
        status = getattr(exc, "status", None)
        await self._audit(
            batch, status=status, response=exc.message, result="failed", events=events
        )
        aborted = exc.message if isinstance(exc, AuthError | PermissionError) else None
        return (
            BatchResult(
                batch.number,
                "failed",
                len(batch.events),
                batch.request,
                http_status=status,
                reason=exc.message,
            ),
            [_event(e, batch, "failed", exc.message) for e in events],
            aborted,
        )

    # ------------------------------------------------------------------ audit, progress

    async def _audit(
        self,
        batch: CapiBatch,
        *,
        status: int | None,
        response: Any,
        result: str,
        events: Sequence[MappedEvent],
    ) -> None:
        if self.store is None:
            return
        mode = "dry-run" if self.mode == "dry-run" else "live"
        path = f"/v3{batch.endpoint}"
        body = {
            "batch": batch.number,
            "test": self.mode == "test",
            "events": len(events),
            "event_ids": [e.event_id for e in events],
            "rows": [e.row for e in events],
        }
        action = "validate_events" if self.mode == "test" else "send_events"

        def write(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO audit_log (at, profile, mode, ad_account_id, change_id, kind, "
                "entity_id, action, method, path, request_body, idempotency_key, "
                "response_status, response_excerpt, result) "
                "VALUES (?, ?, ?, NULL, NULL, ?, ?, ?, 'POST', ?, ?, ?, ?, ?, ?)",
                (
                    now_iso(),
                    self.profile,
                    mode,
                    AUDIT_KIND,
                    batch.asset_id,
                    action,
                    path,
                    repo.excerpt(body, limit=10**7),
                    batch.key,
                    status,
                    repo.excerpt(dict(response) if isinstance(response, Mapping) else response),
                    result,
                ),
            )

        await self.store.awrite(write)

    @staticmethod
    def _report(
        progress: ProgressCallback | None,
        batches_done: int,
        batches_total: int,
        events_done: int,
        events_total: int,
        message: str,
    ) -> None:
        if progress is None:
            return
        try:
            progress(CapiProgress(batches_done, batches_total, events_done, events_total, message))
        except Exception:  # a broken progress view must not stop a send half-way
            log.exception("conversions progress callback failed")


def _event(
    mapped: MappedEvent,
    batch: CapiBatch,
    outcome: EventOutcome,
    reason: str | None = None,
    codes: tuple[str, ...] = (),
) -> EventResult:
    return EventResult(
        row=mapped.row,
        event_id=mapped.event_id,
        event_name=mapped.event_name,
        outcome=outcome,
        batch=batch.number,
        reason=reason,
        codes=codes,
    )


def _is_cancelled(cancel: Cancel) -> bool:
    if cancel is None:
        return False
    if isinstance(cancel, asyncio.Event):
        return cancel.is_set()
    answer = cancel()
    if inspect.isawaitable(answer):  # pragma: no cover - defensive: callables must be sync
        raise TypeError("cancel must be an asyncio.Event or a plain function")
    return bool(answer)
