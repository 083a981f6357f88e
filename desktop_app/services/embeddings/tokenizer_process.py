"""The e5 tokenizer in a child process of its own.

Building its 250,002-piece vocabulary (the tokenizers library's Unigram model) holds the GIL
from start to end: 0.8-1.9 s measured here, during which no other thread of the app runs; the
window froze that long at every start, just after it appeared. In a child the vocabulary loads
on an interpreter of its own; the app sends each batch's texts and gets their ids back (a pipe
round trip: about a millisecond besides the tokenizing). ONNX Runtime stays in the app: it lets
go of the GIL while it computes, and search and indexing share its session.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from desktop_app.services.child_process import ChildStopped, RemoteObject, serve
from desktop_app.services.embeddings.base import EmbeddingModelError
from desktop_app.services.embeddings.e5_encoder import E5Tokens

log = logging.getLogger(__name__)

_STOP_WAIT_S = 1.0


class TokenizerProcess:
    """`E5Tokens` of `folder`, served by a child. Thread-safe: one call at a time on the pipe
    (a batch's tokenizing takes milliseconds, so a query waits little behind indexing)."""

    def __init__(self, folder: Path) -> None:
        self._remote = RemoteObject(_child_main, "librarian-tokenizer", "tokenizer", str(folder))
        self._lock = threading.Lock()

    @property
    def pid(self) -> int | None:
        """The child's process id while it runs (tests kill it by this)."""
        return self._remote.pid

    def load(self) -> None:
        """Start the child and wait until its tokenizer is built; EmbeddingModelError if it
        cannot be."""
        self._call("ready")

    def ids(self, texts: Sequence[str], is_query: bool) -> list[list[int]]:
        ids: list[list[int]] = self._call("ids", list(texts), is_query)
        return ids

    def close(self) -> None:
        with self._lock:
            self._remote.stop(_STOP_WAIT_S)

    def _call(self, method: str, *args: Any) -> Any:
        with self._lock:
            try:
                return self._remote.call(method, *args)
            except ChildStopped as exc:  # killed or crashed: once more, in a new child
                log.warning("the tokenizer process stopped (%s); starting it again", exc)
                try:
                    return self._remote.call(method, *args)
                except ChildStopped as again:
                    raise EmbeddingModelError(str(again)) from again


class _Host:
    """What the child serves: the tokenizer, built by the first call."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._tokens: E5Tokens | None = None

    def ready(self) -> None:
        self._get()

    def ids(self, texts: Sequence[str], is_query: bool) -> list[list[int]]:
        return self._get().ids(texts, is_query)

    def _get(self) -> E5Tokens:
        if self._tokens is None:
            self._tokens = E5Tokens(self._folder)
        return self._tokens


def _translate(method: str, exc: BaseException) -> BaseException:
    if isinstance(exc, EmbeddingModelError):
        return exc
    log.exception("the tokenizer failed in %s", method, exc_info=exc)
    return EmbeddingModelError(f"the e5 tokenizer failed: {type(exc).__name__}: {exc}")


def _child_main(conn: Connection, folder: str) -> None:
    serve(conn, _Host(Path(folder)), {"ready", "ids"}, _translate)
