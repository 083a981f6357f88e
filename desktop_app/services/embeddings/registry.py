"""The embedding models a library has made, by key: each made once, on first use, and the
reason remembered when one cannot be made (its folder gone, its weights not installed)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence

from desktop_app.services.embeddings.base import Embedder, EmbeddingModelError

log = logging.getLogger(__name__)

EmbedderFactory = Callable[[str], Embedder]


class EmbedderRegistry:
    """Thread-safe: search asks for a model while a worker builds with it."""

    def __init__(self, make: EmbedderFactory, loaded: Mapping[str, Embedder] | None = None):
        self._make = make
        self._embedders: dict[str, Embedder] = dict(loaded or {})
        self._failures: dict[str, str] = {}  # why a key's model could not be made, last time
        self._lock = threading.RLock()

    def get(self, key: str) -> Embedder | None:
        """The model a key names, made on first use; None when it is not there."""
        with self._lock:
            if key not in self._embedders:
                try:
                    self._embedders[key] = self._make(key)
                except EmbeddingModelError as exc:
                    log.warning("embedding model %s unavailable: %s", key, exc)
                    self._failures[key] = str(exc)
                    return None
            return self._embedders[key]

    def unavailable(self, models: Sequence[str]) -> list[str]:
        """A message for each of `models` that cannot be made (a folder that is gone)."""
        return [
            f"The embedding model {key} cannot be used: {self._failures.get(key, 'not found')}"
            for key in models
            if self.get(key) is None
        ]

    def made(self) -> dict[str, Embedder]:
        """The models made so far, by key."""
        with self._lock:
            return dict(self._embedders)
