"""Operations of the Audiences page: queue segment writes, check (hash) a list in a worker
thread, and send an upload on the qasync loop.

    group = create_segment(edits=edits, ad_account_id=..., name=..., retention_days=180)
    job = check_list(parent=dialog, path=path, output=out, info=info, default_country="GB")
    job.progressed.connect(...); job.succeeded.connect(...); job.start()
    op = send_upload(parent=page, loop=loop, uploads=uploads, upload_id=upload.id)

Segment writes go through `EditService` and so through the write gateway: they are queued as
pending changes and posted from Pending Changes. Hashing runs `hash_file` in a thread (it
spreads the CPU work over a process pool itself); progress is throttled so a huge file does not
flood the GUI thread with signals. Uploads are sent by `run_upload` (the upload journal of
`SegmentUploads`), which resumes at the first batch not sent.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Final

import shiboken6
from PySide6.QtCore import QObject, Signal

from snapdesk.audience import (
    FileInfo,
    HashCancelled,
    HashProgress,
    HashReport,
    InputError,
    hash_file,
    hashed_lists,
    new_segment_fields,
    run_upload,
    start_upload,
)
from snapdesk.audience.upload import UploadResult
from snapdesk.changes import ChangeGroup, EditService, SegmentUpload, SegmentUploads
from snapdesk.changes.model import ChangeError
from snapdesk.changes.segment_uploads import fingerprint_of
from snapdesk.core.kinds import SEGMENT
from snapdesk.ui._signals import emit
from snapdesk.ui.ops._op import AsyncOp, error_message

PROGRESS_INTERVAL: Final = 0.05  # seconds between two progress signals of a check
IGNORE: Final = "ignore"  # a column override: do not hash this column


# -- segment writes (queued) -------------------------------------------------------------------


def create_segment(
    *,
    edits: EditService,
    ad_account_id: str,
    name: str,
    description: str = "",
    retention_days: int | None = None,
) -> ChangeGroup:
    """Queue a new customer-list segment (ValueError names what is wrong with the fields)."""
    fields = new_segment_fields(name, retention_days=retention_days, description=description)
    return edits.create_segment(ad_account_id=ad_account_id, fields=fields)


def edit_segment(*, edits: EditService, segment_id: str, fields: Mapping[str, Any]) -> ChangeGroup:
    """Queue an edit of name, description or retention."""
    return edits.edit(kind=SEGMENT, entity_id=segment_id, fields=fields)


def delete_segments(*, edits: EditService, ids: list[str]) -> ChangeGroup:
    """Queue deletions (the caller has confirmed)."""
    return edits.delete([(SEGMENT, i) for i in ids])


# -- checking a list ---------------------------------------------------------------------------


def with_overrides(info: FileInfo, overrides: Mapping[int, str | None]) -> FileInfo:
    """`info` with the user's column types: a type name, `IGNORE`, or None for the detected."""
    columns = []
    for column in info.columns:
        chosen = overrides.get(column.index)
        if chosen == IGNORE:
            column = dataclasses.replace(column, detected=None, by="user")
        elif chosen:
            column = dataclasses.replace(column, detected=chosen, by="user")
        columns.append(column)
    return dataclasses.replace(info, columns=tuple(columns))


class CheckJob(QObject):
    """`hash_file` on a worker thread. Signals (delivered on the GUI thread): `progressed
    (HashProgress)`, then one of `succeeded(HashReport)`, `failed(str)` (a message to show),
    `cancelled()`; then always `finished()`."""

    progressed = Signal(object)
    succeeded = Signal(object)
    failed = Signal(str)
    cancelled = Signal()
    finished = Signal()

    def __init__(
        self,
        *,
        path: Path,
        output: Path,
        info: FileInfo,
        default_country: str | None,
        rejects: Path | None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.path = path
        self.output = output
        self.info = info
        self.default_country = default_country
        self.rejects = rejects
        self.report: HashReport | None = None
        self._cancel = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_progress = 0.0

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> CheckJob:
        if self._thread is not None:
            raise RuntimeError("this check was already started")
        self._thread = threading.Thread(target=self._run, name="snapdesk-check-list", daemon=True)
        self._thread.start()
        return self

    def cancel(self) -> None:
        self._cancel.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the thread has ended (tests, shutdown)."""
        if self._thread is not None:
            self._thread.join(timeout)
        return not self.running

    def _emit(self, signal_name: str, *args: Any) -> None:
        if shiboken6.isValid(self):
            emit(getattr(self, signal_name), *args)

    def _on_progress(self, progress: HashProgress) -> None:
        now = time.monotonic()
        if now - self._last_progress < PROGRESS_INTERVAL and progress.fraction < 1.0:
            return
        self._last_progress = now
        self._emit("progressed", progress)

    def _run(self) -> None:
        try:
            report = hash_file(
                self.path,
                output=self.output,
                info=self.info,
                default_country=self.default_country,
                rejects=self.rejects,
                progress=self._on_progress,
                cancel=self._cancel,
            )
        except HashCancelled:
            self._emit("cancelled")
        except InputError as exc:
            self._emit("failed", exc.message)
        except (ValueError, OSError) as exc:
            self._emit("failed", str(exc) or type(exc).__name__)
        except Exception as exc:
            self._emit("failed", error_message(exc))
        else:
            self.report = report
            self._emit("succeeded", report)
        self._emit("finished")


def check_list(
    *,
    parent: QObject | None,
    path: Path,
    output: Path,
    info: FileInfo,
    default_country: str | None = None,
    rejects: Path | None = None,
) -> CheckJob:
    """A check (normalize, hash, de-duplicate) of `path` into `output`; call `start()`."""
    return CheckJob(
        path=path,
        output=output,
        info=info,
        default_country=default_country,
        rejects=rejects,
        parent=parent,
    )


# -- uploads -----------------------------------------------------------------------------------


def find_resumable(
    uploads: SegmentUploads,
    report: HashReport,
    *,
    ad_account_id: str,
    mode: str,
    segment_id: str | None,
    new_segment: Mapping[str, Any] | None,
) -> SegmentUpload | None:
    """The unfinished upload of this very list to this target, if one was interrupted."""
    target = segment_id or f"new:{(new_segment or {}).get('name')}"
    if new_segment is not None and mode == "replace":
        mode = "add"
    fingerprint, _ = fingerprint_of(
        ad_account_id=ad_account_id, target=target, mode=mode, lists=hashed_lists(report)
    )
    return uploads.find_unfinished(fingerprint)


def resume_label(upload: SegmentUpload) -> str:
    """ "Resume upload (batch 3 of 7)", or what is left when every batch was sent."""
    nxt = upload.next_batch
    if nxt is None:
        return "Check processing status"
    return f"Resume upload (batch {nxt.seq + 1} of {len(upload.batches)})"


class PrepareFailed(Exception):
    """Storing the upload journal failed (an unreadable hashed file, a refused change…);
    `message` is the line to show."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def prepare_and_send_upload(
    *,
    parent: QObject | None,
    loop: asyncio.AbstractEventLoop,
    uploads: SegmentUploads,
    report: HashReport,
    ad_account_id: str,
    mode: str,
    segment_id: str | None,
    new_segment: Mapping[str, Any] | None,
    cancel: threading.Event,
    on_prepared: Callable[[SegmentUpload], object],
) -> AsyncOp:
    """Store the upload journal in a worker thread (reading a million hashes and writing the
    batches takes a while: the window must not freeze), call `on_prepared(upload)` on the GUI
    thread, then send it like `send_upload`. A failure to prepare fails the op with
    `PrepareFailed`."""
    op = AsyncOp(loop=loop, name="segment upload", parent=parent)

    async def run() -> UploadResult:
        try:
            upload = await loop.run_in_executor(
                None,
                functools.partial(
                    start_upload,
                    uploads,
                    report,
                    ad_account_id=ad_account_id,
                    mode=mode,
                    segment_id=segment_id,
                    new_segment=new_segment,
                ),
            )
        except (ValueError, OSError, ChangeError) as exc:
            raise PrepareFailed(getattr(exc, "message", None) or str(exc)) from None
        on_prepared(upload)
        return await run_upload(uploads, upload.id, progress=op.report_progress, cancel=cancel)

    op.start(run())
    return op


def send_upload(
    *,
    parent: QObject | None,
    loop: asyncio.AbstractEventLoop,
    uploads: SegmentUploads,
    upload_id: str,
    cancel: threading.Event,
    wait: bool = True,
) -> AsyncOp:
    """Send what is left of an upload, then poll until Snap has processed it (live).
    `progressed` carries `UploadProgress`; `succeeded` the `UploadResult`."""
    op = AsyncOp(loop=loop, name="segment upload", parent=parent)
    op.start(run_upload(uploads, upload_id, progress=op.report_progress, cancel=cancel, wait=wait))
    return op
