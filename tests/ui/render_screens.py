"""Render the main window's states to PNG files for a visual check.

    QT_QPA_PLATFORM=offscreen python -m tests.ui.render_screens [OUT_DIR] [--dark]

Writes main.png (sandbox, synced, an account expanded and a campaign selected),
empty-selection.png, loading.png, error.png (nothing cached, sync failed),
account-error.png (one account failed, the rest intact), no-login.png and synthetic.png.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import httpx
import qasync
from PySide6.QtWidgets import QApplication

from snapdesk.api import RetryPolicy, SnapApi, StaticTokenProvider
from snapdesk.store import Store
from snapdesk.ui import theme
from snapdesk.ui.main_window import MainWindow
from snapdesk.ui.session import Session
from tests.ui import data

SIZE = (1360, 820)


def wait_until(app: QApplication, predicate: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met")
        app.processEvents()
        time.sleep(0.01)


def settle(app: QApplication, seconds: float = 0.3) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


def control(server: object, method: str, path: str, body: object = None) -> None:
    url = f"{server.base_url}/__sandbox__/{path}"  # type: ignore[attr-defined]
    httpx.request(method, url, json=body).raise_for_status()


def make_window(
    app: QApplication,
    loop: asyncio.AbstractEventLoop,
    tmp: Path,
    *,
    server: object | None,
    name: str,
) -> MainWindow:
    store = Store(tmp / f"{name}.sqlite3")
    api = None
    if server is not None:
        api = SnapApi(
            base_url=server.api_base,  # type: ignore[attr-defined]
            token_provider=StaticTokenProvider(server.token),  # type: ignore[attr-defined]
            retry=RetryPolicy(max_attempts=2, base=0.05, cap=0.1),
        )
    session = Session(store=store, loop=loop, api=api, sandbox=server)
    window = MainWindow(session)
    window.resize(*SIZE)
    window.show()
    return window


def dispose(app: QApplication, window: MainWindow) -> None:
    """Close and delete the window and its cache like the app does on exit."""
    window.close()
    window.deleteLater()
    settle(app, 0.1)
    window.session.store.close()


def save(window: MainWindow, out: Path, name: str) -> None:
    QApplication.processEvents()
    path = out / name
    window.grab().save(str(path))
    print(path)


def main() -> int:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    out = Path(args[0] if args else "/work/screens")
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv)
    theme.apply_theme(app, dark="--dark" in sys.argv)
    suffix = "-dark" if "--dark" in sys.argv else ""
    loop = qasync.QEventLoop(app, already_running=True)
    tmp = Path(tempfile.mkdtemp(prefix="snapdesk-screens-"))

    # Synthetic cache, no login.
    store = Store(tmp / "synthetic.sqlite3")
    data.fill(store)
    store.close()
    window = make_window(app, loop, tmp, server=None, name="synthetic")
    us = window.tree.expand_path((("organization", data.ORG), ("ad_account", data.US)))
    window.tree.expand(us)
    spring = window.model.locate(
        (("organization", data.ORG), ("ad_account", data.US), ("campaign", "cmp-us-spring"))
    )
    window.tree.expand(spring)
    window.tree.select(spring)
    settle(app)
    save(window, out, f"synthetic{suffix}.png")
    dispose(app, window)

    window = make_window(app, loop, tmp, server=None, name="empty")
    settle(app)
    save(window, out, f"no-login{suffix}.png")
    dispose(app, window)

    try:
        from snapdesk.sandbox import SandboxServer
    except ImportError:
        print("sandbox not available; skipping sandbox screens")
        return 0

    with SandboxServer(seed=42, scale="demo") as server:
        control(server, "POST", "rate_limit", {"per_second": 1000, "burst": 1000})
        # Loading: slow responses so the first sync is caught mid-way.
        control(server, "POST", "latency", {"ms": 400})
        window = make_window(app, loop, tmp, server=server, name="loading")
        window.start_initial_sync()
        wait_until(app, lambda: window.progress_bar.maximum() > 0)
        settle(app, 0.5)
        save(window, out, f"loading{suffix}.png")
        window.cancel_sync()
        wait_until(app, lambda: not window.sync_running)
        dispose(app, window)
        control(server, "POST", "latency", {"ms": 0})

        # Main: synced, account expanded, campaign selected.
        window = make_window(app, loop, tmp, server=server, name="main")
        window.start_initial_sync()
        wait_until(app, lambda: not window.sync_running)
        settle(app)
        save(window, out, f"empty-selection{suffix}.png")
        account = window.store.ad_accounts()[0]
        campaign = window.store.campaigns(account.id)[0]
        account_path = (("organization", account.organization_id), ("ad_account", account.id))
        window.tree.expand(window.tree.expand_path(account_path))
        index = window.model.locate((*account_path, ("campaign", campaign.id)))
        window.tree.expand(index)
        window.tree.select(index)
        settle(app, 1.2)
        save(window, out, f"main{suffix}.png")

        # An ad with a creative and media, raw JSON open.
        squad = window.store.ad_squads(campaign.id)[0]
        ad = window.store.ads(squad.id)[0]
        squad_index = window.model.locate(
            (*account_path, ("campaign", campaign.id), ("ad_squad", squad.id))
        )
        window.tree.expand(squad_index)
        window.tree.select(
            window.model.locate(
                (*account_path, ("campaign", campaign.id), ("ad_squad", squad.id), ("ad", ad.id))
            )
        )
        settle(app, 0.3)
        save(window, out, f"ad-details{suffix}.png")
        window.details.raw_toggle.click()
        settle(app, 0.3)
        save(window, out, f"raw-json{suffix}.png")
        window.details.raw_toggle.click()
        window.filter_edit.setText("promo")
        settle(app, 0.6)
        save(window, out, f"filter{suffix}.png")
        window.filter_edit.clear()
        settle(app, 0.4)

        # One account fails, the others stay.
        control(
            server,
            "POST",
            "faults",
            {
                "method": "GET",
                "path": f"/v1/adaccounts/{account.id}/campaigns",
                "status": 500,
                "times": 1000,
            },
        )
        window.sync_all_action.trigger()
        wait_until(app, lambda: not window.sync_running)
        window.tree.select(window.model.locate(account_path))
        settle(app)
        save(window, out, f"account-error{suffix}.png")
        dispose(app, window)
        control(server, "DELETE", "faults")

        # Nothing cached and the sync fails.
        control(
            server,
            "POST",
            "faults",
            {"method": "GET", "path": "/v1/me/organizations", "status": 500, "times": 1000},
        )
        window = make_window(app, loop, tmp, server=server, name="error")
        window.start_initial_sync()
        wait_until(app, lambda: not window.sync_running)
        settle(app)
        save(window, out, f"error{suffix}.png")
        dispose(app, window)
        control(server, "DELETE", "faults")
    asyncio.events._set_running_loop(None)
    loop._QEventLoop__is_running = False  # see tests/ui/conftest.py: loop.stop() calls app.exit()
    loop.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
