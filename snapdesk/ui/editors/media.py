"""The media editor: drop an image or video (or pick one), and queue its upload — alone into the
ad account's media library, or as a new ad: media → upload → creative → ad, each later step
bound to the id the earlier one gets from Snap."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QDragEnterEvent, QDragLeaveEvent, QDropEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from snapdesk.changes import (
    SIMPLE_UPLOAD_MAX,
    ChangeError,
    ChangeGroup,
    EditService,
    ValidationFailed,
)
from snapdesk.changes.edits import media_type_for
from snapdesk.core.kinds import AD_SQUAD, CREATIVE, MEDIA
from snapdesk.core.validation import Issue, validate
from snapdesk.ui import theme
from snapdesk.ui._signals import emit
from snapdesk.ui.editors._form import EnumCombo, FieldMessage, Section, scrolling_pane
from snapdesk.ui.editors.creative import CreativeFields
from snapdesk.ui.formatting import format_bytes
from snapdesk.ui.views import _changes_style

FILE_FILTER = "Images and videos (*.png *.jpg *.jpeg *.gif *.mp4 *.mov)"


class MediaEditor(QWidget):
    """Signals: `applied(object)` with the queued `ChangeGroup`; `failed(str)`."""

    applied = Signal(object)
    failed = Signal(str)

    def __init__(self, *, edits: EditService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._edits = edits
        self._store = edits.store
        self._account_id: str | None = None
        self._squad_id: str | None = None
        self._path: Path | None = None
        self._media_type: str | None = None
        self._messages: dict[str, FieldMessage] = {}
        self._issues: list[Issue] = []
        self._dialog: QFileDialog | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(120)
        self._timer.timeout.connect(self.revalidate)
        self.setAcceptDrops(True)
        self._setup_ui()
        _changes_style.apply(self)

    # -- construction ----------------------------------------------------------------------

    def _setup_ui(self) -> None:
        outer, layout = scrolling_pane(self)
        header = QHBoxLayout()
        icon = QLabel()
        icon.setPixmap(theme.large_icon(MEDIA, 18))
        kind = QLabel("UPLOAD MEDIA")
        kind.setObjectName("editorKind")
        header.addWidget(icon)
        header.addWidget(kind)
        header.addStretch(1)
        layout.addLayout(header)
        self.title_label = QLabel("New media")
        self.title_label.setObjectName("editorTitle")
        layout.addWidget(self.title_label)
        self.account_label = QLabel()
        self.account_label.setObjectName("muted")
        self.account_label.setWordWrap(True)
        layout.addWidget(self.account_label)

        self.drop_zone = QFrame()
        self.drop_zone.setObjectName("dropZone")
        zone_layout = QVBoxLayout(self.drop_zone)
        zone_layout.setContentsMargins(16, 18, 16, 18)
        zone_layout.setSpacing(8)
        self.drop_label = QLabel("Drop an image or a video here")
        self.drop_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.drop_label.setObjectName("sectionTitle")
        self.file_label = QLabel("PNG, JPEG, GIF, MP4 or MOV, up to 1 GB")
        self.file_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.file_label.setObjectName("muted")
        self.file_label.setWordWrap(True)
        self.choose_button = QPushButton("Choose file…")
        self.choose_button.clicked.connect(self._on_choose_button_clicked)
        choose_row = QHBoxLayout()
        choose_row.addStretch(1)
        choose_row.addWidget(self.choose_button)
        choose_row.addStretch(1)
        zone_layout.addWidget(self.drop_label)
        zone_layout.addWidget(self.file_label)
        zone_layout.addLayout(choose_row)
        layout.addWidget(self.drop_zone)

        self.chunk_note = QFrame()
        self.chunk_note.setObjectName("infoBox")
        note_layout = QHBoxLayout(self.chunk_note)
        note_layout.setContentsMargins(12, 8, 12, 8)
        self.chunk_text = QLabel()
        self.chunk_text.setWordWrap(True)
        note_layout.addWidget(self.chunk_text)
        self.chunk_note.hide()
        layout.addWidget(self.chunk_note)

        media = Section("Media")
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("Defaults to the file name")
        self._messages["media_name"] = media.add_row("Name", self.name_edit)
        self.library_radio = QRadioButton("Add to the ad account's media library")
        self.ad_radio = QRadioButton("Create an ad with it")
        self._mode = QButtonGroup(self)
        self._mode.addButton(self.library_radio)
        self._mode.addButton(self.ad_radio)
        self.library_radio.setChecked(True)
        modes = QWidget()
        modes_layout = QVBoxLayout(modes)
        modes_layout.setContentsMargins(0, 0, 0, 0)
        modes_layout.addWidget(self.library_radio)
        modes_layout.addWidget(self.ad_radio)
        self._messages["mode"] = media.add_row("Then", modes)
        layout.addWidget(media)

        self.creative_section = Section("New creative and ad")
        self.creative = CreativeFields(
            self.creative_section,
            register=self._register,
            on_edit=self._on_field_edited,
            with_media=False,
        )
        self.ad_name_edit = QLineEdit()
        self.ad_name_edit.setPlaceholderText("Defaults to the creative's name")
        self._messages["ad_name"] = self.creative_section.add_row("Ad name", self.ad_name_edit)
        self.ad_status = EnumCombo(("PAUSED", "ACTIVE"))
        self._messages["ad_status"] = self.creative_section.add_row("Ad status", self.ad_status)
        layout.addWidget(self.creative_section)

        self.issues_box = QFrame()
        self.issues_box.setObjectName("issuesBox")
        issues_layout = QVBoxLayout(self.issues_box)
        issues_layout.setContentsMargins(12, 8, 12, 8)
        self.issues_text = QLabel()
        self.issues_text.setWordWrap(True)
        issues_layout.addWidget(self.issues_text)
        self.issues_box.hide()
        layout.addWidget(self.issues_box)
        layout.addStretch(1)

        footer = QFrame()
        footer.setObjectName("editorFooter")
        footer_layout = QHBoxLayout(footer)
        footer_layout.setContentsMargins(18, 10, 18, 10)
        self.status_label = QLabel()
        self.status_label.setObjectName("muted")
        self.status_label.setWordWrap(True)
        footer_layout.addWidget(self.status_label, 1)
        self.apply_button = QPushButton("Queue upload")
        self.apply_button.setObjectName("primaryButton")
        self.apply_button.setToolTip("Queue as pending changes; nothing is uploaded until you post")
        self.apply_button.clicked.connect(self._on_apply_button_clicked)
        footer_layout.addWidget(self.apply_button)
        outer.addWidget(footer)

        self.name_edit.textChanged.connect(self._on_field_edited)
        self.ad_name_edit.textChanged.connect(self._on_field_edited)
        self._mode.buttonToggled.connect(self._on_mode_toggled)

    def _register(self, field: str, message: FieldMessage) -> FieldMessage:
        self._messages[field] = message
        return message

    # -- public API ------------------------------------------------------------------------

    @property
    def path(self) -> Path | None:
        return self._path

    @property
    def creates_ad(self) -> bool:
        return self.ad_radio.isChecked() and self._squad_id is not None

    def message_for(self, field: str) -> FieldMessage:
        return self._messages[field]

    def start(self, *, ad_account_id: str, ad_squad_id: str | None = None) -> None:
        """Upload into `ad_account_id`; with `ad_squad_id`, offer to create an ad there."""
        self._account_id = ad_account_id
        self._squad_id = ad_squad_id
        account = self._store.ad_account(ad_account_id)
        name = account.name if account and account.name else ad_account_id
        self.account_label.setText(f"Ad account: {name}  ·  nothing is uploaded until you post")
        squad = self._store.get(AD_SQUAD, ad_squad_id) if ad_squad_id else None
        if ad_squad_id is not None:
            label = squad.name if squad and squad.name else "the new ad squad"
            self.ad_radio.setText(f"Create an ad with it in “{label}”")
            self.ad_radio.setEnabled(True)
            self.ad_radio.setChecked(True)
        else:
            self.ad_radio.setText("Create an ad with it (select an ad squad first)")
            self.ad_radio.setEnabled(False)
            self.library_radio.setChecked(True)
        self.creative.fill({"type": "SNAP_AD"})
        self._path = None
        self._show_file()
        self._on_mode_toggled()

    def set_file(self, path: str | Path) -> None:
        """Use this file (what dropping it or picking it does)."""
        self._path = Path(path)
        try:
            self._media_type = media_type_for(self._path)
        except ChangeError as exc:
            self._media_type = None
            self._show_file(error=exc.message)
            return
        self._show_file()
        if not self.name_edit.text():
            self.name_edit.setPlaceholderText(self._path.name)
        if not self.creative.name_edit.text():
            self.creative.name_edit.setText(self._path.stem)
        self.revalidate()

    def revalidate(self) -> list[Issue]:
        self._timer.stop()
        issues: list[Issue] = []
        if self._path is None or self._media_type is None:
            issues.append(Issue("file", "Drop or choose an image or a video"))
        if self.creates_ad:
            obj = {k: v for k, v in self.creative.collect().items() if v is not None}
            obj["top_snap_media_id"] = "new media"
            issues.extend(validate(CREATIVE, obj))
        self._show_issues(issues)
        return issues

    def apply(self) -> ChangeGroup | None:
        if any(i.is_error for i in self.revalidate()):
            return None
        assert self._path is not None and self._account_id is not None
        name = self.name_edit.text().strip() or None
        try:
            if self.creates_ad:
                assert self._squad_id is not None
                creative = {k: v for k, v in self.creative.collect().items() if v is not None}
                ad: dict[str, Any] = {"status": self.ad_status.value() or "PAUSED"}
                if self.ad_name_edit.text().strip():
                    ad["name"] = self.ad_name_edit.text().strip()
                group = self._edits.create_ad_from_media(
                    self._path,
                    ad_squad_id=self._squad_id,
                    creative=creative,
                    ad=ad,
                    media_name=name,
                    media_type=self._media_type,
                )
            else:
                group = self._edits.create_media(
                    ad_account_id=self._account_id,
                    file_path=self._path,
                    name=name,
                    media_type=self._media_type,
                )
        except ValidationFailed as exc:
            self._show_issues(list(exc.issues))
            emit(self.failed, exc.message)
            return None
        except ChangeError as exc:
            self._show_issues([Issue("file", exc.message)])
            emit(self.failed, exc.message)
            return None
        n = len(group.changes)
        self.status_label.setText(f"Queued: {group.label} ({n} pending changes)")
        emit(self.applied, group)
        return group

    # -- internals -------------------------------------------------------------------------

    def _show_file(self, *, error: str | None = None) -> None:
        if self._path is None:
            self.drop_label.setText("Drop an image or a video here")
            self.file_label.setText("PNG, JPEG, GIF, MP4 or MOV, up to 1 GB")
            self.chunk_note.hide()
            self.apply_button.setEnabled(False)
            return
        try:
            size = self._path.stat().st_size
        except OSError:
            size = None
        self.drop_label.setText(self._path.name)
        kind = (self._media_type or "unsupported").lower()
        details = f"{kind} · {format_bytes(size)}" if size is not None else kind
        self.file_label.setText(error or f"{details} · {self._path.parent}")
        large = size is not None and size > SIMPLE_UPLOAD_MAX
        self.chunk_text.setText(
            f"{format_bytes(size)} is above Snap's 32 MB single-request limit: the file goes up "
            "in 25 MB chunks (multipart-upload-v2), and posting waits until Snap reports the "
            "media READY."
            if large
            else ""
        )
        self.chunk_note.setVisible(large)

    def _show_issues(self, issues: list[Issue]) -> None:
        self._issues = issues
        by_field: dict[str, list[Issue]] = {}
        for issue in issues:
            by_field.setdefault(issue.field, []).append(issue)
        for field, message in self._messages.items():
            message.show_issues(by_field.pop(field, []))
        rest = [i for items in by_field.values() for i in items]
        self.issues_text.setText("\n".join(i.message for i in rest))
        self.issues_box.setVisible(bool(rest))
        self.apply_button.setEnabled(not any(i.is_error for i in issues))

    def _on_field_edited(self, *_args: object) -> None:
        self._timer.start()

    def _on_mode_toggled(self, *_args: object) -> None:
        self.creative_section.setVisible(self.creates_ad)
        self.apply_button.setText("Queue ad from media" if self.creates_ad else "Queue upload")
        self.revalidate()

    def _on_choose_button_clicked(self) -> None:
        dialog = QFileDialog(self, "Choose an image or a video")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setNameFilter(FILE_FILTER)
        dialog.fileSelected.connect(self.set_file)
        self._dialog = dialog
        dialog.open()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        urls = event.mimeData().urls()
        if urls and urls[0].isLocalFile():
            event.acceptProposedAction()
            self.drop_zone.setProperty("hover", True)
            self.drop_zone.style().polish(self.drop_zone)

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        self.drop_zone.setProperty("hover", False)
        self.drop_zone.style().polish(self.drop_zone)

    def dropEvent(self, event: QDropEvent) -> None:
        self.drop_zone.setProperty("hover", False)
        self.drop_zone.style().polish(self.drop_zone)
        urls = event.mimeData().urls()
        if urls and urls[0].isLocalFile():
            event.acceptProposedAction()
            self.set_file(urls[0].toLocalFile())

    def _on_apply_button_clicked(self) -> None:
        self.apply()
