"""Image files (PNG, JPEG, TIFF): pages with no text layer, read by OCR in parsing."""

from __future__ import annotations

from desktop_app.core.records import PageText
from desktop_app.services.ingestion.extraction import Extracted, SkipFile


def extract_image(data: bytes) -> Extracted:
    from PIL import Image, UnidentifiedImageError

    from desktop_app.services.ingestion.extraction.page_images import ImageFilePages

    try:
        images, frames = ImageFilePages.open(data)
    except Image.DecompressionBombError as exc:
        raise SkipFile(f"image too large to read ({exc})") from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise SkipFile(f"damaged image ({exc})") from exc
    return Extracted(
        [PageText(n, "") for n in range(1, frames + 1)], images=images, page_count=frames
    )
