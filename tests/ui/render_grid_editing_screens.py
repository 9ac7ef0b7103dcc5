"""Render editing in the grid (issue 16) to PNG files for a visual check.

    QT_QPA_PLATFORM=offscreen python -m tests.ui.render_grid_editing_screens [OUT_DIR]

Writes, from a sandbox synced into a temporary cache, into OUT_DIR (default docs/screenshots):
- grid-multi-edit-hover.png: three ad squads' budgets raised by typing +10% with the three
  rows selected, the old → new tooltip of one edited cell shown (the tooltip is a window of
  its own: it is grabbed and drawn onto the grid's picture where it appeared);
- grid-paste-rows-confirm.png: Paste rows into… with a UK campaign going to the US account,
  its budgets and bids flagged, the "I checked the budgets in USD" box still to tick.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import qasync
from PySide6.QtCore import QItemSelection, QItemSelectionModel, QPoint, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPixmap, QPolygon
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QLabel,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from snapdesk.changes import EditService
from snapdesk.core.kinds import AD_SQUAD, CAMPAIGN
from snapdesk.grid.rows import Scope, load_rows
from snapdesk.sandbox import SandboxServer
from snapdesk.store import Store
from snapdesk.sync import SyncService
from snapdesk.ui import theme
from snapdesk.ui.app_state import app_state
from snapdesk.ui.dialogs.grid_paste_rows import GridPasteRowsDialog
from snapdesk.ui.views.grid_editing import GridEditController
from tests.ui.changes_env import Host, control, make_api
from tests.ui.helpers import run_in_loop
from tests.ui.render_screens import settle

REPO = Path(__file__).resolve().parents[2]


def _grid_widget(store: Store, host: Host, account_id: str, label: str) -> tuple[QWidget, object]:
    """The app's grid view when it is there, else a plain table on the grid model."""
    state = app_state(host.session)
    try:
        from snapdesk.ui.views.grid import GridView
    except ImportError:  # pragma: no cover - the grid view not in this tree
        GridView = None  # type: ignore[assignment,misc]
    if GridView is not None:
        view = GridView(store=store, state=state)
        view.set_scope(Scope.accounts([account_id], label=label), level=AD_SQUAD)
        return view, view
    from PySide6.QtWidgets import QTableView

    from snapdesk.ui.models.grid import GridModel

    box = QWidget()
    layout = QVBoxLayout(box)
    table = QTableView()
    model = GridModel(AD_SQUAD, box)
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
    table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
    layout.addWidget(table)
    box.table = table  # type: ignore[attr-defined]
    box.model = model  # type: ignore[attr-defined]

    def reload(*_args: object) -> None:
        model.set_rows(load_rows(store, AD_SQUAD, Scope.accounts([account_id])))

    state.operation_did_execute.connect(reload)
    reload()
    return box, box


def render_multi_edit(store: Store, host: Host, out: Path, app: QApplication) -> None:
    account = next(a for a in store.ad_accounts() if a.currency == "GBP")
    window = QWidget()
    window.setWindowTitle("snapdesk — grid")
    layout = QVBoxLayout(window)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(0)
    grid, holder = _grid_widget(store, host, account.id, account.name)
    layout.addWidget(grid, 1)
    status = QLabel()
    status.setContentsMargins(10, 5, 10, 5)
    layout.addWidget(status)
    table = holder.table  # type: ignore[attr-defined]
    model = holder.model  # type: ignore[attr-defined]
    edits = EditService(store=store)
    controller = GridEditController(table, model, edits=edits, state=app_state(host.session),
                                    store=store, parent=window)  # fmt: skip
    controller.message.connect(lambda text, _error: status.setText(text))
    window.resize(1280, 560)
    window.show()
    settle(app, 0.6)
    model.set_columns(["name", "campaign", "status", "budget", "budget_type", "bid_strategy",
                       "bid", "start_time", "end_time"])  # fmt: skip
    settle(app, 0.3)
    rows = [r for r in model.rows() if r.data.get("daily_budget_micro")][:3]
    selection = table.selectionModel()
    first = model.index_for(rows[0].id, "budget")
    selection.setCurrentIndex(first, QItemSelectionModel.SelectionFlag.ClearAndSelect)
    for row in rows[1:]:
        index = model.index_for(row.id, "budget")
        selection.select(QItemSelection(index, index), QItemSelectionModel.SelectionFlag.Select)
    table.setFocus()
    # type "+10%" and Enter, as a user would
    from PySide6.QtTest import QTest

    QTest.keyClicks(table, "+")
    editor = controller.delegate.editor
    assert editor is not None
    QTest.keyClicks(editor, "10%")
    QTest.keyClick(editor, Qt.Key.Key_Return)
    settle(app, 1.2)
    # hover the last edited cell: the model's tooltip says old → new
    index = model.index_for(rows[-1].id, "budget")
    selection.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.NoUpdate)
    rect = table.visualRect(index)
    pointer = rect.center() + QPoint(-18, 2)
    at = table.viewport().mapToGlobal(pointer)
    tip = str(index.data(Qt.ItemDataRole.ToolTipRole))
    QToolTip.showText(at, tip, table.viewport(), rect)
    settle(app, 0.5)
    shot = window.grab()
    tips = [w for w in QApplication.topLevelWidgets() if w.inherits("QTipLabel") and w.isVisible()]
    if tips:
        label = tips[0]
        where = window.mapFromGlobal(label.mapToGlobal(QPoint(0, 0)))
        painter = QPainter(shot)
        painter.drawPixmap(where, label.grab())
        painter.end()
    else:  # no tooltip window on this platform: draw the text as Qt would
        print("note: no tooltip window; drawing its text", file=sys.stderr)
        fallback = QLabel(tip)
        fallback.setStyleSheet(
            "QLabel { background: #ffffdc; color: #000; border: 1px solid #777; padding: 3px; }"
        )
        fallback.adjustSize()
        painter = QPainter(shot)
        painter.drawPixmap(window.mapFromGlobal(at), fallback.grab())
        painter.end()
    _draw_pointer(shot, window.mapFromGlobal(at))
    _save(shot, out / "grid-multi-edit-hover.png")
    QToolTip.hideText()
    edits.undo()
    settle(app, 0.3)
    window.close()


def render_paste_rows(store: Store, host: Host, out: Path, app: QApplication) -> None:
    gb = next(a for a in store.ad_accounts() if a.currency == "GBP")
    us = next(a for a in store.ad_accounts() if a.currency == "USD" and not a.data.get("test"))
    from snapdesk.grid.editing import copy_rows

    campaigns = load_rows(store, CAMPAIGN, Scope.accounts([gb.id]))
    source = max(campaigns, key=lambda r: len(store.ad_squads(r.id)))
    payload = copy_rows([source])
    edits = EditService(store=store)
    dialog = GridPasteRowsDialog(edits, store, payload)
    dialog.resize(760, 720)
    dialog.show()
    dialog.select_target(us.id)
    settle(app, 0.6)
    _save(dialog.grab(), out / "grid-paste-rows-confirm.png")
    dialog.reject()


def _draw_pointer(shot: QPixmap, tip: QPoint) -> None:
    """A mouse pointer at `tip` (an offscreen grab has none): where the user hovers."""
    x, y = tip.x(), tip.y()
    arrow = QPolygon([QPoint(x + dx, y + dy) for dx, dy in
                      ((0, 0), (0, 17), (4, 13), (7, 20), (10, 19), (7, 12), (12, 12))])  # fmt: skip
    painter = QPainter(shot)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(QColor("#ffffff"), 1.2))
    painter.setBrush(QColor("#111111"))
    painter.drawPolygon(arrow)
    painter.end()


def _save(pixmap: QPixmap, path: Path) -> None:
    pixmap.save(str(path))
    print(path)


def main() -> int:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    out = Path(args[0]) if args else REPO / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    theme.apply_theme(app, dark="--dark" in sys.argv)
    loop = qasync.QEventLoop(app, already_running=True)
    tmp = Path(tempfile.mkdtemp(prefix="snapdesk-grid-edit-screens-"))
    with SandboxServer(seed=42, scale="demo") as server:
        control(server, "POST", "rate_limit", {"per_second": 100000, "burst": 100000})
        api = make_api(server)
        store = Store(tmp / "cache.sqlite3")
        run_in_loop(app, loop, SyncService(api=api, store=store).sync(), timeout=60)
        host = Host(store=store, loop=loop, api=None)
        render_multi_edit(store, host, out, app)
        render_paste_rows(store, host, out, app)
        run_in_loop(app, loop, api.aclose())
        store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
