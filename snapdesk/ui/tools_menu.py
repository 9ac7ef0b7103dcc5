"""The Tools menu: windows that work beside the account tree (Audiences, offline list
preparation, Conversions API, Experiments). Each opens as its own non-modal window parented to
the main window, so closing the main window closes them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QWidget

from snapdesk.core.kinds import CAMPAIGN

if TYPE_CHECKING:
    from snapdesk.ui.main_window import MainWindow


def fill_tools_menu(menu: QMenu, window: MainWindow) -> None:
    # Object names: `snapdesk.ui.shortcuts` binds the keys to these actions by name.
    audiences = QAction("&Audiences…", window)
    audiences.setObjectName("audiencesAction")
    audiences.setToolTip("Customer-list segments of the selected ad account; drop a CSV to upload")
    audiences.triggered.connect(lambda: open_audiences(window))
    prepare = QAction("&Prepare list offline…", window)
    prepare.setObjectName("prepareListAction")
    prepare.setToolTip("Normalize and hash a customer list on this computer — no login needed")
    prepare.triggered.connect(lambda: open_prepare_list(window))
    conversions = QAction("&Conversions API…", window)
    conversions.setObjectName("conversionsAction")
    conversions.setToolTip("Send offline, web and app conversion events from a CSV")
    conversions.triggered.connect(lambda: open_conversions(window))
    experiments = QAction("&Experiments…", window)
    experiments.setObjectName("experimentsAction")  # Ctrl+Shift+E (in the registry)
    experiments.setToolTip(
        "Test one change — creative, targeting, bid or placement — across copies of an ad squad"
    )
    experiments.triggered.connect(lambda: open_experiments(window))
    for action in (audiences, prepare, conversions, experiments):
        menu.addAction(action)
        window.addAction(action)  # shortcuts work wherever the focus is


def open_audiences(window: MainWindow) -> None:
    from snapdesk.ui.views.audiences import open_audiences_window

    node = window.tree.current_node()
    account = node.account if node is not None else None
    open_audiences_window(
        session=window.session,
        ad_account_id=account.id if account is not None else None,
        parent=window,
    )


def open_prepare_list(window: MainWindow) -> None:
    from snapdesk.ui.views.audiences import open_prepare_list_window

    open_prepare_list_window(parent=window, session=window.session)


def open_conversions(window: MainWindow) -> None:
    from snapdesk.ui.views.conversions import open_conversions_window

    open_conversions_window(session=window.session, parent=window)


def open_experiments(window: MainWindow) -> QWidget:
    """The Experiments window for the selected ad account (and campaign); an open one is
    brought to the front instead of opening a second."""
    from snapdesk.ui.views.experiments import ExperimentsPage, open_experiments_window

    node = window.tree.current_node()
    account = node.account.id if node is not None and node.account is not None else None
    campaign = None
    while node is not None:
        if node.kind == CAMPAIGN:
            campaign = node.id
            break
        node = node.parent
    for page in window.findChildren(ExperimentsPage):
        if page.isVisible():
            if account is not None and account != page.ad_account_id:
                page.set_account(account, campaign_id=campaign)
            page.raise_()
            page.activateWindow()
            return page
    return open_experiments_window(window=window, ad_account_id=account, campaign_id=campaign)
