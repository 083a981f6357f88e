"""Indexing into a team library: each file parsed (and read by OCR) in this computer's parser
process, embedded here by every chosen model, then written to the server in one transaction
(services.store.postgres.documents). A file already there (by content) costs its parse only;
one bad file is reported and skipped, never the end of the run; Cancel stops between files.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop_app.core.cancel import CancelToken, IndexProgress, ProgressCallback
from desktop_app.core.records import FileReport, Outcome, ParsedDocument, ParsedPart, RunSummary
from desktop_app.services.embeddings.passage_vectors import PassageVectors, embed_passages
from desktop_app.services.ingestion.index_run import ReportCallback
from desktop_app.services.ingestion.parser_process import ParserProcess
from desktop_app.services.ingestion.parsing import ParseRequest
from desktop_app.services.store.interfaces import SearchSpace
from desktop_app.services.store.postgres.documents import put_document

if TYPE_CHECKING:
    import psycopg

log = logging.getLogger(__name__)


def index_into_team(
    connection: psycopg.Connection[tuple[Any, ...]],
    files: Sequence[str],
    parser: ParserProcess,
    spaces: Sequence[SearchSpace],
    on_report: ReportCallback | None = None,
    on_progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> RunSummary:
    cancel = cancel or CancelToken()
    summary = RunSummary()
    started = time.monotonic()
    for done, path in enumerate(files):
        if cancel.cancelled:
            summary.cancelled = True
            break
        if on_progress is not None:
            elapsed = time.monotonic() - started
            on_progress(IndexProgress(len(files), done, path, 0, elapsed))
        report = _index_one(connection, path, parser, spaces)
        summary.reports.append(report)
        if on_report is not None:
            on_report(report)
    summary.seconds = time.monotonic() - started
    return summary


def _index_one(
    connection: psycopg.Connection[tuple[Any, ...]],
    path: str,
    parser: ParserProcess,
    spaces: Sequence[SearchSpace],
) -> FileReport:
    parts: list[ParsedPart] = []
    parsed = parser.parse(
        ParseRequest(path), lambda m: parts.append(m) if isinstance(m, ParsedPart) else None
    )
    if parsed.skip_reason is not None:
        status = Outcome.FAILED if parsed.failed else Outcome.SKIPPED
        return FileReport(path, status, parsed.skip_reason, parsed.pages)
    whole = dataclasses.replace(
        parsed,
        chunks=(*parsed.chunks, *(c for p in parts for c in p.chunks)),
        terms=(*parsed.terms, *(t for p in parts for t in p.terms)),
        scanned=(*parsed.scanned, *(s for p in parts for s in p.scanned)),
    )
    try:
        vectors = _embed(whole, spaces)
        written = put_document(connection, whole, Path(path).read_bytes(), vectors)
    except OSError as exc:  # the file went away meanwhile
        return FileReport(path, Outcome.FAILED, f"cannot be read: {exc.strerror or exc}")
    status = Outcome.INDEXED if written.added else Outcome.UNCHANGED  # added by someone
    return FileReport(path, status, None, whole.pages, len(whole.chunks), whole.notes)


def _embed(parsed: ParsedDocument, spaces: Sequence[SearchSpace]) -> dict[str, PassageVectors]:
    texts = [chunk.text for chunk in parsed.chunks]
    if not texts:
        return {}
    return {
        space.embedder.fingerprint: embed_passages(
            space.embedder, texts, space.info.sentence_scoring
        )
        for space in spaces
    }
