"""The loopback listener: one callback, exact path, state check, friendly pages, TLS."""

from __future__ import annotations

import asyncio
import socket
import ssl

import httpx
import pytest

from snapdesk import config
from snapdesk.auth import AccessDenied, LoopbackTarget, PortInUse, StateMismatch
from snapdesk.auth._cert import loopback_certificate, server_ssl_context
from snapdesk.auth._loopback import CallbackListener
from tests.auth.conftest import free_port


def listener(port: int, *, tls: ssl.SSLContext | None = None) -> CallbackListener:
    target = LoopbackTarget(hosts=("127.0.0.1",), port=port, path="/callback", tls=tls is not None)
    return CallbackListener(target=target, expected_state="S1", ssl_context=tls)


async def test_other_paths_and_methods_do_not_end_the_flow(http: httpx.AsyncClient) -> None:
    port = free_port()
    srv = listener(port)
    await srv.start()
    base = f"http://127.0.0.1:{port}"
    try:
        assert (await http.get(f"{base}/favicon.ico")).status_code == 404
        assert (await http.get(f"{base}/callbackX?code=c&state=S1")).status_code == 404
        assert (await http.post(f"{base}/callback?code=c&state=S1")).status_code == 405
        bare = await http.get(f"{base}/callback")
        assert bare.status_code == 400 and "Waiting for Snap" in bare.text
        assert not srv.finished
        ok = await http.get(f"{base}/callback?code=the-code&state=S1")
        assert ok.status_code == 200
        assert "You're signed in to snapdesk — you can close this tab" in ok.text
        assert ok.headers["cache-control"] == "no-store"
        assert await srv.wait() == "the-code"
        # exactly one callback: the listener is gone afterwards
        await asyncio.sleep(0.05)
        with pytest.raises(httpx.ConnectError):
            await http.get(f"{base}/callback?code=again&state=S1")
    finally:
        await srv.aclose()


async def test_state_mismatch_fails_the_flow_with_an_error_page(http: httpx.AsyncClient) -> None:
    port = free_port()
    srv = listener(port)
    await srv.start()
    try:
        page = await http.get(f"http://127.0.0.1:{port}/callback?code=c&state=FORGED")
        assert page.status_code == 400
        assert "state mismatch" in page.text
        with pytest.raises(StateMismatch):
            await srv.wait()
    finally:
        await srv.aclose()


async def test_deny_gets_a_friendly_page(http: httpx.AsyncClient) -> None:
    port = free_port()
    srv = listener(port)
    await srv.start()
    try:
        page = await http.get(f"http://127.0.0.1:{port}/callback?error=access_denied&state=S1")
        assert "declined" in page.text
        with pytest.raises(AccessDenied):
            await srv.wait()
    finally:
        await srv.aclose()


async def test_port_in_use_names_the_port() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(PortInUse) as info:
            await listener(port).start()
    assert info.value.port == port
    assert f"Port {port}" in info.value.message and "already in use" in info.value.message


async def test_https_listener_with_cached_self_signed_certificate(paths: config.Paths) -> None:
    cert = loopback_certificate(paths.config_dir)
    again = loopback_certificate(paths.config_dir)
    assert cert.sha256_fingerprint == again.sha256_fingerprint  # cached, not regenerated
    assert (cert.key_path.stat().st_mode & 0o777) == 0o600
    port = free_port()
    srv = listener(port, tls=server_ssl_context(cert))
    await srv.start()
    try:
        client_ctx = ssl.create_default_context(cafile=str(cert.cert_path))
        async with httpx.AsyncClient(verify=client_ctx) as client:
            page = await client.get(f"https://127.0.0.1:{port}/callback?code=tls-code&state=S1")
        assert page.status_code == 200
        assert await srv.wait() == "tls-code"
    finally:
        await srv.aclose()


async def test_garbage_request_is_answered_and_ignored() -> None:
    port = free_port()
    srv = listener(port)
    await srv.start()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"NONSENSE\r\n\r\n")
        await writer.drain()
        answer = await reader.read()
        writer.close()
        assert answer.startswith(b"HTTP/1.1 400")
        assert not srv.finished
    finally:
        await srv.aclose()
