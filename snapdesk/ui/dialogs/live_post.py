"""The confirmation before each live post, when the Preferences ask for one ("each_post"): how
many changes go to Snap now and which ad accounts they touch. Open with `open()`; `accepted`
means post."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from snapdesk.changes import AffectedAccount
from snapdesk.ui import theme
from snapdesk.ui.dialogs._widgets import hint
from snapdesk.ui.views import _changes_style


class LivePostDialog(QDialog):
    def __init__(self, accounts: Sequence[AffectedAccount], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.accounts = list(accounts)
        self.setWindowTitle("Post live")
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 16)
        layout.setSpacing(12)
        n = sum(a.changes for a in self.accounts)
        header = QHBoxLayout()
        header.setSpacing(12)
        icon = QLabel()
        icon.setPixmap(theme.large_icon("warning", 28))
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        header.addWidget(icon)
        text = QVBoxLayout()
        self.title_label = QLabel(f"Send {n} change{'s' if n != 1 else ''} to Snap now?")
        self.title_label.setObjectName("dialogTitle")
        text.addWidget(self.title_label)
        accounts_text = (
            f"They touch {len(self.accounts)} ad account{'s' if len(self.accounts) != 1 else ''}"
            " and take effect at once: budgets, bids and statuses change for real."
        )
        body = QLabel(accounts_text)
        body.setWordWrap(True)
        text.addWidget(body)
        header.addLayout(text, 1)
        layout.addLayout(header)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["Ad account", "Currency", "Changes"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for account in self.accounts:
            row = self.table.rowCount()
            self.table.insertRow(row)
            for column, value in enumerate(
                (account.name or account.id, account.currency or "—", str(account.changes))
            ):
                item = QTableWidgetItem(value)
                if column == 2:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.table.setItem(row, column, item)
        self.table.setMaximumHeight(36 + 30 * min(max(len(self.accounts), 1), 6))
        layout.addWidget(self.table)
        layout.addWidget(
            hint(
                "You asked to confirm every live post (Preferences → Safety). "
                "Dry-run is back at the next start."
            )
        )
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.cancel_button = QPushButton("Don't post")
        self.cancel_button.setDefault(True)
        self.cancel_button.setAutoDefault(True)
        self.cancel_button.clicked.connect(self.reject)
        self.confirm_button = QPushButton(f"Post {n} live")
        self.confirm_button.setObjectName("dangerButton")
        self.confirm_button.setAutoDefault(False)
        self.confirm_button.clicked.connect(self.accept)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.confirm_button)
        layout.addLayout(buttons)
        _changes_style.apply(self)

    def account_names(self) -> list[str]:
        return [a.name or a.id for a in self.accounts]
