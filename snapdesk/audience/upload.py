"""From a hashed list to a segment: the plan (dry-run), the upload journal, sending, status.

    lists = hashed_lists(report)                 # digest blocks per schema, from the outputs
    plan = rehearse_upload(report, ad_account_id=..., segment_id=..., mode="add")
    upload = start_upload(uploads, report, ad_account_id=..., segment_id=..., mode="add")
    outcome = await run_upload(uploads, upload.id, progress=cb, cancel=event)

Everything that is sent goes through `snapdesk.changes.SegmentUploads` (the write gateway for
uploads); this module only turns the hashed CSVs into 32-byte digests. Raw identifiers never
reach it: the hashed files hold one SHA-256 per line.
"""

from __future__ import annotations

import binascii
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from snapdesk.audience.hashing import HashReport
from snapdesk.changes.segment_uploads import (
    CancelFlag,
    ProgressCallback,
    SegmentUpload,
    SegmentUploads,
    UploadOutcome,
    UploadRehearsal,
)

RETENTION_DEFAULT: Final = 180
RETENTION_LIFETIME: Final = 9999
TARGETABLE_MIN: Final = 1_000
_BLOCK_LINES: Final = 65_536


class HashFileError(ValueError):
    """A hashed list file that is not `SCHEMA` + one 64-hex hash per line."""


def read_hash_file(path: str | os.PathLike[str]) -> tuple[str, Iterator[bytes]]:
    """(schema from the header, digest blocks) of a file written by `snapdesk hash`."""
    file = Path(path)
    with file.open("rb") as fh:
        header = fh.readline().strip().decode("ascii", "replace")

    def blocks() -> Iterator[bytes]:
        with file.open("rb") as fh:
            fh.readline()
            line_no = 1
            while True:
                lines = fh.readlines(_BLOCK_LINES * 65)
                if not lines:
                    return
                hexes = b"".join(line.strip() for line in lines if line.strip())
                try:
                    blob = binascii.unhexlify(hexes)
                except (binascii.Error, ValueError):
                    raise HashFileError(
                        f"{file.name}: not a hashed list (near line {line_no + 1}); "
                        "hash the file again with `snapdesk hash`"
                    ) from None
                if len(blob) != 32 * sum(1 for line in lines if line.strip()):
                    raise HashFileError(f"{file.name}: a line is not a 64-character SHA-256")
                line_no += len(lines)
                yield blob

    return header, blocks()


def hashed_lists(report: HashReport) -> dict[str, Iterator[bytes]]:
    """Digest blocks per schema from the files a `hash_file` run wrote."""
    out: dict[str, Iterator[bytes]] = {}
    for item in report.lists:
        if item.output is None:
            continue
        schema, blocks = read_hash_file(item.output)
        if schema != item.schema:
            raise HashFileError(f"{item.output.name}: header {schema!r}, expected {item.schema}")
        out[schema] = blocks
    return out


def new_segment_fields(
    name: str, *, retention_days: int | None = None, description: str | None = None
) -> dict[str, Any]:
    """The create body of a customer-list segment (retention 180 days; 9999 = lifetime)."""
    name = name.strip()
    if not name:
        raise ValueError("the new segment needs a name")
    if len(name) > 375:
        raise ValueError("segment names have at most 375 characters")
    days = RETENTION_DEFAULT if retention_days is None else retention_days
    if not (1 <= days <= 9999):
        raise ValueError("retention days must be 1..9999 (9999 = lifetime)")
    fields: dict[str, Any] = {
        "name": name,
        "source_type": "FIRST_PARTY",
        "retention_in_days": days,
    }
    if description:
        fields["description"] = description
    return fields


def rehearse_upload(
    report: HashReport,
    *,
    ad_account_id: str,
    mode: str,
    segment_id: str | None = None,
    new_segment: Mapping[str, Any] | None = None,
) -> UploadRehearsal:
    """The dry-run: the segment request, every batch request and a sample of hashes."""
    return SegmentUploads.rehearse(
        ad_account_id=ad_account_id,
        segment_id=segment_id,
        mode=mode,
        lists=hashed_lists(report),
        new_segment=new_segment,
    )


def start_upload(
    uploads: SegmentUploads,
    report: HashReport,
    *,
    ad_account_id: str,
    mode: str,
    segment_id: str | None = None,
    new_segment: Mapping[str, Any] | None = None,
) -> SegmentUpload:
    """Store the upload journal (or find the unfinished one of the same list to resume)."""
    return uploads.create(
        ad_account_id=ad_account_id,
        segment_id=segment_id,
        mode=mode,
        lists=hashed_lists(report),
        source=report.source.name,
        new_segment=new_segment,
    )


@dataclass(frozen=True)
class UploadResult:
    outcome: UploadOutcome
    segment: dict[str, Any] | None  # the segment once Snap has processed the upload

    @property
    def few_users(self) -> bool:
        users = (self.segment or {}).get("approximate_number_users")
        return isinstance(users, int) and users < TARGETABLE_MIN


async def run_upload(
    uploads: SegmentUploads,
    upload_id: str,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelFlag | None = None,
    wait: bool = True,
) -> UploadResult:
    """Send what is left of an upload, then poll the segment until upload_status is COMPLETE."""
    outcome = await uploads.send(upload_id, progress=progress, cancel=cancel)
    if not outcome.ok or not wait:
        return UploadResult(outcome, None)
    segment = await uploads.wait_until_complete(upload_id, progress=progress, cancel=cancel)
    final = uploads.get(upload_id) or outcome.upload
    return UploadResult(UploadOutcome(final, outcome.sent), segment)
