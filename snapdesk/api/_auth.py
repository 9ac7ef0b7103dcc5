"""Where the client gets its bearer token from."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

__all__ = ["StaticTokenProvider", "TokenProvider"]


@runtime_checkable
class TokenProvider(Protocol):
    """Supplies access tokens. Implementations must never log or repr the token."""

    async def token(self) -> str:
        """The current access token."""
        ...

    async def refresh_after_unauthorized(self) -> bool:
        """Snap answered 401: get a fresh token if possible.

        Return True if a fresh token is now available (the client then retries once).
        """
        ...


class StaticTokenProvider:
    """A fixed token (`SNAPDESK_ACCESS_TOKEN`, the sandbox token); it cannot be refreshed."""

    __slots__ = ("_token",)

    def __init__(self, token: str) -> None:
        token = token.strip()
        if not token:
            raise ValueError("an access token is required")
        self._token = token

    async def token(self) -> str:
        return self._token

    async def refresh_after_unauthorized(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "StaticTokenProvider(token=<redacted>)"
