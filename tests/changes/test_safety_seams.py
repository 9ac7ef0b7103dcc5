"""Issue 13, at the gateway: live mode read from its one owner, the cache holding Snap's object
after a conflict, creates whose outcome is unknown never duplicated (whatever the user does
next, whether or not Snap honours Idempotency-Key), and two posting processes never sending the
same change."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from snapdesk.api import SnapApi
from snapdesk.changes import ChangeRepository, EditService, WriteGateway
from snapdesk.changes import leases as lease_mod
from snapdesk.changes.mode import LiveMode
from snapdesk.core.kinds import AD_SQUAD, CAMPAIGN
from snapdesk.sandbox import SandboxServer
from snapdesk.store import Store

from .conftest import (
    clear_recorded,
    control,
    first_campaign,
    first_squad,
    make_api,
    no_sleep,
    recorded_writes,
    usd_account,
)
from .test_gateway import server_update

REPO = Path(__file__).resolve().parents[2]


def server_campaigns(server: SandboxServer, account_id: str, name: str) -> list[str]:
    col = server.state.collections[CAMPAIGN]
    return [i for i in col.ids("ad_account", account_id) if col.objects[i]["name"] == name]


# ------------------------------------------------------------------------ live-mode owner


async def test_gateway_reads_the_owner_and_stops_when_switched_off_mid_post(
    server: SandboxServer, api: SnapApi, store: Store
) -> None:
    edits = EditService(store=store)
    account = usd_account(store)
    campaigns = store.campaigns(account.id)[:3]
    for n, campaign in enumerate(campaigns):
        edits.edit(kind=CAMPAIGN, entity_id=campaign.id, fields={"name": f"Owner {n}"})
    mode = LiveMode()
    gateway = WriteGateway(api=api, store=store, live=mode, profile="t", sleep=no_sleep)
    report = await gateway.post()
    assert not report.live and recorded_writes(server) == []  # dry-run: the owner said so

    mode.set(True)

    def progress(p: Any) -> None:
        if p.done == 1:  # after the first change went out, the user flips back to dry-run
            mode.set(False)

    report = await gateway.post(progress=progress)
    assert report.live
    assert [r.outcome for r in report.results] == ["posted", "skipped", "skipped"]
    assert "live mode was switched off" in (report.results[1].error or "")
    assert len(recorded_writes(server)) == 1
    assert len(ChangeRepository(store).list()) == 2  # the rest stays pending


async def test_live_owner_without_a_login_refuses_before_anything(store: Store) -> None:
    edits = EditService(store=store)
    edits.edit(kind=CAMPAIGN, entity_id=first_campaign(store).id, fields={"name": "No login"})
    gateway = WriteGateway(api=None, store=store, live=LiveMode(True))
    with pytest.raises(Exception, match="Sign in"):
        await gateway.post()


# ------------------------------------------------------------------------ conflicts → cache


async def test_conflict_puts_snaps_object_in_the_cache_and_keep_theirs_leaves_it(
    server: SandboxServer, api: SnapApi, store: Store
) -> None:
    squad = first_squad(store)
    edits = EditService(store=store)
    edits.edit(kind=AD_SQUAD, entity_id=squad.id, fields={"daily_budget_micro": 60_000_000})
    # someone raises the same budget in Ads Manager
    await server_update(api, AD_SQUAD, squad.id, daily_budget_micro=77_000_000)
    clear_recorded(server)
    gateway = WriteGateway(api=api, store=store, live=True, profile="t", sleep=no_sleep)
    report = await gateway.post()
    assert report.conflicts
    cached = store.get(AD_SQUAD, squad.id)
    assert cached is not None and cached.data["daily_budget_micro"] == 77_000_000
    gateway.resolve_all("theirs")
    assert ChangeRepository(store).list() == []
    cached = store.get(AD_SQUAD, squad.id)
    assert cached is not None and cached.data["daily_budget_micro"] == 77_000_000
    assert recorded_writes(server) == []


# ------------------------------------------------------------------------ unknown outcome


def _fail_creates(server: SandboxServer, fault: dict[str, Any], times: int | None) -> None:
    control(
        server,
        "POST",
        "faults",
        {
            "path": "/v1/adaccounts/*/campaigns",
            "method": "POST",
            "times": times,
            "after_processing": True,
            **fault,
        },
    )


@pytest.mark.parametrize("honour_key", [True, False], ids=["key-honoured", "key-ignored"])
@pytest.mark.parametrize("fault", [{"status": 500}, {"drop": True}], ids=["500", "drop"])
async def test_create_failing_after_processing_then_edited_is_one_campaign(
    server: SandboxServer,
    store: Store,
    fault: dict[str, Any],
    honour_key: bool,
) -> None:
    control(server, "POST", "idempotency", {"honour": honour_key})
    account = usd_account(store)
    edits = EditService(store=store)
    change = edits.create_campaign(
        ad_account_id=account.id, fields={"name": "Summer launch"}
    ).changes[0]
    # Snap processes the create but the answer never arrives, and Snap can't be read either
    # (so the gateway can't find out what happened).
    _fail_creates(server, fault, times=None)
    control(
        server,
        "POST",
        "faults",
        {"path": "/v1/adaccounts/*/campaigns", "method": "GET", "status": 503},
    )
    async with make_api(server) as api:
        gateway = WriteGateway(api=api, store=store, live=True, profile="t", sleep=no_sleep)
        report = await gateway.post()
        (result,) = report.results
        assert result.outcome == "failed"
        assert "may have created" in (result.error or "")
        failed = ChangeRepository(store).get(change.id)
        assert failed is not None and failed.outcome_unknown
        assert failed.idempotency_key == change.idempotency_key
        assert len(server_campaigns(server, account.id, "Summer launch")) == 1

        # The user edits the failed change (a new name) while Snap is unreachable...
        edits.edit(kind=CAMPAIGN, entity_id=change.entity_id, fields={"name": "Summer launch 2"})
        edited = ChangeRepository(store).get(change.id)
        assert edited is not None and edited.outcome_unknown  # still "may have been created"
        assert edited.idempotency_key == change.idempotency_key  # the key is kept

        # ...then Snap answers again, and the user posts.
        control(server, "DELETE", "faults")
        report = await gateway.post()
    (result,) = report.results
    assert result.outcome == "posted", result.error
    made = server_campaigns(server, account.id, "Summer launch 2")
    assert len(made) == 1 and server_campaigns(server, account.id, "Summer launch") == []
    assert result.created_id == made[0]
    assert store.get(CAMPAIGN, made[0]) is not None
    creates = [w for w in recorded_writes(server) if w["method"] == "POST"]
    assert {w["idempotency_key"] for w in creates} == {change.idempotency_key}


async def test_unknown_create_that_snap_never_made_is_sent_once_more(
    server: SandboxServer, store: Store
) -> None:
    control(server, "POST", "idempotency", {"honour": False})
    account = usd_account(store)
    edits = EditService(store=store)
    edits.create_campaign(ad_account_id=account.id, fields={"name": "Never arrived"})
    # a 500 that Snap answered *without* processing: nothing was made
    control(
        server,
        "POST",
        "faults",
        {"path": "/v1/adaccounts/*/campaigns", "method": "POST", "status": 503, "times": 20},
    )
    async with make_api(server) as api:
        gateway = WriteGateway(api=api, store=store, live=True, profile="t", sleep=no_sleep)
        assert (await gateway.post()).results[0].outcome == "failed"
        control(server, "DELETE", "faults")
        report = await gateway.post()
    assert report.results[0].outcome == "posted"
    assert len(server_campaigns(server, account.id, "Never arrived")) == 1


async def test_two_lookalikes_on_snap_stop_instead_of_guessing(
    server: SandboxServer, store: Store
) -> None:
    control(server, "POST", "idempotency", {"honour": False})
    account = usd_account(store)
    edits = EditService(store=store)
    edits.create_campaign(ad_account_id=account.id, fields={"name": "Twin"})
    _fail_creates(server, {"status": 500}, times=2)  # processed twice, answered neither time
    control(
        server,
        "POST",
        "faults",
        {"path": "/v1/adaccounts/*/campaigns", "method": "GET", "status": 503},
    )
    async with make_api(server) as api:
        gateway = WriteGateway(api=api, store=store, live=True, profile="t", sleep=no_sleep)
        api.retry.max_attempts = 1
        assert (await gateway.post()).results[0].outcome == "failed"
        # a second, identical campaign appeared on Snap meanwhile (someone else, or a retry)
        control(server, "DELETE", "faults")
        await api.send(
            "POST",
            f"/adaccounts/{account.id}/campaigns",
            json={
                "campaigns": [
                    {
                        "name": "Twin",
                        "ad_account_id": account.id,
                        "status": "PAUSED",
                        "start_time": "2026-12-01T00:00:00.000Z",
                    }
                ]
            },
            idempotency_key="someone-else",
        )
        clear_count = len(server_campaigns(server, account.id, "Twin"))
        report = await gateway.post()
    (result,) = report.results
    assert result.outcome == "failed"
    assert "can't tell which" in (result.error or "")
    assert len(server_campaigns(server, account.id, "Twin")) == clear_count  # nothing new


# ------------------------------------------------------------------------ two posters

CHILD = """
import asyncio, json, sys
from snapdesk.api import RetryPolicy, SnapApi, StaticTokenProvider
from snapdesk.changes import WriteGateway
from snapdesk.store import Store

async def main(db, base, token, out):
    store = Store(db)
    async with SnapApi(base_url=base, token_provider=StaticTokenProvider(token),
                       rate_limit=1000, retry=RetryPolicy(max_attempts=3, base=0.01)) as api:
        report = await WriteGateway(api=api, store=store, live=True, profile="child").post()
    with open(out, "w") as fh:
        json.dump([[r.change_id, r.outcome, r.error] for r in report.results], fh)
    store.close()

asyncio.run(main(*sys.argv[1:5]))
"""


def test_two_posting_processes_send_each_change_once(
    server: SandboxServer, store: Store, db_path: Path, tmp_path: Path
) -> None:
    control(server, "POST", "idempotency", {"honour": False})  # no safety net from Snap
    edits = EditService(store=store)
    account = usd_account(store)
    ids = []
    for n, campaign in enumerate(store.campaigns(account.id)[:10]):
        ids.append(
            edits.edit(kind=CAMPAIGN, entity_id=campaign.id, fields={"name": f"Twice? {n}"})
            .changes[0]
            .id
        )
    for n in range(5):
        ids.append(
            edits.create_campaign(ad_account_id=account.id, fields={"name": f"New {n}"})
            .changes[0]
            .id
        )
    control(server, "POST", "faults", {"path": "/v1/*", "latency_ms": 40})  # overlap them
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    outs = [tmp_path / "a.json", tmp_path / "b.json"]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, str(db_path), server.api_base, server.token, str(o)],
            env=env,
        )
        for o in outs
    ]
    for proc in procs:
        assert proc.wait(timeout=120) == 0
    writes = recorded_writes(server)
    per_key = Counter(w["idempotency_key"] for w in writes)
    assert len(per_key) == 15 and set(per_key.values()) == {1}, per_key
    results = [json.loads(o.read_text()) for o in outs]
    outcomes = Counter(outcome for rs in results for _id, outcome, _err in rs)
    assert outcomes["posted"] == 15
    assert set(outcomes) <= {"posted", "busy"}
    for rs in results:
        for _id, outcome, error in rs:
            assert "while posting" not in (error or "")  # no false "Edited/Reverted while …"
            if outcome == "busy":
                assert "another snapdesk" in error
    assert {c.state for c in ChangeRepository(store).list(states=("posted",))} <= {"posted"}
    assert ChangeRepository(store).list() == []


def test_a_dead_posters_lease_is_taken_over(store: Store) -> None:
    edits = EditService(store=store)
    change = edits.edit(
        kind=CAMPAIGN, entity_id=first_campaign(store).id, fields={"name": "Orphan"}
    ).changes[0]
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()

    def plant(conn: Any) -> None:
        conn.execute(
            "INSERT INTO post_leases VALUES (?, ?, ?, ?, ?, ?)",
            (change.id, "ghost", dead.pid, lease_mod._host(), "2026-01-01T00:00:00Z", 9e12),
        )

    store.write(plant)
    busy = store.write(lambda c: lease_mod.acquire(c, [change.id], owner="me"))
    assert busy == {}

    def plant_live(conn: Any) -> None:
        conn.execute("DELETE FROM post_leases")
        conn.execute(
            "INSERT INTO post_leases VALUES (?, ?, ?, ?, ?, ?)",
            (change.id, "other", os.getppid(), lease_mod._host(), "2026-01-01T00:00:00Z", 9e12),
        )

    store.write(plant_live)
    busy = store.write(lambda c: lease_mod.acquire(c, [change.id], owner="me"))
    assert set(busy) == {change.id}
    assert "another snapdesk" in busy[change.id].describe()


async def test_busy_changes_are_reported_and_not_sent(
    server: SandboxServer, api: SnapApi, store: Store
) -> None:
    edits = EditService(store=store)
    change = edits.edit(
        kind=CAMPAIGN, entity_id=first_campaign(store).id, fields={"name": "Held"}
    ).changes[0]
    store.write(
        lambda c: c.execute(
            "INSERT INTO post_leases VALUES (?, ?, ?, ?, ?, ?)",
            (change.id, "other", os.getppid(), lease_mod._host(), "2026-01-01T00:00:00Z", 9e12),
        )
    )
    report = await WriteGateway(api=api, store=store, live=True, sleep=no_sleep).post()
    assert [r.outcome for r in report.results] == ["busy"]
    assert not report.ok
    assert recorded_writes(server) == []
    await asyncio.sleep(0)


def test_two_cli_posts_at_once_send_each_change_once_and_say_why(
    server: SandboxServer, store: Store, db_path: Path
) -> None:
    """`snapdesk changes post --live` twice at once (two terminals, or cron and a user)."""
    control(server, "POST", "idempotency", {"honour": False})
    edits = EditService(store=store)
    account = usd_account(store)
    for n, campaign in enumerate(store.campaigns(account.id)[:8]):
        edits.edit(kind=CAMPAIGN, entity_id=campaign.id, fields={"name": f"CLI twice {n}"})
    control(server, "POST", "faults", {"path": "/v1/*", "latency_ms": 60})
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "SNAPDESK_ACCESS_TOKEN": server.token,
        "SNAPDESK_API_BASE": server.api_base,
        "SNAPDESK_DATA_DIR": str(db_path.parent),
    }
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "snapdesk", "changes", "post", "--live"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [proc.communicate(timeout=120) for proc in procs]
    codes = [proc.returncode for proc in procs]
    per_key = Counter(w["idempotency_key"] for w in recorded_writes(server))
    assert len(per_key) == 8 and set(per_key.values()) == {1}, per_key
    for code, (out, err) in zip(codes, outputs, strict=True):
        assert "Traceback" not in err
        assert "while posting" not in out + err
        if code != 0:
            assert code == 1
            assert "nothing sent here: 8 change(s) being posted by another snapdesk" in err
    assert 0 in codes
    assert ChangeRepository(store).list() == []
