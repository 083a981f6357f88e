"""Vector spaces with a real catalog and a real Chroma store; the embedding models are small
stand-ins (hashed bag of words) because what is tested is the bookkeeping around them: which
space search uses, what a switch builds and drops, how an old library is taken over."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from desktop_app.core.lexical import index_terms
from desktop_app.core.records import ChunkDraft, ParsedDocument
from desktop_app.services.embeddings import EmbeddingModelError
from desktop_app.services.store.catalog import Catalog, chunk_id, document_id
from desktop_app.services.store.vector_spaces import VectorSpaces
from desktop_app.services.store.vector_store import LEGACY_COLLECTION, VectorStore


class HashedWords:
    """An Embedder stand-in: each word a fixed random direction, summed and normalised."""

    def __init__(self, key: str, version: int = 1) -> None:
        self.key = key
        self.scripts = None
        self.device = "cpu"
        self.documents_embedded = 0
        self.version = version
        self.loaded = True

    @property
    def name(self) -> str:
        return self.key

    @property
    def fingerprint(self) -> str:
        return f"{self.key}:{self.key}-weights-v{self.version}"

    def load(self) -> None:
        pass

    def _vector(self, text: str) -> np.ndarray:
        total = np.zeros(16, dtype=np.float32)
        for word in text.lower().split():
            seed = int(hashlib.sha1(f"{self.key}{word}".encode()).hexdigest()[:8], 16)
            total += np.random.default_rng(seed).standard_normal(16).astype(np.float32)
        return total / (np.linalg.norm(total) or 1.0)

    def embed_documents(self, texts):
        self.documents_embedded += len(texts)
        return np.stack([self._vector(t) for t in texts])

    def embed_query(self, text: str) -> list[float]:
        return [float(x) for x in self._vector(text)]


def add_document(catalog: Catalog, spaces: VectorSpaces, path: str, *texts: str) -> list[str]:
    """Index a document the way ingest commits one: vectors in every writable space."""
    chunks = tuple(ChunkDraft(1, 0, len(t), t, i) for i, t in enumerate(texts))
    doc = ParsedDocument(
        path, "h", 1, 1, "text", path, 1, chunks, tuple(" ".join(index_terms(t)) for t in texts)
    )
    doc_id = document_id(path, "h")
    ids = [chunk_id(doc_id, i) for i in range(len(texts))]
    for space in spaces.writable():
        vectors = space.embedder.embed_documents(list(texts))
        spaces.store.add(space.collection, ids, vectors, [{"doc_id": doc_id}] * len(ids))
    catalog.replace_document(doc, doc_id, doc.terms)
    return ids


@pytest.fixture
def parts(tmp_path: Path):
    catalog = Catalog(tmp_path / "catalog.sqlite3")
    store = VectorStore(tmp_path / "vectors")
    models = {"a": HashedWords("a"), "b": HashedWords("b")}

    def make(key: str):
        if key not in models:
            raise EmbeddingModelError(f"no model {key}")
        return models[key]

    yield catalog, store, models, make
    catalog.close()


def test_a_new_model_is_built_while_search_keeps_the_old_one(parts):
    catalog, store, _, make = parts
    spaces = VectorSpaces(catalog, store, make)
    assert spaces.choose(["a"]) == []
    add_document(catalog, spaces, "/one.txt", "red apples", "green pears")
    assert spaces.choose(["b"]) == []  # a library with passages: b must be built
    assert [s.record.model for s in spaces.searchable()] == ["a"]
    assert [s.record.model for s in spaces.building()] == ["b"]
    assert {s.record.model for s in spaces.writable()} == {"a", "b"}
    add_document(catalog, spaces, "/two.txt", "blue sky")  # goes into both meanwhile
    assert spaces.build() == 2  # only the passages b did not have yet
    assert [s.record.model for s in spaces.searchable()] == ["b"]
    assert spaces.counts() == {"b": 3}  # a was dropped once b was complete
    assert LEGACY_COLLECTION not in store.collections() and len(store.collections()) == 1


def test_an_empty_library_switches_at_once(parts):
    catalog, store, _, make = parts
    spaces = VectorSpaces(catalog, store, make)
    spaces.choose(["a"])
    spaces.choose(["a", "b"])
    assert not spaces.building()
    assert [s.record.model for s in spaces.searchable()] == ["a", "b"]


def test_changed_weights_of_the_same_model_are_rebuilt(parts):
    catalog, store, models, make = parts
    spaces = VectorSpaces(catalog, store, make)
    spaces.choose(["a"])
    add_document(catalog, spaces, "/one.txt", "red apples")
    models["a"] = HashedWords("a", version=2)
    reopened = VectorSpaces(catalog, store, make)
    reopened.choose(["a"])
    assert [s.record.fingerprint for s in reopened.building()] == ["a:a-weights-v2"]
    assert reopened.searchable() == []  # the old vectors cannot be queried with new weights
    reopened.build()
    assert reopened.counts() == {"a": 1}
    assert [s.record.fingerprint for s in reopened.searchable()] == ["a:a-weights-v2"]


def test_a_missing_model_is_a_notice_and_nothing_is_dropped(parts):
    catalog, store, _, make = parts
    spaces = VectorSpaces(catalog, store, make)
    spaces.choose(["a"])
    add_document(catalog, spaces, "/one.txt", "red apples")
    notices = spaces.choose(["gone"])
    assert len(notices) == 1 and "no model gone" in notices[0]
    assert spaces.counts() == {"a": 1}


def test_passages_removed_during_a_build_leave_no_vectors(parts):
    catalog, store, _, make = parts
    spaces = VectorSpaces(catalog, store, make)
    spaces.choose(["a"])
    ids = add_document(catalog, spaces, "/one.txt", "red apples", "green pears")
    spaces.choose(["b"])
    space = spaces.building()[0]
    vectors = space.embedder.embed_documents(["x", "y"])
    store.add(space.collection, ids, vectors, [{"doc_id": "d"}, {"doc_id": "d"}])
    catalog.remove(["/one.txt"])  # removed after b got its vectors, before b completed
    spaces.build()
    assert spaces.counts() == {"b": 0}


def test_a_library_from_before_vector_spaces_is_taken_over(parts):
    """Older libraries had one collection, "passages", and the model's fingerprint in the
    catalog: its vectors keep serving while the newly chosen models are built."""
    catalog, store, models, make = parts
    catalog.meta.set("embedding_model", models["a"].fingerprint)
    old = VectorSpaces(catalog, store, make)
    old._records = []  # the old layout, written by hand below
    doc_ids = add_document(catalog, old, "/one.txt", "red apples")
    vectors = models["a"].embed_documents(["red apples"])
    store.add(LEGACY_COLLECTION, doc_ids, vectors, [{"doc_id": "d"}])
    spaces = VectorSpaces(catalog, store, make)
    spaces.choose(["b", "a"])
    records = json.loads(catalog.meta.get("vector_spaces"))
    assert {r["model"]: (r["collection"], r["complete"]) for r in records}["a"] == (
        LEGACY_COLLECTION,
        True,
    )
    assert [s.record.model for s in spaces.searchable()] == ["a"]
    spaces.build()
    assert spaces.counts() == {"a": 1, "b": 1}


def test_vectors_a_search_cannot_reach_are_found_and_rebuilt(parts, tmp_path: Path):
    """Chroma's HNSW segment files lost: it still counts every vector, but a query finds almost
    none. check() probes with a query; the repair drops the collection and re-embeds."""
    import glob
    import os

    catalog, store, _, make = parts
    spaces = VectorSpaces(catalog, store, make)
    spaces.choose(["a"])
    words = [f"w{i}" for i in range(200)]
    texts = [
        f"{words[i % 200]} {words[(7 * i) % 200]} {words[(13 * i) % 200]}" for i in range(3000)
    ]
    add_document(catalog, spaces, "/many.txt", *texts)
    assert spaces.check() == []
    del store, spaces  # the store closes with its client, as at the end of a session
    import chromadb

    chromadb.api.client.SharedSystemClient.clear_system_cache()  # type: ignore[attr-defined]
    segments = glob.glob(str(tmp_path / "vectors" / "*" / "*"))
    assert segments
    for path in segments:
        os.remove(path)
    store = VectorStore(tmp_path / "vectors")
    spaces = VectorSpaces(catalog, store, make)
    spaces.choose(["a"])
    assert store.count(spaces.searchable()[0].collection) == 3000  # looks whole...
    damage = spaces.check()
    assert [(d.missing, d.extra, d.unreachable) for d in damage] == [(0, 0, True)]
    assert "search index files are missing" in damage[0].describe()
    assert spaces.repair() == 3000
    assert spaces.check() == [] and spaces.counts() == {"a": 3000}
    query = spaces.searchable()[0].embedder.embed_query(texts[42])
    best = store.query(spaces.searchable()[0].collection, query, 5)[0][0]
    assert texts[int(best.rsplit(":", 1)[1])] == texts[42]  # (texts repeat every 200)
