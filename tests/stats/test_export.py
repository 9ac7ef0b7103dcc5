"""`snapdesk stats export`: exact header and rows, money as units with a dot, atomic write."""

from __future__ import annotations

import argparse
import csv
import io
from datetime import date
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from snapdesk.api import SnapApi, StaticTokenProvider
from snapdesk.core.settings import AppSettings, FxRate, save_settings
from snapdesk.sandbox import SANDBOX_TOKEN, SandboxState, create_app
from snapdesk.stats import AccountInfo, EntitySeries, Metrics, StatsReport, StatsRow
from snapdesk.stats.cli import cmd_stats_export
from snapdesk.stats.export import export_header, export_rows, write_export
from snapdesk.stats.periods import day_bounds
from snapdesk.store import Store
from tests.stats.conftest import account_of

HEADER = (
    "date,level,id,name,currency,impressions,swipes,spend,video_views,view_completion,"
    "conversion_purchases,conversion_purchases_value,spend_usd,fx_rate,fx_rate_date"
)


def _row(day: date, tz: ZoneInfo, currency: str, values: dict[str, int], **usd: object) -> StatsRow:
    start, end = day_bounds(day, tz)
    return StatsRow(
        entity_id="x", level="ad_squad", start=start, end=end, day=day,
        metrics=Metrics(currency, values), finalized=True, **usd,  # type: ignore[arg-type]
    )  # fmt: skip


def test_header_and_rows_are_exact() -> None:
    tz = ZoneInfo("Asia/Tokyo")
    account = AccountInfo("acc", "Sakura", "JPY", "Asia/Tokyo")
    values = {"impressions": 1200, "swipes": 15, "spend": 1_500_000_000, "video_views": 400,
              "view_completion": 90, "conversion_purchases": 0,
              "conversion_purchases_value": 0}  # fmt: skip
    rows_b = (
        _row(date(2026, 3, 1), tz, "JPY", values, spend_usd=Decimal("10.0500"),
             fx_rate=Decimal("0.0067"), fx_rate_date=date(2026, 2, 28)),
        _row(date(2026, 3, 2), tz, "JPY", {"impressions": 5, "spend": 2_000_000}),
    )  # fmt: skip
    rows_a = (_row(date(2026, 3, 1), tz, "JPY", {"impressions": 0, "swipes": 0, "spend": 0}),)
    report = StatsReport(
        account=account, kind="ad_account", entity_id="acc", granularity="DAY",
        first_day=date(2026, 3, 1), last_day=date(2026, 3, 2), fields=(), breakdown="ad_squad",
        series=(
            EntitySeries("sq-b", "ad_squad", "Tokyo, 18-24", "JPY", rows_b),
            EntitySeries("sq-a", "ad_squad", "Osaka", "JPY", rows_a),
        ),
        finalized_data_end_time=None,
    )  # fmt: skip
    assert ",".join(export_header()) == HEADER
    assert export_rows(report) == [
        ["2026-03-01", "adsquad", "sq-a", "Osaka", "JPY", "0", "0", "0", "", "", "", "", "", "",
         ""],
        ["2026-03-01", "adsquad", "sq-b", "Tokyo, 18-24", "JPY", "1200", "15", "1500", "400", "90",
         "0", "0", "10.0500", "0.0067", "2026-02-28"],
        ["2026-03-02", "adsquad", "sq-b", "Tokyo, 18-24", "JPY", "5", "", "2", "", "", "", "",
         "", "", ""],
    ]  # fmt: skip


def test_write_is_atomic(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old", encoding="utf-8")
    report = StatsReport(
        account=AccountInfo("a", None, "USD", "UTC"), kind="ad_account", entity_id="a",
        granularity="HOUR", first_day=date(2026, 1, 1), last_day=date(2026, 1, 1), fields=(),
        breakdown=None, series=(), finalized_data_end_time=None,
    )  # fmt: skip
    with pytest.raises(ValueError, match="DAY"):
        write_export(target, report)
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]  # no temp file left behind


def test_cli_exports_one_row_per_entity_per_day(
    tmp_path: Path, state: SandboxState, store: Store
) -> None:
    gb = account_of(state, "GBP")
    save_settings(AppSettings(fx_rates=(FxRate(date(2026, 11, 1), "GBP", Decimal("1.27")),)))
    out = tmp_path / "stats.csv"
    args = argparse.Namespace(
        ad_account=gb["id"], level="adsquad", from_date="2026-10-30", to_date="2026-11-02",
        output=str(out),
    )  # fmt: skip

    def factory() -> SnapApi:
        return SnapApi(
            token_provider=StaticTokenProvider(SANDBOX_TOKEN),
            base_url="http://sandbox.local/v1",
            transport=httpx.ASGITransport(app=create_app(state)),
            rate_limit=None,
        )

    stdout, stderr = io.StringIO(), io.StringIO()
    code = cmd_stats_export(args, api_factory=factory, store=store, stdout=stdout, stderr=stderr)
    assert code == 0, stderr.getvalue()
    text = out.read_text(encoding="utf-8")
    assert text.splitlines()[0] == HEADER
    rows = list(csv.DictReader(io.StringIO(text)))
    squads = [s for s in state.iter_objects("ad_squad")
              if state.collections["ad_squad"].account_of[s["id"]] == gb["id"]]  # fmt: skip
    assert len(rows) == 4 * len(squads)
    assert f"Wrote {len(rows)} row(s)" in stdout.getvalue()
    assert {r["date"] for r in rows} == {"2026-10-30", "2026-10-31", "2026-11-01", "2026-11-02"}
    assert {r["level"] for r in rows} == {"adsquad"} and {r["currency"] for r in rows} == {"GBP"}
    names = {s["id"]: s["name"] for s in squads}
    assert all(r["name"] == names[r["id"]] for r in rows)
    spent = [r for r in rows if r["spend"] not in ("0", "0.00")]
    assert spent
    for r in spent:
        assert "." in r["spend"] and "," not in r["spend"] and "e" not in r["spend"].lower()
        Decimal(r["spend"])  # parses exactly
        if r["date"] >= "2026-11-01":
            assert Decimal(r["spend_usd"]) == Decimal(r["spend"]) * Decimal("1.27")
            assert r["fx_rate_date"] == "2026-11-01"
        else:
            assert r["spend_usd"] == r["fx_rate"] == ""  # no rate yet: empty, never 0
    assert any(int(r["conversion_purchases"]) > 0 for r in rows)  # GBP shop has a pixel


@pytest.mark.parametrize(
    ("overrides", "code", "message"),
    [
        ({"level": "keyword"}, 2, "--level must be one of campaign, adsquad, ad"),
        ({"from_date": "01/11/2026"}, 2, "--from '01/11/2026' is not a date; use YYYY-MM-DD"),
        ({"to_date": "2026-10-01"}, 2, "--to 2026-10-01 is before --from 2026-11-01"),
        ({"output": "/nonexistent-dir/x.csv"}, 1, "the folder /nonexistent-dir does not exist"),
    ],
)
def test_cli_usage_errors(overrides: dict[str, str], code: int, message: str) -> None:
    values = {"ad_account": "a", "level": "campaign", "from_date": "2026-11-01",
              "to_date": "2026-11-02", "output": "out.csv", **overrides}  # fmt: skip
    stderr = io.StringIO()
    assert cmd_stats_export(argparse.Namespace(**values), stderr=stderr) == code
    assert stderr.getvalue().strip() == f"snapdesk: {message}"
