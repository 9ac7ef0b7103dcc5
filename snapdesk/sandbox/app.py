"""The sandbox ASGI application."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from snapdesk.sandbox import _knobs as knobs
from snapdesk.sandbox._body import BodyGuard, BodyLimits, json_of
from snapdesk.sandbox._middleware import SandboxMiddleware
from snapdesk.sandbox.capi import capi_routes
from snapdesk.sandbox.control import ControlPlane
from snapdesk.sandbox.envelopes import error_response
from snapdesk.sandbox.errors import SnapApiError
from snapdesk.sandbox.oauth import oauth_routes
from snapdesk.sandbox.routes import Api, request_id_of
from snapdesk.sandbox.state import SandboxState
from snapdesk.sandbox.stats import stats_routes
from snapdesk.sandbox.targeting import targeting_routes


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


# The stats knobs' handlers live in stats.py; their values are checked here first (_knobs.py).
_STATS_CHECKS: dict[str, Callable[[dict[str, Any]], None]] = {
    "/__sandbox__/stats_effects": knobs.stats_effects,
    "/__sandbox__/stats_clock": knobs.stats_clock,
}


def _checked(routes: list[BaseRoute]) -> list[BaseRoute]:
    """`routes`, the stats control routes first checking a POSTed body's values."""
    out: list[BaseRoute] = []
    for route in routes:
        check = _STATS_CHECKS.get(route.path) if isinstance(route, Route) else None
        if check is None or not isinstance(route, Route):
            out.append(route)
            continue
        endpoint = route.endpoint

        async def checked(
            request: Request, endpoint: Any = endpoint, check: Any = check
        ) -> Response:
            if request.method == "POST":
                raw = await request.body()  # cached: the handler reads it again
                try:
                    body = json_of(request.scope, raw) if raw.strip() else {}
                    if isinstance(body, dict):
                        check(body)
                except SnapApiError as exc:
                    return error_response(exc, request_id=request_id_of(request))
            response: Response = await endpoint(request)
            return response

        out.append(Route(route.path, checked, methods=sorted(route.methods or ())))
    return out


def create_app(state: SandboxState, *, body_limits: BodyLimits | None = None) -> Starlette:
    """The emulator as an ASGI app over `state` (for uvicorn or httpx.ASGITransport).

    Serves /v1 (and /us/v1) including stats (`stats.py`), the /__sandbox__/ control plane and
    the OAuth endpoints (/login/oauth2/authorize and /login/oauth2/access_token, from `oauth.py`).
    Every request body is read by `BodyGuard` (`_body.py`) within `body_limits`.
    """
    routes = [
        *Api(state).routes(),
        *targeting_routes(state),  # catalogues, audience size, bid estimates (`targeting.py`)
        *_checked(list(stats_routes(state))),
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
