"""Token providers for commands: `SNAPDESK_ACCESS_TOKEN`, else a stored login."""

from __future__ import annotations

import httpx

from snapdesk import config
from snapdesk.api import StaticTokenProvider, TokenProvider
from snapdesk.auth.endpoint import TokenEndpoint
from snapdesk.auth.errors import KeyringUnavailable, NotSignedIn, OAuthAppNotConfigured
from snapdesk.auth.profiles import Profiles
from snapdesk.auth.provider import RefreshingTokenProvider
from snapdesk.auth.settings import resolve_oauth_app
from snapdesk.auth.tokens import KeyringTokenStore, TokenStore

__all__ = ["provider_for_login", "token_provider_for_cli"]


def provider_for_login(
    profile: str,
    *,
    store: TokenStore,
    paths: config.Paths | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> RefreshingTokenProvider:
    """A refreshing provider for a signed-in login (`NotSignedIn` if it has no tokens)."""
    tokens = store.load(profile)
    if tokens is None:
        raise NotSignedIn()
    try:
        app = resolve_oauth_app(store=store, paths=paths)
    except OAuthAppNotConfigured:
        endpoint = None  # the stored token works until it expires; refresh then says what to set
    else:
        endpoint = TokenEndpoint(app, transport=transport)
    return RefreshingTokenProvider(profile=profile, store=store, endpoint=endpoint, tokens=tokens)


def token_provider_for_cli(
    profile: str | None = None,
    *,
    store: TokenStore | None = None,
    paths: config.Paths | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> TokenProvider:
    """`SNAPDESK_ACCESS_TOKEN` if set; else the named (or active) login; else `NotSignedIn`.

    Raises `KeyringUnavailable` when logins exist but no keyring can be read.
    """
    token = config.env_access_token()
    if token is not None:
        return StaticTokenProvider(token)
    paths = paths or config.Paths.from_env()
    profiles = Profiles(store=None, paths=paths)
    name = profile or profiles.active
    if name is None:
        raise NotSignedIn()
    if store is None:
        try:
            store = KeyringTokenStore()
        except KeyringUnavailable as exc:
            raise KeyringUnavailable(
                f"{exc.message.split(';')[0]}, so the stored sign-in can't be read — unlock your "
                "keyring, or set SNAPDESK_ACCESS_TOKEN for headless use"
            ) from None
    return provider_for_login(name, store=store, paths=paths, transport=transport)
