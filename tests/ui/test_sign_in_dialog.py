"""The sign-in dialog against a real SandboxServer over loopback: the "browser" is an HTTP client
in a thread that follows Snap's redirect to the dialog's listener."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from snapdesk import config
from snapdesk.auth import KeyringTokenStore, Profiles
from snapdesk.store import Store
from snapdesk.ui.dialogs.sign_in import SESSION_ONLY_TEXT, SignInDialog, next_free_name
from snapdesk.ui.session import Session
from tests.ui.auth_helpers import MemoryKeyring, ThreadBrowser, free_port, sandbox_app

sandbox = pytest.importorskip("snapdesk.sandbox")

TIMEOUT = 20_000


@pytest.fixture
def server() -> Iterator[Any]:
    with sandbox.SandboxServer(seed=42, scale="demo") as srv:
        httpx.post(
            f"{srv.base_url}/__sandbox__/rate_limit", json={"per_second": 1000, "burst": 1000}
        ).raise_for_status()
        yield srv


def make_session(store: Store, loop: asyncio.AbstractEventLoop, server: Any, **kw: Any) -> Session:
    return Session(
        store=store,
        loop=loop,
        paths=config.Paths.from_env().ensure(),
        keyring=kw.pop("keyring", KeyringTokenStore()),
        oauth_app=kw.pop("app", None) or sandbox_app(server),
        api_base=server.api_base,
        **kw,
    )


def make_dialog(qtbot, session: Session, browser: ThreadBrowser, **kw: Any) -> SignInDialog:
    dialog = SignInDialog(
        session=session, app=session.resolve_app(), open_url=browser, time_limit=20, **kw
    )
    qtbot.addWidget(dialog)
    dialog.open()
    return dialog


def test_sign_in_succeeds_and_the_login_is_stored(
    qtbot, qloop, store: Store, server: Any, memory_keyring: MemoryKeyring
) -> None:
    session = make_session(store, qloop, server)
    browser = ThreadBrowser()
    dialog = make_dialog(qtbot, session, browser)
    assert dialog.pages.currentWidget() is dialog.start_page
    assert dialog.name_edit.text() == "default"
    assert dialog.open_button.isVisible()

    with qtbot.waitSignal(dialog.signed_in, timeout=TIMEOUT) as blocker:
        dialog.open_button.click()
        qtbot.waitUntil(lambda: dialog.pages.currentWidget() is dialog.waiting_page)
        assert dialog.waiting_title.text() in ("Getting ready…", "Waiting for Snap…")
    result = blocker.args[0]

    assert browser.opened and browser.opened[0].startswith(server.base_url)
    qtbot.waitUntil(lambda: browser.done, timeout=TIMEOUT)
    assert "you can close this tab" in browser.responses[-1].text
    assert result.profile == "default" and result.summary is not None
    me = result.summary.me
    assert dialog.pages.currentWidget() is dialog.success_page
    assert me.display_name in dialog.success_title.text()
    for name in result.summary.organization_names:
        assert name in dialog.success_text.text()
    # The login is known, active and signed in, with tokens in the keyring only.
    profiles = Profiles(store=KeyringTokenStore(), paths=session.paths)
    assert profiles.active == "default"
    assert profiles.get("default").email == me.email
    assert profiles.is_signed_in("default")
    assert ("snapdesk", "login:default") in memory_keyring.entries
    assert "default" in session.apis
    # Success closes the dialog by itself.
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=TIMEOUT)


def test_deny_shows_an_error(qtbot, qloop, store: Store, server: Any) -> None:
    session = make_session(store, qloop, server)
    dialog = make_dialog(qtbot, session, ThreadBrowser(action="deny"))
    with qtbot.waitSignal(dialog.sign_in_failed, timeout=TIMEOUT):
        dialog.start()
    assert dialog.pages.currentWidget() is dialog.error_page
    assert dialog.error_title.text() == "Access was declined"
    assert "declined" in dialog.error_text.text()
    assert dialog.retry_button.isVisible() and not dialog.session_only_button.isVisible()
    assert not session.apis
    dialog.retry_button.click()
    assert dialog.pages.currentWidget() is dialog.start_page


def test_paste_fallback(qtbot, qloop, store: Store, server: Any) -> None:
    session = make_session(store, qloop, server)
    browser = ThreadBrowser(follow=False)  # the redirect never reaches the listener
    dialog = make_dialog(qtbot, session, browser)
    dialog.start()
    qtbot.waitUntil(lambda: browser.done, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: dialog.paste_box.isEnabled(), timeout=TIMEOUT)
    assert dialog.countdown_label.text().startswith("Time left 0:")

    dialog.paste("https://example.com/not-the-callback")
    assert dialog.paste_error.isVisible()
    assert "no sign-in code" in dialog.paste_error.text()
    assert dialog.running

    with qtbot.waitSignal(dialog.signed_in, timeout=TIMEOUT) as blocker:
        dialog.paste(browser.redirected_to)
    assert blocker.args[0].profile == "default"
    assert dialog.login is not None and not dialog.login.listening


def test_port_in_use_names_the_port(qtbot, qloop, store: Store, server: Any) -> None:
    port = free_port()
    session = make_session(store, qloop, server, app=sandbox_app(server, port=port))
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", port))
        busy.listen(1)
        dialog = make_dialog(qtbot, session, ThreadBrowser())
        with qtbot.waitSignal(dialog.sign_in_failed, timeout=TIMEOUT):
            dialog.start()
    assert dialog.error_title.text() == f"Port {port} is already in use"
    assert str(port) in dialog.error_hint.text()


def test_cancel_closes_the_listener(qtbot, qloop, store: Store, server: Any) -> None:
    port = free_port()
    session = make_session(store, qloop, server, app=sandbox_app(server, port=port))
    dialog = make_dialog(qtbot, session, lambda url: True)
    dialog.start()
    qtbot.waitUntil(lambda: dialog.paste_box.isEnabled(), timeout=TIMEOUT)
    with socket.create_connection(("127.0.0.1", port), timeout=2):
        pass  # listening
    dialog.close_button.click()
    assert not dialog.isVisible()

    def port_free() -> bool:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                return False
            return True

    qtbot.waitUntil(port_free, timeout=TIMEOUT)


def test_keyring_unavailable_offers_a_session_only_sign_in(
    qtbot, qloop, store: Store, server: Any, memory_keyring: MemoryKeyring
) -> None:
    session = make_session(
        store, qloop, server, keyring=None, keyring_error="No system keyring is available"
    )
    dialog = make_dialog(qtbot, session, ThreadBrowser())
    dialog.start()
    assert dialog.pages.currentWidget() is dialog.error_page
    assert "keyring" in dialog.error_title.text().lower()
    assert dialog.session_only_button.isVisible()
    assert dialog.session_only_button.text() == SESSION_ONLY_TEXT
    with qtbot.waitSignal(dialog.signed_in, timeout=TIMEOUT) as blocker:
        dialog.session_only_button.click()
    assert blocker.args[0].session_only
    assert "this session only" in dialog.success_text.text()
    assert session.memory.load("default") is not None
    assert not memory_keyring.entries  # nothing reached the keyring


def test_new_login_gets_a_free_name_and_duplicates_are_refused(
    qtbot, qloop, store: Store, server: Any
) -> None:
    session = make_session(store, qloop, server)
    session.profiles.add("default")
    assert next_free_name(["default", "login 2"]) == "login 3"
    dialog = make_dialog(qtbot, session, ThreadBrowser())
    assert dialog.name_edit.text() == "login 2"
    dialog.name_edit.setText("default")
    dialog.open_button.click()
    assert dialog.pages.currentWidget() is dialog.start_page
    assert "already a login" in dialog.name_error.text()
    assert not dialog.running
