"""Token sets and stores: keyring layout, failures, session-only storage."""

from __future__ import annotations

import json
import time

import keyring
import pytest
from keyring.backends import chainer, fail

from snapdesk.auth import (
    KEYRING_SERVICE,
    KeyringTokenStore,
    KeyringUnavailable,
    MemoryTokenStore,
    TokenSet,
    check_keyring,
)
from tests.auth.conftest import BrokenKeyring, MemoryKeyring


def tokens(access: str = "at-1", refresh: str | None = "rt-1", lifetime: float = 3600) -> TokenSet:
    now = time.time()
    return TokenSet(access, refresh, now + lifetime, "snapchat-marketing-api", lifetime)


def test_keyring_layout_is_one_json_entry_per_login(memory_keyring: MemoryKeyring) -> None:
    store = KeyringTokenStore()
    store.save("work", tokens())
    store.set_client_secret("cid-1", "s3cret")
    assert set(memory_keyring.entries) == {
        (KEYRING_SERVICE, "login:work"),
        (KEYRING_SERVICE, "oauth-client-secret:cid-1"),
    }
    entry = json.loads(memory_keyring.entries[(KEYRING_SERVICE, "login:work")])
    assert set(entry) == {"access_token", "refresh_token", "expires_at", "scope"}
    assert entry["access_token"] == "at-1" and entry["refresh_token"] == "rt-1"
    loaded = store.load("work")
    assert loaded is not None and loaded.access_token == "at-1"
    assert store.get_client_secret("cid-1") == "s3cret"


def test_rename_moves_the_keyring_entry(memory_keyring: MemoryKeyring) -> None:
    store = KeyringTokenStore()
    store.save("old", tokens())
    store.rename("old", "new")
    assert store.load("old") is None
    assert store.load("new") is not None
    assert (KEYRING_SERVICE, "login:old") not in memory_keyring.entries


def test_delete_missing_entry_is_quiet() -> None:
    store = KeyringTokenStore()
    store.delete("nobody")
    store.delete_client_secret("nobody")


@pytest.mark.parametrize("backend", [fail.Keyring(), chainer.ChainerBackend()])
def test_no_backend_is_keyring_unavailable(
    backend: keyring.backend.KeyringBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [])
    keyring.set_keyring(backend)
    with pytest.raises(KeyringUnavailable) as info:
        KeyringTokenStore()
    assert "keyring" in info.value.message and "memory" in info.value.message
    with pytest.raises(KeyringUnavailable):
        check_keyring()


def test_backend_that_fails_on_use_is_keyring_unavailable() -> None:
    keyring.set_keyring(BrokenKeyring())
    store = KeyringTokenStore()
    with pytest.raises(KeyringUnavailable) as info:
        store.save("default", tokens())
    assert "locked" in info.value.message
    with pytest.raises(KeyringUnavailable):
        store.probe()
    with pytest.raises(KeyringUnavailable):
        store.load("default")


def test_memory_store_is_session_only() -> None:
    store = MemoryTokenStore()
    assert store.persistent is False
    store.save("a", tokens())
    store.rename("a", "b")
    assert store.load("a") is None and store.load("b") is not None
    store.set_client_secret("c", "s")
    assert store.get_client_secret("c") == "s"


def test_refresh_schedule() -> None:
    now = 1_000_000.0
    long = TokenSet("a", "r", now + 3600, lifetime=3600)
    assert not long.needs_refresh(now + 3600 - 301)
    assert long.needs_refresh(now + 3600 - 300)
    short = TokenSet("a", "r", now + 120, lifetime=120)
    assert not short.needs_refresh(now + 59)
    assert short.needs_refresh(now + 60)  # half-life
    reloaded = TokenSet.from_json(long.to_json())
    assert reloaded.lifetime is None
    assert reloaded.refresh_at() == long.expires_at - 300


def test_from_response_keeps_old_refresh_token() -> None:
    body = {"access_token": "new", "expires_in": 1800, "scope": "s"}
    fresh = TokenSet.from_response(body, now=0.0, previous_refresh_token="old-rt")
    assert fresh.refresh_token == "old-rt" and fresh.expires_at == 1800
    rotated = TokenSet.from_response(
        {**body, "refresh_token": "rt2"}, now=0.0, previous_refresh_token="old-rt"
    )
    assert rotated.refresh_token == "rt2"


def test_repr_never_shows_tokens() -> None:
    text = repr(tokens("SECRET-AT", "SECRET-RT")) + str(tokens("SECRET-AT", "SECRET-RT"))
    assert "SECRET" not in text
