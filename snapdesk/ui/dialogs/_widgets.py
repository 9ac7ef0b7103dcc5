"""Small pieces the dialogs share: a coloured banner with an icon, and a muted hint label."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from snapdesk.ui import theme

_BANNERS = {
    "error": ("errorBanner", "error"),
    "warning": ("warningBanner", "warning"),
    "info": ("infoBanner", "info"),
    "ok": ("okBanner", "ok"),
}


class Banner(QFrame):
    """An icon and wrapping rich text on a tinted background (`error`, `warning`, `info`, `ok`)."""

    def __init__(self, kind: str = "info", text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.icon_label = QLabel()
        self.icon_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.icon_label.setFixedWidth(20)
        self.text_label = QLabel()
        self.text_label.setObjectName("bannerText")
        self.text_label.setWordWrap(True)
        self.text_label.setTextFormat(Qt.TextFormat.RichText)
        self.text_label.setOpenExternalLinks(True)
        self.text_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.LinksAccessibleByMouse
        )
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(8)
        layout.addWidget(self.icon_label)
        self.body = QVBoxLayout()
        self.body.setSpacing(6)
        self.body.addWidget(self.text_label)
        layout.addLayout(self.body, 1)
        self._row = layout
        self.set_kind(kind)
        self.set_text(text)

    def set_kind(self, kind: str) -> None:
        name, icon = _BANNERS[kind]
        self.kind = kind
        self.setObjectName(name)
        self.icon_label.setPixmap(theme.large_icon(icon, 16))
        self.style().unpolish(self)
        self.style().polish(self)

    def set_text(self, text: str) -> None:
        self.text_label.setText(text)

    def add_widget(self, widget: QWidget) -> None:
        """A button (or similar) at the banner's right edge, centred vertically."""
        self._row.addSpacing(8)
        self._row.addWidget(widget, 0, Qt.AlignmentFlag.AlignVCenter)

    def text(self) -> str:
        return self.text_label.text()


def hint(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("hint")
    label.setWordWrap(True)
    return label


def bullet_list(items: list[str]) -> str:
    """Rich text of `items` as a list that wraps nicely inside a QLabel."""
    rows = "".join(f"<li style='margin-bottom: 4px;'>{item}</li>" for item in items)
    return f"<ol style='margin-left: -20px; -qt-list-indent: 1;'>{rows}</ol>"


class Spinner(QWidget):
    """A small rotating arc: something is going on and there is nothing to count."""

    def __init__(self, size: int = 22, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._size = size
        self._angle = 0
        self._timer = QTimer(self)
        self._timer.setInterval(40)
        self._timer.timeout.connect(self._on_timer_timeout)
        self.setFixedSize(size, size)

    def sizeHint(self) -> QSize:
        return QSize(self._size, self._size)

    def start(self) -> None:
        self._timer.start()
        self.show()

    def stop(self) -> None:
        self._timer.stop()

    @property
    def spinning(self) -> bool:
        return self._timer.isActive()

    def _on_timer_timeout(self) -> None:
        self._angle = (self._angle + 12) % 360
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        c = theme.colors()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(2.5, 2.5, self._size - 5, self._size - 5)
        painter.setPen(QPen(QColor(c.chip_bg), 3))
        painter.drawEllipse(rect)
        pen = QPen(QColor(c.accent), 3)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        painter.setPen(pen)
        painter.drawArc(rect, -self._angle * 16, 100 * 16)
        painter.end()
