"""Deterministic seed data: demo minimums, realism, and the large scale's speed."""

from __future__ import annotations

import json
import time
from collections import Counter

import httpx
import pytest

from snapdesk.sandbox import SANDBOX_TOKEN, SandboxState, create_app, seed_state
from snapdesk.sandbox.state import KINDS


def dump(state: SandboxState) -> str:
    data = {kind: list(state.iter_objects(kind)) for kind in KINDS}
    return json.dumps({"me": state.me, "data": data}, sort_keys=True)


def seeded(seed: int = 42, scale: str = "demo") -> SandboxState:
    state = SandboxState()
    seed_state(state, seed=seed, scale=scale)
    return state


def test_same_seed_same_data_other_seed_other_data() -> None:
    assert dump(seeded(42)) == dump(seeded(42))
    assert dump(seeded(42)) != dump(seeded(43))


def test_demo_meets_the_contract() -> None:
    state = seeded()
    counts = state.summary()
    assert counts["organizations"] >= 2 and counts["ad_accounts"] >= 5
    assert counts["campaigns"] >= 40
    for kind in ("ad_squads", "ads", "creatives", "media", "segments"):
        assert counts[kind] > counts["campaigns"] // 2, kind
    orgs = state.organizations()
    assert any(org["is_agency"] for org in orgs) and not all(org["is_agency"] for org in orgs)
    zones = {(a["currency"], a["timezone"]) for a in state.iter_objects("ad_account")}
    assert {
        ("USD", "America/Los_Angeles"),
        ("EUR", "Europe/Warsaw"),
        ("GBP", "Europe/London"),
        ("JPY", "Asia/Tokyo"),
        ("AUD", "Australia/Sydney"),
    } <= zones
    for account in state.iter_objects("ad_account"):
        assert state.summary()["per_ad_account"][account["id"]]["campaigns"] >= 3


def test_demo_is_realistic() -> None:
    state = seeded()
    campaigns = list(state.iter_objects("campaign"))
    assert Counter(c["status"] for c in campaigns).keys() == {"ACTIVE", "PAUSED"}
    assert any(c["delivery_status"] == ["VALID"] for c in campaigns)
    assert any("INVALID_START_TIME" in c["delivery_status"] for c in campaigns)
    assert any(c["name"].startswith("Black Friday") for c in campaigns)
    ads = list(state.iter_objects("ad"))
    rejected = [a for a in ads if a["review_status"] == "REJECTED"]
    assert rejected and all(a["review_status_reasons"] for a in rejected)
    assert {"APPROVED", "PENDING"} <= {a["review_status"] for a in ads}
    accounts = {a["id"]: a for a in state.iter_objects("ad_account")}
    budgets: dict[str, list[int]] = {}
    for campaign in campaigns:
        if "daily_budget_micro" in campaign:
            currency = accounts[campaign["ad_account_id"]]["currency"]
            budgets.setdefault(currency, []).append(campaign["daily_budget_micro"])
    assert min(budgets["JPY"]) > max(budgets["USD"]) // 10  # yen budgets are big numbers
    creatives = list(state.iter_objects("creative"))
    assert {c["type"] for c in creatives} == {"SNAP_AD", "WEB_VIEW"}
    for creative in creatives:
        assert len(creative["headline"]) <= 34 and len(creative["brand_name"]) <= 32
        assert creative["profile_properties"]["profile_id"]
        if creative["type"] == "WEB_VIEW":
            assert creative["web_view_properties"]["url"].startswith("https://")
            assert creative["call_to_action"]
    media = list(state.iter_objects("media"))
    ready = [m for m in media if m["media_status"] == "READY"]
    assert any("image_metadata" in m for m in ready) and any("video_metadata" in m for m in ready)
    assert any(m["media_status"] == "PENDING_UPLOAD" for m in media)
    segments = list(state.iter_objects("segment"))
    assert {s["targetable_status"] for s in segments} == {"READY", "TOO_FEW_USERS", "NOT_READY"}
    assert {s["upload_status"] for s in segments} == {"COMPLETE", "PROCESSING", "NO_UPLOAD"}
    ad_types = {
        (a["type"], state.collections["creative"].objects[a["creative_id"]]["type"]) for a in ads
    }
    assert ad_types == {("SNAP_AD", "SNAP_AD"), ("REMOTE_WEBPAGE", "WEB_VIEW")}


@pytest.mark.slow
async def test_large_scale_generates_and_pages_fast() -> None:
    started = time.perf_counter()
    state = SandboxState(rate_limit=None)
    seed_state(state, scale="large")
    generated = time.perf_counter() - started
    counts = state.summary()
    assert counts["campaigns"] == 2_000
    assert counts["ad_squads"] == 20_000
    assert counts["ads"] == 50_000
    assert counts["creatives"] >= 2_000 and counts["media"] >= 2_000
    assert generated < 8.0, generated

    (account_id,) = state.collections["ad_account"].objects
    transport = httpx.ASGITransport(app=create_app(state))
    headers = {"Authorization": f"Bearer {SANDBOX_TOKEN}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://sb", headers=headers) as c:
        started = time.perf_counter()
        url: str | None = f"/v1/adaccounts/{account_id}/ads?limit=1000"
        seen = 0
        pages = 0
        while url:
            body = (await c.get(url)).json()
            seen += len(body["ads"])
            pages += 1
            url = body["paging"].get("next_link")
        paged = time.perf_counter() - started
    assert (seen, pages) == (50_000, 50)
    assert paged < 5.0, paged


def test_the_readme_describes_the_demo_data_as_seeded() -> None:
    """The README said five ad accounts; the demo has six (one a test account)."""
    import re
    from pathlib import Path

    from snapdesk.sandbox.seed import DEMO

    words = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8}
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    text = " ".join(readme.split())
    found = re.search(
        r"\((\w+) organizations, one of them an agency, (\w+) ad accounts in ([A-Z, and]+) "
        r"across (\w+) time zones, one of them a test account\)",
        text,
    )
    assert found, "the README's demo data sentence changed; keep it checked here"
    accounts = [a for org in DEMO for a in org.accounts]
    assert words[found.group(1)] == len(DEMO)
    assert words[found.group(2)] == len(accounts)
    assert set(re.findall(r"[A-Z]{3}", found.group(3))) == {a.currency for a in accounts}
    assert words[found.group(4)] == len({a.timezone for a in accounts})
    assert sum(1 for a in accounts if a.test) == 1
