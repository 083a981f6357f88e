"""Text extraction, one module per format. Each returns pages of raw text or raises SkipFile."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from desktop_app.core.errors import LibrarianError
from desktop_app.core.records import PageText


class SkipFile(LibrarianError):
    """The file cannot be indexed, for the reason given (shown to the user as it is)."""


@dataclass(slots=True)
class Extracted:
    # Lazy for PDFs: pages are read as they are consumed, and `notes` grows meanwhile.
    pages: Iterable[PageText]
    title: str = ""
    notes: list[str] = field(default_factory=list)


def extract(data: bytes, fmt: str, name: str) -> Extracted:
    """Dispatch to the extractor of `fmt` (a value of core.file_selection.SUPPORTED_SUFFIXES)."""
    if fmt == "pdf":
        from desktop_app.services.ingestion.extraction.pdf import extract_pdf

        return extract_pdf(data)
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
