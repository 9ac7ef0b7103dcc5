"""`snapdesk experiments tick` (wired up in snapdesk/cli.py): run the due rotation steps.

For a scheduler such as cron. Live only with SNAPCHAT_ADS_LIVE_MODE=true; otherwise every step
is rehearsed through the dry-run gateway and the exact requests are printed (nothing is sent
and no step is marked applied). Exit codes: 0 success, 1 failure (one line on stderr).

Optional attributes of `args`: `experiment` (list of ids; default all running), `json`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable
from datetime import datetime
from typing import Any, TextIO

from snapdesk import config
from snapdesk.changes import WriteGateway
from snapdesk.core.settings import SettingsError, load_settings
from snapdesk.experiments.service import ExperimentService, TickOutcome
from snapdesk.store import Store

ApiFactory = Callable[[], Any]


def _default_api() -> Any:
    from snapdesk.api import SnapApi
    from snapdesk.auth import token_provider_for_cli

    return SnapApi(base_url=config.api_base(), token_provider=token_provider_for_cli(None))


def _describe(outcome: TickOutcome, out: TextIO) -> None:
    step = "-" if outcome.step is None else str(outcome.step)
    print(f"{outcome.name} [{outcome.experiment_id[:8]}] step {step}: {outcome.message}", file=out)
    for report in outcome.reports:
        for result in report.results:
            tag = "DRY-RUN " if result.outcome == "dry-run" else result.outcome.upper()
            print(f"  {tag} {result.action} {result.label or result.entity_id}", file=out)
            for request in result.requests:
                print(f"    {request.describe()}", file=out)
                if request.body is not None:
                    print(f"    {json.dumps(request.body, ensure_ascii=False)}", file=out)


def cmd_experiments_tick(
    args: argparse.Namespace,
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    api_factory: ApiFactory | None = None,
    now: datetime | None = None,
) -> int:
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    live = config.live_mode_from_env()
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"snapdesk: {exc}", file=err)
        return 1
    try:
        store = Store(config.Paths.from_env().ensure().database)
    except Exception as exc:
        print(f"snapdesk: can't open the local cache ({exc})", file=err)
        return 1
    try:
        return asyncio.run(
            _tick(args, store=store, live=live, settings=settings, out=out, err=err,
                  api_factory=api_factory, now=now)
        )  # fmt: skip
    finally:
        store.close()


async def _tick(
    args: argparse.Namespace,
    *,
    store: Store,
    live: bool,
    settings: Any,
    out: TextIO,
    err: TextIO,
    api_factory: ApiFactory | None,
    now: datetime | None,
) -> int:
    api = None
    if live:
        try:
            api = (api_factory or _default_api)()
        except Exception as exc:
            message = getattr(exc, "message", None) or str(exc)
            print(f"snapdesk: {message} (set SNAPDESK_ACCESS_TOKEN, or run `snapdesk login`)",
                  file=err)  # fmt: skip
            return 1
    try:
        gateway = WriteGateway(api=api, store=store, live=live, settings=settings)
        service = ExperimentService(store=store)
        ids = getattr(args, "experiment", None) or None
        try:
            outcomes = await service.tick(gateway, now=now, experiment_ids=ids)
        except Exception as exc:
            print(f"snapdesk: experiments tick failed: {exc}", file=err)
            return 1
    finally:
        if api is not None:
            await api.aclose()
    if getattr(args, "json", False):
        payload = [
            {
                "experiment_id": o.experiment_id,
                "name": o.name,
                "step": o.step,
                "active": list(o.active),
                "change_ids": list(o.change_ids),
                "applied": o.applied,
                "mode": o.mode,
                "message": o.message,
            }
            for o in outcomes
        ]
        print(json.dumps(payload, indent=2), file=out)
    else:
        if not live:
            print("Dry-run (SNAPCHAT_ADS_LIVE_MODE is not true): nothing is sent.", file=out)
        if not outcomes:
            print("No running experiments.", file=out)
        for outcome in outcomes:
            _describe(outcome, out)
    failed = [o for o in outcomes if live and o.step is not None and not o.applied
              and o.message != "nothing due"]  # fmt: skip
    return 1 if failed else 0
