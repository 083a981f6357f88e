"""Vector spaces: each embedding model a library searches with has its vectors in a Chroma
collection of its own, recorded in the catalog with whether it is complete.

- A **complete** space has a vector for every passage in the catalog; ingest keeps it so.
- A **building** space belongs to a newly chosen model: `build()` embeds the catalog's passage
  text into it (the catalog holds every passage, so no document is read again), resuming where
  a cancel or a kill left it; new documents are written to it meanwhile like to any other.
- A **damaged** space is a complete one that `check()` found out of step with the catalog (the
  vector store's file truncated or deleted, its index files lost, a kill mid-write): `build()`
  repairs it the same way, embedding what is missing and removing what the catalog lacks.
- A complete space **without sentence vectors** (a model that scores sentences, stored before
  they were) is searched as it is; `build()` adds them (services.store.sentence_backfill).

Choosing other models never empties the library: until every chosen model's space is
complete, search keeps using the complete spaces it had (the old models); only then are the
spaces of models no longer chosen dropped.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from desktop_app.core.cancel import CancelToken, ReembedCallback
from desktop_app.core.embedding_models import EmbeddingModelInfo, describe
from desktop_app.services.embeddings import Embedder
from desktop_app.services.embeddings.registry import EmbedderFactory, EmbedderRegistry
from desktop_app.services.heap import long_lived_load
from desktop_app.services.store.catalog import Catalog
from desktop_app.services.store.sentence_backfill import add_sentence_vectors
from desktop_app.services.store.space_damage import Damage, find_damage
from desktop_app.services.store.space_filling import fill_space
from desktop_app.services.store.space_records import (
    SpaceRecord,
    collection_name,
    read_records,
    same_weights,
    write_records,
)
from desktop_app.services.store.vector_index import VectorIndex

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class VectorSpace:
    record: SpaceRecord
    embedder: Embedder

    @property
    def info(self) -> EmbeddingModelInfo:
        return describe(self.record.model, self.embedder.scripts)

    @property
    def collection(self) -> str:
        return self.record.collection

    def fill(
        self,
        catalog: Catalog,
        store: VectorIndex,
        on_progress: ReembedCallback | None,
        cancel: CancelToken,
        repair: bool = False,
    ) -> int:
        """Embed into this space every catalog passage it lacks; returns passages embedded."""
        return fill_space(
            catalog, store, self.collection, self.embedder, self.info, on_progress, cancel, repair
        )

    def add_sentences(
        self,
        catalog: Catalog,
        store: VectorIndex,
        on_progress: ReembedCallback | None,
        cancel: CancelToken,
    ) -> int:
        """Add the sentence vectors this space's passages lack; returns passages embedded."""
        return add_sentence_vectors(
            catalog, store, self.collection, self.embedder, self.info.label, on_progress, cancel
        )


class VectorSpaces:
    """The library's vector spaces. Thread-safe: search reads them while a worker builds."""

    def __init__(
        self,
        catalog: Catalog,
        store: VectorIndex,
        make_embedder: EmbedderFactory,
        loaded: Mapping[str, Embedder] | None = None,
    ) -> None:
        self.catalog = catalog
        self.store = store
        self.models = EmbedderRegistry(make_embedder, loaded)
        self._records: list[SpaceRecord] = []
        self._chosen: tuple[str, ...] = ()
        self._damaged: dict[str, Damage] = {}  # by collection, found by check()
        self._lock = threading.RLock()

    # -- choosing models --------------------------------------------------------------------

    def choose(self, models: Sequence[str], fallback: Sequence[str] = ()) -> list[str]:
        """Make `models` the ones search will use; returns notices for the user (a model that
        cannot be found). New models' spaces start building; nothing is dropped yet. With a
        `fallback`, used instead, quietly, when one of `models` cannot be made (the default's
        e5 where its weights are not installed)."""
        notices = self.models.unavailable(models)
        if notices and fallback and not self.models.unavailable(fallback):
            log.info("using %s: %s", ", ".join(fallback), "; ".join(notices))
            models, notices = fallback, []
        with self._lock:
            self._records = read_records(self.catalog, self.models.made())
            chosen: list[str] = []
            empty = self.catalog.chunk_count() == 0
            for key in models:
                embedder = self.models.get(key)
                if embedder is None:
                    continue
                chosen.append(key)
                fingerprint = embedder.fingerprint
                record = next(
                    (r for r in self._records if same_weights(r.fingerprint, fingerprint)), None
                )
                if record is None:
                    name = collection_name(key, fingerprint)
                    # New vectors are written with their sentence vectors from the start.
                    record = SpaceRecord(key, fingerprint, name, empty, sentences=True)
                    self._records.append(record)
                record.model = key  # the same weights may have been chosen under another name
            self._chosen = tuple(chosen)
            self._retire_if_ready()
            write_records(self.catalog, self._records)
        return notices

    @property
    def chosen(self) -> tuple[str, ...]:
        return self._chosen

    # -- which spaces serve what ------------------------------------------------------------

    def _space(self, record: SpaceRecord) -> VectorSpace | None:
        embedder = self.models.get(record.model)
        if embedder is None or not same_weights(embedder.fingerprint, record.fingerprint):
            return None  # its model is gone or changed: these vectors cannot be queried
        return VectorSpace(record, embedder)

    def searchable(self) -> list[VectorSpace]:
        """The chosen models' spaces once they are all complete; until then, or when none of
        the chosen models can be loaded, every complete space that can still be queried."""
        with self._lock:
            spaces = [
                s
                for r in self._records
                if r.complete and not self._rebuilding(r) and (s := self._space(r))
            ]
            if self._chosen and not self.building():
                spaces = [s for s in spaces if s.record.model in self._chosen]
            return spaces

    def _rebuilding(self, record: SpaceRecord) -> bool:
        damage = self._damaged.get(record.collection)
        return damage is not None and damage.major

    def rebuilding(self) -> list[str]:
        """The labels of the models whose vectors are being rebuilt (left out of search)."""
        with self._lock:
            return [describe(r.model).label for r in self._records if self._rebuilding(r)]

    def writable(self) -> list[VectorSpace]:
        """Every space new passages must be written to: complete and building ones."""
        with self._lock:
            return [s for r in self._records if (s := self._space(r))]

    def building(self) -> list[VectorSpace]:
        with self._lock:
            return [
                s
                for r in self._records
                if not r.complete and r.model in self._chosen and (s := self._space(r))
            ]

    def without_sentences(self) -> list[VectorSpace]:
        """Complete spaces of models that score sentences, stored before sentence vectors
        were: searchable as they are; build() adds the sentence vectors."""
        with self._lock:
            spaces = [
                s for r in self._records if r.complete and not r.sentences and (s := self._space(r))
            ]
            return [s for s in spaces if s.info.sentence_scoring]

    def damaged(self) -> list[VectorSpace]:
        """Complete spaces check() found out of step with the catalog, not yet repaired."""
        with self._lock:
            return [
                s for r in self._records if r.collection in self._damaged and (s := self._space(r))
            ]

    def check(self) -> list[Damage]:
        """Compare every complete space with the catalog (the source of truth): which
        passages lack a vector, which vectors belong to no passage, whether a search reaches
        them. Reads only; build() repairs what it found."""
        with self._lock:
            records = [r for r in self._records if r.complete]
        found = find_damage(self.catalog, self.store, records)
        with self._lock:
            self._damaged = found
        return list(found.values())

    def collections(self) -> list[str]:
        """Every recorded collection, usable or not (for removing passages everywhere)."""
        with self._lock:
            return [r.collection for r in self._records]

    def describe(self) -> list[dict[str, object]]:
        """What `doctor` and `librarian embeddings` show: each space's model and state."""
        with self._lock:
            unsentenced = {s.collection for s in self.without_sentences()}
            return [
                {
                    "model": r.model,
                    "label": describe(r.model).label,
                    "state": _state(r, r.collection in unsentenced),
                    "chosen": r.model in self._chosen,
                    "collection": r.collection,
                }
                for r in self._records
            ]

    def counts(self) -> dict[str, int]:
        """Vectors stored per model (a complete space has one per passage)."""
        with self._lock:
            records = list(self._records)
        return {r.model: self.store.count(r.collection) for r in records}

    def delete(self, ids: Iterable[str]) -> None:
        """Remove passages' vectors from every space."""
        doomed = list(ids)
        if doomed:
            for collection in self.collections():
                self.store.delete(collection, doomed)

    def load_models(self) -> None:
        """Load every model search or ingest will need (seconds; never on the GUI thread)."""
        with long_lived_load():  # torch's imports would slow every full collection after
            for space in self.writable():
                space.embedder.load()

    # -- building ---------------------------------------------------------------------------

    def build(
        self, on_progress: ReembedCallback | None = None, cancel: CancelToken | None = None
    ) -> int:
        """Repair the damaged spaces, fill the building ones from the catalog's passages and
        add sentence vectors where they are missing; returns passages embedded. Cancelled
        (Cancelled raised) or killed, it resumes where it stopped (a repair is found again by
        the next check())."""
        cancel = cancel or CancelToken()
        embedded = self.repair(on_progress, cancel)
        for space in self.building():
            embedded += space.fill(self.catalog, self.store, on_progress, cancel)
            with self._lock:
                space.record.complete = True
                self._retire_if_ready()
                write_records(self.catalog, self._records)
        for space in self.without_sentences():
            embedded += space.add_sentences(self.catalog, self.store, on_progress, cancel)
            with self._lock:
                space.record.sentences = True
                write_records(self.catalog, self._records)
        return embedded

    def repair(
        self, on_progress: ReembedCallback | None = None, cancel: CancelToken | None = None
    ) -> int:
        """Bring the damaged spaces back in step with the catalog; returns passages embedded."""
        cancel = cancel or CancelToken()
        embedded = 0
        for space in self.damaged():
            damage = self._damaged[space.collection]
            if damage.unreachable:
                # Chroma cannot give back vectors whose index files are gone: start afresh.
                log.info("dropping the unreachable vectors of %s", space.record.model)
                self.store.drop(space.collection)
            if damage.unreachable or damage.missing or damage.extra:
                embedded += space.fill(self.catalog, self.store, on_progress, cancel, repair=True)
            if damage.unsentenced:  # the sentence file was set aside: added again
                embedded += space.add_sentences(self.catalog, self.store, on_progress, cancel)
            with self._lock:
                self._damaged.pop(space.collection, None)
        return embedded

    def _retire_if_ready(self) -> None:
        """Once every chosen model's space is complete, drop the others: models nobody chose
        any more, and older weights of a chosen model."""
        current = {k: e.fingerprint for k in self._chosen if (e := self.models.get(k)) is not None}
        wanted = [
            r
            for r in self._records
            if r.model in current and same_weights(current[r.model], r.fingerprint)
        ]
        if not current or len(wanted) < len(current) or not all(r.complete for r in wanted):
            return
        for record in [r for r in self._records if r not in wanted]:
            log.info("dropping the vectors of %s (no longer chosen)", record.model)
            self.store.drop(record.collection)
            self._records.remove(record)


def _state(record: SpaceRecord, lacks_sentences: bool) -> str:
    if not record.complete:
        return "building"
    return "complete, sentence vectors to add" if lacks_sentences else "complete"
