"""Snap's response envelope, unwrapped in one place.

Shapes handled (see reference/snap-api.md §2):
- plural wrapper `{"campaigns": [{"sub_request_status": "SUCCESS", "campaign": {...}}]}`, also on
  single GETs (an array of one) and `media/media`;
- `{"me": {...}}` for `GET /me`; `{"result": {...}}` for media uploads;
- an empty plural array for deletes;
- `request_status` / `sub_request_status` compared case-insensitively; an ERROR anywhere is raised,
  whatever the HTTP status was.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from snapdesk.api.errors import ApiError, error_from_response

__all__ = ["check_envelope", "envelope_failed", "unwrap_items", "unwrap_me", "unwrap_result"]


def _is_success(value: object) -> bool:
    return isinstance(value, str) and value.strip().upper() == "SUCCESS"


def envelope_failed(body: Mapping[str, Any]) -> bool:
    """True if the request or any sub-request did not succeed."""
    status = body.get("request_status")
    if isinstance(status, str) and status.strip().upper() == "ERROR":
        return True
    for value in body.values():
        if not isinstance(value, list):
            continue
        for item in value:
            if isinstance(item, Mapping) and "sub_request_status" in item:
                if not _is_success(item["sub_request_status"]):
                    return True
    return False


def check_envelope(
    body: Any,
    *,
    status: int | None = 200,
    headers: Mapping[str, str] | None = None,
    method: str | None = None,
    path: str | None = None,
) -> dict[str, Any]:
    """Return `body` if it is a successful envelope; raise the mapped `ApiError` otherwise."""
    if not isinstance(body, dict):
        raise ApiError(
            "Snap sent an answer snapdesk can't read (not a JSON object) — try again later",
            status=status,
            method=method,
            path=path,
        )
    if envelope_failed(body):
        raise error_from_response(
            status=status, body=body, headers=headers, method=method, path=path
        )
    return body


def unwrap_items(
    body: Mapping[str, Any], *, plural_key: str, item_key: str
) -> list[dict[str, Any]]:
    """The objects inside a plural wrapper, in order. A missing key or `[]` gives `[]`.

    Items already flat (no `sub_request_status` wrapper) are returned as they are.
    """
    raw = body.get(plural_key)
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise ApiError(
            f"Snap's answer has an unexpected shape ('{plural_key}' is not a list)",
        )
    out: list[dict[str, Any]] = []
    for item in raw:
        if not isinstance(item, dict):
            continue
        inner = item.get(item_key)
        if "sub_request_status" in item or (len(item) == 1 and isinstance(inner, dict)):
            if isinstance(inner, dict):
                out.append(inner)
        else:
            out.append(item)
    return out


def unwrap_me(body: Mapping[str, Any]) -> dict[str, Any]:
    """`GET /me` answers `{"me": {...}}` with no plural wrapper."""
    me = body.get("me")
    if not isinstance(me, dict):
        raise ApiError("Snap's answer to /me has no 'me' object")
    return me


def unwrap_result(body: Mapping[str, Any]) -> dict[str, Any]:
    """Media uploads (simple and chunked FINALIZE) answer `{"result": {...}}`."""
    result = body.get("result")
    if not isinstance(result, dict):
        raise ApiError("Snap's upload answer has no 'result' object")
    return result
