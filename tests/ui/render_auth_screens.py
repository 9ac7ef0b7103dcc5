"""Render the sign-in, OAuth app settings and logins UI to PNG files for a visual check.

    QT_QPA_PLATFORM=offscreen python -m tests.ui.render_auth_screens [OUT_DIR] [--dark]

Uses temporary snapdesk directories, an in-memory keyring and a real SandboxServer. Writes
oauth-app-empty.png, oauth-app-error.png, sign-in-start.png, sign-in-waiting.png,
sign-in-error.png, sign-in-keyring.png, sign-in-success.png, logins.png, main-two-logins.png,
main-reauth.png and no-login-sign-in.png.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_TMP = Path(tempfile.mkdtemp(prefix="snapdesk-auth-screens-"))
for _name in ("SNAPDESK_DATA_DIR", "SNAPDESK_CONFIG_DIR", "SNAPDESK_CACHE_DIR"):
    os.environ[_name] = str(_TMP / _name.lower())
os.environ.pop("SNAPDESK_ACCESS_TOKEN", None)

import asyncio  # noqa: E402

import keyring  # noqa: E402
import qasync  # noqa: E402
from PySide6.QtCore import QModelIndex  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from snapdesk import config  # noqa: E402
from snapdesk.auth import KeyringTokenStore, OAuthApp, Profiles  # noqa: E402
from snapdesk.store import Store  # noqa: E402
from snapdesk.ui import theme  # noqa: E402
from snapdesk.ui.dialogs.logins import LoginsDialog  # noqa: E402
from snapdesk.ui.dialogs.oauth_app import OAuthAppDialog  # noqa: E402
from snapdesk.ui.dialogs.sign_in import SignInDialog  # noqa: E402
from snapdesk.ui.main_window import MainWindow  # noqa: E402
from snapdesk.ui.session import Session  # noqa: E402
from tests.ui.auth_helpers import (  # noqa: E402
    MemoryKeyring,
    ThreadBrowser,
    add_login,
    control,
    fill_two_logins,
    sandbox_app,
)
from tests.ui.render_screens import settle, wait_until  # noqa: E402

SIZE = (1360, 820)


def save(app: QApplication, widget: QWidget, out: Path, name: str) -> None:
    settle(app, 0.25)
    path = out / name
    widget.grab().save(str(path))
    print(path)


def session_for(loop: asyncio.AbstractEventLoop, store: Store, **kw: object) -> Session:
    return Session(
        store=store,
        loop=loop,
        paths=config.Paths.from_env().ensure(),
        keyring=kw.pop("keyring", KeyringTokenStore()),  # type: ignore[arg-type]
        **kw,  # type: ignore[arg-type]
    )


def two_logins(loop: asyncio.AbstractEventLoop, store: Store) -> Session:
    keyring_store = KeyringTokenStore()
    paths = config.Paths.from_env().ensure()
    profiles = Profiles(store=keyring_store, paths=paths)
    add_login(
        profiles,
        "default",
        display_name="Priya Shah",
        email="priya@brandhouse.example",
        organizations=[("org-brand", "Brand House")],
        tokens_in=keyring_store,
    )
    add_login(
        profiles,
        "agency",
        display_name="Northwind Agency Team",
        email="agency@northwind-media.example",
        organizations=[("org-agency", "Agency Partners"), ("org-client", "Client Co")],
        tokens_in=keyring_store,
    )
    profiles.switch("default")
    fill_two_logins(store)
    session = Session(store=store, loop=loop, paths=paths, keyring=keyring_store)
    session.connect_signed_in()
    return session


def main() -> int:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    out = Path(args[0] if args else "/work/screens")
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    dark = "--dark" in sys.argv
    theme.apply_theme(app, dark=dark)
    suffix = "-dark" if dark else ""
    keyring.set_keyring(MemoryKeyring())
    loop = qasync.QEventLoop(app, already_running=True)
    store = Store(_TMP / "screens.sqlite3")

    # OAuth app settings: empty, then filled with a problem left.
    session = session_for(loop, store)
    dialog = OAuthAppDialog(session=session)
    dialog.show()
    save(app, dialog, out, f"oauth-app-empty{suffix}.png")
    dialog.client_id_edit.setText("3f2b7c1e-5a0d-4e8b-9c61-2f4d8a7b1e90")
    dialog.redirect_edit.setText("https://127.0.0.1:53682/callback")
    dialog.conversions_check.setChecked(True)
    dialog.save_button.click()  # no secret yet: the problem shows inline
    save(app, dialog, out, f"oauth-app-error{suffix}.png")
    dialog.close()
    dialog.deleteLater()

    # Start page for an https loopback redirect URI: the certificate warning comes first.
    https_app = OAuthApp(
        client_id="cid",
        client_secret="secret",
        redirect_uri="https://127.0.0.1:53682/callback",
    )
    dialog = SignInDialog(session=session, app=https_app, open_url=lambda url: True)
    dialog.show()
    save(app, dialog, out, f"sign-in-start-https{suffix}.png")
    dialog.close()
    dialog.deleteLater()

    from snapdesk.sandbox import SandboxServer

    with SandboxServer(seed=42, scale="demo") as server:
        app_config = sandbox_app(server)
        session = session_for(loop, store, oauth_app=app_config, api_base=server.api_base)

        # Start page.
        dialog = SignInDialog(session=session, app=app_config, open_url=lambda url: True)
        dialog.show()
        save(app, dialog, out, f"sign-in-start{suffix}.png")

        # Waiting, with the paste fallback and a rejected paste.
        dialog.start()
        wait_until(app, lambda: dialog.paste_box.isEnabled())
        dialog.paste("https://127.0.0.1:53682/callback?oops=1")
        save(app, dialog, out, f"sign-in-waiting{suffix}.png")
        dialog.cancel()
        settle(app, 0.3)
        dialog.deleteLater()

        # Denied.
        app_config = sandbox_app(server)
        dialog = SignInDialog(
            session=session, app=app_config, open_url=ThreadBrowser(action="deny")
        )
        dialog.show()
        dialog.start()
        wait_until(app, lambda: dialog.error is not None)
        save(app, dialog, out, f"sign-in-error{suffix}.png")
        dialog.close()
        dialog.deleteLater()

        # No keyring.
        bare = session_for(
            loop,
            store,
            keyring=None,
            oauth_app=app_config,
            api_base=server.api_base,
            keyring_error=None,
        )
        dialog = SignInDialog(session=bare, app=app_config, open_url=ThreadBrowser())
        dialog.show()
        dialog.start()
        save(app, dialog, out, f"sign-in-keyring{suffix}.png")
        dialog.close()
        dialog.deleteLater()

        # Success.
        app_config = sandbox_app(server)
        session = session_for(loop, store, oauth_app=app_config, api_base=server.api_base)
        dialog = SignInDialog(session=session, app=app_config, open_url=ThreadBrowser())
        dialog.show()
        dialog.start()
        wait_until(app, lambda: dialog.sign_in_result is not None)
        dialog._auto_close.stop()
        save(app, dialog, out, f"sign-in-success{suffix}.png")
        dialog.close()
        dialog.deleteLater()
        settle(app, 0.3)

        # Signed in from the window, synced, then the refresh token revoked.
        session.profiles.remove("default")
        window_store = Store(_TMP / "reauth.sqlite3")
        app_config = sandbox_app(server)
        reauth_session = session_for(
            loop, window_store, oauth_app=app_config, api_base=server.api_base
        )
        window = MainWindow(reauth_session)
        window.open_url = ThreadBrowser()
        window.resize(*SIZE)
        window.show()
        save(app, window, out, f"no-login-sign-in{suffix}.png")
        window.sign_in_button.click()
        assert window.sign_in_dialog is not None
        window.sign_in_dialog.open_button.click()
        wait_until(app, lambda: window._last_sync is not None and not window.sync_running)
        control(server, revoke_refresh_token=True, expire_access_tokens=True)
        window.sync_all_action.trigger()
        wait_until(app, lambda: not window.sync_running and bool(window.reauth_banners))
        account = window_store.ad_accounts()[0]
        index = window.model.locate(
            (("organization", account.organization_id), ("ad_account", account.id))
        )
        window.tree.select(index)
        save(app, window, out, f"main-reauth{suffix}.png")
        window.close()
        window.deleteLater()
        settle(app, 0.3)
        window_store.close()

    # Two logins: the logins dialog and the tree.
    store2 = Store(_TMP / "two.sqlite3")
    config_dir = config.Paths.from_env().config_dir
    (config_dir / "profiles.json").unlink(missing_ok=True)
    session = two_logins(loop, store2)
    window = MainWindow(session)
    window.resize(*SIZE)
    window.show()
    model = window.model
    model.fetch_all(QModelIndex())
    for row in range(model.rowCount()):
        window.tree.expand(model.index(row, 0))
    index = model.locate((("organization", "org-client"), ("ad_account", "acc-client-1")))
    window.tree.select(index)
    save(app, window, out, f"main-two-logins{suffix}.png")
    dialog = LoginsDialog(session=session, parent=window)
    dialog.open()
    dialog.select("agency")
    save(app, dialog, out, f"logins{suffix}.png")
    dialog.sign_out("agency")
    save(app, dialog, out, f"logins-signed-out{suffix}.png")
    dialog.close()
    window.close()
    window.deleteLater()
    settle(app, 0.3)
    store2.close()
    store.close()

    asyncio.events._set_running_loop(None)
    loop._QEventLoop__is_running = False  # see tests/ui/conftest.py: loop.stop() calls app.exit()
    loop.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
