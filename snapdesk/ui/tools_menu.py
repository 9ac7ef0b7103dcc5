"""The Tools menu: windows that work beside the account tree (Audiences, offline list
preparation, Conversions API). Each opens as its own non-modal window parented to the main
window, so closing the main window closes them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu

if TYPE_CHECKING:
    from snapdesk.ui.main_window import MainWindow


def fill_tools_menu(menu: QMenu, window: MainWindow) -> None:
    audiences = QAction("&Audiences…", window)
    audiences.setShortcut(QKeySequence("Ctrl+Shift+A"))
    audiences.setToolTip("Customer-list segments of the selected ad account; drop a CSV to upload")
    audiences.triggered.connect(lambda: open_audiences(window))
    prepare = QAction("&Prepare list offline…", window)
    prepare.setToolTip("Normalize and hash a customer list on this computer — no login needed")
    prepare.triggered.connect(lambda: open_prepare_list(window))
    conversions = QAction("&Conversions API…", window)
    conversions.setShortcut(QKeySequence("Ctrl+Shift+K"))
    conversions.setToolTip("Send offline, web and app conversion events from a CSV")
    conversions.triggered.connect(lambda: open_conversions(window))
    for action in (audiences, prepare, conversions):
        menu.addAction(action)
        window.addAction(action)  # shortcuts work wherever the focus is


def _live(window: MainWindow) -> bool:
    return bool(window.editing.live)


def open_audiences(window: MainWindow) -> None:
    from snapdesk.ui.views.audiences import open_audiences_window

    node = window.tree.current_node()
    account = node.account if node is not None else None
    open_audiences_window(
        session=window.session,
        ad_account_id=account.id if account is not None else None,
        parent=window,
        live=lambda: _live(window),
    )


def open_prepare_list(window: MainWindow) -> None:
    from snapdesk.ui.views.audiences import open_prepare_list_window

    open_prepare_list_window(parent=window)


def open_conversions(window: MainWindow) -> None:
    from snapdesk.ui.views.conversions import open_conversions_window

    open_conversions_window(session=window.session, parent=window, live=lambda: _live(window))
