"""The one bounded reader of request bodies, and the one bounded JSON parser.

`BodyGuard` is the outermost middleware of the sandbox app. For every HTTP request it reads the
body incrementally, refusing it with 413 as soon as it passes the limit of its route (or at once,
when Content-Length already says so), and with 408 when the client stops sending; nothing past
the limit is ever buffered. The body it read is then replayed to the app, so every handler
(Starlette's `request.body()`, the /v1 middleware, the raw /v3 app) reads that bounded copy.

`parse_json` refuses JSON that would crash or stall Python's decoder or the code after it: nesting
deeper than `MAX_JSON_DEPTH`, numbers longer than `MAX_NUMBER_CHARS` (a 5,000-digit integer makes
`int()` raise), non-finite numbers (`1e999`, `NaN`, `Infinity`) and invalid UTF-8. The guard
applies it to every JSON-looking body up front and hands the parsed value on in the request state,
so even a handler that calls `json.loads` itself only ever sees vetted JSON.

Refusals use the envelope of the API that was called: Snap's error envelope for /v1 and the
control plane, the Conversions API's `{"status": "INVALID", "reason"}` for /v3, and OAuth's
`{"error", "error_description"}` for /login/oauth2/.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from snapdesk.sandbox._common import dumps, new_uuid
from snapdesk.sandbox.errors import SnapApiError, bad_request
from snapdesk.sandbox.state import SIMPLE_UPLOAD_MAX

MiB = 1024 * 1024

# Media uploads (simple upload and each part of a chunked upload) carry at most 32 MB of file:
# Snap's media docs, "32MB max size, up to 1 GB allowed using chunked upload", and the maximum part
# size of multipart-upload-v2 is 32 MB (reference/snap-api.md §3.7, §3.8). The sandbox refuses
# larger files itself (state.SIMPLE_UPLOAD_MAX); 1 MiB more leaves room for the multipart framing
# and the other form fields.
UPLOAD_BODY_MAX = SIMPLE_UPLOAD_MAX + 1 * MiB
# Other /v1 and /v3 bodies are JSON. The largest a client legitimately sends is a segment user
# upload: Snap's documented maximum is 100,000 identifiers per request (reference/snap-api.md §5),
# about 7 MB of SHA-256 hex in the `data` rows, 8.5 MB pretty-printed. 16 MiB is the emulator's own
# bound above that. Snap documents no size limit for the Conversions API; the same bound applies.
JSON_BODY_MAX = 16 * MiB
# The control plane (/__sandbox__/) takes small knob objects and OAuth takes short forms: the
# emulator's own bound, far above anything they need.
SMALL_BODY_MAX = 1 * MiB
# No JSON Snap documents nests deeper than about six levels (targeting: targeting > geos > [ ] >
# { } ...); 64 is the emulator's own bound, far below where Python's decoder (about 1,000 levels)
# or later recursive code (copying, recording, encoding) would fail.
MAX_JSON_DEPTH = 64
# No Snap value needs more than an int64 (19 digits) or a double (17 significant digits plus sign,
# point and exponent); 64 characters is the emulator's own bound, far below the 4,300 digits at
# which Python's int() refuses a string.
MAX_NUMBER_CHARS = 64
# A body must keep arriving: at most BODY_IDLE_TIMEOUT seconds between two chunks (nginx's
# client_body_timeout is the model; 60 s there, 10 s here since the sandbox only serves loopback)
# and BODY_TOTAL_TIMEOUT seconds in all (32 MB over loopback takes milliseconds). Both are the
# emulator's own bounds.
BODY_IDLE_TIMEOUT = 10.0
BODY_TOTAL_TIMEOUT = 60.0
# The request line and headers must be complete within this many seconds of the connection
# opening or of the previous answer (the emulator's own bound; server.py enforces it over HTTP).
HEADER_TIMEOUT = 10.0

JSON_STATE_KEY = "sandbox.json"  # the parsed body, in scope["state"], when the guard parsed it

_UPLOAD_PATH = re.compile(r"(?:/us)?/v1/media/[^/]+/(?:upload|multipart-upload-v2)/?")
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_JSON_STARTS = tuple(bytes([b]) for b in b'{["-0123456789tfnNI')


@dataclass(frozen=True)
class BodyLimits:
    """The bounds `BodyGuard` applies (the defaults above; tests may shorten the timeouts)."""

    upload_bytes: int = UPLOAD_BODY_MAX
    json_bytes: int = JSON_BODY_MAX
    small_bytes: int = SMALL_BODY_MAX
    idle_timeout: float = BODY_IDLE_TIMEOUT
    total_timeout: float = BODY_TOTAL_TIMEOUT
    header_timeout: float = HEADER_TIMEOUT

    def for_path(self, path: str) -> int:
        if _UPLOAD_PATH.fullmatch(path):
            return self.upload_bytes
        if path.startswith(("/v1/", "/us/v1/", "/v3/")):
            return self.json_bytes
        return self.small_bytes


class BodyRefused(Exception):
    """The body was not read: too large (413) or too slow (408)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def too_large(limit: int) -> BodyRefused:
    return BodyRefused(
        413, "E1003", f"The request body is larger than this endpoint's limit of {limit} bytes"
    )


async def read_bounded(receive: Receive, *, limit: int, limits: BodyLimits) -> bytes:
    """The request body, read chunk by chunk; BodyRefused past `limit` bytes or on a stall.

    A client that disconnects mid-body gets what was read so far (nobody is left to answer).
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limits.total_timeout
    body = bytearray()
    while True:
        wait = min(limits.idle_timeout, deadline - loop.time())
        try:
            if wait <= 0:
                raise TimeoutError
            message = await asyncio.wait_for(receive(), wait)
        except TimeoutError:
            raise BodyRefused(
                408,
                "E1004",
                f"The request body did not arrive in time (at most {limits.idle_timeout:g} s "
                f"between chunks, {limits.total_timeout:g} s in all)",
            ) from None
        if message["type"] != "http.request":
            return bytes(body)
        chunk = message.get("body", b"")
        if len(body) + len(chunk) > limit:
            raise too_large(limit)
        body += chunk
        if not message.get("more_body", False):
            return bytes(body)


class _Hostile(ValueError):
    pass


def _parse_int(text: str) -> int:
    if len(text) > MAX_NUMBER_CHARS:
        raise _Hostile(f"a number is longer than {MAX_NUMBER_CHARS} characters")
    return int(text)


def _parse_float(text: str) -> float:
    if len(text) > MAX_NUMBER_CHARS:
        raise _Hostile(f"a number is longer than {MAX_NUMBER_CHARS} characters")
    value = float(text)
    if not math.isfinite(value):
        raise _Hostile(f"the number {text} is out of range")
    return value


def _parse_constant(text: str) -> Any:
    raise _Hostile(f"{text} is not a JSON value")


def _too_deep(raw: bytes) -> bool:
    """True when brackets nest deeper than MAX_JSON_DEPTH.

    Strings are cut out, then matched innermost pairs are peeled one level per pass, at C speed.
    Brackets that stop matching before that (unbalanced, mismatched) are left to json.loads,
    which refuses them.
    """
    brackets = _STRING.sub(b"", raw).translate(None, _NOT_BRACKETS)
    for _ in range(MAX_JSON_DEPTH):
        peeled = brackets.replace(b"[]", b"").replace(b"{}", b"")
        if peeled == brackets:
            return False
        brackets = peeled
    return bool(brackets)


class _Malformed(ValueError):
    pass


def _decode(raw: bytes) -> Any:
    """`raw` as JSON; _Hostile past the bounds above, _Malformed when it is not JSON at all."""
    if _too_deep(raw):
        raise _Hostile(f"it nests deeper than {MAX_JSON_DEPTH} levels")
    try:
        return json.loads(
            raw,
            parse_int=_parse_int,
            parse_float=_parse_float,
            parse_constant=_parse_constant,
        )
    except _Hostile:
        raise
    except RecursionError:  # unbalanced brackets deep enough to exhaust the decoder
        raise _Malformed from None
    except ValueError:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise _Malformed from None


def parse_json(raw: bytes) -> Any:
    """`raw` decoded as JSON within the bounds above; else a 400 E1002 SnapApiError."""
    try:
        return _decode(raw)
    except _Hostile as exc:
        raise hostile_json(str(exc)) from None
    except _Malformed:
        raise bad_request("E1002", "The request body is not valid JSON") from None


def hostile_json(why: str) -> SnapApiError:
    return bad_request("E1002", f"The request body is refused: {why}")


def json_of(scope: Scope, raw: bytes) -> Any:
    """The body as JSON: the guard's parse when it made one, else `parse_json(raw)`."""
    state = scope.get("state")
    if isinstance(state, dict) and JSON_STATE_KEY in state:
        return state[JSON_STATE_KEY]
    return parse_json(raw)


def _vetted_as_json(path: str, content_type: str, raw: bytes) -> bool:
    """Whether the guard parses this body as JSON before the app sees it.

    Every route but the media uploads parses its body as JSON (or as a short form), whatever the
    Content-Type says, so every body that is or starts like a JSON value is vetted.
    """
    if _UPLOAD_PATH.fullmatch(path):
        return False
    return "json" in content_type or raw.lstrip()[:1] in _JSON_STARTS


def _refusal(path: str, status: int, code: str, message: str) -> tuple[int, bytes, str]:
    """The refusal (status, body, request id) in the envelope of the API `path` belongs to."""
    request_id = new_uuid()
    if path.startswith("/v3/"):
        return status, dumps({"status": "INVALID", "reason": message}), request_id
    if path.startswith("/login/oauth2/"):
        body = {"error": "invalid_request", "error_description": message}
        return status, dumps(body), request_id
    display = (
        "The request is invalid: " + message
        if status == 400
        else "We're sorry, but the request could not be completed"
    )
    error = SnapApiError(status, code, message, display_message=display)
    body = {
        "request_status": "ERROR",
        "request_id": request_id,
        "debug_message": error.debug_message,
        "display_message": error.display_message,
        "error_code": error.error_code,
    }
    return status, dumps(body), request_id


class BodyGuard:
    """Pure ASGI middleware: bound, read and vet each request body, then replay it to `app`."""

    def __init__(self, app: ASGIApp, limits: BodyLimits | None = None) -> None:
        self.app = app
        self.limits = limits or BodyLimits()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        limit = self.limits.for_path(path)
        try:
            declared = headers.get("content-length")
            if declared is not None and declared.strip().isdigit() and int(declared) > limit:
                raise too_large(limit)
            raw = await read_bounded(receive, limit=limit, limits=self.limits)
        except BodyRefused as exc:
            # The rest of the body is never read, so the connection cannot carry another request.
            await self._answer(send, *_refusal(path, exc.status, exc.code, exc.message), close=True)
            return
        scope_state = dict(scope.get("state") or {})
        content_type = headers.get("content-type", "").lower()
        if raw.strip() and _vetted_as_json(path, content_type, raw):
            try:
                scope_state[JSON_STATE_KEY] = _decode(raw)
            except _Hostile as exc:
                error = hostile_json(str(exc))
                await self._answer(send, *_refusal(path, 400, "E1002", error.debug_message))
                return
            except _Malformed:
                pass  # merely malformed: each API answers that in its own words
        inner: Scope = {**scope, "state": scope_state}
        await self.app(inner, _replay(raw, receive), send)

    @staticmethod
    async def _answer(
        send: Send, status: int, body: bytes, request_id: str, *, close: bool = False
    ) -> None:
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"x-request-id", request_id.encode()),
        ]
        if close:
            headers.append((b"connection", b"close"))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _replay(raw: bytes, receive: Receive) -> Receive:
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": raw, "more_body": False}
        return await receive()  # after the body: wait for the real disconnect

    return replay
