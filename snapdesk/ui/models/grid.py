"""`GridModel`: the editor grid's table of campaigns, ad squads or ads (`snapdesk.grid` rows).

The model holds every row of the scope and shows a filtered, sorted list of them itself (an
index list computed by `snapdesk.grid.query` from cached per-column keys), not through a
QSortFilterProxyModel, which costs seconds at 50,000 rows. Sorting and filtering are layout
changes that move persistent indexes by entity id, so the selection, the current cell and the
scroll position survive them, and a reload of the rows too.

    model = GridModel(AD_SQUAD)
    model.set_rows(load_rows(store, AD_SQUAD, scope))
    model.set_filter(FilterSpec("spring"))
    model.sort(model.column_of("stats_spend"), Qt.SortOrder.DescendingOrder)
    model.set_edit_handler(lambda rows, column, value: None)   # returns an error or None
    model.index_for(entity_id, "daily_budget")

Roles: Display (the cell as shown), Edit (the text a user edits: "75.00", "2026-03-17 04:26"
in the account's zone, enums as the API spells them), ToolTip ("Was: £45.00 → now £49.50
(pending)", the Check changes findings), TextAlignment (numbers right), Decoration on the name
column (the pending mark + Δ −), Foreground/Font (new rows green, deleted rows red and struck
out), Background (edited cells, cells with a check error or warning; light and dark themes),
`ROW_ROLE` (the `GridRow`) and `ISSUE_ROLE` (the cell's `CheckIssue`s).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Final, cast

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QPointF,
    QRectF,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont, QIcon, QPainter, QPen, QPixmap

from snapdesk.changes.model import CheckIssue
from snapdesk.core.kinds import CAMPAIGN
from snapdesk.core.validation import entity_field
from snapdesk.grid.columns import COLUMNS, Column, columns_for, default_visible, format_local
from snapdesk.grid.perf import Perf
from snapdesk.grid.query import FilterSpec, RowCache, apply
from snapdesk.grid.rows import MARK_CREATE, MARK_DELETE, MARK_UPDATE, GridRow, base_row
from snapdesk.ui import theme
from snapdesk.ui._signals import emit

__all__ = ["ISSUE_ROLE", "ROW_ROLE", "EditHandler", "GridModel", "edit_text"]

ROW_ROLE: Final = Qt.ItemDataRole.UserRole + 1
ISSUE_ROLE: Final = Qt.ItemDataRole.UserRole + 2

EditHandler = Callable[[list[GridRow], Column, Any], "str | None"]
Index = QModelIndex | QPersistentModelIndex

MARK_WORDS: Final = {MARK_CREATE: "new", MARK_UPDATE: "edited", MARK_DELETE: "to be deleted"}
BUDGET_FIELDS: Final = frozenset(
    {"daily_budget_micro", "lifetime_budget_micro", "lifetime_spend_cap_micro"}
)
# The data fields a read-only or derived column shows (an editable column shows its `field`).
_SHOWN_FIELDS: Final[dict[str, frozenset[str]]] = {
    "budget": BUDGET_FIELDS,
    "budget_type": BUDGET_FIELDS,
    "delivery_status": frozenset({"delivery_status"}),
    "objective": frozenset({"objective", "objective_v2_properties"}),
    "placement": frozenset({"placement_v2", "placement"}),
    "type": frozenset({"type"}),
    "review_status": frozenset({"review_status"}),
    "creative": frozenset({"creative_id"}),
}
_RIGHT: Final = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_LEFT: Final = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
_ENABLED: Final = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
# PySide6 picks a signal's argument-less overload for `.emit(...)`; the hint needs the full one.
_PERSISTENT_LIST: Final = "QList<QPersistentModelIndex>"
_HINT: Final = QAbstractItemModel.LayoutChangeHint


def shown_fields(column: Column) -> frozenset[str]:
    """The row data fields a column's cell depends on."""
    known = _SHOWN_FIELDS.get(column.key)
    if known is not None:
        return known
    if column.field:
        return frozenset({column.field})
    return frozenset()


def edit_text(row: GridRow, column: Column) -> str:
    """What a user edits in the cell: money plain in units ("75.00"), times in the account's
    zone ("2026-03-17 04:26"), enums as the API spells them, targeting as JSON."""
    value = column.value(row)
    if value is None or value == "":
        return ""
    kind = column.type
    if kind == "datetime":
        return format_local(value, row.account.timezone)
    if kind in ("money", "percent", "ratio", "count"):
        return column.export_text(row)
    if kind == "json":
        return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    if kind == "list":
        return "; ".join(str(v) for v in value)
    return str(value)


def _mix(color: str, base: str, amount: float) -> QColor:
    a, b = QColor(color), QColor(base)
    return QColor(
        round(a.red() * amount + b.red() * (1 - amount)),
        round(a.green() * amount + b.green() * (1 - amount)),
        round(a.blue() * amount + b.blue() * (1 - amount)),
    )


class _Look:
    """Brushes, fonts and mark icons of the current theme (rebuilt when it changes)."""

    def __init__(self, colors: theme.Colors) -> None:
        self.colors = colors
        c = colors
        self.edited = QBrush(_mix(c.accent, c.base, 0.14))
        self.created = QBrush(_mix(c.success, c.base, 0.10))
        self.error = QBrush(_mix(c.danger, c.base, 0.20))
        self.warning = QBrush(_mix(c.warning, c.base, 0.22))
        self.success = QBrush(QColor(c.success))
        self.danger = QBrush(QColor(c.danger))
        self.struck = QFont()
        self.struck.setStrikeOut(True)
        self.statuses = {"ACTIVE": theme.icon("active"), "PAUSED": theme.icon("paused")}
        self.icons = {
            "": _mark_icon("", c),
            MARK_CREATE: _mark_icon(MARK_CREATE, c),
            MARK_UPDATE: _mark_icon(MARK_UPDATE, c),
            MARK_DELETE: _mark_icon(MARK_DELETE, c),
        }


def _mark_icon(mark: str, c: theme.Colors) -> QIcon:
    """A small badge with the mark in its colour (transparent when there is none, so names
    line up)."""
    icon = QIcon()
    color = {MARK_CREATE: c.success, MARK_UPDATE: c.accent, MARK_DELETE: c.danger}.get(mark)
    for scale in (1, 2, 3):
        pixmap = QPixmap(16 * scale, 16 * scale)
        pixmap.fill(Qt.GlobalColor.transparent)
        pixmap.setDevicePixelRatio(scale)
        if color is not None:
            painter = QPainter(pixmap)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(_mix(color, c.base, 0.18))
            painter.drawRoundedRect(QRectF(0.5, 1.5, 15, 13), 3.5, 3.5)
            painter.setPen(QPen(QColor(color), 1.7))
            if mark in (MARK_CREATE, MARK_DELETE):
                painter.drawLine(QPointF(4.5, 8), QPointF(11.5, 8))
            if mark == MARK_CREATE:
                painter.drawLine(QPointF(8, 4.5), QPointF(8, 11.5))
            if mark == MARK_UPDATE:
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawPolygon([QPointF(8, 4.2), QPointF(12.2, 11.6), QPointF(3.8, 11.6)])
            painter.end()
        icon.addPixmap(pixmap)
    return icon


_look: _Look | None = None


def _current_look() -> _Look:
    global _look
    colors = theme.colors()
    if _look is None or _look.colors is not colors:
        _look = _Look(colors)
    return _look


class GridModel(QAbstractTableModel):
    """Signals: `shown_changed()` after the shown rows changed (rows, filter, sort, columns):
    the totals and the empty states redraw from it; `perf_changed()` after performance
    numbers were set."""

    shown_changed = Signal()
    perf_changed = Signal()

    def __init__(self, level: str = CAMPAIGN, parent: Any = None) -> None:
        super().__init__(parent)
        self._level = level
        self._rows: list[GridRow] = []
        self._cache = RowCache(self._rows)
        self._order: list[int] = []
        self._view_rows: dict[int, int] | None = None
        self._positions: dict[str, int] = {}
        self._columns: list[Column] = [COLUMNS[k] for k in default_visible(level)]
        self._spec = FilterSpec()
        self._sort: tuple[str, bool] | None = None
        self._issues: dict[str, dict[str, list[CheckIssue]]] = {}
        self._issue_list: list[CheckIssue] = []  # as given: mapped to cells again per level
        self._severities: dict[str, set[str]] = {}
        self._handler: EditHandler | None = None
        self.last_error: str | None = None

    # -- the API used by the grid view and grid editing ------------------------------------

    @property
    def level(self) -> str:
        return self._level

    def set_level(self, level: str) -> None:
        """Show another level: no rows until `set_rows`, its default columns, and the filter
        and sort kept where the level has their columns."""
        self.beginResetModel()
        self._level = level
        self._map_issues()  # a finding sits in the column of its field at this level
        self._rows = []
        self._cache = RowCache(self._rows)
        self._positions = {}
        allowed = {c.key for c in columns_for(level)}
        self._columns = [COLUMNS[k] for k in default_visible(level)]
        self._spec = FilterSpec(
            self._spec.text,
            tuple(c for c in self._spec.conditions if not c.column or c.column in allowed),
        )
        if self._sort is not None and self._sort[0] not in allowed:
            self._sort = None
        self._order = []
        self._view_rows = None
        self.endResetModel()
        emit(self.shown_changed)

    def set_rows(self, rows: list[GridRow]) -> None:
        """Replace every row (a reload): the filter and sort apply again, and the selection
        and current cell stay on the same entities where they are still shown."""
        self._replace(rows, None)

    def update_rows(self, rows: Iterable[GridRow], removed: Iterable[str] = ()) -> None:
        """Replace the rows of these entities (adding new ones at the end) and drop `removed`
        ones, recomputing only them (a pending change touched a few rows)."""
        fresh = {row.id: row for row in rows}
        gone = set(removed) - set(fresh)
        merged: list[GridRow] = []
        for row in self._rows:
            if row.id in gone:
                continue
            replacement = fresh.pop(row.id, None)
            if replacement is not None:
                if replacement.perf is None:
                    replacement.perf = row.perf
                merged.append(replacement)
            else:
                merged.append(row)
        merged.extend(fresh.values())
        changed = {row.id for row in rows} | gone
        self._replace(merged, changed)

    def row_at(self, view_row: int) -> GridRow:
        return self._rows[self._order[view_row]]

    def column_at(self, view_column: int) -> Column:
        return self._columns[view_column]

    def visible_columns(self) -> list[Column]:
        return list(self._columns)

    def column_of(self, key: str) -> int:
        """The view column showing `key`, or -1."""
        return next((i for i, c in enumerate(self._columns) if c.key == key), -1)

    def set_columns(self, keys: Sequence[str]) -> None:
        """Show these columns in this order (keys this level doesn't have are ignored)."""
        allowed = {c.key for c in columns_for(self._level)}
        columns = [COLUMNS[k] for k in dict.fromkeys(keys) if k in allowed]
        if not columns:
            columns = [COLUMNS[k] for k in default_visible(self._level)]
        if [c.key for c in columns] == [c.key for c in self._columns]:
            return
        self.beginResetModel()
        self._columns = columns
        self.endResetModel()
        emit(self.shown_changed)

    def index_for(self, entity_id: str, column_key: str | None = None) -> QModelIndex:
        """The cell of `entity_id` in `column_key` (the first column when None); invalid when a
        filter hides the row, the column is hidden, or there is no such row."""
        position = self._positions.get(entity_id)
        if position is None:
            return QModelIndex()
        view_row = self._view_row_map().get(position)
        if view_row is None:
            return QModelIndex()
        column = 0 if column_key is None else self.column_of(column_key)
        if column < 0:
            return QModelIndex()
        return self.index(view_row, column)

    def rows(self) -> list[GridRow]:
        """The shown rows, in view order."""
        rows = self._rows
        return [rows[p] for p in self._order]

    def all_rows(self) -> list[GridRow]:
        """Every row of the scope, filtered out or not, in load order."""
        return list(self._rows)

    def row_for(self, entity_id: str) -> GridRow | None:
        position = self._positions.get(entity_id)
        return None if position is None else self._rows[position]

    def adopt(self, prepared: RowCache) -> bool:
        """Take the performance columns' values, keys and ranks computed in `prepared`, a
        cache over these rows or rows standing in for them (same ids, same order, the very
        same figures), computed a slice at a time while the user looked. False (nothing taken)
        when the rows or figures changed meanwhile."""
        rows = self._rows
        if len(prepared.rows) != len(rows) or not all(
            a.id == b.id and a.perf is b.perf for a, b in zip(prepared.rows, rows, strict=True)
        ):
            return False
        for column in COLUMNS.values():
            if column.performance:
                self._cache.adopt(column, prepared)
        return True

    def warm(self, key: str | None) -> None:
        """Compute ahead what sorting by column `key` (None: what the free-text search) needs,
        so the user's click finds it ready (the grid calls this while idle)."""
        if key is None:
            self._cache.text()
        elif key in COLUMNS:
            self._cache.ranks(COLUMNS[key])

    def is_shown(self, entity_id: str) -> bool:
        position = self._positions.get(entity_id)
        return position is not None and position in self._view_row_map()

    def set_edit_handler(self, handler: EditHandler | None) -> None:
        self._handler = handler

    # -- filter and sort ---------------------------------------------------------------------

    @property
    def filter_spec(self) -> FilterSpec:
        return self._spec

    def set_filter(self, spec: FilterSpec) -> None:
        if spec == self._spec:
            return
        self._spec = spec
        self._relayout()

    @property
    def sort_key(self) -> tuple[str, bool] | None:
        """(column key, descending) or None (load order)."""
        return self._sort

    def set_sort(self, key: str | None, descending: bool = False) -> None:
        wanted = None if key is None or key not in COLUMNS else (key, descending)
        if wanted == self._sort:
            return
        self._sort = wanted
        self._relayout(sort_only=True)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Qt's entry point (the header): -1 restores the load order."""
        if column < 0 or column >= len(self._columns):
            self.set_sort(None)
            return
        self.set_sort(self._columns[column].key, order == Qt.SortOrder.DescendingOrder)

    @property
    def total_count(self) -> int:
        return len(self._rows)

    @property
    def shown_count(self) -> int:
        return len(self._order)

    # -- performance and check findings ------------------------------------------------------

    def set_perf(self, perf: Mapping[str, Perf], *, complete: bool = True) -> None:
        """Give rows their performance (`complete`: rows absent from `perf` have none)."""
        for row in self._rows:
            found = perf.get(row.id)
            if found is not None or complete:
                row.perf = found
        self._cache.forget(performance=True)
        if self._uses_performance():
            self._relayout()
        elif self._order:
            columns = [i for i, c in enumerate(self._columns) if c.performance]
            if columns:
                top = self.index(0, min(columns))
                bottom = self.index(len(self._order) - 1, max(columns))
                self.dataChanged.emit(top, bottom, [Qt.ItemDataRole.DisplayRole])
            emit(self.shown_changed)
        emit(self.perf_changed)

    def estimates_changed(self, rows: Iterable[GridRow]) -> None:
        """Rows got Snap's audience size / bid estimates (`row.reach`, `row.bid`): repaint
        those cells and the targeting summary, which mentions the audience size."""
        changed = {row.id for row in rows}
        if not changed:
            return
        keys = ("audience_size", "suggested_bid", "targeting")
        self._cache.forget(keys=keys)
        columns = [i for i, c in enumerate(self._columns) if c.key in keys]
        if not columns:
            return
        for view_row, position in enumerate(self._order):
            if self._rows[position].id in changed:
                for column in columns:
                    index = self.index(view_row, column)
                    self.dataChanged.emit(index, index, [Qt.ItemDataRole.DisplayRole])

    def set_issues(self, issues: Iterable[CheckIssue]) -> None:
        """Check changes' findings: each marks its entity's cell of the field's column (the
        Budget column for any budget field; the name when no column shows the field)."""
        self._issue_list = list(issues)
        self._map_issues()
        if any(c.op in ("check_error", "check_warning") for c in self._spec.conditions):
            self._relayout()
        elif self._order:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self._order) - 1, len(self._columns) - 1)
            )

    def _map_issues(self) -> None:
        """The findings by entity and by the current level's column that shows their field."""
        by_entity: dict[str, dict[str, list[CheckIssue]]] = {}
        severities: dict[str, set[str]] = {}
        columns = columns_for(self._level)
        for issue in self._issue_list:
            field = entity_field(issue.field)  # targeting.geos sits in Targeting
            keys = [c.key for c in columns if c.field == field]
            if field in BUDGET_FIELDS:
                keys.append("budget")
            if not keys:
                keys = ["name"]
            cells = by_entity.setdefault(issue.entity_id, {})
            for key in keys:
                cells.setdefault(key, []).append(issue)
            severities.setdefault(issue.entity_id, set()).add(issue.severity)
        self._issues = by_entity
        self._severities = severities

    def issues_of(self, entity_id: str, column_key: str | None = None) -> list[CheckIssue]:
        cells = self._issues.get(entity_id) or {}
        if column_key is not None:
            return list(cells.get(column_key) or ())
        return [i for found in cells.values() for i in found]

    @property
    def severities(self) -> Mapping[str, set[str]]:
        return self._severities

    # -- QAbstractTableModel -----------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._order)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._columns)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        column = self._columns[index.column()]
        if column.editable and self.row_at(index.row()).mark != MARK_DELETE:
            return _ENABLED | Qt.ItemFlag.ItemIsEditable
        return _ENABLED

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[self._order[index.row()]]
        column = self._columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.display(row)
        if role == Qt.ItemDataRole.EditRole:
            return edit_text(row, column)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if column.numeric else _LEFT
        if role == Qt.ItemDataRole.BackgroundRole:
            return self._background(row, column)
        if role == Qt.ItemDataRole.ForegroundRole:
            if row.mark == MARK_DELETE:
                return _current_look().danger
            if row.mark == MARK_CREATE and column.key == "name":
                return _current_look().success
            return None
        if role == Qt.ItemDataRole.FontRole:
            return _current_look().struck if row.mark == MARK_DELETE else None
        if role == Qt.ItemDataRole.DecorationRole:
            if column.key == "name":
                return _current_look().icons[row.mark if row.mark in MARK_WORDS else ""]
            if column.key == "status":
                return _current_look().statuses.get(str(row.data.get("status") or ""))
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, column)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            text = column.display(row)
            if column.key == "name" and row.mark in MARK_WORDS:
                return f"{text} ({MARK_WORDS[row.mark]}, pending)"
            return text
        if role == ROW_ROLE:
            return row
        if role == ISSUE_ROLE:
            return self.issues_of(row.id, column.key)
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or role != Qt.ItemDataRole.EditRole:
            return False
        row = self.row_at(index.row())
        column = self._columns[index.column()]
        if not (self.flags(index) & Qt.ItemFlag.ItemIsEditable):
            self.last_error = f"{column.header} can't be edited here"
            return False
        if self._handler is None:
            self.last_error = "Editing is not available here"
            return False
        error = self._handler([row], column, value)
        if error:
            self.last_error = str(error)
            return False
        self.last_error = None
        self.dataChanged.emit(index, index)
        return True

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self._columns):
            return None
        column = self._columns[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.header
        if role == Qt.ItemDataRole.ToolTipRole:
            return column.tip or column.header
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if column.numeric else _LEFT
        return None

    # -- internals -------------------------------------------------------------------------

    def _background(self, row: GridRow, column: Column) -> QBrush | None:
        cells = self._issues.get(row.id)
        if cells:
            found = cells.get(column.key)
            if found:
                look = _current_look()
                return look.error if any(i.is_error for i in found) else look.warning
        if row.mark == MARK_CREATE:
            return _current_look().created
        if row.mark == MARK_UPDATE and row.changed and shown_fields(column) & row.changed:
            return _current_look().edited
        return None

    def _tooltip(self, row: GridRow, column: Column) -> str | None:
        lines: list[str] = []
        for issue in self.issues_of(row.id, column.key):
            word = "Error" if issue.is_error else "Warning"
            lines.append(f"{word}: {issue.message}")
            if issue.remedy:
                lines.append(issue.remedy)
        if row.mark == MARK_UPDATE and shown_fields(column) & row.changed:
            old = column.display(base_row(row)) or "(empty)"
            new = column.display(row) or "(empty)"
            if old != new:
                lines.append(f"Was: {old} → now {new} (pending)")
        elif row.mark == MARK_CREATE and column.key == "name":
            lines.append("New — not on Snap until you post it (pending)")
        elif row.mark == MARK_DELETE and column.key == "name":
            lines.append("Will be deleted when you post (pending)")
        if not lines and column.type in ("text", "json", "list"):
            text = column.display(row)
            return text if len(text) > 28 else None
        return "\n".join(lines) or None

    def _uses_performance(self) -> bool:
        sort = self._sort
        if sort is not None and COLUMNS[sort[0]].performance:
            return True
        return any(
            c.column and COLUMNS.get(c.column) is not None and COLUMNS[c.column].performance
            for c in self._spec.conditions
        )

    def _view_row_map(self) -> dict[int, int]:
        if self._view_rows is None:
            self._view_rows = {p: i for i, p in enumerate(self._order)}
        return self._view_rows

    def _compute_order(self) -> list[int]:
        rows = self._rows
        if self._spec.is_empty:
            order = list(range(len(rows)))
        else:
            order = apply(rows, self._spec, issues=self._severities, cache=self._cache)
        if self._sort is not None:
            key, descending = self._sort
            up, down = self._cache.ranks(COLUMNS[key])
            order.sort(key=(down if descending else up).__getitem__)
        return order

    def _replace(self, rows: list[GridRow], changed: set[str] | None) -> None:
        if changed is None:
            cache = RowCache(rows)
        else:
            cache = self._cache.replaced(rows, changed)
        self._relayout(rows=rows, cache=cache)

    def _relayout(
        self,
        *,
        rows: list[GridRow] | None = None,
        cache: RowCache | None = None,
        sort_only: bool = False,
    ) -> None:
        hint = (
            QAbstractItemModel.LayoutChangeHint.VerticalSortHint
            if sort_only
            else QAbstractItemModel.LayoutChangeHint.NoLayoutChangeHint
        )
        # cast: a SignalInstance picks an overload with `[types]` at runtime; its stub declares
        # no __getitem__.
        emit(cast(Any, self.layoutAboutToBeChanged)[_PERSISTENT_LIST, _HINT], [], hint)
        persistent = self.persistentIndexList()
        held = [
            (self._rows[self._order[i.row()]].id, i.column())
            if 0 <= i.row() < len(self._order)
            else (None, -1)
            for i in persistent
        ]
        if rows is not None:
            self._rows = rows
            self._cache = cache if cache is not None else RowCache(rows)
            self._positions = {row.id: i for i, row in enumerate(rows)}
        self._order = self._compute_order()
        self._view_rows = None
        if persistent:
            view_rows = self._view_row_map()
            moved = []
            for entity_id, column in held:
                position = self._positions.get(entity_id) if entity_id is not None else None
                view_row = view_rows.get(position) if position is not None else None
                if view_row is None or column < 0:
                    moved.append(QModelIndex())
                else:
                    moved.append(self.index(view_row, column))
            self.changePersistentIndexList(persistent, moved)
        emit(cast(Any, self.layoutChanged)[_PERSISTENT_LIST, _HINT], [], hint)
        emit(self.shown_changed)
