"""Run the sandbox on a loopback port in a background thread."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
import threading
import time
from types import TracebackType

import h11
import uvicorn
from starlette.applications import Starlette
from uvicorn.protocols.http.h11_impl import H11Protocol

from snapdesk.sandbox._body import BodyLimits
from snapdesk.sandbox._common import SANDBOX_TOKEN
from snapdesk.sandbox._middleware import DroppedConnection
from snapdesk.sandbox.app import create_app
from snapdesk.sandbox.seed import Scale, seed_state
from snapdesk.sandbox.state import SandboxState

__all__ = ["SandboxServer", "create_app"]

_START_TIMEOUT = 10.0


def loopback_address(host: str) -> str:
    """The IP to bind for `host`, which must be loopback (127.0.0.0/8, ::1 or "localhost")."""
    if host.strip().lower() == "localhost":
        return "127.0.0.1"
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        address = None
    if address is None or not address.is_loopback:
        raise ValueError(
            f"the sandbox only listens on loopback (127.0.0.1, ::1 or localhost), not {host!r}"
        )
    return str(address)


class _QuietDrops(logging.Filter):
    """Keep uvicorn from logging a traceback for every intentionally dropped connection."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, DroppedConnection)


_DROP_FILTER = _QuietDrops()


def _header_bounded(header_timeout: float) -> type[H11Protocol]:
    """uvicorn's h11 protocol, closing a connection whose request headers do not complete within
    `header_timeout` seconds (uvicorn has no such timeout: a client sending half a request line
    held its connection forever). Bodies are bounded by `_body.BodyGuard`."""

    class HeaderBoundedH11(H11Protocol):
        _header_timer: asyncio.TimerHandle | None = None

        def _arm(self) -> None:
            self._disarm()
            self._header_timer = self.loop.call_later(header_timeout, self._headers_too_slow)

        def _disarm(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None

        def _headers_too_slow(self) -> None:
            self._header_timer = None
            if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
                self.transport.close()

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if self.conn.their_state is not h11.IDLE:  # the headers are in
                self._disarm()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing():
                self._arm()  # the next request's headers are bounded too

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

    return HeaderBoundedH11


class SandboxServer:
    """The sandbox over real HTTP on loopback.

    `with SandboxServer() as server:` starts uvicorn in a daemon thread, waits until it accepts
    connections, and stops it on exit. With `port=0` a free port is picked; `base_url` tells it.
    Without `state`, a fresh SandboxState seeded with (`seed`, `scale`) is used; a given `state`
    is served as it is. `host="localhost"` binds 127.0.0.1 and base_url names that address.
    `body_limits` bounds request bodies (`_body.BodyLimits`; the defaults when None).
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        seed: int = 42,
        scale: Scale | str = "demo",
        state: SandboxState | None = None,
        body_limits: BodyLimits | None = None,
    ) -> None:
        self._bind_host = loopback_address(host)
        self._port = port
        if state is None:
            state = SandboxState()
            seed_state(state, seed=seed, scale=scale)
        self.state = state
        self.token = SANDBOX_TOKEN
        self.body_limits = body_limits or BodyLimits()
        self.app: Starlette = create_app(state, body_limits=self.body_limits)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    @property
    def port(self) -> int:
        """The listening port (the real one once started, when 0 was asked for)."""
        if self._port == 0:
            raise RuntimeError("the sandbox server has not been started yet")
        return self._port

    @property
    def base_url(self) -> str:
        host = self._bind_host
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{self.port}"

    @property
    def api_base(self) -> str:
        return self.base_url + "/v1"

    def start(self) -> SandboxServer:
        if self._thread is not None:
            raise RuntimeError("the sandbox server is already running")
        family = socket.AF_INET6 if ":" in self._bind_host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self._bind_host, self._port))
        self._port = int(sock.getsockname()[1])
        sock.listen(128)
        sock.setblocking(False)
        self._socket = sock
        logging.getLogger("uvicorn.error").addFilter(_DROP_FILTER)
        config = uvicorn.Config(
            self.app,
            log_level="warning",
            access_log=False,
            lifespan="off",
            loop="asyncio",
            http=_header_bounded(self.body_limits.header_timeout),
            timeout_graceful_shutdown=2,
        )
        server = uvicorn.Server(config)
        self._server = server
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="snapdesk-sandbox", daemon=True
        )
        self._thread = thread
        thread.start()
        deadline = time.monotonic() + _START_TIMEOUT
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the sandbox server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        server, thread, sock = self._server, self._thread, self._socket
        if server is not None:
            server.should_exit = True
        if thread is not None:
            thread.join(timeout=10)
        if sock is not None:
            sock.close()
        self._server = self._thread = self._socket = None

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
