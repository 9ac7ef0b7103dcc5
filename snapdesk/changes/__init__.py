"""The write gateway: pending changes, dry-run rehearsal, live posting, conflicts, audit log.

Services the UI and the CLI call:
- `EditService` (edits.py): every user edit → stored, validated, undoable `Change`s.
- `WriteGateway` (gateway.py): `await post()` rehearses (dry-run) or posts (live) them.
- `ChangeRepository` (repository.py): reading changes and the audit log.
- `export_changes` / `export_audit` (export.py): JSON and CSV.
- `SegmentUploads` (segment_uploads.py): customer-list uploads as a journal of batches, each
  with its own stored Idempotency-Key; dry-run rehearsal, live sending, resume, status polling.
Nothing outside this package may call `SnapApi.send`.
"""

from snapdesk.changes.edits import BudgetPreview, EditService, RenamePreview, ad_type_for_creative
from snapdesk.changes.export import export_audit, export_changes
from snapdesk.changes.gateway import CHUNK_SIZE, SIMPLE_UPLOAD_MAX, WriteGateway
from snapdesk.changes.model import (
    CREATE,
    DELETE,
    FAILED,
    OPEN_STATES,
    PAUSE,
    PENDING,
    POSTED,
    RESUME,
    REVERTED,
    SENDING,
    UPDATE,
    UPLOAD_MEDIA,
    AffectedAccount,
    AuditEntry,
    Change,
    ChangeError,
    ChangeGroup,
    ChangeResult,
    Conflict,
    FieldDiff,
    GuardViolation,
    PostProgress,
    PostReport,
    RequestSpec,
    ValidationFailed,
    is_temp_id,
)
from snapdesk.changes.repository import ChangeRepository
from snapdesk.changes.segment_uploads import (
    MAX_BATCH,
    SegmentUpload,
    SegmentUploads,
    UploadBatch,
    UploadOutcome,
    UploadProgress,
    UploadRehearsal,
)

__all__ = [
    "CHUNK_SIZE",
    "CREATE",
    "DELETE",
    "FAILED",
    "MAX_BATCH",
    "OPEN_STATES",
    "PAUSE",
    "PENDING",
    "POSTED",
    "RESUME",
    "REVERTED",
    "SENDING",
    "SIMPLE_UPLOAD_MAX",
    "UPDATE",
    "UPLOAD_MEDIA",
    "AffectedAccount",
    "AuditEntry",
    "BudgetPreview",
    "Change",
    "ChangeError",
    "ChangeGroup",
    "ChangeRepository",
    "ChangeResult",
    "Conflict",
    "EditService",
    "FieldDiff",
    "GuardViolation",
    "PostProgress",
    "PostReport",
    "RenamePreview",
    "RequestSpec",
    "SegmentUpload",
    "SegmentUploads",
    "UploadBatch",
    "UploadOutcome",
    "UploadProgress",
    "UploadRehearsal",
    "ValidationFailed",
    "WriteGateway",
    "ad_type_for_creative",
    "export_audit",
    "export_changes",
    "is_temp_id",
]
