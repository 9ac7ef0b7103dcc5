"""The grid in the real main window, against the sandbox over loopback HTTP (one sandbox and one
synced cache per module, a fresh copy of the cache per test): the tree drives the scope (an
organization → its accounts in several currencies, a campaign → its ad squads, an ad squad →
its ads), levels, search, filter chips, header sorting, saved views, Refresh stats (one query
per ad account, per-account errors that keep the others, cancel), pending edits marked as they
are queued, go-to, the empty states and Ctrl+F."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QDate, QEvent, QItemSelectionModel, QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialogButtonBox
from pytestqt.qtbot import QtBot

from snapdesk.api import SnapApi
from snapdesk.changes import EditService
from snapdesk.core.kinds import AD, AD_ACCOUNT, AD_SQUAD, CAMPAIGN, ORGANIZATION
from snapdesk.grid.perf import DateRange
from snapdesk.grid.query import Condition, FilterSpec
from snapdesk.grid.views import ViewStore
from snapdesk.sandbox import SandboxServer
from snapdesk.store import Store
from snapdesk.ui.main_window import MainWindow
from snapdesk.ui.models.grid import ROW_ROLE
from snapdesk.ui.session import Session
from snapdesk.ui.views.grid import NO_MATCH_TITLE, NO_SELECTION_TITLE, GridView
from tests.ui.changes_env import clear_recorded, control, make_api, recorded, reset
from tests.ui.helpers import run_in_loop

TIMEOUT = 20_000
NORTHWIND = "Northwind Media Group"  # four ad accounts: GBP, USD, JPY, EUR


# -- environment ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    with SandboxServer(seed=42, scale="demo") as srv:
        reset(srv)
        yield srv


@pytest.fixture(scope="module")
def synced_db(server: SandboxServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from snapdesk.sync import SyncService

    path = tmp_path_factory.mktemp("grid-sync") / "cache.sqlite3"

    async def run() -> None:
        api = make_api(server)
        store = Store(path)
        try:
            assert (await SyncService(api=api, store=store).sync()).ok
        finally:
            await api.aclose()
            store.close()

    asyncio.run(run())
    return path


@pytest.fixture
def store(synced_db: Path, tmp_path: Path) -> Iterator[Store]:
    copy = tmp_path / "cache.sqlite3"
    shutil.copy(synced_db, copy)
    s = Store(copy)
    yield s
    s.close()


@pytest.fixture
def api(
    server: SandboxServer, qapp: QApplication, qloop: asyncio.AbstractEventLoop
) -> Iterator[SnapApi]:
    control(server, "DELETE", "faults")
    client = make_api(server)
    yield client
    run_in_loop(qapp, qloop, client.aclose())
    control(server, "DELETE", "faults")


@pytest.fixture
def window(
    qtbot: QtBot, store: Store, api: SnapApi, qloop: asyncio.AbstractEventLoop, tmp_path: Path
) -> Iterator[MainWindow]:
    session = Session(
        store=store, loop=qloop, api=api, profile="default", settings_path=tmp_path / "w.ini"
    )
    win = MainWindow(session)
    win.resize(1500, 900)
    win.show()
    assert win.right_tabs.currentWidget() is win.grid  # the grid is the first tab
    yield win
    # deleted now, not at some later test's event loop: every later test re-styles the
    # widgets still alive (the autouse theme fixture), a whole window costs seconds
    win.close()
    win.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def org_id(store: Store, name: str = NORTHWIND) -> str:
    return next(o.id for o in store.organizations() if o.name == name)


def select_path(window: MainWindow, *path: tuple[str, str]) -> None:
    index = window.tree.expand_path(tuple(path))
    assert index.isValid(), path
    # a plain click's selection, whatever modifier state earlier key events left behind
    flags = (
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
    )
    window.tree.selectionModel().setCurrentIndex(index, flags)
    QApplication.processEvents()


def select_org(window: MainWindow, name: str = NORTHWIND) -> str:
    oid = org_id(window.store, name)
    select_path(window, (ORGANIZATION, oid))
    return oid


def grid_names(grid: GridView) -> list[str]:
    return [r.name for r in grid.shown_rows()]


def stats_requests(server: SandboxServer) -> list[dict[str, Any]]:
    return [r for r in recorded(server) if r["path"].endswith("/stats")]


def wait_refreshed(qtbot: QtBot, grid: GridView) -> None:
    qtbot.waitUntil(lambda: not grid.refreshing, timeout=TIMEOUT)


# -- the tree drives the grid --------------------------------------------------------------------


def test_an_organization_shows_the_campaigns_of_all_its_accounts(
    window: MainWindow, store: Store
) -> None:
    grid = window.grid
    assert grid.stack.currentWidget() is grid.no_selection_page
    assert grid.no_selection_page.title_label.text() == NO_SELECTION_TITLE
    grid.all_accounts_button.click()  # every account of every login
    assert grid.scope is not None and grid.scope.ad_account_ids is None
    assert {r.ad_account_id for r in grid.shown_rows()} == {
        a.id for a in store.ad_accounts() if store.campaigns(a.id)
    }

    oid = select_org(window)
    accounts = store.ad_accounts(oid)
    assert grid.level == CAMPAIGN
    assert grid.scope is not None and set(grid.scope.ad_account_ids or ()) == {
        a.id for a in accounts
    }
    expected = sum(len(store.campaigns(a.id)) for a in accounts)
    assert grid.model.rowCount() == expected > 4
    assert {r.currency for r in grid.shown_rows()} == {"GBP", "USD", "JPY", "EUR"}
    account_column = grid.model.column_of("account")
    shown_accounts = {
        grid.model.index(r, account_column).data() for r in range(grid.model.rowCount())
    }
    assert shown_accounts == {a.name for a in accounts}
    # budgets in each account's own currency
    budget = grid.model.column_of("budget")
    texts = {
        grid.model.row_at(r).currency: grid.model.index(r, budget).data()
        for r in range(grid.model.rowCount())
        if grid.model.index(r, budget).data()
    }
    assert texts["GBP"].startswith("£") and texts["JPY"].startswith("¥")
    assert texts["EUR"].startswith("€") and texts["USD"].startswith("$")
    buttons = grid.toolbar.levels.buttons
    assert buttons[CAMPAIGN].text() == f"Campaigns  {expected}"
    squads = sum(len(store.ad_squads(c.id)) for a in accounts for c in store.campaigns(a.id))
    assert buttons[AD_SQUAD].text() == f"Ad squads  {squads:,}"
    assert grid.count_label.text().startswith(f"{expected} campaigns")


def test_levels_and_narrowing_follow_the_tree(window: MainWindow, store: Store) -> None:
    grid = window.grid
    oid = select_org(window)
    grid.toolbar.levels.buttons[AD_SQUAD].click()
    assert grid.level == AD_SQUAD
    assert {r.kind for r in grid.shown_rows()} == {AD_SQUAD}
    assert grid.model.column_of("campaign") >= 0

    account = next(a for a in store.ad_accounts(oid) if a.currency == "GBP")
    campaign, squad = next(
        (c, s)
        for c in store.campaigns(account.id)
        for s in store.ad_squads(c.id)
        if store.ads(s.id)
    )
    select_path(window, (ORGANIZATION, oid), (AD_ACCOUNT, account.id), (CAMPAIGN, campaign.id))
    assert grid.level == AD_SQUAD
    assert sorted(r.id for r in grid.shown_rows()) == sorted(
        s.id for s in store.ad_squads(campaign.id)
    )
    assert grid.toolbar.levels.buttons[CAMPAIGN].text() == "Campaigns  1"

    select_path(
        window,
        (ORGANIZATION, oid),
        (AD_ACCOUNT, account.id),
        (CAMPAIGN, campaign.id),
        (AD_SQUAD, squad.id),
    )
    assert grid.level == AD
    assert sorted(r.id for r in grid.shown_rows()) == sorted(a.id for a in store.ads(squad.id))
    ad = store.ads(squad.id)[-1]
    select_path(
        window,
        (ORGANIZATION, oid),
        (AD_ACCOUNT, account.id),
        (CAMPAIGN, campaign.id),
        (AD_SQUAD, squad.id),
        (AD, ad.id),
    )
    assert grid.level == AD and len(grid.shown_rows()) == len(store.ads(squad.id))
    assert [r.id for r in grid.selected_rows()] == [ad.id]  # the ad picked in the tree

    # back on an account: the level chosen there before (ad squads), all of the account
    select_path(window, (ORGANIZATION, oid), (AD_ACCOUNT, account.id))
    assert grid.level == AD_SQUAD
    assert {r.ad_account_id for r in grid.shown_rows()} == {account.id}

    # a campaign without ad squads: an empty state that names it
    empty = next((c for c in store.campaigns(account.id) if not store.ad_squads(c.id)), None)
    if empty is not None:
        select_path(window, (ORGANIZATION, oid), (AD_ACCOUNT, account.id), (CAMPAIGN, empty.id))
        assert grid.stack.currentWidget() is grid.empty_page
        assert grid.empty_page.title_label.text() == f"No ad squads in {empty.name}"

    # the column chooser; a level keeps its columns when the user comes back to it
    select_path(window, (ORGANIZATION, oid))
    grid.set_level(CAMPAIGN)
    chooser = grid.column_chooser
    assert "stats_video_views" not in [c.key for c in grid.visible_columns()]
    chooser.set_checked("stats_video_views", True)
    assert "stats_video_views" in [c.key for c in grid.visible_columns()]
    chooser.set_checked("account", False)
    assert grid.model.column_of("account") == -1
    assert grid.totals_model.columnCount() == grid.model.columnCount()
    grid.set_level(AD)
    grid.set_level(CAMPAIGN)
    assert grid.model.column_of("account") == -1
    chooser.reset_button.click()
    assert grid.model.column_of("account") >= 0


def test_a_selection_made_behind_another_tab_is_read_when_the_grid_comes_back(
    window: MainWindow, qtbot: QtBot
) -> None:
    window.right_tabs.setCurrentWidget(window.details)
    select_org(window)
    grid = window.grid
    assert grid.model.rowCount() == 0  # not read while hidden
    window.right_tabs.setCurrentWidget(grid)
    qtbot.waitUntil(lambda: grid.model.rowCount() > 0, timeout=TIMEOUT)
    assert window.splitter.sizes()[1] >= 900  # the pane widened for the grid


# -- search, filters, sort -----------------------------------------------------------------------


def test_search_filter_chips_and_header_sort(window: MainWindow, qtbot: QtBot) -> None:
    grid = window.grid
    select_org(window)
    total = grid.model.rowCount()
    word = grid.shown_rows()[0].name.split()[0]

    grid.search_edit.setFocus()
    QTest.keyClicks(grid.search_edit, word.lower())
    qtbot.waitUntil(lambda: grid.model.filter_spec.text == word.lower(), timeout=2000)
    assert 0 < grid.model.rowCount() <= total
    assert all(word.lower() in n.lower() for n in grid_names(grid))
    assert grid.filter_bar.clear_button.isVisible()
    QTest.keyClick(grid.search_edit, Qt.Key.Key_Escape)  # Esc clears the search
    assert grid.search_edit.text() == "" and grid.model.rowCount() == total
    QTest.keyClick(grid.search_edit, Qt.Key.Key_Escape)  # and then goes back to the table
    assert grid.table.hasFocus() or QApplication.focusWidget() is grid.table
    grid.set_search("no campaign is called this")
    assert grid.stack.currentWidget() is grid.no_match_page
    assert grid.no_match_page.title_label.text() == NO_MATCH_TITLE
    assert "the search" in grid.no_match_page.text_label.text().lower()
    grid.clear_filters_button.click()
    assert grid.stack.currentWidget() is grid.table_page
    assert grid.search_edit.text() == "" and grid.model.rowCount() == total

    # status is Active, through the Add filter menu and its dialog
    grid.filter_bar.column_chosen.emit("status")
    dialog = grid.condition_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.op == "is"
    dialog.check_values(["ACTIVE"])
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert grid.filter_bar.chip_texts() == ["Status is Active"]
    active = grid.model.rowCount()
    assert 0 < active < total
    assert {r.data["status"] for r in grid.shown_rows()} == {"ACTIVE"}

    # a value the column can't use keeps the dialog open with the reason
    grid.filter_bar.column_chosen.emit("budget")
    dialog = grid.condition_dialog
    assert dialog is not None
    dialog.set_operator("gt")
    dialog.value_edit.setText("lots")
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert dialog.isVisible() and "not a number" in dialog.error_label.text()
    dialog.value_edit.setText("100")
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert grid.filter_bar.chip_texts() == ["Status is Active", "Budget > 100"]
    assert all(r.data["status"] == "ACTIVE" for r in grid.shown_rows())

    # has a delivery issue (a row operator straight from the menu)
    grid.filter_bar.row_condition_chosen.emit("delivery_issue")
    assert grid.filter_bar.chip_texts()[-1] == "Has a delivery issue"

    # remove the chips one by one with their ✕
    while grid.filter_bar.chips:
        grid.filter_bar.chips[0].close_button.click()
    assert grid.model.rowCount() == total

    # a custom date range through its dialog; cancelling keeps the range chosen before
    combo = grid.toolbar.range_combo
    combo.activated.emit(combo.findData("custom"))
    dialog = grid.toolbar.range_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.first_edit.setDate(QDate(2026, 3, 1))
    dialog.last_edit.setDate(QDate(2026, 3, 31))
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert grid.date_range == DateRange.custom(date(2026, 3, 1), date(2026, 3, 31))
    assert combo.currentText() == "2026-03-01 – 2026-03-31"
    combo.activated.emit(combo.findData("custom"))
    dialog = grid.toolbar.range_dialog
    assert dialog is not None
    dialog.last_edit.setDate(QDate(2026, 2, 1))  # before the first day: refused
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled() and dialog.error_label.isVisibleTo(dialog)
    dialog.reject()
    assert combo.currentText() == "2026-03-01 – 2026-03-31"
    combo.activated.emit(combo.findData("last_7"))
    assert grid.date_range == DateRange.of("last_7")
    assert combo.findData("custom-current") == -1

    # a header click sorts; a second one reverses; the selection survives a reload
    header = grid.table.horizontalHeader()
    section = grid.model.column_of("name")
    x = header.sectionViewportPosition(section) + 20
    QTest.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 10))
    shown = grid_names(grid)
    assert grid.model.sort_key == ("name", False)
    assert [n.casefold() for n in shown] == sorted(n.casefold() for n in shown)
    QTest.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 10))
    assert grid.model.sort_key == ("name", True)
    third = grid.model.index(2, grid.model.column_of("budget"))
    picked = third.data(ROW_ROLE).id
    grid.table.setCurrentIndex(third)
    grid.reload()
    assert grid.model.sort_key == ("name", True)
    assert grid.table.currentIndex().data(ROW_ROLE).id == picked
    assert [r.id for r in grid.selected_rows()] == [picked]


# -- saved views ---------------------------------------------------------------------------------


def test_saved_view_round_trip(window: MainWindow, qtbot: QtBot) -> None:
    grid = window.grid
    select_org(window)
    grid.set_level(AD_SQUAD)
    grid.set_columns(["name", "account", "status", "bid", "stats_spend", "stats_swipes"])
    grid.add_condition(Condition("status", "is", ("ACTIVE",)))
    grid.set_search("a")
    grid.set_sort("bid", descending=True)
    grid.set_date_range(DateRange.of("last_30"))
    grid.table.horizontalHeader().resizeSection(0, 333)
    view = grid.save_view("Active squads by bid")
    assert grid.toolbar.views_combo.currentText() == "Active squads by bid"

    on_disk = ViewStore.for_paths(window.session.paths).get("active squads by bid")
    assert on_disk == view
    assert on_disk.widths["name"] == 333

    grid.clear_filters()
    grid.set_level(CAMPAIGN)
    grid.set_date_range(DateRange.of("yesterday"))
    assert grid.apply_view("Active squads by bid")
    assert grid.level == AD_SQUAD
    assert [c.key for c in grid.visible_columns()] == list(view.columns)
    assert grid.model.filter_spec == FilterSpec("a", (Condition("status", "is", ("ACTIVE",)),))
    assert grid.filter_bar.chip_texts() == ["Status is Active"]
    assert grid.search_edit.text() == "a"
    assert grid.model.sort_key == ("bid", True)
    assert grid.date_range == DateRange.of("last_30")
    assert grid.toolbar.range_combo.currentText() == "Last 30 days"
    assert grid.table.horizontalHeader().sectionSize(0) == 333
    header = grid.table.horizontalHeader()
    assert header.sortIndicatorSection() == grid.model.column_of("bid")

    # the combo applies it too; deleting removes it from the file
    grid.clear_filters()
    grid.toolbar.views_combo.setCurrentIndex(1)
    grid.toolbar.views_combo.activated.emit(1)
    assert grid.filter_bar.chip_texts() == ["Status is Active"]
    assert grid.delete_view("Active squads by bid")
    assert ViewStore.for_paths(window.session.paths).views() == []


def test_a_corrupt_views_file_is_kept_and_explained(
    qtbot: QtBot, store: Store, qloop: asyncio.AbstractEventLoop, tmp_path: Path
) -> None:
    session = Session(store=store, loop=qloop, api=None, profile="default")
    path = session.paths.config_dir / "grid_views.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('{"version": 1, "views": [ {"name": "half', encoding="utf-8")
    grid = GridView(store=store, paths=session.paths)
    qtbot.addWidget(grid)
    grid.show()
    assert grid.banner.isVisible()
    assert "grid_views.json is not valid JSON" in grid.banner.text()
    backups = list(path.parent.glob("grid_views.json.bad-*"))
    assert len(backups) == 1 and backups[0].read_text(encoding="utf-8").startswith('{"version"')
    # saving works again and writes a good file
    from snapdesk.grid.rows import Scope

    grid.set_scope(Scope.all())
    grid.save_view("Fresh")
    assert json.loads(path.read_text(encoding="utf-8"))["views"][0]["name"] == "Fresh"


# -- performance ---------------------------------------------------------------------------------


def test_refresh_stats_is_one_query_per_account_and_fills_the_columns(
    window: MainWindow, qtbot: QtBot, server: SandboxServer
) -> None:
    grid = window.grid
    oid = select_org(window)
    accounts = {a.id for a in window.store.ad_accounts(oid)}
    assert all(r.perf is None for r in grid.shown_rows())  # nothing cached yet
    assert not grid.totals_table.isVisible()
    clear_recorded(server)

    op = grid.refresh_stats()
    assert op is not None and grid.progress_frame.isVisible()
    wait_refreshed(qtbot, grid)
    requests = stats_requests(server)
    assert sorted(r["path"].split("/")[3] for r in requests) == sorted(accounts)
    assert all(r["query"].get("breakdown") == "campaign" for r in requests)
    assert not grid.progress_frame.isVisible()
    assert grid.perf_source == "fetched"
    assert "stats fetched" in grid.count_label.text()
    assert sum(1 for r in grid.shown_rows() if r.perf is not None) == grid.model.rowCount()
    delivering = [r for r in grid.shown_rows() if r.perf.impressions]
    assert delivering
    spend = grid.model.column_of("stats_spend")
    row = grid.model.index_for(delivering[0].id, "stats_spend").row()
    assert grid.model.index(row, spend).data()
    # a totals row per currency under the grid, and one in USD for all of them
    qtbot.waitUntil(lambda: grid.totals_model.rowCount() == 5, timeout=2000)
    currencies = [r.currency for r in grid.totals_model.totals_rows()]
    assert currencies == ["USD", "EUR", "GBP", "JPY", "USD"]  # all currencies in USD first
    assert grid.totals_table.isVisible()
    assert grid.totals_model.text("GBP", "stats_impressions")

    # the figures are cached now: another level opens with them, without a request
    clear_recorded(server)
    grid.set_level(AD_SQUAD)
    grid.set_level(CAMPAIGN)
    assert stats_requests(server) == []
    assert grid.perf_source == "cache"
    assert sum(1 for r in grid.shown_rows() if r.perf is not None) == grid.model.rowCount()


def test_an_account_that_fails_keeps_the_others(
    window: MainWindow, qtbot: QtBot, server: SandboxServer
) -> None:
    grid = window.grid
    oid = select_org(window)
    accounts = window.store.ad_accounts(oid)
    broken = next(a for a in accounts if a.currency == "JPY")
    control(server, "POST", "faults", {"path": f"/v1/adaccounts/{broken.id}/stats", "status": 403})
    errors: list[Any] = []
    grid.stats_refreshed.connect(errors.append)
    grid.refresh_stats()
    wait_refreshed(qtbot, grid)
    assert list(errors[0]) == [broken.id]
    assert grid.banner.isVisible()
    assert broken.name in grid.banner.text()
    assert "3 fetched" in grid.banner.text()
    fetched = {r.ad_account_id for r in grid.shown_rows() if r.perf is not None}
    assert fetched == {a.id for a in accounts} - {broken.id}


def test_a_refresh_can_be_cancelled(
    window: MainWindow, qtbot: QtBot, server: SandboxServer
) -> None:
    grid = window.grid
    select_org(window)
    control(server, "POST", "faults", {"path": "/v1/adaccounts/*/stats", "latency_ms": 3000})
    grid.refresh_stats()
    assert grid.refreshing and grid.cancel_button.isVisible()
    grid.cancel_button.click()
    wait_refreshed(qtbot, grid)
    assert not grid.progress_frame.isVisible()
    assert grid.toolbar.refresh_button.isEnabled()
    assert all(r.perf is None for r in grid.shown_rows())


# -- pending edits, go to, keyboard --------------------------------------------------------------


def test_pending_edits_show_marks_as_they_are_queued(window: MainWindow, qtbot: QtBot) -> None:
    grid = window.grid
    select_org(window)
    grid.set_level(AD_SQUAD)
    row = next(r for r in grid.shown_rows() if r.data.get("daily_budget_micro"))
    old = grid.model.index_for(row.id, "budget").data()
    edits = EditService(store=window.store)
    edits.edit(
        kind=AD_SQUAD,
        entity_id=row.id,
        fields={"daily_budget_micro": int(row.data["daily_budget_micro"]) + 5_000_000},
    )
    qtbot.waitUntil(lambda: grid.model.row_for(row.id).mark == "Δ", timeout=TIMEOUT)
    budget = grid.model.index_for(row.id, "budget")
    assert budget.data(Qt.ItemDataRole.ToolTipRole) == (
        f"Was: {old} → now {budget.data()} (pending)"
    )
    assert budget.data(Qt.ItemDataRole.BackgroundRole) is not None
    edits.undo()
    qtbot.waitUntil(lambda: grid.model.row_for(row.id).mark == "", timeout=TIMEOUT)
    assert grid.model.index_for(row.id, "budget").data() == old


def test_go_to_and_ctrl_f(window: MainWindow, store: Store) -> None:
    grid = window.grid
    oid = select_org(window)
    grid.set_search("zzz nothing")
    window.right_tabs.setCurrentWidget(window.details)
    account = next(a for a in store.ad_accounts(oid) if a.currency == "EUR")
    squad = next(s for c in store.campaigns(account.id) for s in store.ad_squads(c.id))
    assert grid.go_to(AD_SQUAD, squad.id, "bid_micro")
    assert window.right_tabs.currentWidget() is grid
    assert grid.level == AD_SQUAD
    assert grid.model.filter_spec.is_empty and grid.search_edit.text() == ""
    current = grid.table.currentIndex()
    assert current.data(ROW_ROLE).id == squad.id
    assert grid.model.column_at(current.column()).key == "bid"
    assert grid.table.hasFocus() or QApplication.focusWidget() is grid.table
    # a budget field goes to the Budget column; an unknown id is refused
    assert grid.go_to(AD_SQUAD, squad.id, "daily_budget_micro")
    assert grid.model.column_at(grid.table.currentIndex().column()).key == "budget"
    assert not grid.go_to(AD_SQUAD, "no-such-squad", "name")

    # Ctrl+F searches the grid when the focus is in it, the tree otherwise
    window.activateWindow()
    grid.table.setFocus()
    window.find_action.trigger()
    assert QApplication.focusWidget() is grid.search_edit or grid.search_edit.hasFocus()
    window.tree.setFocus()
    window.find_action.trigger()
    assert QApplication.focusWidget() is window.filter_edit or window.filter_edit.hasFocus()


# -- big scopes: figures from a worker thread, sort keys while idle ------------------------------


def test_a_big_scope_shows_its_rows_first_then_figures_then_sort_keys(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from snapdesk.grid.rows import Scope
    from snapdesk.ui.views import grid as grid_module
    from tests.grid import sheets_data

    monkeypatch.setattr(grid_module, "BACKGROUND_PERF_ROWS", 2)  # 9 ad squads count as big
    store = Store(tmp_path / "cache.sqlite3")
    sheets_data.fill(store)
    day = (date.today() - timedelta(days=1)).isoformat()  # in the last 7 days in every zone
    spends = {"sq-gb-young": 45_000_000, "sq-jp-wide": 9_000_000_000, "sq-us-brand": 0}
    for squad, spend in spends.items():
        account = {"gb": sheets_data.GB, "jp": sheets_data.JP, "us": sheets_data.US}[squad[3:5]]
        sheets_data.add_day_stats(
            store, entity_id=squad, ad_account_id=account, level=AD_SQUAD, day=day,
            impressions=1000, swipes=10, spend=spend,
        )  # fmt: skip
    view = GridView(store=store)
    qtbot.addWidget(view)
    view.show()
    adopted: list[bool] = []
    adopt = view.model.adopt
    monkeypatch.setattr(view.model, "adopt", lambda cache: adopted.append(adopt(cache)) or True)

    view.set_scope(Scope.all(), level=AD_SQUAD)
    assert view.model.rowCount() == 9  # the rows at once
    assert view.stats_loading and all(r.perf is None for r in view.shown_rows())
    assert "reading cached stats" in view.count_label.text()
    qtbot.waitUntil(lambda: not view.stats_loading and not view.stats_preparing, timeout=10_000)
    perf_columns = [c for c in view.visible_columns() if c.performance]
    assert adopted == [True] * len(perf_columns)  # each column's keys, computed while idle
    assert {r.id for r in view.shown_rows() if r.perf is not None} == set(spends)
    view.set_sort("stats_spend", descending=True)
    assert [r.id for r in view.shown_rows()][:3] == ["sq-jp-wide", "sq-gb-young", "sq-us-brand"]
    assert "cached stats" in view.count_label.text()
    # a date range without figures: read again in the background, then empty
    view.set_date_range(DateRange.custom(date(2020, 1, 1), date(2020, 1, 2)))
    qtbot.waitUntil(lambda: not view.stats_loading and not view.stats_preparing, timeout=10_000)
    assert all(r.perf is None for r in view.shown_rows())
    view.close()
    store.close()


# -- Snap's estimates for ad squads ---------------------------------------------------------------


def test_ad_squads_show_snaps_estimates_for_the_rows_on_screen(
    window: MainWindow, qtbot: QtBot, server: SandboxServer, api: SnapApi, store: Store
) -> None:
    import re

    grid = window.grid
    services = window.editing.targeting  # the editor's: one estimate cache
    select_org(window)
    clear_recorded(server)
    grid.toolbar.levels.buttons[AD_SQUAD].click()
    grid.set_columns(["name", "targeting", "audience_size", "suggested_bid"])

    def on_screen_estimated() -> bool:
        rows = grid._rows_on_screen()
        return bool(rows) and all(r.reach is not None for r in rows) and not grid.estimating

    qtbot.waitUntil(on_screen_estimated, timeout=TIMEOUT)
    on_screen = grid._rows_on_screen()
    sizes = [r for r in recorded(server) if r["path"].endswith("/audience_size_v2")]
    assert 0 < len(sizes) <= len(on_screen) < len(grid.shown_rows())  # only what is shown
    size_col = grid.model.column_of("audience_size")
    bid_col = grid.model.column_of("suggested_bid")
    targeting_col = grid.model.column_of("targeting")
    for row in on_screen:
        view_row = grid.model.index_for(row.id).row()
        size_text = grid.model.index(view_row, size_col).data()
        assert re.fullmatch(r"[\d.]+[KMB]?–[\d.]+[KMB]?", size_text), size_text
        assert "≈" in grid.model.index(view_row, targeting_col).data()
        if row.data.get("optimization_goal"):
            assert row.bid is not None
            bid_text = grid.model.index(view_row, bid_col).data()
            assert bid_text.endswith(("CPM", "Target cost")), bid_text
        # the editor's cache holds the same answer (one owner of the estimates)
        squad = {"targeting": row.data["targeting"], "placement_v2": row.data.get("placement_v2")}
        assert services.estimates.cached_reach(row.ad_account_id, squad) == row.reach

    # looking again asks Snap nothing: the rows on screen are cached
    clear_recorded(server)
    grid._update_estimates()
    qtbot.wait(300)
    assert not [r for r in recorded(server) if "audience_size" in r["path"]]
    # sorting by audience size orders by the smallest estimate
    grid.set_sort("audience_size", descending=True)
    known = [r.reach.minimum for r in grid.shown_rows() if r.reach is not None]
    assert known == sorted(known, reverse=True)


def test_the_totals_stay_under_their_columns_when_the_grid_scrolls_sideways(
    window: MainWindow, qtbot: QtBot
) -> None:
    """Seen on Xvfb: scrolled right, the totals row slid its figures away from their columns
    (the grid scrolls per pixel, the totals read the same value per column)."""
    grid = window.grid
    select_org(window)
    window.resize(1100, 800)
    qtbot.waitUntil(lambda: grid.totals_table.isVisible() or grid.model.rowCount() > 0)
    grid.totals_table.show()
    bar = grid.table.horizontalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0)
    for value in (bar.maximum() // 3, bar.maximum()):
        bar.setValue(value)
        QApplication.processEvents()
        for column in range(grid.model.columnCount()):
            assert grid.table.columnViewportPosition(
                column
            ) == grid.totals_table.columnViewportPosition(column), (value, column)
