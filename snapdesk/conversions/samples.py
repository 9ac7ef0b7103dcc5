"""Sample CSV files of conversion events (web, app, offline), for demos and tests.

The files in `resources/samples/conversion_events_*.csv` were written by `write_sample` with a
fixed clock; their events age out of the 7-day window, so demo mode writes fresh copies with
`write_sample(path, source)` (event times relative to now). Personal data in them is invented.
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

from snapdesk.conversions.fields import Source

__all__ = ["SAMPLE_APP_ID", "sample_rows", "write_sample"]

Variant = Literal["web", "app", "offline", "web_errors"]
SAMPLE_APP_ID = "com.example.shop"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _epoch(moment: datetime) -> str:
    return str(int(moment.timestamp()))


def _epoch_ms(moment: datetime) -> str:
    return str(int(moment.timestamp() * 1000))


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def sample_rows(
    variant: Variant, *, now: datetime | None = None
) -> tuple[list[str], list[list[str]]]:
    """The header and rows of a sample file; event times are hours before `now`."""
    now = (now or datetime.now(UTC)).replace(microsecond=0)

    def ago(hours: float) -> datetime:
        return now - timedelta(hours=hours)

    if variant in ("web", "web_errors"):
        header = [
            "event_id", "EVENT_NAME", "Event_Time", "event_source_url", "em", "ph", "fn", "ln",
            "ct", "st", "zp", "country", "client_ip_address", "client_user_agent", "currency",
            "value", "content_id_1", "content_quantity_1", "content_item_price_1",
            "content_id_2", "content_quantity_2", "content_item_price_2", "content_ids_1",
            "content_ids_2", "order_id", "sc_click_id", "utm_campaign",
        ]  # fmt: skip
        ua = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Safari/605.1.15"
        rows = [
            ["web-1001", "PAGE_VIEW", _iso(ago(50)), "https://shop.example.com/", "ava.jones@example.com", "", "Ava", "Jones", "", "", "", "US", "203.0.113.10", ua, "", "", "", "", "", "", "", "", "", "", "", "", "spring_sale"],
            ["web-1002", "VIEW_CONTENT", _epoch(ago(49)), "https://shop.example.com/p/sku-001", "ava.jones@example.com", "", "", "", "", "", "", "", "203.0.113.10", ua, "", "", "", "", "", "", "", "", "sku-001", "", "", "", "spring_sale"],
            ["web-1003", "ADD_CART", _epoch_ms(ago(48.5)), "https://shop.example.com/cart", "ava.jones@example.com", "", "", "", "", "", "", "", "203.0.113.10", ua, "USD", "59.98", "sku-001", "2", "29.99", "", "", "", "sku-001", "", "", "", "spring_sale"],
            ["web-1004", "PURCHASE", _iso(ago(48)), "https://shop.example.com/checkout/thanks", "  Ava.Jones@Example.com ", "+1 (415) 555-0134", "Ava", "Jones", "San Francisco", "California", "94107-1234", "United States", "203.0.113.10", ua, "usd", "89.97", "sku-001", "2", "29.99", "sku-007", "1", "29.99", "sku-001", "sku-007", "ORD-5001", "", "spring_sale"],
            ["web-1005", "SIGN_UP", _stamp(ago(30)), "https://shop.example.com/account/new", "raphael@example.fr", "0033 6 12 34 56 78", "Raphaël", "Dupont-Léger", "Paris", "", "75001", "FR", "198.51.100.7", ua, "", "", "", "", "", "", "", "", "", "", "", "", "newsletter"],
            ["web-1006", "SEARCH", _iso(ago(20)), "https://shop.example.com/search?q=boots", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b", ""],
            ["web-1007", "PURCHASE", _epoch(ago(5)), "https://shop.example.com/checkout/thanks", "cc779c04191c2e736d89e45c11339c8382832bcaf70383f7df94e3d08ba7a6d9", "", "", "", "", "", "", "GB", "2001:db8::42", ua, "GBP", "120", "sku-042", "1", "120.00", "", "", "", "sku-042", "", "ORD-5002", "", "retargeting"],
            ["web-1008", "CUSTOM_EVENT_1", _iso(ago(1)), "https://shop.example.com/quiz", "lee.wong@example.com", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "quiz"],
        ]  # fmt: skip
        if variant == "web_errors":
            rows += [
                ["web-2001", "PURCHASE", _iso(ago(3)), "https://shop.example.com/checkout/thanks", "kim@example.com", "", "", "", "", "", "", "", "", "", "", "45.00", "", "", "", "", "", "", "", "", "ORD-5003", "", ""],
                ["web-2002", "PAGE_VIEW", _iso(ago(2)), "shop.example.com/", "not-an-email", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", ""],
                ["web-2003", "CHECKOUT", _iso(ago(2)), "https://shop.example.com/", "sam@example.com", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", ""],
                ["web-2004", "PAGE_VIEW", _iso(ago(24 * 10)), "https://shop.example.com/", "old@example.com", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", ""],
                ["web-2005", "PURCHASE", _iso(ago(1)), "https://shop.example.com/", "jo@example.com", "", "", "", "", "", "", "", "", "", "DOLLARS", "abc", "", "", "", "", "", "", "", "", "", "", ""],
                ["web-2006", "PAGE_VIEW", "1700000", "https://shop.example.com/", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", ""],
            ]  # fmt: skip
        return header, rows
    if variant == "app":
        header = [
            "event_id", "event_name", "event_time", "madid", "advertiser_tracking_enabled",
            "app_id", "device_os", "package_name", "short_version", "long_version",
            "os_version", "device_model", "locale", "timezone_abbr", "carrier", "screen_width",
            "screen_height", "screen_density", "cpu_cores", "storage_size", "free_storage_size",
            "timezone_location", "anon_id", "currency", "value", "level",
        ]  # fmt: skip
        ios = ["i2", "com.example.shop", "4.2", "4.2.0", "17.5", "iPhone15,2", "en_US", "PDT", "T-Mobile", "1179", "2556", "3", "6", "128", "64", "America/Los_Angeles"]  # fmt: skip
        android = ["a2", SAMPLE_APP_ID, "771", "Version 7.7.1", "14", "Pixel 8", "de_DE", "CEST", "Vodafone", "1080", "2400", "2.75", "8", "256", "120", "Europe/Berlin"]  # fmt: skip
        rows = [
            ["app-3001", "APP_INSTALL", _iso(ago(40)), "6D92078A-8246-4BA4-AE5B-76104861E7DC", "1", "1234567890", *ios, "anon-7f3a", "", "", ""],
            ["app-3002", "APP_OPEN", _epoch(ago(39)), "6D92078A-8246-4BA4-AE5B-76104861E7DC", "1", "1234567890", *ios, "anon-7f3a", "", "", ""],
            ["app-3003", "LEVEL_COMPLETE", _iso(ago(12)), "38400000-8cf0-11bd-b23e-10b96e40000d", "0", SAMPLE_APP_ID, *android, "", "", "", "7"],
            ["app-3004", "PURCHASE", _epoch_ms(ago(2)), "38400000-8cf0-11bd-b23e-10b96e40000d", "1", SAMPLE_APP_ID, *android, "", "EUR", "4.99", "7"],
        ]  # fmt: skip
        return header, rows
    header = [
        "event_id", "event_name", "event_time", "em", "ph", "fn", "ln", "ge", "ct", "st", "zp",
        "country", "external_id", "currency", "value", "order_id", "num_items", "store_id",
        "custom_country", "visited_at",
    ]  # fmt: skip
    rows = [
        ["pos-4001", "PURCHASE", _stamp(ago(70)), "maria.garcia@example.es", "+34 612 345 678", "María", "García", "F", "Madrid", "", "28013", "ES", "LOYALTY-88121", "EUR", "134.50", "POS-9001", "3", "MAD-01", "ES", _iso(ago(70.5))],
        ["pos-4002", "PURCHASE", _iso(ago(26)), "", "+1 212 555 0199", "John", "O'Neil", "male", "New York", "New York", "10001", "USA", "LOYALTY-10007", "USD", "42", "POS-9002", "1", "NYC-04", "US", _iso(ago(26.2))],
        ["pos-4003", "SIGN_UP", _epoch(ago(20)), "li.na@example.cn", "", "Na", "Li", "f", "", "", "", "China", "", "", "", "", "", "SHA-02", "CN", ""],
        ["pos-4004", "RESERVE", _iso(ago(8)), "pat.smith@example.co.uk", "07700 900123", "Pat", "Smith", "", "London", "", "SW1A 1AA", "United Kingdom", "LOYALTY-55", "GBP", "0", "", "", "LON-11", "GB", ""],
        ["pos-4005", "PURCHASE", _epoch_ms(ago(3)), "", "+49 30 901820", "", "", "", "Berlin", "", "10117", "DE", "", "EUR", "19.99", "POS-9003", "1", "BER-02", "DE", ""],
    ]  # fmt: skip
    return header, rows


def write_sample(
    path: str | Path, variant: Variant | Source, *, now: datetime | None = None
) -> Path:
    """Write a sample CSV (UTF-8, comma-separated) and return its path."""
    header, rows = sample_rows(variant, now=now)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return target
