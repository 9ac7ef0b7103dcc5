"""The first-run welcome: explore with sample data (the built-in sandbox) or connect a Snap
account, and one sentence on dry-run versus live.

It shows when snapdesk starts for the first time: no `welcomed: true` in settings.json, no
login, no OAuth app and no cache yet. Picking either choice (or closing it with "Don't show
this again" ticked) records `welcomed`, so it does not come back. `app.run_app` asks before it
builds the session, so "Explore with sample data" starts exactly what `snapdesk --sandbox`
starts, in the same process.

    if is_first_run(paths):
        choice = await ask_welcome(paths=paths)   # SANDBOX, CONNECT or NO_CHOICE
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from typing import Final

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QCloseEvent, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from snapdesk import config
from snapdesk._resources import app_icon_file
from snapdesk.auth.profiles import PROFILES_FILE
from snapdesk.auth.settings import SETTINGS_FILE as OAUTH_APP_FILE
from snapdesk.core.settings import SettingsError, load_settings, save_settings
from snapdesk.ui import theme
from snapdesk.ui._signals import emit
from snapdesk.ui.dialogs._widgets import Banner

log = logging.getLogger(__name__)

SANDBOX: Final = "sandbox"
CONNECT: Final = "connect"
NO_CHOICE: Final = ""

TITLE: Final = "Welcome to snapdesk"
DRY_RUN_SENTENCE: Final = (
    "Every change is previewed as a dry run until you switch on live mode; only then is "
    "anything sent to Snap."
)
SANDBOX_TITLE: Final = "Explore with sample data"
SANDBOX_TEXT: Final = (
    "Demo organizations and ad accounts in several currencies, with months of stats, on a "
    "built-in Snap emulator. No account needed; nothing reaches Snap."
)
CONNECT_TITLE: Final = "Connect your Snap account"
CONNECT_TEXT: Final = (
    "Sign in with your Snap Business account through your own Snap OAuth app. snapdesk shows "
    "you what to register and keeps your tokens in the system keyring."
)


def is_first_run(paths: config.Paths) -> bool:
    """True when nothing says snapdesk was used here before."""
    try:
        if load_settings(paths).welcomed:
            return False
    except SettingsError:
        return False  # a settings file someone wrote: not a first run
    config_dir = paths.config_dir
    if (config_dir / PROFILES_FILE).exists() or (config_dir / OAUTH_APP_FILE).exists():
        return False
    return not paths.database.exists()


def mark_welcomed(paths: config.Paths) -> bool:
    """Record that the welcome was answered; False (logged) when the settings file can't be
    read, which is then left exactly as it is."""
    try:
        settings = load_settings(paths)
        if not settings.welcomed:
            save_settings(replace(settings, welcomed=True), paths)
    except (SettingsError, OSError) as exc:
        log.warning("could not record that the welcome was shown: %s", exc)
        return False
    return True


class _ChoiceCard(QPushButton):
    """A big button: icon, bold title and a sentence under it."""

    def __init__(self, *, icon: str, title: str, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("choiceCard")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setAccessibleName(title)
        self.setAccessibleDescription(text)
        self.setMinimumSize(300, 170)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 18)
        layout.setSpacing(8)
        picture = QLabel()
        picture.setPixmap(theme.large_icon(icon, 32))
        self.title_label = QLabel(title)
        self.title_label.setObjectName("choiceTitle")
        self.text_label = QLabel(text)
        self.text_label.setObjectName("muted")
        self.text_label.setWordWrap(True)
        self.text_label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        for label in (picture, self.title_label, self.text_label):
            label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            layout.addWidget(label)
        layout.addStretch(1)


class WelcomeDialog(QDialog):
    """Signals: `chosen(str)` once, with SANDBOX, CONNECT or NO_CHOICE (closed without one)."""

    chosen = Signal(str)

    def __init__(self, *, paths: config.Paths, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._paths = paths
        self.choice: str | None = None
        self._setup_ui()

    def sizeHint(self) -> QSize:
        return QSize(760, 560)

    def _setup_ui(self) -> None:
        self.setWindowTitle(TITLE)
        self.setWindowIcon(theme.icon_app())
        c = theme.colors()
        self.setStyleSheet(
            f"QPushButton#choiceCard {{ background: {c.base}; border: 1px solid {c.border};"
            " border-radius: 12px; text-align: left; }"
            f"QPushButton#choiceCard:hover {{ border-color: {c.accent}; background: {c.base}; }}"
            f"QPushButton#choiceCard:focus {{ border: 2px solid {c.accent}; }}"
            "QLabel#choiceTitle { font-size: 13pt; font-weight: 600; }"
            "QLabel#welcomeTitle { font-size: 20pt; font-weight: 600; }"
        )
        outer = QVBoxLayout(self)
        outer.setContentsMargins(36, 30, 36, 22)
        outer.setSpacing(14)
        icon = QLabel()
        icon.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        icon.setPixmap(self._app_pixmap(88))
        outer.addWidget(icon)
        title = QLabel(TITLE)
        title.setObjectName("welcomeTitle")
        title.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        outer.addWidget(title)
        subtitle = QLabel(
            "Manage your Snapchat ad campaigns from your desktop: sync, edit in bulk, upload "
            "customer lists and follow performance."
        )
        subtitle.setObjectName("muted")
        subtitle.setWordWrap(True)
        subtitle.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        outer.addWidget(subtitle)
        outer.addSpacing(8)
        cards = QHBoxLayout()
        cards.setSpacing(16)
        self.sandbox_button = _ChoiceCard(icon="ad_account", title=SANDBOX_TITLE, text=SANDBOX_TEXT)
        self.sandbox_button.clicked.connect(self._on_sandbox_button_clicked)
        self.connect_button = _ChoiceCard(icon="login", title=CONNECT_TITLE, text=CONNECT_TEXT)
        self.connect_button.clicked.connect(self._on_connect_button_clicked)
        cards.addWidget(self.sandbox_button, 1)
        cards.addWidget(self.connect_button, 1)
        outer.addLayout(cards, 1)
        self.dry_run_banner = Banner("info", DRY_RUN_SENTENCE)
        outer.addWidget(self.dry_run_banner)
        bottom = QHBoxLayout()
        self.dont_show_check = QCheckBox("Don't show this again")
        bottom.addWidget(self.dont_show_check)
        bottom.addStretch(1)
        self.close_button = QPushButton("Not now")
        self.close_button.setToolTip("Open snapdesk without choosing; you can sign in later")
        self.close_button.clicked.connect(self.reject)
        bottom.addWidget(self.close_button)
        outer.addLayout(bottom)
        self.sandbox_button.setFocus()

    @staticmethod
    def _app_pixmap(size: int) -> QPixmap:
        path = app_icon_file(128)
        pixmap = QPixmap(str(path)) if path.exists() else QPixmap()
        if pixmap.isNull():
            return theme.large_icon("app", size)
        return pixmap.scaled(
            size,
            size,
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )

    # -- choices ---------------------------------------------------------------------------------

    def _finish(self, choice: str) -> None:
        if self.choice is not None:
            return
        self.choice = choice
        if choice != NO_CHOICE or self.dont_show_check.isChecked():
            mark_welcomed(self._paths)
        emit(self.chosen, choice)

    def _on_sandbox_button_clicked(self) -> None:
        self._finish(SANDBOX)
        self.accept()

    def _on_connect_button_clicked(self) -> None:
        self._finish(CONNECT)
        self.accept()

    def reject(self) -> None:
        self._finish(NO_CHOICE)
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        self._finish(NO_CHOICE)
        super().closeEvent(event)


async def ask_welcome(*, paths: config.Paths) -> str:
    """Show the welcome and wait (without a nested event loop) for the user's choice."""
    future: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    def on_chosen(choice: str) -> None:
        if not future.done():
            future.set_result(choice)

    dialog = WelcomeDialog(paths=paths)
    dialog.chosen.connect(on_chosen)
    dialog.resize(dialog.sizeHint())
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()
    try:
        return await future
    finally:
        dialog.hide()
        dialog.deleteLater()
