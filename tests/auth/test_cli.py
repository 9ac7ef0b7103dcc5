"""`snapdesk login / logout / profiles` and the token provider for commands."""

from __future__ import annotations

import argparse
import io
import os
import threading
import time
from typing import Any

import httpx
import pytest

from snapdesk import config
from snapdesk.api import StaticTokenProvider
from snapdesk.auth import (
    KeyringTokenStore,
    NotSignedIn,
    OAuthAppSettings,
    save_app_settings,
    token_provider_for_cli,
)
from snapdesk.auth.cli import cmd_login, cmd_logout, cmd_profiles
from tests.auth.conftest import Browser, free_port


@pytest.fixture
def cli_env(sandbox: Any, paths: config.Paths, monkeypatch: pytest.MonkeyPatch) -> str:
    """Settings as a user would have them for the sandbox; returns the redirect URI."""
    redirect = f"http://127.0.0.1:{free_port()}/callback"
    httpx.post(f"{sandbox.base_url}/__sandbox__/oauth", json={"redirect_uri": redirect})
    monkeypatch.setenv("SNAPDESK_OAUTH_BASE", sandbox.base_url)
    monkeypatch.setenv("SNAPDESK_API_BASE", sandbox.api_base)
    save_app_settings(
        OAuthAppSettings(client_id="sandbox-client", redirect_uri=redirect),
        paths=paths,
        store=KeyringTokenStore(),
        client_secret="sandbox-secret",
    )
    return redirect


class UrlWatcher(io.StringIO):
    """stdout that plays the user: when the URL appears, "visits" it and pastes the result."""

    def __init__(self, paste_fd: int) -> None:
        super().__init__()
        self.paste_fd = paste_fd
        self.browser = Browser(follow=False)

    def write(self, text: str) -> int:
        if text.startswith("http"):
            threading.Thread(target=self._visit, args=(text.strip(),), daemon=True).start()
        return super().write(text)

    def _visit(self, url: str) -> None:
        self.browser(url)
        os.write(self.paste_fd, f"{self.browser.redirected_to}\n".encode())


def test_login_no_browser_takes_a_pasted_address(cli_env: str, paths: config.Paths) -> None:
    read_fd, write_fd = os.pipe()
    stdin = os.fdopen(read_fd, "r")
    stdout = UrlWatcher(write_fd)
    stderr = io.StringIO()
    try:
        code = cmd_login(
            argparse.Namespace(profile="work", no_browser=True),
            stdin=stdin,
            stdout=stdout,
            stderr=stderr,
            time_limit=20,
        )
    finally:
        os.close(write_fd)  # EOF for the reader thread
        time.sleep(0.05)
        stdin.close()
    assert code == 0, stderr.getvalue()
    lines = stdout.getvalue().splitlines()
    assert "/login/oauth2/authorize?" in lines[0]
    assert lines[-1].startswith("Signed in to Snap as ")
    assert KeyringTokenStore().load("work") is not None


def test_login_with_browser_then_profiles_then_logout(cli_env: str) -> None:
    browser = Browser()
    out, err = io.StringIO(), io.StringIO()
    assert (
        cmd_login(
            argparse.Namespace(profile=None, no_browser=False),
            stdout=out,
            stderr=err,
            open_browser=browser,
            time_limit=20,
        )
        == 0
    ), err.getvalue()
    assert "You're signed in" in browser.last.text
    assert "/login/oauth2/authorize?" in err.getvalue()  # offered in case no browser opens

    listing = io.StringIO()
    assert cmd_profiles(argparse.Namespace(), stdout=listing) == 0
    assert listing.getvalue().startswith("* default (")
    assert "signed in" in listing.getvalue()

    bye = io.StringIO()
    assert cmd_logout(argparse.Namespace(profile=None), stdout=bye) == 0
    assert "connected apps" in bye.getvalue()
    assert KeyringTokenStore().load("default") is None
    listing = io.StringIO()
    cmd_profiles(argparse.Namespace(), stdout=listing)
    assert "signed out" in listing.getvalue()


def test_login_without_app_settings_is_one_line(paths: config.Paths) -> None:
    err = io.StringIO()
    assert cmd_login(argparse.Namespace(profile=None, no_browser=True), stderr=err) == 1
    message = err.getvalue()
    assert message.startswith("snapdesk: Set up your Snap OAuth app first")
    assert message.count("\n") == 1


def test_logout_with_no_login(paths: config.Paths) -> None:
    err = io.StringIO()
    assert cmd_logout(argparse.Namespace(profile=None), stderr=err) == 1
    assert "no login" in err.getvalue()


def test_env_token_bypasses_logins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SNAPDESK_ACCESS_TOKEN", "headless-token")
    assert isinstance(token_provider_for_cli(None), StaticTokenProvider)


def test_not_signed_in(paths: config.Paths) -> None:
    with pytest.raises(NotSignedIn) as info:
        token_provider_for_cli(None)
    assert str(info.value) == ("not signed in — sign in with `snapdesk login` (or open `snapdesk`)")
    with pytest.raises(NotSignedIn):
        token_provider_for_cli("someone")


def test_cli_without_keyring_suggests_the_env_token(paths: config.Paths) -> None:
    import keyring
    from keyring.backends import fail

    from snapdesk.auth import KeyringUnavailable, Profiles

    Profiles(store=None, paths=paths).add("default")
    keyring.set_keyring(fail.Keyring())
    with pytest.raises(KeyringUnavailable) as info:
        token_provider_for_cli(None)
    assert "SNAPDESK_ACCESS_TOKEN" in info.value.message
