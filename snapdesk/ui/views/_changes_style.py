"""Styles of the editing widgets (editors, pending changes, posting dialogs, live banner).

Kept next to the widgets that use them and applied to each top-level editing widget, so the
application stylesheet in `theme` stays about browsing."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from snapdesk.ui import theme


def _mix(color: str, base: str, amount: float) -> str:
    a, b = color.lstrip("#"), base.lstrip("#")
    r, g, bl = (
        round(int(a[i : i + 2], 16) * amount + int(b[i : i + 2], 16) * (1 - amount))
        for i in (0, 2, 4)
    )
    return f"#{r:02x}{g:02x}{bl:02x}"


def stylesheet() -> str:
    c = theme.colors()
    mono = '"DejaVu Sans Mono", "Menlo", "Consolas", monospace'
    return f"""
QLabel#fieldError {{ color: {c.danger}; font-size: 9pt; }}
QLabel#fieldWarning {{ color: {c.warning}; font-size: 9pt; }}
QLabel#fieldHint {{ color: {c.muted}; font-size: 9pt; }}
QLabel#counter {{ color: {c.muted}; font-size: 9pt; font-family: {mono}; }}
QLabel#counterOver {{ color: {c.danger}; font-size: 9pt; font-weight: 700; font-family: {mono}; }}
QLabel#suffix {{ color: {c.muted}; font-family: {mono}; }}
QLabel#editorTitle {{ font-size: 15pt; font-weight: 600; }}
QLabel#editorKind {{ color: {c.muted}; font-weight: 600; letter-spacing: 1px; }}
QLabel#sectionTitle {{ font-weight: 600; color: {c.text}; }}
QLabel#formLabel {{ color: {c.muted}; }}
QFrame#card {{ background: {c.base}; border: 1px solid {c.border}; border-radius: 8px; }}
QScrollArea#editorScroll, QWidget#editorBody {{ background: transparent; border: none; }}
QFrame#editorFooter {{ background: {c.base}; border-top: 1px solid {c.border}; }}
QFrame#issuesBox {{
    background: {_mix(c.danger, c.base, 0.08)}; border: 1px solid {_mix(c.danger, c.base, 0.40)};
    border-radius: 8px;
}}
QFrame#noticeBox {{
    background: {_mix(c.warning, c.base, 0.10)};
    border: 1px solid {_mix(c.warning, c.base, 0.45)}; border-radius: 8px;
}}
QFrame#infoBox {{
    background: {_mix(c.accent, c.base, 0.07)}; border: 1px solid {_mix(c.accent, c.base, 0.30)};
    border-radius: 8px;
}}
QFrame#dropZone {{
    background: {c.alt_base}; border: 2px dashed {c.border}; border-radius: 10px;
}}
QFrame#dropZone[hover="true"] {{ border-color: {c.accent}; background: {_mix(c.accent, c.base, 0.07)}; }}
QPushButton#primaryButton {{
    background: {c.accent}; color: {c.accent_text}; border: 1px solid {c.accent};
    font-weight: 600; border-radius: 6px; padding: 5px 16px;
}}
QPushButton#primaryButton:disabled {{ background: {c.chip_bg}; color: {c.muted}; border-color: {c.border}; }}
QPushButton#dangerButton {{
    background: {c.danger}; color: #ffffff; border: 1px solid {c.danger};
    font-weight: 600; border-radius: 6px; padding: 5px 16px;
}}
QLabel#stateChip {{ border-radius: 8px; padding: 1px 8px; font-weight: 600; font-size: 9pt; }}
QPlainTextEdit#requestPreview {{
    font-family: {mono}; font-size: 9pt; background: {c.alt_base};
    border: 1px solid {c.border}; border-radius: 6px;
}}
QLabel#code {{
    font-family: {mono}; background: {c.chip_bg}; border-radius: 4px; padding: 2px 6px;
}}
QLabel#dialogTitle {{ font-size: 13pt; font-weight: 600; }}
QLabel#muted {{ color: {c.muted}; }}
QTableWidget, QTableView, QTreeWidget, QTreeView#changesTree {{
    background: {c.base}; border: 1px solid {c.border}; border-radius: 6px;
    gridline-color: {c.border};
}}
"""


# Colours of a change's state chip: (background, text).
def state_colors(state: str) -> tuple[str, str]:
    c = theme.colors()
    tone = {
        "pending": c.accent,
        "sending": c.warning,
        "posted": c.success,
        "failed": c.danger,
        "conflict": "#9333ea",
        "reverted": c.muted,
        "dry-run": c.accent,
        "skipped": c.muted,
        "blocked": c.danger,
    }.get(state, c.muted)
    return _mix(tone, c.base, 0.16), tone


def apply(widget: QWidget) -> None:
    """The changes look on `widget`, kept in step with the theme."""
    theme.follow(widget, lambda _c: stylesheet())
