"""The Conversions API v3 emulator: `/v3/{asset_id}/events`, `/events/validate`,
`/events/validate/logs`, `/events/validate/stats`.

Stands alone (no snapdesk.conversions, no snapdesk.api): a bug shared with the client would hide.

Behaviour (Snap's where recorded in seed 003 and the reference, the sandbox's own otherwise):
- The token is the `access_token` query parameter. Two kinds are accepted:
  * Conversions API tokens (`SANDBOX_CAPI_TOKEN`, or any added with
    `POST /__sandbox__/capi/tokens {"token", "assets": [...]}`), each owning some pixels and apps.
    An asset the token does not own answers `{"status": "INVALID", "reason": "Unauthorized
    resources"}` (HTTP 403), as seed 003 quotes for Conversions API token authentication.
  * OAuth access tokens the v1 sandbox accepts (`SANDBOX_TOKEN`, added or expiring ones). Any
    asset id in UUID form is accepted; another id answers the OAuth shape seed 003 quotes: reason
    "At least one of the events is invalid." with code 523 "The provided asset id must be valid
    UUID format." (HTTP 400).
  A missing or unknown token answers HTTP 401 `{"status": "INVALID", "reason": ...}`.
- `user_data.anon_id` fails the whole request: "Request parsing failed. Ensure the request body
  is correctly formatted." (HTTP 400), as seed 003 records. So does a body that is not
  `{"data": [...]}`.
- Each event is checked (required fields, event names, `event_time` within 37 days, hashed PII
  as SHA-256 hex, IP never hashed, PURCHASE needs currency and value, web events need
  `event_source_url`, app events need `app_data` with a 16-element extinfo starting i2/a2, at
  least one identifier). A send with an invalid event is rejected whole (HTTP 400, INVALID,
  `event` = its 1-based number, `errors`), nothing processed; a valid send answers HTTP 200
  `{"status": "VALID", "reason": "Events have been processed successfully."}`.
- `/events/validate` never processes events: it answers `test_event: true` and `event_logs`, one
  per event (1-based `event`), and keeps them 24 hours for `/validate/logs`.
- Live events are deduplicated by (asset, `event_id`): a repeated id is accepted and not counted
  again. `/validate/stats` counts test and live events of the past hour.
- Error codes other than 523 are the sandbox's own (Snap's list is not public):
  901 missing field, 902 unknown event name, 903 event time out of range, 904 unhashed or
  malformed PII, 905 purchase without currency/value, 906 app data invalid, 907 no identifier,
  908 invalid value.
- Faults (`POST /__sandbox__/faults`, path globs like `/v3/*/events`) apply here too, including
  `after_processing` and dropped connections. Every request is recorded for
  `GET /__sandbox__/requests`, with the token shown as "[redacted]".
- CAPI data is cleared whenever the sandbox is reset or reseeded, or by
  `POST /__sandbox__/capi/reset`. `GET /__sandbox__/capi/events` lists what was received.
"""

from __future__ import annotations

import re
import threading
import time
import weakref
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import Receive, Scope, Send

from snapdesk.sandbox._body import parse_json
from snapdesk.sandbox._common import JsonObj, dumps, new_uuid, now_iso
from snapdesk.sandbox._knobs import MAX_TEXT
from snapdesk.sandbox._middleware import REDACTED, DroppedConnection, delayed_rule
from snapdesk.sandbox.errors import SnapApiError
from snapdesk.sandbox.faults import FaultRule
from snapdesk.sandbox.state import AD_SQUAD, SandboxState

__all__ = [
    "DEMO_PIXEL_ID",
    "DEMO_SNAP_APP_ID",
    "SANDBOX_CAPI_TOKEN",
    "CapiState",
    "capi_routes",
    "capi_state",
]

SANDBOX_CAPI_TOKEN: Final = "sandbox-capi-token"
DEMO_PIXEL_ID: Final = "5bf81ee1-15b1-4dc1-b636-d7dae49b950e"
DEMO_SNAP_APP_ID: Final = "0d8d4c3a-6f0e-4b8e-9a53-2c1f6f1e7a10"

MAX_AGE_S: Final = 37 * 24 * 3600
FUTURE_S: Final = 24 * 3600
LOG_RETENTION_S: Final = 24 * 3600
STATS_WINDOW_S: Final = 3600

PARSE_FAILED: Final = "Request parsing failed. Ensure the request body is correctly formatted."
SOME_INVALID: Final = "At least one of the events is invalid."
PROCESSED: Final = "Events have been processed successfully."

EVENT_NAMES: Final = frozenset(
    """PURCHASE SAVE START_CHECKOUT ADD_CART VIEW_CONTENT ADD_BILLING SIGN_UP SEARCH PAGE_VIEW
    SUBSCRIBE AD_CLICK AD_VIEW COMPLETE_TUTORIAL LEVEL_COMPLETE INVITE LOGIN SHARE RESERVE
    ACHIEVEMENT_UNLOCKED ADD_TO_WISHLIST SPENT_CREDITS RATE START_TRIAL LIST_VIEW APP_INSTALL
    APP_OPEN CUSTOM_EVENT_1 CUSTOM_EVENT_2 CUSTOM_EVENT_3 CUSTOM_EVENT_4 CUSTOM_EVENT_5""".split()
)
ACTION_SOURCES: Final = frozenset({"WEB", "MOBILE_APP", "OFFLINE"})
HASHED: Final = ("em", "ph", "fn", "ln", "ge", "ct", "st", "zp", "country", "external_id")
IDENTIFIERS: Final = (
    "em",
    "ph",
    "sc_click_id",
    "client_ip_address",
    "client_user_agent",
    "madid",
    "mobile_ad_id",
)

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_IPV4 = re.compile(r"(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}")
_ROUTE = re.compile(r"(?:/v3)?/(?P<asset>[^/]+)/events(?P<rest>/validate(?:/logs|/stats)?)?/?")
_CURRENCY = re.compile(r"[A-Z]{3}")


@dataclass
class Received:
    asset_id: str
    event: JsonObj
    at: float
    test: bool
    status: str = "VALID"
    errors: list[str] = field(default_factory=list)
    duplicate: bool = False


class CapiState:
    """What the CAPI emulator received, and its tokens. Thread-safe."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.tokens: dict[str, set[str] | None] = {}
        self.received: list[Received] = []
        self.seen: dict[tuple[str, str], float] = {}
        self._marker: object = None
        self.clear()

    def clear(self) -> None:
        with self.lock:
            self.tokens = {SANDBOX_CAPI_TOKEN: None}  # None: the demo assets
            self.received.clear()
            self.seen.clear()

    def add_token(self, token: str, assets: list[str]) -> None:
        with self.lock:
            self.tokens[token] = set(assets)

    def live_events(self, asset_id: str | None = None) -> list[Received]:
        with self.lock:
            return [
                r
                for r in self.received
                if not r.test and not r.duplicate and (asset_id is None or r.asset_id == asset_id)
            ]


_STATES: weakref.WeakKeyDictionary[SandboxState, CapiState] = weakref.WeakKeyDictionary()
_STATES_LOCK = threading.Lock()


def capi_state(state: SandboxState) -> CapiState:
    """The CAPI part of `state`, emptied whenever `state` was reset or reseeded since."""
    with _STATES_LOCK:
        capi = _STATES.get(state)
        if capi is None:
            capi = _STATES[state] = CapiState()
    if capi._marker is not state.seed_info:
        capi.clear()
        capi._marker = state.seed_info
    return capi


def _demo_assets(state: SandboxState) -> set[str]:
    assets = {DEMO_PIXEL_ID, DEMO_SNAP_APP_ID}
    for squad in state.iter_objects(AD_SQUAD):
        pixel = squad.get("pixel_id")
        if isinstance(pixel, str):
            assets.add(pixel)
    return assets


# ------------------------------------------------------------------------------ checks


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _event_millis(value: Any) -> int | None:
    number = _number(value)
    if number is None or number <= 0:
        return None
    digits = len(str(int(number)))
    if digits <= 11:
        return int(number * 1000)
    if digits <= 14:
        return int(number)
    return None


def check_event(event: Any, *, now: float | None = None) -> list[tuple[str, str]]:
    """(code, message) for every problem of one v3 event; empty when valid."""
    if not isinstance(event, dict):
        return [("901", "Each event must be a JSON object.")]
    errors: list[tuple[str, str]] = []
    current = time.time() if now is None else now
    name = event.get("event_name")
    if not isinstance(name, str) or not name:
        errors.append(("901", "event_name is required."))
    elif name.upper() not in EVENT_NAMES:
        errors.append(("902", f"Unrecognized event type: {name}."))
    millis = _event_millis(event.get("event_time"))
    if event.get("event_time") is None:
        errors.append(("901", "event_time is required."))
    elif millis is None:
        errors.append(("903", "event_time must be a Unix timestamp in seconds or milliseconds."))
    elif millis < (current - MAX_AGE_S) * 1000 or millis > (current + FUTURE_S) * 1000:
        errors.append(("903", "event_time is out of range: events may be at most 37 days old."))
    source = str(event.get("action_source") or "").upper()
    if not source:
        errors.append(("901", "action_source is required."))
    elif source not in ACTION_SOURCES:
        errors.append(("908", f"action_source {event.get('action_source')!r} is not supported."))
    if source == "WEB":
        url = event.get("event_source_url")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            errors.append(("901", "event_source_url with http(s) is required for web events."))
    errors.extend(_check_user(event.get("user_data")))
    custom = event.get("custom_data") if isinstance(event.get("custom_data"), dict) else {}
    assert isinstance(custom, dict)
    if isinstance(name, str) and name.upper() == "PURCHASE":
        currency = custom.get("currency")
        if not isinstance(currency, str) or not _CURRENCY.fullmatch(currency):
            errors.append(("905", "Purchase events need a valid currency."))
        if _number(custom.get("value")) is None:
            errors.append(("905", "Purchase events need a numeric value."))
    if source == "MOBILE_APP":
        errors.extend(_check_app(event.get("app_data")))
    return errors


def _check_user(user: Any) -> list[tuple[str, str]]:
    if not isinstance(user, dict):
        return [("907", "user_data is required.")]
    errors: list[tuple[str, str]] = []
    for key in HASHED:
        if key not in user:
            continue
        values = user[key] if isinstance(user[key], list) else [user[key]]
        if not values or not all(isinstance(v, str) and _SHA256.fullmatch(v) for v in values):
            errors.append(("904", f"user_data.{key} must be SHA-256 hashed (unhashed PII)."))
    ip = user.get("client_ip_address")
    if ip is not None and not (isinstance(ip, str) and (_IPV4.fullmatch(ip) or ":" in ip)):
        errors.append(("904", "client_ip_address must be a plain IPv4 or IPv6 address."))
    for key in ("sc_click_id", "sc_cookie1"):
        value = user.get(key)
        if value is not None and not (isinstance(value, str) and _UUID.fullmatch(value)):
            errors.append(("908", f"user_data.{key} must be a UUID."))
    if not any(user.get(key) for key in IDENTIFIERS):
        errors.append(("907", "Insufficient customer information: no identifier in user_data."))
    return errors


def _check_app(app: Any) -> list[tuple[str, str]]:
    if not isinstance(app, dict):
        return [("906", "app_data is required for app events.")]
    errors: list[tuple[str, str]] = []
    extinfo = app.get("extinfo")
    if not isinstance(extinfo, list) or len(extinfo) != 16:
        errors.append(("906", "app_data.extinfo must have exactly 16 elements."))
    elif str(extinfo[0]) not in ("i2", "a2"):
        errors.append(("906", "app_data.extinfo must start with i2 or a2."))
    if "advertiser_tracking_enabled" not in app:
        errors.append(("906", "app_data.advertiser_tracking_enabled is required."))
    if not app.get("app_id"):
        errors.append(("906", "app_data.app_id is required."))
    return errors


# ------------------------------------------------------------------------------ the app


@dataclass
class _Reply:
    status: int
    body: Any


class CapiApp:
    """The raw ASGI app under /v3 (raw so a fault can drop the connection mid-response)."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "http"
        body = await _read_body(receive)
        method = scope["method"].upper()
        path = scope["path"]
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        entry = _entry(scope, query, body)
        state = self.state
        try:
            rule = await delayed_rule(state, method, path)
            if rule is not None and not rule.after_processing and (rule.drop or rule.status):
                reply = self._fault(rule)
            else:
                reply = self._handle(method, path, query, body)
                if rule is not None and rule.after_processing:
                    reply = self._fault(rule)
        except DroppedConnection:
            entry["dropped"] = True
            state.record(entry)
            await _drop(send)
            raise
        entry["status"] = reply.status
        state.record(entry)
        data = dumps(reply.body)
        await send(
            {
                "type": "http.response.start",
                "status": reply.status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(data)).encode()),
                    (b"x-request-id", entry["request_id"].encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": data})

    def _fault(self, rule: FaultRule) -> _Reply:
        if rule.drop:
            raise DroppedConnection()
        status = rule.status or 500
        if rule.body is not None:
            return _Reply(status, rule.body)
        return _Reply(
            status, {"status": "INVALID", "reason": f"Injected sandbox fault (HTTP {status})"}
        )

    def _handle(self, method: str, path: str, query: dict[str, str], body: bytes) -> _Reply:
        match = _ROUTE.fullmatch(path)
        if match is None:
            return _Reply(404, {"status": "INVALID", "reason": f"Unknown endpoint {path}"})
        asset_id, rest = match.group("asset"), match.group("rest") or ""
        expected = "GET" if rest.endswith(("/logs", "/stats")) else "POST"
        if method != expected:
            return _Reply(405, {"status": "INVALID", "reason": f"{method} is not allowed here"})
        capi = capi_state(self.state)
        token = query.get("access_token", "").strip()
        if not token:
            return _Reply(401, {"status": "INVALID", "reason": "access_token is required."})
        with capi.lock:
            owned = capi.tokens.get(token, ...)
        oauth = False
        if owned is ...:
            if not self.state.token_valid(token):
                return _Reply(401, {"status": "INVALID", "reason": "Invalid access token."})
            oauth = True
        else:
            assets = owned if isinstance(owned, set) else _demo_assets(self.state)
            if asset_id not in assets:
                return _Reply(403, {"status": "INVALID", "reason": "Unauthorized resources"})
        if rest.endswith("/logs"):
            return self._logs(capi, asset_id)
        if rest.endswith("/stats"):
            return self._stats(capi, asset_id)
        return self._events(capi, asset_id, body, test=rest == "/validate", oauth=oauth)

    def _events(
        self, capi: CapiState, asset_id: str, body: bytes, *, test: bool, oauth: bool
    ) -> _Reply:
        parsed = _loads(body)
        events = parsed.get("data") if isinstance(parsed, dict) else None
        if (
            not isinstance(events, list)
            or not events
            or any(
                isinstance(e, dict)
                and isinstance(e.get("user_data"), dict)
                and "anon_id" in e["user_data"]
                for e in events
            )
        ):
            return _Reply(400, {"status": "INVALID", "reason": PARSE_FAILED})
        now = time.time()
        if oauth and not _UUID.fullmatch(asset_id):
            problems = [[("523", "The provided asset id must be valid UUID format.")]] * len(events)
        else:
            problems = [check_event(e, now=now) for e in events]
        if test:
            return self._validate(capi, asset_id, events, problems, now)
        first = next((i for i, p in enumerate(problems) if p), None)
        if first is not None:
            codes, messages = zip(*problems[first], strict=True)
            return _Reply(
                400,
                {
                    "status": "INVALID",
                    "reason": SOME_INVALID,
                    "event": first + 1,
                    "errors": {"codes": list(codes), "error_msgs": list(messages)},
                },
            )
        with capi.lock:
            for event in events:
                event_id = event.get("event_id")
                key = (asset_id, str(event_id)) if event_id not in (None, "") else None
                duplicate = key is not None and key in capi.seen
                if key is not None and not duplicate:
                    capi.seen[key] = now
                capi.received.append(Received(asset_id, event, now, False, duplicate=duplicate))
        return _Reply(200, {"status": "VALID", "reason": PROCESSED})

    def _validate(
        self,
        capi: CapiState,
        asset_id: str,
        events: list[Any],
        problems: list[list[tuple[str, str]]],
        now: float,
    ) -> _Reply:
        logs: list[JsonObj] = []
        with capi.lock:
            for number, (event, found) in enumerate(zip(events, problems, strict=True), start=1):
                item: JsonObj = {"event": number, "status": "INVALID" if found else "VALID"}
                if found:
                    codes, messages = zip(*found, strict=True)
                    item["errors"] = {"codes": list(codes), "error_msgs": list(messages)}
                item["warnings"] = []
                logs.append(item)
                capi.received.append(
                    Received(
                        asset_id,
                        event if isinstance(event, dict) else {},
                        now,
                        True,
                        "INVALID" if found else "VALID",
                        [m for _c, m in found],
                    )
                )
        invalid = any(problems)
        return _Reply(
            400 if invalid else 200,
            {
                "status": "INVALID" if invalid else "VALID",
                "test_event": True,
                "reason": SOME_INVALID if invalid else "All events are valid.",
                "event_logs": logs,
            },
        )

    def _logs(self, capi: CapiState, asset_id: str) -> _Reply:
        since = time.time() - LOG_RETENTION_S
        with capi.lock:
            tests = [
                r for r in capi.received if r.test and r.asset_id == asset_id and r.at >= since
            ]
        logs = [
            {
                "asset_id": asset_id,
                "event_name": str(r.event.get("event_name", "")).upper(),
                "raw_event_name": str(r.event.get("event_name", "")),
                "event_time": str(r.event.get("event_time", "")),
                "action_source": r.event.get("action_source"),
                "status": r.status,
                "error_records": r.errors,
                "warning_records": [],
                "event_metadata": {"conversion_info": r.event},
            }
            for r in reversed(tests)
        ]
        return _Reply(200, {"status": "SUCCESS", "reason": "", "logs": logs})

    def _stats(self, capi: CapiState, asset_id: str) -> _Reply:
        since = time.time() - STATS_WINDOW_S

        def counts(test: bool) -> JsonObj:
            with capi.lock:
                hits = [
                    r
                    for r in capi.received
                    if r.test == test
                    and r.asset_id == asset_id
                    and not r.duplicate
                    and r.at >= since
                ]
            latest = max((r.at for r in hits), default=None)
            return {
                "event_count_past_hour": len(hits),
                "latest_event_ts": int(latest * 1000) if latest is not None else 0,
            }

        return _Reply(
            200,
            {
                "status": "SUCCESS",
                "reason": "",
                "stats": {"test": counts(True), "live": counts(False)},
            },
        )


def _entry(scope: Scope, query: dict[str, str], body: bytes) -> JsonObj:
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
    if "authorization" in headers:
        headers["authorization"] = f"{headers['authorization'].partition(' ')[0]} {REDACTED}"
    shown = {k: (REDACTED if k == "access_token" else v) for k, v in query.items()}
    parsed: Any = None
    if body:
        parsed = _loads(body)
    return {
        "method": scope["method"].upper(),
        "path": scope["path"],
        "query": shown,
        "headers": headers,
        "json": parsed,
        "body_size": len(body),
        "status": None,
        "dropped": False,
        "idempotency_key": headers.get("idempotency-key"),
        "request_id": new_uuid(),
        "at": now_iso(),
    }


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


async def _drop(send: Send) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json"), (b"content-length", b"4096")],
        }
    )
    await send({"type": "http.response.body", "body": b'{"status":', "more_body": True})


# ------------------------------------------------------------------------------ control


async def _json_body(request: Request) -> dict[str, Any]:
    body = _loads(await request.body())
    return body if isinstance(body, dict) else {}


def _loads(raw: bytes) -> Any:
    """The body as JSON through the sandbox's bounded parser, or None when it is not JSON."""
    if not raw.strip():
        return None
    try:
        return parse_json(raw)
    except SnapApiError:
        return None


def _json(body: Any, status: int = 200) -> Response:
    return Response(dumps(body), status_code=status, media_type="application/json")


def capi_routes(state: SandboxState) -> list[BaseRoute]:
    """The /v3 mount and its control endpoints under /__sandbox__/capi/."""

    async def events(request: Request) -> Response:
        capi = capi_state(state)
        asset = request.query_params.get("asset_id")
        with capi.lock:
            chosen = [r for r in capi.received if asset is None or r.asset_id == asset]
        return _json(
            {
                "live": [r.event for r in chosen if not r.test and not r.duplicate],
                "duplicates": sum(1 for r in chosen if r.duplicate),
                "test": [r.event for r in chosen if r.test],
            }
        )

    async def tokens(request: Request) -> Response:
        body = await _json_body(request)
        token, assets = body.get("token"), body.get("assets")
        if (
            not isinstance(token, str)
            or not 0 < len(token) <= MAX_TEXT
            or not isinstance(assets, list)
            or not all(isinstance(a, str | int) and not isinstance(a, bool) for a in assets)
        ):
            reason = (
                f"'token' (a string of 1 to {MAX_TEXT} characters) and 'assets' (a list of "
                "asset ids) are required"
            )
            return _json({"status": "INVALID", "reason": reason}, 400)
        capi_state(state).add_token(token, [str(a) for a in assets])
        return _json({"token_added": True, "assets": assets})

    async def reset(request: Request) -> Response:
        capi_state(state).clear()
        return _json({"ok": True})

    return [
        Mount("/v3", app=CapiApp(state)),
        Route("/__sandbox__/capi/events", events, methods=["GET"]),
        Route("/__sandbox__/capi/tokens", tokens, methods=["POST"]),
        Route("/__sandbox__/capi/reset", reset, methods=["POST"]),
    ]
