"""The tables of the Conversions API page: column mapping, validation issues, send results and
Snap's validation log.

`RowsModel` is one read-only `QAbstractTableModel` over a list of plain records; what each column
shows is a `Column` (title, text, tone, monospace). The records are the Qt-free ones of
`snapdesk.conversions` and `snapdesk.changes.conversions`, so the page never copies them.

    model = RowsModel(MAPPING_COLUMNS)
    model.set_rows(result.columns)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont

from snapdesk.api.capi import CapiTestLog
from snapdesk.changes.conversions import EventResult
from snapdesk.conversions import ColumnMapping
from snapdesk.ui import theme

__all__ = [
    "ISSUE_COLUMNS",
    "LOG_COLUMNS",
    "MAPPING_COLUMNS",
    "RECORD_ROLE",
    "RESULT_COLUMNS",
    "SORT_ROLE",
    "Column",
    "RowsModel",
    "event_status",
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
MINTED: Final = "added"


def mapping_kind(mapping: ColumnMapping) -> str:
    """How a column is handled, in one word: hashed, passed through, custom_data, array,
    extinfo, ignored (or added, for the event_id snapdesk mints)."""
    if not mapping.column:
        return MINTED
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
    CUSTOM: "accent",
    ARRAY: "accent",
    EXTINFO: "accent",
    MINTED: "muted",
}


MAPPING_COLUMNS: Final = (
    Column("CSV column", lambda m: m.column or "(none)", mono=True),
    Column("Payload field", lambda m: m.target or "— not sent", mono=True),
    Column("Handling", mapping_kind, tone=lambda m: _KIND_TONES.get(mapping_kind(m)), bold=True),
    Column("Details", lambda m: m.handling),
)


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
