"""Windows that fit the screen and come back where the user left them.

    keep_geometry(dialog, "audiences", default=QSize(1100, 700))  # in the parent's window.ini

A window opens at its saved geometry (moved fully onto a screen when that screen is gone or
smaller now), else at its default size capped to the screen and centred on its parent; its
geometry is saved when it hides. The main window does the same with `fit_on_screen`.
"""

from __future__ import annotations

from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QByteArray, QEvent, QObject, QRect, QSettings, QSize, Qt, QTimer
from PySide6.QtGui import QGuiApplication, QScreen
from PySide6.QtWidgets import QWidget

# Room for the window manager's title bar and borders, before the frame is known.
FRAME_ALLOWANCE = QSize(16, 48)
REFIT_DELAY_MS = 150  # after showing, once the window manager has framed the window


def _screen_for(widget: QWidget) -> QScreen | None:
    parent = widget.parentWidget()
    anchor = parent.window() if parent is not None else widget
    screen = anchor.screen() if anchor is not None else None
    return screen or QGuiApplication.primaryScreen()


def _frame_extra(widget: QWidget) -> QSize:
    """Frame size minus client size once the window manager has framed the window."""
    frame, inner = widget.frameGeometry(), widget.geometry()
    extra = QSize(frame.width() - inner.width(), frame.height() - inner.height())
    if widget.isVisible() and extra.height() > 0:
        return extra
    return FRAME_ALLOWANCE


def fit_on_screen(widget: QWidget, *, preferred: QSize | None = None, center: bool = False) -> None:
    """Resize `widget` to `preferred` (or its current size) capped to the available screen,
    and move it so the whole frame is on that screen (centred on its parent with `center`)."""
    if widget.windowState() & (Qt.WindowState.WindowMaximized | Qt.WindowState.WindowFullScreen):
        return
    screen = _screen_for(widget)
    if screen is None:
        return
    available: QRect = screen.availableGeometry()
    extra = _frame_extra(widget)
    wanted = preferred or widget.size()
    width = max(min(wanted.width(), available.width() - extra.width()), widget.minimumWidth())
    height = max(min(wanted.height(), available.height() - extra.height()), widget.minimumHeight())
    widget.resize(width, height)
    outer_w, outer_h = width + extra.width(), height + extra.height()
    if center:
        parent = widget.parentWidget()
        box = parent.window().frameGeometry() if parent is not None else available
        x = box.center().x() - outer_w // 2
        y = box.center().y() - outer_h // 2
    else:
        frame = widget.frameGeometry()
        x, y = frame.x(), frame.y()
    x = min(max(x, available.left()), available.right() + 1 - outer_w)
    y = min(max(y, available.top()), available.bottom() + 1 - outer_h)
    widget.move(max(x, available.left()), max(y, available.top()))


def on_screen(widget: QWidget) -> bool:
    """True when the widget's whole frame is inside one screen's available area."""
    frame = widget.frameGeometry()
    return any(s.availableGeometry().contains(frame) for s in QGuiApplication.screens())


class _Keeper(QObject):
    def __init__(
        self,
        widget: QWidget,
        key: str,
        settings: Callable[[], QSettings | None],
        default: QSize,
    ) -> None:
        super().__init__(widget)
        self._widget = widget
        self._key = key
        self._settings = settings
        self._default = default
        self._placed = False
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._widget:
            kind = event.type()
            if kind == QEvent.Type.Show and not self._placed:
                self._placed = True
                self._restore()
            elif kind in (QEvent.Type.Hide, QEvent.Type.Close) and self._placed:
                self.save()
        return False

    def _restore(self) -> None:
        self._place()
        # Before the window manager frames the window its frame is a guess, and X11 may take
        # the position as the client's: once framed, fit it again with the real frame (a
        # tall tool window opened at y=0 with its title bar above the screen).
        QTimer.singleShot(REFIT_DELAY_MS, self._refit)

    def _refit(self) -> None:
        if shiboken6.isValid(self._widget) and self._widget.isVisible():
            fit_on_screen(self._widget)

    def _place(self) -> None:
        settings = self._settings()
        saved = settings.value(f"{self._key}/geometry") if settings is not None else None
        if isinstance(saved, QByteArray) and self._widget.restoreGeometry(saved):
            fit_on_screen(self._widget)  # the screen may be smaller, or gone
            return
        fit_on_screen(self._widget, preferred=self._default, center=True)

    def save(self) -> None:
        settings = self._settings()
        if settings is None:
            return
        settings.setValue(f"{self._key}/geometry", self._widget.saveGeometry())
        settings.sync()


def settings_of(parent: QWidget | None) -> Callable[[], QSettings | None]:
    """Where a tool window of `parent`'s main window keeps its geometry (the main window's
    window.ini; none for a window without one, e.g. in tests)."""

    def settings() -> QSettings | None:
        host = parent.window() if parent is not None else None
        getter = getattr(host, "settings", None)
        found = getter() if callable(getter) else None
        return found if isinstance(found, QSettings) else None

    return settings


def keep_geometry(
    widget: QWidget,
    key: str,
    *,
    default: QSize,
    settings: Callable[[], QSettings | None] | None = None,
) -> None:
    """Open `widget` where it was last (on screen), else at `default` capped to the screen and
    centred on its parent; remember where it is when it hides."""
    parent = widget.parentWidget()
    _Keeper(widget, key, settings or settings_of(parent), default)
