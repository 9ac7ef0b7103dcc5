"""The user's preferences in the running app: where they are kept, reading them without ever
stopping the app, and applying the theme.

Preferences (theme, default country, refresh interval, live-mode confirmation, data folder, the
welcome) are the user's own and shared by every session, the sandbox included: they live in
`<config_dir>/settings.json`. The sandbox keeps its logins apart (`app.sandbox_paths`), and with
them its own settings file, so its spend guards and FX rates never touch the real ones.

    apply_theme_preference(app, "system")     # and follows the desktop when it switches
    prefs = load_preferences(preferences_paths(session))
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from snapdesk import config
from snapdesk.core.settings import AppSettings, SettingsError, load_settings
from snapdesk.ui import theme
from snapdesk.ui.session import Session

log = logging.getLogger(__name__)

THEME_LABELS = {"system": "Follow the system", "light": "Light", "dark": "Dark"}


def preferences_paths(session: Session | None) -> config.Paths:
    """Where the user's preferences are: the session's files, except in the sandbox."""
    if session is None or session.is_sandbox:
        return config.Paths.from_env()
    return session.paths


def load_preferences(paths: config.Paths) -> AppSettings:
    """The saved preferences; the defaults (logged) when the file can't be read, so a broken
    file never keeps the app from starting. Preferences shows the error itself."""
    try:
        return load_settings(paths)
    except SettingsError as exc:
        log.warning("using default preferences: %s", exc)
        return AppSettings()


class _SchemeFollower(QObject):
    """Re-applies the theme when the desktop switches between light and dark, while the
    preference is "system"."""

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self.choice = "system"
        self._app = app
        hints = QGuiApplication.styleHints()
        signal = getattr(hints, "colorSchemeChanged", None)
        if signal is not None:
            signal.connect(self._on_hints_color_scheme_changed)

    def _on_hints_color_scheme_changed(self, _scheme: object) -> None:
        if self.choice == "system":
            theme.apply_theme(self._app, dark=None)


_followers: dict[int, _SchemeFollower] = {}


def apply_theme_preference(app: QApplication, choice: str) -> theme.Colors:
    """Apply "system", "light" or "dark" to the whole app now."""
    follower = _followers.get(id(app))
    if follower is None:
        follower = _followers[id(app)] = _SchemeFollower(app)
        follower.destroyed.connect(lambda *_: _followers.pop(id(app), None))
    follower.choice = choice
    dark = {"light": False, "dark": True}.get(choice)
    return theme.apply_theme(app, dark=dark)


def current_theme_label(choice: str) -> str:
    """ "Follow the system (dark now)" and the like, for the Appearance page."""
    if choice != "system":
        return THEME_LABELS[choice]
    return f"{THEME_LABELS['system']} ({'dark' if theme.system_prefers_dark() else 'light'} now)"
