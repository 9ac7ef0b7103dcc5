"""Validation of control-plane values, and the interruptible sleep behind the latency knobs.

Every knob of /__sandbox__/ is checked here before it changes anything: a value that is not
finite, negative, or past its bound is refused with 400 E1002, the message naming the field and
the allowed range. The bounds are the emulator's own unless noted: wide enough for every test and
demo (the largest in the test suite are latency 30 s, rate limits of 100,000/s), narrow enough that
no value can hang or crash the server (`latency {"ms": 1e308}` used to stall every request).
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from snapdesk.sandbox.errors import SnapApiError, bad_request

# Added latency: two minutes is twice the longest client timeout in snapdesk (the Conversions API
# client's 60 s; the Marketing API client uses 30 s), so timeouts stay testable.
MAX_LATENCY_MS = 120_000
# Rate limits: Snap allows about 10 requests/s per token and 20/s per app (reference/snap-api.md
# §2.5); tests turn limiting "off" with 100,000/s, so up to a million is accepted.
MAX_PER_SECOND = 1_000_000.0
MAX_BURST = 1_000_000
MAX_FAULT_TIMES = 1_000_000
# Segment processing delay: at most a day.
MAX_PROCESSING_SECONDS = 86_400.0
# Token lifetimes: Snap's access tokens live 3,600 s (1,800 s also seen); up to ten years here,
# and an absolute expiry no later than 9999-12-31 (where datetime ends).
MAX_TOKEN_SECONDS = 10 * 365 * 86_400
MAX_EPOCH_SECONDS = 253_402_300_799
MAX_TEXT = 4096  # tokens, ids, globs and URIs
# Stats "true effects": a 1,000x lift is far beyond any real experiment.
MAX_MULTIPLIER = 1000.0
# The stats clock: 2000-01-01 to 2099-12-31 (the seed's entities date from a few years back).
CLOCK_MIN = datetime(2000, 1, 1, tzinfo=UTC)
CLOCK_MAX = datetime(2100, 1, 1, tzinfo=UTC)
# Seeds are int64 values; the scales are the seed's.
SEED_MIN, SEED_MAX = -(2**63), 2**63 - 1
SCALES = ("demo", "large")

_MISSING = object()


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _n(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _refuse(key: str, wanted: str, value: Any) -> SnapApiError:
    return bad_request("E1002", f"'{key}' must be {wanted} (got {_shown(value)})")


def number(
    body: dict[str, Any],
    key: str,
    *,
    low: float,
    high: float,
    default: Any = _MISSING,
    low_open: bool = False,
    nullable: bool = False,
) -> float | None:
    """`body[key]` as a finite number in [low, high] (or (low, high] with `low_open`)."""
    value = body.get(key, default)
    if value is _MISSING:
        raise bad_request("E1002", f"'{key}' is required")
    if value is None and nullable:
        return None
    wanted = (
        f"a number {'over' if low_open else 'from'} {_n(low)} {'up ' if low_open else ''}"
        f"to {_n(high)}" + (" or null" if nullable else "")
    )
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _refuse(key, wanted, value)
    if isinstance(value, int) and not low <= value <= high:  # no float() of a huge int
        raise _refuse(key, wanted, value)
    number = float(value)
    if not math.isfinite(number) or not low <= number <= high or (low_open and number == low):
        raise _refuse(key, wanted, value)
    return number


def integer(
    body: dict[str, Any],
    key: str,
    *,
    low: int,
    high: int,
    default: Any = _MISSING,
    nullable: bool = False,
) -> int | None:
    """`body[key]` as an integer in [low, high] (a float with no fraction is accepted)."""
    value = body.get(key, default)
    if value is _MISSING:
        raise bad_request("E1002", f"'{key}' is required")
    if value is None and nullable:
        return None
    wanted = f"an integer from {low} to {high}" + (" or null" if nullable else "")
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _refuse(key, wanted, value)
    return value


def boolean(body: dict[str, Any], key: str, *, default: bool) -> bool:
    value = body.get(key, default)
    if not isinstance(value, bool):
        raise _refuse(key, "true or false", value)
    return value


def text(
    body: dict[str, Any], key: str, *, default: Any = _MISSING, nullable: bool = False
) -> str | None:
    """`body[key]` as a non-empty string of at most MAX_TEXT characters."""
    value = body.get(key, default)
    if value is _MISSING:
        raise bad_request("E1002", f"'{key}' is required")
    if value is None and nullable:
        return None
    if not isinstance(value, str) or not 0 < len(value) <= MAX_TEXT:
        wanted = f"a string of 1 to {MAX_TEXT} characters" + (" or null" if nullable else "")
        raise _refuse(key, wanted, value)
    return value


def seed_and_scale(body: dict[str, Any]) -> tuple[int, str]:
    seed = integer(body, "seed", low=SEED_MIN, high=SEED_MAX, default=42)
    scale = body.get("scale", "demo")
    if scale not in SCALES:
        raise _refuse("scale", "one of " + ", ".join(repr(s) for s in SCALES), scale)
    assert seed is not None
    return seed, str(scale)


def clock(value: Any) -> datetime | None:
    """The stats clock `now`: null, or an ISO-8601 time from CLOCK_MIN to CLOCK_MAX."""
    if value is None:
        return None
    wanted = (
        f"an ISO-8601 time from {CLOCK_MIN:%Y-%m-%d} up to {CLOCK_MAX:%Y-%m-%d} (UTC when no "
        "offset is given), or null"
    )
    if not isinstance(value, str) or len(value) > 64:
        raise _refuse("now", wanted, value)
    raw = value.strip()
    if raw.endswith(("Z", "z")):
        raw = raw[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise _refuse("now", wanted, value) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        inside = CLOCK_MIN <= moment < CLOCK_MAX
    except OverflowError:
        inside = False
    if not inside:
        raise _refuse("now", wanted, value)
    return moment


def stats_effects(body: dict[str, Any]) -> None:
    """Check a `POST /__sandbox__/stats_effects` body (its handler lives in stats.py)."""
    text(body, "ad_squad_id")
    for key in ("swipe_rate_multiplier", "conversion_rate_multiplier"):
        number(body, key, low=0.0, high=MAX_MULTIPLIER, default=1.0)


def stats_clock(body: dict[str, Any]) -> None:
    """Check a `POST /__sandbox__/stats_clock` body (its handler lives in stats.py)."""
    clock(body.get("now"))


async def sleep_unless_reset(
    generation: Callable[[], int], milliseconds: Callable[[], float]
) -> None:
    """Sleep `milliseconds()` (read again as it runs, so lowering the knob shortens a wait in
    progress), and stop at once when the sandbox is reset (`generation()` changes)."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    started_in = generation()
    while generation() == started_in:
        remaining = start + milliseconds() / 1000 - loop.time()
        if remaining <= 0:
            return
        await asyncio.sleep(min(remaining, 0.05))
