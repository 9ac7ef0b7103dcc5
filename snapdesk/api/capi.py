"""`CapiClient`: Snap's Conversions API v3 (`/{asset_id}/events`, `/events/validate`,
`/events/validate/logs`, `/events/validate/stats`).

    async with CapiClient(token=capi_token) as capi:
        answer = await capi.send_events(pixel_id, [event, ...])

The token travels in the `access_token` query parameter, as Snap's OpenAPI requires. It never
appears in an exception message, and a logging filter redacts it from httpx's request log lines.
Retries (429, 5xx, dropped connections) resend the very same body, so the events keep their
`event_id`s and Snap deduplicates them. Sending is only done by the write gateway
(`snapdesk.changes.conversions`); this module is the HTTP layer.

Snap answers `{"status": "VALID" | "INVALID", "reason", ...}`; an INVALID answer to a send or a
validation (HTTP 200 or 400) is returned, not raised, so the caller can see which event failed.
`event` numbers in Snap's answers are 1-based (as in the answer quoted in seed 003); the parsed
records here give 0-based `index`es into the list that was sent.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Final, Self
from urllib.parse import quote

import httpx

from snapdesk import config
from snapdesk.api._auth import StaticTokenProvider, TokenProvider
from snapdesk.api._retry import RetryPolicy
from snapdesk.api.errors import (
    ApiError,
    AuthError,
    BadRequest,
    ConnectionFailed,
    PermissionError,
    RateLimited,
    ServerError,
    SnapError,
    Timeout,
    retry_after_seconds,
)

__all__ = [
    "EVENT_NUMBER_BASE",
    "CapiClient",
    "CapiEventLog",
    "CapiLogs",
    "CapiResponse",
    "CapiStats",
    "CapiStatsCounts",
    "CapiTestLog",
    "CapiValidation",
    "redact_token",
]

log = logging.getLogger(__name__)

EVENT_NUMBER_BASE: Final = 1
_REDACTED: Final = "<redacted>"
_TOKEN_IN_TEXT = re.compile(r"(access_token=)[^&\s\"'<>]+")

Sleep = Callable[[float], Awaitable[object]]


def redact_token(text: str) -> str:
    """`text` with any `access_token=...` query value replaced."""
    return _TOKEN_IN_TEXT.sub(r"\1" + _REDACTED, text)


class _RedactAccessToken(logging.Filter):
    """httpx logs every request URL at INFO; CAPI URLs carry the token in their query."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is not ours to fix
            return True
        if "access_token=" in message:
            record.msg = redact_token(message)
            record.args = ()
        return True


_FILTER = _RedactAccessToken()
for _name in ("httpx", "httpcore"):
    _logger = logging.getLogger(_name)
    if _FILTER not in _logger.filters:
        _logger.addFilter(_FILTER)


# ------------------------------------------------------------------------------ answers


def _strings(value: Any) -> tuple[str, ...]:
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    if value is None:
        return ()
    return (str(value),)


def _index(number: Any) -> int | None:
    if isinstance(number, bool) or not isinstance(number, int | str):
        return None
    try:
        value = int(number)
    except ValueError:
        return None
    return value - EVENT_NUMBER_BASE if value >= EVENT_NUMBER_BASE else None


@dataclass(frozen=True)
class CapiResponse:
    """Snap's answer to a send (`EventResponse`). `index` is the 0-based position (in the list
    sent) of the event an INVALID answer names, if it names one."""

    status: str
    reason: str
    http_status: int
    index: int | None = None
    codes: tuple[str, ...] = ()
    messages: tuple[str, ...] = ()
    attempts: int = 1
    raw: Mapping[str, Any] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return self.status == "VALID"

    @classmethod
    def parse(cls, body: Mapping[str, Any], *, http_status: int, attempts: int) -> CapiResponse:
        errors = body.get("errors") if isinstance(body.get("errors"), Mapping) else {}
        assert isinstance(errors, Mapping)
        return cls(
            status=str(body.get("status", "")).upper(),
            reason=str(body.get("reason") or ""),
            http_status=http_status,
            index=_index(body.get("event")),
            codes=_strings(errors.get("codes")),
            messages=_strings(errors.get("error_msgs")),
            attempts=attempts,
            raw=dict(body),
        )


@dataclass(frozen=True)
class CapiEventLog:
    """One event of a validation answer (`event_logs[]`)."""

    index: int | None
    status: str
    codes: tuple[str, ...] = ()
    messages: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def valid(self) -> bool:
        return self.status.upper() == "VALID"


@dataclass(frozen=True)
class CapiValidation:
    """Snap's answer to `/events/validate` (`ValidateResponse`)."""

    status: str
    reason: str
    http_status: int
    test_event: bool = True
    logs: tuple[CapiEventLog, ...] = ()
    attempts: int = 1
    raw: Mapping[str, Any] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return self.status == "VALID"

    def log_for(self, index: int) -> CapiEventLog | None:
        for entry in self.logs:
            if entry.index == index:
                return entry
        return None

    @classmethod
    def parse(cls, body: Mapping[str, Any], *, http_status: int, attempts: int) -> CapiValidation:
        logs = []
        for item in body.get("event_logs") or ():
            if not isinstance(item, Mapping):
                continue
            errors = item.get("errors") if isinstance(item.get("errors"), Mapping) else {}
            assert isinstance(errors, Mapping)
            logs.append(
                CapiEventLog(
                    index=_index(item.get("event")),
                    status=str(item.get("status", "")).upper(),
                    codes=_strings(errors.get("codes")),
                    messages=_strings(errors.get("error_msgs")),
                    warnings=_strings(item.get("warnings")),
                )
            )
        return cls(
            status=str(body.get("status", "")).upper(),
            reason=str(body.get("reason") or ""),
            http_status=http_status,
            test_event=bool(body.get("test_event", True)),
            logs=tuple(logs),
            attempts=attempts,
            raw=dict(body),
        )


@dataclass(frozen=True)
class CapiTestLog:
    """One test event Snap received in the last 24 hours (`GetLogsResponse.logs[]`)."""

    event_name: str
    status: str
    event_time: str | None
    action_source: str | None
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CapiLogs:
    status: str
    reason: str
    logs: tuple[CapiTestLog, ...] = ()

    @classmethod
    def parse(cls, body: Mapping[str, Any]) -> CapiLogs:
        logs = tuple(
            CapiTestLog(
                event_name=str(item.get("event_name") or item.get("raw_event_name") or ""),
                status=str(item.get("status") or ""),
                event_time=str(item["event_time"]) if item.get("event_time") is not None else None,
                action_source=item.get("action_source"),
                errors=_strings(item.get("error_records")),
                warnings=_strings(item.get("warning_records")),
                raw=dict(item),
            )
            for item in body.get("logs") or ()
            if isinstance(item, Mapping)
        )
        return cls(str(body.get("status") or ""), str(body.get("reason") or ""), logs)


@dataclass(frozen=True)
class CapiStatsCounts:
    event_count_past_hour: int = 0
    latest_event_ts: int | None = None

    @classmethod
    def parse(cls, body: Any) -> CapiStatsCounts:
        if not isinstance(body, Mapping):
            return cls()
        count = body.get("event_count_past_hour")
        latest = body.get("latest_event_ts")
        return cls(
            int(count) if isinstance(count, int | str) and str(count).isdigit() else 0,
            int(latest) if isinstance(latest, int | str) and str(latest).isdigit() else None,
        )


@dataclass(frozen=True)
class CapiStats:
    """Test vs live event counts of the past hour (`GetStatsResponse`)."""

    status: str
    reason: str
    test: CapiStatsCounts
    live: CapiStatsCounts

    @classmethod
    def parse(cls, body: Mapping[str, Any]) -> CapiStats:
        stats = body.get("stats") if isinstance(body.get("stats"), Mapping) else {}
        assert isinstance(stats, Mapping)
        return cls(
            str(body.get("status") or ""),
            str(body.get("reason") or ""),
            CapiStatsCounts.parse(stats.get("test")),
            CapiStatsCounts.parse(stats.get("live")),
        )


# ------------------------------------------------------------------------------ client


def _parse(response: httpx.Response) -> Any:
    if not response.content:
        return None
    try:
        return json.loads(response.content)
    except ValueError:
        return response.text


def _one_line(text: str, limit: int = 300) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


class CapiClient:
    """Async client of the Conversions API v3 (one long-lived `httpx.AsyncClient`).

    `token` is a Conversions API token or an OAuth access token with the
    `snapchat-offline-conversions-api` scope (a string, or a `TokenProvider` that can refresh).
    `base_url` defaults to `SNAPDESK_CAPI_BASE` (`https://tr.snapchat.com/v3`).
    """

    def __init__(
        self,
        *,
        token: str | TokenProvider,
        base_url: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
        retry: RetryPolicy | None = None,
        timeout: float = 60.0,
    ) -> None:
        self._tokens: TokenProvider = (
            StaticTokenProvider(token) if isinstance(token, str) else token
        )
        self.base_url = (base_url or config.capi_base()).rstrip("/")
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._token_in_use: str | None = None
        self._http = httpx.AsyncClient(
            transport=transport,
            timeout=httpx.Timeout(timeout),
            headers={"Accept": "application/json", "User-Agent": "snapdesk"},
            follow_redirects=False,
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    def __repr__(self) -> str:
        return f"CapiClient(base_url={self.base_url!r}, token=<redacted>)"

    # -- endpoints -------------------------------------------------------------------------

    def path(self, asset_id: str, suffix: str = "") -> str:
        """The URL path of an endpoint (without the token), e.g. `/v3/<pixel>/events`."""
        base = httpx.URL(self.base_url).path.rstrip("/")
        return f"{base}/{quote(asset_id, safe='')}/events{suffix}"

    async def send_events(self, asset_id: str, events: Sequence[Mapping[str, Any]]) -> CapiResponse:
        """POST `/{asset_id}/events` with `{"data": events}`; VALID or INVALID answer."""
        status, body, attempts = await self._request(
            "POST", asset_id, "", json={"data": list(events)}
        )
        return CapiResponse.parse(
            self._verdict(status, body, asset_id), http_status=status, attempts=attempts
        )

    async def validate_events(
        self, asset_id: str, events: Sequence[Mapping[str, Any]]
    ) -> CapiValidation:
        """POST `/{asset_id}/events/validate`: Snap checks the events and does not process them."""
        status, body, attempts = await self._request(
            "POST", asset_id, "/validate", json={"data": list(events)}
        )
        return CapiValidation.parse(
            self._verdict(status, body, asset_id), http_status=status, attempts=attempts
        )

    async def validate_logs(self, asset_id: str) -> CapiLogs:
        """GET `/{asset_id}/events/validate/logs`: the test events of the last 24 hours."""
        status, body, _ = await self._request("GET", asset_id, "/validate/logs")
        return CapiLogs.parse(self._ok_body(status, body, asset_id))

    async def validate_stats(self, asset_id: str) -> CapiStats:
        """GET `/{asset_id}/events/validate/stats`: test and live event counts, past hour."""
        status, body, _ = await self._request("GET", asset_id, "/validate/stats")
        return CapiStats.parse(self._ok_body(status, body, asset_id))

    # -- internals -------------------------------------------------------------------------

    def _scrub(self, text: str) -> str:
        token = self._token_in_use
        text = redact_token(text)
        return text.replace(token, _REDACTED) if token else text

    def _error(self, status: int, body: Any, asset_id: str, method: str, path: str) -> ApiError:
        reason = ""
        if isinstance(body, Mapping):
            reason = str(body.get("reason") or body.get("message") or body.get("error") or "")
        elif isinstance(body, str):
            reason = body
        reason = self._scrub(_one_line(reason)) if reason else ""
        said = f" (Snap: {reason})" if reason else ""
        kwargs: dict[str, Any] = {
            "status": status,
            "debug_message": reason or None,
            "method": method,
            "path": path,
        }
        if status == 401:
            return AuthError(
                f"Snap rejected the Conversions API token{said} — generate a new token in "
                "Business Manager, or sign in again",
                **kwargs,
            )
        if status == 403 or reason.lower() == "unauthorized resources":
            return PermissionError(
                f"This token can't send events to {asset_id}{said} — check the pixel or app id "
                "and that the token belongs to the organization that owns it",
                **kwargs,
            )
        if status == 404:
            return BadRequest(f"Snap doesn't know the asset {asset_id}{said}", **kwargs)
        if status == 429:
            return RateLimited(
                "Snap is rate-limiting the Conversions API; try again later", **kwargs
            )
        if status >= 500:
            return ServerError(
                f"Snap's Conversions API had a problem (HTTP {status}) — try again in a few "
                "minutes",
                **kwargs,
            )
        return BadRequest(f"Snap rejected the request (HTTP {status}){said}", **kwargs)

    def _verdict(self, status: int, body: Any, asset_id: str) -> Mapping[str, Any]:
        """The body of a VALID/INVALID answer to a send or a validation, or an exception."""
        if (
            status in (200, 400)
            and isinstance(body, Mapping)
            and str(body.get("status", "")).upper() in ("VALID", "INVALID")
            and str(body.get("reason", "")).lower() != "unauthorized resources"
        ):
            return body
        raise self._error(status, body, asset_id, "POST", self.path(asset_id))

    def _ok_body(self, status: int, body: Any, asset_id: str) -> Mapping[str, Any]:
        if status == 200 and isinstance(body, Mapping):
            return body
        raise self._error(status, body, asset_id, "GET", self.path(asset_id, "/validate"))

    async def _request(
        self, method: str, asset_id: str, suffix: str, *, json: Any = None
    ) -> tuple[int, Any, int]:
        url = f"{self.base_url}/{quote(asset_id, safe='')}/events{suffix}"
        policy = self.retry
        attempt = 0
        refreshed = False
        while True:
            attempt += 1
            token = await self._tokens.token()
            self._token_in_use = token
            try:
                response = await self._http.request(
                    method, url, params={"access_token": token}, json=json
                )
            except httpx.TransportError as exc:
                if policy.should_retry_exception(exc) and attempt < policy.max_attempts:
                    await self._pause(policy.delay_for(attempt))
                    continue
                raise self._transport_error(exc) from None
            status = response.status_code
            if status == 401 and not refreshed:
                refreshed = True
                if await self._tokens.refresh_after_unauthorized():
                    attempt -= 1
                    continue
            if policy.should_retry_status(status) and attempt < policy.max_attempts:
                await self._pause(
                    policy.delay_for(attempt, retry_after=retry_after_seconds(response.headers))
                )
                continue
            return status, _parse(response), attempt

    async def _pause(self, seconds: float) -> None:
        if seconds > 0:
            await self._sleep(seconds)

    def _transport_error(self, exc: httpx.TransportError) -> SnapError:
        host = httpx.URL(self.base_url).host
        if isinstance(exc, httpx.TimeoutException):
            return Timeout(
                f"Snap's Conversions API ({host}) didn't answer in time — check your connection "
                "and retry"
            )
        return ConnectionFailed(
            f"Couldn't reach Snap's Conversions API ({host}) — check your internet connection "
            "and retry"
        )
