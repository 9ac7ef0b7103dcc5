"""The `snapdesk` console script.

Exit codes: 0 success, 1 failure (one line on stderr naming what to fix), 2 usage.
No Python traceback reaches a user for an expected failure.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

from snapdesk import __version__, _stdout, config
from snapdesk.core import workdirs


class CliError(Exception):
    """An expected failure: printed as one line on stderr, exit code 1."""


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="snapdesk",
        description="Desktop editor for Snapchat ad campaigns. Without a command, opens the app.",
    )
    parser.add_argument("--version", action="version", version=f"snapdesk {__version__}")
    parser.add_argument(
        "--sandbox",
        action="store_true",
        help="open the app against an embedded local Snap API emulator with demo data",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p_sandbox = sub.add_parser("sandbox", help="serve the local Snap API emulator")
    p_sandbox.add_argument(
        "--host", default="127.0.0.1", help="loopback address (default 127.0.0.1)"
    )
    p_sandbox.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    p_sandbox.add_argument(
        "--seed", type=int, default=42, help="seed of the demo data (default 42)"
    )
    p_sandbox.add_argument("--scale", choices=["demo", "large"], default="demo")

    p_hash = sub.add_parser(
        "hash", help="normalize and SHA-256 a customer list offline (no login, nothing sent)"
    )
    p_hash.add_argument("input", metavar="INPUT", help="CSV/TSV/TXT file")
    p_hash.add_argument("-o", "--output", metavar="OUT", help="output CSV (default: stdout)")
    p_hash.add_argument("--type", choices=["auto", "email", "phone", "maid"], default="auto")
    p_hash.add_argument(
        "--column", metavar="NAME", help="the column to use (name or 1-based number)"
    )
    p_hash.add_argument(
        "--default-country",
        metavar="CC",
        help="ISO country for phone numbers written without a country code (e.g. GB)",
    )
    p_hash.add_argument(
        "--rejects", metavar="PATH", help="write rejected rows (row, column, reason)"
    )
    p_hash.add_argument("--keep-duplicates", action="store_true", help="do not de-duplicate")
    p_hash.add_argument("--json", action="store_true", help="print a JSON summary")

    p_aud = sub.add_parser("audience", help="customer-list segments")
    aud_sub = p_aud.add_subparsers(dest="audience_command", metavar="ACTION", required=True)
    p_apush = aud_sub.add_parser(
        "push", help="hash a customer list and upload it to a segment (dry-run unless --live)"
    )
    p_apush.add_argument("input", metavar="INPUT")
    p_apush.add_argument("--ad-account", required=True, metavar="ID", dest="ad_account")
    target = p_apush.add_mutually_exclusive_group(required=True)
    target.add_argument("--segment", metavar="ID", help="an existing segment")
    target.add_argument("--new-segment", metavar="NAME", help="create a segment with this name")
    p_apush.add_argument("--type", choices=["auto", "email", "phone", "maid"], default="auto")
    p_apush.add_argument("--column", metavar="NAME")
    p_apush.add_argument("--default-country", metavar="CC")
    p_apush.add_argument("--mode", choices=["add", "remove", "replace"], default="add")
    p_apush.add_argument("--retention-days", type=int, metavar="N", help="new segment retention")
    p_apush.add_argument("--live", action="store_true", help="upload for real (default: dry-run)")

    p_sync = sub.add_parser("sync", help="download ad accounts into the local cache")
    p_sync.add_argument(
        "--ad-account",
        action="append",
        dest="ad_accounts",
        metavar="ID",
        default=None,
        help="an ad account id (repeatable); default: every account the login can see",
    )
    p_sync.add_argument("--json", action="store_true", help="print the cached counts as JSON")

    p_login = sub.add_parser("login", help="sign in to Snap from a terminal")
    p_login.add_argument("--profile", default=None, help="login name (default: default)")
    p_login.add_argument(
        "--no-browser",
        action="store_true",
        help="print the sign-in URL instead of opening a browser; paste the redirected URL",
    )
    p_logout = sub.add_parser("logout", help="sign out and delete a login's tokens")
    p_logout.add_argument("--profile", default=None, help="login name (default: the active one)")
    sub.add_parser("profiles", help="list the logins on this machine")

    p_stats = sub.add_parser("stats", help="performance statistics")
    stats_sub = p_stats.add_subparsers(dest="stats_command", metavar="ACTION", required=True)
    p_export = stats_sub.add_parser(
        "export", help="write daily stats of an ad account's entities to a CSV file"
    )
    p_export.add_argument("--ad-account", required=True, metavar="ID", dest="ad_account")
    p_export.add_argument(
        "--level",
        choices=["campaign", "adsquad", "ad"],
        default="campaign",
        help="default: campaign",
    )
    p_export.add_argument(
        "--from", required=True, dest="from_date", metavar="DATE", help="first day, YYYY-MM-DD"
    )
    p_export.add_argument(
        "--to", required=True, dest="to_date", metavar="DATE", help="last day (inclusive)"
    )
    p_export.add_argument("-o", "--output", required=True, metavar="OUT.csv")

    p_gexport = sub.add_parser(
        "export",
        help="write campaigns, ad squads or ads from the local cache to a CSV or XLSX file "
        "(edit it, then `snapdesk import` it)",
    )
    p_gexport.add_argument(
        "--level", required=True, choices=["campaign", "adsquad", "ad"], help="what each row is"
    )
    p_gexport.add_argument(
        "--ad-account",
        action="append",
        dest="ad_accounts",
        metavar="ID",
        default=None,
        help="an ad account id (repeatable); default: every cached account",
    )
    p_gexport.add_argument(
        "--from",
        dest="from_date",
        metavar="DATE",
        help="with --to: add stats_ columns for these days (YYYY-MM-DD, each account's zone)",
    )
    p_gexport.add_argument("--to", dest="to_date", metavar="DATE", help="last day (inclusive)")
    p_gexport.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="FILE.xlsx (a workbook) or FILE.csv; default: CSV on standard output",
    )
    p_gimport = sub.add_parser(
        "import", help="queue pending changes from an edited export (sends nothing)"
    )
    p_gimport.add_argument("file", metavar="FILE", help="an exported CSV or XLSX file, edited")
    p_gimport.add_argument("--json", action="store_true", help="print a JSON summary")

    p_conv = sub.add_parser("conversions", help="Conversions API: send offline, web or app events")
    conv_sub = p_conv.add_subparsers(dest="conversions_command", metavar="ACTION", required=True)
    p_push = conv_sub.add_parser(
        "push", help="map, validate and send a CSV of events (dry-run unless --live or --test)"
    )
    p_push.add_argument("input", metavar="INPUT", help="CSV file of events")
    p_push.add_argument("--pixel", required=True, metavar="ID", help="Snap Pixel or Snap App id")
    p_push.add_argument("--source", choices=["web", "app", "offline"], default="web")
    p_push.add_argument(
        "--test", action="store_true", help="send to /events/validate (Snap does not process them)"
    )
    p_push.add_argument(
        "--stop-on-invalid",
        action="store_true",
        help="stop at the first invalid row (send nothing)",
    )
    p_push.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="COLUMN=FIELD",
        help="send COLUMN as FIELD (em, ph, fn, …, order_id, custom_data.NAME); repeatable",
    )
    p_push.add_argument(
        "--drop", action="append", default=[], metavar="COLUMN", help="don't send COLUMN"
    )
    p_push.add_argument("--live", action="store_true", help="send for real (default: dry-run)")

    p_exp = sub.add_parser("experiments", help="experiment variant rotator")
    exp_sub = p_exp.add_subparsers(dest="experiments_command", metavar="ACTION", required=True)
    p_tick = exp_sub.add_parser(
        "tick",
        help="run due rotation steps (for cron); dry-run unless SNAPCHAT_ADS_LIVE_MODE=true",
    )
    p_tick.add_argument(
        "--experiment", action="append", metavar="ID", default=None, help="only this experiment"
    )
    p_tick.add_argument("--json", action="store_true", help="print the outcome as JSON")

    p_changes = sub.add_parser("changes", help="pending changes: list them or post them")
    changes_sub = p_changes.add_subparsers(dest="changes_command", metavar="ACTION", required=True)
    p_list = changes_sub.add_parser("list", help="list pending changes")
    p_list.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p_post = changes_sub.add_parser(
        "post", help="rehearse the pending changes (dry-run), or send them with --live"
    )
    p_post.add_argument(
        "--live",
        action="store_true",
        help="send the writes to Snap (also: SNAPCHAT_ADS_LIVE_MODE=true); default is dry-run",
    )
    p_post.add_argument("--json", action="store_true", help="print the results as JSON")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command. Standard output closed early (`| head -1`) ends quietly with 141, as a
    tool killed by SIGPIPE would; standard output failing otherwise (`> /dev/full`) is one
    line and exit 1. Every start removes the temporary folders of snapdesk processes that are
    no longer running (see snapdesk.core.workdirs)."""
    parser = _build_parser()
    try:
        with _stdout.guarded_stdout():  # --help and --version print too
            args = parser.parse_args(argv)
    except _stdout.StdoutFailed as exc:
        return _stdout_failed(exc)
    workdirs.sweep()
    try:
        if args.command is None:
            return _cmd_app(args)
        handler = _COMMANDS[args.command]
        with _stdout.guarded_stdout(), _terminate_as_exit():
            return handler(args)
    except _stdout.StdoutFailed as exc:
        return _stdout_failed(exc)
    except CliError as exc:
        print(f"snapdesk: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("snapdesk: interrupted", file=sys.stderr)
        return 130


def _stdout_failed(exc: _stdout.StdoutFailed) -> int:
    """A closed pipe ends quietly (the reader has what it wanted); anything else is one line."""
    if exc.broken_pipe:
        return _stdout.BROKEN_PIPE_EXIT
    print(f"snapdesk: {exc.message}", file=sys.stderr)
    return 1


@contextlib.contextmanager
def _terminate_as_exit() -> Iterator[None]:
    """SIGTERM unwinds like Ctrl+C (temporary files removed) and exits 143."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


# ---------------------------------------------------------------------------- app


def _cmd_app(args: argparse.Namespace) -> int:
    from snapdesk.ui.platform_check import display_problem

    # Before Qt loads its display plugin: a missing system library is named with the command
    # that installs it (Qt itself aborts with a misleading message and a core dump).
    problem = display_problem()
    if problem is not None:
        raise CliError(problem)
    try:
        from snapdesk.ui.app import run_app
    except ImportError as exc:  # pragma: no cover - broken installation
        raise CliError(f"the desktop UI could not start ({exc}); reinstall snapdesk") from exc
    # Smoke tests of a built bundle: start, sync once, quit (exit 1 if that sync failed).
    quit_after_sync = os.environ.get("SNAPDESK_SMOKE_QUIT_AFTER_SYNC") == "1"
    return run_app(sandbox=bool(args.sandbox), argv=sys.argv[:1], quit_after_sync=quit_after_sync)


# ---------------------------------------------------------------------------- sandbox


def _cmd_sandbox(args: argparse.Namespace) -> int:
    from snapdesk.sandbox import SandboxServer
    from snapdesk.sandbox.capi import SANDBOX_CAPI_TOKEN

    try:
        server = SandboxServer(host=args.host, port=args.port, seed=args.seed, scale=args.scale)
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    try:
        server.start()
    except OSError as exc:
        raise CliError(f"cannot listen on {args.host}:{args.port} ({exc.strerror or exc})") from exc
    print(f"snapdesk sandbox listening on {server.base_url}", flush=True)
    print("Point the CLI at it with:", flush=True)
    print(f"  export SNAPDESK_API_BASE={server.api_base}", flush=True)
    print(f"  export SNAPDESK_ACCESS_TOKEN={server.token}", flush=True)
    print(f"  export SNAPDESK_CAPI_BASE={server.base_url}/v3", flush=True)
    print(f"  export SNAPDESK_CAPI_TOKEN={SANDBOX_CAPI_TOKEN}", flush=True)
    print("Press Ctrl+C to stop.", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


# ---------------------------------------------------------------------------- sync


def _headless_api() -> Any:
    """A client for commands: `SNAPDESK_ACCESS_TOKEN` if set, else the active login."""
    from snapdesk.api import SnapApi, SnapError
    from snapdesk.auth import token_provider_for_cli

    try:
        provider = token_provider_for_cli(None)
    except SnapError as exc:
        raise CliError(exc.message) from exc
    return SnapApi(base_url=config.api_base(), token_provider=provider)


def _cmd_sync(args: argparse.Namespace) -> int:
    from snapdesk.api import SnapError
    from snapdesk.store import Store
    from snapdesk.sync import SyncProgress, SyncService

    paths = config.Paths.from_env().ensure()

    def report(p: SyncProgress) -> None:
        if not args.json:
            print(f"  {p.message}", file=sys.stderr)

    async def run() -> Any:
        async with _headless_api() as api:
            store = Store(paths.database)
            try:
                service = SyncService(api=api, store=store)
                return await service.sync(args.ad_accounts or None, progress=report)
            finally:
                store.close()

    try:
        result = asyncio.run(run())
    except SnapError as exc:
        raise CliError(exc.message) from exc
    for account_id, message in sorted(result.errors.items()):
        print(f"snapdesk: ad account {account_id}: {message}", file=sys.stderr)
    if args.json:
        print(json.dumps(result.counts, sort_keys=False))
    else:
        print(_sync_summary(result))
    return 1 if result.errors else 0


def _sync_summary(result: Any) -> str:
    """The last line of `snapdesk sync`: how many accounts were synced (not how many were
    asked for), the failures counted, and what the cache holds for the synced ones."""
    synced, failed = len(result.synced), len(result.errors)
    noun = "ad account" if synced == 1 else "ad accounts"
    if synced == 0:
        return (
            f"Sync failed: none of the {failed} ad account{'s' if failed != 1 else ''} "
            "was synced (see the errors above); the cache keeps what it had"
        )
    summary = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in result.counts.items())
    text = f"Synced {synced} {noun} in {result.elapsed_s:.1f} s: {summary}"
    if failed:
        text += f"; {failed} failed (see the errors above)"
    return text


def _cmd_login(args: argparse.Namespace) -> int:
    from snapdesk.auth.cli import cmd_login

    return cmd_login(args)


def _cmd_logout(args: argparse.Namespace) -> int:
    from snapdesk.auth.cli import cmd_logout

    return cmd_logout(args)


def _cmd_profiles(args: argparse.Namespace) -> int:
    from snapdesk.auth.cli import cmd_profiles

    return cmd_profiles(args)


def _cmd_changes(args: argparse.Namespace) -> int:
    from snapdesk.changes.cli import cmd_changes_list, cmd_changes_post

    if args.changes_command == "list":
        return cmd_changes_list(args)
    return cmd_changes_post(args)


def _cmd_stats(args: argparse.Namespace) -> int:
    from snapdesk.stats.cli import cmd_stats_export

    return cmd_stats_export(args)


def _cmd_export(args: argparse.Namespace) -> int:
    from snapdesk.grid.cli import cmd_export

    return cmd_export(args)


def _cmd_import(args: argparse.Namespace) -> int:
    from snapdesk.grid.cli import cmd_import

    return cmd_import(args)


def _cmd_conversions(args: argparse.Namespace) -> int:
    from snapdesk.conversions.cli import cmd_conversions_push

    return cmd_conversions_push(args)


def _cmd_hash(args: argparse.Namespace) -> int:
    from snapdesk.audience.cli import cmd_hash

    return cmd_hash(args)


def _cmd_audience(args: argparse.Namespace) -> int:
    from snapdesk.audience.cli import cmd_audience_push

    return cmd_audience_push(args)


def _cmd_experiments(args: argparse.Namespace) -> int:
    from snapdesk.experiments.cli import cmd_experiments_tick

    return cmd_experiments_tick(args)


_COMMANDS = {
    "experiments": _cmd_experiments,
    "hash": _cmd_hash,
    "audience": _cmd_audience,
    "conversions": _cmd_conversions,
    "stats": _cmd_stats,
    "export": _cmd_export,
    "import": _cmd_import,
    "changes": _cmd_changes,
    "sandbox": _cmd_sandbox,
    "sync": _cmd_sync,
    "login": _cmd_login,
    "logout": _cmd_logout,
    "profiles": _cmd_profiles,
}
