"""Quotes: the sentences of the retrieved passages that best answer a question, verbatim.

An answer opens with them, before (or instead of) the model's words: a small model loses or
garbles the answer that the passages hold, a quote cannot. This module is the pure part:
cutting a passage into quotable units (sentences, table rows, list items) with their spans,
folding a unit's text for display the way a reader sees it (a PDF's line breaks and
hyphenation joined), scoring units from their features and picking the quotes.

How units are scored was chosen with bench.quotes (README, "Quotes"): the dense similarity of
the unit to the question (and of its neighbours), the question's terms it holds (rare ones
weighing more), whether it holds the kind of answer asked for, and its passage's rank.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

MAX_QUOTES = 3
# A unit longer than this (a table flattened into one line, a list without punctuation) is
# cut at word boundaries into pieces about this long: a quote is read at a glance.
MAX_UNIT_CHARS = 360
MIN_UNIT_CHARS = 8

_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v]*\n")
# A sentence ends at . ! ? … (closing quotes and brackets may follow), before white space and
# a capital letter, a digit or an opening quote: "1.5", "e.g. the" and "etc., and" do not end it.
_SENTENCE_END = re.compile(r"[.!?…]+[\"'»”’)\]]*(?=\s+[\"'«“(\[]?[A-ZА-ЯЁ0-9])")
_LIST_MARKER = re.compile(r"\s*(?:[-•*–—·▪◦●■]|\(?(?:\d{1,3}|[a-zа-я])[.)])\s+\S")
_NUMBER = re.compile(r"[-+(]?[$€£₽]?\d[\d,.\s]*%?\)?")
_TOKEN = re.compile(r"\S+")
_WIDE_GAP = re.compile(r"\t| {3,}")
# Words that end with a full stop without ending the sentence ("Mr. Smith", "Dec. 31",
# "1870 г. Затем" is rarer than "в 1870 г. в Варшаве"): lower-cased, without the stop.
_ABBREVIATIONS = frozenset(
    (  # noqa: SIM905 - a list of 60 words reads better as words
        "mr mrs ms dr prof st jr sr vs no nos inc ltd co corp jan feb mar apr jun jul aug sep "
        "sept oct nov dec fig figs vol pp p e.g i.e approx est dept gen col lt sgt mt ft "
        "т т.е т.д т.п г гг им ул см стр рис тыс млн млрд др пр проф акад св"
    ).split()
)


@dataclass(frozen=True, slots=True)
class Unit:
    """A quotable piece of a passage: characters start:end of the passage's text."""

    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Quote:
    """A verbatim sentence (or row, or item) shown as evidence, with where it stands."""

    text: str  # as shown: the document's words, line breaks and hyphenation folded
    n: int  # the answer's source it comes from (sources[n - 1])
    path: str
    page: int | None
    start: int  # its span in the page's text (the document's, for formats without pages)
    end: int
    score: float

    def as_dict(self) -> dict[str, object]:
        return {
            "text": self.text,
            "n": self.n,
            "path": self.path,
            "page": self.page,
            "start": self.start,
            "end": self.end,
            "score": round(self.score, 4),
        }


def units(text: str) -> list[Unit]:
    """The passage's sentences, table rows and list items, in order, trimmed.

    Paragraph breaks always end a unit. Within a paragraph a line break ends one only before a
    list item, around a table row (a line of figures), or after a line well short of the
    paragraph's longest when a capital follows (a title, a form's field): elsewhere it is a
    PDF's line wrap, and the sentence goes on."""
    found: list[Unit] = []
    for p_start, p_end in _pieces(text, _PARAGRAPH_BREAK, 0, len(text)):
        for b_start, b_end in _blocks(text, p_start, p_end):
            for s_start, s_end in _sentences(text, b_start, b_end):
                found.extend(_short_enough(text, s_start, s_end))
    return [u for u in found if _quotable(text[u.start : u.end])]


def folded(raw: str) -> str:
    """A unit's text as a reader sees it: a word hyphenated across a line break joined
    ("exam-\\nple" -> "example"), every run of white space one space."""
    joined = re.sub(r"(?<=[a-zа-яё])-\s*\n\s*(?=[a-zа-яё])", "", raw)
    return " ".join(joined.split())


def term_overlap(question_terms: Sequence[str], text: str) -> float:
    """The share of the question's terms (core.lexical stems) found in `text`."""
    from desktop_app.core.lexical import index_terms  # the stemmers: not at start-up

    if not question_terms:
        return 0.0
    present = set(index_terms(text))
    return sum(1 for t in question_terms if t in present) / len(question_terms)


def weighted_overlaps(question_terms: Sequence[str], texts: Sequence[str]) -> list[float]:
    """For each text, the share of the question's terms it holds, each term weighted by how
    rare it is among `texts` (the units quotes are chosen from): the word every sentence of
    an article repeats ("Panthers") tells less than the one only the answer has."""
    from desktop_app.core.lexical import index_terms

    terms = list(dict.fromkeys(question_terms))
    if not terms or not texts:
        return [0.0] * len(texts)
    present = [set(index_terms(text)) for text in texts]
    weight = {
        t: math.log(1 + len(present) / (1 + sum(t in found for found in present))) for t in terms
    }
    total = sum(weight.values())
    return [sum(weight[t] for t in terms if t in found) / total for found in present]


class Shape(StrEnum):
    """What kind of answer a question asks for, when its words say so."""

    NUMBER = "number"  # how many, how much, сколько
    YEAR = "year"  # when, in what year, когда, в каком году
    NAME = "name"  # who, кто


_SHAPE_QUESTIONS = (
    (Shape.NUMBER, re.compile(r"\bhow (?:many|much)\b|сколько|какое количество", re.I)),
    (Shape.YEAR, re.compile(r"\bwhen\b|\b(?:what|which) year\b|когда|в как(?:ом|ой) год", re.I)),
    (Shape.NAME, re.compile(r"\bwho(?:m|se)?\b|\bкто\b|\bкого\b|\bкем\b|\bкому\b", re.I)),
)
_SHAPE_ANSWERS = {
    Shape.NUMBER: re.compile(r"\d"),
    Shape.YEAR: re.compile(r"\b(?:1[0-9]|20)\d\d\b"),
    # A capitalised word that does not start the sentence: a name, most likely.
    Shape.NAME: re.compile(r"(?<=[\w,;:)] )[A-ZА-ЯЁ][a-zа-яё]+"),
}


def answer_shape(question: str) -> Shape | None:
    for shape, asks in _SHAPE_QUESTIONS:
        if asks.search(question):
            return shape
    return None


def has_shape(text: str, shape: Shape | None) -> bool:
    return shape is not None and _SHAPE_ANSWERS[shape].search(text) is not None


@dataclass(frozen=True, slots=True)
class ScoringWeights:
    """How a unit's features add up (bench.quotes chose these; README, "Quotes")."""

    dense: float = 1.0  # the unit's cosine similarity to the question
    lexical: float = 1.5  # the question's terms in the unit, rare ones weighing more
    rank: float = 0.2  # its passage's place in the search: 1 for the first, 1/2, 1/3 ...
    context: float = 0.4  # its best neighbour's dense similarity (the answer may follow)
    shape: float = 0.2  # it holds what the question asks for: a number, a year, a name


DEFAULT_WEIGHTS = ScoringWeights()


@dataclass(frozen=True, slots=True)
class UnitFeatures:
    passage: int  # index of its passage in the search's ranking (0: the first)
    unit: int  # index of the unit within its passage
    dense: float
    lexical: float
    shape: bool = False


def unit_scores(
    features: Sequence[UnitFeatures], weights: ScoringWeights = DEFAULT_WEIGHTS
) -> list[float]:
    """Each unit's score, in the order given."""
    by_place = {(f.passage, f.unit): f for f in features}
    scores = []
    for f in features:
        neighbours = [by_place.get((f.passage, f.unit + d)) for d in (-1, 1)]
        context = max((n.dense for n in neighbours if n is not None), default=f.dense)
        scores.append(
            weights.dense * f.dense
            + weights.lexical * f.lexical
            + weights.rank / (f.passage + 1)
            + weights.context * context
            + weights.shape * f.shape
        )
    return scores


def best_units(
    features: Sequence[UnitFeatures],
    texts: Sequence[str],
    weights: ScoringWeights = DEFAULT_WEIGHTS,
    limit: int = MAX_QUOTES,
) -> list[tuple[int, float]]:
    """The `limit` best units as (index into `features`, score), best first; a unit whose
    text repeats a better one's (passages overlap by a sentence or two) is passed over."""
    scores = unit_scores(features, weights)
    order = sorted(range(len(features)), key=lambda i: -scores[i])
    chosen: list[tuple[int, float]] = []
    seen: set[str] = set()
    for i in order:
        key = folded(texts[i]).casefold()
        if key in seen:
            continue
        seen.add(key)
        chosen.append((i, scores[i]))
        if len(chosen) == limit:
            break
    return chosen


def windows(
    features: Sequence[UnitFeatures], scores: Sequence[float], seeds: int, around: int = 1
) -> dict[int, list[int]]:
    """The `seeds` best units with `around` neighbours on each side, as indices into
    `features` by passage, in document order: the writer reads a sentence with the ones
    that explain it ("It closed in 1939" needs the sentence naming "it")."""
    place = {(f.passage, f.unit): i for i, f in enumerate(features)}
    order = sorted(range(len(features)), key=lambda i: -scores[i])[:seeds]
    chosen: dict[int, set[int]] = {}
    for i in order:
        f = features[i]
        for step in range(-around, around + 1):
            neighbour = place.get((f.passage, f.unit + step))
            if neighbour is not None:
                chosen.setdefault(f.passage, set()).add(neighbour)
    return {
        passage: sorted(found, key=lambda i: features[i].unit)
        for passage, found in sorted(chosen.items())
    }


# -- splitting -------------------------------------------------------------------------------


def _pieces(text: str, pattern: re.Pattern[str], start: int, end: int) -> list[tuple[int, int]]:
    spans, position = [], start
    for match in pattern.finditer(text, start, end):
        spans.append((position, match.start()))
        position = match.end()
    spans.append((position, end))
    return [trimmed for s, e in spans if (trimmed := _trim(text, s, e)) is not None]


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if end > start else None


def _blocks(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """A paragraph's runs of lines that read as one text (wrapped prose), split before list
    items and around table rows."""
    lines: list[tuple[int, int]] = []
    position = start
    while position <= end:
        newline = text.find("\n", position, end)
        line_end = end if newline < 0 else newline
        if (trimmed := _trim(text, position, line_end)) is not None:
            lines.append(trimmed)
        if newline < 0:
            break
        position = newline + 1
    blocks: list[tuple[int, int]] = []
    # A line well short of the paragraph's longest, followed by one that starts a new phrase,
    # ends a title or a form's field ("Aviation Accident Factual Report" / "Location: ...").
    short = 0.75 * max((e - s for s, e in lines), default=0)
    for i, (s, e) in enumerate(lines):
        line = text[s:e]
        separate = i == 0 or _LIST_MARKER.match(line) or _tabular(line)
        if not separate:
            before = text[lines[i - 1][0] : lines[i - 1][1]]
            ended = len(before) < short and (line[0].isupper() or line[0].isdigit())
            separate = _tabular(before) or (ended and not before.endswith((",", "-")))
        if separate or not blocks:
            blocks.append((s, e))
        else:
            blocks[-1] = (blocks[-1][0], e)
    return blocks


def _tabular(line: str) -> bool:
    """A table row as a PDF's text layer gives it: a label and figures, or wide gaps."""
    if _WIDE_GAP.search(line):
        return True
    tokens = _TOKEN.findall(line)
    numbers = sum(1 for t in tokens if _NUMBER.fullmatch(t) and any(c.isdigit() for c in t))
    # Prose with a date in it ("On December 17, 2007, at 1045 coordinated universal time")
    # has figures too, but also words of a sentence: a row has few.
    words = sum(1 for t in tokens if t.strip(",.;:").isalpha() and t[0].islower())
    return numbers >= 2 and numbers >= 0.3 * len(tokens) and words <= 3


def _sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans, position = [], start
    for match in _SENTENCE_END.finditer(text, start, end):
        words = text[position : match.start()].split()
        last = words[-1].lower().rstrip(".") if words else ""
        initial = len(last) == 1 and last.isalpha()  # "J. K. Rowling", "U.S."
        if last in _ABBREVIATIONS or initial or (len(last) <= 3 and "." in last):
            continue
        spans.append((position, match.end()))
        position = match.end()
    spans.append((position, end))
    return [trimmed for s, e in spans if (trimmed := _trim(text, s, e)) is not None]


def _short_enough(text: str, start: int, end: int) -> list[Unit]:
    """The unit, or its pieces at word boundaries when it is too long to read at a glance."""
    if end - start <= MAX_UNIT_CHARS:
        return [Unit(start, end)]
    words = [(m.start(), m.end()) for m in _TOKEN.finditer(text, start, end)]
    parts = math.ceil((end - start) / MAX_UNIT_CHARS)
    per_part = math.ceil(len(words) / parts)
    return [
        Unit(words[i][0], words[min(i + per_part, len(words)) - 1][1])
        for i in range(0, len(words), per_part)
    ]


def _quotable(piece: str) -> bool:
    return len(piece) >= MIN_UNIT_CHARS and sum(ch.isalpha() for ch in piece) >= 3
