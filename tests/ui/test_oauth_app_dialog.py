"""The OAuth app settings dialog: non-secret fields to the settings file, the secret only to the
keyring, problems shown inline, and the notes about the redirect URI."""

from __future__ import annotations

import asyncio
from pathlib import Path

from snapdesk import config
from snapdesk.auth import (
    CONVERSIONS_SCOPE,
    MARKETING_SCOPE,
    KeyringTokenStore,
    load_app_settings,
)
from snapdesk.store import Store
from snapdesk.ui.dialogs.oauth_app import MISSING_SECRET, OAuthAppDialog
from snapdesk.ui.session import Session
from tests.ui.auth_helpers import MemoryKeyring

SECRET = "s3cr3t-client-secret-value-42"


def _session(store: Store, loop: asyncio.AbstractEventLoop, *, keyring: bool = True) -> Session:
    return Session(
        store=store,
        loop=loop,
        paths=config.Paths.from_env().ensure(),
        keyring=KeyringTokenStore() if keyring else None,
    )


def _all_file_bytes(*roots: Path) -> list[tuple[Path, bytes]]:
    return [(p, p.read_bytes()) for root in roots for p in root.rglob("*") if p.is_file()]


def test_saves_settings_to_file_and_secret_only_to_keyring(
    qtbot, qloop, store: Store, memory_keyring: MemoryKeyring
) -> None:
    session = _session(store, qloop)
    dialog = OAuthAppDialog(session=session)
    qtbot.addWidget(dialog)
    dialog.open()
    dialog.client_id_edit.setText("my-client-id")
    dialog.secret_edit.setText(SECRET)
    dialog.redirect_edit.setText("https://127.0.0.1:53682/callback")
    dialog.conversions_check.setChecked(True)
    assert not dialog.pkce_check.isChecked()  # off by default for Snap

    with qtbot.waitSignal(dialog.saved) as blocker:
        dialog.save_button.click()

    saved = blocker.args[0]
    assert not dialog.isVisible()
    stored = load_app_settings(session.paths)
    assert stored == saved
    assert stored.client_id == "my-client-id"
    assert stored.redirect_uri == "https://127.0.0.1:53682/callback"
    assert stored.scopes == (MARKETING_SCOPE, CONVERSIONS_SCOPE)
    assert stored.use_pkce is False
    assert memory_keyring.entries[("snapdesk", "oauth-client-secret:my-client-id")] == SECRET
    paths = session.paths
    files = _all_file_bytes(paths.config_dir, paths.data_dir, paths.cache_dir)
    assert any(p.name == "oauth_app.json" for p, _ in files)
    for path, content in files:
        assert SECRET.encode() not in content, path


def test_problems_are_shown_inline_and_nothing_is_saved(qtbot, qloop, store: Store) -> None:
    session = _session(store, qloop)
    dialog = OAuthAppDialog(session=session)
    qtbot.addWidget(dialog)
    dialog.open()
    assert not dialog.problems_banner.isVisible()  # no scolding before a first try
    dialog.save_button.click()
    assert dialog.isVisible()
    text = dialog.problems_banner.text()
    assert dialog.problems_banner.isVisible()
    assert "client ID" in text and "redirect URI" in text and MISSING_SECRET in text
    assert not (session.paths.config_dir / "oauth_app.json").exists()
    # The list follows the edits once shown.
    dialog.client_id_edit.setText("abc")
    dialog.secret_edit.setText("x" * 12)
    dialog.redirect_edit.setText("ftp://nope")
    assert "client ID" not in dialog.problems_banner.text()
    assert "http:// or https://" in dialog.problems_banner.text()
    dialog.redirect_edit.setText("https://127.0.0.1:53682/callback")
    assert not dialog.problems_banner.isVisible()


def test_redirect_notes(qtbot, qloop, store: Store) -> None:
    dialog = OAuthAppDialog(session=_session(store, qloop))
    qtbot.addWidget(dialog)
    dialog.open()
    dialog.redirect_edit.setText("https://127.0.0.1:53682/callback")
    assert dialog.redirect_banner.isVisible() and dialog.redirect_banner.kind == "warning"
    assert "certificate warning" in dialog.redirect_banner.text()
    dialog.redirect_edit.setText("https://example.com/snap/callback")
    assert dialog.redirect_banner.kind == "info"
    assert "paste" in dialog.redirect_banner.text()
    dialog.redirect_edit.setText("")
    assert not dialog.redirect_banner.isVisible()
    assert "Business Details → OAuth apps" in dialog.help_label.text()
    assert "only once" in dialog.help_label.text()


def test_saved_secret_is_kept_when_left_empty(
    qtbot, qloop, store: Store, memory_keyring: MemoryKeyring
) -> None:
    session = _session(store, qloop)
    first = OAuthAppDialog(session=session)
    qtbot.addWidget(first)
    first.client_id_edit.setText("cid")
    first.secret_edit.setText(SECRET)
    first.redirect_edit.setText("https://127.0.0.1:53682/callback")
    first.save_button.click()
    again = OAuthAppDialog(session=session)
    qtbot.addWidget(again)
    assert again.client_id_edit.text() == "cid"
    assert again.secret_edit.text() == ""
    assert "keyring" in again.secret_edit.placeholderText()
    assert again.problems() == []
    again.pkce_check.setChecked(True)
    again.save_button.click()
    assert load_app_settings(session.paths).use_pkce is True
    assert memory_keyring.entries[("snapdesk", "oauth-client-secret:cid")] == SECRET


def test_without_keyring_the_secret_lasts_for_the_session(qtbot, qloop, store: Store) -> None:
    session = _session(store, qloop, keyring=False)
    dialog = OAuthAppDialog(session=session)
    qtbot.addWidget(dialog)
    dialog.client_id_edit.setText("cid")
    dialog.secret_edit.setText(SECRET)
    dialog.redirect_edit.setText("https://127.0.0.1:53682/callback")
    dialog.save_button.click()
    assert dialog.secret_kept_in_memory
    assert "this session only" in dialog.status_label.text()
    assert session.memory.get_client_secret("cid") == SECRET
    assert session.resolve_app().client_secret == SECRET
    for path, content in _all_file_bytes(session.paths.config_dir, session.paths.data_dir):
        assert SECRET.encode() not in content, path
