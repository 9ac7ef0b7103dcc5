"""Building blocks of the entity editors: sections of labelled rows with an inline message under
each field, money fields in the ad account's currency, and date-time fields in its time zone."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from PySide6.QtCore import QDate, QDateTime, Qt, QTime, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from snapdesk.core.money import MoneyError, format_amount, parse_money, symbol, to_micro
from snapdesk.core.validation import Issue
from snapdesk.ui import theme
from snapdesk.ui._a11y import name_controls
from snapdesk.ui._signals import emit
from snapdesk.ui.formatting import humanize_enum


class FieldProblem(Exception):
    """A field whose text can't be turned into a value (e.g. "12.345" dollars)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class FieldMessage(QWidget):
    """The line under a field: an error (red), a warning (amber) or a hint (grey)."""

    def __init__(self, hint: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._hint = hint
        self._severity: str | None = None
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 1, 0, 1)
        layout.setSpacing(5)
        self.icon = QLabel()
        self.icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.icon)
        layout.addWidget(self.label, 1)
        self.show_issues([])

    @property
    def hint(self) -> str:
        return self._hint

    def text(self) -> str:
        return self.label.text()

    def show_issues(self, issues: Sequence[Issue]) -> None:
        errors = [i for i in issues if i.is_error]
        shown = errors or list(issues)
        if shown:
            self._severity = "error" if errors else "warning"
            self.label.setText("\n".join(i.message for i in shown))
            self.label.setObjectName("fieldError" if errors else "fieldWarning")
            self.icon.setPixmap(theme.large_icon("error" if errors else "warning", 13))
            self.icon.show()
        else:
            self._severity = None
            self.label.setText(self._hint)
            self.label.setObjectName("fieldHint")
            self.icon.hide()
        self.setVisible(bool(self.label.text()))
        self.label.style().unpolish(self.label)
        self.label.style().polish(self.label)

    @property
    def severity(self) -> str | None:
        return self._severity


class Section(QFrame):
    """A card with a title and rows: caption | field, with the field's message underneath."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(16, 12, 16, 14)
        outer.setSpacing(8)
        heading = QLabel(title)
        heading.setObjectName("sectionTitle")
        outer.addWidget(heading)
        self._grid = QGridLayout()
        self._grid.setHorizontalSpacing(14)
        self._grid.setVerticalSpacing(2)
        self._grid.setColumnStretch(1, 1)
        self._grid.setColumnMinimumWidth(0, 120)
        outer.addLayout(self._grid)
        self._row = 0

    def add_row(self, caption: str, widget: QWidget, *, hint: str = "") -> FieldMessage:
        label = QLabel(caption)
        label.setObjectName("formLabel")
        label.setBuddy(widget)
        name_controls(widget, caption)  # the line edit inside a compound field, too
        message = FieldMessage(hint)
        self._grid.addWidget(label, self._row, 0)
        self._grid.addWidget(widget, self._row, 1)
        self._grid.addWidget(message, self._row + 1, 1)
        spacer = QWidget()
        spacer.setFixedHeight(6)
        self._grid.addWidget(spacer, self._row + 2, 0)
        self._row += 3
        return message

    def add_widget(self, widget: QWidget) -> None:
        self._grid.addWidget(widget, self._row, 0, 1, 2)
        self._row += 1


def scrolling_pane(owner: QWidget) -> tuple[QVBoxLayout, QVBoxLayout]:
    """The editors' frame: a borderless vertical scroll area filling `owner`. Returns the outer
    layout (add a footer below the scroll area) and the body layout (add the form to it)."""
    outer = QVBoxLayout(owner)
    outer.setContentsMargins(0, 0, 0, 0)
    outer.setSpacing(0)
    scroll = QScrollArea()
    scroll.setObjectName("editorScroll")
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    body = QWidget()
    body.setObjectName("editorBody")
    layout = QVBoxLayout(body)
    layout.setContentsMargins(18, 14, 18, 18)
    layout.setSpacing(12)
    scroll.setWidget(body)
    outer.addWidget(scroll, 1)
    return outer, layout


def row(*widgets: QWidget | None, stretch_last: bool = False) -> QWidget:
    """Widgets side by side in one field cell."""
    host = QWidget()
    layout = QHBoxLayout(host)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(8)
    for widget in widgets:
        if widget is not None:
            layout.addWidget(widget)
    if not stretch_last:
        layout.addStretch(1)
    return host


class EnumCombo(QComboBox):
    """A combo of API enum values shown humanized; `value()` is the raw value or None."""

    def __init__(
        self,
        values: Iterable[str],
        *,
        none_label: str | None = None,
        labels: dict[str, str] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._labels = labels or {}
        if none_label is not None:
            self.addItem(none_label, None)
        for value in values:
            self.addItem(self._labels.get(value, humanize_enum(value)), value)

    def value(self) -> str | None:
        data = self.currentData()
        return str(data) if data is not None else None

    def set_value(self, value: Any) -> None:
        if value is None:
            index = self.findData(None)
            self.setCurrentIndex(max(index, 0))
            return
        index = self.findData(str(value))
        if index < 0:  # a value Snap has that this editor does not list: keep it selectable
            self.addItem(self._labels.get(str(value), humanize_enum(str(value))), str(value))
            index = self.count() - 1
        self.setCurrentIndex(index)


class MoneyField(QWidget):
    """An amount in the ad account's currency, typed as money ("12.50"), read as micro."""

    edited = Signal()

    def __init__(self, *, placeholder: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._currency = "USD"
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        self.prefix = QLabel()
        self.prefix.setObjectName("suffix")
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(placeholder)
        self.edit.setMaximumWidth(180)
        self.suffix = QLabel()
        self.suffix.setObjectName("suffix")
        layout.addWidget(self.prefix)
        layout.addWidget(self.edit)
        layout.addWidget(self.suffix)
        layout.addStretch(1)
        self.edit.textChanged.connect(self._on_edit_text_edited)
        self.set_currency("USD")

    @property
    def currency(self) -> str:
        return self._currency

    def set_currency(self, currency: str | None) -> None:
        self._currency = (currency or "USD").upper()
        mark = symbol(self._currency)
        self.prefix.setText(mark or "")
        self.prefix.setVisible(bool(mark))
        self.suffix.setText(self._currency)

    def set_micro(self, micro: Any) -> None:
        if isinstance(micro, int) and not isinstance(micro, bool):
            self.edit.setText(format_amount(micro, self._currency))
        else:
            self.edit.clear()

    def text(self) -> str:
        return self.edit.text()

    def set_text(self, text: str) -> None:
        self.edit.setText(text)
        emit(self.edited)

    def micro(self, field: str) -> int | None:
        """The amount in micro, None when empty; `FieldProblem` when it isn't money."""
        text = self.edit.text().strip()
        if not text:
            return None
        try:
            return to_micro(parse_money(text, self._currency), self._currency)
        except MoneyError as exc:
            raise FieldProblem(field, str(exc)) from None

    def setEnabled(self, enabled: bool) -> None:
        super().setEnabled(enabled)
        self.edit.setEnabled(enabled)

    def _on_edit_text_edited(self, _text: str) -> None:
        emit(self.edited)


def zone_for(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name) if name else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def parse_iso(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def to_iso(moment: datetime) -> str:
    """Snap's form: UTC with milliseconds and a Z."""
    utc = moment.astimezone(UTC)
    return utc.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class TimeField(QWidget):
    """A date and time in the ad account's time zone (shown next to it), stored as UTC ISO.

    Optional fields have a checkbox ("No end date" when unchecked). An untouched field gives
    back exactly the text it was loaded with (Snap's milliseconds included)."""

    edited = Signal()

    def __init__(
        self, *, optional: bool, optional_label: str = "Set", parent: QWidget | None = None
    ):
        super().__init__(parent)
        self._optional = optional
        self._zone = ZoneInfo("UTC")
        self._loaded: str | None = None
        self._loaded_local: QDateTime | None = None
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        self.enabled_box = QCheckBox(optional_label)
        self.enabled_box.setVisible(optional)
        self.enabled_box.toggled.connect(self._on_enabled_box_toggled)
        self.edit = QDateTimeEdit()
        self.edit.setCalendarPopup(True)
        self.edit.setDisplayFormat("yyyy-MM-dd  HH:mm")
        self.edit.setMinimumWidth(170)
        self.edit.dateTimeChanged.connect(self._on_edit_date_time_changed)
        self.zone_label = QLabel()
        self.zone_label.setObjectName("suffix")
        layout.addWidget(self.enabled_box)
        layout.addWidget(self.edit)
        layout.addWidget(self.zone_label)
        layout.addStretch(1)

    def set_zone(self, name: str | None) -> None:
        self._zone = zone_for(name)
        self._update_zone_label()

    def _update_zone_label(self) -> None:
        local = self._local_datetime() or datetime.now(self._zone)
        abbreviation = local.tzname() or ""
        key = getattr(self._zone, "key", "UTC")
        self.zone_label.setText(f"{key} ({abbreviation})" if abbreviation != key else key)

    def set_value(self, value: Any) -> None:
        moment = parse_iso(value)
        self._loaded = value if moment is not None else None
        self.edit.blockSignals(True)
        if moment is None:
            default = datetime.now(self._zone).replace(second=0, microsecond=0)
            self.edit.setDateTime(_qt(default))
            self.enabled_box.setChecked(False)
        else:
            self.edit.setDateTime(_qt(moment.astimezone(self._zone)))
            self.enabled_box.setChecked(True)
        self.edit.blockSignals(False)
        self._loaded_local = self.edit.dateTime() if moment is not None else None
        self.edit.setEnabled(not self._optional or self.enabled_box.isChecked())
        self._update_zone_label()

    def set_local(self, text: str) -> None:
        """Set from "YYYY-MM-DD HH:MM" in the account's zone (tests and keyboard users)."""
        moment = datetime.strptime(text, "%Y-%m-%d %H:%M")
        self.enabled_box.setChecked(True)
        self.edit.setDateTime(_qt(moment))

    def clear(self) -> None:
        self.enabled_box.setChecked(False)

    def _local_datetime(self) -> datetime | None:
        if self._optional and not self.enabled_box.isChecked():
            return None
        qdt = self.edit.dateTime()
        d, t = qdt.date(), qdt.time()
        return datetime(d.year(), d.month(), d.day(), t.hour(), t.minute(), tzinfo=self._zone)

    def value(self) -> str | None:
        local = self._local_datetime()
        if local is None:
            return None
        if self._loaded is not None and self._loaded_local == self.edit.dateTime():
            return self._loaded
        return to_iso(local)

    def _on_enabled_box_toggled(self, checked: bool) -> None:
        self.edit.setEnabled(checked)
        emit(self.edited)

    def _on_edit_date_time_changed(self, _value: QDateTime) -> None:
        self._update_zone_label()
        emit(self.edited)


def _qt(moment: datetime) -> QDateTime:
    return QDateTime(
        QDate(moment.year, moment.month, moment.day), QTime(moment.hour, moment.minute, 0)
    )


class CountedLineEdit(QWidget):
    """A line edit with a live "12 / 34" counter that turns red past the limit."""

    edited = Signal()

    def __init__(self, limit: int, *, placeholder: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.limit = limit
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(placeholder)
        self.counter = QLabel()
        self.counter.setMinimumWidth(56)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.counter)
        self.edit.textChanged.connect(self._on_edit_text_changed)
        self._on_edit_text_changed("")

    def text(self) -> str:
        return self.edit.text()

    def setText(self, text: str) -> None:
        self.edit.setText(text)

    def _on_edit_text_changed(self, text: str) -> None:
        self.counter.setText(f"{len(text)} / {self.limit}")
        self.counter.setObjectName("counterOver" if len(text) > self.limit else "counter")
        self.counter.style().unpolish(self.counter)
        self.counter.style().polish(self.counter)
        emit(self.edited)


def split_codes(text: str) -> list[str]:
    """ "US, gb  fr" → ["us", "gb", "fr"] (lowercase, order kept, duplicates dropped)."""
    parts = [p.strip().lower() for p in text.replace(";", ",").replace(" ", ",").split(",")]
    return list(dict.fromkeys(p for p in parts if p))
