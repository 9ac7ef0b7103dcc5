"""`EditingController`: everything the main window does to edit safely, in one place.

It owns the edit service, the editor pane, the Pending Changes dock, the bulk actions, the
post flow and the live-mode switch, and gives the window the actions for its toolbar, menus
and the tree's context menu. Live mode is owned by `session.live_mode` (off at every start);
this controller only asks for it (a confirmation naming the ad accounts the pending changes
touch) and reflects it — the switch, the Live mode action, the red banner and every Post label
redraw from `app_state(session).live_changed`, and the pending set from `operation_did_execute`.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, QObject, QPoint, QRectF, Qt, Signal
from PySide6.QtGui import QAction, QColor, QIcon, QKeySequence, QPainter, QPixmap
from PySide6.QtWidgets import (
    QDockWidget,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QToolButton,
    QWidget,
)

from snapdesk.changes import ChangeGroup, PostProgress, PostReport, WriteGateway
from snapdesk.core.kinds import AD, AD_ACCOUNT, AD_SQUAD, CAMPAIGN, CREATIVE, MEDIA, SEGMENT
from snapdesk.core.settings import (
    LIVE_CONFIRM_EACH_POST,
    AppSettings,
    SettingsError,
    load_settings,
)
from snapdesk.store import Store
from snapdesk.store.feed import OpChanges
from snapdesk.ui import theme
from snapdesk.ui._signals import emit
from snapdesk.ui.app_state import AppState, app_state
from snapdesk.ui.dialogs.live_mode import LIVE_BANNER_TEXT, LiveModeDialog
from snapdesk.ui.dialogs.live_post import LivePostDialog
from snapdesk.ui.models.changes import change_marks
from snapdesk.ui.ops.targeting import TargetingServices, session_api_for
from snapdesk.ui.post_flow import PostFlow
from snapdesk.ui.prefs import load_preferences, preferences_paths
from snapdesk.ui.session import Session
from snapdesk.ui.views.audit_log import AuditLogDialog
from snapdesk.ui.views.bulk_actions import BulkActions
from snapdesk.ui.views.editor_pane import EditorPane
from snapdesk.ui.views.pending_changes import PendingChangesPanel

if TYPE_CHECKING:
    from snapdesk.ui.models.tree_nodes import TreeNode

_ENTITY_KINDS = (CAMPAIGN, AD_SQUAD, AD, CREATIVE, MEDIA, SEGMENT)


class EditingController(QObject):
    """Signals: `message_posted(str, bool)` for the status bar; `edit_requested()` when the
    user asked to edit or create (the window shows the editor). Live mode and pending-change
    notifications come from `AppState` (`self.state`), not from here."""

    message_posted = Signal(str, bool)
    edit_requested = Signal()

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        from snapdesk.changes import EditService

        self._window = window
        self.state: AppState = app_state(window.session)
        self._node: TreeNode | None = None
        self.live_dialog: LiveModeDialog | None = None
        self.live_post_dialog: LivePostDialog | None = None
        self.audit_dialog: AuditLogDialog | None = None
        self.edits = EditService(store=window.store)
        self.targeting = TargetingServices(
            store=window.store,
            loop=window.loop,
            api_for_account=session_api_for(window.session),
            parent=self,
        )
        window.closed.connect(self.targeting.shutdown)  # no catalogue loads past the window
        self.editor_pane = EditorPane(self.edits, targeting=self.targeting)
        self.editor_pane.applied.connect(self._on_changes_made)
        self.editor_pane.failed.connect(self._on_failed)
        self.panel = PendingChangesPanel(self.edits, state=self.state)
        self.panel.post_requested.connect(self.post)
        self.panel.changes_modified.connect(self._on_panel_changes_modified)
        self.panel.message_posted.connect(self._on_message)
        self.panel.settings_source = lambda: self.app_settings  # Check changes' spend guards
        self.dock = QDockWidget("Pending changes", window)
        self.dock.setObjectName("pendingChangesDock")
        self.dock.setWidget(self.panel)
        self.dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        self.bulk = BulkActions(self.edits, parent_widget=window)
        self.bulk.changes_made.connect(self._on_changes_made)
        self.bulk.message_posted.connect(self._on_message)
        self.flow = PostFlow(self, parent_widget=window)
        self.flow.started.connect(self._on_flow_started)
        self.flow.progressed.connect(self._on_flow_progressed)
        self.flow.finished.connect(self._on_flow_finished)
        self.flow.changes_updated.connect(self._on_flow_changes_updated)
        self.flow.message_posted.connect(self._on_message)
        self._setup_actions()
        self.live_banner = self._make_banner()
        self.state.live_changed.connect(self._on_live_mode_changed)
        self.state.operation_did_execute.connect(self._on_operation_did_execute)
        self._reflect_live()

    # -- PostHost --------------------------------------------------------------------------

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        loop: asyncio.AbstractEventLoop = self._window.loop
        return loop

    @property
    def store(self) -> Store:
        store: Store = self._window.store
        return store

    @property
    def session(self) -> Session:
        session: Session = self._window.session
        return session

    @property
    def app_settings(self) -> AppSettings:
        return load_settings(self.session.paths)

    # -- construction ----------------------------------------------------------------------

    def _setup_actions(self) -> None:
        window = self._window
        self.post_action = QAction("Post (dry-run)", self)
        self.post_action.setShortcut(QKeySequence("Ctrl+Return"))
        self.post_action.triggered.connect(lambda: self.post(None))
        self.live_action = QAction("Live mode", self)
        self.live_action.setCheckable(True)  # the check mark mirrors session.live_mode
        self.live_action.setToolTip(
            "Off: Post only rehearses (dry-run). On: Post sends real changes to Snap."
        )
        self.live_action.triggered.connect(self._on_live_action_triggered)
        self.undo_action = self.panel.undo_action
        self.redo_action = self.panel.redo_action
        self.new_campaign_action = QAction("New campaign", self)
        self.new_campaign_action.triggered.connect(lambda: self.start_new(CAMPAIGN))
        self.new_ad_squad_action = QAction("New ad squad", self)
        self.new_ad_squad_action.triggered.connect(lambda: self.start_new(AD_SQUAD))
        self.new_ad_action = QAction("New ad", self)
        self.new_ad_action.triggered.connect(lambda: self.start_new(AD))
        self.new_creative_action = QAction("New creative", self)
        self.new_creative_action.triggered.connect(lambda: self.start_new(CREATIVE))
        self.upload_media_action = QAction("Upload media / ad from media…", self)
        self.upload_media_action.triggered.connect(self.start_media)
        self.edit_action = QAction("Edit", self)
        self.edit_action.setShortcut(QKeySequence("Ctrl+E"))
        self.edit_action.triggered.connect(lambda: emit(self.edit_requested))
        self.audit_action = QAction("Audit log", self)
        self.audit_action.triggered.connect(self.open_audit_log)
        self.pending_action = self.dock.toggleViewAction()
        self.pending_action.setText("Pending changes")
        self.new_menu = QMenu("New", window)
        for action in (
            self.new_campaign_action,
            self.new_ad_squad_action,
            self.new_ad_action,
            self.new_creative_action,
        ):
            self.new_menu.addAction(action)
        self.new_menu.addSeparator()
        self.new_menu.addAction(self.upload_media_action)
        self.bulk_menu = QMenu("Selected items", window)
        self.bulk.fill_menu(self.bulk_menu)
        self.update_actions()

    def _make_banner(self) -> QFrame:
        banner = QFrame()
        banner.setObjectName("liveBanner")
        theme.follow(
            banner,
            lambda c: (
                f"QFrame#liveBanner {{ background: {c.danger}; border: none; }}"
                "QFrame#liveBanner QLabel { color: #ffffff; font-weight: 700; "
                "letter-spacing: 1px; }"
            ),
        )
        layout = QHBoxLayout(banner)
        layout.setContentsMargins(14, 7, 14, 7)
        self.banner_label = QLabel(LIVE_BANNER_TEXT)
        self.banner_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.banner_label, 1)
        banner.hide()
        return banner

    def fill_edit_menu(self, menu: QMenu) -> None:
        menu.addAction(self.undo_action)
        menu.addAction(self.redo_action)
        menu.addSeparator()
        menu.addAction(self.edit_action)
        menu.addMenu(self.new_menu)
        menu.addSeparator()
        self.bulk.fill_menu(menu)
        menu.addSeparator()
        menu.addAction(self.post_action)
        menu.addAction(self.live_action)

    def fill_view_menu(self, menu: QMenu) -> None:
        menu.addAction(self.pending_action)
        menu.addAction(self.audit_action)

    # -- public API ------------------------------------------------------------------------

    @property
    def live(self) -> bool:
        """The session's live mode (read from its owner, never stored here)."""
        return self.session.live_mode.live

    def set_live(self, live: bool, *, reason: str = "editing") -> None:
        """Switch the owner without asking (the confirmation is `request_live`); every view
        redraws from the owner's notification."""
        self.session.live_mode.set(live, reason=reason)

    def request_live(self) -> LiveModeDialog:
        """Ask to switch live mode on, naming the ad accounts pending changes touch. Nothing
        changes unless the user confirms; an open confirmation is raised, not doubled."""
        if self.live_dialog is not None and self.live_dialog.isVisible():
            self.live_dialog.raise_()
            self.live_dialog.activateWindow()
            return self.live_dialog
        accounts = WriteGateway(api=None, store=self.store, live=False).affected_accounts()
        dialog = LiveModeDialog(accounts, parent=self._window)
        dialog.accepted.connect(lambda: self.set_live(True, reason="confirmed"))
        self.live_dialog = dialog
        dialog.open()
        return dialog

    def post(self, change_ids: object = None) -> None:
        ids = list(change_ids) if isinstance(change_ids, list) else None
        if self.live and self.session.api is None:
            emit(self.message_posted, "Sign in to post live", True)
            return
        try:
            self.load_settings_or_fail()
        except SettingsError as exc:
            emit(self.message_posted, f"Can't post: {exc}", True)
            return
        if self.live and self._confirm_each_post():
            self.confirm_live_post(ids)
            return
        self.flow.post(ids)

    def confirm_live_post(self, change_ids: list[str] | None) -> LivePostDialog:
        """Ask before this live post (Preferences: confirm every live post); posts if accepted."""
        accounts = WriteGateway(api=None, store=self.store, live=False).affected_accounts(
            change_ids
        )
        dialog = LivePostDialog(accounts, parent=self._window)
        dialog.accepted.connect(lambda: self._on_live_post_dialog_accepted(change_ids))
        self.live_post_dialog = dialog
        dialog.open()
        return dialog

    def _confirm_each_post(self) -> bool:
        prefs = load_preferences(preferences_paths(self.session))
        return prefs.live_confirmation == LIVE_CONFIRM_EACH_POST

    def _on_live_post_dialog_accepted(self, change_ids: list[str] | None) -> None:
        if self.live:  # still on: it can't be switched off under the modal dialog, but be sure
            self.flow.post(change_ids)

    def load_settings_or_fail(self) -> AppSettings:
        return load_settings(self.session.paths)

    def show_node(self, node: TreeNode | None) -> None:
        """The tree's current item changed: load it into the editor."""
        self._node = node
        if node is None or node.is_group:
            self.editor_pane.show_entity(None, None)
        else:
            self.editor_pane.show_entity(node.kind, node.id)
        self.update_actions()

    def selected_items(self) -> list[tuple[str, str]]:
        tree = self._window.tree
        model = tree.model()
        items = []
        for index in tree.selectionModel().selectedRows(0):
            node = model.node(index)
            if node is not None and not node.is_group and node.kind in _ENTITY_KINDS:
                items.append((node.kind, node.id))
        if not items and self._node is not None and self._node.kind in _ENTITY_KINDS:
            items.append((self._node.kind, self._node.id))
        return items

    def on_tree_selection_changed(self) -> None:
        self.bulk.set_selection(self.selected_items())

    def tree_context_menu(self, pos: QPoint) -> QMenu:
        tree = self._window.tree
        menu = QMenu(tree)
        index: QModelIndex = tree.indexAt(pos)
        node = tree.model().node(index) if index.isValid() else None
        if node is not None and not node.is_group and node.kind in self.editor_pane.editors:
            menu.addAction(self.edit_action)
        menu.addMenu(self.new_menu)
        menu.addSeparator()
        self.bulk.fill_menu(menu)
        menu.popup(tree.viewport().mapToGlobal(pos))
        return menu

    def start_new(self, kind: str) -> bool:
        """Start a new entity under the selected item (its account, campaign or ad squad)."""
        context = self._context()
        account = context.get(AD_ACCOUNT)
        parent = {CAMPAIGN: account, CREATIVE: account, AD_SQUAD: context.get(CAMPAIGN)}.get(
            kind, context.get(AD_SQUAD)
        )
        if account is None or parent is None:
            need = {AD_SQUAD: "a campaign", AD: "an ad squad"}.get(kind, "an ad account")
            emit(self.message_posted, f"Select {need} first", True)
            return False
        self.editor_pane.start_new(kind, parent_id=parent, ad_account_id=account)
        emit(self.edit_requested)
        return True

    def start_media(self) -> bool:
        context = self._context()
        account = context.get(AD_ACCOUNT)
        if account is None:
            emit(self.message_posted, "Select an ad account first", True)
            return False
        self.editor_pane.start_media(ad_account_id=account, ad_squad_id=context.get(AD_SQUAD))
        emit(self.edit_requested)
        return True

    def open_audit_log(self) -> AuditLogDialog:
        if self.audit_dialog is None:
            self.audit_dialog = AuditLogDialog(
                self.store, parent=self._window, session=self.session
            )
        self.audit_dialog.reload()
        self.audit_dialog.show()
        self.audit_dialog.raise_()
        return self.audit_dialog

    def marks(self) -> dict[str, str]:
        return change_marks(self.edits.pending())

    def refresh(self) -> None:
        self.panel.refresh()
        self.editor_pane.reload()
        self.update_actions()

    def update_actions(self) -> None:
        context = self._context()
        busy = self.flow.running
        has_changes = bool(self.panel.changes)
        self.post_action.setEnabled(has_changes and not busy)
        live = self.live
        self.post_action.setText("Post live" if live else "Post (dry-run)")
        self.post_action.setToolTip(
            "Send the pending changes to Snap (live mode is on)"
            if live
            else "Rehearse the pending changes: shows the exact requests, sends nothing"
        )
        self.live_action.setEnabled(not busy)
        self.new_campaign_action.setEnabled(AD_ACCOUNT in context)
        self.new_creative_action.setEnabled(AD_ACCOUNT in context)
        self.upload_media_action.setEnabled(AD_ACCOUNT in context)
        self.new_ad_squad_action.setEnabled(CAMPAIGN in context)
        self.new_ad_action.setEnabled(AD_SQUAD in context)
        node = self._node
        self.edit_action.setEnabled(
            node is not None and not node.is_group and node.kind in self.editor_pane.editors
        )

    # -- internals -------------------------------------------------------------------------

    def _context(self) -> dict[str, str]:
        """Ids of the selected node and its ancestors, by kind."""
        out: dict[str, str] = {}
        node = self._node
        if node is not None and node.account is not None:
            out[AD_ACCOUNT] = node.account.id
        while node is not None:
            if node.kind in (AD_ACCOUNT, CAMPAIGN, AD_SQUAD) and node.kind not in out:
                out[node.kind] = node.id
            node = node.parent
        return out

    def _on_live_action_triggered(self, _checked: bool = False) -> None:
        # Qt flipped the check mark before telling us; the owner decides, the mark follows it.
        self._reflect_live()
        if self.live:
            self.set_live(False, reason="switched off")  # back to dry-run needs no confirmation
        else:
            self.request_live()

    def _reflect_live(self) -> None:
        live = self.live
        if self.live_action.isChecked() != live:
            self.live_action.setChecked(live)
        self.live_banner.setVisible(live)
        self.update_actions()

    def _on_live_mode_changed(self, live: bool) -> None:
        self._reflect_live()
        emit(
            self.message_posted,
            "Live mode is on: Post sends real changes to Snap"
            if live
            else "Dry-run: Post rehearses and sends nothing",
            False,
        )

    def _on_operation_did_execute(self, changes: object) -> None:
        if not isinstance(changes, OpChanges):
            return
        if changes.pending or changes.cache:  # (the panel refreshes itself from the same signal)
            self.editor_pane.reload()
        self.update_actions()

    def _on_changes_made(self, group: object) -> None:
        if isinstance(group, ChangeGroup):
            n = len(group.changes)
            warnings = [i for i in group.issues if not i.is_error and i.code != "skipped"]
            text = f"{group.label}: {n} pending change{'s' if n != 1 else ''} — not sent yet"
            if warnings:
                text += f" · {warnings[0].message}"
            emit(self.message_posted, text, False)
        self.state.poll()  # every view hears of it now, from the one notification

    def _on_panel_changes_modified(self, _group: object) -> None:
        self.state.poll()

    def _on_failed(self, message: str) -> None:
        emit(self.message_posted, message, True)

    def _on_message(self, text: str, error: bool) -> None:
        emit(self.message_posted, text, error)

    def _on_flow_started(self) -> None:
        self.panel.set_busy(True)
        self.update_actions()

    def _on_flow_progressed(self, progress: object) -> None:
        if isinstance(progress, PostProgress):
            emit(self.message_posted, progress.message, False)

    def _on_flow_finished(self, _report: object) -> None:
        self.panel.set_busy(False)
        self.state.poll()
        self.update_actions()

    def _on_flow_changes_updated(self) -> None:
        self.state.poll()

    def last_report(self) -> PostReport | None:
        return self.flow.last_report


def _switch_pixmap(on: bool) -> QPixmap:
    """A small toggle switch: grey track with the knob left (off), red with it right (on)."""
    c = theme.colors()
    scale = 2
    width, height = 30, 16
    pixmap = QPixmap(width * scale, height * scale)
    pixmap.fill(Qt.GlobalColor.transparent)
    pixmap.setDevicePixelRatio(scale)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor("#ffffff" if on else c.neutral))
    painter.drawRoundedRect(QRectF(0, 0, width, height), height / 2, height / 2)
    painter.setBrush(QColor(c.danger if on else "#ffffff"))
    knob = QRectF(width - height + 2 if on else 2, 2, height - 4, height - 4)
    painter.drawEllipse(knob)
    painter.end()
    return pixmap


class LiveSwitch(QToolButton):
    """The live-mode toggle in the toolbar: a switch icon and "Live mode off (dry-run)" /
    "LIVE — posting to Snap", red when on. It shows the session's live mode (`state.live`) and
    redraws on `state.live_changed` only — never from a click, never before a confirmation.
    Clicking triggers `action` (which asks first)."""

    def __init__(self, action: QAction, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("liveSwitch")
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self._action = action
        self._state = state
        self.clicked.connect(action.trigger)
        action.changed.connect(self._update)  # enabled / tooltip
        state.live_changed.connect(self._update)
        theme.on_change(self, lambda _c: self._update())  # and now

    @property
    def shows_live(self) -> bool:
        return self.text().startswith("LIVE")

    def _update(self, *_args: object) -> None:
        on = self._state.live
        c = theme.colors()
        self.setEnabled(self._action.isEnabled())
        self.setToolTip(self._action.toolTip())
        self.setIcon(QIcon(_switch_pixmap(on)))
        self.setText("LIVE — posting to Snap" if on else "Live mode off (dry-run)")
        if on:
            style = (
                f"QToolButton#liveSwitch {{ background: {c.danger}; color: #ffffff; "
                f"font-weight: 700; border: 1px solid {c.danger}; border-radius: 14px; "
                "padding: 4px 12px; }"
            )
        else:
            style = (
                f"QToolButton#liveSwitch {{ background: {c.base}; color: {c.text}; "
                f"border: 1px solid {c.border}; border-radius: 14px; padding: 4px 12px; }}"
            )
        self.setStyleSheet(style)
