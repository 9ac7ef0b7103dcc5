"""The Pending Changes panel: every unposted change grouped by ad account and entity, its
per-field diff, the exact request Snap will receive, and the commands that act on the set —
Post, Revert selected, Undo/Redo (persisted), Export.

Check changes on every row (issue 16): each refresh runs the checks over the pending set; rows
carry an error or warning marker (the messages as tooltip), the selected change lists its
findings, and "Go to" (double-click a finding or a row, or the Go to button) emits
`go_to_requested(kind, entity_id, field)` for the window to select that cell in the grid."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import (
    QEvent,
    QItemSelection,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QAction, QColor, QHelpEvent, QKeySequence, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QToolTip,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from snapdesk.changes import Change, ChangeError, ChangeGroup, EditService, export_changes
from snapdesk.changes.checks import check_changes
from snapdesk.changes.model import CheckIssue
from snapdesk.core.kinds import LABEL
from snapdesk.core.settings import AppSettings, SettingsError, SpendGuards, load_settings
from snapdesk.store.feed import OpChanges
from snapdesk.ui import theme
from snapdesk.ui._signals import emit
from snapdesk.ui.app_state import AppState
from snapdesk.ui.dialogs.post_results import PostResultsDialog, check_summary_text
from snapdesk.ui.models.changes import (
    ACCOUNT,
    ACTION_LABEL,
    CHANGE,
    ENTITY,
    STATE_LABEL,
    PendingChangesModel,
    change_mark,
    change_state,
    field_label,
    format_value,
    request_preview,
)
from snapdesk.ui.views import _changes_style
from snapdesk.ui.views.states import StatePage

EMPTY_TEXT = (
    "Edits you apply in the editors and bulk actions are queued here. Nothing is sent to Snap "
    "until you post; in dry-run (the default) posting only rehearses."
)


class PendingChangesPanel(QWidget):
    """Signals: `post_requested(object)` with the change ids to post (None: all);
    `changes_modified(object)` with the `ChangeGroup` of a revert/undo/redo (None: unknown);
    `message_posted(str, bool)` text for the status bar and whether it is an error."""

    post_requested = Signal(object)
    changes_modified = Signal(object)
    message_posted = Signal(str, bool)
    # Go to (issue 16): (kind, entity_id, field) of a finding or a change to select in the grid;
    # the window connects it to GridView.go_to.
    go_to_requested = Signal(str, str, str)
    # The findings of the last check of the whole pending set (a list of CheckIssue): the panel
    # is their one owner; the grid shows them on its rows and cells.
    issues_updated = Signal(object)

    def __init__(
        self,
        edits: EditService,
        parent: QWidget | None = None,
        *,
        state: AppState | None = None,
    ) -> None:
        """`state`: the session's `AppState` — the Post button follows its live mode and the
        list reloads on its `operation_did_execute`. Without one (a panel on its own) the panel
        can only rehearse and refreshes when told to."""
        super().__init__(parent)
        self._edits = edits
        self._state = state
        self._busy = False
        self._export_dialog: QFileDialog | None = None
        self._model = PendingChangesModel(edits.store, self)
        self._issues: dict[str, list[CheckIssue]] = {}  # change id → Check changes findings
        self._setup_ui()
        _changes_style.apply(self)
        self.refresh()
        if state is not None:
            state.live_changed.connect(self._on_state_live_changed)
            state.operation_did_execute.connect(self._on_state_operation_did_execute)

    # -- construction ----------------------------------------------------------------------

    def _setup_ui(self) -> None:
        self.undo_action = QAction("Undo", self)
        self.undo_action.setShortcut(QKeySequence("Ctrl+Z"))
        self.undo_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.undo_action.triggered.connect(self.undo)
        self.redo_action = QAction("Redo", self)
        self.redo_action.setShortcut(QKeySequence("Ctrl+Shift+Z"))
        self.redo_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.redo_action.triggered.connect(self.redo)
        self.revert_action = QAction("Revert selected", self)
        self.revert_action.setShortcut(QKeySequence(Qt.Key.Key_Delete))
        self.revert_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.revert_action.triggered.connect(self.revert_selected)
        self.post_selected_action = QAction("Post selected", self)
        self.post_selected_action.triggered.connect(self._on_post_selected_triggered)
        self.export_action = QAction("Export change set…", self)
        self.export_action.triggered.connect(self.choose_export_file)
        # -- Check changes (issue 13): the checks a post runs, on demand; sends nothing.
        self.check_action = QAction("Check changes", self)
        self.check_action.setShortcut(QKeySequence("F7"))
        self.check_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.check_action.setToolTip(
            "Check every pending change against Snap's rules and your spend guards (F7); "
            "sends nothing"
        )
        self.check_action.triggered.connect(self.check_changes)
        self.check_dialog: PostResultsDialog | None = None
        # Where the spend guards come from (the window sets the session's settings).
        self.settings_source: Callable[[], AppSettings] = load_settings
        self.addAction(self.check_action)
        # -- end Check changes
        self.addAction(self.undo_action)
        self.addAction(self.redo_action)
        self.addAction(self.revert_action)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 8)
        layout.setSpacing(6)
        bar = QHBoxLayout()
        bar.setSpacing(6)
        self.count_label = QLabel()
        self.count_label.setObjectName("sectionTitle")
        bar.addWidget(self.count_label)
        bar.addStretch(1)
        self.revert_button = _tool_button(self.revert_action)
        self.undo_button = _tool_button(self.undo_action)
        self.redo_button = _tool_button(self.redo_action)
        self.export_button = _tool_button(self.export_action)
        self.export_button.setText("Export…")
        for button in (self.revert_button, self.undo_button, self.redo_button, self.export_button):
            bar.addWidget(button)
        self.check_button = _tool_button(self.check_action)  # Check changes (issue 13)
        bar.addWidget(self.check_button)
        self.post_button = QPushButton("Post (dry-run)")
        self.post_button.setObjectName("primaryButton")
        self.post_button.clicked.connect(self._on_post_button_clicked)
        bar.addWidget(self.post_button)
        layout.addLayout(bar)

        self.stack = QStackedWidget()
        self.empty_page = StatePage(icon="ok", title="No pending changes", text=EMPTY_TEXT)
        self.stack.addWidget(self.empty_page)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setChildrenCollapsible(False)
        self.tree = QTreeView()
        self.tree.setObjectName("changesTree")
        self.tree.setAccessibleName("Pending changes")
        self.tree.setModel(self._model)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tree.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.tree.setUniformRowHeights(True)
        self.tree.setAllColumnsShowFocus(True)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._on_tree_context_menu_requested)
        header = self.tree.header()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(0, 340)
        header.resizeSection(1, 80)
        self.tree.selectionModel().selectionChanged.connect(self._on_tree_selection_changed)
        self.tree.setItemDelegateForColumn(0, _IssueMarkerDelegate(self, self.tree))
        self.tree.doubleClicked.connect(self._on_tree_double_clicked)
        splitter.addWidget(self.tree)

        detail = QWidget()
        detail_layout = QVBoxLayout(detail)
        detail_layout.setContentsMargins(4, 0, 0, 0)
        detail_layout.setSpacing(6)
        head = QHBoxLayout()
        self.detail_title = QLabel()
        self.detail_title.setObjectName("sectionTitle")
        self.detail_title.setWordWrap(True)
        self.state_chip = QLabel()
        self._chip_state = ""
        theme.on_change(self.state_chip, lambda _c: self._style_state_chip())
        self.state_chip.setObjectName("stateChip")
        head.addWidget(self.detail_title, 1)
        head.addWidget(self.state_chip)
        detail_layout.addLayout(head)
        self.detail_note = QLabel()
        self.detail_note.setWordWrap(True)
        self.detail_note.setObjectName("muted")
        detail_layout.addWidget(self.detail_note)
        # -- Check changes findings of the selected change, with Go to (issue 16)
        self.issues_box = QWidget()
        issues_layout = QVBoxLayout(self.issues_box)
        issues_layout.setContentsMargins(0, 0, 0, 0)
        issues_layout.setSpacing(4)
        issues_head = QHBoxLayout()
        issues_caption = QLabel("Check changes")
        issues_caption.setObjectName("formLabel")
        issues_head.addWidget(issues_caption, 1)
        self.go_to_button = QPushButton("Go to")
        self.go_to_button.setToolTip("Select the entity and field of the selected finding")
        self.go_to_button.setEnabled(False)
        self.go_to_button.clicked.connect(self._on_go_to_button_clicked)
        issues_head.addWidget(self.go_to_button)
        issues_layout.addLayout(issues_head)
        self.issue_list = QListWidget()
        self.issue_list.setObjectName("checkIssueList")
        self.issue_list.setAccessibleName("What Check changes found in this change")
        self.issue_list.setWordWrap(True)
        self.issue_list.setMaximumHeight(110)
        self.issue_list.setIconSize(QSize(16, 16))
        self.issue_list.itemSelectionChanged.connect(self._on_issue_list_item_selection_changed)
        self.issue_list.itemActivated.connect(self._on_issue_list_item_activated)
        issues_layout.addWidget(self.issue_list)
        self.issues_box.hide()
        detail_layout.addWidget(self.issues_box)
        # -- end Check changes findings
        self.diff_table = QTableWidget(0, 3)
        self.diff_table.setAccessibleName("Fields this change sets")
        self.diff_table.setTabKeyNavigation(False)  # Tab leaves the table
        self.diff_table.setHorizontalHeaderLabels(["Field", "Before", "After"])
        self.diff_table.verticalHeader().hide()
        self.diff_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.diff_table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.diff_table.setWordWrap(True)
        diff_header = self.diff_table.horizontalHeader()
        diff_header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        diff_header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        diff_header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        detail_layout.addWidget(self.diff_table, 2)
        request_caption = QLabel("Request Snap will receive")
        request_caption.setObjectName("formLabel")
        detail_layout.addWidget(request_caption)
        self.request_view = QPlainTextEdit()
        self.request_view.setAccessibleName("Request Snap will receive")
        self.request_view.setObjectName("requestPreview")
        self.request_view.setReadOnly(True)
        self.request_view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        detail_layout.addWidget(self.request_view, 3)
        # The detail scrolls in a short dock instead of holding the dock at its full height
        # (the dock could not be made smaller than ~280 px).
        detail_scroll = QScrollArea()
        detail_scroll.setObjectName("changeDetailScroll")
        detail_scroll.setWidgetResizable(True)
        detail_scroll.setFrameShape(QFrame.Shape.NoFrame)
        detail_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        detail_scroll.setWidget(detail)
        self.tree.setMinimumHeight(60)
        splitter.addWidget(detail_scroll)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([560, 520])
        self.stack.addWidget(splitter)
        self.content_page = splitter
        layout.addWidget(self.stack, 1)

    # -- public API ------------------------------------------------------------------------

    @property
    def model(self) -> PendingChangesModel:
        return self._model

    @property
    def changes(self) -> list[Change]:
        return self._model.changes

    @property
    def live(self) -> bool:
        return self._state is not None and self._state.live

    def _on_state_live_changed(self, _live: bool) -> None:
        self._update_actions()

    def _on_state_operation_did_execute(self, changes: object) -> None:
        if isinstance(changes, OpChanges) and changes.pending:
            self.refresh()

    def set_busy(self, busy: bool) -> None:
        """While a post runs, nothing in the set may change."""
        self._busy = busy
        self._update_actions()

    def refresh(self) -> None:
        """Re-read the pending set, keeping the selection where possible."""
        selected = {c.id for c in self.selected_changes()}
        pending = self._edits.pending()
        self._issues = self._check(pending)
        emit(self.issues_updated, [i for found in self._issues.values() for i in found])
        self._model.set_changes(pending)
        self.tree.expandAll()
        if selected:
            selection = self.tree.selectionModel()
            for change_id in selected:
                index = self._model.index_of_change(change_id)
                if index.isValid():
                    selection.select(
                        index,
                        selection.SelectionFlag.Select | selection.SelectionFlag.Rows,
                    )
        n = len(self._model.changes)
        self.count_label.setText(f"Pending changes ({n})" if n else "Pending changes")
        self.stack.setCurrentWidget(self.content_page if n else self.empty_page)
        self._show_detail()
        self._update_actions()

    def selected_changes(self) -> list[Change]:
        seen: dict[str, Change] = {}
        for index in self.tree.selectionModel().selectedRows(0):
            for change in self._model.changes_at(index):
                seen.setdefault(change.id, change)
        return list(seen.values())

    def select_change(self, change_id: str) -> None:
        index = self._model.index_of_change(change_id)
        if index.isValid():
            self.tree.setCurrentIndex(index)

    def revert_selected(self) -> ChangeGroup | None:
        changes = self.selected_changes()
        if not changes or self._busy:
            return None
        return self._run(lambda: self._edits.revert([c.id for c in changes]))

    def undo(self) -> ChangeGroup | None:
        if self._busy:
            return None
        return self._run(self._edits.undo)

    def redo(self) -> ChangeGroup | None:
        if self._busy:
            return None
        return self._run(self._edits.redo)

    def export_to(self, path: str | Path) -> Path:
        target = export_changes(self._edits.pending(), path)
        emit(self.message_posted, f"Exported {len(self.changes)} changes to {target}", False)
        return target

    def choose_export_file(self) -> None:
        dialog = QFileDialog(self, "Export pending changes")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setNameFilters(["JSON (*.json)", "CSV (*.csv)"])
        dialog.setDefaultSuffix("json")
        dialog.selectFile("snapdesk-changes.json")
        dialog.filterSelected.connect(
            lambda name: dialog.setDefaultSuffix("csv" if "csv" in name else "json")
        )
        dialog.fileSelected.connect(self._on_export_file_selected)
        self._export_dialog = dialog
        dialog.open()

    # -- internals -------------------------------------------------------------------------

    def _run(self, action: object) -> ChangeGroup | None:
        assert callable(action)
        try:
            group = action()
        except ChangeError as exc:
            emit(self.message_posted, exc.message, True)
            self.refresh()
            return None
        if group is None:
            emit(self.message_posted, "Nothing to undo or redo", False)
            return None
        if self._state is not None:
            self._state.poll()  # every view (this panel included) hears of it at once
        else:
            self.refresh()
        emit(self.message_posted, group.label, False)
        emit(self.changes_modified, group)
        return group

    def _update_actions(self) -> None:
        repo = self._edits.repository
        undo, redo = repo.undo_label(), repo.redo_label()
        idle = not self._busy
        self.undo_action.setEnabled(undo is not None and idle)
        self.undo_action.setText(f"Undo {undo}" if undo else "Undo")
        self.undo_action.setToolTip(f"Undo “{undo}” (Ctrl+Z)" if undo else "Nothing to undo")
        self.redo_action.setEnabled(redo is not None and idle)
        self.redo_action.setText(f"Redo {redo}" if redo else "Redo")
        self.redo_action.setToolTip(f"Redo “{redo}” (Ctrl+Shift+Z)" if redo else "Nothing to redo")
        has_changes = bool(self._model.changes)
        selected = bool(self.tree.selectionModel().selectedRows(0))
        self.revert_action.setEnabled(selected and idle)
        self.post_selected_action.setEnabled(selected and idle)
        self.export_action.setEnabled(has_changes)
        self.post_button.setEnabled(has_changes and idle)
        live = self.live
        self.post_button.setText("Post live" if live else "Post (dry-run)")
        self.post_button.setObjectName("dangerButton" if live else "primaryButton")
        self.post_button.style().unpolish(self.post_button)
        self.post_button.style().polish(self.post_button)
        self.post_button.setToolTip(
            "Send every pending change to Snap now (live mode is on)"
            if live
            else "Rehearse every pending change: shows the exact requests, sends nothing"
        )

    def _style_state_chip(self) -> None:
        if not self._chip_state:
            self.state_chip.setStyleSheet("")
            return
        background, text = _changes_style.state_colors(self._chip_state)
        self.state_chip.setStyleSheet(f"background: {background}; color: {text};")

    def _show_detail(self) -> None:
        changes = self.selected_changes()
        current = self._model.changes_at(self.tree.currentIndex())
        shown = current or changes
        self.diff_table.setRowCount(0)
        self._show_issues(shown[:1])
        if not shown:
            self.detail_title.setText("Select a change to see its diff and request")
            self.detail_note.clear()
            self.state_chip.hide()
            self.request_view.clear()
            return
        change = shown[0]
        account = self._edits.store.ad_account(change.ad_account_id)
        currency = account.currency if account else None
        timezone = account.timezone if account else None
        noun = LABEL.get(change.kind, change.kind)
        action = ACTION_LABEL.get(change.action, change.action)
        self.detail_title.setText(
            f"{change_mark(change.action)}  {action} {noun.lower()} · {change.label or change.entity_id}"
        )
        state = change_state(change)
        self.state_chip.setText(STATE_LABEL.get(state, state))
        self._chip_state = state
        self._style_state_chip()
        self.state_chip.show()
        notes = []
        if change.error:
            notes.append(f"Last attempt: {change.error}")
        for conflict in change.conflicts:
            notes.append(
                f"Conflict on {conflict.field}: Snap now has "
                f"{format_value(conflict.field, conflict.theirs, currency=currency, timezone=timezone)}"
            )
        if not self.issues_box.isVisibleTo(self):  # Check changes lists them otherwise
            for issue in change.issues:
                notes.append(f"{'Error' if issue.is_error else 'Warning'}: {issue.message}")
        if len(shown) > 1:
            notes.append(f"{len(shown)} changes selected; showing the first")
        self.detail_note.setText("\n".join(notes))
        self.detail_note.setVisible(bool(notes))
        for name, raw_before, raw_after in _rows(change):
            row = self.diff_table.rowCount()
            self.diff_table.insertRow(row)
            key = name.rsplit(".", 1)[-1]
            before = format_value(key, raw_before, currency=currency, timezone=timezone)
            after = format_value(key, raw_after, currency=currency, timezone=timezone)
            if change.action == "delete":
                before, after = "exists", "deleted"
            label = " › ".join(field_label(part) for part in name.split("."))
            items = [QTableWidgetItem(label), QTableWidgetItem(before), QTableWidgetItem(after)]
            items[1].setForeground(theme_color("muted"))
            for column, item in enumerate(items):
                item.setToolTip(f"{name}: {before} → {after}")
                self.diff_table.setItem(row, column, item)
        self.diff_table.resizeRowsToContents()
        self.request_view.setPlainText(request_preview(change))

    def _on_tree_selection_changed(self, _new: QItemSelection, _old: QItemSelection) -> None:
        self._show_detail()
        self._update_actions()

    def _on_tree_context_menu_requested(self, pos: QPoint) -> None:
        menu = QMenu(self)
        menu.addAction(self.post_selected_action)
        menu.addAction(self.revert_action)
        menu.addSeparator()
        menu.addAction(self.undo_action)
        menu.addAction(self.redo_action)
        menu.popup(self.tree.viewport().mapToGlobal(pos))

    def _on_post_button_clicked(self) -> None:
        emit(self.post_requested, None)

    def _on_post_selected_triggered(self) -> None:
        changes = self.selected_changes()
        if changes:
            emit(self.post_requested, [c.id for c in changes])

    def _on_export_file_selected(self, path: str) -> None:
        try:
            self.export_to(path)
        except (OSError, ValueError) as exc:
            emit(self.message_posted, f"Export failed: {exc}", True)

    # -- Check changes on every row and Go to (issue 16) ----------------------------------------

    def all_issues(self) -> list[CheckIssue]:
        """Every finding of the last check of the pending set."""
        return [i for found in self._issues.values() for i in found]

    def issues_of(self, changes: list[Change]) -> list[CheckIssue]:
        """Check changes findings of these changes, errors first."""
        found = [i for c in changes for i in self._issues.get(c.id, ())]
        return sorted(found, key=lambda i: not i.is_error)

    def issues_at(self, index: QModelIndex | QPersistentModelIndex) -> list[CheckIssue]:
        return self.issues_of(self._model.changes_at(index))

    def go_to(self, kind: str, entity_id: str, field: str) -> None:
        emit(self.go_to_requested, kind, entity_id, field)

    def _check(self, pending: list[Change]) -> dict[str, list[CheckIssue]]:
        if not pending:
            return {}
        try:
            guards = self.settings_source().spend_guards
        except SettingsError:
            guards = SpendGuards()
        found: dict[str, list[CheckIssue]] = {}
        for issue in check_changes(pending, store=self._edits.store, guards=guards).issues:
            found.setdefault(issue.change_id, []).append(issue)
        return found

    def _show_issues(self, changes: list[Change]) -> None:
        self.issue_list.clear()
        issues = self.issues_of(changes)
        for issue in issues:
            item = QListWidgetItem(
                theme.icon("error" if issue.is_error else "warning"),
                f"{field_label(issue.field)}: {issue.message}",
            )
            item.setToolTip(
                f"{issue.message}\nWhat to do: {issue.remedy}" if issue.remedy else issue.message
            )
            item.setData(Qt.ItemDataRole.UserRole, (issue.kind, issue.entity_id, issue.field))
            self.issue_list.addItem(item)
        self.issues_box.setVisible(bool(issues))
        self.go_to_button.setEnabled(False)

    def _go_to_item(self, item: QListWidgetItem | None) -> None:
        target = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        if target:
            self.go_to(*target)

    def _on_issue_list_item_activated(self, item: QListWidgetItem) -> None:
        self._go_to_item(item)

    def _on_issue_list_item_selection_changed(self) -> None:
        self.go_to_button.setEnabled(bool(self.issue_list.selectedItems()))

    def _on_go_to_button_clicked(self) -> None:
        selected = self.issue_list.selectedItems()
        self._go_to_item(selected[0] if selected else self.issue_list.item(0))

    def _on_tree_double_clicked(self, index: QModelIndex) -> None:
        """A change's row: its first finding's cell, or the entity itself when it has none."""
        if self._model.row_kind(index) not in (ENTITY, CHANGE):
            return
        issues = self.issues_at(index)
        if issues:
            self.go_to(issues[0].kind, issues[0].entity_id, issues[0].field)
            return
        changes = self._model.changes_at(index)
        if changes:
            self.go_to(changes[0].kind, changes[0].entity_id, "")

    # -- Check changes (issue 13) --------------------------------------------------------------

    def check_changes(self) -> PostResultsDialog | None:
        """Run Check changes over every pending change (what a post would run first) and show
        the findings in the post results dialog. Sends nothing."""
        changes = self._edits.pending()
        if not changes:
            emit(self.message_posted, "No pending changes to check", False)
            return None
        try:
            guards = self.settings_source().spend_guards
        except SettingsError as exc:
            emit(self.message_posted, str(exc), True)
            return None
        report = check_changes(changes, store=self._edits.store, guards=guards).report()
        dialog = PostResultsDialog(report, parent=self, check_only=True)
        dialog.go_to_requested.connect(self.go_to_requested)  # Go to (issue 16)
        self.check_dialog = dialog
        dialog.open()
        emit(self.message_posted, check_summary_text(report), report.blocked)
        return dialog


def _rows(change: Change) -> list[tuple[str, object, object]]:
    """The diff, with changed objects (targeting, placement) split into their changed keys."""
    rows: list[tuple[str, object, object]] = []
    for diff in change.diff:
        if isinstance(diff.before, dict) and isinstance(diff.after, dict):
            keys = list(dict.fromkeys([*diff.before, *diff.after]))
            for key in keys:
                old, new = diff.before.get(key), diff.after.get(key)
                if old != new:
                    rows.append((f"{diff.field}.{key}", old, new))
        else:
            rows.append((diff.field, diff.before, diff.after))
    return rows


def theme_color(name: str) -> QColor:
    return QColor(getattr(theme.colors(), name))


class _IssueMarkerDelegate(QStyledItemDelegate):
    """Column 0 of the pending tree: an error or warning marker at the right of a row whose
    changes Check changes found something in (an account row: its worst), the messages as
    tooltip (issue 16)."""

    _SIZE = 16

    def __init__(self, panel: PendingChangesPanel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._panel = panel

    def _issues(self, index: QModelIndex | QPersistentModelIndex) -> list[CheckIssue]:
        return self._panel.issues_at(index)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        issues = self._issues(index)
        if not issues:
            super().paint(painter, option, index)
            return
        room = QStyleOptionViewItem(option)
        room.rect = option.rect.adjusted(0, 0, -(self._SIZE + 6), 0)
        super().paint(painter, room, index)
        rect = option.rect
        marker = QRect(
            rect.right() - self._SIZE - 3,
            rect.top() + (rect.height() - self._SIZE) // 2,
            self._SIZE,
            self._SIZE,
        )
        worst = "error" if any(i.is_error for i in issues) else "warning"
        theme.icon(worst).paint(painter, marker)

    def helpEvent(
        self,
        event: QHelpEvent,
        view: QAbstractItemView,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> bool:
        issues = self._issues(index)
        if event is None or event.type() != QEvent.Type.ToolTip or not issues:
            return super().helpEvent(event, view, option, index)
        QToolTip.showText(
            event.globalPos(),
            marker_tooltip(issues, account=self._panel.model.row_kind(index) == ACCOUNT),
            view,
        )
        return True


def marker_tooltip(issues: list[CheckIssue], *, account: bool = False) -> str:
    """The tooltip of a row's marker: each finding (at most 8), or an account's counts."""
    errors = sum(1 for i in issues if i.is_error)
    warnings = len(issues) - errors
    if account:
        parts = [f"{errors} error{'s' if errors != 1 else ''}"] if errors else []
        if warnings:
            parts.append(f"{warnings} warning{'s' if warnings != 1 else ''}")
        return "Check changes: " + ", ".join(parts) + " in this ad account"
    lines = [
        f"{'Error' if i.is_error else 'Warning'} · {field_label(i.field)}: {i.message}"
        for i in issues[:8]
    ]
    if len(issues) > 8:
        lines.append(f"… and {len(issues) - 8} more")
    return "\n".join(lines)


def _tool_button(action: QAction) -> QToolButton:
    button = QToolButton()
    button.setDefaultAction(action)
    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    button.setAutoRaise(False)
    return button
