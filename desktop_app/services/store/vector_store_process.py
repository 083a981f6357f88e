"""The vector store in its own process.

Chroma's Rust bindings hold the GIL for the whole of every call: an upsert of 8 vectors took
10-100 ms on a busy 2-core machine, and in the app's process each one froze the window that long
(measured with bench.responsiveness). In a child process the same work costs the window nothing,
and the app's process never imports chromadb (1-2 s of imports that also hold the GIL).

The child is the only process that opens the Chroma files (the data directory's lock keeps out
other Librarians). It exits when asked, or when its parent dies (its end of the pipe closes).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from desktop_app.core.log_files import SHOWN
from desktop_app.services.child_process import ChildStopped, RemoteObject, methods_of, serve
from desktop_app.services.store.flat_index import FOLDER as FLAT_FOLDER
from desktop_app.services.store.flat_index import FlatIndex
from desktop_app.services.store.health import (
    Fault,
    fault_of,
    has_room,
    set_aside,
    sqlite_state,
)
from desktop_app.services.store.sentence_store import FILE_NAME as SENTENCES_FILE
from desktop_app.services.store.sentence_store import SentenceStore
from desktop_app.services.store.vector_index import (
    VectorIndex,
    VectorScope,
    VectorStoreDamaged,
    VectorStoreError,
    VectorStoreUnavailable,
)
from desktop_app.services.store.vector_store import VectorStore

log = logging.getLogger(__name__)

CHROMA_FILE = "chroma.sqlite3"
CHROMA_TABLES = ("collections", "segments", "embeddings")  # what Chroma's file must have
_STOP_WAIT_S = 10  # a write in progress finishes: Chroma stays consistent

REMOTE_METHODS = methods_of(VectorIndex)  # what the parent may call in the child


def _child_main(conn: Connection, path: Path) -> None:
    serve(
        conn, VectorStore(path), REMOTE_METHODS, lambda method, exc: _store_error(path, method, exc)
    )


def _store_error(path: Path, method: str, exc: BaseException) -> VectorStoreError:
    """What the parent is told of a failed call: the app's own error, its class by its fault
    (a fault the child's own error already carries is kept: fault_of reads it)."""
    fault, message = fault_of(exc), str(exc) or type(exc).__name__
    if fault is None and not has_room(path):
        # Chroma's words for a full disk vary too ("Error in compaction"): the disk's own
        # state is asked first, so that a full one is never taken for damage.
        fault = Fault.DISK_FULL
    elif fault is None and _damaged(path / CHROMA_FILE):
        # Chroma's words for a damaged file vary; SQLite's check does not.
        fault, message = Fault.DAMAGED, f"{CHROMA_FILE} does not pass SQLite's check"
    kind = type(exc).__name__
    if fault is None:
        if not isinstance(exc, VectorStoreError):
            log.error("vector store: %s failed", method, exc_info=exc)
        return VectorStoreError(message, None, kind)
    log.warning("vector store: %s failed (%s): %s", method, fault, exc)
    if fault is Fault.DAMAGED:
        return VectorStoreDamaged(message, Fault.DAMAGED, kind)
    return VectorStoreUnavailable(message, fault, kind)


def _exchange(child: RemoteObject, method: str, args: tuple[Any, ...]) -> Any:
    try:
        return child.call(method, *args)
    except ChildStopped as exc:
        raise VectorStoreError(str(exc), None, type(exc).__name__) from exc


def _damaged(chroma_file: Path) -> bool:
    return chroma_file.exists() and sqlite_state(chroma_file, tables=CHROMA_TABLES)[0] == "damaged"


class VectorStoreProcess:
    """VectorStore's methods, each one a request to the child (started on the first call).
    Thread-safe: one request at a time.

    Until the child has loaded Chroma's indexes (preload: 5-11 s at a million passages, during
    which it answers nothing else), searches are answered here, from the int8 copies of the
    vectors (flat_index) and the sentence vectors' SQLite file, both read-only."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._child = RemoteObject(_child_main, "librarian-vectors", "vector-store", path)
        self._indexes_loaded = threading.Event()  # Chroma's, in the child: preload returned
        self._refill: threading.Thread | None = None  # stale int8 copies, after preload
        self._sentences = SentenceStore(path / SENTENCES_FILE)  # read here before then
        self.set_aside_as: list[tuple[Path, str]] = []  # damaged stores moved aside, and why

    def start(self) -> None:
        with self._lock:
            self._child.start()

    @property
    def pid(self) -> int | None:
        """The child's process id; None until the first call and after close()."""
        return self._child.pid

    def _call(self, method: str, *args: Any, start: bool = True) -> Any:
        """The child's answer; without `start`, None when the child is not running (closed).

        A store the child finds damaged is set aside (dated, kept) and the call made again on
        a new, empty one: the catalog's passages are embedded into it again (VectorSpaces
        counts them missing). A full disk or a read-only folder raises VectorStoreUnavailable
        and touches nothing; the child going away, VectorStoreError."""
        assert method in REMOTE_METHODS
        with self._lock:
            if not start and not self._child.running:
                return None
            try:
                return _exchange(self._child, method, args)
            except VectorStoreDamaged as exc:
                if not self.path.exists():
                    raise
                self._set_aside(str(exc))
            return _exchange(self._child, method, args)

    def _set_aside(self, reason: str) -> None:
        """Stop the child and move the damaged store's folder aside (caller holds the lock)."""
        self._child.stop(_STOP_WAIT_S)
        self._indexes_loaded.clear()
        self._sentences.close()
        moved = set_aside(self.path)
        self._sentences = SentenceStore(self.path / SENTENCES_FILE)
        self.set_aside_as.append((moved, reason))
        log.warning("vector store damaged (%s): rebuilt from the catalog", reason, extra=SHOWN)

    def add(
        self,
        collection: str,
        ids: Sequence[str],
        embeddings: Any,
        metadatas: Sequence[dict[str, Any]],
        sentences: Sequence[bytes] | None = None,
    ) -> None:
        blobs = None if sentences is None else list(sentences)
        self._call("add", collection, list(ids), embeddings, list(metadatas), blobs)

    def delete(self, collection: str, ids: Iterable[str]) -> None:
        self._call("delete", collection, list(ids))

    def query(
        self, collection: str, embedding: Sequence[float], n: int, scope: VectorScope | None = None
    ) -> list[tuple[str, float]]:
        if scope is None and not self._indexes_loaded.is_set():
            found = FlatIndex(self.path / FLAT_FOLDER, collection).search(embedding, n)
            if found is not None:
                return found
        result: list[tuple[str, float]] = self._call("query", collection, list(embedding), n, scope)
        return result

    def preload(self) -> None:
        """Load Chroma's indexes in the child; then, in the background, a step per request so
        that other requests are answered between steps, refill any stale int8 copy there (a
        library made before the copies: minutes at a million passages) and read the copies'
        row maps."""
        self._call("preload")
        self._indexes_loaded.set()
        self._sentences.close()  # read in the child from now on
        if self._refill is None or not self._refill.is_alive():

            def refill_copies() -> None:
                try:
                    while self._call("copy_step", start=False):
                        pass
                except VectorStoreError as exc:  # the child stopped: its next start refills
                    log.warning("int8 copies not refilled: %s", exc)

            self._refill = threading.Thread(
                target=refill_copies, name="librarian-int8-copies", daemon=True
            )
            self._refill.start()

    def copies_done(self, timeout: float | None = None) -> bool:
        """Wait for the background refill (benchmarks and tests); True when it is over."""
        if self._refill is not None:
            self._refill.join(timeout)
        return self._refill is None or not self._refill.is_alive()

    def copy_step(self) -> bool:
        return bool(self._call("copy_step"))

    def sentences(self, collection: str, ids: Sequence[str]) -> dict[str, bytes]:
        if not self._indexes_loaded.is_set():
            try:
                return self._sentences.get(collection, ids)
            except sqlite3.DatabaseError as exc:  # damaged: the child sets it aside
                log.warning("sentence vectors unreadable here: %s", exc)
                return {}
        result: dict[str, bytes] = self._call("sentences", collection, list(ids))
        return result

    def add_sentences(
        self, collection: str, ids: Sequence[str], sentences: Sequence[bytes]
    ) -> None:
        self._call("add_sentences", collection, list(ids), list(sentences))

    def sentence_ids(self, collection: str) -> set[str]:
        result: set[str] = self._call("sentence_ids", collection)
        return result

    def ids(self, collection: str) -> list[str]:
        result: list[str] = self._call("ids", collection)
        return result

    def count(self, collection: str) -> int:
        return int(self._call("count", collection))

    def reachable(self, collection: str) -> bool:
        return bool(self._call("reachable", collection))

    def drop(self, collection: str) -> None:
        self._call("drop", collection)

    def collections(self) -> list[str]:
        result: list[str] = self._call("collections")
        return result

    def close(self) -> None:
        with self._lock:
            self._child.stop(_STOP_WAIT_S)
