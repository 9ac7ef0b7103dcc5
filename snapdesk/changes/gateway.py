"""The write gateway: the only code that sends writes to Snap's Marketing API.

    gateway = WriteGateway(api=api, store=store, live=False, settings=settings, profile="default")
    report = await gateway.post()                 # dry-run: rehearses, sends nothing

Dry-run (the default) walks the pending changes in dependency order, resolves every `$ref:`
placeholder with a synthetic `dryrun-<uuid>` id, and reports the exact requests live mode would
send; no write reaches the network and the changes stay pending.

Live mode, per change in dependency order:
1. an update re-reads the server object and merges it three-way with the edit's base: fields
   changed only on Snap are kept (the full-replacement PUT must not clobber them); fields changed
   on both sides are `Conflict`s — nothing is sent for that change until they are resolved;
2. the change is marked `sending` in SQLite with the exact resolved request, then sent with its
   stored Idempotency-Key (the client retries with the same key);
3. on success it is marked `posted`, the cache is updated from the response, and the audit log
   records the attempt — all in one transaction. On failure it is marked `failed`.
A change found `sending` at the next post (the process died mid-request) is re-sent exactly as
recorded with the same key. Spend guards are checked before anything is sent.

Creates never rely on Snap honouring Idempotency-Key (not verified for the Marketing API; see
reference/model-codebases.md §10). A create that fails in a way that leaves its outcome unknown
(a 5xx, a connection broken after sending, a process killed mid-request) is not blindly
retried: the gateway re-reads the parent's list and adopts the entity if Snap made it (then
sends the user's later edits as an update), sends the create again only if Snap has nothing,
and stops if it can't tell. Until then the change keeps its key and shows "may have been
created", whatever the user edits.

Live mode: `live` is a bool or the session's `LiveMode` owner; with the owner, a post is live if
the owner says so when it starts, and it stops sending (what is left stays pending) as soon as
the owner switches back to dry-run. A live post leases its changes (`leases.py`), so two
snapdesk processes never send the same change.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import math
import sqlite3
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final, Literal
from urllib.parse import quote

import httpx

from snapdesk.api import SnapApi, SnapError, unwrap_items, unwrap_result
from snapdesk.api.errors import ApiError, NotFound
from snapdesk.changes import checks, leases
from snapdesk.changes import repository as repo
from snapdesk.changes.mode import LiveMode
from snapdesk.changes.model import (
    CREATE,
    DELETE,
    DRYRUN_PREFIX,
    FAILED,
    OPEN_STATES,
    POSTED,
    REVERTED,
    SENDING,
    UPDATE_ACTIONS,
    UPLOAD_MEDIA,
    AffectedAccount,
    Change,
    ChangeError,
    ChangeResult,
    Conflict,
    GuardViolation,
    PostProgress,
    PostReport,
    RequestSpec,
    UnresolvedReference,
    now_iso,
)
from snapdesk.changes.requests import (
    entity_path,
    item_key,
    merge_for_put,
    plural_key,
    update_request,
    writable,
)
from snapdesk.core.kinds import LABEL, MEDIA
from snapdesk.core.settings import AppSettings
from snapdesk.store import Store, writes

log = logging.getLogger(__name__)

SIMPLE_UPLOAD_MAX: Final = 32 * 1024 * 1024
CHUNK_SIZE: Final = 25 * 1024 * 1024

ProgressCallback = Callable[[PostProgress], object]
ConfirmGuards = bool | Callable[[Sequence[GuardViolation]], bool | Awaitable[bool]] | None
Choice = Literal["mine", "theirs"]


class _StepFailed(Exception):
    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def _topological(changes: Sequence[Change]) -> list[Change]:
    """Dependency order, otherwise the order the changes were made (seq)."""
    by_id = {c.id: c for c in changes}
    ordered: list[Change] = []
    state: dict[str, int] = {}

    def visit(change: Change) -> None:
        mark = state.get(change.id)
        if mark == 2:
            return
        if mark == 1:
            raise ChangeError("These changes depend on each other in a circle; revert one of them")
        state[change.id] = 1
        for dep in change.depends_on:
            if dep in by_id:
                visit(by_id[dep])
        state[change.id] = 2
        ordered.append(change)

    for change in sorted(changes, key=lambda c: c.seq):
        visit(change)
    return ordered


def _entity_from(kind: str, response: Mapping[str, Any]) -> dict[str, Any] | None:
    items = unwrap_items(response, plural_key=plural_key(kind), item_key=item_key(kind))
    return items[0] if items else None


def _media_id_of(path: str) -> str:
    parts = path.strip("/").split("/")
    if len(parts) < 3 or parts[0] != "media":
        raise _StepFailed(f"unexpected upload path {path}")
    return parts[1]


class WriteGateway:
    """Posts pending changes: dry-run rehearsal or live, with conflicts, guards and audit log.

    `api` may be None for dry-run only (nothing is fetched or sent then). `profile` is recorded
    in the audit log as who posted.
    """

    def __init__(
        self,
        *,
        api: SnapApi | None,
        store: Store,
        live: bool | LiveMode,
        settings: AppSettings | None = None,
        profile: str | None = "default",
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        simple_upload_max: int = SIMPLE_UPLOAD_MAX,
        chunk_size: int = CHUNK_SIZE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._owner_mode = live if isinstance(live, LiveMode) else None
        self._fixed_live = bool(live) if not isinstance(live, LiveMode) else False
        self._posting_live: bool | None = None  # the mode of the post in progress
        if self._fixed_live and api is None:
            raise ValueError("live posting needs an API client")
        self.api = api
        self.store = store
        self.settings = settings or AppSettings()
        self.profile = profile
        self.repository = repo.ChangeRepository(store)
        self._sleep = sleep
        self._simple_max = simple_upload_max
        self._chunk = chunk_size
        self._clock = clock
        self._lock = asyncio.Lock()

    @property
    def live(self) -> bool:
        """Whether posting sends: the running post's mode, else what the owner says now."""
        if self._posting_live is not None:
            return self._posting_live
        if self._owner_mode is not None:
            return self._owner_mode.live
        return self._fixed_live

    @property
    def mode(self) -> str:
        return "live" if self.live else "dry-run"

    def _still_live(self) -> bool:
        """False once the owner switched back to dry-run during a live post."""
        return self._owner_mode is None or self._owner_mode.live

    # ------------------------------------------------------------------ selection

    def _select(self, conn: sqlite3.Connection, change_ids: Iterable[str] | None) -> list[Change]:
        open_changes = repo.load_changes(conn, states=OPEN_STATES)
        if change_ids is None:
            return open_changes
        by_id = {c.id: c for c in open_changes}
        wanted: dict[str, Change] = {}
        stack = list(change_ids)
        while stack:
            change_id = stack.pop()
            change = by_id.get(change_id)
            if change is None or change_id in wanted:
                continue
            wanted[change_id] = change
            stack.extend(change.depends_on)  # a change needs what it depends on
        return sorted(wanted.values(), key=lambda c: c.seq)

    def _posted_ids(self, conn: sqlite3.Connection, changes: Sequence[Change]) -> dict[str, str]:
        """Ids created by already-posted changes these changes depend on."""
        inside = {c.id for c in changes}
        outside = {d for c in changes for d in c.depends_on if d not in inside}
        ids: dict[str, str] = {}
        for change in repo.load_changes(conn, states=(POSTED,), change_ids=sorted(outside)):
            created = change.created_id
            if created is not None:
                ids[change.id] = created
        return ids

    def affected_accounts(self, change_ids: Iterable[str] | None = None) -> list[AffectedAccount]:
        """The ad accounts a post would touch (for the live-mode confirmation)."""
        changes = self.store.write(lambda c: self._select(c, change_ids))
        counts: dict[str, int] = {}
        for change in changes:
            counts[change.ad_account_id] = counts.get(change.ad_account_id, 0) + 1
        out = []
        for account_id, n in counts.items():
            account = self.store.ad_account(account_id)
            out.append(
                AffectedAccount(
                    id=account_id,
                    name=account.name if account else None,
                    currency=account.currency if account else None,
                    changes=n,
                )
            )
        return sorted(out, key=lambda a: ((a.name or "").casefold(), a.id))

    def conflicts(self, change_ids: Iterable[str] | None = None) -> list[Conflict]:
        """Unresolved conflicts found by the last live post."""
        changes = self.store.write(lambda c: self._select(c, change_ids))
        return [conflict for change in changes for conflict in change.conflicts]

    # ------------------------------------------------------------------ guards

    def check_guards(self, change_ids: Iterable[str] | None = None) -> list[GuardViolation]:
        changes = self.store.write(lambda c: self._select(c, change_ids))
        return self._guard_violations(changes)

    def _guard_violations(self, changes: Sequence[Change]) -> list[GuardViolation]:
        """The spend guards these changes exceed; the rules live in snapdesk/changes/checks.py
        (Check changes, issue 13)."""
        return checks.guard_violations(changes, store=self.store, guards=self.settings.spend_guards)

    def check_changes(self, change_ids: Iterable[str] | None = None) -> checks.ChangeChecks:
        """Check changes (issue 13) for these changes (None: all) and what they depend on,
        exactly as a post would: errors, spend-guard confirmations and warnings."""
        changes = self.store.write(lambda c: self._select(c, change_ids))
        return checks.check_changes(
            _topological(changes), store=self.store, guards=self.settings.spend_guards
        )

    async def _approved(self, confirm: ConfirmGuards, violations: Sequence[GuardViolation]) -> bool:
        if confirm is None or confirm is False:
            return False
        if confirm is True:
            return True
        answer = confirm(violations)
        if inspect.isawaitable(answer):
            answer = await answer
        return bool(answer)

    # ------------------------------------------------------------------ conflicts

    def resolve_conflicts(self, change_id: str, choices: Mapping[str, Choice]) -> Change:
        """Settle conflicts of one change per field: "mine" keeps the edit, "theirs" takes
        Snap's value. The change is rebased on Snap's values for those fields; if nothing is
        left to send it is marked reverted."""

        def work(conn: sqlite3.Connection) -> Change:
            change = repo.load_change(conn, change_id)
            if change is None or not change.is_open:
                raise ChangeError("That change is no longer pending")
            conflicts = {c.field: c for c in change.conflicts}
            for field, choice in choices.items():
                if field not in conflicts:
                    raise ChangeError(f"{field} is not in conflict for this change")
                if choice not in ("mine", "theirs"):
                    raise ValueError(f"choose 'mine' or 'theirs', not {choice!r}")
            base = dict(change.base or {})
            after = dict(change.after or {})
            for field, choice in choices.items():
                theirs = conflicts[field].theirs
                _set(base, field, theirs)
                if choice == "theirs":
                    _set(after, field, theirs)
            remaining = [c.to_json() for f, c in conflicts.items() if f not in choices]
            before = writable(change.kind, base)
            state = change.state if change.state != FAILED else "pending"
            error = f"{len(remaining)} conflict(s) to resolve" if remaining else None
            if after == before:
                state, error = REVERTED, "Nothing left to send after keeping Snap's values"
            updated = change.evolve(
                base=base,
                before=before,
                after=after,
                request=update_request(change.kind, after, ad_account_id=change.ad_account_id),
                resolutions={**change.resolutions, **choices},
                result={"conflicts": remaining} if remaining else None,
                error=error,
                state=state,
            )
            repo.save_change(conn, updated)
            return updated

        return self.store.write(work)

    def resolve_all(
        self, choice: Choice, *, change_ids: Iterable[str] | None = None
    ) -> list[Change]:
        """Keep mine (or theirs) for every open conflict of the given (default: all) changes."""
        out = []
        for change in self.store.write(lambda c: self._select(c, change_ids)):
            fields = {c.field: choice for c in change.conflicts}
            if fields:
                out.append(self.resolve_conflicts(change.id, fields))
        return out

    # ------------------------------------------------------------------ posting

    async def post(
        self,
        change_ids: Iterable[str] | None = None,
        *,
        progress: ProgressCallback | None = None,
        confirm: ConfirmGuards = None,
    ) -> PostReport:
        """Post (live) or rehearse (dry-run) the pending changes, or the given ones and what
        they depend on. Returns per-change results; never raises for a failed request."""
        async with self._lock:
            ids_filter = list(change_ids) if change_ids is not None else None
            live = self.live
            if live and self.api is None:
                raise ChangeError("Sign in to Snap to post live; nothing was sent")
            owner = leases.new_owner() if live else None
            self._posting_live = live
            heartbeat: asyncio.Task[None] | None = None
            try:
                if owner is not None:
                    heartbeat = asyncio.ensure_future(self._renew_leases(owner))
                return await self._post(
                    ids_filter, live=live, owner=owner, progress=progress, confirm=confirm
                )
            finally:
                self._posting_live = None
                if heartbeat is not None:
                    heartbeat.cancel()
                if owner is not None:
                    await self.store.awrite(lambda c: leases.release(c, owner))

    async def _renew_leases(self, owner: str) -> None:
        while True:
            await asyncio.sleep(leases.LEASE_SECONDS / 3)
            try:
                await self.store.awrite(lambda c: leases.renew(c, owner))
            except Exception:  # the cache closed: the post is ending anyway
                log.debug("lease renewal failed", exc_info=True)
                return

    async def _post(
        self,
        ids_filter: list[str] | None,
        *,
        live: bool,
        owner: str | None,
        progress: ProgressCallback | None,
        confirm: ConfirmGuards,
    ) -> PostReport:
        def load(
            conn: sqlite3.Connection,
        ) -> tuple[list[Change], dict[str, str], dict[str, leases.Lease]]:
            # One transaction: what is open now, and (live) the leases on it — so a change
            # another process posted or holds is never picked up here.
            selected = self._select(conn, ids_filter)
            busy: dict[str, leases.Lease] = {}
            if owner is not None:
                busy = leases.acquire(conn, [c.id for c in selected], owner=owner)
            return selected, self._posted_ids(conn, selected), busy

        selected, ids, busy = await self.store.awrite(load)
        order = _topological(selected)
        mine = [c for c in order if c.id not in busy]
        # -- Check changes (issue 13; snapdesk/changes/checks.py) ------------------------------
        # An error stops the post here, dry-run and live alike: nothing is rehearsed or sent,
        # and the report names each change, entity and field. Warnings ride along.
        checked = checks.check_changes(mine, store=self.store, guards=self.settings.spend_guards)
        if checked.blocked:
            await self.store.awrite(
                lambda c: checks.audit_blocked(
                    c, mine, checked, profile=self.profile, mode=self.mode
                )
            )
            return checked.blocked_report(live=live)
        # -- end Check changes ---------------------------------------------------------------
        violations = self._guard_violations(mine)
        if live and violations and not await self._approved(confirm, violations):
            await self.store.awrite(lambda c: self._audit_blocked(c, mine, violations))
            return PostReport(live=True, guard_violations=tuple(violations), blocked=True)
        results: list[ChangeResult] = []
        succeeded: set[str] = set(ids)
        total = len(order)
        switched_off = False
        for index, change in enumerate(order):
            self._report(progress, index, total, change, f"{self.mode}: {change.summary()}")
            if change.id in busy:
                results.append(self._busy(change, busy[change.id]))
                continue
            waiting = [d for d in change.depends_on if d in busy]
            if waiting:
                results.append(self._busy(change, busy[waiting[0]], dependency=True))
                continue
            missing = [d for d in change.depends_on if d not in succeeded]
            if missing:
                results.append(await self._skip(change, missing))
                continue
            if live and not self._still_live():
                switched_off = True
                results.append(
                    self._result(
                        change,
                        "skipped",
                        error="Not sent: live mode was switched off during the post; "
                        "it stays pending",
                    )
                )
                continue
            if live:
                result = await self._post_live(change, ids)
            else:
                result = await self._rehearse(change, ids)
            results.append(result)
            if result.outcome in ("posted", "dry-run"):
                succeeded.add(change.id)
                if result.created_id is not None:
                    ids[change.id] = result.created_id
        done = "stopped: live mode switched off" if switched_off else "done"
        self._report(progress, total, total, None, f"{self.mode}: {done}")
        posted = [r.change_id for r in results if r.outcome == "posted"]
        if posted:
            await self.store.awrite(lambda c: repo.forget_posted(c, posted))
        return PostReport(
            live=live,
            results=tuple(results),
            conflicts=tuple(c for r in results for c in r.conflicts),
            guard_violations=tuple(violations),
            check_issues=checked.issues,  # Check changes (issue 13): the warnings
        )

    def _busy(
        self, change: Change, lease: leases.Lease, *, dependency: bool = False
    ) -> ChangeResult:
        who = lease.describe()
        message = (
            f"waits for a change being posted by {who}" if dependency else f"being posted by {who}"
        )
        return self._result(change, "busy", error=message)

    @staticmethod
    def _report(
        progress: ProgressCallback | None, done: int, total: int, change: Change | None, text: str
    ) -> None:
        if progress is None:
            return
        try:
            progress(PostProgress(done, total, change.id if change else None, text))
        except Exception:  # a broken progress view must not stop a post half-way
            log.exception("post progress callback failed")

    def _result(self, change: Change, outcome: Any, **kw: Any) -> ChangeResult:
        return ChangeResult(
            change_id=change.id,
            outcome=outcome,
            kind=change.kind,
            action=change.action,
            entity_id=change.entity_id,
            label=change.label,
            idempotency_key=change.idempotency_key,
            **kw,
        )

    def _audit_blocked(
        self,
        conn: sqlite3.Connection,
        order: Sequence[Change],
        violations: Sequence[GuardViolation],
    ) -> None:
        flagged = {v.change_id: v for v in violations}
        for change in order:
            if change.id in flagged:
                repo.audit_unsent(
                    conn,
                    profile=self.profile,
                    mode=self.mode,
                    change=change,
                    response=f"spend guard: {flagged[change.id].message}",
                    result="blocked",
                )

    async def _skip(self, change: Change, missing: Sequence[str]) -> ChangeResult:
        message = (
            "Skipped: waits for a change that was not posted ("
            + ", ".join(m[:8] for m in missing)
            + ")"
        )
        await self.store.awrite(
            lambda c: repo.append_audit(
                c,
                profile=self.profile,
                mode=self.mode,
                change=change,
                method=change.request.method,
                path=change.request.path,
                request_body=change.request.body,
                idempotency_key=change.idempotency_key,
                response_status=None,
                response=message,
                result="skipped",
            )
        )
        return self._result(change, "skipped", error=message)

    # ------------------------------------------------------------------ dry-run

    async def _rehearse(self, change: Change, ids: Mapping[str, str]) -> ChangeResult:
        # an interrupted change will be re-sent exactly as it was first sent
        planned = change.sent_request if change.state == SENDING else None
        try:
            resolved = planned or change.request.resolved(ids)
        except UnresolvedReference as exc:
            return self._result(change, "skipped", error=str(exc))
        created_id: str | None = None
        if change.action == CREATE:
            created_id = f"{DRYRUN_PREFIX}{uuid.uuid4()}"
        requests = (
            self._upload_plan(change, resolved) if change.action == UPLOAD_MEDIA else (resolved,)
        )

        def audit(conn: sqlite3.Connection) -> None:
            for request in requests:
                repo.append_audit(
                    conn,
                    profile=self.profile,
                    mode="dry-run",
                    change=change,
                    method=request.method,
                    path=request.path,
                    request_body=request.body if request.upload is None else request.upload,
                    idempotency_key=change.idempotency_key,
                    response_status=None,
                    response={"id": created_id} if created_id else None,
                    result="dry-run",
                )

        await self.store.awrite(audit)
        response = {"id": created_id} if created_id else None
        return self._result(
            change, "dry-run", requests=requests, created_id=created_id, response=response
        )

    def _upload_plan(self, change: Change, request: RequestSpec) -> tuple[RequestSpec, ...]:
        """The requests an upload will make (chunked: INIT, ADD × parts, FINALIZE)."""
        spec = request.upload or {}
        size = int(spec.get("file_size") or 0)
        if size <= self._simple_max:
            return (request,)
        media_id = _media_id_of(request.path)
        parts = math.ceil(size / self._chunk)
        base = f"/media/{quote(media_id, safe='')}/multipart-upload-v2"
        plan = [
            RequestSpec(
                "POST",
                base,
                params={"action": "INIT"},
                body={
                    "file_name": spec.get("file_name"),
                    "file_size": size,
                    "number_of_parts": parts,
                },
            )
        ]
        for n in range(1, parts + 1):
            length = min(self._chunk, size - (n - 1) * self._chunk)
            plan.append(
                RequestSpec(
                    "POST",
                    "{add_path}",
                    body={
                        "part_number": n,
                        "upload_id": "{upload_id}",
                        "file": f"<{length} bytes>",
                    },
                )
            )
        plan.append(RequestSpec("POST", "{finalize_path}", body={"upload_id": "{upload_id}"}))
        return tuple(plan)

    # ------------------------------------------------------------------ live

    async def _fetch(self, kind: str, entity_id: str) -> dict[str, Any]:
        assert self.api is not None
        body = await self.api.get_json(entity_path(kind, entity_id))
        obj = _entity_from(kind, body)
        if obj is None:
            raise NotFound(f"Snap has no {LABEL[kind].lower()} {entity_id} any more")
        return obj

    async def _post_live(self, change: Change, ids: Mapping[str, str]) -> ChangeResult:
        assert self.api is not None
        # the user may have edited or reverted it while earlier changes were being posted
        fresh = await self.store.awrite(lambda c: repo.load_change(c, change.id))
        if fresh is None or not fresh.is_open:
            if fresh is not None and fresh.state == POSTED:
                return self._result(change, "skipped", error="Already posted")
            return self._result(change, "skipped", error="Reverted while posting")
        change = fresh
        if change.action == CREATE and (change.outcome_unknown or change.state == SENDING):
            # The last attempt may have created it: look on Snap before sending anything.
            return await self._post_uncertain_create(change, ids)
        resumed = change.state == SENDING and change.sent_request is not None
        try:
            if resumed:
                assert change.sent_request is not None
                request = change.sent_request
            elif change.action in UPDATE_ACTIONS:
                server = await self._fetch(change.kind, change.entity_id)
                base = change.base if change.base is not None else server
                merged, clashes = merge_for_put(
                    change.kind, base=base, mine=change.after or {}, theirs=server
                )
                if clashes:
                    return await self._conflicted(change, clashes, server=server)
                request = update_request(
                    change.kind, merged, ad_account_id=change.ad_account_id
                ).resolved(ids)
            else:
                request = change.request.resolved(ids)
        except (SnapError, UnresolvedReference) as exc:
            message = exc.message if isinstance(exc, SnapError) else str(exc)
            return await self._failed(change, change.request, message, getattr(exc, "status", None))

        sending = change.evolve(state=SENDING, sent_request=request, attempts=change.attempts + 1)

        def mark_sending(conn: sqlite3.Connection) -> bool:
            current = repo.load_change(conn, change.id)
            if current is None or current.updated_at != change.updated_at:
                return False  # edited since we read it: its request is no longer this one
            if change.action == CREATE:
                # What a later check needs to recognise this create on Snap if its outcome is
                # lost: when it went out, and the siblings Snap already had.
                parent = _parent_of(request)
                attempt = {
                    "at": now_iso(),
                    "known_ids": writes.child_ids(conn, change.kind, parent) if parent else [],
                }
                repo.save_change(conn, sending.evolve(result={"attempt": attempt}))
            else:
                repo.save_change(conn, sending)
            return True

        if not await self.store.awrite(mark_sending):
            return self._result(
                change, "skipped", error="Edited while posting; post again to send the new version"
            )
        obj: dict[str, Any] | None
        if change.action == CREATE:
            stored = await self.store.awrite(lambda c: repo.load_change(c, change.id))
            sending = stored or sending  # with the record of this attempt
        try:
            if change.action == UPLOAD_MEDIA:
                obj = await self._upload(sending, request)
                response: dict[str, Any] = {"result": obj}
            elif change.action == CREATE:
                response, obj = await self._send_create(sending, request)
            else:
                response = await self.api.send(
                    request.method,
                    request.path,
                    json=request.body,
                    params=request.params,
                    idempotency_key=change.idempotency_key,
                )
                obj = _entity_from(change.kind, response) if change.action != DELETE else None
                if change.action != DELETE and obj is None:
                    raise _StepFailed("Snap's answer did not contain the saved object")
        except (SnapError, _StepFailed, ChangeError, OSError) as exc:
            message = getattr(exc, "message", None) or str(exc)
            status = getattr(exc, "status", None)
            # an upload's HTTP steps are audited one by one as they happen
            step_failed = change.action == UPLOAD_MEDIA and isinstance(exc, SnapError)
            unknown = change.action == CREATE and isinstance(exc, SnapError) and exc.maybe_processed
            return await self._failed(
                sending, request, message, status, audit=not step_failed, outcome_unknown=unknown
            )
        return await self._posted(sending, request, response, obj)

    # ------------------------------------------------------------------ creates

    async def _send_create(
        self, change: Change, request: RequestSpec
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """POST a create. A failure that may have reached Snap is answered by looking for the
        entity on Snap, not by a blind retry; the create is sent again only if Snap has none."""
        assert self.api is not None
        attempts = max(1, getattr(getattr(self.api, "retry", None), "max_attempts", 3))
        for attempt in range(1, attempts + 1):
            try:
                response = await self.api.send(
                    request.method,
                    request.path,
                    json=request.body,
                    params=request.params,
                    idempotency_key=change.idempotency_key,
                    retry_ambiguous=False,
                )
            except SnapError as exc:
                if not exc.maybe_processed:
                    raise
                found = await self._look_for_created(change, request, error=exc)
                if found is not None:
                    return {"adopted": found.get("id")}, found
                if attempt == attempts:
                    raise
                await self._sleep(min(8.0, 0.5 * 2 ** (attempt - 1)))
                continue
            obj = _entity_from(change.kind, response)
            if obj is None:
                raise _StepFailed("Snap's answer did not contain the saved object")
            return response, obj
        raise AssertionError("unreachable")  # pragma: no cover

    async def _look_for_created(
        self, change: Change, request: RequestSpec, *, error: SnapError
    ) -> dict[str, Any] | None:
        """The entity this create made on Snap, None if Snap has none. Raises `error` (outcome
        still unknown) when Snap can't be asked, `_StepFailed` when several could be it."""
        try:
            found = await self._find_created(change, request)
        except SnapError:
            raise error from None
        if len(found) > 1:
            ids = ", ".join(str(o.get("id")) for o in found)
            raise _StepFailed(
                f"Snap has {len(found)} {LABEL[change.kind].lower()}s named "
                f"{_sent_name(change.kind, request)!r} made since this was first sent ({ids}); "
                "snapdesk can't tell which is this one — sync, delete the extra one in "
                "Ads Manager, then revert this change"
            )
        return found[0] if found else None

    async def _find_created(self, change: Change, request: RequestSpec) -> list[dict[str, Any]]:
        """Entities in the parent's list that this create could have made: same name, not
        among the siblings known when it was first sent, created no earlier than that."""
        assert self.api is not None
        kind = change.kind
        name = _sent_name(kind, request)
        attempt = (change.result or {}).get("attempt") or {}
        known = {str(i) for i in attempt.get("known_ids") or ()}
        since = _parse_iso(attempt.get("at"))
        found = []
        async for obj in self.api.paginate(
            request.path, item_key=item_key(kind), plural_key=plural_key(kind)
        ):
            if obj.get("name") != name or str(obj.get("id")) in known:
                continue
            created = _parse_iso(obj.get("created_at"))
            if since is not None and created is not None and created < since - _CLOCK_SKEW_S:
                continue
            found.append(obj)
        return found

    async def _post_uncertain_create(self, change: Change, ids: Mapping[str, str]) -> ChangeResult:
        """A create whose last attempt may have reached Snap: adopt what Snap made (and send
        the user's later edits as an update), or send it again if Snap has nothing."""
        assert self.api is not None
        sent = change.sent_request or change.request
        try:
            found = await self._look_for_created(
                change, sent, error=SnapError("Snap could not be asked")
            )
        except (SnapError, _StepFailed) as exc:
            message = exc.message
            return await self._failed(
                change,
                sent,
                f"Still not known whether Snap created it: {message}",
                None,
                outcome_unknown=not isinstance(exc, _StepFailed),
            )
        if found is None:
            # Snap has nothing: a new attempt, with the same key, of what the user wants now.
            fresh = change.evolve(state="pending", result=dict(change.result or {}))
            await self.store.awrite(lambda c: repo.save_change(c, fresh))
            return await self._post_live_create_again(fresh, ids)
        adopted = found
        mine = writable(change.kind, change.after or {})
        mine.pop("id", None)
        differs = {k: v for k, v in mine.items() if k not in _NOT_COMPARED and adopted.get(k) != v}
        if not differs:
            return await self._posted(change, sent, {"adopted": adopted.get("id")}, adopted)
        # Snap made it from an earlier version: bring it to what the user has now.
        merged, _clashes = merge_for_put(change.kind, base=adopted, mine=mine, theirs=adopted)
        update = update_request(
            change.kind, {**merged, "id": adopted["id"]}, ad_account_id=change.ad_account_id
        )
        try:
            response = await self.api.send(
                update.method,
                update.path,
                json=update.body,
                params=update.params,
                idempotency_key=f"{change.idempotency_key}:reconcile",
            )
        except SnapError as exc:
            # It exists now: record that, so nothing creates it again; the edit stays to send.
            await self._posted(change, sent, {"adopted": adopted.get("id")}, adopted)
            return self._result(
                change,
                "failed",
                requests=(update,),
                error=f"Found it on Snap (id {adopted['id']}), but updating it failed: "
                f"{exc.message}. Edit it again to send your changes",
                created_id=str(adopted["id"]),
            )
        obj = _entity_from(change.kind, response) or adopted
        return await self._posted(change, update, response, {**obj, "id": adopted["id"]})

    async def _post_live_create_again(self, change: Change, ids: Mapping[str, str]) -> ChangeResult:
        try:
            request = change.request.resolved(ids)
        except UnresolvedReference as exc:
            return await self._failed(change, change.request, str(exc), None)
        sending = change.evolve(state=SENDING, sent_request=request, attempts=change.attempts + 1)
        await self.store.awrite(lambda c: repo.save_change(c, sending))
        try:
            response, obj = await self._send_create(sending, request)
        except (SnapError, _StepFailed) as exc:
            unknown = isinstance(exc, SnapError) and exc.maybe_processed
            return await self._failed(
                sending, request, exc.message, getattr(exc, "status", None), outcome_unknown=unknown
            )
        return await self._posted(sending, request, response, obj)

    async def _conflicted(
        self,
        change: Change,
        clashes: Sequence[tuple[str, Any, Any, Any]],
        *,
        server: Mapping[str, Any] | None = None,
    ) -> ChangeResult:
        conflicts = tuple(Conflict(change.id, f, b, m, t) for f, b, m, t in clashes)
        fields = ", ".join(c.field for c in conflicts)
        message = f"Changed on Snap since you edited it ({fields}): keep yours or Snap's"
        updated = change.evolve(
            result={"conflicts": [c.to_json() for c in conflicts]},
            error=message,
            state="pending" if change.state == FAILED else change.state,
        )

        def save(conn: sqlite3.Connection) -> None:
            repo.save_change(conn, updated)
            if server is not None:  # the cache (and every view) shows what Snap has now
                writes.upsert_entity(conn, change.kind, server, ad_account_id=change.ad_account_id)
            repo.audit_unsent(
                conn,
                profile=self.profile,
                mode=self.mode,
                change=change,
                response={"conflicts": [c.to_json() for c in conflicts]},
                result="conflict",
            )

        await self.store.awrite(save)
        return self._result(change, "conflict", error=message, conflicts=conflicts)

    async def _failed(
        self,
        change: Change,
        request: RequestSpec,
        message: str,
        status: int | None,
        *,
        audit: bool = True,
        outcome_unknown: bool = False,
    ) -> ChangeResult:
        result = change.result
        if outcome_unknown:
            # Keep what identifies it on Snap (the attempt) and say so until it's settled.
            noun = LABEL.get(change.kind, change.kind).lower()
            message = (
                f"Snap may have created this {noun}: the request failed after it was sent "
                f"({message}). Before sending anything again, snapdesk checks Snap for it; "
                "post again when Snap answers"
            )
            result = {**(change.result or {}), "outcome": "unknown"}
        failed = change.evolve(state=FAILED, error=message, result=result)

        def save(conn: sqlite3.Connection) -> None:
            repo.save_change(conn, failed)
            if audit:
                repo.append_audit(
                    conn,
                    profile=self.profile,
                    mode=self.mode,
                    change=change,
                    method=request.method,
                    path=request.path,
                    request_body=request.body if request.upload is None else request.upload,
                    idempotency_key=change.idempotency_key,
                    response_status=status,
                    response=message,
                    result="failed",
                )

        await self.store.awrite(save)
        return self._result(change, "failed", requests=(request,), error=message)

    async def _posted(
        self,
        change: Change,
        request: RequestSpec,
        response: dict[str, Any],
        obj: dict[str, Any] | None,
    ) -> ChangeResult:
        created_id = str(obj["id"]) if obj and change.action == CREATE else None
        entity_id = str(obj["id"]) if obj and "id" in obj else change.entity_id
        posted = change.evolve(
            state=POSTED,
            posted_at=now_iso(),
            error=None,
            result={"id": entity_id, "object": obj},
        )

        def save(conn: sqlite3.Connection) -> None:
            repo.save_change(conn, posted)
            if change.action == DELETE:
                writes.remove_entity(conn, change.kind, change.entity_id)
            elif obj is not None:
                writes.upsert_entity(conn, change.kind, obj, ad_account_id=change.ad_account_id)
            if change.action != UPLOAD_MEDIA:
                repo.append_audit(
                    conn,
                    profile=self.profile,
                    mode=self.mode,
                    change=change,
                    method=request.method,
                    path=request.path,
                    request_body=request.body,
                    idempotency_key=change.idempotency_key,
                    response_status=200,
                    response=response,
                    result="ok",
                )

        await self.store.awrite(save)
        return self._result(
            posted,
            "posted",
            requests=(request,),
            created_id=created_id,
            response=obj,
        )

    # ------------------------------------------------------------------ media upload

    def _host_url(self, path: str) -> str:
        """INIT's add/finalize paths are relative to the API host (maybe with a /us/ region
        prefix), not to /v1; absolute URLs are used as given (same host only)."""
        assert self.api is not None
        if "://" in path:
            return path
        base = httpx.URL(self.api.base_url)
        port = f":{base.port}" if base.port else ""
        return f"{base.scheme}://{base.host}{port}/{path.lstrip('/')}"

    async def _step(
        self,
        change: Change,
        *,
        path: str,
        key: str,
        describe: dict[str, Any],
        params: Mapping[str, Any] | None = None,
        files: Any,
    ) -> dict[str, Any]:
        """One HTTP request of an upload, audited."""
        assert self.api is not None
        status: int | None = None
        response: Any = None
        ok = False
        try:
            response = await self.api.send(
                "POST", path, params=params, files=files, idempotency_key=key
            )
            status, ok = 200, True
            return response
        except SnapError as exc:
            status = exc.status if isinstance(exc, ApiError) else None
            response = exc.message
            raise
        finally:
            shown = path
            if params:
                shown = f"{path}?{'&'.join(f'{k}={v}' for k, v in params.items())}"
            await self.store.awrite(
                lambda c: repo.append_audit(
                    c,
                    profile=self.profile,
                    mode=self.mode,
                    change=change,
                    method="POST",
                    path=shown,
                    request_body=describe,
                    idempotency_key=key,
                    response_status=status,
                    response=response,
                    result="ok" if ok else "failed",
                )
            )

    async def _upload(self, change: Change, request: RequestSpec) -> dict[str, Any]:
        spec = request.upload or {}
        path = Path(str(spec.get("file_path")))
        name = str(spec.get("file_name") or path.name)
        content_type = str(spec.get("content_type") or "application/octet-stream")
        expected = int(spec.get("file_size") or 0)
        size = (await asyncio.to_thread(path.stat)).st_size
        if size != expected:
            raise _StepFailed(
                f"{name} changed since it was queued ({expected:,} → {size:,} bytes); "
                "revert the upload and add the file again"
            )
        media_id = _media_id_of(request.path)
        key = change.idempotency_key
        if size <= self._simple_max:
            data = await asyncio.to_thread(path.read_bytes)
            answer = await self._step(
                change,
                path=request.path,
                key=key,
                describe={"file": name, "size": size, "content_type": content_type},
                files={"file": (name, data, content_type)},
            )
        else:
            parts = math.ceil(size / self._chunk)
            init = await self._step(
                change,
                path=f"/media/{quote(media_id, safe='')}/multipart-upload-v2",
                params={"action": "INIT"},
                key=f"{key}:init",
                describe={"file_name": name, "file_size": size, "number_of_parts": parts},
                files={
                    "file_name": (None, name),
                    "file_size": (None, str(size)),
                    "number_of_parts": (None, str(parts)),
                },
            )
            upload_id = init.get("upload_id")
            add_path, finalize_path = init.get("add_path"), init.get("finalize_path")
            if not (
                isinstance(upload_id, str)
                and isinstance(add_path, str)
                and isinstance(finalize_path, str)
            ):
                raise _StepFailed("Snap's answer to the chunked upload INIT is incomplete")
            for n in range(1, parts + 1):
                offset = (n - 1) * self._chunk
                chunk = await asyncio.to_thread(_read_part, path, offset, self._chunk)
                await self._step(
                    change,
                    path=self._host_url(add_path),
                    key=f"{key}:part-{n}",
                    describe={"part_number": n, "upload_id": upload_id, "bytes": len(chunk)},
                    files={
                        "file": (name, chunk, "application/octet-stream"),
                        "part_number": (None, str(n)),
                        "upload_id": (None, upload_id),
                    },
                )
            answer = await self._step(
                change,
                path=self._host_url(finalize_path),
                key=f"{key}:finalize",
                describe={"upload_id": upload_id},
                files={"upload_id": (None, upload_id)},
            )
        media = unwrap_result(answer)
        return await self._wait_ready(media_id, media)

    async def _wait_ready(self, media_id: str, media: dict[str, Any]) -> dict[str, Any]:
        deadline = self._clock() + self.settings.media_poll_timeout_seconds
        while str(media.get("media_status", "")).upper() != "READY":
            status = str(media.get("media_status", ""))
            if status.upper() in ("FAILED", "ERROR", "REJECTED"):
                raise _StepFailed(f"Snap could not process the media file (status {status})")
            if self._clock() >= deadline:
                raise _StepFailed(
                    f"Snap is still processing the media (status {status}); post again later"
                )
            await self._sleep(self.settings.media_poll_seconds)
            media = await self._fetch(MEDIA, media_id)
        return media


def _read_part(path: Path, offset: int, size: int) -> bytes:
    with path.open("rb") as fh:
        fh.seek(offset)
        return fh.read(size)


def _set(obj: dict[str, Any], field: str, value: Any) -> None:
    if value is None:
        obj.pop(field, None)
    else:
        obj[field] = value


# Snap's clock and ours may differ a little: an entity created up to this long before our first
# attempt (by our clock) still counts as possibly ours.
_CLOCK_SKEW_S: Final = 300.0
# Fields a create body can't be compared on after Snap answered (Snap fills or rewrites them).
_NOT_COMPARED: Final = frozenset({"id", "ad_account_id", "campaign_id", "ad_squad_id"})


def _sent_name(kind: str, request: RequestSpec) -> Any:
    body = request.body if isinstance(request.body, Mapping) else {}
    items = body.get(plural_key(kind)) or [{}]
    first = items[0] if isinstance(items, list) and items else {}
    return first.get("name") if isinstance(first, Mapping) else None


def _parent_of(request: RequestSpec) -> str | None:
    """The parent id in a collection path: `/adaccounts/{id}/campaigns` → id."""
    parts = request.path.strip("/").split("/")
    return parts[1] if len(parts) >= 3 else None


def _parse_iso(value: Any) -> float | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        from datetime import datetime

        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None
