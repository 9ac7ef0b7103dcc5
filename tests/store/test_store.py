"""The cache: snapshots, reads for the tree, search, counts, the single writer."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from snapdesk.core.kinds import AD, AD_ACCOUNT, AD_SQUAD, CAMPAIGN, CREATIVE, ORGANIZATION
from snapdesk.store import COUNT_KEYS, Store, StoreClosed, writes

ACC = "a0000000-0000-4000-8000-000000000001"
ACC2 = "a0000000-0000-4000-8000-000000000002"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "cache.sqlite3") as s:
        yield s


def _org(id: str, name: str, **extra: Any) -> dict[str, Any]:
    return {"id": id, "name": name, "state": "ACTIVE", **extra}


def _account(id: str, org: str, name: str) -> dict[str, Any]:
    return {
        "id": id,
        "organization_id": org,
        "name": name,
        "status": "ACTIVE",
        "currency": "EUR",
        "timezone": "Europe/Warsaw",
        "type": "PARTNER",
    }


def _snapshot(prefix: str = "") -> dict[str, list[dict[str, Any]]]:
    return {
        "campaigns": [
            {"id": f"{prefix}c1", "name": "Spring Sale", "status": "ACTIVE", "ad_account_id": ACC},
            {"id": f"{prefix}c2", "name": "autumn push", "status": "PAUSED", "ad_account_id": ACC},
        ],
        "ad_squads": [
            {"id": f"{prefix}s1", "name": "Squad A", "campaign_id": f"{prefix}c1"},
            {"id": f"{prefix}s2", "name": "Squad B", "campaign_id": f"{prefix}c1"},
            {"id": f"{prefix}s3", "name": "Squad C", "campaign_id": f"{prefix}c2"},
        ],
        "ads": [
            {
                "id": f"{prefix}ad1",
                "name": "Ad one",
                "ad_squad_id": f"{prefix}s1",
                "status": "ACTIVE",
            },
            {
                "id": f"{prefix}ad2",
                "name": "Ad two",
                "ad_squad_id": f"{prefix}s1",
                "status": "PAUSED",
            },
            {"id": f"{prefix}ad3", "name": "Ad three", "ad_squad_id": f"{prefix}s3"},
        ],
        "creatives": [{"id": f"{prefix}cr1", "name": "Hero", "review_status": "APPROVED"}],
        "media": [{"id": f"{prefix}m1", "name": "video.mp4", "media_status": "READY"}],
        "segments": [{"id": f"{prefix}seg1", "name": "Buyers", "status": "ACTIVE"}],
    }


def _seed(store: Store) -> None:
    store.replace_organizations(
        "default",
        [_org("o1", "Acme Agency", is_agency=True), _org("o2", "Bistro")],
        [_account(ACC, "o1", "Acme EU"), _account(ACC2, "o2", "Bistro UK")],
    )
    store.replace_account_snapshot(ACC, _snapshot())


def test_wal_and_foreign_keys_are_enabled(store: Store) -> None:
    assert store.journal_mode() == "wal"
    assert store.write(lambda c: c.execute("PRAGMA foreign_keys").fetchone()[0]) == 1
    assert store.write(lambda c: c.execute("PRAGMA journal_mode").fetchone()[0]) == "wal"


def test_replace_snapshot_inserts_rows_with_parents(store: Store) -> None:
    _seed(store)
    changes = store.replace_account_snapshot(ACC, _snapshot())
    assert not changes.changed  # identical snapshot: nothing written
    assert [c.name for c in store.campaigns(ACC)] == ["autumn push", "Spring Sale"]
    assert [s.id for s in store.ad_squads("c1")] == ["s1", "s2"]
    assert [a.id for a in store.ads("s1")] == ["ad1", "ad2"]
    ad = store.get(AD, "ad1")
    assert ad is not None
    assert (ad.kind, ad.ad_account_id, ad.parent_id, ad.status) == (AD, ACC, "s1", "ACTIVE")
    squad = store.get(AD_SQUAD, "s3")
    assert squad is not None and squad.parent_id == "c2" and squad.ad_account_id == ACC
    campaign = store.get(CAMPAIGN, "c1")
    assert campaign is not None and campaign.parent_id == ACC
    assert [c.status for c in store.creatives(ACC)] == ["APPROVED"]
    assert [m.status for m in store.media(ACC)] == ["READY"]
    assert [s.name for s in store.segments(ACC)] == ["Buyers"]
    assert store.get(AD, "nope") is None


def test_replace_snapshot_updates_and_deletes(store: Store) -> None:
    _seed(store)
    snap = _snapshot()
    snap["campaigns"][0]["status"] = "PAUSED"  # update c1
    snap["ads"] = [a for a in snap["ads"] if a["id"] != "ad2"]  # delete ad2
    snap["ads"].append({"id": "ad4", "name": "Ad four", "ad_squad_id": "s2"})  # insert ad4
    snap["ad_squads"][2]["campaign_id"] = "c1"  # move s3 to c1

    changes = store.replace_account_snapshot(ACC, snap)

    assert changes.tables["campaigns"].updated == 1
    assert (changes.tables["ads"].inserted, changes.tables["ads"].deleted) == (1, 1)
    assert changes.tables["ad_squads"].updated == 1
    assert changes.counts["ads"] == 3
    c1 = store.get(CAMPAIGN, "c1")
    assert c1 is not None and c1.status == "PAUSED" and c1.data["status"] == "PAUSED"
    assert store.get(AD, "ad2") is None
    assert [a.id for a in store.ads("s2")] == ["ad4"]
    assert [s.id for s in store.ad_squads("c1")] == ["s1", "s2", "s3"]
    assert store.ad_squads("c2") == []


def test_replace_snapshot_only_touches_its_own_account(store: Store) -> None:
    _seed(store)
    store.replace_account_snapshot(ACC2, _snapshot(prefix="b-"))
    store.replace_account_snapshot(ACC, {"campaigns": [], "ads": []})
    assert store.campaigns(ACC) == []
    assert store.counts([ACC])["ads"] == 0
    assert store.counts([ACC])["ad_squads"] == 3  # kinds absent from the snapshot are kept
    assert len(store.campaigns(ACC2)) == 2
    assert store.counts([ACC2])["ads"] == 3


def test_empty_snapshot_removes_everything_of_the_account(store: Store) -> None:
    _seed(store)
    store.replace_account_snapshot(ACC, {k: [] for k in _snapshot()})
    assert store.counts([ACC]) == dict.fromkeys(COUNT_KEYS, 0) | {"ad_accounts": 1}


def test_duplicate_ids_in_a_snapshot_keep_the_last_copy(store: Store) -> None:
    changes = store.replace_account_snapshot(
        ACC, {"campaign": [{"id": "c1", "name": "first"}, {"id": "c1", "name": "second"}]}
    )
    assert changes.counts == {"campaigns": 1}
    assert [c.name for c in store.campaigns(ACC)] == ["second"]


def test_unknown_kind_is_rejected(store: Store) -> None:
    with pytest.raises(ValueError, match="not an ad-account entity kind"):
        store.replace_account_snapshot(ACC, {"widgets": []})


def test_data_json_round_trips(store: Store) -> None:
    obj = {
        "id": "c9",
        "name": "Zażółć gęślą jaźń 🚀",
        "status": "ACTIVE",
        "daily_budget_micro": 123_450_000,
        "delivery_status": ["INVALID_NOT_ACTIVE", "INVALID_NOT_EFFECTIVE_ACTIVE"],
        "targeting": {"geos": [{"country_code": "pl"}], "nested": {"n": None, "f": 1.5}},
        "flag": False,
        "createdByCaller": True,
    }
    store.replace_account_snapshot(ACC, {"campaigns": [obj]})
    row = store.get(CAMPAIGN, "c9")
    assert row is not None and row.data == obj
    stored = store.write(lambda c: c.execute("SELECT data FROM campaigns").fetchone()[0])
    assert ", " not in stored and "🚀" in stored  # compact, UTF-8 kept


def test_private_fields_are_never_stored(store: Store) -> None:
    org = _org(
        "o1",
        "Acme",
        contact_name="Jane Doe",
        contact_email="jane@example.com",
        contact_phone="+15550100",
        my_invited_email="me@example.com",
        my_display_name="me@example.com",
        tax_id="FR77",
        ad_accounts=[{"id": ACC}],
    )
    store.replace_organizations("default", [org], [_account(ACC, "o1", "Acme EU")])
    row = store.organization("o1")
    assert row is not None
    assert set(row.data) == {"id", "name", "state"}
    dump = "\n".join(store.write(lambda c: list(c.iterdump())))
    for secret in ("Jane Doe", "jane@example.com", "+15550100", "me@example.com", "FR77"):
        assert secret not in dump


def test_organizations_and_accounts_by_profile(store: Store) -> None:
    _seed(store)
    store.replace_organizations("work", [_org("o3", "Other")], [_account("a3", "o3", "Third")])
    assert [o.name for o in store.organizations()] == ["Acme Agency", "Bistro", "Other"]
    assert [o.id for o in store.organizations("default")] == ["o1", "o2"]
    assert [a.name for a in store.ad_accounts("o1")] == ["Acme EU"]
    assert [a.id for a in store.ad_accounts(profile="work")] == ["a3"]
    account = store.ad_account(ACC)
    assert account is not None
    assert (account.currency, account.timezone, account.profile) == (
        "EUR",
        "Europe/Warsaw",
        "default",
    )
    assert account.data["type"] == "PARTNER"
    assert store.ad_account("missing") is None
    as_entity = store.get(AD_ACCOUNT, ACC)
    assert as_entity is not None and as_entity.parent_id == "o1"
    org = store.get(ORGANIZATION, "o1")
    assert org is not None and org.status == "ACTIVE" and org.data["is_agency"] is True


def test_replace_organizations_removes_what_is_gone(store: Store) -> None:
    _seed(store)
    store.set_sync_meta(ACC, status="ok", counts={"campaigns": 2})
    store.replace_organizations("work", [_org("o3", "Other")], [_account("a3", "o3", "Third")])

    changes = store.replace_organizations(
        "default", [_org("o2", "Bistro renamed")], [_account(ACC2, "o2", "Bistro UK")]
    )

    assert changes.tables["organizations"].deleted == 1
    assert changes.tables["organizations"].updated == 1
    assert changes.tables["ad_accounts"].deleted == 1
    assert [o.name for o in store.organizations("default")] == ["Bistro renamed"]
    assert store.ad_account(ACC) is None
    assert store.campaigns(ACC) == [] and store.get(AD, "ad1") is None
    assert store.sync_meta(ACC) is None
    assert [o.id for o in store.organizations("work")] == ["o3"]  # other profile untouched


def test_child_counts(store: Store) -> None:
    _seed(store)
    assert store.child_count(CAMPAIGN, ACC) == 2
    assert store.child_count(AD_SQUAD, "c1") == 2
    assert store.child_count(AD, "s1") == 2
    assert store.child_count(AD, "s2") == 0
    assert store.child_count(CREATIVE, ACC) == 1
    assert store.child_count(AD_ACCOUNT, "o1") == 1
    assert store.child_counts(AD, ["s1", "s2", "s3"]) == {"s1": 2, "s2": 0, "s3": 1}
    with pytest.raises(ValueError):
        store.child_count(ORGANIZATION, "x")


def test_counts(store: Store) -> None:
    _seed(store)
    store.replace_account_snapshot(ACC2, _snapshot(prefix="b-"))
    expected_one = {
        "ad_accounts": 1,
        "campaigns": 2,
        "ad_squads": 3,
        "ads": 3,
        "creatives": 1,
        "media": 1,
        "segments": 1,
    }
    assert list(store.counts()) == list(COUNT_KEYS)
    assert store.counts([ACC]) == expected_one
    assert store.counts() == {k: 2 * v for k, v in expected_one.items()}
    assert store.counts([]) == dict.fromkeys(COUNT_KEYS, 0)


def test_search_by_name_is_case_insensitive_across_kinds(store: Store) -> None:
    _seed(store)
    hits = store.search("SPRING")
    assert [(h.kind, h.id) for h in hits] == [(CAMPAIGN, "c1")]
    kinds = [h.kind for h in store.search("a")]
    # every kind is searched and results come in kind order
    assert kinds[0] == ORGANIZATION and AD_ACCOUNT in kinds and AD in kinds
    order = [ORGANIZATION, AD_ACCOUNT, CAMPAIGN, AD_SQUAD, AD, CREATIVE]
    assert [k for k in order if k in kinds] == sorted(set(kinds), key=order.index)
    assert {h.kind for h in store.search("bistro")} == {ORGANIZATION, AD_ACCOUNT}
    assert [h.id for h in store.search("squad")] == ["s1", "s2", "s3"]


def test_search_non_ascii_names(store: Store) -> None:
    store.replace_account_snapshot(
        ACC, {"campaigns": [{"id": "c1", "name": "Promocja ŁÓDŹ"}, {"id": "c2", "name": "Straße"}]}
    )
    assert [h.id for h in store.search("łódź")] == ["c1"]
    assert [h.id for h in store.search("STRASSE")] == ["c2"]


def test_search_by_id_prefix(store: Store) -> None:
    _seed(store)
    assert [(h.kind, h.id) for h in store.search(ACC[:12].upper())] == [
        (AD_ACCOUNT, ACC),
        (AD_ACCOUNT, ACC2),
    ]
    assert [h.id for h in store.search("ad3")] == ["ad3"]
    assert [h.kind for h in store.search("seg1")] == ["segment"]


def test_search_limit_and_empty_text(store: Store) -> None:
    _seed(store)
    assert store.search("  ") == []
    assert len(store.search("a", limit=3)) == 3
    assert store.search("a", limit=0) == []
    assert store.search("no such thing") == []


def test_sync_meta(store: Store) -> None:
    assert store.sync_meta(ACC) is None and store.last_sync_at() is None
    t1 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
    store.set_sync_meta(ACC, status="ok", counts={"campaigns": 2}, duration_s=1.5, at=t1)
    t2 = datetime(2026, 11, 1, 13, 0, tzinfo=UTC)
    store.set_sync_meta(ACC, status="failed", error="Snap is having trouble", at=t2)
    meta = store.sync_meta(ACC)
    assert meta is not None
    assert meta.last_status == "failed" and meta.last_error == "Snap is having trouble"
    assert meta.last_sync_at == t2 and meta.last_success_at == t1
    assert meta.counts == {"campaigns": 2}  # kept from the last good sync
    assert store.last_sync_at() == t1
    with pytest.raises(ValueError):
        store.set_sync_meta(ACC, status="weird")  # type: ignore[arg-type]


def test_a_failed_write_rolls_back_entirely(store: Store) -> None:
    _seed(store)

    def half_then_fail(conn: sqlite3.Connection) -> None:
        writes.replace_account_snapshot(conn, ACC, {"campaigns": []})
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        store.write(half_then_fail)
    assert len(store.campaigns(ACC)) == 2


def test_reads_cannot_write(store: Store) -> None:
    _seed(store)
    with pytest.raises(sqlite3.OperationalError):
        store._conn().execute("DELETE FROM campaigns")


def test_writes_run_on_one_thread_and_serialize(store: Store) -> None:
    store.write(lambda c: c.execute("CREATE TABLE counter (n INTEGER NOT NULL)"))
    store.write(lambda c: c.execute("INSERT INTO counter VALUES (0)"))
    writer_threads: set[str] = set()

    def bump(conn: sqlite3.Connection) -> None:
        writer_threads.add(threading.current_thread().name)
        (n,) = conn.execute("SELECT n FROM counter").fetchone()
        conn.execute("UPDATE counter SET n = ?", (n + 1,))  # read-modify-write: races if parallel

    def worker() -> None:
        for _ in range(50):
            store.write(bump)

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.write(lambda c: c.execute("SELECT n FROM counter").fetchone()[0]) == 800
    assert len(writer_threads) == 1 and threading.current_thread().name not in writer_threads


def test_concurrent_snapshots_from_many_threads(store: Store) -> None:
    ids = [f"acc-{i}" for i in range(12)]
    errors: list[BaseException] = []

    def worker(account: str) -> None:
        try:
            for round_ in range(5):
                store.replace_account_snapshot(account, _snapshot(prefix=f"{account}-"))
                assert len(store.campaigns(account)) == 2, round_
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(a,)) for a in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert store.counts(ids)["ads"] == 3 * len(ids)


def test_nested_write_joins_the_outer_transaction(store: Store) -> None:
    def outer(conn: sqlite3.Connection) -> int:
        store.write(lambda c: writes.set_sync_meta(c, ACC, status="ok"))
        return int(conn.execute("SELECT count(*) FROM sync_meta").fetchone()[0])

    assert store.write(outer) == 1


async def test_awrite_does_not_block_the_event_loop(store: Store) -> None:
    started = threading.Event()
    release = threading.Event()

    def slow(conn: sqlite3.Connection) -> str:
        started.set()
        release.wait(5)
        writes.set_sync_meta(conn, ACC, status="ok")
        return threading.current_thread().name

    task = asyncio.ensure_future(store.awrite(slow))
    assert await asyncio.to_thread(started.wait, 5)
    ticks = 0
    for _ in range(5):  # the loop keeps running while the writer works
        await asyncio.sleep(0)
        ticks += 1
    release.set()
    name = await task
    assert ticks == 5 and name.startswith("snapdesk-writer")
    assert store.sync_meta(ACC) is not None


async def test_async_write_api(store: Store) -> None:
    await store.areplace_organizations("default", [_org("o1", "Acme")], [_account(ACC, "o1", "X")])
    changes = await store.areplace_account_snapshot(ACC, _snapshot())
    await store.aset_sync_meta(ACC, status="ok", counts=changes.counts)
    meta = store.sync_meta(ACC)
    assert meta is not None and meta.counts["ads"] == 3


def test_readers_in_other_threads_see_committed_data(store: Store) -> None:
    _seed(store)
    seen: list[int] = []
    t = threading.Thread(target=lambda: seen.append(len(store.campaigns(ACC))))
    t.start()
    t.join()
    assert seen == [2]


def test_closed_store_refuses_writes(tmp_path: Path) -> None:
    store = Store(tmp_path / "c.sqlite3")
    store.close()
    store.close()
    with pytest.raises(StoreClosed):
        store.set_sync_meta(ACC, status="ok")


def test_open_default_uses_the_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SNAPDESK_DATA_DIR", str(tmp_path / "data"))
    with Store.open_default() as store:
        assert store.path == tmp_path / "data" / "cache.sqlite3"
    assert (tmp_path / "data" / "cache.sqlite3").exists()


@pytest.mark.parametrize(
    ("table", "column"),
    [
        ("campaigns", "ad_account_id"),
        ("ad_squads", "parent_id"),
        ("ads", "parent_id"),
        ("creatives", "ad_account_id"),
        ("media", "ad_account_id"),
        ("segments", "ad_account_id"),
        ("ad_accounts", "organization_id"),
    ],
)
def test_tree_reads_use_an_index(store: Store, table: str, column: str) -> None:
    plan = store._conn().execute(
        f"EXPLAIN QUERY PLAN SELECT count(*) FROM {table} WHERE {column} = ?", ("x",)
    )
    detail = " ".join(str(row[-1]) for row in plan)
    assert "USING COVERING INDEX" in detail or "USING INDEX" in detail, detail


def test_large_snapshot_round_trip(store: Store) -> None:
    from tests.store.synthetic import ACCOUNT, large_snapshot

    snap = large_snapshot(campaigns=200, squads=2000, ads=5000)
    changes = store.replace_account_snapshot(ACCOUNT, snap)
    assert changes.counts == {table: len(objs) for table, objs in snap.items()}
    squad = snap["ad_squads"][7]
    expected_ads = [a["id"] for a in snap["ads"] if a["ad_squad_id"] == squad["id"]]
    assert sorted(a.id for a in store.ads(squad["id"])) == sorted(expected_ads)
    assert store.child_count(AD, squad["id"]) == len(expected_ads)
    again = store.replace_account_snapshot(ACCOUNT, snap)
    assert not again.changed
