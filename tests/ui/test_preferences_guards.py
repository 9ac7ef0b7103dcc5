"""Preferences → Safety shows the default spend guards (issue 13): the table is filled for every
currency Snap bills in, edits round-trip through settings.json as overrides of the defaults
("no limit" included), and Reset to defaults puts them back."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal

from pytestqt.qtbot import QtBot

from snapdesk.config import Paths
from snapdesk.core.settings import (
    DEFAULT_MAX_BID,
    DEFAULT_MAX_BUDGET_INCREASE,
    GUARD_CURRENCIES,
    SpendGuards,
    load_settings,
    settings_path,
)
from snapdesk.ui.dialogs.preferences import BID_COL, CURRENCY_COL, INCREASE_COL, PreferencesDialog


def make_dialog(qtbot: QtBot, loop: asyncio.AbstractEventLoop) -> PreferencesDialog:
    paths = Paths.from_env()
    dialog = PreferencesDialog(
        paths=paths, data_dir_in_use=paths.data_dir, loop=loop, currencies=["EUR", "USD"]
    )
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def rows(dialog: PreferencesDialog) -> dict[str, tuple[str, str]]:
    table = dialog.guards_table
    return {
        dialog._cell(r, CURRENCY_COL): (dialog._cell(r, INCREASE_COL), dialog._cell(r, BID_COL))
        for r in range(table.rowCount())
    }


def row_of(dialog: PreferencesDialog, currency: str) -> int:
    return next(
        r
        for r in range(dialog.guards_table.rowCount())
        if dialog._cell(r, CURRENCY_COL) == currency
    )


def test_the_safety_tab_shows_the_default_guards(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop
) -> None:
    """Regression (issue 13): the guard table started empty."""
    dialog = make_dialog(qtbot, qloop)
    shown = rows(dialog)
    assert list(shown) == list(GUARD_CURRENCIES)
    assert shown["USD"] == ("1,000", "50")
    assert shown["JPY"] == ("150,000", "7,500")
    assert dialog.percent_check.isChecked() and dialog.percent_spin.value() == 50
    assert dialog.bid_share_check.isChecked() and dialog.bid_share_spin.value() == 100
    assert dialog.problems() == {} and not dialog.apply_button.isEnabled()
    dialog.guards_table.selectRow(row_of(dialog, "USD"))
    assert not dialog.remove_guard_button.isEnabled()  # a default currency stays listed
    assert "default" in dialog.guards_table.item(row_of(dialog, "USD"), BID_COL).toolTip()


def test_edits_round_trip_as_overrides_and_no_limit(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop
) -> None:
    dialog = make_dialog(qtbot, qloop)
    dialog.guards_table.item(row_of(dialog, "USD"), BID_COL).setText("20")
    dialog.guards_table.item(row_of(dialog, "JPY"), INCREASE_COL).setText("no limit")
    dialog._add_guard_row("krw", "1,000,000", "60,000")
    dialog.bid_share_spin.setValue(80)
    assert dialog.apply()

    saved = load_settings().spend_guards
    assert saved == SpendGuards(
        max_budget_increase={"JPY": None, "KRW": Decimal(1_000_000)},
        max_bid={"USD": Decimal(20), "KRW": Decimal(60_000)},
        max_bid_percent_of_daily_budget=Decimal(80),
    )
    raw = json.loads(settings_path().read_text(encoding="utf-8"))["spend_guards"]
    assert raw["max_budget_increase"]["JPY"] is None  # an explicit "no limit"
    assert "EUR" not in raw["max_bid"]  # untouched currencies follow the defaults

    again = make_dialog(qtbot, qloop)
    shown = rows(again)
    assert shown["USD"] == ("1,000", "20") and shown["JPY"] == ("no limit", "7,500")
    assert shown["KRW"] == ("1,000,000", "60,000")
    assert again.guards_table.item(row_of(again, "USD"), BID_COL).font().bold()  # yours
    assert not again.guards_table.item(row_of(again, "EUR"), BID_COL).font().bold()
    assert again.current_guards() == saved
    again.guards_table.selectRow(row_of(again, "KRW"))
    assert again.remove_guard_button.isEnabled()


def test_reset_to_defaults(qtbot: QtBot, qloop: asyncio.AbstractEventLoop) -> None:
    dialog = make_dialog(qtbot, qloop)
    dialog.guards_table.item(row_of(dialog, "GBP"), BID_COL).setText("1")
    dialog._add_guard_row("CHF", "900", "45")
    dialog.percent_check.setChecked(False)
    dialog.bid_share_check.setChecked(False)
    assert dialog.apply()
    assert load_settings().spend_guards != SpendGuards()

    dialog.reset_guards_button.click()
    assert rows(dialog)["GBP"] == (
        f"{DEFAULT_MAX_BUDGET_INCREASE['GBP']:,}",
        f"{DEFAULT_MAX_BID['GBP']:,}",
    )
    assert "CHF" not in rows(dialog)
    assert dialog.percent_check.isChecked() and dialog.bid_share_check.isChecked()
    assert dialog.apply()
    assert load_settings().spend_guards == SpendGuards()


def test_an_empty_table_from_an_older_version_shows_the_defaults(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop
) -> None:
    path = settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        '{"spend_guards": {"max_budget_increase_percent": "50", "max_budget_increase": {}, '
        '"max_bid": {}}}',
        encoding="utf-8",
    )
    dialog = make_dialog(qtbot, qloop)
    assert list(rows(dialog)) == list(GUARD_CURRENCIES)
    assert dialog.current_guards() == SpendGuards()
