"""The mouse wheel never edits a setting (issue 13, item 4): over a combo box, spin box, date
edit or slider that doesn't have keyboard focus, the wheel scrolls the form around it instead;
with focus it steps the value as usual. Hovering never gives such an input focus: its focus
policy is StrongFocus, not WheelFocus (checked directly, since only a wheel event from the window
system, which a test can't send, moves focus).

Real `QWheelEvent`s go to every widget of every editor and dialog, found with `findChildren`
(so a new input is covered without touching this file), with the guard installed the way the
app installs it (by building the main window)."""

from __future__ import annotations

import asyncio
import importlib
import inspect
import pkgutil
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDateTimeEdit,
    QDial,
    QDialog,
    QLineEdit,
    QScrollArea,
    QScrollBar,
    QSlider,
    QSpinBox,
    QTabBar,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)
from pytestqt.qtbot import QtBot

import snapdesk.ui.dialogs
import snapdesk.ui.editors
from snapdesk import config
from snapdesk.auth import OAuthApp
from snapdesk.changes import EditService, PostReport
from snapdesk.changes.model import Conflict
from snapdesk.core.kinds import AD_SQUAD, CAMPAIGN
from snapdesk.experiments import ExperimentService
from snapdesk.store import Store
from snapdesk.ui._wheel import WheelGuard, install_wheel_guard
from snapdesk.ui.editors.ad import AdEditor
from snapdesk.ui.editors.ad_squad import AdSquadEditor
from snapdesk.ui.editors.campaign import CampaignEditor
from snapdesk.ui.editors.creative import CreativeEditor
from snapdesk.ui.editors.media import MediaEditor
from snapdesk.ui.main_window import MainWindow
from snapdesk.ui.session import Session
from tests.ui import data

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"
#: What Qt lets the wheel change: the inputs the guard is about.
WHEEL_INPUTS = (QComboBox, QAbstractSpinBox, QAbstractSlider)
DOWN, UP = -120, 120


# -- events and observations -------------------------------------------------------------------


def wheel(widget: QWidget, delta: int = DOWN) -> bool:
    """A mouse wheel notch over the middle of `widget`, delivered as Qt delivers one (to the
    widget itself; its parents see it only if it lets it go). Returns whether it was taken."""
    centre = QPointF(widget.rect().center())
    event = QWheelEvent(
        centre,
        QPointF(widget.mapToGlobal(centre)),
        QPoint(0, 0),
        QPoint(0, delta),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)
    return event.isAccepted()


def is_wheel_input(widget: QWidget) -> bool:
    return isinstance(widget, WHEEL_INPUTS) and not isinstance(widget, QScrollBar)


def targets(root: QWidget) -> list[QWidget]:
    """Every widget of `root`'s window a wheel could land on, except tab bars (a wheel over
    one switches tabs: navigation, not an edit) and the parts of popups (a combo's list, a
    date edit's calendar: they only show while the user is using that input)."""
    return [
        w
        for w in [root, *root.findChildren(QWidget)]
        if w.window() is root.window() and not isinstance(w, QTabBar)
    ]


def value_of(widget: QWidget) -> object:
    if isinstance(widget, QComboBox):
        return (widget.currentIndex(), widget.currentText())
    if isinstance(widget, QAbstractSpinBox):
        return widget.text()
    if isinstance(widget, QAbstractSlider):
        return widget.value()
    if isinstance(widget, QLineEdit):
        return widget.text()
    if isinstance(widget, QAbstractButton):
        return widget.isChecked()
    return None


def values(root: QWidget) -> dict[int, tuple[str, object]]:
    """What the user has entered in `root`'s window: every input's value (scroll positions
    aside), by widget."""
    out = {}
    for w in root.findChildren(QWidget):
        if isinstance(w, QScrollBar) or w.window() is not root.window():
            continue
        value = value_of(w)
        if value is not None:
            out[id(w)] = (describe(w), value)
    return out


def describe(widget: QWidget) -> str:
    name = widget.objectName() or widget.accessibleName()
    return f"{type(widget).__name__}({name!r})" if name else type(widget).__name__


def enclosing_scroll_bar(widget: QWidget) -> QScrollBar | None:
    """The vertical scroll bar of the nearest scroll area `widget` sits in, if it can scroll."""
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QAbstractScrollArea) and parent.viewport().isAncestorOf(widget):
            bar = parent.verticalScrollBar()
            if bar.maximum() > bar.minimum():
                return bar
        parent = parent.parentWidget()
    return None


def apply_enabled(root: QWidget) -> bool | None:
    button = getattr(root, "apply_button", None)
    return button.isEnabled() if button is not None else None


def unfocus(widget: QWidget) -> None:
    focus = QApplication.focusWidget()
    if focus is not None and (focus is widget or widget.isAncestorOf(focus)):
        focus.clearFocus()
    widget.clearFocus()
    assert not widget.hasFocus()


def wheel_without_focus_changes_nothing(root: QWidget) -> list[str]:
    """Wheel over every widget of `root` that doesn't have focus. Returns what went wrong: a
    value that changed (with the widget the wheel was over), an Apply turned on or off, a form
    that didn't scroll."""
    problems = []
    before, applicable = values(root), apply_enabled(root)
    assert before, f"no inputs found in {describe(root)}"
    for target in targets(root):
        unfocus(target)
        bar = enclosing_scroll_bar(target) if is_wheel_input(target) else None
        for delta in (DOWN, UP):  # a combo at its last item would move on the way up
            if bar is not None:
                bar.setValue(bar.minimum() if delta == DOWN else bar.maximum())
            wheel(target, delta)
            QApplication.processEvents()
            after = values(root)
            if after != before:
                changed = sorted({v[0] for k, v in before.items() if after.get(k) != v})
                problems.append(f"wheel over {describe(target)} changed {changed}")
                before = after
            if apply_enabled(root) != applicable:
                problems.append(f"wheel over {describe(target)} turned Apply on or off")
                applicable = apply_enabled(root)
            if bar is not None and bar.value() == (
                bar.minimum() if delta == DOWN else bar.maximum()
            ):
                problems.append(f"wheel over {describe(target)} didn't scroll the form")
    return problems


def wheel_steps_focused_inputs(qtbot: QtBot, root: QWidget) -> list[str]:
    """With keyboard focus, the wheel steps each visible, enabled input (then steps it back)."""
    activate(qtbot, root)
    problems = []
    checked = 0
    for target in targets(root):
        if not (is_wheel_input(target) and target.isVisibleTo(root) and target.isEnabled()):
            continue
        if isinstance(target, QComboBox) and target.count() < 2:
            continue
        target.setFocus(Qt.FocusReason.TabFocusReason)
        qtbot.waitUntil(target.hasFocus, timeout=2000)
        before = value_of(target)
        step = DOWN
        wheel(target, step)
        if value_of(target) == before:  # at the end of its range: the other way
            step = UP
            wheel(target, step)
        if value_of(target) == before:
            problems.append(f"wheel over focused {describe(target)} didn't change it")
        wheel(target, -step)
        checked += 1
    assert checked, f"no focusable wheel input in {describe(root)}"
    return problems


def wheel_focus_policies(root: QWidget) -> list[str]:
    return [
        f"{describe(w)} takes focus from the wheel"
        for w in root.findChildren(QWidget)
        if is_wheel_input(w) and w.focusPolicy() == Qt.FocusPolicy.WheelFocus
    ]


def activate(qtbot: QtBot, widget: QWidget) -> None:
    widget.show()
    widget.raise_()
    widget.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is widget.window(), timeout=3000)


# -- the app around them ------------------------------------------------------------------------


def _paths(tmp_path: Path) -> config.Paths:
    return config.Paths(
        data_dir=tmp_path / "data",
        config_dir=tmp_path / "config",
        cache_dir=tmp_path / "cache",
        log_dir=tmp_path / "logs",
    ).ensure()


def _main_window(session: Session) -> MainWindow:
    """Deleted with `_delete` (not left to qtbot, which only closes it)."""
    w = MainWindow(session)
    w.experiment_runner.stop()
    w.resize(1200, 760)
    return w


def _delete(*widgets: QWidget) -> None:
    """Really gone before the cache closes (a closed main window outlives its test otherwise,
    and each later test re-styles its thousand widgets)."""
    for w in widgets:
        w.close()
        w.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@pytest.fixture
def session(filled_store: Store, qloop: asyncio.AbstractEventLoop) -> Session:
    return Session(store=filled_store, loop=qloop, api=None, profile="default")


@pytest.fixture
def window(
    qtbot: QtBot,
    session: Session,
    filled_store: Store,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[MainWindow]:
    """The main window over a filled cache: building it installs the guard, as in the app."""
    monkeypatch.setattr(config.Paths, "from_env", classmethod(lambda cls: _paths(tmp_path)))
    EditService(store=filled_store).edit(
        kind=CAMPAIGN, entity_id="cmp-us-spring", fields={"name": "Spring Sale 2"}
    )
    w = _main_window(session)
    yield w
    _delete(w)


@pytest.fixture
def edits(filled_store: Store) -> EditService:
    return EditService(store=filled_store)


def _media(edits: EditService) -> MediaEditor:
    editor = MediaEditor(edits=edits)
    editor.start(ad_account_id=data.US, ad_squad_id="sq-us-1")  # with the new ad's fields
    return editor


def _loaded(cls: type, entity_id: str) -> Callable[[EditService], QWidget]:
    def make(edits: EditService) -> QWidget:
        editor = cls(edits=edits)
        editor.load(entity_id)
        return editor

    return make


EDITORS: dict[type, Callable[[EditService], QWidget]] = {
    CampaignEditor: _loaded(CampaignEditor, "cmp-us-spring"),
    AdSquadEditor: _loaded(AdSquadEditor, "sq-us-1"),
    AdEditor: _loaded(AdEditor, "ad-us-approved"),
    CreativeEditor: _loaded(CreativeEditor, "cr-us-1"),
    MediaEditor: _media,
}


def _classes(package: Any, base: type) -> set[type]:
    found = set()
    for info in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
        if info.name.rpartition(".")[2].startswith("_"):
            continue  # private building blocks (the editors' base class, banners, spinners)
        module = importlib.import_module(info.name)
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if obj.__module__ == module.__name__ and issubclass(obj, base):
                found.add(obj)
    return found


@pytest.fixture(params=list(EDITORS), ids=lambda cls: cls.__name__)
def editor(request: Any, qtbot: QtBot, window: MainWindow, edits: EditService) -> Iterator[Any]:
    widget = EDITORS[request.param](edits)
    qtbot.addWidget(widget)
    widget.resize(520, 360)  # shorter than its form: the form scrolls
    widget.show()
    QApplication.processEvents()
    yield widget
    widget.close()
    widget.deleteLater()  # with its revalidation timer, before the cache closes


def test_every_editor_is_checked() -> None:
    editors = {c for c in _classes(snapdesk.ui.editors, QWidget) if c.__name__.endswith("Editor")}
    assert editors == set(EDITORS)


def test_editor_inputs_ignore_the_wheel_without_focus(editor: Any) -> None:
    assert any(is_wheel_input(w) for w in editor.findChildren(QWidget))
    assert wheel_without_focus_changes_nothing(editor) == []
    if hasattr(editor, "changed_fields"):
        assert editor.changed_fields() == {}
        editor.revalidate()
        assert not editor.apply_button.isEnabled()


def test_editor_inputs_take_the_wheel_with_focus(qtbot: QtBot, editor: Any) -> None:
    assert wheel_steps_focused_inputs(qtbot, editor) == []


def test_editor_inputs_get_no_focus_from_the_wheel(editor: Any) -> None:
    assert wheel_focus_policies(editor) == []


def test_scrolling_the_campaign_form_over_status_keeps_it_active(
    qtbot: QtBot, window: MainWindow, edits: EditService
) -> None:
    """The report: wheel over Status in the campaign editor turned Active into Paused."""
    editor = CampaignEditor(edits=edits)
    qtbot.addWidget(editor)
    editor.load("cmp-us-spring")
    editor.resize(520, 360)
    editor.show()
    bar = editor.findChild(QScrollArea, "editorScroll").verticalScrollBar()
    assert bar.maximum() > 0
    for _ in range(3):
        wheel(editor.status_combo, DOWN)
    assert editor.status_combo.value() == "ACTIVE"
    assert bar.value() > 0
    editor.revalidate()
    assert not editor.apply_button.isEnabled()


# -- dialogs --------------------------------------------------------------------------------------


def _dialogs(window: MainWindow, store: Store, tmp_path: Path) -> dict[type, Callable[[], Any]]:
    """How each dialog is built (as the app and tests/ui/test_accessibility.py build them)."""
    from snapdesk.grid.editing import copy_rows
    from snapdesk.grid.rows import Scope, load_rows
    from snapdesk.ui.crash import CrashDialog, CrashReport, SafetyState
    from snapdesk.ui.dialogs.about import AboutDialog
    from snapdesk.ui.dialogs.bulk_budget import BulkAmountDialog
    from snapdesk.ui.dialogs.bulk_rename import BulkRenameDialog
    from snapdesk.ui.dialogs.capi_token import CapiTokenDialog
    from snapdesk.ui.dialogs.command_palette import CommandPalette
    from snapdesk.ui.dialogs.conflicts import ConflictsDialog
    from snapdesk.ui.dialogs.experiment_setup import ExperimentSetupDialog
    from snapdesk.ui.dialogs.fx_rates import FxRatesDialog
    from snapdesk.ui.dialogs.grid_find_replace import GridFindReplaceDialog
    from snapdesk.ui.dialogs.grid_import import GridImportDialog
    from snapdesk.ui.dialogs.grid_paste_rows import GridPasteRowsDialog
    from snapdesk.ui.dialogs.list_upload import ListUploadDialog
    from snapdesk.ui.dialogs.live_mode import GuardViolationsDialog, LiveModeDialog
    from snapdesk.ui.dialogs.live_post import LivePostDialog
    from snapdesk.ui.dialogs.logins import LoginsDialog
    from snapdesk.ui.dialogs.oauth_app import OAuthAppDialog
    from snapdesk.ui.dialogs.post_results import PostResultsDialog
    from snapdesk.ui.dialogs.preferences import PreferencesDialog, open_preferences
    from snapdesk.ui.dialogs.prepare_list import PrepareListWindow
    from snapdesk.ui.dialogs.shortcuts import ShortcutsDialog
    from snapdesk.ui.dialogs.sign_in import SignInDialog
    from snapdesk.ui.dialogs.welcome import WelcomeDialog
    from snapdesk.ui.ops.conversions import CapiAccess
    from snapdesk.ui.views.audit_log import AuditLogDialog

    session = window.session
    squads = load_rows(store, AD_SQUAD, Scope.accounts([data.US]))
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
        MainWindow: lambda: window,
        WelcomeDialog: lambda: WelcomeDialog(paths=_paths(tmp_path)),
        PreferencesDialog: lambda: open_preferences(window),
        LiveModeDialog: lambda: LiveModeDialog([]),
        LivePostDialog: lambda: LivePostDialog([]),
        GuardViolationsDialog: lambda: GuardViolationsDialog([]),
        LoginsDialog: lambda: LoginsDialog(session=session),
        OAuthAppDialog: lambda: OAuthAppDialog(session=session),
        SignInDialog: lambda: SignInDialog(session=session, app=app, open_url=lambda url: True),
        FxRatesDialog: _fx_rates,
        AuditLogDialog: lambda: AuditLogDialog(store),
        BulkAmountDialog: lambda: BulkAmountDialog(edits, items),
        BulkRenameDialog: lambda: BulkRenameDialog(edits, items),
        PostResultsDialog: lambda: PostResultsDialog(PostReport(live=False)),
        ConflictsDialog: lambda: ConflictsDialog([conflict], store=store),
        CapiTokenDialog: lambda: CapiTokenDialog(
            asset_id="px-1", access=CapiAccess(base_url="http://127.0.0.1:9")
        ),
        PrepareListWindow: lambda: PrepareListWindow(),
        ListUploadDialog: lambda: ListUploadDialog(
            path=SAMPLES / "emails.csv",
            ad_account_id=data.US,
            segments=[],
            live_mode=session.live_mode,
            uploads_factory=lambda: None,
            loop=session.loop,
        ),
        ExperimentSetupDialog: lambda: ExperimentSetupDialog(
            store=store,
            service=ExperimentService(store=store, edits=edits),
            ad_account_id=data.US,
            campaign_id="cmp-us-spring",
            loop=session.loop,
        ),
        CrashDialog: lambda: CrashDialog(report, open_url=lambda url: True),
        ShortcutsDialog: window.help_actions.open_shortcuts,
        CommandPalette: window.help_actions.open_palette,
        AboutDialog: window.help_actions.open_about,
        GridImportDialog: lambda: GridImportDialog(
            window, store=store, edits=edits, state=window.state
        ),
        GridFindReplaceDialog: lambda: GridFindReplaceDialog(edits, squads),
        GridPasteRowsDialog: lambda: GridPasteRowsDialog(edits, store, copy_rows(squads[:1])),
    }


def _fx_rates() -> QDialog:
    """The FX table, long enough to scroll, with a date and a currency cell editor open."""
    from snapdesk.core.settings import FxRate
    from snapdesk.ui.dialogs.fx_rates import FxRatesDialog

    rates = [
        FxRate(
            date=date(2026, 1, 1) + timedelta(days=i), currency="EUR", rate_to_usd=Decimal("1.08")
        )
        for i in range(40)
    ]
    dialog = FxRatesDialog(rates=rates, currencies=["EUR", "GBP"], today=date(2026, 3, 1))
    model = dialog.table.model()
    for column in range(model.columnCount()):
        dialog.table.openPersistentEditor(model.index(0, column))
    return dialog


#: The main window (its own inputs: the chart's date range, filters) and every dialog.
DIALOG_NAMES = [
    "MainWindow",
    "WelcomeDialog",
    "PreferencesDialog",
    "LiveModeDialog",
    "LivePostDialog",
    "GuardViolationsDialog",
    "LoginsDialog",
    "OAuthAppDialog",
    "SignInDialog",
    "FxRatesDialog",
    "AuditLogDialog",
    "BulkAmountDialog",
    "BulkRenameDialog",
    "PostResultsDialog",
    "ConflictsDialog",
    "CapiTokenDialog",
    "PrepareListWindow",
    "ListUploadDialog",
    "ExperimentSetupDialog",
    "CrashDialog",
    "ShortcutsDialog",
    "CommandPalette",
    "AboutDialog",
    "GridImportDialog",
    "GridFindReplaceDialog",
    "GridPasteRowsDialog",
]


def test_every_dialog_is_checked() -> None:
    """Every dialog (and window) class in snapdesk/ui/dialogs is in DIALOG_NAMES."""
    classes = {
        c.__name__
        for c in _classes(snapdesk.ui.dialogs, QWidget)
        if issubclass(c, QDialog) or c.__name__.endswith("Window")
    }
    assert classes - set(DIALOG_NAMES) == set()


@pytest.fixture(params=DIALOG_NAMES)
def dialog(
    request: Any, qtbot: QtBot, window: MainWindow, filled_store: Store, tmp_path: Path
) -> Iterator[Any]:
    factories = {cls.__name__: f for cls, f in _dialogs(window, filled_store, tmp_path).items()}
    widget = factories[request.param]()
    assert type(widget).__name__ == request.param
    if widget.parent() is None and widget is not window:
        qtbot.addWidget(widget)
    widget.show()
    QApplication.processEvents()
    yield widget
    widget.close()


def test_dialog_inputs_keep_their_values_under_the_wheel(qtbot: QtBot, dialog: Any) -> None:
    """One test per dialog (each builds a main window): no focus from the wheel, nothing
    changes without focus, and with focus the wheel steps each input that shows."""
    assert wheel_focus_policies(dialog) == []
    assert wheel_without_focus_changes_nothing(dialog) == []
    if any(
        is_wheel_input(w) and w.isVisibleTo(dialog) and w.isEnabled()
        for w in dialog.findChildren(QWidget)
    ):
        assert wheel_steps_focused_inputs(qtbot, dialog) == []


# -- the rule itself, on every kind of wheel input Qt has ---------------------------------------


@pytest.fixture
def form(qtbot: QtBot) -> Iterator[QScrollArea]:
    """A scrolling form with one of each wheel input (editable combo, spin boxes, a date edit,
    a slider and a dial) and a table with a combo box as a cell editor."""
    install_wheel_guard()
    area = QScrollArea()
    area.setWidgetResizable(True)
    body = QWidget()
    layout = QVBoxLayout(body)
    combo = QComboBox()
    combo.addItems([f"item {i}" for i in range(40)])
    editable = QComboBox()
    editable.setEditable(True)
    editable.addItems(["one", "two", "three"])
    spin = QSpinBox()
    spin.setValue(5)
    dates = QDateTimeEdit()
    dates.setCalendarPopup(True)
    slider = QSlider(Qt.Orientation.Horizontal)
    slider.setValue(50)
    dial = QDial()
    dial.setValue(50)
    table = QTableWidget(40, 1)
    cell = QComboBox()
    cell.addItems(["a", "b", "c"])
    table.setCellWidget(0, 0, cell)
    for w in (combo, editable, spin, dates, slider, dial, table):
        layout.addWidget(w)
    for _ in range(30):
        layout.addWidget(QLineEdit())
    area.setWidget(body)
    area.resize(400, 300)
    qtbot.addWidget(area)
    area.show()
    QApplication.processEvents()
    yield area
    area.close()


def test_every_kind_of_input_lets_the_form_scroll(form: QScrollArea) -> None:
    assert wheel_without_focus_changes_nothing(form) == []
    assert wheel_focus_policies(form) == []


def test_every_kind_of_input_takes_the_wheel_with_focus(qtbot: QtBot, form: QScrollArea) -> None:
    assert wheel_steps_focused_inputs(qtbot, form) == []


def test_a_cell_combo_scrolls_its_table(form: QScrollArea) -> None:
    table = form.findChild(QTableWidget)
    cell = table.cellWidget(0, 0)
    assert wheel(cell, DOWN)
    assert cell.currentIndex() == 0
    assert table.verticalScrollBar().value() > 0


def test_an_open_combo_list_still_scrolls(qtbot: QtBot, form: QScrollArea) -> None:
    combo = form.findChildren(QComboBox)[0]
    activate(qtbot, form)
    combo.setFocus()
    combo.showPopup()
    view = combo.view()
    qtbot.waitUntil(view.isVisible, timeout=2000)
    bar = view.verticalScrollBar()
    assert bar.maximum() > 0
    start = bar.value()
    assert wheel(view.viewport(), DOWN)
    assert bar.value() > start
    combo.hidePopup()


def test_the_main_window_installs_the_guard_once(qtbot: QtBot, session: Session) -> None:
    app = QApplication.instance()
    for guard in [c for c in app.children() if isinstance(c, WheelGuard)]:
        app.removeEventFilter(guard)  # as in a fresh application
        guard.setParent(None)
    combo = QComboBox()
    combo.addItems(["a", "b"])
    qtbot.addWidget(combo)
    first, second = _main_window(session), _main_window(session)
    try:
        assert len([c for c in app.children() if isinstance(c, WheelGuard)]) == 1
        wheel(combo, DOWN)
        assert combo.currentIndex() == 0
    finally:
        _delete(first, second)
