"""Building blocks of the ad squad editor's targeting: a search field with a popup of catalogue
matches, tables of chosen options (with Include/Exclude where Snap allows it), the interest
browser, the audiences table and the audience-size gauge.

The widgets read names from a `TargetingServices` (the window's one owner of the catalogues)
and hold only what they display; without one (no login, tests) they still show and keep every
id they were given, by id.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from math import log10
from typing import Any, Final

from PySide6.QtCore import QModelIndex, QObject, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QIcon,
    QLinearGradient,
    QPainter,
    QPaintEvent,
    QPen,
    QStandardItem,
    QStandardItemModel,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QCompleter,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QTreeWidgetItemIterator,
    QVBoxLayout,
    QWidget,
)

from snapdesk.api import ConnectionFailed, Timeout
from snapdesk.core.money import format_amount
from snapdesk.core.targeting_edit import EXCLUDE, INCLUDE
from snapdesk.targeting import TargetingOption
from snapdesk.targeting.catalog import fold
from snapdesk.ui import theme
from snapdesk.ui._signals import emit
from snapdesk.ui.ops._op import error_message

OPTION_ROLE: Final = Qt.ItemDataRole.UserRole + 1
KIND_WORDS: Final = {
    "country": "Country",
    "region": "Region",
    "metro": "Metro (DMA)",
    "postal_code": "Postal code",
    "languages": "Language",
    "carrier": "Carrier",
    "marketing_name": "Device make",
}
OPERATION_LABELS: Final = {INCLUDE: "Include", EXCLUDE: "Exclude"}


@dataclass(frozen=True)
class Choice:
    """One row of a `ChoiceTable`: what it stands for (`key`), what the user reads."""

    key: Any
    name: str
    detail: str = ""
    operation: str | None = None  # INCLUDE/EXCLUDE when the table offers both
    tip: str = ""


# -- the search field with its popup ---------------------------------------------------------------


class OptionSearch(QWidget):
    """A search field whose popup lists catalogue matches as you type; choosing one (click,
    Enter) emits `chosen(TargetingOption)` and clears the field. `search` gives the matches
    for a text (the catalogue, cached only); `status` a line for when nothing matches."""

    chosen = Signal(object)

    def __init__(
        self,
        *,
        placeholder: str,
        search: Callable[[str], list[TargetingOption]],
        describe: Callable[[TargetingOption], str],
        empty_note: Callable[[str], str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._search = search
        self._describe = describe
        self._empty_note = empty_note
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(placeholder)
        self.edit.setClearButtonEnabled(True)
        theme.follow_icon(
            self.edit.addAction(QIcon(), QLineEdit.ActionPosition.LeadingPosition), "search"
        )
        layout.addWidget(self.edit)
        self.note = QLabel()
        self.note.setObjectName("hint")
        self.note.setWordWrap(True)
        self.note.hide()
        layout.addWidget(self.note)
        self.model = QStandardItemModel(self)
        self.completer = QCompleter(self.model, self)
        self.completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setMaxVisibleItems(10)
        self.completer.setWidget(self.edit)
        self.completer.activated[QModelIndex].connect(  # type: ignore[index]
            self._on_completer_activated
        )
        self.edit.textEdited.connect(self._on_edit_text_edited)
        self.edit.returnPressed.connect(self._on_edit_return_pressed)

    # -- public ----------------------------------------------------------------------------

    def popup(self) -> QAbstractItemView:
        """The completer's list of matches."""
        return self._popup()

    def _popup(self) -> QAbstractItemView:
        popup = self.completer.popup()
        assert popup is not None
        return popup

    def results(self) -> list[TargetingOption]:
        out = []
        for row in range(self.model.rowCount()):
            option = self.model.item(row).data(OPTION_ROLE)
            if option is not None:
                out.append(option)
        return out

    def type_text(self, text: str) -> list[TargetingOption]:
        """What typing `text` does (tests and keyboard users): the matches, popup shown."""
        self.edit.setText(text)
        self._on_edit_text_edited(text)
        return self.results()

    def choose(self, option: TargetingOption) -> None:
        self._popup().hide()
        self.edit.clear()
        self.note.hide()
        emit(self.chosen, option)

    def refresh(self) -> None:
        """The catalogue changed: search again for what is typed."""
        if self.edit.text().strip():
            self._fill(self.edit.text(), popup=self._popup().isVisible())

    # -- internals -------------------------------------------------------------------------

    def _fill(self, text: str, *, popup: bool) -> None:
        self.model.clear()
        needle = text.strip()
        if not needle:
            self.note.hide()
            self._popup().hide()
            return
        matches = self._search(needle)
        for option in matches:
            item = QStandardItem(self._describe(option))
            item.setData(option, OPTION_ROLE)
            item.setEditable(False)
            self.model.appendRow(item)
        if matches:
            self.note.hide()
            if popup:
                self.completer.setCompletionPrefix("")
                self.completer.complete(self.edit.rect())
        else:
            self._popup().hide()
            self.note.setText(self._empty_note(needle))
            self.note.show()

    def _on_edit_text_edited(self, text: str) -> None:
        self._fill(text, popup=True)

    def _on_completer_activated(self, index: QModelIndex) -> None:
        option = index.data(OPTION_ROLE)
        if option is not None:
            self.choose(option)

    def _on_edit_return_pressed(self) -> None:
        popup = self._popup()
        current = popup.currentIndex() if popup.isVisible() else QModelIndex()
        option = current.data(OPTION_ROLE) if current.isValid() else None
        if option is None:
            found = self.results()
            option = found[0] if found else None
        if option is not None:
            self.choose(option)


# -- the table of chosen options -------------------------------------------------------------------


class ChoiceTable(QTableWidget):
    """Chosen options, one a row: name, detail, an Include/Exclude combo (when `operations`),
    and a remove button. Signals: `changed()` after the user removed a row or switched its
    operation."""

    changed = Signal()

    def __init__(self, *, operations: bool, empty_text: str, parent: QWidget | None = None) -> None:
        super().__init__(0, 4 if operations else 3, parent)
        self._operations = operations
        self._empty_text = empty_text
        self._choices: list[Choice] = []
        self.setObjectName("choiceTable")
        self.horizontalHeader().hide()
        self.verticalHeader().hide()
        self.setShowGrid(False)
        self.setAlternatingRowColors(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, self.columnCount()):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.verticalHeader().setDefaultSectionSize(28)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._fit()

    def choices(self) -> list[Choice]:
        return list(self._choices)

    def keys(self) -> list[Any]:
        return [c.key for c in self._choices]

    def set_choices(self, choices: Iterable[Choice]) -> None:
        self._choices = list(choices)
        self._rebuild()

    def add(self, choice: Choice) -> bool:
        """Add a row (False when its key is already there)."""
        if any(c.key == choice.key for c in self._choices):
            return False
        self._choices.append(choice)
        self._rebuild()
        return True

    def remove(self, key: Any) -> None:
        self._choices = [c for c in self._choices if c.key != key]
        self._rebuild()
        emit(self.changed)

    def set_operation(self, key: Any, operation: str) -> None:
        self._choices = [
            Choice(c.key, c.name, c.detail, operation, c.tip) if c.key == key else c
            for c in self._choices
        ]
        self._rebuild()
        emit(self.changed)

    def operation_combo(self, row: int) -> QComboBox | None:
        widget = self.cellWidget(row, 2) if self._operations else None
        return widget if isinstance(widget, QComboBox) else None

    def _rebuild(self) -> None:
        self.setRowCount(0)
        if not self._choices:
            self.setRowCount(1)
            empty = QTableWidgetItem(self._empty_text)
            empty.setForeground(QColor(theme.colors().muted))
            empty.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.setItem(0, 0, empty)
            self.setSpan(0, 0, 1, self.columnCount())
            self._fit()
            return
        self.clearSpans()
        self.setRowCount(len(self._choices))
        muted = QColor(theme.colors().muted)
        for row, choice in enumerate(self._choices):
            name = QTableWidgetItem(choice.name)
            name.setFlags(Qt.ItemFlag.ItemIsEnabled)
            name.setToolTip(choice.tip or choice.name)
            self.setItem(row, 0, name)
            detail = QTableWidgetItem(choice.detail)
            detail.setFlags(Qt.ItemFlag.ItemIsEnabled)
            detail.setForeground(muted)
            self.setItem(row, 1, detail)
            if self._operations:
                combo = QComboBox()
                combo.setAccessibleName(f"Include or exclude {choice.name}")
                for value, label in OPERATION_LABELS.items():
                    combo.addItem(label, value)
                combo.setCurrentIndex(max(0, combo.findData(choice.operation or INCLUDE)))
                combo.currentIndexChanged.connect(
                    lambda _i, k=choice.key, c=combo: self.set_operation(k, str(c.currentData()))
                )
                self.setCellWidget(row, 2, combo)
            remove = QToolButton()
            remove.setText("✕")
            remove.setAutoRaise(True)
            remove.setToolTip(f"Remove {choice.name}")
            remove.setAccessibleName(f"Remove {choice.name}")
            remove.clicked.connect(lambda _c=False, k=choice.key: self.remove(k))
            self.setCellWidget(row, self.columnCount() - 1, remove)
        self._fit()

    def _fit(self) -> None:
        rows = max(1, self.rowCount())
        height = min(rows, 7) * self.verticalHeader().defaultSectionSize() + 2 * self.frameWidth()
        self.setFixedHeight(height + 2)


# -- interests -------------------------------------------------------------------------------------


class InterestBrowser(QWidget):
    """The interest catalogues as a tree (grouped by family: Lifestyles, Shoppers, …) with a
    search box and checkboxes. Signal `toggled(TargetingOption, bool)` when the user checks or
    unchecks an interest."""

    toggled = Signal(object, bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText("Search interests, e.g. Beauty, Coffee")
        self.search_edit.setClearButtonEnabled(True)
        theme.follow_icon(
            self.search_edit.addAction(QIcon(), QLineEdit.ActionPosition.LeadingPosition), "search"
        )
        self.search_edit.textChanged.connect(self._on_search_edit_text_changed)
        layout.addWidget(self.search_edit)
        self.tree = QTreeWidget()
        self.tree.setObjectName("interestTree")
        self.tree.setHeaderHidden(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setMinimumHeight(150)
        self.tree.setMaximumHeight(230)
        self.tree.itemChanged.connect(self._on_tree_item_changed)
        layout.addWidget(self.tree)
        self.empty_label = QLabel()
        self.empty_label.setObjectName("hint")
        self.empty_label.setWordWrap(True)
        self.empty_label.hide()
        layout.addWidget(self.empty_label)
        self._items: dict[str, QTreeWidgetItem] = {}
        self._filling = False

    def set_options(self, groups: Sequence[tuple[str, Sequence[TargetingOption]]]) -> None:
        """The tree: one top-level node per family, with its options nested by parent."""
        expanded = (
            {i.text(0) for i in self._top_items() if i.isExpanded()} or {groups[0][0]}
            if groups
            else set()
        )
        checked = self.checked()
        self._filling = True
        self.tree.clear()
        self._items = {}
        for family, options in groups:
            top = QTreeWidgetItem([f"{family}  ({len(options)})"])
            top.setData(0, OPTION_ROLE, None)
            top.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.tree.addTopLevelItem(top)
            ids = {o.id for o in options}
            nodes: dict[str, QTreeWidgetItem] = {}
            pending = list(options)
            # parents first: an option whose parent is in the list hangs under it
            for option in pending:
                item = QTreeWidgetItem([option.name])
                item.setData(0, OPTION_ROLE, option)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(
                    0, Qt.CheckState.Checked if option.id in checked else Qt.CheckState.Unchecked
                )
                item.setToolTip(0, f"{option.path or option.name} · {option.id}")
                nodes[option.id] = item
                self._items.setdefault(option.id, item)
            for option in pending:
                parent = nodes.get(option.parent_id or "") if option.parent_id in ids else None
                (parent or top).addChild(nodes[option.id])
            top.setExpanded(f"{family}  ({len(options)})" in expanded or family in expanded)
        self._filling = False
        self._apply_filter()

    def set_checked(self, ids: Iterable[str]) -> None:
        wanted = set(ids)
        self._filling = True
        for option_id, item in self._items.items():
            item.setCheckState(
                0, Qt.CheckState.Checked if option_id in wanted else Qt.CheckState.Unchecked
            )
        self._filling = False

    def checked(self) -> set[str]:
        return {k for k, item in self._items.items() if item.checkState(0) == Qt.CheckState.Checked}

    def item_for(self, option_id: str) -> QTreeWidgetItem | None:
        return self._items.get(option_id)

    def visible_options(self) -> list[TargetingOption]:
        out = []
        iterator = QTreeWidgetItemIterator(self.tree)
        while iterator.value():
            item = iterator.value()
            option = item.data(0, OPTION_ROLE)
            if option is not None and not item.isHidden():
                out.append(option)
            iterator += 1
        return out

    def set_empty_text(self, text: str) -> None:
        self.empty_label.setText(text)
        self.empty_label.setVisible(bool(text))

    def _top_items(self) -> list[QTreeWidgetItem]:
        items = (self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount()))
        return [item for item in items if item is not None]

    def _apply_filter(self) -> None:
        needle = fold(self.search_edit.text())
        for top in self._top_items():
            any_shown = self._filter(top, needle)
            top.setHidden(bool(needle) and not any_shown)
            if needle and any_shown:
                top.setExpanded(True)

    def _filter(self, item: QTreeWidgetItem, needle: str) -> bool:
        """Show `item`'s children that match (or have a match below); returns whether any."""
        shown = False
        for n in range(item.childCount()):
            child = item.child(n)
            if child is None:
                continue
            option = child.data(0, OPTION_ROLE)
            below = self._filter(child, needle)
            own = not needle or (
                option is not None
                and (needle in fold(option.name) or needle in fold(option.path or ""))
            )
            child.setHidden(not (own or below))
            if needle and below:
                child.setExpanded(True)
            shown = shown or own or below
        return shown

    def _on_search_edit_text_changed(self, _text: str) -> None:
        self._apply_filter()

    def _on_tree_item_changed(self, item: QTreeWidgetItem, _column: int) -> None:
        if self._filling:
            return
        option = item.data(0, OPTION_ROLE)
        if option is not None:
            emit(self.toggled, option, item.checkState(0) == Qt.CheckState.Checked)


# -- the audience-size gauge -----------------------------------------------------------------------


def short_count(n: int) -> str:
    """1_234_000 → "1.2M", 45_000 → "45K", 900 → "900"."""
    for size, mark in ((1_000_000_000, "B"), (1_000_000, "M"), (1_000, "K")):
        if n >= size:
            value = n / size
            text = f"{value:.1f}" if value < 100 else f"{value:.0f}"
            return text.removesuffix(".0") + mark
    return str(n)


# The gauge's scale: log10 of an audience from 1,000 (narrow) to 500 million (broad).
_LOW, _HIGH = 3.0, 8.7


def gauge_position(n: int) -> float:
    """Where an audience of `n` sits on the gauge, 0 (narrow) to 1 (broad)."""
    if n <= 0:
        return 0.0
    return min(1.0, max(0.0, (log10(n) - _LOW) / (_HIGH - _LOW)))


class ReachGauge(QWidget):
    """A horizontal bar, narrow ↔ broad, with the estimated range marked on it. `set_range`
    moves the mark; `set_dimmed` greys it while an update is on its way (no flicker: the old
    mark stays until the new one arrives)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._range: tuple[int, int] | None = None
        self._dimmed = False
        self.setMinimumHeight(34)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAccessibleName("Estimated audience size")

    def sizeHint(self) -> QSize:
        return QSize(320, 34)

    @property
    def range(self) -> tuple[int, int] | None:
        return self._range

    def set_range(self, value: tuple[int, int] | None) -> None:
        self._range = value
        self.update()

    def set_dimmed(self, dimmed: bool) -> None:
        if dimmed != self._dimmed:
            self._dimmed = dimmed
            self.update()

    def paintEvent(self, _event: QPaintEvent) -> None:
        c = theme.colors()
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        bar = QRectF(1, 8, self.width() - 2, 10)
        gradient = QLinearGradient(bar.topLeft(), bar.topRight())
        gradient.setColorAt(0.0, QColor(c.warning))
        gradient.setColorAt(0.35, QColor(c.success))
        gradient.setColorAt(1.0, QColor(c.accent))
        p.setPen(Qt.PenStyle.NoPen)
        p.setOpacity(0.28)
        p.setBrush(gradient)
        p.drawRoundedRect(bar, 5, 5)
        p.setOpacity(1.0)
        if self._range is not None:
            low, high = (gauge_position(v) for v in self._range)
            x0 = bar.left() + low * bar.width()
            x1 = max(x0 + 8, bar.left() + high * bar.width())
            x1 = min(x1, bar.right())
            x0 = min(x0, x1 - 8)
            mark = QRectF(x0, bar.top() - 3, x1 - x0, bar.height() + 6)
            p.setOpacity(0.45 if self._dimmed else 1.0)
            p.setBrush(gradient)
            p.setPen(QPen(QColor(c.text), 1.2))
            p.drawRoundedRect(mark, 5, 5)
            p.setOpacity(1.0)
        p.setPen(QColor(c.muted))
        font = p.font()
        font.setPointSizeF(max(7.0, font.pointSizeF() - 1.5))
        p.setFont(font)
        text_rect = QRectF(1, 20, self.width() - 2, 14)
        p.drawText(text_rect, int(Qt.AlignmentFlag.AlignLeft), "Narrow")
        p.drawText(text_rect, int(Qt.AlignmentFlag.AlignRight), "Broad")
        p.end()


class EstimateView(QWidget):
    """The gauge with its lines: the range ("1.2M – 1.6M Snapchatters"), the state (loading,
    offline, sign in, invalid) and the bid estimate."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        top = QHBoxLayout()
        top.setSpacing(8)
        self.range_label = QLabel()
        self.range_label.setObjectName("reachRange")
        font = self.range_label.font()
        font.setPointSizeF(font.pointSizeF() + 2)
        font.setBold(True)
        self.range_label.setFont(font)
        self.state_label = QLabel()
        self.state_label.setObjectName("muted")
        self.state_label.setWordWrap(True)
        top.addWidget(self.range_label)
        top.addStretch(1)
        layout.addLayout(top)
        self.gauge = ReachGauge()
        layout.addWidget(self.gauge)
        layout.addWidget(self.state_label)
        layout.addSpacing(2)
        self.bid_label = QLabel()
        self.bid_label.setObjectName("bidEstimate")
        self.bid_label.setWordWrap(True)
        bid_font = self.bid_label.font()
        bid_font.setWeight(QFont.Weight.DemiBold)
        self.bid_label.setFont(bid_font)
        layout.addWidget(self.bid_label)
        self.basis_label = QLabel(
            "Snapchatters reachable over about 28 days with this targeting and placement; "
            "not a forecast for the budget."
        )
        self.basis_label.setObjectName("hint")
        self.basis_label.setWordWrap(True)
        layout.addWidget(self.basis_label)


# -- estimates: debounced, off the GUI thread, cached ------------------------------------------------

DEBOUNCE_MS: Final = 500


@dataclass(frozen=True)
class EstimateRequest:
    """What the editor shows now: the account, the squad spec the size depends on, the goal
    (for the bid), the currency (to show the bid), and why there is no estimate to ask for
    (`invalid`: the targeting has errors)."""

    ad_account_id: str | None
    squad: dict[str, Any]
    goal: str | None
    currency: str
    invalid: str = ""


class EstimateController(QObject):
    """Keeps an `EstimateView` up to date with the targeting being edited.

    Every `request` restarts a 500 ms timer (typing five changes in a row asks once); when it
    fires, an estimate cached for this exact spec is shown without a request, else one is
    started on the qasync loop (`TargetingServices.estimate_reach` / `estimate_bid`) while the
    old mark stays on the gauge, dimmed. An answer to an older question is dropped. States:
    loading, the estimate, offline/unavailable (with Snap's reason), sign in (no login), and
    invalid targeting (nothing asked)."""

    def __init__(self, view: EstimateView, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.view = view
        self._services: Any = None
        self._wanted: EstimateRequest | None = None
        self._generation = 0
        self._ops: list[Any] = []
        self.requests_started = 0  # reach and bid requests sent (tests, diagnostics)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(DEBOUNCE_MS)
        self.timer.timeout.connect(self._on_timer_timeout)
        self._show_text("", "")

    def set_services(self, services: Any) -> None:
        self._services = services

    @property
    def state(self) -> str:
        return str(self.view.property("estimateState") or "")

    def request(self, wanted: EstimateRequest) -> None:
        if wanted == self._wanted and (self.timer.isActive() or self._ops or self.state):
            return
        self._wanted = wanted
        self.timer.start()
        if self.view.gauge.range is not None and not wanted.invalid:
            self.view.gauge.set_dimmed(True)

    def flush(self) -> None:
        """Ask now (what the timer does when it fires)."""
        self.timer.stop()
        self._on_timer_timeout()

    # -- internals -------------------------------------------------------------------------

    def _on_timer_timeout(self) -> None:
        wanted = self._wanted
        if wanted is None:
            return
        self._generation += 1
        for op in self._ops:
            op.cancel()
        self._ops = []
        if wanted.invalid:
            self.view.gauge.set_range(None)
            self._set_state("invalid")
            self._show_text("—", wanted.invalid)
            self.view.bid_label.setText("")
            return
        services = self._services
        account = wanted.ad_account_id
        if services is None or account is None:
            self._show_unavailable("no_api", "Sign in to see the estimated audience size")
            return
        estimates = services.estimates
        reach = estimates.cached_reach(account, wanted.squad)
        bid = (
            estimates.cached_bid(account, wanted.goal, wanted.squad["targeting"])
            if wanted.goal
            else None
        )
        api = services.api(account)
        if reach is not None and (not reach.stale or api is None):
            self._show_reach(reach)
        if wanted.goal is None:
            self.view.bid_label.setText("Choose an optimization goal to see a suggested bid")
        elif bid is not None and (not bid.stale or api is None):
            self._show_bid(bid, wanted.currency)
        if api is None:
            if reach is None:
                self._show_unavailable("no_api", "Sign in to see the estimated audience size")
            else:
                self._set_state("offline")
                self._state_text(
                    "Not signed in — showing the estimate saved on "
                    f"{reach.fetched_at.astimezone().strftime('%Y-%m-%d')}"
                )
            return
        generation = self._generation
        need_reach = reach is None or reach.stale
        need_bid = wanted.goal is not None and (bid is None or bid.stale)
        if need_reach:
            op = services.estimate_reach(ad_account_id=account, squad=wanted.squad)
            if op is not None:
                self._track(op, partial(self._on_reach, generation), generation, "reach")
        if need_bid:
            op = services.estimate_bid(
                ad_account_id=account, goal=wanted.goal, targeting=wanted.squad["targeting"]
            )
            if op is not None:
                on_bid = partial(self._on_bid, generation, currency=wanted.currency)
                self._track(op, on_bid, generation, "bid")
        if self._ops:
            self._set_state("loading")
            self.view.gauge.set_dimmed(True)
            self._state_text("Updating the estimate…")

    def _track(self, op: Any, done: Callable[[Any], None], generation: int, kind: str) -> None:
        self.requests_started += 1
        self._ops.append(op)
        op.succeeded.connect(done)
        op.failed.connect(lambda exc, g=generation, k=kind: self._on_failed(g, exc, k))
        op.finished.connect(lambda o=op: self._on_op_finished(o))

    def _on_op_finished(self, op: Any) -> None:
        if op in self._ops:
            self._ops.remove(op)
        op.deleteLater()
        if not self._ops and self.state == "loading":
            self._set_state("ready")
            self._state_text("")

    def _on_reach(self, generation: int, reach: Any) -> None:
        if generation == self._generation:
            self._show_reach(reach)

    def _on_bid(self, generation: int, bid: Any, currency: str) -> None:
        if generation == self._generation:
            self._show_bid(bid, currency)

    def _on_failed(self, generation: int, exc: object, kind: str) -> None:
        if generation != self._generation:
            return
        message = error_message(exc) if isinstance(exc, BaseException) else str(exc)
        if kind == "bid":
            self.view.bid_label.setText(f"No suggested bid: {message}")
        elif isinstance(exc, ConnectionFailed | Timeout):
            self._show_unavailable("offline", f"Offline — no estimate: {message}")
        else:
            self._show_unavailable("unavailable", f"Estimate unavailable: {message}")

    def _show_reach(self, reach: Any) -> None:
        self.view.gauge.set_range((reach.minimum, reach.maximum))
        self.view.gauge.set_dimmed(False)
        text = f"{short_count(reach.minimum)} – {short_count(reach.maximum)} Snapchatters"
        self.view.range_label.setText(text)
        self.view.gauge.setAccessibleDescription(
            f"Estimated audience {reach.minimum:,} to {reach.maximum:,} Snapchatters"
        )
        # "ready" once every answer is in (the bid may still be on its way)
        self._set_state("loading" if any(op.running for op in self._ops) else "ready")
        self._state_text(
            f"Offline — estimate saved on {reach.fetched_at.astimezone().strftime('%Y-%m-%d')}"
            if reach.stale
            else ""
        )

    def _show_bid(self, bid: Any, currency: str) -> None:
        low = format_amount(bid.minimum_micro, currency)
        high = format_amount(bid.maximum_micro, currency)
        kind = "CPM" if bid.label == "CPM" else "target cost"
        self.view.bid_label.setText(f"Suggested bid {low} – {high} {currency} ({kind})")

    def _show_unavailable(self, state: str, text: str) -> None:
        self.view.gauge.set_range(None)
        self.view.gauge.set_dimmed(False)
        self._set_state(state)
        self._show_text("—", text)
        self.view.bid_label.setText("")

    def _show_text(self, headline: str, state: str) -> None:
        self.view.range_label.setText(headline)
        self._state_text(state)

    def _state_text(self, text: str) -> None:
        self.view.state_label.setText(text)
        self.view.state_label.setVisible(bool(text))

    def _set_state(self, state: str) -> None:
        self.view.setProperty("estimateState", state)


# -- audiences ------------------------------------------------------------------------------------


class AudienceTable(QTableWidget):
    """The ad account's audiences (synced segments), one a row: name and kind, size, whether
    Snap can target it yet, and Include / Exclude / not used. Audiences the targeting names
    that aren't synced are listed by id and kept. Signal `changed()` on a user's choice."""

    changed = Signal()
    COLUMNS: Final = ("Audience", "Size", "State", "Use")
    _USE: Final = (("", "—"), (INCLUDE, "Include"), (EXCLUDE, "Exclude"))

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(self.COLUMNS), parent)
        self.setObjectName("audienceTable")
        self.setHorizontalHeaderLabels(list(self.COLUMNS))
        self.verticalHeader().hide()
        self.setShowGrid(False)
        self.setAlternatingRowColors(True)
        self.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        self.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.verticalHeader().setDefaultSectionSize(28)
        self._segments: list[tuple[str, str, str, str, str]] = []  # id, name, kind, size, state
        self._combos: dict[str, QComboBox] = {}
        self._filling = False
        self._rebuild({})

    def set_segments(self, rows: list[Any]) -> None:
        self._segments = []
        for segment in rows:
            data = segment.data
            users = data.get("approximate_number_users")
            size = f"≈ {int(users):,}" if isinstance(users, int | float) else "—"
            kind = str(data.get("source_type") or "").replace("_", " ").title()
            state = str(data.get("targetable_status") or "")
            self._segments.append((segment.id, str(segment.name or segment.id), kind, size, state))
        self._rebuild({})

    def set_chosen(self, chosen: dict[str, list[str]]) -> None:
        self._rebuild(chosen)

    def chosen(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {INCLUDE: [], EXCLUDE: []}
        for segment_id, combo in self._combos.items():
            value = combo.currentData()
            if value:
                out[str(value)].append(segment_id)
        return out

    def combo_for(self, segment_id: str) -> QComboBox:
        return self._combos[segment_id]

    def set_use(self, segment_id: str, operation: str) -> None:
        combo = self._combos[segment_id]
        combo.setCurrentIndex(max(0, combo.findData(operation)))

    def _rebuild(self, chosen: dict[str, list[str]]) -> None:
        self._filling = True
        use = {sid: op for op, ids in chosen.items() for sid in ids}
        known = {s[0] for s in self._segments}
        rows = list(self._segments) + [
            (sid, f"Audience {sid}", "", "—", "not synced") for sid in use if sid not in known
        ]
        self.setRowCount(0)
        self._combos = {}
        if not rows:
            self.setRowCount(1)
            empty = QTableWidgetItem("No audiences synced for this ad account")
            empty.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.setItem(0, 0, empty)
            self.setSpan(0, 0, 1, self.columnCount())
        else:
            self.clearSpans()
            self.setRowCount(len(rows))
        c = theme.colors()
        for n, (segment_id, name, kind, size, state) in enumerate(rows):
            label = QTableWidgetItem(f"{name}  ·  {kind}" if kind else name)
            label.setToolTip(f"{name} · id {segment_id}")
            label.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.setItem(n, 0, label)
            size_item = QTableWidgetItem(size)
            size_item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            size_item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.setItem(n, 1, size_item)
            state_item = QTableWidgetItem(state.replace("_", " ").lower() if state else "—")
            state_item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            state_item.setForeground(QColor(c.success if state == "READY" else c.warning))
            if state and state != "READY":
                state_item.setToolTip("Snap can't target this audience yet")
            self.setItem(n, 2, state_item)
            combo = QComboBox()
            combo.setAccessibleName(f"Use {name}")
            for value, text in self._USE:
                combo.addItem(text, value or None)
            combo.setCurrentIndex(max(0, combo.findData(use.get(segment_id))))
            combo.currentIndexChanged.connect(self._on_combo_changed)
            self._combos[segment_id] = combo
            self.setCellWidget(n, 3, combo)
        visible = min(max(1, self.rowCount()), 6)
        self.setFixedHeight(
            visible * 28 + self.horizontalHeader().sizeHint().height() + 2 * self.frameWidth() + 2
        )
        self._filling = False

    def _on_combo_changed(self, _index: int) -> None:
        if not self._filling:
            emit(self.changed)
