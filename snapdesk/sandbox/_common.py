"""Small helpers shared by the sandbox modules: timestamps, ids, JSON."""

from __future__ import annotations

import json
import random
import uuid
from datetime import UTC, datetime
from typing import Any

SANDBOX_TOKEN = "sandbox-demo-token"

# The sandbox's own "app" and "user", echoed in created_by_* / last_updated_by_* fields.
SANDBOX_APP_ID = "5a1d0b0e-5a1d-4b0e-8a1d-0b0e5a1d0b0e"

JsonObj = dict[str, Any]


def iso_ms(moment: datetime) -> str:
    """Format like Snap: UTC, milliseconds, trailing Z (2025-07-29T11:53:33.136Z)."""
    moment = moment.astimezone(UTC)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}Z"


def utc_now() -> datetime:
    return datetime.now(UTC)


def now_iso() -> str:
    return iso_ms(utc_now())


def parse_iso(value: str) -> datetime | None:
    """Parse an ISO-8601 timestamp as Snap accepts it; naive values are taken as UTC."""
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


_UUID_CLEAR = ~((0xC000 << 48) | (0xF000 << 64))
_UUID_SET = (0x8000 << 48) | (4 << 76)


def rng_uuid(rng: random.Random) -> str:
    """A version-4 UUID drawn from `rng`, so seeded data is identical run to run.

    Same value as `str(uuid.UUID(int=rng.getrandbits(128), version=4))`, formatted faster.
    """
    h = f"{(rng.getrandbits(128) & _UUID_CLEAR) | _UUID_SET:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def new_uuid() -> str:
    return str(uuid.uuid4())


def dumps(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
