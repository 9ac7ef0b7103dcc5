"""Screenshots of every main window and dialog on a real X server, in light and dark, at
1280×800: the windows as the window manager frames and places them (the screen is grabbed,
not the widget), so clipping, placement off-screen and frames show as a user sees them.

    Xvfb :99 -screen 0 1280x800x24 & DISPLAY=:99 openbox &
    DISPLAY=:99 QT_QPA_PLATFORM=xcb python -m tests.ui.render_xvfb_tour [OUT_DIR]

Writes OUT_DIR/{light,dark}-<window>.png (default docs/screenshots/xvfb/). The theme is
switched at run time between the two passes, as Preferences does.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import qasync
from PySide6.QtWidgets import QApplication, QWidget

from snapdesk import config
from snapdesk.changes import EditService
from snapdesk.core.kinds import AD_ACCOUNT, AD_SQUAD, CAMPAIGN, ORGANIZATION
from snapdesk.sandbox import SandboxServer
from snapdesk.store import Store
from snapdesk.sync import SyncService
from snapdesk.ui import theme, tools_menu
from snapdesk.ui.main_window import MainWindow
from snapdesk.ui.session import Session
from tests.ui.changes_env import control, make_api, usd_account
from tests.ui.helpers import run_in_loop


def settle(app: QApplication, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.02)


def shoot(app: QApplication, out: Path, name: str) -> None:
    settle(app, 0.8)
    screen = app.primaryScreen()
    path = out / f"{name}.png"
    screen.grabWindow(0).save(str(path))
    print(path)


def main() -> int:
    if os.environ.get("QT_QPA_PLATFORM", "xcb") != "xcb" or not os.environ.get("DISPLAY"):
        print("run on an X server: DISPLAY=:99 QT_QPA_PLATFORM=xcb", file=sys.stderr)
        return 2
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    out = Path(args[0] if args else "docs/screenshots/xvfb")
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    loop = qasync.QEventLoop(app, already_running=True)
    tmp = Path(tempfile.mkdtemp(prefix="snapdesk-xvfb-tour-"))
    with SandboxServer(seed=42, scale="demo") as server:
        control(server, "POST", "rate_limit", {"per_second": 100000, "burst": 100000})
        api = make_api(server)
        store = Store(tmp / "cache.sqlite3")
        run_in_loop(app, loop, SyncService(api=api, store=store).sync(), timeout=60)
        account = usd_account(store)
        campaign = next(c for c in store.campaigns(account.id) if store.ad_squads(c.id))
        squad = store.ad_squads(campaign.id)[0]
        EditService(store=store).edit(
            kind=CAMPAIGN, entity_id=campaign.id, fields={"name": f"{campaign.name} — summer"}
        )
        paths = config.Paths(
            data_dir=tmp / "data", config_dir=tmp / "config", cache_dir=tmp, log_dir=tmp / "logs"
        ).ensure()
        session = Session(
            store=store,
            loop=loop,
            api=api,
            profile="default",
            sandbox=server,
            paths=paths,
            settings_path=tmp / "window.ini",
        )
        window = MainWindow(session)
        window.show()
        settle(app, 1.0)
        path = ((ORGANIZATION, account.organization_id), (AD_ACCOUNT, account.id))
        window.tree.expand(window.tree.expand_path(path))

        def select(*rest: tuple[str, str]) -> None:
            window.tree.select(window.model.locate((*path, *rest)))

        windows: list[tuple[str, Callable[[], QWidget | None]]] = [
            ("preferences", window.open_preferences),
            ("audit-log", window.editing.open_audit_log),
            ("shortcuts", window.help_actions.open_shortcuts),
            ("command-palette", window.help_actions.open_palette),
            ("about", window.help_actions.open_about),
        ]
        tools: list[tuple[str, Callable[[MainWindow], object]]] = [
            ("audiences", tools_menu.open_audiences),
            ("prepare-list", tools_menu.open_prepare_list),
            ("conversions", tools_menu.open_conversions),
            ("experiments", tools_menu.open_experiments),
        ]
        for dark in (False, True):
            name = "dark" if dark else "light"
            theme.apply_theme(app, dark=dark)  # at run time, as Preferences switches it
            select((CAMPAIGN, campaign.id))
            window.right_tabs.setCurrentWidget(window.grid)
            shoot(app, out, f"{name}-main-grid")
            select((CAMPAIGN, campaign.id), (AD_SQUAD, squad.id))
            window.show_editor()
            shoot(app, out, f"{name}-main-ad-squad-editor")
            window.details_tab_action.trigger()
            shoot(app, out, f"{name}-main-details")
            window.file_menu.popup(window.mapToGlobal(window.menuBar().geometry().bottomLeft()))
            shoot(app, out, f"{name}-file-menu")
            window.file_menu.hide()
            for label, open_window in windows:
                shown = open_window()
                shoot(app, out, f"{name}-{label}")
                for widget in (shown, app.activeModalWidget(), app.activePopupWidget()):
                    if isinstance(widget, QWidget) and widget is not window:
                        widget.close()
                settle(app, 0.3)
            for label, open_tool in tools:
                before = set(app.topLevelWidgets())
                open_tool(window)
                shoot(app, out, f"{name}-{label}")
                for widget in set(app.topLevelWidgets()) - before:
                    if widget.isVisible():
                        widget.close()
                settle(app, 0.3)
        window.experiment_runner.stop()
        window.close()
        run_in_loop(app, loop, api.aclose())
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
