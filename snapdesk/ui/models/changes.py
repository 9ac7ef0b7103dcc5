"""Models of the pending change set and the audit log, and the helpers views share to show a
change: its state, its per-field diff with money formatted, and its exact request."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QColor, QFont

from snapdesk.changes import (
    CREATE,
    DELETE,
    FAILED,
    OPEN_STATES,
    PAUSE,
    RESUME,
    SENDING,
    UPLOAD_MEDIA,
    AuditEntry,
    Change,
    ChangeError,
    EditService,
)
from snapdesk.changes.model import UPDATE_ACTIONS
from snapdesk.changes.repository import load_changes
from snapdesk.changes.requests import writable
from snapdesk.core.kinds import AD_ACCOUNT, LABEL
from snapdesk.core.money import format_money
from snapdesk.core.validation import field_label as validation_field_label
from snapdesk.store import Store
from snapdesk.ui import audit_rows, theme
from snapdesk.ui.formatting import format_time_in_zone

_Index = QModelIndex | QPersistentModelIndex

# Google Ads Editor's change-state vocabulary.
ADDED: Final = "+"
EDITED: Final = "Δ"
DELETED: Final = "−"

STATE_LABEL: Final = {
    "pending": "Pending",
    "sending": "Sending",
    "posted": "Posted",
    "failed": "Failed",
    "conflict": "Conflict",
    "unknown": "May have been created",
    "reverted": "Reverted",
}

ACTION_LABEL: Final = {
    CREATE: "Create",
    "update": "Edit",
    PAUSE: "Pause",
    RESUME: "Resume",
    DELETE: "Delete",
    UPLOAD_MEDIA: "Upload file",
}

TIME_FIELDS: Final = frozenset({"start_time", "end_time"})


# ---------------------------------------------------------------------------- entity state


@dataclass(frozen=True)
class EntityState:
    """An entity as the user sees it: the cached copy with pending edits applied."""

    kind: str
    entity_id: str
    ad_account_id: str
    current: dict[str, Any]
    before: dict[str, Any] | None  # the writable server copy (None for a new entity)
    new: bool = False
    deleted: bool = False
    pending: tuple[Change, ...] = ()


def entity_state(edits: EditService, kind: str, entity_id: str) -> EntityState:
    store = edits.store
    changes = edits.repository.read(
        lambda c: load_changes(c, states=OPEN_STATES, entity_id=entity_id)
    )
    create = next((c for c in changes if c.action == CREATE), None)
    if create is not None:
        return EntityState(
            kind=create.kind,
            entity_id=entity_id,
            ad_account_id=create.ad_account_id,
            current=dict(create.after or {}),
            before=None,
            new=True,
            pending=tuple(changes),
        )
    row = store.get(kind, entity_id)
    if row is None or row.ad_account_id is None:
        raise ChangeError(f"{entity_id} is not in the local cache — sync the ad account first")
    before = writable(kind, row.data)
    update = next((c for c in changes if c.action in UPDATE_ACTIONS and c.after is not None), None)
    return EntityState(
        kind=kind,
        entity_id=entity_id,
        ad_account_id=row.ad_account_id,
        current=dict(update.after) if update and update.after is not None else dict(before),
        before=before,
        deleted=any(c.action == DELETE for c in changes),
        pending=tuple(changes),
    )


def change_state(change: Change) -> str:
    """pending / sending / posted / failed / conflict / unknown / reverted. "unknown": a create
    whose last attempt may have reached Snap; the next post looks for it there first."""
    if change.is_open and change.conflicts:
        return "conflict"
    if change.outcome_unknown:
        return "unknown"
    return change.state


def change_mark(action: str) -> str:
    if action == CREATE:
        return ADDED
    if action == DELETE:
        return DELETED
    return EDITED


def change_marks(changes: Sequence[Change]) -> dict[str, str]:
    """Entity id → +/Δ/− for every entity with an unposted change (a delete wins)."""
    marks: dict[str, str] = {}
    for change in changes:
        mark = change_mark(change.action)
        if marks.get(change.entity_id) in (ADDED, DELETED):
            continue
        marks[change.entity_id] = mark
    return marks


# ---------------------------------------------------------------------------- formatting


def format_value(field_name: str, value: Any, *, currency: str | None, timezone: str | None) -> str:
    """A field's value as a person reads it: money in the currency, times in the zone."""
    if value is None:
        return "—"
    if field_name.endswith("_micro") and isinstance(value, int) and currency:
        try:
            return format_money(value, currency)
        except ValueError:
            return str(value)
    if field_name in TIME_FIELDS and isinstance(value, str):
        return format_time_in_zone(value, timezone)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def field_label(name: str) -> str:
    return validation_field_label(name)  # "Targeting · Locations" for targeting.geos


def request_preview(change: Change, *, api_prefix: str = "/v1") -> str:
    """The request exactly as it will be sent: method, path, Idempotency-Key, JSON body."""
    request = change.sent_request or change.request
    lines = [request.describe(api_prefix), f"Idempotency-Key: {change.idempotency_key}"]
    if request.upload is not None:
        upload = request.upload
        size = int(upload.get("file_size") or 0)
        lines.append("Content-Type: multipart/form-data")
        lines.append("")
        lines.append(
            f"file = {upload.get('file_name')} ({size:,} bytes, {upload.get('content_type')})"
        )
        lines.append(f"from {upload.get('file_path')}")
        if size > 32 * 1024 * 1024:
            lines.append(
                "Larger than 32 MB: sent in 25 MB chunks (multipart-upload-v2 INIT → ADD → "
                "FINALIZE), then polled until Snap reports READY"
            )
        return "\n".join(lines)
    if request.body is not None:
        lines.append("Content-Type: application/json")
        lines.append("")
        lines.append(json.dumps(request.body, indent=2, ensure_ascii=False))
    if change.depends_on and "$ref:" in "\n".join(lines):
        lines.append("")
        lines.append("$ref:… is replaced by the id Snap gives the item this change depends on.")
    return "\n".join(lines)


# ---------------------------------------------------------------------------- pending model


ACCOUNT: Final = "account"
ENTITY: Final = "entity"
CHANGE: Final = "change"

COLUMNS: Final = ("Change", "State", "What changes")
STATE_COLUMN: Final = 1

CHANGES_ROLE: Final = Qt.ItemDataRole.UserRole + 11
ROW_KIND_ROLE: Final = Qt.ItemDataRole.UserRole + 12


@dataclass(eq=False)
class _Row:
    kind: str
    key: str
    label: str
    changes: list[Change] = field(default_factory=list)
    children: list[_Row] = field(default_factory=list)
    parent: _Row | None = None
    row: int = 0
    entity_kind: str | None = None
    mark: str = ""


_STATE_RANK: Final = {"conflict": 0, "unknown": 1, FAILED: 2, SENDING: 3, "pending": 4}


class PendingChangesModel(QAbstractItemModel):
    """Pending changes grouped by ad account, then entity; an entity with several changes (a
    media record and its upload) lists them underneath."""

    def __init__(self, store: Store, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._root = _Row(kind="root", key="", label="")
        self._changes: list[Change] = []

    # -- public API ------------------------------------------------------------------------

    @property
    def changes(self) -> list[Change]:
        return list(self._changes)

    def set_changes(self, changes: Sequence[Change]) -> None:
        self.beginResetModel()
        self._changes = list(changes)
        self._root = self._build(self._changes)
        self.endResetModel()

    def changes_at(self, index: _Index) -> list[Change]:
        row = self._row(index)
        if row is None:
            return []
        if row.kind == ACCOUNT:
            return [c for child in row.children for c in child.changes]
        return list(row.changes)

    def row_kind(self, index: _Index) -> str | None:
        row = self._row(index)
        return row.kind if row else None

    def index_of_change(self, change_id: str) -> QModelIndex:
        for account in self._root.children:
            for entity in account.children:
                if any(c.id == change_id for c in entity.changes):
                    if entity.children:
                        for child in entity.children:
                            if child.changes[0].id == change_id:
                                return self.createIndex(child.row, 0, child)
                    return self.createIndex(entity.row, 0, entity)
        return QModelIndex()

    # -- building --------------------------------------------------------------------------

    def _build(self, changes: list[Change]) -> _Row:
        root = _Row(kind="root", key="", label="")
        accounts: dict[str, _Row] = {}
        entities: dict[tuple[str, str], _Row] = {}
        for change in changes:
            account = accounts.get(change.ad_account_id)
            if account is None:
                row = self._store.ad_account(change.ad_account_id)
                name = row.name if row and row.name else change.ad_account_id
                account = _Row(kind=ACCOUNT, key=change.ad_account_id, label=name, parent=root)
                account.row = len(root.children)
                root.children.append(account)
                accounts[change.ad_account_id] = account
            key = (change.ad_account_id, change.entity_id)
            entity = entities.get(key)
            if entity is None:
                entity = _Row(
                    kind=ENTITY,
                    key=change.entity_id,
                    label=change.label or change.entity_id,
                    parent=account,
                    entity_kind=change.kind,
                )
                entity.row = len(account.children)
                account.children.append(entity)
                entities[key] = entity
            entity.changes.append(change)
        for entity in entities.values():
            marks = [change_mark(c.action) for c in entity.changes]
            entity.mark = DELETED if DELETED in marks else ADDED if ADDED in marks else EDITED
            if len(entity.changes) > 1:
                for n, change in enumerate(entity.changes):
                    entity.children.append(
                        _Row(
                            kind=CHANGE,
                            key=change.id,
                            label=ACTION_LABEL.get(change.action, change.action),
                            changes=[change],
                            parent=entity,
                            row=n,
                            entity_kind=change.kind,
                            mark=change_mark(change.action),
                        )
                    )
        return root

    # -- Qt interface ----------------------------------------------------------------------

    def _row(self, index: _Index) -> _Row | None:
        if not index.isValid():
            return None
        row = index.internalPointer()
        return row if isinstance(row, _Row) else None

    def index(self, row: int, column: int, parent: _Index = QModelIndex()) -> QModelIndex:
        owner = self._row(parent) or self._root
        if 0 <= row < len(owner.children) and 0 <= column < len(COLUMNS):
            return self.createIndex(row, column, owner.children[row])
        return QModelIndex()

    def parent(self, index: _Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]
        row = self._row(index)
        if row is None or row.parent is None or row.parent is self._root:
            return QModelIndex()
        return self.createIndex(row.parent.row, 0, row.parent)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:
        if parent.isValid() and parent.column() != 0:
            return 0
        return len((self._row(parent) or self._root).children)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:
        return len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section] if 0 <= section < len(COLUMNS) else None
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = self._row(index)
        if row is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, column)
        if role == Qt.ItemDataRole.DecorationRole and column == 0:
            if row.kind == ACCOUNT:
                return theme.icon(AD_ACCOUNT)
            if row.kind == ENTITY and row.entity_kind:
                return theme.icon(row.entity_kind)
            return None
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._foreground(row, column)
        if role == Qt.ItemDataRole.FontRole and column == 0 and row.kind != CHANGE:
            font = QFont()
            font.setBold(True)  # bold = not posted yet (Google Ads Editor's convention)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row)
        if role == CHANGES_ROLE:
            return self.changes_at(index)
        if role == ROW_KIND_ROLE:
            return row.kind
        return None

    def _state(self, row: _Row) -> str:
        changes = row.changes or [c for child in row.children for c in child.changes]
        states = [change_state(c) for c in changes]
        return min(states, key=lambda s: _STATE_RANK.get(s, 9)) if states else ""

    def _text(self, row: _Row, column: int) -> str:
        if row.kind == ACCOUNT:
            if column == 0:
                n = len(row.children)
                return f"{row.label}  ({n} item{'s' if n != 1 else ''})"
            return ""
        if column == 0:
            if row.kind == ENTITY:
                noun = LABEL.get(row.entity_kind or "", row.entity_kind or "")
                return f"{row.mark}  {noun} · {row.label}"
            return f"{row.mark}  {row.label}"
        if column == STATE_COLUMN:
            return STATE_LABEL.get(self._state(row), self._state(row))
        if row.kind == ENTITY and len(row.changes) > 1:
            return " · ".join(ACTION_LABEL.get(c.action, c.action) for c in row.changes)
        change = row.changes[0]
        if (change.state == FAILED or change.outcome_unknown) and change.error:
            return f"{change.summary()} — {change.error}"
        return change.summary()

    def _foreground(self, row: _Row, column: int) -> QColor | None:
        c = theme.colors()
        if row.kind == ACCOUNT:
            return None
        if column == STATE_COLUMN:
            state = self._state(row)
            return QColor(
                {
                    "conflict": "#9333ea",
                    "unknown": c.warning,
                    FAILED: c.danger,
                    SENDING: c.warning,
                    "pending": c.accent,
                }.get(state, c.muted)
            )
        if column == 0:
            if row.mark == ADDED:
                return QColor(c.success)
            if row.mark == DELETED:
                return QColor(c.danger)
        if column == 2:
            return QColor(c.muted)
        return None

    def _tooltip(self, row: _Row) -> str | None:
        if row.kind == ACCOUNT:
            return f"Ad account {row.key}"
        lines = []
        for change in row.changes:
            lines.append(f"{ACTION_LABEL.get(change.action, change.action)}: {change.summary()}")
            if change.error:
                lines.append(f"Last attempt: {change.error}")
            for issue in change.issues:
                lines.append(f"{'Error' if issue.is_error else 'Warning'}: {issue.message}")
        return "\n".join(lines)


# ---------------------------------------------------------------------------- audit log


AUDIT_COLUMNS: Final = audit_rows.COLUMNS
AUDIT_ROW_ROLE: Final = Qt.ItemDataRole.UserRole + 21


class AuditLogModel(QAbstractTableModel):
    """Entries of the append-only audit log as people read them (`AuditRow`), newest first.

    Set either raw entries (`set_entries`, turned into rows with the cache) or rows built
    elsewhere (`set_rows`, the dialog's filtered rows)."""

    def __init__(
        self, store: Store, parent: QObject | None = None, *, who: audit_rows.Who | None = None
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._who = who or audit_rows.plain_who
        self._rows: list[audit_rows.AuditRow] = []

    @property
    def entries(self) -> list[AuditEntry]:
        return [r.entry for r in self._rows]

    @property
    def rows(self) -> list[audit_rows.AuditRow]:
        return list(self._rows)

    def set_entries(self, entries: Sequence[AuditEntry]) -> None:
        self.set_rows(audit_rows.AuditReader(self._store, who=self._who).rows(entries))

    def set_rows(self, rows: Sequence[audit_rows.AuditRow]) -> None:
        self.beginResetModel()
        self._rows = sorted(rows, key=lambda r: r.entry.id, reverse=True)
        self.endResetModel()

    def entry(self, row: int) -> AuditEntry | None:
        return self._rows[row].entry if 0 <= row < len(self._rows) else None

    def audit_row(self, row: int) -> audit_rows.AuditRow | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def rowCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(AUDIT_COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return AUDIT_COLUMNS[section] if 0 <= section < len(AUDIT_COLUMNS) else None
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = self.audit_row(index.row()) if index.isValid() else None
        if row is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return row.cells()[column] if 0 <= column < len(AUDIT_COLUMNS) else None
        if role == Qt.ItemDataRole.ForegroundRole:
            c = theme.colors()
            if column == audit_rows.OUTCOME_COLUMN:
                return QColor(
                    {
                        "ok": c.success,
                        "failed": c.danger,
                        "dry-run": c.accent,
                        "conflict": c.warning,
                        "blocked": c.danger,
                        "skipped": c.warning,
                    }.get(row.entry.result, c.muted)
                )
            if column == audit_rows.MODE_COLUMN and row.entry.mode == "live":
                return QColor(c.danger)
            if column in (audit_rows.ID_COLUMN, audit_rows.WHO_COLUMN):
                return QColor(c.muted)
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole and column == audit_rows.ID_COLUMN:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == audit_rows.WHEN_COLUMN:
                return f"{row.when} ({row.timezone})\n{row.entry.at}"
            if column == audit_rows.ENTITY_COLUMN:
                return f"{row.entity}\n{row.entity_id}" if row.entity_id else row.entity
            if column == audit_rows.CHANGE_COLUMN:
                return "\n".join(c.text for c in row.changes) or row.summary
            if column == audit_rows.OUTCOME_COLUMN:
                return row.outcome_text
            return row.cells()[column]
        if role == AUDIT_ROW_ROLE:
            return row
        return None


# ---------------------------------------------------------------------------- tree


@dataclass(frozen=True)
class PendingEntity:
    """A new entity not yet on Snap, shown in the account tree under its parent."""

    kind: str
    entity_id: str
    parent_kind: str
    parent_id: str
    ad_account_id: str
    name: str | None
    status: str | None
    data: dict[str, Any]


def pending_values(changes: Sequence[Change]) -> dict[str, dict[str, Any]]:
    """Entity id → the object as queued, for entities with a pending edit (not creates)."""
    return {
        c.entity_id: dict(c.after)
        for c in changes
        if c.action in UPDATE_ACTIONS and c.after is not None
    }


def pending_entities(changes: Sequence[Change]) -> list[PendingEntity]:
    """New campaigns, ad squads and ads of the pending set, bound to their parents (a parent
    that is itself new appears as a `$ref:` to its create; that is mapped to its temporary id)."""
    from snapdesk.core.kinds import AD, AD_SQUAD, CAMPAIGN

    temp_of = {c.id: c.entity_id for c in changes if c.action == CREATE}
    parents = {CAMPAIGN: (AD_ACCOUNT, "ad_account_id"), AD_SQUAD: (CAMPAIGN, "campaign_id")}
    parents[AD] = (AD_SQUAD, "ad_squad_id")
    out = []
    for change in changes:
        if change.action != CREATE or change.kind not in parents or change.after is None:
            continue
        parent_kind, field_name = parents[change.kind]
        raw = str(change.after.get(field_name) or change.ad_account_id)
        parent_id = temp_of.get(raw.removeprefix("$ref:"), raw)
        out.append(
            PendingEntity(
                kind=change.kind,
                entity_id=change.entity_id,
                parent_kind=parent_kind,
                parent_id=parent_id,
                ad_account_id=change.ad_account_id,
                name=change.label,
                status=str(change.after.get("status") or "") or None,
                data=dict(change.after),
            )
        )
    return out
