"""The int8 copy of the vectors: exact search that agrees with float search and with Chroma,
kept in step with every write, never searched when a write was cut short, refilled from
Chroma when stale, and searched by the app's side before Chroma's index is loaded."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from desktop_app.services.store.flat_index import FOLDER, FlatIndex
from desktop_app.services.store.vector_store import VectorStore
from desktop_app.services.store.vector_store_process import VectorStoreProcess

DIM = 32


def unit_vectors(count: int, seed: int) -> np.ndarray:
    vectors = np.random.default_rng(seed).standard_normal((count, DIM)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def ids_of(count: int, doc: str = "0123456789abcdef0123") -> list[str]:
    return [f"{doc}:{k}" for k in range(count)]


def exact_top(vectors: np.ndarray, ids: list[str], query: np.ndarray, n: int) -> list[str]:
    return [ids[i] for i in np.argsort(-(vectors @ query))[:n]]


def agree(found: list[tuple[str, float]] | None, expected: list[str]) -> bool:
    """The same best hit and nearly the same ten: int8 may swap neighbours within ~0.005."""
    got = [cid for cid, _ in found or []]
    return bool(got) and got[0] == expected[0] and len(set(got) & set(expected)) >= 8


def test_the_copy_finds_what_float_search_finds(tmp_path: Path) -> None:
    vectors, ids = unit_vectors(3000, 1), ids_of(3000)
    flat = FlatIndex(tmp_path, "space")
    flat.reset(clean=True)
    flat.append(ids[:1000], vectors[:1000])  # in two writes, as indexing does
    flat.append(ids[1000:], vectors[1000:])
    flat.commit()
    for query in unit_vectors(20, 2):
        found = flat.search(query.tolist(), 10)
        assert found is not None
        expected = exact_top(vectors, ids, query, 10)
        assert [cid for cid, _ in found][:3] == expected[:3]
        assert len(set(cid for cid, _ in found) & set(expected)) >= 9
        for cid, similarity in found:  # int8: within a few thousandths of the float cosine
            assert similarity == pytest.approx(float(vectors[ids.index(cid)] @ query), abs=0.01)


def test_replaced_and_removed_rows_are_not_found(tmp_path: Path) -> None:
    vectors, ids = unit_vectors(50, 3), ids_of(50)
    flat = FlatIndex(tmp_path, "space")
    flat.reset(clean=True)
    flat.append(ids, vectors)
    flat.commit()
    target = vectors[7]
    assert flat.search(target.tolist(), 1)[0][0] == ids[7]  # type: ignore[index]
    assert flat.begin()
    flat.append([ids[7]], -vectors[7:8])  # re-embedded: the old row must go
    flat.remove([ids[8]])
    flat.commit()
    found = flat.search(target.tolist(), 50)
    assert found is not None and len(found) == 49 and ids[8] not in dict(found)
    assert dict(found)[ids[7]] == pytest.approx(-1.0, abs=0.01)
    # A new writer (another process, a restart) reads the rows back from the files.
    again = FlatIndex(tmp_path, "space")
    assert again.begin()
    again.remove([ids[7]])
    again.commit()
    assert ids[7] not in dict(again.search(target.tolist(), 50) or [])


def test_a_copy_left_unclean_is_never_searched(tmp_path: Path) -> None:
    flat = FlatIndex(tmp_path, "space")
    assert flat.search([1.0] * DIM, 5) is None  # no copy at all
    flat.reset(clean=True)
    flat.append(ids_of(5), unit_vectors(5, 4))
    flat.commit()
    assert flat.search([1.0] * (DIM + 1), 5) is None  # another model's dimension
    assert flat.begin()  # a write began and was cut short before commit
    assert flat.search([1.0] * DIM, 5) is None
    assert not flat.begin()  # nor kept in step: it waits to be refilled
    flat.reset(clean=True)
    assert flat.search([1.0] * DIM, 5) == []


def test_the_vector_store_keeps_the_copy_in_step_and_refills_a_stale_one(tmp_path: Path) -> None:
    vectors, ids = unit_vectors(400, 5), ids_of(400)
    store = VectorStore(tmp_path)
    meta = [{"doc_id": cid.split(":")[0]} for cid in ids]
    store.add("space", ids[:300], vectors[:300], meta[:300])
    store.add("space", ids[300:], vectors[300:], meta[300:])
    store.delete("space", ids[:10])
    flat = FlatIndex(tmp_path / FOLDER, "space")
    query = unit_vectors(1, 6)[0].tolist()
    chroma = [cid for cid, _ in store.query("space", query, 10)]
    assert agree(flat.search(query, 10), chroma)

    assert flat.begin()  # as if killed between Chroma's write and the copy's
    assert flat.search(query, 10) is None
    again = VectorStore(tmp_path)
    while again.copy_step():  # the warm-up refills it, a page at a time
        pass
    assert agree(flat.search(query, 10), chroma)
    assert not again.copy_step()
    again.drop("space")
    assert flat.header() is None


def test_a_write_during_a_refill_starts_it_over(tmp_path: Path, monkeypatch) -> None:
    from desktop_app.services.store import vector_store

    monkeypatch.setattr(vector_store, "_MAX_BATCH", 100)  # pages of 100
    vectors, ids = unit_vectors(350, 7), ids_of(350)
    store = VectorStore(tmp_path)
    store.add("space", ids[:300], vectors[:300], [{"doc_id": "d"}] * 300)
    flat = FlatIndex(tmp_path / FOLDER, "space")
    flat.drop()  # a library from before the copies
    store = VectorStore(tmp_path)
    assert store.copy_step()  # the first page
    store.add("space", ids[300:], vectors[300:], [{"doc_id": "d"}] * 50)
    assert flat.search(vectors[320].tolist(), 1) is None  # still refilling
    while store.copy_step():
        pass
    assert flat.search(vectors[320].tolist(), 1)[0][0] == ids[320]  # type: ignore[index]
    assert flat.header()["rows"] == 350  # type: ignore[index]


def test_searches_before_the_indexes_load_are_answered_without_the_child(tmp_path: Path) -> None:
    vectors, ids = unit_vectors(200, 8), ids_of(200)
    writer = VectorStore(tmp_path)
    writer.add("space", ids, vectors, [{"doc_id": "d"}] * 200, [b""] * 200)
    proxy = VectorStoreProcess(tmp_path)
    try:
        found = proxy.query("space", vectors[42].tolist(), 3)
        assert found[0][0] == ids[42]
        assert proxy.sentences("space", ids[:3]) == {}  # one-sentence passages: none stored
        assert proxy.pid is None  # the child was never asked
        proxy.preload()
        assert proxy.query("space", vectors[42].tolist(), 3)[0][0] == ids[42]  # from Chroma
        assert proxy.pid is not None
    finally:
        proxy.close()


def test_a_copy_out_of_step_with_chroma_is_set_aside_and_refilled(tmp_path: Path) -> None:
    import json

    vectors, ids = unit_vectors(100, 9), ids_of(100)
    VectorStore(tmp_path).add("space", ids, vectors, [{"doc_id": "d"}] * 100)
    flat = FlatIndex(tmp_path / FOLDER, "space")
    header = flat.header()
    assert header is not None and header["live"] == 100 and header["clean"]
    # As if Chroma's file had been replaced by an older one: the counts disagree.
    (tmp_path / FOLDER / "space.json").write_text(json.dumps({**header, "live": 120}))
    store = VectorStore(tmp_path)
    assert store.count("space") == 100
    assert flat.search(vectors[5].tolist(), 1) is None  # set aside at open
    while store.copy_step():
        pass
    assert flat.live() == 100 and flat.search(vectors[5].tolist(), 1)[0][0] == ids[5]  # type: ignore[index]


def test_a_failed_copy_write_never_fails_the_store_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    vectors, ids = unit_vectors(20, 10), ids_of(20)
    store = VectorStore(tmp_path)
    store.add("space", ids[:10], vectors[:10], [{"doc_id": "d"}] * 10)

    def disk_full(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patched:
        patched.setattr(FlatIndex, "append", disk_full)
        store.add("space", ids[10:], vectors[10:], [{"doc_id": "d"}] * 10)
    assert store.count("space") == 20  # Chroma has them
    flat = FlatIndex(tmp_path / FOLDER, "space")
    assert flat.search(vectors[15].tolist(), 1) is None  # the copy waits to be refilled
    while store.copy_step():
        pass
    assert flat.live() == 20 and flat.search(vectors[15].tolist(), 1)[0][0] == ids[15]  # type: ignore[index]


def test_the_warm_up_refills_a_stale_copy_in_the_background(tmp_path: Path) -> None:
    vectors, ids = unit_vectors(300, 11), ids_of(300)
    VectorStore(tmp_path).add("space", ids, vectors, [{"doc_id": "d"}] * 300)
    flat = FlatIndex(tmp_path / FOLDER, "space")
    assert flat.begin()  # a write cut short: the copy is stale
    proxy = VectorStoreProcess(tmp_path)
    try:
        proxy.preload()  # returns once Chroma's indexes are loaded; the refill follows
        assert proxy.query("space", vectors[3].tolist(), 1)[0][0] == ids[3]  # from Chroma
        assert proxy.copies_done(timeout=120)
        assert flat.live() == 300 and flat.search(vectors[3].tolist(), 1)[0][0] == ids[3]  # type: ignore[index]
    finally:
        proxy.close()
    # A refill step after closing does not start the vector store process again.
    assert proxy._call("copy_step", start=False) is None and proxy.pid is None
