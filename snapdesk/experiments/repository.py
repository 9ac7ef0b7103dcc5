"""`ExperimentRepository`: experiments and their rotation steps in the local SQLite cache.

A step row is written (with the change ids it queued) before those changes are posted, and
marked applied once they all posted live; re-running a tick after a crash finds the step,
re-converges the squads' statuses (a no-op when the changes are already queued or posted) and
never toggles twice.
"""

from __future__ import annotations

import builtins
import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from snapdesk.experiments.model import Experiment
from snapdesk.experiments.schedule import Step
from snapdesk.store import Store


@dataclass(frozen=True)
class StepRecord:
    experiment_id: str
    step: int
    slot_start: datetime
    active: tuple[str, ...]
    recorded_at: datetime
    change_ids: tuple[str, ...]
    applied_at: datetime | None

    @property
    def applied(self) -> bool:
        return self.applied_at is not None


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _dt(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _step_row(row: Sequence[object]) -> StepRecord:
    return StepRecord(
        experiment_id=str(row[0]),
        step=int(str(row[1])),
        slot_start=_dt(str(row[2])),
        active=tuple(json.loads(str(row[3]))),
        recorded_at=_dt(str(row[4])),
        change_ids=tuple(json.loads(str(row[5]))),
        applied_at=_dt(str(row[6])) if row[6] else None,
    )


_STEP_COLUMNS = "experiment_id, step, slot_start, active, recorded_at, change_ids, applied_at"


def save_in(conn: sqlite3.Connection, experiment: Experiment) -> None:
    """Insert or replace the experiment's row (inside the caller's write transaction)."""
    conn.execute(
        "INSERT INTO experiments (id, ad_account_id, campaign_id, name, state, data, "
        "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
        "name = excluded.name, state = excluded.state, data = excluded.data, "
        "updated_at = excluded.updated_at",
        (
            experiment.id,
            experiment.ad_account_id,
            experiment.campaign_id,
            experiment.name,
            experiment.state,
            json.dumps(experiment.to_json(), sort_keys=True),
            _iso(experiment.updated_at),
        ),
    )


class ExperimentRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    def save(self, experiment: Experiment) -> Experiment:
        self.store.write(lambda conn: save_in(conn, experiment))
        return experiment

    def get(self, experiment_id: str) -> Experiment | None:
        rows = self.store.write(
            lambda c: c.execute(
                "SELECT data FROM experiments WHERE id = ?", (experiment_id,)
            ).fetchall()
        )
        return Experiment.from_json(json.loads(rows[0][0])) if rows else None

    def list(
        self, *, states: Sequence[str] | None = None, campaign_id: str | None = None
    ) -> list[Experiment]:
        sql = "SELECT data FROM experiments"
        where: builtins.list[str] = []
        args: builtins.list[str] = []
        if states is not None:
            where.append(f"state IN ({', '.join('?' * len(states))})")
            args.extend(states)
        if campaign_id is not None:
            where.append("campaign_id = ?")
            args.append(campaign_id)
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY updated_at DESC"
        rows = self.store.write(lambda c: c.execute(sql, args).fetchall())
        return [Experiment.from_json(json.loads(r[0])) for r in rows]

    # -- steps -------------------------------------------------------------------------------

    def record_step(self, experiment_id: str, step: Step, *, now: datetime) -> StepRecord:
        """Insert the step unless it exists; return the stored record."""

        def work(conn: sqlite3.Connection) -> StepRecord:
            conn.execute(
                "INSERT OR IGNORE INTO experiment_steps (experiment_id, step, slot_start, "
                "active, recorded_at) VALUES (?, ?, ?, ?, ?)",
                (
                    experiment_id,
                    step.index,
                    _iso(step.slot_start),
                    json.dumps(list(step.active)),
                    _iso(now),
                ),
            )
            row = conn.execute(
                f"SELECT {_STEP_COLUMNS} FROM experiment_steps WHERE experiment_id = ? "
                "AND step = ?",
                (experiment_id, step.index),
            ).fetchone()
            return _step_row(row)

        return self.store.write(work)

    def set_step_changes(self, experiment_id: str, step: int, change_ids: Sequence[str]) -> None:
        self.store.write(
            lambda c: c.execute(
                "UPDATE experiment_steps SET change_ids = ? WHERE experiment_id = ? AND step = ?",
                (json.dumps(list(change_ids)), experiment_id, step),
            )
        )

    def mark_applied(self, experiment_id: str, step: int, *, at: datetime) -> None:
        self.store.write(
            lambda c: c.execute(
                "UPDATE experiment_steps SET applied_at = ? WHERE experiment_id = ? AND step = ? "
                "AND applied_at IS NULL",
                (_iso(at), experiment_id, step),
            )
        )

    def steps(self, experiment_id: str) -> builtins.list[StepRecord]:
        rows = self.store.write(
            lambda c: c.execute(
                f"SELECT {_STEP_COLUMNS} FROM experiment_steps WHERE experiment_id = ? "
                "ORDER BY step",
                (experiment_id,),
            ).fetchall()
        )
        return [_step_row(r) for r in rows]

    def last_applied_step(self, experiment_id: str) -> int | None:
        applied = [s.step for s in self.steps(experiment_id) if s.applied]
        return max(applied) if applied else None
