"""Paste rows into… (Ctrl+Shift+V in the grid): pick where copied campaigns, ad squads or ads go
(an ad account, a campaign or an ad squad), see what will be created, and confirm budgets and
bids that land in another currency before anything is queued (`grid.editing.paste_rows`).

Cancel queues nothing; Paste stays disabled while the plan has errors, and while a currency
flag is shown until "I checked the budgets in <currency>" is ticked."""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from snapdesk.changes import EditService
from snapdesk.core.kinds import AD, AD_SQUAD, CAMPAIGN, LABEL
from snapdesk.grid.editing import (
    EditOutcome,
    PastePlan,
    RowsPayload,
    paste_rows,
    plan_paste_rows,
)
from snapdesk.grid.rows import MARK_DELETE, load_rows
from snapdesk.stats.fx import FxTable
from snapdesk.store import Store
from snapdesk.ui._signals import emit
from snapdesk.ui.dialogs._widgets import Banner, bullet_list, hint
from snapdesk.ui.views import _changes_style

_TARGET_WORD = {CAMPAIGN: "ad account", AD_SQUAD: "campaign", AD: "ad squad"}
_ID_ROLE = Qt.ItemDataRole.UserRole + 1
_MAX_LISTED = 12


def paste_targets(store: Store, level: str) -> list[tuple[str, str, str]]:
    """Where rows of `level` can go, as (id, text, currency): ad accounts for campaigns,
    campaigns for ad squads, ad squads for ads (new ones included, deleted ones not)."""
    if level == CAMPAIGN:
        return [
            (a.id, f"{a.name} · {a.currency}", a.currency or "USD") for a in store.ad_accounts()
        ]
    parent_level = CAMPAIGN if level == AD_SQUAD else AD_SQUAD
    out = []
    for row in load_rows(store, parent_level):
        if row.mark == MARK_DELETE or row.data.get("deleted"):
            continue
        path = [row.account.name]
        if parent_level == AD_SQUAD and row.campaign_name:
            path.append(row.campaign_name)
        path.append(row.name or row.id)
        out.append((row.id, f"{' › '.join(path)} · {row.currency}", row.currency))
    return out


class GridPasteRowsDialog(QDialog):
    """Signals: `applied(object)` with the `EditOutcome` once the copies are queued."""

    applied = Signal(object)

    def __init__(
        self,
        edits: EditService,
        store: Store,
        payload: RowsPayload,
        *,
        fx: FxTable | None = None,
        target: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._edits = edits
        self._payload = payload
        self._fx = fx if fx else None
        self._plan: PastePlan | None = None
        self._targets = paste_targets(store, payload.level)
        n = len(payload.rows)
        noun = LABEL[payload.level].lower() + ("s" if n != 1 else "")
        self._what = f"{n} {noun}"
        self.setWindowTitle("Paste rows into…")
        self.resize(720, 640)
        self._setup_ui()
        _changes_style.apply(self)
        self._fill_targets()
        if target is not None:
            self.select_target(target)
        elif len(self._targets) == 1:
            self.target_list.setCurrentRow(0)
        self._update_plan()

    def _setup_ui(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 14)
        layout.setSpacing(10)
        title = QLabel(f"Paste {self._what} into…")
        title.setObjectName("dialogTitle")
        layout.addWidget(title)
        sources = sorted({(r.ad_account_id, r.currency) for r in self._payload.rows})
        names = ", ".join(f"“{r.name}”" for r in self._payload.rows[:4])
        if len(self._payload.rows) > 4:
            names += f" and {len(self._payload.rows) - 4} more"
        where = ", ".join(currency for _, currency in sources)
        layout.addWidget(
            hint(
                f"Copied: {names} ({where}). Each is copied with everything under it, as a new "
                "paused item; nothing is sent until you post."
            )
        )
        word = _TARGET_WORD[self._payload.level]
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText(f"Filter the {word}s")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self._on_filter_edit_text_changed)
        layout.addWidget(self.filter_edit)
        self.target_list = QListWidget()
        self.target_list.setAccessibleName(f"Target {word}")
        self.target_list.currentItemChanged.connect(self._on_target_list_current_item_changed)
        layout.addWidget(self.target_list, 1)
        self.plan_label = QLabel()
        self.plan_label.setWordWrap(True)
        self.plan_label.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.plan_label)
        self.error_banner = Banner("error")
        layout.addWidget(self.error_banner)
        self.notes_banner = Banner("warning")
        layout.addWidget(self.notes_banner)
        self.flags_banner = Banner("warning")
        self.confirm_box = QCheckBox()
        self.confirm_box.toggled.connect(self._on_confirm_box_toggled)
        self.flags_banner.body.addWidget(self.confirm_box)
        layout.addWidget(self.flags_banner)
        self.convert_box = QCheckBox("Convert the amounts at my FX rates (Preferences → Currency)")
        self.convert_box.setVisible(self._fx is not None)
        self.convert_box.toggled.connect(self._on_convert_box_toggled)
        layout.addWidget(self.convert_box)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.reject)
        self.paste_button = QPushButton(f"Paste {self._what}")
        self.paste_button.setObjectName("primaryButton")
        self.paste_button.clicked.connect(self._on_paste_button_clicked)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.paste_button)
        layout.addLayout(buttons)

    # -- state --------------------------------------------------------------------------------

    @property
    def plan(self) -> PastePlan | None:
        return self._plan

    def target(self) -> str | None:
        item = self.target_list.currentItem()
        return None if item is None else str(item.data(_ID_ROLE))

    def select_target(self, target_id: str) -> bool:
        for i in range(self.target_list.count()):
            item = self.target_list.item(i)
            if item.data(_ID_ROLE) == target_id:
                self.target_list.setCurrentItem(item)
                return True
        return False

    def paste(self) -> EditOutcome | None:
        """Queue the copies (what Paste does); None when the plan can't be pasted yet."""
        target = self.target()
        plan = self._plan
        if target is None or plan is None or not plan.ok:
            return None
        if plan.flags and not self.confirm_box.isChecked():
            return None
        outcome, _flags = paste_rows(
            self._edits,
            self._payload,
            target,
            convert=self.convert_box.isChecked(),
            fx=self._fx,
            confirmed=bool(plan.flags) and self.confirm_box.isChecked(),
        )
        if not outcome.ok:
            self._show_errors([str(e) for e in outcome.errors])
            self.paste_button.setEnabled(False)
            return outcome
        emit(self.applied, outcome)
        self.accept()
        return outcome

    # -- internals ------------------------------------------------------------------------------

    def _fill_targets(self) -> None:
        wanted = self.filter_edit.text().strip().casefold()
        current = self.target()
        self.target_list.clear()
        for target_id, text, _currency in self._targets:
            if wanted and wanted not in text.casefold():
                continue
            item = QListWidgetItem(text)
            item.setData(_ID_ROLE, target_id)
            self.target_list.addItem(item)
            if target_id == current:
                self.target_list.setCurrentItem(item)

    def _update_plan(self) -> None:
        target = self.target()
        self.confirm_box.setChecked(False)
        if target is None:
            self._plan = None
            word = _TARGET_WORD[self._payload.level]
            self.plan_label.setText(f"Choose the {word} to paste into.")
            for banner in (self.error_banner, self.notes_banner, self.flags_banner):
                banner.hide()
            self.paste_button.setEnabled(False)
            return
        plan = plan_paste_rows(
            self._edits, self._payload, target, convert=self.convert_box.isChecked(), fx=self._fx
        )
        self._plan = plan
        if plan.errors:
            self.plan_label.setText(f"Into <b>{html.escape(plan.target_name)}</b>:")
            self._show_errors([str(e) for e in plan.errors])
        else:
            self.error_banner.hide()
            names = [html.escape(n) for n in plan.top[:_MAX_LISTED]]
            if len(plan.top) > _MAX_LISTED:
                names.append(f"… and {len(plan.top) - _MAX_LISTED} more")
            self.plan_label.setText(
                f"Into <b>{html.escape(plan.target_name)}</b> ({plan.target_currency}) this "
                f"creates <b>{html.escape(plan.summary)}</b>:" + bullet_list(names)
            )
        if plan.notes:
            lines = [html.escape(n) for n in plan.notes[:_MAX_LISTED]]
            if len(plan.notes) > _MAX_LISTED:
                lines.append(f"… and {len(plan.notes) - _MAX_LISTED} more")
            self.notes_banner.set_text(
                f"<b>Left out:</b> Snap keeps media per ad account — upload the media to "
                f"{html.escape(plan.target_name)} first to copy these ads too." + bullet_list(lines)
            )
            self.notes_banner.show()
        else:
            self.notes_banner.hide()
        if plan.flags:
            currencies = sorted({f.source_currency for f in plan.flags})
            lines = [html.escape(str(f)) for f in plan.flags[:_MAX_LISTED]]
            if len(plan.flags) > _MAX_LISTED:
                lines.append(f"… and {len(plan.flags) - _MAX_LISTED} more")
            how = (
                "converted at your FX rates"
                if self.convert_box.isChecked()
                else "copied as the same numbers"
            )
            self.flags_banner.set_text(
                f"<b>{len(plan.flags)} budget{'s' if len(plan.flags) != 1 else ''} and bids "
                f"in {', '.join(currencies)} go to an account in {plan.target_currency}</b>, "
                f"{how}. Check them before pasting:" + bullet_list(lines)
            )
            self.confirm_box.setText(f"I checked the budgets in {plan.target_currency}")
            self.flags_banner.show()
        else:
            self.flags_banner.hide()
        self._update_button()

    def _show_errors(self, errors: list[str]) -> None:
        self.error_banner.set_text(
            "<b>Nothing can be pasted here:</b>"
            + bullet_list([html.escape(e) for e in errors[:_MAX_LISTED]])
        )
        self.error_banner.show()

    def _update_button(self) -> None:
        plan = self._plan
        ready = plan is not None and plan.ok and bool(plan.counts)
        if plan is not None and plan.flags:
            ready = ready and self.confirm_box.isChecked()
        self.paste_button.setEnabled(ready)

    def _on_filter_edit_text_changed(self, *_args: Any) -> None:
        self._fill_targets()

    def _on_target_list_current_item_changed(self, *_args: Any) -> None:
        self._update_plan()

    def _on_confirm_box_toggled(self, *_args: Any) -> None:
        self._update_button()

    def _on_convert_box_toggled(self, *_args: Any) -> None:
        self._update_plan()

    def _on_paste_button_clicked(self) -> None:
        self.paste()
