"""Render the crash dialog, the Keyboard Shortcuts dialog, the command palette and the About
dialog to PNG files for a visual check.

    QT_QPA_PLATFORM=offscreen python -m tests.ui.render_polish_screens [OUT_DIR] [--dark]

Writes crash-dialog.png (over the main window synced from the sandbox, with a pending change
and an unapplied edit in the editor), shortcuts.png, command-palette.png (the palette over the
main window, "s" typed) and about.png. Also prints the shortcut table for the README.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import qasync
from PySide6.QtCore import QPoint
from PySide6.QtGui import QColor, QPainter, QPixmap
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from snapdesk import config
from snapdesk.changes import EditService
from snapdesk.core.kinds import AD_ACCOUNT, CAMPAIGN, ORGANIZATION
from snapdesk.sandbox import SandboxServer
from snapdesk.store import Store
from snapdesk.sync import SyncService
from snapdesk.ui import theme
from snapdesk.ui.crash import CrashHandler
from snapdesk.ui.dialogs.about import AboutDialog
from snapdesk.ui.main_window import MainWindow
from snapdesk.ui.session import Session
from snapdesk.ui.shortcuts import markdown_table
from tests.ui.changes_env import control, make_api, usd_account
from tests.ui.helpers import run_in_loop
from tests.ui.render_screens import settle

SIZE = (1360, 820)


def save(pixmap: QPixmap, out: Path, name: str) -> None:
    path = out / name
    pixmap.save(str(path))
    print(path)


def over_window(window: QWidget, dialog: QWidget, *, dim: bool) -> QPixmap:
    """The window with `dialog` (a separate top-level window) drawn where it sits on it."""
    shot = window.grab()
    painter = QPainter(shot)
    if dim:
        painter.fillRect(shot.rect(), QColor(0, 0, 0, 70))
    offset = dialog.mapToGlobal(QPoint(0, 0)) - window.mapToGlobal(QPoint(0, 0))
    painter.drawPixmap(offset, dialog.grab())
    painter.end()
    return shot


def center_on(dialog: QWidget, window: QWidget, *, top: int | None = None) -> None:
    origin = window.mapToGlobal(QPoint(0, 0))
    x = origin.x() + (window.width() - dialog.width()) // 2
    y = origin.y() + (top if top is not None else (window.height() - dialog.height()) // 2)
    dialog.move(x, y)


def _fail_with_a_secret() -> None:
    budgets = {"daily_budget_micro": 50_000_000}
    raise KeyError(f"lifetime_budget_micro (sent with Bearer sandbox-demo-token, {len(budgets)})")


def main() -> int:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    out = Path(args[0] if args else "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    theme.apply_theme(app, dark="--dark" in sys.argv)
    loop = qasync.QEventLoop(app, already_running=True)
    tmp = Path(tempfile.mkdtemp(prefix="snapdesk-polish-screens-"))
    home = Path("/home/alex")  # a typical Linux home, for the About dialog's paths
    home_paths = config.Paths(
        data_dir=home / ".local/share/snapdesk",
        config_dir=home / ".config/snapdesk",
        cache_dir=home / ".cache/snapdesk",
        log_dir=home / ".local/state/snapdesk/log",
    )
    with SandboxServer(seed=42, scale="demo") as server:
        control(server, "POST", "rate_limit", {"per_second": 100000, "burst": 100000})
        api = make_api(server)
        store = Store(tmp / "cache.sqlite3")
        run_in_loop(app, loop, SyncService(api=api, store=store).sync(), timeout=60)
        account = usd_account(store)
        campaign = next(c for c in store.campaigns(account.id))
        EditService(store=store).edit(
            kind=CAMPAIGN, entity_id=campaign.id, fields={"name": f"{campaign.name} — summer"}
        )
        paths = config.Paths(
            data_dir=tmp / "data", config_dir=tmp / "config", cache_dir=tmp, log_dir=tmp / "logs"
        ).ensure()
        session = Session(store=store, loop=loop, api=api, profile="default", paths=paths)
        window = MainWindow(session)
        window.resize(*SIZE)
        window.show()
        path = ((ORGANIZATION, account.organization_id), (AD_ACCOUNT, account.id))
        window.tree.expand(window.tree.expand_path(path))
        window.tree.select(window.model.locate((*path, (CAMPAIGN, campaign.id))))
        window.show_editor()
        editor = window.editing.editor_pane.current_editor
        editor.name_edit.setText("Spring launch — final")  # type: ignore[union-attr]
        settle(app, 0.5)

        # crash dialog
        crash = CrashHandler(log_dir=paths.log_dir, open_url=lambda url: True)
        crash.attach(window)
        try:
            _fail_with_a_secret()
        except KeyError:
            crash.excepthook(*sys.exc_info())
        dialog = crash.dialog
        assert dialog is not None
        dialog.adjustSize()
        center_on(dialog, window)
        settle(app, 0.3)
        save(dialog.grab(), out, "crash-dialog.png")
        dialog.accept()
        settle(app, 0.1)

        # shortcuts
        shortcuts = window.help_actions.open_shortcuts()
        shortcuts.resize(980, 760)
        settle(app, 0.3)
        save(shortcuts.grab(), out, "shortcuts.png")
        shortcuts.close()

        # command palette over the window
        window.activateWindow()
        palette = window.help_actions.open_palette()
        settle(app, 0.2)
        QTest.keyClicks(palette.search_edit, "s")
        settle(app, 0.3)
        save(over_window(window, palette, dim=False), out, "command-palette.png")
        palette.reject()

        # about
        about = AboutDialog(paths=home_paths, database=home_paths.database, parent=window)
        settle(app, 0.3)
        save(about.grab(), out, "about.png")
        about.close()

        window.close()
        settle(app, 0.2)
        run_in_loop(app, loop, api.aclose())
        store.close()
    print()
    print(markdown_table())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
