"""Typed application settings, kept in `<config_dir>/settings.json`.

Only what the Qt-free services need lives here (the spend guards of the write gateway and the
posting defaults); window geometry and the like belong to the UI's own QSettings file.

Spend guards (checked by `WriteGateway.post` before anything is sent live):
- `max_budget_increase_percent`: a daily budget may grow by at most this many percent per post
  (per entity; default 50). None disables the check.
- `max_budget_increase`: per currency, the largest absolute daily-budget increase per post and
  entity, in currency units (e.g. {"USD": "500"}). Creates count as an increase from zero.
- `max_bid`: per currency, the highest bid an ad squad may be posted with, in currency units.
Amounts are per currency because a yen is not a dollar; a currency without an entry is not
checked by that guard.

FX rates (`fx_rates`): the user's table of rates to USD, used when stats are converted to USD on
ingestion. Each entry is (date, currency, rate_to_usd) with `USD amount = amount × rate_to_usd`;
a rate must be positive (a missing rate stays missing, it is never 0). Edited in the app or
imported from CSV by `snapdesk.stats.fx`.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from snapdesk.config import Paths
from snapdesk.core.money import normalize_currency, to_micro

SETTINGS_FILE = "settings.json"
DEFAULT_MAX_BUDGET_INCREASE_PERCENT = Decimal(50)


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


def _per_currency(raw: Any, where: str) -> dict[str, Decimal]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise SettingsError(f"{where} must map currency codes to amounts")
    out: dict[str, Decimal] = {}
    for code, amount in raw.items():
        try:
            currency = normalize_currency(str(code))
        except ValueError as exc:
            raise SettingsError(f"{where}: {exc}") from None
        out[currency] = _decimal(amount, f"{where}.{code}")
    return out


@dataclass(frozen=True)
class SpendGuards:
    max_budget_increase_percent: Decimal | None = DEFAULT_MAX_BUDGET_INCREASE_PERCENT
    max_budget_increase: dict[str, Decimal] = field(default_factory=dict)
    max_bid: dict[str, Decimal] = field(default_factory=dict)

    def max_increase_micro(self, currency: str | None) -> int | None:
        if not currency:
            return None
        amount = self.max_budget_increase.get(currency.upper())
        return None if amount is None else to_micro(amount, currency)

    def max_bid_micro(self, currency: str | None) -> int | None:
        if not currency:
            return None
        amount = self.max_bid.get(currency.upper())
        return None if amount is None else to_micro(amount, currency)

    def to_json(self) -> dict[str, Any]:
        pct = self.max_budget_increase_percent
        return {
            "max_budget_increase_percent": None if pct is None else str(pct),
            "max_budget_increase": {k: str(v) for k, v in sorted(self.max_budget_increase.items())},
            "max_bid": {k: str(v) for k, v in sorted(self.max_bid.items())},
        }

    @classmethod
    def from_json(cls, raw: Any) -> SpendGuards:
        if raw is None:
            return cls()
        if not isinstance(raw, dict):
            raise SettingsError("spend_guards must be an object")
        pct_raw = raw.get("max_budget_increase_percent", str(DEFAULT_MAX_BUDGET_INCREASE_PERCENT))
        pct = None if pct_raw is None else _decimal(pct_raw, "max_budget_increase_percent")
        return cls(
            max_budget_increase_percent=pct,
            max_budget_increase=_per_currency(
                raw.get("max_budget_increase"), "max_budget_increase"
            ),
            max_bid=_per_currency(raw.get("max_bid"), "max_bid"),
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


@dataclass(frozen=True)
class AppSettings:
    spend_guards: SpendGuards = field(default_factory=SpendGuards)
    # Poll interval and limit while waiting for uploaded media to become READY.
    media_poll_seconds: float = 2.0
    media_poll_timeout_seconds: float = 600.0
    # The user's FX table (rates to USD), sorted by date then currency.
    fx_rates: tuple[FxRate, ...] = ()

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


def save_settings(settings: AppSettings, paths: Paths | None = None) -> Path:
    """Write atomically (temp file + rename) so a crash never leaves half a file."""
    path = settings_path(paths)
    path.parent.mkdir(parents=True, exist_ok=True)
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
