"""`snapdesk export` and `snapdesk import` (wired up in snapdesk/cli.py).

    snapdesk export --level campaign|adsquad|ad [--ad-account ID ...] [--from DATE --to DATE]
                    [-o FILE.csv|FILE.xlsx]
    snapdesk import FILE [--json]

`export` reads the local cache only (no network): every entity of the level in the named ad
accounts (all cached accounts when none is named), with the pending changes applied — what the
grid shows. `FILE.xlsx` writes a workbook, `FILE.csv` a CSV file (UTF-8 with a BOM, for Excel);
without `-o` the CSV goes to standard output (no BOM, for scripts). Performance columns
(`stats_…`) are written only for a date range given with both --from and --to (days in each
ad account's time zone), from the stats the cache holds: an export without dates is the same
today and tomorrow, and an export never guesses a period.

`import` reads an exported (and edited) CSV or XLSX file, checks every row and queues the
changes as one undo step, or nothing at all when anything is wrong; it sends nothing
(`snapdesk changes post --live` does). It prints the plan (`--json`: a summary object); each
problem is a line on stderr, `row 7, daily_budget: 'abc' is not an amount …`.

Exit codes: 0 done, 1 failure (problems listed on stderr), 2 bad arguments.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import TextIO

from snapdesk import config
from snapdesk.changes.edits import EditService
from snapdesk.changes.model import ChangeError
from snapdesk.core.kinds import AD, AD_SQUAD, CAMPAIGN
from snapdesk.core.outputs import (
    OutputClash,
    OutputWriteError,
    check_distinct,
    named,
    snapdesk_files,
)
from snapdesk.grid.columns import columns_for
from snapdesk.grid.perf import DateRange, cached_perf
from snapdesk.grid.rows import GridRow, Scope, account_infos, load_rows
from snapdesk.grid.sheets import (
    NOUN,
    NOUNS,
    ImportPlan,
    PlannedRow,
    SheetError,
    apply,
    export_rows,
    plan_import,
)
from snapdesk.store import Store

__all__ = ["LEVELS", "cmd_export", "cmd_import"]

LEVELS = {"campaign": CAMPAIGN, "adsquad": AD_SQUAD, "ad": AD}
CELL_SHOWN = 60  # characters of a cell in the printed plan


def _fail(message: str, err: TextIO, code: int = 1) -> int:
    print(f"snapdesk: {message}", file=err)
    return code


def _open_store() -> Store:
    return Store(config.Paths.from_env().ensure().database)


def _day(value: str, flag: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"{flag} {value!r} is not a date; use YYYY-MM-DD") from None


def _sort_key(row: GridRow) -> tuple[str, ...]:
    return (
        row.account.name.casefold(),
        (row.campaign_name or "").casefold(),
        (row.ad_squad_name or "").casefold(),
        row.name.casefold(),
        row.id,
    )


def cmd_export(
    args: argparse.Namespace, *, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    """Write the level's rows from the cache; see the module docstring."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    level = LEVELS.get(str(getattr(args, "level", "") or ""))
    if level is None:
        return _fail(f"--level must be one of {', '.join(LEVELS)}", err, 2)
    first_text, last_text = getattr(args, "from_date", None), getattr(args, "to_date", None)
    window: DateRange | None = None
    if (first_text is None) != (last_text is None):
        return _fail("give both --from and --to (or neither: no stats_ columns)", err, 2)
    if first_text is not None and last_text is not None:
        try:
            first, last = _day(first_text, "--from"), _day(last_text, "--to")
        except ValueError as exc:
            return _fail(str(exc), err, 2)
        if last < first:
            return _fail(f"--to {last} is before --from {first}", err, 2)
        window = DateRange.custom(first, last)
    output = getattr(args, "output", None)
    if output:
        if not output.lower().endswith((".csv", ".xlsx")):
            return _fail(f"-o {output}: the file name must end in .csv or .xlsx", err, 2)
        try:  # before anything is read: -o must not replace snapdesk's cache or settings
            check_distinct(inputs=snapdesk_files(), outputs=[named("-o", output)])
        except OutputClash as exc:
            return _fail(exc.message, err, 2)
        if Path(output).is_dir():
            return _fail(f"-o {output} is a folder; give a file name (e.g. campaigns.xlsx)", err, 2)
    try:
        store = _open_store()
    except Exception as exc:  # the cache can't be opened: one line, no traceback
        return _fail(f"can't open the local cache ({exc})", err)
    try:
        accounts = account_infos(store)
        if not accounts:
            return _fail("the local cache holds no ad accounts: run `snapdesk sync` first", err)
        wanted = list(dict.fromkeys(getattr(args, "ad_accounts", None) or []))
        missing = [a for a in wanted if a not in accounts]
        if missing:
            known = ", ".join(f"{a.id} ({a.name})" for a in list(accounts.values())[:5])
            more = f" and {len(accounts) - 5} more" if len(accounts) > 5 else ""
            return _fail(
                f"ad account {', '.join(missing)} is not in the local cache: check the id, or "
                f"run `snapdesk sync --ad-account ID` (cached: {known}{more})",
                err,
            )
        scope = Scope.accounts(wanted) if wanted else Scope.all()
        rows = sorted(load_rows(store, level, scope), key=_sort_key)
        columns = [c for c in columns_for(level) if not c.performance]
        if window is not None:
            perf = cached_perf(store, level, wanted or None, window)
            for row in rows:
                row.perf = perf.get(row.id)
            columns += [c for c in columns_for(level) if c.performance]
            if rows and not perf:
                print(
                    "snapdesk: note: the cache holds no stats for those days, so the stats_ "
                    "columns are empty (open the grid with that date range to fetch them)",
                    file=err,
                )
        label = window.label() if window is not None else None
        if output:
            count = export_rows(rows, columns, output, level=level, date_range=label)
            print(f"Wrote {count} {NOUNS[level]} to {output}", file=out)
        else:
            export_rows(rows, columns, out, level=level, fmt="csv", date_range=label)
    except (OutputWriteError, OutputClash) as exc:
        return _fail(exc.message, err, 2 if isinstance(exc, OutputClash) else 1)
    except SheetError as exc:
        return _fail(exc.message, err)
    finally:
        store.close()
    return 0


def _clip(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= CELL_SHOWN else flat[: CELL_SHOWN - 1] + "…"


def _print_item(item: PlannedRow, out: TextIO) -> None:
    noun = NOUN[item.kind]
    if item.action == "update":
        print(f"UPDATE  {noun} {item.name!r} ({item.entity_id}), row {item.row}", file=out)
        for cell in item.cells:
            print(f"          {cell.column}: {_clip(cell.old) or '(empty)'} → "
                  f"{_clip(cell.new) or '(empty)'}", file=out)  # fmt: skip
        return
    parent = "in ad account" if item.kind == CAMPAIGN else f"under {NOUN[{AD_SQUAD: CAMPAIGN, AD: AD_SQUAD}[item.kind]]}"  # fmt: skip
    print(f"CREATE  {noun} {item.name!r} {parent} {item.parent_name!r}, row {item.row}", file=out)
    for cell in item.cells:
        print(f"          {cell.column}: {_clip(cell.new)}", file=out)


def _notes(plan: ImportPlan) -> list[str]:
    ignored = plan.ignored_note()
    return [*plan.notes, *([ignored] if ignored else [])]


def _print_plan(plan: ImportPlan, out: TextIO) -> None:
    print(f"{plan.path.name}: {plan.rows} {NOUNS[plan.level]} read from {plan.source}", file=out)
    for note in _notes(plan):
        print(f"Note: {note}", file=out)
    for item in plan.items:
        _print_item(item, out)
    for warning in plan.warnings:
        print(f"WARNING row {warning.row}, {warning.column}: {warning.message}", file=out)


def cmd_import(
    args: argparse.Namespace, *, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    """Check a file and queue its changes (one undo step); see the module docstring."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    as_json = bool(getattr(args, "json", False))
    path = Path(str(args.file))
    try:
        store = _open_store()
    except Exception as exc:
        return _fail(f"can't open the local cache ({exc})", err)
    try:
        edits = EditService(store=store)
        try:
            plan = plan_import(store, path, edits=edits)
        except SheetError as exc:
            return _fail(exc.message, err)
        if plan.errors:
            if as_json:
                print(json.dumps(plan.to_json(), ensure_ascii=False, indent=2), file=out)
            for note in _notes(plan):
                print(f"note: {note}", file=err)
            for problem in plan.errors:
                print(str(problem), file=err)
            n = len(plan.errors)
            return _fail(
                f"{n} problem{'s' if n != 1 else ''} in {path.name}: nothing was queued; fix "
                "the rows listed above and import the file again",
                err,
            )
        queued = None
        if plan.items:
            try:
                queued = apply(plan, edits)
            except ChangeError as exc:
                return _fail(exc.message, err)
        if as_json:
            summary = plan.to_json()
            summary["queued"] = len(queued.changes) if queued is not None else 0
            summary["undo_label"] = queued.label if queued is not None else None
            print(json.dumps(summary, ensure_ascii=False, indent=2), file=out)
            return 0
        _print_plan(plan, out)
        if queued is None:
            print(f"{plan.summary()}: nothing to queue, the file matches the cache.", file=out)
            return 0
        print(f"{plan.summary()}: queued as one undo step ({queued.label!r}).", file=out)
        print("Nothing was sent. Post with: snapdesk changes post --live", file=out)
        return 0
    finally:
        store.close()
