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
from typing import Any

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
    team_server: str | None = None,
) -> dict[str, dict[str, float]]:
    """With `team_server` (a PostgreSQL server's admin URL), the corpus is indexed into a team
    library on it, by an editor, and searched there."""
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
        if team_server is not None:
            from bench.postgres_server import team_library_in

            team_library_in(Path(tmp) / "data", team_server, f"retrieval_{time.time_ns()}")
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
            chunks = sum(d.chunks for d in library.documents())
            chosen = list(library.spaces.chosen)
            vector_bytes = _stored_bytes(library, Path(tmp) / "data")
    n = len(queries)
    result: dict[str, dict[str, float]] = {
        m: {k: round(v / n, 4) for k, v in t.items()} for m, t in totals.items()
    }
    result["info"] = {  # type: ignore[assignment,dict-item]
        "queries": n,
        "corpus": len(corpus),
        "passages": chunks,
        "models": "+".join(chosen),  # type: ignore[dict-item]
        "library": "team" if team_server else "local",  # type: ignore[dict-item]
        "index_s": round(index_s, 1),
        "passages_per_s": round(chunks / max(index_s, 1e-9), 1),
        "hybrid_query_ms_p50": round(1000 * statistics.median(latencies), 1),
        "stored_bytes_per_passage": round(vector_bytes / max(1, chunks)),
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
    parser.add_argument(
        "--library",
        choices=("local", "team"),
        default="local",
        help="team: index and search a team library on a PostgreSQL server started here, and "
        "this computer's library side by side",
    )
    args = parser.parse_args()
    configs = COMPARED if args.compare else (tuple(m for m in args.models.split(",") if m),)
    from desktop_app.core.embedding_models import DEFAULT_EMBEDDING_MODELS

    models = {m for c in configs for m in c} or set(DEFAULT_EMBEDDING_MODELS)
    embedders = _shared_embedders(models, args.minilm_on == "onnx")
    if args.library == "team":
        _team_beside_local(args, configs[0], embedders)
        return
    results = [
        evaluate(args.folder, args.limit, args.queries, config, embedders) for config in configs
    ]
    if args.json:
        print_json(results if args.compare else results[0])
        return
    _print(args, results)


def _team_beside_local(args: argparse.Namespace, models: tuple[str, ...], embedders: dict) -> None:
    """This computer's library and a team library on a real server, one after the other with
    the same models: their quality side by side, and the team library's indexing throughput
    as a ratio of the local one's."""
    from bench.postgres_server import postgres_server

    with tempfile.TemporaryDirectory() as folder, postgres_server(Path(folder)) as server:
        local = evaluate(args.folder, args.limit, args.queries, models, embedders)
        team = evaluate(args.folder, args.limit, args.queries, models, embedders, server)
    ratio = team["info"]["passages_per_s"] / max(local["info"]["passages_per_s"], 1e-9)
    differences = {m: round(team[m]["recall@1"] - local[m]["recall@1"], 4) for m in MODES}
    if args.json:
        print_json({"local": local, "team": team, "indexing_ratio": round(ratio, 2),
                    "recall@1_team_minus_local": differences})  # fmt: skip
        return
    _print(args, [local, team])
    print(
        "\nteam - local R@1: "
        + ", ".join(f"{m} {d:+.3f}" for m, d in differences.items())
        + f"; indexing throughput team/local {ratio:.2f}"
    )


def _print(args: argparse.Namespace, results: list[dict[str, dict[str, float]]]) -> None:
    questions = f" with the questions of {args.queries.name}" if args.queries else ""
    keys = ("recall@1", "recall@5", "mrr@10", "ndcg@10", "answer@1", "answer@5")
    for result in results:
        info = result["info"]
        print(
            f"\n{args.folder.name}{questions} [{info['models']}, {info['library']}]: "
            f"{info['queries']} queries, {info['passages']} passages; indexed "
            f"{info['passages_per_s']} passages/s, hybrid query p50 "
            f"{info['hybrid_query_ms_p50']} ms, {info['stored_bytes_per_passage']} bytes stored "
            "per passage"
        )
        print(f"{'':8}" + "".join(f"{k:>10}" for k in keys))
        for mode in MODES:
            print(f"{mode:8}" + "".join(f"{result[mode][k]:>10.3f}" for k in keys))


def _stored_bytes(library: Any, data: Path) -> int:
    """The vector store's files on disk; for a team library the whole database (documents,
    passages, vectors, indexes), as the server reports it."""
    team = library.in_use.team
    if team is None:
        return sum(f.stat().st_size for f in (data / "vectors").rglob("*") if f.is_file())
    row = team.catalog.read(
        lambda c: c.execute("SELECT pg_database_size(current_database())").fetchone()
    )
    return int(row[0])


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
