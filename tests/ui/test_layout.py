"""Layout at 1280×800: what fits, what shrinks, what stays put, and what is remembered."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QSize, Qt
from PySide6.QtWidgets import QApplication, QScrollArea
from pytestqt.qtbot import QtBot

from snapdesk.api import SnapApi
from snapdesk.core.kinds import AD_SQUAD, CAMPAIGN
from snapdesk.sandbox import SandboxServer
from snapdesk.stats import Notice
from snapdesk.store import Store
from snapdesk.ui import tools_menu
from snapdesk.ui._geometry import fit_on_screen, on_screen
from snapdesk.ui.main_window import MainWindow
from snapdesk.ui.session import Session
from snapdesk.ui.views.notices import MAX_EXPANDED_HEIGHT, NoticeArea


def _window(
    qtbot: QtBot,
    store: Store,
    api: SnapApi,
    server: SandboxServer,
    loop: asyncio.AbstractEventLoop,
    settings: Path,
) -> MainWindow:
    session = Session(
        store=store, loop=loop, api=api, profile="default", sandbox=server, settings_path=settings
    )
    win = MainWindow(session)
    qtbot.addWidget(win)
    return win


@pytest.fixture
def window(
    qtbot: QtBot,
    synced: Store,
    api: SnapApi,
    server: SandboxServer,
    qloop: asyncio.AbstractEventLoop,
    tmp_path: Path,
) -> Iterator[MainWindow]:
    win = _window(qtbot, synced, api, server, qloop, tmp_path / "window.ini")
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.experiment_runner.stop()


def test_the_pending_dock_can_be_made_small(qtbot: QtBot, window: MainWindow) -> None:
    dock = window.editing.dock
    window.resizeDocks([dock], [110], Qt.Orientation.Vertical)
    QApplication.processEvents()
    assert dock.height() <= 140  # it could not go below ~280 px
    # and its empty state drops what doesn't fit instead of clipping it
    page = window.editing.panel.empty_page
    assert not page.icon_label.isVisible()


def _notice(n: int) -> Notice:
    return Notice(
        kind="daily_budget_reached",
        ad_account_id="acc",
        entity_kind=CAMPAIGN,
        entity_id=f"c{n}",
        name=f"Campaign {n}",
        message=f"Campaign {n} has spent its daily budget of $100.00 — delivery stops until "
        "tomorrow unless you raise the budget.",
        at=datetime(2026, 12, 7, 12, 0, tzinfo=UTC),
    )


def test_five_notices_do_not_squeeze_the_window(qtbot: QtBot) -> None:
    area = NoticeArea()
    qtbot.addWidget(area)
    area.resize(820, 600)
    area.show()
    area.add_notices([_notice(n) for n in range(5)])
    QApplication.processEvents()
    collapsed = area.sizeHint().height()
    assert collapsed <= 110, collapsed  # one banner and "+ 4 more notices"
    assert "+ 4 more notices" in area.more_label.text()
    area.show_all_button.click()
    QApplication.processEvents()
    assert len(area._banners) == 5
    assert area.scroll_area.height() <= MAX_EXPANDED_HEIGHT
    assert area.sizeHint().height() <= MAX_EXPANDED_HEIGHT + 50
    area.show_all_button.click()
    assert len(area._banners) == 1


def test_the_live_switch_stays_put_when_the_login_button_changes(
    qtbot: QtBot, window: MainWindow
) -> None:
    switch = window.live_switch

    def where() -> QPoint:
        QApplication.processEvents()
        return switch.mapTo(window, QPoint(0, 0))

    window.logins_button.setVisible(False)
    before = where()
    window.logins_button.setVisible(True)  # a login added
    assert where() == before
    assert window.menuBar().cornerWidget(Qt.Corner.TopRightCorner) is window.logins_button
    window.session.profile = window.session.profile  # the button re-reads the login
    window._update_logins_button()
    window.undo_button.setText("Undo Edit ad squad")  # what an applied edit does to Undo
    assert where() == before
    assert switch.isVisible()  # not pushed into the toolbar's overflow menu at 1280 px
    toolbar_right = switch.mapTo(window, QPoint(switch.width(), 0)).x()
    assert toolbar_right <= window.width()


def test_the_editor_form_fits_the_pane_at_1280x800(qtbot: QtBot, window: MainWindow) -> None:
    window.show_editor()
    pane = window.editing.editor_pane
    for kind in (CAMPAIGN, AD_SQUAD):
        editor = pane.editor(kind)
        pane.stack.setCurrentWidget(editor)
        QApplication.processEvents()
        scroll = editor.findChild(QScrollArea)
        assert scroll is not None
        body = scroll.widget()
        assert body is not None
        needed = body.minimumSizeHint().width()
        assert needed <= scroll.viewport().width(), (kind, needed, scroll.viewport().width())


def test_window_and_tool_window_geometry_come_back(
    qtbot: QtBot,
    synced: Store,
    api: SnapApi,
    server: SandboxServer,
    qloop: asyncio.AbstractEventLoop,
    tmp_path: Path,
) -> None:
    settings = tmp_path / "window.ini"
    first = _window(qtbot, synced, api, server, qloop, settings)
    first.show()
    first.resize(770, 530)  # inside the offscreen platform's 800×600 screen
    # (the tree | right pane splitter: tests/ui/test_main_window.py)
    tools_menu.open_conversions(first)  # the tallest tool window (1240×840 by default)
    page = next(w for w in QApplication.topLevelWidgets() if type(w).__name__ == "ConversionsPage")
    qtbot.waitExposed(page)
    screen = page.screen().availableGeometry()
    assert page.height() <= screen.height() and page.width() <= screen.width()
    wanted = QSize(max(700, page.minimumSizeHint().width()), 450)
    page.resize(wanted)
    page.close()
    first.experiment_runner.stop()
    first.close()

    second = _window(qtbot, synced, api, server, qloop, settings)
    second.show()
    assert second.size() == QSize(770, 530)
    # the Pending dock comes back at the height the user gave it (the window state)
    tools_menu.open_conversions(second)
    page = next(
        w
        for w in QApplication.topLevelWidgets()
        if type(w).__name__ == "ConversionsPage" and w.isVisible()
    )
    assert page.size() == wanted
    page.close()
    second.experiment_runner.stop()
    second.close()


def test_fit_on_screen_moves_a_window_back_onto_the_screen(qtbot: QtBot) -> None:
    from PySide6.QtWidgets import QWidget

    widget = QWidget()
    qtbot.addWidget(widget)
    screen = QApplication.primaryScreen().availableGeometry()
    widget.resize(screen.width() + 400, screen.height() + 300)
    widget.move(screen.right() - 50, screen.bottom() - 50)  # mostly off-screen
    widget.show()
    fit_on_screen(widget)
    QApplication.processEvents()
    assert widget.width() <= screen.width() and widget.height() <= screen.height()
    frame = widget.frameGeometry()
    assert screen.contains(frame.topLeft())
    assert on_screen(widget) or frame.width() > screen.width()  # offscreen has no frame
    _ = date.today()
