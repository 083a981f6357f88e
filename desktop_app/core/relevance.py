"""Is a retrieved passage about the question at all? Ranking always returns something; an
answer must only be grounded on passages that are actually relevant."""

from __future__ import annotations

from dataclasses import dataclass

from desktop_app.core.embedding_models import describe
from desktop_app.core.lexical import index_terms, query_terms
from desktop_app.core.records import SearchHit
from desktop_app.core.scripts import dominant_script


@dataclass(frozen=True, slots=True)
class RelevanceThresholds:
    """Calibrated with bench.relevance on ../shared/eval (300 questions per case, top 5
    passages, the default embedding models, e5 and USE-m3): 98.0% of XQuAD-en and 97.0% of
    XQuAD-ru questions find a relevant passage in their own corpus, 72-79% across the two
    languages, while 2.7% of PubMedQA questions asked of the English XQuAD corpus (nothing
    about them there) and 7.0% asked of the Russian one pass (after issue 25's fusion
    change; 2.3% before it, README "A stronger multilingual encoder")."""

    # The cosine similarity that makes a passage relevant is each embedding model's own
    # (EmbeddingModelInfo.min_cosine): models spread their scores differently.
    min_term_coverage: float = 0.5  # share of the question's content words in the passage
    # When no dense model was consulted the words are all the evidence there is, and Russian
    # inflection hides some of them (Snowball stems miss "замок"/"замка"): so for Russian
    # questions too.
    min_term_coverage_lexical_only: float = 0.4


def term_coverage(question: str, passage: str) -> float:
    wanted = set(query_terms(question))
    if not wanted:
        return 0.0
    return len(wanted & set(index_terms(passage))) / len(wanted)


def is_relevant(question: str, hit: SearchHit, thresholds: RelevanceThresholds) -> bool:
    asked_in, written_in = dominant_script(question), dominant_script(hit.text)
    across = asked_in is not None and written_in is not None and asked_in != written_in
    for match in hit.dense:
        info = describe(match.model)
        if match.score >= (info.min_cosine_across_scripts if across else info.min_cosine):
            return True
    needed = (
        thresholds.min_term_coverage_lexical_only
        if not hit.dense or asked_in == "cyrillic"
        else thresholds.min_term_coverage
    )
    return term_coverage(question, hit.text) >= needed
