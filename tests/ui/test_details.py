"""The details panel: empty state, formatted money and times, chips, copy, raw JSON."""

from __future__ import annotations

import json

from PySide6.QtCore import QModelIndex
from PySide6.QtGui import QGuiApplication

from snapdesk.store import Store
from snapdesk.ui.models.account_tree import AccountTreeModel
from snapdesk.ui.models.tree_nodes import TreeNode
from snapdesk.ui.views.details import EMPTY_TEXT, DetailsPanel, targeting_summary
from tests.ui import data


def _node(model: AccountTreeModel, *ids: tuple[str, str]) -> TreeNode:
    node = model.node(model.locate(ids))
    assert node is not None
    return node


ORG = ("organization", data.ORG)
US = ("ad_account", data.US)
JP = ("ad_account", data.JP)
SPRING = ("campaign", "cmp-us-spring")
SQUAD = ("ad_squad", "sq-us-1")


def _panel(qtbot, store: Store) -> DetailsPanel:
    panel = DetailsPanel(store)
    qtbot.addWidget(panel)
    panel.resize(520, 800)
    panel.show()
    return panel


def test_empty_state(qtbot, filled_store: Store) -> None:
    panel = _panel(qtbot, filled_store)
    assert panel.is_empty()
    assert panel.empty_page.text_label.text() == EMPTY_TEXT
    panel.show_node(None)
    assert panel.is_empty()


def test_campaign_money_in_dollars_and_time_in_account_zone(qtbot, filled_store: Store) -> None:
    panel = _panel(qtbot, filled_store)
    model = AccountTreeModel(filled_store)
    panel.show_node(_node(model, ORG, US, SPRING))
    assert not panel.is_empty()
    text = panel.field_text()
    assert "Spring Sale" in text
    assert "cmp-us-spring" in text
    assert "USD 12.50" in text
    assert "Brand awareness" in text
    # 08:00 UTC on 1 March is midnight in Los Angeles (PST).
    assert "1 Mar 2026, 00:00 PST" in text


def test_yen_has_no_decimals_and_tokyo_time(qtbot, filled_store: Store) -> None:
    panel = _panel(qtbot, filled_store)
    model = AccountTreeModel(filled_store)
    panel.show_node(_node(model, ORG, JP, ("campaign", "cmp-jp-tokyo")))
    text = panel.field_text()
    assert "JPY 5,000" in text
    assert "JPY 5,000.00" not in text
    assert "1 Mar 2026, 17:00 JST" in text
    assert "Campaign has no active ad squad" in text  # delivery status chip


def test_ad_squad_targeting_and_bid_strategy(qtbot, filled_store: Store) -> None:
    panel = _panel(qtbot, filled_store)
    model = AccountTreeModel(filled_store)
    panel.show_node(_node(model, ORG, US, SPRING, SQUAD))
    text = panel.field_text()
    assert "Auto bid" in text
    assert "USD 20.00" in text
    assert "Countries: US" in text
    assert "Ages 18–34" in text


def test_ad_shows_review_creative_and_media(qtbot, filled_store: Store) -> None:
    panel = _panel(qtbot, filled_store)
    model = AccountTreeModel(filled_store)
    panel.show_node(_node(model, ORG, US, SPRING, SQUAD, ("ad", "ad-us-rejected")))
    text = panel.field_text()
    assert "Review: Rejected" in text
    assert "Image quality is too low" in text
    assert "Fresh for spring" in text  # creative headline
    assert "Acme" in text  # brand
    assert "2.4 MB" in text  # media size
    assert "Ready" in text


def test_account_sync_error_banner(qtbot, filled_store: Store) -> None:
    panel = _panel(qtbot, filled_store)
    model = AccountTreeModel(filled_store)
    panel.show_node(_node(model, ORG, US), sync_error="Snap had a server error (HTTP 500)")
    assert panel.error_banner.isVisible()
    assert "Snap had a server error" in panel.error_text.text()
    assert "America/Los_Angeles" in panel.field_text()
    panel.show_node(_node(model, ORG, JP))
    assert not panel.error_banner.isVisible()


def test_copy_id_and_raw_json(qtbot, filled_store: Store) -> None:
    panel = _panel(qtbot, filled_store)
    model = AccountTreeModel(filled_store)
    panel.show_node(_node(model, ORG, US, SPRING))
    with qtbot.waitSignal(panel.id_copied):
        panel.copy_button.click()
    assert QGuiApplication.clipboard().text() == "cmp-us-spring"
    assert not panel.raw_view.isVisible()
    panel.raw_toggle.click()
    assert panel.raw_view.isVisible()
    assert json.loads(panel.raw_view.toPlainText())["daily_budget_micro"] == 12_500_000


def test_every_kind_renders(qtbot, filled_store: Store) -> None:
    panel = _panel(qtbot, filled_store)
    model = AccountTreeModel(filled_store)
    model.locate((ORG, US, SPRING, SQUAD))
    for row in range(model.rowCount(model.locate((ORG, US)))):
        model.fetch_all(model.index(row, 0, model.locate((ORG, US))))
    model.fetch_all(QModelIndex())
    for node in list(model.iter_loaded()):
        panel.show_node(node)
        assert node.display_name in panel.field_text()


def test_targeting_summary_handles_missing_parts() -> None:
    assert targeting_summary(None) == "Everyone (no targeting)"
    assert targeting_summary({}) == "Everyone (no targeting)"
    summary = targeting_summary(
        {
            "geos": [{"country_code": "fr"}, {"country_code": "de"}],
            "demographics": [{"gender": "FEMALE"}],
            "segments": [{"segment_id": ["a", "b"], "operation": "INCLUDE"}],
            "devices": [{"os_type": "iOS"}],
        }
    )
    assert summary.splitlines() == [
        "Countries: DE, FR",
        "Female",
        "Devices: iOS",
        "Audiences: 2 segments",
    ]
