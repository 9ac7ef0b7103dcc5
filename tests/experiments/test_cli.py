"""`cmd_experiments_tick`: dry-run rehearsal by default, live only with SNAPCHAT_ADS_LIVE_MODE."""

from __future__ import annotations

import argparse
import io
from datetime import UTC, datetime, timedelta

import pytest

from snapdesk import config
from snapdesk.api import SnapApi
from snapdesk.experiments import ExperimentService
from snapdesk.experiments.cli import cmd_experiments_tick
from snapdesk.sandbox import SandboxServer
from snapdesk.store import Store
from snapdesk.sync import SyncService
from tests.changes.conftest import clear_recorded, first_squad, make_api, recorded_writes


async def _prepare(server: SandboxServer, api: SnapApi) -> tuple[str, str, str]:
    store = Store(config.Paths.from_env().ensure().database)
    try:
        assert (await SyncService(api=api, store=store).sync()).ok
        squad = first_squad(store)
        service = ExperimentService(store=store)
        created = service.create(
            name="CLI rotation",
            hypothesis="",
            campaign_id=str(squad.parent_id),
            control_squad_id=squad.id,
            dimension="bid",
            treatments=[{"bid_micro": int(squad.data["bid_micro"]) + 50_000}],
            primary_metric="swipe_rate",
            rotation_hours=12,
        )
        service.start(created.experiment.id, at=datetime.now(UTC) - timedelta(hours=13))
        return created.experiment.id, squad.id, created.experiment.variants[1].squad_id
    finally:
        store.close()


async def test_tick_dry_run_prints_and_sends_nothing(server: SandboxServer, api: SnapApi) -> None:
    _, control_id, _ = await _prepare(server, api)
    clear_recorded(server)
    out, err = io.StringIO(), io.StringIO()
    code = await _in_thread(argparse.Namespace(), out, err)
    assert code == 0, err.getvalue()
    text = out.getvalue()
    assert "Dry-run" in text and "rehearsed" in text and "step 1" in text
    assert "DRY-RUN" in text and "PAUSED" in text and "ACTIVE" in text and control_id in text
    assert recorded_writes(server) == []


async def test_tick_live_needs_the_environment_flag(
    server: SandboxServer, api: SnapApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, control_id, _ = await _prepare(server, api)
    clear_recorded(server)
    monkeypatch.setenv("SNAPCHAT_ADS_LIVE_MODE", "true")
    out, err = io.StringIO(), io.StringIO()
    code = await _in_thread(
        argparse.Namespace(json=True), out, err, api_factory=lambda: make_api(server)
    )
    assert code == 0, err.getvalue()
    assert '"applied": true' in out.getvalue()
    # first the pause of the control, then the treatment (created ACTIVE) with its ads
    writes = recorded_writes(server)
    assert writes[0]["method"] == "PUT" and control_id in writes[0]["path"] + str(writes[0])
    assert writes[0]["json"]["adsquads"][0]["status"] == "PAUSED"
    assert writes[1]["method"] == "POST" and writes[1]["json"]["adsquads"][0]["status"] == "ACTIVE"
    assert all(w["method"] == "POST" and "ads" in w["json"] for w in writes[2:])
    assert len(writes[2:]) >= 1


async def _in_thread(
    args: argparse.Namespace, out: io.StringIO, err: io.StringIO, **kw: object
) -> int:
    import asyncio

    return await asyncio.to_thread(
        lambda: cmd_experiments_tick(args, stdout=out, stderr=err, **kw)  # type: ignore[arg-type]
    )
