from desktop_app.core.fusion import dense_weight, merge_neighbours, reciprocal_rank_fusion
from desktop_app.core.models import StoredChunk

LATIN = frozenset({"latin"})


def test_dense_is_blind_for_a_script_the_model_cannot_read():
    assert dense_weight("Когда была основана компания?", LATIN) == 0.0
    assert dense_weight("When was the company founded?", LATIN) == 1.0
    assert dense_weight("Когда была основана компания?", None) == 1.0  # multilingual model


def test_rrf_with_a_blind_side_keeps_the_other_ranking():
    fused = reciprocal_rank_fusion(["a", "b", "c"], ["c", "b", "a"], weight_dense=0.0)
    assert [f.id for f in fused] == ["c", "b", "a"]


def test_rrf_rewards_agreement():
    fused = reciprocal_rank_fusion(["x", "shared"], ["y", "shared"], weight_dense=1.0)
    assert fused[0].id == "shared"
    assert fused[0].dense_rank == 2 and fused[0].lexical_rank == 2


def chunk(doc: str, ordinal: int, page: int, start: int, text: str) -> StoredChunk:
    return StoredChunk(f"{doc}:{ordinal}", doc, f"/{doc}.pdf", doc, ordinal, page, start,
                       start + len(text), text)


def test_neighbouring_passages_merge_without_repeating_the_overlap():
    page = "Alpha beta gamma. Delta epsilon zeta. Eta theta iota."
    first = chunk("d", 0, 1, 0, page[:36])
    second = chunk("d", 1, 1, 18, page[18:])
    other = chunk("e", 0, 1, 0, "Unrelated text.")
    ranked = [
        (second, reciprocal_rank_fusion(["d:1"], [], 1.0)[0]),
        (other, reciprocal_rank_fusion(["e:0"], [], 0.5)[0]),
        (first, reciprocal_rank_fusion(["d:0"], [], 0.4)[0]),
    ]
    hits = merge_neighbours(ranked, limit=5)
    assert len(hits) == 2
    assert hits[0].text == page
    assert (hits[0].start, hits[0].end) == (0, len(page))
    assert hits[0].chunk_ids == ("d:0", "d:1")


def test_passages_on_different_pages_do_not_merge():
    a = chunk("d", 0, 1, 0, "Page one text.")
    b = chunk("d", 1, 2, 0, "Page two text.")
    fused = reciprocal_rank_fusion(["d:0", "d:1"], [], 1.0)
    hits = merge_neighbours([(a, fused[0]), (b, fused[1])], limit=5)
    assert len(hits) == 2
