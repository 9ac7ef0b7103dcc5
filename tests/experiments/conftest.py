"""Fixtures: the sandbox over real loopback HTTP with a synced cache (shared with tests/changes)."""

from __future__ import annotations

import pytest

from tests.changes.conftest import (  # noqa: F401  (pytest fixtures)
    _fresh_sandbox,
    api,
    db_path,
    edits,
    gateway,
    server,
    settings,
    store,
)


@pytest.fixture
def fixed_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    """Entities the sandbox creates get ids from a seeded generator instead of uuid4, so the
    sandbox's per-squad stats noise (derived from the squad id) is the same on every run. A
    readout between equal arms then does not change verdict from run to run: about one run in
    twenty would show a false winner by design (the error-rate property itself is tested by
    simulation in test_stats.py)."""
    import random

    from snapdesk.sandbox import state
    from snapdesk.sandbox._common import rng_uuid

    rnd = random.Random(20261123)
    monkeypatch.setattr(state, "new_uuid", lambda: rng_uuid(rnd))
