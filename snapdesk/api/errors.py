"""The exception tree of the Snap client and the one function that maps responses onto it.

Every exception carries `.message`: one line a user can act on (`str(e) == e.message`). Snap's own
texts are kept in `debug_message`. No message ever contains an access token.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

__all__ = [
    "ApiError",
    "AuthError",
    "BadRequest",
    "ConnectionFailed",
    "ForeignHostError",
    "NotFound",
    "PermissionError",
    "RateLimited",
    "ServerError",
    "SnapError",
    "StatsQueryError",
    "Timeout",
    "error_from_response",
    "parse_error_reason",
    "retry_after_seconds",
]


class SnapError(Exception):
    """Base of everything the client raises. `message` is safe to show to a user.

    `maybe_processed` is set on a write that failed in a way that doesn't tell whether Snap
    acted on it (a 5xx, or a connection that broke after the request went out): the write
    gateway then checks Snap before sending it again instead of trusting a retry."""

    maybe_processed: bool = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class ApiError(SnapError):
    """Snap answered, and the answer was an error (any HTTP status, including 200 + ERROR)."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        error_code: str | None = None,
        request_id: str | None = None,
        debug_message: str | None = None,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.request_id = request_id
        self.debug_message = debug_message
        self.method = method
        self.path = path

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.message!r}, status={self.status!r}, "
            f"error_code={self.error_code!r}, request_id={self.request_id!r}, "
            f"method={self.method!r}, path={self.path!r})"
        )


class BadRequest(ApiError):
    """HTTP 400, or a per-item validation error."""


class StatsQueryError(BadRequest):
    """E1008 "Unsupported Stats Query": the message is Snap's own text."""


class AuthError(ApiError):
    """HTTP 401: the access token was rejected."""


class PermissionError(ApiError):
    """HTTP 403 / E3002: the user lacks a role on the resource."""


class NotFound(ApiError):
    """HTTP 404 / E3003 / E3004."""


class RateLimited(ApiError):
    """HTTP 429. `retry_after` is how long Snap asked us to wait, in seconds, if it said."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ServerError(ApiError):
    """HTTP 5xx."""


class ForeignHostError(ApiError):
    """A link from Snap (a `paging.next_link`) points at another scheme, host or port.

    Nothing is sent there, so the bearer token never leaves Snap's host.
    """


class ConnectionFailed(SnapError):
    """The request never got an HTTP answer (DNS, refused, reset, peer closed the connection)."""


class Timeout(SnapError):
    """Snap did not answer within the client's timeout."""


_REASON_RE = re.compile(r"Error code:\s*(?P<code>E\d+)\s*,\s*message:\s*(?P<msg>.*)", re.S)
_CODE_RE = re.compile(r"\b(E\d{4})\b")

_NOT_FOUND_CODES = {"E3003", "E3004"}
_PERMISSION_CODES = {"E3002"}
_STATS_CODES = {"E1008"}


def parse_error_reason(reason: str) -> tuple[str | None, str]:
    """Split Snap's `sub_request_error_reason` ("Error code: E3004, message: ...")."""
    match = _REASON_RE.search(reason)
    if match:
        return match.group("code"), match.group("msg").strip()
    code = _CODE_RE.search(reason)
    return (code.group(1) if code else None), reason.strip()


def _header(headers: Mapping[str, str] | None, name: str) -> str | None:
    if not headers:
        return None
    lowered = name.lower()
    for key, value in headers.items():
        if key.lower() == lowered:
            return value
    return None


def retry_after_seconds(headers: Mapping[str, str] | None) -> float | None:
    """`Retry-After` as seconds (delta-seconds or an HTTP date), or None."""
    raw = _header(headers, "Retry-After")
    if raw is None:
        return None
    raw = raw.strip()
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _rate_limit_wait(headers: Mapping[str, str] | None) -> float | None:
    """`Retry-After`, else the time until `X-Rate-Limit-Reset` (epoch ms), capped at 60 s."""
    seconds = retry_after_seconds(headers)
    if seconds is not None:
        return seconds
    raw = _header(headers, "X-Rate-Limit-Reset")
    if raw is None:
        return None
    try:
        reset = float(raw.strip()) / 1000.0
    except ValueError:
        return None
    return min(60.0, max(0.0, reset - datetime.now(UTC).timestamp()))


def _coerce_body(body: Any) -> Any:
    if isinstance(body, bytes | bytearray):
        body = body.decode("utf-8", errors="replace")
    if isinstance(body, str):
        text = body.strip()
        if text.startswith("{"):
            try:
                return json.loads(text)
            except ValueError:
                return text
        return text
    return body


def _first_item_error(body: Mapping[str, Any]) -> tuple[str | None, str] | None:
    """The first per-item error in a plural wrapper, as (code, message)."""
    for value in body.values():
        if not isinstance(value, list):
            continue
        for item in value:
            if not isinstance(item, Mapping):
                continue
            status = item.get("sub_request_status")
            if isinstance(status, str) and status.upper() != "SUCCESS":
                reason = item.get("sub_request_error_reason")
                if isinstance(reason, str) and reason.strip():
                    return parse_error_reason(reason)
                return None, f"Snap reported {status.upper()} for one of the items"
    return None


def _one_line(text: str, limit: int = 300) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def error_from_response(
    *,
    status: int | None,
    body: Any,
    headers: Mapping[str, str] | None,
    method: str | None,
    path: str | None,
) -> ApiError:
    """Map an HTTP status, a Snap error body and its headers onto the exception tree.

    Handles top-level errors (`request_status: ERROR` with `error_code`, `debug_message`,
    `display_message`), per-item errors (`sub_request_status: ERROR` with
    `sub_request_error_reason`), HTTP 200 bodies that are errors, and non-JSON bodies (Snap's 401
    may be the plain text `unauthorized`).
    """
    body = _coerce_body(body)
    code: str | None = None
    snap_text: str | None = None
    request_id = _header(headers, "X-Request-Id")
    if isinstance(body, Mapping):
        raw_code = body.get("error_code")
        code = raw_code if isinstance(raw_code, str) and raw_code else None
        for key in ("debug_message", "display_message", "message", "msg", "error"):
            value = body.get(key)
            if isinstance(value, str) and value.strip():
                snap_text = value.strip()
                break
        rid = body.get("request_id")
        if isinstance(rid, str) and rid:
            request_id = rid
        item_error = _first_item_error(body)
        if item_error is not None:
            item_code, item_text = item_error
            code = code or item_code
            snap_text = item_text if item_text else snap_text
    elif isinstance(body, str) and body:
        snap_text = body
    if snap_text is not None:
        snap_text = _one_line(snap_text)
    kwargs: dict[str, Any] = {
        "status": status,
        "error_code": code,
        "request_id": request_id,
        "debug_message": snap_text,
        "method": method,
        "path": path,
    }
    code_note = f" ({code})" if code else ""
    said = f": {snap_text}" if snap_text else ""

    if status == 401:
        return AuthError("Snap rejected the access token — sign in again", **kwargs)
    if status == 429:
        return RateLimited(
            "Snap is rate-limiting requests; snapdesk will slow down",
            retry_after=_rate_limit_wait(headers),
            **kwargs,
        )
    if status is not None and status >= 500:
        return ServerError(
            f"Snap's servers had a problem (HTTP {status}) — try again in a few minutes",
            **kwargs,
        )
    if code in _STATS_CODES:
        return StatsQueryError(snap_text or "Unsupported Stats Query", **kwargs)
    if code in _PERMISSION_CODES or status == 403:
        return PermissionError(
            f"You don't have permission for this ad account{code_note} — ask an admin for a role",
            **kwargs,
        )
    if code in _NOT_FOUND_CODES or status == 404:
        return NotFound(
            f"Snap can't find this item or you can't access it{code_note} — "
            "refresh the account to update the list",
            **kwargs,
        )
    if status is not None and 400 <= status < 500:
        return BadRequest(f"Snap rejected the request{code_note}{said}", **kwargs)
    if code is not None:
        # HTTP 200 with an error code inside: a validation error of the request or an item.
        return BadRequest(f"Snap rejected the request{code_note}{said}", **kwargs)
    return ApiError(f"Snap reported an error{said}", **kwargs)
