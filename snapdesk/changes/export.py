"""Exporting the change set and the audit log (JSON and CSV)."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from snapdesk.changes.model import AuditEntry, Change
from snapdesk.core.outputs import write_text

Format = Literal["json", "csv"]

CHANGE_COLUMNS = (
    "id",
    "seq",
    "state",
    "ad_account_id",
    "kind",
    "action",
    "entity_id",
    "name",
    "field",
    "before",
    "after",
    "method",
    "path",
    "idempotency_key",
    "body",
)
AUDIT_COLUMNS = (
    "id",
    "at",
    "profile",
    "mode",
    "result",
    "ad_account_id",
    "change_id",
    "kind",
    "action",
    "entity_id",
    "method",
    "path",
    "idempotency_key",
    "response_status",
    "request_body",
    "response_excerpt",
)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def changes_to_json(changes: Sequence[Change]) -> str:
    return json.dumps([c.to_json() for c in changes], ensure_ascii=False, indent=2) + "\n"


def changes_to_csv(changes: Sequence[Change]) -> str:
    """One row per changed field (a create or delete has one row per field / one row)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CHANGE_COLUMNS)
    for change in changes:
        diff = change.diff or []
        rows = [(d.field, d.before, d.after) for d in diff] or [("", None, None)]
        for field, before, after in rows:
            writer.writerow(
                [
                    change.id,
                    change.seq,
                    change.state,
                    change.ad_account_id,
                    change.kind,
                    change.action,
                    change.entity_id,
                    change.label or "",
                    field,
                    _cell(before),
                    _cell(after),
                    change.request.method,
                    change.request.path,
                    change.idempotency_key,
                    _cell(
                        change.request.body
                        if change.request.upload is None
                        else change.request.upload
                    ),
                ]
            )
    return out.getvalue()


def audit_to_json(entries: Sequence[AuditEntry]) -> str:
    return json.dumps([e.to_json() for e in entries], ensure_ascii=False, indent=2) + "\n"


def audit_to_csv(entries: Sequence[AuditEntry]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(AUDIT_COLUMNS)
    for entry in entries:
        row = entry.to_json()
        writer.writerow([_cell(row[c]) for c in AUDIT_COLUMNS])
    return out.getvalue()


def _format_of(path: Path, fmt: Format | None) -> Format:
    if fmt is not None:
        return fmt
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix == ".json":
        return "json"
    raise ValueError(f"{path.name}: choose a .json or .csv file name")


def export_changes(
    changes: Sequence[Change], path: str | os.PathLike[str], *, fmt: Format | None = None
) -> Path:
    """Write the change set to `path` (format from `fmt` or the file's suffix)."""
    target = Path(path)
    text = changes_to_csv(changes) if _format_of(target, fmt) == "csv" else changes_to_json(changes)
    # atomic and owner-only: request bodies may carry hashed identifiers
    return write_text(target, text, private=True, shown=os.fspath(path))


def export_audit(
    entries: Sequence[AuditEntry], path: str | os.PathLike[str], *, fmt: Format | None = None
) -> Path:
    target = Path(path)
    text = audit_to_csv(entries) if _format_of(target, fmt) == "csv" else audit_to_json(entries)
    return write_text(target, text, private=True, shown=os.fspath(path))
