"""What every embedding model offers the services, whatever library runs it."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any, Protocol

from desktop_app.core.errors import LibrarianError

# Every model loads under this one lock, whatever its thread: two models loading at once made
# two threads import numpy for the first time together, which fails in the packaged app
# ("cannot import name ... from partially initialized module"): a first search from the
# command line loads both on the search's threads.
MODEL_LOADING = threading.Lock()


class EmbeddingModelError(LibrarianError):
    """The configured embedding model cannot be found or loaded."""


class Embedder(Protocol):
    """Turns passages and queries into unit vectors. Implementations are thread-safe, load
    their weights on first use (never at import) and never touch the network."""

    key: str  # how the settings name it: a built-in key or a model folder's path
    scripts: frozenset[str] | None  # the scripts it reads; None: all (core.fusion.dense_trust)
    device: str | None  # where it runs ("cpu", "cuda", "mps"); None until loaded
    documents_embedded: int  # passages embedded so far, so tests and the GUI can see work done

    @property
    def fingerprint(self) -> str:
        """Identifies the model's weights, not where they are installed: vectors made with the
        same fingerprint are interchangeable."""
        ...

    @property
    def loaded(self) -> bool: ...

    def load(self) -> None: ...

    def embed_documents(self, texts: Sequence[str]) -> Any:
        """A (len(texts), dimension) float32 numpy array of unit vectors."""
        ...

    def embed_query(self, text: str) -> list[float]: ...
