"""Editing in the grid without Qt (snapdesk.grid.editing): typing into many rows, money
expressions, pasted spreadsheet blocks, fill down, find & replace, copying rows into another
account. Every test asserts the exact pending changes, and that a refused row queues nothing
and that one undo takes the whole action back."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from snapdesk.changes import EditService
from snapdesk.changes.model import CREATE, REF_PREFIX, Change, FieldDiff
from snapdesk.changes.repository import ChangeRepository
from snapdesk.core.kinds import AD, AD_SQUAD, CAMPAIGN, CREATIVE
from snapdesk.core.settings import FxRate
from snapdesk.grid import load_rows
from snapdesk.grid.columns import COLUMNS
from snapdesk.grid.editing import (
    ROWS_MIME,
    FindError,
    RowsPayload,
    cell_text,
    copy_cells,
    copy_rows,
    fill_down,
    find_pattern,
    find_replace,
    paste_block,
    paste_rows,
    plan_paste_rows,
    preview_find_replace,
    read_tsv,
    set_value,
    to_tsv,
)
from snapdesk.grid.rows import GridRow
from snapdesk.stats.fx import FxTable
from snapdesk.store import Store
from tests.grid import sheets_data
from tests.grid.sheets_data import GB, JP, US

BUDGET = COLUMNS["budget"]
BID = COLUMNS["bid"]
NAME = COLUMNS["name"]


def _media(aid: str, media_id: str, digest: str) -> dict[str, Any]:
    return {
        "id": media_id,
        "ad_account_id": aid,
        "name": "spring.mp4",
        "type": "VIDEO",
        "media_status": "READY",
        "hash": digest,
        "file_size_in_bytes": 4_200_000,
    }


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / "cache.sqlite3")
    sheets_data.fill(s)
    # The spring video is in the UK account and, uploaded again, in the Japanese one; the US
    # account has other media only.
    s.replace_account_snapshot(GB, {"media": [_media(GB, "md-gb-1", "c3ByaW5n")]})
    s.replace_account_snapshot(JP, {"media": [_media(JP, "md-jp-7", "c3ByaW5n")]})
    s.replace_account_snapshot(US, {"media": [_media(US, "md-us-1", "b3RoZXI=")]})
    yield s
    s.close()


@pytest.fixture
def edits(store: Store) -> EditService:
    return EditService(store=store)


def pending(store: Store) -> list[Change]:
    return ChangeRepository(store).list()


def rows_of(store: Store, level: str, *ids: str) -> list[GridRow]:
    by_id = {r.id: r for r in load_rows(store, level)}
    return [by_id[i] for i in ids]


def diffs(change: Change) -> list[FieldDiff]:
    return change.diff


def only(changes: list[Change], entity_id: str) -> Change:
    found = [c for c in changes if c.entity_id == entity_id]
    assert len(found) == 1, found
    return found[0]


def undo_all_at_once(edits: EditService, store: Store) -> None:
    assert pending(store)
    assert edits.undo() is not None
    assert pending(store) == []


# -- typing a value into many rows ------------------------------------------------------------


def test_plus_ten_percent_on_three_squads_each_in_its_own_budget_field(
    edits: EditService, store: Store
) -> None:
    rows = rows_of(store, AD_SQUAD, "sq-gb-young", "sq-gb-wide", "sq-gb-brand")
    outcome = set_value(edits, rows, BUDGET, "+10%")
    assert outcome.ok, outcome.message
    assert outcome.message == "Queued: Set Budget of 3 ad squads (3 pending changes)"
    changes = pending(store)
    assert [c.entity_id for c in changes] == ["sq-gb-young", "sq-gb-wide", "sq-gb-brand"]
    # £45.00 daily → £49.50; £900.00 lifetime → £990.00; £20.00 daily → £22.00
    assert diffs(changes[0]) == [FieldDiff("daily_budget_micro", 45_000_000, 49_500_000)]
    assert diffs(changes[1]) == [FieldDiff("lifetime_budget_micro", 900_000_000, 990_000_000)]
    assert diffs(changes[2]) == [FieldDiff("daily_budget_micro", 20_000_000, 22_000_000)]
    assert changes[0].request.body["adsquads"][0]["daily_budget_micro"] == 49_500_000
    assert len({c.group_id for c in changes}) == 1
    assert ChangeRepository(store).undo_label() == "Set Budget of 3 ad squads"
    undo_all_at_once(edits, store)


def test_money_expressions_in_each_rows_currency(edits: EditService, store: Store) -> None:
    rows = rows_of(store, AD_SQUAD, "sq-gb-young", "sq-jp-young", "sq-us-young")
    assert set_value(edits, rows, BUDGET, "+10%").ok
    # £45 → £49.50, ¥6,750 → ¥7,425, $45 → $49.50: each row in its own currency
    assert [c.after["daily_budget_micro"] for c in pending(store)] == [  # type: ignore[index]
        49_500_000,
        7_425_000_000,
        49_500_000,
    ]
    edits.undo()
    gb = rows_of(store, AD_SQUAD, "sq-gb-young")
    for text, micro in (("-5", 40_000_000), ("=120", 120_000_000), ("+5", 50_000_000),
                        ("60", 60_000_000), ("-5%", 42_750_000)):  # fmt: skip
        assert set_value(edits, gb, BUDGET, text).ok, text
        assert only(pending(store), "sq-gb-young").after["daily_budget_micro"] == micro, text  # type: ignore[index]
        edits.undo()
    assert pending(store) == []


def test_percent_rounds_half_to_even_in_the_minor_unit(edits: EditService, store: Store) -> None:
    # £1.25 − 10% = £1.125: half-way between 1.12 and 1.13 → the even penny, £1.12
    gb = rows_of(store, AD_SQUAD, "sq-gb-young")
    assert set_value(edits, gb, BID, "-10%").ok
    assert diffs(only(pending(store), "sq-gb-young")) == [
        FieldDiff("bid_micro", 1_250_000, 1_120_000)
    ]
    edits.undo()
    # ¥190 + 32.5% = ¥251.75 → ¥252; ¥190 − 50% + 0 = ¥95; yen have no decimals
    jp = rows_of(store, AD_SQUAD, "sq-jp-young")
    assert set_value(edits, jp, BID, "+32.5%").ok
    assert only(pending(store), "sq-jp-young").after["bid_micro"] == 252_000_000  # type: ignore[index]


def test_one_invalid_row_queues_nothing_and_names_the_row(edits: EditService, store: Store) -> None:
    # £45 − 18 = £27 is fine; £20 − 18 = £2 is below the ad squad minimum (the forms' rule)
    rows = rows_of(store, AD_SQUAD, "sq-gb-young", "sq-gb-brand")
    outcome = set_value(edits, rows, BUDGET, "-18")
    assert not outcome.ok
    assert outcome.group is None
    assert [(e.name, e.column) for e in outcome.errors] == [("Wide reach", "Budget")]
    assert outcome.message.startswith("Nothing queued — “Wide reach” (Budget): ")
    assert pending(store) == []
    assert ChangeRepository(store).undo_label() is None
    # a relative edit of an empty amount is refused, never read as 0
    assert set_value(edits, rows_of(store, AD_SQUAD, "sq-gb-wide"), BID, "+1").errors[
        0
    ].message == ("+1: there is no amount to change yet; type the new amount")


def test_a_value_one_currency_cannot_hold_refuses_all_rows(
    edits: EditService, store: Store
) -> None:
    rows = rows_of(store, AD_SQUAD, "sq-gb-young", "sq-jp-young")
    outcome = set_value(edits, rows, BUDGET, "12.50")
    assert [e.name for e in outcome.errors] == ["18-34 "]
    assert "JPY" in outcome.errors[0].message
    assert pending(store) == []
    below_minimum = set_value(edits, rows_of(store, AD_SQUAD, "sq-gb-young"), BUDGET, "=1")
    assert not below_minimum.ok and pending(store) == []


def test_rehearsal_checks_without_queuing(edits: EditService, store: Store) -> None:
    rows = rows_of(store, AD_SQUAD, "sq-gb-young", "sq-gb-brand")
    checked = set_value(edits, rows, BUDGET, "+10%", rehearse=True)
    assert checked.ok and checked.rehearsed
    assert len(checked.changes) == 2
    assert pending(store) == []
    assert ChangeRepository(store).undo_label() is None
    refused = set_value(edits, rows, BUDGET, "ten", rehearse=True)
    assert not refused.ok and pending(store) == []


def test_typing_a_name_status_and_time(edits: EditService, store: Store) -> None:
    rows = rows_of(store, CAMPAIGN, "cmp-gb-spring", "cmp-jp-spring")
    assert set_value(edits, rows, COLUMNS["status"], "paused").ok
    assert [c.action for c in pending(store)] == ["pause", "pause"]
    edits.undo()
    # 2027-01-05 09:00 in each account's zone: London is UTC in January, Tokyo is UTC+9
    assert set_value(edits, rows, COLUMNS["end_time"], "2027-01-05 09:00").ok
    ends = {c.entity_id: c.after["end_time"] for c in pending(store)}  # type: ignore[index]
    assert ends == {
        "cmp-gb-spring": "2027-01-05T09:00:00.000Z",
        "cmp-jp-spring": "2027-01-05T00:00:00.000Z",
    }


def test_retyping_a_name_without_its_trailing_space_is_a_change(
    edits: EditService, store: Store
) -> None:
    rows = rows_of(store, AD_SQUAD, "sq-gb-young")
    assert set_value(edits, rows, NAME, "18-34 ").group is None  # what it holds: nothing
    assert pending(store) == []
    assert set_value(edits, rows, NAME, "18-34").ok
    assert diffs(pending(store)[0]) == [FieldDiff("name", "18-34 ", "18-34")]


# -- pasting a block from a spreadsheet --------------------------------------------------------


def test_read_tsv_as_excel_and_sheets_copy() -> None:
    assert read_tsv("a\tb\r\nc\td\r\n") == [["a", "b"], ["c", "d"]]
    assert read_tsv("a\tb\nc\td") == [["a", "b"], ["c", "d"]]
    # a quoted cell holding a tab, a line break and a doubled quote
    assert read_tsv('"Big\t""Sale""\nline 2"\t75\r\n') == [['Big\t"Sale"\nline 2', "75"]]
    assert read_tsv("only\n") == [["only"]]
    assert read_tsv("a\t\tc\r\n") == [["a", "", "c"]]
    assert read_tsv("") == []
    rows = [["tab\there", 'say "hi"'], ["two\nlines", "plain"]]
    assert read_tsv(to_tsv(rows)) == rows


def test_paste_a_two_by_two_block(edits: EditService, store: Store) -> None:
    view = rows_of(store, AD_SQUAD, "sq-gb-young", "sq-gb-wide", "sq-gb-brand")
    columns = [NAME, BUDGET, BID]
    outcome = paste_block(edits, view, columns, "Young UK\t50\r\nWide UK\t1,000.00\r\n", (0, 0))
    assert outcome.ok, outcome.message
    assert outcome.group is not None and outcome.group.label == "Paste 2×2 cells"
    changes = pending(store)
    assert diffs(only(changes, "sq-gb-young")) == [
        FieldDiff("name", "18-34 ", "Young UK"),
        FieldDiff("daily_budget_micro", 45_000_000, 50_000_000),
    ]
    assert diffs(only(changes, "sq-gb-wide")) == [
        FieldDiff("name", "Wide reach", "Wide UK"),
        FieldDiff("lifetime_budget_micro", 900_000_000, 1_000_000_000),
    ]
    assert len(changes) == 2
    undo_all_at_once(edits, store)


def test_paste_a_quoted_multi_line_cell(edits: EditService, store: Store) -> None:
    view = rows_of(store, CAMPAIGN, "cmp-gb-spring", "cmp-gb-always")
    text = '"Spring ""Sale"", UK"\t80\r\n"Always\ton"\t\r\n'
    outcome = paste_block(edits, view, [NAME, BUDGET], text, (0, 0))
    # the second row's empty budget cell would remove the lifetime spend cap: refused? No —
    # an empty cell clears it, which Snap allows for a campaign (no budget: no cap).
    assert outcome.ok, outcome.message
    changes = pending(store)
    assert only(changes, "cmp-gb-spring").after["name"] == 'Spring "Sale", UK'  # type: ignore[index]
    assert only(changes, "cmp-gb-spring").after["daily_budget_micro"] == 80_000_000  # type: ignore[index]
    always = only(changes, "cmp-gb-always")
    assert always.after["name"] == "Always\ton"  # type: ignore[index]
    assert "lifetime_spend_cap_micro" not in always.after  # type: ignore[operator]


def test_one_value_fills_every_selected_cell(edits: EditService, store: Store) -> None:
    view = rows_of(store, AD_SQUAD, "sq-gb-young", "sq-jp-young", "sq-us-young")
    selection = [(0, 1), (1, 1), (2, 1)]
    outcome = paste_block(edits, view, [NAME, BUDGET], "+10%\r\n", selection)
    assert outcome.ok and outcome.group is not None
    assert outcome.group.label == "Paste into 3 cells"
    assert [c.after["daily_budget_micro"] for c in pending(store)] == [  # type: ignore[index]
        49_500_000,
        7_425_000_000,
        49_500_000,
    ]


def test_a_block_tiles_a_selection_of_whole_blocks(edits: EditService, store: Store) -> None:
    view = rows_of(store, AD_SQUAD, "sq-gb-young", "sq-gb-brand", "sq-us-young", "sq-us-brand")
    selection = [(r, c) for r in range(4) for c in (0, 1)]
    outcome = paste_block(edits, view, [COLUMNS["status"], BUDGET], "PAUSED\t30\r\n", selection)
    assert outcome.ok, outcome.message
    changes = pending(store)
    assert len(changes) == 4
    for change in changes:
        assert change.after["status"] == "PAUSED"  # type: ignore[index]
        assert change.after["daily_budget_micro"] == 30_000_000  # type: ignore[index]


def test_a_block_larger_than_the_grid_is_refused(edits: EditService, store: Store) -> None:
    view = rows_of(store, AD_SQUAD, "sq-gb-young", "sq-gb-wide")
    outcome = paste_block(edits, view, [NAME, BUDGET], "a\t1\tx\r\nb\t2\ty\r\n", (1, 0))
    assert not outcome.ok
    assert outcome.errors[0].message.startswith(
        "the copied block is 2 rows × 3 columns, but from row 2, column Name the grid has "
        "1 row × 2 columns"
    )
    assert pending(store) == []


def test_read_only_and_performance_cells_are_refused_unless_unchanged(
    edits: EditService, store: Store
) -> None:
    view = rows_of(store, AD_SQUAD, "sq-gb-young")
    columns = [NAME, COLUMNS["account"], COLUMNS["stats_spend"]]
    refused = paste_block(edits, view, columns, "New\tOther account\t\r\n", (0, 0))
    assert [(e.column, e.message) for e in refused.errors] == [("Account", "Account is read-only")]
    spend = paste_block(edits, view, columns, "New\tHarbour UK\t12.00\r\n", (0, 0))
    assert [e.message for e in spend.errors] == ["Spend is performance, not a setting"]
    assert pending(store) == []
    # The row copied as it is, with a new name: the read-only cells say what they hold.
    same = paste_block(edits, view, columns, "New\tHarbour UK\t\r\n", (0, 0))
    assert same.ok, same.message
    assert diffs(pending(store)[0]) == [FieldDiff("name", "18-34 ", "New")]


def test_an_invalid_cell_in_a_block_queues_nothing(edits: EditService, store: Store) -> None:
    view = rows_of(store, AD_SQUAD, "sq-gb-young", "sq-gb-brand")
    outcome = paste_block(edits, view, [NAME, BUDGET], "A\t50\r\nB\tfifty\r\n", (0, 0))
    assert [(e.name, e.column) for e in outcome.errors] == [("Wide reach", "Budget")]
    assert pending(store) == []


def test_copied_cells_paste_back_unchanged(edits: EditService, store: Store) -> None:
    view = load_rows(store, AD_SQUAD)
    columns = [NAME, BUDGET, BID, COLUMNS["start_time"], COLUMNS["end_time"]]
    cells = [(r, c) for r in range(len(view)) for c in range(len(columns))]
    text = copy_cells(view, columns, cells)
    assert text.splitlines()[0] == "18-34 \t45.00\t1.25\t2026-03-16 17:26\t"
    outcome = paste_block(edits, view, columns, text, (0, 0))
    assert outcome.ok, outcome.message
    assert pending(store) == []


# -- fill down -------------------------------------------------------------------------------


def test_fill_down_copies_the_first_value(edits: EditService, store: Store) -> None:
    rows = rows_of(store, AD_SQUAD, "sq-gb-young", "sq-gb-wide", "sq-gb-brand")
    outcome = fill_down(edits, rows, BUDGET)
    assert outcome.ok and outcome.group is not None
    assert outcome.group.label == "Fill down Budget into 2 rows"
    changes = pending(store)
    assert [c.entity_id for c in changes] == ["sq-gb-wide", "sq-gb-brand"]
    # the Budget column sets each row's own budget field: "Wide reach" has a lifetime budget
    assert diffs(changes[0]) == [FieldDiff("lifetime_budget_micro", 900_000_000, 45_000_000)]
    assert diffs(changes[1]) == [FieldDiff("daily_budget_micro", 20_000_000, 45_000_000)]
    undo_all_at_once(edits, store)


def test_fill_down_several_columns_and_across_currencies(edits: EditService, store: Store) -> None:
    rows = rows_of(store, CAMPAIGN, "cmp-gb-spring", "cmp-jp-spring", "cmp-us-spring")
    outcome = fill_down(edits, rows, [COLUMNS["status"], BUDGET])
    assert outcome.ok, outcome.message
    assert outcome.notes == ("amounts copied as numbers from GBP into JPY, USD rows",)
    changes = pending(store)
    assert diffs(only(changes, "cmp-jp-spring")) == [
        FieldDiff("daily_budget_micro", 11_250_000_000, 75_000_000)
    ]
    assert [c.entity_id for c in changes] == ["cmp-jp-spring"]  # US already says 75.00
    refused = fill_down(edits, rows[:1], BUDGET)
    assert "select two or more rows" in refused.errors[0].message


# -- find & replace in names -----------------------------------------------------------------


def test_find_replace_whole_word_and_case(edits: EditService, store: Store) -> None:
    rows = load_rows(store, AD_SQUAD)
    assert preview_find_replace(rows, "Wid", "X", whole=True) == []
    assert len(preview_find_replace(rows, "wide", "Broad", case=True)) == 0
    found = preview_find_replace(rows, "wide", "Broad")
    assert [(r.row.id, r.old, r.new) for r in found][:2] == [
        ("sq-gb-wide", "Wide reach", "Broad reach"),
        ("sq-gb-brand", "Wide reach", "Broad reach"),
    ]
    outcome = find_replace(edits, rows[:3], "reach", "audience", whole=True)
    assert outcome.ok and outcome.group is not None
    assert outcome.group.label == "Rename 2 ad squads"
    assert [diffs(c) for c in pending(store)] == [
        [FieldDiff("name", "Wide reach", "Wide audience")],
        [FieldDiff("name", "Wide reach", "Wide audience")],
    ]
    undo_all_at_once(edits, store)


def test_find_replace_with_a_regular_expression(edits: EditService, store: Store) -> None:
    rows = load_rows(store, AD_SQUAD)
    outcome = find_replace(edits, rows, r"(\d+)-(\d+)\s*$", r"Ages \1 to \2", regex=True)
    assert outcome.ok, outcome.message
    assert {c.after["name"] for c in pending(store)} == {"Ages 18 to 34"}  # type: ignore[index]
    assert len(pending(store)) == 3
    with pytest.raises(FindError, match="Not a regular expression"):
        find_pattern("(unclosed", regex=True)
    bad = find_replace(edits, rows, "(", "x", regex=True)
    assert not bad.ok and "Not a regular expression" in bad.errors[0].message
    # without regex, the same text is literal
    assert preview_find_replace(rows, "(", "x") == []


def test_find_replace_to_an_empty_name_queues_nothing(edits: EditService, store: Store) -> None:
    rows = rows_of(store, CAMPAIGN, "cmp-gb-spring", "cmp-gb-always")
    outcome = find_replace(edits, rows, "Always On", "")
    assert [(e.name, e.message) for e in outcome.errors] == [("Always On", "Enter a name")]
    assert pending(store) == []


# -- copying rows into another account -------------------------------------------------------


def creates(store: Store) -> list[Change]:
    return [c for c in pending(store) if c.action == CREATE]


def ref_of(change: Change) -> str:
    return f"{REF_PREFIX}{change.id}"


def test_copy_rows_payload_round_trips() -> None:
    payload = RowsPayload.from_json(
        '{"snapdesk":"rows","version":1,"level":"ad","rows":[{"kind":"ad","id":"a1",'
        '"name":"N","ad_account_id":"x","currency":"GBP","parent_id":"s1"}]}'
    )
    assert payload.level == AD and payload.rows[0].parent_id == "s1"
    assert RowsPayload.from_json(payload.json()).rows == payload.rows
    with pytest.raises(ValueError, match="no rows copied from snapdesk"):
        RowsPayload.from_json("Name\tBudget\r\n")
    assert ROWS_MIME == "application/x-snapdesk-rows+json"


def test_copy_rows_text_is_the_rows_as_tsv(store: Store) -> None:
    payload = copy_rows(rows_of(store, CAMPAIGN, "cmp-gb-spring"), [NAME, BUDGET])
    assert payload.text == "Name\tBudget\r\nSpring Sale\t75.00\r\n"
    assert payload.level == CAMPAIGN
    assert payload.rows[0].ad_account_id == GB and payload.rows[0].currency == "GBP"


def test_paste_a_campaign_into_its_own_account(edits: EditService, store: Store) -> None:
    payload = copy_rows(rows_of(store, CAMPAIGN, "cmp-gb-spring"))
    outcome, flags = paste_rows(edits, payload, GB)
    assert outcome.ok, outcome.message
    assert flags == ()
    made = creates(store)
    assert [(c.kind, c.label) for c in made] == [
        (CAMPAIGN, "Spring Sale (copy)"),  # beside its original: suffixed
        (AD_SQUAD, "18-34 "),  # under the new campaign: names kept
        (AD, "Spring video"),
        (AD_SQUAD, "Wide reach"),
        (AD, "Spring still, “quoted”; and a comma"),
    ]
    campaign, young, video, wide, still = made
    assert {c.after["status"] for c in made} == {"PAUSED"}  # type: ignore[index]
    assert young.after["campaign_id"] == ref_of(campaign)  # type: ignore[index]
    assert wide.after["campaign_id"] == ref_of(campaign)  # type: ignore[index]
    assert video.after["ad_squad_id"] == ref_of(young)  # type: ignore[index]
    assert still.after["ad_squad_id"] == ref_of(wide)  # type: ignore[index]
    assert video.depends_on == (young.id,)
    # the same account: the ads keep their creative
    assert video.after["creative_id"] == "cr-gb-1"  # type: ignore[index]
    assert campaign.request.path == f"/adaccounts/{GB}/campaigns"
    assert young.request.body["adsquads"][0]["campaign_id"] == ref_of(campaign)
    assert young.after["daily_budget_micro"] == 45_000_000  # type: ignore[index]
    assert young.after["bid_micro"] == 1_250_000  # type: ignore[index]
    # a schedule that has ended keeps its length from now (a lifetime budget needs an end)
    assert wide.after["end_time"] > wide.after["start_time"]  # type: ignore[index]
    assert len({c.group_id for c in made}) == 1
    undo_all_at_once(edits, store)


def test_paste_into_another_account_flags_budgets_and_needs_confirming(
    edits: EditService, store: Store
) -> None:
    payload = copy_rows(rows_of(store, CAMPAIGN, "cmp-gb-spring"))
    plan = plan_paste_rows(edits, payload, JP)
    assert plan.ok, plan.errors
    assert (plan.target_name, plan.target_currency) == ("Sakura JP", "JPY")
    assert plan.counts == {CAMPAIGN: 1, AD_SQUAD: 2, CREATIVE: 1, AD: 2}
    assert plan.summary == "1 campaign, 2 ad squads, 2 ads and 1 creative, all paused"
    assert plan.top == ("Spring Sale",)  # another account: no " (copy)"
    assert [(f.name, f.field, f.amount_micro, f.pasted_micro) for f in plan.flags] == [
        ("Spring Sale", "daily_budget_micro", 75_000_000, 75_000_000),
        ("18-34 ", "bid_micro", 1_250_000, 1_000_000),
        ("18-34 ", "daily_budget_micro", 45_000_000, 45_000_000),
        ("Wide reach", "lifetime_budget_micro", 900_000_000, 900_000_000),
    ]
    assert str(plan.flags[0]) == "Campaign “Spring Sale”: daily budget £75.00 → ¥75 (same number)"
    assert str(plan.flags[1]).endswith("bid £1.25 → ¥1 (same number; rounded to whole JPY)")
    assert pending(store) == []  # planning stores nothing

    declined, flags = paste_rows(edits, payload, JP)
    assert not declined.ok and len(flags) == 4
    assert "4 budgets or bids go from GBP to JPY" in declined.errors[0].message
    assert pending(store) == []

    outcome, flags = paste_rows(edits, payload, JP, confirmed=True)
    assert outcome.ok, outcome.message
    assert len(flags) == 4
    made = creates(store)
    assert {c.ad_account_id for c in made} == {JP}
    campaign = next(c for c in made if c.kind == CAMPAIGN)
    assert campaign.after["daily_budget_micro"] == 75_000_000  # type: ignore[index]
    assert campaign.after["ad_account_id"] == JP  # type: ignore[index]
    squads = [c for c in made if c.kind == AD_SQUAD]
    assert {s.after["ad_account_id"] for s in squads} == {JP}  # type: ignore[index]
    # another account: the creative is copied once, with that account's copy of the media
    (creative,) = [c for c in made if c.kind == CREATIVE]
    assert creative.after["top_snap_media_id"] == "md-jp-7"  # type: ignore[index]
    assert creative.after["ad_account_id"] == JP  # type: ignore[index]
    ads = [c for c in made if c.kind == AD]
    assert {a.after["creative_id"] for a in ads} == {ref_of(creative)}  # type: ignore[index]
    assert all(creative.id in a.depends_on for a in ads)
    undo_all_at_once(edits, store)


def test_paste_leaves_out_ads_whose_media_the_account_lacks(
    edits: EditService, store: Store
) -> None:
    payload = copy_rows(rows_of(store, CAMPAIGN, "cmp-gb-spring"))
    outcome, _flags = paste_rows(edits, payload, US)  # GBP → USD: no flag? yes: currencies
    assert not outcome.ok  # differ, so the budgets need confirming first
    outcome, flags = paste_rows(edits, payload, US, confirmed=True)
    assert outcome.ok, outcome.message
    assert [c.kind for c in creates(store)] == [CAMPAIGN, AD_SQUAD, AD_SQUAD]
    assert outcome.notes == (
        "Ad “Spring video” not copied: its media isn't in Lumen US",
        "Ad “Spring still, “quoted”; and a comma” not copied: its media isn't in Lumen US",
    )
    assert flags[0].target_currency == "USD"


def test_paste_converts_at_the_users_fx_rates(edits: EditService, store: Store) -> None:
    fx = FxTable(
        [FxRate(date(2026, 1, 1), "GBP", Decimal("1.25")),
         FxRate(date(2026, 1, 1), "JPY", Decimal("0.0067"))]
    )  # fmt: skip
    payload = copy_rows(rows_of(store, AD_SQUAD, "sq-gb-young"))
    outcome, flags = paste_rows(
        edits, payload, "cmp-jp-spring", convert=True, fx=fx, confirmed=True
    )
    assert outcome.ok, outcome.message
    # £45.00 × 1.25 / 0.0067 = ¥8,395.52… → ¥8,396; £1.25 → ¥233.20… → ¥233
    assert [(f.field, f.pasted_micro, f.converted) for f in flags] == [
        ("bid_micro", 233_000_000, True),
        ("daily_budget_micro", 8_396_000_000, True),
    ]
    squad = next(c for c in creates(store) if c.kind == AD_SQUAD)
    assert squad.after["daily_budget_micro"] == 8_396_000_000  # type: ignore[index]
    assert squad.after["bid_micro"] == 233_000_000  # type: ignore[index]
    assert squad.after["campaign_id"] == "cmp-jp-spring"  # type: ignore[index]
    assert "at 186.567 JPY per GBP" in str(flags[0])


def test_paste_squads_and_ads_into_parents_of_the_same_account(
    edits: EditService, store: Store
) -> None:
    squads = copy_rows(rows_of(store, AD_SQUAD, "sq-gb-young"))
    outcome, flags = paste_rows(edits, squads, "cmp-gb-always")  # another campaign: no suffix
    assert outcome.ok and flags == ()
    squad, ad = creates(store)
    assert (squad.label, squad.after["campaign_id"]) == ("18-34 ", "cmp-gb-always")  # type: ignore[index]
    assert (ad.label, ad.after["ad_squad_id"]) == ("Spring video", ref_of(squad))  # type: ignore[index]
    edits.undo()
    ads = copy_rows(rows_of(store, AD, "ad-gb-video"))
    outcome, _ = paste_rows(edits, ads, "sq-gb-young")  # its own ad squad: suffixed
    assert outcome.ok
    (ad,) = creates(store)
    assert ad.after == {  # exactly what will be sent
        "ad_squad_id": "sq-gb-young",
        "name": "Spring video (copy)",
        "status": "PAUSED",
        "type": "SNAP_AD",
        "creative_id": "cr-gb-1",
    }


def test_paste_into_a_new_campaign_and_an_unknown_target(edits: EditService, store: Store) -> None:
    campaign = copy_rows(rows_of(store, CAMPAIGN, "cmp-gb-always"))
    outcome, _ = paste_rows(edits, campaign, GB)
    assert outcome.ok
    new_campaign = creates(store)[0]
    squads = copy_rows(rows_of(store, AD_SQUAD, "sq-gb-brand"))
    outcome, _ = paste_rows(edits, squads, new_campaign.entity_id)
    assert outcome.ok, outcome.message
    pasted = creates(store)[-1]
    assert pasted.after["campaign_id"] == ref_of(new_campaign)  # type: ignore[index]
    unknown, _ = paste_rows(edits, squads, "cmp-nowhere")
    assert "not in the local cache" in unknown.errors[0].message


def test_cell_text_is_what_typing_back_leaves_unchanged(store: Store) -> None:
    row = rows_of(store, AD_SQUAD, "sq-jp-young")[0]
    assert cell_text(row, BUDGET) == "6750"
    assert cell_text(row, COLUMNS["start_time"]) == "2026-03-17 02:26"  # Tokyo, UTC+9
    assert cell_text(row, COLUMNS["bid_strategy"]) == "LOWEST_COST_WITH_MAX_BID"
