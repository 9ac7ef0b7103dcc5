"""`snapdesk export` and `snapdesk import` through the console script, on a cache synced from the
sandbox over loopback HTTP (six ad accounts in several currencies and time zones): an edited
workbook queues exactly its changes and sends nothing; an unchanged export queues nothing; a bad
file exits 1 with row-level errors and queues nothing; --json; CSV on standard output; outputs
that would replace snapdesk's own files; --from/--to performance columns."""

from __future__ import annotations

import csv
import io
import json
import shutil
import sqlite3
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pytest

from snapdesk.cli import main
from snapdesk.config import Paths
from snapdesk.sandbox import SandboxServer

SEED = 42


def control(server: SandboxServer, method: str, path: str, body: Any = None) -> Any:
    response = httpx.request(method, f"{server.base_url}/__sandbox__/{path}", json=body)
    response.raise_for_status()
    return response.json() if response.content else None


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    with SandboxServer(seed=SEED, scale="demo") as srv:
        control(srv, "POST", "rate_limit", {"per_second": 100000, "burst": 100000})
        yield srv


@pytest.fixture(scope="module")
def synced(server: SandboxServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache synced once from the sandbox by `snapdesk sync` (copied into each test)."""
    home = tmp_path_factory.mktemp("synced")
    with pytest.MonkeyPatch.context() as env:
        for name in ("SNAPDESK_DATA_DIR", "SNAPDESK_CONFIG_DIR", "SNAPDESK_CACHE_DIR"):
            env.setenv(name, str(home / name.lower()))
        env.setenv("SNAPDESK_API_BASE", server.api_base)
        env.setenv("SNAPDESK_ACCESS_TOKEN", server.token)
        assert main(["sync"]) == 0
        database = Paths.from_env().database
    assert not Path(f"{database}-wal").exists() or Path(f"{database}-wal").stat().st_size == 0
    return database


@pytest.fixture
def cache(synced: Path, server: SandboxServer) -> Path:
    """This test's cache (SNAPDESK_DATA_DIR is private to it): the synced one; the sandbox's
    request log emptied, so that anything the commands send would show."""
    database = Paths.from_env().ensure().database
    shutil.copyfile(synced, database)
    control(server, "DELETE", "requests")
    return database


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def changes(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    code, out, err = run(capsys, "changes", "list", "--json")
    assert code == 0, err
    result: list[dict[str, Any]] = json.loads(out)
    return result


def nothing_sent(server: SandboxServer) -> None:
    """Export and import never reach the network: not a write, not even a read."""
    assert control(server, "GET", "requests") == []


def sheet_rows(path: Path) -> tuple[Any, Any, list[str], dict[str, int]]:
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    rows = {sheet.cell(r, 1).value: r for r in range(2, sheet.max_row + 1)}
    return book, sheet, header, rows


def test_an_edited_workbook_queues_exactly_its_changes_and_sends_nothing(
    cache: Path, server: SandboxServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "squads.xlsx"
    code, out, err = run(capsys, "export", "--level", "adsquad", "-o", str(path))
    assert (code, err) == (0, "")
    assert out.startswith("Wrote ") and out.rstrip().endswith(f"ad squads to {path}")
    book, sheet, header, rows = sheet_rows(path)
    col = {h: header.index(h) + 1 for h in header}
    budgeted = next(
        r for r in rows.values()
        if sheet.cell(r, col["daily_budget"]).value and sheet.cell(r, col["status"]).value == "ACTIVE"
    )  # fmt: skip
    active = next(
        r for r in rows.values()
        if r != budgeted and sheet.cell(r, col["status"]).value == "ACTIVE"
    )  # fmt: skip
    budget_id = sheet.cell(budgeted, 1).value
    status_id = sheet.cell(active, 1).value
    old_budget = Decimal(str(sheet.cell(budgeted, col["daily_budget"]).value))
    new_budget = old_budget + 7
    sheet.cell(budgeted, col["daily_budget"]).value = float(new_budget)
    sheet.cell(active, col["status"]).value = "PAUSED"
    book.save(path)

    code, out, err = run(capsys, "import", str(path))
    assert (code, err) == (0, ""), err
    unchanged = len(rows) - 2
    assert f"squads.xlsx: {len(rows)} ad squads read from sheet 'Ad squads'" in out
    assert f"({budget_id}), row {budgeted}" in out and f"({status_id}), row {active}" in out
    assert "          status: ACTIVE → PAUSED" in out
    assert f"0 creates, 2 updates, {unchanged} unchanged: queued as one undo step " in out
    assert "Nothing was sent. Post with: snapdesk changes post --live" in out

    queued = changes(capsys)
    assert sorted((c["entity_id"], c["action"]) for c in queued) == sorted(
        [(budget_id, "update"), (status_id, "pause")]
    )
    update = next(c for c in queued if c["entity_id"] == budget_id)
    assert update["after"]["daily_budget_micro"] - update["before"]["daily_budget_micro"] == 7_000_000  # fmt: skip
    assert len({c["group_id"] for c in queued}) == 1  # one undo step
    nothing_sent(server)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("level", ["campaign", "adsquad", "ad"])
def test_an_unchanged_export_imports_as_no_change(
    cache: Path,
    server: SandboxServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    level: str,
    fmt: str,
) -> None:
    path = tmp_path / f"{level}.{fmt}"
    assert run(capsys, "export", "--level", level, "-o", str(path))[0] == 0
    code, out, err = run(capsys, "import", str(path))
    assert (code, err) == (0, "")
    assert out.rstrip().endswith("nothing to queue, the file matches the cache.")
    assert "0 creates, 0 updates," in out
    code, out, _ = run(capsys, "changes", "list")
    assert (code, out.strip()) == (0, "No pending changes.")
    nothing_sent(server)


def test_the_export_spans_currencies_and_time_zones(
    cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "export", "--level", "campaign")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len({r["currency"] for r in rows}) >= 3
    offsets = {r["start_time"][19:] for r in rows if r["start_time"]}
    assert len(offsets) >= 3  # times in each account's own zone


def test_a_bad_file_exits_1_with_row_level_errors_and_queues_nothing(
    cache: Path, server: SandboxServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "squads.csv"
    assert run(capsys, "export", "--level", "adsquad", "-o", str(path))[0] == 0
    rows = list(csv.DictReader(io.StringIO(path.read_text("utf-8-sig"), newline="")))
    rows[0]["daily_budget"] = "lots"
    rows[1]["id"] = "not-an-ad-squad"
    rows[2]["name"] = "A good edit, not queued either"
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), "utf-8")

    code, out, err = run(capsys, "import", str(path))
    assert code == 1
    assert out == ""
    lines = err.splitlines()
    assert lines == [
        "row 2, daily_budget: 'lots' is not an amount (type digits, e.g. 12.50)",
        "row 3, id: no ad squad with id 'not-an-ad-squad' in the local cache: it was deleted "
        "on Snap, or its ad account is not synced (snapdesk sync)",
        "snapdesk: 2 problems in squads.csv: nothing was queued; fix the rows listed above and "
        "import the file again",
    ]
    assert changes(capsys) == []
    nothing_sent(server)


def test_a_file_that_cant_be_read_is_one_line(
    cache: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    code, out, err = run(capsys, "import", str(tmp_path / "old.xls"))
    assert (code, out) == (1, "")
    assert err.startswith("snapdesk: old.xls is an Excel 97-2003 workbook (.xls): save it as")
    assert len(err.splitlines()) == 1
    code, _, err = run(capsys, "import", str(tmp_path / "missing.csv"))
    missing = tmp_path / "missing.csv"
    assert code == 1 and err == f"snapdesk: {missing}: no such file; check the path\n"


def test_json_output(cache: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "campaigns.csv"
    assert run(capsys, "export", "--level", "campaign", "-o", str(path))[0] == 0
    rows = list(csv.DictReader(io.StringIO(path.read_text("utf-8-sig"), newline="")))
    rows[0]["name"] = "Renamed by a script"
    rows[0]["stats_note"] = ""
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), "utf-8")

    code, out, err = run(capsys, "import", str(path), "--json")
    assert (code, err) == (0, "")
    summary = json.loads(out)
    assert list(summary) == [
        "file", "level", "source", "rows", "creates", "updates", "unchanged", "problem_rows",
        "ok", "changes", "errors", "warnings", "notes", "ignored_columns", "queued",
        "undo_label",
    ]  # fmt: skip
    assert summary["level"] == "campaign" and summary["ok"] is True
    assert (summary["creates"], summary["updates"], summary["queued"]) == (0, 1, 1)
    assert summary["unchanged"] == len(rows) - 1 == summary["rows"] - 1
    assert summary["ignored_columns"] == ["stats_note"]
    assert summary["undo_label"] == "Import campaigns.csv: 1 change"
    [change] = summary["changes"]
    assert change["action"] == "update" and change["row"] == 2 and change["id"] == rows[0]["id"]
    assert change["cells"] == {"name": {"old": change["cells"]["name"]["old"], "new": "Renamed by a script"}}  # fmt: skip

    rows[1]["daily_budget"] = "-5"
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), "utf-8")
    code, out, err = run(capsys, "import", str(path), "--json")
    assert code == 1
    summary = json.loads(out)
    assert summary["ok"] is False and summary["problem_rows"] == 1
    [error] = summary["errors"]
    assert (error["row"], error["column"]) == (3, "daily_budget")
    assert "queued" not in summary
    assert err.splitlines()[-1].startswith("snapdesk: 1 problem in campaigns.csv: nothing was queued")  # fmt: skip
    assert len(changes(capsys)) == 1  # the first import's change, nothing more


def test_csv_on_standard_output_without_o(
    cache: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "export", "--level", "ad")
    assert (code, err) == (0, "")
    assert out.startswith("id,ad_account_id,campaign_id,ad_squad_id,name,")
    assert "\r" not in out and "\ufeff" not in out
    rows = list(csv.DictReader(io.StringIO(out)))
    with sqlite3.connect(cache) as db:
        (count,) = db.execute("SELECT count(*) FROM ads").fetchone()
    assert len(rows) == count > 0
    saved = tmp_path / "ads.csv"
    saved.write_text(out, "utf-8")
    code, out, _ = run(capsys, "import", str(saved))
    assert code == 0 and "nothing to queue" in out


def test_outputs_that_would_replace_snapdesks_files_are_refused(
    cache: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = cache.read_bytes()
    code, out, err = run(capsys, "export", "--level", "campaign", "-o", str(cache))
    assert (code, out) == (2, "")
    assert "must end in .csv or .xlsx" in err
    link = tmp_path / "cache.csv"  # the cache under a spreadsheet's name
    link.symlink_to(cache)
    code, out, err = run(capsys, "export", "--level", "campaign", "-o", str(link))
    assert (code, out) == (2, "")
    assert "snapdesk's local cache" in err and "Traceback" not in err
    assert len(err.splitlines()) == 1
    settings = Paths.from_env().config_dir / "settings.json"
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text("{}", "utf-8")
    link2 = tmp_path / "settings.xlsx"
    link2.symlink_to(settings)
    code, _, err = run(capsys, "export", "--level", "campaign", "-o", str(link2))
    assert code == 2 and "snapdesk's settings" in err
    assert settings.read_text("utf-8") == "{}"
    assert cache.read_bytes() == before
    code, _, err = run(capsys, "export", "--level", "campaign", "-o", str(tmp_path))
    assert code == 2 and "must end in .csv or .xlsx" in err


def test_from_and_to_add_the_stats_columns(
    cache: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "export", "--level", "campaign")
    plain = next(csv.reader(io.StringIO(out)))
    assert code == 0 and not [h for h in plain if h.startswith("stats_")]
    first = next(iter(csv.DictReader(io.StringIO(out))))
    with sqlite3.connect(cache) as db:
        db.execute(
            "INSERT OR REPLACE INTO stats_rows(entity_id, granularity, period, ad_account_id, "
            "level, day, currency, stats, spend_micro, fx_rate, fx_rate_date, spend_usd, "
            "value_usd, finalized, fetched_at) VALUES (?, 'DAY', '2026-04-02', ?, 'campaign', "
            "'2026-04-02', ?, ?, 12340000, NULL, NULL, NULL, NULL, 1, '2026-05-01T00:00:00Z')",
            (first["id"], first["ad_account_id"], first["currency"],
             json.dumps({"impressions": 1000, "swipes": 17, "spend": 12_340_000})),
        )  # fmt: skip
    code, out, err = run(
        capsys, "export", "--level", "campaign", "--from", "2026-04-01", "--to", "2026-04-07"
    )
    assert (code, err) == (0, "")
    table = list(csv.DictReader(io.StringIO(out)))
    header = list(table[0])
    stats = [h for h in header if h.startswith("stats_")]
    assert header[: len(plain)] == plain and stats == header[len(plain) :]
    assert {"stats_spend", "stats_impressions", "stats_swipes"} <= set(stats)
    row = next(r for r in table if r["id"] == first["id"])
    assert (row["stats_impressions"], row["stats_swipes"]) == ("1000", "17")
    assert Decimal(row["stats_spend"]) == Decimal("12.34")
    path = tmp_path / "with-stats.xlsx"
    args = ("--level", "campaign", "--from", "2026-04-01", "--to", "2026-04-07", "-o", str(path))
    assert run(capsys, "export", *args)[0] == 0
    code, out, _ = run(capsys, "import", str(path))
    assert code == 0 and "nothing to queue" in out
    assert "Note: Not imported: 11 performance columns (stats_spend, stats_spend_usd, …)" in out

    code, _, err = run(capsys, "export", "--level", "campaign", "--from", "2026-04-01")
    assert code == 2 and "give both --from and --to" in err
    code, _, err = run(capsys, "export", "--level", "campaign", "--from", "2026-04-07",
                       "--to", "2026-04-01")  # fmt: skip
    assert code == 2 and "is before --from" in err
