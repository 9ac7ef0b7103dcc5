"""Plain-Python nodes of the account tree (no Qt): organization → ad account → campaign →
ad squad → ad, plus per-account library folders for creatives, media and segments."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

from snapdesk.core.kinds import (
    AD,
    AD_ACCOUNT,
    AD_SQUAD,
    CAMPAIGN,
    CREATIVE,
    LABEL,
    MEDIA,
    ORGANIZATION,
    SEGMENT,
)

ROOT: Final = "root"
GROUP: Final = "group"

# The kind of children each tree level holds (account children are campaigns plus folders).
CHILD_KIND: Final[dict[str, str]] = {
    ROOT: ORGANIZATION,
    ORGANIZATION: AD_ACCOUNT,
    AD_ACCOUNT: CAMPAIGN,
    CAMPAIGN: AD_SQUAD,
    AD_SQUAD: AD,
}

# Library folders shown under each ad account, in this order.
TREE_KINDS: Final = (ORGANIZATION, AD_ACCOUNT, CAMPAIGN, AD_SQUAD, AD)
GROUP_KINDS: Final = (CREATIVE, MEDIA, SEGMENT)
GROUP_LABEL: Final[dict[str, str]] = {CREATIVE: "Creatives", MEDIA: "Media", SEGMENT: "Segments"}

NodeKey = tuple[str, str]


@dataclass(frozen=True)
class AccountContext:
    """What descendants of an ad account need to format money and times."""

    id: str
    name: str | None
    currency: str | None
    timezone: str | None
    profile: str | None = None  # the login that sees this ad account


@dataclass(eq=False)
class TreeNode:
    """One row of the account tree.

    Children are inserted lazily: `pending` holds rows read from the store but not yet handed
    to the view, `loaded` becomes True once every child has been inserted. `child_total` caches
    how many children the store holds (None until asked), which answers `hasChildren` cheaply.
    """

    kind: str
    id: str
    name: str | None = None
    status: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    account: AccountContext | None = None
    group_kind: str | None = None
    parent: TreeNode | None = None
    children: list[TreeNode] = field(default_factory=list)
    pending: list[TreeNode] | None = None
    loaded: bool = False
    child_total: int | None = None
    matched: bool = False
    row: int = 0
    profile: str | None = None  # organizations: the login that sees it

    @property
    def login(self) -> str | None:
        """The login this node belongs to (its organization's or ad account's)."""
        if self.account is not None and self.account.profile is not None:
            return self.account.profile
        node: TreeNode | None = self
        while node is not None:
            if node.profile is not None:
                return node.profile
            node = node.parent
        return None

    @property
    def key(self) -> NodeKey:
        return (self.kind, self.id)

    @property
    def label(self) -> str:
        if self.kind == GROUP and self.group_kind:
            return GROUP_LABEL[self.group_kind]
        return LABEL.get(self.kind, self.kind)

    @property
    def display_name(self) -> str:
        if self.kind == GROUP and self.group_kind:
            return GROUP_LABEL[self.group_kind]
        return self.name or f"Unnamed {self.label.lower()}"

    @property
    def is_group(self) -> bool:
        return self.kind == GROUP

    @property
    def ad_account_id(self) -> str | None:
        return self.account.id if self.account else None

    def child(self, row: int) -> TreeNode | None:
        if 0 <= row < len(self.children):
            return self.children[row]
        return None

    def append_children(self, nodes: list[TreeNode]) -> None:
        start = len(self.children)
        for offset, node in enumerate(nodes):
            node.parent = self
            node.row = start + offset
        self.children.extend(nodes)

    def path(self) -> tuple[NodeKey, ...]:
        """Keys from the top level down to this node (the root is not included)."""
        keys: list[NodeKey] = []
        node: TreeNode | None = self
        while node is not None and node.kind != ROOT:
            keys.append(node.key)
            node = node.parent
        return tuple(reversed(keys))

    def find_child(self, key: NodeKey) -> TreeNode | None:
        for node in self.children:
            if node.key == key:
                return node
        return None


def group_id(ad_account_id: str, kind: str) -> str:
    return f"{ad_account_id}/{kind}"


def make_root() -> TreeNode:
    return TreeNode(kind=ROOT, id="")
