"""Display formatting: money from micro units, times in the account's zone, sync age."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from snapdesk.ui.formatting import (
    delivery_problems,
    format_bytes,
    format_money_micro,
    format_time_in_zone,
    humanize_ago,
    humanize_delivery,
)


@pytest.mark.parametrize(
    ("micro", "currency", "expected"),
    [
        (12_500_000, "USD", "USD 12.50"),
        (1_234_567_890, "EUR", "EUR 1,234.57"),
        (5_000_000_000, "JPY", "JPY 5,000"),
        (0, "GBP", "GBP 0.00"),
        (None, "USD", "—"),
    ],
)
def test_money(micro: int | None, currency: str, expected: str) -> None:
    assert format_money_micro(micro, currency) == expected


def test_time_in_account_zone() -> None:
    value = "2026-07-01T12:00:00.000Z"
    assert format_time_in_zone(value, "America/Los_Angeles") == "1 Jul 2026, 05:00 PDT"
    assert format_time_in_zone(value, "Asia/Tokyo") == "1 Jul 2026, 21:00 JST"
    assert format_time_in_zone(value, "Not/AZone") == "1 Jul 2026, 12:00 UTC"
    assert format_time_in_zone(None, "Asia/Tokyo") == "—"


def test_humanize_ago() -> None:
    now = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
    assert humanize_ago(None) == "Never synced"
    assert humanize_ago(now - timedelta(seconds=10), now=now) == "Synced just now"
    assert humanize_ago(now - timedelta(minutes=2), now=now) == "Synced 2 min ago"
    assert humanize_ago(now - timedelta(hours=3), now=now) == "Synced 3 h ago"
    assert humanize_ago(now - timedelta(days=1), now=now) == "Synced yesterday"
    assert humanize_ago(now - timedelta(days=4), now=now) == "Synced 4 days ago"


def test_delivery_problems_only_for_active_entities() -> None:
    statuses = ["INVALID_NOT_EFFECTIVE_ACTIVE", "VALID"]
    assert delivery_problems(statuses, status="ACTIVE") == ["INVALID_NOT_EFFECTIVE_ACTIVE"]
    assert delivery_problems(statuses, status="PAUSED") == []
    assert humanize_delivery("INVALID_CAMPAIGN_HAS_NO_ACTIVE_AD_SQUAD") == (
        "Campaign has no active ad squad"
    )


def test_bytes() -> None:
    assert format_bytes(2_490_939) == "2.4 MB"
    assert format_bytes(512) == "512 bytes"
