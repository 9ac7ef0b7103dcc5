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

import importlib
from typing import TYPE_CHECKING, Any

# Parts are imported on first use (PEP 562): `snapdesk hash` and the offline list window load
# only the hashing pipeline, not the API client and the write gateway the upload needs.
_WHERE: dict[str, str] = {
    "Column": "snapdesk.audience.files",
    "FileInfo": "snapdesk.audience.files",
    "InputError": "snapdesk.audience.files",
    "inspect_file": "snapdesk.audience.files",
    "iter_rows": "snapdesk.audience.files",
    "HashCancelled": "snapdesk.audience.hashing",
    "HashProgress": "snapdesk.audience.hashing",
    "HashReport": "snapdesk.audience.hashing",
    "ListReport": "snapdesk.audience.hashing",
    "Reject": "snapdesk.audience.hashing",
    "SelectedColumn": "snapdesk.audience.hashing",
    "hash_file": "snapdesk.audience.hashing",
    "output_path_for": "snapdesk.audience.hashing",
    "select_columns": "snapdesk.audience.hashing",
    "EMAIL_SHA256": "snapdesk.audience.normalize",
    "MOBILE_AD_ID_SHA256": "snapdesk.audience.normalize",
    "PHONE_SHA256": "snapdesk.audience.normalize",
    "REASONS": "snapdesk.audience.normalize",
    "SCHEMA_FOR_TYPE": "snapdesk.audience.normalize",
    "Normalized": "snapdesk.audience.normalize",
    "Rejected": "snapdesk.audience.normalize",
    "hash_identifier": "snapdesk.audience.normalize",
    "normalize_email": "snapdesk.audience.normalize",
    "normalize_maid": "snapdesk.audience.normalize",
    "normalize_phone": "snapdesk.audience.normalize",
    "sha256_hex": "snapdesk.audience.normalize",
    "RETENTION_DEFAULT": "snapdesk.audience.upload",
    "RETENTION_LIFETIME": "snapdesk.audience.upload",
    "UploadResult": "snapdesk.audience.upload",
    "hashed_lists": "snapdesk.audience.upload",
    "new_segment_fields": "snapdesk.audience.upload",
    "read_hash_file": "snapdesk.audience.upload",
    "rehearse_upload": "snapdesk.audience.upload",
    "run_upload": "snapdesk.audience.upload",
    "start_upload": "snapdesk.audience.upload",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'snapdesk.audience' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


if TYPE_CHECKING:
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
