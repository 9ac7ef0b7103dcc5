"""The sandbox's OAuth 2.0 server: Snap's authorize and token endpoints, emulated.

    GET  /login/oauth2/authorize      consent page (Approve / Deny), or straight to the redirect
                                      with `auto_approve`; `action=approve|deny` answers it
    POST /login/oauth2/authorize      the same answer, from the consent form
    POST /login/oauth2/access_token   form body; grant_type authorization_code | refresh_token
    GET  /__sandbox__/oauth           the current OAuth settings and counts
    POST /__sandbox__/oauth           {"expires_in", "rotate_refresh", "auto_approve", "redirect_uri",
                                      "pkce_required", "revoke_refresh_token": TOKEN | true,
                                      "expire_access_tokens": true}

Strict like Snap (docs: "must match URI on OAuth App"): the redirect URI must equal the registered
one byte for byte, on authorize and on code exchange. Codes are single-use and expire after 60 s.
PKCE (S256) is verified when the authorize request carried a challenge, and required with
`pkce_required`. Issued access tokens are registered with the sandbox state, so the /v1 API accepts
them until they expire. Token errors are `{"error", "error_description"}` with 400/401.

Stands alone: it must not import the client (snapdesk.api / snapdesk.auth).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import secrets
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from snapdesk.sandbox._body import parse_json
from snapdesk.sandbox._knobs import MAX_TEXT, MAX_TOKEN_SECONDS
from snapdesk.sandbox.errors import SnapApiError
from snapdesk.sandbox.state import SandboxState

__all__ = [
    "DEFAULT_REDIRECT_URI",
    "SANDBOX_CLIENT_ID",
    "SANDBOX_CLIENT_SECRET",
    "OAuthConfig",
    "SandboxOAuth",
    "oauth_for",
    "oauth_routes",
]

SANDBOX_CLIENT_ID = "sandbox-client"
SANDBOX_CLIENT_SECRET = "sandbox-secret"
DEFAULT_REDIRECT_PORT = 53682
DEFAULT_REDIRECT_URI = f"http://127.0.0.1:{DEFAULT_REDIRECT_PORT}/callback"
KNOWN_SCOPES = (
    "snapchat-marketing-api",
    "snapchat-offline-conversions-api",
    "snapchat-profile-api",
)
CODE_LIFETIME_S = 60.0

AUTHORIZE_PATH = "/login/oauth2/authorize"
TOKEN_PATH = "/login/oauth2/access_token"
CONTROL_PATH = "/__sandbox__/oauth"


@dataclass
class OAuthConfig:
    """The one OAuth app the sandbox knows, and its behaviour."""

    client_id: str = SANDBOX_CLIENT_ID
    client_secret: str = SANDBOX_CLIENT_SECRET
    redirect_uri: str = DEFAULT_REDIRECT_URI
    app_name: str = "snapdesk (sandbox)"
    expires_in: int = 3600
    rotate_refresh: bool = False
    auto_approve: bool = False
    pkce_required: bool = False

    def public(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _Code:
    client_id: str
    redirect_uri: str
    scope: str
    expires_at: float
    challenge: str | None
    used: bool = False


@dataclass
class _Grant:
    client_id: str
    scope: str
    access_tokens: list[str] = field(default_factory=list)


class OAuthError(Exception):
    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description

    def response(self) -> JSONResponse:
        return JSONResponse(
            {"error": self.error, "error_description": self.description},
            status_code=self.status,
            headers=_NO_STORE,
        )


_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii", errors="replace")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def _with_query(uri: str, params: dict[str, str]) -> str:
    return f"{uri}{'&' if '?' in uri else '?'}{urlencode(params)}"


class SandboxOAuth:
    """Codes, grants and issued tokens of the sandbox's OAuth server. Thread-safe."""

    def __init__(
        self,
        state: SandboxState,
        config: OAuthConfig | None = None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.state = state
        self.config = config or OAuthConfig()
        self.clock = clock
        self._lock = threading.Lock()
        self._codes: dict[str, _Code] = {}
        self._grants: dict[str, _Grant] = {}  # refresh token -> grant
        self._issued: dict[str, float] = {}  # access token -> expires_at

    # -- authorize -----------------------------------------------------------------------------

    def authorize(self, params: dict[str, str]) -> Response:
        """Validate an authorize request; consent page, or the redirect once answered."""
        cfg = self.config
        client_id = params.get("client_id", "")
        redirect_uri = params.get("redirect_uri", "")
        if client_id != cfg.client_id:
            return _error_page(400, "Unknown app", f"No OAuth app has the client ID {client_id!r}.")
        if redirect_uri != cfg.redirect_uri:
            return _error_page(
                400,
                "Redirect URI mismatch",
                "The redirect_uri does not match the URI registered on this OAuth app "
                f"(registered: {cfg.redirect_uri}).",
            )
        state = params.get("state")

        def fail(error: str, description: str) -> Response:
            answer = {"error": error, "error_description": description}
            if state is not None:
                answer["state"] = state
            return RedirectResponse(_with_query(redirect_uri, answer), status_code=302)

        if params.get("response_type") != "code":
            return fail("unsupported_response_type", 'response_type must be "code"')
        scopes = params.get("scope", "").split()
        if not scopes or any(s not in KNOWN_SCOPES for s in scopes):
            return fail("invalid_scope", f"scope must be among: {', '.join(KNOWN_SCOPES)}")
        challenge = params.get("code_challenge")
        method = params.get("code_challenge_method", "plain" if challenge else None)
        if challenge is not None and method != "S256":
            return fail("invalid_request", "code_challenge_method must be S256")
        if challenge is None and cfg.pkce_required:
            return fail("invalid_request", "code_challenge is required for this app")

        action = params.get("action")
        if action is None and cfg.auto_approve:
            action = "approve"
        if action is None:
            return _consent_page(cfg.app_name, scopes, params)
        if action != "approve":
            return fail("access_denied", "The user denied access to the app")
        code = "sbx-code-" + secrets.token_urlsafe(24)
        with self._lock:
            self._codes[code] = _Code(
                client_id=client_id,
                redirect_uri=redirect_uri,
                scope=" ".join(scopes),
                expires_at=self.clock() + CODE_LIFETIME_S,
                challenge=challenge,
            )
        answer = {"code": code}
        if state is not None:
            answer["state"] = state
        return RedirectResponse(_with_query(redirect_uri, answer), status_code=302)

    # -- token ---------------------------------------------------------------------------------

    def token(self, form: dict[str, str]) -> dict[str, Any]:
        cfg = self.config
        if form.get("client_id") != cfg.client_id or not hmac.compare_digest(
            form.get("client_secret", ""), cfg.client_secret
        ):
            raise OAuthError(401, "invalid_client", "Client authentication failed")
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            return self._from_code(form)
        if grant_type == "refresh_token":
            return self._from_refresh(form)
        raise OAuthError(400, "unsupported_grant_type", f"Unsupported grant_type {grant_type!r}")

    def _from_code(self, form: dict[str, str]) -> dict[str, Any]:
        raw = form.get("code", "")
        with self._lock:
            code = self._codes.get(raw)
            if code is None:
                raise OAuthError(400, "invalid_grant", "Invalid authorization code")
            if code.used:
                raise OAuthError(400, "invalid_grant", "Authorization code has already been used")
            code.used = True  # single use, whatever happens next
            if self.clock() > code.expires_at:
                raise OAuthError(400, "invalid_grant", "Authorization code has expired")
            if form.get("client_id") != code.client_id:
                raise OAuthError(400, "invalid_grant", "The code was issued to another client")
            if form.get("redirect_uri") != code.redirect_uri:
                raise OAuthError(
                    400, "invalid_grant", "redirect_uri does not match the authorization request"
                )
            if code.challenge is not None:
                verifier = form.get("code_verifier")
                if not verifier:
                    raise OAuthError(400, "invalid_request", "code_verifier is required")
                if not hmac.compare_digest(_s256(verifier), code.challenge):
                    raise OAuthError(400, "invalid_grant", "code_verifier does not match")
            refresh = "sbx-rt-" + secrets.token_urlsafe(32)
            grant = _Grant(client_id=code.client_id, scope=code.scope)
            self._grants[refresh] = grant
            return self._issue(grant, refresh)

    def _from_refresh(self, form: dict[str, str]) -> dict[str, Any]:
        raw = form.get("refresh_token", "")
        with self._lock:
            grant = self._grants.get(raw)
            if grant is None:
                raise OAuthError(400, "invalid_grant", "Invalid refresh token")
            if grant.client_id != form.get("client_id"):
                raise OAuthError(
                    400, "invalid_grant", "The refresh token belongs to another client"
                )
            refresh = raw
            if self.config.rotate_refresh:
                del self._grants[raw]
                refresh = "sbx-rt-" + secrets.token_urlsafe(32)
                self._grants[refresh] = grant
            return self._issue(grant, refresh)

    def _issue(self, grant: _Grant, refresh: str) -> dict[str, Any]:
        expires_in = int(self.config.expires_in)
        access = "sbx-at-" + secrets.token_urlsafe(32)
        expires_at = time.time() + expires_in
        self._issued[access] = expires_at
        grant.access_tokens.append(access)
        self.state.add_token(access, expires_at=expires_at)
        return {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": expires_in,
            "refresh_token": refresh,
            "scope": grant.scope,
            "id_token": "",
        }

    # -- control plane -------------------------------------------------------------------------

    def configure(self, body: dict[str, Any]) -> dict[str, Any]:
        cfg = self.config
        if "expires_in" in body:
            value = body["expires_in"]
            if (
                isinstance(value, bool)
                or not isinstance(value, int)
                or not 0 < value <= MAX_TOKEN_SECONDS
            ):
                raise ValueError(
                    f"'expires_in' must be an integer from 1 to {MAX_TOKEN_SECONDS} (seconds)"
                )
            cfg.expires_in = value
        for key in ("rotate_refresh", "auto_approve", "pkce_required"):
            if key in body:
                if not isinstance(body[key], bool):
                    raise ValueError(f"'{key}' must be true or false")
                setattr(cfg, key, body[key])
        if "redirect_uri" in body:
            uri = body["redirect_uri"]
            if not isinstance(uri, str) or not 0 < len(uri) <= MAX_TEXT:
                raise ValueError(f"'redirect_uri' must be a string of 1 to {MAX_TEXT} characters")
            cfg.redirect_uri = body["redirect_uri"]
        revoked = 0
        target = body.get("revoke_refresh_token")
        if target is not None and target is not False:
            revoked = self.revoke_refresh_token(None if target is True else str(target))
        expired = self.expire_access_tokens() if body.get("expire_access_tokens") else 0
        return {
            **self.describe(),
            "revoked_refresh_tokens": revoked,
            "expired_access_tokens": expired,
        }

    def revoke_refresh_token(self, token: str | None = None) -> int:
        """Revoke one refresh token (None: all); their access tokens stop working too."""
        with self._lock:
            targets = list(self._grants) if token is None else [token]
            count = 0
            for raw in targets:
                grant = self._grants.pop(raw, None)
                if grant is None:
                    continue
                count += 1
                for access in grant.access_tokens:
                    self.state.revoke_token(access)
                    self._issued.pop(access, None)
            return count

    def expire_access_tokens(self) -> int:
        """Make every access token issued so far expire now (refresh tokens keep working)."""
        with self._lock:
            past = time.time() - 1
            for access in self._issued:
                self.state.add_token(access, expires_at=past)
                self._issued[access] = past
            return len(self._issued)

    def describe(self) -> dict[str, Any]:
        with self._lock:
            return {
                **self.config.public(),
                "refresh_tokens": len(self._grants),
                "access_tokens_issued": len(self._issued),
            }

    def reset(self) -> None:
        with self._lock:
            self._codes.clear()
            self._grants.clear()
            self._issued.clear()

    # -- routes --------------------------------------------------------------------------------

    def routes(self) -> list[Route]:
        return [
            Route(AUTHORIZE_PATH, self._authorize_endpoint, methods=["GET", "POST"]),
            Route(TOKEN_PATH, self._token_endpoint, methods=["POST"]),
            Route(CONTROL_PATH, self._control_endpoint, methods=["GET", "POST"]),
        ]

    async def _authorize_endpoint(self, request: Request) -> Response:
        params = dict(request.query_params)
        if request.method == "POST":
            params.update(await _form(request))
        return self.authorize(params)

    async def _token_endpoint(self, request: Request) -> Response:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/x-www-form-urlencoded":
            return OAuthError(
                400, "invalid_request", "The body must be application/x-www-form-urlencoded"
            ).response()
        try:
            answer = self.token(await _form(request))
        except OAuthError as exc:
            return exc.response()
        return JSONResponse(answer, headers=_NO_STORE)

    async def _control_endpoint(self, request: Request) -> Response:
        if request.method == "GET":
            return JSONResponse(self.describe())
        raw = await request.body()
        try:
            body = parse_json(raw) if raw.strip() else {}
            if not isinstance(body, dict):
                raise ValueError("the body must be a JSON object")
            return JSONResponse(self.configure(body))
        except SnapApiError as exc:
            return JSONResponse(
                {"error": "invalid_request", "error_description": exc.debug_message}, 400
            )
        except ValueError as exc:
            return JSONResponse({"error": "invalid_request", "error_description": str(exc)}, 400)


async def _form(request: Request) -> dict[str, str]:
    """An urlencoded body (parsed here: Starlette's form parser needs python-multipart)."""
    raw = (await request.body()).decode("utf-8", errors="replace")
    return dict(parse_qsl(raw, keep_blank_values=True))


def _error_page(status: int, title: str, text: str) -> HTMLResponse:
    return HTMLResponse(
        f"<!doctype html><title>{html.escape(title)}</title><h1>{html.escape(title)}</h1>"
        f"<p>{html.escape(text)}</p>",
        status_code=status,
    )


_SCOPE_TEXT = {
    "snapchat-marketing-api": "Manage your ad accounts, campaigns, ads and audiences",
    "snapchat-offline-conversions-api": "Send conversion events",
    "snapchat-profile-api": "Read your public profile",
}


def _consent_page(app_name: str, scopes: list[str], params: dict[str, str]) -> HTMLResponse:
    hidden = "".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
        for k, v in params.items()
        if k != "action"
    )
    items = "".join(f"<li>{html.escape(_SCOPE_TEXT.get(s, s))}</li>" for s in scopes)
    page = (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>Sign in to {html.escape(app_name)}</title></head><body>"
        "<h1>Snap sandbox</h1>"
        f"<p><strong>{html.escape(app_name)}</strong> would like to:</p><ul>{items}</ul>"
        f'<form method="get" action="{AUTHORIZE_PATH}">{hidden}'
        '<button type="submit" name="action" value="approve">Approve</button> '
        '<button type="submit" name="action" value="deny">Deny</button>'
        "</form></body></html>"
    )
    return HTMLResponse(page)


_REGISTRY: weakref.WeakKeyDictionary[SandboxState, SandboxOAuth] = weakref.WeakKeyDictionary()
_REGISTRY_LOCK = threading.Lock()


def oauth_for(state: SandboxState, config: OAuthConfig | None = None) -> SandboxOAuth:
    """The OAuth server of `state` (made on first use; `config` applies only then)."""
    with _REGISTRY_LOCK:
        server = _REGISTRY.get(state)
        if server is None:
            server = SandboxOAuth(state, config)
            _REGISTRY[state] = server
        return server


def oauth_routes(state: SandboxState, config: OAuthConfig | None = None) -> list[Route]:
    """Authorize, token and `/__sandbox__/oauth` routes, to mount in the sandbox app."""
    return oauth_for(state, config).routes()
