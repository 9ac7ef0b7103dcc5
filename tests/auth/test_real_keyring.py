"""Against a real Secret Service (gnome-keyring on a private D-Bus; see .ci/with-keyring)."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from typing import Any

import keyring
import pytest

from snapdesk import config
from snapdesk.api import SnapApi
from snapdesk.auth import (
    KEYRING_SERVICE,
    KeyringTokenStore,
    Profiles,
    TokenSet,
    check_keyring,
    login_flow,
)
from tests.auth.conftest import Browser, control, free_port, sandbox_app

pytestmark = pytest.mark.keyring


@pytest.fixture
def secret_service() -> Iterator[KeyringTokenStore]:
    from keyring.backends import SecretService

    previous = keyring.get_keyring()
    backend = SecretService.Keyring()
    keyring.set_keyring(backend)
    try:
        check_keyring(backend)
        yield KeyringTokenStore(backend)
    finally:
        keyring.set_keyring(previous)


def secret_tool(username: str) -> str | None:
    if shutil.which("secret-tool") is None:
        message = "secret-tool (libsecret-tools) is not installed"
        if os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}:
            pytest.fail(f"CI=true: {message}", pytrace=False)
        pytest.skip(message)
    done = subprocess.run(
        ["secret-tool", "lookup", "service", KEYRING_SERVICE, "username", username],
        capture_output=True,
        text=True,
        check=False,
        timeout=10,
    )
    return done.stdout if done.returncode == 0 else None


def test_round_trip_rename_delete(secret_service: KeyringTokenStore) -> None:
    store = secret_service
    store.probe()
    name = f"test-{uuid.uuid4().hex[:8]}"
    tokens = TokenSet("at-real", "rt-real", time.time() + 3600, "snapchat-marketing-api")
    store.save(name, tokens)
    try:
        assert store.load(name) == tokens.without_lifetime()
        seen = secret_tool(f"login:{name}")
        assert seen is not None and '"access_token": "at-real"' in seen
        store.rename(name, name + "-renamed")
        assert store.load(name) is None and secret_tool(f"login:{name}") is None
        assert store.load(name + "-renamed") is not None
        store.set_client_secret("cid-real", "secret-real")
        assert secret_tool("oauth-client-secret:cid-real") == "secret-real"
    finally:
        store.delete(name)
        store.delete(name + "-renamed")
        store.delete_client_secret("cid-real")
    assert store.load(name + "-renamed") is None


async def test_sign_in_stores_in_the_real_keyring_and_refreshes(
    secret_service: KeyringTokenStore, sandbox: Any, paths: config.Paths
) -> None:
    store = secret_service
    name = f"e2e-{uuid.uuid4().hex[:8]}"
    app = sandbox_app(sandbox, redirect_uri=f"http://127.0.0.1:{free_port()}/callback")
    control(sandbox, rotate_refresh=True)
    try:
        await login_flow(
            app=app,
            profile=name,
            store=store,
            open_browser=Browser(),
            api_base=sandbox.api_base,
            time_limit=20,
        )
        first = store.load(name)
        assert first is not None
        assert secret_tool(f"login:{name}") is not None
        assert Profiles(store=store, paths=paths).is_signed_in(name)

        from snapdesk.auth import RefreshingTokenProvider, TokenEndpoint

        control(sandbox, expire_access_tokens=True)
        provider = RefreshingTokenProvider(profile=name, store=store, endpoint=TokenEndpoint(app))
        async with SnapApi(token_provider=provider, base_url=sandbox.api_base) as api:
            assert (await api.me.get()).id
        second = store.load(name)
        assert second is not None and second.refresh_token != first.refresh_token
    finally:
        store.delete(name)
