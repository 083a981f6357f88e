"""How a team library's costs grow with its size (issue 27), on a real PostgreSQL server with
pgvector started here, server and client on the same machine.

    python -m bench.team_scale --passages 10000,100000[,1000000] [--queries 100] [--clients 8]
                               [--seconds 30] [--json]
    python -m bench.scale --library team [--passages …] [--queries …] [--json]  (the same)

The material is bench.scale's: the shared QA corpora's passages cycled, copies with rotated
sentences, the real models' vectors for the base passages and noisy copies of them (cosine
~0.9), 100 passages to a document. Each document is written by an editor's connection through
the app's own write path (services.store.postgres.documents.put_document: one transaction per
document, BM25 statistics, one HNSW-indexed table per embedding space). Its file's bytes are
not stored (the material has none): a real document adds its file's size once.

Reported per size: write throughput (passages/s, encoders excluded), the database's size per
passage; then, through the app's Retriever over a member's connection: hybrid, dense and
lexical search latency p50/p95/p99 over real questions (their encoding by the models
included, as in the window) and how often the top hit answers the question; a hybrid search
within 10 random documents; then --clients searching clients at once (threads, each with its
own connection and retriever, sharing the loaded models) for --seconds: p95 and errors.
Goals (issue 27): hybrid p95 <= 80 ms at 100k, <= 200 ms at 1M passages.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench.common import print_json
from bench.scale import (
    COPY_COSINE,
    BaseVectors,
    DerivedVectors,
    base_of,
    base_passages,
    documents,
    percentiles,
    print_latencies,
    questions,
)

GOALS_P95_MS = {100_000: 80.0, 1_000_000: 200.0}
MODES = ("hybrid", "dense", "lexical")


def build(admin: str, size: int, passages: list[str], base: BaseVectors, spaces: list) -> dict:
    """A new team library of `size` passages: its member's URL and the write's numbers."""
    from bench.postgres_server import new_database
    from desktop_app.core.lexical import index_terms
    from desktop_app.services.store.postgres.connection import connect
    from desktop_app.services.store.postgres.documents import put_document
    from desktop_app.services.store.postgres.team_init import init_team_library

    urls = init_team_library(new_database(admin, f"scale_{size}"))
    terms = [" ".join(index_terms(p)) for p in passages]
    vectors = DerivedVectors(base)
    written = 0
    with connect(urls.editor_url, autocommit=True) as editor:
        started = time.perf_counter()
        for parsed in documents(passages, terms, size, "/team/docs"):
            texts = [chunk.text for chunk in parsed.chunks]
            by_model = {s.embedder.fingerprint: vectors(s, texts) for s in spaces}
            put_document(editor, parsed, b"", by_model)
            written += len(texts)
        seconds = time.perf_counter() - started
        row = editor.execute("SELECT pg_database_size(current_database())").fetchone()
    return {
        "member_url": urls.member_url,
        "passages": written,
        "write_s": round(seconds, 1),
        "write_passages_per_s": round(written / seconds, 1),
        "database_bytes_per_passage": round(int(row[0]) / written) if row else None,
    }


def searcher(member_url: str, embedders: dict[str, Any]) -> Any:
    from desktop_app.services.search.retrieval import Retriever
    from desktop_app.services.store.postgres.connection import connect
    from desktop_app.services.store.postgres.team_storage import TeamCatalog, TeamSpaces

    catalog = TeamCatalog(connect(member_url, autocommit=True))
    return Retriever(catalog, TeamSpaces(catalog, embedders))


def probe(member_url: str, embedders: dict[str, Any], asked: list, owners: list[str]) -> dict:
    from desktop_app.services.search.retrieval import SearchMode

    retriever = searcher(member_url, embedders)
    paths = [d.path for d in retriever.catalog.read(_documents)]
    rng = random.Random(0)
    retriever.search(asked[0][0])  # the first: connections and caches warm
    latencies: dict[str, list[float]] = {m: [] for m in (*MODES, "hybrid in 10 documents")}
    gold_first = dict.fromkeys(MODES, 0)
    for question, gold in asked[1:]:
        for kind in latencies:
            mode = SearchMode(kind.split()[0])
            within = rng.sample(paths, min(10, len(paths))) if " in " in kind else None
            t = time.perf_counter()
            hits = retriever.search(question, 5, mode, within)
            latencies[kind].append((time.perf_counter() - t) * 1000)
            if kind in gold_first and hits and owners[base_of(hits[0], len(owners))] in gold:
                gold_first[kind] += 1
    retriever.close()
    retriever.catalog.close()
    return {
        "latency_ms": {kind: percentiles(times) for kind, times in latencies.items()},
        "top_hit_is_gold": {k: round(n / (len(asked) - 1), 3) for k, n in gold_first.items()},
    }


def _documents(connection: Any) -> list:
    from desktop_app.services.store.postgres import reading

    return reading.documents(connection)


def concurrent(
    member_url: str, embedders: dict[str, Any], asked: list, clients: int, seconds: float
) -> dict:
    """`clients` searching at once, each its own connection, for `seconds` (bounded loops)."""
    times: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client(number: int) -> None:
        try:
            retriever = searcher(member_url, embedders)
        except Exception as exc:  # noqa: BLE001 - counted, not fatal
            errors.append(f"connect: {exc}")
            return
        n = number
        while time.monotonic() < deadline:
            question = asked[n % len(asked)][0]
            n += clients
            t = time.perf_counter()
            try:
                retriever.search(question, 5)
            except Exception as exc:  # noqa: BLE001
                with lock:
                    errors.append(str(exc))
                continue
            with lock:
                times.append((time.perf_counter() - t) * 1000)
        retriever.close()
        retriever.catalog.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {
        "clients": clients,
        "searches": len(times),
        "errors": len(errors),
        "first_error": errors[0] if errors else None,
        "hybrid_ms": percentiles(times) if times else None,
        "searches_per_s": round(len(times) / seconds, 1),
    }


def main(json_output: bool = False) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--passages", default="10000,100000", help="sizes, comma-separated")
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--clients", type=int, default=8, help="searching at once, at 100k")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    args.json = args.json or json_output
    from bench.postgres_server import postgres_server
    from bench.retrieval import _shared_embedders
    from desktop_app.application import Library
    from desktop_app.core.embedding_models import DEFAULT_EMBEDDING_MODELS

    embedders = _shared_embedders(set(DEFAULT_EMBEDDING_MODELS))
    passages, owners = base_passages()
    asked = questions(args.queries + 1)
    results: dict[str, Any] = {
        "base_passages": len(passages),
        "vectors": f"real for the base passages; copies: base + noise (cosine ~{COPY_COSINE})",
        "sizes": {},
    }
    with tempfile.TemporaryDirectory() as folder:
        with Library(Path(folder) / "local", embedders=embedders) as local:
            spaces = local.spaces.writable()  # the models' spaces, to embed the base passages
            base = BaseVectors(local, passages)
        with postgres_server(Path(folder) / "server") as admin:
            for size in (int(s) for s in args.passages.split(",")):
                built = build(admin, size, passages, base, spaces)
                measured = {**built, **probe(built["member_url"], embedders, asked, owners)}
                if size == 100_000 or size == max(int(s) for s in args.passages.split(",")):
                    measured["concurrent"] = concurrent(
                        built["member_url"], embedders, asked, args.clients, args.seconds
                    )
                del measured["member_url"]
                goal = GOALS_P95_MS.get(size)
                if goal is not None:
                    p95 = measured["latency_ms"]["hybrid"]["p95"]
                    measured["goal"] = {"hybrid_p95_ms": goal, "met": p95 <= goal}
                results["sizes"][str(size)] = measured
                if not args.json:
                    report(size, measured)
    if args.json:
        print_json(results)


def report(size: int, m: dict[str, Any]) -> None:
    print(
        f"{size:>9,} passages: write {m['write_passages_per_s']:.0f}/s, "
        f"{m['database_bytes_per_passage']} B/passage in the database",
        flush=True,
    )
    print_latencies(m, 24)
    if "concurrent" in m:
        c = m["concurrent"]
        p = c["hybrid_ms"] or {}
        print(
            f"    {c['clients']} clients at once: {c['searches']} searches "
            f"({c['searches_per_s']}/s), p50 {p.get('p50')} ms, p95 {p.get('p95')} ms, "
            f"{c['errors']} errors"
        )
    if "goal" in m:
        print(f"    goal: hybrid p95 <= {m['goal']['hybrid_p95_ms']} ms: met {m['goal']['met']}")


if __name__ == "__main__":
    main()
