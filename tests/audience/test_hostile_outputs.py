"""Hostile outputs (issue 14, "the user's files are sacred"): the output-safety rows of the
hostile corpus, run through its harness (`tests/audience/test_hostile_corpus.py`: `run_case`
makes the input, runs the real `snapdesk hash INPUT -o out.csv --rejects rejects.csv ARGS
--json`, checks exit code, message, rows/valid/rejected, one-line failures, no traceback and
no `.part` left). Each row here adds `-o`/`--rejects` in ARGS (argparse: the last one wins),
typed relative to the case's folder (the current directory), and checks that the files it
must not touch keep their bytes and that whatever was written is owner-only (0600).

Below the table: a full disk (injected and, as root, a real 64 KB tmpfs), an unwritable
folder, and standard output into a closed pipe or /dev/full.
"""

from __future__ import annotations

import errno
import io
import os
import stat
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from snapdesk import _stdout
from snapdesk.cli import main
from snapdesk.core import outputs
from tests.audience.test_hostile_corpus import Case, Result, run_case

RAW = "email\nPerson@Example.com\nnot-an-address\nsecond@example.com\n"
TWO = "email,phone\na@example.com,+44 20 7946 0958\nbad,+1 415 555 0100\n"
CLASH = "is the same file as"


def _parts(base: Path) -> list[str]:
    return sorted(str(p.relative_to(base)) for p in base.rglob(f"*{outputs.PART_SUFFIX}"))


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def files(
    source: str, content: str = RAW, *, extra: Callable[[Path], None] | None = None
) -> Callable[[Path], Path]:
    """A builder: `source` (with `content`) in the case's folder, then `extra(base)`."""

    def make(base: Path) -> Path:
        path = base / source
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
        if extra is not None:
            extra(base)
        return path

    return make


def symlink(link: str, target: str) -> Callable[[Path], None]:
    return lambda base: (base / link).symlink_to(target)


def hardlink(link: str, target: str) -> Callable[[Path], None]:
    return lambda base: os.link(base / target, base / link)


def folder(name: str) -> Callable[[Path], None]:
    return lambda base: (base / name).mkdir()


def both(*steps: Callable[[Path], None]) -> Callable[[Path], None]:
    def run(base: Path) -> None:
        for step in steps:
            step(base)

    return run


def stale_part(target: str) -> Callable[[Path], None]:
    """A `.part` of `target` left by a killed process (its pid no longer runs)."""

    def make(base: Path) -> None:
        dead = subprocess.run(
            [sys.executable, "-c", "import os; print(os.getpid())"],
            capture_output=True,
            text=True,
            check=True,
        )
        name = f".{target}.{int(dead.stdout)}-{outputs.workdirs.HOST}.abc123{outputs.PART_SUFFIX}"
        (base / name).write_text("EMAIL_SHA256\nhalf")

    return make


def keeps(*names_and_content: tuple[str, str]) -> Callable[[Result], None]:
    """The files must keep their exact content, and no `.part` may be left."""

    def check(result: Result) -> None:
        for name, content in names_and_content:
            assert (result.base / name).read_text() == content, f"{name} was changed"
        assert _parts(result.base) == []

    return check


def private(*names: str, folders: tuple[str, ...] = ()) -> Callable[[Result], None]:
    """The outputs exist and are 0600 (their new folders 0700); no `.part` left."""

    def check(result: Result) -> None:
        for name in names:
            assert _mode(result.base / name) == 0o600, name
        for name in folders:
            assert _mode(result.base / name) == 0o700, name
        assert _parts(result.base) == []

    return check


IN = ("in.csv", RAW)
CASES: list[Case] = [
    # refused before a byte is read (exit 2), whatever the spelling
    Case("o-is-input", files("in.csv"), exit=2, args=("-o", "in.csv"),
         message="-o in.csv is the same file as the input", check=keeps(IN)),
    Case("o-is-input-dot-slash", files("in.csv"), exit=2, args=("-o", "./in.csv"),
         message="-o ./in.csv is the same file as the input", check=keeps(IN)),
    Case("o-is-input-dotdot", files("in.csv", extra=folder("sub")), exit=2,
         args=("-o", "sub/../in.csv"), message="-o sub/../in.csv " + CLASH, check=keeps(IN)),
    Case("o-is-symlink-to-input", files("in.csv", extra=symlink("link.csv", "in.csv")), exit=2,
         args=("-o", "link.csv"), message="-o link.csv is the same file as the input",
         check=keeps(IN)),
    Case("input-is-symlink-to-o", lambda base: files("in.csv", extra=symlink(
             "link.csv", "in.csv"))(base).with_name("link.csv"), exit=2,
         args=("-o", "in.csv"), message="-o in.csv is the same file as the input",
         check=keeps(IN)),
    Case("o-is-hardlink-to-input", files("in.csv", extra=hardlink("hard.csv", "in.csv")), exit=2,
         args=("-o", "hard.csv"), message="-o hard.csv is the same file as the input",
         check=keeps(IN, ("hard.csv", RAW))),
    Case("rejects-is-input", files("in.csv"), exit=2, args=("--rejects", "in.csv"),
         message="--rejects in.csv is the same file as the input", check=keeps(IN)),
    Case("rejects-is-symlink-to-input", files("in.csv", extra=symlink("r.csv", "in.csv")),
         exit=2, args=("--rejects", "r.csv"), message="--rejects r.csv " + CLASH,
         check=keeps(IN)),
    Case("o-is-rejects", files("in.csv"), exit=2,
         args=("-o", "same.csv", "--rejects", "same.csv"),
         message="--rejects same.csv is the same file as -o same.csv", check=keeps(IN)),
    Case("o-is-rejects-other-spelling", files("in.csv", extra=folder("sub")), exit=2,
         args=("-o", "same.csv", "--rejects", "./sub/../same.csv"),
         message="--rejects ./sub/../same.csv is the same file as -o same.csv"),
    Case("o-and-rejects-differ-in-case", files("in.csv"), exit=2,
         args=("-o", "same.csv", "--rejects", "SAME.csv"),
         message="--rejects SAME.csv is the same file as -o same.csv"),
    Case("rejects-is-a-schema-output", files("in.csv", TWO), exit=2,
         args=("-o", "two.csv", "--rejects", "two.PHONE_SHA256.csv"),
         message="--rejects two.PHONE_SHA256.csv is the same file as the PHONE_SHA256 list"),
    Case("input-is-a-schema-output", files("two.EMAIL_SHA256.csv", TWO), exit=2,
         args=("-o", "two.csv"), message=CLASH + " the input",
         check=keeps(("two.EMAIL_SHA256.csv", TWO))),
    Case("o-is-the-cache", files("in.csv", extra=lambda b: (b / "data").mkdir()), exit=2,
         args=("-o", "data/cache.sqlite3"),
         message="-o data/cache.sqlite3 is the same file as snapdesk's local cache"),
    Case("o-is-a-folder", files("in.csv", extra=folder("sub")), exit=1, args=("-o", "sub"),
         message="cannot write sub: it is a folder; give a file name"),
    # what works still works: owner-only, nothing left behind
    Case("ok-outputs-are-private", files("in.csv"), rows=3, valid=2, rejected=1,
         check=private("out.csv", "rejects.csv")),
    Case("ok-two-schemas-are-private", files("in.csv", TWO), rows=2, valid=3, rejected=1,
         check=private("out.EMAIL_SHA256.csv", "out.PHONE_SHA256.csv", "rejects.csv")),
    Case("ok-new-folder-is-private", files("in.csv"), rows=3, valid=2, rejected=1,
         args=("-o", "new/deeper/list.csv"),
         check=private("new/deeper/list.csv", folders=("new", "new/deeper"))),
    Case("ok-replaces-an-old-output", files("in.csv", extra=lambda b: (b / "out.csv").write_text(
             "old\n")), rows=3, valid=2, rejected=1, check=private("out.csv")),
    Case("ok-through-a-symlinked-output", files("in.csv", extra=both(
             lambda b: (b / "real.csv").write_text("old\n"), symlink("link.csv", "real.csv"))),
         rows=3, valid=2, rejected=1, args=("-o", "link.csv"), check=private("real.csv")),
    Case("retry-removes-a-killed-runs-part", files("in.csv", extra=stale_part("out.csv")),
         rows=3, valid=2, rejected=1, check=private("out.csv")),
]  # fmt: skip


@pytest.fixture
def in_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The case's folder, as the current directory; snapdesk's data folder inside it."""
    base = tmp_path / "case"
    base.mkdir()
    monkeypatch.chdir(base)
    monkeypatch.setenv("SNAPDESK_DATA_DIR", str(base / "data"))
    yield base


@pytest.mark.parametrize("case", [c.param() for c in CASES])
def test_hostile_output(case: Case, in_dir: Path) -> None:
    run_case(case, in_dir)


class _Fifo:
    """A named pipe in `folder` with a reader collecting what is written to it: a stand-in for
    `/dev/stdout` or `/dev/null` that a regression can't damage (renaming over it only replaces
    the pipe in a temporary folder, where the test sees it)."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / "pipe"
        os.mkfifo(self.path)
        self.data = b""
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        with open(self.path, "rb") as fh:  # blocks until a writer opens the pipe
            self.data = fh.read()

    def received(self) -> bytes:
        self._thread.join(timeout=30)
        return self.data


def test_a_fifo_or_device_output_is_written_in_place(
    in_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`-o /dev/stdout`, `-o /dev/null` or a FIFO is streamed into: renaming a temporary file
    over it would replace the device (as root, /dev/null itself)."""
    (in_dir / "in.csv").write_text(RAW)
    fifo = _Fifo(in_dir)
    assert main(["hash", "in.csv", "-o", "pipe", "--rejects", "r.csv"]) == 0
    assert "EMAIL_SHA256: 2 hashes -> pipe" in capsys.readouterr().out
    assert stat.S_ISFIFO(os.lstat(fifo.path).st_mode), "the FIFO was replaced by a file"
    assert fifo.received().decode().splitlines()[0] == "EMAIL_SHA256"
    assert _mode(in_dir / "r.csv") == 0o600 and _parts(in_dir) == []


def test_case_differences_clash_on_a_case_insensitive_file_system(
    in_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`List.csv` and `list.csv` are one file on macOS and Windows."""
    (in_dir / "List.csv").write_text(RAW)
    if not (in_dir / "list.csv").exists():
        pytest.skip("this file system tells case apart (the check is by inode, covered above)")
    assert main(["hash", "List.csv", "-o", "list.csv"]) == 2
    assert "is the same file as the input List.csv" in capsys.readouterr().err
    assert (in_dir / "List.csv").read_text() == RAW


# -------------------------------------------------------------------------------- disk full


class _FullDisk:
    """Every write to an output whose name contains `needle` fails with ENOSPC once it would
    pass `after` bytes: the injected, portable variant of a full disk."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, needle: str, after: int = 0) -> None:
        self.hits = 0
        full = self

        class Disk(io.FileIO):
            shown = ""

            def write(self, data: Any) -> int:
                if needle in self.shown and self.tell() + len(memoryview(data)) > after:
                    full.hits += 1
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), self.name)
                return super().write(data)

        class Full(outputs._NamedRaw, Disk):
            pass

        monkeypatch.setattr(outputs, "_NamedRaw", Full)


def _many(n: int) -> str:
    return "email\n" + "".join(f"user{i}@example.com\nbad{i}\n" for i in range(n))


@pytest.mark.parametrize("which", ["rejects.csv", "out.csv"])
def test_injected_disk_full_names_the_file_and_the_cause(
    which: str, in_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (in_dir / "in.csv").write_text(_many(2000))
    (in_dir / "out.csv").write_text("the previous list\n")
    full = _FullDisk(monkeypatch, which, after=100)
    argv = ["hash", "in.csv", "-o", "out.csv", "--rejects", "rejects.csv"]
    for _attempt in range(3):  # retries pile nothing up
        assert main(argv) == 1
        err = capsys.readouterr().err
        assert err.strip() == (
            f"snapdesk: cannot write {which}: no space left on device; "
            "free some space or choose another folder"
        )
        assert _parts(in_dir) == []
        assert (in_dir / "out.csv").read_text() == "the previous list\n"
        assert not (in_dir / "rejects.csv").exists()
    assert full.hits >= 3


def _mount_tmpfs(where: Path, options: str) -> bool:
    where.mkdir()
    if os.geteuid() != 0:
        return False
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)], capture_output=True
    )
    return done.returncode == 0


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    where = tmp_path / "full"
    if not _mount_tmpfs(where, "size=64k"):
        pytest.skip("mounting a 64 KB tmpfs needs root and mount rights (the injected test runs)")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def test_real_disk_full_on_a_tiny_tmpfs(
    tiny_disk: Path, in_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (in_dir / "in.csv").write_text(_many(3000))  # ~ 40 KB of rejects, ~ 200 KB of hashes
    out = tiny_disk / "out.csv"
    rejects = tiny_disk / "rejects.csv"
    for _attempt in range(3):
        code = main(["hash", "in.csv", "-o", str(out), "--rejects", str(rejects)])
        err = capsys.readouterr().err
        assert code == 1
        assert "no space left on device" in err and "Traceback" not in err
        assert f"cannot write {out}" in err or f"cannot write {rejects}" in err
        assert ".part" not in err
        assert sorted(os.listdir(tiny_disk)) == []


def test_an_unwritable_folder_is_named_as_typed(
    in_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Permission denied (a non-root user) or a read-only file system (root, which ignores
    permissions): the message names the path given, never the hidden temporary file."""
    (in_dir / "in.csv").write_text(RAW)
    locked = in_dir / "locked"
    if os.geteuid() == 0:
        if not _mount_tmpfs(locked, "ro,size=16k"):
            pytest.skip("root ignores permissions and can't mount a read-only tmpfs here")
        cause = "read-only file system"
    else:
        locked.mkdir()
        os.chmod(locked, 0o500)
        cause = "permission denied"
    try:
        code = main(["hash", "in.csv", "-o", "locked/out.csv", "--rejects", "rejects.csv"])
        err = capsys.readouterr().err
    finally:
        if os.geteuid() == 0:
            subprocess.run(["umount", "-l", str(locked)], check=False)
        else:
            os.chmod(locked, 0o700)
    assert code == 1
    assert err.strip() == (
        f"snapdesk: cannot write locked/out.csv: {cause}; choose a folder you can write to"
    )
    assert _parts(in_dir) == [] and not (in_dir / "rejects.csv").exists()


# -------------------------------------------------------------------------------- stdout


@pytest.fixture(autouse=True)
def _buffered(monkeypatch: pytest.MonkeyPatch) -> None:
    """Child processes run as a user's would: stdout errors surface at flush time."""
    monkeypatch.delenv("PYTHONUNBUFFERED", raising=False)


def test_stdout_into_a_closed_pipe_ends_quietly(in_dir: Path) -> None:
    (in_dir / "in.csv").write_text(_many(5000))
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader has gone, as `| head -1` does
    try:
        done = subprocess.run(
            [sys.executable, "-m", "snapdesk", "hash", "in.csv"],
            cwd=in_dir,
            stdout=write_end,
            stderr=subprocess.PIPE,
            timeout=120,
        )
    finally:
        os.close(write_end)
    assert done.returncode == _stdout.BROKEN_PIPE_EXIT
    err = done.stderr.decode()
    assert "Traceback" not in err and "Exception ignored" not in err
    assert "BrokenPipe" not in err


def test_stdout_into_head_keeps_the_first_line(in_dir: Path) -> None:
    (in_dir / "in.csv").write_text(_many(20000))
    done = subprocess.run(
        f'{sys.executable} -m snapdesk hash in.csv | head -1; echo "${{PIPESTATUS[0]}}"',
        shell=True,
        executable="/bin/bash",
        cwd=in_dir,
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = done.stdout.splitlines()
    assert lines[0] == "EMAIL_SHA256"
    assert lines[1] in ("0", str(_stdout.BROKEN_PIPE_EXIT))
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
def test_stdout_into_dev_full_says_one_line(in_dir: Path) -> None:
    (in_dir / "in.csv").write_text(_many(50))
    with open("/dev/full", "wb") as full:
        done = subprocess.run(
            [sys.executable, "-m", "snapdesk", "hash", "in.csv"],
            cwd=in_dir,
            stdout=full,
            stderr=subprocess.PIPE,
            timeout=120,
        )
    err = done.stderr.decode()
    assert done.returncode == 1
    assert err.strip().splitlines()[-1] == (
        "snapdesk: cannot write to standard output: no space left on device"
    )
    assert "Traceback" not in err and "Exception ignored" not in err
    assert list((in_dir / "data").rglob(f"*{outputs.PART_SUFFIX}")) == []
