"""Scans made from PDFs with a good text layer: their pages rendered to pictures (slightly
blurred and turned, as a scanner or a phone leaves them) and saved as an image-only PDF, a PNG
or a multi-page TIFF. What is on them is known from the source's text layer."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL.Image import Image


def page_pictures(
    source: Path, pages: list[int], dpi: int = 200, turn: float = 0.8, blur: float = 0.6
) -> list[Image]:
    import pypdfium2
    from PIL import ImageFilter

    document = pypdfium2.PdfDocument(source)
    pictures = []
    for number in pages:
        image = document[number - 1].render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
        if blur:
            image = image.filter(ImageFilter.GaussianBlur(blur))
        if turn:
            image = image.rotate(turn, expand=True, fillcolor=255)
        pictures.append(image)
    document.close()
    return pictures


def image_only_pdf(source: Path, pages: list[int], target: Path, dpi: int = 200) -> Path:
    pictures = page_pictures(source, pages, dpi)
    pictures[0].save(target, "PDF", resolution=dpi, save_all=True, append_images=pictures[1:])
    return target


def picture_file(source: Path, pages: list[int], target: Path, dpi: int = 200) -> Path:
    """A PNG or JPEG of one page, or a TIFF of several, by `target`'s suffix."""
    pictures = page_pictures(source, pages, dpi)
    if target.suffix.lower() in (".tif", ".tiff"):
        pictures[0].save(target, save_all=True, append_images=pictures[1:], dpi=(dpi, dpi))
    else:
        pictures[0].save(target, dpi=(dpi, dpi))
    return target
