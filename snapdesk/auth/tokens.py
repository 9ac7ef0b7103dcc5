"""Where tokens live: the system keyring, or memory for one session. Never a file.

Keyring layout (service `snapdesk`):
- `login:<profile>`: JSON `{"access_token", "refresh_token", "expires_at", "scope"}`
- `oauth-client-secret:<client_id>`: the OAuth app's client secret
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass, replace
from typing import Any, Protocol, runtime_checkable

import keyring
import keyring.errors
from keyring.backend import KeyringBackend

from snapdesk.auth.errors import KeyringUnavailable

__all__ = [
    "KEYRING_SERVICE",
    "KeyringTokenStore",
    "MemoryTokenStore",
    "TokenSet",
    "TokenStore",
    "check_keyring",
    "client_secret_key",
    "login_key",
]

log = logging.getLogger(__name__)

KEYRING_SERVICE = "snapdesk"
PROBE_KEY = "probe"

# Refresh this long before expiry; tokens that live less than twice as long refresh at half-life.
REFRESH_MARGIN_S = 300.0


def login_key(profile: str) -> str:
    return f"login:{profile}"


def client_secret_key(client_id: str) -> str:
    return f"oauth-client-secret:{client_id}"


@dataclass(frozen=True, repr=False)
class TokenSet:
    """One login's tokens. `expires_at` is epoch seconds.

    `lifetime` (the `expires_in` Snap sent) is known only for tokens obtained in this process; it
    is not stored, and without it the refresh margin is the full five minutes.
    """

    access_token: str
    refresh_token: str | None
    expires_at: float
    scope: str = ""
    lifetime: float | None = None

    @classmethod
    def from_response(
        cls, body: dict[str, Any], *, now: float, previous_refresh_token: str | None = None
    ) -> TokenSet:
        """Build from a token endpoint answer; keep the old refresh token if none came back."""
        expires_in = float(body.get("expires_in") or 1800)
        refresh = body.get("refresh_token") or previous_refresh_token
        return cls(
            access_token=str(body["access_token"]),
            refresh_token=str(refresh) if refresh else None,
            expires_at=now + expires_in,
            scope=str(body.get("scope") or ""),
            lifetime=expires_in,
        )

    def refresh_at(self) -> float:
        """When to renew: five minutes early, or at half-life for tokens shorter than ten."""
        margin = REFRESH_MARGIN_S
        if self.lifetime is not None and self.lifetime < 2 * REFRESH_MARGIN_S:
            margin = self.lifetime / 2
        return self.expires_at - margin

    def needs_refresh(self, now: float) -> bool:
        return now >= self.refresh_at()

    def expired(self, now: float) -> bool:
        return now >= self.expires_at

    def to_json(self) -> str:
        return json.dumps(
            {
                "access_token": self.access_token,
                "refresh_token": self.refresh_token,
                "expires_at": self.expires_at,
                "scope": self.scope,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> TokenSet:
        data = json.loads(text)
        return cls(
            access_token=str(data["access_token"]),
            refresh_token=str(data["refresh_token"]) if data.get("refresh_token") else None,
            expires_at=float(data.get("expires_at") or 0.0),
            scope=str(data.get("scope") or ""),
        )

    def without_lifetime(self) -> TokenSet:
        return replace(self, lifetime=None)

    def __repr__(self) -> str:
        left = self.expires_at - time.time()
        return (
            f"TokenSet(access_token=<redacted>, refresh_token="
            f"{'<redacted>' if self.refresh_token else None}, expires_in={left:.0f}s, "
            f"scope={self.scope!r})"
        )


@runtime_checkable
class TokenStore(Protocol):
    """Keeps tokens per login and client secrets per OAuth app. Methods may block briefly."""

    @property
    def persistent(self) -> bool:
        """False for stores that forget everything when the process ends."""
        ...

    def load(self, profile: str) -> TokenSet | None: ...

    def save(self, profile: str, tokens: TokenSet) -> None: ...

    def delete(self, profile: str) -> None: ...

    def rename(self, old: str, new: str) -> None: ...

    def get_client_secret(self, client_id: str) -> str | None: ...

    def set_client_secret(self, client_id: str, secret: str) -> None: ...

    def delete_client_secret(self, client_id: str) -> None: ...


class MemoryTokenStore:
    """Session-only storage, for machines without a usable keyring. Thread-safe."""

    persistent = False

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokens: dict[str, TokenSet] = {}
        self._secrets: dict[str, str] = {}

    def load(self, profile: str) -> TokenSet | None:
        with self._lock:
            return self._tokens.get(profile)

    def save(self, profile: str, tokens: TokenSet) -> None:
        with self._lock:
            self._tokens[profile] = tokens

    def delete(self, profile: str) -> None:
        with self._lock:
            self._tokens.pop(profile, None)

    def rename(self, old: str, new: str) -> None:
        with self._lock:
            if old in self._tokens:
                self._tokens[new] = self._tokens.pop(old)

    def get_client_secret(self, client_id: str) -> str | None:
        with self._lock:
            return self._secrets.get(client_id)

    def set_client_secret(self, client_id: str, secret: str) -> None:
        with self._lock:
            self._secrets[client_id] = secret

    def delete_client_secret(self, client_id: str) -> None:
        with self._lock:
            self._secrets.pop(client_id, None)

    def __repr__(self) -> str:
        return f"MemoryTokenStore(logins={sorted(self._tokens)!r})"


def _backend_problem(backend: KeyringBackend) -> str | None:
    """Why `backend` cannot hold secrets, or None if it looks usable."""
    from keyring.backends import chainer, fail

    if isinstance(backend, fail.Keyring):
        return "no keyring backend is installed or running"
    if isinstance(backend, chainer.ChainerBackend) and not backend.backends:
        return "no keyring backend is installed or running"
    try:
        from keyring.backends import null

        if isinstance(backend, null.Keyring):
            return "the keyring is disabled (null backend)"
    except ImportError:  # pragma: no cover - every supported keyring version has it
        pass
    return None


def check_keyring(backend: KeyringBackend | None = None) -> None:
    """Raise `KeyringUnavailable` when no keyring backend can hold secrets.

    Only looks at the configured backend; a backend that exists but fails on use is reported by
    the store's methods when it fails.
    """
    backend = backend if backend is not None else keyring.get_keyring()
    problem = _backend_problem(backend)
    if problem:
        raise KeyringUnavailable(
            f"No system keyring is available to keep your Snap sign-in safe ({problem}; on Linux, "
            "install and unlock GNOME Keyring or KWallet); snapdesk can keep it in memory for this "
            "session only"
        )


class KeyringTokenStore:
    """Tokens and client secrets in the OS keyring (Secret Service, Keychain, Credential Locker).

    Each failure of the backend (no backend, locked, D-Bus error) becomes `KeyringUnavailable`
    with a plain message; the underlying error text is logged, never a secret.
    """

    persistent = True

    def __init__(self, backend: KeyringBackend | None = None, *, check: bool = True) -> None:
        self._backend = backend
        if check:
            check_keyring(self.backend)

    @property
    def backend(self) -> KeyringBackend:
        return self._backend if self._backend is not None else keyring.get_keyring()

    # -- raw access ----------------------------------------------------------------------------

    def _get(self, username: str) -> str | None:
        try:
            return self.backend.get_password(KEYRING_SERVICE, username)
        except Exception as exc:
            raise self._unavailable("read from", exc) from None

    def _set(self, username: str, value: str) -> None:
        try:
            self.backend.set_password(KEYRING_SERVICE, username, value)
        except Exception as exc:
            raise self._unavailable("save to", exc) from None

    def _delete(self, username: str) -> None:
        try:
            self.backend.delete_password(KEYRING_SERVICE, username)
        except keyring.errors.PasswordDeleteError:
            return  # nothing stored under that name
        except Exception as exc:
            raise self._unavailable("delete from", exc) from None

    def _unavailable(self, verb: str, exc: Exception) -> KeyringUnavailable:
        log.warning(
            "keyring %s failed: %s (%s)", verb, type(exc).__name__, type(self.backend).__name__
        )
        problem = _backend_problem(self.backend)
        detail = problem or f"the keyring refused ({type(exc).__name__}); is it locked?"
        return KeyringUnavailable(
            f"snapdesk could not {verb} the system keyring ({detail}); unlock or set up your "
            "keyring, or keep the sign-in in memory for this session only"
        )

    def probe(self) -> None:
        """Write, read back and delete a harmless entry; `KeyringUnavailable` if that fails.

        Run before a sign-in so a locked or broken keyring shows up before the browser opens.
        """
        self._set(PROBE_KEY, "ok")
        if self._get(PROBE_KEY) != "ok":
            raise KeyringUnavailable(
                "The system keyring did not keep a test entry; unlock or set up your keyring, or "
                "keep the sign-in in memory for this session only"
            )
        self._delete(PROBE_KEY)

    # -- logins --------------------------------------------------------------------------------

    def load(self, profile: str) -> TokenSet | None:
        text = self._get(login_key(profile))
        if text is None:
            return None
        try:
            return TokenSet.from_json(text)
        except (ValueError, KeyError, TypeError):
            log.warning("the keyring entry for login %r is not readable; ignoring it", profile)
            return None

    def save(self, profile: str, tokens: TokenSet) -> None:
        self._set(login_key(profile), tokens.to_json())

    def delete(self, profile: str) -> None:
        self._delete(login_key(profile))

    def rename(self, old: str, new: str) -> None:
        text = self._get(login_key(old))
        if text is None:
            return
        self._set(login_key(new), text)
        self._delete(login_key(old))

    # -- client secrets ------------------------------------------------------------------------

    def get_client_secret(self, client_id: str) -> str | None:
        return self._get(client_secret_key(client_id))

    def set_client_secret(self, client_id: str, secret: str) -> None:
        self._set(client_secret_key(client_id), secret)

    def delete_client_secret(self, client_id: str) -> None:
        self._delete(client_secret_key(client_id))

    def __repr__(self) -> str:
        return f"KeyringTokenStore(backend={type(self.backend).__name__})"
