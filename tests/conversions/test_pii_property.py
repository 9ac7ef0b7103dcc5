"""Property (issue 13): whatever a column is called and wherever an e-mail address or a phone
number sits in it, none reaches a request body, the payload preview, the report or the printed
CLI output unhashed.

Each example is a small CSV: the columns an offline event needs, plus one or two columns with
random headers (CRM spellings, seed 003's names, arbitrary text) holding identifier-looking
values (whole, or inside free text). The file is then read, previewed (dry-run plan), sent in
test mode to the sandbox's `/events/validate` (in-process), and pushed through
`snapdesk conversions push` (dry-run, which prints every payload)."""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import re
import string
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import phonenumbers
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from snapdesk.api import RetryPolicy
from snapdesk.api.capi import CapiClient
from snapdesk.changes.conversions import ConversionSender, plan_batches
from snapdesk.conversions import LoadOptions, LoadResult, load_rows
from snapdesk.conversions.aliases import automatic_field, squash
from snapdesk.conversions.cli import cmd_conversions_push
from snapdesk.sandbox import SandboxState, create_app
from snapdesk.sandbox.capi import DEMO_PIXEL_ID, SANDBOX_CAPI_TOKEN
from tests.conversions.conftest import CAPI_BASE, no_sleep

BASE = ["event_name", "event_time", "client_ip_address"]
WHEN = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")

HEADERS = [
    "contact", "Contact Info", "notes", "Notes", "comments", "info", "details", "misc", "Customer",
    "Email", "E-mail Address", "email_2", "Phone Number", "mobile", "Cell", "Telephone",
    "External ID", "Customer ID", "gender", "country", "First Name", "City", "Zip",
    "order_id", "Order ID", "content_name", "search_string", "client_user_agent", "User Agent",
    "event_id", "madid", "IDFA", "sc_click_id", "anon_id", "value", "currency", "num_items",
    "device_model", "carrier", "content_id_1", "utm_campaign", "tag_1", "em_2", "ph",
    "postal_code", "region", "custom_country", "search_string_1",
]  # fmt: skip
REGIONS = ["US", "GB", "FR", "DE", "ES", "IT", "NL", "BR", "IN", "AU", "CA", "JP", "MX", "SE"]
FORMATS = [
    phonenumbers.PhoneNumberFormat.E164,
    phonenumbers.PhoneNumberFormat.INTERNATIONAL,
    phonenumbers.PhoneNumberFormat.NATIONAL,
]

headers = st.one_of(
    st.sampled_from(HEADERS),
    st.text(string.ascii_letters + string.digits + " _-", min_size=1, max_size=14),
)


@st.composite
def phones(draw: st.DrawFn) -> str:
    """A phone number written as people write them: E.164, international, or national with
    separators (a national number formatted as bare digits is no identifier-looking value:
    see `snapdesk.conversions.pii`)."""
    if draw(st.booleans()):
        area = draw(st.integers(201, 989))
        line = draw(st.integers(0, 9999))
        exchange = draw(st.integers(200, 999))
        shape = draw(st.sampled_from(["({a}) {e}-{l:04d}", "{a}-{e}-{l:04d}", "{a}.{e}.{l:04d}",
                                      "+1 {a} {e} {l:04d}", "+1{a}{e}{l:04d}",
                                      "1-{a}-{e}-{l:04d}"]))  # fmt: skip
        return shape.format(a=area, e=exchange, l=line)
    region = draw(st.sampled_from(REGIONS))
    kind = draw(
        st.sampled_from(
            [phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE]
        )
    )
    example = phonenumbers.example_number_for_type(region, kind)
    assert example is not None
    national = str(example.national_number)
    tail = draw(st.text("0123456789", min_size=3, max_size=3))
    number = phonenumbers.parse(f"+{example.country_code}{national[:-3]}{tail}", None)
    text = phonenumbers.format_number(number, draw(st.sampled_from(FORMATS)))
    assume(text.startswith("+") or not text.isdigit())
    return text


emails = st.emails()
identifiers = st.one_of(emails, phones())


@st.composite
def cells(draw: st.DrawFn) -> tuple[str, str | None]:
    """(cell, the identifier in it or None)."""
    if draw(st.integers(0, 4)) == 0:
        return draw(st.sampled_from(["", "VIP", "ORD-5001", "94107-1234", "1234.56"])), None
    value = draw(identifiers)
    before = draw(st.sampled_from(["", "", "note: ", "call ", "contact "]))
    after = draw(st.sampled_from(["", "", " thanks", ".", " (work)"]))
    return f"{before}{value}{after}", value


def forms(value: str) -> list[str]:
    """The spellings of `value` that must not appear: as written, and its bare digits."""
    out = [value.lower()]
    if "@" not in value:
        digits = "".join(ch for ch in value if ch.isdigit())
        out += [digits, digits.lstrip("0").removeprefix("1")]
    return [f for f in out if len(f) >= 7]


_HEX = re.compile(r"[0-9a-f]{32,}")
_TIME = re.compile(r'"event_time": ?\d+')


def assert_clean(text: str, values: list[str], where: str) -> None:
    lowered = _TIME.sub("", _HEX.sub("", text.lower()))
    for value in values:
        for form in forms(value):
            assert form not in lowered, f"{where} holds {value!r}"


def to_csv(header: list[str], rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


async def send_test(result: LoadResult, state: SandboxState) -> None:
    transport = httpx.ASGITransport(app=create_app(state))
    async with CapiClient(
        token=SANDBOX_CAPI_TOKEN,
        base_url=CAPI_BASE,
        transport=transport,
        sleep=no_sleep,
        retry=RetryPolicy(max_attempts=1),
    ) as client:
        sender = ConversionSender(client=client, store=None, mode="test")
        await sender.send(result.events, asset_id=DEMO_PIXEL_ID)


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    columns=st.lists(headers, min_size=1, max_size=2, unique_by=lambda h: h.strip().lower()),
    data=st.data(),
)
def test_no_raw_identifier_leaves_the_computer(
    columns: list[str], data: st.DataObject, tmp_path: Path
) -> None:
    for header in columns:
        assume(header.strip() and squash(header))
        assume(header.strip().lower() not in BASE)
        assume(automatic_field(header)[0] not in BASE)
    n = data.draw(st.integers(1, 3), label="rows")
    rows: list[list[str]] = []
    planted: list[str] = []
    for i in range(n):
        row = ["PURCHASE" if i % 2 else "SIGN_UP", WHEN, f"203.0.113.{i + 1}"]
        for _header in columns:
            cell, value = data.draw(cells())
            row.append(cell)
            if value is not None:
                planted.append(value)
        if i % 2:
            row[0] = "PAGE_VIEW"
        rows.append(row)
    assume(planted)
    header = [*BASE, *columns]

    # The import: the mapping table, the report and every message.
    result = load_rows(header, rows, LoadOptions(source="offline"))
    report = json.dumps(result.to_json(), ensure_ascii=False) + "\n".join(result.report_lines())
    assert_clean(report, planted, "the report")

    # The payload preview (what the GUI shows and a dry-run prints).
    if result.events:
        batches = plan_batches(result.events, asset_id=DEMO_PIXEL_ID)
        preview = "".join(json.dumps(b.body, ensure_ascii=False) for b in batches)
        assert_clean(preview, planted, "the preview")

        # What the sandbox received in test mode.
        state = SandboxState()
        asyncio.run(send_test(result, state))
        recorded = [r for r in state.recorded() if r["method"] == "POST"]
        assert recorded
        assert_clean(json.dumps([r["json"] for r in recorded]), planted, "a request body")

    # The printed output of `snapdesk conversions push` (a dry-run prints every payload).
    path = tmp_path / "events.csv"
    path.write_text(to_csv(header, rows), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    args: Any = argparse.Namespace(
        input=str(path), pixel=DEMO_PIXEL_ID, source="offline", test=False,
        stop_on_invalid=False, live=False, map=[], drop=[],
    )  # fmt: skip
    code = cmd_conversions_push(args, stdout=out, stderr=err)
    assert code in (0, 1)
    assert_clean(out.getvalue() + err.getvalue(), planted, "the CLI output")
    if result.refusals:
        assert code == 1 and "--drop" in err.getvalue().splitlines()[-1]
