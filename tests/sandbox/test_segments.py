"""Customer-list segments: create, users add/remove/all, validation, status transitions."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from snapdesk.sandbox import SandboxState
from tests.sandbox.conftest import first_account, sha

NEW = {"name": "Newsletter — Q4", "source_type": "FIRST_PARTY", "retention_in_days": 180}


def users(hashes: list[str], schema: str = "EMAIL_SHA256") -> dict[str, Any]:
    return {"users": [{"schema": [schema], "data": [[h] for h in hashes]}]}


async def create(client: httpx.AsyncClient, account_id: str) -> dict[str, Any]:
    response = await client.post(f"/v1/adaccounts/{account_id}/segments", json={"segments": [NEW]})
    assert response.status_code == 200, response.text
    return dict(response.json()["segments"][0]["segment"])


async def get(client: httpx.AsyncClient, segment_id: str) -> dict[str, Any]:
    response = await client.get(f"/v1/segments/{segment_id}")
    return dict(response.json()["segments"][0]["segment"])


async def test_create_shape(client: httpx.AsyncClient, state: SandboxState) -> None:
    account_id = first_account(state)
    segment = await create(client, account_id)
    assert segment["id"].isdigit() and len(segment["id"]) == 16
    assert segment["upload_status"] == "NO_UPLOAD"
    assert segment["targetable_status"] == "NOT_READY"
    assert segment["approximate_number_users"] == 0
    assert segment["visible_to"] == [f"AdAccountEntity_{account_id}"]
    missing = await client.post(
        f"/v1/adaccounts/{account_id}/segments", json={"segments": [{"name": "x"}]}
    )
    assert missing.status_code == 400


async def test_add_remove_and_all_users(client: httpx.AsyncClient, state: SandboxState) -> None:
    segment = await create(client, first_account(state))
    sid = segment["id"]
    hashes = [sha(i) for i in range(1_200)]
    response = await client.post(f"/v1/segments/{sid}/users", json=users(hashes + hashes[:5]))
    assert response.status_code == 200
    assert response.json()["users"] == [
        {"sub_request_status": "SUCCESS", "user": {"number_uploaded_users": 1_200}}
    ]
    got = await get(client, sid)  # processing delay is 0 in tests
    assert got["upload_status"] == "COMPLETE"
    assert got["targetable_status"] == "READY"
    assert got["approximate_number_users"] == 1_200

    response = await client.request("DELETE", f"/v1/segments/{sid}/users", json=users(hashes[:300]))
    assert response.json()["users"][0]["user"]["number_uploaded_users"] == 300
    got = await get(client, sid)
    assert got["targetable_status"] == "TOO_FEW_USERS"
    assert got["approximate_number_users"] == 900
    assert state.segment_user_count(sid) == 900

    response = await client.delete(f"/v1/segments/{sid}/all_users")
    assert response.status_code == 200
    (wrapped,) = response.json()["segments"]
    assert wrapped["segment"]["approximate_number_users"] == 0
    assert state.segment_user_count(sid) == 0


async def test_processing_then_complete_after_the_configured_delay(
    client: httpx.AsyncClient, state: SandboxState
) -> None:
    await client.post("/__sandbox__/segment_processing", json={"seconds": 0.2})
    segment = await create(client, first_account(state))
    await client.post(f"/v1/segments/{segment['id']}/users", json=users([sha(1), sha(2)]))
    assert (await get(client, segment["id"]))["upload_status"] == "PROCESSING"
    await asyncio.sleep(0.25)
    done = await get(client, segment["id"])
    assert done["upload_status"] == "COMPLETE"
    assert done["targetable_status"] == "TOO_FEW_USERS"
    assert done["approximate_number_users"] == 0  # 2 users round to 0 (nearest 100)


async def test_users_validation(client: httpx.AsyncClient, state: SandboxState) -> None:
    sid = (await create(client, first_account(state)))["id"]
    url = f"/v1/segments/{sid}/users"

    async def error_code(body: object) -> str:
        response = await client.post(url, json=body)
        assert response.status_code == 400, response.text
        payload = response.json()
        assert payload["request_status"] == "ERROR"
        return str(payload["error_code"])

    assert await error_code(users(["not-a-hash"])) == "E2008"
    assert await error_code(users([sha(1)[:63]])) == "E2008"
    assert await error_code(users([sha(1) + "0"])) == "E2008"
    assert await error_code({"users": [{"schema": ["EMAIL"], "data": [[sha(1)]]}]}) == "E2003"
    mixed = {
        "users": [
            {"schema": ["EMAIL_SHA256"], "data": [[sha(1)]]},
            {"schema": ["PHONE_SHA256"], "data": [[sha(2)]]},
        ]
    }
    assert await error_code(mixed) == "E2010"
    assert await error_code({"users": []}) == "E1002"
    too_many = users([sha(0)] * 100_001)
    assert await error_code(too_many) == "E2009"
    assert state.segment_user_count(sid) == 0
    ok = await client.post(url, json=users([sha(0)] * 100_000))
    assert ok.json()["users"][0]["user"]["number_uploaded_users"] == 1
    missing = await client.post("/v1/segments/1234567890123456/users", json=users([sha(1)]))
    assert missing.status_code == 404


async def test_put_keeps_server_state(client: httpx.AsyncClient, state: SandboxState) -> None:
    account_id = first_account(state)
    segment = await create(client, account_id)
    await client.post(
        f"/v1/segments/{segment['id']}/users", json=users([sha(i) for i in range(1500)])
    )
    response = await client.put(
        f"/v1/adaccounts/{account_id}/segments",
        json={"segments": [{**NEW, "id": segment["id"], "name": "Renamed"}]},
    )
    updated = response.json()["segments"][0]["segment"]
    assert updated["name"] == "Renamed"
    assert updated["approximate_number_users"] == 1_500
    assert updated["targetable_status"] == "READY"
