"""Resolve conflicts: fields changed both here and on Snap since the edit. Per change, a table
of field / base / mine / theirs with keep-mine / keep-theirs per field, or for everything."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from snapdesk.changes import ChangeRepository, Conflict
from snapdesk.core.kinds import LABEL
from snapdesk.store import Store
from snapdesk.ui.models.changes import field_label, format_value
from snapdesk.ui.views import _changes_style

Choice = Literal["mine", "theirs"]


class ConflictsDialog(QDialog):
    """Open with `open()`; on `accepted`, `choices()` maps change id → {field: mine|theirs}."""

    def __init__(
        self, conflicts: Sequence[Conflict], *, store: Store, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.conflicts = list(conflicts)
        self._groups: dict[tuple[str, str], QButtonGroup] = {}
        self._radios: dict[tuple[str, str, Choice], QRadioButton] = {}
        self.setWindowTitle("Resolve conflicts")
        changes = len({c.change_id for c in self.conflicts})
        self.resize(920, min(680, 250 + 150 * changes))
        repository = ChangeRepository(store)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 14)
        layout.setSpacing(10)
        title = QLabel("Changed here and on Snap")
        title.setObjectName("dialogTitle")
        layout.addWidget(title)
        n = len({c.change_id for c in self.conflicts})
        intro = QLabel(
            f"Since you edited {n} item{'s' if n != 1 else ''}, someone changed the same fields on "
            "Snap. Choose which value to keep for each field. Nothing else of theirs is lost: "
            "fields only they changed are kept either way."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget()
        body_layout = QVBoxLayout(body)
        body_layout.setContentsMargins(0, 0, 0, 0)
        body_layout.setSpacing(12)
        by_change: dict[str, list[Conflict]] = {}
        for conflict in self.conflicts:
            by_change.setdefault(conflict.change_id, []).append(conflict)
        self.tables: dict[str, QTableWidget] = {}
        for change_id, items in by_change.items():
            change = repository.get(change_id)
            account = store.ad_account(change.ad_account_id) if change else None
            currency = account.currency if account else None
            timezone = account.timezone if account else None
            card = QFrame()
            card.setObjectName("card")
            card_layout = QVBoxLayout(card)
            card_layout.setContentsMargins(12, 10, 12, 12)
            noun = LABEL.get(change.kind, change.kind) if change else "Change"
            name = (change.label or change.entity_id) if change else change_id
            heading = QLabel(f"{noun} · {name}")
            heading.setObjectName("sectionTitle")
            card_layout.addWidget(heading)
            table = QTableWidget(len(items), 4)
            table.setAccessibleName(f"Fields changed on both sides: {noun} {name}")
            table.setTabKeyNavigation(False)
            table.setHorizontalHeaderLabels(
                ["Field", "When you edited", "Keep mine", "Keep theirs (Snap now)"]
            )
            table.verticalHeader().hide()
            table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
            table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
            header = table.horizontalHeader()
            header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
            for column in (1, 2, 3):
                header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
            for row, conflict in enumerate(items):

                def show(
                    value: object,
                    field: str = conflict.field,
                    currency: str | None = currency,
                    timezone: str | None = timezone,
                ) -> str:
                    return format_value(field, value, currency=currency, timezone=timezone)

                table.setItem(row, 0, QTableWidgetItem(field_label(conflict.field)))
                base = QTableWidgetItem(show(conflict.base))
                table.setItem(row, 1, base)
                group = QButtonGroup(self)
                for column, choice, value in (
                    (2, "mine", conflict.mine),
                    (3, "theirs", conflict.theirs),
                ):
                    radio = QRadioButton(show(value))
                    radio.setToolTip(show(value))
                    group.addButton(radio)
                    cell = QWidget()
                    cell_layout = QHBoxLayout(cell)
                    cell_layout.setContentsMargins(6, 0, 6, 0)
                    cell_layout.addWidget(radio)
                    table.setCellWidget(row, column, cell)
                    self._radios[(change_id, conflict.field, choice)] = radio  # type: ignore[index]
                self._radios[(change_id, conflict.field, "mine")].setChecked(True)
                self._groups[(change_id, conflict.field)] = group
            table.verticalHeader().setDefaultSectionSize(34)
            table.setFixedHeight(table.horizontalHeader().sizeHint().height() + 34 * len(items) + 4)
            self.tables[change_id] = table
            card_layout.addWidget(table)
            body_layout.addWidget(card)
        body_layout.addStretch(1)
        scroll.setWidget(body)
        layout.addWidget(scroll, 1)

        buttons = QHBoxLayout()
        self.all_mine_button = QPushButton("Keep all mine")
        self.all_mine_button.clicked.connect(lambda: self.choose_all("mine"))
        self.all_theirs_button = QPushButton("Keep all theirs")
        self.all_theirs_button.clicked.connect(lambda: self.choose_all("theirs"))
        buttons.addWidget(self.all_mine_button)
        buttons.addWidget(self.all_theirs_button)
        buttons.addStretch(1)
        self.cancel_button = QPushButton("Later")
        self.cancel_button.setToolTip("Keep the conflicts; the changes stay pending")
        self.cancel_button.clicked.connect(self.reject)
        self.apply_button = QPushButton("Resolve and post again")
        self.apply_button.setObjectName("primaryButton")
        self.apply_button.setDefault(True)
        self.apply_button.clicked.connect(self.accept)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.apply_button)
        layout.addLayout(buttons)
        _changes_style.apply(self)

    def radio(self, change_id: str, field: str, choice: Choice) -> QRadioButton:
        return self._radios[(change_id, field, choice)]

    def choose(self, change_id: str, field: str, choice: Choice) -> None:
        self._radios[(change_id, field, choice)].setChecked(True)

    def choose_all(self, choice: Choice) -> None:
        for (_change_id, _field, which), radio in self._radios.items():
            if which == choice:
                radio.setChecked(True)

    def choices(self) -> dict[str, dict[str, Choice]]:
        out: dict[str, dict[str, Choice]] = {}
        for (change_id, field), _group in self._groups.items():
            mine = self._radios[(change_id, field, "mine")].isChecked()
            out.setdefault(change_id, {})[field] = "mine" if mine else "theirs"
        return out
