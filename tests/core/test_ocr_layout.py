"""A page's text built from OCR words: normalized as indexing leaves text, every word's span
pointing at that word, boxes kept through the catalog's packing."""

from __future__ import annotations

from desktop_app.core.ocr_layout import (
    OcrWord,
    pack_words,
    page_from_words,
    unpack_words,
    words_in_span,
)
from desktop_app.core.text_quality import normalize_text


def _word(text: str, x: int, y: int, line: bool = False, para: bool = False) -> OcrWord:
    return OcrWord(text, x, y, x + 10 * len(text), y + 20, line_start=line, paragraph_start=para)


WORDS = [
    _word("Fog", 100, 100, line=True, para=True),
    _word("rolled", 150, 100),
    _word("infor-", 250, 100),
    _word("mation", 100, 130, line=True),
    _word("ﬁne", 200, 130),  # a ligature, as OCR sometimes returns it
    _word("Second", 100, 200, line=True, para=True),
    _word("paragraph.", 200, 200),
]


def test_text_is_built_normalized_with_hyphenation_joined():
    page = page_from_words(3, WORDS, width=1000, height=2000)
    assert page.number == 3 and page.scanned
    assert page.text == "Fog rolled information fine\n\nSecond paragraph."
    assert normalize_text(page.text) == page.text  # chunk spans index this text as it is


def test_every_span_points_at_its_word_and_boxes_are_fractions():
    page = page_from_words(1, WORDS, width=1000, height=2000)
    assert page.words is not None
    spans = [page.text[w.start : w.end] for w in page.words]
    assert spans == ["Fog", "rolled", "infor", "mation", "fine", "Second", "paragraph."]
    first = page.words[0]
    assert (first.left, first.top, first.right, first.bottom) == (0.1, 0.05, 0.13, 0.06)


def test_words_in_span_finds_the_words_of_a_passage():
    page = page_from_words(1, WORDS, width=1000, height=2000)
    start = page.text.index("information")
    found = words_in_span(page, start, start + len("information fine"))
    assert [page.text[w.start : w.end] for w in found] == ["infor", "mation", "fine"]


def test_empty_and_blank_words_are_dropped():
    page = page_from_words(1, [_word(" ", 0, 0), _word("", 5, 5)], width=100, height=100)
    assert page.text == "" and page.words == ()


def test_boxes_survive_packing_for_the_catalog():
    page = page_from_words(1, WORDS, width=1000, height=2000)
    assert page.words is not None
    unpacked = unpack_words(pack_words(page.words))
    assert [(w.start, w.end) for w in unpacked] == [(w.start, w.end) for w in page.words]
    for a, b in zip(unpacked, page.words, strict=True):
        assert abs(a.left - b.left) < 1e-4 and abs(a.bottom - b.bottom) < 1e-4
    assert unpack_words(pack_words(())) == ()
