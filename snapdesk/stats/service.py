"""`StatsService`: stats for any entity, cached in SQLite, in the ad account's time zone.

    service = StatsService(api=api, store=store, fx=FxTable(settings.fx_rates))
    report = await service.report(account_id, kind="campaign", entity_id=cid,
                                  first_day=date(2026, 1, 1), last_day=date(2026, 12, 31),
                                  breakdown="ad_squad")      # one query per 31 days, all squads
    for series in report.series: series.total().spend, series.total().roas ...
    result = await service.refresh(account_id)                # hourly: re-fetch open days, notices

How a report is fetched:
- DAY (and HOUR) ranges are cut into windows from local midnight to local midnight of the
  account's zone (`periods.day_chunks` ≤ 31 days, `periods.hour_chunks` ≤ 7 days).
- A breakdown (`breakdown="ad_squad"` on a campaign, `"campaign"|"ad_squad"|"ad"` on an ad
  account) brings every child back in the same query: a year of 100 ad squads is 12 requests.
- Ad-account stats without a breakdown are only `spend` on Snap; for other fields snapdesk asks
  per campaign (one query) and adds the campaigns up.
- Rows are cached per entity, granularity and period with `fetched_at` and `finalized` (the period
  ended before Snap's `finalized_data_end_time`). Final days are never fetched again; open days
  are fetched again when older than `open_max_age` (15 minutes) or on `refresh`.
- Money stays micro-currency in the cache and becomes `Decimal` in the account's currency in
  `Metrics`; spend and purchase value are converted to USD at ingestion with the FX table (rate
  and rate date kept; no rate → None).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Final
from zoneinfo import ZoneInfo

from snapdesk.api import ApiError, BadRequest, SnapApi, StatsResult, StatsSeries
from snapdesk.core.kinds import AD, AD_ACCOUNT, AD_SQUAD, CAMPAIGN
from snapdesk.stats import cache
from snapdesk.stats.errors import StatsError, explain_stats_error
from snapdesk.stats.fx import FxTable
from snapdesk.stats.metrics import Metrics, fields_for
from snapdesk.stats.notices import Notice, detect_notices
from snapdesk.stats.periods import (
    account_zone,
    contiguous_runs,
    day_bounds,
    day_chunks,
    days_between,
    hour_chunks,
    today_in,
)
from snapdesk.store import Store

__all__ = [
    "BREAKDOWN_PARAM",
    "AccountInfo",
    "EntitySeries",
    "RefreshResult",
    "StatsReport",
    "StatsRow",
    "StatsService",
]

# snapdesk kind of the children -> Snap's `breakdown` value
BREAKDOWN_PARAM: Final[dict[str, str]] = {CAMPAIGN: "campaign", AD_SQUAD: "adsquad", AD: "ad"}
_ALLOWED_BREAKDOWNS: Final[dict[str, tuple[str, ...]]] = {
    AD_ACCOUNT: (CAMPAIGN, AD_SQUAD, AD),
    CAMPAIGN: (AD_SQUAD, AD),
    AD_SQUAD: (AD,),
    AD: (),
}
_KIND_OF_TYPE: Final[dict[str, str]] = {
    "AD_ACCOUNT": AD_ACCOUNT,
    "CAMPAIGN": CAMPAIGN,
    "AD_SQUAD": AD_SQUAD,
    "AD": AD,
}
# Attribution windows sent with every query (Snap's defaults differ by source, §4.2).
DEFAULT_ATTRIBUTION: Final[dict[str, str]] = {
    "swipe_up_attribution_window": "28_DAY",
    "view_attribution_window": "1_DAY",
}
OPEN_MAX_AGE: Final = timedelta(minutes=15)
REFRESH_INTERVAL: Final = timedelta(hours=1)


@dataclass(frozen=True)
class AccountInfo:
    id: str
    name: str | None
    currency: str
    timezone: str
    status: str | None = None

    @property
    def tz(self) -> ZoneInfo:
        return account_zone(self.timezone)


@dataclass(frozen=True, slots=True)
class StatsRow:
    """One period of one entity. `start`/`end` are in the account's zone; `day` is the local
    date (for HOUR rows, the date of the hour). USD values are None when no rate was known."""

    entity_id: str
    level: str
    start: datetime
    end: datetime
    day: date
    metrics: Metrics
    finalized: bool
    spend_usd: Decimal | None = None
    value_usd: Decimal | None = None
    fx_rate: Decimal | None = None
    fx_rate_date: date | None = None


@dataclass(frozen=True)
class EntitySeries:
    """The rows of one entity, in time order, plus its name when snapdesk knows it."""

    entity_id: str
    level: str
    name: str | None
    currency: str
    rows: tuple[StatsRow, ...]

    def total(self) -> Metrics:
        return Metrics.total(self.currency, (r.metrics for r in self.rows))

    def spend_usd(self) -> Decimal | None:
        """Total spend in USD, or None if any row had no rate."""
        total = Decimal(0)
        for row in self.rows:
            if row.spend_usd is None and row.metrics.micro("spend"):
                return None
            total += row.spend_usd or 0
        return total

    def values(self, metric: str) -> list[int | float | Decimal | None]:
        """`metric` (a field or a derived metric) per row, None where undefined."""
        return [row.metrics.value(metric) for row in self.rows]


@dataclass(frozen=True)
class StatsReport:
    """What a chart or an export needs: one series per entity over the same periods."""

    account: AccountInfo
    kind: str
    entity_id: str
    granularity: str
    first_day: date
    last_day: date
    fields: tuple[str, ...]
    breakdown: str | None
    series: tuple[EntitySeries, ...]
    finalized_data_end_time: datetime | None
    requests: int = 0

    @property
    def currency(self) -> str:
        return self.account.currency

    def periods(self) -> list[datetime]:
        """Sorted starts of every period present in any series (the chart's x values), in the
        account's zone (keyed by UTC instant: autumn's repeated 01:00 stays two hours)."""
        instants = {row.start.astimezone(UTC): row.start for s in self.series for row in s.rows}
        return [instants[k] for k in sorted(instants)]

    def total(self) -> Metrics:
        return Metrics.total(self.account.currency, (s.total() for s in self.series))

    def by_id(self) -> dict[str, EntitySeries]:
        return {s.entity_id: s for s in self.series}


@dataclass(frozen=True)
class RefreshResult:
    ad_account_id: str
    first_day: date
    last_day: date
    notices: tuple[Notice, ...]
    requests: int
    finalized_data_end_time: datetime | None
    elapsed_s: float
    reports: dict[str, StatsReport] = field(default_factory=dict, repr=False)


def _period_key(granularity: str, start: datetime, tz: ZoneInfo) -> tuple[str, date]:
    if granularity == "DAY":
        day = start.astimezone(tz).date()
        return day.isoformat(), day
    utc = start.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%SZ"), start.astimezone(tz).date()


def _period_bounds(
    granularity: str, row: cache.CachedRow, tz: ZoneInfo
) -> tuple[datetime, datetime]:
    if granularity == "DAY":
        return day_bounds(row.day, tz)
    start = datetime.strptime(row.period, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).astimezone(tz)
    return start, (start.astimezone(UTC) + timedelta(hours=1)).astimezone(tz)


class StatsService:
    """Stats queries, cache and refresh for the app, the CLI and the chart (no Qt)."""

    def __init__(
        self,
        *,
        api: SnapApi,
        store: Store,
        fx: FxTable | None = None,
        now: Callable[[], datetime] | None = None,
        open_max_age: timedelta = OPEN_MAX_AGE,
        attribution: Mapping[str, str] | None = DEFAULT_ATTRIBUTION,
    ) -> None:
        self.api = api
        self.store = store
        self.fx = fx or FxTable()
        self._now = now or (lambda: datetime.now(UTC))
        self.open_max_age = open_max_age
        self.attribution = dict(attribution or {})
        self._accounts: dict[str, AccountInfo] = {}
        self._names: dict[tuple[str, str], dict[str, str]] = {}

    # -- accounts and names ----------------------------------------------------------------

    async def account(self, ad_account_id: str, *, fresh: bool = False) -> AccountInfo:
        """Currency and time zone of the account: from the cache when synced, else from Snap."""
        if not fresh:
            known = self._accounts.get(ad_account_id)
            if known is not None:
                return known
            row = self.store.ad_account(ad_account_id)
            if row is not None and row.currency and row.timezone:
                info = AccountInfo(row.id, row.name, row.currency, row.timezone, row.status)
                self._accounts[ad_account_id] = info
                return info
        obj = await self.api.ad_accounts.get(ad_account_id)
        if not obj.currency or not obj.timezone:
            raise StatsError(
                f"Snap did not say which currency or time zone ad account {ad_account_id} uses"
            )
        info = AccountInfo(obj.id, obj.name, obj.currency, obj.timezone, obj.status)
        self._accounts[ad_account_id] = info
        return info

    async def names(self, ad_account_id: str, kind: str, *, fresh: bool = False) -> dict[str, str]:
        """Names of the account's campaigns, ad squads or ads: the synced cache, else Snap's
        lists (asked once per service unless `fresh`)."""
        if kind == AD_ACCOUNT:
            info = await self.account(ad_account_id)
            return {info.id: info.name or info.id}
        rows = self.store.entities(kind, ad_account_id)
        if rows:
            return {r.id: r.name or "" for r in rows}
        known = self._names.get((ad_account_id, kind))
        if known is not None and not fresh:
            return known
        resource: dict[str, Any] = {
            CAMPAIGN: self.api.campaigns,
            AD_SQUAD: self.api.ad_squads,
            AD: self.api.ads,
        }
        lister = resource[kind]
        names: dict[str, str] = {}
        async for obj in lister.list(ad_account_id, params={"read_deleted_entities": "true"}):
            names[obj.id] = obj.name or ""
        self._names[(ad_account_id, kind)] = names
        return names

    # -- reports ---------------------------------------------------------------------------

    async def report(
        self,
        ad_account_id: str,
        *,
        kind: str,
        entity_id: str,
        first_day: date,
        last_day: date,
        granularity: str = "DAY",
        breakdown: str | None = None,
        fields: Sequence[str] | None = None,
        refresh: bool = False,
        with_names: bool = True,
    ) -> StatsReport:
        """DAY or HOUR stats of one entity (or of its children with `breakdown`, a snapdesk
        kind) for the local dates `first_day`..`last_day` of the account's zone.

        Cached final days are not fetched again; open days are when older than `open_max_age`,
        or always with `refresh=True`. Snap's query errors raise `StatsError` in plain words.
        """
        gran = granularity.upper()
        if gran not in ("DAY", "HOUR"):
            raise ValueError("report() is for DAY or HOUR; use total() for TOTAL")
        if kind not in _ALLOWED_BREAKDOWNS:
            raise ValueError(f"no stats for {kind!r}")
        if breakdown is not None and breakdown not in _ALLOWED_BREAKDOWNS[kind]:
            raise ValueError(f"a {kind} can't be broken down by {breakdown}")
        if last_day < first_day:
            raise StatsError("The date range ends before it starts — pick a later end date.")
        account = await self.account(ad_account_id)
        tz = account.tz
        wanted = fields_for(gran, fields)
        snap_breakdown = BREAKDOWN_PARAM[breakdown] if breakdown else None
        sum_children = False
        if kind == AD_ACCOUNT and breakdown is None and set(wanted) != {"spend"}:
            snap_breakdown, sum_children = "campaign", True  # spend-only without a breakdown
        query_key = f"{kind}:{entity_id}:{snap_breakdown or '-'}"
        before = self.api.stats.requests
        now = self._now()
        today = today_in(tz, now)
        fetch_until = min(last_day, today)
        fdet: datetime | None = None
        if first_day <= fetch_until:
            coverage = await self.store.awrite(
                lambda c: cache.load_coverage(
                    c,
                    query_key=query_key,
                    granularity=gran,
                    first_day=first_day,
                    last_day=fetch_until,
                )
            )
            stale = [
                d
                for d in days_between(first_day, fetch_until)
                if self._needs_fetch(coverage.get(d), wanted, now=now, refresh=refresh)
            ]
            chunker = day_chunks if gran == "DAY" else hour_chunks
            for run_first, run_last in contiguous_runs(stale):
                for lo, hi in chunker(run_first, run_last, tz):
                    fdet = (
                        await self._fetch(
                            account,
                            kind=kind,
                            entity_id=entity_id,
                            granularity=gran,
                            start=lo,
                            end=hi,
                            fields=wanted,
                            breakdown=snap_breakdown,
                            query_key=query_key,
                        )
                        or fdet
                    )
        series = await self._read(
            account,
            kind=kind,
            entity_id=entity_id,
            granularity=gran,
            first_day=first_day,
            last_day=last_day,
            breakdown=breakdown,
            query_key=query_key,
            sum_children=sum_children,
            with_names=with_names,
        )
        return StatsReport(
            account=account,
            kind=kind,
            entity_id=entity_id,
            granularity=gran,
            first_day=first_day,
            last_day=last_day,
            fields=wanted,
            breakdown=breakdown,
            series=series,
            finalized_data_end_time=fdet,
            requests=self.api.stats.requests - before,
        )

    async def total(
        self,
        ad_account_id: str,
        *,
        kind: str,
        entity_id: str,
        first_day: date | None = None,
        last_day: date | None = None,
        breakdown: str | None = None,
        fields: Sequence[str] | None = None,
        lifetime: bool = False,
        with_names: bool = True,
    ) -> StatsReport:
        """TOTAL stats over the local dates (or LIFETIME with `lifetime=True`): one query, one
        row per entity (per child with `breakdown`). Not cached: totals are cheap to ask."""
        if breakdown is not None and breakdown not in _ALLOWED_BREAKDOWNS.get(kind, ()):
            raise ValueError(f"a {kind} can't be broken down by {breakdown}")
        account = await self.account(ad_account_id)
        tz = account.tz
        gran = "LIFETIME" if lifetime else "TOTAL"
        wanted = fields_for(gran, fields)
        snap_breakdown = BREAKDOWN_PARAM[breakdown] if breakdown else None
        sum_children = False
        if kind == AD_ACCOUNT and breakdown is None and set(wanted) != {"spend"}:
            snap_breakdown, sum_children = "campaign", True
        start = end = None
        if not lifetime:
            if first_day is None or last_day is None:
                raise ValueError("total() needs first_day and last_day (or lifetime=True)")
            start, end = day_bounds(first_day, tz)[0], day_bounds(last_day, tz)[1]
        before = self.api.stats.requests
        result = await self._query(
            account,
            kind=kind,
            entity_id=entity_id,
            granularity=gran,
            start=start,
            end=end,
            fields=wanted,
            breakdown=snap_breakdown,
        )
        child_kind = breakdown or (CAMPAIGN if sum_children else kind)
        raw_series = self._series_of(result, snap_breakdown, entity_id, kind)
        names: dict[str, str] = {}
        if raw_series and with_names and not sum_children:
            names = await self.names(ad_account_id, child_kind)
        out: list[EntitySeries] = []
        for s in raw_series:
            period = s.periods[0] if s.periods else None
            metrics = Metrics(account.currency, dict(period.stats) if period else {})
            row_start = start or (period.start if period and period.start else None)
            row_end = end or (period.end if period and period.end else None)
            day = (row_start or self._now()).astimezone(tz).date()
            usd = self._usd(metrics, account.currency, last_day or day)
            row = StatsRow(
                entity_id=s.id,
                level=child_kind,
                start=(row_start or self._now()).astimezone(tz),
                end=(row_end or self._now()).astimezone(tz),
                day=day,
                metrics=metrics,
                finalized=bool(
                    result.finalized_data_end_time and end and end <= result.finalized_data_end_time
                ),
                **usd,
            )
            out.append(EntitySeries(s.id, child_kind, names.get(s.id), account.currency, (row,)))
        if sum_children:
            total_row = Metrics.total(account.currency, (s.total() for s in out))
            first_row = out[0].rows[0] if out else None
            usd = self._usd(total_row, account.currency, last_day or self._now().date())
            rows = (
                (
                    StatsRow(
                        entity_id=entity_id,
                        level=AD_ACCOUNT,
                        start=first_row.start,
                        end=first_row.end,
                        day=first_row.day,
                        metrics=total_row,
                        finalized=first_row.finalized,
                        **usd,
                    ),
                )
                if first_row
                else ()
            )
            out = [EntitySeries(entity_id, AD_ACCOUNT, account.name, account.currency, rows)]
        return StatsReport(
            account=account,
            kind=kind,
            entity_id=entity_id,
            granularity=gran,
            first_day=first_day or date.min,
            last_day=last_day or date.max,
            fields=wanted,
            breakdown=breakdown,
            series=tuple(out),
            finalized_data_end_time=result.finalized_data_end_time,
            requests=self.api.stats.requests - before,
        )

    # -- refresh ---------------------------------------------------------------------------

    async def refresh(
        self,
        ad_account_id: str,
        *,
        lookback_days: int = 3,
        levels: Sequence[str] = (CAMPAIGN, AD_SQUAD, AD),
    ) -> RefreshResult:
        """The hourly (or on-demand) pull of one ad account.

        Fetches DAY stats per campaign, ad squad and ad (one breakdown query each per 31 days)
        for every day not yet final — the open days already cached and the last
        `lookback_days` — skipping final cached days; then compares the account's state with
        the previous look and returns the notices (ad rejected, budget or lifetime cap reached,
        account not active).
        """
        started = time.perf_counter()
        before = self.api.stats.requests
        account_obj = await self.api.ad_accounts.get(ad_account_id)
        if not account_obj.currency or not account_obj.timezone:
            raise StatsError(
                f"Snap did not say which currency or time zone ad account {ad_account_id} uses"
            )
        account = AccountInfo(
            account_obj.id,
            account_obj.name,
            account_obj.currency,
            account_obj.timezone,
            account_obj.status,
        )
        self._accounts[ad_account_id] = account
        tz = account.tz
        now = self._now()
        today = today_in(tz, now)
        open_days = await self.store.awrite(
            lambda c: cache.open_days(c, ad_account_id=ad_account_id, granularity="DAY")
        )
        first = min([today - timedelta(days=max(0, lookback_days)), *open_days])
        first = max(first, today - timedelta(days=366))
        reports: dict[str, StatsReport] = {}
        fdet: datetime | None = None
        for level in levels:
            report = await self.report(
                ad_account_id,
                kind=AD_ACCOUNT,
                entity_id=ad_account_id,
                first_day=first,
                last_day=today,
                breakdown=level,
                refresh=True,
                with_names=False,
            )
            reports[level] = report
            fdet = report.finalized_data_end_time or fdet

        spend_today: dict[str, int] = {}
        for level in (CAMPAIGN, AD_SQUAD):
            level_report = reports.get(level)
            if level_report is None:
                continue
            for s in level_report.series:
                for row in s.rows:
                    if row.day == today:
                        spend_today[s.entity_id] = row.metrics.micro("spend") or 0
        spend_lifetime: dict[str, int] = {}
        for level in (CAMPAIGN, AD_SQUAD):
            lifetime = await self.total(
                ad_account_id,
                kind=AD_ACCOUNT,
                entity_id=ad_account_id,
                breakdown=level,
                fields=("spend",),
                lifetime=True,
                with_names=False,
            )
            for s in lifetime.series:
                spend_lifetime[s.entity_id] = s.total().micro("spend") or 0

        campaigns = [c.raw async for c in self.api.campaigns.list(ad_account_id)]
        squads = [s.raw async for s in self.api.ad_squads.list(ad_account_id)]
        ads = [a.raw async for a in self.api.ads.list(ad_account_id)]
        previous = await self.store.awrite(lambda c: cache.load_watch(c, ad_account_id))
        baseline = not previous
        if baseline:
            previous = self._baseline_from_cache(ad_account_id)
        notices, state = detect_notices(
            ad_account_id=ad_account_id,
            account=account_obj.raw,
            campaigns=campaigns,
            ad_squads=squads,
            ads=ads,
            previous=previous,
            baseline=baseline,
            today=today,
            spend_today=spend_today,
            spend_lifetime=spend_lifetime,
            now=now,
        )
        await self.store.awrite(lambda c: cache.save_watch(c, ad_account_id, state, at=now))
        return RefreshResult(
            ad_account_id=ad_account_id,
            first_day=first,
            last_day=today,
            notices=tuple(notices),
            requests=self.api.stats.requests - before,
            finalized_data_end_time=fdet,
            elapsed_s=time.perf_counter() - started,
            reports=reports,
        )

    def _baseline_from_cache(self, ad_account_id: str) -> dict[str, dict[str, Any]]:
        """The synced entity cache as the "previous" state of the first refresh."""
        out: dict[str, dict[str, Any]] = {}
        account = self.store.ad_account(ad_account_id)
        if account is not None:
            out[ad_account_id] = {"kind": AD_ACCOUNT, "status": account.status or ""}
        for row in self.store.entities(AD, ad_account_id):
            out[row.id] = {"kind": AD, "review_status": row.data.get("review_status") or ""}
        return out

    # -- internals -------------------------------------------------------------------------

    def _needs_fetch(
        self, covered: cache.Coverage | None, fields: Iterable[str], *, now: datetime, refresh: bool
    ) -> bool:
        if covered is None or not set(fields) <= covered.fields:
            return True
        if covered.finalized:
            return False
        return refresh or now - covered.fetched_at >= self.open_max_age

    async def _query(
        self,
        account: AccountInfo,
        *,
        kind: str,
        entity_id: str,
        granularity: str,
        start: datetime | None,
        end: datetime | None,
        fields: Sequence[str],
        breakdown: str | None,
    ) -> StatsResult:
        try:
            return await self.api.measurement.get(
                kind,
                entity_id,
                granularity=granularity,
                start=start,
                end=end,
                fields=fields,
                breakdown=breakdown,
                extra=self.attribution,
            )
        except BadRequest as exc:
            raise StatsError(
                explain_stats_error(exc, timezone=account.timezone), snap_message=exc.debug_message
            ) from exc

    @staticmethod
    def _series_of(
        result: StatsResult, breakdown: str | None, entity_id: str, kind: str
    ) -> list[StatsSeries]:
        if breakdown is not None:
            return list(result.breakdown.get(breakdown, []))
        if result.series is None:
            return []
        return [result.series]

    def _usd(self, metrics: Metrics, currency: str, day: date) -> dict[str, Any]:
        rate = self.fx.rate(currency, day)
        if rate is None:
            return {"spend_usd": None, "value_usd": None, "fx_rate": None, "fx_rate_date": None}
        value, rate_date = rate
        spend = metrics.micro("spend")
        purchase_value = metrics.micro("conversion_purchases_value")
        # micro × 10^-6 × rate: exact, whatever the currency's minor unit
        return {
            "spend_usd": Decimal(spend).scaleb(-6) * value if spend is not None else None,
            "value_usd": (
                Decimal(purchase_value).scaleb(-6) * value if purchase_value is not None else None
            ),
            "fx_rate": value,
            "fx_rate_date": rate_date,
        }

    async def _fetch(
        self,
        account: AccountInfo,
        *,
        kind: str,
        entity_id: str,
        granularity: str,
        start: datetime,
        end: datetime,
        fields: Sequence[str],
        breakdown: str | None,
        query_key: str,
    ) -> datetime | None:
        """One query; its rows, the days it covered and its children go to the cache."""
        tz = account.tz
        result = await self._query(
            account,
            kind=kind,
            entity_id=entity_id,
            granularity=granularity,
            start=start,
            end=end,
            fields=fields,
            breakdown=breakdown,
        )
        fdet = result.finalized_data_end_time
        fetched_at = self._now()
        rows: list[cache.CachedRow] = []
        children: list[str] = []
        for s in self._series_of(result, breakdown, entity_id, kind):
            level = _KIND_OF_TYPE.get(s.type.upper(), kind) if breakdown else kind
            if breakdown:
                children.append(s.id)
            for period in s.periods:
                if period.start is None:
                    continue
                p_end = period.end or period.start
                period_key, day = _period_key(granularity, period.start, tz)
                metrics = Metrics(account.currency, dict(period.stats))
                usd = self._usd(metrics, account.currency, day)
                rows.append(
                    cache.CachedRow(
                        entity_id=s.id,
                        granularity=granularity,
                        period=period_key,
                        ad_account_id=account.id,
                        level=level,
                        day=day,
                        currency=account.currency,
                        stats=dict(period.stats),
                        fx_rate=usd["fx_rate"],
                        fx_rate_date=usd["fx_rate_date"],
                        spend_usd=usd["spend_usd"],
                        value_usd=usd["value_usd"],
                        finalized=fdet is not None and p_end <= fdet,
                        fetched_at=fetched_at,
                    )
                )
        days: dict[date, bool] = {}
        day = start.astimezone(tz).date()
        last = (end - timedelta(microseconds=1)).astimezone(tz).date()
        while day <= last:
            days[day] = fdet is not None and day_bounds(day, tz)[1] <= fdet
            day += timedelta(days=1)

        def write(conn: Any) -> None:
            cache.save_rows(conn, rows)
            cache.save_coverage(
                conn,
                query_key=query_key,
                granularity=granularity,
                ad_account_id=account.id,
                days=days,
                fields=fields,
                fetched_at=fetched_at,
            )
            if children:
                cache.add_members(conn, query_key, children)

        await self.store.awrite(write)
        return fdet

    async def _read(
        self,
        account: AccountInfo,
        *,
        kind: str,
        entity_id: str,
        granularity: str,
        first_day: date,
        last_day: date,
        breakdown: str | None,
        query_key: str,
        sum_children: bool,
        with_names: bool,
    ) -> tuple[EntitySeries, ...]:
        tz = account.tz
        if breakdown is None and not sum_children:
            ids = [entity_id]
        else:
            ids = await self.store.awrite(lambda c: cache.load_members(c, query_key))
        rows = await self.store.awrite(
            lambda c: cache.load_rows(
                c, ids, granularity=granularity, first_day=first_day, last_day=last_day
            )
        )
        by_entity: dict[str, list[StatsRow]] = {i: [] for i in ids}
        bounds: dict[str, tuple[datetime, datetime]] = {}
        for r in rows:
            known = bounds.get(r.period)
            if known is None:
                known = bounds[r.period] = _period_bounds(granularity, r, tz)
            start, end = known
            by_entity.setdefault(r.entity_id, []).append(
                StatsRow(
                    entity_id=r.entity_id,
                    level=r.level,
                    start=start,
                    end=end,
                    day=r.day,
                    metrics=Metrics(r.currency, r.stats),
                    finalized=r.finalized,
                    spend_usd=r.spend_usd,
                    value_usd=r.value_usd,
                    fx_rate=r.fx_rate,
                    fx_rate_date=r.fx_rate_date,
                )
            )
        child_kind = breakdown or (CAMPAIGN if sum_children else kind)
        names: dict[str, str] = {}
        if with_names and ids and not sum_children:
            try:
                names = await self.names(account.id, child_kind)
            except ApiError:
                names = {}
        if sum_children:
            return (self._summed(account, entity_id, granularity, by_entity),)
        return tuple(
            EntitySeries(
                entity_id=i,
                level=child_kind,
                name=names.get(i),
                currency=account.currency,
                rows=tuple(sorted(by_entity[i], key=lambda r: r.start.astimezone(UTC))),
            )
            for i in ids
        )

    def _summed(
        self,
        account: AccountInfo,
        entity_id: str,
        granularity: str,
        by_entity: Mapping[str, list[StatsRow]],
    ) -> EntitySeries:
        """Children's rows added up per period (the account's own series)."""
        periods: dict[datetime, list[StatsRow]] = {}
        for rows in by_entity.values():
            for row in rows:
                periods.setdefault(row.start.astimezone(UTC), []).append(row)
        out = []
        for start in sorted(periods):
            group = periods[start]
            metrics = Metrics.total(account.currency, (r.metrics for r in group))
            missing = any(r.spend_usd is None and r.metrics.micro("spend") for r in group)
            first = group[0]
            out.append(
                StatsRow(
                    entity_id=entity_id,
                    level=AD_ACCOUNT,
                    start=first.start,
                    end=first.end,
                    day=first.day,
                    metrics=metrics,
                    finalized=all(r.finalized for r in group),
                    spend_usd=None
                    if missing
                    else sum((r.spend_usd or Decimal(0) for r in group), Decimal(0)),
                    value_usd=None
                    if any(
                        r.value_usd is None and r.metrics.micro("conversion_purchases_value")
                        for r in group
                    )
                    else sum((r.value_usd or Decimal(0) for r in group), Decimal(0)),
                    fx_rate=first.fx_rate,
                    fx_rate_date=first.fx_rate_date,
                )
            )
        return EntitySeries(entity_id, AD_ACCOUNT, account.name, account.currency, tuple(out))
