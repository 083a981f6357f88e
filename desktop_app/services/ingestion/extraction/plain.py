"""Plain text and Markdown: detect the encoding, refuse binary data."""

from __future__ import annotations

import re

from desktop_app.core.records import PageText
from desktop_app.core.text_quality import looks_binary
from desktop_app.services.ingestion.extraction import Extracted, SkipFile

_MD_TITLE = re.compile(r"^#\s+(.+)$", re.MULTILINE)


def decode_text(data: bytes) -> str:
    """Bytes to text: UTF-8 (with or without BOM) first, then charset detection."""
    if looks_binary(data):
        raise SkipFile("binary content, not text")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise SkipFile("unknown text encoding")
    return str(best)


def extract_plain(data: bytes, markdown: bool) -> Extracted:
    text = decode_text(data)
    title = ""
    if markdown:
        match = _MD_TITLE.search(text)
        title = match.group(1).strip() if match else ""
    else:
        title = next((line.strip() for line in text.splitlines() if line.strip()), "")[:120]
    return Extracted([PageText(None, text)], title=title)
