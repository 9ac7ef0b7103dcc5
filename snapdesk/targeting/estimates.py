"""Audience size (reach) and bid estimates, cached per targeting.

The editor asks for an estimate every time the targeting changes; the same question asked again
(an undo, switching back) is answered from the cache for `ttl` without a request.
Contract: reference/snap-targeting.md §3.1 (audience_size_v2) and §3.4 (bid_estimate).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from snapdesk.api import ApiError, SnapApi, SnapError
from snapdesk.store import Store
from snapdesk.targeting.catalog import utcnow

__all__ = ["BidEstimate", "Estimates", "ReachEstimate"]

REACH = "reach"
BID = "bid"

# The squad fields the audience size depends on: targeting certainly, placement probably
# (§3.1 [DOC names placement; GUESS that it matters]). Budget and goal don't feed the key.
_REACH_FIELDS = ("targeting", "placement_v2", "placement")


@dataclass(frozen=True)
class ReachEstimate:
    minimum: int
    maximum: int
    fetched_at: datetime
    stale: bool = False  # older than the ttl (kept for display while offline)


@dataclass(frozen=True)
class BidEstimate:
    goal: str
    minimum_micro: int
    maximum_micro: int
    fetched_at: datetime
    stale: bool = False

    @property
    def label(self) -> str:
        """IMPRESSIONS bids are a CPM that won't be exceeded; every other goal's bid is a
        target cost that can be (§3.4 [DOC bid-estimate])."""
        return "CPM" if self.goal.upper() == "IMPRESSIONS" else "Target cost"


def _int(value: Any, what: str) -> int:
    """Sizes are numbers here, strings in targeting_insights (§3.2): accept both."""
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        raise ApiError(f"Snap's {what} isn't a number ({value!r})") from None


class Estimates:
    """Reach and bid estimates with a SQLite cache keyed by what was asked."""

    def __init__(
        self,
        store: Store,
        *,
        ttl: timedelta = timedelta(hours=24),
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._store = store
        self.ttl = ttl
        self._clock = clock

    @staticmethod
    def key(ad_account_id: str, spec: Mapping[str, Any]) -> str:
        """SHA-256 (hex) of the canonical JSON of the account and the spec (sorted keys)."""
        canonical = json.dumps(
            {"ad_account_id": str(ad_account_id), "spec": spec},
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
            default=str,
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    @staticmethod
    def _reach_spec(squad: Mapping[str, Any]) -> dict[str, Any]:
        return {"kind": REACH, **{k: squad[k] for k in _REACH_FIELDS if k in squad}}

    @staticmethod
    def _bid_spec(goal: str, targeting: Mapping[str, Any]) -> dict[str, Any]:
        return {"kind": BID, "optimization_goal": goal, "targeting": targeting}

    # -- cache -----------------------------------------------------------------------------

    def _load(self, kind: str, key: str) -> tuple[dict[str, Any], datetime] | None:
        row = (
            self._store.reader()
            .execute(
                "SELECT data, fetched_at FROM targeting_estimates WHERE kind = ? AND key = ?",
                (kind, key),
            )
            .fetchone()
        )
        if row is None:
            return None
        return json.loads(row[0]), datetime.fromisoformat(row[1])

    async def _save(
        self, kind: str, key: str, ad_account_id: str, data: Mapping[str, Any], at: datetime
    ) -> None:
        payload = json.dumps(dict(data))
        stamp = at.astimezone(UTC).isoformat()

        def write(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO targeting_estimates (key, kind, ad_account_id, data, fetched_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (kind, key) DO UPDATE SET "
                "ad_account_id = excluded.ad_account_id, data = excluded.data, "
                "fetched_at = excluded.fetched_at",
                (key, kind, ad_account_id, payload, stamp),
            )

        await self._store.awrite(write)

    def _stale(self, at: datetime) -> bool:
        return self._clock() - at >= self.ttl

    # -- reach -----------------------------------------------------------------------------

    def _reach_from(self, data: Mapping[str, Any], at: datetime) -> ReachEstimate:
        return ReachEstimate(
            minimum=_int(data.get("audience_size_minimum"), "audience size"),
            maximum=_int(data.get("audience_size_maximum"), "audience size"),
            fetched_at=at,
            stale=self._stale(at),
        )

    def cached_reach(self, ad_account_id: str, squad: Mapping[str, Any]) -> ReachEstimate | None:
        """The cached estimate for this targeting + placement (flagged `stale` when old)."""
        found = self._load(REACH, self.key(ad_account_id, self._reach_spec(squad)))
        return self._reach_from(*found) if found else None

    async def reach(
        self, api: SnapApi, ad_account_id: str, squad: Mapping[str, Any]
    ) -> ReachEstimate:
        """Audience size for a squad spec (`{"targeting", "placement_v2", ...}`): the fresh
        cached one, else `POST /adaccounts/{id}/audience_size_v2`. If Snap fails, an older
        cached estimate comes back flagged `stale`; without one the error is raised."""
        key = self.key(ad_account_id, self._reach_spec(squad))
        found = self._load(REACH, key)
        if found is not None and not self._stale(found[1]):
            return self._reach_from(*found)
        try:
            data = await api.targeting.audience_size(ad_account_id, squad)
            estimate = self._reach_from(data, self._clock())
        except SnapError:
            if found is not None:
                return self._reach_from(*found)
            raise
        await self._save(REACH, key, ad_account_id, data, estimate.fetched_at)
        return estimate

    # -- bid -------------------------------------------------------------------------------

    def _bid_from(self, goal: str, data: Mapping[str, Any], at: datetime) -> BidEstimate:
        return BidEstimate(
            goal=str(data.get("optimization_goal") or goal),
            minimum_micro=_int(data.get("bid_estimate_minimum"), "bid estimate"),
            maximum_micro=_int(data.get("bid_estimate_maximum"), "bid estimate"),
            fetched_at=at,
            stale=self._stale(at),
        )

    def cached_bid(
        self, ad_account_id: str, goal: str, targeting: Mapping[str, Any]
    ) -> BidEstimate | None:
        found = self._load(BID, self.key(ad_account_id, self._bid_spec(goal, targeting)))
        return self._bid_from(goal, *found) if found else None

    async def bid(
        self, api: SnapApi, ad_account_id: str, goal: str, targeting: Mapping[str, Any]
    ) -> BidEstimate:
        """Bid estimate (micro-currency of the account) for a goal and targeting: the fresh
        cached one, else `POST /adaccounts/{id}/bid_estimate`; stale on failure as `reach`."""
        key = self.key(ad_account_id, self._bid_spec(goal, targeting))
        found = self._load(BID, key)
        if found is not None and not self._stale(found[1]):
            return self._bid_from(goal, *found)
        try:
            data = await api.targeting.bid_estimate(ad_account_id, goal, targeting)
            estimate = self._bid_from(goal, data, self._clock())
        except SnapError:
            if found is not None:
                return self._bid_from(goal, *found)
            raise
        await self._save(BID, key, ad_account_id, data, estimate.fetched_at)
        return estimate
