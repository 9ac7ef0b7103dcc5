"""Choosing another data folder: check that it can hold the cache, and copy the cache there.

Nothing is ever moved or deleted: the old folder keeps every file, and a file already in the
new folder is never overwritten. The copy uses SQLite's online backup, so it is a consistent
snapshot even while the app has the database open, and it is written under a temporary name
and renamed at the end (a failed or cancelled copy leaves nothing half-written).

    check_data_folder(Path("/mnt/work/snapdesk"))          # DataFolderError if unusable
    report = copy_databases(old_dir, new_dir, progress=print)
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

# The databases a data folder holds (the real cache and the sandbox's demo cache).
DATABASES: Final = ("cache.sqlite3", "sandbox.sqlite3")
_PAGES_PER_STEP: Final = 512


class DataFolderError(ValueError):
    """The folder can't be used, or the copy failed; the message says why and what to do."""


class CopyCancelled(Exception):
    """The copy was cancelled; nothing was written."""


@dataclass(frozen=True)
class CopyProgress:
    name: str
    done_pages: int
    total_pages: int


@dataclass(frozen=True)
class CopyReport:
    copied: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # already in the new folder: left as it is
    bytes_copied: int = 0


def check_data_folder(path: Path) -> Path:
    """The folder (created if missing) when the app can keep its files there."""
    path = path.expanduser()
    if not path.is_absolute():
        raise DataFolderError(f"Choose a full folder path, not “{path}”")
    if path.exists() and not path.is_dir():
        raise DataFolderError(f"“{path}” is a file, not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataFolderError(
            f"“{path}” can't be created ({exc.strerror or exc}); choose another folder"
        ) from None
    try:
        fd, probe = tempfile.mkstemp(prefix=".snapdesk-write-test-", dir=path)
    except OSError as exc:
        raise DataFolderError(
            f"snapdesk can't write in “{path}” ({exc.strerror or exc}); choose a folder you "
            "can write to"
        ) from None
    os.close(fd)
    Path(probe).unlink(missing_ok=True)
    return path


def copy_databases(
    source: Path,
    target: Path,
    *,
    names: Sequence[str] = DATABASES,
    progress: Callable[[CopyProgress], object] | None = None,
    cancel: threading.Event | None = None,
) -> CopyReport:
    """Copy each database in `names` from `source` to `target` (blocking: run it in a thread).
    Databases missing in `source` are skipped; ones present in `target` are kept as they are."""
    if source.resolve() == target.resolve():
        raise DataFolderError("The new data folder is the current one")
    check_data_folder(target)
    copied: list[str] = []
    kept: list[str] = []
    size = 0
    for name in names:
        src = source / name
        dst = target / name
        if not src.exists():
            continue
        if dst.exists():
            kept.append(name)
            continue
        _backup(src, dst, progress=progress, cancel=cancel)
        copied.append(name)
        size += dst.stat().st_size
    return CopyReport(copied=copied, kept=kept, bytes_copied=size)


def _backup(
    src: Path,
    dst: Path,
    *,
    progress: Callable[[CopyProgress], object] | None,
    cancel: threading.Event | None,
) -> None:
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dst.name}-", suffix=".tmp", dir=dst.parent)
    os.close(fd)
    tmp = Path(tmp_name)

    def step(_status: int, remaining: int, total: int) -> None:
        if cancel is not None and cancel.is_set():
            raise CopyCancelled
        if progress is not None:
            progress(CopyProgress(name=src.name, done_pages=total - remaining, total_pages=total))

    try:
        reader = sqlite3.connect(src)
        try:
            writer = sqlite3.connect(tmp)
            try:
                reader.backup(writer, pages=_PAGES_PER_STEP, progress=step)
            finally:
                writer.close()
        finally:
            reader.close()
        if dst.exists():  # appeared meanwhile: never overwrite
            raise DataFolderError(f"“{dst}” appeared while copying; it was left as it is")
        os.replace(tmp, dst)
    except sqlite3.Error as exc:
        raise DataFolderError(f"Copying {src.name} failed ({exc}); nothing was changed") from None
    except OSError as exc:
        raise DataFolderError(
            f"Copying {src.name} failed ({exc.strerror or exc}); nothing was changed"
        ) from None
    finally:
        tmp.unlink(missing_ok=True)
