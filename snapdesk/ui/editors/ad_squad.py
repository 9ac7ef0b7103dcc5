"""The ad squad editor: budget (daily or lifetime), bid strategy and bid, optimization, placement,
schedule, and targeting a marketer can use: locations by name (countries, regions, metros, postal
codes; include or exclude), demographics, an interest browser, devices, audiences, and the
estimated audience size and suggested bid, updated as the targeting changes.

Targeting round-trips: what the user doesn't touch is sent back exactly as Snap gave it
(`snapdesk.core.targeting_edit`); names come from the window's `TargetingServices`."""

from __future__ import annotations

import copy
from typing import Any, Final

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from snapdesk.changes import ChangeGroup, EditService
from snapdesk.core.kinds import AD_SQUAD
from snapdesk.core.targeting_edit import (
    COUNTRY,
    EXCLUDE,
    INCLUDE,
    Demographics,
    Devices,
    Place,
    TargetingParts,
    parse_age,
    read_locations,
    read_parts,
    write_parts,
)
from snapdesk.core.validation import (
    AGES,
    BID_REQUIRED,
    BILLING_EVENTS,
    MAX_AGE,
    MIN_AGE,
    OPTIMIZATION_GOALS,
    STATUSES,
    Issue,
)
from snapdesk.store import AccountRow
from snapdesk.targeting import DIMENSIONS, INTEREST_DIMENSIONS, TargetingOption
from snapdesk.ui.editors._editor import EntityEditor
from snapdesk.ui.editors._form import (
    EnumCombo,
    MoneyField,
    Section,
    TimeField,
    row,
)
from snapdesk.ui.editors._targeting import (
    KIND_WORDS,
    AudienceTable,
    Choice,
    ChoiceTable,
    EstimateController,
    EstimateRequest,
    EstimateView,
    InterestBrowser,
    OptionSearch,
)
from snapdesk.ui.ops.targeting import TargetingServices

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
OS_LABELS: Final = {"iOS": "iOS", "ANDROID": "Android"}
CONNECTION_LABELS: Final = {"WIFI": "Wi-Fi", "CELL": "Cellular"}
GENDER_LABELS: Final = {"MALE": "Male", "FEMALE": "Female"}
PLACE_KINDS: Final = ("country", "region", "metro", "postal_code")
REFRESH_MS: Final = 40  # catalogue lists that load within this show together
# Targeting issue fields shown under another part of the form.
TARGETING_ALIASES: Final = {
    "targeting": "targeting.geos",
    "targeting.locations": "targeting.geos",
    "targeting.demographics": "targeting.age",
}
DAILY: Final = "DAILY"
LIFETIME: Final = "LIFETIME"


class AdSquadEditor(EntityEditor):
    kind = AD_SQUAD
    parent_noun = "campaign"

    def __init__(
        self,
        *,
        edits: EditService,
        targeting: TargetingServices | None = None,
        parent: QWidget | None = None,
    ) -> None:
        self._services = targeting
        super().__init__(edits=edits, parent=parent)
        self.estimates = EstimateController(self.estimate_view, self)
        self.estimates.set_services(targeting)
        self._changed_lists: set[str] = set()
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(REFRESH_MS)
        self._refresh_timer.timeout.connect(self._on_refresh_timer_timeout)
        if targeting is not None:
            targeting.options_changed.connect(self._on_services_options_changed)

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

        self._build_targeting(layout)

        self.name_edit.textChanged.connect(self._on_field_edited)
        for combo in (
            self.status_combo,
            self.goal_combo,
            self.billing_combo,
            self.budget_type,
            self.bid_strategy,
            self.placement_combo,
        ):
            combo.currentIndexChanged.connect(self._on_field_edited)
        self.bid_strategy.currentIndexChanged.connect(self._update_enabled)
        self.placement_combo.currentIndexChanged.connect(self._update_enabled)
        for field in (self.budget_field, self.bid_field, self.start_field, self.end_field):
            field.edited.connect(self._on_field_edited)

    # -- loading ---------------------------------------------------------------------------

    def _prepare(self, account: AccountRow | None) -> None:
        currency = account.currency if account else None
        timezone = account.timezone if account else None
        self.budget_field.set_currency(currency)
        self.bid_field.set_currency(currency)
        self.start_field.set_zone(timezone)
        self.end_field.set_zone(timezone)
        self.audience_table.set_segments(self._store.segments(account.id) if account else [])

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
        self._refresh_names()
        self._load_catalogues()
        self._update_enabled()

    # -- targeting: construction -----------------------------------------------------------

    def _build_targeting(self, layout: QVBoxLayout) -> None:
        self._parts = TargetingParts()
        self._opaque_geos = 0

        reach = Section("Estimated audience")
        self.estimate_view = EstimateView()
        reach.add_widget(self.estimate_view)
        layout.addWidget(reach)

        locations = Section("Locations")
        self.location_search = OptionSearch(
            placeholder="Search places: United Kingdom, Texas, London, 94105…",
            search=self._search_places,
            describe=self._describe_option,
            empty_note=self._no_place_note,
        )
        self.location_search.chosen.connect(self._on_location_search_chosen)
        self.location_mode = EnumCombo(
            (INCLUDE, EXCLUDE), labels={INCLUDE: "Include", EXCLUDE: "Exclude"}
        )
        self.location_mode.setAccessibleName("Add places as")
        self.location_mode.setToolTip("Whether the next place you choose is included or excluded")
        self.location_table = ChoiceTable(
            operations=True, empty_text="No location yet: Snap needs at least one country"
        )
        self.location_table.changed.connect(self._on_location_table_changed)
        self.location_note = _note()
        self._register(
            "targeting.geos",
            locations.add_row(
                "Locations",
                _stack(
                    row(self.location_mode, self.location_search, stretch_last=True),
                    self.location_table,
                    self.location_note,
                ),
                hint="Include or exclude countries, regions, metros and postal codes",
            ),
        )
        layout.addWidget(locations)

        demographics = Section("Demographics")
        self.age_min = EnumCombo(AGES, none_label="Any")
        self.age_max = EnumCombo(AGES, none_label="Any", labels={str(MAX_AGE): f"{MAX_AGE}+"})
        self.age_min.setAccessibleName("Minimum age")
        self.age_max.setAccessibleName("Maximum age")
        to_label = QLabel("to")
        to_label.setObjectName("muted")
        self._register(
            "targeting.age",
            demographics.add_row(
                "Age",
                row(self.age_min, to_label, self.age_max),
                hint=f"{MIN_AGE} to {MAX_AGE}+",
            ),
        )
        self.gender_combo = EnumCombo(
            ("MALE", "FEMALE"), none_label="All genders", labels=GENDER_LABELS
        )
        self._register("targeting.gender", demographics.add_row("Gender", self.gender_combo))
        self.language_search = OptionSearch(
            placeholder="Add a language: English, Español…",
            search=lambda text: self._search("languages", text),
            describe=lambda o: o.name,
            empty_note=lambda text: self._no_match_note("languages", text),
        )
        self.language_search.chosen.connect(self._on_language_search_chosen)
        self.language_table = ChoiceTable(operations=False, empty_text="All languages")
        self.language_table.changed.connect(self._on_field_edited)
        self.demographics_note = _note()
        self._register(
            "targeting.languages",
            demographics.add_row(
                "Languages",
                _stack(self.language_search, self.language_table, self.demographics_note),
                hint="Several countries need exactly one language",
            ),
        )
        layout.addWidget(demographics)

        interests = Section("Interests")
        self.interest_browser = InterestBrowser()
        self.interest_browser.toggled.connect(self._on_interest_browser_toggled)
        self.interest_table = ChoiceTable(operations=False, empty_text="No interest: everyone")
        self.interest_table.changed.connect(self._on_interest_table_changed)
        self.interest_note = _note()
        self._register(
            "targeting.interests",
            interests.add_row(
                "Interests",
                _stack(self.interest_browser, self.interest_table, self.interest_note),
                hint="Snapchatters in any of the checked interests",
            ),
        )
        layout.addWidget(interests)

        devices = Section("Devices")
        self.os_combo = EnumCombo(tuple(OS_LABELS), none_label="All", labels=OS_LABELS)
        self.os_min = QComboBox()
        self.os_max = QComboBox()
        self.os_min.setAccessibleName("Minimum OS version")
        self.os_max.setAccessibleName("Maximum OS version")
        versions_to = QLabel("to")
        versions_to.setObjectName("muted")
        self._register(
            "targeting.devices",
            devices.add_row(
                "Operating system",
                row(self.os_combo, self.os_min, versions_to, self.os_max),
                hint="Devices can only be included (Snap)",
            ),
        )
        self.connection_combo = EnumCombo(
            tuple(CONNECTION_LABELS), none_label="Any connection", labels=CONNECTION_LABELS
        )
        devices.add_row("Connection", self.connection_combo)
        self.carrier_search = OptionSearch(
            placeholder="Add a carrier",
            search=lambda text: self._search("carrier", text),
            describe=lambda o: o.name,
            empty_note=lambda text: self._no_match_note("carrier", text),
        )
        self.carrier_search.chosen.connect(self._on_carrier_search_chosen)
        self.carrier_table = ChoiceTable(operations=False, empty_text="Any carrier")
        self.carrier_table.changed.connect(self._on_field_edited)
        devices.add_row("Carriers", _stack(self.carrier_search, self.carrier_table))
        self.make_search = OptionSearch(
            placeholder="Add a device make: iPhone 15, Galaxy S24…",
            search=lambda text: self._search("marketing_name", text),
            describe=lambda o: o.name,
            empty_note=lambda text: self._no_match_note("marketing_name", text),
        )
        self.make_search.chosen.connect(self._on_make_search_chosen)
        self.make_table = ChoiceTable(operations=False, empty_text="Any device")
        self.make_table.changed.connect(self._on_field_edited)
        self.devices_note = _note()
        devices.add_row(
            "Device makes", _stack(self.make_search, self.make_table, self.devices_note)
        )
        layout.addWidget(devices)

        audiences = Section("Audiences")
        self.audience_table = AudienceTable()
        self.audience_table.changed.connect(self._on_field_edited)
        self._register(
            "targeting.segments",
            audiences.add_row(
                "Audiences",
                self.audience_table,
                hint="The ad account's customer lists and lookalikes (synced); only READY ones "
                "deliver",
            ),
        )
        layout.addWidget(audiences)

        for combo in (self.age_min, self.age_max, self.gender_combo, self.connection_combo):
            combo.currentIndexChanged.connect(self._on_field_edited)
        self.os_combo.currentIndexChanged.connect(self._on_os_combo_changed)
        for version_combo in (self.os_min, self.os_max):
            version_combo.currentIndexChanged.connect(self._on_field_edited)

    # -- targeting: loading ----------------------------------------------------------------

    def _fill_targeting(self, targeting: dict[str, Any]) -> None:
        parts = read_parts(targeting)
        self._parts = parts
        locations = read_locations(targeting)
        self._opaque_geos = len(locations.opaque)
        self.location_table.set_choices(self._place_choice(p) for p in parts.places)
        demo = parts.demographics
        _set_age(self.age_min, demo.min_age)
        _set_age(self.age_max, demo.max_age)
        self.gender_combo.set_value(demo.gender)
        self.language_table.set_choices(self._option_choice("languages", x) for x in demo.languages)
        self.interest_table.set_choices(self._interest_choice(x) for x in parts.interests)
        self.interest_browser.set_checked(parts.interests)
        device = parts.devices
        self.os_combo.set_value(device.os_type)
        self._fill_versions(device.os_type, device.os_version_min, device.os_version_max)
        self.connection_combo.set_value(device.connection_type)
        self.carrier_table.set_choices(self._option_choice("carrier", x) for x in device.carrier_id)
        self.make_table.set_choices(
            self._option_choice("marketing_name", x) for x in device.marketing_name
        )
        self.audience_table.set_chosen(parts.segments)
        self._update_notes()

    def _load_catalogues(self) -> None:
        if self._services is None or self._account is None:
            return
        self._services.ensure_all(
            ad_account_id=self._account.id, countries=self._chosen_countries()
        )

    def _chosen_countries(self) -> list[str]:
        return list(dict.fromkeys(key[1] for key in self.location_table.keys()))

    # -- targeting: collecting -------------------------------------------------------------

    def _collect_parts(self) -> TargetingParts:
        places = [
            Place(key[0], key[1], key[2], choice.operation or INCLUDE)
            for choice in self.location_table.choices()
            for key in [choice.key]
        ]
        base = self._parts
        demographics = Demographics(
            min_age=self.age_min.value(),
            max_age=self.age_max.value(),
            gender=self.gender_combo.value(),
            languages=tuple(self.language_table.keys()),
            others=base.demographics.others,
        )
        devices = Devices(
            os_type=self.os_combo.value(),
            os_version_min=_combo_value(self.os_min),
            os_version_max=_combo_value(self.os_max),
            connection_type=self.connection_combo.value(),
            carrier_id=tuple(self.carrier_table.keys()),
            marketing_name=tuple(self.make_table.keys()),
            others=base.devices.others,
        )
        return TargetingParts(
            places=places,
            demographics=demographics,
            interests=list(self.interest_table.keys()),
            devices=devices,
            segments=self.audience_table.chosen(),
        )

    def _collect_targeting(self) -> dict[str, Any] | None:
        targeting = write_parts(self._targeting, self._collect_parts())
        if not targeting and self._targeting is None:
            return None
        return targeting

    # -- targeting: the catalogue ----------------------------------------------------------

    def _search(self, dimension: str, text: str) -> list[TargetingOption]:
        if self._services is None:
            return []
        return self._services.catalog.search(text, dimensions=(dimension,), limit=40)

    def _search_places(self, text: str) -> list[TargetingOption]:
        if self._services is None:
            return []
        return self._services.catalog.search(text, dimensions=PLACE_KINDS, limit=40)

    def _option(
        self, dimension: str, option_id: str, country: str | None = None
    ) -> TargetingOption | None:
        if self._services is None:
            return None
        try:
            return self._services.catalog.option(dimension, option_id, country)
        except ValueError:
            return None

    def _country_name(self, code: str) -> str:
        option = self._option("country", code)
        return option.name if option is not None else code.upper()

    def _describe_option(self, option: TargetingOption) -> str:
        kind = KIND_WORDS.get(option.dimension, option.dimension)
        if option.dimension == "country":
            return f"{option.name}  ·  Country"
        return f"{option.name}  ·  {kind}, {self._country_name(option.country or '')}"

    def _place_choice(self, place: Place) -> Choice:
        if place.kind == COUNTRY:
            name = self._country_name(place.country)
            return Choice(place.key, name, f"Country · {place.country.upper()}", place.operation)
        option = self._option(place.kind, place.id, place.country)
        kind = KIND_WORDS.get(place.kind, place.kind)
        country = self._country_name(place.country)
        if option is None:
            label = place.id if place.kind == "postal_code" else f"{kind} {place.id}"
            return Choice(
                place.key,
                label,
                f"{kind} · {country}",
                place.operation,
                tip=f"{kind} id {place.id} (its name isn't in the saved catalogue)",
            )
        return Choice(place.key, option.name, f"{kind} · {country}", place.operation)

    def _option_choice(self, dimension: str, option_id: str) -> Choice:
        option = self._option(dimension, option_id)
        if option is None:
            return Choice(option_id, option_id, "", tip=f"{option_id} (not in the catalogue)")
        return Choice(option_id, option.name, option_id if option.name != option_id else "")

    def _interest_choice(self, option_id: str) -> Choice:
        for dimension in INTEREST_DIMENSIONS:
            option = self._option(dimension, option_id)
            if option is not None:
                group = DIMENSIONS[dimension].interest_group or DIMENSIONS[dimension].label
                return Choice(option_id, option.name, group, tip=option.path or option.name)
        return Choice(
            option_id,
            option_id,
            "not in the catalogue",
            tip=f"{option_id}: kept as it is (the saved catalogue doesn't name it)",
        )

    def _no_place_note(self, text: str) -> str:
        if self._services is None:
            return "Sign in to search Snap's places by name"
        status = self._services.status("country")
        if status.state in ("loading", "no_api", "failed", "missing"):
            return status.note() or "Snap's list of places isn't loaded yet"
        return (
            f"No place matches “{text}”. Countries match by name or code; regions, metros and "
            "postal codes are searched in the countries already chosen"
        )

    def _no_match_note(self, dimension: str, text: str) -> str:
        if self._services is None:
            return "Sign in to search Snap's catalogue"
        status = self._services.status(dimension)
        if status.state in ("loading", "no_api", "failed", "missing"):
            return status.note() or "Snap's catalogue isn't loaded yet"
        return f"No {DIMENSIONS[dimension].label.lower()} match “{text}”"

    def _fill_interest_tree(self) -> None:
        groups = []
        if self._services is not None:
            for dimension in INTEREST_DIMENSIONS:
                cached = self._services.cached(dimension)
                if cached is not None and cached.options:
                    groups.append((DIMENSIONS[dimension].label, cached.options))
        self.interest_browser.set_options(groups)
        self.interest_browser.set_checked(self.interest_table.keys())
        if not groups:
            status = (
                self._services.status(INTEREST_DIMENSIONS[0])
                if self._services is not None
                else None
            )
            note = status.note() if status is not None else ""
            self.interest_browser.set_empty_text(
                note or "Sign in to browse Snap's interests; the chosen ones are listed below"
            )
        else:
            self.interest_browser.set_empty_text("")

    def _fill_versions(self, os_type: str | None, low: str | None, high: str | None) -> None:
        options: list[TargetingOption] = []
        if self._services is not None and os_type:
            cached = self._services.cached("os_version")
            if cached is not None:
                options = [
                    o
                    for o in cached.options
                    if str(o.extra.get("os_type") or "").upper() == os_type.upper()
                ]
        for combo, value, none in ((self.os_min, low, "Any version"), (self.os_max, high, "Any")):
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(none, None)
            for option in options:
                combo.addItem(option.name, option.id)
            if value is not None:
                index = combo.findData(value)
                if index < 0:
                    combo.addItem(value, value)  # kept even if the catalogue doesn't list it
                    index = combo.count() - 1
                combo.setCurrentIndex(index)
            combo.setEnabled(bool(os_type))
            combo.blockSignals(False)

    def _fill_connection_types(self) -> None:
        if self._services is None:
            return
        cached = self._services.cached("connection_type")
        if cached is None:
            return
        current = self.connection_combo.value()
        self.connection_combo.blockSignals(True)
        for option in cached.options:
            if self.connection_combo.findData(option.id) < 0:
                self.connection_combo.addItem(option.name, option.id)
        self.connection_combo.set_value(current)
        self.connection_combo.blockSignals(False)

    def _refresh_names(self, dimensions: set[str] | None = None) -> None:
        """Show the catalogue's names for what is chosen (after lists loaded): every part, or
        the parts that show `dimensions`."""

        def touched(*keys: str) -> bool:
            return dimensions is None or any(k in dimensions for k in keys)

        if touched(*PLACE_KINDS):
            self.location_table.set_choices(
                self._place_choice(Place(c.key[0], c.key[1], c.key[2], c.operation or INCLUDE))
                for c in self.location_table.choices()
            )
        if touched("languages"):
            self.language_table.set_choices(
                self._option_choice("languages", k) for k in self.language_table.keys()
            )
        if touched(*INTEREST_DIMENSIONS):
            self.interest_table.set_choices(
                self._interest_choice(k) for k in self.interest_table.keys()
            )
            self._fill_interest_tree()
        if touched("carrier"):
            self.carrier_table.set_choices(
                self._option_choice("carrier", k) for k in self.carrier_table.keys()
            )
        if touched("marketing_name"):
            self.make_table.set_choices(
                self._option_choice("marketing_name", k) for k in self.make_table.keys()
            )
        if touched("connection_type"):
            self._fill_connection_types()
        if touched("os_version"):
            self._fill_versions(
                self.os_combo.value(), _combo_value(self.os_min), _combo_value(self.os_max)
            )
        for search in (
            self.location_search,
            self.language_search,
            self.carrier_search,
            self.make_search,
        ):
            search.refresh()
        self._update_notes()

    def _update_notes(self) -> None:
        notes = []
        if self._opaque_geos:
            n = self._opaque_geos
            notes.append(
                f"{n} location rule{'s' if n != 1 else ''} snapdesk can't show "
                f"{'are' if n != 1 else 'is'} kept as sent by Snap"
            )
        if self._services is not None:
            notes.append(self._services.status("country").note())
        self.location_note.setText(" · ".join(n for n in notes if n))
        self.location_note.setVisible(bool(self.location_note.text()))
        others = self._parts.demographics.others
        demo = []
        if others:
            demo.append(
                f"{others} more demographics rule{'s' if others != 1 else ''} "
                "(e.g. advanced demographics) kept as is"
            )
        if self._services is not None:
            demo.append(self._services.status("languages").note())
        self.demographics_note.setText(" · ".join(n for n in demo if n))
        self.demographics_note.setVisible(bool(self.demographics_note.text()))
        devices = self._parts.devices.others
        device_notes = [
            f"{devices} more device rule{'s' if devices != 1 else ''} kept as is"
            if devices
            else "",
            self._services.status("marketing_name").note() if self._services else "",
        ]
        self.devices_note.setText(" · ".join(n for n in device_notes if n))
        self.devices_note.setVisible(bool(self.devices_note.text()))
        unknown = [
            c.key for c in self.interest_table.choices() if c.detail == "not in the catalogue"
        ]
        interest_notes = [
            f"{len(unknown)} interest{'s' if len(unknown) != 1 else ''} not in the saved "
            "catalogue (shown by id) kept as is"
            if unknown
            else "",
            self._services.status(INTEREST_DIMENSIONS[0]).note()
            if self._services is not None and self.interest_browser.tree.topLevelItemCount()
            else "",
        ]
        self.interest_note.setText(" · ".join(n for n in interest_notes if n))
        self.interest_note.setVisible(bool(self.interest_note.text()))

    # -- targeting: user actions -----------------------------------------------------------

    def _on_location_search_chosen(self, option: TargetingOption) -> None:
        country = (option.country or option.id).lower()
        operation = self.location_mode.value() or INCLUDE
        place = Place(option.dimension, country, option.id, operation)
        choices = self.location_table.choices()
        narrowed = ""
        if place.kind != COUNTRY and operation == INCLUDE:
            whole = next(
                (
                    c
                    for c in choices
                    if c.key == (COUNTRY, country, country) and c.operation == INCLUDE
                ),
                None,
            )
            if whole is not None:
                # Texas within the United States: the whole country gives way to the place
                choices = [c for c in choices if c is not whole]
                narrowed = whole.name
        if any(c.key == place.key for c in choices):
            self.location_search.note.setText(f"{option.name} is already chosen")
            self.location_search.note.show()
            return
        self.location_table.set_choices([*choices, self._place_choice(place)])
        if narrowed:
            self.location_search.note.setText(
                f"{option.name} narrows the targeting: {narrowed} as a whole was replaced "
                "(add it again to target all of it)"
            )
            self.location_search.note.show()
        self._load_catalogues()
        self._on_field_edited()

    def _on_location_table_changed(self) -> None:
        self._on_field_edited()

    def _on_language_search_chosen(self, option: TargetingOption) -> None:
        self._add_choice(self.language_table, option, "languages")

    def _on_carrier_search_chosen(self, option: TargetingOption) -> None:
        self._add_choice(self.carrier_table, option, "carrier")

    def _on_make_search_chosen(self, option: TargetingOption) -> None:
        self._add_choice(self.make_table, option, "marketing_name")

    def _add_choice(self, table: ChoiceTable, option: TargetingOption, dimension: str) -> None:
        if table.add(self._option_choice(dimension, option.id)):
            self._on_field_edited()

    def _on_interest_browser_toggled(self, option: TargetingOption, checked: bool) -> None:
        if checked:
            self.interest_table.add(self._interest_choice(option.id))
        else:
            self.interest_table.remove(option.id)
        self._update_notes()
        self._on_field_edited()

    def _on_interest_table_changed(self) -> None:
        self.interest_browser.set_checked(self.interest_table.keys())
        self._update_notes()
        self._on_field_edited()

    def _on_os_combo_changed(self, _index: int) -> None:
        self._fill_versions(self.os_combo.value(), None, None)
        self._on_field_edited()

    @property
    def names_pending(self) -> bool:
        """Catalogue lists have arrived that the form doesn't show yet (for tests)."""
        return self._refresh_timer.isActive()

    def _on_services_options_changed(self, dimension: str, _country: str) -> None:
        # lists load one after another: show them together (one refresh per burst)
        self._changed_lists.add(dimension)
        self._refresh_timer.start()

    def _on_refresh_timer_timeout(self) -> None:
        dimensions, self._changed_lists = self._changed_lists, set()
        if self._account is not None:
            self._refresh_names(dimensions)

    # -- targeting: estimates --------------------------------------------------------------

    def revalidate(self) -> list[Issue]:
        issues = super().revalidate()
        if hasattr(self, "estimates"):
            self._request_estimate(issues)
        return issues

    def _request_estimate(self, issues: list[Issue]) -> None:
        preview = self.preview()
        targeting = preview.get("targeting") or {}
        invalid = ""
        if not targeting.get("geos"):
            invalid = "Choose a location to see the estimated audience"
        elif any(i.is_error and i.field.startswith("targeting") for i in issues):
            invalid = "Fix the targeting above to see the estimated audience"
        squad = {
            "targeting": targeting,
            "placement_v2": preview.get("placement_v2") or {"config": "AUTOMATIC"},
            "optimization_goal": preview.get("optimization_goal"),
        }
        self.estimates.request(
            EstimateRequest(
                ad_account_id=self._account.id if self._account else None,
                squad=squad,
                goal=preview.get("optimization_goal"),
                currency=(self._account.currency if self._account else None) or "USD",
                invalid=invalid,
            )
        )

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

    def _field_key(self, field: str) -> str:
        if field in ("daily_budget_micro", "lifetime_budget_micro"):
            return "budget"
        return TARGETING_ALIASES.get(field, field)

    def _extra_issues(self, preview: dict[str, Any]) -> list[Issue]:
        issues = []
        strategy = preview.get("bid_strategy")
        if strategy in BID_REQUIRED and preview.get("bid_micro") is None:
            # an error even when only the strategy changed (Snap refuses it without a bid)
            issues.append(Issue("bid_micro", f"A bid is required with {strategy}", "error"))
        if self.placement_combo.value() == "CUSTOM" and not any(
            box.isChecked() for box in self.position_boxes.values()
        ):
            issues.append(Issue("placement_v2", "Choose at least one placement"))
        targeting = preview.get("targeting") or {}
        before = (self._targeting or {}).get("geos")
        if not targeting.get("geos") and (before or self._state is None):
            issues.append(
                Issue(
                    "targeting.geos",
                    "Choose at least one location: Snap needs a country to deliver",
                    "error",
                    "geos_required",
                )
            )
        places = self.location_table.choices()
        if places and all(c.operation == EXCLUDE for c in places):
            issues.append(
                Issue(
                    "targeting.geos",
                    "Only exclusions: include a country or a place too (Snap applies "
                    "exclusions to what is included)",
                    "error",
                    "geos_exclude_only",
                )
            )
        low, high = parse_age(self.age_min.value()), parse_age(self.age_max.value())
        if self._age_edited() and low is not None and high is not None and low > high:
            issues.append(
                Issue(
                    "targeting.age",
                    f"The minimum age ({low}) is above the maximum ({high}): nobody matches",
                    "error",
                    "age_order",
                )
            )
        return issues

    def _age_edited(self) -> bool:
        demo = self._parts.demographics
        return not (
            _same(self.age_min.value(), demo.min_age) and _same(self.age_max.value(), demo.max_age)
        )

    def _update_enabled(self, *_args: object) -> None:
        needs_bid = self.bid_strategy.value() in BID_REQUIRED
        self.bid_field.setEnabled(needs_bid)
        self.bid_field.edit.setPlaceholderText("Required" if needs_bid else "Set by Snap")
        custom = self.placement_combo.value() == "CUSTOM"
        for box in self.position_boxes.values():
            box.setVisible(custom)
        chosen_os = bool(self.os_combo.value())
        self.os_min.setEnabled(chosen_os)
        self.os_max.setEnabled(chosen_os)

    def _create(self, fields: dict[str, Any]) -> ChangeGroup:
        assert self._parent_id is not None
        return self._edits.create_ad_squad(campaign_id=self._parent_id, fields=fields)


def _note() -> QLabel:
    label = QLabel()
    label.setObjectName("hint")
    label.setWordWrap(True)
    label.hide()
    return label


def _stack(*widgets: QWidget) -> QWidget:
    host = QWidget()
    layout = QVBoxLayout(host)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(5)
    for widget in widgets:
        layout.addWidget(widget)
    return host


def _set_age(combo: EnumCombo, value: Any) -> None:
    """Select an age as loaded: "54" and 54 select 54, "55+" selects 55+; anything else
    (out of range, not an age) is listed as it is, so it stays unless the user changes it."""
    age = parse_age(value)
    if value is not None and age is not None and MIN_AGE <= age <= MAX_AGE:
        combo.set_value(str(age))
    else:
        combo.set_value(None if value is None else str(value))


def _same(a: Any, b: Any) -> bool:
    from snapdesk.core.targeting_edit import same_age

    return same_age(a, b)


def _combo_value(combo: QComboBox) -> str | None:
    data = combo.currentData()
    return None if data is None else str(data)
