"""Every rule of seed 003's tables, one or more rows each (the Conversions API connector spec)."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import pytest

from snapdesk.conversions import EVENT_NAMES, LoadOptions, LoadResult, load_rows
from snapdesk.conversions.mapping import parse_event_time, plan_columns
from tests.conversions.conftest import NOW, event_of, load, reasons

HOUR_AGO = str(int((NOW - timedelta(hours=1)).timestamp()))
HOUR_AGO_MS = int((NOW - timedelta(hours=1)).timestamp()) * 1000
URL = "https://shop.example.com/p"
MAID = "6D92078A-8246-4BA4-AE5B-76104861E7DC"  # an IDFA (identity checks its UUID form)
WEB = ["event_name", "event_time", "event_source_url", "em"]


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def web(**cells: str) -> tuple[list[str], list[str]]:
    """A web row with a valid base, extra/overridden columns given by name."""
    base = {"event_name": "PAGE_VIEW", "event_time": HOUR_AGO, "event_source_url": URL,
            "em": "a@example.com"}  # fmt: skip
    base.update(cells)
    return list(base), list(base.values())


def one(source: str = "web", **cells: str) -> LoadResult:
    header, row = web(**cells)
    return load(header, row, source=source)


# ------------------------------------------------------------------ Export Query Specifications


class TestStandardFieldNames:
    """Column names for standard fields can be written in any case."""

    @pytest.mark.parametrize("spelling", ["EVENT_NAME", "event_name", "Event_Name", " event_NAME "])
    def test_any_case(self, spelling: str) -> None:
        result = load([spelling, "EVENT_TIME", "Event_Source_Url", "EM"],
                      ["purchase", HOUR_AGO, URL, "a@example.com"], )  # fmt: skip
        assert result.file_errors == ()
        assert result.errors[0].field == "currency"  # a PURCHASE: mapped by name, then validated

    def test_mapping_table_names_targets(self) -> None:
        result = load(["EVENT_NAME", "Event_Time", "event_source_url", "EM", "client_ip_address"],
                      ["PAGE_VIEW", HOUR_AGO, URL, "a@example.com", "1.2.3.4"])  # fmt: skip
        targets = {c.column: (c.target, c.handling) for c in result.columns}
        assert targets["EVENT_NAME"][0] == "event_name"
        assert targets["EM"] == (
            "user_data.em",
            "normalized + SHA-256 (SHA-256 hex passes through)",
        )
        assert targets["client_ip_address"][1] == "as-is (IPv4/IPv6), never hashed"
        assert any(c.target == "event_id" and c.column == "" for c in result.columns)


class TestDuplicatedColumns:
    def test_exact_duplicates_rejected(self) -> None:
        result = load([*WEB, "em"], ["PAGE_VIEW", HOUR_AGO, URL, "a@example.com", "b@example.com"])
        assert result.file_errors and "duplicate column names" in result.file_errors[0]
        assert result.events == ()

    def test_case_insensitive_duplicates_rejected(self) -> None:
        result = load(["event_name", "EVENT_NAME", "event_time", "event_source_url", "em"],
                      ["PAGE_VIEW", "PAGE_VIEW", HOUR_AGO, URL, "a@example.com"])  # fmt: skip
        assert "'event_name' = 'EVENT_NAME'" in result.file_errors[0]


class TestNullValues:
    def test_empty_cells_are_ignored(self) -> None:
        event = event_of(one(fn="", ph="  ", order_id="", note=""))
        assert set(event["user_data"]) == {"em"}
        assert "custom_data" not in event

    def test_blank_lines_skipped(self) -> None:
        result = load(WEB, ["PAGE_VIEW", HOUR_AGO, URL, "a@example.com"], ["", "", "", ""])
        assert result.rows_read == 1 and result.valid_count == 1


class TestCustomFields:
    def test_unknown_columns_go_to_custom_data_as_is(self) -> None:
        event = event_of(one(Store_Code="  MAD-01", loyalty_tier="Gold", amount="007"))
        assert event["custom_data"] == {"Store_Code": "MAD-01", "loyalty_tier": "Gold",
                                        "amount": "007"}  # fmt: skip

    def test_iso_datetime_with_z_becomes_unix_time(self) -> None:
        event = event_of(one(visited_at="2024-08-28T15:30:00.123Z", other="2024-08-28T15:30:00"))
        assert event["custom_data"]["visited_at"] == 1724859000123
        assert event["custom_data"]["other"] == "2024-08-28T15:30:00"  # no Z: kept as it is


class TestIdentifierRequirement:
    """At least one of em, ph, sc_click_id, client_ip_address/client_user_agent, madid."""

    @pytest.mark.parametrize(
        ("column", "value"),
        [
            ("em", "a@example.com"),
            ("ph", "+1 415 555 0134"),
            ("sc_click_id", "123e4567-e89b-12d3-a456-426614174000"),
            ("client_ip_address", "203.0.113.195"),
            ("client_user_agent", "Chrome/87.0.4180.143"),
            ("madid", MAID),
        ],
    )
    def test_each_identifier_alone_is_enough(self, column: str, value: str) -> None:
        result = load(["event_name", "event_time", "event_source_url", column],
                      ["PAGE_VIEW", HOUR_AGO, URL, value])  # fmt: skip
        assert result.valid_count == 1, result.report_lines()

    def test_file_without_identifier_column_is_rejected(self) -> None:
        result = load(["event_name", "event_time", "event_source_url", "fn"],
                      ["PAGE_VIEW", HOUR_AGO, URL, "John"])  # fmt: skip
        assert "identifier column is required" in result.file_errors[0]

    def test_row_without_identifier_value_is_invalid(self) -> None:
        result = load([*WEB, "fn"], ["PAGE_VIEW", HOUR_AGO, URL, "", "John"])
        assert reasons(result) == [(2, "user_data", reasons(result)[0][2])]
        assert result.errors[0].value is None  # no cell to show

    def test_flattened_identifier_column_counts(self) -> None:
        result = load(["event_name", "event_time", "event_source_url", "em_1"],
                      ["PAGE_VIEW", HOUR_AGO, URL, "a@example.com"])  # fmt: skip
        assert event_of(result)["user_data"]["em"] == [sha("a@example.com")]


class TestPurchaseRequirements:
    def test_valid_purchase(self) -> None:
        event = event_of(one(event_name="PURCHASE", currency="usd", value="99.99"))
        assert event["custom_data"] == {"currency": "USD", "value": 99.99}

    @pytest.mark.parametrize(
        ("cells", "field", "reason"),
        [
            ({"value": "10"}, "currency", "required for PURCHASE events (the file has no such column)"),
            ({"currency": "", "value": "10"}, "currency", "required for PURCHASE events"),
            ({"currency": "USD"}, "value", "required for PURCHASE events (the file has no such column)"),
            ({"currency": "XYZ", "value": "10"}, "currency", "not an ISO 4217 currency code (e.g. USD, EUR, AED)"),
            ({"currency": "USD", "value": "ten"}, "value", "must be a number"),
            ({"currency": "USD", "value": "NaN"}, "value", "must be a number"),
        ],
    )  # fmt: skip
    def test_currency_and_value(self, cells: dict[str, str], field: str, reason: str) -> None:
        result = one(event_name="PURCHASE", **cells)
        assert (2, field, reason) in reasons(result)
        assert result.valid_count == 0

    def test_other_events_need_neither(self) -> None:
        assert one(event_name="ADD_CART").valid_count == 1


class TestDateTimeFormatting:
    """event_time: integer epoch with 10+ digits, ISO 8601 string, or timestamp."""

    @pytest.mark.parametrize(
        ("raw", "millis"),
        [
            (HOUR_AGO, HOUR_AGO_MS),  # 10 digits: seconds
            (str(HOUR_AGO_MS), HOUR_AGO_MS),  # 13 digits: milliseconds
            (str(HOUR_AGO_MS * 1000), HOUR_AGO_MS),  # 16 digits: microseconds
            ("2025-06-02T11:00:00Z", HOUR_AGO_MS),
            ("2025-06-02T13:00:00+02:00", HOUR_AGO_MS),
            ("2025-06-02T11:00:00.000Z", HOUR_AGO_MS),
            ("2025-06-02 11:00:00", HOUR_AGO_MS),  # a timestamp, UTC
            ("2025-06-02T11:00:00", HOUR_AGO_MS),  # no zone: UTC
        ],
    )
    def test_accepted_formats_become_epoch_ms(self, raw: str, millis: int) -> None:
        assert event_of(one(event_time=raw))["event_time"] == millis

    @pytest.mark.parametrize(
        ("raw", "reason"),
        [
            ("174880440", "a Unix epoch needs 10 or more digits"),
            (
                "yesterday",
                "must be a Unix epoch (10+ digits), an ISO 8601 date-time or a timestamp",
            ),
            (
                "02/06/2025",
                "must be a Unix epoch (10+ digits), an ISO 8601 date-time or a timestamp",
            ),
        ],
    )
    def test_rejected_formats(self, raw: str, reason: str) -> None:
        assert reasons(one(event_time=raw)) == [(2, "event_time", reason)]

    def test_parse_event_time_units(self) -> None:
        assert parse_event_time("1705508777") == 1705508777000
        assert parse_event_time("1705508777123") == 1705508777123
        assert parse_event_time("1705508777.5") == 1705508777500


class TestEventTimeWindow:
    """Events older than 7 days are skipped (UTC); configurable up to Snap's 37."""

    def test_default_is_seven_days(self) -> None:
        inside = (NOW - timedelta(days=6, hours=23)).isoformat()
        outside = (NOW - timedelta(days=7, minutes=1)).isoformat()
        result = load(WEB, ["PAGE_VIEW", inside, URL, "a@example.com"],
                      ["PAGE_VIEW", outside, URL, "a@example.com"])  # fmt: skip
        assert result.valid_count == 1
        assert reasons(result) == [
            (3, "event_time", "more than 7 days in the past (older events are skipped)")
        ]

    def test_window_is_configurable(self) -> None:
        ten_days = (NOW - timedelta(days=10)).isoformat()
        assert load(WEB, ["PAGE_VIEW", ten_days, URL, "a@b.co"]).valid_count == 0
        assert load(WEB, ["PAGE_VIEW", ten_days, URL, "a@b.co"], window_days=37).valid_count == 1
        forty = (NOW - timedelta(days=38)).isoformat()
        assert load(WEB, ["PAGE_VIEW", forty, URL, "a@b.co"], window_days=37).valid_count == 0

    @pytest.mark.parametrize("days", [0, 38])
    def test_window_bounds(self, days: int) -> None:
        with pytest.raises(ValueError, match="1 to 37 days"):
            LoadOptions(window_days=days)

    def test_future_events_rejected(self) -> None:
        later = (NOW + timedelta(hours=2)).isoformat()
        assert reasons(one(event_time=later)) == [(2, "event_time", "in the future")]


class TestArrayFields:
    """Single column with array values, or flattened field_name_[index] columns."""

    def test_flattened_standard_array(self) -> None:
        event = event_of(one(content_ids_1="sku1", content_ids_2="sku2", content_ids_3="sku3"))
        assert event["custom_data"]["content_ids"] == ["sku1", "sku2", "sku3"]

    def test_flattened_custom_array(self) -> None:
        event = event_of(one(cont_id_1="value1", cont_id_2="value2", cont_id_3="value3"))
        assert event["custom_data"]["cont_id"] == ["value1", "value2", "value3"]

    def test_flattened_columns_in_index_order_nulls_skipped(self) -> None:
        event = event_of(one(cont_id_2="b", cont_id_1="a", cont_id_3="", cont_id_10="j"))
        assert event["custom_data"]["cont_id"] == ["a", "b", "j"]

    def test_suffix_without_element_one_is_a_plain_column(self) -> None:
        event = event_of(one(address_2="Flat 4"))
        assert event["custom_data"] == {"address_2": "Flat 4"}

    def test_single_column_comma_list_for_content_ids(self) -> None:
        event = event_of(one(content_ids="sku001, sku002,sku003"))
        assert event["custom_data"]["content_ids"] == ["sku001", "sku002", "sku003"]
        assert event_of(one(content_ids="sku001"))["custom_data"]["content_ids"] == ["sku001"]

    def test_single_column_json_array(self) -> None:
        event = event_of(one(suggested_destinations='["destination1", "destination2"]'))
        assert event["custom_data"]["suggested_destinations"] == ["destination1", "destination2"]

    def test_string_or_array_single_value_stays_string(self) -> None:
        assert event_of(one(content_category="shoes"))["custom_data"]["content_category"] == "shoes"
        event = event_of(one(content_category_1="coats", content_category_2="shoes"))
        assert event["custom_data"]["content_category"] == ["coats", "shoes"]

    def test_user_data_arrays_each_value_hashed(self) -> None:
        event = event_of(one(em='["A@example.com", "b@example.com"]', ph_1="+1 415 555 0134",
                             ph_2="+44 20 7946 0958"))  # fmt: skip
        assert event["user_data"]["em"] == [sha("a@example.com"), sha("b@example.com")]
        assert event["user_data"]["ph"] == [sha("14155550134"), sha("442079460958")]

    def test_mapping_table_shows_elements(self) -> None:
        result = one(cont_id_1="a", cont_id_2="b")
        targets = [c.target for c in result.columns]
        assert "custom_data.cont_id[1]" in targets and "custom_data.cont_id[2]" in targets


class TestObjectArrays:
    """contents from field_name_property_name_[index] columns."""

    def test_seed_example(self) -> None:
        event = event_of(
            one(
                event_name="PURCHASE", currency="USD", value="109.97",
                content_id_1="ABC123", content_quantity_1="2", content_item_price_1="29.99",
                content_delivery_category_1="standard",
                content_id_2="XYZ789", content_quantity_2="1", content_item_price_2="49.99",
                content_delivery_category_2="express",
            )
        )  # fmt: skip
        assert event["custom_data"]["contents"] == [
            {"id": "ABC123", "quantity": 2, "item_price": 29.99, "delivery_category": "standard"},
            {"id": "XYZ789", "quantity": 1, "item_price": 49.99, "delivery_category": "express"},
        ]

    def test_partial_objects_and_empty_objects(self) -> None:
        event = event_of(one(content_id_1="A", content_quantity_2="", content_id_2=""))
        assert event["custom_data"]["contents"] == [{"id": "A"}]

    def test_json_contents_column(self) -> None:
        raw = json.dumps(
            [{"id": "123", "quantity": 2, "item_price": 29.99, "delivery_category": "standard"}]
        )
        event = event_of(one(contents=raw))
        assert event["custom_data"]["contents"] == [
            {"id": "123", "quantity": 2, "item_price": 29.99, "delivery_category": "standard"}
        ]

    @pytest.mark.parametrize(
        ("cells", "field", "reason"),
        [
            ({"content_quantity_1": "two"}, "content_quantity_1", "quantity must be a whole number"),
            ({"content_quantity_1": "1.5"}, "content_quantity_1", "quantity must be a whole number"),
            ({"content_item_price_1": "cheap"}, "content_item_price_1", "item_price must be a number"),
            ({"contents": "not json"}, "contents", "must be a JSON array of objects (id, quantity, item_price, delivery_category)"),
            ({"contents": '[{"sku": "1"}]'}, "contents", "unknown property 'sku' in contents"),
        ],
    )  # fmt: skip
    def test_property_types(self, cells: dict[str, str], field: str, reason: str) -> None:
        assert (2, field, reason) in reasons(one(**cells))


class TestDateFieldFormats:
    @pytest.mark.parametrize("raw", ["20240913", "2024-09-13"])
    def test_checkin_date_formats(self, raw: str) -> None:
        assert event_of(one(checkin_date=raw))["custom_data"]["checkin_date"] == raw

    @pytest.mark.parametrize("raw", ["13/09/2024", "2024-9-13", "20241332", "2024-02-30"])
    def test_checkin_date_rejected(self, raw: str) -> None:
        assert reasons(one(checkin_date=raw)) == [
            (2, "checkin_date", "must be a date as YYYYMMDD or YYYY-MM-DD")
        ]


# ------------------------------------------------------------------ app events and extinfo

EXTINFO = ["i2", "com.snapchat.sdk", "1.0", "1.0", "10.3.1", "iphone14", "En_US", "EDT", "AT&T",
           "320", "568", "2", "2", "15", "8", "USA/New York"]  # fmt: skip
EXTINFO_COLUMNS = ["device_os", "package_name", "short_version", "long_version", "os_version",
                   "device_model", "locale", "timezone_abbr", "carrier", "screen_width",
                   "screen_height", "screen_density", "cpu_cores", "storage_size",
                   "free_storage_size", "timezone_location"]  # fmt: skip
APP = ["event_name", "event_time", "madid", "advertiser_tracking_enabled", "app_id"]


def app_row(**cells: str) -> tuple[list[str], list[str]]:
    base = dict(zip(APP, ["APP_OPEN", HOUR_AGO, MAID, "1", "447188370"], strict=True))
    base.update(dict(zip(EXTINFO_COLUMNS, EXTINFO, strict=True)))
    base.update(cells)
    return list(base), list(base.values())


def app(**cells: str) -> LoadResult:
    header, row = app_row(**cells)
    return load(header, row, source="app")


class TestAppEvents:
    def test_extinfo_built_from_named_columns_in_order(self) -> None:
        event = event_of(app())
        assert event["action_source"] == "MOBILE_APP"
        assert event["app_data"] == {
            "advertiser_tracking_enabled": True,
            "app_id": "447188370",
            "extinfo": EXTINFO,
        }
        assert event["user_data"] == {"madid": MAID.lower()}  # madid lower-cased, not hashed
        targets = {c.column: c.target for c in load(*app_row(), source="app").columns}
        assert targets["device_os"] == "app_data.extinfo[0]"
        assert targets["timezone_location"] == "app_data.extinfo[15]"

    def test_named_columns_any_order_and_case(self) -> None:
        header, row = app_row()
        pairs = list(zip(header, row, strict=True))[::-1]
        result = load([h.upper() for h, _ in pairs], [v for _, v in pairs], source="app")
        assert event_of(result)["app_data"]["extinfo"] == EXTINFO

    def test_extinfo_single_column(self) -> None:
        header = [*APP, "extinfo"]
        row = ["APP_OPEN", HOUR_AGO, MAID, "0", "com.snapchat.android", json.dumps(EXTINFO)]
        event = event_of(load(header, row, source="app"))
        assert event["app_data"]["extinfo"] == EXTINFO
        assert event["app_data"]["advertiser_tracking_enabled"] is False
        assert event["app_data"]["app_id"] == "com.snapchat.android"

    @pytest.mark.parametrize(
        ("cells", "field", "reason"),
        [
            ({"device_os": "w1"}, "device_os", "the first extinfo element must be i2 (iOS) or a2 (Android)"),
            ({"device_os": ""}, "device_os", "the first extinfo element must be i2 (iOS) or a2 (Android)"),
            ({"screen_width": "wide"}, "screen_width", "must be a whole number (Int64)"),
            ({"screen_height": "568px"}, "screen_height", "must be a whole number (Int64)"),
            ({"free_storage_size": "8GB"}, "free_storage_size", "must be a whole number (Int64)"),
            ({"cpu_cores": "2.5"}, "cpu_cores", "must be a whole number (Int64)"),
            ({"storage_size": "99999999999999999999"}, "storage_size", "must be a whole number (Int64)"),
            ({"app_id": "my app"}, "app_id", "must be an iOS App Store id (digits) or an Android package name"),
            ({"app_id": ""}, "app_id", "required for app events"),
            ({"advertiser_tracking_enabled": "maybe"}, "advertiser_tracking_enabled", "must be 1 (opt-in) or 0 (opt-out)"),
            ({"advertiser_tracking_enabled": ""}, "advertiser_tracking_enabled", "required for app events"),
        ],
    )  # fmt: skip
    def test_app_rules(self, cells: dict[str, str], field: str, reason: str) -> None:
        assert (2, field, reason) in reasons(app(**cells))

    def test_android_platform_accepted_any_case(self) -> None:
        assert event_of(app(device_os="A2"))["app_data"]["extinfo"][0] == "a2"

    def test_extinfo_json_must_have_16_elements(self) -> None:
        header = [*APP, "extinfo"]
        row = ["APP_OPEN", HOUR_AGO, MAID, "1", "447188370", json.dumps(EXTINFO[:15])]
        assert reasons(load(header, row, source="app")) == [
            (2, "extinfo", "must have exactly 16 elements, not 15")
        ]

    def test_required_app_columns(self) -> None:
        result = load(
            ["event_name", "event_time", "madid"], ["APP_OPEN", HOUR_AGO, "x"], source="app"
        )
        errors = " | ".join(result.file_errors)
        assert "advertiser_tracking_enabled is required for app events" in errors
        assert "app_id is required for app events" in errors
        assert "missing: device_os, package_name" in errors

    def test_app_columns_ignored_for_web_events(self) -> None:
        result = one(app_id="447188370", device_os="i2")
        assert "app_id, device_os" in result.file_warnings[0]
        assert "app_data" not in event_of(result)

    def test_anon_id_goes_to_custom_data(self) -> None:
        event = event_of(app(anon_id="anon-7f3a"))
        assert event["custom_data"] == {"anon_id": "anon-7f3a"}
        assert "anon_id" not in event["user_data"]
        event = event_of(one(anon_id="anon-1"))  # web events too
        assert event["custom_data"]["anon_id"] == "anon-1"


# ------------------------------------------------------------------ Server Parameters (top level)


class TestTopLevel:
    @pytest.mark.parametrize("name", sorted(EVENT_NAMES))
    def test_every_event_name_accepted(self, name: str) -> None:
        cells = {"currency": "USD", "value": "1"} if name == "PURCHASE" else {}
        assert event_of(one(event_name=name, **cells))["event_name"] == name

    def test_event_names_case_insensitive(self) -> None:
        assert event_of(one(event_name="page_view"))["event_name"] == "PAGE_VIEW"

    @pytest.mark.parametrize("name", ["CHECKOUT", "CUSTOM_EVENT_6", "Purchase Completed"])
    def test_other_event_names_rejected(self, name: str) -> None:
        assert reasons(one(event_name=name))[0][1:] == (
            "event_name",
            "not one of Snap's event names (e.g. PURCHASE, PAGE_VIEW)",
        )

    def test_required_columns(self) -> None:
        result = load(["em"], ["a@example.com"])
        assert "the required column event_name is missing" in result.file_errors
        assert "the required column event_time is missing" in result.file_errors
        assert "the column event_source_url is required for web events" in result.file_errors
        assert reasons(one(event_name="")) == [(2, "event_name", "required")]
        assert reasons(one(event_time="")) == [(2, "event_time", "required")]

    def test_event_source_url_required_for_web_only(self) -> None:
        assert reasons(one(event_source_url="")) == [
            (2, "event_source_url", "required for web events")
        ]
        header = ["event_name", "event_time", "em"]
        assert (
            load(header, ["PURCHASE", HOUR_AGO, "a@b.co"], source="offline").errors[0].field
            == "currency"
        )
        assert load(header, ["SIGN_UP", HOUR_AGO, "a@b.co"], source="offline").valid_count == 1

    @pytest.mark.parametrize(
        "url", ["example.com/page", "www.example.com", "ftp://example.com/x", "https://"]
    )
    def test_event_source_url_needs_protocol(self, url: str) -> None:
        assert reasons(one(event_source_url=url)) == [
            (2, "event_source_url", "must include the protocol (http:// or https://)")
        ]

    @pytest.mark.parametrize("url", ["https://example.com/page", "http://example.com"])
    def test_event_source_url_accepted(self, url: str) -> None:
        assert event_of(one(event_source_url=url))["event_source_url"] == url

    def test_event_id_as_is(self) -> None:
        event = event_of(one(event_id="dedup-123"))
        assert event["event_id"] == "dedup-123"

    @pytest.mark.parametrize(("source", "action"), [("web", "WEB"), ("offline", "OFFLINE")])
    def test_action_source_from_configuration(self, source: str, action: str) -> None:
        result = one(source, action_source="MOBILE_APP")
        assert event_of(result)["action_source"] == action
        assert "action_source is set from the event source type" in result.file_warnings[0]

    @pytest.mark.parametrize(
        ("raw", "out"), [("LMU", ["LMU"]), ("delete", ["DELETE"]), ('["LMU"]', ["LMU"])]
    )
    def test_data_processing_options(self, raw: str, out: list[str]) -> None:
        assert event_of(one(data_processing_options=raw))["data_processing_options"] == out

    def test_data_processing_options_rejected(self) -> None:
        assert reasons(one(data_processing_options="SELL")) == [
            (2, "data_processing_options", "accepted values are LMU and DELETE")
        ]

    @pytest.mark.parametrize(
        ("raw", "flag"), [("1", True), ("0", False), ("true", True), ("FALSE", False)]
    )
    def test_advertiser_tracking_enabled_top_level_for_web(self, raw: str, flag: bool) -> None:
        assert event_of(one(advertiser_tracking_enabled=raw))["advertiser_tracking_enabled"] is flag


# ------------------------------------------------------------------ User Data fields


class TestUserData:
    def test_hashed_fields(self) -> None:
        event = event_of(
            one(em="Person@Example.com", ph="+44 844 412 4653", fn="John", ln="O'Neil", ge="F",
                ct="New York", st="New York", zp="10001-1234", country="United States",
                external_id="LOYALTY-1")
        )  # fmt: skip
        assert event["user_data"] == {
            "em": [sha("person@example.com")],
            "ph": [sha("448444124653")],
            "fn": [sha("john")],
            "ln": [sha("oneil")],
            "ge": [sha("f")],
            "ct": [sha("newyork")],
            "st": [sha("ny")],
            "zp": [sha("10001")],
            "country": [sha("us")],
            "external_id": [sha("LOYALTY-1")],
        }

    def test_already_hashed_passes_through(self) -> None:
        digest = sha("person@example.com")
        assert event_of(one(em=digest.upper()))["user_data"]["em"] == [digest]

    def test_ip_and_user_agent_never_hashed(self) -> None:
        event = event_of(one(client_ip_address="2001:db8::1", client_user_agent="Chrome/87.0"))
        assert event["user_data"]["client_ip_address"] == "2001:db8::1"
        assert event["user_data"]["client_user_agent"] == "Chrome/87.0"

    @pytest.mark.parametrize(
        ("cells", "field", "reason"),
        [
            ({"em": "person@"}, "em", "not a valid e-mail address"),
            ({"ge": "x"}, "ge", "gender must be 'f' or 'm'"),
            ({"country": "Atlantis"}, "country", "not an ISO 3166-1 country code or name"),
            ({"sc_click_id": "abc"}, "sc_click_id", "must be a UUID"),
            ({"sc_cookie1": "cookie"}, "sc_cookie1", "must be a UUID"),
            ({"client_ip_address": "999.1.1.1"}, "client_ip_address", "not an IPv4 or IPv6 address"),
        ],
    )  # fmt: skip
    def test_format_errors(self, cells: dict[str, str], field: str, reason: str) -> None:
        cells.setdefault("madid", MAID)  # keep an identifier when em is the bad one
        assert (2, field, reason) in reasons(one(**cells))

    def test_unnormalizable_optional_values_dropped_with_warning(self) -> None:
        result = one(fn="...", ph="n/a")
        event = event_of(result)
        assert "fn" not in event["user_data"] and "ph" not in event["user_data"]
        assert [(w.field, w.severity) for w in result.warnings] == [
            ("ph", "warning"),
            ("fn", "warning"),
        ]

    def test_plain_fields_as_is(self) -> None:
        event = event_of(
            one(subscription_id="sub-1", lead_id="lead-1", download_id="dl-1", idfv="IDFV-1",
                sc_cookie1="123e4567-e89b-12d3-a456-426614174000")
        )  # fmt: skip
        user = event["user_data"]
        assert (user["subscription_id"], user["lead_id"], user["download_id"], user["idfv"]) == (
            "sub-1", "lead-1", "dl-1", "IDFV-1")  # fmt: skip

    def test_country_and_custom_country(self) -> None:
        event = event_of(one(country="US", custom_country="FR"))
        assert event["user_data"]["country"] == [sha("us")]
        assert event["custom_data"]["country"] == "FR"


# ------------------------------------------------------------------ Custom Data fields


class TestCustomData:
    def test_typed_fields(self) -> None:
        event = event_of(
            one(content_name="Running Shoes", content_type="Product", num_items="3",
                order_id="ORD12345", predicted_ltv="150.75", search_string="running shoes",
                travel_start="2024-09-13", destination_airport="JFK", city="New York",
                num_adults="2", num_children="1", num_infants="0", hotel_score="4.5",
                departing_departure_date="2024-09-13T08:00")
        )  # fmt: skip
        assert event["custom_data"] == {
            "content_name": "Running Shoes",
            "content_type": "product",
            "num_items": "3",
            "order_id": "ORD12345",
            "predicted_ltv": 150.75,
            "search_string": "running shoes",
            "travel_start": "2024-09-13",
            "destination_airport": "JFK",
            "city": "New York",
            "num_adults": 2,
            "num_children": 1,
            "num_infants": 0,
            "hotel_score": "4.5",
            "departing_departure_date": "2024-09-13T08:00",
        }

    @pytest.mark.parametrize(
        "name",
        [
            "travel_end", "origin_airport", "region", "neighborhood", "postal_code",
            "departing_arrival_date", "returning_departure_date", "returning_arrival_date",
        ],
    )  # fmt: skip
    def test_string_fields_as_is(self, name: str) -> None:
        assert event_of(one(**{name: " Value 1 "}))["custom_data"] == {name: "Value 1"}

    @pytest.mark.parametrize(
        "name",
        [
            "preferred_neighborhoods",
            "preferred_star_ratings",
            "suggested_hotels",
            "destination_ids",
        ],
    )
    def test_string_or_array_fields(self, name: str) -> None:
        assert event_of(one(**{name: "one"}))["custom_data"] == {name: "one"}
        flat = event_of(one(**{f"{name}_1": "one", f"{name}_2": "two"}))
        assert flat["custom_data"] == {name: ["one", "two"]}

    @pytest.mark.parametrize(
        ("cells", "field", "reason"),
        [
            ({"content_type": "service"}, "content_type", "accepted values are product and product_group"),
            ({"num_adults": "two"}, "num_adults", "must be a whole number"),
            ({"predicted_ltv": "high"}, "predicted_ltv", "must be a number"),
            ({"currency": "usd$"}, "currency", "not an ISO 4217 currency code (e.g. USD, EUR, AED)"),
        ],
    )  # fmt: skip
    def test_type_errors(self, cells: dict[str, str], field: str, reason: str) -> None:
        assert reasons(one(**cells)) == [(2, field, reason)]


# ------------------------------------------------------------------ invalid rows, the report


class TestInvalidRows:
    ROWS = (
        ["PAGE_VIEW", HOUR_AGO, URL, "ok1@example.com"],
        ["PAGE_VIEW", HOUR_AGO, URL, "secret-but-broken"],
        ["PAGE_VIEW", HOUR_AGO, URL, "ok2@example.com"],
    )

    def test_skip_invalid_rows_by_default(self) -> None:
        result = load(WEB, *self.ROWS)
        assert [e.row for e in result.events] == [2, 4]
        assert result.invalid_rows == (3,)
        assert result.ok
        assert result.summary() == "3 row(s) read: 2 valid, 1 invalid (skipped)"

    def test_stop_at_first_invalid(self) -> None:
        result = load(WEB, *self.ROWS, stop_on_invalid=True)
        assert result.stopped_at == 3 and not result.ok
        assert result.rows_read == 2
        assert "stopped at the first invalid row (row 3)" in result.summary()

    def test_report_holds_only_the_offending_cell(self) -> None:
        header = [*WEB, "fn", "ph"]
        result = load(header, ["PAGE_VIEW", HOUR_AGO, URL, "broken@", "Johnny", "+1 415 555 0100"])
        lines = "\n".join(result.report_lines())
        assert "row 2: em: not a valid e-mail address ('broken@')" in lines
        assert "Johnny" not in lines and "415" not in lines
        assert "Johnny" not in json.dumps(result.to_json())
        assert result.events == ()

    def test_ragged_rows(self) -> None:
        result = load(WEB, ["PAGE_VIEW", HOUR_AGO, URL])
        assert reasons(result) == [(2, "(row)", "has 3 cells but the header has 4 columns")]

    def test_valid_events_hold_no_raw_pii(self) -> None:
        result = load(
            [*WEB, "fn", "ph"], ["PAGE_VIEW", HOUR_AGO, URL, "jo@example.com", "Jo", "+14155550100"]
        )
        text = json.dumps([e.event for e in result.events])
        for raw in ("jo@example.com", '"Jo"', "4155550100"):
            assert raw not in text


class TestEventIds:
    def test_minted_ids_are_deterministic_per_row(self) -> None:
        first = load(
            WEB,
            ["PAGE_VIEW", HOUR_AGO, URL, "a@example.com"],
            ["PAGE_VIEW", HOUR_AGO, URL, "a@example.com"],
        )
        again = load(
            WEB,
            ["PAGE_VIEW", HOUR_AGO, URL, "a@example.com"],
            ["PAGE_VIEW", HOUR_AGO, URL, "a@example.com"],
        )
        ids = [e.event_id for e in first.events]
        assert ids == [e.event_id for e in again.events]
        assert len(set(ids)) == 2 and all(i and i.startswith("sd-") for i in ids)
        assert all(e.minted_id for e in first.events)

    def test_no_minting_when_disabled_or_given(self) -> None:
        assert "event_id" not in event_of(
            load(WEB, ["PAGE_VIEW", HOUR_AGO, URL, "a@b.co"], mint_event_ids=False)
        )
        result = one(event_id="mine")
        assert result.events[0].event_id == "mine" and not result.events[0].minted_id


def test_plan_columns_classification() -> None:
    plan = plan_columns(["EM_1", "em_2", "content_id_1", "CONT_ID_1", "device_os", "x_2"], "web")
    kinds = {c.header: (c.kind, c.field) for c in plan.columns}
    assert kinds["EM_1"] == ("flat", "em")
    assert kinds["content_id_1"] == ("content_item", "contents")
    assert kinds["CONT_ID_1"] == ("extra_item", "CONT_ID")
    assert kinds["device_os"] == ("ignored", "device_os")
    assert kinds["x_2"] == ("extra", "x_2")


def test_load_rows_without_clock_uses_now() -> None:
    from datetime import UTC, datetime

    recent = str(int(datetime.now(UTC).timestamp()) - 60)
    result = load_rows(
        WEB, [["PAGE_VIEW", recent, URL, "a@b.co"], ["PAGE_VIEW", HOUR_AGO, URL, "a@b.co"]]
    )
    assert [e.row for e in result.events] == [2]  # the fixed 2025 time is out of today's window
