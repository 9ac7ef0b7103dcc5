"""Paging: limit bounds, absolute next_link to the sandbox itself, `paging: {}` at the end."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx

from snapdesk.sandbox import SandboxServer, SandboxState
from tests.sandbox.conftest import first_account

Api = tuple[httpx.AsyncClient, SandboxState]


async def collect(client: httpx.AsyncClient, url: str) -> tuple[list[str], list[str]]:
    """All ids following next_link verbatim, and the next_links seen."""
    ids: list[str] = []
    links: list[str] = []
    while True:
        response = await client.get(url)
        assert response.status_code == 200, response.text
        body = response.json()
        ids += [wrapped["ad"]["id"] for wrapped in body["ads"]]
        link = body["paging"].get("next_link")
        if link is None:
            assert body["paging"] == {}
            return ids, links
        links.append(link)
        url = link


async def test_limit_50_pages_through_everything(api: Api) -> None:
    client, state = api
    account_id = first_account(state, currency="USD")
    expected = sorted(oid for oid in state.collections["ad"].ids("ad_account", account_id))
    assert len(expected) > 50
    ids, links = await collect(client, f"/v1/adaccounts/{account_id}/ads?limit=50")
    assert ids == expected
    assert len(links) == (len(expected) - 1) // 50
    base = str(client.base_url).rstrip("/")
    for link in links:
        assert link.startswith(base + f"/v1/adaccounts/{account_id}/ads?")
        query = parse_qs(urlsplit(link).query)
        assert query["limit"] == ["50"] and query["cursor"][0]


async def test_default_page_size_is_50_and_limit_bounds(api: Api) -> None:
    client, state = api
    account_id = first_account(state, currency="USD")
    body = (await client.get(f"/v1/adaccounts/{account_id}/ads")).json()
    assert len(body["ads"]) == 50 and "limit=50" in body["paging"]["next_link"]
    for bad in ("49", "1001", "abc", "0"):
        response = await client.get(f"/v1/adaccounts/{account_id}/ads?limit={bad}")
        assert response.status_code == 400, bad
        assert response.json()["error_code"] == "E1001"
    response = await client.get(f"/v1/adaccounts/{account_id}/ads?cursor=%25%25bad")
    assert response.status_code == 400


async def test_cursor_survives_deletes_and_inserts(
    client: httpx.AsyncClient, state: SandboxState
) -> None:
    account_id = first_account(state, currency="USD")
    first = (await client.get(f"/v1/adaccounts/{account_id}/ads?limit=50")).json()
    seen = [wrapped["ad"]["id"] for wrapped in first["ads"]]
    remaining = sorted(state.collections["ad"].ids("ad_account", account_id))[50:]
    await client.delete(f"/v1/ads/{remaining[0]}")
    ids, _ = await collect(client, first["paging"]["next_link"])
    assert ids == remaining[1:]
    assert not set(ids) & set(seen)


def test_next_link_points_at_the_live_server(live: SandboxServer) -> None:
    account_id = first_account(live.state, currency="USD")
    with httpx.Client(headers={"Authorization": f"Bearer {live.token}"}) as c:
        body = c.get(f"{live.api_base}/adaccounts/{account_id}/ads?limit=50").json()
        assert body["paging"]["next_link"].startswith(live.base_url + "/v1/")
