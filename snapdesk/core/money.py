"""Money in an ad account's currency, exactly: Snap stores amounts as micro-currency integers.

One unit of any currency is 1 000 000 micro. What a user can type, and what Snap can charge,
is limited by the currency's minor unit (ISO 4217 exponent): cents for USD (2), none for JPY (0),
fils for KWD (3). Everything here is `Decimal` or `int`; no float ever touches an amount.

    parse_money("1,234.50", "USD")   -> Decimal("1234.50")
    to_micro(Decimal("12.5"), "USD") -> 12_500_000
    from_micro(12_500_000, "USD")    -> Decimal("12.50")
    format_money(1_500_000_000, "JPY") -> "¥1,500"
    apply_percent(10_000_000, Decimal("15"), "USD") -> 11_500_000
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Final

MICRO_PER_UNIT: Final = 1_000_000
_MICRO_DIGITS: Final = 6

# ISO 4217 exponents that differ from 2. Currencies not listed have 2 decimals.
_EXPONENTS: Final[dict[str, int]] = {
    # no minor unit
    "BIF": 0,
    "CLP": 0,
    "DJF": 0,
    "GNF": 0,
    "ISK": 0,
    "JPY": 0,
    "KMF": 0,
    "KRW": 0,
    "PYG": 0,
    "RWF": 0,
    "UGX": 0,
    "UYI": 0,
    "VND": 0,
    "VUV": 0,
    "XAF": 0,
    "XOF": 0,
    "XPF": 0,
    # three decimals
    "BHD": 3,
    "IQD": 3,
    "JOD": 3,
    "KWD": 3,
    "LYD": 3,
    "OMR": 3,
    "TND": 3,
    # four decimals
    "CLF": 4,
    "UYW": 4,
}

# Symbols shown before the amount; other currencies are shown as "CODE 1.00".
_SYMBOLS: Final[dict[str, str]] = {
    "USD": "$",
    "EUR": "€",
    "GBP": "£",
    "JPY": "¥",
    "KRW": "₩",
    "INR": "₹",
    "AUD": "A$",
    "CAD": "CA$",
    "NZD": "NZ$",
    "HKD": "HK$",
    "SGD": "S$",
    "MXN": "MX$",
    "BRL": "R$",
    "CNY": "CN¥",
    "ILS": "₪",
    "TRY": "₺",
    "PLN": "zł",
}
# Only prefix symbols; "zł" is written after the amount.
_SUFFIX_SYMBOLS: Final = frozenset({"PLN"})

_GROUPED = re.compile(r"^\d{1,3}(,\d{3})+(\.\d*)?$")
_PLAIN = re.compile(r"^(\d+(\.\d*)?|\.\d+)$")


class MoneyError(ValueError):
    """Text that is not an amount of this currency; the message says what to type instead."""


_NORMALIZED: dict[str | None, str] = {}  # spellings seen → code (a grid formats 50,000 amounts)


def normalize_currency(currency: str | None) -> str:
    known = _NORMALIZED.get(currency)
    if known is not None:
        return known
    code = (currency or "").strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise MoneyError(f"{currency!r} is not an ISO 4217 currency code")
    if len(_NORMALIZED) < 1024:
        _NORMALIZED[currency] = code
    return code


def exponent(currency: str) -> int:
    """Decimals of the currency's minor unit (USD 2, JPY 0, KWD 3)."""
    return _EXPONENTS.get(normalize_currency(currency), 2)


def minor_unit_micro(currency: str) -> int:
    """Micro-currency in one minor unit: 10 000 for USD (a cent), 1 000 000 for JPY."""
    return 10 ** (_MICRO_DIGITS - exponent(currency))


def symbol(currency: str) -> str | None:
    return _SYMBOLS.get(normalize_currency(currency))


def _decimals(value: Decimal) -> int:
    exp = value.as_tuple().exponent
    assert isinstance(exp, int)
    return max(0, -exp)


def _describe_decimals(currency: str, allowed: int) -> str:
    if allowed == 0:
        return f"{currency} amounts have no decimals"
    return f"{currency} amounts have at most {allowed} decimal{'s' if allowed != 1 else ''}"


def parse_money(text: str, currency: str, *, allow_negative: bool = False) -> Decimal:
    """An amount typed by a user, in units of `currency` (not micro).

    Accepts "12", "12.5", "1,234.50", an optional leading currency symbol or code ("$12.50",
    "USD 12.50") and surrounding spaces. Refuses more decimals than the currency has, commas in
    the wrong places, and negative amounts unless `allow_negative`.
    """
    code = normalize_currency(currency)
    raw = (text or "").strip()
    if not raw:
        raise MoneyError("Enter an amount")
    negative = False
    if raw[0] in "-−":
        negative = True
        raw = raw[1:].strip()
    elif raw[0] == "+":
        raw = raw[1:].strip()
    for prefix in (code, _SYMBOLS.get(code, "")):
        if prefix and raw.upper().startswith(prefix.upper()):
            raw = raw[len(prefix) :].strip()
            break
    sign = _SYMBOLS.get(code)
    if sign and code in _SUFFIX_SYMBOLS and raw.endswith(sign):
        raw = raw[: -len(sign)].strip()
    if raw.endswith(code):
        raw = raw[: -len(code)].strip()
    if _GROUPED.match(raw):
        raw = raw.replace(",", "")
    elif "," in raw:
        raise MoneyError(
            f"{text.strip()!r} is not an amount: use a dot for decimals and commas only "
            "between thousands (1,234.50)"
        )
    if not _PLAIN.match(raw):
        raise MoneyError(f"{text.strip()!r} is not an amount (type digits, e.g. 12.50)")
    try:
        value = Decimal(raw)
    except InvalidOperation:  # pragma: no cover - the pattern above rules this out
        raise MoneyError(f"{text.strip()!r} is not an amount") from None
    allowed = exponent(code)
    if _decimals(value) > allowed:
        # trailing zeros beyond the minor unit are harmless ("12.500" USD)
        if value != value.quantize(Decimal(1).scaleb(-allowed)):
            raise MoneyError(f"{_describe_decimals(code, allowed)} ({text.strip()!r})")
        value = value.quantize(Decimal(1).scaleb(-allowed))
    if negative:
        if not allow_negative:
            raise MoneyError("The amount can't be negative")
        value = -value
    return value


def to_micro(amount: Decimal | int | str, currency: str) -> int:
    """Units → micro-currency, exactly. An amount finer than the currency's minor unit raises."""
    code = normalize_currency(currency)
    if isinstance(amount, float):
        raise TypeError("amounts must be Decimal, int or str, never float")
    value = Decimal(amount)
    if not value.is_finite():
        raise MoneyError(f"{amount!r} is not a finite amount")
    allowed = exponent(code)
    quantum = Decimal(1).scaleb(-allowed)
    if value != value.quantize(quantum):
        raise MoneyError(f"{_describe_decimals(code, allowed)} ({value})")
    micro = value.scaleb(_MICRO_DIGITS)
    return int(micro)


def from_micro(micro: int, currency: str) -> Decimal:
    """Micro-currency → units, exactly, shown with the currency's decimals (12.50, not 12.5).

    A micro amount finer than the minor unit keeps its extra digits (nothing is rounded away).
    """
    code = normalize_currency(currency)
    if isinstance(micro, bool) or not isinstance(micro, int):
        raise TypeError("micro amounts are integers")
    value = Decimal(micro).scaleb(-_MICRO_DIGITS)
    allowed = exponent(code)
    quantum = Decimal(1).scaleb(-allowed)
    if value == value.quantize(quantum):
        return value.quantize(quantum)
    return value.normalize()


def round_micro(micro: int | Decimal, currency: str) -> int:
    """Round a micro amount to the currency's minor unit, half to even."""
    step = Decimal(minor_unit_micro(currency))
    units = (Decimal(micro) / step).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
    return int(units * step)


def apply_percent(micro: int, percent: Decimal | int | str, currency: str) -> int:
    """`micro` changed by `percent` (+15, -10.5), rounded half-even to the minor unit."""
    if isinstance(percent, float):
        raise TypeError("percentages must be Decimal, int or str, never float")
    factor = Decimal(1) + Decimal(percent) / Decimal(100)
    return round_micro(Decimal(micro) * factor, currency)


def _group(digits: str) -> str:
    head, _, tail = digits.partition(".")
    groups: list[str] = []
    while len(head) > 3:
        groups.insert(0, head[-3:])
        head = head[:-3]
    groups.insert(0, head)
    grouped = ",".join(groups)
    return f"{grouped}.{tail}" if tail else grouped


def format_money(micro: int, currency: str, *, symbol_first: bool = True) -> str:
    """ "$12.50", "¥1,500", "€3.00"; currencies without a known symbol read "SEK 3.00".

    The amount is rounded half-even to the currency's minor unit for display.
    """
    code = normalize_currency(currency)
    allowed = exponent(code)
    rounded = round_micro(micro, code)
    value = Decimal(abs(rounded)).scaleb(-_MICRO_DIGITS).quantize(Decimal(1).scaleb(-allowed))
    text = _group(f"{value:f}")
    sign = "-" if rounded < 0 else ""
    mark = _SYMBOLS.get(code)
    if mark is None or not symbol_first:
        return f"{sign}{code} {text}"
    if code in _SUFFIX_SYMBOLS:
        return f"{sign}{text} {mark}"
    return f"{sign}{mark}{text}"


def format_amount(micro: int, currency: str) -> str:
    """The plain number for an editor field: "1234.50" (no symbol, no grouping)."""
    code = normalize_currency(currency)
    allowed = exponent(code)
    value = Decimal(round_micro(micro, code)).scaleb(-_MICRO_DIGITS)
    return f"{value.quantize(Decimal(1).scaleb(-allowed)):f}"
