"""Sign-in test helpers: an in-memory keyring backend that remembers every value it was given,
a threaded "browser" that follows Snap's redirect to the dialog's listener, and logins filled
straight into profiles.json and the cache."""

from __future__ import annotations

import json
import socket
import threading
from typing import Any

import httpx
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

from snapdesk.api import Me, Organization
from snapdesk.auth import AccessSummary, OAuthApp, Profiles, TokenSet
from snapdesk.store import Store

SANDBOX_CLIENT_ID = "sandbox-client"
SANDBOX_CLIENT_SECRET = "sandbox-secret"


class MemoryKeyring(KeyringBackend):
    """Keeps entries in a dict; `history` keeps every value ever stored (to hunt for leaks)."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}
        self.history: list[str] = []
        self.lock = threading.Lock()

    def get_password(self, service: str, username: str) -> str | None:
        with self.lock:
            return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        with self.lock:
            self.entries[(service, username)] = password
            self.history.append(password)

    def delete_password(self, service: str, username: str) -> None:
        with self.lock:
            if (service, username) not in self.entries:
                raise PasswordDeleteError("not found")
            del self.entries[(service, username)]

    def secrets_seen(self) -> set[str]:
        """Every token and secret that went through this keyring."""
        found: set[str] = set()
        for value in self.history:
            try:
                data = json.loads(value)
            except ValueError:
                if len(value) > 6:
                    found.add(value)
                continue
            if isinstance(data, dict):
                for key in ("access_token", "refresh_token"):
                    if data.get(key):
                        found.add(str(data[key]))
        return found


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def control(server: Any, **body: Any) -> dict[str, Any]:
    response = httpx.post(f"{server.base_url}/__sandbox__/oauth", json=body)
    response.raise_for_status()
    result: dict[str, Any] = response.json()
    return result


def sandbox_app(server: Any, *, port: int | None = None) -> OAuthApp:
    """The sandbox's OAuth app with a loopback redirect URI registered on a free port."""
    redirect_uri = f"http://127.0.0.1:{port or free_port()}/callback"
    control(server, redirect_uri=redirect_uri)
    return OAuthApp(
        client_id=SANDBOX_CLIENT_ID,
        client_secret=SANDBOX_CLIENT_SECRET,
        redirect_uri=redirect_uri,
        oauth_base=server.base_url,
    )


class ThreadBrowser:
    """The user's browser: opens the authorize URL in a thread (the dialog's listener runs on
    the Qt loop), answers the consent page with `action`, follows the redirect (or not)."""

    def __init__(self, *, action: str | None = "approve", follow: bool = True) -> None:
        self.action = action
        self.follow = follow
        self.opened: list[str] = []
        self.responses: list[httpx.Response] = []
        self.errors: list[Exception] = []
        self.threads: list[threading.Thread] = []

    def __call__(self, url: str) -> bool:
        self.opened.append(url)
        target = f"{url}&action={self.action}" if self.action else url
        thread = threading.Thread(target=self._visit, args=(target,), daemon=True)
        self.threads.append(thread)
        thread.start()
        return True

    def _visit(self, url: str) -> None:
        try:
            with httpx.Client(follow_redirects=self.follow, timeout=10) as client:
                self.responses.append(client.get(url))
        except httpx.HTTPError as exc:
            self.errors.append(exc)

    @property
    def done(self) -> bool:
        return bool(self.threads) and not any(t.is_alive() for t in self.threads)

    @property
    def redirected_to(self) -> str:
        return self.responses[-1].headers["location"]


def organization(org_id: str, name: str) -> dict[str, Any]:
    return {"id": org_id, "name": name, "state": "ACTIVE", "country": "US"}


def account(account_id: str, org_id: str, name: str, currency: str = "USD") -> dict[str, Any]:
    return {
        "id": account_id,
        "organization_id": org_id,
        "name": name,
        "status": "ACTIVE",
        "currency": currency,
        "timezone": "America/New_York",
        "type": "PARTNER",
    }


def add_login(
    profiles: Profiles,
    name: str,
    *,
    display_name: str,
    email: str,
    organizations: list[tuple[str, str]],
    tokens_in: Any = None,
) -> None:
    """A login as a finished sign-in would leave it (identity; tokens when `tokens_in`)."""
    profiles.ensure(name)
    summary = AccessSummary(
        me=Me(id=f"me-{name}", display_name=display_name, email=email),
        organizations=[Organization(id=i, name=n) for i, n in organizations],
    )
    profiles.record_access(name, summary)
    if tokens_in is not None:
        tokens_in.save(
            name,
            TokenSet(
                access_token=f"test-at-{name}-0123456789",
                refresh_token=f"test-rt-{name}-0123456789",
                expires_at=4_000_000_000.0,
            ),
        )


def fill_two_logins(store: Store) -> None:
    """Two logins' organizations and ad accounts in the cache."""
    store.replace_organizations(
        "default",
        [organization("org-brand", "Brand House")],
        [account("acc-brand-us", "org-brand", "Brand House US")],
    )
    store.replace_organizations(
        "agency",
        [organization("org-agency", "Agency Partners"), organization("org-client", "Client Co")],
        [
            account("acc-agency-1", "org-agency", "Agency Retail", "EUR"),
            account("acc-client-1", "org-client", "Client Co Main", "GBP"),
        ],
    )
