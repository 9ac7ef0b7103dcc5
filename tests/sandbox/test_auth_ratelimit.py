"""Bearer auth (401 plain text) and the per-token rate limiter (429 + X-Rate-Limit-*)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import httpx

from snapdesk.sandbox import SANDBOX_TOKEN, SandboxServer, SandboxState, create_app
from tests.sandbox.conftest import first_account, make_state


async def test_missing_unknown_and_expired_tokens_get_plain_401(
    client: httpx.AsyncClient, state: SandboxState
) -> None:
    for headers in (
        {"Authorization": ""},
        {"Authorization": "Bearer nope"},
        {"Authorization": "Basic x"},
    ):
        response = await client.get("/v1/me", headers=headers)
        assert response.status_code == 401
        assert response.text == "unauthorized"
        assert response.headers["content-type"].startswith("text/plain")
        assert response.headers["x-request-id"]

    state.add_token("fresh", expires_at=datetime.now(UTC) + timedelta(hours=1))
    assert (
        await client.get("/v1/me", headers={"Authorization": "Bearer fresh"})
    ).status_code == 200
    state.add_token("old", expires_at=time.time() - 1)
    assert (await client.get("/v1/me", headers={"Authorization": "Bearer old"})).status_code == 401
    state.revoke_token("fresh")
    assert (
        await client.get("/v1/me", headers={"Authorization": "Bearer fresh"})
    ).status_code == 401
    state.revoke_token(SANDBOX_TOKEN)  # the demo token stays valid
    assert (await client.get("/v1/me")).status_code == 200

    await client.post("/__sandbox__/tokens", json={"token": "short", "expires_in": 0})
    assert (
        await client.get("/v1/me", headers={"Authorization": "Bearer short"})
    ).status_code == 401
    await client.post("/__sandbox__/tokens", json={"token": "long", "expires_in": 60})
    assert (await client.get("/v1/me", headers={"Authorization": "Bearer long"})).status_code == 200


async def test_burst_then_429_with_snap_envelope_and_headers() -> None:
    state = make_state(rate_limit=0.5, burst=10)  # slow refill: no flakiness under load
    transport = httpx.ASGITransport(app=create_app(state))
    headers = {"Authorization": f"Bearer {SANDBOX_TOKEN}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://sb", headers=headers) as c:
        statuses = [(await c.get("/v1/me")).status_code for _ in range(10)]
        assert statuses == [200] * 10
        limited = await c.get("/v1/me")
        assert limited.status_code == 429
        body = limited.json()
        assert body["request_status"] == "ERROR" and body["error_code"] == "E1006"
        assert body["request_id"] == limited.headers["x-request-id"]
        reset_ms = int(limited.headers["x-rate-limit-reset"])
        assert limited.headers["x-rate-limit-limit"] == "10"
        assert limited.headers["x-rate-limit-remaining"] == "0"
        assert time.time() * 1000 < reset_ms <= time.time() * 1000 + 2000  # epoch milliseconds

        state.add_token("other")
        other = await c.get("/v1/me", headers={"Authorization": "Bearer other"})
        assert other.status_code == 200  # buckets are per token

        await c.post("/__sandbox__/rate_limit", json={"per_second": 1000, "burst": 5})
        account_id = first_account(state)
        write = await c.post(
            f"/v1/adaccounts/{account_id}/segments",
            json={
                "segments": [{"name": "S", "source_type": "FIRST_PARTY", "retention_in_days": 30}]
            },
        )
        assert write.status_code == 200
        assert write.headers["x-rate-limit-limit"] == "5"
        assert write.headers["x-rate-limit-remaining"] == "4"
        assert int(write.headers["x-rate-limit-reset"]) > 1_600_000_000_000
        read = await c.get("/v1/me")
        assert "x-rate-limit-limit" not in read.headers  # like Snap: writes only


def test_rate_limit_over_loopback(live: SandboxServer) -> None:
    httpx.post(live.base_url + "/__sandbox__/rate_limit", json={"per_second": 0.2, "burst": 2})
    with httpx.Client(headers={"Authorization": f"Bearer {live.token}"}) as c:
        codes = [c.get(live.api_base + "/me").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
