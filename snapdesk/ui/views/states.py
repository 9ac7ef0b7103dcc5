"""Full-area state pages: empty, loading, error and "not signed in" — never a blank widget."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from snapdesk.ui import theme


class StatePage(QWidget):
    """An icon, a title, explanatory text, optional progress and optional buttons, centred."""

    def __init__(self, *, icon: str, title: str, text: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self._icon_name = icon
        self._buttons: list[QPushButton] = []
        self._setup_ui(title, text)

    def _setup_ui(self, title: str, text: str) -> None:
        outer = self._outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 24, 24, 24)
        outer.addStretch(2)
        self.icon_label = QLabel()
        self.icon_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        theme.on_change(
            self.icon_label,
            lambda _c: self.icon_label.setPixmap(theme.large_icon(self._icon_name, 44)),
        )
        outer.addWidget(self.icon_label)
        outer.addSpacing(10)
        self.title_label = QLabel(title)
        self.title_label.setObjectName("stateTitle")
        self.title_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title_label.setWordWrap(True)
        outer.addWidget(self.title_label)
        self.text_label = QLabel(text)
        self.text_label.setObjectName("stateText")
        self.text_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text_label.setWordWrap(True)
        self.text_label.setTextFormat(Qt.TextFormat.RichText)
        self.text_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text_label.setMinimumWidth(300)
        self.text_label.setMaximumWidth(470)
        self.text_label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.text_label)
        row.addStretch(1)
        outer.addLayout(row)
        self.progress = QProgressBar()
        self.progress.setTextVisible(False)
        self.progress.setFixedWidth(260)
        self.progress.setRange(0, 0)
        self.progress.hide()
        progress_row = QHBoxLayout()
        progress_row.addStretch(1)
        progress_row.addWidget(self.progress)
        progress_row.addStretch(1)
        outer.addSpacing(8)
        outer.addLayout(progress_row)
        self._button_row = QHBoxLayout()
        self._button_row.addStretch(1)
        self._button_row.addStretch(1)
        outer.addSpacing(6)
        outer.addLayout(self._button_row)
        outer.addStretch(3)
        # A short pane (the Pending dock made small, a low window) drops the icon, then the
        # text (kept as the tooltip), instead of clipping them or holding the pane open.
        self.setMinimumSize(1, 1)
        self._has_text = bool(text)
        self.text_label.setVisible(self._has_text)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._adapt()

    def _adapt(self) -> None:
        height = self.height()
        margins = 48
        title = self.title_label.heightForWidth(max(self.width() - 48, 100))
        buttons = 38 if self._buttons else 0
        progress = 22 if self.progress.isVisible() else 0
        text_width = min(max(self.width() - 48, 300), 470)
        text = self.text_label.heightForWidth(text_width) + 4 if self._has_text else 0
        icon = 56
        spacing = 24  # the fixed gaps between icon, title, progress and buttons
        base = margins + spacing + max(title, 0) + buttons + progress
        # very short: the title alone, with small margins rather than cut in half
        tight = height < base + 8
        self._outer.setContentsMargins(
            8 if tight else 24, 4 if tight else 24, 8 if tight else 24, 4 if tight else 24
        )
        show_text = self._has_text and height >= base + text
        show_icon = height >= base + (text if show_text else 0) + icon
        self.text_label.setVisible(show_text)
        self.icon_label.setVisible(show_icon)
        self.setToolTip("" if show_text or not self._has_text else self.text_label.text())

    def set_icon(self, name: str) -> None:
        self._icon_name = name
        self.icon_label.setPixmap(theme.large_icon(name, 44))

    def set_title(self, title: str) -> None:
        self.title_label.setText(title)

    def set_text(self, text: str) -> None:
        self.text_label.setText(text)
        self._has_text = bool(text)
        self.text_label.setVisible(self._has_text)
        self._adapt()

    def set_progress(self, done: int | None, total: int | None) -> None:
        """Show progress: determinate when both are known, a busy bar otherwise."""
        self.progress.show()
        if total:
            self.progress.setRange(0, total)
            self.progress.setValue(min(done or 0, total))
        else:
            self.progress.setRange(0, 0)

    def hide_progress(self) -> None:
        self.progress.hide()

    def add_button(
        self, text: str, slot: Callable[[], object], *, primary: bool = False
    ) -> QPushButton:
        button = QPushButton(text)
        if primary:
            button.setObjectName("primaryButton")
        button.setCursor(Qt.CursorShape.PointingHandCursor)
        button.clicked.connect(slot)
        self._button_row.insertWidget(self._button_row.count() - 1, button)
        self._buttons.append(button)
        return button
