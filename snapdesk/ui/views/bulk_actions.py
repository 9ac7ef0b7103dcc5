"""Bulk actions on a multi-selection (tree or table): pause, resume, delete (confirmed), change
budgets or bids (previewed), duplicate a campaign, rename with find & replace.

`BulkActions` owns the QActions; the window puts them in menus and the tree's context menu and
tells it the selection. Every action queues changes through `EditService` — nothing is sent."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QMessageBox, QWidget

from snapdesk.changes import ChangeError, ChangeGroup, EditService
from snapdesk.core.kinds import AD, AD_SQUAD, CAMPAIGN, CREATIVE, LABEL, SEGMENT
from snapdesk.ui._signals import emit
from snapdesk.ui.dialogs.bulk_budget import BulkAmountDialog
from snapdesk.ui.dialogs.bulk_rename import BulkRenameDialog

Item = tuple[str, str]  # (kind, entity id)

_PAUSABLE = (CAMPAIGN, AD_SQUAD, AD)
_DELETABLE = (CAMPAIGN, AD_SQUAD, AD, CREATIVE, SEGMENT)
_RENAMABLE = (CAMPAIGN, AD_SQUAD, AD, CREATIVE, SEGMENT)


def describe_items(items: Sequence[Item]) -> str:
    """ "2 campaigns and 1 ad"."""
    counts = Counter(kind for kind, _ in items)
    parts = []
    for kind, n in counts.items():
        noun = LABEL.get(kind, kind).lower()
        parts.append(f"{n} {noun}{'s' if n != 1 else ''}")
    if len(parts) > 1:
        return ", ".join(parts[:-1]) + " and " + parts[-1]
    return parts[0] if parts else "nothing"


class BulkActions(QObject):
    """Signals: `changes_made(object)` with the queued `ChangeGroup`; `message_posted(str, bool)`."""

    changes_made = Signal(object)
    message_posted = Signal(str, bool)

    def __init__(self, edits: EditService, *, parent_widget: QWidget) -> None:
        super().__init__(parent_widget)
        self._edits = edits
        self._widget = parent_widget
        self._items: list[Item] = []
        self._dialog: QWidget | None = None
        self.pause_action = QAction("Pause", self)
        self.pause_action.triggered.connect(self.pause)
        self.resume_action = QAction("Resume", self)
        self.resume_action.triggered.connect(self.resume)
        self.delete_action = QAction("Delete…", self)
        self.delete_action.triggered.connect(self.confirm_delete)
        self.budget_action = QAction("Change budgets…", self)
        self.budget_action.triggered.connect(self.change_budgets)
        self.bid_action = QAction("Change bids…", self)
        self.bid_action.triggered.connect(self.change_bids)
        self.duplicate_action = QAction("Duplicate campaign", self)
        self.duplicate_action.triggered.connect(self.duplicate)
        self.rename_action = QAction("Find && replace in names…", self)
        self.rename_action.triggered.connect(self.rename)
        self.set_selection([])

    @property
    def items(self) -> list[Item]:
        return list(self._items)

    def actions(self) -> list[QAction | None]:
        """In menu order; None is a separator."""
        return [
            self.pause_action,
            self.resume_action,
            None,
            self.budget_action,
            self.bid_action,
            self.rename_action,
            self.duplicate_action,
            None,
            self.delete_action,
        ]

    def fill_menu(self, menu: QMenu) -> None:
        for action in self.actions():
            if action is None:
                menu.addSeparator()
            else:
                menu.addAction(action)

    def set_selection(self, items: Sequence[Item]) -> None:
        self._items = [i for i in items if i[0] in (*_DELETABLE,)]
        kinds = {kind for kind, _ in self._items}
        what = describe_items(self._items) if self._items else ""
        pausable = bool(kinds & set(_PAUSABLE))
        self.pause_action.setEnabled(pausable)
        self.resume_action.setEnabled(pausable)
        self.pause_action.setText(f"Pause {what}" if pausable else "Pause")
        self.resume_action.setText(f"Resume {what}" if pausable else "Resume")
        self.delete_action.setEnabled(bool(self._items))
        self.delete_action.setText(f"Delete {what}…" if self._items else "Delete…")
        self.budget_action.setEnabled(bool(kinds & {CAMPAIGN, AD_SQUAD}))
        self.bid_action.setEnabled(AD_SQUAD in kinds)
        self.rename_action.setEnabled(bool(kinds & set(_RENAMABLE)))
        campaigns = [i for i in self._items if i[0] == CAMPAIGN]
        self.duplicate_action.setEnabled(len(campaigns) == 1 and len(self._items) == 1)

    # -- actions ---------------------------------------------------------------------------

    def pause(self) -> ChangeGroup | None:
        return self._run(lambda: self._edits.pause(self._pausable()))

    def resume(self) -> ChangeGroup | None:
        return self._run(lambda: self._edits.resume(self._pausable()))

    def confirm_delete(self) -> QMessageBox | None:
        if not self._items:
            return None
        what = describe_items(self._items)
        box = QMessageBox(self._widget)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Delete")
        box.setText(f"Delete {what}?")
        box.setInformativeText(
            "The deletion is queued as a pending change and sent when you post; until then you "
            "can revert or undo it. Snap can't restore deleted items."
        )
        box.setStandardButtons(QMessageBox.StandardButton.Cancel)
        delete = box.addButton(f"Delete {what}", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        items = list(self._items)

        def on_clicked(button: object) -> None:
            if button is delete:
                self.delete(items)

        box.buttonClicked.connect(on_clicked)
        self._dialog = box
        box.open()
        return box

    def delete(self, items: Sequence[Item] | None = None) -> ChangeGroup | None:
        chosen = list(items if items is not None else self._items)
        return self._run(lambda: self._edits.delete(chosen))

    def change_budgets(self) -> BulkAmountDialog:
        return self._open_amounts("budget")

    def change_bids(self) -> BulkAmountDialog:
        return self._open_amounts("bid")

    def _open_amounts(self, mode: str) -> BulkAmountDialog:
        items = [
            i
            for i in self._items
            if i[0] in ((CAMPAIGN, AD_SQUAD) if mode == "budget" else (AD_SQUAD,))
        ]
        dialog = BulkAmountDialog(self._edits, items, mode=mode, parent=self._widget)  # type: ignore[arg-type]
        dialog.applied.connect(self._on_dialog_applied)
        self._dialog = dialog
        dialog.open()
        return dialog

    def rename(self) -> BulkRenameDialog:
        items = [i for i in self._items if i[0] in _RENAMABLE]
        dialog = BulkRenameDialog(self._edits, items, parent=self._widget)
        dialog.applied.connect(self._on_dialog_applied)
        self._dialog = dialog
        dialog.open()
        return dialog

    def duplicate(self) -> ChangeGroup | None:
        campaigns = [entity_id for kind, entity_id in self._items if kind == CAMPAIGN]
        if len(campaigns) != 1:
            return None
        return self._run(lambda: self._edits.duplicate_campaign(campaigns[0]))

    # -- internals -------------------------------------------------------------------------

    def _pausable(self) -> list[Item]:
        return [i for i in self._items if i[0] in _PAUSABLE]

    def _run(self, action: object) -> ChangeGroup | None:
        assert callable(action)
        try:
            group = action()
        except ChangeError as exc:
            emit(self.message_posted, exc.message, True)
            return None
        self._announce(group)
        return group

    def _announce(self, group: ChangeGroup) -> None:
        skipped = [i.message for i in group.issues if i.code == "skipped"]
        n = len(group.changes)
        text = f"{group.label}: {n} pending change{'s' if n != 1 else ''} queued"
        if skipped:
            text += f" · skipped: {skipped[0]}"
        emit(self.message_posted, text, False)
        emit(self.changes_made, group)

    def _on_dialog_applied(self, group: object) -> None:
        if isinstance(group, ChangeGroup):
            self._announce(group)
