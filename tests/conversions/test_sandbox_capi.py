"""The sandbox's Conversions API v3: Snap's VALID/INVALID answers and the shapes seed 003 quotes."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from snapdesk.sandbox import SANDBOX_TOKEN, SandboxState
from snapdesk.sandbox.capi import DEMO_PIXEL_ID, SANDBOX_CAPI_TOKEN, capi_state, check_event
from snapdesk.sandbox.faults import FaultRule
from snapdesk.sandbox.seed import seed_state

SHA = "cc779c04191c2e736d89e45c11339c8382832bcaf70383f7df94e3d08ba7a6d9"


def event(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "event_name": "PURCHASE",
        "event_time": int(time.time() * 1000) - 60_000,
        "action_source": "WEB",
        "event_source_url": "https://shop.example.com/thanks",
        "event_id": "e-1",
        "user_data": {"em": [SHA], "client_ip_address": "203.0.113.1"},
        "custom_data": {"currency": "USD", "value": 10.5},
    }
    base.update(changes)
    return base


@pytest.fixture
async def http(transport: httpx.ASGITransport) -> Any:
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox.test") as client:
        yield client


async def post(
    http: httpx.AsyncClient, path: str, events: list[Any], token: str = SANDBOX_CAPI_TOKEN
) -> httpx.Response:
    return await http.post(f"/v3/{path}", params={"access_token": token}, json={"data": events})


async def test_valid_send(http: httpx.AsyncClient, state: SandboxState) -> None:
    answer = await post(http, f"{DEMO_PIXEL_ID}/events", [event()])
    assert answer.status_code == 200
    assert answer.json() == {
        "status": "VALID",
        "reason": "Events have been processed successfully.",
    }
    assert len(capi_state(state).live_events(DEMO_PIXEL_ID)) == 1


async def test_invalid_send_names_the_event_and_processes_nothing(
    http: httpx.AsyncClient, state: SandboxState
) -> None:
    bad = event(event_id="e-2", custom_data={"value": 3})
    answer = await post(http, f"{DEMO_PIXEL_ID}/events", [event(), bad])
    assert answer.status_code == 400
    assert answer.json() == {
        "status": "INVALID",
        "reason": "At least one of the events is invalid.",
        "event": 2,
        "errors": {"codes": ["905"], "error_msgs": ["Purchase events need a valid currency."]},
    }
    assert capi_state(state).live_events() == []


async def test_capi_token_unauthorized_resources(http: httpx.AsyncClient) -> None:
    answer = await post(http, "11111111-2222-4333-8444-555555555555/events", [event()])
    assert answer.status_code == 403
    assert answer.json() == {"status": "INVALID", "reason": "Unauthorized resources"}


async def test_added_capi_token_owns_its_assets(http: httpx.AsyncClient) -> None:
    added = await http.post("/__sandbox__/capi/tokens", json={"token": "t-2", "assets": ["px-9"]})
    assert added.status_code == 200
    assert (await post(http, "px-9/events", [event()], token="t-2")).status_code == 200
    assert (await post(http, f"{DEMO_PIXEL_ID}/events", [event()], token="t-2")).status_code == 403


async def test_capi_token_owns_seeded_pixels(state: SandboxState, http: httpx.AsyncClient) -> None:
    seed_state(state, seed=42, scale="demo")
    pixels = {s["pixel_id"] for s in state.iter_objects("ad_squad") if s.get("pixel_id")}
    assert pixels
    assert (await post(http, f"{sorted(pixels)[0]}/events", [event()])).status_code == 200


async def test_oauth_token_invalid_asset_id_shape(http: httpx.AsyncClient) -> None:
    """Seed 003: with OAuth, an invalid event source id is reported as an invalid asset id."""
    answer = await post(http, "not-a-uuid/events/validate", [event()], token=SANDBOX_TOKEN)
    assert answer.status_code == 400
    assert answer.json() == {
        "status": "INVALID",
        "test_event": True,
        "reason": "At least one of the events is invalid.",
        "event_logs": [
            {
                "event": 1,
                "status": "INVALID",
                "errors": {
                    "codes": ["523"],
                    "error_msgs": ["The provided asset id must be valid UUID format."],
                },
                "warnings": [],
            }
        ],
    }
    ok = await post(
        http, "11111111-2222-4333-8444-555555555555/events", [event()], token=SANDBOX_TOKEN
    )
    assert ok.status_code == 200


async def test_anon_id_in_user_data_fails_parsing(http: httpx.AsyncClient) -> None:
    bad = event(user_data={"em": [SHA], "anon_id": "a-1"})
    answer = await post(http, f"{DEMO_PIXEL_ID}/events", [bad])
    assert answer.status_code == 400
    assert answer.json() == {
        "status": "INVALID",
        "reason": "Request parsing failed. Ensure the request body is correctly formatted.",
    }


@pytest.mark.parametrize("body", [b"not json", b'{"events": []}', b'{"data": []}'])
async def test_malformed_bodies(http: httpx.AsyncClient, body: bytes) -> None:
    answer = await http.post(
        f"/v3/{DEMO_PIXEL_ID}/events", params={"access_token": SANDBOX_CAPI_TOKEN}, content=body
    )
    assert answer.status_code == 400 and answer.json()["reason"].startswith(
        "Request parsing failed"
    )


@pytest.mark.parametrize("token", [None, "", "wrong"])
async def test_missing_or_bad_token(http: httpx.AsyncClient, token: str | None) -> None:
    params = {} if token is None else {"access_token": token}
    answer = await http.post(f"/v3/{DEMO_PIXEL_ID}/events", params=params, json={"data": [event()]})
    assert answer.status_code == 401
    assert answer.json()["status"] == "INVALID"


async def test_bearer_header_alone_is_not_enough(http: httpx.AsyncClient) -> None:
    answer = await http.post(
        f"/v3/{DEMO_PIXEL_ID}/events",
        headers={"Authorization": f"Bearer {SANDBOX_CAPI_TOKEN}"},
        json={"data": [event()]},
    )
    assert answer.status_code == 401


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"event_name": "CHECKOUT"}, "902"),
        ({"event_name": None}, "901"),
        ({"event_time": 1}, "903"),
        ({"event_time": int(time.time() - 38 * 86400) * 1000}, "903"),
        ({"action_source": "TV"}, "908"),
        ({"event_source_url": "example.com"}, "901"),
        ({"user_data": {"em": ["person@example.com"]}}, "904"),
        ({"user_data": {"client_ip_address": SHA}}, "904"),
        ({"user_data": {"fn": ["john"], "madid": "x"}}, "904"),
        ({"user_data": {"fn": [SHA]}}, "907"),
        ({"custom_data": {"currency": "USD"}}, "905"),
        ({"action_source": "MOBILE_APP", "app_data": {"extinfo": ["i2"]}}, "906"),
        ({"action_source": "MOBILE_APP", "app_data": {"extinfo": ["x1", *["0"] * 15], "app_id": "1", "advertiser_tracking_enabled": True}}, "906"),
    ],
)  # fmt: skip
def test_event_checks(changes: dict[str, Any], code: str) -> None:
    found = check_event(event(**changes))
    assert code in [c for c, _ in found], found


def test_valid_app_event() -> None:
    app = event(
        action_source="MOBILE_APP",
        event_source_url=None,
        app_data={
            "extinfo": ["a2", *["x"] * 15],
            "app_id": "com.x.y",
            "advertiser_tracking_enabled": False,
        },
    )
    assert check_event(app) == []


async def test_validate_logs_and_stats(http: httpx.AsyncClient) -> None:
    bad = event(event_id="e-2", event_name="NOPE")
    answer = await post(http, f"{DEMO_PIXEL_ID}/events/validate", [event(), bad])
    assert answer.status_code == 400
    body = answer.json()
    assert body["test_event"] is True and body["status"] == "INVALID"
    assert [(x["event"], x["status"]) for x in body["event_logs"]] == [(1, "VALID"), (2, "INVALID")]
    await post(
        http, f"{DEMO_PIXEL_ID}/events", [event(event_id="live-1"), event(event_id="live-2")]
    )

    logs = (
        await http.get(
            f"/v3/{DEMO_PIXEL_ID}/events/validate/logs", params={"access_token": SANDBOX_CAPI_TOKEN}
        )
    ).json()
    assert logs["status"] == "SUCCESS"
    assert [(x["event_name"], x["status"]) for x in logs["logs"]] == [
        ("NOPE", "INVALID"),
        ("PURCHASE", "VALID"),
    ]
    assert logs["logs"][0]["error_records"] == ["Unrecognized event type: NOPE."]

    stats = (
        await http.get(
            f"/v3/{DEMO_PIXEL_ID}/events/validate/stats",
            params={"access_token": SANDBOX_CAPI_TOKEN},
        )
    ).json()
    assert stats["status"] == "SUCCESS"
    assert stats["stats"]["test"]["event_count_past_hour"] == 2
    assert stats["stats"]["live"]["event_count_past_hour"] == 2
    assert stats["stats"]["live"]["latest_event_ts"] > 0


async def test_wrong_methods(http: httpx.AsyncClient) -> None:
    params = {"access_token": SANDBOX_CAPI_TOKEN}
    assert (await http.get(f"/v3/{DEMO_PIXEL_ID}/events", params=params)).status_code == 405
    assert (
        await http.post(f"/v3/{DEMO_PIXEL_ID}/events/validate/stats", params=params)
    ).status_code == 405


async def test_dedupe_by_event_id(http: httpx.AsyncClient, state: SandboxState) -> None:
    for _ in range(3):
        assert (
            await post(http, f"{DEMO_PIXEL_ID}/events", [event(), event(event_id="e-9")])
        ).status_code == 200
    assert len(capi_state(state).live_events(DEMO_PIXEL_ID)) == 2
    received = (await http.get("/__sandbox__/capi/events")).json()
    assert len(received["live"]) == 2 and received["duplicates"] == 4


async def test_requests_recorded_with_token_redacted(
    http: httpx.AsyncClient, state: SandboxState
) -> None:
    await post(http, f"{DEMO_PIXEL_ID}/events", [event()])
    [entry] = state.recorded()
    assert entry["path"] == f"/v3/{DEMO_PIXEL_ID}/events"
    assert entry["query"] == {"access_token": "[redacted]"}
    assert entry["status"] == 200
    assert entry["json"]["data"][0]["event_id"] == "e-1"
    assert SANDBOX_CAPI_TOKEN not in str(state.recorded())


async def test_faults_apply(http: httpx.AsyncClient, state: SandboxState) -> None:
    state.faults.add(FaultRule(path="/v3/*/events", status=503, times=1))
    assert (await post(http, f"{DEMO_PIXEL_ID}/events", [event()])).status_code == 503
    assert capi_state(state).live_events() == []
    state.faults.add(FaultRule(path="/v3/*/events", status=500, times=1, after_processing=True))
    assert (await post(http, f"{DEMO_PIXEL_ID}/events", [event()])).status_code == 500
    assert len(capi_state(state).live_events()) == 1  # processed before the failure


async def test_reset_clears_capi_data(http: httpx.AsyncClient, state: SandboxState) -> None:
    await post(http, f"{DEMO_PIXEL_ID}/events", [event()])
    seed_state(state, seed=1, scale="demo")
    assert capi_state(state).live_events() == []
    await post(http, f"{DEMO_PIXEL_ID}/events", [event()])
    await http.post("/__sandbox__/capi/reset")
    assert capi_state(state).live_events() == []
