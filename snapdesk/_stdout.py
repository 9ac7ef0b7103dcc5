"""Standard output that ends well: `snapdesk hash x.csv | head -1`, `… > /dev/full`.

    with guarded_stdout():      # sys.stdout raises StdoutFailed instead of an OSError
        run_the_command()

A closed pipe ends quietly (exit 141, what a shell reports for a tool killed by SIGPIPE; the
reader has what it wanted); any other failure (a full disk) is one line and exit 1. Either way
fd 1 is pointed at the null device afterwards (the Python documentation's advice), so nothing
fails again, or prints "Exception ignored", when the interpreter flushes its streams at exit.
Used by snapdesk/cli.py for every command; nothing here imports Qt.
"""

from __future__ import annotations

import errno
import io
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Final

from snapdesk.core.outputs import reason

BROKEN_PIPE_EXIT: Final = 141  # 128 + SIGPIPE


class StdoutFailed(BaseException):
    """Writing to standard output failed: `cause` is the OSError (EPIPE for a closed pipe).

    A BaseException, like KeyboardInterrupt: the command's output is gone, so it stops the
    command as SIGPIPE stops any Unix tool, and no `except Exception` on the way (a printing
    callback's guard, "can't open the cache") can swallow it or report it as something else.
    `except BaseException` clean-ups (temporary files) still run."""

    def __init__(self, cause: OSError) -> None:
        super().__init__(reason(cause))
        self.cause = cause

    @property
    def broken_pipe(self) -> bool:
        return isinstance(self.cause, BrokenPipeError) or self.cause.errno == errno.EPIPE

    @property
    def message(self) -> str:
        return f"cannot write to standard output: {reason(self.cause)}"


class _StdoutRaw(io.FileIO):
    """fd 1, raising `StdoutFailed` once, then swallowing every later write (so nothing is
    printed at interpreter shutdown when the buffers are flushed)."""

    def __init__(self, fd: int) -> None:
        super().__init__(fd, "wb", closefd=False)
        self.failure: StdoutFailed | None = None

    def write(self, data: Any) -> int:
        if self.failure is not None:
            return len(memoryview(data))
        try:
            return super().write(data)
        except OSError as exc:
            self.failure = StdoutFailed(exc)
            raise self.failure from None


def silence_stdout() -> None:
    """Point fd 1 at the null device (the Python docs' advice after a BrokenPipeError), so no
    later flush, here or in a child process, can fail."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.__stdout__.fileno() if sys.__stdout__ else 1)
        os.close(devnull)
    except (OSError, ValueError):
        pass


def _close_guard(
    guarded: io.TextIOWrapper, raw: _StdoutRaw, original: Any, *, report: bool
) -> None:
    sys.stdout = original
    try:
        guarded.flush()
    except StdoutFailed:
        pass
    finally:
        guarded.detach()  # fd 1 stays open; a failed raw swallows what is left
    if raw.failure is not None:  # now, or earlier and swallowed on the way
        silence_stdout()
        if report:
            raise raw.failure


@contextmanager
def guarded_stdout() -> Iterator[None]:
    """While the block runs, `sys.stdout` raises `StdoutFailed` instead of OSError (a closed
    pipe, a full disk); flushed on the way out, also when the block ends with SystemExit
    (argparse's --version). Another exception wins over a stdout failure at that flush. A
    no-op when stdout was replaced (tests)."""
    original: Any = sys.__stdout__
    if original is None or sys.stdout is not original:
        yield
        return
    try:
        fd = original.fileno()
        original.flush()
    except (OSError, ValueError, AttributeError):
        yield
        return
    raw = _StdoutRaw(fd)
    guarded = io.TextIOWrapper(
        io.BufferedWriter(raw),
        encoding=original.encoding,
        errors=original.errors,
        line_buffering=bool(original.line_buffering),
    )
    sys.stdout = guarded
    try:
        yield
    except (StdoutFailed, SystemExit) as exc:
        _close_guard(guarded, raw, original, report=isinstance(exc, SystemExit))
        raise
    except BaseException:
        _close_guard(guarded, raw, original, report=False)
        raise
    _close_guard(guarded, raw, original, report=True)
