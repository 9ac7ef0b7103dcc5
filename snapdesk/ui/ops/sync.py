"""Sync ad accounts from Snap into the cache, started from an ordinary slot.

Each login syncs with its own client (`SyncService(profile=...)`), one login after the other. A
login whose refresh token Snap refuses (`SignInRequired`) stops there: its cached rows stay as
they are (the store is only written by a successful account or discovery) and the outcome names
it, so the window can ask the user to sign in again. The other logins carry on.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Protocol

from PySide6.QtCore import QObject

from snapdesk.api import SnapApi, SnapError
from snapdesk.auth import SignInRequired
from snapdesk.store import Store
from snapdesk.sync import SyncProgress, SyncResult, SyncService
from snapdesk.ui.ops._op import AsyncOp
from snapdesk.ui.session import Session


class SyncHost(Protocol):
    """What `sync_accounts` needs from the window that starts it."""

    @property
    def loop(self) -> asyncio.AbstractEventLoop: ...

    @property
    def store(self) -> Store: ...

    @property
    def session(self) -> Session: ...


@dataclass(frozen=True)
class SyncJob:
    profile: str
    api: SnapApi
    ad_account_ids: list[str] | None


@dataclass(frozen=True)
class SyncOutcome:
    """What a sync over one or more logins did.

    `result` merges the logins that ran (None when none of them did); `sign_in_required` maps a
    login to the "sign in again" message; `failed` maps a login to any other error that stopped
    it before its accounts were known.
    """

    result: SyncResult | None
    profiles: list[str]
    sign_in_required: dict[str, str] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)


def plan_sync(
    session: Session, ad_account_ids: list[str] | None, *, profiles: list[str] | None = None
) -> list[SyncJob]:
    """One job per login: every signed-in login (or just `profiles`) for None, else the logins
    owning the accounts."""
    if ad_account_ids is None:
        return [
            SyncJob(profile=p, api=a, ad_account_ids=None)
            for p, a in session.apis.items()
            if profiles is None or p in profiles
        ]
    by_profile: dict[str, list[str]] = {}
    for account_id in dict.fromkeys(ad_account_ids):
        owner = session.profile_of_account(account_id) or session.profile
        by_profile.setdefault(owner, []).append(account_id)
    jobs = []
    for profile, ids in by_profile.items():
        api = session.api_for(profile)
        if api is not None:
            jobs.append(SyncJob(profile=profile, api=api, ad_account_ids=ids))
    return jobs


def sync_accounts(
    *, window: SyncHost, ad_account_ids: list[str] | None, profiles: list[str] | None = None
) -> AsyncOp:
    """Start syncing `ad_account_ids` (None: discover, then every account of every login) and
    return the running op. Its `progressed` signal carries `SyncProgress`, `succeeded` a
    `SyncOutcome`.

    Nothing runs before control returns to the event loop, so connecting to the op's signals
    right after this call misses nothing.
    """
    session = window.session
    jobs = plan_sync(session, ad_account_ids, profiles=profiles)
    if not jobs:
        raise RuntimeError("no Snap connection is configured")
    parent = window if isinstance(window, QObject) else None
    op = AsyncOp(loop=window.loop, name="sync", parent=parent)
    labels = {j.profile: session.login_who(j.profile) for j in jobs}
    return op.start(_run(jobs, session=session, store=window.store, op=op, labels=labels))


async def _run(
    jobs: list[SyncJob], *, session: Session, store: Store, op: AsyncOp, labels: dict[str, str]
) -> SyncOutcome:
    results: list[SyncResult] = []
    sign_in: dict[str, str] = {}
    failed: dict[str, str] = {}
    errors: list[SnapError] = []
    several = len(jobs) > 1
    for job in jobs:
        prefix = f"{labels[job.profile]}: " if several else ""

        def on_progress(progress: SyncProgress, prefix: str = prefix) -> None:
            if prefix:
                progress = SyncProgress(
                    phase=progress.phase,
                    ad_account_id=progress.ad_account_id,
                    done=progress.done,
                    total=progress.total,
                    message=prefix + progress.message,
                )
            op.report_progress(progress)

        service = SyncService(api=job.api, store=store, profile=job.profile)
        watch = session.watch_for(job.profile)
        try:
            result = await service.sync(job.ad_account_ids, progress=on_progress)
        except SignInRequired as exc:
            sign_in[job.profile] = exc.message
            continue
        except SnapError as exc:
            if watch is not None and watch.sign_in_required is not None:
                sign_in[job.profile] = watch.sign_in_required.message
                continue
            failed[job.profile] = exc.message
            errors.append(exc)
            continue
        if watch is not None and watch.sign_in_required is not None:
            sign_in[job.profile] = watch.sign_in_required.message
        results.append(result)
    if not results and errors and not sign_in:
        raise errors[0]  # nothing ran: the window shows the error
    return SyncOutcome(
        result=merge_results(results) if results else None,
        profiles=[j.profile for j in jobs],
        sign_in_required=sign_in,
        failed=failed,
    )


def merge_results(results: list[SyncResult]) -> SyncResult:
    if len(results) == 1:
        return results[0]
    counts: dict[str, int] = {}
    ids: list[str] = []
    errors: dict[str, str] = {}
    changes = {}
    for r in results:
        for key, value in r.counts.items():
            counts[key] = counts.get(key, 0) + value
        ids.extend(r.ad_account_ids)
        errors.update(r.errors)
        changes.update(r.changes)
    return SyncResult(
        counts=counts,
        ad_account_ids=ids,
        errors=errors,
        requests=sum(r.requests for r in results),
        elapsed_s=sum(r.elapsed_s for r in results),
        changes=changes,
    )
