"""A `TokenProvider` that keeps one login's access token fresh.

Refreshes before `expires_in` runs out (five minutes early; half-life for short tokens) and once
after a 401. Concurrent callers share one refresh (an `asyncio.Lock`). Each new token set is
written to the token store; a refresh token is replaced only when Snap sends a new one.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import time
from collections.abc import Callable

from snapdesk.auth.endpoint import TokenEndpoint
from snapdesk.auth.errors import KeyringUnavailable, OAuthAppNotConfigured, SignInRequired
from snapdesk.auth.tokens import TokenSet, TokenStore

__all__ = ["RefreshingTokenProvider"]

log = logging.getLogger(__name__)

# The token the current task last got from a provider: (id(provider), token). SnapApi calls
# `token()` and, after a 401, `refresh_after_unauthorized()` from the same task, so this says
# which token Snap rejected.
_TOKEN_USED: contextvars.ContextVar[tuple[int, str] | None] = contextvars.ContextVar(
    "snapdesk_auth_token_used", default=None
)


class RefreshingTokenProvider:
    """Access tokens for one login (`profile`), refreshed through `endpoint` as needed.

    `endpoint` may be None (no OAuth app configured): the stored token is used until it expires,
    then `OAuthAppNotConfigured` says what to set up.
    """

    def __init__(
        self,
        *,
        profile: str,
        store: TokenStore,
        endpoint: TokenEndpoint | None,
        tokens: TokenSet | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.profile = profile
        self._store = store
        self._endpoint = endpoint
        self._tokens = tokens
        self._clock = clock
        self._lock = asyncio.Lock()
        self._generation = 0
        self.refresh_count = 0
        #: The last failure to persist refreshed tokens (the session goes on with them in memory).
        self.persist_error: KeyringUnavailable | None = None

    async def token(self) -> str:
        token = await self._fresh_token()
        _TOKEN_USED.set((id(self), token))
        return token

    async def _fresh_token(self) -> str:
        tokens = await self._current()
        if not tokens.needs_refresh(self._clock()):
            return tokens.access_token
        generation = self._generation
        async with self._lock:
            tokens = await self._current()
            if self._generation == generation and tokens.needs_refresh(self._clock()):
                try:
                    tokens = await self._refresh(tokens)
                except SignInRequired:
                    raise
                except Exception as exc:
                    # Proactive refresh failed for a passing reason (network, 5xx): an access
                    # token that has not expired yet still works.
                    if tokens.expired(self._clock()):
                        raise
                    log.info(
                        "early refresh for login %r failed (%s); using the current token",
                        self.profile,
                        type(exc).__name__,
                    )
            return tokens.access_token

    async def refresh_after_unauthorized(self) -> bool:
        used = _TOKEN_USED.get()
        rejected = used[1] if used is not None and used[0] == id(self) else None
        generation = self._generation
        async with self._lock:
            tokens = await self._current()
            if rejected is not None:
                if rejected != tokens.access_token:
                    return True  # already replaced (by a concurrent refresh): just retry
            elif self._generation != generation:
                return True  # another caller refreshed while we waited
            if not tokens.refresh_token:
                return False
            await self._refresh(tokens)
            return True

    @property
    def tokens(self) -> TokenSet | None:
        """The token set in use, if loaded yet (never log it)."""
        return self._tokens

    async def current_tokens(self) -> TokenSet:
        """The token set in use (loaded from the store on first use)."""
        return await self._current()

    # -- internals -----------------------------------------------------------------------------

    async def _current(self) -> TokenSet:
        if self._tokens is None:
            loaded = await asyncio.to_thread(self._store.load, self.profile)
            if loaded is None:
                raise SignInRequired(self.profile)
            self._tokens = loaded
        return self._tokens

    async def _refresh(self, tokens: TokenSet) -> TokenSet:
        if not tokens.refresh_token:
            raise SignInRequired(self.profile)
        if self._endpoint is None:
            raise OAuthAppNotConfigured(
                "snapdesk can't renew your Snap sign-in because the OAuth app's client ID and "
                "secret are not set — set them in Settings → Snap app (or SNAPDESK_CLIENT_ID and "
                "SNAPDESK_CLIENT_SECRET)"
            )
        log.info("refreshing the access token of login %r", self.profile)
        fresh = await self._endpoint.refresh(tokens.refresh_token, profile=self.profile)
        self._tokens = fresh
        self._generation += 1
        self.refresh_count += 1
        try:
            await asyncio.to_thread(self._store.save, self.profile, fresh)
            self.persist_error = None
        except KeyringUnavailable as exc:
            self.persist_error = exc
            log.warning(
                "the refreshed sign-in of login %r could not be saved; it lasts for this session",
                self.profile,
            )
        return fresh

    def __repr__(self) -> str:
        return f"RefreshingTokenProvider(profile={self.profile!r})"
