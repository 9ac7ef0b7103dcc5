"""The token endpoint client: exact form bodies, retries, and what 400/401 mean."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qs

import httpx
import pytest

from snapdesk.api import AuthError, ConnectionFailed, RateLimited, ServerError
from snapdesk.auth import CodeExchangeFailed, OAuthApp, SignInRequired, TokenEndpoint

APP = OAuthApp(
    client_id="cid",
    client_secret="csecret",
    redirect_uri="https://127.0.0.1:8443/callback",
    oauth_base="https://accounts.example.test",
)

Handler = Callable[[httpx.Request], httpx.Response]


class Recorder:
    def __init__(self, *responses: httpx.Response | Exception) -> None:
        self.responses = list(responses)
        self.requests: list[httpx.Request] = []
        self.sleeps: list[float] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.responses.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    def form(self, index: int = -1) -> dict[str, str]:
        parsed = parse_qs(self.requests[index].content.decode())
        return {k: v[0] for k, v in parsed.items()}


class NoJitter(TokenEndpoint):
    def jitter(self, delay: float) -> float:
        return delay


def endpoint(recorder: Recorder) -> TokenEndpoint:
    return NoJitter(
        APP,
        transport=httpx.MockTransport(recorder.handler),
        sleep=recorder.sleep,
        clock=lambda: 1000.0,
    )


def ok(**extra: object) -> httpx.Response:
    body = {
        "access_token": "AT",
        "token_type": "Bearer",
        "expires_in": 3600,
        "refresh_token": "RT",
        "scope": "snapchat-marketing-api",
        "id_token": "",
        **extra,
    }
    return httpx.Response(200, json=body)


async def test_code_exchange_sends_snaps_form() -> None:
    rec = Recorder(ok())
    tokens = await endpoint(rec).exchange_code("the-code", code_verifier="verifier-123")
    request = rec.requests[0]
    assert request.method == "POST"
    assert str(request.url) == "https://accounts.example.test/login/oauth2/access_token"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert "authorization" not in request.headers
    assert rec.form() == {
        "grant_type": "authorization_code",
        "code": "the-code",
        "client_id": "cid",
        "client_secret": "csecret",
        "redirect_uri": "https://127.0.0.1:8443/callback",
        "code_verifier": "verifier-123",
    }
    assert (tokens.access_token, tokens.refresh_token, tokens.expires_at) == ("AT", "RT", 4600.0)


async def test_refresh_sends_no_redirect_uri_and_keeps_old_refresh_token() -> None:
    rec = Recorder(ok(refresh_token=None))
    tokens = await endpoint(rec).refresh("old-rt", profile="default")
    assert rec.form() == {
        "grant_type": "refresh_token",
        "refresh_token": "old-rt",
        "client_id": "cid",
        "client_secret": "csecret",
    }
    assert tokens.refresh_token == "old-rt"


@pytest.mark.parametrize("status", [400, 401])
async def test_refresh_refused_means_sign_in_again(status: int) -> None:
    rec = Recorder(
        httpx.Response(
            status, json={"error": "invalid_grant", "error_description": "bad token old-rt"}
        )
    )
    with pytest.raises(SignInRequired) as info:
        await endpoint(rec).refresh("old-rt", profile="Agency")
    error = info.value
    assert isinstance(error, AuthError)
    assert error.message == (
        "Your Snap sign-in for Agency has expired or was revoked — sign in again"
    )
    assert error.error_code == "invalid_grant"
    assert "old-rt" not in (error.debug_message or "")
    assert rec.sleeps == []


async def test_429_and_5xx_are_retried_with_backoff() -> None:
    rec = Recorder(
        httpx.Response(429, headers={"Retry-After": "3"}),
        httpx.Response(503),
        httpx.ConnectError("boom"),
        ok(),
    )
    tokens = await endpoint(rec).refresh("rt", profile="default")
    assert tokens.access_token == "AT"
    assert rec.sleeps == [3.0, 2.0, 4.0]


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (httpx.Response(500), ServerError),
        (httpx.Response(429), RateLimited),
        (httpx.ConnectError("down"), ConnectionFailed),
    ],
)
async def test_gives_up_after_max_attempts(
    answer: httpx.Response | Exception, error: type[Exception]
) -> None:
    rec = Recorder(*([answer] * 4))
    with pytest.raises(error):
        await endpoint(rec).refresh("rt", profile="default")
    assert len(rec.requests) == 4 and len(rec.sleeps) == 3


async def test_reused_code_is_a_clear_exchange_error() -> None:
    rec = Recorder(
        httpx.Response(
            400,
            json={
                "error": "invalid_grant",
                "error_description": "Authorization code has already been used",
            },
        )
    )
    with pytest.raises(CodeExchangeFailed) as info:
        await endpoint(rec).exchange_code("c")
    assert "start the sign-in again" in info.value.message


async def test_bad_client_secret_points_at_settings() -> None:
    rec = Recorder(httpx.Response(401, json={"error": "invalid_client"}))
    with pytest.raises(CodeExchangeFailed) as info:
        await endpoint(rec).exchange_code("c")
    assert "client ID or secret" in info.value.message
