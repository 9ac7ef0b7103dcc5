"""SyncService against the sandbox over real loopback HTTP, with the real client."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from snapdesk.api import RetryPolicy, SnapApi, StaticTokenProvider
from snapdesk.core.kinds import AD, ORGANIZATION
from snapdesk.sandbox import SandboxServer
from snapdesk.store import COUNT_KEYS, EntityRow, Store, writes
from snapdesk.sync import (
    ACCOUNT_DONE,
    CANCELLED,
    DISCOVERING,
    FETCHING,
    FINISHED,
    SAVING,
    SyncProgress,
    SyncService,
)

SEED = 42


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    with SandboxServer(seed=SEED, scale="demo") as srv:
        yield srv


def _control(server: SandboxServer, method: str, path: str, body: Any = None) -> Any:
    response = httpx.request(method, f"{server.base_url}/__sandbox__/{path}", json=body)
    response.raise_for_status()
    return response.json()


@pytest.fixture(autouse=True)
def _fresh_sandbox(server: SandboxServer) -> None:
    _control(server, "POST", "reset", {"seed": SEED, "scale": "demo"})
    # The client paces itself at 1000 req/s in tests; let the server accept that.
    _control(server, "POST", "rate_limit", {"per_second": 100000, "burst": 100000})


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "cache.sqlite3") as s:
        yield s


async def _no_sleep(seconds: float) -> None:
    await asyncio.sleep(0)


@pytest.fixture
async def api(server: SandboxServer) -> AsyncIterator[SnapApi]:
    async with SnapApi(
        token_provider=StaticTokenProvider(server.token),
        base_url=server.api_base,
        rate_limit=1000,
        retry=RetryPolicy(max_attempts=5),
        sleep=_no_sleep,
    ) as client:
        yield client


def _summary(server: SandboxServer) -> dict[str, Any]:
    result: dict[str, Any] = _control(server, "GET", "state/summary")
    return result


def _expected_counts(server: SandboxServer) -> dict[str, int]:
    summary = _summary(server)
    counts = summary.get("counts", summary)  # older sandbox builds nested them under "counts"
    return {key: int(counts[key]) for key in COUNT_KEYS}


def _per_account(server: SandboxServer) -> dict[str, dict[str, int]]:
    summary = _summary(server)
    per: dict[str, dict[str, int]] = summary.get("per_ad_account") or summary["ad_accounts"]
    return per


def _account_ids(server: SandboxServer) -> list[str]:
    return sorted(_per_account(server))


def _cache_of(store: Store, account_id: str) -> dict[str, list[tuple[str, str]]]:
    """Everything cached under one account, as (id, data) pairs per table."""

    def read(conn: sqlite3.Connection) -> dict[str, list[tuple[str, str]]]:
        return {
            table: conn.execute(
                f"SELECT id, data FROM {table} WHERE ad_account_id = ? ORDER BY id", (account_id,)
            ).fetchall()
            for table in COUNT_KEYS[1:]
        }

    return store.write(read)


def _delete_ad(server: SandboxServer, ad_id: str) -> None:
    response = httpx.delete(
        f"{server.api_base}/ads/{ad_id}",
        headers={
            "Authorization": f"Bearer {server.token}",
            "Idempotency-Key": str(uuid.uuid4()),
        },
    )
    response.raise_for_status()


def _first_ad(store: Store, account_id: str) -> EntityRow:
    ads = store.entities(AD, account_id)
    assert ads, f"no ads cached for {account_id}"
    return ads[0]


async def test_full_sync_matches_the_sandbox(
    server: SandboxServer, api: SnapApi, store: Store
) -> None:
    svc = SyncService(api=api, store=store)

    result = await svc.sync()

    expected = _expected_counts(server)
    assert result.errors == {}
    assert sorted(result.ad_account_ids) == _account_ids(server)
    assert result.counts == expected
    assert store.counts() == expected
    assert result.requests >= len(result.ad_account_ids) * 6 + 1
    assert result.elapsed_s > 0
    per_account = _per_account(server)
    for account_id, counts in per_account.items():
        assert {k: v for k, v in store.counts([account_id]).items() if k != "ad_accounts"} == counts
        meta = store.sync_meta(account_id)
        assert meta is not None and meta.last_status == "ok" and meta.last_error is None
        assert meta.counts == counts
    summary = _summary(server)
    assert len(store.organizations("default")) == summary.get("counts", summary)["organizations"]
    for account in store.ad_accounts():
        assert account.organization_id is not None
        assert store.get(ORGANIZATION, account.organization_id) is not None
        assert account.currency and account.timezone
    assert store.last_sync_at() is not None


async def test_tree_reads_follow_the_hierarchy(api: SnapApi, store: Store) -> None:
    await SyncService(api=api, store=store).sync()
    account = store.ad_accounts()[0]
    campaigns = store.campaigns(account.id)
    assert campaigns
    total_squads = 0
    for campaign in campaigns:
        squads = store.ad_squads(campaign.id)
        assert store.child_count("ad_squad", campaign.id) == len(squads)
        total_squads += len(squads)
        for squad in squads:
            assert squad.data["campaign_id"] == campaign.id
            for ad in store.ads(squad.id):
                assert ad.ad_account_id == account.id
    assert total_squads == store.counts([account.id])["ad_squads"]


async def test_resync_removes_an_entity_deleted_on_the_server(
    server: SandboxServer, api: SnapApi, store: Store
) -> None:
    svc = SyncService(api=api, store=store)
    await svc.sync()
    account_id = _account_ids(server)[0]
    ad = _first_ad(store, account_id)
    ads_before = store.counts()["ads"]

    _delete_ad(server, ad.id)
    result = await svc.sync()

    assert result.errors == {}
    assert store.get(AD, ad.id) is None
    assert store.counts()["ads"] == ads_before - 1
    assert result.changes[account_id].tables["ads"].deleted == 1


async def test_failure_midway_keeps_that_accounts_old_cache(
    server: SandboxServer, api: SnapApi, store: Store
) -> None:
    svc = SyncService(api=api, store=store)
    await svc.sync()
    broken, healthy = _account_ids(server)[:2]
    before = _cache_of(store, broken)
    gone_from_broken = _first_ad(store, broken)
    gone_from_healthy = _first_ad(store, healthy)
    _delete_ad(server, gone_from_broken.id)
    _delete_ad(server, gone_from_healthy.id)
    _control(
        server,
        "POST",
        "faults",
        {"method": "GET", "path": f"/v1/adaccounts/{broken}/ads", "status": 500, "times": 10},
    )

    result = await svc.sync()

    assert set(result.errors) == {broken}
    assert result.errors[broken]  # the client's one-line message
    assert _cache_of(store, broken) == before  # exactly intact, the deleted ad included
    assert store.get(AD, gone_from_broken.id) is not None
    assert store.get(AD, gone_from_healthy.id) is None  # other accounts updated
    meta = store.sync_meta(broken)
    assert meta is not None
    assert (meta.last_status, meta.last_error) == ("failed", result.errors[broken])
    assert meta.last_success_at is not None  # from the first sync
    healthy_meta = store.sync_meta(healthy)
    assert healthy_meta is not None and healthy_meta.last_status == "ok"
    assert broken not in result.synced and healthy in result.synced


async def test_failure_on_a_first_sync_caches_nothing_for_that_account(
    server: SandboxServer, api: SnapApi, store: Store
) -> None:
    broken = _account_ids(server)[0]
    _control(
        server,
        "POST",
        "faults",
        {"method": "GET", "path": f"/v1/adaccounts/{broken}/segments", "status": 503},
    )
    result = await SyncService(api=api, store=store).sync()
    assert set(result.errors) == {broken}
    assert store.counts([broken]) == dict.fromkeys(COUNT_KEYS, 0) | {"ad_accounts": 1}
    broken_campaigns = _per_account(server)[broken]["campaigns"]
    assert broken_campaigns > 0
    assert store.counts()["campaigns"] == _expected_counts(server)["campaigns"] - broken_campaigns
    meta = store.sync_meta(broken)
    assert meta is not None and meta.last_status == "failed" and meta.last_success_at is None


async def test_permission_denied_on_one_account_others_continue(
    server: SandboxServer, api: SnapApi, store: Store
) -> None:
    denied = _account_ids(server)[1]
    _control(server, "POST", "permissions", {"ad_account_id": denied, "deny": True})

    result = await SyncService(api=api, store=store).sync()

    assert set(result.errors) == {denied}
    assert "permission" in result.errors[denied].lower()
    others = [a for a in result.ad_account_ids if a != denied]
    assert others and all(store.sync_meta(a).last_status == "ok" for a in others)  # type: ignore[union-attr]
    assert store.counts(others)["campaigns"] == sum(
        _per_account(server)[a]["campaigns"] for a in others
    )


async def test_dropped_connection_is_retried(
    server: SandboxServer, api: SnapApi, store: Store
) -> None:
    account_id = _account_ids(server)[0]
    _control(
        server,
        "POST",
        "faults",
        {
            "method": "GET",
            "path": f"/v1/adaccounts/{account_id}/campaigns",
            "drop": True,
            "times": 1,
        },
    )

    result = await SyncService(api=api, store=store).sync()

    assert result.errors == {}
    assert result.counts == _expected_counts(server)
    assert api.stats.retries >= 1


async def test_a_burst_of_429s_is_absorbed(
    server: SandboxServer, api: SnapApi, store: Store
) -> None:
    _control(
        server,
        "POST",
        "faults",
        {"method": "GET", "path": "/v1/adaccounts/*", "status": 429, "times": 4},
    )

    result = await SyncService(api=api, store=store).sync()

    assert result.errors == {}
    assert result.counts == _expected_counts(server)
    assert api.stats.rate_limited == 4


async def test_cancellation_keeps_old_data_and_marks_accounts_cancelled(
    server: SandboxServer, api: SnapApi, store: Store
) -> None:
    svc = SyncService(api=api, store=store, concurrency=2)
    await svc.sync()
    ids = _account_ids(server)
    before = {a: _cache_of(store, a) for a in ids}
    for account_id in ids:
        _delete_ad(server, _first_ad(store, account_id).id)
    # Every ads list now hangs a while, so no account can finish before we cancel.
    _control(
        server,
        "POST",
        "faults",
        {"method": "GET", "path": "/v1/adaccounts/*/ads", "latency_ms": 1500},
    )
    fetching = asyncio.Event()
    events: list[SyncProgress] = []

    def on_progress(p: SyncProgress) -> None:
        events.append(p)
        if p.phase == FETCHING:
            fetching.set()

    task = asyncio.create_task(svc.sync(ids, progress=on_progress))
    await asyncio.wait_for(fetching.wait(), 10)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    for account_id in ids:
        assert _cache_of(store, account_id) == before[account_id]
        meta = store.sync_meta(account_id)
        assert meta is not None and meta.last_status == "cancelled"
        assert meta.last_success_at is not None
    assert events[-1].phase == CANCELLED


async def test_progress_is_reported(server: SandboxServer, api: SnapApi, store: Store) -> None:
    events: list[SyncProgress] = []
    threads: set[int] = set()

    def on_progress(p: SyncProgress) -> None:
        threads.add(threading.get_ident())
        events.append(p)

    result = await SyncService(api=api, store=store).sync(progress=on_progress)

    phases = [e.phase for e in events]
    assert phases[0] == DISCOVERING and phases[-1] == FINISHED
    assert {FETCHING, SAVING, ACCOUNT_DONE} <= set(phases)
    assert sorted(str(e.ad_account_id) for e in events if e.phase == ACCOUNT_DONE) == sorted(
        result.ad_account_ids
    )
    progress_events = [e for e in events if e.phase != DISCOVERING]
    dones = [e.done for e in progress_events]
    assert dones == sorted(dones)
    assert all(0 <= e.done <= e.total for e in progress_events)
    assert events[-1].done == events[-1].total >= len(result.ad_account_ids) * 7
    assert threads == {threading.get_ident()}  # called on the event loop's thread


async def test_sync_of_selected_accounts_only(
    server: SandboxServer, api: SnapApi, store: Store
) -> None:
    chosen = _account_ids(server)[2]
    result = await SyncService(api=api, store=store).sync([chosen])
    assert result.ad_account_ids == [chosen]
    assert store.ad_account(chosen) is not None  # discovered because the cache was empty
    expected = _per_account(server)[chosen]
    assert {k: v for k, v in result.counts.items() if k != "ad_accounts"} == expected
    assert store.counts()["campaigns"] == expected["campaigns"]


async def test_store_writes_run_off_the_event_loop(
    api: SnapApi, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    loop_thread = threading.get_ident()
    write_threads: set[int] = set()
    original = writes.replace_account_snapshot

    def spy(conn: sqlite3.Connection, *args: Any, **kwargs: Any) -> Any:
        write_threads.add(threading.get_ident())
        return original(conn, *args, **kwargs)

    monkeypatch.setattr(writes, "replace_account_snapshot", spy)
    await SyncService(api=api, store=store).sync()
    assert write_threads and loop_thread not in write_threads


async def test_discover_drops_accounts_no_longer_visible(
    server: SandboxServer, api: SnapApi, store: Store
) -> None:
    svc = SyncService(api=api, store=store)
    await svc.sync()
    store.replace_organizations(
        "default",
        [o.data for o in store.organizations()] + [{"id": "old-org", "name": "Gone Ltd"}],
        [a.data for a in store.ad_accounts()]
        + [{"id": "old-acc", "name": "Gone", "organization_id": "old-org"}],
    )
    store.replace_account_snapshot("old-acc", {"campaigns": [{"id": "old-c", "name": "x"}]})

    ids = await svc.discover()

    assert sorted(ids) == _account_ids(server)
    assert store.ad_account("old-acc") is None
    assert store.organization("old-org") is None
    assert store.get("campaign", "old-c") is None


async def test_private_organization_fields_are_not_cached(api: SnapApi, store: Store) -> None:
    await SyncService(api=api, store=store).discover()
    dump = "\n".join(store.write(lambda c: list(c.iterdump())))
    for key in ("contact_email", "contact_name", "my_invited_email", "tax_id"):
        assert f'"{key}"' not in dump
    for org in store.organizations():
        assert not set(org.data) & writes.PRIVATE_KEYS
        assert "ad_accounts" not in org.data


async def test_a_failed_cache_write_is_reported_for_that_account(
    server: SandboxServer, api: SnapApi, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    unlucky = _account_ids(server)[0]
    original = writes.replace_account_snapshot

    def flaky(conn: sqlite3.Connection, account_id: str, snapshot: Any) -> Any:
        result = original(conn, account_id, snapshot)
        if account_id == unlucky:
            raise sqlite3.OperationalError("database or disk is full")
        return result

    monkeypatch.setattr(writes, "replace_account_snapshot", flaky)
    result = await SyncService(api=api, store=store).sync()

    assert set(result.errors) == {unlucky}
    assert "disk is full" in result.errors[unlucky]
    assert store.counts([unlucky])["campaigns"] == 0  # rolled back
    meta = store.sync_meta(unlucky)
    assert meta is not None and meta.last_status == "failed"
    assert len(result.synced) == len(result.ad_account_ids) - 1


async def test_a_broken_progress_callback_does_not_stop_the_sync(
    server: SandboxServer, api: SnapApi, store: Store
) -> None:
    def explode(p: SyncProgress) -> None:
        raise RuntimeError("UI bug")

    result = await SyncService(api=api, store=store).sync(progress=explode)
    assert result.errors == {} and result.counts == _expected_counts(server)
