"""Signing in: authorize URL, loopback redirect or pasted address, code exchange, storage.

`LoginSession` is the step-by-step object a UI drives (start, show the URL, accept a pasted
address, wait, finish). `login_flow` runs the whole thing for the CLI and for simple callers.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import logging
import secrets
import ssl
import time
import webbrowser
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

import httpx

from snapdesk import config
from snapdesk.auth._cert import loopback_certificate, server_ssl_context
from snapdesk.auth._loopback import CallbackListener, parse_callback_query
from snapdesk.auth.endpoint import TokenEndpoint
from snapdesk.auth.errors import InvalidRedirect, LoginError, LoginTimedOut
from snapdesk.auth.profiles import AccessSummary, Profiles, confirm_access, validate_profile_name
from snapdesk.auth.provider import RefreshingTokenProvider
from snapdesk.auth.settings import OAuthApp
from snapdesk.auth.tokens import KeyringTokenStore, TokenSet, TokenStore

__all__ = [
    "DEFAULT_LOGIN_TIMEOUT",
    "AuthorizationRequest",
    "LoginResult",
    "LoginSession",
    "build_authorization_request",
    "login_flow",
    "parse_redirect_url",
    "pkce_challenge",
]

log = logging.getLogger(__name__)

DEFAULT_LOGIN_TIMEOUT = 300.0

OpenBrowser = Callable[[str], object]
PasteSource = Callable[[], Awaitable[str | None]]


def pkce_challenge(verifier: str) -> str:
    """RFC 7636 S256: base64url(sha256(verifier)) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


@dataclass(frozen=True, repr=False)
class AuthorizationRequest:
    """One sign-in attempt: the URL to open, its `state`, and the PKCE verifier if used."""

    url: str
    state: str
    redirect_uri: str
    code_verifier: str | None = None

    def __repr__(self) -> str:
        return f"AuthorizationRequest(redirect_uri={self.redirect_uri!r}, pkce={bool(self.code_verifier)})"


def build_authorization_request(app: OAuthApp) -> AuthorizationRequest:
    state = secrets.token_urlsafe(24)
    params = {
        "client_id": app.client_id,
        "redirect_uri": app.redirect_uri,
        "response_type": "code",
        "scope": app.scope,
        "state": state,
    }
    verifier = None
    if app.use_pkce:
        verifier = secrets.token_urlsafe(48)  # 64 characters, within RFC 7636's 43..128
        params["code_challenge"] = pkce_challenge(verifier)
        params["code_challenge_method"] = "S256"
    return AuthorizationRequest(
        url=f"{app.authorize_url}?{urlencode(params)}",
        state=state,
        redirect_uri=app.redirect_uri,
        code_verifier=verifier,
    )


def parse_redirect_url(text: str, *, expected_state: str) -> str:
    """The code from the address the browser was redirected to (as pasted by the user).

    Accepts the full URL, or just its query string. Raises `InvalidRedirect` (no code: ask
    again), `AccessDenied`, `StateMismatch` or `LoginError`.
    """
    text = text.strip().strip("<>\"'")
    if not text:
        raise InvalidRedirect("Paste the address your browser shows after you approve snapdesk")
    query = urlsplit(text).query if "://" in text else text.lstrip("?")
    return parse_callback_query(query, expected_state=expected_state)


@dataclass(frozen=True, repr=False)
class LoginResult:
    """A finished sign-in. `summary` is None when `/me` could not be read (see `warning`)."""

    profile: str
    tokens: TokenSet
    summary: AccessSummary | None = None
    warning: str | None = None

    def __repr__(self) -> str:
        return f"LoginResult(profile={self.profile!r}, summary={self.summary!r})"


class LoginSession:
    """One sign-in, step by step (for a dialog):

    1. `await session.start()`: listens on the redirect URI's port (if it is a loopback address;
       `PortInUse` otherwise); `session.authorize_url` is then ready to open.
    2. The user approves in the browser; the listener gets the redirect, or the user pastes the
       address into `session.submit_pasted_url(text)`.
    3. `code = await session.wait_for_code(time_limit)`, then `await session.finish(code)` exchanges
       it and stores the tokens. `await session.aclose()` in any case.
    """

    def __init__(
        self,
        *,
        app: OAuthApp,
        profile: str,
        store: TokenStore,
        paths: config.Paths | None = None,
        listen: bool = True,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.app = app
        self.profile = profile
        self.store = store
        self.paths = paths or config.Paths.from_env()
        self.request = build_authorization_request(app)
        self.endpoint = TokenEndpoint(app, transport=transport, sleep=sleep, clock=clock)
        self._listen = listen
        self._listener: CallbackListener | None = None
        self._pasted: asyncio.Future[str] | None = None
        self.certificate_fingerprint: str | None = None

    @property
    def authorize_url(self) -> str:
        return self.request.url

    @property
    def uses_self_signed_certificate(self) -> bool:
        """Warn the user before opening the browser: it will flag snapdesk's own certificate."""
        return self._listen and self.app.uses_self_signed_certificate

    @property
    def listening(self) -> bool:
        return self._listener is not None

    async def start(self) -> None:
        if isinstance(self.store, KeyringTokenStore):
            await asyncio.to_thread(self.store.probe)
        self._pasted = asyncio.get_running_loop().create_future()
        target = self.app.loopback
        if not self._listen or target is None:
            log.info("no loopback listener for this redirect URI: waiting for a pasted address")
            return
        context: ssl.SSLContext | None = None
        if target.tls:
            certificate = await asyncio.to_thread(loopback_certificate, self.paths.config_dir)
            self.certificate_fingerprint = certificate.sha256_fingerprint
            context = server_ssl_context(certificate)
        listener = CallbackListener(
            target=target, expected_state=self.request.state, ssl_context=context
        )
        await listener.start()
        self._listener = listener

    def submit_pasted_url(self, text: str) -> None:
        """Take the address the user pasted.

        `InvalidRedirect` (no code in it): the flow goes on, ask again. `AccessDenied`,
        `StateMismatch`, `LoginError`: the flow has failed (and `wait_for_code` raises it too).
        """
        if self._pasted is None:
            raise RuntimeError("start() the sign-in first")
        try:
            code = parse_redirect_url(text, expected_state=self.request.state)
        except InvalidRedirect:
            raise
        except LoginError as exc:
            if not self._pasted.done():
                self._pasted.set_exception(exc)
            raise
        if not self._pasted.done():
            self._pasted.set_result(code)

    async def wait_for_code(self, time_limit: float = DEFAULT_LOGIN_TIMEOUT) -> str:
        """The first code to arrive (redirect or paste); `LoginTimedOut` after `time_limit` s."""
        if self._pasted is None:
            raise RuntimeError("start() the sign-in first")
        waiters: list[asyncio.Future[str]] = [self._pasted]
        listener_task: asyncio.Task[str] | None = None
        if self._listener is not None:
            listener_task = asyncio.ensure_future(self._listener.wait())
            waiters.append(listener_task)
        try:
            done, _ = await asyncio.wait(
                waiters, timeout=time_limit, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            if listener_task is not None and not listener_task.done():
                listener_task.cancel()
                with contextlib.suppress(asyncio.CancelledError, LoginError):
                    await listener_task
        if not done:
            minutes = time_limit / 60
            span = f"{minutes:g} minutes" if time_limit >= 60 else f"{time_limit:g} seconds"
            raise LoginTimedOut(
                f"No answer from Snap within {span}, so the sign-in was stopped — start it "
                "again when you're ready"
            )
        # A redirect beats a paste that arrived at the same moment; either way it's one result.
        first = listener_task if listener_task in done else self._pasted
        assert first is not None
        return first.result()

    async def finish(self, code: str) -> TokenSet:
        """Exchange `code` for tokens and store them under the profile."""
        tokens = await self.endpoint.exchange_code(code, code_verifier=self.request.code_verifier)
        await asyncio.to_thread(self.store.save, self.profile, tokens)
        log.info("signed in: tokens stored for login %r", self.profile)
        return tokens

    async def aclose(self) -> None:
        if self._listener is not None:
            await self._listener.aclose()
            self._listener = None
        if self._pasted is not None and not self._pasted.done():
            self._pasted.cancel()
        elif self._pasted is not None and self._pasted.done() and not self._pasted.cancelled():
            self._pasted.exception()  # mark a pasted failure as seen


async def login_flow(
    *,
    app: OAuthApp,
    profile: str = "default",
    store: TokenStore,
    paths: config.Paths | None = None,
    open_browser: OpenBrowser | None = webbrowser.open,
    on_authorize_url: Callable[[str], None] | None = None,
    paste: PasteSource | None = None,
    on_paste_rejected: Callable[[str], None] | None = None,
    time_limit: float = DEFAULT_LOGIN_TIMEOUT,
    listen: bool = True,
    confirm: bool = True,
    profiles: Profiles | None = None,
    api_base: str | None = None,
    api_transport: httpx.AsyncBaseTransport | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    clock: Callable[[], float] = time.time,
) -> LoginResult:
    """Sign `profile` in: the whole flow, from authorize URL to stored tokens.

    - `on_authorize_url(url)` is called once the listener runs (the CLI prints the URL);
      `open_browser(url)` then opens it (pass None for `--no-browser`).
    - `paste()` is awaited repeatedly for pasted redirect addresses (None = no more input);
      unusable text goes to `on_paste_rejected(message)` and the flow keeps waiting.
    - Whichever of redirect and paste comes first wins; `LoginTimedOut` after `time_limit` s.
    - The login is added to `profiles` (default: a fresh `Profiles` on `paths`) and made active.
    - With `confirm`, `/me` and `/me/organizations` are read (API at `api_base`) and recorded in
      profiles.json; a failure there is reported in `LoginResult.warning`, the sign-in stands.
    """
    profile = validate_profile_name(profile)
    session = LoginSession(
        app=app,
        profile=profile,
        store=store,
        paths=paths,
        listen=listen,
        transport=transport,
        sleep=sleep,
        clock=clock,
    )
    paste_task: asyncio.Task[None] | None = None
    try:
        await session.start()
        if on_authorize_url is not None:
            on_authorize_url(session.authorize_url)
        if open_browser is not None:
            opened = await asyncio.to_thread(open_browser, session.authorize_url)
            if opened is False:
                log.info("no browser could be opened; the URL was offered instead")
        if paste is not None:
            paste_task = asyncio.create_task(_feed_pastes(session, paste, on_paste_rejected))
        code = await session.wait_for_code(time_limit)
    finally:
        if paste_task is not None:
            paste_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await paste_task
        await session.aclose()
    tokens = await session.finish(code)
    if profiles is None:
        profiles = Profiles(store=store, paths=session.paths)
    profiles.ensure(profile)
    profiles.switch(profile)
    if not confirm:
        return LoginResult(profile=profile, tokens=tokens)
    return await _confirm(
        profiles=profiles,
        session=session,
        tokens=tokens,
        api_base=api_base,
        api_transport=api_transport,
        sleep=sleep,
        clock=clock,
    )


async def _feed_pastes(
    session: LoginSession,
    paste: PasteSource,
    on_rejected: Callable[[str], None] | None,
) -> None:
    while True:
        text = await paste()
        if text is None:
            return
        if not text.strip():
            continue
        try:
            session.submit_pasted_url(text)
        except InvalidRedirect as exc:
            if on_rejected is not None:
                on_rejected(exc.message)
            continue
        except LoginError:
            return  # the session holds the failure; wait_for_code raises it
        return


async def _confirm(
    *,
    profiles: Profiles,
    session: LoginSession,
    tokens: TokenSet,
    api_base: str | None,
    api_transport: httpx.AsyncBaseTransport | None,
    sleep: Callable[[float], Awaitable[None]],
    clock: Callable[[], float],
) -> LoginResult:
    from snapdesk.api import SnapApi, SnapError

    provider = RefreshingTokenProvider(
        profile=session.profile,
        store=session.store,
        endpoint=session.endpoint,
        tokens=tokens,
        clock=clock,
    )
    try:
        async with SnapApi(
            token_provider=provider,
            base_url=api_base,
            transport=api_transport,
            sleep=sleep,
        ) as api:
            summary = await confirm_access(api)
    except SnapError as exc:
        log.warning("signed in, but reading /me failed: %s", type(exc).__name__)
        return LoginResult(
            profile=session.profile,
            tokens=provider.tokens or tokens,
            warning=f"Signed in, but snapdesk could not read your Snap account yet: {exc.message}",
        )
    profiles.record_access(session.profile, summary)
    return LoginResult(profile=session.profile, tokens=provider.tokens or tokens, summary=summary)
