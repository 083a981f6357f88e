"""Quick reads on a thread of their own: a source's text, a scanned page as OCR read it, a copy
of a team library's document, what a dropped GGUF file is. Each takes milliseconds (a copy
maybe seconds); on the library's worker they waited behind whatever ran there, a whole
indexing run included. The library's stores take reads from any
thread (the catalog holds a lock per statement; the chat worker searches the same way)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal

from desktop_app.ui.errors import user_message
from desktop_app.ui.workers import EngineWorker

if TYPE_CHECKING:
    from desktop_app.application import Library


class SourceWorker(EngineWorker):
    text_ready = Signal(str, str, int, int)  # path, text, span start, span end
    # path, page, its OCR text and word boxes (PageText, None: not read by OCR), the passage
    scanned_page_ready = Signal(str, int, object, str)
    gguf_inspected = Signal(str, str, str)  # path, "model" | "adapter" | "", error
    # A document not on this computer: its path, a copy fetched from the team library ("" when
    # there is none), and where to open it: page, span start, span end, the passage.
    copy_ready = Signal(str, str, object, int, int, str)

    def __init__(self) -> None:
        super().__init__("librarian-sources")
        self.library: Library | None = None

    def attach(self, library: Library) -> None:
        """Called once the library is open; requests before then are answered with nothing."""
        self.library = library

    # -- requests (called on the GUI thread; the work runs on the worker's) -----------------

    def load_text(self, path: str, start: int, end: int) -> None:
        self.submit(lambda: self._text(path, start, end))

    def load_scanned_page(self, path: str, page: int, passage: str) -> None:
        self.submit(lambda: self._scanned_page(path, page, passage))

    def fetch_copy(self, path: str, page: int | None, start: int, end: int, text: str) -> None:
        """A copy of a document that is not on this computer, from the team library in use
        (seconds for a big file over a slow network: never on the GUI thread)."""
        self.submit(lambda: self._copy(path, page, start, end, text))

    def inspect_gguf(self, path: str) -> None:
        """Whether a dropped .gguf is a model or an adapter (gguf_inspected says)."""
        self.submit(lambda: self._inspect(path))

    def close(self) -> bool:
        """Stop before the library closes (its last reads finish first)."""
        return self.stop(self._detach)

    # -- jobs ------------------------------------------------------------------------------

    def _text(self, path: str, start: int, end: int) -> None:
        if self.library is not None:
            self.text_ready.emit(path, self.library.source_text(path), start, end)

    def _scanned_page(self, path: str, page: int, passage: str) -> None:
        if self.library is not None:
            scanned = self.library.scanned_page(path, page)
            self.scanned_page_ready.emit(path, page, scanned, passage)

    def _copy(self, path: str, page: int | None, start: int, end: int, text: str) -> None:
        if self.library is not None:
            copy = self.library.in_use.source_file(path)
            self.copy_ready.emit(path, copy or "", page, start, end, text)

    def _inspect(self, path: str) -> None:
        if self.library is None:
            return
        try:
            self.gguf_inspected.emit(path, self.library.models.gguf_kind(path), "")
        except Exception as exc:  # noqa: BLE001 - a damaged file is a message, not a crash
            self.gguf_inspected.emit(path, "", user_message(exc, "reading a GGUF file"))

    def _detach(self) -> None:
        self.library = None
