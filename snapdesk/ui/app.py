"""Start the desktop app: QApplication + qasync loop, the cache, the API (or the sandbox), the
main window, and a clean shutdown (tasks cancelled, client closed, sandbox stopped, cache closed)."""

from __future__ import annotations

import asyncio
import logging
import logging.handlers
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import qasync
from PySide6.QtWidgets import QApplication

from snapdesk import __version__, config
from snapdesk.api import SnapApi, StaticTokenProvider
from snapdesk.auth import KeyringTokenStore, KeyringUnavailable, MemoryTokenStore
from snapdesk.core import workdirs
from snapdesk.core.outputs import create_private, make_private_dirs, private_file
from snapdesk.core.settings import SettingsError, load_settings, save_settings
from snapdesk.store import Store
from snapdesk.ui import theme
from snapdesk.ui._gc import MainThreadCollector
from snapdesk.ui._preload import preload_network_stack
from snapdesk.ui._redact import RecentLogHandler, RedactingFormatter
from snapdesk.ui._wheel import install_wheel_guard
from snapdesk.ui.crash import CrashHandler
from snapdesk.ui.dialogs.welcome import CONNECT, SANDBOX, ask_welcome, is_first_run
from snapdesk.ui.main_window import MainWindow
from snapdesk.ui.ops._op import cancel_all
from snapdesk.ui.prefs import apply_theme_preference, load_preferences
from snapdesk.ui.session import ENV_PROFILE, Session

log = logging.getLogger(__name__)

SANDBOX_DATABASE = "sandbox.sqlite3"
SANDBOX_CONFIG = "sandbox"


def sandbox_paths(paths: config.Paths) -> config.Paths:
    """The sandbox keeps its logins (profiles.json) apart from the user's real ones."""
    return config.Paths(
        data_dir=paths.data_dir,
        config_dir=paths.data_dir / SANDBOX_CONFIG,
        cache_dir=paths.cache_dir,
        log_dir=paths.log_dir,
    ).ensure()


def database_path(paths: config.Paths, *, sandbox: bool) -> Path:
    """The sandbox's demo data lives in its own file so it never mixes with the real cache."""
    return paths.data_dir / SANDBOX_DATABASE if sandbox else paths.database


class _PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating log whose files (the current one and every rotation) are owner-only: the
    redactor removes tokens and identifiers, but account names and ids remain."""

    def _open(self) -> Any:
        path = Path(self.baseFilename)
        create_private(path)
        return super()._open()


def private_log_handler(log_dir: Path) -> logging.handlers.RotatingFileHandler:
    """`<log_dir>/snapdesk.log`, 2 MB × 4, 0600 in a folder created 0700."""
    make_private_dirs(log_dir)
    for old in log_dir.glob("snapdesk.log*"):
        private_file(old)
    return _PrivateRotatingFileHandler(
        log_dir / "snapdesk.log", maxBytes=2_000_000, backupCount=3, encoding="utf-8"
    )


def run_app(*, sandbox: bool, argv: list[str] | None = None, quit_after_sync: bool = False) -> int:
    """Run the window until it is closed. `quit_after_sync` closes it once the first sync has
    finished (smoke tests); the exit code is then 1 if that sync failed."""
    paths = config.Paths.from_env().ensure()
    workdirs.sweep()  # the work folders of snapdesk processes that were killed
    recent = _configure_logging(paths.log_dir)
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(list(argv) if argv is not None else sys.argv)
    app.setApplicationName("snapdesk")
    app.setOrganizationName("snapdesk")
    app.setApplicationVersion(__version__)
    install_wheel_guard(app)  # before any window: the wheel never edits an unfocused input
    from snapdesk.ui.views.grid_editing import release_clipboard

    app.aboutToQuit.connect(release_clipboard)  # no Python-made clipboard data at exit
    app.setQuitOnLastWindowClosed(False)  # the window's `closed` ends the app after cleanup
    # Every unhandled exception (GUI thread, worker threads, asyncio) goes to one handler: a
    # redacted report in the log folder and a dialog; pending changes are already in SQLite.
    crash = CrashHandler(log_dir=paths.log_dir, recent=recent)
    crash.install()
    apply_theme_preference(app, load_preferences(paths).theme)
    app.setWindowIcon(theme.icon_app())
    preload_network_stack()
    collector = MainThreadCollector()
    collector.start()
    runner = asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app))
    try:
        with runner:
            return runner.run(
                _main(paths=paths, sandbox=sandbox, quit_after_sync=quit_after_sync, crash=crash)
            )
    except KeyboardInterrupt:
        return 130
    except asyncio.CancelledError:
        if crash.quit_requested:  # Quit in a crash dialog before the window was open
            return 1
        raise
    finally:
        collector.stop()
        crash.detach()
        crash.uninstall()


async def _main(
    *, paths: config.Paths, sandbox: bool, quit_after_sync: bool, crash: CrashHandler
) -> int:
    loop = asyncio.get_running_loop()
    crash.install_loop(loop)
    main_task = asyncio.current_task()
    if main_task is not None:  # Quit in a crash dialog before the window exists ends here
        crash.fallback_quit = main_task.cancel
    connect = False
    from_flag = sandbox or quit_after_sync or bool(config.env_access_token())
    if not from_flag and is_first_run(paths):
        # First run: the welcome decides between the sandbox and the user's own account.
        choice = await ask_welcome(paths=paths)
        sandbox, connect = choice == SANDBOX, choice == CONNECT
        remember_sample_data(paths, sandbox)
    elif not from_flag:
        sandbox = load_preferences(paths).sample_data  # where the user left off
    while True:
        window_outcome = await _run_window(
            paths=paths,
            sandbox=sandbox,
            connect=connect,
            quit_after_sync=quit_after_sync,
            crash=crash,
            loop=loop,
        )
        if window_outcome.switch_to is None:
            break
        # File → Open sample data… / Use my Snap account: the other one opens, and the next
        # start opens it too.
        sandbox, connect = window_outcome.switch_to == MainWindow.SWITCH_TO_SAMPLE, False
        remember_sample_data(paths, sandbox)
    return 1 if quit_after_sync and window_outcome.sync_failed else 0


@dataclass
class _WindowOutcome:
    sync_failed: bool = False
    switch_to: str | None = None


async def _run_window(
    *,
    paths: config.Paths,
    sandbox: bool,
    connect: bool,
    quit_after_sync: bool,
    crash: CrashHandler,
    loop: asyncio.AbstractEventLoop,
) -> _WindowOutcome:
    """One main window on one session (the sample data or the user's logins) until it closes."""
    store = Store(database_path(paths, sandbox=sandbox))
    server: Any = None
    session: Session | None = None
    window: MainWindow | None = None
    outcome = _WindowOutcome()
    try:
        if sandbox:
            from snapdesk.sandbox import SandboxServer

            server = SandboxServer(host="127.0.0.1", port=0, seed=42, scale="demo")
            await loop.run_in_executor(None, server.start)
            log.info("sandbox listening on %s", server.base_url)
            # Signed in through the sandbox's OAuth flow once the window shows; tokens stay in
            # memory (never in the user's keyring).
            session = Session(
                store=store,
                loop=loop,
                sandbox=server,
                settings_path=paths.config_dir / "window.ini",
                paths=sandbox_paths(paths),
                keyring=None,
                memory=MemoryTokenStore(),
            )
        elif token := config.env_access_token():
            api = SnapApi(base_url=config.api_base(), token_provider=StaticTokenProvider(token))
            session = Session(
                store=store,
                loop=loop,
                apis={ENV_PROFILE: api},
                profile=ENV_PROFILE,
                settings_path=paths.config_dir / "window.ini",
                paths=paths,
            )
        else:
            keyring, keyring_error = _open_keyring()
            session = Session(
                store=store,
                loop=loop,
                settings_path=paths.config_dir / "window.ini",
                paths=paths,
                keyring=keyring,
                keyring_error=keyring_error,
            )
            session.connect_signed_in()
        window = MainWindow(session)
        crash.attach(window)
        closed = asyncio.Event()
        window.closed.connect(closed.set)
        if quit_after_sync:

            def on_first_sync(result: object) -> None:
                outcome.sync_failed = result is None
                if window is not None:
                    window.close()

            window.sync_finished.connect(on_first_sync)
        window.show()
        if connect:
            window.open_sign_in()  # the OAuth app settings first, as nothing is set up yet
        started = window.start_initial_sync()
        if quit_after_sync and not started:
            window.close()
        await closed.wait()
        outcome.switch_to = window.switch_request
    finally:
        await cancel_all()
        if session is not None:
            await session.aclose()
        if server is not None:
            await loop.run_in_executor(None, server.stop)
        if window is not None:
            window.deleteLater()
        store.close()
    return outcome


def remember_sample_data(paths: config.Paths, sample_data: bool) -> None:
    """Record which the user last opened, so the next start opens it again (logged, never
    fatal, when the settings file can't be read or written)."""
    try:
        settings = load_settings(paths)
        if settings.sample_data != sample_data:
            save_settings(replace(settings, sample_data=sample_data), paths)
    except (SettingsError, OSError) as exc:
        log.warning("could not record whether the sample data is open: %s", exc)


def _open_keyring() -> tuple[KeyringTokenStore | None, str | None]:
    try:
        return KeyringTokenStore(), None
    except KeyringUnavailable as exc:
        log.warning("no usable keyring: sign-ins will be offered for this session only")
        return None, exc.message


def _configure_logging(log_dir: Path) -> RecentLogHandler | None:
    """Console (warnings) and a rotating file in the log directory, both through the redacting
    formatter (no tokens, secrets, e-mail addresses or phone numbers), and the last lines in
    memory for crash reports. Returns that in-memory handler (None if logging was set up
    already, as under pytest)."""
    # httpx logs every request URL at INFO; a sign-in redirect's URL carries the one-time code.
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)
    root = logging.getLogger()
    if root.handlers:
        return None
    root.setLevel(logging.INFO)
    console = logging.StreamHandler()
    console.setLevel(logging.WARNING)
    console.setFormatter(RedactingFormatter("snapdesk: %(levelname)s %(name)s: %(message)s"))
    root.addHandler(console)
    recent = RecentLogHandler()
    root.addHandler(recent)
    try:
        handler = private_log_handler(log_dir)
    except OSError:
        return recent
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    return recent
