"""A page's text from the words OCR read on it, with each word's box.

The text is built already normalized (as text_quality.normalize_text would leave it), so that
passage spans cut from it index straight into the word boxes: words joined by a space, lines by
a newline, paragraphs by a blank line, and a word hyphenated across a line break joined again.
"""

from __future__ import annotations

import re
import sys
import zlib
from array import array
from collections.abc import Iterable
from dataclasses import dataclass

from desktop_app.core.records import PageText, WordBox
from desktop_app.core.text_quality import normalize_text

_ENDS_HYPHENATED = re.compile(r"\w-$")
_STARTS_WORD = re.compile(r"^\w")


@dataclass(frozen=True, slots=True)
class OcrWord:
    """One word as the OCR engine gives it: text, pixel box, and where it starts."""

    text: str
    left: int
    top: int
    right: int
    bottom: int
    line_start: bool = False
    paragraph_start: bool = False


def page_from_words(number: int, words: Iterable[OcrWord], width: int, height: int) -> PageText:
    """The page's normalized text and its words' boxes as fractions of `width` x `height`."""
    parts: list[str] = []
    boxes: list[WordBox] = []
    length = 0
    for word in words:
        text = normalize_text(word.text).replace("\n", " ")
        if not text:
            continue
        if not parts:
            separator = ""
        elif word.paragraph_start:
            separator = "\n\n"
        elif word.line_start:
            separator = "\n"
        else:
            separator = " "
        if separator == "\n" and _ENDS_HYPHENATED.search(parts[-1]) and _STARTS_WORD.match(text):
            # "infor-" + "mation": one word again, as a text layer's hyphenation is joined.
            parts[-1] = parts[-1][:-1]
            length -= 1
            last = boxes[-1]
            boxes[-1] = WordBox(
                last.start, last.end - 1, last.left, last.top, last.right, last.bottom
            )
            separator = ""
        length += len(separator)
        boxes.append(
            WordBox(
                length,
                length + len(text),
                round(word.left / width, 5),
                round(word.top / height, 5),
                round(word.right / width, 5),
                round(word.bottom / height, 5),
            )
        )
        parts.append(separator + text if separator else text)
        length += len(text)
    return PageText(number, "".join(parts), tuple(boxes))


def words_in_span(page: PageText, start: int, end: int) -> list[WordBox]:
    """The boxes of the words of `page` that overlap the text span [start, end)."""
    return [w for w in page.words or () if w.start < end and w.end > start]


_BOX_SCALE = 10_000  # box fractions are stored as integers of 1/10,000 of the page


def pack_words(words: tuple[WordBox, ...]) -> bytes:
    """Word boxes as compact bytes for the catalog (6 little-endian int32 per word, zlib)."""
    values = array("i")
    for w in words:
        values.extend(
            (
                w.start,
                w.end,
                round(w.left * _BOX_SCALE),
                round(w.top * _BOX_SCALE),
                round(w.right * _BOX_SCALE),
                round(w.bottom * _BOX_SCALE),
            )
        )
    if sys.byteorder != "little":
        values.byteswap()
    return zlib.compress(values.tobytes(), 6)


def unpack_words(blob: bytes) -> tuple[WordBox, ...]:
    values = array("i")
    values.frombytes(zlib.decompress(blob))
    if sys.byteorder != "little":
        values.byteswap()
    s = _BOX_SCALE
    return tuple(
        WordBox(
            values[i],
            values[i + 1],
            values[i + 2] / s,
            values[i + 3] / s,
            values[i + 4] / s,
            values[i + 5] / s,
        )
        for i in range(0, len(values), 6)
    )
