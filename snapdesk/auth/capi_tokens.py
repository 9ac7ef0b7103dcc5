"""Conversions API tokens: one per pixel or Snap app, in the system keyring.

A Conversions API token is generated in Snap's Business Manager (Business Details → Conversions
API Tokens) and is long-lived; it can send events but cannot call the Marketing API. snapdesk
keeps one per asset under the keyring service `snapdesk`, entry `capi-token:<asset id>`.

`resolve_capi_token` decides which token a send uses, in this order:
1. `SNAPDESK_CAPI_TOKEN` (headless use; any asset);
2. the keyring entry for the pixel or app;
3. the active login's OAuth token, if it carries the `snapchat-offline-conversions-api` scope
   (a refreshing provider);
otherwise `NoCapiToken` says how to provide one.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, Protocol

from keyring.backend import KeyringBackend

from snapdesk import config
from snapdesk.api import SnapError, TokenProvider
from snapdesk.auth.errors import KeyringUnavailable
from snapdesk.auth.settings import CONVERSIONS_SCOPE
from snapdesk.auth.tokens import KeyringTokenStore, TokenStore

__all__ = [
    "CAPI_TOKEN_ENV",
    "CapiCredential",
    "CapiTokenStore",
    "KeyringCapiTokenStore",
    "MemoryCapiTokenStore",
    "NoCapiToken",
    "capi_token_key",
    "resolve_capi_token",
]

CAPI_TOKEN_ENV = "SNAPDESK_CAPI_TOKEN"


def capi_token_key(asset_id: str) -> str:
    return f"capi-token:{asset_id.strip()}"


class NoCapiToken(SnapError):
    """No Conversions API token is available for an asset."""


class CapiTokenStore(Protocol):
    def get(self, asset_id: str) -> str | None: ...

    def set(self, asset_id: str, token: str) -> None: ...

    def delete(self, asset_id: str) -> None: ...


class KeyringCapiTokenStore:
    """Conversions API tokens in the OS keyring (the login store's backend and error handling)."""

    def __init__(self, backend: KeyringBackend | None = None, *, check: bool = True) -> None:
        self._store = KeyringTokenStore(backend, check=check)

    def get(self, asset_id: str) -> str | None:
        return self._store._get(capi_token_key(asset_id))

    def set(self, asset_id: str, token: str) -> None:
        token = token.strip()
        if not token:
            raise ValueError("the Conversions API token is empty")
        self._store._set(capi_token_key(asset_id), token)

    def delete(self, asset_id: str) -> None:
        self._store._delete(capi_token_key(asset_id))

    def __repr__(self) -> str:
        return f"KeyringCapiTokenStore(backend={type(self._store.backend).__name__})"


class MemoryCapiTokenStore:
    """Session-only storage (no usable keyring, tests). Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokens: dict[str, str] = {}

    def get(self, asset_id: str) -> str | None:
        with self._lock:
            return self._tokens.get(asset_id.strip())

    def set(self, asset_id: str, token: str) -> None:
        if not token.strip():
            raise ValueError("the Conversions API token is empty")
        with self._lock:
            self._tokens[asset_id.strip()] = token.strip()

    def delete(self, asset_id: str) -> None:
        with self._lock:
            self._tokens.pop(asset_id.strip(), None)

    def __repr__(self) -> str:
        return f"MemoryCapiTokenStore(assets={sorted(self._tokens)!r})"


@dataclass(frozen=True, repr=False)
class CapiCredential:
    """What a send authenticates with: a token string or a refreshing OAuth provider."""

    token: str | TokenProvider
    source: Literal["env", "keyring", "login"]
    profile: str | None = None

    def __repr__(self) -> str:
        return f"CapiCredential(source={self.source!r}, profile={self.profile!r}, token=<redacted>)"


def resolve_capi_token(
    asset_id: str,
    *,
    environ: Mapping[str, str] | None = None,
    capi_store: CapiTokenStore | None = None,
    login_store: TokenStore | None = None,
    profile: str | None = None,
    paths: config.Paths | None = None,
) -> CapiCredential:
    """The token for sending events to `asset_id` (see the module docstring for the order).

    Stores default to the system keyring; a keyring that can't be read is skipped, and the
    final error says so.
    """
    env = os.environ if environ is None else environ
    token = env.get(CAPI_TOKEN_ENV, "").strip()
    if token:
        return CapiCredential(token, "env")
    keyring_problem: str | None = None
    try:
        store = capi_store if capi_store is not None else KeyringCapiTokenStore()
        stored = store.get(asset_id)
    except KeyringUnavailable as exc:
        keyring_problem = exc.message.split(";")[0]
        stored = None
    if stored:
        return CapiCredential(stored, "keyring")

    from snapdesk.auth.headless import provider_for_login
    from snapdesk.auth.profiles import Profiles

    paths = paths or config.Paths.from_env()
    name = profile or Profiles(store=None, paths=paths).active
    if name is not None:
        try:
            tokens_store = login_store if login_store is not None else KeyringTokenStore()
            tokens = tokens_store.load(name)
        except KeyringUnavailable as exc:
            keyring_problem = keyring_problem or exc.message.split(";")[0]
            tokens = None
        if tokens is not None:
            scopes = tokens.scope.split()
            if scopes and CONVERSIONS_SCOPE not in scopes:
                raise NoCapiToken(
                    f"The login {name!r} can't send conversions (it lacks the "
                    f"{CONVERSIONS_SCOPE} scope): sign in again with Conversions API access, "
                    f"store a Conversions API token for {asset_id}, or set {CAPI_TOKEN_ENV}"
                )
            provider = provider_for_login(name, store=tokens_store, paths=paths)
            return CapiCredential(provider, "login", name)
    hint = f" ({keyring_problem})" if keyring_problem else ""
    raise NoCapiToken(
        f"No Conversions API token for {asset_id}{hint}: set {CAPI_TOKEN_ENV}, store a token for "
        "it, or sign in with the snapchat-offline-conversions-api scope"
    )
