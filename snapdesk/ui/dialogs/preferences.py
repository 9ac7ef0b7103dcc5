"""Preferences (Edit → Preferences…, Ctrl+,; the application menu on macOS).

Four pages: General (data folder, default country for phone numbers, stats refresh), Appearance
(System/Light/Dark, applied at once and undone by Cancel), Safety (live-mode confirmation and the
spend guards of the write gateway) and Currency (the FX rates editor). OK / Cancel / Apply; every
field is checked as it is typed and says what is wrong next to it; nothing is saved while a field
is wrong. Saving re-reads the settings file first, so values written meanwhile by another dialog
(FX rates, the welcome) are kept.

A new data folder is used from the next start (`config.Paths.from_env()`); Apply checks that the
folder can be written to and, if asked, copies the cache there in a worker thread. Nothing is
ever deleted from the old folder.
"""

from __future__ import annotations

import asyncio
import html
import os
from collections.abc import Callable, Iterable
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Final

import platformdirs
import shiboken6
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QCloseEvent, QIcon
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from snapdesk import config
from snapdesk.core.money import normalize_currency
from snapdesk.core.settings import (
    DEFAULT_MAX_BID,
    DEFAULT_MAX_BID_PERCENT_OF_DAILY_BUDGET,
    DEFAULT_MAX_BUDGET_INCREASE,
    DEFAULT_MAX_BUDGET_INCREASE_PERCENT,
    LIVE_CONFIRM_ALWAYS,
    LIVE_CONFIRM_EACH_POST,
    MAX_REFRESH_INTERVAL_MINUTES,
    MIN_REFRESH_INTERVAL_MINUTES,
    AppSettings,
    SettingsError,
    SpendGuards,
    load_settings,
    save_settings,
    settings_path,
)
from snapdesk.store.relocate import (
    DATABASES,
    CopyCancelled,
    CopyProgress,
    CopyReport,
    DataFolderError,
    check_data_folder,
)
from snapdesk.ui import theme
from snapdesk.ui._signals import emit
from snapdesk.ui.dialogs._widgets import Banner, hint
from snapdesk.ui.dialogs.fx_rates import FxRatesDialog
from snapdesk.ui.dialogs.prepare_list import countries
from snapdesk.ui.formatting import format_bytes
from snapdesk.ui.ops._op import AsyncOp, error_message
from snapdesk.ui.ops.data_folder import copy_data_folder
from snapdesk.ui.prefs import (
    THEME_LABELS,
    apply_theme_preference,
    current_theme_label,
    preferences_paths,
)

TITLE: Final = "Preferences"
NO_COUNTRY: Final = "None — reject numbers without a country code"
GENERAL, APPEARANCE, SAFETY, CURRENCY = range(4)
_LABEL_WIDTH: Final = 118
CURRENCY_COL, INCREASE_COL, BID_COL = range(3)

DATA_HINT: Final = (
    "Where snapdesk keeps its cache of your accounts, your pending changes and the audit log. "
    "A new folder is used from the next start; nothing is deleted from the old one."
)
COUNTRY_HINT: Final = (
    "Preselected in “Upload customer list” and “Prepare list offline”. Phone numbers written "
    "with +44 or 0044 are always read as they are; without a country code they are rejected "
    "unless a country is chosen."
)
REFRESH_HINT: Final = (
    "While snapdesk runs it refreshes the stats of your synced ad accounts and tells you about "
    "rejected ads and budgets reached. Stats → Refresh stats now works either way."
)
GUARDS_HINT: Final = (
    "Every post (and Check changes, F7) checks each change against these limits; one past a "
    "limit needs a second confirmation before it is sent live. Amounts are in each currency's "
    "own units. Your own values are bold; type “no limit” to switch one off."
)
NO_LIMIT: Final = "no limit"
FX_HINT: Final = (
    "Spend in other currencies is converted to USD with the most recent rate on or before each "
    "day. Days without a rate show “no rate”, never 0."
)


def _decimal_text(value: Decimal | None) -> str:
    """ "1,000", "12.5"; "no limit" for None."""
    if value is None:
        return NO_LIMIT
    return format(value.normalize(), ",f")


def _parse_amount(text: str) -> Decimal | None:
    """A non-negative amount, None for empty or "no limit"; ValueError with the reason."""
    cleaned = text.strip().replace(",", "")
    if not cleaned or cleaned.casefold() in (NO_LIMIT, "none", "-", "—"):
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"“{text.strip()}” is not a number") from None
    if not value.is_finite() or value < 0:
        raise ValueError(f"“{text.strip()}” must be zero or more")
    return value


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(config.APP_NAME, appauthor=False))


class PreferencesDialog(QDialog):
    """Signals: `applied(object)` with the saved preferences (`AppSettings`) after each
    successful Apply or OK."""

    applied = Signal(object)

    def __init__(
        self,
        *,
        paths: config.Paths,
        guard_paths: config.Paths | None = None,
        data_dir_in_use: Path,
        loop: asyncio.AbstractEventLoop,
        currencies: Iterable[str] = (),
        open_fx_rates: Callable[[QWidget], FxRatesDialog] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """`paths`: where the user's preferences are; `guard_paths`: the settings the write
        gateway of this session reads (the spend guards and FX rates; the sandbox has its own);
        `data_dir_in_use`: the data folder of the running app; `open_fx_rates(parent)`: opens
        the app's FX rates editor (by default one saving to `guard_paths`)."""
        super().__init__(parent)
        self._paths = paths
        self._guard_paths = guard_paths or paths
        self._separate_guards = settings_path(self._guard_paths) != settings_path(paths)
        self._data_dir_in_use = data_dir_in_use
        self._loop = loop
        self._currencies = sorted(set(currencies))
        self._open_fx_rates = open_fx_rates
        self._ready = False
        self._previewed_theme: str | None = None
        self._env_data_dir = bool(os.environ.get("SNAPDESK_DATA_DIR"))
        self._close_after_apply = False
        self.copy_op: AsyncOp | None = None
        self.fx_dialog: FxRatesDialog | None = None
        self.file_dialog: QFileDialog | None = None
        self.load_error: str | None = None
        self.saved = self._load_saved()
        self._setup_ui()
        self._show_values(self.saved, self._saved_guards)
        self._update_fx_summary()
        self._ready = True
        self._on_field_changed()
        if self.load_error is not None:
            self.banner.set_kind("error")
            self.banner.set_text(
                f"<b>The settings file can't be read.</b> {html.escape(self.load_error)}<br>"
                "Fix or delete it, then open Preferences again; nothing is saved until then."
            )
            self.banner.show()

    def sizeHint(self) -> QSize:
        return QSize(760, 690)  # room for every default currency on Safety

    # -- public API ------------------------------------------------------------------------------

    def problems(self) -> dict[str, str]:
        """What must be fixed before saving, by field (`data_dir`, `country`, `refresh`,
        `guards`), one sentence each."""
        found: dict[str, str] = {}
        data_problem = self._data_dir_problem()
        if data_problem:
            found["data_dir"] = data_problem
        try:
            self._country()
        except ValueError as exc:
            found["country"] = str(exc)
        minutes = self.refresh_spin.value()
        if 0 < minutes < MIN_REFRESH_INTERVAL_MINUTES:
            found["refresh"] = (
                f"Refreshing more often than every {MIN_REFRESH_INTERVAL_MINUTES} minutes uses "
                f"up Snap's rate limit: choose {MIN_REFRESH_INTERVAL_MINUTES} minutes or more, "
                "or Off"
            )
        try:
            self._guards()
        except ValueError as exc:
            found["guards"] = str(exc)
        return found

    def current_settings(self) -> AppSettings:
        """The preferences as shown (ValueError when a field is wrong)."""
        found = self.problems()
        if found:
            raise ValueError(next(iter(found.values())))
        return replace(
            self.saved,
            default_country=self._country(),
            live_confirmation=(
                LIVE_CONFIRM_EACH_POST if self.each_post_radio.isChecked() else LIVE_CONFIRM_ALWAYS
            ),
            theme=self._theme_choice(),
            refresh_interval_minutes=self.refresh_spin.value(),
            data_dir=self._data_dir(),
        )

    def current_guards(self) -> SpendGuards:
        return self._guards()

    def apply(self) -> bool:
        """Save what is shown (copying the cache first when a new data folder asks for it).
        Returns False when something must be fixed first or the copy is still running."""
        if self.load_error is not None or self.copying:
            return False
        found = self.problems()
        self._show_problems(found)
        if found:
            self._go_to_problem(found)
            return False
        new_dir = self._data_dir()
        if new_dir != self.saved.data_dir and not self._env_data_dir:
            target = new_dir or default_data_dir()
            try:
                check_data_folder(target)
            except DataFolderError as exc:
                self._show_problems({"data_dir": str(exc)})
                self._go_to_problem({"data_dir": str(exc)})
                return False
            if not self.copy_check.isHidden() and self.copy_check.isChecked():
                self._start_copy(target)
                return False
        return self._save()

    @property
    def copying(self) -> bool:
        return self.copy_op is not None and self.copy_op.running

    def open_fx_rates(self) -> FxRatesDialog:
        if self.fx_dialog is not None and shiboken6.isValid(self.fx_dialog):
            self.fx_dialog.raise_()
            return self.fx_dialog
        if self._open_fx_rates is not None:
            dialog = self._open_fx_rates(self)
        else:
            dialog = FxRatesDialog(
                paths=self._guard_paths, currencies=self._currencies, parent=self
            )
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            dialog.show()
        dialog.rates_saved.connect(self._on_fx_dialog_rates_saved)
        self.fx_dialog = dialog
        return dialog

    # -- construction ----------------------------------------------------------------------------

    def _load_saved(self) -> AppSettings:
        try:
            settings = load_settings(self._paths)
            self._saved_guards = (
                load_settings(self._guard_paths).spend_guards
                if self._separate_guards
                else settings.spend_guards
            )
            return settings
        except SettingsError as exc:
            self.load_error = str(exc)
            self._saved_guards = SpendGuards()
            return AppSettings()

    def _restyle(self) -> None:
        """Radio buttons drawn in the theme's colours (Fusion's are faint on the dark theme);
        again whenever the theme is switched from here."""
        c = theme.colors()
        self.setStyleSheet(
            "QRadioButton { spacing: 8px; }"
            "QRadioButton::indicator { width: 14px; height: 14px; border-radius: 8px;"
            f" border: 1px solid {c.neutral}; background: {c.base}; }}"
            f"QRadioButton::indicator:hover {{ border-color: {c.accent}; }}"
            "QRadioButton::indicator:checked { width: 6px; height: 6px;"
            f" border: 5px solid {c.accent}; background: {c.base}; }}"
        )

    def _setup_ui(self) -> None:
        theme.on_change(self, lambda _c: self._restyle())
        self.setWindowTitle(TITLE)
        self.setModal(True)
        self.setMinimumSize(700, 560)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(18, 16, 18, 14)
        outer.setSpacing(12)
        self.banner = Banner("ok")
        self.banner.hide()
        outer.addWidget(self.banner)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(False)
        self.tabs.addTab(self._general_page(), "General")
        self.tabs.addTab(self._appearance_page(), "Appearance")
        self.tabs.addTab(self._safety_page(), "Safety")
        self.tabs.addTab(self._currency_page(), "Currency")
        outer.addWidget(self.tabs, 1)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok
            | QDialogButtonBox.StandardButton.Cancel
            | QDialogButtonBox.StandardButton.Apply
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setObjectName("primaryButton")
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.apply_button = self.buttons.button(QDialogButtonBox.StandardButton.Apply)
        self.ok_button.clicked.connect(self._on_ok_button_clicked)
        self.cancel_button.clicked.connect(self._on_cancel_button_clicked)
        self.apply_button.clicked.connect(self._on_apply_button_clicked)
        self.status_label = QLabel()
        self.status_label.setObjectName("muted")
        self.status_label.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.status_label, 1)
        row.addWidget(self.buttons)
        outer.addLayout(row)

    def _page(self) -> tuple[QWidget, QVBoxLayout]:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(18, 16, 18, 16)
        layout.setSpacing(8)
        return page, layout

    @staticmethod
    def _section(layout: QVBoxLayout, text: str, *, first: bool = False) -> None:
        if not first:
            layout.addSpacing(10)
        label = QLabel(text)
        label.setObjectName("sectionTitle")
        layout.addWidget(label)

    @staticmethod
    def _error_label() -> QLabel:
        label = QLabel()
        label.setObjectName("errorText")
        label.setWordWrap(True)
        label.hide()
        return label

    def _general_page(self) -> QWidget:
        page, layout = self._page()
        self._section(layout, "Data folder", first=True)
        row = QHBoxLayout()
        row.setSpacing(8)
        self.data_dir_edit = QLineEdit()
        self.data_dir_edit.setAccessibleName("Data folder")
        self.data_dir_edit.setPlaceholderText(f"Default: {default_data_dir()}")
        self.data_dir_edit.setClearButtonEnabled(True)
        self.data_dir_edit.textChanged.connect(self._on_field_changed)
        row.addWidget(self.data_dir_edit, 1)
        self.browse_button = QPushButton("Browse…")
        self.browse_button.clicked.connect(self._on_browse_button_clicked)
        row.addWidget(self.browse_button)
        self.default_dir_button = QPushButton("Use default")
        self.default_dir_button.setToolTip(str(default_data_dir()))
        self.default_dir_button.clicked.connect(self.data_dir_edit.clear)
        row.addWidget(self.default_dir_button)
        layout.addLayout(row)
        self.data_dir_error = self._error_label()
        layout.addWidget(self.data_dir_error)
        self.data_dir_note = QLabel()
        self.data_dir_note.setObjectName("muted")
        self.data_dir_note.setWordWrap(True)
        self.data_dir_note.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.data_dir_note)
        self.copy_check = QCheckBox(
            "Copy the current data there (cache, pending changes, audit log)"
        )
        self.copy_check.setChecked(True)
        self.copy_check.hide()
        layout.addWidget(self.copy_check)
        copy_row = QHBoxLayout()
        self.copy_progress = QProgressBar()
        self.copy_progress.setTextVisible(False)
        self.copy_progress.hide()
        self.copy_label = QLabel()
        self.copy_label.setObjectName("muted")
        self.copy_label.hide()
        copy_row.addWidget(self.copy_progress, 1)
        copy_row.addWidget(self.copy_label)
        layout.addLayout(copy_row)
        layout.addWidget(hint(DATA_HINT))

        self._section(layout, "Phone numbers")
        self.country_combo = QComboBox()
        self.country_combo.setAccessibleName("Default country for phone numbers")
        self.country_combo.setEditable(True)
        self.country_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.country_combo.addItem(NO_COUNTRY, "")
        for code, label in countries():
            self.country_combo.addItem(label, code)
        completer = QCompleter(self.country_combo.model(), self.country_combo)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.country_combo.setCompleter(completer)
        line_edit = self.country_combo.lineEdit()
        assert line_edit is not None  # the combo is editable
        line_edit.setPlaceholderText("Type to search, e.g. “Germany” or “DE”")
        self.country_combo.setMinimumWidth(360)
        self.country_combo.currentTextChanged.connect(self._on_field_changed)
        self.country_error = self._error_label()
        self._field(layout, "Default country", self.country_combo, self.country_error, COUNTRY_HINT)

        self._section(layout, "Stats refresh")
        self.refresh_spin = QSpinBox()
        self.refresh_spin.setAccessibleName("Stats refresh interval in minutes")
        self.refresh_spin.setRange(0, MAX_REFRESH_INTERVAL_MINUTES)
        self.refresh_spin.setSingleStep(5)
        self.refresh_spin.setSpecialValueText("Off")
        self.refresh_spin.setSuffix(" minutes")
        self.refresh_spin.setMinimumWidth(140)
        self.refresh_spin.valueChanged.connect(self._on_field_changed)
        self.refresh_error = self._error_label()
        self._field(layout, "Refresh every", self.refresh_spin, self.refresh_error, REFRESH_HINT)
        layout.addStretch(1)
        return page

    @staticmethod
    def _field(
        layout: QVBoxLayout, text: str, control: QWidget, error: QLabel, help_text: str
    ) -> None:
        """A labelled control, with its error (hidden until there is one) and its hint aligned
        under the control."""
        row = QHBoxLayout()
        row.setSpacing(12)
        label = QLabel(text)
        label.setFixedWidth(_LABEL_WIDTH)
        label.setBuddy(control)
        row.addWidget(label)
        row.addWidget(control)
        row.addStretch(1)
        layout.addLayout(row)
        below = QVBoxLayout()
        below.setContentsMargins(_LABEL_WIDTH + 12, 0, 0, 0)
        below.setSpacing(4)
        below.addWidget(error)
        below.addWidget(hint(help_text))
        layout.addLayout(below)

    def _appearance_page(self) -> QWidget:
        page, layout = self._page()
        self._section(layout, "Theme", first=True)
        self.theme_group = QButtonGroup(self)
        self.theme_radios: dict[str, QRadioButton] = {}
        for choice in ("system", "light", "dark"):
            radio = QRadioButton(THEME_LABELS[choice])
            self.theme_group.addButton(radio)
            self.theme_radios[choice] = radio
            layout.addWidget(radio)
            radio.toggled.connect(self._on_theme_radio_toggled)
        self._update_system_label()
        layout.addSpacing(6)
        layout.addWidget(
            hint(
                "The theme changes as soon as you pick it; Cancel puts the previous one back. "
                "“Follow the system” switches with your desktop's light or dark setting."
            )
        )
        layout.addSpacing(10)
        layout.addWidget(self._theme_sample())
        layout.addStretch(1)
        return page

    def _theme_sample(self) -> QWidget:
        """A few of the app's own controls, to see the theme on."""
        frame = QFrame()
        frame.setObjectName("card")
        box = QVBoxLayout(frame)
        box.setContentsMargins(14, 12, 14, 12)
        box.setSpacing(8)
        title = QLabel("Preview")
        title.setObjectName("sectionTitle")
        box.addWidget(title)
        chips = QHBoxLayout()
        chips.setSpacing(6)
        for text, name in (
            ("Active", "chipOk"),
            ("Pending review", "chipWarning"),
            ("Rejected", "chipDanger"),
            ("Paused", "chipMuted"),
        ):
            chip = QLabel(text)
            chip.setObjectName(name)
            chips.addWidget(chip)
        chips.addStretch(1)
        box.addLayout(chips)
        row = QHBoxLayout()
        sample_edit = QLineEdit("Spring Sale — US")
        sample_edit.setReadOnly(True)
        sample_edit.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        row.addWidget(sample_edit, 1)
        primary = QPushButton("Post (dry-run)")
        primary.setObjectName("primaryButton")
        primary.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        row.addWidget(primary)
        box.addLayout(row)
        return frame

    def _safety_page(self) -> QWidget:
        page, layout = self._page()
        self._section(layout, "Live mode", first=True)
        self.live_group = QButtonGroup(self)
        self.always_radio = QRadioButton(
            "Ask when live mode is switched on, naming the ad accounts the changes touch"
        )
        self.each_post_radio = QRadioButton(
            "Also ask before every live post, with the number of changes and the ad accounts"
        )
        for radio in (self.always_radio, self.each_post_radio):
            self.live_group.addButton(radio)
            layout.addWidget(radio)
            radio.toggled.connect(self._on_field_changed)
        layout.addWidget(
            hint("Live mode is off at every start: until you switch it on, Post is a dry run.")
        )

        self._section(layout, "Spend guards")
        if self._separate_guards:
            layout.addWidget(
                Banner(
                    "info",
                    "You are in the sandbox: these guards apply to its demo accounts only; "
                    "your real accounts keep their own.",
                )
            )
        pct_row = QHBoxLayout()
        pct_row.setSpacing(8)
        self.percent_check = QCheckBox("Limit daily budget increases to")
        self.percent_check.toggled.connect(self._on_percent_check_toggled)
        pct_row.addWidget(self.percent_check)
        self.percent_spin = QDoubleSpinBox()
        self.percent_spin.setAccessibleName("Largest daily budget increase in percent")
        self.percent_spin.setRange(0, 100_000)
        self.percent_spin.setDecimals(1)
        self.percent_spin.setSuffix(" %")
        self.percent_spin.setMinimumWidth(110)
        self.percent_spin.valueChanged.connect(self._on_field_changed)
        pct_row.addWidget(self.percent_spin)
        pct_row.addWidget(QLabel("per post and entity"))
        pct_row.addStretch(1)
        layout.addLayout(pct_row)
        share_row = QHBoxLayout()
        share_row.setSpacing(8)
        self.bid_share_check = QCheckBox("Ask before posting a bid above")
        self.bid_share_check.toggled.connect(self._on_bid_share_check_toggled)
        share_row.addWidget(self.bid_share_check)
        self.bid_share_spin = QDoubleSpinBox()
        self.bid_share_spin.setAccessibleName("Largest bid in percent of the daily budget")
        self.bid_share_spin.setRange(1, 100_000)
        self.bid_share_spin.setDecimals(0)
        self.bid_share_spin.setSuffix(" %")
        self.bid_share_spin.setMinimumWidth(110)
        self.bid_share_spin.valueChanged.connect(self._on_field_changed)
        share_row.addWidget(self.bid_share_spin)
        share_row.addWidget(QLabel("of the ad squad's daily budget"))
        share_row.addStretch(1)
        layout.addLayout(share_row)
        layout.addSpacing(4)
        self.guards_table = QTableWidget(0, 3)
        self.guards_table.setAccessibleName("Spend guards per currency")
        self.guards_table.setHorizontalHeaderLabels(
            ["Currency", "Max daily budget increase per post", "Max bid"]
        )
        self.guards_table.verticalHeader().hide()
        self.guards_table.verticalHeader().setDefaultSectionSize(26)
        self.guards_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.guards_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.guards_table.horizontalHeader()
        header.setSectionResizeMode(CURRENCY_COL, QHeaderView.ResizeMode.Fixed)
        header.setSectionResizeMode(INCREASE_COL, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(BID_COL, QHeaderView.ResizeMode.Stretch)
        self.guards_table.setColumnWidth(CURRENCY_COL, 110)
        self.guards_table.setMinimumHeight(200)
        self.guards_table.itemChanged.connect(self._on_guards_table_item_changed)
        self.guards_table.itemSelectionChanged.connect(self._update_guard_buttons)
        layout.addWidget(self.guards_table, 1)
        buttons = QHBoxLayout()
        self.add_guard_button = QPushButton("Add currency")
        self.add_guard_button.clicked.connect(self._on_add_guard_button_clicked)
        self.remove_guard_button = QPushButton("Remove")
        self.remove_guard_button.clicked.connect(self._on_remove_guard_button_clicked)
        buttons.addWidget(self.add_guard_button)
        buttons.addWidget(self.remove_guard_button)
        buttons.addStretch(1)
        self.reset_guards_button = QPushButton("Reset to defaults")
        self.reset_guards_button.setToolTip(
            "snapdesk's default limits for every currency, and both percentages on"
        )
        self.reset_guards_button.clicked.connect(self._on_reset_guards_button_clicked)
        buttons.addWidget(self.reset_guards_button)
        layout.addLayout(buttons)
        self.guards_error = self._error_label()
        layout.addWidget(self.guards_error)
        layout.addWidget(hint(GUARDS_HINT))
        return page

    def _currency_page(self) -> QWidget:
        page, layout = self._page()
        self._section(layout, "FX rates to USD", first=True)
        layout.addWidget(hint(FX_HINT))
        layout.addSpacing(6)
        self.fx_summary = QLabel()
        self.fx_summary.setWordWrap(True)
        layout.addWidget(self.fx_summary)
        row = QHBoxLayout()
        self.fx_button = QPushButton("Edit FX rates…")
        self.fx_button.setToolTip("Type rates in or import them from a CSV file")
        self.fx_button.clicked.connect(self._on_fx_button_clicked)
        row.addWidget(self.fx_button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(1)
        return page

    # -- values ----------------------------------------------------------------------------------

    def _show_values(self, settings: AppSettings, guards: SpendGuards) -> None:
        self.data_dir_edit.setText("" if settings.data_dir is None else str(settings.data_dir))
        index = self.country_combo.findData(settings.default_country or "")
        self.country_combo.setCurrentIndex(max(0, index))
        self.refresh_spin.setValue(settings.refresh_interval_minutes)
        self.theme_radios[settings.theme].setChecked(True)
        radio = (
            self.each_post_radio
            if settings.live_confirmation == LIVE_CONFIRM_EACH_POST
            else self.always_radio
        )
        radio.setChecked(True)
        pct = guards.max_budget_increase_percent
        self.percent_check.setChecked(pct is not None)
        self.percent_spin.setValue(
            float(pct if pct is not None else DEFAULT_MAX_BUDGET_INCREASE_PERCENT)
        )
        self.percent_spin.setEnabled(pct is not None)
        self._show_guards(guards)

    def _show_guards(self, guards: SpendGuards) -> None:
        """The guard table and the bid share; the percentage above is shown by the caller."""
        share = guards.max_bid_percent_of_daily_budget
        self.bid_share_check.setChecked(share is not None)
        self.bid_share_spin.setValue(
            float(share if share is not None else DEFAULT_MAX_BID_PERCENT_OF_DAILY_BUDGET)
        )
        self.bid_share_spin.setEnabled(share is not None)
        self.guards_table.blockSignals(True)
        self.guards_table.setRowCount(0)
        for row in guards.table():
            self._add_guard_row(row.currency, _decimal_text(row.increase), _decimal_text(row.bid))
        self.guards_table.blockSignals(False)
        self._update_guard_buttons()

    def _add_guard_row(self, currency: str = "", increase: str = "", bid: str = "") -> int:
        row = self.guards_table.rowCount()
        self.guards_table.insertRow(row)
        default = currency.strip().upper() in DEFAULT_MAX_BID
        for column, text in ((CURRENCY_COL, currency), (INCREASE_COL, increase), (BID_COL, bid)):
            item = QTableWidgetItem(text)
            if column != CURRENCY_COL:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            elif default:  # a currency Snap bills in keeps its row; its limits are editable
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                item.setToolTip(f"{currency} has snapdesk's default limits")
            self.guards_table.setItem(row, column, item)
        self._mark_defaults(row)
        return row

    def _mark_defaults(self, row: int) -> None:
        """Bold for the user's own values; each amount's tooltip names the default."""
        code = self._cell(row, CURRENCY_COL).upper()
        self.guards_table.blockSignals(True)
        for column, defaults in (
            (INCREASE_COL, DEFAULT_MAX_BUDGET_INCREASE),
            (BID_COL, DEFAULT_MAX_BID),
        ):
            item = self.guards_table.item(row, column)
            if item is None:
                continue
            default = defaults.get(code)
            try:
                value = _parse_amount(item.text())
            except ValueError:
                value = None
            font = item.font()
            font.setBold(code not in defaults or value != default)
            item.setFont(font)
            item.setToolTip(
                f"snapdesk's default: {_decimal_text(default)}"
                if default is not None
                else "No default for this currency"
            )
        self.guards_table.blockSignals(False)

    def _cell(self, row: int, column: int) -> str:
        item = self.guards_table.item(row, column)
        return item.text().strip() if item is not None else ""

    def _guards(self) -> SpendGuards:
        """The guards as shown; ValueError naming the row and what is wrong. Only values that
        differ from snapdesk's defaults are kept (as overrides)."""
        table: list[tuple[str, Decimal | None, Decimal | None]] = []
        seen: dict[str, int] = {}
        for row in range(self.guards_table.rowCount()):
            typed = self._cell(row, CURRENCY_COL)
            where = f"Row {row + 1}"
            if not typed:
                raise ValueError(f"{where}: enter a currency code like EUR, or remove the row")
            try:
                code = normalize_currency(typed)
            except ValueError:
                raise ValueError(
                    f"{where}: “{typed}” is not an ISO 4217 currency code (like USD, EUR, JPY)"
                ) from None
            if code in seen:
                raise ValueError(f"{where}: {code} is already in row {seen[code] + 1}")
            seen[code] = row
            amounts = []
            for column, what in ((INCREASE_COL, "max daily budget increase"), (BID_COL, "max bid")):
                try:
                    amounts.append(_parse_amount(self._cell(row, column)))
                except ValueError as exc:
                    raise ValueError(f"{where} ({code}): the {what} {exc}") from None
            increase, bid = amounts
            if increase is None and bid is None and code not in DEFAULT_MAX_BID:
                raise ValueError(
                    f"{where} ({code}): enter a max daily budget increase, a max bid, or both — "
                    "or remove the row"
                )
            table.append((code, increase, bid))
        pct = (
            Decimal(str(round(self.percent_spin.value(), 1)))
            if self.percent_check.isChecked()
            else None
        )
        share = (
            Decimal(round(self.bid_share_spin.value()))
            if self.bid_share_check.isChecked()
            else None
        )
        return SpendGuards.from_table(
            table, max_budget_increase_percent=pct, max_bid_percent_of_daily_budget=share
        )

    def _country(self) -> str | None:
        """The chosen region code (None for none); ValueError when the text matches no item."""
        text = self.country_combo.currentText().strip()
        if not text or text == NO_COUNTRY:
            return None
        index = self.country_combo.findText(text, Qt.MatchFlag.MatchFixedString)
        if index < 0 and len(text) == 2:
            index = self.country_combo.findData(text.upper())
        if index < 0:
            raise ValueError(
                f"“{text}” is not in the list of countries: pick one from the list (type part of "
                "its name or its two-letter code), or None"
            )
        return str(self.country_combo.itemData(index)) or None

    def _data_dir(self) -> Path | None:
        text = self.data_dir_edit.text().strip()
        return Path(text).expanduser() if text else None

    def _data_dir_problem(self) -> str | None:
        text = self.data_dir_edit.text().strip()
        if not text:
            return None
        path = Path(text).expanduser()
        if not path.is_absolute():
            return f"Choose a full folder path (like {default_data_dir()}), not “{text}”"
        if path.exists() and not path.is_dir():
            return f"“{path}” is a file, not a folder"
        return None

    def _theme_choice(self) -> str:
        return next(
            (choice for choice, radio in self.theme_radios.items() if radio.isChecked()), "system"
        )

    def _dirty(self) -> bool:
        try:
            settings = self.current_settings()
            guards = self._guards()
        except ValueError:
            return True
        return settings != self.saved or guards != self._saved_guards

    # -- saving ----------------------------------------------------------------------------------

    def _save(self) -> bool:
        try:
            settings = self.current_settings()
            guards = self._guards()
        except ValueError:
            return False
        try:
            fresh = load_settings(self._paths)
            new = replace(
                fresh,
                default_country=settings.default_country,
                live_confirmation=settings.live_confirmation,
                theme=settings.theme,
                refresh_interval_minutes=settings.refresh_interval_minutes,
                data_dir=settings.data_dir,
            )
            if self._separate_guards:
                save_settings(
                    load_settings(self._guard_paths).with_guards(guards), self._guard_paths
                )
            else:
                new = new.with_guards(guards)
            save_settings(new, self._paths)
        except SettingsError as exc:
            self._show_banner("error", f"Nothing was saved: {exc}")
            return False
        except OSError as exc:
            where = settings_path(self._paths)
            self._show_banner(
                "error", f"Nothing was saved: {where} can't be written ({exc.strerror or exc})"
            )
            return False
        moved = new.data_dir != self.saved.data_dir
        self.saved = new
        self._saved_guards = guards
        self.status_label.setText(
            "Saved. The new data folder is used from the next start."
            if moved and not self._env_data_dir
            else "Saved."
        )
        self._on_field_changed()
        emit(self.applied, new)
        if self._close_after_apply:
            self.accept()
        return True

    def _start_copy(self, target: Path) -> None:
        op = copy_data_folder(
            loop=self._loop, source=self._data_dir_in_use, target=target, parent=self
        )
        op.progressed.connect(self._on_copy_op_progressed)
        op.succeeded.connect(self._on_copy_op_succeeded)
        op.failed.connect(self._on_copy_op_failed)
        op.cancelled.connect(self._on_copy_op_cancelled)
        op.finished.connect(self._on_copy_op_finished)
        self.copy_op = op
        self.copy_progress.setRange(0, 0)
        self.copy_progress.show()
        self.copy_label.setText("Copying…")
        self.copy_label.show()
        self.status_label.setText(f"Copying your data to {target}…")
        self._update_buttons()

    # -- problems --------------------------------------------------------------------------------

    def _show_problems(self, found: dict[str, str]) -> None:
        for key, label in (
            ("data_dir", self.data_dir_error),
            ("country", self.country_error),
            ("refresh", self.refresh_error),
            ("guards", self.guards_error),
        ):
            message = found.get(key)
            label.setText(message or "")
            label.setVisible(bool(message))
        pages = {
            GENERAL: any(k in found for k in ("data_dir", "country", "refresh")),
            SAFETY: "guards" in found,
        }
        for index, bad in pages.items():
            self.tabs.setTabIcon(index, theme.icon("error") if bad else QIcon())

    def _go_to_problem(self, found: dict[str, str]) -> None:
        first = next(iter(found))
        page = SAFETY if first == "guards" else GENERAL
        self.tabs.setCurrentIndex(page)
        widget = {
            "data_dir": self.data_dir_edit,
            "country": self.country_combo,
            "refresh": self.refresh_spin,
            "guards": self.guards_table,
        }[first]
        widget.setFocus(Qt.FocusReason.OtherFocusReason)

    def _show_banner(self, kind: str, text: str) -> None:
        self.banner.set_kind(kind)
        self.banner.set_text(html.escape(text))
        self.banner.show()

    # -- state -----------------------------------------------------------------------------------

    def _update_data_dir_note(self) -> None:
        in_use = self._data_dir_in_use
        if self._env_data_dir:
            self.data_dir_note.setText(
                f"In use: <b>{html.escape(str(in_use))}</b>, set by SNAPDESK_DATA_DIR, which "
                "always wins. The folder chosen here applies when it is not set."
            )
            self.copy_check.hide()
            return
        if self._data_dir_problem():
            self.data_dir_note.setText(f"In use now: {html.escape(str(in_use))}")
            self.copy_check.hide()
            return
        chosen = self._data_dir() or default_data_dir()
        same = chosen.expanduser() == in_use
        if same:
            self.data_dir_note.setText(f"In use now: {html.escape(str(in_use))}")
        else:
            self.data_dir_note.setText(
                f"In use now: {html.escape(str(in_use))}<br>"
                f"From the next start: <b>{html.escape(str(chosen))}</b>"
            )
        has_data = any((in_use / name).exists() for name in DATABASES)
        self.copy_check.setVisible(
            not same and has_data and self._data_dir() != self.saved.data_dir
        )

    def _update_buttons(self) -> None:
        copying = self.copying
        blocked = self.load_error is not None
        has_problems = bool(self.problems())
        self.ok_button.setEnabled(not copying and not blocked and not has_problems)
        self.apply_button.setEnabled(
            not copying and not blocked and not has_problems and self._dirty()
        )
        self.cancel_button.setText("Stop copying" if copying else "Cancel")
        for widget in (self.tabs,):
            widget.setEnabled(not copying)

    def _update_guard_buttons(self) -> None:
        """Remove is for currencies the user added; a default currency keeps its row."""
        rows = {i.row() for i in self.guards_table.selectedItems()}
        self.remove_guard_button.setEnabled(
            bool(rows)
            and all(self._cell(r, CURRENCY_COL).upper() not in DEFAULT_MAX_BID for r in rows)
        )

    def _update_fx_summary(self) -> None:
        try:
            rates = load_settings(self._guard_paths).fx_rates
        except SettingsError as exc:
            self.fx_summary.setText(f"The FX rates can't be read: {exc}")
            return
        if not rates:
            self.fx_summary.setText(
                "No rates yet: totals in USD show “no rate” for spend in other currencies."
            )
            return
        currencies = sorted({r.currency for r in rates})
        latest = max(r.date for r in rates)
        self.fx_summary.setText(
            f"{len(rates):,} rate{'s' if len(rates) != 1 else ''} for {', '.join(currencies)}; "
            f"the latest is for {latest:%Y-%m-%d}."
        )

    # -- slots -----------------------------------------------------------------------------------

    def _on_field_changed(self, *_args: object) -> None:
        if not self._ready:
            return
        self._show_problems(self.problems())
        self._update_data_dir_note()
        self._update_buttons()

    def _on_theme_radio_toggled(self, checked: bool) -> None:
        if not checked or not self._ready:
            return
        self._apply_theme(self._theme_choice())
        self._on_field_changed()

    def _update_system_label(self) -> None:
        self.theme_radios["system"].setText(current_theme_label("system"))

    def _apply_theme(self, choice: str) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme_preference(app, choice)
        self._restyle()
        self._previewed_theme = choice
        self._update_system_label()

    def _on_percent_check_toggled(self, checked: bool) -> None:
        self.percent_spin.setEnabled(checked)
        self._on_field_changed()

    def _on_bid_share_check_toggled(self, checked: bool) -> None:
        self.bid_share_spin.setEnabled(checked)
        self._on_field_changed()

    def _on_guards_table_item_changed(self, item: QTableWidgetItem) -> None:
        self._mark_defaults(item.row())
        self._update_guard_buttons()
        self._on_field_changed()

    def _on_reset_guards_button_clicked(self) -> None:
        defaults = SpendGuards()
        self.percent_check.setChecked(True)
        self.percent_spin.setValue(float(DEFAULT_MAX_BUDGET_INCREASE_PERCENT))
        self._show_guards(defaults)
        self._on_field_changed()

    def _on_add_guard_button_clicked(self) -> None:
        used = {self._cell(r, CURRENCY_COL).upper() for r in range(self.guards_table.rowCount())}
        suggestion = next((c for c in self._currencies if c not in used), "")
        self.guards_table.blockSignals(True)
        row = self._add_guard_row(suggestion)
        self.guards_table.blockSignals(False)
        column = INCREASE_COL if suggestion else CURRENCY_COL
        self.guards_table.setCurrentCell(row, column)
        item = self.guards_table.item(row, column)
        assert item is not None  # _add_guard_row fills every column
        self.guards_table.editItem(item)
        self._on_field_changed()

    def _on_remove_guard_button_clicked(self) -> None:
        rows = sorted({i.row() for i in self.guards_table.selectedItems()}, reverse=True)
        for row in rows:
            self.guards_table.removeRow(row)
        self._update_guard_buttons()
        self._on_field_changed()

    def _on_browse_button_clicked(self) -> None:
        start = self._data_dir() or self._data_dir_in_use
        dialog = QFileDialog(self, "Choose the data folder", str(start))
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.fileSelected.connect(self._on_file_dialog_file_selected)
        self.file_dialog = dialog
        dialog.open()

    def _on_file_dialog_file_selected(self, path: str) -> None:
        if path:
            self.data_dir_edit.setText(path)

    def _on_fx_button_clicked(self) -> None:
        self.open_fx_rates()

    def _on_fx_dialog_rates_saved(self, _settings: object) -> None:
        self._update_fx_summary()

    def _on_apply_button_clicked(self) -> None:
        self._close_after_apply = False
        self.apply()

    def _on_ok_button_clicked(self) -> None:
        if not self._dirty():
            self.accept()
            return
        self._close_after_apply = True
        if not self.apply() and not self.copying:
            self._close_after_apply = False

    def _on_cancel_button_clicked(self) -> None:
        if self.copying and self.copy_op is not None:
            self.copy_op.cancel()
            return
        self.reject()

    def _on_copy_op_progressed(self, progress: object) -> None:
        if isinstance(progress, CopyProgress) and progress.total_pages:
            self.copy_progress.setRange(0, progress.total_pages)
            self.copy_progress.setValue(progress.done_pages)
            pct = 100 * progress.done_pages // progress.total_pages
            self.copy_label.setText(f"{progress.name}: {pct} %")

    def _on_copy_op_succeeded(self, report: object) -> None:
        if not isinstance(report, CopyReport):
            return
        parts = []
        if report.copied:
            parts.append(f"Copied {', '.join(report.copied)} ({format_bytes(report.bytes_copied)})")
        if report.kept:
            parts.append(f"kept the {', '.join(report.kept)} already there")
        summary = "; ".join(parts) or "There was nothing to copy"
        self._show_banner(
            "ok",
            f"{summary}. Restart snapdesk to use the new folder; until then, changes are saved "
            f"in {self._data_dir_in_use} only. Nothing was deleted there.",
        )
        self._close_after_apply = False  # stay open: the user needs to read the above
        self._save()

    def _on_copy_op_failed(self, exc: object) -> None:
        if isinstance(exc, CopyCancelled):
            self._on_copy_op_cancelled()
            return
        message = error_message(exc) if isinstance(exc, BaseException) else str(exc)
        if isinstance(exc, DataFolderError):
            message = str(exc)
        self._close_after_apply = False
        self._show_problems({"data_dir": message})
        self.status_label.setText("Nothing was saved.")

    def _on_copy_op_cancelled(self) -> None:
        self._close_after_apply = False
        self.status_label.setText("Copy stopped; nothing was saved and nothing was left behind.")

    def _on_copy_op_finished(self) -> None:
        self.copy_op = None
        self.copy_progress.hide()
        self.copy_label.hide()
        self._update_buttons()

    # -- closing ---------------------------------------------------------------------------------

    def reject(self) -> None:
        if self.copying:
            return  # "Stop copying" first
        self._restore_theme()
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.copying:
            event.ignore()
            return
        super().closeEvent(event)

    def _restore_theme(self) -> None:
        """Cancel: put back the saved theme (each click on a theme previewed it)."""
        if self._previewed_theme is not None and self._previewed_theme != self.saved.theme:
            self._apply_theme(self.saved.theme)


def open_preferences(window: Any) -> PreferencesDialog:
    """Open the Preferences of the main window's session (window-modal)."""
    existing = getattr(window, "preferences_dialog", None)
    if existing is not None and shiboken6.isValid(existing) and existing.isVisible():
        existing.raise_()
        existing.activateWindow()
        return existing
    session = window.session
    currencies = sorted({a.currency for a in session.store.ad_accounts() if a.currency})
    dialog = PreferencesDialog(
        paths=preferences_paths(session),
        guard_paths=session.paths,
        data_dir_in_use=session.paths.data_dir,
        loop=session.loop,
        currencies=currencies,
        open_fx_rates=lambda parent: window.performance.open_fx_rates(parent=parent),
        parent=window,
    )

    def on_applied(settings: object) -> None:
        if isinstance(settings, AppSettings):
            window.performance.set_refresh_interval(settings.refresh_interval_minutes)

    dialog.applied.connect(on_applied)
    dialog.finished.connect(dialog.deleteLater)
    window.preferences_dialog = dialog
    dialog.resize(dialog.sizeHint())
    dialog.open()
    return dialog
