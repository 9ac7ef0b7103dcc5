"""Render the Conversions API page to PNG files for a visual check.

    QT_QPA_PLATFORM=offscreen python -m tests.ui.render_conversion_screens [OUT_DIR] [--dark]

Writes conversions-crm-refused.png (a CRM export whose Notes column holds an e-mail address:
refused), conversions-crm-mapping.png (the same export with Notes dropped in the mapping
table), conversions-crm-preview.png (its payload preview, hashes only),
conversions-mapping.png, conversions-report.png (fresh web events with invalid rows),
conversions-out-of-window.png (the June 2025 sample file, every event too old),
conversions-dry-run.png, conversions-test.png (Snap's validation log and counts),
conversions-confirm.png, conversions-live-results.png and conversions-token.png, against a real
sandbox over loopback HTTP. Data directories and the keyring are temporary (in memory).
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path

import keyring
import qasync
from PySide6.QtWidgets import QApplication, QWidget

from snapdesk.conversions import write_sample
from snapdesk.sandbox import SandboxServer
from snapdesk.sandbox.capi import DEMO_PIXEL_ID
from snapdesk.store import Store
from snapdesk.ui import theme
from snapdesk.ui.session import Session
from snapdesk.ui.views.conversions import (
    MAPPING_TAB,
    PREVIEW_TAB,
    REPORT_TAB,
    ConversionsPage,
    open_conversions_window,
)
from tests.ui.auth_helpers import MemoryKeyring
from tests.ui.render_screens import settle, wait_until
from tests.ui.test_journey_conversions import write_export

REPO = Path(__file__).resolve().parents[2]
SIZE = (1240, 840)


def save(widget: QWidget, out: Path, name: str) -> None:
    settle(QApplication.instance(), 0.25)  # type: ignore[arg-type]
    path = out / name
    widget.grab().save(str(path))
    print(path)


def wait_idle(app: QApplication, page: ConversionsPage) -> None:
    settle(app, 0.05)
    wait_until(app, lambda: not page.busy, timeout=30)
    settle(app, 0.1)


def main() -> int:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    out = Path(args[0] if args else "/work/screens")
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="snapdesk-conversion-screens-"))
    for name in ("SNAPDESK_DATA_DIR", "SNAPDESK_CONFIG_DIR", "SNAPDESK_CACHE_DIR"):
        os.environ[name] = str(tmp / name.lower())
    keyring.set_keyring(MemoryKeyring())
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    theme.apply_theme(app, dark="--dark" in sys.argv)
    loop = qasync.QEventLoop(app, already_running=True)
    with SandboxServer(seed=42, scale="demo") as server:
        store = Store(tmp / "cache.sqlite3")
        session = Session(store=store, loop=loop, sandbox=server)
        page = open_conversions_window(session=session, parent=None)
        assert isinstance(page, ConversionsPage)
        page.resize(*SIZE)
        settle(app, 0.3)
        save(page, out, "conversions-empty.png")

        page.set_asset_id(DEMO_PIXEL_ID)
        page.source_combo.setCurrentIndex(page.source_combo.findData("offline"))
        page.load_file(write_export(tmp / "crm_export_2025-06.csv"))
        wait_idle(app, page)
        save(page, out, "conversions-crm-refused.png")
        page.choose_field("Notes", "drop")
        wait_idle(app, page)
        save(page, out, "conversions-crm-mapping.png")
        page.start_send("dry-run")
        wait_idle(app, page)
        page.tabs.setCurrentIndex(PREVIEW_TAB)
        save(page, out, "conversions-crm-preview.png")
        page.source_combo.setCurrentIndex(page.source_combo.findData("web"))
        wait_idle(app, page)

        page.load_file(write_sample(tmp / "events_with_errors.csv", "web_errors"))
        wait_idle(app, page)
        page.tabs.setCurrentIndex(REPORT_TAB)
        save(page, out, "conversions-report.png")
        page.tabs.setCurrentIndex(MAPPING_TAB)
        save(page, out, "conversions-mapping.png")

        page.start_send("dry-run")
        wait_idle(app, page)
        save(page, out, "conversions-dry-run.png")

        page.start_send("test")
        wait_idle(app, page)
        save(page, out, "conversions-test.png")

        session.live_mode.set(True, reason="screenshots")
        settle(app, 0.3)
        page.send_button.click()
        settle(app, 0.3)
        box = page.confirm_box
        assert box is not None
        save(box, out, "conversions-confirm.png")
        send = next(b for b in box.buttons() if b.text().startswith("Send"))
        send.click()
        wait_idle(app, page)
        save(page, out, "conversions-live-results.png")
        session.live_mode.set(False, reason="screenshots")

        page.load_file(REPO / "resources/samples/conversion_events_web.csv")
        wait_idle(app, page)
        save(page, out, "conversions-out-of-window.png")

        page.token_button.click()
        settle(app, 0.3)
        dialog = page.token_dialog
        assert dialog is not None
        save(dialog, out, "conversions-token.png")
        dialog.reject()

        page.close()
        settle(app, 0.2)
        store.close()
    # As in tests/ui/conftest.py: mark the loop stopped, then close it (joins its executor).
    asyncio.events._set_running_loop(None)
    loop._QEventLoop__is_running = False  # type: ignore[attr-defined]
    loop.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
