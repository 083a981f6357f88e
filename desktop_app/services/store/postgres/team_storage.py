"""A team library as search reads it (services.store.interfaces): its passages, their BM25
ranking and scopes, and its vector spaces, over one connection to the server.

A space is searched with the embedding model of the same weights on this computer (its
fingerprint names the space on the server, whoever made it and wherever the model is
installed here); a model this computer lacks leaves its space out, as locally. The retriever
runs its rankings on threads: the connection serves one statement at a time (a lock).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from desktop_app.core.embedding_models import EmbeddingModelInfo, describe
from desktop_app.core.records import StoredChunk
from desktop_app.services.embeddings import Embedder
from desktop_app.services.store.lexical_search import Scope
from desktop_app.services.store.postgres import reading, search
from desktop_app.services.store.vector_index import VectorScope

if TYPE_CHECKING:
    import psycopg

    Connection = psycopg.Connection[tuple[Any, ...]]


class _Shared:
    """The connection and its lock (autocommit: each read sees what is committed now)."""

    def __init__(self, connection: Connection) -> None:
        if not connection.autocommit:
            raise ValueError("a team library is read on an autocommit connection")
        self.connection = connection
        self.lock = threading.Lock()


class TeamLexical:
    def __init__(self, shared: _Shared) -> None:
        self._shared = shared

    def search(
        self, terms: Sequence[str], limit: int, scope: Scope | None = None
    ) -> list[tuple[str, float]]:
        documents = None if scope is None else [int(d) for d in scope.doc_ids]
        with self._shared.lock:
            return search.lexical(self._shared.connection, terms, limit, documents)

    def scope(self, paths: Sequence[str]) -> Scope:
        with self._shared.lock:
            ids = reading.scope(self._shared.connection, paths)
            row = self._shared.connection.execute(
                "SELECT coalesce(sum(passages), 0) FROM librarian.documents WHERE id = ANY(%s)",
                (ids,),
            ).fetchone()
        return Scope(tuple(str(i) for i in ids), (), int(row[0]) if row else 0)

    def scope_chunk_ids(self, scope: Scope) -> list[str]:
        with self._shared.lock:
            rows = self._shared.connection.execute(
                "SELECT id FROM librarian.passages WHERE document_id = ANY(%s) ORDER BY id",
                ([int(d) for d in scope.doc_ids],),
            ).fetchall()
        return [str(r[0]) for r in rows]

    def holds_passages(self) -> bool:
        with self._shared.lock:
            found = self._shared.connection.execute(
                "SELECT 1 FROM librarian.passages LIMIT 1"
            ).fetchone()
        return found is not None


class TeamCatalog:
    """The passages of a team library (services.store.interfaces.PassageCatalog)."""

    def __init__(self, connection: Connection) -> None:
        self._shared = _Shared(connection)
        self.lexical = TeamLexical(self._shared)

    def chunks(self, ids: Sequence[str]) -> dict[str, StoredChunk]:
        with self._shared.lock:
            return reading.passages(self._shared.connection, ids)

    @contextmanager
    def locked(self) -> Iterator[Connection]:
        """The connection, for one read of the caller's (services.store.postgres.reading)."""
        with self._shared.lock:
            yield self._shared.connection


class TeamVectors:
    """Nearest passages by pgvector (services.store.interfaces.VectorQueries); a collection is
    an embedding model's fingerprint."""

    def __init__(self, catalog: TeamCatalog) -> None:
        self._shared = catalog._shared

    def query(
        self, collection: str, embedding: Sequence[float], n: int, scope: VectorScope | None = None
    ) -> list[tuple[str, float]]:
        documents = None if scope is None else [int(d) for d in scope.doc_ids]
        with self._shared.lock:
            return search.dense(self._shared.connection, collection, embedding, n, documents)

    def sentences(self, collection: str, ids: Sequence[str]) -> dict[str, bytes]:
        from psycopg import sql

        with self._shared.lock:
            connection = self._shared.connection
            row = connection.execute(
                "SELECT vectors FROM librarian.spaces WHERE model = %s", (collection,)
            ).fetchone()
            if row is None:
                return {}
            rows = connection.execute(
                sql.SQL(
                    "SELECT passage_id, sentences FROM {} WHERE passage_id = ANY(%s) "
                    "AND octet_length(sentences) > 0"
                ).format(sql.Identifier("librarian", str(row[0]))),
                (list(ids),),
            ).fetchall()
        return {str(r[0]): bytes(r[1]) for r in rows}


@dataclass(frozen=True, slots=True)
class TeamSpace:
    key: str  # the model's key on this computer (core.embedding_models)
    embedder: Embedder

    @property
    def info(self) -> EmbeddingModelInfo:
        return describe(self.key, self.embedder.scripts)

    @property
    def collection(self) -> str:
        return self.embedder.fingerprint


class TeamSpaces:
    """The team library's vector spaces this computer can search: those made with a model it
    has, among `embedders` (by key, the ones its settings chose)."""

    def __init__(self, catalog: TeamCatalog, embedders: dict[str, Embedder]) -> None:
        self._shared = catalog._shared
        self.store = TeamVectors(catalog)
        self._embedders = embedders

    def searchable(self) -> list[TeamSpace]:
        with self._shared.lock:
            rows = self._shared.connection.execute("SELECT model FROM librarian.spaces")
            on_server = {str(r[0]) for r in rows.fetchall()}
        return [
            TeamSpace(key, embedder)
            for key, embedder in self._embedders.items()
            if embedder.fingerprint in on_server
        ]
