"""The edit service: every user edit becomes stored `Change`s, validated first, undoable.

    edits = EditService(store=store)
    group = edits.edit(kind=CAMPAIGN, entity_id=cid, fields={"name": "Spring"})
    edits.pause([squad_id, ad_id])
    preview = edits.preview_budgets(ids, percent=Decimal("10"))
    edits.adjust_budgets(ids, percent=Decimal("10"))
    edits.undo(); edits.redo()

Each public method is one user action: its changes, the undo entry and the cleared redo stack
commit in one transaction, and it returns a `ChangeGroup` (what changed) for the views. Errors
from local validation raise `ValidationFailed` (nothing is queued); warnings travel with the
group and are stored on the changes. Repeated edits of an entity with a change still pending
are folded into that change (one request per entity), keeping its idempotency key unless the
change had failed (a failed request's key could replay the failure).

Entities not yet created have a temporary id `new-<uuid>`; edits and children may use it, and
the requests refer to the create through `$ref:<change id>` placeholders.
"""

from __future__ import annotations

import mimetypes
import os
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

from snapdesk.changes import repository as repo
from snapdesk.changes.model import (
    CREATE,
    DELETE,
    FAILED,
    OPEN_STATES,
    PAUSE,
    PENDING,
    POSTED,
    RESUME,
    REVERTED,
    SENDING,
    UPDATE,
    UPDATE_ACTIONS,
    UPLOAD_MEDIA,
    Change,
    ChangeError,
    ChangeGroup,
    ValidationFailed,
    is_temp_id,
    new_change_id,
    new_temp_id,
    ref,
    refs_in,
)
from snapdesk.changes.requests import (
    PARENT_FIELD,
    PAUSABLE,
    UPDATABLE,
    create_request,
    delete_request,
    update_request,
    upload_request,
    writable,
)
from snapdesk.core.kinds import AD, AD_SQUAD, CAMPAIGN, CREATIVE, LABEL, MEDIA, SEGMENT
from snapdesk.core.money import MoneyError, apply_percent, parse_money, to_micro
from snapdesk.core.validation import NAME_MAX, Issue, errors, validate
from snapdesk.store import EntityRow, Store

MAX_MEDIA_BYTES: Final = 1024 * 1024 * 1024
_ID_FIELDS: Final = ("campaign_id", "ad_squad_id", "creative_id", "top_snap_media_id")
_EDITABLE_KINDS: Final = (CAMPAIGN, AD_SQUAD, AD, CREATIVE, MEDIA, SEGMENT)
# Creative type -> the ad type that shows it.
_AD_TYPE_FOR_CREATIVE: Final = {"WEB_VIEW": "REMOTE_WEBPAGE", "COMPOSITE": "STORY"}
_VIDEO_EXT: Final = (".mp4", ".mov")
_IMAGE_EXT: Final = (".png", ".jpg", ".jpeg", ".gif")

EntityRef = str | tuple[str, str]


def _now_iso_minute() -> str:
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    return now.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def ad_type_for_creative(creative_type: str) -> str:
    return _AD_TYPE_FOR_CREATIVE.get(creative_type, creative_type)


def media_type_for(path: str | os.PathLike[str]) -> str:
    suffix = Path(path).suffix.lower()
    if suffix in _VIDEO_EXT:
        return "VIDEO"
    if suffix in _IMAGE_EXT:
        return "IMAGE"
    raise ChangeError(
        f"{Path(path).name}: snapdesk uploads images (PNG, JPEG, GIF) and videos (MP4, MOV)"
    )


@dataclass(frozen=True)
class BudgetPreview:
    """One row of a bulk budget/bid change preview (amounts in micro of `currency`)."""

    kind: str
    entity_id: str
    name: str | None
    ad_account_id: str
    currency: str | None
    field: str | None
    old_micro: int | None
    new_micro: int | None
    issues: tuple[Issue, ...] = ()
    skipped: str | None = None

    @property
    def applies(self) -> bool:
        return (
            self.skipped is None
            and self.field is not None
            and self.new_micro is not None
            and self.new_micro != self.old_micro
            and not errors(list(self.issues))
        )


@dataclass(frozen=True)
class RenamePreview:
    kind: str
    entity_id: str
    old_name: str
    new_name: str


@dataclass(frozen=True)
class CopySource:
    """What `EditService.copy_tree` is copying, for its `adjust` hook: the original entity and
    the ad account the copy goes to."""

    kind: str
    entity_id: str
    name: str
    ad_account_id: str
    target_account_id: str


CopyAdjust = Callable[[CopySource, dict[str, Any]], None]
_CHILD_KIND: Final = {CAMPAIGN: AD_SQUAD, AD_SQUAD: AD}
_PARENT_KIND: Final = {AD_SQUAD: CAMPAIGN, AD: AD_SQUAD}


@dataclass
class _Located:
    kind: str
    entity_id: str
    ad_account_id: str
    row: EntityRow | None  # the cached server copy (None for entities not created yet)
    create: Change | None  # the pending create of a new entity


class _Action:
    """Collects what one user action does to the change table, for its undo entry."""

    def __init__(self, conn: sqlite3.Connection, label: str) -> None:
        self.conn = conn
        self.label = label
        self.group_id = uuid.uuid4().hex
        self._before: dict[str, dict[str, Any] | None] = {}
        self._after: dict[str, Change | None] = {}
        self.issues: list[Issue] = []
        # The change ids one step of `EditService.combined` touched, and where its issues begin
        # (a step returns only its own part: copying the whole action per step was quadratic).
        self._steps: list[tuple[dict[str, None], int]] = []  # nested steps: the innermost last

    def _remember(self, change_id: str) -> None:
        if change_id not in self._before:
            old = repo.load_change(self.conn, change_id)
            self._before[change_id] = old.to_json() if old else None

    def save(self, change: Change) -> Change:
        self._remember(change.id)
        repo.save_change(self.conn, change)
        self._after[change.id] = change
        for touched, _ in self._steps:
            touched[change.id] = None
        return change

    def remove(self, change_id: str) -> None:
        self._remember(change_id)
        repo.delete_change(self.conn, change_id)
        self._after[change_id] = None
        for touched, _ in self._steps:
            touched[change_id] = None

    def new_seq(self) -> int:
        return repo.next_seq(self.conn)

    def group(self) -> ChangeGroup:
        """What the action has done so far."""
        return ChangeGroup(
            group_id=self.group_id,
            label=self.label,
            changes=tuple(c for c in self._after.values() if c is not None),
            issues=tuple(self.issues),
            removed=tuple(cid for cid, c in self._after.items() if c is None),
        )

    def begin_step(self) -> None:
        self._steps.append(({}, len(self.issues)))

    def step_group(self) -> ChangeGroup:
        """What the current step of a combined action did (the changes it saved or removed,
        its issues); the step ends."""
        touched, first_issue = self._steps.pop()
        return ChangeGroup(
            group_id=self.group_id,
            label=self.label,
            changes=tuple(c for cid in touched if (c := self._after[cid]) is not None),
            issues=tuple(self.issues[first_issue:]),
            removed=tuple(cid for cid in touched if self._after[cid] is None),
        )

    def finish(self) -> ChangeGroup:
        items = []
        for change_id, before in self._before.items():
            after = self._after.get(change_id)
            after_json = after.to_json() if after else None
            if before != after_json:
                items.append(repo.HistoryItem(change_id, before, after_json))
        if items:
            repo.push_history(
                self.conn, stack="undo", group_id=self.group_id, label=self.label, items=items
            )
            repo.clear_history(self.conn, "redo")
        return self.group()


class _Rehearsed(Exception):
    """Ends a rehearsed `EditService.combined` action: its transaction is rolled back."""

    def __init__(self, group: ChangeGroup) -> None:
        super().__init__(group.label)
        self.group = group


class EditService:
    """Turns edits into stored changes. Thread-agnostic; every call is one SQLite transaction."""

    def __init__(self, *, store: Store) -> None:
        self.store = store
        self.repository = repo.ChangeRepository(store)
        self._joined = threading.local()  # `action`: the one `combined` holds open (writer thread)

    # ------------------------------------------------------------------ plumbing

    def _run(self, label: str, fn: Callable[[_Action], object]) -> ChangeGroup:
        def work(conn: sqlite3.Connection) -> ChangeGroup:
            joined: _Action | None = getattr(self._joined, "action", None)
            if joined is not None:  # a step of `combined`: part of its action
                joined.begin_step()
                try:
                    fn(joined)
                finally:
                    group = joined.step_group()  # the step ends, refused or not
                return group
            action = _Action(conn, label)
            fn(action)
            return action.finish()

        return self.store.write(work)

    def combined(
        self, label: str, fn: Callable[[], object], *, rehearse: bool = False
    ) -> ChangeGroup:
        """Run `fn`, which calls this service's queuing methods (edit, pause, resume, delete,
        create_…), as ONE user action: one transaction and one undo entry named `label`. If
        `fn` raises, nothing is queued; inside `fn` each call returns what that call did.

        `rehearse=True` rolls the transaction back at the end and returns what would have been
        queued: the same validation, nothing stored (a file import is checked this way)."""

        def run(act: _Action) -> None:
            outer = getattr(self._joined, "action", None)
            self._joined.action = act
            try:
                fn()
            finally:
                self._joined.action = outer

        if not rehearse:
            return self._run(label, run)

        def work(conn: sqlite3.Connection) -> ChangeGroup:
            action = _Action(conn, label)
            run(action)
            raise _Rehearsed(action.group())

        try:
            return self.store.write(work)
        except _Rehearsed as done:
            return done.group

    def _currency(self, ad_account_id: str) -> str | None:
        account = self.store.ad_account(ad_account_id)
        return account.currency if account else None

    def _open_for(self, conn: sqlite3.Connection, entity_id: str) -> list[Change]:
        return repo.load_changes(conn, states=OPEN_STATES, entity_id=entity_id)

    def _locate(self, conn: sqlite3.Connection, item: EntityRef) -> _Located:
        kind_hint: str | None = None
        if isinstance(item, tuple):
            kind_hint, entity_id = item
        else:
            entity_id = item
        if is_temp_id(entity_id):
            for change in self._open_for(conn, entity_id):
                if change.action == CREATE:
                    return _Located(change.kind, entity_id, change.ad_account_id, None, change)
            posted = repo.load_changes(conn, states=(POSTED,), entity_id=entity_id)
            created = next((c.created_id for c in posted if c.action == CREATE), None)
            if created is None:
                raise ChangeError(
                    f"The new item {entity_id} is no longer pending (reverted or undone)"
                )
            entity_id = created  # it exists on Snap now: edit the real thing
            kind_hint = kind_hint or posted[0].kind
        kinds = (kind_hint,) if kind_hint else _EDITABLE_KINDS
        for kind in kinds:
            assert kind is not None
            row = self.store.get(kind, entity_id)
            if row is not None:
                assert row.ad_account_id is not None
                return _Located(kind, entity_id, row.ad_account_id, row, None)
        raise ChangeError(f"{entity_id} is not in the local cache — sync the ad account first")

    def _id_for(self, conn: sqlite3.Connection, value: Any) -> Any:
        """A temporary entity id → the placeholder of its create; anything else unchanged."""
        if isinstance(value, str) and is_temp_id(value):
            located = self._locate(conn, value)
            if located.create is None:
                return located.entity_id  # already created on Snap
            return ref(located.create.id)
        return value

    def _translate_ids(self, conn: sqlite3.Connection, obj: Mapping[str, Any]) -> dict[str, Any]:
        out = dict(obj)
        for field in _ID_FIELDS:
            if field in out:
                out[field] = self._id_for(conn, out[field])
        return out

    def _creative_lookup(
        self, conn: sqlite3.Connection
    ) -> Callable[[str], Mapping[str, Any] | None]:
        def lookup(creative_id: str) -> Mapping[str, Any] | None:
            refs = refs_in(creative_id)
            if refs:
                change = repo.load_change(conn, next(iter(refs)))
                return change.after if change else None
            for change in self._open_for(conn, creative_id):
                if change.action in UPDATE_ACTIONS and change.after is not None:
                    return change.after
            row = self.store.get(CREATIVE, creative_id)
            return row.data if row else None

        return lookup

    def _current(self, conn: sqlite3.Connection, located: _Located) -> dict[str, Any]:
        """The entity as the user sees it now: server copy with pending edits applied."""
        if located.create is not None:
            return dict(located.create.after or {})
        for change in self._open_for(conn, located.entity_id):
            if change.action in UPDATE_ACTIONS and change.after is not None:
                return dict(change.after)
        assert located.row is not None
        return writable(located.kind, located.row.data)

    @staticmethod
    def _apply(after: dict[str, Any], fields: Mapping[str, Any]) -> None:
        for key, value in fields.items():
            if value is None:
                after.pop(key, None)
            else:
                after[key] = value

    @staticmethod
    def _fix_up(kind: str, fields: Mapping[str, Any], after: dict[str, Any]) -> None:
        """Keep dependent fields consistent with an edit."""
        if kind == CAMPAIGN and "objective" in fields and "objective_v2_properties" not in fields:
            after.pop("objective_v2_properties", None)  # Snap derives it from the objective
        if kind == AD_SQUAD and fields.get("bid_strategy") == "AUTO_BID":
            after.pop("bid_micro", None)

    def _check(self, issues: list[Issue], what: str) -> None:
        if errors(issues):
            first = errors(issues)[0]
            raise ValidationFailed(f"{what}: {first.message}", issues=issues)

    # ------------------------------------------------------------------ edits

    def _edit_in(self, act: _Action, item: EntityRef, fields: Mapping[str, Any]) -> Change | None:
        conn = act.conn
        located = self._locate(conn, item)
        kind = located.kind
        fields = self._translate_ids(conn, fields)
        if located.create is not None:
            return self._edit_create(act, located.create, fields)
        if kind not in UPDATABLE:
            raise ChangeError(
                f"Snap can't edit a {LABEL[kind].lower()}; delete it and upload again"
            )
        assert located.row is not None
        row = located.row
        open_changes = self._open_for(conn, located.entity_id)
        name = row.name or located.entity_id
        if any(c.state == SENDING for c in open_changes):
            raise ChangeError(f"{name} is being posted right now; edit it again once that finished")
        if any(c.action == DELETE for c in open_changes):
            raise ChangeError(f"{name} is queued for deletion; revert the deletion to edit it")
        pending = next((c for c in open_changes if c.action in UPDATE_ACTIONS), None)
        base = pending.base if pending and pending.base is not None else row.data
        before = writable(kind, base)
        after = dict(pending.after) if pending and pending.after is not None else dict(before)
        self._apply(after, fields)
        self._fix_up(kind, fields, after)
        if after == before:
            if pending is not None:
                act.remove(pending.id)  # edited back to what Snap has: nothing to send
            return None
        issues = validate(kind, after, base=before, creative_lookup=self._creative_lookup(conn))
        self._check(issues, f"{LABEL[kind]} {after.get('name') or name}")
        act.issues.extend(issues)
        request = update_request(kind, after, ad_account_id=located.ad_account_id)
        action = _update_action(before, after)
        label = after.get("name") or row.name
        if pending is not None:
            failed = pending.state == FAILED
            change = pending.evolve(
                action=action,
                after=after,
                request=request,
                issues=tuple(issues),
                label=label,
                state=PENDING,
                error=None,
                result=None,
                idempotency_key=str(uuid.uuid4()) if failed else pending.idempotency_key,
            )
        else:
            change = Change(
                id=new_change_id(),
                seq=act.new_seq(),
                group_id=act.group_id,
                ad_account_id=located.ad_account_id,
                kind=kind,
                entity_id=located.entity_id,
                action=action,
                label=label,
                before=before,
                after=after,
                base=dict(row.data),
                request=request,
                idempotency_key=str(uuid.uuid4()),
                issues=tuple(issues),
            )
        return act.save(change)

    def _edit_create(self, act: _Action, create: Change, fields: Mapping[str, Any]) -> Change:
        if create.state == SENDING:
            raise ChangeError(f"{create.label} is being created right now; edit it afterwards")
        after = dict(create.after or {})
        self._apply(after, fields)
        self._fix_up(create.kind, fields, after)
        issues = validate(create.kind, after, creative_lookup=self._creative_lookup(act.conn))
        self._check(issues, f"New {LABEL[create.kind].lower()} {after.get('name') or ''}".strip())
        act.issues.extend(issues)
        request = create_request(create.kind, after, ad_account_id=create.ad_account_id)
        # A failed create gets a new key — unless Snap may have made it: then it keeps the key,
        # the record of its attempt and its "may have been created" note, and the next post
        # looks for it on Snap before sending anything (WriteGateway._post_uncertain_create).
        fresh_key = create.state == FAILED and not create.outcome_unknown
        change = create.evolve(
            after=after,
            request=request,
            issues=tuple(issues),
            label=after.get("name") or create.label,
            depends_on=_depends(request, create.depends_on, keep_uploads=True, conn=act.conn),
            state=PENDING,
            error=create.error if create.outcome_unknown else None,
            result=create.result if create.outcome_unknown else None,
            idempotency_key=str(uuid.uuid4()) if fresh_key else create.idempotency_key,
        )
        return act.save(change)

    def edit(self, *, kind: str, entity_id: str, fields: Mapping[str, Any]) -> ChangeGroup:
        """Queue an edit of one entity (fields with None are removed from the object)."""
        if not fields:
            raise ChangeError("Nothing to change")
        noun = LABEL.get(kind, kind).lower()
        return self._run(f"Edit {noun}", lambda act: self._edit_in(act, (kind, entity_id), fields))

    def _set_status(self, ids: Iterable[EntityRef], status: str, verb: str) -> ChangeGroup:
        items = list(ids)

        def run(act: _Action) -> None:
            for item in items:
                located = self._locate(act.conn, item)
                if located.kind not in PAUSABLE:
                    act.issues.append(
                        Issue(
                            "status",
                            f"A {LABEL[located.kind].lower()} has no status to {verb.lower()}",
                            "warning",
                            "skipped",
                        )
                    )
                    continue
                self._edit_in(act, (located.kind, located.entity_id), {"status": status})

        return self._run(f"{verb} {_count(len(items))}", run)

    def pause(self, ids: Iterable[EntityRef]) -> ChangeGroup:
        """Queue PAUSED for campaigns, ad squads and ads (a full PUT each)."""
        return self._set_status(ids, "PAUSED", "Pause")

    def resume(self, ids: Iterable[EntityRef]) -> ChangeGroup:
        return self._set_status(ids, "ACTIVE", "Resume")

    def delete(self, ids: Iterable[EntityRef]) -> ChangeGroup:
        """Queue deletions (the caller has confirmed). A new, unposted entity is simply dropped,
        with whatever was queued under it; pending edits of a deleted entity are dropped."""
        items = list(ids)

        def run(act: _Action) -> None:
            for item in items:
                located = self._locate(act.conn, item)
                if located.create is not None:
                    self._drop_with_dependents(act, located.create.id)
                    continue
                assert located.row is not None
                open_changes = self._open_for(act.conn, located.entity_id)
                if any(c.state == SENDING for c in open_changes):
                    raise ChangeError(f"{located.row.name} is being posted right now")
                if any(c.action == DELETE for c in open_changes):
                    continue
                for change in open_changes:
                    act.remove(change.id)
                act.save(
                    Change(
                        id=new_change_id(),
                        seq=act.new_seq(),
                        group_id=act.group_id,
                        ad_account_id=located.ad_account_id,
                        kind=located.kind,
                        entity_id=located.entity_id,
                        action=DELETE,
                        label=located.row.name,
                        before=writable(located.kind, located.row.data),
                        after=None,
                        base=dict(located.row.data),
                        request=delete_request(located.kind, located.entity_id),
                        idempotency_key=str(uuid.uuid4()),
                    )
                )

        return self._run(f"Delete {_count(len(items))}", run)

    def _drop_with_dependents(self, act: _Action, change_id: str) -> None:
        act.remove(change_id)
        for other in repo.load_changes(act.conn, states=OPEN_STATES):
            if change_id in other.depends_on:
                self._drop_with_dependents(act, other.id)

    # ------------------------------------------------------------------ budgets and bids

    def _amounts_preview(
        self,
        ids: Iterable[EntityRef],
        *,
        value: Decimal | int | str | None,
        percent: Decimal | int | str | None,
        pick: Callable[[str, Mapping[str, Any]], tuple[str | None, str | None]],
    ) -> list[BudgetPreview]:
        if (value is None) == (percent is None):
            raise ChangeError("Give either a new amount or a percentage")
        items = list(ids)

        def work(conn: sqlite3.Connection) -> list[BudgetPreview]:
            out = []
            for item in items:
                located = self._locate(conn, item)
                current = self._current(conn, located)
                name = current.get("name")
                currency = self._currency(located.ad_account_id)
                field, skipped = pick(located.kind, current)

                def row(
                    old_micro: Any,
                    new_micro: int | None,
                    *,
                    issues: tuple[Issue, ...] = (),
                    skipped: str | None = None,
                    located: _Located = located,
                    name: Any = name,
                    currency: str | None = currency,
                    field: str | None = field,
                ) -> BudgetPreview:
                    return BudgetPreview(
                        kind=located.kind,
                        entity_id=located.entity_id,
                        name=name,
                        ad_account_id=located.ad_account_id,
                        currency=currency,
                        field=field,
                        old_micro=old_micro,
                        new_micro=new_micro,
                        issues=issues,
                        skipped=skipped,
                    )

                old = current.get(field) if field else None
                if skipped or field is None:
                    out.append(row(old, None, skipped=skipped))
                    continue
                try:
                    new = _new_amount(old, value=value, percent=percent, currency=currency)
                except (MoneyError, ChangeError) as exc:
                    out.append(row(old, None, skipped=str(exc)))
                    continue
                proposed = dict(current)
                proposed[field] = new
                base = None if located.create else writable(located.kind, located.row.data)  # type: ignore[union-attr]
                issues = validate(
                    located.kind, proposed, base=base, creative_lookup=self._creative_lookup(conn)
                )
                relevant = tuple(i for i in issues if i.field == field)
                out.append(row(old, new, issues=relevant))
            return out

        return self.store.write(work)

    def _apply_previews(self, previews: Sequence[BudgetPreview], label: str) -> ChangeGroup:
        def run(act: _Action) -> None:
            for row in previews:
                if row.applies:
                    assert row.field is not None
                    self._edit_in(act, (row.kind, row.entity_id), {row.field: row.new_micro})

        return self._run(label, run)

    def preview_budgets(
        self,
        ids: Iterable[EntityRef],
        *,
        value: Decimal | int | str | None = None,
        percent: Decimal | int | str | None = None,
    ) -> list[BudgetPreview]:
        """What `adjust_budgets` would do: per entity the budget field, old and new amounts.

        `value` is the new amount in the account's currency units (Decimal, or text as typed);
        `percent` changes the current amount by ±% (rounded half-even to the minor unit).
        Campaigns change their daily budget; ad squads their daily or lifetime budget."""
        return self._amounts_preview(ids, value=value, percent=percent, pick=_budget_field)

    def adjust_budgets(
        self,
        ids: Iterable[EntityRef],
        *,
        value: Decimal | int | str | None = None,
        percent: Decimal | int | str | None = None,
    ) -> ChangeGroup:
        previews = self.preview_budgets(ids, value=value, percent=percent)
        return self._apply_previews(previews, f"Change budget of {_count(len(previews))}")

    def preview_bids(
        self,
        ids: Iterable[EntityRef],
        *,
        value: Decimal | int | str | None = None,
        percent: Decimal | int | str | None = None,
    ) -> list[BudgetPreview]:
        """Like `preview_budgets` for ad squad bids; AUTO_BID squads are skipped."""
        return self._amounts_preview(ids, value=value, percent=percent, pick=_bid_field)

    def adjust_bids(
        self,
        ids: Iterable[EntityRef],
        *,
        value: Decimal | int | str | None = None,
        percent: Decimal | int | str | None = None,
    ) -> ChangeGroup:
        previews = self.preview_bids(ids, value=value, percent=percent)
        return self._apply_previews(previews, f"Change bid of {_count(len(previews))}")

    # ------------------------------------------------------------------ rename

    def preview_rename(
        self, ids: Iterable[EntityRef], find: str, replace: str
    ) -> list[RenamePreview]:
        if not find:
            raise ChangeError("Enter the text to find")
        items = list(ids)

        def work(conn: sqlite3.Connection) -> list[RenamePreview]:
            out = []
            for item in items:
                located = self._locate(conn, item)
                old = str(self._current(conn, located).get("name") or "")
                new = old.replace(find, replace)
                if new != old:
                    out.append(RenamePreview(located.kind, located.entity_id, old, new))
            return out

        return self.store.write(work)

    def rename(self, ids: Iterable[EntityRef], find: str, replace: str) -> ChangeGroup:
        """Find & replace (case-sensitive, every occurrence) in the names of the entities."""
        previews = self.preview_rename(ids, find, replace)

        def run(act: _Action) -> None:
            for row in previews:
                self._edit_in(act, (row.kind, row.entity_id), {"name": row.new_name})

        return self._run(f"Rename {_count(len(previews))}", run)

    # ------------------------------------------------------------------ creates

    def _create_in(
        self,
        act: _Action,
        *,
        kind: str,
        ad_account_id: str,
        obj: Mapping[str, Any],
        extra_depends: Iterable[str] = (),
    ) -> Change:
        conn = act.conn
        body = self._translate_ids(conn, obj)
        issues = validate(kind, body, creative_lookup=self._creative_lookup(conn))
        self._check(issues, f"New {LABEL[kind].lower()} {body.get('name') or ''}".strip())
        act.issues.extend(issues)
        request = create_request(kind, body, ad_account_id=ad_account_id)
        change = Change(
            id=new_change_id(),
            seq=act.new_seq(),
            group_id=act.group_id,
            ad_account_id=ad_account_id,
            kind=kind,
            entity_id=new_temp_id(),
            action=CREATE,
            label=body.get("name"),
            before=None,
            after=body,
            base=None,
            request=request,
            idempotency_key=str(uuid.uuid4()),
            depends_on=tuple(dict.fromkeys([*sorted(refs_in(request.to_json())), *extra_depends])),
            issues=tuple(issues),
        )
        return act.save(change)

    def _account_of(self, conn: sqlite3.Connection, parent: EntityRef) -> tuple[str, str]:
        located = self._locate(conn, parent)
        return located.ad_account_id, located.entity_id

    def create_campaign(self, *, ad_account_id: str, fields: Mapping[str, Any]) -> ChangeGroup:
        """Queue a new campaign (status PAUSED and start now unless given)."""
        if self.store.ad_account(ad_account_id) is None:
            raise ChangeError(f"Ad account {ad_account_id} is not in the local cache — sync first")
        obj = {"status": "PAUSED", "start_time": _now_iso_minute(), **fields}
        obj["ad_account_id"] = ad_account_id
        return self._run(
            "New campaign",
            lambda act: self._create_in(act, kind=CAMPAIGN, ad_account_id=ad_account_id, obj=obj),
        )

    def create_ad_squad(self, *, campaign_id: str, fields: Mapping[str, Any]) -> ChangeGroup:
        """Queue a new ad squad under a campaign (a cached or a new one)."""

        def run(act: _Action) -> None:
            account, parent = self._account_of(act.conn, (CAMPAIGN, campaign_id))
            obj: dict[str, Any] = {
                "type": "SNAP_ADS",
                "status": "PAUSED",
                "billing_event": "IMPRESSION",
                "placement_v2": {"config": "AUTOMATIC"},
                **fields,
                "campaign_id": parent,
            }
            if "bid_strategy" not in obj:
                obj["bid_strategy"] = (
                    "LOWEST_COST_WITH_MAX_BID" if "bid_micro" in obj else "AUTO_BID"
                )
            self._create_in(act, kind=AD_SQUAD, ad_account_id=account, obj=obj)

        return self._run("New ad squad", run)

    def create_creative(self, *, ad_account_id: str, fields: Mapping[str, Any]) -> ChangeGroup:
        obj = {**fields, "ad_account_id": ad_account_id}
        return self._run(
            "New creative",
            lambda act: self._create_in(act, kind=CREATIVE, ad_account_id=ad_account_id, obj=obj),
        )

    def create_segment(self, *, ad_account_id: str, fields: Mapping[str, Any]) -> ChangeGroup:
        """Queue a new customer-list segment (FIRST_PARTY, retention 180 days unless given).
        The account need not be cached: a customer list can be pushed before a sync."""
        obj = {
            "source_type": "FIRST_PARTY",
            "retention_in_days": 180,
            **fields,
            "ad_account_id": ad_account_id,
        }
        return self._run(
            "New audience segment",
            lambda act: self._create_in(act, kind=SEGMENT, ad_account_id=ad_account_id, obj=obj),
        )

    def create_ad(self, *, ad_squad_id: str, fields: Mapping[str, Any]) -> ChangeGroup:
        """Queue a new ad; its type defaults to the one its creative needs."""

        def run(act: _Action) -> None:
            account, parent = self._account_of(act.conn, (AD_SQUAD, ad_squad_id))
            obj: dict[str, Any] = {"status": "PAUSED", **fields, "ad_squad_id": parent}
            if "type" not in obj and obj.get("creative_id"):
                creative = self._creative_lookup(act.conn)(
                    str(self._id_for(act.conn, obj["creative_id"]))
                )
                if creative and creative.get("type"):
                    obj["type"] = ad_type_for_creative(str(creative["type"]))
            self._create_in(act, kind=AD, ad_account_id=account, obj=obj)

        return self._run("New ad", run)

    def _media_in(
        self,
        act: _Action,
        *,
        ad_account_id: str,
        file_path: str | os.PathLike[str],
        name: str | None,
        media_type: str | None,
    ) -> tuple[Change, Change]:
        path = Path(file_path).expanduser().resolve()
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise ChangeError(f"Can't read {path} ({exc.strerror or exc})") from exc
        if not path.is_file():
            raise ChangeError(f"{path} is not a file")
        if size == 0:
            raise ChangeError(f"{path.name} is empty")
        if size > MAX_MEDIA_BYTES:
            raise ChangeError(f"{path.name} is larger than Snap's 1 GB limit for media")
        media_type = media_type or media_type_for(path)
        media = self._create_in(
            act,
            kind=MEDIA,
            ad_account_id=ad_account_id,
            obj={"name": name or path.name, "type": media_type, "ad_account_id": ad_account_id},
        )
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        request = upload_request(
            ref(media.id),
            file_path=str(path),
            file_name=path.name,
            file_size=size,
            content_type=content_type,
        )
        upload = act.save(
            Change(
                id=new_change_id(),
                seq=act.new_seq(),
                group_id=act.group_id,
                ad_account_id=ad_account_id,
                kind=MEDIA,
                entity_id=media.entity_id,
                action=UPLOAD_MEDIA,
                label=media.label,
                request=request,
                idempotency_key=str(uuid.uuid4()),
                depends_on=(media.id,),
            )
        )
        return media, upload

    def create_media(
        self,
        *,
        ad_account_id: str,
        file_path: str | os.PathLike[str],
        name: str | None = None,
        media_type: str | None = None,
    ) -> ChangeGroup:
        """Queue a media file: create the media record, then upload the file (chunked above
        32 MB) and wait until Snap says READY."""
        return self._run(
            f"Upload {Path(file_path).name}",
            lambda act: self._media_in(
                act,
                ad_account_id=ad_account_id,
                file_path=file_path,
                name=name,
                media_type=media_type,
            ),
        )

    def create_ad_from_media(
        self,
        file_path: str | os.PathLike[str],
        *,
        ad_squad_id: str,
        creative: Mapping[str, Any],
        ad: Mapping[str, Any] | None = None,
        media_name: str | None = None,
        media_type: str | None = None,
    ) -> ChangeGroup:
        """Queue media → upload → creative → ad, each later step bound to the ids the earlier
        ones get. `creative` holds the creative's fields (name, type, headline, brand name or
        profile, call to action, web view URL ...); `ad` optional ad fields (name, status)."""

        def run(act: _Action) -> None:
            account, squad = self._account_of(act.conn, (AD_SQUAD, ad_squad_id))
            media, upload = self._media_in(
                act,
                ad_account_id=account,
                file_path=file_path,
                name=media_name,
                media_type=media_type,
            )
            creative_obj = {
                "type": "SNAP_AD",
                **creative,
                "top_snap_media_id": media.entity_id,
                "ad_account_id": account,
            }
            made = self._create_in(
                act,
                kind=CREATIVE,
                ad_account_id=account,
                obj=creative_obj,
                extra_depends=(upload.id,),
            )
            ad_obj: dict[str, Any] = {
                "name": creative_obj.get("name"),
                "status": "PAUSED",
                "type": ad_type_for_creative(str(creative_obj["type"])),
                **(ad or {}),
                "creative_id": made.entity_id,
                "ad_squad_id": squad,
            }
            self._create_in(act, kind=AD, ad_account_id=account, obj=ad_obj)

        return self._run(f"New ad from {Path(file_path).name}", run)

    def duplicate_campaign(
        self, campaign_id: str, *, suffix: str = " (copy)", status: str = "PAUSED"
    ) -> ChangeGroup:
        """Queue a copy of a campaign with its ad squads and ads (same creatives), names
        suffixed, everything PAUSED; children are bound to the new parents via placeholders.
        Start times in the past move to now (Snap does not create things starting earlier)."""

        def run(act: _Action) -> None:
            conn = act.conn
            located = self._locate(conn, (CAMPAIGN, campaign_id))
            if located.row is None:
                raise ChangeError("Post the campaign before duplicating it")
            now = _now_iso_minute()
            campaign = _copy_of(self._current(conn, located), suffix, status, now)
            made = self._create_in(
                act, kind=CAMPAIGN, ad_account_id=located.ad_account_id, obj=campaign
            )
            for squad_row in self.store.ad_squads(campaign_id):
                squad_loc = _Located(AD_SQUAD, squad_row.id, located.ad_account_id, squad_row, None)
                squad = _copy_of(self._current(conn, squad_loc), suffix, status, now)
                squad["campaign_id"] = made.entity_id
                squad_made = self._create_in(
                    act, kind=AD_SQUAD, ad_account_id=located.ad_account_id, obj=squad
                )
                for ad_row in self.store.ads(squad_row.id):
                    ad_loc = _Located(AD, ad_row.id, located.ad_account_id, ad_row, None)
                    ad = _copy_of(self._current(conn, ad_loc), suffix, status, None)
                    ad["ad_squad_id"] = squad_made.entity_id
                    self._create_in(act, kind=AD, ad_account_id=located.ad_account_id, obj=ad)

        return self._run("Duplicate campaign", run)

    def copy_tree(
        self,
        items: Sequence[EntityRef],
        *,
        parent_id: str,
        suffix: str = "",
        status: str = "PAUSED",
        adjust: CopyAdjust | None = None,
    ) -> ChangeGroup:
        """Queue copies of campaigns, ad squads or ads (all of one kind) with everything under
        them (campaign → ad squads → ads) under `parent_id`: an ad account for campaigns, a
        campaign for ad squads, an ad squad for ads (cached or new). What is copied is what
        the user sees (pending edits applied; children queued for deletion left out, new ones
        included). Copies are `status`; start times in the past move to now (a flight that has
        ended keeps its length from now, so a lifetime budget still has its end); `suffix` goes on
        a top-level copy placed beside its original (same parent), never elsewhere. Children
        are bound to their new parents through placeholders.

        Ads keep their creative within an ad account. In another account the creative is
        copied (once, however many ads use it) with that account's media holding the same
        file (same hash); an ad whose media that account lacks is left out with a warning
        issue (code `not_copied`): Snap keeps media per ad account. `adjust(source, obj)` may
        rewrite each copy before it is validated (amounts in another currency)."""
        chosen = list(items)

        def run(act: _Action) -> None:
            conn = act.conn
            sources = [self._locate(conn, item) for item in chosen]
            kinds = {s.kind for s in sources}
            if not sources:
                raise ChangeError("Nothing to copy")
            if len(kinds) != 1 or not kinds <= {CAMPAIGN, AD_SQUAD, AD}:
                raise ChangeError("Copy campaigns, ad squads or ads, one kind at a time")
            kind = sources[0].kind
            account, parent = self._copy_target(conn, kind, parent_id)
            now = _now_iso_minute()
            creatives: dict[str, str | None] = {}

            def copy(source: _Located, new_parent: str, top: bool) -> None:
                current = self._current(conn, source)
                beside = top and _same_ref(current.get(PARENT_FIELD[source.kind]), parent, conn)
                obj = _copy_of(
                    current,
                    suffix if beside else "",
                    status,
                    None if source.kind == AD else now,
                )
                if source.kind != AD:
                    _keep_flight_length(current, obj)
                obj[PARENT_FIELD[source.kind]] = new_parent
                if "ad_account_id" in obj:
                    obj["ad_account_id"] = account
                name = str(current.get("name") or source.entity_id)
                if source.kind == AD and obj.get("creative_id"):
                    creative = self._creative_copy(
                        act, str(obj["creative_id"]), source.ad_account_id, account, creatives
                    )
                    if creative is None:
                        act.issues.append(
                            Issue(
                                "creative_id",
                                f"Ad “{name}” not copied: its media isn't in "
                                f"{self._account_name(account)}",
                                "warning",
                                "not_copied",
                            )
                        )
                        return
                    obj["creative_id"] = creative
                if adjust is not None:
                    origin = CopySource(
                        source.kind, source.entity_id, name, source.ad_account_id, account
                    )
                    adjust(origin, obj)
                made = self._create_in(act, kind=source.kind, ad_account_id=account, obj=obj)
                for child in self._children_of(conn, source):
                    copy(child, made.entity_id, False)

            for source in sources:
                copy(source, parent, True)

        return self._run(f"Copy {_count(len(chosen))}", run)

    def _account_name(self, ad_account_id: str) -> str:
        account = self.store.ad_account(ad_account_id)
        return account.name if account is not None and account.name else ad_account_id

    def _copy_target(self, conn: sqlite3.Connection, kind: str, parent_id: str) -> tuple[str, str]:
        """(ad account, parent id) a copy of a `kind` goes under."""
        if kind == CAMPAIGN:
            if self.store.ad_account(parent_id) is None:
                raise ChangeError(f"Ad account {parent_id} is not in the local cache — sync first")
            return parent_id, parent_id
        parent_kind = _PARENT_KIND[kind]
        located = self._locate(conn, (parent_kind, parent_id))
        if located.kind != parent_kind:
            raise ChangeError(
                f"A {LABEL[kind].lower()} goes under a {LABEL[parent_kind].lower()}, "
                f"not a {LABEL[located.kind].lower()}"
            )
        if any(c.action == DELETE for c in self._open_for(conn, located.entity_id)):
            raise ChangeError(
                f"The {LABEL[parent_kind].lower()} is queued for deletion; revert that first"
            )
        return located.ad_account_id, located.entity_id

    def _children_of(self, conn: sqlite3.Connection, parent: _Located) -> list[_Located]:
        """The ad squads of a campaign or the ads of an ad squad as the user sees them: cached
        ones not deleted (on Snap or pending), then new ones queued under it."""
        child_kind = _CHILD_KIND.get(parent.kind)
        if child_kind is None:
            return []
        open_changes = repo.load_changes(
            conn, states=OPEN_STATES, ad_account_ids=[parent.ad_account_id]
        )
        deleted = {c.entity_id for c in open_changes if c.action == DELETE}
        out: list[_Located] = []
        if parent.row is not None:
            rows = (
                self.store.ad_squads(parent.entity_id)
                if child_kind == AD_SQUAD
                else self.store.ads(parent.entity_id)
            )
            out.extend(
                _Located(child_kind, row.id, parent.ad_account_id, row, None)
                for row in rows
                if row.id not in deleted and not row.data.get("deleted")
            )
        held = {parent.entity_id}
        if parent.create is not None:
            held.add(ref(parent.create.id))
        field = PARENT_FIELD[child_kind]
        out.extend(
            _Located(child_kind, c.entity_id, c.ad_account_id, None, c)
            for c in sorted(open_changes, key=lambda c: c.seq)
            if c.action == CREATE and c.kind == child_kind and (c.after or {}).get(field) in held
        )
        return out

    def _creative_copy(
        self,
        act: _Action,
        creative_id: str,
        source_account: str,
        target_account: str,
        done: dict[str, str | None],
    ) -> str | None:
        """The creative an ad copied into `target_account` uses: the same one within an
        account, else a copy with the target's media of the same file (None: no such media)."""
        if source_account == target_account:
            return creative_id
        if creative_id in done:
            return done[creative_id]
        conn = act.conn
        refs = refs_in(creative_id)
        if refs:
            pending = repo.load_change(conn, next(iter(refs)))
            if pending is None:
                raise ChangeError(f"The new creative {creative_id} is no longer pending")
            located = self._locate(conn, (CREATIVE, pending.entity_id))
        else:
            located = self._locate(conn, (CREATIVE, creative_id))
        obj = {k: v for k, v in self._current(conn, located).items() if k != "id"}
        obj["ad_account_id"] = target_account
        media_id = obj.get("top_snap_media_id")
        if media_id:
            match = self._same_media(str(media_id), target_account)
            if match is None:
                done[creative_id] = None
                return None
            obj["top_snap_media_id"] = match
        made = self._create_in(act, kind=CREATIVE, ad_account_id=target_account, obj=obj)
        done[creative_id] = made.entity_id
        return made.entity_id

    def _same_media(self, media_id: str, ad_account_id: str) -> str | None:
        """The media of `ad_account_id` holding the same file as `media_id` (same hash and
        size), or None."""
        source = self.store.get(MEDIA, media_id)
        if source is None or not source.data.get("hash"):
            return None
        if source.ad_account_id == ad_account_id:
            return media_id
        wanted = (source.data.get("hash"), source.data.get("file_size_in_bytes"))
        for media in self.store.media(ad_account_id):
            data = media.data
            if (data.get("hash"), data.get("file_size_in_bytes")) == wanted and not data.get(
                "deleted"
            ):
                return media.id
        return None

    # ------------------------------------------------------------------ revert, undo, redo

    def revert(self, change_ids: Iterable[str]) -> ChangeGroup:
        """Take changes (and whatever depends on them) out of the pending set; undoable."""
        ids = list(change_ids)

        def run(act: _Action) -> None:
            for change_id in ids:
                self._revert_in(act, change_id)

        return self._run(f"Revert {len(ids)} change{'s' if len(ids) != 1 else ''}", run)

    def _revert_in(self, act: _Action, change_id: str) -> None:
        change = repo.load_change(act.conn, change_id)
        if change is None or change.state not in (PENDING, FAILED):
            if change is not None and change.state == SENDING:
                raise ChangeError(f"{change.summary()} is being posted; it can't be reverted now")
            return
        act.save(change.evolve(state=REVERTED))
        for other in repo.load_changes(act.conn, states=(PENDING, FAILED)):
            if change_id in other.depends_on:
                self._revert_in(act, other.id)

    def undo(self) -> ChangeGroup | None:
        """Undo the last edit action (persisted; survives a restart). None if nothing to undo."""
        return self._step("undo")

    def redo(self) -> ChangeGroup | None:
        return self._step("redo")

    def _step(self, stack: repo.Stack) -> ChangeGroup | None:
        def work(conn: sqlite3.Connection) -> ChangeGroup | None:
            entry = repo.peek_history(conn, stack)
            if entry is None:
                return None
            for item in entry.items:
                current = repo.load_change(conn, item.change_id)
                if current is not None and current.state in (SENDING, "posted"):
                    repo.drop_history(conn, entry.seq)
                    raise ChangeError(
                        f"“{entry.label}” was already posted to Snap and can't be undone here"
                    )
            restored: list[Change] = []
            removed: list[str] = []
            for item in entry.items:
                target = item.before if stack == "undo" else item.after
                if target is None:
                    repo.delete_change(conn, item.change_id)
                    removed.append(item.change_id)
                else:
                    change = Change.from_json(target)
                    repo.save_change(conn, change)
                    restored.append(change)
            repo.drop_history(conn, entry.seq)
            repo.push_history(
                conn,
                stack="redo" if stack == "undo" else "undo",
                group_id=entry.group_id,
                label=entry.label,
                items=entry.items,
            )
            verb = "Undo" if stack == "undo" else "Redo"
            return ChangeGroup(
                group_id=entry.group_id,
                label=f"{verb} {entry.label}",
                changes=tuple(restored),
                removed=tuple(removed),
            )

        return self.store.write(work)

    def can_undo(self) -> bool:
        return self.repository.undo_label() is not None

    def can_redo(self) -> bool:
        return self.repository.redo_label() is not None

    # ------------------------------------------------------------------ reads for views

    def pending(self, *, ad_account_ids: Iterable[str] | None = None) -> list[Change]:
        """Changes still to post, in the order they were made."""
        return self.repository.list(ad_account_ids=ad_account_ids)


# ---------------------------------------------------------------------------- helpers


def _count(n: int) -> str:
    return f"{n} item{'s' if n != 1 else ''}"


def _update_action(before: Mapping[str, Any], after: Mapping[str, Any]) -> str:
    changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
    if changed == {"status"}:
        return PAUSE if after.get("status") == "PAUSED" else RESUME
    return UPDATE


def _depends(
    request: Any, previous: Sequence[str], *, keep_uploads: bool, conn: sqlite3.Connection
) -> tuple[str, ...]:
    """Dependencies from the request's placeholders, keeping earlier non-placeholder ones
    (an upload a creative waits for)."""
    found = sorted(refs_in(request.to_json()))
    kept = [
        d
        for d in previous
        if d not in found
        and keep_uploads
        and (c := repo.load_change(conn, d)) is not None
        and c.action == UPLOAD_MEDIA
    ]
    return tuple(dict.fromkeys([*found, *kept]))


def _budget_field(kind: str, current: Mapping[str, Any]) -> tuple[str | None, str | None]:
    if kind == CAMPAIGN:
        return "daily_budget_micro", None
    if kind == AD_SQUAD:
        if (
            current.get("lifetime_budget_micro") is not None
            and current.get("daily_budget_micro") is None
        ):
            return "lifetime_budget_micro", None
        return "daily_budget_micro", None
    return None, f"A {LABEL.get(kind, kind).lower()} has no budget"


def _bid_field(kind: str, current: Mapping[str, Any]) -> tuple[str | None, str | None]:
    if kind != AD_SQUAD:
        return None, f"A {LABEL.get(kind, kind).lower()} has no bid"
    if current.get("bid_strategy") == "AUTO_BID" or current.get("bid_micro") is None:
        return None, "Uses automatic bidding (AUTO_BID); choose a bid strategy first"
    return "bid_micro", None


def _new_amount(
    old: Any,
    *,
    value: Decimal | int | str | None,
    percent: Decimal | int | str | None,
    currency: str | None,
) -> int:
    if currency is None:
        raise ChangeError("The ad account's currency is unknown — sync it first")
    if value is not None:
        amount = parse_money(value, currency) if isinstance(value, str) else Decimal(value)
        if amount < 0:
            raise ChangeError("The amount can't be negative")
        return to_micro(amount, currency)
    if not isinstance(old, int):
        raise ChangeError("No current amount to change by a percentage")
    assert percent is not None
    pct = Decimal(percent.strip().rstrip("%")) if isinstance(percent, str) else Decimal(percent)
    new = apply_percent(old, pct, currency)
    if new < 0:
        raise ChangeError("The result would be negative")
    return new


def _copy_of(obj: Mapping[str, Any], suffix: str, status: str, now: str | None) -> dict[str, Any]:
    copy_obj = {k: v for k, v in obj.items() if k != "id"}
    name = f"{copy_obj.get('name') or ''}{suffix}"
    copy_obj["name"] = name[:NAME_MAX]
    copy_obj["status"] = status
    if now is not None:
        start = copy_obj.get("start_time")
        if not isinstance(start, str) or start < now:
            copy_obj["start_time"] = now
        end = copy_obj.get("end_time")
        if isinstance(end, str) and end <= copy_obj["start_time"]:
            copy_obj.pop("end_time")
    return copy_obj


def _same_ref(value: Any, entity_id: str, conn: sqlite3.Connection) -> bool:
    """Whether a parent field (an id or a `$ref:` placeholder) names `entity_id`."""
    if value == entity_id:
        return True
    refs = refs_in(value) if isinstance(value, str) else set()
    if not refs:
        return False
    change = repo.load_change(conn, next(iter(refs)))
    return change is not None and change.entity_id == entity_id


def _keep_flight_length(original: Mapping[str, Any], copy_obj: dict[str, Any]) -> None:
    """A copy whose original flight has ended (`_copy_of` dropped its end): the same length
    from the copy's new start."""
    start, end = original.get("start_time"), original.get("end_time")
    new_start = copy_obj.get("start_time")
    if "end_time" in copy_obj or not all(isinstance(v, str) for v in (start, end, new_start)):
        return
    try:
        length = _iso_time(str(end)) - _iso_time(str(start))
        moved = _iso_time(str(new_start)) + length
    except ValueError:
        return
    if length.total_seconds() > 0:
        copy_obj["end_time"] = moved.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _iso_time(value: str) -> datetime:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
