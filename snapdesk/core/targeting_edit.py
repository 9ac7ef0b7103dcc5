"""Reading the parts of an ad squad's `targeting` a person edits, and writing them back so that
everything else stays exactly as Snap sent it.

Each part (locations, demographics, interests, devices, audiences) is read into plain values
(`read_*`) and written back (`write_*`) into a copy of the original object. A part whose values
didn't change comes back as the original list, untouched (same entries, same key order, same
value types: ages stay the strings or integers they were); a changed part changes only the
entries and keys it must. Keys the editor doesn't show (`locations`, `app_install_states`,
`regulated_content`, `enable_targeting_expansion`, `auto_expansion_options`, unknown ones) are
never touched. Snap's semantics (snap-targeting.md §2): objects in a list are ORed, a missing
`operation` means INCLUDE, zip lists are one geos entry per postal code (Ads Manager's shape).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

INCLUDE: Final = "INCLUDE"
EXCLUDE: Final = "EXCLUDE"
COUNTRY: Final = "country"
REGION: Final = "region"
METRO: Final = "metro"
POSTAL_CODE: Final = "postal_code"
#: geos entry list key of each sub-country place kind
GEO_LISTS: Final = {REGION: "region_id", METRO: "metro_id", POSTAL_CODE: "postal_code"}
_GEO_KEYS: Final = frozenset({"country_code", "operation", *GEO_LISTS.values()})
_AGE: Final = re.compile(r"^\s*(\d{1,3})\s*\+?\s*$")

Json = dict[str, Any]


def operation_of(entry: Mapping[str, Any]) -> str:
    """A missing operation is INCLUDE (the API doesn't add it)."""
    value = entry.get("operation")
    return INCLUDE if value is None else str(value)


# -- locations -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """One chosen location: a whole country, or a region, metro or postal code in one."""

    kind: str  # COUNTRY, REGION, METRO or POSTAL_CODE
    country: str  # lowercase ISO-2
    id: str  # the country code for a country; else the catalogue id / the postal code
    operation: str = INCLUDE

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.kind, self.country, self.id)


@dataclass(frozen=True)
class Locations:
    """The places of `geos`, and the entries snapdesk can't show as places (kept as is)."""

    places: tuple[Place, ...] = ()
    opaque: tuple[Json, ...] = ()


def _understood_geo(entry: Any) -> bool:
    if not isinstance(entry, Mapping) or not isinstance(entry.get("country_code"), str):
        return False
    if not set(entry) <= _GEO_KEYS or operation_of(entry) not in (INCLUDE, EXCLUDE):
        return False
    return all(isinstance(entry.get(k, []), list) for k in GEO_LISTS.values())


def _places_of_entry(entry: Mapping[str, Any]) -> list[Place]:
    country = str(entry["country_code"]).lower()
    operation = operation_of(entry)
    out = []
    for kind, key in GEO_LISTS.items():
        for value in entry.get(key) or []:
            out.append(Place(kind, country, str(value), operation))
    if not out:
        out.append(Place(COUNTRY, country, country, operation))
    return out


def read_locations(targeting: Mapping[str, Any] | None) -> Locations:
    places: dict[tuple[str, str, str], Place] = {}
    opaque = []
    for entry in (targeting or {}).get("geos") or []:
        if not _understood_geo(entry):
            opaque.append(entry)
            continue
        for place in _places_of_entry(entry):
            places.setdefault(place.key, place)
    return Locations(tuple(places.values()), tuple(opaque))


def write_locations(original: Sequence[Any] | None, places: Iterable[Place]) -> list[Any]:
    """The geos list for `places` (the chosen places, in the order they were chosen), starting
    from `original`: unchanged places keep their entries; removed ones leave their entry (an
    entry with nothing left goes); new postal codes get an entry each, new regions and metros
    join an entry of their country and operation (or make one), new countries get one."""
    original = list(original or [])
    chosen = {p.key: p for p in places}
    before = read_locations({"geos": original})
    if {(p.key, p.operation) for p in before.places} == {
        (p.key, p.operation) for p in chosen.values()
    }:
        return copy.deepcopy(original)
    placed: set[tuple[str, str, str]] = set()
    out: list[Any] = []
    spare: list[Json] = []  # emptied country entries: containers for the country's new places
    for entry in original:
        if not _understood_geo(entry):
            out.append(copy.deepcopy(entry))
            continue
        own = _places_of_entry(entry)
        kept = [p for p in own if p.key in chosen and chosen[p.key].operation == p.operation]
        placed.update(p.key for p in kept)
        if len(kept) == len(own):
            out.append(copy.deepcopy(entry))
            continue
        if not kept:
            if own[0].kind == COUNTRY:
                spare.append(copy.deepcopy(entry))
            continue
        trimmed = copy.deepcopy(entry)
        for kind, key in GEO_LISTS.items():
            if key in trimmed:
                ids = {p.id for p in kept if p.kind == kind}
                trimmed[key] = [v for v in trimmed[key] if str(v) in ids]
                if not trimmed[key]:
                    del trimmed[key]
        out.append(trimmed)
    for place in chosen.values():
        if place.key in placed:
            continue
        placed.add(place.key)
        if place.kind == COUNTRY:
            out.append({"country_code": place.country, "operation": place.operation})
            continue
        key = GEO_LISTS[place.kind]
        if place.kind != POSTAL_CODE:
            target = _container(out, place, key)
            if target is not None:
                target.setdefault(key, []).append(place.id)
                continue
        reuse = next(
            (
                s
                for s in spare
                if str(s["country_code"]).lower() == place.country
                and operation_of(s) == place.operation
            ),
            None,
        )
        if reuse is not None:
            spare.remove(reuse)
            reuse[key] = [place.id]
            reuse.setdefault("operation", place.operation)
            out.append(reuse)
        else:
            out.append(
                {"country_code": place.country, key: [place.id], "operation": place.operation}
            )
    return out


def _container(entries: list[Any], place: Place, key: str) -> Json | None:
    """An entry the new region/metro joins: same country and operation, holding only that
    list (no postal codes, which are one entry each)."""
    for entry in entries:
        if not _understood_geo(entry) or entry is None:
            continue
        if str(entry["country_code"]).lower() != place.country:
            continue
        if operation_of(entry) != place.operation or entry.get("postal_code"):
            continue
        lists = {k for k in GEO_LISTS.values() if entry.get(k)}
        if lists == {key}:
            result: Json = entry
            return result
    return None


# -- demographics --------------------------------------------------------------------------------


def parse_age(value: Any) -> int | None:
    """18, "18", "55+" → the age; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        match = _AGE.match(value)
        if match:
            return int(match.group(1))
    return None


def same_age(a: Any, b: Any) -> bool:
    """Ages equal as ages ("54" and 54; "55" and "55+"); unparseable ones equal as text."""
    if a is None or b is None:
        return a is None and b is None
    pa, pb = parse_age(a), parse_age(b)
    if pa is None or pb is None:
        return str(a) == str(b)
    return pa == pb


@dataclass(frozen=True)
class Demographics:
    """The main demographics entry (the first INCLUDE one) as the editor shows it. Ages are
    the raw values (strings or integers as Snap sent them)."""

    min_age: Any = None
    max_age: Any = None
    gender: str | None = None
    languages: tuple[str, ...] = ()
    others: int = 0  # further demographics entries (kept as is)


def _main_demographic_index(entries: Sequence[Any]) -> int | None:
    for index, entry in enumerate(entries):
        if isinstance(entry, Mapping) and operation_of(entry) == INCLUDE:
            return index
    return None


def read_demographics(targeting: Mapping[str, Any] | None) -> Demographics:
    entries = list((targeting or {}).get("demographics") or [])
    index = _main_demographic_index(entries)
    if index is None:
        return Demographics(others=len(entries))
    main = entries[index]
    languages = main.get("languages")
    return Demographics(
        min_age=main.get("min_age"),
        max_age=main.get("max_age"),
        gender=None if main.get("gender") is None else str(main.get("gender")),
        languages=tuple(str(x) for x in languages) if isinstance(languages, list) else (),
        others=len(entries) - 1,
    )


def write_demographics(original: Sequence[Any] | None, wanted: Demographics) -> list[Any]:
    """The demographics list with the main entry showing `wanted`; the keys whose value is the
    same (as ages, as a set of languages) keep their original value and type."""
    entries = copy.deepcopy(list(original or []))
    index = _main_demographic_index(entries)
    main: Json = entries[index] if index is not None else {}
    now = read_demographics({"demographics": entries})
    changed = False
    for key in ("min_age", "max_age"):
        if not same_age(getattr(now, key), getattr(wanted, key)):
            _put(main, key, getattr(wanted, key))
            changed = True
    if now.gender != wanted.gender:
        _put(main, "gender", wanted.gender)
        changed = True
    if set(now.languages) != set(wanted.languages):
        _put(main, "languages", list(wanted.languages))
        changed = True
    if not changed:
        return entries
    if index is None:
        entries.insert(0, main)
    elif not any(k != "operation" for k in main):
        entries.pop(index)  # nothing left to say: the entry goes
    return entries


# -- interests and audiences ---------------------------------------------------------------------


def read_ids(targeting: Mapping[str, Any] | None, key: str, id_key: str) -> dict[str, list[str]]:
    """Ids by operation of a list of `{<id_key>: [...], operation}` entries (interests,
    segments), in order, without duplicates."""
    out: dict[str, list[str]] = {INCLUDE: [], EXCLUDE: []}
    for entry in (targeting or {}).get(key) or []:
        if not isinstance(entry, Mapping) or not isinstance(entry.get(id_key), list):
            continue
        ids = out.setdefault(operation_of(entry), [])
        for value in entry[id_key]:
            if str(value) not in ids:
                ids.append(str(value))
    return out


def write_ids(
    original: Sequence[Any] | None, id_key: str, wanted: Mapping[str, Sequence[str]]
) -> list[Any]:
    """The list with exactly the `wanted` ids per operation (INCLUDE/EXCLUDE; other operations
    are kept as they are): removed ids leave their entries (an empty entry goes), new ones join
    the first entry of their operation or make one."""
    entries = copy.deepcopy(list(original or []))
    before = read_ids({"l": entries}, "l", id_key)
    if all(set(before.get(op, [])) == set(wanted.get(op, [])) for op in (INCLUDE, EXCLUDE)):
        return entries
    out: list[Any] = []
    present: dict[str, set[str]] = {INCLUDE: set(), EXCLUDE: set()}
    first: dict[str, Json] = {}
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get(id_key), list):
            out.append(entry)
            continue
        op = operation_of(entry)
        if op not in (INCLUDE, EXCLUDE):
            out.append(entry)
            continue
        keep = set(wanted.get(op, []))
        entry[id_key] = [v for v in entry[id_key] if str(v) in keep]
        present[op].update(str(v) for v in entry[id_key])
        if entry[id_key]:
            out.append(entry)
            first.setdefault(op, entry)
    for op in (INCLUDE, EXCLUDE):
        new = [i for i in dict.fromkeys(wanted.get(op, [])) if i not in present[op]]
        if not new:
            continue
        if op in first:
            first[op][id_key].extend(new)
        else:
            out.append({id_key: new, "operation": op})
    return out


# -- devices -------------------------------------------------------------------------------------

DEVICE_KEYS: Final = (
    "os_type",
    "os_version_min",
    "os_version_max",
    "connection_type",
    "carrier_id",
    "marketing_name",
)


@dataclass(frozen=True)
class Devices:
    """The main devices entry (the first one) as the editor shows it; lists as tuples."""

    os_type: str | None = None
    os_version_min: str | None = None
    os_version_max: str | None = None
    connection_type: str | None = None
    carrier_id: tuple[str, ...] = ()
    marketing_name: tuple[str, ...] = ()
    others: int = 0

    def values(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in DEVICE_KEYS}


def _main_device_index(entries: Sequence[Any]) -> int | None:
    for index, entry in enumerate(entries):
        if isinstance(entry, Mapping):
            return index
    return None


def read_devices(targeting: Mapping[str, Any] | None) -> Devices:
    entries = list((targeting or {}).get("devices") or [])
    index = _main_device_index(entries)
    if index is None:
        return Devices(others=len(entries))
    main = entries[index]

    def text(key: str) -> str | None:
        value = main.get(key)
        return None if value is None else str(value)

    def ids(key: str) -> tuple[str, ...]:
        value = main.get(key)
        return tuple(str(v) for v in value) if isinstance(value, list) else ()

    return Devices(
        os_type=text("os_type"),
        os_version_min=text("os_version_min"),
        os_version_max=text("os_version_max"),
        connection_type=text("connection_type"),
        carrier_id=ids("carrier_id"),
        marketing_name=ids("marketing_name"),
        others=len(entries) - 1,
    )


def write_devices(original: Sequence[Any] | None, wanted: Devices) -> list[Any]:
    entries = copy.deepcopy(list(original or []))
    index = _main_device_index(entries)
    main: Json = entries[index] if index is not None else {}
    now = read_devices({"devices": entries}).values()
    changed = False
    for key, value in wanted.values().items():
        same = set(now[key]) == set(value) if isinstance(value, tuple) else now[key] == value
        if not same:
            _put(main, key, list(value) if isinstance(value, tuple) else value)
            changed = True
    if not changed:
        return entries
    if index is None:
        entries.insert(0, main)
    elif not any(k != "operation" for k in main):
        entries.pop(index)
    return entries


# -- the whole object ----------------------------------------------------------------------------


@dataclass
class TargetingParts:
    """What the editor shows of one targeting object."""

    places: list[Place] = field(default_factory=list)
    demographics: Demographics = field(default_factory=Demographics)
    interests: list[str] = field(default_factory=list)
    devices: Devices = field(default_factory=Devices)
    segments: dict[str, list[str]] = field(default_factory=dict)


def read_parts(targeting: Mapping[str, Any] | None) -> TargetingParts:
    return TargetingParts(
        places=list(read_locations(targeting).places),
        demographics=read_demographics(targeting),
        interests=read_ids(targeting, "interests", "category_id")[INCLUDE],
        devices=read_devices(targeting),
        segments=read_ids(targeting, "segments", "segment_id"),
    )


def write_parts(original: Mapping[str, Any] | None, parts: TargetingParts) -> Json:
    """`original` with the parts the editor shows set to `parts`: a part that didn't change
    is left exactly as it was (its key absent stays absent); a part that isn't a list (not
    Snap's shape) is never rewritten."""
    targeting: Json = copy.deepcopy(dict(original or {}))
    interests = read_ids(targeting, "interests", "category_id")
    writers = {
        "geos": lambda old: write_locations(old, parts.places),
        "demographics": lambda old: write_demographics(old, parts.demographics),
        "interests": lambda old: write_ids(
            old, "category_id", {INCLUDE: parts.interests, EXCLUDE: interests[EXCLUDE]}
        ),
        "devices": lambda old: write_devices(old, parts.devices),
        "segments": lambda old: write_ids(old, "segment_id", parts.segments),
    }
    for key, write in writers.items():
        before = targeting.get(key)
        if before is not None and not isinstance(before, list):
            continue
        value = write(before or [])
        if value == (before or []):
            continue  # unchanged: the original value (or its absence) stays
        _put(targeting, key, value)
    return targeting


def _put(obj: Json, key: str, value: Any) -> None:
    """Set `key`, or remove it when `value` is empty."""
    if value is None or value == [] or value == "" or value == ():
        obj.pop(key, None)
    else:
        obj[key] = value
