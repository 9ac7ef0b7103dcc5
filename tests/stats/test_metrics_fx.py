"""Derived metrics exactly (None when undefined) and the FX table (settings, CSV import)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from snapdesk.core.settings import AppSettings, FxRate, SettingsError, load_settings, save_settings
from snapdesk.stats import FxError, FxTable, Metrics, merge_rates, read_rates_csv
from snapdesk.stats.fx import write_rates_csv
from snapdesk.stats.metrics import KNOWN_FIELDS, REACH_FIELDS, fields_for


def test_derived_metrics_are_exact_decimals() -> None:
    m = Metrics(
        "USD",
        {
            "impressions": 40_000,
            "swipes": 300,
            "spend": 123_450_000,  # $123.45
            "conversion_purchases": 7,
            "conversion_purchases_value": 500_000_000,
        },
    )
    assert m.spend == Decimal("123.45")
    assert m.swipe_rate == Decimal("0.0075")
    assert m.ecpm == Decimal("3.08625")
    assert m.cost_per_swipe == Decimal("0.4115")
    assert m.cpa == Decimal("123.45") / 7
    assert m.roas == Decimal("500.00") / Decimal("123.45")
    assert m.value("spend") == Decimal("123.45") and m.value("swipes") == 300


def test_undefined_metrics_are_none_never_zero() -> None:
    empty = Metrics("USD", {"impressions": 0, "swipes": 0, "spend": 0, "conversion_purchases": 0})
    assert empty.derived() == dict.fromkeys(("swipe_rate", "ecpm", "cost_per_swipe", "cpa", "roas"))
    missing = Metrics("EUR", {"impressions": 10})
    assert missing.spend is None and missing.ecpm is None and missing.purchases is None


def test_money_in_zero_decimal_currencies_and_sums() -> None:
    yen = Metrics("jpy", {"spend": 1_500_000_000, "impressions": 3})
    assert yen.currency == "JPY" and yen.spend == Decimal("1500")
    total = Metrics.total("JPY", [yen, Metrics("JPY", {"spend": 1_000_000, "swipes": 1})])
    assert total.values == {"spend": 1_501_000_000, "impressions": 3, "swipes": 1}
    with pytest.raises(ValueError):
        _ = yen + Metrics("USD", {})


@given(st.integers(min_value=0, max_value=10**15), st.integers(min_value=1, max_value=10**9))
def test_ecpm_round_trips(spend: int, impressions: int) -> None:
    m = Metrics("USD", {"spend": spend, "impressions": impressions})
    assert m.ecpm is not None and m.spend is not None
    assert abs(m.ecpm * impressions / 1000 - m.spend) < Decimal("1e-12") * max(Decimal(1), m.spend)


def test_hour_fields_keep_conversions_and_drop_only_reach() -> None:
    # real hourly rows carry conversion_* and attachment_* fields, never the reach fields
    assert "conversion_purchases" in fields_for("HOUR")
    assert "conversion_purchases" in fields_for("DAY")
    hour = fields_for("HOUR", KNOWN_FIELDS)
    assert set(KNOWN_FIELDS) - set(hour) == REACH_FIELDS
    assert {"attachment_quartile_1", "conversion_list_view"} <= set(hour)
    assert fields_for("DAY", KNOWN_FIELDS) == KNOWN_FIELDS


def test_fx_latest_rate_on_or_before_the_day_and_missing_otherwise() -> None:
    table = FxTable(
        [
            FxRate(date(2026, 1, 1), "EUR", Decimal("1.10")),
            FxRate(date(2026, 2, 1), "EUR", Decimal("1.05")),
        ]
    )
    assert table.rate("EUR", date(2026, 1, 31)) == (Decimal("1.10"), date(2026, 1, 1))
    assert table.rate("eur", date(2026, 2, 1)) == (Decimal("1.05"), date(2026, 2, 1))
    assert table.rate("EUR", date(2025, 12, 31)) is None  # nothing before: missing
    assert table.rate("GBP", date(2026, 3, 1)) is None
    converted = table.convert(Decimal("200.00"), "EUR", date(2026, 3, 3))
    assert (converted.currency, converted.amount, converted.rate, converted.rate_date) == (
        "EUR", Decimal("200.00"), Decimal("1.05"), date(2026, 2, 1),
    )  # fmt: skip
    assert converted.usd == Decimal("210.0000")
    missing = table.convert(Decimal("5"), "GBP", date(2026, 3, 3))
    assert missing.missing and missing.usd is None and missing.rate is None
    assert table.convert(Decimal("5"), "USD", date(2026, 3, 3)).usd == Decimal("5")


def test_fx_csv_import_and_errors(tmp_path: Path) -> None:
    path = tmp_path / "rates.csv"
    path.write_text(
        "\ufeffdate,currency,rate_to_usd\n2026-11-01,eur,1.0812\n2026-11-01,GBP,1.27\n\n"
        "2026-11-02,EUR,1.0799\n",
        encoding="utf-8",
    )
    rates = read_rates_csv(path)
    assert [(r.date.day, r.currency, r.rate_to_usd) for r in rates] == [
        (1, "EUR", Decimal("1.0812")), (1, "GBP", Decimal("1.27")), (2, "EUR", Decimal("1.0799")),
    ]  # fmt: skip
    assert read_rates_csv(write_rates_csv(rates)) == rates
    for text, message in [
        ("day,currency,rate\n", "header must have date,currency,rate_to_usd"),
        ("date,currency,rate_to_usd\n2026-13-01,EUR,1\n", "row 2: '2026-13-01' is not a date"),
        ("date,currency,rate_to_usd\n2026-01-01,EURO,1\n", "row 2: 'EURO' is not an ISO 4217"),
        ("date,currency,rate_to_usd\n2026-01-01,EUR,0\n", "row 2: the EUR rate on 2026-01-01 "
         "must be a positive number"),
        ("date,currency,rate_to_usd\n2026-01-01,EUR,abc\n", "row 2: 'abc' is not a number"),
    ]:  # fmt: skip
        with pytest.raises(FxError, match=message.replace("(", r"\(")):
            read_rates_csv(text)


def test_fx_table_lives_in_settings_and_merges() -> None:
    old = (FxRate(date(2026, 1, 1), "EUR", Decimal("1.10")),)
    new = [FxRate(date(2026, 1, 1), "EUR", Decimal("1.11")), FxRate(date(2026, 1, 1), "JPY",
           Decimal("0.0067"))]  # fmt: skip
    merged = merge_rates(old, new)
    assert [(r.currency, r.rate_to_usd) for r in merged] == [
        ("EUR", Decimal("1.11")), ("JPY", Decimal("0.0067"))
    ]  # fmt: skip
    save_settings(AppSettings().with_fx_rates(merged))
    assert load_settings().fx_rates == merged
    with pytest.raises(SettingsError):
        AppSettings.from_json({"fx_rates": [{"date": "2026-01-01", "currency": "EUR",
                                             "rate_to_usd": "0"}]})  # fmt: skip
    assert AppSettings.from_json({}).fx_rates == ()
