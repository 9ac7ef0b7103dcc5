"""The lists and tables of the Experiments window, and how their numbers read.

`ExperimentItem` is plain Python (one stored experiment, its status chip and a one-line
summary); `ExperimentListModel` lists them. `RowsTable` is one read-only table model over plain
records shown through `Column`s (text, tone, chip, monospace) — the variants of an experiment,
its rotation steps and the rows of its readout. The formatting functions are Qt-free.

    model = ExperimentListModel()
    model.set_items([experiment_item(e, campaign_name="Spring") for e in experiments])
    table = RowsTable(READOUT_COLUMNS)
    table.set_rows(readout_rows(readout, currency="USD"))
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from PySide6.QtCore import (
    QAbstractListModel,
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QColor, QFont

from snapdesk.experiments import (
    ARCHIVED,
    DRAFT,
    ENDED,
    GUARDRAIL_VIOLATED,
    INCONCLUSIVE,
    MIN_ROUNDS,
    NO_DIFFERENCE_YET,
    PAUSED,
    PROMOTING,
    ROTATION,
    RUNNING,
    SPLIT,
    WINNER,
    Comparison,
    Experiment,
    MetricSpec,
    Plan,
    Readout,
    metric,
    slot_variant,
)
from snapdesk.ui import theme

__all__ = [
    "CHIP_ROLE",
    "GUARDRAIL_COLUMNS",
    "ITEM_ROLE",
    "READOUT_COLUMNS",
    "STEP_COLUMNS",
    "VARIANT_COLUMNS",
    "ArmRow",
    "Column",
    "ExperimentItem",
    "ExperimentListModel",
    "GuardrailRow",
    "RowsTable",
    "StepRow",
    "VariantRow",
    "experiment_item",
    "experiment_plan",
    "format_interval",
    "format_lift",
    "format_range",
    "format_relative",
    "format_value",
    "guardrail_rows",
    "horizon_text",
    "local_clock",
    "local_date",
    "local_time",
    "mode_text",
    "pending_text",
    "readout_columns",
    "readout_headline",
    "readout_rows",
    "relative_time",
    "round_order",
    "state_chip",
    "state_label",
    "state_text",
    "tone_color",
    "unit_text",
    "verdict_label",
    "verdict_tone",
]

ITEM_ROLE: Final = Qt.ItemDataRole.UserRole + 1
CHIP_ROLE: Final = Qt.ItemDataRole.UserRole + 2  # "ok" | "warning" | "danger" | "info" | "muted"

_STATE_LABELS: Final = {
    DRAFT: "Draft",
    RUNNING: "Running",
    PAUSED: "Paused",
    ENDED: "Ended",
    ARCHIVED: "Archived",
}
_STATE_CHIPS: Final = {
    DRAFT: "muted",
    RUNNING: "ok",
    PAUSED: "warning",
    ENDED: "info",
    ARCHIVED: "muted",
}
_VERDICT_LABELS: Final = {
    WINNER: "Winner",
    NO_DIFFERENCE_YET: "No difference yet",
    INCONCLUSIVE: "Inconclusive",
    GUARDRAIL_VIOLATED: "Guardrail violated",
}
_VERDICT_TONES: Final = {
    WINNER: "ok",
    NO_DIFFERENCE_YET: "info",
    INCONCLUSIVE: "muted",
    GUARDRAIL_VIOLATED: "danger",
}


def state_label(state: str) -> str:
    return _STATE_LABELS.get(state, state.title())


def state_chip(state: str) -> str:
    return _STATE_CHIPS.get(state, "muted")


def pending_text(experiment: Experiment) -> str | None:
    """`Promotion of B not posted` / `Pause not posted` while one waits, else None."""
    pending = experiment.pending
    if pending is None:
        return None
    if pending.action == PROMOTING:
        return f"Promotion of {pending.winner} not posted"
    return "Pause not posted"


def state_text(experiment: Experiment) -> str:
    """The state as the experiment's chip says it: `Running`, `Ended · winner B`; what waits to
    be posted is not part of it (the experiment is what its posted changes made it)."""
    label = state_label(experiment.state)
    if experiment.winner:
        label += f" · winner {experiment.winner}"
    return label


def verdict_label(verdict: str, winner: str | None = None) -> str:
    if verdict == WINNER and winner:
        return f"Winner: variant {winner}"
    return _VERDICT_LABELS.get(verdict, verdict.capitalize())


def verdict_tone(verdict: str) -> str:
    return _VERDICT_TONES.get(verdict, "muted")


def _hours(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:g} h"


def mode_text(experiment: Experiment) -> str:
    """`Rotation every 24 h` or `Split · equal budgets` / `Split · declared budgets`."""
    if experiment.mode == SPLIT:
        budgets = {v.budget_micro for v in experiment.variants}
        return "Split · equal budgets" if len(budgets) <= 1 else "Split · declared budgets"
    return f"Rotation every {_hours(experiment.rotation_hours)}"


# -- times -------------------------------------------------------------------------------------


def local_time(moment: datetime | None, *, tz: Any = None) -> str:
    """`Mon 23 Nov, 14:00 CET` in this computer's time zone (or `tz`)."""
    if moment is None:
        return "—"
    local = moment.astimezone(tz) if tz is not None else moment.astimezone()
    return f"{local:%a} {local.day} {local:%b, %H:%M} {local.tzname() or ''}".rstrip()


def local_date(moment: datetime, *, tz: Any = None) -> str:
    """`Mon 7 Dec` in this computer's time zone (or `tz`)."""
    local = moment.astimezone(tz) if tz is not None else moment.astimezone()
    return f"{local:%a} {local.day} {local:%b}"


def local_clock(moment: datetime, *, tz: Any = None) -> str:
    """`13:00 CET` in this computer's time zone (or `tz`)."""
    local = moment.astimezone(tz) if tz is not None else moment.astimezone()
    return f"{local:%H:%M} {local.tzname() or ''}".rstrip()


def relative_time(moment: datetime, *, now: datetime) -> str:
    """`in 3 h 12 min`, `in 4 min`, `2 days ago`."""
    seconds = (moment - now).total_seconds()
    future = seconds >= 0
    seconds = abs(seconds)
    if seconds < 60:
        text = "less than a minute"
    elif seconds < 3600:
        text = f"{round(seconds / 60)} min"
    elif seconds < 86_400:
        hours, minutes = divmod(round(seconds / 60), 60)
        text = f"{hours} h {minutes} min" if minutes else f"{hours} h"
    else:
        days = seconds / 86_400
        text = f"{days:.0f} day{'s' if round(days) != 1 else ''}"
    return f"in {text}" if future else f"{text} ago"


# -- numbers -----------------------------------------------------------------------------------


def format_value(spec: MetricSpec, value: float | None, currency: str) -> str:
    """A rate as a percentage (`1.23%`), a cost in the account's currency (`USD 4.20`)."""
    if value is None or not math.isfinite(value):
        return "—"
    if spec.kind == "proportion":
        return f"{value * 100:.2f}%"
    return f"{currency} {value:,.2f}"


def format_lift(spec: MetricSpec, value: float | None, currency: str) -> str:
    """An absolute lift: percentage points for rates, money for costs, with its sign."""
    if value is None or not math.isfinite(value):
        return "—"
    if spec.kind == "proportion":
        return f"{value * 100:+.2f} pp"
    sign = "+" if value >= 0 else "−"
    return f"{sign}{currency} {abs(value):,.2f}"


def format_relative(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "—"
    text = f"{value * 100:+.1f}%"
    return text.replace("-", "−")


def format_range(spec: MetricSpec, low: float | None, high: float | None, currency: str) -> str:
    """A descriptive range in the metric's unit, compact: `1.29–1.48%`, `USD 11.90–12.80`."""
    if low is None or high is None or not (math.isfinite(low) and math.isfinite(high)):
        return "—"
    low = max(low, 0.0)  # a rate or a cost: the symmetric interval may reach below zero
    if spec.kind == "proportion":
        return f"{low * 100:.2f}–{high * 100:.2f}%"
    return f"{currency} {low:,.2f}–{high:,.2f}"


def format_interval(low: float | None, high: float | None, fmt: Callable[[float], str]) -> str:
    """`[−0.05 pp, +0.31 pp]`; `—` when the interval is not defined yet."""
    if low is None or high is None or not (math.isfinite(low) and math.isfinite(high)):
        return "—"
    return f"[{fmt(low)}, {fmt(high)}]"


# -- the experiment list -----------------------------------------------------------------------


@dataclass(frozen=True)
class ExperimentItem:
    id: str
    name: str
    state: str
    campaign_name: str
    summary: str
    winner: str | None
    updated_at: datetime
    waiting: str | None = None  # `Promotion of B not posted`

    @property
    def state_label(self) -> str:
        label = state_label(self.state)
        if self.winner and self.state in (ENDED, ARCHIVED):
            label += f" · {self.winner} won"
        return label

    @property
    def chip(self) -> str:
        return state_chip(self.state)


def experiment_item(experiment: Experiment, *, campaign_name: str) -> ExperimentItem:
    spec = metric(experiment.primary_metric)
    variants = len(experiment.variants)
    waiting = pending_text(experiment)
    summary = waiting or f"{spec.label} · {variants} variants · {mode_text(experiment)}"
    return ExperimentItem(
        id=experiment.id,
        name=experiment.name,
        state=experiment.state,
        campaign_name=campaign_name,
        summary=summary,
        winner=experiment.winner,
        updated_at=experiment.updated_at,
        waiting=waiting,
    )


class ExperimentListModel(QAbstractListModel):
    """The experiments of the chosen ad account (and campaign): name, summary and state."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._items: list[ExperimentItem] = []

    @property
    def items(self) -> list[ExperimentItem]:
        return list(self._items)

    def set_items(self, items: Sequence[ExperimentItem]) -> None:
        self.beginResetModel()
        self._items = list(items)
        self.endResetModel()

    def item(self, row: int) -> ExperimentItem | None:
        return self._items[row] if 0 <= row < len(self._items) else None

    def row_of(self, experiment_id: str) -> int:
        return next((i for i, item in enumerate(self._items) if item.id == experiment_id), -1)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._items)

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid() or index.column() != 0:
            return None
        item = self.item(index.row())
        if item is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return item.name
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{item.name}\n{item.campaign_name}\n{item.summary}\n{item.state_label}"
        if role == ITEM_ROLE:
            return item
        if role == CHIP_ROLE:
            return item.chip
        return None


# -- tables ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    title: str
    text: Callable[[Any], str]
    tone: Callable[[Any], str | None] | None = None
    chip: Callable[[Any], str | None] | None = None
    mono: bool = False
    bold: Callable[[Any], bool] | None = None
    tooltip: Callable[[Any], str | None] | None = None
    align_right: bool = False
    header_tooltip: str | None = None


class RowsTable(QAbstractTableModel):
    """Read-only rows of plain records, shown through `columns`."""

    def __init__(self, columns: Sequence[Column], parent: Any = None) -> None:
        super().__init__(parent)
        self._columns = tuple(columns)
        self._rows: list[Any] = []

    @property
    def columns(self) -> tuple[Column, ...]:
        return self._columns

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[Any]:
        return list(self._rows)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self._columns):
            return None
        column = self._columns[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.title
        if role == Qt.ItemDataRole.ToolTipRole:
            return column.header_tooltip
        if role == Qt.ItemDataRole.TextAlignmentRole:
            horizontal = (
                Qt.AlignmentFlag.AlignRight if column.align_right else Qt.AlignmentFlag.AlignLeft
            )
            return int(horizontal | Qt.AlignmentFlag.AlignVCenter)
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        if not 0 <= index.column() < len(self._columns):
            return None
        record = self._rows[index.row()]
        column = self._columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.text(record)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column.tooltip is not None:
                return column.tooltip(record)
            text = column.text(record)
            return text if len(text) > 28 else None
        if role == Qt.ItemDataRole.ForegroundRole and column.tone is not None:
            tone = column.tone(record)
            return QColor(tone_color(tone)) if tone else None
        if role == Qt.ItemDataRole.FontRole:
            bold = column.bold(record) if column.bold is not None else False
            if not (column.mono or bold):
                return None
            font = QFont("DejaVu Sans Mono") if column.mono else QFont()
            if column.mono:
                font.setStyleHint(QFont.StyleHint.Monospace)
            font.setBold(bold)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and column.align_right:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == CHIP_ROLE and column.chip is not None:
            return column.chip(record)
        if role == ITEM_ROLE:
            return record
        return None


def tone_color(tone: str) -> str:
    c = theme.colors()
    return {
        "ok": c.success,
        "danger": c.danger,
        "warning": c.warning,
        "muted": c.muted,
        "info": c.accent,
        "accent": c.accent,
    }.get(tone, c.text)


# -- the variants of a running experiment --------------------------------------------------------


@dataclass(frozen=True)
class VariantRow:
    key: str
    name: str
    squad_id: str
    role: str
    status: str  # the effective status: a queued change's, else the cached one
    queued: bool  # a change on the squad is still pending
    snap_status: str  # the status on Snap (as last synced or posted)
    scheduled: bool  # the schedule wants it active now
    budget: str


def _status_word(status: str) -> str:
    return {"ACTIVE": "Active", "PAUSED": "Paused"}.get(status, status.title() or "—")


def _status_text(row: VariantRow) -> str:
    """`Active`; with a queued change that alters it, what Snap has and what is queued:
    `Paused → Active (queued)` — the squad is paused until that change posts."""
    text = _status_word(row.status)
    if not row.queued:
        return text
    on_snap = row.snap_status if row.snap_status not in ("", "—") else ""
    if on_snap and on_snap != row.status:
        return f"{_status_word(on_snap)} → {text} (queued)"
    return f"{text} (queued)"


def _status_chip(row: VariantRow) -> str:
    if row.queued:
        return "info"
    return {"ACTIVE": "ok", "PAUSED": "muted"}.get(row.status, "warning")


VARIANT_COLUMNS: Final = (
    Column("Variant", lambda r: r.key, bold=lambda r: True),
    Column("Ad squad", lambda r: r.name, tooltip=lambda r: f"{r.name}\nid {r.squad_id}"),
    Column("Role", lambda r: "Control" if r.role == "control" else "Treatment"),
    Column("Status", _status_text, chip=_status_chip),
    Column(
        "Schedule",
        lambda r: "Active now" if r.scheduled else "Waiting",
        tone=lambda r: "ok" if r.scheduled else "muted",
    ),
    Column("Daily budget", lambda r: r.budget, align_right=True),
)


# -- the rotation steps --------------------------------------------------------------------------


@dataclass(frozen=True)
class StepRow:
    step: int
    slot_start: str
    active: str  # variant keys
    recorded: str
    result: str
    tone: str


STEP_COLUMNS: Final = (
    Column("Step", lambda r: str(r.step), align_right=True),
    Column("Slot starts", lambda r: r.slot_start),
    Column("Activated", lambda r: r.active, bold=lambda r: True),
    Column("Run at", lambda r: r.recorded),
    Column("Result", lambda r: r.result, chip=lambda r: r.tone),
)


# -- the readout ---------------------------------------------------------------------------------


def experiment_plan(experiment: Experiment) -> Plan | None:
    """The plan stored with the experiment when it was created (None: created without one)."""
    if not experiment.plan:
        return None
    try:
        return Plan.from_json(experiment.plan)
    except (TypeError, ValueError, KeyError):
        return None


def round_order(keys: Sequence[str], round_index: int, *, balanced: bool = True) -> list[str]:
    """The variants of a rotation's round `round_index` (from 0) in the order their slots run:
    a row of the Williams design (`schedule.slot_variant`), or the cyclic order."""
    k = len(keys)
    return [keys[slot_variant(round_index * k + j, k, balanced=balanced)] for j in range(k)]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def _a(share: float) -> str:
    """`a 41%` / `an 80%` / `an 11%`: the article of a percentage read out loud."""
    digits = f"{share * 100:.0f}"
    return "an" if digits.startswith("8") or digits in ("11", "18") else "a"


def unit_text(readout: Readout, experiment: Experiment) -> str:
    """What the readout compares: the unit of replication, what a round is, how many rounds."""
    k = len(experiment.variants)
    round_label = readout.round_label
    if experiment.mode == ROTATION and not experiment.balanced:
        round_label = f"{k} slots, one per variant, in the same cyclic order every round"
    planned = f" of the {readout.planned_rounds} planned" if readout.planned_rounds else ""
    spec = metric(readout.metric)
    return (
        f"Unit of replication: {readout.unit}. A round is {round_label}; "
        f"{_plural(readout.rounds, 'complete round')}{planned} compared on "
        f"{spec.label[:1].lower() + spec.label[1:]}."
    )


def horizon_text(readout: Readout, plan: Plan | None, *, past: bool = False) -> str:
    """`the 80%-power horizon is 14 rounds (≈ 28 days)`; '' without a planned horizon."""
    rounds = readout.planned_rounds
    if rounds is None or plan is None:
        return ""
    verb = "was" if past else "is"
    return (
        f"the {plan.power:.0%}-power horizon {verb} {_plural(rounds, 'round')} "
        f"(≈ {rounds * plan.round_days:.0f} days)"
    )


def _change(relative: float) -> str:
    """`+10%`, `+2.5%`, `−15%`: an effect size as the planner's input reads."""
    return f"{relative * 100:+g}%".replace("-", "−")


def readout_headline(readout: Readout, *, relative_mde: float, plan: Plan | None) -> str:
    """The verdict's sentence. A difference not detected (yet) says how much power the test
    had by now and where the planned horizon is — never that an effect "is smaller than the
    test can detect"; every other verdict is the engine's explanation."""
    n = readout.rounds
    if readout.verdict not in (NO_DIFFERENCE_YET, INCONCLUSIVE) or n < MIN_ROUNDS:
        return readout.explanation
    power = readout.power_so_far
    change = _change(relative_mde)
    if readout.verdict == NO_DIFFERENCE_YET:
        head = f"Not detected yet at this sample ({_plural(n, 'round')})"
        if power is None:
            return (
                f"{head}. The experiment was created without a plan, so the chance the test had "
                f"to detect a {change} change by now can't be stated; keep it running."
            )
        horizon = horizon_text(readout, plan) or (
            "the plan found no 80%-power horizon within reach for this effect"
        )
        return (
            f"{head} — by now the test had {_a(power)} {power:.0%} chance to detect a {change} "
            f"change; {horizon}."
        )
    head = f"No difference detected at this sample ({_plural(n, 'round')})"
    if power is None:
        detail = ". Created without a plan, the power the test had can't be stated"
    else:
        horizon = horizon_text(readout, plan, past=True)
        detail = (
            f" — by then the test had {_a(power)} {power:.0%} chance to detect a {change} change"
            + (f"; {horizon}" if horizon else "")
        )
    return f"{head}{detail}. A smaller effect may exist; this does not show the variants are equal."


@dataclass(frozen=True)
class ArmRow:
    """One variant in the readout table (control: no lift)."""

    key: str
    name: str
    is_control: bool
    value: str
    interval: str  # descriptive: the variant's value over its units (delta method)
    units: int
    events: int
    base: int
    impressions: int
    spend: str
    abs_lift: str
    rel_lift: str
    rel_ci: str  # always-valid, per comparison
    p_value: str  # running minimum
    p_holm: str  # after Holm across the treatments: what the verdict uses
    verdict: str
    tone: str


def _arm_verdict(comparison: Comparison, *, final: bool) -> tuple[str, str]:
    if comparison.better:
        return "Better", "ok"
    if comparison.worse:
        return "Worse", "danger"
    if comparison.rounds < MIN_ROUNDS:
        return f"{comparison.rounds} of {MIN_ROUNDS} rounds", "warning"
    return ("None detected", "muted") if final else ("Not detected yet", "muted")


def _p(value: float) -> str:
    return f"{value:.3g}"


def _count(value: float) -> int:
    return round(value)


def readout_rows(readout: Readout, *, currency: str) -> list[ArmRow]:
    spec = metric(readout.metric)
    by_key = {c.key: c for c in readout.comparisons}
    final = readout.verdict == INCONCLUSIVE
    rows = []
    for arm in readout.arms:
        comparison = by_key.get(arm.key)
        common: dict[str, Any] = {
            "key": arm.key,
            "name": arm.name,
            "value": format_value(spec, arm.value, currency),
            "interval": format_range(spec, arm.low, arm.high, currency),
            "units": arm.units,
            "events": _count(arm.events),
            "base": _count(arm.base),
            "impressions": _count(arm.impressions),
            "spend": f"{currency} {arm.spend_micro / 1_000_000:,.2f}",
        }
        if comparison is None:
            rows.append(
                ArmRow(
                    **common,
                    is_control=True,
                    abs_lift="—",
                    rel_lift="—",
                    rel_ci="",
                    p_value="",
                    p_holm="",
                    verdict="Control",
                    tone="info",
                )
            )
            continue
        verdict, tone = _arm_verdict(comparison, final=final)
        ready = comparison.rounds >= MIN_ROUNDS
        rows.append(
            ArmRow(
                **common,
                is_control=False,
                abs_lift=format_lift(spec, comparison.abs_lift, currency),
                rel_lift=format_relative(comparison.rel_lift),
                rel_ci=format_interval(comparison.rel_low, comparison.rel_high, format_relative),
                p_value=_p(comparison.p_value) if ready else "—",
                p_holm=_p(comparison.p_adjusted) if ready else "—",
                verdict=verdict,
                tone=tone,
            )
        )
    return rows


def _event_noun(spec: MetricSpec) -> str:
    return {"conversion_purchases": "Conversions", "view_completion": "Completions"}.get(
        spec.events, spec.events.replace("_", " ").capitalize()
    )


def _base_noun(spec: MetricSpec) -> str:
    return "Spend" if spec.base == "spend" else spec.base.replace("_", " ").capitalize()


def _counts_tip(spec: MetricSpec, row: ArmRow) -> str:
    parts = [f"{row.events:,} {_event_noun(spec).lower()}"]
    if spec.base == "spend":
        parts.append(f"spend {row.spend}")
    else:
        parts.append(f"{row.base:,} {_base_noun(spec).lower()}")
    if spec.base != "impressions":
        parts.append(f"{row.impressions:,} impressions")
    return f"{row.value} = " + " · ".join(parts)


def readout_columns(
    spec: MetricSpec, *, mode: str = SPLIT, comparisons: int = 1
) -> tuple[Column, ...]:
    """The readout table's columns, named after the metric's events and the unit of
    replication (slots in rotation, days in split mode); with several treatments both the
    running-minimum p and the p after Holm's correction (the verdict's)."""
    units = "slots" if mode == ROTATION else "days"
    columns = [
        Column(
            "Variant",
            lambda r: r.key,
            bold=lambda r: True,
            tooltip=lambda r: f"{r.name}\nspend {r.spend}",
        ),
        Column(
            spec.label,
            lambda r: r.value,
            bold=lambda r: True,
            align_right=True,
            tooltip=lambda r: _counts_tip(spec, r),
        ),
        Column(
            "Range (descriptive)",
            lambda r: r.interval,
            header_tooltip="95% interval of the variant's own value over its units (delta "
            "method): a description of its spread, not the test",
            tooltip=lambda r: f"descriptive 95% interval over {r.units} {units}",
        ),
        Column(_event_noun(spec), lambda r: f"{r.events:,}", align_right=True,
               tooltip=lambda r: _counts_tip(spec, r)),
        Column(
            "Lift (always-valid)",
            lambda r: "—" if r.is_control else f"{r.rel_lift}  {r.rel_ci}",
            header_tooltip="The relative lift vs control with its always-valid interval: valid "
            "however often you look, for this comparison alone",
            tooltip=lambda r: (
                None if r.is_control else f"relative {r.rel_lift} {r.rel_ci}\nabsolute {r.abs_lift}"
            ),
        ),
        Column(
            "p",
            lambda r: r.p_value,
            align_right=True,
            header_tooltip="The always-valid p-value: its running minimum over the rounds"
            + ("" if comparisons > 1 else " (one treatment: no correction needed)"),
        ),
    ]  # fmt: skip
    if comparisons > 1:
        columns.append(
            Column(
                "p (Holm)",
                lambda r: r.p_holm,
                align_right=True,
                header_tooltip="After Holm's correction across the treatments: what the "
                "verdict uses",
            )
        )
    columns.append(Column("Verdict", lambda r: r.verdict, chip=lambda r: r.tone))
    return tuple(columns)


READOUT_COLUMNS: Final = readout_columns(metric("swipe_rate"))


@dataclass(frozen=True)
class GuardrailRow:
    metric: str
    key: str
    control: str
    value: str
    rel_lift: str
    rel_ci: str
    p_value: str
    rounds: str
    tested: bool
    verdict: str
    tone: str


def _guardrail_verdict(g: Comparison, *, limit: float) -> tuple[str, str]:
    if not g.tested:
        bound = _change(limit)
        if g.rel_lift is None:
            return "—", "muted"
        return (f"Above {bound} limit", "danger") if g.flagged else (
            f"Within {bound} limit", "muted"
        )  # fmt: skip
    if g.worse:
        return "Significantly worse", "danger"
    if g.better:
        return "Better", "ok"
    if g.rounds < MIN_ROUNDS:
        return f"{g.rounds} of {MIN_ROUNDS} rounds", "warning"
    return "No harm detected", "muted"


def guardrail_rows(
    readout: Readout, *, currency: str, price_limit: float = 0.2
) -> list[GuardrailRow]:
    """Tested guardrails (always-valid interval and p) and descriptive ones (eCPM: compared
    with the experiment's limit, never tested: no interval of the lift and no p-value)."""
    rows = []
    for g in readout.guardrails:
        spec = metric(g.metric)
        verdict, tone = _guardrail_verdict(g, limit=price_limit)
        ready = g.tested and g.rounds >= MIN_ROUNDS
        rows.append(
            GuardrailRow(
                metric=spec.label,
                key=g.key,
                control=format_value(spec, g.control_value, currency),
                value=format_value(spec, g.value, currency),
                rel_lift=format_relative(g.rel_lift),
                rel_ci=(
                    format_interval(g.rel_low, g.rel_high, format_relative)
                    if g.tested
                    else "descriptive"
                ),
                p_value=(_p(g.p_value) if ready else "—") if g.tested else "not tested",
                rounds=f"{g.rounds:,}" if g.tested else "—",
                tested=g.tested,
                verdict=verdict,
                tone=tone,
            )
        )
    return rows


GUARDRAIL_COLUMNS: Final = (
    Column("Guardrail", lambda r: r.metric),
    Column("Variant", lambda r: r.key, bold=lambda r: True),
    Column("Control", lambda r: r.control, align_right=True),
    Column("Value", lambda r: r.value, align_right=True),
    Column("Change", lambda r: r.rel_lift, align_right=True),
    Column(
        "Always-valid interval",
        lambda r: r.rel_ci,
        tone=lambda r: None if r.tested else "muted",
    ),
    Column(
        "p", lambda r: r.p_value, align_right=True, tone=lambda r: None if r.tested else "muted"
    ),
    Column("Rounds", lambda r: r.rounds, align_right=True),
    Column("Status", lambda r: r.verdict, chip=lambda r: r.tone),
)
