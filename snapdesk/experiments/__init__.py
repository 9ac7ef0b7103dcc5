"""Experiments: variants as ad squads under one campaign, rotated or split, read out honestly.

Qt-free. The UI and `snapdesk experiments tick` build on:

    service = ExperimentService(store=store, edits=EditService(store=store))
    created = service.create(name=..., hypothesis=..., campaign_id=..., control_squad_id=...,
                             dimension="targeting", treatments=[{"targeting": {...}}],
                             primary_metric="swipe_rate", guardrails=("cpa",),
                             mode="rotation", rotation_hours=24)     # queues gateway changes
    service.start(created.experiment.id)
    outcomes = await service.tick(gateway)              # due rotation steps, through the gateway
    plan = await service.plan(stats, ..., arms=3, rotation=True)   # rounds from the history
    readout = await service.readout(stats, experiment_id)   # verdict, lifts, delivery, method
    paused = service.pause(experiment_id); service.resume(experiment_id)   # hold the rotation
    plan = service.plan_promotion(experiment_id, winner="B", move_budget=True)  # to confirm
    promotion = service.promote(experiment_id, winner="B", move_budget=True)
    await gateway.post(promotion.change_ids)     # live: ends it with B; dry-run: rehearses only
    service.get(experiment_id)                   # reconciled: ended once those changes posted
    service.cancel_pending(experiment_id)        # or take a queued pause/promotion back
    planner: planning.plan_experiment(history, spec=..., relative_mde=..., arms=..., mode=...)
    units and rounds: units.py; the anytime-valid test: sequential.py
    schedules: schedule.active_variant / due_step / slot_variant, model.due_steps
"""

from snapdesk.experiments.model import (
    ARCHIVED,
    CONTROL,
    DIMENSIONS,
    DRAFT,
    ENDED,
    METRICS,
    PAUSED,
    PAUSING,
    PROMOTING,
    RUNNING,
    TREATMENT,
    Experiment,
    MetricSpec,
    PendingTransition,
    Variant,
    due_steps,
    metric,
)
from snapdesk.experiments.planning import Plan, PlanningError, plan_experiment
from snapdesk.experiments.readout import (
    GUARDRAIL_VIOLATED,
    INCONCLUSIVE,
    NO_DIFFERENCE_YET,
    SEQUENTIAL_METHOD,
    SEQUENTIAL_METHOD_SHORT,
    VERDICTS,
    WINNER,
    ArmSummary,
    Comparison,
    Readout,
    compute_readout,
)
from snapdesk.experiments.repository import ExperimentRepository, StepRecord
from snapdesk.experiments.schedule import (
    ROTATION,
    SPLIT,
    Step,
    active_variant,
    due_step,
    slot_variant,
)
from snapdesk.experiments.sequential import MIN_ROUNDS, SequentialResult, sequential
from snapdesk.experiments.service import (
    Created,
    ExperimentService,
    Paused,
    PendingProgress,
    Promotion,
    PromotionPlan,
    TickOutcome,
)
from snapdesk.experiments.stats import SrmCheck, holm, srm_check
from snapdesk.experiments.units import DeliveryIssue, Round, Unit

__all__ = [
    "ARCHIVED",
    "CONTROL",
    "DIMENSIONS",
    "DRAFT",
    "ENDED",
    "GUARDRAIL_VIOLATED",
    "INCONCLUSIVE",
    "METRICS",
    "MIN_ROUNDS",
    "NO_DIFFERENCE_YET",
    "PAUSED",
    "PAUSING",
    "PROMOTING",
    "ROTATION",
    "RUNNING",
    "SEQUENTIAL_METHOD",
    "SEQUENTIAL_METHOD_SHORT",
    "SPLIT",
    "TREATMENT",
    "VERDICTS",
    "WINNER",
    "ArmSummary",
    "Comparison",
    "Created",
    "DeliveryIssue",
    "Experiment",
    "ExperimentRepository",
    "ExperimentService",
    "MetricSpec",
    "Paused",
    "PendingProgress",
    "PendingTransition",
    "Plan",
    "PlanningError",
    "Promotion",
    "PromotionPlan",
    "Readout",
    "Round",
    "SequentialResult",
    "SrmCheck",
    "Step",
    "StepRecord",
    "TickOutcome",
    "Unit",
    "Variant",
    "active_variant",
    "compute_readout",
    "due_step",
    "due_steps",
    "holm",
    "metric",
    "plan_experiment",
    "sequential",
    "slot_variant",
    "srm_check",
]
