"""The Conversions API token of one pixel or Snap app: stored in the system keyring only.

The token goes to `KeyringCapiTokenStore` (entry `capi-token:<asset id>` of the `snapdesk`
service) and nowhere else: no settings file, no log, and the field is never filled again (a
stored token reads as "stored", never as its text). When no keyring works the dialog says so
and keeps nothing.

    dialog = CapiTokenDialog(asset_id=pixel, access=access, parent=page)
    dialog.saved.connect(...)      # the asset id, after the token was stored
    dialog.removed.connect(...)    # the asset id, after its token was deleted
    dialog.open()
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from snapdesk.auth import KeyringUnavailable
from snapdesk.auth.capi_tokens import CAPI_TOKEN_ENV
from snapdesk.auth.settings import CONVERSIONS_SCOPE
from snapdesk.ui._signals import emit
from snapdesk.ui.dialogs._widgets import Banner, bullet_list, hint
from snapdesk.ui.ops.conversions import CapiAccess

TITLE = "Conversions API token"
STORED_PLACEHOLDER = "A token is stored in your system keyring — paste a new one to replace it"
EMPTY_PLACEHOLDER = "Paste the token from Business Manager"

WHERE_STEPS = [
    "Open <b>Snap Business Manager</b> → <b>Business Details</b>.",
    "Under <b>Conversions API Tokens</b>, choose <b>Generate token</b> (or copy an existing "
    "one). A token is long-lived and can only send events.",
    "Paste it here. snapdesk keeps it in your system keyring, one token per pixel or app.",
]


class CapiTokenDialog(QDialog):
    """Signals: `saved(str)` and `removed(str)` with the pixel or app id."""

    saved = Signal(str)
    removed = Signal(str)

    def __init__(
        self,
        *,
        asset_id: str,
        access: CapiAccess,
        credential_text: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._access = access
        self._credential_text = credential_text
        self._setup_ui()
        self.asset_edit.setText(asset_id.strip())
        self._on_asset_edit_text_changed()

    # -- construction ----------------------------------------------------------------------------

    def _setup_ui(self) -> None:
        self.setWindowTitle(TITLE)
        self.setModal(True)
        self.setMinimumWidth(620)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(22, 20, 22, 18)
        outer.setSpacing(12)

        title = QLabel("Conversions API token for a pixel or app")
        title.setObjectName("dialogTitle")
        outer.addWidget(title)

        steps = QLabel(bullet_list(WHERE_STEPS))
        steps.setTextFormat(Qt.TextFormat.RichText)
        steps.setWordWrap(True)
        outer.addWidget(steps)

        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.asset_edit = QLineEdit()
        self.asset_edit.setPlaceholderText("Pixel ID, or Snap app ID for app events")
        self.asset_edit.textChanged.connect(self._on_asset_edit_text_changed)
        form.addRow("Pixel / app ID", self.asset_edit)
        self.token_edit = QLineEdit()
        self.token_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.token_edit.setClearButtonEnabled(True)
        self.token_edit.textChanged.connect(self._on_token_edit_text_changed)
        form.addRow("Token", self.token_edit)
        form.addRow(
            "", hint("Kept in your system keyring only. It is never shown again, here or anywhere.")
        )
        outer.addLayout(form)

        self.state_banner = Banner("info")
        outer.addWidget(self.state_banner)
        self.error_banner = Banner("error")
        self.error_banner.hide()
        outer.addWidget(self.error_banner)

        override = (
            "" if self._access.sandbox_token is not None else f"; {CAPI_TOKEN_ENV} overrides both"
        )
        alternatives = hint(
            f"Instead of a token you can sign in with a login that has Conversions API access "
            f"({CONVERSIONS_SCOPE} scope). A stored token is used first{override}."
        )
        outer.addWidget(alternatives)

        buttons = QHBoxLayout()
        self.remove_button = QPushButton("Remove stored token")
        self.remove_button.setObjectName("dangerButton")
        self.remove_button.clicked.connect(self._on_remove_button_clicked)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.reject)
        buttons.addWidget(self.cancel_button)
        self.save_button = QPushButton("Save to keyring")
        self.save_button.setObjectName("primaryButton")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self._on_save_button_clicked)
        buttons.addWidget(self.save_button)
        outer.addLayout(buttons)

    # -- state -----------------------------------------------------------------------------------

    def asset_id(self) -> str:
        return self.asset_edit.text().strip()

    def _stored(self) -> bool | None:
        """Whether a token is stored for the asset (None: the keyring can't be read)."""
        asset = self.asset_id()
        if not asset:
            return False
        try:
            return bool(self._access.token_store().get(asset))
        except KeyringUnavailable:
            return None

    def _on_asset_edit_text_changed(self) -> None:
        self.error_banner.hide()
        asset = self.asset_id()
        stored = self._stored()
        self.remove_button.setVisible(bool(stored))
        self.token_edit.setPlaceholderText(STORED_PLACEHOLDER if stored else EMPTY_PLACEHOLDER)
        if not asset:
            self.state_banner.set_kind("info")
            self.state_banner.set_text("Enter the pixel ID (web and offline events) or app ID.")
        elif stored is None:
            self.state_banner.set_kind("warning")
            self.state_banner.set_text(
                "No system keyring is available, so a token can't be stored. Set "
                f"{CAPI_TOKEN_ENV} for this session, or sign in with Conversions API access."
            )
        elif stored:
            self.state_banner.set_kind("ok")
            self.state_banner.set_text(
                f"A token for <b>{html.escape(asset)}</b> is stored in your keyring and is used "
                "for this pixel. Paste a new one to replace it."
            )
        else:
            now = (
                f" Until you store one, sends use {html.escape(self._credential_text)}."
                if self._credential_text
                else ""
            )
            self.state_banner.set_kind("info")
            self.state_banner.set_text(f"No token is stored for <b>{html.escape(asset)}</b>.{now}")
        self._on_token_edit_text_changed()

    def _on_token_edit_text_changed(self) -> None:
        self.save_button.setEnabled(bool(self.asset_id() and self.token_edit.text().strip()))

    def _show_error(self, text: str) -> None:
        self.error_banner.set_text(html.escape(text))
        self.error_banner.show()

    # -- actions ---------------------------------------------------------------------------------

    def _on_save_button_clicked(self) -> None:
        asset, token = self.asset_id(), self.token_edit.text().strip()
        if not asset or not token:
            return
        try:
            self._access.token_store().set(asset, token)
        except KeyringUnavailable as exc:
            self._show_error(f"The token was not stored: {exc.message}")
            return
        self.token_edit.clear()
        emit(self.saved, asset)
        self.accept()

    def _on_remove_button_clicked(self) -> None:
        asset = self.asset_id()
        try:
            self._access.token_store().delete(asset)
        except KeyringUnavailable as exc:
            self._show_error(f"The token was not removed: {exc.message}")
            return
        self._on_asset_edit_text_changed()
        emit(self.removed, asset)
