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

The file is streamed, never held whole: a first pass checks every row (so a refused column or,
with `--stop-on-invalid`, an invalid row stops everything before a single event is sent), a
second reads the valid events again and sends them batch by batch. Memory stays bounded at any
file size and any cell size; long files print progress on stderr.

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
import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from snapdesk import config
from snapdesk.conversions.aliases import TargetError, parse_target
from snapdesk.conversions.fields import SOURCES
from snapdesk.conversions.load import iter_events, now_utc, scan_events
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


class _Progress:
    """Progress lines on stderr: one line rewritten in a terminal, else a line every few
    seconds (so a log of a long run shows it moving without flooding)."""

    EVERY_S = 5.0

    def __init__(self, err: TextIO) -> None:
        self._err = err
        self._tty = bool(getattr(err, "isatty", lambda: False)())
        self._last = 0.0
        self._open = False

    def show(self, text: str, *, final: bool = False) -> None:
        now = time.monotonic()
        if self._tty:
            print(f"\r  {text}\x1b[K", end="", file=self._err, flush=True)
            self._open = True
            if final:
                self.end()
        elif final or now - self._last >= self.EVERY_S:
            self._last = now
            print(f"  {text}", file=self._err, flush=True)

    def end(self) -> None:
        if self._open:
            print(file=self._err, flush=True)
            self._open = False


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
    meter = _Progress(err)
    when = now_utc(options)
    name = Path(str(args.input)).name
    try:
        result = scan_events(
            args.input,
            options,
            now=when,
            progress=lambda n: meter.show(f"checking {name}: {n:,} rows"),
        )
    except ConversionsError as exc:
        meter.end()
        return _fail(exc.message, err)
    meter.end()
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
    if not result.valid_count:
        return _fail("no valid events to send", err)
    try:
        report = asyncio.run(
            _send(result, pixel=pixel, mode=mode, when=when, out=out, err=err, meter=meter)
        )
    except ConversionsError as exc:
        meter.end()
        return _fail(exc.message, err)
    return 0 if report.ok else 1


async def _send(
    result: LoadResult,
    *,
    pixel: str,
    mode: Mode,
    when: datetime,
    out: TextIO,
    err: TextIO,
    meter: _Progress,
) -> Any:
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
                done = p.batches_done >= p.batches_total
                meter.show(f"{p.message} ({p.events_done:,} of {p.events_total:,})", final=done)

        def on_batch(batch: Any, _result: Any) -> None:
            if mode == "dry-run":  # the exact payloads, as each request is planned
                print(f"DRY-RUN  {batch.describe()}", file=out)
                print(json.dumps(batch.body, ensure_ascii=False, indent=2), file=out)

        assert result.path is not None
        report = await sender.send(
            iter_events(result.path, result.options, now=when),
            asset_id=pixel,
            progress=progress,
            total=result.valid_count,
            keep=False,
            on_batch=on_batch,
        )
    finally:
        meter.end()
        if client is not None:
            await client.aclose()
        store.close()
    _print_send_report(report, out, err)
    return report


def _print_send_report(report: Any, out: TextIO, err: TextIO) -> None:
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
