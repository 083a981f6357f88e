from desktop_app.core.fusion import dense_weight, fuse, merge_neighbours
from desktop_app.core.models import StoredChunk

LATIN = frozenset({"latin"})


def test_dense_is_blind_for_a_script_the_model_cannot_read():
    assert dense_weight("Когда была основана компания?", LATIN) == 0.0
    assert dense_weight("When was the company founded?", LATIN) == 1.0
    assert dense_weight("Когда была основана компания?", None) == 1.0  # multilingual model


def test_a_blind_dense_side_does_not_change_the_lexical_ranking():
    dense = [("a", 0.9), ("b", 0.5), ("c", 0.1)]
    lexical = [("c", 12.0), ("b", 7.0), ("a", 1.0)]
    assert [f.id for f in fuse(dense, lexical, trust_dense=0.0)] == ["c", "b", "a"]


def test_agreement_wins_and_raw_scores_are_kept():
    dense = [("x", 0.8), ("shared", 0.75), ("z", 0.1)]
    lexical = [("y", 9.0), ("shared", 8.5), ("w", 1.0)]
    fused = fuse(dense, lexical, trust_dense=1.0)
    assert fused[0].id == "shared"
    assert fused[0].dense_rank == 2 and fused[0].lexical_rank == 2
    assert fused[0].dense_score == 0.75 and fused[0].lexical_score == 8.5
    assert all(0.0 <= f.score <= 1.0 for f in fused)


def test_dense_alone_when_no_word_matched():
    fused = fuse([("a", 0.3), ("b", 0.2)], [], trust_dense=0.0)
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
    fused = {f.id: f for f in fuse([("d:1", 0.9), ("e:0", 0.5), ("d:0", 0.4)], [], 1.0)}
    ranked = [(second, fused["d:1"]), (other, fused["e:0"]), (first, fused["d:0"])]
    hits = merge_neighbours(ranked, limit=5)
    assert len(hits) == 2
    assert hits[0].text == page
    assert (hits[0].start, hits[0].end) == (0, len(page))
    assert hits[0].chunk_ids == ("d:0", "d:1")


def test_passages_on_different_pages_do_not_merge():
    a = chunk("d", 0, 1, 0, "Page one text.")
    b = chunk("d", 1, 2, 0, "Page two text.")
    fused = fuse([("d:0", 0.9), ("d:1", 0.8)], [], 1.0)
    hits = merge_neighbours([(a, fused[0]), (b, fused[1])], limit=5)
    assert len(hits) == 2
