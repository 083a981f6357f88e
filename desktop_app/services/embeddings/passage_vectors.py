"""A passage's vectors as the vector store keeps them: its own vector and, for models that
score passages by their best sentence (EmbeddingModelInfo.sentence_scoring), one per sentence.

The sentence vectors are stored as int8 with one float32 scale per sentence (516 bytes a
sentence instead of 2,048 as float32; bench.sentence_vectors' rankings did not change), one blob
per passage, next to the passage's vector (services.store.sentence_store).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from desktop_app.core.chunking import passage_sentences
from desktop_app.services.embeddings.base import Embedder

_SCALE = 127.0


@dataclass(frozen=True, slots=True)
class PassageVectors:
    """Passages' vectors (an (n, dimension) float32 array) and, when the model scores
    sentences, each passage's encoded sentence vectors (b"" when it has a single sentence:
    its passage vector says the same)."""

    vectors: Any
    sentences: tuple[bytes, ...] | None = None

    def __len__(self) -> int:
        return len(self.vectors)

    def __getitem__(self, part: slice) -> PassageVectors:
        return PassageVectors(
            self.vectors[part], None if self.sentences is None else self.sentences[part]
        )

    @staticmethod
    def concat(pieces: Sequence[PassageVectors]) -> PassageVectors:
        import numpy as np

        if len(pieces) == 1:
            return pieces[0]
        vectors = np.concatenate([p.vectors for p in pieces])
        if any(p.sentences is None for p in pieces):
            return PassageVectors(vectors)
        return PassageVectors(vectors, tuple(s for p in pieces for s in p.sentences or ()))


def embed_passages(embedder: Embedder, texts: Sequence[str], sentences: bool) -> PassageVectors:
    """Embed passages, and with `sentences` their sentences too."""
    vectors = embedder.embed_documents(texts)
    if not sentences:
        return PassageVectors(vectors)
    return PassageVectors(vectors, sentence_blobs(embedder, texts))


def sentence_blobs(embedder: Embedder, texts: Sequence[str]) -> tuple[bytes, ...]:
    """Each passage's encoded sentence vectors, all sentences in one call to the model; b""
    for a passage of one sentence (its own vector says the same)."""
    split = [passage_sentences(text) for text in texts]
    wanted = [parts if len(parts) > 1 else [] for parts in split]
    flat = [s for parts in wanted for s in parts]
    if not flat:
        return tuple(b"" for _ in texts)
    vectors = embedder.embed_documents(flat)
    encoded: list[bytes] = []
    offset = 0
    for parts in wanted:
        encoded.append(encode(vectors[offset : offset + len(parts)]) if parts else b"")
        offset += len(parts)
    return tuple(encoded)


def encode(vectors: Any) -> bytes:
    """Unit vectors (n, dimension) as bytes: a float32 scale per vector, then int8 values."""
    import numpy as np

    matrix = np.asarray(vectors, dtype=np.float32)
    scales = np.abs(matrix).max(axis=1, keepdims=True)
    scales[scales == 0] = 1.0
    quantised = np.rint(matrix / scales * _SCALE).astype(np.int8)
    return bytes(scales.astype(np.float32).tobytes() + quantised.tobytes())


def decode(raw: bytes, dimension: int) -> Any:
    """The float32 vectors encode() wrote (approximately: int8 precision)."""
    import numpy as np

    count = len(raw) // (4 + dimension)
    scales = np.frombuffer(raw[: 4 * count], dtype=np.float32).reshape(count, 1)
    values = np.frombuffer(raw[4 * count :], dtype=np.int8).reshape(count, dimension)
    return values.astype(np.float32) * (scales / _SCALE)


def rescore(
    query: Sequence[float], ranked: Iterable[tuple[str, float]], encoded: dict[str, bytes]
) -> list[tuple[str, float]]:
    """A dense ranking rescored by the mean of each passage's similarity and its best
    sentence's (a passage without sentence vectors has one sentence: itself), best first."""
    import numpy as np

    question = np.asarray(query, dtype=np.float32)
    rescored = []
    for cid, score in ranked:
        best = score
        if cid in encoded:
            best = float((decode(encoded[cid], len(question)) @ question).max())
        rescored.append((cid, 0.5 * (score + best)))
    rescored.sort(key=lambda item: -item[1])
    return rescored
