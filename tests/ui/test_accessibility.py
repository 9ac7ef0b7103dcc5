"""Accessibility: every focusable button, text field, combo box, spin box and list/table/tree in
the main window and the main dialogs has a name a screen reader can announce (its own
accessible name, its text, or a label attached as its buddy); Tab moves through the main
window's controls without getting stuck; context menus open from the keyboard; icons are drawn
exactly (not scaled up) at a device pixel ratio of 2 and 3."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon, QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QMenu, QTabBar, QWidget
from pytestqt.qtbot import QtBot

from snapdesk import config
from snapdesk.auth import OAuthApp
from snapdesk.changes import EditService, PostReport
from snapdesk.changes.model import Conflict
from snapdesk.core.kinds import AD_ACCOUNT, CAMPAIGN, ORGANIZATION
from snapdesk.store import Store
from snapdesk.ui import theme
from snapdesk.ui.crash import CrashDialog, CrashReport, SafetyState
from snapdesk.ui.main_window import MainWindow
from snapdesk.ui.session import Session
from tests.ui import data
from tests.ui.a11y import accessible_label, describe, tab_walk, unnamed_controls

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"
DATE_SECTIONS = 6  # year, month, day, hour, minute, AM/PM at most


@pytest.fixture
def session(filled_store: Store, qloop: asyncio.AbstractEventLoop) -> Session:
    return Session(store=filled_store, loop=qloop, api=None, profile="default")


@pytest.fixture
def window(qtbot: QtBot, session: Session, filled_store: Store) -> MainWindow:
    EditService(store=filled_store).edit(
        kind=CAMPAIGN, entity_id="cmp-us-spring", fields={"name": "Spring Sale 2"}
    )
    w = MainWindow(session)
    qtbot.addWidget(w)
    w.resize(1280, 820)
    w.show()
    w.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w)
    path = ((ORGANIZATION, data.ORG), (AD_ACCOUNT, data.US))
    w.tree.expand(w.tree.expand_path(path))
    w.tree.select(w.model.locate((*path, (CAMPAIGN, "cmp-us-spring"))))
    return w


# -- names -----------------------------------------------------------------------------------


def test_main_window_controls_all_have_names(window: MainWindow) -> None:
    for tab in range(window.right_tabs.count()):  # every page built and shown once
        window.right_tabs.setCurrentIndex(tab)
        QApplication.processEvents()
    assert unnamed_controls(window) == []


def _dialogs(window: MainWindow, store: Store, tmp_path: Path) -> dict[str, Callable[[], QWidget]]:
    from snapdesk.ui.dialogs.bulk_budget import BulkAmountDialog
    from snapdesk.ui.dialogs.bulk_rename import BulkRenameDialog
    from snapdesk.ui.dialogs.capi_token import CapiTokenDialog
    from snapdesk.ui.dialogs.conflicts import ConflictsDialog
    from snapdesk.ui.dialogs.fx_rates import FxRatesDialog
    from snapdesk.ui.dialogs.list_upload import ListUploadDialog
    from snapdesk.ui.dialogs.live_mode import GuardViolationsDialog, LiveModeDialog
    from snapdesk.ui.dialogs.live_post import LivePostDialog
    from snapdesk.ui.dialogs.logins import LoginsDialog
    from snapdesk.ui.dialogs.oauth_app import OAuthAppDialog
    from snapdesk.ui.dialogs.post_results import PostResultsDialog
    from snapdesk.ui.dialogs.preferences import open_preferences
    from snapdesk.ui.dialogs.prepare_list import PrepareListWindow
    from snapdesk.ui.dialogs.sign_in import SignInDialog
    from snapdesk.ui.dialogs.welcome import WelcomeDialog
    from snapdesk.ui.ops.conversions import CapiAccess
    from snapdesk.ui.tools_menu import open_experiments
    from snapdesk.ui.views.audiences import AudiencesPage
    from snapdesk.ui.views.audit_log import AuditLogDialog
    from snapdesk.ui.views.conversions import open_conversions_window

    session = window.session
    edits = EditService(store=store)
    [change] = edits.pending()
    items = [(CAMPAIGN, "cmp-us-spring")]
    app = OAuthApp.for_sandbox("http://127.0.0.1:9", redirect_uri="http://127.0.0.1:9/cb")
    conflict = Conflict(change_id=change.id, field="name", base="a", mine="b", theirs="c")
    report = CrashReport(
        summary="KeyError: 'x'",
        where="the main thread",
        text="report",
        signature=("KeyError", "f.py", 1),
        path=tmp_path / "crash-20260101-000000.txt",
        safety=SafetyState(pending=1, unapplied="campaign “Spring”"),
    )
    return {
        "welcome": lambda: WelcomeDialog(paths=_paths(tmp_path)),
        "preferences": lambda: open_preferences(window),
        "live mode": lambda: LiveModeDialog([]),
        "live post": lambda: LivePostDialog([]),
        "spend guards": lambda: GuardViolationsDialog([]),
        "logins": lambda: LoginsDialog(session=session),
        "OAuth app": lambda: OAuthAppDialog(session=session),
        "sign in": lambda: SignInDialog(session=session, app=app, open_url=lambda url: True),
        "FX rates": lambda: FxRatesDialog(rates=[], currencies=["EUR"], today=date(2026, 1, 2)),
        "audit log": lambda: AuditLogDialog(store),
        "budgets": lambda: BulkAmountDialog(edits, items),
        "rename": lambda: BulkRenameDialog(edits, items),
        "post results": lambda: PostResultsDialog(PostReport(live=False)),
        "conflicts": lambda: ConflictsDialog([conflict], store=store),
        "Conversions API token": lambda: CapiTokenDialog(
            asset_id="px-1", access=CapiAccess(base_url="http://127.0.0.1:9")
        ),
        "prepare list": lambda: PrepareListWindow(),
        "list upload": lambda: ListUploadDialog(
            path=SAMPLES / "emails.csv",
            ad_account_id=data.US,
            segments=[],
            live_mode=session.live_mode,
            uploads_factory=lambda: None,
            loop=session.loop,
        ),
        "audiences": lambda: AudiencesPage(session=session, ad_account_id=data.US),
        "conversions": lambda: open_conversions_window(session=session, parent=None),
        "experiments": lambda: open_experiments(window),
        "crash": lambda: CrashDialog(report, open_url=lambda url: True),
        "keyboard shortcuts": window.help_actions.open_shortcuts,
        "command palette": window.help_actions.open_palette,
        "about": window.help_actions.open_about,
        "report a problem": window.help_actions.report_problem,
    }


def test_main_dialogs_controls_all_have_names(
    qtbot: QtBot,
    window: MainWindow,
    filled_store: Store,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(config.Paths, "from_env", classmethod(lambda cls: _paths(tmp_path)))
    problems = {}
    for name, factory in _dialogs(window, filled_store, tmp_path).items():
        widget = factory()
        if widget.parent() is None:
            qtbot.addWidget(widget)
        widget.show()
        QApplication.processEvents()
        missing = unnamed_controls(widget)
        if missing:
            problems[name] = missing
        widget.close()
    assert problems == {}


def _paths(tmp_path: Path) -> config.Paths:
    return config.Paths(
        data_dir=tmp_path / "data",
        config_dir=tmp_path / "config",
        cache_dir=tmp_path / "cache",
        log_dir=tmp_path / "logs",
    ).ensure()


# -- keyboard --------------------------------------------------------------------------------


def _assert_cycles(visited: list[QWidget], start: QWidget, must_reach: list[QWidget]) -> None:
    assert visited, "Tab moved the focus nowhere"
    for run in _runs(visited):
        # A date edit takes Tab once per section (day, month, year, …) before it lets go.
        limit = DATE_SECTIONS if isinstance(run[0], QAbstractSpinBox) else 1
        assert len(run) <= limit, f"Tab is stuck on {describe(run[0])}"
    for widget in must_reach:
        assert widget in visited, f"Tab never reaches {describe(widget)}"
    assert start in visited[1:], "Tab doesn't come back round to where it started"
    for widget in visited:
        if isinstance(widget, QTabBar) or type(widget).__name__ == "QScrollArea":
            continue  # a tab bar announces its tabs, a scroll area its content
        assert accessible_label(widget).strip(), f"no name: {describe(widget)}"


def _runs(visited: list[QWidget]) -> list[list[QWidget]]:
    runs: list[list[QWidget]] = []
    for widget in visited:
        if runs and runs[-1][0] is widget:
            runs[-1].append(widget)
        else:
            runs.append([widget])
    return runs


def test_tab_moves_through_the_main_window_without_getting_stuck(window: MainWindow) -> None:
    window.editing.dock.show()
    visited = tab_walk(window.filter_edit, 60)
    _assert_cycles(
        visited,
        window.filter_edit,
        [window.tree, window.editing.panel.tree, window.new_button, window.live_switch],
    )


def test_tab_reaches_the_editor_fields(window: MainWindow) -> None:
    window.show_editor()
    editor = window.editing.editor_pane.current_editor
    assert editor is not None
    name_edit = editor.name_edit  # type: ignore[attr-defined]
    visited = tab_walk(window.filter_edit, 120)
    _assert_cycles(visited, window.filter_edit, [window.tree, name_edit])


def test_tab_leaves_the_performance_tables(window: MainWindow) -> None:
    window.right_tabs.setCurrentWidget(window.performance.chart_view)
    visited = tab_walk(window.filter_edit, 80)
    _assert_cycles(visited, window.filter_edit, [window.tree])


def test_context_menus_open_from_the_keyboard(qtbot: QtBot, window: MainWindow) -> None:
    panel = window.editing.panel
    window.editing.dock.show()
    panel.refresh()
    for view in (window.tree, panel.tree):
        window.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
        view.setCurrentIndex(view.model().index(0, 0))
        view.setFocus()
        qtbot.waitUntil(view.hasFocus)
        assert not _open_menus()
        QTest.keyClick(view, Qt.Key.Key_F10, Qt.KeyboardModifier.ShiftModifier)
        qtbot.waitUntil(lambda: bool(_open_menus()))
        for menu in _open_menus():
            menu.close()
        qtbot.waitUntil(lambda: not _open_menus())


def _open_menus() -> list[QMenu]:
    return [m for m in QApplication.topLevelWidgets() if isinstance(m, QMenu) and m.isVisible()]


# -- high-DPI icons ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["sync", "campaign", "error", "search", "login"])
@pytest.mark.parametrize(("size", "ratio"), [(16, 2.0), (16, 3.0), (24, 2.0), (20, 1.0)])
def test_icons_are_drawn_exactly_at_high_dpi(name: str, size: int, ratio: float) -> None:
    icon: QIcon = theme.icon(name)
    pixmap = icon.pixmap(QSize(size, size), ratio)
    assert pixmap.devicePixelRatio() == ratio
    assert pixmap.size() == QSize(round(size * ratio), round(size * ratio))
    exact = theme._render(name, theme.colors(), size, scale=ratio).toImage()
    image = pixmap.toImage().convertToFormat(exact.format())
    assert image == exact  # drawn at this size, not a smaller bitmap scaled up
    upscaled = (
        theme._render(name, theme.colors(), size, scale=1.0)
        .toImage()
        .scaled(
            exact.size(),
            Qt.AspectRatioMode.IgnoreAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
        .convertToFormat(exact.format())
    )
    if ratio > 1:
        assert _difference(image, upscaled) > 0  # and visibly finer than a scaled-up one


def test_app_icon_and_large_icons_are_high_dpi() -> None:
    app_icon = theme.icon_app().pixmap(QSize(32, 32), 2.0)
    assert app_icon.size() == QSize(64, 64) and app_icon.devicePixelRatio() == 2.0
    large = theme.large_icon("error", 36)
    assert large.devicePixelRatio() >= 2.0
    assert large.size() == QSize(
        round(36 * large.devicePixelRatio()), round(36 * large.devicePixelRatio())
    )


def _difference(a: QImage, b: QImage) -> int:
    changed = 0
    for y in range(a.height()):
        for x in range(a.width()):
            if a.pixel(x, y) != b.pixel(x, y):
                changed += 1
    return changed
