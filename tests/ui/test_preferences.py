"""Preferences: the dialog's checks and messages, Apply writing settings.json (and keeping what
other dialogs wrote meanwhile), the theme switched at once and put back by Cancel, the data
folder (checked, copied, never deleted), and each preference reaching its consumer: the default
country in the list dialogs, the refresh interval in the stats refresher, and "confirm every live
post" holding a live post back until it is confirmed (against a real sandbox)."""

from __future__ import annotations

import asyncio
import sqlite3
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtGui import QAction, QKeySequence, QPalette
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from snapdesk.api import SnapApi
from snapdesk.changes import ChangeRepository
from snapdesk.config import Paths
from snapdesk.core.kinds import CAMPAIGN
from snapdesk.core.settings import (
    GUARD_CURRENCIES,
    AppSettings,
    FxRate,
    SpendGuards,
    load_settings,
    save_settings,
    settings_path,
)
from snapdesk.sandbox import SandboxServer
from snapdesk.store import Store
from snapdesk.ui import theme
from snapdesk.ui.dialogs.live_post import LivePostDialog
from snapdesk.ui.dialogs.post_results import PostResultsDialog
from snapdesk.ui.dialogs.preferences import CURRENCY, GENERAL, SAFETY, PreferencesDialog
from snapdesk.ui.main_window import MainWindow
from snapdesk.ui.session import Session
from snapdesk.ui.tools_menu import open_prepare_list
from snapdesk.ui.views.audiences import AudiencesPage
from tests.ui import data
from tests.ui.changes_env import (
    recorded_writes,
    usd_account,
)

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"


def make_dialog(
    qtbot: QtBot,
    loop: asyncio.AbstractEventLoop,
    *,
    in_use: Path | None = None,
    guard_paths: Paths | None = None,
) -> PreferencesDialog:
    paths = Paths.from_env()
    dialog = PreferencesDialog(
        paths=paths,
        guard_paths=guard_paths,
        data_dir_in_use=in_use or paths.data_dir,
        loop=loop,
        currencies=["EUR", "USD"],
    )
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def set_guard(
    dialog: PreferencesDialog, currency: str, *, increase: str | None = None, bid: str | None = None
) -> None:
    """Type into the row of a currency the table lists by default."""
    from snapdesk.ui.dialogs.preferences import BID_COL, CURRENCY_COL, INCREASE_COL

    table = dialog.guards_table
    row = next(r for r in range(table.rowCount()) if table.item(r, CURRENCY_COL).text() == currency)
    if increase is not None:
        table.item(row, INCREASE_COL).setText(increase)
    if bid is not None:
        table.item(row, BID_COL).setText(bid)


def window_for(
    qtbot: QtBot, store: Store, loop: asyncio.AbstractEventLoop, api: SnapApi | None = None
) -> MainWindow:
    window = MainWindow(Session(store=store, loop=loop, api=api, profile="default"))
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    return window


# -- the dialog ----------------------------------------------------------------------------------


def test_each_field_says_what_is_wrong_and_nothing_is_saved(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop, tmp_path: Path
) -> None:
    dialog = make_dialog(qtbot, qloop)
    assert dialog.problems() == {} and dialog.ok_button.isEnabled()
    assert not dialog.apply_button.isEnabled()  # nothing changed yet

    dialog.data_dir_edit.setText("relative/folder")
    dialog.country_combo.setEditText("Narnia")
    dialog.refresh_spin.setValue(3)
    problems = dialog.problems()
    assert (
        problems["data_dir"].startswith("Choose a full folder path")
        and "relative/folder" in (problems["data_dir"])
    )
    assert problems["country"].startswith("“Narnia” is not in the list of countries")
    assert "choose 5 minutes or more, or Off" in problems["refresh"]
    assert (
        dialog.data_dir_error.isVisible() and dialog.data_dir_error.text() == problems["data_dir"]
    )
    assert dialog.country_error.text() == problems["country"]
    assert not dialog.ok_button.isEnabled() and not dialog.apply_button.isEnabled()
    assert not dialog.tabs.tabIcon(GENERAL).isNull()  # the page with the problem is marked
    assert dialog.apply() is False
    assert not settings_path().exists()

    a_file = tmp_path / "notes.txt"
    a_file.write_text("x", encoding="utf-8")
    dialog.data_dir_edit.setText(str(a_file))
    assert dialog.problems()["data_dir"] == f"“{a_file}” is a file, not a folder"
    dialog.data_dir_edit.clear()
    dialog.country_combo.setEditText("de")  # a code works too
    dialog.refresh_spin.setValue(0)
    assert dialog.problems() == {}
    assert dialog.tabs.tabIcon(GENERAL).isNull()
    assert dialog.current_settings().default_country == "DE"


# Issue 13: the table starts with a row per default currency, so added rows come after them
# ({r1}, {r2}) and use a currency without defaults (CHF); a default currency's row is checked too.
@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([("dollars", "5", "")], "Row {r1}: “dollars” is not an ISO 4217 currency code"),
        ([("", "5", "")], "Row {r1}: enter a currency code like EUR, or remove the row"),
        (
            [("CHF", "", "")],
            "Row {r1} (CHF): enter a max daily budget increase, a max bid, or both",
        ),
        ([("CHF", "-3", "")], "Row {r1} (CHF): the max daily budget increase “-3” must be zero"),
        ([("CHF", "", "lots")], "Row {r1} (CHF): the max bid “lots” is not a number"),
        ([("CHF", "5", ""), ("chf", "", "1")], "Row {r2}: CHF is already in row {r1}"),
        ([("EUR", "5", "")], "Row {r1}: EUR is already in row 4"),
    ],
)
def test_spend_guard_rows_are_checked(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop, rows: list[tuple[str, str, str]], message: str
) -> None:
    dialog = make_dialog(qtbot, qloop)
    defaults = dialog.guards_table.rowCount()
    for row in rows:
        dialog._add_guard_row(*row)
    dialog._on_field_changed()
    message = message.format(r1=defaults + 1, r2=defaults + 2)
    assert dialog.problems()["guards"].startswith(message)
    assert not dialog.guards_error.isHidden()
    assert dialog.apply() is False
    assert dialog.tabs.currentIndex() == SAFETY  # Apply shows where the problem is
    assert not settings_path().exists()


def test_apply_writes_every_preference_and_keeps_what_others_wrote(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop
) -> None:
    dialog = make_dialog(qtbot, qloop)
    dialog.country_combo.setCurrentIndex(dialog.country_combo.findData("GB"))
    dialog.refresh_spin.setValue(30)
    dialog.each_post_radio.setChecked(True)
    dialog.percent_check.setChecked(True)
    dialog.percent_spin.setValue(25)
    # Issue 13: the default currencies have rows already; edit them (USD's default increase is
    # 1,000, so a different amount is typed to make it an override).
    set_guard(dialog, "EUR", increase="400")
    set_guard(dialog, "USD", increase="1,500", bid="12.50")
    dialog._on_field_changed()
    assert dialog.apply_button.isEnabled()
    # Meanwhile the FX dialog saved rates into the same file: Apply must keep them.
    rate = FxRate(date(2024, 5, 1), "EUR", Decimal("1.07"))
    save_settings(load_settings().with_fx_rates((rate,)))

    with qtbot.waitSignal(dialog.applied) as signal:
        dialog.apply_button.click()

    saved = load_settings()
    assert signal.args[0] == saved
    assert saved.default_country == "GB"
    assert saved.refresh_interval_minutes == 30
    assert saved.live_confirmation == "each_post"
    assert saved.spend_guards == SpendGuards(
        max_budget_increase_percent=Decimal(25),
        max_budget_increase={"EUR": Decimal(400), "USD": Decimal(1500)},
        max_bid={"USD": Decimal("12.50")},
    )
    assert saved.fx_rates == (rate,)
    assert not dialog.apply_button.isEnabled()  # saved: nothing left to apply
    assert dialog.isVisible()  # Apply keeps the dialog open
    assert dialog.status_label.text() == "Saved."

    # Reopened, the dialog shows exactly what was saved; OK without changes just closes.
    again = make_dialog(qtbot, qloop)
    assert again.current_settings() == saved and again.current_guards() == saved.spend_guards
    assert again.guards_table.rowCount() == len(GUARD_CURRENCIES)
    again.ok_button.click()
    assert not again.isVisible()


def test_an_unreadable_file_is_reported_and_left_alone(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop
) -> None:
    path = settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('{"theme": "sepia"}', encoding="utf-8")
    dialog = make_dialog(qtbot, qloop)
    assert dialog.banner.isVisible()
    assert "theme must be one of" in dialog.banner.text()
    assert "Fix or delete it" in dialog.banner.text()
    assert not dialog.ok_button.isEnabled() and dialog.apply() is False
    assert path.read_text(encoding="utf-8") == '{"theme": "sepia"}'


def test_sandbox_guards_go_to_the_sandbox_file(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop, tmp_path: Path
) -> None:
    user = Paths.from_env()
    sandbox = replace(user, config_dir=tmp_path / "sandbox-config")
    dialog = make_dialog(qtbot, qloop, guard_paths=sandbox)
    set_guard(dialog, "USD", bid="3")
    dialog.theme_radios["light"].setChecked(True)
    dialog._on_field_changed()
    assert dialog.apply()
    assert load_settings(sandbox).spend_guards.max_bid == {"USD": Decimal(3)}
    assert load_settings(user).spend_guards == SpendGuards()  # the real guards are untouched
    assert load_settings(user).theme == "light"
    theme.apply_theme(QApplication.instance(), dark=False)  # type: ignore[arg-type]


# -- theme -------------------------------------------------------------------------------------


def _window_color(app: QApplication) -> str:
    return app.palette().color(QPalette.ColorRole.Window).name()


def test_theme_switches_at_once_and_cancel_puts_it_back(
    qtbot: QtBot, qapp: QApplication, qloop: asyncio.AbstractEventLoop
) -> None:
    assert _window_color(qapp) == theme.LIGHT.window
    dialog = make_dialog(qtbot, qloop)
    dialog.theme_radios["dark"].setChecked(True)
    assert _window_color(qapp) == theme.DARK.window
    assert theme.colors() is theme.DARK
    dialog.cancel_button.click()
    assert _window_color(qapp) == theme.LIGHT.window
    assert load_settings().theme == "system"

    dialog = make_dialog(qtbot, qloop)
    dialog.theme_radios["dark"].setChecked(True)
    dialog.ok_button.click()
    assert load_settings().theme == "dark"
    assert _window_color(qapp) == theme.DARK.window  # stays after OK
    dialog = make_dialog(qtbot, qloop)
    assert dialog.theme_radios["dark"].isChecked()
    dialog.theme_radios["light"].setChecked(True)
    assert _window_color(qapp) == theme.LIGHT.window
    dialog.cancel_button.click()
    assert _window_color(qapp) == theme.DARK.window  # the saved one, not the default
    theme.apply_theme(qapp, dark=False)


# -- data folder ---------------------------------------------------------------------------------


def _cache_with_rows(path: Path, rows: int) -> None:
    db = sqlite3.connect(path)
    with db:
        db.execute("CREATE TABLE t (x TEXT)")
        db.executemany("INSERT INTO t VALUES (?)", [("x" * 50,)] * rows)
    db.close()


def test_new_data_folder_is_copied_saved_and_the_old_one_kept(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SNAPDESK_DATA_DIR")
    old = tmp_path / "old"
    old.mkdir()
    _cache_with_rows(old / "cache.sqlite3", 500)
    new = tmp_path / "new place"
    dialog = make_dialog(qtbot, qloop, in_use=old)
    assert not dialog.copy_check.isVisible()
    dialog.data_dir_edit.setText(str(new))
    assert dialog.copy_check.isVisible() and dialog.copy_check.isChecked()
    assert "From the next start" in dialog.data_dir_note.text()
    dialog.tabs.setCurrentIndex(SAFETY)  # OK from another page copies all the same

    with qtbot.waitSignal(dialog.applied, timeout=10_000):
        dialog.ok_button.click()

    assert load_settings().data_dir == new
    assert Paths.from_env().data_dir == new  # applied at the next start
    db = sqlite3.connect(new / "cache.sqlite3")
    assert db.execute("SELECT count(*) FROM t").fetchone() == (500,)
    db.close()
    assert (old / "cache.sqlite3").exists()  # nothing deleted
    assert dialog.isVisible()  # stays open to say "restart to use it"
    assert "Restart snapdesk to use the new folder" in dialog.banner.text()


def test_a_folder_that_cant_be_created_is_refused(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SNAPDESK_DATA_DIR")
    blocker = tmp_path / "a file"
    blocker.write_text("x", encoding="utf-8")
    dialog = make_dialog(qtbot, qloop, in_use=tmp_path)
    dialog.data_dir_edit.setText(str(blocker / "inside"))
    assert dialog.problems() == {}  # only Apply tries to create it
    assert dialog.apply() is False
    assert dialog.data_dir_error.text().endswith(
        "can't be created (Not a directory); choose another folder"
    )
    assert not settings_path().exists()


def test_without_copying_only_the_choice_is_saved(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SNAPDESK_DATA_DIR")
    old = tmp_path / "old"
    old.mkdir()
    _cache_with_rows(old / "cache.sqlite3", 1)
    dialog = make_dialog(qtbot, qloop, in_use=old)
    dialog.data_dir_edit.setText(str(tmp_path / "empty"))
    dialog.copy_check.setChecked(False)
    assert dialog.apply()
    assert load_settings().data_dir == tmp_path / "empty"
    assert list((tmp_path / "empty").iterdir()) == []
    assert dialog.status_label.text() == "Saved. The new data folder is used from the next start."


def test_the_environment_variable_is_shown_as_winning(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop
) -> None:
    dialog = make_dialog(qtbot, qloop)  # the suite sets SNAPDESK_DATA_DIR
    assert "set by SNAPDESK_DATA_DIR, which always wins" in dialog.data_dir_note.text()
    dialog.data_dir_edit.setText("/somewhere/else")
    assert not dialog.copy_check.isVisible()


# -- consumers -----------------------------------------------------------------------------------


def test_edit_menu_opens_preferences_with_the_standard_shortcut(
    qtbot: QtBot, filled_store: Store, qloop: asyncio.AbstractEventLoop
) -> None:
    window = window_for(qtbot, filled_store, qloop)
    action = window.preferences_action
    assert action in window.edit_menu.actions()
    assert action.shortcut() == QKeySequence("Ctrl+,")
    assert action.menuRole() == QAction.MenuRole.PreferencesRole
    action.trigger()
    dialog = window.preferences_dialog
    assert isinstance(dialog, PreferencesDialog) and dialog.isVisible()
    assert window.open_preferences() is dialog  # one at a time
    dialog.reject()


def test_refresh_interval_reaches_the_stats_refresher(
    qtbot: QtBot, filled_store: Store, qloop: asyncio.AbstractEventLoop
) -> None:
    save_settings(AppSettings(refresh_interval_minutes=30))
    window = window_for(qtbot, filled_store, qloop)
    refresher = window.performance.refresher
    assert refresher.timer.interval() == 30 * 60 * 1000 and refresher.timer.isActive()

    dialog = window.open_preferences()
    assert isinstance(dialog, PreferencesDialog)
    dialog.refresh_spin.setValue(0)
    dialog.ok_button.click()
    assert not refresher.enabled and not refresher.timer.isActive()
    assert load_settings().refresh_interval_minutes == 0

    dialog = window.open_preferences()
    assert isinstance(dialog, PreferencesDialog)
    dialog.refresh_spin.setValue(15)
    dialog.ok_button.click()
    assert refresher.timer.isActive() and refresher.timer.interval() == 15 * 60 * 1000


def test_default_country_is_preselected_in_the_list_dialogs(
    qtbot: QtBot, filled_store: Store, qloop: asyncio.AbstractEventLoop, tmp_path: Path
) -> None:
    phones = tmp_path / "phones.csv"
    phones.write_text("phone\n07700 900123\n+1 202 555 0100\n", encoding="utf-8")
    session = Session(store=filled_store, loop=qloop, api=None, profile="default")

    page = AudiencesPage(session=session, ad_account_id=data.US)
    qtbot.addWidget(page)
    dialog = page.open_upload(phones)
    assert dialog.preview.default_country() is None  # no preference: numbers need a code
    dialog.reject()

    save_settings(AppSettings(default_country="GB"))
    dialog = page.open_upload(phones)
    assert dialog.preview.default_country() == "GB"
    assert dialog.preview.country_combo.currentText() == "United Kingdom (GB)"
    assert dialog.start_check()
    qtbot.waitUntil(lambda: dialog.report is not None and not dialog.check.running, timeout=30_000)
    assert dialog.report is not None and dialog.report.valid == 2  # the UK number is read
    dialog.reject()

    window = window_for(qtbot, filled_store, qloop)
    before = set(QApplication.topLevelWidgets())
    open_prepare_list(window)
    [prepare] = [w for w in QApplication.topLevelWidgets() if w not in before and w.isVisible()]
    assert prepare.preview.default_country() == "GB"  # type: ignore[attr-defined]
    prepare.close()


# -- confirm every live post (real sandbox) ---------------------------------------------------


def test_each_post_confirmation_holds_a_live_post_until_accepted(
    qtbot: QtBot,
    server: SandboxServer,
    synced: Store,
    api: SnapApi,
    qloop: asyncio.AbstractEventLoop,
) -> None:
    save_settings(AppSettings(live_confirmation="each_post"))
    window = window_for(qtbot, synced, qloop, api)
    editing = window.editing
    account = usd_account(synced)
    campaign = next(c for c in synced.campaigns(account.id) if c.status == "ACTIVE")
    editing.bulk.set_selection([(CAMPAIGN, campaign.id)])
    editing.bulk.pause_action.trigger()
    [change] = ChangeRepository(synced).list()

    # Dry-run needs no confirmation.
    with qtbot.waitSignal(editing.flow.finished, timeout=20_000):
        editing.post_action.trigger()
    assert editing.live_post_dialog is None
    assert isinstance(editing.flow.dialog, PostResultsDialog)
    editing.flow.dialog.accept()

    editing.live_action.trigger()
    assert editing.live_dialog is not None
    editing.live_dialog.confirm_button.click()  # live mode on, as before
    assert editing.live

    editing.post_action.trigger()
    dialog = editing.live_post_dialog
    assert isinstance(dialog, LivePostDialog) and dialog.isVisible()
    assert dialog.account_names() == [account.name]
    assert dialog.title_label.text() == "Send 1 change to Snap now?"
    assert dialog.cancel_button.isDefault()  # Enter does not post
    qtbot.wait(200)
    assert recorded_writes(server) == [] and not editing.flow.running
    dialog.cancel_button.click()
    qtbot.wait(200)
    assert recorded_writes(server) == []
    assert [c.id for c in ChangeRepository(synced).list()] == [change.id]

    editing.post_action.trigger()
    confirm = editing.live_post_dialog
    assert confirm is not None and confirm is not dialog
    with qtbot.waitSignal(editing.flow.finished, timeout=20_000):
        confirm.confirm_button.click()
    [put] = recorded_writes(server)
    assert put["headers"]["idempotency-key"] == change.idempotency_key
    assert ChangeRepository(synced).list() == []


def test_always_posts_live_without_a_second_question(
    qtbot: QtBot,
    server: SandboxServer,
    synced: Store,
    api: SnapApi,
    qloop: asyncio.AbstractEventLoop,
) -> None:
    window = window_for(qtbot, synced, qloop, api)
    editing = window.editing
    account = usd_account(synced)
    campaign = next(c for c in synced.campaigns(account.id) if c.status == "ACTIVE")
    editing.bulk.set_selection([(CAMPAIGN, campaign.id)])
    editing.bulk.pause_action.trigger()
    editing.set_live(True)
    with qtbot.waitSignal(editing.flow.finished, timeout=20_000):
        editing.post_action.trigger()
    assert editing.live_post_dialog is None
    assert len(recorded_writes(server)) == 1


def test_currency_page_opens_the_fx_editor_over_preferences(
    qtbot: QtBot, filled_store: Store, qloop: asyncio.AbstractEventLoop
) -> None:
    window = window_for(qtbot, filled_store, qloop)
    dialog = window.open_preferences()
    assert isinstance(dialog, PreferencesDialog)
    dialog.tabs.setCurrentIndex(CURRENCY)
    assert dialog.fx_summary.text().startswith("No rates yet")
    dialog.fx_button.click()
    fx = window.performance.fx_dialog
    assert fx is not None and fx.isVisible()
    assert fx.parent() is dialog  # usable while Preferences blocks the main window
    fx.model.add_row(day=date(2024, 5, 1), currency="EUR", rate="1.07")
    with qtbot.waitSignal(fx.rates_saved):
        fx.save_button.click()
    assert dialog.fx_summary.text() == "1 rate for EUR; the latest is for 2024-05-01."
    dialog.reject()
