"""Text extraction, one module per format. Each returns pages of raw text or raises SkipFile."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from desktop_app.core.errors import LibrarianError
from desktop_app.core.file_selection import file_format
from desktop_app.core.records import PageText

if TYPE_CHECKING:
    from desktop_app.services.ingestion.extraction.page_images import PageImages


class SkipFile(LibrarianError):
    """The file cannot be indexed, for the reason given (shown to the user as it is)."""


@dataclass(slots=True)
class Extracted:
    # Lazy for PDFs: pages are read as they are consumed, and `notes` grows meanwhile.
    pages: Iterable[PageText]
    title: str = ""
    notes: list[str] = field(default_factory=list)
    # Pictures of the pages, for OCR of pages without usable text (PDFs and image files).
    images: PageImages | None = None
    page_count: int = 0  # known before reading for PDFs and images, else 0


def extract(data: bytes, fmt: str, name: str) -> Extracted:
    """Dispatch to the extractor of `fmt` (a value of core.file_selection.SUPPORTED_SUFFIXES)."""
    if fmt == "pdf":
        from desktop_app.services.ingestion.extraction.pdf import extract_pdf

        return extract_pdf(data)
    if fmt == "image":
        from desktop_app.services.ingestion.extraction.image import extract_image

        return extract_image(data)
    if fmt in ("text", "markdown"):
        from desktop_app.services.ingestion.extraction.plain import extract_plain

        return extract_plain(data, markdown=fmt == "markdown")
    if fmt == "html":
        from desktop_app.services.ingestion.extraction.html import extract_html

        return extract_html(data)
    if fmt == "docx":
        from desktop_app.services.ingestion.extraction.docx import extract_docx

        return extract_docx(data)
    raise SkipFile(f"unsupported format of {name}")


def document_text(file: Path) -> str:
    """The whole text of a document without pages (text, Markdown, HTML, Word) as extracted,
    before normalization: what a viewer shows (ValueError for PDFs and images)."""
    fmt = file_format(file)
    if fmt is None or fmt in ("pdf", "image"):
        raise ValueError(f"{file.name} has no plain-text view")
    pages = list(extract(file.read_bytes(), fmt, file.name).pages)
    return pages[0].text if pages else ""
