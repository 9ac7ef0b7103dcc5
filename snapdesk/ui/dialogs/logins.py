"""Manage logins: who each one is, whether it is signed in, how many organizations it sees; add,
sign in again, rename, make active, sign out.

    dialog = LoginsDialog(session=session, parent=window)
    dialog.add_requested.connect(...)          # open the sign-in dialog for a new login
    dialog.sign_in_requested.connect(...)      # sign this login in again
    dialog.logins_changed.connect(...)         # renamed, switched or signed out
    dialog.open()
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from snapdesk.api import SnapError
from snapdesk.auth import KeyringUnavailable
from snapdesk.ui import theme
from snapdesk.ui._signals import emit
from snapdesk.ui.dialogs._widgets import Banner
from snapdesk.ui.ops.logins import rename_login, sign_out_login, switch_login
from snapdesk.ui.session import ENV_PROFILE, Session

TITLE = "Logins"
HEADERS = ("Login", "Name", "Email", "State", "Orgs")
STATE_COLUMN = 3
ORGS_COLUMN = 4

SIGNED_IN = "Signed in"
SESSION_ONLY = "Signed in (this session)"
SIGNED_OUT = "Signed out"
EXPIRED = "Sign in again"
NO_KEYRING = "Keyring unavailable"

_STATE_ICON = {
    SIGNED_IN: "active",
    SESSION_ONLY: "active",
    SIGNED_OUT: "neutral",
    EXPIRED: "warning",
    NO_KEYRING: "warning",
}


def login_state(session: Session, name: str) -> str:
    if name in session.sign_in_required:
        return EXPIRED
    if name == ENV_PROFILE and name in session.apis:
        return SIGNED_IN
    try:
        if session.tokens.memory.load(name) is not None:
            return SESSION_ONLY
        return SIGNED_IN if session.tokens.load(name) is not None else SIGNED_OUT
    except KeyringUnavailable:
        return SESSION_ONLY if name in session.apis else NO_KEYRING


class LoginsDialog(QDialog):
    """Signals: `add_requested()`, `sign_in_requested(str)` with the login name,
    `logins_changed()` after a rename, switch or sign-out."""

    add_requested = Signal()
    sign_in_requested = Signal(str)
    logins_changed = Signal()

    def __init__(self, *, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._pending: QDialog | None = None
        self._setup_ui()
        self.reload()

    # -- public API ------------------------------------------------------------------------------

    def reload(self) -> None:
        """Re-read the logins (after a sign-in elsewhere)."""
        selected = self.selected_login()
        self.list.clear()
        session = self._session
        active = session.profile
        bold = QFont()
        bold.setBold(True)
        for name in session.known_logins():
            profile = session.profiles.get(name)
            display = profile.display_name if profile is not None else None
            email = profile.email if profile is not None else None
            if name == ENV_PROFILE and name in session.apis:
                display = display or "SNAPDESK_ACCESS_TOKEN"
            state = login_state(session, name)
            cached = len(session.store.organizations(name))
            recorded = len(profile.organizations) if profile is not None else 0
            orgs = max(cached, recorded)
            item = QTreeWidgetItem(
                [
                    name + ("  (active)" if name == active else ""),
                    display or "—",
                    email or "—",
                    state,
                    str(orgs),
                ]
            )
            item.setData(0, Qt.ItemDataRole.UserRole, name)
            item.setIcon(0, theme.icon("login"))
            item.setIcon(STATE_COLUMN, theme.icon(_STATE_ICON[state]))
            item.setTextAlignment(
                ORGS_COLUMN, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
            )
            if profile is not None and profile.organizations:
                item.setToolTip(ORGS_COLUMN, "\n".join(profile.organizations))
            if state == EXPIRED:
                item.setToolTip(STATE_COLUMN, session.sign_in_required.get(name, ""))
                item.setForeground(STATE_COLUMN, QColor(theme.colors().warning))
            if name == active:
                item.setFont(0, bold)
            self.list.addTopLevelItem(item)
        target = selected or active
        for i in range(self.list.topLevelItemCount()):
            listed = self.list.topLevelItem(i)
            assert listed is not None  # i < topLevelItemCount()
            if listed.data(0, Qt.ItemDataRole.UserRole) == target:
                self.list.setCurrentItem(listed)
                break
        else:
            first = self.list.topLevelItem(0)
            if first is not None:  # there are items
                self.list.setCurrentItem(first)
        self.empty_label.setVisible(self.list.topLevelItemCount() == 0)
        self._update_buttons()

    def selected_login(self) -> str | None:
        item = self.list.currentItem() if hasattr(self, "list") else None
        if item is None:
            return None
        value = item.data(0, Qt.ItemDataRole.UserRole)
        return str(value) if value else None

    def select(self, name: str) -> None:
        for i in range(self.list.topLevelItemCount()):
            item = self.list.topLevelItem(i)
            assert item is not None  # i < topLevelItemCount()
            if item.data(0, Qt.ItemDataRole.UserRole) == name:
                self.list.setCurrentItem(item)
                return

    def rename(self, old: str, new: str) -> bool:
        """Rename `old` to `new`; shows the problem and returns False when that can't be done."""
        try:
            renamed = rename_login(session=self._session, old=old, new=new)
        except SnapError as exc:
            self._show_banner("error", html.escape(exc.message))
            return False
        self._show_banner(
            "ok", f"Renamed {html.escape(old)} to <b>{html.escape(renamed.name)}</b>."
        )
        self.reload()
        self.select(renamed.name)
        emit(self.logins_changed)
        return True

    def switch(self, name: str) -> None:
        try:
            switch_login(session=self._session, name=name)
        except SnapError as exc:
            self._show_banner("error", html.escape(exc.message))
            return
        self._show_banner("ok", f"<b>{html.escape(name)}</b> is now the active login.")
        self.reload()
        emit(self.logins_changed)

    def sign_out(self, name: str) -> None:
        """Sign out without asking (the Sign out button asks first)."""
        try:
            reminder = sign_out_login(session=self._session, name=name)
        except SnapError as exc:
            self._show_banner("error", html.escape(exc.message))
            return
        self._show_banner("info", html.escape(reminder))
        self.reload()
        emit(self.logins_changed)

    # -- construction ----------------------------------------------------------------------------

    def _setup_ui(self) -> None:
        self.setWindowTitle(TITLE)
        self.setMinimumSize(1000, 440)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(22, 20, 22, 18)
        outer.setSpacing(12)
        title = QLabel("Snap logins")
        title.setObjectName("dialogTitle")
        outer.addWidget(title)
        intro = QLabel(
            "Each login is one Snap account snapdesk signs in to. The account tree shows the "
            "organizations of every login; new sign-ins and syncing without a selection use "
            "the active one."
        )
        intro.setObjectName("muted")
        intro.setWordWrap(True)
        outer.addWidget(intro)

        body = QHBoxLayout()
        body.setSpacing(12)
        self.list = QTreeWidget()
        self.list.setObjectName("loginList")
        self.list.setAccessibleName("Logins")
        self.list.setHeaderLabels(list(HEADERS))
        self.list.setRootIsDecorated(False)
        self.list.setUniformRowHeights(True)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setAllColumnsShowFocus(True)
        header = self.list.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for column in (2, STATE_COLUMN, ORGS_COLUMN):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.list.currentItemChanged.connect(self._on_list_current_item_changed)
        self.list.itemDoubleClicked.connect(self._on_list_item_double_clicked)
        list_box = QVBoxLayout()
        list_box.addWidget(self.list, 1)
        self.empty_label = QLabel("No logins yet — add one to sign in to Snap.")
        self.empty_label.setObjectName("muted")
        list_box.addWidget(self.empty_label)
        body.addLayout(list_box, 1)

        side = QVBoxLayout()
        side.setSpacing(6)
        self.add_button = QPushButton("Add login…")
        self.add_button.setObjectName("primaryButton")
        self.add_button.clicked.connect(self._on_add_button_clicked)
        self.sign_in_button = QPushButton("Sign in again…")
        self.sign_in_button.clicked.connect(self._on_sign_in_button_clicked)
        self.rename_button = QPushButton("Rename…")
        self.rename_button.clicked.connect(self._on_rename_button_clicked)
        self.switch_button = QPushButton("Make active")
        self.switch_button.clicked.connect(self._on_switch_button_clicked)
        self.sign_out_button = QPushButton("Sign out…")
        self.sign_out_button.setObjectName("dangerButton")
        self.sign_out_button.clicked.connect(self._on_sign_out_button_clicked)
        for button in (
            self.add_button,
            self.sign_in_button,
            self.rename_button,
            self.switch_button,
            self.sign_out_button,
        ):
            button.setMinimumWidth(150)
            side.addWidget(button)
        side.insertSpacing(1, 10)
        side.addStretch(1)
        body.addLayout(side)
        outer.addLayout(body, 1)

        self.banner = Banner("info")
        self.banner.hide()
        outer.addWidget(self.banner)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.accept)
        buttons.addWidget(self.close_button)
        outer.addLayout(buttons)

    # -- state -----------------------------------------------------------------------------------

    def _show_banner(self, kind: str, text: str) -> None:
        self.banner.set_kind(kind)
        self.banner.set_text(text)
        self.banner.show()

    def _update_buttons(self) -> None:
        name = self.selected_login()
        real = name is not None and name != ENV_PROFILE and self._session.profiles.get(name)
        state = login_state(self._session, name) if name else None
        self.rename_button.setEnabled(bool(real))
        self.switch_button.setEnabled(bool(real) and name != self._session.profile)
        self.sign_out_button.setEnabled(bool(real) and state in (SIGNED_IN, SESSION_ONLY, EXPIRED))
        self.sign_in_button.setEnabled(bool(real) and state in (SIGNED_OUT, EXPIRED, NO_KEYRING))
        self.add_button.setEnabled(not self._session.is_env)

    # -- slots -----------------------------------------------------------------------------------

    def _on_list_current_item_changed(self, *_args: object) -> None:
        self._update_buttons()

    def _on_list_item_double_clicked(self, item: QTreeWidgetItem, _column: int) -> None:
        name = item.data(0, Qt.ItemDataRole.UserRole)
        if name and self.switch_button.isEnabled():
            self.switch(str(name))

    def _on_add_button_clicked(self) -> None:
        emit(self.add_requested)

    def _on_sign_in_button_clicked(self) -> None:
        name = self.selected_login()
        if name:
            emit(self.sign_in_requested, name)

    def _on_switch_button_clicked(self) -> None:
        name = self.selected_login()
        if name:
            self.switch(name)

    def _on_rename_button_clicked(self) -> None:
        name = self.selected_login()
        if not name:
            return
        dialog = QInputDialog(self)
        dialog.setWindowTitle("Rename login")
        dialog.setLabelText(f"New name for the login “{name}”:")
        dialog.setTextValue(name)
        dialog.setOkButtonText("Rename")
        dialog.textValueSelected.connect(lambda text, old=name: self.rename(old, text))
        dialog.finished.connect(dialog.deleteLater)
        self._pending = dialog
        dialog.open()

    def _on_sign_out_button_clicked(self) -> None:
        name = self.selected_login()
        if not name:
            return
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Sign out")
        box.setText(f"Sign out of {self._session.login_label(name)}?")
        box.setInformativeText(
            "snapdesk forgets this login's tokens. Its cached organizations and ad accounts "
            "stay on this computer until you sign in again."
        )
        confirm = box.addButton("Sign out", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(confirm)

        def on_clicked(button: object) -> None:
            if button is confirm:
                self.sign_out(name)

        box.buttonClicked.connect(on_clicked)
        box.finished.connect(box.deleteLater)
        self._pending = box
        box.open()

    @property
    def pending_dialog(self) -> QDialog | None:
        """The rename or sign-out question currently open (tests answer it)."""
        return self._pending
