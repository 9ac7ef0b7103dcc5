"""`CapiClient` against the sandbox: the token in the query only, errors, retries, parsing."""

from __future__ import annotations

import logging
import time
from typing import Any

import httpx
import pytest

from snapdesk.api import AuthError, ConnectionFailed, PermissionError, RetryPolicy, ServerError
from snapdesk.api.capi import CapiClient, CapiResponse, redact_token
from snapdesk.sandbox import SANDBOX_TOKEN, SandboxState
from snapdesk.sandbox.capi import DEMO_PIXEL_ID, SANDBOX_CAPI_TOKEN
from snapdesk.sandbox.faults import FaultRule
from tests.conversions.conftest import CAPI_BASE, no_sleep

SHA = "cc779c04191c2e736d89e45c11339c8382832bcaf70383f7df94e3d08ba7a6d9"


def event(event_id: str = "e-1", **changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "event_name": "PAGE_VIEW",
        "event_time": int(time.time() * 1000),
        "action_source": "WEB",
        "event_source_url": "https://example.com/",
        "event_id": event_id,
        "user_data": {"em": [SHA]},
    }
    base.update(changes)
    return base


def client(
    transport: httpx.AsyncBaseTransport, token: Any = SANDBOX_CAPI_TOKEN, attempts: int = 4
) -> CapiClient:
    return CapiClient(
        token=token, base_url=CAPI_BASE, transport=transport, sleep=no_sleep,
        retry=RetryPolicy(max_attempts=attempts),
    )  # fmt: skip


async def test_send_valid(capi: CapiClient, state: SandboxState) -> None:
    answer = await capi.send_events(DEMO_PIXEL_ID, [event()])
    assert answer.valid and answer.http_status == 200 and answer.attempts == 1
    assert answer.reason == "Events have been processed successfully."
    [entry] = state.recorded()
    assert entry["method"] == "POST" and entry["path"] == f"/v3/{DEMO_PIXEL_ID}/events"
    assert entry["json"] == {
        "data": [event() | {"event_time": entry["json"]["data"][0]["event_time"]}]
    }
    assert "authorization" not in entry["headers"]  # the token travels in access_token only


async def test_invalid_answer_is_returned_with_zero_based_index(capi: CapiClient) -> None:
    answer = await capi.send_events(DEMO_PIXEL_ID, [event(), event("e-2", event_name="NOPE")])
    assert not answer.valid and answer.http_status == 400
    assert answer.index == 1
    assert answer.codes == ("902",)
    assert answer.messages == ("Unrecognized event type: NOPE.",)


def test_parse_without_event_number() -> None:
    parsed = CapiResponse.parse({"status": "INVALID", "reason": "x"}, http_status=400, attempts=1)
    assert parsed.index is None and parsed.codes == ()


async def test_validate_logs_stats(capi: CapiClient) -> None:
    validation = await capi.validate_events(DEMO_PIXEL_ID, [event(), event("e-2", event_name="X")])
    assert not validation.valid and validation.test_event
    assert [(x.index, x.valid) for x in validation.logs] == [(0, True), (1, False)]
    assert validation.log_for(1) is not None and validation.log_for(1).codes == ("902",)  # type: ignore[union-attr]
    logs = await capi.validate_logs(DEMO_PIXEL_ID)
    assert [x.status for x in logs.logs] == ["INVALID", "VALID"]
    stats = await capi.validate_stats(DEMO_PIXEL_ID)
    assert stats.test.event_count_past_hour == 2 and stats.live.event_count_past_hour == 0


async def test_bad_token_is_an_auth_error_without_the_token(transport: httpx.ASGITransport) -> None:
    async with client(transport, token="s3cr3t-token-value") as capi:
        with pytest.raises(AuthError) as info:
            await capi.send_events(DEMO_PIXEL_ID, [event()])
    assert "s3cr3t" not in str(info.value) and "s3cr3t" not in repr(info.value)
    assert "Conversions API token" in info.value.message


async def test_unowned_asset_is_a_permission_error(capi: CapiClient) -> None:
    with pytest.raises(PermissionError) as info:
        await capi.send_events("11111111-2222-4333-8444-555555555555", [event()])
    assert "Unauthorized resources" in info.value.message
    assert SANDBOX_CAPI_TOKEN not in info.value.message


async def test_server_errors_are_retried_with_the_same_body(
    capi: CapiClient, state: SandboxState
) -> None:
    state.faults.add(FaultRule(path="/v3/*/events", status=503, times=2))
    answer = await capi.send_events(DEMO_PIXEL_ID, [event()])
    assert answer.valid and answer.attempts == 3
    bodies = [r["json"] for r in state.recorded()]
    assert len(bodies) == 3 and bodies[0] == bodies[1] == bodies[2]


async def test_gives_up_after_max_attempts(
    transport: httpx.ASGITransport, state: SandboxState
) -> None:
    state.faults.add(FaultRule(path="/v3/*/events", status=500))
    async with client(transport, attempts=2) as capi:
        with pytest.raises(ServerError):
            await capi.send_events(DEMO_PIXEL_ID, [event()])
    assert len(state.recorded()) == 2


async def test_dropped_connection_retried(capi: CapiClient, state: SandboxState) -> None:
    state.faults.add(FaultRule(path="/v3/*/events", drop=True, times=1))
    assert (await capi.send_events(DEMO_PIXEL_ID, [event()])).valid
    assert [r["dropped"] for r in state.recorded()] == [True, False]


async def test_unreachable_host() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    async with client(httpx.MockTransport(refuse), token="tok-123", attempts=2) as capi:
        with pytest.raises(ConnectionFailed) as info:
            await capi.validate_stats(DEMO_PIXEL_ID)
    assert "tok-123" not in info.value.message and "sandbox.test" in info.value.message


class RefreshingProvider:
    def __init__(self) -> None:
        self.current = "expired-token"
        self.refreshes = 0

    async def token(self) -> str:
        return self.current

    async def refresh_after_unauthorized(self) -> bool:
        self.refreshes += 1
        self.current = SANDBOX_TOKEN
        return True


async def test_oauth_provider_refreshed_after_401(transport: httpx.ASGITransport) -> None:
    provider = RefreshingProvider()
    async with client(transport, token=provider) as capi:
        answer = await capi.send_events("11111111-2222-4333-8444-555555555555", [event()])
    assert answer.valid and provider.refreshes == 1


async def test_token_never_logged(capi: CapiClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    await capi.send_events(DEMO_PIXEL_ID, [event()])
    await capi.validate_stats(DEMO_PIXEL_ID)
    assert "HTTP Request" in caplog.text  # httpx did log the requests…
    assert "access_token=<redacted>" in caplog.text
    assert SANDBOX_CAPI_TOKEN not in caplog.text  # …without the token
    assert SANDBOX_CAPI_TOKEN not in repr(capi)


def test_redact_token() -> None:
    assert redact_token("POST https://x/v3/p/events?access_token=abc.def&x=1") == (
        "POST https://x/v3/p/events?access_token=<redacted>&x=1"
    )


def test_default_base_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SNAPDESK_CAPI_BASE", "http://127.0.0.1:9/v3/")
    assert CapiClient(token="t").base_url == "http://127.0.0.1:9/v3"
    monkeypatch.delenv("SNAPDESK_CAPI_BASE")
    capi = CapiClient(token="t")
    assert capi.base_url == "https://tr.snapchat.com/v3"
    assert capi.path("px") == "/v3/px/events"
