"""Documents written to and removed from a team library, each in one transaction.

An editor parses, reads by OCR and embeds on their own machine; what reaches the server is
one finished document: its row (with the file's bytes), its passages with their terms, its
OCR pages, its vectors in every embedding model's table, and BM25's statistics moved in step.
A client killed midway leaves nothing (the transaction never commits). The same file (by
content hash) is stored once, whoever adds it and however many add it at the same moment: the
unique index makes the later transaction wait for the earlier and then find it there.

Passage ids are content-addressed (the file's hash and the passage's place), so every editor
names the same passage alike.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from desktop_app.core.ocr_layout import pack_words
from desktop_app.core.records import ParsedDocument
from desktop_app.services.embeddings.passage_vectors import PassageVectors
from desktop_app.services.store.postgres.connection import TeamLibraryError

if TYPE_CHECKING:
    import psycopg

MAX_POSITION = 16_383  # PostgreSQL keeps a lexeme's positions up to this
_ATTEMPTS = 3
_TOKEN = re.compile(r"[^\W_]+")


@dataclass(frozen=True, slots=True)
class Written:
    document_id: int
    added: bool  # False: the same file was in the library already
    replaced: int | None = None  # the earlier version at the same path, removed


def passage_id(content_hash: str, ordinal: int) -> str:
    return f"{content_hash[:20]}:{ordinal}"


def tokens(terms: str) -> list[str]:
    """The terms as the local library's FTS5 index splits them (its unicode61 tokenizer: runs
    of letters and digits), so that lengths and counts, and so BM25, are the same: "3.5" is
    two tokens there, and here."""
    return _TOKEN.findall(terms)


def tsvector_text(terms: str) -> tuple[str, int]:
    """A passage's space-separated terms as tsvector input (each lexeme quoted, with its
    positions, so that PostgreSQL's parser splits nothing) and its length in tokens."""
    positions: dict[str, list[int]] = {}
    words = tokens(terms)
    for n, term in enumerate(words, start=1):
        positions.setdefault(term, []).append(min(n, MAX_POSITION))
    quoted = (
        "'" + term.replace("\\", "\\\\").replace("'", "''") + "':" + ",".join(map(str, places))
        for term, places in positions.items()
    )
    return " ".join(quoted), len(words)


def put_document(
    connection: psycopg.Connection[tuple[Any, ...]],
    parsed: ParsedDocument,
    original: bytes,
    spaces: Mapping[str, PassageVectors],
) -> Written:
    """Write `parsed` (an indexed document, its passages' terms in `parsed.terms`) with its
    passages' vectors by embedding model (by fingerprint: the same weights make the same
    space on every editor's computer, wherever they are installed), in one transaction;
    replace an earlier version at the same path.
    `connection` is in autocommit mode, so that the transaction is this document's alone (in
    a transaction already open it would be a savepoint, holding its locks until that ends)."""
    _own_transaction(connection)
    for attempt in range(_ATTEMPTS):
        try:
            return _put(connection, parsed, original, spaces)
        except _retryable() as exc:
            if attempt == _ATTEMPTS - 1:
                raise TeamLibraryError(f"{parsed.path} could not be written: {exc}") from None
    raise AssertionError("unreachable")


def _put(
    connection: psycopg.Connection[tuple[Any, ...]],
    parsed: ParsedDocument,
    original: bytes,
    spaces: Mapping[str, PassageVectors],
) -> Written:
    with connection.transaction():
        row = connection.execute(
            "INSERT INTO librarian.documents (content_hash, path, title, format, pages, "
            "passages, size, status, original) VALUES (%s, %s, %s, %s, %s, %s, %s, 'indexed', "
            "%s) ON CONFLICT (content_hash) DO NOTHING RETURNING id",
            (parsed.content_hash, parsed.path, parsed.title, parsed.format, parsed.pages,
             len(parsed.chunks), parsed.size, original),
        ).fetchone()
        if row is None:  # there already, committed by this or another editor
            found = connection.execute(
                "SELECT id FROM librarian.documents WHERE content_hash = %s",
                (parsed.content_hash,),
            ).fetchone()
            assert found is not None
            return Written(int(found[0]), added=False)
        document = int(row[0])
        replaced = _earlier_version(connection, parsed.path, document)
        if replaced is not None:
            _remove(connection, replaced)
        _write_passages(connection, document, parsed)
        for model, vectors in spaces.items():
            _write_vectors(connection, model, parsed, vectors)
        return Written(document, added=True, replaced=replaced)


def remove_document(connection: psycopg.Connection[tuple[Any, ...]], path: str) -> bool:
    """Remove the document at `path` (its passages, pages and vectors go with it)."""
    _own_transaction(connection)
    with connection.transaction():
        row = connection.execute(
            "SELECT id FROM librarian.documents WHERE path = %s FOR UPDATE", (path,)
        ).fetchone()
        if row is None:
            return False
        _remove(connection, int(row[0]))
        return True


def _own_transaction(connection: psycopg.Connection[tuple[Any, ...]]) -> None:
    if not connection.autocommit:
        raise ValueError("a team library's documents are written on an autocommit connection")


def _retryable() -> tuple[type[Exception], ...]:
    """What PostgreSQL may answer two editors' transactions that met (rare: the terms are
    locked in one order): tried again, as PostgreSQL's documentation advises."""
    from psycopg import errors

    return (errors.DeadlockDetected, errors.SerializationFailure)


def _earlier_version(
    connection: psycopg.Connection[tuple[Any, ...]], path: str, document: int
) -> int | None:
    row = connection.execute(
        "SELECT id FROM librarian.documents WHERE path = %s AND id <> %s FOR UPDATE",
        (path, document),
    ).fetchone()
    return None if row is None else int(row[0])


def _write_passages(
    connection: psycopg.Connection[tuple[Any, ...]], document: int, parsed: ParsedDocument
) -> None:
    counts: Counter[str] = Counter()
    total_length = 0
    with connection.cursor() as cursor:
        rows = []
        postings: list[tuple[str, str, int, int, int]] = []
        for chunk, terms in zip(parsed.chunks, parsed.terms, strict=True):
            vector, length = tsvector_text(terms)
            frequencies = Counter(tokens(terms))
            counts.update(frequencies.keys())
            total_length += length
            passage = passage_id(parsed.content_hash, chunk.ordinal)
            rows.append(
                (passage, document, chunk.ordinal, chunk.page, chunk.start, chunk.end,
                 chunk.text, vector, length)
            )
            postings.extend(
                (term, passage, document, n, length) for term, n in sorted(frequencies.items())
            )
        cursor.executemany(
            "INSERT INTO librarian.passages (id, document_id, ordinal, page, start_offset, "
            "end_offset, text, terms, length) VALUES (%s, %s, %s, %s, %s, %s, %s, "
            "%s::tsvector, %s)",
            rows,
        )
        with cursor.copy(
            "COPY librarian.postings (term, passage_id, document_id, frequency, length) "
            "FROM STDIN"
        ) as copy:
            for posting in postings:
                copy.write_row(posting)
        cursor.executemany(
            "INSERT INTO librarian.pages (document_id, number, text, words) "
            "VALUES (%s, %s, %s, %s)",
            [(document, p.number, p.text, pack_words(p.words or ())) for p in parsed.scanned],
        )
    _count_terms(connection, counts, len(rows), total_length)


def _count_terms(
    connection: psycopg.Connection[tuple[Any, ...]],
    counts: Mapping[str, int],
    passages: int,
    length: int,
) -> None:
    """Move BM25's statistics by a document's passages (negative counts: removed). Terms are
    taken in sorted order, so two editors' transactions lock them in the same order and never
    deadlock."""
    terms = sorted(counts)
    with connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO librarian.terms (term, passages) VALUES (%s, %s) "
            "ON CONFLICT (term) DO UPDATE SET passages = terms.passages + excluded.passages",
            [(term, counts[term]) for term in terms],
        )
    if any(counts[term] < 0 for term in terms):
        connection.execute("DELETE FROM librarian.terms WHERE passages <= 0")
    connection.execute(
        "UPDATE librarian.totals SET passages = passages + %s, length = length + %s",
        (passages, length),
    )


def _remove(connection: psycopg.Connection[tuple[Any, ...]], document: int) -> None:
    rows = connection.execute(
        "SELECT term, count(*), (SELECT count(*) FROM librarian.passages WHERE document_id "
        "= %s), (SELECT coalesce(sum(length), 0) FROM librarian.passages WHERE document_id = %s) "
        "FROM librarian.postings WHERE document_id = %s GROUP BY term",
        (document, document, document),
    ).fetchall()
    if rows:
        counts = {str(r[0]): -int(r[1]) for r in rows}
        _count_terms(connection, counts, -int(rows[0][2]), -int(rows[0][3]))
    connection.execute("DELETE FROM librarian.documents WHERE id = %s", (document,))


def _write_vectors(
    connection: psycopg.Connection[tuple[Any, ...]],
    model: str,
    parsed: ParsedDocument,
    vectors: PassageVectors,
) -> None:
    from psycopg import sql

    if not len(vectors):
        return
    row = connection.execute(
        "SELECT librarian.create_space(%s, %s)", (model, len(vectors.vectors[0]))
    ).fetchone()
    assert row is not None
    table = sql.Identifier("librarian", str(row[0]))
    with connection.cursor() as cursor:
        cursor.executemany(
            sql.SQL("INSERT INTO {} (passage_id, embedding, sentences) VALUES (%s, %s, %s)")
            .format(table),
            [
                (passage_id(parsed.content_hash, chunk.ordinal), vector_text(v), sentences)
                for chunk, v, sentences in zip(
                    parsed.chunks,
                    vectors.vectors,
                    vectors.sentences or [None] * len(vectors),
                    strict=True,
                )
            ],
        )


def vector_text(values: Sequence[float]) -> str:
    """pgvector's text form, sent as a parameter: '[0.1,0.2,…]'."""
    return "[" + ",".join(repr(float(v)) for v in values) + "]"
