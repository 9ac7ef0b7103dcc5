"""`snapdesk stats export --ad-account ID [--level campaign|adsquad|ad] --from DATE --to DATE
-o OUT.csv` (wired up in snapdesk/cli.py).

`cmd_stats_export(args)` expects `args.ad_account`, `args.level` (default campaign),
`args.from_date`, `args.to_date` (inclusive dates, YYYY-MM-DD, in the ad account's time zone)
and `args.output`. It fetches DAY stats with one breakdown query per 31 days (cached like the
app's), converts spend to USD with the FX table in settings, and writes the CSV atomically.
Exit codes: 0 written, 1 failure (one line on stderr naming what to fix), 2 bad arguments.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, TextIO

from snapdesk import config
from snapdesk.api import SnapError
from snapdesk.core.kinds import AD_ACCOUNT
from snapdesk.core.outputs import (
    OutputClash,
    OutputWriteError,
    check_distinct,
    named,
    snapdesk_files,
)
from snapdesk.core.settings import SettingsError, load_settings
from snapdesk.stats.export import EXPORT_FIELDS, EXPORT_LEVELS, write_export
from snapdesk.stats.fx import FxTable
from snapdesk.stats.service import StatsService
from snapdesk.store import Store

__all__ = ["cmd_stats_export"]

ApiFactory = Callable[[], Any]


def _default_api() -> Any:
    from snapdesk.api import SnapApi
    from snapdesk.auth import token_provider_for_cli

    provider = token_provider_for_cli(None)
    return SnapApi(base_url=config.api_base(), token_provider=provider)


def _date(value: object, flag: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(f"{flag} {value!r} is not a date; use YYYY-MM-DD") from None


def cmd_stats_export(
    args: argparse.Namespace,
    *,
    api_factory: ApiFactory | None = None,
    store: Store | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Write one CSV row per entity per day; see the module docstring."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    level = str(getattr(args, "level", None) or "campaign")
    if level not in EXPORT_LEVELS:
        print(f"snapdesk: --level must be one of {', '.join(EXPORT_LEVELS)}", file=err)
        return 2
    account_id = str(getattr(args, "ad_account", "") or "").strip()
    if not account_id:
        print("snapdesk: --ad-account is required", file=err)
        return 2
    try:
        first = _date(getattr(args, "from_date", None), "--from")
        last = _date(getattr(args, "to_date", None), "--to")
    except ValueError as exc:
        print(f"snapdesk: {exc}", file=err)
        return 2
    if last < first:
        print(f"snapdesk: --to {last} is before --from {first}", file=err)
        return 2
    output = getattr(args, "output", None)
    if not output:
        print("snapdesk: -o OUT.csv is required", file=err)
        return 2
    target = Path(output)
    try:  # before anything is fetched: -o must not replace snapdesk's cache or settings
        check_distinct(inputs=snapdesk_files(), outputs=[named("-o", output)])
    except OutputClash as exc:
        print(f"snapdesk: {exc.message}", file=err)
        return 2
    if target.is_dir():
        print(f"snapdesk: -o {output} is a folder; give a file name (e.g. stats.csv)", file=err)
        return 2
    if not target.parent.exists():
        print(f"snapdesk: the folder {target.parent} does not exist", file=err)
        return 1
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"snapdesk: {exc}", file=err)
        return 1

    async def run() -> int:
        own_store = store is None
        cache = store if store is not None else Store(config.Paths.from_env().ensure().database)
        try:
            api = (api_factory or _default_api)()
            try:
                service = StatsService(api=api, store=cache, fx=FxTable(settings.fx_rates))
                report = await service.report(
                    account_id,
                    kind=AD_ACCOUNT,
                    entity_id=account_id,
                    first_day=first,
                    last_day=last,
                    breakdown=EXPORT_LEVELS[level],
                    fields=EXPORT_FIELDS,
                )
                return write_export(target, report)
            finally:
                await api.aclose()
        finally:
            if own_store:
                cache.close()

    try:
        count = asyncio.run(run())
    except SnapError as exc:
        print(f"snapdesk: {exc.message}", file=err)
        return 1
    except OutputWriteError as exc:  # names -o as given, never the temporary file
        print(f"snapdesk: {exc.message}", file=err)
        return 1
    except OSError as exc:
        print(f"snapdesk: can't write {target} ({exc.strerror or exc})", file=err)
        return 1
    except ValueError as exc:  # e.g. an account with an unknown time zone
        print(f"snapdesk: {exc}", file=err)
        return 1
    print(f"Wrote {count} row(s) to {target}", file=out)
    return 0
