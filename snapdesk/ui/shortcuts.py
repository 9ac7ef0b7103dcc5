"""Every keyboard shortcut of the main window, in one registry.

`install(window)` assigns the keys to the window's actions and the Keyboard Shortcuts dialog
(Help → Keyboard Shortcuts), the command palette and the README table are drawn from the same
`SHORTCUTS`, so what is listed is what is bound. Keys are written in Qt's portable form
("Ctrl+Shift+P"; Ctrl is ⌘ on macOS) and shown in the platform's own notation.

Each entry names its action by where the window keeps it: an attribute path from the window
(`editing.post_action`) or `#objectName` for actions found by name (the Tools menu's).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from PySide6.QtCore import QKeyCombination, QModelIndex, QPoint, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QWidget

log = logging.getLogger(__name__)

StandardKey = QKeySequence.StandardKey
Context = Qt.ShortcutContext

# Keys some keyboards have that are not worth listing (and a Backspace variant of undo/redo).
_NOT_LISTED = {
    Qt.Key.Key_Refresh,
    Qt.Key.Key_Undo,
    Qt.Key.Key_Redo,
    Qt.Key.Key_Help,
    Qt.Key.Key_Find,
    Qt.Key.Key_Open,
    Qt.Key.Key_Close,
    Qt.Key.Key_Cancel,
    Qt.Key.Key_Backspace,
}

SYNC = "Sync"
EDITING = "Editing"
FIND = "Find and navigate"
WINDOWS = "Panels and windows"
HELP = "Help"
AREAS = (SYNC, EDITING, FIND, WINDOWS, HELP)


@dataclass(frozen=True)
class Shortcut:
    """One command's keys. `keys` in portable text; `standard` adds the platform's bindings
    for that standard key after them. `context` WidgetWithChildrenShortcut/WidgetShortcut
    entries work only where their widget has the focus (they are not added to the window);
    `widget` (an attribute path from the window) is where such an entry's action is added.
    `in_palette` False keeps an entry out of the command palette (keys that only make sense
    where the focus is)."""

    id: str
    area: str
    label: str
    description: str
    target: str
    keys: tuple[str, ...] = ()
    standard: QKeySequence.StandardKey | None = None
    context: Qt.ShortcutContext = Context.WindowShortcut
    widget: str | None = None
    in_palette: bool = True

    def sequences(self) -> list[QKeySequence]:
        found = [QKeySequence(k) for k in self.keys]
        if self.standard is not None:
            found += QKeySequence.keyBindings(self.standard)
        result: list[QKeySequence] = []
        for sequence in found:
            if sequence.isEmpty() or sequence in result:
                continue
            # cast: QKeySequence supports `[i]` at runtime; its stub declares no __getitem__.
            first = cast("Sequence[QKeyCombination]", sequence)[0]
            if sequence.count() == 1 and first.key() in _NOT_LISTED:
                continue
            result.append(sequence)
        return result

    def native_keys(self) -> list[str]:
        return [s.toString(QKeySequence.SequenceFormat.NativeText) for s in self.sequences()]

    def portable_keys(self) -> list[str]:
        return [s.toString(QKeySequence.SequenceFormat.PortableText) for s in self.sequences()]

    @property
    def window_wide(self) -> bool:
        return self.context in (Context.WindowShortcut, Context.ApplicationShortcut)


SHORTCUTS: tuple[Shortcut, ...] = (
    # -- sync
    Shortcut(
        "sync",
        SYNC,
        "Sync",
        "Sync the selected ad account (all of them when none is)",
        "sync_action",
        keys=("F5", "Ctrl+R"),
    ),
    Shortcut(
        "sync_all",
        SYNC,
        "Sync all ad accounts",
        "Every organization and ad account of every login",
        "sync_all_action",
        keys=("Ctrl+Shift+R",),
    ),
    # -- editing
    Shortcut(
        "post",
        EDITING,
        "Post pending changes",
        "Dry-run rehearses; in live mode sends them to Snap",
        "editing.post_action",
        keys=("Ctrl+Return", "Ctrl+Enter"),
    ),
    Shortcut(
        "undo",
        EDITING,
        "Undo",
        "Undo the last queued edit (in a text box: the typing)",
        "editing.undo_action",
        standard=StandardKey.Undo,
    ),
    Shortcut(
        "redo",
        EDITING,
        "Redo",
        "Redo the edit you undid",
        "editing.redo_action",
        keys=("Ctrl+Shift+Z",),
        standard=StandardKey.Redo,
    ),
    Shortcut(
        "edit",
        EDITING,
        "Edit the selected item",
        "Open the selected item in the editor",
        "editing.edit_action",
        keys=("Ctrl+E",),
    ),
    Shortcut(
        "new_campaign",
        EDITING,
        "New campaign",
        "A new campaign in the selected ad account",
        "editing.new_campaign_action",
        keys=("Ctrl+N",),
    ),
    Shortcut(
        "live",
        EDITING,
        "Switch live mode on or off",
        "On asks first, naming the ad accounts affected; off is at once",
        "editing.live_action",
        keys=("Ctrl+Shift+L",),
    ),
    Shortcut(
        "check",
        EDITING,
        "Check changes",
        "Check the pending changes against Snap's rules and your spend guards; sends nothing",
        "editing.panel.check_action",
        keys=("F7",),
    ),
    Shortcut(
        "revert",
        EDITING,
        "Revert selected changes",
        "In Pending changes: drop them (Undo brings them back)",
        "editing.panel.revert_action",
        keys=("Del",),
        context=Context.WidgetWithChildrenShortcut,
    ),
    # -- find and navigate
    Shortcut(
        "find",
        FIND,
        "Find",
        "Filter the account tree by name or id",
        "find_action",
        standard=StandardKey.Find,
    ),
    Shortcut(
        "clear_filter",
        FIND,
        "Clear the filter",
        "In the filter box: clear it, then back to the tree",
        "escape_action",
        keys=("Esc",),
        context=Context.WidgetShortcut,
        widget="filter_edit",
        in_palette=False,
    ),
    Shortcut(
        "details_tab",
        FIND,
        "Show Details",
        "The Details tab of the selected item",
        "details_tab_action",
        keys=("Ctrl+1",),
    ),
    Shortcut(
        "editor_tab",
        FIND,
        "Show the editor",
        "The Edit tab of the selected item",
        "editor_tab_action",
        keys=("Ctrl+2",),
    ),
    Shortcut(
        "performance_tab",
        FIND,
        "Show Performance",
        "The performance chart of the selected item",
        "performance.performance_action",
        keys=("Ctrl+3",),
    ),
    Shortcut(
        "context_menu",
        FIND,
        "Open the context menu",
        "Of the selected row in the tree or in Pending changes",
        "context_menu_actions",
        keys=("Shift+F10", "Menu"),
        context=Context.WidgetShortcut,
        in_palette=False,
    ),
    # -- panels and windows
    Shortcut(
        "pending",
        WINDOWS,
        "Pending changes panel",
        "Show or hide the list of changes not posted yet",
        "editing.pending_action",
        keys=("Ctrl+J",),
    ),
    Shortcut(
        "audit",
        WINDOWS,
        "Audit log",
        "Every change posted to Snap, with request and result",
        "editing.audit_action",
        keys=("Ctrl+H",),
    ),
    Shortcut(
        "audiences",
        WINDOWS,
        "Audiences",
        "Customer-list segments of the selected ad account",
        "#audiencesAction",
        keys=("Ctrl+Shift+A",),
    ),
    Shortcut(
        "prepare_list",
        WINDOWS,
        "Prepare list offline",
        "Normalize and hash a customer list on this computer",
        "#prepareListAction",
        keys=("Ctrl+Shift+H",),
    ),
    Shortcut(
        "conversions",
        WINDOWS,
        "Conversions API",
        "Send conversion events from a CSV",
        "#conversionsAction",
        keys=("Ctrl+Shift+K",),
    ),
    Shortcut(
        "experiments",
        WINDOWS,
        "Experiments",
        "A/B tests across copies of an ad squad: set up, rotation, readout",
        "#experimentsAction",
        keys=("Ctrl+Shift+E",),
    ),
    Shortcut(
        "preferences",
        WINDOWS,
        "Preferences",
        "Data folder, country, FX rates, guards, live mode, theme",
        "preferences_action",
        keys=("Ctrl+,",),
    ),
    Shortcut(
        "close_window",
        WINDOWS,
        "Close window",
        "Close the active window (the main window: pending changes are kept)",
        "close_window_action",
        standard=StandardKey.Close,
    ),
    Shortcut(
        "quit",
        WINDOWS,
        "Quit",
        "Quit snapdesk; pending changes are kept for the next start",
        "quit_action",
        keys=("Ctrl+Q",),
        standard=StandardKey.Quit,
    ),
    # -- help
    Shortcut(
        "palette",
        HELP,
        "Command palette",
        "Find any command by name and run it",
        "help_actions.palette_action",
        keys=("Ctrl+Shift+P", "Ctrl+K"),
    ),
    Shortcut(
        "shortcuts",
        HELP,
        "Keyboard shortcuts",
        "This list",
        "help_actions.shortcuts_action",
        keys=("Ctrl+/", "F1"),
    ),
)

BY_ID = {s.id: s for s in SHORTCUTS}
SHORTCUT_ID = "shortcutId"  # the QAction property naming its registry entry


def resolve(window: Any, entry: Shortcut) -> list[QAction]:
    """The action(s) `entry` is bound to on `window` (empty when missing)."""
    if entry.target.startswith("#"):
        found = window.findChild(QAction, entry.target[1:])
        return [found] if isinstance(found, QAction) else []
    obj = _attribute(window, entry.target)
    if isinstance(obj, QAction):
        return [obj]
    if isinstance(obj, list | tuple):
        return [a for a in obj if isinstance(a, QAction)]
    return []


def _attribute(root: Any, path: str) -> Any:
    obj = root
    for part in path.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def install(window: Any) -> dict[str, list[QAction]]:
    """Bind every registry entry on `window` (after its actions exist). Window-wide entries
    are added to the window so they work wherever the focus is, also for actions that live in
    a toolbar button's menu. Returns the actions by entry id."""
    window.context_menu_actions = [
        keyboard_context_menu(view)
        for view in (window.tree, window.editing.panel.tree)
        if isinstance(view, QAbstractItemView)
    ]
    bound: dict[str, list[QAction]] = {}
    for entry in SHORTCUTS:
        actions = resolve(window, entry)
        if not actions:
            log.warning("shortcut %s: the window has no action %s", entry.id, entry.target)
            continue
        for action in actions:
            action.setShortcuts(entry.sequences())
            action.setShortcutContext(entry.context)
            action.setProperty(SHORTCUT_ID, entry.id)
            if entry.window_wide and action not in window.actions():
                window.addAction(action)
            home = _attribute(window, entry.widget) if entry.widget else None
            if isinstance(home, QWidget):
                window.removeAction(action)  # only where its widget has the focus
                home.addAction(action)
        bound[entry.id] = actions
    return bound


def keyboard_context_menu(view: QAbstractItemView) -> QAction:
    """An action (Shift+F10 / Menu key while `view` has the focus) that opens the view's
    context menu at its current row, as a right-click there would."""
    action = QAction("Open context menu", view)
    action.triggered.connect(lambda: _open_context_menu(view))
    view.addAction(action)
    return action


def _open_context_menu(view: QAbstractItemView) -> None:
    index: QModelIndex = view.currentIndex()
    if index.isValid():
        rect = view.visualRect(index)
        pos = QPoint(rect.left() + min(rect.width() // 2, 40), rect.center().y())
    else:
        pos = QPoint(12, 12)
    if view.contextMenuPolicy() == Qt.ContextMenuPolicy.CustomContextMenu:
        view.customContextMenuRequested.emit(pos)


def entries_for(area: str) -> list[Shortcut]:
    return [s for s in SHORTCUTS if s.area == area]


def key_text(action: QAction) -> str:
    """The action's keys in the platform's notation, comma-separated."""
    return ", ".join(s.toString(QKeySequence.SequenceFormat.NativeText) for s in action.shortcuts())


def plain_text(text: str) -> str:
    """Menu text without mnemonics ("&Audiences…" → "Audiences…", "&&" → "&")."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")


def markdown_table(entries: Iterable[Shortcut] = SHORTCUTS) -> str:
    """The shortcuts as a Markdown table (the README's), keys in portable notation."""
    rows = ["| Area | Command | Keys |", "|---|---|---|"]
    for entry in entries:
        keys = " or ".join(f"`{k}`" for k in entry.portable_keys())
        rows.append(f"| {entry.area} | {entry.label} | {keys} |")
    return "\n".join(rows)
