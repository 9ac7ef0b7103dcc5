"""Fixtures: the sandbox over real loopback HTTP with a synced cache (shared with tests/changes)."""

from __future__ import annotations

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
