"""Fixtures for the auth tests: an in-memory keyring, the sandbox over loopback, a "browser"."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

from snapdesk import config
from snapdesk.auth import MemoryTokenStore, OAuthApp

SANDBOX_CLIENT_ID = "sandbox-client"
SANDBOX_CLIENT_SECRET = "sandbox-secret"


class MemoryKeyring(KeyringBackend):
    """A keyring backend that keeps everything in a dict (for tests without Secret Service)."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}
        self.lock = threading.Lock()

    def get_password(self, service: str, username: str) -> str | None:
        with self.lock:
            return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        with self.lock:
            self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        with self.lock:
            if (service, username) not in self.entries:
                raise PasswordDeleteError("not found")
            del self.entries[(service, username)]


class BrokenKeyring(MemoryKeyring):
    """Looks fine, fails on use (like a locked collection or a dead D-Bus)."""

    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringLocked("collection is locked")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.PasswordSetError("collection is locked")


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("keyring") is None:
        return
    if os.environ.get("SNAPDESK_SECRET_SERVICE") == "1":
        return
    message = (
        "this test needs a real Secret Service: run it through `bash .ci/with-keyring python -m "
        "pytest ...` (needs dbus-run-session and gnome-keyring-daemon)"
    )
    if os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}:
        pytest.fail(f"CI=true but no Secret Service session: {message}", pytrace=False)
    pytest.skip(message)


@pytest.fixture(autouse=True)
def memory_keyring(request: pytest.FixtureRequest) -> Iterator[MemoryKeyring | None]:
    """Every test gets an empty in-memory keyring, except real-keyring tests."""
    if request.node.get_closest_marker("keyring") is not None:
        yield None
        return
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


@pytest.fixture
def paths() -> config.Paths:
    return config.Paths.from_env().ensure()


@pytest.fixture
def memory_store() -> MemoryTokenStore:
    return MemoryTokenStore()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def redirect_port() -> int:
    return free_port()


@pytest.fixture
def sandbox() -> Iterator[Any]:
    """The sandbox over real loopback HTTP with its OAuth server."""
    from snapdesk.sandbox import SandboxServer

    server = SandboxServer(port=0)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def sandbox_app(
    sandbox: Any, *, redirect_uri: str, use_pkce: bool = False, scopes: tuple[str, ...] = ()
) -> OAuthApp:
    """The OAuthApp for the sandbox, registered with `redirect_uri` (via the control plane)."""
    response = httpx.post(
        f"{sandbox.base_url}/__sandbox__/oauth", json={"redirect_uri": redirect_uri}
    )
    response.raise_for_status()
    return OAuthApp(
        client_id=SANDBOX_CLIENT_ID,
        client_secret=SANDBOX_CLIENT_SECRET,
        redirect_uri=redirect_uri,
        scopes=scopes or ("snapchat-marketing-api",),
        use_pkce=use_pkce,
        oauth_base=sandbox.base_url,
    )


def control(sandbox: Any, **body: Any) -> dict[str, Any]:
    response = httpx.post(f"{sandbox.base_url}/__sandbox__/oauth", json=body)
    response.raise_for_status()
    result: dict[str, Any] = response.json()
    return result


class Browser:
    """Plays the user's browser (`open_browser` for login_flow; runs in a worker thread).

    Opens the authorize URL with the consent answer (`action=approve|deny`, or none for
    auto-approve), follows Snap's 302 to the loopback listener and keeps every response.
    `tamper(url)` may rewrite the URL first (state mismatch tests).
    """

    def __init__(
        self,
        *,
        action: str | None = "approve",
        verify: bool = True,
        tamper: Any = None,
        follow: bool = True,
    ) -> None:
        self.follow = follow
        self.action = action
        self.verify = verify
        self.tamper = tamper
        self.opened: list[str] = []
        self.responses: list[httpx.Response] = []
        self.errors: list[Exception] = []

    def __call__(self, url: str) -> bool:
        self.opened.append(url)
        if self.tamper is not None:
            url = self.tamper(url)
        if self.action is not None:
            url = f"{url}&action={self.action}"
        try:
            with httpx.Client(
                follow_redirects=self.follow, verify=self.verify, timeout=10
            ) as client:
                self.responses.append(client.get(url))
        except httpx.HTTPError as exc:
            self.errors.append(exc)
        return True

    @property
    def last(self) -> httpx.Response:
        return self.responses[-1]

    @property
    def redirected_to(self) -> str:
        """Where Snap sent the browser (the address a user would paste)."""
        return self.last.headers["location"]


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client
