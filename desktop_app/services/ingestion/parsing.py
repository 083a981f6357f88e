"""One file in, passages out: read, hash, extract, clean, judge the text, chunk.

This runs in the parser process (see parser_process.py), so it must not import torch or Chroma.
Pages are processed in small groups and their passages emitted as soon as they are ready, so the
embedder can start on a long PDF before its last page is parsed. Every failure mode of a real
file ends as a ParsedDocument with a skip reason, never as an exception escaping to the caller.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
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
from desktop_app.core.lexical import index_terms
from desktop_app.core.records import ChunkDraft, PageText, ParsedDocument, ParsedPart, ReadingPage
from desktop_app.core.scripts import script_share
from desktop_app.core.settings import DEFAULTS
from desktop_app.core.text_quality import (
    FIXED_BY_OCR,
    MIN_LETTERS_PER_TEXT_PAGE,
    garbage_reason,
    letter_count,
    normalize_text,
    repair_mojibake,
)
from desktop_app.services.ingestion.extraction import SkipFile, extract
from desktop_app.services.ingestion.scanning import OcrSource, PageScanner

PAGES_PER_PART = 4
# A file whose first pages are nearly all garbled is given up early: parsing the rest of a
# 150-page mojibake PDF would cost seconds of CPU for nothing.
_EARLY_VERDICT_PAGES = 12

NO_TEXT_LAYER = "no text layer"

Emit = Callable[[ParsedPart | ReadingPage], None]


@dataclass(frozen=True, slots=True)
class ParseOptions:
    max_bytes: int = DEFAULTS.max_file_mb * 1024 * 1024
    tokenizer_file: str | None = None  # what passages are measured with (a tokenizer.json)
    # Scripts the tokenizer was made for (None: all). It shreds text in other scripts into
    # single characters, which would make passages absurdly short, so their length is
    # estimated from words instead.
    tokenizer_scripts: frozenset[str] | None = None
    chunking: ChunkingOptions = field(default_factory=ChunkingOptions)
    ocr: bool = True  # read scanned pages and images by OCR
    ocr_languages: tuple[str, ...] = ("eng", "rus")


@dataclass(frozen=True, slots=True)
class ParseRequest:
    path: str
    known_hash: str | None = None  # content hash already indexed: stop early if it matches


class Parser:
    """Stateful only for the loaded tokenizer; one per process."""

    def __init__(self, options: ParseOptions) -> None:
        self.options = options
        self._count_tokens: TokenCounter | None = None
        self.ocr = OcrSource(options.ocr, options.ocr_languages)

    @property
    def count_tokens(self) -> TokenCounter:
        if self._count_tokens is None:
            counter = load_token_counter(self.options.tokenizer_file)
            scripts = self.options.tokenizer_scripts
            self._count_tokens = counter if scripts is None else _by_script(counter, scripts)
        return self._count_tokens

    def warm_up(self) -> None:
        """Import the PDF library and load the tokenizer before the first file needs them."""
        import pypdf  # noqa: F401 - imported for its side effect of being loaded

        self.count_tokens(["warm-up"])

    def parse(self, request: ParseRequest) -> ParsedDocument:
        """The whole file at once (passages in the result)."""
        parts: list[ParsedPart] = []

        def keep(message: ParsedPart | ReadingPage) -> None:
            if isinstance(message, ParsedPart):
                parts.append(message)

        doc = self.parse_streaming(request, keep)
        if doc.skip_reason or doc.unchanged:
            return doc
        return dataclasses.replace(
            doc,
            chunks=tuple(c for p in parts for c in p.chunks),
            terms=tuple(t for p in parts for t in p.terms),
            scanned=tuple(page for p in parts for page in p.scanned),
        )

    def parse_streaming(self, request: ParseRequest, emit: Emit) -> ParsedDocument:
        """Emit passages in parts as pages are read; the returned document carries no passages
        itself. When it has a skip reason, the parts emitted so far must be discarded."""
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
            return result(content_hash=digest, unchanged=True)
        if not data.strip():
            return result(content_hash=digest, skip_reason="empty file")
        try:
            extracted = extract(data, fmt, path.name)
            scanner = None
            if extracted.images is not None:
                pages = extracted.page_count

                def announce(number: int) -> None:
                    emit(ReadingPage(request.path, number, pages))

                scanner = PageScanner(extracted.images, self.ocr, announce)
            judge = _PageJudge(fmt, scanner)
            ordinal = self._emit_parts(request.path, judge.clean(extracted.pages), emit)
            judge.final_verdict()
        except SkipFile as exc:
            return result(content_hash=digest, skip_reason=str(exc))
        except MemoryError:
            return result(content_hash=digest, skip_reason="too large to read into memory")
        if ordinal == 0:
            return result(content_hash=digest, skip_reason=judge.no_text_reason())
        return result(
            content_hash=digest,
            title=extracted.title or path.stem,
            pages=judge.pages if fmt in ("pdf", "image") else 0,
            notes=tuple(extracted.notes + judge.notes()),
        )

    def _emit_parts(self, path: str, pages: Iterable[PageText], emit: Emit) -> int:
        """Cut the pages into passages and emit them a few pages at a time; returns how many."""
        ordinal = 0
        for group in _groups(pages, PAGES_PER_PART):
            drafts = chunk_pages(group, self.count_tokens, self.options.chunking)
            chunks = _renumber(drafts, ordinal)
            if chunks:
                ordinal += len(chunks)
                terms = tuple(" ".join(index_terms(c.text)) for c in chunks)
                scanned = tuple(p for p in group if p.scanned)
                emit(ParsedPart(path, chunks, terms, scanned))
        return ordinal


def _unreadable(exc: OSError) -> str:
    return f"cannot read file ({exc.strerror or exc})"


def _groups(pages: Iterable[PageText], size: int) -> Iterator[list[PageText]]:
    group: list[PageText] = []
    for page in pages:
        group.append(page)
        if len(group) == size:
            yield group
            group = []
    if group:
        yield group


def _renumber(chunks: list[ChunkDraft], offset: int) -> tuple[ChunkDraft, ...]:
    return tuple(dataclasses.replace(c, ordinal=c.ordinal + offset) for c in chunks)


class _PageJudge:
    """Normalises pages, repairs or reads by OCR those that need it (see scanning.py), and drops
    those with no text or only noise, keeping the statistics that decide whether the file as a
    whole has usable text."""

    def __init__(self, fmt: str, scanner: PageScanner | None) -> None:
        self.fmt = fmt
        self.scanner = scanner
        self.pages = 0
        self.empty_pages = 0
        self.letters = 0
        self.repaired_pages = 0
        self.garbled_pages = 0
        self.garbled_letters: dict[str, int] = {}

    def clean(self, raw_pages: Iterable[PageText]) -> Iterator[PageText]:
        for raw in raw_pages:
            page = PageText(raw.number, normalize_text(raw.text))
            self.pages += 1
            n = letter_count(page.text)
            reason = garbage_reason(page.text) if n else None
            if reason is not None:
                repaired = repair_mojibake(page.text)
                if repaired is not None:
                    page, reason = PageText(page.number, repaired), None
                    self.repaired_pages += 1
            scanner = self.scanner
            number = page.number
            fixable = reason in FIXED_BY_OCR
            if scanner and number is not None and scanner.wants(number, n, fixable):
                scanned = scanner.read(number)
                found = letter_count(scanned.text) if scanned is not None else 0
                if scanned is not None and found > (0 if reason else n):
                    page, n = scanned, found
                    reason = garbage_reason(page.text)
            self.letters += n
            if n == 0:
                self.empty_pages += 1
                continue
            if reason is None:
                yield page
                continue
            self.garbled_pages += 1
            self.garbled_letters[reason] = self.garbled_letters.get(reason, 0) + n
            if self.pages >= _EARLY_VERDICT_PAGES and self._garbled_share() > 0.8:
                raise SkipFile(self._main_garbage_reason())

    def _garbled_share(self) -> float:
        return sum(self.garbled_letters.values()) / max(1, self.letters)

    def _main_garbage_reason(self) -> str:
        return max(self.garbled_letters, key=lambda r: self.garbled_letters[r])

    def no_text_reason(self) -> str:
        missing = self.scanner.missing_reason() if self.scanner is not None else ""
        if self.fmt == "image":
            return f"no text found in the image ({missing})" if missing else "no text found"
        if self.fmt == "pdf":
            if missing:
                return f"{NO_TEXT_LAYER} ({missing})"
            read = self.scanner is not None and self.scanner.pages_read > 0
            return f"{NO_TEXT_LAYER}, and OCR found no text" if read else NO_TEXT_LAYER
        return "no text"

    def final_verdict(self) -> None:
        if self.letters == 0:
            raise SkipFile(self.no_text_reason())
        # Scanned PDFs often carry a few stray characters (stamps, page numbers, a caption).
        mostly_empty = (
            self.empty_pages * 2 >= self.pages
            and self.letters < MIN_LETTERS_PER_TEXT_PAGE * self.pages
        )
        if self.fmt == "pdf" and mostly_empty:
            raise SkipFile(self.no_text_reason())
        if self._garbled_share() > 0.5:
            raise SkipFile(self._main_garbage_reason())

    def notes(self) -> list[str]:
        notes = []
        if self.scanner is not None:
            read, missing = self.scanner.pages_read, self.scanner.missing_reason()
            if read and self.fmt == "pdf":
                notes.append(f"{read} page(s) read by OCR")
            if missing:
                notes.append(f"{self.scanner.pages_unread} scanned page(s) left out ({missing})")
        if self.repaired_pages:
            notes.append(f"{self.repaired_pages} page(s) in the wrong encoding were repaired")
        if self.garbled_pages:
            notes.append(f"{self.garbled_pages} page(s) with garbled text were left out")
        return notes


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

    def count(texts: Sequence[str]) -> list[int]:
        if not texts:
            return []
        return [len(e.ids) for e in tokenizer.encode_batch(list(texts), add_special_tokens=False)]

    return count
