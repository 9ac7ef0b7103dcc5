"""`AccountTreeModel`: the organization → ad account → campaign → ad squad → ad tree.

Two modes share one model:
- browse: children are read from the Store only when the view asks (`canFetchMore`/`fetchMore`),
  in batches, so an account with thousands of campaigns opens instantly;
- filter: `set_filter(text)` runs `Store.search` and eagerly builds each match with its ancestors.
  A matching node stays lazy below itself, so it can still be opened.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont

from snapdesk.core.kinds import (
    AD,
    AD_ACCOUNT,
    AD_SQUAD,
    CAMPAIGN,
    CREATIVE,
    MEDIA,
    ORGANIZATION,
    SEGMENT,
)
from snapdesk.stats import cache as stats_cache
from snapdesk.stats.delivery import ERROR, WARNING, Delivery, delivery_state
from snapdesk.store import AccountRow, EntityRow, OrganizationRow, Store
from snapdesk.ui import theme
from snapdesk.ui._signals import emit
from snapdesk.ui.formatting import (
    delivery_problems,
    format_count,
    format_money_micro,
    humanize_delivery,
    humanize_enum,
)
from snapdesk.ui.models.changes import ADDED, DELETED, PendingEntity
from snapdesk.ui.models.tree_nodes import (
    CHILD_KIND,
    GROUP,
    GROUP_KINDS,
    ROOT,
    AccountContext,
    NodeKey,
    TreeNode,
    group_id,
    make_root,
)

NAME_COLUMN: Final = 0
STATUS_COLUMN: Final = 1
DETAILS_COLUMN: Final = 2
HEADERS: Final = ("Name", "Status", "Details")

NODE_ROLE: Final = Qt.ItemDataRole.UserRole + 1
KEY_ROLE: Final = Qt.ItemDataRole.UserRole + 2

BATCH: Final = 500  # rows inserted per fetchMore
SEARCH_LIMIT: Final = 500

_Index = QModelIndex | QPersistentModelIndex


class AccountTreeModel(QAbstractItemModel):
    def __init__(self, store: Store, *, profile: str | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self._store = store
        self._profile = profile
        self._root = make_root()
        self._filter = ""
        self._match_count = 0
        self._truncated = False
        self._account_errors: dict[str, str] = {}
        self._login_labels: dict[str, str] = {}
        self._marks: dict[str, str] = {}
        self._new_children: dict[NodeKey, list[PendingEntity]] = {}
        self._values: dict[str, dict[str, Any]] = {}
        # What the stats refresh last saw per ad account (lifetime cap / daily budget reached),
        # read from the cache on first use; `refresh_delivery` drops it after a refresh.
        self._watch: dict[str, dict[str, dict[str, Any]]] = {}

    # -- public API ------------------------------------------------------------------------

    @property
    def filter_text(self) -> str:
        return self._filter

    @property
    def is_filtered(self) -> bool:
        return bool(self._filter)

    @property
    def match_count(self) -> int:
        return self._match_count

    @property
    def truncated(self) -> bool:
        """True when the filter found more matches than it shows."""
        return self._truncated

    def reload(self) -> None:
        """Rebuild from the store (after a sync). Views restore their expansion themselves."""
        self.beginResetModel()
        self._root = make_root()
        if self._filter:
            self._build_filtered(self._filter)
        self.endResetModel()

    def set_filter(self, text: str) -> None:
        """Show only entities matching `text` (name substring or id prefix) with their ancestors;
        an empty text restores the lazy tree."""
        text = text.strip()
        if text == self._filter:
            return
        self._filter = text
        self.reload()

    def refresh_delivery(self, ad_account_ids: Iterable[str] | None = None) -> None:
        """The stats refresh saw new spend: re-read what it recorded and repaint the status of
        those accounts' rows (all accounts when None)."""
        ids = set(ad_account_ids) if ad_account_ids is not None else None
        if ids is None:
            self._watch.clear()
        else:
            for account_id in ids:
                self._watch.pop(account_id, None)
        for node in self.iter_loaded():
            if node.kind in (CAMPAIGN, AD_SQUAD, AD) and node.account is not None:
                if ids is None or node.account.id in ids:
                    index = self.index_for_node(node, STATUS_COLUMN)
                    emit(self.dataChanged, index.siblingAtColumn(0), index.siblingAtColumn(2))

    def delivery(self, node: TreeNode) -> Delivery:
        """The node's delivery state (snapdesk.stats.delivery: the rule the notices use)."""
        account = node.account
        watch: dict[str, Any] | None = None
        today: date | None = None
        now = datetime.now(UTC)
        if account is not None:
            if account.id not in self._watch:
                self._watch[account.id] = stats_cache.load_watch(self._store.reader(), account.id)
            watch = self._watch[account.id].get(node.id)
            try:
                zone = ZoneInfo(account.timezone) if account.timezone else UTC
            except (ZoneInfoNotFoundError, ValueError):
                zone = UTC
            today = now.astimezone(zone).date()
        return delivery_state(
            node.kind, node.data, status=node.status, watch=watch, today=today, now=now
        )

    def set_account_errors(self, errors: dict[str, str]) -> None:
        """Messages of the last failed sync per ad account id (shown as an error status)."""
        self._account_errors = dict(errors)
        for node in self.iter_loaded():
            if node.kind == AD_ACCOUNT:
                index = self.index_for_node(node, STATUS_COLUMN)
                emit(self.dataChanged, index.siblingAtColumn(0), index.siblingAtColumn(2))

    def set_pending(
        self,
        marks: dict[str, str],
        new: Sequence[PendingEntity] = (),
        values: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        """Unposted changes: `marks` (+ added, Δ edited, − deleted) by entity id are shown at
        once; `new` entities appear under their parents, and edited entities show their
        queued name, status and budget (`values`), from the next `reload()`."""
        self._marks = dict(marks)
        self._values = dict(values or {})
        self._new_children = {}
        for entity in new:
            key = (entity.parent_kind, entity.parent_id)
            self._new_children.setdefault(key, []).append(entity)
        for node in self.iter_loaded():
            index = self.index_for_node(node)
            emit(self.dataChanged, index, index.siblingAtColumn(len(HEADERS) - 1))

    def mark(self, entity_id: str) -> str | None:
        return self._marks.get(entity_id)

    def set_login_labels(self, labels: dict[str, str]) -> None:
        """How to name each login in tooltips (`agency@example.com (default)`)."""
        self._login_labels = dict(labels)

    def login_label(self, profile: str | None) -> str | None:
        if profile is None:
            return None
        return self._login_labels.get(profile, profile)

    def account_error(self, ad_account_id: str | None) -> str | None:
        return self._account_errors.get(ad_account_id or "")

    def node(self, index: _Index) -> TreeNode | None:
        if not index.isValid():
            return None
        node = index.internalPointer()
        return node if isinstance(node, TreeNode) else None

    def index_for_node(self, node: TreeNode, column: int = 0) -> QModelIndex:
        if node.kind == ROOT or node.parent is None:
            return QModelIndex()
        return self.createIndex(node.row, column, node)

    def iter_loaded(self, node: TreeNode | None = None) -> Iterator[TreeNode]:
        """Every node currently inserted in the model, depth first."""
        stack = list(reversed((node or self._root).children))
        while stack:
            current = stack.pop()
            yield current
            stack.extend(reversed(current.children))

    def filter_expansion(self) -> list[QModelIndex]:
        """In filter mode: the ancestor nodes to expand so every match is visible, parents first."""
        if not self._filter:
            return []
        return [
            self.index_for_node(n)
            for n in self.iter_loaded()
            if n.loaded and n.children and not (n.matched and not _has_matched_below(n))
        ]

    def fetch_all(self, index: _Index) -> None:
        while self.canFetchMore(index):
            self.fetchMore(index)

    def locate(self, path: Iterable[NodeKey]) -> QModelIndex:
        """The index of the node at `path` (keys from the top level down), fetching lazily as
        needed; an invalid index when some key is gone."""
        node = self._root
        for key in path:
            parent_index = self.index_for_node(node)
            found = node.find_child(key)
            if found is None:
                self.fetch_all(parent_index)
                found = node.find_child(key)
            if found is None:
                return QModelIndex()
            node = found
        return self.index_for_node(node)

    def has_content(self) -> bool:
        """Whether the cache holds anything to browse (at least one organization)."""
        if self._root.children or self._root.pending:
            return True
        return bool(self._store.organizations(self._profile))

    # -- Qt model interface ----------------------------------------------------------------

    def _node_or_root(self, index: _Index) -> TreeNode:
        return self.node(index) or self._root

    def index(self, row: int, column: int, parent: _Index = QModelIndex()) -> QModelIndex:
        if column < 0 or column >= len(HEADERS):
            return QModelIndex()
        parent_node = self._node_or_root(parent)
        if parent.isValid() and parent.column() != 0:
            return QModelIndex()
        child = parent_node.child(row)
        return self.createIndex(row, column, child) if child else QModelIndex()

    def parent(self, index: _Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]
        node = self.node(index)
        if node is None or node.parent is None or node.parent.kind == ROOT:
            return QModelIndex()
        return self.createIndex(node.parent.row, 0, node.parent)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:
        if parent.isValid() and parent.column() != 0:
            return 0
        return len(self._node_or_root(parent).children)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:
        return len(HEADERS)

    def hasChildren(self, parent: _Index = QModelIndex()) -> bool:
        if parent.isValid() and parent.column() != 0:
            return False
        node = self._node_or_root(parent)
        if node.children:
            return True
        if node.loaded:
            return False
        if node.kind == ROOT:
            return self.canFetchMore(parent)
        return bool(self._child_total(node))

    def canFetchMore(self, parent: _Index) -> bool:
        if parent.isValid() and parent.column() != 0:
            return False
        node = self._node_or_root(parent)
        if node.loaded:
            return False
        if node.pending is None:
            if node.kind != ROOT and not self._child_total(node):
                return False
            node.pending = self._load_children(node)
            if not node.pending:
                node.loaded = True
                node.pending = None
                return False
        return True

    def fetchMore(self, parent: _Index) -> None:
        if not self.canFetchMore(parent):
            return
        node = self._node_or_root(parent)
        pending = node.pending or []
        batch, rest = pending[:BATCH], pending[BATCH:]
        start = len(node.children)
        self.beginInsertRows(self._as_index(parent), start, start + len(batch) - 1)
        node.append_children(batch)
        node.pending = rest
        if not rest:
            node.pending = None
            node.loaded = True
        self.endInsertRows()

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(HEADERS):
            if role == Qt.ItemDataRole.DisplayRole:
                return HEADERS[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        node = self.node(index)
        if node is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == NAME_COLUMN:
                return self._name_text(node)
            if column == STATUS_COLUMN:
                return self._status_text(node)
            if column == DETAILS_COLUMN:
                return self._details_text(node)
            return None
        if role == Qt.ItemDataRole.DecorationRole:
            if column == NAME_COLUMN:
                return theme.icon(GROUP if node.is_group else node.kind)
            if column == STATUS_COLUMN:
                name = self._status_icon(node)
                return theme.icon(name) if name else None
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(node)
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._foreground(node, column)
        if role == Qt.ItemDataRole.FontRole:
            return self._font(node, column)
        if role == NODE_ROLE:
            return node
        if role == KEY_ROLE:
            return node.key
        return None

    # -- loading ---------------------------------------------------------------------------

    def _as_index(self, index: _Index) -> QModelIndex:
        if isinstance(index, QPersistentModelIndex):
            if not index.isValid():
                return QModelIndex()
            return self.createIndex(index.row(), index.column(), index.internalPointer())
        return index

    def _child_total(self, node: TreeNode) -> int:
        if node.child_total is None:
            node.child_total = self._count_children(node)
        return node.child_total

    def _count_children(self, node: TreeNode) -> int:
        return self._count_cached_children(node) + len(self._new_children.get(node.key, ()))

    def _count_cached_children(self, node: TreeNode) -> int:
        store = self._store
        if node.kind == ROOT:
            return len(self._store.organizations(self._profile))
        if node.kind == ORGANIZATION:
            return store.child_count(AD_ACCOUNT, node.id)
        if node.kind == AD_ACCOUNT:
            return store.child_count(CAMPAIGN, node.id) + sum(
                1 for kind in GROUP_KINDS if store.child_count(kind, node.id)
            )
        if node.kind == GROUP and node.group_kind:
            return store.child_count(node.group_kind, node.ad_account_id or "")
        if node.kind in (CAMPAIGN, AD_SQUAD):
            return store.child_count(CHILD_KIND[node.kind], node.id)
        return 0

    def _load_children(self, node: TreeNode) -> list[TreeNode]:
        store = self._store
        children: list[TreeNode]
        if node.kind == ROOT:
            children = [_org_node(o) for o in store.organizations(self._profile)]
            counts = store.child_counts(AD_ACCOUNT, [c.id for c in children])
        elif node.kind == ORGANIZATION:
            children = [_account_node(a) for a in store.ad_accounts(node.id)]
            counts = self._account_child_totals([c.id for c in children])
        elif node.kind == AD_ACCOUNT:
            children = [_entity_node(r, node.account) for r in store.campaigns(node.id)]
            counts = store.child_counts(AD_SQUAD, [c.id for c in children])
            for kind in GROUP_KINDS:
                total = store.child_count(kind, node.id)
                if total:
                    group = _group_node(node, kind)
                    counts[group.id] = total
                    children.append(group)
        elif node.kind == CAMPAIGN:
            children = [_entity_node(r, node.account) for r in store.ad_squads(node.id)]
            counts = store.child_counts(AD, [c.id for c in children])
        elif node.kind == AD_SQUAD:
            children = [_entity_node(r, node.account) for r in store.ads(node.id)]
            counts = {}
            for child in children:
                child.loaded = True
        elif node.kind == GROUP and node.group_kind:
            rows = store.entities(node.group_kind, node.ad_account_id or "")
            children = [_entity_node(r, node.account) for r in rows]
            counts = {}
            for child in children:
                child.loaded = True
        else:
            return []
        for child in children:
            queued = self._values.get(child.id)
            if queued is not None:
                child.name = str(queued.get("name") or child.name or "") or None
                child.status = str(queued.get("status") or child.status or "") or None
            extra = len(self._new_children.get(child.key, ()))
            if child.id in counts:
                child.child_total = counts[child.id] + extra
            elif extra:
                child.child_total = extra
        new = [_new_node(e, node.account) for e in self._new_children.get(node.key, ())]
        if new:
            # new campaigns go before the library folders, like the cached ones
            at = sum(1 for c in children if not c.is_group)
            children[at:at] = new
        return children

    def _account_child_totals(self, ids: list[str]) -> dict[str, int]:
        totals = self._store.child_counts(CAMPAIGN, ids)
        for kind in GROUP_KINDS:
            for account_id, n in self._store.child_counts(kind, ids).items():
                if n:
                    totals[account_id] = totals.get(account_id, 0) + 1
        return totals

    # -- filter mode -----------------------------------------------------------------------

    def _build_filtered(self, text: str) -> None:
        rows = self._store.search(text, limit=SEARCH_LIMIT + 1)
        self._truncated = len(rows) > SEARCH_LIMIT
        rows = rows[:SEARCH_LIMIT]
        self._match_count = len(rows)
        builder = _PathBuilder(self._store, self._root)
        for row in rows:
            builder.add(row)
        for node in [self._root, *self.iter_loaded()]:
            if not node.matched or node.children:
                node.loaded = True
        self._root.loaded = True

    # -- presentation ----------------------------------------------------------------------

    def _name_text(self, node: TreeNode) -> str:
        if node.is_group:
            return f"{node.display_name} ({format_count(self._child_total(node))})"
        mark = self._marks.get(node.id)
        return f"{mark} {node.display_name}" if mark else node.display_name

    def _status_text(self, node: TreeNode) -> str:
        if node.is_group:
            return ""
        if node.kind == AD_ACCOUNT and node.id in self._account_errors:
            return "Sync failed"
        if node.kind == ORGANIZATION:
            return "Agency" if node.data.get("is_agency") else humanize_enum(node.status)
        if node.kind == MEDIA:
            return humanize_enum(node.data.get("media_status") or node.status)
        if node.kind == SEGMENT:
            return humanize_enum(node.data.get("status") or node.data.get("targetable_status"))
        if node.kind == CREATIVE:
            return humanize_enum(node.data.get("review_status"))
        if node.kind in (CAMPAIGN, AD_SQUAD, AD):
            return self.delivery(node).label
        return humanize_enum(node.status)

    def _status_icon(self, node: TreeNode) -> str | None:
        if node.is_group:
            return None
        if node.kind == AD_ACCOUNT and node.id in self._account_errors:
            return "error"
        if node.kind == CREATIVE and str(node.data.get("review_status", "")).upper() in (
            "REJECTED",
        ):
            return "warning"
        if node.kind in (CAMPAIGN, AD_SQUAD, AD):
            state = self.delivery(node)
            if state.tone in (WARNING, ERROR):
                return "warning"
            return state.tone
        status = (node.status or "").upper()
        if node.kind == MEDIA:
            status = str(node.data.get("media_status") or status).upper()
            return "active" if status == "READY" else "neutral"
        if status == "ACTIVE":
            return "active"
        if status == "PAUSED":
            return "paused"
        return "neutral" if status else None

    def _details_text(self, node: TreeNode) -> str:
        data = node.data
        currency = node.account.currency if node.account else None
        if node.kind == ORGANIZATION:
            n = self._child_total(node)
            return f"{n} ad account{'s' if n != 1 else ''}"
        if node.kind == AD_ACCOUNT:
            parts = [node.account.currency, node.account.timezone] if node.account else []
            return " · ".join(p for p in parts if p)
        if node.kind in (CAMPAIGN, AD_SQUAD):
            queued = self._values.get(node.id)
            return _budget_text({**data, **queued} if queued else data, currency)
        if node.kind == AD:
            review = data.get("review_status")
            ad_type = humanize_enum(data.get("type")) if data.get("type") else None
            parts = [f"Review: {humanize_enum(review)}" if review else None, ad_type]
            return " · ".join(p for p in parts if p)
        if node.kind == CREATIVE:
            parts = [humanize_enum(data.get("type")), data.get("headline")]
            return " · ".join(str(p) for p in parts if p and p != "—")
        if node.kind == MEDIA:
            return humanize_enum(data.get("type"))
        if node.kind == SEGMENT:
            users = data.get("approximate_number_users")
            return f"≈ {format_count(users)} users" if users is not None else ""
        return ""

    def _tooltip(self, node: TreeNode) -> str:
        if node.is_group:
            return f"{node.display_name} in this ad account"
        lines = [f"{node.label} · {node.display_name}", f"ID {node.id}"]
        login = self.login_label(node.login)
        if login is not None:
            lines.append(f"Login: {login}")
        if node.kind == AD_ACCOUNT and node.id in self._account_errors:
            lines.append(f"Last sync failed: {self._account_errors[node.id]}")
        if node.kind in (CAMPAIGN, AD_SQUAD, AD):
            state = self.delivery(node)
            if state.reasons:
                lines.append(f"{state.label}: " + "; ".join(state.reasons))
        else:
            problems = delivery_problems(node.data.get("delivery_status"), status=node.status)
            if problems:
                lines.append("Delivery: " + ", ".join(humanize_delivery(p) for p in problems))
        if node.kind != AD and str(node.data.get("review_status", "")).upper() == "REJECTED":
            reasons = node.data.get("review_status_reasons") or []
            lines.append("Rejected" + (": " + "; ".join(map(str, reasons)) if reasons else ""))
        return "\n".join(lines)

    def _foreground(self, node: TreeNode, column: int) -> QColor | None:
        c = theme.colors()
        mark = self._marks.get(node.id)
        if column == NAME_COLUMN and mark == ADDED:
            return QColor(c.success)
        if column == NAME_COLUMN and mark == DELETED:
            return QColor(c.danger)
        if column == STATUS_COLUMN and node.kind == AD_ACCOUNT and node.id in self._account_errors:
            return QColor(c.danger)
        if node.is_group or column == DETAILS_COLUMN:
            return QColor(c.muted)
        if column == STATUS_COLUMN and node.kind in (CAMPAIGN, AD_SQUAD, AD):
            tone = self.delivery(node).tone
            if tone == ERROR:
                return QColor(c.danger)
            if tone == WARNING:
                return QColor(c.warning)
            return None if tone == "active" else QColor(c.muted)
        if column == STATUS_COLUMN:
            return QColor(c.muted) if (node.status or "").upper() != "ACTIVE" else None
        return None

    def _font(self, node: TreeNode, column: int) -> QFont | None:
        if column != NAME_COLUMN:
            return None
        mark = self._marks.get(node.id)
        if mark is not None and not node.is_group:
            font = QFont()
            font.setBold(True)  # bold = not posted yet (Google Ads Editor's convention)
            font.setStrikeOut(mark == DELETED)
            return font
        if self._filter and node.matched:
            font = QFont()
            font.setBold(True)
            return font
        if node.kind == ORGANIZATION and not self._filter:
            font = QFont()
            font.setWeight(QFont.Weight.DemiBold)
            return font
        if node.is_group:
            font = QFont()
            font.setItalic(True)
            return font
        return None


def _has_matched_below(node: TreeNode) -> bool:
    stack = list(node.children)
    while stack:
        current = stack.pop()
        if current.matched:
            return True
        stack.extend(current.children)
    return False


def _budget_text(data: dict[str, Any], currency: str | None) -> str:
    daily = data.get("daily_budget_micro")
    lifetime = data.get("lifetime_budget_micro") or data.get("lifetime_spend_cap_micro")
    if daily:
        return f"{format_money_micro(daily, currency)} / day"
    if lifetime:
        return f"{format_money_micro(lifetime, currency)} lifetime"
    return "No budget cap"


def _org_node(org: OrganizationRow) -> TreeNode:
    state = org.data.get("state")
    return TreeNode(
        kind=ORGANIZATION,
        id=org.id,
        name=org.name,
        status=str(state) if state else None,
        data=org.data,
        profile=org.profile,
    )


def _account_context(account: AccountRow) -> AccountContext:
    return AccountContext(
        id=account.id,
        name=account.name,
        currency=account.currency,
        timezone=account.timezone,
        profile=account.profile,
    )


def _account_node(account: AccountRow) -> TreeNode:
    return TreeNode(
        kind=AD_ACCOUNT,
        id=account.id,
        name=account.name,
        status=account.status,
        data=account.data,
        account=_account_context(account),
    )


def _entity_node(row: EntityRow, account: AccountContext | None) -> TreeNode:
    return TreeNode(
        kind=row.kind, id=row.id, name=row.name, status=row.status, data=row.data, account=account
    )


def _new_node(entity: PendingEntity, account: AccountContext | None) -> TreeNode:
    """A node for an entity queued for creation (its id is a temporary `new-…` id)."""
    return TreeNode(
        kind=entity.kind,
        id=entity.entity_id,
        name=entity.name,
        status=entity.status,
        data=entity.data,
        account=account,
        loaded=entity.kind == AD,
    )


def _group_node(account_node: TreeNode, kind: str) -> TreeNode:
    return TreeNode(
        kind=GROUP,
        id=group_id(account_node.id, kind),
        group_kind=kind,
        account=account_node.account,
    )


class _PathBuilder:
    """Builds, for each search hit, the chain of ancestors down to it (sharing common nodes)."""

    def __init__(self, store: Store, root: TreeNode) -> None:
        self._store = store
        self._root = root
        self._nodes: dict[NodeKey, TreeNode] = {}
        self._accounts: dict[str, AccountRow | None] = {}
        self._orgs: dict[str, OrganizationRow | None] = {}

    def add(self, row: EntityRow) -> None:
        node = self._ensure(row.kind, row.id, row=row)
        if node is not None:
            node.matched = True

    def _attach(self, parent: TreeNode, node: TreeNode) -> TreeNode:
        existing = self._nodes.get(node.key)
        if existing is not None:
            return existing
        parent.append_children([node])
        self._nodes[node.key] = node
        return node

    def _account(self, account_id: str) -> AccountRow | None:
        if account_id not in self._accounts:
            self._accounts[account_id] = self._store.ad_account(account_id)
        return self._accounts[account_id]

    def _org(self, org_id: str) -> OrganizationRow | None:
        if org_id not in self._orgs:
            self._orgs[org_id] = self._store.organization(org_id)
        return self._orgs[org_id]

    def _ensure(self, kind: str, id: str, *, row: EntityRow | None = None) -> TreeNode | None:
        existing = self._nodes.get((kind, id))
        if existing is not None:
            return existing
        if kind == ORGANIZATION:
            org = self._org(id)
            return self._attach(self._root, _org_node(org)) if org else None
        if kind == AD_ACCOUNT:
            account = self._account(id)
            if account is None or account.organization_id is None:
                return None
            parent = self._ensure(ORGANIZATION, account.organization_id)
            return self._attach(parent, _account_node(account)) if parent else None
        entity = row or self._store.get(kind, id)
        if entity is None or entity.ad_account_id is None:
            return None
        account_node = self._ensure(AD_ACCOUNT, entity.ad_account_id)
        if account_node is None:
            return None
        if kind in GROUP_KINDS:
            group = self._nodes.get((GROUP, group_id(account_node.id, kind)))
            if group is None:
                group = self._attach(account_node, _group_node(account_node, kind))
            parent = group
        elif kind == CAMPAIGN:
            parent = account_node
        elif kind in (AD_SQUAD, AD) and entity.parent_id:
            parent = self._ensure(CAMPAIGN if kind == AD_SQUAD else AD_SQUAD, entity.parent_id)
        else:
            parent = None
        if parent is None:
            return None
        return self._attach(parent, _entity_node(entity, account_node.account))
