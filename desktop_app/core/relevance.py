"""Is a retrieved passage about the question at all? Ranking always returns something; an
answer must only be grounded on passages that are actually relevant."""

from __future__ import annotations

from dataclasses import dataclass

from desktop_app.core.lexical import index_terms, query_terms
from desktop_app.core.models import SearchHit


@dataclass(frozen=True, slots=True)
class RelevanceThresholds:
    # Preliminary values, to be calibrated on ../shared/eval (see the answering issue):
    # MiniLM cosine of a passage that answers an English question is mostly above 0.35, of
    # an unrelated one below 0.2; half the question's content words is a strong lexical match.
    min_cosine: float = 0.3
    min_term_coverage: float = 0.5


def term_coverage(question: str, passage: str) -> float:
    wanted = set(query_terms(question))
    if not wanted:
        return 0.0
    return len(wanted & set(index_terms(passage))) / len(wanted)


def is_relevant(question: str, hit: SearchHit, thresholds: RelevanceThresholds) -> bool:
    if hit.dense_score is not None and hit.dense_score >= thresholds.min_cosine:
        return True
    return term_coverage(question, hit.text) >= thresholds.min_term_coverage
