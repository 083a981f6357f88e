"""The dense index: a Chroma persistent collection holding our own embeddings.

The app uses it through VectorStoreProcess (its own process: Chroma holds the GIL for the whole
of every call, which would freeze the window); tests and tools may use it directly.

Each embedding model's vectors are a collection of their own (see services.store.vector_spaces).
Chroma stores only vectors and ids here (plus a little metadata for inspection): passage text and
everything else lives in the catalog (SQLite), which is the source of truth. A chunk id in Chroma
that the catalog does not know (left by a killed run) is ignored by searches and removed by
IngestService.recover().
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from desktop_app.services.store.flat_index import FOLDER as FLAT_FOLDER
from desktop_app.services.store.flat_index import FlatIndex
from desktop_app.services.store.health import Fault, fault_of, set_aside
from desktop_app.services.store.sentence_store import FILE_NAME as SENTENCES_FILE
from desktop_app.services.store.sentence_store import SentenceStore
from desktop_app.services.store.vector_index import VectorScope, VectorStoreError

log = logging.getLogger(__name__)

LEGACY_COLLECTION = "passages"  # the one collection of libraries made before vector spaces
_MAX_BATCH = 5000  # Chroma refuses batches over ~5461 rows
_PROBE_RESULTS = 10
# A search within documents holding 1/r of the library asks the whole index for about 4 r n
# nearest and keeps those in the documents (again with 4 times as many if too few were), while
# that is at most this many (bench.scale, 1M passages: 300 nearest cost 3 ms, 3,000 19 ms,
# Chroma's document filter 350 ms); past it, a few passages are compared one by one, and
# many are left to Chroma's filter.
_MAX_WIDENED = 5000


class VectorStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._collections: dict[str, Any] = {}
        self._client: Any = None
        self._lock = threading.Lock()
        self._sentences = SentenceStore(path / SENTENCES_FILE)
        # Chroma counts a collection by reading its records: 46 ms at a million passages, which
        # every search paid. Kept here, forgotten by each write (one writer: the instance lock).
        self._counts: dict[str, int] = {}
        self._flats: dict[str, FlatIndex] = {}  # each collection's int8 copy (flat_index)
        self._copying: dict[str, int] = {}  # stale copies being refilled: next row to copy
        self._mapped: set[str] = set()  # copies whose chunk -> row maps copy_step has read

    def _sentence_op(self, op: Callable[[SentenceStore], Any]) -> Any:
        """A sentence store operation; a damaged file is set aside and a fresh one used (its
        vectors are added again from the catalog: VectorSpaces.check counts them missing)."""
        try:
            return op(self._sentences)
        except sqlite3.DatabaseError as exc:
            if fault_of(exc) is not Fault.DAMAGED:
                raise
            log.warning("vector store: the sentence vectors' file is damaged: %s", exc)
            self._sentences.close()
            set_aside(self._sentences.path)
            self._sentences = SentenceStore(self._sentences.path)
            return op(self._sentences)

    def _coll(self, name: str) -> Any:
        with self._lock:
            if name not in self._collections:
                try:
                    self._collections[name] = self._open_client().get_or_create_collection(
                        name, embedding_function=None, metadata={"hnsw:space": "cosine"}
                    )
                except (KeyboardInterrupt, SystemExit):
                    raise
                except BaseException as exc:  # Chroma's Rust panics derive from BaseException
                    raise VectorStoreError(
                        f"cannot open the vector store in {self.path}: {exc}"
                    ) from exc
                flat = self._flats[name] = FlatIndex(self.path / FLAT_FOLDER, name)
                held = self._collections[name].count()
                if not flat.sound():
                    log.warning("vector store: the int8 copy of %s is damaged", name)
                    flat.set_aside()
                if flat.header() is None:  # a new collection, or one from before the copies
                    flat.reset(clean=held == 0)
                elif flat.clean() and flat.live() != held:  # Chroma lost or gained vectors
                    log.warning("vector store: the int8 copy of %s is out of step", name)
                    flat.reset(clean=False)  # refilled by copy_step
            return self._collections[name]

    def _begin_write(self, name: str) -> FlatIndex | None:
        """Forget the collection's count (it is about to change) and return the int8 copy to
        write in step with Chroma; None when it is stale (being refilled: a write makes the
        refill start over)."""
        with self._lock:
            self._counts.pop(name, None)
        flat = self._flats[name]
        if name in self._copying:
            flat.reset(clean=False)
            self._copying[name] = 0
            return None
        return flat if flat.begin() else None

    def _count(self, name: str) -> int:
        with self._lock:
            known = self._counts.get(name)
        if known is None:
            known = int(self._coll(name).count())
            with self._lock:
                self._counts[name] = known
        return known

    def preload(self) -> None:
        """Load every collection's index now (Chroma loads one on its first use: 2-3 s each at
        a million passages), so that the first search after opening does not wait for it."""
        for name in self.collections():
            self._count(name)

    def copy_step(self) -> bool:
        """Copy one page of Chroma's vectors into a stale int8 copy (a library from before the
        copies, or a kill between the two writes), or else read one copy's chunk -> row map
        (seconds at a million, else paid by the first scoped search or write); True while more
        remains. One step per call, so that searches are answered between steps."""
        if not self._copying:
            for name in self.collections():
                self._coll(name)
                if not self._flats[name].clean():
                    self._flats[name].reset(clean=False)
                    self._copying[name] = 0
        if not self._copying:
            for name, flat in self._flats.items():  # last: the copies' row maps, one a call
                if name not in self._mapped:
                    self._mapped.add(name)
                    flat.know_rows()
                    return True
            return False
        name, offset = next(iter(self._copying.items()))
        page = self._coll(name).get(include=["embeddings"], limit=_MAX_BATCH, offset=offset)
        flat = self._flats[name]
        if page["ids"]:
            flat.append(page["ids"], page["embeddings"])  # a repeated id replaces its row
        if len(page["ids"]) < _MAX_BATCH:
            flat.commit()
            del self._copying[name]
            log.info("vector store: int8 copy of %s complete", name)
        else:
            self._copying[name] = offset + len(page["ids"])
        return True  # the next call may have the row maps left to read

    def _open_client(self) -> Any:
        if self._client is None:
            import chromadb
            from chromadb.config import Settings

            self.path.mkdir(parents=True, exist_ok=True)
            try:
                self._client = chromadb.PersistentClient(
                    path=str(self.path),
                    settings=Settings(anonymized_telemetry=False, allow_reset=False),
                )
            except BaseException:
                # Chroma caches its half-made system: the next try would fail with another
                # error ("no attribute 'bindings'") instead of the real one (a full disk).
                from chromadb.api.shared_system_client import SharedSystemClient

                SharedSystemClient.clear_system_cache()
                raise
        return self._client

    def add(
        self,
        collection: str,
        ids: Sequence[str],
        embeddings: Any,
        metadatas: Sequence[dict[str, Any]],
        sentences: Sequence[bytes] | None = None,
    ) -> None:
        """Store passages' vectors; `sentences`: each one's sentence vectors, for models
        that score sentences (services.embeddings.passage_vectors)."""
        coll = self._coll(collection)
        flat = self._begin_write(collection)
        if sentences is not None:
            self._sentence_op(lambda store: store.put(collection, ids, sentences))
        for i in range(0, len(ids), _MAX_BATCH):
            coll.upsert(
                ids=list(ids[i : i + _MAX_BATCH]),
                embeddings=embeddings[i : i + _MAX_BATCH],
                metadatas=list(metadatas[i : i + _MAX_BATCH]),
            )
        if flat is not None:
            _in_step(flat, lambda: flat.append(ids, embeddings))

    def delete(self, collection: str, ids: Iterable[str]) -> None:
        id_list = list(ids)
        coll = self._coll(collection)
        flat = self._begin_write(collection)
        for i in range(0, len(id_list), _MAX_BATCH):
            coll.delete(ids=id_list[i : i + _MAX_BATCH])
        self._sentence_op(lambda store: store.delete(collection, id_list))
        if flat is not None:
            _in_step(flat, lambda: flat.remove(id_list))

    def query(
        self, collection: str, embedding: Sequence[float], n: int, scope: VectorScope | None = None
    ) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity), best first; within `scope`, when given."""
        total = self._count(collection)
        if total == 0 or n <= 0:
            return []
        coll = self._coll(collection)
        if scope is None:
            return _nearest(coll, embedding, min(n, total))
        wanted = set(scope.doc_ids)
        widened = -(-4 * n * total // max(scope.passages, 1))
        while widened <= _MAX_WIDENED:
            found = _nearest(coll, embedding, min(widened, total))
            # A chunk id is "<doc_id>:<ordinal>" (services.store.catalog.chunk_id).
            kept = [(cid, sim) for cid, sim in found if cid.rsplit(":", 1)[0] in wanted]
            if len(kept) >= n or widened >= total:
                return kept[:n]
            widened *= 4
        if scope.ids is not None:  # a few passages: compared one by one, on the int8 copy
            among = self._flats[collection].search_among(embedding, scope.ids, n)
            return among if among is not None else _nearest_among(coll, embedding, scope.ids, n)
        where = {"doc_id": {"$in": list(scope.doc_ids)}}
        return _nearest(coll, embedding, min(n, scope.passages or n), where=where)

    def sentences(self, collection: str, ids: Sequence[str]) -> dict[str, bytes]:
        """The sentence vectors of those of these passages that have more than one."""
        found: dict[str, bytes] = self._sentence_op(lambda store: store.get(collection, ids))
        return found

    def add_sentences(
        self, collection: str, ids: Sequence[str], sentences: Sequence[bytes]
    ) -> None:
        """Sentence vectors for passages whose vectors are stored already."""
        self._sentence_op(lambda store: store.put(collection, ids, sentences))

    def sentence_ids(self, collection: str) -> set[str]:
        """The passages whose sentence vectors are stored (b"" for one sentence counts)."""
        found: set[str] = self._sentence_op(lambda store: store.ids(collection))
        return found

    def ids(self, collection: str) -> list[str]:
        coll = self._coll(collection)
        out: list[str] = []
        offset = 0
        while True:
            page = coll.get(include=[], limit=_MAX_BATCH, offset=offset)
            out.extend(page["ids"])
            if len(page["ids"]) < _MAX_BATCH:
                return out
            offset += _MAX_BATCH

    def count(self, collection: str) -> int:
        return self._count(collection)

    def reachable(self, collection: str) -> bool:
        """Whether a search reaches the stored vectors. Chroma keeps ids in SQLite and vectors
        in HNSW segment files: with those files lost it still counts every vector, but a query
        finds only the few written since the last flush (measured: 1 of 3,000)."""
        coll = self._coll(collection)
        count = coll.count()
        dimension = getattr(getattr(coll, "_model", None), "dimension", None)
        if count == 0 or not dimension:
            return True
        wanted = min(count, _PROBE_RESULTS)
        try:
            result = coll.query(query_embeddings=[[1.0] * dimension], n_results=wanted, include=[])
        except Exception as exc:  # noqa: BLE001 - any failure to search is what we look for
            log.warning("probe query on %s failed: %s", collection, exc)
            return False
        return bool(len(result["ids"][0]) >= wanted)

    def drop(self, collection: str) -> None:
        """Delete a collection and its vectors (an embedding model no longer used)."""
        with self._lock:
            self._collections.pop(collection, None)
            self._counts.pop(collection, None)
            self._copying.pop(collection, None)
            self._flats.pop(collection, None)
            FlatIndex(self.path / FLAT_FOLDER, collection).drop()
            client = self._open_client()
            if collection in _collection_names(client):
                client.delete_collection(collection)
        self._sentence_op(lambda store: store.drop(collection))

    def collections(self) -> list[str]:
        with self._lock:
            return sorted(_collection_names(self._open_client()))

    @staticmethod
    def _names(client: Any) -> list[str]:
        return [c if isinstance(c, str) else c.name for c in client.list_collections()]


def _collection_names(client: Any) -> list[str]:
    return [c if isinstance(c, str) else c.name for c in client.list_collections()]


def _in_step(flat: FlatIndex, write: Callable[[], None]) -> None:
    """Write the copy after Chroma; a failure (a full disk) leaves it unclean, to be refilled,
    and never fails the write Chroma has already made."""
    try:
        write()
        flat.commit()
    except (OSError, ValueError) as exc:
        log.warning("vector store: the int8 copy of %s is left to refill: %s", flat.name, exc)


def _nearest(
    coll: Any, embedding: Sequence[float], n: int, **limits: Any
) -> list[tuple[str, float]]:
    result = coll.query(
        query_embeddings=[list(embedding)], n_results=n, include=["distances"], **limits
    )
    found = result["ids"][0]
    return [(cid, 1.0 - float(d)) for cid, d in zip(found, result["distances"][0], strict=True)]


def _nearest_among(
    coll: Any, embedding: Sequence[float], ids: Sequence[str], n: int
) -> list[tuple[str, float]]:
    """The `n` of these passages nearest the query, compared one by one: Chroma's own search
    among given ids walks its graph looking for them (75 ms for 1,000 ids at a million
    passages; fetching their vectors and comparing: 20 ms)."""
    import numpy as np

    if not ids:
        return []
    got = coll.get(ids=list(ids), include=["embeddings"])
    if not got["ids"]:
        return []
    vectors = np.asarray(got["embeddings"], dtype=np.float32)
    query = np.asarray(embedding, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1) * float(np.linalg.norm(query))
    similarities = vectors @ query / np.maximum(norms, 1e-12)
    best = np.argsort(-similarities)[:n]
    return [(got["ids"][i], float(similarities[i])) for i in best]
