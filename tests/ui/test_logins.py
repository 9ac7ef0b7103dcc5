"""Several logins: the logins dialog (rename, switch, sign out), the Logins dropdown, and the
account tree showing every login's organizations with the status bar naming the login."""

from __future__ import annotations

import asyncio
import html
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QModelIndex
from PySide6.QtWidgets import QInputDialog, QMessageBox

from snapdesk import config
from snapdesk.auth import REVOKE_REMINDER, KeyringTokenStore, Profiles
from snapdesk.store import Store
from snapdesk.ui.dialogs.logins import SIGNED_IN, SIGNED_OUT, LoginsDialog
from snapdesk.ui.main_window import MainWindow
from snapdesk.ui.session import Session
from tests.ui.auth_helpers import MemoryKeyring, add_login, fill_two_logins


@pytest.fixture
def session(store: Store, qloop: asyncio.AbstractEventLoop) -> Session:
    keyring = KeyringTokenStore()
    paths = config.Paths.from_env().ensure()
    profiles = Profiles(store=keyring, paths=paths)
    add_login(
        profiles,
        "default",
        display_name="Brand Owner",
        email="owner@brand.example",
        organizations=[("org-brand", "Brand House")],
        tokens_in=keyring,
    )
    add_login(
        profiles,
        "agency",
        display_name="Agency Team",
        email="agency@partners.example",
        organizations=[("org-agency", "Agency Partners"), ("org-client", "Client Co")],
        tokens_in=keyring,
    )
    profiles.switch("default")
    fill_two_logins(store)
    return Session(store=store, loop=qloop, paths=paths, keyring=keyring)


@pytest.fixture
def dialog(qtbot, session: Session) -> Iterator[LoginsDialog]:
    dlg = LoginsDialog(session=session)
    qtbot.addWidget(dlg)
    dlg.open()
    yield dlg


def _rows(dialog: LoginsDialog) -> dict[str, list[str]]:
    rows = {}
    for i in range(dialog.list.topLevelItemCount()):
        item = dialog.list.topLevelItem(i)
        rows[item.data(0, 0x0100)] = [item.text(c) for c in range(5)]
    return rows


def test_lists_logins_with_who_state_and_organizations(dialog: LoginsDialog) -> None:
    rows = _rows(dialog)
    assert set(rows) == {"default", "agency"}
    assert rows["default"][0] == "default  (active)"
    assert rows["agency"][1:3] == ["Agency Team", "agency@partners.example"]
    assert rows["agency"][3] == SIGNED_IN
    assert rows["agency"][4] == "2"
    assert rows["default"][4] == "1"


def test_rename_through_the_name_dialog(
    qtbot, dialog: LoginsDialog, session: Session, memory_keyring: MemoryKeyring, store: Store
) -> None:
    dialog.select("agency")
    dialog.rename_button.click()
    ask = dialog.pending_dialog
    assert isinstance(ask, QInputDialog) and ask.isVisible()
    with qtbot.waitSignal(dialog.logins_changed):
        ask.setTextValue("agency-eu")
        ask.accept()
    assert session.profiles.names() == ["default", "agency-eu"]
    assert ("snapdesk", "login:agency-eu") in memory_keyring.entries
    assert ("snapdesk", "login:agency") not in memory_keyring.entries
    assert {o.profile for o in store.organizations()} == {"default", "agency-eu"}
    assert "agency-eu" in _rows(dialog)
    # A taken name is refused, in the dialog.
    assert not dialog.rename("agency-eu", "default")
    assert dialog.banner.isVisible() and "already a login" in dialog.banner.text()


def test_switch_makes_a_login_active(qtbot, dialog: LoginsDialog, session: Session) -> None:
    dialog.select("agency")
    assert dialog.switch_button.isEnabled()
    with qtbot.waitSignal(dialog.logins_changed):
        dialog.switch_button.click()
    assert session.profile == "agency"
    assert Profiles(store=None, paths=session.paths).active == "agency"
    assert _rows(dialog)["agency"][0] == "agency  (active)"
    assert not dialog.switch_button.isEnabled()


def test_sign_out_asks_then_deletes_tokens_and_reminds(
    qtbot, dialog: LoginsDialog, session: Session, memory_keyring: MemoryKeyring, store: Store
) -> None:
    orgs_before = store.organizations()
    dialog.select("agency")
    dialog.sign_out_button.click()
    box = dialog.pending_dialog
    assert isinstance(box, QMessageBox) and box.isVisible()
    assert "agency@partners.example (agency)" in box.text()
    confirm = next(b for b in box.buttons() if b.text() == "Sign out")
    with qtbot.waitSignal(dialog.logins_changed):
        confirm.click()
    assert ("snapdesk", "login:agency") not in memory_keyring.entries
    assert ("snapdesk", "login:default") in memory_keyring.entries
    assert _rows(dialog)["agency"][3] == SIGNED_OUT
    assert REVOKE_REMINDER in html.unescape(dialog.banner.text())
    assert dialog.sign_in_button.isEnabled()
    assert store.organizations() == orgs_before  # the cache keeps the login's rows


def test_cancelling_sign_out_keeps_the_tokens(
    dialog: LoginsDialog, memory_keyring: MemoryKeyring
) -> None:
    dialog.select("agency")
    dialog.sign_out_button.click()
    box = dialog.pending_dialog
    assert isinstance(box, QMessageBox)
    box.reject()
    assert ("snapdesk", "login:agency") in memory_keyring.entries


def test_tree_shows_every_logins_organizations_and_the_status_bar_names_the_login(
    qtbot, session: Session
) -> None:
    session.connect_signed_in()
    window = MainWindow(session)
    qtbot.addWidget(window)
    window.show()
    model = window.model
    model.fetch_all(QModelIndex())
    names = {model.index(r, 0).data(): model.index(r, 0) for r in range(model.rowCount())}
    assert set(names) == {"Brand House", "Agency Partners", "Client Co"}
    assert "Login: agency@partners.example (agency)" in names["Client Co"].data(3)  # tooltip
    assert "Login: owner@brand.example (default)" in names["Brand House"].data(3)

    index = model.locate((("organization", "org-client"), ("ad_account", "acc-client-1")))
    assert "Login: agency@partners.example (agency)" in index.data(3)
    window.tree.select(index)
    assert window.login_label.text() == "Login: agency@partners.example (agency)"
    window.tree.select(names["Brand House"])
    assert window.login_label.text() == "Login: owner@brand.example (default)"

    # The Logins dropdown lists both, the active one checked.
    window._rebuild_logins_menu()
    labels = {a.text(): a.isChecked() for a in window.logins_menu.actions() if a.isCheckable()}
    assert labels == {
        "owner@brand.example (default)": True,
        "agency@partners.example (agency)": False,
    }
    assert window.logins_button.text() == "owner@brand.example"
    assert set(session.apis) == {"default", "agency"}
