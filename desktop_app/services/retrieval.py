"""Hybrid search: dense (Chroma) and lexical (FTS5 BM25) rankings fused, neighbours merged."""

from __future__ import annotations

from enum import StrEnum

from desktop_app.core.fusion import dense_weight, fuse, merge_neighbours
from desktop_app.core.lexical import query_terms
from desktop_app.core.models import SearchHit
from desktop_app.services.catalog import Catalog
from desktop_app.services.embeddings import Embedder
from desktop_app.services.vector_store import VectorIndex


class SearchMode(StrEnum):
    HYBRID = "hybrid"
    DENSE = "dense"
    LEXICAL = "lexical"


class Retriever:
    def __init__(self, catalog: Catalog, vectors: VectorIndex, embedder: Embedder) -> None:
        self.catalog = catalog
        self.vectors = vectors
        self.embedder = embedder

    def search(
        self, query: str, k: int = 5, mode: SearchMode = SearchMode.HYBRID
    ) -> list[SearchHit]:
        query = query.strip()
        if not query or k <= 0:
            return []
        depth = max(4 * k, 30)  # candidates per side, before fusion and merging
        lexical: list[tuple[str, float]] = []
        if mode is not SearchMode.DENSE:
            lexical = self.catalog.lexical_search(query_terms(query), depth)
        if mode is SearchMode.HYBRID:
            trust = dense_weight(query, self.embedder.scripts)
        else:
            trust = 1.0 if mode is SearchMode.DENSE else 0.0
        dense: list[tuple[str, float]] = []
        # A blind dense ranking still beats no result at all when no word matched.
        if mode is not SearchMode.LEXICAL and (trust > 0 or not lexical):
            dense = self.vectors.query(self.embedder.embed_query(query), depth)
        fused = fuse(dense, lexical, trust)[:depth]
        # The catalog is the truth: vectors it does not know (an interrupted run) are ignored.
        chunks = self.catalog.chunks([f.id for f in fused])
        ranked = [(chunks[f.id], f) for f in fused if f.id in chunks]
        return merge_neighbours(ranked, k)
