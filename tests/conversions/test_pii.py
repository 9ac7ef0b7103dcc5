"""Issue 13: no raw e-mail address or phone number in a Conversions API payload.

CRM exports name identifier columns their own way (`Email Address`, `Phone Number`, `Zip`), so
the alias table maps them to the hashed user_data fields; any other column whose values look
like e-mail addresses or phone numbers is refused unless the user maps it to a hashed field or
drops it. Reports never show such values either."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import pytest

from snapdesk.conversions import LoadResult
from snapdesk.conversions.aliases import TargetError, automatic_field, parse_target
from snapdesk.conversions.model import LoadOptions, MappingError
from snapdesk.conversions.pii import contains_email, contains_phone, kinds, redact
from tests.conversions.conftest import NOW, event_of, load

HOUR_AGO = str(int((NOW - timedelta(hours=1)).timestamp()))
URL = "https://shop.example.com/p"
BASE = {"event_name": "PURCHASE", "event_time": HOUR_AGO, "event_source_url": URL,
        "currency": "USD", "value": "10"}  # fmt: skip


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def crm(*rows: dict[str, str], **options: object) -> LoadResult:
    """Rows of BASE plus the given cells (the header is the union of the keys, in order)."""
    header = list(BASE)
    for row in rows:
        header += [k for k in row if k not in header]
    body = [[{**BASE, **row}.get(h, "") for h in header] for row in rows]
    return load(header, *body, **options)  # type: ignore[arg-type]


def body_text(result: LoadResult) -> str:
    return json.dumps([dict(e.event) for e in result.events], ensure_ascii=False)


# -- the reproduction -----------------------------------------------------------------------------


def test_crm_headers_are_identifiers_and_nothing_raw_is_sent() -> None:
    """Issue 13: `email`/`phone`/`ip_address` columns sent `custom_data.phone` raw."""
    result = crm({"email": "Ava.Jones@Example.com", "phone": "+1 206 555 0000",
                  "ip_address": "203.0.113.10"})  # fmt: skip
    event = event_of(result)
    assert event["user_data"] == {
        "em": [sha("ava.jones@example.com")],
        "ph": [sha("12065550000")],
        "client_ip_address": "203.0.113.10",
    }
    assert event["custom_data"] == {"currency": "USD", "value": 10.0}
    assert "206" not in body_text(result) and "ava" not in body_text(result).lower()


def test_email_column_alone_is_an_identifier() -> None:
    result = load(["event_name", "event_time", "event_source_url", "email"],
                  ["PAGE_VIEW", HOUR_AGO, URL, "a@example.com"])  # fmt: skip
    assert result.file_errors == ()
    assert event_of(result)["user_data"] == {"em": [sha("a@example.com")]}


# -- the alias table ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("email", "em"), ("E-mail", "em"), ("Email Address", "em"), ("EMAIL_ADDRESS", "em"),
        ("e_mail", "em"), ("Customer Email", "em"), ("Billing E-Mail", "em"),
        ("phone", "ph"), ("Phone Number", "ph"), ("phone_number", "ph"), ("Mobile", "ph"),
        ("Cell", "ph"), ("Mobile Phone", "ph"), ("Telephone", "ph"), ("Phone #", "ph"),
        ("First Name", "fn"), ("first_name", "fn"), ("Given Name", "fn"), ("FNAME", "fn"),
        ("Last Name", "ln"), ("Surname", "ln"), ("last-name", "ln"),
        ("Gender", "ge"), ("Sex", "ge"),
        ("Zip", "zp"), ("ZIP Code", "zp"), ("Postal Code", "zp"), ("Postcode", "zp"),
        ("Billing Zip", "zp"), ("City", "ct"), ("Town", "ct"),
        ("State", "st"), ("Province", "st"), ("State/Province", "st"),
        ("Country", "country"), ("Country Code", "country"),
        ("IDFA", "madid"), ("GAID", "madid"), ("MAID", "madid"), ("Advertising ID", "madid"),
        ("mobile_ad_id", "madid"),
        ("External ID", "external_id"), ("Customer ID", "external_id"),
        ("customer_id", "external_id"), ("CRM ID", "external_id"),
        ("IP", "client_ip_address"), ("IP Address", "client_ip_address"),
        ("ip_address", "client_ip_address"), ("Client IP", "client_ip_address"),
        ("User Agent", "client_user_agent"), ("user-agent", "client_user_agent"),
        ("Click ID", "sc_click_id"), ("ScCid", "sc_click_id"),
    ],
)  # fmt: skip
def test_marketers_headers_map_to_user_data(header: str, field: str) -> None:
    result = load(["event_name", "event_time", "event_source_url", "madid", header],
                  ["PAGE_VIEW", HOUR_AGO, URL, "abc", "x"])  # fmt: skip
    mapping = {c.column: c for c in result.columns}[header]
    assert mapping.target == f"user_data.{field}", mapping
    assert mapping.field == field
    assert mapping.origin == ("standard" if header.lower() == field else "alias")


@pytest.mark.parametrize(
    ("header", "field"),
    [("Event Time", "event_time"), ("Event Name", "event_name"), ("Order ID", "order_id"),
     ("Event Source URL", "event_source_url"), ("EVENT-ID", "event_id"),
     ("Content Name", "content_name")],
)  # fmt: skip
def test_loose_spellings_of_standard_names(header: str, field: str) -> None:
    assert automatic_field(header) == (field, "standard")


def test_hashed_and_plain_handling_in_the_table() -> None:
    result = crm({"Email Address": "a@example.com", "IP Address": "203.0.113.10",
                  "User Agent": "Chrome/120.0", "IDFA": "6D92078A-8246-4BA4-AE5B-76104861E7DC"})  # fmt: skip
    table = {c.column: c for c in result.columns}
    assert table["Email Address"].hashed and table["Email Address"].personal
    assert table["IP Address"].handling == "as-is (IPv4/IPv6), never hashed"
    user = event_of(result)["user_data"]
    assert user["client_user_agent"] == "Chrome/120.0"
    assert user["madid"] == "6d92078a-8246-4ba4-ae5b-76104861e7dc"


def test_two_email_columns_are_both_hashed() -> None:
    result = crm({"Email": "a@example.com", "Email 2": "b@example.com",
                  "Work Email": "c@example.com"})  # fmt: skip
    hashes = event_of(result)["user_data"]["em"]
    assert sorted(hashes) == sorted(sha(f"{c}@example.com") for c in "abc")


def test_two_columns_for_one_single_field_are_refused() -> None:
    result = crm({"IP": "203.0.113.10", "IP Address": "203.0.113.11"})
    assert result.file_errors == (
        'columns "IP" and "IP Address" both map to client_ip_address: '
        "drop one with --drop 'IP Address'",
    )


def test_city_is_the_customers_unless_the_file_describes_trips() -> None:
    crm_city = event_of(crm({"Email": "a@example.com", "City": "New York"}))
    assert crm_city["user_data"]["ct"] == [sha("newyork")]
    assert "city" not in crm_city.get("custom_data", {})
    trip = event_of(crm({"Email": "a@example.com", "city": "New York",
                         "travel_start": "2024-09-13"}))  # fmt: skip
    assert trip["custom_data"]["city"] == "New York"


def test_seed_postal_code_stays_the_destination_with_a_warning() -> None:
    result = crm({"Email": "a@example.com", "postal_code": "10001"})
    assert event_of(result)["custom_data"]["postal_code"] == "10001"
    assert result.file_warnings == (
        'column "postal_code" is sent as custom_data.postal_code, a travel destination, as it '
        "is; if it holds the customer's address, map it with --map postal_code=zp",
    )


# -- refusing columns that hold e-mail addresses or phone numbers ---------------------------------


def test_unknown_column_of_emails_is_refused_with_map_and_drop() -> None:
    result = crm({"Email": "a@example.com", "contact": "b@example.com"},
                 {"Email": "c@example.com", "contact": "nobody"})  # fmt: skip
    assert result.events == ()
    assert result.file_errors == (
        'column "contact" holds email addresses: map it with --map contact=em or drop it with '
        "--drop contact (found in row 2)",
    )
    [refusal] = result.refusals
    assert (refusal.column, refusal.kinds, refusal.rows, refusal.count) == (
        "contact", ("email",), (2,), 1)  # fmt: skip
    table = {c.column: c for c in result.columns}
    assert table["contact"].personal and "email addresses" in table["contact"].refused


def test_one_email_in_free_text_refuses_the_column() -> None:
    rows = [{"Email": f"u{i}@example.com", "Notes": "called, all good"} for i in range(20)]
    rows[13]["Notes"] = "prefers mail to jane.doe@example.org"
    result = crm(*rows)
    assert [r.column for r in result.refusals] == ["Notes"]
    assert result.refusals[0].rows == (15,)
    assert "jane" not in " ".join(result.report_lines())


def test_phone_column_with_a_neutral_name() -> None:
    result = crm({"Email": "a@example.com", "Contact Info": "(206) 555-0134"},
                 {"Email": "b@example.com", "Contact Info": "+44 20 7946 0958"})  # fmt: skip
    assert result.file_errors == (
        "column \"Contact Info\" holds phone numbers: map it with --map 'Contact Info=ph' or "
        "drop it with --drop 'Contact Info' (found in rows 2, 3)",
    )


def test_emails_and_phones_in_one_column() -> None:
    result = crm({"Email": "a@example.com", "contact": "a@example.com"},
                 {"Email": "b@example.com", "contact": "+1 206 555 0000"})  # fmt: skip
    assert result.refusals[0].holds == "email addresses and phone numbers"
    assert "--map contact=em" in result.file_errors[0]


@pytest.mark.parametrize(
    "column", ["order_id", "search_string", "content_name", "client_user_agent", "utm_source"]
)
def test_standard_and_custom_columns_are_scanned_too(column: str) -> None:
    result = crm({"Email": "a@example.com", column: "x jane@example.com"})
    assert [r.column for r in result.refusals] == [column]


def test_email_in_the_event_url_is_refused_without_suggesting_a_hash() -> None:
    result = crm({"Email": "a@example.com",
                  "event_source_url": "https://shop.example.com/?e=ava%40example.com"})  # fmt: skip
    assert result.file_errors == (
        'column "event_source_url" holds email addresses (found in row 2): they would be sent '
        "unhashed; remove them from the file or drop the column with --drop event_source_url",
    )


@pytest.mark.parametrize(
    ("column", "values"),
    [
        ("order_id", ["100234567", "ORD-5001", "2024-000123", "ORD-2024-555-1234", "5551234567"]),
        ("value", ["1234.56", "89.97", "1000000", "0.99"]),
        ("price_text", ["1,234.56", "12 345 678", "1.234.567", "$1,299.00"]),
        ("created_at", ["1717171717", "1717171717123", "2024-06-01T12:00:00Z",
                        "2024-06-01 12:00:00", "06/01/2024", "2025-06-01T12:00:00+02:00",
                        "01/06/2024 - 15/06/2024"]),
        ("shipping_zip_code_raw", ["94107", "94107-1234", "SW1A 1AA", "75001", "01310-100"]),
        ("device", ["Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
                    "Chrome/120.0.6099.144 Mobile Safari/537.36", "10.3.1", "192.168.100.200"]),
        ("ref", ["6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b", "logo@2x.png", "sku-001",
                 "cc779c04191c2e736d89e45c11339c8382832bcaf70383f7df94e3d08ba7a6d9"]),
    ],
)  # fmt: skip
def test_no_false_alarm_on_ids_prices_times_zips(column: str, values: list[str]) -> None:
    result = crm(*({"Email": "a@example.com", column: v} for v in values))
    assert result.refusals == () and result.file_errors == (), result.file_errors
    assert result.valid_count == len(values) or column == "value"


# -- --map and --drop -----------------------------------------------------------------------------


def test_map_sends_a_refused_column_hashed() -> None:
    result = crm({"Email": "a@example.com", "contact": "B@Example.com"},
                 column_map=(("contact", "em"),))  # fmt: skip
    event = event_of(result)
    assert event["user_data"]["em"] == [sha("a@example.com"), sha("b@example.com")]
    table = {c.column: c for c in result.columns}
    assert (table["contact"].target, table["contact"].origin) == ("user_data.em", "mapped")


def test_drop_leaves_a_column_out() -> None:
    result = crm({"Email": "a@example.com", "Notes": "call +1 206 555 0000"},
                 drop_columns=("notes",))  # fmt: skip
    assert "custom_data" in event_of(result) and "Notes" not in body_text(result)
    table = {c.column: c for c in result.columns}
    assert (table["Notes"].target, table["Notes"].field) == ("", "drop")
    assert table["Notes"].personal  # the table offers it hashed fields or "drop" only


def test_map_to_drop_is_a_drop() -> None:
    result = crm({"Email": "a@example.com", "Notes": "x@y.com"}, column_map={"Notes": "drop"})
    assert result.file_errors == () and result.valid_count == 1


def test_map_accepts_aliases_and_custom_names() -> None:
    assert parse_target("email") == "em"
    assert parse_target("Phone Number") == "ph"
    assert parse_target("user_data.ph") == "ph"
    assert parse_target("custom_data.store") == "custom_data.store"
    assert parse_target("custom_data.country") == "custom_country"
    assert parse_target("ORDER_ID") == "order_id"
    result = crm({"Email": "a@example.com", "Store": "MAD-01"},
                 column_map=(("Store", "custom_data.store_code"),))  # fmt: skip
    assert event_of(result)["custom_data"]["store_code"] == "MAD-01"


@pytest.mark.parametrize("field", ["emial", "user_data.order_id", "custom_data.", "x y"])
def test_unknown_field_is_a_value_error(field: str) -> None:
    with pytest.raises(TargetError, match=r"^unknown field"):
        LoadOptions(column_map=(("contact", field),))


def test_unknown_column_names_the_columns() -> None:
    with pytest.raises(MappingError) as caught:
        crm({"Email": "a@example.com"}, column_map=(("contcat", "em"),))
    assert caught.value.message.startswith(
        '--map names a column the file doesn\'t have: "contcat" (nothing to map; the columns '
        'are "event_name", "event_time"'
    )
    with pytest.raises(MappingError, match='--drop names a column the file doesn\'t have: "x"'):
        crm({"Email": "a@example.com"}, drop_columns=("x",))


def test_columns_are_found_in_any_case_and_spacing() -> None:
    result = crm({"Email": "a@example.com", "Contact Info": "b@example.com"},
                 column_map=(("contact_info", "em"),))  # fmt: skip
    assert result.file_errors == ()


def test_mapping_a_refused_column_raw_is_still_refused() -> None:
    result = crm({"Email": "a@example.com", "contact": "b@example.com"},
                 column_map=(("contact", "order_id"),))  # fmt: skip
    assert [r.column for r in result.refusals] == ["contact"]


def test_mapping_a_personal_column_raw_is_refused() -> None:
    result = crm({"Email": "a@example.com", "First Name": "Ava"},
                 column_map=(("First Name", "custom_data.first"),))  # fmt: skip
    assert result.file_errors == (
        'column "First Name" holds personal data (fn) and can only be sent hashed, not as '
        "custom_data.first: map it with --map 'First Name=fn' or drop it with --drop "
        "'First Name'",
    )
    assert "Ava" not in json.dumps(result.to_json())


def test_mapped_and_dropped_at_once_is_refused() -> None:
    with pytest.raises(MappingError, match="both mapped and dropped"):
        LoadOptions(column_map=(("Notes", "em"),), drop_columns=("notes",))


# -- reports never show the values ----------------------------------------------------------------


def test_invalid_email_is_hidden_in_the_report() -> None:
    result = crm({"email": "ava.jones@example"}, {"email": "not-an-email"})
    lines = result.report_lines()
    assert "row 2: em: not a valid e-mail address ('<e-mail hidden>')" in lines
    assert "row 3: em: not a valid e-mail address ('not-an-email')" in lines
    assert "ava" not in json.dumps(result.to_json()).lower()


def test_refusal_never_shows_the_value() -> None:
    result = crm({"Email": "a@example.com", "Notes": "call +1 206 555 0000"})
    text = json.dumps(result.to_json()) + "\n".join(result.report_lines())
    assert "555" not in text


# -- what looks like an e-mail address or a phone number ------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["+1 206 555 0000", "+12065550000", "(206) 555-0000", "206-555-0000", "206.555.0000",
     "06 12 34 56 78", "020 7946 0958", "0033 6 12 34 56 78", "+44 20 7946 0958",
     "612 345 678", "01632 960123", "206-555-0000 x12", "tel:+12065550000",
     "call me at +1 206 555 0000 tomorrow", "Customer said call (206) 555-0000 after 5pm"],
)  # fmt: skip
def test_phones(text: str) -> None:
    assert contains_phone(text) and kinds(text) == {"phone"}
    assert "555" not in redact(text) and "7946" not in redact(text) and "34 56" not in redact(text)


@pytest.mark.parametrize(
    "text",
    ["100234567", "ORD-5001", "2024-000123", "1234.56", "1,234.56", "12 345 678", "1.234.567",
     "1717171717", "1717171717123", "2024-06-01T12:00:00Z", "2024-06-01 12:00:00",
     "06/01/2024", "94107", "94107-1234", "SW1A 1AA", "75001", "203.0.113.10",
     "192.168.100.200", "120.0.6099.144", "6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b",
     "ORD-2024-555-1234", "2065550000", "Order 12345 placed 2024-06-01 12:30", "447188370",
     "1 2 3 4 5 6 7 8 9", "+5.00", "20240601", "00012345678"],
)  # fmt: skip
def test_not_phones(text: str) -> None:
    assert not contains_phone(text)
    assert redact(text) == text


@pytest.mark.parametrize(
    "text",
    [
        "john@example.com",
        "reach john.smith+x@mail.co.uk now",
        "JOSÉ@ejemplo.es",
        "https://x.com/?e=john%40example.com",
        "mailto:a@b.io",
        "0@A.XN--54B7FTA0CC",
        "иван@пример.рф",
    ],
)
def test_emails(text: str) -> None:
    assert contains_email(text)
    assert "@" not in redact(text).replace("<e-mail hidden>", "")


@pytest.mark.parametrize(
    "text", ["logo@2x.png", "@snapchat", "a @ b", "user@localhost", "100%", "pkg@1.2.3"]
)
def test_not_emails(text: str) -> None:
    assert not contains_email(text)
