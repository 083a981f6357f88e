"""Hybrid search: dense (Chroma) and lexical (FTS5 BM25) rankings fused, neighbours merged."""

from __future__ import annotations

from enum import StrEnum

from desktop_app.core.fusion import dense_weight, merge_neighbours, reciprocal_rank_fusion
from desktop_app.core.lexical import query_terms
from desktop_app.core.models import SearchHit
from desktop_app.services.catalog import Catalog
from desktop_app.services.embeddings import Embedder
from desktop_app.services.vector_store import VectorStore


class SearchMode(StrEnum):
    HYBRID = "hybrid"
    DENSE = "dense"
    LEXICAL = "lexical"


class Retriever:
    def __init__(self, catalog: Catalog, vectors: VectorStore, embedder: Embedder) -> None:
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
        lexical: list[str] = []
        if mode is not SearchMode.DENSE:
            lexical = [cid for cid, _ in self.catalog.lexical_search(query_terms(query), depth)]
        if mode is SearchMode.HYBRID:
            w_dense = dense_weight(query, self.embedder.scripts)
            if w_dense == 0 and not lexical:
                w_dense = 1.0  # no word matched: a weak dense ranking beats no answer
        else:
            w_dense = 1.0 if mode is SearchMode.DENSE else 0.0
        dense: list[str] = []
        if w_dense > 0:
            dense = [cid for cid, _ in self.vectors.query(self.embedder.embed_query(query), depth)]
        w_lexical = 0.0 if mode is SearchMode.DENSE else 1.0
        fused = reciprocal_rank_fusion(dense, lexical, w_dense, w_lexical)[:depth]
        # The catalog is the truth: vectors it does not know (an interrupted run) are ignored.
        chunks = self.catalog.chunks([f.id for f in fused])
        ranked = [(chunks[f.id], f) for f in fused if f.id in chunks]
        return merge_neighbours(ranked, k)
