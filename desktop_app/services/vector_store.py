"""The dense index: a Chroma persistent collection holding our own embeddings.

The app uses it through VectorStoreProcess (its own process: Chroma holds the GIL for the whole
of every call, which would freeze the window); tests and tools may use it directly.

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

log = logging.getLogger(__name__)

COLLECTION = "passages"
_MAX_BATCH = 5000  # Chroma refuses batches over ~5461 rows


class VectorStoreError(RuntimeError):
    """The vector store on disk cannot be opened or used."""


class VectorIndex(Protocol):
    """What ingest and retrieval need: VectorStore here, or VectorStoreProcess (the app's)."""

    def add(
        self, ids: Sequence[str], embeddings: Any, metadatas: Sequence[dict[str, Any]]
    ) -> None: ...
    def delete(self, ids: Iterable[str]) -> None: ...
    def query(self, embedding: Sequence[float], n: int) -> list[tuple[str, float]]: ...
    def ids(self) -> list[str]: ...
    def clear(self) -> None: ...
    def count(self) -> int: ...


class VectorStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._collection: Any = None
        self._client: Any = None
        self._lock = threading.Lock()

    def _coll(self) -> Any:
        with self._lock:
            if self._collection is None:
                self._collection = self._open()
            return self._collection

    def _open(self) -> Any:
        import chromadb
        from chromadb.config import Settings

        self.path.mkdir(parents=True, exist_ok=True)
        try:
            self._client = chromadb.PersistentClient(
                path=str(self.path),
                settings=Settings(anonymized_telemetry=False, allow_reset=False),
            )
            return self._client.get_or_create_collection(
                COLLECTION, embedding_function=None, metadata={"hnsw:space": "cosine"}
            )
        except Exception as exc:
            raise VectorStoreError(f"cannot open the vector store in {self.path}: {exc}") from exc

    def add(self, ids: Sequence[str], embeddings: Any, metadatas: Sequence[dict[str, Any]]) -> None:
        coll = self._coll()
        for i in range(0, len(ids), _MAX_BATCH):
            coll.upsert(
                ids=list(ids[i : i + _MAX_BATCH]),
                embeddings=embeddings[i : i + _MAX_BATCH],
                metadatas=list(metadatas[i : i + _MAX_BATCH]),
            )

    def delete(self, ids: Iterable[str]) -> None:
        id_list = list(ids)
        coll = self._coll()
        for i in range(0, len(id_list), _MAX_BATCH):
            coll.delete(ids=id_list[i : i + _MAX_BATCH])

    def query(self, embedding: Sequence[float], n: int) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity), best first."""
        coll = self._coll()
        count = coll.count()
        if count == 0:
            return []
        result = coll.query(
            query_embeddings=[list(embedding)], n_results=min(n, count), include=["distances"]
        )
        ids = result["ids"][0]
        distances = result["distances"][0]
        return [(cid, 1.0 - float(d)) for cid, d in zip(ids, distances, strict=True)]

    def ids(self) -> list[str]:
        coll = self._coll()
        out: list[str] = []
        offset = 0
        while True:
            page = coll.get(include=[], limit=_MAX_BATCH, offset=offset)
            out.extend(page["ids"])
            if len(page["ids"]) < _MAX_BATCH:
                return out
            offset += _MAX_BATCH

    def clear(self) -> None:
        """Drop every vector (the embedding model changed: old vectors are meaningless)."""
        coll = self._coll()
        with self._lock:
            self._client.delete_collection(coll.name)
            self._collection = None

    def count(self) -> int:
        return int(self._coll().count())
