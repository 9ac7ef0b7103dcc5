"""`snapdesk changes list` and `snapdesk changes post [--live]` (wired up in snapdesk/cli.py).

Both return an exit code: 0 success, 1 failure with one line on stderr naming what to fix.
`post` rehearses (dry-run) unless `--live` or SNAPCHAT_ADS_LIVE_MODE=true; a dry run prints
every exact request. Check changes runs first (issue 13): each error is printed on its own line
(`ERROR    <entity> (<id>) · <field>: <message>`) and nothing is rehearsed or sent (exit 1);
warnings are printed as `WARNING  …` lines and block nothing. Conflicts and spend-guard stops
are listed with how to settle them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable
from typing import Any, TextIO

from snapdesk import config
from snapdesk.changes.gateway import WriteGateway
from snapdesk.changes.model import ChangeResult, CheckIssue, PostReport
from snapdesk.changes.repository import ChangeRepository
from snapdesk.core.kinds import LABEL
from snapdesk.core.settings import SettingsError, load_settings
from snapdesk.store import Store

ApiFactory = Callable[[], Any]


def _fail(message: str, stderr: TextIO) -> int:
    print(f"snapdesk: {message}", file=stderr)
    return 1


def _open_store() -> Store:
    paths = config.Paths.from_env().ensure()
    return Store(paths.database)


def _account_names(store: Store) -> dict[str, str]:
    return {a.id: a.name or a.id for a in store.ad_accounts()}


def cmd_changes_list(
    args: argparse.Namespace, *, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    """Print the pending changes as a table (or `--json`)."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    try:
        store = _open_store()
    except Exception as exc:  # the cache can't be opened: one line, no traceback
        return _fail(f"can't open the local cache ({exc})", err)
    try:
        changes = ChangeRepository(store).list()
        if getattr(args, "json", False):
            print(
                json.dumps([c.to_json() for c in changes], ensure_ascii=False, indent=2), file=out
            )
            return 0
        if not changes:
            print("No pending changes.", file=out)
            return 0
        names = _account_names(store)
        rows = [
            (
                c.id[:8],
                _clip(names.get(c.ad_account_id, c.ad_account_id), 28),
                LABEL.get(c.kind, c.kind),
                c.action + (f" ({c.state})" if c.state != "pending" else ""),
                _clip(c.label or c.entity_id, 32),
                _clip(c.summary(), 70),
            )
            for c in changes
        ]
        header = ("ID", "ACCOUNT", "KIND", "ACTION", "ENTITY", "CHANGES")
        widths = [max(len(str(r[i])) for r in (header, *rows)) for i in range(len(header))]
        for row in (header, *rows):
            print(
                "  ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=True)).rstrip(),
                file=out,
            )
        print(
            f"{len(changes)} pending change(s). Post with: snapdesk changes post [--live]", file=out
        )
        return 0
    finally:
        store.close()


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _default_api_factory(live: bool) -> ApiFactory | None:
    def make() -> Any:
        from snapdesk.api import SnapApi

        try:
            from snapdesk.auth import token_provider_for_cli

            provider = token_provider_for_cli(None)
        except Exception as exc:
            message = getattr(exc, "message", None) or str(exc)
            raise _CliFailure(
                f"{message} (set SNAPDESK_ACCESS_TOKEN, or run `snapdesk login`)"
            ) from exc
        return SnapApi(base_url=config.api_base(), token_provider=provider)

    return make if live else None


class _CliFailure(Exception):
    pass


def _print_result(result: ChangeResult, out: TextIO) -> None:
    noun = LABEL.get(result.kind, result.kind).lower()
    name = result.label or result.entity_id
    if result.outcome == "dry-run":
        print(f"DRY-RUN  {result.action} {noun} {name!r}", file=out)
        for request in result.requests:
            print(f"  {request.describe()}", file=out)
            print(f"  Idempotency-Key: {result.idempotency_key}", file=out)
            body = request.body if request.upload is None else {"upload": request.upload}
            if body is not None:
                text = json.dumps(body, ensure_ascii=False, indent=2)
                print("  " + text.replace("\n", "\n  "), file=out)
        if result.created_id:
            print(f"  -> {result.created_id}", file=out)
    elif result.outcome == "posted":
        made = f" -> {result.created_id}" if result.created_id else ""
        print(f"POSTED   {result.action} {noun} {name!r}{made}", file=out)
    else:
        print(
            f"{result.outcome.upper():8} {result.action} {noun} {name!r}: {result.error}", file=out
        )


def _print_check_issue(issue: CheckIssue, out: TextIO) -> None:
    """One line: entity (id), field, message."""
    tag = "ERROR" if issue.is_error else "WARNING"
    print(f"{tag:8} {issue.entity} ({issue.entity_id}) · {issue.field}: {issue.message}", file=out)


def _summary_failure(report: PostReport) -> str | None:
    errors = report.check_errors
    if report.blocked and errors:
        done = "nothing was sent" if report.live else "nothing was rehearsed"
        return (
            f"{len(errors)} check error(s): {done}; fix the fields listed above (snapdesk → "
            "Pending Changes, or revert the change), then post again"
        )
    if report.blocked:
        first = report.guard_violations[0]
        more = len(report.guard_violations) - 1
        extra = f" (+{more} more)" if more else ""
        return (
            f"spend guard: {first.message}{extra} — confirm it in the app's Post dialog, "
            "or raise the limit in settings"
        )
    if report.conflicts:
        fields = ", ".join(sorted({c.field for c in report.conflicts}))
        return (
            f"{len(report.conflicts)} conflict(s) with changes made on Snap ({fields}); open "
            "snapdesk → Pending Changes and choose keep mine / keep theirs, then post again"
        )
    failed = report.failed
    if failed:
        return f"{len(failed)} change(s) failed; first: {failed[0].error}"
    busy = report.by_outcome("busy")
    if busy:
        posted = len(report.posted)
        also = f"{posted} posted here, " if posted else "nothing sent here: "
        return (
            f"{also}{len(busy)} change(s) {busy[0].error}; run `snapdesk changes list` once "
            "it has finished"
        )
    skipped = report.by_outcome("skipped")
    if skipped:
        return f"{len(skipped)} change(s) skipped: {skipped[0].error}"
    return None


def cmd_changes_post(
    args: argparse.Namespace,
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    api_factory: ApiFactory | None = None,
) -> int:
    """Rehearse (default) or post (`--live`) the pending changes."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    live = bool(getattr(args, "live", False)) or config.live_mode_from_env()
    try:
        settings = load_settings()
    except SettingsError as exc:
        return _fail(str(exc), err)
    factory = api_factory or _default_api_factory(live)
    profile = getattr(args, "profile", None) or "default"

    async def run(store: Store) -> PostReport:
        api = factory() if factory is not None else None
        try:
            gateway = WriteGateway(
                api=api, store=store, live=live, settings=settings, profile=profile
            )
            if live:
                accounts = gateway.affected_accounts()
                if accounts:
                    names = ", ".join(a.name or a.id for a in accounts)
                    print(f"LIVE: posting to Snap for {names}", file=err)
            return await gateway.post()
        finally:
            if api is not None:
                await api.aclose()

    try:
        store = _open_store()
    except Exception as exc:
        return _fail(f"can't open the local cache ({exc})", err)
    try:
        report = asyncio.run(run(store))
    except _CliFailure as exc:
        return _fail(str(exc), err)
    finally:
        store.close()
    if getattr(args, "json", False):
        print(json.dumps(_report_json(report), ensure_ascii=False, indent=2), file=out)
    else:
        if not report.results and not report.blocked:
            print("No pending changes.", file=out)
        for issue in sorted(report.check_issues, key=lambda i: not i.is_error):
            _print_check_issue(issue, out)
        for result in report.results:
            _print_result(result, out)
        if not live and report.results:
            print(
                f"Dry run: {len(report.results)} change(s) rehearsed, nothing sent. "
                "Post for real with --live.",
                file=out,
            )
    problem = _summary_failure(report)
    if problem is not None:
        return _fail(problem, err)
    return 0


def _report_json(report: PostReport) -> dict[str, Any]:
    return {
        "mode": report.mode,
        "blocked": report.blocked,
        "results": [
            {
                "change_id": r.change_id,
                "outcome": r.outcome,
                "kind": r.kind,
                "action": r.action,
                "entity_id": r.entity_id,
                "name": r.label,
                "created_id": r.created_id,
                "idempotency_key": r.idempotency_key,
                "requests": [q.to_json() for q in r.requests],
                "error": r.error,
            }
            for r in report.results
        ],
        "conflicts": [{"change_id": c.change_id, **c.to_json()} for c in report.conflicts],
        "guard_violations": [
            {"change_id": v.change_id, "guard": v.guard, "message": v.message}
            for v in report.guard_violations
        ],
        "check_issues": [issue.to_json() for issue in report.check_issues],
    }
