"""Fault injection and the request recorder."""

from __future__ import annotations

import time

import httpx
import pytest

from snapdesk.sandbox import SandboxServer, SandboxState
from tests.sandbox.conftest import first_account

CAMPAIGN = {"name": "Faulty", "status": "PAUSED", "start_time": "2026-12-01T00:00:00.000Z"}


async def test_status_fault_fires_n_times_then_stops(
    client: httpx.AsyncClient, state: SandboxState
) -> None:
    account_id = first_account(state)
    rule = {"method": "GET", "path": "/v1/adaccounts/*/ads", "status": 500, "times": 2}
    listed = (await client.post("/__sandbox__/faults", json=rule)).json()["faults"]
    assert listed[0]["times"] == 2
    codes = [(await client.get(f"/v1/adaccounts/{account_id}/ads")).status_code for _ in range(3)]
    assert codes == [500, 500, 200]
    assert (await client.get("/__sandbox__/faults")).json()["faults"] == []

    await client.post("/__sandbox__/faults", json={"path": "/v1/me", "status": 503})
    failed = await client.get("/v1/me")
    assert failed.status_code == 503
    body = failed.json()
    assert (
        body["request_status"] == "ERROR" and body["request_id"] == failed.headers["x-request-id"]
    )
    assert (await client.get(f"/v1/adaccounts/{account_id}")).status_code == 200  # no match
    await client.delete("/__sandbox__/faults")
    assert (await client.get("/v1/me")).status_code == 200


async def test_fault_kinds_401_429_and_custom_body(client: httpx.AsyncClient) -> None:
    await client.post("/__sandbox__/faults", json={"path": "/v1/me", "status": 401, "times": 1})
    response = await client.get("/v1/me")
    assert response.status_code == 401 and response.text == "unauthorized"
    await client.post("/__sandbox__/faults", json={"path": "/v1/me", "status": 429, "times": 1})
    response = await client.get("/v1/me")
    assert response.status_code == 429 and "x-rate-limit-reset" in response.headers
    body = {"request_status": "ERROR", "request_id": "r", "error_code": "E9999"}
    await client.post(
        "/__sandbox__/faults", json={"path": "/v1/me", "status": 200, "body": body, "times": 1}
    )
    response = await client.get("/v1/me")
    assert response.status_code == 200 and response.json() == body
    bad = await client.post("/__sandbox__/faults", json={"path": "/v1/me", "bogus": 1})
    assert bad.status_code == 400


async def test_fraction_is_seeded_and_roughly_right(client: httpx.AsyncClient) -> None:
    await client.post(
        "/__sandbox__/faults", json={"path": "/v1/me", "status": 500, "fraction": 0.5}
    )
    codes = [(await client.get("/v1/me")).status_code for _ in range(200)]
    assert 60 < codes.count(500) < 140
    await client.delete("/__sandbox__/faults")
    await client.post(
        "/__sandbox__/faults", json={"path": "/v1/me", "status": 500, "fraction": 0.0}
    )
    codes = [(await client.get("/v1/me")).status_code for _ in range(20)]
    assert codes == [200] * 20


async def test_drop_in_process_raises_a_transport_error(client: httpx.AsyncClient) -> None:
    await client.post("/__sandbox__/faults", json={"path": "/v1/me", "drop": True, "times": 1})
    with pytest.raises(httpx.TransportError):
        await client.get("/v1/me")
    assert (await client.get("/v1/me")).status_code == 200


def test_drop_over_loopback_is_a_real_dropped_connection(live: SandboxServer) -> None:
    httpx.post(
        live.base_url + "/__sandbox__/faults", json={"path": "/v1/me", "drop": True, "times": 1}
    )
    with httpx.Client(headers={"Authorization": f"Bearer {live.token}"}) as c:
        with pytest.raises(httpx.RemoteProtocolError):
            c.get(live.api_base + "/me")
        assert c.get(live.api_base + "/me").status_code == 200
    recorded = httpx.get(live.base_url + "/__sandbox__/requests").json()
    assert recorded[-2]["dropped"] is True and recorded[-2]["status"] is None


@pytest.mark.parametrize("failure", [{"status": 500}, {"drop": True}])
async def test_after_processing_keeps_the_effect_and_idempotent_retry_returns_it(
    client: httpx.AsyncClient, state: SandboxState, failure: dict[str, object]
) -> None:
    account_id = first_account(state)
    path = f"/v1/adaccounts/{account_id}/campaigns"
    rule = {"method": "POST", "path": path, "after_processing": True, "times": 1, **failure}
    await client.post("/__sandbox__/faults", json=rule)
    headers = {"Idempotency-Key": "retry-me"}
    if failure.get("drop"):
        with pytest.raises(httpx.TransportError):
            await client.post(path, json={"campaigns": [CAMPAIGN]}, headers=headers)
    else:
        failed = await client.post(path, json={"campaigns": [CAMPAIGN]}, headers=headers)
        assert failed.status_code == 500
    made = [c for c in state.iter_objects("campaign") if c["name"] == "Faulty"]
    assert len(made) == 1  # the handler ran before the failure
    retry = await client.post(path, json={"campaigns": [CAMPAIGN]}, headers=headers)
    assert retry.status_code == 200
    assert retry.json()["campaigns"][0]["campaign"]["id"] == made[0]["id"]
    assert len([c for c in state.iter_objects("campaign") if c["name"] == "Faulty"]) == 1


async def test_latency_fault_and_global_latency(client: httpx.AsyncClient) -> None:
    await client.post("/__sandbox__/faults", json={"path": "/v1/me", "latency_ms": 150, "times": 1})
    started = time.perf_counter()
    assert (await client.get("/v1/me")).status_code == 200
    assert time.perf_counter() - started >= 0.15
    started = time.perf_counter()
    await client.get("/v1/me")
    assert time.perf_counter() - started < 0.15
    await client.post("/__sandbox__/latency", json={"ms": 100})
    started = time.perf_counter()
    await client.get("/v1/me")
    assert time.perf_counter() - started >= 0.1
    await client.post("/__sandbox__/latency", json={"ms": 0})


async def test_requests_recorder(client: httpx.AsyncClient, state: SandboxState) -> None:
    await client.delete("/__sandbox__/requests")
    account_id = first_account(state)
    await client.get(f"/v1/adaccounts/{account_id}/campaigns", params={"limit": 50})
    await client.post(
        f"/v1/adaccounts/{account_id}/campaigns",
        json={"campaigns": [CAMPAIGN]},
        headers={"Idempotency-Key": "abc"},
    )
    await client.get("/v1/me", headers={"Authorization": "Bearer wrong"})
    entries = (await client.get("/__sandbox__/requests")).json()
    assert [(e["method"], e["status"]) for e in entries] == [
        ("GET", 200),
        ("POST", 200),
        ("GET", 401),
    ]
    get, post, bad = entries
    assert get["path"] == f"/v1/adaccounts/{account_id}/campaigns"
    assert get["query"] == {"limit": "50"} and get["json"] is None
    assert post["json"] == {"campaigns": [CAMPAIGN]} and post["idempotency_key"] == "abc"
    for entry in entries:
        assert entry["headers"]["authorization"] == "Bearer [redacted]"
        assert entry["at"].endswith("Z")
    assert "sandbox-demo-token" not in str(entries) and "wrong" not in str(bad)
    await client.delete("/__sandbox__/requests")
    assert (await client.get("/__sandbox__/requests")).json() == []


async def test_control_plane_reset_seed_and_summary(
    client: httpx.AsyncClient, state: SandboxState
) -> None:
    state.add_token("kept")
    await client.post("/__sandbox__/faults", json={"path": "/v1/me", "status": 500})
    summary = (await client.post("/__sandbox__/seed", json={"seed": 7, "scale": "demo"})).json()
    assert summary["summary"]["seed"] == {"seed": 7, "scale": "demo"}
    assert state.token_valid("kept") and state.faults.rules()
    await client.post("/__sandbox__/reset", json={"seed": 42})
    assert not state.token_valid("kept") and not state.faults.rules()
    counts = (await client.get("/__sandbox__/state/summary")).json()
    assert counts["campaigns"] >= 40 and counts["ad_accounts"] >= 5
