"""Big libraries, written through the app's own write path without hours of embedding.

`IngestService.commit` is what indexing calls for each batch of parsed files: it adds their
vectors to every vector space's collection, then replaces the documents in the catalog with
their passages and lexical terms. Here the caller supplies the vectors (random ones for the
window-at-scale test, whose panels never search; real and derived ones for bench.scale), so
a library of any size is built as indexing would have left it, at the store's own speed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

import numpy as np

from desktop_app.core.records import ParsedDocument
from desktop_app.services.embeddings.passage_vectors import PassageVectors

if TYPE_CHECKING:
    from desktop_app.application import Library
    from desktop_app.services.store.vector_spaces import VectorSpace

VectorSource = Callable[["VectorSpace", list[str]], PassageVectors]


def write_documents(
    library: Library,
    documents: Iterable[ParsedDocument],
    vectors: VectorSource,
    batch_passages: int = 2000,
    on_batch: Callable[[int], None] | None = None,
) -> int:
    """Commit `documents` (their chunks and terms filled in) in batches of about
    `batch_passages` passages; `on_batch` hears the passages written so far. Returns them."""
    spaces = library.spaces.writable()
    written = 0
    batch: list[ParsedDocument] = []

    def flush() -> None:
        nonlocal written, batch
        texts = [c.text for doc in batch for c in doc.chunks]
        library.ingest.commit(batch, spaces, [vectors(space, texts) for space in spaces])
        written += len(texts)
        batch = []
        if on_batch is not None:
            on_batch(written)

    for doc in documents:
        batch.append(doc)
        if sum(len(d.chunks) for d in batch) >= batch_passages:
            flush()
    if batch:
        flush()
    return written


class RandomVectors:
    """Unit vectors in random directions, of each space's dimension, and no sentence vectors
    (b"": as for a passage of one sentence). For libraries that are listed, never searched."""

    def __init__(self, seed: int = 0) -> None:
        self._rng = np.random.default_rng(seed)
        self._dimensions: dict[str, int] = {}

    def __call__(self, space: VectorSpace, texts: list[str]) -> PassageVectors:
        key = space.info.key
        if key not in self._dimensions:
            self._dimensions[key] = int(space.embedder.embed_documents(["probe"]).shape[1])
        rows = self._rng.standard_normal((len(texts), self._dimensions[key])).astype(np.float32)
        rows /= np.linalg.norm(rows, axis=1, keepdims=True)
        sentences = tuple(b"" for _ in texts) if space.info.sentence_scoring else None
        return PassageVectors(rows, sentences)
