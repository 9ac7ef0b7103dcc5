"""The app's save paths follow the same rule as the CLI (issue 14): "Save hashed CSV…" and
"Save rejects…" refuse the customer list itself and snapdesk's own files, write atomically and
owner-only, say what went wrong in the window (no crash dialog), and the dialogs' work folders
live under snapdesk's temp root with the owner's pid in their name."""

from __future__ import annotations

import asyncio
import os
import stat
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from snapdesk import config
from snapdesk.changes.mode import LiveMode
from snapdesk.core import outputs, workdirs
from snapdesk.ui.dialogs.list_upload import ListUploadDialog
from snapdesk.ui.dialogs.prepare_list import PrepareListWindow

RAW = "email,phone\nPerson@Example.com,+44 20 7946 0958\nnot-an-address,+1 415 555 0100\n"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def checked_window(qtbot: QtBot, tmp_path: Path, qapp: QApplication) -> PrepareListWindow:
    src = tmp_path / "crm.csv"
    src.write_text(RAW)
    window = PrepareListWindow()
    qtbot.addWidget(window)
    assert window.load_file(src)
    assert window.start_check() is not None
    qtbot.waitUntil(lambda: window.report is not None and not window.check.running, timeout=60_000)
    return window


def test_prepare_window_works_in_the_snapdesk_temp_root(checked_window: PrepareListWindow) -> None:
    work = checked_window._workdir
    assert work.parent == workdirs.root()
    assert work.name.startswith(f"prepare-{os.getpid()}-{workdirs.HOST}-")
    checked_window.close()
    assert not work.exists()


@pytest.mark.parametrize("spelling", ["{dir}/crm.csv", "{dir}/./crm.csv", "{dir}/x/../crm.csv"])
def test_saving_over_the_customer_list_is_refused(
    checked_window: PrepareListWindow, tmp_path: Path, spelling: str
) -> None:
    (tmp_path / "x").mkdir(exist_ok=True)
    src = tmp_path / "crm.csv"
    assert checked_window.save_rejects(spelling.format(dir=tmp_path)) is None
    assert src.read_text() == RAW
    text = checked_window.saved.text()
    assert not checked_window.saved.isHidden() and text.startswith("Not saved: ")
    assert "is the same file as the customer list" in text
    assert list(tmp_path.glob(f".*{outputs.PART_SUFFIX}")) == []


def test_a_list_output_that_is_the_customer_list_is_refused(
    qtbot: QtBot, tmp_path: Path, qapp: QApplication
) -> None:
    src = tmp_path / "emails.csv"
    src.write_text("email\na@example.com\nb@example.com\n")
    window = PrepareListWindow()
    qtbot.addWidget(window)
    assert window.load_file(src)
    assert window.start_check() is not None
    qtbot.waitUntil(lambda: window.report is not None and not window.check.running, timeout=60_000)
    (tmp_path / "link.csv").symlink_to(src)
    assert window.save_list(tmp_path / "link.csv") == []
    assert src.read_text() == "email\na@example.com\nb@example.com\n"
    assert "is the same file as the customer list" in window.saved.text()


def test_saving_over_the_cache_is_refused(checked_window: PrepareListWindow) -> None:
    paths = config.Paths.from_env().ensure()
    paths.database.write_bytes(b"cache")
    assert checked_window.save_rejects(paths.database) is None
    assert paths.database.read_bytes() == b"cache"
    assert "snapdesk's local cache" in checked_window.saved.text()


def test_saved_files_are_owner_only_and_whole(
    checked_window: PrepareListWindow, tmp_path: Path
) -> None:
    out = tmp_path / "Downloads"
    out.mkdir()
    os.chmod(out, 0o755)
    written = checked_window.save_list(out / "hashed.csv")
    assert [p.name for p in written] == ["hashed.EMAIL_SHA256.csv", "hashed.PHONE_SHA256.csv"]
    rejects = checked_window.save_rejects(out / "rejects.csv")
    assert rejects is not None
    for path in (*written, rejects):
        assert _mode(path) == 0o600, path
    assert _mode(out) == 0o755  # the user's folder is left as it was
    assert list(out.glob(f".*{outputs.PART_SUFFIX}")) == []


def test_a_failed_save_says_why_and_leaves_nothing(
    checked_window: PrepareListWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Full(outputs._NamedRaw):
        def write(self, data: object) -> int:
            raise outputs._named_error(OSError(28, "No space left on device"), self.shown)

    monkeypatch.setattr(outputs, "_NamedRaw", Full)
    target = tmp_path / "rejects.csv"
    assert checked_window.save_rejects(target) is None
    assert checked_window.saved.text() == (
        f"Not saved: cannot write {target}: no space left on device; "
        "free some space or choose another folder"
    )
    assert not target.exists()
    assert list(tmp_path.glob(f".*{outputs.PART_SUFFIX}")) == []


def test_upload_dialog_works_in_the_snapdesk_temp_root_and_refuses_its_list(
    qtbot: QtBot, tmp_path: Path, qloop: asyncio.AbstractEventLoop
) -> None:
    src = tmp_path / "crm.csv"
    src.write_text(RAW)
    dialog = ListUploadDialog(
        path=src,
        ad_account_id="acct",
        segments=[],
        live_mode=LiveMode(),
        uploads_factory=lambda: None,
        loop=qloop,
    )
    qtbot.addWidget(dialog)
    work = dialog._workdir
    assert work.parent == workdirs.root()
    assert work.name.startswith(f"list-{os.getpid()}-{workdirs.HOST}-")
    assert dialog.start_check()
    qtbot.waitUntil(lambda: dialog.report is not None and not dialog.check.running, timeout=60_000)
    assert dialog.save_rejects(tmp_path / "./crm.csv") is None
    assert src.read_text() == RAW
    assert "is the same file as the customer list" in dialog.error.text()
    saved = dialog.save_rejects(tmp_path / "rejects.csv")
    assert saved is not None and _mode(saved) == 0o600
    dialog.reject()
    assert not work.exists()
