"""Saved views of the grid: columns (and their widths), filters, sort and date range, by name.

    views = ViewStore.for_paths(paths)      # <config_dir>/grid_views.json
    views.save(SavedView(name="Big spenders", level=AD, columns=("name", "stats_spend"),
                         filters=FilterSpec(conditions=(Condition("stats_spend", "gt", "100"),)),
                         sort=("stats_spend", True), date_range=DateRange.of("last_7")))
    views.get("Big spenders")

The file is JSON, written atomically (a crash never leaves half of it). Reading never fails: a
file that is not JSON, or not the shape this version writes, is kept beside it as
`grid_views.json.bad-<time>` and the views start from what could be read; a view naming columns
that no longer exist loses those columns (and filter conditions) and says so in `messages`.
Names are unique regardless of case; saving under a taken name replaces that view.
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from snapdesk.config import Paths
from snapdesk.core.outputs import write_text
from snapdesk.grid.columns import columns_for, default_visible
from snapdesk.grid.perf import DateRange
from snapdesk.grid.query import FilterSpec
from snapdesk.grid.rows import LEVEL_KINDS

__all__ = ["VIEWS_FILE", "SavedView", "ViewStore"]

log = logging.getLogger(__name__)

VIEWS_FILE: Final = "grid_views.json"
VERSION: Final = 1
MAX_NAME: Final = 80


@dataclass(frozen=True)
class SavedView:
    """One named view. `sort` is (column key, descending) or None; `widths` column key →
    pixels (columns not named keep their default width)."""

    name: str
    level: str
    columns: tuple[str, ...]
    filters: FilterSpec = field(default_factory=FilterSpec)
    sort: tuple[str, bool] | None = None
    date_range: DateRange = field(default_factory=DateRange)
    widths: Mapping[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "level": self.level,
            "columns": list(self.columns),
            "widths": dict(self.widths),
            "filters": self.filters.to_json(),
            "sort": {"column": self.sort[0], "descending": self.sort[1]} if self.sort else None,
            "date_range": self.date_range.to_json(),
        }

    @classmethod
    def from_json(cls, raw: Any, problems: list[str] | None = None) -> SavedView:
        """A view read back; raises ValueError when it can't be one (no name, unknown level).
        Parts that no longer make sense are left out and described in `problems`."""
        notes: list[str] = []
        if not isinstance(raw, Mapping):
            raise ValueError("not a view")
        name = str(raw.get("name") or "").strip()[:MAX_NAME]
        if not name:
            raise ValueError("a view without a name")
        level = str(raw.get("level") or "")
        if level not in LEVEL_KINDS:
            raise ValueError(f"view “{name}”: unknown level {level!r}")
        allowed = {c.key for c in columns_for(level)}
        raw_columns = raw.get("columns")
        columns = [str(c) for c in raw_columns] if isinstance(raw_columns, list) else []
        kept = tuple(dict.fromkeys(c for c in columns if c in allowed))
        if len(kept) < len(columns):
            gone = [c for c in columns if c not in allowed]
            notes.append(
                f"left out unknown column{'s' if len(gone) != 1 else ''} {', '.join(gone)}"
            )
        if not kept:
            kept = tuple(default_visible(level))
        widths: dict[str, int] = {}
        raw_widths = raw.get("widths")
        if isinstance(raw_widths, Mapping):
            for key, value in raw_widths.items():
                if key in allowed and isinstance(value, int) and not isinstance(value, bool):
                    widths[str(key)] = max(24, min(int(value), 2000))
        filter_notes: list[str] = []
        filters = FilterSpec.from_json(raw.get("filters"), filter_notes)
        usable = [
            c for c in filters.conditions if not c.column or (c.column in allowed)
        ]  # fmt: skip
        if len(usable) < len(filters.conditions):
            filter_notes.append("left out filter conditions on columns this level doesn't have")
            filters = FilterSpec(filters.text, tuple(usable))
        notes.extend(filter_notes)
        sort = None
        raw_sort = raw.get("sort")
        if isinstance(raw_sort, Mapping) and raw_sort.get("column"):
            key = str(raw_sort["column"])
            if key in allowed:
                sort = (key, bool(raw_sort.get("descending")))
            else:
                notes.append(f"sorted by {key}, which no longer exists")
        date_range = DateRange.from_json(
            raw.get("date_range") if isinstance(raw.get("date_range"), Mapping) else None
        )
        if problems is not None:
            problems.extend(f"view “{name}”: {note}" for note in notes)
        return cls(name, level, kept, filters, sort, date_range, widths)


def _key(name: str) -> str:
    return name.strip().casefold()


class ViewStore:
    """The saved views in one JSON file. `messages` says what was wrong with the file when it
    was read (shown once to the user); nothing here ever raises for a bad file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.messages: list[str] = []
        self._views: list[SavedView] = []
        self.reload()

    @classmethod
    def for_paths(cls, paths: Paths) -> ViewStore:
        return cls(paths.config_dir / VIEWS_FILE)

    # -- reading -------------------------------------------------------------------------

    def reload(self) -> None:
        self.messages = []
        self._views = []
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return
        except (OSError, UnicodeDecodeError) as exc:
            self._bad(f"couldn't be read ({exc})")
            return
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as exc:
            self._bad(f"is not valid JSON (line {exc.lineno})")
            return
        if isinstance(raw, list):  # the first format: a bare list of views
            items: Any = raw
        elif isinstance(raw, Mapping) and isinstance(raw.get("views"), list):
            items = raw["views"]
            version = raw.get("version")
            if isinstance(version, int) and version > VERSION:
                self._bad(f"was written by a newer snapdesk (format {version})", keep=True)
        else:
            self._bad("is not a list of views")
            return
        problems: list[str] = []
        seen: set[str] = set()
        for item in items:
            try:
                view = SavedView.from_json(item, problems)
            except ValueError as exc:
                problems.append(f"left out {exc}")
                continue
            if _key(view.name) in seen:
                continue
            seen.add(_key(view.name))
            self._views.append(view)
        if problems:
            self._backup()
            self.messages.extend(problems)

    def _bad(self, why: str, *, keep: bool = False) -> None:
        backup = self._backup()
        where = f"; it was kept as {backup.name}" if backup else ""
        rest = "" if keep else " and saved views start empty"
        self.messages.append(f"{self.path.name} {why}{where}{rest}")
        log.warning("saved views: %s %s", self.path, why)

    def _backup(self) -> Path | None:
        """Copy the file as it is beside it (once per read), so a later save loses nothing."""
        if not self.path.exists():
            return None
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        target = self.path.with_name(f"{self.path.name}.bad-{stamp}")
        if target.exists():
            return target
        try:
            shutil.copy2(self.path, target)
        except OSError as exc:
            log.warning("couldn't keep a copy of %s: %s", self.path, exc)
            return None
        return target

    # -- the views -----------------------------------------------------------------------

    def views(self, level: str | None = None) -> list[SavedView]:
        """By name (case-insensitive), of one level or all."""
        found = [v for v in self._views if level is None or v.level == level]
        return sorted(found, key=lambda v: _key(v.name))

    def get(self, name: str) -> SavedView | None:
        return next((v for v in self._views if _key(v.name) == _key(name)), None)

    def save(self, view: SavedView) -> None:
        """Add the view (replacing one of the same name) and write the file; raises
        `OutputWriteError` when the file can't be written (the views in memory are kept)."""
        name = view.name.strip()
        if not name:
            raise ValueError("Give the view a name")
        if len(name) > MAX_NAME:
            raise ValueError(f"A view name has at most {MAX_NAME} characters")
        kept = [v for v in self._views if _key(v.name) != _key(name)]
        self._views = [*kept, view]
        self._write()

    def delete(self, name: str) -> bool:
        before = len(self._views)
        self._views = [v for v in self._views if _key(v.name) != _key(name)]
        if len(self._views) == before:
            return False
        self._write()
        return True

    def _write(self) -> None:
        data = {"version": VERSION, "views": [v.to_json() for v in self.views()]}
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
        write_text(self.path, text, private=True, shown=str(self.path))
