"""Combining dense and lexical rankings, and merging neighbouring passages.

Fusion is a weighted sum of each ranking's scores. A dense ranking's cosines are min-max
normalised over its own candidates (cosines have no natural zero: the 30th passage of a
ranking still scores 0.8 with e5). BM25 has one (a passage that shares no word with the
question scores 0), so the lexical scores are divided by the best one: a passage that matched
almost as well as the best keeps almost its share, instead of being stretched towards the
worst candidate's 0. That lifted hybrid Recall@1 (bench.fusion_weights' captured rankings
replayed, 612 XQuAD questions per set, 1,000 PubMedQA): e5 + USE-m3 at 0.4 / 0.3 XQuAD-ru
0.949 -> 0.953, XQuAD-en 0.964 -> 0.967; USE-m3 + MiniLM XQuAD-en 0.949 -> 0.956, PubMedQA
0.979 -> 0.984 (across languages no word matches, so nothing changes there).

On the shared QA sets weighted sums beat reciprocal rank fusion (XQuAD-en R@1 0.951 vs 0.918,
PubMedQA 0.980 vs 0.975) and, unlike RRF, are never below the better single side.

A library may search with more than one dense model (core.embedding_models): each is a ranking
of its own with its own weight, and the lexical ranking has what is left.

Fusion must also know when a dense model is blind: with an English-only embedding model,
Russian queries get near-random dense rankings, and fusing them equally with a good BM25 ranking
drops Recall@1 from 0.90 to 0.35 (measured on XQuAD-ru). So each dense model's weight is scaled
by the share of the query written in scripts that model was trained on, and is zero below one
half.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from desktop_app.core.records import DenseMatch, SearchHit, StoredChunk
from desktop_app.core.scripts import script_share


def dense_trust(query: str, model_scripts: frozenset[str] | None) -> float:
    """How far a dense model's ranking can be trusted for this query (0 = blind, 1 = fully).

    `model_scripts` is None for a model that reads every script.
    """
    if model_scripts is None:
        return 1.0
    share = script_share(query, model_scripts)
    return share if share >= 0.5 else 0.0


@dataclass(frozen=True, slots=True)
class DenseRanking:
    """One dense model's candidates for a query, best first, as (id, cosine similarity)."""

    model: str
    weight: float  # its share of the fused score: the model's weight times dense_trust
    ranked: Sequence[tuple[str, float]]


@dataclass(frozen=True, slots=True)
class Fused:
    id: str
    score: float  # 0..1
    dense: tuple[DenseMatch, ...]
    lexical_rank: int | None
    lexical_score: float | None  # BM25


# Only each ranking's best 30 candidates count, however deep the search went: a dense one's
# scores are stretched between its best and its 30th, and a passage further down the words'
# ranking gets no share of theirs. Otherwise asking for 10 results (40 candidates) reordered
# the first 5 (XQuAD-ru R@1 0.949 where 5 results gave 0.953). What is left: USE-m3 rescores
# a deeper list by its sentences, so a few of its 30 best differ (PubMedQA R@1 0.981 at 10
# results, 0.982 at 5; XQuAD the same to the question).
NORMALISED_OVER = 30


def _normalised(scored: Sequence[tuple[str, float]]) -> dict[str, float]:
    if not scored:
        return {}
    values = sorted((s for _, s in scored), reverse=True)
    high, low = values[0], values[min(NORMALISED_OVER, len(values)) - 1]
    if high <= low:
        return {cid: 1.0 if s >= high else 0.0 for cid, s in scored}
    return {cid: max(0.0, (s - low) / (high - low)) for cid, s in scored}


def _share_of_best(scored: Sequence[tuple[str, float]]) -> dict[str, float]:
    """BM25 scores as shares of the best one (they are all positive: -bm25())."""
    best = max((s for _, s in scored), default=0.0)
    if best <= 0.0:
        return {cid: 1.0 for cid, _ in scored}
    return {cid: max(0.0, s) / best for cid, s in scored}


def _weights(dense: Sequence[DenseRanking], lexical_found: bool) -> tuple[list[float], float]:
    """The dense rankings' weights and the lexical one's. When no word matched, the dense
    rankings are all there is and share the whole score (a blind one still beats nothing)."""
    weights = [max(0.0, d.weight) for d in dense]
    if lexical_found:
        total = sum(weights)
        if total > 1.0:
            weights = [w / total for w in weights]
        return weights, 1.0 - sum(weights)
    total = sum(weights)
    if total <= 0.0:
        return [1.0 / len(dense)] * len(dense) if dense else [], 0.0
    return [w / total for w in weights], 0.0


def fuse(dense: Sequence[DenseRanking], lexical: Sequence[tuple[str, float]]) -> list[Fused]:
    """Rank the union of the candidate lists (lexical as (id, BM25 score), best first)."""
    weights, lexical_weight = _weights(dense, bool(lexical))
    lexical_norm = _share_of_best(lexical[:NORMALISED_OVER])
    lexical_raw = dict(lexical)
    lexical_ranks = {cid: i + 1 for i, (cid, _) in enumerate(lexical)}
    dense_norms = [_normalised(d.ranked) for d in dense]
    matches: dict[str, list[DenseMatch]] = {}
    ids = [c for c, _ in lexical]
    for ranking, weight in zip(dense, weights, strict=True):
        for rank, (cid, score) in enumerate(ranking.ranked, start=1):
            matches.setdefault(cid, []).append(DenseMatch(ranking.model, rank, score))
            if weight > 0.0:
                ids.append(cid)
    fused = [
        Fused(
            id=cid,
            score=lexical_weight * lexical_norm.get(cid, 0.0)
            + sum(w * norm.get(cid, 0.0) for w, norm in zip(weights, dense_norms, strict=True)),
            dense=tuple(matches.get(cid, ())),
            lexical_rank=lexical_ranks.get(cid),
            lexical_score=lexical_raw.get(cid),
        )
        for cid in dict.fromkeys(ids)
    ]
    # Ties keep the better single-side rank first.
    fused.sort(key=lambda f: (-f.score, _best_rank(f)))
    return fused


def _best_rank(fused: Fused) -> int:
    return min([fused.lexical_rank or 10**9, *(m.rank for m in fused.dense)])


@dataclass(frozen=True, slots=True)
class Rankings:
    """One search's rankings before fusion: each dense model's, the words', and the catalog's
    passages for every candidate."""

    dense: list[DenseRanking]
    lexical: list[tuple[str, float]]  # (id, BM25 score), best first
    chunks: dict[str, StoredChunk]
    depth: int  # candidates per ranking
    words_found: bool = True  # whether the dense weights were the script's (PAIR_WEIGHTS)

    def hits(self, k: int) -> list[SearchHit]:
        """The best `k` results, neighbouring passages merged."""
        fused = fuse(self.dense, self.lexical)[: self.depth]
        return merge_neighbours([(self.chunks[f.id], f) for f in fused if f.id in self.chunks], k)


@dataclass(slots=True)
class _Group:
    chunks: list[StoredChunk]
    score: float
    dense: dict[str, DenseMatch]  # the best match of each model over the group's chunks
    lexical_rank: int | None
    lexical_score: float | None

    def accepts(self, chunk: StoredChunk) -> bool:
        first, last = self.chunks[0], self.chunks[-1]
        return (
            chunk.doc_id == first.doc_id
            and chunk.page == first.page
            and (chunk.ordinal == last.ordinal + 1 or chunk.ordinal == first.ordinal - 1)
        )

    def add(self, chunk: StoredChunk) -> None:
        if chunk.ordinal < self.chunks[0].ordinal:
            self.chunks.insert(0, chunk)
        else:
            self.chunks.append(chunk)


def merge_neighbours(
    ranked: Sequence[tuple[StoredChunk, Fused]], limit: int, max_group: int = 3
) -> list[SearchHit]:
    """Merge hits that are consecutive passages of one page, keeping the best one's rank."""
    groups: list[_Group] = []
    for chunk, fused in ranked:
        target = next((g for g in groups if len(g.chunks) < max_group and g.accepts(chunk)), None)
        if target is None:
            groups.append(
                _Group(
                    [chunk],
                    fused.score,
                    {m.model: m for m in fused.dense},
                    fused.lexical_rank,
                    fused.lexical_score,
                )
            )
        else:
            target.add(chunk)
            for match in fused.dense:
                known = target.dense.get(match.model)
                if known is None or match.rank < known.rank:
                    target.dense[match.model] = match
            target.lexical_rank = _best(target.lexical_rank, fused.lexical_rank)
            target.lexical_score = _top(target.lexical_score, fused.lexical_score)
    return [_to_hit(g) for g in groups[:limit]]


def _best(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else min(a, b)


def _top(a: float | None, b: float | None) -> float | None:
    return b if a is None else a if b is None else max(a, b)


def _to_hit(group: _Group) -> SearchHit:
    first = group.chunks[0]
    text = first.text
    end = first.end
    for chunk in group.chunks[1:]:
        if chunk.start < end:  # overlapping passages: append only what is new
            text += chunk.text[end - chunk.start :]
        else:
            text += "\n" + chunk.text
        end = max(end, chunk.end)
    return SearchHit(
        path=first.path,
        title=first.title,
        page=first.page,
        start=first.start,
        end=end,
        text=text,
        score=group.score,
        chunk_ids=tuple(c.id for c in group.chunks),
        dense=tuple(group.dense.values()),
        lexical_rank=group.lexical_rank,
        lexical_score=group.lexical_score,
    )
