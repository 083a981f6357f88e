"""Indexing throughput of the whole app pipeline relative to bare embedding, side by side.

    python -m bench.indexing [FILES_OR_FOLDERS...] [--json]

Indexes the documents through the app (extract, chunk, embed, store) into a temporary data
directory, then embeds the very same passages with a bare `SentenceTransformer.encode`, with the
same model, batch size and threads, in the same process. ratio = app passages/s divided by bare
passages/s: 1.0 means the pipeline costs nothing beyond the unavoidable embedding work.
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

    from desktop_app.application import Library
    from desktop_app.core.settings import Settings

    settings = Settings()
    app_times: list[float] = []
    bare_times: list[float] = []
    embedder = None
    for _ in range(args.repeat):
        with (
            tempfile.TemporaryDirectory() as tmp,
            Library(Path(tmp), settings, embedder=embedder) as library,
        ):
            embedder = library.embedder
            # The app keeps its engines alive between runs: start the model and the parser
            # process before timing, as the bare baseline's model is loaded before its timing.
            embedder.embed_documents(["warm-up"])
            library.ingest.parser().start(wait=True)
            started = time.perf_counter()
            summary = library.index(paths)
            app_times.append(time.perf_counter() - started)
            ids = sorted(library.catalog.all_chunk_ids())
            texts = [c.text for c in library.catalog.chunks(ids).values()]

        model = embedder._model  # the same loaded model: the bare baseline
        started = time.perf_counter()
        model.encode(texts, batch_size=settings.embedding_batch_size, normalize_embeddings=True)
        bare_times.append(time.perf_counter() - started)

    n = len(texts)
    app_s, bare_s = sum(app_times), sum(bare_times)
    result = {
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
    if args.json:
        print_json(result)
    else:
        print(
            f"{n} passages from {result['files_indexed']} files, {result['pages']} pages, "
            f"{args.repeat} runs each"
        )
        print(f"app pipeline : {app_s:7.2f} s  {result['app_passages_per_s']:7.1f} passages/s")
        print(f"bare encode  : {bare_s:7.2f} s  {result['bare_passages_per_s']:7.1f} passages/s")
        print(
            f"ratio (app / bare throughput): {result['ratio']:.3f}  (goal >= 0.9); "
            f"per run: {result['ratios']}"
        )


if __name__ == "__main__":
    main()
