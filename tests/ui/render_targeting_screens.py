"""Render the ad squad targeting editor to PNG files for a visual check (issue 17).

    QT_QPA_PLATFORM=offscreen python -m tests.ui.render_targeting_screens [OUT_DIR] [--dark]

The main window at 1280×800 against the sandbox (synced demo data, Snap's catalogues loaded by
the editor), an ad squad of the USD account in the editor. Writes
targeting-location-search.png (the popup open after typing), targeting-interest-browser.png,
targeting-reach-broad.png and targeting-reach-narrow.png (the gauge moving as the targeting
narrows) and targeting-bid-estimate.png; with --dark, the names end in -dark.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import qasync
from PySide6.QtCore import QPoint
from PySide6.QtGui import QPainter, QPixmap
from PySide6.QtWidgets import QApplication, QScrollArea, QWidget

from snapdesk import config
from snapdesk.core.kinds import AD_ACCOUNT, AD_SQUAD, CAMPAIGN, ORGANIZATION
from snapdesk.sandbox import SandboxServer
from snapdesk.store import Store
from snapdesk.sync import SyncService
from snapdesk.ui import theme
from snapdesk.ui.editors.ad_squad import AdSquadEditor
from snapdesk.ui.main_window import MainWindow
from snapdesk.ui.session import Session
from tests.ui.changes_env import control, make_api, usd_account
from tests.ui.helpers import run_in_loop
from tests.ui.render_screens import settle

SIZE = (1280, 800)


def save(pixmap: QPixmap, out: Path, name: str, dark: bool) -> None:
    path = out / (name.replace(".png", "-dark.png") if dark else name)
    pixmap.save(str(path))
    print(path)


def with_popup(window: QWidget, field: QWidget, popup: QWidget) -> QPixmap:
    """The window with a popup (a separate top-level window) drawn under its field, as a
    desktop shows it (the offscreen screen is smaller than the window, so Qt moves the popup
    itself inside that screen)."""
    popup.resize(field.width(), popup.height())
    shot = window.grab()
    painter = QPainter(shot)
    painter.drawPixmap(field.mapTo(window, QPoint(0, field.height() + 1)), popup.grab())
    painter.end()
    return shot


def card_of(widget: QWidget) -> QWidget:
    """The editor section (card) around `widget`."""
    card: QWidget | None = widget
    while card is not None and card.objectName() != "card":
        card = card.parentWidget()
    return card or widget


def scroll_to(editor: AdSquadEditor, widget: QWidget, margin: int = 12) -> None:
    """Scroll the editor's form so `widget` sits near the top."""
    area = editor.findChild(QScrollArea, "editorScroll")
    assert area is not None
    top = widget.mapTo(area.widget(), QPoint(0, 0)).y()
    area.verticalScrollBar().setValue(max(0, top - margin))


def wait_for(app: QApplication, test: object, timeout: float = 20.0) -> None:
    end = time.monotonic() + timeout
    while not test() and time.monotonic() < end:  # type: ignore[operator]
        app.processEvents()
        time.sleep(0.01)


def main() -> int:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    dark = "--dark" in sys.argv
    out = Path(args[0] if args else "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    theme.apply_theme(app, dark=dark)
    loop = qasync.QEventLoop(app, already_running=True)
    tmp = Path(tempfile.mkdtemp(prefix="snapdesk-targeting-screens-"))
    with SandboxServer(seed=42, scale="demo") as server:
        control(server, "POST", "rate_limit", {"per_second": 100000, "burst": 100000})
        api = make_api(server)
        store = Store(tmp / "cache.sqlite3")
        run_in_loop(app, loop, SyncService(api=api, store=store).sync(), timeout=60)
        account = usd_account(store)
        squad = next(
            s
            for campaign in store.campaigns(account.id)
            for s in store.ad_squads(campaign.id)
            if (s.data.get("targeting") or {}).get("interests")
            and s.data.get("optimization_goal") == "SWIPES"
        )
        campaign_id = str(squad.data["campaign_id"])
        paths = config.Paths(
            data_dir=tmp / "data", config_dir=tmp / "config", cache_dir=tmp, log_dir=tmp / "logs"
        ).ensure()
        session = Session(store=store, loop=loop, api=api, profile="default", paths=paths)
        window = MainWindow(session)
        window.resize(*SIZE)
        window.show()
        path = ((ORGANIZATION, account.organization_id), (AD_ACCOUNT, account.id))
        window.tree.expand(window.tree.expand_path(path))
        window.tree.expand(window.tree.expand_path((*path, (CAMPAIGN, campaign_id))))
        window.tree.select(
            window.model.locate((*path, (CAMPAIGN, campaign_id), (AD_SQUAD, squad.id)))
        )
        window.show_editor()
        editor = window.editing.editor_pane.current_editor
        assert isinstance(editor, AdSquadEditor)
        services = window.editing.targeting
        wait_for(app, lambda: not services.loading() and not editor.names_pending)
        settle(app, 0.3)
        # the Pending Changes dock closed (View menu), so the editor has the window's height
        window.editing.dock.hide()
        settle(app, 0.3)
        wait_for(app, lambda: editor.estimates.state not in ("", "loading"))
        settle(app, 0.3)

        # the gauge, broad: the squad as it is, then without its interest
        scroll_to(editor, card_of(editor.estimate_view))
        editor.interest_table.remove(editor.interest_table.keys()[0])
        editor.revalidate()
        editor.estimates.flush()
        wait_for(app, lambda: editor.estimates.state not in ("", "loading"))
        settle(app, 0.3)
        save(window.grab(), out, "targeting-reach-broad.png", dark)

        # narrow: a region instead of the whole country, women only, one interest
        region = editor.location_search.type_text("Tex") or editor.location_search.type_text("Cal")
        editor.location_search.choose(region[0])
        editor.gender_combo.set_value("FEMALE")
        editor.age_min.set_value("25")
        editor.age_max.set_value("34")
        tree = editor.interest_browser
        tree.search_edit.setText("coffee")
        for option in tree.visible_options():
            item = tree.item_for(option.id)
            if item is not None and item.childCount() == 0:
                item.setCheckState(0, item.checkState(0).Checked)
                break
        tree.search_edit.clear()
        editor.revalidate()
        editor.estimates.flush()
        wait_for(app, lambda: editor.estimates.state not in ("", "loading"))
        settle(app, 0.3)
        scroll_to(editor, card_of(editor.estimate_view))
        settle(app, 0.2)
        save(window.grab(), out, "targeting-reach-narrow.png", dark)

        # the bid estimate: the gauge and its bid line, close up on the editor
        section = editor.estimate_view.parentWidget()
        assert section is not None
        save(section.grab(), out, "targeting-bid-estimate.png", dark)

        # the location search with its popup open
        location = editor.location_search
        scroll_to(editor, card_of(location))
        settle(app, 0.2)
        location.edit.setFocus()
        location.type_text("United")
        settle(app, 0.4)
        save(
            with_popup(window, location.edit, location.completer.popup()),
            out,
            "targeting-location-search.png",
            dark,
        )
        location.completer.popup().hide()
        location.edit.clear()

        # the interest browser, searched and expanded
        tree.search_edit.setText("fo")
        scroll_to(editor, card_of(tree))
        settle(app, 0.3)
        save(window.grab(), out, "targeting-interest-browser.png", dark)

        services.shutdown()
        window.close()
        settle(app, 0.2)
        run_in_loop(app, loop, api.aclose())
        store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
