"""Signing in from the window, then syncing: a token about to expire is renewed without the user
noticing; a revoked refresh token stops the login's work with a prompt to sign in again and the
cache untouched; no token ever reaches the logs, the window or the SQLite file."""

from __future__ import annotations

import logging
import logging.handlers
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QStatusBar, QWidget

from snapdesk import config
from snapdesk.api import SnapApi, StaticTokenProvider
from snapdesk.auth import KeyringTokenStore, RefreshingTokenProvider
from snapdesk.core.kinds import ACCOUNT_KINDS
from snapdesk.store import Store
from snapdesk.ui.main_window import MainWindow
from snapdesk.ui.ops.sync import plan_sync
from snapdesk.ui.session import Session, WatchedTokens
from tests.ui.auth_helpers import (
    MemoryKeyring,
    ThreadBrowser,
    control,
    fill_two_logins,
    sandbox_app,
)

sandbox = pytest.importorskip("snapdesk.sandbox")

TIMEOUT = 30_000


@pytest.fixture
def server() -> Iterator[Any]:
    with sandbox.SandboxServer(seed=42, scale="demo") as srv:
        httpx.post(
            f"{srv.base_url}/__sandbox__/rate_limit", json={"per_second": 1000, "burst": 1000}
        ).raise_for_status()
        yield srv


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    """The app's rotating log file, attached for the test (as `run_app` does)."""
    path = tmp_path / "logs" / "snapdesk.log"
    path.parent.mkdir()
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=2_000_000, backupCount=3)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield path
    root.removeHandler(handler)
    root.setLevel(previous)
    handler.close()


@pytest.fixture
def window(qtbot, qloop, server: Any, tmp_path: Path) -> Iterator[MainWindow]:
    store = Store(tmp_path / "cache.sqlite3")
    session = Session(
        store=store,
        loop=qloop,
        paths=config.Paths.from_env().ensure(),
        keyring=KeyringTokenStore(),
        oauth_app=sandbox_app(server),
        api_base=server.api_base,
    )
    win = MainWindow(session)
    qtbot.addWidget(win)
    win.open_url = ThreadBrowser()
    win.resize(1100, 700)
    win.show()
    yield win
    if win.sync_running:
        win.cancel_sync()
        qtbot.waitUntil(lambda: not win.sync_running, timeout=TIMEOUT)
    store.close()


def _sign_in_from_the_window(qtbot, window: MainWindow) -> object:
    assert window.tree_stack.currentWidget() is window.no_login_page
    assert window.sign_in_button.isVisible()
    window.sign_in_button.click()
    dialog = window.sign_in_dialog
    assert dialog is not None and dialog.isVisible()
    with qtbot.waitSignal(window.sync_finished, timeout=TIMEOUT) as synced:
        with qtbot.waitSignal(dialog.signed_in, timeout=TIMEOUT):
            dialog.open_button.click()
    return synced.args[0]


def _sync_all(qtbot, window: MainWindow) -> object:
    with qtbot.waitSignal(window.sync_finished, timeout=TIMEOUT) as blocker:
        window.sync_all_action.trigger()
    return blocker.args[0]


def _provider(window: MainWindow) -> RefreshingTokenProvider:
    watch = window.session.watch_for("default")
    assert isinstance(watch, WatchedTokens)
    assert isinstance(watch.inner, RefreshingTokenProvider)
    return watch.inner


def _cache_rows(store: Store) -> dict[str, Any]:
    rows: dict[str, Any] = {
        "organizations": store.organizations(),
        "ad_accounts": store.ad_accounts(),
    }
    for account in store.ad_accounts():
        for kind in ACCOUNT_KINDS:
            rows[f"{account.id}/{kind}"] = store.entities(kind, account.id)
    return rows


def _shown_texts() -> list[str]:
    texts = []
    for widget in QApplication.allWidgets():
        if isinstance(widget, QLabel):
            texts.append(widget.text())
        elif isinstance(widget, QStatusBar):
            texts.append(widget.currentMessage())
        elif isinstance(widget, QAbstractButton):
            texts.append(widget.text())
        if isinstance(widget, QWidget):
            texts.append(widget.toolTip())
            texts.append(widget.windowTitle())
    return texts


def test_expiring_token_is_renewed_silently_and_a_revoked_one_asks_to_sign_in_again(
    qtbot,
    window: MainWindow,
    server: Any,
    memory_keyring: MemoryKeyring,
    caplog: pytest.LogCaptureFixture,
    log_file: Path,
    tmp_path: Path,
) -> None:
    caplog.set_level(logging.DEBUG)
    control(server, expires_in=4)  # refreshed at half-life: 2 s after each token is issued

    first = _sign_in_from_the_window(qtbot, window)
    assert first is not None and not first.errors
    assert window.tree_stack.currentWidget() is window.tree
    assert window.session.profiles.get("default").email
    assert window.login_label.text().startswith("Login: ")

    # A sync with an access token about to expire: renewed on the way, nobody notices.
    qtbot.wait(2200)
    provider = _provider(window)
    before = provider.refresh_count
    result = _sync_all(qtbot, window)
    assert result is not None and not result.errors
    assert provider.refresh_count > before
    assert not window.message_icon.isVisible()
    assert not window.reauth_box.isVisible()
    # Snap expiring every access token early (401): refreshed once, retried, still silent.
    control(server, expires_in=3600, expire_access_tokens=True)
    result = _sync_all(qtbot, window)
    assert result is not None and not result.errors
    assert not window.reauth_box.isVisible()

    # The refresh token is revoked: the work stops, the prompt appears, the cache stays.
    cached = _cache_rows(window.store)
    assert cached["ad_accounts"]
    control(server, revoke_refresh_token=True, expire_access_tokens=True)
    assert _sync_all(qtbot, window) is None
    assert window.reauth_box.isVisible()
    banner = window.reauth_banners["default"]
    assert "Your Snap sign-in for" in banner.text() and "expired or was revoked" in banner.text()
    assert _cache_rows(window.store) == cached
    assert window.tree_stack.currentWidget() is window.tree  # the cache is still browsable
    assert "default" not in window.session.apis
    assert "default" in window.session.sign_in_required

    # The prompt's button signs that login in again.
    banner.sign_in_button.click()
    dialog = window.sign_in_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.name_edit.text() == "default" and dialog.name_edit.isReadOnly()
    with qtbot.waitSignal(window.sync_finished, timeout=TIMEOUT) as synced:
        with qtbot.waitSignal(dialog.signed_in, timeout=TIMEOUT):
            dialog.open_button.click()
    assert synced.args[0] is not None and not synced.args[0].errors
    assert not window.reauth_box.isVisible()
    assert "default" in window.session.apis

    # No token anywhere: logs (caplog and the log file), the window's texts, the SQLite file.
    tokens = memory_keyring.secrets_seen()
    assert len(tokens) >= 4  # first sign-in, two refreshes, second sign-in
    logged = caplog.text + log_file.read_text(encoding="utf-8")
    shown = "\n".join(_shown_texts())
    db = b"".join(p.read_bytes() for p in tmp_path.glob("cache.sqlite3*") if p.is_file())
    for token in tokens:
        assert token not in logged
        assert token not in shown
        assert token.encode() not in db


def test_one_account_syncs_with_its_own_login(qloop, store: Store) -> None:
    fill_two_logins(store)
    apis = {
        name: SnapApi(base_url="http://127.0.0.1:9/v1", token_provider=StaticTokenProvider("x"))
        for name in ("default", "agency")
    }
    session = Session(store=store, loop=qloop, apis=apis, keyring=None)
    jobs = plan_sync(session, ["acc-client-1", "acc-brand-us", "acc-agency-1"])
    assert {(j.profile, tuple(j.ad_account_ids or ())) for j in jobs} == {
        ("agency", ("acc-client-1", "acc-agency-1")),
        ("default", ("acc-brand-us",)),
    }
    everyone = plan_sync(session, None)
    assert {j.profile for j in everyone} == {"default", "agency"}
    assert all(j.ad_account_ids is None for j in everyone)
    session.mark_sign_in_required("agency", "Your Snap sign-in for agency has expired")
    assert [j.profile for j in plan_sync(session, None)] == ["default"]
