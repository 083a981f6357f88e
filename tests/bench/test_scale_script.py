"""bench.scale's material: copies of the base passages get vectors near their base's (cosine
~0.9, unit length) and rotated text, 100 passages to a document; goals are judged by size."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from bench.scale import (
    COPY_COSINE,
    PASSAGES_PER_DOCUMENT,
    DerivedVectors,
    base_of,
    documents,
    goals,
)


def test_copies_lie_near_their_base_and_stay_unit_vectors():
    rng = np.random.default_rng(1)
    base_rows = rng.standard_normal((50, 384)).astype(np.float32)
    base_rows /= np.linalg.norm(base_rows, axis=1, keepdims=True)
    base = SimpleNamespace(
        vectors={"m": base_rows}, sentences={"m": tuple(b"s" for _ in range(50))}
    )
    space = SimpleNamespace(info=SimpleNamespace(key="m"))
    derived = DerivedVectors(base)  # type: ignore[arg-type]
    first = derived(space, ["t"] * 120)  # passages 0-119: the base, then two rounds of copies
    second = derived(space, ["t"] * 30)  # 120-149: served in order across calls
    rows = np.concatenate([first.vectors, second.vectors])
    assert np.allclose(rows[:50], base_rows)
    copies = rows[50:]
    assert np.allclose(np.linalg.norm(copies, axis=1), 1.0, atol=1e-5)
    cosines = (copies * base_rows[np.arange(50, 150) % 50]).sum(axis=1)
    assert abs(float(cosines.mean()) - COPY_COSINE) < 0.02 and cosines.min() > 0.8
    assert first.sentences is not None and len(first.sentences) == 120


def test_documents_hold_a_hundred_passages_and_copies_read_differently():
    passages = ["First one. Second two. Third three.", "Alone."]
    docs = list(documents(passages, ["first second third", "alone"], 250, "/lib"))
    assert [len(d.chunks) for d in docs] == [PASSAGES_PER_DOCUMENT, PASSAGES_PER_DOCUMENT, 50]
    texts = [c.text for d in docs for c in d.chunks]
    assert texts[0] == passages[0] and texts[2] != texts[0]  # copy 1 is rotated
    assert sorted(texts[2].split()) == sorted(texts[0].split())  # the same words
    assert texts[3] == "Alone."  # one sentence cannot rotate
    assert len({d.path for d in docs}) == 3 and docs[0].terms[0] == "first second third"


def test_goals_are_judged_for_the_sizes_that_have_them():
    latency = {"hybrid": {"p95": 60.0}, "quotes (search included)": {"p95": 320.0}}
    result = {"latency_ms": latency, "open_to_first_search_s": 1.5}
    assert goals(10_000, result) == {
        "quotes_p95_ms": {"goal": 300.0, "measured": 320.0, "met": False}
    }
    assert goals(100_000, result)["hybrid_p95_ms"] == {"goal": 50.0, "measured": 60.0, "met": False}
    assert goals(100_000, result)["quotes_p95_ms"]["met"]
    million = goals(1_000_000, result)
    assert million["hybrid_p95_ms"]["met"] and million["first_search_s"]["met"]


def test_a_hit_is_traced_to_the_base_passage_it_copies():
    hit = SimpleNamespace(path="/lib/document-000002.pdf", chunk_ids=("0f3a:5", "0f3a:6"))
    assert base_of(hit, 7) == (2 * PASSAGES_PER_DOCUMENT + 5) % 7
