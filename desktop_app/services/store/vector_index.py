"""What ingest and retrieval need of a vector index, whichever implements it: the protocol
(VectorIndex), a search's scope, and the errors, which cross the pipe from the vector store's
process with their type (services.child_process). Implemented by VectorStore (Chroma, in
vector_store) and VectorStoreProcess (the same in a child process: the app's)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from desktop_app.core.errors import LibrarianError
from desktop_app.services.store.health import Fault


@dataclass(frozen=True)
class VectorScope:
    """The passages a search keeps to: those of `doc_ids` (`passages` of them), and, for a
    small scope, their ids (compared one by one when a wider search would cost more)."""

    doc_ids: tuple[str, ...]
    passages: int
    ids: tuple[str, ...] | None = None


class VectorStoreError(LibrarianError):
    """The vector store on disk cannot be opened or used. `fault` says when it is one of the
    conditions of health.Fault (a damaged file, a full disk, a read-only folder); `kind` names
    the exception it came from in the vector store's process (Chroma's, for the log). Both
    survive the pipe from that process: pickled with the message."""

    def __init__(self, message: str, fault: Fault | None = None, kind: str = "") -> None:
        super().__init__(message)
        self.fault = fault
        self.kind = kind

    def __reduce__(self) -> tuple[type[VectorStoreError], tuple[str, Fault | None, str]]:
        return type(self), (str(self), self.fault, self.kind)


class VectorStoreUnavailable(VectorStoreError):
    """The machine refuses the vector store for now (a full disk, a read-only folder): its
    files are left as they are, and search goes on by words (and the int8 copies)."""

    def __init__(self, message: str, fault: Fault, kind: str = "") -> None:
        super().__init__(message, fault, kind)


class VectorStoreDamaged(VectorStoreError):
    """A file of the vector store does not read as it should (`fault` is Fault.DAMAGED): it is
    set aside and rebuilt."""


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
        self, collection: str, embedding: Sequence[float], n: int, scope: VectorScope | None = None
    ) -> list[tuple[str, float]]: ...
    def preload(self) -> None: ...
    def copy_step(self) -> bool: ...
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
