from desktop_app.core.records import DenseMatch, SearchHit
from desktop_app.core.relevance import RelevanceThresholds, is_relevant, term_coverage

T = RelevanceThresholds()


def hit(text: str, cosine: float | None, model: str = "minilm") -> SearchHit:
    dense = () if cosine is None else (DenseMatch(model, 1, cosine),)
    return SearchHit("/a.txt", "a", None, 0, len(text), text, 0.5, ("c",), dense=dense)


def test_close_embedding_is_relevant():
    assert is_relevant("anything at all", hit("unrelated words", 0.55), T)


def test_shared_words_make_a_distant_passage_relevant():
    passage = "The museum opens at ten on Sundays."
    assert term_coverage("When does the museum open on Sundays?", passage) == 1.0
    assert is_relevant("When does the museum open on Sundays?", hit(passage, 0.1), T)


def test_neither_close_nor_sharing_words_is_not_relevant():
    assert not is_relevant("recipe for chocolate cake", hit("Aircraft damage report.", 0.1), T)


def test_russian_inflections_count_as_shared_words():
    question = "Когда открывается музей по воскресеньям?"
    passage = "Музей открыт по воскресеньям с десяти часов."
    assert is_relevant(question, hit(passage, None), T)


def test_each_model_has_its_own_cosine_threshold():
    from desktop_app.core.embedding_models import BUILTIN_MODELS

    for key, info in BUILTIN_MODELS.items():
        assert is_relevant("x", hit("y", info.min_cosine + 0.01, key), T)
        assert not is_relevant("x", hit("y", info.min_cosine - 0.01, key), T)
