"""Render the Audiences UI to PNG files for a visual check.

    QT_QPA_PLATFORM=offscreen python -m tests.ui.render_audience_screens [OUT_DIR] [--dark]

Writes audiences-page.png (segments, <1,000 warnings, a queued change), audiences-drop-preview.png
(the dropped file's preview with detected columns), audiences-report.png (the check report),
audiences-dry-run.png (the rehearsal), audiences-upload-progress.png (Snap processing the
upload), audiences-upload-complete.png, audiences-after-upload.png (the page with the new
segment COMPLETE) and prepare-offline.png, from a sandbox synced into a temporary cache.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import qasync
from PySide6.QtWidgets import QApplication, QWidget

from snapdesk.sandbox import SandboxServer
from snapdesk.store import Store
from snapdesk.sync import SyncService
from snapdesk.ui import theme
from snapdesk.ui.dialogs.list_upload import SEND
from snapdesk.ui.dialogs.prepare_list import PrepareListWindow
from snapdesk.ui.session import Session
from snapdesk.ui.views.audiences import AudiencesPage
from tests.ui.changes_env import control, make_api, usd_account
from tests.ui.helpers import run_in_loop
from tests.ui.render_screens import settle, wait_until

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"


def save(widget: QWidget, out: Path, name: str) -> None:
    QApplication.processEvents()
    path = out / name
    widget.grab().save(str(path))
    print(path)


def big_list(path: Path, rows: int) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        fh.write("email\n")
        fh.writelines(f"customer{i}@example.com\n" for i in range(rows))
    return path


def main() -> int:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    out = Path(args[0] if args else "/work/screens")
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    theme.apply_theme(app, dark="--dark" in sys.argv)
    loop = qasync.QEventLoop(app, already_running=True)
    tmp = Path(tempfile.mkdtemp(prefix="snapdesk-audience-screens-"))
    with SandboxServer(seed=42, scale="demo") as server:
        control(server, "POST", "rate_limit", {"per_second": 100000, "burst": 100000})
        control(server, "POST", "segment_processing", {"seconds": 2})
        api = make_api(server)
        store = Store(tmp / "cache.sqlite3")
        run_in_loop(app, loop, SyncService(api=api, store=store).sync(), timeout=60)
        session = Session(store=store, loop=loop, api=api, profile="default")
        account = usd_account(store)

        session.live_mode.set(True)
        page = AudiencesPage(session=session, ad_account_id=account.id, poll_seconds=0.3)
        page.queue_edit(page.model.items[0], {"description": "Renamed in snapdesk"})
        page.resize(1240, 560)
        page.show()
        settle(app, 0.3)
        save(page, out, "audiences-page.png")

        dialog = page.open_upload(SAMPLES / "messy_export.csv")
        dialog.resize(1040, 720)
        settle(app, 0.3)
        save(dialog, out, "audiences-drop-preview.png")

        dialog.preview.set_default_country("DE")
        dialog.start_check()
        wait_until(app, lambda: dialog.report is not None, 60)
        settle(app, 0.2)
        save(dialog, out, "audiences-report.png")
        dialog.close()
        settle(app, 0.2)

        big = big_list(tmp / "crm_export.csv", 250_000)
        dialog = page.open_upload(big)
        dialog.resize(1040, 720)
        dialog.start_check()
        wait_until(app, lambda: dialog.report is not None, 120)
        dialog._on_next_button_clicked()
        assert dialog.page == SEND
        dialog.target_combo.setCurrentIndex(dialog.target_combo.count() - 1)
        dialog.new_name.setText("CRM export — spring")
        dialog.rehearse()
        settle(app, 0.2)
        save(dialog, out, "audiences-dry-run.png")

        dialog.live_check.setChecked(True)
        dialog.start_upload()
        wait_until(app, lambda: dialog.upload_label.text().startswith("Sent"), 60)
        settle(app, 0.2)
        save(dialog, out, "audiences-upload-progress.png")
        wait_until(app, lambda: dialog.upload_result is not None, 60)
        settle(app, 0.2)
        save(dialog, out, "audiences-upload-complete.png")
        dialog.accept()
        settle(app, 0.3)
        page.refresh()
        save(page, out, "audiences-after-upload.png")

        window = PrepareListWindow()
        window.resize(1040, 900)
        window.show()
        window.load_file(SAMPLES / "phones.csv")
        window.start_check()
        wait_until(app, lambda: window.report is not None, 60)
        settle(app, 0.3)
        save(window, out, "prepare-offline.png")
        window.close()
        page.close()
        run_in_loop(app, loop, api.aclose())
        store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
