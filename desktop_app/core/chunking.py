"""Cutting page text into passages sized for the embedding model.

Passages follow the text's own structure: a heading starts a new passage, sentences are never
cut unless one alone is longer than the model's window, and each passage repeats the last
sentence or two of the previous one (overlap) so that an answer straddling a boundary is still
found whole in one of them. Length is measured in the embedding model's own tokens, because the
model silently truncates what does not fit (MiniLM: 256 tokens). Passages never cross a page
boundary, so every passage has exactly one page to cite.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from desktop_app.core.records import ChunkDraft, PageText
from desktop_app.core.settings import DEFAULTS

TokenCounter = Callable[[Sequence[str]], list[int]]

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_SENTENCE_END = re.compile(r"(?<=[.!?…。])[\"'»”)\]]*\s+")
_MARKDOWN_HEADING = re.compile(r"^#{1,6}\s+\S")
_WORD = re.compile(r"\S+")


@dataclass(frozen=True, slots=True)
class ChunkingOptions:
    max_tokens: int = DEFAULTS.chunk_max_tokens  # in MiniLM's tokens (it reads 256)
    overlap_tokens: int = DEFAULTS.chunk_overlap_tokens
    min_tokens: int = 24  # a shorter tail is merged into the passage before it when it fits


@dataclass(frozen=True, slots=True)
class _Unit:
    start: int
    end: int
    tokens: int
    starts_section: bool  # a heading: begin a new passage here


def approximate_token_count(texts: Sequence[str]) -> list[int]:
    """A tokenizer-free estimate (subword tokenizers give ~1.3 tokens per word)."""
    return [math.ceil(len(_WORD.findall(t)) * 1.3) + 1 for t in texts]


def chunk_pages(
    pages: Sequence[PageText],
    count_tokens: TokenCounter = approximate_token_count,
    options: ChunkingOptions | None = None,
) -> list[ChunkDraft]:
    opts = options or ChunkingOptions()
    drafts: list[ChunkDraft] = []
    for page in pages:
        for start, end in _pack(_units(page.text, count_tokens, opts), opts):
            drafts.append(ChunkDraft(page.number, start, end, page.text[start:end], len(drafts)))
    return drafts


def _is_heading(paragraph: str) -> bool:
    if _MARKDOWN_HEADING.match(paragraph):
        return True
    line = paragraph.strip()
    return (
        "\n" not in line
        and 0 < len(line) <= 80
        and line[-1] not in ".,;:!?…"
        and any(ch.isalpha() for ch in line)
        and (line[0].isupper() or line[0].isdigit())
    )


def _spans(text: str, pattern: re.Pattern[str], offset: int) -> list[tuple[int, int]]:
    """The pieces of `text` between matches of `pattern`, as absolute spans, blanks dropped."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for match in pattern.finditer(text):
        spans.append((pos, match.start()))
        pos = match.end()
    spans.append((pos, len(text)))
    result = []
    for s, e in spans:
        piece = text[s:e]
        stripped = piece.strip()
        if stripped:
            lead = len(piece) - len(piece.lstrip())
            result.append((offset + s + lead, offset + s + lead + len(stripped)))
    return result


def _units(text: str, count_tokens: TokenCounter, opts: ChunkingOptions) -> list[_Unit]:
    pieces: list[tuple[int, int, bool]] = []
    for p_start, p_end in _spans(text, _PARAGRAPH_BREAK, 0):
        heading = _is_heading(text[p_start:p_end])
        for i, (s, e) in enumerate(_spans(text[p_start:p_end], _SENTENCE_END, p_start)):
            pieces.append((s, e, heading and i == 0))
    if not pieces:
        return []
    counts = count_tokens([text[s:e] for s, e, _ in pieces])
    units: list[_Unit] = []
    for (s, e, heading), n in zip(pieces, counts, strict=True):
        if n <= opts.max_tokens:
            units.append(_Unit(s, e, n, heading))
        else:
            units.extend(_split_long(text, s, e, n, heading, opts))
    return units


def _split_long(
    text: str, start: int, end: int, tokens: int, heading: bool, opts: ChunkingOptions
) -> list[_Unit]:
    """Split one over-long sentence (tables, lists without punctuation) at word boundaries."""
    words = [(m.start() + start, m.end() + start) for m in _WORD.finditer(text[start:end])]
    parts = math.ceil(tokens / (opts.max_tokens * 0.9))
    per_part = math.ceil(len(words) / parts)
    units = []
    for i in range(0, len(words), per_part):
        group = words[i : i + per_part]
        share = math.ceil(tokens * len(group) / len(words))
        units.append(_Unit(group[0][0], group[-1][1], share, heading and i == 0))
    return units


def _pack(units: list[_Unit], opts: ChunkingOptions) -> list[tuple[int, int]]:
    chunks: list[list[_Unit]] = []
    current: list[_Unit] = []
    size = 0
    for unit in units:
        starts_new = unit.starts_section and size >= opts.min_tokens
        if current and (size + unit.tokens > opts.max_tokens or starts_new):
            chunks.append(current)
            current = [] if starts_new else _overlap_tail(current, unit, opts)
            size = sum(u.tokens for u in current)
        current.append(unit)
        size += unit.tokens
    if current:
        previous_size = sum(u.tokens for u in chunks[-1]) if chunks else 0
        new_part = [u for u in current if not chunks or u.start >= chunks[-1][-1].end]
        tail = sum(u.tokens for u in new_part)
        if chunks and tail < opts.min_tokens and previous_size + tail <= opts.max_tokens:
            chunks[-1].extend(new_part)
        elif new_part:
            chunks.append(current)
    return [(c[0].start, c[-1].end) for c in chunks]


def _overlap_tail(previous: list[_Unit], incoming: _Unit, opts: ChunkingOptions) -> list[_Unit]:
    tail: list[_Unit] = []
    budget = min(opts.overlap_tokens, opts.max_tokens - incoming.tokens)
    for unit in reversed(previous[1:]):  # never the whole previous passage again
        if unit.tokens > budget:
            break
        tail.insert(0, unit)
        budget -= unit.tokens
    return tail


def passage_sentences(text: str, max_count: int = 12) -> list[str]:
    """A passage's sentences (paragraph breaks end one too), for the models that also score
    a passage by its best sentence (EmbeddingModelInfo.sentence_scoring). Fragments without a
    letter (a page number, a lone bullet) are dropped; beyond `max_count`, neighbours are
    joined so that no passage costs more than `max_count` vectors."""
    pieces = [
        text[s:e]
        for p_start, p_end in _spans(text, _PARAGRAPH_BREAK, 0)
        for s, e in _spans(text[p_start:p_end], _SENTENCE_END, p_start)
        if any(ch.isalpha() for ch in text[s:e])
    ]
    if len(pieces) <= max_count:
        return pieces
    size = math.ceil(len(pieces) / max_count)
    return [" ".join(pieces[i : i + size]) for i in range(0, len(pieces), size)]
