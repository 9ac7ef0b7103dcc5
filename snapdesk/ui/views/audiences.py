"""The Audiences page: customer-list segments of one ad account.

Pick an ad account; the table shows its cached segments (name, description, retention, source,
upload and targetable status, approximate users — with a warning below 1,000 matched users)
and the segment changes queued for it. New / Edit / Delete queue changes through
`EditService` (posted from Pending Changes, like every other write). Drop a CSV/TSV/TXT onto
the page — or onto a segment to target it — to open the upload dialog. Interrupted uploads of
the account are offered for resuming.

    page = open_audiences_window(session=session, ad_account_id=None, parent=window)
    window = open_prepare_list_window(parent=window)   # no login, no session
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Final

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QCloseEvent,
    QColor,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QPainter,
    QPainterPath,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from snapdesk.audience import RETENTION_DEFAULT, RETENTION_LIFETIME, UploadResult
from snapdesk.changes import (
    ChangeError,
    ChangeGroup,
    EditService,
    SegmentUpload,
    SegmentUploads,
    UploadProgress,
)
from snapdesk.store.feed import OpChanges
from snapdesk.ui import theme
from snapdesk.ui._geometry import keep_geometry
from snapdesk.ui.app_state import app_state
from snapdesk.ui.dialogs._widgets import Banner, hint
from snapdesk.ui.dialogs.list_upload import ListUploadDialog
from snapdesk.ui.dialogs.prepare_list import (
    PrepareListWindow,
    ask_path,
    dropped_list,
)
from snapdesk.ui.models.segments import (
    CHIP_COLUMNS,
    CHIP_ROLE,
    DESCRIPTION,
    NAME,
    PENDING,
    QUEUED_TIP,
    USERS,
    SegmentItem,
    SegmentsModel,
    segment_items,
)
from snapdesk.ui.ops._op import AsyncOp, error_message
from snapdesk.ui.ops.audiences import (
    create_segment,
    delete_segments,
    edit_segment,
    resume_label,
    send_upload,
)
from snapdesk.ui.prefs import load_preferences, preferences_paths

POLL_SECONDS: Final = 5.0


class ChipDelegate(QStyledItemDelegate):
    """Status columns drawn as small rounded chips coloured by `CHIP_ROLE`."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        kind = index.data(CHIP_ROLE)
        text = index.data(Qt.ItemDataRole.DisplayRole)
        if not kind or not text:
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        style = opt.widget.style() if opt.widget else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        c = theme.colors()
        fg = {
            "ok": c.success,
            "warning": c.warning,
            "danger": c.danger,
            "info": c.accent,
        }.get(kind, c.muted)
        bg = theme._mix(fg, c.base, 0.15)
        font = opt.font
        font.setPointSizeF(max(7.5, font.pointSizeF() - 1.5))
        font.setBold(True)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setFont(font)
        metrics = painter.fontMetrics()
        width = metrics.horizontalAdvance(text) + 16
        height = metrics.height() + 4
        rect = QRect(
            opt.rect.left() + 4,
            opt.rect.center().y() - height // 2,
            min(width, opt.rect.width() - 8),
            height,
        )
        path = QPainterPath()
        path.addRoundedRect(rect, height / 2, height / 2)
        painter.fillPath(path, QColor(bg))
        painter.setPen(QColor(fg))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        size = super().sizeHint(option, index)
        return QSize(size.width() + 20, max(size.height(), 26))


class SegmentTable(QTreeView):
    """The segments list; accepts a dropped list file on a row (that segment is the target)
    or anywhere else (choose the segment in the dialog). `list_dropped(path, segment id)`."""

    list_dropped = Signal(str, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setRootIsDecorated(False)
        self.setUniformRowHeights(True)
        self.setAlternatingRowColors(False)
        self.setSortingEnabled(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setAcceptDrops(True)
        self.viewport().setAcceptDrops(True)
        self.setDropIndicatorShown(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)
        self.setItemDelegate(ChipDelegate(self))
        self.drop_row = -1

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if _list_path(event) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if _list_path(event) is None:
            event.ignore()
            return
        index = self.indexAt(event.position().toPoint())
        row = index.row() if index.isValid() else -1
        if row != self.drop_row:
            self.drop_row = row
            if row >= 0:
                self.selectionModel().select(
                    index,
                    self.selectionModel().SelectionFlag.ClearAndSelect
                    | self.selectionModel().SelectionFlag.Rows,
                )
        event.acceptProposedAction()

    def dragLeaveEvent(self, event: Any) -> None:
        self.drop_row = -1
        super().dragLeaveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        path = _list_path(event)
        if path is None:
            event.ignore()
            return
        event.acceptProposedAction()
        self.drop_row = -1
        self.list_dropped.emit(str(path), self.segment_at(event.position().toPoint()))

    def segment_at(self, pos: QPoint) -> str | None:
        index = self.indexAt(pos)
        model = self.model()
        if not index.isValid() or not isinstance(model, SegmentsModel):
            return None
        item = model.item(index.row())
        return item.id if item is not None and not item.queued_create else None


def _list_path(event: QDragEnterEvent | QDropEvent) -> Path | None:
    """The dropped file (any file: an unusable one gets a clear message in the dialog)."""
    return dropped_list(event)


class SegmentDialog(QDialog):
    """Name, description and retention of a new or existing segment. `saved(dict)` with the
    changed fields."""

    saved = Signal(dict)

    def __init__(self, item: SegmentItem | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.item = item
        self.setWindowTitle("Edit segment" if item else "New segment")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        title = QLabel(f"Edit {item.name}" if item else "New customer-list segment")
        title.setObjectName("dialogTitle")
        layout.addWidget(title)
        form = QFormLayout()
        form.setHorizontalSpacing(14)
        self.name_edit = QLineEdit(item.name if item else "")
        self.name_edit.setMaxLength(375)
        self.name_edit.setPlaceholderText("e.g. Newsletter subscribers")
        self.description_edit = QLineEdit(item.description if item else "")
        self.retention_spin = QSpinBox()
        self.retention_spin.setRange(1, RETENTION_LIFETIME - 1)
        self.retention_spin.setSuffix(" days")
        self.lifetime_check = QCheckBox("Lifetime")
        days = item.retention_days if item and item.retention_days else RETENTION_DEFAULT
        self.lifetime_check.setChecked(days >= RETENTION_LIFETIME)
        self.retention_spin.setValue(min(days, RETENTION_LIFETIME - 1))
        self.retention_spin.setEnabled(days < RETENTION_LIFETIME)
        self.lifetime_check.toggled.connect(self._on_lifetime_check_toggled)
        row = QHBoxLayout()
        row.addWidget(self.retention_spin)
        row.addWidget(self.lifetime_check)
        row.addStretch(1)
        form.addRow("Name", self.name_edit)
        form.addRow("Description", self.description_edit)
        form.addRow("Retention", row)
        layout.addLayout(form)
        layout.addWidget(hint(QUEUED_TIP + ". Nothing is sent to Snap until you post it."))
        self.problem = QLabel()
        self.problem.setObjectName("errorText")
        self.problem.hide()
        layout.addWidget(self.problem)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Save).setText("Queue")
        buttons.button(QDialogButtonBox.StandardButton.Save).setObjectName("primaryButton")
        buttons.accepted.connect(self._on_buttons_accepted)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(520, 260)

    def retention_days(self) -> int:
        return (
            RETENTION_LIFETIME if self.lifetime_check.isChecked() else self.retention_spin.value()
        )

    def fields(self) -> dict[str, Any]:
        """The fields the user changed (all of them for a new segment)."""
        fields = {
            "name": self.name_edit.text().strip(),
            "description": self.description_edit.text().strip(),
            "retention_in_days": self.retention_days(),
        }
        if self.item is None:
            return fields
        old = {
            "name": self.item.name,
            "description": self.item.description,
            "retention_in_days": self.item.retention_days,
        }
        return {k: v for k, v in fields.items() if v != old[k]}

    def _on_lifetime_check_toggled(self, checked: bool) -> None:
        self.retention_spin.setEnabled(not checked)

    def _on_buttons_accepted(self) -> None:
        if not self.name_edit.text().strip():
            self.problem.setText("The segment needs a name")
            self.problem.show()
            return
        self.saved.emit(self.fields())
        self.accept()


class AudiencesPage(QWidget):
    """Segments of one ad account. Signals: `changes_queued(object)` (the `ChangeGroup`),
    `message_posted(str, bool)`. Every other window hears of queued changes through the
    session's change feed (`app_state(session).operation_did_execute`), as this page hears of
    theirs; live mode is the session's (`session.live_mode`)."""

    changes_queued = Signal(object)
    message_posted = Signal(str, bool)

    def __init__(
        self,
        *,
        session: Any,
        ad_account_id: str | None = None,
        edits: EditService | None = None,
        poll_seconds: float = POLL_SECONDS,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.store = session.store
        self.edits = edits or EditService(store=self.store)
        self.poll_seconds = poll_seconds
        self.state = app_state(session)
        self.model = SegmentsModel(self)
        self.upload_dialog: ListUploadDialog | None = None
        self.segment_dialog: SegmentDialog | None = None
        self.confirm_box: QMessageBox | None = None
        self.prepare_window: PrepareListWindow | None = None
        self.resume_op: AsyncOp | None = None
        self._resume_cancel = threading.Event()
        self.setObjectName("centralArea")
        self.setWindowTitle("Audiences — snapdesk")
        self.setAcceptDrops(True)
        self._setup_ui()
        self._fill_accounts(ad_account_id)
        self.state.live_changed.connect(self._on_live_changed)
        self.state.operation_did_execute.connect(self._on_operation_did_execute)

    def sizeHint(self) -> QSize:
        return QSize(1180, 640)

    # -- construction ------------------------------------------------------------------------

    def _setup_ui(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 14, 18, 14)
        layout.setSpacing(10)
        top = QHBoxLayout()
        title = QLabel("Audiences")
        title.setObjectName("title")
        top.addWidget(title)
        top.addSpacing(16)
        top.addWidget(QLabel("Ad account"))
        self.account_combo = QComboBox()
        self.account_combo.setMinimumWidth(260)
        self.account_combo.setAccessibleName("Ad account")
        self.account_combo.currentIndexChanged.connect(self._on_account_combo_changed)
        top.addWidget(self.account_combo)
        top.addStretch(1)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setToolTip("Reload the segments from the local cache")
        self.refresh_button.clicked.connect(self.refresh)
        top.addWidget(self.refresh_button)
        layout.addLayout(top)
        actions = QHBoxLayout()
        self.new_button = QPushButton("New segment…")
        self.new_button.clicked.connect(self._on_new_button_clicked)
        self.edit_button = QPushButton("Edit…")
        self.edit_button.clicked.connect(self._on_edit_button_clicked)
        self.delete_button = QPushButton("Delete…")
        self.delete_button.setObjectName("dangerButton")
        self.delete_button.clicked.connect(self._on_delete_button_clicked)
        self.upload_button = QPushButton("Upload list…")
        self.upload_button.setObjectName("primaryButton")
        self.upload_button.clicked.connect(self._on_upload_button_clicked)
        self.prepare_button = QPushButton("Prepare list offline…")
        self.prepare_button.clicked.connect(self._on_prepare_button_clicked)
        for button in (self.new_button, self.edit_button, self.delete_button):
            actions.addWidget(button)
        actions.addStretch(1)
        actions.addWidget(self.prepare_button)
        actions.addWidget(self.upload_button)
        layout.addLayout(actions)
        self.message = Banner("info")
        self.message.hide()
        layout.addWidget(self.message)
        self.resume_banner = Banner("warning")
        self.resume_button = QPushButton("Resume upload")
        self.resume_button.clicked.connect(self._on_resume_button_clicked)
        self.discard_button = QPushButton("Discard")
        self.discard_button.clicked.connect(self._on_discard_button_clicked)
        self.resume_bar = QProgressBar()
        self.resume_bar.setMaximumWidth(160)
        self.resume_bar.hide()
        self.resume_banner.add_widget(self.resume_bar)
        self.resume_banner.add_widget(self.resume_button)
        self.resume_banner.add_widget(self.discard_button)
        self.resume_banner.hide()
        layout.addWidget(self.resume_banner)
        self.table = SegmentTable()
        self.table.setAccessibleName("Segments")
        self.table.setModel(self.model)
        self.table.list_dropped.connect(self._on_table_list_dropped)
        self.table.doubleClicked.connect(self._on_table_double_clicked)
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        header = self.table.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(DESCRIPTION, QHeaderView.ResizeMode.Stretch)
        for col, width in ((NAME, 280), (2, 90), (3, 100), (4, 130), (5, 140), (USERS, 130)):
            header.resizeSection(col, width)
        header.resizeSection(PENDING, 110)
        self.table.sortByColumn(NAME, Qt.SortOrder.AscendingOrder)
        layout.addWidget(self.table, 1)
        footer = QHBoxLayout()
        self.drop_hint = hint(
            "Drop a CSV, TSV or TXT customer list here — onto a segment to add to it. "
            "Emails, phone numbers and mobile ad ids are normalized and hashed on this "
            "computer; only SHA-256 hashes are sent."
        )
        footer.addWidget(self.drop_hint, 1)
        self.count_label = QLabel()
        self.count_label.setObjectName("muted")
        footer.addWidget(self.count_label)
        layout.addLayout(footer)
        for col in CHIP_COLUMNS:
            self.table.setItemDelegateForColumn(col, self.table.itemDelegate())

    def _fill_accounts(self, wanted: str | None) -> None:
        self.account_combo.blockSignals(True)
        self.account_combo.clear()
        for account in self.store.ad_accounts():
            label = account.name or account.id
            if account.currency:
                label += f"  ·  {account.currency}"
            self.account_combo.addItem(label, account.id)
        if wanted is not None and self.account_combo.findData(wanted) < 0:
            self.account_combo.addItem(wanted, wanted)  # not synced yet: a list can still go
        index = self.account_combo.findData(wanted) if wanted else 0
        self.account_combo.setCurrentIndex(max(0, index))
        self.account_combo.blockSignals(False)
        self.refresh()

    # -- public ------------------------------------------------------------------------------

    @property
    def ad_account_id(self) -> str | None:
        data = self.account_combo.currentData()
        return str(data) if data else None

    def set_account(self, ad_account_id: str) -> None:
        index = self.account_combo.findData(ad_account_id)
        if index >= 0:
            self.account_combo.setCurrentIndex(index)

    def live(self) -> bool:
        return self.session.live_mode.live

    def uploads(self) -> SegmentUploads | None:
        """The upload journal with the API of the account's login (api None: not signed in)."""
        account = self.ad_account_id
        if account is None:
            return None
        profile = self.session.profile_of_account(account) or self.session.profile
        api = self.session.api_for(profile) or self.session.api
        return SegmentUploads(
            api=api, store=self.store, profile=profile, poll_seconds=self.poll_seconds
        )

    def refresh(self) -> None:
        """Reload the segments (and queued segment changes) from the cache."""
        account = self.ad_account_id
        selected = {s.id for s in self.selected_items()}
        if account is None:
            self.model.set_items([])
        else:
            rows = self.store.segments(account)
            pending = self.edits.pending(ad_account_ids=[account])
            self.model.set_items(segment_items(rows, pending))
        for row, item in enumerate(self.model.items):
            if item.id in selected:
                self.table.selectionModel().select(
                    self.model.index(row, 0),
                    self.table.selectionModel().SelectionFlag.Select
                    | self.table.selectionModel().SelectionFlag.Rows,
                )
        items = self.model.items
        few = sum(1 for s in items if s.few_users)
        text = f"{len(items)} segment{'s' if len(items) != 1 else ''}"
        if few:
            text += f" · {few} below 1,000 users"
        self.count_label.setText(text)
        self._update_resume_banner()
        self._update_actions()

    def selected_items(self) -> list[SegmentItem]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [item for r in rows if (item := self.model.item(r)) is not None]

    def open_upload(self, path: str | Path, segment_id: str | None = None) -> ListUploadDialog:
        """The upload dialog for `path` (targeting `segment_id` if given), opened window-modal."""
        account = self.ad_account_id or ""
        dialog = ListUploadDialog(
            path=path,
            ad_account_id=account,
            segments=self.model.items,
            target_segment_id=segment_id,
            live_mode=self.session.live_mode,
            uploads_factory=self.uploads,
            loop=self.session.loop,
            default_country=load_preferences(preferences_paths(self.session)).default_country,
            parent=self,
        )
        dialog.segments_changed.connect(self.refresh)
        dialog.uploaded.connect(self._on_upload_dialog_uploaded)
        dialog.finished.connect(self._on_upload_dialog_finished)
        dialog.resize(dialog.sizeHint())
        self.upload_dialog = dialog
        dialog.open()
        return dialog

    def open_segment_dialog(self, item: SegmentItem | None = None) -> SegmentDialog:
        dialog = SegmentDialog(item, self)
        dialog.saved.connect(self._on_segment_dialog_saved)
        self.segment_dialog = dialog
        dialog.open()
        return dialog

    def queue_new(
        self, *, name: str, description: str = "", retention_days: int | None = None
    ) -> ChangeGroup | None:
        account = self.ad_account_id
        if account is None:
            return None
        try:
            group = create_segment(
                edits=self.edits,
                ad_account_id=account,
                name=name,
                description=description,
                retention_days=retention_days,
            )
        except (ValueError, ChangeError) as exc:
            self._show_message(getattr(exc, "message", None) or str(exc), "error")
            return None
        return self._queued(group, f"New segment {name!r}")

    def queue_edit(self, item: SegmentItem, fields: dict[str, Any]) -> ChangeGroup | None:
        if not fields:
            self._show_message("Nothing changed", "info")
            return None
        try:
            group = edit_segment(edits=self.edits, segment_id=item.id, fields=fields)
        except (ValueError, ChangeError) as exc:
            self._show_message(getattr(exc, "message", None) or str(exc), "error")
            return None
        return self._queued(group, f"Edit of {item.name!r}")

    def queue_delete(self, items: list[SegmentItem]) -> ChangeGroup | None:
        try:
            group = delete_segments(edits=self.edits, ids=[i.id for i in items])
        except ChangeError as exc:
            self._show_message(exc.message if hasattr(exc, "message") else str(exc), "error")
            return None
        names = ", ".join(repr(i.name) for i in items)
        return self._queued(group, f"Deletion of {names}")

    def resume(self, upload: SegmentUpload) -> AsyncOp | None:
        """Send what is left of an interrupted upload (live only)."""
        if not self.live():
            self._show_message(
                "Switch on live mode in the main window to resume the upload", "warning"
            )
            return None
        uploads = self.uploads()
        if uploads is None or uploads.api is None:
            self._show_message("Sign in to the login of this ad account to upload", "error")
            return None
        self._resume_cancel = threading.Event()
        op = send_upload(
            parent=self,
            loop=self.session.loop,
            uploads=uploads,
            upload_id=upload.id,
            cancel=self._resume_cancel,
        )
        op.progressed.connect(self._on_resume_op_progressed)
        op.succeeded.connect(self._on_resume_op_succeeded)
        op.failed.connect(self._on_resume_op_failed)
        op.finished.connect(self._on_resume_op_finished)
        self.resume_op = op
        self.resume_bar.setRange(0, max(1, len(upload.batches)))
        self.resume_bar.setValue(upload.batches_sent)
        self.resume_bar.show()
        self.resume_button.setText("Cancel")
        self.discard_button.setEnabled(False)
        return op

    # -- events ------------------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if _list_path(event) is not None:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        path = _list_path(event)
        if path is not None:
            event.acceptProposedAction()
            self.open_upload(path)

    def closeEvent(self, event: QCloseEvent) -> None:
        self._resume_cancel.set()
        super().closeEvent(event)

    # -- slots -------------------------------------------------------------------------------

    def _on_account_combo_changed(self, _index: int) -> None:
        self.message.hide()
        self.refresh()

    def _on_live_changed(self, _live: bool) -> None:
        if self.upload_dialog is not None and self.upload_dialog.isVisible():
            self.upload_dialog._refresh_send_page()
        self._update_resume_banner()

    def _on_operation_did_execute(self, changes: object) -> None:
        if isinstance(changes, OpChanges) and (
            changes.touches_account(self.ad_account_id) or changes.everything
        ):
            self.refresh()

    def _on_selection_changed(self, *_args: object) -> None:
        self._update_actions()

    def _on_table_double_clicked(self, index: QModelIndex) -> None:
        item = self.model.item(index.row())
        if item is not None and item.pending != "delete":
            self.open_segment_dialog(item)

    def _on_table_list_dropped(self, path: str, segment_id: object) -> None:
        self.open_upload(path, segment_id if isinstance(segment_id, str) else None)

    def _on_new_button_clicked(self) -> None:
        self.open_segment_dialog(None)

    def _on_edit_button_clicked(self) -> None:
        items = self.selected_items()
        if len(items) == 1:
            self.open_segment_dialog(items[0])

    def _on_segment_dialog_saved(self, fields: dict[str, Any]) -> None:
        dialog = self.segment_dialog
        if dialog is None:
            return
        if dialog.item is None:
            self.queue_new(
                name=fields["name"],
                description=fields.get("description", ""),
                retention_days=fields.get("retention_in_days"),
            )
        else:
            self.queue_edit(dialog.item, fields)

    def _on_delete_button_clicked(self) -> None:
        items = [i for i in self.selected_items() if i.pending != "delete"]
        if not items:
            return
        names = items[0].name if len(items) == 1 else f"{len(items)} segments"
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Delete segments?",
            f"Delete {names}?",
            QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setInformativeText(
            "Ad squads targeting a deleted segment lose that audience. The deletion is queued "
            "and sent when you post it from Pending Changes."
        )
        box.addButton("Delete", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.finished.connect(lambda _r, b=box, i=items: self._on_confirm_box_finished(b, i))
        self.confirm_box = box
        box.open()

    def _on_confirm_box_finished(self, box: QMessageBox, items: list[SegmentItem]) -> None:
        clicked = box.clickedButton()
        self.confirm_box = None
        if (
            clicked is not None
            and box.buttonRole(clicked) == QMessageBox.ButtonRole.DestructiveRole
        ):
            self.queue_delete(items)
        box.deleteLater()

    def _on_upload_button_clicked(self) -> None:
        items = self.selected_items()
        target = items[0].id if len(items) == 1 and not items[0].queued_create else None
        ask_path(
            self,
            title="Choose a customer list",
            on_selected=lambda path: self.open_upload(path, target),
        )

    def _on_prepare_button_clicked(self) -> None:
        self.prepare_window = open_prepare_list_window(parent=self, session=self.session)

    def _on_upload_dialog_uploaded(self, result: object) -> None:
        assert isinstance(result, UploadResult)
        self.refresh()
        if result.few_users:
            self._show_message(
                "Upload complete. Snap needs at least 1,000 matched users before this audience "
                "can be targeted",
                "warning",
            )
        else:
            self._show_message("Upload complete", "ok")

    def _on_upload_dialog_finished(self, _result: int) -> None:
        self.refresh()

    def _on_resume_button_clicked(self) -> None:
        if self.resume_op is not None:
            self._resume_cancel.set()
            self.resume_button.setEnabled(False)
            return
        upload = self._resumable()
        if upload is not None:
            self.resume(upload)

    def _on_discard_button_clicked(self) -> None:
        upload = self._resumable()
        uploads = self.uploads()
        if upload is not None and uploads is not None:
            uploads.discard(upload.id)
        self.refresh()

    def _on_resume_op_progressed(self, progress: object) -> None:
        assert isinstance(progress, UploadProgress)
        self.resume_bar.setRange(0, max(1, progress.batches_total))
        self.resume_bar.setValue(progress.batches_done)
        self.resume_banner.set_text(
            f"Resuming: {progress.identifiers_done:,} of {progress.identifiers_total:,} "
            f"identifiers sent · {progress.message}"
        )
        if progress.phase in ("processing", "complete"):
            self.refresh_segments_only()

    def _on_resume_op_succeeded(self, result: object) -> None:
        assert isinstance(result, UploadResult)
        if result.outcome.ok:
            self._show_message("Upload resumed and complete", "ok")
        elif result.outcome.error:
            self._show_message(result.outcome.error, "error")

    def _on_resume_op_failed(self, exc: object) -> None:
        assert isinstance(exc, BaseException)
        self._show_message(error_message(exc), "error")

    def _on_resume_op_finished(self) -> None:
        self.resume_op = None
        self.resume_bar.hide()
        self.resume_button.setEnabled(True)
        self.discard_button.setEnabled(True)
        self.refresh()

    # -- helpers -----------------------------------------------------------------------------

    def refresh_segments_only(self) -> None:
        account = self.ad_account_id
        if account is not None:
            pending = self.edits.pending(ad_account_ids=[account])
            self.model.set_items(segment_items(self.store.segments(account), pending))

    def _resumable(self) -> SegmentUpload | None:
        uploads = self.uploads()
        account = self.ad_account_id
        if uploads is None or account is None:
            return None
        if self.upload_dialog is not None and self.upload_dialog.upload_op is not None:
            return None  # the dialog is sending it
        found = uploads.unfinished(ad_account_id=account)
        return found[-1] if found else None

    def _update_resume_banner(self) -> None:
        if self.resume_op is not None:
            return
        upload = self._resumable()
        if upload is None:
            self.resume_banner.hide()
            return
        target = upload.segment_name or self._segment_name(upload.segment_id)
        source = upload.source or "a list"
        if upload.next_batch is None:
            text = (
                f"The upload of {source} to {target} was sent; Snap's processing was not checked."
            )
        else:
            text = (
                f"The upload of {source} to {target} was interrupted after "
                f"{upload.batches_sent} of {len(upload.batches)} batches."
            )
        if not self.live():
            text += " Switch on live mode to resume it."
        self.resume_banner.set_text(text)
        self.resume_button.setText(resume_label(upload))
        self.resume_button.setEnabled(self.live())
        self.resume_banner.show()

    def _segment_name(self, segment_id: str) -> str:
        row = self.model.row_of(segment_id)
        item = self.model.item(row)
        return repr(item.name) if item else "a new segment"

    def _queued(self, group: ChangeGroup, text: str) -> ChangeGroup:
        self._show_message(f"{text}: Queued — post it from Pending Changes.", "info")
        self.state.poll()  # every window (this one included) hears of it now
        self.changes_queued.emit(group)
        self.message_posted.emit(f"{text}: Queued — post it from Pending Changes", False)
        return group

    def _show_message(self, text: str, kind: str) -> None:
        self.message.set_kind(kind)
        self.message.set_text(text)
        self.message.show()

    def _update_actions(self) -> None:
        items = self.selected_items()
        has_account = self.ad_account_id is not None
        self.new_button.setEnabled(has_account)
        self.upload_button.setEnabled(has_account)
        self.edit_button.setEnabled(len(items) == 1 and items[0].pending != "delete")
        self.delete_button.setEnabled(bool(items) and any(i.pending != "delete" for i in items))


def open_audiences_window(
    *,
    session: Any,
    ad_account_id: str | None,
    parent: QWidget | None,
) -> QWidget:
    """The Audiences page as its own window (parented to `parent`, so it closes with it)."""
    page = AudiencesPage(session=session, ad_account_id=ad_account_id, parent=parent)
    page.setWindowFlag(Qt.WindowType.Window, True)
    page.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    keep_geometry(page, "audiences", default=page.sizeHint())
    page.show()
    QTimer.singleShot(0, page.refresh)
    return page


def open_prepare_list_window(*, parent: QWidget | None, session: Any = None) -> PrepareListWindow:
    """The offline "Prepare list" window: no login; the session (if any) only tells where the
    preferences are (the default country)."""
    prefs = load_preferences(preferences_paths(session))
    window = PrepareListWindow(parent, default_country=prefs.default_country)
    window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    keep_geometry(window, "prepare_list", default=window.sizeHint())
    window.show()
    return window
