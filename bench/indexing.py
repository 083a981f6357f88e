"""Indexing throughput of the whole app pipeline relative to bare embedding, side by side.

    python -m bench.indexing [FILES_OR_FOLDERS...] [--json]

For the previous default embedding model (MiniLM alone) and the current one (USE-m3 and MiniLM),
in one run: indexes the documents through the app (extract, chunk, embed with every model,
store) into a temporary data directory, then embeds the very same passages with the same loaded
models, bare, in the same process. ratio = app passages/s divided by bare passages/s: 1.0 means
the pipeline costs nothing beyond the unavoidable embedding work.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", help=f"documents (default: {len(DEFAULT_DOCS)} PDFs)")
    parser.add_argument("--repeat", type=int, default=2, help="app/bare pairs to run (default 2)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    paths = [Path(p) for p in args.paths] or [EVAL / p for p in DEFAULT_DOCS]

    from desktop_app.services.embeddings import make_embedder

    embedders = {key: make_embedder(key) for key in ("use-m3", "minilm")}
    for model in embedders.values():
        model.load()
    results = {
        "+".join(models): measure(paths, models, embedders, args.repeat)
        for models in (("minilm",), ("use-m3", "minilm"))
    }
    old, new = results["minilm"], results["use-m3+minilm"]
    results["new_vs_old_passages_per_s"] = round(  # type: ignore[assignment]
        new["app_passages_per_s"] / old["app_passages_per_s"],  # type: ignore[operator]
        3,
    )
    if args.json:
        print_json(results)
        return
    for name, result in results.items():
        if not isinstance(result, dict):
            continue
        print(
            f"[{name}] {result['passages']} passages from {result['files_indexed']} files, "
            f"{result['pages']} pages, {args.repeat} runs each"
        )
        print(f"  app pipeline : {result['app_passages_per_s']:7.1f} passages/s")
        print(f"  bare encode  : {result['bare_passages_per_s']:7.1f} passages/s")
        print(
            f"  ratio (app / bare throughput): {result['ratio']:.3f}  (goal >= 0.9); "
            f"per run: {result['ratios']}"
        )
    print(f"new default vs old, app passages/s: {results['new_vs_old_passages_per_s']}")


def measure(
    paths: list[Path], models: tuple[str, ...], embedders: dict, repeat: int
) -> dict[str, object]:
    from desktop_app.application import Library
    from desktop_app.core.embedding_models import describe
    from desktop_app.core.settings import Settings
    from desktop_app.services.embeddings.passage_vectors import embed_passages

    settings = Settings(embedding_models=list(models))
    app_times: list[float] = []
    bare_times: list[float] = []
    for _ in range(repeat):
        with (
            tempfile.TemporaryDirectory() as tmp,
            Library(Path(tmp), settings, embedders=embedders) as library,
        ):
            # The app keeps its engines alive between runs: start the models and the parser
            # process before timing, as the bare baseline's models are loaded before its timing.
            library.load_embedding_models()
            library.ingest.parser().start(wait=True)
            started = time.perf_counter()
            summary = library.index(paths)
            app_times.append(time.perf_counter() - started)
            ids = sorted(library.catalog.all_chunk_ids())
            texts = [c.text for c in library.catalog.chunks(ids).values()]

        started = time.perf_counter()
        for key in models:  # the same loaded models, bare (with sentence vectors where used)
            embed_passages(embedders[key], texts, describe(key).sentence_scoring)
        bare_times.append(time.perf_counter() - started)

    n = len(texts)
    app_s, bare_s = sum(app_times), sum(bare_times)
    return {
        "ratio": round(bare_s / app_s, 3),
        "ratios": [round(b / a, 3) for a, b in zip(app_times, bare_times, strict=True)],
        "passages": n,
        "files_indexed": sum(1 for r in summary.reports if r.status.value == "indexed"),
        "pages": sum(r.pages for r in summary.reports),
        "app_s": [round(t, 2) for t in app_times],
        "bare_encode_s": [round(t, 2) for t in bare_times],
        "app_passages_per_s": round(n * len(app_times) / app_s, 1),
        "bare_passages_per_s": round(n * len(bare_times) / bare_s, 1),
    }


if __name__ == "__main__":
    main()
