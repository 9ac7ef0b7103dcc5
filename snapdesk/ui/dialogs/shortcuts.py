"""Help → Keyboard Shortcuts: every entry of the shortcut registry, grouped by area, with the
keys in the platform's notation and a search box that matches commands, descriptions and keys."""

from __future__ import annotations

import html
import sys
from collections.abc import Sequence

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QIcon, QKeySequence, QPainter, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from snapdesk.ui import theme
from snapdesk.ui.shortcuts import AREAS, SHORTCUTS, Shortcut

COMMAND, KEYS, DESCRIPTION = range(3)
KEY_SEPARATOR = "  or  "
_PARTS_ROLE = Qt.ItemDataRole.UserRole + 1
_MAC_MODIFIERS = "⌃⌥⇧⌘"


def key_parts(sequence: QKeySequence) -> list[str]:
    """The keys of one shortcut as the platform writes them: ["Ctrl", "Shift", "P"], or
    ["⇧", "⌘", "P"] on macOS."""
    text = sequence.toString(QKeySequence.SequenceFormat.NativeText)
    if sys.platform == "darwin":
        modifiers = [c for c in text if c in _MAC_MODIFIERS]
        rest = "".join(c for c in text if c not in _MAC_MODIFIERS)
        return [*modifiers, rest] if rest else modifiers
    if text.endswith("++"):
        return [*text[:-2].split("+"), "+"]
    return text.split("+")


class _KeysDelegate(QStyledItemDelegate):
    """Draws the Keys column as key caps: [Ctrl] [Shift] [P]  or  [Ctrl] [K]."""

    PAD_X = 7
    GAP = 4

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        parts = index.data(_PARTS_ROLE)
        if index.column() != KEYS or not parts:
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        widget = opt.widget
        if widget is not None:
            widget.style().drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        c = theme.colors()
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        font = QFont(opt.font)
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.92))
        font.setWeight(QFont.Weight.DemiBold)
        metrics = QFontMetrics(font)
        height = metrics.height() + 6
        x = opt.rect.left() + 4
        y = opt.rect.center().y() - height // 2 + 1
        for n, keys in enumerate(parts):
            if n:
                painter.setFont(opt.font)
                painter.setPen(QColor(c.muted))
                width = painter.fontMetrics().horizontalAdvance("or")
                painter.drawText(
                    QRect(x + 4, opt.rect.top(), width, opt.rect.height()),
                    Qt.AlignmentFlag.AlignCenter,
                    "or",
                )
                x += width + 12
            painter.setFont(font)
            for key in keys:
                width = max(height, metrics.horizontalAdvance(key) + 2 * self.PAD_X)
                cap = QRect(x, y, width, height)
                painter.setPen(QPen(QColor(c.border)))
                painter.setBrush(QColor(c.base))
                painter.drawRoundedRect(cap.adjusted(0, 0, 0, -1), 4, 4)
                painter.setPen(QPen(QColor(c.border)))
                painter.drawLine(cap.left() + 3, cap.bottom(), cap.right() - 3, cap.bottom())
                painter.setPen(QColor(c.text))
                painter.drawText(cap.adjusted(0, 0, 0, -1), Qt.AlignmentFlag.AlignCenter, key)
                x += width + self.GAP
        painter.restore()

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        size = super().sizeHint(option, index)
        return QSize(size.width(), max(size.height(), option.fontMetrics.height() + 14))


class ShortcutsDialog(QDialog):
    """Non-modal; the search box has the focus. `items` maps entry ids to their rows."""

    def __init__(
        self, entries: Sequence[Shortcut] = SHORTCUTS, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._entries = list(entries)
        self.items: dict[str, QTreeWidgetItem] = {}
        self.area_items: dict[str, QTreeWidgetItem] = {}
        self.setWindowTitle("Keyboard shortcuts")
        self.resize(980, 720)
        self._setup_ui()
        self._fill()
        self.search_edit.setFocus()

    def _setup_ui(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 14)
        layout.setSpacing(10)
        title = QLabel("Keyboard shortcuts")
        title.setObjectName("dialogTitle")
        layout.addWidget(title)
        intro = QLabel(
            "Every command is also in the menus and in the command palette "
            f"({_native('Ctrl+Shift+P')}), which finds commands by name."
        )
        intro.setObjectName("muted")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText("Search commands or keys (e.g. “post” or “ctrl+r”)")
        self.search_edit.setAccessibleName("Search shortcuts")
        self.search_edit.setClearButtonEnabled(True)
        theme.follow_icon(
            self.search_edit.addAction(QIcon(), QLineEdit.ActionPosition.LeadingPosition), "search"
        )
        self.search_edit.textChanged.connect(self._on_search_edit_text_changed)
        layout.addWidget(self.search_edit)
        self.table = QTreeWidget()
        self.table.setObjectName("shortcutsTable")
        self.table.setAccessibleName("Keyboard shortcuts")
        self.table.setColumnCount(3)
        self.table.setHeaderLabels(["Command", "Keys", "What it does"])
        self.table.setRootIsDecorated(False)
        self.table.setUniformRowHeights(False)
        self.table.setAlternatingRowColors(False)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setItemsExpandable(False)
        header = self.table.header()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(COMMAND, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(KEYS, QHeaderView.ResizeMode.Interactive)
        self.table.setItemDelegate(_KeysDelegate(self.table))
        self.table.setColumnWidth(COMMAND, 230)
        self.table.setColumnWidth(KEYS, 240)
        layout.addWidget(self.table, 1)
        self.empty_label = QLabel()
        self.empty_label.setObjectName("muted")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.hide()
        layout.addWidget(self.empty_label)
        row = QHBoxLayout()
        self.count_label = QLabel()
        self.count_label.setObjectName("muted")
        row.addWidget(self.count_label, 1)
        self.close_button = QPushButton("Close")
        self.close_button.setDefault(True)
        self.close_button.clicked.connect(self.accept)
        row.addWidget(self.close_button)
        layout.addLayout(row)

    def _fill(self) -> None:
        bold = QFont(self.font())
        bold.setBold(True)
        keys_font = QFont(self.font())
        keys_font.setWeight(QFont.Weight.DemiBold)
        muted = theme.colors().muted
        for area in AREAS:
            entries = [e for e in self._entries if e.area == area]
            if not entries:
                continue
            area_item = QTreeWidgetItem(self.table, [area])
            area_item.setFont(COMMAND, bold)
            area_item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            area_item.setFirstColumnSpanned(True)
            self.area_items[area] = area_item
            for entry in entries:
                keys = KEY_SEPARATOR.join(entry.native_keys())
                item = QTreeWidgetItem(area_item, [entry.label, keys, entry.description])
                item.setFont(KEYS, keys_font)
                item.setData(KEYS, _PARTS_ROLE, [key_parts(s) for s in entry.sequences()])
                item.setToolTip(DESCRIPTION, entry.description)
                item.setForeground(DESCRIPTION, QColor(muted))
                item.setData(COMMAND, Qt.ItemDataRole.UserRole, entry.id)
                item.setData(
                    COMMAND,
                    Qt.ItemDataRole.AccessibleTextRole,
                    f"{entry.label}: {keys.replace(KEY_SEPARATOR, ' or ')}",
                )
                self.items[entry.id] = item
        self.table.expandAll()
        self._apply_filter("")

    def visible_ids(self) -> list[str]:
        return [i for i, item in self.items.items() if not item.isHidden()]

    def _on_search_edit_text_changed(self, text: str) -> None:
        self._apply_filter(text)

    def _apply_filter(self, text: str) -> None:
        words = text.casefold().split()
        shown = 0
        for area, area_item in self.area_items.items():
            any_shown = False
            for index in range(area_item.childCount()):
                item = area_item.child(index)
                assert item is not None  # index < childCount()
                entry_id = str(item.data(COMMAND, Qt.ItemDataRole.UserRole))
                match = all(_matches(self._entry(entry_id), area, w) for w in words)
                item.setHidden(not match)
                any_shown = any_shown or match
                shown += match
            area_item.setHidden(not any_shown)
        total = len(self.items)
        self.count_label.setText(
            f"{total} shortcuts" if shown == total else f"{shown} of {total} shortcuts"
        )
        self.empty_label.setText(f"No command or key matches “{html.escape(text.strip())}”.")
        self.empty_label.setVisible(shown == 0)
        self.table.setVisible(shown > 0)

    def _entry(self, entry_id: str) -> Shortcut:
        return next(e for e in self._entries if e.id == entry_id)


def _matches(entry: Shortcut, area: str, word: str) -> bool:
    """A word with a "+" ("ctrl+r") is a key and must equal one of the entry's keys (so it
    doesn't find Ctrl+Return); any other word may appear anywhere in the name, description,
    area or keys."""
    keys = [k.casefold() for k in (*entry.native_keys(), *entry.portable_keys())]
    if "+" in word.strip("+"):
        return word in keys
    return word in " ".join([entry.label, entry.description, area, *keys]).casefold()


def _native(portable: str) -> str:
    return QKeySequence(portable).toString(QKeySequence.SequenceFormat.NativeText)
