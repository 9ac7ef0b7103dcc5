"""Accessibility helpers: names for controls whose visible label is not attached to them (a
compound field's inner line edit, a date's "set" checkbox)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QLineEdit,
    QWidget,
)

CONTROLS = (QAbstractButton, QLineEdit, QComboBox, QAbstractItemView, QAbstractSpinBox)


def name_controls(container: QWidget, name: str) -> None:
    """Give `name` to `container` and to each focusable control inside it that has no name or
    text of its own; a checkbox without text (an optional value's "set" box) gets
    "<name>: set"."""
    for widget in (container, *container.findChildren(QWidget)):
        if not isinstance(widget, CONTROLS) or widget.accessibleName():
            continue
        if not widget.focusPolicy() & Qt.FocusPolicy.TabFocus:
            continue
        if _inside_other_control(widget, container):
            continue
        if isinstance(widget, QAbstractButton):
            if widget.text().replace("&", "").strip():
                continue
            widget.setAccessibleName(f"{name}: set" if widget.isCheckable() else name)
        else:
            widget.setAccessibleName(name)


def _inside_other_control(widget: QWidget, container: QWidget) -> bool:
    """A part Qt builds inside another control (a spin box's line edit, a combo's list)."""
    parent = widget.parentWidget()
    while parent is not None and parent is not container:
        if isinstance(parent, QComboBox | QAbstractSpinBox | QLineEdit):
            return True
        parent = parent.parentWidget()
    return False
