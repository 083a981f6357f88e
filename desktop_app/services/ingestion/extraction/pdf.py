"""PDF text, page by page, with every known way a real PDF goes wrong turned into a reason."""

from __future__ import annotations

import io
import logging
import warnings
from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Any

from desktop_app.core.records import PageText
from desktop_app.services.ingestion.extraction import Extracted, SkipFile

# Real filings (10-Q reports) hold arrays and dictionaries bigger than pypdf's default limits.
# Raising only these two is safe: they bound element counts of objects already in memory
# (the file itself is size-capped before we get here), not decompression output.
_WIDENED_ARRAY_ELEMENTS = 10_000_000
_WIDENED_DICTIONARY_ELEMENTS = 1_000_000

log = logging.getLogger(__name__)


def extract_pdf(data: bytes) -> Extracted:
    from pypdf.errors import LimitReachedError

    try:
        return _read(data)
    except LimitReachedError:
        with _widened_limits():
            return _read(data)


def _widened_limits() -> AbstractContextManager[object]:
    import pypdf

    return pypdf.apply_configuration(
        array_maximum_element_count=_WIDENED_ARRAY_ELEMENTS,
        dictionary_maximum_element_count=_WIDENED_DICTIONARY_ELEMENTS,
    )


def _page_text(page: Any) -> str:
    from pypdf.errors import LimitReachedError

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return page.extract_text() or ""
        except LimitReachedError:
            with _widened_limits():
                return page.extract_text() or ""


def _read(data: bytes) -> Extracted:
    from pypdf import PdfReader
    from pypdf.errors import (
        DependencyError,
        EmptyFileError,
        FileNotDecryptedError,
        PdfReadError,
        PdfStreamError,
        WrongPasswordError,
    )

    if not data.strip():
        raise SkipFile("empty file")
    # pypdf logs every recoverable oddity of damaged files; they are not the user's concern.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                _decrypt_with_empty_password(reader)
            pages = list(reader.pages)
    except (FileNotDecryptedError, WrongPasswordError) as exc:
        raise SkipFile("password-protected") from exc
    except DependencyError as exc:
        raise SkipFile(f"encrypted with an unsupported method ({exc})") from exc
    except EmptyFileError as exc:
        raise SkipFile("empty file") from exc
    except (PdfReadError, PdfStreamError) as exc:
        raise SkipFile(f"damaged PDF ({exc})") from exc
    except (ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError) as exc:
        raise SkipFile(f"damaged PDF ({type(exc).__name__}: {exc})") from exc

    from desktop_app.services.ingestion.extraction.page_images import PdfPageImages

    notes: list[str] = []
    return Extracted(
        _pages(pages, notes),
        title=_title(reader),
        notes=notes,
        images=PdfPageImages(data),
        page_count=len(pages),
    )


def _pages(pages: list[Any], notes: list[str]) -> Iterator[PageText]:
    """Page texts, read one at a time; a page that cannot be read is noted, not fatal."""
    unreadable: list[int] = []
    for number, page in enumerate(pages, start=1):
        try:
            text = _page_text(page)
        except Exception:  # noqa: BLE001 - one bad page must not lose the rest of the file
            unreadable.append(number)
            text = ""
        yield PageText(number, text)
    if unreadable:
        notes.append(f"{len(unreadable)} page(s) could not be read: {_ranges(unreadable)}")


def _decrypt_with_empty_password(reader: object) -> None:
    """Many real PDFs are encrypted with an empty user password: they open for everybody."""
    from pypdf import PasswordType, PdfReader

    assert isinstance(reader, PdfReader)
    if reader.decrypt("") == PasswordType.NOT_DECRYPTED:
        raise SkipFile("password-protected")


def _title(reader: object) -> str:
    try:
        meta = reader.metadata  # type: ignore[attr-defined]
        return str(meta.title).strip() if meta and meta.title else ""
    except Exception as exc:  # noqa: BLE001 - damaged metadata only costs us the title
        log.debug("the PDF's metadata could not be read, so it has no title: %s", exc)
        return ""


def _ranges(numbers: list[int]) -> str:
    parts: list[str] = []
    start = prev = numbers[0]
    for n in [*numbers[1:], None]:
        if n is not None and n == prev + 1:
            prev = n
            continue
        parts.append(str(start) if start == prev else f"{start}-{prev}")
        if n is not None:
            start = prev = n
    return ", ".join(parts)
