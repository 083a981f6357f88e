"""One indexing run: a parsing thread feeding the embedding loop, files committed as soon as
all their passages are embedded (services.ingestion.ingest starts runs and owns the commit)."""

from __future__ import annotations

import dataclasses
import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from desktop_app.core.cancel import Cancelled, CancelToken, IndexProgress, ProgressCallback
from desktop_app.core.records import (
    DiskState,
    DocumentInfo,
    FileReport,
    Outcome,
    ParsedDocument,
    ParsedPart,
    ReadingPage,
    RunSummary,
)
from desktop_app.core.settings import Settings
from desktop_app.services.embeddings.passage_vectors import PassageVectors, embed_passages
from desktop_app.services.ingestion.disk_state import disk_state
from desktop_app.services.ingestion.parser_process import ParserProcess
from desktop_app.services.ingestion.parsing import ParseRequest
from desktop_app.services.store.catalog import Catalog
from desktop_app.services.store.vector_spaces import VectorSpace

log = logging.getLogger(__name__)

ReportCallback = Callable[[FileReport], None]
# Stores a batch of parsed files with their vectors, one set per space (IngestService.commit).
CommitCallback = Callable[
    [Sequence[ParsedDocument], Sequence[VectorSpace], Sequence[PassageVectors]], None
]

_QUEUE_DEPTH = 16  # parsed parts waiting for the embedder: bounds memory on huge folders
_LOOKUP_BATCH = 500  # files whose catalog entries are read in one query
_END = object()


@dataclass(slots=True)
class _OpenFile:
    """A file whose passages are arriving part by part and being embedded."""

    parts: list[ParsedPart] = field(default_factory=list)
    # Per embedded part, its vectors in each vector space (the run's spaces, in order).
    vectors: list[tuple[PassageVectors, ...]] = field(default_factory=list)
    final: ParsedDocument | None = None

    @property
    def complete(self) -> bool:
        return self.final is not None and len(self.vectors) == len(self.parts)


class IndexRun:
    """The state of one indexing run: a parsing thread feeding the embedding loop."""

    def __init__(
        self,
        catalog: Catalog,
        spaces: Sequence[VectorSpace],  # every model embeds every passage
        parser: Callable[[], ParserProcess],
        settings: Settings,
        commit: CommitCallback,
        on_report: ReportCallback | None,
        on_progress: ProgressCallback | None,
        cancel: CancelToken,
    ) -> None:
        self.catalog = catalog
        self.parser = parser
        self.settings = settings
        self.commit = commit
        self.on_report = on_report
        self.on_progress = on_progress
        self.cancel = cancel
        self.summary = RunSummary()
        self.spaces = list(spaces)
        self.started = time.monotonic()
        self.total = 0
        self.chunks_embedded = 0
        self.current: str | None = None
        self.reading: ReadingPage | None = None  # the page being read by OCR now
        self.stopping = threading.Event()  # tells the parsing thread to stop, for any reason
        self.open_files: dict[str, _OpenFile] = {}  # in arrival order
        self.unembedded: list[ParsedPart] = []

    @property
    def embed_step(self) -> int:
        """Passages per embedding call: enough to keep the model busy, few enough that cancel
        and progress respond within a second or two."""
        return max(self.settings.embedding_batch_size * 2, 32)

    def should_stop(self) -> bool:
        return self.cancel.cancelled or self.stopping.is_set()

    def execute(self, files: list[str]) -> None:
        self.total = len(files)
        self._progress()
        parsed: queue.Queue[object] = queue.Queue(maxsize=_QUEUE_DEPTH)
        producer = threading.Thread(
            target=self._produce, args=(files, parsed), name="librarian-parse", daemon=True
        )
        producer.start()
        try:
            for space in self.spaces:  # while the first file is being parsed
                space.embedder.load()
            self._consume(parsed)
        except Cancelled:
            self.summary.cancelled = True
        finally:
            self.stopping.set()
            _drain(parsed, producer)
            producer.join()
            self.summary.seconds = time.monotonic() - self.started

    # The producer: decide which files need parsing, parse them in the child process.
    def _produce(self, files: list[str], out: queue.Queue[object]) -> None:
        try:
            parser = self.parser()
            known_at: dict[str, DocumentInfo] = {}
            for n, path in enumerate(files):
                if self.should_stop():
                    break
                if n % _LOOKUP_BATCH == 0:
                    known_at = self.catalog.documents_at(files[n : n + _LOOKUP_BATCH])
                known = known_at.get(path)
                quick = _unchanged_on_disk(path, known)
                if quick is not None:
                    out.put(quick)
                    continue
                indexed = known is not None and known.status is Outcome.INDEXED
                request = ParseRequest(path, known.content_hash if indexed and known else None)
                out.put(parser.parse(request, out.put, self.should_stop))
        except Cancelled:
            pass
        except Exception as exc:  # hand any surprise to the consumer to report
            log.exception("parsing thread failed")
            out.put(exc)
        finally:
            out.put(_END)

    # The consumer: runs on the caller's thread, embeds and commits.
    def _consume(self, parsed: queue.Queue[object]) -> None:
        target = self.embed_step
        finished = False
        while not finished:
            pending = sum(len(p.chunks) for p in self.unembedded)
            block = pending == 0  # never sit idle while there is something to embed
            try:
                item = parsed.get(block=block, timeout=None if block else 0)
            except queue.Empty:
                item = None
            if item is _END:
                finished = True
            elif isinstance(item, Exception):
                raise item
            elif isinstance(item, ReadingPage):
                self.reading = item
                self._progress()
            elif isinstance(item, ParsedPart):
                self.open_files.setdefault(item.path, _OpenFile()).parts.append(item)
                self.unembedded.append(item)
                pending += len(item.chunks)
            elif isinstance(item, (ParsedDocument, FileReport)):
                if self.reading is not None and self.reading.path == item.path:
                    self.reading = None
                self._finish(item)
            self.cancel.raise_if_cancelled()
            if pending and (finished or item is None or pending >= target):
                self._embed_pending()
            self._commit_complete()

    def _finish(self, item: ParsedDocument | FileReport) -> None:
        """A file's final word: skipped, failed, unchanged, or all its passages are sent."""
        catalog = self.catalog
        if isinstance(item, FileReport):  # decided without parsing: unchanged on disk
            self._report(item)
            return
        doc = item
        if doc.failed or doc.skip_reason:
            self._discard(doc.path)
            status = Outcome.FAILED if doc.failed else Outcome.SKIPPED
            reason = doc.skip_reason or "unknown error"
            known = catalog.document(doc.path)
            if not doc.failed or known is None or known.status is not Outcome.INDEXED:
                # A file that was fine before and fails now for an unexpected reason
                # (crash, timeout) keeps its indexed version.
                catalog.record_unindexed(doc, status, reason)
            self._report(FileReport(doc.path, status, reason, doc.pages))
        elif doc.unchanged:
            catalog.touch(doc.path, doc.mtime_ns)
            known = catalog.document(doc.path)
            pages, chunks = (known.pages, known.chunks) if known else (0, 0)
            self._report(FileReport(doc.path, Outcome.UNCHANGED, None, pages, chunks))
        else:
            self.open_files.setdefault(doc.path, _OpenFile()).final = doc

    def _discard(self, path: str) -> None:
        """Passages already sent for a file that turned out to be skipped are dropped."""
        self.open_files.pop(path, None)
        self.unembedded = [p for p in self.unembedded if p.path != path]

    def _embed_pending(self) -> None:
        parts, self.unembedded = self.unembedded, []
        texts = [c.text for p in parts for c in p.chunks]
        step = self.embed_step
        pieces: list[list[PassageVectors]] = [[] for _ in self.spaces]
        self.current = parts[0].path
        for i in range(0, len(texts), step):
            for space, done in zip(self.spaces, pieces, strict=True):
                self.cancel.raise_if_cancelled()
                done.append(
                    embed_passages(space.embedder, texts[i : i + step], space.info.sentence_scoring)
                )
            self.chunks_embedded += len(texts[i : i + step])
            self._progress()
        vectors = [PassageVectors.concat(p) for p in pieces]
        offset = 0
        for part in parts:
            end = offset + len(part.chunks)
            self.open_files[part.path].vectors.append(tuple(v[offset:end] for v in vectors))
            offset = end

    def _commit_complete(self) -> None:
        ready = [path for path, f in self.open_files.items() if f.complete]
        if not ready:
            return
        documents = []
        vectors: list[tuple[PassageVectors, ...]] = []
        for path in ready:
            open_file = self.open_files.pop(path)
            assert open_file.final is not None
            documents.append(
                dataclasses.replace(
                    open_file.final,
                    chunks=tuple(c for p in open_file.parts for c in p.chunks),
                    terms=tuple(t for p in open_file.parts for t in p.terms),
                    scanned=tuple(page for p in open_file.parts for page in p.scanned),
                )
            )
            vectors.extend(open_file.vectors)
        per_space = [
            PassageVectors.concat([v[i] for v in vectors]) for i in range(len(self.spaces))
        ]
        self.commit(documents, self.spaces, per_space)
        for doc in documents:
            self._report(
                FileReport(doc.path, Outcome.INDEXED, None, doc.pages, len(doc.chunks), doc.notes)
            )

    def _report(self, report: FileReport) -> None:
        # File names and outcomes only: no document text in the log.
        level = logging.DEBUG if report.status is Outcome.UNCHANGED else logging.INFO
        reason = f": {report.reason}" if report.reason else ""
        log.log(level, "%s %s%s", report.status.value, Path(report.path).name, reason)
        self.summary.reports.append(report)
        self.current = report.path
        if self.on_report is not None:
            self.on_report(report)
        self._progress()

    def _progress(self) -> None:
        if self.on_progress is not None:
            self.on_progress(
                IndexProgress(
                    files_total=self.total,
                    files_done=len(self.summary.reports),
                    current_path=self.reading.path if self.reading else self.current,
                    chunks_embedded=self.chunks_embedded,
                    elapsed_s=time.monotonic() - self.started,
                    ocr_page=(self.reading.page, self.reading.pages) if self.reading else None,
                )
            )


def _unchanged_on_disk(path: str, known: DocumentInfo | None) -> FileReport | None:
    """Same size and modification time as last time: trust it without reading (as git does)."""
    if known is None or disk_state(known) is not DiskState.SAME:
        return None
    if known.status is Outcome.INDEXED:
        return FileReport(path, Outcome.UNCHANGED, None, known.pages, known.chunks)
    if known.status is Outcome.SKIPPED:
        return FileReport(path, Outcome.SKIPPED, known.reason, known.pages)
    return None  # failed last time: try again


def _drain(q: queue.Queue[object], producer: threading.Thread) -> None:
    """Unblock a producer stuck on a full queue after the consumer stopped."""
    while producer.is_alive():
        try:
            q.get(timeout=0.05)
        except queue.Empty:
            pass
