"""The campaign editor: name, status, schedule in the account's time zone, budget and spend cap
in its currency, objective and buy model."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QLineEdit, QVBoxLayout

from snapdesk.changes import ChangeGroup
from snapdesk.core.kinds import CAMPAIGN
from snapdesk.core.validation import BUY_MODELS, OBJECTIVES, STATUSES
from snapdesk.store import AccountRow
from snapdesk.ui.editors._editor import EntityEditor
from snapdesk.ui.editors._form import EnumCombo, MoneyField, Section, TimeField


class CampaignEditor(EntityEditor):
    kind = CAMPAIGN

    def _build_form(self, layout: QVBoxLayout) -> None:
        basics = Section("Campaign")
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("e.g. Spring Sale 2026")
        self._register("name", basics.add_row("Name", self.name_edit))
        self.status_combo = EnumCombo(STATUSES)
        self._register("status", basics.add_row("Status", self.status_combo))
        self.objective_combo = EnumCombo(OBJECTIVES, none_label="Not set")
        self._register(
            "objective",
            basics.add_row(
                "Objective", self.objective_combo, hint="Snap derives the objective type from it"
            ),
        )
        self.buy_model_combo = EnumCombo(BUY_MODELS, none_label="Not set (auction)")
        self._register("buy_model", basics.add_row("Buy model", self.buy_model_combo))
        layout.addWidget(basics)

        schedule = Section("Schedule")
        self.start_field = TimeField(optional=False)
        self._register("start_time", schedule.add_row("Starts", self.start_field))
        self.end_field = TimeField(optional=True, optional_label="")
        self._register(
            "end_time",
            schedule.add_row(
                "Ends", self.end_field, hint="Unchecked: no end date (runs until paused)"
            ),
        )
        layout.addWidget(schedule)

        money = Section("Budget")
        self.daily_budget = MoneyField(placeholder="No daily budget")
        self._register(
            "daily_budget_micro",
            money.add_row("Daily budget", self.daily_budget, hint="Empty: no campaign cap"),
        )
        self.spend_cap = MoneyField(placeholder="No spend cap")
        self._register(
            "lifetime_spend_cap_micro", money.add_row("Lifetime spend cap", self.spend_cap)
        )
        layout.addWidget(money)

        self.name_edit.textChanged.connect(self._on_field_edited)
        for combo in (self.status_combo, self.objective_combo, self.buy_model_combo):
            combo.currentIndexChanged.connect(self._on_field_edited)
        for field in (self.start_field, self.end_field, self.daily_budget, self.spend_cap):
            field.edited.connect(self._on_field_edited)

    def _prepare(self, account: AccountRow | None) -> None:
        currency = account.currency if account else None
        timezone = account.timezone if account else None
        self.daily_budget.set_currency(currency)
        self.spend_cap.set_currency(currency)
        self.start_field.set_zone(timezone)
        self.end_field.set_zone(timezone)

    def _defaults(self) -> dict[str, Any]:
        return {"status": "PAUSED", "objective": "BRAND_AWARENESS"}

    def _parent_fields(self) -> dict[str, Any]:
        return {"ad_account_id": self._parent_id}

    def _fill(self, obj: dict[str, Any]) -> None:
        self.name_edit.setText(str(obj.get("name") or ""))
        self.status_combo.set_value(obj.get("status") or "PAUSED")
        self.objective_combo.set_value(obj.get("objective"))
        self.buy_model_combo.set_value(obj.get("buy_model"))
        self.start_field.set_value(obj.get("start_time"))
        self.end_field.set_value(obj.get("end_time"))
        self.daily_budget.set_micro(obj.get("daily_budget_micro"))
        self.spend_cap.set_micro(obj.get("lifetime_spend_cap_micro"))

    def _collect(self) -> dict[str, Any]:
        return {
            "name": self.name_edit.text().strip() or None,
            "status": self.status_combo.value(),
            "objective": self.objective_combo.value(),
            "buy_model": self.buy_model_combo.value(),
            "start_time": self.start_field.value(),
            "end_time": self.end_field.value(),
            "daily_budget_micro": self._money(self.daily_budget, "daily_budget_micro"),
            "lifetime_spend_cap_micro": self._money(self.spend_cap, "lifetime_spend_cap_micro"),
        }

    def _create(self, fields: dict[str, Any]) -> ChangeGroup:
        assert self._parent_id is not None
        return self._edits.create_campaign(ad_account_id=self._parent_id, fields=fields)
