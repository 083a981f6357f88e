"""Chroma behind VectorStore: searches within a scope agree with an exact search, however the
store goes about them, and the cached count follows every write."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from desktop_app.services.store import vector_store
from desktop_app.services.store.vector_index import VectorScope
from desktop_app.services.store.vector_store import VectorStore

DOCS, PER_DOC, DIM = 30, 10, 16


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> VectorStore:
    rng = np.random.default_rng(3)
    vectors = rng.standard_normal((DOCS * PER_DOC, DIM)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ids = [f"doc{d:02d}:{k}" for d in range(DOCS) for k in range(PER_DOC)]
    store = VectorStore(Path(tmp_path_factory.mktemp("vectors")))
    metadatas = [{"doc_id": cid.split(":")[0]} for cid in ids]
    store.add("space", ids, vectors, metadatas)
    store.vectors = dict(zip(ids, vectors, strict=True))  # type: ignore[attr-defined]
    return store


def exact(store: VectorStore, query: np.ndarray, allowed: set[str], n: int) -> list[str]:
    table = store.vectors  # type: ignore[attr-defined]
    ranked = sorted((cid for cid in table if cid in allowed), key=lambda c: -table[c] @ query)
    return ranked[:n]


# A wider search filtered; or, past its limit, the given passages one by one
@pytest.mark.parametrize("widened_at_most", [vector_store._MAX_WIDENED, 0])
def test_searches_within_a_scope_agree_with_an_exact_search(
    store: VectorStore, monkeypatch: pytest.MonkeyPatch, widened_at_most: int
):
    monkeypatch.setattr(vector_store, "_MAX_WIDENED", widened_at_most)
    rng = np.random.default_rng(7)
    documents = ["doc03", "doc11", "doc12", "doc29"]
    allowed = {f"{d}:{k}" for d in documents for k in range(PER_DOC)}
    for _ in range(5):
        query = rng.standard_normal(DIM).astype(np.float32)
        query /= np.linalg.norm(query)
        expected = exact(store, query, allowed, 5)
        among = store.query(
            "space", query.tolist(), 5, VectorScope(tuple(documents), 40, tuple(sorted(allowed)))
        )
        # One by one means on the int8 copy: similarities within a few thousandths, so
        # neighbours that close may swap places, but nothing farther gets in.
        table = store.vectors  # type: ignore[attr-defined]
        fifth = float(table[expected[-1]] @ query)
        assert among[0][0] == expected[0] and len(among) == 5
        for cid, similarity in among:
            assert similarity == pytest.approx(float(table[cid] @ query), abs=0.01)
            assert cid in allowed and float(table[cid] @ query) >= fifth - 0.01
        within = store.query("space", query.tolist(), 5, VectorScope(tuple(documents), 40))
        assert [cid for cid, _ in within] == expected  # HNSW is exact at this size
    assert store.query("space", [1.0] * DIM, 5, VectorScope((), 0, ())) == []


def test_the_count_follows_writes(tmp_path: Path):
    store = VectorStore(tmp_path)
    store.add("coll", ["a:0", "a:1"], np.eye(2, 4, dtype=np.float32), [{"doc_id": "a"}] * 2)
    assert store.count("coll") == 2
    store.add("coll", ["b:0"], np.eye(1, 4, dtype=np.float32), [{"doc_id": "b"}])
    assert store.count("coll") == 3
    assert len(store.query("coll", [1.0, 0, 0, 0], 10)) == 3
    store.delete("coll", ["a:0", "a:1"])
    assert store.count("coll") == 1 and [c for c, _ in store.query("coll", [1.0, 0, 0, 0], 10)] == [
        "b:0"
    ]
    store.preload()  # loads every collection's index: harmless when loaded
    assert store.count("coll") == 1
