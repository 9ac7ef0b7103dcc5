"""AccountTreeModel: lazy loading from the cache, presentation, filter mode, model contract."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt

from snapdesk.store import Store
from snapdesk.ui.models.account_tree import (
    DETAILS_COLUMN,
    KEY_ROLE,
    STATUS_COLUMN,
    AccountTreeModel,
)
from snapdesk.ui.models.tree_nodes import TreeNode
from tests.ui import data


def _names(model: AccountTreeModel, parent: QModelIndex) -> list[str]:
    return [model.index(r, 0, parent).data() for r in range(model.rowCount(parent))]


def _child(model: AccountTreeModel, parent: QModelIndex, name: str) -> QModelIndex:
    model.fetch_all(parent)
    for row in range(model.rowCount(parent)):
        index = model.index(row, 0, parent)
        if index.data() == name:
            return index
    raise AssertionError(f"{name!r} not under {parent.data()!r}: {_names(model, parent)}")


def _path(model: AccountTreeModel, *names: str) -> QModelIndex:
    index = QModelIndex()
    for name in names:
        index = _child(model, index, name)
    return index


def test_children_load_lazily(filled_store: Store) -> None:
    model = AccountTreeModel(filled_store)
    root = QModelIndex()
    assert model.rowCount(root) == 0
    assert model.hasChildren(root)
    assert model.canFetchMore(root)
    model.fetchMore(root)
    assert _names(model, root) == ["Acme Group"]
    org = model.index(0, 0, root)
    assert model.hasChildren(org)
    assert model.rowCount(org) == 0  # nothing read below the organization yet
    model.fetchMore(org)
    assert _names(model, org) == ["Acme Japan", "Acme US"]
    us = _child(model, org, "Acme US")
    assert model.rowCount(us) == 0
    model.fetchMore(us)
    assert _names(model, us) == [
        "Brand Lift",
        "Spring Sale",
        "Creatives (1)",
        "Media (1)",
        "Segments (1)",
    ]


def test_leaves_have_no_children(filled_store: Store) -> None:
    model = AccountTreeModel(filled_store)
    ad = _path(model, "Acme Group", "Acme US", "Spring Sale", "US 18-34", "Spring video")
    assert not model.hasChildren(ad)
    assert not model.canFetchMore(ad)
    paused = _path(model, "Acme Group", "Acme US", "Brand Lift")
    assert not model.hasChildren(paused)  # a campaign without ad squads


def test_columns_show_status_and_money(filled_store: Store) -> None:
    model = AccountTreeModel(filled_store)
    us = _path(model, "Acme Group", "Acme US")
    assert us.siblingAtColumn(DETAILS_COLUMN).data() == "USD · America/Los_Angeles"
    spring = _path(model, "Acme Group", "Acme US", "Spring Sale")
    assert spring.siblingAtColumn(STATUS_COLUMN).data() == "Active"
    assert spring.siblingAtColumn(DETAILS_COLUMN).data() == "USD 12.50 / day"
    brand = _path(model, "Acme Group", "Acme US", "Brand Lift")
    assert brand.siblingAtColumn(STATUS_COLUMN).data() == "Paused"
    assert brand.siblingAtColumn(DETAILS_COLUMN).data() == "USD 1,000.00 lifetime"
    tokyo = _path(model, "Acme Group", "Acme Japan", "Tokyo Launch")
    assert tokyo.siblingAtColumn(DETAILS_COLUMN).data() == "JPY 5,000 / day"
    assert tokyo.siblingAtColumn(STATUS_COLUMN).data() == "Not delivering"
    rejected = _path(model, "Acme Group", "Acme US", "Spring Sale", "US 18-34", "Spring still")
    assert rejected.siblingAtColumn(STATUS_COLUMN).data() == "Rejected"
    assert rejected.siblingAtColumn(DETAILS_COLUMN).data() == "Review: Rejected · Snap ad"
    assert "ID ad-us-rejected" in rejected.data(Qt.ItemDataRole.ToolTipRole)
    assert "Image quality is too low" in rejected.data(Qt.ItemDataRole.ToolTipRole)


def test_every_row_has_icons(filled_store: Store) -> None:
    model = AccountTreeModel(filled_store)
    _path(model, "Acme Group", "Acme US", "Spring Sale", "US 18-34")
    for node in model.iter_loaded():
        index = model.index_for_node(node)
        assert not index.data(Qt.ItemDataRole.DecorationRole).isNull(), node.name
        if not node.is_group:
            status_icon = index.siblingAtColumn(STATUS_COLUMN).data(Qt.ItemDataRole.DecorationRole)
            assert status_icon is not None and not status_icon.isNull(), node.name


def test_account_error_shows_in_status(filled_store: Store) -> None:
    model = AccountTreeModel(filled_store)
    us = _path(model, "Acme Group", "Acme US")
    model.set_account_errors({data.US: "Snap had a server error (HTTP 500)"})
    assert us.siblingAtColumn(STATUS_COLUMN).data() == "Sync failed"
    assert "Snap had a server error" in us.data(Qt.ItemDataRole.ToolTipRole)
    jp = _path(model, "Acme Group", "Acme Japan")
    assert jp.siblingAtColumn(STATUS_COLUMN).data() == "Active"


def test_model_contract_browse_mode(filled_store: Store, qtmodeltester) -> None:
    model = AccountTreeModel(filled_store)
    _path(model, "Acme Group", "Acme US", "Spring Sale", "US 18-34")
    _path(model, "Acme Group", "Acme US", "Creatives (1)")
    qtmodeltester.check(model, force_py=True)
    qtmodeltester.check(AccountTreeModel(filled_store))


def test_model_contract_filter_mode(filled_store: Store, qtmodeltester) -> None:
    model = AccountTreeModel(filled_store)
    model.set_filter("spring")
    qtmodeltester.check(model, force_py=True)
    qtmodeltester.check(model)


def test_model_contract_on_empty_cache(store: Store, qtmodeltester) -> None:
    model = AccountTreeModel(store)
    qtmodeltester.check(model, force_py=True)
    assert not model.has_content()


def _matched(model: AccountTreeModel) -> list[TreeNode]:
    return [n for n in model.iter_loaded() if n.matched]


def test_filter_by_name_shows_ancestors(filled_store: Store) -> None:
    model = AccountTreeModel(filled_store)
    model.set_filter("TOKYO")
    assert model.is_filtered and model.match_count == 1
    assert _names(model, QModelIndex()) == ["Acme Group"]
    org = model.index(0, 0, QModelIndex())
    assert _names(model, org) == ["Acme Japan"]
    jp = model.index(0, 0, org)
    assert _names(model, jp) == ["Tokyo Launch"]
    assert [n.key for n in _matched(model)] == [("campaign", "cmp-jp-tokyo")]
    expanded = [i.data(KEY_ROLE) for i in model.filter_expansion()]
    assert expanded == [("organization", data.ORG), ("ad_account", data.JP)]


def test_filter_by_id_prefix(filled_store: Store) -> None:
    model = AccountTreeModel(filled_store)
    model.set_filter("ad-us-rej")
    path = []
    index = QModelIndex()
    while model.rowCount(index):
        index = model.index(0, 0, index)
        path.append(index.data())
    assert path == ["Acme Group", "Acme US", "Spring Sale", "US 18-34", "Spring still"]
    assert [n.id for n in _matched(model)] == ["ad-us-rejected"]


def test_filter_finds_library_items_and_keeps_matches_expandable(filled_store: Store) -> None:
    model = AccountTreeModel(filled_store)
    model.set_filter("spring")
    matched = {n.id for n in _matched(model)}
    assert {"cmp-us-spring", "ad-us-approved", "ad-us-rejected", "cr-us-1", "md-us-1"} <= matched
    us = _path(model, "Acme Group", "Acme US")
    assert "Creatives (1)" in _names(model, us)


def test_filter_without_matches_and_clearing_restores_lazy_tree(filled_store: Store) -> None:
    model = AccountTreeModel(filled_store)
    model.set_filter("no such thing")
    assert model.rowCount(QModelIndex()) == 0
    assert not model.hasChildren(QModelIndex())
    model.set_filter("")
    assert not model.is_filtered
    assert model.canFetchMore(QModelIndex())
    model.fetchMore(QModelIndex())
    org = model.index(0, 0, QModelIndex())
    assert model.rowCount(org) == 0 and model.canFetchMore(org)


def test_locate_fetches_along_the_path(filled_store: Store) -> None:
    model = AccountTreeModel(filled_store)
    path = (
        ("organization", data.ORG),
        ("ad_account", data.US),
        ("campaign", "cmp-us-spring"),
        ("ad_squad", "sq-us-1"),
    )
    index = model.locate(path)
    assert index.isValid() and index.data() == "US 18-34"
    assert model.node(index).path() == path
    assert not model.locate((("organization", "gone"),)).isValid()


def test_large_lists_insert_in_batches(store: Store) -> None:
    data.fill(store)
    campaigns = [
        {
            "id": f"cmp-{i:05d}",
            "ad_account_id": data.JP,
            "name": f"Campaign {i:05d}",
            "status": "ACTIVE",
        }
        for i in range(1200)
    ]
    store.replace_account_snapshot(data.JP, {"campaigns": campaigns})
    model = AccountTreeModel(store)
    jp = _path(model, "Acme Group", "Acme Japan")
    model.fetchMore(jp)
    assert model.rowCount(jp) == 500
    assert model.canFetchMore(jp)
    model.fetch_all(jp)
    assert model.rowCount(jp) == 1200
