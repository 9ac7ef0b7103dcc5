"""The user's own Snap OAuth app: client id, secret, redirect URI, scopes, PKCE.

Stored in `<config_dir>/oauth_app.json` without the secret, which lives in the keyring under
`oauth-client-secret:<client_id>`. `SNAPDESK_CLIENT_ID`, `SNAPDESK_CLIENT_SECRET` and
`SNAPDESK_REDIRECT_URI` override the stored values.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from snapdesk import config
from snapdesk.auth._files import write_json_atomic
from snapdesk.auth.errors import OAuthAppNotConfigured
from snapdesk.auth.tokens import TokenStore

__all__ = [
    "CONVERSIONS_SCOPE",
    "MARKETING_SCOPE",
    "LoopbackTarget",
    "OAuthApp",
    "OAuthAppSettings",
    "load_app_settings",
    "loopback_target",
    "resolve_oauth_app",
    "save_app_settings",
]

log = logging.getLogger(__name__)

MARKETING_SCOPE = "snapchat-marketing-api"
CONVERSIONS_SCOPE = "snapchat-offline-conversions-api"
SETTINGS_FILE = "oauth_app.json"

# The sandbox's registered app (snapdesk/sandbox/oauth.py; repeated here, the sandbox stands alone).
SANDBOX_CLIENT_ID = "sandbox-client"
SANDBOX_CLIENT_SECRET = "sandbox-secret"

AUTHORIZE_PATH = "/login/oauth2/authorize"
TOKEN_PATH = "/login/oauth2/access_token"


@dataclass(frozen=True)
class OAuthAppSettings:
    """What the settings dialog edits (everything except the secret)."""

    client_id: str = ""
    redirect_uri: str = ""
    scopes: tuple[str, ...] = (MARKETING_SCOPE,)
    use_pkce: bool = False

    @property
    def conversions_api(self) -> bool:
        return CONVERSIONS_SCOPE in self.scopes

    def with_conversions_api(self, enabled: bool) -> OAuthAppSettings:
        """Add or drop `snapchat-offline-conversions-api`; the Marketing API scope always stays."""
        scopes = [s for s in self.scopes if s not in (MARKETING_SCOPE, CONVERSIONS_SCOPE)]
        scopes.insert(0, MARKETING_SCOPE)
        if enabled:
            scopes.append(CONVERSIONS_SCOPE)
        return OAuthAppSettings(
            client_id=self.client_id,
            redirect_uri=self.redirect_uri,
            scopes=tuple(scopes),
            use_pkce=self.use_pkce,
        )

    def problems(self) -> list[str]:
        """What the user still has to fix, one sentence each (empty when usable)."""
        found = []
        if not self.client_id.strip():
            found.append("Enter the client ID of your Snap OAuth app.")
        found.extend(redirect_uri_problems(self.redirect_uri))
        if MARKETING_SCOPE not in self.scopes:
            found.append(f"The scope {MARKETING_SCOPE} is required.")
        return found

    def to_dict(self) -> dict[str, object]:
        return {
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "scopes": list(self.scopes),
            "use_pkce": self.use_pkce,
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> OAuthAppSettings:
        scopes_raw = data.get("scopes")
        if isinstance(scopes_raw, str):
            scopes = tuple(scopes_raw.split())
        elif isinstance(scopes_raw, list):
            scopes = tuple(str(s) for s in scopes_raw if str(s).strip())
        else:
            scopes = (MARKETING_SCOPE,)
        return cls(
            client_id=str(data.get("client_id") or ""),
            redirect_uri=str(data.get("redirect_uri") or ""),
            scopes=scopes or (MARKETING_SCOPE,),
            use_pkce=bool(data.get("use_pkce", False)),
        )


def redirect_uri_problems(uri: str) -> list[str]:
    if not uri.strip():
        return ["Enter the redirect URI exactly as it is registered in your Snap OAuth app."]
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ["The redirect URI must be a full http:// or https:// address."]
    if uri != uri.strip():
        return ["The redirect URI must not start or end with spaces."]
    return []


@dataclass(frozen=True)
class LoopbackTarget:
    """Where the loopback listener must listen for a redirect URI on this machine."""

    hosts: tuple[str, ...]
    port: int
    path: str
    tls: bool

    @property
    def display(self) -> str:
        host = self.hosts[0]
        return f"{host}:{self.port}"


def loopback_target(redirect_uri: str) -> LoopbackTarget | None:
    """The listener for `redirect_uri`, or None when it is not a loopback address.

    A hosted https page (not on this machine) gets no listener; the user pastes the address the
    browser ended on instead.
    """
    try:
        parts = urlsplit(redirect_uri)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname
    if host == "localhost":
        hosts: tuple[str, ...] = ("127.0.0.1", "::1")
    else:
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return None
        if not address.is_loopback:
            return None
        hosts = (str(address),)
    tls = parts.scheme == "https"
    return LoopbackTarget(
        hosts=hosts,
        port=port if port is not None else (443 if tls else 80),
        path=parts.path or "/",
        tls=tls,
    )


@dataclass(frozen=True, repr=False)
class OAuthApp:
    """A complete, usable OAuth app (settings + secret + endpoints)."""

    client_id: str
    client_secret: str
    redirect_uri: str
    scopes: tuple[str, ...] = (MARKETING_SCOPE,)
    use_pkce: bool = False
    oauth_base: str = field(default_factory=config.oauth_base)

    @classmethod
    def for_sandbox(cls, base_url: str, *, redirect_uri: str) -> OAuthApp:
        """The sandbox's built-in app (`snapdesk --sandbox`): its fixed id/secret, PKCE on."""
        return cls(
            client_id=SANDBOX_CLIENT_ID,
            client_secret=SANDBOX_CLIENT_SECRET,
            redirect_uri=redirect_uri,
            scopes=(MARKETING_SCOPE,),
            use_pkce=True,
            oauth_base=base_url,
        )

    @property
    def authorize_url(self) -> str:
        return self.oauth_base.rstrip("/") + AUTHORIZE_PATH

    @property
    def token_url(self) -> str:
        return self.oauth_base.rstrip("/") + TOKEN_PATH

    @property
    def scope(self) -> str:
        return " ".join(self.scopes)

    @property
    def loopback(self) -> LoopbackTarget | None:
        return loopback_target(self.redirect_uri)

    @property
    def uses_self_signed_certificate(self) -> bool:
        """True when the browser will warn about snapdesk's own certificate (https loopback).

        The UI should tell the user before opening the browser.
        """
        target = self.loopback
        return target is not None and target.tls

    def __repr__(self) -> str:
        return (
            f"OAuthApp(client_id={self.client_id!r}, client_secret=<redacted>, "
            f"redirect_uri={self.redirect_uri!r}, scopes={self.scopes!r}, "
            f"use_pkce={self.use_pkce!r}, oauth_base={self.oauth_base!r})"
        )


def _settings_path(paths: config.Paths | None) -> Path:
    return (paths or config.Paths.from_env()).config_dir / SETTINGS_FILE


def load_app_settings(paths: config.Paths | None = None) -> OAuthAppSettings:
    """The stored settings (no env overrides); defaults when the file is missing or unreadable."""
    path = _settings_path(paths)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return OAuthAppSettings()
    except (OSError, ValueError) as exc:
        log.warning("ignoring unreadable %s: %s", path, type(exc).__name__)
        return OAuthAppSettings()
    if not isinstance(data, dict):
        return OAuthAppSettings()
    return OAuthAppSettings.from_dict(data)


def save_app_settings(
    settings: OAuthAppSettings,
    *,
    paths: config.Paths | None = None,
    store: TokenStore | None = None,
    client_secret: str | None = None,
) -> None:
    """Write the settings file; the secret (if given) goes to `store`, never to the file."""
    write_json_atomic(_settings_path(paths), settings.to_dict())
    if client_secret is not None:
        if store is None:
            raise ValueError("a token store is needed to keep the client secret")
        if client_secret:
            store.set_client_secret(settings.client_id, client_secret)
        else:
            store.delete_client_secret(settings.client_id)


def effective_settings(paths: config.Paths | None = None) -> OAuthAppSettings:
    """Stored settings with `SNAPDESK_CLIENT_ID` / `SNAPDESK_REDIRECT_URI` applied."""
    stored = load_app_settings(paths)
    client_id = os.environ.get("SNAPDESK_CLIENT_ID", "").strip() or stored.client_id
    redirect = os.environ.get("SNAPDESK_REDIRECT_URI", "").strip() or stored.redirect_uri
    return OAuthAppSettings(
        client_id=client_id,
        redirect_uri=redirect,
        scopes=stored.scopes,
        use_pkce=stored.use_pkce,
    )


def resolve_oauth_app(*, store: TokenStore | None, paths: config.Paths | None = None) -> OAuthApp:
    """The OAuth app to sign in with: settings file + env overrides + secret.

    The secret comes from `SNAPDESK_CLIENT_SECRET`, else the keyring (`store`). Raises
    `OAuthAppNotConfigured` naming what is missing.
    """
    settings = effective_settings(paths)
    problems = settings.problems()
    secret = os.environ.get("SNAPDESK_CLIENT_SECRET", "").strip()
    if not secret and store is not None and settings.client_id:
        secret = store.get_client_secret(settings.client_id) or ""
    if not secret:
        problems.append("Enter the client secret of your Snap OAuth app.")
    if problems:
        raise OAuthAppNotConfigured(
            "Set up your Snap OAuth app first (Settings → Snap app, or SNAPDESK_CLIENT_ID, "
            "SNAPDESK_CLIENT_SECRET, SNAPDESK_REDIRECT_URI): " + " ".join(problems)
        )
    return OAuthApp(
        client_id=settings.client_id,
        client_secret=secret,
        redirect_uri=settings.redirect_uri,
        scopes=settings.scopes,
        use_pkce=settings.use_pkce,
    )
