"""The Help menu: Keyboard Shortcuts, Command Palette, Open Log Folder, Report a Problem and
About snapdesk. `HelpActions` owns the actions and the dialogs they open (one of each)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QObject, QUrl
from PySide6.QtGui import QAction, QDesktopServices
from PySide6.QtWidgets import QDialog, QMenu

from snapdesk.ui._redact import recent_log_handler

if TYPE_CHECKING:
    from snapdesk.ui.dialogs.about import AboutDialog
    from snapdesk.ui.dialogs.command_palette import CommandPalette
    from snapdesk.ui.dialogs.shortcuts import ShortcutsDialog
    from snapdesk.ui.main_window import MainWindow


class HelpActions(QObject):
    """`open_url` opens local folders (tests replace it)."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._window = window
        self.open_url: Callable[[QUrl], object] = QDesktopServices.openUrl
        self.shortcuts_dialog: ShortcutsDialog | None = None
        self.palette: CommandPalette | None = None
        self.about_dialog: AboutDialog | None = None
        self.report_dialog: QDialog | None = None
        self.shortcuts_action = QAction("&Keyboard Shortcuts", window)
        self.shortcuts_action.setToolTip("Every keyboard shortcut, searchable")
        self.shortcuts_action.triggered.connect(self.open_shortcuts)
        self.palette_action = QAction("Command &Palette…", window)
        self.palette_action.setToolTip("Find any command by name and run it")
        self.palette_action.triggered.connect(self.open_palette)
        self.log_folder_action = QAction("Open &Log Folder", window)
        self.log_folder_action.setToolTip("Where snapdesk writes its log and crash reports")
        self.log_folder_action.triggered.connect(self.open_log_folder)
        self.report_action = QAction("&Report a Problem…", window)
        self.report_action.setToolTip(
            "Save a diagnostics report (no tokens or personal data) to send with your message"
        )
        self.report_action.triggered.connect(self.report_problem)
        self.about_action = QAction("&About snapdesk", window)
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.about_action.triggered.connect(self.open_about)

    def fill_menu(self, menu: QMenu) -> None:
        menu.addAction(self.shortcuts_action)
        menu.addAction(self.palette_action)
        menu.addSeparator()
        menu.addAction(self.log_folder_action)
        menu.addAction(self.report_action)
        menu.addSeparator()
        menu.addAction(self.about_action)

    # -- slots -------------------------------------------------------------------------------

    def open_shortcuts(self) -> ShortcutsDialog:
        from snapdesk.ui.dialogs.shortcuts import ShortcutsDialog

        dialog = self.shortcuts_dialog
        if dialog is None or not shiboken6.isValid(dialog):
            dialog = ShortcutsDialog(parent=self._window)
            dialog.finished.connect(dialog.deleteLater)
            self.shortcuts_dialog = dialog
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        return dialog

    def open_palette(self) -> CommandPalette:
        from snapdesk.ui.dialogs.command_palette import CommandPalette

        palette = CommandPalette(self._window)
        palette.finished.connect(palette.deleteLater)
        self.palette = palette
        palette.popup()
        return palette

    def open_log_folder(self) -> None:
        folder = self._window.session.paths.log_dir
        folder.mkdir(parents=True, exist_ok=True)
        self.open_url(QUrl.fromLocalFile(str(folder)))

    def report_problem(self) -> QDialog:
        from snapdesk.ui.crash import open_problem_report

        dialog = open_problem_report(
            window=self._window,
            log_dir=self._window.session.paths.log_dir,
            recent=recent_log_handler(),
            open_url=lambda url: self.open_url(url),
        )
        self.report_dialog = dialog
        return dialog

    def open_about(self) -> AboutDialog:
        from snapdesk.ui.dialogs.about import AboutDialog

        dialog = self.about_dialog
        if dialog is None or not shiboken6.isValid(dialog):
            dialog = AboutDialog(
                paths=self._window.session.paths,
                database=getattr(self._window.store, "path", None),
                open_url=lambda url: self.open_url(url),
                parent=self._window,
            )
            dialog.finished.connect(dialog.deleteLater)
            self.about_dialog = dialog
        dialog.open()
        return dialog
