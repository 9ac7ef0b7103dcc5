"""The ad squad targeting editor a marketer can use (issue 17): places, languages and interests
by name from Snap's catalogue, include/exclude, every targeting message under its own field,
seeded values that load and stay, and the audience-size gauge (debounced, off the GUI thread,
cached, with its states)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from snapdesk.changes import EditService
from snapdesk.core.kinds import AD_SQUAD
from snapdesk.store import Store
from snapdesk.ui.editors.ad_squad import AdSquadEditor
from snapdesk.ui.ops.targeting import TargetingServices
from tests.ui.targeting_env import FakeTargetingApi, fill_catalogue, make_services

US_SQUAD = "sq-us-1"  # targeting {"geos": [{"country_code": "us"}], ages 18–34}


@pytest.fixture(autouse=True)
def _quiet_estimates() -> Iterator[None]:
    """No editor's estimate timer may fire after its test closed the cache."""
    yield
    for widget in QApplication.allWidgets():
        if isinstance(widget, AdSquadEditor):
            widget.estimates.timer.stop()
            widget._timer.stop()
            widget._refresh_timer.stop()


@pytest.fixture
def edits(filled_store: Store) -> EditService:
    return EditService(store=filled_store)


@pytest.fixture
def snap() -> FakeTargetingApi:
    return FakeTargetingApi()


@pytest.fixture
def make(
    qloop: asyncio.AbstractEventLoop, filled_store: Store
) -> Iterator[Callable[[FakeTargetingApi | None], TargetingServices]]:
    """TargetingServices on the test's cache, shut down before the cache closes."""
    made: list[TargetingServices] = []

    def factory(api: FakeTargetingApi | None) -> TargetingServices:
        made.append(make_services(filled_store, qloop, api))
        return made[-1]

    yield factory
    for services in made:
        services.shutdown()
    for widget in QApplication.allWidgets():
        if isinstance(widget, AdSquadEditor):
            widget.estimates.timer.stop()
            widget._refresh_timer.stop()


@pytest.fixture
def services(
    qapp: QApplication,
    qloop: asyncio.AbstractEventLoop,
    filled_store: Store,
    snap: FakeTargetingApi,
    make: Callable[[FakeTargetingApi | None], TargetingServices],
) -> TargetingServices:
    fill_catalogue(qapp, qloop, filled_store, ("us", "gb"))
    return make(snap)


@pytest.fixture
def editor(qtbot: QtBot, edits: EditService, services: TargetingServices) -> AdSquadEditor:
    widget = AdSquadEditor(edits=edits, targeting=services)
    qtbot.addWidget(widget)
    widget.load(US_SQUAD)
    return widget


def targeting_after(editor: AdSquadEditor) -> dict[str, Any]:
    changed = editor.changed_fields()
    assert set(changed) == {"targeting"}, changed
    result: dict[str, Any] = changed["targeting"]
    return result


# -- locations -----------------------------------------------------------------------------------


def test_a_country_is_found_by_name_and_becomes_its_geos_entry(editor: AdSquadEditor) -> None:
    assert [c.name for c in editor.location_table.choices()] == ["United States"]
    found = editor.location_search.type_text("United King")
    assert [o.name for o in found] == ["United Kingdom"]
    assert editor.location_search.completer.popup().isVisible()
    editor.location_search.choose(found[0])
    assert not editor.location_search.completer.popup().isVisible()
    assert editor.location_search.edit.text() == ""
    assert targeting_after(editor)["geos"] == [
        {"country_code": "us"},
        {"country_code": "gb", "operation": "INCLUDE"},
    ]
    # two countries need one language: the message sits under Languages, not Locations
    editor.revalidate()
    assert editor.message_for("targeting.languages").severity == "error"
    assert "exactly one language" in editor.message_for("targeting.languages").text()
    assert editor.message_for("targeting.geos").severity is None
    english = editor.language_search.type_text("Engl")
    editor.language_search.choose(english[0])
    editor.revalidate()
    assert editor.message_for("targeting.languages").severity is None
    assert editor.apply_button.isEnabled()


def test_a_made_up_code_is_not_a_place(editor: AdSquadEditor) -> None:
    assert editor.location_search.type_text("zz") == []
    assert "No place matches “zz”" in editor.location_search.note.text()
    assert editor.location_search.note.isVisibleTo(editor)
    assert editor.changed_fields() == {}


def test_a_region_narrows_its_country(editor: AdSquadEditor) -> None:
    found = editor.location_search.type_text("Tex")
    assert [(o.name, o.dimension, o.country) for o in found] == [("Texas", "region", "us")]
    editor.location_search.choose(found[0])
    assert targeting_after(editor)["geos"] == [
        {"country_code": "us", "region_id": ["44"], "operation": "INCLUDE"}
    ]
    assert [(c.name, c.detail) for c in editor.location_table.choices()] == [
        ("Texas", "Region · United States")
    ]
    assert "narrows" in editor.location_search.note.text()


def test_excluding_a_region_adds_an_exclude_entry(editor: AdSquadEditor) -> None:
    editor.location_mode.set_value("EXCLUDE")
    editor.location_search.choose(editor.location_search.type_text("Arizona")[0])
    assert targeting_after(editor)["geos"] == [
        {"country_code": "us"},
        {"country_code": "us", "region_id": ["3"], "operation": "EXCLUDE"},
    ]
    # switching a row between Include and Exclude, then removing it
    editor.location_table.set_operation(("region", "us", "3"), "INCLUDE")
    assert targeting_after(editor)["geos"][1]["operation"] == "INCLUDE"
    editor.location_table.remove(("region", "us", "3"))
    assert editor.changed_fields() == {}


def test_metros_and_postal_codes_by_name_or_prefix(editor: AdSquadEditor) -> None:
    london = editor.location_search.type_text("London")
    assert [(o.name, o.dimension, o.country) for o in london] == [("London", "metro", "gb")]
    codes = editor.location_search.type_text("941")
    assert codes and {o.dimension for o in codes} == {"postal_code"}
    editor.location_search.choose(codes[0])
    editor.location_search.choose(editor.location_search.type_text("94105")[0])
    assert targeting_after(editor)["geos"] == [
        {"country_code": "us", "postal_code": ["94100"], "operation": "INCLUDE"},
        {"country_code": "us", "postal_code": ["94105"], "operation": "INCLUDE"},
    ]


def test_only_exclusions_is_an_error_under_locations(editor: AdSquadEditor) -> None:
    editor.location_table.set_operation(("country", "us", "us"), "EXCLUDE")
    editor.revalidate()
    message = editor.message_for("targeting.geos")
    assert message.severity == "error" and "Only exclusions" in message.text()
    assert not editor.apply_button.isEnabled()
    editor.location_table.remove(("country", "us", "us"))
    editor.revalidate()
    assert "at least one location" in editor.message_for("targeting.geos").text()


# -- demographics --------------------------------------------------------------------------------


def test_ages_run_13_to_55_plus_and_keep_their_type(editor: AdSquadEditor) -> None:
    assert editor.age_min.value() == "18" and editor.age_max.value() == "34"
    texts = [editor.age_max.itemText(i) for i in range(editor.age_max.count())]
    assert texts[1] == "13" and texts[-1] == "55+"
    editor.gender_combo.set_value("FEMALE")
    # the loaded ages were integers: untouched, they stay integers
    assert targeting_after(editor)["demographics"] == [
        {"min_age": 18, "max_age": 34, "gender": "FEMALE"}
    ]
    editor.age_max.set_value("55")
    assert targeting_after(editor)["demographics"] == [
        {"min_age": 18, "max_age": "55", "gender": "FEMALE"}
    ]


def test_a_minimum_above_the_maximum_is_an_error_under_age(editor: AdSquadEditor) -> None:
    editor.age_min.set_value("40")
    editor.age_max.set_value("30")
    editor.revalidate()
    age = editor.message_for("targeting.age")
    assert age.severity == "error" and "above the maximum" in age.text()
    for other in ("targeting.geos", "targeting.gender", "targeting.languages"):
        assert editor.message_for(other).severity is None
    assert not editor.apply_button.isEnabled()


def test_an_age_out_of_range_is_shown_under_age(
    qtbot: QtBot, edits: EditService, services: TargetingServices
) -> None:
    edits.edit(
        kind=AD_SQUAD,
        entity_id=US_SQUAD,
        fields={"targeting": {"geos": [{"country_code": "us"}], "demographics": [{"max_age": 65}]}},
    )
    editor = AdSquadEditor(edits=edits, targeting=services)
    qtbot.addWidget(editor)
    editor.load(US_SQUAD)
    assert editor.age_max.currentText() == "65"  # listed as it is, kept unless changed
    age = editor.message_for("targeting.age")
    assert age.severity == "warning" and "max_age 65 is outside the 13–55" in age.text()
    assert editor.message_for("targeting.geos").severity is None
    editor.name_edit.setText("Renamed")
    assert editor.changed_fields() == {"name": "Renamed"}


def test_languages_by_name(editor: AdSquadEditor) -> None:
    found = editor.language_search.type_text("span")
    assert [o.id for o in found] == ["es"]
    editor.language_search.choose(found[0])
    assert [c.name for c in editor.language_table.choices()] == ["Spanish"]
    assert targeting_after(editor)["demographics"] == [
        {"min_age": 18, "max_age": 34, "languages": ["es"]}
    ]


# -- interests -----------------------------------------------------------------------------------


def test_interests_are_browsed_searched_and_checked(editor: AdSquadEditor) -> None:
    browser = editor.interest_browser
    families = [
        browser.tree.topLevelItem(i).text(0) for i in range(browser.tree.topLevelItemCount())
    ]
    assert families == [
        "Lifestyles (Snap Lifestyle Categories)  (11)",
        "Shoppers (Oracle Datalogix)  (1)",
        "Viewers (Nielsen)  (1)",
    ]  # empty sources (dlxc, dlxp, plc) are hidden
    foodies = browser.item_for("SLC_28")
    assert foodies is not None and foodies.childCount() == 2  # the SLC tree by parent_id
    assert browser.item_for("SLC_51") is not None  # camelCase parentId still placed
    browser.search_edit.setText("coffee")
    assert [o.id for o in browser.visible_options()] == ["SLC_28", "SLC_104"]
    item = browser.item_for("SLC_104")
    assert item is not None
    item.setCheckState(0, item.checkState(0).Checked)
    assert [(c.name, c.detail) for c in editor.interest_table.choices()] == [
        ("Coffee Lovers", "Lifestyles")
    ]
    assert targeting_after(editor)["interests"] == [
        {"category_id": ["SLC_104"], "operation": "INCLUDE"}
    ]
    editor.interest_table.remove("SLC_104")
    assert browser.checked() == set() and editor.changed_fields() == {}


def test_an_interest_unknown_to_the_catalogue_is_shown_by_id_and_kept(
    qtbot: QtBot, edits: EditService, services: TargetingServices
) -> None:
    targeting = {
        "geos": [{"country_code": "us"}],
        "interests": [{"category_id": ["SLC_229", "SLC_999"], "operation": "INCLUDE"}],
    }
    edits.edit(kind=AD_SQUAD, entity_id=US_SQUAD, fields={"targeting": targeting})
    editor = AdSquadEditor(edits=edits, targeting=services)
    qtbot.addWidget(editor)
    editor.load(US_SQUAD)
    assert [(c.name, c.detail) for c in editor.interest_table.choices()] == [
        ("Skincare Enthusiasts", "Lifestyles"),
        ("SLC_999", "not in the catalogue"),
    ]
    assert editor.interest_note.isVisibleTo(editor) and "by id" in editor.interest_note.text()
    item = editor.interest_browser.item_for("SLC_112")
    assert item is not None
    item.setCheckState(0, item.checkState(0).Checked)
    assert targeting_after(editor)["interests"] == [
        {"category_id": ["SLC_229", "SLC_999", "SLC_112"], "operation": "INCLUDE"}
    ]


# -- devices and audiences -----------------------------------------------------------------------


def test_devices_os_versions_connection_carriers_and_makes(editor: AdSquadEditor) -> None:
    assert not editor.os_min.isEnabled()
    editor.os_combo.set_value("iOS")
    assert editor.os_min.isEnabled()
    assert [editor.os_min.itemText(i) for i in range(editor.os_min.count())] == [
        "Any version",
        "15.0",
        "16.0",
        "17.0",
    ]
    editor.os_min.setCurrentIndex(editor.os_min.findData("16.0"))
    editor.connection_combo.set_value("WIFI")
    editor.carrier_search.choose(editor.carrier_search.type_text("veri")[0])
    editor.make_search.choose(editor.make_search.type_text("iphone")[0])
    assert targeting_after(editor)["devices"] == [
        {
            "os_type": "iOS",
            "os_version_min": "16.0",
            "connection_type": "WIFI",
            "carrier_id": ["US_VERIZON"],
            "marketing_name": ["Apple iPhone 15"],
        }
    ]


def test_audiences_include_or_exclude_with_size(editor: AdSquadEditor) -> None:
    table = editor.audience_table
    assert table.item(0, 0).text() == "Newsletter subscribers"
    assert table.item(0, 1).text() == "≈ 12,000"
    table.set_use("seg-us-1", "EXCLUDE")
    assert targeting_after(editor)["segments"] == [
        {"segment_id": ["seg-us-1"], "operation": "EXCLUDE"}
    ]


# -- estimates -----------------------------------------------------------------------------------


def settle(qtbot: QtBot, editor: AdSquadEditor) -> None:
    editor.revalidate()
    editor.estimates.flush()
    qtbot.waitUntil(lambda: editor.estimates.state not in ("", "loading"), timeout=3000)


def test_the_gauge_shows_the_range_and_the_bid(
    qtbot: QtBot, editor: AdSquadEditor, snap: FakeTargetingApi
) -> None:
    settle(qtbot, editor)
    view = editor.estimate_view
    assert view.bid_label.text() == "Choose an optimization goal to see a suggested bid"
    editor.goal_combo.set_value("IMPRESSIONS")
    settle(qtbot, editor)
    assert view.range_label.text() == "34.4M – 44.5M Snapchatters"
    assert view.gauge.range == (34_425_000, 44_550_000)
    assert view.bid_label.text() == "Suggested bid 2.40 – 3.10 USD (CPM)"
    editor.goal_combo.set_value("SWIPES")
    settle(qtbot, editor)
    assert view.bid_label.text() == "Suggested bid 2.40 – 3.10 USD (target cost)"


def test_five_quick_edits_ask_once(
    qtbot: QtBot, editor: AdSquadEditor, snap: FakeTargetingApi
) -> None:
    settle(qtbot, editor)
    snap.reach_requests.clear()
    for value in ("20", "21", "22", "23", "24"):
        editor.age_min.set_value(value)
        editor.revalidate()
        qtbot.wait(60)
    assert snap.reach_requests == []  # still typing
    qtbot.waitUntil(lambda: len(snap.reach_requests) == 1, timeout=3000)
    qtbot.wait(700)
    assert len(snap.reach_requests) == 1
    assert snap.reach_requests[0]["targeting"]["demographics"][0]["min_age"] == "24"


def test_the_estimate_runs_off_the_gui_thread(
    qtbot: QtBot, editor: AdSquadEditor, snap: FakeTargetingApi
) -> None:
    settle(qtbot, editor)
    snap.delay = 0.6
    ticks = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start(20)
    editor.gender_combo.set_value("MALE")
    editor.revalidate()
    editor.estimates.flush()
    assert editor.estimates.state == "loading"
    assert editor.estimate_view.gauge.range is not None  # the old mark stays (no flicker)
    editor.name_edit.setText("Typing while it loads")  # the form still takes input
    qtbot.waitUntil(lambda: editor.estimates.state == "ready", timeout=3000)
    timer.stop()
    assert len(ticks) >= 10  # the GUI thread kept running during the 0.6 s request
    assert editor.name_edit.text() == "Typing while it loads"


def test_going_back_to_an_earlier_targeting_asks_nothing(
    qtbot: QtBot, editor: AdSquadEditor, snap: FakeTargetingApi
) -> None:
    settle(qtbot, editor)
    first = editor.estimate_view.range_label.text()
    editor.gender_combo.set_value("FEMALE")
    settle(qtbot, editor)
    assert editor.estimate_view.range_label.text() != first  # narrower
    asked = len(snap.reach_requests)
    editor.gender_combo.set_value(None)
    settle(qtbot, editor)
    assert len(snap.reach_requests) == asked
    assert editor.estimate_view.range_label.text() == first


def test_estimate_states(
    qtbot: QtBot,
    edits: EditService,
    services: TargetingServices,
    make: Callable[[FakeTargetingApi | None], TargetingServices],
) -> None:
    bare = AdSquadEditor(edits=edits)  # no services (tests, no login)
    qtbot.addWidget(bare)
    bare.load(US_SQUAD)
    settle(qtbot, bare)
    assert bare.estimates.state == "no_api"
    assert "Sign in" in bare.estimate_view.state_label.text()

    offline_api = FakeTargetingApi()
    offline_api.offline = True
    offline = AdSquadEditor(edits=edits, targeting=make(offline_api))
    qtbot.addWidget(offline)
    offline.load(US_SQUAD)
    settle(qtbot, offline)
    assert offline.estimates.state == "offline"
    assert offline.estimate_view.state_label.text().startswith("Offline — no estimate: Can't reach")
    assert offline.estimate_view.gauge.range is None

    invalid_api = FakeTargetingApi()
    invalid = AdSquadEditor(edits=edits, targeting=make(invalid_api))
    qtbot.addWidget(invalid)
    invalid.load(US_SQUAD)
    invalid.location_table.remove(("country", "us", "us"))
    settle(qtbot, invalid)
    assert invalid.estimates.state == "invalid"
    assert "Choose a location" in invalid.estimate_view.state_label.text()
    assert invalid_api.reach_requests == []


# -- the catalogue -------------------------------------------------------------------------------


def test_pickers_refresh_when_a_list_loads_and_say_when_it_is_old(
    qtbot: QtBot,
    edits: EditService,
    make: Callable[[FakeTargetingApi | None], TargetingServices],
) -> None:
    snap = FakeTargetingApi()
    services = make(snap)  # nothing cached yet
    editor = AdSquadEditor(edits=edits, targeting=services)
    qtbot.addWidget(editor)
    editor.load(US_SQUAD)
    assert services.loading()
    assert editor.location_search.type_text("United") == []
    assert editor.location_search.note.text() == "Loading Snap's catalogue…"
    qtbot.waitUntil(lambda: not services.loading() and not editor.names_pending, timeout=5000)
    assert ("country", "") in snap.catalogue_requests
    assert ("region", "us") in snap.catalogue_requests  # the chosen country's places
    assert [o.name for o in editor.location_search.type_text("Tex")] == ["Texas"]
    assert editor.interest_browser.item_for("SLC_229") is not None
    assert editor.location_note.text() == ""

    services.catalog.ttl = services.catalog.ttl * 0  # every list is now old
    snap.offline = True
    services.ensure("country", ad_account_id="acc")
    qtbot.waitUntil(lambda: not services.loading() and not editor.names_pending, timeout=5000)
    assert editor.location_note.text().startswith("Offline — showing the catalogue saved on ")
    assert [o.name for o in editor.location_search.type_text("United K")] == ["United Kingdom"]


# -- against the sandbox -------------------------------------------------------------------------


def test_a_seeded_squad_against_the_sandbox(
    qtbot: QtBot, synced: Store, api: Any, qloop: asyncio.AbstractEventLoop
) -> None:
    """The seeded squad targeting SLC_229 shows the interest's name from Snap's catalogue (the
    sandbox's), keeps it, and the gauge and bid come from audience_size_v2 / bid_estimate."""
    squad = next(
        s
        for account in synced.ad_accounts()
        for s in synced.entities(AD_SQUAD, account.id)
        if "SLC_229" in str((s.data.get("targeting") or {}).get("interests"))
    )
    services = TargetingServices(store=synced, loop=qloop, api_for_account=lambda _id: api)
    editor = AdSquadEditor(edits=EditService(store=synced), targeting=services)
    qtbot.addWidget(editor)
    try:
        editor.load(squad.id)
        qtbot.waitUntil(lambda: not services.loading() and not editor.names_pending, timeout=20000)
        [interest] = editor.interest_table.choices()
        assert interest.key == "SLC_229" and interest.name not in ("SLC_229", "")
        assert interest.detail == "Lifestyles"
        item = editor.interest_browser.item_for("SLC_229")
        assert item is not None and item.checkState(0) == item.checkState(0).Checked
        country = squad.data["targeting"]["geos"][0]["country_code"]
        [place] = editor.location_table.choices()
        assert place.key == ("country", country, country) and place.name != country.upper()
        assert editor.changed_fields() == {}
        settle(qtbot, editor)
        assert editor.estimates.state == "ready", editor.estimate_view.state_label.text()
        assert editor.estimate_view.range_label.text().endswith(" Snapchatters")
        assert editor.estimate_view.bid_label.text().startswith("Suggested bid ")
        editor.name_edit.setText(f"{squad.name} v2")
        assert set(editor.changed_fields()) == {"name"}
    finally:
        services.shutdown()
        editor.estimates.timer.stop()
