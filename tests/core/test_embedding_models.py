"""Which models a library searches with by default, and their shares of the fused score."""

from __future__ import annotations

from desktop_app.core.embedding_models import (
    DEFAULT_EMBEDDING_MODELS,
    E5,
    FALLBACK_EMBEDDING_MODELS,
    MINILM,
    PAIR_WEIGHTS,
    USE_M3,
    describe,
    fusion_weights,
)
from desktop_app.core.settings import Settings


def test_a_tuned_pair_gets_its_own_weights_by_script_and_others_keep_each_models():
    pair = PAIR_WEIGHTS[frozenset({E5, USE_M3})]
    models = [describe(E5), describe(USE_M3)]
    # English questions lean on e5, Russian ones (and any other script) on USE-m3 more.
    assert fusion_weights(models, "latin") == pair["latin"]
    assert fusion_weights(models, "cyrillic") == fusion_weights(models, None) == pair[None]
    assert fusion_weights(models, "latin")[USE_M3] < fusion_weights(models, "cyrillic")[USE_M3]
    # An English question whose words no passage holds (a paraphrase) is weighted like one
    # asked across languages.
    assert fusion_weights(models, "latin", words_found=False) == pair[None]
    earlier = fusion_weights([describe(USE_M3), describe(MINILM)], "latin")
    assert earlier == {
        USE_M3: describe(USE_M3).fusion_weight,
        MINILM: describe(MINILM).fusion_weight,
    }
    assert fusion_weights([describe(E5)], "cyrillic") == {E5: describe(E5).fusion_weight}
    # Every share of the dense models leaves some of the score to the words.
    assert all(sum(w.values()) < 1 for by in PAIR_WEIGHTS.values() for w in by.values())


def test_the_default_is_e5_with_use_m3_and_falls_back_only_when_nothing_was_chosen():
    assert Settings().chosen_embedding_models() == DEFAULT_EMBEDDING_MODELS == (E5, USE_M3)
    assert Settings().embedding_fallback() == FALLBACK_EMBEDDING_MODELS == (USE_M3, MINILM)
    chose = Settings(embedding_models=[E5, USE_M3])
    assert chose.chosen_embedding_models() == (E5, USE_M3) and chose.embedding_fallback() == ()
    legacy = Settings(embedding_model="/models/bge-m3")  # one folder, from before the list
    assert legacy.embedding_fallback() == ()
