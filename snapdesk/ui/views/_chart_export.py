"""Chart images people can send: the chart card (legend, plot, footnote) under a title block
that names the entity, the metrics, the date range, the time zone and the currency.

PNG is painted at 2× device pixels (a 697×338 card with its margin and title becomes
1450×860 pixels, crisp on a retina screen and in a slide); SVG keeps lines as paths and text as text (the legend's labels
and the title are searchable in the file). The widget is rendered, not grabbed from the screen,
so the export is as sharp as its vector drawing allows. Files are written atomically
(`snapdesk.core.outputs`): no half-written image if the disk fills up.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter, QRegion
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QApplication, QWidget

from snapdesk.core.outputs import AtomicFiles
from snapdesk.ui import theme

SCALE: Final = 2.0  # device pixels per logical pixel of a PNG export
PAD: Final = 14  # logical pixels around the title block
GAP: Final = 4  # between the title and its subtitle


@dataclass(frozen=True)
class ChartTitle:
    """`title`: what is charted ("Campaign · Spring Sale"); `subtitle`: the metrics, the date
    range, the time zone and the currency."""

    title: str
    subtitle: str

    @property
    def text(self) -> str:
        return f"{self.title}\n{self.subtitle}"


def _fonts() -> tuple[QFont, QFont]:
    base = QFont(QApplication.font())
    title = QFont(base)
    title.setPointSizeF(base.pointSizeF() * 1.3)
    title.setWeight(QFont.Weight.DemiBold)
    return title, base


def _text_rects(title: ChartTitle, width: int) -> tuple[QRect, QRect]:
    title_font, sub_font = _fonts()
    inner = max(40, width - 2 * PAD)
    flags = int(Qt.TextFlag.TextWordWrap)
    top = QFontMetrics(title_font).boundingRect(QRect(0, 0, inner, 10_000), flags, title.title)
    sub = QFontMetrics(sub_font).boundingRect(QRect(0, 0, inner, 10_000), flags, title.subtitle)
    first = QRect(PAD, PAD, inner, top.height())
    second = QRect(PAD, PAD + top.height() + GAP, inner, sub.height())
    return first, second


def title_height(title: ChartTitle, width: int) -> int:
    """The block's height in logical pixels for a chart `width` pixels wide."""
    _, second = _text_rects(title, width)
    return second.bottom() + 1 + PAD // 2


def paint_title(painter: QPainter, title: ChartTitle, width: int) -> None:
    """The title block at the painter's origin (the background is the caller's)."""
    c = theme.colors()
    title_font, sub_font = _fonts()
    first, second = _text_rects(title, width)
    flags = int(Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignLeft)
    painter.setFont(title_font)
    painter.setPen(QColor(c.text))
    painter.drawText(first, flags, title.title)
    painter.setFont(sub_font)
    painter.setPen(QColor(c.muted))
    painter.drawText(second, flags, title.subtitle)


def export_size(widget: QWidget, title: ChartTitle) -> QSize:
    """The image's logical size: the card with a margin of `PAD` around it, under the title."""
    width = widget.width() + 2 * PAD
    return QSize(width, title_height(title, width) + widget.height() + PAD)


def _paint(painter: QPainter, widget: QWidget, title: ChartTitle) -> None:
    size = export_size(widget, title)
    top = title_height(title, size.width())
    painter.fillRect(QRect(QPoint(0, 0), size), QColor(theme.colors().base))
    paint_title(painter, title, size.width())
    widget.render(
        painter,
        QPoint(PAD, top),
        QRegion(),
        QWidget.RenderFlag.DrawWindowBackground | QWidget.RenderFlag.DrawChildren,
    )


def title_image(title: ChartTitle, width: int, *, scale: float = SCALE) -> QImage:
    """The title block alone, exactly as `render_png` paints it in an image `width` wide."""
    height = title_height(title, width)
    image = QImage(
        QSize(round(width * scale), round(height * scale)),
        QImage.Format.Format_ARGB32_Premultiplied,
    )
    image.setDevicePixelRatio(scale)
    image.fill(QColor(theme.colors().base))
    painter = QPainter(image)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        paint_title(painter, title, width)
    finally:
        painter.end()
    return image


def render_png(widget: QWidget, title: ChartTitle, *, scale: float = SCALE) -> QImage:
    """`widget` under the title block, at `scale` device pixels per logical pixel."""
    logical = export_size(widget, title)
    size = QSize(round(logical.width() * scale), round(logical.height() * scale))
    image = QImage(size, QImage.Format.Format_ARGB32_Premultiplied)
    image.setDevicePixelRatio(scale)
    image.fill(QColor(theme.colors().base))
    painter = QPainter(image)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        _paint(painter, widget, title)
    finally:
        painter.end()
    return image


def render_svg(widget: QWidget, title: ChartTitle) -> bytes:
    """`widget` under the title block as an SVG document (UTF-8)."""
    size = export_size(widget, title)
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    generator = QSvgGenerator()
    generator.setOutputDevice(buffer)
    generator.setSize(size)
    generator.setViewBox(QRect(QPoint(0, 0), size))
    generator.setResolution(widget.logicalDpiX())  # point sizes as on screen
    generator.setTitle(title.title)
    generator.setDescription(title.subtitle)
    painter = QPainter()
    if not painter.begin(generator):
        raise OSError("can't draw the chart as SVG")
    try:
        _paint(painter, widget, title)
    finally:
        painter.end()
        buffer.close()
    return bytes(data.data())


def png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    try:
        if not image.save(buffer, "PNG"):  # type: ignore[call-overload]  # str at runtime
            raise OSError("can't encode the chart as PNG")
    finally:
        buffer.close()
    return bytes(data.data())


def write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write `data` to `path` atomically (a hidden temporary file renamed into place)."""
    with AtomicFiles() as files:
        files.open(path, private=False, shown=os.fspath(path)).write(data)
        files.commit()
    return Path(path)
