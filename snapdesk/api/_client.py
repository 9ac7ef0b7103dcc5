"""`SnapApi`: one long-lived `httpx.AsyncClient` talking to Snap's Marketing API v1.

All requests go through `_request`, which paces them (client-side limiter), authenticates them,
retries what is worth retrying, and checks Snap's envelope. Writes go through `send` only.
"""

from __future__ import annotations

import asyncio
import json as jsonlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from types import TracebackType
from typing import Any, Self

import httpx

from snapdesk import config
from snapdesk.api._auth import TokenProvider
from snapdesk.api._envelope import check_envelope, unwrap_items
from snapdesk.api._measurement import Measurement
from snapdesk.api._ratelimit import RateLimiter
from snapdesk.api._resources import (
    AdAccounts,
    Ads,
    AdSquads,
    Campaigns,
    Creatives,
    FundingSources,
    MediaResource,
    MeResource,
    Organizations,
    Segments,
)
from snapdesk.api._retry import RetryPolicy
from snapdesk.api._stats import ClientStats
from snapdesk.api._targeting import Targeting
from snapdesk.api.errors import (
    ApiError,
    ConnectionFailed,
    ForeignHostError,
    SnapError,
    Timeout,
    error_from_response,
    retry_after_seconds,
)

__all__ = ["SnapApi"]

WRITE_METHODS = frozenset({"POST", "PUT", "DELETE", "PATCH"})
_DEFAULT_PORTS = {"http": 80, "https": 443}
_REDACTED = "<redacted>"

Sleep = Callable[[float], Awaitable[object]]


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    scheme = url.scheme.lower()
    return scheme, url.host.lower(), url.port or _DEFAULT_PORTS.get(scheme)


def _parse_body(response: httpx.Response) -> Any:
    """JSON if it parses, otherwise the text (Snap's 401 may be plain `unauthorized`)."""
    content = response.content
    if not content:
        return None
    try:
        return jsonlib.loads(content)
    except ValueError:
        return response.text


def _rewind_files(files: Any) -> None:
    """Seek file objects back to the start so a retried multipart upload sends the whole file."""
    values = files.values() if isinstance(files, Mapping) else (files or [])
    for value in values:
        if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], str):
            value = value[1]  # list form: (field, file-ish)
        fileobj = value[1] if isinstance(value, tuple) and len(value) >= 2 else value
        seek = getattr(fileobj, "seek", None)
        if callable(seek):
            seek(0)


class SnapApi:
    """Async client for Snap's Marketing API.

    `async with SnapApi(token_provider=StaticTokenProvider(token)) as api: ...`
    """

    def __init__(
        self,
        *,
        token_provider: TokenProvider,
        base_url: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        rate_limit: float | None = 10.0,
        retry: RetryPolicy | None = None,
        timeout: float = 30.0,
        sleep: Sleep = asyncio.sleep,
        limiter: RateLimiter | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._tokens = token_provider
        self.base_url = (base_url or config.api_base()).rstrip("/")
        self._base = httpx.URL(self.base_url + "/")
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        if limiter is None and rate_limit:
            limiter = RateLimiter(rate_limit, clock=clock, sleep=sleep)
        self._limiter = limiter
        self.stats = ClientStats(clock=clock)
        self._token_in_use: str | None = None
        self._http = httpx.AsyncClient(
            base_url=self._base,
            transport=transport,
            timeout=httpx.Timeout(timeout),
            headers={"Accept": "application/json", "User-Agent": "snapdesk"},
            follow_redirects=False,
        )
        self.me = MeResource(self)
        self.organizations = Organizations(self)
        self.ad_accounts = AdAccounts(self)
        self.campaigns = Campaigns(self)
        self.ad_squads = AdSquads(self)
        self.ads = Ads(self)
        self.creatives = Creatives(self)
        self.media = MediaResource(self)
        self.segments = Segments(self)
        self.funding_sources = FundingSources(self)
        # Stats queries (`api.stats` is taken by the request counters, `ClientStats`).
        self.measurement = Measurement(self)
        # Targeting catalogues, audience size and bid estimates (reads only).
        self.targeting = Targeting(self)

    # -- lifecycle -------------------------------------------------------------------------

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

    @property
    def closed(self) -> bool:
        return self._http.is_closed

    def __repr__(self) -> str:
        return f"SnapApi(base_url={self.base_url!r})"

    # -- public entry points ---------------------------------------------------------------

    async def get_json(
        self, path_or_url: str, *, params: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """GET a path (relative to the base URL) or a same-origin URL; return the checked
        envelope as a dict."""
        return await self._request("GET", path_or_url, params=params)

    async def paginate(
        self,
        path: str,
        *,
        item_key: str,
        plural_key: str,
        params: Mapping[str, Any] | None = None,
        limit: int | None = 1000,
    ) -> AsyncIterator[dict[str, Any]]:
        """Yield the unwrapped objects of a list endpoint, following `paging.next_link` verbatim
        until `paging` is empty or absent. A next link to another origin raises
        `ForeignHostError` before anything is sent there."""
        query: dict[str, Any] = dict(params or {})
        if limit is not None:
            query.setdefault("limit", limit)
        url: str | None = path
        page_params: Mapping[str, Any] | None = query
        seen: set[str] = set()
        while url is not None:
            body = await self._request("GET", url, params=page_params)
            for obj in unwrap_items(body, plural_key=plural_key, item_key=item_key):
                yield obj
            url = self._next_link(body)
            page_params = None
            if url is not None:
                if url in seen:
                    raise ApiError(
                        "Snap returned the same next-page link twice; stopped to avoid a loop",
                        method="GET",
                        path=httpx.URL(url).path,
                    )
                seen.add(url)

    async def send(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        files: Any = None,
        data: Mapping[str, Any] | None = None,
        idempotency_key: str,
        retry_ambiguous: bool = True,
    ) -> dict[str, Any]:
        """The only write entry point (POST/PUT/DELETE; DELETE may carry a JSON body).

        Every attempt carries `Idempotency-Key: <idempotency_key>`. Returns the raw envelope after
        checking `request_status` and every `sub_request_status`.

        With `retry_ambiguous=False` a failure after which Snap may have acted on the request
        (a 5xx, a connection broken or timed out once the request was sent) is not retried here
        but raised with `maybe_processed=True`: whether Snap honours Idempotency-Key is not
        verified (reference/model-codebases.md §10), so the gateway checks what Snap holds
        before it sends a create again. Failures before sending (connect errors, 429) are still
        retried.
        """
        verb = method.upper()
        if verb not in WRITE_METHODS:
            raise ValueError(f"send() is for writes, not {method}")
        if not idempotency_key or not idempotency_key.strip():
            raise ValueError("send() needs an idempotency_key")
        return await self._request(
            verb,
            path,
            params=params,
            json=json,
            files=files,
            data=data,
            idempotency_key=idempotency_key,
            retry_ambiguous=retry_ambiguous,
        )

    # -- internals -------------------------------------------------------------------------

    def _next_link(self, body: Mapping[str, Any]) -> str | None:
        paging = body.get("paging")
        if not isinstance(paging, Mapping):
            return None
        link = paging.get("next_link")
        if not isinstance(link, str) or not link.strip():
            return None
        return link.strip()

    def _resolve(self, path_or_url: str) -> httpx.URL:
        """An absolute URL for a request; absolute URLs must share the base URL's origin."""
        candidate = httpx.URL(path_or_url)
        if candidate.is_absolute_url:
            if _origin(candidate) != _origin(self._base):
                raise ForeignHostError(
                    f"Snap sent a link to another server ({candidate.scheme}://{candidate.host}); "
                    "snapdesk stopped so your access token isn't sent there",
                    path=candidate.path,
                )
            return candidate
        return self._base.join(path_or_url.lstrip("/"))

    def _scrub(self, text: str | None) -> str | None:
        token = self._token_in_use
        if text is None or not token:
            return text
        return text.replace(token, _REDACTED)

    def _scrub_error(self, error: SnapError) -> SnapError:
        error.message = self._scrub(error.message) or ""
        error.args = (error.message,)
        if isinstance(error, ApiError):
            error.debug_message = self._scrub(error.debug_message)
        return error

    async def _pause(self, seconds: float) -> None:
        if seconds > 0:
            self.stats.waiting_seconds += seconds
            await self._sleep(seconds)

    async def _request(
        self,
        method: str,
        path_or_url: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        files: Any = None,
        data: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
        retry_ambiguous: bool = True,
    ) -> dict[str, Any]:
        url = self._resolve(path_or_url)
        path = url.path
        policy = self.retry
        attempt = 0
        refreshed = False
        while True:
            attempt += 1
            token = await self._tokens.token()
            self._token_in_use = token
            if self._limiter is not None:
                waited = await self._limiter.acquire()
                self.stats.waiting_seconds += max(0.0, waited)
            headers = {"Authorization": f"Bearer {token}"}
            if idempotency_key is not None:
                headers["Idempotency-Key"] = idempotency_key
            if files is not None and attempt > 1:
                _rewind_files(files)
            self.stats.record_request()
            try:
                response = await self._http.request(
                    method,
                    url,
                    params=params,
                    json=json,
                    files=files,
                    data=data,
                    headers=headers,
                )
            except httpx.TransportError as exc:
                ambiguous = method in WRITE_METHODS and _maybe_sent(exc)
                if (
                    policy.should_retry_exception(exc)
                    and attempt < policy.max_attempts
                    and (retry_ambiguous or not ambiguous)
                ):
                    self.stats.retries += 1
                    await self._pause(policy.delay_for(attempt))
                    continue
                error = self._transport_error(exc, method=method)
                error.maybe_processed = ambiguous
                raise self._scrub_error(error) from None

            self.stats.record_headers(response.headers)
            status = response.status_code
            body = _parse_body(response)

            if status == 401 and not refreshed:
                refreshed = True
                if await self._tokens.refresh_after_unauthorized():
                    self.stats.retries += 1
                    attempt -= 1  # the refresh retry doesn't use up a backoff attempt
                    continue

            if status == 429:
                self.stats.rate_limited += 1

            ambiguous = method in WRITE_METHODS and status >= 500
            if (
                policy.should_retry_status(status)
                and attempt < policy.max_attempts
                and (retry_ambiguous or not ambiguous)
            ):
                self.stats.retries += 1
                await self._pause(self._delay_after(response, attempt))
                continue

            if status >= 400:
                error = error_from_response(
                    status=status, body=body, headers=response.headers, method=method, path=path
                )
                error.maybe_processed = ambiguous
                raise self._scrub_error(error)
            try:
                return check_envelope(
                    body, status=status, headers=response.headers, method=method, path=path
                )
            except SnapError as error:
                raise self._scrub_error(error) from None

    def _delay_after(self, response: httpx.Response, attempt: int) -> float:
        retry_after = retry_after_seconds(response.headers)
        reset: float | None = None
        if response.status_code == 429:
            raw = response.headers.get("X-Rate-Limit-Reset")
            if raw is not None:
                try:
                    reset = float(raw.strip())
                except ValueError:
                    reset = None
        return self.retry.delay_for(attempt, retry_after=retry_after, rate_limit_reset=reset)

    def _transport_error(self, exc: httpx.TransportError, *, method: str) -> SnapError:
        """The user-facing error for a failed transport (see `_maybe_sent` for writes)."""
        host = self._base.host
        if isinstance(exc, httpx.TimeoutException):
            return Timeout(f"Snap ({host}) didn't answer in time — check your connection and retry")
        if isinstance(exc, httpx.NetworkError | httpx.RemoteProtocolError | httpx.ProxyError):
            return ConnectionFailed(
                f"Couldn't reach Snap ({host}) — check your internet connection and retry"
            )
        return ConnectionFailed(f"The request to Snap ({host}) failed ({type(exc).__name__})")


def _maybe_sent(exc: httpx.TransportError) -> bool:
    """Whether the request may have reached Snap before `exc`: only failures to connect (or to
    get a pooled connection) are certain not to have sent anything."""
    return not isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)
