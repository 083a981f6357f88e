import itertools

from desktop_app.core.chunking import (
    ChunkingOptions,
    approximate_token_count,
    chunk_pages,
    passage_sentences,
)
from desktop_app.core.records import PageText


def words_counter(texts):  # one token per word: makes sizes easy to reason about
    return [len(t.split()) for t in texts]


def sentence(i: int, words: int = 10) -> str:
    return " ".join(f"w{i}x{j}" for j in range(words - 1)) + f" end{i}."


def test_spans_slice_the_page_text_exactly():
    text = "\n\n".join(" ".join(sentence(i * 10 + k) for k in range(5)) for i in range(8))
    page = PageText(3, text)
    chunks = chunk_pages([page], words_counter, ChunkingOptions(max_tokens=60, overlap_tokens=15))
    assert len(chunks) > 3
    for c in chunks:
        assert c.text == text[c.start : c.end]
        assert c.page == 3
        assert len(c.text.split()) <= 60
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))


def test_every_sentence_is_covered_and_neighbours_overlap():
    sentences = [sentence(i) for i in range(40)]
    text = " ".join(sentences)
    chunks = chunk_pages([PageText(None, text)], words_counter, ChunkingOptions(60, 15, 5))
    assert len(chunks) >= 3  # else the overlap checks below would check nothing
    covered = " ".join(c.text for c in chunks)
    for s in sentences:
        assert s in covered
    for a, b in itertools.pairwise(chunks):
        assert b.start < a.end, "consecutive passages should share an overlap"
        assert b.start > a.start


def test_heading_starts_a_new_passage():
    body = " ".join(sentence(i) for i in range(4))
    text = f"Introduction\n\n{body}\n\nResults and discussion\n\n{body}"
    chunks = chunk_pages([PageText(1, text)], words_counter, ChunkingOptions(200, 20, 5))
    assert len(chunks) == 2
    assert chunks[1].text.startswith("Results and discussion")


def test_overlong_sentence_is_split_at_words():
    text = " ".join(f"word{i}" for i in range(500))  # no punctuation at all (a table, say)
    chunks = chunk_pages([PageText(1, text)], words_counter, ChunkingOptions(100, 10, 5))
    assert len(chunks) >= 5
    assert all(len(c.text.split()) <= 100 for c in chunks)
    assert chunks[-1].text.endswith("word499")


def test_passages_never_cross_pages():
    pages = [PageText(n, " ".join(sentence(n * 100 + i) for i in range(3))) for n in (1, 2, 3)]
    chunks = chunk_pages(pages, words_counter, ChunkingOptions(200, 20, 5))
    assert [c.page for c in chunks] == [1, 2, 3]


def test_empty_pages_give_no_passages():
    assert chunk_pages([PageText(1, ""), PageText(2, "   \n\n ")]) == []


def test_approximate_counter_is_monotonic():
    short, long = approximate_token_count(["a b c", "a b c d e f g h"])
    assert 0 < short < long


def test_passage_sentences_splits_at_sentence_ends_and_paragraph_breaks():
    text = "Собаки верные. Пудель умный!\n\nOvcharka guards the flock? Yes… 12.\n\n- 3 -"
    assert passage_sentences(text) == [
        "Собаки верные.",
        "Пудель умный!",
        "Ovcharka guards the flock?",
        "Yes…",
    ]  # "12." and "- 3 -" have no letter: no vector of their own


def test_passage_sentences_joins_neighbours_beyond_the_limit():
    text = " ".join(f"Sentence number {n}." for n in range(10))
    parts = passage_sentences(text, max_count=4)
    assert len(parts) == 4
    assert " ".join(parts) == text  # nothing lost, order kept
    assert passage_sentences("No end mark at all") == ["No end mark at all"]
