"""Confirmations of live posting: switching live mode on (naming the ad accounts the pending
changes touch) and posting past the spend guards (listing every violation)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from snapdesk.changes import AffectedAccount, GuardViolation
from snapdesk.core.kinds import LABEL
from snapdesk.core.money import format_money
from snapdesk.ui import theme
from snapdesk.ui.views import _changes_style

LIVE_BANNER_TEXT = "LIVE — posting sends real changes to Snap"


def _table(headers: Sequence[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setTabKeyNavigation(False)
    table.setHorizontalHeaderLabels(list(headers))
    table.verticalHeader().hide()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    table.setWordWrap(True)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    return table


def _add_row(table: QTableWidget, values: Sequence[str]) -> None:
    row = table.rowCount()
    table.insertRow(row)
    for column, value in enumerate(values):
        table.setItem(row, column, QTableWidgetItem(value))


def _warning_header(title: str, text: str) -> QWidget:
    box = QFrame()
    box.setObjectName("noticeBox")
    layout = QHBoxLayout(box)
    layout.setContentsMargins(12, 10, 12, 10)
    layout.setSpacing(10)
    icon = QLabel()
    icon.setPixmap(theme.large_icon("warning", 28))
    icon.setAlignment(Qt.AlignmentFlag.AlignTop)
    body = QVBoxLayout()
    heading = QLabel(title)
    heading.setObjectName("dialogTitle")
    label = QLabel(text)
    label.setWordWrap(True)
    body.addWidget(heading)
    body.addWidget(label)
    layout.addWidget(icon)
    layout.addLayout(body, 1)
    return box


class LiveModeDialog(QDialog):
    """ "Turn on live mode?" naming the ad accounts pending changes touch. Open with `open()`;
    `accepted` means the user switched live mode on."""

    def __init__(self, accounts: Sequence[AffectedAccount], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.accounts = list(accounts)
        self.setWindowTitle("Turn on live mode")
        self.setMinimumWidth(640)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 16)
        layout.setSpacing(12)
        layout.addWidget(
            _warning_header(
                "Post real changes to Snap?",
                "In live mode, Post sends each pending change to Snap's Marketing API with its "
                "idempotency key. Budgets, bids and statuses change for real and can spend "
                "money. Dry-run comes back at every start-up.",
            )
        )
        if self.accounts:
            n = sum(a.changes for a in self.accounts)
            caption = QLabel(
                f"Pending changes ({n}) touch {len(self.accounts)} ad "
                f"account{'s' if len(self.accounts) != 1 else ''}:"
            )
            caption.setObjectName("sectionTitle")
            layout.addWidget(caption)
            self.table = _table(["Ad account", "Currency", "Changes", "ID"])
            for account in self.accounts:
                _add_row(
                    self.table,
                    [
                        account.name or account.id,
                        account.currency or "—",
                        str(account.changes),
                        account.id,
                    ],
                )
            self.table.setMaximumHeight(36 + 30 * min(len(self.accounts), 6))
            layout.addWidget(self.table)
        else:
            self.table = _table(["Ad account"])
            self.table.hide()
            note = QLabel(
                "There are no pending changes now; whatever you post while live mode is on goes "
                "to Snap."
            )
            note.setWordWrap(True)
            layout.addWidget(note)
        layout.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.cancel_button = QPushButton("Stay in dry-run")
        self.cancel_button.setDefault(True)
        self.cancel_button.clicked.connect(self.reject)
        self.confirm_button = QPushButton("Turn on live mode")
        self.confirm_button.setObjectName("dangerButton")
        self.confirm_button.clicked.connect(self.accept)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.confirm_button)
        layout.addLayout(buttons)
        _changes_style.apply(self)

    def account_names(self) -> list[str]:
        return [a.name or a.id for a in self.accounts]


class GuardViolationsDialog(QDialog):
    """The extra confirmation for changes past the spend guards; "Post anyway" stays disabled
    until the user ticks that they checked each one."""

    def __init__(self, violations: Sequence[GuardViolation], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.violations = list(violations)
        self.setWindowTitle("Spend guards")
        self.setMinimumWidth(720)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 16)
        layout.setSpacing(12)
        n = len(self.violations)
        layout.addWidget(
            _warning_header(
                f"{n} change{'s' if n != 1 else ''} exceed{'' if n != 1 else 's'} your spend guards",
                "Nothing has been sent. Check each change below; post only if these amounts are "
                "what you intend. The guards are set in Preferences → Safety.",
            )
        )
        self.table = _table(["Entity", "Field", "Current", "New", "Guard"])
        self.table.setAccessibleName("Changes over your spend guards")
        for v in self.violations:

            def money(micro: int, currency: str | None = v.currency) -> str:
                return format_money(micro, currency) if currency else f"{micro:,} micro"

            _add_row(
                self.table,
                [
                    f"{LABEL.get(v.kind, v.kind)} · {v.name or v.entity_id}",
                    v.field.removesuffix("_micro").replace("_", " "),
                    money(v.old_micro) if v.old_micro is not None else "—",
                    money(v.new_micro),
                    v.message,
                ],
            )
        self.table.resizeRowsToContents()
        layout.addWidget(self.table)
        self.ack_box = QCheckBox("I have checked these amounts and want to post them")
        self.ack_box.toggled.connect(self._on_ack_box_toggled)
        layout.addWidget(self.ack_box)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.cancel_button = QPushButton("Don't post")
        self.cancel_button.setDefault(True)
        self.cancel_button.clicked.connect(self.reject)
        self.confirm_button = QPushButton("Post anyway")
        self.confirm_button.setObjectName("dangerButton")
        self.confirm_button.setEnabled(False)
        self.confirm_button.clicked.connect(self.accept)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.confirm_button)
        layout.addLayout(buttons)
        _changes_style.apply(self)

    def _on_ack_box_toggled(self, checked: bool) -> None:
        self.confirm_button.setEnabled(checked)
