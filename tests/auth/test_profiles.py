"""Logins: add, rename (keyring entry moves), switch, sign out, identity from /me."""

from __future__ import annotations

import json
import time

import pytest

from snapdesk import config
from snapdesk.api import Me, Organization
from snapdesk.auth import (
    AccessSummary,
    KeyringTokenStore,
    ProfileError,
    Profiles,
    TokenSet,
)


def test_add_switch_rename_sign_out(paths: config.Paths) -> None:
    store = KeyringTokenStore()
    profiles = Profiles(store=store, paths=paths)
    profiles.add("default")
    profiles.add("agency")
    assert profiles.active == "default"
    store.save("agency", TokenSet("at", "rt", time.time() + 3600))
    profiles.switch("agency")
    profiles.rename("agency", "Agency EU")
    assert profiles.active == "Agency EU"
    assert store.load("agency") is None
    assert store.load("Agency EU") is not None
    assert profiles.is_signed_in("Agency EU")

    reopened = Profiles(store=store, paths=paths)
    assert reopened.names() == ["default", "Agency EU"]
    assert reopened.active == "Agency EU"

    reminder = reopened.sign_out("Agency EU")
    assert "connected apps" in reminder and "Business" in reminder
    assert store.load("Agency EU") is None
    assert reopened.get("Agency EU") is not None  # the login stays, signed out

    reopened.remove("Agency EU")
    assert reopened.names() == ["default"] and reopened.active == "default"


def test_invalid_and_duplicate_names(paths: config.Paths) -> None:
    profiles = Profiles(store=None, paths=paths)
    profiles.add("a")
    with pytest.raises(ProfileError):
        profiles.add("a")
    with pytest.raises(ProfileError):
        profiles.add("  ")
    with pytest.raises(ProfileError):
        profiles.add("bad\nname")
    with pytest.raises(ProfileError):
        profiles.switch("missing")
    profiles.add("b")
    with pytest.raises(ProfileError):
        profiles.rename("a", "b")


def test_record_access_keeps_identity_not_tokens(paths: config.Paths) -> None:
    profiles = Profiles(store=None, paths=paths)
    profiles.add("default")
    summary = AccessSummary(
        me=Me.model_validate({"id": "u1", "display_name": "Ada", "email": "ada@example.com"}),
        organizations=[Organization.model_validate({"id": "o1", "name": "Acme"})],
    )
    profile = profiles.record_access("default", summary)
    assert profile.label == "default (Ada <ada@example.com>)"
    data = json.loads(profiles.path.read_text())
    assert data["profiles"][0]["organizations"] == ["Acme"]
    assert set(data["profiles"][0]) == {
        "name",
        "display_name",
        "email",
        "organizations",
        "signed_in_at",
    }
