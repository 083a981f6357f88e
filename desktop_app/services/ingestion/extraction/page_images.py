"""Pages as pictures, for OCR: PDF pages rendered by PDFium (pypdfium2), and the frames of image
files (PNG, JPEG, TIFF with its pages) through Pillow.

PDFium is opened only when a page needs OCR, so text PDFs pay nothing for it."""

from __future__ import annotations

import io
import logging
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from PIL.Image import Image

log = logging.getLogger(__name__)

OCR_DPI = 300  # Tesseract's own advice; 200 reads as well on clean pages, worse on small print
_MAX_PIXELS = 40_000_000  # a poster-sized page is rendered smaller, not at 1 GB of pixels


class PageImages(Protocol):
    def image_share(self, number: int) -> float:
        """The share of page `number` (1-based) covered by pictures, 0..1."""
        ...

    def render(self, number: int) -> Image | None:
        """Page `number` as a picture to read, None if it cannot be drawn."""
        ...


class PdfPageImages:
    def __init__(self, data: bytes) -> None:
        self._data = data
        self._document: Any = None
        self._failed = False

    def _open(self) -> Any:
        if self._document is None and not self._failed:
            try:
                import pypdfium2

                self._document = pypdfium2.PdfDocument(self._data)
            except Exception as exc:  # noqa: BLE001 - pypdf read it; PDFium may not
                log.info("PDFium cannot open this PDF (%s): its pages are not OCRed", exc)
                self._failed = True
        return self._document

    def image_share(self, number: int) -> float:
        document = self._open()
        if document is None or not 0 < number <= len(document):
            return 0.0
        import pypdfium2.raw as pdfium_c

        try:
            page = document[number - 1]
            width, height = page.get_size()
            covered = 0.0
            for item in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=2):
                left, bottom, right, top = item.get_bounds()
                covered += max(0.0, min(right, width) - max(left, 0.0)) * max(
                    0.0, min(top, height) - max(bottom, 0.0)
                )
            return min(1.0, float(covered) / max(1.0, float(width * height)))
        except Exception as exc:  # noqa: BLE001 - a page PDFium cannot analyse is not a scan we know of
            log.debug("page %d: PDFium could not measure its pictures: %s", number, exc)
            return 0.0

    def render(self, number: int) -> Image | None:
        document = self._open()
        if document is None or not 0 < number <= len(document):
            return None
        try:
            page = document[number - 1]
            width, height = page.get_size()
            scale = OCR_DPI / 72
            pixels = width * height * scale * scale
            if pixels > _MAX_PIXELS:
                scale *= (_MAX_PIXELS / pixels) ** 0.5
            image: Image = page.render(scale=scale, grayscale=True).to_pil()
            return image
        except Exception as exc:  # noqa: BLE001 - one page that cannot be drawn is not fatal
            log.info("page %d cannot be rendered: %s", number, exc)
            return None


class ImageFilePages:
    """An image file's frames: one for PNG and JPEG, one per page for a multi-page TIFF."""

    def __init__(self, image: Any) -> None:
        self._image = image

    @staticmethod
    def open(data: bytes) -> tuple[ImageFilePages, int]:
        from PIL import Image as PilImage

        image = PilImage.open(io.BytesIO(data))
        image.load()
        return ImageFilePages(image), int(getattr(image, "n_frames", 1))

    def image_share(self, number: int) -> float:
        return 1.0

    def render(self, number: int) -> Image | None:
        from PIL import ImageOps

        try:
            self._image.seek(number - 1)
            # Upright as viewers show it (a phone photo's EXIF orientation), so that the word
            # boxes land where the viewer draws the words.
            frame: Image = ImageOps.exif_transpose(self._image.copy())
        except (EOFError, OSError, ValueError) as exc:
            log.info("frame %d of the image cannot be read: %s", number, exc)
            return None
        if frame.width * frame.height > _MAX_PIXELS:
            factor = (_MAX_PIXELS / (frame.width * frame.height)) ** 0.5
            frame = frame.resize((int(frame.width * factor), int(frame.height * factor)))
        return frame
