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
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol

from desktop_app.core.errors import LibrarianError
from desktop_app.services.store.sentence_store import FILE_NAME as SENTENCES_FILE
from desktop_app.services.store.sentence_store import SentenceStore

log = logging.getLogger(__name__)

LEGACY_COLLECTION = "passages"  # the one collection of libraries made before vector spaces
_MAX_BATCH = 5000  # Chroma refuses batches over ~5461 rows
_PROBE_RESULTS = 10


class VectorStoreError(LibrarianError):
    """The vector store on disk cannot be opened or used."""


class VectorIndex(Protocol):
    """What ingest and retrieval need: VectorStore here, or VectorStoreProcess (the app's).
    Each embedding model's vectors live in a collection of their own (services.store.vector_spaces);
    a collection is created by its first use."""

    def add(
        self,
        collection: str,
        ids: Sequence[str],
        embeddings: Any,
        metadatas: Sequence[dict[str, Any]],
        sentences: Sequence[bytes] | None = None,
    ) -> None: ...
    def delete(self, collection: str, ids: Iterable[str]) -> None: ...
    def query(
        self,
        collection: str,
        embedding: Sequence[float],
        n: int,
        ids: Sequence[str] | None = None,
        doc_ids: Sequence[str] | None = None,
    ) -> list[tuple[str, float]]: ...
    def sentences(self, collection: str, ids: Sequence[str]) -> dict[str, bytes]: ...
    def add_sentences(
        self, collection: str, ids: Sequence[str], sentences: Sequence[bytes]
    ) -> None: ...
    def sentence_ids(self, collection: str) -> set[str]: ...
    def ids(self, collection: str) -> list[str]: ...
    def count(self, collection: str) -> int: ...
    def reachable(self, collection: str) -> bool: ...
    def drop(self, collection: str) -> None: ...
    def collections(self) -> list[str]: ...


class VectorStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._collections: dict[str, Any] = {}
        self._client: Any = None
        self._lock = threading.Lock()
        self._sentences = SentenceStore(path / SENTENCES_FILE)

    def _coll(self, name: str) -> Any:
        with self._lock:
            if name not in self._collections:
                self._collections[name] = self._open(name)
            return self._collections[name]

    def _open_client(self) -> Any:
        if self._client is None:
            import chromadb
            from chromadb.config import Settings

            self.path.mkdir(parents=True, exist_ok=True)
            self._client = chromadb.PersistentClient(
                path=str(self.path),
                settings=Settings(anonymized_telemetry=False, allow_reset=False),
            )
        return self._client

    def _open(self, name: str) -> Any:
        try:
            return self._open_client().get_or_create_collection(
                name, embedding_function=None, metadata={"hnsw:space": "cosine"}
            )
        except Exception as exc:
            raise VectorStoreError(f"cannot open the vector store in {self.path}: {exc}") from exc

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
        if sentences is not None:
            self._sentences.put(collection, ids, sentences)
        for i in range(0, len(ids), _MAX_BATCH):
            coll.upsert(
                ids=list(ids[i : i + _MAX_BATCH]),
                embeddings=embeddings[i : i + _MAX_BATCH],
                metadatas=list(metadatas[i : i + _MAX_BATCH]),
            )

    def delete(self, collection: str, ids: Iterable[str]) -> None:
        id_list = list(ids)
        coll = self._coll(collection)
        for i in range(0, len(id_list), _MAX_BATCH):
            coll.delete(ids=id_list[i : i + _MAX_BATCH])
        self._sentences.delete(collection, id_list)

    def query(
        self,
        collection: str,
        embedding: Sequence[float],
        n: int,
        ids: Sequence[str] | None = None,
        doc_ids: Sequence[str] | None = None,
    ) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity), best first; among `ids` only, or the passages of
        `doc_ids` only, when given (a search scope)."""
        coll = self._coll(collection)
        count = coll.count() if ids is None else len(ids)
        if count == 0 or doc_ids == []:
            return []
        limits: dict[str, Any] = {}
        if ids is not None:
            limits["ids"] = list(ids)
        if doc_ids is not None:
            limits["where"] = {"doc_id": {"$in": list(doc_ids)}}
        result = coll.query(
            query_embeddings=[list(embedding)],
            n_results=min(n, count),
            include=["distances"],
            **limits,
        )
        found = result["ids"][0]
        distances = result["distances"][0]
        return [(cid, 1.0 - float(d)) for cid, d in zip(found, distances, strict=True)]

    def sentences(self, collection: str, ids: Sequence[str]) -> dict[str, bytes]:
        """The sentence vectors of those of these passages that have more than one."""
        return self._sentences.get(collection, ids)

    def add_sentences(
        self, collection: str, ids: Sequence[str], sentences: Sequence[bytes]
    ) -> None:
        """Sentence vectors for passages whose vectors are stored already."""
        self._sentences.put(collection, ids, sentences)

    def sentence_ids(self, collection: str) -> set[str]:
        """The passages whose sentence vectors are stored (b"" for one sentence counts)."""
        return self._sentences.ids(collection)

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
        return int(self._coll(collection).count())

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
            client = self._open_client()
            if collection in self._names(client):
                client.delete_collection(collection)
        self._sentences.drop(collection)

    def collections(self) -> list[str]:
        with self._lock:
            return sorted(self._names(self._open_client()))

    @staticmethod
    def _names(client: Any) -> list[str]:
        return [c if isinstance(c, str) else c.name for c in client.list_collections()]
