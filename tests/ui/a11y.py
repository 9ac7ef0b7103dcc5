"""Accessibility checks shared by the tests: which controls a screen reader could not name,
and where Tab goes."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTabBar,
    QTextEdit,
    QWidget,
)

CHECKED = (
    QAbstractButton,
    QLineEdit,
    QComboBox,
    QAbstractItemView,
    QAbstractSpinBox,
    QPlainTextEdit,
    QTextEdit,
)


def _internal(widget: QWidget) -> bool:
    """Parts Qt builds inside other controls (a combo's list, a spin box's line edit, a line
    edit's clear button, a tab bar's scroll arrows, headers): named by their owner."""
    if isinstance(widget, QHeaderView) or widget.objectName().startswith("qt_"):
        return True  # headers, a table's corner button, toolbar/menu bar overflow arrows
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QComboBox | QAbstractSpinBox | QLineEdit | QTabBar):
            return True
        if type(parent).__name__ in ("QComboBoxPrivateContainer", "QCalendarWidget"):
            return True
        if isinstance(parent, QAbstractItemView) and widget.parentWidget() is not None:
            # editors and index widgets inside a view's viewport are named by their cells
            if parent.viewport().isAncestorOf(widget):
                return True
        parent = parent.parentWidget()
    return type(widget).__name__ in ("QDockWidgetTitleButton",)


def buddy_text(widget: QWidget) -> str:
    """The text of a label that names `widget`: a QLabel whose buddy it is (QFormLayout's
    addRow(text, field) sets that up)."""
    window = widget.window()
    for label in window.findChildren(QLabel):
        if label.buddy() is widget and label.text().strip():
            return label.text()
    parent = widget.parentWidget()
    layout = parent.layout() if parent is not None else None
    if isinstance(layout, QFormLayout):
        label = layout.labelForField(widget)
        if isinstance(label, QLabel) and label.text().strip():
            return label.text()
    return ""


def accessible_label(widget: QWidget) -> str:
    """What a screen reader would announce as the control's name."""
    if widget.accessibleName().strip():
        return widget.accessibleName()
    if isinstance(widget, QAbstractButton):
        text = widget.text().replace("&", "").strip()
        if text:
            return text
        action = getattr(widget, "defaultAction", lambda: None)()
        if action is not None and action.text().replace("&", "").strip():
            return action.text()
    return buddy_text(widget)


def _focusable(widget: QWidget) -> bool:
    return bool(widget.focusPolicy() & Qt.FocusPolicy.TabFocus) or isinstance(
        widget, QAbstractButton
    )


def unnamed_controls(root: QWidget) -> list[str]:
    """Controls under `root` (shown or not) without an accessible name, as readable paths."""
    found = []
    for widget in [root, *root.findChildren(QWidget)]:
        if not isinstance(widget, CHECKED) or _internal(widget) or not _focusable(widget):
            continue
        if not accessible_label(widget).strip():
            found.append(describe(widget))
    return found


def describe(widget: QWidget) -> str:
    chain = []
    current: QWidget | None = widget
    while current is not None and len(chain) < 4:
        name = current.objectName()
        chain.append(f"{type(current).__name__}{f'#{name}' if name else ''}")
        current = current.parentWidget()
    tip = widget.toolTip()
    return " < ".join(chain) + (f" (tooltip {tip!r})" if tip else "")


def tab_walk(start: QWidget, presses: int) -> list[QWidget]:
    """Press Tab `presses` times from `start`; the widgets that had the focus after each."""
    from PySide6.QtTest import QTest

    start.setFocus(Qt.FocusReason.TabFocusReason)
    visited = []
    for _ in range(presses):
        current = QApplication.focusWidget() or start
        QTest.keyClick(current, Qt.Key.Key_Tab)
        QApplication.processEvents()
        focused = QApplication.focusWidget()
        if focused is None:
            break
        visited.append(focused)
    return visited
