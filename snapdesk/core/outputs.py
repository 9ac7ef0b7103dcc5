"""The user's files are sacred: how every snapdesk output (CLI and app) is checked and written.

    check_distinct(inputs=[named("the input", src)], outputs=[named("-o", out)])  # OutputClash
    with AtomicFiles() as files:
        fh = files.open(out, private=True)      # a hidden temporary file beside `out`
        ...
        files.commit()                          # fsync, then rename into place
    write_text(path, text, private=False)      # the same, in one call

Rules:
- An output that is the input, another output or one of snapdesk's own files (the cache,
  settings.json, profiles.json) is refused before anything is read: same path, a symlink, a hard
  link, another spelling (`./a.csv`, `dir/../a.csv`), or a name differing only in case (one file
  on macOS and Windows). `OutputClash` is a usage error (exit 2) naming the paths as typed.
- Every output is written to `.<name>.<pid>-<host>.<random>.part` beside it and renamed at the
  end; on any failure (disk full, permission, cancel, Ctrl+C, an exception) the temporary files
  are removed and `OutputWriteError` (an OSError whose `filename` is the path the user gave,
  never the temporary name) says what went wrong. A `.part` left by a killed process is removed
  the next time the same output is written.
- `private=True` outputs (hashes, rejects, anything holding identifiers) are created 0600 and the
  folders snapdesk creates for them 0700; other outputs get the usual mode (or keep the mode of
  the file they replace). An existing folder's mode is never changed.
- A target that exists and is not a regular file (`/dev/stdout`, `/dev/null`, a FIFO) is written
  in place: renaming over it would replace the device.

Standard output has its own guard (snapdesk/_stdout.py); temporary folders are
snapdesk/core/workdirs.py. Nothing here imports Qt.
"""

from __future__ import annotations

import errno
import glob
import io
import os
import re
import stat
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Final

from snapdesk.core import workdirs

PART_SUFFIX: Final = ".part"
PRIVATE_FILE: Final = 0o600
PRIVATE_DIR: Final = 0o700


class OutputClash(ValueError):
    """Two paths of one command are the same file: nothing was read or written (exit 2)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class OutputWriteError(OSError):
    """Writing an output failed. `filename` is the path as the user gave it; `message` is one
    line with the cause and what to do. Every temporary file is gone when this is raised."""

    @property
    def message(self) -> str:
        return describe(self, str(self.filename))

    def __str__(self) -> str:
        return self.message


# --------------------------------------------------------------------------- messages

_REASONS: Final = {
    errno.ENOSPC: "no space left on device",
    errno.EDQUOT: "disk quota exceeded",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EROFS: "read-only file system",
    errno.EISDIR: "it is a folder",
    errno.ENOENT: "its folder does not exist",
    errno.ENOTDIR: "a part of the path is not a folder",
    errno.EFBIG: "file too large",
    errno.EIO: "input/output error",
    errno.EPIPE: "the reader closed the pipe",
}
_ADVICE: Final = {
    errno.ENOSPC: "free some space or choose another folder",
    errno.EDQUOT: "free some space or choose another folder",
    errno.EACCES: "choose a folder you can write to",
    errno.EPERM: "choose a folder you can write to",
    errno.EROFS: "choose a folder you can write to",
    errno.EISDIR: "give a file name, not a folder",
    errno.ENOENT: "create the folder first or choose another one",
    errno.ENOTDIR: "check the path",
    errno.EFBIG: "choose another folder or file system",
}


def reason(exc: BaseException) -> str:
    """The cause in a few lowercase words ("no space left on device")."""
    if isinstance(exc, OSError):
        if exc.errno in _REASONS:
            return _REASONS[exc.errno]
        text = exc.strerror or str(exc)
    else:
        text = str(exc) or type(exc).__name__
    return text[:1].lower() + text[1:]


def describe(exc: BaseException, shown: str | os.PathLike[str]) -> str:
    """One line: `cannot write OUT: no space left on device; free some space or …`."""
    advice = _ADVICE.get(exc.errno or 0) if isinstance(exc, OSError) else None
    return f"cannot write {os.fspath(shown)}: {reason(exc)}" + (f"; {advice}" if advice else "")


def _named_error(exc: OSError, shown: str) -> OutputWriteError:
    if isinstance(exc, OutputWriteError):
        return exc
    code = exc.errno if exc.errno is not None else errno.EIO
    return OutputWriteError(code, exc.strerror or str(exc), shown)


# --------------------------------------------------------------------------- the rule


@dataclass(frozen=True)
class Named:
    """A path and how to speak of it: `described` is e.g. `-o out.csv` or `the input a.csv`."""

    path: Path
    described: str
    snapdesks: bool = False  # snapdesk's own file: protected even before it exists


def named(label: str, path: str | os.PathLike[str]) -> Named:
    """`named("-o", "out.csv")` → described as `-o out.csv` (the path as the user typed it)."""
    return Named(Path(path), f"{label} {os.fspath(path)}".strip())


def file_key(path: str | os.PathLike[str]) -> tuple[Any, ...]:
    """Equal for two paths that are (or would become) the same file: symlinks followed, hard
    links and spellings folded by inode; a file not there yet by its folder's inode and its
    case-folded name."""
    real = os.path.realpath(os.fspath(path))
    try:
        info = os.stat(real)
        return ("inode", info.st_dev, info.st_ino)
    except OSError:
        pass
    parent, name = os.path.split(real)
    try:
        info = os.stat(parent or ".")
        return ("name", info.st_dev, info.st_ino, name.casefold())
    except OSError:
        return ("path", os.path.normcase(real).casefold())


def same_file(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    return file_key(a) == file_key(b)


def check_distinct(
    *,
    inputs: Iterable[Named] = (),
    outputs: Sequence[Named],
    advice: str = "choose another output file",
) -> None:
    """Raise `OutputClash` if an output is an input or another output (see the module doc).
    Inputs that don't exist are skipped (the reader reports them better), except snapdesk's
    own files, which an output must never take the place of."""
    sources = [
        (item, file_key(item.path))
        for item in inputs
        if item.snapdesks or os.path.lexists(item.path)
    ]
    seen: list[tuple[Named, tuple[Any, ...]]] = []
    for out in outputs:
        key = file_key(out.path)
        for source, source_key in sources:
            if key == source_key:
                harm = (
                    "snapdesk keeps its data there"
                    if source.snapdesks
                    else "writing it would destroy it"
                )
                raise OutputClash(
                    f"{out.described} is the same file as {source.described}: {harm}; {advice} "
                    "(nothing was written)"
                )
        for other, other_key in seen:
            if key == other_key:
                raise OutputClash(
                    f"{out.described} is the same file as {other.described}: one would "
                    "overwrite the other; give each output its own file name "
                    "(nothing was written)"
                )
        seen.append((out, key))


def snapdesk_files() -> list[Named]:
    """snapdesk's own files no output may replace (the caches, settings, logins)."""
    from snapdesk import config

    try:
        paths = config.Paths.from_env()
    except Exception:  # a broken settings.json must not stop an offline `hash`
        return []
    found = []
    for path, what in (
        (paths.database, "snapdesk's local cache"),
        (paths.data_dir / "sandbox.sqlite3", "snapdesk's sandbox cache"),
        (paths.config_dir / "settings.json", "snapdesk's settings"),
        (paths.config_dir / "profiles.json", "snapdesk's logins"),
    ):
        found.append(Named(path, f"{what} {path}", snapdesks=True))
        if path.suffix == ".sqlite3":
            for tail in ("-wal", "-shm"):
                found.append(Named(Path(f"{path}{tail}"), f"{what} {path}{tail}", snapdesks=True))
    return found


# --------------------------------------------------------------------------- atomic files


def _umask() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # at import, before any thread of ours runs
    os.umask(mask)
    return mask


_UMASK: Final = _umask()


class _NamedRaw(io.FileIO):
    """A file whose write errors name the path the user gave, not the temporary file."""

    def __init__(self, fd: int, shown: str) -> None:
        super().__init__(fd, "wb", closefd=True)
        self.shown = shown

    def write(self, data: Any) -> int:
        try:
            return super().write(data)
        except OSError as exc:
            raise _named_error(exc, self.shown) from None

    def truncate(self, size: int | None = None) -> int:
        try:
            return super().truncate(size)
        except OSError as exc:
            raise _named_error(exc, self.shown) from None


def _is_special(target: Path) -> bool:
    """An existing target that is neither a regular file nor a folder (a device, a FIFO)."""
    try:
        mode = os.stat(target).st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def writes_in_place(target: str | os.PathLike[str]) -> bool:
    """True for an existing target that is not a regular file or a folder (`/dev/stdout`,
    `/dev/null`, a FIFO): it is written as a stream, never replaced."""
    return _is_special(Path(os.path.realpath(target)))


def _resolved(target: Path) -> Path:
    """Where the bytes go: a symlinked output is written through its link."""
    return Path(os.path.realpath(target)) if os.path.islink(target) else target


def _parts_of(target: Path) -> str:
    return f".{glob.escape(target.name)}.*{PART_SUFFIX}"


def sweep_parts(target: str | os.PathLike[str]) -> list[Path]:
    """Remove `.part` files of `target` left by processes that are no longer running."""
    path = _resolved(Path(target))
    removed = []
    pattern = re.compile(
        re.escape(f".{path.name}.") + r"(\d+)-([0-9a-f]{8})\..*" + re.escape(PART_SUFFIX) + "$"
    )
    for candidate in path.parent.glob(_parts_of(path)):
        match = pattern.match(candidate.name)
        if match is None or match.group(2) != workdirs.HOST:
            continue
        pid = int(match.group(1))
        if pid != os.getpid() and not workdirs.pid_alive(pid):
            try:
                candidate.unlink()
                removed.append(candidate)
            except OSError:
                pass
    return removed


@dataclass
class _Pending:
    fh: IO[bytes]
    tmp: Path | None  # None: written in place (a device or a FIFO)
    target: Path
    shown: str
    mode: int


def make_private_dirs(directory: str | os.PathLike[str]) -> Path:
    """Create `directory` and its missing parents owner-only (0700). Folders that exist keep
    their mode: a folder the user chose (their Downloads) is theirs."""
    path = Path(directory)
    missing = []
    probe = path
    while not probe.exists() and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=PRIVATE_DIR)
        except FileExistsError:
            continue
        if stat.S_IMODE(folder.stat().st_mode) != PRIVATE_DIR:  # a umask beyond 077
            os.chmod(folder, PRIVATE_DIR)
    return path


def _make_parent(directory: Path, *, private: bool) -> None:
    if directory.is_dir():
        return
    if private:
        make_private_dirs(directory)
    else:
        directory.mkdir(parents=True, exist_ok=True)


def _final_mode(target: Path, *, private: bool) -> int:
    if private:
        return PRIVATE_FILE
    try:
        return stat.S_IMODE(os.stat(target).st_mode)  # a replaced file keeps its mode
    except OSError:
        return 0o666 & ~_UMASK


class AtomicFiles:
    """Temporary files beside their targets, renamed into place together by `commit()`;
    `discard()` (or leaving the `with` block without committing) removes them."""

    def __init__(self) -> None:
        self._files: list[_Pending] = []

    def __enter__(self) -> AtomicFiles:
        return self

    def __exit__(self, *exc: object) -> None:
        self.discard()

    @property
    def handles(self) -> list[IO[bytes]]:
        return [item.fh for item in self._files]

    def open(
        self, target: str | os.PathLike[str], *, private: bool, shown: str | None = None
    ) -> IO[bytes]:
        """A binary file to write `target`'s bytes to (opened for reading too, so a writer can
        read back what it wrote). Raises `OutputWriteError` naming `shown` (default: target)."""
        typed = Path(target)
        label = shown if shown is not None else os.fspath(target)
        real = _resolved(typed)
        try:
            if real.is_dir():
                raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), label)
            if _is_special(real):
                fd = os.open(real, os.O_WRONLY)
                fh: IO[bytes] = io.BufferedWriter(_NamedRaw(fd, label), buffer_size=1 << 16)
                self._files.append(_Pending(fh, None, real, label, 0))
                return fh
            _make_parent(real.parent, private=private)
            sweep_parts(real)
            fd, tmp = tempfile.mkstemp(
                prefix=f".{real.name}.{workdirs.owner_tag()}.", suffix=PART_SUFFIX, dir=real.parent
            )
        except OSError as exc:
            raise _named_error(exc, label) from None
        try:
            fh = io.BufferedWriter(_NamedRaw(fd, label), buffer_size=1 << 20)
        except BaseException:
            os.close(fd)
            Path(tmp).unlink(missing_ok=True)
            raise
        self._files.append(_Pending(fh, Path(tmp), real, label, _final_mode(real, private=private)))
        return fh

    def commit(self) -> None:
        """Flush, fsync and rename every file into place; on a failure none is left behind."""
        try:
            for item in self._files:
                try:
                    item.fh.flush()
                    if item.tmp is not None:
                        os.fsync(item.fh.fileno())
                        _chmod(item.fh.fileno(), item.tmp, item.mode)
                    item.fh.close()
                except OSError as exc:
                    raise _named_error(exc, item.shown) from None
            while self._files:
                item = self._files[0]
                if item.tmp is not None:
                    try:
                        os.replace(item.tmp, item.target)
                    except OSError as exc:
                        raise _named_error(exc, item.shown) from None
                self._files.pop(0)
        except BaseException:
            self.discard()
            raise

    def discard(self) -> None:
        """Close and remove every temporary file not yet renamed (never raises)."""
        for item in self._files:
            try:
                item.fh.close()
            except (OSError, ValueError):
                pass  # a failing flush: the file is being thrown away anyway
            if item.tmp is not None:
                try:
                    item.tmp.unlink(missing_ok=True)
                except OSError:
                    pass
        self._files.clear()


def _chmod(fd: int, path: Path, mode: int) -> None:
    if hasattr(os, "fchmod"):
        os.fchmod(fd, mode)
    else:  # pragma: no cover - Windows
        os.chmod(path, mode)


def write_text(
    target: str | os.PathLike[str],
    text: str,
    *,
    private: bool = False,
    shown: str | None = None,
    encoding: str = "utf-8",
) -> Path:
    """Write `text` to `target` atomically (no newline translation); returns `Path(target)`."""
    with AtomicFiles() as files:
        files.open(target, private=private, shown=shown).write(text.encode(encoding))
        files.commit()
    return Path(target)


@contextmanager
def open_text(
    target: str | os.PathLike[str],
    *,
    private: bool = False,
    shown: str | None = None,
    encoding: str = "utf-8",
) -> Iterator[IO[str]]:
    """A text file (newline="" for csv) renamed onto `target` when the block ends without an
    exception; removed otherwise."""
    with AtomicFiles() as files:
        raw = files.open(target, private=private, shown=shown)
        text = io.TextIOWrapper(raw, encoding=encoding, newline="")
        try:
            yield text
            text.flush()
        finally:
            text.detach()
        files.commit()


def private_file(path: str | os.PathLike[str]) -> None:
    """Make an existing file of snapdesk's (the cache, a log) owner-only; silent on failure."""
    try:
        if stat.S_IMODE(os.stat(path).st_mode) & 0o077:
            os.chmod(path, PRIVATE_FILE)
    except OSError:
        pass


def create_private(path: str | os.PathLike[str]) -> None:
    """Create `path` empty and owner-only if it does not exist; tighten it if it does."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except FileExistsError:
        private_file(path)
    else:
        os.close(fd)
