"""Post the pending change set through the write gateway, started from an ordinary slot.

Dry-run rehearses everything with one gateway and no API client (nothing can be sent). Live
posting runs one gateway per login, with that login's client, for the changes of the ad
accounts it owns; their reports are merged into one `PostReport`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import replace
from typing import Protocol

from PySide6.QtCore import QObject

from snapdesk.changes import ChangeError, ChangeRepository, PostReport, WriteGateway
from snapdesk.core.settings import AppSettings
from snapdesk.store import Store
from snapdesk.ui.ops._op import AsyncOp
from snapdesk.ui.session import Session


class PostHost(Protocol):
    """What `post_changes` needs from the window that starts it."""

    @property
    def loop(self) -> asyncio.AbstractEventLoop: ...

    @property
    def store(self) -> Store: ...

    @property
    def session(self) -> Session: ...

    @property
    def app_settings(self) -> AppSettings: ...


def plan_live(
    session: Session, store: Store, change_ids: Sequence[str] | None
) -> dict[str, list[str]]:
    """Change ids per login that owns their ad account (the active login for unknown owners)."""
    changes = ChangeRepository(store).list(change_ids=change_ids)
    by_profile: dict[str, list[str]] = {}
    for change in changes:
        owner = session.profile_of_account(change.ad_account_id) or session.profile
        by_profile.setdefault(owner, []).append(change.id)
    return by_profile


def post_changes(
    *, window: PostHost, change_ids: Sequence[str] | None, confirm: bool = False
) -> AsyncOp:
    """Start posting (live mode on) or rehearsing (dry-run) `change_ids` (None: every pending
    change) and return the running op: `progressed` carries `PostProgress`, `succeeded` a
    `PostReport`. `confirm=True` approves spend-guard violations the user has already seen.
    The mode is the session's (`session.live_mode`); each live gateway reads that owner before
    every write, so switching to dry-run mid-post stops what was not sent yet.

    Nothing runs before control returns to the event loop, so connecting right after this call
    misses nothing."""
    session = window.session
    store = window.store
    settings = window.app_settings
    live = session.live_mode.live
    parent = window if isinstance(window, QObject) else None
    op = AsyncOp(loop=window.loop, name="post live" if live else "dry-run", parent=parent)
    ids = list(change_ids) if change_ids is not None else None
    if not live:
        gateway = WriteGateway(
            api=None, store=store, live=False, settings=settings, profile=session.profile
        )
        return op.start(gateway.post(ids, progress=op.report_progress))
    jobs: list[tuple[WriteGateway, list[str]]] = []
    for profile, profile_ids in plan_live(session, store, ids).items():
        api = session.api_for(profile)
        if api is None:
            op.deleteLater()
            raise ChangeError(
                f"Sign in as {session.login_label(profile)} to post the changes of its ad accounts"
            )
        gateway = WriteGateway(
            api=api, store=store, live=session.live_mode, settings=settings, profile=profile
        )
        jobs.append((gateway, profile_ids))
    return op.start(_post_live(jobs, op=op, confirm=confirm))


async def _post_live(
    jobs: list[tuple[WriteGateway, list[str]]], *, op: AsyncOp, confirm: bool
) -> PostReport:
    # Check changes (issue 13) for every login first, the same checks each gateway runs: nothing
    # is sent while any change has an error (a confirmation can't override one), or while any
    # change still needs its spend guards approved.
    checked = [gateway.check_changes(ids) for gateway, ids in jobs]
    issues = tuple(issue for result in checked for issue in result.issues)
    if any(result.blocked for result in checked):
        return PostReport(live=True, check_issues=issues, blocked=True)
    violations = tuple(v for result in checked for v in result.violations)
    if violations and not confirm:
        return PostReport(live=True, guard_violations=violations, check_issues=issues, blocked=True)
    reports = []
    for gateway, ids in jobs:
        reports.append(await gateway.post(ids, progress=op.report_progress, confirm=confirm))
    merged = merge_reports(reports, live=True)
    return replace(merged, check_issues=tuple(i for r in reports for i in r.check_issues))


def merge_reports(reports: Sequence[PostReport], *, live: bool) -> PostReport:
    if len(reports) == 1:
        return reports[0]
    return PostReport(
        live=live,
        results=tuple(r for report in reports for r in report.results),
        conflicts=tuple(c for report in reports for c in report.conflicts),
        guard_violations=tuple(v for report in reports for v in report.guard_violations),
        blocked=any(report.blocked for report in reports),
    )
