"""Contract tests: replay every recorded exchange with adsapi.snapchat.com to the client.

The recordings (../shared/fixtures/snap-recorded/, real traffic from 2025-07-29) win over the
sandbox and over the docs. For GETs the matching resource method must parse the answer into models
with the recorded ids and fields; for writes `api.send` must build the recorded request (method,
path, body) and unwrap the recorded answer without error.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from snapdesk.api import (
    SnapApi,
    SnapModel,
    StaticTokenProvider,
    unwrap_items,
    unwrap_result,
)
from tests.api.conftest import NoJitter

FIXTURES = Path(__file__).parents[2].parent / "shared" / "fixtures" / "snap-recorded"
API_HOST = "adsapi.snapchat.com"
BASE = f"https://{API_HOST}/v1"

# URL noun -> (SnapApi attribute, item key)
RESOURCES: dict[str, tuple[str, str]] = {
    "organizations": ("organizations", "organization"),
    "adaccounts": ("ad_accounts", "adaccount"),
    "campaigns": ("campaigns", "campaign"),
    "adsquads": ("ad_squads", "adsquad"),
    "ads": ("ads", "ad"),
    "creatives": ("creatives", "creative"),
    "media": ("media", "media"),
    "segments": ("segments", "segment"),
    "fundingsources": ("funding_sources", "fundingsource"),
}
# (parent noun, child noun) -> list method on the child's resource
LIST_METHODS: dict[tuple[str, str], str] = {
    ("adaccounts", "campaigns"): "list",
    ("adaccounts", "adsquads"): "list",
    ("adaccounts", "ads"): "list",
    ("adaccounts", "creatives"): "list",
    ("adaccounts", "media"): "list",
    ("adaccounts", "segments"): "list",
    ("organizations", "adaccounts"): "list",
    ("organizations", "fundingsources"): "list",
    ("campaigns", "adsquads"): "list_by_campaign",
    ("adsquads", "ads"): "list_by_ad_squad",
}
_ID = r"[A-Za-z0-9-]+"


def _load() -> list[Any]:
    if not FIXTURES.is_dir():
        return [
            pytest.param(
                None,
                None,
                marks=pytest.mark.skip(reason=f"recorded fixtures not found at {FIXTURES}"),
                id="no-fixtures",
            )
        ]
    params = []
    for path in sorted(FIXTURES.glob("*.json")):
        exchanges = json.loads(path.read_text(encoding="utf-8"))["exchanges"]
        for index, exchange in enumerate(exchanges):
            if urlsplit(exchange["url"]).hostname == API_HOST:
                params.append(pytest.param(path, index, id=f"{path.stem}[{index}]"))
    return params


EXCHANGES = _load()


def _transport_for(
    path: Path, index: int, seen: list[httpx.Request]
) -> tuple[dict[str, Any], httpx.MockTransport]:
    """A transport answering (method, path) with the recorded responses of one file; the
    exchange under test wins if a (method, path) repeats."""
    exchanges = json.loads(path.read_text(encoding="utf-8"))["exchanges"]
    routes: dict[tuple[str, str], dict[str, Any]] = {}
    for exchange in exchanges:
        url = urlsplit(exchange["url"])
        if url.hostname == API_HOST:
            routes.setdefault((exchange["method"], url.path), exchange)
    current = exchanges[index]
    routes[(current["method"], urlsplit(current["url"]).path)] = current

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        assert request.url.host == API_HOST, f"request left Snap's host: {request.url}"
        recorded = routes.get((request.method, request.url.path))
        if recorded is None:
            return httpx.Response(
                404,
                json={"request_status": "ERROR", "error_code": "E3003", "debug_message": "no rec"},
            )
        headers = {
            k: v for k, v in recorded["response_headers"].items() if k.lower() != "content-length"
        }
        return httpx.Response(
            recorded["status"],
            headers=headers,
            content=json.dumps(recorded["response_body"]).encode(),
        )

    return current, httpx.MockTransport(handler)


def _recorded_objects(body: dict[str, Any], noun: str) -> list[dict[str, Any]]:
    _, item_key = RESOURCES[noun]
    return [item[item_key] for item in body[noun]]


def _assert_model_matches(model: SnapModel, obj: dict[str, Any]) -> None:
    assert model.raw == obj
    assert model.id == obj["id"]
    for name in type(model).model_fields:
        if name in obj and name != "ad_accounts":
            assert getattr(model, name) == obj[name], name


async def _call_get(api: SnapApi, url_path: str) -> tuple[str, Callable[[], Awaitable[Any]]]:
    """Pick the resource method for a recorded GET path; return (noun, call)."""
    rel = url_path.removeprefix("/v1")
    if rel == "/me":
        return "me", api.me.get
    if rel == "/me/organizations":
        return "organizations", api.organizations.list
    match = re.fullmatch(rf"/(\w+)/({_ID})/(\w+)", rel)
    if match and (match[1], match[3]) in LIST_METHODS:
        parent_noun, parent_id, noun = match[1], match[2], match[3]
        resource = getattr(api, RESOURCES[noun][0])
        lister = getattr(resource, LIST_METHODS[(parent_noun, noun)])

        async def collect() -> list[Any]:
            return [m async for m in lister(parent_id)]

        return noun, collect
    match = re.fullmatch(rf"/(\w+)/({_ID})", rel)
    if match and match[1] in RESOURCES:
        resource = getattr(api, RESOURCES[match[1]][0])
        object_id = match[2]

        async def get_one() -> list[Any]:
            return [await resource.get(object_id)]

        return match[1], get_one
    raise AssertionError(f"no client method covers recorded GET {url_path}")


@pytest.mark.parametrize(("path", "index"), EXCHANGES)
async def test_recorded_exchange(path: Path, index: int) -> None:
    seen: list[httpx.Request] = []
    exchange, transport = _transport_for(path, index, seen)
    method = exchange["method"]
    url = urlsplit(exchange["url"])
    body = exchange["response_body"]
    api = SnapApi(
        token_provider=StaticTokenProvider("<ACCESS_TOKEN>"),
        base_url=BASE,
        transport=transport,
        rate_limit=None,
        retry=NoJitter(max_attempts=1),
    )
    async with api:
        if method == "GET" and url.path.endswith("/stats"):
            await _check_stats(api, exchange, seen)
        elif method == "GET":
            noun, call = await _call_get(api, url.path)
            models = await call()
            expected = _recorded_objects(body, noun)
            assert [m.id for m in models] == [o["id"] for o in expected]
            for model, obj in zip(models, expected, strict=True):
                _assert_model_matches(model, obj)
            (request,) = seen
            assert request.method == "GET"
            assert request.url.path == url.path
            for key, values in parse_qs(url.query).items():
                assert request.url.params.get_list(key) == values
        else:
            await _check_write(api, exchange, seen)
    for request in seen:
        assert request.headers["Authorization"] == "Bearer <ACCESS_TOKEN>"


async def _check_stats(api: SnapApi, exchange: dict[str, Any], seen: list[httpx.Request]) -> None:
    url = urlsplit(exchange["url"])
    params = {k: v[0] for k, v in sorted(parse_qs(url.query).items())}
    assert params["start_time"].endswith("+02:00")  # parse_qs decoded %2B back to '+'
    result = await api.get_json(url.path.removeprefix("/v1"), params=params)
    assert result == exchange["response_body"]
    (request,) = seen
    assert request.url.path == url.path
    assert b"%2B02" in request.url.query  # '+' must not go out raw (it would mean a space)
    assert b"+" not in request.url.query
    assert parse_qs(request.url.query.decode()) == parse_qs(url.query)


async def _check_write(api: SnapApi, exchange: dict[str, Any], seen: list[httpx.Request]) -> None:
    url = urlsplit(exchange["url"])
    method = exchange["method"]
    recorded_body = exchange["request_body"]
    content_type = exchange["request_headers"].get("Content-Type", "")
    kwargs: dict[str, Any] = {}
    upload: tuple[str, str, str] | None = None
    if content_type.startswith("multipart/form-data"):
        match = re.search(
            r'name="([^"]+)"; filename="([^"]+)"\r\n(?:.*\r\n)*?Content-Type: ([\w/.+-]+)',
            recorded_body,
        )
        assert match, "could not read the recorded multipart body"
        upload = (match[1], match[2], match[3])
        kwargs["files"] = {upload[0]: (upload[1], b"\x89PNG fake bytes", upload[2])}
    elif recorded_body is not None:
        kwargs["json"] = recorded_body
    result = await api.send(
        method, url.path.removeprefix("/v1"), idempotency_key=f"rec-{method}", **kwargs
    )
    assert result == exchange["response_body"]

    (request,) = seen
    assert request.method == method
    assert request.url.path == url.path
    assert request.headers["Idempotency-Key"] == f"rec-{method}"
    if upload is not None:
        assert request.headers["Content-Type"].startswith("multipart/form-data; boundary=")
        content = request.read()
        assert f'name="{upload[0]}"; filename="{upload[1]}"'.encode() in content
        assert f"Content-Type: {upload[2]}".encode() in content
        media = unwrap_result(result)
        assert media["id"] in url.path
    elif recorded_body is None:
        assert request.read() == b""
    else:
        assert request.headers["Content-Type"] == "application/json"
        assert json.loads(request.read()) == recorded_body

    plural = next(k for k in result if k not in {"request_status", "request_id", "paging"})
    if plural != "result":
        item_key = RESOURCES[plural][1]
        items = unwrap_items(result, plural_key=plural, item_key=item_key)
        if method == "DELETE":
            assert items == []
        else:
            sent = recorded_body[plural]
            assert len(items) == len(sent)
            for obj, sent_obj in zip(items, sent, strict=True):
                assert obj["id"]
                assert obj["name"] == sent_obj["name"]
    headers = exchange["response_headers"]
    if "X-Rate-Limit-Limit" in headers:
        assert api.stats.limit == int(headers["X-Rate-Limit-Limit"])
        if "X-Rate-Limit-Reset" in headers:
            assert api.stats.reset_at == int(headers["X-Rate-Limit-Reset"]) / 1000


def test_every_adsapi_exchange_is_covered() -> None:
    if not FIXTURES.is_dir():
        pytest.skip(f"recorded fixtures not found at {FIXTURES}")
    total = sum(
        1
        for path in FIXTURES.glob("*.json")
        for exchange in json.loads(path.read_text(encoding="utf-8"))["exchanges"]
        if urlsplit(exchange["url"]).hostname == API_HOST
    )
    assert total == len(EXCHANGES) > 50


def test_httpx_params_encode_plus_as_percent_2b() -> None:
    """A '+' in a time offset must go out as %2B: raw '+' in a query string means a space."""
    request = httpx.Request(
        "GET",
        f"{BASE}/campaigns/c1/stats",
        params={"start_time": "2025-07-01T00:00:00+02:00", "end_time": "2025-07-31T00:00:00+02:00"},
    )
    query = request.url.query.decode()
    assert "%2B02" in query
    assert "+" not in query
    assert request.url.params["end_time"] == "2025-07-31T00:00:00+02:00"
