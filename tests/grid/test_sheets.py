"""The spreadsheet round trip (snapdesk.grid.sheets): export → import with no edits queues
nothing, for every level, in CSV and XLSX, across GBP/JPY/USD accounts in zones with and without
daylight saving; edited cells become exactly those changes; rows without an id create under the
parent they name; the whole file is one undo step."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from snapdesk.changes import ChangeError, EditService
from snapdesk.changes.model import CREATE, PAUSE, RESUME, UPDATE
from snapdesk.changes.repository import ChangeRepository
from snapdesk.core.kinds import AD, AD_SQUAD, CAMPAIGN
from snapdesk.grid import columns_for, load_rows
from snapdesk.grid.columns import COLUMNS, default_visible
from snapdesk.grid.perf import DateRange, cached_perf
from snapdesk.grid.sheets import (
    ABOUT_SHEET,
    ImportPlan,
    apply,
    export_rows,
    file_columns,
    plan_import,
)
from snapdesk.store import Store
from tests.grid import sheets_data
from tests.grid.sheets_data import GB, JP, US

LEVELS = (CAMPAIGN, AD_SQUAD, AD)
FORMATS = ("csv", "xlsx")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / "cache.sqlite3")
    sheets_data.fill(s)
    yield s
    s.close()


@pytest.fixture
def edits(store: Store) -> EditService:
    return EditService(store=store)


def pending(store: Store) -> list[Any]:
    return ChangeRepository(store).list()


def every_column(level: str) -> list[Any]:
    return list(columns_for(level))


def export(store: Store, level: str, path: Path, columns: list[Any] | None = None) -> Path:
    rows = load_rows(store, level)
    export_rows(rows, columns if columns is not None else every_column(level), path, level=level)
    return path


def read_csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text("utf-8-sig"), newline="")))


def write_csv(path: Path, rows: list[dict[str, str]], *, encoding: str = "utf-8-sig") -> Path:
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def set_xlsx(path: Path, changes: dict[tuple[str, str], Any]) -> Path:
    """Edit cells as a spreadsheet app would (load everything, change, save): (id, header) →
    value; an id of None adds a row."""
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    by_id = {sheet.cell(r, 1).value: r for r in range(2, sheet.max_row + 1)}
    for (entity_id, column), value in changes.items():
        row = by_id[entity_id]
        sheet.cell(row, header.index(column) + 1).value = value
    book.save(path)
    return path


# -- export → import, nothing edited ---------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("level", LEVELS)
def test_unchanged_export_imports_as_zero_changes(
    store: Store, edits: EditService, tmp_path: Path, level: str, fmt: str
) -> None:
    for entity_id in sheets_data.LEVEL_IDS[level]:  # performance columns are filled, and ignored
        account = {"gb": GB, "jp": JP, "us": US}[entity_id.split("-")[1]]
        sheets_data.add_day_stats(store, entity_id=entity_id, ad_account_id=account,
                                  level=level, day="2026-04-02", spend=12_340_000,
                                  impressions=1000, swipes=17)  # fmt: skip
    rows = load_rows(store, level)
    window = DateRange.custom(date(2026, 4, 1), date(2026, 4, 7))
    perf = cached_perf(store, level, None, window)
    for row in rows:
        row.perf = perf.get(row.id)
    path = tmp_path / f"{level}.{fmt}"
    assert export_rows(rows, every_column(level), path, level=level, date_range=window.label())
    plan = plan_import(store, path)
    assert plan.errors == []
    assert plan.warnings == []
    assert plan.items == []
    assert plan.level == level
    assert plan.rows == plan.unchanged == len(rows) == len(sheets_data.LEVEL_IDS[level])
    with pytest.raises(ChangeError, match="Nothing to import"):
        apply(plan, edits)
    assert pending(store) == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_pending_edits_count_as_current(
    store: Store, edits: EditService, tmp_path: Path, fmt: str
) -> None:
    """A grid with queued edits (and a queued create) exports what will be sent, and importing
    that file again adds nothing."""
    edits.edit(kind=AD_SQUAD, entity_id="sq-gb-young", fields={"daily_budget_micro": 55_000_000})
    edits.create_ad_squad(
        campaign_id="cmp-jp-spring",
        fields={"name": "Night owls", "optimization_goal": "SWIPES",
                "daily_budget_micro": 9_000_000_000},
    )  # fmt: skip
    before = [c.to_json() for c in pending(store)]
    path = export(store, AD_SQUAD, tmp_path / f"squads.{fmt}")
    plan = plan_import(store, path)
    assert (plan.errors, plan.items, plan.unchanged) == ([], [], 10)
    assert [c.to_json() for c in pending(store)] == before


def test_files_hold_the_identifying_and_explicit_budget_columns(
    store: Store, tmp_path: Path
) -> None:
    """What the grid shows by default (no ids, the combined Budget column) is written with the
    ids and the API's budget columns."""
    shown = [COLUMNS[k] for k in default_visible(CAMPAIGN)]
    assert "budget" in [c.key for c in shown] and "id" not in [c.key for c in shown]
    path = export(store, CAMPAIGN, tmp_path / "campaigns.csv", shown)
    header = next(csv.reader(io.StringIO(path.read_text("utf-8-sig"))))
    assert header[:3] == ["id", "ad_account_id", "name"]
    assert "daily_budget" in header and "lifetime_spend_cap" in header
    assert "budget" not in header and "budget_type" not in header
    names = [c.export_name for c in file_columns(AD, [COLUMNS["name"]])]
    assert names == ["id", "ad_account_id", "campaign_id", "ad_squad_id", "name"]
    squads = [c.export_name for c in file_columns(AD_SQUAD, [COLUMNS["budget"]])]
    assert squads == ["id", "ad_account_id", "campaign_id", "daily_budget", "lifetime_budget"]
    assert plan_import(store, path).items == []


def test_csv_file_is_utf8_with_bom_crlf_and_rfc4180_quoting(store: Store, tmp_path: Path) -> None:
    path = export(store, AD, tmp_path / "ads.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfid,")
    assert raw.count(b"\r\n") == len(sheets_data.LEVEL_IDS[AD]) + 1
    assert '"Spring still, “quoted”; and a comma"'.encode() in raw
    rows = {r["id"]: r for r in read_csv(path)}
    assert rows["ad-jp-video"]["ad_account_id"] == JP
    squads = {r["id"]: r for r in read_csv(export(store, AD_SQUAD, tmp_path / "sq.csv"))}
    assert squads["sq-jp-young"]["daily_budget"] == "6750"  # yen: no decimals
    assert squads["sq-gb-young"]["daily_budget"] == "45.00"
    assert squads["sq-gb-young"]["bid"] == "1.25"
    # times in the account's zone with their offset, either side of a clock change
    assert squads["sq-gb-wide"]["start_time"] == "2026-03-28T23:30:00+00:00"
    assert squads["sq-gb-wide"]["end_time"] == "2026-04-30T23:59:59+01:00"
    assert squads["sq-us-wide"]["end_time"] == "2026-04-30T15:59:59-07:00"
    assert squads["sq-jp-wide"]["end_time"] == "2026-05-01T07:59:59+09:00"


def test_csv_to_a_stream_has_no_bom(store: Store) -> None:
    out = io.StringIO()
    assert export_rows(load_rows(store, CAMPAIGN), every_column(CAMPAIGN), out, level=CAMPAIGN) == 6
    text = out.getvalue()
    assert text.startswith("id,ad_account_id,name,")
    assert "\r" not in text


def test_xlsx_layout(store: Store, tmp_path: Path) -> None:
    path = export(store, AD_SQUAD, tmp_path / "squads.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Ad squads", ABOUT_SHEET]
    sheet = book["Ad squads"]
    assert sheet.freeze_panes == "A2"
    assert all(c.font.b for c in sheet[1])
    header = [c.value for c in sheet[1]]
    cells = {sheet.cell(r, 1).value: {h: sheet.cell(r, i + 1) for i, h in enumerate(header)}
             for r in range(2, sheet.max_row + 1)}  # fmt: skip
    gb, jp = cells["sq-gb-young"], cells["sq-jp-young"]
    assert gb["daily_budget"].value == 45 and gb["daily_budget"].data_type == "n"
    assert gb["daily_budget"].number_format == "#,##0.00"
    assert jp["daily_budget"].value == 6750 and jp["daily_budget"].number_format == "#,##0"
    for key in ("id", "ad_account_id", "campaign_id", "name", "start_time", "targeting"):
        assert gb[key].data_type == "s", key
        assert gb[key].number_format == "@", key
    assert gb["start_time"].value == "2026-03-16T17:26:11+00:00"
    about = {r[0]: r[1] for r in book[ABOUT_SHEET].iter_rows(values_only=True) if r[0]}
    assert about["level"] == AD_SQUAD
    assert about["date_range"] == "none (no stats_ columns)"
    assert about["rows"] == "9"
    accounts = [r[1] for r in book[ABOUT_SHEET].iter_rows(values_only=True) if r[0] == "ad_account"]
    assert accounts == [
        "Harbour UK (acc-gb-0001) · GBP · Europe/London",
        "Lumen US (acc-us-0003) · USD · America/Los_Angeles",
        "Sakura JP (acc-jp-0002) · JPY · Asia/Tokyo",
    ]
    text = " ".join(str(r[1]) for r in book[ABOUT_SHEET].iter_rows(values_only=True) if r[1])
    assert "stats_ are performance" in text and "import ignores them" in text


def test_a_name_starting_with_equals_is_text_not_a_formula(
    store: Store, edits: EditService, tmp_path: Path
) -> None:
    edits.edit(kind=CAMPAIGN, entity_id="cmp-us-always", fields={"name": "=HYPERLINK(1)"})
    path = export(store, CAMPAIGN, tmp_path / "c.xlsx")
    sheet = openpyxl.load_workbook(path).worksheets[0]
    cell = next(r[2] for r in sheet.iter_rows(min_row=2) if r[0].value == "cmp-us-always")
    assert (cell.value, cell.data_type) == ("=HYPERLINK(1)", "s")
    assert plan_import(store, path).items == []


def test_xlsx_saved_again_by_a_spreadsheet_app_imports_unchanged(
    store: Store, tmp_path: Path
) -> None:
    """openpyxl loads the whole workbook and saves it, as a spreadsheet app would: styles,
    the About sheet and the text cells survive, and nothing changes."""
    for level in LEVELS:
        path = export(store, level, tmp_path / f"{level}.xlsx")
        book = openpyxl.load_workbook(path)
        book.worksheets[0].title = book.worksheets[0].title  # touched
        book.save(path)
        plan = plan_import(store, path)
        assert (plan.errors, plan.items, plan.level) == ([], [], level)


# -- edited files ------------------------------------------------------------------------------


def test_edited_xlsx_cells_become_exactly_those_changes(
    store: Store, edits: EditService, tmp_path: Path
) -> None:
    path = export(store, AD_SQUAD, tmp_path / "squads.xlsx")
    targeting = {"geos": [{"country_code": "ie"}], "demographics": [{"min_age": "21"}]}
    set_xlsx(
        path,
        {
            ("sq-gb-young", "daily_budget"): 50,  # a number, as Excel stores it
            ("sq-us-brand", "status"): "PAUSED",
            ("sq-jp-wide", "name"): "Wide reach (JP)",
            ("sq-jp-wide", "end_time"): "2026-12-31 23:59",  # Tokyo, typed
            ("sq-gb-wide", "end_time"): datetime(2026, 7, 1, 9, 0),  # an Excel date: London
            ("sq-us-young", "targeting"): json.dumps(targeting),
            ("sq-us-young", "bid"): "+10%",
        },
    )
    plan = plan_import(store, path)
    assert plan.errors == []
    assert (len(plan.updates), len(plan.creates), plan.unchanged) == (5, 0, 4)
    fields = {item.entity_id: dict(item.fields) for item in plan.items}
    assert fields == {
        "sq-gb-young": {"daily_budget_micro": 50_000_000},
        "sq-us-brand": {"status": "PAUSED"},
        "sq-jp-wide": {"name": "Wide reach (JP)", "end_time": "2026-12-31T14:59:00.000Z"},
        "sq-gb-wide": {"end_time": "2026-07-01T08:00:00.000Z"},  # BST
        "sq-us-young": {"targeting": targeting, "bid_micro": 1_380_000},  # 1.375 → 1.38 (half-even)
    }
    cells = {(i.entity_id, c.column): (c.old, c.new) for i in plan.items for c in i.cells}
    assert cells[("sq-gb-young", "daily_budget")] == ("45.00", "50.00")
    assert cells[("sq-us-brand", "status")] == ("ACTIVE", "PAUSED")
    assert cells[("sq-us-young", "bid")] == ("1.25", "1.38")
    assert cells[("sq-gb-wide", "end_time")] == (
        "2026-04-30T23:59:59+01:00",
        "2026-07-01T09:00:00+01:00",
    )
    assert pending(store) == []  # planning stores nothing

    group = apply(plan, edits)
    assert group.label == "Import squads.xlsx: 5 changes"
    queued = {c.entity_id: c for c in pending(store)}
    assert set(queued) == set(fields)
    assert queued["sq-us-brand"].action == PAUSE
    assert queued["sq-gb-young"].action == UPDATE
    assert queued["sq-gb-young"].after["daily_budget_micro"] == 50_000_000
    assert queued["sq-jp-wide"].after["end_time"] == "2026-12-31T14:59:00.000Z"
    assert queued["sq-us-young"].after["targeting"] == targeting
    assert len({c.group_id for c in queued.values()}) == 1
    assert ChangeRepository(store).undo_label() == "Import squads.xlsx: 5 changes"
    edits.undo()  # one undo step takes the whole file back
    assert pending(store) == []
    # and the file now imports as unchanged once redone
    edits.redo()
    again = export(store, AD_SQUAD, tmp_path / "again.xlsx")
    assert plan_import(store, again).items == []


@pytest.mark.parametrize(
    ("entity_id", "typed", "expected"),
    [
        ("cmp-gb-spring", "2026-07-01 09:00", "2026-07-01T08:00:00.000Z"),  # BST
        ("cmp-gb-spring", "2026-12-01 09:00", "2026-12-01T09:00:00.000Z"),  # GMT
        ("cmp-us-spring", "2026-11-15 09:00", "2026-11-15T17:00:00.000Z"),  # PST
        ("cmp-us-spring", "2026-07-15 09:00", "2026-07-15T16:00:00.000Z"),  # PDT
        ("cmp-jp-spring", "2026-07-15 09:00", "2026-07-15T00:00:00.000Z"),  # no DST
        ("cmp-jp-spring", "2026-07-15T09:00:00+02:00", "2026-07-15T07:00:00.000Z"),  # offset
    ],
)
def test_end_times_typed_in_a_csv_are_the_accounts_local_time(
    store: Store, tmp_path: Path, entity_id: str, typed: str, expected: str
) -> None:
    path = export(store, CAMPAIGN, tmp_path / "c.csv")
    rows = read_csv(path)
    next(r for r in rows if r["id"] == entity_id)["end_time"] = typed
    plan = plan_import(store, write_csv(path, rows))
    assert [(i.entity_id, dict(i.fields)) for i in plan.items] == [
        (entity_id, {"end_time": expected})
    ]


def test_status_cells_pause_and_resume(store: Store, edits: EditService, tmp_path: Path) -> None:
    path = export(store, CAMPAIGN, tmp_path / "c.csv")
    rows = read_csv(path)
    for row in rows:
        row["status"] = {"ACTIVE": "paused", "PAUSED": "Active"}[row["status"]]
    plan = plan_import(store, write_csv(path, rows))
    assert plan.errors == []
    apply(plan, edits)
    actions = {c.entity_id: c.action for c in pending(store)}
    assert actions == {
        **{f"cmp-{t}-spring": PAUSE for t in ("gb", "jp", "us")},
        **{f"cmp-{t}-always": RESUME for t in ("gb", "jp", "us")},
    }


def test_emptying_a_cell_removes_the_setting(store: Store, tmp_path: Path) -> None:
    path = export(store, CAMPAIGN, tmp_path / "c.csv")
    rows = read_csv(path)
    next(r for r in rows if r["id"] == "cmp-gb-spring")["end_time"] = ""
    plan = plan_import(store, write_csv(path, rows))
    assert [dict(i.fields) for i in plan.items] == [{"end_time": None}]
    assert plan.items[0].cells[0].new == ""


def test_read_only_cells_that_differ_are_noted_once_per_column(
    store: Store, tmp_path: Path
) -> None:
    path = export(store, AD, tmp_path / "ads.csv")
    rows = read_csv(path)
    for row in rows[:3]:
        row["review_status"] = "APPROVED!"
    rows[1]["account_name"] = "Someone else"
    plan = plan_import(store, write_csv(path, rows))
    assert plan.errors == [] and plan.items == []
    assert plan.notes == [
        "review_status differs from the cache in 3 rows (first: row 2): it is read-only and "
        "was not imported",
        "account_name differs from the cache in row 3: it is read-only and was not imported",
    ]


def test_a_users_own_and_performance_columns_are_not_imported(store: Store, tmp_path: Path) -> None:
    path = export(store, CAMPAIGN, tmp_path / "c.csv")
    rows = read_csv(path)
    for row in rows:
        row["# my notes"] = "call the client"
        row["stats_made_up"] = "12"
    plan = plan_import(store, write_csv(path, rows))
    assert (plan.errors, plan.items, plan.notes) == ([], [], [])


# -- creates ---------------------------------------------------------------------------------


def test_creates_by_parent_id_and_by_parent_name(
    store: Store, edits: EditService, tmp_path: Path
) -> None:
    path = export(store, AD_SQUAD, tmp_path / "squads.csv")
    rows = read_csv(path)
    blank = dict.fromkeys(rows[0], "")
    rows.append(
        {
            **blank,
            "campaign_id": "cmp-us-spring",
            "name": "By id",
            "optimization_goal": "SWIPES",
            "daily_budget": "30",
            "status": "ACTIVE",
        }
    )
    rows.append(
        {
            **blank,
            "ad_account_id": GB,
            "campaign_name": "Always On",
            "name": "By name",
            "optimization_goal": "IMPRESSIONS",
            "lifetime_budget": "500",
            "end_time": "2026-12-24 18:00",
        }
    )
    rows.append({**blank, "campaign_name": "Spring Sale", "account_name": "Sakura JP",
                 "name": "By name in JP", "optimization_goal": "SWIPES",
                 "daily_budget": "1500", "bid_strategy": "LOWEST_COST_WITH_MAX_BID",
                 "bid": "120"})  # fmt: skip
    plan = plan_import(store, write_csv(path, rows))
    assert plan.errors == []
    assert plan.summary() == "3 creates, 0 updates, 9 unchanged"
    made = {i.name: i for i in plan.creates}
    assert made["By id"].parent_id == "cmp-us-spring"
    assert made["By id"].fields == {
        "name": "By id", "optimization_goal": "SWIPES", "daily_budget_micro": 30_000_000,
        "status": "ACTIVE",
    }  # fmt: skip
    assert made["By name"].parent_id == "cmp-gb-always"
    assert made["By name"].fields["end_time"] == "2026-12-24T18:00:00.000Z"
    assert made["By name in JP"].parent_id == "cmp-jp-spring"
    assert made["By name in JP"].fields["bid_micro"] == 120_000_000
    group = apply(plan, edits)
    creates = [c for c in pending(store) if c.action == CREATE]
    assert len(creates) == 3 == len(group.changes)
    by_name = {c.label: c for c in creates}
    assert by_name["By id"].after["campaign_id"] == "cmp-us-spring"
    assert by_name["By id"].after["status"] == "ACTIVE"
    assert by_name["By name"].after["status"] == "PAUSED"  # the default for a new ad squad
    assert by_name["By name"].after["placement_v2"] == {"config": "AUTOMATIC"}
    assert by_name["By name in JP"].ad_account_id == JP
    # the created rows are in the next export with their new-… ids and import as unchanged
    again = export(store, AD_SQUAD, tmp_path / "again.csv")
    assert [r["id"][:4] for r in read_csv(again)].count("new-") == 3
    assert plan_import(store, again).items == []


def test_campaign_and_ad_creates(store: Store, edits: EditService, tmp_path: Path) -> None:
    campaigns = export(store, CAMPAIGN, tmp_path / "c.xlsx")
    book = openpyxl.load_workbook(campaigns)
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    new = dict.fromkeys(header)
    new.update({"name": "Summer", "account_name": "Lumen US", "daily_budget": 40,
                "start_time": datetime(2026, 6, 1, 0, 0)})  # fmt: skip
    sheet.append([new[h] for h in header])
    book.save(campaigns)
    plan = plan_import(store, campaigns)
    assert plan.errors == []
    [item] = plan.creates
    assert (item.parent_id, item.ad_account_id) == (US, US)
    assert item.fields == {
        "name": "Summer", "daily_budget_micro": 40_000_000,
        "start_time": "2026-06-01T07:00:00.000Z",  # midnight in Los Angeles (PDT)
    }  # fmt: skip
    apply(plan, edits)

    ads = export(store, AD, tmp_path / "ads.csv")
    rows = read_csv(ads)
    blank = dict.fromkeys(rows[0], "")
    rows.append({**blank, "ad_squad_name": "Wide reach", "campaign_name": "Always On",
                 "ad_account_id": US, "name": "New ad", "creative_id": "cr-us-1"})  # fmt: skip
    plan = plan_import(store, write_csv(ads, rows))
    assert plan.errors == []
    [ad] = plan.creates
    assert ad.parent_id == "sq-us-brand"
    apply(plan, edits)
    created = next(c for c in pending(store) if c.kind == AD)
    assert created.after["ad_squad_id"] == "sq-us-brand"
    assert created.after["type"] == "SNAP_AD"  # the type its creative needs


def test_a_create_under_a_queued_campaign(store: Store, edits: EditService, tmp_path: Path) -> None:
    group = edits.create_campaign(
        ad_account_id=GB, fields={"name": "Pop-up", "daily_budget_micro": 25_000_000}
    )
    temp_id = group.changes[0].entity_id
    path = export(store, AD_SQUAD, tmp_path / "squads.csv")
    rows = read_csv(path)
    rows.append({**dict.fromkeys(rows[0], ""), "campaign_id": temp_id, "name": "Pop-up squad",
                 "optimization_goal": "SWIPES", "daily_budget": "10"})  # fmt: skip
    plan = plan_import(store, write_csv(path, rows))
    assert plan.errors == []
    apply(plan, edits)
    squad = next(c for c in pending(store) if c.kind == AD_SQUAD)
    assert squad.after["campaign_id"] == f"$ref:{group.changes[0].id}"
    assert squad.depends_on == (group.changes[0].id,)


def test_validation_errors_come_from_the_edit_service_by_row_and_column(
    store: Store, tmp_path: Path
) -> None:
    path = export(store, AD_SQUAD, tmp_path / "squads.csv")
    rows = read_csv(path)
    blank = dict.fromkeys(rows[0], "")
    rows[0]["daily_budget"] = ""  # no budget left
    rows.append({**blank, "campaign_id": "cmp-us-spring", "name": "No goal",
                 "daily_budget": "3"})  # fmt: skip
    plan = plan_import(store, write_csv(path, rows))
    assert [str(p) for p in plan.errors] == [
        "row 2, daily_budget: Set a daily or a lifetime budget",
        "row 11, daily_budget: Daily budget must be at least 5 (5,000,000 micro) in the "
        "account's currency",
        "row 11, optimization_goal: Optimization goal is required",
    ]
    assert plan.summary() == "0 creates, 0 updates, 8 unchanged, 2 rows with problems"
    with pytest.raises(ChangeError, match=r"squads\.csv has 3 problems: nothing was queued"):
        apply(plan, EditService(store=store))
    assert pending(store) == []


def test_apply_queues_nothing_when_the_cache_moved_on(
    store: Store, edits: EditService, tmp_path: Path
) -> None:
    path = export(store, CAMPAIGN, tmp_path / "c.csv")
    rows = read_csv(path)
    rows[0]["name"] = "Renamed"
    rows[1]["name"] = "Renamed too"
    plan = plan_import(store, write_csv(path, rows))
    assert len(plan.items) == 2
    edits.delete([(CAMPAIGN, plan.items[1].entity_id or "")])
    before = [c.id for c in pending(store)]
    with pytest.raises(ChangeError, match=r"row 3: .* is queued for deletion.*nothing was queued"):
        apply(plan, edits)
    assert [c.id for c in pending(store)] == before


def test_plan_json(store: Store, tmp_path: Path) -> None:
    path = export(store, CAMPAIGN, tmp_path / "c.csv")
    rows = read_csv(path)
    rows[0]["daily_budget"] = "80"
    plan: ImportPlan = plan_import(store, write_csv(path, rows))
    summary = plan.to_json()
    assert (summary["creates"], summary["updates"], summary["unchanged"]) == (0, 1, 5)
    [change] = summary["changes"]
    assert change["row"] == 2 and change["action"] == "update"
    assert change["cells"] == {"daily_budget": {"old": "75.00", "new": "80.00"}}
    assert Decimal(change["cells"]["daily_budget"]["new"]) == 80
