"""The catalog: SQLite database of documents, passages and the lexical (FTS5/BM25) index.

It is the source of truth for what is indexed. A document and all its passages are written in
one transaction, so after a crash a file is either fully in the library or not at all.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import time
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from desktop_app.core.cancel import CancelToken
from desktop_app.core.errors import LibrarianError
from desktop_app.core.ocr_layout import pack_words, unpack_words
from desktop_app.core.records import DocumentInfo, Outcome, PageText, ParsedDocument, StoredChunk
from desktop_app.services.store.catalog_schema import SCHEMA, SCHEMA_VERSION
from desktop_app.services.store.health import open_sqlite, sqlite_state
from desktop_app.services.store.lexical_search import LexicalIndex, open_vocabulary


class CatalogError(LibrarianError):
    """The catalog database cannot be opened (damaged file, wrong version, disk problem)."""


class CatalogDamaged(CatalogError):
    """The catalog's file is damaged: refused, left as it is, restored by `librarian repair`."""

    def __init__(self, path: Path, detail: str) -> None:
        detail = " ".join(detail.split())[:160]  # SQLite's report spans lines: one message
        super().__init__(
            f"The library's catalog {path} is damaged ({detail}). It is left as it is: "
            "`librarian repair` (or Repair in the window) restores its newest backup and "
            "indexes again what changed since"
        )
        self.path = path


_CHECKED_AT_OPEN = 256_000_000  # bytes: checked page by page at open up to this (~0.15 s)


def document_id(path: str, content_hash: str) -> str:
    """Identifies one version of one file: a changed file gets new ids, so its new passages can
    be written before the old ones are removed."""
    return hashlib.sha1(f"{path}\0{content_hash}".encode()).hexdigest()[:20]


def chunk_id(doc_id: str, ordinal: int) -> str:
    return f"{doc_id}:{ordinal}"


class Catalog:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.RLock()
        if path.is_file() and path.stat().st_size <= _CHECKED_AT_OPEN:
            # A 0-byte file would open as a new, empty library: every passage gone without a
            # word. A damaged one is refused here rather than failing half-way through a use.
            state, detail = sqlite_state(path)
            if state == "damaged":
                raise CatalogDamaged(path, detail)
        try:
            # Read-only when the machine refuses writes (a full disk, a read-only folder):
            # search and answers go on; a write says why it cannot be made.
            self._db, self.read_only = open_sqlite(path)
            self._db.execute("PRAGMA synchronous=NORMAL")  # durable across process kills
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.executescript(SCHEMA)
            open_vocabulary(self._db)
            self.meta = CatalogMeta(self._db, self._lock)
            self.lexical = LexicalIndex(self._db, self._lock)
            version = self.meta.get("schema_version")
            if version is None and not self.read_only:
                self.meta.set("schema_version", str(SCHEMA_VERSION))
            elif version is not None and int(version) > SCHEMA_VERSION:
                raise CatalogError(
                    f"{path} was written by a newer Librarian (schema {version}); update the app"
                )
        except sqlite3.DatabaseError as exc:
            raise CatalogDamaged(path, str(exc)) from exc

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # -- documents --------------------------------------------------------------------------

    def document(self, path: str) -> DocumentInfo | None:
        with self._lock:
            row = self._db.execute(_DOC_SELECT + " WHERE path = ?", (path,)).fetchone()
        return None if row is None else _doc(row)

    def documents_at(self, paths: Sequence[str]) -> dict[str, DocumentInfo]:
        """The known documents among `paths`, by path: one query per 500 paths, where a
        query per path would hand the GIL back and forth 10,000 times for a big folder (and
        a thread that does that starves the window's thread of it)."""
        rows = self._rows_in(_DOC_SELECT + " WHERE path IN ({})", paths)
        return {doc.path: doc for doc in map(_doc, rows)}

    def _rows_in(self, query: str, values: Sequence[str]) -> list[tuple[object, ...]]:
        """The rows of `query` (its `{}` an IN list) for `values`, 500 at a time: SQLite
        takes at most 999 parameters per statement."""
        rows: list[tuple[object, ...]] = []
        with self._lock:
            for i in range(0, len(values), 500):
                batch = list(values[i : i + 500])
                rows += self._db.execute(query.format(",".join("?" * len(batch))), batch)
        return rows

    def documents(self) -> list[DocumentInfo]:
        with self._lock:
            rows = self._db.execute(_DOC_SELECT + " ORDER BY path").fetchall()
        return [_doc(r) for r in rows]

    def documents_under(self, folder: Path) -> list[DocumentInfo]:
        prefix = str(folder).rstrip("/\\") + ("\\" if "\\" in str(folder) else "/")
        return [d for d in self.documents() if d.path.startswith(prefix)]

    def chunk_ids_of(self, path: str) -> list[str]:
        with self._lock:
            rows = self._db.execute(
                "SELECT c.id FROM chunks c JOIN documents d ON c.doc_id = d.doc_id"
                " WHERE d.path = ?",
                (path,),
            ).fetchall()
        return [r[0] for r in rows]

    def all_chunk_ids(self) -> set[str]:
        with self._lock:
            return {r[0] for r in self._db.execute("SELECT id FROM chunks")}

    def existing_chunk_ids(self, ids: Iterable[str]) -> set[str]:
        wanted = list(ids)
        found: set[str] = set()
        with self._lock:
            for i in range(0, len(wanted), 500):
                batch = wanted[i : i + 500]
                marks = ",".join("?" * len(batch))
                rows = self._db.execute(f"SELECT id FROM chunks WHERE id IN ({marks})", batch)
                found.update(r[0] for r in rows)
        return found

    def chunk_count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM chunks").fetchone()[0])

    def replace_document(self, parsed: ParsedDocument, doc_id: str, terms: Sequence[str]) -> None:
        """Make `parsed` the indexed version of its path, atomically, with its passages.

        `terms` holds each passage's lexical index terms as one space-separated string.
        """
        with self._transaction() as db:
            self._delete_path(db, parsed.path)
            notes = "; ".join(parsed.notes) or None
            _insert_document(db, doc_id, parsed, Outcome.INDEXED, notes, len(parsed.chunks))
            for chunk, chunk_terms in zip(parsed.chunks, terms, strict=True):
                cur = db.execute(
                    'INSERT INTO chunks (id, doc_id, ordinal, page, start, "end", text)'
                    " VALUES (?,?,?,?,?,?,?)",
                    (
                        chunk_id(doc_id, chunk.ordinal),
                        doc_id,
                        chunk.ordinal,
                        chunk.page,
                        chunk.start,
                        chunk.end,
                        chunk.text,
                    ),
                )
                db.execute(
                    "INSERT INTO chunk_terms (rowid, terms) VALUES (?, ?)",
                    (cur.lastrowid, chunk_terms),
                )
            db.executemany(
                "INSERT OR REPLACE INTO scanned_pages (doc_id, page, text, words) VALUES (?,?,?,?)",
                [
                    (doc_id, page.number, page.text, pack_words(page.words or ()))
                    for page in parsed.scanned
                ],
            )

    def record_unindexed(self, parsed: ParsedDocument, status: Outcome, reason: str) -> None:
        """Remember a skipped or failed file (and drop an older indexed version of it).

        Remembering skips by content hash lets the next run report them without re-reading.
        """
        doc_id = document_id(parsed.path, parsed.content_hash)
        with self._transaction() as db:
            self._delete_path(db, parsed.path)
            _insert_document(db, doc_id, parsed, status, reason, 0)

    def touch(self, path: str, mtime_ns: int) -> None:
        """The file was saved again with the same content: remember the new mtime."""
        with self._transaction() as db:
            db.execute("UPDATE documents SET mtime_ns = ? WHERE path = ?", (mtime_ns, path))

    def remove(self, paths: Iterable[str]) -> list[str]:
        removed: list[str] = []
        with self._transaction() as db:
            for path in paths:
                if self._delete_path(db, path):
                    removed.append(path)
        return removed

    def _delete_path(self, db: sqlite3.Connection, path: str) -> bool:
        row = db.execute("SELECT doc_id FROM documents WHERE path = ?", (path,)).fetchone()
        if row is None:
            return False
        doc_id = row[0]
        db.execute(
            "DELETE FROM chunk_terms WHERE rowid IN (SELECT rowid FROM chunks WHERE doc_id = ?)",
            (doc_id,),
        )
        db.execute("DELETE FROM chunks WHERE doc_id = ?", (doc_id,))
        db.execute("DELETE FROM scanned_pages WHERE doc_id = ?", (doc_id,))
        db.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,))
        return True

    def scanned_page(self, path: str, page: int) -> PageText | None:
        """Page `page` of the indexed `path` as OCR read it (text and word boxes), or None
        when that page was not read by OCR."""
        with self._lock:
            row = self._db.execute(
                "SELECT s.text, s.words FROM scanned_pages s"
                " JOIN documents d ON s.doc_id = d.doc_id WHERE d.path = ? AND s.page = ?",
                (path, page),
            ).fetchone()
        return None if row is None else PageText(page, row[0], unpack_words(row[1]))

    # -- passages ---------------------------------------------------------------------------

    def chunks(self, ids: Sequence[str]) -> dict[str, StoredChunk]:
        rows = self._rows_in(_CHUNK_SELECT + " WHERE c.id IN ({})", ids)
        return {str(row[0]): StoredChunk(*row) for row in rows}  # type: ignore[arg-type]

    def passages_missing(
        self, have: Collection[str], batch: int, cancel: CancelToken
    ) -> Iterator[list[tuple[int, str, str, int | None, int, str]]]:
        """Batches of up to `batch` passages (rows as _passages_after) whose id is not in
        `have`, in storage order, checking `cancel` before each: filling a vector space reads
        the whole library this way, a page at a time, so a cancel answers within a batch."""
        after = 0
        while True:
            cancel.raise_if_cancelled()
            with self._lock:
                rows = _passages_after(self._db, after, 1000)
            if not rows:
                return
            after = rows[-1][0]
            missing = [r for r in rows if r[1] not in have]
            for i in range(0, len(missing), batch):
                cancel.raise_if_cancelled()
                yield missing[i : i + batch]


class CatalogMeta:
    """The catalog's small key-value table (schema version, vector spaces, pending work), on
    the catalog's connection, under its lock (`catalog.meta`)."""

    def __init__(self, db: sqlite3.Connection, lock: threading.RLock) -> None:
        self._db = db
        self._lock = lock

    def get(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set(self, key: str, value: str) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))


def _passages_after(
    db: sqlite3.Connection, rowid: int, limit: int
) -> list[tuple[int, str, str, int | None, int, str]]:
    """(rowid, id, doc_id, page, ordinal, text) of up to `limit` passages after `rowid`, in
    storage order: re-embedding a whole library reads it a page at a time."""
    rows = db.execute(
        "SELECT rowid, id, doc_id, page, ordinal, text FROM chunks"
        " WHERE rowid > ? ORDER BY rowid LIMIT ?",
        (rowid, limit),
    ).fetchall()
    return [(int(r[0]), r[1], r[2], r[3], int(r[4]), r[5]) for r in rows]


def _insert_document(
    db: sqlite3.Connection,
    doc_id: str,
    parsed: ParsedDocument,
    status: Outcome,
    reason: str | None,
    chunks: int,
) -> None:
    db.execute(
        "INSERT INTO documents (doc_id, path, status, reason, title, format, pages, chunks,"
        " size, mtime_ns, content_hash, indexed_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            doc_id,
            parsed.path,
            status.value,
            reason,
            parsed.title,
            parsed.format,
            parsed.pages,
            chunks,
            parsed.size,
            parsed.mtime_ns,
            parsed.content_hash,
            time.time(),
        ),
    )


_DOC_SELECT = (
    "SELECT path, status, reason, title, format, pages, chunks, size, mtime_ns, content_hash,"
    " indexed_at FROM documents"
)
_CHUNK_SELECT = (
    'SELECT c.id, c.doc_id, d.path, d.title, c.ordinal, c.page, c.start, c."end", c.text'
    " FROM chunks c JOIN documents d ON c.doc_id = d.doc_id"
)


def _doc(row: tuple[object, ...]) -> DocumentInfo:
    path, status, reason, title, fmt, pages, chunks, size, mtime_ns, digest, indexed_at = row
    return DocumentInfo(
        path=str(path),
        status=Outcome(str(status)),
        reason=None if reason is None else str(reason),
        title=str(title),
        format=str(fmt),
        pages=int(pages),  # type: ignore[call-overload]
        chunks=int(chunks),  # type: ignore[call-overload]
        size=int(size),  # type: ignore[call-overload]
        mtime_ns=int(mtime_ns),  # type: ignore[call-overload]
        content_hash=str(digest),
        indexed_at=float(indexed_at),  # type: ignore[arg-type]
    )
