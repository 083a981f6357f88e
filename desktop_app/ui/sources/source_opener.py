"""Opening a source where a citation, a quote, a retrieved passage or the library's list points:
the viewer tab brought forward, a PDF shown at its page with the passage highlighted, a scan's
OCR words or a text file's lines read on the source worker (never on the GUI thread)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QTabWidget

from desktop_app.core.file_selection import file_format
from desktop_app.ui.sources.source_viewer import SourceViewer
from desktop_app.ui.sources.source_worker import SourceWorker


class SourceOpener(QObject):
    """A QObject of the GUI thread: what the source worker sends it is queued to that thread."""

    def __init__(self, viewer: SourceViewer, tabs: QTabWidget, worker: SourceWorker) -> None:
        super().__init__(viewer)
        self.viewer = viewer
        self._tabs = tabs
        self._worker = worker
        worker.copy_ready.connect(self.open_copy)

    def open(self, path: str, page: int | None, start: int, end: int, text: str) -> None:
        """`path` at `page` (PDFs, scans) or at characters start-end (text), with `text`
        highlighted where it is found."""
        self._tabs.setCurrentWidget(self.viewer)
        if not Path(path).is_file():  # a team library's document may be fetched from its server
            self.viewer.show_message(path, f"Opening {Path(path).name}…")
            self._worker.fetch_copy(path, page, start, end, text)
            return
        fmt = file_format(Path(path))
        if fmt == "pdf":
            self.viewer.show_pdf(path, page or 1, text)
            if not self.viewer.highlighted:  # no text layer there: a scan read by OCR?
                self._worker.load_scanned_page(path, page or 1, text)
        elif fmt == "image":
            self._worker.load_scanned_page(path, page or 1, text)
        elif fmt is not None:
            self._worker.load_text(path, start, end)
        else:
            self.viewer.show_message(path, f"{Path(path).name} has no preview.")

    def open_copy(
        self, path: str, copy: str, page: int | None, start: int, end: int, text: str
    ) -> None:
        """Where fetch_copy led: the copy, at the same place; or why there is none."""
        if copy and self.viewer.path == path:  # not when another source was opened meanwhile
            self.open(copy, page, start, end, text)
        elif not copy and self.viewer.path == path:
            self.viewer.show_message(path, f"{Path(path).name} is no longer on disk.")

    def open_file(self, path: str) -> None:
        """A file as a whole: its first page."""
        self.open(path, 1, 0, 0, "")

    @staticmethod
    def reveal(path: str) -> None:
        """The folder holding `path`, in the system's file manager."""
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(path).parent)))
