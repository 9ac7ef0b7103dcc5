"""Work directories under one snapdesk-owned temporary root, swept when their process is gone.

    with workdir("push") as tmp: ...       # removed on the way out, whatever happens
    tmp = make("list"); ...; remove(tmp)    # a dialog's folder, removed when it closes
    sweep()                                 # at every start (CLI and app): dead owners' folders

The root is `<cache_dir>/tmp` (`SNAPDESK_CACHE_DIR` moves it), created owner-only (0700); when
the cache folder can't be written, `<system temp>/snapdesk-<uid>` (checked to be ours, not a
link). Each folder is named `<purpose>-<pid>-<host>-<random>`: a process killed with SIGKILL
can't clean up after itself, so the next snapdesk start removes every folder whose pid is no
longer running on this machine (`host` keeps a home folder shared by two machines safe). A pid
reused by an unrelated process only delays the clean-up. Nothing here imports Qt.
"""

from __future__ import annotations

import getpass
import hashlib
import os
import platform
import re
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

ROOT_NAME: Final = "tmp"
HOST: Final = hashlib.sha256(platform.node().encode("utf-8", "replace")).hexdigest()[:8]
_NAME = re.compile(r"^[a-z]+-(?P<pid>\d+)-(?P<host>[0-9a-f]{8})-")


def owner_tag() -> str:
    """`<pid>-<host>`: the part of a temporary name that says which process made it."""
    return f"{os.getpid()}-{HOST}"


def pid_alive(pid: int) -> bool:
    """True while a process with this id runs (a process of another user counts as running)."""
    if pid <= 0:
        return False
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        import ctypes

        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return kernel32.GetLastError() == 5  # access denied: it exists
        try:
            code = ctypes.c_ulong()
            kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
            return code.value == 259  # STILL_ACTIVE
        finally:
            kernel32.CloseHandle(handle)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def _primary_root() -> Path:
    from snapdesk import config

    return config.Paths.from_env().cache_dir / ROOT_NAME


def _fallback_root() -> Path:
    uid = os.getuid() if hasattr(os, "getuid") else getpass.getuser()
    return Path(tempfile.gettempdir()) / f"snapdesk-{uid}"


def _make_private_dir(path: Path) -> Path:
    """`path` as a folder only this user can enter; refuses a link or another user's folder."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        path.mkdir(mode=0o700)
    except FileExistsError:
        pass
    info = os.lstat(path)
    if not stat.S_ISDIR(info.st_mode):
        raise NotADirectoryError(f"{path} is not a folder")
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        raise PermissionError(f"{path} belongs to another user")
    if info.st_mode & 0o077:
        os.chmod(path, 0o700)
    return path


def root() -> Path:
    """The temporary root (created owner-only on first use)."""
    try:
        return _make_private_dir(_primary_root())
    except OSError:
        return _make_private_dir(_fallback_root())


def make(purpose: str) -> Path:
    """A new, empty, owner-only folder under the root, named for this process."""
    if not re.fullmatch(r"[a-z]+", purpose):
        raise ValueError(f"purpose must be lowercase letters, not {purpose!r}")
    return Path(tempfile.mkdtemp(prefix=f"{purpose}-{owner_tag()}-", dir=root()))


def remove(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


@contextmanager
def workdir(purpose: str) -> Iterator[Path]:
    """`make(purpose)`, removed when the block ends (also on an exception or Ctrl+C)."""
    path = make(purpose)
    try:
        yield path
    finally:
        remove(path)


def sweep() -> list[Path]:
    """Remove the folders of processes that are no longer running; returns what was removed.
    Never raises: a start-up must not fail because a stale folder can't be removed."""
    removed: list[Path] = []
    me = os.getpid()
    try:
        bases = [_primary_root(), _fallback_root()]
    except Exception:  # paths that can't be worked out: nothing to sweep, nothing to fail
        return removed
    for base in bases:
        try:
            entries = list(os.scandir(base))
        except OSError:
            continue
        for entry in entries:
            match = _NAME.match(entry.name)
            if match is None or match.group("host") != HOST:
                continue
            pid = int(match.group("pid"))
            try:
                if pid == me or pid_alive(pid) or not entry.is_dir(follow_symlinks=False):
                    continue
            except OSError:
                continue
            shutil.rmtree(entry.path, ignore_errors=True)
            if not os.path.lexists(entry.path):
                removed.append(Path(entry.path))
    return removed
