"""The segments table of the Audiences page.

`SegmentItem` is plain Python (one cached segment, or one queued as a pending create) and
`SegmentsModel` shows a list of them: name, description, retention, source type, upload status,
targetable status, approximate users, and the pending change queued for it. Segments below
1,000 matched users carry a warning icon and say why in a tooltip.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QIcon

from snapdesk.changes import Change
from snapdesk.core.kinds import SEGMENT
from snapdesk.store import EntityRow
from snapdesk.ui import theme
from snapdesk.ui.formatting import humanize_enum

TARGETABLE_MIN: Final = 1_000
LIFETIME_DAYS: Final = 9999
FEW_USERS_TIP: Final = (
    "Snap needs at least 1,000 matched users before this audience can be targeted"
)
QUEUED_TIP: Final = "Queued — post it from Pending Changes"
NOTHING_UPLOADED_TIP: Final = "Nothing uploaded yet — drop a customer list on this row to add users"

NAME, DESCRIPTION, RETENTION, SOURCE, UPLOAD, TARGETABLE, USERS, PENDING = range(8)
HEADERS: Final = (
    "Name",
    "Description",
    "Retention",
    "Source",
    "Upload status",
    "Targetable",
    "Approx. users",
    "Pending",
)
CHIP_COLUMNS: Final = (UPLOAD, TARGETABLE)
CHIP_ROLE: Final = Qt.ItemDataRole.UserRole + 1  # "ok" | "warning" | "muted" | "danger" | "info"
SORT_ROLE: Final = Qt.ItemDataRole.UserRole + 2
ITEM_ROLE: Final = Qt.ItemDataRole.UserRole + 3

_CHIP_KINDS: Final = {
    "COMPLETE": "ok",
    "READY": "ok",
    "PROCESSING": "info",
    "NO_UPLOAD": "muted",
    "NOT_READY": "muted",
    "TOO_FEW_USERS": "warning",
    "FAILED": "danger",
    "QUEUED": "info",
}
_PENDING_LABELS: Final = {
    "create": "Queued: new",
    "update": "Queued: edit",
    "delete": "Queued: delete",
}


def format_retention(days: Any) -> str:
    if not isinstance(days, int):
        return "—"
    if days >= LIFETIME_DAYS:
        return "Lifetime"
    return "1 day" if days == 1 else f"{days:,} days"


def format_users(users: int | None) -> str:
    return "—" if users is None else f"{users:,}"


@dataclass(frozen=True)
class SegmentItem:
    """One row: a cached segment (`pending` is the action queued for it, if any) or a segment
    queued as a create (`queued_create`, its id is the change's temporary id)."""

    id: str
    name: str
    description: str
    retention_days: int | None
    source_type: str | None
    upload_status: str | None
    targetable_status: str | None
    users: int | None
    pending: str | None = None  # "create" | "update" | "delete"
    data: dict[str, Any] | None = None

    @property
    def queued_create(self) -> bool:
        return self.pending == "create"

    @property
    def never_uploaded(self) -> bool:
        return self.upload_status == "NO_UPLOAD"

    @property
    def few_users(self) -> bool:
        """Below Snap's targeting minimum — only said once Snap has processed the uploads: a
        never-uploaded segment is empty, not "too small", and one still PROCESSING has no final
        count yet."""
        if self.queued_create or self.users is None:
            return False
        if self.upload_status not in (None, "COMPLETE"):
            return False
        return self.users < TARGETABLE_MIN

    @classmethod
    def from_row(cls, row: EntityRow, pending: str | None = None) -> SegmentItem:
        return cls.from_object(row.id, row.data, pending=pending)

    @classmethod
    def from_object(
        cls, segment_id: str, obj: dict[str, Any], *, pending: str | None = None
    ) -> SegmentItem:
        users = obj.get("approximate_number_users")
        retention = obj.get("retention_in_days")
        return cls(
            id=segment_id,
            name=str(obj.get("name") or segment_id),
            description=str(obj.get("description") or ""),
            retention_days=retention if isinstance(retention, int) else None,
            source_type=obj.get("source_type"),
            upload_status=obj.get("upload_status"),
            targetable_status=obj.get("targetable_status"),
            users=users if isinstance(users, int) else None,
            pending=pending,
            data=dict(obj),
        )


def segment_items(rows: Iterable[EntityRow], pending: Sequence[Change]) -> list[SegmentItem]:
    """Cached segments with their queued changes applied for display, plus queued creates."""
    by_entity: dict[str, Change] = {}
    creates: list[Change] = []
    for change in pending:
        if change.kind != SEGMENT:
            continue
        if change.action == "create":
            creates.append(change)
        else:
            by_entity[change.entity_id] = change
    items = []
    for row in rows:
        queued = by_entity.get(row.id)
        if queued is None:
            items.append(SegmentItem.from_row(row))
        elif queued.action == "delete":
            items.append(SegmentItem.from_row(row, pending="delete"))
        else:
            shown = {**row.data, **(queued.after or {})}
            items.append(SegmentItem.from_object(row.id, shown, pending="update"))
    for change in creates:
        items.append(
            SegmentItem.from_object(change.entity_id, dict(change.after or {}), pending="create")
        )
    return items


class SegmentsModel(QAbstractTableModel):
    """A flat table of `SegmentItem`s; `sort` orders by any column (numbers as numbers)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._items: list[SegmentItem] = []
        self._sort: tuple[int, Qt.SortOrder] | None = None

    # -- data --------------------------------------------------------------------------------

    @property
    def items(self) -> list[SegmentItem]:
        return list(self._items)

    def set_items(self, items: Sequence[SegmentItem]) -> None:
        self.beginResetModel()
        self._items = list(items)
        if self._sort is not None:
            self._sort_items(*self._sort)
        self.endResetModel()

    def item(self, row: int) -> SegmentItem | None:
        return self._items[row] if 0 <= row < len(self._items) else None

    def row_of(self, segment_id: str) -> int:
        return next((i for i, s in enumerate(self._items) if s.id == segment_id), -1)

    # -- Qt ----------------------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._items)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(HEADERS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        if role == Qt.ItemDataRole.TextAlignmentRole and section == USERS:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if not index.isValid() or index.parent().isValid():
            return None
        item = self.item(index.row())
        if item is None:
            return None
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(item, col)
        if role == SORT_ROLE:
            return self._sort_key(item, col)
        if role == ITEM_ROLE:
            return item
        if role == CHIP_ROLE and col in CHIP_COLUMNS:
            value = self._display(item, col)
            return _CHIP_KINDS.get(str(self._raw(item, col)), "muted") if value else None
        if role == Qt.ItemDataRole.DecorationRole:
            return self._decoration(item, col)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(item, col)
        if role == Qt.ItemDataRole.TextAlignmentRole and col == USERS:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.FontRole and item.pending:
            font = QFont()
            font.setItalic(item.pending != "update" or col in (NAME, PENDING))
            font.setStrikeOut(item.pending == "delete" and col == NAME)
            return font
        if role == Qt.ItemDataRole.ForegroundRole:
            c = theme.colors()
            if col == PENDING:
                return QBrush(QColor(c.accent))
            if col == DESCRIPTION or item.pending == "delete":
                return QBrush(QColor(c.muted))
            if col == USERS and item.few_users:
                return QBrush(QColor(c.warning))
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.ItemIsDropEnabled
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(HEADERS):
            return
        self.layoutAboutToBeChanged.emit()
        self._sort = (column, order)
        self._sort_items(column, order)
        self.layoutChanged.emit()

    # -- helpers -----------------------------------------------------------------------------

    def _sort_items(self, column: int, order: Qt.SortOrder) -> None:
        self._items.sort(
            key=lambda s: self._sort_key(s, column),
            reverse=order == Qt.SortOrder.DescendingOrder,
        )

    @staticmethod
    def _raw(item: SegmentItem, col: int) -> Any:
        if col == UPLOAD:
            return "QUEUED" if item.queued_create else item.upload_status
        if col == TARGETABLE:
            return None if item.queued_create else item.targetable_status
        return None

    def _display(self, item: SegmentItem, col: int) -> str:
        if col == NAME:
            return item.name
        if col == DESCRIPTION:
            return item.description
        if col == RETENTION:
            return format_retention(item.retention_days)
        if col == SOURCE:
            return humanize_enum(item.source_type) if item.source_type else "—"
        if col in CHIP_COLUMNS:
            raw = self._raw(item, col)
            return humanize_enum(str(raw)).upper() if raw else ""
        if col == USERS:
            return "—" if item.queued_create else format_users(item.users)
        if col == PENDING:
            return _PENDING_LABELS.get(item.pending or "", "")
        return ""

    @staticmethod
    def _sort_key(item: SegmentItem, col: int) -> tuple[int, Any]:
        if col == USERS:
            return (0, item.users if item.users is not None else -1)
        if col == RETENTION:
            return (0, item.retention_days or 0)
        values = {
            NAME: item.name.casefold(),
            DESCRIPTION: item.description.casefold(),
            SOURCE: item.source_type or "",
            UPLOAD: item.upload_status or "",
            TARGETABLE: item.targetable_status or "",
            PENDING: item.pending or "",
        }
        return (0, values.get(col, ""))

    @staticmethod
    def _decoration(item: SegmentItem, col: int) -> QIcon | None:
        if col == NAME:
            return theme.icon("segment")
        if col == USERS and item.few_users:
            return theme.icon("warning")
        return None

    @staticmethod
    def _tooltip(item: SegmentItem, col: int) -> str | None:
        if col == USERS and item.few_users:
            return FEW_USERS_TIP
        if col in (USERS, UPLOAD) and item.never_uploaded and not item.pending:
            return NOTHING_UPLOADED_TIP
        if item.pending:
            return QUEUED_TIP
        if col == DESCRIPTION and item.description:
            return item.description
        if col == NAME:
            return f"{item.name}\nid {item.id}"
        return None
