"""A BERT-style sentence encoder run by ONNX Runtime: the tokenizer from its tokenizer.json
(the Rust `tokenizers`, as sentence-transformers uses), the exported network, then what
sentence-transformers' Pooling and Normalize modules do: the mean of the token vectors under
the attention mask, scaled to unit length. numpy and onnxruntime only; no torch."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from desktop_app.core.cpus import usable_cpus

# Passages per run: 16 encodes fastest on a CPU (bench.embedding: 46.6/s at 16, 42.4 at 32,
# 38.4 at 64 on 2 cores); larger batches pad more and fall out of the cache.
BATCH_SIZE = 16


class OnnxEncoder:
    """Thread-safe: ONNX Runtime sessions and tokenizers may be called from several threads."""

    def __init__(
        self, onnx_file: Path, tokenizer_file: Path, max_tokens: int, threads: int | None = None
    ) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(tokenizer_file))
        self.tokenizer.enable_truncation(max_tokens)  # counts [CLS] and [SEP], as ST does
        self.tokenizer.enable_padding()  # to the longest in the batch; masked out below
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads or usable_cpus()
        options.inter_op_num_threads = 1
        # Idle threads sleep instead of spinning: indexing shares the cores with the parser
        # process and the window.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = onnxruntime.InferenceSession(
            str(onnx_file), options, providers=["CPUExecutionProvider"]
        )

    def encode(self, texts: Sequence[str], batch_size: int = BATCH_SIZE) -> Any:
        """A (len(texts), dimension) float32 array of unit vectors, in the order given."""
        import numpy as np

        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        # Similar lengths share a batch, so little of each batch is padding (as ST sorts).
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        parts = []
        for start in range(0, len(order), batch_size):
            batch = [texts[i] for i in order[start : start + batch_size]]
            parts.append(self._encode_batch(batch))
        vectors = np.concatenate(parts)
        result = np.empty_like(vectors)
        result[order] = vectors
        return result

    def _encode_batch(self, texts: list[str]) -> Any:
        import numpy as np

        encoded = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = self.session.run(None, feeds)[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return (pooled / norms).astype(np.float32)
