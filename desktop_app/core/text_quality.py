"""Cleaning extracted text and telling real text from noise.

PDF text layers lie: scanned pages have none, old LaTeX fonts without a ToUnicode map give
cp1251 bytes read as Latin-1 ("Íå î÷åíü" for "Не очень"), and binary files masquerade as .txt.
Indexing such noise silently would make search return garbage, so we detect it and report it.
"""

from __future__ import annotations

import re
import unicodedata

from desktop_app.core.scripts import letter_script

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u3000]+")
_HYPHEN_BREAK = re.compile(r"(\w)-\n(\w)")
_MANY_BLANK_LINES = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")

# Below this many letters per page a page counts as having no text layer (scanner stamps,
# page numbers and headers on image-only pages come to a few dozen characters at most).
MIN_LETTERS_PER_TEXT_PAGE = 40


def normalize_text(text: str) -> str:
    """Canonical form of extracted text; chunk spans refer to this form."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFKC", text)
    text = _CONTROL.sub("", text)
    text = _HYPHEN_BREAK.sub(r"\1\2", text)
    text = _SPACES.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    text = _MANY_BLANK_LINES.sub("\n\n", text)
    return text.strip()


def letter_count(text: str) -> int:
    return sum(1 for ch in text if ch.isalpha())


def _is_latin1_letter(ch: str) -> bool:
    return "\u00c0" <= ch <= "\u00ff" and ch not in "\u00d7\u00f7"


def looks_like_cp1251_mojibake(text: str) -> bool:
    """True for Cyrillic text whose bytes were decoded as Latin-1/cp1252.

    Real Western text (German, French, ...) uses accented Latin-1 letters for a few percent of its
    letters at most; in this mojibake nearly every letter of a Russian word lands there. We also
    check that re-decoding the same bytes as cp1251 yields Cyrillic, to name the problem precisely.
    """
    letters = [ch for ch in text if ch.isalpha()]
    if len(letters) < 20:
        return False
    accented = sum(1 for ch in letters if _is_latin1_letter(ch))
    if accented / len(letters) < 0.3:
        return False
    sample = "".join(ch for ch in text[:4000] if _is_latin1_letter(ch))
    try:
        repaired = sample.encode("cp1252", errors="ignore").decode("cp1251", errors="ignore")
    except LookupError:  # pragma: no cover - both codecs ship with Python
        return True
    cyrillic = sum(1 for ch in repaired if ch.isalpha() and letter_script(ch) == "cyrillic")
    return cyrillic >= 0.6 * max(1, len(sample))


def repair_mojibake(text: str) -> str | None:
    """The Cyrillic text behind cp1251-as-Latin-1 mojibake, character for character (so spans
    in the garbled text stay valid in the repaired one); None when `text` is not such mojibake
    or the repair does not give readable text."""
    if not looks_like_cp1251_mojibake(text):
        return None
    repaired = "".join(_cp1251_of(ch) for ch in text)
    return repaired if garbage_reason(repaired) is None else None


def _cp1251_of(ch: str) -> str:
    try:
        decoded = ch.encode("cp1252").decode("cp1251")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return ch  # not a mojibake byte (already Cyrillic, a symbol): keep it
    return decoded if len(decoded) == 1 else ch


MOJIBAKE = "garbled text layer (Cyrillic text in the wrong encoding, e.g. 'Íå î÷åíü')"
UNMAPPED_GLYPHS = "garbled text layer (unmapped glyphs)"
NO_WORDS = "no readable words (symbols or binary data)"
# What a picture of the page can fix: the glyphs are right on the page, their text is not.
# A page of NO_WORDS is usually a table of figures, which OCR reads no better.
FIXED_BY_OCR = frozenset({MOJIBAKE, UNMAPPED_GLYPHS})


def garbage_reason(text: str) -> str | None:
    """Why a text is noise rather than content, or None when it looks like real text."""
    if not text.strip():
        return "empty"
    if looks_like_cp1251_mojibake(text):
        return MOJIBAKE
    visible = [ch for ch in text if not ch.isspace()]
    if not visible:
        return "empty"
    replacement = sum(1 for ch in visible if ch == "\ufffd")
    private = sum(1 for ch in visible if "\ue000" <= ch <= "\uf8ff")
    if (replacement + private) / len(visible) > 0.2:
        return UNMAPPED_GLYPHS
    letters = sum(1 for ch in visible if ch.isalpha())
    if len(visible) >= 200 and letters / len(visible) < 0.25:
        return NO_WORDS
    return None


def looks_binary(data: bytes) -> bool:
    """True for bytes that are not text in any encoding we would detect (NULs, control codes)."""
    sample = data[:65536]
    if not sample:
        return False
    if b"\x00" in sample:
        # UTF-16 text has NULs too; it always starts with a BOM when written by real tools.
        return not sample.startswith((b"\xff\xfe", b"\xfe\xff"))
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    return controls / len(sample) > 0.05
