"""The right-hand editor: one editor per editable kind, the media upload, or a page saying why
the selection can't be edited here."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QStackedWidget, QVBoxLayout, QWidget

from snapdesk.changes import ChangeError, EditService
from snapdesk.core.kinds import AD, AD_SQUAD, CAMPAIGN, CREATIVE, LABEL
from snapdesk.ui._signals import emit
from snapdesk.ui.editors._editor import EntityEditor
from snapdesk.ui.editors.ad import AdEditor
from snapdesk.ui.editors.ad_squad import AdSquadEditor
from snapdesk.ui.editors.campaign import CampaignEditor
from snapdesk.ui.editors.creative import CreativeEditor
from snapdesk.ui.editors.media import MediaEditor
from snapdesk.ui.ops.targeting import TargetingServices
from snapdesk.ui.views.states import StatePage

EDITABLE = (CAMPAIGN, AD_SQUAD, AD, CREATIVE)


class EditorPane(QWidget):
    """Signals: `applied(object)` with a queued `ChangeGroup`; `failed(str)`."""

    applied = Signal(object)
    failed = Signal(str)

    def __init__(
        self,
        edits: EditService,
        parent: QWidget | None = None,
        *,
        targeting: TargetingServices | None = None,
    ) -> None:
        """`targeting`: the window's catalogues and estimates for the ad squad editor (None:
        the editor shows and keeps ids, and says why there is no estimate)."""
        super().__init__(parent)
        self._edits = edits
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.stack = QStackedWidget()
        layout.addWidget(self.stack)
        self.empty_page = StatePage(
            icon="search",
            title="Nothing to edit",
            text="Select a campaign, ad squad, ad or creative to edit it, or use New to create one.",
        )
        self.stack.addWidget(self.empty_page)
        self.editors: dict[str, EntityEditor] = {
            CAMPAIGN: CampaignEditor(edits=edits),
            AD_SQUAD: AdSquadEditor(edits=edits, targeting=targeting),
            AD: AdEditor(edits=edits),
            CREATIVE: CreativeEditor(edits=edits),
        }
        for editor in self.editors.values():
            editor.applied.connect(self._on_editor_applied)
            editor.failed.connect(self._on_editor_failed)
            self.stack.addWidget(editor)
        self.media_editor = MediaEditor(edits=edits)
        self.media_editor.applied.connect(self._on_editor_applied)
        self.media_editor.failed.connect(self._on_editor_failed)
        self.stack.addWidget(self.media_editor)

    @property
    def current_editor(self) -> QWidget | None:
        widget = self.stack.currentWidget()
        return None if widget is self.empty_page else widget

    def editor(self, kind: str) -> EntityEditor:
        return self.editors[kind]

    def show_entity(self, kind: str | None, entity_id: str | None) -> bool:
        """Load the entity into its editor; False (and the empty page) when not editable."""
        if kind not in EDITABLE or entity_id is None:
            noun = LABEL.get(kind or "", "this item").lower()
            self.empty_page.set_text(
                f"A {noun} can't be edited here. Select a campaign, ad squad, ad or creative, "
                "or use New to create one."
                if kind
                else "Select a campaign, ad squad, ad or creative to edit it."
            )
            self.stack.setCurrentWidget(self.empty_page)
            return False
        editor = self.editors[kind]
        try:
            editor.load(entity_id)
        except ChangeError as exc:
            self.empty_page.set_text(exc.message)
            self.stack.setCurrentWidget(self.empty_page)
            return False
        self.stack.setCurrentWidget(editor)
        return True

    def start_new(self, kind: str, *, parent_id: str, ad_account_id: str) -> EntityEditor:
        editor = self.editors[kind]
        editor.start_new(parent_id, ad_account_id=ad_account_id)
        self.stack.setCurrentWidget(editor)
        editor.name_edit.setFocus()  # type: ignore[attr-defined]
        return editor

    def start_media(self, *, ad_account_id: str, ad_squad_id: str | None) -> MediaEditor:
        self.media_editor.start(ad_account_id=ad_account_id, ad_squad_id=ad_squad_id)
        self.stack.setCurrentWidget(self.media_editor)
        return self.media_editor

    def reload(self) -> None:
        """Show the current entity as queued now (after undo, revert, post)."""
        widget = self.stack.currentWidget()
        if isinstance(widget, EntityEditor) and not widget.is_new:
            widget.reload()

    def _on_editor_applied(self, group: object) -> None:
        emit(self.applied, group)

    def _on_editor_failed(self, message: str) -> None:
        emit(self.failed, message)
