"""The sandbox's OAuth server on its own (in-process ASGI): strictness like Snap."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from starlette.applications import Starlette

from snapdesk.sandbox.oauth import (
    DEFAULT_REDIRECT_URI,
    OAuthConfig,
    SandboxOAuth,
    oauth_for,
    oauth_routes,
)
from snapdesk.sandbox.state import SandboxState

REDIRECT = DEFAULT_REDIRECT_URI


class Clock:
    now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def state() -> SandboxState:
    return SandboxState()


@pytest.fixture
async def client(state: SandboxState) -> AsyncIterator[httpx.AsyncClient]:
    app = Starlette(routes=oauth_routes(state, OAuthConfig()))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as http:
        yield http


def authorize_params(**extra: str) -> dict[str, str]:
    return {
        "client_id": "sandbox-client",
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "scope": "snapchat-marketing-api snapchat-offline-conversions-api",
        "state": "st-1",
        **extra,
    }


def token_form(**extra: str) -> dict[str, str]:
    return {"client_id": "sandbox-client", "client_secret": "sandbox-secret", **extra}


async def get_code(client: httpx.AsyncClient, **extra: str) -> str:
    answer = await client.get(
        "/login/oauth2/authorize", params=authorize_params(action="approve", **extra)
    )
    assert answer.status_code == 302
    query = parse_qs(urlsplit(answer.headers["location"]).query)
    assert query["state"] == ["st-1"]
    return query["code"][0]


async def test_consent_page_names_the_app(client: httpx.AsyncClient) -> None:
    page = await client.get("/login/oauth2/authorize", params=authorize_params())
    assert page.status_code == 200
    assert "snapdesk (sandbox)" in page.text
    assert 'value="approve"' in page.text and 'value="deny"' in page.text
    assert 'name="state" value="st-1"' in page.text


async def test_deny_redirects_with_access_denied(client: httpx.AsyncClient) -> None:
    answer = await client.get("/login/oauth2/authorize", params=authorize_params(action="deny"))
    location = answer.headers["location"]
    assert location.startswith(REDIRECT + "?")
    query = parse_qs(urlsplit(location).query)
    assert query["error"] == ["access_denied"] and query["state"] == ["st-1"]


async def test_auto_approve_skips_the_page(client: httpx.AsyncClient) -> None:
    await client.post("/__sandbox__/oauth", json={"auto_approve": True})
    answer = await client.get("/login/oauth2/authorize", params=authorize_params())
    assert answer.status_code == 302 and "code=" in answer.headers["location"]


@pytest.mark.parametrize(
    "bad",
    [
        {"client_id": "someone-else"},
        {"redirect_uri": REDIRECT + "/"},
        {"redirect_uri": REDIRECT.replace("127.0.0.1", "localhost")},
    ],
)
async def test_unknown_client_or_redirect_is_not_redirected_to(
    client: httpx.AsyncClient, bad: dict[str, str]
) -> None:
    answer = await client.get("/login/oauth2/authorize", params={**authorize_params(), **bad})
    assert answer.status_code == 400
    assert "location" not in answer.headers


@pytest.mark.parametrize(
    ("bad", "error"),
    [
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"scope": "snapchat-everything"}, "invalid_scope"),
        ({"code_challenge": "abc", "code_challenge_method": "plain"}, "invalid_request"),
    ],
)
async def test_bad_parameters_come_back_as_errors(
    client: httpx.AsyncClient, bad: dict[str, str], error: str
) -> None:
    answer = await client.get(
        "/login/oauth2/authorize", params={**authorize_params(action="approve"), **bad}
    )
    assert parse_qs(urlsplit(answer.headers["location"]).query)["error"] == [error]


async def test_code_exchange_and_single_use(client: httpx.AsyncClient, state: SandboxState) -> None:
    code = await get_code(client)
    form = token_form(grant_type="authorization_code", code=code, redirect_uri=REDIRECT)
    first = await client.post("/login/oauth2/access_token", data=form)
    assert first.status_code == 200
    body = first.json()
    assert set(body) == {
        "access_token",
        "token_type",
        "expires_in",
        "refresh_token",
        "scope",
        "id_token",
    }
    assert body["expires_in"] == 3600 and body["id_token"] == ""
    assert body["scope"] == "snapchat-marketing-api snapchat-offline-conversions-api"
    assert state.token_valid(body["access_token"])
    assert first.headers["cache-control"] == "no-store"
    second = await client.post("/login/oauth2/access_token", data=form)
    assert second.status_code == 400
    assert second.json()["error"] == "invalid_grant"


async def test_codes_expire_after_a_minute(client: httpx.AsyncClient, state: SandboxState) -> None:
    clock = Clock()
    oauth_for(state).clock = clock
    code = await get_code(client)
    clock.now += 61
    answer = await client.post(
        "/login/oauth2/access_token",
        data=token_form(grant_type="authorization_code", code=code, redirect_uri=REDIRECT),
    )
    assert answer.status_code == 400 and "expired" in answer.json()["error_description"]


async def test_redirect_uri_must_match_on_exchange(client: httpx.AsyncClient) -> None:
    code = await get_code(client)
    answer = await client.post(
        "/login/oauth2/access_token",
        data=token_form(grant_type="authorization_code", code=code, redirect_uri=REDIRECT + "?"),
    )
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"


async def test_client_authentication(client: httpx.AsyncClient) -> None:
    answer = await client.post(
        "/login/oauth2/access_token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": "x",
            "client_id": "sandbox-client",
            "client_secret": "wrong",
        },
    )
    assert answer.status_code == 401
    assert answer.json() == {
        "error": "invalid_client",
        "error_description": "Client authentication failed",
    }


async def test_form_body_is_required(client: httpx.AsyncClient) -> None:
    answer = await client.post("/login/oauth2/access_token", json=token_form())
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_request"
    answer = await client.post("/login/oauth2/access_token", data=token_form(grant_type="password"))
    assert answer.json()["error"] == "unsupported_grant_type"


async def test_refresh_rotation_and_revocation(
    client: httpx.AsyncClient, state: SandboxState
) -> None:
    await client.post("/__sandbox__/oauth", json={"rotate_refresh": True, "expires_in": 60})
    code = await get_code(client)
    tokens = (
        await client.post(
            "/login/oauth2/access_token",
            data=token_form(grant_type="authorization_code", code=code, redirect_uri=REDIRECT),
        )
    ).json()
    assert tokens["expires_in"] == 60
    refreshed = (
        await client.post(
            "/login/oauth2/access_token",
            data=token_form(grant_type="refresh_token", refresh_token=tokens["refresh_token"]),
        )
    ).json()
    assert refreshed["refresh_token"] != tokens["refresh_token"]
    stale = await client.post(
        "/login/oauth2/access_token",
        data=token_form(grant_type="refresh_token", refresh_token=tokens["refresh_token"]),
    )
    assert stale.status_code == 400

    done = (await client.post("/__sandbox__/oauth", json={"expire_access_tokens": True})).json()
    assert done["expired_access_tokens"] == 2
    assert not state.token_valid(refreshed["access_token"])

    await client.post("/__sandbox__/oauth", json={"revoke_refresh_token": True})
    dead = await client.post(
        "/login/oauth2/access_token",
        data=token_form(grant_type="refresh_token", refresh_token=refreshed["refresh_token"]),
    )
    assert dead.status_code == 400 and dead.json()["error"] == "invalid_grant"


async def test_control_plane_validates_its_input(client: httpx.AsyncClient) -> None:
    assert (await client.post("/__sandbox__/oauth", json={"expires_in": -1})).status_code == 400
    assert (
        await client.post("/__sandbox__/oauth", json={"auto_approve": "yes"})
    ).status_code == 400
    assert (await client.post("/__sandbox__/oauth", content=b"[1]")).status_code == 400
    described = (await client.get("/__sandbox__/oauth")).json()
    assert described["client_id"] == "sandbox-client" and described["redirect_uri"] == REDIRECT


def test_one_oauth_server_per_state() -> None:
    state = SandboxState()
    assert oauth_for(state) is oauth_for(state)
    assert isinstance(oauth_for(state), SandboxOAuth)
    assert oauth_for(SandboxState()) is not oauth_for(state)
