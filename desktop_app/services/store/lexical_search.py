"""The catalog's lexical ranking (FTS5 BM25) and search scopes, on the catalog's connection.

FTS5 scores every passage that holds any of the question's terms before it can keep the best
few, so the cost is the sum of the terms' passage counts. In a library of 100,000 passages a
question of common words ("what year was the study done") meets most of them: 118 ms at p95
(bench.scale). So the terms are taken rarest first until their passages add up to
POSTINGS_BUDGET (the rarest always): the terms left out are the ones in thousands of passages,
whose BM25 weight (IDF) is small and who rank nothing by themselves. Small libraries never
reach the budget and rank with every term, as before.

A scope (the passages of some documents) is searched by rowid ranges: a document's passages are
written in one go, so they are one run of rowids, and FTS5 seeks a rowid range in each term's
list instead of reading it all. Within a small scope every term is cheap and all are used.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass

POSTINGS_BUDGET = 20_000
MAX_RANGES = 64  # a scope of more runs is filtered by document instead (one query)
_VOCABULARY = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS temp.term_counts USING fts5vocab(main, chunk_terms, row)"
)


@dataclass(frozen=True)
class Scope:
    """The indexed passages of some documents: what a search is limited to."""

    doc_ids: tuple[str, ...]
    ranges: tuple[tuple[int, int], ...]  # runs of catalog rowids, ascending
    passages: int

    @property
    def empty(self) -> bool:
        return self.passages == 0


def open_vocabulary(db: sqlite3.Connection) -> None:
    """The terms' passage counts, read from the FTS5 index itself (a temp table: no schema
    change, nothing stored)."""
    db.execute(_VOCABULARY)


def scope_of(db: sqlite3.Connection, paths: Sequence[str]) -> Scope:
    """The passages of the documents at `paths`: files, or folders (everything under them)."""
    doc_ids: dict[str, None] = {}
    for path in paths:
        folder = path.rstrip("/\\")
        # A folder's documents by a range over the path index: '/' + 1 is '0'.
        rows = db.execute(
            "SELECT doc_id FROM documents WHERE chunks > 0 AND (path = ?"
            " OR (path > ? AND path < ?) OR (path > ? AND path < ?))",
            (path, folder + "/", folder + "0", folder + "\\", folder + "]"),
        ).fetchall()
        doc_ids.update((r[0], None) for r in rows)
    runs = db.execute(
        "SELECT min(rowid), max(rowid), count(*) FROM chunks"
        " WHERE doc_id IN (SELECT value FROM json_each(?)) GROUP BY doc_id ORDER BY 1",
        (json.dumps(list(doc_ids)),),
    ).fetchall()
    ranges: list[tuple[int, int]] = []
    for low, high, _ in runs:
        if ranges and low == ranges[-1][1] + 1:
            ranges[-1] = (ranges[-1][0], high)
        else:
            ranges.append((low, high))
    return Scope(tuple(doc_ids), tuple(ranges), sum(r[2] for r in runs))


def scope_chunk_ids(db: sqlite3.Connection, scope: Scope) -> list[str]:
    ids: list[str] = []
    for low, high in scope.ranges:
        rows = db.execute("SELECT id FROM chunks WHERE rowid BETWEEN ? AND ?", (low, high))
        ids.extend(r[0] for r in rows)
    return ids


def affordable_terms(db: sqlite3.Connection, terms: Sequence[str], budget: int) -> list[str]:
    """The terms in the index, rarest first, while their passages add up to `budget` (the
    rarest always)."""
    counts = dict(
        db.execute(
            "SELECT term, doc FROM temp.term_counts WHERE term IN (SELECT value FROM json_each(?))",
            (json.dumps(list(terms)),),
        ).fetchall()
    )
    kept: list[str] = []
    spent = 0
    for term in sorted(counts, key=counts.__getitem__):
        if kept and spent + counts[term] > budget:
            break
        kept.append(term)
        spent += counts[term]
    return kept


def lexical_search(
    db: sqlite3.Connection, terms: Sequence[str], limit: int, scope: Scope | None = None
) -> list[tuple[str, float]]:
    """(chunk id, BM25 score), best first; higher is better."""
    if not terms or (scope is not None and scope.empty):
        return []
    small_scope = scope is not None and scope.passages <= POSTINGS_BUDGET
    if not small_scope:
        terms = affordable_terms(db, terms, POSTINGS_BUDGET)
        if not terms:
            return []
    query = " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)
    ranked = "SELECT rowid, -bm25(chunk_terms) AS score FROM chunk_terms WHERE chunk_terms MATCH ?"
    if scope is None:
        rows = db.execute(
            f"SELECT c.id, s.score FROM ({ranked} ORDER BY score DESC LIMIT ?) s"
            " JOIN chunks c ON c.rowid = s.rowid ORDER BY s.score DESC",
            (query, limit),
        ).fetchall()
    elif len(scope.ranges) <= MAX_RANGES:
        found: list[tuple[int, float]] = []
        for low, high in scope.ranges:  # BM25's weights are the whole index's: comparable
            found += db.execute(
                f"{ranked} AND rowid BETWEEN ? AND ? ORDER BY score DESC LIMIT ?",
                (query, low, high, limit),
            ).fetchall()
        found = sorted(found, key=lambda r: -r[1])[:limit]
        ids = dict(
            db.execute(
                "SELECT rowid, id FROM chunks WHERE rowid IN (SELECT value FROM json_each(?))",
                (json.dumps([r[0] for r in found]),),
            ).fetchall()
        )
        rows = [(ids[rowid], score) for rowid, score in found]
    else:
        rows = db.execute(
            f"SELECT c.id, s.score FROM ({ranked}) s JOIN chunks c ON c.rowid = s.rowid"
            " WHERE c.doc_id IN (SELECT value FROM json_each(?)) ORDER BY s.score DESC LIMIT ?",
            (query, json.dumps(list(scope.doc_ids)), limit),
        ).fetchall()
    return [(r[0], float(r[1])) for r in rows]


class LexicalIndex:
    """The catalog's passages searched by their words, and the scopes that limit a search: on
    the catalog's connection, under its lock (`catalog.lexical`)."""

    def __init__(self, db: sqlite3.Connection, lock: threading.RLock) -> None:
        self._db = db
        self._lock = lock

    def search(
        self, terms: Sequence[str], limit: int, scope: Scope | None = None
    ) -> list[tuple[str, float]]:
        """(chunk id, BM25 score), best first; higher is better."""
        with self._lock:
            return lexical_search(self._db, terms, limit, scope)

    def scope(self, paths: Sequence[str]) -> Scope:
        """The indexed passages of the documents at `paths` (files or folders)."""
        with self._lock:
            return scope_of(self._db, paths)

    def scope_chunk_ids(self, scope: Scope) -> list[str]:
        with self._lock:
            return scope_chunk_ids(self._db, scope)

    def holds_passages(self) -> bool:
        """Whether anything is indexed (one row looked up, not counted: a million take ms)."""
        with self._lock:
            return self._db.execute("SELECT 1 FROM chunks LIMIT 1").fetchone() is not None
