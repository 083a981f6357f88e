"""Where a cited passage is on a page read by OCR: the boxes of its words, merged into one
rectangle per line, as fractions of the page (the PDF view and the image view scale them)."""

from __future__ import annotations

from desktop_app.core.ocr_layout import words_in_span
from desktop_app.core.passage_location import find_passage
from desktop_app.core.records import PageText, WordBox

Fraction = tuple[float, float, float, float]  # left, top, right, bottom


def passage_boxes(scanned: PageText, passage: str) -> list[Fraction]:
    """One box per line of the passage on the scanned page; [] when it is not found there."""
    span = find_passage(scanned.text, passage)
    if span is None:
        return []
    lines: list[Fraction] = []
    for word in words_in_span(scanned, *span):
        if lines and _same_line(lines[-1], word):
            left, top, right, bottom = lines[-1]
            lines[-1] = (
                min(left, word.left),
                min(top, word.top),
                max(right, word.right),
                max(bottom, word.bottom),
            )
        else:
            lines.append((word.left, word.top, word.right, word.bottom))
    return lines


def _same_line(line: Fraction, word: WordBox) -> bool:
    overlap = min(line[3], word.bottom) - max(line[1], word.top)
    return word.left >= line[0] and overlap > 0.5 * (word.bottom - word.top)
