"""The Experiments window: the experiments of an ad account (and campaign) on the left with
their status chips, the chosen one on the right — its schedule and its readout.

- New experiment… opens the setup dialog; creating queues the variants through the window's
  edit service (they show in Pending Changes like every other edit).
- A draft is launched: its queued changes are posted through the window's post flow (dry-run
  rehearses them and sends nothing; live creates the treatments on Snap) and, once nothing is
  left to post, the schedule starts and the runner applies its first step.
- The Schedule tab: the variant active now, the next rotation in local time, a strip of the
  slots around now in rounds (one slot of every variant, in the counterbalanced order of
  `schedule.slot_variant`) with the order of the coming rounds, the variants with their status,
  and every step run (applied, rehearsed in dry-run, queued). Pause / Resume / End / Archive.
- The Readout tab: verdict (with the power reached so far while nothing is detected), the unit
  of replication and what a round is, the method, the delivery (rotation) or sample-ratio
  (split) check, notes, lifts with always-valid intervals, a forest plot and the guardrails.
  Promote… confirms the exact change set (pause the others, optionally move their budget) and
  posts it through the post flow.

An experiment shows what its changes did, never what they are about to do: Pause and Promote
queue their changes and post them; the experiment is paused or ended only once the engine sees
them posted (live). A rehearsal (dry-run) shows the pause or promotion as rehearsed and still
waiting (Post … / Cancel …); "Don't post", Esc, declining a later confirmation, or a post that
fails or is blocked leaves the experiment — and Pending Changes — as they were. Live mode is
read from the session's one owner (`session.live_mode`) and the window redraws on
`app_state(session).live_changed`; it learns that changes posted (here, in another window or
process) from `operation_did_execute`.

    page = open_experiments_window(window=main_window)      # from the Tools menu
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Final

import shiboken6
from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    QPointF,
    QRectF,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QCloseEvent, QColor, QFont, QPainter, QPainterPath, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListView,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from snapdesk.changes import ChangeError, ChangeRepository
from snapdesk.changes import repository as change_repo
from snapdesk.changes.model import POSTED as CHANGE_POSTED
from snapdesk.core.kinds import AD_SQUAD
from snapdesk.experiments import (
    ARCHIVED,
    DRAFT,
    ENDED,
    PAUSED,
    PROMOTING,
    ROTATION,
    RUNNING,
    WINNER,
    Experiment,
    ExperimentService,
    PendingProgress,
    PromotionPlan,
    Readout,
    metric,
    slot_variant,
)
from snapdesk.experiments.schedule import slot_bounds, slot_index
from snapdesk.stats import StatsService
from snapdesk.store.feed import OpChanges
from snapdesk.ui import theme
from snapdesk.ui._geometry import keep_geometry
from snapdesk.ui._signals import emit
from snapdesk.ui.app_state import AppState, app_state
from snapdesk.ui.dialogs._widgets import Banner, hint
from snapdesk.ui.dialogs.experiment_setup import DIMENSION_LABELS, ExperimentSetupDialog
from snapdesk.ui.formatting import format_money_micro
from snapdesk.ui.models.experiments import (
    ITEM_ROLE,
    STEP_COLUMNS,
    VARIANT_COLUMNS,
    ExperimentItem,
    ExperimentListModel,
    RowsTable,
    StepRow,
    VariantRow,
    experiment_item,
    experiment_plan,
    local_clock,
    local_date,
    local_time,
    mode_text,
    readout_headline,
    relative_time,
    round_order,
    state_chip,
    state_label,
    state_text,
    tone_color,
)
from snapdesk.ui.ops._op import AsyncOp, error_message
from snapdesk.ui.ops.experiments import load_readout
from snapdesk.ui.views._experiment_posting import (
    NOT_POSTED,
    PARTIAL,
    POSTED,
    REHEARSED,
    ChangePost,
)
from snapdesk.ui.views._experiment_readout import ReadoutPanel, fit_table, make_table
from snapdesk.ui.views.states import StatePage

__all__ = ["ExperimentsPage", "PromoteDialog", "ScheduleStrip", "open_experiments_window"]

TITLE: Final = "Experiments"
SCHEDULE_TAB, READOUT_TAB = range(2)
VARIANT_COLORS: Final = (
    "#2563eb",
    "#ea580c",
    "#0d9488",
    "#9333ea",
    "#db2777",
    "#65a30d",
    "#0891b2",
    "#ca8a04",
)
EMPTY_TEXT: Final = (
    "An experiment tests one change — a creative, targeting, bid or placement — by running "
    "copies of an ad squad in turn (timed rotation) or side by side (split), then reads out "
    "which variant wins with statistics that stay valid however often you check.<br><br>"
    "Every toggle goes through Pending Changes: in dry-run nothing reaches Snap."
)


def variant_color(index: int) -> str:
    return VARIANT_COLORS[index % len(VARIANT_COLORS)]


# -- the schedule strip ---------------------------------------------------------------------------


class ScheduleStrip(QWidget):
    """The rotation slots around now as coloured blocks (one colour per variant), grouped in
    rounds (a wider gap between rounds; within a round the counterbalanced order of
    `schedule.slot_variant`), the current slot outlined with a "now" marker; in split mode one
    bar per variant."""

    ROUND_GAP: Final = 14.0
    SLOT_GAP: Final = 4.0

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.experiment: Experiment | None = None
        self.now: datetime = datetime.now(UTC)
        self.setMinimumHeight(96)

    def sizeHint(self) -> QSize:
        return QSize(720, 96)

    def set_experiment(self, experiment: Experiment | None, *, now: datetime) -> None:
        self.experiment = experiment
        self.now = now
        rows = len(experiment.variants) if experiment and experiment.mode != ROTATION else 0
        self.setFixedHeight(max(96, 30 + 24 * rows))
        self.update()

    def slots(self) -> list[tuple[int, datetime | None, int, bool]]:
        """(slot index, start, variant index, is current) for the slots drawn: whole rounds,
        from the round before the current one."""
        exp = self.experiment
        if exp is None or exp.mode != ROTATION or not exp.rotation_hours:
            return []
        k = len(exp.variants)
        rounds = max(2, math.ceil(9 / k))
        if exp.start_at is None:
            return [
                (i, None, slot_variant(i, k, balanced=exp.balanced), i == 0)
                for i in range(rounds * k)
            ]
        current = slot_index(start=exp.start_at, every_hours=exp.rotation_hours, now=self.now)
        current = 0 if current is None else current
        first = max(0, current // k - 1) * k
        out: list[tuple[int, datetime | None, int, bool]] = []
        for index in range(first, first + rounds * k):
            begin, _end = slot_bounds(start=exp.start_at, every_hours=exp.rotation_hours,
                                      index=index)  # fmt: skip
            out.append((index, begin, slot_variant(index, k, balanced=exp.balanced),
                        index == current))  # fmt: skip
        return out

    def _positions(self, slots: list[tuple[int, datetime | None, int, bool]]) -> list[float]:
        """The left edge of each slot's block, and the block width."""
        k = len(self.experiment.variants) if self.experiment else 1
        gaps = [
            0.0 if n == 0 else (self.ROUND_GAP if index % k == 0 else self.SLOT_GAP)
            for n, (index, *_rest) in enumerate(slots)
        ]
        block = (self.width() - 2 - sum(gaps)) / max(1, len(slots))
        out, x = [], 1.0
        for n, gap in enumerate(gaps):
            x += gap + (block if n else 0.0)
            out.append(x)
        return [*out, block]

    def paintEvent(self, event: QPaintEvent) -> None:
        exp = self.experiment
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        c = theme.colors()
        font = QFont(self.font())
        small = QFont(font)
        small.setPointSizeF(max(7.5, font.pointSizeF() - 1.5))
        if exp is None:
            painter.end()
            return
        held = exp.state in (PAUSED, ENDED, ARCHIVED)
        if exp.mode != ROTATION:
            self._paint_split(painter, exp, held=held, small=small)
            painter.end()
            return
        slots = self.slots()
        *lefts, block = self._positions(slots)
        top, height = 22.0, 40.0
        for (index, begin, variant, current), x in zip(slots, lefts, strict=True):
            rect = QRectF(x, top, block, height)
            color = QColor(c.neutral if held else variant_color(variant))
            past = begin is not None and not current and begin < self.now
            fill = QColor(color)
            fill.setAlphaF(1.0 if current else (0.30 if past else 0.55))
            path = QPainterPath()
            path.addRoundedRect(rect, 6, 6)
            painter.fillPath(path, fill)
            if current:
                painter.setPen(QPen(QColor(c.text), 2))
                painter.drawPath(path)
            key = exp.variants[variant].key
            bold = QFont(font)
            bold.setBold(True)
            painter.setFont(bold)
            painter.setPen(QColor("#ffffff" if current or not past else c.text))
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, key)
            painter.setFont(small)
            painter.setPen(QColor(c.muted))
            label = (
                _slot_label(begin, exp.rotation_hours or 24)
                if begin
                else f"+{index * (exp.rotation_hours or 0):g} h"
            )
            painter.drawText(
                QRectF(x - 2, top + height + 2, block + 4, 18), Qt.AlignmentFlag.AlignHCenter,
                painter.fontMetrics().elidedText(label, Qt.TextElideMode.ElideRight,
                                                 int(block + 4)),
            )  # fmt: skip
            if current and exp.start_at is not None and exp.rotation_hours:
                start, end = slot_bounds(start=exp.start_at, every_hours=exp.rotation_hours,
                                         index=index)  # fmt: skip
                share = (self.now - start).total_seconds() / max(1.0, (end - start).total_seconds())
                mx = x + block * min(max(share, 0.0), 1.0)
                painter.setPen(QPen(QColor(c.danger), 2))
                painter.drawLine(QPointF(mx, top - 6), QPointF(mx, top + height + 2))
                painter.setFont(small)
                painter.setPen(QColor(c.danger))
                painter.drawText(
                    QRectF(mx - 40, 0, 80, 16),
                    Qt.AlignmentFlag.AlignHCenter,
                    "paused" if held else "now",
                )
        painter.end()

    def _paint_split(self, painter: QPainter, exp: Experiment, *, held: bool, small: QFont) -> None:
        c = theme.colors()
        painter.setFont(small)
        painter.setPen(QColor(c.muted))
        since = local_time(exp.start_at) if exp.start_at else "launch"
        state = "paused" if exp.state == PAUSED else "stopped" if held else "active together"
        painter.drawText(QRectF(0, 0, self.width(), 18), Qt.AlignmentFlag.AlignLeft,
                         f"All variants {state} since {since}")  # fmt: skip
        for i, variant in enumerate(exp.variants):
            y = 24 + i * 24
            color = QColor(c.neutral if held else variant_color(i))
            fill = QColor(color)
            fill.setAlphaF(0.85)
            path = QPainterPath()
            path.addRoundedRect(QRectF(34, y, self.width() - 36, 16), 5, 5)
            painter.fillPath(path, fill)
            bold = QFont(self.font())
            bold.setBold(True)
            painter.setFont(bold)
            painter.setPen(QColor(c.text))
            painter.drawText(QRectF(0, y - 2, 28, 20), Qt.AlignmentFlag.AlignCenter, variant.key)
            painter.setFont(small)
            painter.setPen(QColor("#ffffff"))
            budget = (
                format_money_micro(variant.budget_micro, None) + "/day"
                if variant.budget_micro
                else ""
            )
            painter.drawText(
                QRectF(42, y, self.width() - 60, 16),
                Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                f"{variant.name}   {budget}".strip(),
            )


def _slot_label(begin: datetime, hours: float) -> str:
    local = begin.astimezone()
    if hours % 24 == 0:
        return f"{local:%a} {local.day} {local:%b}"
    return f"{local:%a} {local:%H:%M}"


# -- the experiment list ----------------------------------------------------------------------------


class ExperimentDelegate(QStyledItemDelegate):
    """Two lines per experiment — name and campaign · summary — with its state chip."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        item = index.data(ITEM_ROLE)
        if not isinstance(item, ExperimentItem):
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        style = opt.widget.style() if opt.widget else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        c = theme.colors()
        rect = opt.rect.adjusted(12, 8, -10, -8)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        chip_font = QFont(opt.font)
        chip_font.setPointSizeF(max(7.5, chip_font.pointSizeF() - 1.5))
        chip_font.setBold(True)
        painter.setFont(chip_font)
        metrics = painter.fontMetrics()
        chip_text = item.state_label
        chip_w = metrics.horizontalAdvance(chip_text) + 16
        chip_h = metrics.height() + 4
        chip = QRectF(rect.right() - chip_w, rect.top() + 1, chip_w, chip_h)
        fg = QColor(tone_color(item.chip))
        path = QPainterPath()
        path.addRoundedRect(chip, chip_h / 2, chip_h / 2)
        painter.fillPath(path, QColor(theme._mix(fg.name(), c.base, 0.15)))
        painter.setPen(fg)
        painter.drawText(chip, Qt.AlignmentFlag.AlignCenter, chip_text)
        name_font = QFont(opt.font)
        name_font.setBold(True)
        painter.setFont(name_font)
        painter.setPen(QColor(c.text))
        name_rect = QRectF(rect.left(), rect.top(), rect.width() - chip_w - 8, chip_h + 2)
        name = painter.fontMetrics().elidedText(
            item.name, Qt.TextElideMode.ElideRight, int(name_rect.width())
        )
        painter.drawText(name_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         name)  # fmt: skip
        small = QFont(opt.font)
        small.setPointSizeF(max(7.5, small.pointSizeF() - 1.0))
        painter.setFont(small)
        painter.setPen(QColor(c.muted))
        line_h = painter.fontMetrics().height()
        for n, text in enumerate((item.campaign_name, item.summary)):
            line = QRectF(rect.left(), rect.top() + chip_h + 4 + n * (line_h + 1), rect.width(),
                          line_h)  # fmt: skip
            painter.setPen(QColor(c.warning if n == 1 and item.waiting else c.muted))
            painter.drawText(
                line,
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                painter.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight,
                                                 int(line.width())),
            )  # fmt: skip
        painter.restore()

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        return QSize(280, 74)


# -- the schedule tab -------------------------------------------------------------------------------


class _Card(QFrame):
    def __init__(self, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 12)
        layout.setSpacing(2)
        self.caption = QLabel(caption)
        self.caption.setObjectName("muted")
        self.value = QLabel("—")
        self.value.setObjectName("cardValue")
        self.value.setStyleSheet("QLabel#cardValue { font-size: 15pt; font-weight: 600; }")
        self.detail = QLabel()
        self.detail.setObjectName("hint")
        self.detail.setWordWrap(True)
        for label in (self.caption, self.value, self.detail):  # equal cards, whatever the text
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        layout.addWidget(self.caption)
        layout.addWidget(self.value)
        layout.addWidget(self.detail)
        layout.addStretch(1)

    def set(self, value: str, detail: str = "", *, color: str | None = None) -> None:
        self.value.setText(value)
        self.detail.setText(detail)
        extra = f" color: {color};" if color else ""
        self.value.setStyleSheet(
            f"QLabel#cardValue {{ font-size: 15pt; font-weight: 600;{extra} }}"
        )


class SchedulePanel(QScrollArea):
    """The schedule of one experiment: cards, the slot strip, variants and steps."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setObjectName("detailsScroll")
        body = QWidget()
        body.setObjectName("detailsBody")
        layout = QVBoxLayout(body)
        layout.setContentsMargins(2, 4, 8, 8)
        layout.setSpacing(12)
        cards = QHBoxLayout()
        cards.setSpacing(10)
        self.active_card = _Card("Active now")
        self.next_card = _Card("Next rotation")
        self.started_card = _Card("Started")
        self.mode_card = _Card("Schedule")
        for card in (self.active_card, self.next_card, self.started_card, self.mode_card):
            cards.addWidget(card, 1)
        layout.addLayout(cards)
        strip_card = QFrame()
        strip_card.setObjectName("card")
        strip_layout = QVBoxLayout(strip_card)
        strip_layout.setContentsMargins(14, 10, 14, 10)
        self.strip = ScheduleStrip()
        strip_layout.addWidget(self.strip)
        self.order_label = hint("")
        self.order_label.setTextFormat(Qt.TextFormat.RichText)
        strip_layout.addWidget(self.order_label)
        layout.addWidget(strip_card)
        title = QLabel("Variants")
        title.setObjectName("sectionTitle")
        layout.addWidget(title)
        self.variants_model = RowsTable(VARIANT_COLUMNS, self)
        self.variants_view = make_table(self.variants_model)
        layout.addWidget(self.variants_view)
        steps_title = QLabel("Rotation steps")
        steps_title.setObjectName("sectionTitle")
        layout.addWidget(steps_title)
        self.steps_hint = hint(
            "Each step pauses the other variants first, then activates the next one, so two are "
            "never active together. Applied steps were sent to Snap in live mode; in dry-run a "
            "step is rehearsed and its changes wait in Pending Changes."
        )
        layout.addWidget(self.steps_hint)
        self.steps_model = RowsTable(STEP_COLUMNS, self)
        self.steps_view = make_table(self.steps_model)
        layout.addWidget(self.steps_view)
        self.no_steps = QLabel("No step has run yet.")
        self.no_steps.setObjectName("muted")
        layout.addWidget(self.no_steps)
        layout.addStretch(1)
        self.setWidget(body)

    def show_schedule(
        self,
        experiment: Experiment,
        *,
        variants: list[VariantRow],
        steps: list[StepRow],
        now: datetime,
    ) -> None:
        self.strip.set_experiment(experiment, now=now)
        self._fill_order(experiment, now=now)
        self.variants_model.set_rows(variants)
        fit_table(self.variants_view, stretch=1)
        self.steps_model.set_rows(steps)
        fit_table(self.steps_view, stretch=4, max_rows=10)
        self.steps_view.setVisible(bool(steps))
        self.no_steps.setVisible(not steps)
        self._fill_cards(experiment, variants=variants, now=now)

    def _fill_order(self, exp: Experiment, *, now: datetime) -> None:
        """The order of the variants in the current and coming rounds of a rotation."""
        if exp.mode != ROTATION or not exp.rotation_hours:
            self.order_label.hide()
            return
        keys = [v.key for v in exp.variants]
        k = len(keys)
        current = 0
        if exp.start_at is not None:
            index = slot_index(start=exp.start_at, every_hours=exp.rotation_hours, now=now)
            current = (index or 0) // k
        names = ("This round", "next", "then") if exp.start_at is not None else (
            "Round 1", "round 2", "round 3"
        )  # fmt: skip
        orders = ", ".join(
            f"{name} <b>{' → '.join(round_order(keys, current + i, balanced=exp.balanced))}</b>"
            for i, name in enumerate(names)
        )
        if exp.balanced:
            why = (
                f"Each round runs one {exp.rotation_hours:g}-h slot of every variant, in a "
                "counterbalanced order (a Williams design): across rounds every variant runs in "
                "every position, and right after every other variant, equally often — so "
                "neither the time of day or week nor the previous variant favours one."
            )
        else:
            why = (
                f"Each round runs one {exp.rotation_hours:g}-h slot of every variant in the same "
                "cyclic order (the experiment was created before rotations were "
                "counterbalanced)."
            )
        self.order_label.setText(f"{orders}. {why}")
        self.order_label.show()

    def _fill_cards(self, exp: Experiment, *, variants: list[VariantRow], now: datetime) -> None:
        c = theme.colors()
        rotation = exp.mode == ROTATION and exp.rotation_hours
        k = len(exp.variants)
        self.mode_card.set(
            f"Every {exp.rotation_hours:g} h" if rotation else "Split",
            f"{k} variants · {DIMENSION_LABELS.get(exp.dimension, exp.dimension).lower()} test"
            + (
                f" · a round takes {exp.rotation_hours * k:g} h"
                if rotation and exp.rotation_hours
                else ""
            ),
        )
        if exp.start_at is None:
            self.active_card.set("—", "Launch the experiment to start")
            self.next_card.set("—", "No schedule yet")
            self.started_card.set("Not started", "Draft")
            return
        self.started_card.set(
            local_date(exp.start_at),
            f"{local_clock(exp.start_at)} · {relative_time(exp.start_at, now=now)}",
        )
        if exp.state in (ENDED, ARCHIVED):
            self.active_card.set("—", f"{state_label(exp.state)} {local_time(exp.end_at)}")
            self.next_card.set("—", "No more rotations")
            return
        if exp.state == PAUSED:
            self.active_card.set("None", "Paused — every variant is paused", color=c.warning)
            self.next_card.set("On hold", "Resume to continue the rotation")
            return
        if exp.pending is not None:
            self.next_card.set(
                "On hold",
                f"The {exp.pending.noun} waits to be posted — until then nothing rotates",
                color=c.warning,
            )
        if not rotation:
            self.active_card.set(f"All {k}", "Every variant delivers", color=c.success)
            if exp.pending is None:
                self.next_card.set("No rotation", "Split mode: all variants run together")
            return
        assert exp.rotation_hours is not None
        index = slot_index(start=exp.start_at, every_hours=exp.rotation_hours, now=now) or 0
        position = slot_variant(index, k, balanced=exp.balanced)
        variant = exp.variants[position]
        on_snap = [v for v in variants if v.snap_status == "ACTIVE"]
        if [v.key for v in on_snap] == [variant.key]:
            self.active_card.set(variant.key, variant.name, color=variant_color(position))
        else:
            shown = ", ".join(v.key for v in on_snap) or "None"
            first = next(
                (i for i, v in enumerate(exp.variants) if on_snap and v.key == on_snap[0].key), None
            )
            self.active_card.set(
                shown,
                f"{variant.key} is scheduled now; its step has not been applied yet",
                color=variant_color(first) if first is not None else c.warning,
            )
        if exp.pending is not None:
            return
        _begin, end = slot_bounds(start=exp.start_at, every_hours=exp.rotation_hours, index=index)
        following = exp.variants[slot_variant(index + 1, k, balanced=exp.balanced)]
        self.next_card.set(
            local_clock(end),
            f"{local_date(end)} · {relative_time(end, now=now)} → variant {following.key}",
        )


# -- promotion ------------------------------------------------------------------------------------


class PromoteDialog(QDialog):
    """Confirm a promotion: the variant, and exactly the changes `promote` will queue and post
    (pause the others, optionally move their daily budgets to it). Nothing is queued until the
    user promotes; "Don't post", closing or Esc change nothing. `confirmed(str, bool)` with the
    variant key and whether to move the budgets. Live mode is read from the session's owner and
    the dialog redraws when it switches."""

    confirmed = Signal(str, bool)

    def __init__(
        self,
        *,
        service: ExperimentService,
        experiment: Experiment,
        winner: str | None,
        readout: Readout | None,
        session: Any,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.experiment = experiment
        self.readout = readout
        self.session = session
        self.plan: PromotionPlan | None = None
        self.setWindowTitle("Promote a variant")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 18, 22, 16)
        layout.setSpacing(10)
        title = QLabel(f"Promote a variant of “{experiment.name}”")
        title.setObjectName("dialogTitle")
        layout.addWidget(title)
        row = QHBoxLayout()
        row.addWidget(QLabel("Variant"))
        self.variant_combo = QComboBox()
        self.variant_combo.setAccessibleName("Variant to promote")
        for v in experiment.variants:
            role = "control" if v.role == "control" else "treatment"
            self.variant_combo.addItem(f"{v.key} · {v.name} ({role})", v.key)
        index = self.variant_combo.findData(winner) if winner else -1
        self.variant_combo.setCurrentIndex(max(0, index))
        self.variant_combo.currentIndexChanged.connect(self._refresh)
        row.addWidget(self.variant_combo, 1)
        layout.addLayout(row)
        self.significance = Banner("info")
        layout.addWidget(self.significance)
        self.budget_check = QCheckBox("Move the other variants' daily budgets to it")
        self.budget_check.toggled.connect(self._refresh)
        layout.addWidget(self.budget_check)
        changes_title = QLabel("The change set")
        changes_title.setObjectName("sectionTitle")
        layout.addWidget(changes_title)
        self.changes_label = QLabel()
        self.changes_label.setWordWrap(True)
        self.changes_label.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.changes_label)
        self.mode_banner = Banner("info")
        layout.addWidget(self.mode_banner)
        self.problem = QLabel()
        self.problem.setObjectName("errorText")
        self.problem.setWordWrap(True)
        self.problem.hide()
        layout.addWidget(self.problem)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.cancel_button = QPushButton("Don't post")
        self.cancel_button.setDefault(True)  # Enter never posts
        self.cancel_button.clicked.connect(self.reject)
        self.promote_button = QPushButton("Promote")
        self.promote_button.setObjectName("primaryButton")
        self.promote_button.setAutoDefault(False)
        self.promote_button.clicked.connect(self._on_promote_clicked)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.promote_button)
        layout.addLayout(buttons)
        self.resize(620, 440)
        self._state = app_state(session)
        self._state.live_changed.connect(self._on_state_live_changed)
        self._refresh()

    @property
    def live(self) -> bool:
        return bool(self.session.live_mode.live)

    @property
    def winner(self) -> str:
        return str(self.variant_combo.currentData())

    def change_lines(self) -> list[str]:
        """The change set as plain sentences (what the dialog lists)."""
        plan = self.plan
        if plan is None:
            return []
        lines = [f"Pause {v.key} · {v.name}" for v in plan.pause]
        if plan.resume_winner:
            lines.append(f"Resume {plan.winner.key} · {plan.winner.name}")
        if plan.budget_micro is not None:
            parts = " + ".join(format_money_micro(b, plan.currency) for b in plan.budgets)
            lines.append(
                f"Set the daily budget of {plan.winner.key} to "
                f"{format_money_micro(plan.budget_micro, plan.currency)} ({parts})"
            )
        return lines

    def _refresh(self, *_args: object) -> None:
        key = self.winner
        move = self.budget_check.isChecked()
        readout = self.readout
        if readout is not None and readout.verdict == WINNER and readout.winner == key:
            trusted = readout.trustworthy
            self.significance.set_kind("ok" if trusted else "warning")
            if trusted:
                doubt = ""
            elif readout.delivery:
                doubt = (
                    " The delivery check found slots that did not run or under-delivered (their "
                    "rounds were left out): check the budgets, bids and approvals before "
                    "promoting."
                )
            else:
                doubt = (
                    " The sample-ratio check flagged uneven delivery: check the budgets, bids "
                    "and approvals before promoting."
                )
            self.significance.set_text(html.escape(readout.explanation, quote=False) + doubt)
        elif readout is not None:
            self.significance.set_kind("warning")
            self.significance.set_text(
                f"Variant {key} is not a significant winner — the readout says: "
                f"{html.escape(self._headline(readout), quote=False)} Promoting it anyway is your "
                "call, not the data's."
            )
        else:
            self.significance.set_kind("warning")
            self.significance.set_text("No readout yet: promoting is your call, not the data's.")
        self._show_mode()
        try:
            self.plan = self.service.plan_promotion(
                self.experiment.id, winner=key, move_budget=move
            )
        except ChangeError as exc:
            self.plan = None
            self.problem.setText(exc.message)
            self.problem.show()
            self.promote_button.setEnabled(False)
            self.changes_label.setText("")
            return
        self.problem.hide()
        self.promote_button.setEnabled(True)
        lines = self.change_lines()
        items = "".join(f"<li>{html.escape(line, quote=False)}</li>" for line in lines)
        name = html.escape(key, quote=False)
        if not lines:
            ended = f"Nothing has to be sent: the experiment ends now with {name} as its winner."
        elif self.live:
            ended = (
                f"Once these changes have posted, the experiment ends with {name} as its winner."
            )
        else:
            ended = (
                f"It ends with {name} as its winner only once these changes are posted in live "
                "mode; until then it keeps running."
            )
        self.changes_label.setText(
            (f"<ul style='margin-left:-18px'>{items}</ul>" if items else "<p>No status change "
             "is needed: the others are already paused.</p>") + f"<p>{ended}</p>"
        )  # fmt: skip

    def _headline(self, readout: Readout) -> str:
        return readout_headline(
            readout,
            relative_mde=self.experiment.relative_mde,
            plan=experiment_plan(self.experiment),
        )

    def _show_mode(self) -> None:
        live = self.live
        key = self.winner
        self.mode_banner.set_kind("warning" if live else "info")
        self.mode_banner.set_text(
            "<b>Live mode:</b> the changes are sent to Snap as soon as you promote."
            if live
            else "<b>Dry-run:</b> the changes are queued in Pending Changes and rehearsed — "
            "nothing is sent to Snap, and the experiment is not ended, until you post them in "
            "live mode."
        )
        self.promote_button.setText(f"Promote {key}" if live else f"Promote {key} (dry-run)")

    def _on_state_live_changed(self, _live: bool) -> None:
        if shiboken6.isValid(self):
            self._refresh()

    def _on_promote_clicked(self) -> None:
        if self.plan is None:
            return
        emit(self.confirmed, self.winner, self.budget_check.isChecked())
        self.accept()

    def done(self, result: int) -> None:
        try:
            self._state.live_changed.disconnect(self._on_state_live_changed)
        except (RuntimeError, TypeError):
            pass
        super().done(result)


# -- the window -----------------------------------------------------------------------------------


class ExperimentsPage(QWidget):
    """Experiments of one ad account. Signals: `message_posted(str, bool)` for the status bar;
    `experiment_changed(str)` after an experiment was created, launched, paused, ended,
    archived or promoted (or a pause or promotion of it was queued, posted or cancelled)."""

    message_posted = Signal(str, bool)
    experiment_changed = Signal(str)

    def __init__(
        self,
        *,
        session: Any,
        editing: Any,
        stats_for: Callable[[str], StatsService | None] | None = None,
        runner: Any = None,
        ad_account_id: str | None = None,
        campaign_id: str | None = None,
        clock: Callable[[], datetime] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.store = session.store
        self.editing = editing
        self.stats_for = stats_for or (lambda _account: None)
        self.runner = runner
        self.clock = clock or (lambda: datetime.now(UTC))
        self.service = ExperimentService(store=self.store, edits=editing.edits)
        self.model = ExperimentListModel(self)
        self.setup_dialog: ExperimentSetupDialog | None = None
        self.promote_dialog: PromoteDialog | None = None
        self.confirm_box: QMessageBox | None = None
        self.readout_op: AsyncOp | None = None
        self.readouts: dict[str, Readout] = {}
        self.readout_errors: dict[str, str] = {}
        self.state: AppState = app_state(session)
        #: The post running for an action of this window, and (experiment id, what, queued
        #: here): `what` is "launch", "pause" or "promotion"; `queued here` when this action
        #: queued the changes (then not posting them takes them back).
        self.posting: ChangePost | None = None
        self._posting_for: tuple[str, str, bool] | None = None
        self._wanted_campaign = campaign_id
        self.setObjectName("centralArea")
        self.setWindowTitle(f"{TITLE} — snapdesk")
        self._setup_ui()
        self._connect_window()
        self._fill_accounts(ad_account_id)
        # the state chip, the cards and the verdict take their colours from the theme
        self._theme_ready = True
        theme.on_change(self, lambda _c: self._restyle_current())
        self._clock_timer = QTimer(self)
        self._clock_timer.setInterval(30_000)
        self._clock_timer.timeout.connect(self._refresh_schedule)
        self._clock_timer.start()

    def sizeHint(self) -> QSize:
        return QSize(1260, 800)

    # -- construction ------------------------------------------------------------------------

    def _setup_ui(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 14, 18, 14)
        layout.setSpacing(10)
        top = QHBoxLayout()
        top.setSpacing(10)
        title = QLabel(TITLE)
        title.setObjectName("title")
        top.addWidget(title)
        top.addSpacing(14)
        top.addWidget(QLabel("Ad account"))
        self.account_combo = QComboBox()
        self.account_combo.setAccessibleName("Ad account")
        self.account_combo.setMinimumWidth(240)
        self.account_combo.currentIndexChanged.connect(self._on_account_combo_changed)
        top.addWidget(self.account_combo)
        top.addWidget(QLabel("Campaign"))
        self.campaign_combo = QComboBox()
        self.campaign_combo.setAccessibleName("Campaign")
        self.campaign_combo.setMinimumWidth(220)
        self.campaign_combo.currentIndexChanged.connect(self._on_campaign_combo_changed)
        top.addWidget(self.campaign_combo)
        top.addStretch(1)
        self.archived_check = QCheckBox("Show archived")
        self.archived_check.toggled.connect(self._on_archived_check_toggled)
        top.addWidget(self.archived_check)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setToolTip("Reload the experiments and their schedules")
        self.refresh_button.clicked.connect(self.refresh)
        top.addWidget(self.refresh_button)
        self.new_button = QPushButton("New experiment…")
        self.new_button.setObjectName("primaryButton")
        self.new_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.new_button.clicked.connect(self.open_setup)
        top.addWidget(self.new_button)
        layout.addLayout(top)
        self.message = Banner("info")
        self.message.hide()
        layout.addWidget(self.message)

        self.body_stack = QStackedWidget()
        self.no_account_page = StatePage(
            icon="ad_account",
            title="No ad account synced",
            text="Sync your ad accounts first: an experiment runs on the ad squads of one of "
            "their campaigns.",
        )
        self.body_stack.addWidget(self.no_account_page)
        self.empty_page = StatePage(icon="campaign", title="No experiments yet", text=EMPTY_TEXT)
        self.empty_page.text_label.setMinimumWidth(470)
        self.empty_button = self.empty_page.add_button(
            "New experiment…", self.open_setup, primary=True
        )
        self.body_stack.addWidget(self.empty_page)

        self.splitter = QSplitter()
        self.splitter.setChildrenCollapsible(False)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.setSpacing(6)
        self.list_view = QListView()
        self.list_view.setObjectName("experimentList")
        self.list_view.setAccessibleName("Experiments")
        self.list_view.setModel(self.model)
        self.list_view.setItemDelegate(ExperimentDelegate(self.list_view))
        self.list_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list_view.setUniformItemSizes(True)
        self.list_view.selectionModel().currentChanged.connect(self._on_list_current_changed)
        left_layout.addWidget(self.list_view, 1)
        self.count_label = QLabel()
        self.count_label.setObjectName("muted")
        left_layout.addWidget(self.count_label)
        left.setMinimumWidth(260)
        self.splitter.addWidget(left)
        self.detail = self._detail_ui()
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([310, 930])
        self.body_stack.addWidget(self.splitter)
        layout.addWidget(self.body_stack, 1)
        theme.follow(
            self.list_view,
            lambda c: (
                f"QListView#experimentList {{ background: {c.base}; border: 1px solid "
                f"{c.border}; border-radius: 8px; padding: 4px; outline: 0; }}"
                "QListView#experimentList::item { border-radius: 6px; margin: 1px 0; }"
                f"QListView#experimentList::item:selected {{ background: {c.highlight}; }}"
            ),
        )

    def _detail_ui(self) -> QWidget:
        detail = QWidget()
        layout = QVBoxLayout(detail)
        layout.setContentsMargins(10, 0, 0, 0)
        layout.setSpacing(8)
        head = QHBoxLayout()
        head.setSpacing(10)
        titles = QVBoxLayout()
        titles.setSpacing(3)
        name_row = QHBoxLayout()
        self.name_label = QLabel()
        self.name_label.setObjectName("stateTitle")
        self.name_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.state_chip = QLabel()
        name_row.addWidget(self.name_label)
        name_row.addWidget(self.state_chip)
        name_row.addStretch(1)
        titles.addLayout(name_row)
        self.facts_label = QLabel()
        self.facts_label.setObjectName("muted")
        self.facts_label.setWordWrap(True)
        titles.addWidget(self.facts_label)
        self.hypothesis_label = QLabel()
        self.hypothesis_label.setWordWrap(True)
        self.hypothesis_label.setTextFormat(Qt.TextFormat.RichText)
        titles.addWidget(self.hypothesis_label)
        head.addLayout(titles, 1)
        actions = QHBoxLayout()
        actions.setSpacing(6)
        self.launch_button = QPushButton("Launch")
        self.launch_button.setObjectName("primaryButton")
        self.launch_button.clicked.connect(self._on_launch_button_clicked)
        self.pause_button = QPushButton("Pause")
        self.pause_button.clicked.connect(self._on_pause_button_clicked)
        self.resume_button = QPushButton("Resume")
        self.resume_button.setObjectName("primaryButton")
        self.resume_button.clicked.connect(self._on_resume_button_clicked)
        self.end_button = QPushButton("End")
        self.end_button.clicked.connect(self._on_end_button_clicked)
        self.promote_button = QPushButton("Promote…")
        self.promote_button.clicked.connect(self._on_promote_button_clicked)
        self.archive_button = QPushButton("Archive")
        self.archive_button.setObjectName("dangerButton")
        self.archive_button.clicked.connect(self._on_archive_button_clicked)
        self.post_pending_button = QPushButton("Post promotion")
        self.post_pending_button.setObjectName("primaryButton")
        self.post_pending_button.clicked.connect(self._on_post_pending_button_clicked)
        self.cancel_pending_button = QPushButton("Cancel promotion")
        self.cancel_pending_button.clicked.connect(self._on_cancel_pending_button_clicked)
        for button in (
            self.launch_button,
            self.resume_button,
            self.pause_button,
            self.end_button,
            self.promote_button,
            self.archive_button,
            self.cancel_pending_button,
            self.post_pending_button,
        ):
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            actions.addWidget(button)
        head.addLayout(actions)
        layout.addLayout(head)
        self.draft_banner = Banner("info")
        self.draft_banner.hide()
        layout.addWidget(self.draft_banner)
        self.pending_banner = Banner("warning")  # a pause or promotion not posted yet
        self.pending_banner.hide()
        layout.addWidget(self.pending_banner)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("experimentTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.tabBar().setDrawBase(False)  # the pane's top border is the line
        theme.follow(
            self.tabs,
            lambda c: (
                "QTabWidget#experimentTabs::pane { border: none; border-top: 1px solid "
                f"{c.border}; top: -1px; }}"
                "QTabWidget#experimentTabs QTabBar::tab { background: transparent; border: none;"
                " border-bottom: 2px solid transparent; padding: 7px 18px 8px 18px; "
                f"color: {c.muted}; font-weight: 600; }}"
                f"QTabWidget#experimentTabs QTabBar::tab:selected {{ color: {c.text};"
                f" border-bottom: 2px solid {c.accent}; }}"
                f"QTabWidget#experimentTabs QTabBar::tab:hover {{ color: {c.text}; }}"
            ),
        )
        self.schedule_panel = SchedulePanel()
        self.readout_panel = ReadoutPanel()
        self.readout_panel.promote_requested.connect(self._on_readout_promote_requested)
        self.readout_panel.refresh_requested.connect(self._on_readout_refresh_requested)
        self.tabs.addTab(self.schedule_panel, "Schedule")
        self.tabs.addTab(self.readout_panel, "Readout")
        self.tabs.currentChanged.connect(self._on_tabs_current_changed)
        layout.addWidget(self.tabs, 1)
        return detail

    def _connect_window(self) -> None:
        self.message_posted.connect(self.editing.message_posted)
        self.state.live_changed.connect(self._on_state_live_changed)
        self.state.operation_did_execute.connect(self._on_state_operation_did_execute)
        self.editing.flow.started.connect(self._on_flow_started)
        self.editing.flow.finished.connect(self._on_flow_finished)
        if self.runner is not None:
            self.runner.ticked.connect(self._on_runner_ticked)

    def _disconnect_window(self) -> None:
        for signal, slot in (
            (self.message_posted, self.editing.message_posted),
            (self.state.live_changed, self._on_state_live_changed),
            (self.state.operation_did_execute, self._on_state_operation_did_execute),
            (self.editing.flow.started, self._on_flow_started),
            (self.editing.flow.finished, self._on_flow_finished),
        ):
            try:
                signal.disconnect(slot)
            except (RuntimeError, TypeError):
                pass
        if self.runner is not None:
            try:
                self.runner.ticked.disconnect(self._on_runner_ticked)
            except (RuntimeError, TypeError):
                pass

    def _fill_accounts(self, wanted: str | None) -> None:
        self.account_combo.blockSignals(True)
        self.account_combo.clear()
        for account in self.store.ad_accounts():
            label = account.name or account.id
            if account.currency:
                label += f"  ·  {account.currency}"
            self.account_combo.addItem(label, account.id)
        index = self.account_combo.findData(wanted) if wanted else -1
        if index < 0 and self.account_combo.count():
            with_experiments = {e.ad_account_id for e in self.service.experiments()}
            index = next(
                (
                    i
                    for i in range(self.account_combo.count())
                    if self.account_combo.itemData(i) in with_experiments
                ),
                0,
            )
        self.account_combo.setCurrentIndex(index)
        self.account_combo.blockSignals(False)
        self._fill_campaigns()

    def _fill_campaigns(self) -> None:
        self.campaign_combo.blockSignals(True)
        self.campaign_combo.clear()
        self.campaign_combo.addItem("All campaigns", None)
        account = self.ad_account_id
        if account:
            for campaign in self.store.campaigns(account):
                self.campaign_combo.addItem(campaign.name or campaign.id, campaign.id)
        wanted = self._wanted_campaign
        index = self.campaign_combo.findData(wanted) if wanted else 0
        self.campaign_combo.setCurrentIndex(max(0, index))
        self._wanted_campaign = None
        self.campaign_combo.blockSignals(False)
        self.refresh()

    # -- public ------------------------------------------------------------------------------

    @property
    def ad_account_id(self) -> str | None:
        data = self.account_combo.currentData()
        return str(data) if data else None

    @property
    def campaign_id(self) -> str | None:
        data = self.campaign_combo.currentData()
        return str(data) if data else None

    @property
    def live(self) -> bool:
        """The session's live mode, read from its one owner (never kept here)."""
        return bool(self.session.live_mode.live)

    @property
    def currency(self) -> str:
        account = self.store.ad_account(self.ad_account_id or "")
        return (account.currency if account and account.currency else "USD").upper()

    def set_account(self, ad_account_id: str, *, campaign_id: str | None = None) -> None:
        index = self.account_combo.findData(ad_account_id)
        if index < 0:
            return
        self._wanted_campaign = campaign_id
        if index == self.account_combo.currentIndex():
            self._fill_campaigns()
        else:
            self.account_combo.setCurrentIndex(index)

    def current(self) -> Experiment | None:
        item = self.model.item(self.list_view.currentIndex().row())
        return self.service.repository.get(item.id) if item is not None else None

    def select(self, experiment_id: str) -> bool:
        row = self.model.row_of(experiment_id)
        if row < 0:
            return False
        self.list_view.setCurrentIndex(self.model.index(row, 0))
        return True

    def refresh(self) -> None:
        """Reload the list (keeping the selection) and the chosen experiment's pages."""
        account = self.ad_account_id
        if account is None:
            self.model.set_items([])
            self.body_stack.setCurrentWidget(self.no_account_page)
            self.new_button.setEnabled(False)
            self.count_label.clear()
            return
        self.new_button.setEnabled(True)
        selected = self.current()
        campaign = self.campaign_id
        names = {c.id: c.name or c.id for c in self.store.campaigns(account)}
        states = None if self.archived_check.isChecked() else (DRAFT, RUNNING, PAUSED, ENDED)
        experiments = [
            e  # reconciled: a pause or promotion posted elsewhere shows as done
            for e in self.service.experiments(states=states, campaign_id=campaign)
            if e.ad_account_id == account
        ]
        self.model.set_items(
            [experiment_item(e, campaign_name=names.get(e.campaign_id, e.campaign_id))
             for e in experiments]
        )  # fmt: skip
        n = len(experiments)
        running = sum(1 for e in experiments if e.state == RUNNING)
        self.count_label.setText(
            f"{n} experiment{'s' if n != 1 else ''}" + (f" · {running} running" if running else "")
        )
        if not experiments:
            where = f"in “{names.get(campaign, campaign)}”" if campaign else "in this ad account"
            self.empty_page.set_title(f"No experiments {where} yet")
            self.body_stack.setCurrentWidget(self.empty_page)
            return
        self.body_stack.setCurrentWidget(self.splitter)
        row = self.model.row_of(selected.id) if selected is not None else -1
        self.list_view.setCurrentIndex(self.model.index(max(0, row), 0))
        self._show_current()

    def open_setup(self) -> ExperimentSetupDialog | None:
        account = self.ad_account_id
        if account is None:
            self._show_message("Choose an ad account first", "error")
            return None
        dialog = ExperimentSetupDialog(
            store=self.store,
            service=self.service,
            ad_account_id=account,
            campaign_id=self.campaign_id,
            stats=self.stats_for(account),
            loop=self.session.loop,
            clock=self.clock,
            parent=self,
        )
        dialog.created.connect(self._on_setup_dialog_created)
        dialog.finished.connect(dialog.deleteLater)
        dialog.resize(dialog.sizeHint())
        self.setup_dialog = dialog
        dialog.open()
        return dialog

    def launch(self, experiment_id: str) -> bool:
        """Post the draft's queued changes through the post flow (dry-run rehearses them); once
        none is left, start the schedule. Returns whether something started."""
        experiment = self.service.get(experiment_id)
        if experiment.state != DRAFT:
            return False
        pending = self.service.pending_change_ids(experiment_id)
        if not pending:
            self._start(experiment_id)
            return True
        return self._post(experiment_id, "launch", pending, queued_here=False)

    def pause(self, experiment_id: str) -> bool:
        """Queue the pauses and post them: the experiment is paused once they posted (live);
        rehearsed in dry-run, it keeps running with the pause waiting; not posted, the pause is
        taken back."""
        try:
            paused = self.service.pause(experiment_id)
        except ChangeError as exc:
            self._show_message(exc.message, "error")
            return False
        self.state.poll()  # Pending Changes shows them at once
        name = paused.experiment.name
        if not paused.change_ids:
            self._show_message(f"Paused “{name}”: every variant was paused already", "ok")
            self._changed(experiment_id)
            return True
        return self._post(experiment_id, "pause", paused.change_ids, queued_here=True)

    def resume(self, experiment_id: str) -> bool:
        try:
            experiment = self.service.resume(experiment_id)
        except ChangeError as exc:
            self._show_message(exc.message, "error")
            return False
        self._show_message(
            f"Resumed “{experiment.name}”: the current step is applied again"
            + ("" if self.live else " (rehearsed in dry-run)"),
            "ok",
        )
        self._changed(experiment_id)
        if self.runner is not None:
            self.runner.tick_now([experiment_id])
        return True

    def end(self, experiment_id: str) -> None:
        experiment = self.service.end(experiment_id)
        self._show_message(
            f"Ended “{experiment.name}”: no more rotations. The variants keep the status they "
            "have; promote one to pause the others.",
            "info",
        )
        self._changed(experiment_id)

    def archive(self, experiment_id: str) -> None:
        experiment = self.service.archive(experiment_id)
        self._show_message(f"Archived “{experiment.name}” (Show archived lists it)", "info")
        self._changed(experiment_id)

    def promote(self, experiment_id: str, *, winner: str, move_budget: bool) -> bool:
        """Queue the promotion's change set and post it: the experiment ends with the winner
        once it posted (live); rehearsed in dry-run, it keeps running with the promotion
        waiting; not posted, the promotion is taken back."""
        try:
            promotion = self.service.promote(experiment_id, winner=winner, move_budget=move_budget)
        except (ChangeError, KeyError) as exc:
            self._show_message(getattr(exc, "message", None) or str(exc), "error")
            return False
        self.state.poll()
        if not promotion.change_ids:
            self._show_message(
                f"Promoted {promotion.winner.key}: nothing had to be sent — “"
                f"{promotion.experiment.name}” ended with {promotion.winner.key} as its winner",
                "ok",
            )
            self._changed(experiment_id)
            return True
        return self._post(experiment_id, "promotion", promotion.change_ids, queued_here=True)

    def post_pending(self, experiment_id: str) -> bool:
        """Post the changes of the experiment's waiting pause or promotion (again)."""
        experiment = self.service.get(experiment_id)
        pending = experiment.pending
        if pending is None:
            self._changed(experiment_id)
            return False
        posted = set(self._posted_ids(pending.change_ids))
        left = [c for c in pending.change_ids if c not in posted]
        return self._post(experiment_id, pending.noun, left, queued_here=False)

    def cancel_pending(self, experiment_id: str) -> bool:
        """Take the waiting pause or promotion back: its queued changes leave Pending Changes
        and the experiment stays as it is."""
        experiment = self.service.get(experiment_id)
        pending = experiment.pending
        if pending is None:
            return False
        try:
            self.service.cancel_pending(experiment_id)
        except ChangeError as exc:
            self._show_message(exc.message, "error")
            return False
        self.state.poll()
        self._show_message(
            f"Cancelled the {self._what(pending.noun, pending.winner)}: its changes left "
            f"Pending Changes; “{experiment.name}” is {state_label(experiment.state).lower()} "
            "as before",
            "info",
        )
        self._changed(experiment_id)
        return True

    def open_promote(self, experiment_id: str, winner: str | None = None) -> PromoteDialog:
        experiment = self.service.get(experiment_id)
        readout = self.readouts.get(experiment_id)
        if winner is None and readout is not None and readout.verdict == WINNER:
            winner = readout.winner
        dialog = PromoteDialog(
            service=self.service,
            experiment=experiment,
            winner=winner,
            readout=readout,
            session=self.session,
            parent=self,
        )
        dialog.confirmed.connect(
            lambda key, move, eid=experiment_id: self.promote(eid, winner=key, move_budget=move)
        )
        dialog.finished.connect(dialog.deleteLater)
        self.promote_dialog = dialog
        dialog.open()
        return dialog

    def load_readout(self, *, refresh: bool = False) -> AsyncOp | None:
        """Read out the chosen experiment (from the cache unless `refresh`)."""
        experiment = self.current()
        if experiment is None:
            return None
        panel = self.readout_panel
        if experiment.start_at is None:
            panel.show_unavailable(
                "No results yet",
                "Launch the experiment: results are read from each variant's active time.",
                icon="info",
            )
            return None
        stats = self.stats_for(experiment.ad_account_id)
        if stats is None:
            panel.show_unavailable(
                "Sign in to read results",
                "The readout fetches the variants' stats from Snap; this ad account's login "
                "isn't signed in.",
                icon="login",
            )
            return None
        if self.readout_op is not None and self.readout_op.running:
            self.readout_op.cancel()
        op = load_readout(
            loop=self.session.loop,
            service=self.service,
            stats=stats,
            experiment_id=experiment.id,
            now=self.clock(),
            refresh=refresh,
            parent=self,
        )
        experiment_id = experiment.id
        op.succeeded.connect(lambda r, eid=experiment_id: self._on_readout_op_succeeded(eid, r))
        op.failed.connect(lambda e, eid=experiment_id: self._on_readout_op_failed(eid, e))
        self.readout_op = op
        panel.show_loading()
        return op

    # -- showing -----------------------------------------------------------------------------

    def _restyle_current(self) -> None:
        if not getattr(self, "_theme_ready", False) or not self.isVisible():
            return
        self._show_current()
        panel = self.readout_panel
        if panel.readout is not None and panel.experiment is not None and panel.showing_readout:
            self._show_readout(panel.experiment, panel.readout)

    def _show_current(self) -> None:
        experiment = self.current()
        if experiment is None:
            return
        c = theme.colors()
        self.name_label.setText(experiment.name)
        chip = state_chip(experiment.state)
        color = tone_color(chip)
        self.state_chip.setText(state_text(experiment))
        self.state_chip.setStyleSheet(
            f"background: {theme._mix(color, c.base, 0.15)}; color: {color}; border-radius: 10px;"
            " padding: 2px 10px; font-weight: 700;"
        )
        campaign = self.store.get("campaign", experiment.campaign_id)
        spec = metric(experiment.primary_metric)
        guards = ", ".join(
            f"{metric(g).label} within {experiment.price_limit * 100:+.0f}%"
            if g == "ecpm"
            else metric(g).label
            for g in experiment.guardrails
        )
        self.facts_label.setText(
            f"{campaign.name if campaign and campaign.name else experiment.campaign_id}  ·  "
            f"{DIMENSION_LABELS.get(experiment.dimension, experiment.dimension)} test  ·  "
            f"{mode_text(experiment)}  ·  {spec.label}"
            + (f" (guardrails: {guards})" if guards else "")
            + f"  ·  {experiment.confidence:.0%} confidence"
        )
        self.hypothesis_label.setText(
            f"<i>“{html.escape(experiment.hypothesis, quote=False)}”</i>"
            if experiment.hypothesis
            else ""
        )
        self.hypothesis_label.setVisible(bool(experiment.hypothesis))
        self._update_actions(experiment)
        self._update_draft_banner(experiment)
        self._update_pending_banner(experiment)
        self._refresh_schedule()
        if self.tabs.currentIndex() == READOUT_TAB:
            self._show_readout_tab(experiment)

    def _update_actions(self, experiment: Experiment) -> None:
        state = experiment.state
        live = self.live
        pending = experiment.pending
        waiting = pending is not None
        self.launch_button.setVisible(state == DRAFT)
        self.launch_button.setText("Launch" if live else "Launch (dry-run)")
        self.launch_button.setToolTip(
            "Post the queued variants to Snap and start the schedule"
            if live
            else "Rehearse the queued variants (nothing is sent); switch on live mode to launch"
        )
        self.pause_button.setVisible(state == RUNNING and not waiting)
        self.resume_button.setVisible(state == PAUSED and not waiting)
        self.end_button.setVisible(state in (RUNNING, PAUSED) and not waiting)
        self.promote_button.setVisible(
            state in (RUNNING, PAUSED, ENDED) and not experiment.winner and not waiting
        )
        self.archive_button.setVisible(state in (DRAFT, ENDED) and not waiting)
        self.post_pending_button.setVisible(waiting)
        self.cancel_pending_button.setVisible(waiting)
        if pending is not None:
            noun = pending.noun
            self.post_pending_button.setText(f"Post {noun}" if live else f"Post {noun} (dry-run)")
            self.post_pending_button.setToolTip(
                f"Send the {noun}'s changes to Snap; the experiment changes once they posted"
                if live
                else f"Rehearse the {noun}'s changes again (nothing is sent); switch on live "
                "mode to post them"
            )
            self.cancel_pending_button.setText(f"Cancel {noun}")
            self.cancel_pending_button.setToolTip(
                f"Take the {noun}'s queued changes out of Pending Changes; the experiment "
                "stays as it is"
            )
        busy = self.editing.flow.running or self.posting is not None
        for button in (
            self.launch_button,
            self.pause_button,
            self.promote_button,
            self.post_pending_button,
            self.cancel_pending_button,
        ):
            button.setEnabled(not busy)

    def _update_draft_banner(self, experiment: Experiment) -> None:
        if experiment.state != DRAFT:
            self.draft_banner.hide()
            return
        pending = self.service.pending_change_ids(experiment.id)
        if pending:
            n = len(pending)
            text = (
                f"<b>Draft.</b> {n} change{'s are' if n != 1 else ' is'} queued in Pending Changes "
                "(the copies of the control, their ads, the control's status). "
            )
            text += (
                "<b>Launch</b> posts them to Snap and starts the schedule."
                if self.live
                else "<b>Launch (dry-run)</b> rehearses them — nothing is sent. Switch on live "
                "mode to create the variants on Snap and start the schedule."
            )
            self.draft_banner.set_kind("info")
        else:
            text = "<b>Draft.</b> The variants exist on Snap. <b>Launch</b> starts the schedule."
            self.draft_banner.set_kind("ok")
        self.draft_banner.set_text(text)
        self.draft_banner.show()

    def _update_pending_banner(self, experiment: Experiment) -> None:
        pending = experiment.pending
        progress = self.service.pending_progress(experiment.id) if pending is not None else None
        if pending is None or progress is None:
            self.pending_banner.hide()
            return
        self.pending_banner.set_kind("warning")
        self.pending_banner.set_text(self._pending_text(experiment, progress))
        self.pending_banner.show()

    def _pending_text(self, experiment: Experiment, progress: PendingProgress) -> str:
        pending = experiment.pending
        assert pending is not None
        what = html.escape(self._what(pending.noun, pending.winner), quote=False)
        state = state_label(experiment.state).lower()
        outcome = (
            f"ends with {html.escape(pending.winner or '', quote=False)} as its winner"
            if pending.action == PROMOTING
            else "is paused"
        )
        left = progress.total - progress.posted
        changes = f"{left} change{'s' if left != 1 else ''}"
        on_snap = html.escape(self._on_snap_text(experiment), quote=False)
        if progress.posted:
            head = (
                f"<b>{what[:1].upper() + what[1:]} partly posted — not done.</b> {progress.posted} of "
                f"{progress.total} changes reached Snap; {changes} did not"
                + (f" ({progress.failed} failed)" if progress.failed else "")
                + "."
            )
        elif pending.rehearsed_at is not None:
            head = (
                f"<b>{what[:1].upper() + what[1:]} rehearsed in dry-run — not done.</b> Nothing was sent"
                + (f" ({on_snap})" if on_snap else "")
                + "."
            )
        else:
            head = f"<b>{what[:1].upper() + what[1:]} not posted yet.</b>" + (
                f" On Snap: {on_snap}." if on_snap else ""
            )
        body = (
            f" Its {changes} wait in Pending Changes; the experiment stays {state} (the rotation "
            f"holds) and {outcome} once they are posted in live mode."
        )
        if progress.gone:
            body += (
                f" {progress.gone} of its changes left Pending Changes without posting: cancel "
                f"the {pending.noun} and start it again."
            )
        post = "Post " + pending.noun
        body += (
            f" <b>{post}</b> sends them; <b>Cancel {pending.noun}</b> takes them back."
            if self.live
            else f" Switch on live mode and <b>{post}</b>, or <b>Cancel {pending.noun}</b>."
        )
        return head + body

    def _on_snap_text(self, experiment: Experiment) -> str:
        """`A active, B paused` from the cached server copies."""
        parts = []
        for v in experiment.variants:
            row = self.store.get(AD_SQUAD, v.squad_id)
            status = str(row.data.get("status") or row.status or "") if row else ""
            if status:
                parts.append(f"{v.key} {status.lower()}")
        return (", ".join(parts) + " on Snap") if parts else ""

    @staticmethod
    def _what(noun: str, winner: str | None) -> str:
        return f"promotion of {winner}" if noun == "promotion" and winner else noun

    def _posted_ids(self, change_ids: tuple[str, ...]) -> list[str]:
        rows = ChangeRepository(self.store).read(
            lambda conn: change_repo.load_changes(
                conn, states=(CHANGE_POSTED,), change_ids=change_ids
            )
        )
        return [c.id for c in rows]

    def _refresh_schedule(self) -> None:
        experiment = self.current()
        if experiment is None or self.body_stack.currentWidget() is not self.splitter:
            return
        now = self.clock()
        self.schedule_panel.show_schedule(
            experiment,
            variants=self._variant_rows(experiment, now=now),
            steps=self._step_rows(experiment),
            now=now,
        )

    def _variant_rows(self, experiment: Experiment, *, now: datetime) -> list[VariantRow]:
        scheduled: set[str] = set()
        if experiment.state == RUNNING and experiment.start_at is not None:
            if experiment.mode == ROTATION and experiment.rotation_hours:
                index = slot_index(start=experiment.start_at, every_hours=experiment.rotation_hours,
                                   now=now)  # fmt: skip
                if index is not None:
                    k = len(experiment.variants)
                    position = slot_variant(index, k, balanced=experiment.balanced)
                    scheduled.add(experiment.variants[position].squad_id)
            else:
                scheduled.update(experiment.squad_ids)
        open_ids = {c.entity_id for c in ChangeRepository(self.store).list()}
        rows = []
        for v in experiment.variants:
            status = self.service.effective_status(v.squad_id) or "—"
            row = self.store.get(AD_SQUAD, v.squad_id)
            snap_status = str(row.data.get("status") or row.status or "") if row else "—"
            budget_micro = row.data.get("daily_budget_micro") if row else v.budget_micro
            rows.append(
                VariantRow(
                    key=v.key,
                    name=v.name,
                    squad_id=v.squad_id,
                    role=v.role,
                    status=status,
                    queued=v.squad_id in open_ids,
                    snap_status=snap_status,
                    scheduled=v.squad_id in scheduled,
                    budget=format_money_micro(budget_micro, self.currency)
                    if isinstance(budget_micro, int)
                    else "Lifetime",
                )
            )
        return rows

    def _step_rows(self, experiment: Experiment) -> list[StepRow]:
        keys = {v.squad_id: v.key for v in experiment.variants}
        records = self.service.repository.steps(experiment.id)
        open_ids = {c.id for c in ChangeRepository(self.store).list()}
        rows = []
        for record in reversed(records):
            outcome = self.runner.outcome(experiment.id, record.step) if self.runner else None
            if record.applied_at is not None:
                result, tone = f"Applied {local_time(record.applied_at)}", "ok"
            elif outcome is not None and outcome.mode == "live":
                result, tone = f"Failed: {outcome.message}", "danger"
            elif open_ids & set(record.change_ids):
                result, tone = "Rehearsed in dry-run — changes wait in Pending Changes", "info"
            elif outcome is not None:
                result, tone = "Rehearsed in dry-run — nothing sent", "info"
            else:
                result, tone = "Not applied", "muted"
            active = ", ".join(keys.get(s, s[:8]) for s in record.active)
            rows.append(
                StepRow(
                    step=record.step,
                    slot_start=local_time(record.slot_start),
                    active=active if len(record.active) < len(keys) else f"All ({active})",
                    recorded=local_time(record.recorded_at),
                    result=result,
                    tone=tone,
                )
            )
        return rows

    def _show_readout_tab(self, experiment: Experiment) -> None:
        readout = self.readouts.get(experiment.id)
        if readout is not None:
            self._show_readout(experiment, readout)
            return
        error = self.readout_errors.get(experiment.id)
        if error is not None:
            self.readout_panel.show_error(error)
            return
        self.load_readout()

    def _show_readout(self, experiment: Experiment, readout: Readout) -> None:
        self.readout_panel.show_readout(
            readout,
            experiment=experiment,
            currency=self.currency,
            can_promote=experiment.state in (RUNNING, PAUSED, ENDED)
            and not experiment.winner
            and experiment.pending is None,
        )

    # -- helpers -----------------------------------------------------------------------------

    def _start(self, experiment_id: str) -> None:
        try:
            experiment = self.service.start(experiment_id)
        except ChangeError as exc:
            self._show_message(exc.message, "error")
            return
        self._show_message(
            f"Started “{experiment.name}”: the first step runs now"
            + ("" if self.live else " — rehearsed in dry-run until live mode is on"),
            "ok",
        )
        self._changed(experiment_id)
        if self.runner is not None:
            self.runner.tick_now([experiment_id])

    def _post(self, experiment_id: str, what: str, change_ids: Any, *, queued_here: bool) -> bool:
        """Post `change_ids` for `what` ("launch", "pause", "promotion") through the window's
        post flow; `_on_posting_settled` says (and does) what follows. Not posting changes
        queued here takes them back."""
        ids = tuple(change_ids)
        if self.posting is not None or self.editing.flow.running:
            if queued_here:
                self.service.cancel_pending(experiment_id)
                self.state.poll()
            self._show_message("A post is running — try again when it has finished", "warning")
            return False
        post = ChangePost(editing=self.editing, store=self.store, change_ids=ids, parent=self)
        post.settled.connect(self._on_posting_settled)
        self.posting = post
        self._posting_for = (experiment_id, what, queued_here)
        how = "sending to Snap" if self.live else "rehearsing in dry-run — nothing is sent"
        n = len(ids)
        self._show_message(
            f"{what[:1].upper() + what[1:]}: {n} change{'s' if n != 1 else ''} — {how}…", "info"
        )
        self._changed(experiment_id)
        post.start()
        return post.outcome in (None, POSTED, REHEARSED)

    def _changed(self, experiment_id: str) -> None:
        self.readouts.pop(experiment_id, None)
        self.readout_errors.pop(experiment_id, None)
        self.refresh()
        self.select(experiment_id)
        emit(self.experiment_changed, experiment_id)

    def _show_message(self, text: str, kind: str, *, status_bar: bool = False) -> None:
        self.message.set_kind({"danger": "error"}.get(kind, kind))
        self.message.set_text(html.escape(text, quote=False))
        self.message.show()
        if status_bar:
            emit(self.message_posted, text, kind in ("error", "danger"))

    def _tell(self, text: str, kind: str) -> None:
        """Show `text` in the window and in the main window's status bar."""
        self._show_message(text, kind, status_bar=True)

    def _confirm(
        self, *, title: str, text: str, detail: str, button: str, on_accept: Callable[[], object]
    ) -> QMessageBox:
        box = QMessageBox(QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.Cancel,
                          self)  # fmt: skip
        box.setInformativeText(detail)
        accept = box.addButton(button, QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)

        def finished(_result: int) -> None:
            clicked = box.clickedButton()
            self.confirm_box = None
            box.deleteLater()
            if clicked is accept:
                on_accept()

        box.finished.connect(finished)
        self.confirm_box = box
        box.open()
        return box

    # -- slots -------------------------------------------------------------------------------

    def _on_account_combo_changed(self, _index: int) -> None:
        self.message.hide()
        self._fill_campaigns()

    def _on_campaign_combo_changed(self, _index: int) -> None:
        self.refresh()

    def _on_archived_check_toggled(self, _checked: bool) -> None:
        self.refresh()

    def _on_list_current_changed(self, *_args: object) -> None:
        self._show_current()

    def _on_tabs_current_changed(self, index: int) -> None:
        experiment = self.current()
        if index == READOUT_TAB and experiment is not None:
            self._show_readout_tab(experiment)

    def _on_setup_dialog_created(self, created: object) -> None:
        experiment = getattr(created, "experiment", None)
        if not isinstance(experiment, Experiment):
            return
        self.state.poll()  # Pending Changes, the tree: every view hears of the queued changes
        n = len(getattr(created, "change_ids", ()))
        emit(
            self.message_posted,
            f"Experiment “{experiment.name}”: {n} changes queued — not sent yet",
            False,
        )
        if self.campaign_id not in (None, experiment.campaign_id):
            self.campaign_combo.setCurrentIndex(0)
        self._changed(experiment.id)
        self.tabs.setCurrentIndex(SCHEDULE_TAB)
        self._show_message(
            f"Created “{experiment.name}” as a draft: {n} changes wait in Pending Changes. "
            + ("Launch posts them." if self.live else "Launch (dry-run) rehearses them."),
            "ok",
        )

    def _on_launch_button_clicked(self) -> None:
        experiment = self.current()
        if experiment is not None:
            self.launch(experiment.id)

    def _on_pause_button_clicked(self) -> None:
        experiment = self.current()
        if experiment is None:
            return
        active = [
            v.key
            for v in experiment.variants
            if self.service.effective_status(v.squad_id) != "PAUSED"
        ]
        what = (
            f"Pauses {', '.join(active)} through Pending Changes"
            + (
                " (sent to Snap now); the experiment is paused once they posted."
                if self.live
                else " (rehearsed: nothing is sent, and the experiment keeps running until they "
                "are posted in live mode)."
            )
            if active
            else "Every variant is paused already."
        )
        self._confirm(
            title="Pause experiment",
            text=f"Pause “{experiment.name}”?",
            detail=f"{what} Paused, the rotation holds until you resume; the paused time counts "
            "for no variant in the readout.",
            button="Pause",
            on_accept=lambda eid=experiment.id: self.pause(eid),  # type: ignore[misc]
        )

    def _on_resume_button_clicked(self) -> None:
        experiment = self.current()
        if experiment is not None:
            self.resume(experiment.id)

    def _on_end_button_clicked(self) -> None:
        experiment = self.current()
        if experiment is None:
            return
        self._confirm(
            title="End experiment",
            text=f"End “{experiment.name}”?",
            detail="The rotation stops and the readout becomes final. The variants keep the "
            "status they have now — promote one to pause the others.",
            button="End experiment",
            on_accept=lambda eid=experiment.id: self.end(eid),  # type: ignore[misc]
        )

    def _on_archive_button_clicked(self) -> None:
        experiment = self.current()
        if experiment is None:
            return
        self._confirm(
            title="Archive experiment",
            text=f"Archive “{experiment.name}”?",
            detail="It leaves the list (Show archived brings it back). Nothing changes on Snap; "
            "a draft's queued changes stay in Pending Changes until you revert them.",
            button="Archive",
            on_accept=lambda eid=experiment.id: self.archive(eid),  # type: ignore[misc]
        )

    def _on_post_pending_button_clicked(self) -> None:
        experiment = self.current()
        if experiment is not None:
            self.post_pending(experiment.id)

    def _on_cancel_pending_button_clicked(self) -> None:
        experiment = self.current()
        if experiment is not None:
            self.cancel_pending(experiment.id)

    def _on_promote_button_clicked(self) -> None:
        experiment = self.current()
        if experiment is not None:
            self.open_promote(experiment.id)

    def _on_readout_promote_requested(self, key: str) -> None:
        experiment = self.current()
        if experiment is not None:
            self.open_promote(experiment.id, key or None)

    def _on_readout_refresh_requested(self) -> None:
        experiment = self.current()
        if experiment is not None:
            self.readouts.pop(experiment.id, None)
            self.readout_errors.pop(experiment.id, None)
        self.load_readout(refresh=True)

    def _on_readout_op_succeeded(self, experiment_id: str, readout: object) -> None:
        if not isinstance(readout, Readout):
            return
        self.readouts[experiment_id] = readout
        self.readout_errors.pop(experiment_id, None)
        experiment = self.current()
        if experiment is not None and experiment.id == experiment_id:
            self._show_readout(experiment, readout)

    def _on_readout_op_failed(self, experiment_id: str, exc: object) -> None:
        message = error_message(exc) if isinstance(exc, BaseException) else str(exc)
        self.readout_errors[experiment_id] = message
        experiment = self.current()
        if experiment is not None and experiment.id == experiment_id:
            self.readout_panel.show_error(message)

    def _on_posting_settled(self, outcome: str, reason: str) -> None:
        post, target = self.posting, self._posting_for
        self.posting = None
        self._posting_for = None
        if post is not None:
            post.deleteLater()
        if target is None:
            return
        experiment_id, what, queued_here = target
        try:
            experiment = self.service.get(experiment_id)  # reconciled from the store
        except ChangeError:
            self.refresh()
            return
        if what == "launch":
            self._after_launch_post(experiment, outcome, reason)
            return
        pending = experiment.pending
        noun = self._what(what, pending.winner if pending is not None else experiment.winner)
        because = f" ({reason})" if reason else ""
        name = experiment.name
        state = state_label(experiment.state).lower()
        declined = not reason or "chose not to" in reason
        if pending is None:  # done (posted here or elsewhere), or taken back elsewhere
            if experiment.state == ENDED and experiment.winner and what == "promotion":
                self._tell(
                    f"Promoted {experiment.winner}: the changes posted and “{name}” ended with "
                    f"{experiment.winner} as its winner",
                    "ok",
                )
            elif experiment.state == PAUSED and what == "pause":
                self._tell(
                    f"Paused “{name}”: the pauses posted; the rotation holds until you resume",
                    "ok",
                )
            else:
                self._tell(f"“{name}” is {state}", "info")
        elif outcome == REHEARSED:
            self.service.mark_rehearsed(experiment_id)
            self._tell(
                f"Rehearsed the {noun} in dry-run — nothing was sent; “{name}” is still {state}",
                "info",
            )
        elif outcome == PARTIAL or (outcome == POSTED and pending is not None):
            self._tell(
                f"The {noun} posted only in part{because}: “{name}” stays {state} until every "
                "change has posted — see Pending Changes, then post it again (or cancel it).",
                "error",
            )
        elif queued_here:
            self.service.cancel_pending(experiment_id)
            self.state.poll()
            self._tell(
                ("Not posted — " if declined else f"Not posted{because}: ")
                + f"nothing changed. The {noun} was taken back and “{name}” is {state} as before.",
                "info" if declined else "error",
            )
        else:
            self._tell(
                ("Not posted — " if declined else f"Not posted{because}: ")
                + f"the {noun} still waits to be posted.",
                "info" if declined else "error",
            )
        self._changed(experiment_id)

    def _after_launch_post(self, experiment: Experiment, outcome: str, reason: str) -> None:
        pending = self.service.pending_change_ids(experiment.id)
        if outcome == POSTED and not pending and experiment.state == DRAFT:
            self._start(experiment.id)
            return
        if outcome == REHEARSED:
            self._tell(
                "Launch rehearsed: nothing was sent and the changes stay in Pending Changes. "
                "Switch on live mode and launch again to create the variants and start.",
                "info",
            )
        elif outcome == NOT_POSTED and (not reason or "chose not to" in reason):
            self._tell("Not posted: nothing was sent and the draft is as it was.", "info")
        else:
            self._tell(
                "Some of the experiment's changes did not post"
                + (f" ({reason})" if reason else "")
                + " — see Pending Changes; launch again once they are resolved.",
                "error",
            )
        self._changed(experiment.id)

    def _after_post(self) -> None:
        experiment = self.current()
        if experiment is not None:
            self._update_actions(experiment)
            self._update_draft_banner(experiment)
            self._update_pending_banner(experiment)
            self._refresh_schedule()

    def _on_flow_started(self) -> None:
        self._after_post()

    def _on_flow_finished(self, _report: object) -> None:
        self._after_post()

    def _on_state_operation_did_execute(self, changes: object) -> None:
        # Pending changes were queued, posted or reverted (here, in another window or process):
        # reload, which reconciles every experiment with what posted.
        if isinstance(changes, OpChanges) and (changes.pending or changes.cache):
            self.refresh()

    def _on_state_live_changed(self, _live: bool) -> None:
        self._after_post()

    def _on_runner_ticked(self, _outcomes: object) -> None:
        self.refresh()

    def closeEvent(self, event: QCloseEvent) -> None:
        self._clock_timer.stop()
        if self.readout_op is not None:
            self.readout_op.cancel()
        self._disconnect_window()
        super().closeEvent(event)


def open_experiments_window(
    *, window: Any, ad_account_id: str | None = None, campaign_id: str | None = None
) -> ExperimentsPage:
    """The Experiments page as its own non-modal window, parented to the main window (so it
    closes with it); it edits through the window's `editing` controller, reads stats through
    its performance services and follows its experiment runner."""
    performance = getattr(window, "performance", None)
    services = getattr(performance, "services", None)
    page = ExperimentsPage(
        session=window.session,
        editing=window.editing,
        stats_for=services.for_account if services is not None else None,
        runner=getattr(window, "experiment_runner", None),
        ad_account_id=ad_account_id,
        campaign_id=campaign_id,
        parent=window,
    )
    page.setWindowFlag(Qt.WindowType.Window, True)
    page.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    keep_geometry(page, "experiments", default=page.sizeHint())
    page.show()
    return page
