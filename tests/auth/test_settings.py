"""The user's Snap OAuth app settings: file without secret, keyring secret, env overrides."""

from __future__ import annotations

import json

import pytest

from snapdesk import config
from snapdesk.auth import (
    CONVERSIONS_SCOPE,
    MARKETING_SCOPE,
    KeyringTokenStore,
    OAuthAppNotConfigured,
    OAuthAppSettings,
    load_app_settings,
    loopback_target,
    resolve_oauth_app,
    save_app_settings,
)


def test_defaults_when_no_file(paths: config.Paths) -> None:
    settings = load_app_settings(paths)
    assert settings.scopes == (MARKETING_SCOPE,)
    assert settings.use_pkce is False
    assert settings.problems()


def test_save_keeps_the_secret_out_of_the_file(paths: config.Paths) -> None:
    store = KeyringTokenStore()
    settings = OAuthAppSettings(
        client_id="cid", redirect_uri="https://127.0.0.1:8443/callback"
    ).with_conversions_api(True)
    save_app_settings(settings, paths=paths, store=store, client_secret="TOPSECRET")
    text = (paths.config_dir / "oauth_app.json").read_text()
    assert "TOPSECRET" not in text
    assert json.loads(text)["scopes"] == [MARKETING_SCOPE, CONVERSIONS_SCOPE]
    assert load_app_settings(paths) == settings
    app = resolve_oauth_app(store=store, paths=paths)
    assert app.client_secret == "TOPSECRET"
    assert app.scope == f"{MARKETING_SCOPE} {CONVERSIONS_SCOPE}"
    assert app.uses_self_signed_certificate
    assert "TOPSECRET" not in repr(app)
    assert settings.with_conversions_api(False).scopes == (MARKETING_SCOPE,)


def test_env_overrides_win(paths: config.Paths, monkeypatch: pytest.MonkeyPatch) -> None:
    store = KeyringTokenStore()
    save_app_settings(
        OAuthAppSettings(client_id="stored", redirect_uri="http://127.0.0.1:1/cb"),
        paths=paths,
        store=store,
        client_secret="stored-secret",
    )
    monkeypatch.setenv("SNAPDESK_CLIENT_ID", "env-id")
    monkeypatch.setenv("SNAPDESK_CLIENT_SECRET", "env-secret")
    monkeypatch.setenv("SNAPDESK_REDIRECT_URI", "http://127.0.0.1:2/callback")
    monkeypatch.setenv("SNAPDESK_OAUTH_BASE", "http://127.0.0.1:9")
    app = resolve_oauth_app(store=store, paths=paths)
    assert (app.client_id, app.client_secret, app.redirect_uri) == (
        "env-id",
        "env-secret",
        "http://127.0.0.1:2/callback",
    )
    assert app.token_url == "http://127.0.0.1:9/login/oauth2/access_token"
    assert app.authorize_url == "http://127.0.0.1:9/login/oauth2/authorize"


def test_missing_settings_say_what_to_set(paths: config.Paths) -> None:
    with pytest.raises(OAuthAppNotConfigured) as info:
        resolve_oauth_app(store=KeyringTokenStore(), paths=paths)
    message = info.value.message
    assert "client ID" in message and "redirect URI" in message and "client secret" in message


def test_unreadable_file_falls_back_to_defaults(paths: config.Paths) -> None:
    (paths.config_dir / "oauth_app.json").write_text("{not json")
    assert load_app_settings(paths) == OAuthAppSettings()


@pytest.mark.parametrize(
    ("uri", "hosts", "port", "path", "tls"),
    [
        ("http://127.0.0.1:8765/callback", ("127.0.0.1",), 8765, "/callback", False),
        ("https://127.0.0.1:8443/auth/cb", ("127.0.0.1",), 8443, "/auth/cb", True),
        ("https://localhost:9000/cb", ("127.0.0.1", "::1"), 9000, "/cb", True),
        ("http://[::1]:7000/", ("::1",), 7000, "/", False),
    ],
)
def test_loopback_target(uri: str, hosts: tuple[str, ...], port: int, path: str, tls: bool) -> None:
    target = loopback_target(uri)
    assert target is not None
    assert (target.hosts, target.port, target.path, target.tls) == (hosts, port, path, tls)


def test_hosted_redirect_has_no_listener() -> None:
    assert loopback_target("https://www.example.com/snap/callback") is None
    assert loopback_target("not a url") is None


def test_sandbox_app_matches_the_sandbox_registration() -> None:
    from snapdesk.auth import OAuthApp
    from snapdesk.sandbox.oauth import OAuthConfig

    registered = OAuthConfig()
    app = OAuthApp.for_sandbox("http://127.0.0.1:9", redirect_uri=registered.redirect_uri)
    assert (app.client_id, app.client_secret) == (registered.client_id, registered.client_secret)
    assert app.use_pkce is True
