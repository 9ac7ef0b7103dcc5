"""The records of an experiment: `Experiment`, its `Variant`s and the metrics it can judge by."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Final, Literal

from snapdesk.experiments.schedule import ROTATION, SPLIT, Mode, Step, due_step

DRAFT: Final = "draft"
RUNNING: Final = "running"
PAUSED: Final = "paused"  # every variant paused, no rotation until resumed
ENDED: Final = "ended"
ARCHIVED: Final = "archived"
STATES: Final = (DRAFT, RUNNING, PAUSED, ENDED, ARCHIVED)

CONTROL: Final = "control"
TREATMENT: Final = "treatment"

# What a pending transition will do once its changes posted (`PendingTransition.action`).
PAUSING: Final = "pause"
PROMOTING: Final = "promote"

# The one dimension a treatment may differ in, and the ad squad fields that belong to it
# (creative differs at the ad level: the treatment's ads use other creatives).
DIMENSIONS: Final[dict[str, tuple[str, ...]]] = {
    "creative": (),
    "targeting": ("targeting",),
    "bid": ("bid_micro", "bid_strategy"),
    "placement": ("placement_v2",),
}

MetricKind = Literal["proportion", "cost"]


@dataclass(frozen=True)
class MetricSpec:
    """`proportion`: successes / trials. `cost`: spend per event, judged through the event
    rate per unit of spend (Poisson), so lower cost is better."""

    key: str
    label: str
    kind: MetricKind
    events: str  # Snap field counted (successes / conversions)
    base: str  # trials (proportion) or exposure (`spend` for costs)

    @property
    def higher_is_better(self) -> bool:
        return self.kind == "proportion"


METRICS: Final[dict[str, MetricSpec]] = {
    m.key: m
    for m in (
        MetricSpec("swipe_rate", "Swipe rate", "proportion", "swipes", "impressions"),
        MetricSpec(
            "conversion_rate", "Conversion rate", "proportion", "conversion_purchases", "swipes"
        ),
        MetricSpec(
            "completion_rate", "Completion rate", "proportion", "view_completion", "impressions"
        ),
        MetricSpec("cpa", "Cost per conversion (CPA)", "cost", "conversion_purchases", "spend"),
        MetricSpec("cost_per_swipe", "Cost per swipe", "cost", "swipes", "spend"),
        MetricSpec("ecpm", "eCPM", "cost", "impressions", "spend"),
    )
}  # fmt: skip


def metric(key: str) -> MetricSpec:
    try:
        return METRICS[key]
    except KeyError:
        raise ValueError(
            f"unknown metric {key!r}; choose one of {', '.join(sorted(METRICS))}"
        ) from None


def now_utc() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment is not None else None


def _parse(value: Any) -> datetime | None:
    if not value:
        return None
    moment = datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


Pause = tuple[datetime, datetime | None]  # [paused at, resumed at) — open while paused


def _pauses_from(raw: Any) -> tuple[Pause, ...]:
    out: list[Pause] = []
    for item in raw or ():
        begin = _parse(item[0])
        if begin is not None:
            out.append((begin, _parse(item[1]) if len(item) > 1 else None))
    return tuple(out)


@dataclass(frozen=True)
class Variant:
    """One arm: an ad squad (a `new-…` id until its create is posted)."""

    key: str  # "A" (control), "B", "C", ...
    squad_id: str
    role: str
    name: str
    budget_micro: int | None = None  # split mode: the declared daily budget

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "squad_id": self.squad_id,
            "role": self.role,
            "name": self.name,
            "budget_micro": self.budget_micro,
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Variant:
        return cls(
            key=str(raw["key"]),
            squad_id=str(raw["squad_id"]),
            role=str(raw["role"]),
            name=str(raw.get("name") or raw["squad_id"]),
            budget_micro=raw.get("budget_micro"),
        )


@dataclass(frozen=True)
class PendingTransition:
    """A pause or a promotion whose changes wait in Pending Changes.

    The experiment keeps its state until every one of `change_ids` has posted live (then it is
    paused, or ended with `winner`); a dry-run rehearsal (`rehearsed_at`) changes nothing.
    `before` holds each change the transition touched as it was before, as its JSON text (None:
    the transition made it), and `group_ids` its undo entries, so cancelling restores Pending
    Changes exactly.
    `requested_at` is when it was asked for: the pause (or the end) counts from then — the time
    until the changes posted is left out of the readout, never given to a variant."""

    action: str  # PAUSING | PROMOTING
    change_ids: tuple[str, ...]
    requested_at: datetime
    winner: str | None = None
    budget_micro: int | None = None
    before: Mapping[str, str | None] = field(default_factory=dict)
    group_ids: tuple[str, ...] = ()
    rehearsed_at: datetime | None = None

    def __post_init__(self) -> None:
        if self.action not in (PAUSING, PROMOTING):
            raise ValueError(f"unknown transition {self.action!r}")
        if self.action == PROMOTING and not self.winner:
            raise ValueError("a promotion needs its winner")

    @property
    def noun(self) -> str:
        return "promotion" if self.action == PROMOTING else "pause"

    def to_json(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "change_ids": list(self.change_ids),
            "requested_at": _iso(self.requested_at),
            "winner": self.winner,
            "budget_micro": self.budget_micro,
            "before": dict(self.before),
            "group_ids": list(self.group_ids),
            "rehearsed_at": _iso(self.rehearsed_at),
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> PendingTransition:
        return cls(
            action=str(raw["action"]),
            change_ids=tuple(raw.get("change_ids") or ()),
            requested_at=_parse(raw.get("requested_at")) or now_utc(),
            winner=raw.get("winner"),
            budget_micro=raw.get("budget_micro"),
            before={
                str(k): (str(v) if v is not None else None)
                for k, v in (raw.get("before") or {}).items()
            },
            group_ids=tuple(raw.get("group_ids") or ()),
            rehearsed_at=_parse(raw.get("rehearsed_at")),
        )


@dataclass(frozen=True)
class Decision:
    """A verdict the readout reached (winner or guardrail violated), kept from then on."""

    verdict: str
    winner: str | None
    at: datetime
    rounds: int
    p_value: float
    explanation: str

    def to_json(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "winner": self.winner,
            "at": _iso(self.at),
            "rounds": self.rounds,
            "p_value": self.p_value,
            "explanation": self.explanation,
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Decision:
        return cls(
            verdict=str(raw["verdict"]),
            winner=raw.get("winner"),
            at=_parse(raw.get("at")) or now_utc(),
            rounds=int(raw.get("rounds", 0)),
            p_value=float(raw.get("p_value", 1.0)),
            explanation=str(raw.get("explanation") or ""),
        )


@dataclass(frozen=True)
class Experiment:
    id: str
    name: str
    hypothesis: str
    ad_account_id: str
    campaign_id: str
    primary_metric: str
    guardrails: tuple[str, ...]
    dimension: str
    variants: tuple[Variant, ...]
    mode: Mode = ROTATION
    rotation_hours: float | None = 24.0
    confidence: float = 0.95
    relative_mde: float = 0.1
    baseline: float | None = None  # planned baseline of the primary metric
    state: str = DRAFT
    start_at: datetime | None = None
    end_at: datetime | None = None
    winner: str | None = None
    pauses: tuple[Pause, ...] = ()  # the intervals it was paused (the last one open while paused)
    reapply: bool = False  # resumed: the current step must be applied again (it was paused)
    pending: PendingTransition | None = None  # a pause or promotion queued, not posted yet
    # The rotation's slot order: "balanced" (a Williams design across rounds, `schedule`) for
    # experiments created since issue 15; "cyclic" (A, B, C, A, B, C, …) for older ones.
    order: str = "balanced"
    # The plan made before the launch (`planning.Plan.to_json`): its mixture scale `c` is fixed
    # before any data, as the test's validity requires.
    plan: Mapping[str, Any] | None = None
    mixture_c: float | None = None
    price_limit: float = 0.2  # eCPM guardrail: flag a treatment this much above the control
    decision: Decision | None = None  # the verdict once reached: it stays until a reset
    created_at: datetime = field(default_factory=now_utc)
    updated_at: datetime = field(default_factory=now_utc)

    def __post_init__(self) -> None:
        metric(self.primary_metric)
        for g in self.guardrails:
            metric(g)
        if self.dimension not in DIMENSIONS:
            raise ValueError(f"dimension must be one of {', '.join(DIMENSIONS)}")
        if self.mode not in (ROTATION, SPLIT):
            raise ValueError("mode must be 'rotation' or 'split'")
        if self.mode == ROTATION and not (self.rotation_hours and self.rotation_hours > 0):
            raise ValueError("rotation mode needs a positive interval in hours")
        if not 0.5 < self.confidence < 1:
            raise ValueError("the confidence level must be between 50% and 100%")
        if self.state not in STATES:
            raise ValueError(f"unknown state {self.state!r}")
        roles = [v.role for v in self.variants]
        if roles.count(CONTROL) != 1 or not self.variants or self.variants[0].role != CONTROL:
            raise ValueError("the first variant must be the one control")
        if len(self.variants) < 2:
            raise ValueError("an experiment needs at least one treatment")

    @staticmethod
    def new_id() -> str:
        return uuid.uuid4().hex

    @property
    def alpha(self) -> float:
        return 1 - self.confidence

    @property
    def balanced(self) -> bool:
        return self.order != "cyclic"

    @property
    def control(self) -> Variant:
        return self.variants[0]

    @property
    def treatments(self) -> tuple[Variant, ...]:
        return self.variants[1:]

    @property
    def squad_ids(self) -> tuple[str, ...]:
        return tuple(v.squad_id for v in self.variants)

    def variant(self, key_or_squad: str) -> Variant:
        for v in self.variants:
            if key_or_squad in (v.key, v.squad_id):
                return v
        raise KeyError(key_or_squad)

    def evolve(self, **changes: Any) -> Experiment:
        return replace(self, updated_at=now_utc(), **changes)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "hypothesis": self.hypothesis,
            "ad_account_id": self.ad_account_id,
            "campaign_id": self.campaign_id,
            "primary_metric": self.primary_metric,
            "guardrails": list(self.guardrails),
            "dimension": self.dimension,
            "variants": [v.to_json() for v in self.variants],
            "mode": self.mode,
            "rotation_hours": self.rotation_hours,
            "confidence": self.confidence,
            "relative_mde": self.relative_mde,
            "baseline": self.baseline,
            "state": self.state,
            "start_at": _iso(self.start_at),
            "end_at": _iso(self.end_at),
            "winner": self.winner,
            "pauses": [[_iso(begin), _iso(end)] for begin, end in self.pauses],
            "reapply": self.reapply,
            "pending": self.pending.to_json() if self.pending is not None else None,
            "order": self.order,
            "plan": dict(self.plan) if self.plan is not None else None,
            "mixture_c": self.mixture_c,
            "price_limit": self.price_limit,
            "decision": self.decision.to_json() if self.decision is not None else None,
            "created_at": _iso(self.created_at),
            "updated_at": _iso(self.updated_at),
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Experiment:
        return cls(
            id=str(raw["id"]),
            name=str(raw["name"]),
            hypothesis=str(raw.get("hypothesis") or ""),
            ad_account_id=str(raw["ad_account_id"]),
            campaign_id=str(raw["campaign_id"]),
            primary_metric=str(raw["primary_metric"]),
            guardrails=tuple(raw.get("guardrails") or ()),
            dimension=str(raw["dimension"]),
            variants=tuple(Variant.from_json(v) for v in raw["variants"]),
            mode=raw.get("mode", ROTATION),
            rotation_hours=raw.get("rotation_hours"),
            confidence=float(raw.get("confidence", 0.95)),
            relative_mde=float(raw.get("relative_mde", 0.1)),
            baseline=raw.get("baseline"),
            state=str(raw.get("state", DRAFT)),
            start_at=_parse(raw.get("start_at")),
            end_at=_parse(raw.get("end_at")),
            winner=raw.get("winner"),
            pauses=_pauses_from(raw.get("pauses")),
            reapply=bool(raw.get("reapply", False)),
            pending=PendingTransition.from_json(raw["pending"]) if raw.get("pending") else None,
            order=str(raw.get("order", "cyclic")),  # rows from before the field: cyclic order
            plan=raw.get("plan"),
            mixture_c=raw.get("mixture_c"),
            price_limit=float(raw.get("price_limit", 0.2)),
            decision=Decision.from_json(raw["decision"]) if raw.get("decision") else None,
            created_at=_parse(raw.get("created_at")) or now_utc(),
            updated_at=_parse(raw.get("updated_at")) or now_utc(),
        )


def due_steps(experiment: Experiment, last_applied_step: int | None, now: datetime) -> list[Step]:
    """The steps to apply now: none, or exactly one — the current slot's (catch-up jumps
    straight to it). Only a running experiment with a start has steps, and none while a pause
    or promotion waits to be posted (its changes hold the variants' statuses); one resumed
    after a pause (`reapply`) has its current step due again, applied or not."""
    if experiment.state != RUNNING or experiment.start_at is None:
        return []
    if experiment.pending is not None:
        return []
    if experiment.end_at is not None and now >= experiment.end_at:
        return []
    step = due_step(
        mode=experiment.mode,
        start=experiment.start_at,
        every_hours=experiment.rotation_hours,
        variants=experiment.squad_ids,
        last_applied_step=None if experiment.reapply else last_applied_step,
        now=now,
        balanced=experiment.balanced,
    )
    return [step] if step is not None else []
