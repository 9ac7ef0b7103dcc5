"""The main window against a real SandboxServer over loopback HTTP, with the qasync loop
driven by Qt (qtbot.waitUntil)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PySide6.QtCore import QModelIndex

from snapdesk.api import RetryPolicy, SnapApi, StaticTokenProvider
from snapdesk.store import Store
from snapdesk.ui._signals import emit
from snapdesk.ui.main_window import FILTER_PLACEHOLDER, WINDOW_TITLE, MainWindow
from snapdesk.ui.models.account_tree import STATUS_COLUMN
from snapdesk.ui.session import Session
from tests.ui.helpers import run_in_loop

sandbox = pytest.importorskip("snapdesk.sandbox")

TIMEOUT = 20_000


def control(server, method: str, path: str, body: object = None) -> None:
    response = httpx.request(method, f"{server.base_url}/__sandbox__/{path}", json=body)
    response.raise_for_status()


@pytest.fixture
def server() -> Iterator[object]:
    with sandbox.SandboxServer(seed=42, scale="demo") as srv:
        control(srv, "POST", "rate_limit", {"per_second": 1000, "burst": 1000})
        yield srv


@pytest.fixture
def api(server, qapp, qloop: asyncio.AbstractEventLoop) -> Iterator[SnapApi]:
    client = SnapApi(
        base_url=server.api_base,
        token_provider=StaticTokenProvider(server.token),
        rate_limit=None,
        retry=RetryPolicy(max_attempts=2, base=0.01, cap=0.05),
    )
    yield client
    run_in_loop(qapp, qloop, client.aclose())


@pytest.fixture
def window(qtbot, qloop, api, server, tmp_path: Path) -> Iterator[MainWindow]:
    store = Store(tmp_path / "sandbox.sqlite3")
    session = Session(
        store=store,
        loop=qloop,
        api=api,
        sandbox=server,
        settings_path=tmp_path / "window.ini",
    )
    win = MainWindow(session)
    qtbot.addWidget(win)
    win.resize(1200, 760)
    win.show()
    yield win
    if win.sync_running:
        win.cancel_sync()
        qtbot.waitUntil(lambda: not win.sync_running, timeout=TIMEOUT)
    store.close()


def _top_names(win: MainWindow) -> list[str]:
    model = win.model
    model.fetch_all(QModelIndex())
    return [model.index(r, 0).data() for r in range(model.rowCount())]


def _sync_and_wait(qtbot, win: MainWindow, action=None) -> object:
    with qtbot.waitSignal(win.sync_finished, timeout=TIMEOUT) as blocker:
        (action or win.sync_action).trigger()
    return blocker.args[0]


def test_window_basics(window: MainWindow) -> None:
    assert window.windowTitle() == WINDOW_TITLE
    assert window.filter_edit.placeholderText() == FILTER_PLACEHOLDER
    assert window.sandbox_badge.isVisible()
    assert window.sandbox_badge.text() == "SANDBOX"
    assert window.sync_label.text() == "Never synced"
    assert window.details.is_empty()
    assert window.sync_action.isEnabled()
    assert not window.cancel_action.isEnabled()


def test_sync_action_populates_tree_and_status_bar(qtbot, window: MainWindow) -> None:
    result = _sync_and_wait(qtbot, window)
    assert result is not None and not result.errors
    expected = [o.name for o in window.store.organizations()]
    assert len(expected) >= 2
    qtbot.waitUntil(lambda: _top_names(window) == expected, timeout=TIMEOUT)
    assert window.tree_stack.currentWidget() is window.tree
    assert window.sync_label.text().startswith("Synced")
    assert window.sandbox_badge.isVisible()
    assert "req/s" in window.rate_label.text() or "Rate limited" in window.rate_label.text()
    assert "Synced" in window.message_label.text()
    assert not window.progress_bar.isVisible()
    assert window.sync_action.isEnabled() and not window.cancel_action.isEnabled()


def test_sync_selected_account_only(qtbot, window: MainWindow) -> None:
    _sync_and_wait(qtbot, window)
    account = window.store.ad_accounts()[0]
    index = window.model.locate(
        (("organization", account.organization_id), ("ad_account", account.id))
    )
    window.tree.select(index)
    assert window.sync_action.text() == "Sync account"
    result = _sync_and_wait(qtbot, window)
    assert result.ad_account_ids == [account.id]
    # Selection and the details panel survive the reload.
    assert window.tree.current_node().id == account.id
    assert account.name in window.details.field_text()


def test_first_sync_shows_loading_then_tree(qtbot, window: MainWindow, server) -> None:
    control(server, "POST", "latency", {"ms": 150})
    assert window.start_initial_sync()
    assert window.tree_stack.currentWidget() is window.loading_page
    assert window.loading_page.title_label.text() == "Syncing your ad accounts…"
    qtbot.waitUntil(lambda: not window.sync_running, timeout=TIMEOUT)
    assert window.tree_stack.currentWidget() is window.tree
    assert _top_names(window)


def test_cancel_stops_the_sync(qtbot, window: MainWindow, server) -> None:
    control(server, "POST", "latency", {"ms": 300})
    window.sync_action.trigger()
    qtbot.waitUntil(lambda: window.progress_bar.maximum() > 0, timeout=TIMEOUT)
    assert window.cancel_action.isEnabled()
    with qtbot.waitSignal(window.sync_finished, timeout=TIMEOUT) as blocker:
        window.cancel_action.trigger()
    assert blocker.args == [None]
    assert not window.sync_running
    assert "cancelled" in window.message_label.text().lower()
    assert window.sync_action.isEnabled()
    assert not window.progress_bar.isVisible()


def test_failing_account_shows_error_and_keeps_the_others(
    qtbot, window: MainWindow, server
) -> None:
    _sync_and_wait(qtbot, window)
    accounts = window.store.ad_accounts()
    broken, healthy = accounts[0], accounts[1]
    healthy_campaigns = len(window.store.campaigns(healthy.id))
    broken_campaigns = len(window.store.campaigns(broken.id))
    control(
        server,
        "POST",
        "faults",
        {
            "method": "GET",
            "path": f"/v1/adaccounts/{broken.id}/campaigns",
            "status": 500,
            "times": 1000,
        },
    )
    result = _sync_and_wait(qtbot, window, window.sync_all_action)
    assert set(result.errors) == {broken.id}
    assert broken.id in window.account_errors
    # Non-modal error: status bar message, error status in the tree, text in the details.
    assert "failed" in window.message_label.text()
    assert window.message_icon.isVisible()
    broken_index = window.model.locate(
        (("organization", broken.organization_id), ("ad_account", broken.id))
    )
    assert broken_index.siblingAtColumn(STATUS_COLUMN).data() == "Sync failed"
    window.tree.select(broken_index)
    window.right_tabs.setCurrentWidget(window.details)  # the Grid tab comes first
    assert window.details.error_banner.isVisible()
    assert "failed" in window.details.error_text.text()
    # Cached data of both accounts is intact and browsable.
    assert len(window.store.campaigns(broken.id)) == broken_campaigns
    assert len(window.store.campaigns(healthy.id)) == healthy_campaigns
    healthy_index = window.model.locate(
        (("organization", healthy.organization_id), ("ad_account", healthy.id))
    )
    window.model.fetch_all(healthy_index)
    assert window.model.rowCount(healthy_index) >= healthy_campaigns
    assert healthy_index.siblingAtColumn(STATUS_COLUMN).data() != "Sync failed"
    # Once the fault is gone, syncing that account clears the error.
    control(server, "DELETE", "faults")
    window.tree.select(broken_index)
    result = _sync_and_wait(qtbot, window)
    assert result.ad_account_ids == [broken.id] and not result.errors
    assert broken.id not in window.account_errors


def test_error_state_with_nothing_cached_and_retry(qtbot, window: MainWindow, server) -> None:
    control(
        server,
        "POST",
        "faults",
        {"method": "GET", "path": "/v1/me/organizations", "status": 500, "times": 2},
    )
    with qtbot.waitSignal(window.sync_finished, timeout=TIMEOUT) as blocker:
        window.start_initial_sync()
    assert blocker.args == [None]
    assert window.tree_stack.currentWidget() is window.error_page
    assert window.error_page.text_label.text()
    assert window.retry_button.isVisible()
    with qtbot.waitSignal(window.sync_finished, timeout=TIMEOUT) as blocker:
        window.retry_button.click()
    assert blocker.args[0] is not None
    assert window.tree_stack.currentWidget() is window.tree
    assert _top_names(window)


def test_filter_after_sync(qtbot, window: MainWindow) -> None:
    _sync_and_wait(qtbot, window)
    campaign = window.store.campaigns(window.store.ad_accounts()[0].id)[0]
    window.find_action.trigger()
    assert window.filter_edit.hasFocus()
    window.filter_edit.setText(campaign.id[:8])
    qtbot.waitUntil(lambda: window.model.is_filtered, timeout=TIMEOUT)
    matched = [n for n in window.model.iter_loaded() if n.matched]
    assert campaign.id in {n.id for n in matched}
    node = next(n for n in matched if n.id == campaign.id)
    parent_index = window.model.index_for_node(node.parent)
    assert window.tree.isExpanded(parent_index)
    assert window.match_label.isVisible()
    window.filter_edit.setText("zzzz-no-such-entity")
    qtbot.waitUntil(lambda: window.tree_stack.currentWidget() is window.no_match_page)
    window.filter_edit.clear()
    qtbot.waitUntil(lambda: not window.model.is_filtered)
    assert window.tree_stack.currentWidget() is window.tree


def test_geometry_and_splitter_are_remembered(qtbot, window: MainWindow, tmp_path: Path) -> None:
    # Small enough for the offscreen screen (800 x 600), which restoreGeometry clamps to.
    window.resize(780, 560)
    window.splitter.setSizes([300, 460])
    sizes = window.splitter.sizes()
    window.close()
    assert (tmp_path / "window.ini").exists()
    again = MainWindow(window.session)
    qtbot.addWidget(again)
    again.show()
    assert again.size() == window.size()
    assert again.splitter.sizes() == sizes


def test_status_bar_shows_rate_limit_state(window: MainWindow) -> None:
    emit(window.status_timer.timeout)
    assert window.rate_label.text().endswith("req/s · limit OK")
    window.api.stats.rate_limited += 1  # a 429 was just seen
    emit(window.status_timer.timeout)
    assert window.rate_label.text() == "Rate limited — waiting"
    assert "1 rate-limited" in window.rate_label.toolTip()
