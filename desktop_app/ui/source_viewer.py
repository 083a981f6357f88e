"""Where a citation leads: the PDF at the cited page with the passage highlighted (QtPdf), or a
text document scrolled to the passage; "Open in default app" beside it."""

from __future__ import annotations

import html
import re
from pathlib import Path

from PySide6.QtCore import QPointF, Qt, QUrl
from PySide6.QtGui import QColor, QDesktopServices, QTextCharFormat, QTextCursor
from PySide6.QtPdf import QPdfDocument, QPdfSearchModel
from PySide6.QtPdfWidgets import QPdfView
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

_WORD = re.compile(r"\w[\w'’-]*", re.UNICODE)


def search_phrases(passage: str) -> list[str]:
    """Phrases to find the passage in the PDF's own text layer, most specific first. PDF text
    differs from the indexed text in hyphenation, ligatures and line breaks, so short runs of
    words from the passage's start are tried in turn."""
    words = _WORD.findall(passage)
    phrases: list[str] = []
    for size in (8, 5, 3):
        for start in (0, size, 2 * size):
            run = words[start : start + size]
            if len(run) == size:
                phrases.append(" ".join(run))
    return list(dict.fromkeys(phrases))


class SourceViewer(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path: str | None = None
        self.page: int | None = None  # 1-based, as cited
        self.highlighted = False  # the passage was found and highlighted on that page
        self.title = QLabel("Click a citation [n] to see its source here.")
        self.title.setWordWrap(True)
        self.open_button = QPushButton("Open in default app")
        self.open_button.setEnabled(False)
        self.open_button.clicked.connect(self.open_externally)
        header = QHBoxLayout()
        header.addWidget(self.title, 1)
        header.addWidget(self.open_button)

        self.pdf_document = QPdfDocument(self)
        self.pdf_view = QPdfView(self)
        self.pdf_view.setDocument(self.pdf_document)
        self.pdf_view.setPageMode(QPdfView.PageMode.MultiPage)
        self.pdf_view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.search = QPdfSearchModel(self)
        self.search.setDocument(self.pdf_document)
        self.pdf_view.setSearchModel(self.search)
        self.text_view = QTextBrowser(self)
        self.pages = QStackedWidget(self)
        self.pages.addWidget(self.pdf_view)
        self.pages.addWidget(self.text_view)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(header)
        layout.addWidget(self.pages, 1)

    # -- PDFs ------------------------------------------------------------------------------

    def show_pdf(self, path: str, page: int, passage: str) -> None:
        self._begin(path, page)
        if self.pdf_document.load(path) != QPdfDocument.Error.None_:
            self.title.setText(f"{Path(path).name} cannot be shown: the PDF did not open.")
            return
        self.pages.setCurrentWidget(self.pdf_view)
        index = max(0, min(page - 1, self.pdf_document.pageCount() - 1))
        self.highlighted = self._highlight(index, passage)
        self.pdf_view.pageNavigator().jump(index, QPointF(0, 0), 0)

    def current_pdf_page(self) -> int:
        """0-based page the PDF view shows now."""
        return self.pdf_view.pageNavigator().currentPage()

    def _highlight(self, page_index: int, passage: str) -> bool:
        for phrase in search_phrases(passage):
            self.search.setSearchString(phrase)
            # resultsOnPage searches that page at once (the model fills the rest lazily)
            if not self.search.resultsOnPage(page_index):
                continue
            for row in range(self.search.rowCount()):
                if self.search.resultAtIndex(row).page() == page_index:
                    self.pdf_view.setCurrentSearchResultIndex(row)
                    return True
        self.search.setSearchString("")
        return False

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

    def show_message(self, path: str, message: str) -> None:
        self._begin(path, None)
        self.title.setText(message)

    def _begin(self, path: str, page: int | None) -> None:
        self.path, self.page, self.highlighted = path, page, False
        self.title.setText(f"<b>{html.escape(source_label(path, page))}</b>")
        self.title.setToolTip(path)
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.open_button.setEnabled(True)

    def open_externally(self) -> None:
        if self.path:
            QDesktopServices.openUrl(QUrl.fromLocalFile(self.path))
