"""Adding sentence vectors to a space made before they were stored.

A library indexed with USE-m3 before passages were also scored by their best sentence
(EmbeddingModelInfo.sentence_scoring) has complete passage vectors and no sentence vectors. Its
passage vectors stay valid (same weights), so search goes on with them while the sentence
vectors are added in the background, from the catalog's passage text: only sentences are
embedded, resumable after a cancel or a kill (each passage done has a row, even a
one-sentence passage's empty one).
"""

from __future__ import annotations

import logging
import time

from desktop_app.core.cancel import CancelToken, ReembedCallback, ReembedProgress
from desktop_app.services.embeddings.base import Embedder
from desktop_app.services.embeddings.passage_vectors import sentence_blobs
from desktop_app.services.store.catalog import Catalog
from desktop_app.services.store.vector_index import VectorIndex

log = logging.getLogger(__name__)

_BATCH = 128  # passages per embedding call: a cancel answers within seconds


def add_sentence_vectors(
    catalog: Catalog,
    store: VectorIndex,
    collection: str,
    embedder: Embedder,
    label: str,
    on_progress: ReembedCallback | None,
    cancel: CancelToken,
) -> int:
    """Embed the sentences of every passage of `collection` that has none yet with the
    space's `embedder` (`label` names it to the user); returns passages done."""
    have = store.sentence_ids(collection)
    stored = catalog.all_chunk_ids()
    total = len(stored - have)
    shown = f"{label}, sentence by sentence"
    started = time.monotonic()
    done = 0

    def report() -> None:
        if on_progress is not None:
            on_progress(ReembedProgress(shown, done, total, time.monotonic() - started))

    report()
    for batch in catalog.passages_missing(have, _BATCH, cancel):
        blobs = sentence_blobs(embedder, [r[5] for r in batch])
        store.add_sentences(collection, [r[1] for r in batch], blobs)
        done += len(batch)
        report()
    log.info("%s: sentence vectors added to %d passages", label, done)
    return done
