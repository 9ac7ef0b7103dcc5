"""Sign in to Snap: name the login, open the browser, wait for Snap's answer (or a pasted
address), then show who signed in.

Non-modal use, no nested event loop:

    dialog = SignInDialog(session=session, app=app, parent=window)
    dialog.signed_in.connect(...)
    dialog.open()

The flow runs as an `AsyncOp` (`ui/ops/sign_in.py`); Cancel cancels it, which closes the
loopback listener. When no system keyring works, the dialog offers a sign-in kept in memory for
this session only.
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QCloseEvent, QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from snapdesk.api import SnapError
from snapdesk.auth import (
    DEFAULT_LOGIN_TIMEOUT,
    DEFAULT_PROFILE,
    AccessDenied,
    CodeExchangeFailed,
    InvalidRedirect,
    KeyringUnavailable,
    LoginError,
    LoginSession,
    LoginTimedOut,
    OAuthApp,
    PortInUse,
    ProfileError,
    StateMismatch,
    TokenStore,
    validate_profile_name,
)
from snapdesk.ui import theme
from snapdesk.ui._signals import emit
from snapdesk.ui.dialogs._widgets import Banner, Spinner, hint
from snapdesk.ui.ops._op import AsyncOp, error_message
from snapdesk.ui.ops.sign_in import (
    CONFIRMING,
    EXCHANGING,
    LISTENING,
    SignInResult,
    sign_in,
    sign_in_timeout_left,
)
from snapdesk.ui.session import Session

TITLE = "Sign in to Snap"
WAITING_TITLE = "Waiting for Snap…"
PASTE_LABEL = "Paste the address your browser ended on"
SESSION_ONLY_TEXT = "Keep me signed in for this session only"
AUTO_CLOSE_MS = 2500


def next_free_name(taken: list[str]) -> str:
    """`default`, else `login 2`, `login 3`, … (the first one not taken)."""
    if DEFAULT_PROFILE not in taken:
        return DEFAULT_PROFILE
    n = 2
    while f"login {n}" in taken:
        n += 1
    return f"login {n}"


def describe_error(exc: BaseException) -> tuple[str, str]:
    """(title, message) for a failed sign-in."""
    message = error_message(exc)
    if isinstance(exc, AccessDenied):
        return "Access was declined", message
    if isinstance(exc, StateMismatch):
        return "That answer wasn't for this sign-in", message
    if isinstance(exc, PortInUse):
        return f"Port {exc.port} is already in use", message
    if isinstance(exc, LoginTimedOut):
        return "The sign-in timed out", message
    if isinstance(exc, KeyringUnavailable):
        return "No system keyring to keep your sign-in", message
    if isinstance(exc, CodeExchangeFailed):
        return "Snap didn't accept the sign-in", message
    if isinstance(exc, SnapError):
        return "The sign-in didn't work", message
    return "Something went wrong while signing in", message


class _Pages(QWidget):
    """Like a QStackedWidget, but only the page shown counts for the dialog's size."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._pages: list[QWidget] = []
        self._current: QWidget | None = None

    def addWidget(self, page: QWidget) -> None:
        self._pages.append(page)
        self._layout.addWidget(page)
        page.setVisible(self._current is None)
        if self._current is None:
            self._current = page

    def setCurrentWidget(self, page: QWidget) -> None:
        for other in self._pages:
            if other is not page:
                other.hide()
        page.show()
        self._current = page

    def currentWidget(self) -> QWidget | None:
        return self._current


def _open_in_browser(url: str) -> bool:
    return bool(QDesktopServices.openUrl(QUrl(url)))


class SignInDialog(QDialog):
    """Signals: `signed_in(object)` with the `SignInResult` (the login is then registered with
    the session and active); `sign_in_failed(object)` with the exception."""

    signed_in = Signal(object)
    sign_in_failed = Signal(object)

    def __init__(
        self,
        *,
        session: Session,
        app: OAuthApp,
        profile: str | None = None,
        time_limit: float = DEFAULT_LOGIN_TIMEOUT,
        open_url: Callable[[str], object] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._session = session
        self._app = app
        self._fixed_profile = profile
        self._time_limit = time_limit
        #: Opens the authorize URL (tests replace it with an HTTP client following redirects).
        self.open_url: Callable[[str], object] = open_url or _open_in_browser
        self._op: AsyncOp | None = None
        self._login: LoginSession | None = None
        self._session_only = False
        self._deadline = 0.0
        self.sign_in_result: SignInResult | None = None
        self.error: BaseException | None = None
        self._setup_ui()
        self._show_start()

    # -- public API ------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._op is not None and self._op.running

    @property
    def login(self) -> LoginSession | None:
        """The sign-in in progress (its `authorize_url` is what the browser opens)."""
        return self._login

    def start(self) -> None:
        """Begin the sign-in (what "Open browser" does)."""
        if self.running:
            return
        try:
            name = self._login_name()
        except ProfileError as exc:
            self.name_error.setText(exc.message)
            self.name_error.show()
            return
        self.name_error.hide()
        try:
            store = self._token_store()
        except KeyringUnavailable as exc:
            self._on_op_failed(exc)
            return
        self._login = LoginSession(
            app=self._app, profile=name, store=store, paths=self._session.paths
        )
        self.paste_edit.clear()
        self.paste_error.hide()
        self.status_label.setText("Starting…")
        self._show_page(self.waiting_page)
        self.waiting_title.setText("Getting ready…")
        self.paste_box.setEnabled(False)
        op = AsyncOp(loop=self._session.loop, name="sign-in", parent=self)
        op.progressed.connect(self._on_op_progressed)
        op.succeeded.connect(self._on_op_succeeded)
        op.failed.connect(self._on_op_failed)
        op.cancelled.connect(self._on_op_cancelled)
        self._op = op
        op.start(
            sign_in(
                self._login,
                session=self._session,
                on_step=op.report_progress,
                time_limit=self._time_limit,
            )
        )

    def cancel(self) -> None:
        """Stop the sign-in (the listener closes) and close the dialog."""
        if self._op is not None:
            self._op.cancel()
        self.reject()

    def paste(self, text: str) -> None:
        """Take an address the user pasted (what the paste button does)."""
        self.paste_edit.setText(text)
        self._on_paste_button_clicked()

    # -- construction ----------------------------------------------------------------------------

    def _setup_ui(self) -> None:
        self.setWindowTitle(TITLE)
        self.setMinimumWidth(560)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 20, 24, 18)
        outer.setSpacing(12)
        self.pages = _Pages()
        outer.addWidget(self.pages, 1)
        outer.addSpacing(6)
        self.start_page = self._setup_start_page()
        self.waiting_page = self._setup_waiting_page()
        self.error_page = self._setup_error_page()
        self.success_page = self._setup_success_page()
        for page in (self.start_page, self.waiting_page, self.error_page, self.success_page):
            self.pages.addWidget(page)

        buttons = QHBoxLayout()
        buttons.setSpacing(8)
        self.status_label = QLabel()
        self.status_label.setObjectName("muted")
        buttons.addWidget(self.status_label, 1)
        self.close_button = QPushButton("Cancel")
        self.close_button.clicked.connect(self.cancel)
        buttons.addWidget(self.close_button)
        self.session_only_button = QPushButton(SESSION_ONLY_TEXT)
        self.session_only_button.setObjectName("primaryButton")
        self.session_only_button.clicked.connect(self._on_session_only_button_clicked)
        buttons.addWidget(self.session_only_button)
        self.retry_button = QPushButton("Try again")
        self.retry_button.setObjectName("primaryButton")
        self.retry_button.clicked.connect(self._on_retry_button_clicked)
        buttons.addWidget(self.retry_button)
        self.open_button = QPushButton("Open browser")
        theme.follow_icon(self.open_button, "browser")
        self.open_button.setObjectName("primaryButton")
        self.open_button.setDefault(True)
        self.open_button.clicked.connect(self.start)
        buttons.addWidget(self.open_button)
        self.done_button = QPushButton("Done")
        self.done_button.setObjectName("primaryButton")
        self.done_button.clicked.connect(self.accept)
        buttons.addWidget(self.done_button)
        outer.addLayout(buttons)

        self._countdown = QTimer(self)
        self._countdown.setInterval(1000)
        self._countdown.timeout.connect(self._on_countdown_timeout)
        self._auto_close = QTimer(self)
        self._auto_close.setSingleShot(True)
        self._auto_close.setInterval(AUTO_CLOSE_MS)
        self._auto_close.timeout.connect(self.accept)

    def _page(self) -> tuple[QWidget, QVBoxLayout]:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        return page, layout

    def _title(self, text: str, icon: str) -> tuple[QHBoxLayout, QLabel, QLabel]:
        row = QHBoxLayout()
        row.setSpacing(10)
        icon_label = QLabel()
        icon_label.setPixmap(theme.large_icon(icon, 28))
        row.addWidget(icon_label)
        title = QLabel(text)
        title.setObjectName("dialogTitle")
        title.setWordWrap(True)
        row.addWidget(title, 1)
        return row, title, icon_label

    def _setup_start_page(self) -> QWidget:
        page, layout = self._page()
        row, _, _ = self._title(TITLE, "login")
        layout.addLayout(row)
        intro = QLabel(
            "snapdesk opens Snap's sign-in page in your browser. Sign in there and approve "
            "snapdesk; Snap then sends your browser back here and you're done."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        name_row = QHBoxLayout()
        name_row.setSpacing(10)
        name_label = QLabel("Login name")
        name_row.addWidget(name_label)
        self.name_edit = QLineEdit()
        self.name_edit.setMaxLength(64)
        name_label.setBuddy(self.name_edit)
        self.name_edit.returnPressed.connect(self.start)
        name_row.addWidget(self.name_edit, 1)
        layout.addLayout(name_row)
        self.name_hint = hint(
            "A name for this Snap login in snapdesk — for example the client or agency it "
            "belongs to. You can rename it later."
        )
        layout.addWidget(self.name_hint)
        self.name_error = QLabel()
        self.name_error.setObjectName("errorText")
        self.name_error.hide()
        layout.addWidget(self.name_error)
        self.certificate_banner = Banner("warning")
        target = self._app.loopback
        if target is not None and target.tls:
            self.certificate_banner.set_text(
                "When Snap sends you back, your browser will warn that the certificate of "
                f"<b>{html.escape(target.display)}</b> isn't trusted. That's snapdesk's own "
                "self-signed certificate on this computer: continue to the site to finish."
            )
        elif target is None:
            self.certificate_banner.set_kind("info")
            self.certificate_banner.set_text(
                "Your redirect URI isn't on this computer: after approving, copy the address "
                "your browser ends on and paste it here."
            )
        else:
            self.certificate_banner.hide()
        layout.addWidget(self.certificate_banner)
        layout.addStretch(1)
        return page

    def _setup_waiting_page(self) -> QWidget:
        page, layout = self._page()
        row = QHBoxLayout()
        row.setSpacing(12)
        self.spinner = Spinner(26)
        row.addWidget(self.spinner)
        self.waiting_title = QLabel(WAITING_TITLE)
        self.waiting_title.setObjectName("dialogTitle")
        row.addWidget(self.waiting_title, 1)
        self.countdown_label = QLabel()
        self.countdown_label.setObjectName("chip")
        self.countdown_label.setToolTip("The sign-in stops if Snap hasn't answered by then")
        row.addWidget(self.countdown_label)
        layout.addLayout(row)
        self.waiting_text = QLabel(
            "Approve snapdesk on Snap's page in your browser. This window continues by itself "
            "once Snap answers."
        )
        self.waiting_text.setWordWrap(True)
        layout.addWidget(self.waiting_text)
        links = QHBoxLayout()
        links.setSpacing(8)
        self.reopen_button = QPushButton("Open browser again")
        theme.follow_icon(self.reopen_button, "browser")
        self.reopen_button.clicked.connect(self._on_reopen_button_clicked)
        links.addWidget(self.reopen_button)
        self.copy_button = QPushButton("Copy link")
        theme.follow_icon(self.copy_button, "copy")
        self.copy_button.setToolTip("Copy Snap's sign-in address to open it in another browser")
        self.copy_button.clicked.connect(self._on_copy_button_clicked)
        links.addWidget(self.copy_button)
        links.addStretch(1)
        layout.addLayout(links)

        self.paste_box = QFrame()
        self.paste_box.setObjectName("helpPanel")
        paste_layout = QVBoxLayout(self.paste_box)
        paste_layout.setContentsMargins(14, 12, 14, 12)
        paste_layout.setSpacing(6)
        paste_title = QLabel(PASTE_LABEL)
        paste_title.setObjectName("sectionTitle")
        paste_layout.addWidget(paste_title)
        paste_layout.addWidget(
            hint(
                "If the browser didn't come back to snapdesk (for example it shows an error "
                "page), copy the whole address from its address bar and paste it here."
            )
        )
        paste_row = QHBoxLayout()
        paste_row.setSpacing(8)
        self.paste_edit = QLineEdit()
        self.paste_edit.setPlaceholderText("https://…/callback?code=…&state=…")
        self.paste_edit.setAccessibleName("Address of the page Snap redirected to")
        self.paste_edit.returnPressed.connect(self._on_paste_button_clicked)
        paste_row.addWidget(self.paste_edit, 1)
        self.paste_button = QPushButton("Use address")
        self.paste_button.clicked.connect(self._on_paste_button_clicked)
        paste_row.addWidget(self.paste_button)
        paste_layout.addLayout(paste_row)
        self.paste_error = QLabel()
        self.paste_error.setObjectName("errorText")
        self.paste_error.setWordWrap(True)
        self.paste_error.hide()
        paste_layout.addWidget(self.paste_error)
        layout.addWidget(self.paste_box)
        layout.addStretch(1)
        return page

    def _setup_error_page(self) -> QWidget:
        page, layout = self._page()
        row, self.error_title, _ = self._title("", "error")
        layout.addLayout(row)
        self.error_text = QLabel()
        self.error_text.setWordWrap(True)
        self.error_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.error_text)
        self.error_hint = hint("")
        layout.addWidget(self.error_hint)
        layout.addStretch(1)
        return page

    def _setup_success_page(self) -> QWidget:
        page, layout = self._page()
        row, self.success_title, _ = self._title("", "ok")
        layout.addLayout(row)
        self.success_text = QLabel()
        self.success_text.setWordWrap(True)
        self.success_text.setTextFormat(Qt.TextFormat.RichText)
        self.success_text.setContentsMargins(38, 0, 0, 0)
        layout.addWidget(self.success_text)
        self.closing_hint = hint("This window closes by itself.")
        self.closing_hint.setContentsMargins(38, 0, 0, 0)
        layout.addWidget(self.closing_hint)
        self.success_banner = Banner("warning")
        self.success_banner.hide()
        layout.addWidget(self.success_banner)
        layout.addStretch(1)
        return page

    # -- state -----------------------------------------------------------------------------------

    def _taken_names(self) -> list[str]:
        return self._session.known_logins()

    def _login_name(self) -> str:
        if self._fixed_profile is not None:
            return self._fixed_profile
        name = validate_profile_name(self.name_edit.text())
        if name in self._taken_names():
            raise ProfileError(
                f"There is already a login named “{name}” — choose another name, or sign it in "
                "again from Logins"
            )
        return name

    def _token_store(self) -> TokenStore:
        if self._session_only or self._session.is_sandbox:
            return self._session.memory
        keyring = self._session.tokens.keyring
        if keyring is None:
            raise KeyringUnavailable(self._session.keyring_error)
        return keyring

    def _show_start(self) -> None:
        if self._fixed_profile is not None:
            self.name_edit.setText(self._fixed_profile)
            self.name_edit.setReadOnly(True)
            self.name_hint.setText(
                f"Signing in again as {self._session.login_label(self._fixed_profile)}."
            )
        else:
            self.name_edit.setText(next_free_name(self._taken_names()))
            self.name_edit.selectAll()
        self._show_page(self.start_page)

    def _show_page(self, page: QWidget) -> None:
        self.pages.setCurrentWidget(page)
        on_start = page is self.start_page
        on_error = page is self.error_page
        self.open_button.setVisible(on_start)
        self.retry_button.setVisible(on_error)
        self.session_only_button.setVisible(on_error and isinstance(self.error, KeyringUnavailable))
        self.done_button.setVisible(page is self.success_page)
        self.close_button.setVisible(page is not self.success_page)
        self.close_button.setText("Close" if on_error else "Cancel")
        if on_error and isinstance(self.error, KeyringUnavailable):
            self.retry_button.setVisible(False)
        self.status_label.setText("")
        if page is not self.waiting_page:
            self._countdown.stop()
            self.countdown_label.clear()
            self.countdown_label.hide()
            self.spinner.stop()
        else:
            self.spinner.start()
        self._fit()

    def _fit(self) -> None:
        """Take the height of what is shown (after the layout has caught up)."""
        QTimer.singleShot(0, self._fit_now)

    def _fit_now(self) -> None:
        layout = self.layout()
        if layout is not None:
            layout.invalidate()
            layout.activate()
        height = self.heightForWidth(self.width())
        if height <= 0:
            height = self.sizeHint().height()
        self.resize(self.width(), max(height, self.minimumSizeHint().height()))

    # -- slots -----------------------------------------------------------------------------------

    def _on_op_progressed(self, step: object) -> None:
        if step == LISTENING and self._login is not None:
            self._deadline = time.monotonic() + self._time_limit
            self.waiting_title.setText(WAITING_TITLE)
            self.paste_box.setEnabled(True)
            self._countdown.start()
            self.countdown_label.show()
            self._on_countdown_timeout()
            self._open_authorize_url()
        elif step in (EXCHANGING, CONFIRMING):
            self._countdown.stop()
            self.countdown_label.hide()
            self.paste_box.setEnabled(False)
            self.reopen_button.setEnabled(False)
            self.copy_button.setEnabled(False)
            self.waiting_title.setText(
                "Finishing sign-in…" if step == EXCHANGING else "Reading your Snap account…"
            )
            self.status_label.setText("")

    def _open_authorize_url(self) -> None:
        if self._login is None:
            return
        self.reopen_button.setEnabled(True)
        self.copy_button.setEnabled(True)
        opened = self.open_url(self._login.authorize_url)
        if opened is False:
            self.status_label.setText("No browser could be opened — use Copy link instead")
        else:
            self.status_label.setText("Opened Snap's sign-in page in your browser")

    def _on_reopen_button_clicked(self) -> None:
        self._open_authorize_url()

    def _on_copy_button_clicked(self) -> None:
        if self._login is None:
            return
        QGuiApplication.clipboard().setText(self._login.authorize_url)
        self.status_label.setText("Link copied — paste it into your browser's address bar")

    def _on_countdown_timeout(self) -> None:
        self.countdown_label.setText(
            f"Time left {sign_in_timeout_left(self._deadline, time.monotonic())}"
        )

    def _on_paste_button_clicked(self) -> None:
        if self._login is None or not self.running:
            return
        try:
            self._login.submit_pasted_url(self.paste_edit.text())
        except InvalidRedirect as exc:
            self.paste_error.setText(exc.message)
            self.paste_error.show()
            self._fit()
            return
        except LoginError:
            return  # the flow has failed; the op reports it
        self.paste_error.hide()

    def _on_op_succeeded(self, result: object) -> None:
        self._op = None
        if not isinstance(result, SignInResult):
            return
        self.sign_in_result = result
        me = result.summary.me if result.summary is not None else None
        name = (me.display_name or me.email or me.id) if me is not None else result.profile
        self.success_title.setText(f"Signed in as {name}")
        lines = []
        if me is not None and me.email and me.email != name:
            lines.append(html.escape(me.email))
        lines.append(f"Login <b>{html.escape(result.profile)}</b>")
        if result.summary is not None:
            names = result.summary.organization_names
            orgs = ", ".join(html.escape(n) for n in names) if names else "none yet"
            lines.append(f"{'Organization' if len(names) == 1 else 'Organizations'}: {orgs}")
        if result.session_only:
            lines.append("Kept for this session only — you'll sign in again next time.")
        self.success_text.setText("<br>".join(lines))
        if result.warning:
            self.success_banner.set_text(html.escape(result.warning))
            self.success_banner.show()
        else:
            self.success_banner.hide()
        self._show_page(self.success_page)
        self._auto_close.start()
        emit(self.signed_in, result)

    def _on_op_failed(self, exc: object) -> None:
        self._op = None
        if not isinstance(exc, BaseException):
            exc = RuntimeError(str(exc))
        self.error = exc
        title, message = describe_error(exc)
        self.error_title.setText(title)
        self.error_text.setText(message)
        if isinstance(exc, KeyringUnavailable):
            self.error_hint.setText(
                "A session-only sign-in is held in memory and forgotten when snapdesk closes; "
                "nothing is written to disk."
            )
        elif isinstance(exc, PortInUse):
            self.error_hint.setText(
                f"Close the program using port {exc.port}, or register a redirect URI with "
                "another port in Snap and enter it in the OAuth app settings."
            )
        else:
            self.error_hint.setText("")
        self.error_hint.setVisible(bool(self.error_hint.text()))
        self._show_page(self.error_page)
        emit(self.sign_in_failed, exc)

    def _on_op_cancelled(self) -> None:
        self._op = None

    def _on_retry_button_clicked(self) -> None:
        self.error = None
        self._show_start()

    def _on_session_only_button_clicked(self) -> None:
        self._session_only = True
        self.error = None
        self.start()

    def done(self, result: int) -> None:
        if self._op is not None:
            self._op.cancel()
        self._countdown.stop()
        self._auto_close.stop()
        super().done(result)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._op is not None:
            self._op.cancel()
        super().closeEvent(event)
