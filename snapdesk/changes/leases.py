"""Post leases: a pending change is sent by exactly one snapdesk process at a time.

Two posters on one cache (the app and `snapdesk changes post --live`, two terminals, or
`snapdesk experiments tick` from cron) would otherwise both pick up the same open changes and
send them twice — only Snap's idempotency (not verified for the Marketing API) would stand
between the user and a duplicate. Before a live post sends anything, it takes a lease on each
change in the same SQLite transaction that reads them; changes leased by another live poster are
left to it and reported as busy.

A lease names its owner (a random token per post), the process id and the host, and expires
`LEASE_SECONDS` after its last renewal; the poster renews it while it works. A lease whose owner
process is gone (same host, pid not running) or that has expired is free again, so a crash or a
kill never locks a change for longer than that.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

LEASE_SECONDS: Final = 60.0


@dataclass(frozen=True)
class Lease:
    change_id: str
    owner: str
    pid: int
    host: str
    acquired_at: str
    expires_at: float

    def describe(self) -> str:
        """ "another snapdesk (pid 4242 on this computer, since 14:03:07 UTC)"."""
        where = "this computer" if self.host == _host() else self.host
        since = self.acquired_at[11:19] if len(self.acquired_at) >= 19 else self.acquired_at
        return f"another snapdesk (pid {self.pid} on {where}, since {since} UTC)"


def _host() -> str:
    return socket.gethostname()


def new_owner() -> str:
    """A fresh owner token for one post."""
    return f"{os.getpid()}-{uuid.uuid4().hex}"


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    except OSError:
        return True  # can't tell (e.g. Windows without rights): trust the expiry instead
    return True


def _stale(lease: Lease, now: float) -> bool:
    if lease.expires_at < now:
        return True
    return lease.host == _host() and not _alive(lease.pid)


def _load(conn: sqlite3.Connection, change_ids: Iterable[str]) -> dict[str, Lease]:
    ids = list(change_ids)
    found: dict[str, Lease] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for row in conn.execute(
            "SELECT change_id, owner, pid, host, acquired_at, expires_at FROM post_leases "
            f"WHERE change_id IN ({marks})",
            chunk,
        ):
            found[row[0]] = Lease(row[0], row[1], int(row[2]), row[3], row[4], float(row[5]))
    return found


def acquire(
    conn: sqlite3.Connection,
    change_ids: Iterable[str],
    *,
    owner: str,
    ttl: float = LEASE_SECONDS,
    now: float | None = None,
) -> dict[str, Lease]:
    """Lease every change not held by another live poster (run inside a write transaction).
    Returns the leases of the changes another poster holds (busy)."""
    now = time.time() if now is None else now
    ids = list(dict.fromkeys(change_ids))
    current = _load(conn, ids)
    busy: dict[str, Lease] = {}
    stamp = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    rows = []
    for change_id in ids:
        lease = current.get(change_id)
        if lease is not None and lease.owner != owner and not _stale(lease, now):
            busy[change_id] = lease
            continue
        rows.append((change_id, owner, os.getpid(), _host(), stamp, now + ttl))
    conn.executemany(
        "INSERT OR REPLACE INTO post_leases (change_id, owner, pid, host, acquired_at, "
        "expires_at) VALUES (?, ?, ?, ?, ?, ?)",
        rows,
    )
    return busy


def renew(
    conn: sqlite3.Connection, owner: str, *, ttl: float = LEASE_SECONDS, now: float | None = None
) -> int:
    now = time.time() if now is None else now
    return conn.execute(
        "UPDATE post_leases SET expires_at = ? WHERE owner = ?", (now + ttl, owner)
    ).rowcount


def release(conn: sqlite3.Connection, owner: str) -> int:
    return conn.execute("DELETE FROM post_leases WHERE owner = ?", (owner,)).rowcount


def held_elsewhere(
    conn: sqlite3.Connection, change_ids: Iterable[str], *, now: float | None = None
) -> dict[str, Lease]:
    """Live leases on these changes (for a view that wants to say who is posting them)."""
    now = time.time() if now is None else now
    return {k: v for k, v in _load(conn, change_ids).items() if not _stale(v, now)}
