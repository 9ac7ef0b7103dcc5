"""snapdesk.core.outputs: the one rule for outputs (refused clashes, atomic writes, modes)."""

from __future__ import annotations

import errno
import os
import stat
import threading
from pathlib import Path

import pytest

from snapdesk.core import outputs
from snapdesk.core.outputs import (
    AtomicFiles,
    OutputClash,
    OutputWriteError,
    check_distinct,
    named,
    same_file,
    write_text,
)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _parts(folder: Path) -> list[Path]:
    return list(folder.rglob(f"*{outputs.PART_SUFFIX}"))


def test_same_file_sees_through_spellings_links_and_case(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.csv").write_text("x")
    (tmp_path / "sub").mkdir()
    (tmp_path / "link.csv").symlink_to("a.csv")
    os.link(tmp_path / "a.csv", tmp_path / "hard.csv")
    for spelling in ("a.csv", "./a.csv", "sub/../a.csv", str(tmp_path / "a.csv"), "link.csv"):
        assert same_file("a.csv", spelling), spelling
    assert same_file("hard.csv", "a.csv")
    assert same_file("new.csv", "./sub/../new.csv")  # neither exists yet
    assert same_file("new.csv", "NEW.csv")  # one file on macOS and Windows
    assert not same_file("a.csv", "b.csv")
    assert not same_file("sub/new.csv", "new.csv")


def test_check_distinct_names_the_paths_as_typed(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("x")
    with pytest.raises(OutputClash) as caught:
        check_distinct(
            inputs=[named("the input", src)], outputs=[named("-o", f"{tmp_path}/./in.csv")]
        )
    assert caught.value.message.startswith(f"-o {tmp_path}/./in.csv is the same file as the input")
    with pytest.raises(OutputClash, match=r"--rejects r\.csv is the same file as -o r\.csv"):
        check_distinct(outputs=[named("-o", "r.csv"), named("--rejects", "r.csv")])
    check_distinct(
        inputs=[named("the input", tmp_path / "missing.csv")],
        outputs=[named("-o", tmp_path / "missing.csv")],
    )  # the reader says "missing"


def test_atomic_files_rename_on_commit_and_private_mode(tmp_path: Path) -> None:
    target = tmp_path / "new" / "out.csv"
    with AtomicFiles() as files:
        fh = files.open(target, private=True)
        fh.write(b"EMAIL_SHA256\n")
        assert not target.exists() and len(_parts(tmp_path)) == 1
        files.commit()
    assert target.read_bytes() == b"EMAIL_SHA256\n"
    assert _mode(target) == 0o600 and _mode(target.parent) == 0o700
    assert _parts(tmp_path) == []


def test_an_existing_folder_keeps_its_mode_and_a_plain_output_its_usual_mode(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "Downloads"
    folder.mkdir(mode=0o755)
    os.chmod(folder, 0o755)
    write_text(folder / "stats.csv", "a,b\n")
    assert _mode(folder) == 0o755
    assert _mode(folder / "stats.csv") == 0o666 & ~outputs._UMASK
    os.chmod(folder / "stats.csv", 0o640)
    write_text(folder / "stats.csv", "a,b,c\n")
    assert _mode(folder / "stats.csv") == 0o640  # a replaced file keeps its mode
    write_text(folder / "stats.csv", "a\n", private=True)
    assert _mode(folder / "stats.csv") == 0o600


def test_an_exception_midway_leaves_the_old_file_and_no_part(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old")
    for exc in (RuntimeError("boom"), KeyboardInterrupt()):
        with pytest.raises(type(exc)), AtomicFiles() as files:
            files.open(target, private=True).write(b"half")
            raise exc
        assert target.read_text() == "old" and _parts(tmp_path) == []


class _FullDisk(outputs.io.FileIO):
    def write(self, data: object) -> int:
        raise OSError(errno.ENOSPC, "No space left on device", "/tmp/.out.csv.1-x.part")


def test_write_errors_name_the_users_path_never_the_temporary_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Full(outputs._NamedRaw, _FullDisk):
        pass

    monkeypatch.setattr(outputs, "_NamedRaw", Full)
    with pytest.raises(OutputWriteError) as caught:
        write_text(tmp_path / "out.csv", "x" * 10, shown="out.csv")
    assert caught.value.filename == "out.csv" and caught.value.errno == errno.ENOSPC
    assert caught.value.message == (
        "cannot write out.csv: no space left on device; free some space or choose another folder"
    )
    assert _parts(tmp_path) == []


def test_unwritable_folder_is_named_as_given(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    os.chmod(folder, 0o500)
    try:
        if os.access(folder, os.W_OK):
            pytest.skip("running as root: permissions are not enforced")
        with pytest.raises(OutputWriteError) as caught:
            write_text(folder / "out.csv", "x", shown="ro/out.csv")
        assert caught.value.message.startswith("cannot write ro/out.csv: permission denied")
    finally:
        os.chmod(folder, 0o700)


def test_a_fifo_is_written_in_place_never_renamed_over(tmp_path: Path) -> None:
    """Stands for `/dev/null` and `/dev/stdout` (a test must never risk the real ones)."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    write_text(fifo, "hashes\n")
    reader.join(timeout=30)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and got == [b"hashes\n"]
    assert _parts(tmp_path) == []
    assert outputs.writes_in_place(fifo) and not outputs.writes_in_place(tmp_path / "x.csv")


def test_a_folder_as_target_is_refused_before_writing(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    with pytest.raises(OutputWriteError, match="cannot write sub: it is a folder"):
        write_text(tmp_path / "sub", "x", shown="sub")
    assert _parts(tmp_path) == []


def test_stale_parts_of_dead_processes_are_removed_live_ones_kept(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    host = outputs.workdirs.HOST
    dead = tmp_path / f".out.csv.999999999-{host}.aaaa.part"
    alive = tmp_path / f".out.csv.{os.getppid()}-{host}.bbbb.part"
    other_host = tmp_path / ".out.csv.999999999-00000000.cccc.part"
    for p in (dead, alive, other_host):
        p.write_text("half")
    write_text(target, "x")
    assert not dead.exists() and alive.exists() and other_host.exists()
