"""Everything one open window works with: the cache, the loop, the logins and one API client per
signed-in login.

`Session.apis` maps a login (profile) name to its `SnapApi`. Each client's tokens come from a
`RefreshingTokenProvider` wrapped in a `WatchedTokens`, which remembers when Snap refused the
stored refresh token (`SignInRequired`) so a sync can stop that login's work and ask the user to
sign in again. `SNAPDESK_ACCESS_TOKEN` gives a single login named `env`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path
from typing import Any

from snapdesk import config
from snapdesk.api import SnapApi, SnapError, TokenProvider
from snapdesk.auth import (
    KeyringUnavailable,
    MemoryTokenStore,
    NotSignedIn,
    OAuthApp,
    Profiles,
    RefreshingTokenProvider,
    SignInRequired,
    TokenEndpoint,
    TokenSet,
    TokenStore,
    provider_for_login,
    resolve_oauth_app,
)
from snapdesk.changes.mode import LiveMode

log = logging.getLogger(__name__)

ENV_PROFILE = "env"
ENV_LABEL = "SNAPDESK_ACCESS_TOKEN"


class WatchedTokens:
    """A token provider that remembers a refused refresh token (`SignInRequired`)."""

    def __init__(self, inner: TokenProvider, *, profile: str) -> None:
        self.inner = inner
        self.profile = profile
        self.sign_in_required: SignInRequired | None = None

    async def token(self) -> str:
        try:
            return await self.inner.token()
        except SignInRequired as exc:
            self.sign_in_required = exc
            raise

    async def refresh_after_unauthorized(self) -> bool:
        try:
            return await self.inner.refresh_after_unauthorized()
        except SignInRequired as exc:
            self.sign_in_required = exc
            raise

    def __repr__(self) -> str:
        return f"WatchedTokens(profile={self.profile!r})"


class SessionTokenStore:
    """The keyring (if it works) plus session-only logins held in memory.

    A login signed in "for this session only" lives in `memory`; every other login lives in the
    keyring. Reads look in memory first. Never writes anything to disk itself.
    """

    def __init__(self, keyring: TokenStore | None, memory: MemoryTokenStore) -> None:
        self.keyring = keyring
        self.memory = memory

    @property
    def persistent(self) -> bool:
        return self.keyring is not None

    def _keyring(self) -> TokenStore:
        if self.keyring is None:
            raise KeyringUnavailable()
        return self.keyring

    def session_only(self, profile: str) -> bool:
        return self.memory.load(profile) is not None

    def load(self, profile: str) -> TokenSet | None:
        found = self.memory.load(profile)
        if found is not None or self.keyring is None:
            return found
        return self.keyring.load(profile)

    def save(self, profile: str, tokens: TokenSet) -> None:
        if self.session_only(profile):
            self.memory.save(profile, tokens)
        else:
            self._keyring().save(profile, tokens)

    def delete(self, profile: str) -> None:
        self.memory.delete(profile)
        if self.keyring is not None:
            self.keyring.delete(profile)

    def rename(self, old: str, new: str) -> None:
        self.memory.rename(old, new)
        if self.keyring is not None:
            self.keyring.rename(old, new)

    def get_client_secret(self, client_id: str) -> str | None:
        found = self.memory.get_client_secret(client_id)
        if found is not None or self.keyring is None:
            return found
        return self.keyring.get_client_secret(client_id)

    def set_client_secret(self, client_id: str, secret: str) -> None:
        self._keyring().set_client_secret(client_id, secret)
        self.memory.delete_client_secret(client_id)

    def delete_client_secret(self, client_id: str) -> None:
        self.memory.delete_client_secret(client_id)
        if self.keyring is not None:
            self.keyring.delete_client_secret(client_id)

    def __repr__(self) -> str:
        return f"SessionTokenStore(keyring={self.keyring!r}, memory={self.memory!r})"


class Session:
    """The state one window shares with its dialogs and operations.

    - `apis`: one `SnapApi` per signed-in login; `profile` is the active login.
    - `tokens`: where tokens and the client secret are kept (keyring + session-only memory).
    - `profiles`: the list of logins (`profiles.json`, never tokens).
    - `oauth_app`: a fixed OAuth app (the sandbox's); None means the user's own, from settings.
    - `sign_in_required`: logins whose refresh token Snap refused, with the message to show.
    """

    def __init__(
        self,
        *,
        store: Any,
        loop: asyncio.AbstractEventLoop,
        api: SnapApi | None = None,
        apis: dict[str, SnapApi] | None = None,
        profile: str = "default",
        sandbox: Any = None,
        settings_path: Path | None = None,
        paths: config.Paths | None = None,
        keyring: TokenStore | None = None,
        keyring_error: str | None = None,
        memory: MemoryTokenStore | None = None,
        profiles: Profiles | None = None,
        oauth_app: OAuthApp | None = None,
        api_base: str | None = None,
        live_mode: LiveMode | None = None,
    ) -> None:
        self.store = store
        #: The one owner of live / dry-run for everything this session shows (a fresh session
        #: starts in dry-run). Widgets read it and redraw on `app_state(session).live_changed`.
        self.live_mode = live_mode if live_mode is not None else LiveMode()
        self.loop = loop
        self.sandbox = sandbox  # the running SandboxServer, when on the sandbox
        self.settings_path = settings_path  # QSettings ini file for window geometry and layout
        self.paths = paths or config.Paths.from_env()
        self.memory = memory or MemoryTokenStore()
        self.tokens = SessionTokenStore(keyring, self.memory)
        self.keyring_error = keyring_error
        self.profiles = profiles or Profiles(store=self.tokens, paths=self.paths)
        self.oauth_app = oauth_app
        self._api_base = api_base
        self.apis: dict[str, SnapApi] = dict(apis or {})
        if api is not None:
            self.apis.setdefault(profile, api)
        self._profile = profile
        self.sign_in_required: dict[str, str] = {}
        self._closing: set[asyncio.Task[None]] = set()

    # -- basics ----------------------------------------------------------------------------------

    @property
    def is_sandbox(self) -> bool:
        return self.sandbox is not None

    @property
    def is_env(self) -> bool:
        return ENV_PROFILE in self.apis and self.apis.keys() == {ENV_PROFILE}

    @property
    def profile(self) -> str:
        """The active login."""
        return self._profile

    @profile.setter
    def profile(self, name: str) -> None:
        self._profile = name

    @property
    def api(self) -> SnapApi | None:
        """The active login's client (else any signed-in login's), or None."""
        if self._profile in self.apis:
            return self.apis[self._profile]
        return next(iter(self.apis.values()), None)

    @property
    def api_base(self) -> str:
        if self._api_base:
            return self._api_base
        if self.sandbox is not None:
            return str(self.sandbox.api_base)
        return config.api_base()

    def api_for(self, profile: str | None) -> SnapApi | None:
        return self.apis.get(profile or self._profile)

    def watch_for(self, profile: str) -> WatchedTokens | None:
        api = self.apis.get(profile)
        provider = getattr(api, "_tokens", None) if api is not None else None
        return provider if isinstance(provider, WatchedTokens) else None

    def profile_of_account(self, ad_account_id: str) -> str | None:
        account = self.store.ad_account(ad_account_id)
        return account.profile if account is not None else None

    # -- labels ----------------------------------------------------------------------------------

    def login_who(self, profile: str) -> str:
        """Who a login is: email, else display name, else the login's own name."""
        if profile == ENV_PROFILE and ENV_PROFILE in self.apis:
            return ENV_LABEL
        known = self.profiles.get(profile)
        if known is not None and (known.email or known.display_name):
            return str(known.email or known.display_name)
        return profile

    def login_label(self, profile: str) -> str:
        """`agency@example.com (default)`, or just the name when nothing more is known."""
        who = self.login_who(profile)
        return f"{who} ({profile})" if who != profile else profile

    def known_logins(self) -> list[str]:
        """Every login the user has, plus any login that has a client or cached data."""
        names = list(self.profiles.names())
        for name in self.apis:
            if name not in names:
                names.append(name)
        return names

    # -- OAuth app and clients -------------------------------------------------------------------

    def resolve_app(self) -> OAuthApp:
        """The OAuth app to sign in with (`OAuthAppNotConfigured` says what is missing)."""
        if self.oauth_app is not None:
            return self.oauth_app
        try:
            return resolve_oauth_app(store=self.tokens, paths=self.paths)
        except KeyringUnavailable:
            return resolve_oauth_app(store=self.memory, paths=self.paths)

    def new_api(self, provider: TokenProvider, *, profile: str) -> SnapApi:
        return SnapApi(
            token_provider=WatchedTokens(provider, profile=profile), base_url=self.api_base
        )

    def provider_for(self, profile: str) -> RefreshingTokenProvider:
        """A refreshing provider for a stored login (`NotSignedIn` when it has no tokens)."""
        if self.oauth_app is not None:
            tokens = self.tokens.load(profile)
            if tokens is None:
                raise NotSignedIn()
            return RefreshingTokenProvider(
                profile=profile,
                store=self.tokens,
                endpoint=TokenEndpoint(self.oauth_app),
                tokens=tokens,
            )
        return provider_for_login(profile, store=self.tokens, paths=self.paths)

    def connect_signed_in(self) -> list[str]:
        """Create a client for every stored login that has tokens. Returns their names."""
        connected = []
        for name in self.profiles.names():
            if name in self.apis:
                continue
            try:
                provider = self.provider_for(name)
            except NotSignedIn:
                continue
            except SnapError as exc:
                log.warning("login %r can't be used: %s", name, type(exc).__name__)
                continue
            self.apis[name] = self.new_api(provider, profile=name)
            connected.append(name)
        active = self.profiles.active
        if active is not None:
            self._profile = active
        elif connected:
            self._profile = connected[0]
        return connected

    def set_api(self, profile: str, api: SnapApi) -> None:
        """Use `api` for `profile` (closing the client it replaces)."""
        old = self.apis.get(profile)
        self.apis[profile] = api
        self.sign_in_required.pop(profile, None)
        if old is not None and old is not api:
            self._close_later(old)

    def drop_api(self, profile: str) -> None:
        """Stop using `profile`'s client (signed out, or its sign-in was refused)."""
        api = self.apis.pop(profile, None)
        if api is not None:
            self._close_later(api)

    def rename_api(self, old: str, new: str) -> None:
        if old in self.apis:
            api = self.apis.pop(old)
            self.apis[new] = api
            watch = self.watch_for(new)
            if watch is not None:
                watch.profile = new
                if isinstance(watch.inner, RefreshingTokenProvider):
                    watch.inner.profile = new
        if old in self.sign_in_required:
            self.sign_in_required[new] = self.sign_in_required.pop(old)
        if self._profile == old:
            self._profile = new

    def mark_sign_in_required(self, profile: str, message: str) -> None:
        self.sign_in_required[profile] = message
        self.drop_api(profile)

    def _close_later(self, api: SnapApi) -> None:
        try:
            task = self.loop.create_task(api.aclose())
        except RuntimeError:
            return  # the loop is closed: nothing left to release
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def aclose(self) -> None:
        """Close every client (at shutdown)."""
        apis = list(self.apis.values())
        self.apis.clear()
        for api in apis:
            with contextlib.suppress(Exception):
                await api.aclose()
        if self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)
