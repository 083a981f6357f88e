"""What search reads of a library's storage, whichever it is: the local one (the SQLite
catalog with FTS5, Chroma's vector spaces) or a team library on PostgreSQL (postgres/).
The retriever (services.search.retrieval) is written against these, not against either."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from desktop_app.core.records import StoredChunk
from desktop_app.services.store.lexical_search import Scope
from desktop_app.services.store.vector_index import VectorScope

if TYPE_CHECKING:
    from desktop_app.core.embedding_models import EmbeddingModelInfo
    from desktop_app.services.embeddings import Embedder


class LexicalRanking(Protocol):
    """Passages ranked by their words (BM25), and the scopes that limit a search."""

    def search(
        self, terms: Sequence[str], limit: int, scope: Scope | None = None
    ) -> list[tuple[str, float]]: ...

    def scope(self, paths: Sequence[str]) -> Scope: ...

    def scope_chunk_ids(self, scope: Scope) -> list[str]: ...

    def holds_passages(self) -> bool: ...


class PassageCatalog(Protocol):
    """The passages themselves (the truth a ranking's ids are checked against)."""

    @property
    def lexical(self) -> LexicalRanking: ...

    def chunks(self, ids: Sequence[str]) -> dict[str, StoredChunk]: ...


class VectorQueries(Protocol):
    """One vector space's nearest passages, and their sentences' vectors."""

    def query(
        self, collection: str, embedding: Sequence[float], n: int, scope: VectorScope | None = None
    ) -> list[tuple[str, float]]: ...

    def sentences(self, collection: str, ids: Sequence[str]) -> dict[str, bytes]: ...


class SearchSpace(Protocol):
    """An embedding model's space: the model that embeds the question, and where its vectors
    are."""

    @property
    def info(self) -> EmbeddingModelInfo: ...

    @property
    def embedder(self) -> Embedder: ...

    @property
    def collection(self) -> str: ...


class SearchableSpaces(Protocol):
    @property
    def store(self) -> VectorQueries: ...

    def searchable(self) -> Sequence[SearchSpace]: ...
