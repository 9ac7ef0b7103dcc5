"""Help → About snapdesk: version, license, the versions it runs on, and where it keeps its
files (each folder can be opened)."""

from __future__ import annotations

import html
import platform
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, cast

import PySide6
from PySide6.QtCore import Qt, QUrl, qVersion
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from snapdesk import __version__, config
from snapdesk.ui import theme

if TYPE_CHECKING:
    from email.message import Message

LICENSE = "MIT"
TAGLINE = (
    "A desktop editor for Snapchat ad campaigns: a synced account tree, edits that are "
    "rehearsed before anything is sent, customer lists hashed on this computer, stats and "
    "experiments."
)


def license_name() -> str:
    try:
        from importlib.metadata import PackageNotFoundError, metadata

        # cast: the metadata is an email.message.Message at runtime; typeshed declares `get` on
        # its PackageMetadata protocol only from Python 3.12.
        text = cast("Message", metadata("snapdesk")).get("License")
    except (PackageNotFoundError, ImportError):  # running from a bundle or a source tree
        text = None
    return str(text) if text else LICENSE


class AboutDialog(QDialog):
    """`folder_buttons` maps each row's label to its Open button (tests)."""

    def __init__(
        self,
        *,
        paths: config.Paths,
        database: Path | None = None,
        open_url: Callable[[QUrl], object] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._open_url = open_url or QDesktopServices.openUrl
        self.folder_buttons: dict[str, QPushButton] = {}
        self.setWindowTitle("About snapdesk")
        self.setFixedWidth(640)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 22, 24, 16)
        layout.setSpacing(12)

        head = QHBoxLayout()
        head.setSpacing(16)
        icon = QLabel()
        icon.setPixmap(theme.large_icon("app", 56))
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        head.addWidget(icon)
        titles = QVBoxLayout()
        titles.setSpacing(4)
        self.title_label = QLabel(f"snapdesk {__version__}")
        self.title_label.setObjectName("title")
        titles.addWidget(self.title_label)
        tagline = QLabel(TAGLINE)
        tagline.setWordWrap(True)
        titles.addWidget(tagline)
        self.license_label = QLabel(
            f"{html.escape(license_name())} License · not affiliated with or endorsed by Snap Inc."
        )
        self.license_label.setObjectName("muted")
        titles.addWidget(self.license_label)
        head.addLayout(titles, 1)
        layout.addLayout(head)

        self.versions_label = QLabel(
            f"Python {platform.python_version()} · Qt {qVersion()} · "
            f"PySide6 {PySide6.__version__} · {platform.system()} {platform.machine()}"
        )
        self.versions_label.setObjectName("muted")
        self.versions_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.versions_label)

        section = QLabel("Where snapdesk keeps its files")
        section.setObjectName("sectionTitle")
        layout.addSpacing(6)
        layout.addWidget(section)
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(6)
        rows = [
            ("Database", database or paths.database, "cached accounts and pending changes"),
            ("Data", paths.data_dir, ""),
            ("Settings", paths.config_dir, ""),
            ("Cache", paths.cache_dir, ""),
            ("Logs", paths.log_dir, "logs and crash reports"),
        ]
        for row, (label, path, note) in enumerate(rows):
            name = QLabel(label)
            name.setObjectName("formLabel")
            grid.addWidget(name, row, 0, Qt.AlignmentFlag.AlignTop)
            note_html = (
                f"<br><span style='color: {theme.colors().muted}; font-size: 9pt;'>"
                f"{html.escape(note)}</span>"
                if note
                else ""
            )
            value = QLabel(
                f"<span style=\"font-family: 'DejaVu Sans Mono', monospace;\">"
                f"{html.escape(str(path))}</span>{note_html}"
            )
            value.setToolTip(str(path))
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            grid.addWidget(value, row, 1)
            folder = path.parent if path.suffix else path
            button = QPushButton("Open")
            button.setObjectName("flatButton")
            button.setAccessibleName(f"Open the {label.lower()} folder")
            button.setToolTip(str(folder))
            button.clicked.connect(lambda _c=False, f=folder: self._open(f))
            grid.addWidget(button, row, 2, Qt.AlignmentFlag.AlignTop)
            self.folder_buttons[label] = button
        grid.setColumnStretch(1, 1)
        layout.addLayout(grid)
        privacy = QLabel(
            "Sign-in tokens and client secrets live in the system keyring, never in these "
            "folders. Customer lists are hashed on this computer; raw e-mail addresses and "
            "phone numbers are never stored, logged or put in crash reports."
        )
        privacy.setObjectName("hint")
        privacy.setWordWrap(True)
        layout.addWidget(privacy)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.close_button = QPushButton("Close")
        self.close_button.setObjectName("primaryButton")
        self.close_button.setDefault(True)
        self.close_button.clicked.connect(self.accept)
        buttons.addWidget(self.close_button)
        layout.addLayout(buttons)
        self.adjustSize()

    def _open(self, folder: Path) -> None:
        self._open_url(QUrl.fromLocalFile(str(folder)))
