"""Where a Conversions API send gets its token: env, the keyring per pixel, the login."""

from __future__ import annotations

import time

import pytest

from snapdesk import config
from snapdesk.auth import MemoryTokenStore, Profiles, RefreshingTokenProvider, TokenSet
from snapdesk.auth.capi_tokens import (
    CAPI_TOKEN_ENV,
    KeyringCapiTokenStore,
    MemoryCapiTokenStore,
    NoCapiToken,
    capi_token_key,
    resolve_capi_token,
)
from tests.conversions.conftest import MemoryKeyring

PIXEL = "5bf81ee1-15b1-4dc1-b636-d7dae49b950e"


def signed_in(scope: str) -> tuple[MemoryTokenStore, config.Paths]:
    paths = config.Paths.from_env().ensure()
    Profiles(store=None, paths=paths).add("work", activate=True)
    store = MemoryTokenStore()
    store.save("work", TokenSet("oauth-token", "refresh", time.time() + 3600, scope))
    return store, paths


def test_environment_first() -> None:
    store = MemoryCapiTokenStore()
    store.set(PIXEL, "from-keyring")
    credential = resolve_capi_token(
        PIXEL, environ={CAPI_TOKEN_ENV: " env-token "}, capi_store=store
    )
    assert (credential.token, credential.source) == ("env-token", "env")
    assert "env-token" not in repr(credential)


def test_keyring_entry_per_pixel() -> None:
    store = MemoryCapiTokenStore()
    store.set(PIXEL, "pixel-token")
    credential = resolve_capi_token(PIXEL, environ={}, capi_store=store)
    assert (credential.token, credential.source) == ("pixel-token", "keyring")


def test_login_with_conversions_scope() -> None:
    logins, paths = signed_in("snapchat-marketing-api snapchat-offline-conversions-api")
    credential = resolve_capi_token(
        PIXEL, environ={}, capi_store=MemoryCapiTokenStore(), login_store=logins, paths=paths
    )
    assert credential.source == "login" and credential.profile == "work"
    assert isinstance(credential.token, RefreshingTokenProvider)


def test_login_without_the_scope_says_so() -> None:
    logins, paths = signed_in("snapchat-marketing-api")
    with pytest.raises(NoCapiToken, match="lacks the snapchat-offline-conversions-api scope"):
        resolve_capi_token(
            PIXEL, environ={}, capi_store=MemoryCapiTokenStore(), login_store=logins, paths=paths
        )


def test_nothing_available() -> None:
    with pytest.raises(NoCapiToken) as info:
        resolve_capi_token(
            PIXEL, environ={}, capi_store=MemoryCapiTokenStore(), login_store=MemoryTokenStore()
        )
    assert "SNAPDESK_CAPI_TOKEN" in info.value.message and PIXEL in info.value.message


def test_keyring_store(memory_keyring: MemoryKeyring) -> None:
    store = KeyringCapiTokenStore(memory_keyring)
    assert store.get(PIXEL) is None
    store.set(PIXEL, " tok ")
    assert memory_keyring.entries[("snapdesk", capi_token_key(PIXEL))] == "tok"
    assert resolve_capi_token(PIXEL, environ={}).token == "tok"  # the default keyring
    store.delete(PIXEL)
    store.delete(PIXEL)  # deleting twice is fine
    assert store.get(PIXEL) is None
    with pytest.raises(ValueError):
        store.set(PIXEL, "  ")
    assert "tok" not in repr(store)
