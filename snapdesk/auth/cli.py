"""`snapdesk login`, `snapdesk logout` and `snapdesk profiles` (wired in `snapdesk/cli.py`).

Each command takes the parsed `argparse.Namespace` (fields `profile`, `no_browser`) and returns
the exit code: 0 success, 1 an expected failure (one line on stderr).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import threading
import webbrowser
from collections.abc import Callable
from typing import TextIO

from snapdesk import config
from snapdesk.api import SnapError
from snapdesk.auth.errors import ProfileError
from snapdesk.auth.login import DEFAULT_LOGIN_TIMEOUT, LoginResult, login_flow
from snapdesk.auth.profiles import DEFAULT_PROFILE, Profiles
from snapdesk.auth.settings import resolve_oauth_app
from snapdesk.auth.tokens import KeyringTokenStore

__all__ = ["cmd_login", "cmd_logout", "cmd_profiles"]


def _fail(message: str, *, stderr: TextIO | None = None) -> int:
    print(f"snapdesk: {message}", file=stderr or sys.stderr)
    return 1


def cmd_login(
    args: argparse.Namespace,
    *,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    open_browser: Callable[[str], object] = webbrowser.open,
    time_limit: float | None = None,
) -> int:
    """Sign in. `--no-browser`: print the URL on stdout, take the redirect or a pasted address."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    profile = getattr(args, "profile", None) or DEFAULT_PROFILE
    no_browser = bool(getattr(args, "no_browser", False))
    try:
        store = KeyringTokenStore()
        app = resolve_oauth_app(store=store)
    except SnapError as exc:
        return _fail(exc.message, stderr=err)

    def show_url(url: str) -> None:
        if no_browser:
            print(
                "Open this address in a browser, approve snapdesk, then wait here — or paste the "
                "address the browser ends up on and press Enter:",
                file=err,
                flush=True,
            )
            print(url, file=out, flush=True)
        else:
            print(
                "Opening your browser to sign in to Snap. If it doesn't open, visit:",
                file=err,
                flush=True,
            )
            print(url, file=err, flush=True)
        if app.uses_self_signed_certificate:
            print(
                "Your browser will warn about snapdesk's own certificate for "
                f"{app.redirect_uri}; that warning is expected — continue to the site.",
                file=err,
                flush=True,
            )

    def rejected(message: str) -> None:
        print(f"snapdesk: {message}", file=err, flush=True)

    async def run() -> LoginResult:
        paste = _line_reader(stdin or sys.stdin) if no_browser else None
        return await login_flow(
            app=app,
            profile=profile,
            store=store,
            open_browser=None if no_browser else open_browser,
            on_authorize_url=show_url,
            paste=paste,
            on_paste_rejected=rejected,
            time_limit=time_limit if time_limit is not None else DEFAULT_LOGIN_TIMEOUT,
            api_base=config.api_base(),
        )

    try:
        result = asyncio.run(run())
    except SnapError as exc:
        return _fail(exc.message, stderr=err)
    if result.summary is not None:
        me = result.summary.me
        who = me.display_name or me.email or me.id
        if me.email and me.display_name:
            who = f"{me.display_name} <{me.email}>"
        orgs = ", ".join(result.summary.organization_names) or "no organizations"
        print(f"Signed in to Snap as {who} (login {result.profile}); {orgs}", file=out)
    else:
        print(f"Signed in (login {result.profile}).", file=out)
        if result.warning:
            print(f"snapdesk: {result.warning}", file=err)
    return 0


def cmd_logout(
    args: argparse.Namespace, *, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    """Forget the tokens of the named (or active) login and remind about revoking the app."""
    err = stderr or sys.stderr
    try:
        store = KeyringTokenStore()
        profiles = Profiles(store=store)
        name = getattr(args, "profile", None) or profiles.active
        if name is None:
            raise ProfileError("There is no login to sign out of (see `snapdesk profiles`)")
        reminder = profiles.sign_out(name)
    except SnapError as exc:
        return _fail(exc.message, stderr=err)
    print(reminder, file=stdout or sys.stdout)
    return 0


def cmd_profiles(
    args: argparse.Namespace, *, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    """List logins: `*` marks the active one; signed-in state, who, organizations."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    try:
        store: KeyringTokenStore | None = KeyringTokenStore()
    except SnapError as exc:
        print(f"snapdesk: {exc.message}", file=err)
        store = None
    profiles = Profiles(store=store)
    listed = profiles.list()
    if not listed:
        print("No logins yet — sign in with `snapdesk login`.", file=out)
        return 0
    for profile in listed:
        marker = "*" if profile.name == profiles.active else " "
        try:
            state = "signed in" if profiles.is_signed_in(profile.name) else "signed out"
        except SnapError:
            state = "keyring unavailable"
        line = f"{marker} {profile.label} — {state}"
        if profile.organizations:
            line += f"; {', '.join(profile.organizations)}"
        print(line, file=out)
    if config.env_access_token():
        print("(SNAPDESK_ACCESS_TOKEN is set: commands use it instead of these logins)", file=out)
    return 0


def _line_reader(stream: TextIO) -> Callable[[], asyncio.Future[str | None]]:
    """Lines from `stream`, read by a daemon thread so a finished sign-in never waits on it."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | None] = asyncio.Queue()

    def pump() -> None:
        try:
            for line in iter(stream.readline, ""):
                loop.call_soon_threadsafe(queue.put_nowait, line)
        except (OSError, ValueError, RuntimeError):
            pass
        finally:
            try:
                loop.call_soon_threadsafe(queue.put_nowait, None)
            except RuntimeError:
                pass  # the loop is gone: nobody is listening any more

    threading.Thread(target=pump, name="snapdesk-login-stdin", daemon=True).start()

    def next_line() -> asyncio.Future[str | None]:
        return asyncio.ensure_future(queue.get())

    return next_line
