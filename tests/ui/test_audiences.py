"""The Audiences page, the list upload dialog and the offline "Prepare list" window, against a
real sandbox over loopback HTTP and a cache synced from it."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from snapdesk.api import SnapApi
from snapdesk.audience import hash_file, inspect_file
from snapdesk.changes import ChangeRepository, SegmentUploads
from snapdesk.core.kinds import SEGMENT
from snapdesk.sandbox import SandboxServer
from snapdesk.store import Store
from snapdesk.ui.dialogs.list_upload import CHECK, PREVIEW, SEND, ListUploadDialog
from snapdesk.ui.dialogs.prepare_list import PrepareListWindow
from snapdesk.ui.models.segments import (
    FEW_USERS_TIP,
    NAME,
    NOTHING_UPLOADED_TIP,
    RETENTION,
    USERS,
    SegmentsModel,
    segment_items,
)
from snapdesk.ui.session import Session
from snapdesk.ui.views.audiences import AudiencesPage, open_prepare_list_window
from tests.ui.changes_env import (
    clear_recorded,
    control,
    recorded,
    recorded_writes,
    reset,
    sync,
    usd_account,
)

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"


@pytest.fixture
def synced(
    server: SandboxServer,
    api: SnapApi,
    store: Store,
    qapp: QApplication,
    qloop: asyncio.AbstractEventLoop,
) -> Store:
    reset(server)
    control(server, "POST", "segment_processing", {"seconds": 0.5})
    sync(qapp, qloop, api, store)
    clear_recorded(server)
    return store


def make_page(
    qtbot: QtBot,
    store: Store,
    loop: asyncio.AbstractEventLoop,
    api: SnapApi | None,
    live: bool = False,
) -> AudiencesPage:
    session = Session(store=store, loop=loop, api=api, profile="default")
    session.live_mode.set(live)  # the session's one owner; the page only reads it
    page = AudiencesPage(
        session=session,
        ad_account_id=usd_account(store).id,
        poll_seconds=0.1,
    )
    qtbot.addWidget(page)
    page.resize(1200, 600)
    page.show()
    return page


def drop_file(widget: object, path: Path, pos: QPointF | None = None) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(
        pos or QPointF(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    widget.dropEvent(event)  # type: ignore[attr-defined]


def checked(qtbot: QtBot, dialog: ListUploadDialog, timeout: int = 60_000) -> None:
    assert dialog.start_check()
    qtbot.waitUntil(lambda: dialog.report is not None and not dialog.check.running, timeout=timeout)


def few_users_rows(page: AudiencesPage) -> list[str]:
    model = page.model
    return [
        model.index(r, NAME).data()
        for r in range(model.rowCount())
        if model.index(r, USERS).data(Qt.ItemDataRole.ToolTipRole) == FEW_USERS_TIP
    ]


# -- the segments table ------------------------------------------------------------------------


def test_model_passes_the_model_tester(qtmodeltester: object, synced: Store) -> None:
    account = usd_account(synced)
    model = SegmentsModel()
    model.set_items(segment_items(synced.segments(account.id), []))
    qtmodeltester.check(model)  # type: ignore[attr-defined]


def test_page_lists_segments_with_the_few_users_warning(
    qtbot: QtBot, synced: Store, api: SnapApi, qloop: asyncio.AbstractEventLoop
) -> None:
    page = make_page(qtbot, synced, qloop, api)
    account = usd_account(synced)
    segments = synced.segments(account.id)
    assert page.model.rowCount() == len(segments) > 0
    names = {page.model.index(r, NAME).data() for r in range(page.model.rowCount())}
    assert names == {s.name for s in segments}
    few = {
        s.name
        for s in segments
        if s.data["approximate_number_users"] < 1000 and s.data["upload_status"] == "COMPLETE"
    }
    assert few and set(few_users_rows(page)) == few
    empty = [s for s in segments if s.data["upload_status"] == "NO_UPLOAD"]
    assert empty  # a new segment is empty, not "too small": no warning, a hint instead
    for s in empty:
        index = page.model.index(page.model.row_of(s.id), USERS)
        assert index.data(Qt.ItemDataRole.ToolTipRole) == NOTHING_UPLOADED_TIP
    lifetime = [s for s in segments if s.data["retention_in_days"] == 9999]
    for s in lifetime:
        row = page.model.row_of(s.id)
        assert page.model.index(row, RETENTION).data() == "Lifetime"
    big = next(s for s in segments if s.data["approximate_number_users"] >= 1000)
    row = page.model.row_of(big.id)
    assert page.model.index(row, USERS).data() == f"{big.data['approximate_number_users']:,}"
    assert "below 1,000 users" in page.count_label.text()


def test_create_edit_delete_are_queued_as_pending_changes(
    qtbot: QtBot, synced: Store, api: SnapApi, qloop: asyncio.AbstractEventLoop
) -> None:
    page = make_page(qtbot, synced, qloop, api)
    dialog = page.open_segment_dialog(None)
    dialog.name_edit.setText("Loyalty members")
    dialog.lifetime_check.setChecked(True)
    dialog._on_buttons_accepted()
    assert "Queued — post it from Pending Changes" in page.message.text()
    item = next(i for i in page.model.items if i.name == "Loyalty members")
    assert item.queued_create and item.retention_days == 9999

    first = next(i for i in page.model.items if not i.queued_create)
    dialog = page.open_segment_dialog(first)
    dialog.description_edit.setText("Edited here")
    dialog._on_buttons_accepted()
    edited = page.model.item(page.model.row_of(first.id))
    assert edited is not None and edited.pending == "update"
    assert edited.description == "Edited here"

    target = next(i for i in page.model.items if not i.pending)
    page.table.selectionModel().select(
        page.model.index(page.model.row_of(target.id), 0),
        page.table.selectionModel().SelectionFlag.Select
        | page.table.selectionModel().SelectionFlag.Rows,
    )
    page.delete_button.click()
    box = page.confirm_box
    assert box is not None and box.isVisible()
    delete = next(
        b for b in box.buttons() if box.buttonRole(b) == QMessageBox.ButtonRole.DestructiveRole
    )
    delete.click()
    qtbot.waitUntil(lambda: page.confirm_box is None)
    changes = ChangeRepository(synced).list()
    actions = sorted((c.kind, c.action) for c in changes if c.is_open)
    assert actions == [(SEGMENT, "create"), (SEGMENT, "delete"), (SEGMENT, "update")]
    deleted = page.model.item(page.model.row_of(target.id))
    assert deleted is not None and deleted.pending == "delete"


# -- drop, preview, check ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sample", "columns"),
    [
        ("emails.csv", {"email": "email"}),
        ("phones.csv", {"phone": "phone"}),
        ("messy_export.csv", {"E-Mail": "email", "Mobile": "phone"}),
    ],
)
def test_dropped_file_shows_a_preview_with_detected_columns(
    qtbot: QtBot,
    synced: Store,
    api: SnapApi,
    qloop: asyncio.AbstractEventLoop,
    sample: str,
    columns: dict[str, str],
) -> None:
    page = make_page(qtbot, synced, qloop, api)
    drop_file(page, SAMPLES / sample)
    dialog = page.upload_dialog
    assert dialog is not None and dialog.isVisible() and dialog.page == PREVIEW
    info = dialog.preview.info
    assert info is not None
    detected = {c.name: c.detected for c in info.columns if c.detected}
    assert detected == columns
    table = dialog.preview.table
    headers = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    assert set(columns) <= set(headers)
    assert table.rowCount() == 1 + len(info.preview)
    assert dialog.next_button.isEnabled()
    dialog.reject()


def test_drop_on_a_segment_row_targets_it(
    qtbot: QtBot, synced: Store, api: SnapApi, qloop: asyncio.AbstractEventLoop
) -> None:
    page = make_page(qtbot, synced, qloop, api)
    item = page.model.items[1]
    rect = page.table.visualRect(page.model.index(1, NAME))
    drop_file(page.table, SAMPLES / "emails.csv", QPointF(rect.center()))
    dialog = page.upload_dialog
    assert dialog is not None
    assert dialog.target_combo.currentData() == item.id
    dialog.reject()


def test_check_report_equals_hash_file(
    qtbot: QtBot,
    synced: Store,
    api: SnapApi,
    qloop: asyncio.AbstractEventLoop,
    tmp_path: Path,
) -> None:
    page = make_page(qtbot, synced, qloop, api)
    dialog = page.open_upload(SAMPLES / "messy_export.csv")
    dialog.preview.set_default_country("DE")
    checked(qtbot, dialog)
    assert dialog.page == CHECK
    report = dialog.report
    assert report is not None
    expected = hash_file(
        SAMPLES / "messy_export.csv", output=tmp_path / "out.csv", default_country="DE"
    )
    assert report.to_json() | {"elapsed_s": 0, "rejects_file": None, "lists": None} == (
        expected.to_json() | {"elapsed_s": 0, "rejects_file": None, "lists": None}
    )
    shown = dialog.check.numbers_shown()
    assert shown["Rows read"] == f"{expected.rows:,}"
    assert shown["Rejected"] == f"{expected.rejected:,}"
    assert shown["Duplicates"] == f"{expected.duplicates:,}"
    assert shown["Already hashed"] == f"{expected.prehashed:,}"
    for item in expected.lists:
        label = {"EMAIL_SHA256": "Valid emails", "PHONE_SHA256": "Valid phones"}[item.schema]
        assert shown[label] == f"{item.valid:,}"
    reasons = {
        dialog.check.reasons.item(r, 0).text(): dialog.check.reasons.item(r, 1).text()
        for r in range(dialog.check.reasons.rowCount())
    }
    assert len(reasons) == len(expected.reasons)
    assert sum(int(v.replace(",", "")) for v in reasons.values()) == expected.rejected
    # the rejects file can be saved
    assert dialog.save_rejects_button.isEnabled() == (expected.rejected > 0)
    if expected.rejected:
        saved = dialog.save_rejects(tmp_path / "rejects.csv")
        assert saved is not None and saved.read_text(encoding="utf-8").count("\n") >= 2
    dialog.reject()


def test_type_override_and_country(
    qtbot: QtBot, synced: Store, api: SnapApi, qloop: asyncio.AbstractEventLoop
) -> None:
    page = make_page(qtbot, synced, qloop, api)
    dialog = page.open_upload(SAMPLES / "messy_export.csv")
    info = dialog.preview.info
    assert info is not None
    mobile = next(c.index for c in info.columns if c.name == "Mobile")
    dialog.preview.set_column_type(mobile, "ignore")
    checked(qtbot, dialog)
    assert dialog.report is not None and dialog.report.schemas == ("EMAIL_SHA256",)
    dialog.reject()


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"", "empty"),
        (bytes(range(256)) * 64, "binary"),
        (b"email\n", "header"),
    ],
)
def test_malformed_files_show_a_clear_message(
    qtbot: QtBot,
    synced: Store,
    api: SnapApi,
    qloop: asyncio.AbstractEventLoop,
    tmp_path: Path,
    content: bytes,
    fragment: str,
) -> None:
    page = make_page(qtbot, synced, qloop, api)
    bad = tmp_path / "bad.csv"
    bad.write_bytes(content)
    drop_file(page, bad)
    dialog = page.upload_dialog
    assert dialog is not None
    if dialog.usable:  # a header-only file inspects fine; its check says what is wrong
        assert dialog.start_check()
        qtbot.waitUntil(lambda: not dialog.check.running, timeout=30_000)
        banner = dialog.check.message
    else:
        banner = dialog.error
        assert not dialog.next_button.isEnabled()
    assert banner.isVisible()
    assert fragment in banner.text().lower() and "bad.csv" in banner.text()
    dialog.reject()
    window = PrepareListWindow()
    qtbot.addWidget(window)
    if window.load_file(bad):
        assert window.start_check() is not None
        qtbot.waitUntil(lambda: not window.check.running, timeout=30_000)
        assert not window.check.message.isHidden()
    else:
        assert not window.error.isHidden() and "bad.csv" in window.error.text()
    assert not window.save_button.isEnabled()


# -- dry-run and upload ------------------------------------------------------------------------


def test_dry_run_preview_sends_no_write(
    qtbot: QtBot,
    server: SandboxServer,
    synced: Store,
    api: SnapApi,
    qloop: asyncio.AbstractEventLoop,
) -> None:
    page = make_page(qtbot, synced, qloop, api, False)
    dialog = page.open_upload(SAMPLES / "emails.csv")
    checked(qtbot, dialog)
    dialog._on_next_button_clicked()
    assert dialog.page == SEND
    dialog.target_combo.setCurrentIndex(dialog.target_combo.findData("__new__"))
    dialog.new_name.setText("Newsletter")
    dialog.dry_run_button.click()
    rehearsal = dialog.rehearsal
    assert rehearsal is not None and rehearsal.segment_request is not None
    text = dialog.rehearsal_view.toPlainText()
    assert "POST /adaccounts/" in text and "1 batch of at most 100,000" in text
    sample = rehearsal.samples["EMAIL_SHA256"][0]
    assert len(sample) == 64 and sample in text
    raw = (SAMPLES / "emails.csv").read_text(encoding="utf-8").splitlines()[1:]
    assert not any(v.strip().lower() in text.lower() for v in raw if v.strip())
    # not live: no way to upload
    assert not dialog.live_check.isEnabled() and not dialog.upload_button.isEnabled()
    assert dialog.start_upload() is None
    assert not [r for r in recorded(server) if r["method"] in ("POST", "DELETE", "PUT")]
    assert not ChangeRepository(synced).list()
    dialog.reject()


def test_replace_is_confirmed(
    qtbot: QtBot, synced: Store, api: SnapApi, qloop: asyncio.AbstractEventLoop
) -> None:
    page = make_page(qtbot, synced, qloop, api)
    dialog = page.open_upload(SAMPLES / "emails.csv")
    checked(qtbot, dialog)
    dialog._on_next_button_clicked()
    dialog.target_combo.setCurrentIndex(0)
    dialog.mode_buttons["replace"].click()
    box = dialog.confirm_box
    assert box is not None and "removes every user from the segment, then adds this list" in (
        box.text()
    )
    box.button(QMessageBox.StandardButton.Cancel).click()
    qtbot.waitUntil(lambda: dialog.confirm_box is None)
    assert dialog.mode == "add" and dialog.mode_buttons["add"].isChecked()
    dialog.mode_buttons["replace"].click()
    box = dialog.confirm_box
    assert box is not None
    replace = next(
        b for b in box.buttons() if box.buttonRole(b) == QMessageBox.ButtonRole.DestructiveRole
    )
    replace.click()
    qtbot.waitUntil(lambda: dialog.confirm_box is None)
    assert dialog.mode == "replace"
    rehearsal = dialog.rehearse()
    assert rehearsal is not None and rehearsal.batches[0].path.endswith("/all_users")
    dialog.reject()


def test_live_upload_sends_every_id_and_polls_until_complete(
    qtbot: QtBot,
    server: SandboxServer,
    synced: Store,
    api: SnapApi,
    qloop: asyncio.AbstractEventLoop,
    tmp_path: Path,
) -> None:
    rows = 150_001
    big = tmp_path / "crm.csv"
    big.write_text(
        "email\n" + "".join(f"person{i}@example.com\n" for i in range(rows)), encoding="utf-8"
    )
    live = True
    page = make_page(qtbot, synced, qloop, api, live)
    dialog = page.open_upload(big)
    checked(qtbot, dialog)
    dialog._on_next_button_clicked()
    dialog.target_combo.setCurrentIndex(dialog.target_combo.findData("__new__"))
    dialog.new_name.setText("CRM")
    assert dialog.live_check.isEnabled()
    dialog.live_check.setChecked(True)
    assert dialog.upload_button.isEnabled() and dialog.upload_button.text() == "Upload"
    batches_seen: list[int] = []
    phases: list[str] = []

    def on_progress(progress: object) -> None:
        batches_seen.append(progress.batches_done)  # type: ignore[attr-defined]
        phases.append(progress.phase)  # type: ignore[attr-defined]

    dialog.upload_button.click()
    assert dialog.upload_op is not None
    dialog.upload_op.progressed.connect(on_progress)
    assert dialog.cancel_upload_button.isVisible() and not dialog.upload_button.isVisible()
    qtbot.waitUntil(lambda: dialog.upload_result is not None, timeout=60_000)
    result = dialog.upload_result
    assert result is not None and result.outcome.ok, dialog.error.text()
    assert result.segment is not None and result.segment["upload_status"] == "COMPLETE"
    assert result.segment["approximate_number_users"] == 150_000  # sandbox rounds to 100
    segment_id = result.segment["id"]
    assert server.state.segment_user_count(segment_id) == rows
    posts = [r for r in recorded_writes(server) if r["path"].endswith("/users")]
    assert len(posts) == 2
    assert max(batches_seen) == 2 and "processing" in phases and phases[-1] == "complete"
    assert dialog.status_chip.text() == "COMPLETE"
    # the page shows the new segment COMPLETE
    qtbot.waitUntil(lambda: page.model.row_of(segment_id) >= 0)
    item = page.model.item(page.model.row_of(segment_id))
    assert item is not None and item.upload_status == "COMPLETE" and not item.few_users
    dialog.accept()


def test_cancelled_upload_offers_resume_and_resumes(
    qtbot: QtBot,
    server: SandboxServer,
    synced: Store,
    api: SnapApi,
    qloop: asyncio.AbstractEventLoop,
    tmp_path: Path,
) -> None:
    big = tmp_path / "crm.csv"
    big.write_text(
        "email\n" + "".join(f"member{i}@example.com\n" for i in range(250_001)), encoding="utf-8"
    )
    account = usd_account(synced)
    segment = next(s for s in synced.segments(account.id))
    page = make_page(qtbot, synced, qloop, api, True)
    dialog = page.open_upload(big, segment.id)
    checked(qtbot, dialog)
    dialog._on_next_button_clicked()
    dialog.live_check.setChecked(True)
    op = dialog.start_upload()
    assert op is not None

    def cancel_after_first(progress: object) -> None:
        if progress.batches_done >= 1:  # type: ignore[attr-defined]
            dialog.cancel_upload()

    op.progressed.connect(cancel_after_first)
    qtbot.waitUntil(lambda: dialog.upload_result is not None, timeout=60_000)
    assert dialog.upload_result is not None and dialog.upload_result.outcome.cancelled
    sent = dialog.upload_result.outcome.upload.batches_sent
    assert 1 <= sent < 3
    assert dialog.upload_button.text() == f"Resume upload (batch {sent + 1} of 3)"
    dialog.reject()
    # the page offers it too (after a restart the journal is all it needs)
    page.refresh()
    assert page.resume_banner.isVisible()
    assert page.resume_button.text() == f"Resume upload (batch {sent + 1} of 3)"
    before = len([r for r in recorded_writes(server) if r["path"].endswith("/users")])
    assert before == sent
    resumed = page.resume(SegmentUploads(api=api, store=synced).unfinished()[0])
    assert resumed is not None
    qtbot.waitUntil(lambda: page.resume_op is None, timeout=60_000)
    posts = [r for r in recorded_writes(server) if r["path"].endswith("/users")]
    assert len(posts) == 3
    assert server.state.segment_user_count(segment.id) == 250_001
    assert not page.resume_banner.isVisible()
    item = page.model.item(page.model.row_of(segment.id))
    assert item is not None and item.upload_status == "COMPLETE"


def test_upload_journal_is_prepared_off_the_gui_thread(
    qtbot: QtBot,
    synced: Store,
    api: SnapApi,
    qloop: asyncio.AbstractEventLoop,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import threading as _threading

    from snapdesk.ui.ops import audiences as audience_ops

    src = tmp_path / "crm.csv"
    src.write_text("email\n" + "".join(f"p{i}@example.com\n" for i in range(2000)))
    account = usd_account(synced)
    segment = next(s for s in synced.segments(account.id))
    page = make_page(qtbot, synced, qloop, api, True)
    dialog = page.open_upload(src, segment.id)
    checked(qtbot, dialog)
    dialog._on_next_button_clicked()
    dialog.live_check.setChecked(True)
    gui = _threading.current_thread()
    release = _threading.Event()
    seen: list[object] = []
    real = audience_ops.start_upload

    def slow_start(*args: object, **kwargs: object) -> object:
        seen.append(_threading.current_thread())
        release.wait(10)  # a big list: the journal takes a while to store
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(audience_ops, "start_upload", slow_start)
    op = dialog.start_upload()
    assert op is not None
    qtbot.waitUntil(lambda: bool(seen))
    assert seen[0] is not gui
    assert dialog.upload_label.text() == "Preparing batches…"
    assert dialog.upload_bar.maximum() == 0  # busy indicator
    ticks: list[int] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(10)
    qtbot.waitUntil(lambda: len(ticks) >= 5, timeout=2000)  # the event loop keeps running
    timer.stop()
    release.set()
    qtbot.waitUntil(lambda: dialog.upload_result is not None, timeout=60_000)
    assert dialog.upload_result is not None and dialog.upload_result.outcome.ok


def test_upload_that_cannot_be_prepared_says_why_and_sends_nothing(
    qtbot: QtBot,
    server: SandboxServer,
    synced: Store,
    api: SnapApi,
    qloop: asyncio.AbstractEventLoop,
    tmp_path: Path,
) -> None:
    src = tmp_path / "crm.csv"
    src.write_text("email\n" + "".join(f"q{i}@example.com\n" for i in range(1500)))
    account = usd_account(synced)
    segment = next(s for s in synced.segments(account.id))
    page = make_page(qtbot, synced, qloop, api, True)
    dialog = page.open_upload(src, segment.id)
    checked(qtbot, dialog)
    dialog._on_next_button_clicked()
    dialog.live_check.setChecked(True)
    assert dialog.report is not None
    hashed = dialog.report.lists[0].output
    assert hashed is not None
    hashed.write_text("EMAIL_SHA256\nnot-a-hash\n")  # the checked list was damaged meanwhile
    before = len(recorded_writes(server))
    op = dialog.start_upload()
    assert op is not None
    qtbot.waitUntil(lambda: dialog.upload_op is None, timeout=30_000)
    assert dialog.upload_label.text() == "Upload not started"
    assert dialog.error.isVisible() and hashed.name in dialog.error.text()
    assert "Error" not in dialog.error.text().split(":")[0]  # no exception class name
    assert len(recorded_writes(server)) == before


# -- hashing in the background -----------------------------------------------------------------


def test_cancel_during_hashing_leaves_no_output(
    qtbot: QtBot, tmp_path: Path, qapp: QApplication
) -> None:
    big = tmp_path / "big.csv"
    with big.open("w", encoding="utf-8") as fh:
        fh.write("email;name\n")  # two columns: the row path, slow enough to cancel
        fh.writelines(f"someone{i}@example.com;x\n" for i in range(400_000))
    window = PrepareListWindow()
    qtbot.addWidget(window)
    assert window.load_file(big)
    job = window.start_check()
    assert job is not None
    qtbot.waitUntil(lambda: window.check.progress_bar.value() > 0, timeout=30_000)
    window.check.cancel_button.click()
    qtbot.waitUntil(lambda: not window.check.running, timeout=30_000)
    assert window.report is None
    assert "cancelled" in window.check.message.text().lower()
    assert list(window._workdir.iterdir()) == []
    assert not window.save_button.isEnabled()


@pytest.mark.parametrize("kind", ["email", "phone"])
def test_ui_stays_responsive_while_hashing_a_million_rows(
    qtbot: QtBot, tmp_path: Path, qapp: QApplication, kind: str
) -> None:
    rows = 1_000_000
    big = tmp_path / "million.csv"
    with big.open("w", encoding="utf-8") as fh:
        fh.write(f"{kind}\n")
        if kind == "email":
            fh.writelines(f"Customer.{i}@Example.com\n" for i in range(rows))
        else:  # hashed on worker threads too (the C accelerator releases the GIL)
            fh.writelines(f"+44 7{i % 1000:03d} {i:06d}\n" for i in range(rows))
    window = PrepareListWindow()
    qtbot.addWidget(window)
    window.show()
    assert window.load_file(big)
    gaps: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(tick)
    timer.start()
    started = time.perf_counter()
    last[0] = started
    assert window.start_check() is not None
    qtbot.waitUntil(lambda: not window.check.running, timeout=120_000)
    elapsed = time.perf_counter() - started
    timer.stop()
    assert window.report is not None and window.report.rows == rows
    longest = max(gaps)
    print(
        f"\nhashed {rows:,} rows in {elapsed:.2f} s; longest event-loop gap {longest * 1000:.1f} ms"
    )
    assert longest <= 0.100


# -- offline window ----------------------------------------------------------------------------


def test_offline_window_saves_the_design_format(
    qtbot: QtBot, tmp_path: Path, qapp: QApplication
) -> None:
    window = open_prepare_list_window(parent=None)
    qtbot.addWidget(window)
    assert isinstance(window, PrepareListWindow)
    drop_file(window, SAMPLES / "messy_export.csv")
    assert window.path == SAMPLES / "messy_export.csv"
    window.preview.set_default_country("DE")
    assert window.start_check() is not None
    qtbot.waitUntil(lambda: window.report is not None and not window.check.running, timeout=60_000)
    assert window.save_button.isEnabled()
    written = window.save_list(tmp_path / "crm.csv")
    assert [p.name for p in written] == ["crm.EMAIL_SHA256.csv", "crm.PHONE_SHA256.csv"]
    expected_dir = tmp_path / "cli"
    expected_dir.mkdir()
    hash_file(
        SAMPLES / "messy_export.csv",
        output=expected_dir / "crm.csv",
        default_country="DE",
        info=inspect_file(SAMPLES / "messy_export.csv"),
    )
    for path in written:
        data = path.read_bytes()
        assert data == (expected_dir / path.name).read_bytes()
        lines = data.decode("ascii").splitlines()
        assert lines[0] == path.name.split(".")[1]
        assert all(len(h) == 64 and h == h.lower() for h in lines[1:])
        assert len(set(lines[1:])) == len(lines) - 1
    rejects = window.save_rejects(tmp_path / "rejects.csv")
    assert rejects is not None and rejects.exists()
    assert "Saved" in window.saved.text()
