"""The ad squad editor: budget (daily or lifetime), bid strategy and bid, optimization, placement,
schedule, and targeting (countries and regions, age, gender, languages, devices, audiences)."""

from __future__ import annotations

import copy
from typing import Any, Final

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from snapdesk.changes import ChangeGroup
from snapdesk.core.kinds import AD_SQUAD
from snapdesk.core.validation import (
    AGES,
    BID_REQUIRED,
    BILLING_EVENTS,
    GENDERS,
    OPTIMIZATION_GOALS,
    STATUSES,
    Issue,
)
from snapdesk.store import AccountRow
from snapdesk.ui.editors._editor import EntityEditor
from snapdesk.ui.editors._form import (
    EnumCombo,
    MoneyField,
    Section,
    TimeField,
    row,
    split_codes,
)

BID_STRATEGY_LABELS: Final = {
    "AUTO_BID": "Auto-bid (Snap sets the bid)",
    "LOWEST_COST_WITH_MAX_BID": "Max bid (lowest cost, capped)",
    "TARGET_COST": "Target cost",
    "MIN_ROAS": "Minimum ROAS",
}
# Snap placements for a custom placement (placement_v2.snapchat_positions).
POSITIONS: Final = (
    ("INTERSTITIAL_USER", "Between friends' Stories"),
    ("INTERSTITIAL_CONTENT", "Between Publisher & Creator content"),
    ("INSTREAM", "Within Publisher & Creator content"),
    ("FEED", "Discover feed"),
)
DEVICES: Final = (("iOS", "iOS"), ("ANDROID", "Android"), ("WEB", "Web"))
DAILY: Final = "DAILY"
LIFETIME: Final = "LIFETIME"


class AdSquadEditor(EntityEditor):
    kind = AD_SQUAD
    parent_noun = "campaign"

    def _build_form(self, layout: QVBoxLayout) -> None:
        self._targeting: dict[str, Any] | None = None
        self._placement: dict[str, Any] | None = None

        basics = Section("Ad squad")
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("e.g. US · 18-34 · Sneakers")
        self._register("name", basics.add_row("Name", self.name_edit))
        self.status_combo = EnumCombo(STATUSES)
        self._register("status", basics.add_row("Status", self.status_combo))
        self.goal_combo = EnumCombo(OPTIMIZATION_GOALS, none_label="Not set")
        self._register("optimization_goal", basics.add_row("Optimization goal", self.goal_combo))
        self.billing_combo = EnumCombo(BILLING_EVENTS, none_label="Not set")
        self._register("billing_event", basics.add_row("Billing event", self.billing_combo))
        layout.addWidget(basics)

        budget = Section("Budget and bid")
        self.budget_type = EnumCombo(
            (DAILY, LIFETIME), labels={DAILY: "Daily budget", LIFETIME: "Lifetime budget"}
        )
        self.budget_field = MoneyField(placeholder="Amount")
        self._register(
            "budget",
            budget.add_row(
                "Budget",
                row(self.budget_type, self.budget_field, stretch_last=True),
                hint="Snap's minimum is 5.00 in the account's currency",
            ),
        )
        self.bid_strategy = EnumCombo(tuple(BID_STRATEGY_LABELS)[:3], labels=BID_STRATEGY_LABELS)
        self._register("bid_strategy", budget.add_row("Bid strategy", self.bid_strategy))
        self.bid_field = MoneyField(placeholder="Bid")
        self._register(
            "bid_micro",
            budget.add_row("Bid", self.bid_field, hint="Only for max bid and target cost"),
        )
        layout.addWidget(budget)

        placement = Section("Placement and schedule")
        self.placement_combo = EnumCombo(
            ("AUTOMATIC", "CUSTOM"),
            labels={"AUTOMATIC": "Automatic (recommended)", "CUSTOM": "Choose placements"},
        )
        positions = QWidget()
        positions_layout = QVBoxLayout(positions)
        positions_layout.setContentsMargins(0, 4, 0, 0)
        positions_layout.setSpacing(3)
        positions_layout.addWidget(self.placement_combo)
        self.position_boxes: dict[str, QCheckBox] = {}
        for value, label in POSITIONS:
            box = QCheckBox(label)
            box.toggled.connect(self._on_field_edited)
            self.position_boxes[value] = box
            positions_layout.addWidget(box)
        self._register("placement_v2", placement.add_row("Placement", positions))
        self.start_field = TimeField(optional=True, optional_label="")
        self._register(
            "start_time",
            placement.add_row("Starts", self.start_field, hint="Unchecked: with the campaign"),
        )
        self.end_field = TimeField(optional=True, optional_label="")
        self._register(
            "end_time",
            placement.add_row("Ends", self.end_field, hint="Required with a lifetime budget"),
        )
        layout.addWidget(placement)

        targeting = Section("Targeting")
        self.countries_edit = QLineEdit()
        self.countries_edit.setPlaceholderText("us, gb, fr")
        self._register(
            "targeting",
            targeting.add_row(
                "Countries", self.countries_edit, hint="Two-letter codes, lowercase (ISO 3166)"
            ),
        )
        self.regions_edit = QLineEdit()
        self.regions_edit.setPlaceholderText("Region ids, e.g. 3, 17")
        self._register(
            "regions",
            targeting.add_row("Regions", self.regions_edit, hint="For a single country only"),
        )
        self.age_min = EnumCombo(AGES[:-1], none_label="Any")
        self.age_max = EnumCombo(AGES, none_label="Any")
        self.age_min.setAccessibleName("Minimum age")
        self.age_max.setAccessibleName("Maximum age")
        to_label = QLabel("to")
        to_label.setObjectName("muted")
        self._register("age", targeting.add_row("Age", row(self.age_min, to_label, self.age_max)))
        self.gender_combo = EnumCombo(GENDERS, none_label="All genders")
        self._register("gender", targeting.add_row("Gender", self.gender_combo))
        self.languages_edit = QLineEdit()
        self.languages_edit.setPlaceholderText("en, es")
        self._register(
            "languages",
            targeting.add_row(
                "Languages", self.languages_edit, hint="Two-letter codes; empty: all"
            ),
        )
        self.device_boxes: dict[str, QCheckBox] = {}
        devices = QWidget()
        devices_layout = QVBoxLayout(devices)
        devices_layout.setContentsMargins(0, 0, 0, 0)
        boxes = []
        for value, label in DEVICES:
            box = QCheckBox(label)
            box.toggled.connect(self._on_field_edited)
            self.device_boxes[value] = box
            boxes.append(box)
        devices_layout.addWidget(row(*boxes))
        self._register(
            "devices", targeting.add_row("Devices", devices, hint="None checked: every device")
        )
        self.include_list = _segment_list()
        self.exclude_list = _segment_list()
        self._register(
            "segments_include", targeting.add_row("Include audiences", self.include_list)
        )
        self._register(
            "segments_exclude", targeting.add_row("Exclude audiences", self.exclude_list)
        )
        layout.addWidget(targeting)

        self.name_edit.textChanged.connect(self._on_field_edited)
        for combo in (
            self.status_combo,
            self.goal_combo,
            self.billing_combo,
            self.budget_type,
            self.bid_strategy,
            self.placement_combo,
            self.age_min,
            self.age_max,
            self.gender_combo,
        ):
            combo.currentIndexChanged.connect(self._on_field_edited)
        self.bid_strategy.currentIndexChanged.connect(self._update_enabled)
        self.placement_combo.currentIndexChanged.connect(self._update_enabled)
        for field in (self.budget_field, self.bid_field, self.start_field, self.end_field):
            field.edited.connect(self._on_field_edited)
        for edit in (self.countries_edit, self.regions_edit, self.languages_edit):
            edit.textChanged.connect(self._on_field_edited)
            edit.textChanged.connect(self._update_enabled)
        for segments in (self.include_list, self.exclude_list):
            segments.itemChanged.connect(self._on_field_edited)

    # -- loading ---------------------------------------------------------------------------

    def _prepare(self, account: AccountRow | None) -> None:
        currency = account.currency if account else None
        timezone = account.timezone if account else None
        self.budget_field.set_currency(currency)
        self.bid_field.set_currency(currency)
        self.start_field.set_zone(timezone)
        self.end_field.set_zone(timezone)
        for segments in (self.include_list, self.exclude_list):
            segments.blockSignals(True)
            segments.clear()
            if account is not None:
                for segment in self._store.segments(account.id):
                    item = QListWidgetItem(segment.name or segment.id)
                    item.setData(Qt.ItemDataRole.UserRole, segment.id)
                    item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                    item.setCheckState(Qt.CheckState.Unchecked)
                    users = segment.data.get("approximate_number_users")
                    if users is not None:
                        item.setToolTip(f"≈ {int(users):,} users · id {segment.id}")
                    segments.addItem(item)
            segments.blockSignals(False)

    def _defaults(self) -> dict[str, Any]:
        return {
            "status": "PAUSED",
            "type": "SNAP_ADS",
            "billing_event": "IMPRESSION",
            "optimization_goal": "IMPRESSIONS",
            "bid_strategy": "AUTO_BID",
            "placement_v2": {"config": "AUTOMATIC"},
            "targeting": {"geos": [{"country_code": "us"}]},
        }

    def _parent_fields(self) -> dict[str, Any]:
        return {"campaign_id": self._parent_id}

    def _fill(self, obj: dict[str, Any]) -> None:
        self._targeting = copy.deepcopy(obj.get("targeting"))
        self._placement = copy.deepcopy(obj.get("placement_v2"))
        self.name_edit.setText(str(obj.get("name") or ""))
        self.status_combo.set_value(obj.get("status") or "PAUSED")
        self.goal_combo.set_value(obj.get("optimization_goal"))
        self.billing_combo.set_value(obj.get("billing_event"))
        lifetime = obj.get("lifetime_budget_micro")
        if lifetime is not None and obj.get("daily_budget_micro") is None:
            self.budget_type.set_value(LIFETIME)
            self.budget_field.set_micro(lifetime)
        else:
            self.budget_type.set_value(DAILY)
            self.budget_field.set_micro(obj.get("daily_budget_micro"))
        self.bid_strategy.set_value(obj.get("bid_strategy") or "AUTO_BID")
        self.bid_field.set_micro(obj.get("bid_micro"))
        placement = obj.get("placement_v2") or {}
        self.placement_combo.set_value(placement.get("config") or "AUTOMATIC")
        chosen = set(placement.get("snapchat_positions") or [])
        for value, box in self.position_boxes.items():
            box.setChecked(value in chosen)
        self.start_field.set_value(obj.get("start_time"))
        self.end_field.set_value(obj.get("end_time"))
        self._fill_targeting(obj.get("targeting") or {})
        self._update_enabled()

    def _fill_targeting(self, targeting: dict[str, Any]) -> None:
        geos = [g for g in targeting.get("geos") or [] if isinstance(g, dict)]
        self.countries_edit.setText(", ".join(str(g.get("country_code") or "") for g in geos))
        regions = [r for g in geos for r in g.get("region_id") or []]
        self.regions_edit.setText(", ".join(map(str, regions)))
        demo = _main_demographic(targeting)
        self.age_min.set_value(str(demo["min_age"]) if demo.get("min_age") is not None else None)
        self.age_max.set_value(str(demo["max_age"]) if demo.get("max_age") is not None else None)
        self.gender_combo.set_value(demo.get("gender"))
        self.languages_edit.setText(", ".join(map(str, demo.get("languages") or [])))
        os_types = {str(d.get("os_type")) for d in targeting.get("devices") or [] if d}
        for value, box in self.device_boxes.items():
            box.setChecked(value in os_types or value.upper() in {o.upper() for o in os_types})
        include, exclude = _segments(targeting)
        for segments, chosen in ((self.include_list, include), (self.exclude_list, exclude)):
            segments.blockSignals(True)
            for n in range(segments.count()):
                item = segments.item(n)
                checked = item.data(Qt.ItemDataRole.UserRole) in chosen
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
            segments.blockSignals(False)

    # -- collecting ------------------------------------------------------------------------

    def _collect(self) -> dict[str, Any]:
        lifetime = self.budget_type.value() == LIFETIME
        budget = self._money(
            self.budget_field,
            "budget",
            fallback="lifetime_budget_micro" if lifetime else "daily_budget_micro",
        )
        strategy = self.bid_strategy.value()
        bid = self._money(self.bid_field, "bid_micro") if strategy in BID_REQUIRED else None
        return {
            "name": self.name_edit.text().strip() or None,
            "status": self.status_combo.value(),
            "optimization_goal": self.goal_combo.value(),
            "billing_event": self.billing_combo.value(),
            "daily_budget_micro": None if lifetime else budget,
            "lifetime_budget_micro": budget if lifetime else None,
            "bid_strategy": strategy,
            "bid_micro": bid,
            "placement_v2": self._collect_placement(),
            "start_time": self.start_field.value(),
            "end_time": self.end_field.value(),
            "targeting": self._collect_targeting(),
        }

    def _collect_placement(self) -> dict[str, Any]:
        original = dict(self._placement or {})
        if self.placement_combo.value() == "AUTOMATIC":
            if original.get("config") == "AUTOMATIC":
                return original
            return {"config": "AUTOMATIC"}
        chosen = [v for v, box in self.position_boxes.items() if box.isChecked()]
        placement = {k: v for k, v in original.items() if k != "snapchat_positions"}
        placement["config"] = "CUSTOM"
        placement.setdefault("platforms", ["SNAPCHAT"])
        if chosen:
            placement["snapchat_positions"] = chosen
        return placement

    def _collect_targeting(self) -> dict[str, Any] | None:
        original = self._targeting or {}
        targeting = copy.deepcopy(original)
        countries = split_codes(self.countries_edit.text())
        regions = [r for r in split_codes(self.regions_edit.text())]
        old_geos = {
            str(g.get("country_code")): g for g in original.get("geos") or [] if isinstance(g, dict)
        }
        geos = []
        for code in countries:
            geo = {k: v for k, v in old_geos.get(code, {}).items() if k != "region_id"}
            geo["country_code"] = code
            if regions and len(countries) == 1:
                geo["region_id"] = regions
            geos.append(geo)
        _set(targeting, "geos", geos)

        demographics = [copy.deepcopy(d) for d in original.get("demographics") or []]
        main = next((d for d in demographics if d.get("operation", "INCLUDE") == "INCLUDE"), None)
        if main is None:
            main = {}
            demographics.insert(0, main)
        _set(main, "min_age", self.age_min.value())
        _set(main, "max_age", self.age_max.value())
        _set(main, "gender", self.gender_combo.value())
        _set(main, "languages", split_codes(self.languages_edit.text()))
        if not any(k for k in main if k != "operation"):
            demographics.remove(main)
        _set(targeting, "demographics", demographics)

        old_devices = {
            str(d.get("os_type")).upper(): d
            for d in original.get("devices") or []
            if isinstance(d, dict)
        }
        devices = []
        for value, box in self.device_boxes.items():
            if box.isChecked():
                devices.append(old_devices.get(value.upper(), {"os_type": value}))
        _set(targeting, "devices", devices)

        include = _checked(self.include_list)
        exclude = _checked(self.exclude_list)
        other_segments = [
            s
            for s in original.get("segments") or []
            if isinstance(s, dict) and s.get("operation", "INCLUDE") not in ("INCLUDE", "EXCLUDE")
        ]
        segments = list(other_segments)
        if include:
            segments.append({"segment_id": include, "operation": "INCLUDE"})
        if exclude:
            segments.append({"segment_id": exclude, "operation": "EXCLUDE"})
        _set(targeting, "segments", segments)
        if not targeting and self._targeting is None:
            return None
        return targeting

    def _field_key(self, field: str) -> str:
        if field in ("daily_budget_micro", "lifetime_budget_micro"):
            return "budget"
        return field

    def _extra_issues(self, preview: dict[str, Any]) -> list[Issue]:
        issues = []
        strategy = preview.get("bid_strategy")
        if strategy in BID_REQUIRED and preview.get("bid_micro") is None:
            # an error even when only the strategy changed (Snap refuses it without a bid)
            issues.append(Issue("bid_micro", f"A bid is required with {strategy}", "error"))
        if (
            split_codes(self.regions_edit.text())
            and len(split_codes(self.countries_edit.text())) != 1
        ):
            issues.append(Issue("regions", "Regions need exactly one country"))
        if self.placement_combo.value() == "CUSTOM" and not any(
            box.isChecked() for box in self.position_boxes.values()
        ):
            issues.append(Issue("placement_v2", "Choose at least one placement"))
        both = set(_checked(self.include_list)) & set(_checked(self.exclude_list))
        if both:
            issues.append(
                Issue("segments_exclude", "An audience can't be both included and excluded")
            )
        return issues

    def _update_enabled(self, *_args: object) -> None:
        needs_bid = self.bid_strategy.value() in BID_REQUIRED
        self.bid_field.setEnabled(needs_bid)
        self.bid_field.edit.setPlaceholderText("Required" if needs_bid else "Set by Snap")
        custom = self.placement_combo.value() == "CUSTOM"
        for box in self.position_boxes.values():
            box.setVisible(custom)
        self.regions_edit.setEnabled(len(split_codes(self.countries_edit.text())) == 1)

    def _create(self, fields: dict[str, Any]) -> ChangeGroup:
        assert self._parent_id is not None
        return self._edits.create_ad_squad(campaign_id=self._parent_id, fields=fields)


def _segment_list() -> QListWidget:
    widget = QListWidget()
    widget.setMaximumHeight(96)
    widget.setMinimumHeight(60)
    widget.setToolTip("The ad account's cached audience segments")
    return widget


def _checked(widget: QListWidget) -> list[str]:
    out = []
    for n in range(widget.count()):
        item = widget.item(n)
        if item.checkState() == Qt.CheckState.Checked:
            out.append(str(item.data(Qt.ItemDataRole.UserRole)))
    return out


def _main_demographic(targeting: dict[str, Any]) -> dict[str, Any]:
    for demo in targeting.get("demographics") or []:
        if isinstance(demo, dict) and demo.get("operation", "INCLUDE") == "INCLUDE":
            return demo
    return {}


def _segments(targeting: dict[str, Any]) -> tuple[set[str], set[str]]:
    include: set[str] = set()
    exclude: set[str] = set()
    for block in targeting.get("segments") or []:
        if not isinstance(block, dict):
            continue
        ids = {str(s) for s in block.get("segment_id") or []}
        if block.get("operation", "INCLUDE") == "EXCLUDE":
            exclude |= ids
        else:
            include |= ids
    return include, exclude


def _set(obj: dict[str, Any], key: str, value: Any) -> None:
    """Set `key`, or remove it when `value` is empty."""
    if value is None or value == [] or value == "":
        obj.pop(key, None)
    else:
        obj[key] = value
