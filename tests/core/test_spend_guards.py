"""Default spend guards (issue 13): filled for every currency Snap bills ad accounts in, in local
amounts, kept when an older settings.json has an empty table, overridable per currency with an
explicit "no limit", and round-tripped through settings.json with errors naming file and key."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from snapdesk.core.settings import (
    DEFAULT_MAX_BID,
    DEFAULT_MAX_BID_PERCENT_OF_DAILY_BUDGET,
    DEFAULT_MAX_BUDGET_INCREASE,
    GUARD_CURRENCIES,
    SNAP_AD_ACCOUNT_CURRENCIES,
    AppSettings,
    SettingsError,
    SpendGuards,
    load_settings,
    save_settings,
    settings_path,
)

# developers.snap.com/api/marketing-api/Ads-API/ad-accounts, `currency` possible values.
DOCUMENTED = {"AUD", "DKK", "CAD", "EUR", "GBP", "NOK", "SEK", "USD"}


def _write(raw: object) -> None:
    path = settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(raw), encoding="utf-8")


def test_the_guard_table_is_not_empty_by_default() -> None:
    """Regression (issue 13): the per-currency guard table started empty."""
    guards = load_settings().spend_guards
    for currency in DOCUMENTED:
        assert guards.bid_limit(currency) is not None, currency
        assert guards.increase_limit(currency) is not None, currency
        assert guards.max_bid_micro(currency) is not None, currency
        assert guards.max_increase_micro(currency) is not None, currency
    assert guards.max_bid_percent_of_daily_budget == DEFAULT_MAX_BID_PERCENT_OF_DAILY_BUDGET
    assert guards.max_budget_increase_percent == Decimal(50)


def test_defaults_cover_every_documented_billing_currency() -> None:
    assert set(SNAP_AD_ACCOUNT_CURRENCIES) == DOCUMENTED
    assert DOCUMENTED <= set(GUARD_CURRENCIES)
    assert set(DEFAULT_MAX_BID) == set(DEFAULT_MAX_BUDGET_INCREASE) == set(GUARD_CURRENCIES)
    assert list(GUARD_CURRENCIES) == sorted(GUARD_CURRENCIES)


def test_default_amounts_are_local_not_copies_of_usd() -> None:
    usd_bid, usd_increase = DEFAULT_MAX_BID["USD"], DEFAULT_MAX_BUDGET_INCREASE["USD"]
    # A yen is worth about a hundred and fifty times less than a dollar, a krone about seven to
    # eleven times less: the defaults must say so.
    assert DEFAULT_MAX_BID["JPY"] >= 100 * usd_bid
    assert DEFAULT_MAX_BUDGET_INCREASE["JPY"] >= 100 * usd_increase
    for krone in ("DKK", "NOK", "SEK"):
        assert DEFAULT_MAX_BID[krone] >= 5 * usd_bid, krone
        assert DEFAULT_MAX_BUDGET_INCREASE[krone] >= 5 * usd_increase, krone
    assert DEFAULT_MAX_BID["GBP"] < usd_bid  # a pound buys more than a dollar
    assert DEFAULT_MAX_BID["AUD"] > usd_bid and DEFAULT_MAX_BID["CAD"] > usd_bid
    for currency in GUARD_CURRENCIES:  # a bid guard far below a day's increase guard
        assert DEFAULT_MAX_BID[currency] * 10 <= DEFAULT_MAX_BUDGET_INCREASE[currency]


def test_an_empty_table_from_an_older_version_keeps_the_defaults() -> None:
    _write(
        {
            "spend_guards": {
                "max_budget_increase_percent": "50",
                "max_budget_increase": {},
                "max_bid": {},
            }
        }
    )
    guards = load_settings().spend_guards
    assert guards == SpendGuards()
    assert guards.bid_limit("EUR") == DEFAULT_MAX_BID["EUR"]
    assert guards.increase_limit("JPY") == DEFAULT_MAX_BUDGET_INCREASE["JPY"]


def test_stored_overrides_merge_over_the_defaults() -> None:
    _write({"spend_guards": {"max_bid": {"USD": "3"}, "max_budget_increase": {"jpy": "5000"}}})
    guards = load_settings().spend_guards
    assert guards.bid_limit("usd") == Decimal(3)
    assert guards.max_bid_micro("USD") == 3_000_000
    assert guards.bid_limit("EUR") == DEFAULT_MAX_BID["EUR"]  # untouched currency: default
    assert guards.increase_limit("JPY") == Decimal(5000)
    assert guards.increase_limit("USD") == DEFAULT_MAX_BUDGET_INCREASE["USD"]


def test_null_is_an_explicit_no_limit_and_round_trips() -> None:
    guards = SpendGuards(max_bid={"USD": None}, max_budget_increase={"GBP": None})
    assert guards.bid_limit("USD") is None and guards.max_bid_micro("USD") is None
    assert guards.increase_limit("GBP") is None
    assert guards.bid_limit("GBP") == DEFAULT_MAX_BID["GBP"]
    save_settings(AppSettings(spend_guards=guards))
    raw = json.loads(settings_path().read_text(encoding="utf-8"))["spend_guards"]
    assert raw["max_bid"] == {"USD": None}
    assert raw["max_budget_increase"] == {"GBP": None}
    assert load_settings().spend_guards == guards


def test_only_overrides_are_written() -> None:
    save_settings(AppSettings())
    raw = json.loads(settings_path().read_text(encoding="utf-8"))["spend_guards"]
    assert raw["max_bid"] == {} and raw["max_budget_increase"] == {}
    assert raw["max_bid_percent_of_daily_budget"] == "100"


def test_a_currency_outside_the_table_has_no_limit_and_says_so() -> None:
    guards = SpendGuards()
    assert not guards.covers("KRW") and guards.bid_limit("KRW") is None
    assert guards.covers("USD")
    assert SpendGuards(max_bid={"KRW": Decimal(60000)}).covers("KRW")
    assert SpendGuards(max_bid={"USD": None}).covers("USD")  # the user chose "no limit"


def test_the_table_lists_defaults_and_overrides_and_is_rebuilt_from_rows() -> None:
    guards = SpendGuards(max_bid={"USD": Decimal(20), "KRW": Decimal(60000)})
    rows = {row.currency: row for row in guards.table()}
    assert set(rows) == set(GUARD_CURRENCIES) | {"KRW"}
    assert rows["USD"].bid == Decimal(20) and not rows["USD"].bid_is_default
    assert rows["USD"].increase == DEFAULT_MAX_BUDGET_INCREASE["USD"]
    assert rows["USD"].increase_is_default and rows["USD"].is_default_currency
    assert not rows["KRW"].is_default_currency and rows["KRW"].increase is None
    rebuilt = SpendGuards.from_table(
        [(r.currency, r.increase, r.bid) for r in guards.table()],
        max_budget_increase_percent=guards.max_budget_increase_percent,
        max_bid_percent_of_daily_budget=guards.max_bid_percent_of_daily_budget,
    )
    assert rebuilt == guards  # values equal to a default are not stored as overrides


def test_bid_percent_of_budget_guard_round_trips_and_can_be_off() -> None:
    save_settings(AppSettings(spend_guards=SpendGuards(max_bid_percent_of_daily_budget=None)))
    assert load_settings().spend_guards.max_bid_percent_of_daily_budget is None
    save_settings(
        AppSettings(spend_guards=SpendGuards(max_bid_percent_of_daily_budget=Decimal(25)))
    )
    assert load_settings().spend_guards.max_bid_percent_of_daily_budget == Decimal(25)


@pytest.mark.parametrize(
    ("guards", "message"),
    [
        ({"max_bid": {"USD": "lots"}}, "max_bid.USD must be a number"),
        ({"max_budget_increase": {"EUR": "-1"}}, "max_budget_increase.EUR must be a non-negative"),
        ({"max_bid_percent_of_daily_budget": "x"}, "max_bid_percent_of_daily_budget must be a"),
        ({"max_bid": ["USD"]}, "max_bid must map currency codes to amounts"),
    ],
)
def test_bad_values_name_the_file_and_the_key(guards: dict[str, object], message: str) -> None:
    _write({"spend_guards": guards})
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert str(caught.value).startswith(f"{settings_path()}: ")
    assert message in str(caught.value)
