"""The control plane under /__sandbox__/: reset and seed, faults, knobs, recorded requests.

It needs no token and is never rate limited, faulted or recorded. Every value is checked by
`_knobs.py` (finite, in range) before anything changes; a refused value changes nothing.

    POST   /__sandbox__/reset               {"seed": 42, "scale": "demo"}  everything back to start
    POST   /__sandbox__/seed                same, but tokens, faults and knobs are kept
    GET    /__sandbox__/faults              the active fault rules
    POST   /__sandbox__/faults              one rule (see faults.FaultRule) or {"faults": [...]}
    DELETE /__sandbox__/faults              remove all rules
    POST   /__sandbox__/latency             {"ms": N}  added to every /v1 request (0..120000)
    POST   /__sandbox__/rate_limit          {"per_second": N|null, "burst": N}
    GET    /__sandbox__/requests            recorded /v1 requests (Authorization redacted)
    DELETE /__sandbox__/requests
    GET    /__sandbox__/state/summary       counts per kind and per ad account
    POST   /__sandbox__/permissions         {"ad_account_id": ..., "deny": true}  -> 403 E3002
    POST   /__sandbox__/segment_processing  {"seconds": N}  PROCESSING -> COMPLETE delay
    POST   /__sandbox__/segments/{id}/ready {"users": N?}   a segment (lookalike) becomes READY
    POST   /__sandbox__/tokens              {"token": ..., "expires_in": S | "expires_at": epoch}
    POST   /__sandbox__/tokens/revoke       {"token": ...}
    GET    /__sandbox__/files/{media_id}/{file_name}   media bytes (a placeholder when seeded)
"""

from __future__ import annotations

import struct
import time
import zlib
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from snapdesk.sandbox import _knobs as knobs
from snapdesk.sandbox._body import json_of
from snapdesk.sandbox.envelopes import error_response, json_response
from snapdesk.sandbox.errors import SnapApiError, bad_request, not_found
from snapdesk.sandbox.faults import parse_rule
from snapdesk.sandbox.routes import request_id_of
from snapdesk.sandbox.state import MEDIA, SandboxState

PREFIX = "/__sandbox__"


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    body = json_of(request.scope, raw)
    if not isinstance(body, dict):
        raise bad_request("E1002", "The request body must be a JSON object")
    return body


def placeholder_png(seed_text: str, *, width: int = 54, height: int = 96) -> bytes:
    """A small solid-colour PNG (9:16), its colour derived from `seed_text`."""
    crc = zlib.crc32(seed_text.encode())
    pixel = bytes(((crc >> 16) & 0xFF, (crc >> 8) & 0xFF, crc & 0xFF))
    raw = b"".join(b"\x00" + pixel * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


class ControlPlane:
    def __init__(self, state: SandboxState) -> None:
        self.state = state

    async def _guard(self, request: Request, handler: Any) -> Response:
        try:
            response: Response = await handler(request)
            return response
        except SnapApiError as exc:
            return error_response(exc, request_id=request_id_of(request))
        except (TypeError, ValueError) as exc:
            return error_response(bad_request("E1002", str(exc)), request_id=request_id_of(request))

    def _wrap(self, handler: Any) -> Any:
        async def wrapped(request: Request) -> Response:
            return await self._guard(request, handler)

        return wrapped

    async def index(self, request: Request) -> Response:
        return json_response({"sandbox": "snapdesk Snap Marketing API emulator", "api": "/v1"})

    async def reset(self, request: Request) -> Response:
        body = await _body(request)
        seed, scale = knobs.seed_and_scale(body)  # checked before anything is reset
        if request.url.path.endswith("/reset"):
            self.state.reset(seed=seed, scale=scale)
        else:
            self.state.reseed(seed=seed, scale=scale)
        return json_response({"ok": True, "summary": self.state.summary()})

    async def faults(self, request: Request) -> Response:
        if request.method == "POST":
            body = await _body(request)
            specs = body["faults"] if isinstance(body.get("faults"), list) else [body]
            rules = [parse_rule(spec) for spec in specs]
            for rule in rules:
                self.state.faults.add(rule)
        elif request.method == "DELETE":
            self.state.faults.clear()
        return json_response({"faults": [rule.describe() for rule in self.state.faults.rules()]})

    async def latency(self, request: Request) -> Response:
        body = await _body(request)
        ms = knobs.number(body, "ms", low=0, high=knobs.MAX_LATENCY_MS, default=0)
        self.state.latency_ms = round(ms or 0)
        return json_response({"ms": self.state.latency_ms})

    async def idempotency(self, request: Request) -> Response:
        """`{"honour": false}`: answer every write afresh, as an API without Idempotency-Key
        support would (is Snap's support verified? no — see SandboxState.honour_idempotency)."""
        body = await _body(request)
        honour = body.get("honour", True)
        if not isinstance(honour, bool):
            raise bad_request("E1002", "'honour' must be true or false")
        self.state.honour_idempotency = honour
        return json_response({"honour": honour})

    async def rate_limit(self, request: Request) -> Response:
        body = await _body(request)
        per_second = knobs.number(
            body,
            "per_second",
            low=0,
            high=knobs.MAX_PER_SECOND,
            low_open=True,
            nullable=True,
            default=10.0,
        )
        burst = knobs.integer(body, "burst", low=1, high=knobs.MAX_BURST, default=10) or 1
        self.state.limiter.configure(per_second=per_second, burst=burst)
        return json_response({"per_second": per_second, "burst": burst})

    async def requests(self, request: Request) -> Response:
        if request.method == "DELETE":
            self.state.requests.clear()
            return json_response([])
        return json_response(self.state.recorded())

    async def summary(self, request: Request) -> Response:
        return json_response(self.state.summary())

    async def permissions(self, request: Request) -> Response:
        body = await _body(request)
        account_id = knobs.text(body, "ad_account_id") or ""
        self.state.set_permission(account_id, deny=knobs.boolean(body, "deny", default=True))
        return json_response({"denied_ad_accounts": sorted(self.state.denied_accounts)})

    async def segment_processing(self, request: Request) -> Response:
        body = await _body(request)
        seconds = knobs.number(
            body, "seconds", low=0, high=knobs.MAX_PROCESSING_SECONDS, default=2.0
        )
        seconds = seconds or 0.0
        self.state.segment_processing_seconds = seconds
        return json_response({"seconds": seconds})

    async def segment_ready(self, request: Request) -> Response:
        body = await _body(request)
        users = knobs.integer(body, "users", low=0, high=10**10, default=None, nullable=True)
        segment = self.state.make_segment_ready(request.path_params["segment_id"], users)
        return json_response({"segment": segment})

    async def tokens(self, request: Request) -> Response:
        body = await _body(request)
        token = knobs.text(body, "token") or ""
        if request.url.path.endswith("/revoke"):
            self.state.revoke_token(token)
            return json_response({"revoked": True})
        expires_at = knobs.number(
            body, "expires_at", low=0, high=knobs.MAX_EPOCH_SECONDS, nullable=True, default=None
        )
        expires_in = knobs.number(
            body, "expires_in", low=0, high=knobs.MAX_TOKEN_SECONDS, nullable=True, default=None
        )
        if expires_in is not None:
            expires_at = time.time() + expires_in
        self.state.add_token(token, expires_at)
        return json_response({"token_added": True, "expires_at": expires_at})

    async def files(self, request: Request) -> Response:
        media_id = request.path_params["media_id"]
        media = self.state.collections[MEDIA].objects.get(media_id)
        if media is None or media.get("file_name") != request.path_params["file_name"]:
            raise not_found(f"file of media {media_id}")
        stored = self.state.media_file(media_id)
        if stored is not None:
            content_type, data = stored
            return Response(data, media_type=content_type)
        return Response(placeholder_png(media_id), media_type="image/png")

    def routes(self) -> list[Route]:
        w = self._wrap
        return [
            Route(f"{PREFIX}/", w(self.index), methods=["GET"]),
            Route(f"{PREFIX}/reset", w(self.reset), methods=["POST"]),
            Route(f"{PREFIX}/seed", w(self.reset), methods=["POST"]),
            Route(f"{PREFIX}/faults", w(self.faults), methods=["GET", "POST", "DELETE"]),
            Route(f"{PREFIX}/latency", w(self.latency), methods=["POST"]),
            Route(f"{PREFIX}/rate_limit", w(self.rate_limit), methods=["POST"]),
            Route(f"{PREFIX}/idempotency", w(self.idempotency), methods=["POST"]),
            Route(f"{PREFIX}/requests", w(self.requests), methods=["GET", "DELETE"]),
            Route(f"{PREFIX}/state/summary", w(self.summary), methods=["GET"]),
            Route(f"{PREFIX}/permissions", w(self.permissions), methods=["POST"]),
            Route(f"{PREFIX}/segment_processing", w(self.segment_processing), methods=["POST"]),
            Route(
                f"{PREFIX}/segments/{{segment_id}}/ready", w(self.segment_ready), methods=["POST"]
            ),
            Route(f"{PREFIX}/tokens", w(self.tokens), methods=["POST"]),
            Route(f"{PREFIX}/tokens/revoke", w(self.tokens), methods=["POST"]),
            Route(f"{PREFIX}/files/{{media_id}}/{{file_name}}", w(self.files), methods=["GET"]),
        ]
