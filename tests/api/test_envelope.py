"""Snap's envelope: unwrapped in one place, errors raised whatever the HTTP status."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from snapdesk.api import (
    ApiError,
    AuthError,
    BadRequest,
    NotFound,
    PermissionError,
    RateLimited,
    SnapApi,
    StatsQueryError,
    error_from_response,
    unwrap_items,
    unwrap_result,
)
from tests.api.conftest import TOKEN, Recorder, envelope


def respond(status: int = 200, **kwargs: Any) -> Callable[[httpx.Request], httpx.Response]:
    return lambda request: httpx.Response(status, **kwargs)


async def test_http_200_with_request_status_error_raises(make_api: Callable[..., SnapApi]) -> None:
    body = {
        "request_status": "ERROR",
        "request_id": "98e2a602",
        "debug_message": "Caller does not have permission",
        "display_message": "We're sorry, but the requested resource is not available at this time",
        "error_code": "E3002",
    }
    api = make_api(respond(200, json=body))
    with pytest.raises(PermissionError) as info:
        await api.campaigns.get("c1")
    err = info.value
    assert err.status == 200
    assert err.error_code == "E3002"
    assert err.request_id == "98e2a602"
    assert err.method == "GET"
    assert err.path == "/v1/campaigns/c1"
    assert err.debug_message == "Caller does not have permission"
    assert (
        str(err)
        == err.message
        == ("You don't have permission for this ad account (E3002) — ask an admin for a role")
    )


async def test_per_item_error_reason_maps_to_not_found(
    make_api: Callable[..., SnapApi],
) -> None:
    body = {
        "request_status": "ERROR",
        "request_id": "r2",
        "campaigns": [
            {
                "sub_request_status": "ERROR",
                "sub_request_error_reason": "Error code: E3004, message: Entity does not exist "
                "or you do not have permission to access it",
            }
        ],
    }
    api = make_api(respond(200, json=body))
    with pytest.raises(NotFound) as info:
        await api.send("DELETE", "/campaigns/c1", idempotency_key="k1")
    assert info.value.error_code == "E3004"
    assert info.value.debug_message == (
        "Entity does not exist or you do not have permission to access it"
    )


async def test_one_failed_item_in_a_successful_batch_raises(
    make_api: Callable[..., SnapApi],
) -> None:
    body = {
        "request_status": "PARTIAL",
        "request_id": "r3",
        "adsquads": [
            {"sub_request_status": "SUCCESS", "adsquad": {"id": "s1"}},
            {
                "sub_request_status": "error",
                "sub_request_error_reason": "Error code: E2025, message: bid_micro is too low",
            },
        ],
    }
    api = make_api(respond(200, json=body))
    with pytest.raises(BadRequest) as info:
        await api.send("PUT", "/campaigns/c1/adsquads", json={"adsquads": []}, idempotency_key="k")
    assert info.value.error_code == "E2025"
    assert "bid_micro is too low" in info.value.message


async def test_lowercase_success_is_accepted(make_api: Callable[..., SnapApi]) -> None:
    obj = {"id": "6128654966493356", "name": "L"}
    body = {
        "request_status": "success",
        "request_id": "r4",
        "segments": [{"sub_request_status": "success", "segment": obj}],
    }
    api = make_api(respond(200, json=body))
    segment = await api.segments.get("6128654966493356")
    assert segment.id == "6128654966493356"
    assert segment.raw == obj


async def test_plain_text_401(make_api: Callable[..., SnapApi]) -> None:
    api = make_api(respond(401, text="unauthorized", headers={"Content-Type": "text/plain"}))
    with pytest.raises(AuthError) as info:
        await api.me.get()
    assert info.value.status == 401
    assert info.value.message == "Snap rejected the access token — sign in again"
    assert info.value.debug_message == "unauthorized"


async def test_json_401_also_maps_to_auth_error(make_api: Callable[..., SnapApi]) -> None:
    body = {"request_status": "ERROR", "request_id": "r", "msg": "Unauthorized"}
    api = make_api(respond(401, json=body))
    with pytest.raises(AuthError):
        await api.me.get()


async def test_me_is_unwrapped(make_api: Callable[..., SnapApi], recorder: Recorder) -> None:
    body = {
        "me": {
            "id": "u1",
            "email": "ana@example.com",
            "organization_id": "o1",
            "display_name": "Ana",
        },
        "request_status": "SUCCESS",
        "request_id": "r5",
    }
    api = make_api(respond(200, json=body))
    me = await api.me.get()
    assert (me.id, me.email, me.organization_id, me.display_name) == (
        "u1",
        "ana@example.com",
        "o1",
        "Ana",
    )
    assert me.raw is body["me"] or me.raw == body["me"]
    assert recorder.requests[0].url.path == "/v1/me"


async def test_media_item_key_is_media(make_api: Callable[..., SnapApi]) -> None:
    obj = {"id": "m1", "name": "vinyl.png", "type": "IMAGE", "media_status": "READY", "x": 1}
    api = make_api(respond(200, json=envelope("media", "media", [obj])))
    media = await api.media.get("m1")
    assert (media.id, media.type, media.media_status) == ("m1", "IMAGE", "READY")
    assert media.raw == obj
    assert media.model_extra == {"x": 1}


async def test_delete_returns_empty_plural_array(make_api: Callable[..., SnapApi]) -> None:
    body = {"request_status": "SUCCESS", "request_id": "r6", "campaigns": []}
    api = make_api(respond(200, json=body))
    result = await api.send("DELETE", "/campaigns/c1", idempotency_key="del-1")
    assert result == body
    assert unwrap_items(result, plural_key="campaigns", item_key="campaign") == []


async def test_upload_result_envelope(make_api: Callable[..., SnapApi]) -> None:
    body = {
        "result": {"id": "m1", "media_status": "READY"},
        "request_status": "SUCCESS",
        "request_id": "r7",
    }
    api = make_api(respond(200, json=body))
    result = await api.send(
        "POST",
        "/media/m1/upload",
        files={"file": ("a.png", b"x", "image/png")},
        idempotency_key="u",
    )
    assert unwrap_result(result)["media_status"] == "READY"


async def test_get_with_empty_array_is_not_found(make_api: Callable[..., SnapApi]) -> None:
    api = make_api(respond(200, json={"request_status": "SUCCESS", "campaigns": []}))
    with pytest.raises(NotFound):
        await api.campaigns.get("c1")


async def test_non_json_success_body_is_an_api_error(make_api: Callable[..., SnapApi]) -> None:
    api = make_api(respond(200, text="<html>maintenance</html>"))
    with pytest.raises(ApiError):
        await api.campaigns.get("c1")


async def test_error_messages_never_contain_the_token(make_api: Callable[..., SnapApi]) -> None:
    # A server that echoes the token back in its error text.
    body = {
        "request_status": "ERROR",
        "request_id": "r8",
        "debug_message": f"Bad token Bearer {TOKEN}",
        "error_code": "E1001",
    }
    api = make_api(respond(400, json=body))
    with pytest.raises(BadRequest) as info:
        await api.campaigns.get("c1")
    err = info.value
    for text in (str(err), repr(err), err.message, err.debug_message or "", repr(err.args)):
        assert TOKEN not in text
    assert "<redacted>" in err.message
    assert TOKEN not in repr(api)


async def test_static_token_provider_repr_hides_the_token() -> None:
    from snapdesk.api import StaticTokenProvider

    provider = StaticTokenProvider(TOKEN)
    assert TOKEN not in repr(provider)
    assert await provider.token() == TOKEN
    assert await provider.refresh_after_unauthorized() is False


def test_e1008_keeps_snaps_own_text() -> None:
    body = {
        "request_status": "ERROR",
        "request_id": "r9",
        "debug_message": "Unsupported Stats Query: Timeseries queries with DAY granularity "
        "must have a start time that is the start of day (00:00:00) for the account's timezone.",
        "error_code": "E1008",
    }
    err = error_from_response(status=400, body=body, headers={}, method="GET", path="/v1/x/stats")
    assert isinstance(err, StatsQueryError) and isinstance(err, BadRequest)
    assert err.message.startswith("Unsupported Stats Query: Timeseries queries")


@pytest.mark.parametrize(
    ("status", "body", "exc_type", "fragment"),
    [
        (
            400,
            {"error_code": "E1001", "debug_message": "limit too big"},
            BadRequest,
            "limit too big",
        ),
        (401, "unauthorized", AuthError, "sign in again"),
        (403, {"request_status": "ERROR"}, PermissionError, "ask an admin for a role"),
        (404, None, NotFound, "refresh"),
        (200, {"request_status": "ERROR", "error_code": "E3003"}, NotFound, "E3003"),
        (429, b"", ApiError, "slow down"),
        (500, "<html>", ApiError, "try again in a few minutes"),
        (418, "teapot", BadRequest, "teapot"),
    ],
)
def test_error_mapping(status: int, body: Any, exc_type: type, fragment: str) -> None:
    err = error_from_response(status=status, body=body, headers={}, method="GET", path="/v1/p")
    assert isinstance(err, exc_type)
    assert fragment in err.message
    assert "\n" not in err.message


def test_rate_limited_retry_after_falls_back_to_reset_ms() -> None:
    import time

    reset_ms = str(int((time.time() + 10) * 1000))
    err = error_from_response(
        status=429, body=None, headers={"X-Rate-Limit-Reset": reset_ms}, method="GET", path="/"
    )
    assert isinstance(err, RateLimited)
    assert err.retry_after is not None and 8.0 < err.retry_after <= 10.0
