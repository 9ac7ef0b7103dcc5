"""The request pipeline in front of the /v1 routes.

For every /v1 (and /us/v1) request, in order: request id, global latency, faults that fire
before processing, bearer-token auth (401 plain text), the per-token rate limiter (429),
Idempotency-Key replay for writes, the route itself, then faults that fire after processing.
Every request is recorded for `GET /__sandbox__/requests`.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import httpx
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from snapdesk.sandbox._body import json_of
from snapdesk.sandbox._common import JsonObj, dumps, new_uuid, now_iso
from snapdesk.sandbox._knobs import sleep_unless_reset
from snapdesk.sandbox._ratelimit import Verdict
from snapdesk.sandbox.envelopes import error_body
from snapdesk.sandbox.errors import SnapApiError
from snapdesk.sandbox.faults import FaultRule
from snapdesk.sandbox.state import SandboxState, StoredResponse

WRITE_METHODS = frozenset({"POST", "PUT", "DELETE"})
REDACTED = "[redacted]"
RECORDED_JSON_MAX = 256 * 1024  # larger bodies are recorded as json: null (see body_size)

_FAULT_CODES = {400: "E1001", 401: "E3001", 403: "E3002", 404: "E3003", 429: "E1006"}


class DroppedConnection(httpx.RemoteProtocolError):
    """Raised by the sandbox to drop a connection mid-response.

    Over real HTTP, uvicorn aborts the connection after the headers, so the client sees an
    incomplete body (httpx.RemoteProtocolError). In-process via httpx.ASGITransport this
    exception reaches the client itself, with the same type.
    """

    def __init__(self) -> None:
        super().__init__("sandbox fault: the server dropped the connection")


@dataclass
class Reply:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes

    def set_header(self, name: str, value: str) -> None:
        key = name.lower().encode("latin-1")
        self.headers = [(k, v) for k, v in self.headers if k.lower() != key]
        self.headers.append((key, value.encode("latin-1")))


def _json_reply(status: int, body: Any, headers: dict[str, str] | None = None) -> Reply:
    data = dumps(body)
    reply = Reply(
        status,
        [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())],
        data,
    )
    for name, value in (headers or {}).items():
        reply.set_header(name, value)
    return reply


def _text_reply(status: int, text: str) -> Reply:
    data = text.encode()
    return Reply(
        status,
        [
            (b"content-type", b"text/plain; charset=utf-8"),
            (b"content-length", str(len(data)).encode()),
        ],
        data,
    )


def rate_limited_reply(verdict: Verdict, request_id: str) -> Reply:
    error = SnapApiError(
        429,
        "E1006",
        f"Rate limit exceeded: at most {verdict.limit} requests in a burst for this access token",
        display_message="Too many requests. Please wait a moment and try again.",
    )
    return _json_reply(429, error_body(error, request_id=request_id), verdict.headers())


def fault_reply(rule: FaultRule, request_id: str, state: SandboxState) -> Reply:
    status = rule.status or 500
    if rule.body is not None:
        if isinstance(rule.body, str):
            return _text_reply(status, rule.body)
        return _json_reply(status, rule.body)
    if status == 401:
        return _text_reply(401, "unauthorized")
    if status == 429:
        verdict = Verdict(False, state.limiter.burst, 0, int((time.time() + 1.0) * 1000))
        return rate_limited_reply(verdict, request_id)
    code = _FAULT_CODES.get(status, "E5000")
    error = SnapApiError(
        status,
        code,
        f"Injected sandbox fault (HTTP {status})",
        display_message="We're sorry, but something went wrong. Please try again later.",
    )
    return _json_reply(status, error_body(error, request_id=request_id))


class SandboxMiddleware:
    """Pure ASGI middleware; the control plane and unknown prefixes pass straight through."""

    def __init__(self, app: ASGIApp, state: SandboxState) -> None:
        self.app = app
        self.state = state
        self._inflight: dict[tuple[str, str], asyncio.Event] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not (path.startswith(("/v1/", "/us/v1/")) or path == "/v1"):
            await self.app(scope, receive, send)
            return
        request_id = new_uuid()
        scope_state = dict(scope.get("state") or {})
        scope_state["request_id"] = request_id
        inner_scope: Scope = {**scope, "state": scope_state}
        if path.startswith("/us/"):
            inner_scope["path"] = path[3:]
            inner_scope["raw_path"] = path[3:].encode()
        body = await _read_body(receive)
        method = scope["method"].upper()
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        entry = _entry(scope, headers, body, request_id)
        try:
            reply = await self._handle(inner_scope, method, headers, body, request_id)
        except DroppedConnection:
            entry["status"] = None
            entry["dropped"] = True
            self.state.record(entry)
            await _drop(send)
            raise
        entry["status"] = reply.status
        self.state.record(entry)
        if not _has(reply, "x-request-id"):
            reply.set_header("X-Request-Id", request_id)
        await send(
            {"type": "http.response.start", "status": reply.status, "headers": reply.headers}
        )
        await send({"type": "http.response.body", "body": reply.body})

    async def _handle(
        self,
        scope: Scope,
        method: str,
        headers: dict[str, str],
        body: bytes,
        request_id: str,
    ) -> Reply:
        state = self.state
        rule = await delayed_rule(state, method, scope["path"])
        if rule is not None and not rule.after_processing:
            if rule.drop:
                raise DroppedConnection()
            if rule.status is not None:
                return fault_reply(rule, request_id, state)

        token = _bearer(headers.get("authorization", ""))
        if token is None or not state.token_valid(token):
            return _text_reply(401, "unauthorized")
        verdict = state.limiter.take(token)
        if not verdict.allowed:
            return rate_limited_reply(verdict, request_id)

        key = headers.get("idempotency-key") if method in WRITE_METHODS else None
        if key and state.honour_idempotency:
            while (token, key) in self._inflight:  # a retry racing its first attempt
                await self._inflight[(token, key)].wait()
            done = self._inflight[(token, key)] = asyncio.Event()
            try:
                reply = await self._idempotent(scope, method, token, key, body, request_id)
            finally:
                del self._inflight[(token, key)]
                done.set()
        else:
            reply = await self._call_app(scope, body)
            reply.set_header("X-Request-Id", request_id)
        if method in WRITE_METHODS:
            for name, value in verdict.headers().items():
                reply.set_header(name, value)

        if rule is not None and rule.after_processing:
            if rule.drop:
                raise DroppedConnection()
            return fault_reply(rule, request_id, state)
        return reply

    async def _idempotent(
        self, scope: Scope, method: str, token: str, key: str, body: bytes, request_id: str
    ) -> Reply:
        stored = self.state.stored_response(token, key)
        if stored is not None:
            if (stored.method, stored.path) != (method, scope["path"]):
                error = SnapApiError(
                    400,
                    "E1001",
                    f"Idempotency-Key {key!r} was already used for {stored.method} {stored.path}",
                )
                return _json_reply(400, error_body(error, request_id=request_id))
            return Reply(stored.status, list(stored.headers), stored.body)
        reply = await self._call_app(scope, body)
        reply.set_header("X-Request-Id", request_id)
        self.state.store_response(
            token,
            key,
            StoredResponse(method, scope["path"], reply.status, list(reply.headers), reply.body),
        )
        return reply

    async def _call_app(self, scope: Scope, body: bytes) -> Reply:
        status = 500
        headers: list[tuple[bytes, bytes]] = []
        chunks: list[bytes] = []
        delivered = False

        async def receive() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return {"type": "http.disconnect"}

        async def capture(message: Message) -> None:
            nonlocal status, headers
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, capture)
        return Reply(status, headers, b"".join(chunks))


async def delayed_rule(state: SandboxState, method: str, path: str) -> FaultRule | None:
    """Wait the global latency, then the firing fault rule's; return that rule.

    Both waits end early when the sandbox is reset, and the global one follows the knob live.
    """
    if state.latency_ms:
        await sleep_unless_reset(lambda: state.generation, lambda: state.latency_ms)
    rule = state.faults.fire(method, path)
    if rule is not None and rule.latency_ms:
        delay = rule.latency_ms
        await sleep_unless_reset(lambda: state.generation, lambda: delay)
    return rule


def _has(reply: Reply, name: str) -> bool:
    key = name.encode("latin-1")
    return any(k.lower() == key for k, _ in reply.headers)


async def _drop(send: Send) -> None:
    """Start a response that promises a body, send part of it; the caller then raises."""
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json"), (b"content-length", b"4096")],
        }
    )
    await send({"type": "http.response.body", "body": b'{"request_status":', "more_body": True})


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _bearer(value: str) -> str | None:
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _entry(scope: Scope, headers: dict[str, str], body: bytes, request_id: str) -> JsonObj:
    shown = dict(headers)
    if "authorization" in shown:
        scheme = shown["authorization"].partition(" ")[0] or "Bearer"
        shown["authorization"] = f"{scheme} {REDACTED}"
    parsed: Any = None
    if body and len(body) <= RECORDED_JSON_MAX and "json" in headers.get("content-type", "json"):
        try:
            parsed = json_of(scope, body)
        except SnapApiError:
            parsed = None
    query = scope.get("query_string", b"").decode("latin-1")
    return {
        "method": scope["method"].upper(),
        "path": scope["path"],
        "query": dict(parse_qsl(query, keep_blank_values=True)),
        "headers": shown,
        "json": parsed,
        "body_size": len(body),
        "status": None,
        "dropped": False,
        "idempotency_key": headers.get("idempotency-key"),
        "request_id": request_id,
        "at": now_iso(),
    }
