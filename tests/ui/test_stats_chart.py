"""The stats chart against a real SandboxServer over loopback HTTP (stats clock fixed), on a cache
synced from it, with the qasync loop driven by Qt: compare mode from one breakdown query, two
axes, exact hover values, totals, FX, empty and error states, exports, hourly limits; plus the
FX rates dialog and the table models."""

from __future__ import annotations

import asyncio
import csv
import shutil
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QImage, QMouseEvent
from PySide6.QtWidgets import QApplication, QFileDialog

from snapdesk.config import Paths
from snapdesk.core.kinds import AD, AD_SQUAD, CAMPAIGN
from snapdesk.core.settings import FxRate, load_settings
from snapdesk.sandbox import SandboxServer
from snapdesk.stats import FxTable, Notice, StatsReport
from snapdesk.stats.export import export_header
from snapdesk.store import Store
from snapdesk.ui.dialogs.fx_rates import FxRatesDialog
from snapdesk.ui.main_window import MainWindow
from snapdesk.ui.metric_format import (
    format_date_range,
    format_metric,
    format_tick,
    limit_units,
    plot_value,
)
from snapdesk.ui.models.fx_rates import FxRatesModel
from snapdesk.ui.models.stats_table import (
    FX_COLUMN,
    HEADERS,
    KEYS,
    NO_RATE,
    SPEND_USD_COLUMN,
    TOTAL_NAME,
    StatsTableModel,
)
from snapdesk.ui.ops.stats import StatsServices, apply_fx_rates
from snapdesk.ui.performance import entity_path
from snapdesk.ui.session import Session
from snapdesk.ui.stats_refresh import StatsRefresher
from snapdesk.ui.views.notices import NoticeArea, summary
from snapdesk.ui.views.stats_chart import EMPTY_TITLE, TOP_N, StatsChartView, build_chart
from tests.ui.helpers import run_in_loop
from tests.ui.stats_env import (
    MANY_NAME,
    MANY_SQUADS,
    NOW,
    account,
    campaign_node,
    clock,
    control,
    make_api,
    make_service,
    node_for,
    prepare,
    recorded_stats,
    services_of,
)

TIMEOUT = 30_000
US_CAMPAIGN = "Easter Weekend — Traffic US"


# -- environment: one sandbox and one synced cache per module, a fresh copy per test ---------


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    with SandboxServer(seed=42, scale="demo") as srv:
        prepare(srv)
        yield srv


@pytest.fixture(scope="module")
def synced_db(server: SandboxServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from snapdesk.sync import SyncService

    path = tmp_path_factory.mktemp("stats-sync") / "cache.sqlite3"

    async def run() -> None:
        api = make_api(server)
        store = Store(path)
        try:
            assert (await SyncService(api=api, store=store).sync()).ok
        finally:
            await api.aclose()
            store.close()

    asyncio.run(run())
    return path


@pytest.fixture
def store(synced_db: Path, tmp_path: Path) -> Iterator[Store]:
    copy = tmp_path / "cache.sqlite3"
    shutil.copy(synced_db, copy)
    s = Store(copy)
    yield s
    s.close()


@pytest.fixture
def api(
    server: SandboxServer, qapp: QApplication, qloop: asyncio.AbstractEventLoop
) -> Iterator[Any]:
    client = make_api(server)
    yield client
    run_in_loop(qapp, qloop, client.aclose())


@pytest.fixture
def make_view(
    qtbot: Any, qloop: asyncio.AbstractEventLoop, api: Any, store: Store, server: SandboxServer
):
    control(server, "DELETE", "faults")

    def factory(fx: FxTable | None = None) -> StatsChartView:
        service = make_service(api, store, fx)
        view = StatsChartView(loop=qloop, services=services_of(service), now=clock)
        qtbot.addWidget(view)
        view.resize(1100, 760)
        view.show()
        return view

    yield factory
    control(server, "DELETE", "faults")


def wait_loaded(qtbot: Any, view: StatsChartView) -> None:
    qtbot.waitUntil(
        lambda: not view.loading and view.page not in ("loading", "nothing"), timeout=TIMEOUT
    )


def hover_mouse(view: StatsChartView, fraction: float) -> None:
    """A real mouse move over the plot area, as a user makes it."""
    plot = view.plot
    area = plot.mapFromScene(plot.getPlotItem().vb.sceneBoundingRect()).boundingRect()
    pos = QPointF(area.left() + area.width() * fraction, area.top() + area.height() / 2)
    global_pos = plot.viewport().mapToGlobal(QPoint(int(pos.x()), int(pos.y()))).toPointF()
    event = QMouseEvent(
        QMouseEvent.Type.MouseMove,
        pos,
        global_pos,
        Qt.MouseButton.NoButton,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(plot.viewport(), event)
    QApplication.processEvents()


# -- the chart --------------------------------------------------------------------------------


def test_compare_mode_draws_one_line_per_squad_from_one_request(
    make_view, qtbot, store: Store, server: SandboxServer
) -> None:
    view = make_view()
    node = campaign_node(store, MANY_NAME)
    view.show_node(node)
    wait_loaded(qtbot, view)
    assert view.page == "chart"
    control(server, "DELETE", "requests")

    view.set_compare(AD_SQUAD)
    wait_loaded(qtbot, view)

    assert view.page == "chart"
    stats = recorded_stats(server)
    assert len(stats) == 1, stats  # the last 30 days of all squads in one breakdown query
    assert stats[0]["path"] == f"/v1/campaigns/{node.id}/stats"
    assert stats[0]["query"]["breakdown"] == "adsquad"
    report = view.report
    assert report is not None and report.breakdown == AD_SQUAD
    assert len(report.series) == MANY_SQUADS
    assert {s.name for s in report.series} == {r.name for r in store.ad_squads(node.id)}
    # Top 10 by spend drawn, every squad in the table (plus the total row)
    assert view.plot.curve_count == TOP_N
    assert view.table_model.rowCount() == MANY_SQUADS + 1
    spend = sorted((s.total().micro("spend") or 0 for s in report.series), reverse=True)
    drawn = [s.key for s in view.plot.series]
    assert [report.by_id()[k].total().micro("spend") for k in drawn] == spend[:TOP_N]
    legend = [w.text() for w in view.legend_entries]
    assert any("4 more" in text for text in legend)

    view.set_top_only(False)
    assert view.plot.curve_count == MANY_SQUADS
    assert len(recorded_stats(server)) == 1  # redrawn from the report, not fetched again
    assert all(len(s.ys) == len(report.periods()) for s in view.plot.series)


def test_compare_by_ads_of_a_campaign(make_view, qtbot, store: Store) -> None:
    view = make_view()
    view.show_node(campaign_node(store, US_CAMPAIGN))
    view.set_compare(AD)
    wait_loaded(qtbot, view)
    report = view.report
    assert report is not None and report.breakdown == AD
    assert report.series and all(s.level == AD for s in report.series)
    assert view.compare_combo.currentData() == AD


def test_money_and_counts_get_two_axes(make_view, qtbot, store: Store) -> None:
    view = make_view()
    view.show_node(campaign_node(store, US_CAMPAIGN))
    wait_loaded(qtbot, view)
    view.set_metrics(["spend", "impressions"])

    assert view.chart is not None and view.chart.units == ("money", "count")
    plot = view.plot
    assert plot.getPlotItem().getAxis("right").isVisible()
    assert "Spend (USD)" in plot.left_axis.labelText
    assert "Impressions" in plot.right_axis.labelText
    sides = {s.metric: s.right for s in plot.series}
    assert sides == {"spend": False, "impressions": True}
    assert plot.left_curves.count == 1 and plot.right_curves.count == 1
    assert plot.right_curves in plot.right_view.addedItems

    view.set_metrics(["spend", "ecpm"])  # one unit: one axis
    assert view.chart.units == ("money", None)
    assert not plot.getPlotItem().getAxis("right").isVisible()

    # a third unit drops the oldest other one: the chart has two axes
    view.set_metrics(["spend", "impressions", "swipe_rate"])
    assert view.metrics == ["impressions", "swipe_rate"]


def test_hover_tooltip_shows_exact_values(make_view, qtbot, store: Store) -> None:
    view = make_view()
    view.show_node(campaign_node(store, US_CAMPAIGN))
    wait_loaded(qtbot, view)
    view.set_metrics(["spend", "impressions"])
    report = view.report
    assert report is not None

    hover_mouse(view, 0.5)  # a real mouse move over the middle of the plot
    index = view.plot.hovered_index
    assert index is not None and view.plot.tooltip.isVisible()
    assert view.plot.crosshair.isVisible()
    row = report.series[0].rows[index]
    text = view.plot.tooltip.text()
    assert _x_day(row.day) in text
    spend = row.metrics.spend
    assert spend is not None and spend != spend.quantize(Decimal("0.01"))
    assert f"USD {spend:,}" in text  # to the micro unit, not rounded
    assert f"{row.metrics.impressions:,}" in text

    view.set_metrics(["impressions", "swipe_rate"])
    view.plot.hover_index(3)
    row = report.series[0].rows[3]
    rate = row.metrics.swipe_rate
    assert rate is not None
    assert f"{rate * 100:.2f} %" in view.plot.tooltip.text()

    view.plot.hide_hover()
    assert not view.plot.tooltip.isVisible()


def _x_day(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def test_totals_table_matches_the_report(make_view, qtbot, store: Store) -> None:
    view = make_view()
    view.show_node(campaign_node(store, MANY_NAME))
    view.set_compare(AD_SQUAD)
    wait_loaded(qtbot, view)
    report = view.report
    assert report is not None
    model = view.table_model
    total = model.total_row()
    assert total is not None and total.metrics == report.total()
    last = model.rowCount() - 1

    def cell(row: int, key: str) -> str:
        return str(model.index(row, KEYS.index(key)).data())

    assert cell(last, "name") == TOTAL_NAME
    currency = report.currency
    total_metrics = report.total()
    assert cell(last, "impressions") == f"{total_metrics.impressions:,}"
    assert cell(last, "swipes") == f"{total_metrics.swipes:,}"
    for key in ("spend", "swipe_rate", "ecpm", "cost_per_swipe", "conversion_purchases", "cpa"):
        assert cell(last, key) == format_metric(
            key, total_metrics.value(key), currency, exact=False
        ), key
    assert cell(last, "roas") == format_metric("roas", total_metrics.roas, currency)
    # USD account: converted at 1, never "no rate"
    assert cell(last, "spend_usd") == format_metric(
        "spend", report.total().spend, "USD", exact=False
    )
    assert cell(last, "fx_rate") == "1"
    # one row per squad, each its series' total
    for r in range(last):
        entity = model.rows()[r]
        assert entity.metrics == report.by_id()[entity.entity_id].total()


def test_missing_fx_rate_reads_no_rate_until_one_is_entered(
    qtbot, qloop, api, store: Store
) -> None:
    eur = account(store, "EUR")
    campaign = next(c for c in store.campaigns(eur.id) if c.status == "ACTIVE")
    node = node_for(eur, CAMPAIGN, campaign.id, campaign.name)
    services = StatsServices(Session(store=store, loop=qloop, api=api), now=clock)
    view = StatsChartView(loop=qloop, services=services.for_account, now=clock)
    qtbot.addWidget(view)
    view.show()
    view.show_node(node)  # no EUR rate at all
    view.set_preset("last_90_days")
    wait_loaded(qtbot, view)
    model = view.table_model
    assert model.currency == "EUR"
    assert model.index(0, SPEND_USD_COLUMN).data() == NO_RATE
    assert model.index(0, FX_COLUMN).data() == NO_RATE
    assert (
        model.index(0, KEYS.index("spend")).data().startswith("EUR ")
    )  # the native amount is still there

    op = apply_fx_rates(
        loop=qloop,
        services=services,
        fx=FxTable([FxRate(date(2020, 1, 1), "EUR", Decimal("1.25"))]),
    )
    with qtbot.waitSignal(op.finished, timeout=TIMEOUT):
        pass
    assert op.result > 0  # the cached days got the new rate
    view.reload()
    wait_loaded(qtbot, view)
    report = view.report
    assert report is not None and report.requests == 0  # from the cache
    spend_usd = report.series[0].spend_usd()
    assert spend_usd is not None and spend_usd == report.total().spend * Decimal("1.25")
    assert view.table_model.index(0, SPEND_USD_COLUMN).data() == format_metric(
        "spend", spend_usd, "USD", exact=False
    )
    assert view.table_model.index(0, FX_COLUMN).data() == "1.25"


def test_empty_state_for_a_range_without_delivery(make_view, qtbot, store: Store) -> None:
    test_account = next(a for a in store.ad_accounts() if a.data.get("test"))
    campaign = store.campaigns(test_account.id)[0]
    view = make_view()
    view.show_node(node_for(test_account, CAMPAIGN, campaign.id, campaign.name))
    view.set_preset("last_7_days")
    wait_loaded(qtbot, view)
    assert view.page == "empty"
    assert view.empty_page.title_label.text() == EMPTY_TITLE
    first, last = view.date_range
    text = view.empty_page.text_label.text()
    assert f"{first.day} {first:%b %Y}" in text and f"{last.day} {last:%b %Y}" in text
    assert test_account.timezone in text
    assert not view.export_button.isEnabled()


def test_error_state_explains_and_retries(
    make_view, qtbot, store: Store, server: SandboxServer
) -> None:
    message = (
        "Unsupported Stats Query: Timeseries queries with DAY granularity must have a start time "
        "that is the start of day (00:00:00) for the account's timezone. This account's timezone "
        "is: America/Los_Angeles"
    )
    control(
        server,
        "POST",
        "faults",
        {
            "path": "/v1/campaigns/*/stats",
            "status": 400,
            "times": 1,
            "body": {
                "request_status": "ERROR",
                "request_id": "fault",
                "debug_message": message,
                "display_message": "We're sorry, but the request could not be completed",
                "error_code": "E1008",
            },
        },
    )
    view = make_view()
    view.show_node(campaign_node(store, US_CAMPAIGN))
    wait_loaded(qtbot, view)
    assert view.page == "error"
    text = view.error_page.text_label.text()
    assert "midnight" in text and "America/Los_Angeles" in text

    view.retry_button.click()
    wait_loaded(qtbot, view)
    assert view.page == "chart"


def test_latest_selection_wins(make_view, qtbot, store: Store) -> None:
    view = make_view()
    first = campaign_node(store, US_CAMPAIGN)
    second = campaign_node(store, MANY_NAME)
    loaded: list[StatsReport] = []
    view.report_loaded.connect(loaded.append)
    view.show_node(first)
    assert view.loading
    view.show_node(second)
    wait_loaded(qtbot, view)
    qtbot.wait(100)
    assert [r.entity_id for r in loaded] == [second.id]
    assert view.report is not None and view.report.entity_id == second.id


def test_exports_write_png_and_csv(
    make_view, qtbot, store: Store, tmp_path: Path, monkeypatch
) -> None:
    view = make_view()
    view.show_node(campaign_node(store, MANY_NAME))
    view.set_compare(AD_SQUAD)
    wait_loaded(qtbot, view)
    report = view.report
    assert report is not None

    png = view.export_png(tmp_path / "chart.png")
    image = QImage(str(png))
    assert not image.isNull() and image.width() > 400

    count = view.export_csv(tmp_path / "daily.csv")
    rows = list(csv.reader((tmp_path / "daily.csv").open(encoding="utf-8")))
    assert rows[0] == export_header()
    assert len(rows) - 1 == count == sum(len(s.rows) for s in report.series)

    totals = view.export_totals_csv(tmp_path / "totals.csv")
    lines = list(csv.reader(totals.open(encoding="utf-8")))
    assert len(lines) == MANY_SQUADS + 2 and lines[-1][1] == TOTAL_NAME

    # through the menu, with the file dialog answered
    target = tmp_path / "menu-export"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    view.export_png_action.trigger()
    assert (tmp_path / "menu-export.png").stat().st_size > 0
    view.export_csv_action.trigger()
    assert (tmp_path / "menu-export.csv").read_text(encoding="utf-8").startswith("date,")
    assert "Saved" in view.status_label.text()


def _svg_text(path: Path, tags: tuple[str, ...] = ("text",)) -> str:
    """The texts of an SVG document's elements named `tags` (default: the painted <text>)."""
    import xml.etree.ElementTree as ET

    root = ET.parse(path).getroot()
    found = [" ".join(e.itertext()) for e in root.iter() if e.tag.split("}")[-1] in tags]
    return " ".join(found)


def test_png_export_is_twice_the_size_under_a_title_block(
    make_view, qtbot, store: Store, tmp_path: Path
) -> None:
    from snapdesk.ui.views import _chart_export

    view = make_view()
    view.show_node(campaign_node(store, US_CAMPAIGN))
    wait_loaded(qtbot, view)
    report = view.report
    assert report is not None
    width, height = view.chart_area.width(), view.chart_area.height()
    old = view.chart_area.grab()  # what the PNG export used to be: the widget, 1×, no title
    assert (old.width(), old.height()) == (width, height)

    title = view.export_title()
    assert title.title == f"Campaign · {US_CAMPAIGN}"
    assert title.subtitle.startswith("Spend and Impressions, daily · ")
    assert format_date_range(report.first_day, report.last_day) in title.subtitle
    assert "Times in America/Los_Angeles (PDT/PST)" in title.subtitle  # DST ends in range
    assert "Amounts in USD" in title.subtitle

    pens = [pen.widthF() for _, pen in view.plot.left_curves._paths]
    image = QImage(str(view.export_png(tmp_path / "chart.png")))
    assert [pen.widthF() for _, pen in view.plot.left_curves._paths] == pens  # screen unchanged
    size = _chart_export.export_size(view.chart_area, title)  # the card, a margin, the title
    block = _chart_export.title_height(title, size.width())
    assert block > 20 and size.height() == block + height + _chart_export.PAD
    assert (image.width(), image.height()) == (2 * size.width(), 2 * size.height())
    assert image.width() >= 2 * width and image.height() >= 2 * (height + block)  # 2×, + title
    # the title text is painted in the block: the same pixels as the title drawn alone
    drawn = _chart_export.title_image(title, size.width())
    top = image.copy(0, 0, drawn.width(), drawn.height()).convertToFormat(drawn.format())
    assert top == drawn
    base = top.pixelColor(0, 0)
    inked = sum(
        top.pixelColor(x, y) != base
        for x in range(0, top.width(), 2)
        for y in range(0, top.height(), 2)
    )
    assert inked > 200  # text, not an empty band
    assert "1" in view.status_label.text() and "px" in view.status_label.text()


def test_svg_export_keeps_title_and_legend_as_text(
    make_view, qtbot, store: Store, tmp_path: Path
) -> None:
    view = make_view()
    view.show_node(campaign_node(store, MANY_NAME))
    view.set_compare(AD_SQUAD)
    wait_loaded(qtbot, view)
    chart = view.chart
    assert chart is not None
    svg = view.export_svg(tmp_path / "chart.svg")
    text = _svg_text(svg)
    title = view.export_title()
    assert title.title == f"Campaign · {MANY_NAME} — ad squads compared"
    for part in (title.title, *title.subtitle.split(" · ")):
        assert part in text, part
    shown = [s.label for s in chart.series[: TOP_N * 2]]
    assert shown and all(label in text for label in shown)  # the legend's entries
    assert title.title in _svg_text(svg, ("title",))  # the document's own title too


@pytest.mark.parametrize(
    ("currency", "zone"), [("EUR", "Europe/Warsaw (CEST/CET)"), ("JPY", "Asia/Tokyo (JST)")]
)
def test_image_title_of_a_non_usd_account_names_its_currency_and_zone(
    make_view, qtbot, store: Store, tmp_path: Path, currency: str, zone: str
) -> None:
    from snapdesk.ui.views import _chart_export

    view = make_view()
    view.show_node(campaign_node(store, currency=currency))
    wait_loaded(qtbot, view)
    assert view.page == "chart"
    title = view.export_title()
    assert f"Times in {zone}" in title.subtitle and f"Amounts in {currency}" in title.subtitle
    text = _svg_text(view.export_image(tmp_path / "chart.svg"))
    assert f"Times in {zone}" in text and f"Amounts in {currency}" in text
    png = QImage(str(view.export_image(tmp_path / "chart.png")))
    assert png.width() == 2 * _chart_export.export_size(view.chart_area, title).width()
    with pytest.raises(ValueError, match=r"\.png or \.svg"):
        view.export_image(tmp_path / "chart.gif")
    assert not (tmp_path / "chart.gif").exists()


def test_export_menu_offers_png_and_svg(
    make_view, qtbot, store: Store, tmp_path: Path, monkeypatch
) -> None:
    from snapdesk.ui.views.stats_chart import PNG_FILTER, SVG_FILTER

    view = make_view()
    assert view.report is None
    with pytest.raises(ValueError, match="nothing is charted"):
        view.export_png(tmp_path / "none.png")
    view.show_node(campaign_node(store, US_CAMPAIGN))
    wait_loaded(qtbot, view)
    offered: list[str] = []

    def answer(name: str, chosen: str):
        def ask(_parent, _title, _default, filters):
            offered.append(filters)
            return str(tmp_path / name), chosen

        return ask

    monkeypatch.setattr(QFileDialog, "getSaveFileName", answer("as-vector", SVG_FILTER))
    view.export_png_action.trigger()
    assert offered == [f"{PNG_FILTER};;{SVG_FILTER}"]
    assert (tmp_path / "as-vector.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")
    monkeypatch.setattr(QFileDialog, "getSaveFileName", answer("as-pixels", PNG_FILTER))
    view.export_png_action.trigger()
    assert QImage(str(tmp_path / "as-pixels.png")).width() >= 2 * view.chart_area.width()
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


def test_hour_only_for_short_ranges(make_view, qtbot, store: Store, server: SandboxServer) -> None:
    view = make_view()
    view.show_node(campaign_node(store, US_CAMPAIGN))
    wait_loaded(qtbot, view)
    assert view.date_range[1] - view.date_range[0] > (date(2000, 1, 8) - date(2000, 1, 1))
    assert not view.hour_button.isEnabled()
    assert "7 days or less" in view.hour_button.toolTip()
    with pytest.raises(ValueError):
        view.set_granularity("HOUR")

    view.set_preset("last_7_days")
    assert view.hour_button.isEnabled()
    control(server, "DELETE", "requests")
    view.hour_button.click()
    wait_loaded(qtbot, view)
    assert view.granularity == "HOUR" and view.page == "chart"
    report = view.report
    assert report is not None and report.granularity == "HOUR"
    assert len(report.periods()) == 7 * 24
    # Snap has hourly conversions (tests/fixtures/snap_stats_recorded/): fetched and offered
    assert view.metric_buttons["cpa"].isEnabled()
    assert "conversion_purchases" in report.fields
    assert not view.export_csv_action.isEnabled()  # the CSV export is daily
    assert all(r["query"]["granularity"] == "HOUR" for r in recorded_stats(server))

    view.set_preset("last_30_days")  # a long range falls back to days
    assert view.granularity == "DAY" and not view.hour_button.isEnabled()


def test_custom_range_in_the_account_zone(make_view, qtbot, store: Store) -> None:
    view = make_view()
    node = campaign_node(store, US_CAMPAIGN)
    view.show_node(node)
    wait_loaded(qtbot, view)
    assert "America/Los_Angeles" in view.zone_label.text()
    view.first_edit.setDate(date(2026, 11, 1))
    view.last_edit.setDate(date(2026, 11, 3))  # the end of DST in Los Angeles inside
    assert view.preset_combo.currentData() == "custom"
    qtbot.waitUntil(
        lambda: view.report is not None and view.report.first_day == date(2026, 11, 1),
        timeout=TIMEOUT,
    )
    wait_loaded(qtbot, view)
    assert view.report.last_day == date(2026, 11, 3)
    assert view.hour_button.isEnabled()
    view.set_granularity("HOUR")
    wait_loaded(qtbot, view)
    assert len(view.report.periods()) == 24 + 25 + 24  # 1 Nov has 25 hours


def test_nothing_to_chart_for_other_nodes(make_view) -> None:
    view = make_view()
    view.show_node(None)
    assert view.page == "nothing"
    assert not view.export_button.isEnabled()


# -- pieces -----------------------------------------------------------------------------------


def test_metric_formatting() -> None:
    assert format_metric("spend", Decimal("1234.5"), "USD") == "USD 1,234.50"
    assert format_metric("spend", Decimal("12.345678"), "USD") == "USD 12.345678"
    assert format_metric("spend", Decimal("12.345678"), "USD", exact=False) == "USD 12.35"
    assert format_metric("ecpm", Decimal("6.254321"), "JPY") == "JPY 6"
    assert format_metric("swipe_rate", Decimal("0.012345"), "USD") == "1.23 %"
    assert format_metric("roas", Decimal("2.345"), "USD") == "2.35×"
    assert format_metric("impressions", 120345, "USD") == "120,345"
    assert format_metric("cpa", None, "USD") == "—"
    assert plot_value("swipe_rate", Decimal("0.01")) == 1.0
    assert str(plot_value("cpa", None)) == "nan"
    assert format_tick(1_250_000, "count", 250_000) == "1.25M"
    assert format_tick(35_000, "count", 5_000) == "35k"
    assert format_tick(150, "money", 50) == "150"
    assert format_tick(0.5, "money", 0.25) == "0.50"
    assert format_date_range(date(2026, 11, 3), date(2026, 11, 9)) == "3–9 Nov 2026"
    assert format_date_range(date(2025, 12, 15), date(2026, 1, 3)) == "15 Dec 2025 – 3 Jan 2026"
    assert limit_units(["spend", "impressions"], "swipe_rate") == ["impressions", "swipe_rate"]
    assert limit_units(["spend"], "ecpm") == ["spend", "ecpm"]


def test_table_model_contract(make_view, qtbot, store: Store, qtmodeltester) -> None:
    view = make_view()
    view.show_node(campaign_node(store, US_CAMPAIGN))
    view.set_compare(AD_SQUAD)
    wait_loaded(qtbot, view)
    model = StatsTableModel()
    model.set_report(view.report)
    qtmodeltester.check(model, force_py=True)
    model.sort(KEYS.index("spend"), Qt.SortOrder.DescendingOrder)
    spends = [r.metrics.micro("spend") for r in model.rows() if not r.is_total]
    assert spends == sorted(spends, reverse=True) and model.rows()[-1].is_total
    assert model.columnCount() == len(HEADERS)


def test_build_chart_leaves_gaps_not_zeros(make_view, qtbot, store: Store) -> None:
    view = make_view()
    view.show_node(campaign_node(store, US_CAMPAIGN))
    view.set_preset("last_14_days")
    view.set_granularity("DAY")
    wait_loaded(qtbot, view)
    report = view.report
    assert report is not None
    chart = build_chart(report, metrics=["cpa"], compare=False, top_n=None)
    series = chart.series[0]
    values = [series.value_at(i) for i in range(len(chart.xs))]
    assert any(v is None for v in values) or all(v is not None for v in values)
    for value, y in zip(values, series.ys, strict=True):
        assert (value is None) == (y != y)  # NaN exactly where the metric is undefined


# -- FX rates dialog --------------------------------------------------------------------------


def test_fx_dialog_imports_edits_and_saves(qtbot, tmp_path: Path) -> None:
    paths = Paths.from_env()
    dialog = FxRatesDialog(paths=paths, currencies=["EUR", "JPY", "USD"], today=date(2026, 11, 22))
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.model.rowCount() == len(load_settings(paths).fx_rates)

    good = tmp_path / "rates.csv"
    good.write_text("date,currency,rate_to_usd\n2026-11-01,EUR,1.0791\n2026-11-01,jpy,0.006612\n")
    assert dialog.import_csv(good) == (2, 0)
    assert dialog.import_csv(good) == (0, 2)  # same date and currency: replaced

    bad = tmp_path / "bad.csv"
    bad.write_text("date,currency,rate_to_usd\n2026-11-01,EUR,-3\n")
    dialog.import_csv(bad)
    assert dialog.banner.isVisible() and "row 2" in dialog.banner.text()

    dialog.add_button.click()  # a new row for the first currency without a rate... none left
    number = dialog.model.rowCount() - 1
    model = dialog.model
    assert model.setData(model.index(number, 1), "gbp")
    assert model.setData(model.index(number, 2), "1,2710")
    saved: list[Any] = []
    dialog.rates_saved.connect(saved.append)
    settings = dialog.save()
    assert settings is not None and saved == [settings]
    on_disk = load_settings(paths).fx_rates
    assert {(r.currency, r.date, r.rate_to_usd) for r in on_disk} == {
        ("EUR", date(2026, 11, 1), Decimal("1.0791")),
        ("JPY", date(2026, 11, 1), Decimal("0.006612")),
        ("GBP", date(2026, 11, 22), Decimal("1.2710")),
    }


def test_fx_dialog_refuses_bad_cells(qtbot) -> None:
    dialog = FxRatesDialog(rates=[], currencies=["EUR"], today=date(2026, 11, 22))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.add_button.click()  # EUR, rate still empty
    assert dialog.save() is None
    assert dialog.banner.isVisible() and "Row 1" in dialog.banner.text()
    assert dialog.model.index(0, 2).data(Qt.ItemDataRole.ToolTipRole)


def test_fx_model_contract(qtmodeltester) -> None:
    model = FxRatesModel([FxRate(date(2026, 11, 1), "EUR", Decimal("1.08"))])
    qtmodeltester.check(model, force_py=True)
    model.merge([FxRate(date(2026, 11, 2), "EUR", Decimal("1.09"))])
    assert [r.date for r in model.rates()] == [date(2026, 11, 1), date(2026, 11, 2)]
    model.add_row(day=date(2026, 11, 2), currency="EUR", rate="1.1")
    with pytest.raises(ValueError, match="both give EUR"):
        model.rates()


# -- hourly refresh and notifications -----------------------------------------------------------


def test_refresh_raises_notices_without_popups(
    qtbot, qloop, api, store: Store, server: SandboxServer
) -> None:
    services = StatsServices(Session(store=store, loop=qloop, api=api), now=clock)
    refresher = StatsRefresher(loop=qloop, services=services)
    assert refresher.timer.interval() == 3600 * 1000  # REFRESH_INTERVAL
    us = account(store, "USD")
    assert us.id in services.refreshable_accounts()
    with qtbot.waitSignal(refresher.refreshed, timeout=60_000):
        refresher.refresh_now([us.id])  # the first look: existing rejections stay quiet

    squads = {
        s["id"]
        for s in server.state.iter_objects("ad_squad")
        if s["campaign_id"] in {c.id for c in store.campaigns(us.id)}
    }
    ad = next(
        a
        for a in server.state.iter_objects("ad")
        if a["ad_squad_id"] in squads and a["review_status"] == "APPROVED"
    )
    ad["review_status"] = "REJECTED"
    try:
        with qtbot.waitSignal(refresher.notices_raised, timeout=60_000) as raised:
            refresher.refresh_now([us.id])
    finally:
        ad["review_status"] = "APPROVED"
    notices = raised.args[0]
    rejected = [n for n in notices if n.kind == "ad_rejected"]
    assert [n.entity_id for n in rejected] == [ad["id"]]

    area = NoticeArea()
    qtbot.addWidget(area)
    area.add_notices(notices)
    area.show()
    assert area.isVisible() and len(area.notices) == len(notices)
    assert any(ad["name"] in b.text() for b in area._banners)
    area.dismiss(rejected[0])
    assert rejected[0] not in area.notices
    assert "Ad rejected" in summary(rejected)
    assert QApplication.activeModalWidget() is None


# -- in the main window -------------------------------------------------------------------------


def test_selecting_a_campaign_in_the_main_window_shows_its_chart(
    qtbot, qloop, api, store: Store, server: SandboxServer, tmp_path: Path
) -> None:
    control(server, "POST", "stats_clock", {"now": None})  # the window runs on real time
    session = Session(
        store=store, loop=qloop, api=api, sandbox=server, settings_path=tmp_path / "window.ini"
    )
    win = MainWindow(session)
    qtbot.addWidget(win)
    try:
        win.resize(1280, 800)
        win.show()
        node = campaign_node(store, US_CAMPAIGN)
        index = win.tree.expand_path(entity_path(store, CAMPAIGN, node.id))
        assert index.isValid()
        win.tree.select(index)
        assert win.performance.chart_view.target is not None
        assert not win.performance.chart_view.loading  # hidden tab: nothing fetched yet

        win.performance.performance_action.trigger()
        assert win.right_tabs.currentWidget() is win.performance.chart_view
        assert win.splitter.sizes()[1] >= 700  # the pane widened for the chart
        view = win.performance.chart_view
        wait_loaded(qtbot, view)
        assert view.page == "chart"
        assert view.report is not None and view.report.entity_id == node.id
        assert view.title_label.text().endswith(US_CAMPAIGN)

        # another selection while the tab is shown: its chart replaces this one
        other = campaign_node(store, MANY_NAME)
        win.tree.select(win.tree.expand_path(entity_path(store, CAMPAIGN, other.id)))
        qtbot.waitUntil(
            lambda: view.report is not None and view.report.entity_id == other.id, timeout=TIMEOUT
        )

        # the Stats menu: FX rates in a non-modal dialog
        assert win.performance.fx_action in win.stats_menu.actions()
        win.performance.fx_action.trigger()
        dialog = win.performance.fx_dialog
        assert dialog is not None and dialog.isVisible() and not dialog.isModal()
        dialog.close()

        # notices from a refresh: a banner in the window and a status-bar line, no popup
        notice = Notice(
            kind="ad_rejected",
            ad_account_id=node.account.id if node.account else "",
            entity_kind=CAMPAIGN,
            entity_id=node.id,
            name=US_CAMPAIGN,
            message=f"Campaign “{US_CAMPAIGN}” needs attention.",
            at=clock(),
        )
        win.performance.refresher.notices_raised.emit([notice])
        assert win.performance.notice_area.isVisible()
        assert "Ad rejected" in win.message_label.text()
        assert QApplication.activeModalWidget() is None
        win.performance.notice_area.notice_activated.emit(notice)
        assert win.tree.current_node() is not None and win.tree.current_node().id == node.id
    finally:
        win.close()
        control(server, "POST", "stats_clock", {"now": NOW.isoformat()})
