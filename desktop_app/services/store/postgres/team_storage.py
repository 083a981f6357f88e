"""A team library as search reads it (services.store.interfaces): its passages, their BM25
ranking and scopes, and its vector spaces, over one connection to the server.

A space is searched with the embedding model of the same weights on this computer (its
fingerprint names the space on the server, whoever made it and wherever the model is
installed here); a model this computer lacks leaves its space out, as locally. The retriever
runs its rankings on threads: the connection serves one statement at a time (a lock).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from desktop_app.core.embedding_models import EmbeddingModelInfo, describe
from desktop_app.core.records import StoredChunk
from desktop_app.services.embeddings import Embedder
from desktop_app.services.store.lexical_search import Scope
from desktop_app.services.store.postgres import reading, search
from desktop_app.services.store.postgres.connection import TeamLibraryError, first_line
from desktop_app.services.store.vector_index import VectorScope

if TYPE_CHECKING:
    import psycopg

    Connection = psycopg.Connection[tuple[Any, ...]]

log = logging.getLogger(__name__)
T = TypeVar("T")


class _Shared:
    """The connection and its lock (autocommit: each read sees what is committed now).

    A connection the server dropped (restarted, failed over, a network gone for a while) is
    made again by the next read, which runs once more on it; a server still away is a
    TeamLibraryError in one line, and the next read tries again."""

    def __init__(self, connection: Connection, reconnect: Callable[[], Connection] | None) -> None:
        if not connection.autocommit:
            raise ValueError("a team library is read on an autocommit connection")
        self.connection = connection
        self.lock = threading.Lock()
        self._reconnect = reconnect

    def run(self, read: Callable[[Connection], T]) -> T:
        import psycopg

        with self.lock:
            try:
                if self.connection.closed and self._reconnect is not None:
                    self.connection = self._reconnect()  # TeamLibraryError while still away
                try:
                    return read(self.connection)
                except psycopg.OperationalError as exc:
                    if not self.connection.broken or self._reconnect is None:
                        raise
                    log.info("team library connection lost (%s): connecting again", exc)
                    self.connection.close()
                    self.connection = self._reconnect()
                    return read(self.connection)
            except psycopg.OperationalError as exc:  # a time-out, or dropped again at once
                why = first_line(exc)
                raise TeamLibraryError(f"the team library stopped answering: {why}") from None

    def close(self) -> None:
        with self.lock:
            self.connection.close()


class TeamLexical:
    def __init__(self, shared: _Shared) -> None:
        self._shared = shared

    def search(
        self, terms: Sequence[str], limit: int, scope: Scope | None = None
    ) -> list[tuple[str, float]]:
        documents = None if scope is None else [int(d) for d in scope.doc_ids]
        return self._shared.run(lambda c: search.lexical(c, terms, limit, documents))

    def scope(self, paths: Sequence[str]) -> Scope:
        def read(connection: Connection) -> Scope:
            ids = reading.scope(connection, paths)
            row = connection.execute(
                "SELECT coalesce(sum(passages), 0) FROM librarian.documents WHERE id = ANY(%s)",
                (ids,),
            ).fetchone()
            return Scope(tuple(str(i) for i in ids), (), int(row[0]) if row else 0)

        return self._shared.run(read)

    def scope_chunk_ids(self, scope: Scope) -> list[str]:
        documents = [int(d) for d in scope.doc_ids]
        rows = self._shared.run(
            lambda c: c.execute(
                "SELECT id FROM librarian.passages WHERE document_id = ANY(%s) ORDER BY id",
                (documents,),
            ).fetchall()
        )
        return [str(r[0]) for r in rows]

    def holds_passages(self) -> bool:
        found = self._shared.run(
            lambda c: c.execute("SELECT 1 FROM librarian.passages LIMIT 1").fetchone()
        )
        return found is not None


class TeamCatalog:
    """The passages of a team library (services.store.interfaces.PassageCatalog)."""

    def __init__(
        self, connection: Connection, reconnect: Callable[[], Connection] | None = None
    ) -> None:
        """`reconnect`: makes a new connection when the server dropped this one."""
        self._shared = _Shared(connection, reconnect)
        self.lexical = TeamLexical(self._shared)

    def chunks(self, ids: Sequence[str]) -> dict[str, StoredChunk]:
        return self._shared.run(lambda c: reading.passages(c, ids))

    def read(self, read: Callable[[Connection], T]) -> T:
        """One read of the caller's (services.store.postgres.reading), connected again if the
        server dropped the connection."""
        return self._shared.run(read)

    def close(self) -> None:
        self._shared.close()


class TeamVectors:
    """Nearest passages by pgvector (services.store.interfaces.VectorQueries); a collection is
    an embedding model's fingerprint."""

    def __init__(self, catalog: TeamCatalog) -> None:
        self._shared = catalog._shared

    def query(
        self, collection: str, embedding: Sequence[float], n: int, scope: VectorScope | None = None
    ) -> list[tuple[str, float]]:
        documents = None if scope is None else [int(d) for d in scope.doc_ids]
        return self._shared.run(lambda c: search.dense(c, collection, embedding, n, documents))

    def sentences(self, collection: str, ids: Sequence[str]) -> dict[str, bytes]:
        from psycopg import sql

        def read(connection: Connection) -> dict[str, bytes]:
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

        return self._shared.run(read)


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
        rows = self._shared.run(
            lambda c: c.execute("SELECT model FROM librarian.spaces").fetchall()
        )
        on_server = {str(r[0]) for r in rows}
        return [
            TeamSpace(key, embedder)
            for key, embedder in self._embedders.items()
            if embedder.fingerprint in on_server
        ]
