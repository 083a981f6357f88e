"""Embedding models in sentence-transformers' folder format (the bundled MiniLM, or any model
folder the user picks, e.g. a downloaded multilingual-e5 or bge-m3), loaded lazily, only from
local folders.

`import sentence_transformers` costs 5-9 s and ~470 MB, so nothing here imports it until the
first embedding is asked for, and never on the GUI thread. MiniLM on a CPU runs on ONNX Runtime
instead (onnx_export, onnx_encoder): the same vectors, 1.7x faster, without torch.
"""

from __future__ import annotations

import functools
import importlib.metadata
import logging
import platform
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from desktop_app.core.embedding_models import BUILTIN_MODELS, MINILM
from desktop_app.services.embeddings.base import MODEL_LOADING, EmbeddingModelError
from desktop_app.services.embeddings.model_folders import weights_fingerprint
from desktop_app.services.embeddings.onnx_encoder import BATCH_SIZE as ONNX_BATCH_SIZE
from desktop_app.services.embeddings.onnx_encoder import OnnxEncoder

log = logging.getLogger(__name__)

MINILM_SCRIPTS = BUILTIN_MODELS[MINILM].scripts


def torch_may_see_gpu() -> bool:
    """Whether the installed torch could use a GPU here, answered without importing it (5-9 s):
    a "+cpu" build cannot; another build can with an NVIDIA driver, or on Apple silicon."""
    try:
        version = importlib.metadata.version("torch")
    except importlib.metadata.PackageNotFoundError:
        return False
    if "+cpu" in version:
        return False
    if sys.platform == "darwin":
        return platform.machine() == "arm64"
    return Path("/proc/driver/nvidia/version").exists() or shutil.which("nvidia-smi") is not None


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
        onnx_allowed: bool = False,
    ) -> None:
        self.key = key  # MINILM, or the folder's path for a model the user chose
        self.model_path = model_path
        self.batch_size = batch_size
        # Scripts the model understands; None means multilingual (see core.fusion.dense_trust).
        self.scripts = scripts
        self._model: Any = None  # a SentenceTransformer, once loaded on torch
        self._onnx: OnnxEncoder | None = None  # or MiniLM on ONNX Runtime
        self.device: str | None = device  # "cuda", "mps", "cpu"; None: the best torch sees
        # MiniLM's ONNX export is used on a CPU when it exists (or can be made); other folders
        # always run on sentence-transformers.
        self.onnx_allowed = onnx_allowed
        self.backend: str | None = None  # "onnx" or "sentence-transformers", once loaded
        self._lock = MODEL_LOADING  # one model loads at a time (base.MODEL_LOADING)
        self.documents_embedded = 0  # counted so tests and the GUI can see work done

    @functools.cached_property
    def fingerprint(self) -> str:
        return weights_fingerprint(self.model_path)

    @property
    def loaded(self) -> bool:
        return self._model is not None or self._onnx is not None

    def load(self) -> None:
        with self._lock:
            if self.loaded:
                return
            if self.onnx_allowed and self.device in (None, "cpu"):
                self._onnx = self._onnx_encoder()
                if self._onnx is not None:
                    self.device, self.backend = "cpu", "onnx"
                    return
            try:
                from sentence_transformers import SentenceTransformer

                self.device = self.device or torch_device()
                self._model = SentenceTransformer(
                    str(self.model_path), device=self.device, local_files_only=True
                )
                self.backend = "sentence-transformers"
            except Exception as exc:
                raise EmbeddingModelError(
                    f"cannot load the embedding model from {self.model_path}: {exc}"
                ) from exc

    def embed_documents(self, texts: Sequence[str]) -> Any:
        """A (len(texts), dimension) float32 numpy array of unit vectors."""
        self.load()
        if self._onnx is not None:
            vectors = self._onnx.encode(texts, min(self.batch_size, ONNX_BATCH_SIZE))
            self.documents_embedded += len(texts)
            return vectors
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
        if self._onnx is not None:
            return [float(x) for x in self._onnx.encode([text])[0]]
        vector = self._model.encode(
            [text], normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )[0]
        return [float(x) for x in vector]

    def _onnx_encoder(self) -> OnnxEncoder | None:
        """MiniLM on ONNX Runtime, exporting it first when set-up did not; None (and the torch
        path) when torch has a GPU to run on, or the export cannot be made or loaded."""
        if self.device is None and torch_may_see_gpu() and torch_device() != "cpu":
            return None  # a GPU embeds many times faster than ONNX on the CPU
        from desktop_app.services.embeddings.onnx_export import MAX_TOKENS, export, find_export

        onnx_file = find_export(self.fingerprint)
        try:
            if onnx_file is None:
                log.info("exporting %s to ONNX (once)", self.model_path)
                onnx_file = export(self.model_path, self.fingerprint)
            return OnnxEncoder(onnx_file, self.model_path / "tokenizer.json", MAX_TOKENS)
        except Exception as exc:  # noqa: BLE001 - onnxruntime has its own kinds; torch remains
            log.warning("MiniLM runs on sentence-transformers: %s", exc)
            return None
