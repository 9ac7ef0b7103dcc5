"""Signing a login in from the app: the dialog's flow, and the sandbox's automatic one.

`sign_in(...)` drives a `LoginSession` step by step (listen, hand the authorize URL to the
dialog, wait for the redirect or a pasted address, exchange the code, store the tokens), then
asks Snap who signed in (`/me`, `/me/organizations`) with a client the window keeps using.

`sign_in_to_sandbox(session)` is what `snapdesk --sandbox` does at start: it registers a loopback
redirect URI with the sandbox (auto-approving its consent page) and runs the real flow, with a
"browser" that is an HTTP client following the redirects, and tokens held in memory only.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from snapdesk.api import SnapError
from snapdesk.auth import (
    DEFAULT_LOGIN_TIMEOUT,
    AccessSummary,
    LoginSession,
    OAuthApp,
    RefreshingTokenProvider,
    TokenEndpoint,
    TokenSet,
    confirm_access,
    login_flow,
)
from snapdesk.ui.session import Session

log = logging.getLogger(__name__)

SANDBOX_PROFILE = "default"

# SignInStep values reported while a sign-in runs.
LISTENING = "listening"
EXCHANGING = "exchanging"
CONFIRMING = "confirming"


@dataclass(frozen=True, repr=False)
class SignInResult:
    """A finished sign-in: the login, who it is (None if `/me` failed: see `warning`), and the
    client now registered with the session for it."""

    profile: str
    summary: AccessSummary | None
    warning: str | None
    session_only: bool

    @property
    def who(self) -> str:
        if self.summary is None:
            return self.profile
        me = self.summary.me
        if me.display_name and me.email:
            return f"{me.display_name} <{me.email}>"
        return me.display_name or me.email or me.id

    def __repr__(self) -> str:
        return f"SignInResult(profile={self.profile!r}, session_only={self.session_only!r})"


async def sign_in(
    login: LoginSession,
    *,
    session: Session,
    on_step: Callable[[str], None],
    time_limit: float = DEFAULT_LOGIN_TIMEOUT,
) -> SignInResult:
    """Run `login` to the end. `on_step(LISTENING)` is called once the authorize URL can be
    opened (the listener runs), then `EXCHANGING` and `CONFIRMING`. Cancelling closes the
    listener."""
    try:
        await login.start()
        on_step(LISTENING)
        code = await login.wait_for_code(time_limit)
    finally:
        await login.aclose()
    on_step(EXCHANGING)
    tokens = await login.finish(code)
    session_only = not login.store.persistent
    if not session_only:
        session.memory.delete(login.profile)  # a keyring sign-in replaces a session-only one
    return await _register(
        session=session,
        profile=login.profile,
        endpoint_app=login.app,
        tokens=tokens,
        session_only=session_only,
        on_step=on_step,
    )


async def _register(
    *,
    session: Session,
    profile: str,
    endpoint_app: OAuthApp,
    tokens: TokenSet,
    session_only: bool,
    on_step: Callable[[str], None] | None = None,
) -> SignInResult:
    profiles = session.profiles
    profiles.ensure(profile)
    profiles.switch(profile)
    session.profile = profile
    provider = RefreshingTokenProvider(
        profile=profile,
        store=session.tokens,
        endpoint=TokenEndpoint(endpoint_app),
        tokens=tokens,
    )
    api = session.new_api(provider, profile=profile)
    session.set_api(profile, api)
    if on_step is not None:
        on_step(CONFIRMING)
    summary: AccessSummary | None = None
    warning = None
    try:
        summary = await confirm_access(api)
    except SnapError as exc:
        log.warning("signed in, but reading /me failed: %s", type(exc).__name__)
        warning = f"Signed in, but snapdesk could not read your Snap account yet: {exc.message}"
    else:
        profiles.record_access(profile, summary)
    return SignInResult(
        profile=profile, summary=summary, warning=warning, session_only=session_only
    )


def free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def follow_redirects(url: str) -> bool:
    """The sandbox's "browser": open the authorize URL and follow its redirect to the listener."""
    with httpx.Client(follow_redirects=True, timeout=15) as client:
        client.get(url)
    return True


def register_sandbox_redirect(server: Any, redirect_uri: str) -> None:
    """Register `redirect_uri` with the sandbox's OAuth app and auto-approve its consent page.

    The same settings as `POST /__sandbox__/oauth {"redirect_uri", "auto_approve": true}`,
    applied to the in-process server's state directly: a mutating HTTP request from the app
    would have to go through the write gateway (snapdesk/changes), which is for Snap's API.
    """
    from snapdesk.sandbox.oauth import oauth_for

    oauth_for(server.state).configure({"redirect_uri": redirect_uri, "auto_approve": True})


async def sign_in_to_sandbox(session: Session, *, time_limit: float = 60.0) -> SignInResult:
    """`snapdesk --sandbox`: the real OAuth flow against the sandbox, approved automatically.

    Tokens go to the session's memory store, never to the user's keyring.
    """
    server = session.sandbox
    if server is None:
        raise RuntimeError("not on the sandbox")
    redirect_uri = f"http://127.0.0.1:{free_loopback_port()}/callback"
    register_sandbox_redirect(server, redirect_uri)
    app = OAuthApp.for_sandbox(server.base_url, redirect_uri=redirect_uri)
    session.oauth_app = app
    result = await login_flow(
        app=app,
        profile=SANDBOX_PROFILE,
        store=session.memory,
        paths=session.paths,
        open_browser=follow_redirects,
        time_limit=time_limit,
        confirm=False,
        profiles=session.profiles,
    )
    return await _register(
        session=session,
        profile=result.profile,
        endpoint_app=app,
        tokens=result.tokens,
        session_only=True,
    )


def sign_in_timeout_left(deadline: float, now: float) -> str:
    """`4:59` style countdown text."""
    left = max(0, int(deadline - now + 0.999))
    return f"{left // 60}:{left % 60:02d}"


__all__ = [
    "CONFIRMING",
    "EXCHANGING",
    "LISTENING",
    "SignInResult",
    "follow_redirects",
    "free_loopback_port",
    "sign_in",
    "sign_in_timeout_left",
    "sign_in_to_sandbox",
]
