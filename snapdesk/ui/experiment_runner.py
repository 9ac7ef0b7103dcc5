"""`ExperimentRunner`: while the app is open, apply the due rotation steps of running
experiments — right after start-up, every minute, and at once when an experiment starts.

Each run goes through the write gateway the window would post with: dry-run rehearses the step
(its pause/activate changes wait in Pending Changes, nothing is sent, the step is not marked
applied, and it is rehearsed only once per session); live mode posts with the client of the
login that owns each experiment's ad account. Runs never overlap (a request while one is running
runs once it ends) and wait while the window is posting. What happened is posted as a notice
to the window's status bar.

    self.experiment_runner = install_experiment_runner(self)   # end of MainWindow.__init__
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, Final

import shiboken6
from PySide6.QtCore import QObject, QTimer, Signal

from snapdesk.changes import EditService, WriteGateway
from snapdesk.core.settings import AppSettings, SettingsError
from snapdesk.experiments import RUNNING, Experiment, ExperimentService, TickOutcome, due_steps
from snapdesk.store import Store
from snapdesk.ui._signals import emit
from snapdesk.ui.ops._op import AsyncOp, error_message
from snapdesk.ui.ops.experiments import run_ticks
from snapdesk.ui.session import Session

log = logging.getLogger(__name__)

INTERVAL_MS: Final = 60_000
FIRST_RUN_MS: Final = 1_500  # right after start-up, once the window is up


class ExperimentRunner(QObject):
    """Signals: `ticked(list)` with the `TickOutcome`s of a run that had something due;
    `message_posted(str, bool)` (text, is_error) for the status bar."""

    ticked = Signal(object)
    message_posted = Signal(str, bool)

    def __init__(
        self,
        *,
        loop: Any,
        store: Store,
        session: Session,
        settings: Callable[[], AppSettings],
        busy: Callable[[], bool] = lambda: False,
        edits: EditService | None = None,
        clock: Callable[[], datetime] | None = None,
        interval_ms: int = INTERVAL_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._loop = loop
        self._session = session  # live mode is the session's (`session.live_mode`), read per run
        self._settings = settings
        self._busy = busy
        self._clock = clock or (lambda: datetime.now(UTC))
        self.service = ExperimentService(store=store, edits=edits)
        self.op: AsyncOp | None = None
        self._again = False
        self._rehearsed: set[tuple[str, int, int]] = set()
        self._warned: set[str] = set()
        #: The last outcome per (experiment id, step), for the schedule page.
        self.outcomes: dict[tuple[str, int], TickOutcome] = {}
        self.runs = 0
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._on_timer_timeout)
        self._first = QTimer(self)
        self._first.setSingleShot(True)
        self._first.setInterval(FIRST_RUN_MS)
        self._first.timeout.connect(self._on_timer_timeout)

    # -- public --------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self.op is not None and self.op.running

    def start(self) -> None:
        self.timer.start()
        self._first.start()

    def stop(self) -> None:
        self.timer.stop()
        self._first.stop()
        self._again = False

    def due(self, now: datetime | None = None) -> list[tuple[Experiment, int]]:
        """Running experiments with a step due now, and that step's index."""
        moment = now or self._clock()
        repo = self.service.repository
        found = []
        for experiment in repo.list(states=(RUNNING,)):
            steps = due_steps(experiment, repo.last_applied_step(experiment.id), moment)
            if steps:
                found.append((experiment, steps[0].index))
        return found

    def tick_now(self, experiment_ids: Iterable[str] | None = None) -> AsyncOp | None:
        """Run the due steps now (of the given experiments, else of every running one). While
        a run is going, the request is remembered and runs when it ends (never two at once)."""
        if self.running:
            self._again = True
            return None
        if self._busy():
            self._again = True
            QTimer.singleShot(2_000, self._on_retry)
            return None
        self._again = False
        wanted = set(experiment_ids) if experiment_ids is not None else None
        due = [
            (exp, step)
            for exp, step in self.due()
            if wanted is None or exp.id in wanted
        ]  # fmt: skip
        live = self._session.live_mode.live
        if not live:
            due = [(e, s) for e, s in due if _key(e, s) not in self._rehearsed]
        if not due:
            return None
        try:
            settings = self._settings()
        except SettingsError as exc:
            emit(self.message_posted, f"Experiments: can't rotate ({exc})", True)
            return None
        jobs = self._jobs([e for e, _ in due], live=live, settings=settings)
        if not jobs:
            return None
        if not live:
            self._rehearsed.update(_key(e, s) for e, s in due)
        op = run_ticks(loop=self._loop, service=self.service, jobs=jobs, now=self._clock(),
                       parent=self)  # fmt: skip
        op.succeeded.connect(self._on_op_succeeded)
        op.failed.connect(self._on_op_failed)
        op.finished.connect(self._on_op_finished)
        self.op = op
        self.runs += 1
        return op

    def outcome(self, experiment_id: str, step: int) -> TickOutcome | None:
        return self.outcomes.get((experiment_id, step))

    # -- internals -----------------------------------------------------------------------------

    def _jobs(
        self, experiments: Sequence[Experiment], *, live: bool, settings: AppSettings
    ) -> list[tuple[WriteGateway, list[str]]]:
        session = self._session
        store = self.service.store
        if not live:
            gateway = WriteGateway(
                api=None, store=store, live=False, settings=settings, profile=session.profile
            )
            return [(gateway, [e.id for e in experiments])]
        by_profile: dict[str, list[str]] = {}
        for experiment in experiments:
            owner = session.profile_of_account(experiment.ad_account_id) or session.profile
            by_profile.setdefault(owner, []).append(experiment.id)
        jobs = []
        for profile, ids in by_profile.items():
            api = session.api_for(profile)
            if api is None:
                if profile not in self._warned:
                    self._warned.add(profile)
                    emit(
                        self.message_posted,
                        f"Experiments can't rotate: sign in as {session.login_label(profile)}",
                        True,
                    )
                continue
            self._warned.discard(profile)
            gateway = WriteGateway(
                api=api, store=store, live=session.live_mode, settings=settings, profile=profile
            )
            jobs.append((gateway, ids))
        return jobs

    def _on_timer_timeout(self) -> None:
        try:
            self.tick_now()
        except Exception as exc:  # the cache closed under a late timer, a broken row: next minute
            log.warning("experiment runner: %s", exc)

    def _on_retry(self) -> None:
        if self._again and shiboken6.isValid(self) and self.timer.isActive():
            self.tick_now()

    def _on_op_succeeded(self, result: object) -> None:
        outcomes = (
            [o for o in result if isinstance(o, TickOutcome)] if isinstance(result, list) else []
        )
        happened = [o for o in outcomes if o.step is not None and o.message != "nothing due"]
        for outcome in happened:
            assert outcome.step is not None
            self.outcomes[(outcome.experiment_id, outcome.step)] = outcome
        if happened:
            text, error = notice(happened, keys=self._keys(happened))
            emit(self.message_posted, text, error)
        emit(self.ticked, outcomes)

    def _keys(self, outcomes: Sequence[TickOutcome]) -> dict[str, str]:
        """Squad id → variant key for the experiments of `outcomes`."""
        keys: dict[str, str] = {}
        for outcome in outcomes:
            experiment = self.service.repository.get(outcome.experiment_id)
            if experiment is not None:
                keys.update({v.squad_id: v.key for v in experiment.variants})
        return keys

    def _on_op_failed(self, exc: object) -> None:
        message = error_message(exc) if isinstance(exc, BaseException) else str(exc)
        emit(self.message_posted, f"Experiment rotation failed: {message}", True)

    def _on_op_finished(self) -> None:
        self.op = None
        if self._again and self.timer.isActive():
            QTimer.singleShot(0, self._on_retry)


def _key(experiment: Experiment, step: int) -> tuple[str, int, int]:
    # A resumed experiment re-applies a step it already ran: count its pauses in the key.
    return (experiment.id, step, len(experiment.pauses))


def notice(outcomes: Sequence[TickOutcome], *, keys: dict[str, str]) -> tuple[str, bool]:
    """One status-bar line for the outcomes of a run (and whether it reports a failure);
    `keys` names the variants (squad id → "B")."""
    failed = [o for o in outcomes if o.mode == "live" and not o.applied]
    if failed:
        first = failed[0]
        return f"Experiment “{first.name}”: {first.message}", True
    parts = []
    for o in outcomes:
        if len(o.active) > 1:
            what = "every variant active"
        else:
            what = "variant " + ", ".join(keys.get(s, s) for s in o.active) + " active"
        if o.applied:
            parts.append(f"“{o.name}” step {o.step}: {what} — sent to Snap")
        else:
            parts.append(
                f"“{o.name}” step {o.step} ({what}) rehearsed in dry-run — nothing sent; "
                "switch on live mode to rotate"
            )
    return "Experiments: " + " · ".join(parts), False


def install_experiment_runner(window: Any) -> ExperimentRunner:
    """Create the window's runner, route its notices to the status bar, refresh Pending Changes
    and the tree after a run that queued or sent changes, stop it with the window, start it."""
    editing = window.editing

    def settings() -> AppSettings:
        loaded: AppSettings = editing.load_settings_or_fail()
        return loaded

    runner = ExperimentRunner(
        loop=window.loop,
        store=window.store,
        session=window.session,
        settings=settings,
        busy=lambda: bool(editing.flow.running),
        edits=editing.edits,  # its queued steps share the window's undo history
        parent=window,
    )
    runner.message_posted.connect(editing.message_posted)

    def on_ticked(outcomes: object) -> None:
        if isinstance(outcomes, list) and any(o.change_ids for o in outcomes):
            editing.state.poll()  # every view hears of the queued/sent steps at once

    runner.ticked.connect(on_ticked)
    window.closed.connect(runner.stop)
    runner.start()
    return runner
