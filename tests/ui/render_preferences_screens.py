"""Render the Preferences and the first-run welcome to PNG files for a visual check.

    QT_QPA_PLATFORM=offscreen python -m tests.ui.render_preferences_screens [OUT_DIR] [--extra DIR]

Writes preferences-general.png, preferences-appearance.png, preferences-safety.png,
preferences-currency.png, preferences-safety-guards.png (the default spend guards), welcome.png
(light) and preferences-appearance-dark.png,
welcome-dark.png (dark) into OUT_DIR (default docs/screenshots). With `--extra DIR`, also the
states worth a look that are not in the README: validation messages on General and Safety, a
finished data-folder copy, and the confirmation before a live post.
"""

from __future__ import annotations

import os
import sys
import tempfile
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import qasync
from PySide6.QtWidgets import QApplication, QWidget

from snapdesk.changes import AffectedAccount
from snapdesk.config import Paths
from snapdesk.core.settings import AppSettings, FxRate, SpendGuards, load_settings, save_settings
from snapdesk.store import Store
from snapdesk.ui import theme
from snapdesk.ui.dialogs.live_post import LivePostDialog
from snapdesk.ui.dialogs.preferences import (
    APPEARANCE,
    CURRENCY,
    GENERAL,
    SAFETY,
    PreferencesDialog,
    default_data_dir,
)
from snapdesk.ui.dialogs.welcome import WelcomeDialog
from snapdesk.ui.prefs import apply_theme_preference
from tests.ui.render_screens import settle, wait_until

REPO = Path(__file__).resolve().parents[2]


def save(widget: QWidget, out: Path, name: str) -> None:
    QApplication.processEvents()
    path = out / name
    widget.grab().save(str(path))
    print(path)


def sample_paths(base: Path) -> Paths:
    paths = Paths(
        data_dir=base / "data", config_dir=base / "config", cache_dir=base / "cache", log_dir=base
    ).ensure()
    Store(paths.database).close()  # a cache to offer copying
    rates = tuple(
        FxRate(date(2024, 5, day), currency, Decimal(rate))
        for day in (1, 2, 3)
        for currency, rate in (("EUR", "1.072"), ("GBP", "1.251"), ("JPY", "0.0064"))
    )
    save_settings(
        AppSettings(
            spend_guards=SpendGuards(
                max_budget_increase_percent=Decimal(50),
                max_budget_increase={"USD": Decimal(500), "EUR": Decimal(450)},
                max_bid={"USD": Decimal("12.5"), "JPY": Decimal(2000)},
            ),
            fx_rates=rates,
            default_country="GB",
            refresh_interval_minutes=60,
        ),
        paths,
    )
    return paths


def dialog_for(paths: Paths, loop: object, *, in_use: Path | None = None) -> PreferencesDialog:
    dialog = PreferencesDialog(
        paths=paths,
        data_dir_in_use=in_use or default_data_dir(),
        loop=loop,  # type: ignore[arg-type]
        currencies=["EUR", "GBP", "JPY", "USD"],
    )
    dialog.resize(dialog.sizeHint())
    dialog.show()
    return dialog


def main() -> int:
    args = sys.argv[1:]
    extra: Path | None = None
    if "--extra" in args:
        at = args.index("--extra")
        extra = Path(args[at + 1])
        del args[at : at + 2]
    out = Path(args[0]) if args else REPO / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    os.environ.pop("SNAPDESK_DATA_DIR", None)  # show the data folder as a user sees it
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    loop = qasync.QEventLoop(app, already_running=True)
    base = Path(tempfile.mkdtemp(prefix="snapdesk-pref-screens-"))
    paths = sample_paths(base)

    for dark in (False, True):
        settings = load_settings(paths)
        save_settings(replace(settings, theme="dark" if dark else "system"), paths)
        apply_theme_preference(app, "dark" if dark else "light")
        suffix = "-dark" if dark else ""
        dialog = dialog_for(paths, loop)
        pages = (
            [(APPEARANCE, "appearance")]
            if dark
            else [
                (GENERAL, "general"),
                (APPEARANCE, "appearance"),
                (SAFETY, "safety"),
                (CURRENCY, "currency"),
            ]
        )
        for index, name in pages:
            dialog.tabs.setCurrentIndex(index)
            settle(app, 0.2)
            save(dialog, out, f"preferences-{name}{suffix}.png")
        dialog.reject()
        welcome = WelcomeDialog(paths=paths)
        welcome.resize(welcome.sizeHint())
        welcome.show()
        settle(app, 0.2)
        save(welcome, out, f"welcome{suffix}.png")
        welcome.hide()
        welcome.deleteLater()

    # The Safety tab as a new user sees it: snapdesk's default spend guards (issue 13).
    apply_theme_preference(app, "light")
    fresh = Paths(
        data_dir=base / "fresh" / "data",
        config_dir=base / "fresh" / "config",
        cache_dir=base / "fresh" / "cache",
        log_dir=base / "fresh",
    ).ensure()
    dialog = dialog_for(fresh, loop)
    dialog.tabs.setCurrentIndex(SAFETY)
    settle(app, 0.2)
    save(dialog, out, "preferences-safety-guards.png")
    dialog.reject()

    if extra is not None:
        extra.mkdir(parents=True, exist_ok=True)
        apply_theme_preference(app, "light")
        dialog = dialog_for(paths, loop)
        dialog.data_dir_edit.setText("relative/folder")
        dialog.country_combo.setEditText("Narnia")
        dialog.refresh_spin.setValue(2)
        settle(app, 0.2)
        save(dialog, extra, "preferences-general-errors.png")
        dialog.tabs.setCurrentIndex(SAFETY)
        row = dialog.guards_table.rowCount()
        dialog._add_guard_row("dollars", "100")
        dialog.guards_table.setCurrentCell(row, 0)
        settle(app, 0.2)
        save(dialog, extra, "preferences-safety-errors.png")
        dialog.reject()

        dialog = dialog_for(paths, loop, in_use=paths.data_dir)
        dialog.data_dir_edit.setText(str(base / "new data folder"))
        settle(app, 0.2)
        save(dialog, extra, "preferences-general-new-folder.png")
        dialog.apply()
        wait_until(app, lambda: not dialog.copying and dialog.banner.isVisible())
        settle(app, 0.2)
        save(dialog, extra, "preferences-general-copied.png")
        dialog.reject()

        accounts = [
            AffectedAccount(id="acc-1", name="Acme US", currency="USD", changes=3),
            AffectedAccount(id="acc-2", name="Acme Japan", currency="JPY", changes=1),
        ]
        confirm = LivePostDialog(accounts)
        confirm.resize(confirm.sizeHint())
        confirm.show()
        settle(app, 0.2)
        save(confirm, extra, "live-post-confirm.png")
        confirm.hide()
    theme.apply_theme(app, dark=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
