from desktop_app.core.models import SearchHit
from desktop_app.core.relevance import RelevanceThresholds, is_relevant, term_coverage

T = RelevanceThresholds()


def hit(text: str, cosine: float | None) -> SearchHit:
    return SearchHit("/a.txt", "a", None, 0, len(text), text, 0.5, ("c",), dense_score=cosine)


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
