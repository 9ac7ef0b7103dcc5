"""Render the audit log (light and dark) and an exported chart for a visual check (issue 18).

    QT_QPA_PLATFORM=offscreen python -m tests.ui.render_audit_chart_screens [OUT_DIR]

Writes audit-log-light.png and audit-log-dark.png (the dialog as it opens on a 1280×800 screen,
after edits of EUR, JPY, GBP and USD accounts were rehearsed and posted, one refused by Snap,
an ad deleted and a targeting change), and chart-export.png (what Export → Chart as image
writes: the chart at 2× pixels under its title block), from a demo sandbox.
"""

from __future__ import annotations

import copy
import sys
import tempfile
from pathlib import Path
from typing import Any

import qasync
from PySide6.QtWidgets import QApplication

from snapdesk.changes import EditService, WriteGateway
from snapdesk.core.kinds import AD, AD_SQUAD, CAMPAIGN
from snapdesk.sandbox import SandboxServer
from snapdesk.store import Store
from snapdesk.ui import theme
from snapdesk.ui.session import Session
from snapdesk.ui.views.audit_log import AuditLogDialog
from snapdesk.ui.views.stats_chart import StatsChartView
from tests.ui.changes_env import control
from tests.ui.helpers import run_in_loop
from tests.ui.render_screens import settle, wait_until
from tests.ui.stats_env import (
    account,
    campaign_node,
    clock,
    make_api,
    make_service,
    prepare,
    services_of,
    sync,
)

# What a 1280×800 screen leaves the dialog (AuditLogDialog sizes itself from the screen; the
# offscreen platform's screen is smaller, so the size is set as on that screen).
DIALOG_SIZE = (1240, 720)


def campaign(store: Store, currency: str, name: str) -> Any:
    return next(c for c in store.campaigns(account(store, currency).id) if c.name == name)


def post(app: QApplication, loop: Any, api: Any, store: Store, *, live: bool) -> None:
    gateway = WriteGateway(api=api if live else None, store=store, live=live, profile="default")
    run_in_loop(app, loop, gateway.post(), timeout=60)


def make_history(app: QApplication, loop: Any, api: Any, store: Store, server: Any) -> None:
    edits = EditService(store=store)
    eur = campaign(store, "EUR", "Clearance — Last Chance")
    jpy = campaign(store, "JPY", "Loyalty Members — Win-back")
    usd = campaign(store, "USD", "Spring Sale US 18-34")
    gbp_account = account(store, "GBP")
    gbp = campaign(store, "GBP", "Autumn Essentials 25-44")
    edits.edit(
        kind=CAMPAIGN,
        entity_id=eur.id,
        fields={"name": "Clearance — Final Week", "daily_budget_micro": 55_000_000},
    )
    edits.edit(kind=CAMPAIGN, entity_id=jpy.id, fields={"daily_budget_micro": 12_000_000_000})
    edits.pause([(CAMPAIGN, usd.id)])
    squad = store.ad_squads(usd.id)[0]
    targeting = copy.deepcopy(squad.data.get("targeting") or {})
    targeting["geos"] = [{"country_code": "ca"}]  # from the United States to Canada
    edits.edit(kind=AD_SQUAD, entity_id=squad.id, fields={"targeting": targeting})
    post(app, loop, api, store, live=False)
    post(app, loop, api, store, live=True)

    ad = store.entities(AD, account(store, "USD").id)[0]
    edits.delete([(AD, ad.id)])
    post(app, loop, api, store, live=True)

    edits.edit(kind=CAMPAIGN, entity_id=gbp.id, fields={"daily_budget_micro": 270_000_000})
    control(
        server,
        "POST",
        "faults",
        {
            "path": f"/v1/adaccounts/{gbp_account.id}/campaigns",
            "method": "PUT",
            "status": 400,
            "body": {
                "request_status": "ERROR",
                "request_id": "fault",
                "debug_message": "Daily budget exceeds the spend limit of this ad account",
                "display_message": "We're sorry, but the request could not be completed",
                "error_code": "E2002",
            },
        },
    )
    try:
        post(app, loop, api, store, live=True)
    finally:
        control(server, "DELETE", "faults")


def render_dialog(
    app: QApplication, store: Store, session: Session, out: Path, *, dark: bool
) -> None:
    theme.apply_theme(app, dark=dark)
    dialog = AuditLogDialog(store, session=session)
    dialog.resize(*DIALOG_SIZE)
    dialog.show()
    settle(app, 0.2)
    model = dialog.model
    pick = next(
        r for r in range(model.rowCount()) if str(model.index(r, 5).data()).startswith("Failed")
    )
    dialog.table.selectRow(pick)
    settle(app, 0.2)
    path = out / f"audit-log-{'dark' if dark else 'light'}.png"
    dialog.grab().save(str(path))
    print(path, dialog.width(), "×", dialog.height())
    dialog.close()


def main() -> int:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    out = Path(args[0] if args else "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    theme.apply_theme(app, dark=False)
    loop = qasync.QEventLoop(app, already_running=True)
    tmp = Path(tempfile.mkdtemp(prefix="snapdesk-audit-screens-"))
    with SandboxServer(seed=42, scale="demo") as server:
        prepare(server)
        api = make_api(server)
        store = Store(tmp / "cache.sqlite3")
        sync(app, loop, api, store)

        # the chart export, first: the stats clock is the sandbox's, before any write
        service = make_service(api, store)
        view = StatsChartView(loop=loop, services=services_of(service), now=clock)
        view.resize(1180, 760)
        view.show()
        view.show_node(campaign_node(store, currency="EUR"))
        wait_until(app, lambda: not view.loading and view.page == "chart", 30)
        view.set_metrics(["spend", "impressions"])
        settle(app, 0.3)
        before = view.chart_area.grab()
        chart = view.export_png(out / "chart-export.png")
        print(
            chart, f"(the widget: {before.width()}×{before.height()}; {view.status_label.text()})"
        )
        view.close()

        make_history(app, loop, api, store, server)
        session = Session(store=store, loop=loop, api=api, profile="default", sandbox=server)
        render_dialog(app, store, session, out, dark=False)
        render_dialog(app, store, session, out, dark=True)
        theme.apply_theme(app, dark=False)
        run_in_loop(app, loop, api.aclose())
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
