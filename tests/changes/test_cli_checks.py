"""`snapdesk changes post` runs Check changes first (issue 13): each error on its own line
(entity, field, message), exit 1, nothing sent — dry-run and live alike."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from snapdesk.changes import EditService
from snapdesk.changes.cli import cmd_changes_post
from snapdesk.config import Paths
from snapdesk.core.kinds import CAMPAIGN
from snapdesk.sandbox import SandboxServer
from snapdesk.store import Store

from .conftest import first_campaign, make_api, recorded
from .test_cli import in_thread
from .test_post_checks import queue_below_minimum


@pytest.fixture
def db_path() -> Path:
    """The CLI uses the default cache (SNAPDESK_DATA_DIR is private to each test)."""
    return Paths.from_env().ensure().database


@pytest.mark.parametrize("live", [False, True])
async def test_post_prints_check_errors_one_per_line_and_sends_nothing(
    server: SandboxServer, store: Store, edits: EditService, live: bool
) -> None:
    _, squad_id = queue_below_minimum(edits, store)
    factory = (lambda: make_api(server)) if live else None
    code, out, err = await in_thread(
        cmd_changes_post, argparse.Namespace(live=live), api_factory=factory
    )
    assert code == 1
    [line] = [text for text in out.splitlines() if text.startswith("ERROR")]
    assert "Ad squad 'Tiny budget'" in line and squad_id in line
    assert "daily_budget_micro" in line and "at least 5" in line
    assert "DRY-RUN" not in out and "POSTED" not in out
    assert err.splitlines()[-1].startswith("snapdesk: 1 check error")
    assert ("nothing was sent" if live else "nothing was rehearsed") in err
    assert recorded(server) == []


async def test_warnings_are_printed_and_do_not_fail_the_post(
    store: Store, edits: EditService
) -> None:
    edits.edit(
        kind=CAMPAIGN, entity_id=first_campaign(store).id, fields={"daily_budget_micro": 1_000_000}
    )
    code, out, err = await in_thread(cmd_changes_post, argparse.Namespace(live=False))
    assert code == 0, err
    [line] = [text for text in out.splitlines() if text.startswith("WARNING")]
    assert "daily_budget_micro" in line and "below 20" in line
    assert "DRY-RUN" in out


async def test_json_report_has_the_check_issues(store: Store, edits: EditService) -> None:
    change_id, _ = queue_below_minimum(edits, store)
    code, out, _ = await in_thread(cmd_changes_post, argparse.Namespace(live=False, json=True))
    assert code == 1
    data = json.loads(out)
    assert data["blocked"] is True and data["results"] == []
    [issue] = data["check_issues"]
    assert issue["change_id"] == change_id and issue["field"] == "daily_budget_micro"
    assert issue["severity"] == "error"
