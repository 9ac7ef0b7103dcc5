"""End to end against the sandbox over real loopback HTTP: the whole sign-in and its failures."""

from __future__ import annotations

import asyncio
import socket
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import httpx
import pytest

from snapdesk import config
from snapdesk.api import SnapApi
from snapdesk.auth import (
    AccessDenied,
    CodeExchangeFailed,
    KeyringTokenStore,
    LoginError,
    LoginSession,
    LoginTimedOut,
    OAuthAppSettings,
    PortInUse,
    Profiles,
    SignInRequired,
    StateMismatch,
    load_app_settings,
    login_flow,
    save_app_settings,
    token_provider_for_cli,
)
from tests.auth.conftest import Browser, control, free_port, sandbox_app


def configure_settings(
    sandbox: Any, paths: config.Paths, redirect_uri: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stored OAuth app settings pointing at the sandbox (what the settings dialog would save)."""
    monkeypatch.setenv("SNAPDESK_OAUTH_BASE", sandbox.base_url)
    save_app_settings(
        OAuthAppSettings(client_id="sandbox-client", redirect_uri=redirect_uri),
        paths=paths,
        store=KeyringTokenStore(),
        client_secret="sandbox-secret",
    )


async def test_sign_in_api_call_forced_expiry_refresh_api_call(
    sandbox: Any, paths: config.Paths, monkeypatch: pytest.MonkeyPatch
) -> None:
    redirect = f"http://127.0.0.1:{free_port()}/callback"
    app = sandbox_app(sandbox, redirect_uri=redirect)
    configure_settings(sandbox, paths, redirect, monkeypatch)
    store = KeyringTokenStore()
    browser = Browser()
    seen_urls: list[str] = []

    result = await login_flow(
        app=app,
        profile="default",
        store=store,
        open_browser=browser,
        on_authorize_url=seen_urls.append,
        api_base=sandbox.api_base,
        time_limit=20,
    )

    # the browser: Snap's authorize URL, then the listener's friendly page
    query = parse_qs(urlsplit(browser.opened[0]).query)
    assert query["client_id"] == ["sandbox-client"]
    assert query["redirect_uri"] == [redirect]
    assert query["response_type"] == ["code"]
    assert query["scope"] == ["snapchat-marketing-api"]
    assert "code_challenge" not in query  # PKCE is off by default for Snap
    assert seen_urls == browser.opened
    assert browser.last.status_code == 200
    assert "You're signed in to snapdesk — you can close this tab" in browser.last.text

    # tokens in the keyring, identity in profiles.json
    stored = store.load("default")
    assert stored is not None and stored.access_token.startswith("sbx-at-")
    assert result.summary is not None and result.summary.me.display_name
    profiles = Profiles(store=store, paths=paths)
    assert profiles.active == "default"
    profile = profiles.get("default")
    assert profile is not None and profile.display_name == result.summary.me.display_name
    assert profile.organizations == tuple(result.summary.organization_names)

    # an API call with the stored login, then forced expiry, then refresh, then an API call
    provider = token_provider_for_cli(None, store=store, paths=paths)
    async with SnapApi(token_provider=provider, base_url=sandbox.api_base) as api:
        me = await api.me.get()
        assert me.id == result.summary.me.id
        expired = control(sandbox, expire_access_tokens=True)
        assert expired["expired_access_tokens"] >= 1
        again = await api.me.get()
        assert again.id == me.id
    refreshed = store.load("default")
    assert refreshed is not None
    assert refreshed.access_token != stored.access_token
    assert refreshed.refresh_token == stored.refresh_token  # no rotation: the old one is kept


async def test_deny(sandbox: Any, memory_store: Any) -> None:
    app = sandbox_app(sandbox, redirect_uri=f"http://127.0.0.1:{free_port()}/callback")
    browser = Browser(action="deny")
    with pytest.raises(AccessDenied) as info:
        await login_flow(app=app, store=memory_store, open_browser=browser, time_limit=20)
    assert "declined" in info.value.message
    assert "declined" in browser.last.text
    assert memory_store.load("default") is None


async def test_state_mismatch(sandbox: Any, memory_store: Any) -> None:
    app = sandbox_app(sandbox, redirect_uri=f"http://127.0.0.1:{free_port()}/callback")

    def forge_state(url: str) -> str:
        parts = urlsplit(url)
        params = {k: v[0] for k, v in parse_qs(parts.query).items()}
        params["state"] = "forged-by-someone-else"
        return urlunsplit(parts._replace(query=urlencode(params)))

    browser = Browser(tamper=forge_state)
    with pytest.raises(StateMismatch):
        await login_flow(app=app, store=memory_store, open_browser=browser, time_limit=20)
    assert browser.last.status_code == 400 and "state mismatch" in browser.last.text
    assert memory_store.load("default") is None


async def test_reused_code_is_refused(sandbox: Any, memory_store: Any, paths: config.Paths) -> None:
    app = sandbox_app(sandbox, redirect_uri=f"http://127.0.0.1:{free_port()}/callback")
    session = LoginSession(app=app, profile="default", store=memory_store, paths=paths)
    await session.start()
    try:
        browser = Browser()
        await asyncio.to_thread(browser, session.authorize_url)
        code = await session.wait_for_code(10)
    finally:
        await session.aclose()
    await session.finish(code)
    with pytest.raises(CodeExchangeFailed) as info:
        await session.finish(code)
    assert "already been used" in info.value.message


async def test_port_already_in_use(sandbox: Any, memory_store: Any) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        app = sandbox_app(sandbox, redirect_uri=f"http://127.0.0.1:{port}/callback")
        browser = Browser()
        with pytest.raises(PortInUse) as info:
            await login_flow(app=app, store=memory_store, open_browser=browser, time_limit=20)
    assert str(port) in info.value.message
    assert browser.opened == []  # the browser is not sent anywhere that can't answer


async def test_timeout(sandbox: Any, memory_store: Any) -> None:
    app = sandbox_app(sandbox, redirect_uri=f"http://127.0.0.1:{free_port()}/callback")
    with pytest.raises(LoginTimedOut) as info:
        await login_flow(app=app, store=memory_store, open_browser=None, time_limit=0.3)
    assert "0.3 seconds" in info.value.message


async def test_paste_fallback(sandbox: Any, memory_store: Any) -> None:
    """The browser never reaches the listener; the user pastes the address instead."""
    app = sandbox_app(sandbox, redirect_uri=f"http://127.0.0.1:{free_port()}/callback")
    browser = Browser(follow=False)
    pastes: asyncio.Queue[str | None] = asyncio.Queue()
    rejected: list[str] = []

    def open_and_paste(url: str) -> bool:
        browser(url)
        loop.call_soon_threadsafe(pastes.put_nowait, "this is not it")
        loop.call_soon_threadsafe(pastes.put_nowait, browser.redirected_to)
        return True

    loop = asyncio.get_running_loop()
    result = await login_flow(
        app=app,
        store=memory_store,
        open_browser=open_and_paste,
        paste=pastes.get,
        on_paste_rejected=rejected.append,
        confirm=False,
        time_limit=20,
    )
    assert browser.last.status_code == 302
    assert result.tokens.access_token.startswith("sbx-at-")
    assert len(rejected) == 1 and "no sign-in code" in rejected[0]


async def test_pasted_denial_and_hosted_redirect_without_listener(
    sandbox: Any, memory_store: Any
) -> None:
    """A hosted https redirect gets no listener; a pasted `error=access_denied` ends the flow."""
    app = sandbox_app(sandbox, redirect_uri="https://snapdesk.example.com/oauth/done")
    browser = Browser(action="deny", follow=False)
    pastes: asyncio.Queue[str | None] = asyncio.Queue()
    loop = asyncio.get_running_loop()

    def open_and_paste(url: str) -> bool:
        browser(url)
        loop.call_soon_threadsafe(pastes.put_nowait, browser.redirected_to)
        return True

    with pytest.raises(AccessDenied):
        await login_flow(
            app=app,
            store=memory_store,
            open_browser=open_and_paste,
            paste=pastes.get,
            time_limit=20,
        )
    assert browser.redirected_to.startswith("https://snapdesk.example.com/oauth/done?error=")


async def test_pkce_is_verified(sandbox: Any, memory_store: Any, paths: config.Paths) -> None:
    control(sandbox, pkce_required=True)
    redirect = f"http://127.0.0.1:{free_port()}/callback"
    app = sandbox_app(sandbox, redirect_uri=redirect, use_pkce=True)
    browser = Browser()
    result = await login_flow(
        app=app, store=memory_store, open_browser=browser, confirm=False, time_limit=20
    )
    query = parse_qs(urlsplit(browser.opened[0]).query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]
    assert result.tokens.access_token.startswith("sbx-at-")

    # a wrong verifier is refused
    session = LoginSession(app=app, profile="other", store=memory_store, paths=paths)
    await session.start()
    try:
        await asyncio.to_thread(Browser(), session.authorize_url)
        code = await session.wait_for_code(10)
    finally:
        await session.aclose()
    with pytest.raises(CodeExchangeFailed):
        await session.endpoint.exchange_code(code, code_verifier="x" * 64)

    # an app without PKCE is turned away at the authorize step
    plain = sandbox_app(sandbox, redirect_uri=redirect, use_pkce=False)
    with pytest.raises(LoginError) as info:
        await login_flow(app=plain, store=memory_store, open_browser=Browser(), time_limit=20)
    assert "invalid_request" in info.value.message


async def test_refresh_token_rotation_is_persisted(
    sandbox: Any, paths: config.Paths, monkeypatch: pytest.MonkeyPatch
) -> None:
    control(sandbox, rotate_refresh=True)
    redirect = f"http://127.0.0.1:{free_port()}/callback"
    app = sandbox_app(sandbox, redirect_uri=redirect)
    configure_settings(sandbox, paths, redirect, monkeypatch)
    store = KeyringTokenStore()
    await login_flow(app=app, store=store, open_browser=Browser(), confirm=False, time_limit=20)
    first = store.load("default")
    assert first is not None

    control(sandbox, expire_access_tokens=True)
    provider = token_provider_for_cli("default", store=store, paths=paths)
    async with SnapApi(token_provider=provider, base_url=sandbox.api_base) as api:
        await api.me.get()
    second = store.load("default")
    assert second is not None and second.refresh_token != first.refresh_token

    # a new process (new provider) works with the rotated token; the old one is dead
    control(sandbox, expire_access_tokens=True)
    fresh = token_provider_for_cli("default", store=store, paths=paths)
    async with SnapApi(token_provider=fresh, base_url=sandbox.api_base) as api:
        await api.me.get()
    async with httpx.AsyncClient() as client:
        stale = await client.post(
            f"{sandbox.base_url}/login/oauth2/access_token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": first.refresh_token or "",
                "client_id": "sandbox-client",
                "client_secret": "sandbox-secret",
            },
        )
    assert stale.status_code == 400 and stale.json()["error"] == "invalid_grant"


async def test_revoked_refresh_token_means_sign_in_again_and_nothing_else_is_lost(
    sandbox: Any, paths: config.Paths, monkeypatch: pytest.MonkeyPatch
) -> None:
    redirect = f"http://127.0.0.1:{free_port()}/callback"
    app = sandbox_app(sandbox, redirect_uri=redirect)
    configure_settings(sandbox, paths, redirect, monkeypatch)
    store = KeyringTokenStore()
    await login_flow(
        app=app,
        profile="work",
        store=store,
        open_browser=Browser(),
        time_limit=20,
        api_base=sandbox.api_base,
    )
    await login_flow(
        app=app,
        profile="agency",
        store=store,
        open_browser=Browser(),
        time_limit=20,
        api_base=sandbox.api_base,
    )
    work = store.load("work")
    agency = store.load("agency")
    assert work is not None and agency is not None

    control(sandbox, revoke_refresh_token=work.refresh_token)
    provider = token_provider_for_cli("work", store=store, paths=paths)
    async with SnapApi(token_provider=provider, base_url=sandbox.api_base) as api:
        with pytest.raises(SignInRequired) as info:
            await api.me.get()
    assert info.value.message == (
        "Your Snap sign-in for work has expired or was revoked — sign in again"
    )
    # nothing else is lost: the other login, both profiles, the app settings and secret
    assert store.load("agency") == agency
    profiles = Profiles(store=store, paths=paths)
    assert profiles.names() == ["work", "agency"]
    assert profiles.get("work") is not None and profiles.get("work").display_name  # type: ignore[union-attr]
    assert load_app_settings(paths).client_id == "sandbox-client"
    assert store.get_client_secret("sandbox-client") == "sandbox-secret"
    other = token_provider_for_cli("agency", store=store, paths=paths)
    async with SnapApi(token_provider=other, base_url=sandbox.api_base) as api:
        assert (await api.me.get()).id


async def test_https_loopback_redirect_with_self_signed_certificate(
    sandbox: Any, memory_store: Any, paths: config.Paths
) -> None:
    redirect = f"https://127.0.0.1:{free_port()}/callback"
    app = sandbox_app(sandbox, redirect_uri=redirect)
    assert app.uses_self_signed_certificate  # the UI warns before the browser does
    session = LoginSession(app=app, profile="default", store=memory_store, paths=paths)
    await session.start()
    try:
        assert session.uses_self_signed_certificate and session.certificate_fingerprint
        browser = Browser(verify=False)  # the user clicked through the browser's warning
        await asyncio.to_thread(browser, session.authorize_url)
        code = await session.wait_for_code(10)
    finally:
        await session.aclose()
    assert "You're signed in" in browser.last.text
    tokens = await session.finish(code)
    assert memory_store.load("default") == tokens
    assert (paths.config_dir / "loopback-tls" / "cert.pem").exists()
