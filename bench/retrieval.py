"""Retrieval quality on a BEIR-layout folder, for dense, lexical and hybrid search.

    python -m bench.retrieval DIR [--json] [--limit N]

DIR holds corpus.jsonl (_id, title, text), queries.jsonl (_id, text, optional answers) and
qrels.tsv (query-id, corpus-id, score; header line). Each corpus entry becomes a text file that is
indexed through the app's own pipeline (chunking, embedding, Chroma, FTS5) in a temporary data
directory; long entries are split into passages like any document. A query's ranking is the
order in which corpus entries first appear among its passages.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import tempfile
import time
from pathlib import Path

from bench.common import print_json

MODES = ("dense", "lexical", "hybrid")
DEPTH = 10


def load(folder: Path) -> tuple[list[dict], list[dict], dict[str, dict[str, int]]]:
    corpus = [json.loads(line) for line in (folder / "corpus.jsonl").open(encoding="utf-8")]
    queries = [json.loads(line) for line in (folder / "queries.jsonl").open(encoding="utf-8")]
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


def evaluate(folder: Path, limit: int | None) -> dict[str, dict[str, float]]:
    from desktop_app.application import Library
    from desktop_app.core.settings import Settings

    corpus, queries, qrels = load(folder)
    queries = [q for q in queries if q["_id"] in qrels][:limit]
    totals = {
        m: dict.fromkeys(("recall@1", "recall@5", "mrr@10", "ndcg@10", "answer@1", "answer@5"), 0.0)
        for m in MODES
    }
    with tempfile.TemporaryDirectory() as tmp:
        by_path = write_corpus(corpus, Path(tmp) / "corpus")
        with Library(Path(tmp) / "data", Settings()) as library:
            started = time.perf_counter()
            library.index([Path(tmp) / "corpus"])
            index_s = time.perf_counter() - started
            started = time.perf_counter()
            for query in queries:
                relevant = qrels[query["_id"]]
                answers = [a.casefold() for a in query.get("answers") or [] if a]
                for mode in MODES:
                    hits = library.search(query["text"], k=DEPTH, mode=mode)
                    ranked = list(dict.fromkeys(by_path[h.path] for h in hits))
                    t = totals[mode]
                    t["recall@1"] += len(set(ranked[:1]) & set(relevant)) / len(relevant)
                    t["recall@5"] += len(set(ranked[:5]) & set(relevant)) / len(relevant)
                    first = next((i for i, cid in enumerate(ranked) if cid in relevant), None)
                    t["mrr@10"] += 0.0 if first is None else 1.0 / (first + 1)
                    t["ndcg@10"] += ndcg(ranked, relevant, DEPTH)
                    texts = [h.text.casefold() for h in hits]
                    t["answer@1"] += any(a in x for a in answers for x in texts[:1])
                    t["answer@5"] += any(a in x for a in answers for x in texts[:5])
            search_s = time.perf_counter() - started
            chunks = library.catalog.chunk_count()
    n = len(queries)
    result: dict[str, dict[str, float]] = {
        m: {k: round(v / n, 4) for k, v in t.items()} for m, t in totals.items()
    }
    result["info"] = {  # type: ignore[assignment]
        "queries": n,
        "corpus": len(corpus),
        "passages": chunks,
        "index_s": round(index_s, 1),
        "search_ms_per_query_and_mode": round(1000 * search_s / max(1, n * len(MODES)), 1),
    }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--limit", type=int, help="evaluate only the first N queries")
    args = parser.parse_args()
    result = evaluate(args.folder, args.limit)
    if args.json:
        print_json(result)
        return
    info = result["info"]
    print(
        f"{args.folder.name}: {info['queries']} queries, {info['corpus']} documents, "
        f"{info['passages']} passages, indexed in {info['index_s']} s"
    )
    keys = ("recall@1", "recall@5", "mrr@10", "ndcg@10", "answer@1", "answer@5")
    print(f"{'':8}" + "".join(f"{k:>10}" for k in keys))
    for mode in MODES:
        print(f"{mode:8}" + "".join(f"{result[mode][k]:>10.3f}" for k in keys))


if __name__ == "__main__":
    main()
