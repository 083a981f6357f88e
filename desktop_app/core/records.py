"""The data types that travel between the layers."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Outcome(StrEnum):
    """What happened to one file in an indexing run."""

    INDEXED = "indexed"  # new or changed, now fully in the index
    UNCHANGED = "unchanged"  # already indexed with the same content: no work done
    SKIPPED = "skipped"  # readable as a file, but nothing worth indexing (reason says why)
    FAILED = "failed"  # an unexpected error; the file is left as it was in the index


class DiskState(StrEnum):
    """How an indexed file compares with the file on disk now."""

    SAME = "same"
    CHANGED = "changed"  # modified since it was indexed: the next run re-indexes it
    MISSING = "missing"  # deleted or moved: the next run of its folder forgets it


@dataclass(frozen=True, slots=True)
class WordBox:
    """Where one word read by OCR is: its span in the page's text, and its rectangle as
    fractions of the page's width and height (so any zoom or DPI can paint it)."""

    start: int
    end: int
    left: float
    top: float
    right: float
    bottom: float


@dataclass(frozen=True, slots=True)
class PageText:
    """The text of one page (PDF) or of a whole document (formats without pages)."""

    number: int | None  # 1-based, as PDF viewers count; None for formats without pages
    text: str
    # Pages read by OCR carry their words' boxes (their text is already normalized); a text
    # layer's pages carry None.
    words: tuple[WordBox, ...] | None = None

    @property
    def scanned(self) -> bool:
        return self.words is not None


@dataclass(frozen=True, slots=True)
class ChunkDraft:
    """A passage cut from one page, before it has an id or an embedding."""

    page: int | None
    start: int  # character span in that page's text: text == page_text[start:end]
    end: int
    text: str
    ordinal: int = 0  # position within the document, 0-based


@dataclass(frozen=True, slots=True)
class ParsedDocument:
    """What a worker returns for one file: chunks ready to embed, or the reason to skip it."""

    path: str
    content_hash: str
    size: int
    mtime_ns: int
    format: str
    title: str = ""
    pages: int = 0
    chunks: tuple[ChunkDraft, ...] = ()
    terms: tuple[str, ...] = ()  # per chunk: its lexical index terms, space-separated
    skip_reason: str | None = None  # set when the file is reported and not indexed
    notes: tuple[str, ...] = ()  # partial problems that did not stop indexing
    failed: bool = False  # skip_reason is an unexpected error, not a property of the file
    unchanged: bool = False  # same content hash as the indexed version: nothing to do
    scanned: tuple[PageText, ...] = ()  # pages read by OCR, with their words' boxes


@dataclass(frozen=True, slots=True)
class ParsedPart:
    """Passages of a few pages, sent while the rest of the file is still being parsed, so that
    embedding overlaps with parsing. They count only once the file's ParsedDocument arrives
    without a skip reason."""

    path: str
    chunks: tuple[ChunkDraft, ...]
    terms: tuple[str, ...]
    scanned: tuple[PageText, ...] = ()  # this part's pages read by OCR, with their words


@dataclass(frozen=True, slots=True)
class ReadingPage:
    """The parser is reading a page by OCR (seconds per page): said so that the progress bar
    shows it and the no-progress timeout knows the parser is alive."""

    path: str
    page: int
    pages: int


@dataclass(frozen=True, slots=True)
class FileReport:
    """The outcome of one file, as the CLI and the GUI show it."""

    path: str
    status: Outcome
    reason: str | None = None
    pages: int = 0
    chunks: int = 0
    notes: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "status": self.status.value,
            "reason": self.reason,
            "pages": self.pages,
            "chunks": self.chunks,
        }


@dataclass(slots=True)
class RunSummary:
    """Totals of an indexing run."""

    reports: list[FileReport] = field(default_factory=list)
    pruned: list[str] = field(default_factory=list)
    cancelled: bool = False
    seconds: float = 0.0

    def count(self, status: Outcome) -> int:
        return sum(1 for r in self.reports if r.status is status)

    @property
    def changed(self) -> bool:
        """Whether the run indexed or pruned something (a file skipped or failed as before, or
        newly, changes no passage: no reason for a backup of the catalog)."""
        return bool(self.pruned) or any(r.status is Outcome.INDEXED for r in self.reports)


@dataclass(frozen=True, slots=True)
class DocumentInfo:
    """One file known to the library."""

    path: str
    status: Outcome  # INDEXED, SKIPPED or FAILED: the last result for this content
    reason: str | None
    title: str
    format: str
    pages: int
    chunks: int
    size: int
    mtime_ns: int
    content_hash: str
    indexed_at: float

    def as_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "status": self.status.value,
            "reason": self.reason,
            "title": self.title,
            "format": self.format,
            "pages": self.pages,
            "chunks": self.chunks,
            "size": self.size,
            "content_hash": self.content_hash,
            "indexed_at": self.indexed_at,
        }


@dataclass(frozen=True, slots=True)
class StoredChunk:
    """A passage as it sits in the index."""

    id: str
    doc_id: str
    path: str
    title: str
    ordinal: int
    page: int | None
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class DenseMatch:
    """How one dense (embedding) model ranked a passage for a query."""

    model: str  # the model's key (core.embedding_models)
    rank: int  # 1-based
    score: float  # cosine similarity of the query and the passage

    def as_dict(self) -> dict[str, object]:
        return {"model": self.model, "rank": self.rank, "score": round(self.score, 6)}


@dataclass(frozen=True, slots=True)
class SearchHit:
    """A ranked passage: one chunk, or neighbouring chunks merged into one span."""

    path: str
    title: str
    page: int | None
    start: int
    end: int
    text: str
    score: float
    chunk_ids: tuple[str, ...]
    # Each dense model that ranked it (for explaining a result and for the relevance gate).
    dense: tuple[DenseMatch, ...] = ()
    lexical_rank: int | None = None  # 1-based rank in the lexical ranking
    lexical_score: float | None = None  # BM25 score (unbounded)

    def as_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "title": self.title,
            "page": self.page,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "score": round(self.score, 6),
            "dense": [m.as_dict() for m in self.dense],
            "lexical_rank": self.lexical_rank,
            "lexical_score": None if self.lexical_score is None else round(self.lexical_score, 6),
        }
