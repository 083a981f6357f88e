"""Indexing runs: select files, parse them in a child process, embed, store, report.

Parsing (child process) overlaps with embedding (this thread) through a small queue. Files are
committed in batches: vectors first, then each file's catalog transaction, then the old version's
vectors are deleted. Chunk ids whose fate a crash could leave open are written down before the
vector write, so the next run removes the ones the catalog never received. A run killed at any
point therefore leaves every file either fully indexed or not at all, and the next run resumes.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Sequence
from pathlib import Path

from desktop_app.core.cancel import CancelToken, ProgressCallback
from desktop_app.core.chunking import ChunkingOptions
from desktop_app.core.file_selection import FileSelector
from desktop_app.core.records import (
    ParsedDocument,
    RunSummary,
)
from desktop_app.core.settings import Settings
from desktop_app.services.embeddings import MINILM_SCRIPTS, passage_tokenizer_file
from desktop_app.services.embeddings.passage_vectors import PassageVectors
from desktop_app.services.ingestion.index_run import IndexRun, ReportCallback
from desktop_app.services.ingestion.parser_process import ParserProcess
from desktop_app.services.ingestion.parsing import ParseOptions
from desktop_app.services.store.catalog import Catalog, chunk_id, document_id
from desktop_app.services.store.health import raise_for_fault
from desktop_app.services.store.vector_spaces import VectorSpace, VectorSpaces

log = logging.getLogger(__name__)


_PENDING_KEY = "pending_vector_ids"


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
        run = IndexRun(
            self.catalog,
            self.spaces.writable(),
            self.parser,
            self.settings,
            self.commit,
            on_report,
            on_progress,
            cancel,
        )
        roots = [Path(r).expanduser().resolve() for r in roots]
        selector = FileSelector([*self.settings.exclude_patterns, *excludes])
        files = [str(p) for p in selector.expand(roots)]
        try:
            self.recover()
            if prune:
                run.summary.pruned = self.prune_missing([r for r in roots if r.is_dir()])
            run.execute(files)
        except Exception as exc:
            # A full disk or a read-only folder stops the run between files: every file
            # committed so far is kept whole, the one being written is not in (see above).
            raise_for_fault(exc, self.catalog.path.parent)
            raise
        return run.summary

    def remove(self, paths: Sequence[str]) -> list[str]:
        """Forget documents (the files on disk are not touched)."""
        try:
            return self._remove(paths)
        except Exception as exc:
            raise_for_fault(exc, self.catalog.path.parent, then="try again")
            raise

    def _remove(self, paths: Sequence[str]) -> list[str]:
        doomed = {p: self.catalog.chunk_ids_of(p) for p in paths}
        # Written down first, so that vectors a crash leaves behind are removed by recover().
        self.catalog.meta.set(_PENDING_KEY, json.dumps([c for ids in doomed.values() for c in ids]))
        removed = self.catalog.remove(list(doomed))
        self.spaces.delete(cid for p in removed for cid in doomed[p])
        self.catalog.meta.set(_PENDING_KEY, "")
        return removed

    def prune_missing(self, folders: Sequence[Path]) -> list[str]:
        """Forget documents under `folders` whose files were deleted from disk."""
        gone = [
            d.path
            for f in folders
            for d in self.catalog.documents_under(f)
            if not Path(d.path).exists()
        ]
        return self._remove(gone)

    def recover(self) -> None:
        """Remove vectors of an interrupted commit that the catalog never received."""
        pending = self.catalog.meta.get(_PENDING_KEY)
        if not pending:
            return
        ids = set(json.loads(pending))
        orphans = ids - self.catalog.existing_chunk_ids(ids)
        if orphans:
            log.info("Removing %d vectors left by an interrupted run", len(orphans))
            self.spaces.delete(orphans)
        self.catalog.meta.set(_PENDING_KEY, "")

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
            ocr=self.settings.ocr_enabled,
            ocr_languages=tuple(self.settings.ocr_languages),
        )

    # -- one batch ----------------------------------------------------------------------------

    def commit(
        self,
        batch: Sequence[ParsedDocument],
        spaces: Sequence[VectorSpace],
        embeddings: Sequence[PassageVectors],
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
        self.catalog.meta.set(_PENDING_KEY, json.dumps(new_ids + old_ids))
        for space, vectors in zip(spaces, embeddings, strict=True):
            self.spaces.store.add(
                space.collection, new_ids, vectors.vectors, metadatas, vectors.sentences
            )
        for doc in batch:
            self.catalog.replace_document(doc, document_id(doc.path, doc.content_hash), doc.terms)
        reused = set(new_ids)
        self.spaces.delete(cid for cid in old_ids if cid not in reused)
        self.catalog.meta.set(_PENDING_KEY, "")
