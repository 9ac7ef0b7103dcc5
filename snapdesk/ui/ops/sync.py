"""Sync ad accounts from Snap into the cache, started from an ordinary slot."""

from __future__ import annotations

import asyncio
from typing import Protocol

from PySide6.QtCore import QObject

from snapdesk.api import SnapApi
from snapdesk.store import Store
from snapdesk.sync import SyncProgress, SyncService
from snapdesk.ui.ops._op import AsyncOp


class SyncHost(Protocol):
    """What `sync_accounts` needs from the window that starts it."""

    @property
    def loop(self) -> asyncio.AbstractEventLoop: ...

    @property
    def api(self) -> SnapApi | None: ...

    @property
    def store(self) -> Store: ...

    @property
    def profile(self) -> str: ...


def sync_accounts(*, window: SyncHost, ad_account_ids: list[str] | None) -> AsyncOp:
    """Start syncing `ad_account_ids` (None: discover, then every account) and return the
    running op. Its `progressed` signal carries `SyncProgress`, `succeeded` a `SyncResult`.

    Nothing runs before control returns to the event loop, so connecting to the op's signals
    right after this call misses nothing.
    """
    api = window.api
    if api is None:
        raise RuntimeError("no Snap connection is configured")
    service = SyncService(api=api, store=window.store, profile=window.profile)
    parent = window if isinstance(window, QObject) else None
    op = AsyncOp(loop=window.loop, name="sync", parent=parent)

    def on_progress(progress: SyncProgress) -> None:
        op.report_progress(progress)

    ids = list(ad_account_ids) if ad_account_ids is not None else None
    return op.start(service.sync(ids, progress=on_progress))
