"""Stats: queries aligned and chunked in the ad account's time zone, breakdowns, cache, FX, notices.

No Qt here; the chart view (snapdesk/ui) builds on this API:

    StatsService(api=..., store=..., fx=FxTable(settings.fx_rates))
        .report(ad_account_id, kind=..., entity_id=..., first_day=..., last_day=...,
                granularity="DAY"|"HOUR", breakdown=None|"campaign"|"ad_squad"|"ad",
                fields=None, refresh=False) -> StatsReport
        .total(ad_account_id, kind=..., entity_id=..., first_day=..., last_day=...,
               breakdown=None, lifetime=False) -> StatsReport
        .refresh(ad_account_id, lookback_days=3) -> RefreshResult (with .notices)
    StatsReport.series -> EntitySeries(entity_id, level, name, rows: StatsRow...)
    StatsRow.metrics -> Metrics (counts, money as Decimal, swipe_rate/ecpm/cost_per_swipe/cpa/roas)
    periods.preset_range(name, today=today_in(tz)) for the chart's date presets.
"""

from snapdesk.stats.errors import StatsError, explain_stats_error
from snapdesk.stats.fx import FxError, FxTable, UsdAmount, merge_rates, read_rates_csv
from snapdesk.stats.metrics import (
    DERIVED_METRICS,
    HOUR_FIELDS,
    METRIC_LABELS,
    MONEY_METRICS,
    STANDARD_FIELDS,
    Metrics,
    fields_for,
)
from snapdesk.stats.notices import Notice, NoticeKind
from snapdesk.stats.periods import PRESETS, day_chunks, hour_chunks, preset_range, today_in
from snapdesk.stats.service import (
    REFRESH_INTERVAL,
    AccountInfo,
    EntitySeries,
    RefreshResult,
    StatsReport,
    StatsRow,
    StatsService,
)

__all__ = [
    "DERIVED_METRICS",
    "HOUR_FIELDS",
    "METRIC_LABELS",
    "MONEY_METRICS",
    "PRESETS",
    "REFRESH_INTERVAL",
    "STANDARD_FIELDS",
    "AccountInfo",
    "EntitySeries",
    "FxError",
    "FxTable",
    "Metrics",
    "Notice",
    "NoticeKind",
    "RefreshResult",
    "StatsError",
    "StatsReport",
    "StatsRow",
    "StatsService",
    "UsdAmount",
    "day_chunks",
    "explain_stats_error",
    "fields_for",
    "hour_chunks",
    "merge_rates",
    "preset_range",
    "read_rates_csv",
    "today_in",
]
