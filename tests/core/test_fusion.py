import pytest

from desktop_app.core.fusion import DenseRanking, dense_trust, fuse, merge_neighbours
from desktop_app.core.records import StoredChunk

LATIN = frozenset({"latin"})


def test_dense_is_blind_for_a_script_the_model_cannot_read():
    assert dense_trust("Когда была основана компания?", LATIN) == 0.0
    assert dense_trust("When was the company founded?", LATIN) == 1.0
    assert dense_trust("Когда была основана компания?", None) == 1.0  # multilingual model


def test_a_blind_dense_side_does_not_change_the_lexical_ranking():
    dense = DenseRanking("minilm", 0.0, [("a", 0.9), ("b", 0.5), ("c", 0.1)])
    lexical = [("c", 12.0), ("b", 7.0), ("a", 1.0)]
    assert [f.id for f in fuse([dense], lexical)] == ["c", "b", "a"]


def test_agreement_wins_and_raw_scores_are_kept():
    dense = DenseRanking("minilm", 0.5, [("x", 0.8), ("shared", 0.75), ("z", 0.1)])
    lexical = [("y", 9.0), ("shared", 8.5), ("w", 1.0)]
    fused = fuse([dense], lexical)
    assert fused[0].id == "shared"
    assert [(m.model, m.rank, m.score) for m in fused[0].dense] == [("minilm", 2, 0.75)]
    assert fused[0].lexical_rank == 2 and fused[0].lexical_score == 8.5
    assert all(0.0 <= f.score <= 1.0 for f in fused)


def test_words_keep_their_share_in_proportion_to_the_best_match():
    """BM25 has a true zero: a passage that matched nearly as well as the best keeps nearly
    the words' whole share. Min-max would give the runner-up of these three half of it and
    let the meaning's second choice win."""
    dense = DenseRanking("e5", 0.5, [("runner-up", 0.90), ("best", 0.86), ("low", 0.80)])
    lexical = [("best", 10.0), ("runner-up", 9.5), ("low", 9.0)]
    by_id = {f.id: f.score for f in fuse([dense], lexical)}
    assert by_id["runner-up"] == pytest.approx(0.5 * 1.0 + 0.5 * 0.95)
    assert by_id["best"] == pytest.approx(0.5 * 0.6 + 0.5 * 1.0)
    assert by_id["low"] == pytest.approx(0.5 * 0.9)
    assert max(by_id, key=by_id.__getitem__) == "runner-up"  # min-max: "best", 0.8 vs 0.75


def test_each_dense_model_is_a_signal_of_its_own():
    """Two dense models that agree outvote the lexical ranking; each keeps its rank."""
    use = DenseRanking("use-m3", 0.35, [("a", 0.7), ("b", 0.5)])
    minilm = DenseRanking("minilm", 0.25, [("a", 0.6), ("c", 0.4), ("b", 0.3)])
    fused = fuse([use, minilm], [("b", 5.0), ("a", 4.0)])
    assert fused[0].id == "a"
    assert {m.model: m.rank for m in fused[0].dense} == {"use-m3": 1, "minilm": 1}
    assert {m.model: m.rank for m in next(f for f in fused if f.id == "b").dense} == {
        "use-m3": 2,
        "minilm": 3,
    }


def test_a_blind_model_beside_a_seeing_one_adds_no_candidates():
    use = DenseRanking("use-m3", 0.35, [("a", 0.7)])
    blind = DenseRanking("minilm", 0.0, [("noise", 0.9)])
    assert "noise" not in {f.id for f in fuse([use, blind], [("b", 3.0)])}


def test_dense_alone_when_no_word_matched():
    fused = fuse([DenseRanking("minilm", 0.0, [("a", 0.3), ("b", 0.2)])], [])
    assert [f.id for f in fused] == ["a", "b"]


def chunk(doc: str, ordinal: int, page: int, start: int, text: str) -> StoredChunk:
    return StoredChunk(
        f"{doc}:{ordinal}", doc, f"/{doc}.pdf", doc, ordinal, page, start, start + len(text), text
    )


def test_neighbouring_passages_merge_without_repeating_the_overlap():
    page = "Alpha beta gamma. Delta epsilon zeta. Eta theta iota."
    first = chunk("d", 0, 1, 0, page[:36])
    second = chunk("d", 1, 1, 18, page[18:])
    other = chunk("e", 0, 1, 0, "Unrelated text.")
    ranking = DenseRanking("minilm", 1.0, [("d:1", 0.9), ("e:0", 0.5), ("d:0", 0.4)])
    fused = {f.id: f for f in fuse([ranking], [])}
    ranked = [(second, fused["d:1"]), (other, fused["e:0"]), (first, fused["d:0"])]
    hits = merge_neighbours(ranked, limit=5)
    assert len(hits) == 2
    assert hits[0].text == page
    assert (hits[0].start, hits[0].end) == (0, len(page))
    assert hits[0].chunk_ids == ("d:0", "d:1")


def test_passages_on_different_pages_do_not_merge():
    a = chunk("d", 0, 1, 0, "Page one text.")
    b = chunk("d", 1, 2, 0, "Page two text.")
    fused = fuse([DenseRanking("minilm", 1.0, [("d:0", 0.9), ("d:1", 0.8)])], [])
    hits = merge_neighbours([(a, fused[0]), (b, fused[1])], limit=5)
    assert len(hits) == 2


def test_a_deeper_search_does_not_reorder_the_first_results():
    """Asking for more results fetches more candidates; the best ones keep their order. A
    ranking's scores were stretched down to its deepest candidate (at 40, p5 passed p0), and
    p1, 35th by its words, got a share of them (and passed p0 too)."""
    e5 = [(f"p{n}", 0.90 - 0.002 * n) for n in range(40)]
    lexical = [("x", 10.0), *[(f"w{n}", 1.6 - 0.001 * n) for n in range(33)], ("p1", 1.4)]
    lexical += [("p5", 1.3), *[(f"v{n}", 1.0) for n in range(5)]]

    def first(depth: int) -> list[str]:
        dense = DenseRanking("e5", 0.5, e5[:depth])
        return [f.id for f in fuse([dense], lexical[:depth])][:4]

    assert first(30) == first(40) == ["x", "p0", "p1", "p2"]
