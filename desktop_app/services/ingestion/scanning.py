"""Which pages are read by OCR, and reading them.

A page is read by OCR when its text layer is garbled beyond repair, or when it is mostly picture
and has (almost) no text: a scan, with maybe a stamp or a page number in its text layer. A page
with a good text layer is never read by OCR, and a blank page without pictures costs nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from desktop_app.core.records import PageText
from desktop_app.core.text_quality import MIN_LETTERS_PER_TEXT_PAGE
from desktop_app.services.ingestion.extraction.page_images import PageImages
from desktop_app.services.ocr import OcrEngine
from desktop_app.services.ocr.engine import INSTALL_HINT, OcrUnavailable

log = logging.getLogger(__name__)

# A page covered by pictures for at least this share, with fewer letters than _FEW_LETTERS,
# is a scan (its few letters are a stamp, a header or an invisible partial text layer).
_SCAN_IMAGE_SHARE = 0.5
_FEW_LETTERS = 400
# Fewer letters than a text page has, and some picture: a photographed or scanned page.
_SOME_IMAGE_SHARE = 0.05


class OcrSource:
    """The parser's OCR engine, loaded when the first page needs it; one per process."""

    def __init__(self, enabled: bool, languages: tuple[str, ...]) -> None:
        self.enabled = enabled
        self.languages = languages
        self._engine: OcrEngine | None = None
        self.problem = "" if enabled else "OCR is off in Settings"

    def engine(self) -> OcrEngine | None:
        if self._engine is None and not self.problem:
            try:
                self._engine = OcrEngine(self.languages)
            except OcrUnavailable as exc:
                log.warning("OCR is not available: %s", exc)
                self.problem = str(exc)
        return self._engine


class PageScanner:
    """Reads the pages of one file that need OCR; `announce` is told before each."""

    def __init__(self, images: PageImages, ocr: OcrSource, announce: Callable[[int], None]) -> None:
        self.images = images
        self.ocr = ocr
        self.announce = announce
        self.pages_read = 0
        self.pages_unread = 0  # needed OCR, but it is off or missing

    def wants(self, number: int, letters: int, garbled: bool) -> bool:
        """Whether page `number` is to be read by OCR: `garbled` when its text layer is garbled
        in a way OCR fixes (text_quality.FIXED_BY_OCR), else by its letters and pictures."""
        need = garbled or (letters < _FEW_LETTERS and self._looks_scanned(number, letters))
        if need and self.ocr.engine() is None:
            self.pages_unread += 1
            return False
        return need

    def _looks_scanned(self, number: int, letters: int) -> bool:
        share = self.images.image_share(number)
        return share >= _SCAN_IMAGE_SHARE or (
            letters < MIN_LETTERS_PER_TEXT_PAGE and share >= _SOME_IMAGE_SHARE
        )

    def read(self, number: int) -> PageText | None:
        engine = self.ocr.engine()
        if engine is None:
            return None
        self.announce(number)
        image = self.images.render(number)
        if image is None:
            return None
        try:
            page = engine.read(image, number)
        except Exception:  # one picture OCR chokes on must not cost the file
            log.exception("OCR of page %d failed", number)
            return None
        self.pages_read += 1
        return page

    def missing_reason(self) -> str:
        """Why pages that needed OCR were not read ("" when they were)."""
        if not self.pages_unread:
            return ""
        if self.ocr.enabled:
            return f"scanned: {INSTALL_HINT}"
        return self.ocr.problem
