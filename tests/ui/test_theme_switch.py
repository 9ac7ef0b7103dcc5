"""Switching light ↔ dark at run time: every widget follows at once (it left near-white text on
white in the Pending Changes tree and the stats totals, light chips and a light live switch
until a restart). Checked by the colours in every widget's stylesheet and icon against the
theme that is on."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QAbstractButton, QApplication, QWidget
from pytestqt.qtbot import QtBot

from snapdesk.core.kinds import CAMPAIGN
from snapdesk.store import Store
from snapdesk.ui import theme, tools_menu
from snapdesk.ui.main_window import MainWindow

HEX = re.compile(r"#[0-9a-fA-F]{6}\b")


def _palette_hexes(c: theme.Colors) -> set[str]:
    values = {v.lower() for v in vars(c).values()}
    return values | {h.lower() for h in HEX.findall(theme.stylesheet(c))}


def only_in(this: theme.Colors, other: theme.Colors) -> set[str]:
    """Colours the `this` theme uses and the other never does."""
    return _palette_hexes(this) - _palette_hexes(other)


def _luminance(hex_color: str) -> float:
    color = QColor(hex_color)
    return 0.2126 * color.redF() + 0.7152 * color.greenF() + 0.0722 * color.blueF()


def wrong_colours(root: QWidget, now: theme.Colors, before: theme.Colors) -> list[str]:
    """Widgets whose stylesheet holds a colour only the previous theme uses, or (in dark) a
    near-white background."""
    stale = only_in(before, now)
    found = []
    widgets = [root, *root.findChildren(QWidget)]
    for widget in widgets:
        sheet = widget.styleSheet()
        if not sheet:
            continue
        hexes = {h.lower() for h in HEX.findall(sheet)}
        bad = hexes & stale
        if now is theme.DARK:
            bad |= {
                h
                for h in re.findall(r"background(?:-color)?:\s*(#[0-9a-fA-F]{6})", sheet)
                if _luminance(h) > 0.85
            }
        if bad:
            name = widget.objectName() or type(widget).__name__
            found.append(f"{name}: {sorted(bad)}")
    return found


def stale_icons(root: QWidget, now: theme.Colors, before: theme.Colors) -> list[str]:
    """Buttons whose icon still has the other theme's ink (sampled from the drawn pixmap)."""
    found = []
    ink_now = {QColor(now.text).rgb() & 0xFFFFFF, QColor(now.muted).rgb() & 0xFFFFFF}
    ink_before = {QColor(before.text).rgb() & 0xFFFFFF, QColor(before.muted).rgb() & 0xFFFFFF}
    ink_before -= ink_now
    for button in root.findChildren(QAbstractButton):
        icon = button.icon()
        if icon.isNull():
            continue
        image: QImage = icon.pixmap(16, 16).toImage()
        colours = {
            image.pixel(x, y) & 0xFFFFFF
            for x in range(image.width())
            for y in range(image.height())
            if (image.pixel(x, y) >> 24) == 0xFF
        }
        if colours & ink_before:
            action = getattr(button, "defaultAction", lambda: None)()
            label = action.text() if action is not None else button.text()
            parent = button.parentWidget()
            where = f"{type(parent).__name__}/{parent.objectName()}" if parent is not None else ""
            found.append(f"{button.objectName() or type(button).__name__} {label!r} in {where}")
    return found


@pytest.fixture
def window(main_window: MainWindow) -> Iterator[MainWindow]:
    yield main_window
    theme.apply_theme(QApplication.instance(), dark=False)  # type: ignore[arg-type]


def _open_everything(window: MainWindow, synced: Store) -> list[QWidget]:
    """The main window with a queued change (the Pending tree has rows and a state chip),
    the stats tab and the other windows a user opens."""
    account = synced.ad_accounts()[0]
    campaign = synced.entities(CAMPAIGN, account.id)[0]
    window.editing.edits.edit(
        kind=CAMPAIGN, entity_id=campaign.id, fields={"name": f"{campaign.name} (2)"}
    )
    if not window.editing.dock.isVisible():
        window.editing.pending_action.trigger()
    window.performance.performance_action.trigger()
    window.editing.open_audit_log()
    window.open_preferences()
    window.help_actions.open_palette()
    window.help_actions.open_shortcuts()
    tools_menu.open_audiences(window)
    tools_menu.open_prepare_list(window)
    tools_menu.open_conversions(window)
    tools_menu.open_experiments(window)
    QApplication.processEvents()
    return [w for w in QApplication.topLevelWidgets() if w.isVisible()]


@pytest.mark.parametrize("start_dark", [False, True], ids=["light-to-dark", "dark-to-light"])
def test_every_widget_follows_a_theme_switch_at_once(
    qtbot: QtBot, window: MainWindow, synced: Store, start_dark: bool
) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    before = theme.apply_theme(app, dark=start_dark)
    opened = _open_everything(window, synced)
    now = theme.apply_theme(app, dark=not start_dark)
    QApplication.processEvents()
    problems = [p for widget in opened for p in wrong_colours(widget, now, before)]
    assert problems == [], "\n".join(p[:90] for p in problems)
    icons = [p for widget in opened for p in stale_icons(widget, now, before)]
    assert icons == [], ", ".join(icons)
    names = {type(w).__name__ for w in opened}
    assert {"MainWindow", "AuditLogDialog", "PreferencesDialog"} <= names, names
    for widget in opened:
        if widget is not window:
            widget.close()
