"""Retry policy: backoff, server hints, what is and isn't retried, 401 refresh, idempotency."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from snapdesk.api import (
    AuthError,
    BadRequest,
    ConnectionFailed,
    NotFound,
    PermissionError,
    RateLimited,
    RetryPolicy,
    ServerError,
    SnapApi,
    Timeout,
)
from tests.api.conftest import NoJitter, Recorder, envelope

CAMPAIGN = {"id": "c1", "name": "Spring", "status": "ACTIVE"}
OK = envelope("campaigns", "campaign", [CAMPAIGN])


def error_body(code: str, message: str) -> dict[str, str]:
    return {
        "request_status": "ERROR",
        "request_id": "r-err",
        "debug_message": message,
        "display_message": "We're sorry",
        "error_code": code,
    }


def sequence(*responses: httpx.Response | Exception) -> Callable[[httpx.Request], httpx.Response]:
    """A handler answering with the given responses in order (exceptions are raised)."""
    queue = list(responses)

    def handler(request: httpx.Request) -> httpx.Response:
        item = queue.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    return handler


def test_backoff_sequence_with_jitter_stubbed() -> None:
    policy = NoJitter(max_attempts=8, base=0.5, cap=8.0)
    assert [policy.delay_for(n) for n in range(1, 8)] == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]


def test_jitter_is_its_own_method_and_stays_within_bounds() -> None:
    policy = RetryPolicy()
    for _ in range(200):
        assert 1.0 <= policy.jitter(2.0) <= 2.0
    stubbed = RetryPolicy()
    stubbed.jitter = lambda delay: 0.125  # type: ignore[method-assign]
    assert stubbed.delay_for(3) == 0.125


def test_reset_header_is_epoch_milliseconds_and_capped() -> None:
    policy = NoJitter()
    now = 1_753_790_000.0
    assert policy.delay_for(1, rate_limit_reset=1_753_790_015_000, now=now) == 15.0
    # Treated as seconds (Singer's bug) this would be ~1.7e12 s; it's ms, and capped anyway.
    assert policy.delay_for(1, rate_limit_reset=1_753_799_999_000, now=now) == 60.0
    # A reset already in the past falls back to plain backoff.
    assert policy.delay_for(2, rate_limit_reset=1_753_789_000_000, now=now) == 1.0


def test_retry_after_is_honoured_and_capped() -> None:
    policy = NoJitter()
    assert policy.delay_for(1, retry_after=7) == 7.0
    assert policy.delay_for(1, retry_after=3600) == 60.0
    assert policy.delay_for(4, retry_after=0.1) == 4.0  # never shorter than the backoff


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
async def test_retryable_status_then_success(
    status: int, make_api: Callable[..., SnapApi], recorder: Recorder
) -> None:
    api = make_api(
        sequence(httpx.Response(status), httpx.Response(status), httpx.Response(200, json=OK))
    )
    campaign = await api.campaigns.get("c1")
    assert campaign.id == "c1"
    assert len(recorder.requests) == 3
    assert recorder.sleeps == [0.5, 1.0]
    assert api.stats.retries == 2
    assert api.stats.requests == 3
    assert api.stats.rate_limited == (2 if status == 429 else 0)
    assert api.stats.waiting_seconds == pytest.approx(1.5)


async def test_retry_after_header_used_by_client(
    make_api: Callable[..., SnapApi], recorder: Recorder
) -> None:
    api = make_api(
        sequence(
            httpx.Response(429, headers={"Retry-After": "7"}, json=error_body("E1007", "slow")),
            httpx.Response(200, json=OK),
        )
    )
    await api.campaigns.get("c1")
    assert recorder.sleeps == [7.0]


async def test_rate_limit_reset_ms_used_by_client(
    make_api: Callable[..., SnapApi], recorder: Recorder
) -> None:
    now = 1_753_790_000.0
    api = make_api(
        sequence(
            httpx.Response(
                429,
                headers={
                    "X-Rate-Limit-Limit": "83",
                    "X-Rate-Limit-Remaining": "0",
                    "X-Rate-Limit-Reset": "1753790003000",
                },
            ),
            httpx.Response(
                429,
                headers={"X-Rate-Limit-Limit": "83", "X-Rate-Limit-Reset": "9999999999999"},
            ),
            httpx.Response(200, json=OK),
        ),
        retry=NoJitter(clock=lambda: now),
    )
    await api.campaigns.get("c1")
    assert recorder.sleeps == [3.0, 60.0]  # ms → s, and a far-away reset is capped
    assert api.stats.limit == 83
    assert api.stats.reset_at == pytest.approx(9_999_999_999.999)


@pytest.mark.parametrize(
    ("status", "exc_type"), [(429, RateLimited), (500, ServerError), (503, ServerError)]
)
async def test_gives_up_after_max_attempts(
    status: int,
    exc_type: type[Exception],
    make_api: Callable[..., SnapApi],
    recorder: Recorder,
) -> None:
    api = make_api(lambda request: httpx.Response(status), retry=NoJitter(max_attempts=4))
    with pytest.raises(exc_type) as info:
        await api.campaigns.get("c1")
    assert len(recorder.requests) == 4
    assert recorder.sleeps == [0.5, 1.0, 2.0]
    assert getattr(info.value, "status", None) == status


async def test_rate_limited_message_and_retry_after(make_api: Callable[..., SnapApi]) -> None:
    api = make_api(
        lambda request: httpx.Response(429, headers={"Retry-After": "2"}),
        retry=NoJitter(max_attempts=1),
    )
    with pytest.raises(RateLimited) as info:
        await api.campaigns.get("c1")
    assert info.value.retry_after == 2.0
    assert info.value.message == "Snap is rate-limiting requests; snapdesk will slow down"


@pytest.mark.parametrize(
    "exc",
    [
        httpx.ConnectError("connection refused"),
        httpx.ReadError("connection reset by peer"),
        httpx.RemoteProtocolError("peer closed connection without sending complete message body"),
    ],
)
async def test_connection_errors_are_retried(
    exc: Exception, make_api: Callable[..., SnapApi], recorder: Recorder
) -> None:
    api = make_api(sequence(exc, httpx.Response(200, json=OK)))
    assert (await api.campaigns.get("c1")).id == "c1"
    assert len(recorder.requests) == 2
    assert recorder.sleeps == [0.5]


async def test_connection_error_gives_up_with_connection_failed(
    make_api: Callable[..., SnapApi], recorder: Recorder
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("name resolution failed")

    api = make_api(handler, retry=NoJitter(max_attempts=3))
    with pytest.raises(ConnectionFailed) as info:
        await api.campaigns.get("c1")
    assert len(recorder.requests) == 3
    assert "check your internet connection" in info.value.message


async def test_timeout_gives_up_with_timeout(make_api: Callable[..., SnapApi]) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out")

    api = make_api(handler, retry=NoJitter(max_attempts=2))
    with pytest.raises(Timeout):
        await api.campaigns.get("c1")


async def test_same_idempotency_key_on_every_attempt_of_a_write(
    make_api: Callable[..., SnapApi], recorder: Recorder
) -> None:
    api = make_api(
        sequence(
            httpx.Response(503),
            httpx.RemoteProtocolError("peer closed connection"),
            httpx.Response(500),
            httpx.Response(200, json=OK),
        )
    )
    body = {"campaigns": [{"name": "Spring", "status": "PAUSED"}]}
    result = await api.send(
        "POST", "/adaccounts/a1/campaigns", json=body, idempotency_key="key-123"
    )
    assert result["campaigns"][0]["campaign"]["id"] == "c1"
    assert len(recorder.requests) == 4
    assert {r.headers["Idempotency-Key"] for r in recorder.requests} == {"key-123"}
    assert all(json.loads(r.content) == body for r in recorder.requests)


async def test_gets_carry_no_idempotency_key(
    make_api: Callable[..., SnapApi], recorder: Recorder
) -> None:
    api = make_api(lambda request: httpx.Response(200, json=OK))
    await api.campaigns.get("c1")
    assert "Idempotency-Key" not in recorder.requests[0].headers


async def test_send_requires_a_key_and_a_write_method(make_api: Callable[..., SnapApi]) -> None:
    api = make_api(lambda request: httpx.Response(200, json=OK))
    with pytest.raises(ValueError):
        await api.send("POST", "/adaccounts/a1/campaigns", json={}, idempotency_key="")
    with pytest.raises(ValueError):
        await api.send("GET", "/campaigns/c1", idempotency_key="k")


@pytest.mark.parametrize(
    ("status", "body", "exc_type"),
    [
        (400, error_body("E1001", "Invalid limit"), BadRequest),
        (403, error_body("E3002", "Caller does not have permission"), PermissionError),
        (404, error_body("E3003", "Resource can not be found"), NotFound),
    ],
)
async def test_client_errors_are_not_retried(
    status: int,
    body: dict[str, str],
    exc_type: type[Exception],
    make_api: Callable[..., SnapApi],
    recorder: Recorder,
) -> None:
    api = make_api(lambda request: httpx.Response(status, json=body))
    with pytest.raises(exc_type):
        await api.campaigns.get("c1")
    assert len(recorder.requests) == 1
    assert recorder.sleeps == []


class RefreshingProvider:
    def __init__(self, *, can_refresh: bool = True) -> None:
        self.current = "old-token"
        self.refreshes = 0
        self.can_refresh = can_refresh

    async def token(self) -> str:
        return self.current

    async def refresh_after_unauthorized(self) -> bool:
        self.refreshes += 1
        if not self.can_refresh:
            return False
        self.current = "new-token"
        return True


async def test_401_triggers_exactly_one_refresh_and_retry(
    make_api: Callable[..., SnapApi], recorder: Recorder
) -> None:
    provider = RefreshingProvider()

    def handler(request: httpx.Request) -> httpx.Response:
        if request.headers["Authorization"] == "Bearer new-token":
            return httpx.Response(200, json=OK)
        return httpx.Response(401, text="unauthorized")

    api = make_api(handler, token_provider=provider)
    assert (await api.campaigns.get("c1")).id == "c1"
    assert provider.refreshes == 1
    assert [r.headers["Authorization"] for r in recorder.requests] == [
        "Bearer old-token",
        "Bearer new-token",
    ]
    assert recorder.sleeps == []


async def test_401_after_refresh_is_an_auth_error_without_a_second_refresh(
    make_api: Callable[..., SnapApi], recorder: Recorder
) -> None:
    provider = RefreshingProvider()
    api = make_api(
        lambda request: httpx.Response(401, text="unauthorized"), token_provider=provider
    )
    with pytest.raises(AuthError) as info:
        await api.campaigns.get("c1")
    assert provider.refreshes == 1
    assert len(recorder.requests) == 2
    assert info.value.message == "Snap rejected the access token — sign in again"


async def test_401_with_a_static_token_is_not_retried(
    make_api: Callable[..., SnapApi], recorder: Recorder
) -> None:
    provider = RefreshingProvider(can_refresh=False)
    api = make_api(
        lambda request: httpx.Response(401, text="unauthorized"), token_provider=provider
    )
    with pytest.raises(AuthError):
        await api.campaigns.get("c1")
    assert provider.refreshes == 1
    assert len(recorder.requests) == 1


async def test_retried_multipart_upload_resends_the_whole_file(
    make_api: Callable[..., SnapApi], recorder: Recorder
) -> None:
    import io

    result = {
        "request_status": "SUCCESS",
        "request_id": "r",
        "result": {"id": "m1", "media_status": "READY"},
    }
    api = make_api(sequence(httpx.Response(503), httpx.Response(200, json=result)))
    fileobj = io.BytesIO(b"PNGDATA" * 10)
    await api.send(
        "POST",
        "/media/m1/upload",
        files={"file": ("a.png", fileobj, "image/png")},
        idempotency_key="up-1",
    )
    assert len(recorder.requests) == 2
    for request in recorder.requests:
        assert b"PNGDATA" * 10 in request.read()
