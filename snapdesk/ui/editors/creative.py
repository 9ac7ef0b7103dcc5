"""The creative editor: type (Snap ad, web view …), headline (≤ 34, live counter), brand name
(≤ 32) or public profile, call to action, web view URL and the top Snap media."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from PySide6.QtWidgets import QComboBox, QLineEdit, QVBoxLayout

from snapdesk.changes import ChangeGroup
from snapdesk.core.kinds import CREATIVE
from snapdesk.core.validation import BRAND_NAME_MAX, CREATIVE_TYPES, HEADLINE_MAX
from snapdesk.store import AccountRow, Store
from snapdesk.ui.editors._editor import EntityEditor
from snapdesk.ui.editors._form import CountedLineEdit, EnumCombo, FieldMessage, Section
from snapdesk.ui.formatting import humanize_enum

CALLS_TO_ACTION: Final = (
    "SHOP_NOW",
    "LEARN_MORE",
    "SIGN_UP",
    "INSTALL_NOW",
    "DOWNLOAD",
    "WATCH",
    "VIEW",
    "BOOK_NOW",
    "ORDER_NOW",
    "GET_NOW",
    "APPLY_NOW",
    "BUY_TICKETS",
)
# The types offered first; the rest of Snap's creative types follow.
MAIN_TYPES: Final = ("SNAP_AD", "WEB_VIEW", "APP_INSTALL", "DEEP_LINK")
TYPE_LABELS: Final = {"SNAP_AD": "Snap ad (no attachment)", "WEB_VIEW": "Web view (opens a URL)"}


class CreativeFields:
    """The creative's fields in a section; shared by the creative editor and the media editor
    (which creates a creative for new media)."""

    def __init__(
        self,
        section: Section,
        *,
        register: Callable[[str, FieldMessage], FieldMessage],
        on_edit: Callable[..., None],
        with_media: bool,
    ) -> None:
        self._web_view: dict[str, Any] = {}
        self._profile: dict[str, Any] = {}
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("e.g. Spring hero — 9:16")
        register("name", section.add_row("Name", self.name_edit))
        types = (*MAIN_TYPES, *(t for t in CREATIVE_TYPES if t not in MAIN_TYPES))
        self.type_combo = EnumCombo(types, labels=TYPE_LABELS)
        register("type", section.add_row("Type", self.type_combo))
        self.headline = CountedLineEdit(HEADLINE_MAX, placeholder="Shown under the brand name")
        register("headline", section.add_row("Headline", self.headline))
        self.brand_name = CountedLineEdit(BRAND_NAME_MAX, placeholder="e.g. Acme")
        register(
            "brand_name",
            section.add_row("Brand name", self.brand_name, hint="Or a public profile below"),
        )
        self.profile_edit = QLineEdit()
        self.profile_edit.setPlaceholderText("Public profile id (optional)")
        register("profile_properties", section.add_row("Public profile", self.profile_edit))
        self.cta_combo = EnumCombo(CALLS_TO_ACTION, none_label="None")
        register("call_to_action", section.add_row("Call to action", self.cta_combo))
        self.url_edit = QLineEdit()
        self.url_edit.setPlaceholderText("https://www.example.com/landing")
        register(
            "web_view_properties",
            section.add_row("Web view URL", self.url_edit, hint="For web view creatives"),
        )
        self.media_combo: QComboBox | None = None
        if with_media:
            self.media_combo = QComboBox()
            register("top_snap_media_id", section.add_row("Top Snap media", self.media_combo))
            self.media_combo.currentIndexChanged.connect(on_edit)
        for edit in (self.name_edit, self.profile_edit, self.url_edit):
            edit.textChanged.connect(on_edit)
        for counted in (self.headline, self.brand_name):
            counted.edited.connect(on_edit)
        for combo in (self.type_combo, self.cta_combo):
            combo.currentIndexChanged.connect(on_edit)
        self.type_combo.currentIndexChanged.connect(self.update_enabled)

    def prepare(self, store: Store, account: AccountRow | None) -> None:
        if self.media_combo is None:
            return
        self.media_combo.blockSignals(True)
        self.media_combo.clear()
        self.media_combo.addItem("Choose media…", None)
        if account is not None:
            for media in store.media(account.id):
                kind = humanize_enum(str(media.data.get("type") or ""))
                self.media_combo.addItem(f"{media.name or media.id} — {kind}", media.id)
        self.media_combo.blockSignals(False)

    def fill(self, obj: dict[str, Any]) -> None:
        self._web_view = dict(obj.get("web_view_properties") or {})
        self._profile = dict(obj.get("profile_properties") or {})
        self.name_edit.setText(str(obj.get("name") or ""))
        self.type_combo.set_value(obj.get("type") or "SNAP_AD")
        self.headline.setText(str(obj.get("headline") or ""))
        self.brand_name.setText(str(obj.get("brand_name") or ""))
        self.profile_edit.setText(str(self._profile.get("profile_id") or ""))
        self.cta_combo.set_value(obj.get("call_to_action"))
        self.url_edit.setText(str(self._web_view.get("url") or ""))
        if self.media_combo is not None:
            media_id = obj.get("top_snap_media_id")
            self.media_combo.blockSignals(True)
            index = self.media_combo.findData(media_id) if media_id else 0
            if index < 0:
                self.media_combo.addItem(f"{media_id} (not in the cache)", media_id)
                index = self.media_combo.count() - 1
            self.media_combo.setCurrentIndex(index)
            self.media_combo.blockSignals(False)
        self.update_enabled()

    def collect(self) -> dict[str, Any]:
        creative_type = self.type_combo.value()
        url = self.url_edit.text().strip()
        web_view: dict[str, Any] | None = None
        if creative_type == "WEB_VIEW" or (url and self._web_view):
            web_view = {**self._web_view, "url": url} if url else None
        profile_id = self.profile_edit.text().strip()
        profile = {**self._profile, "profile_id": profile_id} if profile_id else None
        out = {
            "name": self.name_edit.text().strip() or None,
            "type": creative_type,
            "headline": self.headline.text().strip() or None,
            "brand_name": self.brand_name.text().strip() or None,
            "profile_properties": profile,
            "call_to_action": self.cta_combo.value(),
            "web_view_properties": web_view,
        }
        if self.media_combo is not None:
            media = self.media_combo.currentData()
            out["top_snap_media_id"] = str(media) if media else None
        return out

    def update_enabled(self, *_args: object) -> None:
        self.url_edit.setEnabled(self.type_combo.value() == "WEB_VIEW")


class CreativeEditor(EntityEditor):
    kind = CREATIVE

    def _build_form(self, layout: QVBoxLayout) -> None:
        section = Section("Creative")
        self.fields = CreativeFields(
            section, register=self._register, on_edit=self._on_field_edited, with_media=True
        )
        layout.addWidget(section)
        self.name_edit = self.fields.name_edit
        self.type_combo = self.fields.type_combo
        self.headline = self.fields.headline
        self.brand_name = self.fields.brand_name
        self.url_edit = self.fields.url_edit

    def _prepare(self, account: AccountRow | None) -> None:
        self.fields.prepare(self._store, account)

    def _defaults(self) -> dict[str, Any]:
        return {"type": "SNAP_AD"}

    def _parent_fields(self) -> dict[str, Any]:
        return {"ad_account_id": self._parent_id}

    def _fill(self, obj: dict[str, Any]) -> None:
        self.fields.fill(obj)

    def _collect(self) -> dict[str, Any]:
        return self.fields.collect()

    def _create(self, fields: dict[str, Any]) -> ChangeGroup:
        assert self._parent_id is not None
        return self._edits.create_creative(ad_account_id=self._parent_id, fields=fields)
