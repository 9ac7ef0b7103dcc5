"""The mouse wheel never edits a setting by accident: one event filter on the application.

Over a combo box, spin box (date and time edits included), slider or dial that doesn't have
keyboard focus, a wheel event is not the input's: it goes on to the widgets around it, as if the
input weren't there, so the form (the nearest scroll area) scrolls. With keyboard focus the
wheel steps the value, as on every desktop. Such inputs also take focus only from Tab or a
click, never from the wheel (Qt's `WheelFocus` becomes `StrongFocus`), so scrolling a form
past them never arms them.

What is left alone: scroll bars and scroll areas (scrolling is what the wheel is for), an open
combo list or calendar (a popup the user opened), and tab bars (the wheel switches tabs there:
navigation, not an edit). The filter sits on the `QApplication`, so every editor, dialog and
window — including ones added later — gets the rule without doing anything.
"""

from __future__ import annotations

from typing import Final

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import (
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QScrollBar,
    QWidget,
)

_WHEEL: Final = QEvent.Type.Wheel
# Polish: before a widget first shows; Enter: before any real wheel over it (a widget may reset
# its focus policy later, e.g. QComboBox.setEditable on macOS).
_SET_FOCUS_POLICY: Final = (QEvent.Type.Polish, QEvent.Type.Enter)
_OBJECT_NAME: Final = "snapdeskWheelGuard"


def takes_the_wheel(widget: QObject) -> bool:
    """An input whose value the wheel steps (what the guard protects)."""
    return isinstance(widget, QComboBox | QAbstractSpinBox | QAbstractSlider) and not isinstance(
        widget, QScrollBar
    )


def has_focus(widget: QWidget) -> bool:
    """The input, or a part of it (an editable combo's line edit), has keyboard focus."""
    if widget.hasFocus():
        return True
    focus = QApplication.focusWidget()
    return focus is not None and widget.isAncestorOf(focus)


class WheelGuard(QObject):
    """The application-wide event filter (see the module docstring); `install_wheel_guard`
    puts one on the application."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == _WHEEL:
            if (
                isinstance(event, QWheelEvent)
                and takes_the_wheel(watched)
                and isinstance(watched, QWidget)
                and not has_focus(watched)
            ):
                event.setAccepted(pass_on(watched, event))
                return True  # never the input's
        elif kind in _SET_FOCUS_POLICY and takes_the_wheel(watched):
            assert isinstance(watched, QWidget)
            if watched.focusPolicy() == Qt.FocusPolicy.WheelFocus:
                watched.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        return False


def pass_on(widget: QWidget, event: QWheelEvent) -> bool:
    """Deliver `event` to `widget`'s parents in turn, nearest first, until one takes it (the
    viewport of the scroll area around a form does), as Qt would have if `widget` had ignored
    it; returns whether one did. Qt itself doesn't pass on a wheel event an application sent
    (only one from the window system), so this does it for both."""
    position = event.position()
    child = widget
    parent = widget.parentWidget()
    while parent is not None and not child.isWindow():
        if child.testAttribute(Qt.WidgetAttribute.WA_NoMousePropagation):
            return False
        position = child.mapToParent(position)
        forwarded = QWheelEvent(
            position,
            event.globalPosition(),
            event.pixelDelta(),
            event.angleDelta(),
            event.buttons(),
            event.modifiers(),
            event.phase(),
            event.inverted(),
            event.source(),
            event.pointingDevice(),
        )
        forwarded.setTimestamp(event.timestamp())
        # Taken: handled (a disabled widget returns False and leaves it marked accepted) and
        # not ignored (QWidget.wheelEvent ignores it).
        if QCoreApplication.sendEvent(parent, forwarded) and forwarded.isAccepted():
            return True
        child, parent = parent, parent.parentWidget()
    return False


def install_wheel_guard(app: QCoreApplication | None = None) -> WheelGuard:
    """Put the guard on `app` (default: the running application) once; calling it again
    returns the one already there."""
    app = app or QCoreApplication.instance()
    if app is None:
        raise RuntimeError("install_wheel_guard needs a QApplication")
    existing = app.findChild(WheelGuard, _OBJECT_NAME)
    if isinstance(existing, WheelGuard):
        return existing
    guard = WheelGuard(app)
    guard.setObjectName(_OBJECT_NAME)
    app.installEventFilter(guard)
    return guard
