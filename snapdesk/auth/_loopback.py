"""The loopback listener that receives Snap's redirect, and the parser shared with paste.

A deliberately tiny HTTP/1.1 server on `asyncio.start_server`: it answers only `GET` on the
redirect URI's exact path. The first such request carrying `code` or `error` decides the flow
(success, deny or state mismatch), gets a friendly page, and closes the listener. Anything else
(other paths, other methods, a bare visit) gets 404/405/400 and leaves the flow waiting.
Query strings are never logged: they carry the authorization code.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import hmac
import html
import logging
import ssl
from urllib.parse import parse_qs, urlsplit

from snapdesk.auth.errors import (
    AccessDenied,
    InvalidRedirect,
    LoginError,
    PortInUse,
    StateMismatch,
)
from snapdesk.auth.settings import LoopbackTarget

__all__ = ["CallbackListener", "parse_callback_query"]

log = logging.getLogger(__name__)

MAX_HEAD_BYTES = 16 * 1024

SUCCESS_TITLE = "You're signed in to snapdesk — you can close this tab"


def parse_callback_query(query: str, *, expected_state: str) -> str:
    """The authorization code from a redirect's query string.

    Raises `StateMismatch` (state missing or different), `AccessDenied` (`error=access_denied`),
    `LoginError` (another OAuth error), or `InvalidRedirect` (neither `code` nor `error`).
    """
    params = parse_qs(query, keep_blank_values=True)

    def first(name: str) -> str | None:
        values = params.get(name)
        return values[0] if values else None

    state = first("state")
    error = first("error")
    code = first("code")
    if error is None and not code:
        raise InvalidRedirect(
            "That address has no sign-in code in it — paste the whole address your browser "
            "shows after you approve snapdesk on Snap's page"
        )
    state_ok = state is not None and hmac.compare_digest(state, expected_state)
    if error is not None:
        if state is not None and not state_ok:
            raise _state_mismatch()
        if error == "access_denied":
            raise AccessDenied(
                "You declined snapdesk's access on Snap's page, so you are not signed in — start "
                "the sign-in again and choose Approve (or Continue) to use snapdesk"
            )
        description = first("error_description")
        detail = f"{error}: {description}" if description else error
        raise LoginError(
            f"Snap refused the sign-in ({detail[:200]}) — check your OAuth app settings "
            "(client ID, redirect URI, scopes) and try again"
        )
    if not state_ok:
        raise _state_mismatch()
    assert code is not None
    return code


def _state_mismatch() -> StateMismatch:
    return StateMismatch(
        "The answer from Snap does not belong to this sign-in (state mismatch), so snapdesk "
        "ignored it — close older sign-in tabs and start the sign-in again"
    )


def _page(title: str, body: str, *, ok: bool) -> bytes:
    colour = "#1a7f37" if ok else "#b42318"
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>snapdesk — {html.escape(title, quote=False)}</title>"
        "<meta name=viewport content='width=device-width,initial-scale=1'>"
        "<style>body{font-family:system-ui,sans-serif;max-width:36em;margin:4em auto;"
        "padding:0 1em;line-height:1.5;color:#222}"
        f"h1{{font-size:1.4em;color:{colour}}}</style></head><body>"
        f"<h1>{html.escape(title, quote=False)}</h1><p>{html.escape(body, quote=False)}</p></body></html>"
    ).encode()


class CallbackListener:
    """Waits for exactly one redirect on `target` (the redirect URI's host, port and path)."""

    def __init__(
        self,
        *,
        target: LoopbackTarget,
        expected_state: str,
        ssl_context: ssl.SSLContext | None = None,
        request_timeout: float = 15.0,
    ) -> None:
        self.target = target
        self._state = expected_state
        self._ssl = ssl_context
        self._request_timeout = request_timeout
        self._servers: list[asyncio.Server] = []
        self._result: asyncio.Future[str] | None = None
        self._handlers: set[asyncio.Task[None]] = set()

    @property
    def port(self) -> int:
        """The port listened on (the redirect URI's, or the one picked for port 0)."""
        for server in self._servers:
            for sock in server.sockets:
                return int(sock.getsockname()[1])
        return self.target.port

    @property
    def finished(self) -> bool:
        return self._result is not None and self._result.done()

    async def start(self) -> None:
        """Listen; raise `PortInUse` with what to do when the port is taken or forbidden."""
        loop = asyncio.get_running_loop()
        self._result = loop.create_future()
        port = self.target.port
        for index, host in enumerate(self.target.hosts):
            try:
                server = await asyncio.start_server(
                    self._on_connection,
                    host=host,
                    port=port,
                    ssl=self._ssl,
                    limit=MAX_HEAD_BYTES,
                )
            except OSError as exc:
                if index > 0 and exc.errno in (errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT):
                    continue  # no IPv6 on this machine: 127.0.0.1 alone will do
                await self.aclose()
                raise self._port_error(exc) from None
            self._servers.append(server)
            port = self.port
        log.info("listening for the sign-in redirect on %s port %d", self.target.hosts[0], port)

    def _port_error(self, exc: OSError) -> PortInUse:
        port = self.target.port
        where = f"{self.target.hosts[0]}:{port}"
        if exc.errno in (errno.EACCES, errno.EPERM):
            return PortInUse(
                f"snapdesk may not listen on port {port} ({where}) without administrator "
                "rights — register a redirect URI with a port above 1024 in your Snap OAuth app, "
                "or paste the redirected address instead",
                port=port,
            )
        return PortInUse(
            f"Port {port} ({where}) is already in use, so snapdesk can't receive Snap's "
            "sign-in redirect — close the program using it (perhaps another snapdesk sign-in) "
            "and try again, or use a redirect URI with another port",
            port=port,
        )

    async def wait(self) -> str:
        """The authorization code, or the `LoginError` the callback carried."""
        if self._result is None:
            raise RuntimeError("start() the listener first")
        return await asyncio.shield(self._result)

    async def aclose(self) -> None:
        for server in self._servers:
            server.close()
        for server in self._servers:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.wait_closed(), 2.0)
        self._servers = []
        for task in list(self._handlers):
            task.cancel()
        if self._handlers:
            await asyncio.gather(*self._handlers, return_exceptions=True)
        if self._result is not None and not self._result.done():
            self._result.cancel()

    # -- one connection ------------------------------------------------------------------------

    async def _on_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._handlers.add(task)
        try:
            await self._serve(reader, writer)
        except (ConnectionError, ssl.SSLError, asyncio.IncompleteReadError, TimeoutError):
            pass  # the browser went away (or refused our certificate): nothing to answer
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("the sign-in listener failed on one request")
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(writer.wait_closed(), 2.0)
            if task is not None:
                self._handlers.discard(task)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), self._request_timeout)
        except (asyncio.LimitOverrunError, ValueError):
            await _respond(writer, 431, _page("Request too large", "", ok=False))
            return
        line = head.split(b"\r\n", 1)[0].decode("latin-1")
        parts = line.split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/"):
            await _respond(writer, 400, _page("Bad request", "", ok=False))
            return
        method, target = parts[0], parts[1]
        split = urlsplit(target)
        if split.path != self.target.path:
            await _respond(
                writer, 404, _page("Not found", "This is snapdesk's sign-in helper.", ok=False)
            )
            return
        if method != "GET":
            await _respond(
                writer,
                405,
                _page("Method not allowed", "", ok=False),
                extra=("Allow: GET",),
            )
            return
        assert self._result is not None
        if self._result.done():
            await _respond(
                writer,
                410,
                _page(
                    "This sign-in has already finished",
                    "Return to snapdesk; start a new sign-in there if you need one.",
                    ok=False,
                ),
            )
            return
        try:
            code = parse_callback_query(split.query, expected_state=self._state)
        except InvalidRedirect:
            await _respond(
                writer,
                400,
                _page(
                    "Waiting for Snap",
                    "This address is where Snap sends you back after you sign in. "
                    "Return to snapdesk and start the sign-in there.",
                    ok=False,
                ),
            )
            return
        except LoginError as exc:
            log.info("sign-in redirect received: %s", type(exc).__name__)
            await _respond(
                writer,
                200 if isinstance(exc, AccessDenied) else 400,
                _page("snapdesk is not signed in", exc.message, ok=False),
            )
            self._finish(exc)
            return
        log.info("sign-in redirect received with a code")
        await _respond(
            writer,
            200,
            _page(
                SUCCESS_TITLE,
                "snapdesk received your sign-in from Snap. Return to snapdesk to continue.",
                ok=True,
            ),
        )
        self._finish(code)

    def _finish(self, outcome: str | LoginError) -> None:
        assert self._result is not None
        if not self._result.done():
            if isinstance(outcome, str):
                self._result.set_result(outcome)
            else:
                self._result.set_exception(outcome)
        for server in self._servers:
            server.close()  # no new connections; the page above is already on its way


_REASONS = {
    200: "OK",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    410: "Gone",
    431: "Request Header Fields Too Large",
}


async def _respond(
    writer: asyncio.StreamWriter, status: int, body: bytes, *, extra: tuple[str, ...] = ()
) -> None:
    lines = [
        f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}",
        "Content-Type: text/html; charset=utf-8",
        f"Content-Length: {len(body)}",
        "Cache-Control: no-store",
        "Referrer-Policy: no-referrer",
        "X-Content-Type-Options: nosniff",
        "Connection: close",
        *extra,
    ]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
    await writer.drain()
