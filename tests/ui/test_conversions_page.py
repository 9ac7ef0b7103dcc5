"""The Conversions API page against a real sandbox over loopback HTTP: the validation report and
mapping table, dry-run sending nothing, test mode with Snap's logs and counts, a confirmed live
send, and the token dialog keeping the token in the keyring only."""

from __future__ import annotations

import asyncio
import csv
import inspect
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from snapdesk.auth.capi_tokens import KeyringCapiTokenStore
from snapdesk.conversions import write_sample
from snapdesk.sandbox import SandboxServer
from snapdesk.sandbox.capi import DEMO_PIXEL_ID, SANDBOX_CAPI_TOKEN
from snapdesk.store import Store
from snapdesk.ui.app_state import app_state
from snapdesk.ui.session import Session
from snapdesk.ui.views.conversions import (
    MAPPING_TAB,
    PREVIEW_TAB,
    REPORT_TAB,
    RESULTS_TAB,
    ConversionsPage,
    open_conversions_window,
)
from tests.ui.auth_helpers import MemoryKeyring

REPO = Path(__file__).resolve().parents[2]
ERRORS_SAMPLE = REPO / "resources/samples/conversion_events_web_errors.csv"
VALID_WEB_EVENTS = 8  # rows 2-9 of the web samples


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    with SandboxServer(seed=42, scale="demo") as s:
        yield s


@pytest.fixture
def sandbox(server: SandboxServer) -> SandboxServer:
    httpx.post(f"{server.base_url}/__sandbox__/capi/reset").raise_for_status()
    httpx.delete(f"{server.base_url}/__sandbox__/requests").raise_for_status()
    return server


def capi_requests(server: SandboxServer) -> list[dict[str, Any]]:
    entries = httpx.get(f"{server.base_url}/__sandbox__/requests").json()
    return [e for e in entries if "/v3" in str(e.get("path", ""))]


def capi_posts(server: SandboxServer) -> list[dict[str, Any]]:
    return [e for e in capi_requests(server) if e.get("method") == "POST"]


def received(server: SandboxServer) -> dict[str, Any]:
    answer: dict[str, Any] = httpx.get(f"{server.base_url}/__sandbox__/capi/events").json()
    return answer


@pytest.fixture
def session(
    qloop: asyncio.AbstractEventLoop, store: Store, sandbox: SandboxServer
) -> Iterator[Session]:
    s = Session(store=store, loop=qloop, sandbox=sandbox)
    yield s
    app_state(s).close()


@pytest.fixture
def page(qtbot: Any, session: Session) -> Iterator[ConversionsPage]:
    window = open_conversions_window(session=session, parent=None)
    assert isinstance(window, ConversionsPage)
    window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)  # qtbot closes it
    qtbot.addWidget(window)
    window.set_asset_id(DEMO_PIXEL_ID)
    yield window
    window.close()


def wait_idle(qtbot: Any, page: ConversionsPage) -> None:
    qtbot.waitUntil(lambda: not page.busy and page.result is not None, timeout=20000)


def load(qtbot: Any, page: ConversionsPage, path: Path) -> None:
    with qtbot.waitSignal(page.loaded, timeout=20000):
        page.load_file(path)
    wait_idle(qtbot, page)


def send(qtbot: Any, page: ConversionsPage, click: Any) -> None:
    with qtbot.waitSignal(page.sent, timeout=20000):
        click()
    qtbot.waitUntil(lambda: not page.busy, timeout=20000)


def model_rows(model: Any) -> list[list[str]]:
    return [
        [str(model.index(r, c).data()) for c in range(model.columnCount())]
        for r in range(model.rowCount())
    ]


# -- report and mapping ----------------------------------------------------------------------------


def test_error_sample_report_lists_each_invalid_row_with_reason(
    qtbot: Any, page: ConversionsPage, qtmodeltester: Any, tmp_path: Path
) -> None:
    load(qtbot, page, ERRORS_SAMPLE)
    result = page.result
    assert result is not None
    qtmodeltester.check(page.issue_model)
    qtmodeltester.check(page.mapping_model)
    rows = model_rows(page.issue_model)
    listed = {int(r[0]) for r in rows}
    assert listed == set(range(2, 16))  # every row of the file is invalid and reported
    by_row = {(int(r[0]), r[1]): r[2] for r in rows}
    assert by_row[(10, "currency")] == "required for PURCHASE events"
    assert "protocol" in by_row[(11, "event_source_url")]
    assert "e-mail" in by_row[(11, "em")]
    assert "event names" in by_row[(12, "event_name")]
    assert "more than 7 days in the past" in by_row[(13, "event_time")]
    assert "ISO 4217" in by_row[(14, "currency")]
    assert by_row[(14, "value")] == "must be a number"
    assert "10 or more digits" in by_row[(15, "event_time")]
    assert "no identifier" in by_row[(15, "user_data")]
    assert page.tabs.currentIndex() == REPORT_TAB
    assert page.tabs.tabText(REPORT_TAB) == "Validation report (14 invalid)"
    # The static file is dated June 2025: the realistic "every event too old" error state.
    assert page.summary_banner.kind == "error"
    assert "No valid events" in page.summary_banner.text()
    assert "outside the 7-day window" in page.summary_banner.text()
    assert not page.send_button.isEnabled()
    assert not page.test_button.isEnabled()
    assert not page.preview_button.isEnabled()

    page.filter_edit.setText("checkout")
    assert page.issue_proxy.rowCount() == 1
    page.filter_edit.clear()
    assert page.issue_proxy.rowCount() == len(result.issues)

    target = tmp_path / "report.csv"
    page.write_report(str(target))
    with target.open(encoding="utf-8") as fh:
        saved = list(csv.DictReader(fh))
    assert len(saved) == len(result.issues)
    assert {"row": "12", "field": "event_name"}.items() <= saved[
        next(i for i, s in enumerate(saved) if s["field"] == "event_name")
    ].items()


def test_fresh_events_with_errors_skip_invalid_rows(
    qtbot: Any, page: ConversionsPage, tmp_path: Path
) -> None:
    load(qtbot, page, write_sample(tmp_path / "errors.csv", "web_errors"))
    assert page.result is not None
    assert page.result.valid_count == VALID_WEB_EVENTS
    assert page.result.invalid_rows == (10, 11, 12, 13, 14, 15)
    assert page.summary_banner.kind == "warning"
    assert page.send_button.isEnabled() and page.test_button.isEnabled()

    page.stop_radio.setChecked(True)  # reloads with "stop at the first invalid row"
    qtbot.waitUntil(lambda: page.result is not None and page.result.stopped_at == 10)
    wait_idle(qtbot, page)
    assert page.summary_banner.kind == "error"
    assert "row 10" in page.summary_banner.text()
    assert not page.send_button.isEnabled()


def test_mapping_table_shows_how_each_column_is_handled(
    qtbot: Any, page: ConversionsPage, tmp_path: Path
) -> None:
    load(qtbot, page, write_sample(tmp_path / "web.csv", "web"))
    assert page.tabs.currentIndex() == MAPPING_TAB
    mapping = {r[0]: r[1:] for r in model_rows(page.mapping_model)}
    for field in ("em", "ph", "fn", "ln", "ct", "st", "zp", "country"):
        target, kind, details = mapping[field]
        assert (target, kind) == (f"user_data.{field}", "hashed")
        assert "SHA-256" in details
    assert mapping["client_ip_address"][:2] == ["user_data.client_ip_address", "passed through"]
    assert "never hashed" in mapping["client_ip_address"][2]
    assert mapping["utm_campaign"][:2] == ["custom_data.utm_campaign", "custom_data"]
    assert mapping["content_ids_1"][1] == "array"
    assert mapping["content_id_2"][:2] == ["custom_data.contents[2].id", "array"]
    assert mapping["EVENT_NAME"][0] == "event_name"

    page.source_combo.setCurrentIndex(page.source_combo.findData("app"))
    qtbot.waitUntil(lambda: page.result is not None and page.result.options.source == "app")
    wait_idle(qtbot, page)
    assert page.asset_label.text() == "Snap app ID"
    page.load_file(write_sample(tmp_path / "app.csv", "app"))
    qtbot.waitUntil(lambda: page.result is not None and page.result.path == tmp_path / "app.csv")
    wait_idle(qtbot, page)
    app_mapping = {r[0]: r[1:] for r in model_rows(page.mapping_model)}
    assert app_mapping["device_os"][:2] == ["app_data.extinfo[0]", "extinfo"]
    assert app_mapping["timezone_location"][:2] == ["app_data.extinfo[15]", "extinfo"]
    assert app_mapping["anon_id"][0] == "custom_data.anon_id"


# -- dry-run, test and live --------------------------------------------------------------------------


def test_dry_run_shows_payloads_and_sends_nothing(
    qtbot: Any, page: ConversionsPage, sandbox: SandboxServer, tmp_path: Path, qtmodeltester: Any
) -> None:
    load(qtbot, page, write_sample(tmp_path / "web.csv", "web"))
    send(qtbot, page, page.preview_button.click)
    assert page.tabs.currentIndex() == PREVIEW_TAB
    assert page.batch_list.count() == 1
    text = page.payload_view.toPlainText()
    assert '"event_id": "web-1004"' in text
    assert "ava.jones@example.com" not in text.lower()  # hashes only
    assert "access_token=<token>" in page.request_label.text()
    assert f"/v3/{DEMO_PIXEL_ID}/events" in page.request_label.text()

    # "Send" with live mode off rehearses too, without asking.
    assert page.send_button.text() == "Send (dry-run)"
    send(qtbot, page, page.send_button.click)
    assert page.confirm_box is None
    done = page.last_done
    assert done is not None and done.report.mode == "dry-run"
    qtmodeltester.check(page.result_model)
    statuses = {r[3] for r in model_rows(page.result_model)}
    assert statuses == {"dry-run"}
    assert capi_posts(sandbox) == []
    assert capi_requests(sandbox) == []
    assert received(sandbox)["live"] == [] and received(sandbox)["test"] == []


def test_test_mode_shows_validation_logs_and_counts(
    qtbot: Any, page: ConversionsPage, sandbox: SandboxServer, tmp_path: Path, qtmodeltester: Any
) -> None:
    load(qtbot, page, write_sample(tmp_path / "web.csv", "web"))
    send(qtbot, page, page.test_button.click)
    assert page.tabs.currentIndex() == RESULTS_TAB
    posts = capi_posts(sandbox)
    assert [p["path"] for p in posts] == [f"/v3/{DEMO_PIXEL_ID}/events/validate"]
    report = page.last_done.report if page.last_done else None
    assert report is not None and report.mode == "test"
    assert {r[3] for r in model_rows(page.result_model)} == {"VALID"}
    assert f"<b>{VALID_WEB_EVENTS}</b> test event(s)" in page.stats_label.text()
    assert "<b>0</b> live event(s)" in page.stats_label.text()
    assert not page.logs_box.isHidden()
    qtmodeltester.check(page.log_model)
    assert page.log_model.rowCount() == VALID_WEB_EVENTS
    assert "sandbox&#x27;s Conversions API token" in page.results_banner.text()
    assert received(sandbox)["live"] == []


def test_live_send_is_confirmed_and_sends_every_valid_event_once(
    qtbot: Any, page: ConversionsPage, sandbox: SandboxServer, session: Session, tmp_path: Path
) -> None:
    load(qtbot, page, write_sample(tmp_path / "errors.csv", "web_errors"))
    session.live_mode.set(True, reason="test")
    qtbot.waitUntil(lambda: page.send_button.text() == "Send")

    page.send_button.click()  # declined: nothing is sent
    box = page.confirm_box
    assert isinstance(box, QMessageBox)
    assert DEMO_PIXEL_ID in box.text() and f"{VALID_WEB_EVENTS} event(s)" in box.text()
    box.button(QMessageBox.StandardButton.Cancel).click()
    qtbot.wait(100)
    assert capi_posts(sandbox) == []

    page.send_button.click()
    box = page.confirm_box
    assert box is not None
    accept = next(b for b in box.buttons() if b.text().startswith("Send"))
    send(qtbot, page, accept.click)
    posts = capi_posts(sandbox)
    assert [p["path"] for p in posts] == [f"/v3/{DEMO_PIXEL_ID}/events"]
    live_events = received(sandbox)["live"]
    assert sorted(e["event_id"] for e in live_events) == [f"web-100{n}" for n in range(1, 9)]
    assert received(sandbox)["duplicates"] == 0
    rows = model_rows(page.result_model)
    assert [int(r[0]) for r in rows] == list(range(2, 10))
    assert {r[3] for r in rows} == {"VALID"}
    assert page.results_banner.kind == "ok"
    assert f"Sent {VALID_WEB_EVENTS} of {VALID_WEB_EVENTS}" in page.results_banner.text()


def test_no_login_uses_the_keyring_token_and_capi_base(
    qtbot: Any,
    qloop: asyncio.AbstractEventLoop,
    sandbox: SandboxServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SNAPDESK_CAPI_BASE", f"{sandbox.base_url}/v3")
    monkeypatch.delenv("SNAPDESK_CAPI_TOKEN", raising=False)
    window = open_conversions_window(session=None, parent=None)
    assert isinstance(window, ConversionsPage)
    window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)  # qtbot closes it
    qtbot.addWidget(window)
    window.set_asset_id(DEMO_PIXEL_ID)
    qtbot.waitUntil(lambda: "No Conversions API token" in window.credential_label.text())
    KeyringCapiTokenStore().set(DEMO_PIXEL_ID, SANDBOX_CAPI_TOKEN)
    window._on_credential_timer_timeout()
    qtbot.waitUntil(lambda: "stored for" in window.credential_label.text())
    load(qtbot, window, write_sample(tmp_path / "web.csv", "web"))
    send(qtbot, window, window.test_button.click)
    report = window.last_done.report if window.last_done else None
    assert report is not None and report.count("valid") == VALID_WEB_EVENTS
    window.close()


def test_send_without_token_explains_what_to_do(
    qtbot: Any,
    qloop: asyncio.AbstractEventLoop,
    sandbox: SandboxServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SNAPDESK_CAPI_BASE", f"{sandbox.base_url}/v3")
    monkeypatch.delenv("SNAPDESK_CAPI_TOKEN", raising=False)
    window = open_conversions_window(session=None, parent=None)
    assert isinstance(window, ConversionsPage)
    window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)  # qtbot closes it
    qtbot.addWidget(window)
    window.set_asset_id(DEMO_PIXEL_ID)
    load(qtbot, window, write_sample(tmp_path / "web.csv", "web"))
    window.test_button.click()
    qtbot.waitUntil(lambda: window.results_banner.kind == "error", timeout=20000)
    assert "Nothing was sent" in window.results_banner.text()
    assert "No Conversions API token" in window.results_banner.text()
    assert capi_posts(sandbox) == []
    window.close()


# -- the token dialog ----------------------------------------------------------------------------


def test_token_dialog_stores_the_token_in_the_keyring_only(
    qtbot: Any,
    qloop: asyncio.AbstractEventLoop,
    memory_keyring: MemoryKeyring,
) -> None:
    secret = "capi-secret-token-7f3a9c1e5b"
    window = open_conversions_window(session=None, parent=None)
    assert isinstance(window, ConversionsPage)
    window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)  # qtbot closes it
    qtbot.addWidget(window)
    window.set_asset_id(DEMO_PIXEL_ID)
    window.token_button.click()
    dialog = window.token_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.asset_edit.text() == DEMO_PIXEL_ID
    assert dialog.token_edit.echoMode() == dialog.token_edit.EchoMode.Password
    assert not dialog.save_button.isEnabled()
    assert dialog.remove_button.isHidden()
    dialog.token_edit.setText(secret)
    with qtbot.waitSignal(dialog.saved, timeout=5000) as saved:
        dialog.save_button.click()
    assert saved.args == [DEMO_PIXEL_ID]
    assert dialog.token_edit.text() == ""
    assert memory_keyring.entries[("snapdesk", f"capi-token:{DEMO_PIXEL_ID}")] == secret
    qtbot.waitUntil(lambda: "stored for" in window.credential_label.text())
    assert secret not in window.credential_label.text()

    # Reopened: the token is never shown again, only that one is stored.
    window.token_button.click()
    again = window.token_dialog
    assert again is not None and again is not dialog
    assert again.token_edit.text() == ""
    assert "stored" in again.token_edit.placeholderText()
    assert not again.remove_button.isHidden()
    with qtbot.waitSignal(again.removed, timeout=5000):
        again.remove_button.click()
    assert ("snapdesk", f"capi-token:{DEMO_PIXEL_ID}") not in memory_keyring.entries
    again.reject()
    window.close()

    for name in ("SNAPDESK_CONFIG_DIR", "SNAPDESK_DATA_DIR", "SNAPDESK_CACHE_DIR"):
        root = Path(os.environ[name])
        for path in root.rglob("*") if root.exists() else []:
            if path.is_file():
                assert secret.encode() not in path.read_bytes(), path


# -- live mode: one owner --------------------------------------------------------------------------


def test_live_mode_is_read_from_the_session_owner(
    qtbot: Any, page: ConversionsPage, session: Session, tmp_path: Path
) -> None:
    assert "live" not in inspect.signature(open_conversions_window).parameters
    assert not page.is_live() and page.send_button.text() == "Send (dry-run)"
    session.live_mode.set(True, reason="test")
    # Redrawn from the owner's one notification, at once (no polling, no copy).
    assert page.is_live() and page.send_button.text() == "Send"
    assert page.mode_chip.text() == "SANDBOX · LIVE"

    load(qtbot, page, write_sample(tmp_path / "web.csv", "web"))
    page.send_button.click()
    assert isinstance(page.confirm_box, QMessageBox)
    session.live_mode.set(False, reason="toolbar")
    assert page.confirm_box is None  # the question is moot: nothing will be sent live
    assert page.send_button.text() == "Send (dry-run)" and page.mode_chip.text() == "SANDBOX"


# -- the editable mapping (issue 13) ---------------------------------------------------------------


def write_rows(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def recent() -> str:
    return (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_a_column_of_phones_is_refused_until_mapped(
    qtbot: Any, page: ConversionsPage, tmp_path: Path, qtmodeltester: Any
) -> None:
    path = write_rows(
        tmp_path / "leads.csv",
        ["Event Name", "Event Time", "Event Source URL", "Email", "Contact", "Campaign"],
        [
            ["SIGN_UP", recent(), "https://shop.example.com/", "a@example.com",
             "(206) 555-0134", "spring"],
            ["SIGN_UP", recent(), "https://shop.example.com/", "b@example.com",
             "+44 20 7946 0958", "spring"],
        ],
    )  # fmt: skip
    load(qtbot, page, path)
    qtmodeltester.check(page.mapping_model)
    rows = {r[0]: r[1:] for r in model_rows(page.mapping_model)}
    assert rows["Contact"][1] == "refused"
    assert page.summary_banner.kind == "error"
    assert "“Contact” holds phone numbers (found in rows 2, 3)" in page.summary_banner.text()
    assert "555" not in page.summary_banner.text()
    combo = page.mapping_editor("Contact")
    assert combo is not None
    offered = [combo.itemData(i) for i in range(1, combo.count())]
    assert offered == ["em", "ph", "fn", "ln", "ge", "ct", "st", "zp", "country", "external_id",
                       "drop"]  # fmt: skip
    campaign = page.mapping_editor("Campaign")
    assert campaign is not None and campaign.count() > 40  # any field for a plain column

    with qtbot.waitSignal(page.loaded, timeout=20000):
        combo.setCurrentIndex(combo.findData("ph"))
        combo.activated.emit(combo.currentIndex())
    wait_idle(qtbot, page)
    rows = {r[0]: r[1:] for r in model_rows(page.mapping_model)}
    assert rows["Contact"][:2] == ["user_data.ph", "hashed"]
    assert "chosen by you" in rows["Contact"][2]
    assert page.summary_banner.kind == "ok" and page.send_button.isEnabled()
    assert page.tabs.currentIndex() == MAPPING_TAB
    assert page.column_map == {"Contact": "ph"}
    assert page.reset_mapping_button.isEnabled()


def test_personal_column_cannot_be_sent_raw(
    qtbot: Any, page: ConversionsPage, tmp_path: Path
) -> None:
    path = write_rows(
        tmp_path / "crm.csv",
        ["event_name", "event_time", "event_source_url", "Email Address", "First Name"],
        [["PAGE_VIEW", recent(), "https://shop.example.com/", "a@example.com", "Ava"]],
    )
    load(qtbot, page, path)
    combo = page.mapping_editor("First Name")
    assert combo is not None and combo.currentData() == "fn"
    assert "custom_data.First Name" not in [combo.itemData(i) for i in range(combo.count())]
    with qtbot.waitSignal(page.loaded, timeout=20000):
        page.choose_field("First Name", "custom_data.first_name")  # not offered; refused anyway
    wait_idle(qtbot, page)
    assert page.summary_banner.kind == "error"
    assert "“First Name” holds personal data (fn)" in page.summary_banner.text()
    assert not page.send_button.isEnabled()
    with qtbot.waitSignal(page.loaded, timeout=20000):
        page.reset_mapping_button.click()
    wait_idle(qtbot, page)
    assert page.column_map == {} and page.summary_banner.kind == "ok"


def test_preview_follows_a_mapping_change(
    qtbot: Any, page: ConversionsPage, sandbox: SandboxServer, tmp_path: Path
) -> None:
    load(qtbot, page, write_sample(tmp_path / "web.csv", "web"))
    send(qtbot, page, page.preview_button.click)
    assert '"utm_campaign"' in page.payload_view.toPlainText()
    assert "user agent" in page.preview_hint.text() and "IP address" in page.preview_hint.text()
    page.tabs.setCurrentIndex(MAPPING_TAB)
    with qtbot.waitSignal(page.loaded, timeout=20000):
        page.choose_field("utm_campaign", "drop")
    wait_idle(qtbot, page)
    assert page.batch_list.count() == 1  # the preview was redrawn, not cleared
    assert '"utm_campaign"' not in page.payload_view.toPlainText()
    assert capi_requests(sandbox) == []


def test_report_hides_emails_and_phones(qtbot: Any, page: ConversionsPage, tmp_path: Path) -> None:
    path = write_rows(
        tmp_path / "bad.csv",
        ["event_name", "event_time", "event_source_url", "email"],
        [["PAGE_VIEW", recent(), "https://shop.example.com/", "ava.jones@example"],
         ["PAGE_VIEW", recent(), "https://shop.example.com/", "lee@example.com"]],
    )  # fmt: skip
    load(qtbot, page, path)
    values = [r[3] for r in model_rows(page.issue_model)]
    assert values == ["<e-mail hidden>", ""]  # row 2: no identifier left
    target = tmp_path / "report.csv"
    page.write_report(str(target))
    assert "ava" not in target.read_text(encoding="utf-8")
