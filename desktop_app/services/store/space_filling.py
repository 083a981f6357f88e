"""Filling a vector space from the catalog: the passages it lacks are embedded from the
catalog's text (no document is read again) a batch at a time, so a cancel answers within
seconds and a kill resumes where it stopped; vectors of passages the catalog no longer has are
removed."""

from __future__ import annotations

import logging
import time

from desktop_app.core.cancel import CancelToken, ReembedCallback, ReembedProgress
from desktop_app.core.embedding_models import EmbeddingModelInfo
from desktop_app.services.embeddings import Embedder
from desktop_app.services.embeddings.passage_vectors import embed_passages
from desktop_app.services.store.catalog import Catalog
from desktop_app.services.store.vector_index import VectorIndex

log = logging.getLogger(__name__)

_BUILD_BATCH = 128  # passages per embedding call while building: cancel answers within seconds


def fill_space(
    catalog: Catalog,
    store: VectorIndex,
    collection: str,
    embedder: Embedder,
    info: EmbeddingModelInfo,
    on_progress: ReembedCallback | None,
    cancel: CancelToken,
    repair: bool = False,
) -> int:
    """Embed into `collection` every catalog passage it lacks; returns passages embedded."""
    have = set(store.ids(collection))
    stored = catalog.all_chunk_ids()
    total = len(stored - have)
    started = time.monotonic()
    done = 0

    def report() -> None:
        if on_progress is not None:
            elapsed = time.monotonic() - started
            on_progress(ReembedProgress(info.label, done, total, elapsed, repair))

    report()
    embedder.load()
    for batch in catalog.passages_missing(have, _BUILD_BATCH, cancel):
        vectors = embed_passages(embedder, [r[5] for r in batch], info.sentence_scoring)
        store.add(
            collection,
            [r[1] for r in batch],
            vectors.vectors,
            [{"doc_id": r[2], "page": r[3] or 0, "ordinal": r[4]} for r in batch],
            vectors.sentences,
        )
        done += len(batch)
        report()
    extra = have - stored  # passages removed while this space was incomplete
    if extra:
        store.delete(collection, extra)
    log.info("%s: %d passages embedded, %d stale vectors removed", info.label, done, len(extra))
    return done
