"""The sandbox ASGI application."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response

from snapdesk.sandbox._body import BodyGuard, BodyLimits
from snapdesk.sandbox._middleware import SandboxMiddleware
from snapdesk.sandbox.capi import capi_routes
from snapdesk.sandbox.control import ControlPlane
from snapdesk.sandbox.envelopes import error_response
from snapdesk.sandbox.errors import SnapApiError
from snapdesk.sandbox.oauth import oauth_routes
from snapdesk.sandbox.routes import Api, request_id_of
from snapdesk.sandbox.state import SandboxState
from snapdesk.sandbox.stats import stats_routes


async def _http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    if status == 404:
        error = SnapApiError(404, "E3003", f"Resource can not be found: {request.url.path}")
    elif status == 405:
        error = SnapApiError(
            405, "E1405", f"Method {request.method} is not allowed on {request.url.path}"
        )
    else:
        error = SnapApiError(status, "E5000", f"HTTP {status}")
    response = error_response(error, request_id=request_id_of(request))
    if isinstance(exc, HTTPException) and exc.headers:
        response.headers.update(exc.headers)
    return response


async def _server_error(request: Request, exc: Exception) -> Response:
    """An unforeseen crash still answers Snap's 500 envelope (uvicorn logs the traceback)."""
    error = SnapApiError(500, "E5000", "Internal server error")
    return error_response(error, request_id=request_id_of(request))


def create_app(state: SandboxState, *, body_limits: BodyLimits | None = None) -> Starlette:
    """The emulator as an ASGI app over `state` (for uvicorn or httpx.ASGITransport).

    Serves /v1 (and /us/v1) including stats (`stats.py`), the /__sandbox__/ control plane and
    the OAuth endpoints (/login/oauth2/authorize and /login/oauth2/access_token, from `oauth.py`).
    Every request body is read by `BodyGuard` (`_body.py`) within `body_limits`.
    """
    routes = [
        *Api(state).routes(),
        *stats_routes(state),
        *ControlPlane(state).routes(),
        *oauth_routes(state),
        *capi_routes(state),  # Conversions API v3 under /v3 (`capi.py`)
    ]
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(BodyGuard, limits=body_limits),
            Middleware(SandboxMiddleware, state=state),
        ],
        exception_handlers={HTTPException: _http_error, Exception: _server_error},
    )
    app.state.sandbox = state
    return app
