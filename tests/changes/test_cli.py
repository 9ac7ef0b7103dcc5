"""`snapdesk changes list` and `snapdesk changes post [--live]` (functions the CLI wires up)."""

from __future__ import annotations

import argparse
import asyncio
import io
import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from snapdesk.changes import ChangeRepository, EditService
from snapdesk.changes.cli import cmd_changes_list, cmd_changes_post
from snapdesk.config import Paths
from snapdesk.core.kinds import CAMPAIGN
from snapdesk.core.settings import AppSettings, SpendGuards, save_settings
from snapdesk.sandbox import SandboxServer
from snapdesk.store import Store

from .conftest import (
    clear_recorded,
    control,
    first_campaign,
    first_squad,
    make_api,
    recorded,
    recorded_writes,
)


@pytest.fixture
def db_path() -> Path:
    """The CLI uses the default cache (SNAPDESK_DATA_DIR is private to each test)."""
    return Paths.from_env().ensure().database


def run(fn: Callable[..., int], args: argparse.Namespace, **kw: Any) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = fn(args, stdout=out, stderr=err, **kw)
    return code, out.getvalue(), err.getvalue()


async def in_thread(
    fn: Callable[..., int], args: argparse.Namespace, **kw: Any
) -> tuple[int, str, str]:
    # the CLI runs its own event loop (asyncio.run); keep it off the test's loop
    return await asyncio.to_thread(run, fn, args, **kw)


async def test_list_shows_a_table_and_json(store: Store, edits: EditService) -> None:
    campaign = first_campaign(store)
    edits.edit(kind=CAMPAIGN, entity_id=campaign.id, fields={"name": "From CLI"})
    code, out, err = await in_thread(cmd_changes_list, argparse.Namespace(json=False))
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].split() == ["ID", "ACCOUNT", "KIND", "ACTION", "ENTITY", "CHANGES"]
    assert "Campaign" in lines[1] and "update" in lines[1] and "'From CLI'" in lines[1]
    code, out, _ = await in_thread(cmd_changes_list, argparse.Namespace(json=True))
    data = json.loads(out)
    assert data[0]["request"]["method"] == "PUT" and data[0]["kind"] == CAMPAIGN


async def test_post_dry_run_prints_each_exact_request_and_sends_nothing(
    server: SandboxServer, store: Store, edits: EditService
) -> None:
    campaign = first_campaign(store)
    change = edits.edit(kind=CAMPAIGN, entity_id=campaign.id, fields={"name": "Dry"}).changes[0]
    code, out, err = await in_thread(cmd_changes_post, argparse.Namespace(live=False))
    assert code == 0, err
    assert f"PUT /v1/adaccounts/{campaign.ad_account_id}/campaigns" in out
    assert f"Idempotency-Key: {change.idempotency_key}" in out
    assert '"name": "Dry"' in out and "nothing sent" in out
    assert recorded(server) == []


async def test_post_live_posts_and_failures_exit_1_with_one_line(
    server: SandboxServer, store: Store, edits: EditService
) -> None:
    campaign = first_campaign(store)
    edits.edit(kind=CAMPAIGN, entity_id=campaign.id, fields={"name": "Live from CLI"})
    control(
        server,
        "POST",
        "faults",
        {"path": "/v1/adaccounts/*/campaigns", "method": "PUT", "status": 403, "times": 1},
    )
    factory = lambda: make_api(server)  # noqa: E731
    code, out, err = await in_thread(
        cmd_changes_post, argparse.Namespace(live=True), api_factory=factory
    )
    assert code == 1
    assert len(err.strip().splitlines()) == 2  # the LIVE banner and the one-line failure
    assert err.splitlines()[0].startswith("LIVE: posting to Snap for ")
    assert err.splitlines()[1].startswith("snapdesk: 1 change(s) failed; first: ")
    clear_recorded(server)
    code, out, err = await in_thread(
        cmd_changes_post, argparse.Namespace(live=True), api_factory=factory
    )
    assert code == 0, err
    assert "POSTED   update campaign 'Live from CLI'" in out
    assert len(recorded_writes(server)) == 1
    assert ChangeRepository(store).list() == []


async def test_post_live_from_the_environment_with_a_token(
    server: SandboxServer, store: Store, edits: EditService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SNAPCHAT_ADS_LIVE_MODE", "true")
    monkeypatch.setenv("SNAPDESK_API_BASE", server.api_base)
    monkeypatch.setenv("SNAPDESK_ACCESS_TOKEN", server.token)
    edits.pause([first_squad(store).id])
    code, out, err = await in_thread(cmd_changes_post, argparse.Namespace(live=False))
    assert code == 0, err
    assert "POSTED   pause ad squad" in out
    assert [w["method"] for w in recorded_writes(server)] == ["PUT"]


async def test_post_reports_guards_and_conflicts_with_how_to_resolve(
    server: SandboxServer, store: Store, edits: EditService
) -> None:
    squad = first_squad(store)
    edits.adjust_bids([squad.id], value="9")
    save_settings(AppSettings(spend_guards=SpendGuards(max_bid={"USD": Decimal(5)})))
    factory = lambda: make_api(server)  # noqa: E731
    code, _, err = await in_thread(
        cmd_changes_post, argparse.Namespace(live=True), api_factory=factory
    )
    assert code == 1
    assert "spend guard:" in err and "above the maximum bid $5.00" in err
    assert "raise the limit in settings" in err
    assert recorded_writes(server) == []


async def test_json_report(server: SandboxServer, store: Store, edits: EditService) -> None:
    edits.pause([first_squad(store).id])
    code, out, _ = await in_thread(cmd_changes_post, argparse.Namespace(live=False, json=True))
    assert code == 0
    data = json.loads(out)
    assert data["mode"] == "dry-run" and data["results"][0]["outcome"] == "dry-run"
    assert data["results"][0]["requests"][0]["method"] == "PUT"


async def test_post_lists_conflicts_with_how_to_resolve_them(
    server: SandboxServer, store: Store, edits: EditService
) -> None:
    from .test_gateway import server_update

    campaign = first_campaign(store)
    edits.edit(kind=CAMPAIGN, entity_id=campaign.id, fields={"name": "Mine"})
    async with make_api(server) as api:
        await server_update(api, CAMPAIGN, campaign.id, name="Theirs")
    clear_recorded(server)
    factory = lambda: make_api(server)  # noqa: E731
    code, out, err = await in_thread(
        cmd_changes_post, argparse.Namespace(live=True), api_factory=factory
    )
    assert code == 1
    assert "CONFLICT" in out
    assert "1 conflict(s) with changes made on Snap (name)" in err
    assert "keep mine / keep theirs" in err
    assert recorded_writes(server) == []
