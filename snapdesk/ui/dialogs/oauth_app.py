"""The user's own Snap OAuth app: client ID, secret (keyring only), redirect URI, scopes, PKCE.

Non-secret settings go to `oauth_app.json` through `save_app_settings`; the secret goes to the
keyring through `save_app_settings(client_secret=...)` and nowhere else. When no keyring works,
the secret is kept in memory for this session and the dialog says so.

    dialog = OAuthAppDialog(session=session, parent=window)
    dialog.saved.connect(...)
    dialog.open()
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from snapdesk.auth import (
    CONVERSIONS_SCOPE,
    MARKETING_SCOPE,
    KeyringUnavailable,
    OAuthAppSettings,
    load_app_settings,
    loopback_target,
    save_app_settings,
)
from snapdesk.ui._signals import emit
from snapdesk.ui.dialogs._widgets import Banner, bullet_list, hint
from snapdesk.ui.session import Session

TITLE = "Snap OAuth app"
EXAMPLE_REDIRECT = "https://127.0.0.1:53682/callback"
SECRET_PLACEHOLDER = "Shown once when you create the app in Snap"
SECRET_SAVED_PLACEHOLDER = "Saved in your system keyring — type to replace it"
CONVERSIONS_TEXT = f"Also use the Conversions API ({CONVERSIONS_SCOPE})"
PKCE_TEXT = "Send a PKCE code challenge (S256)"
PKCE_HINT = (
    "Off by default: Snap doesn't document PKCE for its OAuth apps. Turn it on only if Snap "
    "asks your app for it."
)
SECRET_HINT = "Kept in your system keyring, never in a settings file."
MISSING_SECRET = "Enter the client secret of your Snap OAuth app."

_CODE = "<span style=\"font-family: 'DejaVu Sans Mono', monospace; white-space: nowrap;\">{}</span>"

REGISTER_STEPS = [
    "In <b>Snap Business Manager</b>, open <b>Business Details → OAuth apps</b> and create an app.",
    "Register a <b>redirect URI</b>. For signing in on this computer use a loopback address, "
    f"for example<br>{_CODE.format(EXAMPLE_REDIRECT)}",
    "Snap accepts <b>https</b> addresses only, and compares them <b>exactly</b> — enter the same "
    "address here, character for character.",
    "Copy the <b>client ID</b> and the <b>client secret</b>. The secret is shown <b>only once</b>.",
    "A redirect URI can't be edited later: to change it, create a new app and enter its "
    "details here.",
]


def redirect_note(uri: str) -> tuple[str, str] | None:
    """(banner kind, text) describing what happens with this redirect URI, or None."""
    uri = uri.strip()
    if not uri:
        return None
    target = loopback_target(uri)
    if target is None:
        if uri.startswith(("http://", "https://")):
            return (
                "info",
                "This address is not on this computer. After you approve snapdesk in the "
                "browser, copy the address the browser ends on and paste it into snapdesk.",
            )
        return None
    if target.tls:
        return (
            "warning",
            f"snapdesk will listen on <b>{html.escape(target.display)}</b> with its own "
            "self-signed certificate, so your browser will show a <b>certificate warning</b> "
            "when Snap sends you back. That is expected for this address: continue to the site "
            "to finish signing in.",
        )
    return (
        "info",
        f"snapdesk will listen on <b>{html.escape(target.display)}</b> for Snap's answer. Snap "
        "itself only accepts https redirect URIs.",
    )


class OAuthAppDialog(QDialog):
    """Signals: `saved(object)` with the saved `OAuthAppSettings` (after the dialog closed)."""

    saved = Signal(object)

    def __init__(self, *, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._settings = load_app_settings(session.paths)
        self._has_secret = self._stored_secret_exists(self._settings.client_id)
        self._tried = False
        self.secret_kept_in_memory = False
        self._setup_ui()
        self._load(self._settings)
        self._on_fields_changed()

    # -- public API ------------------------------------------------------------------------------

    def current_settings(self) -> OAuthAppSettings:
        settings = OAuthAppSettings(
            client_id=self.client_id_edit.text().strip(),
            redirect_uri=self.redirect_edit.text(),
            use_pkce=self.pkce_check.isChecked(),
        )
        return settings.with_conversions_api(self.conversions_check.isChecked())

    def problems(self) -> list[str]:
        """What the user still has to fix, one sentence each."""
        settings = self.current_settings()
        found = settings.problems()
        typed = self.secret_edit.text().strip()
        secret_known = self._has_secret and settings.client_id == self._settings.client_id
        if not typed and not secret_known:
            found.insert(1 if found and "client ID" in found[0] else 0, MISSING_SECRET)
        return found

    # -- construction ----------------------------------------------------------------------------

    def _setup_ui(self) -> None:
        self.setWindowTitle(TITLE)
        self.setModal(True)
        self.setMinimumWidth(960)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(22, 20, 22, 18)
        outer.setSpacing(14)

        title = QLabel("Connect snapdesk to your Snap OAuth app")
        title.setObjectName("dialogTitle")
        outer.addWidget(title)
        intro = QLabel(
            "snapdesk signs in to Snap with an OAuth app that you create in your own Snap "
            "Business account. Enter its details exactly as Snap shows them."
        )
        intro.setObjectName("muted")
        intro.setWordWrap(True)
        outer.addWidget(intro)

        columns = QHBoxLayout()
        columns.setSpacing(18)
        outer.addLayout(columns, 1)

        form_box = QWidget()
        form_layout = QVBoxLayout(form_box)
        form_layout.setContentsMargins(0, 0, 0, 0)
        form_layout.setSpacing(10)
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.setHorizontalSpacing(12)
        form.setVerticalSpacing(6)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)

        self.client_id_edit = QLineEdit()
        self.client_id_edit.setPlaceholderText("e.g. 0f1a2b3c-4d5e-…")
        form.addRow("Client ID", self.client_id_edit)

        self.secret_edit = QLineEdit()
        self.secret_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.secret_edit.setClearButtonEnabled(True)
        form.addRow("Client secret", self.secret_edit)
        self.secret_hint = hint(SECRET_HINT)
        form.addRow("", self.secret_hint)

        self.redirect_edit = QLineEdit()
        self.redirect_edit.setPlaceholderText(EXAMPLE_REDIRECT)
        form.addRow("Redirect URI", self.redirect_edit)
        form.addRow("", hint("Exactly as registered with Snap, character for character."))

        marketing = QLabel(f"{MARKETING_SCOPE} <span style='color: gray;'>(always)</span>")
        marketing.setTextFormat(Qt.TextFormat.RichText)
        form.addRow("Scopes", marketing)
        self.conversions_check = QCheckBox(CONVERSIONS_TEXT)
        form.addRow("", self.conversions_check)

        self.pkce_check = QCheckBox(PKCE_TEXT)
        form.addRow("PKCE", self.pkce_check)
        form.addRow("", hint(PKCE_HINT))
        form_layout.addLayout(form)

        self.redirect_banner = Banner("info")
        form_layout.addWidget(self.redirect_banner)
        self.problems_banner = Banner("error")
        self.problems_banner.hide()
        form_layout.addWidget(self.problems_banner)
        form_layout.addStretch(1)
        columns.addWidget(form_box, 3)

        help_panel = QFrame()
        help_panel.setObjectName("helpPanel")
        help_layout = QVBoxLayout(help_panel)
        help_layout.setContentsMargins(16, 14, 16, 14)
        help_layout.setSpacing(6)
        help_title = QLabel("What to register on Snap's side")
        help_title.setObjectName("sectionTitle")
        help_layout.addWidget(help_title)
        self.help_label = QLabel(bullet_list(REGISTER_STEPS))
        self.help_label.setTextFormat(Qt.TextFormat.RichText)
        self.help_label.setWordWrap(True)
        self.help_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        help_layout.addWidget(self.help_label)
        help_layout.addStretch(1)
        help_panel.setFixedWidth(320)
        columns.addWidget(help_panel, 0)

        buttons = QHBoxLayout()
        buttons.setSpacing(8)
        self.status_label = QLabel()
        self.status_label.setObjectName("muted")
        self.status_label.setWordWrap(True)
        buttons.addWidget(self.status_label, 1)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.reject)
        buttons.addWidget(self.cancel_button)
        self.save_button = QPushButton("Save")
        self.save_button.setObjectName("primaryButton")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self._on_save_button_clicked)
        buttons.addWidget(self.save_button)
        outer.addLayout(buttons)

        for edit in (self.client_id_edit, self.secret_edit, self.redirect_edit):
            edit.textChanged.connect(self._on_fields_changed)

    def _load(self, settings: OAuthAppSettings) -> None:
        self.client_id_edit.setText(settings.client_id)
        self.redirect_edit.setText(settings.redirect_uri)
        self.conversions_check.setChecked(settings.conversions_api)
        self.pkce_check.setChecked(settings.use_pkce)
        self._update_secret_placeholder()

    def _stored_secret_exists(self, client_id: str) -> bool:
        if not client_id:
            return False
        try:
            return bool(self._session.tokens.get_client_secret(client_id))
        except KeyringUnavailable:
            return False

    def _update_secret_placeholder(self) -> None:
        same_app = self.client_id_edit.text().strip() == self._settings.client_id
        self.secret_edit.setPlaceholderText(
            SECRET_SAVED_PLACEHOLDER if self._has_secret and same_app else SECRET_PLACEHOLDER
        )

    # -- slots -----------------------------------------------------------------------------------

    def _on_fields_changed(self, _text: str = "") -> None:
        self._update_secret_placeholder()
        note = redirect_note(self.redirect_edit.text())
        if note is None:
            self.redirect_banner.hide()
        else:
            self.redirect_banner.set_kind(note[0])
            self.redirect_banner.set_text(note[1])
            self.redirect_banner.show()
        if self._tried:
            self._show_problems(self.problems())
        else:
            self._fit()

    def _show_problems(self, problems: list[str]) -> None:
        if problems:
            self.problems_banner.set_text("<br>".join(html.escape(p) for p in problems))
            self.problems_banner.show()
        else:
            self.problems_banner.hide()
        self._fit()

    def _fit(self) -> None:
        """Grow (or shrink) to fit the banners shown now."""
        if self.isVisible():
            self.adjustSize()

    def _on_save_button_clicked(self) -> None:
        self._tried = True
        problems = self.problems()
        self._show_problems(problems)
        if problems:
            return
        settings = self.current_settings()
        typed = self.secret_edit.text().strip()
        try:
            save_app_settings(
                settings,
                paths=self._session.paths,
                store=self._session.tokens,
                client_secret=typed or None,
            )
        except KeyringUnavailable as exc:
            # The settings file is written before the secret: only the secret needs a home.
            self._session.memory.set_client_secret(settings.client_id, typed)
            self.secret_kept_in_memory = True
            self.status_label.setText(
                f"{exc.message}. The client secret is kept for this session only."
            )
        self._settings = settings
        self._has_secret = True
        self.secret_edit.clear()
        self.accept()
        emit(self.saved, settings)
