"""The ad editor: name, status, type and the creative it shows (from the account's creatives)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QComboBox, QLineEdit, QVBoxLayout

from snapdesk.changes import CREATE, ChangeGroup, ad_type_for_creative
from snapdesk.core.kinds import AD, CREATIVE
from snapdesk.core.validation import AD_TYPES, STATUSES
from snapdesk.store import AccountRow
from snapdesk.ui.editors._editor import EntityEditor
from snapdesk.ui.editors._form import EnumCombo, Section
from snapdesk.ui.formatting import humanize_enum

REVIEW_HINT = "Changing the creative or the type sends the ad back to Snap's review"


class AdEditor(EntityEditor):
    kind = AD
    parent_noun = "ad squad"

    def _build_form(self, layout: QVBoxLayout) -> None:
        section = Section("Ad")
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("e.g. Spring video — v2")
        self._register("name", section.add_row("Name", self.name_edit))
        self.status_combo = EnumCombo(STATUSES)
        self._register("status", section.add_row("Status", self.status_combo))
        self.creative_combo = QComboBox()
        self.creative_combo.setMinimumContentsLength(24)
        self._register(
            "creative_id", section.add_row("Creative", self.creative_combo, hint=REVIEW_HINT)
        )
        self.type_combo = EnumCombo(AD_TYPES)
        self._register(
            "type",
            section.add_row("Ad type", self.type_combo, hint="Must match the creative's type"),
        )
        layout.addWidget(section)
        self.name_edit.textChanged.connect(self._on_field_edited)
        self.status_combo.currentIndexChanged.connect(self._on_field_edited)
        self.type_combo.currentIndexChanged.connect(self._on_field_edited)
        self.creative_combo.currentIndexChanged.connect(self._on_creative_combo_changed)

    def _prepare(self, account: AccountRow | None) -> None:
        self.creative_combo.blockSignals(True)
        self.creative_combo.clear()
        self.creative_combo.addItem("Choose a creative…", None)
        self._creative_types: dict[str, str] = {}
        if account is not None:
            for creative in self._store.creatives(account.id):
                kind = str(creative.data.get("type") or "")
                self._creative_types[creative.id] = kind
                self.creative_combo.addItem(
                    f"{creative.name or creative.id} — {humanize_enum(kind)}", creative.id
                )
            for change in self._edits.pending(ad_account_ids=[account.id]):
                if change.kind == CREATIVE and change.action == CREATE and change.after:
                    kind = str(change.after.get("type") or "")
                    self._creative_types[change.entity_id] = kind
                    self.creative_combo.addItem(
                        f"+ {change.label or 'New creative'} — {humanize_enum(kind)} (not posted)",
                        change.entity_id,
                    )
        self.creative_combo.blockSignals(False)

    def _defaults(self) -> dict[str, Any]:
        return {"status": "PAUSED", "type": "SNAP_AD"}

    def _parent_fields(self) -> dict[str, Any]:
        return {"ad_squad_id": self._parent_id}

    def _fill(self, obj: dict[str, Any]) -> None:
        self.name_edit.setText(str(obj.get("name") or ""))
        self.status_combo.set_value(obj.get("status") or "PAUSED")
        self.type_combo.set_value(obj.get("type") or "SNAP_AD")
        creative_id = obj.get("creative_id")
        self.creative_combo.blockSignals(True)
        index = self.creative_combo.findData(creative_id) if creative_id else 0
        if index < 0:
            self.creative_combo.addItem(f"{creative_id} (not in the cache)", creative_id)
            index = self.creative_combo.count() - 1
        self.creative_combo.setCurrentIndex(index)
        self.creative_combo.blockSignals(False)

    def _collect(self) -> dict[str, Any]:
        creative = self.creative_combo.currentData()
        return {
            "name": self.name_edit.text().strip() or None,
            "status": self.status_combo.value(),
            "type": self.type_combo.value(),
            "creative_id": str(creative) if creative else None,
        }

    def select_creative(self, creative_id: str) -> None:
        index = self.creative_combo.findData(creative_id)
        if index >= 0:
            self.creative_combo.setCurrentIndex(index)

    def _on_creative_combo_changed(self, _index: int) -> None:
        creative_id = self.creative_combo.currentData()
        kind = self._creative_types.get(str(creative_id)) if creative_id else None
        if kind and not self._loading:
            wanted = ad_type_for_creative(kind)
            if wanted in AD_TYPES and self.type_combo.value() != wanted:
                self.type_combo.set_value(wanted)
        self._on_field_edited()

    def _create(self, fields: dict[str, Any]) -> ChangeGroup:
        assert self._parent_id is not None
        return self._edits.create_ad(ad_squad_id=self._parent_id, fields=fields)
