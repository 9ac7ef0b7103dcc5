"""Filtering and sorting grid rows (snapdesk.grid.query) over a real cache: GBP in London, JPY
in Tokyo, USD in Los Angeles. Free text, enum and list columns in the API's spelling, money in
each row's own currency, percentages typed as percent, days in each account's time zone,
text, empty cells, the row conditions (delivery issue, pending, check findings), the labels a
chip shows, JSON both ways, the errors a user sees, stable sorting with empty cells last, and
the per-column cache carried over a reload."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from snapdesk.changes import EditService
from snapdesk.core.kinds import AD, AD_SQUAD, CAMPAIGN
from snapdesk.grid.columns import COLUMNS
from snapdesk.grid.perf import Perf
from snapdesk.grid.query import (
    Condition,
    FilterSpec,
    QueryError,
    RowCache,
    apply,
    operators_for,
    sort,
)
from snapdesk.grid.rows import GridRow, load_rows
from snapdesk.stats.metrics import Metrics
from snapdesk.store import Store
from tests.grid import sheets_data


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / "cache.sqlite3")
    sheets_data.fill(s)
    yield s
    s.close()


def ids(rows: list[GridRow], spec: FilterSpec, **kw: object) -> list[str]:
    return [rows[i].id for i in apply(rows, spec, **kw)]  # type: ignore[arg-type]


def where(*conditions: Condition, text: str = "") -> FilterSpec:
    return FilterSpec(text, tuple(c.check() for c in conditions))


def with_perf(rows: list[GridRow], **by_id: dict[str, int]) -> list[GridRow]:
    for row in rows:
        values = by_id.get(row.id.replace("-", "_"))
        row.perf = None if values is None else Perf(Metrics(row.currency, values), None)
    return rows


# -- free text -------------------------------------------------------------------------------


def test_every_word_must_appear_in_name_id_parents_or_account(store: Store) -> None:
    squads = load_rows(store, AD_SQUAD)
    assert ids(squads, FilterSpec("WIDE sakura")) == ["sq-jp-wide", "sq-jp-brand"]
    # a parent's name (the campaign) and part of an id match too
    assert ids(squads, FilterSpec("always")) == ["sq-gb-brand", "sq-jp-brand", "sq-us-brand"]
    assert ids(squads, FilterSpec("sq-us-y")) == ["sq-us-young"]
    assert ids(squads, FilterSpec("  ")) == [r.id for r in squads]
    assert ids(squads, FilterSpec("wide nothing")) == []


# -- enums and lists -------------------------------------------------------------------------


def test_enum_is_and_is_not_use_the_api_spelling(store: Store) -> None:
    campaigns = load_rows(store, CAMPAIGN)
    active = where(Condition("status", "is", ("ACTIVE",)))
    assert ids(campaigns, active) == ["cmp-gb-spring", "cmp-jp-spring", "cmp-us-spring"]
    assert ids(campaigns, where(Condition("status", "is", ("active", "PAUSED")))) == [
        r.id for r in campaigns
    ]
    not_active = where(Condition("status", "is_not", ("ACTIVE",)))
    assert ids(campaigns, not_active) == ["cmp-gb-always", "cmp-jp-always", "cmp-us-always"]
    # the objective column reads the campaign's objective for an ad squad
    squads = load_rows(store, AD_SQUAD)
    awareness = where(Condition("objective", "is", ("BRAND_AWARENESS",)))
    assert ids(squads, awareness) == ["sq-gb-brand", "sq-jp-brand", "sq-us-brand"]


def test_list_columns_match_any_of_their_values(store: Store) -> None:
    squads = load_rows(store, AD_SQUAD)
    issue = where(Condition("delivery_status", "is", ("INVALID_NOT_ACTIVE",)))
    assert ids(squads, issue) == ["sq-gb-wide", "sq-jp-wide", "sq-us-wide"]
    # contains reads the text shown ("Not active") and the API value alike
    assert ids(squads, where(Condition("delivery_status", "contains", "not active"))) == ids(
        squads, issue
    )
    assert ids(squads, where(Condition("delivery_status", "contains", "INVALID_NOT"))) == ids(
        squads, issue
    )


# -- numbers, money, percentages ---------------------------------------------------------------


def test_money_is_compared_in_each_rows_own_currency(store: Store) -> None:
    campaigns = load_rows(store, CAMPAIGN)
    # budgets: 75 GBP, 11,250 JPY, 75 USD (daily); 2,500 GBP, 375,000 JPY, 2,500 USD (lifetime)
    assert ids(campaigns, where(Condition("budget", "gt", "100"))) == [
        "cmp-gb-always",
        "cmp-jp-spring",
        "cmp-jp-always",
        "cmp-us-always",
    ]
    assert ids(campaigns, where(Condition("budget", "eq", "75"))) == [
        "cmp-gb-spring",
        "cmp-us-spring",
    ]
    assert ids(campaigns, where(Condition("budget", "le", "1,000"))) == [
        "cmp-gb-spring",
        "cmp-us-spring",
    ]
    # between takes its bounds in either order
    assert ids(campaigns, where(Condition("budget", "between", ("3000", "10")))) == [
        "cmp-gb-spring",
        "cmp-gb-always",
        "cmp-us-spring",
        "cmp-us-always",
    ]
    # a column a row has no value in never matches a comparison
    assert ids(campaigns, where(Condition("daily_budget", "ge", "0"))) == [
        "cmp-gb-spring",
        "cmp-jp-spring",
        "cmp-us-spring",
    ]


def test_percentages_are_typed_as_percent_and_empty_performance_never_matches(
    store: Store,
) -> None:
    squads = with_perf(
        load_rows(store, AD_SQUAD),
        sq_gb_young={"impressions": 1000, "swipes": 25, "spend": 10_000_000},  # 2.5 %
        sq_jp_young={"impressions": 1000, "swipes": 10, "spend": 900_000_000},  # 1.0 %
        sq_us_young={"impressions": 0, "swipes": 0, "spend": 0},
    )
    assert ids(squads, where(Condition("stats_swipe_rate", "gt", "1.5"))) == ["sq-gb-young"]
    assert ids(squads, where(Condition("stats_swipe_rate", "gt", "1.5%"))) == ["sq-gb-young"]
    assert ids(squads, where(Condition("stats_spend", "gt", "100"))) == ["sq-jp-young"]
    assert ids(squads, where(Condition("stats_spend", "empty"))) == [
        "sq-gb-wide",
        "sq-gb-brand",
        "sq-jp-wide",
        "sq-jp-brand",
        "sq-us-wide",
        "sq-us-brand",
    ]
    assert ids(squads, where(Condition("stats_impressions", "eq", "0"))) == ["sq-us-young"]


# -- days in the account's time zone -------------------------------------------------------------


def test_dates_are_days_in_each_accounts_zone(store: Store) -> None:
    campaigns = load_rows(store, CAMPAIGN)
    # "Always On" starts 2026-01-10T23:00Z: the 10th in London and Los Angeles, the 11th in Tokyo
    assert ids(campaigns, where(Condition("start_time", "eq", "2026-01-11"))) == ["cmp-jp-always"]
    assert ids(campaigns, where(Condition("start_time", "eq", "2026-01-10"))) == [
        "cmp-gb-always",
        "cmp-us-always",
    ]
    # the Spring end: 00:30 UTC on 25 October is the 25th in London, the 24th in Los Angeles
    assert ids(campaigns, where(Condition("end_time", "lt", "2026-10-25"))) == ["cmp-us-spring"]
    assert ids(
        campaigns, where(Condition("end_time", "between", ("2026-10-25", "2026-10-25")))
    ) == [
        "cmp-gb-spring",
        "cmp-jp-spring",
    ]
    assert ids(campaigns, where(Condition("end_time", "empty"))) == [
        "cmp-gb-always",
        "cmp-jp-always",
        "cmp-us-always",
    ]
    label = Condition("start_time", "ge", "2026-03-01").label()
    assert label == "Start on or after 2026-03-01"


# -- text and empty cells ---------------------------------------------------------------------


def test_contains_and_not_contains(store: Store) -> None:
    ads = load_rows(store, AD)
    assert ids(ads, where(Condition("name", "contains", "“QUOTED”"))) == [
        "ad-gb-still",
        "ad-jp-still",
        "ad-us-still",
    ]
    assert ids(ads, where(Condition("name", "not_contains", "still"))) == [
        "ad-gb-video",
        "ad-jp-video",
        "ad-us-video",
    ]
    # "doesn't contain" keeps empty cells (they don't contain it); "contains" never matches one
    ads[0].creative_name = None
    cache = RowCache(ads)
    assert ids(ads, where(Condition("creative", "not_contains", "spring")), cache=cache) == [
        "ad-gb-video"
    ]
    assert "ad-gb-video" not in ids(
        ads, where(Condition("creative", "contains", "spring")), cache=cache
    )


# -- conditions about the row ----------------------------------------------------------------


def test_row_conditions(store: Store) -> None:
    campaigns = load_rows(store, CAMPAIGN)
    # active but not delivering: none of the fixture's active campaigns has an issue
    assert ids(campaigns, where(Condition("", "delivery_issue"))) == []
    campaigns[0].data["delivery_status"] = ["INVALID_BUDGET_EXHAUSTED"]
    cache = RowCache(campaigns)
    assert ids(campaigns, where(Condition("", "delivery_issue")), cache=cache) == ["cmp-gb-spring"]
    edits = EditService(store=store)
    edits.edit(kind=CAMPAIGN, entity_id="cmp-jp-always", fields={"name": "Always On JP"})
    edits.delete(["cmp-us-always"])
    campaigns = load_rows(store, CAMPAIGN)
    assert ids(campaigns, where(Condition("", "pending"))) == ["cmp-jp-always", "cmp-us-always"]
    assert ids(campaigns, where(Condition("", "pending", ("−",)))) == ["cmp-us-always"]
    issues = {"cmp-gb-spring": {"error"}, "cmp-us-spring": {"warning"}}
    assert ids(campaigns, where(Condition("", "check_error")), issues=issues) == ["cmp-gb-spring"]
    assert ids(campaigns, where(Condition("", "check_warning")), issues=issues) == ["cmp-us-spring"]


def test_conditions_combine_with_and_and_text(store: Store) -> None:
    squads = load_rows(store, AD_SQUAD)
    spec = where(
        Condition("status", "is", ("ACTIVE",)),
        Condition("budget", "lt", "100"),
        text="wide",
    )
    assert ids(squads, spec) == ["sq-gb-brand", "sq-us-brand"]


# -- what a user sees ------------------------------------------------------------------------


def test_operators_fit_the_column() -> None:
    assert operators_for(COLUMNS["status"]) == ["is", "is_not", "empty", "not_empty"]
    assert operators_for(COLUMNS["stats_spend"])[:2] == ["gt", "ge"]
    assert "between" in operators_for(COLUMNS["start_time"])
    assert operators_for(COLUMNS["name"]) == ["contains", "not_contains", "empty", "not_empty"]
    assert "is" in operators_for(COLUMNS["delivery_status"])


def test_chip_labels() -> None:
    assert Condition("status", "is", ("ACTIVE", "PAUSED")).label() == "Status is Active or Paused"
    assert Condition("stats_spend", "gt", "100").label() == "Spend > 100"
    assert Condition("stats_swipe_rate", "ge", "1.5").label() == "Swipe rate ≥ 1.5%"
    assert Condition("budget", "between", ("10", "50")).label() == "Budget between 10 and 50"
    assert Condition("name", "contains", "spring").label() == "Name contains “spring”"
    assert Condition("end_time", "empty").label() == "End is empty"
    assert Condition("", "delivery_issue").label() == "Has a delivery issue"


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        (Condition("stats_spend", "gt", "lots"), "Spend: 'lots' is not a number like 100"),
        (Condition("stats_swipe_rate", "gt", "x"), "is not a percentage like 2.5"),
        (Condition("start_time", "ge", "March"), "is not a date like 2026-03-01"),
        (Condition("nope", "gt", "1"), "There is no column 'nope'"),
        (Condition("name", "gt", "1"), "Name can't be filtered with 'gt'"),
        (Condition("status", "is", ()), "Status: choose at least one value"),
        (Condition("budget", "between", ("1",)), "give a lower and an upper bound"),
        (Condition("name", "contains", "  "), "type the text to look for"),
        (Condition("stats_spend", "gt", "NaN"), "is not a number"),
    ],
)
def test_unusable_conditions_say_why(condition: Condition, message: str) -> None:
    with pytest.raises(QueryError, match=message.replace("(", r"\(")):
        condition.check()
    with pytest.raises(QueryError):
        FilterSpec().with_condition(condition)


def test_specs_are_json_both_ways_and_leave_out_what_no_longer_fits() -> None:
    spec = where(
        Condition("status", "is", ("ACTIVE",)),
        Condition("budget", "between", ("10", "50")),
        Condition("", "delivery_issue"),
        text="spring",
    )
    assert FilterSpec.from_json(spec.to_json()) == spec
    raw = spec.to_json()
    raw["conditions"].append({"column": "gone", "op": "gt", "value": "1"})
    problems: list[str] = []
    assert FilterSpec.from_json(raw, problems) == spec
    assert problems == ["left out a filter condition (There is no column 'gone')"]
    assert FilterSpec.from_json("nonsense", problems) == FilterSpec()
    # adding the same condition twice keeps one; removing by position
    again = spec.with_condition(Condition("status", "is", ("ACTIVE",)))
    assert again == spec
    assert spec.without(0).conditions == spec.conditions[1:]
    assert FilterSpec().is_empty and not spec.is_empty


# -- sorting ---------------------------------------------------------------------------------


def test_money_sorts_by_amount_across_currencies_empty_last(store: Store) -> None:
    campaigns = load_rows(store, CAMPAIGN)
    every = list(range(len(campaigns)))
    up = [campaigns[i].id for i in sort(campaigns, every, "daily_budget")]
    # 75, 75 (load order kept), 11,250; then the empty cells in load order
    assert up[:3] == ["cmp-gb-spring", "cmp-us-spring", "cmp-jp-spring"]
    assert up[3:] == ["cmp-gb-always", "cmp-jp-always", "cmp-us-always"]
    down = [campaigns[i].id for i in sort(campaigns, every, "daily_budget", descending=True)]
    assert down[:3] == ["cmp-jp-spring", "cmp-gb-spring", "cmp-us-spring"]
    assert down[3:] == ["cmp-gb-always", "cmp-jp-always", "cmp-us-always"]


def test_enums_sort_by_what_is_shown_and_times_by_instant(store: Store) -> None:
    squads = load_rows(store, AD_SQUAD)
    every = list(range(len(squads)))
    strategies = [squads[i].data["bid_strategy"] for i in sort(squads, every, "bid_strategy")]
    assert strategies[:6] == ["AUTO_BID"] * 6  # "Auto bid" < "Lowest cost with max bid"
    campaigns = load_rows(store, CAMPAIGN)
    starts = sort(campaigns, list(range(len(campaigns))), COLUMNS["start_time"])
    moments = [COLUMNS["start_time"].value(campaigns[i]) for i in starts]
    assert moments == sorted(moments)


def test_the_cache_carries_over_a_reload_and_recomputes_changed_rows(store: Store) -> None:
    campaigns = load_rows(store, CAMPAIGN)
    cache = RowCache(campaigns)
    column = COLUMNS["budget"]
    before = cache.values(column)
    assert before[0] == Decimal("75.00")
    cache.text()
    EditService(store=store).edit(
        kind=CAMPAIGN, entity_id="cmp-gb-spring", fields={"daily_budget_micro": 90_000_000}
    )
    reloaded = load_rows(store, CAMPAIGN)
    carried = cache.replaced(reloaded, {"cmp-gb-spring"})
    assert carried.values(column)[0] == Decimal("90.00")
    assert carried.values(column)[1:] == before[1:]
    assert carried.text() == cache.text()
    cache.forget(performance=True)
    assert cache.values(column) == before  # settings columns kept
