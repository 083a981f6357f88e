"""Finding a passage in a page's text as a viewer has it.

The passage was cut from the text as indexing normalized it; a viewer's page text (QtPdf's text
layer, or the OCR text of a scan) differs in line breaks, hyphenation and spacing. Pure Python:
both viewers and their tests use it without Qt."""

from __future__ import annotations

import re

_WORD = re.compile(r"\w+", re.UNICODE)


def find_passage(page_text: str, passage: str) -> tuple[int, int] | None:
    """(start, end) of `passage` in the PDF's own text of the page. The two differ in line
    breaks, hyphenation and spacing, so words are matched with anything between them: first
    a run of words at the passage's start, then one at its end."""
    words = _WORD.findall(passage)
    if not words:
        return None

    def locate(run: list[str], after: int = 0) -> re.Match[str] | None:
        pattern = r"\W+(?:\w+-\W*)?".join(re.escape(w) for w in run)
        return re.compile(pattern, re.IGNORECASE).search(page_text, after)

    start = None
    for size in (10, 6, 4, 2):
        for offset in range(0, max(1, min(len(words) - size + 1, 3 * size)), size):
            found = locate(words[offset : offset + size])
            if found is not None:
                start = found
                break
        if start is not None:
            break
    if start is None:
        return None
    for size in (6, 4, 2):
        end = locate(words[-size:], start.start()) if len(words) >= size else None
        if end is not None and end.end() - start.start() < 4 * len(passage) + 200:
            return start.start(), end.end()
    return start.start(), start.end()
