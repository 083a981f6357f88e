"""One file in, chunks out: read, hash, extract, clean, judge the text, chunk.

This runs in the parser process (see parser_process.py), so it must not import torch or Chroma.
Every failure mode of a real file ends as a ParsedDocument with a skip reason, never as an
exception escaping to the caller.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from desktop_app.core.chunking import (
    ChunkingOptions,
    TokenCounter,
    approximate_token_count,
    chunk_pages,
)
from desktop_app.core.file_selection import file_format
from desktop_app.core.lexical import index_terms, script_share
from desktop_app.core.models import PageText, ParsedDocument
from desktop_app.core.text_quality import garbage_reason, letter_count, normalize_text
from desktop_app.services.extraction import SkipFile, extract


@dataclass(frozen=True, slots=True)
class ParseOptions:
    max_bytes: int = 200 * 1024 * 1024
    tokenizer_file: str | None = None  # the embedding model's tokenizer.json
    # Scripts the embedding model reads (None: all). Text in other scripts is invisible to it
    # anyway, and its tokenizer shreds such text into single characters, which would make
    # passages absurdly short, so their length is estimated from words instead.
    model_scripts: frozenset[str] | None = None
    chunking: ChunkingOptions = field(default_factory=ChunkingOptions)


@dataclass(frozen=True, slots=True)
class ParseRequest:
    path: str
    known_hash: str | None = None  # content hash already indexed: stop early if it matches


class Parser:
    """Stateful only for the loaded tokenizer; one per process."""

    def __init__(self, options: ParseOptions) -> None:
        self.options = options
        self._count_tokens: TokenCounter | None = None

    @property
    def count_tokens(self) -> TokenCounter:
        if self._count_tokens is None:
            counter = load_token_counter(self.options.tokenizer_file)
            scripts = self.options.model_scripts
            self._count_tokens = counter if scripts is None else _by_script(counter, scripts)
        return self._count_tokens

    def parse(self, request: ParseRequest) -> ParsedDocument:
        path = Path(request.path)
        fmt = file_format(path) or "unknown"
        try:
            stat = path.stat()
        except OSError as exc:
            return ParsedDocument(request.path, "", 0, 0, fmt, skip_reason=_unreadable(exc))
        result = partial(
            ParsedDocument,
            path=request.path,
            size=stat.st_size,
            mtime_ns=stat.st_mtime_ns,
            format=fmt,
        )
        if stat.st_size > self.options.max_bytes:
            limit_mb = self.options.max_bytes // (1024 * 1024)
            size_mb = stat.st_size / (1024 * 1024)
            reason = f"too large ({size_mb:.0f} MB; the limit is {limit_mb} MB)"
            return result(content_hash="", skip_reason=reason)
        try:
            data = path.read_bytes()
        except OSError as exc:
            return result(content_hash="", skip_reason=_unreadable(exc))
        except MemoryError:
            return result(content_hash="", skip_reason="too large to read into memory")
        digest = hashlib.sha256(data).hexdigest()
        if digest == request.known_hash:
            return result(content_hash=digest)
        if not data.strip():
            return result(content_hash=digest, skip_reason="empty file")
        try:
            extracted = extract(data, fmt, path.name)
            pages, notes = _clean_pages(extracted.pages, fmt)
        except SkipFile as exc:
            return result(content_hash=digest, skip_reason=str(exc))
        except MemoryError:
            return result(content_hash=digest, skip_reason="too large to read into memory")
        chunks = chunk_pages(pages, self.count_tokens, self.options.chunking)
        if not chunks:
            return result(content_hash=digest, skip_reason="no text")
        return result(
            content_hash=digest,
            title=extracted.title or path.stem,
            pages=len(extracted.pages) if fmt == "pdf" else 0,
            chunks=tuple(chunks),
            terms=tuple(" ".join(index_terms(c.text)) for c in chunks),
            notes=tuple(extracted.notes + notes),
        )


def _unreadable(exc: OSError) -> str:
    return f"cannot read file ({exc.strerror or exc})"


def _clean_pages(raw_pages: list[PageText], fmt: str) -> tuple[list[PageText], list[str]]:
    """Normalise each page and drop pages that carry no text or only noise.

    Raises SkipFile when nothing trustworthy is left, with the reason that best explains it.
    """
    pages = [PageText(p.number, normalize_text(p.text)) for p in raw_pages]
    letters = [letter_count(p.text) for p in pages]
    total = sum(letters)
    if fmt == "pdf":
        empty_pages = sum(1 for n in letters if n == 0)
        if total == 0 or (empty_pages * 2 >= len(pages) and total < 40 * len(pages)):
            raise SkipFile("no text layer (scanned images? run OCR on it first)")
    elif total == 0:
        raise SkipFile("no text")

    kept: list[PageText] = []
    garbled_letters = 0
    garbled_pages = 0
    reasons: dict[str, int] = {}
    for page, n in zip(pages, letters, strict=True):
        if n == 0:
            continue
        reason = garbage_reason(page.text)
        if reason is None:
            kept.append(page)
        else:
            garbled_letters += n
            garbled_pages += 1
            reasons[reason] = reasons.get(reason, 0) + n
    if garbled_letters * 2 > total:
        raise SkipFile(max(reasons, key=lambda r: reasons[r]))
    notes = [f"{garbled_pages} page(s) with garbled text were left out"] if garbled_pages else []
    return kept, notes


def _by_script(counter: TokenCounter, scripts: frozenset[str]) -> TokenCounter:
    def count(texts: Sequence[str]) -> list[int]:
        readable = [script_share(t, scripts) >= 0.5 for t in texts]
        exact = iter(counter([t for t, ok in zip(texts, readable, strict=True) if ok]))
        estimate = iter(
            approximate_token_count([t for t, ok in zip(texts, readable, strict=True) if not ok])
        )
        return [next(exact) if ok else next(estimate) for ok in readable]

    return count


def load_token_counter(tokenizer_file: str | None) -> TokenCounter:
    """Count tokens with the embedding model's own tokenizer (the Rust `tokenizers` library).

    Falls back to an estimate when the model folder has no tokenizer.json.
    """
    if not tokenizer_file or not os.path.exists(tokenizer_file):
        return approximate_token_count
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(tokenizer_file)
    tokenizer.no_truncation()
    tokenizer.no_padding()

    def count(texts: list[str] | tuple[str, ...]) -> list[int]:
        if not texts:
            return []
        return [len(e.ids) for e in tokenizer.encode_batch(list(texts), add_special_tokens=False)]

    return count  # type: ignore[return-value]
