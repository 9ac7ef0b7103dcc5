"""The editor grid's controls: the toolbar (level buttons with counts, search, date range, Refresh
stats, saved views, Export / Import), the filter bar (an "Add filter" menu and one removable chip
per condition), the column chooser, and the two small dialogs behind them (a filter condition:
operator and value for a column; a custom date range).

The widgets only say what the user asked for (signals); `snapdesk.ui.views.grid.GridView`
decides what that does to the rows.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any, Final

from PySide6.QtCore import QDate, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QIcon, QKeySequence, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
    QWidgetAction,
)

from snapdesk.core.kinds import AD, AD_SQUAD, CAMPAIGN
from snapdesk.grid.columns import LEVEL_NAMES, Column, columns_for, humanize
from snapdesk.grid.perf import PRESETS, DateRange
from snapdesk.grid.query import OPERATORS, ROW_OPERATORS, Condition, QueryError, operators_for
from snapdesk.grid.views import SavedView
from snapdesk.ui import theme
from snapdesk.ui._signals import emit
from snapdesk.ui.views._flow import FlowLayout

__all__ = [
    "ColumnChooser",
    "ConditionDialog",
    "FilterBar",
    "GridToolbar",
    "LevelButtons",
    "RangeDialog",
    "column_choices",
    "level_label",
    "stylesheet",
]

SEARCH_DELAY_MS: Final = 180
WRAP_WIDTH: Final = 1060  # narrower: the saved views and file buttons go to a second row
CUSTOM: Final = "custom"
_DATE_OPERATORS: Final = {
    "gt": "after",
    "ge": "on or after",
    "lt": "before",
    "le": "on or before",
    "eq": "on",
    "between": "between",
}
_NO_VALUE: Final = frozenset({"empty", "not_empty"})


def stylesheet() -> str:
    """The grid's own look, on top of the app stylesheet (theme colours)."""
    c = theme.colors()
    checked = theme._mix(c.accent, c.base, 0.13)
    grid_line = theme._mix(c.border, c.base, 0.55)
    return f"""
QWidget#gridToolbar, QWidget#gridFilterBar {{ background: transparent; }}
QPushButton#levelSegment {{
    padding: 5px 12px; border-radius: 0; border-left: none; background: {c.base};
}}
QPushButton#levelSegment[first="true"] {{
    border-left: 1px solid {c.border};
    border-top-left-radius: 6px; border-bottom-left-radius: 6px;
}}
QPushButton#levelSegment[last="true"] {{
    border-top-right-radius: 6px; border-bottom-right-radius: 6px;
}}
QPushButton#levelSegment:hover {{ background: {c.chip_bg}; }}
QPushButton#levelSegment:checked {{
    background: {checked}; color: {c.accent}; border-color: {c.accent};
    border-left: 1px solid {c.accent};
}}
QToolButton#gridMenuButton, QToolButton#addFilterButton {{
    border: 1px solid {c.border}; border-radius: 6px; padding: 4px 10px; background: {c.base};
}}
QToolButton#gridMenuButton:hover, QToolButton#addFilterButton:hover {{ background: {c.chip_bg}; }}
QToolButton#gridMenuButton::menu-indicator, QToolButton#addFilterButton::menu-indicator {{
    image: none; width: 0;
}}
QToolButton#addFilterButton {{ border-style: dashed; color: {c.accent}; font-weight: 600; }}
QFrame#filterChip {{
    background: {checked}; border: 1px solid {theme._mix(c.accent, c.base, 0.45)};
    border-radius: 12px;
}}
QLabel#filterChipText {{ color: {c.text}; padding-left: 2px; }}
QToolButton#filterChipClose {{
    border: none; background: transparent; color: {c.muted}; padding: 0 2px; font-weight: 700;
}}
QToolButton#filterChipClose:hover {{ color: {c.danger}; }}
QPushButton#linkButton {{
    border: none; background: transparent; color: {c.accent}; padding: 3px 4px;
}}
QPushButton#linkButton:hover {{ text-decoration: underline; background: transparent; }}
QLabel#gridCount {{ color: {c.muted}; }}
QLabel#statsSource {{ color: {c.muted}; font-size: 9pt; }}
QTableView#gridTable {{
    background: {c.base}; alternate-background-color: {c.alt_base};
    border: 1px solid {c.border}; border-radius: 8px; gridline-color: {grid_line};
    selection-background-color: {c.highlight}; selection-color: {c.highlight_text};
}}
QTableView#gridTable QHeaderView::section {{
    padding: 7px 8px 5px 8px; border-right: 1px solid {grid_line};
}}
QTableView#gridTable QHeaderView::up-arrow, QTableView#gridTable QHeaderView::down-arrow {{
    subcontrol-origin: padding; subcontrol-position: top center; width: 9px; height: 6px;
}}
QTableView#gridTotals {{
    background: {c.alt_base}; border: 1px solid {c.border}; border-top: none;
    border-bottom-left-radius: 8px; border-bottom-right-radius: 8px; gridline-color: {grid_line};
}}
QFrame#statsProgress {{
    background: {theme._mix(c.accent, c.base, 0.07)};
    border: 1px solid {theme._mix(c.accent, c.base, 0.30)}; border-radius: 8px;
}}
"""


def _level_plural(level: str) -> str:
    return LEVEL_NAMES.get(level, level)


# -- level buttons ---------------------------------------------------------------------------


class LevelButtons(QWidget):
    """Campaigns / Ad squads / Ads as one segmented control with a count on each.
    Signal `level_chosen(str)` when the user picks one."""

    level_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.buttons: dict[str, QPushButton] = {}
        levels = (CAMPAIGN, AD_SQUAD, AD)
        for i, level in enumerate(levels):
            button = QPushButton(_level_plural(level))
            button.setObjectName("levelSegment")
            button.setProperty("first", i == 0)
            button.setProperty("last", i == len(levels) - 1)
            button.setCheckable(True)
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            button.setAccessibleName(_level_plural(level))
            button.clicked.connect(functools.partial(self._on_button_clicked, level))
            self.group.addButton(button)
            self.buttons[level] = button
            row.addWidget(button)
        self.buttons[CAMPAIGN].setChecked(True)

    def set_level(self, level: str) -> None:
        button = self.buttons.get(level)
        if button is not None and not button.isChecked():
            button.setChecked(True)

    def set_counts(self, counts: dict[str, int | None]) -> None:
        for level, button in self.buttons.items():
            count = counts.get(level)
            name = _level_plural(level)
            button.setText(name if count is None else f"{name}  {count:,}")
            button.setAccessibleName(name if count is None else f"{name}, {count:,}")

    def _on_button_clicked(self, level: str, _checked: bool = False) -> None:
        emit(self.level_chosen, level)


# -- dialogs ---------------------------------------------------------------------------------


class RangeDialog(QDialog):
    """Two dates (first and last day, included, in each account's time zone)."""

    def __init__(self, first: date, last: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Custom date range")
        self.setObjectName("gridRangeDialog")
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.first_edit = QDateEdit(QDate(first.year, first.month, first.day))
        self.last_edit = QDateEdit(QDate(last.year, last.month, last.day))
        for edit in (self.first_edit, self.last_edit):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("d MMM yyyy")
            edit.dateChanged.connect(self._on_date_changed)
        form.addRow("First day", self.first_edit)
        form.addRow("Last day", self.last_edit)
        layout.addLayout(form)
        note = QLabel("Days are counted in each ad account's own time zone.")
        note.setObjectName("hint")
        layout.addWidget(note)
        self.error_label = QLabel()
        self.error_label.setObjectName("errorText")
        self.error_label.hide()
        layout.addWidget(self.error_label)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def date_range(self) -> DateRange:
        first = self.first_edit.date().toPython()
        last = self.last_edit.date().toPython()
        assert isinstance(first, date) and isinstance(last, date)
        return DateRange.custom(first, last)

    def _on_date_changed(self, _value: QDate) -> None:
        bad = self.last_edit.date() < self.first_edit.date()
        self.error_label.setText("The range ends before it starts" if bad else "")
        self.error_label.setVisible(bad)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        if ok is not None:
            ok.setEnabled(not bad)


def _operator_label(column: Column, op: str) -> str:
    if column.type == "datetime" and op in _DATE_OPERATORS:
        return _DATE_OPERATORS[op]
    return OPERATORS[op]


class ConditionDialog(QDialog):
    """A filter on one column: operator (`operators_for`) and value. `condition()` is checked
    (`Condition.check`); an unusable value keeps the dialog open with the reason under it."""

    def __init__(
        self, column: Column, *, choices: Sequence[str] = (), parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.column = column
        self.setWindowTitle(f"Filter: {column.header}")
        self.setObjectName("gridConditionDialog")
        self.setMinimumWidth(360)
        self._result: Condition | None = None
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.operator_combo = QComboBox()
        for op in operators_for(column):
            self.operator_combo.addItem(_operator_label(column, op), op)
        self.operator_combo.currentIndexChanged.connect(self._on_operator_changed)
        form.addRow(column.header, self.operator_combo)
        layout.addLayout(form)

        self.value_stack = QStackedWidget()
        # text or number (one value)
        self.value_edit = QLineEdit()
        self.value_edit.setAccessibleName("Value")
        self.value_edit.setPlaceholderText(self._placeholder())
        # between two numbers
        pair = QWidget()
        pair_row = QHBoxLayout(pair)
        pair_row.setContentsMargins(0, 0, 0, 0)
        self.low_edit = QLineEdit()
        self.low_edit.setAccessibleName("From")
        self.high_edit = QLineEdit()
        self.high_edit.setAccessibleName("To")
        pair_row.addWidget(self.low_edit)
        pair_row.addWidget(QLabel("and"))
        pair_row.addWidget(self.high_edit)
        # one or two dates
        dates = QWidget()
        dates_row = QHBoxLayout(dates)
        dates_row.setContentsMargins(0, 0, 0, 0)
        today = QDate.currentDate()
        self.first_date = QDateEdit(today)
        self.first_date.setAccessibleName("Date")
        self.second_date = QDateEdit(today)
        self.second_date.setAccessibleName("Second date")
        for edit in (self.first_date, self.second_date):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        self.and_label = QLabel("and")
        dates_row.addWidget(self.first_date)
        dates_row.addWidget(self.and_label)
        dates_row.addWidget(self.second_date)
        # a choice of values
        self.choice_list = QListWidget()
        self.choice_list.setAccessibleName("Values")
        self.choice_list.setMaximumHeight(180)
        for value in choices:
            item = QListWidgetItem(humanize(value) or str(value))
            item.setData(Qt.ItemDataRole.UserRole, value)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.choice_list.addItem(item)
        # nothing to type
        self.none_label = QLabel("No value needed")
        self.none_label.setObjectName("muted")
        for page in (self.value_edit, pair, dates, self.choice_list, self.none_label):
            self.value_stack.addWidget(page)
        self._pair_page = pair
        self._dates_page = dates
        layout.addWidget(self.value_stack)
        if column.type == "money":
            hint = QLabel("Amounts are compared in each row's own currency.")
            hint.setObjectName("hint")
            layout.addWidget(hint)
        self.error_label = QLabel()
        self.error_label.setObjectName("errorText")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        layout.addWidget(self.error_label)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        if ok is not None:
            ok.setText("Add filter")
        self.buttons.accepted.connect(self._on_accepted)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._on_operator_changed(0)

    # -- API ---------------------------------------------------------------------------------

    @property
    def op(self) -> str:
        return str(self.operator_combo.currentData())

    def set_operator(self, op: str) -> None:
        index = self.operator_combo.findData(op)
        if index >= 0:
            self.operator_combo.setCurrentIndex(index)

    def check_values(self, values: Iterable[str]) -> None:
        wanted = set(values)
        for i in range(self.choice_list.count()):
            item = self.choice_list.item(i)
            checked = item.data(Qt.ItemDataRole.UserRole) in wanted
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    def condition(self) -> Condition:
        """The condition as entered; raises `QueryError` saying what is wrong."""
        op = self.op
        key = self.column.key
        if op in _NO_VALUE:
            return Condition(key, op).check()
        page = self.value_stack.currentWidget()
        if page is self.choice_list:
            values = tuple(
                str(self.choice_list.item(i).data(Qt.ItemDataRole.UserRole))
                for i in range(self.choice_list.count())
                if self.choice_list.item(i).checkState() == Qt.CheckState.Checked
            )
            if not values and op in ("contains", "not_contains"):
                raise QueryError(f"{self.column.header}: choose a value")
            return Condition(key, op, values).check()
        if page is self._dates_page:
            first = self.first_date.date().toString("yyyy-MM-dd")
            if op == "between":
                second = self.second_date.date().toString("yyyy-MM-dd")
                return Condition(key, op, (first, second)).check()
            return Condition(key, op, first).check()
        if page is self._pair_page:
            low, high = self.low_edit.text().strip(), self.high_edit.text().strip()
            return Condition(key, op, (low, high)).check()
        return Condition(key, op, self.value_edit.text().strip()).check()

    def result_condition(self) -> Condition | None:
        """The condition the user added (None until accepted)."""
        return self._result

    # -- internals ---------------------------------------------------------------------------

    def _placeholder(self) -> str:
        kind = self.column.type
        if kind == "percent":
            return "a percentage, e.g. 2.5"
        if kind == "money":
            return "an amount, e.g. 100"
        if self.column.numeric:
            return "a number, e.g. 1000"
        return "text to look for"

    def _on_operator_changed(self, _index: int) -> None:
        op = self.op
        column = self.column
        if op in _NO_VALUE:
            page: QWidget = self.none_label
        elif op in ("is", "is_not") and self.choice_list.count():
            page = self.choice_list
        elif column.type == "datetime":
            page = self._dates_page
            between = op == "between"
            self.and_label.setVisible(between)
            self.second_date.setVisible(between)
        elif op == "between":
            page = self._pair_page
        else:
            page = self.value_edit
        self.value_stack.setCurrentWidget(page)
        self.error_label.hide()

    def _on_accepted(self) -> None:
        try:
            self._result = self.condition()
        except QueryError as exc:
            self.error_label.setText(str(exc))
            self.error_label.show()
            return
        self.accept()


# -- filter bar ------------------------------------------------------------------------------


class _Chip(QFrame):
    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("filterChip")
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 2, 4, 2)
        row.setSpacing(2)
        self.label = QLabel(text)
        self.label.setObjectName("filterChipText")
        row.addWidget(self.label)
        self.close_button = QToolButton()
        self.close_button.setObjectName("filterChipClose")
        self.close_button.setText("✕")
        self.close_button.setToolTip("Remove this filter")
        self.close_button.setAccessibleName(f"Remove filter: {text}")
        self.close_button.setCursor(Qt.CursorShape.PointingHandCursor)
        row.addWidget(self.close_button)


class FilterBar(QWidget):
    """ "+ Filter" (a menu: conditions about the row, then the level's columns with the
    performance ones grouped) and one chip per condition, each removable.

    Signals: `row_condition_chosen(str)` (a row operator such as "delivery_issue"),
    `column_chosen(str)` (a column key: ask for operator and value), `removed(int)` (the
    condition's position), `cleared()`."""

    row_condition_chosen = Signal(str)
    column_chosen = Signal(str)
    removed = Signal(int)
    cleared = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("gridFilterBar")
        self._level = CAMPAIGN
        self.chips: list[_Chip] = []
        self.flow = FlowLayout(self, spacing=6)
        self.add_button = QToolButton()
        self.add_button.setObjectName("addFilterButton")
        self.add_button.setText("+ Filter")
        self.add_button.setAccessibleName("Add filter")
        self.add_button.setToolTip("Filter by a column (status is, spend >, …) or a row property")
        self.add_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.add_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.menu = QMenu(self.add_button)
        self.menu.aboutToShow.connect(self._fill_menu)
        self.add_button.setMenu(self.menu)
        self.flow.addWidget(self.add_button)
        self.clear_button = QPushButton("Clear filters")
        self.clear_button.setObjectName("linkButton")
        self.clear_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.clear_button.clicked.connect(self._on_clear_clicked)
        self.clear_button.hide()
        self.flow.addWidget(self.clear_button)
        self._fill_menu()

    def set_level(self, level: str) -> None:
        self._level = level

    def set_conditions(self, conditions: Sequence[Condition], *, text: str = "") -> None:
        for chip in self.chips:
            self.flow.removeWidget(chip)
            chip.hide()
            chip.deleteLater()
        self.chips = []
        self.flow.removeWidget(self.clear_button)
        for position, condition in enumerate(conditions):
            chip = _Chip(condition.label(), self)
            chip.close_button.clicked.connect(functools.partial(self._on_chip_closed, position))
            self.flow.addWidget(chip)
            chip.show()
            self.chips.append(chip)
        self.flow.addWidget(self.clear_button)
        self.clear_button.setVisible(bool(conditions) or bool(text.strip()))
        self.updateGeometry()

    def chip_texts(self) -> list[str]:
        return [chip.label.text() for chip in self.chips]

    def _fill_menu(self) -> None:
        menu = self.menu
        menu.clear()
        menu.addSection("Rows")
        for op, label in ROW_OPERATORS.items():
            action = menu.addAction(label)
            action.setData(op)
            action.triggered.connect(functools.partial(self._on_row_action, op))
        menu.addSection("Columns")
        performance = QMenu("Performance", menu)
        for column in columns_for(self._level):
            target = performance if column.performance else menu
            action = target.addAction(column.header)
            action.setData(column.key)
            action.triggered.connect(functools.partial(self._on_column_action, column.key))
        menu.addMenu(performance)

    def _on_row_action(self, op: str, _checked: bool = False) -> None:
        emit(self.row_condition_chosen, op)

    def _on_column_action(self, key: str, _checked: bool = False) -> None:
        emit(self.column_chosen, key)

    def _on_chip_closed(self, position: int, _checked: bool = False) -> None:
        emit(self.removed, position)

    def _on_clear_clicked(self, _checked: bool = False) -> None:
        emit(self.cleared)


# -- column chooser --------------------------------------------------------------------------


class ColumnChooser(QToolButton):
    """ "Columns": a checkable list of the level's columns (settings, then performance),
    staying open while the user ticks. Signal `columns_changed(list)` with the keys in order."""

    columns_changed = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("gridMenuButton")
        self.setText("Columns")
        self.setAccessibleName("Choose columns")
        self.setToolTip("Show or hide columns")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self._level = CAMPAIGN
        self._filling = False
        self.list = QListWidget()
        self.list.setAccessibleName("Columns")
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.list.setMinimumWidth(230)
        self.list.itemChanged.connect(self._on_item_changed)
        box = QWidget()
        box_layout = QVBoxLayout(box)
        box_layout.setContentsMargins(6, 6, 6, 6)
        box_layout.addWidget(self.list)
        self.reset_button = QPushButton("Default columns")
        self.reset_button.clicked.connect(self._on_reset_clicked)
        box_layout.addWidget(self.reset_button)
        self.popup = QMenu(self)
        action = QWidgetAction(self.popup)
        action.setDefaultWidget(box)
        self.popup.addAction(action)
        self.setMenu(self.popup)
        self._defaults: list[str] = []

    def set_columns(self, level: str, visible: Sequence[str], defaults: Sequence[str]) -> None:
        """The level's columns, those in `visible` ticked."""
        self._level = level
        self._defaults = list(defaults)
        shown = set(visible)
        self._filling = True
        try:
            self.list.clear()
            bold = QFont()
            bold.setBold(True)
            groups = (
                ("Settings", [c for c in columns_for(level) if not c.performance]),
                ("Performance", [c for c in columns_for(level) if c.performance]),
            )
            for title, columns in groups:
                head = QListWidgetItem(title)
                head.setFlags(Qt.ItemFlag.NoItemFlags)
                head.setFont(bold)
                self.list.addItem(head)
                for column in columns:
                    item = QListWidgetItem(column.header)
                    item.setData(Qt.ItemDataRole.UserRole, column.key)
                    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
                    item.setCheckState(
                        Qt.CheckState.Checked if column.key in shown else Qt.CheckState.Unchecked
                    )
                    if column.tip:
                        item.setToolTip(column.tip)
                    self.list.addItem(item)
            rows = self.list.count()
            self.list.setFixedHeight(min(rows, 22) * 22 + 8)
        finally:
            self._filling = False
        self.setText(f"Columns · {len(shown & {c.key for c in columns_for(level)})}")

    def checked(self) -> list[str]:
        out = []
        for i in range(self.list.count()):
            item = self.list.item(i)
            key = item.data(Qt.ItemDataRole.UserRole)
            if key and item.checkState() == Qt.CheckState.Checked:
                out.append(str(key))
        return out

    def set_checked(self, key: str, on: bool) -> None:
        for i in range(self.list.count()):
            item = self.list.item(i)
            if item.data(Qt.ItemDataRole.UserRole) == key:
                item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def _on_item_changed(self, _item: QListWidgetItem) -> None:
        if self._filling:
            return
        keys = self.checked()
        if not keys:  # at least one column
            self._filling = True
            _item.setCheckState(Qt.CheckState.Checked)
            self._filling = False
            return
        self.setText(f"Columns · {len(keys)}")
        emit(self.columns_changed, keys)

    def _on_reset_clicked(self, _checked: bool = False) -> None:
        self.set_columns(self._level, self._defaults, self._defaults)
        emit(self.columns_changed, list(self._defaults))


# -- the toolbar -----------------------------------------------------------------------------


class GridToolbar(QWidget):
    """The row above the grid. Signals: `level_chosen(str)`, `search_changed(str)` (debounced),
    `range_chosen(object)` (a DateRange; "Custom…" asks first), `refresh_clicked()`,
    `view_chosen(str)` (a saved view's name), `save_view_clicked()`, `delete_view_clicked()`,
    `export_clicked()`, `import_clicked()`."""

    level_chosen = Signal(str)
    search_changed = Signal(str)
    range_chosen = Signal(object)
    refresh_clicked = Signal()
    view_chosen = Signal(str)
    save_view_clicked = Signal()
    delete_view_clicked = Signal()
    export_clicked = Signal()
    import_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("gridToolbar")
        self._range = DateRange()
        self._filling_views = False
        self.range_dialog: RangeDialog | None = None
        self._setup_ui()

    def _setup_ui(self) -> None:
        rows = QVBoxLayout(self)
        rows.setContentsMargins(0, 0, 0, 0)
        rows.setSpacing(6)
        row = QHBoxLayout()
        row.setSpacing(8)
        rows.addLayout(row)
        # Below WRAP_WIDTH the saved views and the file buttons move to a second row rather
        # than squeezing the level buttons and the search box (a 1280x800 window).
        self._second_row = QHBoxLayout()
        self._second_row.setSpacing(8)
        self._second_row.addStretch(1)
        rows.addLayout(self._second_row)
        self._first_row = row
        self._wrapped = False
        self.levels = LevelButtons()
        self.levels.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.levels.level_chosen.connect(self._on_levels_level_chosen)
        row.addWidget(self.levels)

        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("gridSearch")
        self.search_edit.setPlaceholderText("Search names and ids")
        self.search_edit.setAccessibleName("Search the grid")
        self.search_edit.setToolTip(
            "Every word must appear in the name, the id, a parent's name or the account "
            f"({QKeySequence(QKeySequence.StandardKey.Find).toString()} in the grid)"
        )
        self.search_edit.setClearButtonEnabled(True)
        theme.follow_icon(
            self.search_edit.addAction(QIcon(), QLineEdit.ActionPosition.LeadingPosition), "search"
        )
        self.search_edit.setMinimumWidth(140)
        self.search_edit.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.search_edit.textChanged.connect(self._on_search_edit_text_changed)
        self.search_edit.returnPressed.connect(self._flush_search)
        row.addWidget(self.search_edit, 1)

        self.range_combo = QComboBox()
        self.range_combo.setAccessibleName("Date range of the performance columns")
        self.range_combo.setToolTip("Performance columns cover these days (each account's zone)")
        for key, label in PRESETS.items():
            if key != CUSTOM:
                self.range_combo.addItem(label, key)
        self.range_combo.addItem(PRESETS[CUSTOM], CUSTOM)
        self.range_combo.setCurrentIndex(self.range_combo.findData(self._range.preset))
        self.range_combo.activated.connect(self._on_range_combo_activated)
        row.addWidget(self.range_combo)

        self.refresh_button = QPushButton("Refresh stats")
        theme.follow_icon(self.refresh_button, "sync_accent")
        self.refresh_button.setIconSize(QSize(14, 14))
        self.refresh_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.refresh_button.setToolTip(
            "Fetch the performance of every shown account from Snap (one query per account)"
        )
        self.refresh_button.clicked.connect(self._on_refresh_button_clicked)
        row.addWidget(self.refresh_button)

        self.views_combo = QComboBox()
        self.views_combo.setAccessibleName("Saved view")
        self.views_combo.setToolTip("Apply a saved view: columns, filters, sort and date range")
        self.views_combo.setMinimumContentsLength(12)
        self.views_combo.setMaximumWidth(240)
        self.views_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.views_combo.activated.connect(self._on_views_combo_activated)
        row.addWidget(self.views_combo)
        self.views_button = QToolButton()
        self.views_button.setObjectName("gridMenuButton")
        self.views_button.setText("⋯")
        self.views_button.setAccessibleName("Saved view actions")
        self.views_button.setToolTip("Save the current view, or delete the chosen one")
        self.views_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.views_menu = QMenu(self.views_button)
        self.save_view_action = self.views_menu.addAction("Save view as…")
        self.save_view_action.triggered.connect(self._on_save_view_triggered)
        self.delete_view_action = self.views_menu.addAction("Delete view")
        self.delete_view_action.triggered.connect(self._on_delete_view_triggered)
        self.views_button.setMenu(self.views_menu)
        row.addWidget(self.views_button)

        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip("Write what the grid shows to a CSV or XLSX file")
        self.export_button.clicked.connect(self._on_export_button_clicked)
        row.addWidget(self.export_button)
        self.import_button = QPushButton("Import…")
        self.import_button.setToolTip("Read an edited CSV or XLSX file back as pending changes")
        self.import_button.clicked.connect(self._on_import_button_clicked)
        row.addWidget(self.import_button)

        self._tail = [self.views_combo, self.views_button, self.export_button, self.import_button]
        for widget in (self.range_combo, self.refresh_button, *self._tail):
            widget.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._flush_search)
        self.set_views([], None)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._wrap(event.size().width() < WRAP_WIDTH)

    def _wrap(self, wrapped: bool) -> None:
        """One row when wide; the saved views and Export…/Import… on a second row when not."""
        if wrapped == self._wrapped:
            return
        self._wrapped = wrapped
        source, target = (
            (self._first_row, self._second_row) if wrapped else (self._second_row, self._first_row)
        )
        for widget in self._tail:
            source.removeWidget(widget)
            target.addWidget(widget)

    # -- API ---------------------------------------------------------------------------------

    @property
    def date_range(self) -> DateRange:
        return self._range

    def set_date_range(self, window: DateRange) -> None:
        """Show `window` in the combo (a custom range gets its own item)."""
        self._range = window
        combo = self.range_combo
        existing = combo.findData("custom-current")
        if window.preset == CUSTOM:
            if existing < 0:
                combo.insertItem(combo.count() - 1, window.label(), "custom-current")
                existing = combo.count() - 2
            else:
                combo.setItemText(existing, window.label())
            combo.setCurrentIndex(existing)
        else:
            if existing >= 0:
                combo.removeItem(existing)
            combo.setCurrentIndex(combo.findData(window.preset))

    def set_views(self, views: Sequence[SavedView], current: str | None) -> None:
        self._filling_views = True
        try:
            combo = self.views_combo
            combo.clear()
            combo.addItem("Saved views…", None)
            for view in views:
                combo.addItem(view.name, view.name)
                combo.setItemData(
                    combo.count() - 1,
                    f"{LEVEL_NAMES.get(view.level, view.level)} · {len(view.columns)} columns"
                    f"{' · ' + str(len(view.filters.conditions)) + ' filters' if view.filters.conditions else ''}",
                    Qt.ItemDataRole.ToolTipRole,
                )
            index = combo.findData(current) if current else 0
            combo.setCurrentIndex(max(index, 0))
        finally:
            self._filling_views = False
        self.delete_view_action.setEnabled(bool(current))
        self.delete_view_action.setText(f"Delete “{current}”" if current else "Delete view")

    def current_view(self) -> str | None:
        data = self.views_combo.currentData()
        return str(data) if data else None

    def flush_search(self) -> None:
        self._flush_search()

    # -- slots -------------------------------------------------------------------------------

    def _on_levels_level_chosen(self, level: str) -> None:
        emit(self.level_chosen, level)

    def _on_search_edit_text_changed(self, _text: str) -> None:
        self._search_timer.start()

    def _flush_search(self) -> None:
        self._search_timer.stop()
        emit(self.search_changed, self.search_edit.text())

    def _on_range_combo_activated(self, index: int) -> None:
        key = self.range_combo.itemData(index)
        if key == CUSTOM:
            first, last = (
                (self._range.first, self._range.last)
                if self._range.preset == CUSTOM
                else (None, None)
            )
            today = date.today()
            dialog = RangeDialog(first or today.replace(day=1), last or today, self)
            dialog.accepted.connect(functools.partial(self._on_range_dialog_accepted, dialog))
            dialog.rejected.connect(self._on_range_dialog_rejected)
            dialog.finished.connect(dialog.deleteLater)
            self.range_dialog = dialog
            dialog.open()
            return
        if key == "custom-current":
            return
        emit(self.range_chosen, DateRange.of(str(key)))

    def _on_range_dialog_accepted(self, dialog: RangeDialog) -> None:
        self.range_dialog = None
        try:
            window = dialog.date_range()
        except ValueError:
            self.set_date_range(self._range)
            return
        self.set_date_range(window)
        emit(self.range_chosen, window)

    def _on_range_dialog_rejected(self) -> None:
        self.range_dialog = None
        self.set_date_range(self._range)  # back to what was chosen before

    def _on_refresh_button_clicked(self, _checked: bool = False) -> None:
        emit(self.refresh_clicked)

    def _on_views_combo_activated(self, index: int) -> None:
        if self._filling_views:
            return
        name = self.views_combo.itemData(index)
        self.delete_view_action.setEnabled(bool(name))
        self.delete_view_action.setText(f"Delete “{name}”" if name else "Delete view")
        if name:
            emit(self.view_chosen, str(name))

    def _on_save_view_triggered(self, _checked: bool = False) -> None:
        emit(self.save_view_clicked)

    def _on_delete_view_triggered(self, _checked: bool = False) -> None:
        emit(self.delete_view_clicked)

    def _on_export_button_clicked(self, _checked: bool = False) -> None:
        emit(self.export_clicked)

    def _on_import_button_clicked(self, _checked: bool = False) -> None:
        emit(self.import_clicked)


def column_choices(column: Column, values: Iterable[Any]) -> list[str]:
    """The values an "is" filter offers: the column's choices, else those found in the rows."""
    if column.choices:
        return list(column.choices)
    found: dict[str, None] = {}
    for value in values:
        if value is None or value == "":
            continue
        if isinstance(value, list | tuple):
            for part in value:
                found[str(part)] = None
        else:
            found[str(value)] = None
        if len(found) > 200:
            break
    return sorted(found, key=lambda v: humanize(v).casefold())


def level_label(level: str) -> str:
    return _level_plural(level)
