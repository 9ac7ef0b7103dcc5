"""Request building: PUT bodies have the shape of the recorded update exchanges."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from snapdesk.changes.requests import (
    READ_ONLY,
    create_request,
    delete_request,
    merge_for_put,
    update_request,
)
from snapdesk.core.kinds import AD, AD_SQUAD, CAMPAIGN, CREATIVE
from tests.conftest import SHARED

RECORDED = SHARED / "fixtures" / "snap-recorded"


def exchanges(name: str) -> list[dict[str, Any]]:
    data = json.loads((RECORDED / name).read_text(encoding="utf-8"))
    result: list[dict[str, Any]] = data["exchanges"]
    return result


def api_path(url: str) -> str:
    return url.split("/v1", 1)[1]


def created_object(exchange: dict[str, Any], plural: str, item: str) -> dict[str, Any]:
    obj: dict[str, Any] = exchange["response_body"][plural][0][item]
    return obj


CASES = [
    # fixture, kind, plural, item, index of the create whose response the PUT edits
    ("AdSquad___update__updates_ad_squad.json", AD_SQUAD, "adsquads", "adsquad", "campaign_id"),
    ("Ad___update__updates_ad.json", AD, "ads", "ad", "ad_squad_id"),
    (
        "Creative___update__updates_creative_successfully.json",
        CREATIVE,
        "creatives",
        "creative",
        "ad_account_id",
    ),
]


@pytest.mark.parametrize(("fixture", "kind", "plural", "item", "parent_field"), CASES)
def test_put_matches_the_recorded_update_shape(
    fixture: str, kind: str, plural: str, item: str, parent_field: str
) -> None:
    recorded = exchanges(fixture)
    put = next(e for e in recorded if e["method"] == "PUT")
    sent = put["request_body"][plural][0]
    create = next(
        e
        for e in recorded
        if e["method"] == "POST"
        and plural in (e.get("response_body") or {})
        and created_object(e, plural, item)["id"] == sent["id"]
    )
    server_copy = created_object(create, plural, item)
    account = "dbb95f66-4e45-46f0-9760-14ea841db3b4"
    edited = {**server_copy, "name": sent["name"]}

    request = update_request(kind, edited, ad_account_id=account)

    assert request.method == "PUT"
    assert request.path == api_path(put["url"])
    assert list(request.body) == [plural]  # the plural wrapper, nothing else
    [body] = request.body[plural]
    assert next(iter(body)) == "id" and body["id"] == sent["id"]
    assert body[parent_field] == sent[parent_field]
    # the full object: every writable field the recording echoed, with the same values ...
    expected = {k: v for k, v in sent.items() if k not in READ_ONLY[kind]}
    assert body == expected
    # ... and none of the server-computed fields
    assert not set(body) & READ_ONLY[kind]
    assert {"delivery_status", "created_at", "updated_at"}.isdisjoint(body)


def test_campaign_put_keeps_what_the_recorded_minimal_put_wiped() -> None:
    """The recorded campaign PUT sent only 5 fields and Snap cleared end_time and budgets.
    Ours is the full object, so those survive."""
    recorded = exchanges("Campaign___update__updates_campaign.json")
    create = next(
        e for e in recorded if e["method"] == "POST" and "campaigns" in (e["response_body"] or {})
    )
    put = next(e for e in recorded if e["method"] == "PUT")
    sent = put["request_body"]["campaigns"][0]
    server_copy = created_object(create, "campaigns", "campaign")
    edits = {k: sent[k] for k in ("name", "status", "start_time")}
    request = update_request(
        CAMPAIGN, {**server_copy, **edits}, ad_account_id=sent["ad_account_id"]
    )
    [body] = request.body["campaigns"]
    assert request.path == api_path(put["url"])
    assert {k: body[k] for k in sent} == sent  # everything the recording sent, same values
    assert body["end_time"] == server_copy["end_time"]
    assert body["daily_budget_micro"] == 20_000_000
    assert body["lifetime_spend_cap_micro"] == 20_000_000
    assert "delivery_status" not in body and "pacing_properties_version" not in body


@pytest.mark.parametrize(
    ("fixture", "kind", "plural"),
    [
        ("Campaign___create__creates_the_campaign.json", CAMPAIGN, "campaigns"),
        ("Creative___create__creates_creative_successfully.json", CREATIVE, "creatives"),
    ],
)
def test_create_matches_the_recorded_request(fixture: str, kind: str, plural: str) -> None:
    post = next(e for e in exchanges(fixture) if e["method"] == "POST" and plural in e["url"])
    sent = post["request_body"][plural][0]
    account = api_path(post["url"]).split("/")[2]
    request = create_request(kind, sent, ad_account_id=account)
    assert request.path == api_path(post["url"])
    assert request.body[plural][0] == {**sent, "ad_account_id": account}


def test_ad_squad_create_goes_to_the_campaign() -> None:
    recorded = exchanges("AdSquad___create__creates_the_ad_squad.json")
    post = next(e for e in recorded if e["method"] == "POST" and e["url"].endswith("/adsquads"))
    sent = post["request_body"]["adsquads"][0]
    request = create_request(AD_SQUAD, sent, ad_account_id="acc")
    assert request.path == api_path(post["url"])
    assert request.body == post["request_body"]


def test_delete_path() -> None:
    recorded = exchanges("Campaign___delete__deletes_campaign.json")
    delete = next(e for e in recorded if e["method"] == "DELETE")
    campaign_id = delete["url"].rsplit("/", 1)[1]
    assert delete_request(CAMPAIGN, campaign_id).path == api_path(delete["url"])


def test_three_way_merge() -> None:
    base = {"id": "1", "name": "A", "status": "ACTIVE", "daily_budget_micro": 5, "end_time": "x"}
    mine = {**base, "name": "B"}
    theirs = {**base, "daily_budget_micro": 9, "updated_at": "later", "end_time": "y"}
    merged, conflicts = merge_for_put(CAMPAIGN, base=base, mine=mine, theirs=theirs)
    assert conflicts == []
    assert merged == {
        "id": "1",
        "name": "B",
        "status": "ACTIVE",
        "daily_budget_micro": 9,
        "end_time": "y",
    }
    clash = {**base, "name": "C"}
    _, conflicts = merge_for_put(CAMPAIGN, base=base, mine=mine, theirs=clash)
    assert conflicts == [("name", "A", "B", "C")]
    same = {**base, "name": "B"}
    _, conflicts = merge_for_put(CAMPAIGN, base=base, mine=mine, theirs=same)
    assert conflicts == []


def test_recorded_files_exist() -> None:
    assert Path(RECORDED).is_dir()
