"""Retrieval quality on a BEIR-layout folder, for dense, lexical and hybrid search.

    python -m bench.retrieval DIR [--queries QDIR] [--models use-m3,minilm] [--compare]
                              [--json] [--limit N] [--minilm-on onnx|torch]

--queries takes the questions and qrels from another folder with the same ids (cross-lingual:
xquad-ru-dev's questions over xquad-en-dev's paragraphs). --models sets the embedding models
(default: the app's); --compare runs MiniLM alone, USE-m3 alone and both, side by side, each
with indexing passages/s, query latency and disk per passage.

DIR holds corpus.jsonl (_id, title, text), queries.jsonl (_id, text, optional answers) and
qrels.tsv (query-id, corpus-id, score; header line). Each corpus entry becomes a text file that is
indexed through the app's own pipeline (chunking, embedding, Chroma, FTS5) in a temporary data
directory; long entries are split into passages like any document. A query's ranking is the
order in which corpus entries first appear among its passages: Recall@1/@5 among the
5 results the app shows by default, MRR@10 and nDCG@10 among 10.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import statistics
import tempfile
import time
from pathlib import Path

from bench.common import print_json

MODES = ("dense", "lexical", "hybrid")
DEPTH = 10


def load(folder: Path) -> tuple[list[dict], list[dict], dict[str, dict[str, int]]]:
    with (folder / "corpus.jsonl").open(encoding="utf-8") as lines:
        corpus = [json.loads(line) for line in lines]
    with (folder / "queries.jsonl").open(encoding="utf-8") as lines:
        queries = [json.loads(line) for line in lines]
    qrels: dict[str, dict[str, int]] = {}
    with (folder / "qrels.tsv").open(encoding="utf-8") as handle:
        next(handle)
        for line in handle:
            qid, cid, score = line.rstrip("\n").split("\t")
            if int(score) > 0:
                qrels.setdefault(qid, {})[cid] = int(score)
    return corpus, queries, qrels


def write_corpus(corpus: list[dict], folder: Path) -> dict[str, str]:
    """One .txt file per entry; returns resolved path -> corpus id."""
    folder.mkdir(parents=True)
    by_path: dict[str, str] = {}
    for n, entry in enumerate(corpus):
        safe = re.sub(r"[^\w.-]+", "_", entry["_id"])[:80]
        path = folder / f"{n:06d}_{safe}.txt"
        title = entry.get("title") or ""
        path.write_text(f"{title}\n\n{entry['text']}" if title else entry["text"], encoding="utf-8")
        by_path[str(path.resolve())] = entry["_id"]
    return by_path


def ndcg(ranked: list[str], relevant: dict[str, int], k: int) -> float:
    dcg = sum(relevant.get(cid, 0) / math.log2(i + 2) for i, cid in enumerate(ranked[:k]))
    ideal = sorted(relevant.values(), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


COMPARED = (("minilm",), ("use-m3",), ("use-m3", "minilm"))


def evaluate(
    folder: Path,
    limit: int | None,
    queries_folder: Path | None = None,
    models: tuple[str, ...] = (),
    embedders: dict | None = None,
) -> dict[str, dict[str, float]]:
    from desktop_app.application import Library
    from desktop_app.core.settings import Settings

    corpus, queries, qrels = load(folder)
    if queries_folder is not None:
        _, queries, qrels = load(queries_folder)
    queries = [q for q in queries if q["_id"] in qrels][:limit]
    totals = {
        m: dict.fromkeys(("recall@1", "recall@5", "mrr@10", "ndcg@10", "answer@1", "answer@5"), 0.0)
        for m in MODES
    }
    with tempfile.TemporaryDirectory() as tmp:
        by_path = write_corpus(corpus, Path(tmp) / "corpus")
        settings = Settings(embedding_models=list(models))
        shown = max(5, settings.search_results)
        with Library(Path(tmp) / "data", settings, embedders=embedders) as library:
            library.embeddings.load_models()  # loading is not indexing
            started = time.perf_counter()
            library.index([Path(tmp) / "corpus"])
            index_s = time.perf_counter() - started
            latencies: list[float] = []
            started = time.perf_counter()
            for query in queries:
                relevant = qrels[query["_id"]]
                answers = [a.casefold() for a in query.get("answers") or [] if a]
                for mode in MODES:
                    asked = time.perf_counter()
                    hits = library.search(query["text"], k=shown, mode=mode)
                    if mode == "hybrid":
                        latencies.append(time.perf_counter() - asked)
                    t = totals[mode]
                    # @1 and @5 from what the app shows (its search_results, 5): a deeper
                    # search ranks a few passages differently (USE-m3 rescores more of them).
                    ranked = list(dict.fromkeys(by_path[h.path] for h in hits))
                    t["recall@1"] += len(set(ranked[:1]) & set(relevant)) / len(relevant)
                    t["recall@5"] += len(set(ranked[:5]) & set(relevant)) / len(relevant)
                    texts = [h.text.casefold() for h in hits]
                    t["answer@1"] += any(a in x for a in answers for x in texts[:1])
                    t["answer@5"] += any(a in x for a in answers for x in texts[:5])
                    if shown < DEPTH:
                        hits = library.search(query["text"], k=DEPTH, mode=mode)
                        ranked = list(dict.fromkeys(by_path[h.path] for h in hits))
                    first = next((i for i, cid in enumerate(ranked) if cid in relevant), None)
                    t["mrr@10"] += 0.0 if first is None else 1.0 / (first + 1)
                    t["ndcg@10"] += ndcg(ranked, relevant, DEPTH)
            search_s = time.perf_counter() - started
            chunks = library.catalog.chunk_count()
            chosen = list(library.spaces.chosen)
        vector_bytes = sum(
            f.stat().st_size for f in (Path(tmp) / "data" / "vectors").rglob("*") if f.is_file()
        )
    n = len(queries)
    result: dict[str, dict[str, float]] = {
        m: {k: round(v / n, 4) for k, v in t.items()} for m, t in totals.items()
    }
    result["info"] = {  # type: ignore[assignment,dict-item]
        "queries": n,
        "corpus": len(corpus),
        "passages": chunks,
        "models": "+".join(chosen),  # type: ignore[dict-item]
        "index_s": round(index_s, 1),
        "passages_per_s": round(chunks / max(index_s, 1e-9), 1),
        "hybrid_query_ms_p50": round(1000 * statistics.median(latencies), 1),
        "vector_bytes_per_passage": round(vector_bytes / max(1, chunks)),
        "search_ms_per_query_and_mode": round(1000 * search_s / max(1, n * len(MODES)), 1),
    }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="the corpus (and questions, by default)")
    parser.add_argument("--queries", type=Path, help="questions and qrels from this folder")
    parser.add_argument("--models", default="", help="embedding models (default: the app's)")
    parser.add_argument("--compare", action="store_true", help="MiniLM, USE-m3, both")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--limit", type=int, help="evaluate only the first N queries")
    parser.add_argument(
        "--minilm-on",
        choices=("onnx", "torch"),
        default="onnx",
        help="MiniLM's runtime: ONNX Runtime (the app's, default) or sentence-transformers",
    )
    args = parser.parse_args()
    configs = COMPARED if args.compare else (tuple(m for m in args.models.split(",") if m),)
    from desktop_app.core.embedding_models import DEFAULT_EMBEDDING_MODELS

    models = {m for c in configs for m in c} or set(DEFAULT_EMBEDDING_MODELS)
    embedders = _shared_embedders(models, args.minilm_on == "onnx")
    results = [
        evaluate(args.folder, args.limit, args.queries, config, embedders) for config in configs
    ]
    if args.json:
        print_json(results if args.compare else results[0])
        return
    questions = f" with the questions of {args.queries.name}" if args.queries else ""
    keys = ("recall@1", "recall@5", "mrr@10", "ndcg@10", "answer@1", "answer@5")
    for result in results:
        info = result["info"]
        print(
            f"\n{args.folder.name}{questions} [{info['models']}]: {info['queries']} queries, "
            f"{info['passages']} passages; indexed {info['passages_per_s']} passages/s, hybrid "
            f"query p50 {info['hybrid_query_ms_p50']} ms, "
            f"{info['vector_bytes_per_passage']} vector-store bytes per passage"
        )
        print(f"{'':8}" + "".join(f"{k:>10}" for k in keys))
        for mode in MODES:
            print(f"{mode:8}" + "".join(f"{result[mode][k]:>10.3f}" for k in keys))


def _shared_embedders(keys: set[str], minilm_onnx: bool = True) -> dict:
    """Loaded once for every configuration, as the app loads each once."""
    from desktop_app.services.embeddings import SentenceTransformerEmbedder, make_embedder

    models = {key: make_embedder(key) for key in keys}
    for model in models.values():
        if isinstance(model, SentenceTransformerEmbedder):
            model.onnx_allowed = minilm_onnx
        model.load()
    return models


if __name__ == "__main__":
    main()
