"""The write gateway against the sandbox over real loopback HTTP, checked with its recorder."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import uuid
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from snapdesk.api import SnapApi
from snapdesk.changes import (
    POSTED,
    REVERTED,
    SENDING,
    ChangeRepository,
    EditService,
    PostProgress,
    RequestSpec,
    WriteGateway,
)
from snapdesk.changes.requests import entity_path, update_request, writable
from snapdesk.core.kinds import AD, AD_SQUAD, CAMPAIGN, CREATIVE, MEDIA
from snapdesk.core.settings import AppSettings, SpendGuards
from snapdesk.sandbox import SandboxServer
from snapdesk.sandbox.control import placeholder_png
from snapdesk.store import Store

from .conftest import (
    clear_recorded,
    control,
    first_campaign,
    first_squad,
    recorded,
    recorded_writes,
    usd_account,
)

GatewayFactory = Callable[..., WriteGateway]


def summary(server: SandboxServer) -> dict[str, Any]:
    result: dict[str, Any] = control(server, "GET", "state/summary")
    return result


async def server_update(api: SnapApi, kind: str, entity_id: str, **fields: Any) -> dict[str, Any]:
    """Someone else edits the entity on Snap (another tool, a colleague)."""
    plural = {CAMPAIGN: "campaigns", AD_SQUAD: "adsquads", AD: "ads"}[kind]
    item = {CAMPAIGN: "campaign", AD_SQUAD: "adsquad", AD: "ad"}[kind]
    body = await api.get_json(entity_path(kind, entity_id))
    obj = body[plural][0][item]
    account = obj.get("ad_account_id", "")
    request = update_request(kind, {**writable(kind, obj), **fields}, ad_account_id=account)
    answer = await api.send(
        "PUT", request.path, json=request.body, idempotency_key=str(uuid.uuid4())
    )
    result: dict[str, Any] = answer[plural][0][item]
    return result


def small_png(tmp_path: Path, name: str = "hero.png") -> Path:
    path = tmp_path / name
    path.write_bytes(placeholder_png(name, width=108, height=192))
    return path


def queue_mixed(edits: EditService, store: Store, tmp_path: Path) -> dict[str, str]:
    """An update, a pause, a delete, a new campaign with an ad squad, and a media → ad chain."""
    account = usd_account(store)
    campaigns = store.campaigns(account.id)
    squad = first_squad(store)
    out: dict[str, str] = {}
    out["update"] = (
        edits.edit(kind=CAMPAIGN, entity_id=campaigns[0].id, fields={"name": "Renamed by test"})
        .changes[0]
        .id
    )
    out["pause"] = edits.pause([squad.id]).changes[0].id
    victim = store.ads(store.ad_squads(campaigns[1].id)[0].id)[0]
    out["delete"] = edits.delete([victim.id]).changes[0].id
    new = edits.create_campaign(ad_account_id=account.id, fields={"name": "Test launch"})
    out["create_campaign"] = new.changes[0].id
    new_squad = edits.create_ad_squad(
        campaign_id=new.changes[0].entity_id,
        fields={
            "name": "Test squad",
            "optimization_goal": "IMPRESSIONS",
            "daily_budget_micro": 20_000_000,
            "targeting": {"geos": [{"country_code": "us"}]},
        },
    )
    out["create_squad"] = new_squad.changes[0].id
    chain = edits.create_ad_from_media(
        small_png(tmp_path),
        ad_squad_id=squad.id,
        creative={"name": "Spring hero", "headline": "Hello spring", "brand_name": "Lumen"},
    )
    for change in chain.changes:
        out[f"chain_{change.kind}_{change.action}"] = change.id
    return out


async def test_dry_run_sends_no_write_and_keeps_changes_pending(
    server: SandboxServer, store: Store, edits: EditService, gateway: GatewayFactory, tmp_path: Path
) -> None:
    queued = queue_mixed(edits, store, tmp_path)
    clear_recorded(server)
    progress: list[PostProgress] = []

    report = await gateway(live=False).post(progress=progress.append)

    assert recorded(server) == []  # no write, not even a read
    assert report.mode == "dry-run" and report.ok
    assert [r.outcome for r in report.results] == ["dry-run"] * len(queued)
    assert progress[-1].done == progress[-1].total == len(queued)
    by_change = {r.change_id: r for r in report.results}
    campaign_id = by_change[queued["create_campaign"]].created_id
    assert campaign_id is not None and campaign_id.startswith("dryrun-")
    squad_request = by_change[queued["create_squad"]].requests[0]
    assert squad_request.path == f"/campaigns/{campaign_id}/adsquads"
    assert squad_request.body["adsquads"][0]["campaign_id"] == campaign_id
    media_id = by_change[queued["chain_media_create"]].created_id
    assert (
        by_change[queued["chain_media_upload_media"]].requests[0].path
        == f"/media/{media_id}/upload"
    )
    creative = by_change[queued["chain_creative_create"]]
    assert creative.requests[0].body["creatives"][0]["top_snap_media_id"] == media_id
    ad = by_change[queued["chain_ad_create"]].requests[0].body["ads"][0]
    assert ad["creative_id"] == creative.created_id and ad["creative_id"].startswith("dryrun-")
    pending = ChangeRepository(store).list()
    assert {c.id for c in pending} == set(queued.values())
    assert all(c.state == "pending" for c in pending)
    audit = ChangeRepository(store).audit_log()
    assert audit and {(e.mode, e.result) for e in audit} == {("dry-run", "dry-run")}
    assert {e.profile for e in audit} == {"tester"}


async def test_live_post_sends_exactly_the_previewed_requests(
    server: SandboxServer, store: Store, edits: EditService, gateway: GatewayFactory, tmp_path: Path
) -> None:
    queued = queue_mixed(edits, store, tmp_path)
    preview = await gateway(live=False).post()
    clear_recorded(server)

    report = await gateway(live=True).post()

    assert report.ok, [(r.action, r.error) for r in report.results]
    # dry-run ids stand for the ids Snap returned
    ids = {
        p.created_id: r.created_id
        for p, r in zip(preview.results, report.results, strict=True)
        if p.created_id
    }

    def real(value: Any) -> Any:
        text = json.dumps(value)
        for fake, actual in ids.items():
            text = text.replace(str(fake), str(actual))
        return json.loads(text)

    sent = recorded_writes(server)
    json_writes = [w for w in sent if "upload" not in w["path"]]
    expected = [
        (q.method, f"/v1{real(q.path)}", real(q.body), p.idempotency_key)
        for p in preview.results
        for q in p.requests
        if q.upload is None
    ]
    assert [
        (w["method"], w["path"], w["json"], w["idempotency_key"]) for w in json_writes
    ] == expected
    uploads = [w for w in sent if w["path"].endswith("/upload")]
    fake_media = next(
        r.created_id for r in preview.results if r.change_id == queued["chain_media_create"]
    )
    assert fake_media is not None
    media_id = ids[fake_media]
    assert [(w["path"], w["idempotency_key"]) for w in uploads] == [
        (f"/v1/media/{media_id}/upload", report.results[-3].idempotency_key)
    ]
    assert all(w["status"] == 200 for w in sent)
    # each change was sent once, and is posted
    changes = {c.id: c for c in ChangeRepository(store).list(states=None)}
    assert {c.state for c in changes.values()} == {POSTED}
    assert ChangeRepository(store).list() == []
    # the cache follows the responses
    assert store.get(AD, changes[queued["delete"]].entity_id) is None
    renamed = store.get(CAMPAIGN, changes[queued["update"]].entity_id)
    assert renamed is not None and renamed.name == "Renamed by test"


async def test_live_chain_binds_ids_and_updates_the_cache(
    server: SandboxServer, store: Store, edits: EditService, gateway: GatewayFactory, tmp_path: Path
) -> None:
    squad = first_squad(store)
    group = edits.create_ad_from_media(
        small_png(tmp_path),
        ad_squad_id=squad.id,
        creative={
            "name": "Web hero",
            "type": "WEB_VIEW",
            "headline": "Shop spring",
            "brand_name": "Lumen",
            "call_to_action": "SHOP_NOW",
            "web_view_properties": {"url": "https://lumen.example/spring"},
        },
    )
    assert [(c.kind, c.action) for c in group.changes] == [
        (MEDIA, "create"),
        (MEDIA, "upload_media"),
        (CREATIVE, "create"),
        (AD, "create"),
    ]
    report = await gateway(live=True).post()
    assert report.ok
    media_id, _, creative_id, ad_id = (r.created_id for r in report.results)
    assert media_id and creative_id and ad_id
    writes = recorded_writes(server)
    assert [w["path"] for w in writes] == [
        f"/v1/adaccounts/{squad.ad_account_id}/media",
        f"/v1/media/{media_id}/upload",
        f"/v1/adaccounts/{squad.ad_account_id}/creatives",
        f"/v1/adsquads/{squad.id}/ads",
    ]
    ad = store.get(AD, ad_id)
    assert ad is not None and ad.data["creative_id"] == creative_id
    assert ad.data["type"] == "REMOTE_WEBPAGE" and ad.parent_id == squad.id
    creative = store.get(CREATIVE, creative_id)
    assert creative is not None and creative.data["top_snap_media_id"] == media_id
    media = store.get(MEDIA, media_id)
    assert media is not None and media.data["media_status"] == "READY"


async def test_chunked_upload_uses_multipart_v2_paths_relative_to_the_host(
    server: SandboxServer, store: Store, edits: EditService, gateway: GatewayFactory, tmp_path: Path
) -> None:
    account = usd_account(store)
    picture = small_png(tmp_path, "big.png")
    size = picture.stat().st_size
    edits.create_media(ad_account_id=account.id, file_path=picture)
    rehearsal = await gateway(live=False, simple_upload_max=100, chunk_size=64).post()
    steps = rehearsal.results[1].requests
    parts = -(-size // 64)
    assert steps[0].params == {"action": "INIT"}
    assert len(steps) == parts + 2
    report = await gateway(live=True, simple_upload_max=100, chunk_size=64).post()
    assert report.ok, report.results
    media_id = report.results[0].created_id
    writes = recorded_writes(server)[1:]
    assert writes[0]["path"] == f"/v1/media/{media_id}/multipart-upload-v2"
    assert writes[0]["query"] == {"action": "INIT"}
    adds = writes[1:-1]
    assert len(adds) == parts
    assert {w["path"] for w in adds} == {f"/us/v1/media/{media_id}/multipart-upload-v2"}
    assert {w["query"]["action"] for w in adds} == {"ADD"}
    assert writes[-1]["query"] == {"action": "FINALIZE"}
    keys = [w["idempotency_key"] for w in writes]
    assert len(set(keys)) == len(keys)  # one key per step, all derived from the change's key
    key = report.results[1].idempotency_key
    assert all(k.startswith(f"{key}:") for k in keys)
    media = store.get(MEDIA, str(media_id))
    assert media is not None and media.data["file_size_in_bytes"] == size


@pytest.mark.parametrize("honour_key", [True, False], ids=["key-honoured", "key-ignored"])
@pytest.mark.parametrize("fault", [{"status": 500}, {"drop": True}])
async def test_create_retried_after_the_server_processed_it_yields_one_entity(
    server: SandboxServer,
    store: Store,
    edits: EditService,
    gateway: GatewayFactory,
    fault: dict[str, Any],
    honour_key: bool,
) -> None:
    """Snap processed the create, then the answer was lost. Whether or not Snap honours
    Idempotency-Key (unverified), the gateway finds the campaign instead of creating another."""
    control(server, "POST", "idempotency", {"honour": honour_key})
    account = usd_account(store)
    before = len(
        server.state.collections[CAMPAIGN].ids(  # sandbox truth
            "ad_account", account.id
        )
    )
    change = edits.create_campaign(ad_account_id=account.id, fields={"name": "Once only"}).changes[
        0
    ]
    control(
        server,
        "POST",
        "faults",
        {
            "path": "/v1/adaccounts/*/campaigns",
            "method": "POST",
            "times": 1,
            "after_processing": True,
            **fault,
        },
    )
    report = await gateway(live=True).post()
    assert report.ok, report.results
    posts = [w for w in recorded_writes(server) if w["method"] == "POST"]
    assert len(posts) == 1  # found on Snap by re-reading the list, not sent again
    assert {p["idempotency_key"] for p in posts} == {change.idempotency_key}
    ids = server.state.collections[CAMPAIGN].ids("ad_account", account.id)
    assert len(ids) == before + 1
    named = [i for i in ids if server.state.collections[CAMPAIGN].objects[i]["name"] == "Once only"]
    assert named == [report.results[0].created_id]
    assert store.get(CAMPAIGN, named[0]) is not None


class _DiesAfterSending:
    """An API whose process 'dies' (the task is cancelled) right before or after one write."""

    def __init__(self, api: SnapApi, *, die_on: int, after_send: bool) -> None:
        self._api = api
        self._die_on = die_on
        self._after = after_send
        self.writes = 0
        self.base_url = api.base_url

    async def get_json(self, *args: Any, **kw: Any) -> Any:
        return await self._api.get_json(*args, **kw)

    async def send(self, *args: Any, **kw: Any) -> Any:
        self.writes += 1
        if self.writes == self._die_on and not self._after:
            raise asyncio.CancelledError
        answer = await self._api.send(*args, **kw)
        if self.writes == self._die_on:
            raise asyncio.CancelledError
        return answer


@pytest.mark.parametrize("after_send", [False, True], ids=["before-send", "after-processed"])
async def test_restart_after_dying_mid_post_sends_nothing_twice(
    server: SandboxServer,
    api: SnapApi,
    store: Store,
    edits: EditService,
    gateway: GatewayFactory,
    settings: AppSettings,
    after_send: bool,
) -> None:
    account = usd_account(store)
    first = edits.edit(
        kind=CAMPAIGN, entity_id=first_campaign(store).id, fields={"name": "Step one"}
    ).changes[0]
    second = edits.create_campaign(ad_account_id=account.id, fields={"name": "Step two"}).changes[0]
    third = edits.pause([first_squad(store).id]).changes[0]
    dying = WriteGateway(
        api=_DiesAfterSending(api, die_on=2, after_send=after_send),  # type: ignore[arg-type]
        store=store,
        live=True,
        settings=settings,
    )
    with pytest.raises(asyncio.CancelledError):
        await dying.post()
    repo = ChangeRepository(store)
    states = {c.id: c.state for c in repo.list(states=None)}
    assert states == {first.id: POSTED, second.id: SENDING, third.id: "pending"}
    interrupted = repo.get(second.id)
    assert interrupted is not None and interrupted.sent_request is not None

    report = await gateway(live=True).post()  # "restart": a new gateway on the same database

    assert report.ok
    assert [r.change_id for r in report.results] == [second.id, third.id]
    writes = recorded_writes(server)
    keys = [w["idempotency_key"] for w in writes]
    assert keys.count(first.idempotency_key) == 1  # a posted change is never sent again
    # The interrupted create is looked for on Snap before anything is sent: found when Snap had
    # processed it (not sent again, whether or not Snap honours the key), sent once otherwise.
    assert keys.count(second.idempotency_key) == 1
    assert keys.count(third.idempotency_key) == 1
    resent = [w for w in writes if w["idempotency_key"] == second.idempotency_key]
    assert all(w["json"] == interrupted.sent_request.body for w in resent)
    made = [
        o for o in server.state.collections[CAMPAIGN].objects.values() if o["name"] == "Step two"
    ]
    assert len(made) == 1 and made[0]["id"] == report.results[0].created_id
    assert {c.state for c in repo.list(states=None)} == {POSTED}
    again = await gateway(live=True).post()
    assert again.results == ()
    assert len(recorded_writes(server)) == len(writes)


async def test_conflicts_are_reported_and_nothing_is_sent(
    server: SandboxServer, api: SnapApi, store: Store, edits: EditService, gateway: GatewayFactory
) -> None:
    campaign = first_campaign(store)
    change = edits.edit(
        kind=CAMPAIGN, entity_id=campaign.id, fields={"name": "Mine", "status": "PAUSED"}
    ).changes[0]
    theirs = await server_update(
        api, CAMPAIGN, campaign.id, name="Theirs", daily_budget_micro=123_000_000
    )
    clear_recorded(server)

    report = await gateway(live=True).post()

    assert [r.outcome for r in report.results] == ["conflict"]
    [conflict] = report.conflicts
    assert (conflict.field, conflict.base, conflict.mine, conflict.theirs) == (
        "name",
        campaign.name,
        "Mine",
        "Theirs",
    )
    assert recorded_writes(server) == []
    gw = gateway(live=True)
    assert gw.conflicts() == [conflict]
    stored = ChangeRepository(store).get(change.id)
    assert stored is not None and stored.state == "pending" and stored.conflicts == [conflict]

    resolved = gw.resolve_conflicts(change.id, {"name": "mine"})
    assert resolved.conflicts == []
    clear_recorded(server)
    report = await gw.post()
    assert report.ok
    [put] = recorded_writes(server)
    body = put["json"]["campaigns"][0]
    assert body["name"] == "Mine" and body["status"] == "PAUSED"
    # changed only on Snap: merged in, not clobbered by the full-replacement PUT
    assert body["daily_budget_micro"] == theirs["daily_budget_micro"] == 123_000_000
    cached = store.get(CAMPAIGN, campaign.id)
    assert cached is not None and cached.name == "Mine" and cached.status == "PAUSED"


async def test_keep_theirs_and_resolve_all(
    server: SandboxServer, api: SnapApi, store: Store, edits: EditService, gateway: GatewayFactory
) -> None:
    account = usd_account(store)
    one, two = store.campaigns(account.id)[:2]
    a = edits.edit(kind=CAMPAIGN, entity_id=one.id, fields={"name": "A mine", "status": "PAUSED"})
    b = edits.edit(kind=CAMPAIGN, entity_id=two.id, fields={"name": "B mine"})
    await server_update(api, CAMPAIGN, one.id, name="A theirs")
    await server_update(api, CAMPAIGN, two.id, name="B theirs")
    gw = gateway(live=True)
    report = await gw.post()
    assert len(report.conflicts) == 2
    resolved = gw.resolve_all("theirs")
    by_id = {c.id: c for c in resolved}
    # B only changed the name: keeping theirs leaves nothing to send
    assert by_id[b.changes[0].id].state == REVERTED
    kept = by_id[a.changes[0].id].after
    assert kept is not None and kept["name"] == "A theirs"
    clear_recorded(server)
    report = await gw.post()
    assert report.ok and len(report.results) == 1
    [put] = recorded_writes(server)
    assert put["json"]["campaigns"][0]["name"] == "A theirs"
    assert put["json"]["campaigns"][0]["status"] == "PAUSED"


async def test_spend_guards_block_live_posting_until_confirmed(
    server: SandboxServer, store: Store, edits: EditService, gateway: GatewayFactory
) -> None:
    squad = first_squad(store)
    old_budget = squad.data["daily_budget_micro"]
    edits.adjust_budgets([squad.id], percent=Decimal("80"))
    guards = SpendGuards(max_budget_increase_percent=Decimal(50), max_bid={"USD": Decimal("0.50")})
    settings = AppSettings(spend_guards=guards, media_poll_seconds=0)
    edits.adjust_bids([squad.id], value="0.75")

    rehearsal = await gateway(live=False, settings=settings).post()
    assert rehearsal.ok and {v.guard for v in rehearsal.guard_violations} == {
        "budget_increase_percent",
        "max_bid",
    }

    asked: list[int] = []

    def refuse(violations: Any) -> bool:
        asked.append(len(violations))
        return False

    blocked = await gateway(live=True, settings=settings).post(confirm=refuse)
    assert blocked.blocked and not blocked.ok and blocked.results == ()
    assert asked == [2]
    assert recorded_writes(server) == []
    message = blocked.guard_violations[0].message
    assert "+80.0%, above the 50% limit per post" in message
    audit = ChangeRepository(store).audit_log(result="blocked")
    assert len(audit) == 1 and audit[0].mode == "live"

    async def approve(violations: Any) -> bool:
        return True

    report = await gateway(live=True, settings=settings).post(confirm=approve)
    assert report.ok
    [put] = recorded_writes(server)
    body = put["json"]["adsquads"][0]
    assert body["daily_budget_micro"] == old_budget * 180 // 100
    assert body["bid_micro"] == 750_000


async def test_absolute_budget_guard_counts_creates_from_zero(
    store: Store, edits: EditService, gateway: GatewayFactory
) -> None:
    account = usd_account(store)
    edits.create_campaign(
        ad_account_id=account.id, fields={"name": "Big", "daily_budget_micro": 900_000_000}
    )
    settings = AppSettings(spend_guards=SpendGuards(max_budget_increase={"USD": Decimal("500")}))
    violations = gateway(live=True, settings=settings).check_guards()
    assert [(v.guard, v.old_micro, v.new_micro) for v in violations] == [
        ("budget_increase", None, 900_000_000)
    ]
    assert "rises by $900.00, above the $500.00 limit" in violations[0].message


async def test_duplicate_campaign_remaps_ids_dry_run_and_live(
    server: SandboxServer, store: Store, edits: EditService, gateway: GatewayFactory
) -> None:
    original = first_campaign(store)
    squads = store.ad_squads(original.id)
    ads = [ad for squad in squads for ad in store.ads(squad.id)]
    group = edits.duplicate_campaign(original.id)
    assert len(group.changes) == 1 + len(squads) + len(ads)

    rehearsal = await gateway(live=False).post()
    fake_campaign = rehearsal.results[0].created_id
    assert fake_campaign is not None and fake_campaign.startswith("dryrun-")
    squad_paths = {r.requests[0].path for r in rehearsal.results if r.kind == AD_SQUAD}
    assert squad_paths == {f"/campaigns/{fake_campaign}/adsquads"}
    assert recorded(server) == []

    report = await gateway(live=True).post()
    assert report.ok
    new_id = report.results[0].created_id
    assert new_id is not None
    copy = server.state.collections[CAMPAIGN].objects[new_id]
    assert copy["name"] == f"{original.name} (copy)" and copy["status"] == "PAUSED"
    new_squads = store.ad_squads(new_id)
    assert sorted(s.name or "" for s in new_squads) == sorted(f"{s.name} (copy)" for s in squads)
    assert {s.status for s in new_squads} == {"PAUSED"}
    new_ads = [ad for s in new_squads for ad in store.ads(s.id)]
    assert sorted(a.data["creative_id"] for a in new_ads) == sorted(
        a.data["creative_id"] for a in ads
    )
    assert {a.status for a in new_ads} == {"PAUSED"}


async def test_failed_change_is_reported_and_posts_later(
    server: SandboxServer, store: Store, edits: EditService, gateway: GatewayFactory
) -> None:
    campaign = first_campaign(store)
    change = edits.edit(kind=CAMPAIGN, entity_id=campaign.id, fields={"name": "Later"}).changes[0]
    control(
        server,
        "POST",
        "faults",
        {"path": "/v1/adaccounts/*/campaigns", "method": "PUT", "status": 403, "times": 1},
    )
    report = await gateway(live=True).post()
    assert [r.outcome for r in report.results] == ["failed"]
    assert report.results[0].error and "permission" in report.results[0].error.lower()
    stored = ChangeRepository(store).get(change.id)
    assert stored is not None and stored.state == "failed" and stored.error
    failed_audit = ChangeRepository(store).audit_log(result="failed")
    assert failed_audit[0].response_status == 403
    report = await gateway(live=True).post()
    assert report.ok
    assert {w["idempotency_key"] for w in recorded_writes(server)} == {change.idempotency_key}


async def test_dependents_of_a_failed_create_are_skipped(
    server: SandboxServer, store: Store, edits: EditService, gateway: GatewayFactory
) -> None:
    account = usd_account(store)
    new = edits.create_campaign(ad_account_id=account.id, fields={"name": "Parent"}).changes[0]
    edits.create_ad_squad(
        campaign_id=new.entity_id,
        fields={
            "name": "Child",
            "optimization_goal": "IMPRESSIONS",
            "daily_budget_micro": 9_000_000,
            "targeting": {"geos": [{"country_code": "us"}]},  # required to post (issue 16)
        },
    )
    control(
        server,
        "POST",
        "faults",
        {"path": "/v1/adaccounts/*/campaigns", "method": "POST", "status": 400, "times": 1},
    )
    report = await gateway(live=True).post()
    assert [r.outcome for r in report.results] == ["failed", "skipped"]
    assert len(recorded_writes(server)) == 1


async def test_audit_log_records_live_attempts_and_is_append_only(
    server: SandboxServer, store: Store, edits: EditService, gateway: GatewayFactory
) -> None:
    campaign = first_campaign(store)
    change = edits.edit(kind=CAMPAIGN, entity_id=campaign.id, fields={"name": "Audited"}).changes[0]
    await gateway(live=True).post()
    [entry] = ChangeRepository(store).audit_log(mode="live")
    assert (entry.profile, entry.result, entry.response_status) == ("tester", "ok", 200)
    assert entry.change_id == change.id and entry.method == "PUT"
    assert entry.request_body["campaigns"][0]["name"] == "Audited"
    assert entry.idempotency_key == change.idempotency_key
    assert entry.response_excerpt and "Audited" in entry.response_excerpt
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        store.write(lambda c: c.execute("DELETE FROM audit_log"))
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        store.write(lambda c: c.execute("UPDATE audit_log SET result = 'ok'"))


async def test_affected_accounts_name_every_account(
    store: Store, edits: EditService, gateway: GatewayFactory
) -> None:
    usd = usd_account(store)
    jpy = next(a for a in store.ad_accounts() if a.currency == "JPY")
    edits.edit(kind=CAMPAIGN, entity_id=store.campaigns(usd.id)[0].id, fields={"name": "x"})
    edits.pause([store.campaigns(jpy.id)[0].id])
    accounts = gateway(live=True).affected_accounts()
    assert {(a.id, a.name, a.changes) for a in accounts} == {
        (usd.id, usd.name, 1),
        (jpy.id, jpy.name, 1),
    }


def test_request_spec_round_trip() -> None:
    spec = RequestSpec("PUT", "/a", params={"x": 1}, body={"a": [1]})
    assert RequestSpec.from_json(spec.to_json()) == spec


async def test_an_edit_made_while_posting_is_the_one_sent(
    server: SandboxServer, store: Store, edits: EditService, gateway: GatewayFactory
) -> None:
    account = usd_account(store)
    one, two = store.campaigns(account.id)[:2]
    edits.edit(kind=CAMPAIGN, entity_id=one.id, fields={"name": "First"})
    edits.edit(kind=CAMPAIGN, entity_id=two.id, fields={"name": "Second"})

    def meanwhile(progress: PostProgress) -> None:
        if progress.done == 0:  # while the first change is posted, the user edits the second
            edits.edit(kind=CAMPAIGN, entity_id=two.id, fields={"name": "Second, edited"})

    report = await gateway(live=True).post(progress=meanwhile)
    assert report.ok
    names = [w["json"]["campaigns"][0]["name"] for w in recorded_writes(server)]
    assert names == ["First", "Second, edited"]


async def test_after_posting_a_new_entity_its_temporary_id_edits_the_real_one(
    store: Store, edits: EditService, gateway: GatewayFactory
) -> None:
    account = usd_account(store)
    temp = edits.create_campaign(ad_account_id=account.id, fields={"name": "Made"}).changes[0]
    report = await gateway(live=True).post()
    real = report.results[0].created_id
    [change] = edits.edit(
        kind=CAMPAIGN, entity_id=temp.entity_id, fields={"name": "Made 2"}
    ).changes
    assert change.action == "update" and change.entity_id == real


async def test_dry_run_of_an_interrupted_change_shows_the_request_it_will_resend(
    store: Store, edits: EditService, gateway: GatewayFactory
) -> None:
    from snapdesk.changes import repository as repo

    account = usd_account(store)
    change = edits.create_campaign(ad_account_id=account.id, fields={"name": "Half"}).changes[0]
    sent = change.request
    store.write(lambda c: repo.save_change(c, change.evolve(state=SENDING, sent_request=sent)))
    report = await gateway(live=False).post()
    assert report.results[0].requests == (sent,)


async def test_audit_log_filters_and_export(
    store: Store, edits: EditService, gateway: GatewayFactory, tmp_path: Path
) -> None:
    from snapdesk.changes import export_audit

    campaign = first_campaign(store)
    edits.edit(kind=CAMPAIGN, entity_id=campaign.id, fields={"name": "Logged"})
    await gateway(live=False).post()
    await gateway(live=True).post()
    repo = ChangeRepository(store)
    assert [e.mode for e in repo.audit_log()] == ["dry-run", "live"]
    assert [e.result for e in repo.audit_log(mode="live")] == ["ok"]
    assert len(repo.audit_log(ad_account_id=campaign.ad_account_id)) == 2
    assert repo.audit_log(ad_account_id="elsewhere") == []
    assert len(repo.audit_log(text="Logged")) == 2
    csv_path = export_audit(repo.audit_log(), tmp_path / "audit.csv")
    lines = csv_path.read_text().splitlines()
    assert lines[0].startswith("id,at,profile,mode,result") and len(lines) == 3
    data = json.loads(export_audit(repo.audit_log(), tmp_path / "audit.json").read_text())
    assert data[1]["response_status"] == 200 and data[1]["profile"] == "tester"
