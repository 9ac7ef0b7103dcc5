"""Filtering and sorting grid rows, fast enough for 50,000 ads (no Qt).

    spec = FilterSpec(text="spring", conditions=(
        Condition("status", "is", ("ACTIVE",)),
        Condition("stats_spend", "gt", "100"),
        Condition("", "delivery_issue"),
    ))
    shown = apply(rows, spec)                                   # row positions, in load order
    shown = sort(rows, shown, COLUMNS["stats_spend"], descending=True)

A filter is free text (every word must appear in the name, the id, the parent names or the
account name; case-insensitive) plus conditions that must all hold. A condition names a column
and an operator — `is`/`is_not` (enums, API spelling), `gt` `ge` `lt` `le` `eq` `between`
(numbers, money in each row's own currency, percentages typed as percent, dates in the account's
time zone), `contains`/`not_contains` (text), `empty`/`not_empty` — or is about the row:
`delivery_issue` (active but not delivering, `columns.delivery_issues`), `pending` (a pending
change marks it), `check_error` / `check_warning` (Check changes found something in it). A spec
is plain JSON both ways (`to_json` / `from_json`), which saved views store.

Sorting is stable and puts empty cells last in both directions, as spreadsheets do: sorting
spend descending shows the biggest spenders first and the rows without numbers at the bottom,
not on top. Rows that sort equal keep their load order (account, then the cache's order).

Speed: a `RowCache` computes each column's values and sort keys once per generation of rows
(then a sort is one `sorted()` over precomputed integer ranks, and a filter one pass over
precomputed values). `RowCache.replaced(new_rows, changed_ids)` carries the work over to a
reloaded list, recomputing only the rows that changed.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from snapdesk.grid.columns import COLUMNS, Column, delivery_issues, format_local, humanize
from snapdesk.grid.rows import GridRow

__all__ = [
    "OPERATORS",
    "ROW_OPERATORS",
    "Condition",
    "FilterSpec",
    "QueryError",
    "RowCache",
    "apply",
    "cache_for",
    "operators_for",
    "sort",
]

# operator → how a chip writes it
OPERATORS: Final[dict[str, str]] = {
    "is": "is",
    "is_not": "is not",
    "gt": ">",
    "ge": "≥",
    "lt": "<",
    "le": "≤",
    "eq": "=",
    "between": "between",
    "contains": "contains",
    "not_contains": "doesn't contain",
    "empty": "is empty",
    "not_empty": "is not empty",
}
# operators about the row, not a column (their condition's column is "")
ROW_OPERATORS: Final[dict[str, str]] = {
    "delivery_issue": "Has a delivery issue",
    "pending": "Has a pending change",
    "check_error": "Has a check error",
    "check_warning": "Has a check warning",
}
_NUMERIC_OPS: Final = ("gt", "ge", "lt", "le", "eq", "between")
_DATE_WORDS: Final = {"gt": "after", "ge": "on or after", "lt": "before", "le": "on or before",
                      "eq": "on", "between": "between"}  # fmt: skip
_NO_VALUE: Final = frozenset({"empty", "not_empty", *ROW_OPERATORS})


class QueryError(ValueError):
    """A condition that can't be used; the message says what to type instead."""


def operators_for(column: Column) -> list[str]:
    """The operators that make sense for a column, the most useful first."""
    kind = column.type
    if kind == "enum":
        return ["is", "is_not", "empty", "not_empty"]
    if kind == "list":
        return ["is", "is_not", "contains", "not_contains", "empty", "not_empty"]
    if column.numeric or kind == "datetime":
        return [*_NUMERIC_OPS, "empty", "not_empty"]
    return ["contains", "not_contains", "empty", "not_empty"]


def _number(text: Any, column: Column) -> Decimal:
    raw = str(text if text is not None else "").strip().replace(",", "").replace("\u2212", "-")
    percent = raw.endswith("%")
    raw = raw.rstrip("%").strip()
    try:
        value = Decimal(raw)
    except InvalidOperation:
        unit = "a percentage like 2.5" if column.type == "percent" else "a number like 100"
        raise QueryError(f"{column.header}: {text!r} is not {unit}") from None
    if not value.is_finite():
        raise QueryError(f"{column.header}: {text!r} is not a number")
    if column.type == "percent" or percent:
        value = value / 100
    return value


def _day(text: Any, column: Column) -> date:
    try:
        return date.fromisoformat(str(text).strip()[:10])
    except ValueError:
        raise QueryError(f"{column.header}: {text!r} is not a date like 2026-03-01") from None


@dataclass(frozen=True)
class Condition:
    """One condition: `column` (a column key, "" for the row operators), `op` and `value`
    (a tuple of API values for `is`/`is_not`, a (low, high) pair for `between`, text for the
    others, None when the operator needs none)."""

    column: str
    op: str
    value: Any = None

    def __post_init__(self) -> None:
        if isinstance(self.value, list):
            object.__setattr__(self, "value", tuple(self.value))

    @property
    def column_def(self) -> Column | None:
        return COLUMNS.get(self.column)

    def check(self) -> Condition:
        """This condition if it can be applied; raises `QueryError` saying why not."""
        if self.op in ROW_OPERATORS:
            return self
        column = self.column_def
        if column is None:
            raise QueryError(f"There is no column {self.column!r}")
        if self.op not in OPERATORS or self.op not in operators_for(column):
            raise QueryError(f"{column.header} can't be filtered with {self.op!r}")
        if self.op in _NO_VALUE:
            return self
        if self.op in ("is", "is_not"):
            if not self.value or not isinstance(self.value, tuple):
                raise QueryError(f"{column.header}: choose at least one value")
            return self
        if self.op == "between":
            if not isinstance(self.value, tuple) or len(self.value) != 2:
                raise QueryError(f"{column.header}: give a lower and an upper bound")
            for part in self.value:
                self._bound(column, part)
            return self
        if self.op in _NUMERIC_OPS:
            self._bound(column, self.value)
            return self
        if not str(self.value or "").strip():
            raise QueryError(f"{column.header}: type the text to look for")
        return self

    @staticmethod
    def _bound(column: Column, value: Any) -> Decimal | date:
        return _day(value, column) if column.type == "datetime" else _number(value, column)

    def label(self) -> str:
        """How a chip shows it: "Status is Active or Paused", "Spend > 100"."""
        if self.op in ROW_OPERATORS:
            return ROW_OPERATORS[self.op]
        column = self.column_def
        header = column.header if column else self.column
        if self.op in _NO_VALUE:
            return f"{header} {OPERATORS[self.op]}"
        if self.op in ("is", "is_not"):
            values = " or ".join(humanize(v) for v in self.value or ())
            return f"{header} {OPERATORS[self.op]} {values}"
        if column is not None and column.type == "datetime":
            word = _DATE_WORDS[self.op]
            if self.op == "between":
                return f"{header} {word} {self.value[0]} and {self.value[1]}"
            return f"{header} {word} {self.value}"
        suffix = "%" if column is not None and column.type == "percent" else ""
        if self.op == "between":
            low, high = self.value
            return f"{header} between {low}{suffix} and {high}{suffix}"
        if self.op in ("contains", "not_contains"):
            return f"{header} {OPERATORS[self.op]} “{self.value}”"
        return f"{header} {OPERATORS[self.op]} {self.value}{suffix}"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"column": self.column, "op": self.op}
        if self.value is not None:
            out["value"] = list(self.value) if isinstance(self.value, tuple) else self.value
        return out

    @classmethod
    def from_json(cls, raw: Any) -> Condition:
        """A condition read back (raises `QueryError` when it makes no sense any more)."""
        if not isinstance(raw, Mapping):
            raise QueryError(f"not a condition: {raw!r}")
        value = raw.get("value")
        if isinstance(value, list):
            value = tuple(str(v) for v in value)
        elif value is not None:
            value = str(value)
        return cls(str(raw.get("column") or ""), str(raw.get("op") or ""), value).check()


@dataclass(frozen=True)
class FilterSpec:
    """Free text plus conditions that must all hold."""

    text: str = ""
    conditions: tuple[Condition, ...] = field(default_factory=tuple)

    @property
    def is_empty(self) -> bool:
        return not self.text.strip() and not self.conditions

    def with_condition(self, condition: Condition) -> FilterSpec:
        condition.check()
        if condition in self.conditions:
            return self
        return FilterSpec(self.text, (*self.conditions, condition))

    def without(self, index: int) -> FilterSpec:
        kept = tuple(c for i, c in enumerate(self.conditions) if i != index)
        return FilterSpec(self.text, kept)

    def with_text(self, text: str) -> FilterSpec:
        return FilterSpec(text, self.conditions)

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "conditions": [c.to_json() for c in self.conditions]}

    @classmethod
    def from_json(cls, raw: Any, problems: list[str] | None = None) -> FilterSpec:
        """A spec read back; conditions that no longer make sense are left out (and described
        in `problems` when given), never fatal."""
        if not isinstance(raw, Mapping):
            if raw is not None and problems is not None:
                problems.append("the filter was not readable")
            return cls()
        conditions = []
        for item in raw.get("conditions") or []:
            try:
                conditions.append(Condition.from_json(item))
            except QueryError as exc:
                if problems is not None:
                    problems.append(f"left out a filter condition ({exc})")
        return cls(str(raw.get("text") or ""), tuple(conditions))


# -- the per-generation cache --------------------------------------------------------------

_EMPTY_RANK: Final = 1 << 60  # sorts after every real rank, in both directions


def _key_function(column: Column) -> Callable[[GridRow, Any], Any]:
    """A fast sort key of a value: str, float or None (empty)."""
    kind = column.type
    if kind in ("text", "id"):
        return lambda _row, v: None if v is None or v == "" else str(v).casefold()
    if kind == "enum":
        names: dict[Any, str] = {}

        def enum_key(_row: GridRow, v: Any) -> str | None:
            if v is None or v == "":
                return None
            known = names.get(v)
            if known is None:
                known = names[v] = humanize(v).casefold()
            return known

        return enum_key
    if column.numeric:
        # `v == ""` on a Decimal asks the numbers ABCs about "" (slow ×50,000): test the type
        return lambda _row, v: None if v is None or (v.__class__ is str and not v) else float(v)
    if kind == "datetime":
        return lambda _row, v: None if v is None else v.timestamp()
    if kind == "reach":  # Snap's audience size range: by its lower end
        return lambda _row, v: None if v is None else float(v.minimum)
    if kind == "bid_range":
        return lambda _row, v: None if v is None else float(v.minimum_micro)

    def formatted(row: GridRow, v: Any) -> str | None:
        if v is None or v == "":
            return None
        return column.format(row, v).casefold()

    return formatted


class RowCache:
    """What filtering and sorting need of one list of rows, computed at most once per column."""

    def __init__(self, rows: Sequence[GridRow]) -> None:
        self.rows = rows
        self._values: dict[str, list[Any]] = {}
        self._keys: dict[str, list[Any]] = {}
        self._ranks: dict[str, tuple[list[int], list[int]]] = {}
        self._text: list[str] | None = None
        self._delivery: list[bool] | None = None

    # -- per column ------------------------------------------------------------------------

    def values(self, column: Column) -> list[Any]:
        found = self._values.get(column.key)
        if found is None:
            get = column.get
            found = self._values[column.key] = [get(row) for row in self.rows]
        return found

    def keys(self, column: Column) -> list[Any]:
        found = self._keys.get(column.key)
        if found is None:
            key = _key_function(column)
            values = self.values(column)
            found = self._keys[column.key] = [
                key(row, v) for row, v in zip(self.rows, values, strict=True)
            ]
        return found

    def ranks(self, column: Column) -> tuple[list[int], list[int]]:
        """(ascending, descending) sort keys: equal values share a rank, empties rank last."""
        found = self._ranks.get(column.key)
        if found is not None:
            return found
        keys = self.keys(column)
        filled = [i for i, k in enumerate(keys) if k is not None]
        filled.sort(key=keys.__getitem__)
        up = [_EMPTY_RANK] * len(keys)
        down = [_EMPTY_RANK] * len(keys)
        rank = -1
        previous: Any = object()
        for i in filled:
            k = keys[i]
            if k != previous:
                rank += 1
                previous = k
            up[i] = rank
            down[i] = -rank
        found = self._ranks[column.key] = (up, down)
        return found

    # -- per row ---------------------------------------------------------------------------

    def text(self) -> list[str]:
        """What free text is matched against, casefolded: name, id, parents, account."""
        if self._text is None:
            self._text = [_haystack(row) for row in self.rows]
        return self._text

    def delivery(self) -> list[bool]:
        if self._delivery is None:
            self._delivery = [bool(delivery_issues(row)) for row in self.rows]
        return self._delivery

    def set_values(self, column: Column, values: Sequence[Any]) -> None:
        """`column.get` of each row, in order, computed by the caller (a slice at a time,
        between other work); keys and ranks follow from them when asked."""
        if len(values) != len(self.rows):
            raise ValueError(f"{len(values)} values for {len(self.rows)} rows")
        self._values[column.key] = list(values)
        self._keys.pop(column.key, None)
        self._ranks.pop(column.key, None)

    def adopt(self, column: Column, other: RowCache) -> None:
        """Take what `other` — a cache over the same entities in the same order — computed
        for `column` (values, and keys and ranks when it has them); nothing when it has not
        computed the column."""
        if len(other.rows) != len(self.rows):
            raise ValueError(f"a cache of {len(other.rows)} rows for {len(self.rows)} rows")
        key = column.key
        if key not in other._values:
            return
        self._values[key] = other._values[key]
        self._keys.pop(key, None)
        self._ranks.pop(key, None)
        if key in other._keys:
            self._keys[key] = other._keys[key]
        if key in other._ranks:
            self._ranks[key] = other._ranks[key]

    # -- keeping it current ------------------------------------------------------------------

    def forget(self, *, performance: bool | None = None, keys: Iterable[str] = ()) -> None:
        """Drop what was computed for some columns (all of them by default; the performance
        ones with `performance=True`) or for the given column keys."""
        named = set(keys)
        for store in (self._values, self._keys, self._ranks):
            for key in list(store):
                column = COLUMNS.get(key)
                perf = column.performance if column is not None else False
                if named:
                    drop = key in named
                elif performance is None:
                    drop = True
                else:
                    drop = perf == performance
                if drop:
                    del store[key]
        if not named and not performance:
            self._text = None
            self._delivery = None

    def replaced(self, rows: Sequence[GridRow], changed: Collection[str]) -> RowCache:
        """A cache for `rows` (a reload of these rows) that reuses what was computed for every
        row whose id is not in `changed` and is still there."""
        new = RowCache(rows)
        kept = len(self.rows)
        if len(rows) >= kept and all(
            a.id == b.id for a, b in zip(rows, self.rows, strict=False)
        ):  # the usual case: the same rows in the same order, a few new ones at the end
            self._patch(new, [i for i, row in enumerate(rows) if i >= kept or row.id in changed])
            return new
        position = {row.id: i for i, row in enumerate(self.rows)}
        old_at = [
            (None if row.id in changed else position.get(row.id)) for row in rows
        ]  # fmt: skip
        for key, values in self._values.items():
            column = COLUMNS[key]
            get = column.get
            new._values[key] = [
                get(row) if j is None else values[j] for row, j in zip(rows, old_at, strict=True)
            ]
        for key, keys in self._keys.items():
            column = COLUMNS[key]
            fn = _key_function(column)
            vals = new._values[key]
            new._keys[key] = [
                fn(row, vals[i]) if j is None else keys[j]
                for i, (row, j) in enumerate(zip(rows, old_at, strict=True))
            ]
        if self._text is not None:
            text = self._text
            new._text = [
                _haystack(row) if j is None else text[j]
                for row, j in zip(rows, old_at, strict=True)
            ]
        if self._delivery is not None:
            flags = self._delivery
            new._delivery = [
                bool(delivery_issues(row)) if j is None else flags[j]
                for row, j in zip(rows, old_at, strict=True)
            ]
        return new

    def _patch(self, new: RowCache, redo: Sequence[int]) -> None:
        """Fill `new` (over this cache's rows in the same order, perhaps more at the end) with
        copies of what was computed here, recomputing only the positions in `redo`: copying a
        50,000-item list is C speed; rebuilding it item by item cost 30 ms per column."""
        rows = new.rows
        kept = len(self.rows)
        for key, values in self._values.items():
            get = COLUMNS[key].get
            copy = list(values) + [None] * (len(rows) - kept)
            for i in redo:
                copy[i] = get(rows[i])
            new._values[key] = copy
        for key, keys in self._keys.items():
            fn = _key_function(COLUMNS[key])
            vals = new._values[key]
            copy = list(keys) + [None] * (len(rows) - kept)
            for i in redo:
                copy[i] = fn(rows[i], vals[i])
            new._keys[key] = copy
        if self._text is not None:
            text = list(self._text) + [""] * (len(rows) - kept)
            for i in redo:
                text[i] = _haystack(rows[i])
            new._text = text
        if self._delivery is not None:
            flags = list(self._delivery) + [False] * (len(rows) - kept)
            for i in redo:
                flags[i] = bool(delivery_issues(rows[i]))
            new._delivery = flags
        if not redo:  # nothing changed: the orders still hold
            new._ranks = dict(self._ranks)


def _haystack(row: GridRow) -> str:
    parts = (row.name, row.id, row.campaign_name, row.ad_squad_name, row.account.name)
    return "\x00".join(p for p in parts if p).casefold()


_last: RowCache | None = None


def cache_for(rows: Sequence[GridRow]) -> RowCache:
    """The cache of this very list (the last one asked for is kept)."""
    global _last
    if _last is None or _last.rows is not rows:
        _last = RowCache(rows)
    return _last


# -- filtering -----------------------------------------------------------------------------


def apply(
    rows: Sequence[GridRow],
    spec: FilterSpec,
    *,
    issues: Mapping[str, Collection[str]] | None = None,
    cache: RowCache | None = None,
) -> list[int]:
    """Positions of the rows that pass `spec`, in load order. `issues` maps an entity id to
    the severities Check changes found in it ("error", "warning")."""
    cache = cache if cache is not None and cache.rows is rows else cache_for(rows)
    shown: list[int] = list(range(len(rows)))
    words = spec.text.casefold().split()
    if words:
        text = cache.text()
        for word in words:
            shown = [i for i in shown if word in text[i]]
    for condition in spec.conditions:
        if not shown:
            break
        shown = _filter(rows, shown, condition, cache, issues or {})
    return shown


def _filter(
    rows: Sequence[GridRow],
    shown: list[int],
    condition: Condition,
    cache: RowCache,
    issues: Mapping[str, Collection[str]],
) -> list[int]:
    op = condition.op
    if op == "delivery_issue":
        flags = cache.delivery()
        return [i for i in shown if flags[i]]
    if op == "pending":
        marks = set(condition.value or ()) or None
        return [i for i in shown if rows[i].mark and (marks is None or rows[i].mark in marks)]
    if op in ("check_error", "check_warning"):
        severity = "error" if op == "check_error" else "warning"
        return [i for i in shown if severity in issues.get(rows[i].id, ())]
    column = condition.column_def
    if column is None:
        return shown
    values = cache.values(column)
    if op == "empty":
        return [i for i in shown if values[i] is None or values[i] == "" or values[i] == []]
    if op == "not_empty":
        return [i for i in shown if not (values[i] is None or values[i] == "" or values[i] == [])]
    if op in ("is", "is_not"):
        wanted = {str(v).upper() for v in condition.value or ()}
        if column.type == "list":

            def hit(v: Any) -> bool:
                return bool(v) and any(str(x).upper() in wanted for x in v)
        else:

            def hit(v: Any) -> bool:
                return v is not None and str(v).upper() in wanted

        keep = op == "is"
        return [i for i in shown if hit(values[i]) is keep]
    if op in ("contains", "not_contains"):
        needle = str(condition.value or "").casefold()
        if column.type in ("text", "id"):
            texts = [None if v is None else str(v).casefold() for v in values]

            def has(i: int) -> bool:
                t = texts[i]
                return t is not None and needle in t
        else:

            def has(i: int) -> bool:
                v = values[i]
                if v is None or v == "":
                    return False
                shown_text = column.format(rows[i], v).casefold()
                raw = " ".join(str(x) for x in v).casefold() if column.type == "list" else ""
                return needle in shown_text or needle in raw

        keep = op == "contains"
        if keep:
            return [i for i in shown if has(i)]
        # "doesn't contain" keeps empty cells: they don't contain it
        return [i for i in shown if not has(i)]
    if column.type == "datetime":
        return _filter_days(rows, shown, condition, column, values)
    return _filter_numbers(shown, condition, column, values)


def _compare(op: str, bounds: Sequence[Any]) -> Callable[[Any], bool]:
    low = bounds[0]
    if op == "gt":
        return lambda v: v > low
    if op == "ge":
        return lambda v: v >= low
    if op == "lt":
        return lambda v: v < low
    if op == "le":
        return lambda v: v <= low
    if op == "eq":
        return lambda v: v == low
    high = bounds[1]
    if high < low:
        low, high = high, low
    return lambda v: low <= v <= high


def _bounds(condition: Condition, column: Column) -> list[Any]:
    parts = condition.value if condition.op == "between" else (condition.value,)
    return [Condition._bound(column, part) for part in parts]


def _filter_numbers(
    shown: list[int], condition: Condition, column: Column, values: list[Any]
) -> list[int]:
    test = _compare(condition.op, _bounds(condition, column))
    out = []
    for i in shown:
        v = values[i]
        if v is None:
            continue
        cls = v.__class__
        if cls is not Decimal and cls is not int:  # (not `v == ""`: slow on a Decimal)
            if cls is str and not v:
                continue
            v = Decimal(str(v))
        if test(v):
            out.append(i)
    return out


def _filter_days(
    rows: Sequence[GridRow],
    shown: list[int],
    condition: Condition,
    column: Column,
    values: list[Any],
) -> list[int]:
    test = _compare(condition.op, _bounds(condition, column))
    out = []
    for i in shown:
        v = values[i]
        if not isinstance(v, datetime):
            continue
        local = date.fromisoformat(format_local(v, rows[i].account.timezone)[:10])
        if test(local):
            out.append(i)
    return out


# -- sorting -------------------------------------------------------------------------------


def sort(
    rows: Sequence[GridRow],
    indices: Sequence[int],
    column: Column | str,
    descending: bool = False,
    *,
    cache: RowCache | None = None,
) -> list[int]:
    """`indices` ordered by `column` (stable; empty cells last in both directions)."""
    if isinstance(column, str):
        column = COLUMNS[column]
    cache = cache if cache is not None and cache.rows is rows else cache_for(rows)
    up, down = cache.ranks(column)
    return sorted(indices, key=(down if descending else up).__getitem__)
