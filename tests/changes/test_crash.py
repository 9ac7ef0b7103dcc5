"""A real process is SIGKILLed in the middle of a live post; the next post finishes the job."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path

import pytest

from snapdesk.changes import POSTED, SENDING, ChangeRepository, EditService, WriteGateway
from snapdesk.core.kinds import CAMPAIGN
from snapdesk.sandbox import SandboxServer
from snapdesk.store import Store

from .conftest import (
    control,
    first_campaign,
    first_squad,
    make_api,
    no_sleep,
    recorded_writes,
    usd_account,
)

CHILD = """
import asyncio, sys
from snapdesk.api import SnapApi, StaticTokenProvider
from snapdesk.changes import WriteGateway
from snapdesk.store import Store

async def main(db, base, token):
    store = Store(db)
    async with SnapApi(base_url=base, token_provider=StaticTokenProvider(token), rate_limit=1000) as api:
        await WriteGateway(api=api, store=store, live=True, profile="child").post()

asyncio.run(main(*sys.argv[1:4]))
"""

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
async def test_sigkill_mid_post_then_restart_posts_each_change_once(
    server: SandboxServer, store: Store, db_path: Path
) -> None:
    edits = EditService(store=store)
    account = usd_account(store)
    first = edits.edit(
        kind=CAMPAIGN, entity_id=first_campaign(store).id, fields={"name": "Before the crash"}
    ).changes[0]
    second = edits.create_campaign(
        ad_account_id=account.id, fields={"name": "During the crash"}
    ).changes[0]
    third = edits.pause([first_squad(store).id]).changes[0]
    # the create hangs on the server long enough to kill the poster while it is `sending`
    control(
        server,
        "POST",
        "faults",
        {"path": "/v1/adaccounts/*/campaigns", "method": "POST", "latency_ms": 4000, "times": 1},
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-c", CHILD, str(db_path), server.api_base, server.token, env=env
    )
    repo = ChangeRepository(store)
    try:
        deadline = time.monotonic() + 30
        while True:
            change = repo.get(second.id)
            if change is not None and change.state == SENDING:
                break
            assert child.returncode is None, "the poster exited before it could be killed"
            assert time.monotonic() < deadline, "the poster never reached the create"
            await asyncio.sleep(0.05)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        await asyncio.wait_for(child.wait(), timeout=30)
    assert child.returncode == -signal.SIGKILL
    states = {c.id: c.state for c in repo.list(states=None)}
    assert states == {first.id: POSTED, second.id: SENDING, third.id: "pending"}

    control(server, "DELETE", "faults")
    async with make_api(server) as api:
        report = await WriteGateway(api=api, store=store, live=True, sleep=no_sleep).post()

    assert report.ok and [r.change_id for r in report.results] == [second.id, third.id]
    keys = [w["idempotency_key"] for w in recorded_writes(server)]
    assert keys.count(first.idempotency_key) == 1
    assert keys.count(third.idempotency_key) == 1
    assert 1 <= keys.count(second.idempotency_key) <= 2  # the killed attempt, maybe, and the resend
    made = [
        o
        for o in server.state.collections[CAMPAIGN].objects.values()
        if o["name"] == "During the crash"
    ]
    assert len(made) == 1 and made[0]["id"] == report.results[0].created_id
    assert {c.state for c in repo.list(states=None)} == {POSTED}
