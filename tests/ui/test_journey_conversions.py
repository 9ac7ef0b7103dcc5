"""Journey (issue 13): a marketer sends a CRM export as test conversions, through the real main
window against the sandbox over loopback.

Tools → Conversions API, choose the export (headers as a CRM writes them: `Email Address`,
`Phone Number`, `First Name`, `Zip`, …, and a `Notes` column where one customer's note holds an
e-mail address), check the mapping the user sees, fix what the window refuses by dropping
`Notes` in the mapping table, look at the payload preview (hashes only), send test events to
`/events/validate`, and check what the sandbox recorded: no raw e-mail address, phone number or
name anywhere."""

from __future__ import annotations

import asyncio
import csv
import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QComboBox, QFileDialog
from pytestqt.qtbot import QtBot

from snapdesk.api import SnapApi
from snapdesk.conversions.fields import HASHED_USER_FIELDS
from snapdesk.sandbox import SandboxServer
from snapdesk.sandbox.capi import DEMO_PIXEL_ID
from snapdesk.store import Store
from snapdesk.ui.main_window import MainWindow
from snapdesk.ui.session import Session
from snapdesk.ui.views.conversions import MAPPING_TAB, PREVIEW_TAB, RESULTS_TAB, ConversionsPage
from tests.ui.changes_env import clear_recorded, control, recorded

TIMEOUT = 20_000
HEADER = ["Email Address", "Phone Number", "First Name", "Zip", "Order ID", "Value", "Currency",
          "Event Name", "Event Time", "Notes"]  # fmt: skip
CUSTOMERS = [
    ("Ava.Jones@Example.com", "+1 (206) 555-0134", "Ava", "94107-1234", "ORD-7001", "89.97",
     "VIP, gift wrap"),
    ("lee.wong@example.com", "+44 20 7946 0958", "Lee", "SW1A 1AA", "ORD-7002", "12.50", ""),
    ("maria.garcia@example.es", "+34 612 34 56 78", "María", "28013", "ORD-7003", "240.00",
     "prefers invoices at billing.garcia@example.es"),
]  # fmt: skip
RAW = [part for c in CUSTOMERS for part in (c[0], c[1], c[2], c[6]) if part] + [
    "ava.jones", "lee.wong", "maria.garcia", "billing.garcia", "2065550134", "2079460958",
    "612345678", "gift wrap",
]  # fmt: skip


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def write_export(path: Path) -> Path:
    """A CRM export of three purchases made an hour or two ago."""
    now = datetime.now(UTC)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        for i, (email, phone, first, zip_code, order, value, notes) in enumerate(CUSTOMERS):
            when = (now - timedelta(hours=1 + i)).strftime("%Y-%m-%d %H:%M:%S")
            writer.writerow(
                [email, phone, first, zip_code, order, value, "USD", "PURCHASE", when, notes]
            )
    return path


def assert_no_raw(text: str, where: str) -> None:
    lowered = text.lower()
    for raw in RAW:
        assert raw.lower() not in lowered, f"{where} holds {raw!r}"


@pytest.fixture
def window(
    qtbot: QtBot,
    store: Store,
    api: SnapApi,
    server: SandboxServer,
    qloop: asyncio.AbstractEventLoop,
) -> Iterator[MainWindow]:
    control(server, "POST", "capi/reset")
    clear_recorded(server)
    session = Session(store=store, loop=qloop, api=api, profile="default", sandbox=server)
    win = MainWindow(session)
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    yield win
    for page in win.findChildren(ConversionsPage):
        page.close()
    win.experiment_runner.stop()


def mapping_rows(page: ConversionsPage) -> dict[str, list[str]]:
    model = page.mapping_model
    return {
        model.record(r).column: [str(model.index(r, c).data()) for c in range(1, 4)]
        for r in range(model.rowCount())
    }


def choices(combo: QComboBox) -> list[str]:
    return [str(combo.itemData(i)) for i in range(combo.count())]


def test_crm_export_to_test_events_sends_hashes_only(
    qtbot: QtBot, window: MainWindow, server: SandboxServer, tmp_path: Path
) -> None:
    export = write_export(tmp_path / "crm_export_2025-06.csv")

    # Tools → Conversions API…
    action = window.findChild(QAction, "conversionsAction")
    assert isinstance(action, QAction) and action.isEnabled()
    action.trigger()
    page = window.findChild(ConversionsPage)
    assert isinstance(page, ConversionsPage)
    qtbot.waitExposed(page)
    assert page.mode_chip.text() == "SANDBOX"  # dry-run: the session's mode
    page.source_combo.setCurrentIndex(page.source_combo.findData("offline"))
    page.asset_combo.setCurrentIndex(page.asset_combo.findData(DEMO_PIXEL_ID))
    assert page.asset_id() == DEMO_PIXEL_ID

    # Choose file… → the export.
    page.choose_button.click()
    dialog = page.file_dialog
    assert isinstance(dialog, QFileDialog)
    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        dialog.fileSelected.emit(str(export))
        dialog.close()
    qtbot.waitUntil(lambda: not page.busy, timeout=TIMEOUT)

    # The mapping the user sees: identifiers recognised and hashed; Notes refused.
    rows = mapping_rows(page)
    assert rows["Email Address"] == ["user_data.em", "hashed", rows["Email Address"][2]]
    assert "recognised from the column name" in rows["Email Address"][2]
    assert [rows[c][:2] for c in ("Phone Number", "First Name", "Zip")] == [
        ["user_data.ph", "hashed"], ["user_data.fn", "hashed"], ["user_data.zp", "hashed"]
    ]  # fmt: skip
    assert rows["Order ID"][:2] == ["custom_data.order_id", "passed through"]
    assert rows["Event Time"][0] == "event_time" and rows["Event Name"][0] == "event_name"
    assert rows["Notes"][1] == "refused"
    assert rows["Notes"][2] == "holds email addresses (found in row 4): send it hashed, or drop it"
    assert page.tabs.currentIndex() == MAPPING_TAB
    assert page.tabs.tabText(MAPPING_TAB) == "Mapping (1 to fix)"
    assert page.summary_banner.kind == "error"
    assert "Nothing can be sent yet" in page.summary_banner.text()
    assert not page.preview_button.isEnabled() and not page.test_button.isEnabled()
    assert page.result is not None
    assert_no_raw(page.summary_banner.text() + json.dumps(page.result.to_json()), "the window")

    email_box = page.mapping_editor("Email Address")
    assert email_box is not None and email_box.currentText() == "em · email, hashed"
    assert choices(email_box) == ["em", *(f for f in HASHED_USER_FIELDS if f != "em"), "drop"]
    notes_box = page.mapping_editor("Notes")
    assert notes_box is not None and notes_box.accessibleName() == "Send column Notes as"
    assert set(choices(notes_box)[1:]) == {*HASHED_USER_FIELDS, "drop"}  # hashed or dropped
    order_box = page.mapping_editor("Order ID")
    assert order_box is not None and "custom_data.Order ID" in choices(order_box)

    # Drop Notes in the mapping table.
    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        notes_box.setCurrentIndex(notes_box.findData("drop"))
        notes_box.activated.emit(notes_box.currentIndex())
    qtbot.waitUntil(lambda: not page.busy, timeout=TIMEOUT)
    rows = mapping_rows(page)
    assert rows["Notes"][:2] == ["— not sent", "dropped"]
    assert page.tabs.tabText(MAPPING_TAB) == "Mapping"
    assert page.summary_banner.kind == "ok"
    assert "All 3 event(s)" in page.summary_banner.text()
    assert page.mapping_editor("Notes").currentText() == "drop · not sent"  # type: ignore[union-attr]

    # The payload preview: hashes only.
    with qtbot.waitSignal(page.sent, timeout=TIMEOUT):
        page.preview_button.click()
    qtbot.waitUntil(lambda: not page.busy, timeout=TIMEOUT)
    assert page.tabs.currentIndex() == PREVIEW_TAB
    preview = page.payload_view.toPlainText()
    body = json.loads(preview)
    first = body["data"][0]
    assert first["user_data"] == {
        "em": [sha("ava.jones@example.com")],
        "ph": [sha("12065550134")],
        "fn": [sha("ava")],
        "zp": [sha("94107")],
    }
    assert first["custom_data"] == {"order_id": "ORD-7001", "value": 89.97, "currency": "USD"}
    assert first["action_source"] == "OFFLINE"
    assert_no_raw(preview, "the preview")
    assert "E-mail addresses and phone numbers appear only as SHA-256 hashes" in (
        page.preview_hint.text()
    )
    assert recorded(server) == []  # a preview sends nothing

    # Send test events → /events/validate.
    with qtbot.waitSignal(page.sent, timeout=TIMEOUT):
        page.test_button.click()
    qtbot.waitUntil(lambda: not page.busy, timeout=TIMEOUT)
    assert page.tabs.currentIndex() == RESULTS_TAB
    assert page.results_banner.kind == "ok", page.results_banner.text()
    posts = [r for r in recorded(server) if r["method"] == "POST"]
    assert [p["path"] for p in posts] == [f"/v3/{DEMO_PIXEL_ID}/events/validate"]
    sent: dict[str, Any] = posts[0]["json"]
    assert len(sent["data"]) == 3
    assert [e["custom_data"]["order_id"] for e in sent["data"]] == [c[4] for c in CUSTOMERS]
    assert all("Notes" not in e["custom_data"] for e in sent["data"])
    assert sent["data"][2]["user_data"]["ph"] == [sha("34612345678")]
    assert_no_raw(json.dumps(recorded(server)), "what the sandbox recorded")
    capi = control(server, "GET", "capi/events")
    assert len(capi["test"]) == 3 and capi["live"] == []
