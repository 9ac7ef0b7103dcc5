"""The main window: account tree (with filter) on the left, details on the right, a toolbar
to sync and cancel, and a status bar with the last sync time, the request rate and the
rate-limit state (plus a SANDBOX badge on the emulator)."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

from PySide6.QtCore import QByteArray, QModelIndex, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QProgressBar,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from snapdesk.api import SnapApi
from snapdesk.core.kinds import AD_ACCOUNT
from snapdesk.store import Store
from snapdesk.sync import ACCOUNT_DONE, SyncProgress, SyncResult
from snapdesk.ui import theme
from snapdesk.ui._signals import emit
from snapdesk.ui.formatting import humanize_ago
from snapdesk.ui.models.account_tree import AccountTreeModel
from snapdesk.ui.models.tree_nodes import TreeNode
from snapdesk.ui.ops._op import AsyncOp, error_message
from snapdesk.ui.ops.sync import sync_accounts
from snapdesk.ui.session import Session
from snapdesk.ui.views.account_tree import AccountTreeView
from snapdesk.ui.views.details import DetailsPanel
from snapdesk.ui.views.states import StatePage

WINDOW_TITLE = "snapdesk"
FILTER_PLACEHOLDER = "Find by name or id…"
LOADING_TITLE = "Syncing your ad accounts…"
RATE_LIMIT_HOLD_S = 5.0

_CODE = "<span style=\"font-family: 'DejaVu Sans Mono', monospace; white-space: nowrap;\">{}</span>"
NO_LOGIN_TEXT = (
    "snapdesk is not connected to a Snap Ads account yet; signing in from the app comes in a "
    "later version.<br><br>"
    f"To explore with demo data, start {_CODE.format('snapdesk --sandbox')}.<br><br>"
    f"To use your own account, set {_CODE.format('SNAPDESK_ACCESS_TOKEN')} to a Marketing API "
    f"access token and start {_CODE.format('snapdesk')} again."
)


class MainWindow(QMainWindow):
    """Signals: `sync_finished(object)` with the SyncResult, or None when the sync failed or
    was cancelled; `closed()` when the user closed the window."""

    sync_finished = Signal(object)
    closed = Signal()

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._sync_op: AsyncOp | None = None
        self._sync_ids: list[str] | None = None
        self._sync_error: str | None = None
        self._last_sync: datetime | None = session.store.last_sync_at()
        self._account_errors = self._errors_from_store()
        self._seen_rate_limited = session.api.stats.rate_limited if session.api else 0
        self._rate_limited_until = 0.0
        self._model = AccountTreeModel(session.store, profile=None, parent=self)
        self._model.set_account_errors(self._account_errors)
        self._setup_ui()
        self._restore_settings()
        self._update_tree_page()
        self._update_actions()
        self._on_status_timer_timeout()

    # -- SyncHost ----------------------------------------------------------------------------

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        return self._session.loop

    @property
    def api(self) -> SnapApi | None:
        return self._session.api

    @property
    def store(self) -> Store:
        return self._session.store

    @property
    def profile(self) -> str:
        return self._session.profile

    # -- public API ----------------------------------------------------------------------------

    @property
    def session(self) -> Session:
        return self._session

    @property
    def model(self) -> AccountTreeModel:
        return self._model

    @property
    def sync_running(self) -> bool:
        return self._sync_op is not None and self._sync_op.running

    @property
    def account_errors(self) -> dict[str, str]:
        return dict(self._account_errors)

    def start_initial_sync(self) -> bool:
        """Sync everything once at start-up when that is what a user expects: always on the
        sandbox, and on a real account when nothing is cached yet. Returns whether it started."""
        if self.api is None or self.sync_running:
            return False
        if self._session.is_sandbox or not self._model.has_content():
            self.start_sync(None)
            return True
        return False

    def start_sync(self, ad_account_ids: list[str] | None) -> None:
        """Sync these ad accounts (None: discover, then all) unless a sync is running."""
        if self.api is None or self.sync_running:
            return
        self._sync_ids = ad_account_ids
        op = sync_accounts(window=self, ad_account_ids=ad_account_ids)
        op.progressed.connect(self._on_sync_op_progressed)
        op.succeeded.connect(self._on_sync_op_succeeded)
        op.failed.connect(self._on_sync_op_failed)
        op.cancelled.connect(self._on_sync_op_cancelled)
        op.finished.connect(self._on_sync_op_finished)
        self._sync_op = op
        self._sync_error = None
        self.progress_bar.setRange(0, 0)
        self.progress_label.setText("Starting…")
        self.progress_bar.show()
        self.progress_label.show()
        self.loading_page.set_progress(None, None)
        self.loading_page.set_text("Fetching organizations, ad accounts and campaigns from Snap.")
        what = (
            "all ad accounts" if ad_account_ids is None else self._describe_accounts(ad_account_ids)
        )
        self._show_message(f"Syncing {what}…")
        self._update_actions()
        self._update_tree_page()
        self._on_status_timer_timeout()

    def cancel_sync(self) -> None:
        if self._sync_op is not None:
            self.progress_label.setText("Cancelling…")
            self._sync_op.cancel()

    def reload_tree(self) -> None:
        """Rebuild the tree from the cache, keeping what was expanded and selected."""
        expanded = self.tree.expanded_paths()
        current = self.tree.current_node()
        selected = current.path() if current else None
        self._model.reload()
        if self._model.is_filtered:
            for index in self._model.filter_expansion():
                self.tree.expand(index)
        self.tree.restore_state(expanded=expanded, selected=selected)
        self._update_tree_page()
        self._show_current_details()

    # -- construction --------------------------------------------------------------------------

    def _setup_ui(self) -> None:
        self.setWindowTitle(WINDOW_TITLE)
        self.resize(1280, 800)
        self.setMinimumSize(760, 480)
        self._setup_actions()
        self._setup_toolbar()

        central = QWidget()
        central.setObjectName("centralArea")
        outer = QVBoxLayout(central)
        outer.setContentsMargins(10, 10, 10, 0)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setHandleWidth(10)
        outer.addWidget(self.splitter)
        self.setCentralWidget(central)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 10)
        left_layout.setSpacing(8)
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText(FILTER_PLACEHOLDER)
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.addAction(theme.icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.filter_edit.setToolTip("Filter the tree by name or id prefix (Ctrl+F)")
        self.filter_edit.textChanged.connect(self._on_filter_edit_text_changed)
        self.filter_edit.returnPressed.connect(self._apply_filter)
        filter_row = QHBoxLayout()
        filter_row.setSpacing(8)
        filter_row.addWidget(self.filter_edit, 1)
        self.match_label = QLabel()
        self.match_label.setObjectName("muted")
        self.match_label.hide()
        filter_row.addWidget(self.match_label)
        left_layout.addLayout(filter_row)

        self.tree_stack = QStackedWidget()
        self.tree = AccountTreeView()
        self.tree.setModel(self._model)
        self.tree.selectionModel().currentChanged.connect(self._on_tree_current_changed)
        self.tree_stack.addWidget(self.tree)
        self.loading_page = StatePage(icon="sync_accent", title=LOADING_TITLE)
        self.tree_stack.addWidget(self.loading_page)
        self.error_page = StatePage(icon="error", title="Couldn't load your ad accounts")
        self.retry_button = self.error_page.add_button(
            "Retry", self._on_retry_clicked, primary=True
        )
        self.tree_stack.addWidget(self.error_page)
        self.no_login_page = StatePage(
            icon="ad_account", title="No Snap login configured", text=NO_LOGIN_TEXT
        )
        self.tree_stack.addWidget(self.no_login_page)
        self.no_match_page = StatePage(icon="search", title="No matches")
        self.no_match_page.add_button("Clear filter", self.filter_edit.clear)
        self.tree_stack.addWidget(self.no_match_page)
        self.empty_cache_page = StatePage(
            icon="organization",
            title="No ad accounts",
            text="This login can't see any organization or ad account yet. Sync again after "
            "you have been given access in Snap Ads Manager.",
        )
        self.tree_stack.addWidget(self.empty_cache_page)
        left_layout.addWidget(self.tree_stack, 1)
        self.splitter.addWidget(left)

        self.details_pane = right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 10)
        self.details = DetailsPanel(self._session.store)
        self.details.id_copied.connect(self._on_details_id_copied)
        right_layout.addWidget(self.details)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([700, 520])

        self._setup_status_bar()
        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(200)
        self._filter_timer.timeout.connect(self._apply_filter)
        self._reload_timer = QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(400)
        self._reload_timer.timeout.connect(self.reload_tree)
        self.status_timer = QTimer(self)
        self.status_timer.setInterval(1000)
        self.status_timer.timeout.connect(self._on_status_timer_timeout)
        self.status_timer.start()

    def _setup_actions(self) -> None:
        self.sync_action = QAction(theme.icon("sync"), "Sync all", self)
        self.sync_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Refresh))
        self.sync_action.triggered.connect(self._on_sync_action_triggered)
        self.sync_all_action = QAction("Sync all ad accounts", self)
        self.sync_all_action.setShortcut(QKeySequence("Ctrl+Shift+R"))
        self.sync_all_action.triggered.connect(self._on_sync_all_action_triggered)
        self.cancel_action = QAction(theme.icon("cancel"), "Cancel", self)
        self.cancel_action.setToolTip(
            "Stop the running sync; accounts not yet saved keep their cache"
        )
        self.cancel_action.triggered.connect(self.cancel_sync)
        self.find_action = QAction("Find", self)
        self.find_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Find))
        self.find_action.triggered.connect(self._on_find_action_triggered)
        self.addAction(self.find_action)
        self.addAction(self.sync_all_action)
        escape = QAction(self)
        escape.setShortcut(QKeySequence(Qt.Key.Key_Escape))
        escape.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        escape.triggered.connect(self._on_escape_triggered)
        self.addAction(escape)

    def _setup_toolbar(self) -> None:
        toolbar = QToolBar("Main")
        toolbar.setObjectName("mainToolbar")
        toolbar.setMovable(False)
        toolbar.setFloatable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, toolbar)
        self.toolbar = toolbar
        self.sync_button = QToolButton()
        self.sync_button.setObjectName("primaryAction")
        self.sync_button.setDefaultAction(self.sync_action)
        self.sync_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.sync_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        self.sync_button.setCursor(Qt.CursorShape.PointingHandCursor)
        menu = QMenu(self.sync_button)
        menu.addAction(self.sync_all_action)
        self.sync_button.setMenu(menu)
        self.sync_button_action = toolbar.addWidget(self.sync_button)
        toolbar.addAction(self.cancel_action)
        self.offline_label = QLabel("Offline · no Snap login configured")
        self.offline_label.setObjectName("muted")
        self.offline_label_action = toolbar.addWidget(self.offline_label)
        self.progress_bar = QProgressBar()
        self.progress_bar.setFixedWidth(200)
        self.progress_bar.setTextVisible(False)
        self.progress_bar.hide()
        self.progress_label = QLabel()
        self.progress_label.setObjectName("muted")
        self.progress_label.hide()
        progress_box = QWidget()
        progress_layout = QHBoxLayout(progress_box)
        progress_layout.setContentsMargins(14, 0, 6, 0)
        progress_layout.setSpacing(10)
        progress_layout.addWidget(self.progress_bar)
        progress_layout.addWidget(self.progress_label)
        self.progress_action = toolbar.addWidget(progress_box)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        toolbar.addWidget(spacer)

    def _setup_status_bar(self) -> None:
        bar = self.statusBar()
        bar.setSizeGripEnabled(False)
        self.message_icon = QLabel()
        self.message_label = QLabel()
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        bar.addWidget(self.message_icon)
        bar.addWidget(self.message_label, 1)
        self.sync_label = QLabel()
        self.rate_label = QLabel()
        self.rate_label.setVisible(self.api is not None)
        bar.addPermanentWidget(self.sync_label)
        bar.addPermanentWidget(self.rate_label)
        self.sandbox_badge = QLabel("SANDBOX")
        self.sandbox_badge.setObjectName("sandboxBadge")
        self.sandbox_badge.setToolTip(
            "Connected to the built-in Snap API emulator with demo data; nothing reaches Snap"
        )
        self.sandbox_badge.setVisible(self._session.is_sandbox)
        bar.addPermanentWidget(self.sandbox_badge)
        self._message_timer = QTimer(self)
        self._message_timer.setSingleShot(True)
        self._message_timer.timeout.connect(self._clear_message)
        if self.api is None and self._model.has_content():
            self._show_message(
                "No Snap login configured: showing the cached data; syncing is off", error=False
            )

    # -- settings ------------------------------------------------------------------------------

    def _settings(self) -> QSettings | None:
        path = self._session.settings_path
        if path is None:
            return None
        return QSettings(str(path), QSettings.Format.IniFormat)

    def _restore_settings(self) -> None:
        settings = self._settings()
        if settings is None:
            return
        geometry = settings.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        state = settings.value("window/splitter")
        if isinstance(state, QByteArray):
            self.splitter.restoreState(state)
        header = settings.value("tree/header")
        if isinstance(header, QByteArray):
            self.tree.header().restoreState(header)

    def _save_settings(self) -> None:
        settings = self._settings()
        if settings is None:
            return
        settings.setValue("window/geometry", self.saveGeometry())
        if self.details_pane.isVisible():  # a hidden pane would be restored collapsed
            settings.setValue("window/splitter", self.splitter.saveState())
        settings.setValue("tree/header", self.tree.header().saveState())
        settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self._save_settings()
        self.status_timer.stop()
        super().closeEvent(event)
        emit(self.closed)

    # -- state -----------------------------------------------------------------------------------

    def _errors_from_store(self) -> dict[str, str]:
        errors: dict[str, str] = {}
        for account in self._session.store.ad_accounts():
            meta = self._session.store.sync_meta(account.id)
            if meta is not None and meta.last_status == "failed" and meta.last_error:
                errors[account.id] = meta.last_error
        return errors

    def _update_tree_page(self) -> None:
        has_content = self._model.has_content()
        if self._model.is_filtered:
            page = self.tree if self._model.rowCount() else self.no_match_page
            if page is self.no_match_page:
                self.no_match_page.set_text(
                    f"Nothing in the cache has a name containing “{self._model.filter_text}” "
                    "or an id starting with it."
                )
        elif has_content:
            page = self.tree
        elif self.sync_running:
            page = self.loading_page
        elif self.api is None:
            page = self.no_login_page
        elif self._sync_error:
            page = self.error_page
        else:
            page = self.empty_cache_page if self._last_sync else self.loading_page
        if page is self.loading_page and not self.sync_running:
            self.loading_page.set_title("Nothing synced yet")
            self.loading_page.set_text("Press Sync to fetch your organizations and ad accounts.")
            self.loading_page.hide_progress()
        elif page is self.loading_page:
            self.loading_page.set_title(LOADING_TITLE)
        self.tree_stack.setCurrentWidget(page)
        # With nothing cached there is nothing to select: give the state page the full width.
        self.details_pane.setVisible(has_content)
        self.filter_edit.setVisible(has_content or self._model.is_filtered)
        if self._model.is_filtered:
            shown = self._model.match_count
            more = "+" if self._model.truncated else ""
            self.match_label.setText(f"{shown}{more} match{'es' if shown != 1 else ''}")
            self.match_label.show()
        else:
            self.match_label.hide()

    def _selected_account(self) -> TreeNode | None:
        node = self.tree.current_node()
        return node if node is not None and node.account is not None else None

    def _update_actions(self) -> None:
        running = self.sync_running
        no_api = self.api is None
        node = self._selected_account()
        if node is not None and node.account is not None:
            self.sync_action.setText("Sync account")
            self.sync_action.setToolTip(
                f"Sync “{node.account.name or node.account.id}” from Snap (F5)"
            )
        else:
            self.sync_action.setText("Sync all")
            self.sync_action.setToolTip("Sync every organization and ad account from Snap (F5)")
        if no_api:
            self.sync_action.setToolTip("No Snap login configured (see the message in the tree)")
        self.sync_action.setEnabled(not running and not no_api)
        self.sync_all_action.setEnabled(not running and not no_api)
        self.cancel_action.setEnabled(running)
        # Without a login there is nothing to sync: hide the controls instead of showing dead ones.
        self.sync_button_action.setVisible(not no_api)
        self.cancel_action.setVisible(not no_api)
        self.offline_label_action.setVisible(no_api)

    def _describe_accounts(self, ids: list[str]) -> str:
        if len(ids) == 1:
            account = self.store.ad_account(ids[0])
            return f"“{account.name}”" if account and account.name else f"ad account {ids[0]}"
        return f"{len(ids)} ad accounts"

    def _show_message(
        self, text: str, *, error: bool = False, timeout_ms: int = 0, tooltip: str | None = None
    ) -> None:
        c = theme.colors()
        self.message_label.setText(text)
        self.message_label.setToolTip(tooltip or text)
        self.message_label.setStyleSheet(f"color: {c.danger};" if error else "")
        self.message_icon.setPixmap(theme.large_icon("error", 14) if error else QPixmap())
        self.message_icon.setVisible(error)
        if timeout_ms:
            self._message_timer.start(timeout_ms)
        else:
            self._message_timer.stop()

    def _clear_message(self) -> None:
        self.message_label.clear()
        self.message_icon.hide()

    def _show_current_details(self) -> None:
        node = self.tree.current_node()
        error = None
        if node is not None and node.kind == AD_ACCOUNT:
            error = self._account_errors.get(node.id)
        self.details.show_node(node, sync_error=error)

    # -- slots -------------------------------------------------------------------------------------

    def _on_sync_action_triggered(self) -> None:
        node = self._selected_account()
        self.start_sync([node.account.id] if node is not None and node.account else None)

    def _on_sync_all_action_triggered(self) -> None:
        self.start_sync(None)

    def _on_retry_clicked(self) -> None:
        self.start_sync(self._sync_ids)

    def _on_find_action_triggered(self) -> None:
        self.filter_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_edit.selectAll()

    def _on_escape_triggered(self) -> None:
        if self.filter_edit.hasFocus() and self.filter_edit.text():
            self.filter_edit.clear()
        elif self.filter_edit.hasFocus():
            self.tree.setFocus()

    def _on_filter_edit_text_changed(self, _text: str) -> None:
        self._filter_timer.start()

    def _apply_filter(self) -> None:
        self._filter_timer.stop()
        text = self.filter_edit.text().strip()
        if text == self._model.filter_text:
            return
        current = self.tree.current_node()
        selected = current.path() if current else None
        self._model.set_filter(text)
        if self._model.is_filtered:
            for index in self._model.filter_expansion():
                self.tree.expand(index)
        if selected:
            self.tree.restore_state(expanded=[], selected=selected)
        self._update_tree_page()
        self._show_current_details()

    def _on_tree_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self._show_current_details()
        self._update_actions()

    def _on_details_id_copied(self, text: str) -> None:
        self._show_message(f"Copied {text}", timeout_ms=3000)

    def _on_sync_op_progressed(self, progress: object) -> None:
        if not isinstance(progress, SyncProgress):
            return
        if progress.total:
            self.progress_bar.setRange(0, progress.total)
            self.progress_bar.setValue(min(progress.done, progress.total))
        else:
            self.progress_bar.setRange(0, 0)
        self.progress_label.setText(progress.message)
        if self.tree_stack.currentWidget() is self.loading_page:
            self.loading_page.set_progress(progress.done, progress.total)
            self.loading_page.set_text(progress.message)
        if progress.phase == ACCOUNT_DONE:
            # Show each account as soon as it is saved (coalesced: many finish together).
            self._reload_timer.start()

    def _on_sync_op_succeeded(self, result: object) -> None:
        if not isinstance(result, SyncResult):
            return
        for account_id in result.ad_account_ids:
            if account_id in result.errors:
                self._account_errors[account_id] = result.errors[account_id]
            else:
                self._account_errors.pop(account_id, None)
        if self._sync_ids is None:
            known = {a.id for a in self.store.ad_accounts()}
            self._account_errors = {k: v for k, v in self._account_errors.items() if k in known}
        self._model.set_account_errors(self._account_errors)
        self._last_sync = self.store.last_sync_at() or self._last_sync
        self.reload_tree()
        synced = len(result.ad_account_ids) - len(result.errors)
        entities = sum(v for k, v in result.counts.items() if k != "ad_accounts")
        summary = (
            f"Synced {synced} ad account{'s' if synced != 1 else ''} · {entities:,} entities "
            f"in {result.elapsed_s:.1f} s"
        )
        if result.errors:
            names = ", ".join(self._account_name(a) for a in result.errors)
            self._show_message(
                f"{summary} · {len(result.errors)} failed: {names} — select it to see why",
                error=True,
                tooltip="\n".join(
                    f"{self._account_name(a)}: {message}" for a, message in result.errors.items()
                ),
            )
        else:
            self._show_message(summary, timeout_ms=15000)
        emit(self.sync_finished, result)

    def _on_sync_op_failed(self, exc: object) -> None:
        message = error_message(exc) if isinstance(exc, BaseException) else str(exc)
        self._sync_error = message
        self.error_page.set_text(message)
        self._show_message(f"Sync failed: {message}", error=True)
        self.reload_tree()
        emit(self.sync_finished, None)

    def _on_sync_op_cancelled(self) -> None:
        self._show_message(
            "Sync cancelled; accounts not yet saved keep their previous cache", timeout_ms=15000
        )
        self.reload_tree()
        emit(self.sync_finished, None)

    def _on_sync_op_finished(self) -> None:
        self._sync_op = None
        self._reload_timer.stop()
        self.progress_bar.hide()
        self.progress_label.hide()
        self.loading_page.hide_progress()
        self._update_actions()
        self._update_tree_page()
        self._on_status_timer_timeout()

    def _account_name(self, account_id: str) -> str:
        account = self.store.ad_account(account_id)
        return account.name if account and account.name else account_id

    def _on_status_timer_timeout(self) -> None:
        if self.sync_running:
            self.sync_label.setText("Syncing…")
        else:
            self.sync_label.setText(humanize_ago(self._last_sync, now=datetime.now(UTC)))
        if self._last_sync is not None:
            self.sync_label.setToolTip(
                f"Last successful sync: {self._last_sync:%Y-%m-%d %H:%M:%S %Z}"
            )
        api = self.api
        if api is None:
            return
        stats = api.stats
        now = time.monotonic()
        if stats.rate_limited > self._seen_rate_limited:
            self._seen_rate_limited = stats.rate_limited
            self._rate_limited_until = now + RATE_LIMIT_HOLD_S
        exhausted = (
            stats.remaining == 0 and stats.reset_at is not None and stats.reset_at > time.time()
        )
        limited = now < self._rate_limited_until or exhausted
        rate = stats.recent_rate()
        c = theme.colors()
        if limited:
            self.rate_label.setText("Rate limited — waiting")
            self.rate_label.setStyleSheet(f"color: {c.warning}; font-weight: 600;")
        else:
            self.rate_label.setText(f"{rate:.1f} req/s · limit OK")
            self.rate_label.setStyleSheet(f"color: {c.muted};")
        quota = (
            f"\nSnap quota: {stats.remaining} of {stats.limit} left"
            if stats.limit is not None and stats.remaining is not None
            else ""
        )
        self.rate_label.setToolTip(
            f"{stats.requests:,} requests · {stats.retries:,} retries · "
            f"{stats.rate_limited:,} rate-limited (HTTP 429) · "
            f"{stats.waiting_seconds:.1f} s spent waiting{quota}"
        )
