"""Snap's OAuth token endpoint: code exchange and refresh, with retries on 429/5xx.

`POST <oauth_base>/login/oauth2/access_token`, form body with `client_id` and `client_secret`
(Snap's documented pair; no HTTP Basic). 400/401 on refresh means the refresh token is dead:
`SignInRequired`. 429, 5xx and connection errors are retried with exponential backoff.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

import httpx

from snapdesk.api.errors import (
    ApiError,
    ConnectionFailed,
    RateLimited,
    ServerError,
    retry_after_seconds,
)
from snapdesk.auth.errors import CodeExchangeFailed, SignInRequired
from snapdesk.auth.settings import OAuthApp
from snapdesk.auth.tokens import TokenSet

__all__ = ["TokenEndpoint"]

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class _Retry(Exception):
    def __init__(self, error: Exception, wait: float | None) -> None:
        self.error = error
        self.wait = wait


class TokenEndpoint:
    """Talks to the token endpoint of one OAuth app. Never logs or raises with a secret inside."""

    def __init__(
        self,
        app: OAuthApp,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
        clock: Clock = time.time,
        max_attempts: int = 4,
        base_delay: float = 1.0,
        max_delay: float = 16.0,
        timeout: float = 30.0,
        verify: bool = True,
    ) -> None:
        self.app = app
        self._transport = transport
        self._sleep = sleep
        self._clock = clock
        self.max_attempts = max(1, max_attempts)
        self.base_delay = base_delay
        self.max_delay = max_delay
        self._timeout = timeout
        self._verify = verify

    def jitter(self, delay: float) -> float:
        """Spread retries a little (stub in tests for exact delays)."""
        return delay * random.uniform(0.8, 1.2)

    def delay_for(self, attempt: int, wait: float | None) -> float:
        if wait is not None:
            return min(self.max_delay * 4, wait)
        return self.jitter(min(self.max_delay, self.base_delay * 2 ** (attempt - 1)))

    async def exchange_code(self, code: str, *, code_verifier: str | None = None) -> TokenSet:
        """Trade an authorization code for tokens (`redirect_uri` exactly as registered)."""
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "client_id": self.app.client_id,
            "client_secret": self.app.client_secret,
            "redirect_uri": self.app.redirect_uri,
        }
        if code_verifier:
            form["code_verifier"] = code_verifier
        status, body = await self._post(form, secrets=(code, code_verifier))
        if status in (400, 401):
            raise _exchange_error(status, body)
        return self._tokens(status, body, previous_refresh_token=None)

    async def refresh(self, refresh_token: str, *, profile: str) -> TokenSet:
        """New tokens from a refresh token; keeps the old refresh token if Snap sends none."""
        form = {
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": self.app.client_id,
            "client_secret": self.app.client_secret,
        }
        status, body = await self._post(form, secrets=(refresh_token,))
        if status in (400, 401):
            error, description = _oauth_error(body)
            log.info("token refresh for login %r refused: HTTP %s %s", profile, status, error)
            raise SignInRequired(
                profile, status=status, error_code=error, debug_message=description
            )
        return self._tokens(status, body, previous_refresh_token=refresh_token)

    # -- plumbing ------------------------------------------------------------------------------

    def _tokens(self, status: int, body: Any, *, previous_refresh_token: str | None) -> TokenSet:
        if status != 200 or not isinstance(body, dict) or not body.get("access_token"):
            raise ApiError(
                f"Snap's sign-in service gave an unexpected answer (HTTP {status}) — try again "
                "later",
                status=status,
                method="POST",
                path=urlsplit(self.app.token_url).path,
            )
        return TokenSet.from_response(
            body, now=self._clock(), previous_refresh_token=previous_refresh_token
        )

    async def _post(
        self, form: dict[str, str], *, secrets: tuple[str | None, ...]
    ) -> tuple[int, Any]:
        attempt = 0
        while True:
            attempt += 1
            try:
                return await self._attempt(form, secrets=secrets)
            except _Retry as retry:
                if attempt >= self.max_attempts:
                    raise retry.error from None
                delay = self.delay_for(attempt, retry.wait)
                log.info(
                    "token endpoint attempt %d failed (%s); retrying in %.1f s",
                    attempt,
                    type(retry.error).__name__,
                    delay,
                )
                await self._sleep(delay)

    async def _attempt(
        self, form: dict[str, str], *, secrets: tuple[str | None, ...]
    ) -> tuple[int, Any]:
        host = urlsplit(self.app.token_url).netloc
        path = urlsplit(self.app.token_url).path
        try:
            # The OAuth token endpoint on accounts.snapchat.com, not a Marketing API write: this
            # POST creates nothing in an ad account, so it does not go through snapdesk.changes.
            async with httpx.AsyncClient(
                transport=self._transport, timeout=self._timeout, verify=self._verify
            ) as session:
                response = await session.request(
                    "POST",
                    self.app.token_url,
                    data=form,
                    headers={"Accept": "application/json"},
                )
        except httpx.TimeoutException:
            raise _Retry(
                ConnectionFailed(
                    f"Snap's sign-in service ({host}) did not answer in time — check your "
                    "connection and try again"
                ),
                None,
            ) from None
        except httpx.TransportError:
            raise _Retry(
                ConnectionFailed(
                    f"Can't reach Snap's sign-in service ({host}) — check your internet "
                    "connection and try again"
                ),
                None,
            ) from None
        status = response.status_code
        body = _body(response, secrets=(*secrets, self.app.client_secret))
        if status == 429:
            wait = retry_after_seconds(response.headers)
            raise _Retry(
                RateLimited(
                    "Snap's sign-in service is busy (too many requests) — wait a minute and "
                    "try again",
                    retry_after=wait,
                    status=429,
                    method="POST",
                    path=path,
                ),
                wait,
            )
        if status in RETRY_STATUSES:
            raise _Retry(
                ServerError(
                    f"Snap's sign-in service is having trouble (HTTP {status}) — try again in a "
                    "few minutes",
                    status=status,
                    method="POST",
                    path=path,
                ),
                retry_after_seconds(response.headers),
            )
        return status, body


def _body(response: httpx.Response, *, secrets: tuple[str | None, ...]) -> Any:
    try:
        body = response.json()
    except ValueError:
        body = response.text
    if isinstance(body, dict):
        if isinstance(body.get("error_description"), str):
            body["error_description"] = _scrub(body["error_description"], secrets)
    elif isinstance(body, str):
        body = _scrub(body, secrets)
    return body


def _scrub(text: str, secrets: tuple[str | None, ...]) -> str:
    for secret in secrets:
        if secret and len(secret) >= 6:  # shorter values are test fixtures, not real secrets
            text = text.replace(secret, "<redacted>")
    return text


def _oauth_error(body: Any) -> tuple[str | None, str | None]:
    if isinstance(body, dict):
        error = body.get("error")
        description = body.get("error_description")
        return (
            str(error) if error else None,
            str(description)[:300] if description else None,
        )
    if isinstance(body, str) and body.strip():
        return None, body.strip()[:300]
    return None, None


def _exchange_error(status: int, body: Any) -> CodeExchangeFailed:
    error, description = _oauth_error(body)
    detail = (
        f" ({error}: {description})" if error and description else f" ({error})" if error else ""
    )
    if error == "invalid_client" or (status == 401 and error is None):
        message = (
            f"Snap rejected the OAuth app's client ID or secret{detail} — check them in "
            "Settings → Snap app"
        )
    elif error == "redirect_uri_mismatch" or (description and "redirect" in description.lower()):
        message = (
            f"Snap says the redirect URI does not match the registered one{detail} — enter it "
            "exactly as registered in your Snap OAuth app"
        )
    else:
        message = (
            f"Snap did not accept the sign-in code{detail}; codes work once and only for a "
            "minute — start the sign-in again"
        )
    return CodeExchangeFailed(message, status=status, error_code=error)
