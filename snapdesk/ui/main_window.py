"""The main window: account tree (with filter) on the left, details on the right, a toolbar
to sync and cancel and to manage logins, and a status bar with the login of the selected
account, the last sync time, the request rate and the rate-limit state (plus a SANDBOX badge on
the emulator).

The tree shows every login's organizations. Syncing everything syncs each signed-in login with
its own client; syncing one account uses the account's login. When Snap refuses a login's
refresh token, that login's work stops, the cache keeps every row, and a banner asks the user to
sign in again."""

from __future__ import annotations

import asyncio
import html
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar, TypeGuard, TypeVar

import shiboken6
from PySide6.QtCore import QByteArray, QModelIndex, QSettings, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QIcon, QKeySequence, QPixmap, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from snapdesk.api import SnapApi, SnapError
from snapdesk.auth import OAuthAppNotConfigured
from snapdesk.core.kinds import AD, AD_ACCOUNT, AD_SQUAD, CAMPAIGN
from snapdesk.store import Store
from snapdesk.store.feed import OpChanges
from snapdesk.sync import ACCOUNT_DONE, SyncProgress, SyncResult
from snapdesk.ui import shortcuts, theme
from snapdesk.ui._geometry import REFIT_DELAY_MS, fit_on_screen
from snapdesk.ui._signals import emit
from snapdesk.ui._wheel import install_wheel_guard
from snapdesk.ui.dialogs._widgets import Banner
from snapdesk.ui.dialogs.logins import LoginsDialog
from snapdesk.ui.dialogs.oauth_app import OAuthAppDialog
from snapdesk.ui.dialogs.sign_in import SignInDialog
from snapdesk.ui.editing import EditingController, LiveSwitch
from snapdesk.ui.experiment_runner import install_experiment_runner
from snapdesk.ui.formatting import humanize_ago
from snapdesk.ui.help_menu import HelpActions
from snapdesk.ui.models.account_tree import AccountTreeModel
from snapdesk.ui.models.changes import change_marks, pending_entities, pending_values
from snapdesk.ui.models.tree_nodes import TreeNode
from snapdesk.ui.ops._op import AsyncOp, error_message
from snapdesk.ui.ops.sign_in import SignInResult, sign_in_to_sandbox
from snapdesk.ui.ops.sync import SyncOutcome, plan_sync, sync_accounts
from snapdesk.ui.performance import PerformanceController
from snapdesk.ui.session import Session
from snapdesk.ui.tools_menu import fill_tools_menu
from snapdesk.ui.views.account_tree import AccountTreeView
from snapdesk.ui.views.details import DetailsPanel
from snapdesk.ui.views.grid import GridView, focus_is_inside, target_for_nodes
from snapdesk.ui.views.states import StatePage

WINDOW_TITLE = "snapdesk"
_W = TypeVar("_W", bound=QWidget)
FILTER_PLACEHOLDER = "Find by name or id…"
LOADING_TITLE = "Syncing your ad accounts…"
RATE_LIMIT_HOLD_S = 5.0
GRID_MIN_WIDTH = 900  # the right-hand pane widens to this when the grid comes to the front

_CODE = "<span style=\"font-family: 'DejaVu Sans Mono', monospace; white-space: nowrap;\">{}</span>"
NO_LOGIN_TEXT = (
    "snapdesk is not connected to a Snap Ads account yet. Sign in with your Snap Business "
    "account to sync your organizations and ad accounts.<br><br>"
    f"To explore with demo data, start {_CODE.format('snapdesk --sandbox')}.<br><br>"
    f"For headless use, set {_CODE.format('SNAPDESK_ACCESS_TOKEN')} to a Marketing API "
    f"access token and start {_CODE.format('snapdesk')} again."
)
SIGN_IN_TEXT = "Sign in to Snap…"
SANDBOX_SIGN_IN_TITLE = "Signing in to the sandbox…"


LOGIN_BUTTON_TEXT_WIDTH = 220  # px: a long e-mail is elided in the middle
PENDING_DOCK_HEIGHT = 190  # px: the Pending dock's height at the first start


class MainWindow(QMainWindow):
    """Signals: `sync_finished(object)` with the SyncResult, or None when the sync failed or
    was cancelled; `closed()` when the user closed the window."""

    sync_finished = Signal(object)
    closed = Signal()

    #: Values of `switch_request`: what the app opens after this window closes.
    SWITCH_TO_SAMPLE: ClassVar[str] = "sample"
    SWITCH_TO_ACCOUNT: ClassVar[str] = "account"

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        install_wheel_guard()  # the wheel never edits an unfocused input (app-wide)
        self._session = session
        self._sync_op: AsyncOp | None = None
        self._sync_ids: list[str] | None = None
        self._sync_error: str | None = None
        self._last_sync: datetime | None = session.store.last_sync_at()
        self._account_errors = self._errors_from_store()
        self._seen_rate_limited = self._rate_limited_total()
        self._rate_limited_until = 0.0
        self._signing_in = False
        self._sandbox_op: AsyncOp | None = None
        #: Set by File → Open sample data / Use my Snap account: the app opens that next.
        self.switch_request: str | None = None
        self._close_confirmed = False
        self._refitted = False
        self.close_prompt: QMessageBox | None = None  # the "pending changes are kept" question
        self.sign_in_dialog: SignInDialog | None = None
        self.logins_dialog: LoginsDialog | None = None
        self.oauth_dialog: OAuthAppDialog | None = None
        self.preferences_dialog: QWidget | None = None
        #: How sign-in dialogs open Snap's page (None: the system browser; tests use HTTP).
        self.open_url: Callable[[str], object] | None = None
        self._model = AccountTreeModel(session.store, profile=None, parent=self)
        self._model.set_account_errors(self._account_errors)
        self._model.set_login_labels(self._login_labels())
        self._setup_ui()
        self._apply_pending_to_tree()
        self._model.reload()
        self._restore_settings()
        self._update_tree_page()
        self._update_actions()
        self._update_reauth_banners()
        self._update_login_label()
        self._on_status_timer_timeout()
        self._reflect_live(self.state.live)
        self.performance.start()
        self.experiment_runner = install_experiment_runner(self)

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

    @property
    def signing_in(self) -> bool:
        return self._signing_in

    def start_initial_sync(self) -> bool:
        """Sync everything once at start-up when that is what a user expects: always on the
        sandbox (after signing in to it), and on a real account when nothing is cached yet.
        Returns whether it started."""
        if self._session.is_sandbox and not self._session.apis:
            return self.sign_in_to_sandbox()
        if self.api is None or self.sync_running:
            return False
        if self._session.is_sandbox or not self._model.has_content():
            self.start_sync(None)
            return True
        return False

    def sign_in_to_sandbox(self) -> bool:
        """`snapdesk --sandbox`: sign in through the sandbox's real OAuth flow, then sync."""
        if self._signing_in or not self._session.is_sandbox:
            return False
        self._signing_in = True
        op = AsyncOp(loop=self.loop, name="sandbox-sign-in", parent=self)
        op.succeeded.connect(self._on_sandbox_op_succeeded)
        op.failed.connect(self._on_sandbox_op_failed)
        op.cancelled.connect(self._on_sandbox_op_cancelled)
        self._sandbox_op = op
        self._show_message("Signing in to the sandbox…")
        self._update_tree_page()
        op.start(sign_in_to_sandbox(self._session))
        return True

    def start_sync(
        self, ad_account_ids: list[str] | None, *, profiles: list[str] | None = None
    ) -> None:
        """Sync these ad accounts (None: discover, then all, for every signed-in login or just
        `profiles`) unless a sync is running."""
        if self.api is None or self.sync_running:
            return
        if not plan_sync(self._session, ad_account_ids, profiles=profiles):
            return
        self._sync_ids = ad_account_ids
        op = sync_accounts(window=self, ad_account_ids=ad_account_ids, profiles=profiles)
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

    def open_sign_in(self, profile: str | None = None) -> None:
        """Open the sign-in dialog (for a new login, or to sign `profile` in again); the OAuth
        app settings come first when the app isn't set up yet."""
        if _alive(self.sign_in_dialog) and self.sign_in_dialog.isVisible():
            self.sign_in_dialog.raise_()
            self.sign_in_dialog.activateWindow()
            return
        if self._session.is_sandbox and self._session.oauth_app is None:
            self.sign_in_to_sandbox()  # the sandbox's own app, approved automatically
            return
        try:
            app = self._session.resolve_app()
        except OAuthAppNotConfigured:
            self.open_oauth_settings(then_sign_in=profile or "")
            return
        except SnapError as exc:
            self._show_message(exc.message, error=True)
            return
        dialog = SignInDialog(
            session=self._session, app=app, profile=profile, open_url=self.open_url, parent=self
        )
        dialog.signed_in.connect(self._on_sign_in_dialog_signed_in)
        dialog.finished.connect(dialog.deleteLater)
        self.sign_in_dialog = dialog
        dialog.open()

    def open_oauth_settings(self, *, then_sign_in: str | None = None) -> None:
        """Open the OAuth app settings; with `then_sign_in` ("" for a new login) the sign-in
        dialog follows once they are saved."""
        dialog = OAuthAppDialog(session=self._session, parent=self)
        dialog.saved.connect(self._on_oauth_dialog_saved)
        if then_sign_in is not None:
            profile = then_sign_in or None
            dialog.saved.connect(lambda _settings: self.open_sign_in(profile))
        dialog.finished.connect(dialog.deleteLater)
        self.oauth_dialog = dialog
        dialog.open()

    def open_preferences(self) -> QWidget:
        """Open the Preferences (General, Appearance, Safety, Currency)."""
        from snapdesk.ui.dialogs.preferences import open_preferences

        return open_preferences(self)

    def open_logins(self) -> None:
        """Open the dialog that lists and manages logins."""
        if _alive(self.logins_dialog) and self.logins_dialog.isVisible():
            self.logins_dialog.raise_()
            return
        dialog = LoginsDialog(session=self._session, parent=self)
        dialog.add_requested.connect(self._on_logins_dialog_add_requested)
        dialog.sign_in_requested.connect(self._on_logins_dialog_sign_in_requested)
        dialog.logins_changed.connect(self._on_logins_changed)
        dialog.finished.connect(dialog.deleteLater)
        self.logins_dialog = dialog
        dialog.open()

    def cancel_sync(self) -> None:
        if self._sync_op is not None:
            self.progress_label.setText("Cancelling…")
            self._sync_op.cancel()

    def reload_tree(self) -> None:
        """Rebuild the tree from the cache, keeping what was expanded and selected."""
        expanded = self.tree.expanded_paths()
        current = self.tree.current_node()
        selected = current.path() if current else None
        self._apply_pending_to_tree()
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
        self.setMinimumSize(760, 480)
        fit_on_screen(self, preferred=QSize(1280, 800))  # a saved geometry replaces this
        self.editing = EditingController(self)
        self.editing.message_posted.connect(self._on_editing_message_posted)
        self.editing.edit_requested.connect(self.show_editor)
        self.state = self.editing.state  # the session's AppState: live mode and the change feed
        self.state.live_changed.connect(self._on_state_live_changed)
        self.state.operation_did_execute.connect(self._on_state_operation_did_execute)
        self.performance = PerformanceController(self)
        self.performance.message_posted.connect(self._on_performance_message_posted)
        self._setup_actions()
        self._setup_toolbar()
        self._setup_menus()

        central = QWidget()
        central.setObjectName("centralArea")
        top = QVBoxLayout(central)
        top.setContentsMargins(0, 0, 0, 0)
        top.setSpacing(0)
        top.addWidget(self.editing.live_banner)
        body = QWidget()
        outer = QVBoxLayout(body)
        outer.setContentsMargins(10, 10, 10, 0)
        outer.addWidget(self.performance.notice_area)
        top.addWidget(body, 1)
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
        self.filter_edit.setAccessibleName("Find in the account tree")
        self.filter_edit.setClearButtonEnabled(True)
        theme.follow_icon(
            self.filter_edit.addAction(QIcon(), QLineEdit.ActionPosition.LeadingPosition), "search"
        )
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
        self.reauth_box = QWidget()
        self.reauth_layout = QVBoxLayout(self.reauth_box)
        self.reauth_layout.setContentsMargins(0, 0, 0, 0)
        self.reauth_layout.setSpacing(6)
        self.reauth_banners: dict[str, Banner] = {}
        left_layout.addWidget(self.reauth_box)

        self.tree_stack = QStackedWidget()
        self.tree = AccountTreeView()
        self.tree.setAccessibleName("Organizations and ad accounts")
        self.tree.setModel(self._model)
        self.tree.selectionModel().currentChanged.connect(self._on_tree_current_changed)
        self.tree.selectionModel().selectionChanged.connect(self._on_tree_selection_changed)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self.editing.tree_context_menu)
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
        self.sign_in_button = self.no_login_page.add_button(
            SIGN_IN_TEXT, self._on_sign_in_button_clicked, primary=True
        )
        # The sample data stays one click away (it was reachable only with --sandbox).
        self.no_login_sample_button = self.no_login_page.add_button(
            "Explore with sample data", self.switch_session
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
        self.right_tabs = QTabWidget()
        self.right_tabs.setObjectName("rightTabs")
        self.right_tabs.setDocumentMode(True)
        # The grid of the tree's selection (campaigns / ad squads / ads with performance) first.
        self.grid = GridView(
            store=self._session.store,
            state=self.state,
            services=self.performance.services.for_account,
            paths=self._session.paths,
            loop=self._session.loop,
            edits=self.editing.edits,  # the window's one edit service (undo, the change feed)
        )
        # Snap's estimates in the grid come from the editor's estimate cache (one owner)
        self.grid.set_targeting(self.editing.targeting)
        self.grid.message_posted.connect(self._on_grid_message_posted)
        self.import_dialog: QDialog | None = None  # the last Import… window
        self.grid.export_requested.connect(lambda: self.export_grid())
        self.grid.import_requested.connect(lambda: self.import_spreadsheet())
        # Check changes findings: the Pending panel owns them, the grid marks their cells; a
        # finding's Go to (Pending panel, Check changes and post results) selects its cell.
        self.editing.panel.issues_updated.connect(self.grid.model.set_issues)
        self.grid.model.set_issues(self.editing.panel.all_issues())
        self.editing.panel.go_to_requested.connect(self.go_to_cell)
        self.editing.flow.go_to_requested.connect(self.go_to_cell)
        self.right_tabs.addTab(self.grid, "Grid")
        self.right_tabs.addTab(self.details, "Details")
        self.right_tabs.addTab(self.editing.editor_pane, "Edit")
        self.right_tabs.addTab(self.performance.chart_view, "Performance")
        right_layout.addWidget(self.right_tabs)
        self.right_tabs.currentChanged.connect(self._on_right_tabs_current_changed)
        self.splitter.addWidget(right)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.editing.dock)
        self.resizeDocks([self.editing.dock], [PENDING_DOCK_HEIGHT], Qt.Orientation.Vertical)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([560, 720])  # the grid widens when brought to the front

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
        shortcuts.install(self)

    def _setup_actions(self) -> None:
        # Keys come from the registry (`snapdesk.ui.shortcuts`), bound at the end of _setup_ui.
        self.sync_action = QAction("Sync all", self)
        theme.follow_icon(self.sync_action, "sync")
        self.sync_action.triggered.connect(self._on_sync_action_triggered)
        self.sync_all_action = QAction("Sync all ad accounts", self)
        self.sync_all_action.triggered.connect(self._on_sync_all_action_triggered)
        self.cancel_action = QAction("Cancel", self)
        theme.follow_icon(self.cancel_action, "cancel")
        self.cancel_action.setToolTip(
            "Stop the running sync; accounts not yet saved keep their cache"
        )
        self.cancel_action.triggered.connect(self.cancel_sync)
        self.add_login_action = QAction("Add login…", self)
        theme.follow_icon(self.add_login_action, "login")
        self.add_login_action.triggered.connect(self._on_add_login_action_triggered)
        self.manage_logins_action = QAction("Manage logins…", self)
        self.manage_logins_action.triggered.connect(self.open_logins)
        self.oauth_settings_action = QAction("Snap OAuth app…", self)
        theme.follow_icon(self.oauth_settings_action, "key")
        self.oauth_settings_action.setToolTip("Client ID, secret and redirect URI of your Snap app")
        self.oauth_settings_action.triggered.connect(self._on_oauth_settings_action_triggered)
        self.find_action = QAction("Find", self)
        self.find_action.triggered.connect(self._on_find_action_triggered)
        self.addAction(self.find_action)
        self.addAction(self.sync_all_action)
        self.escape_action = QAction("Clear filter", self)  # Esc in the filter box
        self.escape_action.triggered.connect(self._on_escape_triggered)
        self.details_tab_action = QAction("Details", self)
        self.details_tab_action.triggered.connect(self._on_details_tab_action_triggered)
        self.editor_tab_action = QAction("Editor", self)
        self.editor_tab_action.triggered.connect(self.show_editor)
        self.help_actions = HelpActions(self)

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
        toolbar.addSeparator()
        self.new_button = QToolButton()
        self.new_button.setText("New")
        self.new_button.setToolTip("Create a campaign, ad squad, ad, creative or upload media")
        self.new_button.setMenu(self.editing.new_menu)
        self.new_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.new_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        toolbar.addWidget(self.new_button)
        self.selected_button = QToolButton()
        self.selected_button.setText("Selected")
        self.selected_button.setToolTip("Bulk actions on the items selected in the tree")
        self.selected_button.setMenu(self.editing.bulk_menu)
        self.selected_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.selected_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        toolbar.addWidget(self.selected_button)
        self.undo_button = QToolButton()
        self.undo_button.setDefaultAction(self.editing.undo_action)
        self.undo_button.setMaximumWidth(220)
        toolbar.addWidget(self.undo_button)
        self.redo_button = QToolButton()
        self.redo_button.setDefaultAction(self.editing.redo_action)
        self.redo_button.setMaximumWidth(220)
        toolbar.addWidget(self.redo_button)
        self.post_button = QToolButton()
        self.post_button.setObjectName("postAction")
        self.post_button.setDefaultAction(self.editing.post_action)
        self.post_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.post_button.setCursor(Qt.CursorShape.PointingHandCursor)
        toolbar.addWidget(self.post_button)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        toolbar.addWidget(spacer)
        self.logins_button = QToolButton()
        self.logins_button.setObjectName("loginsButton")
        theme.follow_icon(self.logins_button, "login")
        self.logins_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.logins_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.logins_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.logins_menu = QMenu("Logins", self.logins_button)
        self.logins_menu.aboutToShow.connect(self._rebuild_logins_menu)
        self.logins_button.setMenu(self.logins_menu)
        # The login button lives in the menu bar's right corner, out of the toolbar: its
        # e-mail no longer takes the room the live switch needs (at 1280 px a long e-mail and
        # "Undo Edit ad squad" pushed the switch into the toolbar's overflow menu).
        self.logins_button.setAutoRaise(True)
        self.menuBar().setCornerWidget(self.logins_button, Qt.Corner.TopRightCorner)
        # The live switch has a toolbar of its own at the right end: nothing appearing or
        # growing in the main toolbar moves it under the pointer, and a narrow window (200 %
        # scaling: 960 px) folds the main toolbar's items into its overflow menu, never the
        # switch (it vanished there when it was the main toolbar's last item).
        self.live_switch = LiveSwitch(self.editing.live_action, self.state)
        self.mode_toolbar = QToolBar("Live mode")
        self.mode_toolbar.setObjectName("modeToolbar")
        self.mode_toolbar.setMovable(False)
        self.mode_toolbar.setFloatable(False)
        self.mode_toolbar.toggleViewAction().setEnabled(False)  # never hidden from a menu
        # Laid out from the right: the last toolbar of the line stretches to the window's edge
        # and the switch sits at that edge; being the toolbar's first item, it is also what a
        # squeezed toolbar keeps (a spacer before it would be kept instead).
        self.mode_toolbar.setLayoutDirection(Qt.LayoutDirection.RightToLeft)
        self.live_switch.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
        self.mode_toolbar.addWidget(self.live_switch)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.mode_toolbar)
        self._rebuild_logins_menu()

    def _setup_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        sandbox = self._session.is_sandbox
        self.sample_data_action = QAction(
            "Use my Snap account" if sandbox else "Open sample data…", self
        )
        self.sample_data_action.setToolTip(
            "Leave the sample data and open your own Snap logins and their cache"
            if sandbox
            else "Open the built-in sandbox with demo accounts; your account is one click away"
        )
        self.sample_data_action.triggered.connect(self.switch_session)
        file_menu.addAction(self.sample_data_action)
        file_menu.addSeparator()
        self.close_window_action = QAction("Close window", self)
        self.close_window_action.triggered.connect(self._on_close_window_triggered)
        file_menu.addAction(self.close_window_action)
        self.quit_action = QAction("Quit", self)
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)  # macOS app menu
        self.quit_action.triggered.connect(self.request_close)
        file_menu.addAction(self.quit_action)
        self.file_menu = file_menu
        edit_menu = bar.addMenu("&Edit")
        self.editing.fill_edit_menu(edit_menu)
        self.preferences_action = QAction("Preferences…", self)
        self.preferences_action.setMenuRole(QAction.MenuRole.PreferencesRole)  # macOS app menu
        self.preferences_action.setShortcut(QKeySequence("Ctrl+,"))
        self.preferences_action.triggered.connect(self.open_preferences)
        edit_menu.addSeparator()
        edit_menu.addAction(self.preferences_action)
        self.addAction(self.preferences_action)
        view_menu = bar.addMenu("&View")
        self.editing.fill_view_menu(view_menu)
        stats_menu = bar.addMenu("&Stats")
        self.performance.fill_menu(stats_menu)
        tools_menu = bar.addMenu("&Tools")
        fill_tools_menu(tools_menu, self)
        view_menu.addSeparator()
        view_menu.addAction(self.details_tab_action)
        view_menu.addAction(self.editor_tab_action)
        self.help_menu = bar.addMenu("&Help")
        self.help_actions.fill_menu(self.help_menu)
        self.edit_menu = edit_menu
        self.view_menu = view_menu
        self.stats_menu = stats_menu
        self.tools_menu = tools_menu

    def show_editor(self) -> None:
        """Bring the editor to the front of the right-hand pane."""
        self.right_tabs.setCurrentWidget(self.editing.editor_pane)

    def _apply_pending_to_tree(self) -> None:
        pending = self.editing.edits.pending()
        self._model.set_pending(
            change_marks(pending), pending_entities(pending), pending_values(pending)
        )

    def _setup_status_bar(self) -> None:
        bar = self.statusBar()
        bar.setSizeGripEnabled(False)
        self.message_icon = QLabel()
        self.message_label = QLabel()
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        bar.addWidget(self.message_icon)
        bar.addWidget(self.message_label, 1)
        self.login_label = QLabel()
        self.login_label.setObjectName("muted")
        bar.addPermanentWidget(self.login_label)
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

    def settings(self) -> QSettings | None:
        """The window.ini where this window and its tool windows keep their geometry."""
        return self._settings()

    def _settings(self) -> QSettings | None:
        path = self._session.settings_path
        if path is None:
            return None
        return QSettings(str(path), QSettings.Format.IniFormat)

    def _restore_settings(self) -> None:
        settings = self._settings()
        saved_state = settings is not None and isinstance(
            settings.value("window/state"), QByteArray
        )
        if not saved_state:
            # first start: the Pending dock opens compact (its empty state would ask for half
            # the window); after that it comes back at the height the user gave it
            QTimer.singleShot(0, self._size_dock_initially)
        if settings is None:
            return
        geometry = settings.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
            fit_on_screen(self)  # a smaller screen than last time: all of it stays on screen
        window_state = settings.value("window/state")
        if isinstance(window_state, QByteArray):
            self.restoreState(window_state)
        state = settings.value("window/splitter")
        if isinstance(state, QByteArray):
            self.splitter.restoreState(state)
        header = settings.value("tree/header")
        if isinstance(header, QByteArray):
            self.tree.header().restoreState(header)

    def _size_dock_initially(self) -> None:
        if shiboken6.isValid(self):
            self.resizeDocks([self.editing.dock], [PENDING_DOCK_HEIGHT], Qt.Orientation.Vertical)

    def _save_settings(self) -> None:
        settings = self._settings()
        if settings is None:
            return
        settings.setValue("window/geometry", self.saveGeometry())
        settings.setValue("window/state", self.saveState())
        if self.details_pane.isVisible():  # a hidden pane would be restored collapsed
            settings.setValue("window/splitter", self.splitter.saveState())
        settings.setValue("tree/header", self.tree.header().saveState())
        settings.sync()

    # -- closing and switching ------------------------------------------------------------------

    def switch_session(self) -> bool:
        """File → Open sample data… / Use my Snap account: close this window (saying what
        happens to pending changes) and have the app open the other one. False if the user
        stayed."""
        self.switch_request = (
            self.SWITCH_TO_ACCOUNT if self._session.is_sandbox else self.SWITCH_TO_SAMPLE
        )
        if not self.request_close():
            self.switch_request = None
            return False
        return True

    def _on_close_window_triggered(self) -> None:
        """Close window: the active tool window if one has the focus, else this window."""
        from PySide6.QtWidgets import QApplication

        active = QApplication.activeWindow()
        if active is not None and active is not self and active.isWindow():
            active.close()
            return
        self.request_close()

    def request_close(self) -> bool:
        """Close as the user asked (Quit, Close window, the title bar's button). With pending
        changes it says they are kept; False when the user chose to stay."""
        if not self._confirm_close():
            return False
        self._close_confirmed = True
        closed = self.close()
        if not closed:
            self._close_confirmed = False
        return closed

    def _confirm_close(self) -> bool:
        count = len(self.editing.edits.pending())
        if count == 0:
            return True
        where = "the sample data" if self._session.is_sandbox else "this computer"
        changes = f"{count} pending change{'s' if count != 1 else ''}"
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Information)
        box.setWindowTitle("Close snapdesk")
        box.setText(f"{changes} {'are' if count != 1 else 'is'} not posted yet.")
        box.setInformativeText(
            f"{'They are' if count != 1 else 'It is'} kept with {where} and will be in the "
            "Pending Changes panel when you open it again. Nothing is sent to Snap."
        )
        leave = box.addButton(
            "Switch" if self.switch_request else "Close", QMessageBox.ButtonRole.AcceptRole
        )
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(leave)
        self.close_prompt = box
        try:
            box.exec()
        finally:
            self.close_prompt = None
        return box.clickedButton() is leave

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._refitted:
            self._refitted = True
            # once the window manager has framed the window: the whole frame on screen
            QTimer.singleShot(REFIT_DELAY_MS, self._refit)

    def _refit(self) -> None:
        if shiboken6.isValid(self) and self.isVisible():
            fit_on_screen(self)

    def closeEvent(self, event: QCloseEvent) -> None:
        # The title bar's close button (a spontaneous event) asks like Quit does; a close from
        # code (tests, the app's own shutdown) never blocks on a question.
        if event.spontaneous() and not self._close_confirmed and not self._confirm_close():
            event.ignore()
            return
        self._save_settings()
        self.status_timer.stop()
        self.performance.stop()
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
        elif self.sync_running or self._signing_in:
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
        elif page is self.loading_page and self._signing_in and not self.sync_running:
            self.loading_page.set_title(SANDBOX_SIGN_IN_TITLE)
            self.loading_page.set_text("Signing in through the sandbox's OAuth flow.")
            self.loading_page.set_progress(None, None)
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
        if self._signing_in:
            self.offline_label.setText("Signing in…")
        elif self._session.sign_in_required and no_api:
            self.offline_label.setText("Offline · sign in again to sync")
        else:
            self.offline_label.setText("Offline · no Snap login configured")
        self._update_logins_button()

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

    def refresh_details(self) -> None:
        """Show the selection's details again (its state changed, e.g. after a stats refresh);
        the editor keeps what is being typed."""
        node = self.tree.current_node()
        error = None
        if node is not None and node.kind == AD_ACCOUNT:
            error = self._account_errors.get(node.id)
        delivery = (
            self._model.delivery(node)
            if node is not None and node.kind in (CAMPAIGN, AD_SQUAD, AD)
            else None
        )
        self.details.show_node(node, sync_error=error, delivery=delivery)

    def _show_current_details(self) -> None:
        node = self.tree.current_node()
        self.refresh_details()
        self.editing.show_node(node)
        self.performance.show_node(node)

    # -- slots -------------------------------------------------------------------------------------

    def _on_sync_action_triggered(self) -> None:
        node = self._selected_account()
        self.start_sync([node.account.id] if node is not None and node.account else None)

    def _on_sync_all_action_triggered(self) -> None:
        self.start_sync(None)

    def _on_retry_clicked(self) -> None:
        if self._session.is_sandbox and not self._session.apis:
            self.sign_in_to_sandbox()
            return
        self.start_sync(self._sync_ids)

    def _on_find_action_triggered(self) -> None:
        if self.grid.isVisible() and focus_is_inside(self.grid):
            self.grid.focus_search()  # Ctrl+F in the grid searches the grid
            return
        self.filter_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_edit.selectAll()

    def _on_details_tab_action_triggered(self) -> None:
        self.right_tabs.setCurrentWidget(self.details)

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
        self._update_login_label()

    def _on_tree_selection_changed(self, *_args: object) -> None:
        self.editing.on_tree_selection_changed()
        self._show_selection_in_grid()

    def _show_selection_in_grid(self) -> None:
        """The grid follows the tree: an organization → its accounts' rows, an account → its
        rows, a campaign → its ad squads, an ad squad → its ads (nothing: an empty state)."""
        model = self._model
        nodes = [model.node(i) for i in self.tree.selectionModel().selectedRows(0)]
        target = target_for_nodes(self.store, [n for n in nodes if n is not None])
        if target is None:
            self.grid.set_scope(None)
            return
        self.grid.set_scope(target.scope, level=target.level)
        if target.entity_id is not None:
            self.grid.select(target.entity_id)

    def _on_right_tabs_current_changed(self, _index: int) -> None:
        if self.right_tabs.currentWidget() is not self.grid:
            return
        sizes = self.splitter.sizes()
        if len(sizes) == 2 and sum(sizes) != 0 and sizes[1] < GRID_MIN_WIDTH:
            right = min(GRID_MIN_WIDTH, int(sum(sizes) * 0.72))
            self.splitter.setSizes([sum(sizes) - right, right])

    def go_to_cell(self, kind: str, entity_id: str, field: str) -> bool:
        """Select the cell of a Check changes finding (or a change) in the grid."""
        if self.grid.go_to(kind, entity_id, field or None):
            return True
        self._show_message(
            "That item is not in the cache any more — sync to see it again", error=True
        )
        return False

    def export_grid(self, path: Path | None = None) -> Path | None:
        """Export… in the grid: what it shows (its rows and columns) to a CSV or XLSX file
        (`path`, or one the user chooses)."""
        from snapdesk.ui.dialogs.grid_import import export_grid

        return export_grid(
            self,
            path=path,
            rows=self.grid.shown_rows(),
            columns=self.grid.visible_columns(),
            level=self.grid.model.level,
            date_range=self.grid.date_range.label(),
        )

    def import_spreadsheet(self, path: Path | None = None) -> QDialog:
        """Import… in the grid: an edited export queued as pending changes (one undo step)."""
        from snapdesk.ui.dialogs.grid_import import open_import_dialog

        dialog = open_import_dialog(
            self,
            store=self._session.store,
            edits=self.editing.edits,
            state=self.state,
            path=path,
        )
        self.import_dialog = dialog
        return dialog

    def _on_grid_message_posted(self, text: str, error: bool) -> None:
        self._show_message(text, error=error, timeout_ms=0 if error else 15000)

    def _on_editing_message_posted(self, text: str, error: bool) -> None:
        self._show_message(text, error=error, timeout_ms=0 if error else 15000)

    def _on_performance_message_posted(self, text: str, error: bool) -> None:
        self._show_message(text, error=error, timeout_ms=0 if error else 15000)

    def _on_state_operation_did_execute(self, changes: object) -> None:
        # Pending marks and cached values both show in the tree and the details.
        if not isinstance(changes, OpChanges) or not (changes.pending or changes.cache):
            return
        if self.sync_running:
            self._reload_timer.start()  # coalesced while a sync saves account after account
        else:
            self.reload_tree()

    def _on_state_live_changed(self, live: bool) -> None:
        self._reflect_live(live)

    def _reflect_live(self, live: bool) -> None:
        self.setWindowTitle(f"{WINDOW_TITLE} — LIVE" if live else WINDOW_TITLE)
        self.post_button.setObjectName("postActionLive" if live else "postAction")
        self.post_button.style().unpolish(self.post_button)
        self.post_button.style().polish(self.post_button)

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

    def _on_sync_op_succeeded(self, outcome: object) -> None:
        if not isinstance(outcome, SyncOutcome):
            return
        for profile, message in outcome.sign_in_required.items():
            self._session.mark_sign_in_required(profile, message)
        if outcome.sign_in_required:
            self._update_reauth_banners()
            self._update_actions()
        result = outcome.result
        if result is None:
            self._last_sync = self.store.last_sync_at() or self._last_sync
            self.reload_tree()
            first = next(iter(outcome.sign_in_required.values()), None)
            message = first or next(iter(outcome.failed.values()), "Sync failed")
            self._sync_error = message
            self.error_page.set_text(message)
            self._show_message(message, error=True)
            emit(self.sync_finished, None)
            return
        self._apply_sync_result(result, outcome)

    def _apply_sync_result(self, result: SyncResult, outcome: SyncOutcome) -> None:
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
        stopped = {**outcome.sign_in_required, **outcome.failed}
        if stopped:
            who = ", ".join(self._session.login_label(p) for p in stopped)
            why = "sign in again" if outcome.sign_in_required else "failed"
            self._show_message(
                f"{summary} · {who}: {why}",
                error=True,
                tooltip="\n".join(
                    f"{self._session.login_label(p)}: {m}" for p, m in stopped.items()
                ),
            )
        elif result.errors:
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
        apis = list(self._session.apis.values())
        self.rate_label.setVisible(bool(apis))
        api = self.api
        if api is None:
            return
        stats = api.stats
        now = time.monotonic()
        rate_limited = self._rate_limited_total()
        if rate_limited > self._seen_rate_limited:
            self._rate_limited_until = now + RATE_LIMIT_HOLD_S
        self._seen_rate_limited = rate_limited
        exhausted = any(
            a.stats.remaining == 0
            and a.stats.reset_at is not None
            and a.stats.reset_at > time.time()
            for a in apis
        )
        limited = now < self._rate_limited_until or exhausted
        rate = sum(a.stats.recent_rate() for a in apis)
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
            f"{sum(a.stats.requests for a in apis):,} requests · "
            f"{sum(a.stats.retries for a in apis):,} retries · "
            f"{rate_limited:,} rate-limited (HTTP 429) · "
            f"{sum(a.stats.waiting_seconds for a in apis):.1f} s spent waiting{quota}"
        )

    def _rate_limited_total(self) -> int:
        return sum(a.stats.rate_limited for a in self._session.apis.values())

    # -- logins ------------------------------------------------------------------------------------

    def _login_labels(self) -> dict[str, str]:
        session = self._session
        names = set(session.known_logins())
        names.update(o.profile for o in session.store.organizations())
        return {name: session.login_label(name) for name in names}

    def _refresh_logins(self) -> None:
        """Labels, menus, banners and the tree after a login was added, renamed or signed out."""
        self._model.set_login_labels(self._login_labels())
        self._rebuild_logins_menu()
        self._update_reauth_banners()
        self._update_actions()
        self._update_login_label()
        self.reload_tree()
        if _alive(self.logins_dialog) and self.logins_dialog.isVisible():
            self.logins_dialog.reload()

    def _update_logins_button(self) -> None:
        session = self._session
        if session.is_env:
            text = "SNAPDESK_ACCESS_TOKEN"
        elif session.known_logins():
            text = session.login_who(session.profile)
        else:
            text = "Logins"
        metrics = self.logins_button.fontMetrics()
        self.logins_button.setText(
            metrics.elidedText(text, Qt.TextElideMode.ElideMiddle, LOGIN_BUTTON_TEXT_WIDTH)
        )
        self.logins_button.setToolTip(
            f"Active login: {session.login_label(session.profile)} — switch, add or manage logins"
            if session.known_logins()
            else "Sign in to Snap, or manage logins"
        )

    def _rebuild_logins_menu(self) -> None:
        menu = self.logins_menu
        menu.clear()
        session = self._session
        names = session.known_logins()
        if names:
            header = menu.addAction("Active login")
            header.setEnabled(False)
        for name in names:
            label = session.login_label(name)
            if name in session.sign_in_required:
                label += " — sign in again"
            elif name not in session.apis:
                label += " — signed out"
            action = menu.addAction(label)
            action.setCheckable(True)
            action.setChecked(name == session.profile)
            action.triggered.connect(lambda _checked=False, n=name: self._on_login_chosen(n))
        if names:
            menu.addSeparator()
        self.add_login_action.setEnabled(not session.is_env)
        menu.addAction(self.add_login_action)
        menu.addAction(self.manage_logins_action)
        if not session.is_sandbox:
            menu.addSeparator()
            menu.addAction(self.oauth_settings_action)
        self._update_logins_button()

    def _update_login_label(self) -> None:
        node = self.tree.current_node()
        profile = node.login if node is not None else None
        session = self._session
        if profile is None:
            if not session.known_logins():
                self.login_label.hide()
                return
            profile = session.profile
        self.login_label.setText(f"Login: {session.login_label(profile)}")
        self.login_label.setToolTip(
            "The Snap login this account belongs to"
            if node is not None
            else "The active Snap login"
        )
        self.login_label.show()

    def _update_reauth_banners(self) -> None:
        wanted = dict(self._session.sign_in_required)
        for name in list(self.reauth_banners):
            if name not in wanted:
                stale = self.reauth_banners.pop(name)
                stale.hide()
                stale.deleteLater()
        for name, message in wanted.items():
            banner = self.reauth_banners.get(name)
            if banner is None:
                banner = Banner("warning")
                button = QPushButton("Sign in again")
                button.setObjectName("primaryButton")
                button.setCursor(Qt.CursorShape.PointingHandCursor)
                button.clicked.connect(lambda _checked=False, n=name: self.open_sign_in(n))
                banner.add_widget(button)
                banner.sign_in_button = button  # type: ignore[attr-defined]
                self.reauth_layout.addWidget(banner)
                self.reauth_banners[name] = banner
            who = html.escape(self._session.login_label(name))
            banner.set_text(
                f"<b>Your Snap sign-in for {who} has expired or was revoked.</b> Sign in again "
                "to sync it; its cached data stays as it is."
            )
            banner.setToolTip(message)
        self.reauth_box.setVisible(bool(wanted))

    # -- login slots -------------------------------------------------------------------------------

    def _on_login_chosen(self, name: str) -> None:
        session = self._session
        if name in session.profiles.names():
            session.profiles.switch(name)
        session.profile = name
        if name in session.sign_in_required or (
            name not in session.apis and name in session.profiles.names()
        ):
            self.open_sign_in(name)
        self._refresh_logins()

    def _on_add_login_action_triggered(self) -> None:
        self.open_sign_in(None)

    def _on_oauth_settings_action_triggered(self) -> None:
        self.open_oauth_settings()

    def _on_sign_in_button_clicked(self) -> None:
        self.open_sign_in(None)

    def _on_oauth_dialog_saved(self, _settings: object) -> None:
        dialog = self.oauth_dialog
        if _alive(dialog) and dialog.secret_kept_in_memory:
            self._show_message(dialog.status_label.text(), error=True)
        else:
            self._show_message("Saved the Snap OAuth app settings", timeout_ms=8000)

    def _on_logins_dialog_add_requested(self) -> None:
        self.open_sign_in(None)

    def _on_logins_dialog_sign_in_requested(self, name: str) -> None:
        self.open_sign_in(name)

    def _on_logins_changed(self) -> None:
        self._refresh_logins()

    def _on_sign_in_dialog_signed_in(self, result: object) -> None:
        if not isinstance(result, SignInResult):
            return
        self._account_errors = {
            k: v
            for k, v in self._account_errors.items()
            if self._session.profile_of_account(k) != result.profile
        }
        self._model.set_account_errors(self._account_errors)
        self._refresh_logins()
        self._show_message(f"Signed in as {result.who} (login {result.profile})", timeout_ms=15000)
        if self.sync_running:
            return
        self.start_sync(None, profiles=[result.profile])

    def _on_sandbox_op_succeeded(self, result: object) -> None:
        self._signing_in = False
        self._sandbox_op = None
        if isinstance(result, SignInResult):
            self._seen_rate_limited = self._rate_limited_total()
            self._refresh_logins()
            self._show_message(f"Signed in to the sandbox as {result.who}", timeout_ms=20000)
        self.start_sync(None)

    def _on_sandbox_op_failed(self, exc: object) -> None:
        self._signing_in = False
        self._sandbox_op = None
        message = error_message(exc) if isinstance(exc, BaseException) else str(exc)
        self._sync_error = f"Could not sign in to the sandbox: {message}"
        self.error_page.set_text(self._sync_error)
        self._show_message(self._sync_error, error=True)
        self._update_actions()
        self._update_tree_page()
        emit(self.sync_finished, None)

    def _on_sandbox_op_cancelled(self) -> None:
        self._signing_in = False
        self._sandbox_op = None
        self._update_actions()
        self._update_tree_page()


def _alive(widget: _W | None) -> TypeGuard[_W]:
    """True for a dialog that exists and has not been deleted (dialogs delete themselves)."""
    return widget is not None and shiboken6.isValid(widget)
