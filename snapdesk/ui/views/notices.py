"""Non-modal notifications for what the hourly stats refresh noticed (ad rejected, budget or
spend cap reached, account not active): a stack of dismissable banners in the window, plus a
system tray message when the desktop has a tray. Never a modal popup.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Final

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSystemTrayIcon,
    QVBoxLayout,
    QWidget,
)

from snapdesk.stats import Notice
from snapdesk.ui import theme
from snapdesk.ui._signals import emit
from snapdesk.ui.dialogs._widgets import Banner

__all__ = ["MAX_SHOWN", "NoticeArea", "TrayNotifier", "summary"]

MAX_SHOWN: Final = 1  # banners shown while collapsed: the newest
MAX_EXPANDED_HEIGHT: Final = 190  # px: "Show all" scrolls beyond this instead of growing
_KIND: Final = {
    "ad_rejected": "error",
    "account_not_active": "error",
    "daily_budget_reached": "warning",
    "lifetime_cap_reached": "warning",
}


class NoticeArea(QWidget):
    """The latest notice as a banner, "+ N more" with Show all (a list that scrolls past
    `MAX_EXPANDED_HEIGHT`, so five notices never squeeze the tree and the editor), each with
    Show and Dismiss; hidden when there is nothing to say. Signals: `notice_activated(object)`
    when the user asks to see a notice's entity."""

    notice_activated = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._notices: list[Notice] = []
        self._banners: list[Banner] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 6)
        layout.setSpacing(6)
        self.expanded = False
        self.scroll_area = QScrollArea()
        self.scroll_area.setObjectName("noticeScroll")
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        body = QWidget()
        body.setObjectName("noticeBody")
        self._list = QVBoxLayout(body)
        self._list.setContentsMargins(0, 0, 0, 0)
        self._list.setSpacing(6)
        self.scroll_area.setWidget(body)
        layout.addWidget(self.scroll_area)
        self.footer = QWidget()
        footer = QHBoxLayout(self.footer)
        footer.setContentsMargins(0, 0, 0, 0)
        self.more_label = QLabel()
        self.more_label.setObjectName("muted")
        footer.addWidget(self.more_label, 1)
        self.show_all_button = QPushButton("Show all")
        self.show_all_button.setObjectName("flatButton")
        self.show_all_button.clicked.connect(self.toggle_expanded)
        footer.addWidget(self.show_all_button)
        self.dismiss_all_button = QPushButton("Dismiss all")
        self.dismiss_all_button.setObjectName("flatButton")
        self.dismiss_all_button.clicked.connect(self.clear)
        footer.addWidget(self.dismiss_all_button)
        layout.addWidget(self.footer)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.hide()

    @property
    def notices(self) -> list[Notice]:
        return list(self._notices)

    def add_notices(self, notices: Sequence[Notice]) -> None:
        if not notices:
            return
        self._notices = [*reversed(notices), *self._notices]
        self._rebuild()

    def dismiss(self, notice: Notice) -> None:
        self._notices = [n for n in self._notices if n is not notice]
        self._rebuild()

    def clear(self) -> None:
        self._notices = []
        self.expanded = False
        self._rebuild()

    def toggle_expanded(self) -> None:
        self.expanded = not self.expanded
        self._rebuild()

    def _rebuild(self) -> None:
        for banner in self._banners:
            banner.hide()
            banner.deleteLater()
        self._banners = []
        if len(self._notices) <= MAX_SHOWN:
            self.expanded = False
        shown = self._notices if self.expanded else self._notices[:MAX_SHOWN]
        for notice in shown:
            banner = Banner(
                _KIND.get(notice.kind, "warning"),
                f"<b>{html.escape(notice.title)}</b> — {html.escape(notice.message)}",
            )
            banner.setProperty("notice_kind", notice.kind)
            show = QPushButton("Show")
            show.setObjectName("flatButton")
            show.setToolTip("Select it in the tree")
            show.clicked.connect(lambda _=False, n=notice: emit(self.notice_activated, n))
            banner.add_widget(show)
            dismiss = QPushButton("Dismiss")
            dismiss.setObjectName("flatButton")
            dismiss.clicked.connect(lambda _=False, n=notice: self.dismiss(n))
            banner.add_widget(dismiss)
            self._list.addWidget(banner)
            self._banners.append(banner)
        rest = len(self._notices) - MAX_SHOWN
        if rest > 0 and not self.expanded:
            self.more_label.setText(f"+ {rest} more notice{'s' if rest != 1 else ''}")
        else:
            self.more_label.setText("")
        self.show_all_button.setVisible(rest > 0)
        self.show_all_button.setText(
            "Show fewer" if self.expanded else f"Show all {len(self._notices)}"
        )
        self.dismiss_all_button.setVisible(len(self._notices) > 1)
        self.footer.setVisible(rest > 0 or len(self._notices) > 1)
        self._fit_banners()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_banners()

    def _fit_banners(self) -> None:
        """Banners as tall as their wrapped text at the current width (the window's layout
        asks for preferred heights only, which a wrapping label overstates)."""
        width = self.width()
        if width <= 0:
            return
        total = 0
        for banner in self._banners:
            height = banner.heightForWidth(width)
            if height > 0:
                banner.setFixedHeight(height)
                total += height
        total += self._list.spacing() * max(0, len(self._banners) - 1)
        self.scroll_area.setFixedHeight(min(total, MAX_EXPANDED_HEIGHT) if self._banners else 0)
        self.setVisible(bool(self._notices))


class TrayNotifier:
    """A tray icon used only to show notification messages (absent where there is no tray)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        self.icon: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.icon = QSystemTrayIcon(theme.icon_app(), parent)
            self.icon.setToolTip("snapdesk")

    @property
    def available(self) -> bool:
        return self.icon is not None

    def notify(self, notices: Sequence[Notice]) -> bool:
        """One tray message for the notices (a summary when there are several)."""
        if self.icon is None or not notices or not QSystemTrayIcon.supportsMessages():
            return False
        self.icon.show()
        if len(notices) == 1:
            title, text = notices[0].title, notices[0].message
        else:
            title = f"{len(notices)} things need your attention"
            text = "\n".join(f"• {n.title}: {n.name or n.entity_id}" for n in notices[:5])
        kind = (
            QSystemTrayIcon.MessageIcon.Critical
            if any(_KIND.get(n.kind) == "error" for n in notices)
            else QSystemTrayIcon.MessageIcon.Warning
        )
        self.icon.showMessage(title, text, kind, 15_000)
        return True

    def hide(self) -> None:
        if self.icon is not None:
            self.icon.hide()


def summary(notices: Sequence[Notice]) -> str:
    """One status-bar line: the notice itself, or how many there are and the first."""
    if len(notices) == 1:
        return f"{notices[0].title}: {notices[0].message}"
    return f"{len(notices)} stats notices — {notices[0].title}: {notices[0].name or ''}".rstrip(
        ": "
    )
