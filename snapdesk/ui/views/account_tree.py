"""The tree view over `AccountTreeModel`, which can save and restore what is expanded and
selected across model resets."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTreeView, QWidget

from snapdesk.ui.models.account_tree import (
    DETAILS_COLUMN,
    NAME_COLUMN,
    STATUS_COLUMN,
    AccountTreeModel,
)
from snapdesk.ui.models.tree_nodes import NodeKey, TreeNode

Path = tuple[NodeKey, ...]

# The Details column shows from this width of the tree, the Status column from STATUS_FROM: a
# narrow tree (the grid in front, a 1280x800 screen) keeps the names whole instead.
DETAILS_FROM = 620
STATUS_FROM = 420


class AccountTreeView(QTreeView):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setUniformRowHeights(True)
        self.setAnimated(False)
        self.setAlternatingRowColors(False)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setIndentation(18)
        self.setExpandsOnDoubleClick(True)
        self.setAllColumnsShowFocus(True)

    def setModel(self, model: AccountTreeModel) -> None:  # type: ignore[override]
        super().setModel(model)
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(NAME_COLUMN, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(STATUS_COLUMN, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(DETAILS_COLUMN, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(STATUS_COLUMN, 140)
        header.resizeSection(DETAILS_COLUMN, 220)
        header.setMinimumSectionSize(60)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.model() is None:
            return
        width = event.size().width()
        self.setColumnHidden(DETAILS_COLUMN, width < DETAILS_FROM)
        self.setColumnHidden(STATUS_COLUMN, width < STATUS_FROM)

    def tree_model(self) -> AccountTreeModel:
        model = self.model()
        assert isinstance(model, AccountTreeModel)
        return model

    def current_node(self) -> TreeNode | None:
        return self.tree_model().node(self.currentIndex())

    def expanded_paths(self) -> list[Path]:
        model = self.tree_model()
        return [
            node.path()
            for node in model.iter_loaded()
            if node.children and self.isExpanded(model.index_for_node(node))
        ]

    def restore_state(self, *, expanded: list[Path], selected: Path | None) -> None:
        """Re-expand `expanded` paths and re-select `selected` (or its nearest surviving
        ancestor) after the model was rebuilt."""
        model = self.tree_model()
        for path in sorted(expanded, key=len):
            index = model.locate(path)
            if index.isValid():
                model.fetch_all(index)
                self.expand(index)
        if selected:
            for depth in range(len(selected), 0, -1):
                index = model.locate(selected[:depth])
                if index.isValid():
                    self.select(index)
                    break

    def select(self, index: QModelIndex) -> None:
        self.setCurrentIndex(index)
        self.scrollTo(index, QAbstractItemView.ScrollHint.EnsureVisible)

    def expand_path(self, path: Path) -> QModelIndex:
        """Expand every ancestor of `path` and return its index (invalid if not found)."""
        model = self.tree_model()
        for depth in range(1, len(path)):
            index = model.locate(path[:depth])
            if not index.isValid():
                return QModelIndex()
            self.expand(index)
        return model.locate(path)
