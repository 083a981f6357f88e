"""Hybrid search: every dense model's ranking and the lexical one (BM25) fused, neighbours
merged; over a local library (Chroma, FTS5) or a team library (pgvector, PostgreSQL), through
services.store.interfaces."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from enum import StrEnum
from pathlib import Path

from desktop_app.core.embedding_models import WORDS_FOUND, EmbeddingModelInfo, fusion_weights
from desktop_app.core.errors import LibrarianError
from desktop_app.core.fusion import NORMALISED_OVER, DenseRanking, Rankings, dense_trust
from desktop_app.core.lexical import query_terms
from desktop_app.core.log_files import SHOWN
from desktop_app.core.records import SearchHit, StoredChunk
from desktop_app.core.relevance import term_coverage
from desktop_app.core.scripts import dominant_script, script_share
from desktop_app.core.settings import DEFAULTS
from desktop_app.services.embeddings.passage_vectors import rescore
from desktop_app.services.store.interfaces import PassageCatalog, SearchableSpaces, SearchSpace
from desktop_app.services.store.lexical_search import Scope
from desktop_app.services.store.vector_index import VectorScope, VectorStoreUnavailable

log = logging.getLogger(__name__)

# A scope of at most this many passages hands the vector store their ids, to compare them one
# by one (on the int8 copy; fetched from Chroma, 20 ms per 1,000, while the copy is stale).
_MAX_SCOPE_IDS = 2_000


class EmptyScopeError(LibrarianError):
    """A search was limited to documents none of which has indexed passages."""

    def __init__(self, within: Sequence[str]) -> None:
        names = ", ".join(Path(p).name or p for p in within[:3]) + (" …" if len(within) > 3 else "")
        super().__init__(
            f"Nothing is indexed in {names}: add these documents (or wait for their indexing),"
            " or search all documents"
        )


class SearchMode(StrEnum):
    HYBRID = "hybrid"
    DENSE = "dense"
    LEXICAL = "lexical"


class Retriever:
    def __init__(self, catalog: PassageCatalog, spaces: SearchableSpaces) -> None:
        self.catalog = catalog
        self.spaces = spaces
        self._threads: ThreadPoolExecutor | None = None
        self._threads_lock = threading.Lock()
        self.unavailable: str | None = None  # why the last search could not use the vectors

    def _pool(self) -> ThreadPoolExecutor:
        with self._threads_lock:
            if self._threads is None:
                self._threads = ThreadPoolExecutor(4, thread_name_prefix="librarian-search")
            return self._threads

    def close(self) -> None:
        with self._threads_lock:
            if self._threads is not None:
                self._threads.shutdown(wait=True)
                self._threads = None

    def search(
        self,
        query: str,
        k: int = DEFAULTS.search_results,
        mode: SearchMode = SearchMode.HYBRID,
        within: Sequence[str] | None = None,
    ) -> list[SearchHit]:
        """The best `k` passages; of the documents at `within` only (files or folders), when
        given (EmptyScopeError when none of them has indexed passages)."""
        started = time.perf_counter()
        rankings = self.rankings(query, k, mode, within)
        if rankings is None:
            return []
        hits = rankings.hits(k)
        # The question itself is logged only with --verbose: the log holds no user text.
        log.debug("search for %r", query)
        log.info(
            "%s search%s: %d results in %.0f ms (%d dense rankings, %d lexical candidates)",
            mode.value,
            "" if within is None else " in part of the library",
            len(hits),
            (time.perf_counter() - started) * 1000,
            len(rankings.dense),
            len(rankings.lexical),
        )
        return hits

    def rankings(
        self,
        query: str,
        k: int = DEFAULTS.search_results,
        mode: SearchMode = SearchMode.HYBRID,
        within: Sequence[str] | None = None,
    ) -> Rankings | None:
        """Every ranking a search for `k` results fuses, before fusion (None for an empty
        question): bench.fusion_weights fuses them again with other weights."""
        query = query.strip()
        if not query or k <= 0:
            return None
        scope = None if within is None else self.catalog.lexical.scope(within)
        if within is not None and scope is not None and scope.empty:
            raise EmptyScopeError(within)
        if not self.catalog.lexical.holds_passages():
            return None  # an empty library: nothing to rank, no embedding model to wait for
        within_vectors = self._vector_scope(scope)
        # Candidates per ranking, before fusion and merging.
        depth = max(4 * k, NORMALISED_OVER)
        # The rankings run at once: each model's encoding, the vector store process's
        # queries and SQLite's BM25 mostly run outside the GIL, so on 2 cores a hybrid search
        # takes about its longest ranking instead of the sum (bench.scale, 100k passages:
        # p50 35 -> 28 ms, p95 52 -> 35 ms).
        pool = self._pool()
        # A search by meaning alone asks for the words too: whether they are found decides the
        # dense models' weights (dense_weights).
        terms = query_terms(query)
        lexical_job = pool.submit(self.catalog.lexical.search, terms, depth, scope)
        spaces = [] if mode is SearchMode.LEXICAL else self.spaces.searchable()
        jobs: dict[str, Future[list[tuple[str, float]]]] = {
            s.info.key: pool.submit(self._dense_ranking, s, query, depth, within_vectors)
            for s in spaces
            if dense_trust(query, s.info.scripts) > 0
        }
        words = lexical_job.result()
        lexical = [] if mode is SearchMode.DENSE else words
        if not jobs and not lexical:
            # A blind dense ranking still beats no result at all when no word matched and no
            # model can read the query.
            for space in spaces:
                jobs[space.info.key] = pool.submit(
                    self._dense_ranking, space, query, depth, within_vectors
                )
        ranked = {key: job.result() for key, job in jobs.items()}
        candidates = [cid for cid, _ in lexical or words[:1]]
        candidates += [cid for r in ranked.values() for cid, _ in r]
        # The catalog is the truth: vectors it does not know (an interrupted run) are ignored.
        chunks = self.catalog.chunks(list(dict.fromkeys(candidates)))
        words_found = _words_found(query, words, chunks)
        weights = dense_weights(query, [s.info for s in spaces], words_found)
        dense = [DenseRanking(key, weights[key], r) for key, r in ranked.items()]
        scripts = {s.info.key: s.info.scripts for s in spaces}  # what each model reads
        dense = [_readable_only(d, chunks, scripts[d.model]) for d in dense]
        if dense:
            lexical = _same_script_only(lexical, chunks, query)
        return Rankings(dense, lexical, chunks, depth, words_found)

    def _vector_scope(self, scope: Scope | None) -> VectorScope | None:
        """The scope as the vector store keeps to it (see VectorStore.query): with the
        passages' ids of a small one."""
        if scope is None:
            return None
        small = scope.passages <= _MAX_SCOPE_IDS
        ids = tuple(self.catalog.lexical.scope_chunk_ids(scope)) if small else None
        return VectorScope(scope.doc_ids, scope.passages, ids)

    def _dense_ranking(
        self, space: SearchSpace, query: str, depth: int, scope: VectorScope | None
    ) -> list[tuple[str, float]]:
        """One model's candidates, best first; a model that scores sentences rescores its own
        candidates by their best sentence (services.embeddings.passage_vectors)."""
        store = self.spaces.store
        vector = space.embedder.embed_query(query)
        try:
            ranked = store.query(space.collection, vector, depth, scope)
            if not space.info.sentence_scoring or not ranked:
                return ranked
            sentences = store.sentences(space.collection, [cid for cid, _ in ranked])
        except VectorStoreUnavailable as exc:
            # A full disk or a read-only folder keeps Chroma closed: this search goes by words
            # and the other rankings (Library.embeddings.degraded_notice says so).
            log.warning("%s left out of the search: %s", space.info.label, exc, extra=SHOWN)
            self.unavailable = str(exc)
            return []
        self.unavailable = None
        return rescore(vector, ranked, sentences)


def _words_found(
    query: str, lexical: list[tuple[str, float]], chunks: dict[str, StoredChunk]
) -> bool:
    """Whether the passage that matches the query's words best holds WORDS_FOUND of them."""
    best = chunks.get(lexical[0][0]) if lexical else None
    return best is not None and term_coverage(query, best.text) >= WORDS_FOUND


def dense_weights(
    query: str, models: Sequence[EmbeddingModelInfo], words_found: bool = True
) -> dict[str, float]:
    """Each model's share of the fused score for this query (0: it cannot read it).

    The dense models' share of the score stays the same whatever the query's language: a
    blind model's share goes to the models that can read the query (tuned with
    bench.fusion_weights: Russian questions want USE-m3 at about the share both models have
    together for English ones). A tuned pair shares it by the question's script when its words
    are found (core.embedding_models.PAIR_WEIGHTS). Dense mode has no lexical ranking: fuse()
    then shares the whole score among these."""
    trust = {m.key: dense_trust(query, m.scripts) for m in models}
    own = fusion_weights(models, dominant_script(query), words_found)
    share = sum(own.values())
    seen = sum(own[key] * trust[key] for key in own)
    scale = share / seen if seen > 0 else 1.0
    return {key: own[key] * trust[key] * scale for key in own}


def _readable_only(
    ranking: DenseRanking, chunks: dict[str, StoredChunk], scripts: frozenset[str] | None
) -> DenseRanking:
    """A model's similarity to a passage in a script it cannot read is noise (MiniLM puts
    random Russian passages near an English question): such candidates leave its ranking."""
    if scripts is None:
        return ranking
    kept = [
        (cid, score)
        for cid, score in ranking.ranked
        if cid in chunks and dense_trust(chunks[cid].text, scripts) > 0
    ]
    return DenseRanking(ranking.model, ranking.weight, kept)


def _same_script_only(
    lexical: list[tuple[str, float]], chunks: dict[str, StoredChunk], query: str
) -> list[tuple[str, float]]:
    """Words an English question shares with a Russian passage are names and numbers, weak
    evidence next to a multilingual model's reading of the whole passage: on XQuAD, English
    questions over Russian paragraphs scored R@1 0.63 with them (60 questions) and 0.748
    without (all 612). So when dense models are consulted, lexical matches count in the
    query's own script."""
    script = dominant_script(query)
    if script is None:
        return lexical
    wanted = frozenset({script})
    return [
        (cid, s)
        for cid, s in lexical
        if cid in chunks and script_share(chunks[cid].text, wanted) >= 0.5
    ]
