"""Typed application settings, kept in `<config_dir>/settings.json`.

Only what the Qt-free services need lives here (the spend guards of the write gateway and the
posting defaults); window geometry and the like belong to the UI's own QSettings file.

Spend guards (checked by "Check changes", `snapdesk.changes.checks`, before every dry-run or
live post; a change past a guard needs an explicit confirmation before it is sent live):
- `max_budget_increase_percent`: a daily budget may grow by at most this many percent per post
  (per entity; default 50). None disables the check.
- `max_bid_percent_of_daily_budget`: an ad squad's bid may be at most this share of its daily
  budget (of its lifetime budget when it has no daily one); default 100, i.e. a bid above the
  whole day's budget needs a confirmation. None disables the check.
- `max_budget_increase`: per currency, the largest absolute daily-budget increase per post and
  entity, in currency units. Creates count as an increase from zero.
- `max_bid`: per currency, the highest bid an ad squad may be posted with, in currency units.

Per-currency semantics: `DEFAULT_MAX_BID` / `DEFAULT_MAX_BUDGET_INCREASE` hold snapdesk's
defaults for every currency Snap bills ad accounts in (see `SNAP_AD_ACCOUNT_CURRENCIES` for the
evidence); `max_bid` and `max_budget_increase` hold only the user's *overrides*, merged over the
defaults when a limit is looked up. An override of None (JSON `null`) is an explicit "no limit".
So an empty table, as older versions saved it, keeps every default, and a currency the user never
touched follows the defaults of the version they run. A currency with neither a default nor an
override has no absolute limit (Check changes warns about it); the percentage guards still apply.
Amounts are per currency because a yen is not a dollar.

FX rates (`fx_rates`): the user's table of rates to USD, used when stats are converted to USD on
ingestion. Each entry is (date, currency, rate_to_usd) with `USD amount = amount × rate_to_usd`;
a rate must be positive (a missing rate stays missing, it is never 0). Edited in the app or
imported from CSV by `snapdesk.stats.fx`.

Preferences (edited in the app's Preferences dialog):
- `default_country`: ISO 3166 alpha-2 region for phone numbers without a country code in the
  list dialogs (None: such numbers are rejected). Only regions `phonenumbers` knows.
- `live_confirmation`: "always" asks once when live mode is switched on, naming the ad accounts;
  "each_post" also asks before every live post.
- `theme`: "system" (follow the desktop's light/dark scheme), "light" or "dark".
- `refresh_interval_minutes`: how often the running app refreshes stats (0: never).
- `data_dir`: where the cache lives (None: the platformdirs default). `config.Paths.from_env()`
  applies it at the next start unless `SNAPDESK_DATA_DIR` is set, which always wins.
- `welcomed`: the first-run welcome was answered (or "don't show again" ticked).
- `sample_data`: the last window showed the sample data (the built-in sandbox); the next start
  opens it again, until File → Use my Snap account switches back.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

from snapdesk.config import Paths
from snapdesk.core.money import normalize_currency
from snapdesk.core.outputs import make_private_dirs

SETTINGS_FILE = "settings.json"
DEFAULT_MAX_BUDGET_INCREASE_PERCENT = Decimal(50)
# A bid above the ad squad's whole daily budget can't buy even one result (or one thousand
# impressions) a day: almost always a typo (extra zeros, micro vs units), so it needs a
# confirmation. Snap is not known to reject it, so it is a guard, not an error.
DEFAULT_MAX_BID_PERCENT_OF_DAILY_BUDGET = Decimal(100)

# The currencies Snap bills ad accounts in. Evidence, strongest first:
# 1. [DOC] Snap's Ad Accounts reference, attribute `currency` ("Account currency", required),
#    possible values "AUD, DKK, CAD, EUR, GBP, NOK, SEK, USD":
#    https://developers.snap.com/api/marketing-api/Ads-API/ad-accounts
# 2. [CODE] SnapAds4J's doc-derived enum, an older subset (USD, EUR, GBP, AUD, CAD):
#    yassineazimani/SnapAds4J src/main/java/snapads4j/enums/CurrencyEnum.java
# 3. [REC] the recorded exchanges in fixtures/snap-recorded show USD and EUR accounts.
SNAP_AD_ACCOUNT_CURRENCIES: Final = ("AUD", "CAD", "DKK", "EUR", "GBP", "NOK", "SEK", "USD")
# Default guards, in each currency's own units (rounded local equivalents of the USD row at
# 2024–25 exchange rates, not 1:1 copies). USD: a max bid of 50 follows the "deliberately
# conservative" SNAP_MAX_BID=50 default of the Snap Ads MCP server by Usame794
# (https://glama.ai/mcp/servers/Usame794/snap-ads-mcp/schema); a daily-budget increase of
# 1,000 per post and entity matches its SNAP_MAX_DAILY_BUDGET=1000. Both only ask for a
# confirmation; users with bigger accounts raise them in Preferences → Safety.
# JPY is not in Snap's documented list but is added because the sandbox's demo data has a
# JPY account (and its minor unit makes a USD-sized default absurd); that is UNVERIFIED as a
# currency Snap bills in.
_DEFAULT_GUARDS: Final[dict[str, tuple[str, str]]] = {
    # currency: (max bid, max daily-budget increase per post)
    "AUD": ("75", "1500"),
    "CAD": ("70", "1400"),
    "DKK": ("350", "7000"),
    "EUR": ("50", "1000"),
    "GBP": ("40", "800"),
    "JPY": ("7500", "150000"),
    "NOK": ("500", "10000"),
    "SEK": ("500", "10000"),
    "USD": ("50", "1000"),
}
GUARD_CURRENCIES: Final = tuple(sorted(_DEFAULT_GUARDS))
DEFAULT_MAX_BID: Final[Mapping[str, Decimal]] = MappingProxyType(
    {code: Decimal(bid) for code, (bid, _) in _DEFAULT_GUARDS.items()}
)
DEFAULT_MAX_BUDGET_INCREASE: Final[Mapping[str, Decimal]] = MappingProxyType(
    {code: Decimal(increase) for code, (_, increase) in _DEFAULT_GUARDS.items()}
)

LIVE_CONFIRM_ALWAYS: Final = "always"
LIVE_CONFIRM_EACH_POST: Final = "each_post"
LIVE_CONFIRMATIONS: Final = (LIVE_CONFIRM_ALWAYS, LIVE_CONFIRM_EACH_POST)
THEMES: Final = ("system", "light", "dark")
# The stats refresh of the running app (snapdesk.stats.REFRESH_INTERVAL is the same hour).
DEFAULT_REFRESH_INTERVAL_MINUTES: Final = 60
MIN_REFRESH_INTERVAL_MINUTES: Final = 5
MAX_REFRESH_INTERVAL_MINUTES: Final = 24 * 60

log = logging.getLogger(__name__)


class SettingsError(ValueError):
    """The settings file can't be read; the message names the file and the bad value."""


def _decimal(value: Any, where: str) -> Decimal:
    if isinstance(value, bool) or isinstance(value, float):
        value = str(value)
    try:
        result = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise SettingsError(f"{where} must be a number, not {value!r}") from None
    if not result.is_finite() or result < 0:
        raise SettingsError(f"{where} must be a non-negative number, not {value!r}")
    return result


def _per_currency(raw: Any, where: str) -> dict[str, Decimal | None]:
    """A currency → amount table; a null amount is an explicit "no limit"."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise SettingsError(f"{where} must map currency codes to amounts")
    out: dict[str, Decimal | None] = {}
    for code, amount in raw.items():
        try:
            currency = normalize_currency(str(code))
        except ValueError as exc:
            raise SettingsError(f"{where}: {exc}") from None
        out[currency] = None if amount is None else _decimal(amount, f"{where}.{code}")
    return out


def _optional_percent(raw: Mapping[str, Any], key: str, default: Decimal) -> Decimal | None:
    value = raw.get(key, str(default))
    return None if value is None else _decimal(value, key)


def _micro(amount: Decimal | None) -> int | None:
    """Units → micro, never raising for an amount finer than the currency's minor unit."""
    return None if amount is None else int(amount.scaleb(6))


@dataclass(frozen=True)
class GuardRow:
    """One currency of the guard table as the user sees it: the limits in effect (None: no
    limit) and whether each is snapdesk's default."""

    currency: str
    increase: Decimal | None
    bid: Decimal | None
    increase_is_default: bool
    bid_is_default: bool
    is_default_currency: bool


@dataclass(frozen=True)
class SpendGuards:
    """The spend guards; `max_budget_increase` and `max_bid` are the user's overrides of the
    per-currency defaults (see the module docstring)."""

    max_budget_increase_percent: Decimal | None = DEFAULT_MAX_BUDGET_INCREASE_PERCENT
    max_budget_increase: dict[str, Decimal | None] = field(default_factory=dict)
    max_bid: dict[str, Decimal | None] = field(default_factory=dict)
    max_bid_percent_of_daily_budget: Decimal | None = DEFAULT_MAX_BID_PERCENT_OF_DAILY_BUDGET

    @staticmethod
    def _limit(
        overrides: Mapping[str, Decimal | None],
        defaults: Mapping[str, Decimal],
        currency: str | None,
    ) -> Decimal | None:
        if not currency:
            return None
        code = currency.upper()
        if code in overrides:
            return overrides[code]
        return defaults.get(code)

    def increase_limit(self, currency: str | None) -> Decimal | None:
        """The largest daily-budget increase per post in `currency` units (None: no limit)."""
        return self._limit(self.max_budget_increase, DEFAULT_MAX_BUDGET_INCREASE, currency)

    def bid_limit(self, currency: str | None) -> Decimal | None:
        """The highest bid in `currency` units (None: no limit)."""
        return self._limit(self.max_bid, DEFAULT_MAX_BID, currency)

    def max_increase_micro(self, currency: str | None) -> int | None:
        return _micro(self.increase_limit(currency))

    def max_bid_micro(self, currency: str | None) -> int | None:
        return _micro(self.bid_limit(currency))

    def covers(self, currency: str | None) -> bool:
        """Whether `currency` has a row in the table (a default, or the user's own, which may
        be "no limit"); False means nobody ever set its absolute guards."""
        if not currency:
            return False
        code = currency.upper()
        return code in _DEFAULT_GUARDS or code in self.max_bid or code in self.max_budget_increase

    def table(self) -> list[GuardRow]:
        """Every currency with defaults or overrides, sorted by code, with the limits in
        effect (what Preferences → Safety shows)."""
        codes = sorted(set(_DEFAULT_GUARDS) | set(self.max_bid) | set(self.max_budget_increase))
        return [
            GuardRow(
                currency=code,
                increase=self.increase_limit(code),
                bid=self.bid_limit(code),
                increase_is_default=code not in self.max_budget_increase
                or self.max_budget_increase[code] == DEFAULT_MAX_BUDGET_INCREASE.get(code),
                bid_is_default=code not in self.max_bid
                or self.max_bid[code] == DEFAULT_MAX_BID.get(code),
                is_default_currency=code in _DEFAULT_GUARDS,
            )
            for code in codes
        ]

    @classmethod
    def from_table(
        cls,
        rows: Iterable[tuple[str, Decimal | None, Decimal | None]],
        *,
        max_budget_increase_percent: Decimal | None = DEFAULT_MAX_BUDGET_INCREASE_PERCENT,
        max_bid_percent_of_daily_budget: Decimal | None = DEFAULT_MAX_BID_PERCENT_OF_DAILY_BUDGET,
    ) -> SpendGuards:
        """The guards for a table of (currency, max increase, max bid) in effect; only values
        that differ from the defaults are kept as overrides. A default currency missing from
        `rows` keeps its defaults."""
        increases: dict[str, Decimal | None] = {}
        bids: dict[str, Decimal | None] = {}
        for currency, increase, bid in rows:
            code = normalize_currency(currency)
            for table, defaults, value in (
                (increases, DEFAULT_MAX_BUDGET_INCREASE, increase),
                (bids, DEFAULT_MAX_BID, bid),
            ):
                if code in defaults:
                    if value != defaults[code]:
                        table[code] = value  # None here: "no limit" instead of the default
                elif value is not None:
                    table[code] = value  # no default: no limit needs no entry
        return cls(
            max_budget_increase_percent=max_budget_increase_percent,
            max_budget_increase=increases,
            max_bid=bids,
            max_bid_percent_of_daily_budget=max_bid_percent_of_daily_budget,
        )

    def to_json(self) -> dict[str, Any]:
        def amounts(table: Mapping[str, Decimal | None]) -> dict[str, str | None]:
            return {k: None if v is None else str(v) for k, v in sorted(table.items())}

        pct = self.max_budget_increase_percent
        bid_pct = self.max_bid_percent_of_daily_budget
        return {
            "max_budget_increase_percent": None if pct is None else str(pct),
            "max_bid_percent_of_daily_budget": None if bid_pct is None else str(bid_pct),
            "max_budget_increase": amounts(self.max_budget_increase),
            "max_bid": amounts(self.max_bid),
        }

    @classmethod
    def from_json(cls, raw: Any) -> SpendGuards:
        if raw is None:
            return cls()
        if not isinstance(raw, dict):
            raise SettingsError("spend_guards must be an object")
        return cls(
            max_budget_increase_percent=_optional_percent(
                raw, "max_budget_increase_percent", DEFAULT_MAX_BUDGET_INCREASE_PERCENT
            ),
            max_budget_increase=_per_currency(
                raw.get("max_budget_increase"), "max_budget_increase"
            ),
            max_bid=_per_currency(raw.get("max_bid"), "max_bid"),
            max_bid_percent_of_daily_budget=_optional_percent(
                raw, "max_bid_percent_of_daily_budget", DEFAULT_MAX_BID_PERCENT_OF_DAILY_BUDGET
            ),
        )


@dataclass(frozen=True, order=True)
class FxRate:
    """One row of the FX table: on `date`, 1 unit of `currency` was `rate_to_usd` USD."""

    date: date
    currency: str
    rate_to_usd: Decimal

    def __post_init__(self) -> None:
        object.__setattr__(self, "currency", normalize_currency(self.currency))
        if not isinstance(self.rate_to_usd, Decimal):
            object.__setattr__(self, "rate_to_usd", _decimal(self.rate_to_usd, "rate_to_usd"))
        if not self.rate_to_usd.is_finite() or self.rate_to_usd <= 0:
            raise SettingsError(
                f"the {self.currency} rate on {self.date} must be a positive number, "
                f"not {self.rate_to_usd}"
            )

    def to_json(self) -> dict[str, str]:
        return {
            "date": self.date.isoformat(),
            "currency": self.currency,
            "rate_to_usd": str(self.rate_to_usd),
        }

    @classmethod
    def from_json(cls, raw: Any, where: str = "fx_rates") -> FxRate:
        if not isinstance(raw, dict):
            raise SettingsError(f"{where} entries must be objects with date, currency, rate_to_usd")
        try:
            day = date.fromisoformat(str(raw.get("date")))
        except ValueError:
            raise SettingsError(
                f"{where}: {raw.get('date')!r} is not a date (YYYY-MM-DD)"
            ) from None
        try:
            currency = normalize_currency(str(raw.get("currency")))
        except ValueError as exc:
            raise SettingsError(f"{where}: {exc}") from None
        rate = _decimal(raw.get("rate_to_usd"), f"{where}.{currency}.{day}")
        return cls(day, currency, rate)


def _fx_rates(raw: Any) -> tuple[FxRate, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise SettingsError("fx_rates must be a list of {date, currency, rate_to_usd}")
    rates = {(r.currency, r.date): r for r in (FxRate.from_json(item) for item in raw)}
    return tuple(sorted(rates.values()))


@cache
def phone_regions() -> frozenset[str]:
    """The ISO 3166 alpha-2 regions `phonenumbers` can parse numbers for."""
    import phonenumbers  # not at import time: only the preferences need it

    return frozenset(r for r in phonenumbers.SUPPORTED_REGIONS if r.isalpha())


def check_country(value: Any, where: str = "default_country") -> str | None:
    """The upper-case region code, None for none, or `SettingsError` naming the value."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise SettingsError(f'{where} must be a two-letter country code like "GB", not {value!r}')
    code = value.strip().upper()
    if code not in phone_regions():
        raise SettingsError(
            f"{where}: {value!r} is not a country code phone numbers can be read for "
            '(ISO 3166 alpha-2, like "GB" or "US")'
        )
    return code


def check_choice(value: Any, choices: tuple[str, ...], where: str) -> str:
    if not isinstance(value, str) or value not in choices:
        allowed = ", ".join(f'"{c}"' for c in choices)
        raise SettingsError(f"{where} must be one of {allowed}, not {value!r}")
    return value


def check_refresh_minutes(value: Any, where: str = "refresh_interval_minutes") -> int:
    """Whole minutes: 0 (off) or between the minimum and a day."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise SettingsError(f"{where} must be a whole number of minutes, not {value!r}")
    try:
        minutes = int(value)
    except ValueError:
        raise SettingsError(f"{where} must be a whole number of minutes, not {value!r}") from None
    if minutes != 0 and not MIN_REFRESH_INTERVAL_MINUTES <= minutes <= MAX_REFRESH_INTERVAL_MINUTES:
        raise SettingsError(
            f"{where} must be 0 (off) or between {MIN_REFRESH_INTERVAL_MINUTES} and "
            f"{MAX_REFRESH_INTERVAL_MINUTES} minutes, not {value!r}"
        )
    return minutes


def check_data_dir(value: Any, where: str = "data_dir") -> Path | None:
    """An absolute folder path (`~` expanded), or None for the default location."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise SettingsError(f"{where} must be a folder path, not {value!r}")
    path = Path(value).expanduser()
    if not path.is_absolute():
        raise SettingsError(f"{where} must be an absolute folder path, not {value!r}")
    return path


def _flag(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise SettingsError(f"{where} must be true or false, not {value!r}")
    return value


@dataclass(frozen=True)
class AppSettings:
    spend_guards: SpendGuards = field(default_factory=SpendGuards)
    # Poll interval and limit while waiting for uploaded media to become READY.
    media_poll_seconds: float = 2.0
    media_poll_timeout_seconds: float = 600.0
    # The user's FX table (rates to USD), sorted by date then currency.
    fx_rates: tuple[FxRate, ...] = ()
    # Preferences (see the module docstring).
    default_country: str | None = None
    live_confirmation: str = LIVE_CONFIRM_ALWAYS
    theme: str = "system"
    refresh_interval_minutes: int = DEFAULT_REFRESH_INTERVAL_MINUTES
    data_dir: Path | None = None
    welcomed: bool = False
    sample_data: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "default_country", check_country(self.default_country))
        check_choice(self.live_confirmation, LIVE_CONFIRMATIONS, "live_confirmation")
        check_choice(self.theme, THEMES, "theme")
        check_refresh_minutes(self.refresh_interval_minutes)
        if self.data_dir is not None:
            object.__setattr__(self, "data_dir", check_data_dir(str(self.data_dir)))

    def with_guards(self, guards: SpendGuards) -> AppSettings:
        return replace(self, spend_guards=guards)

    def with_fx_rates(self, rates: tuple[FxRate, ...]) -> AppSettings:
        return replace(self, fx_rates=tuple(sorted(rates)))

    def to_json(self) -> dict[str, Any]:
        return {
            "spend_guards": self.spend_guards.to_json(),
            "media_poll_seconds": self.media_poll_seconds,
            "media_poll_timeout_seconds": self.media_poll_timeout_seconds,
            "fx_rates": [rate.to_json() for rate in self.fx_rates],
            "default_country": self.default_country,
            "live_confirmation": self.live_confirmation,
            "theme": self.theme,
            "refresh_interval_minutes": self.refresh_interval_minutes,
            "data_dir": None if self.data_dir is None else str(self.data_dir),
            "welcomed": self.welcomed,
            "sample_data": self.sample_data,
        }

    @classmethod
    def from_json(cls, raw: Any) -> AppSettings:
        if not isinstance(raw, dict):
            raise SettingsError("the settings must be a JSON object")
        defaults = cls()
        return cls(
            spend_guards=SpendGuards.from_json(raw.get("spend_guards")),
            media_poll_seconds=float(
                _decimal(raw.get("media_poll_seconds", defaults.media_poll_seconds), "poll")
            ),
            media_poll_timeout_seconds=float(
                _decimal(
                    raw.get("media_poll_timeout_seconds", defaults.media_poll_timeout_seconds),
                    "media_poll_timeout_seconds",
                )
            ),
            fx_rates=_fx_rates(raw.get("fx_rates")),
            default_country=check_country(raw.get("default_country")),
            live_confirmation=check_choice(
                raw.get("live_confirmation", defaults.live_confirmation),
                LIVE_CONFIRMATIONS,
                "live_confirmation",
            ),
            theme=check_choice(raw.get("theme", defaults.theme), THEMES, "theme"),
            refresh_interval_minutes=check_refresh_minutes(
                raw.get("refresh_interval_minutes", defaults.refresh_interval_minutes)
            ),
            data_dir=check_data_dir(raw.get("data_dir")),
            welcomed=_flag(raw.get("welcomed", False), "welcomed"),
            sample_data=_flag(raw.get("sample_data", False), "sample_data"),
        )


def settings_path(paths: Paths | None = None) -> Path:
    return (paths or Paths.from_env()).config_dir / SETTINGS_FILE


def load_settings(paths: Paths | None = None) -> AppSettings:
    """The saved settings, or the defaults when there is no file yet."""
    path = settings_path(paths)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return AppSettings()
    except OSError as exc:
        raise SettingsError(f"can't read {path} ({exc.strerror or exc})") from exc
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SettingsError(
            f"{path} is not valid JSON (line {exc.lineno}); fix or delete it"
        ) from None
    try:
        return AppSettings.from_json(raw)
    except SettingsError as exc:
        raise SettingsError(f"{path}: {exc}") from None


def saved_data_dir(config_dir: Path) -> Path | None:
    """The `data_dir` chosen in `<config_dir>/settings.json`, for `config.Paths.from_env()`.

    Never raises: a missing, unreadable or invalid file means "no choice" (logged); the same
    file then fails with a `SettingsError` naming it wherever the settings are loaded."""
    path = config_dir / SETTINGS_FILE
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.warning("ignoring the data folder of unreadable %s: %s", path, type(exc).__name__)
        return None
    if not isinstance(raw, dict):
        return None
    try:
        return check_data_dir(raw.get("data_dir"))
    except SettingsError as exc:
        log.warning("ignoring the data folder in %s: %s", path, exc)
        return None


def save_settings(settings: AppSettings, paths: Paths | None = None) -> Path:
    """Write atomically (temp file + rename) so a crash never leaves half a file."""
    path = settings_path(paths)
    make_private_dirs(path.parent)
    data = json.dumps(settings.to_json(), indent=2, sort_keys=True) + "\n"
    fd, tmp = tempfile.mkstemp(prefix=".settings-", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
