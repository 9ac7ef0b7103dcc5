"""Customer-list uploads through the write gateway: a journal of batches, resumable.

    uploads = SegmentUploads(api=api, store=store, profile="default")
    upload = uploads.create(ad_account_id=..., segment_id=..., mode="add",
                            lists={"EMAIL_SHA256": digest_blocks}, source="crm.csv")
    outcome = await uploads.send(upload.id, progress=cb, cancel=event)   # live only
    segment = await uploads.wait_until_complete(upload.id)

`create` stores the whole plan in SQLite in one transaction before anything is sent: one row per
batch (at most 100,000 identifiers, one schema each) with its own Idempotency-Key and its
hashes (32-byte SHA-256 digests — never a raw identifier). Replace starts with a
`DELETE /segments/{id}/all_users` step; a new segment is a `Change` (create, posted by the
`WriteGateway`) the journal refers to until Snap has given it an id.

`send` walks the batches in order: marks one `sending` (committed), sends it with its stored key
(the API client retries 429/5xx/dropped connections with the same key), marks it `sent` and
appends to the audit log. After a crash, or a cancel, `send` again resumes at the first batch
not `sent`; a batch found `sending` is re-sent with its key, so Snap (and the sandbox) answer
with the first result instead of applying it twice. `rehearse` (dry-run) builds the same plan
in memory and sends nothing.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import sqlite3
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal, Protocol

from snapdesk.api import SnapApi, SnapError, unwrap_items
from snapdesk.api.errors import ApiError
from snapdesk.changes import repository as repo
from snapdesk.changes.model import (
    POSTED,
    REF_PREFIX,
    ChangeError,
    RequestSpec,
    now_iso,
)
from snapdesk.changes.requests import create_request
from snapdesk.core.kinds import SEGMENT
from snapdesk.store import Store, writes

log = logging.getLogger(__name__)

MAX_BATCH: Final = 100_000
SAMPLE_SIZE: Final = 5
Mode = Literal["add", "remove", "replace"]
MODES: Final = ("add", "remove", "replace")
UNFINISHED: Final = ("pending", "sending", "failed", "cancelled", "sent")


class CancelFlag(Protocol):
    def is_set(self) -> bool: ...


@dataclass(frozen=True)
class UploadBatch:
    seq: int
    method: str
    path: str
    schema: str | None  # None: the remove-all step of a replace
    identifiers: int
    idempotency_key: str
    state: str = "pending"
    attempts: int = 0
    response_status: int | None = None
    accepted: int | None = None  # Snap's number_uploaded_users
    error: str | None = None
    sent_at: str | None = None

    @property
    def action(self) -> str:
        if self.schema is None:
            return "remove_all_users"
        return "add_users" if self.method == "POST" else "remove_users"


@dataclass(frozen=True)
class SegmentUpload:
    id: str
    ad_account_id: str
    segment_id: str  # Snap's id, or $ref:<change id> of the segment being created
    segment_name: str | None
    create_change: str | None
    mode: str
    source: str | None
    fingerprint: str
    identifiers: int
    state: str
    batches: tuple[UploadBatch, ...]
    error: str | None = None
    created_at: str = ""
    updated_at: str = ""
    finished_at: str | None = None

    @property
    def batches_sent(self) -> int:
        return sum(1 for b in self.batches if b.state == "sent")

    @property
    def identifiers_sent(self) -> int:
        return sum(b.identifiers for b in self.batches if b.state == "sent")

    @property
    def next_batch(self) -> UploadBatch | None:
        return next((b for b in self.batches if b.state != "sent"), None)

    @property
    def finished(self) -> bool:
        return self.state == "complete"


@dataclass(frozen=True)
class UploadProgress:
    upload_id: str
    phase: str  # "creating" | "sending" | "processing" | "complete"
    batches_done: int
    batches_total: int
    identifiers_done: int
    identifiers_total: int
    message: str


@dataclass(frozen=True)
class UploadOutcome:
    upload: SegmentUpload
    sent: int  # batches sent by this call
    cancelled: bool = False
    error: str | None = None

    @property
    def ok(self) -> bool:
        return not self.cancelled and self.error is None


@dataclass(frozen=True)
class UploadRehearsal:
    """What a live upload would send (dry-run): nothing is stored, nothing sent."""

    segment_request: RequestSpec | None  # the create, for a new segment
    requests: tuple[RequestSpec, ...]  # every request, batch bodies abbreviated
    batches: tuple[UploadBatch, ...]
    identifiers: dict[str, int]  # per schema
    samples: dict[str, tuple[str, ...]]  # first hashes per schema


ProgressCallback = Callable[[UploadProgress], object]


def users_body(schema: str, hashes: Sequence[str]) -> dict[str, Any]:
    """Snap's add/remove body: one schema, a list of single-element lists."""
    return {"users": [{"schema": [schema], "data": [[h] for h in hashes]}]}


def _hex_list(blob: bytes) -> list[str]:
    hexed = blob.hex()
    return [hexed[i : i + 64] for i in range(0, len(hexed), 64)]


def _batches_of(blocks: Iterable[bytes], size: int) -> Iterable[bytes]:
    """Re-cut a stream of digest blocks into batches of `size` digests."""
    buffer = bytearray()
    limit = size * 32
    for block in blocks:
        if len(block) % 32:
            raise ValueError("digest blocks must be multiples of 32 bytes")
        buffer += block
        while len(buffer) >= limit:
            yield bytes(buffer[:limit])
            del buffer[:limit]
    if buffer:
        yield bytes(buffer)


def fingerprint_of(
    *, ad_account_id: str, target: str, mode: str, lists: Mapping[str, Iterable[bytes]]
) -> tuple[str, dict[str, list[bytes]]]:
    """A digest over everything an upload would send (to find an unfinished one to resume),
    and the batches per schema."""
    h = hashlib.sha256(f"{ad_account_id}\n{target}\n{mode}\n".encode())
    cut: dict[str, list[bytes]] = {}
    for schema, blocks in lists.items():
        h.update(f"{schema}\n".encode())
        cut[schema] = []
        for batch in _batches_of(blocks, MAX_BATCH):
            h.update(batch)
            cut[schema].append(batch)
    return h.hexdigest(), cut


def _plan(
    segment_path_id: str, mode: str, cut: Mapping[str, Sequence[bytes]], batch_size: int
) -> list[tuple[UploadBatch, bytes | None]]:
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}")
    if not 1 <= batch_size <= MAX_BATCH:
        raise ValueError(f"batch_size must be 1..{MAX_BATCH}")
    plan: list[tuple[UploadBatch, bytes | None]] = []
    seq = 0
    if mode == "replace":
        plan.append(
            (
                UploadBatch(
                    seq, "DELETE", f"/segments/{segment_path_id}/all_users", None, 0, _key()
                ),
                None,
            )
        )
        seq += 1
    method = "DELETE" if mode == "remove" else "POST"
    for schema, batches in cut.items():
        for batch in _batches_of(batches, batch_size):
            plan.append(
                (
                    UploadBatch(
                        seq,
                        method,
                        f"/segments/{segment_path_id}/users",
                        schema,
                        len(batch) // 32,
                        _key(),
                    ),
                    batch,
                )
            )
            seq += 1
    return plan


def _key() -> str:
    return str(uuid.uuid4())


# ---------------------------------------------------------------------------- persistence

_UPLOAD_COLS = (
    "id, ad_account_id, segment_id, segment_name, create_change, mode, source, fingerprint, "
    "identifiers, state, error, created_at, updated_at, finished_at"
)
_BATCH_COLS = (
    "seq, method, path, schema, identifiers, idempotency_key, state, attempts, "
    "response_status, accepted, error, sent_at"
)


def _load(conn: sqlite3.Connection, upload_id: str) -> SegmentUpload | None:
    row = conn.execute(
        f"SELECT {_UPLOAD_COLS} FROM segment_uploads WHERE id = ?", (upload_id,)
    ).fetchone()
    if row is None:
        return None
    batches = tuple(
        UploadBatch(*b)
        for b in conn.execute(
            f"SELECT {_BATCH_COLS} FROM segment_upload_batches WHERE upload_id = ? ORDER BY seq",
            (upload_id,),
        ).fetchall()
    )
    return SegmentUpload(
        id=row[0],
        ad_account_id=row[1],
        segment_id=row[2],
        segment_name=row[3],
        create_change=row[4],
        mode=row[5],
        source=row[6],
        fingerprint=row[7],
        identifiers=int(row[8]),
        state=row[9],
        error=row[10],
        created_at=row[11],
        updated_at=row[12],
        finished_at=row[13],
        batches=batches,
    )


def _set_upload(conn: sqlite3.Connection, upload_id: str, **fields: Any) -> None:
    fields["updated_at"] = now_iso()
    assignments = ", ".join(f"{k} = ?" for k in fields)
    conn.execute(
        f"UPDATE segment_uploads SET {assignments} WHERE id = ?", (*fields.values(), upload_id)
    )


def _set_batch(conn: sqlite3.Connection, upload_id: str, seq: int, **fields: Any) -> None:
    assignments = ", ".join(f"{k} = ?" for k in fields)
    conn.execute(
        f"UPDATE segment_upload_batches SET {assignments} WHERE upload_id = ? AND seq = ?",
        (*fields.values(), upload_id, seq),
    )


def _audit(
    conn: sqlite3.Connection,
    *,
    profile: str | None,
    mode: str,
    upload: SegmentUpload,
    batch: UploadBatch,
    status: int | None,
    response: Any,
    result: str,
) -> None:
    """One audit-log line per batch; the body is summarized (count and schema), never raw."""
    body = (
        None
        if batch.schema is None
        else {
            "users": [{"schema": [batch.schema], "data": f"<{batch.identifiers} hashes>"}],
            "batch": batch.seq,
            "upload_id": upload.id,
        }
    )
    conn.execute(
        "INSERT INTO audit_log (at, profile, mode, ad_account_id, change_id, kind, entity_id, "
        "action, method, path, request_body, idempotency_key, response_status, "
        "response_excerpt, result) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            now_iso(),
            profile,
            mode,
            upload.ad_account_id,
            upload.id,
            SEGMENT,
            upload.segment_id,
            batch.action,
            batch.method,
            batch.path,
            repo._dumps(body),
            batch.idempotency_key,
            status,
            repo.excerpt(response),
            result,
        ),
    )


class SegmentUploads:
    """The upload journal and the live sender (see the module doc)."""

    def __init__(
        self,
        *,
        api: SnapApi | None,
        store: Store,
        profile: str | None = "default",
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        poll_seconds: float = 5.0,
        poll_timeout: float = 900.0,
    ) -> None:
        self.api = api
        self.store = store
        self.profile = profile
        self._sleep = sleep
        self._clock = clock
        self.poll_seconds = poll_seconds
        self.poll_timeout = poll_timeout
        self._lock = asyncio.Lock()

    # ------------------------------------------------------------------ planning

    @staticmethod
    def rehearse(
        *,
        ad_account_id: str,
        segment_id: str | None,
        mode: str,
        lists: Mapping[str, Iterable[bytes]],
        new_segment: Mapping[str, Any] | None = None,
        batch_size: int = MAX_BATCH,
    ) -> UploadRehearsal:
        """The dry-run: every request a live upload would send, with a sample of hashes."""
        if (segment_id is None) == (new_segment is None):
            raise ValueError("give either segment_id or new_segment")
        create = None
        path_id = segment_id or "{new segment id}"
        if new_segment is not None:
            create = create_request(SEGMENT, new_segment, ad_account_id=ad_account_id)
            if mode == "replace":
                mode = "add"  # a new segment has nobody to remove
        _, cut = fingerprint_of(ad_account_id=ad_account_id, target=path_id, mode=mode, lists=lists)
        plan = _plan(path_id, mode, cut, batch_size)
        samples = {
            schema: tuple(_hex_list(batches[0][: SAMPLE_SIZE * 32])) if batches else ()
            for schema, batches in cut.items()
        }
        requests = [create] if create else []
        for batch, blob in plan:
            body = None
            if batch.schema is not None and blob is not None:
                shown = _hex_list(blob[: SAMPLE_SIZE * 32])
                more = batch.identifiers - len(shown)
                data: list[Any] = [[h] for h in shown]
                if more > 0:
                    data.append(f"… {more:,} more")
                body = {"users": [{"schema": [batch.schema], "data": data}]}
            requests.append(RequestSpec(batch.method, batch.path, body=body))
        return UploadRehearsal(
            segment_request=create,
            requests=tuple(requests),
            batches=tuple(b for b, _ in plan),
            identifiers={s: sum(len(b) // 32 for b in bs) for s, bs in cut.items()},
            samples=samples,
        )

    def create(
        self,
        *,
        ad_account_id: str,
        segment_id: str | None,
        mode: str,
        lists: Mapping[str, Iterable[bytes]],
        source: str | None = None,
        new_segment: Mapping[str, Any] | None = None,
        batch_size: int = MAX_BATCH,
        resume: bool = True,
    ) -> SegmentUpload:
        """Store a new upload (all batches and their keys) before anything is sent.

        With `new_segment` (name, description, retention_in_days…) a create-segment change is
        queued too and the batches target it. With `resume`, an unfinished upload of exactly
        the same lists to the same target is returned instead of a new one."""
        if (segment_id is None) == (new_segment is None):
            raise ValueError("give either segment_id or new_segment")
        target = segment_id or f"new:{(new_segment or {}).get('name')}"
        if new_segment is not None and mode == "replace":
            mode = "add"
        fingerprint, cut = fingerprint_of(
            ad_account_id=ad_account_id, target=target, mode=mode, lists=lists
        )
        if resume:
            found = self.find_unfinished(fingerprint)
            if found is not None:
                return found
        create_change: str | None = None
        name = None
        if new_segment is not None:
            from snapdesk.changes.edits import EditService

            group = EditService(store=self.store).create_segment(
                ad_account_id=ad_account_id, fields=new_segment
            )
            create_change = group.changes[0].id
            name = str(new_segment.get("name") or "")
            path_id = f"{REF_PREFIX}{create_change}"
        else:
            assert segment_id is not None
            path_id = segment_id
        plan = _plan(path_id, mode, cut, batch_size)
        upload_id = uuid.uuid4().hex
        total = sum(b.identifiers for b, _ in plan)
        now = now_iso()

        def save(conn: sqlite3.Connection) -> SegmentUpload:
            conn.execute(
                f"INSERT INTO segment_uploads ({_UPLOAD_COLS}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    upload_id,
                    ad_account_id,
                    path_id,
                    name,
                    create_change,
                    mode,
                    source,
                    fingerprint,
                    total,
                    "pending",
                    None,
                    now,
                    now,
                    None,
                ),
            )
            conn.executemany(
                "INSERT INTO segment_upload_batches (upload_id, seq, method, path, schema, "
                "identifiers, digests, idempotency_key, state) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending')",
                [
                    (
                        upload_id,
                        b.seq,
                        b.method,
                        b.path,
                        b.schema,
                        b.identifiers,
                        blob,
                        b.idempotency_key,
                    )
                    for b, blob in plan
                ],
            )
            loaded = _load(conn, upload_id)
            assert loaded is not None
            return loaded

        return self.store.write(save)

    # ------------------------------------------------------------------ reading

    def get(self, upload_id: str) -> SegmentUpload | None:
        return self.store.write(lambda c: _load(c, upload_id))

    def find_unfinished(self, fingerprint: str) -> SegmentUpload | None:
        def find(conn: sqlite3.Connection) -> SegmentUpload | None:
            marks = ",".join("?" * len(UNFINISHED))
            row = conn.execute(
                f"SELECT id FROM segment_uploads WHERE fingerprint = ? AND state IN ({marks}) "
                "ORDER BY created_at DESC LIMIT 1",
                (fingerprint, *UNFINISHED),
            ).fetchone()
            return _load(conn, row[0]) if row else None

        return self.store.write(find)

    def unfinished(self, *, ad_account_id: str | None = None) -> list[SegmentUpload]:
        """Uploads not yet complete (to offer resuming them after a restart)."""

        def find(conn: sqlite3.Connection) -> list[SegmentUpload]:
            marks = ",".join("?" * len(UNFINISHED))
            sql = f"SELECT id FROM segment_uploads WHERE state IN ({marks})"
            params: list[Any] = list(UNFINISHED)
            if ad_account_id is not None:
                sql += " AND ad_account_id = ?"
                params.append(ad_account_id)
            ids = [r[0] for r in conn.execute(sql + " ORDER BY created_at", params).fetchall()]
            return [u for u in (_load(conn, i) for i in ids) if u is not None]

        return self.store.write(find)

    def discard(self, upload_id: str) -> None:
        """Forget an upload (its journal rows; the audit log keeps what was sent)."""
        self.store.write(
            lambda c: c.execute("DELETE FROM segment_uploads WHERE id = ?", (upload_id,))
        )

    # ------------------------------------------------------------------ sending

    def _report(self, progress: ProgressCallback | None, upload: SegmentUpload, phase: str,
                message: str) -> None:  # fmt: skip
        if progress is None:
            return
        try:
            progress(
                UploadProgress(
                    upload.id,
                    phase,
                    upload.batches_sent,
                    len(upload.batches),
                    upload.identifiers_sent,
                    upload.identifiers,
                    message,
                )
            )
        except Exception:  # a broken progress view must not stop an upload half-way
            log.exception("upload progress callback failed")

    async def _resolve_segment(self, upload: SegmentUpload) -> SegmentUpload:
        """Create the new segment first (through the WriteGateway) and point the batches at it."""
        if not upload.segment_id.startswith(REF_PREFIX):
            return upload
        from snapdesk.changes.gateway import WriteGateway

        change_id = upload.create_change or upload.segment_id[len(REF_PREFIX) :]
        change = await self.store.awrite(lambda c: repo.load_change(c, change_id))
        if change is None:
            raise ChangeError("The segment this upload creates was reverted; start again")
        if change.state != POSTED:
            gateway = WriteGateway(api=self.api, store=self.store, live=True, profile=self.profile)
            report = await gateway.post([change_id])
            result = next((r for r in report.results if r.change_id == change_id), None)
            if result is None or result.outcome != "posted":
                raise ChangeError(
                    f"Creating the segment failed: {(result.error if result else None) or 'skipped'}"
                )
            change = await self.store.awrite(lambda c: repo.load_change(c, change_id))
        segment_id = change.created_id if change else None
        if not segment_id:
            raise ChangeError("Snap did not return the new segment's id")

        def point(conn: sqlite3.Connection) -> SegmentUpload:
            ref = f"{REF_PREFIX}{change_id}"
            _set_upload(conn, upload.id, segment_id=segment_id)
            conn.execute(
                "UPDATE segment_upload_batches SET path = replace(path, ?, ?) WHERE upload_id = ?",
                (ref, segment_id, upload.id),
            )
            loaded = _load(conn, upload.id)
            assert loaded is not None
            return loaded

        return await self.store.awrite(point)

    async def send(
        self,
        upload_id: str,
        *,
        progress: ProgressCallback | None = None,
        cancel: CancelFlag | None = None,
    ) -> UploadOutcome:
        """Send the batches not yet sent, in order (live). Never raises for a failed request:
        the outcome says what failed; `send` again resumes."""
        if self.api is None:
            raise ValueError("sending needs an API client (dry-run uses rehearse())")
        api = self.api
        async with self._lock:
            upload = self.get(upload_id)
            if upload is None:
                raise ChangeError("That upload is not in the journal any more")
            sent = 0
            try:
                self._report(progress, upload, "creating", "creating the segment")
                upload = await self._resolve_segment(upload)
            except (ChangeError, SnapError) as exc:
                message = getattr(exc, "message", str(exc))
                await self.store.awrite(
                    lambda c: _set_upload(c, upload_id, state="failed", error=message)
                )
                return UploadOutcome(self.get(upload_id) or upload, 0, error=message)
            await self.store.awrite(
                lambda c: _set_upload(c, upload_id, state="sending", error=None)
            )
            for batch in upload.batches:
                if batch.state == "sent":
                    continue
                current = self.get(upload_id) or upload
                self._report(
                    progress,
                    current,
                    "sending",
                    f"batch {batch.seq + 1} of {len(upload.batches)}",
                )
                if cancel is not None and cancel.is_set():
                    await self.store.awrite(lambda c: _set_upload(c, upload_id, state="cancelled"))
                    current = self.get(upload_id) or upload
                    self._report(progress, current, "sending", "cancelled")
                    return UploadOutcome(current, sent, cancelled=True)
                error = await self._send_batch(api, current, batch)
                if error is not None:
                    failed = self.get(upload_id) or upload
                    return UploadOutcome(failed, sent, error=error)
                sent += 1
            await self.store.awrite(lambda c: _set_upload(c, upload_id, state="sent"))
            done = self.get(upload_id) or upload
            self._report(progress, done, "sending", "all batches sent")
            return UploadOutcome(done, sent)

    async def _send_batch(
        self, api: SnapApi, upload: SegmentUpload, batch: UploadBatch
    ) -> str | None:
        def mark_sending(conn: sqlite3.Connection) -> bytes | None:
            row = conn.execute(
                "SELECT digests FROM segment_upload_batches WHERE upload_id = ? AND seq = ?",
                (upload.id, batch.seq),
            ).fetchone()
            _set_batch(conn, upload.id, batch.seq, state="sending", attempts=batch.attempts + 1)
            return bytes(row[0]) if row and row[0] is not None else None

        blob = await self.store.awrite(mark_sending)
        body = None
        if batch.schema is not None:
            if blob is None:
                return f"batch {batch.seq + 1} lost its hashes; discard this upload and start again"
            body = users_body(batch.schema, _hex_list(blob))
        try:
            response = await api.send(
                batch.method, batch.path, json=body, idempotency_key=batch.idempotency_key
            )
        except SnapError as exc:
            status = exc.status if isinstance(exc, ApiError) else None
            reason = exc.message
            message = f"batch {batch.seq + 1} of {len(upload.batches)}: {reason}"

            def fail(conn: sqlite3.Connection) -> None:
                _set_batch(conn, upload.id, batch.seq, state="failed", error=reason,
                           response_status=status)  # fmt: skip
                _set_upload(conn, upload.id, state="failed", error=message)
                _audit(conn, profile=self.profile, mode="live", upload=upload, batch=batch,
                       status=status, response=reason, result="failed")  # fmt: skip

            await self.store.awrite(fail)
            return message
        accepted = _accepted(response)

        def done(conn: sqlite3.Connection) -> None:
            _set_batch(conn, upload.id, batch.seq, state="sent", digests=None, error=None,
                       response_status=200, accepted=accepted, sent_at=now_iso())  # fmt: skip
            _audit(conn, profile=self.profile, mode="live", upload=upload, batch=batch,
                   status=200, response=response, result="ok")  # fmt: skip
            if batch.schema is None:  # remove-all answers with the segment
                for segment in unwrap_items(response, plural_key="segments", item_key="segment"):
                    writes.upsert_entity(conn, SEGMENT, segment, ad_account_id=upload.ad_account_id)

        await self.store.awrite(done)
        return None

    async def wait_until_complete(
        self,
        upload_id: str,
        *,
        progress: ProgressCallback | None = None,
        cancel: CancelFlag | None = None,
    ) -> dict[str, Any]:
        """Poll `GET /segments/{id}` until `upload_status` is COMPLETE; returns the segment
        (also stored in the cache). Raises ChangeError on timeout (the upload itself is done)."""
        if self.api is None:
            raise ValueError("polling needs an API client")
        upload = self.get(upload_id)
        if upload is None or upload.segment_id.startswith(REF_PREFIX):
            raise ChangeError("That upload has no segment on Snap yet; send it first")
        deadline = self._clock() + self.poll_timeout
        while True:
            body = await self.api.get_json(f"/segments/{upload.segment_id}")
            items = unwrap_items(body, plural_key="segments", item_key="segment")
            if not items:
                raise ChangeError(f"Snap has no segment {upload.segment_id} any more")
            segment = items[0]
            status = str(segment.get("upload_status") or "")

            def cache(
                conn: sqlite3.Connection,
                obj: dict[str, Any] = segment,
                account: str = upload.ad_account_id,
            ) -> None:
                writes.upsert_entity(conn, SEGMENT, obj, ad_account_id=account)

            await self.store.awrite(cache)
            if status == "COMPLETE":
                await self.store.awrite(
                    lambda c: _set_upload(c, upload_id, state="complete", finished_at=now_iso())
                )
                done = self.get(upload_id) or upload
                self._report(progress, done, "complete", "Snap has processed the upload")
                return segment
            self._report(progress, upload, "processing", f"Snap is processing ({status})")
            if cancel is not None and cancel.is_set():
                raise ChangeError("Stopped waiting; Snap keeps processing the upload")
            if self._clock() >= deadline:
                raise ChangeError(
                    f"Snap is still processing the upload (status {status}); check again later"
                )
            await self._sleep(self.poll_seconds)


def _accepted(response: Mapping[str, Any]) -> int | None:
    for item in response.get("users") or ():
        user = item.get("user") if isinstance(item, Mapping) else None
        if isinstance(user, Mapping) and isinstance(user.get("number_uploaded_users"), int):
            return int(user["number_uploaded_users"])
    return None
