"""Passages' sentence vectors (services.embeddings.passage_vectors), in a SQLite file beside
Chroma's: one blob per passage and collection.

Not in Chroma's metadata: Chroma indexes every text metadata value for its filters, so there a
passage's sentence vectors cost three times their size (measured on PubMedQA: 9.6 KB more per
passage, base64 and index included, against about 2.7 KB here). VectorStore writes a passage's
sentence vectors before its vector and deletes them after it, so a kill between the two leaves
at worst a passage scored by its own vector alone (as a one-sentence passage is).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

FILE_NAME = "sentences.sqlite3"
_MAX_VARIABLES = 500  # ids per statement, well under SQLite's limit

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sentence_vectors (
    collection TEXT NOT NULL,
    id TEXT NOT NULL,
    vectors BLOB NOT NULL,
    PRIMARY KEY (collection, id)
)
"""  # not WITHOUT ROWID: that suits small rows only


class SentenceStore:
    """Thread-safe; the file is made on the first write."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def _connection(self) -> sqlite3.Connection:
        if self._db is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            # Rows are ~3 KB: in SQLite's default 4 KB pages a third of the file would be
            # slack (measured 1.50x the blobs' size; 16 KB pages: 1.13x). Takes effect only
            # when the file is new.
            db.execute("PRAGMA page_size=16384")
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute(_SCHEMA)
            self._db = db
        return self._db

    def put(self, collection: str, ids: Sequence[str], blobs: Sequence[bytes]) -> None:
        """Store each passage's sentence vectors. A one-sentence passage's empty blob is
        stored too: it says the passage is done (sentence_backfill resumes by it)."""
        rows = [(collection, cid, blob) for cid, blob in zip(ids, blobs, strict=True)]
        with self._lock:
            db = self._connection()
            db.execute("BEGIN")
            db.executemany(
                "INSERT OR REPLACE INTO sentence_vectors (collection, id, vectors) "
                "VALUES (?, ?, ?)",
                rows,
            )
            db.execute("COMMIT")

    def get(self, collection: str, ids: Sequence[str]) -> dict[str, bytes]:
        if not ids or not self.path.exists():
            return {}
        found: dict[str, bytes] = {}
        with self._lock:
            db = self._connection()
            for i in range(0, len(ids), _MAX_VARIABLES):
                part = list(ids[i : i + _MAX_VARIABLES])
                marks = ",".join("?" * len(part))
                rows = db.execute(
                    "SELECT id, vectors FROM sentence_vectors "
                    f"WHERE collection = ? AND id IN ({marks}) AND length(vectors) > 0",
                    [collection, *part],
                )
                found.update((cid, bytes(blob)) for cid, blob in rows)
        return found

    def ids(self, collection: str) -> set[str]:
        """The passages whose sentences are stored (one-sentence passages included)."""
        if not self.path.exists():
            return set()
        with self._lock:
            rows = self._connection().execute(
                "SELECT id FROM sentence_vectors WHERE collection = ?", (collection,)
            )
            return {cid for (cid,) in rows}

    def delete(self, collection: str, ids: Iterable[str]) -> None:
        if not self.path.exists():
            return
        with self._lock:
            db = self._connection()
            db.execute("BEGIN")
            self._delete(db, collection, list(ids))
            db.execute("COMMIT")

    def drop(self, collection: str) -> None:
        if not self.path.exists():
            return
        with self._lock:
            self._connection().execute(
                "DELETE FROM sentence_vectors WHERE collection = ?", (collection,)
            )

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    @staticmethod
    def _delete(db: sqlite3.Connection, collection: str, ids: list[str]) -> None:
        for i in range(0, len(ids), _MAX_VARIABLES):
            part = ids[i : i + _MAX_VARIABLES]
            marks = ",".join("?" * len(part))
            db.execute(
                f"DELETE FROM sentence_vectors WHERE collection = ? AND id IN ({marks})",
                [collection, *part],
            )
