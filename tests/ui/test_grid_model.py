"""The grid's Qt models over a real cache (GBP in London, JPY in Tokyo, USD in Los Angeles):
pytest-qt's model tester over a loaded `GridModel` after every kind of change (rows, filter,
sort, performance, check findings, columns, level, incremental updates) and over the totals
model; pending marks with their colours and "old → new" tooltips; the selection following its
entities through sorting, filtering and reloads."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QTableView
from pytestqt.qtbot import QtBot

from snapdesk.changes import EditService
from snapdesk.changes.model import CheckIssue
from snapdesk.core.kinds import AD, AD_SQUAD, CAMPAIGN
from snapdesk.grid.perf import DateRange, cached_perf, totals
from snapdesk.grid.query import Condition, FilterSpec
from snapdesk.grid.rows import Scope, load_rows, refresh_rows
from snapdesk.store import Store
from snapdesk.ui.models.grid import ISSUE_ROLE, ROW_ROLE, GridModel
from snapdesk.ui.models.grid_totals import GridTotalsModel
from tests.grid import sheets_data
from tests.grid.sheets_data import GB, JP, US

NOW = datetime(2026, 5, 20, 12, 0, tzinfo=UTC)
WEEK = DateRange.of("last_7")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / "cache.sqlite3")
    sheets_data.fill(s)
    day = (NOW.date() - timedelta(days=2)).isoformat()
    for tag, aid, spend in (("gb", GB, 45_000_000), ("jp", JP, 9_000_000_000), ("us", US, 0)):
        for squad in ("young", "wide"):
            sheets_data.add_day_stats(
                s,
                entity_id=f"sq-{tag}-{squad}",
                ad_account_id=aid,
                level=AD_SQUAD,
                day=day,
                impressions=12_000,
                swipes=240,
                spend=spend,
            )
    yield s
    s.close()


def loaded(store: Store, level: str = AD_SQUAD, *, perf: bool = True) -> GridModel:
    model = GridModel(level)
    rows = load_rows(store, level)
    if perf:
        figures = cached_perf(store, level, None, WEEK, now=NOW)
        for row in rows:
            row.perf = figures.get(row.id)
    model.set_rows(rows)
    return model


def names(model: GridModel) -> list[str]:
    return [r.name for r in model.rows()]


def cell(model: GridModel, entity_id: str, key: str) -> QModelIndex:
    index = model.index_for(entity_id, key)
    assert index.isValid(), (entity_id, key)
    return index


# -- the model contract ------------------------------------------------------------------------


def test_model_tester_over_every_change(qtmodeltester, store: Store) -> None:
    model = loaded(store)
    assert model.rowCount() == 9
    qtmodeltester.check(model)

    model.set_filter(FilterSpec("wide"))
    assert model.rowCount() == 6
    qtmodeltester.check(model)

    model.sort(model.column_of("stats_spend"), Qt.SortOrder.DescendingOrder)
    qtmodeltester.check(model)
    model.set_filter(FilterSpec())
    model.set_sort("budget", descending=False)
    qtmodeltester.check(model)

    model.set_perf(cached_perf(store, AD_SQUAD, None, DateRange.of("last_30"), now=NOW))
    qtmodeltester.check(model)
    model.set_issues(
        [
            CheckIssue(
                change_id="c1",
                ad_account_id=GB,
                kind=AD_SQUAD,
                entity_id="sq-gb-young",
                name="18-34",
                action="update",
                field="bid_micro",
                message="The bid is above the daily budget",
                severity="error",
                code="bid_above_budget",
                remedy="Lower the bid",
            )
        ]
    )
    qtmodeltester.check(model)
    assert cell(model, "sq-gb-young", "bid").data(ISSUE_ROLE)[0].code == "bid_above_budget"

    model.set_columns(["name", "status", "stats_impressions"])
    qtmodeltester.check(model)
    model.update_rows(refresh_rows(store, AD_SQUAD, ["sq-jp-wide"]), removed=["sq-us-brand"])
    assert model.total_count == 8
    qtmodeltester.check(model)
    model.set_level(AD)
    model.set_rows(load_rows(store, AD))
    qtmodeltester.check(model)


def test_a_targeting_finding_marks_the_targeting_column(store: Store) -> None:
    """Issue 17: targeting findings name their part (targeting.age, targeting.geos…); the grid
    shows each in its Targeting column, as it did the plain "targeting" field."""
    model = loaded(store)
    findings = [
        CheckIssue(
            change_id="c1",
            ad_account_id=GB,
            kind=AD_SQUAD,
            entity_id="sq-gb-young",
            name="18-34",
            action="update",
            field=field,
            message=f"{field} finding",
            severity="error",
            code="invalid",
            remedy="Fix it in the editor",
        )
        for field in ("targeting.age", "targeting.geos", "targeting")
    ]
    model.set_issues(findings)
    assert [i.field for i in model.issues_of("sq-gb-young", "targeting")] == [
        "targeting.age",
        "targeting.geos",
        "targeting",
    ]
    assert model.issues_of("sq-gb-young", "name") == []


def test_an_empty_model_and_an_empty_filter_result(qtmodeltester, store: Store) -> None:
    model = GridModel(CAMPAIGN)
    qtmodeltester.check(model)
    model.set_rows(load_rows(store, CAMPAIGN))
    model.set_filter(FilterSpec("no such campaign anywhere"))
    assert model.rowCount() == 0
    qtmodeltester.check(model)


def test_totals_model_contract_and_sums(qtmodeltester, store: Store) -> None:
    model = loaded(store)
    totals_model = GridTotalsModel()
    totals_model.set_columns(model.visible_columns())
    totals_model.set_rows(model.rows())
    qtmodeltester.check(totals_model)
    # one for all currencies in USD first (the grid shows three totals rows, the wheel
    # scrolls to the others), then one per currency
    rows = totals_model.totals_rows()
    assert [r.id for r in rows] == ["total:*", "total:GBP", "total:JPY", "total:USD"]
    assert totals_model.index(0, 0).data().startswith("All currencies in USD · 9 rows")
    assert totals_model.text("GBP", "stats_spend") == "£90.00"
    assert totals_model.text("JPY", "stats_spend") == "¥18,000"
    assert totals_model.text("GBP", "stats_impressions") == "24,000"
    assert totals_model.text("*", "stats_impressions") == "72,000"
    # no FX rate was stored with the days: no USD total rather than a partial one
    assert totals_model.text("*", "stats_spend_usd") == ""
    label = totals_model.index(1, 0).data()
    assert label.startswith("Total GBP · 3 rows")
    assert totals_model.index(1, model.column_of("status")).data() == ""
    # the sums follow the shown rows
    model.set_filter(FilterSpec(conditions=(Condition("status", "is", ("ACTIVE",)),)))
    totals_model.set_rows(model.rows())
    assert totals_model.text("GBP", "stats_spend") == "£45.00"
    qtmodeltester.check(totals_model)


def test_totals_of_rows_without_figures_are_empty_not_zero(store: Store) -> None:
    rows = load_rows(store, CAMPAIGN)  # no campaign has cached stats
    assert all(r.perf is None for r in rows)
    [gbp, *_rest] = totals(rows)
    assert gbp.perf.spend is None and gbp.perf.impressions is None


# -- marks and tooltips ------------------------------------------------------------------------


def test_an_edited_cell_is_marked_and_says_old_and_new(store: Store) -> None:
    EditService(store=store).edit(
        kind=AD_SQUAD, entity_id="sq-gb-young", fields={"daily_budget_micro": 49_500_000}
    )
    model = loaded(store)
    budget = cell(model, "sq-gb-young", "budget")
    assert budget.data() == "£49.50"
    assert budget.data(Qt.ItemDataRole.ToolTipRole) == "Was: £45.00 → now £49.50 (pending)"
    assert budget.data(Qt.ItemDataRole.BackgroundRole) is not None  # tinted: edited
    name = cell(model, "sq-gb-young", "name")
    assert name.data(Qt.ItemDataRole.AccessibleTextRole) == "18-34  (edited, pending)"
    assert not name.data(Qt.ItemDataRole.DecorationRole).isNull()  # the Δ badge
    # the other cells of the row are not tinted, other rows have no tooltip of that kind
    assert cell(model, "sq-gb-young", "status").data(Qt.ItemDataRole.BackgroundRole) is None
    assert cell(model, "sq-jp-young", "budget").data(Qt.ItemDataRole.ToolTipRole) is None
    assert budget.data(ROW_ROLE).mark == "Δ"


def test_new_and_deleted_rows_look_different(store: Store) -> None:
    edits = EditService(store=store)
    edits.create_ad_squad(
        campaign_id="cmp-us-spring",
        fields={
            "name": "Lookalike 1%",
            "status": "PAUSED",
            "type": "SNAP_ADS",
            "billing_event": "IMPRESSION",
            "optimization_goal": "SWIPES",
            "bid_strategy": "AUTO_BID",
            "daily_budget_micro": 30_000_000,
            "start_time": "2026-06-01T07:00:00.000Z",
            "placement_v2": {"config": "AUTOMATIC"},
            "targeting": {"geos": [{"country_code": "us"}]},
        },
    )
    edits.delete(["sq-jp-wide"])
    model = loaded(store)
    new = next(r for r in model.rows() if r.name == "Lookalike 1%")
    assert new.mark == "+" and new.campaign_name == "Spring Sale"
    name = cell(model, new.id, "name")
    assert name.data(Qt.ItemDataRole.ToolTipRole).startswith("New — not on Snap")
    assert name.data(Qt.ItemDataRole.ForegroundRole) is not None
    gone = cell(model, "sq-jp-wide", "name")
    assert gone.data(Qt.ItemDataRole.FontRole).strikeOut()
    assert gone.data(Qt.ItemDataRole.ToolTipRole) == "Will be deleted when you post (pending)"
    assert not (model.flags(cell(model, "sq-jp-wide", "bid")) & Qt.ItemFlag.ItemIsEditable)
    # the filter "has a pending change" finds exactly these two and the edited ones
    model.set_filter(FilterSpec(conditions=(Condition("", "pending"),)))
    assert sorted(names(model)) == sorted(["Lookalike 1%", "Wide reach"])


# -- the selection follows its entities ------------------------------------------------------


def test_selection_and_current_cell_survive_sort_filter_and_reload(
    qtbot: QtBot, store: Store
) -> None:
    model = loaded(store)
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    target = cell(model, "sq-jp-young", "budget")
    view.selectionModel().setCurrentIndex(target, QItemSelectionModel.SelectionFlag.ClearAndSelect)
    held = QPersistentModelIndex(target)

    model.sort(model.column_of("budget"), Qt.SortOrder.DescendingOrder)
    assert view.currentIndex().data(ROW_ROLE).id == "sq-jp-young"
    assert view.currentIndex().column() == model.column_of("budget")
    model.set_filter(FilterSpec("18-34"))
    assert view.currentIndex().data(ROW_ROLE).id == "sq-jp-young"
    model.set_rows(load_rows(store, AD_SQUAD))  # a reload: new row objects, same entities
    assert view.currentIndex().data(ROW_ROLE).id == "sq-jp-young"
    assert [i.data(ROW_ROLE).id for i in view.selectionModel().selectedIndexes()] == ["sq-jp-young"]
    assert held.isValid() and held.data(ROW_ROLE).id == "sq-jp-young"
    # filtered out: the index goes invalid instead of pointing at another row
    model.set_filter(FilterSpec("wide"))
    assert not held.isValid()


def test_sort_keeps_empty_cells_last_both_ways(store: Store) -> None:
    model = loaded(store)
    model.set_sort("stats_spend", descending=True)
    spends = [r.perf.spend if r.perf else None for r in model.rows()]
    assert spends[:6] == [Decimal(9000)] * 2 + [Decimal(45)] * 2 + [Decimal(0)] * 2
    assert spends[6:] == [None, None, None]
    model.set_sort("stats_spend", descending=False)
    spends = [r.perf.spend if r.perf else None for r in model.rows()]
    assert spends[:2] == [Decimal(0)] * 2 and spends[6:] == [None, None, None]


def test_header_and_alignment(store: Store) -> None:
    model = loaded(store)
    spend = model.column_of("stats_spend")
    assert model.headerData(spend, Qt.Orientation.Horizontal) == "Spend"
    right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
    assert model.index(0, spend).data(Qt.ItemDataRole.TextAlignmentRole) == right
    assert model.headerData(spend, Qt.Orientation.Vertical) is None


def test_scope_narrowing_rows(store: Store) -> None:
    scope = Scope(ad_account_ids=(GB,), campaign_id="cmp-gb-spring", label="Spring Sale")
    rows = load_rows(store, AD_SQUAD, scope)
    assert sorted(r.id for r in rows) == ["sq-gb-wide", "sq-gb-young"]
    assert date(2026, 1, 1) < NOW.date()
