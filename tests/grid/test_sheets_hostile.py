"""The spreadsheet round trip against hostile files (snapdesk.grid.sheets): wrong types, unknown,
repeated and foreign ids, formulas, CSV formula injection, Excel's encodings and European
separators, workbooks with several sheets, empty files, renamed and performance columns, status
spellings, empty cells, creates by parent name, Excel's dates, and a 50,000-row file read with
progress and cancelled. Whatever is wrong, nothing is queued unless the whole file is valid."""

from __future__ import annotations

import csv
import io
import re
import threading
import zipfile
from collections.abc import Callable, Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from snapdesk.changes import ChangeError, EditService
from snapdesk.changes.model import PAUSE, RESUME, UPDATE
from snapdesk.changes.repository import ChangeRepository
from snapdesk.core.kinds import AD, AD_SQUAD, CAMPAIGN
from snapdesk.grid import columns_for, load_rows
from snapdesk.grid.sheets import (
    ImportCancelled,
    ImportPlan,
    SheetError,
    apply,
    export_rows,
    neutralise,
    plan_import,
    unneutralise,
)
from snapdesk.store import Store
from tests.grid import sheets_data
from tests.grid.sheets_data import GB, JP, US

LEVELS = (CAMPAIGN, AD_SQUAD, AD)
MONEY = ("daily_budget", "lifetime_budget", "lifetime_spend_cap", "bid")


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


def export(store: Store, level: str, path: Path) -> Path:
    export_rows(load_rows(store, level), list(columns_for(level)), path, level=level)
    return path


def read_csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text("utf-8-sig"), newline="")))


def write_csv(
    path: Path,
    rows: list[dict[str, str]],
    *,
    encoding: str = "utf-8-sig",
    delimiter: str = ",",
    header: list[str] | None = None,
) -> Path:
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(
        buffer, fieldnames=header or list(rows[0]), lineterminator="\r\n", delimiter=delimiter
    )
    writer.writeheader()
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def edited(store: Store, level: str, path: Path, change: Callable[[dict[str, dict[str, str]]], object]) -> Path:  # fmt: skip
    """Export `level` as CSV, let `change` edit the rows (by id), write the file back."""
    export(store, level, path)
    rows = read_csv(path)
    change({r["id"]: r for r in rows})
    return write_csv(path, rows)


def problems(plan: ImportPlan) -> list[str]:
    return [str(p) for p in plan.errors]


def refused(plan: ImportPlan, store: Store, edits: EditService) -> None:
    """The plan has problems: applying it raises and queues nothing."""
    assert plan.errors
    with pytest.raises(ChangeError, match="nothing was queued"):
        apply(plan, edits)
    assert pending(store) == []


def european(amount: str, currency_places: int) -> str:
    """An amount as European Excel writes a #,##0.00 cell into a CSV: 1.234,50."""
    if not amount:
        return ""
    value = Decimal(amount)
    text = f"{value:,.{currency_places}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def places(account_id: str) -> int:
    return 0 if account_id == JP else 2


# -- wrong types ---------------------------------------------------------------------------------


def test_text_in_a_budget_and_a_date_in_a_bid_are_refused_by_row_and_column(
    store: Store, edits: EditService, tmp_path: Path
) -> None:
    def change(rows: dict[str, dict[str, str]]) -> None:
        rows["sq-gb-young"]["daily_budget"] = "fifty"
        rows["sq-us-young"]["bid"] = "2026-03-17"
        rows["sq-jp-wide"]["name"] = "Fine edit"  # a good row does not get through either

    plan = plan_import(store, edited(store, AD_SQUAD, tmp_path / "sq.csv", change))
    assert problems(plan) == [
        "row 2, daily_budget: 'fifty' is not an amount (type digits, e.g. 12.50)",
        "row 8, bid: '2026-03-17' is a date, not an amount: type the amount in the account's "
        "currency (e.g. 12.50)",
    ]
    assert [p.value for p in plan.errors] == ["fifty", "2026-03-17"]  # the cells, as written
    assert plan.to_json()["errors"][0] == {
        "row": 2,
        "column": "daily_budget",
        "value": "fifty",
        "message": "'fifty' is not an amount (type digits, e.g. 12.50)",
    }
    assert plan.summary() == "0 creates, 1 update, 6 unchanged, 2 rows with problems"
    refused(plan, store, edits)


def test_an_excel_date_in_a_bid_and_a_number_in_a_status_are_refused(
    store: Store, edits: EditService, tmp_path: Path
) -> None:
    path = export(store, AD_SQUAD, tmp_path / "sq.xlsx")
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 1).value == "sq-gb-young")
    sheet.cell(row, header.index("bid") + 1).value = datetime(2026, 3, 17)
    sheet.cell(row, header.index("status") + 1).value = 1
    sheet.cell(row, header.index("daily_budget") + 1).value = True
    book.save(path)
    plan = plan_import(store, path)
    assert problems(plan) == [
        "row 2, bid: 2026-03-17 00:00:00 is a date or time, not an amount (did the spreadsheet "
        "read what was typed as a date? Format the cell as a number and type the amount)",
        "row 2, daily_budget: 'TRUE' is not an amount (type digits, e.g. 12.50)",
        "row 2, status: '1': the status is ACTIVE or PAUSED",
    ]
    refused(plan, store, edits)


# -- ids ---------------------------------------------------------------------------------------


def test_unknown_repeated_and_foreign_ids_name_every_row(
    store: Store, edits: EditService, tmp_path: Path
) -> None:
    path = export(store, AD_SQUAD, tmp_path / "sq.csv")
    rows = read_csv(path)
    rows[0]["id"] = "sq-nowhere"
    rows[2]["id"] = rows[1]["id"]  # the same ad squad twice…
    rows[5]["id"] = rows[1]["id"]  # …and a third time
    rows[3]["id"] = "cmp-gb-spring"  # a campaign's id in an ad squads file
    rows[4]["id"] = "cr-gb-1"  # a creative's
    rows[6]["daily_budget"] = "60"
    plan = plan_import(store, write_csv(path, rows))
    first = rows[1]["id"]
    assert problems(plan) == [
        "row 2, id: no ad squad with id 'sq-nowhere' in the local cache: it was deleted on "
        "Snap, or its ad account is not synced (snapdesk sync)",
        f"row 3, id: '{first}' is also in rows 4 and 7: a file may hold each ad squad once; "
        "keep one of these rows",
        f"row 4, id: '{first}' is also in rows 3 and 7: a file may hold each ad squad once; "
        "keep one of these rows",
        "row 5, id: 'cmp-gb-spring' is the id of a campaign, not of an ad squad: this file "
        "holds ad squads",
        "row 6, id: 'cr-gb-1' is the id of a creative, not of an ad squad: this file holds ad "
        "squads",
        f"row 7, id: '{first}' is also in rows 3 and 4: a file may hold each ad squad once; "
        "keep one of these rows",
    ]
    assert len(plan.items) == 1  # the good edit is planned, and still not queued
    refused(plan, store, edits)


def test_an_id_excel_turned_into_a_number_is_refused(store: Store, tmp_path: Path) -> None:
    path = export(store, CAMPAIGN, tmp_path / "c.csv")
    rows = read_csv(path)
    rows[0]["id"] = "1.23457E+15"
    plan = plan_import(store, write_csv(path, rows))
    assert problems(plan) == [
        "row 2, id: 1.23457E+15 is a number, not an id: Excel turned the id into a number and "
        "its digits are lost; export again and keep the id columns as text"
    ]


# -- formulas ----------------------------------------------------------------------------------


def with_saved_values(path: Path, values: dict[str, str]) -> Path:
    """What Excel does on saving: each formula cell keeps its calculated value (openpyxl
    writes formulas without one)."""
    parts: dict[str, bytes] = {}
    with zipfile.ZipFile(path) as book:
        for name in book.namelist():
            parts[name] = book.read(name)
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    for ref, value in values.items():
        sheet, n = re.subn(rf'(<c r="{ref}"[^>]*><f>[^<]*</f>)<v ?/>', rf"\g<1><v>{value}</v>", sheet)  # fmt: skip
        assert n == 1, ref
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        for name, data in parts.items():
            book.writestr(name, data)
    return path


def xlsx_with(path: Path, cells: dict[tuple[str, str], Any]) -> tuple[Path, dict[tuple[str, str], str]]:  # fmt: skip
    """Set cells (id, header) of the first sheet; returns the cell references."""
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    rows = {sheet.cell(r, 1).value: r for r in range(2, sheet.max_row + 1)}
    refs = {}
    for (entity_id, column), value in cells.items():
        cell = sheet.cell(rows[entity_id], header.index(column) + 1)
        cell.value = value
        refs[(entity_id, column)] = cell.coordinate
    book.save(path)
    return path, refs


def test_xlsx_formulas_are_read_by_the_value_excel_saved(
    store: Store, edits: EditService, tmp_path: Path
) -> None:
    path, refs = xlsx_with(
        export(store, AD_SQUAD, tmp_path / "sq.xlsx"),
        {("sq-gb-young", "daily_budget"): "=45*2", ("sq-us-brand", "name"): '=UPPER("loud")'},
    )
    with_saved_values(path, {refs[("sq-gb-young", "daily_budget")]: "90"})
    text_ref = refs[("sq-us-brand", "name")]
    sheet = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").decode()
    sheet = re.sub(rf'<c r="{text_ref}"([^>]*)><f>([^<]*)</f><v ?/>',
                   rf'<c r="{text_ref}" t="str"><f>\2</f><v>LOUD</v>', sheet)  # fmt: skip
    parts = {n: zipfile.ZipFile(path).read(n) for n in zipfile.ZipFile(path).namelist()}
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    with zipfile.ZipFile(path, "w") as book:
        for name, data in parts.items():
            book.writestr(name, data)
    plan = plan_import(store, path)
    assert plan.errors == []
    assert {i.entity_id: dict(i.fields) for i in plan.items} == {
        "sq-gb-young": {"daily_budget_micro": 90_000_000},
        "sq-us-brand": {"name": "LOUD"},
    }
    ref = refs[("sq-gb-young", "daily_budget")]
    assert f"Cells holding formulas were read by the values Excel saved with them (e.g. {ref})" in plan.notes  # fmt: skip
    apply(plan, edits)
    assert len(pending(store)) == 2


def test_an_xlsx_formula_never_calculated_is_refused_naming_its_cell(
    store: Store, edits: EditService, tmp_path: Path
) -> None:
    path, refs = xlsx_with(
        export(store, AD_SQUAD, tmp_path / "sq.xlsx"), {("sq-jp-young", "bid"): "=A1*2"}
    )
    plan = plan_import(store, path)
    ref = refs[("sq-jp-young", "bid")]
    assert problems(plan) == [
        f"row {ref[1:]}, bid: {ref} holds a formula without a saved value — open and save the "
        "file in Excel"
    ]
    refused(plan, store, edits)


def test_csv_formulas_are_refused_but_an_equals_amount_is_a_grid_expression(
    store: Store, edits: EditService, tmp_path: Path
) -> None:
    def change(rows: dict[str, dict[str, str]]) -> None:
        rows["sq-gb-young"]["daily_budget"] = "=A1*2"
        rows["sq-gb-wide"]["name"] = '=HYPERLINK("http://evil.example","x")'
        rows["sq-us-young"]["daily_budget"] = "=50"  # set to 50, as typed in the grid

    plan = plan_import(store, edited(store, AD_SQUAD, tmp_path / "sq.csv", change))
    message = (
        "is a formula, and a CSV file keeps no formula results: type the value, or save the "
        "file as XLSX (text that really starts with = is written '=…)"
    )
    assert problems(plan) == [
        f"row 2, daily_budget: '=A1*2' {message}",
        f'row 3, name: \'=HYPERLINK("http://evil.example","x")\' {message}',
    ]
    assert [dict(i.fields) for i in plan.items] == [{"daily_budget_micro": 50_000_000}]
    refused(plan, store, edits)


INJECTIONS = [
    '=HYPERLINK("http://evil.example","click")',
    "+44 7700 900123",
    "-20% Summer",
    "@everyone",
    "\tTabbed",
    "'=quoted already",
    "''+two apostrophes",
    "'Tis the season",  # no formula after the apostrophe: left alone
    "Plain = fine",
]


@pytest.mark.parametrize("text", INJECTIONS)
def test_neutralise_round_trips_every_text(text: str) -> None:
    out = neutralise(text)
    assert unneutralise(out) == text
    assert not re.match(r"[=+\-@\t\r]", out)


@pytest.mark.parametrize("level", LEVELS)
def test_csv_export_neutralises_formula_cells_and_reads_them_back_unchanged(
    store: Store, edits: EditService, tmp_path: Path, level: str
) -> None:
    ids = sheets_data.LEVEL_IDS[level]
    names = dict(zip(ids, [*INJECTIONS[: len(ids) - 1], INJECTIONS[-1]], strict=True))
    for entity_id, name in names.items():
        edits.edit(kind=level, entity_id=entity_id, fields={"name": name})
    path = export(store, level, tmp_path / f"{level}.csv")
    stream = io.StringIO()  # standard output (scripts) is neutralised the same way
    export_rows(load_rows(store, level), list(columns_for(level)), stream, level=level)
    for text in (path.read_text("utf-8-sig"), stream.getvalue()):
        cells = [c for row in csv.reader(io.StringIO(text, newline="")) for c in row]
        assert not [c for c in cells if re.match(r"[=+\-@\t\r]", c)]  # nothing a spreadsheet runs
        assert {neutralise(n) for n in names.values()} <= set(cells)
    assert '\'=HYPERLINK("http://evil.example","click")' in cells
    assert "'+44 7700 900123" in cells and "Plain = fine" in cells
    plan = plan_import(store, path)
    assert (plan.errors, plan.items, plan.unchanged) == ([], [], len(ids))


def test_a_neutralised_name_typed_in_a_csv_is_taken_literally(
    store: Store, edits: EditService, tmp_path: Path
) -> None:
    def change(rows: dict[str, dict[str, str]]) -> None:
        rows["cmp-gb-spring"]["name"] = "'=== SALE ==="

    plan = plan_import(store, edited(store, CAMPAIGN, tmp_path / "c.csv", change))
    assert plan.errors == []
    assert [dict(i.fields) for i in plan.items] == [{"name": "=== SALE ==="}]


# -- encodings and separators ------------------------------------------------------------------


def unicode_text(csv_path: Path, target: Path, edit: Callable[[list[list[str]]], object] | None = None) -> Path:  # fmt: skip
    """What Excel's "Save as: Unicode Text" writes: UTF-16 LE with a BOM, tab-separated, CRLF."""
    table = list(csv.reader(io.StringIO(csv_path.read_text("utf-8-sig"), newline="")))
    if edit is not None:
        edit(table)
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter="\t", lineterminator="\r\n").writerows(table)
    target.write_bytes(b"\xff\xfe" + buffer.getvalue().encode("utf-16-le"))
    return target


@pytest.mark.parametrize("level", LEVELS)
def test_utf16_unicode_text_from_excel_round_trips(
    store: Store, tmp_path: Path, level: str
) -> None:
    exported = export(store, level, tmp_path / "export.csv")
    plan = plan_import(store, unicode_text(exported, tmp_path / "unicode.txt"))
    assert plan.source == "CSV (UTF-16, tab-separated)"
    assert (plan.errors, plan.items) == ([], [])
    assert plan.unchanged == len(sheets_data.LEVEL_IDS[level])


def test_utf16_edits_keep_pound_and_euro_signs(store: Store, tmp_path: Path) -> None:
    exported = export(store, CAMPAIGN, tmp_path / "export.csv")

    def rename(table: list[list[str]]) -> None:
        name = table[0].index("name")
        row = next(r for r in table if r[0] == "cmp-gb-spring")
        row[name] = "Sale £5 off – €6 in Ireland"

    plan = plan_import(store, unicode_text(exported, tmp_path / "u.txt", rename))
    assert [dict(i.fields) for i in plan.items] == [{"name": "Sale £5 off – €6 in Ireland"}]


def test_windows_1252_with_pound_and_euro(store: Store, tmp_path: Path) -> None:
    path = export(store, CAMPAIGN, tmp_path / "c.csv")
    rows = read_csv(path)
    next(r for r in rows if r["id"] == "cmp-gb-spring")["name"] = "£5 off, €6 too"
    for row in rows:  # cp1252 has no curly quotes in this text, but the names must fit
        row["name"] = row["name"].encode("cp1252", "replace").decode("cp1252")
    plan = plan_import(store, write_csv(path, rows, encoding="cp1252"))
    assert plan.source == "CSV (Windows-1252, comma-separated)"
    assert plan.errors == []
    assert [dict(i.fields) for i in plan.items] == [{"name": "£5 off, €6 too"}]
    assert any("read as Windows-1252" in n for n in plan.notes)


def to_european(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    out = []
    for row in rows:
        row = dict(row)
        for key in MONEY:
            if key in row:
                row[key] = european(row[key], places(row["ad_account_id"]))
        out.append(row)
    return out


@pytest.mark.parametrize("level", LEVELS)
def test_a_semicolon_file_with_decimal_commas_from_european_excel_round_trips(
    store: Store, tmp_path: Path, level: str
) -> None:
    rows = to_european(read_csv(export(store, level, tmp_path / "export.csv")))
    amounts = {r[k] for r in rows for k in MONEY if r.get(k)}
    assert (
        amounts
        >= {
            CAMPAIGN: {"75,00", "11.250", "2.500,00", "375.000"},
            AD_SQUAD: {"45,00", "6.750", "3.000", "900,00", "135.000", "1,25", "190"},
            AD: set(),
        }[level]
    )
    plan = plan_import(store, write_csv(tmp_path / "eu.csv", rows, delimiter=";"))
    assert plan.source == "CSV (UTF-8, semicolon-separated)"
    assert (plan.errors, plan.items) == ([], [])
    assert plan.unchanged == len(sheets_data.LEVEL_IDS[level])


def test_european_amounts_are_read_with_a_decimal_comma(store: Store, tmp_path: Path) -> None:
    rows = to_european(read_csv(export(store, AD_SQUAD, tmp_path / "export.csv")))
    by_id = {r["id"]: r for r in rows}
    by_id["sq-gb-young"]["daily_budget"] = "46,50"
    by_id["sq-jp-young"]["daily_budget"] = "7.500"  # yen, thousands grouped with a dot
    by_id["sq-us-young"]["bid"] = "+10%"
    by_id["sq-gb-wide"]["lifetime_budget"] = "1.234,56"
    plan = plan_import(store, write_csv(tmp_path / "eu.csv", rows, delimiter=";"))
    assert plan.errors == []
    assert {i.entity_id: dict(i.fields) for i in plan.items} == {
        "sq-gb-young": {"daily_budget_micro": 46_500_000},
        "sq-jp-young": {"daily_budget_micro": 7_500_000_000},
        "sq-us-young": {"bid_micro": 1_380_000},
        "sq-gb-wide": {"lifetime_budget_micro": 1_234_560_000},
    }
    assert "Amounts were read with a decimal comma, as European Excel writes them (1.234,50 is 1234.50)" in plan.notes  # fmt: skip


def test_european_unicode_text_is_told_by_its_numbers(store: Store, tmp_path: Path) -> None:
    """Excel's Unicode text is tab-separated in every locale: the amounts say which decimal
    separator it uses."""
    rows = to_european(read_csv(export(store, AD_SQUAD, tmp_path / "export.csv")))
    next(r for r in rows if r["id"] == "sq-gb-young")["daily_budget"] = "46,50"
    semicolons = write_csv(tmp_path / "eu.csv", rows)
    plan = plan_import(store, unicode_text(semicolons, tmp_path / "eu.txt"))
    assert plan.errors == []
    assert [dict(i.fields) for i in plan.items] == [{"daily_budget_micro": 46_500_000}]


def test_a_file_mixing_decimal_separators_is_refused_naming_both_cells(
    store: Store, edits: EditService, tmp_path: Path
) -> None:
    rows = to_european(read_csv(export(store, AD_SQUAD, tmp_path / "export.csv")))
    next(r for r in rows if r["id"] == "sq-us-young")["bid"] = "1.30"
    plan = plan_import(store, write_csv(tmp_path / "eu.csv", rows, delimiter=";"))
    assert problems(plan) == [
        "row 8, bid: '1.30' and '45,00' (row 2, daily_budget) use different decimal "
        "separators: write every amount of the file the same way (45.00, or 45,00 in a "
        "semicolon-separated file)"
    ]
    refused(plan, store, edits)


# -- several sheets ----------------------------------------------------------------------------


def test_the_grid_sheet_is_read_whatever_its_place_and_the_others_are_named(
    store: Store, tmp_path: Path
) -> None:
    path = export(store, AD_SQUAD, tmp_path / "sq.xlsx")
    book = openpyxl.load_workbook(path)
    notes = book.create_sheet("Notes", 0)
    notes["A1"] = "Client feedback"
    notes["A2"] = "id"  # not a header row: the first row says so
    book.create_sheet("Pivot").append(["name", "spend"])  # one grid column is not a header
    book.worksheets[1]["A1"].value = "id"
    book.save(path)
    plan = plan_import(store, path)
    assert plan.source == "sheet 'Ad squads'"
    assert (plan.errors, plan.items) == ([], [])
    assert "Read the sheet 'Ad squads'; the others were not read ('Notes', 'Pivot')" in plan.notes


def test_two_sheets_of_the_grid_are_ambiguous(store: Store, tmp_path: Path) -> None:
    path = export(store, AD_SQUAD, tmp_path / "sq.xlsx")
    book = openpyxl.load_workbook(path)
    copy = book.copy_worksheet(book["Ad squads"])
    copy.title = "Ad squads (edited)"
    book.save(path)
    with pytest.raises(SheetError) as exc:
        plan_import(store, path)
    assert exc.value.message == (
        "sq.xlsx has 2 sheets with grid columns ('Ad squads', 'Ad squads (edited)'): snapdesk "
        "can't tell which one to import; delete the others (or move them to a workbook of "
        "their own) and import again"
    )


def test_a_sheet_of_another_level_beside_the_exported_one_is_left_alone(
    store: Store, tmp_path: Path
) -> None:
    """A campaigns sheet pasted into an ad squads export: the About sheet names the level, and
    only one sheet holds that level."""
    campaigns = openpyxl.load_workbook(export(store, CAMPAIGN, tmp_path / "c.xlsx")).worksheets[0]
    path = export(store, AD_SQUAD, tmp_path / "sq.xlsx")
    book = openpyxl.load_workbook(path)
    pasted = book.create_sheet("Campaigns", 0)
    for row in campaigns.iter_rows(values_only=True):
        pasted.append(list(row))
    book.save(path)
    plan = plan_import(store, path)
    assert (plan.level, plan.source, plan.errors) == (AD_SQUAD, "sheet 'Ad squads'", [])
    assert "Read the sheet 'Ad squads'; the others were not read ('Campaigns')" in plan.notes


def test_a_workbook_without_a_grid_sheet_names_its_sheets(store: Store, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.title = "Budget ideas"
    book.active.append(["Campaign", "Budget"])
    book.save(tmp_path / "ideas.xlsx")
    with pytest.raises(SheetError, match=r"no sheet starts with a header row of grid columns .*'Budget ideas'"):  # fmt: skip
        plan_import(store, tmp_path / "ideas.xlsx")


# -- empty files, renamed and performance columns ----------------------------------------------


def test_a_file_of_zero_bytes_and_one_of_blank_lines_are_refused(
    store: Store, tmp_path: Path
) -> None:
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(SheetError, match=r"^empty\.csv is empty: export the grid again"):
        plan_import(store, tmp_path / "empty.csv")
    (tmp_path / "blank.csv").write_bytes(b"\r\n\r\n  \r\n")
    with pytest.raises(SheetError, match=r"^blank\.csv has only blank lines"):
        plan_import(store, tmp_path / "blank.csv")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_header_without_rows_imports_nothing(
    store: Store, edits: EditService, tmp_path: Path, fmt: str
) -> None:
    path = tmp_path / f"none.{fmt}"
    export_rows([], list(columns_for(AD_SQUAD)), path, level=AD_SQUAD)
    plan = plan_import(store, path)
    assert (plan.errors, plan.items, plan.rows, plan.level) == ([], [], 0, AD_SQUAD)
    assert plan.summary() == "0 creates, 0 updates, 0 unchanged"
    assert "The file has a header but no rows: nothing to import" in plan.notes
    with pytest.raises(ChangeError, match="Nothing to import"):
        apply(plan, edits)


def test_a_renamed_column_is_an_unknown_column(
    store: Store, edits: EditService, tmp_path: Path
) -> None:
    path = export(store, AD_SQUAD, tmp_path / "sq.csv")
    rows = read_csv(path)
    renamed = [("Daily Budget (GBP)" if h == "daily_budget" else h) for h in rows[0]]
    rows = [{("Daily Budget (GBP)" if k == "daily_budget" else k): v for k, v in r.items()} for r in rows]  # fmt: skip
    rows[0]["name"] = "Renamed too"
    plan = plan_import(store, write_csv(path, rows, header=renamed))
    [problem] = plan.errors
    assert (problem.row, problem.column) == (None, "Daily Budget (GBP)")
    assert problem.message.startswith("unknown column (column ")
    assert "A column of your own must start with #" in problem.message
    refused(plan, store, edits)
    rows2 = read_csv(export(store, AD_SQUAD, tmp_path / "sq2.csv"))
    typo = [("daily_budgte" if h == "daily_budget" else h) for h in rows2[0]]
    rows2 = [{("daily_budgte" if k == "daily_budget" else k): v for k, v in r.items()} for r in rows2]  # fmt: skip
    plan = plan_import(store, write_csv(tmp_path / "sq2.csv", rows2, header=typo))
    assert "did you mean daily_budget?" in plan.errors[0].message


def test_edited_performance_columns_are_ignored_and_the_summary_says_so(
    store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "c.csv"
    rows = load_rows(store, CAMPAIGN)
    export_rows(rows, list(columns_for(CAMPAIGN)), path, level=CAMPAIGN, date_range="Last 7 days")
    table = read_csv(path)
    stats = [h for h in table[0] if h.startswith("stats_")]
    assert len(stats) == 11
    for row in table:
        row["stats_spend"] = "999999"
        row["stats_impressions"] = "lots"
    table[0]["# my notes"] = "raise this"
    plan = plan_import(store, write_csv(path, table))
    assert (plan.errors, plan.items, plan.unchanged) == ([], [], 6)
    assert plan.ignored == [*stats, "# my notes"]
    assert plan.ignored_note() == (
        "Not imported: 11 performance columns (stats_spend, stats_spend_usd, …): edits there "
        "change nothing; 1 column of your own (# my notes)"
    )
    assert plan.to_json()["ignored_columns"] == plan.ignored


# -- status and empty cells --------------------------------------------------------------------


def test_status_spellings(store: Store, edits: EditService, tmp_path: Path) -> None:
    def change(rows: dict[str, dict[str, str]]) -> None:
        rows["cmp-gb-spring"]["status"] = "PAUSED"
        rows["cmp-jp-spring"]["status"] = " paused "
        rows["cmp-us-always"]["status"] = "Active"
        rows["cmp-gb-always"]["status"] = "PAUSED"  # already paused: unchanged

    plan = plan_import(store, edited(store, CAMPAIGN, tmp_path / "c.csv", change))
    assert plan.errors == []
    assert plan.summary() == "0 creates, 3 updates, 3 unchanged"
    apply(plan, edits)
    assert {c.entity_id: c.action for c in pending(store)} == {
        "cmp-gb-spring": PAUSE,
        "cmp-jp-spring": PAUSE,
        "cmp-us-always": RESUME,
    }


def test_a_status_that_is_not_active_or_paused_is_refused(store: Store, tmp_path: Path) -> None:
    def change(rows: dict[str, dict[str, str]]) -> None:
        rows["cmp-gb-spring"]["status"] = "DELETED"

    plan = plan_import(store, edited(store, CAMPAIGN, tmp_path / "c.csv", change))
    assert problems(plan) == ["row 2, status: 'DELETED': the status is ACTIVE or PAUSED"]


def test_empty_cells_leave_settings_unchanged_except_budgets_bids_and_end_times(
    store: Store, edits: EditService, tmp_path: Path
) -> None:
    def change(rows: dict[str, dict[str, str]]) -> None:
        for key in ("name", "status", "bid_strategy", "optimization_goal", "targeting", "start_time"):  # fmt: skip
            rows["sq-gb-young"][key] = ""
        rows["sq-us-young"]["name"] = ""
        rows["sq-gb-wide"]["end_time"] = ""  # no end
        rows["sq-jp-wide"]["lifetime_budget"] = ""  # from lifetime…
        rows["sq-jp-wide"]["daily_budget"] = "3000"  # …to daily

    plan = plan_import(store, edited(store, AD_SQUAD, tmp_path / "sq.csv", change))
    assert plan.errors == []
    assert {i.entity_id: dict(i.fields) for i in plan.items} == {
        "sq-gb-wide": {"end_time": None},
        "sq-jp-wide": {"lifetime_budget_micro": None, "daily_budget_micro": 3_000_000_000},
    }
    clears = "an empty cell clears only daily_budget, lifetime_budget, bid and end_time"
    assert plan.notes == [
        f"name is empty in 2 rows (first: row 2): left unchanged ({clears})",
        f"status is empty in row 2: left unchanged ({clears})",
        f"bid_strategy is empty in row 2: left unchanged ({clears})",
        f"optimization_goal is empty in row 2: left unchanged ({clears})",
        f"start_time is empty in row 2: left unchanged ({clears})",
        f"targeting is empty in row 2: left unchanged ({clears})",
    ]
    group = apply(plan, edits)
    assert {c.entity_id for c in group.changes} == {"sq-gb-wide", "sq-jp-wide"}


def test_empty_cells_of_an_ads_file_clear_nothing(store: Store, tmp_path: Path) -> None:
    def change(rows: dict[str, dict[str, str]]) -> None:
        rows["ad-gb-video"]["creative_id"] = ""

    plan = plan_import(store, edited(store, AD, tmp_path / "ads.csv", change))
    assert (plan.errors, plan.items) == ([], [])
    assert plan.notes == [
        "creative_id is empty in row 2: left unchanged (an empty cell never clears a setting "
        "of an ad)"
    ]


# -- creates -----------------------------------------------------------------------------------


def test_creates_by_parent_id_and_unambiguous_name_and_ambiguous_names_list_candidates(
    store: Store, edits: EditService, tmp_path: Path
) -> None:
    path = export(store, AD, tmp_path / "ads.csv")
    rows = read_csv(path)
    blank = dict.fromkeys(rows[0], "")
    rows += [
        {**blank, "ad_squad_id": "sq-jp-young", "name": "By id", "creative_id": "cr-jp-1"},
        {**blank, "ad_squad_name": "18-34", "account_name": "Lumen US", "name": "By name",
         "creative_id": "cr-us-1"},
        {**blank, "ad_squad_name": "Wide reach", "ad_account_id": GB, "name": "Ambiguous",
         "creative_id": "cr-gb-1"},
        {**blank, "ad_squad_name": "18-34", "name": "Everywhere", "creative_id": "cr-gb-1"},
        {**blank, "ad_squad_id": "sq-missing", "name": "Lost", "creative_id": "cr-gb-1"},
        {**blank, "name": "Orphan", "creative_id": "cr-gb-1"},
    ]  # fmt: skip
    plan = plan_import(store, write_csv(path, rows))
    assert problems(plan) == [
        "row 10, ad_squad_name: 'Wide reach' names 2 ad squads (sq-gb-wide in Harbour UK; "
        "sq-gb-brand in Harbour UK): fill ad_squad_id",
        "row 11, ad_squad_name: '18-34' names 3 ad squads (sq-gb-young in Harbour UK; "
        "sq-jp-young in Sakura JP; sq-us-young in Lumen US): fill ad_squad_id",
        "row 12, ad_squad_id: no ad squad with id 'sq-missing' in the local cache",
        "row 13, ad_squad_id: a new ad needs its ad squad: fill ad_squad_id (or ad_squad_name)",
    ]
    assert {i.name: i.parent_id for i in plan.creates} == {
        "By id": "sq-jp-young",
        "By name": "sq-us-young",
    }
    refused(plan, store, edits)


def test_a_campaign_name_tells_same_named_ad_squads_apart(store: Store, tmp_path: Path) -> None:
    path = export(store, AD, tmp_path / "ads.csv")
    rows = read_csv(path)
    blank = dict.fromkeys(rows[0], "")
    rows.append({**blank, "ad_squad_name": "Wide reach", "campaign_name": "Always On",
                 "ad_account_id": GB, "name": "Told apart", "creative_id": "cr-gb-1"})  # fmt: skip
    plan = plan_import(store, write_csv(path, rows))
    assert plan.errors == []
    assert [i.parent_id for i in plan.creates] == ["sq-gb-brand"]


# -- Excel's dates -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entity_id", "typed", "expected"),
    [
        ("cmp-gb-spring", "3/17/2026 4:26 PM", "2026-03-17T16:26:00.000Z"),  # GMT
        ("cmp-us-spring", "3/17/2026 4:26 PM", "2026-03-17T23:26:00.000Z"),  # PDT
        ("cmp-jp-spring", "3/17/2026 4:26 PM", "2026-03-17T07:26:00.000Z"),  # JST
        ("cmp-us-spring", "12/13/2026 12:05 AM", "2026-12-13T08:05:00.000Z"),  # PST, midnight
        ("cmp-gb-spring", "7/17/2026 12:30 p.m.", "2026-07-17T11:30:00.000Z"),  # BST, noon
        ("cmp-gb-spring", "17/07/2026 16:26", "2026-07-17T15:26:00.000Z"),  # day first
        ("cmp-gb-spring", "17.07.2026 16:26:30", "2026-07-17T15:26:30.000Z"),  # German
        ("cmp-gb-spring", "2026/07/17 16:26", "2026-07-17T15:26:00.000Z"),
        ("cmp-gb-spring", "46220.6875", "2026-07-17T15:30:00.000Z"),  # a serial: 16:30 BST
        ("cmp-jp-spring", "46220,5", "2026-07-17T03:00:00.000Z"),  # a serial, decimal comma
    ],
)
def test_dates_as_excel_writes_them_are_the_accounts_local_time(
    store: Store, tmp_path: Path, entity_id: str, typed: str, expected: str
) -> None:
    def change(rows: dict[str, dict[str, str]]) -> None:
        rows[entity_id]["end_time"] = typed

    plan = plan_import(store, edited(store, CAMPAIGN, tmp_path / "c.csv", change))
    assert plan.errors == []
    assert [(i.entity_id, dict(i.fields)) for i in plan.items] == [
        (entity_id, {"end_time": expected})
    ]


def test_an_ambiguous_slash_date_is_refused_unless_the_file_tells_the_order(
    store: Store, edits: EditService, tmp_path: Path
) -> None:
    def alone(rows: dict[str, dict[str, str]]) -> None:
        rows["cmp-gb-spring"]["end_time"] = "03/04/2026 09:00"

    plan = plan_import(store, edited(store, CAMPAIGN, tmp_path / "c.csv", alone))
    assert problems(plan) == [
        "row 2, end_time: '03/04/2026 09:00' can be 3 April or 4 March: type it as "
        "2026-05-01 09:00 (year-month-day)"
    ]
    refused(plan, store, edits)

    def told(rows: dict[str, dict[str, str]]) -> None:
        rows["cmp-gb-spring"]["end_time"] = "03/04/2026 09:00"
        rows["cmp-us-spring"]["end_time"] = "25/12/2026 09:00"  # day first

    plan = plan_import(store, edited(store, CAMPAIGN, tmp_path / "c.csv", told))
    assert plan.errors == []
    fields = {i.entity_id: i.fields["end_time"] for i in plan.items}
    assert fields["cmp-gb-spring"] == "2026-04-03T08:00:00.000Z"  # 3 April, BST
    assert "Dates with slashes were read as day/month/year, as '25/12/2026 09:00' (row 6) shows" in plan.notes  # fmt: skip

    def mixed(rows: dict[str, dict[str, str]]) -> None:
        rows["cmp-gb-spring"]["end_time"] = "12/25/2026 09:00"
        rows["cmp-us-spring"]["end_time"] = "25/12/2026 09:00"

    plan = plan_import(store, edited(store, CAMPAIGN, tmp_path / "c.csv", mixed))
    assert problems(plan) == [
        "row 6, end_time: '25/12/2026 09:00' and '12/25/2026 09:00' (row 2, end_time) put the "
        "day and the month in different orders: type dates as 2026-05-01 09:00 "
        "(year-month-day)"
    ]


def test_xlsx_dates_serials_and_excels_binary_fractions(store: Store, tmp_path: Path) -> None:
    path, _ = xlsx_with(
        export(store, CAMPAIGN, tmp_path / "c.xlsx"),
        {
            ("cmp-gb-spring", "end_time"): datetime(2026, 3, 17, 16, 25, 59, 999_998),
            ("cmp-us-spring", "end_time"): 46098.684722222,  # a serial: 3/17/2026 4:26 PM
            ("cmp-jp-spring", "end_time"): 12.5,  # a small number is not a date
        },
    )
    plan = plan_import(store, path)
    assert problems(plan) == [
        "row 4, end_time: 12.5 is a number, not a date and time: type it as 2026-05-01 09:00"
    ]
    fields = {i.entity_id: dict(i.fields) for i in plan.items}
    assert fields == {
        "cmp-gb-spring": {"end_time": "2026-03-17T16:26:00.000Z"},
        "cmp-us-spring": {"end_time": "2026-03-17T23:26:00.000Z"},
    }


# -- zero changes across levels, formats, currencies and zones ----------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("level", LEVELS)
def test_export_import_unchanged_is_zero_changes_with_hostile_names(
    store: Store, edits: EditService, tmp_path: Path, level: str, fmt: str
) -> None:
    """Names that start like formulas, with quotes, delimiters, line breaks and non-Latin text,
    in GBP/JPY/USD accounts in London, Tokyo and Los Angeles."""
    names = ["=1+1", '@here; "quoted"', "Line\nbreak", "日本語キャンペーン", "-5%", "Tab\tinside"]
    for entity_id, name in zip(sheets_data.LEVEL_IDS[level], names, strict=False):
        edits.edit(kind=level, entity_id=entity_id, fields={"name": name})
    path = export(store, level, tmp_path / f"{level}.{fmt}")
    plan = plan_import(store, path)
    assert (plan.errors, plan.warnings, plan.items) == ([], [], [])
    assert plan.unchanged == len(sheets_data.LEVEL_IDS[level])
    assert {a for a in (GB, JP, US)} == {r.account.id for r in load_rows(store, level)}


# -- a huge file -------------------------------------------------------------------------------

BIG = 50_000


@pytest.fixture(scope="module")
def big_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One EUR account in Berlin with 50 ad squads and 50,000 ads, and its export."""
    folder = tmp_path_factory.mktemp("big")
    account = "acc-big"
    with Store(folder / "cache.sqlite3") as store:
        store.replace_organizations(
            "default",
            [{"id": "org-big", "name": "Big"}],
            [{"id": account, "organization_id": "org-big", "name": "Big DE", "status": "ACTIVE",
              "currency": "EUR", "timezone": "Europe/Berlin", "type": "PARTNER"}],
        )  # fmt: skip
        squads = [
            {"id": f"sq-{i}", "ad_account_id": account, "campaign_id": "cmp-big",
             "name": f"Squad {i}", "status": "ACTIVE", "type": "SNAP_ADS",
             "optimization_goal": "SWIPES", "bid_strategy": "AUTO_BID",
             "daily_budget_micro": 20_000_000, "targeting": {"geos": [{"country_code": "de"}]},
             "placement_v2": {"config": "AUTOMATIC"}}
            for i in range(50)
        ]  # fmt: skip
        ads = [
            {"id": f"ad-{i:05d}", "ad_squad_id": f"sq-{i % 50}", "name": f"Ad {i}",
             "status": "ACTIVE", "type": "SNAP_AD", "creative_id": "cr-big",
             "review_status": "APPROVED"}
            for i in range(BIG)
        ]  # fmt: skip
        store.replace_account_snapshot(
            account,
            {
                "campaigns": [{"id": "cmp-big", "ad_account_id": account, "name": "Big",
                               "status": "ACTIVE", "daily_budget_micro": 500_000_000,
                               "start_time": "2026-01-01T00:00:00.000Z"}],
                "ad_squads": squads,
                "ads": ads,
                "creatives": [{"id": "cr-big", "ad_account_id": account, "name": "Creative",
                               "type": "SNAP_AD"}],
            },
        )  # fmt: skip
        export(store, AD, folder / "ads.csv")
    return folder


def test_a_50k_row_file_imports_with_progress(big_cache: Path, tmp_path: Path) -> None:
    rows = read_csv(big_cache / "ads.csv")
    for row in rows[:300]:
        row["status"] = "PAUSED"
    rows[-1]["name"] = "Renamed last"
    path = write_csv(tmp_path / "ads.csv", rows)
    seen: list[tuple[float, str]] = []
    with Store(big_cache / "cache.sqlite3") as store:
        plan = plan_import(store, path, progress=lambda f, text: seen.append((f, text)))
        assert plan.errors == []
        assert plan.summary() == f"0 creates, 301 updates, {BIG - 301} unchanged"
        assert pending(store) == []
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert len(seen) > 20  # the reading, the checking of rows and of changes each report
    texts = {t.split(" (")[0].rstrip("…") for _, t in seen}
    assert {"Reading ads.csv", "Checking rows", "Checking changes", "Checked"} <= texts


@pytest.mark.parametrize("stage", ["Reading", "Checking rows", "Checking changes"])
def test_a_50k_row_file_can_be_cancelled_at_every_stage(
    big_cache: Path, tmp_path: Path, stage: str
) -> None:
    rows = read_csv(big_cache / "ads.csv")
    for row in rows[:1200]:
        row["status"] = "PAUSED"
    path = write_csv(tmp_path / "ads.csv", rows)
    cancel = threading.Event()

    def progress(fraction: float, text: str) -> None:
        if text.startswith(stage):
            cancel.set()

    with Store(big_cache / "cache.sqlite3") as store:
        with pytest.raises(ImportCancelled):
            plan_import(store, path, progress=progress, cancel=cancel)
        assert pending(store) == []


def test_applying_can_be_cancelled_and_queues_nothing(store: Store, tmp_path: Path) -> None:
    def change(rows: dict[str, dict[str, str]]) -> None:
        for row in rows.values():
            row["name"] = row["name"] + " (2)"

    plan = plan_import(store, edited(store, AD, tmp_path / "ads.csv", change))
    assert len(plan.items) == 6
    cancel = threading.Event()
    cancel.set()
    edits = EditService(store=store)
    with pytest.raises(ImportCancelled):
        apply(plan, edits, cancel=cancel)
    assert pending(store) == []
    assert ChangeRepository(store).undo_label() is None
    group = apply(plan, edits, progress=lambda f, t: None)
    assert len(group.changes) == 6 and {c.action for c in group.changes} == {UPDATE}
