from desktop_app.core.lexical import index_terms, query_terms, stem
from desktop_app.core.scripts import script_share


def test_russian_inflections_share_a_stem():
    assert stem("книги") == stem("книгу") == stem("книгой")


def test_english_inflections_share_a_stem():
    assert stem("indexing") == stem("indexed") == stem("index")


def test_mixed_language_text_is_stemmed_per_word():
    terms = index_terms("Установка TeX Live на компьютерах running Linux")
    assert stem("установка") in terms and stem("компьютерах") in terms
    assert "run" in terms and "linux" in terms


def test_stop_words_are_dropped_but_not_from_an_all_stop_word_query():
    assert "the" not in index_terms("the index of the book")
    assert query_terms("the who") == ["the", "who"]


def test_query_terms_are_unique_and_ordered():
    assert query_terms("Books, book; BOOKS and shelves") == ["book", "shelv"]


def test_script_share():
    assert script_share("hello world", frozenset({"latin"})) == 1.0
    assert script_share("привет мир", frozenset({"latin"})) == 0.0
    assert 0.4 < script_share("hello мир", frozenset({"latin"})) < 0.8
