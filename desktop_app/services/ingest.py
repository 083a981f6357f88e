"""Indexing runs: select files, parse them in a child process, embed, store, report.

Parsing (child process) overlaps with embedding (this thread) through a small queue. Files are
committed in batches: vectors first, then each file's catalog transaction, then the old version's
vectors are deleted. Chunk ids whose fate a crash could leave open are written down before the
vector write, so the next run removes the ones the catalog never received. A run killed at any
point therefore leaves every file either fully indexed or not at all, and the next run resumes.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop_app.core.cancel import Cancelled, CancelToken, IndexProgress, ProgressCallback
from desktop_app.core.chunking import ChunkingOptions
from desktop_app.core.file_selection import FileSelector
from desktop_app.core.models import (
    DocumentInfo,
    FileReport,
    Outcome,
    ParsedDocument,
    ParsedPart,
    RunSummary,
)
from desktop_app.core.settings import Settings
from desktop_app.services.catalog import Catalog, chunk_id, document_id
from desktop_app.services.embeddings import MINILM_SCRIPTS, passage_tokenizer_file
from desktop_app.services.parser_process import ParserProcess
from desktop_app.services.parsing import ParseOptions, ParseRequest
from desktop_app.services.vector_spaces import VectorSpace, VectorSpaces

log = logging.getLogger(__name__)

ReportCallback = Callable[[FileReport], None]

_PENDING_KEY = "pending_vector_ids"
_QUEUE_DEPTH = 16  # parsed parts waiting for the embedder: bounds memory on huge folders
_END = object()


@dataclass(slots=True)
class _OpenFile:
    """A file whose passages are arriving part by part and being embedded."""

    parts: list[ParsedPart] = field(default_factory=list)
    # Per embedded part, one array for each vector space (the run's spaces, in order).
    vectors: list[tuple[Any, ...]] = field(default_factory=list)
    final: ParsedDocument | None = None

    @property
    def complete(self) -> bool:
        return self.final is not None and len(self.vectors) == len(self.parts)


class IngestService:
    def __init__(self, catalog: Catalog, spaces: VectorSpaces, settings: Settings) -> None:
        self.catalog = catalog
        self.spaces = spaces
        self.settings = settings
        self._parser: ParserProcess | None = None
        self._parser_lock = threading.Lock()

    def parser(self) -> ParserProcess:
        """The long-lived parser process, (re)started when the parse options changed."""
        with self._parser_lock:
            options = self.parse_options()
            if self._parser is None or self._parser.options != options:
                if self._parser is not None:
                    self._parser.close()
                self._parser = ParserProcess(options, self.settings.parse_timeout_s)
                self._parser.start()
            return self._parser

    def close(self) -> None:
        with self._parser_lock:
            if self._parser is not None:
                self._parser.close()
                self._parser = None

    # -- public API -------------------------------------------------------------------------

    def index(
        self,
        roots: Sequence[Path],
        excludes: Sequence[str] = (),
        on_report: ReportCallback | None = None,
        on_progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
        prune: bool = True,
    ) -> RunSummary:
        """Index files and folders; returns when done or cancelled. One bad file never raises."""
        cancel = cancel or CancelToken()
        self.parser()  # start the child first: it loads while we look for files
        run = _Run(self, on_report, on_progress, cancel)
        self.recover()
        roots = [Path(r).expanduser().resolve() for r in roots]
        selector = FileSelector([*self.settings.exclude_patterns, *excludes])
        files = [str(p) for p in selector.expand(roots)]
        if prune:
            run.summary.pruned = self.prune_missing([r for r in roots if r.is_dir()])
        run.execute(files)
        return run.summary

    def remove(self, paths: Sequence[str]) -> list[str]:
        """Forget documents (the files on disk are not touched)."""
        doomed = {p: self.catalog.chunk_ids_of(p) for p in paths}
        # Written down first, so that vectors a crash leaves behind are removed by recover().
        self.catalog.set_meta(_PENDING_KEY, json.dumps([c for ids in doomed.values() for c in ids]))
        removed = self.catalog.remove(list(doomed))
        self.spaces.delete(cid for p in removed for cid in doomed[p])
        self.catalog.set_meta(_PENDING_KEY, "")
        return removed

    def prune_missing(self, folders: Sequence[Path]) -> list[str]:
        """Forget documents under `folders` whose files were deleted from disk."""
        gone = [
            d.path
            for f in folders
            for d in self.catalog.documents_under(f)
            if not Path(d.path).exists()
        ]
        return self.remove(gone)

    def recover(self) -> None:
        """Remove vectors of an interrupted commit that the catalog never received."""
        pending = self.catalog.get_meta(_PENDING_KEY)
        if not pending:
            return
        ids = set(json.loads(pending))
        orphans = ids - self.catalog.existing_chunk_ids(ids)
        if orphans:
            log.info("Removing %d vectors left by an interrupted run", len(orphans))
            self.spaces.delete(orphans)
        self.catalog.set_meta(_PENDING_KEY, "")

    def parse_options(self) -> ParseOptions:
        return ParseOptions(
            max_bytes=self.settings.max_file_mb * 1024 * 1024,
            # Passages are measured the same way whichever models embed them, so that choosing
            # another model re-embeds them without reading any document again.
            tokenizer_file=passage_tokenizer_file(),
            tokenizer_scripts=MINILM_SCRIPTS,
            chunking=ChunkingOptions(
                max_tokens=self.settings.chunk_max_tokens,
                overlap_tokens=self.settings.chunk_overlap_tokens,
            ),
        )

    # -- one batch ----------------------------------------------------------------------------

    def commit(
        self,
        batch: Sequence[ParsedDocument],
        spaces: Sequence[VectorSpace],
        embeddings: Sequence[object],
    ) -> None:
        """Store a batch of parsed files, embedded once per vector space (`embeddings[i]` for
        `spaces[i]`); see the module docstring for the order."""
        new_ids: list[str] = []
        metadatas: list[dict[str, str | int]] = []
        old_ids: list[str] = []
        for doc in batch:
            doc_id = document_id(doc.path, doc.content_hash)
            old_ids.extend(self.catalog.chunk_ids_of(doc.path))
            for chunk in doc.chunks:
                new_ids.append(chunk_id(doc_id, chunk.ordinal))
                metadatas.append(
                    {
                        "doc_id": doc_id,
                        "path": doc.path,
                        "page": chunk.page or 0,
                        "ordinal": chunk.ordinal,
                    }
                )
        self.catalog.set_meta(_PENDING_KEY, json.dumps(new_ids + old_ids))
        for space, vectors in zip(spaces, embeddings, strict=True):
            self.spaces.store.add(space.collection, new_ids, vectors, metadatas)
        for doc in batch:
            self.catalog.replace_document(doc, document_id(doc.path, doc.content_hash), doc.terms)
        reused = set(new_ids)
        self.spaces.delete(cid for cid in old_ids if cid not in reused)
        self.catalog.set_meta(_PENDING_KEY, "")


class _Run:
    """The state of one indexing run: a parsing thread feeding the embedding loop."""

    def __init__(
        self,
        service: IngestService,
        on_report: ReportCallback | None,
        on_progress: ProgressCallback | None,
        cancel: CancelToken,
    ) -> None:
        self.service = service
        self.on_report = on_report
        self.on_progress = on_progress
        self.cancel = cancel
        self.summary = RunSummary()
        self.spaces = service.spaces.writable()  # every model embeds every passage
        self.started = time.monotonic()
        self.total = 0
        self.chunks_embedded = 0
        self.current: str | None = None
        self.stopping = threading.Event()  # tells the parsing thread to stop, for any reason
        self.open_files: dict[str, _OpenFile] = {}  # in arrival order
        self.unembedded: list[ParsedPart] = []

    @property
    def embed_step(self) -> int:
        """Passages per embedding call: enough to keep the model busy, few enough that cancel
        and progress respond within a second or two."""
        return max(self.service.settings.embedding_batch_size * 2, 32)

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
        service = self.service
        try:
            parser = service.parser()
            for path in files:
                if self.should_stop():
                    break
                known = service.catalog.document(path)
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
            elif isinstance(item, ParsedPart):
                self.open_files.setdefault(item.path, _OpenFile()).parts.append(item)
                self.unembedded.append(item)
                pending += len(item.chunks)
            elif isinstance(item, (ParsedDocument, FileReport)):
                self._finish(item)
            self.cancel.raise_if_cancelled()
            if pending and (finished or item is None or pending >= target):
                self._embed_pending()
            self._commit_complete()

    def _finish(self, item: ParsedDocument | FileReport) -> None:
        """A file's final word: skipped, failed, unchanged, or all its passages are sent."""
        catalog = self.service.catalog
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
        pieces: list[list[Any]] = [[] for _ in self.spaces]
        self.current = parts[0].path
        for i in range(0, len(texts), step):
            for space, done in zip(self.spaces, pieces, strict=True):
                self.cancel.raise_if_cancelled()
                done.append(space.embedder.embed_documents(texts[i : i + step]))
            self.chunks_embedded += len(texts[i : i + step])
            self._progress()
        import numpy as np

        vectors = [np.concatenate(p) if len(p) > 1 else p[0] for p in pieces]
        offset = 0
        for part in parts:
            end = offset + len(part.chunks)
            self.open_files[part.path].vectors.append(tuple(v[offset:end] for v in vectors))
            offset = end

    def _commit_complete(self) -> None:
        ready = [path for path, f in self.open_files.items() if f.complete]
        if not ready:
            return
        import numpy as np

        documents = []
        vectors: list[tuple[Any, ...]] = []
        for path in ready:
            open_file = self.open_files.pop(path)
            assert open_file.final is not None
            documents.append(
                dataclasses.replace(
                    open_file.final,
                    chunks=tuple(c for p in open_file.parts for c in p.chunks),
                    terms=tuple(t for p in open_file.parts for t in p.terms),
                )
            )
            vectors.extend(open_file.vectors)
        per_space = [np.concatenate([v[i] for v in vectors]) for i in range(len(self.spaces))]
        self.service.commit(documents, self.spaces, per_space)
        for doc in documents:
            self._report(
                FileReport(doc.path, Outcome.INDEXED, None, doc.pages, len(doc.chunks), doc.notes)
            )

    def _report(self, report: FileReport) -> None:
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
                    current_path=self.current,
                    chunks_embedded=self.chunks_embedded,
                    elapsed_s=time.monotonic() - self.started,
                )
            )


def _unchanged_on_disk(path: str, known: DocumentInfo | None) -> FileReport | None:
    """Same size and modification time as last time: trust it without reading (as git does)."""
    if known is None:
        return None
    try:
        stat = Path(path).stat()
    except OSError:
        return None
    if stat.st_size != known.size or stat.st_mtime_ns != known.mtime_ns:
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
