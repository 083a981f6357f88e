"""Indexing throughput of the whole app pipeline per choice of embedding models, side by side.

    python -m bench.indexing [FILES_OR_FOLDERS...] [--repeat N] [--json]

For the default (e5 and USE-m3), the earlier default kept as the reference (USE-m3 and MiniLM,
MiniLM on ONNX Runtime) and e5 alone, in alternating rounds of one run: indexes the documents
through the app (extract, chunk, embed with every model, store) into a temporary data
directory, then embeds the very same passages with the same loaded models, bare, in the same
process. ratio = app passages/s divided by bare passages/s (1.0: the pipeline costs nothing
beyond the embedding work); vs_reference = app passages/s divided by the reference's, the
number issue 25's goal is about (>= 0.65). Absolute passages/s move with the machine.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import EVAL, print_json

DEFAULT_DOCS = [
    "pdfs/diverse/pdfminer_dmca.pdf",
    "pdfs/diverse/pdfminer_i1040nr.pdf",
    "pdfs/diverse/pdfminer_naacl06-shinyama.pdf",
    "pdfs/diverse/samplefiles_pdflatex-4-pages.pdf",
    "pdfs/diverse/samplefiles_multicolumn.pdf",
    "pdfs/diverse/docugami_ntsb_20080102X00002.pdf",
    "pdfs/diverse/pypdf_Seige_of_Vicksburg_Sample_OCR.pdf",
]
REFERENCE = ("use-m3", "minilm")
MODEL_SETS = (REFERENCE, ("e5", "use-m3"), ("e5",))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", help=f"documents (default: {len(DEFAULT_DOCS)} PDFs)")
    parser.add_argument("--repeat", type=int, default=2, help="rounds to run (default 2)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    paths = [Path(p) for p in args.paths] or [EVAL / p for p in DEFAULT_DOCS]

    from desktop_app.services.embeddings import SentenceTransformerEmbedder, make_embedder

    embedders = {key: make_embedder(key) for key in {k for s in MODEL_SETS for k in s}}
    for model in embedders.values():
        model.load()
    minilm = embedders["minilm"]
    assert isinstance(minilm, SentenceTransformerEmbedder) and minilm.backend == "onnx", (
        "run make setup"
    )
    runs: dict[str, list[dict[str, Any]]] = {}
    for _ in range(args.repeat):  # alternating, so drifts in machine load hit every variant
        for models in MODEL_SETS:
            runs.setdefault("+".join(models), []).append(measure(paths, models, embedders))
    results: dict[str, Any] = {name: summarise(each) for name, each in runs.items()}
    reference = results["+".join(REFERENCE)]["app_passages_per_s"]
    for result in results.values():
        result["vs_reference"] = round(result["app_passages_per_s"] / reference, 3)
    if args.json:
        print_json(results)
        return
    for name, result in results.items():
        print(
            f"[{name}] {result['passages']} passages from {result['files_indexed']} files, "
            f"{result['pages']} pages, {args.repeat} runs each"
        )
        print(f"  app pipeline : {result['app_passages_per_s']:7.1f} passages/s")
        print(f"  bare encode  : {result['bare_passages_per_s']:7.1f} passages/s")
        print(f"  ratio (app / bare): {result['ratio']:.3f}; per run: {result['ratios']}")
        print(f"  vs {'+'.join(REFERENCE)}: {result['vs_reference']:.3f}")


def measure(paths: list[Path], models: tuple[str, ...], embedders: dict) -> dict[str, Any]:
    """One run: the app indexes `paths`, then the same models encode its passages bare."""
    from desktop_app.application import Library
    from desktop_app.core.embedding_models import describe
    from desktop_app.core.settings import Settings
    from desktop_app.services.embeddings.passage_vectors import embed_passages

    settings = Settings(embedding_models=list(models))
    with (
        tempfile.TemporaryDirectory() as tmp,
        Library(Path(tmp), settings, embedders=embedders) as library,
    ):
        # The app keeps its engines alive between runs: start the models and the parser
        # process before timing, as the bare baseline's models are loaded before its timing.
        library.embeddings.load_models()
        library.ingest.parser().start(wait=True)
        started = time.perf_counter()
        summary = library.index(paths)
        app_s = time.perf_counter() - started
        ids = sorted(library.catalog.all_chunk_ids())
        texts = [c.text for c in library.catalog.chunks(ids).values()]
    started = time.perf_counter()
    for key in models:  # the same loaded models, bare (with sentence vectors where used)
        embed_passages(embedders[key], texts, describe(key).sentence_scoring)
    return {
        "app_s": app_s,
        "bare_s": time.perf_counter() - started,
        "passages": len(texts),
        "files_indexed": sum(1 for r in summary.reports if r.status.value == "indexed"),
        "pages": sum(r.pages for r in summary.reports),
    }


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    n = runs[0]["passages"]
    app_s, bare_s = sum(r["app_s"] for r in runs), sum(r["bare_s"] for r in runs)
    return {
        "ratio": round(bare_s / app_s, 3),
        "ratios": [round(r["bare_s"] / r["app_s"], 3) for r in runs],
        "passages": n,
        "files_indexed": runs[0]["files_indexed"],
        "pages": runs[0]["pages"],
        "app_s": [round(r["app_s"], 2) for r in runs],
        "bare_encode_s": [round(r["bare_s"], 2) for r in runs],
        "app_passages_per_s": round(n * len(runs) / app_s, 1),
        "bare_passages_per_s": round(n * len(runs) / bare_s, 1),
    }


if __name__ == "__main__":
    main()
