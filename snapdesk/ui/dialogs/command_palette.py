"""The command palette (Ctrl+Shift+P / Ctrl+K): type a few letters of any command of the main
window — menus, toolbar menus, window-wide actions — and press Enter to run it.

Only enabled, visible actions with a name are offered, each with its menu path and its
shortcut. Matching is fuzzy (the letters in order, preferring starts of words and runs), so
"pstp" finds "Post pending changes" and "aud" finds both Audiences and Audit log."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    QTimer,
)
from PySide6.QtGui import QAction, QColor, QFont, QIcon, QKeyEvent, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDockWidget,
    QFrame,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from snapdesk.ui import theme
from snapdesk.ui.shortcuts import BY_ID, SHORTCUT_ID, key_text, plain_text

MAX_VISIBLE_ROWS = 12
_PATH_ROLE = Qt.ItemDataRole.UserRole + 1
_KEYS_ROLE = Qt.ItemDataRole.UserRole + 2
_NAV_KEYS = {
    Qt.Key.Key_Up,
    Qt.Key.Key_Down,
    Qt.Key.Key_PageUp,
    Qt.Key.Key_PageDown,
}


@dataclass(frozen=True)
class Command:
    action: QAction
    title: str  # "Undo", "Live mode"
    path: str  # "Edit", "Edit › New"
    keys: str  # native text, "" when none

    @property
    def haystack(self) -> str:
        return f"{self.title} {self.path}"


def fuzzy_score(query: str, text: str) -> float | None:
    """How well `query` matches `text` (None: it doesn't). Every query character must appear
    in order; matches at the start of words, right after another match or at the very start
    score higher, long gaps lower."""
    query = "".join(query.casefold().split())
    if not query:
        return 0.0
    hay = text.casefold()
    score = 0.0
    position = 0
    previous = -2
    for char in query:
        found = hay.find(char, position)
        if found < 0:
            return None
        start_of_word = found == 0 or not hay[found - 1].isalnum()
        if found == previous + 1:
            score += 3.0
        if start_of_word:
            score += 4.0 if found else 6.0
        score -= min(found - position, 8) * 0.25
        score += 1.0
        previous = found
        position = found + 1
    return score - len(hay) * 0.01


def collect_commands(window: Any) -> list[Command]:
    """Every enabled, visible, named action of `window`, each once: the menu bar's in menu
    order, then window-wide actions, the toolbar buttons' menus and actions on visible buttons."""
    seen: set[int] = set()
    commands: list[Command] = []
    help_actions = getattr(window, "help_actions", None)
    palette_action = getattr(help_actions, "palette_action", None)

    def add(action: QAction, path: str) -> None:
        if id(action) in seen or action is palette_action:
            return
        seen.add(id(action))
        if action.isSeparator() or action.menu() is not None:
            return
        title = plain_text(action.text()).strip()
        entry = BY_ID.get(str(action.property(SHORTCUT_ID) or ""))
        if not title or not action.isEnabled() or not action.isVisible():
            return
        if entry is not None and not entry.in_palette:
            return
        if action.isCheckable():
            title = f"{title}: {'on' if action.isChecked() else 'off'}"
        if not path and entry is not None:
            path = entry.area
        commands.append(Command(action=action, title=title, path=path, keys=key_text(action)))

    def walk(menu: QMenu, path: str) -> None:
        for action in menu.actions():
            sub = action.menu()
            if isinstance(sub, QMenu):
                walk(
                    sub, f"{path} › {plain_text(sub.title())}" if path else plain_text(sub.title())
                )
            else:
                add(action, path)

    for top in window.menuBar().actions():
        menu = top.menu()
        if isinstance(menu, QMenu):
            walk(menu, plain_text(menu.title()))
    for action in window.actions():
        add(action, "")  # named after their shortcut area
    toolbar = getattr(window, "toolbar", None)
    if toolbar is not None:
        for button in toolbar.findChildren(QToolButton):
            menu = button.menu()
            if isinstance(menu, QMenu) and button.isVisible():
                walk(menu, plain_text(menu.title()) or plain_text(button.text()))
    # Actions that live on a visible button rather than in a menu (the Pending changes panel's
    # Export, Revert selected, …), named after the panel they sit in.
    for action in window.findChildren(QAction):
        widgets = [o for o in action.associatedObjects() if isinstance(o, QWidget)]
        shown = [w for w in widgets if w.isVisible()]
        if shown:
            add(action, _panel_title(shown[0]))
    return commands


def _panel_title(widget: QWidget) -> str:
    parent: QWidget | None = widget
    while parent is not None:
        if isinstance(parent, QDockWidget):
            return plain_text(parent.windowTitle())
        parent = parent.parentWidget()
    return ""


def rank(commands: Iterable[Command], query: str) -> list[Command]:
    """The commands matching `query`, best first (menu order among equals)."""
    scored = []
    words = query.casefold().split()
    for order, command in enumerate(commands):
        score = fuzzy_score(query, command.title)
        if score is None:
            # Otherwise every word must be a plain part of the title or the menu path
            # ("tools audi"): fuzzy letters spread over both find too much.
            hay = command.haystack.casefold()
            if not words or not all(w in hay for w in words):
                continue
            score = -5.0 - len(hay) * 0.01
        scored.append((-score, order, command))
    scored.sort(key=lambda t: (t[0], t[1]))
    return [c for _, _, c in scored]


class _CommandDelegate(QStyledItemDelegate):
    """Title on the left, the menu path muted after it, the shortcut right-aligned."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        title = opt.text
        opt.text = ""
        widget = opt.widget
        style = widget.style() if widget is not None else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        c = theme.colors()
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        text_color = QColor(c.highlight_text if selected else c.text)
        muted = QColor(c.highlight_text if selected else c.muted)
        rect = opt.rect.adjusted(12, 0, -12, 0)
        painter.save()
        keys = str(index.data(_KEYS_ROLE) or "")
        keys_width = 0
        if keys:
            font = QFont(opt.font)
            font.setWeight(QFont.Weight.DemiBold)
            painter.setFont(font)
            keys_width = painter.fontMetrics().horizontalAdvance(keys) + 16
            painter.setPen(muted)
            painter.drawText(
                rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, keys
            )
        painter.setFont(opt.font)
        metrics = painter.fontMetrics()
        available = rect.width() - keys_width
        title_text = metrics.elidedText(title, Qt.TextElideMode.ElideRight, available)
        painter.setPen(text_color)
        painter.drawText(
            rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, title_text
        )
        path = str(index.data(_PATH_ROLE) or "")
        used = metrics.horizontalAdvance(title_text) + 14
        if path and used < available:
            path_rect = QRect(rect.left() + used, rect.top(), available - used, rect.height())
            painter.setPen(muted)
            painter.drawText(
                path_rect,
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                metrics.elidedText(path, Qt.TextElideMode.ElideRight, path_rect.width()),
            )
        painter.restore()

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        size = super().sizeHint(option, index)
        return QSize(size.width(), max(size.height(), option.fontMetrics.height() + 14))


class CommandPalette(QDialog):
    """A popup above the main window. Enter (or a click) runs the highlighted command after
    the palette has closed; Esc closes it. `commands` is what it offers, in menu order."""

    def __init__(self, window: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent if parent is not None else window)
        self._window = window
        # A frameless window of its own (not a Qt popup): while it is active the main window's
        # shortcuts stay out of the way, Esc closes it, and it closes when it loses activation.
        self.setWindowFlags(Qt.WindowType.Dialog | Qt.WindowType.FramelessWindowHint)
        self.setObjectName("commandPalette")
        self.setAccessibleName("Command palette")
        self.commands = collect_commands(window)
        self.shown: list[Command] = []
        self.triggered_action: QAction | None = None
        self._was_active = False
        self._setup_ui()
        self._apply_filter("")

    def _setup_ui(self) -> None:
        theme.follow(
            self,
            lambda c: (
                f"QDialog#commandPalette {{ background: {c.base}; border: 1px solid {c.border}; "
                "border-radius: 10px; }"
                f"QListWidget#paletteList {{ border: none; background: {c.base}; outline: 0; }}"
                "QListWidget#paletteList::item { border-radius: 6px; }"
                f"QListWidget#paletteList::item:selected {{ background: {c.highlight}; }}"
            ),
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 8)
        layout.setSpacing(6)
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText("Type a command…")
        self.search_edit.setAccessibleName("Command")
        self.search_edit.setAccessibleDescription(
            "Type part of a command's name; Up and Down choose, Enter runs it, Esc closes"
        )
        theme.follow_icon(
            self.search_edit.addAction(QIcon(), QLineEdit.ActionPosition.LeadingPosition), "search"
        )
        self.search_edit.textChanged.connect(self._apply_filter)
        self.search_edit.returnPressed.connect(self.run_current)
        self.search_edit.installEventFilter(self)
        layout.addWidget(self.search_edit)
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        theme.follow(line, lambda c: f"color: {c.border};")
        layout.addWidget(line)
        self.list = QListWidget()
        self.list.setObjectName("paletteList")
        self.list.setAccessibleName("Matching commands")
        self.list.setItemDelegate(_CommandDelegate(self.list))
        self.list.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # typing stays in the search box
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.itemActivated.connect(self._on_list_item_activated)
        self.list.itemClicked.connect(self._on_list_item_activated)
        layout.addWidget(self.list)
        self.empty_label = QLabel("No command matches")
        self.empty_label.setObjectName("muted")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setMinimumHeight(40)
        self.empty_label.hide()
        layout.addWidget(self.empty_label)
        hint = QLabel("↑↓ to choose · Enter to run · Esc to close")
        hint.setObjectName("hint")
        layout.addWidget(hint)

    # -- behaviour -------------------------------------------------------------------------

    def popup(self) -> None:
        """Show centred near the top of the main window, the search box focused."""
        width = min(640, max(420, self._window.width() - 80))
        self._fit_height()
        self.resize(width, self.sizeHint().height())
        top_left = self._window.mapToGlobal(self._window.rect().topLeft())
        x = top_left.x() + (self._window.width() - width) // 2
        self.move(x, top_left.y() + 60)
        self.show()
        self.raise_()
        self.activateWindow()
        self.search_edit.setFocus(Qt.FocusReason.PopupFocusReason)

    def _apply_filter(self, text: str) -> None:
        self.shown = rank(self.commands, text)
        self.list.clear()
        for command in self.shown:
            item = QListWidgetItem(command.title)
            item.setData(_PATH_ROLE, command.path)
            item.setData(_KEYS_ROLE, command.keys)
            tip = command.action.toolTip()
            if tip and tip != plain_text(command.action.text()):
                item.setToolTip(tip)
            keys = f", {command.keys}" if command.keys else ""
            item.setData(Qt.ItemDataRole.AccessibleTextRole, f"{command.title}{keys}")
            self.list.addItem(item)
        if self.shown:
            self.list.setCurrentRow(0)
        self.list.setVisible(bool(self.shown))
        self.empty_label.setText(f"No command matches “{text.strip()}”")
        self.empty_label.setVisible(not self.shown)
        if self.isVisible():
            self._fit_height()
            layout = self.layout()
            if layout is not None:
                layout.activate()  # so sizeHint() already counts the list's new height
            self.resize(self.width(), self.sizeHint().height())

    def _fit_height(self) -> None:
        """The list as tall as its rows (up to MAX_VISIBLE_ROWS), so the popup hugs them."""
        rows = min(MAX_VISIBLE_ROWS, max(len(self.shown), 1))
        row_height = self.list.sizeHintForRow(0) if self.shown else 34
        self.list.setFixedHeight(rows * row_height + 6)

    def current_command(self) -> Command | None:
        row = self.list.currentRow()
        return self.shown[row] if 0 <= row < len(self.shown) else None

    def run_current(self) -> None:
        command = self.current_command()
        if command is None:
            return
        self._run(command)

    def _run(self, command: Command) -> None:
        self.triggered_action = command.action
        self.accept()
        # After the popup has gone, so a dialog the command opens gets the focus.
        QTimer.singleShot(0, command.action, command.action.trigger)

    def _on_list_item_activated(self, item: QListWidgetItem) -> None:
        row = self.list.row(item)
        if 0 <= row < len(self.shown):
            self._run(self.shown[row])

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if (
            event.type() == QEvent.Type.ActivationChange
            and self.isVisible()
            and self._was_active
            and not self.isActiveWindow()
        ):
            self.reject()  # clicked elsewhere: go away like a popup
        if self.isActiveWindow():
            self._was_active = True

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.search_edit
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in _NAV_KEYS
        ):
            self._move(event.key())
            return True
        return super().eventFilter(watched, event)

    def _move(self, key: int) -> None:
        count = self.list.count()
        if not count:
            return
        row = self.list.currentRow()
        step = {
            Qt.Key.Key_Up: -1,
            Qt.Key.Key_Down: 1,
            Qt.Key.Key_PageUp: -MAX_VISIBLE_ROWS,
            Qt.Key.Key_PageDown: MAX_VISIBLE_ROWS,
        }[Qt.Key(key)]
        if key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            row = (row + step) % count  # wrap around, as menus do
        else:
            row = max(0, min(count - 1, row + step))
        self.list.setCurrentRow(row)
