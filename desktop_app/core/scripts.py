"""Writing systems ("latin", "cyrillic", ...): which a text is written in, and how much of it.
Embedding models read some scripts only (core.embedding_models), so fusion and retrieval ask."""

from __future__ import annotations

from functools import lru_cache


# Every search asks which script each of its ~100 candidate passages is written in; counting
# costs ~0.1 ms a passage in Python, and the same passages come back search after search.
@lru_cache(maxsize=8192)
def _script_counts(text: str) -> tuple[tuple[str, int], ...]:
    counts: dict[str, int] = {}
    for ch in text:
        if ch.isalpha():
            name = letter_script(ch)
            counts[name] = counts.get(name, 0) + 1
    return tuple(counts.items())


def script_share(text: str, scripts: frozenset[str]) -> float:
    """The share of letters in `text` written in one of `scripts` ("latin", "cyrillic", ...)."""
    counts = _script_counts(text)
    total = sum(n for _, n in counts)
    if total == 0:
        return 1.0
    return sum(n for s, n in counts if s in scripts) / total


def dominant_script(text: str) -> str | None:
    """The script most of the letters in `text` are written in; None when it has no letters."""
    counts = _script_counts(text)
    return max(counts, key=lambda pair: pair[1])[0] if counts else None


def letter_script(ch: str) -> str:
    code = ord(ch)
    if code < 0x0250:
        return "latin"
    if 0x0370 <= code < 0x0400:
        return "greek"
    if 0x0400 <= code < 0x0530:
        return "cyrillic"
    if 0x0590 <= code < 0x0600:
        return "hebrew"
    if 0x0600 <= code < 0x0780:
        return "arabic"
    if 0x3040 <= code < 0x9FFF or 0xAC00 <= code < 0xD7B0:
        return "cjk"
    if 0x1E00 <= code < 0x1F00:
        return "latin"
    return "other"
