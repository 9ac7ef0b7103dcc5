"""The tables of the Conversions API page: column mapping, validation issues, send results and
Snap's validation log.

`RowsModel` is one read-only `QAbstractTableModel` over a list of plain records; what each column
shows is a `Column` (title, text, tone, monospace). The records are the Qt-free ones of
`snapdesk.conversions` and `snapdesk.changes.conversions`, so the page never copies them.
`MappingModel` is the mapping table: its "Sent as" column is editable (the field a column is
sent as, or "drop"), and an edit is announced with `field_chosen(column, field)`; the page
reads the file again with that mapping, and the model gets the new table.

    model = MappingModel()
    model.set_rows(result.columns)
    model.field_chosen.connect(page._on_mapping_model_field_chosen)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QFont

from snapdesk.api.capi import CapiTestLog
from snapdesk.changes.conversions import EventResult
from snapdesk.conversions import ColumnMapping
from snapdesk.conversions.aliases import (
    CUSTOM_PREFIX,
    DESCRIPTIONS,
    DROP,
    allowed_targets,
    target_group,
)
from snapdesk.ui import theme

__all__ = [
    "FIELD_COLUMN",
    "ISSUE_COLUMNS",
    "LOG_COLUMNS",
    "MAPPING_COLUMNS",
    "RECORD_ROLE",
    "RESULT_COLUMNS",
    "SORT_ROLE",
    "Column",
    "MappingModel",
    "RowsModel",
    "event_status",
    "field_choices",
    "field_label",
    "mapping_kind",
]

RECORD_ROLE: Final = Qt.ItemDataRole.UserRole + 1
SORT_ROLE: Final = Qt.ItemDataRole.UserRole + 2
Tone = str | None  # "ok", "danger", "warning", "muted", "accent" or None


@dataclass(frozen=True)
class Column:
    title: str
    text: Callable[[Any], str]
    tone: Callable[[Any], Tone] | None = None
    mono: bool = False
    bold: bool = False
    sort: Callable[[Any], Any] | None = None
    tooltip: Callable[[Any], str | None] | None = None


class RowsModel(QAbstractTableModel):
    """Read-only rows of plain records, shown through `columns`."""

    def __init__(self, columns: Sequence[Column], parent: Any = None) -> None:
        super().__init__(parent)
        self._columns = tuple(columns)
        self._rows: list[Any] = []

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[Any]:
        return list(self._rows)

    def record(self, row: int) -> Any:
        return self._rows[row]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self._columns)
        ):
            return self._columns[section].title
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        if not (0 <= index.column() < len(self._columns)):
            return None
        record = self._rows[index.row()]
        column = self._columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.text(record)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column.tooltip is not None:
                return column.tooltip(record)
            text = column.text(record)
            return text if len(text) > 40 else None
        if role == Qt.ItemDataRole.ForegroundRole and column.tone is not None:
            tone = column.tone(record)
            return QColor(_tone_color(tone)) if tone else None
        if role == Qt.ItemDataRole.FontRole and (column.mono or column.bold):
            font = QFont("DejaVu Sans Mono") if column.mono else QFont()
            if column.mono:
                font.setStyleHint(QFont.StyleHint.Monospace)
            font.setBold(column.bold)
            return font
        if role == RECORD_ROLE:
            return record
        if role == SORT_ROLE:
            return column.sort(record) if column.sort is not None else column.text(record)
        return None


def _tone_color(tone: str) -> str:
    c = theme.colors()
    return {
        "ok": c.success,
        "danger": c.danger,
        "warning": c.warning,
        "muted": c.muted,
        "accent": c.accent,
    }.get(tone, c.text)


# -- the mapping table -----------------------------------------------------------------------------

HASHED: Final = "hashed"
PASSED: Final = "passed through"
CUSTOM: Final = "custom_data"
ARRAY: Final = "array"
EXTINFO: Final = "extinfo"
IGNORED: Final = "ignored"
DROPPED: Final = "dropped"
REFUSED: Final = "refused"
MINTED: Final = "added"


def mapping_kind(mapping: ColumnMapping) -> str:
    """How a column is handled, in one word: hashed, passed through, custom_data, array,
    extinfo, ignored, dropped, refused (or added, for the event_id snapdesk mints)."""
    if not mapping.column:
        return MINTED
    if mapping.refused:
        return REFUSED
    if mapping.field == DROP:
        return DROPPED
    if not mapping.target:
        return IGNORED
    if "SHA-256" in mapping.handling:
        return HASHED
    if ".extinfo[" in mapping.target:
        return EXTINFO
    if "[" in mapping.target:
        return ARRAY
    if mapping.target.startswith("custom_data.") and not mapping.standard:
        return CUSTOM
    return PASSED


_KIND_TONES: Final = {
    HASHED: "ok",
    IGNORED: "warning",
    DROPPED: "muted",
    REFUSED: "danger",
    CUSTOM: "accent",
    ARRAY: "accent",
    EXTINFO: "accent",
    MINTED: "muted",
}


_ORIGINS: Final = {
    "alias": "recognised from the column name",
    "mapped": "chosen by you",
    "dropped": "dropped by you",
}


def _mapping_details(mapping: ColumnMapping) -> str:
    if mapping.refused:
        return mapping.refused
    origin = _ORIGINS.get(mapping.origin)
    return f"{mapping.handling} · {origin}" if origin else mapping.handling


MAPPING_COLUMNS: Final = (
    Column("CSV column", lambda m: m.column or "(none)", mono=True),
    Column("Sent as", lambda m: m.target or "— not sent", mono=True),
    Column("Handling", mapping_kind, tone=lambda m: _KIND_TONES.get(mapping_kind(m)), bold=True),
    Column(
        "Details",
        _mapping_details,
        tone=lambda m: "danger" if m.refused else None,
        tooltip=lambda m: _mapping_details(m),
    ),
)
FIELD_COLUMN: Final = 1


def field_label(field: str, *, column: str = "") -> str:
    """How the chooser names a field: "em · email, hashed", "order_id · custom_data",
    "custom_data.Notes · as it is", "drop · not sent"."""
    if field == DROP:
        return "drop · not sent"
    if field.startswith(CUSTOM_PREFIX):
        return f"{field} · as it is"
    group = target_group(field)
    words = DESCRIPTIONS.get(field)
    if group == "hashed":
        return f"{field} · {words}, hashed"
    if group == "plain":
        return f"{field} · {words}, not hashed" if words else f"{field} · not hashed"
    if group == "event":
        return f"{field} · event"
    if group == "app":
        return f"{field} · app_data"
    return f"{field} · custom_data"


def field_choices(mapping: ColumnMapping, *, source: str) -> list[tuple[str, str]]:
    """(field, label) pairs the chooser offers for `mapping`'s column, the current one first.

    A personal column (hashed now, or holding e-mail addresses or phone numbers) is offered
    the hashed user_data fields and "drop" only; any other column every field, a custom field
    under its own name, and "drop"."""
    current = mapping.field
    allowed = list(allowed_targets(personal=mapping.personal, source=source))
    if not mapping.personal:
        own = CUSTOM_PREFIX + mapping.column
        allowed.insert(len(allowed) - 1, own)
    out: list[tuple[str, str]] = []
    if current and current in allowed:
        out.append((current, field_label(current)))
    else:  # refused, or a part of a field (contents[2].id) or a column not sent (app data)
        shown = mapping.target or "not sent"
        out.append(
            (current, f"{shown} · {'refused: choose below' if mapping.refused else 'as read'}")
        )
    out += [(f, field_label(f)) for f in allowed if f != current]
    return out


class MappingModel(RowsModel):
    """The mapping table; its "Sent as" column is editable (see the module docstring)."""

    field_chosen = Signal(str, str)  # column, field ("drop" to leave the column out)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(MAPPING_COLUMNS, parent)

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        flags = super().flags(index)
        if index.isValid() and index.column() == FIELD_COLUMN and self.record(index.row()).column:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            role == Qt.ItemDataRole.EditRole
            and index.isValid()
            and index.column() == FIELD_COLUMN
            and 0 <= index.row() < self.rowCount()
        ):
            return self.record(index.row()).field
        return super().data(index, role)

    def setData(
        self,
        index: QModelIndex | QPersistentModelIndex,
        value: Any,
        role: int = Qt.ItemDataRole.EditRole,
    ) -> bool:
        """Announces the choice (the table changes when the file has been read again)."""
        if role != Qt.ItemDataRole.EditRole or not (self.flags(index) & Qt.ItemFlag.ItemIsEditable):
            return False
        mapping = self.record(index.row())
        field = str(value or "")
        if not field or field == mapping.field:
            return False
        self.field_chosen.emit(mapping.column, field)
        return True


# -- the validation report -------------------------------------------------------------------------

ISSUE_COLUMNS: Final = (
    Column("Row", lambda i: str(i.row), sort=lambda i: i.row),
    Column("Field", lambda i: i.field, mono=True),
    Column(
        "Problem",
        lambda i: i.reason if i.severity == "error" else f"warning: {i.reason}",
        tone=lambda i: "danger" if i.severity == "error" else "warning",
    ),
    Column("Value in the file", lambda i: "" if i.value is None else i.value, mono=True),
)


# -- send results ----------------------------------------------------------------------------------

_STATUS: Final = {
    "sent": ("VALID", "ok"),
    "valid": ("VALID", "ok"),
    "invalid": ("INVALID", "danger"),
    "rejected": ("INVALID", "danger"),
    "failed": ("failed", "danger"),
    "dry-run": ("dry-run", "muted"),
    "cancelled": ("cancelled", "warning"),
}
_DETAIL: Final = {
    "sent": "sent",
    "valid": "validated (test, not processed)",
    "invalid": "Snap found a problem (test)",
    "rejected": "rejected by Snap, not processed",
    "failed": "not sent",
    "dry-run": "would be sent; nothing left this computer",
    "cancelled": "cancelled before sending",
}


def event_status(result: EventResult) -> tuple[str, str]:
    """(status word, tone) of one event's outcome: VALID / INVALID / failed / dry-run / ..."""
    return _STATUS.get(result.outcome, (result.outcome, "muted"))


def _result_reason(result: EventResult) -> str:
    codes = f" [code {', '.join(result.codes)}]" if result.codes else ""
    return f"{result.reason}{codes}" if result.reason else _DETAIL.get(result.outcome, "")


RESULT_COLUMNS: Final = (
    Column("Row", lambda r: str(r.row), sort=lambda r: r.row),
    Column("event_name", lambda r: r.event_name, mono=True),
    Column("event_id", lambda r: r.event_id or "", mono=True),
    Column(
        "Status",
        lambda r: event_status(r)[0],
        tone=lambda r: event_status(r)[1],
        bold=True,
    ),
    Column(
        "Reason",
        _result_reason,
        tone=lambda r: "danger" if r.outcome in ("invalid", "rejected", "failed") else "muted",
    ),
)


# -- Snap's validation log (test mode) -------------------------------------------------------------


def _log_time(entry: CapiTestLog) -> str:
    """Snap's event_time (epoch milliseconds or seconds) as a UTC date and time."""
    text = (entry.event_time or "").strip()
    if not text.isdigit():
        return text
    number = int(text)
    seconds = number / 1000 if len(text) >= 13 else number
    try:
        return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    except (OverflowError, OSError, ValueError):
        return text


def _log_status_tone(entry: CapiTestLog) -> Tone:
    return "ok" if entry.status.upper() == "VALID" else "danger"


LOG_COLUMNS: Final = (
    Column("Status", lambda e: e.status, tone=_log_status_tone, bold=True),
    Column("event_name", lambda e: e.event_name, mono=True),
    Column("event_time", _log_time, mono=True),
    Column("action_source", lambda e: e.action_source or ""),
    Column(
        "Errors and warnings",
        lambda e: "; ".join([*e.errors, *(f"warning: {w}" for w in e.warnings)]),
        tone=lambda e: "danger" if e.errors else ("warning" if e.warnings else None),
    ),
)
