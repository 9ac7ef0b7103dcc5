"""The Tools menu opens the Audiences, offline list, Conversions API and Experiments windows
from the main window, for the selected ad account, and closes them with it."""

from __future__ import annotations

import asyncio

from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from snapdesk.core.kinds import AD_ACCOUNT, ORGANIZATION
from snapdesk.store import Store
from snapdesk.ui.main_window import MainWindow
from snapdesk.ui.session import Session


def _top_levels(window: MainWindow) -> list[QWidget]:
    return [w for w in window.findChildren(QWidget) if w.isWindow() and w.isVisible()]


def test_tools_menu_opens_each_window(
    qtbot: QtBot, filled_store: Store, qloop: asyncio.AbstractEventLoop
) -> None:
    window = MainWindow(Session(store=filled_store, loop=qloop, api=None, profile="default"))
    qtbot.addWidget(window)
    window.show()
    titles = [a.text() for a in window.tools_menu.actions()]
    assert titles == [
        "&Audiences…",
        "&Prepare list offline…",
        "&Conversions API…",
        "&Experiments…",
    ]

    org = filled_store.organizations()[0]
    account = filled_store.ad_accounts(org.id)[0]
    window.tree.select(window.model.locate(((ORGANIZATION, org.id), (AD_ACCOUNT, account.id))))

    before = set(map(id, _top_levels(window)))
    for action in window.tools_menu.actions():
        action.trigger()
        seen = frozenset(before)
        qtbot.waitUntil(
            lambda seen=seen: len(set(map(id, _top_levels(window))) - seen) >= 1, timeout=5000
        )
        opened = [w for w in _top_levels(window) if id(w) not in before]
        assert opened, action.text()
        before |= set(map(id, opened))
    assert window.editing.live is False  # opening tools never switches live mode on
