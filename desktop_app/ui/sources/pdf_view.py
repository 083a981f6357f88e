"""A QPdfView that highlights a passage and scrolls to it.

QPdfView's own highlighting goes through QPdfSearchModel, which crashes PySide6 6.12 (a refcount
error as soon as the model searches). So the passage is located in the page's text layer here,
QPdfDocument gives its rectangles (a scan's come from its OCR word boxes, scan_highlight.py),
and they are painted over the page. Painting needs the page's
place in the viewport, which QPdfView does not expose: `page_rect` repeats the layout of
QPdfViewPrivate::calculateDocumentLayout for the Custom zoom mode, the only mode used here (the
zoom fits the width on every resize, until a highlight is zoomed to be read or the user zooms).
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRect, QRectF, QSize, QSizeF
from PySide6.QtGui import QColor, QGuiApplication, QPainter, QPaintEvent, QResizeEvent
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import QWidget

HIGHLIGHT = QColor(255, 200, 0, 90)
# A highlighted line is zoomed to at least this height on screen, so that its words (a table's
# figures) can be read however narrow the pane is; never beyond MAX_ZOOM.
READABLE_LINE_PX = 15
MAX_ZOOM = 4.0


def readable_zoom(line_heights_px: list[float], zoom: float) -> float:
    """The zoom at which the highlighted lines (their heights on screen at `zoom`) are
    READABLE_LINE_PX high, the middle one counting; never below `zoom` nor above MAX_ZOOM."""
    heights = sorted(h for h in line_heights_px if h > 0)
    if not heights:
        return zoom
    line = heights[len(heights) // 2]
    return max(zoom, min(MAX_ZOOM, zoom * READABLE_LINE_PX / line))


class HighlightingPdfView(QPdfView):
    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setPageMode(QPdfView.PageMode.MultiPage)
        self.setZoomMode(QPdfView.ZoomMode.Custom)
        self.highlight_page = -1
        self.highlight_rects: list[QRectF] = []  # in page points
        self.follow_width = True  # resizing fits the width, until zoomed by hand or to read

    def highlight(self, page: int, start: int, length: int) -> bool:
        document = self.document()
        self.highlight_page, self.highlight_rects = page, []
        if document is not None and length > 0:
            selection = document.getSelectionAtIndex(page, start, length)
            if selection.isValid():
                self.highlight_rects = [p.boundingRect() for p in selection.bounds()]
        self.viewport().update()
        return bool(self.highlight_rects)

    def highlight_rects_on(self, page: int, rects: list[QRectF]) -> bool:
        """Paint `rects` (in page points) over `page`: a scan's OCR word boxes."""
        self.highlight_page, self.highlight_rects = page, rects
        self.viewport().update()
        return bool(rects)

    def clear_highlight(self) -> None:
        self.highlight_page, self.highlight_rects = -1, []
        self.viewport().update()

    def scroll_to_highlight(self) -> None:
        """Bring the highlight (or the top of its page) into view, a little below the top and
        right of the left edge."""
        if self.highlight_page < 0:
            return
        rect = self.page_rect(self.highlight_page)
        top, left = rect.top(), None
        if self.highlight_rects:
            scale = self._scale()
            top += round(min(r.top() for r in self.highlight_rects) * scale) - 40
            left = rect.left() + round(min(r.left() for r in self.highlight_rects) * scale) - 20
        bar = self.verticalScrollBar()
        bar.setValue(max(0, top + bar.value()))
        if left is not None:
            across = self.horizontalScrollBar()
            across.setValue(max(0, left + across.value()))

    def zoom_to_read(self) -> None:
        """Zoom in (never out) until the highlighted lines can be read."""
        scale = self._scale()
        wanted = readable_zoom(
            [r.height() * scale for r in self.highlight_rects], self.zoomFactor()
        )
        if wanted > self.zoomFactor() * 1.05:
            self.follow_width = False
            self.setZoomFactor(wanted)

    def zoom_by(self, factor: float) -> None:
        self.follow_width = False
        self.setZoomFactor(max(0.1, min(MAX_ZOOM, self.zoomFactor() * factor)))

    # -- layout (QPdfViewPrivate::calculateDocumentLayout, Custom zoom) ---------------------

    def _scale(self) -> float:
        return self._resolution() * self.zoomFactor()

    @staticmethod
    def _resolution() -> float:
        screen = QGuiApplication.primaryScreen()
        return (screen.logicalDotsPerInch() if screen else 72.0) / 72.0

    def page_rect(self, page: int) -> QRect:
        """Where `page` is in the viewport now."""
        document = self.document()
        if document is None or document.status() != QPdfDocument.Status.Ready:
            return QRect()
        scale, margins = self._scale(), self.documentMargins()
        sizes = [
            QSizeF(document.pagePointSize(p) * scale).toSize() for p in range(document.pageCount())
        ]
        total_width = max((s.width() for s in sizes), default=0) + margins.left() + margins.right()
        y = margins.top() + sum(s.height() + self.pageSpacing() for s in sizes[:page])
        size = sizes[page] if 0 <= page < len(sizes) else QSize()
        x = (max(total_width, self.viewport().width()) - size.width()) // 2
        return QRect(
            x - self.horizontalScrollBar().value(),
            y - self.verticalScrollBar().value(),
            size.width(),
            size.height(),
        )

    def fit_width(self) -> None:
        self.follow_width = True
        document = self.document()
        if document is None or document.status() != QPdfDocument.Status.Ready:
            return
        widest = max(
            (document.pagePointSize(p).width() for p in range(document.pageCount())), default=0
        )
        margins = self.documentMargins()
        available = self.viewport().width() - margins.left() - margins.right()
        if widest > 0 and available > 50:
            self.setZoomFactor(available / (widest * self._resolution()))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.follow_width:
            self.fit_width()

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self.highlight_page < 0 or not self.highlight_rects:
            return
        origin = QPointF(self.page_rect(self.highlight_page).topLeft())
        scale = self._scale()
        painter = QPainter(self.viewport())
        for rect in self.highlight_rects:
            painter.fillRect(
                QRectF(
                    origin.x() + rect.x() * scale,
                    origin.y() + rect.y() * scale,
                    rect.width() * scale,
                    rect.height() * scale,
                ),
                HIGHLIGHT,
            )
        painter.end()
