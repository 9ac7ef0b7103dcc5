"""The audit log as people read it: one `AuditRow` per entry of the append-only `audit_log`
table, with the entity's name and kind, the ad account's name, each field's old → new value in
the account's currency and time zone, who posted it (the login's email), the outcome with
Snap's message, and live vs dry-run. No Qt here (the dialog and its model build on this).

Everything is derived when the log is shown, from what the entry recorded and from the cache,
so entries written before this view existed read as well as new ones (the table is never
rewritten and has no column for names):

- the field diff of a change compares the object the entry sent (or rehearsed) with the server
  copy the change was made from (`Change.before`); a change reverted since compares with the
  cache; media uploads, customer-list batches and Conversions API batches are summarised;
- names come from the cache; an entity deleted since keeps the name the change recorded
  (`Change.label`, or the name in the request) and reads "(deleted)", else its id does;
- a profile key ("default") is shown as the login's email through a `who` function the window
  supplies (profiles.json, or the sandbox user's email).

`rows_to_csv` writes the columns the dialog shows, one line per field change (an entry that
changed three fields is three lines sharing #, When, Entity …), every text cell neutralised
against spreadsheet formulas as the grid's CSV export does.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import os
import re
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from snapdesk.changes import CREATE, DELETE, UPLOAD_MEDIA, AuditEntry, Change, is_temp_id
from snapdesk.changes.repository import load_changes
from snapdesk.changes.requests import writable
from snapdesk.core.kinds import ACCOUNT_KINDS, AD_ACCOUNT, LABEL, SEGMENT, WRAPPER_KEYS
from snapdesk.core.money import MoneyError, format_money
from snapdesk.core.outputs import write_text
from snapdesk.core.validation import field_label
from snapdesk.grid.sheets import neutralise
from snapdesk.store import AccountRow, Store
from snapdesk.ui.formatting import format_time_in_zone, humanize_enum

COLUMNS: Final = ("#", "When", "Ad account", "Entity", "Change", "Outcome", "Mode", "Who")
(
    ID_COLUMN,
    WHEN_COLUMN,
    ACCOUNT_COLUMN,
    ENTITY_COLUMN,
    CHANGE_COLUMN,
    OUTCOME_COLUMN,
    MODE_COLUMN,
    WHO_COLUMN,
) = range(len(COLUMNS))

OUTCOME_LABEL: Final = {
    "ok": "OK",
    "failed": "Failed",
    "dry-run": "Dry-run",
    "conflict": "Conflict",
    "blocked": "Blocked",
    "skipped": "Skipped",
}
MODE_LABEL: Final = {"live": "Live", "dry-run": "Dry-run"}
CONVERSION_EVENTS: Final = "conversion_events"

# Fields holding people's text (never turned into words like an enum).
_TEXT_FIELDS: Final = frozenset(
    {"name", "headline", "brand_name", "description", "web_view_url", "deep_link_url", "file"}
)
# Fields that identify parents or the object itself: the same in every diff that matters.
_QUIET_FIELDS: Final = frozenset({"id", "ad_account_id", "campaign_id", "ad_squad_id"})
_TIME_FIELDS: Final = frozenset({"start_time", "end_time"})
_ENUM: Final = re.compile(r"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$|^[A-Z]{4,}$")
_VALUE_MAX: Final = 80
_REJECTED: Final = re.compile(r"^Snap rejected the request(?: \(([^)]*)\))?: (.+)$", re.DOTALL)

Who = Callable[[str | None], str]


def plain_who(profile: str | None) -> str:
    """Who posted when nothing more is known than the login's key."""
    return profile or "—"


# ---------------------------------------------------------------------------- values


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _moment(at: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(at.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _short(text: str, limit: int = _VALUE_MAX) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _targeting_lines(value: Any) -> list[str]:
    from snapdesk.ui.views.details import targeting_summary  # a pure function beside its view

    return targeting_summary(value if isinstance(value, dict) else None).splitlines()


def readable_value(name: str, value: Any, *, currency: str | None, timezone: str | None) -> str:
    """A field's value as people read it: money in the account's currency ("$55.00", "¥1,500"),
    times in its zone, enums as words, yes/no, lists comma-separated, names quoted."""
    if value is None or value == "":
        return "not set"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if name.endswith("_micro") and isinstance(value, int | float):
        if currency:
            try:
                return format_money(int(value), currency)
            except MoneyError:
                pass
        return f"{value / 1_000_000:,.2f}"
    if name in _TIME_FIELDS and isinstance(value, str):
        return format_time_in_zone(value, timezone)
    if name == "targeting" or name.startswith("targeting."):
        return "; ".join(_targeting_lines(value if name == "targeting" else {name[10:]: value}))
    if isinstance(value, str):
        if name not in _TEXT_FIELDS and _ENUM.match(value):
            return humanize_enum(value)
        return f"“{_short(value)}”" if name in _TEXT_FIELDS else _short(value)
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        items = [
            humanize_enum(v) if isinstance(v, str) and _ENUM.match(v) else str(v) for v in value
        ]
        return _short(", ".join(items)) if items else "none"
    if isinstance(value, int | float):
        return f"{value:,}"
    return _short(json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")))


@dataclass(frozen=True)
class FieldChange:
    """One field of one entry: `before` is None when the field had no earlier value (a create)."""

    field: str
    label: str
    before: str | None
    after: str

    @property
    def text(self) -> str:
        if self.before is None:
            return f"{self.label}: {self.after}"
        return f"{self.label}: {self.before} → {self.after}"


def field_changes(
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any],
    *,
    currency: str | None,
    timezone: str | None,
) -> list[FieldChange]:
    """The fields that differ, formatted; targeting shows only the dimensions that changed."""
    old = before or {}
    out: list[FieldChange] = []
    for name in dict.fromkeys([*old, *after]):
        if name in _QUIET_FIELDS or old.get(name) == after.get(name):
            continue
        if before is None and after.get(name) in (None, "", [], {}):
            continue  # a create: only the fields it sets
        label = field_label(name)
        if name == "targeting" and before is not None:
            gone = _targeting_lines(old.get(name))
            came = _targeting_lines(after.get(name))
            was = [line for line in gone if line not in came]
            now = [line for line in came if line not in gone]
            if not was and not now:
                was, now = ["details changed"], ["see the request"]
            out.append(FieldChange(name, label, "; ".join(was) or "—", "; ".join(now) or "removed"))
            continue
        kw = {"currency": currency, "timezone": timezone}
        out.append(
            FieldChange(
                name,
                label,
                None if before is None else readable_value(name, old.get(name), **kw),
                readable_value(name, after.get(name), **kw),
            )
        )
    return out


# ---------------------------------------------------------------------------- rows


@dataclass(frozen=True)
class AuditRow:
    """One audit entry as the dialog, its CSV export and the detail pane show it."""

    entry: AuditEntry
    when: str
    local_day: date | None
    timezone: str
    account: str
    entity_kind: str
    entity_name: str
    entity_id: str
    changes: tuple[FieldChange, ...]
    summary: str
    outcome: str
    message: str
    mode: str
    who: str

    @property
    def entity(self) -> str:
        if not self.entity_kind:
            return self.entity_name
        return f"{self.entity_kind} · {self.entity_name}"

    @property
    def change_text(self) -> str:
        """One field per line (the CSV has one line per field with the same texts)."""
        return "\n".join(c.text for c in self.changes) if self.changes else self.summary

    @property
    def outcome_text(self) -> str:
        return f"{self.outcome}: {self.message}" if self.message else self.outcome

    def cells(self, change: str | None = None) -> tuple[str, ...]:
        """The row's texts in `COLUMNS` order (`change` replaces the Change column)."""
        return (
            str(self.entry.id),
            self.when,
            self.account,
            self.entity,
            self.change_text if change is None else change,
            self.outcome_text,
            self.mode,
            self.who,
        )

    def matches(self, text: str) -> bool:
        """Entity search: the entity's name or id (also the change's id), case-insensitive."""
        needle = text.strip().casefold()
        if not needle:
            return True
        haystack = (self.entity_name, self.entity_id, self.entry.change_id or "")
        return any(needle in value.casefold() for value in haystack)

    def details(self) -> str:
        """The detail pane: the readable summary, then the exact request and response."""
        entry = self.entry
        moment = _moment(entry.at)
        utc = f"{moment:%Y-%m-%d %H:%M:%S} UTC" if moment else entry.at
        lines = [
            f"{self.entity}   ({self.entity_id})" if self.entity_id else self.entity,
            f"Ad account: {self.account}",
            f"When: {self.when} ({self.timezone}) · {utc}",
            f"Who: {self.who}",
            f"Mode: {self.mode} · outcome: {self.outcome_text}",
            "",
        ]
        if self.changes:
            lines += [f"  {c.text}" for c in self.changes]
        else:
            lines.append(f"  {self.summary}")
        body = (
            json.dumps(entry.request_body, indent=2, ensure_ascii=False)
            if entry.request_body is not None
            else "(no body)"
        )
        lines += [
            "",
            "— Request (as sent) —",
            f"{entry.method} {entry.path}",
            f"Idempotency-Key: {entry.idempotency_key or '—'}",
            body,
            "",
            f"— Response ({entry.response_status or '—'}) —",
            entry.response_excerpt or "",
        ]
        return "\n".join(lines)


class AuditReader:
    """Builds `AuditRow`s, caching accounts, entities and changes across one load."""

    def __init__(self, store: Store, *, who: Who = plain_who) -> None:
        self._store = store
        self._who = who
        self._accounts: dict[str, AccountRow | None] = {}
        self._entities: dict[tuple[str, str], Any] = {}

    def rows(self, entries: Sequence[AuditEntry]) -> list[AuditRow]:
        ids = sorted({e.change_id for e in entries if e.change_id})
        changes: dict[str, Change] = {}
        for start in range(0, len(ids), 500):
            found = self._store.write(functools.partial(_changes_of, ids[start : start + 500]))
            changes.update((c.id, c) for c in found)
        return [self.row(e, changes.get(e.change_id or "")) for e in entries]

    def _account(self, account_id: str | None) -> AccountRow | None:
        if not account_id:
            return None
        if account_id not in self._accounts:
            self._accounts[account_id] = self._store.ad_account(account_id)
        return self._accounts[account_id]

    def _entity(self, kind: str, entity_id: str) -> Any:
        if kind not in (*ACCOUNT_KINDS, AD_ACCOUNT) or not entity_id:
            return None
        key = (kind, entity_id)
        if key not in self._entities:
            self._entities[key] = self._store.get(kind, entity_id)
        return self._entities[key]

    def row(self, entry: AuditEntry, change: Change | None) -> AuditRow:
        account = self._account(entry.ad_account_id or (change.ad_account_id if change else None))
        currency = account.currency if account else None
        timezone = (account.timezone if account else None) or "UTC"
        moment = _moment(entry.at)
        local = moment.astimezone(_zone(timezone)) if moment else None
        when = f"{local:%Y-%m-%d %H:%M:%S} {local.tzname() or ''}".strip() if local else entry.at
        kind = entry.kind or (change.kind if change else "") or ""
        entity_id, name = self._name(entry, change, kind)
        changes, summary = self._diff(entry, change, kind, currency=currency, timezone=timezone)
        return AuditRow(
            entry=entry,
            when=when,
            local_day=local.date() if local else None,
            timezone=timezone,
            account=(account.name or account.id) if account else (entry.ad_account_id or "—"),
            entity_kind=_kind_label(kind),
            entity_name=name,
            entity_id=entity_id,
            changes=tuple(changes),
            summary=summary,
            outcome=OUTCOME_LABEL.get(entry.result, entry.result),
            message=_message(entry, currency=currency, timezone=timezone),
            mode=MODE_LABEL.get(entry.mode, entry.mode),
            who=self._who(entry.profile),
        )

    # -- names -----------------------------------------------------------------------------------

    def _name(self, entry: AuditEntry, change: Change | None, kind: str) -> tuple[str, str]:
        entity_id = entry.entity_id or (change.entity_id if change else "") or ""
        if kind == CONVERSION_EVENTS:
            return entity_id, f"Pixel {entity_id}" if entity_id else "Conversions API"
        if change is not None and change.created_id:
            entity_id = change.created_id  # a create: the id Snap gave it
        cached = self._entity(kind, entity_id)
        if cached is not None and cached.name:
            return entity_id, str(cached.name)
        recorded = (change.label if change else None) or _name_in(entry.request_body, kind)
        if cached is not None or kind not in (*ACCOUNT_KINDS, AD_ACCOUNT):
            return entity_id, recorded or entity_id
        if is_temp_id(entity_id) or (
            change is not None and change.action == CREATE and change.created_id is None
        ):
            return entity_id, f"{recorded or entity_id} (not created)"  # rehearsed or failed
        return entity_id, f"{recorded or entity_id} (deleted)"

    def _server_copy(self, kind: str, entity_id: str, at: str) -> Mapping[str, Any] | None:
        """The entity as it was before an entry whose change is gone (reverted after a dry
        run): the cache, else the server copy another change of it recorded (the next one
        made after the entry, else the last one before)."""
        cached = self._entity(kind, entity_id)
        if cached is not None:
            return writable(kind, cached.data)
        if not entity_id:
            return None
        others = self._store.write(lambda c: load_changes(c, states=None, entity_id=entity_id))
        known = [c for c in others if c.before is not None and c.kind == kind]
        later = [c for c in known if c.created_at >= at]
        if later:
            return min(later, key=lambda c: c.created_at).before
        return max(known, key=lambda c: c.created_at).before if known else None

    # -- diffs -----------------------------------------------------------------------------------

    def _diff(
        self,
        entry: AuditEntry,
        change: Change | None,
        kind: str,
        *,
        currency: str | None,
        timezone: str | None,
    ) -> tuple[list[FieldChange], str]:
        action = entry.action or (change.action if change else "") or ""
        if kind == CONVERSION_EVENTS:
            return [], _events_summary(entry)
        if kind == SEGMENT and entry.change_id and change is None:
            return [], _users_summary(entry, action)
        if action == DELETE:
            return [], "Deleted"
        if action == UPLOAD_MEDIA:
            upload = (change.request.upload if change else None) or {}
            name = upload.get("file_name") or entry.path.rsplit("/", 1)[-1]
            size = upload.get("file_size")
            shown = f"{name} ({int(size):,} bytes)" if size else str(name)
            return [], f"Upload {shown} — {entry.method} {entry.path}"
        sent = _object_in(entry.request_body, kind)
        if sent is None:
            if change is not None and change.diff:
                diff = {d.field: d.after for d in change.diff}
                old = None if action == CREATE else {d.field: d.before for d in change.diff}
                return field_changes(old, diff, currency=currency, timezone=timezone), ""
            return [], f"{entry.method} {entry.path}"
        if action == CREATE:
            found = field_changes(None, sent, currency=currency, timezone=timezone)
            return found, "Created" if found else "Create"
        before: Mapping[str, Any] | None = change.before if change is not None else None
        if before is None:
            before = self._server_copy(kind, entry.entity_id or "", entry.at)
        if before is None:
            return [], "Updated (earlier values not recorded: see the request)"
        found = field_changes(before, sent, currency=currency, timezone=timezone)
        return found, "No field changes"


def _changes_of(ids: list[str], conn: sqlite3.Connection) -> list[Change]:
    return load_changes(conn, states=None, change_ids=ids)


def _kind_label(kind: str) -> str:
    if kind == CONVERSION_EVENTS:
        return "Conversion events"
    return LABEL.get(kind, humanize_enum(kind) if kind else "")


def _object_in(body: Any, kind: str) -> dict[str, Any] | None:
    """The one object of `kind` in a request body (Snap's plural wrapper), if there is one."""
    keys = WRAPPER_KEYS.get(kind)
    if not keys or not isinstance(body, Mapping):
        return None
    items = body.get(keys[0])
    if isinstance(items, list) and len(items) == 1 and isinstance(items[0], Mapping):
        return dict(items[0])
    return None


def _name_in(body: Any, kind: str) -> str | None:
    found = _object_in(body, kind)
    name = found.get("name") if found else None
    return str(name) if name else None


def _events_summary(entry: AuditEntry) -> str:
    body = entry.request_body if isinstance(entry.request_body, Mapping) else {}
    count = body.get("events")
    verb = "Validate" if entry.action == "validate_events" else "Send"
    batch = f" (batch {body['batch']})" if body.get("batch") is not None else ""
    if isinstance(count, int):
        return f"{verb} {count:,} event{'s' if count != 1 else ''}{batch}"
    return f"{verb} events{batch}"


def _users_summary(entry: AuditEntry, action: str) -> str:
    body = entry.request_body if isinstance(entry.request_body, Mapping) else {}
    users = body.get("users")
    count = ""
    if isinstance(users, list) and users and isinstance(users[0], Mapping):
        match = re.search(r"<(\d+) hashes>", str(users[0].get("data", "")))
        if match:
            count = f" {int(match.group(1)):,}"
    verb = humanize_enum(action.upper()) if action else "Update users"
    batch = f" (batch {body['batch']})" if body.get("batch") is not None else ""
    return f"{verb}{count}{batch}".strip()


def _message(entry: AuditEntry, *, currency: str | None, timezone: str | None) -> str:
    """What Snap (or the gateway) said: the error of a failure, why a change was blocked or
    skipped, the fields of a conflict. Empty for ok and dry-run."""
    text = (entry.response_excerpt or "").strip()
    if entry.result in ("ok", "dry-run") or not text:
        return ""
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = None
    if entry.result == "conflict" and isinstance(parsed, Mapping):
        parts = []
        for item in parsed.get("conflicts") or []:
            if isinstance(item, Mapping) and item.get("field"):
                name = str(item["field"])
                theirs = readable_value(
                    name, item.get("theirs"), currency=currency, timezone=timezone
                )
                parts.append(f"{field_label(name)} is {theirs} on Snap")
        return "changed on Snap too: " + "; ".join(parts) if parts else text
    if isinstance(parsed, Mapping):
        for key in ("debug_message", "display_message", "message", "error"):
            if parsed.get(key):
                return str(parsed[key])
    rejected = _REJECTED.match(text)
    if rejected:  # Snap's own words first: "Daily budget exceeds … (E2002)"
        said, code = rejected.group(2), rejected.group(1)
        return f"{said} ({code})" if code else said
    for prefix, shown in (
        ("check changes: ", "Check changes: "),
        ("spend guard: ", "spend guard: "),
    ):
        if text.startswith(prefix):
            rest = text[len(prefix) :]
            name, sep, why = rest.partition(": ")
            if prefix.startswith("check") and sep and " " not in name:
                return f"{shown}{field_label(name)}: {why}"
            return f"{shown}{rest}"
    return text


# ---------------------------------------------------------------------------- filters, CSV


def filter_rows(
    rows: Iterable[AuditRow],
    *,
    entity: str | None = None,
    first: date | None = None,
    last: date | None = None,
) -> list[AuditRow]:
    """Rows of entities matching `entity` (name or id) on local days `first`..`last` of each
    entry's ad account (either bound may be None)."""
    out = []
    for row in rows:
        if entity and not row.matches(entity):
            continue
        if row.local_day is not None:
            if first is not None and row.local_day < first:
                continue
            if last is not None and row.local_day > last:
                continue
        out.append(row)
    return out


def rows_to_csv(rows: Sequence[AuditRow]) -> str:
    """`COLUMNS`, one line per field change (an entry without fields is one line)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        texts = [c.text for c in row.changes] or [row.summary]
        for text in texts:
            writer.writerow([neutralise(cell) for cell in row.cells(text)])
    return out.getvalue()


def export_rows_csv(rows: Sequence[AuditRow], path: str | os.PathLike[str]) -> Path:
    """Write `rows` as CSV (UTF-8 with a BOM, as the grid's, so spreadsheets read € and →),
    atomically and owner-only (bodies and names of the user's campaigns)."""
    target = Path(path)
    if target.suffix.lower() != ".csv":
        raise ValueError(f"{target.name}: a CSV export needs a .csv file name")
    return write_text(
        target, rows_to_csv(rows), private=True, shown=os.fspath(path), encoding="utf-8-sig"
    )


__all__ = [
    "COLUMNS",
    "MODE_LABEL",
    "OUTCOME_LABEL",
    "AuditReader",
    "AuditRow",
    "FieldChange",
    "export_rows_csv",
    "field_changes",
    "filter_rows",
    "plain_who",
    "readable_value",
    "rows_to_csv",
]
