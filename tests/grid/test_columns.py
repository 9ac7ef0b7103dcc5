"""The grid's column definitions: what a cell shows, writes to a file, and means when edited."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from snapdesk.core.kinds import AD, AD_SQUAD, CAMPAIGN
from snapdesk.grid import COLUMNS, CellError, GridRow, columns_for, parse_cell
from snapdesk.grid.columns import (
    by_file_name,
    default_visible,
    delivery_issues,
    parse_local,
    same_value,
    targeting_summary,
)
from snapdesk.grid.rows import AccountInfo

GB = AccountInfo("acc-gb", "Harbour UK", "GBP", "Europe/London")
JP = AccountInfo("acc-jp", "Sakura JP", "JPY", "Asia/Tokyo")
US = AccountInfo("acc-us", "Lumen US", "USD", "America/Los_Angeles")


def squad(account: AccountInfo = GB, **data: Any) -> GridRow:
    obj = {
        "id": "sq-1",
        "name": "UK 18-34",
        "status": "ACTIVE",
        "campaign_id": "cmp-1",
        "daily_budget_micro": 45_000_000,
        "bid_strategy": "LOWEST_COST_WITH_MAX_BID",
        "bid_micro": 1_250_000,
        "start_time": "2026-03-16T17:26:11.924Z",
        "delivery_status": ["VALID"],
        "targeting": {"geos": [{"country_code": "gb", "operation": "INCLUDE"}]},
        "placement_v2": {"config": "AUTOMATIC"},
        "optimization_goal": "SWIPES",
    }
    obj.update(data)
    obj = {k: v for k, v in obj.items() if v is not None}
    row = GridRow(AD_SQUAD, str(obj["id"]), account, obj, base=obj)
    row.campaign_id = "cmp-1"
    row.campaign_name = "Spring"
    row.campaign = {"objective": "WEB_CONVERSION"}
    return row


def col(key: str) -> Any:
    return COLUMNS[key]


# -- levels and headers ----------------------------------------------------------------------


def test_file_headers_are_api_field_names_with_money_in_units() -> None:
    names = {c.export_name for c in columns_for(AD_SQUAD)}
    for header in ("id", "name", "status", "ad_account_id", "campaign_id", "daily_budget",
                   "lifetime_budget", "bid", "start_time", "end_time", "targeting"):  # fmt: skip
        assert header in names
    assert "ad_squad_id" in {c.export_name for c in columns_for(AD)}
    assert "lifetime_spend_cap" in {c.export_name for c in columns_for(CAMPAIGN)}
    stats = [c.export_name for c in columns_for(AD) if c.performance]
    assert stats and all(name.startswith("stats_") for name in stats)
    assert not any(c.editable for c in columns_for(AD) if c.performance)


def test_default_columns_per_level_name_the_parent() -> None:
    assert default_visible(CAMPAIGN)[:2] == ["name", "account"]
    assert "campaign" in default_visible(AD_SQUAD)
    assert "ad_squad" in default_visible(AD)
    assert "bid" in default_visible(AD_SQUAD) and "bid" not in default_visible(CAMPAIGN)
    assert "review_status" in default_visible(AD)
    # every level can look a file header up, and its keys too (hand-written files)
    assert by_file_name(AD_SQUAD)["daily_budget"] is COLUMNS["daily_budget"]
    assert by_file_name(AD)["creative_name"] is COLUMNS["creative"]


# -- display and export ----------------------------------------------------------------------


def test_money_shows_in_the_rows_currency_and_exports_units_with_a_dot() -> None:
    gb, jp = squad(GB), squad(JP, daily_budget_micro=1_500_000_000, bid_micro=None)
    assert col("budget").display(gb) == "£45.00"
    assert col("budget").export_text(gb) == "45.00"
    assert col("budget").display(jp) == "¥1,500"
    assert col("daily_budget").export_text(jp) == "1500"
    assert col("bid").export(gb) == Decimal("1.25")
    assert col("bid").export(jp) is None


def test_times_show_in_the_accounts_zone_across_daylight_saving() -> None:
    winter = squad(start_time="2026-01-15T12:00:00.000Z")
    summer = squad(start_time="2026-07-15T12:00:00.000Z")
    assert col("start_time").display(winter) == "2026-01-15 12:00"
    assert col("start_time").display(summer) == "2026-07-15 13:00"
    assert col("start_time").export_text(summer) == "2026-07-15T13:00:00+01:00"
    tokyo = squad(JP, start_time="2026-07-15T12:00:00.000Z")
    assert col("start_time").display(tokyo) == "2026-07-15 21:00"


def test_lifetime_budget_row_shows_and_edits_the_lifetime_field() -> None:
    row = squad(daily_budget_micro=None, lifetime_budget_micro=2_000_000_000)
    assert col("budget").display(row) == "£2,000.00"
    assert col("budget_type").export_text(row) == "LIFETIME"
    assert parse_cell(row, col("budget"), "+10%") == {"lifetime_budget_micro": 2_200_000_000}


def test_targeting_summary_and_json_export() -> None:
    targeting = {
        "geos": [{"country_code": "gb"}, {"country_code": "ie"}],
        "demographics": [{"min_age": "18", "max_age": "34", "gender": "FEMALE"}],
        "interests": [{"category_id": ["SLC_1", "SLC_2"]}],
        "segments": [{"segment_id": ["s1"]}],
    }
    row = squad(targeting=targeting)
    assert col("targeting").display(row) == "GB, IE · 18–34 · female · 2 interests · 1 audience"
    assert json.loads(str(col("targeting").export(row))) == targeting
    assert targeting_summary(None) == "Everyone"


def test_delivery_issue_only_for_active_rows() -> None:
    assert delivery_issues(squad(delivery_status=["INVALID_BUDGET_EXHAUSTED"]))
    assert not delivery_issues(squad(status="PAUSED", delivery_status=["INVALID_NOT_ACTIVE"]))
    assert not delivery_issues(squad(delivery_status=["VALID"]))


def test_sort_keys_put_empty_cells_first_and_compare_values_not_text() -> None:
    rows = [squad(bid_micro=9_000_000), squad(bid_micro=None), squad(bid_micro=10_000_000)]
    ordered = sorted(rows, key=col("bid").sort_key)
    assert [r.data.get("bid_micro") for r in ordered] == [None, 9_000_000, 10_000_000]


# -- editing ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("account", "micro", "typed", "expected"),
    [
        (GB, 45_000_000, "+10%", 49_500_000),
        (GB, 45_000_000, "-5%", 42_750_000),
        (GB, 45_000_000, "+5", 50_000_000),
        (GB, 45_000_000, "-5", 40_000_000),
        (GB, 45_000_000, "=120", 120_000_000),
        (GB, 45_000_000, "120", 120_000_000),
        (GB, 45_000_000, "£1,234.50", 1_234_500_000),
        (GB, 33_330_000, "+10%", 36_660_000),  # 36.663 → 36.66 (half-even to pence)
        (JP, 1_001_000_000, "+10%", 1_101_000_000),  # 1101.1 → 1101 yen
        (JP, 1_005_000_000, "+50%", 1_508_000_000),  # 1507.5 → 1508 (half to even)
        (US, 20_000_000, "−5", 15_000_000),  # a typographic minus
    ],
)
def test_money_expressions(account: AccountInfo, micro: int, typed: str, expected: int) -> None:
    row = squad(account, daily_budget_micro=micro)
    assert parse_cell(row, col("budget"), typed) == {"daily_budget_micro": expected}


@pytest.mark.parametrize(
    ("row_kw", "typed", "message"),
    [
        ({"daily_budget_micro": None}, "+10%", "no amount to change yet"),
        ({}, "10%", "with its sign"),
        ({}, "-50", "can't be negative"),
        ({}, "abc", "is not an amount"),
        ({}, "12,5", "use a dot for decimals"),
    ],
)
def test_money_refusals(row_kw: dict[str, Any], typed: str, message: str) -> None:
    with pytest.raises(CellError, match=message):
        parse_cell(squad(**row_kw), col("budget"), typed)


def test_yen_refuses_decimals() -> None:
    with pytest.raises(CellError, match="JPY amounts have no decimals"):
        parse_cell(squad(JP), col("budget"), "12.5")


def test_status_enum_and_strategy_cells() -> None:
    row = squad()
    assert parse_cell(row, col("status"), " paused ") == {"status": "PAUSED"}
    with pytest.raises(CellError, match="ACTIVE or PAUSED"):
        parse_cell(row, col("status"), "stopped")
    assert parse_cell(row, col("bid_strategy"), "auto bid") == {
        "bid_strategy": "AUTO_BID",
        "bid_micro": None,
    }
    with pytest.raises(CellError, match="not one of"):
        parse_cell(row, col("bid_strategy"), "CHEAPEST")
    with pytest.raises(CellError, match="read-only"):
        parse_cell(row, col("delivery_status"), "VALID")


def test_time_cells_in_the_accounts_zone() -> None:
    row = squad()
    assert parse_cell(row, col("end_time"), "2026-12-24 09:00") == {
        "end_time": "2026-12-24T09:00:00.000Z"
    }
    assert parse_cell(row, col("end_time"), "2026-07-01 09:00") == {
        "end_time": "2026-07-01T08:00:00.000Z"  # BST
    }
    assert parse_cell(row, col("end_time"), "2026-07-01T09:00:00+02:00") == {
        "end_time": "2026-07-01T07:00:00.000Z"
    }
    assert parse_cell(row, col("end_time"), "") == {"end_time": None}
    with pytest.raises(CellError, match="start time is required"):
        parse_cell(row, col("start_time"), "")
    with pytest.raises(CellError, match="2026-05-01 09:00"):
        parse_cell(row, col("start_time"), "next tuesday")
    # a spreadsheet datetime (naive) is the account's local time
    assert parse_local(datetime(2026, 7, 1, 9, 0), "Europe/London") == datetime(
        2026, 7, 1, 8, 0, tzinfo=UTC
    )


def test_unchanged_time_keeps_the_stored_milliseconds() -> None:
    row = squad()
    shown = col("start_time").export_text(row)
    assert parse_cell(row, col("start_time"), shown) == {"start_time": "2026-03-16T17:26:11.924Z"}


def test_targeting_cell_takes_json_objects_only() -> None:
    row = squad()
    assert parse_cell(row, col("targeting"), '{"geos":[{"country_code":"ie"}]}') == {
        "targeting": {"geos": [{"country_code": "ie"}]}
    }
    with pytest.raises(CellError, match="not valid JSON"):
        parse_cell(row, col("targeting"), "{geos:")
    with pytest.raises(CellError, match="JSON object"):
        parse_cell(row, col("targeting"), "[1, 2]")
    assert not col("targeting").editable and col("targeting").importable


# -- round trip: a file cell that says what the row holds ------------------------------------


@pytest.mark.parametrize("key", [c.key for c in columns_for(AD_SQUAD) if not c.performance])
def test_every_exported_cell_reads_back_as_unchanged(key: str) -> None:
    row = squad(end_time="2026-10-25T01:30:00.000Z")  # the night the clocks go back
    column = col(key)
    assert same_value(row, column, column.export(row))
    assert same_value(row, column, column.export_text(row))


def test_spreadsheet_values_compare_as_values() -> None:
    row = squad()
    assert same_value(row, col("budget"), 45.0)  # Excel turned "45.00" into a number
    assert same_value(row, col("bid"), "1.250")
    assert not same_value(row, col("bid"), 1.26)
    assert same_value(row, col("status"), "active")
    swapped = json.dumps({"geos": [{"operation": "INCLUDE", "country_code": "gb"}]})
    assert same_value(row, col("targeting"), swapped)
    assert same_value(row, col("end_time"), "")
    assert not same_value(row, col("end_time"), "2026-12-01 00:00")
    assert same_value(row, col("start_time"), datetime(2026, 3, 16, 17, 26, 11))
