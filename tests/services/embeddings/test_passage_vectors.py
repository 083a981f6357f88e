"""Sentence vectors stored with a passage's vector, and the rescoring that uses them."""

from __future__ import annotations

import numpy as np
import pytest

from desktop_app.services.embeddings.passage_vectors import (
    PassageVectors,
    decode,
    encode,
    rescore,
)


def unit(*values: float) -> np.ndarray:
    vector = np.array(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def test_encoded_sentence_vectors_decode_to_nearly_the_same_vectors():
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(5, 512)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    decoded = decode(encode(vectors), 512)
    assert decoded.shape == (5, 512)
    assert np.all((decoded * vectors).sum(axis=1) > 0.999)
    assert len(encode(vectors)) < 5 * 512 * 4 / 2  # int8: under half the float32 bytes


def test_passage_vectors_slice_and_join():
    vectors = np.eye(3, dtype=np.float32)
    both = PassageVectors.concat(
        [PassageVectors(vectors[:2], (b"aaa", b"")), PassageVectors(vectors[2:], (b"ccc",))]
    )
    assert len(both) == 3 and both.sentences == (b"aaa", b"", b"ccc")
    assert both[1:].sentences == (b"", b"ccc")
    assert np.array_equal(both[1:].vectors, vectors[1:])
    mixed = PassageVectors.concat([both, PassageVectors(vectors)])
    assert len(mixed) == 6 and mixed.sentences is None  # not every part has them: none


def test_sentence_vectors_are_stored_beside_the_passage_vectors(tmp_path):
    """In the real vector store: written with a passage, replaced, deleted, dropped."""
    from desktop_app.services.store.vector_store import VectorStore

    store = VectorStore(tmp_path / "vectors")
    vectors = np.eye(3, 4, dtype=np.float32)
    meta = [{"page": 1}] * 3
    store.add("space-a", ["a", "b", "c"], vectors, meta, [b"A", b"", b"C"])
    store.add("space-b", ["a"], vectors[:1], meta[:1], [b"other model"])
    assert store.sentences("space-a", ["a", "b", "c", "zzz"]) == {"a": b"A", "c": b"C"}
    assert store.sentence_ids("space-a") == {"a", "b", "c"}  # "b" is done: one sentence
    store.add("space-a", ["a"], vectors[:1], meta[:1], [b""])  # now a single sentence
    store.delete("space-a", ["c"])
    assert store.sentences("space-a", ["a", "b", "c"]) == {}
    assert store.sentence_ids("space-a") == {"a", "b"}
    store.drop("space-b")
    assert store.sentences("space-b", ["a"]) == {}
    assert store.query("space-a", [1.0, 0, 0, 0], 3)[0][0] == "a"  # the vectors are intact


def test_a_passage_whose_one_sentence_answers_the_question_moves_up():
    query = unit(1, 0, 0)
    answering = encode(np.stack([unit(0, 1, 0), unit(1, 0.1, 0)]))  # its 2nd sentence
    ranked = [("diluted", 0.5), ("uniform", 0.6)]  # passage cosines, from the vector store
    rescored = rescore(query.tolist(), ranked, {"diluted": answering})
    assert [cid for cid, _ in rescored] == ["diluted", "uniform"]
    scores = dict(rescored)
    assert scores["diluted"] == pytest.approx((0.5 + 0.995) / 2, abs=0.01)
    assert scores["uniform"] == pytest.approx(0.6)  # one sentence: the passage is its sentence
