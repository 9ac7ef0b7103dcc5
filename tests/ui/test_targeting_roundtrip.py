"""Every targeting object already on Snap round-trips through the ad squad editor unchanged
(issue 17): each seeded ad squad of every demo ad account, loaded and collected without an edit,
gives back exactly its targeting, and an unrelated edit queues no `targeting` field; so do
hand-made hostile objects (88 postal-code geos entries, location circles, unknown and camelCase
keys, integer ages, extra demographics and devices entries)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from snapdesk.changes import EditService
from snapdesk.core.kinds import AD_SQUAD
from snapdesk.store import Store
from snapdesk.ui.editors.ad_squad import AdSquadEditor
from tests.ui import data


def seeded_squads(store: Store) -> list[Any]:
    return [
        squad for account in store.ad_accounts() for squad in store.entities(AD_SQUAD, account.id)
    ]


def test_every_seeded_ad_squad_round_trips(qtbot: QtBot, synced: Store) -> None:
    edits = EditService(store=synced)
    editor = AdSquadEditor(edits=edits)
    qtbot.addWidget(editor)
    squads = seeded_squads(synced)
    accounts = {
        s.data.get("campaign_id") and synced.get(AD_SQUAD, s.id) is not None for s in squads
    }
    assert len(squads) >= 50 and accounts == {True}
    shapes = set()
    for squad in squads:
        original = squad.data.get("targeting")
        editor.load(squad.id)
        assert editor.values()["targeting"] == original, squad.id
        assert editor.changed_fields() == {}, squad.id
        editor.name_edit.setText(f"{squad.name} (renamed)")
        assert set(editor.changed_fields()) == {"name"}, squad.id
        shapes.add(tuple(sorted(original or {})))
        demo = (original or {}).get("demographics") or [{}]
        shapes.add(("max_age", str(demo[0].get("max_age"))))
    # the seed's variety is covered: interests, devices, an open top age and max_age "54"
    assert any("interests" in s for s in shapes) and any("devices" in s for s in shapes)
    assert ("max_age", "54") in shapes and ("max_age", "None") in shapes


def test_an_unrelated_edit_of_a_seeded_squad_queues_no_targeting(
    qtbot: QtBot, synced: Store
) -> None:
    edits = EditService(store=synced)
    editor = AdSquadEditor(edits=edits)
    qtbot.addWidget(editor)
    picked = {}
    for squad in seeded_squads(synced):
        targeting = squad.data.get("targeting") or {}
        demo = (targeting.get("demographics") or [{}])[0]
        if demo.get("max_age") == "54":
            picked.setdefault("max 54", squad)
        if targeting.get("interests"):
            picked.setdefault("interests", squad)
        if targeting.get("devices"):
            picked.setdefault("devices", squad)
    assert set(picked) == {"max 54", "interests", "devices"}
    for squad in picked.values():
        editor.load(squad.id)
        editor.name_edit.setText(f"{squad.name} v2")
        group = editor.apply()
        assert group is not None, (squad.id, editor.issues)
        [change] = group.changes
        assert [d.field for d in change.diff] == ["name"]
        assert change.after is not None and change.after["targeting"] == squad.data["targeting"]


def test_max_age_54_loads_and_a_gender_edit_queues_cleanly(qtbot: QtBot, synced: Store) -> None:
    """The seeded max_age "54" used to block every targeting edit (the old list stopped at
    "50+"); it loads as 54, stays a string, and editing the gender queues with no issue."""
    squad = next(
        s
        for s in seeded_squads(synced)
        if ((s.data.get("targeting") or {}).get("demographics") or [{}])[0].get("max_age") == "54"
    )
    edits = EditService(store=synced)
    editor = AdSquadEditor(edits=edits)
    qtbot.addWidget(editor)
    editor.load(squad.id)
    assert editor.age_max.value() == "54" and editor.age_max.currentText() == "54"
    editor.gender_combo.set_value("FEMALE")
    issues = editor.revalidate()
    assert not [i for i in issues if i.field.startswith("targeting")]
    group = editor.apply()
    assert group is not None
    [change] = group.changes
    after = change.after["targeting"]  # type: ignore[index]
    before = squad.data["targeting"]
    assert after["demographics"] == [{**before["demographics"][0], "gender": "FEMALE"}]
    assert {k: v for k, v in after.items() if k != "demographics"} == {
        k: v for k, v in before.items() if k != "demographics"
    }


def on_snap(store: Store, squad_id: str, targeting: dict[str, Any]) -> None:
    """The cache as a sync would leave it with `targeting` on the squad (as Snap sent it:
    nothing here goes through snapdesk's own checks)."""
    kinds = ("campaigns", "ad_squads", "ads", "creatives", "media", "segments")
    snapshot: dict[str, list[dict[str, Any]]] = {k: [] for k in kinds}
    for kind in kinds:
        singular = {"media": "media", "ad_squads": "ad_squad"}.get(kind, kind.rstrip("s"))
        for row in store.entities(singular, data.US):
            snapshot[kind].append(
                {**row.data, "targeting": targeting} if row.id == squad_id else row.data
            )
    store.replace_account_snapshot(data.US, snapshot)


HOSTILE: list[dict[str, Any]] = [
    {
        "regulated_content": False,
        "geos": [
            {"country_code": "us", "postal_code": [f"30{n:03d}"], "operation": "INCLUDE"}
            for n in range(88)
        ],
        "demographics": [{"operation": "INCLUDE"}],
        "enable_targeting_expansion": True,
        "auto_expansion_options": {
            "interest_expansion_option": {"enabled": True},
            "custom_audience_expansion_option": {"enabled": True},
        },
    },
    {
        "geos": [{"country_code": "us"}],
        "locations": [
            {
                "circles": [
                    {"latitude": 37.7749, "longitude": -122.4194, "radius": 5, "unit": "KILOMETERS"}
                ],
                "operation": "INCLUDE",
            },
            {"location_type": ["LOI_12"], "proximity": 1, "proximity_unit": "MILES"},
        ],
        "app_install_states": {"installed": False},
        "unknownFutureKey": {"nested": [1, 2, {"deep": None}]},
    },
    {
        "geos": [
            {"countryCode": "ca", "postalCode": ["K1A"]},
            {"country_code": "us", "region_id": [3, "44"], "operation": "EXCLUDE"},
            {"country_code": "us", "operation": "INCLUDE", "city_id": ["1"]},
        ],
        "demographics": [
            {"min_age": 13, "max_age": 55, "gender": "OTHER", "languages": ["en"]},
            {"advanced_demographics": ["ADV_7"], "operation": "INCLUDE"},
        ],
        "devices": [
            {"os_type": "iOS", "os_version_min": "14.0", "marketing_name": ["Apple iPhone 12"]},
            {"os_type": "ANDROID", "connection_type": "CELL", "carrier_id": ["US_ATT"]},
        ],
        "interests": [
            {"category_id": ["SLC_229", "DLXS_1", "NOT_IN_ANY_CATALOGUE"]},
            {"category_id": ["SLC_5"], "operation": "EXCLUDE"},
        ],
        "segments": [
            {"segment_id": ["6128654966493356"], "operation": "INCLUDE"},
            {"segment_id": ["seg-us-1"], "operation": "EXCLUDE"},
        ],
    },
    {
        "geos": [{"country_code": "us"}],
        "demographics": [{"min_age": "21", "max_age": "55+", "languages": ["en", "es"]}],
        "devices": [{"os_type": "WEB"}],
    },
    {
        "geos": [{"country_code": "us"}],
        "demographics": [{"min_age": "12", "max_age": 70}],  # outside 13–55: shown, kept
    },
]


@pytest.mark.parametrize("targeting", HOSTILE, ids=lambda t: "+".join(sorted(t)))
def test_hostile_targeting_round_trips(
    qtbot: QtBot, filled_store: Store, targeting: dict[str, Any]
) -> None:
    on_snap(filled_store, "sq-us-1", copy.deepcopy(targeting))
    edits = EditService(store=filled_store)
    editor = AdSquadEditor(edits=edits)
    qtbot.addWidget(editor)
    editor.load("sq-us-1")
    assert editor.values()["targeting"] == targeting
    assert editor.changed_fields() == {}
    editor.name_edit.setText("Renamed")
    assert editor.changed_fields() == {"name": "Renamed"}
    # editing one part changes only that part
    editor.name_edit.setText("Spring · US 18-34")
    editor.gender_combo.set_value("MALE")
    after = editor.changed_fields()["targeting"]
    assert {k: v for k, v in after.items() if k != "demographics"} == {
        k: v for k, v in targeting.items() if k != "demographics"
    }
    assert after["demographics"][1:] == (targeting.get("demographics") or [])[1:]
