"""Snap's response envelopes, built in one place."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from starlette.responses import Response

from snapdesk.sandbox._common import JsonObj, dumps
from snapdesk.sandbox.errors import BatchError, ItemError, SnapApiError
from snapdesk.sandbox.state import FILES_PREFIX, MEDIA, WRAPPER_KEYS


def json_response(
    body: Any, *, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return Response(dumps(body), status_code=status, media_type="application/json", headers=headers)


def serve(kind: str, obj: JsonObj, base_url: str) -> JsonObj:
    """The object as served; media download links point at the sandbox that serves them."""
    if kind == MEDIA:
        link = obj.get("download_link")
        if isinstance(link, str) and link.startswith(FILES_PREFIX):
            return {**obj, "download_link": base_url + link}
    return obj


def plural(
    kind: str,
    objs: Iterable[JsonObj],
    *,
    request_id: str,
    base_url: str,
    paging: JsonObj | None = None,
) -> JsonObj:
    """`{"request_status","request_id",["paging"],"<plural>":[{"sub_request_status","<item>"}]}`."""
    plural_key, item_key = WRAPPER_KEYS[kind]
    body: JsonObj = {"request_status": "SUCCESS", "request_id": request_id}
    if paging is not None:
        body["paging"] = paging
    body[plural_key] = [
        {"sub_request_status": "SUCCESS", item_key: serve(kind, obj, base_url)} for obj in objs
    ]
    return body


def error_body(error: SnapApiError, *, request_id: str) -> JsonObj:
    return {
        "request_status": "ERROR",
        "request_id": request_id,
        "debug_message": error.debug_message,
        "display_message": error.display_message,
        "error_code": error.error_code,
    }


def error_response(error: SnapApiError, *, request_id: str) -> Response:
    return json_response(error_body(error, request_id=request_id), status=error.status)


def batch_error_response(kind: str, error: BatchError, *, request_id: str) -> Response:
    """Per-item failures: each item ERROR with `sub_request_error_reason`, nothing applied."""
    plural_key, _ = WRAPPER_KEYS[kind]
    not_applied = ItemError("E2012", "Not applied because another item in this request failed")
    body: JsonObj = {
        "request_status": "ERROR",
        "request_id": request_id,
        "debug_message": error.first.message,
        "display_message": "We're sorry, but the request could not be completed",
        "error_code": error.first.code,
        plural_key: [
            {
                "sub_request_status": "ERROR",
                "sub_request_error_reason": (item or not_applied).reason,
            }
            for item in error.items
        ],
    }
    return json_response(body, status=error.status)
