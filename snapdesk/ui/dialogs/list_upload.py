"""The customer-list upload dialog: preview → check → send.

1. Preview: the first rows with the detected identifier columns, a type per column, the
   default country.
2. Check: `hash_file` in a worker thread (progress, Cancel), then the report; "Save rejects…".
3. Send: Add, Remove or Replace (confirmed), the target segment (or a new one), "Preview
   (dry-run)" with the segment request, the number of batches and a sample of hashes; "Upload"
   (live only) with progress per batch, Cancel, and "Resume upload (batch k of n)" when this
   list's upload to this target was interrupted. Afterwards Snap's processing is polled until
   the segment's upload_status is COMPLETE.

Signals: `segments_changed()` whenever the cache's segments may have changed (new segment,
processing status), `uploaded(UploadResult)` when an upload has finished.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

import shiboken6
from PySide6.QtCore import QSize, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from snapdesk.audience import (
    RETENTION_DEFAULT,
    RETENTION_LIFETIME,
    HashReport,
    InputError,
    UploadResult,
    inspect_file,
    new_segment_fields,
    rehearse_upload,
)
from snapdesk.audience.outputs import save_outputs, save_problem
from snapdesk.changes import ChangeError, SegmentUpload, SegmentUploads, UploadProgress
from snapdesk.changes.mode import LiveMode
from snapdesk.changes.segment_uploads import UploadRehearsal
from snapdesk.core import workdirs
from snapdesk.core.outputs import OutputClash
from snapdesk.ui.dialogs._widgets import Banner, hint
from snapdesk.ui.dialogs.prepare_list import CheckPanel, ListPreview, ask_path, chip
from snapdesk.ui.models.segments import FEW_USERS_TIP, SegmentItem
from snapdesk.ui.ops._op import AsyncOp, error_message
from snapdesk.ui.ops.audiences import (
    PrepareFailed,
    find_resumable,
    prepare_and_send_upload,
    resume_label,
)

PREVIEW, CHECK, SEND = range(3)
STEPS: Final = ("1  Preview", "2  Check", "3  Send")
NEW_SEGMENT: Final = "__new__"
REPLACE_TEXT: Final = "removes every user from the segment, then adds this list"
MODE_TEXTS: Final = {
    "add": "Add these users to the segment",
    "remove": "Remove these users from the segment",
    "replace": f"Replace: {REPLACE_TEXT}",
}


def describe_rehearsal(rehearsal: UploadRehearsal, *, mode: str) -> str:
    """The dry-run as text: the segment request, the batches, hashes only (never raw values)."""
    lines = []
    total = sum(rehearsal.identifiers.values())
    users_batches = sum(1 for b in rehearsal.batches if b.schema is not None)
    lines.append(
        f"DRY-RUN — nothing is sent. {mode.capitalize()}: {total:,} hashed identifiers in "
        f"{users_batches} batch{'es' if users_batches != 1 else ''} of at most 100,000."
    )
    if rehearsal.segment_request is not None:
        request = rehearsal.segment_request
        lines += ["", "Segment request:", f"{request.method} {request.path}"]
        lines.append(json.dumps(request.body, indent=2, ensure_ascii=False))
    lines += ["", "Batches:"]
    for batch in rehearsal.batches:
        what = batch.schema or "all users"
        count = f"{batch.identifiers:,} ids" if batch.schema else "remove everyone first"
        lines.append(f"  {batch.seq + 1}. {batch.method} {batch.path}  [{what}] {count}")
    lines += ["", "Sample of hashed identifiers (SHA-256):"]
    for schema, hashes in rehearsal.samples.items():
        lines.append(f"  {schema}")
        lines += [f"    {h}" for h in hashes]
    return "\n".join(lines)


class ListUploadDialog(QDialog):
    segments_changed = Signal()
    uploaded = Signal(object)

    def __init__(
        self,
        *,
        path: str | Path,
        ad_account_id: str,
        segments: Sequence[SegmentItem],
        target_segment_id: str | None = None,
        live_mode: LiveMode,
        uploads_factory: Callable[[], SegmentUploads | None],
        loop: Any,
        default_country: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """`default_country`: the country preselected for phone numbers (the Preferences)."""
        super().__init__(parent)
        self.setWindowTitle("Upload customer list")
        self.path = Path(path)
        self.ad_account_id = ad_account_id
        self.segments = [s for s in segments if not s.queued_create]
        self._live_mode = live_mode  # the session's owner: read, never copied
        self._uploads_factory = uploads_factory
        self._loop = loop
        self._workdir = workdirs.make("list")  # swept at the next start after a crash
        self.rehearsal: UploadRehearsal | None = None
        self.upload: SegmentUpload | None = None
        self.upload_op: AsyncOp | None = None
        self.upload_result: UploadResult | None = None
        self._cancel_upload = threading.Event()
        self.confirm_box: QMessageBox | None = None
        self.file_dialog: QFileDialog | None = None
        self._mode = "add"
        self._log_line = ""
        self._setup_ui()
        self.preview.set_default_country(default_country)
        self.usable = self._load(target_segment_id)
        self.finished.connect(self._on_finished)

    def sizeHint(self) -> QSize:
        return QSize(980, 720)

    # -- construction ------------------------------------------------------------------------

    def _setup_ui(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.setSpacing(10)
        top = QHBoxLayout()
        title = QLabel(f"Upload {self.path.name}")
        title.setObjectName("dialogTitle")
        top.addWidget(title)
        top.addStretch(1)
        self.step_labels = []
        for text in STEPS:
            label = QLabel(text)
            self.step_labels.append(label)
            top.addWidget(label)
        layout.addLayout(top)
        self.error = Banner("error")
        self.error.hide()
        layout.addWidget(self.error)
        self.pages = QStackedWidget()
        layout.addWidget(self.pages, 1)
        # 1: preview
        self.preview = ListPreview()
        self.preview.changed.connect(self._on_preview_changed)
        self.pages.addWidget(self.preview)
        # 2: check
        self.check = CheckPanel()
        self.check.checked.connect(self._on_check_checked)
        self.check.ended.connect(self._on_check_ended)
        self.pages.addWidget(self.check)
        # 3: send
        self.pages.addWidget(self._send_page())
        # buttons
        buttons = QHBoxLayout()
        self.back_button = QPushButton("Back")
        self.back_button.clicked.connect(self._on_back_button_clicked)
        self.save_rejects_button = QPushButton("Save rejects…")
        self.save_rejects_button.clicked.connect(self._on_save_rejects_button_clicked)
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.reject)
        self.next_button = QPushButton("Check list")
        self.next_button.setObjectName("primaryButton")
        self.next_button.setDefault(True)
        self.next_button.clicked.connect(self._on_next_button_clicked)
        buttons.addWidget(self.back_button)
        buttons.addWidget(self.save_rejects_button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.next_button)
        layout.addLayout(buttons)

    def _send_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        self.summary = QLabel()
        self.summary.setObjectName("sectionTitle")
        layout.addWidget(self.summary)
        form_card = QFrame()
        form_card.setObjectName("card")
        form = QFormLayout(form_card)
        form.setContentsMargins(14, 12, 14, 12)
        form.setHorizontalSpacing(16)
        self.target_combo = QComboBox()
        for item in self.segments:
            users = f"{item.users:,} users" if item.users is not None else "no users yet"
            self.target_combo.addItem(f"{item.name}  ({users})", item.id)
        self.target_combo.addItem("New segment…", NEW_SEGMENT)
        self.target_combo.currentIndexChanged.connect(self._on_target_combo_changed)
        form.addRow("Segment", self.target_combo)
        self.new_name = QLineEdit()
        self.new_name.setPlaceholderText("Name of the new segment")
        self.new_name.setText(self.path.stem.replace("_", " ").capitalize())
        self.new_name.textChanged.connect(self._on_target_edited)
        self.retention = QSpinBox()
        self.retention.setRange(1, RETENTION_LIFETIME)
        self.retention.setValue(RETENTION_DEFAULT)
        self.retention.setSuffix(" days")
        self.retention.setAccessibleName("Retention in days")
        self.retention.setMinimumWidth(120)
        self.retention.valueChanged.connect(self._on_target_edited)
        self.lifetime = QCheckBox("Lifetime")
        self.lifetime.toggled.connect(self._on_lifetime_toggled)
        retention_row = QHBoxLayout()
        retention_row.addWidget(self.retention)
        retention_row.addWidget(self.lifetime)
        retention_row.addStretch(1)
        self.new_name_label = QLabel("New segment name")
        self.retention_label = QLabel("Retention")
        form.addRow(self.new_name_label, self.new_name)
        form.addRow(self.retention_label, retention_row)
        mode_row = QVBoxLayout()
        self.mode_group = QButtonGroup(self)
        self.mode_buttons: dict[str, QRadioButton] = {}
        for mode, text in MODE_TEXTS.items():
            button = QRadioButton(text)
            button.setObjectName(f"mode_{mode}")
            self.mode_group.addButton(button)
            self.mode_buttons[mode] = button
            mode_row.addWidget(button)
        self.mode_buttons["add"].setChecked(True)
        for button in self.mode_buttons.values():
            button.toggled.connect(self._on_mode_button_toggled)
        form.addRow("Action", mode_row)
        layout.addWidget(form_card)
        actions = QHBoxLayout()
        self.dry_run_button = QPushButton("Preview (dry-run)")
        self.dry_run_button.clicked.connect(self._on_dry_run_button_clicked)
        actions.addWidget(self.dry_run_button)
        actions.addStretch(1)
        self.live_check = QCheckBox("Send now (live)")
        self.live_check.toggled.connect(self._on_live_check_toggled)
        actions.addWidget(self.live_check)
        self.upload_button = QPushButton("Upload")
        self.upload_button.setObjectName("primaryButton")
        self.upload_button.clicked.connect(self._on_upload_button_clicked)
        actions.addWidget(self.upload_button)
        self.cancel_upload_button = QPushButton("Cancel upload")
        self.cancel_upload_button.clicked.connect(self._on_cancel_upload_button_clicked)
        self.cancel_upload_button.hide()
        actions.addWidget(self.cancel_upload_button)
        layout.addLayout(actions)
        self.live_hint = hint("")
        layout.addWidget(self.live_hint)
        self.upload_box = QFrame()
        self.upload_box.setObjectName("card")
        box = QVBoxLayout(self.upload_box)
        box.setContentsMargins(14, 10, 14, 10)
        status_row = QHBoxLayout()
        self.upload_label = QLabel()
        self.upload_label.setObjectName("sectionTitle")
        status_row.addWidget(self.upload_label)
        status_row.addStretch(1)
        self.status_chip = chip("")
        self.status_chip.hide()
        status_row.addWidget(self.status_chip)
        box.addLayout(status_row)
        self.upload_bar = QProgressBar()
        box.addWidget(self.upload_bar)
        self.upload_detail = QLabel()
        self.upload_detail.setObjectName("muted")
        self.upload_detail.setWordWrap(True)
        box.addWidget(self.upload_detail)
        self.upload_box.hide()
        layout.addWidget(self.upload_box)
        self.rehearsal_view = QPlainTextEdit()
        self.rehearsal_view.setAccessibleName("Requests of the rehearsal")
        self.rehearsal_view.setObjectName("rawJson")
        self.rehearsal_view.setReadOnly(True)
        self.rehearsal_view.setPlaceholderText(
            "Preview (dry-run) shows the requests an upload sends — hashed identifiers only."
        )
        layout.addWidget(self.rehearsal_view, 1)
        return page

    def _load(self, target_segment_id: str | None) -> bool:
        if target_segment_id is not None:
            index = self.target_combo.findData(target_segment_id)
            if index >= 0:
                self.target_combo.setCurrentIndex(index)
        self._on_target_combo_changed(self.target_combo.currentIndex())
        try:
            info = inspect_file(self.path)
        except InputError as exc:
            self._show_error(exc.message)
            self.preview.hide()
            self._set_page(PREVIEW)
            self.next_button.setEnabled(False)
            return False
        except OSError as exc:
            self._show_error(f"{self.path.name}: {exc.strerror or exc}")
            self.preview.hide()
            self._set_page(PREVIEW)
            self.next_button.setEnabled(False)
            return False
        self.preview.set_info(info)
        self._set_page(PREVIEW)
        return True

    # -- public ------------------------------------------------------------------------------

    @property
    def report(self) -> HashReport | None:
        return self.check.report

    @property
    def page(self) -> int:
        return self.pages.currentIndex()

    @property
    def mode(self) -> str:
        return self._mode

    def start_check(self) -> bool:
        info = self.preview.effective_info()
        if info is None or self.preview.problem_text():
            return False
        self.error.hide()
        for child in self._workdir.iterdir():
            child.unlink(missing_ok=True)
        self._set_page(CHECK)
        self.check.start(
            path=self.path,
            info=info,
            output=self._workdir / "hashed.csv",
            default_country=self.preview.default_country(),
            rejects=self._workdir / "rejects.csv",
        )
        self._update_buttons()
        return True

    def target(self) -> tuple[str | None, dict[str, Any] | None]:
        """(segment id, None) or (None, new segment fields); ValueError for a bad new one."""
        chosen = self.target_combo.currentData()
        if chosen != NEW_SEGMENT:
            return str(chosen), None
        days = RETENTION_LIFETIME if self.lifetime.isChecked() else self.retention.value()
        return None, new_segment_fields(self.new_name.text(), retention_days=days)

    def set_mode(self, mode: str) -> None:
        """Choose the action without asking (Replace is confirmed when chosen by hand)."""
        self._mode = mode
        button = self.mode_buttons[mode]
        button.blockSignals(True)
        button.setChecked(True)
        button.blockSignals(False)
        self._on_target_edited()

    def rehearse(self) -> UploadRehearsal | None:
        report = self.report
        if report is None:
            return None
        try:
            segment_id, new_segment = self.target()
            self.rehearsal = rehearse_upload(
                report,
                ad_account_id=self.ad_account_id,
                mode=self._mode,
                segment_id=segment_id,
                new_segment=new_segment,
            )
        except (ValueError, OSError) as exc:
            self._show_error(str(exc))
            return None
        self.error.hide()
        self.rehearsal_view.setPlainText(describe_rehearsal(self.rehearsal, mode=self._mode))
        return self.rehearsal

    def live(self) -> bool:
        return self._live_mode.live

    def start_upload(self) -> AsyncOp | None:
        """Store the journal (or find this list's interrupted upload) in a worker thread, then
        send it (live). The window stays responsive while a big list's batches are stored."""
        report = self.report
        if report is None or not self.live() or not self.live_check.isChecked():
            return None
        uploads = self._uploads_factory()
        if uploads is None or uploads.api is None:
            self._show_error("Sign in to the login of this ad account to upload")
            return None
        try:
            segment_id, new_segment = self.target()
        except (ValueError, OSError, ChangeError) as exc:
            self._show_error(getattr(exc, "message", None) or str(exc))
            return None
        self.error.hide()
        self._cancel_upload = threading.Event()
        self.upload_result = None
        where = new_segment["name"] if new_segment else self.target_combo.currentText()
        op = prepare_and_send_upload(
            parent=self,
            loop=self._loop,
            uploads=uploads,
            report=report,
            ad_account_id=self.ad_account_id,
            mode=self._mode,
            segment_id=segment_id,
            new_segment=new_segment,
            cancel=self._cancel_upload,
            on_prepared=lambda upload: self._on_upload_prepared(upload, where, new_segment),
        )
        op.progressed.connect(self._on_upload_op_progressed)
        op.succeeded.connect(self._on_upload_op_succeeded)
        op.failed.connect(self._on_upload_op_failed)
        op.finished.connect(self._on_upload_op_finished)
        self.upload_op = op
        self.upload_box.show()
        self.status_chip.hide()
        self.upload_label.setText("Preparing batches…")
        self.upload_bar.setRange(0, 0)  # busy until the journal is stored
        self.upload_detail.setText(
            f"Storing {report.written:,} hashed identifiers in batches of at most 100,000"
        )
        self._log_line = ""
        self._refresh_send_page()
        return op

    def _on_upload_prepared(
        self, upload: SegmentUpload, where: str, new_segment: Mapping[str, Any] | None
    ) -> None:
        if not shiboken6.isValid(self):
            return
        self.upload = upload
        if new_segment is not None:
            self.segments_changed.emit()
        self.upload_label.setText("Uploading…")
        self.upload_bar.setRange(0, max(1, len(upload.batches)))
        self.upload_bar.setValue(upload.batches_sent)
        self.upload_detail.setText("Starting")
        self.rehearsal_view.setPlainText(
            f"LIVE — {self._mode} {upload.identifiers:,} hashed identifiers, "
            f"{len(upload.batches)} batches, to {where}"
        )
        self._refresh_send_page()

    def cancel_upload(self) -> None:
        self._cancel_upload.set()
        self.cancel_upload_button.setEnabled(False)
        self.upload_detail.setText("Cancelling after the batch being sent…")

    def resumable(self) -> SegmentUpload | None:
        report = self.report
        uploads = self._uploads_factory()
        if report is None or uploads is None:
            return None
        try:
            segment_id, new_segment = self.target()
            return find_resumable(
                uploads,
                report,
                ad_account_id=self.ad_account_id,
                mode=self._mode,
                segment_id=segment_id,
                new_segment=new_segment,
            )
        except (ValueError, OSError):
            return None

    def save_rejects(self, target: str | Path) -> Path | None:
        """Copy the rejected rows to `target` (owner-only, atomically); refused, with the reason
        shown, when `target` is the customer list itself or one of snapdesk's files."""
        report = self.report
        if report is None or report.rejects_path is None:
            return None
        try:
            save_outputs(self.path, [(report.rejects_path, Path(target))])
        except (OutputClash, OSError) as exc:
            self._show_error(save_problem(exc))
            return None
        return Path(target)

    # -- slots -------------------------------------------------------------------------------

    def _on_preview_changed(self) -> None:
        self._update_buttons()

    def _on_check_checked(self, _report: object) -> None:
        self._update_buttons()

    def _on_check_ended(self) -> None:
        self._update_buttons()

    def _on_next_button_clicked(self) -> None:
        page = self.page
        if page == PREVIEW:
            self.start_check()
        elif page == CHECK and self.report is not None:
            self._set_page(SEND)
            self._refresh_send_page()

    def _on_back_button_clicked(self) -> None:
        if self.page == CHECK:
            self.check.cancel()
            self._set_page(PREVIEW)
        elif self.page == SEND:
            self._set_page(CHECK)

    def _on_save_rejects_button_clicked(self) -> None:
        self.file_dialog = ask_path(
            self,
            title="Save rejected rows",
            on_selected=self.save_rejects,
            save=True,
            name_filter="CSV (*.csv)",
            suggested=f"{self.path.stem}.rejects.csv",
        )

    def _on_target_combo_changed(self, _index: int) -> None:
        new = self.target_combo.currentData() == NEW_SEGMENT
        widgets = (
            self.new_name,
            self.new_name_label,
            self.retention,
            self.lifetime,
            self.retention_label,
        )
        for widget in widgets:
            widget.setVisible(new)
        self.mode_buttons["remove"].setEnabled(not new)
        self.mode_buttons["replace"].setEnabled(not new)
        if new and self._mode != "add":
            self.set_mode("add")
        self._on_target_edited()

    def _on_lifetime_toggled(self, checked: bool) -> None:
        self.retention.setEnabled(not checked)
        self._on_target_edited()

    def _on_target_edited(self, *_args: object) -> None:
        self.rehearsal = None
        self.rehearsal_view.clear()
        self._refresh_send_page()

    def _on_mode_button_toggled(self, checked: bool) -> None:
        if not checked:
            return
        mode = next(m for m, b in self.mode_buttons.items() if b.isChecked())
        if mode == "replace" and self._mode != "replace":
            self._confirm_replace()
            return
        self._mode = mode
        self._on_target_edited()

    def _confirm_replace(self) -> None:
        name = self.target_combo.currentText().split("  (")[0]
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Replace the segment's users?",
            f"Replace {name}: this {REPLACE_TEXT}.",
            QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setInformativeText("Until Snap has processed the new list the segment may be empty.")
        box.addButton("Replace", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.finished.connect(self._on_confirm_box_finished)
        self.confirm_box = box
        box.open()

    def _on_confirm_box_finished(self, _result: int) -> None:
        box = self.confirm_box
        self.confirm_box = None
        confirmed = (
            box is not None
            and box.clickedButton() is not None
            and box.buttonRole(box.clickedButton()) == QMessageBox.ButtonRole.DestructiveRole
        )
        self.set_mode("replace" if confirmed else self._mode)
        if box is not None:
            box.deleteLater()

    def _on_dry_run_button_clicked(self) -> None:
        self.rehearse()

    def _on_live_check_toggled(self, _checked: bool) -> None:
        self._refresh_send_page()

    def _on_upload_button_clicked(self) -> None:
        self.start_upload()

    def _on_cancel_upload_button_clicked(self) -> None:
        self.cancel_upload()

    def _on_upload_op_progressed(self, progress: object) -> None:
        assert isinstance(progress, UploadProgress)
        self.upload_bar.setRange(0, max(1, progress.batches_total))
        self.upload_bar.setValue(progress.batches_done)
        if progress.phase in ("processing", "complete"):
            self.upload_label.setText(
                "Snap has processed the upload"
                if progress.phase == "complete"
                else "Sent — Snap is processing the list"
            )
            self._set_status_chip(
                "COMPLETE" if progress.phase == "complete" else "PROCESSING",
                "ok" if progress.phase == "complete" else "",
            )
            self.segments_changed.emit()
        else:
            self.upload_label.setText(
                f"Uploading batch {min(progress.batches_done + 1, progress.batches_total)} "
                f"of {progress.batches_total}"
            )
        self.upload_detail.setText(
            f"{progress.identifiers_done:,} of {progress.identifiers_total:,} identifiers sent"
            f" · {progress.message}"
        )
        line = f"{progress.phase}: {progress.message}"
        if line != self._log_line:
            self._log_line = line
            self.rehearsal_view.appendPlainText(line)

    def _on_upload_op_succeeded(self, result: object) -> None:
        assert isinstance(result, UploadResult)
        self.upload_result = result
        outcome = result.outcome
        self.upload = outcome.upload
        if outcome.cancelled:
            self.upload_label.setText("Upload cancelled")
            self.upload_detail.setText(
                f"{outcome.upload.batches_sent} of {len(outcome.upload.batches)} batches sent; "
                "resume to send the rest (each batch keeps its key, nothing is sent twice)."
            )
            self._set_status_chip("CANCELLED", "warning")
        elif outcome.error:
            self.upload_label.setText("Upload stopped")
            self._show_error(f"{outcome.error}. Resume to send the remaining batches.")
            self._set_status_chip("FAILED", "danger")
        else:
            segment = result.segment or {}
            users = segment.get("approximate_number_users")
            status = str(segment.get("upload_status") or "COMPLETE")
            self.upload_label.setText(f"Uploaded to {segment.get('name') or 'the segment'}")
            batches = len(outcome.upload.batches)
            detail = f"{outcome.upload.identifiers:,} identifiers sent in {batches} batches"
            if isinstance(users, int):
                detail += f" · about {users:,} matched users"
            if result.few_users:
                detail += f". {FEW_USERS_TIP}."
            self.upload_detail.setText(detail)
            self._set_status_chip(status, "warning" if result.few_users else "ok")
            self.uploaded.emit(result)
        self.segments_changed.emit()

    def _on_upload_op_failed(self, exc: object) -> None:
        assert isinstance(exc, BaseException)
        if isinstance(exc, PrepareFailed):
            self.upload_label.setText("Upload not started")
            self.upload_bar.setRange(0, 1)
            self.upload_detail.setText("Nothing was sent.")
            self._show_error(exc.message)
            return
        self.upload_label.setText("Upload stopped")
        self._show_error(error_message(exc))
        self.segments_changed.emit()

    def _on_upload_op_finished(self) -> None:
        self.upload_op = None
        self._refresh_send_page()

    def _on_finished(self, _result: int) -> None:
        self._cleanup()

    def closeEvent(self, event: QCloseEvent) -> None:
        self._cleanup()
        super().closeEvent(event)

    # -- helpers -----------------------------------------------------------------------------

    def _cleanup(self) -> None:
        self.check.stop_and_wait()
        if self.upload_op is not None:
            self._cancel_upload.set()
        workdirs.remove(self._workdir)

    def _set_status_chip(self, text: str, kind: str) -> None:
        self.status_chip.setText(text)
        self.status_chip.setObjectName(
            {"ok": "chipOk", "warning": "chipWarning", "danger": "chipDanger"}.get(kind, "chip")
        )
        self.status_chip.style().unpolish(self.status_chip)
        self.status_chip.style().polish(self.status_chip)
        self.status_chip.show()

    def _show_error(self, text: str) -> None:
        self.error.set_kind("error")
        self.error.set_text(text)
        self.error.show()

    def _set_page(self, page: int) -> None:
        self.pages.setCurrentIndex(page)
        for i, label in enumerate(self.step_labels):
            label.setObjectName("chipOk" if i == page else "chipMuted")
            label.style().unpolish(label)
            label.style().polish(label)
        self._update_buttons()

    def _refresh_send_page(self) -> None:
        report = self.report
        if report is not None:
            warnings = sum(1 for issue in report.issues if issue.warning)
            self.summary.setText(
                f"{report.written:,} hashed identifiers ready "
                f"({', '.join(report.schemas)}) from {report.rows:,} rows"
                + (" — the file has rows to check (see step 2)" if warnings else "")
            )
        live = self.live()
        busy = self.upload_op is not None
        self.live_check.setEnabled(live and not busy)
        if not live and self.live_check.isChecked():
            self.live_check.setChecked(False)
        resumable = self.resumable() if report is not None and not busy else None
        if resumable is not None:
            self.upload_button.setText(resume_label(resumable))
        else:
            self.upload_button.setText("Upload")
        self.upload_button.setEnabled(
            live and self.live_check.isChecked() and not busy and report is not None
        )
        self.upload_button.setVisible(not busy)
        self.cancel_upload_button.setVisible(busy)
        self.cancel_upload_button.setEnabled(busy and not self._cancel_upload.is_set())
        self.dry_run_button.setEnabled(report is not None and not busy)
        self.target_combo.setEnabled(not busy)
        for button in self.mode_buttons.values():
            button.setEnabled(
                not busy
                and (
                    button is self.mode_buttons["add"]
                    or self.target_combo.currentData() != NEW_SEGMENT
                )
            )
        if not live:
            self.live_hint.setText(
                "Dry-run: nothing is sent. Switch on live mode in the main window to upload."
            )
        elif resumable is not None:
            self.live_hint.setText(
                f"This list's upload was interrupted after {resumable.batches_sent} of "
                f"{len(resumable.batches)} batches; resuming sends only the rest."
            )
        else:
            self.live_hint.setText("Live mode is on: tick “Send now (live)” to upload to Snap.")

    def _update_buttons(self) -> None:
        page = self.page
        running = self.check.running
        self.back_button.setVisible(page != PREVIEW)
        self.save_rejects_button.setVisible(page != PREVIEW)
        report = self.report
        self.save_rejects_button.setEnabled(
            report is not None and report.rejects_path is not None and report.rejected > 0
        )
        self.next_button.setVisible(page != SEND)
        if page == PREVIEW:
            self.next_button.setText("Check list")
            self.next_button.setEnabled(
                self.preview.info is not None and self.preview.problem_text() is None
            )
        elif page == CHECK:
            self.next_button.setText("Next: choose segment")
            self.next_button.setEnabled(report is not None and report.written > 0 and not running)
