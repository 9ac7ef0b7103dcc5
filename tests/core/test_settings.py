"""App settings: defaults, round trip through settings.json, clear errors."""

from __future__ import annotations

from decimal import Decimal

import pytest

from snapdesk.config import Paths
from snapdesk.core.settings import (
    AppSettings,
    SettingsError,
    SpendGuards,
    load_settings,
    save_settings,
    settings_path,
)


def test_defaults_without_a_file() -> None:
    settings = load_settings()
    assert settings.spend_guards.max_budget_increase_percent == Decimal(50)
    assert settings.spend_guards.max_bid == {}


def test_round_trip_and_per_currency_limits() -> None:
    guards = SpendGuards(
        max_budget_increase_percent=Decimal("25.5"),
        max_budget_increase={"USD": Decimal("500"), "JPY": Decimal("50000")},
        max_bid={"USD": Decimal("12.50")},
    )
    path = save_settings(AppSettings(spend_guards=guards))
    assert path == settings_path() == Paths.from_env().config_dir / "settings.json"
    loaded = load_settings()
    assert loaded.spend_guards == guards
    assert loaded.spend_guards.max_increase_micro("usd") == 500_000_000
    assert loaded.spend_guards.max_bid_micro("USD") == 12_500_000
    # Issue 13: a currency the user never set follows snapdesk's defaults (it used to be
    # unchecked); see tests/core/test_spend_guards.py.
    assert loaded.spend_guards.max_bid_micro("EUR") == 50_000_000


def test_bad_file_names_the_file_and_value() -> None:
    path = settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('{"spend_guards": {"max_bid": {"USD": "lots"}}}', encoding="utf-8")
    with pytest.raises(SettingsError, match=r"settings.json: max_bid.USD must be a number"):
        load_settings()
    path.write_text("{oops", encoding="utf-8")
    with pytest.raises(SettingsError, match="not valid JSON"):
        load_settings()


def test_percent_guard_can_be_disabled() -> None:
    save_settings(AppSettings(spend_guards=SpendGuards(max_budget_increase_percent=None)))
    assert load_settings().spend_guards.max_budget_increase_percent is None


def test_bad_currency_code_is_a_settings_error() -> None:
    path = settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('{"spend_guards": {"max_bid": {"dollars": "5"}}}', encoding="utf-8")
    with pytest.raises(SettingsError, match="max_bid: 'dollars' is not an ISO 4217 currency code"):
        load_settings()
