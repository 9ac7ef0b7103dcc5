"""Look and feel: Fusion palette (light or dark, following the system), one stylesheet, and
small vector icons drawn with QPainter so no image file can go missing."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import shiboken6
from PySide6.QtCore import QObject, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QAction,
    QBrush,
    QColor,
    QFont,
    QGuiApplication,
    QIcon,
    QPainter,
    QPainterPath,
    QPalette,
    QPen,
    QPixmap,
)
from PySide6.QtWidgets import QAbstractButton, QApplication, QWidget


@dataclass(frozen=True)
class Colors:
    window: str
    base: str
    alt_base: str
    text: str
    muted: str
    border: str
    accent: str
    accent_text: str
    highlight: str
    highlight_text: str
    success: str
    warning: str
    danger: str
    neutral: str
    sandbox_bg: str
    sandbox_text: str
    chip_bg: str
    chip_text: str


LIGHT = Colors(
    window="#f5f6f8",
    base="#ffffff",
    alt_base="#f8f9fb",
    text="#1f2329",
    muted="#6b7280",
    border="#dcdfe4",
    accent="#2563eb",
    accent_text="#ffffff",
    highlight="#dbe7fd",
    highlight_text="#111827",
    success="#16a34a",
    warning="#d97706",
    danger="#dc2626",
    neutral="#9ca3af",
    sandbox_bg="#fde047",
    sandbox_text="#422006",
    chip_bg="#eef0f3",
    chip_text="#374151",
)

DARK = Colors(
    window="#1e1f22",
    base="#26282c",
    alt_base="#2b2d31",
    text="#e6e7e9",
    muted="#9aa0a8",
    border="#3a3d42",
    accent="#60a5fa",
    accent_text="#0b1220",
    highlight="#2c4670",
    highlight_text="#f3f4f6",
    success="#22c55e",
    warning="#f59e0b",
    danger="#f87171",
    neutral="#7b818a",
    sandbox_bg="#facc15",
    sandbox_text="#1c1300",
    chip_bg="#33363b",
    chip_text="#d1d5db",
)

log = logging.getLogger(__name__)

_current: Colors = LIGHT
# Who repaints what when the theme changes at run time: (owner, callback) pairs, dropped once
# the owner's Qt object is gone. The palette and the application stylesheet reach every widget
# by themselves; these are the few places that need a colour in code (a state chip's colour, a
# chart's background, an icon drawn in the theme's colours).
_followers: list[tuple[QObject, Callable[[Colors], object]]] = []


def on_change(owner: QObject, callback: Callable[[Colors], object]) -> None:
    """Call `callback(colors())` now and again whenever the theme changes, while `owner`
    exists. The one way a widget keeps a colour set in code in step with the theme."""
    _followers.append((owner, callback))
    callback(_current)


def follow(widget: QWidget, build: Callable[[Colors], str]) -> None:
    """Give `widget` the stylesheet `build(colors)` now and at every theme change (instead of
    a stylesheet with today's colours baked in, which a switch to dark leaves light)."""
    on_change(widget, lambda c: widget.setStyleSheet(build(c)))


def follow_icon(target: QAction | QAbstractButton, name: str) -> None:
    """Set icon `name` on `target` (an action or a button) now and at every theme change."""
    on_change(target, lambda _c: target.setIcon(icon(name)))


def _notify() -> None:
    alive = [(o, f) for o, f in _followers if shiboken6.isValid(o)]
    kept = []
    for owner, callback in alive:
        try:
            callback(_current)
        except Exception:  # a widget whose data is gone (its cache closed) stops following
            log.debug("theme follower of %r dropped", owner, exc_info=True)
            continue
        kept.append((owner, callback))
    _followers[:] = kept


def colors() -> Colors:
    return _current


def system_prefers_dark() -> bool:
    hints = QGuiApplication.styleHints()
    scheme = getattr(hints, "colorScheme", None)
    if scheme is None:
        return False
    return scheme() == Qt.ColorScheme.Dark


def apply_theme(app: QApplication, *, dark: bool | None = None) -> Colors:
    """Fusion style with our palette and stylesheet; `dark=None` follows the system."""
    global _current
    _current = DARK if (system_prefers_dark() if dark is None else dark) else LIGHT
    _icon.cache_clear()
    c = _current
    app.setStyle("Fusion")
    palette = QPalette()
    role = QPalette.ColorRole
    palette.setColor(role.Window, QColor(c.window))
    palette.setColor(role.WindowText, QColor(c.text))
    palette.setColor(role.Base, QColor(c.base))
    palette.setColor(role.AlternateBase, QColor(c.alt_base))
    palette.setColor(role.Text, QColor(c.text))
    palette.setColor(role.Button, QColor(c.base))
    palette.setColor(role.ButtonText, QColor(c.text))
    palette.setColor(role.ToolTipBase, QColor(c.base))
    palette.setColor(role.ToolTipText, QColor(c.text))
    palette.setColor(role.PlaceholderText, QColor(c.muted))
    palette.setColor(role.Highlight, QColor(c.highlight))
    palette.setColor(role.HighlightedText, QColor(c.highlight_text))
    palette.setColor(role.Link, QColor(c.accent))
    palette.setColor(role.Mid, QColor(c.border))
    palette.setColor(role.Midlight, QColor(c.border))
    disabled = QPalette.ColorGroup.Disabled
    for r in (role.Text, role.ButtonText, role.WindowText):
        palette.setColor(disabled, r, QColor(c.muted))
    app.setPalette(palette)
    font = QFont(app.font())
    if font.pointSizeF() < 10:
        font.setPointSizeF(10)
    app.setFont(font)
    app.setStyleSheet(stylesheet(c))
    _notify()
    return c


def stylesheet(c: Colors) -> str:
    return f"""
QMainWindow, QWidget#centralArea {{ background: {c.window}; }}
QToolBar {{
    background: {c.base}; border: none; border-bottom: 1px solid {c.border};
    padding: 6px 10px; spacing: 6px;
}}
QToolBar QToolButton {{
    padding: 5px 10px; border-radius: 6px; border: 1px solid transparent;
}}
QToolBar QToolButton:hover {{ background: {c.chip_bg}; border-color: {c.border}; }}
QToolBar QToolButton:disabled {{ color: {c.muted}; }}
QToolButton#primaryAction {{
    background: {c.accent}; color: {c.accent_text}; font-weight: 600;
    padding: 5px 14px; border-radius: 6px;
}}
QToolButton#primaryAction:hover {{ background: {c.accent}; border-color: {c.accent}; }}
QToolButton#primaryAction:disabled {{ background: {c.chip_bg}; color: {c.muted}; }}
QToolButton#postAction {{
    background: {c.accent}; color: {c.accent_text}; font-weight: 600;
    padding: 5px 14px; border-radius: 6px;
}}
QToolButton#postAction:hover {{ background: {c.accent}; border-color: {c.accent}; }}
QToolButton#postAction:disabled {{ background: {c.chip_bg}; color: {c.muted}; }}
QToolButton#postActionLive {{
    background: {c.danger}; color: #ffffff; font-weight: 700;
    padding: 5px 14px; border-radius: 6px;
}}
QToolButton#postActionLive:hover {{ background: {c.danger}; border-color: {c.danger}; }}
QToolButton#postActionLive:disabled {{ background: {c.chip_bg}; color: {c.muted}; }}
QToolButton#primaryAction::menu-button {{
    border-left: 1px solid rgba(255, 255, 255, 0.35); width: 18px;
}}
QLineEdit {{
    background: {c.base}; border: 1px solid {c.border}; border-radius: 6px;
    padding: 5px 8px; selection-background-color: {c.highlight};
}}
QLineEdit:focus {{ border-color: {c.accent}; }}
QTreeView {{
    background: {c.base}; border: 1px solid {c.border}; border-radius: 8px;
    padding: 2px; outline: 0;
}}
QTreeView::item {{ padding: 3px 2px; }}
QTreeView::item:selected {{ background: {c.highlight}; color: {c.highlight_text}; }}
QHeaderView::section {{
    background: {c.base}; color: {c.muted}; border: none;
    border-bottom: 1px solid {c.border}; padding: 6px 6px; font-weight: 600;
}}
QSplitter::handle {{ background: transparent; }}
QScrollArea#detailsScroll, QWidget#detailsBody {{ background: transparent; border: none; }}
QFrame#card {{
    background: {c.base}; border: 1px solid {c.border}; border-radius: 8px;
}}
QLabel#muted, QLabel#formLabel {{ color: {c.muted}; }}
QLabel#title {{ font-size: 17pt; font-weight: 600; }}
QLabel#kindLabel {{ color: {c.muted}; font-weight: 600; letter-spacing: 1px; }}
QLabel#sectionTitle {{ font-weight: 600; color: {c.text}; }}
QLabel#stateTitle {{ font-size: 14pt; font-weight: 600; }}
QLabel#stateText {{ color: {c.muted}; }}
QLabel#code {{
    font-family: "DejaVu Sans Mono", "Menlo", "Consolas", monospace;
    background: {c.chip_bg}; border-radius: 4px; padding: 2px 6px;
}}
QLabel#chip {{
    background: {c.chip_bg}; color: {c.chip_text}; border-radius: 9px; padding: 2px 9px;
}}
QLabel#chipWarning {{
    background: {_mix(c.warning, c.base, 0.18)}; color: {c.warning}; border-radius: 9px;
    padding: 2px 9px; font-weight: 600;
}}
QLabel#chipOk {{
    background: {_mix(c.success, c.base, 0.16)}; color: {c.success}; border-radius: 9px;
    padding: 2px 9px; font-weight: 600;
}}
QLabel#chipMuted {{
    background: {c.chip_bg}; color: {c.muted}; border-radius: 9px; padding: 2px 9px;
    font-weight: 600;
}}
QLabel#chipDanger {{
    background: {_mix(c.danger, c.base, 0.16)}; color: {c.danger}; border-radius: 9px;
    padding: 2px 9px; font-weight: 600;
}}
QFrame#errorBanner {{
    background: {_mix(c.danger, c.base, 0.10)}; border: 1px solid {_mix(c.danger, c.base, 0.45)};
    border-radius: 8px;
}}
QLabel#errorText {{ color: {c.danger}; }}
QFrame#warningBanner {{
    background: {_mix(c.warning, c.base, 0.10)}; border: 1px solid {_mix(c.warning, c.base, 0.45)};
    border-radius: 8px;
}}
QFrame#infoBanner {{
    background: {_mix(c.accent, c.base, 0.07)}; border: 1px solid {_mix(c.accent, c.base, 0.30)};
    border-radius: 8px;
}}
QFrame#okBanner {{
    background: {_mix(c.success, c.base, 0.09)}; border: 1px solid {_mix(c.success, c.base, 0.40)};
    border-radius: 8px;
}}
QLabel#bannerText {{ color: {c.text}; }}
QFrame#helpPanel {{
    background: {c.alt_base}; border: 1px solid {c.border}; border-radius: 8px;
}}
QLabel#dialogTitle {{ font-size: 13pt; font-weight: 600; }}
QLabel#bigNumber {{ font-size: 20pt; font-weight: 600; font-family: "DejaVu Sans Mono", monospace; }}
QLabel#hint {{ color: {c.muted}; font-size: 9pt; }}
QDialog {{ background: {c.window}; }}
QCheckBox {{ spacing: 8px; }}
QTreeWidget#loginList {{ padding: 4px; }}
QTreeWidget#loginList::item {{ padding: 5px 4px; }}
QToolButton#loginsButton {{
    padding: 5px 10px; border-radius: 6px; border: 1px solid {c.border}; background: {c.base};
}}
QToolButton#loginsButton::menu-indicator {{ subcontrol-position: right center; right: 6px; }}
QLabel#sandboxBadge {{
    background: {c.sandbox_bg}; color: {c.sandbox_text}; font-weight: 700;
    border-radius: 4px; padding: 1px 8px; letter-spacing: 1px; margin-right: 8px;
}}
QStatusBar {{ background: {c.base}; border-top: 1px solid {c.border}; }}
QStatusBar QLabel {{ padding: 0 6px; }}
QStatusBar::item {{ border: none; }}
QPushButton {{
    background: {c.base}; border: 1px solid {c.border}; border-radius: 6px; padding: 5px 14px;
}}
QPushButton:hover {{ background: {c.chip_bg}; }}
QPushButton#primaryButton {{
    background: {c.accent}; color: {c.accent_text}; border-color: {c.accent}; font-weight: 600;
}}
QPushButton#primaryButton:hover {{ background: {_mix(c.accent, "#000000", 0.88)}; }}
QPushButton#primaryButton:disabled {{
    background: {c.chip_bg}; color: {c.muted}; border-color: {c.border};
}}
QPushButton#dangerButton {{ color: {c.danger}; }}
QPushButton:disabled {{ color: {c.muted}; }}
QPushButton#flatButton {{ border: none; background: transparent; padding: 2px 6px; color: {c.accent}; }}
QPushButton#flatButton:hover {{ background: {c.chip_bg}; }}
QPlainTextEdit#rawJson {{
    font-family: "DejaVu Sans Mono", "Menlo", "Consolas", monospace;
    background: {c.alt_base}; border: 1px solid {c.border}; border-radius: 6px;
}}
QProgressBar {{
    border: 1px solid {c.border}; border-radius: 5px; background: {c.chip_bg};
    text-align: center; max-height: 12px; font-size: 8pt;
}}
QProgressBar::chunk {{ background: {c.accent}; border-radius: 4px; }}
"""


def _mix(color: str, base: str, amount: float) -> str:
    """`amount` of `color` over `base`, as #rrggbb (stylesheets have no alpha blending for us)."""
    a, b = QColor(color), QColor(base)
    r = round(a.red() * amount + b.red() * (1 - amount))
    g = round(a.green() * amount + b.green() * (1 - amount))
    bl = round(a.blue() * amount + b.blue() * (1 - amount))
    return f"#{r:02x}{g:02x}{bl:02x}"


# --- icons -----------------------------------------------------------------------------------

_SIZE = 16
_SCALE = 2  # large icons are drawn at least at 2x so they stay crisp on high-DPI screens
# Every named icon holds exact renders for these sizes (menus, trees, toolbars, buttons) at
# these device pixel ratios, so Qt never scales a bitmap up: 16 px at 200 % is a 32 px drawing.
ICON_SIZES = (16, 20, 24, 32)
ICON_SCALES = (1, 2, 3)


def icon(name: str) -> QIcon:
    """A named vector icon: status dots (`active`, `paused`, `neutral`), `warning`, `error`,
    `ok`, and one per entity kind (`organization`, `ad_account`, `campaign`, `ad_squad`, `ad`,
    `creative`, `media`, `segment`, `group`), plus `sync`, `cancel`, `copy`, `search`."""
    return _icon(name, _current)


@cache
def _icon(name: str, c: Colors) -> QIcon:
    result = QIcon()
    for scale in ICON_SCALES:
        for size in ICON_SIZES:
            result.addPixmap(_render(name, c, size, scale=scale))
    return result


def _render(name: str, c: Colors, size: int, *, scale: float = _SCALE) -> QPixmap:
    """The vector drawing of `name` at `size` logical pixels for a `scale` device pixel ratio
    (a `size * scale` pixel bitmap that knows its ratio)."""
    pixels = max(1, round(size * scale))
    pixmap = QPixmap(pixels, pixels)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.scale(pixels / _SIZE, pixels / _SIZE)
    _DRAW.get(name, _draw_neutral)(painter, c)
    painter.end()
    pixmap.setDevicePixelRatio(scale)
    return pixmap


def _screen_scale() -> float:
    """The highest device pixel ratio of the screens (at least 2: crisp when moved there)."""
    app = QGuiApplication.instance()
    ratios = [s.devicePixelRatio() for s in QGuiApplication.screens()] if app else []
    return max([float(_SCALE), *ratios])


def _dot(p: QPainter, color: str, *, ring: bool = False) -> None:
    p.setPen(Qt.PenStyle.NoPen)
    if ring:
        p.setBrush(QColor(color).lighter(170))
        p.drawEllipse(QPointF(8, 8), 6, 6)
    p.setBrush(QColor(color))
    p.drawEllipse(QPointF(8, 8), 4, 4)


def _draw_active(p: QPainter, c: Colors) -> None:
    _dot(p, c.success, ring=True)


def _draw_paused(p: QPainter, c: Colors) -> None:
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(c.neutral))
    p.drawRoundedRect(QRectF(4.5, 3.5, 2.6, 9), 1, 1)
    p.drawRoundedRect(QRectF(8.9, 3.5, 2.6, 9), 1, 1)


def _draw_neutral(p: QPainter, c: Colors) -> None:
    _dot(p, c.neutral)


def _draw_warning(p: QPainter, c: Colors) -> None:
    path = QPainterPath()
    path.moveTo(8, 1.5)
    path.lineTo(15, 14.2)
    path.lineTo(1, 14.2)
    path.closeSubpath()
    p.setPen(
        QPen(
            QColor(c.warning),
            1.2,
            Qt.PenStyle.SolidLine,
            Qt.PenCapStyle.RoundCap,
            Qt.PenJoinStyle.RoundJoin,
        )
    )
    p.setBrush(QColor(c.warning))
    p.drawPath(path)
    _exclamation(p, QColor("#ffffff"), top=5.4, bottom=10.0, dot=12.2)


def _draw_error(p: QPainter, c: Colors) -> None:
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(c.danger))
    p.drawEllipse(QPointF(8, 8), 7, 7)
    _exclamation(p, QColor("#ffffff"), top=4.0, bottom=9.0, dot=11.6)


def _exclamation(p: QPainter, color: QColor, *, top: float, bottom: float, dot: float) -> None:
    p.setPen(QPen(color, 1.8, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
    p.drawLine(QPointF(8, top), QPointF(8, bottom))
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(color)
    p.drawEllipse(QPointF(8, dot), 1.0, 1.0)


def _draw_ok(p: QPainter, c: Colors) -> None:
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(c.success))
    p.drawEllipse(QPointF(8, 8), 7, 7)
    p.setPen(
        QPen(
            QColor("#ffffff"),
            1.8,
            Qt.PenStyle.SolidLine,
            Qt.PenCapStyle.RoundCap,
            Qt.PenJoinStyle.RoundJoin,
        )
    )
    path = QPainterPath()
    path.moveTo(4.8, 8.2)
    path.lineTo(7.1, 10.5)
    path.lineTo(11.3, 5.8)
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawPath(path)


def _stroke(p: QPainter, color: str, width: float = 1.3) -> None:
    p.setPen(
        QPen(
            QColor(color),
            width,
            Qt.PenStyle.SolidLine,
            Qt.PenCapStyle.RoundCap,
            Qt.PenJoinStyle.RoundJoin,
        )
    )
    p.setBrush(Qt.BrushStyle.NoBrush)


def _draw_organization(p: QPainter, c: Colors) -> None:
    _stroke(p, "#7c3aed")
    p.drawRoundedRect(QRectF(3, 2.5, 10, 11.5), 1.2, 1.2)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor("#7c3aed"))
    for x in (5.2, 9.0):
        for y in (4.8, 7.6):
            p.drawRect(QRectF(x, y, 1.8, 1.6))
    p.drawRect(QRectF(7, 11, 2, 3))


def _draw_ad_account(p: QPainter, c: Colors) -> None:
    _stroke(p, "#0891b2")
    p.drawRoundedRect(QRectF(2, 5, 12, 8.5), 1.5, 1.5)
    p.drawRoundedRect(QRectF(5.5, 2.5, 5, 2.5), 0.8, 0.8)
    p.drawLine(QPointF(2, 8.5), QPointF(14, 8.5))


def _draw_campaign(p: QPainter, c: Colors) -> None:
    _stroke(p, "#2563eb")
    path = QPainterPath()
    path.moveTo(2.5, 6.3)
    path.lineTo(9.5, 3)
    path.lineTo(9.5, 13)
    path.lineTo(2.5, 9.7)
    path.closeSubpath()
    p.setBrush(QBrush(QColor("#2563eb").lighter(185)))
    p.drawPath(path)
    p.drawLine(QPointF(12, 5.5), QPointF(13.8, 4.5))
    p.drawLine(QPointF(12, 8), QPointF(14, 8))
    p.drawLine(QPointF(12, 10.5), QPointF(13.8, 11.5))


def _draw_ad_squad(p: QPainter, c: Colors) -> None:
    _stroke(p, "#ea580c")
    p.drawEllipse(QPointF(8, 8), 6, 6)
    p.drawEllipse(QPointF(8, 8), 3, 3)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor("#ea580c"))
    p.drawEllipse(QPointF(8, 8), 1.2, 1.2)


def _draw_ad(p: QPainter, c: Colors) -> None:
    _stroke(p, "#db2777")
    p.drawRoundedRect(QRectF(4.5, 1.8, 7, 12.4), 1.8, 1.8)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor("#db2777").lighter(170))
    p.drawRoundedRect(QRectF(5.9, 3.4, 4.2, 7), 0.8, 0.8)


def _draw_creative(p: QPainter, c: Colors) -> None:
    _stroke(p, "#0d9488")
    p.drawRoundedRect(QRectF(2.5, 2.5, 11, 11), 2, 2)
    path = QPainterPath()
    path.moveTo(3, 12.5)
    path.lineTo(7, 7.5)
    path.lineTo(10, 10.5)
    path.lineTo(13, 8)
    p.drawPath(path)


def _draw_media(p: QPainter, c: Colors) -> None:
    _stroke(p, "#4f46e5")
    p.drawRoundedRect(QRectF(2, 3, 12, 10), 1.5, 1.5)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor("#4f46e5"))
    path = QPainterPath()
    path.moveTo(6.5, 5.5)
    path.lineTo(11, 8)
    path.lineTo(6.5, 10.5)
    path.closeSubpath()
    p.drawPath(path)


def _draw_segment(p: QPainter, c: Colors) -> None:
    _stroke(p, "#65a30d")
    p.drawEllipse(QPointF(6, 5.5), 2.3, 2.3)
    p.drawArc(QRectF(1.8, 9, 8.4, 8), 0, 180 * 16)
    p.drawEllipse(QPointF(11, 6), 1.8, 1.8)
    p.drawArc(QRectF(8.6, 9.5, 5.8, 6), 0, 180 * 16)


def _draw_group(p: QPainter, c: Colors) -> None:
    _stroke(p, c.muted)
    path = QPainterPath()
    path.moveTo(2, 4)
    path.lineTo(6.5, 4)
    path.lineTo(8, 5.5)
    path.lineTo(14, 5.5)
    path.lineTo(14, 13)
    path.lineTo(2, 13)
    path.closeSubpath()
    p.drawPath(path)


def _draw_sync(p: QPainter, c: Colors) -> None:
    _sync_arrows(p, c.accent_text)


def _draw_sync_accent(p: QPainter, c: Colors) -> None:
    _sync_arrows(p, c.accent)


def _sync_arrows(p: QPainter, color: str) -> None:
    _stroke(p, color, 1.6)
    p.drawArc(QRectF(3, 3, 10, 10), 30 * 16, 150 * 16)
    p.drawArc(QRectF(3, 3, 10, 10), 210 * 16, 150 * 16)
    p.drawLine(QPointF(12.4, 2.8), QPointF(12.4, 5.6))
    p.drawLine(QPointF(12.4, 5.6), QPointF(9.6, 5.6))
    p.drawLine(QPointF(3.6, 13.2), QPointF(3.6, 10.4))
    p.drawLine(QPointF(3.6, 10.4), QPointF(6.4, 10.4))


def _draw_cancel(p: QPainter, c: Colors) -> None:
    _stroke(p, c.danger, 1.7)
    p.drawLine(QPointF(4.5, 4.5), QPointF(11.5, 11.5))
    p.drawLine(QPointF(11.5, 4.5), QPointF(4.5, 11.5))


def _draw_copy(p: QPainter, c: Colors) -> None:
    _stroke(p, c.muted, 1.2)
    p.drawRoundedRect(QRectF(5.5, 5.5, 8, 8.5), 1.5, 1.5)
    p.drawPolyline(
        [
            QPointF(3.5, 10.5),
            QPointF(2.5, 10.5),
            QPointF(2.5, 2.5),
            QPointF(10, 2.5),
            QPointF(10, 3.5),
        ]
    )


def _draw_search(p: QPainter, c: Colors) -> None:
    _stroke(p, c.muted, 1.5)
    p.drawEllipse(QPointF(7, 7), 4.2, 4.2)
    p.drawLine(QPointF(10.2, 10.2), QPointF(13.8, 13.8))


def _draw_login(p: QPainter, c: Colors) -> None:
    _stroke(p, c.accent, 1.4)
    p.drawEllipse(QPointF(8, 5.6), 2.9, 2.9)
    p.drawArc(QRectF(2.8, 9.6, 10.4, 9), 0, 180 * 16)


def _draw_info(p: QPainter, c: Colors) -> None:
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(c.accent))
    p.drawEllipse(QPointF(8, 8), 7, 7)
    p.setPen(QPen(QColor("#ffffff"), 1.8, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
    p.drawLine(QPointF(8, 7.2), QPointF(8, 11.8))
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor("#ffffff"))
    p.drawEllipse(QPointF(8, 4.6), 1.0, 1.0)


def _draw_key(p: QPainter, c: Colors) -> None:
    _stroke(p, c.warning, 1.5)
    p.drawEllipse(QPointF(5.2, 10.8), 3.0, 3.0)
    p.drawLine(QPointF(7.4, 8.6), QPointF(13.5, 2.5))
    p.drawLine(QPointF(11.2, 4.8), QPointF(13.2, 6.8))
    p.drawLine(QPointF(9.6, 6.4), QPointF(11.0, 7.8))


def _draw_browser(p: QPainter, c: Colors) -> None:
    _stroke(p, c.accent, 1.4)
    p.drawRoundedRect(QRectF(1.8, 2.8, 12.4, 10.4), 1.8, 1.8)
    p.drawLine(QPointF(1.8, 5.9), QPointF(14.2, 5.9))
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(c.accent))
    for x in (3.6, 5.4, 7.2):
        p.drawEllipse(QPointF(x, 4.35), 0.6, 0.6)


def _draw_app(p: QPainter, c: Colors) -> None:
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor("#fffc00"))
    p.drawRoundedRect(QRectF(0.5, 0.5, 15, 15), 3.5, 3.5)
    p.setBrush(QColor("#111827"))
    for i, height in enumerate((4.0, 7.0, 10.0)):
        p.drawRoundedRect(QRectF(3.2 + i * 3.5, 13 - height, 2.4, height), 0.8, 0.8)


_DRAW = {
    "app": _draw_app,
    "login": _draw_login,
    "info": _draw_info,
    "key": _draw_key,
    "browser": _draw_browser,
    "active": _draw_active,
    "paused": _draw_paused,
    "neutral": _draw_neutral,
    "warning": _draw_warning,
    "error": _draw_error,
    "ok": _draw_ok,
    "organization": _draw_organization,
    "ad_account": _draw_ad_account,
    "campaign": _draw_campaign,
    "ad_squad": _draw_ad_squad,
    "ad": _draw_ad,
    "creative": _draw_creative,
    "media": _draw_media,
    "segment": _draw_segment,
    "group": _draw_group,
    "sync": _draw_sync,
    "sync_accent": _draw_sync_accent,
    "cancel": _draw_cancel,
    "copy": _draw_copy,
    "search": _draw_search,
}


def large_icon(name: str, size: int = 48) -> QPixmap:
    """The same vector icon drawn large, for empty-state and error pages."""
    return _render(name, _current, size, scale=_screen_scale())


def icon_app() -> QIcon:
    """The window icon, in a few sizes."""
    result = QIcon()
    for scale in ICON_SCALES:
        for size in (16, 32, 64, 128):
            result.addPixmap(_render("app", _current, size, scale=scale))
    return result
