"""Where a citation leads: the PDF at the cited page with the passage highlighted (QtPdf), or a
text document scrolled to the passage; "Open in default app" beside it."""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6 import QtCore
from PySide6.QtCore import QPointF, QRectF, QTimer, QUrl
from PySide6.QtGui import QColor, QDesktopServices, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QTextBrowser,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from desktop_app.ui.formatting import source_label

if TYPE_CHECKING:
    from PySide6.QtPdf import QPdfDocument

    from desktop_app.core.records import PageText
    from desktop_app.ui.sources.image_view import HighlightingImageView
    from desktop_app.ui.sources.pdf_view import HighlightingPdfView


class SourceViewer(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path: str | None = None
        self.page: int | None = None  # 1-based, as cited
        self.highlighted = False  # the passage was found and highlighted on that page
        self._loaded_pdf = ""
        self.title = QLabel("Click a citation [n] to see its source here.")
        self.title.setWordWrap(True)
        self.open_button = QPushButton("Open in default app")
        self.open_button.setEnabled(False)
        self.open_button.clicked.connect(self.open_externally)
        # Zoom for the page views (a cited line is zoomed to be read; these undo or go on).
        self.zoom_out_button = QPushButton("−")
        self.zoom_out_button.setToolTip("Zoom out")
        self.zoom_in_button = QPushButton("+")
        self.zoom_in_button.setToolTip("Zoom in")
        self.fit_button = QPushButton("Fit width")
        self.zoom_out_button.clicked.connect(lambda: self._zoom(1 / 1.25))
        self.zoom_in_button.clicked.connect(lambda: self._zoom(1.25))
        self.fit_button.clicked.connect(self._fit_width)
        header = QHBoxLayout()
        header.addWidget(self.title, 1)
        for button in (self.zoom_out_button, self.zoom_in_button, self.fit_button):
            button.setVisible(False)
            if button is not self.fit_button:  # one character: no wider than it needs
                button.setFixedWidth(button.fontMetrics().height() * 2)
            header.addWidget(button)
        header.addWidget(self.open_button)

        self._pdf: tuple[QPdfDocument, HighlightingPdfView] | None = None  # built when needed
        self._image_view: HighlightingImageView | None = None
        self.text_view = QTextBrowser(self)
        self.pages = QStackedWidget(self)
        self.pages.addWidget(self.text_view)
        self.pages.currentChanged.connect(self._show_zoom)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(header)
        layout.addWidget(self.pages, 1)

    # -- PDFs ------------------------------------------------------------------------------

    @property
    def pdf_document(self) -> QPdfDocument:
        return self._pdf_parts()[0]

    @property
    def pdf_view(self) -> HighlightingPdfView:
        return self._pdf_parts()[1]

    def _pdf_parts(self) -> tuple[QPdfDocument, HighlightingPdfView]:
        """QtPdf is loaded with the first PDF shown, not at start-up."""
        if self._pdf is None:
            from PySide6.QtPdf import QPdfDocument

            from desktop_app.ui.sources.pdf_view import HighlightingPdfView

            document = QPdfDocument(self)
            view = HighlightingPdfView(self)
            view.setDocument(document)
            self.pages.addWidget(view)
            self._pdf = (document, view)
        return self._pdf

    def show_pdf(self, path: str, page: int, passage: str) -> None:
        from PySide6.QtPdf import QPdfDocument

        from desktop_app.core.passage_location import find_passage
        from desktop_app.core.text_quality import repair_mojibake

        self._begin(path, page)
        if self._loaded_pdf != path:
            self.pdf_view.clear_highlight()
            if self.pdf_document.load(path) != QPdfDocument.Error.None_:
                self.title.setText(
                    f"{html.escape(Path(path).name)} cannot be shown: the PDF did not open."
                )
                self._loaded_pdf = ""
                return
            self._loaded_pdf = path
        self.pages.setCurrentWidget(self.pdf_view)
        self.pdf_view.fit_width()
        index = max(0, min(page - 1, self.pdf_document.pageCount() - 1))
        page_text = self.pdf_document.getAllText(index).text()
        # A text layer in the wrong encoding was indexed repaired; the repair keeps offsets.
        page_text = repair_mojibake(page_text) or page_text
        span = find_passage(page_text, passage)
        if span is not None:
            self.highlighted = self.pdf_view.highlight(index, span[0], span[1] - span[0])
        else:
            self.pdf_view.highlight(index, 0, 0)
        self.pdf_view.pageNavigator().jump(index, QPointF(0, 0), 0)
        self.pdf_view.zoom_to_read()
        # The view lays the pages out when it is shown and sized: scroll once that happened.
        QTimer.singleShot(0, self.pdf_view.scroll_to_highlight)
        self.pdf_view.scroll_to_highlight()

    def show_scanned(self, path: str, page: int, scanned: PageText | None, passage: str) -> None:
        """The OCR text and word boxes of a cited page arrived (library worker): highlight the
        passage on the scan. A PDF is already shown at the page (show_pdf, which found no text
        layer there); an image file is shown now."""
        from desktop_app.core.file_selection import file_format
        from desktop_app.ui.sources.scan_highlight import passage_boxes

        boxes = passage_boxes(scanned, passage) if scanned is not None else []
        if file_format(Path(path)) == "image":
            self._show_image(path, page, boxes)
            return
        if path != self.path or page != self.page or path != self._loaded_pdf or not boxes:
            return  # another citation was clicked meanwhile, or nothing to paint
        index = max(0, min(page - 1, self.pdf_document.pageCount() - 1))
        size = self.pdf_document.pagePointSize(index)
        w, h = size.width(), size.height()
        rects = [QRectF(x0 * w, y0 * h, (x1 - x0) * w, (y1 - y0) * h) for x0, y0, x1, y1 in boxes]
        self.highlighted = self.pdf_view.highlight_rects_on(index, rects)
        self.pdf_view.zoom_to_read()
        self.pdf_view.scroll_to_highlight()

    def _show_image(
        self, path: str, page: int, boxes: list[tuple[float, float, float, float]]
    ) -> None:
        if self._image_view is None:
            from desktop_app.ui.sources.image_view import HighlightingImageView

            self._image_view = HighlightingImageView(self)
            self.pages.addWidget(self._image_view)
        self._begin(path, page)
        self.pages.setCurrentWidget(self._image_view)
        if not self._image_view.load(path, page):
            self.title.setText(f"{html.escape(Path(path).name)} cannot be shown.")
            return
        self.highlighted = self._image_view.highlight(boxes)

    @property
    def image_view(self) -> HighlightingImageView | None:
        return self._image_view

    def current_pdf_page(self) -> int:
        """0-based page the PDF view shows now."""
        return self.pdf_view.pageNavigator().currentPage()

    # -- text formats ----------------------------------------------------------------------

    def show_text(self, path: str, text: str, start: int, end: int) -> None:
        self._begin(path, None)
        self.pages.setCurrentWidget(self.text_view)
        self.text_view.setPlainText(text)
        cursor = QTextCursor(self.text_view.document())
        cursor.setPosition(max(0, min(start, len(text))))
        cursor.setPosition(max(0, min(end, len(text))), QTextCursor.MoveMode.KeepAnchor)
        mark = QTextEdit.ExtraSelection()
        mark.cursor = cursor  # type: ignore[attr-defined]
        highlight = QTextCharFormat()
        highlight.setBackground(QColor(255, 221, 87, 160))
        mark.format = highlight  # type: ignore[attr-defined]
        self.text_view.setExtraSelections([mark])
        self.highlighted = end > start
        # Scroll so that the passage's start is in view, then its end if it fits.
        end_cursor = QTextCursor(cursor)
        end_cursor.setPosition(cursor.selectionEnd())
        self.text_view.setTextCursor(end_cursor)
        start_cursor = QTextCursor(cursor)
        start_cursor.setPosition(cursor.selectionStart())
        self.text_view.setTextCursor(start_cursor)
        self.text_view.ensureCursorVisible()

    # -- zoom ------------------------------------------------------------------------------

    def _page_view(self) -> HighlightingPdfView | HighlightingImageView | None:
        current = self.pages.currentWidget()
        if self._pdf is not None and current is self._pdf[1]:
            return self._pdf[1]
        if current is self._image_view:
            return self._image_view
        return None

    def _zoom(self, factor: float) -> None:
        view = self._page_view()
        if view is not None:
            view.zoom_by(factor)

    def _fit_width(self) -> None:
        view = self._page_view()
        if view is not None:
            view.fit_width()

    def _show_zoom(self) -> None:
        paged = self._page_view() is not None
        for button in (self.zoom_out_button, self.zoom_in_button, self.fit_button):
            button.setVisible(paged)

    def show_message(self, path: str, message: str) -> None:
        self._begin(path, None)
        self.title.setText(message)

    def _begin(self, path: str, page: int | None) -> None:
        self.path, self.page, self.highlighted = path, page, False
        self.title.setText(f"<b>{html.escape(source_label(path, page))}</b>")
        self.title.setToolTip(path)
        self.title.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.open_button.setEnabled(True)

    def open_externally(self) -> None:
        if self.path:
            QDesktopServices.openUrl(QUrl.fromLocalFile(self.path))
