"""The grid's Import… window and Export… (snapdesk/ui/dialogs/grid_import.py): an invalid file
shows its problems by row, column, value and reason and queues nothing; a valid one queues
exactly its changes as one undo step on "Queue N changes" and tells every view; Cancel at every
stage (no file, reading, a report with problems, a valid plan, queuing) queues nothing; a long
read can be stopped and never freezes the window; export writes the file or names the path and
the cause."""

from __future__ import annotations

import csv
import io
import itertools
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from snapdesk.changes import EditService
from snapdesk.changes.model import PAUSE, UPDATE
from snapdesk.changes.repository import ChangeRepository
from snapdesk.config import Paths
from snapdesk.core.kinds import AD, AD_SQUAD, CAMPAIGN
from snapdesk.grid import columns_for, load_rows
from snapdesk.grid.sheets import ImportCancelled, ImportPlan, export_rows
from snapdesk.store import Store
from snapdesk.ui.dialogs import grid_import
from snapdesk.ui.dialogs.grid_import import GridImportDialog, export_grid, open_import_dialog
from tests.grid import sheets_data

WAIT = 20_000  # ms


class State:
    """AppState's side the dialog uses: `poll()` after queuing."""

    def __init__(self) -> None:
        self.polls = 0

    def poll(self) -> None:
        self.polls += 1


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / "cache.sqlite3")
    sheets_data.fill(s)
    yield s
    s.close()


@pytest.fixture
def edits(store: Store) -> EditService:
    return EditService(store=store)


@pytest.fixture
def state() -> State:
    return State()


@pytest.fixture
def dialog(qtbot: QtBot, store: Store, edits: EditService, state: State) -> GridImportDialog:
    d = GridImportDialog(None, store=store, edits=edits, state=state)
    qtbot.addWidget(d)
    d.show()
    return d


def pending(store: Store) -> list[Any]:
    return ChangeRepository(store).list()


def edited_csv(store: Store, level: str, path: Path, change: Callable[[dict[str, dict[str, str]]], object]) -> Path:  # fmt: skip
    export_rows(load_rows(store, level), list(columns_for(level)), path, level=level)
    rows = list(csv.DictReader(io.StringIO(path.read_text("utf-8-sig"), newline="")))
    change({r["id"]: r for r in rows})
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), "utf-8-sig")
    return path


def bad_file(store: Store, tmp_path: Path) -> Path:
    def change(rows: dict[str, dict[str, str]]) -> None:
        rows["sq-gb-young"]["daily_budget"] = "fifty"
        rows["sq-us-young"]["id"] = "sq-nowhere"
        rows["sq-jp-wide"]["name"] = "A good edit"

    return edited_csv(store, AD_SQUAD, tmp_path / "squads.csv", change)


def good_file(store: Store, tmp_path: Path) -> Path:
    def change(rows: dict[str, dict[str, str]]) -> None:
        rows["sq-gb-young"]["daily_budget"] = "50"
        rows["sq-us-brand"]["status"] = "PAUSED"

    return edited_csv(store, AD_SQUAD, tmp_path / "squads.csv", change)


def read(qtbot: QtBot, dialog: GridImportDialog, path: Path) -> ImportPlan:
    with qtbot.waitSignal(dialog.report_shown, timeout=WAIT) as blocker:
        dialog.load(path)
    plan = blocker.args[0]
    assert isinstance(plan, ImportPlan)
    return plan


# -- the report ----------------------------------------------------------------------------------


def test_an_invalid_file_shows_its_problems_and_queues_nothing(
    qtbot: QtBot, dialog: GridImportDialog, store: Store, state: State, tmp_path: Path
) -> None:
    plan = read(qtbot, dialog, bad_file(store, tmp_path))
    assert not plan.ok
    assert dialog.summary_label.text() == "0 creates, 1 update, 6 unchanged, 2 rows with problems"
    assert dialog.banner.kind == "error" and not dialog.banner.isHidden()
    assert "2 rows of squads.csv have problems. Nothing was queued." in dialog.banner.text()  # fmt: skip
    assert [dialog.table.horizontalHeaderItem(c).text() for c in range(4)] == [
        "Row", "Column", "Value", "Reason"
    ]  # fmt: skip
    assert dialog.shown_rows() == [
        ["2", "daily_budget", "fifty", "'fifty' is not an amount (type digits, e.g. 12.50)"],
        ["8", "id", "sq-nowhere", "no ad squad with id 'sq-nowhere' in the local cache: it was "
         "deleted on Snap, or its ad account is not synced (snapdesk sync)"],
    ]  # fmt: skip
    assert not dialog.queue_button.isEnabled()
    dialog.queue_changes()  # even asked directly, nothing happens
    assert dialog.job is None
    assert pending(store) == [] and state.polls == 0


def test_a_valid_file_queues_exactly_its_changes_on_queue(
    qtbot: QtBot, dialog: GridImportDialog, store: Store, state: State, tmp_path: Path
) -> None:
    plan = read(qtbot, dialog, good_file(store, tmp_path))
    assert dialog.summary_label.text() == "0 creates, 2 updates, 7 unchanged"
    assert dialog.banner.kind == "ok"
    assert "Queuing adds 2 pending changes as one undo step" in dialog.banner.text()
    assert [dialog.table.horizontalHeaderItem(c).text() for c in range(4)] == [
        "Row", "Entity", "Field", "Old → New"
    ]  # fmt: skip
    assert dialog.shown_rows() == [
        ["2", "Ad squad '18-34 ' · Harbour UK", "daily_budget", "45.00 → 50.00"],
        ["10", "Ad squad 'Wide reach' · Lumen US", "status", "ACTIVE → PAUSED"],
    ]
    assert dialog.queue_button.text() == "Queue 2 changes" and dialog.queue_button.isEnabled()
    assert pending(store) == []  # reading and checking stored nothing

    with qtbot.waitSignal(dialog.queued, timeout=WAIT) as blocker:
        qtbot.mouseClick(dialog.queue_button, Qt.MouseButton.LeftButton)
    group = blocker.args[0]
    assert dialog.result() == QDialog.DialogCode.Accepted
    queued = {c.entity_id: c for c in pending(store)}
    assert set(queued) == {"sq-gb-young", "sq-us-brand"} == {i.entity_id for i in plan.items}
    assert queued["sq-gb-young"].action == UPDATE
    assert queued["sq-gb-young"].after["daily_budget_micro"] == 50_000_000
    assert queued["sq-us-brand"].action == PAUSE
    assert {c.group_id for c in queued.values()} == {group.group_id}
    assert ChangeRepository(store).undo_label() == "Import squads.csv: 2 changes"
    assert state.polls == 1  # every view heard of it


def test_an_unchanged_export_has_nothing_to_queue(
    qtbot: QtBot, dialog: GridImportDialog, store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "ads.xlsx"
    export_rows(load_rows(store, AD), list(columns_for(AD)), path, level=AD)
    read(qtbot, dialog, path)
    assert dialog.summary_label.text() == "0 creates, 0 updates, 6 unchanged"
    assert dialog.banner.kind == "info" and "Nothing to queue" in dialog.banner.text()
    assert not dialog.queue_button.isEnabled() and dialog.table.isHidden()


def test_notes_say_what_was_not_imported(
    qtbot: QtBot, dialog: GridImportDialog, store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "c.csv"
    export_rows(load_rows(store, CAMPAIGN), list(columns_for(CAMPAIGN)), path, level=CAMPAIGN,
                date_range="Last 7 days")  # fmt: skip
    read(qtbot, dialog, path)
    assert "Not imported: 11 performance columns (stats_spend, stats_spend_usd, …)" in (
        dialog.notes_label.text()
    )


def test_a_file_that_cant_be_read_says_why(
    qtbot: QtBot, dialog: GridImportDialog, tmp_path: Path
) -> None:
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 64)
    with qtbot.waitSignal(dialog.read_failed, timeout=WAIT):
        dialog.load(tmp_path / "old.xls")
    assert dialog.banner.kind == "error"
    assert "Couldn't read old.xls." in dialog.banner.text()
    assert "Excel 97-2003 workbook" in dialog.banner.text()
    assert not dialog.queue_button.isEnabled()
    assert dialog.choose_button.text() == "Choose another file…"


def test_a_dropped_file_is_read(
    qtbot: QtBot, dialog: GridImportDialog, store: Store, tmp_path: Path
) -> None:
    path = good_file(store, tmp_path)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    enter = QDragEnterEvent(QPoint(10, 10), Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)  # fmt: skip
    dialog.dragEnterEvent(enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                      Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)  # fmt: skip
    with qtbot.waitSignal(dialog.report_shown, timeout=WAIT):
        dialog.dropEvent(drop)
    assert dialog.path == path
    other = QMimeData()
    other.setUrls([QUrl.fromLocalFile(str(tmp_path / "photo.png"))])
    refused = QDragEnterEvent(QPoint(10, 10), Qt.DropAction.CopyAction, other,
                              Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)  # fmt: skip
    dialog.dragEnterEvent(refused)
    assert not refused.isAccepted()


def test_open_import_dialog_reads_the_path_given(
    qtbot: QtBot, store: Store, edits: EditService, state: State, tmp_path: Path
) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    path = good_file(store, tmp_path)
    shown: list[object] = []
    dialog = open_import_dialog(parent, store=store, edits=edits, state=state, path=path)
    dialog.report_shown.connect(shown.append)
    qtbot.waitUntil(lambda: bool(shown), timeout=WAIT)
    assert dialog.isVisible() and dialog.queue_button.text() == "Queue 2 changes"
    dialog.reject()


# -- Cancel at every stage -----------------------------------------------------------------------


def test_cancel_before_any_file(dialog: GridImportDialog, store: Store, state: State) -> None:
    assert dialog.file_label.text().startswith("<b>Drop an exported CSV or XLSX file here</b>")
    assert not dialog.queue_button.isEnabled()
    dialog.cancel_button.click()
    assert dialog.result() == QDialog.DialogCode.Rejected and not dialog.isVisible()
    assert pending(store) == [] and state.polls == 0


def test_cancel_with_problems_shown(
    qtbot: QtBot, dialog: GridImportDialog, store: Store, state: State, tmp_path: Path
) -> None:
    read(qtbot, dialog, bad_file(store, tmp_path))
    dialog.cancel_button.click()
    assert dialog.result() == QDialog.DialogCode.Rejected
    assert pending(store) == [] and state.polls == 0


def test_cancel_with_a_valid_plan_shown_queues_nothing(
    qtbot: QtBot, dialog: GridImportDialog, store: Store, state: State, tmp_path: Path
) -> None:
    read(qtbot, dialog, good_file(store, tmp_path))
    assert dialog.queue_button.isEnabled()
    dialog.cancel_button.click()
    assert dialog.result() == QDialog.DialogCode.Rejected
    assert pending(store) == [] and state.polls == 0


def test_cancel_while_reading_closes_and_queues_nothing(
    qtbot: QtBot,
    dialog: GridImportDialog,
    store: Store,
    state: State,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started = threading.Event()

    def slow_plan(store: Store, path: Path, **kw: Any) -> ImportPlan:
        kw["progress"](0.1, f"Reading {path.name}…")
        started.set()
        assert kw["cancel"].wait(WAIT / 1000)
        raise ImportCancelled

    monkeypatch.setattr(grid_import, "plan_import", slow_plan)
    job = dialog.load(good_file(store, tmp_path))
    assert started.wait(WAIT / 1000)
    qtbot.waitUntil(lambda: dialog.progress_label.text() == "Reading squads.csv…", timeout=WAIT)
    assert not dialog.progress_row.isHidden() and not dialog.queue_button.isEnabled()
    dialog.cancel_button.click()
    assert dialog.result() == QDialog.DialogCode.Rejected and not dialog.isVisible()
    assert job.wait(WAIT / 1000)
    assert pending(store) == [] and state.polls == 0


def test_cancel_while_queuing_rolls_back_and_closes(
    qtbot: QtBot,
    dialog: GridImportDialog,
    store: Store,
    state: State,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    read(qtbot, dialog, good_file(store, tmp_path))
    real_apply = grid_import.apply
    inside = threading.Event()

    def slow_apply(plan: ImportPlan, edits: EditService, **kw: Any) -> Any:
        inside.set()
        assert kw["cancel"].wait(WAIT / 1000)  # Cancel pressed while queuing…
        return real_apply(plan, edits, **kw)  # …rolls the transaction back

    monkeypatch.setattr(grid_import, "apply", slow_apply)
    job = dialog.queue_changes()
    assert job is not None and inside.wait(WAIT / 1000)
    assert not dialog.queue_button.isEnabled() and not dialog.choose_button.isEnabled()
    with qtbot.waitSignal(dialog.rejected, timeout=WAIT):
        dialog.cancel_button.click()
        assert dialog.isVisible()  # it waits for the rollback
    assert job.wait(WAIT / 1000)
    assert pending(store) == [] and state.polls == 0
    assert ChangeRepository(store).undo_label() is None


# -- a long read -----------------------------------------------------------------------------

BIG = 30_000


@pytest.fixture
def big_file(tmp_path: Path) -> tuple[Store, Path]:
    store = Store(tmp_path / "big.sqlite3")
    account = "acc-big"
    store.replace_organizations(
        "default",
        [{"id": "org", "name": "Org"}],
        [{"id": account, "organization_id": "org", "name": "Big DE", "status": "ACTIVE",
          "currency": "EUR", "timezone": "Europe/Berlin", "type": "PARTNER"}],
    )  # fmt: skip
    store.replace_account_snapshot(
        account,
        {
            "campaigns": [{"id": "cmp", "ad_account_id": account, "name": "C", "status": "ACTIVE",
                           "daily_budget_micro": 500_000_000,
                           "start_time": "2026-01-01T00:00:00.000Z"}],
            "ad_squads": [{"id": "sq", "ad_account_id": account, "campaign_id": "cmp",
                           "name": "S", "status": "ACTIVE", "type": "SNAP_ADS",
                           "optimization_goal": "SWIPES", "bid_strategy": "AUTO_BID",
                           "daily_budget_micro": 20_000_000,
                           "targeting": {"geos": [{"country_code": "de"}]}}],
            "ads": [{"id": f"ad-{i:05d}", "ad_squad_id": "sq", "name": f"Ad {i}",
                     "status": "ACTIVE", "type": "SNAP_AD", "creative_id": "cr",
                     "review_status": "APPROVED"} for i in range(BIG)],
            "creatives": [{"id": "cr", "ad_account_id": account, "name": "Cr", "type": "SNAP_AD"}],
        },
    )  # fmt: skip
    path = tmp_path / "ads.csv"
    export_rows(load_rows(store, AD), list(columns_for(AD)), path, level=AD)
    return store, path


def test_a_long_read_can_be_stopped_and_never_freezes_the_window(
    qtbot: QtBot, big_file: tuple[Store, Path], state: State
) -> None:
    store, path = big_file
    try:
        dialog = GridImportDialog(None, store=store, edits=EditService(store=store), state=state)
        qtbot.addWidget(dialog)
        dialog.show()
        ticks: list[float] = []
        timer = QTimer()
        timer.setInterval(20)
        timer.timeout.connect(lambda: ticks.append(time.monotonic()))
        timer.start()
        fractions: list[float] = []
        job = dialog.load(path)
        job.progressed.connect(lambda f, _t: fractions.append(f))
        qtbot.waitUntil(lambda: len(fractions) >= 3, timeout=WAIT)
        assert dialog.job is job and not dialog.progress_row.isHidden()
        with qtbot.waitSignal(dialog.read_stopped, timeout=WAIT):
            qtbot.mouseClick(dialog.stop_button, Qt.MouseButton.LeftButton)
        timer.stop()
        assert dialog.banner.kind == "info"
        assert "Reading ads.csv was stopped." in dialog.banner.text()
        assert "Nothing was queued" in dialog.banner.text()
        assert dialog.plan is None and not dialog.queue_button.isEnabled()
        assert pending(store) == []
        gaps = [b - a for a, b in itertools.pairwise(ticks)]
        assert len(ticks) >= 3 and max(gaps) < 1.0  # the event loop kept running
        # and the whole file reads when left alone
        plan = read(qtbot, dialog, path)
        assert plan.summary() == f"0 creates, 0 updates, {BIG} unchanged"
    finally:
        store.close()


# -- export --------------------------------------------------------------------------------------


def message_boxes(parent: QWidget) -> list[QMessageBox]:
    return [b for b in parent.findChildren(QMessageBox) if b.isVisible()]


def test_export_writes_the_file_and_says_where(qtbot: QtBot, store: Store, tmp_path: Path) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()
    rows = load_rows(store, AD_SQUAD)
    target = tmp_path / "out" / "squads.xlsx"
    target.parent.mkdir()
    written = export_grid(parent, rows=rows, columns=columns_for(AD_SQUAD), level=AD_SQUAD,
                          path=target)  # fmt: skip
    assert written == target and target.stat().st_size > 0
    [box] = message_boxes(parent)
    assert box.text() == f"Exported 9 ad squads to {target}"
    box.accept()
    csv_target = tmp_path / "out" / "squads.csv"
    assert export_grid(parent, rows=rows, columns=columns_for(AD_SQUAD), level=AD_SQUAD,
                       path=csv_target) == csv_target  # fmt: skip
    assert csv_target.read_bytes().startswith(b"\xef\xbb\xbfid,ad_account_id,campaign_id,")


def test_export_failures_name_the_path_and_the_cause(
    qtbot: QtBot, store: Store, tmp_path: Path
) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()
    rows = load_rows(store, CAMPAIGN)
    (tmp_path / "a-file").write_text("not a folder")
    missing = tmp_path / "a-file" / "c.xlsx"
    assert export_grid(parent, rows=rows, columns=columns_for(CAMPAIGN), level=CAMPAIGN,
                       path=missing) is None  # fmt: skip
    [box] = message_boxes(parent)
    assert box.windowTitle() == "Couldn't export"
    assert str(missing) in box.text()
    assert not missing.exists()
    box.accept()
    cache = Paths.from_env().ensure().database  # snapdesk's own cache, under a .csv name
    cache.write_bytes(b"SQLite format 3\x00 the user's cache")
    link = tmp_path / "cache.csv"
    link.symlink_to(cache)
    assert export_grid(parent, rows=rows, columns=columns_for(CAMPAIGN), level=CAMPAIGN,
                       path=link) is None  # fmt: skip
    [box] = message_boxes(parent)
    assert "snapdesk's local cache" in box.text() and str(link) in box.text()
    assert cache.read_bytes() == b"SQLite format 3\x00 the user's cache" and link.is_symlink()


def test_the_export_file_dialog_offers_xlsx_and_csv(
    qtbot: QtBot, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[tuple[str, str]] = []

    def fake_dialog(parent: Any, title: str, start: str, filters: str, selected: str) -> tuple[str, str]:  # fmt: skip
        asked.append((start, filters))
        return str(tmp_path / "chosen"), grid_import.EXPORT_FILTERS[1]

    monkeypatch.setattr(grid_import.QFileDialog, "getSaveFileName", staticmethod(fake_dialog))
    parent = QWidget()
    qtbot.addWidget(parent)
    rows = load_rows(store, AD)
    written = export_grid(parent, rows=rows, columns=columns_for(AD), level=AD)
    assert written == tmp_path / "chosen.csv" and written.exists()
    [(start, filters)] = asked
    assert Path(start).name.startswith("ads-") and start.endswith(".xlsx")
    assert filters == "Excel workbook (*.xlsx);;CSV, UTF-8 (*.csv)"
    QApplication.processEvents()
