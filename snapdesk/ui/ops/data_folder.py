"""Copy the cache to a newly chosen data folder in a worker thread (the window stays
responsive; progress per database; cancel stops the copy and leaves nothing half-written).

    op = copy_data_folder(loop=loop, source=old, target=new, parent=dialog)
    op.progressed.connect(...)   # CopyProgress
    op.succeeded.connect(...)    # CopyReport
"""

from __future__ import annotations

import asyncio
import functools
import threading
from pathlib import Path

from PySide6.QtCore import QObject

from snapdesk.store.relocate import CopyReport, copy_databases
from snapdesk.ui.ops._op import AsyncOp


def copy_data_folder(
    *, loop: asyncio.AbstractEventLoop, source: Path, target: Path, parent: QObject | None = None
) -> AsyncOp:
    op = AsyncOp(loop=loop, name="copy-data-folder", parent=parent)
    op.start(_copy(op, source=source, target=target))
    return op


async def _copy(op: AsyncOp, *, source: Path, target: Path) -> CopyReport:
    cancel = threading.Event()
    work = functools.partial(
        copy_databases, source, target, progress=op.report_progress, cancel=cancel
    )
    future = asyncio.get_running_loop().run_in_executor(None, work)
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        cancel.set()  # the thread stops at its next step and removes its temporary file
        await asyncio.gather(future, return_exceptions=True)
        raise
