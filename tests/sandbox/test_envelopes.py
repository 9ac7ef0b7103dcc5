"""Envelopes per endpoint family, in-process and over loopback HTTP."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest

from snapdesk.sandbox import SandboxState
from tests.sandbox.conftest import first_account, first_of

ISO_MS_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")

Api = tuple[httpx.AsyncClient, SandboxState]


def check_success(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert body["request_status"] == "SUCCESS"
    assert body["request_id"] == response.headers["x-request-id"]
    uuid.UUID(body["request_id"])
    return body


def unwrap(body: dict[str, Any], plural: str, item: str) -> list[dict[str, Any]]:
    items = body[plural]
    assert isinstance(items, list)
    for wrapped in items:
        assert set(wrapped) == {"sub_request_status", item}
        assert wrapped["sub_request_status"] == "SUCCESS"
    return [wrapped[item] for wrapped in items]


def check_entity(obj: dict[str, Any], *, numeric_id: bool = False) -> None:
    if numeric_id:
        assert obj["id"].isdigit() and len(obj["id"]) == 16
    else:
        assert str(uuid.UUID(obj["id"])) == obj["id"]
    assert ISO_MS_Z.match(obj["created_at"]), obj["created_at"]
    assert ISO_MS_Z.match(obj["updated_at"]), obj["updated_at"]
    assert obj["created_at"] <= obj["updated_at"]


async def test_me_is_unwrapped(api: Api) -> None:
    client, state = api
    body = check_success(await client.get("/v1/me"))
    assert set(body) == {"request_status", "request_id", "me"}
    assert body["me"]["id"] == state.me["id"]
    assert body["me"]["organization_id"] in {o["id"] for o in state.organizations()}


async def test_my_organizations_without_and_with_ad_accounts(api: Api) -> None:
    client, _ = api
    body = check_success(await client.get("/v1/me/organizations"))
    assert "paging" not in body
    orgs = unwrap(body, "organizations", "organization")
    assert len(orgs) >= 2
    assert any(org["is_agency"] for org in orgs)
    for org in orgs:
        check_entity(org)
        assert "ad_accounts" not in org
        assert org["roles"] and "createdByCaller" in org

    body = check_success(await client.get("/v1/me/organizations?with_ad_accounts=true"))
    orgs = unwrap(body, "organizations", "organization")
    accounts = [account for org in orgs for account in org["ad_accounts"]]
    assert len(accounts) >= 5
    for org in orgs:
        for account in org["ad_accounts"]:
            assert "sub_request_status" not in account  # flat objects
            assert account["organization_id"] == org["id"]
            assert {"id", "name", "type", "status", "currency", "timezone", "roles"} <= set(account)


async def test_single_organization_and_its_children(api: Api) -> None:
    client, state = api
    org = state.organizations()[0]
    body = check_success(await client.get(f"/v1/organizations/{org['id']}"))
    (got,) = unwrap(body, "organizations", "organization")
    assert got["id"] == org["id"]
    assert "roles" not in got and got["demand_source"] == "SNAPCHAT"  # as recorded

    body = check_success(await client.get(f"/v1/organizations/{org['id']}/adaccounts"))
    assert body["paging"] == {}
    accounts = unwrap(body, "adaccounts", "adaccount")
    assert accounts and all(a["organization_id"] == org["id"] for a in accounts)

    body = check_success(await client.get(f"/v1/organizations/{org['id']}/fundingsources"))
    assert "paging" not in body  # the recording has no paging key here
    sources = unwrap(body, "fundingsources", "fundingsource")
    assert {s["type"] for s in sources} == {"CREDIT_CARD", "LINE_OF_CREDIT"}
    body = check_success(await client.get(f"/v1/fundingsources/{sources[0]['id']}"))
    assert unwrap(body, "fundingsources", "fundingsource")[0]["id"] == sources[0]["id"]


@pytest.mark.parametrize(
    ("path", "plural", "item"),
    [
        ("campaigns", "campaigns", "campaign"),
        ("adsquads", "adsquads", "adsquad"),
        ("ads", "ads", "ad"),
        ("creatives", "creatives", "creative"),
        ("media", "media", "media"),
        ("segments", "segments", "segment"),
    ],
)
async def test_account_lists_and_single_gets(api: Api, path: str, plural: str, item: str) -> None:
    client, state = api
    account_id = first_account(state, currency="USD")
    body = check_success(await client.get(f"/v1/adaccounts/{account_id}/{path}?limit=1000"))
    assert body["paging"] == {}
    objs = unwrap(body, plural, item)
    assert objs
    assert [o["id"] for o in objs] == sorted(o["id"] for o in objs)
    for obj in objs:
        check_entity(obj, numeric_id=item == "segment")
    one = objs[0]
    body = check_success(await client.get(f"/v1/{path}/{one['id']}"))
    assert "paging" not in body
    assert unwrap(body, plural, item) == [one]


async def test_ad_account_get(api: Api) -> None:
    client, state = api
    account_id = first_account(state, currency="JPY")
    body = check_success(await client.get(f"/v1/adaccounts/{account_id}"))
    (account,) = unwrap(body, "adaccounts", "adaccount")
    assert account["currency"] == "JPY" and account["timezone"] == "Asia/Tokyo"


async def test_children_lists(api: Api) -> None:
    client, state = api
    squad = first_of(state, "ad_squad")
    body = check_success(await client.get(f"/v1/campaigns/{squad['campaign_id']}/adsquads"))
    squads = unwrap(body, "adsquads", "adsquad")
    assert squad["id"] in {s["id"] for s in squads}
    assert all(s["campaign_id"] == squad["campaign_id"] for s in squads)
    ad = first_of(state, "ad")
    body = check_success(await client.get(f"/v1/adsquads/{ad['ad_squad_id']}/ads"))
    assert ad["id"] in {a["id"] for a in unwrap(body, "ads", "ad")}


async def test_seeded_shapes_match_recordings(api: Api) -> None:
    client, state = api
    campaign = first_of(state, "campaign")
    assert {
        "delivery_status",
        "creation_state",
        "objective_v2_properties",
        "pacing_properties_version",
    } <= set(campaign)
    media = first_of(state, "media", media_status="READY", type="IMAGE")
    body = check_success(await client.get(f"/v1/media/{media['id']}"))
    (served,) = unwrap(body, "media", "media")
    assert served["download_link"].startswith(str(client.base_url).rstrip("/") + "/__sandbox__/")
    picture = await client.get(served["download_link"])
    assert picture.status_code == 200 and picture.content.startswith(b"\x89PNG")


async def test_errors(api: Api) -> None:
    client, state = api
    missing = await client.get(f"/v1/campaigns/{uuid.uuid4()}")
    assert missing.status_code == 404
    body = missing.json()
    assert body["request_status"] == "ERROR" and body["error_code"] == "E3003"
    assert body["request_id"] == missing.headers["x-request-id"]
    assert {"debug_message", "display_message"} <= set(body)

    account_id = first_account(state, currency="GBP")
    await client.post("/__sandbox__/permissions", json={"ad_account_id": account_id, "deny": True})
    for path in (f"/v1/adaccounts/{account_id}", f"/v1/adaccounts/{account_id}/campaigns"):
        denied = await client.get(path)
        assert denied.status_code == 403
        assert denied.json()["error_code"] == "E3002"
    campaign = first_of(state, "campaign", ad_account_id=account_id)
    assert (await client.get(f"/v1/campaigns/{campaign['id']}")).status_code == 403
    listing = (await client.get("/v1/me/organizations?with_ad_accounts=true")).json()
    roles = {
        account["id"]: account["roles"]
        for org in listing["organizations"]
        for account in org["organization"]["ad_accounts"]
    }
    assert roles[account_id] == []  # still listed, like a real account without a role

    bad_limit = await client.get(f"/v1/adaccounts/{first_account(state)}/ads?limit=10")
    assert bad_limit.status_code == 400 and bad_limit.json()["error_code"] == "E1001"
    unknown = await client.get("/v1/not/a/route")
    assert unknown.status_code == 404 and unknown.json()["request_status"] == "ERROR"
    wrong_method = await client.patch("/v1/me")
    assert wrong_method.status_code == 405 and wrong_method.json()["request_status"] == "ERROR"
