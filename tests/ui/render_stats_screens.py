"""Render the stats chart and the FX rates dialog to PNG files for a visual check.

    QT_QPA_PLATFORM=offscreen python -m tests.ui.render_stats_screens [OUT_DIR] [--dark]

Writes stats-metrics.png (money and counts on two axes), stats-hover.png (the tooltip),
stats-compare.png and stats-compare-hover.png (a campaign's 14 ad squads, top 10), stats-fx.png
(EUR without a rate for part of the range), stats-empty.png, stats-hourly.png, fx-rates.png and
main-window-performance.png, from a demo sandbox with its stats clock fixed.
"""

from __future__ import annotations

import sys
import tempfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import qasync
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QWidget

from snapdesk.core.kinds import AD_SQUAD
from snapdesk.core.settings import FxRate
from snapdesk.sandbox import SandboxServer
from snapdesk.stats import FxTable, Notice
from snapdesk.store import Store
from snapdesk.ui import theme
from snapdesk.ui.dialogs.fx_rates import FxRatesDialog
from snapdesk.ui.main_window import MainWindow
from snapdesk.ui.performance import entity_path
from snapdesk.ui.session import Session
from snapdesk.ui.views.stats_chart import StatsChartView
from tests.ui.render_screens import settle, wait_until
from tests.ui.stats_env import (
    MANY_NAME,
    account,
    campaign_node,
    clock,
    make_api,
    make_service,
    node_for,
    prepare,
    services_of,
    sync,
)


def save(widget: QWidget, out: Path, name: str, suffix: str) -> None:
    QApplication.processEvents()
    path = out / f"{name}{suffix}.png"
    widget.grab().save(str(path))
    print(path)


def hover(view: StatsChartView, fraction: float) -> None:
    """Move the mouse over the plot like a user would (a real mouse-move event)."""
    plot = view.plot
    area = plot.mapFromScene(plot.getPlotItem().vb.sceneBoundingRect()).boundingRect()
    pos = QPointF(area.left() + area.width() * fraction, area.top() + area.height() * 0.5)
    event = QMouseEvent(
        QMouseEvent.Type.MouseMove,
        pos,
        plot.viewport().mapToGlobal(QPoint(int(pos.x()), int(pos.y()))).toPointF(),
        Qt.MouseButton.NoButton,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(plot.viewport(), event)
    QApplication.processEvents()


def main() -> int:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    out = Path(args[0] if args else "/work/screens")
    out.mkdir(parents=True, exist_ok=True)
    dark = "--dark" in sys.argv
    suffix = "-dark" if dark else ""
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    theme.apply_theme(app, dark=dark)
    loop = qasync.QEventLoop(app, already_running=True)
    tmp = Path(tempfile.mkdtemp(prefix="snapdesk-stats-screens-"))
    with SandboxServer(seed=42, scale="demo") as server:
        prepare(server)
        api = make_api(server)
        store = Store(tmp / "cache.sqlite3")
        sync(app, loop, api, store)
        fx = FxTable([FxRate(date(2026, 10, 1), "EUR", Decimal("1.0842"))])
        service = make_service(api, store, fx)
        view = StatsChartView(loop=loop, services=services_of(service), now=clock)
        view.resize(1180, 760)
        view.show()

        def shown(v: StatsChartView) -> bool:
            return wait_until(app, lambda: not v.loading and v.page != "loading", 30)

        # several metrics on two axes
        us = account(store, "USD")
        node = campaign_node(store, "Easter Weekend — Traffic US")
        view.show_node(node)
        shown(view)
        view.set_metrics(["spend", "cost_per_swipe", "impressions", "video_views"])
        settle(app, 0.2)
        save(view, out, "stats-metrics", suffix)

        hover(view, 0.62)
        settle(app, 0.1)
        save(view, out, "stats-hover", suffix)
        view.plot.hide_hover()

        # ad squads of a campaign compared (one breakdown query)
        view.show_node(campaign_node(store, MANY_NAME))
        view.set_compare(AD_SQUAD)
        view.set_metrics(["spend"])
        shown(view)
        settle(app, 0.2)
        save(view, out, "stats-compare", suffix)
        hover(view, 0.8)
        settle(app, 0.1)
        save(view, out, "stats-compare-hover", suffix)
        view.plot.hide_hover()

        # EUR account: FX rate known from 1 Oct only
        eur = account(store, "EUR")
        eur_campaign = store.campaigns(eur.id)[1]
        view.set_compare(None)
        view.show_node(node_for(eur, "campaign", eur_campaign.id, eur_campaign.name))
        view.set_preset("last_90_days")
        shown(view)
        settle(app, 0.2)
        save(view, out, "stats-fx", suffix)

        # nothing delivered in the range
        test_account = next(a for a in store.ad_accounts() if a.data.get("test"))
        test_campaign = store.campaigns(test_account.id)[0]
        view.show_node(node_for(test_account, "campaign", test_campaign.id, test_campaign.name))
        view.set_preset("last_7_days")
        shown(view)
        settle(app, 0.1)
        save(view, out, "stats-empty", suffix)

        # hourly, a week
        view.show_node(node)
        view.set_preset("last_7_days")
        view.set_granularity("HOUR")
        view.set_metrics(["impressions", "swipe_rate"])
        shown(view)
        settle(app, 0.2)
        save(view, out, "stats-hourly", suffix)
        view.close()

        dialog = FxRatesDialog(
            rates=fx_rates_sample(),
            currencies=sorted({a.currency or "" for a in store.ad_accounts()} - {""}),
        )
        dialog.resize(620, 460)
        dialog.show()
        settle(app, 0.2)
        save(dialog, out, "fx-rates", suffix)
        dialog.close()

        # the main window: campaign selected, Performance tab, a notice from the refresh
        session = Session(store=store, loop=loop, api=api, sandbox=server)
        win = MainWindow(session)
        win.resize(1440, 900)
        win.editing.dock.hide()  # the pending-changes dock: nothing pending here
        win.show()
        settle(app, 0.2)
        win.tree.select(win.tree.expand_path(entity_path(store, "campaign", node.id)))
        win.performance.show_performance()
        shown(win.performance.chart_view)
        win.performance.chart_view.set_metrics(["spend", "impressions"])
        ad = store.entities("ad", us.id)[0]
        win.performance.refresher.notices_raised.emit(
            [
                Notice(
                    kind="ad_rejected",
                    ad_account_id=us.id,
                    entity_kind="ad",
                    entity_id=ad.id,
                    name=ad.name,
                    message=f"Ad “{ad.name}” was rejected by Snap's review (Misleading claims) — "
                    "edit the creative and resubmit it.",
                    at=clock(),
                )
            ]
        )
        settle(app, 0.3)
        save(win, out, "main-window-performance", suffix)
        win.close()
        run_close(app, loop, api)
        store.close()
    return 0


def fx_rates_sample() -> list[FxRate]:
    return [
        FxRate(date(2026, 10, 1), "EUR", Decimal("1.0842")),
        FxRate(date(2026, 11, 1), "EUR", Decimal("1.0791")),
        FxRate(date(2026, 11, 1), "GBP", Decimal("1.2710")),
        FxRate(date(2026, 11, 1), "JPY", Decimal("0.006612")),
    ]


def run_close(app: QApplication, loop: qasync.QEventLoop, api: object) -> None:
    from tests.ui.helpers import run_in_loop

    run_in_loop(app, loop, api.aclose())  # type: ignore[attr-defined]


if __name__ == "__main__":
    sys.exit(main())
