"""Quotes for a question: the retrieved passages' best sentences, scored with the library's
own embedding models (core.quotes has the splitting and the scoring).

The units of the first few passages are embedded at question time (tens of short sentences: a
fraction of a second on 2 cores) by every model that reads both the question and the unit;
their cosine similarities are averaged. No language model is involved, so quotes are ready
as soon as the search is done.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from desktop_app.core.fusion import dense_trust
from desktop_app.core.prompts import Evidence
from desktop_app.core.quotes import (
    DEFAULT_WEIGHTS,
    MAX_QUOTES,
    Quote,
    ScoringWeights,
    Unit,
    UnitFeatures,
    answer_shape,
    best_units,
    folded,
    has_shape,
    unit_scores,
    units,
    weighted_overlaps,
    windows,
)
from desktop_app.core.records import SearchHit
from desktop_app.services.store.interfaces import SearchableSpaces

# Quotes come from the search's first passages only: the answer is in the first three for
# nearly every question the search answers at all (bench.quotes: README, "Quotes").
QUOTE_PASSAGES = 3


@dataclass(frozen=True, slots=True)
class Candidates:
    """Every unit of the first passages with its features: what quotes and the writer's
    sentence windows are chosen from."""

    hits: list[SearchHit]  # the passages, in the search's order
    places: list[tuple[int, Unit]]  # (passage index, unit) for each feature
    features: list[UnitFeatures]
    texts: list[str]  # each unit's raw text
    dense_models: list[str] = field(default_factory=list)  # the models that scored them

    def quotes(
        self, weights: ScoringWeights = DEFAULT_WEIGHTS, limit: int = MAX_QUOTES
    ) -> list[Quote]:
        """The best units as quotes; a quote's n is its passage's place + 1."""
        chosen = best_units(self.features, self.texts, weights, limit)
        found = []
        for i, score in chosen:
            passage, unit = self.places[i]
            hit = self.hits[passage]
            found.append(
                Quote(
                    text=folded(self.texts[i]),
                    n=passage + 1,
                    path=hit.path,
                    page=hit.page,
                    start=hit.start + unit.start,
                    end=hit.start + unit.end,
                    score=score,
                )
            )
        return found

    def evidence(self, seeds: int, weights: ScoringWeights = DEFAULT_WEIGHTS) -> list[Evidence]:
        """The `seeds` best units with their neighbours, as the writer reads them: one piece
        per passage, in the search's order, its sentences in document order ("…" where
        some were left out), cited by the passage's number."""
        chosen = windows(self.features, unit_scores(self.features, weights), seeds)
        pieces = []
        for passage, indices in chosen.items():
            hit = self.hits[passage]
            parts: list[str] = []
            spans: list[tuple[int, int]] = []
            previous: int | None = None
            for i in indices:
                unit, place = self.places[i][1], self.features[i].unit
                if previous is not None and place != previous + 1:
                    parts.append("…")
                parts.append(folded(self.texts[i]))
                spans.append((hit.start + unit.start, hit.start + unit.end))
                previous = place
            pieces.append(Evidence(passage + 1, hit, " ".join(parts), tuple(spans)))
        return pieces


class QuoteFinder:
    def __init__(self, spaces: SearchableSpaces) -> None:
        self.spaces = spaces

    def candidates(
        self,
        question: str,
        hits: Sequence[SearchHit],
        passages: int = QUOTE_PASSAGES,
        models: Sequence[str] | None = None,
    ) -> Candidates:
        """The units of the first `passages` hits with their features. `models` narrows the
        dense models consulted (bench.quotes compares them); default: every searchable one."""
        import numpy as np

        from desktop_app.core.lexical import query_terms

        first = list(hits[:passages])
        places: list[tuple[int, Unit]] = []
        texts: list[str] = []
        in_passage: list[int] = []  # each unit's place within its passage
        for p, hit in enumerate(first):
            for i, unit in enumerate(units(hit.text)):
                places.append((p, unit))
                texts.append(hit.text[unit.start : unit.end])
                in_passage.append(i)
        lexical = weighted_overlaps(query_terms(question), texts)
        shape = answer_shape(question)
        dense_sum = np.zeros(len(texts), dtype=np.float32)
        dense_count = np.zeros(len(texts), dtype=np.float32)
        used: list[str] = []
        spaces = self.spaces.searchable()
        if models is None:
            # The models that score sentences judge the units: with e5 and USE-m3, USE-m3 alone
            # picks as good quotes as their mean (bench.quotes: best quote 0.792 / 0.738 en /
            # ru against 0.792 / 0.733) without embedding every unit with e5 too (time to
            # quotes at 10,000 passages: p95 339 ms with both, goal 300).
            spaces = [s for s in spaces if s.info.sentence_scoring] or spaces
        for space in spaces:
            info = space.info
            if models is not None and info.key not in models:
                continue
            if not texts or dense_trust(question, info.scripts) <= 0:
                continue
            readable = [i for i, t in enumerate(texts) if dense_trust(t, info.scripts) > 0]
            if not readable:
                continue
            query = np.asarray(space.embedder.embed_query(question), dtype=np.float32)
            vectors = space.embedder.embed_documents([folded(texts[i]) for i in readable])
            dense_sum[readable] += np.asarray(vectors, dtype=np.float32) @ query
            dense_count[readable] += 1
            used.append(info.key)
        dense = np.divide(dense_sum, np.maximum(dense_count, 1))
        features = [
            UnitFeatures(p, in_passage[i], float(dense[i]), lexical[i], has_shape(texts[i], shape))
            for i, (p, _) in enumerate(places)
        ]
        return Candidates(first, places, features, texts, used)

    def quotes(self, question: str, hits: Sequence[SearchHit]) -> list[Quote]:
        return self.candidates(question, hits).quotes()
