"""DOCX: paragraphs and tables in document order, headings marked for the chunker."""

from __future__ import annotations

import io
import zipfile

from desktop_app.core.records import PageText
from desktop_app.services.ingestion.extraction import Extracted, SkipFile


def extract_docx(data: bytes) -> Extracted:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise SkipFile(f"damaged DOCX file ({type(exc).__name__})") from exc
    parts: list[str] = []
    body = document.element.body
    for block in body.iterchildren():
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            text = "".join(node.text or "" for node in block.iter() if node.tag.endswith("}t"))
            style = block.xpath("string(./w:pPr/w:pStyle/@w:val)")
            if text.strip():
                level = _heading_level(str(style))
                parts.append(("#" * level + " " if level else "") + text)
        elif tag == "tbl":
            for row in block.iter():
                if row.tag.endswith("}tr"):
                    cells = [
                        "".join(t.text or "" for t in cell.iter() if t.tag.endswith("}t"))
                        for cell in row.iter()
                        if cell.tag.endswith("}tc")
                    ]
                    parts.append(" | ".join(c.strip() for c in cells))
    title = (document.core_properties.title or "").strip()
    return Extracted([PageText(None, "\n\n".join(parts))], title=title)


def _heading_level(style: str) -> int:
    lowered = style.lower()
    if lowered == "title":
        return 1
    if lowered.startswith("heading"):
        digits = "".join(ch for ch in lowered if ch.isdigit())
        return min(int(digits), 6) if digits else 1
    return 0
