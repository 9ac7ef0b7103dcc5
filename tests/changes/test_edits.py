"""The edit service: stored changes, coalescing, validation, bulk actions, undo/redo, export."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest

from snapdesk.changes import (
    Change,
    ChangeError,
    ChangeRepository,
    EditService,
    ValidationFailed,
    export_changes,
)
from snapdesk.changes.export import changes_to_csv
from snapdesk.changes.requests import writable
from snapdesk.core.kinds import AD, AD_SQUAD, CAMPAIGN, CREATIVE
from snapdesk.store import Store

from .conftest import account, first_campaign, first_squad, usd_account


def pending(store: Store) -> list[Change]:
    return ChangeRepository(store).list()


def test_an_edit_is_stored_with_diff_request_and_key(store: Store, edits: EditService) -> None:
    campaign = first_campaign(store)
    group = edits.edit(kind=CAMPAIGN, entity_id=campaign.id, fields={"name": "Spring 2027"})
    [change] = group.changes
    assert change.action == "update" and change.state == "pending"
    assert [(d.field, d.before, d.after) for d in change.diff] == [
        ("name", campaign.name, "Spring 2027")
    ]
    assert change.request.method == "PUT"
    assert change.request.path == f"/adaccounts/{campaign.ad_account_id}/campaigns"
    [body] = change.request.body["campaigns"]
    assert body["id"] == campaign.id and body["ad_account_id"] == campaign.ad_account_id
    assert body["name"] == "Spring 2027"
    assert body == {**writable(CAMPAIGN, campaign.data), "name": "Spring 2027"}  # full object
    assert "end_time" in body and "objective" in body
    assert "delivery_status" not in body and "created_at" not in body
    assert change.base == campaign.data
    assert len(change.idempotency_key) == 36
    assert pending(store) == [change]


def test_repeated_edits_fold_into_one_change_with_one_key(store: Store, edits: EditService) -> None:
    campaign = first_campaign(store)
    first = edits.edit(kind=CAMPAIGN, entity_id=campaign.id, fields={"name": "One"}).changes[0]
    second = edits.pause([campaign.id]).changes[0]
    assert second.id == first.id and second.idempotency_key == first.idempotency_key
    assert second.action == "update"
    assert {d.field for d in second.diff} == {"name", "status"}
    back = edits.edit(
        kind=CAMPAIGN,
        entity_id=campaign.id,
        fields={"name": campaign.name, "status": campaign.status},
    )
    assert back.removed == (first.id,) and pending(store) == []


def test_pause_and_resume_actions(store: Store, edits: EditService) -> None:
    squad = first_squad(store)
    assert squad.status == "ACTIVE"
    [paused] = edits.pause([squad.id]).changes
    assert paused.action == "pause" and paused.summary() == "status: 'ACTIVE' → 'PAUSED'"
    group = edits.resume([squad.id])
    assert group.removed == (paused.id,)
    creative = store.creatives(squad.ad_account_id or "")[0]
    skipped = edits.pause([creative.id])
    assert skipped.changes == () and skipped.issues[0].code == "skipped"


def test_validation_errors_block_and_store_nothing(store: Store, edits: EditService) -> None:
    squad = first_squad(store)
    with pytest.raises(ValidationFailed) as caught:
        edits.edit(kind=AD_SQUAD, entity_id=squad.id, fields={"daily_budget_micro": 1_000_000})
    assert caught.value.issues[0].code == "budget_minimum"
    assert "at least 5" in caught.value.message
    with pytest.raises(ValidationFailed, match="at most 375"):
        edits.edit(kind=AD_SQUAD, entity_id=squad.id, fields={"name": "n" * 400})
    assert pending(store) == []
    assert not edits.can_undo()


def test_review_reset_is_flagged_on_the_change(store: Store, edits: EditService) -> None:
    squad = first_squad(store)
    ad = store.ads(squad.id)[0]
    other = next(
        c
        for c in store.creatives(ad.ad_account_id or "")
        if c.id != ad.data["creative_id"] and c.data["type"] == "SNAP_AD"
    )
    group = edits.edit(kind=AD, entity_id=ad.id, fields={"creative_id": other.id})
    assert [i.code for i in group.issues] == ["review_reset"]
    assert group.changes[0].issues[0].severity == "warning"
    web = next(
        (c for c in store.creatives(ad.ad_account_id or "") if c.data["type"] == "WEB_VIEW"), None
    )
    if web is not None:
        with pytest.raises(ValidationFailed, match="needs a SNAP_AD creative"):
            edits.edit(kind=AD, entity_id=ad.id, fields={"creative_id": web.id})


def test_budget_preview_by_percent_and_value(store: Store, edits: EditService) -> None:
    squad = first_squad(store)
    campaign = first_campaign(store)
    old = squad.data["daily_budget_micro"]
    rows = edits.preview_budgets([squad.id, campaign.id], percent=Decimal("12.345"))
    assert [r.field for r in rows] == ["daily_budget_micro", "daily_budget_micro"]
    assert rows[0].old_micro == old and rows[0].new_micro is not None
    assert rows[0].new_micro % 10_000 == 0  # whole cents
    assert pending(store) == []  # a preview queues nothing
    too_fine = edits.preview_budgets([squad.id], value="12.345")
    assert too_fine[0].skipped == "USD amounts have at most 2 decimals ('12.345')"
    too_low = edits.preview_budgets([squad.id], value="4.99")
    assert [i.code for i in too_low[0].issues] == ["budget_minimum"] and not too_low[0].applies
    group = edits.adjust_budgets([squad.id], value="250")
    assert group.changes[0].after is not None
    assert group.changes[0].after["daily_budget_micro"] == 250_000_000


def test_budgets_in_yen_round_to_whole_yen(store: Store, edits: EditService) -> None:
    jpy = account(store, "JPY")
    squad = store.ad_squads(store.campaigns(jpy.id)[0].id)[0]
    rows = edits.preview_budgets([squad.id], percent="7.5")
    assert rows[0].currency == "JPY" and rows[0].new_micro is not None
    assert rows[0].new_micro % 1_000_000 == 0
    assert edits.preview_budgets([squad.id], value="1500.5")[0].skipped == (
        "JPY amounts have no decimals ('1500.5')"
    )


def test_bids_skip_auto_bid_squads(store: Store, edits: EditService) -> None:
    squad = first_squad(store)
    auto = edits.create_ad_squad(
        campaign_id=squad.parent_id or "",
        fields={"name": "Auto", "optimization_goal": "SWIPES", "daily_budget_micro": 10_000_000},
    ).changes[0]
    rows = edits.preview_bids([squad.id, auto.entity_id], percent=-10)
    assert rows[0].new_micro == rows[0].old_micro * 9 // 10  # type: ignore[operator]
    assert rows[1].skipped and "AUTO_BID" in rows[1].skipped
    group = edits.adjust_bids([squad.id, auto.entity_id], percent=-10)
    assert len(group.changes) == 1


def test_rename_find_and_replace(store: Store, edits: EditService) -> None:
    account_id = usd_account(store).id
    campaigns = store.campaigns(account_id)
    word = (campaigns[0].name or "").split()[0]
    hits = [c for c in campaigns if word in (c.name or "")]
    preview = edits.preview_rename([c.id for c in campaigns], word, "NEW")
    assert [p.entity_id for p in preview] == [c.id for c in hits]
    group = edits.rename([c.id for c in campaigns], word, "NEW")
    assert len(group.changes) == len(hits)
    assert all("NEW" in (c.after or {})["name"] for c in group.changes)


def test_new_entities_use_placeholders_and_can_be_edited(store: Store, edits: EditService) -> None:
    account_id = usd_account(store).id
    campaign = edits.create_campaign(ad_account_id=account_id, fields={"name": "Fresh"}).changes[0]
    assert campaign.entity_id.startswith("new-") and campaign.action == "create"
    assert campaign.request.body["campaigns"][0]["status"] == "PAUSED"
    squad = edits.create_ad_squad(
        campaign_id=campaign.entity_id,
        fields={
            "name": "Fresh squad",
            "optimization_goal": "SWIPES",
            "daily_budget_micro": 7_000_000,
        },
    ).changes[0]
    assert squad.depends_on == (campaign.id,)
    assert squad.request.path == f"/campaigns/$ref:{campaign.id}/adsquads"
    renamed = edits.edit(kind=CAMPAIGN, entity_id=campaign.entity_id, fields={"name": "Fresher"})
    assert renamed.changes[0].id == campaign.id
    assert renamed.changes[0].request.body["campaigns"][0]["name"] == "Fresher"
    removed = edits.delete([campaign.entity_id])
    assert set(removed.removed) == {campaign.id, squad.id}
    assert pending(store) == []


def test_delete_replaces_pending_edits(store: Store, edits: EditService) -> None:
    squad = first_squad(store)
    edits.edit(kind=AD_SQUAD, entity_id=squad.id, fields={"name": "x"})
    group = edits.delete([squad.id])
    [change] = pending(store)
    assert change.action == "delete" and change.request.path == f"/adsquads/{squad.id}"
    assert len(group.removed) == 1
    with pytest.raises(ChangeError, match="queued for deletion"):
        edits.edit(kind=AD_SQUAD, entity_id=squad.id, fields={"name": "y"})


def test_undo_redo_is_persisted_across_reopening_the_store(db_path: Path, store: Store) -> None:
    edits = EditService(store=store)
    campaign = first_campaign(store)
    edits.edit(kind=CAMPAIGN, entity_id=campaign.id, fields={"name": "Step 1"})
    edits.edit(kind=CAMPAIGN, entity_id=campaign.id, fields={"name": "Step 2"})
    edits.pause([first_squad(store).id])
    store.close()

    with Store(db_path) as reopened:
        again = EditService(store=reopened)
        assert again.repository.undo_label() == "Pause 1 item"
        undone = again.undo()
        assert undone is not None and undone.label == "Undo Pause 1 item"
        [change] = pending(reopened)
        assert change.after is not None and change.after["name"] == "Step 2"
        again.undo()
        [change] = pending(reopened)
        assert change.after is not None and change.after["name"] == "Step 1"
        again.undo()
        assert pending(reopened) == [] and again.undo() is None

    with Store(db_path) as third:
        edits3 = EditService(store=third)
        assert edits3.can_redo()
        edits3.redo()
        [change] = pending(third)
        assert change.after is not None and change.after["name"] == "Step 1"
        edits3.edit(kind=CAMPAIGN, entity_id=campaign.id, fields={"name": "Branch"})
        assert not edits3.can_redo()  # a new edit ends the redo chain


def test_revert_takes_dependents_along_and_is_undoable(store: Store, edits: EditService) -> None:
    account_id = usd_account(store).id
    campaign = edits.create_campaign(ad_account_id=account_id, fields={"name": "Parent"}).changes[0]
    squad = edits.create_ad_squad(
        campaign_id=campaign.entity_id,
        fields={"name": "Child", "optimization_goal": "SWIPES", "daily_budget_micro": 7_000_000},
    ).changes[0]
    group = edits.revert([campaign.id])
    assert {c.id for c in group.changes} == {campaign.id, squad.id}
    assert {c.state for c in group.changes} == {"reverted"}
    assert pending(store) == []
    edits.undo()
    assert {c.id for c in pending(store)} == {campaign.id, squad.id}


def test_duplicate_campaign_queues_the_tree(store: Store, edits: EditService) -> None:
    original = first_campaign(store)
    squads = store.ad_squads(original.id)
    group = edits.duplicate_campaign(original.id)
    campaign, *rest = group.changes
    assert campaign.after is not None and campaign.after["name"] == f"{original.name} (copy)"
    squad_changes = [c for c in rest if c.kind == AD_SQUAD]
    assert len(squad_changes) == len(squads)
    assert all(c.depends_on == (campaign.id,) for c in squad_changes)
    ads = [c for c in rest if c.kind == AD]
    assert all(
        len(c.depends_on) == 1 and c.depends_on[0] in {s.id for s in squad_changes} for c in ads
    )
    assert {(c.after or {}).get("status") for c in group.changes} == {"PAUSED"}
    assert edits.undo() is not None and pending(store) == []


def test_ad_from_media_chain_is_bound_by_placeholders(
    store: Store, edits: EditService, tmp_path: Path
) -> None:
    squad = first_squad(store)
    picture = tmp_path / "p.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 100)
    media, upload, creative, ad = edits.create_ad_from_media(
        picture, ad_squad_id=squad.id, creative={"name": "C", "headline": "H", "brand_name": "B"}
    ).changes
    assert (
        upload.depends_on == (media.id,) and upload.request.path == f"/media/$ref:{media.id}/upload"
    )
    assert upload.request.upload is not None and upload.request.upload["file_size"] == 108
    assert creative.kind == CREATIVE
    assert creative.request.body["creatives"][0]["top_snap_media_id"] == f"$ref:{media.id}"
    assert set(creative.depends_on) == {media.id, upload.id}
    assert ad.request.body["ads"][0]["creative_id"] == f"$ref:{creative.id}"
    assert ad.request.body["ads"][0]["type"] == "SNAP_AD"
    (tmp_path / "x.txt").write_text("not media")
    with pytest.raises(ChangeError, match="images"):
        edits.create_media(ad_account_id=squad.ad_account_id or "", file_path=tmp_path / "x.txt")
    with pytest.raises(ChangeError, match="Can't read"):
        edits.create_media(ad_account_id=squad.ad_account_id or "", file_path=tmp_path / "no.png")


def test_export_json_and_csv(store: Store, edits: EditService, tmp_path: Path) -> None:
    campaign = first_campaign(store)
    edits.edit(
        kind=CAMPAIGN, entity_id=campaign.id, fields={"name": "Exported", "status": "PAUSED"}
    )
    changes = pending(store)
    path = export_changes(changes, tmp_path / "changes.json")
    data = json.loads(path.read_text())
    assert data[0]["request"]["body"]["campaigns"][0]["name"] == "Exported"
    assert {d["field"] for d in data[0]["diff"]} == {"name", "status"}
    rows = list(csv.DictReader(io.StringIO(changes_to_csv(changes))))
    assert [(r["field"], r["after"]) for r in rows] == [("name", "Exported"), ("status", "PAUSED")]
    export_changes(changes, tmp_path / "changes.csv")
    assert (tmp_path / "changes.csv").read_text().startswith("id,seq,state")
    with pytest.raises(ValueError, match=r"\.json or \.csv"):
        export_changes(changes, tmp_path / "changes.txt")


def test_a_failed_change_gets_a_new_key_when_edited(store: Store, edits: EditService) -> None:
    campaign = first_campaign(store)
    change = edits.edit(kind=CAMPAIGN, entity_id=campaign.id, fields={"name": "A"}).changes[0]
    from snapdesk.changes import repository as repo

    store.write(lambda c: repo.save_change(c, change.evolve(state="failed", error="boom")))
    fixed = edits.edit(kind=CAMPAIGN, entity_id=campaign.id, fields={"name": "B"}).changes[0]
    assert fixed.id == change.id and fixed.state == "pending" and fixed.error is None
    assert fixed.idempotency_key != change.idempotency_key


def test_each_step_of_a_combined_action_returns_only_what_it_did(
    store: Store, edits: EditService
) -> None:
    """Inside `combined`, each call answers with its own changes and issues (what an import
    checks row by row), the action keeps all of them, and a refused step leaves no trace."""
    campaigns = store.campaigns(usd_account(store).id)[:3]
    steps = []

    def run() -> None:
        for n, campaign in enumerate(campaigns):
            steps.append(edits.edit(kind=CAMPAIGN, entity_id=campaign.id, fields={"name": f"C{n}"}))
        with pytest.raises(ValidationFailed):
            edits.edit(kind=CAMPAIGN, entity_id=campaigns[0].id, fields={"name": ""})
        steps.append(edits.edit(kind=CAMPAIGN, entity_id=campaigns[0].id, fields={"name": "C0"}))

    group = edits.combined("Rename three", run)
    assert [[c.entity_id for c in s.changes] for s in steps[:3]] == [[c.id] for c in campaigns]
    assert steps[3].changes == () or [c.entity_id for c in steps[3].changes] == [campaigns[0].id]
    assert {c.entity_id for c in group.changes} == {c.id for c in campaigns}
    assert sorted(c.after["name"] for c in pending(store) if c.after) == ["C0", "C1", "C2"]
    assert edits.undo() is not None and pending(store) == []  # one undo step
