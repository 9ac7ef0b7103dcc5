"""The targeting catalogues: fetched page by page, cached in SQLite, searched locally.

Snap has no known server-side name search on these lists (reference/snap-targeting.md §1.1
[CODE CES filters client-side; GUESS no `q=`]), so a list is paged once, kept for `ttl`, and the
editor's pickers search the cached copy. An expired list is still served when Snap can't be
reached (`stale=True`).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from snapdesk.api import SnapApi, SnapError
from snapdesk.store import Store
from snapdesk.targeting.dimensions import DIMENSIONS

__all__ = [
    "COUNTRY_ALIASES",
    "CachedOptions",
    "TargetingCatalog",
    "TargetingOption",
    "option_from_item",
    "utcnow",
]

# Codes people type that aren't the ISO-2 code: the docs' examples target the United Kingdom as
# "uk" [DOC example 4, ad-squad-outcomes example]; the editor emits "gb".
COUNTRY_ALIASES: Mapping[str, str] = {"uk": "gb"}

_NO_COUNTRY = ""  # the fetch record's key for lists that aren't per country


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class TargetingOption:
    dimension: str  # a key of DIMENSIONS
    id: str  # what goes into the targeting object
    name: str  # what the user reads
    country: str | None = None  # lowercase ISO-2 for country-scoped lists
    path: str | None = None  # interests: "/Foodies/Coffee Lovers"
    parent_id: str | None = None  # interests tree (parent_id or parentId in the raw item)
    # the raw item; left out of the hash so options can go in sets and be dict keys
    extra: Mapping[str, Any] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class CachedOptions:
    dimension: str
    country: str | None
    options: tuple[TargetingOption, ...]
    fetched_at: datetime
    stale: bool  # older than the catalogue's ttl (still usable offline)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _sub(item: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = item.get(key)
    return value if isinstance(value, Mapping) else {}


def _iso2(country: Mapping[str, Any]) -> str | None:
    """Which of `code`/`code2` holds the ISO-2 code is unverified (§1.2): take the two-letter one."""
    for key in ("code", "code2", "country_code", "iso2"):
        code = _text(country.get(key))
        if code and len(code) == 2 and code.isalpha():
            return code.lower()
    return None


def option_from_item(
    dimension: str, item: Mapping[str, Any], country: str | None = None
) -> TargetingOption | None:
    """A catalogue item in its raw shape (§1.2) as an option; None if it has no usable id."""
    raw = dict(item)
    if dimension == "country":
        inner = _sub(item, "country") or item
        code = _iso2(inner)
        name = _text(inner.get("name")) or (code.upper() if code else None)
        if code is None or name is None:
            return None
        return TargetingOption(dimension, code, name, country=code, extra=raw)
    if dimension in ("region", "metro"):
        inner = _sub(item, dimension) or item
        ident = _text(inner.get("id"))
        if ident is None:
            return None
        scope = _iso2(_sub(item, "country")) or country
        name = _text(inner.get("name")) or ident
        return TargetingOption(dimension, ident, name, country=scope, extra=raw)
    if dimension == "postal_code":
        inner = _sub(item, "postal_code") or item
        code = _text(
            inner.get("postalCode") or inner.get("postal_code") or inner.get("id")
        )  # raw key is camelCase `postalCode` (§1.2 [CODE Singer decamelizes])
        if code is None:
            return None
        scope = _iso2(_sub(item, "country")) or country
        return TargetingOption(dimension, code, code, country=scope, extra=raw)
    ident = _text(item.get("id"))
    name = _text(item.get("name"))
    if dimension == "os_version" and ident is None:
        ident = name
    if ident is None:
        return None
    parent = _text(item.get("parent_id", item.get("parentId")))  # §1.2: both casings seen
    return TargetingOption(
        dimension,
        ident,
        name or ident,
        country=country,
        path=_text(item.get("path")),
        parent_id=parent,
        extra=raw,
    )


def fold(text: str) -> str:
    """Case- and accent-insensitive form: "Zürich" and "zurich" fold alike."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().strip()


def _words(folded: str) -> list[str]:
    out, word = [], []
    for ch in folded:
        if ch.isalnum():
            word.append(ch)
        elif word:
            out.append("".join(word))
            word = []
    if word:
        out.append("".join(word))
    return out


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


@dataclass(frozen=True)
class _Index:
    """Folded texts of one cached list (search runs per keystroke over up to ~50,000 postal
    codes, so folding is done once per list) and its options by id."""

    options: tuple[TargetingOption, ...]
    folded: tuple[tuple[str, str, str, tuple[str, ...]], ...]  # id, name, path, name's words
    by_id: Mapping[str, TargetingOption]

    @classmethod
    def build(cls, options: tuple[TargetingOption, ...]) -> _Index:
        folded = []
        by_id: dict[str, TargetingOption] = {}
        for opt in options:
            name = fold(opt.name)
            folded.append((fold(opt.id), name, fold(opt.path or ""), tuple(_words(name))))
            by_id.setdefault(opt.id, opt)
        return cls(options, tuple(folded), by_id)


class TargetingCatalog:
    """Cached targeting catalogues for the editor (any thread may read; loads are async)."""

    def __init__(
        self,
        store: Store,
        *,
        ttl: timedelta = timedelta(days=7),
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._store = store
        self.ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        # (dimension, country key) -> (fetched_at text, options); dropped when a load replaces it
        self._memo: dict[tuple[str, str], tuple[str, tuple[TargetingOption, ...]]] = {}
        # options tuple (by identity) -> its search index, built on the first search or lookup
        self._indexes: dict[tuple[str, str | None], _Index] = {}

    # -- reading ---------------------------------------------------------------------------

    @staticmethod
    def _country_key(dimension: str, country: str | None) -> str:
        if dimension not in DIMENSIONS:
            raise ValueError(f"unknown targeting dimension {dimension!r}")
        if dimension == "country" or not country:
            if DIMENSIONS[dimension].country_scoped:
                raise ValueError(f"the {dimension} list needs a country")
            return _NO_COUNTRY
        code = country.strip().lower()
        return COUNTRY_ALIASES.get(code, code)

    def cached(self, dimension: str, country: str | None = None) -> CachedOptions | None:
        """The cached list (None if it was never loaded). Sync; safe from any thread."""
        key = self._country_key(dimension, country)
        conn = self._store.reader()
        row = conn.execute(
            "SELECT fetched_at FROM targeting_fetches WHERE dimension = ? AND country = ?",
            (dimension, key),
        ).fetchone()
        if row is None:
            return None
        fetched_text = str(row[0])
        with self._lock:
            memo = self._memo.get((dimension, key))
        if memo is None or memo[0] != fetched_text:
            rows = conn.execute(
                "SELECT data FROM targeting_options WHERE dimension = ? AND country = ? "
                "ORDER BY seq",
                (dimension, key),
            ).fetchall()
            options = tuple(
                opt
                for (data,) in rows
                if (opt := option_from_item(dimension, json.loads(data), key or None)) is not None
            )
            with self._lock:
                self._memo[(dimension, key)] = (fetched_text, options)
        else:
            options = memo[1]
        fetched_at = datetime.fromisoformat(fetched_text)
        return CachedOptions(
            dimension=dimension,
            country=key or None,
            options=options,
            fetched_at=fetched_at,
            stale=self._clock() - fetched_at >= self.ttl,
        )

    def cached_countries(self, dimension: str) -> list[str]:
        """The countries a country-scoped list is cached for."""
        rows = self._store.reader().execute(
            "SELECT country FROM targeting_fetches WHERE dimension = ? AND country != '' "
            "ORDER BY country",
            (dimension,),
        )
        return [str(r[0]) for r in rows]

    # -- loading ---------------------------------------------------------------------------

    async def load(
        self, api: SnapApi, dimension: str, country: str | None = None, *, force: bool = False
    ) -> CachedOptions:
        """The list, fetched unless a fresh copy is cached (or `force`).

        Pages the endpoint (1000 a page; 10000 for postal codes) and replaces the cached list
        in one transaction. If Snap fails and a copy is cached, that copy comes back (flagged
        `stale`); without one the `SnapError` is raised.
        """
        key = self._country_key(dimension, country)
        current = self.cached(dimension, key or None)
        if current is not None and not current.stale and not force:
            return current
        try:
            items = [dict(item) async for item in api.targeting.options(dimension, key or None)]
        except SnapError:
            if current is not None:
                return CachedOptions(
                    dimension=current.dimension,
                    country=current.country,
                    options=current.options,
                    fetched_at=current.fetched_at,
                    stale=True,
                )
            raise
        fetched_at = _iso(self._clock())
        rows = []
        for seq, item in enumerate(items):
            opt = option_from_item(dimension, item, key or None)
            if opt is None:
                continue
            rows.append((dimension, key, seq, opt.id, opt.name, json.dumps(item), fetched_at))

        def replace(conn: sqlite3.Connection) -> None:
            conn.execute(
                "DELETE FROM targeting_options WHERE dimension = ? AND country = ?",
                (dimension, key),
            )
            conn.executemany(
                "INSERT INTO targeting_options "
                "(dimension, country, seq, id, name, data, fetched_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            conn.execute(
                "INSERT INTO targeting_fetches (dimension, country, fetched_at, count) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (dimension, country) DO UPDATE SET "
                "fetched_at = excluded.fetched_at, count = excluded.count",
                (dimension, key, fetched_at, len(rows)),
            )

        await self._store.awrite(replace)
        result = self.cached(dimension, key or None)
        assert result is not None
        return result

    # -- looking up ------------------------------------------------------------------------

    def _lists(self, dimension: str, countries: Sequence[str] | None) -> list[CachedOptions]:
        if DIMENSIONS[dimension].country_scoped:
            wanted = (
                [self._country_key(dimension, c) for c in countries]
                if countries
                else self.cached_countries(dimension)
            )
        elif countries and dimension != "country":
            wanted = [self._country_key(dimension, c) for c in countries]
        else:
            wanted = [_NO_COUNTRY]
        lists = []
        for code in dict.fromkeys(wanted):
            found = self.cached(dimension, code or None)
            if found is None and code and not DIMENSIONS[dimension].country_scoped:
                found = self.cached(dimension, None)  # a list not fetched per country
            if found is not None:
                lists.append(found)
        return lists

    def _index(self, cached: CachedOptions) -> _Index:
        key = (cached.dimension, cached.country)
        with self._lock:
            index = self._indexes.get(key)
        if index is None or index.options is not cached.options:
            index = _Index.build(cached.options)
            with self._lock:
                self._indexes[key] = index
        return index

    def search(
        self,
        text: str,
        *,
        dimensions: Sequence[str],
        countries: Sequence[str] | None = None,
        limit: int = 50,
    ) -> list[TargetingOption]:
        """Cached options matching `text`, best first.

        Case- and accent-insensitive. An exact id or code match ranks first ("gb", and "uk" for
        the United Kingdom), then names starting with the text, then names with a word starting
        with it, then ids starting with it ("941" -> postal codes 941xx), then any substring.
        """
        needle = fold(text)
        if not needle or limit <= 0:
            return []
        alias = COUNTRY_ALIASES.get(needle)
        scored: list[tuple[int, int, str, int, TargetingOption]] = []
        order = 0
        seen: set[tuple[str, str, str | None]] = set()
        for dimension in dimensions:
            for cached in self._lists(dimension, countries):
                index = self._index(cached)
                for opt, (ident, name, path, words) in zip(
                    index.options, index.folded, strict=True
                ):
                    order += 1
                    if needle not in ident and needle not in name and needle not in path:
                        if alias is None or ident != alias:
                            continue
                    if ident == needle or (alias is not None and ident == alias):
                        rank = 0
                    elif name == needle:
                        rank = 1
                    elif name.startswith(needle):
                        rank = 2
                    elif any(w.startswith(needle) for w in words):
                        rank = 3
                    elif ident.startswith(needle):
                        rank = 4
                    elif needle in name or needle in path:
                        rank = 5
                    else:
                        rank = 6
                    marker = (opt.dimension, opt.id, opt.country)
                    if marker in seen:
                        continue
                    seen.add(marker)
                    scored.append((rank, len(name), name, order, opt))
        scored.sort(key=lambda s: (s[0], s[1], s[2], s[3]))
        return [s[4] for s in scored[:limit]]

    def option(self, dimension: str, id: str, country: str | None = None) -> TargetingOption | None:
        """The cached option for an id (to show names for the ids in a squad's targeting)."""
        wanted = str(id).strip()
        if dimension == "country":
            wanted = COUNTRY_ALIASES.get(wanted.lower(), wanted.lower())
        countries = [country] if country else None
        for cached in self._lists(dimension, countries):
            found = self._index(cached).by_id.get(wanted)
            if found is not None:
                return found
        return None

    def children(
        self, dimension: str, parent_id: str | None, *, country: str | None = None
    ) -> list[TargetingOption]:
        """Interest tree browsing: the options directly under `parent_id`.

        `None` (or the SLC root "SLC_0") gives the top level: items whose parent isn't in the
        list (the SLC tree hangs off `SLC_0` [CODE OQ8]; `dlxc` items have no parent [§1.2]).
        """
        lists = self._lists(dimension, [country] if country else None)
        if not lists:
            return []
        options = lists[0].options
        if parent_id is None or parent_id == "SLC_0" or parent_id == "":
            ids = {o.id for o in options}
            return [o for o in options if not o.parent_id or o.parent_id not in ids]
        return [o for o in options if o.parent_id == parent_id]
