"""The Conversions API page: a CSV of events → mapping and validation report → dry-run payloads,
test events (Snap's validation) or a live send, with per-event results.

    window = open_conversions_window(session=session, parent=main_window)

The file is read in a worker thread (`load_conversions`), sends run on the loop
(`send_conversions`); the page never blocks. "Send" is a dry-run rehearsal unless the session's
live mode (`session.live_mode`, the one owner) is on — the page reads it when it draws and
redraws on `app_state(session).live_changed`, keeping no copy — and a live send is confirmed
naming the pixel and the number of events.

The mapping table is editable: each column's "Sent as" chooser offers the fields it may be sent
as, or "drop". A column that is hashed, or whose values look like e-mail addresses or phone
numbers, is offered the hashed user_data fields and "drop" only; such a column left unhashed
stops the file until it is mapped or dropped. Every choice reads the file again (the report and
a shown preview follow).
"""

from __future__ import annotations

import asyncio
import csv
import html
import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QGuiApplication,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QSpinBox,
    QSplitter,
    QStackedWidget,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from snapdesk import config
from snapdesk.changes.conversions import CapiBatch, CapiProgress, Mode, plan_batches
from snapdesk.conversions import (
    DEFAULT_WINDOW_DAYS,
    MAX_WINDOW_DAYS,
    ConversionsError,
    LoadOptions,
    LoadResult,
    write_sample,
)
from snapdesk.conversions.aliases import DESCRIPTIONS, DROP
from snapdesk.conversions.fields import PLAIN_USER_FIELDS
from snapdesk.conversions.model import MappingError
from snapdesk.core.outputs import (
    OutputClash,
    check_distinct,
    named,
    open_text,
    snapdesk_files,
    write_text,
)
from snapdesk.store import Store
from snapdesk.ui._geometry import keep_geometry
from snapdesk.ui._signals import emit
from snapdesk.ui.app_state import AppState, app_state
from snapdesk.ui.dialogs._widgets import Banner, hint
from snapdesk.ui.dialogs.capi_token import CapiTokenDialog
from snapdesk.ui.models.conversion_rows import (
    FIELD_COLUMN,
    ISSUE_COLUMNS,
    LOG_COLUMNS,
    RESULT_COLUMNS,
    SORT_ROLE,
    MappingModel,
    RowsModel,
    field_choices,
)
from snapdesk.ui.ops._op import AsyncOp, error_message
from snapdesk.ui.ops.conversions import (
    CapiAccess,
    SendDone,
    StoppableOp,
    load_conversions,
    send_conversions,
)
from snapdesk.ui.prefs import load_preferences, preferences_paths
from snapdesk.ui.views.states import StatePage

__all__ = ["ConversionsPage", "open_conversions_window"]

SOURCES: Final = (("web", "Web events"), ("app", "App events"), ("offline", "Offline events"))
TITLE: Final = "Conversions API"
MAPPING_TAB, REPORT_TAB, PREVIEW_TAB, RESULTS_TAB = range(4)
CSV_FILTER: Final = "CSV files (*.csv *.txt *.tsv);;All files (*)"


def _table(model: Any, *, stretch_last: bool = True) -> QTableView:
    view = QTableView()
    view.setTabKeyNavigation(False)  # Tab leaves the table
    view.setModel(model)
    view.verticalHeader().hide()
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.setShowGrid(False)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setStretchLastSection(stretch_last)
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    view.verticalHeader().setDefaultSectionSize(26)
    return view


def _fit_columns(view: QTableView, *, cap: int = 360) -> None:
    view.resizeColumnsToContents()
    model = view.model()
    for column in range(model.columnCount() - 1):
        if view.columnWidth(column) > cap:
            view.setColumnWidth(column, cap)


def _section(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("sectionTitle")
    return label


class _FieldCombo(QComboBox):
    """The chooser in a mapping row. The wheel scrolls the table unless the chooser has the
    focus, so scrolling past a row never remaps its column."""

    def wheelEvent(self, event: QWheelEvent) -> None:
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()


class _FieldDelegate(QStyledItemDelegate):
    """The "Sent as" chooser of the mapping table (`field_choices` decides what it offers)."""

    def __init__(self, page: ConversionsPage) -> None:
        super().__init__(page)
        self._page = page

    def createEditor(
        self,
        parent: QWidget,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> QWidget:
        model = index.model()
        assert isinstance(model, MappingModel)
        mapping = model.record(index.row())
        combo = _FieldCombo(parent)
        combo.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        combo.setAccessibleName(f"Send column {mapping.column} as")
        combo.setToolTip(
            "A column holding personal data can only be sent hashed, or dropped"
            if mapping.personal
            else "The field this column is sent as, or drop to leave it out"
        )
        for field, label in field_choices(mapping, source=self._page.source()):
            combo.addItem(label, field)
        combo.setCurrentIndex(0)
        combo.activated.connect(lambda _i, c=combo: self._on_combo_activated(c))
        return combo

    def setEditorData(self, editor: QWidget, index: QModelIndex | QPersistentModelIndex) -> None:
        """The chooser shows the current field (its first item) from creation on."""

    def setModelData(
        self,
        editor: QWidget,
        model: QAbstractItemModel,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        if isinstance(editor, QComboBox):
            model.setData(index, editor.currentData(), Qt.ItemDataRole.EditRole)

    def _on_combo_activated(self, combo: QComboBox) -> None:
        if combo.currentIndex() > 0:  # the first item is the current field
            self.commitData.emit(combo)


class ConversionsPage(QWidget):
    """The whole page. Signals: `loaded(LoadResult)`, `sent(SendDone)`."""

    loaded = Signal(object)
    sent = Signal(object)

    def __init__(
        self,
        *,
        loop: asyncio.AbstractEventLoop,
        access: CapiAccess,
        store: Store | None,
        state: AppState | None = None,
        sandbox: bool = False,
        assets: tuple[tuple[str, str], ...] = (),
        preferences: config.Paths | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """`state`: the session's `AppState`; the page reads live mode from its owner
        (`state.live_mode`) and redraws on `state.live_changed`. Without one (no session) the
        page only rehearses and sends test events. `preferences`: where the user's preferences
        are; their default country reads phone numbers without country code (read each time a
        file is loaded, never kept)."""
        super().__init__(parent)
        self._loop = loop
        self._access = access
        self._store = store
        self._state = state
        self._sandbox = sandbox
        self._assets = assets
        self._preferences = preferences
        self.result: LoadResult | None = None
        self.last_done: SendDone | None = None
        self.load_op: StoppableOp | None = None
        self.send_op: StoppableOp | None = None
        self._credential_op: AsyncOp | None = None
        self._credential_generation = 0
        self._credential_text: str | None = None
        self.confirm_box: QMessageBox | None = None
        self.file_dialog: QFileDialog | None = None
        self.token_dialog: CapiTokenDialog | None = None
        self._batches: list[CapiBatch] = []
        self._sample_dir: tempfile.TemporaryDirectory[str] | None = None
        #: the user's choices in the mapping table: column → field ("drop" to leave it out)
        self.column_map: dict[str, str] = {}
        self._loaded_path: str | None = None
        self._remapping = False
        self.setAcceptDrops(True)
        self._setup_ui()
        self._credential_timer = QTimer(self)
        self._credential_timer.setSingleShot(True)
        self._credential_timer.setInterval(250)
        self._credential_timer.timeout.connect(self._on_credential_timer_timeout)
        if state is not None:
            state.live_changed.connect(self._on_state_live_changed)
        self._refresh_actions()
        self._on_credential_timer_timeout()

    # -- construction ----------------------------------------------------------------------------

    def _setup_ui(self) -> None:
        self.setWindowTitle(f"{TITLE} — snapdesk")
        self.setObjectName("centralArea")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(18, 14, 18, 12)
        outer.setSpacing(10)

        head = QHBoxLayout()
        title = QLabel(TITLE)
        title.setObjectName("title")
        head.addWidget(title)
        head.addSpacing(8)
        self.mode_chip = QLabel()
        head.addWidget(self.mode_chip, 0, Qt.AlignmentFlag.AlignVCenter)
        head.addStretch(1)
        subtitle = QLabel("Send web, app and offline conversion events from a CSV file")
        subtitle.setObjectName("muted")
        head.addWidget(subtitle, 0, Qt.AlignmentFlag.AlignVCenter)
        outer.addLayout(head)

        outer.addWidget(self._setup_inputs())

        self.summary_banner = Banner("info")
        self.summary_banner.hide()
        outer.addWidget(self.summary_banner)

        self.stack = QStackedWidget()
        self.empty_page = StatePage(
            icon="info",
            title="Choose a CSV file of events",
            text=(
                "Drop a CSV file here or choose one. Each row is one event: event_name, "
                "event_time and at least one identifier — an email or phone column, the IP "
                "address, a mobile ad id… CRM column names such as “Email Address” or "
                "“Phone Number” are recognised. snapdesk checks every row before anything is "
                "sent."
            ),
        )
        self.empty_page.add_button("Choose file…", self._on_choose_button_clicked, primary=True)
        self.empty_page.add_button("Try a sample file", self._on_sample_button_clicked)
        self.stack.addWidget(self.empty_page)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self._setup_mapping_tab(), "Mapping")
        self.tabs.addTab(self._setup_report_tab(), "Validation report")
        self.tabs.addTab(self._setup_preview_tab(), "Payload preview")
        self.tabs.addTab(self._setup_results_tab(), "Results")
        self.stack.addWidget(self.tabs)
        outer.addWidget(self.stack, 1)

        outer.addLayout(self._setup_actions())

    def _setup_inputs(self) -> QFrame:
        card = QFrame()
        card.setObjectName("card")
        grid = QGridLayout(card)
        grid.setContentsMargins(14, 12, 14, 12)
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(8)

        grid.addWidget(self._label("Events file"), 0, 0)
        self.path_edit = QLineEdit()
        self.path_edit.setPlaceholderText("Choose or drop a CSV file of events")
        self.path_edit.setAccessibleName("Events file")
        self.path_edit.returnPressed.connect(self._on_path_edit_return_pressed)
        grid.addWidget(self.path_edit, 0, 1, 1, 3)
        file_buttons = QHBoxLayout()
        self.choose_button = QPushButton("Choose file…")
        self.choose_button.clicked.connect(self._on_choose_button_clicked)
        file_buttons.addWidget(self.choose_button)
        self.reload_button = QPushButton("Check again")
        self.reload_button.setToolTip("Read the file again (after you edited it)")
        self.reload_button.clicked.connect(self._on_reload_button_clicked)
        file_buttons.addWidget(self.reload_button)
        grid.addLayout(file_buttons, 0, 4)

        grid.addWidget(self._label("Source"), 1, 0)
        self.source_combo = QComboBox()
        self.source_combo.setAccessibleName("Source")
        for key, text in SOURCES:
            self.source_combo.addItem(text, key)
        self.source_combo.currentIndexChanged.connect(self._on_options_changed)
        grid.addWidget(self.source_combo, 1, 1)
        self.asset_label = self._label("Pixel ID")
        grid.addWidget(self.asset_label, 1, 2)
        self.asset_combo = QComboBox()
        self.asset_combo.setEditable(True)
        self.asset_combo.setAccessibleName("Pixel or app ID")
        self.asset_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.asset_combo.setMinimumContentsLength(36)
        for asset_id, label in self._assets:
            self.asset_combo.addItem(f"{asset_id}", asset_id)
            self.asset_combo.setItemData(
                self.asset_combo.count() - 1, label, Qt.ItemDataRole.ToolTipRole
            )
        self.asset_combo.setCurrentIndex(-1)
        line = self.asset_combo.lineEdit()
        assert line is not None
        line.setPlaceholderText("The pixel's ID from Events Manager")
        self.asset_combo.editTextChanged.connect(self._on_asset_combo_edit_text_changed)
        grid.addWidget(self.asset_combo, 1, 3, 1, 2)

        grid.addWidget(self._label("Time window"), 2, 0)
        self.window_spin = QSpinBox()
        self.window_spin.setRange(1, MAX_WINDOW_DAYS)
        self.window_spin.setValue(DEFAULT_WINDOW_DAYS)
        self.window_spin.setSuffix(" days")
        self.window_spin.setAccessibleName("Time window in days")
        self.window_spin.setToolTip(
            f"Events older than this are invalid. The connector uses {DEFAULT_WINDOW_DAYS} days; "
            f"Snap accepts up to {MAX_WINDOW_DAYS}."
        )
        self.window_spin.valueChanged.connect(self._on_options_changed)
        grid.addWidget(self.window_spin, 2, 1)
        grid.addWidget(self._label("Invalid rows"), 2, 2)
        rows = QHBoxLayout()
        self.skip_radio = QRadioButton("Skip invalid rows")
        self.stop_radio = QRadioButton("Stop at the first invalid row")
        self.skip_radio.setChecked(True)
        self.invalid_group = QButtonGroup(self)
        self.invalid_group.addButton(self.skip_radio)
        self.invalid_group.addButton(self.stop_radio)
        self.stop_radio.toggled.connect(self._on_options_changed)
        rows.addWidget(self.skip_radio)
        rows.addSpacing(12)
        rows.addWidget(self.stop_radio)
        rows.addStretch(1)
        grid.addLayout(rows, 2, 3, 1, 2)

        grid.addWidget(self._label("Credential"), 3, 0)
        self.credential_label = QLabel("—")
        self.credential_label.setWordWrap(True)
        self.credential_label.setTextFormat(Qt.TextFormat.RichText)
        grid.addWidget(self.credential_label, 3, 1, 1, 3)
        self.token_button = QPushButton("Conversions API token…")
        self.token_button.clicked.connect(self._on_token_button_clicked)
        grid.addWidget(self.token_button, 3, 4)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 2)
        return card

    @staticmethod
    def _label(text: str) -> QLabel:
        label = QLabel(text)
        label.setObjectName("formLabel")
        return label

    def _setup_mapping_tab(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 10, 0, 0)
        bar = QHBoxLayout()
        self.mapping_hint = hint(
            "Choose under “Sent as” how each column is sent, or “drop” it. Identifier columns "
            "(email, phone, name, address, customer id) are hashed (SHA-256) on this computer; "
            "a column holding email addresses or phone numbers is only ever sent hashed."
        )
        self.mapping_hint.setToolTip(
            "The IP address, user agent and mobile ad id are sent unhashed: Snap requires them so."
        )
        bar.addWidget(self.mapping_hint, 1)
        self.reset_mapping_button = QPushButton("Reset mapping")
        self.reset_mapping_button.setToolTip("Forget your choices: map every column by its name")
        self.reset_mapping_button.clicked.connect(self._on_reset_mapping_button_clicked)
        bar.addSpacing(12)
        bar.addWidget(self.reset_mapping_button, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.addLayout(bar)
        self.mapping_model = MappingModel(self)
        self.mapping_model.field_chosen.connect(self._on_mapping_model_field_chosen)
        self.mapping_view = _table(self.mapping_model)
        self.mapping_view.setAccessibleName("Column mapping")
        self.mapping_view.setItemDelegateForColumn(FIELD_COLUMN, _FieldDelegate(self))
        self.mapping_view.verticalHeader().setDefaultSectionSize(34)
        self.mapping_view.setWordWrap(False)
        layout.addWidget(self.mapping_view, 1)
        return page

    def _setup_report_tab(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 10, 0, 0)
        bar = QHBoxLayout()
        self.report_counts = QLabel()
        self.report_counts.setTextFormat(Qt.TextFormat.RichText)
        bar.addWidget(self.report_counts)
        bar.addStretch(1)
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter by row, field, problem or value")
        self.filter_edit.setAccessibleName("Filter the problems")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.setMinimumWidth(300)
        self.filter_edit.textChanged.connect(self._on_filter_edit_text_changed)
        bar.addWidget(self.filter_edit)
        self.save_report_button = QPushButton("Save report…")
        self.save_report_button.clicked.connect(self._on_save_report_button_clicked)
        bar.addWidget(self.save_report_button)
        layout.addLayout(bar)
        self.issue_model = RowsModel(ISSUE_COLUMNS, self)
        self.issue_proxy = QSortFilterProxyModel(self)
        self.issue_proxy.setSourceModel(self.issue_model)
        self.issue_proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.issue_proxy.setFilterKeyColumn(-1)
        self.issue_proxy.setSortRole(SORT_ROLE)
        self.issue_view = _table(self.issue_proxy)
        self.issue_view.setAccessibleName("Problems by row")
        self.issue_view.setSortingEnabled(True)
        self.issue_view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        layout.addWidget(self.issue_view, 1)
        self.report_empty = hint("")
        layout.addWidget(self.report_empty)
        return page

    def _setup_preview_tab(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 10, 0, 0)
        self.preview_hint = hint(
            "Choose “Preview payloads (dry-run)” to see each request exactly as it would be "
            "sent. Nothing leaves this computer."
        )
        layout.addWidget(self.preview_hint)
        split = QSplitter(Qt.Orientation.Horizontal)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(_section("Requests"))
        self.batch_list = QListWidget()
        self.batch_list.setAccessibleName("Requests")
        self.batch_list.currentRowChanged.connect(self._on_batch_list_current_row_changed)
        left_layout.addWidget(self.batch_list, 1)
        split.addWidget(left)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        self.request_label = QLabel()
        self.request_label.setObjectName("code")
        self.request_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.request_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        top.addWidget(self.request_label, 1)
        self.copy_button = QPushButton("Copy JSON")
        self.copy_button.clicked.connect(self._on_copy_button_clicked)
        top.addWidget(self.copy_button)
        right_layout.addLayout(top)
        self.payload_view = QPlainTextEdit()
        self.payload_view.setAccessibleName("Request body")
        self.payload_view.setObjectName("rawJson")
        self.payload_view.setReadOnly(True)
        self.payload_view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        right_layout.addWidget(self.payload_view, 1)
        split.addWidget(right)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 3)
        split.setSizes([300, 900])
        layout.addWidget(split, 1)
        return page

    def _setup_results_tab(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 10, 0, 0)
        self.results_banner = Banner("info")
        layout.addWidget(self.results_banner)
        self.results_empty = hint(
            "Results appear here after a dry-run, a test or a send: one row per event."
        )
        layout.addWidget(self.results_empty)
        bar = QHBoxLayout()
        self.stats_label = QLabel()
        self.stats_label.setTextFormat(Qt.TextFormat.RichText)
        bar.addWidget(self.stats_label)
        bar.addStretch(1)
        self.save_results_button = QPushButton("Save results…")
        self.save_results_button.clicked.connect(self._on_save_results_button_clicked)
        bar.addWidget(self.save_results_button)
        layout.addLayout(bar)
        self.results_split = QSplitter(Qt.Orientation.Vertical)
        box = QWidget()
        box_layout = QVBoxLayout(box)
        box_layout.setContentsMargins(0, 0, 0, 0)
        box_layout.addWidget(_section("Events"))
        self.result_model = RowsModel(RESULT_COLUMNS, self)
        self.result_view = _table(self.result_model)
        self.result_view.setAccessibleName("Results")
        box_layout.addWidget(self.result_view, 1)
        self.results_split.addWidget(box)
        self.logs_box = QWidget()
        logs_layout = QVBoxLayout(self.logs_box)
        logs_layout.setContentsMargins(0, 6, 0, 0)
        self.logs_title = _section("Snap's validation log (test events, last 24 hours)")
        logs_layout.addWidget(self.logs_title)
        self.log_model = RowsModel(LOG_COLUMNS, self)
        self.log_view = _table(self.log_model)
        self.log_view.setAccessibleName("Events log")
        logs_layout.addWidget(self.log_view, 1)
        self.results_split.addWidget(self.logs_box)
        layout.addWidget(self.results_split, 1)
        self._show_results(None)
        return page

    def _setup_actions(self) -> QHBoxLayout:
        bar = QHBoxLayout()
        bar.setSpacing(8)
        self.progress = QProgressBar()
        self.progress.setFixedWidth(220)
        self.progress.setTextVisible(False)
        self.progress.hide()
        bar.addWidget(self.progress)
        self.status_label = QLabel()
        self.status_label.setObjectName("muted")
        self.status_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        bar.addWidget(self.status_label, 1)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self._on_cancel_button_clicked)
        self.cancel_button.hide()
        bar.addWidget(self.cancel_button)
        self.preview_button = QPushButton("Preview payloads (dry-run)")
        self.preview_button.clicked.connect(self._on_preview_button_clicked)
        bar.addWidget(self.preview_button)
        self.test_button = QPushButton("Send test events")
        self.test_button.setToolTip(
            "Snap validates the events (/events/validate) and doesn't process them"
        )
        self.test_button.clicked.connect(self._on_test_button_clicked)
        bar.addWidget(self.test_button)
        self.send_button = QPushButton("Send (dry-run)")
        self.send_button.setObjectName("primaryButton")
        self.send_button.clicked.connect(self._on_send_button_clicked)
        bar.addWidget(self.send_button)
        return bar

    # -- state -----------------------------------------------------------------------------------

    def source(self) -> str:
        return str(self.source_combo.currentData())

    def asset_id(self) -> str:
        return self.asset_combo.currentText().strip()

    def set_asset_id(self, asset_id: str) -> None:
        self.asset_combo.setEditText(asset_id)

    def options(self) -> LoadOptions:
        return LoadOptions(
            source=self.source(),  # type: ignore[arg-type]
            window_days=self.window_spin.value(),
            stop_on_invalid=self.stop_radio.isChecked(),
            column_map=tuple((c, f) for c, f in self.column_map.items() if f != DROP),
            drop_columns=tuple(c for c, f in self.column_map.items() if f == DROP),
            default_country=(
                load_preferences(self._preferences).default_country
                if self._preferences is not None
                else None
            ),
        )

    def is_live(self) -> bool:
        """Live mode, read from its one owner (`session.live_mode`) each time."""
        return self._state is not None and self._state.live_mode.live

    def _on_state_live_changed(self, live: bool) -> None:
        if not live and self.confirm_box is not None:
            self.confirm_box.reject()  # asked while live: moot now, nothing is sent
            self.confirm_box = None
        self._refresh_actions()

    @property
    def busy(self) -> bool:
        return any(op is not None and op.running for op in (self.load_op, self.send_op))

    def _refresh_actions(self) -> None:
        live = self.is_live()
        if self._sandbox:
            chip, name = ("SANDBOX · LIVE", "chipWarning") if live else ("SANDBOX", "chipMuted")
        else:
            chip, name = ("LIVE", "chipDanger") if live else ("DRY-RUN", "chipMuted")
        if self.mode_chip.text() != chip:
            self.mode_chip.setText(chip)
            self.mode_chip.setObjectName(name)
            self.mode_chip.style().unpolish(self.mode_chip)
            self.mode_chip.style().polish(self.mode_chip)
        self.send_button.setText("Send" if live else "Send (dry-run)")
        self.send_button.setToolTip(
            "Send the valid events to Snap for real"
            if live
            else "Live mode is off: rehearse the send, nothing leaves this computer"
        )
        result = self.result
        ready = result is not None and result.ok and bool(result.events) and not self.busy
        has_asset = bool(self.asset_id())
        self.preview_button.setEnabled(ready and has_asset)
        self.test_button.setEnabled(ready and has_asset)
        self.send_button.setEnabled(ready and has_asset)
        self.reload_button.setEnabled(bool(self.path_edit.text().strip()) and not self.busy)
        self.reset_mapping_button.setEnabled(bool(self.column_map) and not self.busy)
        self.save_report_button.setEnabled(result is not None)
        self.save_results_button.setEnabled(self.last_done is not None)
        why = ""
        if result is not None and result.ok and result.events and not has_asset:
            why = (
                "Enter the pixel ID to preview or send"
                if self.source() != "app"
                else ("Enter the Snap app ID to preview or send")
            )
        if not self.busy and why:
            self.status_label.setText(why)

    # -- file ------------------------------------------------------------------------------------

    def load_file(self, path: str | Path) -> None:
        """Read `path` with the current options (in a worker thread)."""
        self.path_edit.setText(str(path))
        self._start_load()

    def choose_field(self, column: str, field: str) -> None:
        """Send `column` as `field` ("drop" to leave it out) and read the file again."""
        self._on_mapping_model_field_chosen(column, field)

    def _on_mapping_model_field_chosen(self, column: str, field: str) -> None:
        self.column_map[column] = field
        self._remapping = True
        self._start_load()

    def _on_reset_mapping_button_clicked(self) -> None:
        if self.column_map:
            self.column_map.clear()
            self._remapping = True
            self._start_load()

    def _start_load(self) -> None:
        path = self.path_edit.text().strip()
        if not path:
            return
        if path != self._loaded_path:  # another file: choices made for the last one don't apply
            self.column_map.clear()
            self._loaded_path = path
        if self.load_op is not None and self.load_op.running:
            self.load_op.stop()
            self.load_op.cancel()
        try:
            options = self.options()
        except ValueError as exc:  # pragma: no cover - the spin box keeps the range
            self._show_summary("error", html.escape(str(exc)))
            return
        op = load_conversions(loop=self._loop, parent=self, path=path, options=options)
        self.load_op = op
        op.progressed.connect(self._on_load_progressed)
        op.succeeded.connect(self._on_load_succeeded)
        op.failed.connect(self._on_load_failed)
        op.finished.connect(self._on_op_finished)
        self._begin_busy(f"Reading {Path(path).name}…")

    def _on_load_progressed(self, rows: object) -> None:
        if self.sender() is self.load_op:
            self.status_label.setText(f"Reading… {int(rows):,} row(s) checked")  # type: ignore[call-overload]

    def _on_load_succeeded(self, result: LoadResult) -> None:
        if self.sender() is not self.load_op:
            return
        remapped, self._remapping = self._remapping, False
        previewed = bool(self._batches)
        self.result = result
        self.last_done = None
        self._batches = []
        self.stack.setCurrentWidget(self.tabs)
        self._show_mapping(result)
        self.issue_model.set_rows(result.issues)
        _fit_columns(self.issue_view, cap=420)
        self._show_report_counts(result)
        asset = self.asset_id()
        if remapped and previewed and result.ok and result.events and asset:
            # The preview follows the new mapping at once (computed here: nothing is sent,
            # nothing is audited; "Preview payloads" rehearses through the gateway).
            self._show_preview(plan_batches(result.events, asset_id=asset, mode="dry-run"))
        else:
            self._show_preview([])
        self._show_results(None)
        self._show_load_summary(result)
        self.status_label.setText(
            f"Checked {result.rows_read:,} row(s) of {result.path.name if result.path else 'the file'}"
        )
        invalid = bool(result.file_errors or result.issues)
        if result.refusals or remapped:
            self.tabs.setCurrentIndex(MAPPING_TAB)
        else:
            self.tabs.setCurrentIndex(REPORT_TAB if invalid else MAPPING_TAB)
        emit(self.loaded, result)

    def _show_mapping(self, result: LoadResult) -> None:
        self.mapping_model.set_rows(result.columns)
        _fit_columns(self.mapping_view, cap=240)
        self.mapping_view.setColumnWidth(0, self.mapping_view.columnWidth(0) + 12)
        for row in range(self.mapping_model.rowCount()):
            index = self.mapping_model.index(row, FIELD_COLUMN)
            if self.mapping_model.flags(index) & Qt.ItemFlag.ItemIsEditable:
                self.mapping_view.openPersistentEditor(index)
        self.mapping_view.setColumnWidth(FIELD_COLUMN, 330)
        refused = sum(1 for c in result.columns if c.refused)
        self.tabs.setTabText(MAPPING_TAB, f"Mapping ({refused:,} to fix)" if refused else "Mapping")

    def mapping_editor(self, column: str) -> QComboBox | None:
        """The "Sent as" chooser of `column` in the mapping table (None if it has none)."""
        for row in range(self.mapping_model.rowCount()):
            if self.mapping_model.record(row).column == column:
                widget = self.mapping_view.indexWidget(self.mapping_model.index(row, FIELD_COLUMN))
                return widget if isinstance(widget, QComboBox) else None
        return None

    def _on_load_failed(self, exc: BaseException) -> None:
        if self.sender() is not self.load_op:
            return
        self._remapping = False
        if isinstance(exc, MappingError) and self.column_map:
            # The file changed under the choices (a column renamed or removed): start over.
            self.column_map.clear()
            self.status_label.setText(f"{exc.message} — your column choices were reset")
            self._start_load()
            return
        message = exc.message if isinstance(exc, ConversionsError) else error_message(exc)
        self.result = None
        self._show_summary("error", f"Can't read the file: {html.escape(message)}")

    def _show_summary(self, kind: str, text: str) -> None:
        self.summary_banner.set_kind(kind)
        self.summary_banner.set_text(text)
        self.summary_banner.show()

    def _show_load_summary(self, result: LoadResult) -> None:
        name = html.escape(result.path.name if result.path else "the file")
        summary = html.escape(result.summary())
        if result.refusals:
            first = result.refusals[0]
            more = len(result.refusals) - 1
            also = f" And {more:,} more column(s), marked in the mapping." if more else ""
            self._show_summary(
                "error",
                f"<b>Nothing can be sent yet:</b> {html.escape(first.gui_message())}{also} "
                "Choose in the “Sent as” column of the Mapping tab.",
            )
            return
        if result.file_errors:
            self._show_summary(
                "error",
                f"<b>{name} can't be sent:</b> {html.escape(result.file_errors[0])}. Fix the "
                "file and choose “Check again”.",
            )
            return
        if result.stopped_at is not None:
            issues = result.issues_for(result.stopped_at)
            why = (
                f" — {html.escape(issues[0].field)}: {html.escape(issues[0].reason)}"
                if issues
                else ""
            )
            self._show_summary(
                "error",
                f"<b>Stopped at the first invalid row (row {result.stopped_at}){why}.</b> "
                "Nothing will be sent. Fix the row, or choose “Skip invalid rows” to send the "
                "valid ones.",
            )
            return
        window = result.options.window_days
        too_old = sum(
            1 for i in result.errors if i.field == "event_time" and "days in the past" in i.reason
        )
        old_hint = ""
        if too_old:
            widen = (
                f"Widen the time window (Snap accepts up to {MAX_WINDOW_DAYS} days) or export "
                "recent events."
                if window < MAX_WINDOW_DAYS
                else f"Snap accepts nothing older than {MAX_WINDOW_DAYS} days: export recent events."
            )
            old_hint = f" {too_old:,} event(s) are outside the {window}-day window. {widen}"
        if not result.events:
            self._show_summary(
                "error",
                f"<b>No valid events in {name}.</b> {summary}.{html.escape(old_hint)} "
                "See the validation report for each row.",
            )
        elif result.invalid_count:
            self._show_summary(
                "warning",
                f"<b>{result.valid_count:,} valid event(s) ready to send;</b> "
                f"{result.invalid_count:,} invalid row(s) will be skipped — see the validation "
                f"report.{html.escape(old_hint)}",
            )
        else:
            self._show_summary(
                "ok", f"<b>All {result.valid_count:,} event(s) in {name} are valid.</b> {summary}."
            )

    def _show_report_counts(self, result: LoadResult) -> None:
        c_ok, c_bad = "#16a34a", "#dc2626"
        warn = f" · {len(result.warnings):,} warning(s)" if result.warnings else ""
        self.report_counts.setText(
            f"{result.rows_read:,} row(s) read · "
            f"<b style='color:{c_ok}'>{result.valid_count:,} valid</b> · "
            f"<b style='color:{c_bad}'>{result.invalid_count:,} invalid</b>{warn}"
        )
        tab = "Validation report"
        if result.file_errors:
            tab += " (file error)"
        elif result.invalid_count:
            tab += f" ({result.invalid_count:,} invalid)"
        self.tabs.setTabText(REPORT_TAB, tab)
        if result.file_errors:
            gui = [r.gui_message() for r in result.refusals]
            other = [
                e for e in result.file_errors if e not in {r.message() for r in result.refusals}
            ]
            self.report_empty.setText("File problems: " + " ".join([*other, *gui]))
        elif not result.issues:
            self.report_empty.setText("No problems found: every row is valid.")
        else:
            self.report_empty.setText(
                "Rows are numbered as in a spreadsheet: the header is row 1. Only the cell at "
                "fault is shown, with email addresses and phone numbers hidden."
            )
        self.report_empty.setVisible(True)

    def _on_filter_edit_text_changed(self, text: str) -> None:
        self.issue_proxy.setFilterFixedString(text.strip())

    def _on_path_edit_return_pressed(self) -> None:
        self._start_load()

    def _on_reload_button_clicked(self) -> None:
        self._start_load()

    def _on_options_changed(self) -> None:
        self.asset_label.setText("Snap app ID" if self.source() == "app" else "Pixel ID")
        line = self.asset_combo.lineEdit()
        if line is not None:
            line.setPlaceholderText(
                "The Snap app ID from Events Manager"
                if self.source() == "app"
                else "The pixel's ID from Events Manager"
            )
        if self.path_edit.text().strip():
            self._start_load()

    def _on_choose_button_clicked(self) -> None:
        dialog = QFileDialog(self, "Choose a CSV file of events")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setNameFilter(CSV_FILTER)
        current = self.path_edit.text().strip()
        if current:
            dialog.setDirectory(str(Path(current).parent))
        dialog.fileSelected.connect(self._on_file_dialog_file_selected)
        self.file_dialog = dialog
        dialog.open()

    def _on_file_dialog_file_selected(self, path: str) -> None:
        if path:
            self.load_file(path)

    def _on_sample_button_clicked(self) -> None:
        if self._sample_dir is None:
            self._sample_dir = tempfile.TemporaryDirectory(prefix="snapdesk-sample-")
        source = self.source()
        path = write_sample(Path(self._sample_dir.name) / f"sample_{source}_events.csv", source)  # type: ignore[arg-type]
        self.load_file(path)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
        if len(urls) == 1 and urls[0].isLocalFile():
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        urls = event.mimeData().urls()
        if urls and urls[0].isLocalFile():
            event.acceptProposedAction()
            self.load_file(urls[0].toLocalFile())

    # -- report ----------------------------------------------------------------------------------

    def _on_save_report_button_clicked(self) -> None:
        if self.result is None:
            return
        stem = self.result.path.stem if self.result.path else "events"
        self._ask_save_path(f"{stem}-report.csv", self.write_report, "Save the validation report")

    def _ask_save_path(self, name: str, write: Callable[[str], None], title: str) -> None:
        dialog = QFileDialog(self, title)
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setNameFilters(["CSV (*.csv)", "Text (*.txt)", "JSON (*.json)"])
        base = self.result.path.parent if self.result and self.result.path else Path.home()
        dialog.setDirectory(str(base))
        dialog.selectFile(name)
        dialog.fileSelected.connect(write)
        self.file_dialog = dialog
        dialog.open()

    def write_report(self, path: str) -> None:
        """The validation report to `path`: CSV (.csv), JSON (.json) or text lines."""
        result = self.result
        if result is None or not path:
            return
        target = Path(path)
        try:
            _refuse_the_events_file(target, result.path)
            if target.suffix.lower() == ".json":
                text = json.dumps(result.to_json(), indent=2, ensure_ascii=False)
                write_text(target, text, private=True)
            elif target.suffix.lower() == ".csv":
                with open_text(target, private=True) as fh:
                    writer = csv.writer(fh)
                    writer.writerow(["row", "field", "severity", "reason", "value"])
                    for problem in result.file_errors:
                        writer.writerow(["", "file", "error", problem, ""])
                    for issue in result.issues:
                        writer.writerow(
                            [
                                issue.row,
                                issue.field,
                                issue.severity,
                                issue.reason,
                                issue.value or "",
                            ]
                        )
            else:
                lines = [result.summary(), *result.report_lines()]
                write_text(target, "\n".join(lines) + "\n", private=True)
        except OutputClash as exc:
            self.status_label.setText(f"Couldn't save the report: {exc.message}")
            return
        except OSError as exc:
            self.status_label.setText(f"Couldn't save the report: {exc.strerror or exc}")
            return
        self.status_label.setText(f"Report saved to {target}")

    # -- credential ------------------------------------------------------------------------------

    def _on_asset_combo_edit_text_changed(self, _text: str) -> None:
        self._credential_timer.start()
        self._refresh_actions()

    def _on_credential_timer_timeout(self) -> None:
        self._credential_generation += 1
        generation = self._credential_generation
        asset = self.asset_id()
        if not asset:
            self.credential_label.setText(
                "<span style='color:gray'>Enter the pixel or app ID to see which credential "
                "sends use.</span>"
            )
            return
        if self._loop.is_closed():
            return
        op = AsyncOp(loop=self._loop, name="conversions credential", parent=self)
        op.succeeded.connect(lambda answer, g=generation: self._on_credential_resolved(g, answer))
        self._credential_op = op
        op.start(self._describe_credential(asset))

    async def _describe_credential(self, asset: str) -> tuple[bool, str]:
        return await self._loop.run_in_executor(None, self._access.describe, asset)

    def _on_credential_resolved(self, generation: int, answer: tuple[bool, str]) -> None:
        if generation != self._credential_generation:
            return
        usable, text = answer
        self._credential_text = text if usable else None
        if usable:
            self.credential_label.setText(f"Tests and sends use {html.escape(text)}.")
        else:
            self.credential_label.setText(
                f"<span style='color:#dc2626'>{html.escape(text)}.</span> Dry-runs need no token."
            )

    def _on_token_button_clicked(self) -> None:
        dialog = CapiTokenDialog(
            asset_id=self.asset_id(),
            access=self._access,
            credential_text=self._credential_text,
            parent=self,
        )
        dialog.saved.connect(self._on_token_dialog_changed)
        dialog.removed.connect(self._on_token_dialog_changed)
        self.token_dialog = dialog
        dialog.open()

    def _on_token_dialog_changed(self, asset_id: str) -> None:
        if asset_id and not self.asset_id():
            self.set_asset_id(asset_id)
        self.status_label.setText(f"Conversions API token for {asset_id} updated in the keyring")
        self._on_credential_timer_timeout()

    # -- sending ---------------------------------------------------------------------------------

    def _on_preview_button_clicked(self) -> None:
        self.start_send("dry-run")

    def _on_test_button_clicked(self) -> None:
        self.start_send("test")

    def _on_send_button_clicked(self) -> None:
        result = self.result
        if result is None or not result.events:
            return
        if not self.is_live():
            self.start_send("dry-run")
            return
        count = len(result.events)
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Send conversion events")
        box.setText(
            f"Send {count:,} event(s) to {'app' if self.source() == 'app' else 'pixel'} "
            f"{self.asset_id()}?"
        )
        box.setInformativeText(
            "Live mode is on: Snap will process these events as real conversions. Events keep "
            "their event_id, so sending the same file again is deduplicated by Snap."
        )
        box.setStandardButtons(QMessageBox.StandardButton.Cancel)
        send = box.addButton(f"Send {count:,} event(s)", QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.buttonClicked.connect(
            lambda button: self._on_confirm_box_button_clicked(button is send)
        )
        self.confirm_box = box
        box.open()

    def _on_confirm_box_button_clicked(self, accepted: bool) -> None:
        self.confirm_box = None
        if accepted and self.is_live():
            self.start_send("live")

    def start_send(self, mode: Mode) -> None:
        """Rehearse, test or send the loaded valid events to the pixel or app."""
        result = self.result
        asset = self.asset_id()
        if result is None or not result.events or not asset or self.busy:
            return
        op = send_conversions(
            loop=self._loop,
            parent=self,
            access=self._access,
            events=result.events,
            asset_id=asset,
            mode=mode,
            store=self._store,
        )
        self.send_op = op
        op.progressed.connect(self._on_send_progressed)
        op.succeeded.connect(self._on_send_succeeded)
        op.failed.connect(self._on_send_failed)
        op.cancelled.connect(self._on_send_cancelled)
        op.finished.connect(self._on_op_finished)
        verb = {"dry-run": "Rehearsing", "test": "Sending test events", "live": "Sending"}[mode]
        self._begin_busy(f"{verb}: {len(result.events):,} event(s) to {asset}…")
        self.progress.setRange(0, len(result.events))
        self.progress.setValue(0)

    def _on_send_progressed(self, progress: CapiProgress) -> None:
        if self.sender() is not self.send_op:
            return
        self.progress.setRange(0, max(progress.events_total, 1))
        self.progress.setValue(progress.events_done)
        self.status_label.setText(progress.message)

    def _on_send_succeeded(self, done: SendDone) -> None:
        if self.sender() is not self.send_op:
            return
        self.last_done = done
        report = done.report
        self._show_preview(list(report.plan))
        self._show_results(done)
        self.tabs.setCurrentIndex(PREVIEW_TAB if report.mode == "dry-run" else RESULTS_TAB)
        self.status_label.setText(report.summary())
        emit(self.sent, done)

    def _on_send_failed(self, exc: BaseException) -> None:
        if self.sender() is not self.send_op:
            return
        message = exc.message if isinstance(exc, ConversionsError) else error_message(exc)
        self.results_banner.set_kind("error")
        self.results_banner.set_text(f"<b>Nothing was sent.</b> {html.escape(message)}")
        self.results_banner.show()
        self.results_empty.hide()
        self.tabs.setCurrentIndex(RESULTS_TAB)
        self.status_label.setText("Nothing was sent")

    def _on_send_cancelled(self) -> None:
        self.status_label.setText("Stopped")

    def _on_cancel_button_clicked(self) -> None:
        if self.load_op is not None and self.load_op.running:
            self.load_op.stop()
            self.load_op.cancel()
            self.status_label.setText("Reading stopped")
        if self.send_op is not None and self.send_op.running:
            self.send_op.stop()
            self.status_label.setText("Stopping after the current request…")

    def _begin_busy(self, text: str) -> None:
        self.status_label.setText(text)
        self.progress.setRange(0, 0)
        self.progress.show()
        self.cancel_button.show()
        self._refresh_actions()

    def _on_op_finished(self) -> None:
        if self.busy:
            return
        self.progress.hide()
        self.cancel_button.hide()
        self._refresh_actions()

    # -- preview and results -----------------------------------------------------------------------

    def _show_preview(self, batches: list[CapiBatch]) -> None:
        self._batches = batches
        self.batch_list.clear()
        for batch in batches:
            self.batch_list.addItem(
                f"Request {batch.number} · {len(batch.events):,} event(s) · "
                f"rows {batch.events[0].row}–{batch.events[-1].row}"
            )
        self.preview_hint.setText(
            f"{len(batches)} request(s). {_privacy_note(batches)} The access token is shown as "
            "<token>."
            if batches
            else "Choose “Preview payloads (dry-run)” to see each request exactly as it would be "
            "sent. Nothing leaves this computer."
        )
        if batches:
            self.batch_list.setCurrentRow(0)
        else:
            self.request_label.clear()
            self.payload_view.clear()
        self.copy_button.setEnabled(bool(batches))

    def _on_batch_list_current_row_changed(self, row: int) -> None:
        if not (0 <= row < len(self._batches)):
            return
        batch = self._batches[row]
        self.request_label.setText(batch.describe())
        self.payload_view.setPlainText(json.dumps(batch.body, indent=2, ensure_ascii=False))

    def _on_copy_button_clicked(self) -> None:
        clipboard = QGuiApplication.clipboard()
        clipboard.setText(self.payload_view.toPlainText())
        self.status_label.setText("JSON copied")

    def _show_results(self, done: SendDone | None) -> None:
        if done is None:
            self.results_banner.hide()
            self.results_empty.show()
            self.stats_label.clear()
            self.result_model.set_rows([])
            self.log_model.set_rows([])
            self.logs_box.hide()
            self.tabs.setTabText(RESULTS_TAB, "Results")
            return
        report = done.report
        self.results_empty.hide()
        kind = "ok" if report.ok else ("warning" if report.accepted else "error")
        if report.mode == "dry-run" and report.ok:
            kind = "info"
        via = f" Authenticated with {html.escape(done.credential)}." if done.credential else ""
        extra = {
            "dry-run": " Turn on live mode in the main window to send for real.",
            "test": " Snap checked the events and did not process them.",
            "live": "",
        }[report.mode]
        self.results_banner.set_kind(kind)
        self.results_banner.set_text(f"<b>{html.escape(report.summary())}.</b>{extra}{via}")
        self.results_banner.show()
        self.result_model.set_rows(report.events)
        _fit_columns(self.result_view, cap=320)
        problems = len(report.problems)
        self.tabs.setTabText(
            RESULTS_TAB, f"Results ({problems:,} problem(s))" if problems else "Results"
        )
        stats_text = ""
        if report.stats is not None:
            stats = report.stats
            stats_text = (
                "Snap's counts for the past hour: "
                f"<b>{stats.test.event_count_past_hour:,}</b> test event(s) · "
                f"<b>{stats.live.event_count_past_hour:,}</b> live event(s)"
            )
        elif report.followup_error:
            stats_text = (
                f"<span style='color:gray'>Snap's validation log and counts are unavailable: "
                f"{html.escape(report.followup_error)}</span>"
            )
        self.stats_label.setText(stats_text)
        if report.logs is not None:
            self.log_model.set_rows(report.logs.logs)
            _fit_columns(self.log_view, cap=260)
            self.logs_title.setText(
                f"Snap's validation log (test events, last 24 hours): {len(report.logs.logs):,}"
            )
            self.logs_box.show()
        else:
            self.log_model.set_rows([])
            self.logs_box.hide()

    def _on_save_results_button_clicked(self) -> None:
        if self.last_done is None:
            return
        name = f"conversions-{self.last_done.report.mode}-results.json"
        self._ask_save_path(name, self.write_results, "Save the send results")

    def write_results(self, path: str) -> None:
        """The last dry-run, test or send to `path`: JSON, or CSV of the per-event results."""
        if self.last_done is None or not path:
            return
        report = self.last_done.report
        target = Path(path)
        try:
            _refuse_the_events_file(target, self.result.path if self.result else None)
            if target.suffix.lower() == ".csv":
                with open_text(target, private=True) as fh:
                    writer = csv.writer(fh)
                    writer.writerow(["row", "event_name", "event_id", "outcome", "reason"])
                    for e in report.events:
                        writer.writerow(
                            [e.row, e.event_name, e.event_id, e.outcome, e.reason or ""]
                        )
            else:
                text = json.dumps(report.to_json(), indent=2, ensure_ascii=False)
                write_text(target, text, private=True)
        except OutputClash as exc:
            self.status_label.setText(f"Couldn't save the results: {exc.message}")
            return
        except OSError as exc:
            self.status_label.setText(f"Couldn't save the results: {exc.strerror or exc}")
            return
        self.status_label.setText(f"Results saved to {target}")

    # -- closing ---------------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        self._credential_timer.stop()
        for op in (self.load_op, self.send_op):
            if op is not None and op.running:
                op.stop()
                op.cancel()
        if self._sample_dir is not None:
            self._sample_dir.cleanup()
            self._sample_dir = None
        super().closeEvent(event)


def _privacy_note(batches: list[CapiBatch]) -> str:
    """What the preview may claim about personal data, true for these payloads: every e-mail
    address and phone number is hashed (the import refuses any other way), every user_data
    field is hashed except the ones Snap takes plain, named when present."""
    plain = {
        name
        for batch in batches
        for event in batch.payloads
        for name in event.get("user_data", {})
        if name in PLAIN_USER_FIELDS
    }
    note = (
        "E-mail addresses and phone numbers appear only as SHA-256 hashes, and so does every "
        "other user_data field"
    )
    if not plain:
        return note + "."
    named = [DESCRIPTIONS.get(n, n) for n in PLAIN_USER_FIELDS if n in plain]
    listed = ", ".join(named[:-1]) + (" and " if len(named) > 1 else "") + named[-1]
    return f"{note} except the {listed}, which Snap takes unhashed."


def _known_assets(session: Any) -> tuple[tuple[str, str], ...]:
    if session is None or not session.is_sandbox:
        return ()
    from snapdesk.sandbox.capi import DEMO_PIXEL_ID, DEMO_SNAP_APP_ID

    return ((DEMO_PIXEL_ID, "Sandbox demo pixel"), (DEMO_SNAP_APP_ID, "Sandbox demo Snap app"))


def open_conversions_window(*, session: Any, parent: QWidget | None) -> QWidget:
    """Open the Conversions API page as its own window and return it.

    `session` is the main window's `Session` (None for a user with no login: a per-pixel token
    from the keyring then suffices, and the page has no live mode: dry-runs and test events).
    Live mode is the session's (`session.live_mode`), followed through `app_state(session)`.
    """
    loop = session.loop if session is not None else asyncio.get_event_loop()
    page = ConversionsPage(
        loop=loop,
        access=CapiAccess.for_session(session),
        store=session.store if session is not None else None,
        state=app_state(session) if session is not None else None,
        sandbox=session is not None and session.is_sandbox,
        assets=_known_assets(session),
        preferences=preferences_paths(session),
        parent=parent,
    )
    page.setWindowFlag(Qt.WindowType.Window, True)
    page.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
    keep_geometry(page, "conversions", default=QSize(1240, 840))
    page.show()
    return page


def _refuse_the_events_file(target: Path, events: Path | None) -> None:
    """A report or results file must not replace the events CSV (or snapdesk's own files)."""
    inputs = [named("the events file", events)] if events is not None else []
    check_distinct(
        inputs=[*inputs, *snapdesk_files()],
        outputs=[named("", target)],
        advice="choose another file name",
    )
