"""Customer lists: reading, normalization, hashing, de-duplication, upload plans (no Qt).

For the UI (run `hash_file` in a worker thread; it uses a process pool itself):

    info = inspect_file(path)                      # encoding, delimiter, header, columns, preview
    columns = select_columns(info, id_type="auto", column=None)
    report = hash_file(path, output=out, info=info, default_country="GB",
                       progress=on_progress, cancel=threading.Event())
    plan = rehearse_upload(report, ad_account_id=..., segment_id=..., mode="add")  # dry-run
    upload = start_upload(SegmentUploads(api=..., store=...), report, ...)         # journal
    result = await run_upload(uploads, upload.id, progress=..., cancel=...)        # live

The `normalize` module holds the normalization rules (DESIGN.md) and is the authority for every path.
"""

from snapdesk.audience.files import Column, FileInfo, InputError, inspect_file, iter_rows
from snapdesk.audience.hashing import (
    HashCancelled,
    HashProgress,
    HashReport,
    ListReport,
    Reject,
    SelectedColumn,
    hash_file,
    output_path_for,
    select_columns,
)
from snapdesk.audience.normalize import (
    EMAIL_SHA256,
    MOBILE_AD_ID_SHA256,
    PHONE_SHA256,
    REASONS,
    SCHEMA_FOR_TYPE,
    Normalized,
    Rejected,
    hash_identifier,
    normalize_email,
    normalize_maid,
    normalize_phone,
    sha256_hex,
)
from snapdesk.audience.upload import (
    RETENTION_DEFAULT,
    RETENTION_LIFETIME,
    UploadResult,
    hashed_lists,
    new_segment_fields,
    read_hash_file,
    rehearse_upload,
    run_upload,
    start_upload,
)

__all__ = [
    "EMAIL_SHA256",
    "MOBILE_AD_ID_SHA256",
    "PHONE_SHA256",
    "REASONS",
    "RETENTION_DEFAULT",
    "RETENTION_LIFETIME",
    "SCHEMA_FOR_TYPE",
    "Column",
    "FileInfo",
    "HashCancelled",
    "HashProgress",
    "HashReport",
    "InputError",
    "ListReport",
    "Normalized",
    "Reject",
    "Rejected",
    "SelectedColumn",
    "UploadResult",
    "hash_file",
    "hash_identifier",
    "hashed_lists",
    "inspect_file",
    "iter_rows",
    "new_segment_fields",
    "normalize_email",
    "normalize_maid",
    "normalize_phone",
    "output_path_for",
    "read_hash_file",
    "rehearse_upload",
    "run_upload",
    "select_columns",
    "sha256_hex",
    "start_upload",
]
