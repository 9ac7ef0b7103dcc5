"""New experiment: a four-step dialog — hypothesis, variants, schedule, plan — that queues the
experiment's ad squads through the write gateway.

1. Hypothesis: the campaign, a name, the hypothesis, the primary metric and guardrail metrics.
2. Variants: the control (an ad squad of the campaign) and treatments — copies of the control
   that differ from it in ONE declared dimension (creative, targeting, bid or placement). Every
   treatment shows all four dimensions; a treatment identical to the control, or differing in
   another dimension too, is named with what to fix.
3. Schedule: timed rotation (one variant active at a time, every N hours, in rounds of one slot
   per variant in a counterbalanced order) or split (all variants at once, with equal or
   declared daily budgets).
4. Plan: `ExperimentService.plan` measures the round-to-round spread of the metric in the
   campaign's last 28 days per ad squad and gives the rounds (and days) for 80% power of the
   always-valid test, with its two costs shown as factors: α split over the k−1 comparisons
   (Holm's first step) and always-valid vs fixed-horizon (simulated). Recomputed whenever an
   input changes; a history that can't size it is named inline with what to do.

Create queues the changes with `ExperimentService.create(plan=...)` (control ACTIVE,
treatments PAUSED, with copies of the control's ads; the plan's mixture scale is fixed with the
experiment, before any data) — they appear in Pending Changes; nothing is sent. The dialog
emits `created(Created)`.
"""

from __future__ import annotations

import asyncio
import copy
import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from PySide6.QtCore import QItemSelectionModel, QSize, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSpinBox,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from snapdesk.changes import ChangeError
from snapdesk.changes.requests import writable
from snapdesk.core.kinds import AD_SQUAD
from snapdesk.core.validation import AGES, BID_REQUIRED, GENDERS
from snapdesk.experiments import (
    DIMENSIONS,
    METRICS,
    ROTATION,
    SPLIT,
    Created,
    ExperimentService,
    Plan,
    metric,
)
from snapdesk.experiments.planning import HISTORY_DAYS, PLAN_QUANTILE
from snapdesk.experiments.units import MATURITY_DAYS
from snapdesk.stats import StatsService
from snapdesk.store import EntityRow, Store
from snapdesk.ui import theme
from snapdesk.ui._signals import emit
from snapdesk.ui.dialogs._widgets import Banner, Spinner, hint
from snapdesk.ui.editors._form import EnumCombo, FieldProblem, MoneyField, split_codes
from snapdesk.ui.formatting import format_money_micro, humanize_enum
from snapdesk.ui.models.experiments import Column, RowsTable, format_value, round_order
from snapdesk.ui.ops._op import AsyncOp, error_message
from snapdesk.ui.ops.experiments import PlanRequest, load_plan

__all__ = [
    "DIMENSION_LABELS",
    "STEPS",
    "ExperimentSetupDialog",
    "VariantDraft",
]

STEPS: Final = ("Hypothesis", "Variants", "Schedule", "Plan")
HYPOTHESIS, VARIANTS, SCHEDULE, PLAN = range(4)
DIMENSION_LABELS: Final = {
    "creative": "Creative",
    "targeting": "Targeting",
    "bid": "Bid",
    "placement": "Placement",
}
BID_LABELS: Final = {
    "AUTO_BID": "Auto-bid",
    "LOWEST_COST_WITH_MAX_BID": "Max bid",
    "TARGET_COST": "Target cost",
}
POSITIONS: Final = (
    ("INTERSTITIAL_USER", "Between friends' Stories"),
    ("INTERSTITIAL_CONTENT", "Between Publisher & Creator content"),
    ("INSTREAM", "Within Publisher & Creator content"),
    ("FEED", "Discover feed"),
)
MIN_BUDGET_MICRO: Final = 5_000_000  # Snap's minimum daily budget (in the account's currency)
MAX_VARIANTS: Final = 26
CONFIDENCES: Final = (0.90, 0.95, 0.99)
# Set by the auction, not by how people respond: a descriptive guardrail with a limit, never
# the metric an experiment is judged by (the readout never tests it).
PRICE_METRICS: Final = frozenset({"ecpm"})


# -- variants (Qt-free) ----------------------------------------------------------------------------


def _targeting_fields(targeting: dict[str, Any]) -> tuple[tuple[str, ...], Any, Any, Any]:
    geos = [g for g in targeting.get("geos") or [] if isinstance(g, dict)]
    countries = tuple(str(g.get("country_code") or "").lower() for g in geos)
    demo = next(
        (
            d
            for d in targeting.get("demographics") or []
            if isinstance(d, dict) and d.get("operation", "INCLUDE") == "INCLUDE"
        ),
        {},
    )
    min_age = str(demo["min_age"]) if demo.get("min_age") is not None else None
    max_age = str(demo["max_age"]) if demo.get("max_age") is not None else None
    return countries, min_age, max_age, demo.get("gender")


def with_targeting(
    base: dict[str, Any],
    *,
    countries: Sequence[str],
    min_age: str | None,
    max_age: str | None,
    gender: str | None,
) -> dict[str, Any]:
    """`base` with its countries, age range and gender replaced (everything else kept); the
    very same dict content when nothing changed."""
    if (tuple(countries), min_age, max_age, gender) == _targeting_fields(base):
        return copy.deepcopy(base)
    targeting = copy.deepcopy(base)
    old = {
        str(g.get("country_code")).lower(): g for g in base.get("geos") or [] if isinstance(g, dict)
    }
    targeting["geos"] = [
        {**old.get(code, {"operation": "INCLUDE"}), "country_code": code} for code in countries
    ]
    demographics = [copy.deepcopy(d) for d in base.get("demographics") or [] if isinstance(d, dict)]
    main = next((d for d in demographics if d.get("operation", "INCLUDE") == "INCLUDE"), None)
    if main is None:
        main = {"operation": "INCLUDE"}
        demographics.insert(0, main)
    for key, value in (("min_age", min_age), ("max_age", max_age), ("gender", gender)):
        if value is None:
            main.pop(key, None)
        else:
            main[key] = value
    targeting["demographics"] = demographics
    return targeting


def targeting_summary(targeting: dict[str, Any]) -> str:
    countries, min_age, max_age, gender = _targeting_fields(targeting)
    where = ", ".join(c.upper() for c in countries) or "Any country"
    if min_age and max_age:
        ages = f"{min_age}–{max_age}"
    elif min_age:
        ages = f"{min_age}+"
    elif max_age:
        ages = f"up to {max_age}"
    else:
        ages = "any age"
    who = humanize_enum(gender).lower() if gender else "all genders"
    return f"{where} · {ages} · {who}"


def _placement_fields(placement: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
    config = str(placement.get("config") or "AUTOMATIC")
    positions = (
        tuple(sorted(placement.get("snapchat_positions") or ())) if config == "CUSTOM" else ()
    )
    return config, positions


def with_placement(
    base: dict[str, Any], *, config: str, positions: Sequence[str]
) -> dict[str, Any]:
    if (config, tuple(sorted(positions))) == _placement_fields(base):
        return copy.deepcopy(base)
    if config == "AUTOMATIC":
        return {"config": "AUTOMATIC"}
    placement = {k: v for k, v in base.items() if k not in ("snapchat_positions", "config")}
    placement["config"] = "CUSTOM"
    placement.setdefault("platforms", ["SNAPCHAT"])
    if positions:
        placement["snapchat_positions"] = list(positions)
    return placement


def placement_summary(placement: dict[str, Any]) -> str:
    config, positions = _placement_fields(placement)
    if config == "AUTOMATIC":
        return "Automatic"
    labels = dict(POSITIONS)
    return "Custom: " + (", ".join(labels.get(p, humanize_enum(p)) for p in positions) or "none")


def bid_summary(strategy: str | None, bid_micro: int | None, currency: str) -> str:
    label = BID_LABELS.get(strategy or "AUTO_BID", humanize_enum(strategy or "AUTO_BID"))
    if strategy in BID_REQUIRED:
        return f"{label} {format_money_micro(bid_micro, currency)}"
    return label


@dataclass
class VariantDraft:
    """One variant's four dimensions. `creative_id` None keeps the control's creatives."""

    targeting: dict[str, Any]
    bid_strategy: str | None
    bid_micro: int | None
    placement: dict[str, Any]
    creative_id: str | None = None
    budget_micro: int | None = None  # split mode with declared budgets

    @classmethod
    def of_squad(cls, data: dict[str, Any]) -> VariantDraft:
        return cls(
            targeting=copy.deepcopy(data.get("targeting") or {}),
            bid_strategy=data.get("bid_strategy") or "AUTO_BID",
            bid_micro=data.get("bid_micro"),
            placement=copy.deepcopy(data.get("placement_v2") or {"config": "AUTOMATIC"}),
            budget_micro=data.get("daily_budget_micro"),
        )

    def copy(self) -> VariantDraft:
        return VariantDraft(
            targeting=copy.deepcopy(self.targeting),
            bid_strategy=self.bid_strategy,
            bid_micro=self.bid_micro,
            placement=copy.deepcopy(self.placement),
            creative_id=self.creative_id,
            budget_micro=self.budget_micro,
        )

    def differs(self, control: VariantDraft, control_creatives: Sequence[str]) -> list[str]:
        """The dimensions in which this variant differs from the control, in DIMENSIONS order."""
        found = []
        if self.creative_id is not None and (
            len(set(control_creatives)) != 1 or self.creative_id not in control_creatives
        ):
            found.append("creative")
        if self.targeting != control.targeting:
            found.append("targeting")
        bid = self.bid_strategy, self.bid_micro if self.bid_strategy in BID_REQUIRED else None
        control_bid = (
            control.bid_strategy,
            control.bid_micro if control.bid_strategy in BID_REQUIRED else None,
        )
        if bid != control_bid:
            found.append("bid")
        if _placement_fields(self.placement) != _placement_fields(control.placement):
            found.append("placement")
        return found

    def overrides(self, dimension: str, control: VariantDraft) -> dict[str, Any]:
        """What `ExperimentService.create` takes for a treatment of `dimension`."""
        if dimension == "creative":
            return {"creative_id": self.creative_id}
        if dimension == "targeting":
            return {"targeting": copy.deepcopy(self.targeting)}
        if dimension == "placement":
            return {"placement_v2": copy.deepcopy(self.placement)}
        out: dict[str, Any] = {}
        if self.bid_strategy != control.bid_strategy:
            out["bid_strategy"] = self.bid_strategy
        if self.bid_strategy in BID_REQUIRED:
            out["bid_micro"] = self.bid_micro
        return out


def _and(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def variant_problems(
    *,
    dimension: str,
    control: VariantDraft,
    treatments: Sequence[VariantDraft],
    control_creatives: Sequence[str],
) -> list[str]:
    """What stops these treatments from being a one-dimension experiment, one line each."""
    label = DIMENSION_LABELS[dimension].lower()
    if not treatments:
        return [f"Add at least one treatment: a copy of the control with another {label}."]
    if len(treatments) + 1 > MAX_VARIANTS:
        return [f"An experiment has at most {MAX_VARIANTS} variants (A to Z)."]
    problems = []
    if dimension == "creative" and not control_creatives:
        problems.append("The control ad squad has no ads whose creative a treatment could replace.")
    seen: dict[str, str] = {}
    for index, draft in enumerate(treatments, start=1):
        key = chr(ord("A") + index)
        if draft.bid_strategy in BID_REQUIRED and not draft.bid_micro:
            problems.append(f"Variant {key}: enter a bid for the {BID_LABELS[draft.bid_strategy]}.")
            continue
        dims = draft.differs(control, control_creatives)
        names = [DIMENSION_LABELS[d].lower() for d in dims]
        if not dims:
            problems.append(f"Variant {key} is the same as the control: change its {label}.")
        elif len(dims) > 1:
            problems.append(
                f"Variant {key} differs from the control in {_and(names)}. An experiment tests "
                f"one dimension at a time: keep only the {label} change."
            )
        elif dims[0] != dimension:
            problems.append(
                f"Variant {key} changes the {names[0]}, but the experiment tests the {label}: "
                f"change its {label} instead (or test {names[0]})."
            )
        else:
            signature = repr(draft.overrides(dimension, control))
            if signature in seen:
                problems.append(f"Variants {seen[signature]} and {key} are the same.")
            seen.setdefault(signature, key)
    return problems


# -- small widgets -------------------------------------------------------------------------------


class StepBar(QWidget):
    """The steps of the dialog as numbered pills: done ✓, current highlighted, upcoming muted.
    `step_clicked(int)` for a step that may be visited."""

    step_clicked = Signal(int)

    def __init__(self, steps: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stepBar")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        self.buttons: list[QPushButton] = []
        for index, name in enumerate(steps):
            button = QPushButton(f"{index + 1}  {name}")
            button.setObjectName("stepPill")
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            button.setFlat(True)
            button.clicked.connect(lambda _c=False, i=index: emit(self.step_clicked, i))
            self.buttons.append(button)
            layout.addWidget(button)
            if index < len(steps) - 1:
                line = QFrame()
                line.setFixedHeight(1)
                line.setMinimumWidth(18)
                line.setObjectName("stepLine")
                layout.addWidget(line, 1)
        self.set_current(0, reachable=1)

    def set_current(self, current: int, *, reachable: int) -> None:
        c = theme.colors()
        for index, button in enumerate(self.buttons):
            name = button.text().split("  ", 1)[1]
            if index < current:
                button.setText(f"✓  {name}")
                style = f"color: {c.success}; background: {theme._mix(c.success, c.base, 0.12)};"
            elif index == current:
                button.setText(f"{index + 1}  {name}")
                style = f"color: {c.accent_text}; background: {c.accent};"
            else:
                button.setText(f"{index + 1}  {name}")
                style = f"color: {c.muted}; background: {c.chip_bg};"
            button.setStyleSheet(
                f"QPushButton#stepPill {{ {style} border: none; border-radius: 13px; "
                "padding: 5px 14px; font-weight: 600; }"
            )
            button.setEnabled(index <= reachable)
        self.setStyleSheet(f"QFrame#stepLine {{ background: {c.border}; }}")


def _card(title: str) -> tuple[QFrame, QVBoxLayout]:
    frame = QFrame()
    frame.setObjectName("card")
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(16, 12, 16, 14)
    layout.setSpacing(8)
    if title:
        label = QLabel(title)
        label.setObjectName("sectionTitle")
        layout.addWidget(label)
    return frame, layout


def _form() -> QFormLayout:
    form = QFormLayout()
    form.setHorizontalSpacing(14)
    form.setVerticalSpacing(8)
    form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    return form


class NumberCard(QFrame):
    """A big number with a caption and a muted detail line (planner results)."""

    def __init__(self, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 12)
        layout.setSpacing(2)
        self.caption = QLabel(caption)
        self.caption.setObjectName("muted")
        self.value = QLabel("—")
        self.value.setObjectName("bigNumber")
        self.detail = QLabel()
        self.detail.setObjectName("hint")
        self.detail.setWordWrap(True)
        layout.addWidget(self.caption)
        layout.addWidget(self.value)
        layout.addWidget(self.detail)
        layout.addStretch(1)

    def set(self, value: str, detail: str = "") -> None:
        self.value.setText(value)
        self.detail.setText(detail)


# -- the dialog ----------------------------------------------------------------------------------


@dataclass
class _Control:
    row: EntityRow
    draft: VariantDraft
    creatives: list[str] = field(default_factory=list)
    ads: int = 0


class ExperimentSetupDialog(QDialog):
    """Signals: `created(object)` with the `Created` experiment once its changes are queued."""

    created = Signal(object)

    def __init__(
        self,
        *,
        store: Store,
        service: ExperimentService,
        ad_account_id: str,
        campaign_id: str | None = None,
        stats: StatsService | None = None,
        loop: asyncio.AbstractEventLoop | None = None,
        clock: Callable[[], datetime] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.service = service
        self.ad_account_id = ad_account_id
        self.stats = stats
        self.loop = loop
        self.clock = clock
        account = store.ad_account(ad_account_id)
        self.currency = (account.currency if account and account.currency else "USD").upper()
        self.control: _Control | None = None
        self.treatments: list[VariantDraft] = []
        self.page = HYPOTHESIS
        self.reached = HYPOTHESIS
        #: The plan for the current inputs (None while it is measured, or when it can't be made:
        #: `plan_error` says why); `plan_for` the inputs it (or the error) belongs to.
        self.plan: Plan | None = None
        self.plan_error: str | None = None
        self.plan_for: PlanRequest | None = None
        self.plan_op: AsyncOp | None = None
        self._plan_requested: PlanRequest | None = None
        self.created_result: Created | None = None
        self._loading = False
        self._closed = False
        self.setWindowTitle("New experiment")
        self._setup_ui()
        self._fill_campaigns(campaign_id)
        self._go(HYPOTHESIS)

    def sizeHint(self) -> QSize:
        return QSize(1000, 720)

    # -- construction ------------------------------------------------------------------------

    def _setup_ui(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(22, 18, 22, 16)
        outer.setSpacing(12)
        title = QLabel("New experiment")
        title.setObjectName("dialogTitle")
        outer.addWidget(title)
        self.subtitle = hint(
            "Variants are ad squads of one campaign: the control and copies of it that differ in "
            "one dimension. Creating queues them in Pending Changes — nothing is sent to Snap "
            "until you launch it in live mode."
        )
        outer.addWidget(self.subtitle)
        self.steps = StepBar(STEPS)
        self.steps.step_clicked.connect(self._on_steps_step_clicked)
        outer.addWidget(self.steps)
        self.stack = QStackedWidget()
        self.stack.addWidget(self._scrolled(self._hypothesis_page()))
        self.stack.addWidget(self._scrolled(self._variants_page()))
        self.stack.addWidget(self._scrolled(self._schedule_page()))
        self.stack.addWidget(self._scrolled(self._plan_page()))
        self._name_controls()
        outer.addWidget(self.stack, 1)
        self.problem = Banner("error")
        self.problem.hide()
        outer.addWidget(self.problem)
        buttons = QHBoxLayout()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.reject)
        self.back_button = QPushButton("Back")
        self.back_button.clicked.connect(self._on_back_button_clicked)
        self.next_button = QPushButton("Next")
        self.next_button.setObjectName("primaryButton")
        self.next_button.setDefault(True)
        self.next_button.clicked.connect(self._on_next_button_clicked)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        buttons.addWidget(self.back_button)
        buttons.addWidget(self.next_button)
        outer.addLayout(buttons)

    def _name_controls(self) -> None:
        """Names a screen reader announces (the forms are nested in cards, so their row
        labels are not attached to the fields)."""
        for widget, name in (
            (self.campaign_combo, "Campaign"),
            (self.name_edit, "Experiment name"),
            (self.hypothesis_edit, "Hypothesis"),
            (self.metric_combo, "Primary metric"),
            (self.control_combo, "Control ad squad"),
            (self.variants_view, "Variants"),
            (self.creative_combo, "Creative of the variant"),
            (self.countries_edit, "Countries of the variant"),
            (self.age_min, "Minimum age"),
            (self.age_max, "Maximum age"),
            (self.gender_combo, "Gender"),
            (self.bid_combo, "Bid strategy of the variant"),
            (self.bid_field.edit, "Bid of the variant"),
            (self.placement_combo, "Placement of the variant"),
            (self.hours_spin, "Rotate every (hours)"),
            (self.price_limit_spin, "eCPM limit above the control"),
            (self.mde_spin, "Minimum detectable effect"),
            (self.confidence_combo, "Confidence"),
        ):
            widget.setAccessibleName(name)

    @staticmethod
    def _scrolled(page: QWidget) -> QScrollArea:
        area = QScrollArea()
        area.setWidgetResizable(True)
        area.setFrameShape(QFrame.Shape.NoFrame)
        area.setObjectName("detailsScroll")
        page.setObjectName("detailsBody")
        area.setWidget(page)
        return area

    def _hypothesis_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 6, 0)
        layout.setSpacing(12)
        card, body = _card("What are you testing?")
        form = _form()
        self.campaign_combo = QComboBox()
        self.campaign_combo.setMinimumWidth(360)
        self.campaign_combo.currentIndexChanged.connect(self._on_campaign_combo_changed)
        form.addRow("Campaign", self.campaign_combo)
        self.name_edit = QLineEdit()
        self.name_edit.setMaxLength(120)
        self.name_edit.setPlaceholderText("e.g. Higher max bid, US 18–34")
        self.name_edit.textChanged.connect(self._on_input_changed)
        form.addRow("Name", self.name_edit)
        self.hypothesis_edit = QPlainTextEdit()
        self.hypothesis_edit.setPlaceholderText(
            "If we raise the max bid by 20%, the swipe rate goes up because the ads win better "
            "placements — without raising the cost per swipe by more than 10%."
        )
        self.hypothesis_edit.setFixedHeight(78)
        self.hypothesis_edit.textChanged.connect(self._on_input_changed)
        form.addRow("Hypothesis", self.hypothesis_edit)
        body.addLayout(form)
        layout.addWidget(card)

        card, body = _card("How will you judge it?")
        form = _form()
        self.metric_combo = QComboBox()
        for spec in METRICS.values():
            if spec.key in PRICE_METRICS:
                continue  # a guardrail only
            lower = "" if spec.higher_is_better else " (lower is better)"
            self.metric_combo.addItem(spec.label + lower, spec.key)
        self.metric_combo.currentIndexChanged.connect(self._on_metric_combo_changed)
        form.addRow("Primary metric", self.metric_combo)
        guard_box = QWidget()
        grid = QGridLayout(guard_box)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(18)
        self.guardrail_boxes: dict[str, QCheckBox] = {}
        for index, spec in enumerate(METRICS.values()):
            box = QCheckBox(spec.label)
            box.toggled.connect(self._on_input_changed)
            self.guardrail_boxes[spec.key] = box
            grid.addWidget(box, index // 3, index % 3)
        form.addRow("Guardrails", guard_box)
        self.price_limit_spin = QDoubleSpinBox()
        self.price_limit_spin.setDecimals(0)
        self.price_limit_spin.setRange(1.0, 500.0)
        self.price_limit_spin.setValue(20.0)
        self.price_limit_spin.setPrefix("+")
        self.price_limit_spin.setSuffix(" % above the control")
        self.price_limit_spin.setToolTip(
            "A treatment whose eCPM is higher than the control's by more than this is flagged "
            "and not promoted as the winner"
        )
        self.price_limit_label = QLabel("eCPM limit")
        form.addRow(self.price_limit_label, self.price_limit_spin)
        self.guardrail_boxes["ecpm"].toggled.connect(self._on_price_guardrail_toggled)
        body.addLayout(form)
        body.addWidget(
            hint(
                "The primary metric decides the winner. A guardrail is a metric the winner must "
                "not make significantly worse — a variant that does is never promoted. eCPM is "
                "set by the auction, not by how people respond: as a guardrail it is compared "
                "with the limit you set, never tested."
            )
        )
        self._on_price_guardrail_toggled(False)
        layout.addWidget(card)
        layout.addStretch(1)
        return page

    def _variants_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 6, 0)
        layout.setSpacing(12)
        card, body = _card("Control and dimension")
        form = _form()
        self.control_combo = QComboBox()
        self.control_combo.currentIndexChanged.connect(self._on_control_combo_changed)
        form.addRow("Control ad squad", self.control_combo)
        dims = QWidget()
        row = QHBoxLayout(dims)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(16)
        self.dimension_group = QButtonGroup(self)
        self.dimension_buttons: dict[str, QRadioButton] = {}
        for dimension in DIMENSIONS:
            button = QRadioButton(DIMENSION_LABELS[dimension])
            self.dimension_group.addButton(button)
            self.dimension_buttons[dimension] = button
            button.toggled.connect(self._on_dimension_toggled)
            row.addWidget(button)
        row.addStretch(1)
        self.dimension_buttons["bid"].setChecked(True)
        form.addRow("Dimension tested", dims)
        body.addLayout(form)
        self.control_hint = hint("")
        body.addWidget(self.control_hint)
        layout.addWidget(card)

        card, body = _card("Variants")
        self.variants_model = RowsTable(self._variant_columns(), self)
        self.variants_view = QTableView()
        self.variants_view.setModel(self.variants_model)
        self.variants_view.verticalHeader().hide()
        self.variants_view.setShowGrid(False)
        self.variants_view.setAlternatingRowColors(True)
        self.variants_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.variants_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.variants_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.variants_view.verticalHeader().setDefaultSectionSize(28)
        header = self.variants_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.variants_view.setFixedHeight(28 * 4 + 32)
        self.variants_view.selectionModel().currentRowChanged.connect(
            self._on_variants_current_changed
        )
        body.addWidget(self.variants_view)
        buttons = QHBoxLayout()
        self.add_button = QPushButton("Add treatment")
        self.add_button.clicked.connect(self._on_add_button_clicked)
        self.remove_button = QPushButton("Remove")
        self.remove_button.setObjectName("dangerButton")
        self.remove_button.clicked.connect(self._on_remove_button_clicked)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        legend = QLabel(
            f"<span style='color:{theme.colors().accent}; font-weight:600'>Blue</span>: the "
            f"tested change · <span style='color:{theme.colors().danger}; font-weight:600'>"
            "red</span>: a change in another dimension"
        )
        legend.setObjectName("hint")
        buttons.addWidget(legend)
        body.addLayout(buttons)
        layout.addWidget(card)

        self.editor_card, body = _card("")
        self.editor_title = QLabel()
        self.editor_title.setObjectName("sectionTitle")
        body.addWidget(self.editor_title)
        form = _form()
        self.editor_form = form
        self.creative_combo = QComboBox()
        self.creative_combo.currentIndexChanged.connect(self._on_editor_changed)
        self.countries_edit = QLineEdit()
        self.countries_edit.setPlaceholderText("us, ca")
        self.countries_edit.textChanged.connect(self._on_editor_changed)
        self.age_min = EnumCombo(AGES[:-1], none_label="Any")
        self.age_max = EnumCombo(AGES, none_label="Any")
        self.gender_combo = EnumCombo(GENDERS, none_label="All genders")
        for combo in (self.age_min, self.age_max, self.gender_combo):
            combo.currentIndexChanged.connect(self._on_editor_changed)
        targeting = QWidget()
        t_row = QHBoxLayout(targeting)
        t_row.setContentsMargins(0, 0, 0, 0)
        t_row.addWidget(self.countries_edit, 2)
        t_row.addWidget(QLabel("Age"))
        t_row.addWidget(self.age_min)
        t_row.addWidget(QLabel("to"))
        t_row.addWidget(self.age_max)
        t_row.addWidget(self.gender_combo)
        self.bid_combo = EnumCombo(tuple(BID_LABELS), labels=BID_LABELS)
        self.bid_combo.currentIndexChanged.connect(self._on_editor_changed)
        self.bid_field = MoneyField(placeholder="Bid")
        self.bid_field.set_currency(self.currency)
        self.bid_field.edited.connect(self._on_editor_changed)
        bid = QWidget()
        b_row = QHBoxLayout(bid)
        b_row.setContentsMargins(0, 0, 0, 0)
        b_row.addWidget(self.bid_combo)
        b_row.addWidget(self.bid_field, 1)
        self.placement_combo = EnumCombo(
            ("AUTOMATIC", "CUSTOM"),
            labels={"AUTOMATIC": "Automatic (recommended)", "CUSTOM": "Choose placements"},
        )
        self.placement_combo.currentIndexChanged.connect(self._on_editor_changed)
        placement = QWidget()
        p_grid = QGridLayout(placement)
        p_grid.setContentsMargins(0, 0, 0, 0)
        p_grid.addWidget(self.placement_combo, 0, 0, 1, 2)
        self.position_boxes: dict[str, QCheckBox] = {}
        for index, (value, label) in enumerate(POSITIONS):
            box = QCheckBox(label.replace("&", "&&"))
            box.toggled.connect(self._on_editor_changed)
            self.position_boxes[value] = box
            p_grid.addWidget(box, 1 + index // 2, index % 2)
        self.editor_rows: dict[str, tuple[QLabel, QWidget]] = {}
        for dimension, widget in (
            ("creative", self.creative_combo),
            ("targeting", targeting),
            ("bid", bid),
            ("placement", placement),
        ):
            caption = QLabel(DIMENSION_LABELS[dimension])
            form.addRow(caption, widget)
            self.editor_rows[dimension] = (caption, widget)
        body.addLayout(form)
        self.editor_hint = hint("")
        body.addWidget(self.editor_hint)
        layout.addWidget(self.editor_card)
        self.variant_issues = Banner("warning")
        self.variant_issues.hide()
        layout.addWidget(self.variant_issues)
        layout.addStretch(1)
        return page

    def _schedule_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 6, 0)
        layout.setSpacing(12)
        card, body = _card("How the variants share the delivery")
        self.mode_group = QButtonGroup(self)
        self.rotation_radio = QRadioButton("Timed rotation — one variant active at a time")
        self.split_radio = QRadioButton("Split — every variant active at once")
        self.mode_group.addButton(self.rotation_radio)
        self.mode_group.addButton(self.split_radio)
        self.rotation_radio.setChecked(True)
        self.rotation_radio.toggled.connect(self._on_mode_toggled)
        body.addWidget(self.rotation_radio)
        rotation = QHBoxLayout()
        rotation.setContentsMargins(28, 0, 0, 0)
        rotation.addWidget(QLabel("Rotate every"))
        self.hours_spin = QSpinBox()
        self.hours_spin.setRange(1, 24 * 14)
        self.hours_spin.setValue(24)
        self.hours_spin.setSuffix(" hours")
        self.hours_spin.valueChanged.connect(self._on_input_changed)
        rotation.addWidget(self.hours_spin)
        rotation.addStretch(1)
        body.addLayout(rotation)
        self.rotation_hint = hint("")
        self.rotation_hint.setContentsMargins(28, 0, 0, 0)
        body.addWidget(self.rotation_hint)
        body.addSpacing(6)
        body.addWidget(self.split_radio)
        split = QVBoxLayout()
        split.setContentsMargins(28, 0, 0, 0)
        self.budget_group = QButtonGroup(self)
        self.equal_radio = QRadioButton("Equal budgets — each copy keeps the control's budget")
        self.declared_radio = QRadioButton("Declared daily budgets")
        self.budget_group.addButton(self.equal_radio)
        self.budget_group.addButton(self.declared_radio)
        self.equal_radio.setChecked(True)
        self.declared_radio.toggled.connect(self._on_mode_toggled)
        split.addWidget(self.equal_radio)
        split.addWidget(self.declared_radio)
        self.budgets_box = QWidget()
        self.budgets_form = QFormLayout(self.budgets_box)
        self.budgets_form.setContentsMargins(28, 4, 0, 0)
        self.budget_fields: list[MoneyField] = []
        split.addWidget(self.budgets_box)
        body.addLayout(split)
        self.split_hint = hint(
            "Split shares one auction across the variants; each day is one round of the "
            "readout, and unequal delivery is caught by the sample-ratio check on the "
            "impressions of complete days."
        )
        self.split_hint.setContentsMargins(28, 0, 0, 0)
        body.addWidget(self.split_hint)
        layout.addWidget(card)
        self.schedule_summary = Banner("info")
        layout.addWidget(self.schedule_summary)
        layout.addStretch(1)
        return page

    def _plan_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 6, 0)
        layout.setSpacing(12)
        card, body = _card("Planner — how long the experiment needs")
        top = QHBoxLayout()
        form = _form()
        self.mde_spin = QDoubleSpinBox()
        self.mde_spin.setDecimals(1)
        self.mde_spin.setRange(0.5, 500.0)
        self.mde_spin.setValue(10.0)
        self.mde_spin.setSuffix(" % relative")
        self.mde_spin.setKeyboardTracking(False)  # plan the typed value, not each keystroke
        self.mde_spin.valueChanged.connect(self._on_planner_changed)
        form.addRow("Minimum detectable effect", self.mde_spin)
        self.confidence_combo = QComboBox()
        for value in CONFIDENCES:
            self.confidence_combo.addItem(f"{value:.0%}", value)
        self.confidence_combo.setCurrentIndex(1)
        self.confidence_combo.currentIndexChanged.connect(self._on_planner_changed)
        form.addRow("Confidence", self.confidence_combo)
        power = QLabel("80%")
        form.addRow("Power", power)
        top.addLayout(form, 3)
        side = QVBoxLayout()
        self.fetch_button = QPushButton("Measure again")
        self.fetch_button.setToolTip(
            f"Read the campaign's last {HISTORY_DAYS} days per ad squad again and measure how "
            "much its metric moves from round to round"
        )
        self.fetch_button.clicked.connect(self._on_fetch_button_clicked)
        fetch_row = QHBoxLayout()
        self.fetch_spinner = Spinner(18)
        self.fetch_spinner.hide()
        fetch_row.addWidget(self.fetch_spinner)
        fetch_row.addWidget(self.fetch_button)
        fetch_row.addStretch(1)
        side.addLayout(fetch_row)
        self.fetch_status = hint("")
        side.addWidget(self.fetch_status)
        side.addStretch(1)
        top.addLayout(side, 2)
        body.addLayout(top)
        body.addWidget(
            hint(
                "What sizes an experiment is how much the comparison moves from one round to "
                "the next — not the number of impressions: a day that converts 8% better than "
                "the day before moves it whatever the volume. The planner measures that spread "
                f"in this campaign's last {HISTORY_DAYS} days."
            )
        )
        layout.addWidget(card)
        cards = QGridLayout()
        cards.setSpacing(10)
        self.spread_card = NumberCard("Round-to-round spread")
        self.multiplicity_card = NumberCard("Several comparisons")
        self.sequential_card = NumberCard("Checking every day")
        self.days_card = NumberCard("Duration for 80% power")
        for index, number in enumerate(
            (self.spread_card, self.multiplicity_card, self.sequential_card, self.days_card)
        ):
            cards.addWidget(number, index // 2, index % 2)
        cards.setColumnStretch(0, 1)
        cards.setColumnStretch(1, 1)
        layout.addLayout(cards)
        self.assumptions_banner = Banner("warning")
        self.assumptions_banner.hide()
        layout.addWidget(self.assumptions_banner)
        self.plan_problem = Banner("warning")
        self.plan_problem.hide()
        layout.addWidget(self.plan_problem)
        self.plan_note = hint("")
        layout.addWidget(self.plan_note)
        self.review = Banner("info")
        layout.addWidget(self.review)
        layout.addStretch(1)
        return page

    def _variant_columns(self) -> tuple[Column, ...]:
        def tone(dimension: str) -> Any:
            def pick(row: _DraftRow) -> str | None:
                if dimension not in row.differs:
                    return None
                return "accent" if dimension == row.declared else "danger"

            return pick

        def bold(dimension: str) -> Any:
            return lambda row: dimension in row.differs

        return (
            Column("Variant", lambda r: r.label, bold=lambda r: True),
            Column("Creative", lambda r: r.creative, tone=tone("creative"), bold=bold("creative")),
            Column(
                "Targeting", lambda r: r.targeting, tone=tone("targeting"), bold=bold("targeting")
            ),
            Column("Bid", lambda r: r.bid, tone=tone("bid"), bold=bold("bid")),
            Column(
                "Placement", lambda r: r.placement, tone=tone("placement"), bold=bold("placement")
            ),
        )

    # -- filling -----------------------------------------------------------------------------

    def _fill_campaigns(self, wanted: str | None) -> None:
        self.campaign_combo.blockSignals(True)
        self.campaign_combo.clear()
        for campaign in self.store.campaigns(self.ad_account_id):
            squads = len(self.store.ad_squads(campaign.id))
            status = humanize_enum(str(campaign.data.get("status") or campaign.status or ""))
            label = f"{campaign.name or campaign.id}  ·  {squads} ad squads  ·  {status}"
            self.campaign_combo.addItem(label, campaign.id)
        index = self.campaign_combo.findData(wanted) if wanted else -1
        if index < 0:
            index = next(
                (
                    i
                    for i in range(self.campaign_combo.count())
                    if self.store.ad_squads(str(self.campaign_combo.itemData(i)))
                ),
                0,
            )
        self.campaign_combo.setCurrentIndex(index)
        self.campaign_combo.blockSignals(False)
        self._fill_controls()

    def _fill_controls(self) -> None:
        self.control_combo.blockSignals(True)
        self.control_combo.clear()
        campaign = self.campaign_id
        if campaign:
            for squad in self.store.ad_squads(campaign):
                data = squad.data
                status = humanize_enum(str(data.get("status") or squad.status or ""))
                budget = data.get("daily_budget_micro")
                money = format_money_micro(budget, self.currency) + "/day" if budget else "lifetime"
                self.control_combo.addItem(
                    f"{squad.name or squad.id}  ·  {status}  ·  {money}", squad.id
                )
        preferred = next(
            (
                i
                for i in range(self.control_combo.count())
                if (row := self.store.get(AD_SQUAD, str(self.control_combo.itemData(i))))
                and row.data.get("status") == "ACTIVE"
            ),
            0,
        )
        self.control_combo.setCurrentIndex(preferred if self.control_combo.count() else -1)
        self.control_combo.blockSignals(False)
        self._load_control()

    def _load_control(self) -> None:
        squad_id = self.control_combo.currentData()
        row = self.store.get(AD_SQUAD, str(squad_id)) if squad_id else None
        if row is None:
            self.control = None
            self.treatments = []
            self.control_hint.setText("The campaign has no synced ad squads to use as the control.")
            self._refresh_variants()
            return
        data = writable(AD_SQUAD, row.data)
        ads = self.store.ads(row.id)
        creatives = [str(a.data["creative_id"]) for a in ads if a.data.get("creative_id")]
        self.control = _Control(row, VariantDraft.of_squad(data), creatives, len(ads))
        self.treatments = [self._new_treatment()]
        status = str(row.data.get("status") or "")
        queued = (
            "It is paused: creating the experiment queues its resume (the control ships ACTIVE)."
            if status != "ACTIVE"
            else "It stays active; the treatments are created paused."
        )
        self.control_hint.setText(
            f"Every treatment is a copy of this ad squad with its {len(ads)} ad"
            f"{'s' if len(ads) != 1 else ''}. {queued}"
        )
        self._fill_creatives()
        self._fill_budgets()
        self._refresh_variants(select=1)

    def _fill_creatives(self) -> None:
        self.creative_combo.blockSignals(True)
        self.creative_combo.clear()
        self.creative_combo.addItem("Same as the control", None)
        control_creatives = set(self.control.creatives) if self.control else set()
        for creative in self.store.creatives(self.ad_account_id):
            if creative.id in control_creatives:
                continue
            kind = humanize_enum(str(creative.data.get("type") or ""))
            self.creative_combo.addItem(f"{creative.name or creative.id}  ·  {kind}", creative.id)
        self.creative_combo.blockSignals(False)

    def _fill_budgets(self) -> None:
        while self.budgets_form.rowCount():
            self.budgets_form.removeRow(0)
        self.budget_fields = []
        if self.control is None:
            return
        for index in range(len(self.treatments) + 1):
            money = MoneyField(placeholder="Daily budget")
            money.set_currency(self.currency)
            draft = self.control.draft if index == 0 else self.treatments[index - 1]
            money.set_micro(draft.budget_micro or self.control.draft.budget_micro)
            money.edited.connect(self._on_input_changed)
            key = chr(ord("A") + index)
            money.edit.setAccessibleName(f"Daily budget of variant {key}")
            self.budgets_form.addRow(f"{key}{' (control)' if index == 0 else ''}", money)
            self.budget_fields.append(money)

    def _new_treatment(self) -> VariantDraft:
        assert self.control is not None
        draft = self.control.draft.copy()
        if self.dimension == "bid":
            base = draft.bid_micro if draft.bid_strategy in BID_REQUIRED else None
            if base:
                draft.bid_micro = int(base * 1.2)
            else:  # auto-bid control: a max bid to enter
                draft.bid_strategy, draft.bid_micro = "LOWEST_COST_WITH_MAX_BID", None
        return draft

    # -- state -------------------------------------------------------------------------------

    @property
    def campaign_id(self) -> str | None:
        data = self.campaign_combo.currentData()
        return str(data) if data else None

    @property
    def dimension(self) -> str:
        return next((d for d, b in self.dimension_buttons.items() if b.isChecked()), "bid")

    @property
    def primary_metric(self) -> str:
        return str(self.metric_combo.currentData())

    @property
    def guardrails(self) -> tuple[str, ...]:
        return tuple(
            key
            for key, box in self.guardrail_boxes.items()
            if box.isChecked() and box.isEnabled() and key != self.primary_metric
        )

    @property
    def mode(self) -> str:
        return ROTATION if self.rotation_radio.isChecked() else SPLIT

    @property
    def confidence(self) -> float:
        return float(self.confidence_combo.currentData())

    @property
    def relative_mde(self) -> float:
        return self.mde_spin.value() / 100

    @property
    def price_limit(self) -> float:
        """The eCPM guardrail's limit: a treatment this much above the control is flagged."""
        return self.price_limit_spin.value() / 100

    def plan_request(self) -> PlanRequest | None:
        """What the planner sizes for the current inputs (None without a campaign)."""
        if not self.campaign_id:
            return None
        rotation = self.mode == ROTATION
        return PlanRequest(
            ad_account_id=self.ad_account_id,
            campaign_id=self.campaign_id,
            primary_metric=self.primary_metric,
            relative_mde=self.relative_mde,
            arms=len(self.treatments) + 1,
            rotation=rotation,
            confidence=self.confidence,
            rotation_hours=float(self.hours_spin.value()) if rotation else None,
            now=self.clock() if self.clock is not None else None,
        )

    @property
    def planning(self) -> bool:
        """The plan for the current inputs is being measured."""
        return self.plan_op is not None and self.plan_for != self.plan_request()

    def selected_treatment(self) -> int | None:
        """Index into `treatments` of the selected row (None: the control or nothing)."""
        row = self.variants_view.currentIndex().row()
        return row - 1 if row >= 1 and row - 1 < len(self.treatments) else None

    def select_variant(self, row: int) -> None:
        index = self.variants_model.index(row, 0)
        self.variants_view.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )

    def add_treatment(self) -> None:
        if self.control is None:
            return
        self.treatments.append(self._new_treatment())
        self._fill_budgets()
        self._refresh_variants(select=len(self.treatments))
        self._invalidate_plan()

    def remove_treatment(self, index: int) -> None:
        if 0 <= index < len(self.treatments):
            del self.treatments[index]
            self._fill_budgets()
            self._refresh_variants(select=min(index + 1, len(self.treatments)))
            self._invalidate_plan()

    def declared_budgets(self) -> list[int] | None:
        """Split mode with declared budgets: one daily budget per variant, control first."""
        if self.mode != SPLIT or not self.declared_radio.isChecked():
            return None
        out = []
        for field_ in self.budget_fields:
            micro = field_.micro("daily_budget_micro")
            out.append(micro if micro is not None else 0)
        return out

    # -- validation --------------------------------------------------------------------------

    def problems(self, page: int) -> list[str]:
        """What stops the dialog from leaving `page` (or creating), one sentence each."""
        if page == HYPOTHESIS:
            out = []
            if not self.campaign_id:
                out.append("Choose the campaign the experiment runs in.")
            if not self.name_edit.text().strip():
                out.append("Name the experiment.")
            if not self.hypothesis_edit.toPlainText().strip():
                out.append("Write the hypothesis: what you change and what you expect to happen.")
            return out
        if page == VARIANTS:
            if self.control is None:
                return ["Choose a control ad squad (the campaign needs a synced ad squad)."]
            return variant_problems(
                dimension=self.dimension,
                control=self.control.draft,
                treatments=self.treatments,
                control_creatives=self.control.creatives,
            )
        if page == SCHEDULE:
            if self.mode == ROTATION:
                return []
            if not self.declared_radio.isChecked():
                if self.control is not None and not self.control.draft.budget_micro:
                    return [
                        "The control has a lifetime budget: declare a daily budget per variant "
                        "for a split."
                    ]
                return []
            try:
                budgets = self.declared_budgets() or []
            except FieldProblem as exc:
                return [f"Budgets: {exc.message}"]
            low = [chr(ord("A") + i) for i, b in enumerate(budgets) if b < MIN_BUDGET_MICRO]
            if low:
                minimum = format_money_micro(MIN_BUDGET_MICRO, self.currency)
                return [f"Daily budget of {_and(low)} below Snap's minimum of {minimum}: raise it."]
            return []
        return self.plan_problems()

    def plan_problems(self) -> list[str]:
        """A plan being measured stops Create (the experiment is created with the plan of
        exactly these inputs); a plan that can't be made does not — the experiment then runs
        without one, which the plan page says."""
        if self.stats is not None and self.loop is not None and self.planning:
            return [
                "The planner is still measuring the campaign's history: create the experiment "
                "once it shows the duration."
            ]
        return []

    # -- navigation --------------------------------------------------------------------------

    def _go(self, page: int) -> None:
        self.page = page
        self.reached = max(self.reached, page)
        self.stack.setCurrentIndex(page)
        self.steps.set_current(page, reachable=self.reached)
        self.back_button.setEnabled(page > HYPOTHESIS)
        self.next_button.setText("Create experiment" if page == PLAN else "Next")
        self.problem.hide()
        if page == SCHEDULE:
            self._refresh_schedule()
        if page == PLAN:
            self.request_plan()
            self._refresh_plan()

    def go_next(self) -> bool:
        """Next page (or create on the last one) when the current page is valid."""
        problems = self.problems(self.page)
        if problems:
            self._show_problems(problems)
            return False
        if self.page < PLAN:
            self._go(self.page + 1)
            return True
        return self.create_experiment()

    def _show_problems(self, problems: Sequence[str]) -> None:
        self.problem.set_text("<br>".join(html.escape(p, quote=False) for p in problems))
        self.problem.show()

    def create_experiment(self) -> bool:
        """Queue the experiment (all pages must be valid); emits `created` and closes."""
        for page in (HYPOTHESIS, VARIANTS, SCHEDULE, PLAN):
            problems = self.problems(page)
            if problems:
                self._go(page)
                self._show_problems(problems)
                return False
        assert self.control is not None and self.campaign_id is not None
        dimension = self.dimension
        plan = self.plan if self.plan_for == self.plan_request() else None
        try:
            created = self.service.create(
                name=self.name_edit.text().strip(),
                hypothesis=self.hypothesis_edit.toPlainText().strip(),
                campaign_id=self.campaign_id,
                control_squad_id=self.control.row.id,
                dimension=dimension,
                treatments=[t.overrides(dimension, self.control.draft) for t in self.treatments],
                primary_metric=self.primary_metric,
                guardrails=self.guardrails,
                mode=ROTATION if self.mode == ROTATION else SPLIT,
                rotation_hours=float(self.hours_spin.value()) if self.mode == ROTATION else None,
                confidence=self.confidence,
                relative_mde=self.relative_mde,
                budgets_micro=self.declared_budgets(),
                plan=plan,  # its mixture scale is fixed with the experiment, before any data
                price_limit=self.price_limit,
            )
        except (ChangeError, ValueError) as exc:
            self._show_problems([getattr(exc, "message", None) or str(exc)])
            return False
        self.created_result = created
        emit(self.created, created)
        self.accept()
        return True

    # -- refreshing --------------------------------------------------------------------------

    def _rows(self) -> list[_DraftRow]:
        if self.control is None:
            return []
        control = self.control
        names = {c.id: c.name or c.id for c in self.store.creatives(self.ad_account_id)}
        own = ", ".join(names.get(c, c) for c in dict.fromkeys(control.creatives)) or "No ads"
        rows = [
            _DraftRow(
                label="A · control",
                creative=own,
                targeting=targeting_summary(control.draft.targeting),
                bid=bid_summary(control.draft.bid_strategy, control.draft.bid_micro, self.currency),
                placement=placement_summary(control.draft.placement),
                differs=(),
                declared=self.dimension,
            )
        ]
        for index, draft in enumerate(self.treatments, start=1):
            creative = names.get(draft.creative_id, draft.creative_id) if draft.creative_id else own
            rows.append(
                _DraftRow(
                    label=chr(ord("A") + index),
                    creative=str(creative),
                    targeting=targeting_summary(draft.targeting),
                    bid=bid_summary(draft.bid_strategy, draft.bid_micro, self.currency),
                    placement=placement_summary(draft.placement),
                    differs=tuple(draft.differs(control.draft, control.creatives)),
                    declared=self.dimension,
                )
            )
        return rows

    def _refresh_variants(self, *, select: int | None = None) -> None:
        current = self.variants_view.currentIndex().row()
        self.variants_model.set_rows(self._rows())
        row = select if select is not None else current
        shown = min(max(self.variants_model.rowCount(), 2), 6)
        header = self.variants_view.horizontalHeader().sizeHint().height()
        self.variants_view.setFixedHeight(header + 28 * shown + 4)
        if self.variants_model.rowCount():
            self.select_variant(max(0, min(row, self.variants_model.rowCount() - 1)))
        self._load_editor()
        self._refresh_variant_issues()

    def _refresh_variant_rows(self) -> None:
        row = self.variants_view.currentIndex().row()
        self.variants_model.set_rows(self._rows())
        if row >= 0:
            self.variants_view.selectionModel().blockSignals(True)
            self.select_variant(row)
            self.variants_view.selectionModel().blockSignals(False)
        self._refresh_variant_issues()

    def _refresh_variant_issues(self) -> None:
        problems = self.problems(VARIANTS) if self.control is not None else []
        self.variant_issues.setVisible(bool(problems))
        self.variant_issues.set_text("<br>".join(html.escape(p, quote=False) for p in problems))
        self.remove_button.setEnabled(self.selected_treatment() is not None)
        self.add_button.setEnabled(
            self.control is not None and len(self.treatments) + 1 < MAX_VARIANTS
        )
        if self.page == VARIANTS and self.problem.isVisible() and not problems:
            self.problem.hide()

    def _load_editor(self) -> None:
        index = self.selected_treatment()
        self.editor_card.setVisible(self.control is not None)
        if self.control is None:
            return
        is_control = index is None
        draft = self.control.draft if index is None else self.treatments[index]
        key = "A" if index is None else chr(ord("A") + index + 1)
        declared = self.dimension
        self.editor_title.setText(
            f"Variant {key} — the control (read-only)"
            if is_control
            else f"Variant {key} — change its {DIMENSION_LABELS[declared].lower()}"
        )
        self._loading = True
        try:
            index_ = self.creative_combo.findData(draft.creative_id) if draft.creative_id else 0
            self.creative_combo.setCurrentIndex(max(0, index_))
            countries, min_age, max_age, gender = _targeting_fields(draft.targeting)
            self.countries_edit.setText(", ".join(countries))
            self.age_min.set_value(min_age)
            self.age_max.set_value(max_age)
            self.gender_combo.set_value(gender)
            self.bid_combo.set_value(draft.bid_strategy or "AUTO_BID")
            self.bid_field.set_micro(draft.bid_micro)
            config, positions = _placement_fields(draft.placement)
            self.placement_combo.set_value(config)
            for value, box in self.position_boxes.items():
                box.setChecked(value in positions)
        finally:
            self._loading = False
        c = theme.colors()
        for dimension, (caption, widget) in self.editor_rows.items():
            tested = dimension == declared
            caption.setText(f"{DIMENSION_LABELS[dimension]}{'  ◆' if tested else ''}")
            caption.setStyleSheet(
                f"color: {c.accent}; font-weight: 700;" if tested else f"color: {c.muted};"
            )
            widget.setEnabled(not is_control)
        self.bid_field.setEnabled(not is_control and self.bid_combo.value() in BID_REQUIRED)
        for box in self.position_boxes.values():
            box.setEnabled(not is_control and self.placement_combo.value() == "CUSTOM")
        self.editor_hint.setText(
            "The control is the ad squad as it is on Snap."
            if is_control
            else f"◆ {DIMENSION_LABELS[declared]} is the tested dimension. Leave the others as "
            "the control has them — the table marks any other change in red."
        )

    def _collect_editor(self) -> None:
        index = self.selected_treatment()
        if index is None or self.control is None or self._loading:
            return
        control = self.control.draft
        draft = self.treatments[index]
        creative = self.creative_combo.currentData()
        draft.creative_id = str(creative) if creative else None
        draft.targeting = with_targeting(
            control.targeting,
            countries=split_codes(self.countries_edit.text()),
            min_age=self.age_min.value(),
            max_age=self.age_max.value(),
            gender=self.gender_combo.value(),
        )
        draft.bid_strategy = self.bid_combo.value()
        try:
            draft.bid_micro = (
                self.bid_field.micro("bid_micro")
                if draft.bid_strategy in BID_REQUIRED
                else control.bid_micro
            )
        except FieldProblem:
            draft.bid_micro = None
        positions = [v for v, box in self.position_boxes.items() if box.isChecked()]
        draft.placement = with_placement(
            control.placement, config=self.placement_combo.value() or "AUTOMATIC",
            positions=positions,
        )  # fmt: skip
        self.bid_field.setEnabled(draft.bid_strategy in BID_REQUIRED)
        for box in self.position_boxes.values():
            box.setEnabled(self.placement_combo.value() == "CUSTOM")

    def _refresh_schedule(self) -> None:
        rotation = self.mode == ROTATION
        self.hours_spin.setEnabled(rotation)
        for widget in (self.equal_radio, self.declared_radio):
            widget.setEnabled(not rotation)
        self.budgets_box.setVisible(not rotation and self.declared_radio.isChecked())
        hours = self.hours_spin.value()
        k = len(self.treatments) + 1
        text = (
            f"Each of the {k} variants is active {hours} h in turn; a full round takes "
            f"{hours * k} h. Exposure is equal; steps run while snapdesk is open (or from "
            "`snapdesk experiments tick`)."
        )
        self.rotation_hint.setText(text)
        if rotation:
            keys = [chr(ord("A") + i) for i in range(k)]
            orders = " · ".join(
                f"round {r + 1}: {' → '.join(round_order(keys, r))}" for r in range(3)
            )
            summary = (
                f"<b>Timed rotation every {hours} h, in rounds of {k} slots</b> — one slot of "
                f"every variant, in a counterbalanced order: {orders} · … Across rounds every "
                "variant runs in every position, and right after every other variant, equally "
                "often, so neither the time of day or week nor the previous variant favours "
                "one. Never two variants active at once."
            )
        else:
            budgets = "declared budgets" if self.declared_radio.isChecked() else "equal budgets"
            summary = f"<b>Split with {budgets}.</b> All {k} variants deliver at the same time."
        self.schedule_summary.set_text(summary)
        self._refresh_variant_issues()

    def _refresh_plan(self) -> None:
        """The planner's cards for the current inputs: measuring, the plan, or why there is
        none and what to do."""
        self.fetch_button.setEnabled(
            self.stats is not None and self.loop is not None and self.plan_op is None
        )
        plan = self.plan if self.plan_for == self.plan_request() else None
        cards = (self.spread_card, self.multiplicity_card, self.sequential_card, self.days_card)
        self.assumptions_banner.hide()
        if plan is None:
            measuring = self.planning
            for number in cards:
                number.set("…" if measuring else "—", "measuring…" if measuring else "")
            self.plan_note.setText("")
            problem = self._plan_problem_text(measuring=measuring)
            self.plan_problem.setVisible(bool(problem))
            if problem:
                kind, text = problem
                self.plan_problem.set_kind(kind)
                self.plan_problem.set_text(text)
            self._refresh_review()
            return
        self.plan_problem.hide()
        self._show_plan(plan)
        self._refresh_review()

    def _plan_problem_text(self, *, measuring: bool) -> tuple[str, str] | None:
        without = (
            "You can still create the experiment without a plan: it runs and reads out the "
            "same way, but the readout can't say how much power the test had by a given day "
            "or where its horizon is, and the test uses a default tuning."
        )
        if self.stats is None or self.loop is None:
            return "info", (
                "<b>Sign in to plan.</b> The planner measures the campaign's last "
                f"{HISTORY_DAYS} days of stats; this ad account's login isn't signed in. " + without
            )
        if measuring:
            self.fetch_status.setText(f"Reading the campaign's last {HISTORY_DAYS} days…")
            return None
        if self.plan_error is not None:
            return "warning", (
                "<b>The planner can't size this experiment:</b> "
                f"{html.escape(self.plan_error.rstrip('.'), quote=False)}. Let the campaign "
                "deliver a few more days (or choose a campaign that has been delivering) and "
                "measure again. " + without
            )
        return None

    def _show_plan(self, plan: Plan) -> None:
        spec = metric(plan.metric)
        comparisons = plan.comparisons
        source = plan.spread_source[:1].upper() + plan.spread_source[1:]
        self.spread_card.set(
            f"±{plan.round_sd:.1%}",
            f"How much one round's treatment-to-control ratio wanders. {source}; planned at the "
            f"upper end of its {PLAN_QUANTILE:.0%} interval (measured ±{plan.measured_sd:.1%}).",
        )
        if plan.assumptions:
            self.assumptions_banner.set_text(
                "<b>Assumed, not measured:</b> "
                + html.escape("; ".join(plan.assumptions), quote=False)
                + ". The duration below rests on it."
            )
            self.assumptions_banner.show()
        alpha = f"{plan.alpha:.2g}"
        if comparisons > 1:
            self.multiplicity_card.set(
                f"×{plan.multiplicity_factor:.2f}",
                f"α split over {comparisons} comparisons (Holm's first step): α/{comparisons} = "
                f"{alpha}/{comparisons} = {plan.alpha_first:.3g}, ×{plan.multiplicity_factor:.2f} "
                "the rounds of a single comparison.",
            )
        else:
            self.multiplicity_card.set(
                "×1.00", f"One comparison: α = {alpha} is not split, no extra rounds."
            )
        k = plan.arms
        if plan.sequential_factor is not None and plan.rounds is not None:
            self.sequential_card.set(
                f"×{plan.sequential_factor:.1f}",
                f"Always-valid test: ×{plan.sequential_factor:.1f} the fixed-horizon rounds "
                f"({plan.fixed_rounds} → {plan.rounds}), simulated for {k} arms — the price of "
                "a readout you may check every day without inflating false winners.",
            )
        else:
            self.sequential_card.set("—", "The sequential test doesn't reach 80% power.")
        if plan.rounds is None or plan.days is None:
            self.days_card.set(
                "Out of reach",
                "The campaign's round-to-round spread is too large for this effect: raise the "
                "minimum detectable effect, or choose a steadier metric or campaign.",
            )
        else:
            round_text = f"{k} slots of {plan.slot_hours:g} h" if plan.slot_hours else "one day"
            miss = round(1 / (1 - plan.power)) if plan.power < 1 else 0
            mature = (
                f" Conversions count once {MATURITY_DAYS} days old: the readout gets there about "
                f"{MATURITY_DAYS} days later."
                if "conversion" in spec.events
                else ""
            )
            self.days_card.set(
                f"≈ {plan.days:.0f} days",
                f"{plan.rounds} rounds of {round_text} for {plan.power:.0%} power — a true effect "
                f"of exactly the MDE is still missed 1 time in {miss} by then; a larger one is "
                f"usually found sooner.{mature}",
            )
        baseline = format_value(spec, plan.baseline, self.currency)
        volume = (
            format_money_micro(round(plan.daily_base), self.currency)
            if spec.base == "spend"
            else f"{plan.daily_base:,.0f} {spec.base}"
        )
        days = plan.history_windows
        quiet = f" (delivery on {days} of them)" if days < HISTORY_DAYS else ""
        self.fetch_status.setText(
            f"Measured on the campaign's last {HISTORY_DAYS} days{quiet}: "
            f"{spec.label.lower()} {baseline} on {volume} a day."
        )
        self.plan_note.setText(
            "The plan is stored with the experiment: the always-valid test is tuned to it "
            "before any data, and the readout shows how much power the test had so far."
        )

    def _refresh_review(self) -> None:
        if self.control is None:
            self.review.set_text("Choose a control ad squad first.")
            return
        k = len(self.treatments)
        ads = self.control.ads
        resume = self.control.row.data.get("status") != "ACTIVE"
        parts = [
            f"<b>Create queues</b> {k} ad squad cop{'ies' if k != 1 else 'y'} (PAUSED)"
            + (f" with {k * ads} ad cop{'ies' if k * ads != 1 else 'y'}" if ads else ""),
        ]
        if resume:
            parts.append("a resume of the control")
        if self.declared_budgets_safe():
            parts.append("the declared budgets")
        unplanned = (
            self.page == PLAN
            and not self.planning
            and (self.plan is None or self.plan_for != self.plan_request())
        )
        self.review.set_text(
            ", ".join(parts)
            + ". They appear in Pending Changes; <b>nothing is sent to Snap</b> until you launch "
            "the experiment in live mode."
            + (" The experiment is created without a plan." if unplanned else "")
        )

    def declared_budgets_safe(self) -> bool:
        try:
            return self.declared_budgets() is not None
        except FieldProblem:
            return False

    # -- the planner -------------------------------------------------------------------------

    def _invalidate_plan(self) -> None:
        """Forget a plan (or error) made for other inputs; on the plan page, measure again."""
        request = self.plan_request()
        if self.plan_for is not None and self.plan_for != request:
            self.plan, self.plan_error, self.plan_for = None, None, None
        if self.page == PLAN:
            self.request_plan()

    def request_plan(self) -> AsyncOp | None:
        """Plan the current inputs with `ExperimentService.plan` (the campaign's last 28 days,
        from the stats cache when fetched already). One op at a time: inputs changed while it
        runs are planned once it ends."""
        request = self.plan_request()
        if self.stats is None or self.loop is None or request is None or self._closed:
            return None
        if self.plan_op is not None:
            return self.plan_op
        if self.plan_for == request:
            return None  # planned already (or known not to be plannable)
        op = load_plan(loop=self.loop, service=self.service, stats=self.stats, request=request,
                       parent=self)  # fmt: skip
        self._plan_requested = request
        op.succeeded.connect(self._on_plan_op_succeeded)
        op.failed.connect(self._on_plan_op_failed)
        op.finished.connect(self._on_plan_op_finished)
        self.plan_op = op
        self.fetch_button.setEnabled(False)
        self.fetch_spinner.start()
        self.fetch_status.setText(f"Reading the campaign's last {HISTORY_DAYS} days…")
        return op

    def _on_plan_op_succeeded(self, result: object) -> None:
        request = self._plan_requested
        if request is None or request != self.plan_request():
            return  # the inputs changed meanwhile: planned again when the op ends
        if isinstance(result, Plan):
            self.plan, self.plan_error = result, None
        else:
            self.plan, self.plan_error = None, str(result)
            self.fetch_status.setText("")
        self.plan_for = request

    def _on_plan_op_failed(self, exc: object) -> None:
        request = self._plan_requested
        message = error_message(exc) if isinstance(exc, BaseException) else str(exc)
        if request is not None and request == self.plan_request():
            self.plan = None
            self.plan_error = f"couldn't read the campaign's stats ({message})"
            self.plan_for = request
        self.fetch_status.setText("")

    def _on_plan_op_finished(self) -> None:
        self.plan_op = None
        self._plan_requested = None
        self.fetch_spinner.stop()
        self.fetch_spinner.hide()
        if self.page == PLAN and not self._closed and self.plan_for != self.plan_request():
            self.request_plan()
        self._refresh_plan()

    def done(self, result: int) -> None:
        self._closed = True
        if self.plan_op is not None:
            self.plan_op.cancel()  # nothing left to show it in
        super().done(result)

    # -- slots -------------------------------------------------------------------------------

    def _on_steps_step_clicked(self, step: int) -> None:
        if step <= self.page:
            self._go(step)
            return
        for page in range(self.page, step):
            problems = self.problems(page)
            if problems:
                self._go(page)
                self._show_problems(problems)
                return
        self._go(step)

    def _on_back_button_clicked(self) -> None:
        if self.page > HYPOTHESIS:
            self._go(self.page - 1)

    def _on_next_button_clicked(self) -> None:
        self.go_next()

    def _on_campaign_combo_changed(self, _index: int) -> None:
        self._fill_controls()
        self._on_input_changed()

    def _on_control_combo_changed(self, _index: int) -> None:
        self._load_control()

    def _on_metric_combo_changed(self, _index: int) -> None:
        primary = self.primary_metric
        for key, box in self.guardrail_boxes.items():
            box.setEnabled(key != primary)
            if key == primary:
                box.setChecked(False)
        self._on_input_changed()

    def _on_dimension_toggled(self, checked: bool) -> None:
        if checked and self.control is not None:
            self.treatments = [self._refocused(t) for t in self.treatments]
            self._refresh_variants()

    def _refocused(self, draft: VariantDraft) -> VariantDraft:
        """`draft` with every dimension but the tested one back to the control's (switching the
        dimension keeps a treatment a one-dimension change)."""
        assert self.control is not None
        fresh = self._new_treatment()
        dimension = self.dimension
        if dimension == "creative" and draft.creative_id:
            fresh.creative_id = draft.creative_id
        elif dimension == "targeting":
            fresh.targeting = copy.deepcopy(draft.targeting)
        elif dimension == "placement":
            fresh.placement = copy.deepcopy(draft.placement)
        elif dimension == "bid" and "bid" in draft.differs(self.control.draft, []):
            fresh.bid_strategy, fresh.bid_micro = draft.bid_strategy, draft.bid_micro
        fresh.budget_micro = draft.budget_micro
        return fresh

    def _on_variants_current_changed(self, *_args: object) -> None:
        self._load_editor()
        self._refresh_variant_issues()

    def _on_editor_changed(self, *_args: object) -> None:
        if self._loading:
            return
        self._collect_editor()
        self._refresh_variant_rows()

    def _on_add_button_clicked(self) -> None:
        self.add_treatment()

    def _on_remove_button_clicked(self) -> None:
        index = self.selected_treatment()
        if index is not None:
            self.remove_treatment(index)

    def _on_mode_toggled(self, _checked: bool) -> None:
        self._refresh_schedule()
        self._on_input_changed()

    def _on_planner_changed(self, *_args: object) -> None:
        self._on_input_changed()

    def _on_price_guardrail_toggled(self, checked: bool) -> None:
        for widget in (self.price_limit_label, self.price_limit_spin):
            widget.setVisible(checked)

    def _on_fetch_button_clicked(self) -> None:
        self.plan, self.plan_error, self.plan_for = None, None, None
        self.request_plan()
        self._refresh_plan()

    def _on_input_changed(self, *_args: object) -> None:
        self._invalidate_plan()
        if self.problem.isVisible() and not self.problems(self.page):
            self.problem.hide()
        if self.page == SCHEDULE:
            self._refresh_schedule()
        if self.page == PLAN:
            self._refresh_plan()


@dataclass(frozen=True)
class _DraftRow:
    label: str
    creative: str
    targeting: str
    bid: str
    placement: str
    differs: tuple[str, ...]
    declared: str
