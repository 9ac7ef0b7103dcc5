"""Changing logins from the app: rename, switch, sign out. Each returns what the user should be
told; the caller refreshes its views."""

from __future__ import annotations

import sqlite3

from snapdesk.auth import Profile
from snapdesk.ui.session import Session


def rename_login(*, session: Session, old: str, new: str) -> Profile:
    """Rename a login: its keyring entry, its client and its cached rows move with it."""
    renamed = session.profiles.rename(old, new)
    new = renamed.name
    if new == old:
        return renamed
    session.rename_api(old, new)

    def move_rows(conn: sqlite3.Connection) -> None:
        # The cache records which login saw each organization and ad account.
        conn.execute("UPDATE organizations SET profile = ? WHERE profile = ?", (new, old))
        conn.execute("UPDATE ad_accounts SET profile = ? WHERE profile = ?", (new, old))

    session.store.write(move_rows)
    return renamed


def switch_login(*, session: Session, name: str) -> Profile:
    """Make `name` the active login (new sign-ins and account-less actions use it)."""
    profile = session.profiles.switch(name)
    session.profile = name
    return profile


def sign_out_login(*, session: Session, name: str) -> str:
    """Forget the login's tokens and stop its client; the cache keeps its rows. Returns the
    reminder to revoke the app in Snap's Business settings."""
    reminder = session.profiles.sign_out(name)
    session.drop_api(name)
    session.sign_in_required.pop(name, None)
    return reminder
