"""`ExperimentService`: create, start, tick (rotate), read out, promote, end and archive.

Every status or budget change is queued through `EditService` and sent through the
`WriteGateway` the caller passes in: a dry-run gateway rehearses (nothing reaches Snap and the
step is not marked applied), a live one posts. A rotation step is recorded before its changes
are queued; its changes are posted in two phases — pauses first, the activation only once
every pause posted — so two variants are never active together, and a step is marked applied
only when the store says every one of its changes posted. Statuses converge to the step's
target (an ad squad already in the wanted status, on Snap or in a pending change, gets no
change), so a tick re-run after a crash never toggles twice.

The rule for every transition: an experiment's state changes only when the changes that make
the change have posted. `pause` and `promote` queue their changes and record them as the
experiment's `pending` transition; the experiment pauses (or ends with its winner) once every
one of those changes is posted — reconciled from the pending-changes store on every read, so
a post from another window or process (`snapdesk changes post --live`) or a restart gives the
same answer. Until then the rotation holds and the experiment shows what it was;
`cancel_pending` takes the transition back, restoring Pending Changes exactly as they were.
A resumed experiment counts as paused until its re-applied step has posted.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from snapdesk.changes import EditService, WriteGateway
from snapdesk.changes import repository as change_repo
from snapdesk.changes.model import (
    CREATE,
    FAILED,
    OPEN_STATES,
    POSTED,
    SENDING,
    UPDATE_ACTIONS,
    Change,
    ChangeError,
    ChangeGroup,
)
from snapdesk.changes.requests import writable
from snapdesk.core.kinds import AD, AD_SQUAD
from snapdesk.core.money import from_micro
from snapdesk.experiments.model import (
    ARCHIVED,
    CONTROL,
    DIMENSIONS,
    DRAFT,
    ENDED,
    PAUSING,
    PROMOTING,
    RUNNING,
    TREATMENT,
    Decision,
    Experiment,
    Pause,
    PendingTransition,
    Variant,
    due_steps,
    metric,
    now_utc,
)
from snapdesk.experiments.model import PAUSED as PAUSED_STATE
from snapdesk.experiments.planning import (
    HISTORY_DAYS,
    Plan,
    PlanningError,
    plan_experiment,
)
from snapdesk.experiments.planning import Window as HistoryWindow
from snapdesk.experiments.readout import (
    DESCRIPTIVE_METRICS,
    GUARDRAIL_VIOLATED,
    WINNER,
    Readout,
    compute_readout,
)
from snapdesk.experiments.repository import ExperimentRepository, StepRecord, save_in
from snapdesk.experiments.schedule import ROTATION, SPLIT, Mode, Step, slot_bounds, slot_variant
from snapdesk.experiments.units import Row, Unit, Window, rotation_units, split_units
from snapdesk.stats import StatsService
from snapdesk.store import Store

ACTIVE = "ACTIVE"
PAUSED = "PAUSED"
_KEYS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass(frozen=True)
class Created:
    experiment: Experiment
    groups: tuple[ChangeGroup, ...]

    @property
    def change_ids(self) -> tuple[str, ...]:
        return tuple(c.id for g in self.groups for c in g.changes)


@dataclass(frozen=True)
class TickOutcome:
    experiment_id: str
    name: str
    step: int | None
    active: tuple[str, ...] = ()
    change_ids: tuple[str, ...] = ()
    applied: bool = False
    mode: str = "dry-run"
    message: str = ""
    reports: tuple[Any, ...] = field(default=(), repr=False)  # PostReports, pauses first


@dataclass(frozen=True)
class Paused:
    """A pause asked for: the experiment (paused already when nothing had to be sent; else
    running, with the pause pending), the groups queued, and `change_ids` — every change that
    has to post for its variants to be paused on Snap (post them)."""

    experiment: Experiment
    groups: tuple[ChangeGroup, ...]
    change_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class PendingProgress:
    """How far a pending transition's changes are: `posted` (live), `open` still to post (of
    which `failed` failed when last sent), `gone` reverted or removed without posting."""

    total: int
    posted: int
    open: int
    failed: int
    gone: int


@dataclass(frozen=True)
class PromotionPlan:
    """What `promote` will queue, computed without queuing anything (for a confirmation):
    pause `pause`, resume the winner when `resume_winner`, and with `budget_micro` set the
    winner's daily budget to it (the sum of `budgets`, one per variant, control first)."""

    experiment: Experiment
    winner: Variant
    pause: tuple[Variant, ...]
    resume_winner: bool
    budgets: tuple[int | None, ...]
    budget_micro: int | None
    currency: str


@dataclass(frozen=True)
class Promotion:
    """A promotion asked for: the experiment (ended already when nothing had to be sent; else
    as it was, with the promotion pending), the groups queued, and `change_ids` — every change
    that has to post for the winner to be active and the others paused on Snap (post them)."""

    experiment: Experiment
    winner: Variant
    paused: tuple[str, ...]
    budget_micro: int | None
    groups: tuple[ChangeGroup, ...]
    change_ids: tuple[str, ...] = ()


class ExperimentService:
    def __init__(self, *, store: Store, edits: EditService | None = None) -> None:
        self.store = store
        self.edits = edits or EditService(store=store)
        self.repository = ExperimentRepository(store)

    # ------------------------------------------------------------------ statuses

    def _open_changes(self, entity_id: str) -> list[Change]:
        return self.store.write(
            lambda c: change_repo.load_changes(c, states=OPEN_STATES, entity_id=entity_id)
        )

    def effective_status(self, squad_id: str) -> str | None:
        """The status as the user sees it: a pending change's, else the cached server copy's."""
        for change in self._open_changes(squad_id):
            if change.after is not None and "status" in change.after:
                return str(change.after["status"])
        row = self.store.get(AD_SQUAD, squad_id)
        if row is None:
            return None
        return str(row.data.get("status") or row.status or "")

    def _resolve_ids(self, experiment: Experiment) -> Experiment:
        """Temporary `new-…` squad ids → the ids Snap gave them once their creates posted."""

        def work(conn: sqlite3.Connection) -> dict[str, str]:
            found: dict[str, str] = {}
            for v in experiment.variants:
                if not v.squad_id.startswith("new-"):
                    continue
                for change in change_repo.load_changes(
                    conn, states=(POSTED,), entity_id=v.squad_id
                ):
                    if change.action == CREATE and change.created_id:
                        found[v.squad_id] = change.created_id
            return found

        found = self.store.write(work)
        if not found:
            return experiment
        variants = tuple(
            Variant(v.key, found.get(v.squad_id, v.squad_id), v.role, v.name, v.budget_micro)
            for v in experiment.variants
        )
        return self.repository.save(experiment.evolve(variants=variants))

    def get(self, experiment_id: str) -> Experiment:
        """The experiment as the store says it is now (its pending transition reconciled)."""
        experiment = self.repository.get(experiment_id)
        if experiment is None:
            raise ChangeError(f"No experiment {experiment_id}")
        return self.reconcile(self._resolve_ids(experiment))

    def experiments(
        self, *, states: Sequence[str] | None = None, campaign_id: str | None = None
    ) -> list[Experiment]:
        """The experiments (newest change first), each reconciled like `get`, then filtered by
        state — a promotion posted elsewhere lists as ended."""
        found = [
            self.reconcile(e) if e.pending is not None else e
            for e in self.repository.list(campaign_id=campaign_id)
        ]
        return [e for e in found if states is None or e.state in states]

    # ------------------------------------------------------------------ pending transitions

    def _change_states(self, change_ids: Sequence[str]) -> dict[str, str | None]:
        """Each change's state in the store (None: no longer there)."""
        rows = self.store.write(
            lambda c: change_repo.load_changes(c, states=None, change_ids=change_ids)
        )
        found = {c.id: c.state for c in rows}
        return {change_id: found.get(change_id) for change_id in change_ids}

    def pending_progress(self, experiment_id: str) -> PendingProgress | None:
        """How far the pending transition's changes are (None: nothing pending)."""
        pending = self.get(experiment_id).pending
        if pending is None:
            return None
        states = list(self._change_states(pending.change_ids).values())
        return PendingProgress(
            total=len(states),
            posted=sum(1 for s in states if s == POSTED),
            open=sum(1 for s in states if s in OPEN_STATES),
            failed=sum(1 for s in states if s == FAILED),
            gone=sum(1 for s in states if s is None or (s not in OPEN_STATES and s != POSTED)),
        )

    def reconcile(self, experiment: Experiment) -> Experiment:
        """Apply the pending transition once all its changes posted; drop it once they were all
        reverted or removed without any posting; otherwise leave the experiment as it is."""
        pending = experiment.pending
        if pending is None:
            return experiment
        states = self._change_states(pending.change_ids).values()
        if all(s == POSTED for s in states):
            return self.repository.save(_completed(experiment, pending))
        if not any(s == POSTED or s in OPEN_STATES for s in states):
            return self.repository.save(replace(experiment, pending=None))
        return experiment

    def cancel_pending(self, experiment_id: str) -> Experiment:
        """Take back the pending pause or promotion: every change it queued or edited that has
        not posted goes back to what it was before (a change it made is removed, with its undo
        entries), and the experiment's row is what it was. Changes already posted stay posted
        (Snap has them); the experiment keeps its state."""
        experiment = self.get(experiment_id)
        pending = experiment.pending
        if pending is None:
            return experiment
        restored = replace(experiment, pending=None)

        def work(conn: sqlite3.Connection) -> None:
            for change_id, image in pending.before.items():
                current = change_repo.load_change(conn, change_id)
                if current is not None and current.state in (POSTED, SENDING):
                    continue  # on Snap, or on its way there: not ours to take back
                if image is None:
                    if current is not None:
                        change_repo.delete_change(conn, change_id)
                else:
                    change_repo.save_change(conn, Change.from_json(json.loads(image)))
            change_repo.drop_history_groups(conn, pending.group_ids)
            save_in(conn, restored)

        self.store.write(work)
        return restored

    def mark_rehearsed(self, experiment_id: str, *, at: datetime | None = None) -> Experiment:
        """Note that the pending transition's changes were rehearsed in dry-run (nothing else
        changes: it still waits to be posted)."""
        experiment = self.get(experiment_id)
        if experiment.pending is None:
            return experiment
        moment = (at or now_utc()).astimezone(UTC)
        return self.repository.save(
            replace(experiment, pending=replace(experiment.pending, rehearsed_at=moment))
        )

    def _open_images(self, squad_ids: Iterable[str]) -> dict[str, str]:
        """The open changes of these ad squads as stored now, as JSON text (key order kept, so
        a cancel writes them back byte for byte)."""
        wanted = set(squad_ids)
        rows = self.store.write(lambda c: change_repo.load_changes(c, states=OPEN_STATES))
        return {
            c.id: json.dumps(c.to_json(), ensure_ascii=False, default=str)
            for c in rows
            if c.entity_id in wanted
        }

    @staticmethod
    def _before(images: Mapping[str, str], groups: Sequence[ChangeGroup]) -> dict[str, str | None]:
        touched = [c.id for g in groups for c in g.changes] + [i for g in groups for i in g.removed]
        return {change_id: images.get(change_id) for change_id in dict.fromkeys(touched)}

    def _needed(self, squad_ids: Iterable[str], status: str, *, creates: bool) -> list[str]:
        """The open changes that must post for these ad squads to have `status` on Snap: for
        each one whose cached status differs, its open change setting that status (with
        `creates`, also a not-yet-created squad's create and what depends on it)."""
        ids: list[str] = []
        for squad_id in squad_ids:
            row = self.store.get(AD_SQUAD, squad_id)
            on_snap = str(row.data.get("status") or row.status or "") if row else None
            if on_snap == status:
                continue
            for change in self._open_changes(squad_id):
                if change.after is None or change.after.get("status") != status:
                    continue
                if change.action in UPDATE_ACTIONS or (creates and change.action == CREATE):
                    ids.append(change.id)
        return ids + (self._dependents(ids) if creates else [])

    @staticmethod
    def _refuse_pending(experiment: Experiment, what: str) -> None:
        pending = experiment.pending
        if pending is None:
            return
        subject = f"The promotion of {pending.winner}" if pending.action == PROMOTING else "A pause"
        raise ChangeError(
            f"{subject} of “{experiment.name}” waits to be posted: post it or cancel it before "
            f"you {what}"
        )

    # ------------------------------------------------------------------ create

    def create(
        self,
        *,
        name: str,
        hypothesis: str,
        campaign_id: str,
        control_squad_id: str,
        dimension: str,
        treatments: Sequence[Mapping[str, Any]],
        primary_metric: str,
        guardrails: Iterable[str] = (),
        mode: Mode = ROTATION,
        rotation_hours: float | None = 24.0,
        confidence: float = 0.95,
        relative_mde: float = 0.1,
        baseline: float | None = None,
        budgets_micro: Sequence[int] | None = None,
        plan: Plan | None = None,
        price_limit: float = 0.2,
    ) -> Created:
        """Queue the treatments as copies of the control — the ad squad and its ads —
        differing only in `dimension` (control ACTIVE, treatments PAUSED); store a draft.

        Each treatment mapping holds the dimension's fields: `targeting`; `bid_micro` (and
        `bid_strategy`); `placement_v2`; or for `creative` a `creative_id` that replaces the
        creative of every copied ad. `budgets_micro` (split mode) declares one daily budget per
        variant, control first; otherwise every copy keeps the control's budget.
        """
        if primary_metric in DESCRIPTIVE_METRICS:
            raise ChangeError(
                f"{metric(primary_metric).label} is set by the auction, so it can't decide a "
                "winner; choose a rate or a cost as the primary metric and add it as a guardrail"
            )
        if dimension not in DIMENSIONS:
            raise ChangeError(f"Choose one dimension: {', '.join(DIMENSIONS)}")
        if not treatments:
            raise ChangeError("Add at least one treatment")
        metric(primary_metric)
        control_row = self.store.get(AD_SQUAD, control_squad_id)
        if control_row is None or control_row.parent_id != campaign_id:
            raise ChangeError("The control must be a synced ad squad of the campaign")
        if budgets_micro is not None and len(budgets_micro) != len(treatments) + 1:
            raise ChangeError("Declare one budget per variant, control first")
        allowed = set(DIMENSIONS[dimension]) | (
            {"creative_id"} if dimension == "creative" else set()
        )
        control_data = writable(AD_SQUAD, control_row.data)
        for overrides in treatments:
            extra = set(overrides) - allowed
            if extra or not overrides:
                raise ChangeError(
                    f"A {dimension} treatment may only change {', '.join(sorted(allowed))}"
                    + (f", not {', '.join(sorted(extra))}" if extra else "")
                )
            if dimension != "creative" and all(
                control_data.get(k) == v for k, v in overrides.items()
            ):
                raise ChangeError(f"A treatment must differ from the control in its {dimension}")
        ads = self.store.ads(control_squad_id)
        if dimension == "creative" and not ads:
            raise ChangeError("The control has no ads whose creative a treatment could replace")

        groups: list[ChangeGroup] = []
        if self.effective_status(control_squad_id) != ACTIVE:
            groups.append(self.edits.resume([(AD_SQUAD, control_squad_id)]))
        control_name = control_row.name or control_squad_id
        control_budget = control_data.get("daily_budget_micro")
        if budgets_micro is not None and budgets_micro[0] != control_budget:
            groups.append(
                self.edits.edit(
                    kind=AD_SQUAD,
                    entity_id=control_squad_id,
                    fields={"daily_budget_micro": budgets_micro[0], "lifetime_budget_micro": None},
                )
            )
        variants = [
            Variant(
                "A",
                control_squad_id,
                CONTROL,
                control_name,
                budgets_micro[0] if budgets_micro else control_budget,
            )
        ]
        now_minute = now_utc().replace(second=0, microsecond=0)
        now_text = now_minute.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        for i, overrides in enumerate(treatments, start=1):
            key = _KEYS[i]
            copy = {k: v for k, v in control_data.items() if k not in ("id", "campaign_id")}
            copy["name"] = f"{control_name} · {key} ({dimension})"[:375]
            copy["status"] = PAUSED
            start = copy.get("start_time")
            if not isinstance(start, str) or start < now_text:
                copy["start_time"] = now_text
            if isinstance(copy.get("end_time"), str) and copy["end_time"] <= copy["start_time"]:
                copy.pop("end_time")
            budget = control_budget
            if budgets_micro is not None:
                budget = budgets_micro[i]
                copy["daily_budget_micro"] = budget
                copy.pop("lifetime_budget_micro", None)
            if dimension != "creative":
                copy.update(overrides)
            group = self.edits.create_ad_squad(campaign_id=campaign_id, fields=copy)
            groups.append(group)
            squad_id = group.changes[0].entity_id
            for ad in ads:
                ad_copy = {
                    k: v for k, v in writable(AD, ad.data).items() if k not in ("id", "ad_squad_id")
                }
                ad_copy["name"] = f"{ad.name or ad.id} · {key}"[:375]
                if dimension == "creative":
                    ad_copy["creative_id"] = overrides["creative_id"]
                groups.append(self.edits.create_ad(ad_squad_id=squad_id, fields=ad_copy))
            variants.append(Variant(key, squad_id, TREATMENT, copy["name"], budget))

        experiment = Experiment(
            id=Experiment.new_id(),
            name=name,
            hypothesis=hypothesis,
            ad_account_id=control_row.ad_account_id or "",
            campaign_id=campaign_id,
            primary_metric=primary_metric,
            guardrails=tuple(guardrails),
            dimension=dimension,
            variants=tuple(variants),
            mode=mode,
            rotation_hours=rotation_hours if mode == ROTATION else None,
            confidence=confidence,
            relative_mde=relative_mde,
            baseline=baseline if baseline is not None else (plan.baseline if plan else None),
            state=DRAFT,
            plan=plan.to_json() if plan is not None else None,
            mixture_c=plan.c if plan is not None else None,  # fixed before any data
            price_limit=price_limit,
        )
        self.repository.save(experiment)
        return Created(experiment, tuple(groups))

    # ------------------------------------------------------------------ lifecycle

    def start(self, experiment_id: str, *, at: datetime | None = None) -> Experiment:
        experiment = self.get(experiment_id)
        if experiment.state != DRAFT:
            raise ChangeError(f"{experiment.name} is {experiment.state}, not a draft")
        start = (at or now_utc()).astimezone(UTC)
        return self.repository.save(experiment.evolve(state=RUNNING, start_at=start))

    def end(self, experiment_id: str, *, at: datetime | None = None) -> Experiment:
        """Stop the rotation and freeze the readout; the variants keep their statuses (no
        change is queued)."""
        experiment = self.get(experiment_id)
        self._refuse_pending(experiment, "end it")
        if experiment.state not in (DRAFT, RUNNING, PAUSED_STATE):
            return experiment
        end_at = (at or now_utc()).astimezone(UTC)
        return self.repository.save(
            experiment.evolve(state=ENDED, end_at=end_at, pauses=_closed(experiment.pauses, end_at))
        )

    def archive(self, experiment_id: str) -> Experiment:
        experiment = self.get(experiment_id)
        self._refuse_pending(experiment, "archive it")
        end_at = experiment.end_at or (now_utc() if experiment.start_at else None)
        return self.repository.save(
            experiment.evolve(
                state=ARCHIVED, end_at=end_at, pauses=_closed(experiment.pauses, end_at)
            )
        )

    def pause(self, experiment_id: str, *, at: datetime | None = None) -> Paused:
        """Stop a running experiment for a while: queue a pause of every variant that is not
        paused. It is paused — the rotation holds and the time counts for no variant in the
        readout, from `at` — once those changes posted; until then the pause is pending (post
        `change_ids`, or `cancel_pending`). With nothing to send it is paused at once."""
        experiment = self.get(experiment_id)
        self._refuse_pending(experiment, "pause it")
        if experiment.state != RUNNING:
            raise ChangeError(f"{experiment.name} is {experiment.state}; only a running "
                              "experiment can be paused")  # fmt: skip
        moment = (at or now_utc()).astimezone(UTC)
        images = self._open_images(experiment.squad_ids)
        to_pause = [s for s in experiment.squad_ids if self.effective_status(s) != PAUSED]
        groups = (self.edits.pause([(AD_SQUAD, s) for s in to_pause]),) if to_pause else ()
        change_ids = tuple(self._needed(experiment.squad_ids, PAUSED, creates=False))
        pending = PendingTransition(
            action=PAUSING,
            change_ids=change_ids,
            requested_at=moment,
            before=self._before(images, groups),
            group_ids=tuple(g.group_id for g in groups),
        )
        if not change_ids:
            return Paused(self.repository.save(_completed(experiment, pending)), groups)
        queued = self.repository.save(replace(experiment, pending=pending))
        return Paused(queued, groups, change_ids)

    def resume(self, experiment_id: str, *, at: datetime | None = None) -> Experiment:
        """Run a paused experiment again: the next tick applies the current step (the current
        slot's variant in rotation, every variant in split) even if it was applied before. The
        pause lasts — no variant's time counts — until that step has posted live, so `at` is
        not when it ends (kept for callers that pass the clock)."""
        experiment = self.get(experiment_id)
        self._refuse_pending(experiment, "resume it")
        if experiment.state != PAUSED_STATE:
            raise ChangeError(f"{experiment.name} is {experiment.state}, not paused")
        return self.repository.save(experiment.evolve(state=RUNNING, reapply=True))

    def pending_change_ids(self, experiment_id: str) -> tuple[str, ...]:
        """Open changes on the experiment's ad squads and the ones that need them (the copied
        ads of a treatment not created yet), in the order they were made: what still has to
        be posted for the variants to exist and be in their queued status."""
        experiment = self.get(experiment_id)
        squads = set(experiment.squad_ids)
        open_changes = self.store.write(lambda c: change_repo.load_changes(c, states=OPEN_STATES))
        direct = [c.id for c in open_changes if c.kind == AD_SQUAD and c.entity_id in squads]
        wanted = set(direct) | set(self._dependents(direct))
        return tuple(c.id for c in open_changes if c.id in wanted)

    # ------------------------------------------------------------------ rotation

    def _status_changes(self, squad_ids: Iterable[str], status: str) -> list[str]:
        ids: list[str] = []
        for squad_id in squad_ids:
            for change in self._open_changes(squad_id):
                if change.after is not None and change.after.get("status") == status:
                    ids.append(change.id)
        return ids

    def _converge(self, step: Step) -> tuple[list[str], list[str]]:
        """Queue what is needed for the step's statuses; return (pause ids, activate ids): every
        open change that sets them, including ones an earlier (dry-run or crashed) tick queued."""
        to_pause = [s for s in step.pause if self.effective_status(s) != PAUSED]
        to_activate = [s for s in step.active if self.effective_status(s) != ACTIVE]
        if to_pause:
            self.edits.pause([(AD_SQUAD, s) for s in to_pause])
        if to_activate:
            self.edits.resume([(AD_SQUAD, s) for s in to_activate])
        activate = self._status_changes(step.active, ACTIVE)
        return self._status_changes(step.pause, PAUSED), activate + self._dependents(activate)

    def _dependents(self, change_ids: Sequence[str]) -> list[str]:
        """Open changes that need these (the ads of a treatment squad not created yet)."""
        wanted = set(change_ids)
        if not wanted:
            return []
        open_changes = self.store.write(lambda c: change_repo.load_changes(c, states=OPEN_STATES))
        found: list[str] = []
        for change in open_changes:  # in seq order, so a chain resolves in one pass
            if change.id not in wanted and wanted & set(change.depends_on):
                wanted.add(change.id)
                found.append(change.id)
        return found

    async def tick(
        self,
        gateway: WriteGateway,
        *,
        now: datetime | None = None,
        experiment_ids: Iterable[str] | None = None,
    ) -> list[TickOutcome]:
        """Apply the due step of every running experiment (or of the given ones)."""
        moment = (now or now_utc()).astimezone(UTC)
        if experiment_ids is None:
            chosen = self.experiments(states=(RUNNING,))
        else:
            chosen = [self.get(i) for i in experiment_ids]
        outcomes = []
        for experiment in chosen:
            outcomes.append(await self._tick_one(gateway, self._resolve_ids(experiment), moment))
        return outcomes

    async def _tick_one(
        self, gateway: WriteGateway, experiment: Experiment, now: datetime
    ) -> TickOutcome:
        last = self.repository.last_applied_step(experiment.id)
        pending = experiment.pending
        if pending is not None and experiment.state == RUNNING:
            what = (
                f"the promotion of {pending.winner}" if pending.action == PROMOTING else "a pause"
            )
            return TickOutcome(
                experiment.id,
                experiment.name,
                last,
                mode=gateway.mode,
                message=f"{what} waits to be posted; the rotation holds until it is posted "
                "or cancelled",
            )
        steps = due_steps(experiment, last, now)
        if not steps:
            return TickOutcome(
                experiment.id, experiment.name, last, mode=gateway.mode, message="nothing due"
            )
        step = steps[0]
        self.repository.record_step(experiment.id, step, now=now)
        pause_ids, activate_ids = self._converge(step)
        self.repository.set_step_changes(experiment.id, step.index, [*pause_ids, *activate_ids])
        reports = []
        if pause_ids:
            first = await gateway.post(pause_ids)
            reports.append(first)
            if first.live and not _all_posted(first):
                return TickOutcome(
                    experiment.id,
                    experiment.name,
                    step.index,
                    step.active,
                    tuple(pause_ids),
                    mode=gateway.mode,
                    message="pausing failed; nothing was activated (run tick again)",
                    reports=tuple(reports),
                )
        if activate_ids:
            second = await gateway.post(activate_ids)
            reports.append(second)
            if second.live and not _all_posted(second):
                return TickOutcome(
                    experiment.id,
                    experiment.name,
                    step.index,
                    step.active,
                    (*pause_ids, *activate_ids),
                    mode=gateway.mode,
                    message="activation failed (run tick again)",
                    reports=tuple(reports),
                )
        # Applied only when the store says every change posted — not from the mode a gateway
        # reports afterwards (the session's mode may have changed since the rehearsal).
        change_ids = (*pause_ids, *activate_ids)
        mode = reports[-1].mode if reports else gateway.mode
        if change_ids:
            applied = all(s == POSTED for s in self._change_states(change_ids).values())
        else:
            applied = gateway.live  # nothing to send: in place on Snap, applied when live
        if applied:
            self.repository.mark_applied(experiment.id, step.index, at=now)
            if experiment.reapply:
                current = self.repository.get(experiment.id)
                if current is not None and current.reapply:
                    # resumed: the pause ends now that the variants deliver again
                    self.repository.save(
                        current.evolve(reapply=False, pauses=_closed(current.pauses, now))
                    )
        return TickOutcome(
            experiment.id,
            experiment.name,
            step.index,
            step.active,
            change_ids,
            applied=applied,
            mode=mode,
            message="applied" if applied else "rehearsed (dry-run): nothing was sent",
            reports=tuple(reports),
        )

    # ------------------------------------------------------------------ readout

    def windows(self, experiment: Experiment, *, now: datetime) -> dict[str, list[Window]]:
        """Per squad id, the windows it was active in: split mode — the whole run; rotation —
        from each applied step to the next applied step (the real toggle times)."""
        end = experiment.end_at or now
        out: dict[str, list[Window]] = {v.squad_id: [] for v in experiment.variants}
        if experiment.start_at is None:
            return out
        if experiment.pauses:
            return {
                squad: _without(found, experiment.pauses, end=end)
                for squad, found in self.windows(experiment.evolve(pauses=()), now=now).items()
            }
        if experiment.mode == SPLIT:
            for v in experiment.variants:
                out[v.squad_id].append((experiment.start_at, end))
            return out
        applied: list[StepRecord] = [
            s for s in self.repository.steps(experiment.id) if s.applied_at is not None
        ]
        for i, record in enumerate(applied):
            assert record.applied_at is not None
            stop = applied[i + 1].applied_at if i + 1 < len(applied) else end
            assert stop is not None
            for squad_id in record.active:
                if squad_id in out and stop > record.applied_at:
                    out[squad_id].append((record.applied_at, min(stop, end)))
        return out

    async def readout(
        self,
        stats: StatsService,
        experiment_id: str,
        *,
        now: datetime | None = None,
        refresh: bool = False,
    ) -> Readout:
        """The readout from the stats cache (fetched as needed): units, rounds, comparisons.

        A winner or guardrail verdict, once reached, is stored and shown from then on
        (`Experiment.decision`), however later data moves the numbers."""
        experiment = self.get(experiment_id)
        moment = (now or now_utc()).astimezone(UTC)
        # A rotation is read hour by hour, conversions included: Snap's hourly stats carry
        # every metric an experiment uses (real HOUR rows, tests/fixtures/snap_stats_recorded/).
        hourly = experiment.mode == ROTATION
        warnings: list[str] = []
        units: list[Unit] = []
        expected: list[tuple[str, int, datetime]] = []
        windows = self.windows(experiment, now=moment)
        if experiment.start_at is not None:
            account = await stats.account(experiment.ad_account_id)
            tz = account.tz
            first_day = experiment.start_at.astimezone(tz).date()
            last_day = (experiment.end_at or moment).astimezone(tz).date()
            report = await stats.report(
                experiment.ad_account_id,
                kind="campaign",
                entity_id=experiment.campaign_id,
                first_day=first_day,
                last_day=max(first_day, last_day),
                granularity="HOUR" if hourly else "DAY",
                breakdown=AD_SQUAD,
                refresh=refresh,
            )
            series = {s.entity_id: s for s in report.series}
            rows: dict[str, list[Row]] = {}
            for v in experiment.variants:
                found = series.get(v.squad_id)
                rows[v.key] = [
                    (r.start, r.end, dict(r.metrics.values)) for r in (found.rows if found else ())
                ]
            end = min(experiment.end_at or moment, moment)
            if experiment.mode == ROTATION:
                slots = self._slots(experiment, end=end)
                units = rotation_units(slots, rows, arms=len(experiment.variants), hourly=hourly)
                expected = _scheduled_slots(experiment, end=end)
            else:
                days = _full_days(experiment.start_at, end, tz, pauses=experiment.pauses)
                units = split_units(days, [v.key for v in experiment.variants], rows, hourly=hourly)
        plan = Plan.from_json(experiment.plan) if experiment.plan else None
        readout = compute_readout(
            experiment,
            units,
            now=moment,
            plan=plan,
            expected_slots=expected,
            expected_shares=self.expected_shares(experiment, windows),
            ended=experiment.state in (ENDED, ARCHIVED),
            extra_warnings=warnings,
        )
        return self._sticky(experiment, readout, at=moment)

    def _sticky(self, experiment: Experiment, readout: Readout, *, at: datetime) -> Readout:
        """Keep a verdict once reached: store the first winner / guardrail verdict, and show a
        stored one even if later data (revised stats, another look) would not reach it now."""
        decision = experiment.decision
        if decision is None:
            if readout.verdict in (WINNER, GUARDRAIL_VIOLATED):
                best = min((c.p_adjusted for c in readout.comparisons), default=1.0)
                self.repository.save(
                    experiment.evolve(
                        decision=Decision(
                            verdict=readout.verdict,
                            winner=readout.winner,
                            at=at,
                            rounds=readout.rounds,
                            p_value=best,
                            explanation=readout.explanation,
                        )
                    )
                )
            return readout
        if readout.verdict == decision.verdict and readout.winner == decision.winner:
            return readout
        kept = (
            f"{decision.explanation} Reached on {decision.at:%Y-%m-%d} after {decision.rounds} "
            "rounds; a verdict stays once reached (the always-valid test allows it), even "
            "though today's data alone would not repeat it."
        )
        return replace(readout, verdict=decision.verdict, winner=decision.winner, explanation=kept)

    def _slots(
        self, experiment: Experiment, *, end: datetime
    ) -> list[tuple[int, str, datetime, datetime]]:
        """(slot index, variant key, start, end) of every applied slot: from its real toggle
        time to the next one, paused stretches cut out."""
        applied: list[StepRecord] = [
            s for s in self.repository.steps(experiment.id) if s.applied_at is not None
        ]
        by_squad = {v.squad_id: v.key for v in experiment.variants}
        out: list[tuple[int, str, datetime, datetime]] = []
        for i, record in enumerate(applied):
            assert record.applied_at is not None
            stop = applied[i + 1].applied_at if i + 1 < len(applied) else end
            assert stop is not None
            stop = min(stop, end)
            keys = [by_squad[s] for s in record.active if s in by_squad]
            if len(keys) != 1 or stop <= record.applied_at:
                continue
            for begin, finish in _without([(record.applied_at, stop)], experiment.pauses, end=end):
                out.append((record.step, keys[0], begin, finish))
        return out

    @staticmethod
    def expected_shares(
        experiment: Experiment, windows: Mapping[str, Sequence[Window]]
    ) -> list[float]:
        """Intended impression shares: active time (rotation) or declared budgets (split)."""
        if experiment.mode == ROTATION:
            hours = [
                sum((e - b).total_seconds() for b, e in windows.get(v.squad_id, ()))
                for v in experiment.variants
            ]
            return hours if sum(hours) > 0 else [1.0] * len(hours)
        budgets = [v.budget_micro for v in experiment.variants]
        if all(isinstance(b, int) and b > 0 for b in budgets):
            return [float(b) for b in budgets if b is not None]
        return [1.0] * len(budgets)

    # ------------------------------------------------------------------ planner

    async def history(
        self,
        stats: StatsService,
        *,
        ad_account_id: str,
        campaign_id: str,
        days: int = HISTORY_DAYS,
        now: datetime | None = None,
        hourly: bool = False,
    ) -> list[HistoryWindow]:
        """The campaign's last `days` complete local days, per ad squad (oldest first): one
        window a day, or with `hourly` one window an hour (for rotations whose slots are not
        whole days: their variants are compared across hours of the day, so the spread that
        sizes them is the hour-to-hour one, time-of-day swings included)."""
        account = await stats.account(ad_account_id)
        today = (now or now_utc()).astimezone(account.tz).date()
        first_day = today - timedelta(days=days)
        last_day = today - timedelta(days=1)
        report = await stats.report(
            ad_account_id,
            kind="campaign",
            entity_id=campaign_id,
            first_day=first_day,
            last_day=last_day,
            granularity="HOUR" if hourly else "DAY",
            breakdown=AD_SQUAD,
            fields=("impressions", "swipes", "spend", "view_completion", "conversion_purchases"),
        )
        windows: dict[Any, dict[str, dict[str, float]]]
        if hourly:
            # Every real hour of the period (UTC steps, so a DST change neither repeats nor
            # skips one), empty hours included: the lags between slots must stay true.
            begin = datetime.combine(first_day, datetime.min.time(), account.tz)
            end = datetime.combine(last_day + timedelta(days=1), datetime.min.time(), account.tz)
            hours = int((end - begin).total_seconds() // 3600)
            start_utc = begin.astimezone(UTC)
            windows = {start_utc + timedelta(hours=i): {} for i in range(hours)}
        else:
            windows = {
                first_day + timedelta(days=i): {} for i in range((last_day - first_day).days + 1)
            }
        for series in report.series:
            for row in series.rows:
                values = {k: float(v or 0) for k, v in row.metrics.values.items()}
                if any(values.values()):
                    key: Any = row.start.astimezone(UTC) if hourly else row.day
                    windows.setdefault(key, {})[series.entity_id] = values
        return [HistoryWindow(windows[k]) for k in sorted(windows)]

    async def plan(
        self,
        stats: StatsService,
        *,
        ad_account_id: str,
        campaign_id: str,
        primary_metric: str,
        relative_mde: float,
        arms: int,
        rotation: bool,
        rotation_hours: float | None = 24.0,
        confidence: float = 0.95,
        lookback_days: int = HISTORY_DAYS,
        now: datetime | None = None,
    ) -> Plan:
        """The plan from the campaign's last `lookback_days` complete days (see `planning`):
        daily history for splits and for rotations in whole days, hourly history aggregated
        into slot-long windows for any other slot length.
        Raises `ChangeError` with what to do when the history can't size it."""
        hourly = rotation and rotation_hours is not None and rotation_hours % 24 != 0
        history = await self.history(
            stats, ad_account_id=ad_account_id, campaign_id=campaign_id, days=lookback_days,
            now=now, hourly=hourly,
        )  # fmt: skip
        try:
            # The power simulation takes up to a second: off the caller's event loop.
            return await asyncio.to_thread(
                plan_experiment,
                history,
                spec=metric(primary_metric),
                relative_mde=relative_mde,
                arms=arms,
                mode=ROTATION if rotation else SPLIT,
                slot_hours=rotation_hours if rotation else None,
                confidence=confidence,
                window_hours=1.0 if hourly else 24.0,
            )
        except PlanningError as exc:
            raise ChangeError(exc.message) from None

    # ------------------------------------------------------------------ promotion

    def plan_promotion(
        self, experiment_id: str, *, winner: str, move_budget: bool = False
    ) -> PromotionPlan:
        """Exactly what `promote` would queue, without queuing anything."""
        experiment = self.get(experiment_id)
        chosen = experiment.variant(winner)
        losers = [v for v in experiment.variants if v.squad_id != chosen.squad_id]
        budgets = tuple(self._daily_budget(v.squad_id) for v in experiment.variants)
        budget: int | None = None
        if move_budget:
            if any(b is None for b in budgets):
                raise ChangeError("Moving budgets needs a daily budget on every variant")
            budget = sum(b for b in budgets if b is not None)
        account = self.store.ad_account(experiment.ad_account_id)
        return PromotionPlan(
            experiment=experiment,
            winner=chosen,
            pause=tuple(v for v in losers if not self._settled(v.squad_id, PAUSED)),
            resume_winner=not self._settled(chosen.squad_id, ACTIVE),
            budgets=budgets,
            budget_micro=budget,
            currency=account.currency if account and account.currency else "USD",
        )

    def _settled(self, squad_id: str, status: str) -> bool:
        """Whether the squad has `status` on Snap (cached) and no queued change alters it."""
        row = self.store.get(AD_SQUAD, squad_id)
        on_snap = str(row.data.get("status") or row.status or "") if row else None
        if squad_id.startswith("new-") and status == PAUSED:
            on_snap = PAUSED  # not created yet: as good as paused
        return on_snap == status and self.effective_status(squad_id) in (status, None)

    def promote(
        self,
        experiment_id: str,
        *,
        winner: str,
        move_budget: bool = False,
        at: datetime | None = None,
    ) -> Promotion:
        """Queue one change set: pause every other variant, keep the winner ACTIVE and
        (optionally) give it the other variants' daily budgets. The experiment ends with the
        winner once every change in `promotion.change_ids` has posted live (post them with
        `gateway.post(promotion.change_ids)`; dry-run rehearses them and ends nothing); until
        then the promotion is pending and `cancel_pending` takes it back. With nothing to send
        it ends at once. `plan_promotion` shows the same set beforehand."""
        planned = self.plan_promotion(experiment_id, winner=winner, move_budget=move_budget)
        experiment, chosen = planned.experiment, planned.winner
        self._refuse_pending(experiment, "promote again")
        moment = (at or now_utc()).astimezone(UTC)
        images = self._open_images(experiment.squad_ids)
        losers = [v.squad_id for v in experiment.variants if v.squad_id != chosen.squad_id]
        groups: list[ChangeGroup] = []
        if planned.pause:
            groups.append(self.edits.pause([(AD_SQUAD, v.squad_id) for v in planned.pause]))
        if planned.resume_winner:
            groups.append(self.edits.resume([(AD_SQUAD, chosen.squad_id)]))
        budget = planned.budget_micro
        if budget is not None:
            groups.append(
                self.edits.adjust_budgets(
                    [(AD_SQUAD, chosen.squad_id)], value=from_micro(budget, planned.currency)
                )
            )
        needed = self._needed(losers, PAUSED, creates=False)
        needed += self._needed([chosen.squad_id], ACTIVE, creates=True)
        if budget is not None:
            needed += [c.id for c in self._open_changes(chosen.squad_id)]
        change_ids = tuple(dict.fromkeys(needed))
        pending = PendingTransition(
            action=PROMOTING,
            change_ids=change_ids,
            requested_at=moment,
            winner=chosen.key,
            budget_micro=budget,
            before=self._before(images, groups),
            group_ids=tuple(g.group_id for g in groups),
        )
        if not change_ids:
            ended = self.repository.save(_completed(experiment, pending))
            return Promotion(ended, chosen, tuple(losers), budget, tuple(groups))
        queued = self.repository.save(replace(experiment, pending=pending))
        return Promotion(queued, chosen, tuple(losers), budget, tuple(groups), change_ids)

    def _daily_budget(self, squad_id: str) -> int | None:
        for change in self._open_changes(squad_id):
            if change.after is not None:
                value = change.after.get("daily_budget_micro")
                return int(value) if isinstance(value, int) else None
        row = self.store.get(AD_SQUAD, squad_id)
        value = row.data.get("daily_budget_micro") if row else None
        return int(value) if isinstance(value, int) else None


def _completed(experiment: Experiment, pending: PendingTransition) -> Experiment:
    """The experiment once the transition's changes posted: paused from when the pause was
    asked for, or ended (then, unless it had ended already) with the winner."""
    if pending.action == PAUSING:
        return experiment.evolve(
            state=PAUSED_STATE,
            pauses=(*experiment.pauses, (pending.requested_at, None)),
            reapply=False,
            pending=None,
        )
    end_at = experiment.end_at or pending.requested_at
    return experiment.evolve(
        state=ENDED if experiment.state != ARCHIVED else ARCHIVED,
        winner=pending.winner,
        end_at=end_at,
        pauses=_closed(experiment.pauses, end_at),
        reapply=False,
        pending=None,
    )


def _closed(pauses: tuple[Pause, ...], at: datetime | None) -> tuple[Pause, ...]:
    """The pauses with an open last one closed at `at`."""
    if not pauses or pauses[-1][1] is not None or at is None:
        return pauses
    return (*pauses[:-1], (pauses[-1][0], max(at, pauses[-1][0])))


def _without(windows: Sequence[Window], pauses: Sequence[Pause], *, end: datetime) -> list[Window]:
    """The windows minus the paused intervals (an open pause lasts until `end`)."""
    out = list(windows)
    for begin, stop in pauses:
        stop = stop or end
        cut: list[Window] = []
        for w_start, w_end in out:
            if stop <= w_start or begin >= w_end:
                cut.append((w_start, w_end))
                continue
            if w_start < begin:
                cut.append((w_start, begin))
            if stop < w_end:
                cut.append((stop, w_end))
        out = cut
    return out


def _all_posted(report: Any) -> bool:
    return bool(report.ok and report.results) and all(r.outcome == "posted" for r in report.results)


def _scheduled_slots(experiment: Experiment, *, end: datetime) -> list[tuple[str, int, datetime]]:
    """(variant key, slot index, start) of every complete slot the rotation's schedule held up
    to `end`, leaving out slots a pause touched."""
    if experiment.start_at is None or not experiment.rotation_hours:
        return []
    keys = [v.key for v in experiment.variants]
    out: list[tuple[str, int, datetime]] = []
    index = 0
    while True:
        begin, finish = slot_bounds(
            start=experiment.start_at, every_hours=experiment.rotation_hours, index=index
        )
        if finish > end:
            return out
        paused = any(b < finish and (e or end) > begin for b, e in experiment.pauses)
        if not paused:
            position = slot_variant(index, len(keys), balanced=experiment.balanced)
            out.append((keys[position], index, begin))
        index += 1


def _full_days(
    start: datetime, end: datetime, tz: tzinfo, *, pauses: Sequence[Pause] = ()
) -> list[tuple[int, datetime, datetime]]:
    """The complete local days between `start` and `end` (split mode's units), numbered from 0,
    without the days a pause touched."""
    first = start.astimezone(tz).date() + timedelta(days=1)  # the launch day is partial
    out = []
    number = 0
    day = first
    while True:
        begin = datetime.combine(day, datetime.min.time(), tzinfo=tz).astimezone(UTC)
        finish = datetime.combine(
            day + timedelta(days=1), datetime.min.time(), tzinfo=tz
        ).astimezone(UTC)
        if finish > end:
            break
        touched = any(b < finish and (e or end) > begin for b, e in pauses)
        if not touched:
            out.append((number, begin, finish))
            number += 1
        day += timedelta(days=1)
    return out
