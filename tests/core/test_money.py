"""Money conversions are exact: property tests over micro ↔ units for every exponent."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from snapdesk.core.money import (
    MoneyError,
    apply_percent,
    exponent,
    format_amount,
    format_money,
    from_micro,
    minor_unit_micro,
    parse_money,
    round_micro,
    to_micro,
)

CURRENCIES = ["USD", "EUR", "GBP", "JPY", "KRW", "KWD", "BHD", "AUD", "SEK", "CLF"]
currencies = st.sampled_from(CURRENCIES)


@st.composite
def representable_micro(draw: st.DrawFn) -> tuple[int, str]:
    """A micro amount that the currency's minor unit can express."""
    currency = draw(currencies)
    units = draw(st.integers(min_value=-(10**12), max_value=10**12))
    return units * minor_unit_micro(currency), currency


def test_exponents_follow_iso_4217() -> None:
    assert [exponent(c) for c in ("USD", "EUR", "JPY", "KRW", "KWD", "BHD", "CLF")] == [
        2,
        2,
        0,
        0,
        3,
        3,
        4,
    ]
    assert exponent("usd") == 2
    with pytest.raises(MoneyError):
        exponent("dollars")


@given(representable_micro())
def test_micro_to_money_to_micro_round_trips_exactly(case: tuple[int, str]) -> None:
    micro, currency = case
    assert to_micro(from_micro(micro, currency), currency) == micro


@given(representable_micro())
def test_formatted_amount_parses_back_to_the_same_micro(case: tuple[int, str]) -> None:
    micro, currency = case
    if micro < 0:
        micro = -micro
    text = format_amount(micro, currency)
    assert to_micro(parse_money(text, currency), currency) == micro
    grouped = format_money(micro, currency)
    assert to_micro(parse_money(grouped, currency), currency) == micro


@given(currencies, st.integers(min_value=0, max_value=10**9))
def test_parse_money_to_micro_is_exact_for_every_minor_unit(currency: str, minor: int) -> None:
    exp = exponent(currency)
    amount = Decimal(minor).scaleb(-exp)
    text = f"{amount:f}"
    assert to_micro(parse_money(text, currency), currency) == minor * minor_unit_micro(currency)


@given(currencies, st.integers(min_value=0, max_value=10**15), st.integers(-100, 300))
def test_percent_changes_land_on_the_minor_unit(currency: str, micro: int, pct: int) -> None:
    new = apply_percent(micro, Decimal(pct), currency)
    assert new % minor_unit_micro(currency) == 0
    exact = Decimal(micro) * (1 + Decimal(pct) / 100)
    assert abs(Decimal(new) - exact) <= Decimal(minor_unit_micro(currency)) / 2


def test_percent_rounds_half_to_even() -> None:
    # 1.25 USD + 0% on a 1.005 boundary: 100.5 cents -> 100 (even), 101.5 -> 102
    assert round_micro(1_005_000, "USD") == 1_000_000
    assert round_micro(1_015_000, "USD") == 1_020_000
    assert apply_percent(10_000_000, Decimal("0.05"), "USD") == 10_000_000  # 10.005 -> 10.00
    assert apply_percent(10_000_000, Decimal("0.15"), "USD") == 10_020_000  # 10.015 -> 10.02
    assert apply_percent(1_500_000_000, Decimal("10"), "JPY") == 1_650_000_000
    assert apply_percent(25_000_000, Decimal("-10"), "USD") == 22_500_000


@pytest.mark.parametrize(
    ("text", "currency", "expected"),
    [
        ("12.5", "USD", Decimal("12.50")),
        ("1,234.50", "USD", Decimal("1234.50")),
        ("$12.50", "USD", Decimal("12.50")),
        ("USD 7", "USD", Decimal("7")),
        ("1,500", "JPY", Decimal("1500")),
        ("¥1,500", "JPY", Decimal("1500")),
        ("0.125", "KWD", Decimal("0.125")),
        (" 3 ", "EUR", Decimal("3")),
        ("12.500", "USD", Decimal("12.50")),
    ],
)
def test_parse_money_accepts(text: str, currency: str, expected: Decimal) -> None:
    assert parse_money(text, currency) == expected


@pytest.mark.parametrize(
    ("text", "currency", "message"),
    [
        ("12.345", "USD", "USD amounts have at most 2 decimals"),
        ("12.5", "JPY", "JPY amounts have no decimals"),
        ("1.2345", "KWD", "KWD amounts have at most 3 decimals"),
        ("1,23.4", "USD", "commas only between thousands"),
        ("1.234,50", "EUR", "use a dot for decimals"),
        ("abc", "USD", "is not an amount"),
        ("", "USD", "Enter an amount"),
        ("-5", "USD", "can't be negative"),
    ],
)
def test_parse_money_rejects_with_a_clear_message(text: str, currency: str, message: str) -> None:
    with pytest.raises(MoneyError, match=message):
        parse_money(text, currency)


def test_to_micro_refuses_amounts_finer_than_the_minor_unit_and_floats() -> None:
    with pytest.raises(MoneyError, match="no decimals"):
        to_micro(Decimal("1.5"), "JPY")
    with pytest.raises(TypeError):
        to_micro(1.5, "USD")  # type: ignore[arg-type]
    assert to_micro(Decimal("1.5"), "USD") == 1_500_000
    assert to_micro(5, "JPY") == 5_000_000


def test_from_micro_keeps_currency_decimals_and_never_rounds_away() -> None:
    assert str(from_micro(12_500_000, "USD")) == "12.50"
    assert str(from_micro(1_500_000_000, "JPY")) == "1500"
    assert from_micro(1_234_567, "USD") == Decimal("1.234567")


@pytest.mark.parametrize(
    ("micro", "currency", "text"),
    [
        (12_500_000, "USD", "$12.50"),
        (1_500_000_000, "JPY", "¥1,500"),
        (3_000_000, "EUR", "€3.00"),
        (1_234_567_890_000, "USD", "$1,234,567.89"),
        (-2_000_000, "GBP", "-£2.00"),
        (3_000_000, "SEK", "SEK 3.00"),
        (1_250_000, "KWD", "KWD 1.250"),
    ],
)
def test_format_money(micro: int, currency: str, text: str) -> None:
    assert format_money(micro, currency) == text


def test_format_money_code_form() -> None:
    assert format_money(3_000_000, "EUR", symbol_first=False) == "EUR 3.00"
