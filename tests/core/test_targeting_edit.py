"""Reading and writing the parts of a targeting object (issue 17): untouched parts come back
exactly as they were; a changed part changes only its entries."""

from __future__ import annotations

import copy
from typing import Any

from snapdesk.core.targeting_edit import (
    EXCLUDE,
    INCLUDE,
    Demographics,
    Devices,
    Place,
    read_locations,
    read_parts,
    same_age,
    write_demographics,
    write_ids,
    write_locations,
    write_parts,
)

HOSTILE: dict[str, Any] = {
    "regulated_content": False,
    "geos": [
        {"country_code": "us", "postal_code": [f"30{n:03d}"], "operation": "INCLUDE"}
        for n in range(88)
    ]
    + [
        {"countryCode": "ca", "operation": "INCLUDE"},  # camelCase: not understood, kept
        {"country_code": "us", "region_id": [3, "44"], "metro_id": ["807"], "operation": "EXCLUDE"},
    ],
    "demographics": [
        {"min_age": 21, "max_age": "55+", "languages": ["en"], "operation": "INCLUDE"},
        {"advanced_demographics": ["ADV_1"], "operation": "INCLUDE"},
    ],
    "interests": [
        {"category_id": ["SLC_229", "SLC_39"], "operation": "INCLUDE"},
        {"category_id": ["SLC_5"], "operation": "EXCLUDE"},
    ],
    "devices": [{"os_type": "iOS", "osVersionMin": "15.0"}, {"os_type": "ANDROID"}],
    "segments": [{"segment_id": ["6128654966493356"]}],
    "locations": [
        {"circles": [{"latitude": 37.77, "longitude": -122.42, "radius": 5, "unit": "KILOMETERS"}]}
    ],
    "app_install_states": {"not_installed": True},
    "enable_targeting_expansion": False,
    "auto_expansion_options": {"interest_expansion_option": {"enabled": False}},
    "someFutureKey": [1, {"x": None}],
}


def test_reading_and_writing_back_unchanged_is_identity() -> None:
    original = copy.deepcopy(HOSTILE)
    assert write_parts(original, read_parts(original)) == HOSTILE
    assert original == HOSTILE  # the input is never changed
    for empty in (None, {}, {"geos": []}, {"demographics": [{"operation": "INCLUDE"}]}):
        assert write_parts(empty, read_parts(empty)) == (empty or {})


def test_places_of_geos_and_what_is_kept_as_is() -> None:
    found = read_locations(HOSTILE)
    assert len(found.places) == 88 + 3 and found.opaque == (
        {"countryCode": "ca", "operation": "INCLUDE"},
    )
    assert Place("region", "us", "3", EXCLUDE) in found.places
    assert Place("metro", "us", "807", EXCLUDE) in found.places


def test_removing_one_postal_code_touches_only_its_entry() -> None:
    parts = read_parts(HOSTILE)
    parts.places = [p for p in parts.places if p.id != "30007"]
    geos = write_parts(HOSTILE, parts)["geos"]
    assert len(geos) == len(HOSTILE["geos"]) - 1
    assert {"country_code": "us", "postal_code": ["30007"], "operation": "INCLUDE"} not in geos
    assert geos[-2:] == HOSTILE["geos"][-2:]


def test_removing_a_region_trims_its_list_and_keeps_its_types() -> None:
    geos = HOSTILE["geos"][-1:]
    places = [p for p in read_locations({"geos": geos}).places if p.id != "44"]
    assert write_locations(geos, places) == [
        {"country_code": "us", "region_id": [3], "metro_id": ["807"], "operation": "EXCLUDE"}
    ]


def test_new_places_join_or_make_entries() -> None:
    geos = [{"country_code": "us"}]
    places = [
        Place("country", "us", "us"),
        Place("region", "us", "3", EXCLUDE),
        Place("region", "us", "5", EXCLUDE),
        Place("postal_code", "us", "94105"),
        Place("postal_code", "us", "94107"),
        Place("country", "gb", "gb"),
    ]
    assert write_locations(geos, places) == [
        {"country_code": "us"},
        {"country_code": "us", "region_id": ["3", "5"], "operation": "EXCLUDE"},
        {"country_code": "us", "postal_code": ["94105"], "operation": "INCLUDE"},
        {"country_code": "us", "postal_code": ["94107"], "operation": "INCLUDE"},
        {"country_code": "gb", "operation": "INCLUDE"},
    ]
    # a region replacing its whole country reuses the country's entry (its other keys too)
    assert write_locations(
        [{"country_code": "us", "operation": "INCLUDE"}], [Place("region", "us", "44")]
    ) == [{"country_code": "us", "operation": "INCLUDE", "region_id": ["44"]}]


def test_ages_keep_their_type_unless_changed() -> None:
    assert same_age("54", 54) and same_age("55", "55+") and not same_age("54", "55")
    assert same_age("adult", "adult") and not same_age(None, "18")
    demo = [{"min_age": "35", "max_age": "54", "operation": "INCLUDE"}]
    assert write_demographics(demo, Demographics("35", "54")) == demo
    assert write_demographics(demo, Demographics(35, "54", gender="MALE")) == [
        {"min_age": "35", "max_age": "54", "operation": "INCLUDE", "gender": "MALE"}
    ]
    assert write_demographics(demo, Demographics(None, None)) == []
    assert write_demographics([], Demographics("18", None)) == [{"min_age": "18"}]


def test_ids_per_operation() -> None:
    interests = HOSTILE["interests"]
    assert (
        write_ids(interests, "category_id", {INCLUDE: ["SLC_39", "SLC_229"], EXCLUDE: ["SLC_5"]})
        == interests
    )
    assert write_ids(interests, "category_id", {INCLUDE: ["SLC_39", "SLC_1"], EXCLUDE: []}) == [
        {"category_id": ["SLC_39", "SLC_1"], "operation": "INCLUDE"}
    ]
    segments = [{"segment_id": ["a"]}]
    assert write_ids(segments, "segment_id", {INCLUDE: ["a"], EXCLUDE: ["b"]}) == [
        {"segment_id": ["a"]},
        {"segment_id": ["b"], "operation": "EXCLUDE"},
    ]


def test_devices_change_only_the_keys_changed() -> None:
    parts = read_parts(HOSTILE)
    assert parts.devices.others == 1 and parts.devices.os_type == "iOS"
    changed = Devices(**{**parts.devices.values(), "connection_type": "WIFI"}, others=1)
    parts.devices = changed
    assert write_parts(HOSTILE, parts)["devices"] == [
        {"os_type": "iOS", "osVersionMin": "15.0", "connection_type": "WIFI"},
        {"os_type": "ANDROID"},
    ]
