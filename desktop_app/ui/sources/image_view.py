"""An image document (a photographed or scanned page, a page of a TIFF) fitted to the width,
with the cited passage's OCR word boxes painted over it."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QImage, QImageReader, QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import QScrollArea, QWidget

from desktop_app.ui.sources.pdf_view import HIGHLIGHT, MAX_ZOOM, readable_zoom
from desktop_app.ui.sources.scan_highlight import Fraction


class _Canvas(QWidget):
    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.image = QImage()
        self.boxes: list[Fraction] = []

    def fit(self, width: int) -> None:
        if self.image.isNull() or width <= 0:
            self.resize(0, 0)
            return
        self.resize(width, round(self.image.height() * width / self.image.width()))

    def paintEvent(self, event: QPaintEvent) -> None:
        if self.image.isNull():
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawImage(self.rect(), self.image)
        w, h = self.width(), self.height()
        for left, top, right, bottom in self.boxes:
            painter.fillRect(
                QRectF(left * w, top * h, (right - left) * w, (bottom - top) * h), HIGHLIGHT
            )
        painter.end()


class HighlightingImageView(QScrollArea):
    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.canvas = _Canvas(self)
        self.setWidget(self.canvas)
        self.setWidgetResizable(False)
        self.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.zoom = 1.0  # the canvas's width over the viewport's (1: fit the width)

    def load(self, path: str, page: int) -> bool:
        """Show page `page` (1-based: a TIFF's pages) of the image file; False if unreadable."""
        reader = QImageReader(path)
        reader.setAutoTransform(True)
        if page > 1:
            reader.jumpToImage(page - 1)
        self.canvas.image = reader.read()
        self.canvas.boxes = []
        self.zoom = 1.0
        self._fit()
        return not self.canvas.image.isNull()

    def highlight(self, boxes: list[Fraction]) -> bool:
        """Paint the boxes, zoomed in until their lines can be read, and scroll to them."""
        self.canvas.boxes = boxes
        height = self.canvas.height()
        wanted = readable_zoom([(b[3] - b[1]) * height for b in boxes], self.zoom)
        if wanted > self.zoom:
            self.zoom = wanted
            self._fit()
        self.canvas.update()
        if boxes:
            top = min(b[1] for b in boxes) * self.canvas.height()
            left = min(b[0] for b in boxes) * self.canvas.width()
            self.verticalScrollBar().setValue(max(0, round(top) - 40))
            self.horizontalScrollBar().setValue(max(0, round(left) - 20))
        return bool(boxes)

    def zoom_by(self, factor: float) -> None:
        self.zoom = max(0.2, min(MAX_ZOOM, self.zoom * factor))
        self._fit()

    def fit_width(self) -> None:
        self.zoom = 1.0
        self._fit()

    def _fit(self) -> None:
        self.canvas.fit(round(self.viewport().width() * self.zoom))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()
