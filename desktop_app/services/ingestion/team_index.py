"""Indexing into a team library: each file parsed (and read by OCR) in this computer's parser
process, embedded here by every chosen model, then written to the server in one transaction
(services.store.postgres.documents). A file already there (by content) costs its parse only;
one bad file is reported and skipped, never the end of the run; Cancel stops between files.
A connection the server drops is made again and the document written again (its transaction
was all or nothing); a server away for good ends the run with the files written so far kept.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop_app.core.cancel import Cancelled, CancelToken, IndexProgress, ProgressCallback
from desktop_app.core.records import FileReport, Outcome, ParsedDocument, ParsedPart, RunSummary
from desktop_app.services.embeddings.passage_vectors import PassageVectors, embed_passages
from desktop_app.services.ingestion.index_run import ReportCallback
from desktop_app.services.ingestion.parser_process import ParserProcess
from desktop_app.services.ingestion.parsing import ParseRequest
from desktop_app.services.store.interfaces import SearchSpace
from desktop_app.services.store.postgres.connection import TeamLibraryError, first_line
from desktop_app.services.store.postgres.documents import Written, put_document

if TYPE_CHECKING:
    import psycopg

    Connection = psycopg.Connection[tuple[Any, ...]]

log = logging.getLogger(__name__)

# Between tries to connect again after the server dropped the connection: about a minute in all.
RECONNECT_WAITS_S = (0.5, 1, 2, 4, 8, 15, 30)


def index_into_team(
    connect: Callable[[], Connection],
    files: Sequence[str],
    parser: ParserProcess,
    spaces: Sequence[SearchSpace],
    on_report: ReportCallback | None = None,
    on_progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> RunSummary:
    """`connect` makes the connection to write on (autocommit), and a new one when the
    server dropped it: the document being written is written again on it."""
    cancel = cancel or CancelToken()
    summary = RunSummary()
    started = time.monotonic()
    with _Writer(connect, cancel) as writer:
        for done, path in enumerate(files):
            if cancel.cancelled:
                summary.cancelled = True
                break
            if on_progress is not None:
                elapsed = time.monotonic() - started
                on_progress(IndexProgress(len(files), done, path, 0, elapsed))
            try:
                report = _index_one(writer, path, parser, spaces)
            except Cancelled:  # while waiting for the server to come back
                summary.cancelled = True
                break
            summary.reports.append(report)
            if on_report is not None:
                on_report(report)
    summary.seconds = time.monotonic() - started
    return summary


class _Writer:
    """The connection documents are written on, made again when the server drops it (a
    restart, a fail-over, the network gone a while): waits RECONNECT_WAITS_S between tries,
    then gives up with a TeamLibraryError. A document's transaction is all or nothing, so
    writing it again is safe (stored once, by content)."""

    def __init__(self, connect: Callable[[], Connection], cancel: CancelToken) -> None:
        self._connect = connect
        self._cancel = cancel
        self._connection = connect()

    def put(
        self, parsed: ParsedDocument, original: bytes, vectors: dict[str, PassageVectors]
    ) -> Written:
        import psycopg

        try:
            return put_document(self._connection, parsed, original, vectors)
        except psycopg.OperationalError as exc:
            if not self._connection.broken:
                raise
            log.info("connection lost while writing %s (%s): connecting again", parsed.path, exc)
            self._connection.close()
            self._connection = self._reconnect(first_line(exc))
            return put_document(self._connection, parsed, original, vectors)

    def _reconnect(self, why: str) -> Connection:
        for wait in RECONNECT_WAITS_S:
            if self._cancel.wait(wait):
                raise Cancelled()
            try:
                return self._connect()
            except TeamLibraryError as exc:
                why = str(exc)
        raise TeamLibraryError(
            f"the team library stopped answering ({why}); the files written so far are kept, "
            "and indexing again goes on from there"
        )

    def __enter__(self) -> _Writer:
        return self

    def __exit__(self, *_: object) -> None:
        self._connection.close()


def _index_one(
    writer: _Writer,
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
        written = writer.put(whole, Path(path).read_bytes(), vectors)
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
