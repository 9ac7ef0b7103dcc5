"""Hostile requests against the sandbox over real loopback sockets (issue 17, "The sandbox as a
server"): each is refused with a Snap-like envelope, and the server answers normally afterwards.

Raw sockets, so the tests control exactly what reaches the server (a Content-Length the body
never fulfils, a body that stalls, chunked bodies past the limit). Client-side timeouts are
generous (READ_TIMEOUT) so CI stays stable; the server's body timeouts are shortened for this
module through `BodyLimits`.
"""

from __future__ import annotations

import json
import select
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from snapdesk.sandbox import SandboxServer
from snapdesk.sandbox._body import (
    JSON_BODY_MAX,
    MAX_JSON_DEPTH,
    SMALL_BODY_MAX,
    UPLOAD_BODY_MAX,
    BodyLimits,
)
from snapdesk.sandbox._knobs import MAX_LATENCY_MS
from tests.sandbox.conftest import AUTH, make_state

READ_TIMEOUT = 30.0  # client side: how long a test waits for an answer before failing
IDLE_TIMEOUT = 1.0  # server side, for this module: seconds a body may stall between chunks
ENVELOPE_KEYS = {"request_status", "request_id", "debug_message", "display_message", "error_code"}


@pytest.fixture(scope="module")
def hostile_server() -> Iterator[SandboxServer]:
    limits = BodyLimits(
        idle_timeout=IDLE_TIMEOUT, total_timeout=3 * IDLE_TIMEOUT, header_timeout=IDLE_TIMEOUT
    )
    with SandboxServer(state=make_state(), body_limits=limits) as srv:
        yield srv


@pytest.fixture
def srv(hostile_server: SandboxServer) -> SandboxServer:
    hostile_server.state.reset(seed=42, scale="demo")
    hostile_server.state.limiter.configure(per_second=None, burst=10)
    return hostile_server


class Answer:
    def __init__(self, status: int, headers: dict[str, str], body: bytes, closed: bool) -> None:
        self.status = status
        self.headers = headers
        self.body = body
        self.closed = closed  # the server closed the connection after answering

    def json(self) -> Any:
        return json.loads(self.body)


def _connect(server: SandboxServer) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=READ_TIMEOUT)
    sock.settimeout(READ_TIMEOUT)
    return sock


def _read_answer(sock: socket.socket, *, check_closed: bool = False) -> Answer:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise AssertionError(f"connection closed before an answer: {data!r}")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    closed = False
    if check_closed:  # wait for the server to close (a kept-alive connection times out here)
        sock.settimeout(5.0)
        try:
            closed = sock.recv(1) == b""
        except TimeoutError:
            closed = False
        except ConnectionResetError:
            closed = True
    return Answer(status, headers, rest[:length], closed)


def _head(method: str, path: str, headers: dict[str, str]) -> bytes:
    lines = [
        f"{method} {path} HTTP/1.1",
        "Host: 127.0.0.1",
        *(f"{k}: {v}" for k, v in headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def send(server: SandboxServer, method: str, path: str, body: bytes, **headers: str) -> Answer:
    """One whole request on a fresh connection, its answer."""
    all_headers = {
        "Authorization": AUTH["Authorization"],
        "Content-Type": "application/json",
        "Content-Length": str(len(body)),
        **{k.replace("_", "-"): v for k, v in headers.items()},
    }
    with _connect(server) as sock:
        sock.sendall(_head(method, path, all_headers) + body)
        return _read_answer(sock)


def assert_snap_error(answer: Answer, status: int, code: str) -> dict[str, Any]:
    assert answer.status == status, answer.body[:300]
    assert answer.headers["content-type"].startswith("application/json")
    body = answer.json()
    assert set(body) == ENVELOPE_KEYS
    assert body["request_status"] == "ERROR"
    assert body["error_code"] == code
    if "x-request-id" in answer.headers:  # /v1 answers carry it; the control plane's do not
        assert answer.headers["x-request-id"] == body["request_id"]
    return dict(body)


def assert_still_serving(server: SandboxServer) -> None:
    response = httpx.get(server.api_base + "/me", headers=AUTH, timeout=READ_TIMEOUT)
    assert response.status_code == 200
    assert response.json()["request_status"] == "SUCCESS"
    control = httpx.get(server.base_url + "/__sandbox__/state/summary", timeout=READ_TIMEOUT)
    assert control.status_code == 200


def _account_id(server: SandboxServer) -> str:
    response = httpx.get(
        server.api_base + "/me/organizations?with_ad_accounts=true", headers=AUTH, timeout=30
    )
    org = response.json()["organizations"][0]["organization"]
    return str(org["ad_accounts"][0]["id"])


# ------------------------------------------------------------------------------ hostile JSON

DEEP = b"[" * 100_000 + b"]" * 100_000
LONG_NUMBER = b'{"ms": ' + b"9" * 5000 + b"}"


@pytest.mark.parametrize(
    "path",
    [
        "/v1/adaccounts/{account}/campaigns",
        "/us/v1/adaccounts/{account}/campaigns",
        "/__sandbox__/latency",
        "/__sandbox__/faults",
        "/__sandbox__/stats_clock",  # handled in stats.py, vetted by the guard before it
    ],
)
@pytest.mark.parametrize(
    ("payload", "why"),
    [
        (DEEP, "nests deeper than 64 levels"),
        (b'{"campaigns": ' + b"[" * 65 + b"]" * 65 + b"}", "nests deeper than 64 levels"),
        (LONG_NUMBER, "a number is longer than 64 characters"),
        (b'{"ms": 1' + b"0" * 5000 + b".5}", "a number is longer than 64 characters"),
        (b'{"ms": 1e999}', "out of range"),
        (b'{"ms": NaN}', "NaN is not a JSON value"),
        (b'{"ms": -Infinity}', "-Infinity is not a JSON value"),
    ],
)
def test_hostile_json_gets_a_400_envelope(
    srv: SandboxServer, path: str, payload: bytes, why: str
) -> None:
    target = path.format(account=_account_id(srv))
    answer = send(srv, "POST", target, payload)
    body = assert_snap_error(answer, 400, "E1002")
    assert why in body["debug_message"]
    assert_still_serving(srv)


def test_json_at_the_depth_limit_is_still_accepted(srv: SandboxServer) -> None:
    """64 levels pass the guard (and reach the handler, which says what it thinks of them)."""
    nested = b"[" * (MAX_JSON_DEPTH - 1) + b"]" * (MAX_JSON_DEPTH - 1)
    answer = send(srv, "POST", "/__sandbox__/faults", b'{"body": ' + nested + b"}")
    assert answer.status == 200, answer.body[:300]
    assert len(answer.json()["faults"]) == 1


def test_brackets_inside_strings_are_not_nesting(srv: SandboxServer) -> None:
    text = json.dumps({"ms": 5, "note": "[" * 10_000 + '\\" {{{'}).encode()
    answer = send(srv, "POST", "/__sandbox__/latency", text)
    assert answer.status == 200, answer.body[:300]


def test_hostile_json_to_the_conversions_api_gets_its_envelope(srv: SandboxServer) -> None:
    for payload in (DEEP, LONG_NUMBER):
        answer = send(srv, "POST", "/v3/some-pixel/events?access_token=x", payload)
        assert answer.status == 400
        body = answer.json()
        assert set(body) == {"status", "reason"}
        assert body["status"] == "INVALID"
    assert_still_serving(srv)


def test_hostile_json_to_oauth_gets_its_envelope(srv: SandboxServer) -> None:
    answer = send(srv, "POST", "/login/oauth2/access_token", DEEP)
    assert answer.status == 400
    assert set(answer.json()) == {"error", "error_description"}
    answer = send(srv, "POST", "/__sandbox__/oauth", LONG_NUMBER)
    assert answer.status == 400
    assert_still_serving(srv)


def test_hostile_json_in_a_form_typed_body_is_refused_too(srv: SandboxServer) -> None:
    """The Content-Type does not decide: /v1 JSON routes parse whatever they are sent."""
    answer = send(
        srv,
        "POST",
        f"/v1/adaccounts/{_account_id(srv)}/campaigns",
        DEEP,
        Content_Type="application/x-www-form-urlencoded",
    )
    assert_snap_error(answer, 400, "E1002")
    assert_still_serving(srv)


# ------------------------------------------------------------------------------ body size


def test_a_promised_100_mb_body_is_refused_after_a_few_kb(srv: SandboxServer) -> None:
    """Content-Length 100 MB, then 4 KB: the 413 arrives without the body being read in full,
    and the connection is closed (its unread rest could not be told from a next request)."""
    head = _head(
        "POST",
        f"/v1/adaccounts/{_account_id(srv)}/campaigns",
        {**AUTH, "Content-Type": "application/json", "Content-Length": str(100 * 1024 * 1024)},
    )
    started = time.monotonic()
    with _connect(srv) as sock:
        sock.sendall(head + b'{"campaigns": [' + b" " * 4096)
        answer = _read_answer(sock, check_closed=True)
    body = assert_snap_error(answer, 413, "E1003")
    assert str(JSON_BODY_MAX) in body["debug_message"]
    assert answer.closed
    assert time.monotonic() - started < IDLE_TIMEOUT  # answered at once, not at a timeout
    assert_still_serving(srv)


def test_a_chunked_body_is_cut_off_at_the_limit(srv: SandboxServer) -> None:
    """No Content-Length: the body is read incrementally and refused once past the limit
    (1 MiB on the control plane); the 413 arrives long before the 100 MB the client would send
    (what was sent by then is the limit plus what socket buffers hold)."""
    head = _head("POST", "/__sandbox__/latency", {"Transfer-Encoding": "chunked"})
    chunk = b" " * 65536
    frame = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    sent = 0
    with _connect(srv) as sock:
        sock.sendall(head)
        try:
            while sent < 100 * 1024 * 1024:
                if select.select([sock], [], [], 0)[0]:
                    break  # the answer is in
                sock.sendall(frame)
                sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        answer = _read_answer(sock)
    assert_snap_error(answer, 413, "E1003")
    assert SMALL_BODY_MAX < sent < 32 * 1024 * 1024
    assert_still_serving(srv)


def test_a_media_upload_over_snaps_32_mb_is_refused(srv: SandboxServer) -> None:
    head = _head(
        "POST",
        "/v1/media/some-media/upload",
        {
            **AUTH,
            "Content-Type": "multipart/form-data; boundary=x",
            "Content-Length": str(UPLOAD_BODY_MAX + 1),
        },
    )
    with _connect(srv) as sock:
        sock.sendall(head + b"--x\r\n")
        answer = _read_answer(sock)
    body = assert_snap_error(answer, 413, "E1003")
    assert str(UPLOAD_BODY_MAX) in body["debug_message"]
    assert_still_serving(srv)


def test_multipart_nested_thousands_deep_gets_a_400(srv: SandboxServer) -> None:
    """The email parser behind form uploads recursed per nested part (a 500 before)."""
    body = b"".join(
        f"--b{i}\r\nContent-Type: multipart/mixed; boundary=b{i + 1}\r\n\r\n".encode()
        for i in range(3000)
    )
    answer = send(
        srv,
        "POST",
        "/v1/media/some-media/upload",
        body,
        Content_Type="multipart/form-data; boundary=b0",
    )
    assert_snap_error(answer, 400, "E1002")
    assert_still_serving(srv)


def test_a_body_under_the_limit_still_works(srv: SandboxServer) -> None:
    payload = json.dumps({"ms": 0, "padding": "x" * (SMALL_BODY_MAX // 2)}).encode()
    answer = send(srv, "POST", "/__sandbox__/latency", payload)
    assert answer.status == 200, answer.body[:300]
    assert answer.json() == {"ms": 0}


# ------------------------------------------------------------------------------ slow bodies


def test_a_body_that_stops_arriving_gets_408_and_the_connection_is_closed(
    srv: SandboxServer,
) -> None:
    """Content-Length 10 KB, 1 KB sent, then silence: answered 408 after the body timeout
    instead of holding the connection forever."""
    head = _head(
        "POST",
        f"/v1/adaccounts/{_account_id(srv)}/campaigns",
        {**AUTH, "Content-Type": "application/json", "Content-Length": "10240"},
    )
    started = time.monotonic()
    with _connect(srv) as sock:
        sock.sendall(head + b'{"campaigns": [' + b" " * 1000)
        answer = _read_answer(sock, check_closed=True)
    assert_snap_error(answer, 408, "E1004")
    assert answer.closed
    assert IDLE_TIMEOUT * 0.9 <= time.monotonic() - started < READ_TIMEOUT
    assert_still_serving(srv)


def test_a_trickled_body_hits_the_total_timeout(srv: SandboxServer) -> None:
    """A byte now and then keeps under the idle timeout but not under the total one."""
    head = _head("POST", "/__sandbox__/latency", {"Content-Length": "10240"})
    started = time.monotonic()
    with _connect(srv) as sock:
        sock.sendall(head)
        answer = None
        for _ in range(int(READ_TIMEOUT / (IDLE_TIMEOUT / 2))):
            try:
                sock.sendall(b" ")
            except (BrokenPipeError, ConnectionResetError):
                break
            sock.settimeout(IDLE_TIMEOUT / 2)
            try:
                peek = sock.recv(1, socket.MSG_PEEK)
            except TimeoutError:
                continue
            if peek:
                break
        sock.settimeout(READ_TIMEOUT)
        answer = _read_answer(sock)
    assert_snap_error(answer, 408, "E1004")
    assert time.monotonic() - started < READ_TIMEOUT
    assert_still_serving(srv)


def test_headers_that_never_complete_get_the_connection_closed(srv: SandboxServer) -> None:
    """Half a request, then silence: uvicorn alone held such a connection forever."""
    started = time.monotonic()
    with _connect(srv) as sock:
        sock.sendall(b"POST /v1/me HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        try:
            assert sock.recv(1024) == b""
        except ConnectionResetError:
            pass
    assert IDLE_TIMEOUT * 0.9 <= time.monotonic() - started < READ_TIMEOUT
    assert_still_serving(srv)


def test_a_kept_alive_connection_serves_several_requests(srv: SandboxServer) -> None:
    """The header timer is re-armed after each answer and stops once headers are in."""
    with _connect(srv) as sock:
        for _ in range(3):
            head = _head("GET", "/v1/me", {**AUTH})
            sock.sendall(head)
            answer = _read_answer(sock)
            assert answer.status == 200
            time.sleep(IDLE_TIMEOUT / 2)


# ------------------------------------------------------------------------------ control plane


@pytest.mark.parametrize(
    ("knob", "body", "field", "allowed"),
    [
        ("latency", {"ms": 1e308}, "ms", f"from 0 to {MAX_LATENCY_MS}"),
        ("latency", {"ms": -1}, "ms", f"from 0 to {MAX_LATENCY_MS}"),
        ("latency", {"ms": "10"}, "ms", "a number"),
        ("latency", {"ms": True}, "ms", "a number"),
        ("rate_limit", {"per_second": 0}, "per_second", "over 0 up to 1000000 or null"),
        ("rate_limit", {"per_second": 1e300}, "per_second", "over 0 up to 1000000"),
        ("rate_limit", {"burst": 0}, "burst", "from 1 to 1000000"),
        ("rate_limit", {"burst": 1e308}, "burst", "from 1 to 1000000"),
        ("faults", {"path": 5}, "path", "a string"),
        ("faults", {"latency_ms": 10**12}, "latency_ms", f"from 0 to {MAX_LATENCY_MS}"),
        ("faults", {"status": 99}, "status", "from 100 to 599"),
        ("faults", {"times": 0}, "times", "from 1 to"),
        ("faults", {"fraction": 1.5}, "fraction", "from 0 to 1"),
        ("faults", {"drop": "yes"}, "drop", "true or false"),
        ("segment_processing", {"seconds": 1e308}, "seconds", "from 0 to 86400"),
        ("tokens", {"token": "t", "expires_in": 1e308}, "expires_in", "from 0 to"),
        ("tokens", {"token": "t", "expires_at": -5}, "expires_at", "from 0 to"),
        ("tokens", {"token": ""}, "token", "1 to 4096 characters"),
        ("permissions", {"ad_account_id": "a", "deny": "no"}, "deny", "true or false"),
        ("reset", {"seed": 1.5}, "seed", "an integer"),
        ("reset", {"scale": "huge"}, "scale", "'demo', 'large'"),
        ("seed", {"seed": 10**30}, "seed", "an integer"),
        ("stats_clock", {"now": "0001-01-01T00:00:00Z"}, "now", "from 2000-01-01"),
        ("stats_clock", {"now": "9999-12-31T23:59:59+14:00"}, "now", "up to 2100-01-01"),
        ("stats_clock", {"now": 12}, "now", "ISO-8601"),
        (
            "stats_effects",
            {"ad_squad_id": "x", "swipe_rate_multiplier": 1e308},
            "swipe_rate_multiplier",
            "from 0 to 1000",
        ),
    ],
)
def test_control_plane_values_are_validated(
    srv: SandboxServer, knob: str, body: dict[str, Any], field: str, allowed: str
) -> None:
    before = httpx.get(srv.base_url + "/__sandbox__/faults", timeout=READ_TIMEOUT).json()
    answer = send(srv, "POST", f"/__sandbox__/{knob}", json.dumps(body).encode())
    error = assert_snap_error(answer, 400, "E1002")
    assert f"'{field}'" in error["debug_message"]
    assert allowed in error["debug_message"]
    assert srv.state.latency_ms == 0
    after = httpx.get(srv.base_url + "/__sandbox__/faults", timeout=READ_TIMEOUT).json()
    assert after == before  # a refused value changed nothing
    assert_still_serving(srv)


def test_oauth_knobs_are_validated(srv: SandboxServer) -> None:
    response = httpx.post(
        srv.base_url + "/__sandbox__/oauth", json={"expires_in": 10**30}, timeout=READ_TIMEOUT
    )
    assert response.status_code == 400
    assert "'expires_in'" in response.json()["error_description"]


def test_reset_wakes_requests_stuck_in_latency_and_restores_a_working_server(
    srv: SandboxServer,
) -> None:
    """The worst a knob can now do is the maximum latency (plus a fault on everything); a reset
    releases the requests already waiting and the next ones are served at once."""
    control = srv.base_url + "/__sandbox__"
    assert httpx.post(control + "/latency", json={"ms": MAX_LATENCY_MS}).status_code == 200
    fault = {"status": 503, "latency_ms": MAX_LATENCY_MS}
    assert httpx.post(control + "/faults", json=fault).status_code == 200
    statuses: list[int] = []

    def waiting_request() -> None:
        statuses.append(httpx.get(srv.api_base + "/me", headers=AUTH, timeout=60).status_code)

    threads = [threading.Thread(target=waiting_request) for _ in range(3)]
    for thread in threads:
        thread.start()
    time.sleep(0.5)  # the requests are now asleep in the latency knob
    assert statuses == []
    started = time.monotonic()
    assert httpx.post(control + "/reset", json={}, timeout=READ_TIMEOUT).status_code == 200
    for thread in threads:
        thread.join(timeout=READ_TIMEOUT)
    assert time.monotonic() - started < 5.0
    assert len(statuses) == 3  # released (what they answer depends on where they slept)
    started = time.monotonic()
    assert_still_serving(srv)
    assert time.monotonic() - started < 5.0


def test_lowering_latency_shortens_waits_in_progress(srv: SandboxServer) -> None:
    control = srv.base_url + "/__sandbox__"
    assert httpx.post(control + "/latency", json={"ms": MAX_LATENCY_MS}).status_code == 200
    statuses: list[int] = []
    thread = threading.Thread(
        target=lambda: statuses.append(
            httpx.get(srv.api_base + "/me", headers=AUTH, timeout=60).status_code
        )
    )
    thread.start()
    time.sleep(0.5)
    assert httpx.post(control + "/latency", json={"ms": 0}).status_code == 200
    thread.join(timeout=READ_TIMEOUT)
    assert statuses == [200]
