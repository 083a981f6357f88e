"""A QPdfView that highlights a passage and scrolls to it.

QPdfView's own highlighting goes through QPdfSearchModel, which crashes PySide6 6.12 (a refcount
error as soon as the model searches). So the passage is located in the page's text layer here,
QPdfDocument gives its rectangles, and they are painted over the page. Painting needs the page's
place in the viewport, which QPdfView does not expose: `page_rect` repeats the layout of
QPdfViewPrivate::calculateDocumentLayout for the Custom zoom mode, the only mode used here (the
zoom is set to fit the width on every resize)."""

from __future__ import annotations

import re

from PySide6.QtCore import QPointF, QRect, QRectF, QSize, QSizeF
from PySide6.QtGui import QColor, QGuiApplication, QPainter, QPaintEvent, QResizeEvent
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import QWidget

_WORD = re.compile(r"\w+", re.UNICODE)
HIGHLIGHT = QColor(255, 200, 0, 90)


def find_passage(page_text: str, passage: str) -> tuple[int, int] | None:
    """(start, end) of `passage` in the PDF's own text of the page. The two differ in line
    breaks, hyphenation and spacing, so words are matched with anything between them: first
    a run of words at the passage's start, then one at its end."""
    words = _WORD.findall(passage)
    if not words:
        return None

    def locate(run: list[str], after: int = 0) -> re.Match[str] | None:
        pattern = r"\W+(?:\w+-\W*)?".join(re.escape(w) for w in run)
        return re.compile(pattern, re.IGNORECASE).search(page_text, after)

    start = None
    for size in (10, 6, 4, 2):
        for offset in range(0, max(1, min(len(words) - size + 1, 3 * size)), size):
            found = locate(words[offset : offset + size])
            if found is not None:
                start = found
                break
        if start is not None:
            break
    if start is None:
        return None
    for size in (6, 4, 2):
        end = locate(words[-size:], start.start()) if len(words) >= size else None
        if end is not None and end.end() - start.start() < 4 * len(passage) + 200:
            return start.start(), end.end()
    return start.start(), start.end()


class HighlightingPdfView(QPdfView):
    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setPageMode(QPdfView.PageMode.MultiPage)
        self.setZoomMode(QPdfView.ZoomMode.Custom)
        self.highlight_page = -1
        self.highlight_rects: list[QRectF] = []  # in page points

    def highlight(self, page: int, start: int, length: int) -> bool:
        document = self.document()
        self.highlight_page, self.highlight_rects = page, []
        if document is not None and length > 0:
            selection = document.getSelectionAtIndex(page, start, length)
            if selection.isValid():
                self.highlight_rects = [p.boundingRect() for p in selection.bounds()]
        self.viewport().update()
        return bool(self.highlight_rects)

    def clear_highlight(self) -> None:
        self.highlight_page, self.highlight_rects = -1, []
        self.viewport().update()

    def scroll_to_highlight(self) -> None:
        """Bring the highlight (or the top of its page) into view, a little below the top."""
        if self.highlight_page < 0:
            return
        rect = self.page_rect(self.highlight_page)
        top = rect.top()
        if self.highlight_rects:
            scale = self._scale()
            top += round(min(r.top() for r in self.highlight_rects) * scale) - 40
        bar = self.verticalScrollBar()
        bar.setValue(max(0, top + bar.value()))

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
