"""The entity editors: each loads an entity, validates inline, and queues exactly the fields the
user changed through the edit service (nothing is sent)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from snapdesk.changes import CREATE, UPLOAD_MEDIA, EditService
from snapdesk.core.kinds import AD, AD_SQUAD, CAMPAIGN, CREATIVE, MEDIA
from snapdesk.store import Store
from snapdesk.ui.editors._form import MoneyField
from snapdesk.ui.editors.ad import AdEditor
from snapdesk.ui.editors.ad_squad import AdSquadEditor
from snapdesk.ui.editors.campaign import CampaignEditor
from snapdesk.ui.editors.creative import CreativeEditor
from snapdesk.ui.editors.media import MediaEditor
from tests.ui import data


@pytest.fixture
def edits(filled_store: Store) -> EditService:
    return EditService(store=filled_store)


def diff_of(group: object) -> dict[str, tuple[object, object]]:
    [change] = group.changes  # type: ignore[attr-defined]
    return {d.field: (d.before, d.after) for d in change.diff}


# -- money ---------------------------------------------------------------------------------


def test_money_field_parses_and_formats_in_the_account_currency(qtbot: QtBot) -> None:
    field = MoneyField()
    qtbot.addWidget(field)
    field.set_currency("GBP")
    field.set_text("12.50")
    assert field.micro("x") == 12_500_000
    field.set_micro(12_500_000)
    assert field.text() == "12.50" and field.prefix.text() == "£" and field.suffix.text() == "GBP"
    field.set_currency("JPY")
    field.set_text("1500")
    assert field.micro("x") == 1_500_000_000
    field.set_micro(1_500_000_000)
    assert field.text() == "1500"
    field.set_text("1500.5")
    with pytest.raises(Exception, match="no decimals"):
        field.micro("x")
    field.set_text("")
    assert field.micro("x") is None


# -- campaign ------------------------------------------------------------------------------


def test_campaign_editor_queues_exactly_the_changed_fields(
    qtbot: QtBot, edits: EditService
) -> None:
    editor = CampaignEditor(edits=edits)
    qtbot.addWidget(editor)
    editor.load("cmp-us-spring")
    assert editor.changed_fields() == {}
    assert editor.daily_budget.text() == "12.50"
    assert "America/Los_Angeles" in editor.start_field.zone_label.text()
    assert not editor.apply_button.isEnabled()

    editor.name_edit.setText("Spring Sale — wave 2")
    editor.daily_budget.set_text("15.25")
    editor.status_combo.set_value("PAUSED")
    editor.revalidate()
    assert editor.apply_button.isEnabled()
    with qtbot.waitSignal(editor.applied) as signal:
        editor.apply_button.click()

    assert diff_of(signal.args[0]) == {
        "name": ("Spring Sale", "Spring Sale — wave 2"),
        "daily_budget_micro": (12_500_000, 15_250_000),
        "status": ("ACTIVE", "PAUSED"),
    }
    [pending] = edits.pending()
    assert (
        pending.request.method == "PUT"
        and pending.request.path == f"/adaccounts/{data.US}/campaigns"
    )
    # reloaded from the queue: nothing left to apply
    assert editor.changed_fields() == {} and editor.daily_budget.text() == "15.25"


def test_campaign_times_are_entered_in_the_account_time_zone(
    qtbot: QtBot, edits: EditService
) -> None:
    editor = CampaignEditor(edits=edits)
    qtbot.addWidget(editor)
    editor.load("cmp-jp-tokyo")
    assert "Asia/Tokyo" in editor.end_field.zone_label.text()
    editor.end_field.set_local("2026-04-01 09:00")  # 09:00 in Tokyo is 00:00 UTC
    group = editor.apply()
    assert group is not None
    assert diff_of(group) == {"end_time": (None, "2026-04-01T00:00:00.000Z")}


def test_campaign_end_before_start_is_flagged_inline(qtbot: QtBot, edits: EditService) -> None:
    """Issue 16: no Snap source says an end before the start is refused (Snap flags schedules
    it can't run in delivery_status), so it is a warning under the field, not a block."""
    editor = CampaignEditor(edits=edits)
    qtbot.addWidget(editor)
    editor.load("cmp-us-spring")  # starts 2026-03-01 00:00 in Los Angeles
    editor.end_field.set_local("2026-02-01 10:00")
    issues = editor.revalidate()
    message = editor.message_for("end_time")
    assert message.severity == "warning" and "start before it ends" in message.text()
    assert message.isVisibleTo(editor)
    assert any(i.field == "end_time" and i.code == "start_after_end" for i in issues)
    assert not any(i.is_error for i in issues)


def test_jpy_budget_with_decimals_is_an_inline_error(qtbot: QtBot, edits: EditService) -> None:
    editor = CampaignEditor(edits=edits)
    qtbot.addWidget(editor)
    editor.load("cmp-jp-tokyo")
    assert editor.daily_budget.text() == "5000" and editor.daily_budget.suffix.text() == "JPY"
    editor.daily_budget.set_text("1500.50")
    editor.revalidate()
    assert "no decimals" in editor.message_for("daily_budget_micro").text()
    assert not editor.apply_button.isEnabled()
    editor.daily_budget.set_text("1500")
    group = editor.apply()
    assert group is not None and diff_of(group) == {
        "daily_budget_micro": (5_000_000_000, 1_500_000_000)
    }


def test_new_campaign_is_created_under_the_account(qtbot: QtBot, edits: EditService) -> None:
    editor = CampaignEditor(edits=edits)
    qtbot.addWidget(editor)
    editor.start_new(data.US, ad_account_id=data.US)
    assert editor.is_new and editor.kind_label.text() == "NEW CAMPAIGN"
    editor.revalidate()
    assert editor.message_for("name").severity == "error"
    assert not editor.apply_button.isEnabled()
    editor.name_edit.setText("Summer")
    editor.daily_budget.set_text("40")
    group = editor.apply()
    assert group is not None
    [change] = group.changes
    assert change.action == CREATE and change.kind == CAMPAIGN
    assert change.after is not None and change.after["name"] == "Summer"
    assert change.after["daily_budget_micro"] == 40_000_000
    assert change.request.method == "POST"
    assert editor.entity_id == change.entity_id and not editor.is_new


# -- ad squad ------------------------------------------------------------------------------


def test_ad_squad_bid_field_follows_the_strategy_and_is_required(
    qtbot: QtBot, edits: EditService
) -> None:
    editor = AdSquadEditor(edits=edits)
    qtbot.addWidget(editor)
    editor.load("sq-us-1")
    assert editor.bid_strategy.value() == "AUTO_BID"
    assert not editor.bid_field.isEnabled()
    editor.bid_strategy.set_value("LOWEST_COST_WITH_MAX_BID")
    assert editor.bid_field.isEnabled()
    editor.revalidate()
    message = editor.message_for("bid_micro")
    assert message.severity == "error" and "bid is required" in message.text()
    assert not editor.apply_button.isEnabled()
    editor.bid_field.set_text("1.75")
    editor.revalidate()
    assert editor.message_for("bid_micro").severity is None
    group = editor.apply()
    assert group is not None
    assert diff_of(group) == {
        "bid_strategy": ("AUTO_BID", "LOWEST_COST_WITH_MAX_BID"),
        "bid_micro": (None, 1_750_000),
    }


def test_ad_squad_budget_below_minimum_blocks_apply(qtbot: QtBot, edits: EditService) -> None:
    editor = AdSquadEditor(edits=edits)
    qtbot.addWidget(editor)
    editor.load("sq-us-1")
    assert editor.budget_field.text() == "20.00"
    editor.budget_field.set_text("4.99")
    editor.revalidate()
    message = editor.message_for("budget")
    assert message.severity == "error" and "at least 5" in message.text()
    assert not editor.apply_button.isEnabled()


def test_ad_squad_targeting_edits_keep_the_rest(qtbot: QtBot, edits: EditService) -> None:
    """Issue 17: the targeting form edits parts of the object; what isn't touched (the geos,
    the ages and their integer type) is sent back as it was."""
    editor = AdSquadEditor(edits=edits)
    qtbot.addWidget(editor)
    editor.load("sq-us-1")
    assert [(c.key, c.name) for c in editor.location_table.choices()] == [
        (("country", "us", "us"), "US")  # no catalogue here: the code stands for the name
    ]
    assert editor.age_min.value() == "18" and editor.age_max.value() == "34"
    assert editor.audience_table.rowCount() == 1  # the account's cached segment
    editor.gender_combo.set_value("FEMALE")
    editor.os_combo.set_value("iOS")
    editor.audience_table.set_use("seg-us-1", "INCLUDE")
    group = editor.apply()
    assert group is not None
    [change] = group.changes
    targeting = change.after["targeting"]  # type: ignore[index]
    assert targeting["geos"] == [{"country_code": "us"}]
    assert targeting["demographics"] == [{"min_age": 18, "max_age": 34, "gender": "FEMALE"}]
    assert targeting["devices"] == [{"os_type": "iOS"}]
    assert targeting["segments"] == [{"segment_id": ["seg-us-1"], "operation": "INCLUDE"}]
    assert set(diff_of(group)) == {"targeting"}


def test_ad_squad_places_need_the_catalogue_and_a_location(
    qtbot: QtBot, edits: EditService
) -> None:
    """Codes are no longer typed: without Snap's catalogue (not signed in) the search says so;
    removing the only place is an error under Locations."""
    editor = AdSquadEditor(edits=edits)
    qtbot.addWidget(editor)
    editor.load("sq-us-1")
    assert editor.location_search.type_text("usa") == []
    assert editor.location_search.note.text() == "Sign in to search Snap's places by name"
    assert editor.changed_fields() == {}
    editor.location_table.remove(("country", "us", "us"))
    editor.revalidate()
    message = editor.message_for("targeting.geos")
    assert message.severity == "error" and "at least one location" in message.text()
    assert not editor.apply_button.isEnabled()


# -- ad and creative -----------------------------------------------------------------------


def test_ad_editor_changing_the_creative_warns_about_review(
    qtbot: QtBot, edits: EditService, filled_store: Store
) -> None:
    filled_store.replace_account_snapshot(
        data.US,
        {
            **{k: [r.data for r in getattr(filled_store, k)(data.US)] for k in ("campaigns",)},
            "ad_squads": [r.data for r in filled_store.ad_squads("cmp-us-spring")],
            "ads": [r.data for r in filled_store.ads("sq-us-1")],
            "creatives": [
                *[r.data for r in filled_store.creatives(data.US)],
                {
                    "id": "cr-us-2",
                    "ad_account_id": data.US,
                    "name": "Summer creative",
                    "type": "WEB_VIEW",
                    "headline": "Summer",
                    "brand_name": "Acme",
                    "top_snap_media_id": "md-us-1",
                    "web_view_properties": {"url": "https://acme.example/summer"},
                },
            ],
            "media": [r.data for r in filled_store.media(data.US)],
            "segments": [r.data for r in filled_store.segments(data.US)],
        },
    )
    editor = AdEditor(edits=edits)
    qtbot.addWidget(editor)
    editor.load("ad-us-approved")
    assert editor.creative_combo.currentData() == "cr-us-1"
    editor.select_creative("cr-us-2")
    assert editor.type_combo.value() == "REMOTE_WEBPAGE"  # follows the creative's type
    editor.revalidate()
    warning = editor.message_for("creative_id")
    assert warning.severity == "warning" and "back to Snap's review" in warning.text()
    assert editor.apply_button.isEnabled()
    group = editor.apply()
    assert group is not None
    assert diff_of(group) == {
        "creative_id": ("cr-us-1", "cr-us-2"),
        "type": ("SNAP_AD", "REMOTE_WEBPAGE"),
    }
    assert any(i.code == "review_reset" for i in group.issues)


def test_creative_headline_counter_and_limit(qtbot: QtBot, edits: EditService) -> None:
    editor = CreativeEditor(edits=edits)
    qtbot.addWidget(editor)
    editor.load("cr-us-1")
    assert editor.headline.counter.text() == "16 / 34"
    editor.headline.setText("x" * 35)
    assert editor.headline.counter.text() == "35 / 34"
    assert editor.headline.counter.objectName() == "counterOver"
    editor.revalidate()
    message = editor.message_for("headline")
    assert message.severity == "error" and "35 characters" in message.text()
    assert not editor.apply_button.isEnabled()
    editor.headline.setText("x" * 34)
    editor.revalidate()
    assert editor.apply_button.isEnabled()
    group = editor.apply()
    assert group is not None and diff_of(group) == {"headline": ("Fresh for spring", "x" * 34)}


def test_web_view_creative_needs_an_https_url(qtbot: QtBot, edits: EditService) -> None:
    editor = CreativeEditor(edits=edits)
    qtbot.addWidget(editor)
    editor.load("cr-us-1")
    assert not editor.url_edit.isEnabled()
    editor.type_combo.set_value("WEB_VIEW")
    assert editor.url_edit.isEnabled()
    editor.revalidate()
    assert "needs a URL" in editor.message_for("web_view_properties").text()
    editor.url_edit.setText("http://acme.example")
    editor.revalidate()
    assert "https://" in editor.message_for("web_view_properties").text()
    editor.url_edit.setText("https://acme.example/spring")
    editor.revalidate()
    message = editor.message_for("web_view_properties")
    assert message.severity == "warning" and "review" in message.text()  # advice, not a block
    assert editor.apply_button.isEnabled()


# -- media ---------------------------------------------------------------------------------


def test_media_editor_queues_media_creative_ad_chain(
    qtbot: QtBot, edits: EditService, tmp_path: Path
) -> None:
    video = tmp_path / "launch.mp4"
    video.write_bytes(b"\0" * 4096)
    editor = MediaEditor(edits=edits)
    qtbot.addWidget(editor)
    editor.start(ad_account_id=data.US, ad_squad_id="sq-us-1")
    assert not editor.apply_button.isEnabled()
    editor.set_file(video)
    assert editor.path == video and "video" in editor.file_label.text()
    assert editor.creates_ad and editor.creative.name_edit.text() == "launch"
    editor.revalidate()
    assert editor.message_for("headline").severity == "error"
    editor.creative.headline.setText("Launch day")
    editor.creative.brand_name.setText("Acme")
    assert not editor.revalidate()
    group = editor.apply()
    assert group is not None
    steps = [(c.kind, c.action) for c in group.changes]
    assert steps == [(MEDIA, CREATE), (MEDIA, UPLOAD_MEDIA), (CREATIVE, CREATE), (AD, CREATE)]
    ad = group.changes[-1]
    assert ad.after is not None and ad.after["ad_squad_id"] == "sq-us-1"
    assert ad.after["creative_id"].startswith("$ref:")


def test_media_editor_notes_chunked_upload_above_32_mb(
    qtbot: QtBot, edits: EditService, tmp_path: Path
) -> None:
    big = tmp_path / "long.mov"
    with big.open("wb") as fh:
        fh.truncate(33 * 1024 * 1024)
    editor = MediaEditor(edits=edits)
    qtbot.addWidget(editor)
    editor.start(ad_account_id=data.US)
    editor.set_file(big)
    assert editor.chunk_note.isVisibleTo(editor) and "25 MB chunks" in editor.chunk_text.text()
    assert not editor.creates_ad
    group = editor.apply()
    assert group is not None and [c.action for c in group.changes] == [CREATE, UPLOAD_MEDIA]


def test_media_editor_refuses_other_files(qtbot: QtBot, edits: EditService, tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    editor = MediaEditor(edits=edits)
    qtbot.addWidget(editor)
    editor.start(ad_account_id=data.US)
    editor.set_file(text)
    assert "images" in editor.file_label.text()
    assert editor.apply() is None and edits.pending() == []


def test_editor_shows_queued_edits_and_marks_deleted(qtbot: QtBot, edits: EditService) -> None:
    edits.edit(kind=AD_SQUAD, entity_id="sq-us-1", fields={"name": "Queued name"})
    editor = AdSquadEditor(edits=edits)
    qtbot.addWidget(editor)
    editor.load("sq-us-1")
    assert editor.name_edit.text() == "Queued name"
    edits.delete([(AD_SQUAD, "sq-us-1")])
    editor.reload()
    assert editor.notice.isVisibleTo(editor) and "deletion" in editor.notice_text.text()
    editor.name_edit.setText("Another")
    editor.revalidate()
    assert not editor.apply_button.isEnabled()
