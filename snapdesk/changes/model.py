"""The records of the write gateway: `Change`, its `RequestSpec`, groups, conflicts, results.

A `Change` is one write Snap will receive, stored the moment the user makes it. Its `request` is
exactly what will be sent (method, path relative to the API base, params, JSON body in Snap's
plural wrapper); ids of entities that do not exist yet appear as placeholders `$ref:<change id>`
and are resolved, in dependency order, when the change set is posted (with `dryrun-…` ids in a
dry run).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Final, Literal

from snapdesk.core.kinds import LABEL
from snapdesk.core.validation import Issue

# Change.state values.
PENDING: Final = "pending"
SENDING: Final = "sending"
POSTED: Final = "posted"
FAILED: Final = "failed"
REVERTED: Final = "reverted"
STATES: Final = (PENDING, SENDING, POSTED, FAILED, REVERTED)
# Changes still to be posted (a `sending` one was interrupted and is re-sent with its key).
OPEN_STATES: Final = (PENDING, FAILED, SENDING)

# Change.action values.
CREATE: Final = "create"
UPDATE: Final = "update"
PAUSE: Final = "pause"
RESUME: Final = "resume"
DELETE: Final = "delete"
UPLOAD_MEDIA: Final = "upload_media"
UPDATE_ACTIONS: Final = (UPDATE, PAUSE, RESUME)

REF_PREFIX: Final = "$ref:"
TEMP_PREFIX: Final = "new-"
DRYRUN_PREFIX: Final = "dryrun-"
_REF = re.compile(r"\$ref:([0-9a-f]{32})")

# "busy": another snapdesk process holds the change's post lease and is sending it.
Outcome = Literal["posted", "dry-run", "failed", "conflict", "skipped", "blocked", "busy"]


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def new_change_id() -> str:
    return uuid.uuid4().hex


def new_temp_id() -> str:
    """The id an entity has until Snap creates it."""
    return f"{TEMP_PREFIX}{uuid.uuid4()}"


def is_temp_id(entity_id: str) -> bool:
    return entity_id.startswith(TEMP_PREFIX)


def ref(change_id: str) -> str:
    """The placeholder for the id a create change will get from Snap."""
    return f"{REF_PREFIX}{change_id}"


def refs_in(value: Any) -> set[str]:
    """Change ids referenced by placeholders anywhere in `value`."""
    found: set[str] = set()
    if isinstance(value, str):
        found.update(_REF.findall(value))
    elif isinstance(value, Mapping):
        for item in value.values():
            found |= refs_in(item)
    elif isinstance(value, list | tuple):
        for item in value:
            found |= refs_in(item)
    return found


class UnresolvedReference(LookupError):
    def __init__(self, change_id: str) -> None:
        super().__init__(f"change {change_id} has not been posted yet")
        self.change_id = change_id


def resolve_refs(value: Any, ids: Mapping[str, str]) -> Any:
    """`value` with every `$ref:<change id>` replaced by the id that change got."""
    if isinstance(value, str):

        def sub(match: re.Match[str]) -> str:
            change_id = match.group(1)
            if change_id not in ids:
                raise UnresolvedReference(change_id)
            return ids[change_id]

        return _REF.sub(sub, value)
    if isinstance(value, Mapping):
        return {k: resolve_refs(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_refs(v, ids) for v in value]
    return value


@dataclass(frozen=True)
class RequestSpec:
    """One HTTP request as it will be sent. `path` is relative to the API base (`/v1`).

    `upload` describes a media upload instead of a JSON body: the local file (`file_path`,
    `file_name`, `file_size`, `content_type`); whether it goes up in one request or in chunks
    (multipart-upload-v2) is decided by size when posting.
    """

    method: str
    path: str
    params: dict[str, Any] | None = None
    body: Any = None
    upload: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"method": self.method, "path": self.path}
        if self.params:
            out["params"] = self.params
        if self.body is not None:
            out["body"] = self.body
        if self.upload is not None:
            out["upload"] = self.upload
        return out

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> RequestSpec:
        return cls(
            method=str(raw["method"]),
            path=str(raw["path"]),
            params=raw.get("params"),
            body=raw.get("body"),
            upload=raw.get("upload"),
        )

    def resolved(self, ids: Mapping[str, str]) -> RequestSpec:
        return RequestSpec(
            method=self.method,
            path=resolve_refs(self.path, ids),
            params=resolve_refs(self.params, ids) if self.params else self.params,
            body=resolve_refs(self.body, ids),
            upload=self.upload,
        )

    def describe(self, api_prefix: str = "/v1") -> str:
        query = ""
        if self.params:
            query = "?" + "&".join(f"{k}={v}" for k, v in self.params.items())
        return f"{self.method} {api_prefix}{self.path}{query}"


@dataclass(frozen=True)
class FieldDiff:
    field: str
    before: Any
    after: Any


@dataclass(frozen=True)
class Change:
    """One pending (or posted) write. Immutable; the repository stores new versions."""

    id: str
    seq: int
    group_id: str
    ad_account_id: str
    kind: str
    entity_id: str
    action: str
    request: RequestSpec
    idempotency_key: str
    state: str = PENDING
    label: str | None = None
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    base: dict[str, Any] | None = None
    depends_on: tuple[str, ...] = ()
    resolutions: dict[str, str] = field(default_factory=dict)
    issues: tuple[Issue, ...] = ()
    sent_request: RequestSpec | None = None
    result: dict[str, Any] | None = None
    error: str | None = None
    attempts: int = 0
    created_at: str = field(default_factory=now_iso)
    updated_at: str = field(default_factory=now_iso)
    posted_at: str | None = None

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def diff(self) -> list[FieldDiff]:
        """Per-field differences between `before` and `after` (read-only fields never differ)."""
        if self.action == DELETE:
            return [FieldDiff("deleted", False, True)]
        if self.action == UPLOAD_MEDIA:
            upload = self.request.upload or {}
            return [FieldDiff("file", None, upload.get("file_name"))]
        before = self.before or {}
        after = self.after or {}
        keys = list(dict.fromkeys([*before, *after]))
        return [
            FieldDiff(k, before.get(k), after.get(k))
            for k in keys
            if before.get(k) != after.get(k) and k != "id"
        ]

    @property
    def outcome_unknown(self) -> bool:
        """A create whose last attempt may have reached Snap (a 5xx or a broken connection
        after sending): it keeps its key, and the next post looks for it on Snap first."""
        return self.is_open and (self.result or {}).get("outcome") == "unknown"

    @property
    def conflicts(self) -> list[Conflict]:
        raw = (self.result or {}).get("conflicts") if self.state != POSTED else None
        if not raw:
            return []
        return [Conflict.from_json(self.id, item) for item in raw]

    @property
    def created_id(self) -> str | None:
        """The id Snap gave the entity this change created (None before posting)."""
        if self.state != POSTED or not self.result:
            return None
        value = self.result.get("id")
        return str(value) if value is not None else None

    def summary(self) -> str:
        """One line for lists: what changes, e.g. "name: 'A' → 'B'; status: ACTIVE → PAUSED"."""
        noun = LABEL.get(self.kind, self.kind)
        name = self.label or self.entity_id
        if self.action == CREATE:
            return f"create {noun.lower()} {name!r}"
        if self.action == DELETE:
            return f"delete {noun.lower()} {name!r}"
        if self.action == UPLOAD_MEDIA:
            upload = self.request.upload or {}
            return f"upload {upload.get('file_name')} ({upload.get('file_size', 0):,} bytes)"
        parts = [f"{d.field}: {_short(d.before)} → {_short(d.after)}" for d in self.diff]
        return "; ".join(parts) if parts else "no field changes"

    def evolve(self, **changes: Any) -> Change:
        return replace(self, updated_at=now_iso(), **changes)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "seq": self.seq,
            "group_id": self.group_id,
            "ad_account_id": self.ad_account_id,
            "kind": self.kind,
            "entity_id": self.entity_id,
            "action": self.action,
            "label": self.label,
            "state": self.state,
            "before": self.before,
            "after": self.after,
            "base": self.base,
            "diff": [{"field": d.field, "before": d.before, "after": d.after} for d in self.diff],
            "request": self.request.to_json(),
            "sent_request": self.sent_request.to_json() if self.sent_request else None,
            "idempotency_key": self.idempotency_key,
            "depends_on": list(self.depends_on),
            "resolutions": self.resolutions,
            "issues": [i.to_json() for i in self.issues],
            "result": self.result,
            "error": self.error,
            "attempts": self.attempts,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "posted_at": self.posted_at,
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Change:
        sent = raw.get("sent_request")
        return cls(
            id=raw["id"],
            seq=int(raw["seq"]),
            group_id=raw["group_id"],
            ad_account_id=raw["ad_account_id"],
            kind=raw["kind"],
            entity_id=raw["entity_id"],
            action=raw["action"],
            label=raw.get("label"),
            state=raw["state"],
            before=raw.get("before"),
            after=raw.get("after"),
            base=raw.get("base"),
            request=RequestSpec.from_json(raw["request"]),
            sent_request=RequestSpec.from_json(sent) if sent else None,
            idempotency_key=raw["idempotency_key"],
            depends_on=tuple(raw.get("depends_on") or ()),
            resolutions=dict(raw.get("resolutions") or {}),
            issues=tuple(
                Issue(i["field"], i["message"], i["severity"], i.get("code", "invalid"))
                for i in raw.get("issues") or ()
            ),
            result=raw.get("result"),
            error=raw.get("error"),
            attempts=int(raw.get("attempts") or 0),
            created_at=raw["created_at"],
            updated_at=raw.get("updated_at") or raw["created_at"],
            posted_at=raw.get("posted_at"),
        )


def _short(value: Any, limit: int = 40) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class ChangeGroup:
    """What one user action queued (one undo step): the changes written and the issues found.

    `removed` lists change ids the action dropped (e.g. an edit that restored the server value,
    or a revert)."""

    group_id: str
    label: str
    changes: tuple[Change, ...] = ()
    issues: tuple[Issue, ...] = ()
    removed: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.changes and not self.removed

    @property
    def entity_ids(self) -> list[str]:
        return [c.entity_id for c in self.changes]


@dataclass(frozen=True)
class Conflict:
    """A field changed both here (`mine`) and on Snap (`theirs`) since `base` was read."""

    change_id: str
    field: str
    base: Any
    mine: Any
    theirs: Any

    def to_json(self) -> dict[str, Any]:
        return {"field": self.field, "base": self.base, "mine": self.mine, "theirs": self.theirs}

    @classmethod
    def from_json(cls, change_id: str, raw: Mapping[str, Any]) -> Conflict:
        return cls(change_id, raw["field"], raw.get("base"), raw.get("mine"), raw.get("theirs"))


@dataclass(frozen=True)
class GuardViolation:
    """A change that exceeds a spend guard; posting it live needs an explicit confirmation."""

    change_id: str
    ad_account_id: str
    kind: str
    entity_id: str
    name: str | None
    field: str
    guard: str  # "budget_increase_percent" | "budget_increase" | "max_bid" | "bid_over_budget"
    old_micro: int | None
    new_micro: int
    limit: str
    currency: str | None
    message: str


CheckSeverity = Literal["error", "warning"]


@dataclass(frozen=True)
class CheckIssue:
    """What "Check changes" (`snapdesk.changes.checks`) found in one field of one pending
    change: an error (Snap would refuse it; posting is blocked, dry-run and live alike) or a
    warning (worth knowing; nothing is blocked). Spend guards that need a confirmation before a
    live post are `GuardViolation`s. `remedy` says what the user can do."""

    change_id: str
    ad_account_id: str
    kind: str
    entity_id: str
    name: str | None
    action: str
    field: str
    message: str
    severity: CheckSeverity
    code: str
    remedy: str = ""

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    @property
    def entity(self) -> str:
        """ "Ad squad 'Spring 18-34'" (the id when there is no name)."""
        return f"{LABEL.get(self.kind, self.kind)} {self.name or self.entity_id!r}"

    def to_json(self) -> dict[str, Any]:
        return {
            "change_id": self.change_id,
            "ad_account_id": self.ad_account_id,
            "kind": self.kind,
            "entity_id": self.entity_id,
            "name": self.name,
            "action": self.action,
            "field": self.field,
            "message": self.message,
            "severity": self.severity,
            "code": self.code,
            "remedy": self.remedy,
        }


@dataclass(frozen=True)
class ChangeResult:
    """What posting (or rehearsing) one change did. `requests` are the exact requests, resolved."""

    change_id: str
    outcome: Outcome
    kind: str
    action: str
    entity_id: str
    label: str | None
    requests: tuple[RequestSpec, ...] = ()
    idempotency_key: str | None = None
    created_id: str | None = None
    response: dict[str, Any] | None = None
    error: str | None = None
    conflicts: tuple[Conflict, ...] = ()


@dataclass(frozen=True)
class PostReport:
    """The answer of `WriteGateway.post`."""

    live: bool
    results: tuple[ChangeResult, ...] = ()
    conflicts: tuple[Conflict, ...] = ()
    guard_violations: tuple[GuardViolation, ...] = ()
    blocked: bool = False
    # What Check changes found; with an error among them `blocked` is True and nothing was
    # rehearsed or sent (`results` is empty).
    check_issues: tuple[CheckIssue, ...] = ()

    @property
    def mode(self) -> str:
        return "live" if self.live else "dry-run"

    @property
    def check_errors(self) -> list[CheckIssue]:
        return [i for i in self.check_issues if i.is_error]

    @property
    def check_warnings(self) -> list[CheckIssue]:
        return [i for i in self.check_issues if not i.is_error]

    def by_outcome(self, outcome: Outcome) -> list[ChangeResult]:
        return [r for r in self.results if r.outcome == outcome]

    @property
    def posted(self) -> list[ChangeResult]:
        return self.by_outcome("posted")

    @property
    def failed(self) -> list[ChangeResult]:
        return self.by_outcome("failed")

    @property
    def ok(self) -> bool:
        """Nothing failed, conflicted, was skipped or blocked."""
        return not self.blocked and all(r.outcome in ("posted", "dry-run") for r in self.results)


@dataclass(frozen=True)
class PostProgress:
    done: int
    total: int
    change_id: str | None
    message: str


@dataclass(frozen=True)
class AffectedAccount:
    id: str
    name: str | None
    currency: str | None
    changes: int


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: str
    profile: str | None
    mode: str
    ad_account_id: str | None
    change_id: str | None
    kind: str | None
    entity_id: str | None
    action: str | None
    method: str
    path: str
    request_body: Any
    idempotency_key: str | None
    response_status: int | None
    response_excerpt: str | None
    result: str

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at,
            "profile": self.profile,
            "mode": self.mode,
            "ad_account_id": self.ad_account_id,
            "change_id": self.change_id,
            "kind": self.kind,
            "entity_id": self.entity_id,
            "action": self.action,
            "method": self.method,
            "path": self.path,
            "request_body": self.request_body,
            "idempotency_key": self.idempotency_key,
            "response_status": self.response_status,
            "response_excerpt": self.response_excerpt,
            "result": self.result,
        }


class ChangeError(Exception):
    """An edit or post the gateway refuses; `message` tells the user why and what to do."""

    def __init__(self, message: str, *, issues: tuple[Issue, ...] | list[Issue] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.issues = tuple(issues)


class ValidationFailed(ChangeError):
    """Local validation found errors; nothing was queued. `issues` holds errors and warnings."""
