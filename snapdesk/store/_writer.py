"""The single writer: one thread owns the only connection that may write."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from snapdesk.store.migrations import migrate

T = TypeVar("T")

log = logging.getLogger(__name__)

WriteFn = Callable[[sqlite3.Connection], T]


class StoreClosed(RuntimeError):
    """A write was attempted after `Store.close()`."""


def connect(path: Path, *, readonly: bool) -> sqlite3.Connection:
    """A connection in autocommit mode with the pragmas every snapdesk connection uses."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=not readonly, timeout=30)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 30000")
    if readonly:
        conn.execute("PRAGMA query_only = ON")
    else:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute("PRAGMA cache_size = -65536")
    return conn


class Writer:
    """Runs write functions one at a time, each in its own transaction, on a dedicated thread."""

    def __init__(self, path: Path, *, migrations: Sequence[str]) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="snapdesk-writer")
        self._conn: sqlite3.Connection | None = None
        self._thread_id: int | None = None
        self._closed = False
        self._lock = threading.Lock()
        self._commit_listeners: list[Callable[[], object]] = []
        self.migrated: tuple[int, int] = self._executor.submit(
            self._open, path, migrations
        ).result()

    def _open(self, path: Path, migrations: Sequence[str]) -> tuple[int, int]:
        conn = connect(path, readonly=False)
        try:
            result = migrate(conn, migrations)
        except BaseException:
            conn.close()
            raise
        self._conn = conn
        self._thread_id = threading.get_ident()
        return result

    def _run(self, fn: WriteFn[T]) -> T:
        conn = self._conn
        if conn is None:
            raise StoreClosed("the cache is closed")
        conn.execute("BEGIN IMMEDIATE")
        try:
            result = fn(conn)
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        for listener in list(self._commit_listeners):
            try:
                listener()
            except Exception:  # a listener must never turn a committed write into an error
                log.exception("commit listener failed")
        return result

    def add_commit_listener(self, listener: Callable[[], object]) -> Callable[[], None]:
        """Call `listener()` on the writer thread after every commit; returns the remover."""
        self._commit_listeners.append(listener)

        def remove() -> None:
            if listener in self._commit_listeners:
                self._commit_listeners.remove(listener)

        return remove

    def on_writer_thread(self) -> bool:
        return threading.get_ident() == self._thread_id

    def submit(self, fn: WriteFn[T]) -> Future[T]:
        with self._lock:
            if self._closed:
                raise StoreClosed("the cache is closed")
            return self._executor.submit(self._run, fn)

    def write(self, fn: WriteFn[T]) -> T:
        if self.on_writer_thread():
            # Called from inside another write function: join its transaction.
            assert self._conn is not None
            return fn(self._conn)
        return self.submit(fn).result()

    async def awrite(self, fn: WriteFn[T]) -> T:
        return await asyncio.wrap_future(self.submit(fn))

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._executor.submit(self._close_conn).result()
        self._executor.shutdown(wait=True)

    def _close_conn(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
