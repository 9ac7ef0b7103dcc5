"""Pull organizations, ad accounts and every account's entities from Snap into the cache.

Per ad account the six account-level lists (campaigns, ad squads, ads, creatives, media,
segments) are fetched concurrently, then written with ONE store transaction that replaces the
account's snapshot and records its sync metadata. Until that write commits, the account's
previous cache is untouched: an error, or cancelling the task, leaves it exactly as it was.
Accounts run concurrently up to `concurrency` at a time; one account failing does not stop the
others.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import quote

from snapdesk.api import SnapApi, SnapError
from snapdesk.core.kinds import ACCOUNT_KINDS, LABEL, PLURAL, WRAPPER_KEYS
from snapdesk.store import SnapshotChanges, Store, writes

log = logging.getLogger(__name__)

PAGE_LIMIT: Final = 1000

# SyncProgress.phase values.
DISCOVERING: Final = "discovering"
FETCHING: Final = "fetching"
SAVING: Final = "saving"
ACCOUNT_DONE: Final = "account_done"
ACCOUNT_FAILED: Final = "account_failed"
FINISHED: Final = "finished"
CANCELLED: Final = "cancelled"

CANCELLED_MESSAGE: Final = "Sync was cancelled before this ad account was saved"

# Work units per account: the first page of each kind, plus the write. Further pages add units.
_UNITS_PER_ACCOUNT: Final = len(ACCOUNT_KINDS) + 1


@dataclass(frozen=True)
class SyncProgress:
    """One progress report. `done`/`total` count entity pages fetched and accounts saved;
    `total` grows when a list turns out to have more pages."""

    phase: str
    ad_account_id: str | None
    done: int
    total: int
    message: str


ProgressCallback = Callable[[SyncProgress], object]


@dataclass(frozen=True)
class SyncResult:
    """What a sync did. `counts` is what the cache now holds for the accounts synced (keys as
    in `Store.counts()`); `errors` maps an account id to a message a user can act on."""

    counts: dict[str, int]
    ad_account_ids: list[str]
    errors: dict[str, str]
    requests: int
    elapsed_s: float
    changes: dict[str, SnapshotChanges] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def synced(self) -> list[str]:
        """Accounts whose cache was replaced by this sync."""
        return [a for a in self.ad_account_ids if a not in self.errors]


class _Progress:
    """Counts units and forwards reports to the caller's callback (on the event loop)."""

    def __init__(self, callback: ProgressCallback | None) -> None:
        self._callback = callback
        self.done = 0
        self.total = 0

    def report(self, phase: str, ad_account_id: str | None, message: str) -> None:
        if self._callback is None:
            return
        try:
            self._callback(
                SyncProgress(
                    phase=phase,
                    ad_account_id=ad_account_id,
                    done=self.done,
                    total=self.total,
                    message=message,
                )
            )
        except Exception:
            log.exception("sync progress callback failed")


class _AccountWork:
    """Units one account has been allotted and has completed, so a failure can settle the rest."""

    def __init__(self, progress: _Progress, ad_account_id: str) -> None:
        self.progress = progress
        self.ad_account_id = ad_account_id
        self.allotted = _UNITS_PER_ACCOUNT
        self.completed = 0

    def page_done(self, *, more: bool, message: str) -> None:
        self.completed += 1
        self.progress.done += 1
        if more:
            self.allotted += 1
            self.progress.total += 1
        self.progress.report(FETCHING, self.ad_account_id, message)

    def settle(self) -> None:
        """Count whatever is left of this account as done (it finished, failed or stopped)."""
        self.progress.done += self.allotted - self.completed
        self.completed = self.allotted


def _error_message(exc: BaseException) -> str:
    if isinstance(exc, SnapError):
        return exc.message
    return f"Unexpected error while syncing ({type(exc).__name__}: {exc})"


def _first_error(exc: BaseException) -> BaseException:
    """The first real error inside (possibly nested) exception groups."""
    while isinstance(exc, BaseExceptionGroup):
        inner = [e for e in exc.exceptions if not isinstance(e, asyncio.CancelledError)]
        exc = (inner or list(exc.exceptions))[0]
    return exc


class SyncService:
    """Keeps the cache in step with Snap for one signed-in profile."""

    def __init__(
        self, *, api: SnapApi, store: Store, profile: str = "default", concurrency: int = 4
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.api = api
        self.store = store
        self.profile = profile
        self.concurrency = concurrency

    async def discover(self, *, progress: ProgressCallback | None = None) -> list[str]:
        """Fetch the organizations and ad accounts this profile can see and cache them.

        Returns the ad account ids. Organizations and accounts no longer visible are removed
        from the cache together with their entities.
        """
        tracker = _Progress(progress)
        tracker.report(DISCOVERING, None, "Looking up organizations and ad accounts")
        orgs = await self.api.organizations.list(with_ad_accounts=True)
        org_dicts: list[dict[str, Any]] = []
        account_dicts: list[dict[str, Any]] = []
        for org in orgs:
            org_dicts.append(org.raw)
            for account in org.ad_accounts:
                raw = account.raw
                if raw.get("organization_id") != org.id:
                    raw = {**raw, "organization_id": org.id}
                account_dicts.append(raw)
        await self.store.awrite(
            lambda conn: writes.replace_organizations(conn, self.profile, org_dicts, account_dicts)
        )
        ids = list(dict.fromkeys(str(a["id"]) for a in account_dicts))
        tracker.report(
            DISCOVERING, None, f"Found {len(ids)} ad accounts in {len(org_dicts)} organizations"
        )
        return ids

    async def sync(
        self,
        ad_account_ids: Sequence[str] | None = None,
        *,
        progress: ProgressCallback | None = None,
    ) -> SyncResult:
        """Sync the given ad accounts (None: discover, then sync every account).

        Cancelling the task that runs this leaves every account not yet saved exactly as it was
        cached before, marks those accounts `cancelled` in the sync metadata and re-raises
        `CancelledError`.
        """
        started = time.monotonic()
        requests_before = self.api.stats.requests
        if ad_account_ids is None:
            ids = await self.discover(progress=progress)
        else:
            ids = list(dict.fromkeys(ad_account_ids))
            if any(self.store.ad_account(a) is None for a in ids):
                await self.discover(progress=progress)

        tracker = _Progress(progress)
        tracker.total = len(ids) * _UNITS_PER_ACCOUNT
        semaphore = asyncio.Semaphore(self.concurrency)
        errors: dict[str, str] = {}
        changes: dict[str, SnapshotChanges] = {}
        committing: set[str] = set()

        try:
            async with asyncio.TaskGroup() as group:
                for account_id in ids:
                    group.create_task(
                        self._sync_account(
                            account_id,
                            semaphore=semaphore,
                            work=_AccountWork(tracker, account_id),
                            errors=errors,
                            changes=changes,
                            committing=committing,
                        )
                    )
        except asyncio.CancelledError:
            stopped = [a for a in ids if a not in committing and a not in errors]
            await asyncio.shield(self._mark_cancelled(stopped))
            tracker.done = tracker.total
            tracker.report(CANCELLED, None, f"Sync cancelled; {len(stopped)} accounts unchanged")
            raise

        counts = self.store.counts(ids)
        tracker.done = tracker.total
        failed = f", {len(errors)} failed" if errors else ""
        tracker.report(FINISHED, None, f"Synced {len(ids) - len(errors)} ad accounts{failed}")
        return SyncResult(
            counts=counts,
            ad_account_ids=ids,
            errors=errors,
            requests=self.api.stats.requests - requests_before,
            elapsed_s=time.monotonic() - started,
            changes=changes,
        )

    async def _mark_cancelled(self, ad_account_ids: Sequence[str]) -> None:
        if not ad_account_ids:
            return

        def mark(conn: sqlite3.Connection) -> None:
            for account_id in ad_account_ids:
                writes.set_sync_meta(conn, account_id, status="cancelled", error=CANCELLED_MESSAGE)

        await self.store.awrite(mark)

    async def _sync_account(
        self,
        ad_account_id: str,
        *,
        semaphore: asyncio.Semaphore,
        work: _AccountWork,
        errors: dict[str, str],
        changes: dict[str, SnapshotChanges],
        committing: set[str],
    ) -> None:
        """Fetch and save one account. Never raises except `CancelledError`."""
        async with semaphore:
            started = time.monotonic()
            tracker = work.progress
            try:
                snapshot = await self._fetch_account(ad_account_id, work)
            except Exception as exc:
                error = _first_error(exc)
                if not isinstance(error, SnapError):
                    log.error("sync of ad account %s failed", ad_account_id, exc_info=error)
                await self._record_failure(
                    ad_account_id, _error_message(error), started=started, work=work, errors=errors
                )
                return

            tracker.report(SAVING, ad_account_id, "Saving to the local cache")

            def commit(conn: sqlite3.Connection) -> SnapshotChanges:
                # Runs on the writer thread: JSON encoding of big snapshots stays off the loop.
                result = writes.replace_account_snapshot(conn, ad_account_id, snapshot)
                writes.set_sync_meta(
                    conn,
                    ad_account_id,
                    status="ok",
                    counts=result.counts,
                    duration_s=time.monotonic() - started,
                )
                return result

            committing.add(ad_account_id)
            # Shielded: once submitted, the write completes even if the sync is cancelled, so
            # the account is either fully replaced (and marked ok) or not touched at all.
            try:
                result = await asyncio.shield(self.store.awrite(commit))
            except sqlite3.Error as exc:
                log.error("saving ad account %s failed", ad_account_id, exc_info=exc)
                committing.discard(ad_account_id)
                await self._record_failure(
                    ad_account_id,
                    f"Could not save to the local cache ({exc}); check free disk space and retry",
                    started=started,
                    work=work,
                    errors=errors,
                )
                return
            changes[ad_account_id] = result
            work.settle()
            total = sum(result.counts.values())
            tracker.report(ACCOUNT_DONE, ad_account_id, f"Saved {total} entities")

    async def _record_failure(
        self,
        ad_account_id: str,
        message: str,
        *,
        started: float,
        work: _AccountWork,
        errors: dict[str, str],
    ) -> None:
        """Report a failed account; its cached entities stay as they were."""
        errors[ad_account_id] = message
        try:
            await asyncio.shield(
                self.store.awrite(
                    lambda conn: writes.set_sync_meta(
                        conn,
                        ad_account_id,
                        status="failed",
                        error=message,
                        duration_s=time.monotonic() - started,
                    )
                )
            )
        except sqlite3.Error as exc:
            log.error("recording the failed sync of %s failed", ad_account_id, exc_info=exc)
        work.settle()
        work.progress.report(ACCOUNT_FAILED, ad_account_id, message)

    async def _fetch_account(
        self, ad_account_id: str, work: _AccountWork
    ) -> dict[str, list[dict[str, Any]]]:
        snapshot: dict[str, list[dict[str, Any]]] = {}
        async with asyncio.TaskGroup() as group:
            for kind in ACCOUNT_KINDS:
                group.create_task(self._fetch_kind(ad_account_id, kind, work, snapshot))
        return snapshot

    async def _fetch_kind(
        self,
        ad_account_id: str,
        kind: str,
        work: _AccountWork,
        snapshot: dict[str, list[dict[str, Any]]],
    ) -> None:
        """All objects of one kind in one account, as raw dicts (`GET /adaccounts/{id}/<plural>`).

        Progress is reported per page: `paginate` asks for PAGE_LIMIT objects a page, so a full
        page means another one follows.
        """
        plural_key, item_key = WRAPPER_KEYS[kind]
        path = f"/adaccounts/{quote(ad_account_id, safe='')}/{plural_key}"
        label = LABEL[kind].lower()
        objects: list[dict[str, Any]] = []
        async for obj in self.api.paginate(
            path, item_key=item_key, plural_key=plural_key, limit=PAGE_LIMIT
        ):
            objects.append(obj)
            if len(objects) % PAGE_LIMIT == 0:
                work.page_done(more=True, message=f"Fetched {len(objects)} {label} objects")
        work.page_done(more=False, message=f"Fetched {len(objects)} {label} objects")
        snapshot[PLURAL[kind]] = objects
