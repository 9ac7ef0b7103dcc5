"""Edit the FX table of the settings: rates to USD by date and currency, typed in or imported
from CSV (`date,currency,rate_to_usd`). Saved to the settings file on Save.

Stats in other currencies are converted to USD with the most recent rate on or before each day;
a day without such a rate shows "no rate", never 0.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from snapdesk.config import Paths
from snapdesk.core.outputs import write_text
from snapdesk.core.settings import AppSettings, FxRate, SettingsError, load_settings, save_settings
from snapdesk.stats import FxError, read_rates_csv
from snapdesk.stats.fx import write_rates_csv
from snapdesk.ui._signals import emit
from snapdesk.ui.dialogs._widgets import Banner, hint
from snapdesk.ui.models.fx_rates import CURRENCY, DATE, FxRatesModel

INTRO = (
    "Spend in other currencies is converted to USD with the most recent rate on or before each "
    "day. Days without a rate show “no rate” — never 0. Rates are US dollars for one unit of the "
    "currency."
)


class _RatesDelegate(QStyledItemDelegate):
    """A calendar for dates and a list of the ad accounts' currencies; text for rates."""

    def __init__(self, currencies: Iterable[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._currencies = sorted(set(currencies) - {"USD"})

    def createEditor(
        self,
        parent: QWidget,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> QWidget:
        if index.column() == DATE:
            edit = QDateEdit(parent)
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            return edit
        if index.column() == CURRENCY:
            combo = QComboBox(parent)
            combo.setEditable(True)
            combo.addItems(self._currencies)
            return combo
        return super().createEditor(parent, option, index)

    def setEditorData(self, editor: QWidget, index: QModelIndex | QPersistentModelIndex) -> None:
        text = str(index.data(Qt.ItemDataRole.EditRole) or "")
        if isinstance(editor, QDateEdit):
            parsed = QDate.fromString(text, "yyyy-MM-dd")
            editor.setDate(parsed if parsed.isValid() else QDate.currentDate())
        elif isinstance(editor, QComboBox):
            editor.setCurrentText(text)
        else:
            super().setEditorData(editor, index)

    def setModelData(
        self, editor: QWidget, model: object, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        if isinstance(editor, QDateEdit):
            model.setData(index, editor.date().toString("yyyy-MM-dd"))  # type: ignore[attr-defined]
        elif isinstance(editor, QComboBox):
            model.setData(index, editor.currentText())  # type: ignore[attr-defined]
        else:
            super().setModelData(editor, model, index)  # type: ignore[arg-type]


class FxRatesDialog(QDialog):
    """Signals: `rates_saved(object)` with the saved `AppSettings`."""

    rates_saved = Signal(object)

    def __init__(
        self,
        *,
        paths: Paths | None = None,
        rates: Iterable[FxRate] | None = None,
        currencies: Iterable[str] = (),
        today: date | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """Edit the rates of the settings in `paths` (or the given `rates`, not saved anywhere
        when `paths` is None)."""
        super().__init__(parent)
        self._paths = paths
        self._today = today or date.today()
        self._currencies = list(currencies)
        load_error = None
        if rates is None:
            try:
                rates = load_settings(paths).fx_rates
            except SettingsError as exc:
                rates, load_error = (), str(exc)
        self.model = FxRatesModel(rates, self)
        self._setup_ui()
        if load_error:
            self._show_problem(f"The settings file can't be read: {load_error}")
            self.save_button.setEnabled(False)
        self.model.dataChanged.connect(self._on_model_changed)
        self.model.rowsInserted.connect(self._on_model_changed)
        self.model.rowsRemoved.connect(self._on_model_changed)
        self.model.modelReset.connect(self._on_model_changed)
        self._on_model_changed()

    def _setup_ui(self) -> None:
        self.setWindowTitle("FX rates")
        self.resize(600, 460)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 14)
        layout.setSpacing(10)
        title = QLabel("FX rates to USD")
        title.setObjectName("dialogTitle")
        layout.addWidget(title)
        layout.addWidget(hint(INTRO))

        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setItemDelegate(_RatesDelegate(self._currencies, self.table))
        self.table.setAccessibleName("FX rates to USD")
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)

        row = QHBoxLayout()
        row.setSpacing(6)
        self.add_button = QPushButton("Add rate")
        self.add_button.clicked.connect(self._on_add_button_clicked)
        self.remove_button = QPushButton("Remove")
        self.remove_button.clicked.connect(self._on_remove_button_clicked)
        self.import_button = QPushButton("Import CSV…")
        self.import_button.setToolTip("A CSV with the header date,currency,rate_to_usd")
        self.import_button.clicked.connect(self._on_import_button_clicked)
        self.export_button = QPushButton("Export CSV…")
        self.export_button.clicked.connect(self._on_export_button_clicked)
        for button in (self.add_button, self.remove_button, self.import_button):
            row.addWidget(button)
        row.addStretch(1)
        row.addWidget(self.export_button)
        layout.addLayout(row)

        self.banner = Banner("error")
        self.banner.hide()
        layout.addWidget(self.banner)
        self.summary_label = QLabel()
        self.summary_label.setObjectName("muted")
        layout.addWidget(self.summary_label)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.reject)
        self.save_button = QPushButton("Save")
        self.save_button.setObjectName("primaryButton")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self._on_save_button_clicked)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)
        layout.addLayout(buttons)

    # -- public API ----------------------------------------------------------------------------

    def import_csv(self, path: str | Path) -> tuple[int, int]:
        """Merge the rates of a CSV file into the table; returns (added, replaced)."""
        try:
            rates = read_rates_csv(Path(path))
        except FxError as exc:
            self._show_problem(str(exc))
            return 0, 0
        added, replaced = self.model.merge(rates)
        self.banner.hide()
        self.summary_label.setText(
            f"Imported {added + replaced} rate{'s' if added + replaced != 1 else ''} from "
            f"{Path(path).name} ({added} new, {replaced} replaced) — Save to keep them"
        )
        return added, replaced

    def save(self) -> AppSettings | None:
        """Validate and write the rates to the settings; None (with the reason shown) if not."""
        try:
            rates = self.model.rates()
        except FxError as exc:
            self._show_problem(str(exc))
            return None
        try:
            if self._paths is None:
                settings = AppSettings().with_fx_rates(rates)
            else:
                settings = load_settings(self._paths).with_fx_rates(rates)
                save_settings(settings, self._paths)
        except (SettingsError, OSError) as exc:
            self._show_problem(f"Couldn't save the rates: {exc}")
            return None
        emit(self.rates_saved, settings)
        self.accept()
        return settings

    # -- slots ---------------------------------------------------------------------------------

    def _show_problem(self, text: str) -> None:
        self.banner.set_text(text)
        self.banner.show()

    def _on_model_changed(self, *_args: object) -> None:
        problems = self.model.problems()
        count = self.model.rowCount()
        currencies = sorted({self.model.row(i).currency for i in range(count)} - {""})
        if problems:
            self.summary_label.setText(f"{len(problems)} cell(s) to fix — {problems[0]}")
        else:
            listed = ", ".join(currencies) if currencies else "no currency yet"
            self.summary_label.setText(f"{count} rate{'s' if count != 1 else ''} ({listed})")
        if not problems:
            self.banner.hide()

    def _on_add_button_clicked(self) -> None:
        used = {self.model.row(i).currency for i in range(self.model.rowCount())}
        missing = [c for c in self._currencies if c != "USD" and c not in used]
        number = self.model.add_row(day=self._today, currency=missing[0] if missing else "")
        index = self.model.index(number, 2 if missing else 1)
        self.table.setCurrentIndex(index)
        self.table.edit(index)

    def _on_remove_button_clicked(self) -> None:
        rows = {i.row() for i in self.table.selectionModel().selectedIndexes()}
        self.model.remove_rows(rows)

    def _on_import_button_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Import FX rates", "", "CSV files (*.csv);;All files (*)"
        )
        if path:
            self.import_csv(path)

    def _on_export_button_clicked(self) -> None:
        try:
            rates = self.model.rates()
        except FxError as exc:
            self._show_problem(str(exc))
            return
        path, _ = QFileDialog.getSaveFileName(
            self, "Export FX rates", "fx-rates.csv", "CSV (*.csv)"
        )
        if path:
            try:
                write_text(path, write_rates_csv(rates))  # atomic: no half-written file
            except OSError as exc:
                self._show_problem(f"Not saved: {exc}")
                return
            self.summary_label.setText(f"Saved {len(rates)} rates to {path}")

    def _on_save_button_clicked(self) -> None:
        self.save()
