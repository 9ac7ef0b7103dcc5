"""SandboxServer: loopback only, real free port, clean start and stop."""

from __future__ import annotations

import httpx
import pytest

from snapdesk.sandbox import SANDBOX_TOKEN, SandboxServer


@pytest.mark.parametrize(
    "host", ["0.0.0.0", "::", "10.1.2.3", "192.168.0.10", "example.com", "8.8.8.8", ""]
)
def test_refuses_non_loopback_hosts(host: str) -> None:
    with pytest.raises(ValueError, match="only listens on loopback"):
        SandboxServer(host=host)


@pytest.mark.parametrize(
    ("host", "prefix"),
    [
        ("127.0.0.1", "http://127.0.0.1:"),
        ("127.0.0.2", "http://127.0.0.2:"),
        ("localhost", "http://127.0.0.1:"),
        ("::1", "http://[::1]:"),
    ],
)
def test_serves_on_loopback_with_a_real_port(host: str, prefix: str) -> None:
    with SandboxServer(host=host, port=0) as server:
        assert server.base_url.startswith(prefix)
        assert server.port > 0
        assert server.api_base == server.base_url + "/v1"
        assert server.token == SANDBOX_TOKEN
        response = httpx.get(
            server.api_base + "/me", headers={"Authorization": f"Bearer {server.token}"}
        )
        assert response.status_code == 200
        base = server.base_url
    with pytest.raises(httpx.ConnectError):
        httpx.get(base + "/v1/me", timeout=2)


def test_start_twice_is_an_error_and_stop_is_idempotent() -> None:
    server = SandboxServer(seed=3)
    server.start()
    try:
        with pytest.raises(RuntimeError):
            server.start()
        assert server.state.seed_info == {"seed": 3, "scale": "demo"}
    finally:
        server.stop()
    server.stop()
