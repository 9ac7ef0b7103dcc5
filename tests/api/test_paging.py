"""Pagination follows paging.next_link verbatim and never leaves Snap's host."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from snapdesk.api import ForeignHostError, SnapApi
from tests.api.conftest import BASE, Recorder, envelope

ACCOUNT = "a1"


def page(ids: list[str], next_link: str | None, *, paging: bool = True) -> dict[str, object]:
    extra: dict[str, object] = {}
    if paging:
        extra["paging"] = {"next_link": next_link} if next_link else {}
    return envelope("campaigns", "campaign", [{"id": i, "name": f"C {i}"} for i in ids], **extra)


async def test_follows_next_link_verbatim_across_pages(
    make_api: Callable[..., SnapApi], recorder: Recorder
) -> None:
    link2 = f"{BASE}/adaccounts/{ACCOUNT}/campaigns?cursor=abc%3D%3D&limit=50"
    link3 = f"{BASE}/adaccounts/{ACCOUNT}/campaigns?limit=50&cursor=def"
    pages = {
        None: page(["c1", "c2"], link2),
        "abc==": page(["c3"], link3),
        "def": page(["c4"], None),
    }

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=pages[request.url.params.get("cursor")])

    api = make_api(handler)
    ids = [c.id async for c in api.campaigns.list(ACCOUNT, limit=50)]
    assert ids == ["c1", "c2", "c3", "c4"]
    assert [str(r.url) for r in recorder.requests] == [
        f"{BASE}/adaccounts/{ACCOUNT}/campaigns?limit=50",
        link2,
        link3,
    ]
    # Every page is authenticated with the same token.
    assert len({r.headers["Authorization"] for r in recorder.requests}) == 1


async def test_empty_paging_object_ends(
    make_api: Callable[..., SnapApi], recorder: Recorder
) -> None:
    api = make_api(lambda request: httpx.Response(200, json=page(["c1"], None)))
    assert [c.id async for c in api.campaigns.list(ACCOUNT)] == ["c1"]
    assert len(recorder.requests) == 1


async def test_missing_paging_ends(make_api: Callable[..., SnapApi], recorder: Recorder) -> None:
    api = make_api(lambda request: httpx.Response(200, json=page(["c1", "c2"], None, paging=False)))
    assert [c.id async for c in api.campaigns.list(ACCOUNT)] == ["c1", "c2"]
    assert len(recorder.requests) == 1


@pytest.mark.parametrize(
    "foreign",
    [
        "https://adsapisc.appspot.com/v1/adaccounts/a1/campaigns?cursor=x",  # old docs' host
        "http://adsapi.snapchat.com/v1/adaccounts/a1/campaigns?cursor=x",  # scheme downgrade
        "https://adsapi.snapchat.com:8443/v1/adaccounts/a1/campaigns?cursor=x",  # other port
    ],
)
async def test_foreign_next_link_is_refused_before_sending(
    foreign: str, make_api: Callable[..., SnapApi], recorder: Recorder
) -> None:
    api = make_api(lambda request: httpx.Response(200, json=page(["c1"], foreign)))
    seen: list[str] = []
    with pytest.raises(ForeignHostError) as info:
        async for campaign in api.campaigns.list(ACCOUNT):
            seen.append(campaign.id)
    assert seen == ["c1"]
    assert len(recorder.requests) == 1
    assert all(
        r.url.host == "adsapi.snapchat.com" and r.url.port is None for r in recorder.requests
    )
    assert "access token" in info.value.message


async def test_explicit_default_port_is_the_same_origin(
    make_api: Callable[..., SnapApi], recorder: Recorder
) -> None:
    link = "https://adsapi.snapchat.com:443/v1/adaccounts/a1/campaigns?cursor=x"

    def handler(request: httpx.Request) -> httpx.Response:
        last = "cursor" in request.url.params
        return httpx.Response(200, json=page(["c2"] if last else ["c1"], None if last else link))

    api = make_api(handler)
    assert [c.id async for c in api.campaigns.list(ACCOUNT)] == ["c1", "c2"]


async def test_limit_param_is_sent_and_extra_params_pass_through(
    make_api: Callable[..., SnapApi], recorder: Recorder
) -> None:
    api = make_api(lambda request: httpx.Response(200, json=page([], None)))
    assert [c async for c in api.campaigns.list(ACCOUNT)] == []
    assert recorder.requests[0].url.params["limit"] == "1000"
    async for _ in api.ads.list(ACCOUNT, limit=200, params={"read_deleted_entities": "true"}):
        pass
    params = recorder.requests[1].url.params
    assert params["limit"] == "200"
    assert params["read_deleted_entities"] == "true"
    assert recorder.requests[1].url.path == "/v1/adaccounts/a1/ads"


async def test_paginate_yields_raw_dicts(make_api: Callable[..., SnapApi]) -> None:
    api = make_api(lambda request: httpx.Response(200, json=page(["c1"], None)))
    items = [
        obj
        async for obj in api.paginate(
            "/adaccounts/a1/campaigns", item_key="campaign", plural_key="campaigns", limit=50
        )
    ]
    assert items == [{"id": "c1", "name": "C c1"}]


async def test_repeated_next_link_stops_instead_of_looping(
    make_api: Callable[..., SnapApi],
) -> None:
    link = f"{BASE}/adaccounts/a1/campaigns?cursor=same"
    api = make_api(lambda request: httpx.Response(200, json=page(["c1"], link)))
    with pytest.raises(Exception, match="same next-page link"):
        async for _ in api.campaigns.list(ACCOUNT):
            pass


async def test_organizations_with_nested_flat_ad_accounts(
    make_api: Callable[..., SnapApi], recorder: Recorder
) -> None:
    body = envelope(
        "organizations",
        "organization",
        [
            {
                "id": "o1",
                "name": "Org",
                "is_agency": True,
                "ad_accounts": [
                    {
                        "id": "a1",
                        "name": "US",
                        "type": "PARTNER",
                        "status": "ACTIVE",
                        "currency": "USD",
                        "timezone": "America/Los_Angeles",
                        "roles": ["admin"],
                    }
                ],
            }
        ],
    )
    api = make_api(lambda request: httpx.Response(200, json=body))
    orgs = await api.organizations.list()
    assert recorder.requests[0].url.path == "/v1/me/organizations"
    assert recorder.requests[0].url.params["with_ad_accounts"] == "true"
    assert "limit" not in recorder.requests[0].url.params
    (org,) = orgs
    assert org.is_agency is True
    (account,) = org.ad_accounts
    assert (account.id, account.currency, account.timezone) == ("a1", "USD", "America/Los_Angeles")
    assert account.raw == body["organizations"][0]["organization"]["ad_accounts"][0]
