"""`snapdesk conversions push INPUT --pixel ID [--source web|app|offline] [--test]
[--stop-on-invalid] [--map COLUMN=FIELD ...] [--drop COLUMN ...] [--live]` (wired up in
snapdesk/cli.py).

Columns are mapped by name: seed 003's standard names, and the headers CRM exports use
(`Email Address`, `Phone Number`, `Zip`, … — `snapdesk.conversions.aliases`). `--map` sends a
column as another field (`--map contact=em`), `--drop` leaves it out. A column whose values look
like e-mail addresses or phone numbers is never sent unhashed: unless it is mapped to a hashed
field or dropped, nothing is sent and the error names the `--map`/`--drop` to use.

Reads and validates every row as seed 003 specifies (invalid rows are reported with row number,
field and reason, and skipped; `--stop-on-invalid` stops at the first one and sends nothing),
then:
- by default rehearses: prints the exact requests and payloads (hashes only), sends nothing;
- `--test` sends to `/{pixel}/events/validate` (Snap checks, does not process) and prints Snap's
  validation logs and test/live counts;
- `--live` (or SNAPCHAT_ADS_LIVE_MODE=true) sends to `/{pixel}/events`.
`--pixel` takes the pixel id (web, offline) or the Snap app id (app events).

The token: `SNAPDESK_CAPI_TOKEN`, else the keyring's Conversions API token for that pixel, else
the active login's OAuth token if it has the snapchat-offline-conversions-api scope.
Exit codes: 0 success, 1 failure (one line on stderr naming what to fix), 2 usage (a `--map`
that isn't COLUMN=FIELD or names no field).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import TYPE_CHECKING, Any, TextIO

from snapdesk import config
from snapdesk.conversions.aliases import TargetError, parse_target
from snapdesk.conversions.fields import SOURCES
from snapdesk.conversions.load import load_events
from snapdesk.conversions.model import ConversionsError, LoadOptions, LoadResult

if TYPE_CHECKING:
    from snapdesk.changes.conversions import Mode

__all__ = ["cmd_conversions_push"]

_REPORT_LIMIT = 200


def _fail(message: str, err: TextIO, code: int = 1) -> int:
    print(f"snapdesk: {message}", file=err)
    return code


def _column_map(values: list[str]) -> list[tuple[str, str]]:
    """`--map COLUMN=FIELD` values as pairs (the last `=` splits: field names have none)."""
    pairs: list[tuple[str, str]] = []
    for value in values:
        column, sep, target = str(value).rpartition("=")
        if not sep or not column.strip() or not target.strip():
            raise TargetError(f"--map takes COLUMN=FIELD (e.g. --map contact=em), not {value!r}")
        try:
            parse_target(target)
        except TargetError as exc:
            raise TargetError(f"--map {value}: {exc.message}") from None
        pairs.append((column.strip(), target.strip()))
    return pairs


def _print_report(result: LoadResult, err: TextIO) -> None:
    lines = result.report_lines()
    for line in lines[:_REPORT_LIMIT]:
        print(f"  {line}", file=err)
    if len(lines) > _REPORT_LIMIT:
        print(f"  … and {len(lines) - _REPORT_LIMIT:,} more", file=err)
    print(result.summary(), file=err)


def _default_country(err: TextIO) -> str | None:
    """The Preferences' default country (settings.json), for phone numbers written without
    country code in rows without a country; None (such phones are rejected) when unset."""
    from snapdesk.core.settings import SettingsError, load_settings

    try:
        return load_settings().default_country
    except SettingsError as exc:
        print(f"snapdesk: warning: {exc}; no default country for phone numbers", file=err)
        return None


def cmd_conversions_push(
    args: argparse.Namespace, *, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    """Validate a CSV of conversion events and rehearse, test or send it (see the module doc)."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    pixel = str(getattr(args, "pixel", "") or "").strip()
    if not pixel:
        return _fail("--pixel is required (the pixel id, or the Snap app id for app events)", err)
    source = str(getattr(args, "source", None) or "web").lower()
    if source not in SOURCES:
        return _fail(f"--source must be one of {', '.join(SOURCES)}", err)
    test = bool(getattr(args, "test", False))
    live = bool(getattr(args, "live", False)) or config.live_mode_from_env()
    mode: Mode = "test" if test else ("live" if live else "dry-run")
    drops = [str(d).strip() for d in getattr(args, "drop", None) or []]
    try:
        options = LoadOptions(
            source=source,
            stop_on_invalid=bool(getattr(args, "stop_on_invalid", False)),
            column_map=tuple(_column_map(list(getattr(args, "map", None) or []))),
            drop_columns=tuple(d for d in drops if d),
            default_country=_default_country(err),
        )
    except TargetError as exc:
        return _fail(exc.message, err, 2)
    except ConversionsError as exc:  # a column both mapped and dropped
        return _fail(exc.message, err, 2)
    try:
        result = load_events(args.input, options)
    except ConversionsError as exc:
        return _fail(exc.message, err)
    _print_report(result, err)
    if result.refusals:
        first = result.refusals[0].message()
        more = len(result.refusals) - 1
        return _fail(first + (f" ({more} more column(s) listed above)" if more else ""), err)
    if result.file_errors:
        return _fail(f"{result.file_errors[0]} — fix the file and try again", err)
    if result.stopped_at is not None:
        return _fail(
            f"stopped at the first invalid row (row {result.stopped_at}); nothing was sent", err
        )
    if not result.events:
        return _fail("no valid events to send", err)
    try:
        report = asyncio.run(_send(result, pixel=pixel, mode=mode, out=out, err=err))
    except ConversionsError as exc:
        return _fail(exc.message, err)
    return 0 if report.ok else 1


async def _send(result: LoadResult, *, pixel: str, mode: Mode, out: TextIO, err: TextIO) -> Any:
    from snapdesk.api import SnapError
    from snapdesk.api.capi import CapiClient
    from snapdesk.changes.conversions import ConversionSender
    from snapdesk.store import Store

    client: CapiClient | None = None
    if mode != "dry-run":
        from snapdesk.auth.capi_tokens import resolve_capi_token

        try:
            credential = await asyncio.to_thread(resolve_capi_token, pixel)
        except SnapError as exc:
            raise ConversionsError(exc.message) from None
        client = CapiClient(token=credential.token, base_url=config.capi_base())
    try:
        store = Store.open_default()
    except Exception as exc:
        if client is not None:
            await client.aclose()
        raise ConversionsError(f"can't open the local cache for the audit log ({exc})") from None
    try:
        sender = ConversionSender(client=client, store=store, mode=mode)

        def progress(p: Any) -> None:
            if p.batches_total > 1 and p.batches_done:
                print(f"  {p.message}", file=err)

        report = await sender.send(result.events, asset_id=pixel, progress=progress)
    finally:
        if client is not None:
            await client.aclose()
        store.close()
    _print_send_report(report, out, err)
    return report


def _print_send_report(report: Any, out: TextIO, err: TextIO) -> None:
    if report.mode == "dry-run":
        for batch in report.plan:
            print(f"DRY-RUN  {batch.describe()}", file=out)
            print(json.dumps(batch.body, ensure_ascii=False, indent=2), file=out)
    for problem in report.problems[:_REPORT_LIMIT]:
        codes = f" [{', '.join(problem.codes)}]" if problem.codes else ""
        print(f"  row {problem.row}: {problem.outcome}: {problem.reason}{codes}", file=err)
    if report.mode == "test":
        if report.stats is not None:
            stats = report.stats
            print(
                f"Snap's counts, past hour: {stats.test.event_count_past_hour:,} test event(s), "
                f"{stats.live.event_count_past_hour:,} live event(s)",
                file=out,
            )
        if report.logs is not None:
            print(
                f"Snap's validation log (last 24 h): {len(report.logs.logs):,} test event(s)",
                file=out,
            )
            for entry in report.logs.logs[:20]:
                errors = f" — {'; '.join(entry.errors)}" if entry.errors else ""
                print(f"  {entry.status:<8} {entry.event_name}{errors}", file=out)
        if report.followup_error:
            print(f"  (validation logs unavailable: {report.followup_error})", file=err)
    print(report.summary(), file=out)
