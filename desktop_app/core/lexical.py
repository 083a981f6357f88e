"""Words for the lexical (BM25) index: tokenising, stop words and Snowball stemming.

Russian inflects heavily, so stemming matters ("книги", "книгу", "книгой" must meet). Each
token is stemmed with the stemmer of its script, so mixed English/Russian text works without
language detection. The stop words are in core.stop_words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

import snowballstemmer  # pure Python and small: allowed in the core

from desktop_app.core.scripts import letter_script
from desktop_app.core.stop_words import ENGLISH_STOP_WORDS, RUSSIAN_STOP_FORMS, RUSSIAN_STOP_WORDS

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.UNICODE)


@lru_cache(maxsize=4)
def _stemmer(language: str) -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer(language)


def _is_cyrillic(word: str) -> bool:
    return any(ch.isalpha() and letter_script(ch) == "cyrillic" for ch in word)


def _is_latin(word: str) -> bool:
    return any(ch.isalpha() and letter_script(ch) == "latin" for ch in word)


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The index term for one lower-cased word."""
    if _is_cyrillic(word):
        return str(_stemmer("russian").stemWord(word.replace("ё", "е")))
    if _is_latin(word):
        return str(_stemmer("english").stemWord(word))
    return word  # digits, CJK, Arabic, ...: kept as they are


def words(text: str) -> list[str]:
    return [m.group(0).lower().replace("’", "'") for m in _WORD.finditer(text)]


def index_terms(text: str) -> list[str]:
    """Terms to index for a passage: every word, stemmed, stop words dropped."""
    return [stem(w) for w in words(text) if not _is_stop_word(w)]


def query_terms(text: str) -> list[str]:
    """Distinct terms of a query, in order; all words if the query is only stop words."""
    terms = _unique(stem(w) for w in words(text) if not _is_stop_word(w))
    return terms or _unique(stem(w) for w in words(text))


def _is_stop_word(word: str) -> bool:
    return (
        word in ENGLISH_STOP_WORDS
        or word in RUSSIAN_STOP_WORDS
        or word.replace("ё", "е") in RUSSIAN_STOP_FORMS
    )


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))
